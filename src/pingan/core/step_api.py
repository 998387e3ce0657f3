"""The API side of workflow steps, built from the inputs each step declares.

A kind's step endpoint takes one schema (the version, the note and every input any of its
steps asks for, each described by the steps that use it) and hands its service only the
inputs of the step taken, as ``core.step_forms`` does for the web form.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import BeforeValidator, ConfigDict, create_model

from pingan.core.api import unit_coded, user_named
from pingan.core.schemas import inline_enum
from pingan.core.workflow import Input, InputKind, Transition, Workflow


class StepSchema(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)


def _nothing_chosen(value: Any) -> Any:
    return None if value == "" else value


def _annotation(spec: Input) -> Any:
    # An empty string is no choice and no date, as a form sends it and as clients sent it
    # before the choices were typed: not a 422.
    if spec.kind == InputKind.CHOICE:
        return Annotated[Annotated[spec.choices, inline_enum(spec.choices)] | None,
                         BeforeValidator(_nothing_chosen)]
    if spec.kind == InputKind.DATE:
        return Annotated[dt.date | None, BeforeValidator(_nothing_chosen)]
    # TEXT, and a PERSON by username or a UNIT by code.
    return str | None


def _description(workflow: Workflow, spec: Input) -> str:
    # Built at import, so without the label: translating then would load the catalogue early.
    steps = ", ".join(f"`{t.name}`" for t in workflow.transitions if spec in t.inputs)
    given = {InputKind.PERSON: ": a username", InputKind.UNIT: ": a unit's code"}.get(spec.kind, "")
    return f"For {steps}{given}."


def step_schema(workflow: Workflow, name: str) -> type[Schema]:
    """The step endpoint's input. Files are not sent with a step: they are uploaded to the
    case beforehand, and the step finds them there."""
    fields: dict[str, Any] = {
        "version": (int, ...),
        "note": (str, Field("", description="The note, or the reason or reply the step needs.")),
    }
    for spec in workflow.inputs.values():
        if spec.kind != InputKind.FILES:
            fields[spec.name] = (_annotation(spec), Field(None, max_length=spec.max_length,
                                                          description=_description(workflow, spec)))
    return create_model(name, __base__=StepSchema, **fields)


def step_inputs(transition: Transition, payload: Schema) -> dict[str, Any]:
    """The payload's values for this step's inputs, as its service takes them: a person by
    username, a unit by code; an unknown one is a 422 on its field."""
    values: dict[str, Any] = {}
    for spec in transition.inputs:
        if spec.kind == InputKind.FILES:
            continue
        value = getattr(payload, spec.name)
        if spec.kind == InputKind.PERSON:
            value = user_named(value, field=spec.name)
        elif spec.kind == InputKind.UNIT:
            value = unit_coded(value, field=spec.name)
        values[spec.name] = value
    return values
