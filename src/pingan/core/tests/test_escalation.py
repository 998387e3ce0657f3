"""Overdue cases climb one level at a time, each step once, into the right inboxes."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from pingan.core.escalation import escalate_overdue, escalation_chain
from pingan.core.inbox import unread_for
from pingan.core.models import Case, Notification, Role, RoleName
from pingan.core.tasks import sweep_overdue_cases
from pingan.hazards.services import hazard_extend

SHANGHAI = ZoneInfo("Asia/Shanghai")
DUE = dt.datetime(2026, 10, 8, 23, 59, 59, tzinfo=SHANGHAI)
DAY = dt.timedelta(days=1)


@pytest.fixture
def overdue(make_hazard, personas, hangbu_village):
    hazard = make_hazard()
    Case.objects.filter(pk=hazard.pk).update(due_at=DUE)
    # Someone at the village to receive the first step.
    Role.objects.create(user=personas.outsider.__class__.objects.create_user(
        "cunwei", password="a-long-demo-password"), unit=hangbu_village, role=RoleName.HANDLER)
    hazard.refresh_from_db()
    return hazard


def levels(hazard):
    return list(hazard.events.filter(type="escalated").order_by("seq")
                .values_list("after__unit_name", flat=True))


def test_chain_is_village_town_district(overdue):
    assert [u.name for u in escalation_chain(overdue.unit)] == [
        overdue.unit.parent.name, "航埠镇", "柯城区"]


def test_one_level_at_a_time_and_never_twice(overdue, personas):
    assert escalate_overdue(now=DUE) == 0  # due, not yet overdue
    assert escalate_overdue(now=DUE + dt.timedelta(seconds=1)) == 1
    assert escalate_overdue(now=DUE + dt.timedelta(seconds=2)) == 0  # same step: not again
    assert levels(overdue) == [overdue.unit.parent.name]
    # Ten days late, but one sweep climbs only one level.
    assert escalate_overdue(now=DUE + 10 * DAY) == 1
    assert escalate_overdue(now=DUE + 10 * DAY) == 1
    assert escalate_overdue(now=DUE + 10 * DAY) == 0  # the district is the top
    assert levels(overdue) == [overdue.unit.parent.name, "航埠镇", "柯城区"]
    assert Case.objects.get(pk=overdue.pk).escalation_level == 3


def test_second_step_waits_for_the_interval(overdue, settings):
    settings.PINGAN_ESCALATION_INTERVAL_DAYS = 2
    escalate_overdue(now=DUE + DAY)
    assert escalate_overdue(now=DUE + 2 * DAY - dt.timedelta(seconds=1)) == 0
    assert escalate_overdue(now=DUE + 2 * DAY) == 1


def test_escalations_reach_the_inbox_of_the_unit_reached(overdue, personas):
    escalate_overdue(now=DUE + DAY)
    assert not Notification.objects.filter(user=personas.town_handler).exists()
    escalate_overdue(now=DUE + 5 * DAY)
    notice = unread_for(personas.town_handler).get()
    assert notice.case_id == overdue.pk and "航埠镇" in notice.message
    assert notice.event.type == "escalated"
    escalate_overdue(now=DUE + 9 * DAY)
    assert unread_for(personas.admin).filter(case=overdue).exists()
    # The outsider from another town hears nothing.
    assert not Notification.objects.filter(user=personas.outsider).exists()


def test_closed_and_extended_cases_do_not_escalate(overdue, personas):
    hazard_extend(hazard=overdue, actor=personas.town_handler, expected_version=overdue.version,
                  reason="等待供电部门停电施工")
    assert escalate_overdue(now=DUE + DAY) == 0
    Case.objects.filter(pk=overdue.pk).update(is_open=False)
    assert escalate_overdue(now=DUE + 90 * DAY) == 0


def test_sweep_is_queued_in_the_database(overdue):
    from django_tasks_db.models import DBTaskResult

    result = sweep_overdue_cases.enqueue()
    queued = DBTaskResult.objects.get(id=result.id)
    assert queued.task_path.endswith("sweep_overdue_cases")
    assert queued.status == "READY"
    assert levels(overdue) == []  # nothing runs until a worker picks it up


@pytest.mark.django_db(transaction=True)
def test_worker_once_runs_the_queued_sweep_from_the_database(overdue):
    call_command("worker", "--once")
    assert len(levels(overdue)) == 1
