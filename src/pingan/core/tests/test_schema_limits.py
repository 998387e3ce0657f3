"""No input schema of the API drifts from its model: of every body the API takes (and the
schemas nested in it), each text field that fills a column takes at most what the column holds;
and each kind's web form takes the kind's field list with the same lengths as its body.

The bodies are found from the API's own operations, so a new one is checked without anyone
remembering to. A schema ``core.schemas.model_schema`` made says which column each field
fills; a schema written by hand is checked field by field against the columns of its kind's
model (the case model of the app whose handler takes it; for an app with no case kind, its
models). A field that differs on purpose is in ``DIFFERS_ON_PURPOSE``, with its reason."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, get_args

import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from pydantic import BaseModel

from pingan.api_urls import api
from pingan.core.models import Case
from pingan.core.schemas import AS_TYPED_MAX_LENGTH, columns_of, made_from
from pingan.dissuasion import api as dissuasion_api
from pingan.dissuasion import forms as dissuasion_forms
from pingan.dissuasion import models as dissuasion_models
from pingan.fraud import api as fraud_api
from pingan.fraud import forms as fraud_forms
from pingan.fraud import models as fraud_models
from pingan.petitions import api as petitions_api
from pingan.petitions import forms as petitions_forms
from pingan.petitions import models as petitions_models
from pingan.receptions import api as receptions_api
from pingan.receptions import forms as receptions_forms
from pingan.receptions import models as receptions_models

AS_TYPED = (f"an ID number or a phone as typed, up to {AS_TYPED_MAX_LENGTH}; the service stores it "
            "normalised (core.schemas.AS_TYPED_MAX_LENGTH)")

DIFFERS_ON_PURPOSE: dict[tuple[str, str], str] = {
    ("PetitionIn", "id_number"): AS_TYPED,
    ("PetitionIn", "phone"): AS_TYPED,
    ("VisitorIn", "id_number"): AS_TYPED,
    ("VisitorIn", "phone"): AS_TYPED,
    ("VictimIn", "id_number"): AS_TYPED,
    ("VictimIn", "phone"): AS_TYPED,
    ("WarningIn", "person_id_number"): AS_TYPED,
    ("WarningIn", "person_phone"): AS_TYPED,
    ("ValueIn", "period"): "a period as typed (2026Q1, 2026-03, 2026年第一季度: up to 20); the service "
                           "stores its key (scoring.periods.Period)",
}

INPUT_SOURCES = ("body", "form")


def _nested(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in get_args(annotation):
        yield from _nested(argument)


def input_schemas() -> dict[type[BaseModel], str]:
    """Every schema the API takes as input, and the app whose handler takes it."""
    found: dict[type[BaseModel], str] = {}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                app = apps.get_containing_app_config(operation.view_func.__module__).label
                params = [m for m in operation.signature.models
                          if m.__ninja_param_source__ in INPUT_SOURCES]
                pending = [schema for param in params for field in param.model_fields.values()
                           for schema in _nested(field.annotation)]
                while pending:
                    schema = pending.pop()
                    if schema not in found:
                        found[schema] = app
                        pending.extend(s for field in schema.model_fields.values()
                                       for s in _nested(field.annotation))
    return found


def _kind_models(app: str) -> list[type[models.Model]]:
    app_models = list(apps.get_app_config(app).get_models())
    return [m for m in app_models if issubclass(m, Case) and m is not Case] or app_models


def _text_column(model: type[models.Model], name: str) -> models.CharField | None:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if isinstance(field, models.CharField) and not isinstance(field, models.ForeignKey):
        return field
    return None


def _columns(schema: type[BaseModel], app: str) -> Iterator[tuple[str, models.CharField]]:
    """Each field of ``schema`` that fills a text column with a length, and that column."""
    made = made_from(schema)
    for name in schema.model_fields:
        if made is not None:
            model, filled = made
            candidates = [_text_column(model, filled.get(name, name))]
        else:
            candidates = [_text_column(model, name) for model in _kind_models(app)]
        for column in candidates:
            if column is not None and column.max_length is not None:
                yield name, column


def _max_length(schema: type[BaseModel], name: str) -> tuple[bool, int | None]:
    """Whether the field is text (not a choice), and its maxLength."""
    prop = schema.model_json_schema()["properties"][name]
    options = [prop, *prop.get("anyOf", [])]
    text = [o for o in options if o.get("type") == "string" and "enum" not in o and "format" not in o]
    return bool(text), next((o["maxLength"] for o in text if "maxLength" in o), None)


def test_the_walk_finds_the_bodies_of_every_kind():
    names = {schema.__name__ for schema in input_schemas()}
    assert {"HazardIn", "HazardPatch", "PetitionIn", "FraudCaseIn", "VictimIn", "IdentifierIn",
            "IdentifierAddIn", "WarningIn", "PlanIn", "VisitorIn"} <= names


def test_every_input_takes_what_its_column_holds():
    drifted = []
    for schema, app in input_schemas().items():
        for name, column in _columns(schema, app):
            text, max_length = _max_length(schema, name)
            if not text or (schema.__name__, name) in DIFFERS_ON_PURPOSE:
                continue
            if max_length != column.max_length:
                drifted.append(f"{schema.__name__}.{name}: maxLength {max_length}, "
                               f"{column.model.__name__}.{column.name} holds {column.max_length}")
    assert not drifted, "\n".join(drifted)


def test_each_difference_allowed_is_still_a_difference():
    """An entry whose field now agrees with its column, or is gone, is taken out."""
    schemas = {schema.__name__: (schema, app) for schema, app in input_schemas().items()}
    for (schema_name, name), reason in DIFFERS_ON_PURPOSE.items():
        schema, app = schemas[schema_name]
        columns = dict(_columns(schema, app))
        assert name in columns, (schema_name, name)
        assert _max_length(schema, name)[1] != columns[name].max_length, (schema_name, name, reason)


def _kinds(user: Any) -> list[tuple[str, Any, type[BaseModel], Any]]:
    """Each kind's input: its field list, its web form, its API body."""
    return [
        ("petition", petitions_models.REGISTER_FIELDS, petitions_api.PetitionIn,
         petitions_forms.RegisterForm(user=user)),
        ("fraud case", fraud_models.CASE_FIELDS, fraud_api.FraudCaseIn, fraud_forms.CaseForm(user=user)),
        ("victim", fraud_models.VICTIM_FIELDS, fraud_api.VictimIn, fraud_forms.VictimForm()),
        ("identifier", fraud_models.IDENTIFIER_FIELDS, fraud_api.IdentifierIn, fraud_forms.IdentifierForm()),
        ("warning", dissuasion_models.REGISTER_FIELDS, dissuasion_api.WarningIn,
         dissuasion_forms.WarningForm(user=user)),
        ("reception", receptions_models.PLAN_FIELDS, receptions_api.PlanIn,
         receptions_forms.PlanForm(user=user)),
    ]


@pytest.mark.django_db
def test_each_kinds_form_and_body_take_its_field_list_with_one_length(personas):
    for kind, field_list, schema, form in _kinds(personas.admin):
        names = set(columns_of(field_list))
        assert names <= set(form.fields) and names <= set(schema.model_fields), kind
        for name in names:
            text, max_length = _max_length(schema, name)
            if text:
                assert getattr(form.fields[name], "max_length", None) == max_length, (kind, name)
