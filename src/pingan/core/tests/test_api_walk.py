"""Every endpoint of the OpenAPI schema, walked twice: anonymously (401) and as the outsider,
a 石梁镇 handler, against things of 航埠镇 (a detail or a write: 404, as if they did not exist;
a list or a count: 200 without them; a creation there: refused, nothing written).

The walk reads the schema, so a new endpoint is walked without anyone remembering to. Its
path parameters are filled from ``PATH_VALUES`` below, by route prefix and parameter name:
an endpoint that the map cannot fill fails the test by name, and the map is where it is
added."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from pingan.api_urls import api
from pingan.core.models import Case, Unit
from pingan.testing import api_client, tiny_png

API_PREFIX = "/api"
METHODS = ("get", "post", "patch", "put", "delete")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as the schema writes it: /api/v1/hazards/{ref}
    spec: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def path_parameters(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


def _operations() -> list[Operation]:
    schema = api.get_openapi_schema()
    return [Operation(method, path, spec) for path, item in schema["paths"].items()
            for method, spec in item.items() if method in METHODS]


OPERATIONS = _operations()
SCHEMA = api.get_openapi_schema()


@dataclass(frozen=True)
class Foreign:
    """Things of 航埠镇, which the outsider must not reach."""

    hazard: Any
    petition: Any
    fraud_case: Any
    warning: Any
    ring_id: str
    reception: Any
    token: Any
    unit: Unit
    task: Any
    meeting: Any
    circular: Any  # a draft naming 航埠镇: the outsider sees no draft
    suggestion: Any  # led by 航埠镇

    def secrets(self) -> list[str]:
        """What a list or count shown to the outsider must not contain."""
        return [self.hazard.ref, self.petition.ref, self.fraud_case.ref, self.warning.ref, self.ring_id,
                self.hazard.title, self.petition.title, self.unit.code, self.task.ref, self.task.title,
                self.meeting.title, self.circular.title, self.suggestion.ref, self.suggestion.title]


# Path parameter values, by route prefix (the longest that matches wins) and parameter name.
# A new endpoint with a parameter not listed here fails test_every_endpoint_is_walked: add it.
PATH_VALUES: dict[tuple[str, str], Callable[[Foreign], Any]] = {
    ("/api/v1/units/", "code"): lambda f: f.unit.code,
    ("/api/v1/tokens/", "token_id"): lambda f: f.token.pk,
    ("/api/v1/hazards/", "ref"): lambda f: f.hazard.ref,
    ("/api/v1/hazards/", "name"): lambda f: "assign",
    ("/api/v1/petitions/", "ref"): lambda f: f.petition.ref,
    ("/api/v1/petitions/", "name"): lambda f: "accept",
    ("/api/v1/fraud/cases/", "ref"): lambda f: f.fraud_case.ref,
    ("/api/v1/fraud/cases/", "name"): lambda f: "close",
    ("/api/v1/fraud/rings/", "ring_id"): lambda f: f.ring_id,
    ("/api/v1/fraud/warnings/", "ref"): lambda f: f.warning.ref,
    ("/api/v1/dissuasion/warnings/", "ref"): lambda f: f.warning.ref,
    ("/api/v1/receptions/", "reception_id"): lambda f: f.reception.pk,
    # The league: nothing is ranked in the walk's district, so no such table or indicator.
    ("/api/v1/league/indicators/", "code"): lambda f: "fires",
    ("/api/v1/league/tables/", "table"): lambda f: "towns",
    ("/api/v1/league/tables/", "period"): lambda f: "2026Q1",
    ("/api/v1/supervision/tasks/", "ref"): lambda f: f.task.ref,
    ("/api/v1/supervision/tasks/", "name"): lambda f: "accept",
    ("/api/v1/supervision/meetings/", "meeting_id"): lambda f: f.meeting.pk,
    ("/api/v1/supervision/decisions/", "decision_id"): lambda f: f.meeting.decisions.first().pk,
    ("/api/v1/supervision/circulars/", "circular_id"): lambda f: f.circular.pk,
    ("/api/v1/supervision/circulars/", "kind"): lambda f: "pdf",
    ("/api/v1/suggestions/", "ref"): lambda f: f.suggestion.ref,
    ("/api/v1/suggestions/", "name"): lambda f: "record_contact",
}

# Paths whose things every signed-in official sees (the league's tables are not scoped to a
# territory): a write by someone not entitled to it is refused (403) before its target is
# looked up, so the outsider gets 403 there, not the 404 that hides an item out of scope.
SEEN_BY_EVERY_OFFICIAL = ("/api/v1/league/",)

# Required query parameters, by name; values that are valid, so the handler (not the
# validation) answers.
QUERY_VALUES: dict[str, Callable[[Foreign], Any]] = {
    "rule": lambda f: "acceptance",
    "start": lambda f: "2026-05-11",
    "baseline": lambda f: "2026-01-01",
    "a": lambda f: f.fraud_case.ref,
    "b": lambda f: f.fraud_case.ref,
}

WARNING_FIELDS = {"issuer": "province_city", "risk_level": "high", "scam_type": "rebate_task",
                  "person_name": "王芳"}

# What a creation needs beyond what the schema's types give, to be refused for its place
# (航埠镇's unit, filled in for every creation) and not for a missing choice. A new
# creation endpoint fails test_every_endpoint_is_walked until it is listed here.
CREATE_FIELDS: dict[str, Callable[[Foreign], dict[str, Any]]] = {
    "/api/v1/tokens": lambda f: {"name": "巡查App"},
    "/api/v1/hazards": lambda f: {"title": "楼道内电动车充电", "category": "ebike_charging"},
    "/api/v1/petitions": lambda f: {"channel": "visit", "petition_type": "complaint", "category": "land",
                                    "title": "征地补偿款未足额发放", "matter": "村民反映征地补偿款少发。",
                                    "petitioner_name": "张三"},
    "/api/v1/fraud/cases": lambda f: {"scam_type": "rebate_task", "loss": 1000,
                                      "reported_on": timezone.localdate().isoformat(),
                                      "victims": [{"name": "王建华"}]},
    "/api/v1/fraud/warnings": lambda f: WARNING_FIELDS,
    "/api/v1/dissuasion/warnings": lambda f: WARNING_FIELDS,
    "/api/v1/receptions": lambda f: {"leader": f.reception.leader_id, "place": "航埠镇人民政府",
                                     "date": (timezone.localdate() + dt.timedelta(days=2)).isoformat()},
    "/api/v1/league/values": lambda f: {"table": "towns", "member": f.unit.prefix, "indicator": "fires",
                                        "period": "2026Q1"},
    "/api/v1/supervision/tasks": lambda f: {
        "title": "电诈损失率追赶", "deadline": (timezone.localdate() + dt.timedelta(days=30)).isoformat()},
    "/api/v1/supervision/meetings": lambda f: {"held_on": timezone.localdate().isoformat(),
                                               "title": "镇平安例会",
                                               "chair": "镇长", "report": "一要排查隐患。二要化解纠纷。"},
    "/api/v1/supervision/circulars": lambda f: {"kind": "failure_of_duty", "title": "履职不力通报",
                                                "facts": "卡口值守人员脱岗。"},
    "/api/v1/suggestions": lambda f: {"session": f.suggestion.session_id, "number": "99",
                                      "title": "关于航埠镇农业产业化的建议", "proposers": "何润云"},
    "/api/v1/suggestions/sessions": lambda f: {"name": "市八届人大二次会议", "channel": "congress",
                                               "opened_on": "2023-02-20"},
}


def _is_creation(operation: Operation) -> bool:
    return operation.method != "get" and not operation.path_parameters and "requestBody" in operation.spec


def _value_for(prefixes: dict[tuple[str, str], Callable], path: str, name: str):
    matches = [(prefix, fill) for (prefix, parameter), fill in prefixes.items()
               if parameter == name and path.startswith(prefix)]
    return max(matches, key=lambda match: len(match[0]))[1] if matches else None


def _unfillable(operation: Operation) -> list[str]:
    missing = [f"path parameter “{name}”" for name in operation.path_parameters
               if _value_for(PATH_VALUES, operation.path, name) is None]
    missing += [f"query parameter “{p['name']}”" for p in operation.spec.get("parameters", [])
                if p["in"] == "query" and p.get("required") and p["name"] not in QUERY_VALUES]
    if _is_creation(operation) and operation.path not in CREATE_FIELDS:
        missing.append("its creation's fields (CREATE_FIELDS)")
    return missing


def _url(operation: Operation, foreign: Foreign | None) -> tuple[str, dict[str, Any]]:
    path = operation.path
    for name in operation.path_parameters:
        value = _value_for(PATH_VALUES, path, name)(foreign) if foreign else "x"
        path = path.replace("{" + name + "}", str(value))
    query = {p["name"]: QUERY_VALUES[p["name"]](foreign) for p in operation.spec.get("parameters", [])
             if p["in"] == "query" and p.get("required") and foreign}
    return path, query


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0])
    if "anyOf" in schema:  # Optional[X]: the first that is not null
        return _resolve(next(s for s in schema["anyOf"] if s.get("type") != "null"))
    return schema


def _example(schema: dict[str, Any], unit_code: str) -> Any:
    """A valid value of ``schema``'s type, so the request reaches the handler's scope check
    and is not stopped by the input's validation first; a field ``unit`` names 航埠镇."""
    schema = _resolve(schema)
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    kind, form = schema.get("type"), schema.get("format")
    if kind == "object":
        return {name: unit_code if name == "unit" else _example(sub, unit_code)
                for name, sub in schema.get("properties", {}).items() if name in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if form == "date":
        return timezone.localdate().isoformat()
    if form == "date-time":
        return timezone.now().isoformat()
    if form == "binary":
        return ("photo.png", tiny_png())
    return "x" * max(1, schema.get("minLength", 1))


def _call(client, operation: Operation, foreign: Foreign | None):
    path, query = _url(operation, foreign)
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    call = getattr(client, operation.method)
    body = operation.spec.get("requestBody", {}).get("content", {})
    unit_code = foreign.unit.code if foreign else "x"
    if "multipart/form-data" in body:
        return call(path, _multipart(_example(body["multipart/form-data"]["schema"], unit_code)))
    if "application/json" in body:
        payload = _example(body["application/json"]["schema"], unit_code)
        if foreign and _is_creation(operation):
            payload |= CREATE_FIELDS[operation.path](foreign)
        return call(path, json.dumps(payload), content_type="application/json")
    return call(path)


def _multipart(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: SimpleUploadedFile(value[0], value[1], content_type="image/png")
            if isinstance(value, tuple) else value for name, value in fields.items()}


def test_every_endpoint_is_walked():
    unfillable = {str(operation): _unfillable(operation) for operation in OPERATIONS}
    unfillable = {name: missing for name, missing in unfillable.items() if missing}
    assert not unfillable, (
        "The API walk cannot fill these endpoints' parameters: add them to PATH_VALUES, "
        f"QUERY_VALUES or CREATE_FIELDS in {__name__}, with something of 航埠镇: {unfillable}")
    assert len(OPERATIONS) > 40  # the schema was read, not an empty one


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_anonymous_is_401(client, district, operation):
    response = _call(client, operation, None)
    assert response.status_code == 401, f"{operation}: {response.status_code} {response.content[:300]}"


@pytest.fixture
def foreign(personas, hangbu, hangbu_village, worker_grid, make_hazard) -> Foreign:
    from pingan.core.api import token_create
    from pingan.dissuasion.services import warning_register
    from pingan.fraud.services import VictimIn, fraud_case_record
    from pingan.petitions.services import petition_register
    from pingan.receptions.models import Leader
    from pingan.receptions.services import reception_plan
    from pingan.suggestions import services as suggestions
    from pingan.supervision.circulars import circular_draft
    from pingan.supervision.meetings import meeting_record
    from pingan.supervision.services import task_create

    admin = personas.admin
    reported = timezone.localdate() - dt.timedelta(days=3)

    def fraud_case(victim: str):
        return fraud_case_record(actor=admin, unit=hangbu, scam_type="rebate_task", reported_on=reported,
                                 loss=12_000, victims=[VictimIn(name=victim)],
                                 identifiers=[("phone", "13900001111")])

    first, _second = fraud_case("王建华"), fraud_case("李秀英")  # a ring of two, by the phone
    first.refresh_from_db()
    leader = Leader.objects.create(unit=hangbu, title="镇党委书记", name="郑国平")
    session = suggestions.session_get_or_create(actor=admin, name="市八届人大一次会议", channel="congress",
                                                opened_on=dt.date(2022, 4, 26))
    suggestion = suggestions.suggestion_register(actor=admin, session=session, number="1", proposers="何润云",
                                                 title="关于航埠镇农业产业化的建议")
    return Foreign(
        hazard=make_hazard(),
        petition=petition_register(
            actor=admin, unit=hangbu_village, channel="visit", petition_type="complaint", category="land",
            title="征地补偿款未足额发放", matter="村民反映征地补偿款少发。", petitioner_name="张三",
            id_number="330802198001011238", phone="13812345678", address="航埠镇缪村村12号"),
        fraud_case=first,
        warning=warning_register(actor=admin, unit=hangbu, issuer="province_city", risk_level="high",
                                 scam_type="rebate_task", person_name="王芳", person_phone="13700002222"),
        ring_id=_ring_of(first),
        reception=reception_plan(actor=admin, unit=hangbu, leader=leader,
                                 date=timezone.localdate() + dt.timedelta(days=1), place="航埠镇人民政府"),
        token=token_create(user=personas.town_handler, name="巡查App")[0],
        unit=hangbu,
        task=task_create(actor=admin, title="航埠镇电诈损失率追赶", unit=hangbu, lead=hangbu,
                         deadline=timezone.localdate() + dt.timedelta(days=30)),
        meeting=meeting_record(actor=admin, unit=hangbu, held_on=timezone.localdate(), title="航埠镇平安例会",
                               chair="镇长", report="一要航埠镇排查隐患。二要化解纠纷。"),
        circular=circular_draft(actor=admin, kind="failure_of_duty", title="关于航埠镇履职不力问题的通报",
                                unit=hangbu, facts="卡口值守人员脱岗。"),
        suggestion=suggestions.suggestion_assign(suggestion=suggestion, actor=admin, lead=hangbu,
                                                 expected_version=suggestion.version),
    )


def _ring_of(case) -> str:
    from pingan.fraud.models import FraudCase

    ring = FraudCase.objects.get(pk=case.pk).ring
    assert ring is not None, "the two cases sharing a phone should make a ring"
    return ring.ring_id


def test_the_outsider_reaches_nothing_of_another_town(personas, foreign):
    client = api_client(personas.outsider)
    cases_before = Case.objects.count()
    wrong = []
    for operation in OPERATIONS:
        response = _call(client, operation, foreign)
        shown = response.content.decode()
        name = str(operation)
        if operation.path_parameters and operation.path.startswith(SEEN_BY_EVERY_OFFICIAL) \
                and operation.method != "get":
            if response.status_code != 403:
                wrong.append(f"{name}: {response.status_code}, not 403: {shown[:200]}")
        elif operation.path_parameters:
            if response.status_code != 404:
                wrong.append(f"{name}: {response.status_code}, not 404: {shown[:200]}")
        elif operation.method == "get":
            if response.status_code != 200:
                wrong.append(f"{name}: {response.status_code}, not 200: {shown[:200]}")
        elif response.status_code not in (403, 404):
            wrong.append(f"{name}: {response.status_code}, a creation in 航埠镇 not refused for its place: "
                         f"{shown[:200]}")
        leaked = [secret for secret in foreign.secrets() if secret in shown]
        if leaked:
            wrong.append(f"{name}: its answer names {leaked}")
    assert not wrong, "\n".join(wrong)
    assert Case.objects.count() == cases_before, "a refused creation wrote a case"

