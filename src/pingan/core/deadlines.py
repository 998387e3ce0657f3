"""Deadlines: working days on the Chinese State Council schedule, due dates, due states.

Working days come from the holiday schedule kept as data (``core.holidays``), make-up
working days (调休) included. A year whose schedule is not confirmed counts on the
statutory holidays, provisionally: a due date counted over such a year is provisional,
says so, and keeps what it was counted from so that the year's import counts it again.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Case as When_
from django.db.models import CharField, Q, TextChoices, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core.holidays import Schedule, schedule
from pingan.core.models import DayType, DeadlinePolicy, DueState, HolidayKind

# A term counted in months rather than days (代表建议: reply within three months). Not a
# ``DayType`` a district's policy may choose: only statutory terms count in months, and the
# app whose terms they are names this unit where it counts them.
MONTHS = "months"


def year_confirmed(year: int) -> bool:
    return schedule().is_confirmed(year)


def is_working_day(day: dt.date) -> bool:
    return schedule().is_working_day(day)


def next_working_day_on_or_after(day: dt.date) -> dt.date:
    return _next_working_day(schedule(), day)


def add_working_days(start: dt.date, count: int) -> dt.date:
    """The ``count``-th working day after ``start`` (the start day itself is not counted)."""
    return _count_end(schedule(), start, count, DayType.WORKING)


def _next_working_day(current: Schedule, day: dt.date) -> dt.date:
    while not current.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def add_months(start: dt.date, months: int) -> dt.date:
    """The same date ``months`` months on; the month's last day when it has no such date
    (31 March + 1 month is 30 April): a term in months ends so (Civil Code art. 202)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(start.day, last))


def _count_end(current: Schedule, start: dt.date, duration: int, day_type: str) -> dt.date:
    if day_type == MONTHS:
        return add_months(start, duration)
    if day_type != DayType.WORKING:
        return start + dt.timedelta(days=duration)
    day = start
    remaining = duration
    while remaining > 0:
        day += dt.timedelta(days=1)
        if current.is_working_day(day):
            remaining -= 1
    return day


def due_date(start: dt.date, duration: int, day_type: str) -> dt.date:
    """The last day allowed.

    Calendar days: ``start + duration``, rolled forward to the next working day when that
    day is a rest day or holiday (Civil Code arts. 201, 203, by analogy); a make-up
    working day is a working day and does not roll. Months (``MONTHS``): the same date
    ``duration`` months on (``add_months``), rolled forward the same way. Working days: the
    ``duration``-th working day after ``start``.
    """
    current = schedule()
    return _next_working_day(current, _count_end(current, start, duration, day_type))


@dataclass(frozen=True)
class Deadline:
    """A due date and whether it rests on a provisional schedule.

    The days whose kind decided the date are the ones it was counted over: every day after
    the start for working days; for calendar days, the day the count ends and any roll off
    it. When one of them lies in a year with no confirmed schedule, the date is provisional.
    """

    start: dt.date
    days: int
    day_type: str
    due: dt.date
    provisional_years: tuple[int, ...]

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)

    @property
    def due_at(self) -> dt.datetime:
        return end_of_day(self.due)

    @property
    def basis(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "days": self.days, "day_type": self.day_type}

    def case_fields(self) -> dict[str, Any]:
        """The case's deadline fields: the due moment, whether it is provisional, and (only
        then: it may be counted again) what it was counted from."""
        return {"due_at": self.due_at, "due_provisional": self.provisional,
                "due_basis": self.basis if self.provisional else None}


# The deadline fields of a case with no deadline running.
NO_DEADLINE_FIELDS: Mapping[str, Any] = {"due_at": None, "due_provisional": False, "due_basis": None}


def count_deadline(start: dt.date, duration: int, day_type: str) -> Deadline:
    """``due_date`` with whether it is provisional."""
    current = schedule()
    count_ends = _count_end(current, start, duration, day_type)
    due = _next_working_day(current, count_ends)
    first = start + dt.timedelta(days=1) if day_type == DayType.WORKING else count_ends
    unconfirmed = tuple(y for y in range(first.year, due.year + 1) if not current.is_confirmed(y))
    return Deadline(start=start, days=duration, day_type=day_type, due=due, provisional_years=unconfirmed)


def recount(basis: Mapping[str, Any]) -> Deadline:
    """Count a stored ``Deadline.basis`` again on the schedule as it stands now."""
    return count_deadline(dt.date.fromisoformat(basis["start"]), int(basis["days"]), basis["day_type"])


@dataclass(frozen=True)
class DeadlineKind:
    """A kind of case whose own table repeats ``due_at`` (a petition's ``resolution_due_at``
    while it is handled): ``mirrors`` names the fields that hold it in the case's state, so
    a recount moves them together. Kinds with no such field need not register."""

    model: type
    mirrors: Callable[[Any], tuple[str, ...]]


_KINDS: dict[str, DeadlineKind] = {}


def register_deadline_kind(kind: str, *, model: type, mirrors: Callable[[Any], tuple[str, ...]]) -> None:
    _KINDS[kind] = DeadlineKind(model=model, mirrors=mirrors)


def deadline_kind(kind: str) -> DeadlineKind | None:
    return _KINDS.get(kind)


class DayKind(TextChoices):
    WORKING = "working", _("Working day")
    MAKE_UP = "make_up", _("Make-up working day")
    REST = "rest", _("Rest day")
    HOLIDAY = "holiday", _("Public holiday")


def describe_day(day: dt.date) -> tuple[str, str, bool]:
    """What a day is on the schedule, the holiday it belongs to ("" if none; a make-up
    working day names the holiday it makes up for), and whether that is provisional."""
    entry = schedule().entry(day)
    if entry is None:
        return (DayKind.REST if day.weekday() >= 5 else DayKind.WORKING), "", not year_confirmed(day.year)
    kind = DayKind.MAKE_UP if entry.kind == HolidayKind.MAKE_UP else DayKind.HOLIDAY
    return kind, entry.festival_label, entry.provisional


def day_kind(day: dt.date) -> tuple[str, str]:
    kind, holiday, _provisional = describe_day(day)
    return kind, holiday


@dataclass(frozen=True)
class DayNote:
    day: dt.date
    kind: str
    holiday: str
    # The day's number in the count (day 3 of 30), or None when the count skipped it.
    counted: int | None
    # Passed over while rolling a calendar-day deadline off a rest day or holiday.
    rolled: bool = False
    # The day lies in a year with no confirmed schedule: its kind is the statutory guess.
    provisional: bool = False

    @property
    def kind_label(self) -> str:
        return str(DayKind(self.kind).label)


@dataclass(frozen=True)
class DueDateExplanation:
    """How ``due_date`` reached its answer, for a clerk to check by hand."""

    start: dt.date
    duration: int
    day_type: str
    # The day the count itself ends on, before any roll-forward.
    count_ends: dt.date
    due: dt.date
    # Calendar days: every rest day, holiday and make-up day in the count, then every day
    # of the roll. Months: the day the count ends, when it is not a working day, and the
    # roll (a month term counts no single day). Working days: every day after the start
    # up to the due date.
    days: tuple[DayNote, ...]
    # Years with no confirmed schedule that the due date was counted over: statutory
    # holidays stood in for them, and the date is provisional.
    provisional_years: tuple[int, ...]

    @property
    def rolled(self) -> bool:
        return self.due != self.count_ends

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)


def explain_due_date(start: dt.date, duration: int, day_type: str) -> DueDateExplanation:
    """``due_date`` with its working shown: the same answer, built from the same steps."""
    deadline = count_deadline(start, duration, day_type)
    count_ends, due = _count_end(schedule(), start, duration, day_type), deadline.due
    notes: list[DayNote] = []
    working_count = 0
    day = start
    while day < due:
        day += dt.timedelta(days=1)
        kind, holiday, provisional = describe_day(day)
        works = is_working_day(day)
        if day_type == DayType.WORKING:
            working_count += works
            notes.append(DayNote(day, kind, holiday, working_count if works else None,
                                 provisional=provisional))
        elif day > count_ends:
            # Rest days passed over, and the working day the roll stopped on.
            notes.append(DayNote(day, kind, holiday, None, rolled=day < due, provisional=provisional))
        elif day_type == MONTHS:
            # A make-up working day is listed too, but it works: the count ends there, unrolled.
            if day == count_ends and kind != DayKind.WORKING:
                notes.append(DayNote(day, kind, holiday, None, rolled=not works, provisional=provisional))
        elif kind != DayKind.WORKING:
            notes.append(DayNote(day, kind, holiday, (day - start).days, provisional=provisional))
    return DueDateExplanation(
        start=start, duration=duration, day_type=day_type, count_ends=count_ends, due=due,
        days=tuple(notes), provisional_years=deadline.provisional_years,
    )


def local_days_q(field: str, first: dt.date | None, last: dt.date | None) -> Q:
    """``field`` within the local days ``first`` to ``last``, both included (either open)."""
    tz = timezone.get_default_timezone()
    q = Q()
    if first:
        q &= Q(**{f"{field}__gte": dt.datetime.combine(first, dt.time.min, tzinfo=tz)})
    if last:
        q &= Q(**{f"{field}__lt": dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)})
    return q


def end_of_day(day: dt.date) -> dt.datetime:
    """The last moment of a local day: a case due on a day may be closed until midnight."""
    tz = timezone.get_default_timezone()
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=tz)


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


@dataclass(frozen=True)
class DeadlineTerms:
    duration: int
    day_type: str = DayType.CALENDAR
    extension_allowed: bool = True
    extension_duration: int = 0
    source: str = "settings"

    def deadline(self, start: dt.datetime, duration: int | None = None) -> Deadline:
        """The deadline of ``duration`` (default: the term's) counted from ``start``."""
        return count_deadline(local_date(start), self.duration if duration is None else duration,
                              self.day_type)

    def due_at(self, start: dt.datetime) -> dt.datetime:
        return self.deadline(start).due_at

    def due_fields(self, start: dt.datetime) -> dict[str, Any]:
        """The case's deadline fields for a term counted from ``start``."""
        return self.deadline(start).case_fields()

    def extended_due_at(self, due_at: dt.datetime, duration: int) -> dt.datetime:
        return self.deadline(due_at, duration).due_at


def resolve_terms(*, kind: str, category: str, severity: str, fallback: DeadlineTerms) -> DeadlineTerms:
    """The district admin's most specific policy for this case, else the settings default."""
    candidates = DeadlinePolicy.objects.filter(
        Q(category=category) | Q(category=""),
        Q(severity=severity) | Q(severity=""),
        case_kind=kind,
    )
    best = max(
        candidates,
        key=lambda p: (p.category != "", p.severity != ""),
        default=None,
    )
    if best is None:
        return fallback
    return DeadlineTerms(
        duration=best.duration,
        day_type=best.day_type,
        extension_allowed=best.extension_allowed,
        extension_duration=best.extension_duration,
        source=f"policy #{best.pk}",
    )


def due_state_expression(now: dt.datetime | None = None) -> When_:
    """A database expression for a case's due state, so lists filter and sort on it."""
    now = now or timezone.now()
    soon = now + dt.timedelta(days=settings.PINGAN_DUE_SOON_DAYS)
    long_ago = now - dt.timedelta(days=settings.PINGAN_LONG_OVERDUE_DAYS)
    return When_(
        When(is_open=False, then=Value(DueState.CLOSED.value)),
        When(due_at__isnull=True, then=Value(DueState.ON_TIME.value)),
        When(due_at__lt=long_ago, then=Value(DueState.LONG_OVERDUE.value)),
        When(due_at__lt=now, then=Value(DueState.OVERDUE.value)),
        When(due_at__lt=soon, then=Value(DueState.DUE_SOON.value)),
        default=Value(DueState.ON_TIME.value),
        output_field=CharField(),
    )


# ``is_open__in=[True]`` rather than ``is_open=True``: Django 5.2 compiles the latter to a
# bare ``WHERE is_open``, which SQLite will not serve from the (is_open, due_at) index
# (Django ticket #36492); an overdue list in a town took 110-170 ms instead of 7-12 ms.
OPEN = Q(is_open__in=[True])
CLOSED = Q(is_open__in=[False])


# Open states from the most overdue to the least, each a range of due_at.
_OPEN_STATES = (DueState.LONG_OVERDUE, DueState.OVERDUE, DueState.DUE_SOON, DueState.ON_TIME)


def due_states_q(states: Iterable[str], now: dt.datetime | None = None) -> Q:
    """Cases in any of ``states``, as plain ranges the (is_open, due_at) index serves.

    Adjacent states merge into one range ("overdue" and "long overdue" are ``due_at < now``),
    so a list of several states is walked once, not once per state.
    """
    now = now or timezone.now()
    wanted = set(states)
    unknown = wanted - set(DueState.values)
    if unknown:
        raise ValueError(sorted(unknown))
    # Boundaries between the open states, in _OPEN_STATES order; None is unbounded.
    bounds = (None, now - dt.timedelta(days=settings.PINGAN_LONG_OVERDUE_DAYS), now,
              now + dt.timedelta(days=settings.PINGAN_DUE_SOON_DAYS), None)
    q = CLOSED if DueState.CLOSED in wanted else Q(pk__in=[])
    picked = [i for i, state in enumerate(_OPEN_STATES) if state in wanted]
    runs: list[list[int]] = []
    for i in picked:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        low, high = bounds[run[0]], bounds[run[-1] + 1]
        if low is None and high is None:
            q |= OPEN  # every open state: no range at all
            continue
        in_range = Q(due_at__gte=low) if low is not None else Q(due_at__lt=high)
        if low is not None and high is not None:
            in_range &= Q(due_at__lt=high)
        if high is None:
            in_range |= Q(due_at__isnull=True)  # no deadline counts as on time
        q |= OPEN & in_range
    return q


def due_state_q(state: str, now: dt.datetime | None = None) -> Q:
    """One due state as a range filter (see ``due_states_q``)."""
    return due_states_q([state], now)


def due_state_of(*, is_open: bool, due_at: dt.datetime | None, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    if not is_open:
        return DueState.CLOSED
    if due_at is None:
        return DueState.ON_TIME
    if due_at < now - dt.timedelta(days=settings.PINGAN_LONG_OVERDUE_DAYS):
        return DueState.LONG_OVERDUE
    if due_at < now:
        return DueState.OVERDUE
    if due_at < now + dt.timedelta(days=settings.PINGAN_DUE_SOON_DAYS):
        return DueState.DUE_SOON
    return DueState.ON_TIME
