"""Each step of the task's loop is one definition (form, API schema, service), and the page
and the API offer exactly the steps and the extension the services would take."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pingan.supervision import services
from pingan.supervision.api import TaskStepIn
from pingan.supervision.forms import TaskStepForm
from pingan.supervision.workflow import TASK_WORKFLOW
from pingan.testing import api_client, assert_steps_take_what_they_ask

pytestmark = pytest.mark.django_db


def test_steps_take_what_they_ask(make_task, fraud_officer):
    task = make_task()
    assert_steps_take_what_they_ask(
        TASK_WORKFLOW, schema=TaskStepIn,
        form=lambda name: TaskStepForm(task=task, name=name),
        service=lambda name, **inputs: services.task_transition(
            task=task, name=name, actor=fraud_officer, expected_version=task.version, **inputs),
    )


def _offered(client, user, task) -> set[str]:
    client.force_login(user)
    return {a.key for a in client.get(reverse("supervision:task", args=[task.ref])).context["actions"]}


def test_the_page_and_the_api_offer_what_the_services_take(client, make_task, fraud_officer, leader,
                                                           personas):
    task = make_task()
    assert _offered(client, fraud_officer, task) == {"accept"}
    assert _offered(client, personas.admin, task) == {"cancel", "extend"}
    assert _offered(client, leader, task) == set()
    detail = api_client(personas.admin).get(f"/api/v1/supervision/tasks/{task.ref}").json()
    assert detail["may_extend"] is True and {t["name"] for t in detail["transitions"]} == {"cancel"}
    assert services.may_extend(task, personas.admin) and not services.may_extend(task, fraud_officer)
