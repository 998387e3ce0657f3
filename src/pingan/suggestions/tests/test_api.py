"""The suggestions API: sessions, registration, assignment, the loop's steps with the reply
document uploaded first, the rating and co-handlers' opinions; who sees and does what; bad
input as a clear 4xx that writes nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pingan.api_urls import api as pingan_api
from pingan.core.models import Case, Event
from pingan.suggestions import services
from pingan.suggestions.models import CoHandling, Satisfaction, Session, Status, Suggestion
from pingan.suggestions.workflow import MSG_ASSIGN_NAMES_LEAD, MSG_CONTACT_FIRST, MSG_REPLY_DOCUMENT
from pingan.testing import api_client

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 6, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # after the noon assignments
URL = "/api/v1/suggestions"
PDF = b"%PDF-1.4 reply"


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def office_api(office):
    return api_client(office)


@pytest.fixture
def registered(make_suggestion):
    return make_suggestion(title="关于解决双岭南路早晚高峰拥堵问题的建议")


@pytest.fixture
def assigned_today(assigned):
    return assigned(NOW.date())


def post(client, path, body=None, **kwargs):
    return client.post(path, body or {}, content_type="application/json", **kwargs)


def version(client, ref):
    return client.get(f"{URL}/{ref}").json()["version"]


def step(client, ref, name, **body):
    return post(client, f"{URL}/{ref}/steps/{name}", {"version": version(client, ref), **body})


def upload(client, ref, content=PDF, name="答复函.pdf"):
    return client.post(f"{URL}/{ref}/attachments",
                       {"file": SimpleUploadedFile(name, content, content_type="application/pdf")})


def written():
    return Case.objects.count(), Event.objects.count(), Session.objects.count(), CoHandling.objects.count()


# -- sessions ------------------------------------------------------------------------------


def test_the_office_registers_a_session_once(office_api, lead_handler):
    body = {"name": "市政协八届一次会议", "channel": "conference", "opened_on": "2022-04-25"}
    first = post(office_api, f"{URL}/sessions", body)
    assert first.status_code == 201, first.content
    assert (first.json()["channel"], first.json()["items"]) == ("conference", 0)
    again = post(office_api, f"{URL}/sessions", body)
    assert again.json()["id"] == first.json()["id"] and Session.objects.count() == 1
    other_body = post(office_api, f"{URL}/sessions", {**body, "channel": "congress"})
    assert other_body.status_code == 400 and other_body.json()["field"] == "channel"
    refused = post(api_client(lead_handler), f"{URL}/sessions", {**body, "name": "另一次会议"})
    assert refused.status_code == 403


@pytest.mark.parametrize("change", [
    {"opened_on": "2022-02-30"},           # no such day: the schema's 422
    {"opened_on": "2026-05-07"},           # tomorrow: the service's 400
    {"name": ""},
    {"name": "市八届人大\x00二次会议"},
    {"channel": "senate"},
])
def test_a_bad_session_is_refused_and_nothing_written(office_api, change):
    body = {"name": "市八届人大二次会议", "channel": "congress", "opened_on": "2023-02-20", **change}
    response = post(office_api, f"{URL}/sessions", body)
    assert response.status_code in (400, 422), response.content
    assert not Session.objects.exists()


def test_the_sessions_count_only_the_items_one_sees(office_api, lead_handler, assigned_today,
                                                    make_suggestion):
    make_suggestion()
    mine = api_client(lead_handler).get(f"{URL}/sessions").json()["items"]
    everything = office_api.get(f"{URL}/sessions").json()["items"]
    assert [(s["name"], s["items"]) for s in mine] == [("市八届人大一次会议", 1)]
    assert [s["items"] for s in everything] == [2]


# -- registration -----------------------------------------------------------------------------


def test_the_office_registers_an_item_with_its_leader(office_api, session, leader):
    response = post(office_api, URL, {
        "session": session.pk, "number": " 12 ", "title": "关于推进衢州特色餐饮品牌建设的建议",
        "proposers": "马凌",
        "delegation": "柯城代表团", "text": "建议扶持本地餐饮老字号。", "category": "economy", "is_key": True,
        "supervising_leader": leader.username})
    assert response.status_code == 201, response.content
    item = response.json()
    assert (item["number"], item["status"], item["lead"], item["is_key"], item["supervising_leader"]) == (
        "12", Status.REGISTERED, None, True, leader.username)
    assert (item["session"]["name"], item["channel"], item["text"]) == (
        "市八届人大一次会议", "congress", "建议扶持本地餐饮老字号。")
    assert [t["name"] for t in item["transitions"]] == ["assign", "withdraw"]
    assert item["ref"].startswith("JY-")


@pytest.mark.parametrize(("change", "status", "field"), [
    ({"is_key": True}, 400, "supervising_leader"),                       # key, no leader
    ({"supervising_leader": "suggestions_chief"}, 400, "supervising_leader"),  # a leader, not key
    ({"is_key": True, "supervising_leader": "nobody"}, 422, "supervising_leader"),
    ({"is_key": True, "supervising_leader": "traffic"}, 400, "supervising_leader"),  # not a leader
    ({"session": 999_999}, 422, "session"),
    ({"title": "关于\x00的建议"}, 400, "title"),
    ({"number": ""}, 422, "number"),
    ({"number": "1" * 21}, 422, "number"),
    ({"category": "weather"}, 422, "category"),
])
def test_a_bad_registration_is_refused_and_nothing_written(office_api, session, leader, lead_handler,
                                                          change, status, field):
    before = written()
    body = {"session": session.pk, "number": "7", "title": "关于农业产业化的建议", "proposers": "何润云",
            **change}
    response = post(office_api, URL, body)
    assert (response.status_code, response.json()["field"]) == (status, field), response.content
    assert written() == before


def test_a_number_is_taken_once_per_session(office_api, session, registered):
    response = post(office_api, URL, {"session": session.pk, "number": registered.number, "title": "再次",
                                      "proposers": "蒋薇"})
    assert response.status_code == 400 and registered.ref in response.json()["message"]


def test_only_the_office_registers(session, lead_handler, personas):
    for user in (lead_handler, personas.town_handler):
        response = post(api_client(user), URL, {"session": session.pk, "number": "1", "title": "标题",
                                                "proposers": "蒋薇"})
        assert response.status_code == 403
    assert not Suggestion.objects.exists()


# -- assignment ---------------------------------------------------------------------------------


def test_the_office_assigns_and_the_clock_starts(office_api, registered, traffic, housing):
    response = post(office_api, f"{URL}/{registered.ref}/assign",
                    {"version": registered.version, "lead": traffic.code, "co_handlers": [housing.code]})
    assert response.status_code == 200, response.content
    item = response.json()
    assert (item["status"], item["lead"]["name"], item["assignments"]) == (Status.ASSIGNED, "交警大队", 1)
    assert (item["return_due"], item["reply_due"]) == ("2026-05-18", "2026-08-06")  # 16 May is a Saturday
    [co] = item["co_handlers"]
    assert (co["unit"]["name"], co["opinion_due"], co["opinion_state"]) == ("住建局", "2026-07-06", "due")
    assert item["due_state"] == "on_time" and item["due_at"].startswith("2026-08-06")


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"lead": "nowhere"}, 422, "lead"),
    ({"lead": "TRAFFIC", "co_handlers": ["nowhere"]}, 422, "co_handlers"),
    ({"lead": "TRAFFIC", "co_handlers": [""]}, 422, "co_handlers"),
    ({"lead": "TRAFFIC", "co_handlers": ["TRAFFIC"]}, 400, "co_handlers"),  # the lead co-handles
    ({"lead": "VILLAGE"}, 400, "lead"),                                        # not a handling unit
    ({"lead": "TRAFFIC", "note": "\x00"}, 400, "note"),
])
def test_a_bad_assignment_is_refused_and_nothing_written(office_api, registered, traffic, hangbu_village,
                                                         body, status, field):
    codes = {"TRAFFIC": traffic.code, "VILLAGE": hangbu_village.code}
    body = {key: codes.get(value, value) if isinstance(value, str)
            else [codes.get(v, v) for v in value] for key, value in body.items()}
    before = written()
    response = post(office_api, f"{URL}/{registered.ref}/assign", {"version": registered.version, **body})
    assert (response.status_code, response.json()["field"]) == (status, field), response.content
    assert written() == before


def test_a_stale_assignment_is_a_409(office_api, registered, traffic):
    response = post(office_api, f"{URL}/{registered.ref}/assign",
                    {"version": registered.version - 1, "lead": traffic.code})
    assert response.status_code == 409 and response.json()["code"] == "stale_edit"
    assert Suggestion.objects.get().status == Status.REGISTERED


def test_the_generic_step_does_not_assign(office_api, registered):
    response = step(office_api, registered.ref, "assign")
    assert response.status_code == 400 and response.json()["message"] == str(MSG_ASSIGN_NAMES_LEAD)
    assert Suggestion.objects.get().status == Status.REGISTERED


def test_only_the_office_assigns(registered, lead_handler, traffic):
    response = post(api_client(lead_handler), f"{URL}/{registered.ref}/assign",
                    {"version": registered.version, "lead": traffic.code})
    assert response.status_code == 404  # not yet theirs to see


# -- who sees what -------------------------------------------------------------------------------


def test_a_handling_unit_sees_its_own_and_its_co_handled_items_only(assigned_today, make_suggestion,
                                                                   lead_handler, co_handler, personas):
    unassigned = make_suggestion(title="关于建设围棋文化小镇的建议")

    def refs(user):
        return {item["ref"] for item in api_client(user).get(URL).json()["items"]}

    assert refs(lead_handler) == refs(co_handler) == {assigned_today.ref}
    assert refs(personas.outsider) == set() and refs(personas.town_handler) == set()
    assert refs(personas.admin) == {assigned_today.ref, unassigned.ref}
    outsider = api_client(personas.outsider)
    for path in ("", "/events", "/attachments"):
        assert outsider.get(f"{URL}/{assigned_today.ref}{path}").status_code == 404
    assert post(outsider, f"{URL}/{assigned_today.ref}/opinion", {"opinion": "同意"}).status_code == 404
    assert upload(outsider, assigned_today.ref).status_code == 404
    assert api_client(lead_handler).get(f"{URL}/count").json() == {"count": 1}


def test_a_co_handler_sees_the_item_but_not_the_leads_steps(assigned_today, co_handler):
    co = api_client(co_handler)
    item = co.get(f"{URL}/{assigned_today.ref}").json()
    assert (item["transitions"], item["may_send_opinion"], item["may_attach"]) == ([], True, False)
    before = written()
    refused = step(co, assigned_today.ref, "record_contact", note="电话", way="phone",
                   contacted_on=NOW.date().isoformat())
    assert refused.status_code == 403
    assert upload(co, assigned_today.ref).status_code == 403
    assert post(co, f"{URL}/{assigned_today.ref}/rating",
                {"version": item["version"], "satisfaction": "satisfied"}).status_code == 403
    assert written() == before


def test_the_co_handler_sends_its_opinion_once(assigned_today, co_handler, lead_handler):
    co = api_client(co_handler)
    assert post(co, f"{URL}/{assigned_today.ref}/opinion", {"opinion": " "}).status_code == 422
    sent = post(co, f"{URL}/{assigned_today.ref}/opinion", {"opinion": "同意主办意见，配合做好道路改造。"})
    assert sent.status_code == 200, sent.content
    [opinion] = sent.json()["co_handlers"]
    assert (opinion["opinion_state"], opinion["opinion_by"], sent.json()["may_send_opinion"]) == (
        "sent", co_handler.username, False)
    again = post(co, f"{URL}/{assigned_today.ref}/opinion", {"opinion": "补充意见"})
    assert again.status_code == 400 and "住建局" in again.json()["message"]
    assert post(api_client(lead_handler), f"{URL}/{assigned_today.ref}/opinion",
                {"opinion": "主办自己"}).status_code == 403


# -- the loop ---------------------------------------------------------------------------------------


def test_the_loop_over_the_api(assigned_today, lead_handler, office_api):
    lead, ref = api_client(lead_handler), assigned_today.ref
    assert {t["name"] for t in lead.get(f"{URL}/{ref}").json()["transitions"]} >= {
        "return", "record_contact", "request_extension", "reply"}
    no_contact = step(lead, ref, "reply", note="已答复", result_class="A")
    assert no_contact.status_code == 400 and no_contact.json()["message"] == str(MSG_CONTACT_FIRST)
    contact = step(lead, ref, "record_contact", note="上门走访代表", way="visit",
                   contacted_on=NOW.date().isoformat())
    assert contact.json()["contacts"][0]["way"] == "visit"
    no_document = step(lead, ref, "reply", note="已答复", result_class="A")
    assert no_document.status_code == 400 and no_document.json()["message"] == str(MSG_REPLY_DOCUMENT)
    uploaded = upload(lead, ref)
    assert uploaded.status_code == 201 and uploaded.json()["content_type"] == "application/pdf"
    replied = step(lead, ref, "reply", note="已答复，列入2026年道路改造计划", result_class="B",
                   promise_due="2026-12-31")
    assert replied.status_code == 200, replied.content
    item = replied.json()
    assert (item["status"], item["first_reply_on_time"], item["result_class"], item["promise_due"]) == (
        Status.REPLIED, True, "B", "2026-12-31")
    assert item["result_class_label"] and item["may_attach"] is True
    assert [t["name"] for t in office_api.get(f"{URL}/{ref}").json()["transitions"]] == [
        "rate_promise", "rate_dissatisfied", "withdraw"]
    assert post(lead, f"{URL}/{ref}/rating", {"version": item["version"],
                                             "satisfaction": "satisfied"}).status_code == 403
    rated = post(office_api, f"{URL}/{ref}/rating", {"version": item["version"], "satisfaction": "basically"})
    assert (rated.json()["status"], rated.json()["satisfaction"]) == (Status.PROMISE, Satisfaction.BASICALLY)
    assert rated.json()["due_at"].startswith("2026-12-31")
    kept = step(lead, ref, "keep_promise", note="道路已改造完成")
    assert kept.json()["status"] == Status.CLOSED and kept.json()["promise_kept_at"]
    events = lead.get(f"{URL}/{ref}/events").json()
    assert [e["transition"] for e in events if e["transition"]] == [
        "assign", "record_contact", "reply", "rate_promise", "keep_promise"]
    [attachment] = lead.get(f"{URL}/{ref}/attachments").json()
    assert attachment["name"] == "答复函.pdf" and attachment["uploaded_by"] == lead_handler.username


def test_the_re_handling_needs_its_own_contact_and_document(assigned_today, lead_handler, office_api):
    lead, ref = api_client(lead_handler), assigned_today.ref
    step(lead, ref, "record_contact", note="电话沟通", way="phone", contacted_on=NOW.date().isoformat())
    upload(lead, ref)
    step(lead, ref, "reply", note="已答复", result_class="D")
    day = dt.timedelta(days=1)
    with time_machine.travel(NOW + day, tick=False):
        rated = post(office_api, f"{URL}/{ref}/rating",
                     {"version": version(lead, ref), "satisfaction": "dissatisfied"})
        assert (rated.json()["status"], rated.json()["rehandle_due"]) == (Status.REHANDLING, "2026-06-08")
    with time_machine.travel(NOW + 2 * day, tick=False):
        # The first reply's contact and document were the first handling's.
        refused = step(lead, ref, "reply", note="再次答复", result_class="A")
        assert refused.json()["message"] == str(MSG_CONTACT_FIRST)
        step(lead, ref, "record_contact", note="座谈", way="meeting",
             contacted_on=(NOW + 2 * day).date().isoformat())
        refused = step(lead, ref, "reply", note="再次答复", result_class="A")
        assert refused.json()["message"] == str(MSG_REPLY_DOCUMENT)
        upload(lead, ref, name="再次答复函.pdf")
        assert step(lead, ref, "reply", note="再次答复", result_class="A").json()["status"] == Status.REPLIED


@pytest.mark.parametrize(("body", "status"), [
    ({"contacted_on": "2026-02-30", "way": "phone", "note": "电话"}, 422),   # no such day
    ({"contacted_on": "2026-05-07", "way": "phone", "note": "电话"}, 400),   # tomorrow
    ({"contacted_on": "2026-05-05", "way": "phone", "note": "电话"}, 400),   # before the assignment
    ({"contacted_on": "2026-05-06", "way": "pigeon", "note": "飞鸽"}, 422),
    ({"contacted_on": "2026-05-06", "way": "phone", "note": ""}, 400),
    ({"contacted_on": "2026-05-06", "way": "phone", "note": "电话\x00"}, 400),
])
def test_a_bad_step_is_refused_and_nothing_written(assigned_today, lead_handler, body, status):
    before = written()
    response = step(api_client(lead_handler), assigned_today.ref, "record_contact", **body)
    assert response.status_code == status, response.content
    assert written() == before


def test_a_stale_step_is_a_409_and_an_unknown_one_too(assigned_today, lead_handler):
    lead = api_client(lead_handler)
    stale = post(lead, f"{URL}/{assigned_today.ref}/steps/request_extension",
                 {"version": assigned_today.version - 1, "note": "需要时间"})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_edit"
    assert step(lead, assigned_today.ref, "fly").json()["code"] == "transition_not_allowed"


def test_a_promise_is_checked_by_the_service(assigned_today, lead_handler):
    lead, ref = api_client(lead_handler), assigned_today.ref
    step(lead, ref, "record_contact", note="电话", way="phone", contacted_on=NOW.date().isoformat())
    upload(lead, ref)
    assert step(lead, ref, "reply", note="已答复", result_class="C").status_code == 400  # no date
    promised = step(lead, ref, "reply", note="已答复", result_class="A", promise_due="2026-12-31")
    assert promised.status_code == 400
    assert step(lead, ref, "reply", note="已答复", result_class="Z").status_code == 400
    assert step(lead, ref, "reply", note="已答复", result_class="ABC").status_code == 422
    assert Suggestion.objects.get().status == Status.ASSIGNED


def test_the_extension_over_the_api(assigned_today, lead_handler, office_api):
    lead, ref = api_client(lead_handler), assigned_today.ref
    assert step(lead, ref, "request_extension", note="涉及跨部门协调").json()["extension_requested_at"]
    assert step(lead, ref, "approve_extension", note="同意").status_code == 403
    approved = step(office_api, ref, "approve_extension", note="同意延期")
    assert (approved.json()["extended"], approved.json()["reply_due"]) == (True, "2026-11-06")


def test_a_file_that_is_not_a_document_is_refused(assigned_today, lead_handler):
    response = upload(api_client(lead_handler), assigned_today.ref, content=b"MZ\x90\x00", name="答复.exe")
    assert response.status_code == 400 and response.json()["field"] == "file"
    assert not assigned_today.attachments.exists()


# -- the list ------------------------------------------------------------------------------------


def test_the_list_filters(office_api, office, assigned, make_suggestion, session, leader, traffic):
    late = assigned(dt.date(2026, 1, 5), title="关于长三角一体化的建议", proposers="马凌")
    key = make_suggestion(is_key=True, supervising_leader=leader.pk, title="关于围棋文化的建议")
    conference = services.session_get_or_create(actor=office, name="市政协八届一次会议",
                                                channel="conference", opened_on=dt.date(2022, 4, 25))
    proposal = make_suggestion(session=conference, number="1", title="关于衢州特色餐饮的提案")

    def refs(**query):
        response = office_api.get(URL, query)
        assert response.status_code == 200, response.content
        return {item["ref"] for item in response.json()["items"]}

    assert refs(session=session.pk) == {late.ref, key.ref}
    assert refs(channel="conference") == {proposal.ref}
    assert refs(status="assigned") == {late.ref}
    assert refs(lead=traffic.code) == {late.ref}
    assert refs(key="true") == {key.ref}
    assert refs(due_state=["overdue", "long_overdue"]) == {late.ref}
    assert refs(q="马凌") == {late.ref} and refs(q="餐饮") == {proposal.ref}
    assert office_api.get(URL, {"status": "lost"}).status_code == 422
    assert office_api.get(URL, {"q": "a\x00"}).status_code == 422
    page = office_api.get(URL, {"limit": 1, "sort": "-opened"}).json()
    assert len(page["items"]) == 1 and page["next_cursor"]


# -- the schema -------------------------------------------------------------------------------------


def test_the_schema_builds_and_keeps_each_apps_choices_apart():
    schema = pingan_api.get_openapi_schema()
    paths = {path for path in schema["paths"] if path.startswith(URL)}
    assert {URL, f"{URL}/sessions", f"{URL}/{{ref}}", f"{URL}/{{ref}}/assign",
            f"{URL}/{{ref}}/steps/{{name}}", f"{URL}/{{ref}}/rating", f"{URL}/{{ref}}/opinion",
            f"{URL}/{{ref}}/attachments"} <= paths
    components = schema["components"]["schemas"]

    def enum(name, field):
        prop = components[name]["properties"][field]
        return next(option["enum"] for option in [prop, *prop.get("anyOf", [])] if "enum" in option)

    assert enum("SuggestionStepIn", "satisfaction") == Satisfaction.values
    assert enum("PetitionStepIn", "satisfaction") == ["satisfied", "partly", "not_satisfied"]
    assert enum("RatingIn", "satisfaction") == Satisfaction.values
    assert components["Channel"]["enum"] == ["letter", "visit", "online", "phone", "reception_day"]


def test_a_bad_rating_is_refused(assigned_today, office_api, lead_handler):
    ref = assigned_today.ref
    current = version(office_api, ref)
    unknown = post(office_api, f"{URL}/{ref}/rating", {"version": current, "satisfaction": "ok"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "satisfaction"
    not_replied = post(office_api, f"{URL}/{ref}/rating", {"version": current, "satisfaction": "satisfied"})
    assert not_replied.status_code == 409 and not_replied.json()["code"] == "transition_not_allowed"
    assert Suggestion.objects.get().status == Status.ASSIGNED


def test_the_list_costs_the_same_for_many_items(office_api, assigned):
    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert office_api.get(URL).status_code == 200
        return [query["sql"] for query in captured]

    assigned(dt.date(2026, 4, 1))
    queries()  # the token's first use is written down once
    few = len(queries())
    for _ in range(5):
        assigned(dt.date(2026, 4, 2))
    assert len(queries()) == few
