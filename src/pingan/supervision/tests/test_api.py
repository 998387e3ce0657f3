"""The task API: create (idempotent by origin_key), read, take steps, upload evidence."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pingan.supervision.models import Status, SupervisedTask
from pingan.testing import api_client, tiny_png

pytestmark = pytest.mark.django_db


@pytest.fixture
def body(hangbu, police, leader, today):
    return {"title": "电诈损失率追赶", "unit": hangbu.code, "lead": police.code,
            "deadline": (today + dt.timedelta(days=40)).isoformat(),
            "milestones": [{"title": "摸排", "due_date": (today + dt.timedelta(days=10)).isoformat()}],
            "responsible_leader": leader.username, "origin": "indicator", "origin_key": "city:2026Q1:a"}


def test_create_twice_with_one_origin_key_is_one_task(personas, body):
    api = api_client(personas.admin)
    first = api.post("/api/v1/supervision/tasks", body, content_type="application/json")
    assert first.status_code == 201, first.content
    second = api.post("/api/v1/supervision/tasks", body, content_type="application/json")
    assert second.json()["ref"] == first.json()["ref"]
    assert SupervisedTask.objects.count() == 1
    detail = first.json()
    assert detail["lead"]["name"] == "公安分局" and detail["milestones"][0]["state"] == "next"


def test_a_milestone_after_the_deadline_is_a_400_and_writes_nothing(personas, body, today):
    body["milestones"][0]["due_date"] = (today + dt.timedelta(days=41)).isoformat()
    response = api_client(personas.admin).post("/api/v1/supervision/tasks", body,
                                               content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert not SupervisedTask.objects.exists()


def test_an_unknown_unit_is_a_clear_error(personas, body):
    body["lead"] = "nowhere"
    response = api_client(personas.admin).post("/api/v1/supervision/tasks", body,
                                               content_type="application/json")
    assert 400 <= response.status_code < 500 and not SupervisedTask.objects.exists()


def test_the_loop_over_the_api(personas, body, fraud_officer, leader):
    ref = api_client(personas.admin).post("/api/v1/supervision/tasks", body,
                                          content_type="application/json").json()["ref"]
    officer = api_client(fraud_officer)

    def step(client, name, note=""):
        version = client.get(f"/api/v1/supervision/tasks/{ref}").json()["version"]
        return client.post(f"/api/v1/supervision/tasks/{ref}/transitions/{name}",
                           {"version": version, "note": note}, content_type="application/json")

    assert step(officer, "accept").json()["status"] == Status.IN_PROGRESS
    assert step(officer, "complete_milestone", "已摸排").status_code == 200
    milestones = officer.get(f"/api/v1/supervision/tasks/{ref}/milestones").json()
    assert milestones[0]["state"] == "done" and milestones[0]["done_by"] == fraud_officer.username
    refused = step(officer, "complete", "完成")
    assert refused.status_code == 400  # no evidence yet
    upload = officer.post(f"/api/v1/supervision/tasks/{ref}/attachments",
                          {"file": SimpleUploadedFile("证明.png", tiny_png(), content_type="image/png")})
    assert upload.status_code == 201
    assert step(officer, "complete", "完成").json()["status"] == Status.AWAITING_VERIFICATION
    assert step(officer, "verify").status_code == 403
    done = step(api_client(leader), "verify")
    assert done.json()["status"] == Status.DONE and done.json()["verifier"] == leader.username


def test_the_office_only_creates(personas, body):
    response = api_client(personas.town_handler).post("/api/v1/supervision/tasks", body,
                                                      content_type="application/json")
    assert response.status_code == 403 and not SupervisedTask.objects.exists()
