"""Each step of the petition's clock is declared once (its form, its API schema and its
service take the same inputs), and its checks run once when it is taken."""

import dataclasses
from collections import Counter

import pytest
import time_machine

from pingan.petitions.api import TransitionIn
from pingan.petitions.forms import StepForm
from pingan.petitions.services import petition_transition
from pingan.petitions.tests.test_workflow import at, step
from pingan.petitions.workflow import PETITION_WORKFLOW
from pingan.testing import assert_steps_take_what_they_ask

pytestmark = pytest.mark.django_db


def test_each_steps_form_asks_what_its_service_takes(make_petition, personas):
    petition = make_petition()
    assert_steps_take_what_they_ask(
        PETITION_WORKFLOW, schema=TransitionIn,
        form=lambda name: StepForm(petition=petition, name=name),
        service=lambda name, **inputs: petition_transition(
            petition=petition, name=name, actor=personas.town_handler,
            expected_version=petition.version, **inputs),
    )


def _counting(monkeypatch, name: str, calls: Counter) -> Counter:
    """Make step ``name`` count each call of its rules in ``calls``; each rule once is expected."""
    def counted(rule):
        def counting_rule(case, actor, data):
            calls[rule.__name__] += 1
            return rule(case, actor, data)
        return counting_rule

    transition = PETITION_WORKFLOW.get(name)
    monkeypatch.setitem(PETITION_WORKFLOW._by_name, name, dataclasses.replace(
        transition, actor_requires=tuple(map(counted, transition.actor_requires)),
        requires=tuple(map(counted, transition.requires))))
    return Counter(rule.__name__ for rule in (*transition.actor_requires, *transition.requires))


def test_a_steps_checks_run_once(monkeypatch, make_petition, personas, xinfang):
    handler = personas.town_handler
    with time_machine.travel(at("2026-08-03"), tick=False):
        petition = make_petition()
        steps = {"accept": {}, "reply": {"outcome": "supported", "note": "经核实，已补发。"},
                 "rate": {"satisfaction": "satisfied", "asked_by": "phone"}}
        for name, inputs in steps.items():
            calls: Counter = Counter()
            expected = _counting(monkeypatch, name, calls)
            step(petition, name, xinfang if name == "rate" else handler, **inputs)
            assert calls == expected, name
