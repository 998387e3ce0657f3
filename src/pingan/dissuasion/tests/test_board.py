"""The dissuasion board's measures per unit — received, reached in time, prevented, not reached,
already defrauded, open and overdue, the two rates and the median time to contact — in one
query, checked against a plain Python count of the same warnings, and kept to the reader's
scope and the chosen days."""

from __future__ import annotations

import datetime as dt
import random
import statistics

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pingan.core.models import Unit, UnitKind
from pingan.core.scoping import scope_for
from pingan.dissuasion.models import ContactMethod, RiskLevel, WarningOrder, WarningStatus
from pingan.dissuasion.selectors import dissuasion_metrics
from pingan.dissuasion.tests.test_rules import conclude, contact, register
from pingan.petitions.selectors import backlog_units

# The board counts the days chosen in local dates: a window across a month or a year end.
pytestmark = [pytest.mark.django_db, pytest.mark.edge_days]
TOWNS = ("航埠镇", "石梁镇", "府山街道", "九华乡")


@pytest.fixture
def now(personas, district):
    """Forty warnings over the last twenty days in four towns, taken as far as chance says:
    unreached, reached late or in time, prevented, not reached, already defrauded."""
    rng = random.Random(34)  # noqa: S311 (test data)
    now = timezone.now()
    places = [Unit.objects.filter(kind=UnitKind.GRID, parent__parent__name=town).order_by("prefix")[:2]
              for town in TOWNS]
    for n in range(40):
        unit = rng.choice(rng.choice(places))
        received = now - dt.timedelta(hours=rng.uniform(1, 480))
        warning = register(personas.admin, unit, received_at=received,
                           risk_level=rng.choice(RiskLevel.values), person_phone=f"1390000{n:04d}")
        for _try in range(rng.choice([0, 0, 1, 2])):
            contact(warning, personas.admin, reached=False,
                    contacted_at=received + dt.timedelta(minutes=rng.uniform(1, 30)))
        if rng.random() < 0.75:
            delay = dt.timedelta(hours=rng.choice([rng.uniform(0.1, 20), rng.uniform(20, 100)]))
            contact(warning, personas.admin, method=ContactMethod.IN_PERSON,
                    contacted_at=min(received + delay, now))
            warning.refresh_from_db()
            if rng.random() < 0.8:
                conclude(warning, personas.admin, rng.choice([WarningStatus.PREVENTED] * 5
                                                             + [WarningStatus.ALREADY_LOST]))
        elif warning.contacts.count() >= 2 and rng.random() < 0.7:
            conclude(warning, personas.admin, WarningStatus.NOT_REACHED, note="两次未接通")
    return now


def by_hand(warnings: list[WarningOrder], now: dt.datetime) -> dict:
    """The measures, counted one warning at a time."""
    reached = [w for w in warnings if w.first_contact_at]
    due = [w for w in warnings if w.first_contact_at or w.contact_due_at < now]
    in_time = [w for w in reached if w.first_contact_at <= w.contact_due_at]
    status = [w.status for w in warnings]
    concluded = sum(status.count(s) for s in (WarningStatus.PREVENTED, WarningStatus.NOT_REACHED,
                                              WarningStatus.ALREADY_LOST))
    return {
        "received": len(warnings), "reached": len(reached), "reached_in_time": len(in_time),
        "contact_due": len(due), "prevented": status.count(WarningStatus.PREVENTED),
        "not_reached": status.count(WarningStatus.NOT_REACHED),
        "already_lost": status.count(WarningStatus.ALREADY_LOST), "concluded": concluded,
        "open": sum(w.is_open for w in warnings),
        "overdue": sum(w.is_open and w.due_at is not None and w.due_at < now for w in warnings),
        "contact_on_time_rate": round(len(in_time) / len(due), 4) if due else None,
        "prevention_rate": round(status.count(WarningStatus.PREVENTED) / concluded, 4) if concluded else None,
        "median_contact_seconds": round(statistics.median(w.contact_seconds for w in reached))
        if reached else None,
    }


def test_the_board_in_one_query_matches_counting_by_hand(now, personas):
    user = personas.admin
    towns = backlog_units()
    first = timezone.localdate() - dt.timedelta(days=30)
    scope_for(user)  # the roles are read once a request; the board itself is one query
    with CaptureQueriesContext(connection) as queries:
        metrics = dissuasion_metrics(user=user, units=towns, first=first, last=timezone.localdate(), now=now)
    assert len(queries) == 1
    everything = list(WarningOrder.objects.all())
    assert len(metrics["rows"]) == len(towns) == 18
    for row in metrics["rows"]:
        mine = [w for w in everything if w.unit_prefix.startswith(row["unit"].prefix)]
        expected = by_hand(mine, now)
        assert {name: row[name] for name in expected} == expected, row["unit"].name
    assert {name: metrics["totals"][name] for name in by_hand(everything, now)} == by_hand(everything, now)
    # The draw covered every case the board distinguishes.
    totals = metrics["totals"]
    assert all(totals[name] for name in ("prevented", "not_reached", "already_lost", "open", "overdue"))
    assert totals["reached_in_time"] < totals["reached"] < totals["received"] == 40


def test_a_town_sees_its_own_villages_and_the_chosen_days(now, personas, hangbu):
    villages = backlog_units(hangbu.prefix)
    today = timezone.localdate()
    first = today - dt.timedelta(days=7)
    metrics = dissuasion_metrics(user=personas.town_handler, units=villages, first=first, last=today,
                                 now=now)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    mine = [w for w in WarningOrder.objects.filter(unit_prefix__startswith=hangbu.prefix)
            if w.opened_at >= start]
    assert metrics["totals"]["received"] == len(mine) > 0
    assert {name: metrics["totals"][name] for name in by_hand(mine, now)} == by_hand(mine, now)
    # Another town's villages are not in the town handler's reach: they count nothing.
    elsewhere = backlog_units(Unit.objects.get(name="石梁镇").prefix)
    assert dissuasion_metrics(user=personas.town_handler, units=elsewhere, first=first, last=today,
                              now=now)["totals"]["received"] == 0


def test_an_empty_board(personas):
    metrics = dissuasion_metrics(user=personas.admin, units=backlog_units(), first=timezone.localdate(),
                                 last=timezone.localdate())
    assert metrics["totals"]["received"] == 0
    assert metrics["totals"]["prevention_rate"] is None
    assert metrics["totals"]["median_contact_seconds"] is None
    assert all(row["median_contact_seconds"] is None for row in metrics["rows"])
