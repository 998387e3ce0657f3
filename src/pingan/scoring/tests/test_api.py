"""/api/v1/league: every official reads; only the league's managers write and rank."""

from __future__ import annotations

import json

import pytest

from pingan.scoring.models import Indicator, Standing, Value
from pingan.scoring.tests.league_data import build_league
from pingan.testing import api_client

pytestmark = pytest.mark.django_db

API = "/api/v1/league"


@pytest.fixture
def league(personas):
    return build_league(quarters=("2026Q3", "2026Q4"))


def test_officials_read_the_indicators_members_values_and_tables(personas, league):
    client = api_client(personas.outsider)
    codes = [i["code"] for i in client.get(f"{API}/indicators").json()]
    assert codes[:2] == ["hazard_on_time", "petition_resolved"]
    members = client.get(f"{API}/members", {"table": "city"}).json()
    assert {m["name"] for m in members} >= {"柯城区", "衢江区"} and sum(m["is_home"] for m in members) == 1
    values = client.get(f"{API}/values", {"table": "towns", "indicator": "fires"}).json()
    assert len(values) == len(league["towns"]) and {v["period"] for v in values} == {"2026Q4"}
    table = client.get(f"{API}/tables/towns/2026Q3").json()
    assert table["period"] == "2026Q3" and [s["rank"] for s in table["standings"]][0] == 1
    assert sum(s["red_flag"] for s in table["standings"]) == 3
    assert set(table["standings"][0]["scores"]) == set(Indicator.objects.values_list("code", flat=True))


def test_a_table_not_ranked_for_a_period_is_404_and_a_bad_one_400(personas, league):
    client = api_client(personas.admin)
    assert client.get(f"{API}/tables/towns/2025Q1").status_code == 404
    assert client.get(f"{API}/tables/villages/2026Q3").status_code == 400
    assert client.get(f"{API}/tables/towns/2026Q9").status_code == 400


def test_writes_are_refused_to_others(personas, league):
    client = api_client(personas.town_handler)
    before = list(Value.objects.values_list("pk", "value"))
    body = {"table": "towns", "member": league["towns"][0].code, "indicator": "fires", "period": "2026Q4",
            "value": 9}
    assert client.put(f"{API}/values", json.dumps(body), content_type="application/json").status_code == 403
    assert client.patch(f"{API}/indicators/fires", json.dumps({"weight": 50}),
                        content_type="application/json").status_code == 403
    assert client.post(f"{API}/tables/towns/2026Q4/rank").status_code == 403
    assert list(Value.objects.values_list("pk", "value")) == before
    assert Indicator.objects.get(code="fires").weight == 10


def test_a_manager_records_a_value_changes_an_indicator_and_ranks(personas, league):
    client = api_client(personas.admin)
    town = league["towns"][0]
    body = {"table": "towns", "member": town.code, "indicator": "fires", "period": "2026Q4", "value": "9"}
    response = client.put(f"{API}/values", json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    assert Value.objects.get(member=town, indicator__code="fires", period="2026Q4").value == 9
    response = client.patch(f"{API}/indicators/fires", json.dumps({"weight": 30}),
                            content_type="application/json")
    assert response.status_code == 200 and float(response.json()["weight"]) == 30
    Standing.objects.filter(table="towns", period="2026Q4").delete()
    ranked = client.post(f"{API}/tables/towns/2026Q4/rank").json()
    assert len(ranked["standings"]) == len(league["towns"])


def test_an_indicator_breaking_its_rules_is_refused_and_unchanged(personas, league):
    client = api_client(personas.admin)
    response = client.patch(f"{API}/indicators/criminal_cases", json.dumps({"weight": 0, "name": "刑案"}),
                            content_type="application/json")
    assert response.status_code == 400
    indicator = Indicator.objects.get(code="criminal_cases")
    assert (indicator.weight, indicator.name) == (15, "刑事案件")
    assert client.patch(f"{API}/indicators/nothing", json.dumps({"weight": 1}),
                        content_type="application/json").status_code == 404


def test_a_value_for_an_unknown_member_is_404(personas, league):
    body = {"table": "towns", "member": "nobody", "indicator": "fires", "period": "2026Q4", "value": 1}
    response = api_client(personas.admin).put(f"{API}/values", json.dumps(body),
                                              content_type="application/json")
    assert response.status_code == 404 and response.json()["field"] == "member"


def test_a_standing_names_its_member_by_code_and_name(personas, league):
    first = api_client(personas.outsider).get(f"{API}/tables/city/2026Q4").json()["standings"][0]
    assert set(first) >= {"member", "name"}
    assert (first["member"], first["name"]) in {(m.code, m.name) for m in league["city"]}
