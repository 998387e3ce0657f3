"""Backlog (积案): designating the responsible leader of an overdue petition, and the
"stock cleared, increment cleared on time" metrics for a baseline, with known answers
from a small hand-built set of petitions around 2026-06-01."""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pingan.core import errors
from pingan.core.models import Event, EventType, Unit, UnitKind
from pingan.petitions.models import Petition
from pingan.petitions.selectors import backlog_metrics, backlog_units
from pingan.petitions.services import (
    MSG_BACKLOG_NOT_OVERDUE,
    MSG_BACKLOG_TARGET_PAST,
    petition_backlog_assign,
    petition_transition,
)
from pingan.testing import api_client

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
BASELINE = dt.date(2026, 6, 1)
JSON = "application/json"


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T10:00").replace(tzinfo=SHANGHAI)


NOW = at("2026-11-20")


def step(petition: Petition, name: str, actor, day: str, **kwargs) -> Petition:
    petition.refresh_from_db()
    return petition_transition(petition=petition, name=name, actor=actor,
                               expected_version=petition.version, at=at(day), **kwargs)


def answer(petition, actor, accepted: str, replied: str, *, outcome="supported"):
    step(petition, "accept", actor, accepted)
    step(petition, "reply", actor, replied, outcome=outcome, note="已答复")


@pytest.fixture
def book(make_petition, personas, grid_in, xinfang):
    """Stock (received before the baseline) and increment (since), in 航埠镇, and one
    increment petition in 石梁镇. Every answer in the tests follows from these dates. The
    town replies; the petition bureau calls back."""
    handler = personas.town_handler
    with time_machine.travel(NOW, tick=False):
        p = SimpleNamespace()
        p.closed_before = make_petition(received_at=at("2026-03-02"))
        answer(p.closed_before, handler, "2026-03-05", "2026-03-20")
        step(p.closed_before, "rate", xinfang, "2026-03-21", satisfaction="satisfied", asked_by="phone")
        step(p.closed_before, "close", handler, "2026-03-22")
        p.stock_open = make_petition(received_at=at("2026-04-01"))
        step(p.stock_open, "accept", handler, "2026-04-03")
        p.stock_cleared = make_petition(received_at=at("2026-05-10"))
        answer(p.stock_cleared, handler, "2026-05-12", "2026-06-20", outcome="explained")
        step(p.stock_cleared, "close", handler, "2026-06-21", note="已解释，不再评价")
        # Increment: on time throughout, satisfied, closed.
        p.on_time = make_petition(received_at=at("2026-06-10"))
        answer(p.on_time, handler, "2026-06-12", "2026-07-01")
        step(p.on_time, "rate", xinfang, "2026-07-02", satisfaction="satisfied", asked_by="phone")
        step(p.on_time, "close", handler, "2026-07-03")
        # Accepted late (50 days), replied after the 60-day term, not satisfied, closed.
        p.late = make_petition(received_at=at("2026-07-01"))
        answer(p.late, handler, "2026-08-20", "2026-10-30")
        step(p.late, "rate", xinfang, "2026-10-31", satisfaction="not_satisfied", asked_by="phone")
        step(p.late, "close", handler, "2026-11-01")
        # Not accepted in time: a decision on acceptance, closed by its acceptance deadline.
        p.not_accepted = make_petition(received_at=at("2026-09-01"))
        step(p.not_accepted, "not_accept", handler, "2026-09-05", reason="other", note="不属于信访事项")
        # Replied on time and partly satisfied, not closed yet.
        p.replied = make_petition(received_at=at("2026-08-01"))
        answer(p.replied, handler, "2026-08-03", "2026-09-01")
        step(p.replied, "rate", xinfang, "2026-09-02", satisfaction="partly", asked_by="phone")
        # Received five days ago: its acceptance is not due yet.
        p.fresh = make_petition(received_at=at("2026-11-15"))
        p.shiliang = make_petition(unit=grid_in("石梁镇"), received_at=at("2026-07-01"))
    for petition in vars(p).values():
        petition.refresh_from_db()
    return p


def _row(result, name: str) -> dict:
    return next(row for row in result["rows"] if row["unit"].name == name)


HANGBU = {
    "stock": 2, "stock_cleared": 1, "increment": 5, "increment_cleared_on_time": 2,
    "acceptance_decided": 4, "acceptance_on_time": 3, "resolution_due": 3, "resolution_on_time": 2,
    "rated": 3, "satisfied": 2,
    "acceptance_on_time_rate": 0.75, "resolution_on_time_rate": 0.6667, "satisfaction_rate": 0.6667,
}


def test_each_measure_and_rate_per_town_and_in_total(book, personas):
    result = backlog_metrics(user=personas.admin, baseline=BASELINE, now=NOW)
    assert {name: _row(result, "航埠镇")[name] for name in HANGBU} == HANGBU
    shiliang = _row(result, "石梁镇")
    # Received, never decided, its acceptance deadline long past: late; nothing else due.
    counts = (shiliang["increment"], shiliang["acceptance_decided"], shiliang["acceptance_on_time"])
    assert counts == (1, 1, 0)
    assert (shiliang["acceptance_on_time_rate"], shiliang["satisfaction_rate"]) == (0.0, None)
    totals = result["totals"]
    assert (totals["stock"], totals["stock_cleared"], totals["increment"]) == (2, 1, 6)
    assert totals["acceptance_on_time_rate"] == 0.6
    assert totals["satisfaction_rate"] == 0.6667
    assert sum(row["increment"] for row in result["rows"]) == totals["increment"]


def test_a_later_baseline_moves_petitions_from_increment_to_stock(book, personas):
    result = backlog_metrics(user=personas.admin, baseline=dt.date(2026, 8, 1), now=NOW)
    hangbu = _row(result, "航埠镇")
    # Open on 8-01: stock_open, late (accepted 8-20) → stock 2, of which late is closed.
    assert (hangbu["stock"], hangbu["stock_cleared"]) == (2, 1)
    # Received since: replied (8-01), not_accepted, fresh.
    assert hangbu["increment"] == 3


def test_rows_are_the_children_of_the_unit_picked(book, personas, hangbu):
    units = backlog_units(hangbu.prefix)
    assert units and all(unit.parent_id == hangbu.pk for unit in units)
    result = backlog_metrics(user=personas.admin, baseline=BASELINE, units=units, now=NOW)
    assert result["totals"]["increment"] == 5  # 石梁镇 is not under 航埠镇
    assert sum(row["stock"] for row in result["rows"]) == 2


def test_an_outsider_sees_nothing_of_hangbu(book, personas):
    result = backlog_metrics(user=personas.outsider, baseline=BASELINE, now=NOW)
    hangbu = _row(result, "航埠镇")
    assert all(value in (0, None) for key, value in hangbu.items() if key != "unit")
    assert result["totals"]["increment"] == 1  # the 石梁镇 petition only
    assert result["totals"]["stock"] == 0


def test_the_metrics_cost_the_same_queries_whatever_the_number_of_units(book, personas, hangbu):
    def queries(units) -> int:
        with CaptureQueriesContext(connection) as captured:
            backlog_metrics(user=personas.admin, baseline=BASELINE, units=units, now=NOW)
        return len(captured)

    towns = backlog_units()
    assert len(towns) > 2
    queries(towns)  # the user's scope is loaded once and kept
    assert queries(towns[:1]) == queries(towns) == queries(backlog_units(hangbu.prefix))
    assert queries(towns) == 1


# ---------------------------------------------------------------------------
# Designating the responsible leader
# ---------------------------------------------------------------------------


def _assign(petition, actor, target: dt.date = dt.date(2026, 12, 31), leader: str = "王镇长"):
    petition.refresh_from_db()
    with time_machine.travel(NOW, tick=False):
        return petition_backlog_assign(petition=petition, actor=actor, expected_version=petition.version,
                                       leader=leader, target_date=target)


def test_a_town_handler_designates_the_leader_of_an_overdue_petition(book, personas):
    petition = book.stock_open  # accepted 4-03: its 60-day resolution term has run out
    version = Petition.objects.get(pk=petition.pk).version
    _assign(petition, personas.town_handler, leader=" 王镇长 ")
    petition.refresh_from_db()
    assert (petition.backlog_leader, petition.backlog_target_date) == ("王镇长", dt.date(2026, 12, 31))
    assert petition.version == version + 1
    event = Event.objects.filter(case=petition).order_by("-seq").first()
    assert event.type == EventType.UPDATED
    assert event.after["backlog_leader"] == "王镇长"


def test_a_petition_replied_late_and_still_open_is_a_backlog_case(book, personas):
    late = book.late
    with time_machine.travel(NOW, tick=False):
        step(late, "request_review", personas.admin, "2026-11-05")
    # Reopened by a review whose decision is not yet due, but its reply came after the deadline.
    _assign(late, personas.town_handler)
    late.refresh_from_db()
    assert late.backlog_leader == "王镇长"


@pytest.mark.parametrize("name", ["fresh", "closed_before", "on_time"])
def test_a_petition_not_overdue_or_closed_is_refused(book, personas, name):
    petition = getattr(book, name)
    with pytest.raises(errors.DomainError) as refused:
        _assign(petition, personas.town_handler)
    assert refused.value.message == MSG_BACKLOG_NOT_OVERDUE
    petition.refresh_from_db()
    assert petition.backlog_leader == ""


def test_a_target_date_in_the_past_and_a_blank_leader_are_refused(book, personas):
    with pytest.raises(errors.DomainError) as refused:
        _assign(book.stock_open, personas.town_handler, target=dt.date(2026, 11, 19))
    assert (refused.value.message, refused.value.field) == (MSG_BACKLOG_TARGET_PAST, "target_date")
    with pytest.raises(errors.DomainError) as blank:
        _assign(book.stock_open, personas.town_handler, leader="  ")
    assert blank.value.field == "leader"
    book.stock_open.refresh_from_db()
    assert book.stock_open.backlog_target_date is None


def test_outsider_gets_not_found_and_viewer_permission_denied(book, personas, hangbu_viewer):
    with pytest.raises(errors.NotFound):
        _assign(book.stock_open, personas.outsider)
    with pytest.raises(errors.PermissionDenied):
        _assign(book.stock_open, hangbu_viewer)
    assert Petition.objects.get(pk=book.stock_open.pk).backlog_leader == ""


# ---------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------


def test_the_api_reports_rows_and_totals(book, personas, hangbu):
    client = api_client(personas.admin)
    with time_machine.travel(NOW, tick=False):
        body = client.get("/api/v1/petitions/backlog", {"baseline": "2026-06-01"}).json()
        villages = client.get("/api/v1/petitions/backlog",
                              {"baseline": "2026-06-01", "unit": hangbu.prefix}).json()
        unknown = client.get("/api/v1/petitions/backlog", {"baseline": "2026-06-01", "unit": "999"})
    row = next(r for r in body["rows"] if r["unit"]["name"] == "航埠镇")
    assert {name: row[name] for name in HANGBU} == HANGBU
    assert body["totals"]["increment"] == 6
    assert {r["unit"]["code"] for r in villages["rows"]} == {
        u.code for u in Unit.objects.filter(parent=hangbu).exclude(kind="department")}
    assert unknown.status_code == 422


def test_the_api_keeps_a_town_user_to_their_own_town(book, personas, hangbu, shiliang):
    client = api_client(personas.town_handler)
    with time_machine.travel(NOW, tick=False):
        own = client.get("/api/v1/petitions/backlog", {"baseline": "2026-06-01"}).json()
        other = client.get("/api/v1/petitions/backlog", {"baseline": "2026-06-01", "unit": shiliang.prefix})
    assert {r["unit"]["code"] for r in own["rows"]} == {
        u.code for u in Unit.objects.filter(parent=hangbu).exclude(kind="department")}
    assert other.status_code == 422 and shiliang.name not in other.content.decode()


def test_the_api_designates_a_leader_and_hides_the_petition_from_outsiders(book, personas):
    ref = book.stock_open.ref
    body = {"version": Petition.objects.get(pk=book.stock_open.pk).version, "leader": "王镇长",
            "target_date": "2026-12-31"}
    with time_machine.travel(NOW, tick=False):
        hidden = api_client(personas.outsider).post(f"/api/v1/petitions/{ref}/backlog", body,
                                                    content_type=JSON)
        done = api_client(personas.town_handler).post(f"/api/v1/petitions/{ref}/backlog", body,
                                                      content_type=JSON)
    assert hidden.status_code == 404
    assert done.status_code == 200
    assert (done.json()["backlog_leader"], done.json()["backlog_target_date"]) == ("王镇长", "2026-12-31")


def test_a_grid_is_the_finest_row_of_a_board(worker_grid):
    assert worker_grid.children.filter(kind=UnitKind.MICRO_GRID).exists()  # the demo splits it
    assert backlog_units(worker_grid.prefix) == [worker_grid]
