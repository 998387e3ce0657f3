"""The suggestions pages: the list, registering, an item with its clock, its steps, the
assignment, the rating and the co-handler's opinion, each through its page."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pingan.core.models import Attachment, Unit
from pingan.suggestions import services
from pingan.suggestions.models import CoHandling, Contact, Session, Status, Suggestion
from pingan.suggestions.tests.conftest import noon

pytestmark = pytest.mark.django_db

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
PDF = ("答复函.pdf", b"%PDF-1.4 reply")
# The pages' "today": seven weeks after the assignments the tests back-date to 31 March.
TODAY = dt.date(2026, 5, 20)


@pytest.fixture(autouse=True)
def _on_today():
    with time_machine.travel(dt.datetime.combine(TODAY, dt.time(10), tzinfo=TZ), tick=True):
        yield


def _detail(client, suggestion):
    return client.get(reverse("suggestions:detail", args=[suggestion.ref]))


def _post_step(client, suggestion, name, data):
    suggestion.refresh_from_db()
    return client.post(reverse("suggestions:step", args=[suggestion.ref, name]),
                       {"version": suggestion.version, **data})


def _action_keys(response) -> set[str]:
    return {action.key for action in response.context["actions"]}


# --- Who sees what --------------------------------------------------------------------------


def test_the_pages_need_a_login(client, assigned):
    suggestion = assigned(dt.date(2026, 3, 31))
    for url in (reverse("suggestions:list"), reverse("suggestions:new"),
                reverse("suggestions:detail", args=[suggestion.ref])):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response.url


def test_an_outsider_town_gets_404_on_the_item_and_its_files(client, assigned, personas):
    suggestion = assigned(dt.date(2026, 3, 31))
    client.force_login(personas.outsider)
    assert _detail(client, suggestion).status_code == 404
    assert client.get(reverse("suggestions:attachment", args=[suggestion.ref, 1])).status_code == 404
    response = _post_step(client, suggestion, "record_contact", {"note": "电话", "way": "phone"})
    assert response.status_code == 404
    assert not Contact.objects.exists()
    listed = client.get(reverse("suggestions:list"))
    assert listed.status_code == 200 and suggestion.ref not in listed.content.decode()


def test_the_co_handler_gets_the_opinion_form_not_the_leads_steps(client, assigned, co_handler):
    suggestion = assigned(TODAY - dt.timedelta(days=2))
    client.force_login(co_handler)
    response = _detail(client, suggestion)
    assert response.status_code == 200
    assert _action_keys(response) == {"opinion"}
    page = response.content.decode()
    assert "住建局" in page and 'action="' + reverse("suggestions:opinion", args=[suggestion.ref]) in page
    refused = _post_step(client, suggestion, "record_contact", {"note": "电话", "way": "phone"})
    assert refused.status_code == 403 and not Contact.objects.exists()


def test_the_lead_sees_reply_and_return_while_the_window_is_open(client, assigned, lead_handler):
    suggestion = assigned(TODAY - dt.timedelta(days=2))
    client.force_login(lead_handler)
    keys = _action_keys(_detail(client, suggestion))
    assert {"return", "record_contact", "reply", "request_extension"} <= keys
    assert not keys & {"assign", "rate", "opinion", "withdraw"}


def test_the_office_gets_assign_on_a_registered_item_and_no_lead_steps(client, make_suggestion, office):
    suggestion = make_suggestion()
    client.force_login(office)
    assert _action_keys(_detail(client, suggestion)) == {"assign", "withdraw"}


# --- The list -------------------------------------------------------------------------------


def test_the_list_filters_by_session_lead_key_and_proposer(client, assigned, make_suggestion, office, leader,
                                                           traffic):
    late = assigned(dt.date(2026, 1, 10), title="关于增设学校周边护学岗的建议", proposers="周建国")
    key = make_suggestion(title="关于老旧小区加装电梯的建议", is_key=True, supervising_leader=leader)
    other = services.session_get_or_create(actor=office, name="市政协八届一次会议", channel="conference",
                                           opened_on=dt.date(2022, 4, 25))
    proposal = make_suggestion(session=other, number="1", title="关于发展夜间经济的提案")
    client.force_login(office)
    url = reverse("suggestions:list")

    def listed(**query) -> str:
        response = client.get(url, query, HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and "<html" not in response.content.decode()
        return response.content.decode()

    page = listed(session=other.pk)
    assert proposal.ref in page and key.ref not in page
    assert listed(channel="conference").count("JY-") == listed(session=other.pk).count("JY-")
    page = listed(lead=traffic.code)
    assert late.ref in page and key.ref not in page
    page = listed(key="true")
    assert key.ref in page and late.ref not in page
    page = listed(q="周建国")
    assert late.ref in page and proposal.ref not in page
    page = listed(due_state=["overdue", "long_overdue"])
    assert late.ref in page and key.ref not in page
    page = listed(reply="overdue")
    assert late.ref in page and key.ref not in page
    page = listed(assigned="true")
    assert late.ref in page and key.ref not in page and proposal.ref not in page
    # The boards' link filters are controls of the page, so that changing another keeps them.
    full = client.get(url, {"reply": "overdue"}).content.decode()
    assert 'name="reply"' in full and "首次答复" in full and 'name="assigned"' in full


def test_a_row_shows_session_number_lead_status_and_due(client, assigned, office):
    suggestion = assigned(dt.date(2026, 1, 10))
    client.force_login(office)
    page = client.get(reverse("suggestions:list")).content.decode()
    assert "市八届人大一次会议 · 第 1 号" in page and "交警大队" in page and "已交办" in page
    assert suggestion.reply_due.isoformat() in page and "due-long_overdue" in page  # 10 April, 40 days ago


def test_a_bad_filter_is_a_400_that_names_it(client, office):
    client.force_login(office)
    response = client.get(reverse("suggestions:list"), {"session": "第一次", "result_class": "Z"})
    assert response.status_code == 400
    problems = " ".join(response.context["problems"])
    assert "会议" in problems and "办理结果类别" in problems


# --- Registering ----------------------------------------------------------------------------


def _register_data(**overrides):
    data = {"new_session": "市八届人大二次会议", "channel": "congress", "opened_on": "2023-02-20",
            "number": "7", "title": "关于完善农村公交站点的建议", "proposers": "蒋薇、徐斌",
            "delegation": "柯城代表团", "category": "transport", "text": "沿线村民出行不便。"}
    data.update(overrides)
    return data


def test_the_office_registers_in_a_new_session(client, office):
    client.force_login(office)
    response = client.post(reverse("suggestions:new"), _register_data())
    assert response.status_code == 302
    suggestion = Suggestion.objects.get()
    assert response.url == reverse("suggestions:detail", args=[suggestion.ref])
    assert suggestion.session.name == "市八届人大二次会议" and suggestion.session.channel == "congress"
    assert suggestion.description == "沿线村民出行不便。" and suggestion.status == Status.REGISTERED


def test_a_key_suggestion_with_its_leader_in_an_existing_session(client, office, session, leader):
    client.force_login(office)
    leadership = services.leader_options().get(user=leader)
    response = client.post(reverse("suggestions:new"), _register_data(
        new_session="", session=session.pk, is_key="on", supervising_leader=leadership.pk))
    assert response.status_code == 302
    suggestion = Suggestion.objects.get()
    assert suggestion.session == session and suggestion.supervising_leader == leader and suggestion.is_key


def test_a_refused_registration_says_why_and_makes_no_session(client, office):
    client.force_login(office)
    response = client.post(reverse("suggestions:new"), _register_data(is_key="on"))
    assert response.status_code == 400
    assert "重点建议" in response.content.decode()
    assert response.context["form"].errors["supervising_leader"]
    assert not Session.objects.filter(name="市八届人大二次会议").exists() and not Suggestion.objects.exists()


def test_the_number_taken_in_its_session_is_an_error_on_the_number(client, office, make_suggestion, session):
    taken = make_suggestion(number="7")
    client.force_login(office)
    response = client.post(reverse("suggestions:new"), _register_data(new_session="", session=session.pk))
    assert response.status_code == 400
    assert taken.ref in " ".join(response.context["form"].errors["number"])


def test_the_form_asks_for_a_session_and_a_new_ones_opening_day(client, office):
    client.force_login(office)
    none = client.post(reverse("suggestions:new"), _register_data(new_session=""))
    assert none.status_code == 400 and none.context["form"].errors["session"]
    undated = client.post(reverse("suggestions:new"), _register_data(opened_on=""))
    assert undated.status_code == 400 and undated.context["form"].errors["opened_on"]
    assert not Suggestion.objects.exists()


def test_only_the_office_registers(client, lead_handler, personas):
    for user in (lead_handler, personas.town_handler):
        client.force_login(user)
        assert client.get(reverse("suggestions:new")).status_code == 404
        assert client.post(reverse("suggestions:new"), _register_data()).status_code == 404
    assert not Suggestion.objects.exists()


# --- Assigning ------------------------------------------------------------------------------


def test_assigning_from_the_page_starts_the_clock(client, make_suggestion, office, traffic, housing):
    suggestion = make_suggestion()
    client.force_login(office)
    response = client.post(reverse("suggestions:assign", args=[suggestion.ref]),
                           {"version": suggestion.version, "lead": traffic.pk, "co_handlers": [housing.pk]})
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == Status.ASSIGNED and suggestion.department == traffic
    assert suggestion.reply_due == dt.date(2026, 8, 20)
    assert CoHandling.objects.get(suggestion=suggestion).unit == housing


def test_a_lead_that_also_co_handles_is_refused_on_the_form(client, make_suggestion, office, traffic):
    suggestion = make_suggestion()
    client.force_login(office)
    response = client.post(reverse("suggestions:assign", args=[suggestion.ref]),
                           {"version": suggestion.version, "lead": traffic.pk, "co_handlers": [traffic.pk]})
    assert response.status_code == 400
    assert "主办单位不能同时是协办单位" in response.content.decode()
    assert response.context["open_form"] == "assign"
    suggestion.refresh_from_db()
    assert suggestion.status == Status.REGISTERED and not CoHandling.objects.exists()


def test_a_village_cannot_lead(client, make_suggestion, office, hangbu_village):
    suggestion = make_suggestion()
    client.force_login(office)
    response = client.post(reverse("suggestions:assign", args=[suggestion.ref]),
                           {"version": suggestion.version, "lead": hangbu_village.pk})
    assert response.status_code == 400  # not among the form's units: the choice itself is refused
    assert Suggestion.objects.get(pk=suggestion.pk).status == Status.REGISTERED


def test_assign_is_not_taken_as_a_plain_step(client, make_suggestion, office):
    suggestion = make_suggestion()
    client.force_login(office)
    response = _post_step(client, suggestion, "assign", {})
    assert response.status_code == 400
    assert Suggestion.objects.get(pk=suggestion.pk).status == Status.REGISTERED


def test_the_lead_returns_within_the_window_and_the_office_reassigns(client, assigned, lead_handler, office,
                                                                   personas):
    suggestion = assigned(TODAY - dt.timedelta(days=3))
    client.force_login(lead_handler)
    empty = _post_step(client, suggestion, "return", {"note": ""})
    assert empty.status_code == 400 and "请填写理由" in empty.content.decode()
    assert _post_step(client, suggestion, "return", {"note": "属住建局职责"}).status_code == 302
    client.force_login(office)
    page = _detail(client, suggestion)
    assert "属住建局职责" in page.content.decode() and "assign" in _action_keys(page)
    hangbu = Unit.objects.get(name="航埠镇")
    suggestion.refresh_from_db()
    response = client.post(reverse("suggestions:assign", args=[suggestion.ref]),
                           {"version": suggestion.version, "lead": hangbu.pk})
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.assignments == 2 and suggestion.unit == hangbu and suggestion.department is None
    client.force_login(personas.town_handler)
    assert "第 2 轮" in _detail(client, suggestion).content.decode()


# --- The loop through the pages ---------------------------------------------------------------


def test_contact_reply_with_a_pdf_then_rating_through_the_pages(client, assigned, lead_handler, office):
    suggestion = assigned(dt.date(2026, 3, 31))
    client.force_login(lead_handler)
    early = _post_step(client, suggestion, "reply", {"note": "已答复", "result_class": "A"})
    assert early.status_code == 400 and "沟通" in early.content.decode()
    assert _post_step(client, suggestion, "record_contact", {
        "note": "上门走访蒋薇代表", "way": "visit", "contacted_on": "2026-05-18"}).status_code == 302
    no_promise = _post_step(client, suggestion, "reply", {
        "note": "已答复", "result_class": "B", "reply_document": SimpleUploadedFile(
            "答复函.pdf", b"%PDF-1.4 reply", "application/pdf")})
    assert no_promise.status_code == 400 and "承诺" in no_promise.content.decode()
    assert not Attachment.objects.exists()
    replied = _post_step(client, suggestion, "reply", {
        "note": "拟于年内完成信号灯配时优化", "result_class": "B", "promise_due": "2026-12-31",
        "reply_document": SimpleUploadedFile("答复函.pdf", b"%PDF-1.4 reply", "application/pdf")})
    assert replied.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == Status.REPLIED and suggestion.result_class == "B"
    document = Attachment.objects.get()
    download = client.get(reverse("suggestions:attachment", args=[suggestion.ref, document.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 reply"

    client.force_login(office)
    page = _detail(client, suggestion)
    assert _action_keys(page) >= {"rate"} and "答复函.pdf" in page.content.decode()
    unrated = _post_step(client, suggestion, "rate", {"satisfaction": ""})
    assert unrated.status_code == 400
    assert _post_step(client, suggestion, "rate", {"satisfaction": "satisfied"}).status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == Status.PROMISE and suggestion.satisfaction == "satisfied"
    page = _detail(client, suggestion).content.decode()
    assert 'data-term="promise"' in page and "2026-12-31" in page


def test_dissatisfied_opens_the_rehandling_on_the_clock(client, assigned, lead_handler, office):
    suggestion = assigned(dt.date(2026, 3, 31))
    for name, at, inputs in (
        ("record_contact", dt.date(2026, 4, 20), {"note": "电话", "way": "phone"}),
        ("reply", dt.date(2026, 4, 22), {"note": "已答复", "result_class": "D",
                                         "reply_document": [PDF]}),
    ):
        suggestion.refresh_from_db()
        services.suggestion_transition(suggestion=suggestion, name=name, actor=lead_handler,
                                       expected_version=suggestion.version, at=noon(at), **inputs)
    client.force_login(office)
    assert _post_step(client, suggestion, "rate", {"satisfaction": "dissatisfied"}).status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == Status.REHANDLING and suggestion.rehandle_due == dt.date(2026, 6, 22)
    page = _detail(client, suggestion).content.decode()
    assert 'data-term="rehandle"' in page and "不满意" in page
    assert "rule=deputy_rehandle&amp;start=2026-05-20" in page


def test_the_clock_links_each_term_to_the_calculator(client, assigned, lead_handler):
    suggestion = assigned(dt.date(2026, 3, 31))
    client.force_login(lead_handler)
    page = _detail(client, suggestion).content.decode()
    for rule in ("deputy_reply", "deputy_return", "deputy_co_opinion"):
        assert f"?rule={rule}&amp;start=2026-03-31" in page
    assert "法定时限" in page and "答复" in page and "2026-06-30" in page


def test_a_late_reply_shows_late_and_the_extension_its_reason(client, assigned, lead_handler, office):
    late = assigned(dt.date(2026, 1, 10))
    for name, inputs in (("record_contact", {"note": "电话", "way": "phone"}),
                         ("reply", {"note": "已答复", "result_class": "A", "reply_document": [PDF]})):
        late.refresh_from_db()
        services.suggestion_transition(suggestion=late, name=name, actor=lead_handler,
                                       expected_version=late.version, at=noon(dt.date(2026, 5, 6)), **inputs)
    client.force_login(lead_handler)
    page = _detail(client, late).content.decode()
    assert '<li class="clock-late" data-term="reply" data-state="late">' in page

    extended = assigned(dt.date(2026, 3, 31))
    assert _post_step(client, extended, "request_extension", {"note": "需协调市级部门"}).status_code == 302
    assert "已于 2026-05-20 申请延期" in _detail(client, extended).content.decode()
    client.force_login(office)
    assert _post_step(client, extended, "approve_extension", {"note": "涉及跨部门协调"}).status_code == 302
    page = _detail(client, extended).content.decode()
    assert "已延期至 6 个月：涉及跨部门协调" in page and "2026-09-30" in page
    assert "?rule=deputy_reply_extended&amp;start=2026-03-31" in page


def test_a_wrong_result_class_is_refused_by_the_form(client, assigned, lead_handler):
    suggestion = assigned(dt.date(2026, 3, 31))
    Contact.objects.create(suggestion=suggestion, contacted_on=dt.date(2026, 4, 2), way="phone",
                           recorded_by=lead_handler, recorded_at=noon(dt.date(2026, 4, 2)))
    client.force_login(lead_handler)
    response = _post_step(client, suggestion, "reply", {"note": "已答复", "result_class": "Z"})
    assert response.status_code == 400 and response.context["open_form"] == "reply"
    assert Suggestion.objects.get(pk=suggestion.pk).status == Status.ASSIGNED


# --- The co-handler's opinion ---------------------------------------------------------------


def test_the_co_handler_sends_its_opinion_once(client, assigned, co_handler, lead_handler):
    suggestion = assigned(TODAY - dt.timedelta(days=10))
    client.force_login(co_handler)
    url = reverse("suggestions:opinion", args=[suggestion.ref])
    empty = client.post(url, {"opinion": ""})
    assert empty.status_code == 400 and "请填写理由" in empty.content.decode()
    assert client.post(url, {"opinion": "同意交警大队意见，配合做好道路改造。"}).status_code == 302
    co_handling = CoHandling.objects.get(suggestion=suggestion)
    assert co_handling.opinion.startswith("同意") and co_handling.opinion_by == co_handler
    page = _detail(client, suggestion)
    assert "opinion" not in _action_keys(page) and "同意交警大队意见" in page.content.decode()
    again = client.post(url, {"opinion": "补充意见"})
    assert again.status_code == 400 and "已提交协办意见" in again.content.decode()
    client.force_login(lead_handler)
    assert client.post(url, {"opinion": "主办单位不是协办"}).status_code == 403


def test_the_page_reads_in_english_too(client, assigned, lead_handler):
    suggestion = assigned(dt.date(2026, 3, 31))
    client.force_login(lead_handler)
    client.cookies["django_language"] = "en"
    page = _detail(client, suggestion).content.decode()
    assert "The statutory clock" in page and "Return window" in page
