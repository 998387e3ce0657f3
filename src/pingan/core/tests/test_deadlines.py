"""Deadlines on the State Council calendar: holidays, make-up working days, extensions,
and the boundaries of each due state."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from pingan.core import errors
from pingan.core.deadlines import (
    DeadlineTerms,
    add_working_days,
    due_date,
    due_state_expression,
    due_state_of,
    due_state_q,
    is_working_day,
    resolve_terms,
)
from pingan.core.models import Case, DayType, DeadlinePolicy, DueState
from pingan.hazards.services import hazard_extend, hazard_terms

# The working-day calendar reads the holiday schedule from the database.
pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date.fromisoformat


@pytest.mark.parametrize(
    ("start", "days", "day_type", "expected", "why"),
    [
        ("2026-09-28", 7, DayType.CALENDAR, "2026-10-08",
         "lands on National Day (5 Oct), rolls past the holiday to Thursday 8 Oct"),
        ("2026-10-03", 7, DayType.CALENDAR, "2026-10-10",
         "lands on Saturday 10 Oct, a make-up working day: no roll"),
        ("2026-10-31", 7, DayType.CALENDAR, "2026-11-09",
         "lands on an ordinary Saturday, rolls to Monday"),
        ("2026-02-10", 7, DayType.CALENDAR, "2026-02-24",
         "lands inside Spring Festival (17 Feb), rolls to the first day back"),
        ("2026-11-02", 7, DayType.CALENDAR, "2026-11-09", "a plain Monday: no roll"),
        ("2026-09-29", 5, DayType.WORKING, "2026-10-12",
         "30 Sep, 8, 9, 10 (make-up Saturday) and 12 Oct are the five working days"),
        ("2026-09-18", 2, DayType.WORKING, "2026-09-21",
         "Sunday 20 Sep is a make-up working day: 20 and 21 Sep count"),
        ("2026-02-13", 1, DayType.WORKING, "2026-02-14",
         "Saturday 14 Feb is a make-up working day before Spring Festival"),
        ("2026-02-14", 1, DayType.WORKING, "2026-02-24", "nine days of Spring Festival skipped"),
    ],
)
def test_due_date(start, days, day_type, expected, why):
    assert due_date(D(start), days, day_type) == D(expected), why


def test_years_the_package_does_not_know_count_on_the_statutory_holidays():
    # 2030 has no confirmed schedule: Friday works, Saturday rests, and Tuesday 1 January is
    # the statutory New Year's Day, with no make-up day around it.
    assert is_working_day(D("2030-01-04"))
    assert not is_working_day(D("2030-01-05"))
    assert add_working_days(D("2030-01-04"), 1) == D("2030-01-07")
    assert not is_working_day(D("2030-01-01"))
    assert add_working_days(D("2029-12-31"), 1) == D("2030-01-02")


def test_due_at_is_the_end_of_the_local_due_day():
    terms = DeadlineTerms(duration=7)
    opened = dt.datetime(2026, 9, 28, 23, 30, tzinfo=SHANGHAI)  # 15:30 UTC, same local day
    assert terms.due_at(opened) == dt.datetime(2026, 10, 8, 23, 59, 59, tzinfo=SHANGHAI)


def test_district_policy_overrides_the_settings_default(db):
    fallback = hazard_terms(category="road", severity="ordinary", immediate=False)
    assert (fallback.duration, fallback.source) == (15, "settings")
    DeadlinePolicy.objects.create(case_kind="hazard", category="", severity="", duration=20)
    DeadlinePolicy.objects.create(case_kind="hazard", category="road", severity="", duration=10,
                                  day_type=DayType.WORKING)
    DeadlinePolicy.objects.create(case_kind="hazard", category="road", severity="major",
                                  duration=45)
    road = resolve_terms(kind="hazard", category="road", severity="ordinary", fallback=fallback)
    assert (road.duration, road.day_type) == (10, DayType.WORKING)
    assert resolve_terms(kind="hazard", category="road", severity="major",
                         fallback=fallback).duration == 45
    assert resolve_terms(kind="hazard", category="gas", severity="ordinary",
                         fallback=fallback).duration == 20
    # Fix-at-once items are due in a day whatever the policy says.
    assert hazard_terms(category="road", severity="ordinary", immediate=True).duration == 1


@time_machine.travel(dt.datetime(2026, 9, 28, 10, 0, tzinfo=SHANGHAI), tick=False)
def test_hazard_reported_before_national_day_is_due_after_it(make_hazard):
    hazard = make_hazard(category="fire")  # 7 calendar days
    assert hazard.due_at.astimezone(SHANGHAI).date() == D("2026-10-08")


@time_machine.travel(dt.datetime(2026, 9, 28, 10, 0, tzinfo=SHANGHAI), tick=False)
def test_extension_once_with_reason(make_hazard, personas):
    hazard = make_hazard(category="fire")
    town = personas.town_handler
    with pytest.raises(errors.DomainError) as no_reason:
        hazard_extend(hazard=hazard, actor=town, expected_version=hazard.version, reason="  ")
    assert no_reason.value.message == str(errors.MSG_REASON_REQUIRED)
    with pytest.raises(errors.PermissionDenied):
        # A grid worker cannot grant themselves more time.
        hazard_extend(hazard=hazard, actor=personas.grid_worker,
                      expected_version=hazard.version, reason="材料未到")
    hazard_extend(hazard=hazard, actor=town, expected_version=hazard.version,
                  reason="消防设施需厂家上门更换")
    # 15 more calendar days from 8 Oct: 23 Oct, a Friday.
    assert hazard.due_at.astimezone(SHANGHAI).date() == D("2026-10-23")
    stored = Case.objects.get(pk=hazard.pk)
    assert stored.extension_reason == "消防设施需厂家上门更换"
    assert stored.events.filter(type="extended").count() == 1
    with pytest.raises(errors.DomainError) as twice:
        hazard_extend(hazard=hazard, actor=town, expected_version=hazard.version, reason="再延")
    assert twice.value.message == str(errors.MSG_EXTENSION_USED)
    assert Case.objects.get(pk=hazard.pk).due_at == stored.due_at


def test_policy_without_extension_refuses_it(make_hazard, personas):
    DeadlinePolicy.objects.create(case_kind="hazard", category="ebike_charging", duration=3,
                                  extension_allowed=False)
    hazard = make_hazard()
    before = hazard.due_at
    with pytest.raises(errors.DomainError) as refused:
        hazard_extend(hazard=hazard, actor=personas.town_handler,
                      expected_version=hazard.version, reason="需要更多时间")
    assert refused.value.message == str(errors.MSG_EXTENSION_NOT_ALLOWED)
    assert Case.objects.get(pk=hazard.pk).due_at == before


DUE = dt.datetime(2026, 10, 8, 23, 59, 59, tzinfo=SHANGHAI)
SECOND = dt.timedelta(seconds=1)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (DUE - dt.timedelta(days=2) - SECOND, DueState.ON_TIME),
        (DUE - dt.timedelta(days=2), DueState.ON_TIME),
        (DUE - dt.timedelta(days=2) + SECOND, DueState.DUE_SOON),
        (DUE, DueState.DUE_SOON),
        (DUE + SECOND, DueState.OVERDUE),
        (DUE + dt.timedelta(days=15), DueState.OVERDUE),
        (DUE + dt.timedelta(days=15) + SECOND, DueState.LONG_OVERDUE),
    ],
)
def test_due_state_boundaries_agree_in_python_and_in_the_database(make_hazard, now, expected):
    hazard = make_hazard()
    Case.objects.filter(pk=hazard.pk).update(due_at=DUE)
    with time_machine.travel(now, tick=False):
        assert due_state_of(is_open=True, due_at=DUE) == expected
        annotated = Case.objects.annotate(state=due_state_expression()).get(pk=hazard.pk)
        assert annotated.state == expected
        assert Case.objects.filter(due_state_q(expected), pk=hazard.pk).exists()
        others = [s for s in DueState if s != expected]
        assert not any(Case.objects.filter(due_state_q(s), pk=hazard.pk).exists() for s in others)


def test_closed_cases_have_no_due_state_but_closed(make_hazard):
    hazard = make_hazard()
    Case.objects.filter(pk=hazard.pk).update(is_open=False, due_at=DUE)
    annotated = Case.objects.annotate(state=due_state_expression(DUE + dt.timedelta(days=90)))
    assert annotated.get(pk=hazard.pk).state == DueState.CLOSED


@pytest.mark.parametrize("states", [
    ["overdue", "long_overdue"], ["due_soon", "on_time"], ["long_overdue", "due_soon"],
    ["closed", "overdue"], ["on_time", "due_soon", "overdue", "long_overdue", "closed"], [],
])
def test_several_due_states_select_exactly_their_cases(make_hazard, states):
    from pingan.core.deadlines import due_states_q

    now = DUE + dt.timedelta(days=1)
    offsets = {"long_overdue": -20, "overdue": -1, "due_soon": 1, "on_time": 9}
    by_state = {}
    for state, days in offsets.items():
        hazard = make_hazard(photos=[])
        Case.objects.filter(pk=hazard.pk).update(due_at=now + dt.timedelta(days=days))
        by_state[state] = hazard.pk
    closed = make_hazard(photos=[])
    Case.objects.filter(pk=closed.pk).update(is_open=False)
    by_state["closed"] = closed.pk
    undated = make_hazard(photos=[])
    Case.objects.filter(pk=undated.pk).update(due_at=None)
    expected = {by_state[s] for s in states} | ({undated.pk} if "on_time" in states else set())
    found = set(Case.objects.filter(due_states_q(states, now)).values_list("pk", flat=True))
    assert found == expected
    with pytest.raises(ValueError):
        due_states_q(["someday"], now)
