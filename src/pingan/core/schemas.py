"""API schemas made from a model's own fields, so a field's type and limits are written once,
on the model, and the form, the schema and the service cannot drift apart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core import validators
from django.db import models
from ninja import Schema
from pydantic import Field, create_model

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


def model_schema(model: type[models.Model], names: Sequence[str], *, name: str, partial: bool = False,
                 types: Mapping[str, Any] | None = None,
                 extra: Mapping[str, Mapping[str, Any]] | None = None,
                 base: type[Schema] = Schema, doc: str | None = None) -> type[Schema]:
    """A schema (subclass of ``base``) of ``model``'s fields ``names``, in that order.

    Each field has the model field's type, or the one ``types`` gives (such as its
    TextChoices); a nullable column takes null. Its limits are the model's (see
    ``field_limits``); ``extra`` adds, per field, what the model does not hold (a description,
    a coordinate's bounds).

    For new data a field the model defaults, or lets be blank, may be left out and takes the
    model's default. With ``partial`` (an edit) every field may be left out, so the handler
    passes on only the fields sent (``model_dump(exclude_unset=True)``); a field whose column
    refuses null still refuses an explicit null."""
    types = types or {}
    extra = extra or {}
    definitions: dict[str, Any] = {}
    for field_name in names:
        field = model._meta.get_field(field_name)
        if not isinstance(field, models.Field):
            raise TypeError(f"{model.__name__}.{field_name} is a relation's other end, not a column")
        annotation = types.get(field_name) or python_type(field)
        options = {**field_limits(field, text=annotation is str), **extra.get(field_name, {})}
        options.update({"default": None} if partial else _default(field, annotation))
        if field.null:
            annotation = annotation | None
        definitions[field_name] = (annotation, Field(**options))
    return create_model(name, __base__=base, __module__=base.__module__, __doc__=doc, **definitions)
