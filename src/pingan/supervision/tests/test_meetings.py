"""Meetings: recording one proposes its decisions; confirming a decision gives each unit it
names a task; dropping one; who may record, decide and see."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from docx import Document

from pingan.core import errors
from pingan.core.models import Unit
from pingan.supervision import meetings
from pingan.supervision.models import Decision, DecisionState, Meeting, Origin, SupervisedTask
from pingan.testing import api_client

LEAD_STORY = (Path(__file__).parent / "fixtures" / "lead_story.txt").read_text(encoding="utf-8")
ORDERS = ("会议要求：一要公安分局牵头、航埠镇配合，6月30日前完成反诈宣传全覆盖。"
          "二要应急局负责消防隐患排查整治，月底前完成。三要做好疫苗接种。")
TODAY = dt.date(2026, 4, 20)


def _docx(*paragraphs: str) -> bytes:
    document = Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 4, 20, 10, tzinfo=dt.UTC), tick=True):
        yield


@pytest.fixture
def district_unit(district) -> Unit:
    return district


@pytest.fixture
def meeting(personas, district):
    return meetings.meeting_record(actor=personas.admin, unit=district, held_on=TODAY,
                                   title="全区平安建设工作会议",
                                   chair="胡益峰", attendees="徐登富、张钢", report=ORDERS)


def test_recording_a_meeting_proposes_its_numbered_orders(meeting, police, hangbu):
    decisions = list(meeting.decisions.order_by("number"))

    assert [(d.number, d.domain, d.state) for d in decisions] == [
        (1, "fraud", "proposed"), (2, "hazards", "proposed"), (3, "", "proposed")]
    assert decisions[0].owner == police
    assert list(decisions[0].owners.order_by("prefix")) == sorted([police, hangbu], key=lambda u: u.prefix)
    assert decisions[0].due_date == dt.date(2026, 6, 30)
    assert decisions[1].owner.name == "应急管理局"
    assert decisions[1].due_date == dt.date(2026, 4, 30)
    assert decisions[2].owner is None


def test_the_lead_story_recorded_as_a_meeting_gives_five_decisions(personas, district):
    meeting = meetings.meeting_record(actor=personas.admin, unit=district, held_on=TODAY,
                                      title="全区建设平安柯城工作会议", chair="胡益峰", report=LEAD_STORY)

    assert meeting.decisions.count() == 5


def test_confirming_gives_one_task_per_unit_named_the_lead_first(personas, meeting, police, hangbu):
    decision = meeting.decisions.get(number=1)

    tasks = meetings.decision_confirm(actor=personas.admin, decision=decision)

    assert [task.department for task in tasks] == [police, hangbu]
    assert {task.origin for task in tasks} == {Origin.DECISION}
    assert {task.origin_key for task in tasks} == {f"decision:{decision.pk}:{police.pk}",
                                                   f"decision:{decision.pk}:{hangbu.pk}"}
    assert all(task.deadline == dt.date(2026, 6, 30) and task.decision_id == decision.pk for task in tasks)
    assert tasks[0].title == "公安分局牵头、航埠镇配合，6月30日前完成反诈宣传全覆盖"
    decision.refresh_from_db()
    assert decision.state == DecisionState.CONFIRMED


def test_the_leader_who_answers_for_a_decision_answers_for_each_of_its_tasks(personas, meeting, leader):
    decision = meeting.decisions.get(number=1)

    tasks = meetings.decision_confirm(actor=personas.admin, decision=decision, responsible_leader=leader)

    assert len(tasks) == 2 and {task.responsible_leader for task in tasks} == {leader}


def test_a_responsible_leader_must_be_a_leader_in_charge_of_supervision(personas, meeting):
    decision = meeting.decisions.get(number=1)

    with pytest.raises(errors.DomainError) as refused:
        meetings.decision_confirm(actor=personas.admin, decision=decision,
                                  responsible_leader=personas.town_handler)

    assert refused.value.field == "responsible_leader"
    decision.refresh_from_db()
    assert decision.state == DecisionState.PROPOSED
    assert not SupervisedTask.objects.filter(decision=decision).exists()


def test_confirming_with_edits(personas, meeting, shiliang):
    decision = meeting.decisions.get(number=3)

    tasks = meetings.decision_confirm(actor=personas.admin, decision=decision,
                                      text="做好疫苗接种，五月底前完成。",
                                      owners=[shiliang], due_date=dt.date(2026, 5, 31), domain="")

    assert [(t.unit, t.deadline, t.title) for t in tasks] == [(shiliang, dt.date(2026, 5, 31),
                                                               "做好疫苗接种，五月底前完成")]
    decision.refresh_from_db()
    assert (decision.owner, decision.text) == (shiliang, "做好疫苗接种，五月底前完成。")


@pytest.mark.parametrize(("changes", "message"), [
    ({"owners": []}, meetings.MSG_OWNER_REQUIRED),
    ({"due_date": dt.date(2026, 4, 19)}, None),
    ({"text": "  "}, meetings.MSG_TEXT_REQUIRED),
    ({"domain": "weather"}, None),
])
def test_confirming_refuses_bad_edits_and_writes_nothing(personas, meeting, changes, message):
    decision = meeting.decisions.get(number=1)

    with pytest.raises(errors.DomainError) as refused:
        meetings.decision_confirm(actor=personas.admin, decision=decision, **changes)

    if message:
        assert refused.value.message == str(message)
    decision.refresh_from_db()
    assert decision.state == DecisionState.PROPOSED
    assert not SupervisedTask.objects.filter(decision=decision).exists()


def test_a_decision_naming_no_unit_or_deadline_must_be_given_them(personas, meeting, shiliang):
    decision = meeting.decisions.get(number=3)

    with pytest.raises(errors.DomainError) as no_owner:
        meetings.decision_confirm(actor=personas.admin, decision=decision)
    with pytest.raises(errors.DomainError) as no_deadline:
        meetings.decision_confirm(actor=personas.admin, decision=decision, owners=[shiliang])

    assert no_owner.value.message == str(meetings.MSG_OWNER_REQUIRED)
    assert no_deadline.value.message == str(meetings.MSG_DEADLINE_REQUIRED)


def test_a_confirmed_or_dropped_decision_is_settled(personas, meeting):
    first, second = meeting.decisions.get(number=1), meeting.decisions.get(number=2)
    meetings.decision_confirm(actor=personas.admin, decision=first)
    meetings.decision_drop(actor=personas.admin, decision=second)

    for decision in (first, second):
        decision.refresh_from_db()
        assert not meetings.may_confirm(decision, personas.admin)
        with pytest.raises(errors.TransitionNotAllowed):
            meetings.decision_drop(actor=personas.admin, decision=decision)
    assert Decision.objects.get(pk=second.pk).state == DecisionState.DROPPED


def test_proposing_again_replaces_only_the_proposed(personas, meeting):
    meetings.decision_confirm(actor=personas.admin, decision=meeting.decisions.get(number=1))

    found = meetings.decisions_propose(actor=personas.admin, meeting=meeting,
                                       report="一是抓好防汛。二是清理积案。")

    assert [(d.number, d.domain) for d in found] == [(2, "hazards"), (3, "petitions")]
    assert list(meeting.decisions.values_list("number", "state")) == [
        (1, "confirmed"), (2, "proposed"), (3, "proposed")]


def test_a_report_without_numbered_orders_is_refused_and_changes_nothing(personas, meeting):
    with pytest.raises(errors.DomainError) as refused:
        meetings.decisions_propose(actor=personas.admin, meeting=meeting, report="会议听取了汇报。")

    assert refused.value.message == str(meetings.MSG_NO_ORDERS)
    meeting.refresh_from_db()
    assert meeting.report == ORDERS
    assert meeting.decisions.count() == 3


def test_a_decision_added_by_hand_is_read_by_the_same_rules(personas, meeting, police):
    decision = meetings.decision_add(actor=personas.admin, meeting=meeting,
                                     text="公安分局年底前打掉一批电诈团伙")

    assert (decision.number, decision.domain, decision.owner, decision.due_date) == (
        4, "fraud", police, dt.date(2026, 12, 31))


def test_reports_upload_as_txt_or_docx():
    docx = _docx("一要抓好防汛。", "二要清理积案。")
    assert meetings.report_text("纪要.docx", docx) == "一要抓好防汛。\n二要清理积案。"
    assert meetings.report_text("纪要.TXT", "一要抓好防汛。".encode("gb18030")) == "一要抓好防汛。"
    for name, content in (("纪要.pdf", b"%PDF"), ("纪要.docx", b"not a zip")):
        with pytest.raises(errors.DomainError):
            meetings.report_text(name, content)


def test_a_meeting_in_the_future_or_too_long_a_report_is_refused(personas, district):
    with pytest.raises(errors.DomainError) as future:
        meetings.meeting_record(actor=personas.admin, unit=district, held_on=TODAY + dt.timedelta(days=1),
                                title="会", chair="某")
    with pytest.raises(errors.DomainError) as long:
        meetings.meeting_record(actor=personas.admin, unit=district, held_on=TODAY, title="会", chair="某",
                                report="字" * (meetings.REPORT_MAX_CHARS + 1))

    assert future.value.field == "held_on" and long.value.field == "report"


def test_a_town_records_its_own_meetings_but_not_anothers(personas, hangbu, shiliang):
    own = meetings.meeting_record(actor=personas.town_handler, unit=hangbu, held_on=TODAY, title="镇平安例会",
                                  chair="镇长", report=ORDERS)

    with pytest.raises(errors.PermissionDenied):
        meetings.meeting_record(actor=personas.town_handler, unit=shiliang, held_on=TODAY, title="会",
                                chair="某")
    # Only the district's office assigns tasks: the town proposes, the district confirms.
    assert not meetings.may_confirm(own.decisions.first(), personas.town_handler)
    assert meetings.may_confirm(own.decisions.first(), personas.admin)


def test_who_sees_a_meeting(personas, district, hangbu, shiliang):
    town_meeting = meetings.meeting_record(actor=personas.town_handler, unit=hangbu, held_on=TODAY,
                                           title="镇平安例会", chair="镇长",
                                           report="一要排查隐患。二要化解纠纷。")
    district_meeting = meetings.meeting_record(actor=personas.admin, unit=district, held_on=TODAY,
                                               title="区会", chair="区长", report=ORDERS)

    # 航埠镇 is named in a proposed decision only: a guess the district may still drop.
    assert set(meetings.meeting_list(user=personas.town_handler)) == {town_meeting}
    meetings.decision_confirm(actor=personas.admin, decision=district_meeting.decisions.get(number=1))
    assert set(meetings.meeting_list(user=personas.town_handler)) == {town_meeting, district_meeting}  # named
    assert set(meetings.meeting_list(user=personas.outsider)) == set()
    assert meetings.meeting_get(user=personas.outsider, pk=town_meeting.pk) is None
    assert set(meetings.meeting_list(user=personas.admin)) == {town_meeting, district_meeting}
    with pytest.raises(errors.NotFound):
        meetings.decision_drop(actor=personas.outsider, decision=town_meeting.decisions.first())


def test_a_department_named_only_in_a_proposed_or_dropped_decision_sees_nothing_of_the_meeting(
        client, personas, meeting, police, fraud_officer):
    client.force_login(fraud_officer)
    proposed = meeting.decisions.get(number=1)  # names 公安分局
    assert proposed.owner == police

    assert meetings.meeting_get(user=fraud_officer, pk=meeting.pk) is None
    assert client.get(reverse("supervision:meeting", args=[meeting.pk])).status_code == 404
    assert api_client(fraud_officer).get(f"/api/v1/supervision/meetings/{meeting.pk}").status_code == 404
    meetings.decision_drop(actor=personas.admin, decision=proposed)
    assert meetings.meeting_get(user=fraud_officer, pk=meeting.pk) is None


def test_the_pages_record_propose_and_confirm(client, personas, district, police, hangbu, leader):
    client.force_login(personas.admin)
    response = client.post(reverse("supervision:meeting-new"), {
        "unit": district.pk, "held_on": "2026-04-20", "title": "全区平安建设工作会议", "chair": "胡益峰",
        "report": ORDERS})
    meeting = meetings.meeting_list(user=personas.admin).get()
    assert response.status_code == 302 and response["Location"] == reverse("supervision:meeting",
                                                                           args=[meeting.pk])

    page = client.get(response["Location"]).content.decode()
    assert page.count('data-state="proposed"') == 3 and "应急管理局" in page
    assert "副区长 吴强" in page  # the leaders in charge of supervision, offered on each decision

    decision = meeting.decisions.get(number=1)
    prefix = f"d{decision.pk}"
    card = client.post(reverse("supervision:decision-confirm", args=[decision.pk]), {
        f"{prefix}-text": decision.text, f"{prefix}-domain": "fraud",
        f"{prefix}-owners": [hangbu.pk, police.pk], f"{prefix}-due_date": "2026-06-30",
        f"{prefix}-leadership": leader.leaderships.get().pk},
        HTTP_HX_REQUEST="true")
    assert card.status_code == 200 and 'data-state="confirmed"' in card.content.decode()
    assert {t.responsible_leader for t in SupervisedTask.objects.filter(decision=decision)} == {leader}
    shown = card.content.decode()
    assert all(task.ref in shown for task in SupervisedTask.objects.filter(decision=decision))
    # The list box sends the units in the tree's order: the proposed lead still leads.
    assert Decision.objects.get(pk=decision.pk).owner == police

    dropped = client.post(reverse("supervision:decision-drop", args=[meeting.decisions.get(number=2).pk]))
    assert dropped.status_code == 302


def test_the_page_shows_a_refusal_in_the_form(client, personas, meeting):
    client.force_login(personas.admin)
    decision = meeting.decisions.get(number=3)

    card = client.post(reverse("supervision:decision-confirm", args=[decision.pk]),
                       {f"d{decision.pk}-text": decision.text}, HTTP_HX_REQUEST="true")

    assert str(meetings.MSG_OWNER_REQUIRED) in card.content.decode()
    assert Decision.objects.get(pk=decision.pk).state == DecisionState.PROPOSED


def test_the_pages_are_404_out_of_reach(client, personas, meeting):
    client.force_login(personas.outsider)

    assert client.get(reverse("supervision:meeting", args=[meeting.pk])).status_code == 404
    assert client.post(reverse("supervision:decision-drop",
                               args=[meeting.decisions.first().pk])).status_code == 404
    assert "全区平安建设工作会议" not in client.get(reverse("supervision:meetings")).content.decode()


def test_the_api_records_proposes_and_confirms(personas, district, police):
    api = api_client(personas.admin)
    created = api.post("/api/v1/supervision/meetings", json.dumps({
        "unit": district.code, "held_on": "2026-04-20", "title": "全区平安建设工作会议", "chair": "胡益峰",
        "report": ORDERS}), content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert [d["domain"] for d in body["decisions"]] == ["fraud", "hazards", ""]
    assert body["decisions"][0]["owners"][0]["name"] == "公安分局"

    proposed = api.post(f"/api/v1/supervision/meetings/{body['id']}/propose",
                        json.dumps({"report": "没有编号的文字"}), content_type="application/json")
    assert proposed.status_code == 400

    decision = body["decisions"][0]["id"]
    confirmed = api.post(f"/api/v1/supervision/decisions/{decision}/confirm",
                         json.dumps({"owners": [police.code]}), content_type="application/json")
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["state"] == "confirmed" and len(confirmed.json()["tasks"]) == 1


def test_the_list_pages_by_cursor_and_htmx_gets_the_next_rows(client, personas, district, monkeypatch):
    monkeypatch.setattr("pingan.core.web.PAGE_SIZE", 2)
    for n in range(3):
        meetings.meeting_record(actor=personas.admin, unit=district, held_on=TODAY - dt.timedelta(days=n),
                                title=f"第{n + 1}次例会", chair="区长")
    client.force_login(personas.admin)

    first = client.get(reverse("supervision:meetings")).content.decode()
    cursor = first.split("?after=")[1].split('"')[0]
    rest = client.get(reverse("supervision:meetings") + f"?after={cursor}",
                      HTTP_HX_REQUEST="true").content.decode()

    assert "第1次例会" in first and "第2次例会" in first and "第3次例会" not in first
    assert "第3次例会" in rest and "<html" not in rest and "load-more" not in rest
    assert client.get(reverse("supervision:meetings") + "?after=garbage").status_code == 400


def test_the_page_takes_an_uploaded_report(client, personas, district):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(personas.admin)
    fields = {"unit": district.pk, "held_on": "2026-04-20", "title": "区委常委会", "chair": "蒋国强"}
    bad = client.post(reverse("supervision:meeting-new"),
                      {**fields, "report_file": SimpleUploadedFile("纪要.pdf", b"%PDF-1.4")})
    assert bad.status_code == 400 and str(meetings.MSG_REPORT_FILE) in bad.content.decode()
    assert not meetings.meeting_list(user=personas.admin).exists()

    good = client.post(reverse("supervision:meeting-new"), {**fields, "report_file": SimpleUploadedFile(
        "纪要.docx", _docx("会议要求：", "一要信访局年底前清理积案。", "二要应急管理局开展防汛演练。"))})

    assert good.status_code == 302
    meeting = meetings.meeting_list(user=personas.admin).get()
    assert [(d.domain, d.owner.name) for d in meeting.decisions.all()] == [
        ("petitions", "信访局"), ("hazards", "应急管理局")]


# --- Hostile reports, dates and text --------------------------------------------------------


def _rezipped(docx: bytes, **members: bytes) -> bytes:
    """``docx`` with some of its members' contents replaced or added."""
    source, out = zipfile.ZipFile(io.BytesIO(docx)), io.BytesIO()
    contents = {name: source.read(name) for name in source.namelist()} | members
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in contents.items():
            target.writestr(name, content)
    return out.getvalue()


def _unreadable(name: str, content: bytes) -> str:
    with pytest.raises(errors.DomainError) as refused:
        meetings.report_text(name, content)
    assert refused.value.field == "report_file"
    return refused.value.message


def test_a_docx_with_broken_xml_or_a_broken_zip_is_unreadable():
    good = _docx("一要抓好防汛。")
    broken_xml = _rezipped(good, **{"word/document.xml": b"<w:document><w:body><w:p>"})
    no_document = _rezipped(good, **{"[Content_Types].xml": b"<Types/>"})
    truncated = good[: len(good) // 2]

    for content in (broken_xml, no_document, truncated, b"PK\x03\x04" + b"\x00" * 40):
        assert _unreadable("纪要.docx", content) == str(meetings.MSG_REPORT_UNREADABLE)


def test_a_docx_that_unpacks_past_the_limit_is_refused_before_it_is_parsed(settings):
    settings.PINGAN_MEETING_REPORT_MAX_UNZIPPED_BYTES = 2**20
    good = _docx("一要抓好防汛。")
    unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(good)).infolist())
    at_the_limit = _rezipped(good, **{"word/padding.bin": b" " * (2**20 - unpacked)})
    past_it = _rezipped(good, **{"word/padding.bin": b" " * (2**20 - unpacked + 1)})
    too_large = str(meetings.MSG_REPORT_UNZIPS_TOO_LARGE.format(limit=1))

    assert meetings.report_text("纪要.docx", at_the_limit) == "一要抓好防汛。"
    assert _unreadable("纪要.docx", past_it) == too_large
    # A zip bomb: a small file whose document unpacks to 64 MB of nothing.
    bomb = _rezipped(good, **{"word/document.xml": b" " * (64 * 2**20)})
    assert len(bomb) < 2**20 and _unreadable("纪要.docx", bomb) == too_large


def test_a_report_file_past_the_size_limit_is_refused(settings):
    settings.PINGAN_MEETING_REPORT_MAX_BYTES = 2**20
    report = "一要抓好防汛。".ljust(2**20 - 14)  # 1 MB in UTF-8: the seven characters take 21 bytes
    assert len(report.encode()) == 2**20
    assert meetings.report_text("纪要.txt", report.encode()) == report
    assert _unreadable("纪要.txt", (report + " ").encode()) == str(
        meetings.MSG_REPORT_FILE_TOO_LARGE.format(limit=1))


def test_a_txt_report_with_nul_characters_is_unreadable():
    for content in (b"\xe4\xb8\x80\x00", "一要抓好防汛。".encode("utf-16-le"), "一要".encode("utf-16")):
        assert _unreadable("纪要.txt", content) == str(meetings.MSG_REPORT_UNREADABLE)


def test_the_page_refuses_hostile_uploads_with_a_400_and_records_nothing(client, personas, district,
                                                                         settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.PINGAN_MEETING_REPORT_MAX_BYTES = 50_000
    client.force_login(personas.admin)
    fields = {"unit": district.pk, "held_on": "2026-04-20", "title": "区委常委会", "chair": "蒋国强"}
    broken = _rezipped(_docx("一要抓好防汛。"), **{"word/document.xml": b"<w:document"})
    for name, content in (("纪要.docx", broken), ("纪要.txt", "一要抓好防汛。".encode("utf-16-le")),
                          ("纪要.txt", b"x" * 50_001)):
        response = client.post(reverse("supervision:meeting-new"),
                               {**fields, "report_file": SimpleUploadedFile(name, content)})
        assert response.status_code == 400, name
    assert not meetings.meeting_list(user=personas.admin).exists()


def test_a_meeting_is_held_from_2000_until_today(personas, district):
    def record(held_on):
        return meetings.meeting_record(actor=personas.admin, unit=district, held_on=held_on, title="会",
                                       chair="某")

    for held_on in (dt.date(1999, 12, 31), dt.date(1, 1, 1), TODAY + dt.timedelta(days=1)):
        with pytest.raises(errors.DomainError) as refused:
            record(held_on)
        assert refused.value.field == "held_on"
    assert record(meetings.EARLIEST_MEETING).held_on == dt.date(2000, 1, 1)
    assert record(TODAY).held_on == TODAY


def test_the_api_refuses_text_with_a_nul_and_a_meeting_before_2000(personas, district, meeting):
    api = api_client(personas.admin)
    body = {"unit": district.code, "held_on": "2026-04-20", "title": "区会", "chair": "区长", "report": ""}
    for field, value in (("title", "区\x00会"), ("report", "一要\x00防汛。"), ("held_on", "0001-01-01")):
        response = api.post("/api/v1/supervision/meetings", {**body, field: value},
                            content_type="application/json")
        assert response.status_code == 400 and response.json()["field"] == field, response.content
    assert Meeting.objects.count() == 1

    decision = meeting.decisions.get(number=1)
    for path, payload in ((f"/api/v1/supervision/decisions/{decision.pk}/confirm", {"text": "反诈\x00"}),
                          (f"/api/v1/supervision/meetings/{meeting.pk}/propose", {"report": "一要\x00。"})):
        response = api.post(path, payload, content_type="application/json")
        assert response.status_code == 400 and response.json()["field"] in ("text", "report")
    decision.refresh_from_db()
    assert decision.state == DecisionState.PROPOSED


def test_a_cursor_another_list_gave_out_is_a_400(client, personas, district):
    from pingan.core.pagination import keyset_page
    from pingan.supervision import circulars
    from pingan.supervision.models import Circular

    for n in range(2):
        meetings.meeting_record(actor=personas.admin, unit=district, held_on=TODAY, title=f"会{n}",
                                chair="某")
        Circular.objects.create(kind="failure_of_duty", issuer=district, title=f"通报{n}",
                                created_by=personas.admin, created_at=timezone.now())
    meeting_cursor = keyset_page(meetings.meeting_list(user=personas.admin), ordering=meetings.MEETING_ORDER,
                                 cursor=None, limit=1)[1]
    circular_cursor = keyset_page(circulars.circular_list(user=personas.admin),
                                  ordering=circulars.CIRCULAR_ORDER, cursor=None, limit=1)[1]
    assert meeting_cursor and circular_cursor
    client.force_login(personas.admin)

    assert client.get(reverse("supervision:meetings"), {"after": circular_cursor}).status_code == 400
    assert client.get(reverse("supervision:circulars"), {"after": meeting_cursor}).status_code == 400
    assert client.get(reverse("supervision:meetings"), {"after": meeting_cursor}).status_code == 200
    api = api_client(personas.admin)
    assert api.get("/api/v1/supervision/meetings", {"cursor": "zzz"}).status_code == 422
    assert api.get("/api/v1/supervision/meetings", {"cursor": circular_cursor}).status_code == 422
