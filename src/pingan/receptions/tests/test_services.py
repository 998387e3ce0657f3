"""Planning, recording and taking visitors: one reception per unit and period, the roster,
who may (a handler at the unit or above it, and nobody one unit too far away), and a
visitor who becomes a petition on the reception-day channel — or, on bad input, nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from pingan.core import errors
from pingan.core.models import Case, Event, EventType
from pingan.core.personal.idcard import MSG_ID_CHECK_DIGIT
from pingan.petitions.models import Petition
from pingan.receptions import services
from pingan.receptions.models import MSG_LEADER_UNIT, Leader, Reception, ReceptionStatus, ReceptionVisit
from pingan.receptions.tests.conftest import NOW, TODAY, TZ

pytestmark = pytest.mark.usefixtures("clock")
DAY = dt.timedelta(days=1)
PLACE = "航埠镇人民政府信访接待室"


def _plan(actor, unit, leader, day=TODAY, place=PLACE):
    return services.reception_plan(actor=actor, unit=unit, leader=leader, date=day, place=place)


# --- Planning ---------------------------------------------------------------------------------


def test_a_town_handler_plans_its_towns_reception(personas, hangbu, rosters):
    reception = _plan(personas.town_handler, hangbu, rosters.hangbu, TODAY + 2 * DAY)
    assert (reception.status, reception.created_by, reception.created_at) == (
        ReceptionStatus.PLANNED, personas.town_handler, NOW)
    # A district leader may receive in a town; the district admin may plan it.
    later = _plan(personas.admin, hangbu, rosters.district, TODAY + 10 * DAY)
    assert later.leader == rosters.district


@pytest.mark.parametrize(("who", "error"), [
    ("outsider", errors.PermissionDenied),  # a handler of the neighbouring town
    ("grid_worker", errors.PermissionDenied),  # a handler in 航埠镇, but at a grid cell below it
    ("fire_handler", errors.PermissionDenied),  # a department: not at the unit nor above it
])
def test_one_unit_too_far_away_may_not_plan(personas, hangbu, rosters, who, error):
    with pytest.raises(error) as refused:
        _plan(getattr(personas, who), hangbu, rosters.hangbu)
    assert refused.value.message == services.MSG_NOT_ALLOWED.format(unit="航埠镇")
    assert not Reception.objects.exists()


def test_only_the_district_and_towns_hold_reception_days(personas, hangbu_village, rosters):
    with pytest.raises(errors.DomainError) as refused:
        _plan(personas.admin, hangbu_village, rosters.hangbu)
    assert refused.value.field == "unit"
    assert refused.value.message == services.MSG_UNIT_HOLDS_NONE.format(unit=hangbu_village.name)


def test_the_leader_comes_from_the_roster_of_the_unit_or_above(personas, hangbu, rosters):
    with pytest.raises(errors.DomainError) as refused:
        _plan(personas.admin, hangbu, rosters.shiliang)
    assert refused.value.field == "leader"
    assert refused.value.message == services.MSG_LEADER_ELSEWHERE.format(
        leader=rosters.shiliang, leader_unit="石梁镇", unit="航埠镇")
    Leader.objects.filter(pk=rosters.hangbu.pk).update(is_active=False)
    rosters.hangbu.refresh_from_db()
    with pytest.raises(errors.DomainError, match=str(rosters.hangbu)):
        _plan(personas.admin, hangbu, rosters.hangbu)
    assert not Reception.objects.exists()


def test_one_reception_per_unit_and_period(personas, hangbu, shiliang, rosters):
    first = _plan(personas.admin, hangbu, rosters.hangbu, dt.date(2026, 5, 12))
    with pytest.raises(errors.DomainError) as refused:
        _plan(personas.admin, hangbu, rosters.hangbu_deputy, dt.date(2026, 5, 20))  # same dekad
    assert refused.value.field == "date"
    assert "2026-05-12" in refused.value.message and "郑国平" in refused.value.message
    # The next dekad, and another town in the same dekad, are free.
    _plan(personas.admin, hangbu, rosters.hangbu, dt.date(2026, 5, 21))
    _plan(personas.admin, shiliang, rosters.shiliang, dt.date(2026, 5, 12))
    # A cancelled reception frees its period for another.
    services.reception_cancel(reception=first, actor=personas.admin, reason="领导参加防汛会商")
    again = _plan(personas.admin, hangbu, rosters.hangbu_deputy, dt.date(2026, 5, 20))
    assert again.status == ReceptionStatus.PLANNED
    assert Reception.objects.filter(unit=hangbu).count() == 3


def test_the_period_follows_the_setting(personas, hangbu, rosters, settings):
    settings.PINGAN_RECEPTION_PERIOD = "week"
    _plan(personas.admin, hangbu, rosters.hangbu, dt.date(2026, 5, 18))  # Monday of W21
    _plan(personas.admin, hangbu, rosters.hangbu, dt.date(2026, 5, 17))  # Sunday of W20: another week
    with pytest.raises(errors.DomainError):
        _plan(personas.admin, hangbu, rosters.hangbu, dt.date(2026, 5, 24))  # Sunday of W21


def test_a_roster_belongs_to_the_district_or_a_town(hangbu, hangbu_village):
    Leader(unit=hangbu, title="镇长", name="毛丽华").full_clean()
    with pytest.raises(ValidationError) as refused:
        Leader(unit=hangbu_village, title="村支书", name="王五").full_clean()
    assert MSG_LEADER_UNIT.format(unit=hangbu_village.name) in refused.value.message_dict["unit"]


def test_a_place_is_required(personas, hangbu, rosters):
    with pytest.raises(errors.DomainError) as refused:
        _plan(personas.admin, hangbu, rosters.hangbu, place="  ")
    assert (refused.value.field, refused.value.message) == ("place", services.MSG_PLACE_REQUIRED)


# --- Held and cancelled ---------------------------------------------------------------------


def test_recorded_held_on_its_day_or_after_not_before(personas, plan):
    tomorrow = plan(TODAY + DAY)
    with pytest.raises(errors.DomainError) as refused:
        services.reception_mark_held(reception=tomorrow, actor=personas.town_handler)
    assert refused.value.message == services.MSG_HELD_IN_FUTURE.format(date=f"{TODAY + DAY}")
    assert Reception.objects.get(pk=tomorrow.pk).status == ReceptionStatus.PLANNED
    with time_machine.travel(NOW + DAY, tick=False):
        services.reception_mark_held(reception=tomorrow, actor=personas.town_handler, note="接待3批5人")
    stored = Reception.objects.get(pk=tomorrow.pk)
    assert (stored.status, stored.status_changed_by, stored.note) == (
        ReceptionStatus.HELD, personas.town_handler, "接待3批5人")
    with pytest.raises(errors.TransitionNotAllowed):
        services.reception_cancel(reception=stored, actor=personas.town_handler, reason="重复")


def test_cancelling_needs_a_reason_and_keeps_it(personas, plan):
    reception = plan(TODAY + 3 * DAY)
    with pytest.raises(errors.DomainError) as refused:
        services.reception_cancel(reception=reception, actor=personas.town_handler, reason=" ")
    assert refused.value.field == "reason"
    services.reception_cancel(reception=reception, actor=personas.town_handler, reason="领导参加全区防汛会商")
    stored = Reception.objects.get(pk=reception.pk)
    assert (stored.status, stored.note) == (ReceptionStatus.CANCELLED, "领导参加全区防汛会商")
    with pytest.raises(errors.TransitionNotAllowed):
        services.reception_mark_held(reception=stored, actor=personas.town_handler)


def test_a_second_clerk_with_a_stale_copy_changes_nothing(personas, plan):
    reception = plan()
    stale = Reception.objects.get(pk=reception.pk)
    services.reception_cancel(reception=reception, actor=personas.admin, reason="临时调整")
    with pytest.raises(errors.StaleEdit):
        services.reception_mark_held(reception=stale, actor=personas.town_handler)
    assert Reception.objects.get(pk=reception.pk).status == ReceptionStatus.CANCELLED


def test_outsiders_cannot_find_a_reception_and_viewers_cannot_change_it(personas, plan, hangbu_viewer):
    reception = plan()
    for outsider in (personas.outsider, personas.grid_worker):
        with pytest.raises(errors.NotFound):
            services.reception_mark_held(reception=reception, actor=outsider)
    with pytest.raises(errors.PermissionDenied):
        services.reception_mark_held(reception=reception, actor=hangbu_viewer)
    assert Reception.objects.get(pk=reception.pk).status == ReceptionStatus.PLANNED


# --- Visitors ---------------------------------------------------------------------------------


def test_a_visitor_becomes_a_petition_linked_to_the_reception(personas, plan, visitor, hangbu):
    reception = plan()  # today, still planned
    visit = services.reception_visitor_register(reception=reception, actor=personas.town_handler, **visitor)
    petition = Petition.objects.get(pk=visit.petition.pk)
    assert petition.channel == "reception_day" and petition.status == "received"
    assert petition.opened_at == NOW and petition.reporter == personas.town_handler
    assert petition.handling_unit == hangbu and petition.unit == visitor["unit"]
    # The acceptance clock runs from the visit (national profile: 15 days).
    assert petition.is_open and petition.due_at == petition.acceptance_due_at
    assert petition.acceptance_due_at.date() == dt.date(2026, 6, 1)  # 30 May is a Saturday: rolled on
    assert petition.reception_visit.reception == reception  # the link, seen from the petition
    # The first visitor records a reception of today as held.
    stored = Reception.objects.get(pk=reception.pk)
    assert (stored.status, stored.status_changed_by) == (ReceptionStatus.HELD, personas.town_handler)
    assert reception.status == ReceptionStatus.HELD
    # The petition's timeline says where it came from, after its opening.
    created, linked = Event.objects.filter(case=petition).order_by("seq")
    assert created.type == EventType.CREATED and linked.type == EventType.UPDATED
    assert linked.after == {"reception": reception.pk, "reception_date": "2026-05-15",
                            "reception_unit": hangbu.code, "reception_leader": "镇党委书记 郑国平"}
    assert linked.prev_hash == created.hash and Case.objects.get(pk=petition.pk).head_hash == linked.hash


def test_a_visitor_at_a_past_reception_is_entered_with_the_time_on_that_day(personas, plan, visitor):
    yesterday = TODAY - DAY
    reception = plan(yesterday, held=True)
    with pytest.raises(errors.DomainError) as refused:
        services.reception_visitor_register(reception=reception, actor=personas.admin, **visitor)
    assert refused.value.field == "received_at"
    with pytest.raises(errors.DomainError) as refused:
        services.reception_visitor_register(reception=reception, actor=personas.admin, **visitor,
                                            received_at=NOW - 3 * DAY)
    assert refused.value.message == services.MSG_RECEIVED_OTHER_DAY.format(date=f"{yesterday}")
    at = dt.datetime.combine(yesterday, dt.time(9, 30), tzinfo=TZ)
    visit = services.reception_visitor_register(reception=reception, actor=personas.admin, **visitor,
                                                received_at=at)
    assert visit.petition.opened_at == at


@pytest.mark.parametrize(("day", "status", "message"), [
    (TODAY + DAY, "planned", services.MSG_NOT_YET.format(date=f"{TODAY + DAY}")),
    (TODAY - DAY, "planned", services.MSG_NOT_CONFIRMED.format(date=f"{TODAY - DAY}")),
    (TODAY, "cancelled", str(services.MSG_CANCELLED_NO_VISITORS)),
])
def test_only_a_reception_held_or_being_held_takes_visitors(personas, plan, visitor, day, status, message):
    reception = plan(day)
    if status == "cancelled":
        services.reception_cancel(reception=reception, actor=personas.admin, reason="取消")
    with pytest.raises(errors.DomainError) as refused:
        services.reception_visitor_register(reception=reception, actor=personas.admin, **visitor,
                                            received_at=dt.datetime.combine(day, dt.time(9), tzinfo=TZ))
    assert (refused.value.message, refused.value.code) == (message, "not_receiving")
    assert not Petition.objects.exists() and not ReceptionVisit.objects.exists()


def test_bad_input_writes_nothing(personas, plan, visitor, shiliang):
    reception = plan()
    bad = [
        ({"id_number": "330802198001011234"}, "id_number", MSG_ID_CHECK_DIGIT),
        ({"title": "  "}, "title", services.MSG_TITLE_REQUIRED),
        ({"unit": shiliang}, "unit", services.MSG_VISITOR_UNIT_OUTSIDE.format(
            reception_unit="航埠镇", unit="石梁镇")),
        ({"petition_type": "gossip"}, "petition_type", None),
    ]
    for change, field, message in bad:
        with pytest.raises(errors.DomainError) as refused:
            services.reception_visitor_register(reception=reception, actor=personas.admin,
                                                **{**visitor, **change})
        assert refused.value.field == field
        if message:
            assert refused.value.message == str(message)
    # Not even the reception moved to "held": the transaction took it all back.
    assert Reception.objects.get(pk=reception.pk).status == ReceptionStatus.PLANNED
    assert not Case.objects.exists() and not Event.objects.exists() and not ReceptionVisit.objects.exists()


def test_who_may_register_visitors(personas, plan, visitor, hangbu_viewer):
    reception = plan()
    with pytest.raises(errors.NotFound):  # the neighbouring town does not see it at all
        services.reception_visitor_register(reception=reception, actor=personas.outsider, **visitor)
    with pytest.raises(errors.NotFound):  # nor a grid worker below the town
        services.reception_visitor_register(reception=reception, actor=personas.grid_worker, **visitor)
    with pytest.raises(errors.PermissionDenied):  # a viewer sees it, and may not act
        services.reception_visitor_register(reception=reception, actor=hangbu_viewer, **visitor)
    assert not Petition.objects.exists()
    services.reception_visitor_register(reception=reception, actor=personas.admin, **visitor)
    assert ReceptionVisit.objects.filter(reception=reception).count() == 1
