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
from pingan.core.models import Unit
from pingan.core.schemas import model_schema
from pingan.core.step_api import step_inputs, step_schema
from pingan.fraud import selectors, services
from pingan.fraud.models import (
    CASE_FIELDS,
    IDENTIFIER_FIELDS,
    VICTIM_AS_TYPED,
    VICTIM_FIELDS,
    AmountBand,
    CaseIdentifier,
    FraudCase,
    Identifier,
    LeftOutReason,
    Ring,
    Status,
    Victim,
)
from pingan.fraud.tasks import recompute_rings
from pingan.fraud.views import MSG_RECOMPUTE_NOT_ALLOWED
from pingan.fraud.workflow import FRAUD_WORKFLOW

router = Router(tags=["fraud"])


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
        return obj.is_major


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
        return [{"name": t.name, "label": str(t.label)} for t in FRAUD_WORKFLOW.available(obj, user)]


# The bodies' case, victim and identifier fields are the model's (``fraud.models.CASE_FIELDS``,
# ``VICTIM_FIELDS``, ``IDENTIFIER_FIELDS``), with its types and limits; only what the model
# does not say is here.
class _VictimInBase(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)


VictimIn = model_schema(Victim, VICTIM_FIELDS, name="VictimIn", base=_VictimInBase, as_typed=VICTIM_AS_TYPED)


class _IdentifierInBase(Schema):
    kind: str = Field(description="A kind, or how analysts' exports name it (手机号, 银行卡, 网址…).")


IdentifierIn = model_schema(CaseIdentifier, IDENTIFIER_FIELDS, name="IdentifierIn", base=_IdentifierInBase)


class _FraudCaseInBase(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)

    unit: str = Field(description="The territorial unit's code (a town, village or grid cell).")
    scam_type: str = Field(description="One of the scam types the deployment offers.")
    victims: list[VictimIn] = Field(min_length=1)
    identifiers: list[IdentifierIn] = Field(default_factory=list, max_length=100)


CASE_EXTRA = {
    "loss": {"description": "Yuan, at most two decimals."},
    "recovered": {"description": "Yuan recovered (stop-payment, freeze, return)."},
    # The title may be left out: the service names the case by its scam type and report date.
    "title": {"default": "", "min_length": 0, "description": "Empty: the scam type and the report date."},
    "external_ref": {"description": "Your system's id for it: a second case with it is refused."},
}
FraudCaseIn = model_schema(FraudCase, (*CASE_FIELDS, "external_ref"), name="FraudCaseIn",
                           base=_FraudCaseInBase, extra=CASE_EXTRA)


class _IdentifierAddInBase(Schema):
    version: int
    kind: str


IdentifierAddIn = model_schema(CaseIdentifier, IDENTIFIER_FIELDS, name="IdentifierAddIn",
                               base=_IdentifierAddInBase)


TransitionIn = step_schema(FRAUD_WORKFLOW, "FraudStepIn")


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


def _case(request: HttpRequest, ref: str) -> FraudCase:
    return found(selectors.fraud_case_get(user=actor(request), ref=ref))


def _ring(request: HttpRequest, ring_id: str) -> Ring:
    return found(selectors.ring_get(user=actor(request), ring_id=ring_id))


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
                                   expected_version=payload.version, note=payload.note,
                                   **step_inputs(FRAUD_WORKFLOW.get(name), payload))
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
