"""Period arithmetic: dekads end on the 10th, the 20th and the month's last day (28, 29, 30
or 31), ISO weeks run Monday to Sunday across months and years, months are months; a span
holds every period with a day in it."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import translation

from pingan.receptions.periods import PeriodKind, period_kind, period_of, periods_between, span_of

D = dt.date


@pytest.mark.parametrize(("day", "start", "end"), [
    (D(2026, 5, 1), D(2026, 5, 1), D(2026, 5, 10)),
    (D(2026, 5, 10), D(2026, 5, 1), D(2026, 5, 10)),
    (D(2026, 5, 11), D(2026, 5, 11), D(2026, 5, 20)),
    (D(2026, 5, 20), D(2026, 5, 11), D(2026, 5, 20)),
    (D(2026, 5, 21), D(2026, 5, 21), D(2026, 5, 31)),  # an 11-day third dekad
    (D(2026, 5, 31), D(2026, 5, 21), D(2026, 5, 31)),
    (D(2026, 2, 21), D(2026, 2, 21), D(2026, 2, 28)),  # 8 days in a common February
    (D(2028, 2, 29), D(2028, 2, 21), D(2028, 2, 29)),  # 9 in a leap year's
    (D(2026, 4, 30), D(2026, 4, 21), D(2026, 4, 30)),  # 10 in a 30-day month
    (D(2026, 12, 31), D(2026, 12, 21), D(2026, 12, 31)),
])
def test_dekad_boundaries(day, start, end):
    period = period_of(day, PeriodKind.DEKAD)
    assert (period.start, period.end) == (start, end)
    one = dt.timedelta(days=1)
    assert day in period and start - one not in period and end + one not in period


def test_dekad_keys_and_labels():
    first, second, third = periods_between(D(2026, 11, 1), D(2026, 11, 30), PeriodKind.DEKAD)
    assert [p.key for p in (first, second, third)] == ["2026-11-1", "2026-11-2", "2026-11-3"]
    with translation.override("en"):
        assert [p.label for p in (first, second, third)] == [
            "1st dekad of November", "2nd dekad of November", "3rd dekad of November"]
        assert (third.group, third.short) == ("November", "3rd")
    with translation.override("zh-hans"):
        assert third.group == "十一月"  # Django's own month names head the calendar's columns


@pytest.mark.parametrize(("day", "start", "end", "key"), [
    (D(2026, 5, 15), D(2026, 5, 11), D(2026, 5, 17), "2026-W20"),  # a Friday
    (D(2026, 5, 11), D(2026, 5, 11), D(2026, 5, 17), "2026-W20"),  # its Monday
    (D(2026, 5, 17), D(2026, 5, 11), D(2026, 5, 17), "2026-W20"),  # its Sunday
    (D(2026, 4, 30), D(2026, 4, 27), D(2026, 5, 3), "2026-W18"),  # across a month
    (D(2027, 1, 1), D(2026, 12, 28), D(2027, 1, 3), "2026-W53"),  # a year of 53 ISO weeks
    (D(2025, 12, 31), D(2025, 12, 29), D(2026, 1, 4), "2026-W01"),  # ISO week 1 starts in December
])
def test_weeks_run_monday_to_sunday(day, start, end, key):
    period = period_of(day, PeriodKind.WEEK)
    assert (period.start, period.end, period.key) == (start, end, key)


@pytest.mark.parametrize(("day", "end"), [
    (D(2026, 1, 15), D(2026, 1, 31)), (D(2026, 2, 1), D(2026, 2, 28)), (D(2028, 2, 10), D(2028, 2, 29)),
    (D(2026, 4, 30), D(2026, 4, 30)), (D(2026, 12, 1), D(2026, 12, 31)),
])
def test_months(day, end):
    period = period_of(day, PeriodKind.MONTH)
    assert (period.start, period.end, period.key) == (day.replace(day=1), end, f"{day:%Y-%m}")


def test_a_year_and_its_quarters():
    year = span_of(2026)
    assert year == (D(2026, 1, 1), D(2026, 12, 31))
    assert len(periods_between(*year, PeriodKind.DEKAD)) == 36
    assert len(periods_between(*year, PeriodKind.MONTH)) == 12
    # 2026 starts on a Thursday: ISO week 1 begins on 29 December 2025, and week 53 runs into 2027.
    weeks = periods_between(*year, PeriodKind.WEEK)
    assert (len(weeks), weeks[0].start, weeks[-1].end) == (53, D(2025, 12, 29), D(2027, 1, 3))
    assert span_of(2026, 1) == (D(2026, 1, 1), D(2026, 3, 31))
    assert span_of(2028, 1)[1] == D(2028, 3, 31)
    assert span_of(2026, 4) == (D(2026, 10, 1), D(2026, 12, 31))
    assert len(periods_between(*span_of(2026, 2), PeriodKind.DEKAD)) == 9
    # Consecutive and gapless: each period starts the day after the last one ended.
    dekads = periods_between(*year, PeriodKind.DEKAD)
    assert all(b.start - a.end == dt.timedelta(days=1) for a, b in zip(dekads, dekads[1:], strict=False))
    with pytest.raises(ValueError):
        span_of(2026, 5)


def test_the_setting_chooses_the_period(settings):
    assert settings.PINGAN_RECEPTION_PERIOD == "dekad"
    assert period_of(D(2026, 5, 15)).key == "2026-05-2"
    settings.PINGAN_RECEPTION_PERIOD = "week"
    assert period_of(D(2026, 5, 15)).key == "2026-W20"
    settings.PINGAN_RECEPTION_PERIOD = "month"
    assert period_of(D(2026, 5, 15)).key == "2026-05"


def test_an_unknown_period_stops_the_platform_at_start(settings):
    settings.PINGAN_RECEPTION_PERIOD = "fortnight"
    with pytest.raises(ImproperlyConfigured, match="fortnight"):
        period_kind()
    with pytest.raises(SystemCheckError, match="receptions.E001"):
        call_command("check")
