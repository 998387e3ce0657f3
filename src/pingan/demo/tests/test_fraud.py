"""The demo year: realistic cases recorded through the services, the planted rings where they
should be (a major one across seven towns, one wholly in 航埠镇), the over-common identifiers
left out, and rings that a full recompute leaves as they are."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pingan.core.models import EventType, Unit
from pingan.demo.fraud import OFFICER, PLANTED, generate
from pingan.demo.generator import DemoContext
from pingan.fraud.linking import TOWN_CODE_LENGTH
from pingan.fraud.models import FraudCase, Identifier, LeftOutReason, Ring
from pingan.fraud.selectors import rings_shown
from pingan.fraud.services import rings_recompute

pytestmark = pytest.mark.django_db


def test_a_year_of_fraud_with_planted_rings(personas, settings):
    # A smaller year than the demo's: the over-common identifiers must still be over the line.
    settings.PINGAN_FRAUD_MAX_IDENTIFIER_DEGREE = 10
    summary = generate(DemoContext.ending(personas=personas, seed=7), 150)
    assert summary.total == FraudCase.objects.count() == 150
    assert set(summary.named) == {ring.name for ring in PLANTED} and all(summary.named.values())

    investment = Ring.objects.get(ring_id=summary.named["investment"])
    assert (investment.case_count, investment.town_count, investment.rank) == (14, 7, 1)
    assert investment.is_major and investment.total_loss >= 500_000
    late = [case for case in investment.cases.all()
            if case.events.filter(type=EventType.UPDATED, after__has_key="identifier").exists()]
    assert len(late) == 1  # joined the ring when the bank account was added a week on

    brushing = Ring.objects.get(ring_id=summary.named["brushing"])
    hangbu = personas.town_handler.roles.get().unit
    assert brushing.town_count == 1
    assert all(case.unit_prefix.startswith(hangbu.prefix) for case in brushing.cases.all())
    assert set(rings_shown(personas.town_handler)) == {brushing}  # the town's own ring, and no other

    left_out = dict(Identifier.objects.exclude(left_out="").values_list("value", "left_out"))
    assert left_out == {"95588": LeftOutReason.DEGREE, "抖音": LeftOutReason.DEGREE}

    cases = FraudCase.objects.all()
    year_ago = timezone.localdate() - dt.timedelta(days=366)
    assert all(year_ago <= case.reported_on <= timezone.localdate() for case in cases)
    assert all(case.occurred_on <= case.reported_on for case in cases)
    assert {"reported", "investigating", "solved"} <= set(summary.breakdowns["status"])
    towns = {case.unit_prefix[:TOWN_CODE_LENGTH] for case in cases}
    assert len(towns) >= 12 and Unit.objects.filter(prefix__in=towns).count() == len(towns)
    assert {case.reporter.username for case in cases} == {OFFICER[0]}

    report = rings_recompute()
    assert (report.created, report.updated, report.removed, report.cases_moved) == (0, 0, 0, 0)
