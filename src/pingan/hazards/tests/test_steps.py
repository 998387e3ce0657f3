"""Each step of the hazard loop is declared once: its form, its API schema and its service
take the same inputs."""

import pytest

from pingan.hazards.api import TransitionIn
from pingan.hazards.forms import TransitionForm
from pingan.hazards.services import hazard_transition
from pingan.hazards.workflow import HAZARD_WORKFLOW
from pingan.testing import assert_steps_take_what_they_ask

pytestmark = pytest.mark.django_db


def test_each_steps_form_asks_what_its_service_takes(make_hazard, personas):
    hazard = make_hazard(severity="major")
    assert_steps_take_what_they_ask(
        HAZARD_WORKFLOW, schema=TransitionIn,
        form=lambda name: TransitionForm(hazard=hazard, name=name),
        service=lambda name, **inputs: hazard_transition(
            hazard=hazard, name=name, actor=personas.town_handler,
            expected_version=hazard.version, **inputs),
    )
