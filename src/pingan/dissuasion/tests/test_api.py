"""The dissuasion API: register an order (a bad field is named, nothing written), list and page
warnings the most overdue first, record contacts and the outcome with the version read, read
the person in full (recorded), the timeline, and the board's rates per unit — all within the
caller's scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from pingan.core.models import EventType
from pingan.dissuasion.models import ContactAttempt, WarningOrder
from pingan.dissuasion.tests.test_rules import register
from pingan.testing import api_client, walk_pages

pytestmark = pytest.mark.django_db
JSON = "application/json"
WARNINGS = "/api/v1/dissuasion/warnings"


def payload(place, **overrides) -> dict:
    body = {"unit": place.code, "issuer": "bank", "risk_level": "medium", "scam_type": "fake_investment",
            "person_name": "吴建国", "person_phone": "+86 137 0570 8888", "order_number": "YH-ALERT-77",
            "description": "客户拟向可疑账户转账20万元，银行已暂缓交易",
            "received_at": (timezone.now() - dt.timedelta(minutes=20)).isoformat()}
    body.update(overrides)
    return body


def test_register_contact_and_conclude(personas, worker_grid, settings):
    settings.PINGAN_FRAUD_WARNING_CONTACT_HOURS = {"high": 24, "medium": 48, "low": 72}
    town = api_client(personas.town_handler)
    created = town.post(WARNINGS, payload(worker_grid), content_type=JSON)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["risk_level"], body["issuer"], body["order_number"], body["due_state"]) == (
        "awaiting_contact", "medium", "bank", "YH-ALERT-77", "due_soon")  # within PINGAN_DUE_SOON_DAYS
    assert body["person"] == {"name": "吴**", "phone": "137****8888", "id_number": "", "address": "",
                              "masked": True}
    received = dt.datetime.fromisoformat(body["received_at"])
    assert dt.datetime.fromisoformat(body["contact_due_at"]) - received == dt.timedelta(hours=48)
    assert {o["name"] for o in body["outcomes"]} == {"prevented", "not_reached", "already_lost"}
    assert WarningOrder.objects.get().source == "api"

    grid = api_client(personas.grid_worker)
    url = f"{WARNINGS}/{body['ref']}"
    stale = grid.post(f"{url}/contacts", {"version": body["version"] + 1, "method": "phone", "reached": True},
                      content_type=JSON)
    assert stale.status_code == 409 and not ContactAttempt.objects.exists()
    reached = grid.post(f"{url}/contacts", {"version": body["version"], "method": "phone", "reached": True,
                                            "note": "已电话劝阻"}, content_type=JSON).json()
    assert reached["status"] == "contacted" and reached["contacted_in_time"] is True
    assert [(c["method"], c["reached"], c["by"]) for c in reached["contacts"]] == [("phone", True, "grid")]
    assert 0 < reached["contact_seconds"] < 1300
    assert {o["name"] for o in reached["outcomes"]} == {"prevented", "already_lost"}
    wrong = grid.post(f"{url}/outcome", {"version": reached["version"], "outcome": "not_reached"},
                      content_type=JSON)
    assert wrong.status_code == 409 and wrong.json()["code"] == "transition_not_allowed"
    done = grid.post(f"{url}/outcome", {"version": reached["version"], "outcome": "prevented",
                                        "note": "家属陪同，未转账"}, content_type=JSON).json()
    assert (done["status"], done["due_state"], done["outcomes"]) == ("prevented", "closed", [])
    events = grid.get(f"{url}/events").json()
    assert [(e["type"], e["transition"]) for e in events] == [
        ("created", ""), ("updated", ""), ("transition", "reach"), ("transition", "prevented")]


def test_bad_input_is_named_and_nothing_is_written(personas, worker_grid, shiliang):
    api = api_client(personas.town_handler)
    bad_phone = api.post(WARNINGS, payload(worker_grid, person_phone="0570"), content_type=JSON)
    assert bad_phone.status_code == 400 and bad_phone.json()["field"] == "person_phone"
    assert "0570" not in bad_phone.json()["message"]
    for wrong in ({"risk_level": "extreme"}, {"unit": "nowhere"}, {"issuer": ""}):
        response = api.post(WARNINGS, payload(worker_grid, **wrong), content_type=JSON)
        assert response.status_code == 422, response.json()
    future = api.post(WARNINGS, payload(worker_grid, received_at=(timezone.now() + dt.timedelta(hours=1))
                                        .isoformat()), content_type=JSON)
    assert future.json()["field"] == "received_at"
    elsewhere = api.post(WARNINGS, payload(shiliang), content_type=JSON)
    assert elsewhere.status_code == 403 and elsewhere.json()["field"] == "unit"
    assert not WarningOrder.objects.exists()


def test_list_scope_filters_and_pages(personas, worker_grid, grid_in):
    now = timezone.now()
    overdue = register(personas.admin, worker_grid, received_at=now - dt.timedelta(hours=30))
    fresh = [register(personas.admin, worker_grid, received_at=now - dt.timedelta(minutes=n),
                      risk_level="low") for n in (5, 10, 15)]
    register(personas.admin, grid_in("石梁镇"))
    items, pages = walk_pages(api_client(personas.grid_worker), WARNINGS, limit=2)
    assert pages == 2
    assert [i["ref"] for i in items] == [overdue.ref, *[w.ref for w in reversed(fresh)]]
    assert items[0]["due_state"] == "overdue" and all(i["person"]["masked"] for i in items)
    admin = api_client(personas.admin)
    assert len(admin.get(WARNINGS).json()["items"]) == 5
    assert [i["ref"] for i in admin.get(WARNINGS, {"due_state": "overdue"}).json()["items"]] == [overdue.ref]
    assert len(admin.get(WARNINGS, {"risk_level": "low", "unit": worker_grid.prefix}).json()["items"]) == 3
    bad = admin.get(WARNINGS, {"scam_type": "lottery"})
    assert bad.status_code == 422 and bad.json()["field"] == "scam_type"
    assert api_client(personas.outsider).get(f"{WARNINGS}/{overdue.ref}").status_code == 404


def test_the_person_in_full_is_recorded(personas, worker_grid):
    warning = register(personas.admin, worker_grid)
    full = api_client(personas.grid_worker).get(f"{WARNINGS}/{warning.ref}/person").json()
    assert (full["name"], full["phone"], full["masked"]) == ("周秀兰", "13905701234", False)
    assert warning.events.filter(type=EventType.VIEWED_PERSONAL_DATA).count() == 1
    assert api_client(personas.fire_handler).get(f"{WARNINGS}/{warning.ref}/person").status_code == 404


def test_the_board(personas, worker_grid, grid_in, hangbu):
    warning = register(personas.admin, worker_grid, received_at=timezone.now() - dt.timedelta(hours=2))
    register(personas.admin, grid_in("石梁镇"))
    api = api_client(personas.town_handler)
    board = api.get("/api/v1/dissuasion/board").json()
    assert board["unit"]["name"] == "航埠镇" and board["last"] == timezone.localdate().isoformat()
    assert board["totals"]["received"] == 1  # the town's own, not 石梁镇's
    row = next(r for r in board["rows"] if r["unit"]["code"] == warning.unit.parent.code)
    assert (row["received"], row["open"], row["contact_on_time_rate"]) == (1, 1, None)
    district = api_client(personas.admin).get("/api/v1/dissuasion/board").json()
    assert district["totals"]["received"] == 2 and len(district["rows"]) == 18
    reversed_days = api.get("/api/v1/dissuasion/board", {"first": "2026-05-02", "last": "2026-05-01"})
    assert reversed_days.status_code == 400 and reversed_days.json()["field"] == "first"
    elsewhere = api.get("/api/v1/dissuasion/board", {"unit": grid_in("石梁镇").prefix})
    assert elsewhere.status_code == 404


def test_anonymous_callers_are_refused():
    assert Client().get(WARNINGS).status_code == 401
    assert Client().get("/api/v1/dissuasion/board").status_code == 401
