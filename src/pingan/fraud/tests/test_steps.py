"""Each step of a fraud case is declared once: its form, its API schema and its service take
the same inputs."""

import pytest

from pingan.fraud.api import TransitionIn
from pingan.fraud.forms import StepForm
from pingan.fraud.services import fraud_case_transition
from pingan.fraud.workflow import FRAUD_WORKFLOW
from pingan.testing import assert_steps_take_what_they_ask

pytestmark = pytest.mark.django_db


def test_each_steps_form_asks_what_its_service_takes(record, personas):
    case = record()
    assert_steps_take_what_they_ask(
        FRAUD_WORKFLOW, schema=TransitionIn,
        form=lambda name: StepForm(case=case, name=name),
        service=lambda name, **inputs: fraud_case_transition(
            case=case, name=name, actor=personas.town_handler, expected_version=case.version, **inputs),
    )
