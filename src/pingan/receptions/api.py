"""The reception-days API: ``/api/v1/receptions``. Handlers only translate HTTP to the
services and selectors; visitors' petitioners are masked here as everywhere in lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as HttpStatus
from pydantic import ConfigDict

from pingan.core import errors
from pingan.core.api import (
    ERRORS,
    MSG_NO_SUCH_UNIT,
    InvalidParameter,
    Page,
    PageParams,
    UnitRef,
    actor,
    paginate,
    username_of,
)
from pingan.core.models import DueState, Unit
from pingan.core.schemas import model_schema
from pingan.petitions.api import PetitionerOut
from pingan.petitions.models import AS_TYPED, MATTER_FIELDS, Category, Petition, PetitionType, Status
from pingan.petitions.selectors import petitioner_shown
from pingan.receptions import selectors, services
from pingan.receptions.models import PLAN_FIELDS, Leader, Reception, ReceptionStatus
from pingan.receptions.periods import PeriodKind, period_kind, period_of, span_of
from pingan.receptions.selectors import SORTS, CellState, ReceptionFilters

router = Router(tags=["receptions"])

MSG_NO_SUCH_LEADER = _("No leader on a reception roster has the id {id}.")
MSG_NO_CALENDAR_UNIT = _("No unit with the prefix “{prefix}” holds reception days within your reach.")


# ---------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------


def _unit(unit: Unit) -> dict[str, str]:
    return {"code": unit.code, "name": unit.name}


class LeaderOut(Schema):
    id: int
    name: str
    title: str = Field(description="The leader's post, e.g. 镇党委书记.")
    unit: UnitRef = Field(description="The unit on whose roster the leader is.")
    is_active: bool

    @staticmethod
    def resolve_unit(obj: Leader) -> Any:
        return _unit(obj.unit)


class PeriodOut(Schema):
    key: str = Field(description="2026-11-2 (a dekad), 2026-W48 (a week) or 2026-11 (a month).")
    start: dt.date
    end: dt.date = Field(description="The period's last day.")
    label: str


class ReceptionOut(Schema):
    id: int
    unit: UnitRef
    leader: LeaderOut
    date: dt.date
    period: PeriodOut
    place: str
    status: ReceptionStatus
    note: str
    visitors: int = Field(description="Visitors registered, counting only petitions you can see.")
    accepts_visitors: bool = Field(description="Whether …/visitors will take a visitor now.")
    created_by: str | None
    created_at: dt.datetime
    status_changed_by: str | None
    status_changed_at: dt.datetime | None

    @staticmethod
    def resolve_unit(obj: Reception) -> Any:
        return _unit(obj.unit)

    @staticmethod
    def resolve_period(obj: Reception) -> Any:
        return period_of(obj.date)

    @staticmethod
    def resolve_accepts_visitors(obj: Reception) -> bool:
        return services.visitor_refusal(obj, timezone.localdate()) is None

    @staticmethod
    def resolve_created_by(obj: Reception) -> str | None:
        return username_of(obj.created_by)

    @staticmethod
    def resolve_status_changed_by(obj: Reception) -> str | None:
        return username_of(obj.status_changed_by)


class VisitorOut(Schema):
    ref: str
    title: str
    petition_type: PetitionType
    category: Category
    status: Status
    due_state: DueState
    received_at: dt.datetime
    acceptance_due_at: dt.datetime
    petitioner: PetitionerOut

    @staticmethod
    def resolve_received_at(obj: Petition) -> dt.datetime:
        return obj.opened_at

    @staticmethod
    def resolve_petitioner(obj: Petition, context: dict) -> Any:
        return petitioner_shown(actor(context["request"]), obj)


class ReceptionDetail(ReceptionOut):
    petitions: list[VisitorOut] = Field(description="The visitors' petitions you can see, in arrival order.")

    @staticmethod
    def resolve_petitions(obj: Reception, context: dict) -> Any:
        return selectors.reception_visitors(user=actor(context["request"]), reception=obj)


class VisitOut(Schema):
    reception: int
    petition: VisitorOut


# The bodies' fields are the model's (``receptions.models.PLAN_FIELDS``, and a visitor's
# ``petitions.models.MATTER_FIELDS``), with its types and limits; only what the model does not
# say is here.
class _PlanInBase(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)

    unit: str = Field(min_length=1, description="The code of the district or town holding the reception.")
    leader: int = Field(description="A roster leader's id (GET …/leaders?unit=…).")


PlanIn = model_schema(Reception, PLAN_FIELDS, name="PlanIn", base=_PlanInBase)


class HeldIn(Schema):
    note: str = Field("", description="Added to the reception's note.")


class CancelIn(Schema):
    reason: str = Field(description="Why it is called off; added to the reception's note.")


class _VisitorInBase(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)

    category: Category | None = Field(None, description="Not needed for an accusation (always discipline).")
    unit: str | None = Field(None, description="Where the matter arose, within the reception's "
                                               "unit (its code); default: the reception's unit.")
    received_at: dt.datetime | None = Field(
        None, description="On the reception's day; default now, which only a reception held today allows.")


VisitorIn = model_schema(Petition, MATTER_FIELDS, name="VisitorIn", base=_VisitorInBase, as_typed=AS_TYPED,
                         types={"petition_type": PetitionType},
                         extra={"title": {"description": "The matter in one line."}})


class CalendarQuery(Schema):
    unit: str | None = Field(None, description="The prefix of the district or a town; default: "
                                               "the widest unit within your reach.")
    year: int | None = Field(None, ge=2000, le=2100, description="Default: this year.")
    quarter: int | None = Field(None, ge=1, le=4, description="Default: the whole year.")


class CellOut(Schema):
    period: str = Field(description="The period's key.")
    state: CellState
    receptions: list[int] = Field(description="Planned and held receptions in the period, held first.")
    visitors: int

    @staticmethod
    def resolve_period(obj: Any) -> str:
        return obj.period.key

    @staticmethod
    def resolve_receptions(obj: Any) -> list[int]:
        return [reception.pk for reception in obj.receptions]


class CalendarRowOut(Schema):
    unit: UnitRef
    held: int
    due: int = Field(description="Periods that needed a reception by now (held or missing).")
    cells: list[CellOut]

    @staticmethod
    def resolve_unit(obj: Any) -> Any:
        return _unit(obj.unit)


class CalendarOut(Schema):
    unit: UnitRef
    period_kind: PeriodKind
    first: dt.date
    last: dt.date
    periods: list[PeriodOut]
    rows: list[CalendarRowOut]
    totals: dict[CellState, int]
    visitors: int

    @staticmethod
    def resolve_unit(obj: Any) -> Any:
        return _unit(obj.unit)

    @staticmethod
    def resolve_period_kind(obj: Any) -> str:
        return obj.kind


# ---------------------------------------------------------------------------
# Handlers
# ---------------------------------------------------------------------------


def _reception(request: HttpRequest, reception_id: int) -> Reception:
    reception = selectors.reception_get(user=actor(request), pk=reception_id)
    if reception is None:
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    return reception


def _unit_coded(code: str | None, field: str) -> Unit | None:
    unit = Unit.objects.filter(code=code).first() if code else None
    if code and unit is None:
        raise InvalidParameter(MSG_NO_SUCH_UNIT.format(code=code), field=field)
    return unit


@router.get("", response={200: Page[ReceptionOut], **ERRORS}, summary="Reception days within your reach")
def reception_list_view(request: HttpRequest, filters: Query[ReceptionFilters], page: Query[PageParams]):
    receptions = selectors.reception_list(user=actor(request), filters=filters).select_related(
        "created_by", "status_changed_by")
    return paginate(receptions, ordering=SORTS[filters.sort], page=page)


@router.post("", response={201: ReceptionOut, **ERRORS}, summary="Plan a reception day")
def reception_plan_view(request: HttpRequest, payload: PlanIn):
    """One per unit and period; the leader must be on the roster of the unit or of a unit above it."""
    leader = Leader.objects.select_related("unit").filter(pk=payload.leader).first()
    if leader is None:
        raise InvalidParameter(MSG_NO_SUCH_LEADER.format(id=payload.leader), field="leader")
    reception = services.reception_plan(actor=actor(request), unit=_unit_coded(payload.unit, "unit"),
                                        leader=leader, date=payload.date, place=payload.place,
                                        note=payload.note)
    return HttpStatus(201, _reception(request, reception.pk))


@router.get("/calendar", response={200: CalendarOut, **ERRORS}, summary="The reception calendar")
def reception_calendar_view(request: HttpRequest, filters: Query[CalendarQuery]):
    """The unit and its towns as rows, the periods of a year or quarter as columns; each
    period held, planned, missing (ended with none held) or upcoming (none planned yet)."""
    user = actor(request)
    units = selectors.receiving_units(user=user)
    unit = units.filter(prefix=filters.unit).first() if filters.unit else selectors.home_unit(user=user)
    if unit is None:
        raise errors.NotFound(MSG_NO_CALENDAR_UNIT.format(prefix=filters.unit) if filters.unit
                              else selectors.MSG_NO_CALENDAR)
    today = timezone.localdate()
    first, last = span_of(filters.year or today.year, filters.quarter)
    return selectors.reception_calendar(user=user, unit=unit, first=first, last=last, today=today,
                                        kind=period_kind())


@router.get("/leaders", response={200: list[LeaderOut], **ERRORS}, summary="The reception roster")
def leader_list_view(request: HttpRequest, unit: str | None = None):
    """With ``unit`` (a code): the active leaders who may hold that unit's receptions."""
    return selectors.leader_list(user=actor(request), unit=_unit_coded(unit, "unit"))


@router.get("/{reception_id}", response={200: ReceptionDetail, **ERRORS}, summary="One reception day")
def reception_detail_view(request: HttpRequest, reception_id: int):
    return _reception(request, reception_id)


@router.post("/{reception_id}/held", response={200: ReceptionOut, **ERRORS},
             summary="Record a planned reception as held")
def reception_held_view(request: HttpRequest, reception_id: int, payload: HeldIn):
    services.reception_mark_held(reception=_reception(request, reception_id), actor=actor(request),
                                 note=payload.note)
    return _reception(request, reception_id)


@router.post("/{reception_id}/cancel", response={200: ReceptionOut, **ERRORS},
             summary="Cancel a planned reception")
def reception_cancel_view(request: HttpRequest, reception_id: int, payload: CancelIn):
    services.reception_cancel(reception=_reception(request, reception_id), actor=actor(request),
                              reason=payload.reason)
    return _reception(request, reception_id)


@router.post("/{reception_id}/visitors", response={201: VisitOut, **ERRORS},
             summary="Register a visitor as a petition linked to the reception")
def reception_visitor_view(request: HttpRequest, reception_id: int, payload: VisitorIn):
    """The petition's channel is the reception day and its acceptance clock starts at
    ``received_at``. A reception planned for today is recorded held by its first visitor."""
    reception = _reception(request, reception_id)
    visit = services.reception_visitor_register(
        reception=reception, actor=actor(request), petition_type=payload.petition_type,
        category=payload.category, title=payload.title, matter=payload.matter,
        petitioner_name=payload.petitioner_name, id_number=payload.id_number, phone=payload.phone,
        address=payload.address, unit=_unit_coded(payload.unit, "unit"), received_at=payload.received_at,
        source="api",
    )
    visitors = selectors.reception_visitors(user=actor(request), reception=reception)
    petition = visitors.get(pk=visit.petition_id)
    return HttpStatus(201, {"reception": reception.pk, "petition": petition})

