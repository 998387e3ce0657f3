"""The calendar: each unit's state in each period (held, planned, missing, upcoming), its
visitors as far as the reader may see them, its rows as far as the reader reaches, in two
queries however many units and periods."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pingan.core.models import Unit
from pingan.receptions import services
from pingan.receptions.periods import span_of
from pingan.receptions.selectors import CellState, receiving_units, reception_calendar
from pingan.receptions.tests.conftest import TODAY, TZ

pytestmark = pytest.mark.usefixtures("clock")
D = dt.date


def _states(calendar, unit_name: str) -> dict[str, str]:
    row = next(r for r in calendar.rows if r.unit.name == unit_name)
    return {cell.period.key: cell.state for cell in row.cells}


def _quarter(user, unit):
    return reception_calendar(user=user, unit=unit, first=D(2026, 4, 1), last=D(2026, 6, 30), today=TODAY)


def test_held_planned_missing_and_upcoming(personas, district, hangbu, plan, rosters, visitor):
    plan(D(2026, 4, 3), held=True)  # April 1st dekad: held
    plan(D(2026, 4, 14))  # 2nd dekad: planned, never recorded held -> missing
    cancelled = plan(D(2026, 4, 24))  # 3rd dekad: cancelled -> missing
    services.reception_cancel(reception=cancelled, actor=personas.admin, reason="防汛会商")
    # May 1st dekad: nothing at all -> missing
    today = plan(TODAY)  # May 2nd dekad (today): planned, and a visitor makes it held
    services.reception_visitor_register(reception=today, actor=personas.admin, **visitor)
    plan(D(2026, 5, 27))  # 3rd dekad: planned
    # June: upcoming
    calendar = _quarter(personas.admin, district)
    assert _states(calendar, "航埠镇") == {
        "2026-04-1": "held", "2026-04-2": "missing", "2026-04-3": "missing", "2026-05-1": "missing",
        "2026-05-2": "held", "2026-05-3": "planned", "2026-06-1": "upcoming", "2026-06-2": "upcoming",
        "2026-06-3": "upcoming",
    }
    row = next(r for r in calendar.rows if r.unit == hangbu)
    assert (row.held, row.due) == (2, 5)
    today_cell = row.cells[4]
    assert (today_cell.visitors, today_cell.reception) == (1, today)
    # A town with nothing: every ended period missing, the current one still open.
    assert set(_states(calendar, "石梁镇").values()) == {"missing", "upcoming"}
    assert _states(calendar, "石梁镇")["2026-05-2"] == "upcoming"
    # The district's own row comes first, then its 18 towns.
    assert [r.unit.name for r in calendar.rows[:2]] == ["柯城区", "府山街道"] and len(calendar.rows) == 19
    assert calendar.totals["held"] == 2 and calendar.totals["planned"] == 1
    assert calendar.totals["missing"] == 3 + 4 * 18  # 航埠镇's three, four ended dekads of every other row
    assert calendar.visitors == 1


def test_a_reception_held_early_in_a_running_period_counts(personas, district, plan):
    plan(D(2026, 5, 11), held=True)  # earlier in today's dekad
    assert _states(_quarter(personas.admin, district), "航埠镇")["2026-05-2"] == CellState.HELD


def test_two_queries_whatever_the_size(personas, district, plan, rosters, shiliang):
    plan(D(2026, 4, 3), held=True)
    plan(D(2026, 5, 12), unit=shiliang, leader=rosters.shiliang)
    calendar_year = span_of(2026)
    with CaptureQueriesContext(connection) as queries:
        calendar = reception_calendar(user=personas.admin, unit=district, first=calendar_year[0],
                                      last=calendar_year[1], today=TODAY)
        assert sum(len(row.cells) for row in calendar.rows) == 19 * 36
    assert len(queries) == 2


def test_a_town_sees_its_own_row_and_not_its_neighbours(personas, hangbu, shiliang, plan, rosters):
    plan(D(2026, 5, 12), unit=shiliang, leader=rosters.shiliang)
    assert list(receiving_units(user=personas.town_handler)) == [hangbu]
    assert list(receiving_units(user=personas.grid_worker)) == []  # below the town: no calendar
    calendar = _quarter(personas.town_handler, hangbu)
    assert [r.unit for r in calendar.rows] == [hangbu]
    # Even asked for the district, the rows are the ones the town reaches.
    district = Unit.objects.get(prefix="330802")
    assert [r.unit for r in _quarter(personas.town_handler, district).rows] == [hangbu]


def test_visitor_counts_leave_out_petitions_the_reader_cannot_see(personas, district, plan, visitor,
                                                                  discipline):
    reception = plan()
    services.reception_visitor_register(reception=reception, actor=personas.admin, **visitor)
    services.reception_visitor_register(reception=reception, actor=personas.admin, **{
        **visitor, "petition_type": "accusation", "category": None, "title": "村干部优亲厚友"})
    # The discipline commission sees every reception day (a petition line) but only accusations;
    # the district admin everything but the accusation.
    assert _quarter(discipline, district).visitors == 1
    assert _quarter(personas.admin, district).visitors == 1


@pytest.mark.parametrize(("period", "columns", "first_key"), [
    ("week", 14, "2026-W14"),  # 30 March – 5 April has days in April
    ("month", 3, "2026-04"),
])
def test_the_columns_follow_the_setting(personas, district, plan, settings, period, columns, first_key):
    settings.PINGAN_RECEPTION_PERIOD = period
    plan(D(2026, 4, 3), held=True)
    calendar = _quarter(personas.admin, district)
    assert (len(calendar.periods), calendar.periods[0].key) == (columns, first_key)
    assert _states(calendar, "航埠镇")[first_key] == CellState.HELD


def test_cancelled_and_unconfirmed_receptions_keep_a_link_where_useful(personas, district, plan):
    unconfirmed = plan(D(2026, 4, 14))
    cell = next(r for r in _quarter(personas.admin, district).rows if r.unit.name == "航埠镇").cells[1]
    # Missing, but the reception that was never recorded is there to be recorded late.
    assert (cell.state, cell.reception) == (CellState.MISSING, unconfirmed)
    services.reception_mark_held(reception=unconfirmed, actor=personas.admin,
                                 at=dt.datetime(2026, 5, 15, 11, tzinfo=TZ))
    cell = next(r for r in _quarter(personas.admin, district).rows if r.unit.name == "航埠镇").cells[1]
    assert cell.state == CellState.HELD
