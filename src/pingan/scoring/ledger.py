"""The league workbook (考核数据): the city's figures and the indicators they are scored by,
imported from .xlsx.

Two sheets, each read by ``core.ledger``'s reader (a title row above the header, merged title
cells, odd header spacing, empty rows and a 合计 totals row are all tolerated there):

- 指标: 指标, 方向, 权重, 计分方法, 目标值, 基准分, 每单位扣分, 最小样本 (and optionally 代码,
  计量单位). Each row creates an indicator (entered by hand; a % unit makes it a rate) or
  updates the scoring of the one of that code, else that name. A computed indicator keeps its
  source: the city may reweight it, but its values still come from the platform.
- 数值: 期间, 单位, 指标, 数值, 样本数. On the towns' and departments' tables 单位 must name a
  member (by name, short name or code); on the city's an unknown county becomes an external
  member, and the district's own name is its home member. A value of a computed indicator is
  refused.

All or nothing like every ledger: each bad row is reported (sheet, row, column) and nothing is
written; a file imported twice changes nothing the second time. A formula is refused rather
than trusted: the cached result openpyxl would read may be stale or missing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from pydantic import TypeAdapter, ValidationInfo, field_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from pingan.core import errors
from pingan.core.divisions import short_name
from pingan.core.ledger import (
    MSG_REQUIRED,
    Choices,
    Column,
    Layout,
    LedgerImport,
    RowError,
    clean_code,
    clean_line,
    file_name,
    invalid,
    plain,
    read_bounded,
    read_rows,
    scan_workbook,
    squash,
)
from pingan.scoring.indicator_admin import SCORING_FIELDS, indicator_update
from pingan.scoring.models import (
    MSG_BASE_RANGE,
    Direction,
    Indicator,
    Member,
    Method,
    Source,
    Table,
    Value,
    ValueSource,
)
from pingan.scoring.periods import Period, PeriodError
from pingan.scoring.services import (
    SAMPLE_LIMIT,
    clean_sample,
    clean_value,
    ensure_members,
    fit_decimal,
    league_manage_refusal,
    parse_table,
    rank_ranked_periods,
    rank_table,
    value_record,
    value_refusal,
)

MSG_NOT_XLSX = _("Cannot read “{name}”: the league workbook is an .xlsx file with the sheets 指标 and 数值.")
MSG_TOO_LARGE = _("“{name}” is larger than {limit} MB: a league workbook is far smaller; check the file.")
MSG_TOO_MANY_ROWS = _("The sheet “{sheet}” has more than {limit} rows: a league workbook is far smaller.")
MSG_NO_VALUES_SHEET = _("The workbook has no sheet 数值 (a header with 期间, 单位, 指标, 数值).")
MSG_NOT_A_NUMBER = _("Not a number.")
MSG_NOT_POSITIVE = _("Must be greater than 0.")
MSG_NOT_WHOLE = _("Must be a whole number, 0 or more.")
MSG_NUMBER_TOO_LARGE = _("Too large a number for this column.")
MSG_TARGET_NEEDED = _("目标比 needs a target above 0 (目标值).")
MSG_PER_UNIT_NEEDED = _("扣分法 needs the points deducted per unit (每单位扣分).")
MSG_INDICATOR_TWICE = _("The indicator “{value}” is already defined in row {row}.")
MSG_UNKNOWN_INDICATOR = _("There is no indicator “{value}” (in the sheet 指标 or already in Pingan).")
MSG_UNKNOWN_MEMBER = _("“{value}” is not ranked on this table ({table}).")
MSG_VALUE_TWICE = _("This unit, indicator and period already appear in row {row}.")
MSG_DETAILS = _("Indicators: {created} new, {updated} changed. Periods ranked: {periods}.")

INDICATOR_SHEET = "指标"
VALUE_SHEET = "数值"
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
# Columns read per row: a league sheet has a dozen; a hostile one may claim thousands.
MAX_COLUMNS = 60


def _column(field_name: str, header: str, *aliases: str) -> Column:
    return Column(field_name, header, aliases, value=lambda item, labels: getattr(item, field_name))


INDICATOR_LAYOUT = Layout(
    (
        _column("code", "代码", "指标代码", "指标编码", "编码", "code"),
        _column("name", "指标", "指标名称", "考核指标", "name", "indicator"),
        _column("unit_of_measure", "计量单位", "单位", "unit"),
        _column("direction", "方向", "指标方向", "direction"),
        _column("weight", "权重", "分值", "weight"),
        _column("method", "计分方法", "计分方式", "评分方法", "方法", "method"),
        _column("target", "目标值", "目标", "target"),
        _column("base", "基准分", "基础分", "base"),
        _column("per_unit", "每单位扣分", "扣分标准", "每单位", "perunit"),
        _column("min_sample", "最小样本", "最小样本数", "最低样本数", "minsample"),
    ),
    anchors=("method", "weight"),
    required=(("name",), ("direction",), ("weight",), ("method",)),
    example=("name", "direction", "weight", "method"),
)
VALUE_LAYOUT = Layout(
    (
        _column("period", "期间", "考核期间", "时期", "周期", "period"),
        _column("member", "单位", "单位名称", "地区", "县市区", "乡镇街道", "部门", "unit"),
        _column("member_code", "单位代码", "区划代码", "unitcode"),
        _column("indicator", "指标", "指标名称", "指标代码", "考核指标", "indicator"),
        _column("value", "数值", "数据", "指标值", "value"),
        _column("sample", "样本数", "样本", "样本量", "sample"),
    ),
    anchors=("value", "period"),
    required=(("period",), ("member", "member_code"), ("indicator",), ("value",)),
    example=("period", "member", "indicator", "value", "sample"),
)

DIRECTION_ALIASES = {
    Direction.HIGHER: ("越高越好", "越大越好", "正向", "正向指标", "高优", "higher"),
    Direction.LOWER: ("越低越好", "越小越好", "负向", "逆向", "负向指标", "低优", "lower"),
}
METHOD_ALIASES = {
    Method.MIN_MAX: ("极差法", "极差", "极值法", "min-max", "minmax"),
    Method.RANK: ("排名法", "排名", "排序法", "位次法"),
    Method.TARGET_RATIO: ("目标比", "目标比法", "目标值法", "达标率法"),
    Method.DEDUCTION: ("扣分法", "扣分", "扣分制"),
}


def clean_number(value: Any) -> Decimal | None:
    """A figure as offices write it: 12,345.6 with 千分位 commas, 12.5% (a percentage, kept
    as 12.5), full-width digits; None for an empty cell. Raises a row error otherwise."""
    if isinstance(value, bool):
        raise invalid(MSG_NOT_A_NUMBER)
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = squash(plain(value)).replace(",", "").replace("，", "").removesuffix("%")
    if not text:
        return None
    try:
        number = Decimal(text)
    except ArithmeticError:
        raise invalid(MSG_NOT_A_NUMBER) from None
    if not number.is_finite():
        raise invalid(MSG_NOT_A_NUMBER)
    return number


@pydantic_dataclass(slots=True, kw_only=True)
class IndicatorRow:
    name: str
    direction: str
    weight: Decimal
    method: str
    code: str | None = None
    unit_of_measure: str | None = None
    target: Decimal | None = None
    base: Decimal | None = None
    per_unit: Decimal | None = None
    min_sample: int | None = None

    @field_validator("name", "unit_of_measure", mode="before")
    @classmethod
    def _line(cls, value: Any, info: ValidationInfo) -> str:
        limit = Indicator._meta.get_field(info.field_name).max_length
        return clean_line(value, limit=limit, required=info.field_name == "name")

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, value: Any) -> str | None:
        return clean_code(value, limit=Indicator._meta.get_field("code").max_length) or None

    @field_validator("direction", "method", mode="before")
    @classmethod
    def _choice(cls, value: Any, info: ValidationInfo) -> str | None:
        return info.context[info.field_name].clean(value, required=True)

    @field_validator("weight", "target", "base", "per_unit", mode="before")
    @classmethod
    def _number(cls, value: Any, info: ValidationInfo) -> Decimal | None:
        """A number the indicator's field holds (rounded to its places), within the range its
        rule allows: the weight and the deduction per unit above 0, the base score 0–100."""
        number = clean_number(value)
        if number is None:
            if info.field_name == "weight":
                raise invalid(MSG_NOT_POSITIVE)
            return None
        fitted = fit_decimal(Indicator._meta.get_field(info.field_name), number)
        if fitted is None:
            raise invalid(MSG_NUMBER_TOO_LARGE)
        if info.field_name in ("weight", "per_unit") and fitted <= 0:
            raise invalid(MSG_NOT_POSITIVE)
        if info.field_name == "base" and not 0 <= fitted <= 100:
            raise invalid(MSG_BASE_RANGE)
        return fitted

    @field_validator("min_sample", mode="before")
    @classmethod
    def _count(cls, value: Any) -> int | None:
        number = clean_number(value)
        if number is None:
            return None
        if number < 0 or number != number.to_integral_value():
            raise invalid(MSG_NOT_WHOLE)
        if number > SAMPLE_LIMIT:
            raise invalid(MSG_NUMBER_TOO_LARGE)
        return int(number)


@pydantic_dataclass(slots=True, kw_only=True)
class ValueRow:
    period: str
    indicator: str
    value: Decimal
    member: str | None = None
    member_code: str | None = None
    sample: Any = None

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, value: Any) -> str:
        if isinstance(value, dt.date):  # Excel turned 2026-03 into a date
            return Period.containing(value, "month").key
        try:
            return Period.parse(plain(value)).key
        except PeriodError as error:
            raise invalid(str(error)) from None

    @field_validator("indicator", "member", mode="before")
    @classmethod
    def _name(cls, value: Any, info: ValidationInfo) -> str:
        return clean_line(value, limit=100, required=info.field_name == "indicator")

    @field_validator("member_code", mode="before")
    @classmethod
    def _member_code(cls, value: Any) -> str | None:
        return clean_code(value, limit=Member._meta.get_field("code").max_length) or None

    @field_validator("value", mode="before")
    @classmethod
    def _value(cls, value: Any) -> Decimal:
        number = clean_number(value)
        if number is None:
            raise invalid(MSG_REQUIRED)
        return number


_INDICATOR_ROW = TypeAdapter(IndicatorRow)
_VALUE_ROW = TypeAdapter(ValueRow)


@dataclass
class LeagueImport(LedgerImport):
    indicators_created: int = 0
    indicators_updated: int = 0
    periods: list[str] = field(default_factory=list)

    def details(self) -> str:
        return str(MSG_DETAILS).format(created=self.indicators_created, updated=self.indicators_updated,
                                       periods="、".join(self.periods) or "—")


def _in_sheet(sheet_title: str, row_errors: Iterable[RowError]) -> list[RowError]:
    return [RowError(row=e.row, column=f"{sheet_title}!{e.column}", message=e.message, value=e.value)
            for e in row_errors]


class _Members:
    """The table's members by code, name and short name; on the city's table a name not found
    is a new external member, made when the import writes."""

    def __init__(self, table: str):
        self.table = table
        self.by_key: dict[str, Member] = {}
        self.new: dict[str, Member] = {}
        for member in Member.objects.filter(table=table):
            self.by_key.setdefault(squash(member.code), member)
            self.by_key.setdefault(squash(member.name), member)
            if short := short_name(squash(member.name)):
                self.by_key.setdefault(short, member)

    @staticmethod
    def _code_for(text: str) -> str:
        """``text`` as a member code; cut to the field's length with a short hash of the whole
        in place of its tail, so two long names that start alike get different codes."""
        limit = Member._meta.get_field("code").max_length
        if len(text) <= limit:
            return text
        return text[:limit - 7] + "-" + hashlib.sha256(text.encode()).hexdigest()[:6]

    def find(self, row: ValueRow) -> Member | None:
        key = squash(row.member_code or row.member or "")
        found = self.by_key.get(key) or self.new.get(key)
        if found is not None or self.table != Table.CITY or not row.member:
            return found
        self.new[key] = Member(table=self.table, code=self._code_for(row.member_code or squash(row.member)),
                               name=row.member)
        return self.new[key]


@dataclass
class _Plan:
    indicators: list[tuple[IndicatorRow, Indicator | None]] = field(default_factory=list)
    values: list[tuple[int, ValueRow, str, Member]] = field(default_factory=list)
    # The indicators the file defines, by code (new ones unsaved), as its values are checked.
    defined: dict[str, Indicator] = field(default_factory=dict)


def _indicator_key(text: str) -> str:
    return squash(text).lower()


def _code_for(name: str) -> str:
    """A new indicator's code when the sheet gives none: stable, so a re-import finds it."""
    return "i-" + hashlib.sha256(name.encode()).hexdigest()[:10]


def _is_rate(row: IndicatorRow) -> bool:
    return (row.unit_of_measure or "").strip() in ("%", "％")


def _indicator_fields(row: IndicatorRow) -> dict[str, Any]:
    return {"name": row.name, "unit_of_measure": row.unit_of_measure or "", "direction": row.direction,
            "weight": row.weight, "method": row.method, "target": row.target,
            "base": Decimal(100) if row.base is None else row.base, "per_unit": row.per_unit,
            "min_sample": row.min_sample or 0}


def _error(row_errors: list[RowError], sheet: str, layout: Layout, number: int, column: str, message: Any,
           value: Any = "") -> None:
    row_errors.append(RowError(row=number, column=f"{sheet}!{layout.headers[column]}", message=str(message),
                               value=plain(value)[:60]))


def _check_indicators(rows: list[tuple[int, IndicatorRow]], row_errors: list[RowError], plan: _Plan,
                      known: dict[str, Indicator], defined: dict[str, str]) -> None:
    """Each 指标 row against the rules of its method and the indicators already in Pingan;
    ``defined`` gathers the names and codes the 数值 sheet may use (key -> code), and
    ``plan.defined`` the indicators as the file leaves them."""
    seen: dict[str, int] = {}
    for number, row in rows:
        error = partial(_error, row_errors, INDICATOR_SHEET, INDICATOR_LAYOUT, number)
        key = _indicator_key(row.name)
        if key in seen or (row.code and _indicator_key(row.code) in seen):
            error("name", MSG_INDICATOR_TWICE.format(value=row.name, row=seen.get(key, number)), row.name)
            continue
        if row.method == Method.TARGET_RATIO and not (row.target and row.target > 0):
            error("target", MSG_TARGET_NEEDED, row.target or "")
        if row.method == Method.DEDUCTION and row.per_unit is None:
            error("per_unit", MSG_PER_UNIT_NEEDED)
        existing = known.get(_indicator_key(row.code)) if row.code else known.get(key)
        code = existing.code if existing else (row.code or _code_for(row.name))
        plan.defined[code] = existing or Indicator(code=code, source=Source.ENTERED, is_rate=_is_rate(row),
                                                   **_indicator_fields(row))
        seen[key] = number
        for name in (key, _indicator_key(code)):
            seen.setdefault(name, number)
            defined[name] = code
        plan.indicators.append((row, existing))


def _check_values(rows: list[tuple[int, ValueRow]], row_errors: list[RowError], plan: _Plan,
                  members: _Members, known: dict[str, Indicator], defined: dict[str, str]) -> None:
    seen: dict[tuple[str, str, str], int] = {}
    for number, row in rows:
        problems = len(row_errors)
        error = partial(_error, row_errors, VALUE_SHEET, VALUE_LAYOUT, number)
        member = members.find(row)
        if member is None:
            shown = row.member_code or row.member or ""
            error("member_code" if row.member_code else "member",
                  MSG_UNKNOWN_MEMBER.format(value=shown, table=Table(members.table).label), shown)
        key = _indicator_key(row.indicator)
        code = defined.get(key) or (known[key].code if key in known else None)
        indicator = None if code is None else plan.defined.get(code) or known[code]
        if indicator is None:
            error("indicator", MSG_UNKNOWN_INDICATOR.format(value=row.indicator), row.indicator)
        elif refusal := value_refusal(indicator):
            error("indicator", refusal.message, row.indicator)
        else:
            try:
                clean_value(indicator, row.value)
            except errors.DomainError as refused:
                error("value", refused.message, row.value)
        try:
            clean_sample(row.sample)
        except errors.DomainError as refused:
            error("sample", refused.message, row.sample)
        if member is not None and code is not None:
            identity = (row.period, squash(member.code), code)
            if identity in seen:
                error("indicator", MSG_VALUE_TWICE.format(row=seen[identity]), row.indicator)
            seen.setdefault(identity, number)
        if len(row_errors) == problems and member is not None and code is not None:
            plan.values.append((number, row, code, member))


def import_league(file: str | Path | IO[bytes], *, actor: Any, table: str = Table.TOWNS,
                  dry_run: bool = False, filename: str | None = None, **_options: Any) -> LeagueImport:
    """Read the league workbook and write its indicators and values, all or nothing; then rank
    the table for every period the file touched. ``dry_run`` checks everything and writes
    nothing. Raises DomainError for a file refused whole (not a workbook, no 数值 sheet, an
    actor who may not keep the table)."""
    if refusal := league_manage_refusal(actor):
        raise refusal
    table = parse_table(table)
    name = file_name(file, filename)
    if Path(name).suffix.lower() not in (".xlsx", ".xlsm"):
        raise errors.DomainError(MSG_NOT_XLSX.format(name=name))
    unreadable = MSG_NOT_XLSX.format(name=name)
    data = read_bounded(file, limit=MAX_FILE_BYTES, unreadable=unreadable,
                        too_large=MSG_TOO_LARGE.format(name=name, limit=MAX_FILE_BYTES // (1024 * 1024)))
    titles, formulas = scan_workbook(data, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS, unreadable=unreadable,
                                     too_many_rows=MSG_TOO_MANY_ROWS)
    if formulas:
        # Their cells would read as empty too: the formulas alone say what to fix.
        return LeagueImport.of(rows=0, created=0, unchanged=0, errors=formulas, dry_run=dry_run)
    if VALUE_SHEET not in titles:
        raise errors.DomainError(MSG_NO_VALUES_SHEET)
    row_errors: list[RowError] = []
    lookups = {"direction": Choices(Direction.choices, DIRECTION_ALIASES, suffixes=("指标",)),
               "method": Choices(Method.choices, METHOD_ALIASES, suffixes=())}
    indicator_rows: list[tuple[int, IndicatorRow]] = []
    if INDICATOR_SHEET in titles:
        sheet_errors: list[RowError] = []
        _sheet, indicator_rows = read_rows(io.BytesIO(data), name, INDICATOR_LAYOUT, _INDICATOR_ROW,
                                           context=lookups, row_errors=sheet_errors)
        row_errors += _in_sheet(INDICATOR_SHEET, sheet_errors)
    sheet_errors = []
    _sheet, value_rows = read_rows(io.BytesIO(data), name, VALUE_LAYOUT, _VALUE_ROW, context={},
                                   row_errors=sheet_errors)
    row_errors += _in_sheet(VALUE_SHEET, sheet_errors)

    with transaction.atomic():
        ensure_members()
        known = {}
        for indicator in Indicator.objects.all():
            known[indicator.code] = indicator
            known.setdefault(_indicator_key(indicator.code), indicator)
            known.setdefault(_indicator_key(indicator.name), indicator)
        plan = _Plan()
        defined: dict[str, str] = {}
        _check_indicators(indicator_rows, row_errors, plan, known, defined)
        members = _Members(table)
        _check_values(value_rows, row_errors, plan, members, known, defined)
        result = _write(plan, actor=actor, table=table, rows=len(indicator_rows) + len(value_rows),
                        row_errors=row_errors, dry_run=dry_run)
        if dry_run or row_errors:
            transaction.set_rollback(True)
    return result


def _write(plan: _Plan, *, actor: Any, table: str, rows: int, row_errors: list[RowError],
           dry_run: bool) -> LeagueImport:
    """Write the plan (inside the import's transaction, rolled back when it has errors or is a
    dry run) and count what changed."""
    created = updated = unchanged = indicators_created = indicators_updated = 0
    if row_errors:
        return LeagueImport.of(rows=rows, created=0, unchanged=0, errors=row_errors, dry_run=dry_run)
    codes: dict[str, Indicator] = {}
    scoring_changed = False
    for row, existing in plan.indicators:
        fields = _indicator_fields(row)
        if existing is None:
            indicator = Indicator.objects.create(code=row.code or _code_for(row.name), source=Source.ENTERED,
                                                 is_rate=_is_rate(row), **fields)
            indicators_created += 1
        else:
            indicator = existing
            changed = {name: value for name, value in fields.items() if getattr(existing, name) != value}
            if changed:
                # Ranked once below, whatever the file changed.
                indicator_update(actor=actor, indicator=existing, changes=changed, rank=False)
                indicators_updated += 1
                scoring_changed = scoring_changed or not changed.keys().isdisjoint(SCORING_FIELDS)
        codes[indicator.code] = indicator
    for member in {id(m): m for _n, _r, _c, m in plan.values if m.pk is None}.values():
        member.save()
    periods = {row.period for _n, row, _c, _m in plan.values}
    stored = Value.objects.filter(member__table=table, period__in=periods)
    current = {(value.member_id, value.indicator.code, value.period): value
               for value in stored.select_related("indicator")}
    for _number, row, code, member in plan.values:
        indicator = codes.get(code) or Indicator.objects.get(code=code)
        before = current.get((member.pk, code, row.period))
        sample = clean_sample(row.sample)
        if before is not None and (before.value, before.sample) == (clean_value(indicator, row.value),
                                                                      sample):
            unchanged += 1
            continue
        value_record(actor=actor, indicator=indicator, member=member, period=row.period, value=row.value,
                     sample=sample, source=ValueSource.IMPORTED)
        created, updated = (created + 1, updated) if before is None else (created, updated + 1)
    unchanged += len(plan.indicators) - indicators_created - indicators_updated
    # A changed weight moves every period the file speaks of, not only those with new values;
    # a file that changed nothing leaves the standings as they are.
    changed = created + updated + indicators_created + indicators_updated
    ranked = sorted(periods if changed else (), key=Period.parse)
    if not dry_run:
        for period in ranked:
            rank_table(table, period)
        if scoring_changed:
            # The indicators are shared by the three tables: every standing written with the
            # old definition moves, not only this table's.
            rank_ranked_periods()
    return LeagueImport.of(rows=rows, created=created + indicators_created,
                           updated=updated + indicators_updated, unchanged=unchanged, errors=[],
                           dry_run=dry_run, indicators_created=indicators_created,
                           indicators_updated=indicators_updated, periods=ranked)
