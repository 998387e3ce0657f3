"""Reception-day fixtures on top of the shared personas.

    rosters        leaders of 柯城区 (district), 航埠镇 and 石梁镇
    plan           plan a reception through the service (as the district admin, in 航埠镇)
    visitor        the fields of one visitor's petition

Dates are fixed by ``time_machine`` at ``NOW`` (a Friday in the 2nd dekad of May 2026) unless
a test travels elsewhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.utils import timezone

from pingan.core.models import Unit

# Fixtures of the petitions suite, shared here: 航埠镇's viewer and the discipline commission.
from pingan.petitions.tests.conftest import ID_NUMBER, PHONE, discipline, hangbu_viewer  # noqa: F401
from pingan.receptions.models import Leader
from pingan.receptions.services import reception_mark_held, reception_plan

TZ = timezone.get_default_timezone()
NOW = dt.datetime(2026, 5, 15, 10, 0, tzinfo=TZ)
TODAY = NOW.date()


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@dataclass(frozen=True)
class Rosters:
    district: Leader
    hangbu: Leader
    hangbu_deputy: Leader
    shiliang: Leader


@pytest.fixture
def rosters(district, hangbu, shiliang) -> Rosters:
    def leader(unit: Unit, title: str, name: str) -> Leader:
        return Leader.objects.create(unit=unit, title=title, name=name)

    return Rosters(
        district=leader(district, "区长", "周建华"),
        hangbu=leader(hangbu, "镇党委书记", "郑国平"),
        hangbu_deputy=leader(hangbu, "镇长", "毛丽华"),
        shiliang=leader(shiliang, "镇党委书记", "汪志强"),
    )


@pytest.fixture
def plan(personas, hangbu, rosters):
    def make(day: dt.date = TODAY, *, unit: Unit | None = None, leader: Leader | None = None,
             held: bool = False, actor=None):
        actor = actor or personas.admin
        reception = reception_plan(actor=actor, unit=unit or hangbu, leader=leader or rosters.hangbu,
                                   date=day, place="航埠镇人民政府信访接待室")
        if held:
            reception_mark_held(reception=reception, actor=actor,
                                at=dt.datetime.combine(day, dt.time(17), tzinfo=TZ))
        return reception

    return make


@pytest.fixture
def visitor(hangbu_village):
    return {
        "petition_type": "complaint", "category": "land", "title": "征地补偿款未足额发放",
        "matter": "村民反映2025年征地补偿款少发。", "petitioner_name": "张三", "id_number": ID_NUMBER,
        "phone": PHONE, "address": "浙江省衢州市柯城区航埠镇缪村村12号", "unit": hangbu_village,
    }

