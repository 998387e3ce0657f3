"""The demo's year of warning orders: played through the services, most people reached in time
and talked out of paying, some not reached, a few already defrauded and linked to their case, and
the grid worker persona with warnings open in their cell today."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pingan.core.models import EventType
from pingan.demo import dissuasion, fraud
from pingan.demo.fraud import OFFICER
from pingan.demo.generator import DemoContext
from pingan.dissuasion.models import WarningOrder, WarningStatus
from pingan.dissuasion.selectors import dissuasion_metrics, open_warnings
from pingan.petitions.selectors import backlog_units

pytestmark = pytest.mark.django_db


def test_a_year_of_warnings(personas, worker_grid):
    ctx = DemoContext.ending(personas=personas, seed=7)
    fraud.generate(ctx, 150)
    summary = dissuasion.generate(ctx, 300)
    warnings = WarningOrder.objects.all()
    assert summary.total == warnings.count() == 303  # and three planted open ones
    year_ago = timezone.now() - dt.timedelta(days=366)
    assert all(year_ago < w.opened_at <= timezone.now() for w in warnings)
    assert {w.reporter.username for w in warnings} == {OFFICER[0]}
    today = timezone.localdate()
    metrics = dissuasion_metrics(user=personas.admin, units=backlog_units(),
                                 first=today - dt.timedelta(days=365), last=today)
    totals = metrics["totals"]
    assert totals["received"] == 303 and totals["overdue"] >= 1
    assert 0.8 <= totals["contact_on_time_rate"] <= 0.95
    assert 0.8 <= totals["prevention_rate"] <= 0.93
    assert totals["not_reached"] >= 5 and totals["already_lost"] >= 3
    assert 10 * 60 < totals["median_contact_seconds"] < 3 * 3600
    assert summary.counts["linked to their fraud case"] >= 1
    linked = warnings.filter(fraud_case__isnull=False).select_related("fraud_case")
    assert all(w.fraud_case.unit_prefix[:9] == w.unit_prefix[:9] for w in linked)
    # The person at risk is the victim of the case they ended in.
    assert all(w.person_name == w.fraud_case.victims.order_by("id").first().name for w in linked)
    # Contacts were recorded by the people of the place, not by the officer.
    assert warnings.filter(contacts__by=personas.grid_worker).exists()
    mine = open_warnings(user=personas.grid_worker, unit=worker_grid)
    assert {w.status for w in mine} >= {WarningStatus.AWAITING_CONTACT, WarningStatus.CONTACTED}
    outcome = warnings.exclude(status__in=[WarningStatus.AWAITING_CONTACT, WarningStatus.CONTACTED]).first()
    assert [e.type for e in outcome.events.order_by("seq")][-1] == EventType.TRANSITION
