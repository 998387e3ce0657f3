"""The API's shared parts: docs, authentication, the error format, units and tokens."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from pingan.core.api import MSG_CSRF, hash_key, token_create
from pingan.core.models import ApiToken, Role, RoleName, Unit, UnitKind
from pingan.hazards.models import Hazard
from pingan.testing import api_client, walk_pages


def test_docs_render_without_login_from_local_static_files(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    for asset in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js", "ninja/swagger-ui.css"):
        assert f"/static/{asset}" in html
        assert finders.find(asset), f"{asset} is not among the static files"
    # The district's machines are offline: nothing may come from a CDN.
    assert "cdn" not in html.lower()
    assert "http://" not in html and "https://" not in html


def test_openapi_schema_lists_the_v1_endpoints(client):
    spec = client.get("/api/openapi.json").json()
    assert {"/api/v1/units", "/api/v1/units/{code}", "/api/v1/hazards", "/api/v1/hazards/{ref}",
            "/api/v1/hazards/{ref}/transitions/{name}", "/api/v1/hazards/{ref}/attachments",
            "/api/v1/hazards/{ref}/events", "/api/v1/hazards/{ref}/extension",
            "/api/v1/hazards/count", "/api/v1/tokens"} <= set(spec["paths"])
    schemes = spec["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}


# ---------------------------------------------------------------------------
# Authentication
# ---------------------------------------------------------------------------


def test_no_credentials_is_401_json(client, district):
    response = client.get("/api/v1/units")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response.json()["message"]


def test_bearer_token_authenticates_and_only_its_hash_is_stored(personas):
    token, key = token_create(user=personas.town_handler, name="巡查App")
    assert token.key_hash == hash_key(key) and key not in token.key_hash
    assert not ApiToken.objects.filter(key_hash=key).exists()
    response = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/units/330802007000")
    assert response.status_code == 200
    assert response.json()["name"] == "航埠镇"


@pytest.mark.parametrize("spoil", ["revoke", "wrong", "deactivate", "empty"])
def test_refused_tokens_are_401_even_with_a_session(personas, spoil):
    token, key = token_create(user=personas.town_handler, name="巡查App")
    if spoil == "revoke":
        call_command("token", "revoke", str(token.pk), stdout=io.StringIO())
    elif spoil == "wrong":
        key = key[:-2] + ("aa" if not key.endswith("aa") else "bb")
    elif spoil == "deactivate":
        type(personas.town_handler).objects.filter(pk=personas.town_handler.pk).update(is_active=False)
    else:
        key = ""
    client = Client(headers={"Authorization": f"Bearer {key}"})
    # A valid session does not rescue a bad token: the caller meant the token.
    client.force_login(personas.admin)
    response = client.get("/api/v1/units")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_last_use_is_written_at_most_once_a_minute(personas):
    token, key = token_create(user=personas.grid_worker, name="phone")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    start = dt.datetime(2026, 5, 6, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        assert client.get("/api/v1/units").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=59), tick=False):
        assert client.get("/api/v1/units").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        assert client.get("/api/v1/units").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == start + dt.timedelta(seconds=61)


def _csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_session_reads_need_no_csrf_token(personas):
    response = _csrf_client(personas.town_handler).get("/api/v1/units?kind=town")
    assert response.status_code == 200
    assert [u["name"] for u in response.json()["items"]] == ["航埠镇"]


def test_session_write_without_csrf_token_is_403_and_saves_nothing(personas, worker_grid):
    client = _csrf_client(personas.grid_worker)
    body = {"unit": worker_grid.code, "title": "楼道堆物", "category": "fire"}
    response = client.post("/api/v1/hazards", body, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    with translation.override(settings.LANGUAGE_CODE):
        assert response.json()["message"] == str(MSG_CSRF)
    assert not Hazard.objects.filter(title="楼道堆物").exists()

    # The same request with the token from the csrftoken cookie goes through.
    client.get("/api/docs")
    csrf = client.cookies["csrftoken"].value
    response = client.post("/api/v1/hazards", body, content_type="application/json",
                           headers={"X-CSRFToken": csrf})
    assert response.status_code == 201, response.json()
    assert Hazard.objects.filter(title="楼道堆物").count() == 1


def test_bearer_writes_need_no_csrf_token(personas, worker_grid):
    _token, key = token_create(user=personas.grid_worker, name="phone")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {key}"})
    response = client.post("/api/v1/hazards", {"unit": worker_grid.code, "title": "井盖缺失",
                                               "category": "road"}, content_type="application/json")
    assert response.status_code == 201


# ---------------------------------------------------------------------------
# The error format
# ---------------------------------------------------------------------------


def test_validation_errors_name_each_field(personas):
    response = api_client(personas.grid_worker).post(
        "/api/v1/hazards", {"title": "", "category": "volcano"}, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["message"]
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"unit", "title", "category"}
    assert all(e["message"] for e in body["errors"])


def test_query_validation_errors_name_the_query_parameter(personas):
    response = api_client(personas.admin).get("/api/v1/hazards?status=bogus&grade=huge")
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"status", "grade"}


# ---------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------


def test_units_are_those_within_scope(personas, hangbu, shiliang, worker_grid):
    outsider = walk_pages(api_client(personas.outsider), "/api/v1/units", limit=7)[0]
    codes = [u["code"] for u in outsider]
    assert codes == sorted(codes, key=lambda c: Unit.objects.get(code=c).prefix)
    assert len(codes) == len(set(codes))
    prefixes = {u["prefix"] for u in outsider}
    assert all(p.startswith(shiliang.prefix) for p in prefixes)
    assert prefixes == set(Unit.objects.filter(shiliang.subtree_q()).values_list("prefix", flat=True))
    # The grid worker reaches one grid cell and the micro-grids it is split into.
    grid = api_client(personas.grid_worker).get("/api/v1/units").json()["items"]
    micro_grids = worker_grid.children.order_by("prefix").values_list("code", flat=True)
    assert [u["code"] for u in grid] == [worker_grid.code, *micro_grids] and len(micro_grids) == 3
    # A department works anywhere: every territorial unit, and no departments.
    fire = walk_pages(api_client(personas.fire_handler), "/api/v1/units", limit=200)[0]
    assert len(fire) == Unit.objects.exclude(kind=UnitKind.DEPARTMENT).count()


def test_units_filter_by_parent_code_or_prefix_and_kind(personas, hangbu):
    client = api_client(personas.town_handler)
    by_code = client.get("/api/v1/units", {"parent": hangbu.code}).json()["items"]
    by_prefix = client.get("/api/v1/units", {"parent": hangbu.prefix}).json()["items"]
    assert by_code == by_prefix
    assert {u["parent"] for u in by_code} == {hangbu.code}
    assert len(by_code) == hangbu.children.count()
    grids = client.get("/api/v1/units", {"kind": "grid", "limit": 500}).json()["items"]
    assert grids and {u["kind"] for u in grids} == {"grid"}
    assert all(u["prefix"].startswith(hangbu.prefix) for u in grids)


def test_unit_outside_scope_is_404_like_a_missing_one(personas, hangbu):
    client = api_client(personas.outsider)
    hidden = client.get(f"/api/v1/units/{hangbu.code}")
    missing = client.get("/api/v1/units/999999999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert hidden.json()["code"] == "not_found"


def test_page_size_above_the_maximum_is_refused(personas, settings):
    settings.PINGAN_API_MAX_PAGE_SIZE = 20
    response = api_client(personas.admin).get("/api/v1/units", {"limit": 21})
    assert response.status_code == 422
    assert response.json()["field"] == "limit"
    assert "20" in response.json()["message"]


# ---------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------


def test_session_creates_a_token_whose_key_is_shown_once(personas):
    client = Client()
    client.force_login(personas.fire_handler)
    created = client.post("/api/v1/tokens", {"name": "消防巡查"}, content_type="application/json")
    assert created.status_code == 201
    key = created.json()["key"]
    listed = client.get("/api/v1/tokens").json()
    assert [t["name"] for t in listed] == ["消防巡查"]
    assert "key" not in listed[0]
    machine = Client(headers={"Authorization": f"Bearer {key}"})
    assert machine.get("/api/v1/hazards").status_code == 200


def test_a_token_cannot_mint_tokens(personas):
    client = api_client(personas.admin)
    response = client.post("/api/v1/tokens", {"name": "more"}, content_type="application/json")
    assert response.status_code == 403
    assert ApiToken.objects.filter(user=personas.admin).count() == 1


def test_users_revoke_only_their_own_tokens(personas):
    mine, _key = token_create(user=personas.outsider, name="mine")
    theirs, their_key = token_create(user=personas.town_handler, name="theirs")
    client = api_client(personas.outsider)
    assert client.post(f"/api/v1/tokens/{theirs.pk}/revoke").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    response = client.post(f"/api/v1/tokens/{mine.pk}/revoke")
    assert response.status_code == 200 and response.json()["revoked_at"]
    mine.refresh_from_db()
    assert mine.revoked_at is not None


def test_blank_token_name_is_refused(personas):
    client = Client()
    client.force_login(personas.admin)
    response = client.post("/api/v1/tokens", {"name": "   "}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["field"] == "name"
    assert not ApiToken.objects.exists()


def test_token_command_prints_the_key_once_and_revokes(personas):
    out, err = io.StringIO(), io.StringIO()
    call_command("token", "create", "hangbu", "--name", "ledger sync", stdout=out, stderr=err)
    key = out.getvalue().strip()
    token = ApiToken.objects.get(name="ledger sync")
    assert token.user == personas.town_handler
    assert token.key_hash == hash_key(key)
    assert "cannot be shown again" in err.getvalue()
    assert Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/units").status_code == 200

    listing = io.StringIO()
    call_command("token", "list", "hangbu", stdout=listing)
    assert "ledger sync" in listing.getvalue() and key not in listing.getvalue()

    call_command("token", "revoke", str(token.pk), stdout=io.StringIO())
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client(headers={"Authorization": f"Bearer {key}"}).get("/api/v1/units").status_code == 401


def test_token_command_refuses_unknown_users_and_tokens(district):
    with pytest.raises(CommandError, match="No active user"):
        call_command("token", "create", "nobody", "--name", "x", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No token"):
        call_command("token", "revoke", "424242", stdout=io.StringIO())
    assert not ApiToken.objects.exists()


def test_a_viewer_reads_the_units_of_their_town(personas, hangbu, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", password="long-enough-pass")
    Role.objects.create(user=viewer, unit=hangbu, role=RoleName.VIEWER)
    response = api_client(viewer).get("/api/v1/units", {"kind": "town"})
    assert [u["name"] for u in response.json()["items"]] == ["航埠镇"]
