"""Deadlines: working days on the Chinese State Council schedule, due dates, due states.

Working days come from the ``chinesecalendar`` library, which tracks each year's official
holiday notice including make-up working days (调休). For a year the library does not know
yet, weekends are the only rest days and the ``pingan.W001`` system check says so.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass

import chinese_calendar
from django.conf import settings
from django.db.models import Case as When_
from django.db.models import CharField, Q, TextChoices, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core.models import DayType, DeadlinePolicy, DueState


def calendar_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@functools.lru_cache(maxsize=4096)
def is_working_day(day: dt.date) -> bool:
    # Cached: a bulk import computes a hundred thousand deadlines over a few hundred days.
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def next_working_day_on_or_after(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def add_working_days(start: dt.date, count: int) -> dt.date:
    """The ``count``-th working day after ``start`` (the start day itself is not counted)."""
    day = start
    remaining = count
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def due_date(start: dt.date, duration: int, day_type: str) -> dt.date:
    """The last day allowed.

    Calendar days: ``start + duration``, rolled forward to the next working day when that
    day is a rest day or holiday (Civil Code arts. 201, 203, by analogy); a make-up
    working day is a working day and does not roll. Working days: the ``duration``-th
    working day after ``start``.
    """
    if day_type == DayType.WORKING:
        return add_working_days(start, duration)
    return next_working_day_on_or_after(start + dt.timedelta(days=duration))


class DayKind(TextChoices):
    WORKING = "working", _("Working day")
    MAKE_UP = "make_up", _("Make-up working day")
    REST = "rest", _("Rest day")
    HOLIDAY = "holiday", _("Public holiday")


# The library names holidays in English; these are their names for people.
HOLIDAY_NAMES = {
    "New Year's Day": _("New Year's Day"),
    "Spring Festival": _("Spring Festival"),
    "Tomb-sweeping Day": _("Tomb-sweeping Day"),
    "Labour Day": _("Labour Day"),
    "Dragon Boat Festival": _("Dragon Boat Festival"),
    "National Day": _("National Day"),
    "Mid-autumn Festival": _("Mid-autumn Festival"),
    "Anti-Fascist 70th Day": _("Anti-Fascist 70th Day"),
}


def day_kind(day: dt.date) -> tuple[str, str]:
    """What a day is on the schedule, and the holiday it belongs to ("" if none): a make-up
    working day names the holiday it makes up for."""
    try:
        resting, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        resting, name = day.weekday() >= 5, None
    holiday = str(HOLIDAY_NAMES.get(name, name)) if name else ""
    if resting:
        return (DayKind.HOLIDAY if name else DayKind.REST), holiday
    return (DayKind.MAKE_UP if day.weekday() >= 5 else DayKind.WORKING), holiday


@dataclass(frozen=True)
class DayNote:
    day: dt.date
    kind: str
    holiday: str
    # The day's number in the count (day 3 of 30), or None when the count skipped it.
    counted: int | None
    # Passed over while rolling a calendar-day deadline off a rest day or holiday.
    rolled: bool = False

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
    # of the roll. Working days: every day after the start up to the due date.
    days: tuple[DayNote, ...]
    # Years the holiday library has no schedule for: weekends were the only rest days.
    estimated_years: tuple[int, ...]

    @property
    def rolled(self) -> bool:
        return self.due != self.count_ends


def explain_due_date(start: dt.date, duration: int, day_type: str) -> DueDateExplanation:
    """``due_date`` with its working shown: the same answer, built from the same steps."""
    if day_type == DayType.WORKING:
        count_ends = due = add_working_days(start, duration)
    else:
        count_ends = start + dt.timedelta(days=duration)
        due = next_working_day_on_or_after(count_ends)
    notes: list[DayNote] = []
    working_count = 0
    day = start
    while day < due:
        day += dt.timedelta(days=1)
        kind, holiday = day_kind(day)
        works = is_working_day(day)
        if day_type == DayType.WORKING:
            working_count += works
            notes.append(DayNote(day, kind, holiday, working_count if works else None))
        elif day > count_ends:
            # Rest days passed over, and the working day the roll stopped on.
            notes.append(DayNote(day, kind, holiday, None, rolled=day < due))
        elif kind != DayKind.WORKING:
            notes.append(DayNote(day, kind, holiday, (day - start).days))
    years = range(start.year, due.year + 1)
    return DueDateExplanation(
        start=start, duration=duration, day_type=day_type, count_ends=count_ends, due=due,
        days=tuple(notes), estimated_years=tuple(y for y in years if not calendar_covers(y)),
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

    def due_at(self, start: dt.datetime) -> dt.datetime:
        return end_of_day(due_date(local_date(start), self.duration, self.day_type))

    def extended_due_at(self, due_at: dt.datetime, duration: int) -> dt.datetime:
        return end_of_day(due_date(local_date(due_at), duration, self.day_type))


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
