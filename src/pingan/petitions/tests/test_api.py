"""The petitions API: registration, masked lists and details, the recorded full view, the
steps and the extension with the services' own refusals, scoping, and the calculator's old path."""

from __future__ import annotations

import time_machine
from django.conf import settings
from django.test import Client
from django.utils import translation

from pingan.core import errors
from pingan.core.models import Event, EventType
from pingan.petitions.models import Petition
from pingan.petitions.services import MSG_FULL_VIEW_NOT_ALLOWED
from pingan.petitions.tests.conftest import ID_NUMBER, PHONE
from pingan.testing import api_client

JSON = "application/json"
MASKED = {"name": "张*", "id_number": "330802********1238", "phone": "138****5678",
          "address": "浙江省衢州市****", "masked": True, "withheld": False}
FULL = {"name": "张三", "id_number": ID_NUMBER, "phone": PHONE,
        "address": "浙江省衢州市柯城区航埠镇缪村村12号", "masked": False, "withheld": False}


def _msg(message, **kwargs) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(message).format(**kwargs) if kwargs else str(message)


def _step(client, ref: str, name: str, **body):
    version = client.get(f"/api/v1/petitions/{ref}").json()["version"]
    return client.post(f"/api/v1/petitions/{ref}/transitions/{name}", {"version": version, **body},
                       content_type=JSON)


def _leaks(body) -> bool:
    text = str(body)
    return any(secret in text for secret in ("张三", ID_NUMBER, PHONE, "缪村村12号"))


def test_register_over_the_api(xinfang, hangbu_village, hangbu):
    response = api_client(xinfang).post("/api/v1/petitions", {
        "unit": hangbu_village.code, "channel": "letter", "petition_type": "complaint",
        "category": "labour", "title": " 拖欠工资 ", "matter": "某厂拖欠工资三个月。",
        "petitioner_name": "张三", "id_number": ID_NUMBER, "phone": PHONE,
        "address": "浙江省衢州市柯城区航埠镇缪村村12号",
    }, content_type=JSON)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["ref"].startswith("XF-") and body["title"] == "拖欠工资"
    assert body["status"] == "received" and body["source"] == "api"
    assert body["handling_unit"] == {"code": hangbu.code, "name": "航埠镇"}
    assert body["routing_unit"]["name"] == "信访局"
    assert body["petitioner"] == MASKED  # even for the person who typed it in
    assert body["may_view_petitioner"] is False
    assert [t["name"] for t in body["transitions"]] == []  # 信访局 routes; the town accepts


def test_a_bad_id_number_is_refused_without_echoing_it(xinfang, hangbu_village):
    response = api_client(xinfang).post("/api/v1/petitions", {
        "unit": hangbu_village.code, "channel": "visit", "petition_type": "complaint",
        "category": "labour", "title": "拖欠工资", "petitioner_name": "张三",
        "id_number": "330802198001011234",
    }, content_type=JSON)
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "id_number" and "校验码" in body["message"]
    assert "198001011234" not in str(body)
    assert not Petition.objects.exists()


def test_list_and_detail_are_masked_for_a_role_without_full_view(make_petition, personas, hangbu_head):
    petition = make_petition()
    make_petition(title="噪音扰民", category="environment", petitioner_name="李四")
    for user in (personas.town_handler, hangbu_head):  # even a supervisor's list is masked
        client = api_client(user)
        items = client.get("/api/v1/petitions").json()["items"]
        assert {i["ref"] for i in items} == set(Petition.objects.values_list("ref", flat=True))
        mine = next(i for i in items if i["ref"] == petition.ref)
        assert mine["petitioner"] == MASKED
        assert not _leaks(items)
    client = api_client(personas.town_handler)
    detail = client.get(f"/api/v1/petitions/{petition.ref}").json()
    assert detail["petitioner"] == MASKED and detail["may_view_petitioner"] is False
    assert not _leaks(detail)
    assert not _leaks(client.get(f"/api/v1/petitions/{petition.ref}/events").json())
    # Searching by the petitioner's name finds nothing: the text search is not a way round.
    assert client.get("/api/v1/petitions", {"q": "张三"}).json()["items"] == []
    refused = client.get(f"/api/v1/petitions/{petition.ref}/petitioner")
    assert refused.status_code == 403
    assert refused.json()["message"] == _msg(MSG_FULL_VIEW_NOT_ALLOWED)
    assert not _leaks(refused.json())
    assert not Event.objects.filter(type=EventType.VIEWED_PERSONAL_DATA).exists()


def test_a_full_view_is_allowed_to_the_unit_head_and_recorded_each_time(make_petition, hangbu_head):
    petition = make_petition()
    client = api_client(hangbu_head)
    assert client.get(f"/api/v1/petitions/{petition.ref}").json()["may_view_petitioner"] is True
    for _ in range(2):
        response = client.get(f"/api/v1/petitions/{petition.ref}/petitioner")
        assert response.status_code == 200
        assert response.json() == FULL
    views = petition.events.filter(type=EventType.VIEWED_PERSONAL_DATA)
    assert views.count() == 2
    assert {e.actor_id for e in views} == {hangbu_head.pk}
    assert not _leaks([e.after for e in views])  # the record names the fields, not the values
    petition.refresh_from_db()
    assert petition.version == 1  # reading changes nothing an editor would trip over


def test_the_assignee_may_view_the_petitioner_in_full(make_petition, personas):
    petition = make_petition()
    client = api_client(personas.town_handler)
    _step(client, petition.ref, "accept")
    response = _step(client, petition.ref, "start", assignee="hangbu")
    assert response.status_code == 200, response.json()
    assert response.json()["may_view_petitioner"] is True
    assert client.get(f"/api/v1/petitions/{petition.ref}/petitioner").json() == FULL


def test_an_outsider_gets_404_everywhere(make_petition, personas):
    petition = make_petition()
    client = api_client(personas.outsider)
    assert client.get("/api/v1/petitions").json()["items"] == []
    base = f"/api/v1/petitions/{petition.ref}"
    answers = [
        client.get(base), client.get(f"{base}/petitioner"), client.get(f"{base}/events"),
        client.post(f"{base}/transitions/accept", {"version": 1}, content_type=JSON),
        client.post(f"{base}/extension", {"version": 1, "days": 10, "reason": "x"}, content_type=JSON),
    ]
    for response in answers:
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": _msg(errors.MSG_NOT_FOUND)}
    assert not petition.events.exclude(type=EventType.CREATED).exists()


def test_a_viewer_reads_but_cannot_act(make_petition, hangbu_viewer):
    petition = make_petition()
    client = api_client(hangbu_viewer)
    detail = client.get(f"/api/v1/petitions/{petition.ref}").json()
    assert detail["transitions"] == [] and detail["petitioner"] == MASKED
    response = _step(client, petition.ref, "accept")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_steps_and_extension_over_the_api(make_petition, personas, hangbu_head, settings):
    settings.PINGAN_PETITION_PROFILE = "zhejiang"
    with time_machine.travel("2026-07-05 10:00 +0800", tick=False):
        petition = make_petition()
        town = api_client(personas.town_handler)
        accepted = _step(town, petition.ref, "accept").json()
        assert accepted["status"] == "accepted" and accepted["resolution_days"] == 30
        assert accepted["due_at"].startswith("2026-08-04")
        assert "extension" not in accepted["transitions"]
        head = api_client(hangbu_head)
        too_long = head.post(f"/api/v1/petitions/{petition.ref}/extension",
                             {"version": accepted["version"], "days": 61, "reason": "需补充调查"},
                             content_type=JSON)
        assert too_long.status_code == 400
        assert too_long.json()["field"] == "days" and "60" in too_long.json()["message"]
        stale = head.post(f"/api/v1/petitions/{petition.ref}/extension",
                          {"version": accepted["version"] - 1, "days": 60, "reason": "需补充调查"},
                          content_type=JSON)
        assert stale.status_code == 409 and stale.json()["code"] == "stale_edit"
        extended = head.post(f"/api/v1/petitions/{petition.ref}/extension",
                             {"version": accepted["version"], "days": 60, "reason": "需补充调查"},
                             content_type=JSON)
        assert extended.status_code == 200, extended.json()
        body = extended.json()
        assert body["extension_days"] == 60 and body["extension_reason"] == "需补充调查"
        assert body["due_at"].startswith("2026-10-08")
        replied = _step(town, petition.ref, "reply", note="已依法答复", outcome="explained").json()
        assert replied["status"] == "replied" and replied["review_window_until"] == "2026-08-04"
        wrong = _step(town, petition.ref, "reply", note="再次答复", outcome="explained")
        assert wrong.status_code == 409 and wrong.json()["code"] == "transition_not_allowed"
        bad_choice = _step(town, petition.ref, "rate", satisfaction="delighted")
        assert bad_choice.status_code == 422 and bad_choice.json()["field"] == "satisfaction"


def test_the_old_calculator_path_answers_the_same_marked_deprecated(personas, client):
    """The calculator moved to /api/v1/deadline (core/tests/test_calculator.py tests it): its old
    path gives the same answer, good or bad, and says it is deprecated."""
    api = api_client(personas.town_handler)
    for query in ({"profile": "zhejiang", "rule": "resolution", "start": "2026-09-25"},
                  {"rule": "extension", "start": "2026-07-05"},
                  {"rule": "deputy_reply", "start": "2026-07-01"},
                  {"rule": "forever", "start": "2026-07-05"},
                  {"rule": "resolution"}):
        old, new = api.get("/api/v1/petitions/deadline", query), api.get("/api/v1/deadline", query)
        assert (old.status_code, old.json()) == (new.status_code, new.json()), query
        assert "Deprecation" not in new, query
        if old.status_code == 200:  # an error answer is the API's error, as at the new path
            assert old["Deprecation"].startswith("@"), query
            assert '</api/v1/deadline>; rel="successor-version"' in old["Link"]
    assert Client().get("/api/v1/petitions/deadline", {"rule": "resolution",
                                                       "start": "2026-07-05"}).status_code == 401
    paths = client.get("/api/openapi.json").json()["paths"]
    assert paths["/api/v1/petitions/deadline"]["get"]["deprecated"] is True
    assert not paths["/api/v1/deadline"]["get"].get("deprecated")
    # The name it had: a client generated from the schema keeps its method.
    assert paths["/api/v1/petitions/deadline"]["get"]["operationId"] == "pingan_petitions_api_deadline"
