"""Confirming a year's holiday schedule: the State Council's notice imported from a small
.xlsx or .csv (one row a day: 日期, 类型 放假/上班, 节日), all or nothing; then every open
case whose due date was counted on that year's provisional holidays is counted again, each
change recorded on the case and told to its handler. Also the admin's yearly reminder while
next year's schedule is not confirmed, and what the system check names.

The command (``pingan holidays import FILE``) and the admin site's import page both call
``holidays_import``; the admin's "confirmed" tick calls ``holiday_year_confirm``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from pydantic import TypeAdapter, ValidationInfo, field_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from pingan.core import errors
from pingan.core.cases import case_deadline_recount
from pingan.core.configuration import record_configuration_change, snapshot
from pingan.core.deadlines import OPEN, end_of_day, local_days_q, year_confirmed
from pingan.core.holidays import schedule_changed
from pingan.core.inbox import notify_user
from pingan.core.ledger import (
    MSG_BAD_DATE,
    Choices,
    Column,
    Layout,
    LedgerRejected,
    RowError,
    file_name,
    invalid,
    parse_moment,
    plain,
    read_rows,
)
from pingan.core.models import (
    Case,
    ConfigurationAction,
    Festival,
    HolidayDay,
    HolidayKind,
    HolidaySource,
    HolidayYear,
    Role,
    RoleName,
    Unit,
)
from pingan.core.users import User

MSG_DUPLICATE_DAY = _("{day} already appears in row {row}.")
MSG_MAKE_UP_ON_WEEKDAY = _("A make-up working day is a Saturday or Sunday; {day} is not.")
MSG_NO_DAYS_OFF = _("The file gives no day off for {year}: a year's schedule lists its holidays.")
MSG_EMPTY = _("The file has no rows: nothing was imported.")
MSG_UNCONFIRMED_NOTICE = _(
    "The {year} holiday schedule is not confirmed: {count} open case(s) have due dates counted on "
    "its statutory holidays, provisionally. Import the State Council notice once it is out."
)

# Up to this many references named where the affected cases are listed.
FIRST_REFS = 5


def _export_value(name: str) -> Any:
    return lambda day, labels: getattr(day, name)


LAYOUT = Layout(
    [
        Column("day", "日期", ("date", "放假日期", "调休日期"), value=_export_value("day")),
        Column("kind", "类型", ("kind", "type", "安排", "放假/上班", "放假或上班"),
               value=_export_value("kind")),
        Column("festival", "节日", ("festival", "holiday", "名称", "节假日", "节日名称", "假日"),
               value=_export_value("festival")),
    ],
    anchors=("day",), required=[("day",), ("kind",), ("festival",)], example=("day", "kind", "festival"),
)

KIND_ALIASES: dict[str, tuple[str, ...]] = {
    HolidayKind.DAY_OFF: ("放假", "休息", "休", "假", "day off", "off"),
    HolidayKind.MAKE_UP: ("上班", "调休上班", "补班", "班", "调休", "make-up", "make up", "work"),
}
FESTIVAL_ALIASES: dict[str, tuple[str, ...]] = {
    Festival.NEW_YEAR: ("元旦", "新年"),
    Festival.SPRING_FESTIVAL: ("春节", "除夕"),
    Festival.QINGMING: ("清明", "清明节"),
    Festival.LABOUR_DAY: ("劳动节", "五一", "五一劳动节", "国际劳动节"),
    Festival.DRAGON_BOAT: ("端午", "端午节"),
    Festival.MID_AUTUMN: ("中秋", "中秋节"),
    # The years the two fall together the notice names them as one holiday (2020, 2023, 2025).
    Festival.NATIONAL_DAY: ("国庆", "国庆节", "国庆节、中秋节", "中秋节、国庆节", "国庆中秋"),
}


@pydantic_dataclass(slots=True, kw_only=True)
class HolidayRow:
    day: dt.date
    kind: str
    festival: str

    @field_validator("day", mode="before")
    @classmethod
    def _day(cls, value: Any) -> dt.date:
        try:
            moment = parse_moment(value)
        except (ValueError, OverflowError):
            moment = None
        if moment is None:
            raise invalid(MSG_BAD_DATE, value=plain(value).strip())
        return timezone.localtime(moment).date()

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any, info: ValidationInfo) -> str | None:
        return _choices(info, "kinds").clean(value, required=True)

    @field_validator("festival", mode="before")
    @classmethod
    def _festival(cls, value: Any, info: ValidationInfo) -> str | None:
        return _choices(info, "festivals").clean(value, required=True)


_ROW = TypeAdapter(HolidayRow)


@dataclass
class HolidayImport:
    filename: str
    # The years the file confirmed or changed, and those it gave exactly as they stood.
    confirmed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    days: int = 0
    # The open cases whose due date or its provisional mark changed.
    recounted: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        parts = []
        if self.confirmed:
            parts.append(gettext("Confirmed the holiday schedule of %(years)s (%(days)s days).")
                         % {"years": ", ".join(map(str, self.confirmed)), "days": self.days})
        if self.unchanged:
            parts.append(gettext("Already confirmed as in the file, unchanged: %(years)s.")
                         % {"years": ", ".join(map(str, self.unchanged))})
        parts.append(gettext("Open cases whose due date was counted again: %(count)s.")
                     % {"count": len(self.recounted)})
        if self.recounted:
            parts.append(", ".join(self.recounted[:20]) + (" …" if len(self.recounted) > 20 else ""))
        return " ".join(parts)


def _choices(info: ValidationInfo, name: str) -> Choices:
    """The row's ``Choices`` for ``name``, handed to the validation by ``_read``."""
    context: Mapping[str, Choices] = info.context or {}
    return context[name]


def _read(source: str | Path | IO[bytes], filename: str) -> dict[int, list[tuple[dt.date, str, str]]]:
    """The file's days per year; every bad row reported at once, as a LedgerRejected."""
    row_errors: list[RowError] = []
    context = {"kinds": Choices(HolidayKind.choices, KIND_ALIASES, suffixes=("日",)),
               "festivals": Choices(Festival.choices, FESTIVAL_ALIASES, suffixes=("节",))}
    sheet, rows = read_rows(source, filename, LAYOUT, _ROW, context=context, row_errors=row_errors)
    seen: dict[dt.date, int] = {}
    years: dict[int, list[tuple[dt.date, str, str]]] = {}
    for number, row in rows:
        if row.day in seen:
            row_errors.append(sheet.error(number, "day", MSG_DUPLICATE_DAY.format(
                day=row.day.isoformat(), row=seen[row.day]), row.day.isoformat()))
            continue
        seen[row.day] = number
        if row.kind == HolidayKind.MAKE_UP and row.day.weekday() < 5:
            row_errors.append(sheet.error(number, "day", MSG_MAKE_UP_ON_WEEKDAY.format(
                day=row.day.isoformat()), row.day.isoformat()))
        years.setdefault(row.day.year, []).append((row.day, row.kind, row.festival))
    if row_errors:
        raise LedgerRejected(row_errors)
    if not years:
        raise errors.DomainError(MSG_EMPTY)
    for year, days in sorted(years.items()):
        if not any(kind == HolidayKind.DAY_OFF for _day, kind, _festival in days):
            raise errors.DomainError(MSG_NO_DAYS_OFF.format(year=year))
    return years


def holidays_import(*, source: str | Path | IO[bytes], actor: User, filename: str | None = None,
                    basis: str = "", at: dt.datetime | None = None) -> HolidayImport:
    """Import the State Council's schedule for the years in the file: each year's days are
    replaced by the file's and the year is confirmed; then the provisional due dates those
    years decided are counted again. All or nothing: a bad row, and nothing changes."""
    name = file_name(source, filename)
    years = _read(source, name)
    now = at or timezone.now()
    result = HolidayImport(filename=name)
    with transaction.atomic():
        for year, days in sorted(years.items()):
            row = HolidayYear.objects.select_for_update().filter(year=year).first()
            if row and row.confirmed and _stored(row) == set(days):
                result.unchanged.append(year)
                continue
            before = snapshot(row, ("days",)) if row else {}
            if row is None:
                row = HolidayYear(year=year)
            else:
                row.days.all().delete()
            row.confirmed, row.source, row.confirmed_at = True, HolidaySource.NOTICE, now
            row.basis = (basis or name)[:200]
            row.save()
            HolidayDay.objects.bulk_create([
                HolidayDay(year=row, day=day, kind=kind, festival=festival, source=HolidaySource.NOTICE)
                for day, kind, festival in sorted(days)
            ])
            # The rules' audit trail, as for a change made in the admin site.
            record_configuration_change(
                actor=actor, action=ConfigurationAction.CHANGED if before else ConfigurationAction.ADDED,
                obj=row, before=before, after=snapshot(row, ("days",)), message=row.basis)
            result.confirmed.append(year)
            result.days += len(days)
        if result.confirmed:
            result.recounted = recount_provisional_deadlines(years=result.confirmed, actor=actor, at=now)
    return result


def _stored(row: HolidayYear) -> set[tuple[dt.date, str, str]]:
    return set(row.days.values_list("day", "kind", "festival"))


def holiday_year_confirm(*, year: HolidayYear, actor: User, at: dt.datetime | None = None) -> list[str]:
    """The admin confirmed ``year`` with the days it holds (or edited a confirmed year):
    count the provisional due dates again. Returns the references changed."""
    now = at or timezone.now()
    with transaction.atomic():
        if year.confirmed and year.confirmed_at is None:
            HolidayYear.objects.filter(pk=year.pk).update(confirmed_at=now)
        return recount_provisional_deadlines(years=[year.year], actor=actor, at=now)


def recount_provisional_deadlines(*, years: Iterable[int], actor: User, at: dt.datetime) -> list[str]:
    """Count again every open case's provisional due date that ``years`` may have decided
    (a date counted over a year falls in that year or later); those whose date or mark
    changed get an event and their handler a notice. Returns their references."""
    schedule_changed()
    try:
        candidates = (Case.objects.filter(OPEN, local_days_q("due_at", dt.date(min(years), 1, 1), None),
                                          due_provisional=True, due_basis__isnull=False)
                      .order_by("due_at", "id").values_list("pk", flat=True))
        changed = [case_deadline_recount(case_id=pk, actor=actor, at=at) for pk in list(candidates)]
        return [ref for ref in changed if ref]
    except BaseException:
        schedule_changed()  # a rollback: the schedule in memory may hold the undone rows
        raise


# ---------------------------------------------------------------------------
# What the system check names, and the admin's yearly reminder
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProvisionalCases:
    count: int
    first_refs: tuple[str, ...]
    # The unconfirmed years their due dates fall in.
    years: tuple[int, ...]


def provisional_open_cases(*, year: int | None = None) -> ProvisionalCases:
    """The open cases whose due dates are provisional (due in ``year``, if given)."""
    cases = Case.objects.filter(OPEN, due_provisional=True)
    if year is not None:
        cases = cases.filter(due_at__gte=end_of_day(dt.date(year - 1, 12, 31)),
                             due_at__lte=end_of_day(dt.date(year, 12, 31)))
    count = cases.count()
    if not count:
        return ProvisionalCases(0, (), ())
    refs = tuple(cases.order_by("due_at", "id").values_list("ref", flat=True)[:FIRST_REFS])
    due_years = {d.year for d in cases.dates("due_at", "year")}
    return ProvisionalCases(count, refs, tuple(sorted(y for y in due_years if not year_confirmed(y))))


def holiday_notice_sweep(*, now: dt.datetime | None = None) -> bool:
    """From ``PINGAN_HOLIDAY_NOTICE_FROM`` (1 October), tell the district admins once a year
    that next year's schedule is not confirmed. Claimed with a conditional update, so two
    workers never send it twice. Returns whether it was sent."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    year = today.year + 1
    if (today.month, today.day) < tuple(settings.PINGAN_HOLIDAY_NOTICE_FROM) or year_confirmed(year):
        return False
    with transaction.atomic():
        row, _created = HolidayYear.objects.get_or_create(year=year)
        if row.confirmed:
            return False
        claimed = HolidayYear.objects.filter(pk=row.pk, unconfirmed_notice_at__isnull=True).update(
            unconfirmed_notice_at=now)
        if not claimed:
            return False
        affected = provisional_open_cases(year=year)
        admins = Role.objects.filter(role=RoleName.ADMIN, unit__in=Unit.objects.filter(parent__isnull=True))
        with translation.override(settings.LANGUAGE_CODE):
            message = str(MSG_UNCONFIRMED_NOTICE).format(year=year, count=affected.count)
            notify_user(users=[r.user for r in admins.select_related("user")], message=message,
                        link=reverse("admin:core_holidayyear_changelist"), at=now)
    return True
