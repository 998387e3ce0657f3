"""One place for each rule, one list for each field, one name for each field.

The edit and attach rules are the service's: the page and the API ask it, so they cannot
disagree. The form, the API's bodies and the service take their fields from one list, with
the model's limits. ``severity`` is the field's one name; ``grade``, its old one, is still
accepted (and deprecated) for one release."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from pingan.core import errors
from pingan.core.models import Severity
from pingan.hazards.api import HazardIn, HazardPatch
from pingan.hazards.forms import HazardEditForm, HazardReportForm
from pingan.hazards.models import EDITABLE_FIELDS, REPORT_FIELDS, Hazard, RejectionReason, Status
from pingan.hazards.services import (
    MSG_CLOSED_TAKES_NO_ATTACHMENTS,
    MSG_NOT_EDITABLE,
    hazard_attachment_add,
    hazard_transition,
    hazard_update,
    may_attach,
    may_edit,
)
from pingan.hazards.workflow import HAZARD_WORKFLOW
from pingan.testing import api_client, tiny_png

pytestmark = pytest.mark.django_db

JSON = "application/json"


def _msg(message, **kwargs) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(message).format(**kwargs) if kwargs else str(message)


def _not_editable(status: Status) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(MSG_NOT_EDITABLE).format(status=HAZARD_WORKFLOW.label(status))


def _rectifying(hazard: Hazard, personas) -> Hazard:
    hazard_transition(hazard=hazard, name="assign", actor=personas.town_handler,
                      expected_version=hazard.version, assignee=personas.grid_worker)
    hazard_transition(hazard=hazard, name="start", actor=personas.grid_worker,
                      expected_version=hazard.version)
    return hazard


def _rejected(hazard: Hazard, personas) -> Hazard:
    return hazard_transition(hazard=hazard, name="reject", actor=personas.town_handler,
                             expected_version=hazard.version, note="不是隐患",
                             reason=RejectionReason.NOT_A_HAZARD)


# ---------------------------------------------------------------------------
# Editing: the service decides, the page and the API ask
# ---------------------------------------------------------------------------


def test_the_service_edits_a_reported_or_assigned_hazard_only(personas, make_hazard):
    hazard = make_hazard()
    assert hazard.status == Status.REPORTED and may_edit(hazard, personas.town_handler)
    hazard_update(hazard=hazard, actor=personas.town_handler, expected_version=hazard.version,
                  changes={"title": "已上报时可改"})
    hazard_transition(hazard=hazard, name="assign", actor=personas.town_handler,
                      expected_version=hazard.version, assignee=personas.grid_worker)
    assert hazard.status == Status.ASSIGNED and may_edit(hazard, personas.town_handler)
    hazard_update(hazard=hazard, actor=personas.town_handler, expected_version=hazard.version,
                  changes={"title": "已交办时可改"})
    hazard_transition(hazard=hazard, name="start", actor=personas.grid_worker,
                      expected_version=hazard.version)
    assert hazard.status == Status.RECTIFYING and not may_edit(hazard, personas.town_handler)
    version = hazard.version
    with pytest.raises(errors.TransitionNotAllowed) as refused:
        hazard_update(hazard=hazard, actor=personas.town_handler, expected_version=version,
                      changes={"title": "整改中不可改"})
    assert refused.value.message == _not_editable(Status.RECTIFYING)
    assert refused.value.code == "not_editable"
    hazard.refresh_from_db()
    assert hazard.title == "已交办时可改" and hazard.version == version


def test_only_a_handler_of_its_area_may_edit(personas, make_hazard):
    hazard = make_hazard()
    assert not may_edit(hazard, personas.outsider)
    with pytest.raises(errors.NotFound):
        hazard_update(hazard=hazard, actor=personas.outsider, expected_version=1, changes={"title": "x"})
    assert may_edit(hazard, personas.grid_worker) and may_edit(hazard, personas.admin)


def test_an_api_edit_in_rectification_is_refused_as_the_page_refuses_it(client, personas, make_hazard):
    hazard = _rectifying(make_hazard(), personas)
    refusal = _not_editable(Status.RECTIFYING)
    api = api_client(personas.town_handler).patch(
        f"/api/v1/hazards/{hazard.ref}", {"version": hazard.version, "title": "改"}, content_type=JSON)
    assert api.status_code == 409
    assert api.json() == {"code": "not_editable", "message": refusal}
    detail = api_client(personas.town_handler).get(f"/api/v1/hazards/{hazard.ref}").json()
    assert detail["may_edit"] is False and detail["may_attach"] is True

    client.force_login(personas.town_handler)
    page = client.get(reverse("hazards:detail", args=[hazard.ref]))
    assert "edit" not in {action.key for action in page.context["actions"]}
    # A form opened before the work started and sent after: the service's own words.
    posted = client.post(reverse("hazards:edit", args=[hazard.ref]),
                         {"version": hazard.version, "title": "改", "category": hazard.category,
                          "severity": hazard.severity})
    assert posted.status_code == 409 and refusal in posted.content.decode()
    hazard.refresh_from_db()
    assert hazard.title == "楼道内电动车充电"


# ---------------------------------------------------------------------------
# Attaching: an open hazard, by a handler of its area
# ---------------------------------------------------------------------------


def test_a_closed_hazard_takes_no_more_attachments(personas, make_hazard, photo):
    hazard = make_hazard()
    assert may_attach(hazard, personas.grid_worker) and not may_attach(hazard, personas.outsider)
    hazard_attachment_add(hazard=hazard, actor=personas.grid_worker, name=photo[0], content=photo[1],
                          kind="before")
    _rejected(hazard, personas)
    assert not may_attach(hazard, personas.town_handler)
    with pytest.raises(errors.DomainError) as refused:
        hazard_attachment_add(hazard=hazard, actor=personas.town_handler, name=photo[0],
                              content=photo[1], kind="document")
    assert refused.value.message == _msg(MSG_CLOSED_TAKES_NO_ATTACHMENTS)
    with pytest.raises(errors.NotFound):
        hazard_attachment_add(hazard=hazard, actor=personas.outsider, name=photo[0], content=photo[1],
                              kind="document")
    assert hazard.attachments.count() == 2


def test_the_api_asks_the_service_before_it_stores_a_file(personas, make_hazard):
    hazard = _rejected(make_hazard(), personas)
    url = f"/api/v1/hazards/{hazard.ref}/attachments"
    upload = SimpleUploadedFile("late.png", tiny_png(), content_type="image/png")
    town = api_client(personas.town_handler)
    assert town.get(f"/api/v1/hazards/{hazard.ref}").json()["may_attach"] is False
    late = town.post(url, {"kind": "document", "file": upload})
    assert late.status_code == 409
    assert late.json() == {"code": "closed", "message": _msg(MSG_CLOSED_TAKES_NO_ATTACHMENTS)}
    assert api_client(personas.outsider).post(url, {"kind": "document", "file": upload}).status_code == 404
    assert hazard.attachments.count() == 1


# ---------------------------------------------------------------------------
# One list of fields, with the model's limits
# ---------------------------------------------------------------------------


def _max_length(schema: type, name: str) -> int | None:
    prop = schema.model_json_schema()["properties"][name]
    return next((option.get("maxLength") for option in [prop, *prop.get("anyOf", [])]
                 if "maxLength" in option), None)


def test_form_api_and_service_edit_the_same_fields(personas, make_hazard):
    edit_form = HazardEditForm(initial={"version": 1})
    assert set(edit_form.fields) - {"version"} == set(EDITABLE_FIELDS)
    assert set(HazardPatch.model_fields) - {"version", "note", "grade"} == set(EDITABLE_FIELDS)
    report_form = HazardReportForm(user=personas.grid_worker)
    assert set(report_form.fields) - {"unit", "photos"} == set(REPORT_FIELDS)
    assert set(HazardIn.model_fields) - {"unit", "grade", "external_ref"} == set(REPORT_FIELDS)
    # The service edits those and no other.
    hazard = make_hazard()
    with pytest.raises(errors.DomainError):
        hazard_update(hazard=hazard, actor=personas.town_handler, expected_version=1,
                      changes={"source": "forged"})


def test_the_api_limits_are_the_model_limits():
    for schema, names in ((HazardIn, (*REPORT_FIELDS, "external_ref")), (HazardPatch, EDITABLE_FIELDS)):
        for name in names:
            field = Hazard._meta.get_field(name)
            if field.get_internal_type() == "CharField" and not field.choices and name != "category":
                assert _max_length(schema, name) == field.max_length, (schema.__name__, name)
    assert _max_length(HazardIn, "title") == Hazard._meta.get_field("title").max_length == 200


def test_a_title_longer_than_the_model_takes_is_refused(personas, worker_grid):
    response = api_client(personas.grid_worker).post("/api/v1/hazards", {
        "unit": worker_grid.code, "title": "长" * 201, "category": "fire"}, content_type=JSON)
    assert response.status_code == 422 and response.json()["field"] == "title"


# ---------------------------------------------------------------------------
# severity, and grade its deprecated name
# ---------------------------------------------------------------------------


def _refs(response) -> set[str]:
    return {item["ref"] for item in response.json()["items"]}


def test_the_list_filters_by_severity_and_still_by_grade(personas, make_hazard):
    major = make_hazard(severity=Severity.MAJOR, category="building")
    make_hazard()
    client = api_client(personas.admin)
    by_severity = client.get("/api/v1/hazards", {"severity": "major"})
    assert _refs(by_severity) == {major.ref} and "Deprecation" not in by_severity
    by_grade = client.get("/api/v1/hazards", {"grade": "major"})
    assert _refs(by_grade) == {major.ref}
    assert by_grade["Deprecation"].startswith("@") and 'rel="deprecation"' in by_grade["Link"]
    counted = client.get("/api/v1/hazards/count", {"grade": "major"})
    assert counted.json() == {"count": 1} and "Deprecation" in counted
    [item] = by_severity.json()["items"]
    assert item["severity"] == item["grade"] == "major"


def test_a_body_may_still_say_grade(personas, worker_grid):
    client = api_client(personas.grid_worker)
    new = {"unit": worker_grid.code, "title": "危房", "category": "building"}
    by_severity = client.post("/api/v1/hazards", {**new, "severity": "major"}, content_type=JSON)
    assert by_severity.status_code == 201 and "Deprecation" not in by_severity
    assert by_severity.json()["severity"] == "major"
    by_grade = client.post("/api/v1/hazards", {**new, "grade": "major"}, content_type=JSON)
    assert by_grade.status_code == 201 and "Deprecation" in by_grade
    assert by_grade.json()["severity"] == by_grade.json()["grade"] == "major"
    ref = by_severity.json()["ref"]
    patched = client.patch(f"/api/v1/hazards/{ref}", {"version": 1, "grade": "ordinary"},
                           content_type=JSON)
    assert patched.status_code == 200 and "Deprecation" in patched
    assert patched.json()["severity"] == "ordinary"
    # Both sent: the new name wins.
    both = client.patch(f"/api/v1/hazards/{ref}", {"version": 2, "severity": "major", "grade": "ordinary"},
                        content_type=JSON)
    assert both.json()["severity"] == "major"


def test_openapi_marks_grade_deprecated(client):
    schema = client.get("/api/openapi.json").json()
    parameters = schema["paths"]["/api/v1/hazards"]["get"]["parameters"]
    by_name = {p["name"]: p for p in parameters}
    assert by_name["grade"].get("deprecated") is True and not by_name["severity"].get("deprecated")
    components = schema["components"]["schemas"]
    for body in ("HazardIn", "HazardPatch", "HazardItem", "HazardDetail"):
        assert components[body]["properties"]["grade"].get("deprecated") is True, body
        assert "deprecated" not in components[body]["properties"]["severity"], body


def test_the_page_filters_by_severity_and_old_links_still_work(client, personas, make_hazard):
    major = make_hazard(severity=Severity.MAJOR, category="building")
    make_hazard()
    client.force_login(personas.admin)
    for query in ({"severity": "major"}, {"grade": "major"}):
        page = client.get(reverse("hazards:list"), query)
        assert page.status_code == 200
        assert [row.ref for row in page.context["rows"]] == [major.ref]
        assert page.context["severity_chosen"] == "major"
        assert '<option value="major" selected>' in page.content.decode()


def test_the_page_offers_an_upload_while_the_service_allows_one(client, personas, make_hazard):
    hazard = make_hazard()
    client.force_login(personas.town_handler)
    page = client.get(reverse("hazards:detail", args=[hazard.ref]))
    assert "attach" in {action.key for action in page.context["actions"]}
    upload = SimpleUploadedFile("plan.png", tiny_png(), content_type="image/png")
    added = client.post(reverse("hazards:attach", args=[hazard.ref]), {"kind": "document", "file": upload},
                        follow=True)
    assert added.status_code == 200 and "已添加“plan.png”。" in added.content.decode()
    assert hazard.attachments.filter(kind="document").count() == 1

    _rejected(hazard, personas)
    page = client.get(reverse("hazards:detail", args=[hazard.ref]))
    assert "attach" not in {action.key for action in page.context["actions"]}
    late = client.post(reverse("hazards:attach", args=[hazard.ref]),
                       {"kind": "document", "file": SimpleUploadedFile("late.png", tiny_png())})
    assert late.status_code == 409 and _msg(MSG_CLOSED_TAKES_NO_ATTACHMENTS) in late.content.decode()
    assert hazard.attachments.count() == 2
