"""The demo year of reception days: a roster for the district and every town, a reception
in nearly every period with realistic gaps (some towns far more than others), the next
periods planned, visitors as petitions — all through the services, the same from one seed."""

from __future__ import annotations

from collections import Counter

import pytest

from pingan.demo.generator import DemoContext
from pingan.demo.receptions import generate
from pingan.petitions.models import Petition
from pingan.receptions.models import Leader, Reception, ReceptionStatus, ReceptionVisit
from pingan.receptions.periods import span_of
from pingan.receptions.selectors import CellState, reception_calendar
from pingan.receptions.tests.conftest import TODAY, clock  # noqa: F401 (the fixture)

pytestmark = pytest.mark.usefixtures("clock")


def _year(personas, visitor_days: int):
    """A year ending today as the clock has it, with no reception held today by the persona's town."""
    return generate(DemoContext.ending(personas=personas, today=TODAY), visitor_days, receives_today=False)


def test_a_year_of_reception_days(personas, district):
    made = _year(personas, visitor_days=20)
    assert made.counts["roster leaders"] == 4 + 18 * 3 == Leader.objects.count()
    assert set(Leader.objects.values_list("unit__name", flat=True)) >= {"柯城区", "航埠镇", "白云街道"}
    assert made.total == Reception.objects.count() > 19 * 34
    stored = Counter(Reception.objects.values_list("status", flat=True))
    assert stored == made.breakdowns["status"] and stored["held"] > stored["cancelled"] > 0
    assert str(made).startswith(f"{made.total} reception days (status: ")

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
    visits = ReceptionVisit.objects.all()
    assert visits and visits.count() == made.counts["visitors registered as petitions"]
    for visit in visits:
        petition = Petition.objects.get(pk=visit.petition_id)
        assert petition.channel == "reception_day"
        assert petition.opened_at.date() == visit.reception.date
        assert visit.reception.status == ReceptionStatus.HELD
        assert visit.reception.unit.contains(petition.unit)


def test_the_same_seed_gives_the_same_year(personas, district):
    def signature():
        return list(Reception.objects.order_by("pk").values_list("unit_id", "date", "status", "leader__name"))

    first = _year(personas, visitor_days=0)
    made = signature()
    assert not first.counts["visitors registered as petitions"]  # no visitors unless asked for
    Reception.objects.all().delete()
    Leader.objects.all().delete()
    _year(personas, visitor_days=0)
    assert signature() == made
