"""/api/v1/league: every official reads; only the league's managers write and rank."""

from __future__ import annotations

import json

import pytest
from django.utils import translation

from pingan.scoring.models import (
    MSG_BASE_RANGE,
    MSG_PER_UNIT_NEEDED,
    MSG_TARGET_NEEDED,
    MSG_WEIGHT_POSITIVE,
    Indicator,
    Standing,
    Table,
    Value,
)
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


def _patch(client, code: str, body: dict):
    return client.patch(f"{API}/indicators/{code}", json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(("code", "body", "message"), [
    ("hazard_on_time", {"method": "target_ratio", "target": None}, MSG_TARGET_NEEDED),
    ("criminal_cases", {"target": None}, MSG_TARGET_NEEDED),
    ("criminal_cases", {"target": 0}, MSG_TARGET_NEEDED),
    ("hazard_on_time", {"method": "deduction"}, MSG_PER_UNIT_NEEDED),
    ("fires", {"per_unit": -5}, MSG_PER_UNIT_NEEDED),
    ("fires", {"per_unit": 0}, MSG_PER_UNIT_NEEDED),
    ("fires", {"base": 150}, MSG_BASE_RANGE),
    ("fires", {"base": -1}, MSG_BASE_RANGE),
    ("fires", {"weight": 0}, MSG_WEIGHT_POSITIVE),
])
def test_an_indicator_that_could_not_be_scored_is_refused_in_words(personas, league, code, body, message):
    client = api_client(personas.admin)
    before = Indicator.objects.values().get(code=code)
    response = _patch(client, code, body)
    assert response.status_code == 400, response.content
    assert response.json()["message"] == str(message)
    assert "indicator_" not in response.json()["message"]  # never the constraint's name
    assert Indicator.objects.values().get(code=code) == before
    # the ranking still works
    assert client.post(f"{API}/tables/towns/2026Q4/rank").status_code == 200


def test_an_indicators_weight_too_large_for_its_field_is_a_400(personas, league):
    response = _patch(api_client(personas.admin), "fires", {"weight": "1e300"})
    assert response.status_code == 400 and response.json()["field"] == "weight"


def _standings() -> dict:
    return {(s.table, s.period, s.member_id): (s.composite, s.scores) for s in Standing.objects.all()}


def test_changing_an_indicators_scoring_reranks_every_table_and_period(personas, league):
    client = api_client(personas.admin)
    before = _standings()
    assert {(table, period) for table, period, _member in before} == {
        (table, period) for table in ("towns", "city") for period in ("2026Q3", "2026Q4")}
    assert _patch(client, "fires", {"note": "每起扣5分（说明）"}).status_code == 200
    assert _standings() == before
    assert _patch(client, "fires", {"per_unit": 20}).status_code == 200
    after = _standings()
    assert set(after) == set(before)
    for table in ("towns", "city"):
        for period in ("2026Q3", "2026Q4"):
            moved = [key for key in after if key[:2] == (table, period) and after[key] != before[key]]
            assert moved, (table, period)
    # deactivating it takes its column out of every standing
    assert _patch(client, "fires", {"active": False}).status_code == 200
    assert all("fires" not in s.scores for s in Standing.objects.all())


def test_an_unknown_member_is_named_with_the_tables_label(personas, league):
    body = {"table": "city", "member": "nobody", "indicator": "fires", "period": "2026Q4", "value": 1}
    client = api_client(personas.admin)
    response = client.put(f"{API}/values", json.dumps(body), content_type="application/json",
                          headers={"accept-language": "zh-hans"})
    message = response.json()["message"]
    assert response.status_code == 404 and "city" not in message
    with translation.override("zh-hans"):
        assert str(Table.CITY.label) in message


@pytest.mark.parametrize(("value", "sample", "field"), [
    ("99999999999999.99999", None, "value"), ("1e300", None, "value"), (50, 2147483648, "sample")])
def test_a_value_too_large_for_its_field_is_a_400(personas, league, value, sample, field):
    body = {"table": "towns", "member": league["towns"][0].code, "indicator": "hazard_on_time",
            "period": "2026Q4", "value": value, "sample": sample}
    before = list(Value.objects.order_by("pk").values_list("pk", "value", "sample"))
    response = api_client(personas.admin).put(f"{API}/values", json.dumps(body),
                                              content_type="application/json")
    assert response.status_code in (400, 422), response.content
    assert list(Value.objects.order_by("pk").values_list("pk", "value", "sample")) == before
    if response.status_code == 400:
        assert response.json()["field"] == field
