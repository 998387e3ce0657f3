"""The fraud API: record a case (a bad row is named and nothing is written), list and page,
add an identifier and watch the ring form, take steps, read victims in full, the ranked rings,
a ring's network and chain, the left-out identifiers, and queue a recompute."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from pingan.core.models import EventType
from pingan.fraud.models import FraudCase, Identifier
from pingan.testing import api_client, walk_pages

pytestmark = pytest.mark.django_db

CASES = "/api/v1/fraud/cases"


def payload(place, **overrides) -> dict:
    body = {
        "unit": place.code, "scam_type": "fake_customer_service",
        "reported_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(), "loss": "35000.00",
        "victims": [{"name": "张伟", "phone": "139 0000 2222", "age": 41}],
        "identifiers": [{"kind": "手机号", "value": "+86 138 0000 3333"},
                        {"kind": "网址", "value": "kf-tk.top"}],
    }
    body.update(overrides)
    return body


def test_record_a_case_and_read_it(personas, hangbu):
    api = api_client(personas.town_handler)
    response = api.post(CASES, payload(hangbu), content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["scam_type"], body["status"], body["band"], body["victims"], body["major"]) == (
        "fake_customer_service", "reported", "huge", 1, False)
    assert body["victim_list"] == [{"name": "张*", "id_number": "", "phone": "139****2222", "age": 41,
                                    "masked": True}]
    assert {(i["kind"], i["value"]) for i in body["identifiers"]} == {("phone", "13800003333"),
                                                                      ("url", "kf-tk.top")}
    assert body["ring"] is None and [t["name"] for t in body["transitions"]] == ["investigate", "close"]
    assert FraudCase.objects.get().source == "api"
    events = api.get(f"{CASES}/{body['ref']}/events").json()
    assert [e["type"] for e in events] == [EventType.CREATED]


def test_a_bad_row_is_named_and_nothing_is_written(personas, hangbu):
    api = api_client(personas.admin)
    bad_identifier = payload(hangbu, identifiers=[{"kind": "phone", "value": "13800003333"},
                                                  {"kind": "bank_account", "value": "12"}])
    response = api.post(CASES, bad_identifier, content_type="application/json")
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("bad_identifier", "identifiers.1.value")
    response = api.post(CASES, payload(hangbu, victims=[{"name": "张伟", "phone": "110"}]),
                        content_type="application/json")
    assert response.json()["field"] == "victims.0.phone"
    for wrong in ({"victims": []}, {"unit": "nowhere"}):
        assert api.post(CASES, payload(hangbu, **wrong), content_type="application/json").status_code == 422
    assert not FraudCase.objects.exists() and not Identifier.objects.exists()


def test_list_filters_and_pages(personas, record, shiliang):
    for n in range(5):
        record(("phone", "13800004444"), loss=1_000 * (n + 1))
    record(unit=shiliang)
    api = api_client(personas.town_handler)
    items, pages = walk_pages(api, CASES, {"sort": "-loss"}, limit=2)
    assert pages == 3
    assert [i["loss"] for i in items] == ["5000.00", "4000.00", "3000.00", "2000.00", "1000.00"]
    assert {i["ring"] for i in items} == {items[-1]["ref"]}
    assert len(api.get(CASES, {"identifier": "8613800004444", "band": "large"}).json()["items"]) == 3
    bad = api.get(CASES, {"scam_type": "lottery"})
    assert bad.status_code == 422 and bad.json()["field"] == "scam_type"


def test_identifier_steps_and_victims(personas, record):
    a = record(("app", "速赚宝"))
    b = record()
    api = api_client(personas.town_handler)
    url = f"{CASES}/{b.ref}/identifiers"
    stale = api.post(url, {"version": b.version + 3, "kind": "app", "value": "速赚宝"},
                     content_type="application/json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_edit"
    added = api.post(url, {"version": b.version, "kind": "应用", "value": "《速赚宝》"},
                     content_type="application/json").json()
    assert added["ring"] == a.ref and added["version"] == b.version + 1
    stepped = api.post(f"{CASES}/{b.ref}/transitions/investigate", {"version": added["version"]},
                       content_type="application/json")
    assert stepped.json()["status"] == "investigating"
    refused = api.post(f"{CASES}/{b.ref}/transitions/close", {"version": stepped.json()["version"]},
                       content_type="application/json")
    assert refused.status_code == 400 and refused.json()["field"] == "note"
    assert api.get(f"{CASES}/{b.ref}/victims").status_code == 403
    full = api_client(personas.admin).get(f"{CASES}/{b.ref}/victims").json()
    assert full[0]["masked"] is False and full[0]["name"] == b.victims.get().name


def test_rings_network_chain_and_left_out(personas, record, shiliang, settings):
    settings.PINGAN_FRAUD_IDENTIFIER_STOPLIST = ("phone:95588",)
    a = record(("phone", "13800005555"), ("phone", "95588"), loss=300_000)
    b = record(("phone", "13800005555"), ("bank_account", "6222 0212 3456 7890 1"), unit=shiliang)
    c = record(("bank_account", "622202123456789 01"), ("phone", "95588"), loss=250_000)
    d = record(("url", "other.cn"))
    record(("url", "other.cn"))
    api = api_client(personas.admin)
    rings = api.get("/api/v1/fraud/rings").json()["items"]
    assert [(r["ring_id"], r["rank"], r["cases"], r["towns"], r["major"], r["band"]) for r in rings] == [
        (a.ref, 1, 3, 2, True, "especially_huge"), (d.ref, 2, 2, 1, False, "large")]

    def ring_ids(**query):
        return [r["ring_id"] for r in api.get("/api/v1/fraud/rings", query).json()["items"]]

    assert ring_ids(major_only="true") == ring_ids(q=c.ref) == ring_ids(unit=shiliang.prefix) == [a.ref]
    detail = api.get(f"/api/v1/fraud/rings/{a.ref}").json()
    assert [case["ref"] for case in detail["case_list"]] == [a.ref, b.ref, c.ref]
    assert {town["name"] for town in detail["town_list"]} == {"航埠镇", "石梁镇"}
    assert {(i["kind"], i["cases"]) for i in detail["identifier_list"]} == {("phone", 2), ("bank_account", 2)}
    assert {"case": c.ref, "identifier": "bank_account:62220212345678901"} in detail["links"]
    chain = api.get(f"/api/v1/fraud/rings/{a.ref}/explain", {"a": a.ref, "b": c.ref}).json()
    assert [(s["case"], s["identifier"]["kind"], s["next_case"]) for s in chain] == [
        (a.ref, "phone", b.ref), (b.ref, "bank_account", c.ref)]
    not_in_ring = api.get(f"/api/v1/fraud/rings/{a.ref}/explain", {"a": a.ref, "b": d.ref})
    assert not_in_ring.status_code == 400 and not_in_ring.json()["field"] == "b"
    assert api.get("/api/v1/fraud/left-out").json() == [
        {"kind": "phone", "value": "95588", "registrable_domain": None, "left_out": "stoplist", "cases": 2}]


def test_recompute_is_the_district_admins(personas):
    assert api_client(personas.town_handler).post("/api/v1/fraud/rings/recompute").status_code == 403
    queued = api_client(personas.admin).post("/api/v1/fraud/rings/recompute")
    assert queued.status_code == 202 and queued.json()["task_id"]


def test_anonymous_callers_are_refused():
    assert Client().get(CASES).status_code == 401
    assert Client().get("/api/v1/fraud/rings").status_code == 401
