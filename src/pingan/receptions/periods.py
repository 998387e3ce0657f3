"""The periods in which each unit holds one reception day: dekads (旬: the 1st–10th, the
11th–20th, the 21st to the month's end), ISO weeks (Monday to Sunday) or calendar months,
as ``settings.PINGAN_RECEPTION_PERIOD`` says.

A period is computed from a date, never stored: a district that changes the setting sees
its whole history in the new periods.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PeriodKind(models.TextChoices):
    DEKAD = "dekad", _("Dekad (10 days)")
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


DEKAD_PARTS = (_("1st dekad"), _("2nd dekad"), _("3rd dekad"))
# Column headings under the month, where a full name would not fit.
DEKAD_SHORT = (pgettext_lazy("dekad", "1st"), pgettext_lazy("dekad", "2nd"), pgettext_lazy("dekad", "3rd"))
LABEL_DEKAD = _("{part} of {month}")
LABEL_WEEK = _("Week {week}")
LABEL_MONTH = _("{month} {year}")
MSG_UNKNOWN_PERIOD = "PINGAN_RECEPTION_PERIOD is {value!r}; it must be one of: {choices}."
DAY = dt.timedelta(days=1)


def period_kind() -> str:
    """The deployment's reception period; an unknown value stops the platform at start-up
    (the ``receptions.E001`` check) rather than drawing a calendar of nothing."""
    value = settings.PINGAN_RECEPTION_PERIOD
    if value not in PeriodKind.values:
        raise ImproperlyConfigured(MSG_UNKNOWN_PERIOD.format(value=value,
                                                             choices=", ".join(PeriodKind.values)))
    return value


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date  # the last day, inclusive
    kind: str

    @property
    def key(self) -> str:
        """Stable and sortable: ``2026-11-2`` (second dekad), ``2026-W48``, ``2026-11``."""
        if self.kind == PeriodKind.WEEK:
            year, week, _day = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == PeriodKind.DEKAD:
            return f"{self.start:%Y-%m}-{self.part + 1}"
        return f"{self.start:%Y-%m}"

    @property
    def part(self) -> int:
        """A dekad's place in its month: 0, 1 or 2."""
        return min((self.start.day - 1) // 10, 2)

    @property
    def group(self) -> str:
        """The heading over a run of columns: a dekad's or a week's month, a month's year."""
        if self.kind == PeriodKind.MONTH:
            return str(self.start.year)
        # A week belongs to the month of its Thursday, as ISO weeks belong to years.
        anchor = self.start + 3 * DAY if self.kind == PeriodKind.WEEK else self.start
        return str(MONTHS[anchor.month])

    @property
    def short(self) -> str:
        """A column heading under ``group``."""
        if self.kind == PeriodKind.DEKAD:
            return str(DEKAD_SHORT[self.part])
        if self.kind == PeriodKind.WEEK:
            return f"W{self.start.isocalendar()[1]}"
        return str(MONTHS[self.start.month])

    @property
    def label(self) -> str:
        month = MONTHS[self.start.month]
        if self.kind == PeriodKind.DEKAD:
            return str(LABEL_DEKAD).format(part=DEKAD_PARTS[self.part], month=month)
        if self.kind == PeriodKind.WEEK:
            return str(LABEL_WEEK).format(week=self.start.isocalendar()[1])
        return str(LABEL_MONTH).format(month=month, year=self.start.year)

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def days(self) -> list[dt.date]:
        return [self.start + n * DAY for n in range((self.end - self.start).days + 1)]


def period_of(day: dt.date, kind: str | None = None) -> Period:
    kind = kind or period_kind()
    if kind == PeriodKind.DEKAD:
        part = min((day.day - 1) // 10, 2)
        start = day.replace(day=1 + 10 * part)
        return Period(start, start + 9 * DAY if part < 2 else _month_end(day), kind)
    if kind == PeriodKind.WEEK:
        start = day - day.weekday() * DAY
        return Period(start, start + 6 * DAY, kind)
    if kind == PeriodKind.MONTH:
        return Period(day.replace(day=1), _month_end(day), kind)
    raise ValueError(f"unknown period kind {kind!r}")


def periods_between(first: dt.date, last: dt.date, kind: str | None = None) -> list[Period]:
    """Every period that has a day in ``first``–``last``, in order."""
    kind = kind or period_kind()
    periods: list[Period] = []
    period = period_of(first, kind)
    while period.start <= last:
        periods.append(period)
        period = period_of(period.end + DAY, kind)
    return periods


def span_of(year: int, quarter: int | None = None) -> tuple[dt.date, dt.date]:
    """The first and last day of a year, or of one of its quarters (1–4)."""
    if quarter is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if quarter not in (1, 2, 3, 4):
        raise ValueError(f"a quarter is 1 to 4, not {quarter!r}")
    first = dt.date(year, 3 * quarter - 2, 1)
    return first, _month_end(dt.date(year, 3 * quarter, 1))


def quarter_of(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1
