"""The warning-order API: ``/api/v1/dissuasion``. Handlers only translate HTTP to the services
and selectors, so the API and the web pages show and refuse the same things. The person at risk
is masked everywhere except at ``GET …/warnings/{ref}/person``, which answers only those who must
contact them and records that it did.

These paths were under ``/api/v1/fraud`` before warning orders had an app of their own
(``/api/v1/fraud/warnings…``, and ``/api/v1/fraud/dissuasion`` for the board): ``fraud_paths``
still answers there, the same handlers, marked deprecated in the schema, so that no client
breaks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as HttpStatus
from pydantic import ConfigDict

from pingan.core import errors
from pingan.core.api import (
    ERRORS,
    MSG_NO_SUCH_UNIT,
    EventOut,
    InvalidParameter,
    Page,
    PageParams,
    TransitionOut,
    UnitRef,
    actor,
    found,
    paginate,
    username_of,
)
from pingan.core.events import case_timeline
from pingan.core.models import DueState, Unit
from pingan.core.schemas import model_schema
from pingan.core.step_api import step_schema
from pingan.dissuasion import selectors, services
from pingan.dissuasion.models import (
    AS_TYPED,
    OUTCOMES,
    REGISTER_FIELDS,
    ContactAttempt,
    ContactMethod,
    RiskLevel,
    WarningIssuer,
    WarningOrder,
    WarningStatus,
)
from pingan.dissuasion.workflow import WARNING_WORKFLOW
from pingan.petitions.selectors import backlog_units, board_unit

router = Router(tags=["dissuasion"])
# Mounted at /v1/fraud: the paths these handlers had there, deprecated.
fraud_paths = Router(tags=["dissuasion (deprecated paths under /fraud)"])


def route(method: str, path: str, *, old_path: str | None = None, **options: Any) -> Callable:
    """Register a handler at ``path`` of ``router`` and, deprecated, at its old path of
    ``fraud_paths`` (the same unless ``old_path`` says otherwise), under the operation id it
    had there, so that a client generated from the schema keeps its method names."""
    def register(view: Callable) -> Callable:
        getattr(router, method)(path, **options)(view)
        getattr(fraud_paths, method)(old_path or path, deprecated=True,
                                     operation_id=f"pingan_fraud_api_{view.__name__}", **options)(view)
        return view

    return register


class PersonOut(Schema):
    name: str
    phone: str
    id_number: str
    address: str
    masked: bool = Field(description="True unless read in full at …/warnings/{ref}/person.")


class ContactAttemptOut(Schema):
    at: dt.datetime = Field(description="When the contact was made.")
    method: ContactMethod
    reached: bool = Field(description="Whether it reached the person.")
    note: str
    by: str | None
    recorded_at: dt.datetime

    @staticmethod
    def resolve_by(obj: ContactAttempt) -> str | None:
        return username_of(obj.by)


class WarningItem(Schema):
    ref: str
    title: str
    status: WarningStatus
    risk_level: RiskLevel
    issuer: WarningIssuer
    order_number: str | None = Field(None, validation_alias="external_ref")
    scam_type: str = Field(validation_alias="category")
    unit: UnitRef
    person: PersonOut = Field(description="Masked.")
    received_at: dt.datetime = Field(validation_alias="opened_at")
    contact_due_at: dt.datetime = Field(description="Reach the person by then.")
    due_at: dt.datetime | None = Field(description="The deadline now running: contact, then the outcome.")
    due_state: DueState
    first_contact_at: dt.datetime | None = Field(description="The first contact that reached the person.")
    contact_seconds: int | None = Field(description="From receipt to first_contact_at.")
    contacted_in_time: bool | None
    escalation_level: int
    closed_at: dt.datetime | None
    version: int = Field(description="Send it back with a contact or the outcome.")

    @staticmethod
    def resolve_person(obj: WarningOrder) -> Any:
        return selectors.person_of(obj, full=False)


class WarningDetail(WarningItem):
    description: str
    source: str
    reporter: str | None
    fraud_case: str | None = Field(None, description="The fraud case it ended in, when you can see it.")
    contacts: list[ContactAttemptOut]
    outcomes: list[TransitionOut] = Field(description="The outcomes you may record now.")

    @staticmethod
    def resolve_reporter(obj: WarningOrder) -> str | None:
        return username_of(obj.reporter)

    @staticmethod
    def resolve_fraud_case(obj: WarningOrder, context: dict) -> str | None:
        case = selectors.linked_case(user=actor(context["request"]), warning=obj)
        return case.ref if case else None

    @staticmethod
    def resolve_contacts(obj: WarningOrder) -> Any:
        return selectors.contact_attempts(obj)

    @staticmethod
    def resolve_outcomes(obj: WarningOrder, context: dict) -> list[dict[str, str]]:
        user = actor(context["request"])
        return [{"name": t.name, "label": str(t.label)}
                for t in WARNING_WORKFLOW.available(obj, user) if t.name in OUTCOMES]


# The body's order fields are the model's (``dissuasion.models.REGISTER_FIELDS``), with its
# types and limits; only what the model does not say is here.
class _WarningInBase(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)

    unit: str = Field(description="The code of the grid, village or town that must reach the person.")
    scam_type: str = Field(description="One of the scam types the deployment offers.")
    received_at: dt.datetime | None = Field(None, description="Default now: the deadline runs from it.")


WarningIn = model_schema(
    WarningOrder, REGISTER_FIELDS, name="WarningIn", base=_WarningInBase, as_typed=AS_TYPED,
    types={"issuer": WarningIssuer, "risk_level": RiskLevel},
    extra={"risk_level": {"description": "It sets the contact deadline (hours, by setting)."},
           "person_phone": {"description": "A name or a phone is needed."},
           "description": {"description": "What the order says."},
           "order_number": {"description": "The order's own number: registered once."}},
)


class ContactIn(Schema):
    version: int
    method: ContactMethod
    reached: bool
    note: str = ""
    contacted_at: dt.datetime | None = Field(None, description="Default: now.")


class OutcomeIn(step_schema(WARNING_WORKFLOW, "WarningStepIn")):  # type: ignore[misc]
    """The outcome names the step taken; the other fields are those its steps declare."""

    outcome: str = Field(description="prevented, not_reached or already_lost.")


class BoardRowOut(Schema):
    received: int
    reached: int
    reached_in_time: int
    contact_due: int = Field(description="Reached, or past the contact deadline: the on-time rate's base.")
    prevented: int
    not_reached: int
    already_lost: int
    concluded: int
    open: int
    overdue: int
    contact_on_time_rate: float | None = Field(description="reached_in_time / contact_due (0–1).")
    prevention_rate: float | None = Field(description="prevented / concluded (0–1).")
    median_contact_seconds: int | None


class BoardUnitRowOut(BoardRowOut):
    unit: UnitRef


class BoardOut(Schema):
    unit: UnitRef
    first: dt.date
    last: dt.date
    rows: list[BoardUnitRowOut]
    totals: BoardRowOut


def _warning(request: HttpRequest, ref: str) -> WarningOrder:
    return found(selectors.warning_get(user=actor(request), ref=ref))


@route("get", "/warnings", response={200: Page[WarningItem], **ERRORS},
       summary="Warning orders in your scope")
def warning_list(request: HttpRequest, filters: Query[selectors.WarningFilters], page: Query[PageParams]):
    """By default the nearest deadline first: the most overdue lead. The person is masked."""
    warnings = selectors.warning_list(user=actor(request), filters=filters).select_related("unit")
    return paginate(warnings, ordering=selectors.WARNING_SORTS[filters.sort], page=page)


@route("post", "/warnings", response={201: WarningDetail, **ERRORS}, summary="Register a warning order")
def warning_create(request: HttpRequest, payload: WarningIn):
    unit = Unit.objects.filter(code=payload.unit).first()
    if unit is None:
        raise InvalidParameter(MSG_NO_SUCH_UNIT.format(code=payload.unit), field="unit")
    warning = services.warning_register(actor=actor(request), source="api",
                                        **payload.model_dump(exclude={"unit"}), unit=unit)
    return HttpStatus(201, _warning(request, warning.ref))


@route("get", "/warnings/{ref}", response={200: WarningDetail, **ERRORS}, summary="One warning order")
def warning_detail(request: HttpRequest, ref: str):
    return _warning(request, ref)


@route("post", "/warnings/{ref}/contacts", response={200: WarningDetail, **ERRORS},
       summary="Record a contact attempt")
def warning_contact(request: HttpRequest, ref: str, payload: ContactIn):
    """The first contact that reaches the person moves the warning to `contacted` and starts the
    deadline for its outcome."""
    services.warning_contact_record(warning=_warning(request, ref), actor=actor(request),
                                    expected_version=payload.version, method=payload.method,
                                    reached=payload.reached, note=payload.note,
                                    contacted_at=payload.contacted_at)
    return _warning(request, ref)


@route("post", "/warnings/{ref}/outcome", response={200: WarningDetail, **ERRORS},
       summary="Record how the dissuasion ended")
def warning_outcome(request: HttpRequest, ref: str, payload: OutcomeIn):
    """`prevented` needs a contact that reached the person; `not_reached`, enough attempts
    (PINGAN_FRAUD_WARNING_MIN_ATTEMPTS) and nobody reached; `already_lost`, a contact that
    reached them or their `fraud_case`."""
    services.warning_conclude(warning=_warning(request, ref), actor=actor(request),
                              expected_version=payload.version, outcome=payload.outcome, note=payload.note,
                              fraud_case=payload.fraud_case)
    return _warning(request, ref)


@route("get", "/warnings/{ref}/events", response={200: list[EventOut], **ERRORS},
       summary="A warning's events")
def warning_events(request: HttpRequest, ref: str):
    return case_timeline(_warning(request, ref))


@route("get", "/warnings/{ref}/person", response={200: PersonOut, **ERRORS},
       summary="The person at risk in full (recorded)")
def warning_person(request: HttpRequest, ref: str):
    """For those who must contact the person (a handler's role over the warning, or its
    assignee); each reading is an event in the warning's timeline."""
    return services.warning_person_full(warning=_warning(request, ref), actor=actor(request))


@route("get", "/board", old_path="/dissuasion", response={200: BoardOut, **ERRORS},
       summary="The dissuasion board: rates per unit")
def dissuasion_board(request: HttpRequest, unit: str | None = None, first: dt.date | None = None,
                     last: dt.date | None = None):
    """Per child of `unit` (a division-code prefix; default the highest unit you answer for) and in
    total, over the warnings received from `first` to `last` (default: the twelve months to today)."""
    parent = board_unit(user=actor(request), prefix=unit)
    if parent is None:
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    first, last = selectors.board_period(first, last)
    metrics = selectors.dissuasion_metrics(user=actor(request), units=backlog_units(parent.prefix),
                                           first=first, last=last)
    return {"unit": parent, "first": first, "last": last, **metrics}
