"""The reception page offers "held" and "cancel" exactly when the services would accept them:
the page asks ``may_mark_held`` and ``may_cancel``; the services raise ``mark_held_refusal``
and ``cancel_refusal``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from pingan.core import errors
from pingan.receptions.models import Reception
from pingan.receptions.services import (
    cancel_refusal,
    mark_held_refusal,
    may_cancel,
    may_mark_held,
    reception_cancel,
)
from pingan.receptions.tests.conftest import TODAY

pytestmark = pytest.mark.django_db


def _forms(user, reception: Reception) -> tuple[bool, bool]:
    """Whether the page offers the held form and the cancel form."""
    client = Client()
    client.force_login(user)
    context = client.get(reverse("receptions:detail", args=[reception.pk])).context
    return context["held_form"] is not None, context["cancel_form"] is not None


def test_a_planned_reception_on_its_day_offers_both(clock, personas, plan):
    reception = plan()
    assert may_mark_held(reception, personas.admin, TODAY) and may_cancel(reception, personas.admin)
    assert _forms(personas.admin, reception) == (True, True)


def test_a_reception_still_to_come_cannot_be_recorded_held(clock, personas, plan):
    reception = plan(TODAY + dt.timedelta(days=1))
    assert not may_mark_held(reception, personas.admin, TODAY) and may_cancel(reception, personas.admin)
    assert _forms(personas.admin, reception) == (False, True)
    assert "2026-05-16" in mark_held_refusal(reception, personas.admin, TODAY).message


def test_a_cancelled_reception_offers_neither(clock, personas, plan):
    reception = plan()
    reception_cancel(reception=reception, actor=personas.admin, reason="领导外出")
    assert _forms(personas.admin, reception) == (False, False)
    assert isinstance(cancel_refusal(reception, personas.admin), errors.TransitionNotAllowed)


def test_a_viewer_and_an_outsider_are_offered_neither(clock, personas, plan, hangbu_viewer):
    reception = plan()
    assert _forms(hangbu_viewer, reception) == (False, False)
    assert isinstance(cancel_refusal(reception, hangbu_viewer), errors.PermissionDenied)
    assert isinstance(mark_held_refusal(reception, personas.outsider, TODAY), errors.NotFound)
