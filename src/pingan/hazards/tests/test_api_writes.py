"""Writes over the API: report, edit under optimistic locking, the whole loop, extension,
attachments. Each refusal carries the service's own message and changes nothing."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from pingan.core import errors
from pingan.core.attachments import MSG_BAD_TYPE
from pingan.core.models import Attachment, Event, Unit, UnitKind
from pingan.hazards.models import Hazard
from pingan.hazards.services import MSG_CANNOT_REPORT_HERE
from pingan.hazards.workflow import MSG_AFTER_PHOTO_REQUIRED, MSG_VERIFIER_IS_RECTIFIER
from pingan.testing import api_client, tiny_png

JSON = "application/json"


def _msg(message, **kwargs) -> str:
    """A service message as the API words it (in the default language)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message).format(**kwargs) if kwargs else str(message)


def _photo(name: str = "after.png", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, tiny_png() if content is None else content, content_type="image/png")


def _step(client, ref: str, name: str, **body):
    current = client.get(f"/api/v1/hazards/{ref}").json()["version"]
    return client.post(f"/api/v1/hazards/{ref}/transitions/{name}", {"version": current, **body},
                       content_type=JSON)


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def test_report_a_hazard(personas, worker_grid):
    client = api_client(personas.grid_worker)
    response = client.post("/api/v1/hazards", {
        "unit": worker_grid.code, "title": "  楼道堆放杂物  ", "category": "fire",
        "location": "5号楼2单元", "latitude": 28.96, "longitude": 118.77,
    }, content_type=JSON)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["title"] == "楼道堆放杂物"
    assert body["status"] == "reported" and body["version"] == 1
    assert body["unit"] == {"code": worker_grid.code, "name": worker_grid.name}
    assert body["department"] == "消防救援大队"
    assert body["reporter"] == "grid" and body["source"] == "api"
    assert body["due_at"] and body["due_state"] == "on_time"
    hazard = Hazard.objects.get(ref=body["ref"])
    assert hazard.events.get().type == "created"


def test_report_refusals_save_nothing(personas, worker_grid, grid_in):
    client = api_client(personas.outsider)
    unknown = client.post("/api/v1/hazards", {"unit": "000", "title": "x", "category": "fire"},
                          content_type=JSON)
    assert unknown.status_code == 422 and unknown.json()["field"] == "unit"
    elsewhere = client.post("/api/v1/hazards", {"unit": worker_grid.code, "title": "x",
                                                "category": "fire"}, content_type=JSON)
    assert elsewhere.status_code == 403
    assert elsewhere.json() == {"code": "forbidden", "field": "unit",
                                "message": _msg(MSG_CANNOT_REPORT_HERE, unit=worker_grid.name)}
    department = Unit.objects.filter(kind=UnitKind.DEPARTMENT).first()
    on_department = client.post("/api/v1/hazards", {"unit": department.code, "title": "x",
                                                     "category": "fire"}, content_type=JSON)
    assert on_department.status_code == 400 and on_department.json()["field"] == "unit"
    assert not Hazard.objects.exists()


def test_an_external_reference_is_taken_once(personas, worker_grid):
    client = api_client(personas.grid_worker)
    body = {"unit": worker_grid.code, "title": "导入", "category": "gas", "external_ref": "ZJ-778"}
    assert client.post("/api/v1/hazards", body, content_type=JSON).status_code == 201
    again = client.post("/api/v1/hazards", body, content_type=JSON)
    assert again.status_code == 422
    assert again.json()["code"] == "validation_error"
    assert Hazard.objects.filter(external_ref="ZJ-778").count() == 1


# ---------------------------------------------------------------------------
# Edit
# ---------------------------------------------------------------------------


def test_edit_changes_only_the_fields_sent(make_hazard, personas):
    hazard = make_hazard()
    client = api_client(personas.town_handler)
    response = client.patch(f"/api/v1/hazards/{hazard.ref}", {
        "version": hazard.version, "title": "楼道内电动车充电（3处）", "grade": "major",
        "plan_deadline": "2026-06-30", "note": "现场复查",
    }, content_type=JSON)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["title"] == "楼道内电动车充电（3处）"
    assert body["grade"] == "major" and body["plan_deadline"] == "2026-06-30"
    assert body["category"] == "ebike_charging"
    assert body["version"] == hazard.version + 1
    event = hazard.events.order_by("-seq").first()
    assert event.type == "updated" and event.note == "现场复查"
    assert event.before["severity"] == "ordinary" and event.after["severity"] == "major"


def test_stale_edit_is_409_and_changes_nothing(make_hazard, personas):
    hazard = make_hazard()
    first = api_client(personas.town_handler)
    second = api_client(personas.grid_worker)
    assert first.patch(f"/api/v1/hazards/{hazard.ref}", {"version": 1, "title": "先改"},
                       content_type=JSON).status_code == 200
    before = Hazard.objects.values().get(pk=hazard.pk)
    events = Event.objects.filter(case=hazard).count()
    response = second.patch(f"/api/v1/hazards/{hazard.ref}", {"version": 1, "title": "后改"},
                            content_type=JSON)
    assert response.status_code == 409
    assert response.json() == {"code": "stale_edit", "message": _msg(errors.MSG_STALE, expected=1, current=2)}
    assert Hazard.objects.values().get(pk=hazard.pk) == before
    assert Event.objects.filter(case=hazard).count() == events
    # A stale transition is refused the same way.
    stale_step = first.post(f"/api/v1/hazards/{hazard.ref}/transitions/assign",
                            {"version": 1, "assignee": "grid"}, content_type=JSON)
    assert stale_step.status_code == 409 and stale_step.json()["code"] == "stale_edit"
    assert Hazard.objects.values().get(pk=hazard.pk) == before


def test_edit_refuses_nulls_and_requires_a_version(make_hazard, personas):
    hazard = make_hazard()
    client = api_client(personas.town_handler)
    nulled = client.patch(f"/api/v1/hazards/{hazard.ref}", {"version": 1, "title": None}, content_type=JSON)
    assert nulled.status_code == 422 and nulled.json()["field"] == "title"
    unversioned = client.patch(f"/api/v1/hazards/{hazard.ref}", {"title": "x"}, content_type=JSON)
    assert unversioned.status_code == 422 and unversioned.json()["field"] == "version"
    hazard.refresh_from_db()
    assert hazard.title == "楼道内电动车充电" and hazard.version == 1


# ---------------------------------------------------------------------------
# The whole loop
# ---------------------------------------------------------------------------


def test_the_whole_loop_through_the_api(personas, worker_grid):
    grid, town, admin = (api_client(p) for p in (personas.grid_worker, personas.town_handler,
                                                 personas.admin))
    created = grid.post("/api/v1/hazards", {"unit": worker_grid.code, "title": "楼道电动车充电",
                                            "category": "ebike_charging"}, content_type=JSON)
    assert created.status_code == 201
    ref = created.json()["ref"]
    assert grid.post(f"/api/v1/hazards/{ref}/attachments",
                     {"kind": "before", "file": _photo("before.png")}).status_code == 201

    assigned = _step(town, ref, "assign", assignee="hangbu", note="请本周内整改")
    assert assigned.status_code == 200, assigned.json()
    assert assigned.json()["status"] == "assigned" and assigned.json()["assignee"] == "hangbu"
    assert _step(town, ref, "start").json()["status"] == "rectifying"

    no_photo = _step(town, ref, "submit")
    assert no_photo.status_code == 400
    assert no_photo.json()["message"] == _msg(MSG_AFTER_PHOTO_REQUIRED)
    uploaded = town.post(f"/api/v1/hazards/{ref}/attachments", {"kind": "after", "file": _photo()})
    assert uploaded.status_code == 201
    assert uploaded.json()["kind"] == "after" and uploaded.json()["size"] == len(tiny_png())
    submitted = _step(town, ref, "submit", note="已清理")
    assert submitted.json()["status"] == "awaiting_verification"
    assert submitted.json()["rectifier"] == "hangbu"

    # The rectifier may not verify their own work; a grid worker holds no such role at all.
    own = _step(town, ref, "verify")
    assert own.status_code == 403
    assert own.json()["message"] == _msg(MSG_VERIFIER_IS_RECTIFIER)
    assert _step(grid, ref, "verify").status_code == 403
    assert Hazard.objects.get(ref=ref).status == "awaiting_verification"

    assert "verify" in {t["name"] for t in admin.get(f"/api/v1/hazards/{ref}").json()["transitions"]}
    closed = _step(admin, ref, "verify", note="复核通过")
    assert closed.status_code == 200
    body = closed.json()
    assert body["status"] == "closed" and body["due_state"] == "closed" and body["closed_at"]
    assert body["verifier"] == "admin" and body["transitions"] == []

    events = admin.get(f"/api/v1/hazards/{ref}/events").json()
    assert [(e["type"], e["transition"]) for e in events] == [
        ("created", ""), ("attached", ""), ("transition", "assign"), ("transition", "start"),
        ("attached", ""), ("transition", "submit"), ("transition", "verify")]
    assert [e["seq"] for e in events] == list(range(1, 8))
    assert events[-1]["from_status"] == "awaiting_verification" and events[-1]["to_status"] == "closed"
    assert events[-1]["actor"] == "admin" and events[-1]["note"] == "复核通过"
    assert len({e["hash"] for e in events}) == 7
    files = admin.get(f"/api/v1/hazards/{ref}/attachments").json()
    assert [(f["kind"], f["name"], f["uploaded_by"]) for f in files] == [
        ("before", "before.png", "grid"), ("after", "after.png", "hangbu")]
    assert all(len(f["sha256"]) == 64 for f in files)


def test_reject_as_duplicate_names_the_original(make_hazard, personas):
    original, copy = make_hazard(), make_hazard(title="重复上报")
    town = api_client(personas.town_handler)
    missing = _step(town, copy.ref, "reject", note="重复", reason="duplicate")
    assert missing.status_code == 400
    rejected = _step(town, copy.ref, "reject", note="重复", reason="duplicate",
                     duplicate_of=original.ref.lower())
    assert rejected.status_code == 200, rejected.json()
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "duplicate"
    assert rejected.json()["duplicate_of"] == original.ref


def test_an_empty_choice_is_no_choice_not_a_422(make_hazard, personas):
    """An empty string is no reason at all: the service says what is missing, in its words."""
    town = api_client(personas.town_handler)
    refused = _step(town, make_hazard().ref, "reject", note="不属于安全隐患", reason="", duplicate_of="")
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid" and "理由" in refused.json()["message"]


def test_unknown_steps_and_assignees_are_named(make_hazard, personas):
    hazard = make_hazard()
    town = api_client(personas.town_handler)
    unknown = _step(town, hazard.ref, "teleport")
    assert unknown.status_code == 409 and unknown.json()["code"] == "transition_not_allowed"
    nobody = _step(town, hazard.ref, "assign", assignee="nobody")
    assert nobody.status_code == 422 and nobody.json()["field"] == "assignee"
    outsider = _step(town, hazard.ref, "assign", assignee="shiliang")
    assert outsider.status_code == 400 and outsider.json()["field"] == "assignee"
    wrong_state = _step(town, hazard.ref, "verify")
    assert wrong_state.status_code == 409 and wrong_state.json()["code"] == "transition_not_allowed"
    assert Hazard.objects.get(pk=hazard.pk).version == 1


# ---------------------------------------------------------------------------
# Extension and attachments
# ---------------------------------------------------------------------------


def test_extension_once_with_a_reason(make_hazard, personas):
    hazard = make_hazard()
    town = api_client(personas.town_handler)
    url = f"/api/v1/hazards/{hazard.ref}/extension"
    blank = town.post(url, {"version": 1, "reason": " "}, content_type=JSON)
    assert blank.status_code == 400 and blank.json()["field"] == "reason"
    # Extensions are decided at town level: the grid worker holds no such role.
    assert api_client(personas.grid_worker).post(url, {"version": 1, "reason": "等材料"},
                                                 content_type=JSON).status_code == 403
    extended = town.post(url, {"version": 1, "reason": "等材料"}, content_type=JSON)
    assert extended.status_code == 200
    body = extended.json()
    assert body["extended_at"] and body["extension_reason"] == "等材料"
    assert dt.datetime.fromisoformat(body["due_at"]) > hazard.due_at
    again = town.post(url, {"version": body["version"], "reason": "还要等"}, content_type=JSON)
    assert again.status_code == 400
    assert again.json()["message"] == _msg(errors.MSG_EXTENSION_USED)


def test_a_bad_file_is_refused_and_nothing_is_stored(make_hazard, personas):
    hazard = make_hazard()
    client = api_client(personas.grid_worker)
    url = f"/api/v1/hazards/{hazard.ref}/attachments"
    fake = client.post(url, {"kind": "after", "file": _photo("virus.png", b"MZ\x90\x00not a png")})
    assert fake.status_code == 400
    assert fake.json() == {"code": "invalid", "field": "file",
                           "message": _msg(MSG_BAD_TYPE, name="virus.png")}
    wrong_kind = client.post(url, {"kind": "selfie", "file": _photo()})
    assert wrong_kind.status_code == 422 and wrong_kind.json()["field"] == "kind"
    assert Attachment.objects.filter(case=hazard).count() == 1
    assert hazard.events.count() == 2
