"""The reception-days API: plan, record, register a visitor (masked in every answer), the
calendar, the roster — with the services' own refusals and the scope's 404s."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from pingan.core.models import Case
from pingan.petitions.models import Petition
from pingan.receptions.models import Reception, ReceptionStatus, ReceptionVisit
from pingan.receptions.tests.conftest import ID_NUMBER, TODAY
from pingan.testing import api_client, walk_pages

pytestmark = pytest.mark.usefixtures("clock")
JSON = "application/json"
URL = "/api/v1/receptions"
MASKED = {"name": "张*", "id_number": "330802********1238", "phone": "138****5678",
          "address": "浙江省衢州市****", "masked": True, "withheld": False}


def _visitor_body(visitor) -> dict:
    return {**visitor, "unit": visitor["unit"].code}


def test_plan_record_and_register_over_the_api(personas, hangbu, rosters, visitor):
    client = api_client(personas.town_handler)
    roster = client.get(f"{URL}/leaders", {"unit": hangbu.code}).json()
    # The town's own leaders, then the district's, who may receive in a town too.
    assert [leader["name"] for leader in roster] == ["郑国平", "毛丽华", "周建华"]
    response = client.post(URL, {"unit": hangbu.code, "leader": rosters.hangbu.pk, "date": f"{TODAY}",
                                 "place": " 航埠镇人民政府信访接待室 "}, content_type=JSON)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "planned" and body["place"] == "航埠镇人民政府信访接待室"
    assert body["period"] == {"key": "2026-05-2", "start": "2026-05-11", "end": "2026-05-20",
                              "label": body["period"]["label"]}
    assert body["leader"]["unit"] == {"code": hangbu.code, "name": "航埠镇"}
    assert body["accepts_visitors"] is True and body["created_by"] == "hangbu"
    reception_id = body["id"]

    response = client.post(f"{URL}/{reception_id}/visitors", _visitor_body(visitor), content_type=JSON)
    assert response.status_code == 201, response.json()
    visit = response.json()
    petition = Petition.objects.get(ref=visit["petition"]["ref"])
    assert visit["reception"] == reception_id
    assert visit["petition"]["petitioner"] == MASKED
    assert (petition.channel, petition.source, petition.status) == ("reception_day", "api", "received")
    assert visit["petition"]["acceptance_due_at"].startswith("2026-06-01")

    detail = client.get(f"{URL}/{reception_id}").json()
    assert detail["status"] == "held" and detail["visitors"] == 1  # recorded held by its first visitor
    assert [p["ref"] for p in detail["petitions"]] == [petition.ref]
    assert ID_NUMBER not in str(detail) and "张三" not in str(detail)


def test_held_and_cancel(personas, plan):
    client = api_client(personas.town_handler)
    today = plan()
    later = plan(TODAY + dt.timedelta(days=10))
    response = client.post(f"{URL}/{later.pk}/held", {"note": ""}, content_type=JSON)
    assert response.status_code == 400 and "2026-05-25" in response.json()["message"]
    response = client.post(f"{URL}/{today.pk}/held", {"note": "接待2批3人"}, content_type=JSON)
    assert response.status_code == 200 and response.json()["status"] == "held"
    assert response.json()["status_changed_by"] == "hangbu"
    response = client.post(f"{URL}/{today.pk}/cancel", {"reason": "x"}, content_type=JSON)
    assert (response.status_code, response.json()["code"]) == (409, "transition_not_allowed")
    response = client.post(f"{URL}/{later.pk}/cancel", {"reason": ""}, content_type=JSON)
    assert (response.status_code, response.json()["field"]) == (400, "reason")
    response = client.post(f"{URL}/{later.pk}/cancel", {"reason": "领导外出开会"}, content_type=JSON)
    assert response.json()["status"] == "cancelled" and "领导外出开会" in response.json()["note"]


def test_bad_input_is_refused_and_writes_nothing(personas, hangbu, rosters, plan, visitor):
    client = api_client(personas.admin)
    response = client.post(URL, {"unit": hangbu.code, "leader": 999999, "date": f"{TODAY}",
                                 "place": "接待室"}, content_type=JSON)
    assert (response.status_code, response.json()["field"]) == (422, "leader")
    response = client.post(URL, {"unit": "nowhere", "leader": rosters.hangbu.pk, "date": f"{TODAY}",
                                 "place": "接待室"}, content_type=JSON)
    assert (response.status_code, response.json()["field"]) == (422, "unit")
    response = client.post(URL, {"unit": hangbu.code, "leader": rosters.hangbu.pk, "date": "2026-02-30",
                                 "place": "接待室"}, content_type=JSON)
    assert (response.status_code, response.json()["field"]) == (422, "date")
    assert not Reception.objects.exists()

    reception = plan()
    response = client.post(f"{URL}/{reception.pk}/visitors",
                           {**_visitor_body(visitor), "id_number": "330802198001011234"}, content_type=JSON)
    assert (response.status_code, response.json()["field"]) == (400, "id_number")
    assert "198001011234" not in str(response.json())
    response = client.post(f"{URL}/{reception.pk}/visitors", {**_visitor_body(visitor), "title": ""},
                           content_type=JSON)
    assert (response.status_code, response.json()["field"]) == (422, "title")
    assert not Case.objects.exists() and not ReceptionVisit.objects.exists()
    assert Reception.objects.get(pk=reception.pk).status == ReceptionStatus.PLANNED


def test_scope_answers_404_and_403(personas, plan, visitor, hangbu_viewer):
    reception = plan()
    for outsider in (personas.outsider, personas.grid_worker, personas.fire_handler):
        client = api_client(outsider)
        assert client.get(f"{URL}/{reception.pk}").status_code == 404
        assert client.post(f"{URL}/{reception.pk}/visitors", _visitor_body(visitor),
                           content_type=JSON).status_code == 404
        assert client.get(URL).json()["items"] == []
    viewer = api_client(hangbu_viewer)
    assert viewer.get(f"{URL}/{reception.pk}").status_code == 200
    response = viewer.post(f"{URL}/{reception.pk}/held", {}, content_type=JSON)
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert Client().get(URL).status_code == 401


def test_list_filters_and_pages(personas, plan, shiliang, rosters):
    for day in (dt.date(2026, 4, 3), dt.date(2026, 4, 13), dt.date(2026, 4, 23), TODAY):
        plan(day, held=day < TODAY)
    plan(TODAY, unit=shiliang, leader=rosters.shiliang)
    client = api_client(personas.admin)
    items, pages = walk_pages(client, URL, limit=2)
    assert pages == 3 and [i["date"] for i in items][:2] == [f"{TODAY}", f"{TODAY}"]
    held = client.get(URL, {"status": "held", "unit": "330802007"}).json()["items"]
    assert [i["date"] for i in held] == ["2026-04-23", "2026-04-13", "2026-04-03"]
    april = client.get(URL, {"date_from": "2026-04-10", "date_to": "2026-04-20"}).json()["items"]
    assert [i["date"] for i in april] == ["2026-04-13"]
    town = api_client(personas.town_handler).get(URL).json()["items"]
    assert {i["unit"]["name"] for i in town} == {"航埠镇"}


def test_the_calendar(personas, plan, hangbu):
    plan(dt.date(2026, 4, 3), held=True)
    client = api_client(personas.admin)
    body = client.get(f"{URL}/calendar", {"year": 2026, "quarter": 2}).json()
    assert body["unit"]["name"] == "柯城区" and body["period_kind"] == "dekad"
    assert (body["first"], body["last"], len(body["periods"])) == ("2026-04-01", "2026-06-30", 9)
    row = next(r for r in body["rows"] if r["unit"]["name"] == "航埠镇")
    assert [c["state"] for c in row["cells"]][:5] == ["held", "missing", "missing", "missing", "upcoming"]
    assert (row["held"], row["due"]) == (1, 4)
    assert body["totals"]["held"] == 1
    town = api_client(personas.town_handler).get(f"{URL}/calendar", {"quarter": 2}).json()
    assert [r["unit"]["name"] for r in town["rows"]] == ["航埠镇"]
    response = api_client(personas.town_handler).get(f"{URL}/calendar", {"unit": "330802008"})
    assert response.status_code == 404  # 石梁镇: outside the town handler's reach
    response = client.get(f"{URL}/calendar", {"quarter": 5})
    assert (response.status_code, response.json()["field"]) == (422, "quarter")
    response = api_client(personas.grid_worker).get(f"{URL}/calendar")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
