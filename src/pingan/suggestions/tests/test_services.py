"""The rules of suggestions and proposals, each at its edge, through the services: what the
pages, the API, the session import and the demo all call."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from pingan.core import errors
from pingan.core.deadlines import end_of_day
from pingan.core.escalation import escalate_overdue
from pingan.core.models import Event, EventType, Notification, Role
from pingan.core.people import MSG_NOT_A_LEADER
from pingan.suggestions import selectors, services
from pingan.suggestions.models import CoHandling, Satisfaction, Session, Status, Suggestion
from pingan.suggestions.tests.conftest import PDF, message, noon, refusal, step
from pingan.suggestions.workflow import (
    MSG_CO_OPINION_FORM,
    MSG_CONTACT_BEFORE_ASSIGNMENT,
    MSG_CONTACT_FIRST,
    MSG_CONTACT_FUTURE,
    MSG_CONTACT_WAY,
    MSG_EXTENDED_ALREADY,
    MSG_EXTENSION_PENDING,
    MSG_EXTENSION_TOO_LATE,
    MSG_NO_EXTENSION_ASKED,
    MSG_NOT_ASSIGNING_OFFICE,
    MSG_PROMISE_NOT_ASKED,
    MSG_PROMISE_OPEN,
    MSG_PROMISE_PAST,
    MSG_PROMISE_REQUIRED,
    MSG_PROMISE_TOO_FAR,
    MSG_REHANDLE_FIRST,
    MSG_REHANDLED_ALREADY,
    MSG_REPLY_DOCUMENT,
    MSG_RESULT_CLASS,
    MSG_SATISFACTION,
)

pytestmark = pytest.mark.django_db
D = dt.date.fromisoformat
ASSIGNED = D("2026-03-31")  # reply due Tue 30 June 2026


def contact(suggestion, actor, day):
    return step(suggestion, "record_contact", actor, day, note="电话沟通办理思路", way="phone",
                contacted_on=day)


def reply(suggestion, actor, day, result_class="A", **inputs):
    return step(suggestion, "reply", actor, day, note="已书面答复", result_class=result_class,
                **{"reply_document": [PDF], **inputs})


def rate(suggestion, actor, day, satisfaction):
    suggestion.refresh_from_db()
    return services.suggestion_rate(suggestion=suggestion, actor=actor, satisfaction=satisfaction,
                                    expected_version=suggestion.version, at=noon(day))


def fresh(suggestion) -> Suggestion:
    return Suggestion.objects.get(pk=suggestion.pk)


# --- Registration -----------------------------------------------------------------------------


def test_a_number_is_unique_within_its_session_only(make_suggestion, office):
    first = make_suggestion(number="12")
    taken = refusal(make_suggestion, number=" 12 ")
    assert taken.field == "number" and first.ref in taken.message
    other = services.session_get_or_create(actor=office, name="市八届政协一次会议", channel="conference",
                                           opened_on=D("2022-04-25"))
    assert make_suggestion(number="12", session=other).number == "12"
    assert Suggestion.objects.filter(number="12").count() == 2


def test_a_key_suggestion_has_a_leader_and_only_a_key_one(make_suggestion, leader, lead_handler):
    assert refusal(make_suggestion, is_key=True).field == "supervising_leader"
    assert refusal(make_suggestion, supervising_leader=leader).field == "supervising_leader"
    not_a_leader = refusal(make_suggestion, is_key=True, supervising_leader=lead_handler)
    assert not_a_leader.field == "supervising_leader"
    assert not_a_leader.message == message(MSG_NOT_A_LEADER, user=lead_handler, domain="建议提案",
                                           unit="柯城区")
    key = make_suggestion(is_key=True, supervising_leader=leader.pk)
    assert key.is_key and key.supervising_leader == leader
    assert Suggestion.objects.count() == 1


def test_registration_refuses_nul_and_blanks_and_strangers(make_suggestion, lead_handler, session):
    nul = refusal(make_suggestion, title="关于\x00停车难的建议")
    assert (nul.field, nul.message) == ("title", message(errors.MSG_NUL))
    assert refusal(make_suggestion, proposers="  ").field == "proposers"
    assert refusal(make_suggestion, category="weather").field == "category"
    stranger = refusal(make_suggestion, actor=lead_handler)
    assert isinstance(stranger, errors.PermissionDenied)
    assert not Suggestion.objects.exists()
    assert refusal(services.session_get_or_create, actor=lead_handler, name="市八届人大二次会议",
                   channel="congress", opened_on=D("2023-02-20")).code == "forbidden"
    assert list(Session.objects.values_list("name", flat=True)) == [session.name]


# --- Assignment -------------------------------------------------------------------------------


def test_the_lead_and_co_handlers_are_departments_or_towns(make_suggestion, office, traffic, housing, hangbu,
                                                           hangbu_village, worker_grid, district):
    suggestion = make_suggestion()

    def assign(lead, co_handlers=()):
        return services.suggestion_assign(suggestion=suggestion, actor=office, lead=lead,
                                          co_handlers=co_handlers, expected_version=suggestion.version)

    for lead in (hangbu_village, worker_grid, district):
        assert refusal(assign, lead).field == "lead", lead
    assert refusal(assign, traffic, [hangbu_village]).field == "co_handlers"
    assert refusal(assign, traffic, [housing, traffic]).field == "co_handlers"
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.assignments, suggestion.due_at) == (Status.REGISTERED, 0, None)
    assert not CoHandling.objects.exists()

    assign(hangbu, [traffic, traffic])  # a town leads a matter of its own place
    suggestion.refresh_from_db()
    assert (suggestion.unit, suggestion.department) == (hangbu, None)
    assert list(CoHandling.objects.values_list("unit", flat=True)) == [traffic.pk]


def test_sessions_and_items_are_dated_after_the_first_session_and_not_ahead(make_suggestion, office,
                                                                            session, traffic):
    too_early = refusal(services.session_get_or_create, actor=office, name="某会议", channel="congress",
                        opened_on=D("1000-01-01"))
    assert too_early.field == "opened_on" and "1949-09-21" in too_early.message
    assert not Session.objects.filter(name="某会议").exists()
    before = refusal(make_suggestion, at=noon(D("2022-04-25")))  # the session opened on 26 April
    assert before.field == "registered_on" and "2022-04-26" in before.message
    suggestion = make_suggestion(at=noon(D("2022-04-26")))
    for day in (D("1900-01-01"), dt.date.today() + dt.timedelta(days=2)):
        refused = refusal(services.suggestion_assign, suggestion=suggestion, actor=office, lead=traffic,
                          expected_version=suggestion.version, at=noon(day))
        assert refused.field == "assigned_on", day
    assert fresh(suggestion).status == Status.REGISTERED


def test_the_leads_notice_is_in_the_platforms_language_whoever_assigns(make_suggestion, office, traffic,
                                                                         lead_handler):
    from django.utils import translation

    suggestion = make_suggestion()
    with translation.override("en"):
        services.suggestion_assign(suggestion=suggestion, actor=office, lead=traffic,
                                   expected_version=suggestion.version)
    notice = Notification.objects.get(user=lead_handler, case=suggestion)
    assert "交由本单位主办" in notice.message


def test_only_the_office_assigns(make_suggestion, lead_handler, traffic):
    suggestion = make_suggestion()
    refused = refusal(services.suggestion_assign, suggestion=suggestion, actor=lead_handler, lead=traffic,
                      expected_version=suggestion.version)
    assert isinstance(refused, errors.NotFound)  # a registered item is the office's alone
    assert fresh(suggestion).status == Status.REGISTERED


# --- The extension ----------------------------------------------------------------------------


def test_an_extension_is_asked_by_the_lead_approved_once_by_the_office(assigned, lead_handler, office):
    suggestion = assigned(ASSIGNED)
    assert refusal(step, suggestion, "approve_extension", office, D("2026-05-01"),
                   note="同意").message == message(MSG_NO_EXTENSION_ASKED)
    step(suggestion, "request_extension", lead_handler, D("2026-06-01"), note="需要跨部门协调")
    assert refusal(step, suggestion, "request_extension", lead_handler, D("2026-06-02"),
                   note="再次申请").message == message(MSG_EXTENSION_PENDING)
    assert refusal(step, suggestion, "approve_extension", lead_handler, D("2026-06-02"),
                   note="自批").message == message(MSG_NOT_ASSIGNING_OFFICE)
    step(suggestion, "approve_extension", office, D("2026-06-03"), note="同意延期")
    suggestion.refresh_from_db()
    assert suggestion.reply_due == D("2026-09-30") and suggestion.extension_requested_at is None
    assert suggestion.extension_reason == "同意延期"
    for name, actor in (("request_extension", lead_handler), ("approve_extension", office)):
        assert refusal(step, suggestion, name, actor, D("2026-06-04"),
                       note="再延").message == message(MSG_EXTENDED_ALREADY), name


def test_an_extension_is_asked_for_while_the_reply_is_still_in_time(assigned, lead_handler):
    """Asked once overdue, an approval would wipe the lateness from the record and the league."""
    suggestion = assigned(ASSIGNED)
    late = refusal(step, suggestion, "request_extension", lead_handler, D("2026-07-01"), note="来不及")
    assert late.message == message(MSG_EXTENSION_TOO_LATE, date="2026-06-30")
    step(suggestion, "request_extension", lead_handler, D("2026-06-30"), note="需要跨部门协调")
    assert fresh(suggestion).extension_requested_at is not None


def test_a_refused_extension_leaves_the_deadline_and_may_be_asked_again(assigned, lead_handler, office):
    suggestion = assigned(ASSIGNED)
    step(suggestion, "request_extension", lead_handler, D("2026-06-01"), note="需要跨部门协调")
    step(suggestion, "refuse_extension", office, D("2026-06-02"), note="理由不充分")
    suggestion.refresh_from_db()
    assert (suggestion.reply_due, suggestion.extension_requested_at, suggestion.extended_at) == (
        D("2026-06-30"), None, None)
    step(suggestion, "request_extension", lead_handler, D("2026-06-03"), note="补充说明理由")
    assert fresh(suggestion).extension_requested_at is not None


# --- The reply --------------------------------------------------------------------------------


def test_a_reply_needs_a_contact_a_document_and_a_class(assigned, lead_handler):
    suggestion = assigned(ASSIGNED)
    assert refusal(reply, suggestion, lead_handler, D("2026-05-06")).message == message(MSG_CONTACT_FIRST)
    future = refusal(step, suggestion, "record_contact", lead_handler, D("2026-05-06"), note="走访",
                     way="visit", contacted_on=D("2026-05-07"))
    assert future.message == message(MSG_CONTACT_FUTURE, date="2026-05-06")
    before = refusal(step, suggestion, "record_contact", lead_handler, D("2026-05-06"), note="走访",
                     way="visit", contacted_on=D("2026-03-30"))
    assert before.message == message(MSG_CONTACT_BEFORE_ASSIGNMENT, date="2026-03-31")
    for way in (None, "", "letter"):
        unsaid = refusal(step, suggestion, "record_contact", lead_handler, D("2026-05-06"), note="沟通",
                         way=way, contacted_on=D("2026-05-06"))
        assert unsaid.message == message(MSG_CONTACT_WAY), way
    assert not suggestion.contacts.exists()
    contact(suggestion, lead_handler, ASSIGNED)  # the day of the assignment counts
    assert refusal(reply, suggestion, lead_handler, D("2026-05-07"),
                   reply_document=None).message == message(MSG_REPLY_DOCUMENT)
    for wrong in ("E", "", "AB"):
        assert refusal(reply, suggestion, lead_handler, D("2026-05-07"),
                       result_class=wrong).message == message(MSG_RESULT_CLASS), wrong
    assert fresh(suggestion).status == Status.ASSIGNED
    reply(suggestion, lead_handler, D("2026-05-07"))
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.result_class, suggestion.due_at) == (Status.REPLIED, "A", None)
    assert suggestion.first_reply_on_time is True


def test_the_reply_on_its_due_day_is_on_time_the_day_after_is_late(assigned, lead_handler):
    for day, on_time in ((D("2026-06-30"), True), (D("2026-07-01"), False)):
        suggestion = assigned(ASSIGNED)
        contact(suggestion, lead_handler, D("2026-06-01"))
        reply(suggestion, lead_handler, day)
        assert fresh(suggestion).first_reply_on_time is on_time, day


def test_a_contact_before_a_re_assignment_does_not_count(assigned, lead_handler, office, traffic):
    suggestion = assigned(ASSIGNED)
    contact(suggestion, lead_handler, D("2026-04-01"))
    with time_machine.travel(noon(D("2026-04-02"))):
        step(suggestion, "return", lead_handler, D("2026-04-02"), note="职责不符")
    suggestion.refresh_from_db()
    services.suggestion_assign(suggestion=suggestion, actor=office, lead=traffic,
                               expected_version=suggestion.version, at=noon(D("2026-04-03")))
    assert refusal(reply, suggestion, lead_handler, D("2026-04-20")).message == message(MSG_CONTACT_FIRST)


@pytest.mark.parametrize(("result_class", "promise", "refused_with"), [
    ("B", None, (MSG_PROMISE_REQUIRED, {"code": "B"})),
    ("C", D("2026-05-07"), (MSG_PROMISE_PAST, {"date": "2026-05-07"})),
    ("B", D("2031-05-08"), (MSG_PROMISE_TOO_FAR, {"years": 5, "latest": "2031-05-07"})),
    ("A", D("2026-12-31"), (MSG_PROMISE_NOT_ASKED, {"classes": "B/C"})),
    ("D", D("2026-12-31"), (MSG_PROMISE_NOT_ASKED, {"classes": "B/C"})),
    ("B", D("2026-05-08"), None),  # the day after the reply
    ("C", D("2031-05-07"), None),  # PINGAN_SUGGESTION_PROMISE_MAX_YEARS to the day
])
def test_a_b_or_c_reply_promises_a_date_within_reach(assigned, lead_handler, result_class, promise,
                                                     refused_with):
    suggestion = assigned(ASSIGNED)
    contact(suggestion, lead_handler, D("2026-05-06"))
    if refused_with:
        text, kwargs = refused_with
        assert refusal(reply, suggestion, lead_handler, D("2026-05-07"), result_class=result_class,
                       promise_due=promise).message == message(text, **kwargs)
        assert fresh(suggestion).status == Status.ASSIGNED
    else:
        reply(suggestion, lead_handler, D("2026-05-07"), result_class=result_class, promise_due=promise)
        assert fresh(suggestion).promise_due == promise


# --- The rating -------------------------------------------------------------------------------


@pytest.fixture
def replied(assigned, lead_handler):
    """An item assigned on 31 March 2026 and replied on 7 May (class A unless told)."""

    def make(result_class="A", **inputs):
        suggestion = assigned(ASSIGNED)
        contact(suggestion, lead_handler, D("2026-05-06"))
        reply(suggestion, lead_handler, D("2026-05-07"), result_class=result_class, **inputs)
        return fresh(suggestion)

    return make


@pytest.mark.parametrize("satisfaction", [Satisfaction.SATISFIED, Satisfaction.BASICALLY])
def test_a_satisfied_rating_closes_the_item(replied, office, satisfaction):
    suggestion = replied()
    rate(suggestion, office, D("2026-05-20"), satisfaction)
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.is_open) == (Status.CLOSED, False)
    assert suggestion.satisfaction == satisfaction


def test_the_office_rates_and_with_a_known_answer(replied, office, lead_handler):
    suggestion = replied()
    assert isinstance(refusal(rate, suggestion, lead_handler, D("2026-05-20"), Satisfaction.SATISFIED),
                      errors.PermissionDenied)
    unknown = refusal(rate, suggestion, office, D("2026-05-20"), "delighted")
    assert unknown.message == message(MSG_SATISFACTION)
    # 不满意 the first time is the re-handling's step, not a closing rating.
    assert refusal(step, suggestion, "rate", office, D("2026-05-20"),
                   satisfaction=Satisfaction.DISSATISFIED).message == message(MSG_REHANDLE_FIRST)
    assert fresh(suggestion).status == Status.REPLIED


def test_an_open_promise_keeps_the_item_open_on_its_date_until_kept(replied, office, lead_handler):
    suggestion = replied("B", promise_due=D("2026-12-31"))
    assert refusal(step, suggestion, "rate", office, D("2026-05-20"),
                   satisfaction=Satisfaction.SATISFIED).message == message(MSG_PROMISE_OPEN)
    rate(suggestion, office, D("2026-05-20"), Satisfaction.BASICALLY)
    suggestion.refresh_from_db()
    assert suggestion.status == Status.PROMISE and suggestion.due_at == end_of_day(D("2026-12-31"))
    assert suggestion.satisfaction == Satisfaction.BASICALLY
    step(suggestion, "keep_promise", lead_handler, D("2026-11-30"), note="道路拓宽工程已完工")
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.due_at, suggestion.is_open) == (Status.CLOSED, None, False)
    assert suggestion.promise_kept_at == noon(D("2026-11-30"))


def test_dissatisfied_opens_one_re_handling_whose_rating_is_final(replied, office, lead_handler):
    suggestion = replied()
    rate(suggestion, office, D("2026-05-20"), Satisfaction.DISSATISFIED)
    suggestion.refresh_from_db()
    # 20 June falls in the Dragon Boat holiday (19–21 June): Monday 22 June.
    assert (suggestion.status, suggestion.rehandle_due) == (Status.REHANDLING, D("2026-06-22"))
    # The contact of the first handling does not count for the second.
    assert refusal(reply, suggestion, lead_handler, D("2026-06-01")).message == message(MSG_CONTACT_FIRST)
    contact(suggestion, lead_handler, D("2026-05-25"))
    reply(suggestion, lead_handler, D("2026-06-01"), result_class="D")
    suggestion.refresh_from_db()
    assert suggestion.status == Status.REPLIED and suggestion.first_reply_on_time is True
    assert refusal(step, suggestion, "rate_dissatisfied", office,
                   D("2026-06-10")).message == message(MSG_REHANDLED_ALREADY)
    rate(suggestion, office, D("2026-06-10"), Satisfaction.DISSATISFIED)
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.satisfaction) == (Status.CLOSED, Satisfaction.DISSATISFIED)


def test_the_office_withdraws_with_a_reason(assigned, office, lead_handler):
    suggestion = assigned(ASSIGNED)
    assert isinstance(refusal(step, suggestion, "withdraw", lead_handler, D("2026-04-20"), note="撤回"),
                      errors.PermissionDenied)
    assert refusal(step, suggestion, "withdraw", office, D("2026-04-20")).field == "note"
    step(suggestion, "withdraw", office, D("2026-04-20"), note="代表撤回")
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.due_at, suggestion.is_open) == (Status.WITHDRAWN, None, False)


# --- The co-handlers' opinion ------------------------------------------------------------------


def test_a_co_handler_sends_its_opinion_once_while_the_item_is_handled(assigned, co_handler, lead_handler,
                                                                     office, personas):
    suggestion = assigned(ASSIGNED)

    def opinion(actor, text="建议同步实施人行道改造"):
        return services.suggestion_co_opinion(suggestion=suggestion, actor=actor, opinion=text,
                                              at=noon(D("2026-05-10")))

    assert isinstance(refusal(opinion, lead_handler), errors.PermissionDenied)
    assert isinstance(refusal(opinion, personas.outsider), errors.NotFound)
    assert refusal(opinion, co_handler, "  ").field == "opinion"
    assert refusal(step, suggestion, "co_opinion", office, D("2026-05-10")).message == message(
        MSG_CO_OPINION_FORM)
    version = fresh(suggestion).version
    sent = opinion(co_handler)
    assert (sent.opinion, sent.opinion_by, sent.opinion_at) == ("建议同步实施人行道改造", co_handler,
                                                                 noon(D("2026-05-10")))
    assert fresh(suggestion).version == version + 1
    event = Event.objects.filter(case=suggestion).latest("seq")
    assert event.note == "住建局: 建议同步实施人行道改造" and event.actor == co_handler
    assert Notification.objects.filter(user=lead_handler, event=event).exists()
    assert "2026-05-10" in refusal(opinion, co_handler).message


def test_no_opinion_once_the_item_is_replied(assigned, co_handler, lead_handler):
    suggestion = assigned(ASSIGNED)
    contact(suggestion, lead_handler, D("2026-05-06"))
    reply(suggestion, lead_handler, D("2026-05-07"))
    refused = refusal(services.suggestion_co_opinion, suggestion=fresh(suggestion), actor=co_handler,
                      opinion="迟到的意见")
    assert refused.message == message(services.MSG_OPINION_CLOSED)
    assert CoHandling.objects.get(suggestion=suggestion).opinion_at is None


# --- Who sees which -----------------------------------------------------------------------------


def _seen_by(user) -> set[str]:
    return set(selectors.suggestions_for(user).values_list("ref", flat=True))


def test_a_department_led_item_is_seen_by_its_lead_co_handlers_leader_and_office_only(
        assigned, make_suggestion, lead_handler, co_handler, leader, office, personas, traffic):
    key = assigned(ASSIGNED, is_key=True, supervising_leader=leader)
    other = make_suggestion()  # registered, not assigned: the office's alone
    # The leader without the domain role every leader holds in the demo: supervising is reach enough.
    Role.objects.filter(user=leader).delete()
    assert _seen_by(office) == {key.ref, other.ref}
    assert _seen_by(lead_handler) == {key.ref}
    assert _seen_by(co_handler) == {key.ref}
    assert _seen_by(leader) == {key.ref}
    for nobody in (personas.town_handler, personas.grid_worker, personas.fire_handler, personas.outsider):
        assert _seen_by(nobody) == set(), nobody
    assert selectors.suggestion_get(user=personas.town_handler, ref=key.ref) is None
    # Re-assigned without 住建局: it no longer sees the item.
    key.refresh_from_db()
    with time_machine.travel(noon(D("2026-04-02"))):
        step(key, "return", lead_handler, D("2026-04-02"), note="职责不符")
    key.refresh_from_db()
    services.suggestion_assign(suggestion=key, actor=office, lead=traffic, expected_version=key.version,
                               at=noon(D("2026-04-03")))
    assert _seen_by(co_handler) == set()


def test_a_town_led_item_is_seen_by_the_town_not_by_its_villages_nor_the_next_town(
        make_suggestion, office, hangbu, personas):
    suggestion = make_suggestion()
    services.suggestion_assign(suggestion=suggestion, actor=office, lead=hangbu,
                               expected_version=suggestion.version, at=noon(ASSIGNED))
    assert _seen_by(personas.town_handler) == {suggestion.ref}
    assert _seen_by(office) == {suggestion.ref}
    # One level too far either way: the grid below the town, the town beside it.
    assert _seen_by(personas.grid_worker) == set() and _seen_by(personas.outsider) == set()
    assert isinstance(refusal(contact, suggestion, personas.grid_worker, D("2026-04-01")), errors.NotFound)
    contact(suggestion, personas.town_handler, D("2026-04-01"))


def test_a_co_handler_sees_the_item_but_does_not_take_the_leads_steps(assigned, co_handler):
    suggestion = assigned(ASSIGNED)
    refused = refusal(contact, suggestion, co_handler, D("2026-04-01"))
    assert refused.message == message(errors.MSG_NOT_ALLOWED, transition="记录与提出人沟通")
    assert not suggestion.contacts.exists()


# --- Escalation ----------------------------------------------------------------------------------


def test_an_overdue_item_escalates_to_the_district_and_its_leader_hears(assigned, leader, office):
    suggestion = assigned(ASSIGNED, is_key=True, supervising_leader=leader)
    due = end_of_day(D("2026-06-30"))
    with time_machine.travel(due - dt.timedelta(minutes=1)):
        assert escalate_overdue() == 0
    with time_machine.travel(due + dt.timedelta(minutes=1)):
        assert escalate_overdue() == 1
    suggestion.refresh_from_db()
    assert suggestion.escalation_level == 1
    escalated = suggestion.events.get(type=EventType.ESCALATED)
    assert escalated.after["unit"] == suggestion.unit.parent.code and escalated.after["unit_name"] == "柯城区"
    assert Notification.objects.filter(user=leader, event=escalated).exists()
    assert Notification.objects.filter(user=office, event=escalated).exists()


def test_an_approved_extension_starts_escalation_afresh(assigned, lead_handler, office):
    suggestion = assigned(ASSIGNED)
    step(suggestion, "request_extension", lead_handler, D("2026-06-25"), note="需要跨部门协调")
    with time_machine.travel(end_of_day(D("2026-07-01"))):
        assert escalate_overdue() == 1
    step(suggestion, "approve_extension", office, D("2026-07-02"), note="同意延期")
    suggestion.refresh_from_db()
    assert (suggestion.escalation_level, suggestion.due_at) == (0, end_of_day(D("2026-09-30")))
    with time_machine.travel(end_of_day(D("2026-09-30")) + dt.timedelta(minutes=1)):
        assert escalate_overdue() == 1
    assert suggestion.events.filter(type=EventType.ESCALATED).count() == 2
