"""Each outcome of a warning is declared once: its form, its API schema and its service take
the same inputs."""

import dataclasses

import pytest

from pingan.dissuasion.api import OutcomeIn
from pingan.dissuasion.forms import OutcomeForm
from pingan.dissuasion.models import OUTCOMES
from pingan.dissuasion.services import warning_conclude
from pingan.dissuasion.tests.test_rules import register
from pingan.dissuasion.workflow import WARNING_WORKFLOW
from pingan.testing import assert_steps_take_what_they_ask

pytestmark = pytest.mark.django_db


def test_each_outcomes_form_asks_what_its_service_takes(personas, worker_grid):
    warning = register(personas.admin, worker_grid)
    # "reach" asks for nothing: recording a contact takes it, with the contact's own form.
    outcomes = dataclasses.replace(WARNING_WORKFLOW, transitions=tuple(
        t for t in WARNING_WORKFLOW.transitions if t.name in OUTCOMES))
    assert_steps_take_what_they_ask(
        outcomes, schema=OutcomeIn,
        form=lambda name: OutcomeForm(warning=warning, name=name),
        service=lambda name, **inputs: warning_conclude(
            warning=warning, outcome=name, actor=personas.town_handler, expected_version=warning.version,
            **inputs),
    )
