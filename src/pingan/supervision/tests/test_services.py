"""The rules of supervised tasks, each at its edge."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from pingan.core import errors
from pingan.core.deadlines import end_of_day
from pingan.core.escalation import escalate_overdue
from pingan.core.models import EventType, Notification
from pingan.supervision import services
from pingan.supervision.models import Milestone, Origin, Status
from pingan.supervision.workflow import TASK_WORKFLOW
from pingan.testing import tiny_png

pytestmark = pytest.mark.django_db


def step(task, name, actor, note="", **inputs):
    task.refresh_from_db()
    return services.task_transition(task=task, name=name, actor=actor, expected_version=task.version,
                                    note=note, **inputs)


def refusal(task, name, actor, note="", **inputs) -> errors.DomainError:
    with pytest.raises(errors.DomainError) as refused:
        step(task, name, actor, note, **inputs)
    return refused.value


def evidence():
    return [("成效.png", tiny_png())]


def to_awaiting_verification(task, officer):
    step(task, "accept", officer)
    step(task, "complete_milestone", officer, "已摸排")
    step(task, "complete_milestone", officer, "已宣传")
    step(task, "complete", officer, "损失率下降", evidence=evidence())
    return task


# --- Creation -----------------------------------------------------------------------------


def test_a_task_is_due_at_the_end_of_its_first_milestones_day(make_task, today):
    task = make_task()
    assert task.status == Status.ASSIGNED and task.ref.startswith("DB")
    assert task.due_at == end_of_day(today + dt.timedelta(days=10))
    assert [m.title for m in task.milestones.all()] == ["摸排重点人群", "开展集中宣传"]


def test_the_leads_people_are_told_of_a_new_task(make_task, fraud_officer):
    task = make_task()
    assert Notification.objects.filter(user=fraud_officer, case=task).exists()


def test_without_milestones_the_task_is_due_on_its_deadline(make_task, today):
    task = make_task(milestones=())
    assert task.due_at == end_of_day(today + dt.timedelta(days=60))


def test_a_milestone_on_the_deadline_is_taken_one_day_after_is_refused(make_task, today):
    deadline = today + dt.timedelta(days=20)
    assert make_task(deadline=deadline, milestones=[("终", deadline)]).pk
    with pytest.raises(errors.DomainError) as refused:
        make_task(deadline=deadline, milestones=[("晚", deadline + dt.timedelta(days=1))])
    assert refused.value.field == "milestones"


def test_a_deadline_today_is_taken_yesterday_is_refused(make_task, today):
    assert make_task(deadline=today, milestones=()).pk
    with pytest.raises(errors.DomainError) as refused:
        make_task(deadline=today - dt.timedelta(days=1), milestones=())
    assert refused.value.field == "deadline"


def test_the_same_origin_key_returns_the_first_task(make_task):
    first = make_task(origin=Origin.INDICATOR, origin_key="city:2026Q1:330802:fraud_loss")
    second = make_task(origin=Origin.INDICATOR, origin_key="city:2026Q1:330802:fraud_loss", title="另一个")
    assert second.pk == first.pk and second.title == first.title


def test_only_the_districts_office_creates(make_task, personas, fraud_officer):
    for user in (personas.town_handler, fraud_officer, personas.fire_handler):
        with pytest.raises(errors.PermissionDenied):
            make_task(actor=user)
        assert not services.may_create_task(user)
    assert services.may_create_task(personas.admin)


def test_the_lead_is_a_department_or_the_unit_itself(make_task, hangbu, shiliang, police):
    assert make_task(lead=hangbu).department == hangbu
    with pytest.raises(errors.DomainError) as refused:
        make_task(lead=shiliang)
    assert refused.value.field == "lead"
    # A district-wide task is filed at its lead department.
    assert make_task(unit=police, lead=police, milestones=()).unit == police


def test_the_responsible_leader_is_a_leader_in_charge_of_supervision(make_task, personas):
    with pytest.raises(errors.DomainError) as refused:
        make_task(responsible_leader=personas.town_handler)
    assert refused.value.field == "responsible_leader"


# --- The loop -----------------------------------------------------------------------------


def test_only_the_leads_people_accept(make_task, fraud_officer, personas):
    task = make_task()
    assert isinstance(refusal(task, "accept", personas.town_handler), errors.PermissionDenied)
    step(task, "accept", fraud_officer)
    assert task.status == Status.IN_PROGRESS


def test_a_progress_report_keeps_the_status_and_its_files(make_task, fraud_officer):
    task = make_task()
    step(task, "accept", fraud_officer)
    step(task, "report_progress", fraud_officer, "已召开部署会", attachments=evidence())
    assert task.status == Status.IN_PROGRESS
    assert task.attachments.count() == 1
    assert refusal(task, "report_progress", fraud_officer, "  ").field == "note"


def test_due_at_moves_with_the_milestones_and_escalation_starts_again(make_task, fraud_officer, today):
    task = make_task()
    step(task, "accept", fraud_officer)
    task.__class__.objects.filter(pk=task.pk).update(escalation_level=1)
    step(task, "complete_milestone", fraud_officer, "已摸排")
    assert task.due_at == end_of_day(today + dt.timedelta(days=30))
    assert task.escalation_level == 0
    event = task.events.order_by("-seq").first()
    assert event.before["escalation_level"] == 1 and event.after["escalation_level"] == 0
    assert Milestone.objects.get(title="摸排重点人群").done_by == fraud_officer
    step(task, "complete_milestone", fraud_officer, "已宣传")
    assert task.due_at == end_of_day(today + dt.timedelta(days=60))
    assert "complete_milestone" not in {t.name for t in TASK_WORKFLOW.available(task, fraud_officer)}


def test_an_overdue_milestone_escalates_on_the_shared_sweep(make_task, fraud_officer, today, hangbu, leader):
    task = make_task()
    due = end_of_day(today + dt.timedelta(days=10))
    with time_machine.travel(due - dt.timedelta(minutes=1)):
        assert escalate_overdue() == 0
    with time_machine.travel(due + dt.timedelta(minutes=1)):
        assert escalate_overdue() == 1
    task.refresh_from_db()
    assert task.escalation_level == 1
    escalated = task.events.get(type=EventType.ESCALATED)
    assert escalated.after["unit"] == hangbu.parent.code
    assert Notification.objects.filter(user=leader, event=escalated).exists()


def test_completion_needs_every_milestone_done_and_evidence(make_task, fraud_officer):
    task = make_task()
    step(task, "accept", fraud_officer)
    step(task, "complete_milestone", fraud_officer, "已摸排")
    assert "1" in refusal(task, "complete", fraud_officer, "完成", evidence=evidence()).message
    step(task, "complete_milestone", fraud_officer, "已宣传")
    assert refusal(task, "complete", fraud_officer, "完成").message == str(
        services.TASK_WORKFLOW.get("complete").requires[1](task, fraud_officer, {}))
    step(task, "complete", fraud_officer, "完成", evidence=evidence())
    assert task.status == Status.AWAITING_VERIFICATION and task.completed_by == fraud_officer


def test_the_lead_may_not_verify_its_own_task(make_task, fraud_officer, police):
    task = to_awaiting_verification(make_task(), fraud_officer)
    assert isinstance(refusal(task, "verify", fraud_officer), errors.PermissionDenied)


def test_who_reported_the_completion_may_not_verify(make_task, personas, hangbu):
    # A task the town leads, completed by the district admin acting for it (a superuser-free
    # admin holds a district role: the lead's people are the town's, so the admin is not one).
    task = make_task(lead=hangbu)
    step(task, "accept", personas.town_handler)
    step(task, "complete_milestone", personas.town_handler, "一")
    step(task, "complete_milestone", personas.town_handler, "二")
    step(task, "complete", personas.town_handler, "完成", evidence=evidence())
    task.__class__.objects.filter(pk=task.pk).update(completed_by=personas.admin)
    task.refresh_from_db()
    refused = refusal(task, "verify", personas.admin)
    assert refused.message == str(services.TASK_WORKFLOW.get("verify").actor_requires[0](
        task, personas.admin, {}))


def test_the_responsible_leader_verifies(make_task, fraud_officer, leader):
    task = to_awaiting_verification(make_task(), fraud_officer)
    step(task, "verify", leader)
    assert task.status == Status.DONE and task.verifier == leader and not task.is_open


def test_a_return_needs_a_reason_and_sends_it_back(make_task, fraud_officer, personas):
    task = to_awaiting_verification(make_task(), fraud_officer)
    assert refusal(task, "return", personas.admin).field == "note"
    step(task, "return", personas.admin, "证据不足")
    assert task.status == Status.IN_PROGRESS


def test_only_the_office_cancels_with_a_reason(make_task, fraud_officer, personas):
    task = make_task()
    assert isinstance(refusal(task, "cancel", fraud_officer, "不需要"), errors.PermissionDenied)
    step(task, "cancel", personas.admin, "任务调整")
    assert task.status == Status.CANCELLED and not task.is_open


# --- The one extension --------------------------------------------------------------------


def test_one_extension_within_the_limit(make_task, personas, today, settings):
    task = make_task(milestones=())
    deadline = task.deadline

    def extend(new, reason="等数据"):
        task.refresh_from_db()
        return services.task_extend(task=task, actor=personas.admin, expected_version=task.version,
                                    deadline=new, reason=reason)

    with pytest.raises(errors.DomainError):
        extend(deadline)
    with pytest.raises(errors.DomainError):
        extend(deadline + dt.timedelta(days=settings.PINGAN_TASK_EXTENSION_DAYS + 1))
    extend(deadline + dt.timedelta(days=settings.PINGAN_TASK_EXTENSION_DAYS))
    assert task.due_at == end_of_day(deadline + dt.timedelta(days=settings.PINGAN_TASK_EXTENSION_DAYS))
    assert not services.may_extend(task, personas.admin)
    with pytest.raises(errors.DomainError):
        extend(deadline + dt.timedelta(days=1))


def test_completion_after_the_deadline_is_done_late(make_task, fraud_officer, leader, today):
    from pingan.supervision.selectors import Progress, board
    task = make_task(milestones=(), deadline=today)
    step(task, "accept", fraud_officer)
    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        step(task, "complete", fraud_officer, "完成", evidence=evidence())
        step(task, "verify", leader)
        row = board(leader, by="leader")[0]
    assert row.counts[Progress.DONE_LATE] == 1 and row.counts[Progress.DONE_ON_TIME] == 0


def test_late_tasks_for_circulars_name_the_overdue_and_the_done_late(make_task, personas, leader, today,
                                                                     hangbu, police):
    from pingan.supervision.selectors import late_tasks
    overdue = make_task(milestones=(), deadline=today, title="逾期未办结")
    on_time = make_task(milestones=(), deadline=today + dt.timedelta(days=5), title="按期")
    done_late = make_task(milestones=(), deadline=today, title="逾期办结", lead=hangbu)
    town = personas.town_handler
    step(done_late, "accept", town)
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        step(done_late, "complete", town, "完成", evidence=evidence())
        step(done_late, "verify", leader)
        late = list(late_tasks())
        assert set(late) == {overdue, done_late} and on_time not in late
        assert list(late_tasks(units=[police])) == [overdue]
        assert list(late_tasks(start=timezone.now() + dt.timedelta(days=1))) == []
