"""The State Council holiday schedule as data: the days off and the weekend days worked
(调休) of each year, and whether a year's schedule is confirmed.

A confirmed year counts on its stored days: seeded from the ``chinesecalendar`` package for
the years it covers, imported from the State Council's notice (``core.holiday_import``) or
entered by the district admin. Any other year counts on the statutory holidays of
全国年节及纪念日放假办法 (as amended in 2024, in force 2025), provisionally and without
make-up days; every due date counted over such a year says so.

The working-day calendar reads the schedule from memory: loaded once, dropped when this
process changes it, and checked against the database every
``PINGAN_HOLIDAY_RECHECK_SECONDS`` for changes made by another process.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps as global_apps
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Count, Max
from lunar_python import Lunar

from pingan.core.models import Festival, HolidayKind, HolidaySource

# The package names its holidays in English.
PACKAGE_FESTIVALS = {
    "New Year's Day": Festival.NEW_YEAR,
    "Spring Festival": Festival.SPRING_FESTIVAL,
    "Tomb-sweeping Day": Festival.QINGMING,
    "Labour Day": Festival.LABOUR_DAY,
    "Dragon Boat Festival": Festival.DRAGON_BOAT,
    "Mid-autumn Festival": Festival.MID_AUTUMN,
    "National Day": Festival.NATIONAL_DAY,
    "Anti-Fascist 70th Day": Festival.ANTI_FASCIST_70TH,
}


@dataclass(frozen=True)
class ScheduledDay:
    day: dt.date
    kind: str  # HolidayKind
    festival: str  # Festival
    source: str  # HolidaySource

    @property
    def provisional(self) -> bool:
        return self.source == HolidaySource.PROVISIONAL

    @property
    def festival_label(self) -> str:
        return str(Festival(self.festival).label)


def _lunar_day(year: int, month: int, day: int) -> dt.date:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def qingming(year: int) -> dt.date:
    """The day of the solar term 清明 (4 or 5 April, China Standard Time)."""
    solar = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


@functools.lru_cache(maxsize=64)
def statutory_days(year: int) -> Mapping[dt.date, ScheduledDay]:
    """The days off of the national rules for ``year`` (2024 amendment), no make-up days:
    New Year 1 day, Spring Festival 4 (New Year's Eve, the last day of the 12th lunar month,
    to the 3rd of the 1st), Qingming 1 (the solar term), Labour Day 2, Dragon Boat 1 (5th of
    the 5th lunar month), Mid-Autumn 1 (15th of the 8th), National Day 3."""
    spring = _lunar_day(year, 1, 1)
    days = {
        Festival.NEW_YEAR: [dt.date(year, 1, 1)],
        Festival.SPRING_FESTIVAL: [spring + dt.timedelta(days=n) for n in range(-1, 3)],
        Festival.QINGMING: [qingming(year)],
        Festival.LABOUR_DAY: [dt.date(year, 5, 1), dt.date(year, 5, 2)],
        Festival.DRAGON_BOAT: [_lunar_day(year, 5, 5)],
        Festival.MID_AUTUMN: [_lunar_day(year, 8, 15)],
        Festival.NATIONAL_DAY: [dt.date(year, 10, n) for n in (1, 2, 3)],
    }
    return {
        day: ScheduledDay(day, HolidayKind.DAY_OFF, festival, HolidaySource.PROVISIONAL)
        for festival, festival_days in days.items() for day in festival_days
    }


@dataclass(frozen=True)
class Schedule:
    """The confirmed years and their stored days."""

    confirmed: frozenset[int] = frozenset()
    days: Mapping[dt.date, ScheduledDay] = field(default_factory=dict)
    # Answers already given: a bulk import asks about the same few hundred days 10⁵ times.
    _working: dict[dt.date, bool] = field(default_factory=dict, compare=False, repr=False)

    def is_confirmed(self, year: int) -> bool:
        return year in self.confirmed

    def entry(self, day: dt.date) -> ScheduledDay | None:
        """What the schedule says of ``day``: a day off, a make-up working day, or None for
        an ordinary day (working Monday to Friday, resting on the weekend)."""
        if day.year in self.confirmed:
            return self.days.get(day)
        return statutory_days(day.year).get(day)

    def is_working_day(self, day: dt.date) -> bool:
        working = self._working.get(day)
        if working is None:
            entry = self.entry(day)
            working = day.weekday() < 5 if entry is None else entry.kind == HolidayKind.MAKE_UP
            self._working[day] = working
        return working


@dataclass
class _Loaded:
    schedule: Schedule
    revision: tuple[Any, ...]
    # When to look at the database's revision again.
    recheck: float


_lock = threading.Lock()
_loaded: _Loaded | None = None


def _revision() -> tuple[Any, ...]:
    # Days are written only with their year (the admin edits them inline, the import
    # saves the year), so the years' count and last change say whether anything changed.
    HolidayYear = global_apps.get_model("core", "HolidayYear")
    stamp = HolidayYear.objects.aggregate(count=Count("id"), last=Max("updated_at"))
    return stamp["count"], stamp["last"]


def _load() -> Schedule:
    HolidayYear = global_apps.get_model("core", "HolidayYear")
    HolidayDay = global_apps.get_model("core", "HolidayDay")
    confirmed = frozenset(HolidayYear.objects.filter(confirmed=True).values_list("year", flat=True))
    days = {
        day: ScheduledDay(day, kind, festival, source)
        for day, kind, festival, source in HolidayDay.objects.filter(
            year__year__in=confirmed).values_list("day", "kind", "festival", "source")
    }
    return Schedule(confirmed=confirmed, days=days)


def schedule() -> Schedule:
    """The schedule in force: from memory, reloaded when it changed."""
    global _loaded
    loaded = _loaded
    now = time.monotonic()
    if loaded is not None and now < loaded.recheck:
        return loaded.schedule
    with _lock:
        recheck = now + settings.PINGAN_HOLIDAY_RECHECK_SECONDS
        try:
            revision = _revision()
            if _loaded is not None and _loaded.revision == revision:
                _loaded.recheck = recheck
                return _loaded.schedule
            _loaded = _Loaded(_load(), revision, recheck)
        except DatabaseError:
            # Not migrated yet: every year is provisional until the table exists.
            return Schedule()
        return _loaded.schedule


def forget_schedule() -> None:
    """Drop the schedule from memory: the next question reads it again."""
    global _loaded
    with _lock:
        _loaded = None


def schedule_changed() -> None:
    """This process changed the schedule: read it again now (inside the writing transaction,
    which sees its own rows) and once more after the commit or rollback."""
    forget_schedule()
    transaction.on_commit(forget_schedule)


# ---------------------------------------------------------------------------
# Seeding from the package
# ---------------------------------------------------------------------------


def package_days() -> dict[int, list[tuple[dt.date, str, str]]]:
    """The package's schedule, per year: (day, kind, festival)."""
    from chinese_calendar import constants

    years: dict[int, list[tuple[dt.date, str, str]]] = {}
    for table, kind in ((constants.holidays, HolidayKind.DAY_OFF), (constants.workdays, HolidayKind.MAKE_UP)):
        for day, name in table.items():
            years.setdefault(day.year, []).append((day, kind, PACKAGE_FESTIVALS[str(name)]))
    return years


def seed_from_package(*, models_from: Any = global_apps, using: str = "default") -> list[int]:
    """Confirm from the package every year it covers that the table has no days for; a
    year with days (imported, or edited by the admin) is never changed. Returns the years
    seeded."""
    HolidayYear = models_from.get_model("core", "HolidayYear")
    HolidayDay = models_from.get_model("core", "HolidayDay")
    seeded = []
    with transaction.atomic(using=using):
        filled = set(HolidayDay.objects.using(using).values_list("year__year", flat=True).distinct())
        for year, days in sorted(package_days().items()):
            if year in filled:
                continue
            row, _created = HolidayYear.objects.using(using).update_or_create(
                year=year, defaults={"confirmed": True, "source": HolidaySource.PACKAGE,
                                     "basis": "chinesecalendar"})
            HolidayDay.objects.using(using).bulk_create([
                HolidayDay(year=row, day=day, kind=kind, festival=festival, source=HolidaySource.PACKAGE)
                for day, kind, festival in sorted(days)
            ])
            seeded.append(year)
    if seeded:
        forget_schedule()
    return seeded


def seed_on_migrate(sender: Any, *, apps: Any = global_apps, using: str = "default", **kwargs: Any) -> None:
    try:
        apps.get_model("core", "HolidayDay")
    except LookupError:  # migrated only part of the way: the tables are not there yet
        return
    seed_from_package(models_from=apps, using=using)
