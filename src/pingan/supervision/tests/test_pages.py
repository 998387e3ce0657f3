"""The supervision pages: the board, the list, a task, the form that assigns one."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from pingan.supervision.models import SupervisedTask
from pingan.testing import tiny_png

pytestmark = pytest.mark.django_db


def test_the_task_page_shows_milestones_steps_and_timeline(client, make_task, fraud_officer):
    task = make_task()
    client.force_login(fraud_officer)
    response = client.get(reverse("supervision:task", args=[task.ref]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "摸排重点人群" in page and 'data-milestone="next"' in page and 'data-milestone="ahead"' in page
    assert {a.key for a in response.context["actions"]} == {"accept"}


def test_a_step_from_the_page_with_a_file(client, make_task, fraud_officer):
    task = make_task()
    client.force_login(fraud_officer)
    url = reverse("supervision:task-step", args=[task.ref, "accept"])
    assert client.post(url, {"version": task.version}).status_code == 302
    task.refresh_from_db()
    url = reverse("supervision:task-step", args=[task.ref, "report_progress"])
    from django.core.files.uploadedfile import SimpleUploadedFile
    response = client.post(url, {"version": task.version, "note": "已部署",
                                 "attachments": SimpleUploadedFile("a.png", tiny_png(), "image/png")})
    assert response.status_code == 302
    page = client.get(reverse("supervision:task", args=[task.ref])).content.decode()
    assert "已部署" in page and "a.png" in page


def test_a_refused_step_says_why_and_writes_nothing(client, make_task, fraud_officer):
    task = make_task()
    client.force_login(fraud_officer)
    client.post(reverse("supervision:task-step", args=[task.ref, "accept"]), {"version": task.version})
    task.refresh_from_db()
    response = client.post(reverse("supervision:task-step", args=[task.ref, "report_progress"]),
                           {"version": task.version, "note": ""})
    assert response.status_code == 400
    assert SupervisedTask.objects.get(pk=task.pk).version == task.version


def test_the_new_form_is_prefilled_from_the_league(client, personas, hangbu, police, today):
    client.force_login(personas.admin)
    query = {"origin": "indicator", "origin_key": "city:2026Q1:x", "title": "诈骗损失追赶",
             "goal": "降至20万", "origin_label": "2026Q1 城市表", "origin_link": "/league/",
             "unit": hangbu.code, "lead": police.code,
             "deadline": (today + dt.timedelta(days=30)).isoformat()}
    response = client.get(reverse("supervision:task-new") + "?" + urlencode(query))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["unit"] == hangbu and form.initial["lead"] == police
    assert form.initial["title"] == "诈骗损失追赶"


def test_creating_from_the_form_then_the_same_link_opens_it(client, personas, hangbu, police, today):
    client.force_login(personas.admin)
    data = {"title": "诈骗损失追赶", "unit": hangbu.pk, "lead": police.pk, "category": "catch_up",
            "deadline": (today + dt.timedelta(days=30)).isoformat(),
            "milestones": f"{(today + dt.timedelta(days=10)).isoformat()} 摸排", "origin": "indicator",
            "origin_key": "city:2026Q1:y", "origin_label": "", "origin_link": ""}
    response = client.post(reverse("supervision:task-new"), data)
    assert response.status_code == 302
    task = SupervisedTask.objects.get(origin_key="city:2026Q1:y")
    assert task.milestones.count() == 1
    again = client.get(reverse("supervision:task-new") + "?origin_key=city:2026Q1:y")
    assert again.status_code == 302 and again.url == reverse("supervision:task", args=[task.ref])


def test_a_bad_milestone_line_is_an_error_on_its_field(client, personas, hangbu, today):
    client.force_login(personas.admin)
    data = {"title": "追赶", "unit": hangbu.pk, "category": "catch_up",
            "deadline": (today + dt.timedelta(days=30)).isoformat(), "milestones": "下月 摸排"}
    response = client.post(reverse("supervision:task-new"), data)
    assert response.status_code == 400 and "milestones" in response.context["form"].errors
    assert not SupervisedTask.objects.exists()


def test_only_the_office_gets_the_form(client, personas):
    client.force_login(personas.town_handler)
    assert client.get(reverse("supervision:task-new")).status_code == 404


def test_the_board_counts_link_to_the_filtered_list(client, make_task, leader, personas):
    make_task()
    client.force_login(personas.admin)
    response = client.get(reverse("supervision:board"))
    assert response.status_code == 200
    link = reverse("supervision:tasks") + f"?leader={leader.username}&amp;progress=on_time"
    assert link in response.content.decode()
    by_department = client.get(reverse("supervision:board") + "?by=department").content.decode()
    assert "公安分局" in by_department
    listed = client.get(reverse("supervision:tasks"), {"leader": leader.username, "progress": "on_time"})
    assert "电诈损失率追赶" in listed.content.decode()
    late = client.get(reverse("supervision:tasks"), {"progress": "late"})
    assert "电诈损失率追赶" not in late.content.decode()


def test_the_list_answers_htmx_with_its_results(client, make_task, personas):
    make_task()
    client.force_login(personas.admin)
    response = client.get(reverse("supervision:tasks"), {"status": "assigned"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "电诈损失率追赶" in response.content.decode()
    assert "<html" not in response.content.decode()
    bad = client.get(reverse("supervision:tasks"), {"progress": "whenever"})
    assert bad.status_code in (200, 400)
