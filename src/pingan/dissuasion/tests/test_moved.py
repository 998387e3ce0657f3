"""Warning orders had their pages under /fraud/ and their API under /api/v1/fraud before they had
an app of their own: the old pages redirect to the new ones (a form posted there is posted
again), and the old API paths answer as before, marked deprecated in the schema."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pingan.dissuasion.tests.test_rules import register
from pingan.testing import api_client

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_the_old_pages_redirect_to_the_new(client, personas, worker_grid):
    warning = register(personas.admin, worker_grid)
    client.force_login(personas.grid_worker)
    moved = {
        "/fraud/dissuasion/?first=2026-01-01": reverse("dissuasion:board") + "?first=2026-01-01",
        "/fraud/warnings/?open_only=true": reverse("dissuasion:warnings") + "?open_only=true",
        "/fraud/warnings/new/": reverse("dissuasion:warning-new"),
        f"/fraud/warnings/{warning.ref}/": reverse("dissuasion:warning", args=[warning.ref]),
    }
    for old, new in moved.items():
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (308, new), old
        assert client.get(new).status_code == 200, new
    posted = client.post(f"/fraud/warnings/{warning.ref}/contacts/", {"version": warning.version})
    assert (posted.status_code, posted["Location"]) == (
        308, reverse("dissuasion:warning-contact", args=[warning.ref]))
    # The fraud app's own pages are untouched.
    assert client.get(reverse("fraud:cases")).status_code == 200


def test_the_old_api_paths_still_answer(personas, worker_grid):
    warning = register(personas.admin, worker_grid)
    api = api_client(personas.grid_worker)
    for old, new in (("/api/v1/fraud/warnings", "/api/v1/dissuasion/warnings"),
                     (f"/api/v1/fraud/warnings/{warning.ref}", f"/api/v1/dissuasion/warnings/{warning.ref}"),
                     ("/api/v1/fraud/dissuasion", "/api/v1/dissuasion/board")):
        answered, expected = api.get(old), api.get(new)
        assert answered.status_code == expected.status_code == 200, old
        assert answered.json() == expected.json()
    contacted = api.post(f"/api/v1/fraud/warnings/{warning.ref}/contacts", content_type=JSON,
                         data={"version": warning.version, "method": "phone", "reached": True})
    assert contacted.status_code == 200 and contacted.json()["status"] == "contacted"


def test_the_schema_marks_the_old_paths_deprecated(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert paths["/api/v1/fraud/warnings"]["get"]["deprecated"] is True
    assert paths["/api/v1/fraud/dissuasion"]["get"]["deprecated"] is True
    assert not paths["/api/v1/dissuasion/warnings"]["get"].get("deprecated")
    assert not paths["/api/v1/fraud/cases"]["get"].get("deprecated")
    operation_ids = [op["operationId"] for path in paths.values() for op in path.values()]
    assert len(operation_ids) == len(set(operation_ids))
    # The names they had before the move: a client generated from the schema keeps its methods.
    assert paths["/api/v1/fraud/warnings"]["get"]["operationId"] == "pingan_fraud_api_warning_list"
    assert paths["/api/v1/fraud/dissuasion"]["get"]["operationId"] == "pingan_fraud_api_dissuasion_board"
