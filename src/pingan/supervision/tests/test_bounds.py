"""Input at its bounds: a task's dates, text with a NUL in it, and what a co-handler — who
sees a task but does not act on it — is told when they try."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from pingan.core import errors
from pingan.core.models import Unit
from pingan.supervision import services
from pingan.supervision.models import Status, SupervisedTask
from pingan.supervision.workflow import MSG_NOT_OF_LEAD
from pingan.testing import api_client, tiny_png

pytestmark = pytest.mark.django_db

TASKS = "/api/v1/supervision/tasks"


@pytest.fixture
def body(hangbu, police, today):
    return {"title": "电诈损失率追赶", "unit": hangbu.code, "lead": police.code,
            "deadline": (today + dt.timedelta(days=40)).isoformat(), "milestones": []}


def _create(personas, body):
    return api_client(personas.admin).post(TASKS, body, content_type="application/json")


# --- A task's dates -------------------------------------------------------------------------


def test_the_deadline_is_at_most_the_settings_years_ahead(personas, body, today):
    assert services.latest_deadline(dt.date(2026, 4, 20)) == dt.date(2029, 4, 20)
    latest = services.latest_deadline(today)

    for deadline in (latest + dt.timedelta(days=1), dt.date(9999, 12, 15)):
        refused = _create(personas, {**body, "deadline": deadline.isoformat()})
        assert refused.status_code == 400 and refused.json()["field"] == "deadline", refused.content
    assert not SupervisedTask.objects.exists()
    assert _create(personas, {**body, "deadline": latest.isoformat()}).status_code == 201


def test_the_29th_of_february_reaches_the_28th():
    assert services.latest_deadline(dt.date(2028, 2, 29)) == dt.date(2031, 2, 28)


def test_a_milestone_before_the_day_the_task_is_assigned_is_refused(personas, body, today):
    day_before = (today - dt.timedelta(days=1)).isoformat()
    yesterday = {**body, "milestones": [{"title": "摸排", "due_date": day_before}]}
    refused = _create(personas, yesterday)
    assert refused.status_code == 400 and refused.json()["field"] == "milestones"
    assert not SupervisedTask.objects.exists()

    on_the_day = {**body, "milestones": [{"title": "摸排", "due_date": today.isoformat()}]}
    assert _create(personas, on_the_day).status_code == 201


def test_a_back_dated_task_takes_milestones_from_its_own_day(make_task, today):
    assigned = timezone.now() - dt.timedelta(days=30)
    day = timezone.localdate(assigned)
    task = make_task(at=assigned, milestones=[("摸排", day)], deadline=today)
    assert task.milestones.get().due_date == day
    with pytest.raises(errors.DomainError) as refused:
        make_task(at=assigned, milestones=[("摸排", day - dt.timedelta(days=1))], deadline=today)
    assert refused.value.field == "milestones"


def test_an_extension_past_the_cap_or_off_the_calendar_is_a_400(personas, make_task, today, settings):
    settings.PINGAN_TASK_EXTENSION_DAYS = 10 ** 7  # a policy that reaches past the year 9999
    latest = services.latest_deadline(today)
    task = make_task(milestones=(), deadline=latest - dt.timedelta(days=1))
    api = api_client(personas.admin)

    def extend(deadline):
        version = api.get(f"{TASKS}/{task.ref}").json()["version"]
        return api.post(f"{TASKS}/{task.ref}/extension",
                        {"version": version, "deadline": deadline.isoformat(), "reason": "等数据"},
                        content_type="application/json")

    refused = extend(latest + dt.timedelta(days=1))
    assert refused.status_code == 400 and refused.json()["field"] == "deadline"
    # A deadline stored before the cap existed: extending it answers, it does not overflow.
    SupervisedTask.objects.filter(pk=task.pk).update(deadline=dt.date(9999, 12, 15))
    assert extend(dt.date(9999, 12, 20)).status_code == 400
    SupervisedTask.objects.filter(pk=task.pk).update(deadline=latest - dt.timedelta(days=1))
    assert extend(latest).status_code == 200


# --- NUL characters -------------------------------------------------------------------------


def test_text_with_a_nul_is_refused_and_nothing_is_written(personas, body, make_task, fraud_officer):
    for field, value in (("title", "电诈\x00"), ("goal", "降\x00"),
                         ("milestones", [{"title": "摸\x00排", "due_date": body["deadline"]}])):
        refused = _create(personas, {**body, field: value})
        assert refused.status_code == 400 and refused.json()["field"] == field, refused.content
    assert not SupervisedTask.objects.exists()

    task = make_task()
    officer = api_client(fraud_officer)
    refused = officer.post(f"{TASKS}/{task.ref}/transitions/accept",
                           {"version": task.version, "note": "好\x00"}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["field"] == "note"
    task.refresh_from_db()
    assert task.status == Status.ASSIGNED


# --- A co-handler sees the task and is told why they may not act ----------------------------


@pytest.fixture
def co_handled(make_task, fraud_officer):
    task = make_task(co_handlers=[Unit.objects.get(name="应急管理局")])
    services.task_transition(task=task, name="accept", actor=fraud_officer, expected_version=task.version)
    task.refresh_from_db()
    return task


def test_a_co_handler_is_refused_a_step_and_an_upload_with_the_rule_over_the_api(co_handled, co_handler,
                                                                                 personas):
    expected = str(MSG_NOT_OF_LEAD.format(unit="公安分局"))
    api = api_client(co_handler)

    step = api.post(f"{TASKS}/{co_handled.ref}/transitions/report_progress",
                    {"version": co_handled.version, "note": "已配合"}, content_type="application/json")
    upload = api.post(f"{TASKS}/{co_handled.ref}/attachments",
                      {"file": SimpleUploadedFile("证明.png", tiny_png(), content_type="image/png")})

    assert (step.status_code, step.json()["message"]) == (403, expected)
    assert (upload.status_code, upload.json()["message"]) == (403, expected)
    assert not co_handled.attachments.exists()
    # Who may not see the task still learns nothing of it.
    outsider = api_client(personas.outsider).post(f"{TASKS}/{co_handled.ref}/attachments", {
        "file": SimpleUploadedFile("证明.png", tiny_png(), content_type="image/png")})
    assert outsider.status_code == 404


def test_a_co_handler_is_refused_a_step_on_the_page_with_the_rule(client, co_handled, co_handler, personas):
    client.force_login(co_handler)
    response = client.post(reverse("supervision:task-step", args=[co_handled.ref, "report_progress"]),
                           {"version": co_handled.version, "note": "已配合",
                            "attachments": SimpleUploadedFile("a.png", tiny_png(), "image/png")})

    assert response.status_code == 403
    with translation.override("zh-hans"):
        assert str(MSG_NOT_OF_LEAD.format(unit="公安分局")) in response.content.decode()
    assert co_handled.events.count() == 2 and not co_handled.attachments.exists()
    client.force_login(personas.outsider)
    assert client.post(reverse("supervision:task-step", args=[co_handled.ref, "report_progress"]),
                       {"version": co_handled.version, "note": "x"}).status_code == 404
