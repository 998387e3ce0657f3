"""The hazard list over the API: the shared filters, and cursor pagination that walks every
page without a duplicate or a gap in each sort order, NULL deadlines included."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pingan.core.models import Case, Severity, Unit, UnitKind
from pingan.hazards.models import RejectionReason
from pingan.hazards.selectors import SORTS
from pingan.hazards.services import hazard_transition
from pingan.testing import api_client, walk_pages

TZ = timezone.get_default_timezone()
BASE = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)


@pytest.fixture
def many(make_hazard, personas, worker_grid):
    """25 hazards opened in groups of three at the same moment (so sort keys tie), four of
    them with no deadline at all."""
    hazards = [
        make_hazard(title=f"隐患{i:02d}", opened_at=BASE + dt.timedelta(hours=i // 3), photos=[])
        for i in range(25)
    ]
    Case.objects.filter(pk__in=[h.pk for h in hazards[3:5] + hazards[10:12]]).update(due_at=None)
    return hazards


def _walk(client, params: dict, limit: int = 10) -> tuple[list[dict], int]:
    return walk_pages(client, "/api/v1/hazards", params, limit=limit, max_pages=100)


def _expected(sort: str) -> list[str]:
    """The order the API promises, worked out in Python: a missing deadline sorts as if
    later than any date, in both directions."""
    rows = list(Case.objects.filter(kind="hazard").values("ref", "id", "due_at", "opened_at"))
    field = SORTS[sort][0].lstrip("-")
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    rows.sort(key=lambda r: (r[field] or far, r["id"]), reverse=sort.startswith("-"))
    return [r["ref"] for r in rows]


@pytest.mark.parametrize("limit", [10, 3])
@pytest.mark.parametrize("sort", list(SORTS))
def test_cursor_walks_every_page_once_in_order(sort, limit, many, personas):
    # Pages of 3 also put page boundaries among tied keys and among the missing deadlines.
    items, pages = _walk(api_client(personas.admin), {"sort": sort}, limit=limit)
    refs = [i["ref"] for i in items]
    assert pages == -(-25 // limit)
    assert len(refs) == len(set(refs)) == 25
    assert refs == _expected(sort)


def test_cursor_pages_stay_stable_while_new_hazards_arrive(many, personas, make_hazard):
    client = api_client(personas.admin)
    first = client.get("/api/v1/hazards", {"sort": "opened", "limit": 10}).json()
    make_hazard(title="新来的", opened_at=BASE - dt.timedelta(days=1), photos=[])
    rest, _pages = _walk(client, {"sort": "opened", "cursor": first["next_cursor"]})
    refs = [i["ref"] for i in first["items"] + rest]
    # The newcomer sorts before the cursor, so it neither shifts nor repeats a row.
    assert len(refs) == len(set(refs)) == 25
    assert "新来的" not in {i["title"] for i in first["items"] + rest}


def test_default_page_size_is_the_setting(many, personas, settings):
    settings.PINGAN_API_PAGE_SIZE = 7
    body = api_client(personas.admin).get("/api/v1/hazards").json()
    assert len(body["items"]) == 7 and body["next_cursor"]


@pytest.mark.parametrize("cursor", ["garbage!", "eyJrIjoiLW9wZW5lZF9hdCJ9", "e30"])
def test_a_forged_cursor_is_refused(cursor, many, personas):
    response = api_client(personas.admin).get("/api/v1/hazards", {"cursor": cursor})
    assert response.status_code == 422
    assert response.json()["field"] == "cursor"


def test_a_cursor_from_another_sort_is_refused(many, personas):
    client = api_client(personas.admin)
    cursor = client.get("/api/v1/hazards", {"sort": "due", "limit": 5}).json()["next_cursor"]
    response = client.get("/api/v1/hazards", {"sort": "-opened", "cursor": cursor})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["field"] == "cursor"


def test_a_page_costs_the_same_queries_whatever_its_size(many, personas, django_assert_max_num_queries):
    client = api_client(personas.town_handler)
    client.get("/api/v1/hazards", {"limit": 1})  # warm up
    # token, scope (roles, responsibilities), the page: no query per row.
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/hazards", {"limit": 25, "sort": "due"}).json()
    assert len(body["items"]) == 25


# ---------------------------------------------------------------------------
# Filters (the same HazardFilters as the web list and the export)
# ---------------------------------------------------------------------------


def _refs(client, **params) -> set[str]:
    response = client.get("/api/v1/hazards", {**params, "limit": 100})
    assert response.status_code == 200, response.json()
    count = client.get("/api/v1/hazards/count", params).json()["count"]
    refs = {i["ref"] for i in response.json()["items"]}
    assert count == len(refs)
    return refs


@pytest.fixture
def assorted(make_hazard, personas, worker_grid, hangbu_village, grid_in):
    town = personas.town_handler
    other_grid = (
        Unit.objects.filter(kind=UnitKind.GRID, parent__parent=hangbu_village.parent)
        .exclude(parent=hangbu_village).order_by("prefix").first()
    )
    now = timezone.now()
    hazards = {
        "ebike": make_hazard(title="楼道充电", location="3号楼", photos=[]),
        "road": make_hazard(category="road", title="路口视线遮挡", photos=[]),
        "fire_major": make_hazard(actor=town, unit=other_grid, category="fire", severity=Severity.MAJOR,
                                  title="仓库易燃物堆放", photos=[]),
        "old": make_hazard(title="旧充电桩", photos=[], opened_at=now - dt.timedelta(days=60)),
        "overdue": make_hazard(title="逾期", photos=[], opened_at=now - dt.timedelta(days=10)),
    }
    hazard_transition(hazard=hazards["road"], name="assign", actor=town,
                      expected_version=hazards["road"].version, assignee=personas.grid_worker)
    hazard_transition(hazard=hazards["old"], name="reject", actor=town,
                      expected_version=hazards["old"].version, note="已拆除",
                      reason=RejectionReason.NOT_A_HAZARD)
    return hazards


def test_filter_by_status_category_and_severity(assorted, personas):
    client = api_client(personas.town_handler)
    refs = {k: h.ref for k, h in assorted.items()}
    assert _refs(client, status="assigned") == {refs["road"]}
    assert _refs(client, status=["assigned", "rejected"]) == {refs["road"], refs["old"]}
    assert _refs(client, category="road") == {refs["road"]}
    assert _refs(client, category=["fire", "road"]) == {refs["road"], refs["fire_major"]}
    assert _refs(client, severity="major") == {refs["fire_major"]}
    assert _refs(client, open_only="true") == set(refs.values()) - {refs["old"]}


def test_filter_by_due_state(assorted, personas):
    client = api_client(personas.town_handler)
    refs = {k: h.ref for k, h in assorted.items()}
    assert _refs(client, due_state="overdue") == {refs["overdue"]}
    assert _refs(client, due_state="closed") == {refs["old"]}
    items = client.get("/api/v1/hazards", {"due_state": "overdue"}).json()["items"]
    assert [i["due_state"] for i in items] == ["overdue"]


def test_filter_by_unit_prefix_and_text(assorted, personas, worker_grid):
    client = api_client(personas.town_handler)
    refs = {k: h.ref for k, h in assorted.items()}
    assert _refs(client, unit=worker_grid.prefix) == set(refs.values()) - {refs["fire_major"]}
    assert _refs(client, unit=worker_grid.parent.parent.prefix) == set(refs.values())
    assert _refs(client, q="视线") == {refs["road"]}
    assert _refs(client, q="3号楼") == {refs["ebike"]}
    assert _refs(client, q=refs["overdue"].lower()) == {refs["overdue"]}


def test_filter_by_opened_and_due_dates(assorted, personas):
    client = api_client(personas.town_handler)
    refs = {k: h.ref for k, h in assorted.items()}
    today = timezone.localdate()
    opened = {k: timezone.localtime(h.opened_at).date() for k, h in assorted.items()}
    recent = {refs[k] for k, day in opened.items() if day >= today - dt.timedelta(days=7)}
    assert _refs(client, opened_from=(today - dt.timedelta(days=7)).isoformat()) == recent
    assert _refs(client, opened_to=opened["old"].isoformat()) == {refs["old"]}
    overdue_due = timezone.localtime(assorted["overdue"].due_at).date()
    assert refs["overdue"] in _refs(client, due_from=overdue_due.isoformat(), due_to=overdue_due.isoformat())
    assert _refs(client, due_to=(today - dt.timedelta(days=1)).isoformat()) == {refs["overdue"], refs["old"]}


def test_bad_filter_values_are_named(personas, assorted):
    response = api_client(personas.admin).get("/api/v1/hazards", {"sort": "priority", "opened_from": "昨天"})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"sort", "opened_from"}
