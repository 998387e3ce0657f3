"""The permission matrix: every persona against every hazards endpoint. Nothing outside a
user's scope shows anywhere — list, count, detail, events, attachments — and every answer
about an item outside it is the very 404 a nonexistent reference gets."""

from __future__ import annotations

import pytest
from django.test import Client

from pingan.core.models import Event, Role, RoleName, Unit, UnitKind
from pingan.hazards.models import Hazard
from pingan.testing import api_client, tiny_png

PERSONAS = ("admin", "town_handler", "grid_worker", "fire_handler", "outsider")
MISSING = "YH-2026-999999"

# Who sees which hazard (blocks and lines).
VISIBLE = {
    "admin": {"grid_ebike", "grid_road", "village_fire", "shiliang_ebike", "shiliang_road"},
    "town_handler": {"grid_ebike", "grid_road", "village_fire"},
    "grid_worker": {"grid_ebike", "grid_road"},
    # Fire categories in 航埠镇 and 石梁镇 alike, but not the road hazard in 航埠镇.
    "fire_handler": {"grid_ebike", "village_fire", "shiliang_ebike"},
    "outsider": {"shiliang_ebike", "shiliang_road"},
}


@pytest.fixture
def hazards(make_hazard, personas, grid_in, hangbu_village):
    other_village_grid = (
        Unit.objects.filter(kind=UnitKind.GRID, parent__parent=hangbu_village.parent)
        .exclude(parent=hangbu_village).order_by("prefix").first()
    )
    shiliang_grid = grid_in("石梁镇")
    return {
        "grid_ebike": make_hazard(),
        "grid_road": make_hazard(category="road", title="路口视线遮挡"),
        "village_fire": make_hazard(actor=personas.town_handler, unit=other_village_grid,
                                    category="fire", title="仓库灭火器过期"),
        "shiliang_ebike": make_hazard(actor=personas.admin, unit=shiliang_grid, title="石梁镇楼道充电"),
        "shiliang_road": make_hazard(actor=personas.admin, unit=shiliang_grid, category="road",
                                     title="石梁镇急弯无警示"),
    }


def _reads(client: Client, ref: str) -> dict[str, object]:
    return {
        "detail": client.get(f"/api/v1/hazards/{ref}"),
        "events": client.get(f"/api/v1/hazards/{ref}/events"),
        "attachments": client.get(f"/api/v1/hazards/{ref}/attachments"),
    }


def _writes(client: Client, ref: str, version: int) -> dict[str, object]:
    json = "application/json"
    return {
        "edit": client.patch(f"/api/v1/hazards/{ref}", {"version": version, "title": "改"},
                             content_type=json),
        "assign": client.post(f"/api/v1/hazards/{ref}/transitions/assign",
                              {"version": version, "assignee": "hangbu"}, content_type=json),
        "reject": client.post(f"/api/v1/hazards/{ref}/transitions/reject",
                              {"version": version, "note": "x", "reason": "not_a_hazard"},
                              content_type=json),
        "extend": client.post(f"/api/v1/hazards/{ref}/extension",
                              {"version": version, "reason": "等材料"}, content_type=json),
        "attach": client.post(f"/api/v1/hazards/{ref}/attachments",
                              {"kind": "after", "file": _upload()}),
    }


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("after.png", tiny_png(), content_type="image/png")


@pytest.mark.parametrize("persona", PERSONAS)
def test_reads_show_exactly_the_scope(persona, personas, hazards):
    client = api_client(getattr(personas, persona))
    expected = {hazards[k].ref for k in VISIBLE[persona]}

    listed = client.get("/api/v1/hazards", {"limit": 100}).json()
    assert {item["ref"] for item in listed["items"]} == expected
    assert client.get("/api/v1/hazards/count").json() == {"count": len(expected)}

    nothing = _reads(client, MISSING)
    assert {r.status_code for r in nothing.values()} == {404}
    for key, hazard in hazards.items():
        answers = _reads(client, hazard.ref)
        if key in VISIBLE[persona]:
            assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 200)
            assert answers["detail"].json()["ref"] == hazard.ref
            assert [e["seq"] for e in answers["events"].json()] == [1, 2]
            assert len(answers["attachments"].json()) == 1
        else:
            for name, response in answers.items():
                assert response.status_code == 404, (key, name)
                assert response.json() == nothing[name].json(), (key, name)


@pytest.mark.parametrize("persona", PERSONAS)
def test_filters_and_searches_do_not_reach_past_the_scope(persona, personas, hazards, hangbu, shiliang):
    client = api_client(getattr(personas, persona))
    visible = {hazards[k].ref for k in VISIBLE[persona]}
    hidden = [h for k, h in hazards.items() if k not in VISIBLE[persona]]
    for hazard in hidden:
        for query in ({"q": hazard.ref}, {"q": hazard.title}, {"unit": hazard.unit_prefix},
                      {"category": hazard.category, "unit": hazard.unit_prefix}):
            listed = {i["ref"] for i in client.get("/api/v1/hazards", query).json()["items"]}
            assert listed <= visible, query
            assert client.get("/api/v1/hazards/count", query).json()["count"] == len(listed), query
        assert client.get("/api/v1/hazards", {"q": hazard.ref}).json()["items"] == []
    in_hangbu = {hazards[k].ref for k in VISIBLE[persona] if hazards[k].unit_prefix.startswith(hangbu.prefix)}
    listed = client.get("/api/v1/hazards", {"unit": hangbu.prefix}).json()["items"]
    assert {i["ref"] for i in listed} == in_hangbu


@pytest.mark.parametrize("persona", PERSONAS)
def test_writes_outside_the_scope_are_404_and_change_nothing(persona, personas, hazards):
    client = api_client(getattr(personas, persona))
    nothing = _writes(client, MISSING, 1)
    assert {r.status_code for r in nothing.values()} == {404}
    for key, hazard in hazards.items():
        if key in VISIBLE[persona]:
            continue
        before = Hazard.objects.values().get(pk=hazard.pk)
        events = Event.objects.filter(case=hazard).count()
        for name, response in _writes(client, hazard.ref, hazard.version).items():
            assert response.status_code == 404, (key, name)
            assert response.json() == nothing[name].json(), (key, name)
        assert Hazard.objects.values().get(pk=hazard.pk) == before
        assert Event.objects.filter(case=hazard).count() == events


def test_the_outsider_never_meets_hangbu(personas, hazards, hangbu):
    client = api_client(personas.outsider)
    every_page = client.get("/api/v1/hazards", {"limit": 500}).json()["items"]
    assert every_page and not [i for i in every_page if i["unit"]["code"].startswith(hangbu.prefix)]
    units = client.get("/api/v1/units", {"limit": 500}).json()["items"]
    assert not [u for u in units if u["prefix"].startswith(hangbu.prefix)]


def test_fire_department_sees_its_lines_in_hangbu_but_not_a_road_hazard(personas, hazards):
    client = api_client(personas.fire_handler)
    listed = {i["ref"]: i for i in client.get("/api/v1/hazards", {"unit": "330802007"}).json()["items"]}
    assert set(listed) == {hazards["grid_ebike"].ref, hazards["village_fire"].ref}
    assert {i["category"] for i in listed.values()} == {"ebike_charging", "fire"}
    assert client.get(f"/api/v1/hazards/{hazards['grid_road'].ref}").status_code == 404


def test_anonymous_callers_get_401_everywhere(hazards):
    client = Client()
    ref = hazards["grid_ebike"].ref
    reads = [*_reads(client, ref).values(), client.get("/api/v1/hazards"),
             client.get("/api/v1/hazards/count")]
    writes = list(_writes(client, ref, 1).values())
    for response in reads + writes:
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"


def test_a_viewer_reads_but_may_not_upload(personas, hazards, hangbu, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", password="long-enough-pass")
    Role.objects.create(user=viewer, unit=hangbu, role=RoleName.VIEWER)
    client = api_client(viewer)
    hazard = hazards["grid_ebike"]
    detail = client.get(f"/api/v1/hazards/{hazard.ref}").json()
    assert detail["transitions"] == []
    response = client.post(f"/api/v1/hazards/{hazard.ref}/attachments", {"kind": "after", "file": _upload()})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert hazard.attachments.count() == 1
