"""The petition terms of both profiles on the 2026 holiday schedule.

National Day: 1–7 Oct, make-up working days Sun 20 Sep and Sat 10 Oct (Mid-autumn: 25–27 Sep).
Spring Festival: 15–23 Feb, make-up working days Sat 14 Feb and Sat 28 Feb.
Every expected date below was counted by hand from that schedule; ``why`` says how.
"""

import datetime as dt

import pytest

from pingan.core import errors
from pingan.core.calculator import calculate
from pingan.core.deadlines import DayKind, due_date, explain_due_date
from pingan.core.models import DayType

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat


@pytest.mark.parametrize(
    ("profile", "rule", "start", "expected", "why"),
    [
        # --- national (信访工作条例 2022) ------------------------------------------------
        ("national", "acceptance", "2026-09-20", "2026-10-08",
         "received on the make-up Sunday; day 15 is 5 Oct (National Day), rolls to Thu 8 Oct"),
        ("national", "acceptance", "2026-09-25", "2026-10-10",
         "received on Mid-autumn; day 15 is Sat 10 Oct, a make-up working day: no roll"),
        ("national", "route", "2026-09-16", "2026-10-08", "day 15 is 1 Oct, rolls past the holiday"),
        ("national", "resolution", "2026-08-04", "2026-10-08", "day 60 is 3 Oct, rolls to 8 Oct"),
        ("national", "resolution", "2025-12-20", "2026-02-24",
         "day 60 is 18 Feb inside Spring Festival, rolls to the first day back"),
        ("national", "resolution", "2026-08-11", "2026-10-10", "day 60 is the make-up Saturday"),
        ("national", "suggestion_reply", "2026-08-04", "2026-10-08", "the resolution term by default"),
        ("national", "extension", "2026-07-05", "2026-10-08",
         "60 + 30 = 90 days: day 90 is 3 Oct, rolls to 8 Oct"),
        ("national", "objection", "2026-02-12", "2026-02-26",
         "5 working days: 13 Feb, Sat 14 Feb (make-up), then 24, 25, 26 Feb after the festival"),
        ("national", "review_window", "2026-01-15", "2026-02-14",
         "day 30 is Sat 14 Feb, a make-up working day: the window closes that day"),
        ("national", "review_decision", "2026-01-20", "2026-02-24", "day 30 is 19 Feb, rolls to 24 Feb"),
        ("national", "reexam_window", "2026-09-10", "2026-10-10", "day 30 is the make-up Saturday"),
        ("national", "reexam_decision", "2026-09-03", "2026-10-08", "day 30 is 3 Oct, rolls to 8 Oct"),
        # --- Zhejiang (浙江省信访条例) ----------------------------------------------------
        ("zhejiang", "acceptance", "2026-09-25", "2026-10-09",
         "5 working days: 28, 29, 30 Sep, then 8 and 9 Oct after National Day"),
        ("zhejiang", "acceptance", "2026-09-18", "2026-09-24",
         "Sun 20 Sep is a make-up working day and counts: 20, 21, 22, 23, 24 Sep"),
        ("zhejiang", "acceptance", "2026-02-11", "2026-02-25",
         "12, 13, Sat 14 Feb (make-up), then 24 and 25 Feb"),
        ("zhejiang", "resolution", "2026-09-25", "2026-10-26", "day 30 is Sun 25 Oct, rolls to Monday"),
        ("zhejiang", "resolution", "2026-09-03", "2026-10-08", "day 30 is 3 Oct, rolls to 8 Oct"),
        ("zhejiang", "resolution", "2026-09-10", "2026-10-10", "day 30 is the make-up Saturday"),
        ("zhejiang", "resolution", "2026-01-20", "2026-02-24", "day 30 is 19 Feb in Spring Festival"),
        ("zhejiang", "resolution", "2026-01-29", "2026-02-28",
         "day 30 is Sat 28 Feb, the make-up day after Spring Festival"),
        ("zhejiang", "extension", "2026-07-05", "2026-10-08",
         "30 + 60 = 90 days (the cap): day 90 is 3 Oct, rolls to 8 Oct"),
        ("zhejiang", "extension", "2025-11-20", "2026-02-24", "day 90 is 18 Feb, rolls past the festival"),
        ("zhejiang", "objection", "2026-09-29", "2026-10-12",
         "30 Sep, 8, 9, Sat 10 Oct (make-up) and 12 Oct"),
        ("zhejiang", "review_window", "2026-09-03", "2026-10-08", "the national window: 30 days"),
    ],
)
def test_terms_of_both_profiles(profile, rule, start, expected, why):
    calc = calculate(profile=profile, rule=rule, start=D(start))
    assert calc.due == D(expected), why
    assert calc.explanation.due == calc.due


def test_the_profiles_differ_where_the_statutes_do():
    national = calculate(profile="national", rule="acceptance", start=D("2026-09-25"))
    zhejiang = calculate(profile="zhejiang", rule="acceptance", start=D("2026-09-25"))
    assert (national.days, national.unit) == (15, DayType.CALENDAR)
    assert (zhejiang.days, zhejiang.unit) == (5, DayType.WORKING)
    assert calculate(profile="national", rule="extension", start=D("2026-03-02")).parts == (60, 30)
    assert calculate(profile="zhejiang", rule="extension", start=D("2026-03-02")).parts == (30, 60)
    assert calculate(profile="zhejiang", rule="resolution", start=D("2026-03-02")).sources == (
        "《浙江省信访条例》第二十三条",)


def test_calendar_explanation_lists_the_holidays_counted_and_the_roll():
    calc = calculate(profile="national", rule="acceptance", start=D("2026-09-20"))
    notes = {n.day: n for n in calc.explanation.days}
    assert calc.explanation.count_ends == D("2026-10-05")
    assert calc.explanation.rolled
    # Holidays inside the count are counted (calendar days count every day)…
    assert notes[D("2026-10-01")].kind == DayKind.HOLIDAY
    assert notes[D("2026-10-01")].holiday == "国庆节"
    assert notes[D("2026-10-01")].counted == 11
    assert notes[D("2026-09-26")].counted == 6  # Mid-autumn, a Saturday
    # …and the days after the count's end are passed over until a working day.
    assert [d for d, n in notes.items() if n.rolled] == [D("2026-10-06"), D("2026-10-07")]
    assert notes[D("2026-10-08")].counted is None and not notes[D("2026-10-08")].rolled
    assert D("2026-09-21") not in notes  # an ordinary Monday is not worth a line


def test_a_make_up_day_ends_a_count_without_rolling():
    calc = calculate(profile="national", rule="acceptance", start=D("2026-09-25"))
    last = calc.explanation.days[-1]
    assert (last.day, last.kind, last.counted) == (D("2026-10-10"), DayKind.MAKE_UP, 15)
    assert last.holiday == "国庆节"  # the holiday it makes up for
    assert not calc.explanation.rolled


def test_working_day_explanation_numbers_every_counted_day():
    calc = calculate(profile="zhejiang", rule="acceptance", start=D("2026-02-11"))
    counted = [(n.day, n.counted) for n in calc.explanation.days if n.counted]
    assert counted == [(D("2026-02-12"), 1), (D("2026-02-13"), 2), (D("2026-02-14"), 3),
                       (D("2026-02-24"), 4), (D("2026-02-25"), 5)]
    skipped = [n for n in calc.explanation.days if n.counted is None]
    assert len(skipped) == 9 and all(n.kind == DayKind.HOLIDAY for n in skipped)
    assert calc.explanation.days[2].kind == DayKind.MAKE_UP


def test_a_year_without_a_schedule_is_flagged():
    calc = calculate(profile="zhejiang", rule="resolution", start=D("2027-03-01"))
    assert calc.explanation.provisional_years == (2027,)
    # 30 days end on Wednesday 31 March 2027: no statutory holiday, a working day.
    assert calc.due == D("2027-03-31")
    known = calculate(profile="zhejiang", rule="resolution", start=D("2026-03-01"))
    assert known.explanation.provisional_years == ()
    assert not known.explanation.provisional


def test_a_term_counted_over_new_year_into_an_unconfirmed_year_is_provisional():
    # Received 20 December 2026, accepted the same day: 30 days end on Tuesday 19 January
    # 2027, which only the 2027 schedule can confirm as a working day.
    calc = calculate(profile="zhejiang", rule="resolution", start=D("2026-12-20"))
    assert (calc.due, calc.explanation.provisional_years) == (D("2027-01-19"), (2027,))
    # Five working days from 29 December 2026: 30, 31 Dec, then 1 January 2027 is the
    # statutory New Year's Day (provisional), so 4, 5 and 6 January.
    acceptance = calculate(profile="zhejiang", rule="acceptance", start=D("2026-12-29"))
    assert acceptance.due == D("2027-01-06")
    new_year = next(n for n in acceptance.explanation.days if n.day == D("2027-01-01"))
    assert (new_year.kind, new_year.counted, new_year.provisional) == (DayKind.HOLIDAY, None, True)
    assert not next(n for n in acceptance.explanation.days if n.day == D("2026-12-31")).provisional


@pytest.mark.parametrize("day_type", [DayType.CALENDAR, DayType.WORKING])
@pytest.mark.parametrize("days", [1, 5, 15, 30, 60])
def test_the_explanation_always_agrees_with_the_due_date(day_type, days):
    # Every start day of 2026: the explanation is built from the same steps, never apart.
    start = D("2025-12-25")
    while start < D("2026-12-01"):
        explanation = explain_due_date(start, days, day_type)
        assert explanation.due == due_date(start, days, day_type), start
        if day_type == DayType.WORKING:
            assert max(n.counted or 0 for n in explanation.days) == days
        start += dt.timedelta(days=1)


@pytest.mark.parametrize(("profile", "rule", "field"), [
    ("beijing", "resolution", "profile"),
    ("national", "forever", "rule"),
])
def test_unknown_profile_or_rule_is_refused_by_name(profile, rule, field):
    with pytest.raises(errors.DomainError) as caught:
        calculate(profile=profile, rule=rule, start=D("2026-03-02"))
    assert caught.value.field == field
    assert (profile if field == "profile" else rule) in caught.value.message
