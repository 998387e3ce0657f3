"""The statutory clock of suggestions and proposals, at its edges, on hand-checked dates.

The holiday schedules (State Council notices, as the chinesecalendar package has them):
- 2022: National Day 1–7 Oct, make-up working days Sat 8 and Sun 9 Oct; Spring Festival
  31 Jan–6 Feb.
- 2024: Spring Festival 10–17 Feb (2024 is a leap year: 29 Feb is a Thursday).
- 2026: Qingming 4–6 Apr; Labour Day 1–5 May, make-up Sat 9 May; Spring Festival 15–23 Feb,
  make-up Sat 14 and Sat 28 Feb; Mid-autumn 25–27 Sep, make-up Sun 20 Sep; National Day
  1–7 Oct, make-up Sat 10 Oct.
- 2027 and 2028: not published, not in the package: the statutory holidays stand in and
  every date counted over them is provisional.
A month term ends on the same date of its last month, or that month's last day when it has
none; a last day off rolls to the next working day; a make-up working day works.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from pingan.conftest import DISTRICT_TZ
from pingan.core.calculator import calculate
from pingan.core.deadlines import DayKind, end_of_day, local_date
from pingan.core.holiday_import import holidays_import
from pingan.core.models import Case
from pingan.core.tests.test_holidays import NOTICE_2027, notice_csv
from pingan.suggestions import services, terms
from pingan.suggestions.models import CoHandling, Return, Satisfaction, Status
from pingan.suggestions.terms import Term
from pingan.suggestions.tests.conftest import PDF, message, noon, refusal, step
from pingan.suggestions.workflow import MSG_RETURN_WINDOW_CLOSED, MSG_RETURNED_BEFORE

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat


@pytest.mark.parametrize(("term", "start", "due", "why"), [
    (Term.REPLY, "2026-03-31", "2026-06-30", "June has no 31st: its last day, a Tuesday"),
    (Term.REPLY, "2021-11-30", "2022-02-28", "February has no 30th: 28 Feb 2022, a Monday"),
    (Term.REPLY, "2023-11-30", "2024-02-29", "in a leap year February's last day is the 29th (a Thursday)"),
    (Term.REPLY, "2026-07-01", "2026-10-08", "1 Oct is National Day: the first working day after, Thu 8 Oct"),
    (Term.REPLY, "2026-07-10", "2026-10-10", "Sat 10 Oct is a make-up working day: no roll"),
    (Term.REPLY, "2022-07-04", "2022-10-08", "4 Oct 2022 is National Day: rolled to make-up Sat 8 Oct"),
    (Term.REPLY, "2026-01-12", "2026-04-13", "12 Apr is a plain Sunday: Monday"),
    (Term.REPLY, "2025-11-30", "2026-02-28", "28 Feb 2026 is a make-up Saturday: no roll"),
    (Term.REPLY, "2022-04-26", "2022-07-26", "the session's opening day: a plain Tuesday"),
    (Term.REPLY_EXTENDED, "2025-11-30", "2026-06-01", "30 May is a Saturday, 31 a Sunday: Mon 1 June"),
    (Term.CO_OPINION, "2026-03-31", "2026-06-01", "31 May is a Sunday: Mon 1 June"),
    (Term.CO_OPINION, "2026-07-31", "2026-09-30", "September has no 31st: Wed 30 Sep"),
    (Term.RETURN, "2026-03-31", "2026-04-10", "10 calendar days, Qingming among them: Fri 10 Apr"),
    (Term.RETURN, "2026-09-21", "2026-10-08", "day 10 is 1 Oct, National Day: Thu 8 Oct"),
    (Term.REHANDLE, "2026-01-31", "2026-02-28", "February's last day, a make-up Saturday: no roll"),
    (Term.REHANDLE, "2026-09-01", "2026-10-08", "1 Oct is National Day: Thu 8 Oct"),
    (Term.REHANDLE, "2022-08-31", "2022-09-30", "September has no 31st: Fri 30 Sep 2022"),
])
def test_each_term_on_a_hand_checked_date(term, start, due, why):
    deadline = terms.count(term, D(start))
    assert deadline.due == D(due), why
    assert deadline.provisional_years == (), why


@pytest.mark.parametrize(("term", "start", "due", "years", "why"), [
    (Term.REPLY, "2026-11-30", "2027-03-01", (2027,), "28 Feb 2027 is a Sunday: Monday"),
    (Term.REPLY, "2027-11-30", "2028-02-29", (2028,), "2028 is a leap year; 29 Feb a Tuesday"),
    (Term.REPLY, "2026-10-13", "2027-01-13", (2027,), "a plain Wednesday, but its kind is 2027's guess"),
    (Term.REPLY_EXTENDED, "2026-07-01", "2027-01-04", (2027,),
     "1 Jan 2027 is New Year's Day, then a weekend: Monday 4 Jan"),
    (Term.CO_OPINION, "2026-12-31", "2027-03-01", (2027,), "February's last day, a Sunday: Monday"),
])
def test_a_date_in_a_year_with_no_schedule_is_provisional(term, start, due, years, why):
    deadline = terms.count(term, D(start))
    assert (deadline.due, deadline.provisional_years) == (D(due), years), why
    assert deadline.case_fields()["due_provisional"] is True
    assert deadline.case_fields()["due_basis"] == {"start": start, "days": terms.term(term)[0],
                                                   "day_type": terms.term(term)[1]}


def test_the_terms_are_the_settings(settings):
    settings.PINGAN_SUGGESTION_TERMS = {**settings.PINGAN_SUGGESTION_TERMS, "deputy_reply": (2, "months"),
                                        "deputy_return": (5, "calendar")}
    assert terms.due(Term.REPLY, D("2026-03-31")) == D("2026-06-01")  # 31 May is a Sunday
    assert terms.due(Term.RETURN, D("2026-03-31")) == D("2026-04-07")  # 5 Apr is Qingming, 6 too


def test_a_month_term_lists_the_day_off_it_ends_on_and_each_day_of_the_roll():
    explanation = terms.explain(Term.REPLY, D("2026-07-01"))
    assert (explanation.count_ends, explanation.due) == (D("2026-10-01"), D("2026-10-08"))
    assert explanation.rolled
    days = [(n.day.isoformat(), n.kind, n.holiday, n.counted, n.rolled) for n in explanation.days]
    assert days == [
        *((f"2026-10-0{d}", DayKind.HOLIDAY, "国庆节", None, True) for d in range(1, 8)),
        ("2026-10-08", DayKind.WORKING, "", None, False),
    ]


def test_a_month_term_ending_on_a_make_up_day_is_not_rolled():
    explanation = terms.explain(Term.REPLY, D("2026-07-10"))
    assert (explanation.count_ends, explanation.due) == (D("2026-10-10"), D("2026-10-10"))
    assert not explanation.rolled
    assert [(n.day, n.kind, n.rolled) for n in explanation.days] == [
        (D("2026-10-10"), DayKind.MAKE_UP, False)]
    assert calculate(rule=Term.REPLY, start=D("2026-07-10")).days_explained[0][1] == "截止日"


def test_a_month_term_ending_on_a_working_day_lists_no_day():
    # A month term counts no single day: the holidays on the way (Labour Day) change nothing.
    assert terms.explain(Term.REPLY, D("2026-03-31")).days == ()


def test_the_calculator_prints_the_reply_due_from_1_july_2026_whatever_the_profile():
    outputs = []
    for profile in ((), ("--profile", "national"), ("--profile", "zhejiang")):
        out = StringIO()
        call_command("deadline", "--rule", "deputy_reply", "--start", "2026-07-01", *profile, stdout=out)
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1] == outputs[2]
    lines = outputs[0].splitlines()
    assert lines[:6] == [
        "建议提案 · 答复建议提案",
        "起算日：2026-07-01 星期三（交办之日，当日不计入）",
        "期限：3 个月",
        "期满日：2026-10-01 星期四",
        "顺延：期满日为休息日或节假日，顺延至下一个工作日",
        "截止日期：2026-10-08 星期四",
    ]
    assert lines[6].startswith("依据：《中华人民共和国全国人民代表大会和地方各级人民代表大会代表法》"
                               "第五十一条")
    assert lines[7:] == [
        "  2026-10-01 星期四  法定节假日 (国庆节)  计数止于此日，适逢休息日或节假日",
        *(f"  2026-10-0{d} 星期{weekday}  法定节假日 (国庆节)  顺延跳过"
          for d, weekday in zip(range(2, 8), "五六日一二三", strict=True)),
        "  2026-10-08 星期四  工作日  截止日",
    ]


def test_every_term_is_a_calculator_rule_the_profile_does_not_touch():
    for term in Term.values:
        national = calculate(rule=term, start=D("2026-07-01"), profile="national")
        zhejiang = calculate(rule=term, start=D("2026-07-01"), profile="zhejiang")
        assert national == zhejiang and national.profile == "" and national.group_label == "建议提案"
        assert national.due == terms.due(term, D("2026-07-01"))
    # The petitions' own rule keeps its name and its days.
    suggestion_reply = calculate(rule="suggestion_reply", start=D("2026-03-02"), profile="national")
    assert (suggestion_reply.group_label, suggestion_reply.profile, suggestion_reply.unit) == (
        "信访", "national", "calendar")


# --- Through the services: the clock of an item ------------------------------------------


def test_a_reply_due_on_national_day_moves_past_the_holiday(assigned):
    suggestion = assigned(D("2026-07-01"))
    assert suggestion.reply_due == D("2026-10-08")
    assert Case.objects.get(pk=suggestion.pk).due_at == end_of_day(D("2026-10-08"))


def test_a_reply_due_on_a_make_up_saturday_stays(assigned):
    assert assigned(D("2025-11-30")).reply_due == D("2026-02-28")


def test_the_extension_counts_6_months_from_the_same_assignment(assigned, lead_handler, office):
    suggestion = assigned(D("2025-11-30"))  # reply due Sat 28 Feb 2026 (a make-up day)
    step(suggestion, "request_extension", lead_handler, D("2026-02-10"), note="涉及多部门协调")
    step(suggestion, "approve_extension", office, D("2026-02-12"), note="同意延期")
    suggestion.refresh_from_db()
    # Not 3 more months from the old due date (28 May): 6 from 30 Nov 2025 is Sat 30 May,
    # then Sunday: Monday 1 June.
    assert suggestion.reply_due == D("2026-06-01") and suggestion.extended_at is not None
    assert suggestion.due_at == end_of_day(D("2026-06-01"))


def _return(suggestion, actor, day):
    return step(suggestion, "return", actor, day, note="不属于本单位职责")


def _travel(day: dt.date):
    """Today is ``day`` (the return window reads today, not the step's date)."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(10), tzinfo=DISTRICT_TZ), tick=False)


@pytest.mark.parametrize(("assigned_on", "last_day"), [
    ("2026-03-31", "2026-04-10"),  # 10 calendar days: Friday
    ("2026-09-21", "2026-10-08"),  # day 10 is National Day: the window rolls to Thu 8 Oct
])
def test_the_return_window_is_open_to_its_last_day_and_closed_the_day_after(
        assigned, lead_handler, assigned_on, last_day):
    closes = D(last_day)
    late = assigned(D(assigned_on))
    assert late.return_due == closes
    day_after = closes + dt.timedelta(days=1)
    with _travel(day_after):
        refused = refusal(_return, late, lead_handler, day_after)
    assert refused.message == message(MSG_RETURN_WINDOW_CLOSED, date=last_day, days=10)
    late.refresh_from_db()
    assert late.status == Status.ASSIGNED and not Return.objects.filter(suggestion=late).exists()

    in_time = assigned(D(assigned_on))
    with _travel(closes):
        _return(in_time, lead_handler, closes)
    in_time.refresh_from_db()
    assert in_time.status == Status.RETURNED and in_time.due_at is None
    assert Return.objects.get(suggestion=in_time).reason == "不属于本单位职责"


def test_a_unit_returns_an_item_once_another_unit_may_return_it(assigned, office, lead_handler, co_handler,
                                                                 traffic, housing):
    suggestion = assigned(D("2026-03-31"))

    def reassign(lead, day):
        suggestion.refresh_from_db()
        services.suggestion_assign(suggestion=suggestion, actor=office, lead=lead,
                                   expected_version=suggestion.version, at=noon(day))

    with _travel(D("2026-04-09")):
        _return(suggestion, lead_handler, D("2026-04-01"))
        reassign(housing, D("2026-04-02"))
        _return(suggestion, co_handler, D("2026-04-03"))  # 住建局 returns it too: its first return
        reassign(traffic, D("2026-04-07"))
        refused = refusal(_return, suggestion, lead_handler, D("2026-04-08"))
    assert refused.message == message(MSG_RETURNED_BEFORE, unit="交警大队")
    suggestion.refresh_from_db()
    assert suggestion.status == Status.ASSIGNED and suggestion.assignments == 3
    assert list(Return.objects.filter(suggestion=suggestion).values_list("unit__name", flat=True)) == [
        "交警大队", "住建局"]


def test_re_assignment_restarts_every_term(assigned, office, lead_handler, traffic, housing):
    suggestion = assigned(D("2026-03-31"))
    with _travel(D("2026-04-03")):
        _return(suggestion, lead_handler, D("2026-04-03"))
    suggestion.refresh_from_db()
    services.suggestion_assign(suggestion=suggestion, actor=office, lead=housing, co_handlers=[traffic],
                               expected_version=suggestion.version, at=noon(D("2026-04-07")))
    suggestion.refresh_from_db()
    # From Tue 7 April: the window to Fri 17 April, the reply to Tue 7 July, the opinion to
    # 7 June, a Sunday: Monday 8 June.
    assert (suggestion.return_due, suggestion.reply_due) == (D("2026-04-17"), D("2026-07-07"))
    assert suggestion.due_at == end_of_day(D("2026-07-07"))
    assert suggestion.department == housing and suggestion.unit == housing
    co_handling = CoHandling.objects.get(suggestion=suggestion)
    assert (co_handling.unit, co_handling.opinion_due) == (traffic, D("2026-06-08"))


def test_the_co_handlers_opinion_is_due_2_months_after_assignment(assigned):
    suggestion = assigned(D("2026-07-31"))
    assert CoHandling.objects.get(suggestion=suggestion).opinion_due == D("2026-09-30")


def test_re_handling_is_due_a_month_after_the_dissatisfied_rating(assigned, lead_handler, office):
    suggestion = assigned(D("2025-12-01"))
    step(suggestion, "record_contact", lead_handler, D("2026-01-05"), note="上门沟通", way="visit",
         contacted_on=D("2026-01-05"))
    step(suggestion, "reply", lead_handler, D("2026-01-06"), note="已答复", result_class="A",
         reply_document=[PDF])
    suggestion.refresh_from_db()
    services.suggestion_rate(suggestion=suggestion, actor=office, satisfaction=Satisfaction.DISSATISFIED,
                             expected_version=suggestion.version, at=noon(D("2026-01-31")))
    suggestion.refresh_from_db()
    # 31 Jan + 1 month: February's last day, Sat 28 Feb 2026, a make-up working day.
    assert suggestion.status == Status.REHANDLING and suggestion.rehandle_due == D("2026-02-28")
    assert suggestion.due_at == end_of_day(D("2026-02-28"))


def test_a_provisional_reply_due_is_counted_again_when_its_year_is_confirmed(assigned, personas):
    """Assigned 9 November 2026, the reply is due 9 February 2027 on the statutory holidays; the
    State Council's notice for 2027 gives 5–13 February off and Sunday 14 February worked."""
    suggestion = assigned(dt.date(2026, 11, 9))
    assert (suggestion.reply_due, suggestion.due_provisional) == (dt.date(2027, 2, 9), True)
    with time_machine.travel(dt.datetime(2026, 12, 29, 10, tzinfo=DISTRICT_TZ), tick=False):
        result = holidays_import(source=notice_csv(NOTICE_2027), filename="2027.csv", actor=personas.admin)
    assert suggestion.ref in result.recounted
    suggestion.refresh_from_db()
    assert (suggestion.reply_due, suggestion.due_provisional) == (dt.date(2027, 2, 14), False)
    assert local_date(suggestion.due_at) == suggestion.reply_due
