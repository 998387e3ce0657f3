"""Fixtures of the fraud tests: recording a case through the service, with plain defaults."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from pingan.core.models import Unit, UnitKind
from pingan.fraud.services import VictimIn, fraud_case_record

_victim_names = itertools.cycle(["王建华", "李秀英", "张伟", "刘丽华", "陈志强"])


@pytest.fixture
def towns(district) -> dict[str, Unit]:
    return {u.name: u for u in Unit.objects.filter(parent=district).exclude(kind=UnitKind.DEPARTMENT)}


@pytest.fixture
def record(personas, hangbu):
    """Record a fraud case (as the district admin, in 航埠镇, by default)."""

    def make(*identifiers: tuple[str, str], **overrides):
        fields = {
            "actor": personas.admin,
            "unit": hangbu,
            "scam_type": "rebate_task",
            "reported_on": timezone.localdate() - dt.timedelta(days=3),
            "loss": 12_000,
            "victims": [VictimIn(name=next(_victim_names))],
            "identifiers": identifiers,
        }
        fields.update(overrides)
        return fraud_case_record(**fields)

    return make
