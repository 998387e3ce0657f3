"""The fraud API: ``/api/v1/fraud``. Handlers only translate HTTP to the services and selectors,
so the API and the web pages show and refuse the same things.

Victims are masked everywhere except at ``GET …/cases/{ref}/victims``, which answers only a
role allowed the full view and records that it did. A ring is shown only to a caller who may
see every case in it (``fraud.selectors``); its ``rank`` is its place among the rings the
caller is shown.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, TypeVar

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
    paginate,
    username_of,
)
from pingan.core.events import case_timeline
from pingan.core.models import DueState, Unit
from pingan.fraud import selectors, services
from pingan.fraud.models import (
    WARNING_OUTCOMES,
    AmountBand,
    ContactAttempt,
    ContactMethod,
    FraudCase,
    Identifier,
    LeftOutReason,
    Ring,
    RiskLevel,
    Status,
    WarningIssuer,
    WarningOrder,
    WarningStatus,
)
from pingan.fraud.tasks import recompute_rings
from pingan.fraud.views import MSG_RECOMPUTE_NOT_ALLOWED
from pingan.petitions.selectors import backlog_units, board_unit

router = Router(tags=["fraud"])
T = TypeVar("T")


# ---------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------


class VictimOut(Schema):
    name: str
    id_number: str
    phone: str
    age: int | None
    masked: bool = Field(description="True unless read in full at …/cases/{ref}/victims.")


class IdentifierOut(Schema):
    kind: str = Field(description="phone, bank_account, payment_account, url, app, im_account, device_id, ip")
    value: str = Field(description="In normal form: the same identifier however it was written.")
    registrable_domain: str | None = Field(None, description="For a URL on a domain name.")
    left_out: LeftOutReason | None = Field(None, description="Why it links no cases, if it does not.")


def identifier_out(identifier: Identifier, **more: Any) -> dict[str, Any]:
    return {"kind": identifier.kind, "value": identifier.value,
            "registrable_domain": identifier.registrable_domain or None,
            "left_out": identifier.left_out or None, **more}


class CaseIdentifierOut(IdentifierOut):
    entered_as: str
    added_at: dt.datetime
    other_cases: int = Field(description="Other cases you can see that show it.")


class CaseSummary(Schema):
    """A case as a ring lists it."""

    ref: str
    title: str
    scam_type: str = Field(validation_alias="category")
    status: Status
    unit: UnitRef
    reported_on: dt.date
    loss: Decimal = Field(description="Yuan.")
    victims: int = Field(validation_alias="victim_count")


class FraudCaseItem(CaseSummary):
    occurred_on: dt.date | None
    recovered: Decimal = Field(description="Yuan.")
    band: AmountBand | None = Field(None, description="The loss's amount band; null below the lowest.")
    major: bool
    ring: str | None = Field(None, validation_alias="shown_ring",
                             description="The ring's id, when you are shown the ring.")
    opened_at: dt.datetime = Field(description="When the case was recorded here.")
    closed_at: dt.datetime | None
    version: int = Field(description="Send it back with a step or a new identifier.")

    @staticmethod
    def resolve_major(obj: FraudCase) -> bool:
        return obj.severity == "major"


class FraudCaseDetail(FraudCaseItem):
    description: str
    source: str
    external_ref: str | None
    reporter: str | None
    victim_list: list[VictimOut] = Field(description="Masked.")
    identifiers: list[CaseIdentifierOut]
    transitions: list[TransitionOut] = Field(description="The steps you may take now.")

    @staticmethod
    def resolve_reporter(obj: FraudCase) -> str | None:
        return username_of(obj.reporter)

    @staticmethod
    def resolve_victim_list(obj: FraudCase) -> list[Any]:
        return selectors.victims_of(list(obj.victims.all()), full=False)

    @staticmethod
    def resolve_identifiers(obj: FraudCase, context: dict) -> list[dict[str, Any]]:
        return [identifier_out(link.identifier, entered_as=link.raw, added_at=link.added_at,
                               other_cases=link.other_cases)
                for link in selectors.case_identifiers(user=actor(context["request"]), case=obj)]

    @staticmethod
    def resolve_transitions(obj: FraudCase, context: dict) -> list[dict[str, str]]:
        user = actor(context["request"])
        return [{"name": t.name, "label": str(t.label)} for t in services.FRAUD_WORKFLOW.available(obj, user)]


class VictimIn(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=60)
    id_number: str = Field("", max_length=30)
    phone: str = Field("", max_length=30)
    age: int | None = None


class IdentifierIn(Schema):
    kind: str = Field(description="A kind, or how analysts' exports name it (手机号, 银行卡, 网址…).")
    value: str = Field(max_length=400)


class FraudCaseIn(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)

    unit: str = Field(description="The territorial unit's code (a town, village or grid cell).")
    scam_type: str = Field(description="One of the scam types the deployment offers.")
    reported_on: dt.date
    occurred_on: dt.date | None = None
    loss: Decimal = Field(description="Yuan, at most two decimals.")
    recovered: Decimal = Field(Decimal(0), description="Yuan recovered (stop-payment, freeze, return).")
    title: str = Field("", max_length=200, description="Empty: the scam type and the report date.")
    description: str = ""
    victims: list[VictimIn] = Field(min_length=1)
    identifiers: list[IdentifierIn] = Field(default_factory=list, max_length=100)
    external_ref: str | None = Field(None, max_length=60,
                                     description="Your system's id for it: a second case with it is refused.")


class IdentifierAddIn(Schema):
    version: int
    kind: str
    value: str = Field(max_length=400)


class TransitionIn(Schema):
    version: int
    note: str = ""


class RingOut(Schema):
    ring_id: str = Field(description="The smallest case reference in the ring: stable while it lasts.")
    rank: int = Field(validation_alias="position",
                      description="Its place among the rings you are shown: total loss, victims, towns.")
    cases: int = Field(validation_alias="case_count")
    victims: int = Field(validation_alias="victim_count")
    total_loss: Decimal = Field(description="Yuan.")
    band: AmountBand | None
    towns: int = Field(validation_alias="town_count")
    identifiers: int = Field(validation_alias="identifier_count",
                             description="Identifiers that link its cases.")
    first_date: dt.date | None
    last_date: dt.date | None
    major: bool = Field(validation_alias="is_major")


class RingIdentifierOut(IdentifierOut):
    cases: int = Field(description="Cases of the ring that show it.")


class LinkOut(Schema):
    case: str
    identifier: str = Field(description="kind:value")


class RingDetailOut(RingOut):
    town_list: list[UnitRef]
    case_list: list[CaseSummary]
    identifier_list: list[RingIdentifierOut]
    links: list[LinkOut] = Field(description="The network's edges: which case shows which identifier.")


class StepOut(Schema):
    case: str
    identifier: IdentifierOut
    next_case: str


class LeftOutOut(IdentifierOut):
    cases: int = Field(description="Cases you can see that show it.")


class RecomputeOut(Schema):
    task_id: str


# ---------------------------------------------------------------------------
# Handlers
# ---------------------------------------------------------------------------


def _found(item: T | None) -> T:
    """An item from a selector that answers None both for "no such item" and "not yours"."""
    if item is None:
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    return item


def _case(request: HttpRequest, ref: str) -> FraudCase:
    return _found(selectors.fraud_case_get(user=actor(request), ref=ref))


def _ring(request: HttpRequest, ring_id: str) -> Ring:
    return _found(selectors.ring_get(user=actor(request), ring_id=ring_id))


@router.get("/cases", response={200: Page[FraudCaseItem], **ERRORS}, summary="Fraud cases within your scope")
def case_list(request: HttpRequest, filters: Query[selectors.FraudCaseFilters], page: Query[PageParams]):
    """Filters combine with AND; repeat a list parameter for OR (`status=reported&status=solved`)."""
    cases = selectors.fraud_case_list(user=actor(request), filters=filters).select_related("unit")
    return paginate(cases, ordering=selectors.SORTS[filters.sort], page=page)


@router.post("/cases", response={201: FraudCaseDetail, **ERRORS}, summary="Record a fraud case")
def case_create(request: HttpRequest, payload: FraudCaseIn):
    """The case joins its ring at once. A bad victim or identifier is named by its place:
    `victims.0.phone`, `identifiers.2.value`; nothing is written."""
    unit = Unit.objects.filter(code=payload.unit).first()
    if unit is None:
        raise InvalidParameter(MSG_NO_SUCH_UNIT.format(code=payload.unit), field="unit")
    case = services.fraud_case_record(
        actor=actor(request), unit=unit, scam_type=payload.scam_type, reported_on=payload.reported_on,
        occurred_on=payload.occurred_on, loss=payload.loss, recovered=payload.recovered, title=payload.title,
        description=payload.description, external_ref=payload.external_ref, source="api",
        victims=[services.VictimIn(**victim.model_dump()) for victim in payload.victims],
        identifiers=[(identifier.kind, identifier.value) for identifier in payload.identifiers],
    )
    return HttpStatus(201, _case(request, case.ref))


@router.get("/cases/{ref}", response={200: FraudCaseDetail, **ERRORS}, summary="One fraud case")
def case_detail(request: HttpRequest, ref: str):
    return _case(request, ref)


@router.post("/cases/{ref}/identifiers", response={200: FraudCaseDetail, **ERRORS},
             summary="Add an identifier to a case")
def case_identifier_add(request: HttpRequest, ref: str, payload: IdentifierAddIn):
    """The case joins, or merges, rings at once."""
    services.fraud_identifier_add(case=_case(request, ref), actor=actor(request),
                                  expected_version=payload.version, kind=payload.kind, value=payload.value)
    return _case(request, ref)


@router.post("/cases/{ref}/transitions/{name}", response={200: FraudCaseDetail, **ERRORS},
             summary="Take a step: investigate, solve, close")
def case_step(request: HttpRequest, ref: str, name: str, payload: TransitionIn):
    """`close` (without solving) needs a `note`."""
    services.fraud_case_transition(case=_case(request, ref), name=name, actor=actor(request),
                                   expected_version=payload.version, note=payload.note)
    return _case(request, ref)


@router.get("/cases/{ref}/events", response={200: list[EventOut], **ERRORS}, summary="The case's timeline")
def case_events(request: HttpRequest, ref: str):
    return case_timeline(_case(request, ref))


@router.get("/cases/{ref}/victims", response={200: list[VictimOut], **ERRORS},
            summary="The victims in full (recorded)")
def case_victims(request: HttpRequest, ref: str):
    """Only for a supervisor over the case at town level or above, or its assignee; each
    reading is an event in the case's timeline."""
    victims = services.fraud_victims_full(case=_case(request, ref), actor=actor(request))
    return selectors.victims_of(victims, full=True)


@router.get("/rings", response={200: Page[RingOut], **ERRORS}, summary="Rings you are shown, ranked")
def ring_list(request: HttpRequest, filters: Query[selectors.RingFilters], page: Query[PageParams]):
    rings = selectors.ring_list(user=actor(request), filters=filters)
    return paginate(rings, ordering=selectors.RING_SORTS[filters.sort], page=page)


# Before "/rings/{ring_id}": paths match in the order they are declared.
@router.post("/rings/recompute", response={202: RecomputeOut, **ERRORS},
             summary="Queue a full recompute of the rings")
def ring_recompute(request: HttpRequest):
    """For the district's administrators. `pingan worker` runs it."""
    if not selectors.may_recompute(actor(request)):
        raise errors.PermissionDenied(MSG_RECOMPUTE_NOT_ALLOWED)
    return HttpStatus(202, {"task_id": str(recompute_rings.enqueue().id)})


@router.get("/rings/{ring_id}", response={200: RingDetailOut, **ERRORS}, summary="One ring and its network")
def ring_detail(request: HttpRequest, ring_id: str):
    ring = _ring(request, ring_id)
    detail = selectors.ring_detail(ring)
    keys = {item.identifier.pk: item.identifier.key for item in detail.identifiers}
    ring.town_list = detail.towns
    ring.case_list = detail.cases
    ring.identifier_list = [identifier_out(item.identifier, cases=item.cases) for item in detail.identifiers]
    ring.links = [{"case": ref, "identifier": keys[pk]} for ref, pk in detail.links]
    return ring


@router.get("/rings/{ring_id}/explain", response={200: list[StepOut], **ERRORS},
            summary="Why two cases of a ring are linked")
def ring_explain(request: HttpRequest, ring_id: str, a: str, b: str):
    """A shortest chain of shared identifiers from case `a` to case `b`; empty when a = b."""
    steps = selectors.ring_explain(_ring(request, ring_id), a, b)
    return [{"case": step.case.ref, "identifier": identifier_out(step.identifier),
             "next_case": step.next_case.ref} for step in steps]


@router.get("/left-out", response={200: list[LeftOutOut], **ERRORS},
            summary="Identifiers left out of linking")
def left_out(request: HttpRequest, limit: int = Query(100, ge=1, le=500)):
    """On the stoplist, or shown by more cases than PINGAN_FRAUD_MAX_IDENTIFIER_DEGREE: the
    ones your cases show, most shared first."""
    identifiers = selectors.left_out_identifiers(user=actor(request))[:limit]
    return [identifier_out(identifier, cases=identifier.visible_cases) for identifier in identifiers]


# ---------------------------------------------------------------------------
# Warning and dissuasion (预警劝阻)
# ---------------------------------------------------------------------------


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
                for t in services.WARNING_WORKFLOW.available(obj, user) if t.name in WARNING_OUTCOMES]


class WarningIn(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)

    unit: str = Field(description="The code of the grid, village or town that must reach the person.")
    issuer: WarningIssuer
    risk_level: RiskLevel = Field(description="It sets the contact deadline (hours, by setting).")
    scam_type: str = Field(description="One of the scam types the deployment offers.")
    person_name: str = Field("", max_length=60)
    person_phone: str = Field("", max_length=30, description="A name or a phone is needed.")
    person_id_number: str = Field("", max_length=30)
    person_address: str = Field("", max_length=200)
    description: str = Field("", description="What the order says.")
    order_number: str = Field("", max_length=60, description="The order's own number: registered once.")
    received_at: dt.datetime | None = Field(None, description="Default now: the deadline runs from it.")


class ContactIn(Schema):
    version: int
    method: ContactMethod
    reached: bool
    note: str = ""
    contacted_at: dt.datetime | None = Field(None, description="Default: now.")


class OutcomeIn(Schema):
    version: int
    outcome: str = Field(description="prevented, not_reached or already_lost.")
    note: str = ""
    fraud_case: str = Field("", max_length=20, description="already_lost: the reference of their fraud case.")


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
    return _found(selectors.warning_get(user=actor(request), ref=ref))


@router.get("/warnings", response={200: Page[WarningItem], **ERRORS}, summary="Warning orders in your scope")
def warning_list(request: HttpRequest, filters: Query[selectors.WarningFilters], page: Query[PageParams]):
    """By default the nearest deadline first: the most overdue lead. The person is masked."""
    warnings = selectors.warning_list(user=actor(request), filters=filters).select_related("unit")
    return paginate(warnings, ordering=selectors.WARNING_SORTS[filters.sort], page=page)


@router.post("/warnings", response={201: WarningDetail, **ERRORS}, summary="Register a warning order")
def warning_create(request: HttpRequest, payload: WarningIn):
    unit = Unit.objects.filter(code=payload.unit).first()
    if unit is None:
        raise InvalidParameter(MSG_NO_SUCH_UNIT.format(code=payload.unit), field="unit")
    warning = services.warning_register(actor=actor(request), source="api",
                                        **payload.model_dump(exclude={"unit"}), unit=unit)
    return HttpStatus(201, _warning(request, warning.ref))


@router.get("/warnings/{ref}", response={200: WarningDetail, **ERRORS}, summary="One warning order")
def warning_detail(request: HttpRequest, ref: str):
    return _warning(request, ref)


@router.post("/warnings/{ref}/contacts", response={200: WarningDetail, **ERRORS},
             summary="Record a contact attempt")
def warning_contact(request: HttpRequest, ref: str, payload: ContactIn):
    """The first contact that reaches the person moves the warning to `contacted` and starts the
    deadline for its outcome."""
    services.warning_contact_record(warning=_warning(request, ref), actor=actor(request),
                                    expected_version=payload.version, method=payload.method,
                                    reached=payload.reached, note=payload.note,
                                    contacted_at=payload.contacted_at)
    return _warning(request, ref)


@router.post("/warnings/{ref}/outcome", response={200: WarningDetail, **ERRORS},
             summary="Record how the dissuasion ended")
def warning_outcome(request: HttpRequest, ref: str, payload: OutcomeIn):
    """`prevented` needs a contact that reached the person; `not_reached`, enough attempts
    (PINGAN_FRAUD_WARNING_MIN_ATTEMPTS) and nobody reached; `already_lost`, a contact that
    reached them or their `fraud_case`."""
    services.warning_conclude(warning=_warning(request, ref), actor=actor(request),
                              expected_version=payload.version, outcome=payload.outcome, note=payload.note,
                              fraud_case_ref=payload.fraud_case)
    return _warning(request, ref)


@router.get("/warnings/{ref}/events", response={200: list[EventOut], **ERRORS}, summary="A warning's events")
def warning_events(request: HttpRequest, ref: str):
    return case_timeline(_warning(request, ref))


@router.get("/warnings/{ref}/person", response={200: PersonOut, **ERRORS},
            summary="The person at risk in full (recorded)")
def warning_person(request: HttpRequest, ref: str):
    """For those who must contact the person (a handler's role over the warning, or its
    assignee); each reading is an event in the warning's timeline."""
    return services.warning_person_full(warning=_warning(request, ref), actor=actor(request))


@router.get("/dissuasion", response={200: BoardOut, **ERRORS}, summary="The dissuasion board: rates per unit")
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
