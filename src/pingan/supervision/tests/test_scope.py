"""Who sees a task, the same everywhere: the list, the count, the board, the page, the API,
the attachments (``selectors.tasks_for``)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pingan.supervision import selectors, services
from pingan.supervision.selectors import TaskFilters
from pingan.testing import api_client, tiny_png

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(make_task, fraud_officer, co_handler, district):
    from pingan.core.models import Unit

    task = make_task(co_handlers=[Unit.objects.get(name="应急管理局")])
    task.refresh_from_db()
    services.task_transition(task=task, name="accept", actor=fraud_officer, expected_version=task.version)
    services.task_attachment_add(task=task, actor=fraud_officer, name="方案.png", content=tiny_png())
    return task


def _sees_everywhere(client, user, task) -> list[bool]:
    """Whether ``user`` sees the task in each of the places a task is shown."""
    client.force_login(user)
    attachment = task.attachments.get()
    api = api_client(user)
    return [
        selectors.task_list(user=user, filters=TaskFilters()).filter(pk=task.pk).exists(),
        api.get("/api/v1/supervision/tasks/count").json()["count"] == 1,
        sum(row.total for row in selectors.board(user)) == 1,
        client.get(reverse("supervision:task", args=[task.ref])).status_code == 200,
        api.get(f"/api/v1/supervision/tasks/{task.ref}").status_code == 200,
        client.get(reverse("supervision:task-attachment", args=[task.ref, attachment.pk])).status_code == 200,
        task.ref in api.get("/api/v1/supervision/tasks").content.decode(),
    ]


def test_a_department_role_of_another_domain_sees_the_task_its_department_leads(client, task, fraud_officer):
    assert _sees_everywhere(client, fraud_officer, task) == [True] * 7


def test_the_responsible_leader_and_a_co_handler_see_it(client, task, leader, co_handler):
    assert _sees_everywhere(client, leader, task) == [True] * 7
    assert _sees_everywhere(client, co_handler, task) == [True] * 7


def test_the_town_it_is_for_and_the_office_see_it(client, task, personas):
    assert _sees_everywhere(client, personas.town_handler, task) == [True] * 7
    assert _sees_everywhere(client, personas.admin, task) == [True] * 7


def test_an_outsider_sees_nothing_of_it(client, task, personas):
    for user in (personas.outsider, personas.fire_handler):
        assert _sees_everywhere(client, user, task) == [False] * 7
        assert client.get(reverse("supervision:board")).status_code == 200


def test_a_co_handler_sees_but_does_not_act(task, co_handler):
    from pingan.supervision.workflow import TASK_WORKFLOW

    assert TASK_WORKFLOW.available(task, co_handler) == []
    assert not services.may_attach(task, co_handler)
