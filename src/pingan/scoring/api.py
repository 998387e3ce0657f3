"""The league table's API under ``/api/v1/league``: indicators, the members of each table,
values, and the standings. Every signed-in official reads the tables; changing an indicator
or a value and ranking a table are for the league's managers (403 for others)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from pingan.core import errors
from pingan.core.api import ERRORS, actor
from pingan.core.schemas import model_schema
from pingan.scoring import selectors, services
from pingan.scoring.indicator_admin import EDITABLE_FIELDS, indicator_update
from pingan.scoring.models import Direction, Indicator, Member, Method, Table
from pingan.scoring.periods import Period

router = Router(tags=["league"])

MSG_NO_SUCH_INDICATOR = _("No indicator has the code “{code}”.")
MSG_NO_SUCH_MEMBER = _("No unit on the table {table} has the code “{code}”.")
MSG_NO_STANDINGS = _("The table {table} has no standings for {period}.")

TABLE_DESCRIPTION = "towns (乡镇街道), departments (部门) or city (全市)."
PERIOD_DESCRIPTION = "A quarter (2026Q1) or a month (2026-03)."


class IndicatorOut(Schema):
    code: str
    name: str
    unit_of_measure: str
    direction: Direction
    weight: Decimal
    method: Method
    target: Decimal | None
    base: Decimal
    per_unit: Decimal | None
    min_sample: int
    is_rate: bool = Field(description="A percentage of a sample: values carry it and a Wilson 95% interval.")
    source: str = Field(description="computed (from the platform's data) or entered (by hand or imported).")
    active: bool
    order: int
    note: str


_TYPES = {"direction": Direction, "method": Method}
IndicatorIn = model_schema(Indicator, EDITABLE_FIELDS, name="IndicatorIn", types=_TYPES)
IndicatorPatch = model_schema(Indicator, EDITABLE_FIELDS, name="IndicatorPatch", types=_TYPES, partial=True)


class MemberOut(Schema):
    table: Table
    code: str
    name: str
    unit: str | None = Field(description="The unit's code in the district's tree; null for the city's peers.")
    is_home: bool = Field(description="The district itself, on the city's table.")
    target_rank: int | None
    active: bool

    @staticmethod
    def resolve_unit(obj: Member) -> str | None:
        return obj.unit.code if obj.unit_id else None


class ValueOut(Schema):
    indicator: str
    member: str = Field(description="The member's code on its table.")
    period: str
    value: Decimal
    sample: int | None
    source: str
    recorded_at: dt.datetime

    @staticmethod
    def resolve_indicator(obj) -> str:
        return obj.indicator.code

    @staticmethod
    def resolve_member(obj) -> str:
        return obj.member.code


class ValueIn(Schema):
    table: Table = Field(description=TABLE_DESCRIPTION)
    member: str = Field(min_length=1, max_length=20, description="The member's code on that table.")
    indicator: str = Field(min_length=1, max_length=60, description="The indicator's code.")
    period: str = Field(min_length=1, max_length=20, description=PERIOD_DESCRIPTION)
    value: Decimal
    sample: int | None = Field(None, ge=0, le=services.SAMPLE_LIMIT,
                               description="For a rate: the cases it is a percentage of.")


class StandingOut(Schema):
    member: str = Field(alias="member.code", description="The member's code on its table.")
    name: str = Field(alias="member.name")
    rank: int | None = Field(description="Null: not ranked (不参与排名), comparable on no indicator.")
    composite: Decimal | None
    previous_rank: int | None
    red_flag: bool = Field(description="A rotating red flag (流动红旗): the top PINGAN_LEAGUE_RED_FLAGS.")
    last_place: bool
    scores: dict[str, float | None] = Field(
        description="Each indicator's score 0–100; null when not comparable.")
    computed_at: dt.datetime


class TableOut(Schema):
    table: Table
    period: str
    label: str
    standings: list[StandingOut]


class ValueFilters(Schema):
    table: Table = Field(Table.TOWNS, description=TABLE_DESCRIPTION)
    period: str | None = Field(None, max_length=20,
                               description=PERIOD_DESCRIPTION + " The latest by default.")
    indicator: str | None = Field(None, max_length=60, description="One indicator's code.")


def _indicator(code: str) -> Indicator:
    indicator = Indicator.objects.filter(code=code).first()
    if indicator is None:
        raise errors.NotFound(MSG_NO_SUCH_INDICATOR.format(code=code[:60]))
    return indicator


def _refuse_unless_manager(request: HttpRequest) -> None:
    if (refusal := services.league_manage_refusal(actor(request))) is not None:
        raise refusal


def _latest(table: str) -> Period | None:
    periods = [Period.parse(str(period)) for period in selectors.periods(table)]
    return periods[0] if periods else None


@router.get("/indicators", response={200: list[IndicatorOut], **ERRORS}, summary="The indicators")
def indicator_list(request: HttpRequest):
    return list(Indicator.objects.all())


@router.put("/indicators/{code}", response={200: IndicatorOut, **ERRORS},
            summary="Replace an indicator's definition (the league's managers)")
def indicator_replace(request: HttpRequest, code: str, payload: IndicatorIn):  # type: ignore[valid-type]
    _refuse_unless_manager(request)
    return indicator_update(actor=actor(request), indicator=_indicator(code), changes=payload.model_dump())


@router.patch("/indicators/{code}", response={200: IndicatorOut, **ERRORS},
              summary="Change some of an indicator's definition (the league's managers)")
def indicator_patch(request: HttpRequest, code: str, payload: IndicatorPatch):  # type: ignore[valid-type]
    _refuse_unless_manager(request)
    return indicator_update(actor=actor(request), indicator=_indicator(code),
                            changes=payload.model_dump(exclude_unset=True))


class MemberFilters(Schema):
    table: Table = Field(Table.TOWNS, description=TABLE_DESCRIPTION)


@router.get("/members", response={200: list[MemberOut], **ERRORS}, summary="The units a table ranks")
def member_list(request: HttpRequest, filters: Query[MemberFilters]):
    return list(Member.objects.filter(table=filters.table).select_related("unit"))


@router.get("/values", response={200: list[ValueOut], **ERRORS}, summary="The values of a table's period")
def value_list(request: HttpRequest, filters: Query[ValueFilters]):
    period = services.parse_period(filters.period) if filters.period else _latest(filters.table)
    if period is None:
        return []
    values = selectors.period_values(filters.table, period).values()
    return [value for value in values if filters.indicator in (None, value.indicator.code)]


@router.put("/values", response={200: ValueOut, **ERRORS},
            summary="Record a member's value on an indicator for a period (the league's managers)")
def value_put(request: HttpRequest, payload: ValueIn):
    _refuse_unless_manager(request)
    member = Member.objects.filter(table=payload.table, code=payload.member).first()
    if member is None:
        message = MSG_NO_SUCH_MEMBER.format(table=Table(payload.table).label, code=payload.member)
        raise errors.NotFound(message, field="member")
    return services.value_record(actor=actor(request), indicator=_indicator(payload.indicator), member=member,
                                 period=payload.period, value=payload.value, sample=payload.sample)


def _table_out(table: str, period: Period) -> dict:
    standings = selectors.standings(table, period)
    if not standings:
        raise errors.NotFound(MSG_NO_STANDINGS.format(table=table, period=period.key))
    return {"table": table, "period": period.key, "label": period.label, "standings": standings}


@router.get("/tables/{table}/{period}", response={200: TableOut, **ERRORS},
            summary="A table's standings in a period, with each indicator's scores")
def table_detail(request: HttpRequest, table: str, period: str):
    return _table_out(services.parse_table(table), services.parse_period(period))


@router.post("/tables/{table}/{period}/rank", response={200: TableOut, **ERRORS},
             summary="Rank a table for a period afresh from its values (the league's managers)")
def table_rank(request: HttpRequest, table: str, period: str):
    _refuse_unless_manager(request)
    parsed = services.parse_period(period)
    services.rank_table(services.parse_table(table), parsed)
    return _table_out(table, parsed)
