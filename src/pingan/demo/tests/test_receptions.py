"""The demo year of reception days: a roster for the district and every town, a reception
in nearly every period with realistic gaps (some towns far more than others), the next
periods planned, visitors as petitions — all through the services, the same from one seed."""

from __future__ import annotations

from collections import Counter

import pytest

from pingan.petitions.models import Petition
from pingan.receptions.demo import demo_receptions
from pingan.receptions.models import Leader, Reception, ReceptionStatus, ReceptionVisit
from pingan.receptions.periods import span_of
from pingan.receptions.selectors import CellState, reception_calendar
from pingan.receptions.tests.conftest import TODAY

pytestmark = pytest.mark.usefixtures("clock")


def test_a_year_of_reception_days(personas, district):
    made = demo_receptions(actor=personas.admin, today=TODAY, visitor_days=20)
    assert len(made.leaders) == 4 + 18 * 3 == Leader.objects.count()
    assert {leader.unit.name for leader in made.leaders} >= {"柯城区", "航埠镇", "白云街道"}
    assert len(made.receptions) == Reception.objects.count() > 19 * 34
    stored = Counter(Reception.objects.values_list("status", flat=True))
    assert stored == made.by_status and stored["held"] > stored["cancelled"] > 0
    assert str(made).startswith(f"{len(made.leaders)} roster leaders; {len(made.receptions)} reception days")

    # Gaps: every kind of miss happens, and some towns miss far more periods than others.
    calendar = reception_calendar(user=personas.admin, unit=district, first=TODAY.replace(month=1, day=1),
                                  last=span_of(TODAY.year)[1], today=TODAY)
    missing = {row.unit.name: row.count(CellState.MISSING) for row in calendar.rows}
    assert sum(missing.values()) > 0 and sum(1 for n in missing.values() if n == 0) >= 5
    assert max(missing.values()) >= 3
    unconfirmed = Reception.objects.filter(status=ReceptionStatus.PLANNED, date__lt=TODAY)
    assert unconfirmed.exists()  # held but never recorded: a gap a clerk may still fill
    # Ahead: the rest of this dekad and the next are mostly planned.
    upcoming = Reception.objects.filter(date__gt=TODAY)
    assert upcoming.count() >= 19 and set(upcoming.values_list("status", flat=True)) == {"planned"}

    # Visitors of the last twenty days are petitions on the reception-day channel.
    assert made.visits and ReceptionVisit.objects.count() == len(made.visits)
    for visit in made.visits:
        petition = Petition.objects.get(pk=visit.petition_id)
        assert petition.channel == "reception_day"
        assert petition.opened_at.date() == visit.reception.date
        assert visit.reception.status == ReceptionStatus.HELD
        assert visit.reception.unit.contains(petition.unit)


def test_the_same_seed_gives_the_same_year(personas, district):
    first = demo_receptions(actor=personas.admin, today=TODAY)
    signature = [(r.unit_id, r.date, r.status, r.leader.name) for r in first.receptions]
    assert not first.visits  # no visitors unless asked for
    Reception.objects.all().delete()
    Leader.objects.all().delete()
    again = demo_receptions(actor=personas.admin, today=TODAY)
    assert [(r.unit_id, r.date, r.status, r.leader.name) for r in again.receptions] == signature
