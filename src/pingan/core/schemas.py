"""API schemas made from a model's own fields, so a field's type and limits are written once,
on the model, and the form, the schema and the service cannot drift apart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core import validators
from django.db import models
from ninja import Schema
from pydantic import Field, WithJsonSchema, create_model


def inline_enum(choices: type[models.TextChoices]) -> WithJsonSchema:
    """For a schema field ``Annotated[SomeChoices, inline_enum(SomeChoices)]``: validated as the
    choices, described inline in the OpenAPI schema. A component is named by its class alone,
    so two apps' ``Status`` (or ``Satisfaction``) would overwrite each other there."""
    return WithJsonSchema({"type": "string", "enum": list(choices.values)})


# Most specific first: a DateTimeField is also a DateField.
PYTHON_TYPES: tuple[tuple[type[models.Field], type], ...] = (
    (models.CharField, str),
    (models.TextField, str),
    (models.BooleanField, bool),
    (models.FloatField, float),
    (models.DecimalField, Decimal),
    (models.IntegerField, int),
    (models.DateTimeField, dt.datetime),
    (models.DateField, dt.date),
)


# An ID number or a phone is taken as a person types it (spaces, dashes, a leading +86) and
# stored normalised by the service, so its input may be longer than its column.
AS_TYPED_MAX_LENGTH = 30

FieldList = Sequence[str] | Mapping[str, str]
"""A kind's input fields: model field names, or a mapping from the name the form and the API
give a field to the model field it fills (where the public name differs from the column's)."""


def columns_of(fields: FieldList) -> dict[str, str]:
    """Each input field's name and the model field it fills."""
    return dict(fields) if isinstance(fields, Mapping) else {name: name for name in fields}


def python_type(field: models.Field) -> type:
    for field_class, type_ in PYTHON_TYPES:
        if isinstance(field, field_class):
            return type_
    raise TypeError(f"No schema type for {type(field).__name__} {field.name}")


def field_limits(field: models.Field, *, text: bool) -> dict[str, Any]:
    """The model's limits on a field as pydantic's: its length for text (and required text is
    not empty), its bounds from the min/max validators."""
    limits: dict[str, Any] = {}
    if text:
        if field.max_length is not None:
            limits["max_length"] = field.max_length
        if not field.blank:
            limits["min_length"] = 1
    for validator in field.validators:
        if isinstance(validator, validators.MinValueValidator):
            limits["ge"] = validator.limit_value
        elif isinstance(validator, validators.MaxValueValidator):
            limits["le"] = validator.limit_value
    return limits


def _default(field: models.Field, annotation: Any) -> dict[str, Any]:
    if field.has_default():
        key = "default_factory" if callable(field.default) else "default"
        return {key: field.default}
    if field.null:
        return {"default": None}
    if field.blank and annotation is str:
        return {"default": ""}
    return {}  # required


# What each schema ``model_schema`` made was made from, for the check that no input schema's
# limits drift from its model's (core/tests/test_schema_limits.py).
_MADE_FROM: dict[type[Schema], tuple[type[models.Model], dict[str, str]]] = {}


def model_schema(model: type[models.Model], names: FieldList, *, name: str, partial: bool = False,
                 types: Mapping[str, Any] | None = None,
                 extra: Mapping[str, Mapping[str, Any]] | None = None,
                 as_typed: Collection[str] = (),
                 base: type[Schema] = Schema, doc: str | None = None) -> type[Schema]:
    """A schema (subclass of ``base``) of ``model``'s fields ``names``, in that order (by their
    input names, see ``FieldList``).

    Each field has the model field's type, or the one ``types`` gives (such as its
    TextChoices); a nullable column takes null. Its limits are the model's (see
    ``field_limits``), except that the fields ``as_typed`` take ``AS_TYPED_MAX_LENGTH``;
    ``extra`` adds, per field, what the model does not hold (a description, a coordinate's
    bounds).

    For new data a field the model defaults, or lets be blank, may be left out and takes the
    model's default. With ``partial`` (an edit) every field may be left out, so the handler
    passes on only the fields sent (``model_dump(exclude_unset=True)``); a field whose column
    refuses null still refuses an explicit null."""
    types = types or {}
    extra = extra or {}
    columns = columns_of(names)
    definitions: dict[str, Any] = {}
    for field_name, column in columns.items():
        field = _column(model, column)
        annotation = types.get(field_name) or python_type(field)
        options = {**field_limits(field, text=annotation is str), **extra.get(field_name, {})}
        if field_name in as_typed:
            options["max_length"] = AS_TYPED_MAX_LENGTH
        options.update({"default": None} if partial else _default(field, annotation))
        if field.null:
            annotation = annotation | None
        definitions[field_name] = (annotation, Field(**options))
    schema = create_model(name, __base__=base, __module__=base.__module__, __doc__=doc, **definitions)
    _MADE_FROM[schema] = (model, columns)
    return schema


def made_from(schema: type[Schema]) -> tuple[type[models.Model], dict[str, str]] | None:
    """The model ``schema`` was made from by ``model_schema`` and the model field each of its
    fields fills, or None for a schema written by hand."""
    return _MADE_FROM.get(schema)


def model_form_fields(model: type[models.Model], names: FieldList, *, as_typed: Collection[str] = (),
                      **options: Any) -> dict[str, forms.Field]:
    """A form's fields for ``model``'s fields ``names`` (by their input names), with the model's
    labels and limits, as ``model_schema`` gives the API's; ``options`` are
    ``fields_for_model``'s (widgets, labels, help texts, by model field name)."""
    columns = columns_of(names)
    typed_columns = {columns[name] for name in as_typed}

    def formfield(db_field: models.Field, **kwargs: Any) -> forms.Field:
        if db_field.name in typed_columns:
            kwargs["max_length"] = AS_TYPED_MAX_LENGTH
        form_field = db_field.formfield(**kwargs)
        if form_field is None:
            raise TypeError(f"{model.__name__}.{db_field.name} has no form field")
        return form_field

    fields = forms.fields_for_model(model, fields=list(columns.values()), formfield_callback=formfield,
                                    **options)
    return {name: fields[column] for name, column in columns.items()}


def _column(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is a relation's other end, not a column")
    return field
