"""The statutory clock as services: registration and routing, acceptance, the one extension
and its limits, reply, satisfaction, review and re-examination windows, objection to an
assignment, and who may do what. Each refusal changes nothing."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.utils import translation

from pingan.core import errors
from pingan.core.models import Event, EventType, Role, RoleName, Unit, UnitKind
from pingan.petitions.models import Petition, PetitionRuleSet, Status
from pingan.petitions.services import (
    MSG_ACCUSATION_CATEGORY,
    MSG_CANNOT_REGISTER_HERE,
    MSG_EXTENSION_NEEDS_HEAD,
    MSG_HANDLING_UNIT_PLACE,
    MSG_NAME_REQUIRED,
    petition_extend,
    petition_transition,
)
from pingan.petitions.workflow import (
    MSG_CLOSE_UNRATED,
    MSG_CONCLUDED_MATTER,
    MSG_DECISION_REQUIRED,
    MSG_HANDLING_UNIT_ONLY,
    MSG_OBJECTION_LATE,
    MSG_OUTCOME_REQUIRED,
    MSG_ROUTING_UNIT_ONLY,
    MSG_SUPERIOR_ONLY,
)

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, time: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=SHANGHAI)


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SHANGHAI).date()


def msg(message, **kwargs) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(message).format(**kwargs) if kwargs else str(message)


def step(petition: Petition, name: str, actor, **kwargs) -> Petition:
    petition.refresh_from_db()
    return petition_transition(petition=petition, name=name, actor=actor,
                               expected_version=petition.version, **kwargs)


def extend(petition: Petition, actor, days: int, reason: str = "需调查取证，涉及多个部门") -> Petition:
    petition.refresh_from_db()
    return petition_extend(petition=petition, actor=actor, expected_version=petition.version,
                           days=days, reason=reason)


@pytest.fixture
def zhejiang(settings):
    settings.PINGAN_PETITION_PROFILE = "zhejiang"


# ---------------------------------------------------------------------------
# Registration and routing
# ---------------------------------------------------------------------------


def test_register_starts_the_acceptance_clock_and_routes_to_the_town(make_petition, hangbu, xinfang):
    with time_machine.travel(at("2026-09-20"), tick=False):
        petition = make_petition()
    petition.refresh_from_db()
    assert petition.ref.startswith("XF-2026-")
    assert (petition.kind, petition.status, petition.profile) == ("petition", Status.RECEIVED, "national")
    assert petition.handling_unit == hangbu  # 属地: the town where it arose
    assert petition.routing_unit.name == "信访局"
    assert petition.department.name == "信访局"
    assert local_day(petition.due_at) == dt.date(2026, 10, 8)  # 15 days, rolled off National Day
    assert petition.acceptance_due_at == petition.due_at
    # 5 working days: 21–24 Sep, then 28 Sep after Mid-autumn (25–27 Sep).
    assert petition.objection_until == dt.date(2026, 9, 28)
    event = petition.events.get()
    assert event.type == EventType.CREATED
    # The log carries the matter, never the petitioner.
    assert "张三" not in str(event.after) and "1381234" not in str(event.after)


def test_zhejiang_profile_gives_five_working_days_to_accept(make_petition, zhejiang):
    with time_machine.travel(at("2026-09-25"), tick=False):
        petition = make_petition()
    assert petition.profile == "zhejiang"
    assert local_day(petition.due_at) == dt.date(2026, 10, 9)


def test_an_accusation_goes_to_the_discipline_unit(make_petition, discipline):
    petition = make_petition(petition_type="accusation", category=None, petitioner_name="",
                             id_number="", phone="", address="")
    assert petition.category == "discipline"
    assert petition.handling_unit.name == "区纪委监委"
    assert petition.department.name == "区纪委监委"
    # The discipline unit sees it through its petition line; another town does not.
    assert Petition.objects.visible_to(discipline).filter(pk=petition.pk).exists()
    with pytest.raises(errors.DomainError) as caught:
        make_petition(petition_type="accusation", category="land")
    assert caught.value.message == msg(MSG_ACCUSATION_CATEGORY, category="纪检监察")


def test_the_discipline_unit_comes_from_the_setting(make_petition, settings):
    settings.PINGAN_PETITION_DISCIPLINE_UNIT_CODE = "330802D99"
    with pytest.raises(errors.DomainError) as caught:
        make_petition(petition_type="accusation", category=None)
    assert "330802D99" in caught.value.message
    assert not Petition.objects.exists()


@pytest.mark.parametrize(("overrides", "field"), [
    ({"petitioner_name": ""}, "petitioner_name"),
    ({"id_number": "330802198001011234"}, "id_number"),
    ({"phone": "call me"}, "phone"),
    ({"channel": "pigeon"}, "channel"),
    ({"category": None}, "category"),
    ({"category": "weather"}, "category"),
    ({"received_at": at("2099-01-01")}, "received_at"),
    ({"repeat_of": "XF-2026-999999"}, "repeat_of"),
])
def test_bad_registrations_are_refused_and_save_nothing(make_petition, overrides, field):
    with pytest.raises(errors.DomainError) as caught:
        make_petition(**overrides)
    assert caught.value.field == field
    assert not Petition.objects.exists()
    assert not Event.objects.exists()


def test_handling_unit_must_be_a_department_with_the_line_or_the_town_of_the_place(
        make_petition, shiliang, hangbu_village):
    with pytest.raises(errors.DomainError) as caught:
        make_petition(handling_unit=shiliang)
    assert caught.value.message == msg(MSG_HANDLING_UNIT_PLACE, unit="石梁镇")
    with pytest.raises(errors.DomainError) as caught:
        make_petition(handling_unit=hangbu_village)  # below town level
    assert caught.value.field == "handling_unit"
    police = Unit.objects.get(kind=UnitKind.DEPARTMENT, name="公安分局")
    with pytest.raises(errors.DomainError) as caught:
        make_petition(handling_unit=police)
    assert "公安分局" in caught.value.message
    assert not Petition.objects.exists()


def test_only_someone_reaching_the_place_may_register(make_petition, personas, hangbu_village):
    with pytest.raises(errors.PermissionDenied) as caught:
        make_petition(actor=personas.outsider)
    assert caught.value.message == msg(MSG_CANNOT_REGISTER_HERE, unit=hangbu_village.name)
    petition = make_petition(actor=personas.town_handler)
    assert petition.routing_unit.name == "航埠镇"


def test_name_is_required_except_for_an_accusation(make_petition, discipline):
    with pytest.raises(errors.DomainError) as caught:
        make_petition(petitioner_name=" ")
    assert caught.value.message == msg(MSG_NAME_REQUIRED)
    assert make_petition(petition_type="accusation", category=None, petitioner_name="").pk


# ---------------------------------------------------------------------------
# The clock, end to end
# ---------------------------------------------------------------------------


def test_the_whole_clock_national(make_petition, personas, hangbu_head, xinfang):
    handler = personas.town_handler
    with time_machine.travel(at("2026-08-03"), tick=False):
        petition = make_petition()
    with time_machine.travel(at("2026-08-04"), tick=False):
        step(petition, "accept", handler)
    petition.refresh_from_db()
    assert petition.status == Status.ACCEPTED
    assert petition.resolution_days == 60
    assert local_day(petition.due_at) == dt.date(2026, 10, 8)  # day 60 = 3 Oct, rolled
    assert petition.resolution_due_at == petition.due_at
    with time_machine.travel(at("2026-08-05"), tick=False):
        step(petition, "start", handler, assignee=personas.town_handler)
        extend(petition, hangbu_head, 30, reason="涉及历史遗留问题，需多部门会商")
    petition.refresh_from_db()
    assert petition.extension_days == 30
    # 60 + 30 = 90 days from 4 Aug is 2 Nov (a Monday).
    assert local_day(petition.due_at) == dt.date(2026, 11, 2)
    assert petition.extension_reason == "涉及历史遗留问题，需多部门会商"
    assert petition.events.filter(type=EventType.EXTENDED).get().note == petition.extension_reason
    with time_machine.travel(at("2026-10-20"), tick=False):
        with pytest.raises(errors.DomainError) as caught:
            step(petition, "reply", handler, note="经核实，补偿款已补发。")
        assert caught.value.message == msg(MSG_OUTCOME_REQUIRED)
        step(petition, "reply", handler, note="经核实，补偿款已补发。", outcome="supported")
    petition.refresh_from_db()
    assert (petition.status, petition.outcome, petition.due_at) == (Status.REPLIED, "supported", None)
    assert petition.review_window_until == dt.date(2026, 11, 19)
    with time_machine.travel(at("2026-10-22"), tick=False):
        with pytest.raises(errors.DomainError) as caught:
            step(petition, "close", handler)
        assert caught.value.message == msg(MSG_CLOSE_UNRATED)
        step(petition, "rate", xinfang, satisfaction="satisfied", asked_by="phone")
        step(petition, "close", handler)
    petition.refresh_from_db()
    assert (petition.status, petition.satisfaction, petition.is_open) == (Status.CLOSED, "satisfied", False)
    assert list(petition.events.values_list("transition", flat=True)) == [
        "", "accept", "start", "", "reply", "rate", "close"]


def test_not_accepted_needs_a_reason_and_a_note(make_petition, personas):
    petition = make_petition()
    with pytest.raises(errors.DomainError) as caught:
        step(petition, "not_accept", personas.town_handler, reason="legal_procedure")
    assert caught.value.field == "note"
    with pytest.raises(errors.DomainError):
        step(petition, "not_accept", personas.town_handler, note="应通过诉讼解决")
    step(petition, "not_accept", personas.town_handler, reason="legal_procedure", note="应通过诉讼解决")
    petition.refresh_from_db()
    assert (petition.status, petition.not_accepted_reason, petition.is_open) == (
        Status.NOT_ACCEPTED, "legal_procedure", False)


# ---------------------------------------------------------------------------
# The one extension
# ---------------------------------------------------------------------------


def _accepted(make_petition, handler, day: str) -> Petition:
    with time_machine.travel(at(day), tick=False):
        petition = make_petition()
        step(petition, "accept", handler)
    petition.refresh_from_db()
    return petition


def test_zhejiang_extension_at_the_limit_and_past_it(make_petition, personas, hangbu_head, zhejiang):
    petition = _accepted(make_petition, personas.town_handler, "2026-07-05")
    assert petition.resolution_days == 30
    assert local_day(petition.due_at) == dt.date(2026, 8, 4)
    with pytest.raises(errors.DomainError) as caught:
        extend(petition, hangbu_head, 61)
    assert "60" in caught.value.message and "61" in caught.value.message
    assert caught.value.field == "days"
    petition.refresh_from_db()
    assert petition.extended_at is None and local_day(petition.due_at) == dt.date(2026, 8, 4)
    extend(petition, hangbu_head, 60)
    petition.refresh_from_db()
    # 30 + 60 = 90 days from 5 Jul: 3 Oct, rolled off National Day.
    assert local_day(petition.due_at) == dt.date(2026, 10, 8)
    with pytest.raises(errors.DomainError) as caught:
        extend(petition, hangbu_head, 1)
    assert caught.value.message == msg(errors.MSG_EXTENSION_USED)


def test_the_ninety_day_cap_holds_whatever_the_longest_extension(make_petition, personas, hangbu_head,
                                                                 zhejiang):
    petition = _accepted(make_petition, personas.town_handler, "2026-07-05")
    PetitionRuleSet.objects.filter(profile="zhejiang").update(extension_max_days=70)
    with pytest.raises(errors.DomainError) as caught:
        extend(petition, hangbu_head, 61)
    assert "90" in caught.value.message and "30 + 61 = 91" in caught.value.message
    petition.refresh_from_db()
    assert petition.extended_at is None


def test_national_extension_at_the_limit_and_past_it(make_petition, personas, hangbu_head):
    petition = _accepted(make_petition, personas.town_handler, "2026-03-02")
    with pytest.raises(errors.DomainError) as caught:
        extend(petition, hangbu_head, 31)
    assert "30" in caught.value.message and "31" in caught.value.message
    extend(petition, hangbu_head, 30)
    petition.refresh_from_db()
    # 60 + 30 = 90 days from 2 Mar is Sunday 31 May: Monday 1 Jun.
    assert local_day(petition.due_at) == dt.date(2026, 6, 1)
    assert petition.extension_days == 30


def test_an_extension_needs_the_unit_head(make_petition, personas, hangbu_head, xinfang):
    petition = _accepted(make_petition, personas.town_handler, "2026-03-02")
    for actor in (personas.town_handler, xinfang):
        with pytest.raises(errors.PermissionDenied) as caught:
            extend(petition, actor, 10)
        assert caught.value.message == msg(MSG_EXTENSION_NEEDS_HEAD)
    with pytest.raises(errors.NotFound):
        extend(petition, personas.outsider, 10)
    with pytest.raises(errors.DomainError) as caught:
        extend(petition, hangbu_head, 10, reason="  ")
    assert caught.value.field == "reason"
    petition.refresh_from_db()
    assert petition.extended_at is None


def test_a_petition_not_yet_accepted_cannot_be_extended(make_petition, hangbu_head):
    petition = make_petition()
    with pytest.raises(errors.DomainError):
        extend(petition, hangbu_head, 10)


# ---------------------------------------------------------------------------
# Review and re-examination
# ---------------------------------------------------------------------------


def _replied(make_petition, handler, day: str) -> Petition:
    petition = _accepted(make_petition, handler, day)
    with time_machine.travel(at(day, "15:00"), tick=False):
        step(petition, "reply", handler, note="答复意见", outcome="not_supported")
    petition.refresh_from_db()
    return petition


def test_review_request_on_day_30_accepted(make_petition, personas):
    petition = _replied(make_petition, personas.town_handler, "2026-03-02")
    assert petition.review_window_until == dt.date(2026, 4, 1)
    with time_machine.travel(at("2026-04-01", "17:00"), tick=False):
        step(petition, "request_review", personas.town_handler)
    petition.refresh_from_db()
    assert petition.status == Status.UNDER_REVIEW
    assert petition.review_requested_on == dt.date(2026, 4, 1)
    assert local_day(petition.due_at) == dt.date(2026, 5, 6)  # day 30 is 1 May: Labour Day, rolled
    assert petition.review_due_at == petition.due_at


def test_review_request_on_day_31_refused(make_petition, personas):
    petition = _replied(make_petition, personas.town_handler, "2026-03-02")
    with time_machine.travel(at("2026-04-02", "09:00"), tick=False), \
            pytest.raises(errors.DomainError) as caught:
        step(petition, "request_review", personas.town_handler)
    assert "2026-04-01" in caught.value.message
    petition.refresh_from_db()
    assert petition.status == Status.REPLIED


def test_a_request_entered_late_counts_from_the_day_it_arrived(make_petition, personas):
    petition = _replied(make_petition, personas.town_handler, "2026-03-02")
    with time_machine.travel(at("2026-04-03"), tick=False):
        step(petition, "request_review", personas.town_handler, requested_on=dt.date(2026, 4, 1))
        with pytest.raises(errors.DomainError) as caught:
            petition_transition(petition=petition, name="decide_review", actor=personas.admin,
                                expected_version=petition.version, decision="maybe", note="复查意见")
    assert caught.value.message == msg(MSG_DECISION_REQUIRED)
    petition.refresh_from_db()
    assert petition.review_requested_on == dt.date(2026, 4, 1)


def test_a_window_ending_in_a_holiday_stays_open_to_the_first_working_day(make_petition, personas):
    petition = _replied(make_petition, personas.town_handler, "2026-09-03")
    assert petition.review_window_until == dt.date(2026, 10, 8)
    with time_machine.travel(at("2026-10-08"), tick=False):
        step(petition, "request_review", personas.town_handler)
    assert Petition.objects.get(pk=petition.pk).status == Status.UNDER_REVIEW


def test_after_reexamination_the_same_matter_is_refused(make_petition, personas):
    handler = personas.town_handler
    petition = _replied(make_petition, handler, "2026-03-02")
    with time_machine.travel(at("2026-03-10"), tick=False):
        step(petition, "request_review", handler)
        step(petition, "decide_review", personas.admin, decision="upheld", note="维持原答复")
    petition.refresh_from_db()
    assert (petition.status, petition.is_open) == (Status.REVIEWED, False)
    assert petition.reexam_window_until == dt.date(2026, 4, 9)
    with time_machine.travel(at("2026-04-10"), tick=False), pytest.raises(errors.DomainError):
        step(petition, "request_reexam", handler)
    with time_machine.travel(at("2026-04-09"), tick=False):
        step(petition, "request_reexam", handler)
        step(petition, "decide_reexam", personas.admin, decision="upheld", note="复核维持")
    petition.refresh_from_db()
    assert (petition.status, petition.is_open) == (Status.CONCLUDED, False)
    with pytest.raises(errors.TransitionNotAllowed):
        step(petition, "request_review", handler)

    with time_machine.travel(at("2026-05-06"), tick=False):
        again = make_petition(repeat_of=petition.ref)
        with pytest.raises(errors.DomainError) as caught:
            step(again, "accept", handler)
        assert caught.value.message == msg(MSG_CONCLUDED_MATTER, ref=petition.ref, date="2026-04-09")
        step(again, "not_accept", handler, reason="concluded", note="同一事实和理由已复核终结")
    again.refresh_from_db()
    assert again.status == Status.NOT_ACCEPTED and again.repeat_of == petition

    third = make_petition(repeat_of=again.ref)  # the link is followed back through the chain
    step(third, "accept", handler, new_facts="新发现补偿标准文件")
    third.refresh_from_db()
    assert third.status == Status.ACCEPTED and third.new_facts == "新发现补偿标准文件"


# ---------------------------------------------------------------------------
# Objection to a wrong assignment
# ---------------------------------------------------------------------------


def test_objection_within_five_working_days_returns_it_to_the_routing_unit(make_petition, personas,
                                                                          xinfang):
    with time_machine.travel(at("2026-09-29"), tick=False):
        petition = make_petition()
    assert petition.objection_until == dt.date(2026, 10, 12)  # 30 Sep, 8, 9, 10 (make-up), 12 Oct
    with time_machine.travel(at("2026-10-12", "18:00"), tick=False):
        step(petition, "object", personas.town_handler, note="属石梁镇辖区")
    petition.refresh_from_db()
    assert petition.status == Status.RETURNED
    assert local_day(petition.due_at) == dt.date(2026, 10, 27)  # 15 days to route again
    assert petition.notifications.filter(user=xinfang).exists()
    bureau = Unit.objects.get(name="信访局")
    with time_machine.travel(at("2026-10-13"), tick=False):
        with pytest.raises(errors.DomainError):
            step(petition, "reroute", xinfang)
        step(petition, "reroute", xinfang, handling_unit=bureau)
    petition.refresh_from_db()
    assert (petition.status, petition.handling_unit) == (Status.RECEIVED, bureau)
    assert local_day(petition.assigned_at) == dt.date(2026, 10, 13)
    assert local_day(petition.due_at) == dt.date(2026, 10, 28)


def test_objection_after_five_working_days_is_refused(make_petition, personas):
    with time_machine.travel(at("2026-09-29"), tick=False):
        petition = make_petition()
    with time_machine.travel(at("2026-10-13"), tick=False), \
            pytest.raises(errors.DomainError) as caught:
        step(petition, "object", personas.town_handler, note="不属本单位")
    assert caught.value.message == msg(MSG_OBJECTION_LATE, days=5, date="2026-10-12")
    assert Petition.objects.get(pk=petition.pk).status == Status.RECEIVED


# ---------------------------------------------------------------------------
# Who may act
# ---------------------------------------------------------------------------


def test_an_outsider_gets_not_found_for_every_step(make_petition, personas):
    petition = make_petition()
    for name in ("accept", "not_accept", "object", "reply", "no_such_step"):
        with pytest.raises((errors.NotFound, errors.TransitionNotAllowed)) as caught:
            step(petition, name, personas.outsider)
        if name != "no_such_step":
            assert isinstance(caught.value, errors.NotFound)
            assert caught.value.message == msg(errors.MSG_NOT_FOUND)
    assert Petition.objects.get(pk=petition.pk).version == 1


def test_a_viewer_and_a_grid_worker_cannot_act(make_petition, personas, hangbu_viewer, worker_grid):
    petition = make_petition(unit=worker_grid)
    for actor in (hangbu_viewer, personas.grid_worker):
        assert Petition.objects.visible_to(actor).filter(pk=petition.pk).exists()
        with pytest.raises(errors.PermissionDenied):
            step(petition, "accept", actor)
    assert Petition.objects.get(pk=petition.pk).status == Status.RECEIVED


def test_a_stale_version_saves_nothing(make_petition, personas):
    petition = make_petition()
    with pytest.raises(errors.StaleEdit):
        petition_transition(petition=petition, name="accept", actor=personas.town_handler,
                            expected_version=petition.version + 1)
    petition.refresh_from_db()
    assert (petition.status, petition.version, petition.events.count()) == (Status.RECEIVED, 1, 1)


def test_a_step_in_the_wrong_state_says_so(make_petition, personas):
    petition = make_petition()
    with pytest.raises(errors.TransitionNotAllowed) as caught:
        step(petition, "rate", personas.town_handler, satisfaction="satisfied")
    assert "已登记待受理" in caught.value.message


def test_only_the_handling_unit_decides_on_acceptance(make_petition, personas, xinfang):
    petition = make_petition()
    # 信访局 sees every petition and routed this one, but 航埠镇 decides on it.
    with pytest.raises(errors.PermissionDenied) as caught:
        step(petition, "accept", xinfang)
    assert caught.value.message == msg(MSG_HANDLING_UNIT_ONLY, unit="航埠镇")
    step(petition, "accept", personas.admin)  # the district stands above every town
    assert Petition.objects.get(pk=petition.pk).status == Status.ACCEPTED


def test_only_the_routing_unit_routes_again(make_petition, personas, xinfang):
    petition = make_petition()
    step(petition, "object", personas.town_handler, note="不属本镇")
    with pytest.raises(errors.PermissionDenied) as caught:
        step(petition, "reroute", personas.town_handler, handling_unit=Unit.objects.get(name="信访局"))
    assert caught.value.message == msg(MSG_ROUTING_UNIT_ONLY, unit="信访局")
    with pytest.raises(errors.DomainError) as caught:
        step(petition, "reroute", xinfang, handling_unit=Unit.objects.get(name="航埠镇"))
    assert caught.value.field == "handling_unit"  # the unit that objected is not a new route
    assert Petition.objects.get(pk=petition.pk).status == Status.RETURNED


def test_a_review_is_decided_above_the_handling_unit(make_petition, personas, hangbu_head):
    petition = _replied(make_petition, personas.town_handler, "2026-03-02")
    with time_machine.travel(at("2026-03-10"), tick=False):
        step(petition, "request_review", personas.town_handler)
        for actor in (personas.town_handler, hangbu_head):
            with pytest.raises(errors.PermissionDenied) as caught:
                step(petition, "decide_review", actor, decision="changed", note="撤销原答复")
            assert caught.value.message == msg(MSG_SUPERIOR_ONLY, unit="航埠镇")
    assert Petition.objects.get(pk=petition.pk).status == Status.UNDER_REVIEW


def test_the_head_of_another_unit_cannot_approve_an_extension(make_petition, personas):
    petition = _accepted(make_petition, personas.town_handler, "2026-03-02")
    bureau_head = personas.fire_handler
    Role.objects.create(user=bureau_head, unit=Unit.objects.get(name="信访局"), role=RoleName.SUPERVISOR)
    assert Petition.objects.visible_to(bureau_head).filter(pk=petition.pk).exists()
    with pytest.raises(errors.PermissionDenied):
        extend(petition, bureau_head, 10)
    extend(petition, personas.admin, 10)
    assert Petition.objects.get(pk=petition.pk).extension_days == 10
