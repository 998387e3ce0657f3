"""A session's list (建议/提案清单) from .xlsx: a real office's workbook goes through the services
row by row, assigned on its own dates; every bad cell is reported and then nothing is written;
formulas, non-workbooks and huge sheets are refused; importing again changes nothing; only the
assigning office imports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from pingan.core import errors
from pingan.core.ledger import (
    MSG_BAD_CHOICE,
    MSG_BAD_DATE,
    MSG_FORMULA,
    MSG_FUTURE_DATE,
    MSG_REJECTED,
    MSG_REQUIRED,
    MSG_SUMMARY,
    MSG_SUMMARY_DRY_RUN,
    MSG_UNKNOWN_UNIT,
    LedgerColumnsUnknown,
    zh_labels,
)
from pingan.core.models import Case, Event, LedgerUpload, Notification, UploadState
from pingan.core.tasks import import_ledger_upload
from pingan.suggestions import ledger, services
from pingan.suggestions.ledger import (
    MSG_BAD_YES_NO,
    MSG_DETAILS,
    MSG_NEEDS_LEAD,
    MSG_NEW_SESSION_CHANNEL,
    MSG_NEW_SESSION_DAY,
    MSG_NOT_A_LEADER,
    MSG_NOT_READABLE,
    MSG_NUMBER_TWICE,
    MSG_TOO_LARGE,
    MSG_TOO_MANY_ROWS,
    import_suggestions,
)
from pingan.suggestions.models import Category, CoHandling, Session, Status, Suggestion
from pingan.testing import ledger_workbook

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 5, 6, 15, 0, tzinfo=SHANGHAI)
CONGRESS = "市八届人大一次会议"
CONFERENCE = "市政协八届一次会议"
# An office's own headers: synonyms of the import's, in its own order.
HEADER = ["会议名称", "开幕日期", "建议号", "案由", "领衔人", "代表团/界别", "内容", "分类", "是否重点",
          "领衔督办领导", "主办单位", "协办单位", "交办日期"]


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def item(number, **cells):
    row = {"会议名称": CONGRESS, "建议号": number, "案由": "关于解决双岭南路早晚高峰拥堵问题的建议",
           "领衔人": "蒋薇", "代表团/界别": "柯城代表团", "分类": "交通类",
           "内容": "双岭南路早晚高峰拥堵，建议优化信号灯配时。"}
    row.update(cells)
    return row


def office_workbook(rows, *, header=HEADER, formula=None) -> bytes:
    """The list as an office sends it: a merged title line, the header, the rows, then a total
    that counts them with a formula and who filled it in."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["柯城区承办市八届人大一次会议代表建议交办清单"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(name) for name in header])
    sheet.append(["合计", f"=COUNTA(C3:C{len(rows) + 2})"])
    sheet.append(["填表人：区政府办 王芳"])
    if formula:
        sheet[formula[0]] = formula[1]
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run(data, actor, *, name="建议清单.xlsx", **kwargs):
    return import_suggestions(io.BytesIO(data), actor=actor, filename=name, **kwargs)


def counts():
    return (Case.objects.count(), Event.objects.count(), Notification.objects.count(),
            Session.objects.count(),
            CoHandling.objects.count())


# -- a real office's list ------------------------------------------------------------------


def test_an_offices_list_with_its_title_total_and_dates_four_ways(office, session, leader, traffic, housing):
    data = office_workbook([
        item(1, 主办单位="交警大队", 协办单位="住建局", 交办日期="2022/5/10", 是否重点="是",
             领衔督办领导="钱敏"),
        item(2, 案由="关于加快农业产业化发展的建议", 领衔人="何润云", 分类="农业农村", 主办单位="交警大队",
             交办日期="2022年5月10日"),
        item(3, 主办单位="住建局", 交办日期="2022-05-10", 分类=None),
        item("4", 主办单位="住建局", 协办单位="交警大队", 交办日期=dt.date(2022, 5, 10)),
        item(" 1 ", 会议名称=CONFERENCE, 开幕日期="2022年4月25日", 案由="关于打造衢州特色餐饮品牌的提案",
             领衔人="马凌", **{"代表团/界别": "经济界"}),
    ])
    result = run(data, office)
    assert (result.ok, result.rows, result.created, result.unchanged, result.assigned, result.sessions) == (
        True, 5, 5, 0, 4, 1)
    assert str(result) == (str(MSG_SUMMARY).format(rows=5, created=5, updated=0, unchanged=0) + " "
                           + str(MSG_DETAILS).format(assigned=4, sessions=1))
    key = Suggestion.objects.get(session=session, number="1")
    assert (key.is_key, key.supervising_leader, key.department, key.status, key.category) == (
        True, leader, traffic, Status.ASSIGNED, Category.TRANSPORT)
    assert (key.proposers, key.delegation, key.description) == (
        "蒋薇", "柯城代表团", "双岭南路早晚高峰拥堵，建议优化信号灯配时。")
    assert [c.unit for c in key.co_handlings.all()] == [housing]
    # Every term counts from the list's own date, whichever way it was written.
    for number in ("1", "2", "3", "4"):
        suggestion = Suggestion.objects.get(session=session, number=number)
        assert dt.datetime.date(suggestion.assigned_at.astimezone(SHANGHAI)) == dt.date(2022, 5, 10), number
        assert (suggestion.reply_due, suggestion.return_due) == (dt.date(2022, 8, 10), dt.date(2022, 5, 20))
    assert Suggestion.objects.get(session=session, number="2").category == Category.AGRICULTURE
    assert Suggestion.objects.get(session=session, number="3").category == Category.OTHER
    proposal = Suggestion.objects.get(session__name=CONFERENCE)
    assert (proposal.number, proposal.status, proposal.delegation, proposal.session.channel,
            proposal.session.opened_on) == (
        "1", Status.REGISTERED, "经济界", "conference", dt.date(2022, 4, 25))
    assert "建议清单.xlsx" in key.events.get(transition="assign").note


def test_a_file_of_one_session_without_its_column(office, session):
    header = [h for h in HEADER if h not in ("会议名称", "开幕日期")]
    data = ledger_workbook([item(8), item(9)], header=header, title="代表建议清单")
    with pytest.raises(LedgerColumnsUnknown):
        run(data, office)
    result = run(data, office, session=CONGRESS)
    assert (result.created, set(session.suggestions.values_list("number", flat=True))) == (2, {"8", "9"})


def test_a_new_session_takes_its_body_from_its_name_or_its_category(office):
    header = ["会议", "类别", "编号", "标题", "提出人"]
    data = ledger_workbook([{"会议": "区九届人大三次会议", "编号": 1, "标题": "建议一", "提出人": "甲"},
                            {"会议": "区政协九届三次会议", "编号": 1, "标题": "提案一", "提出人": "乙"},
                            {"会议": "第三次会议", "类别": "政协提案", "编号": 1, "标题": "提案二",
                             "提出人": "丙"}],
                           header=header)
    result = run(data, office, opened_on=dt.date(2026, 1, 10))
    assert result.sessions == 3
    assert dict(Session.objects.values_list("name", "channel")) == {
        "区九届人大三次会议": "congress", "区政协九届三次会议": "conference", "第三次会议": "conference"}


def csv_list(*rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["会议", "编号", "标题", "提出人", "分类"])
    writer.writerows(rows)
    return out.getvalue().encode("gb18030")


def test_a_csv_saved_by_excel_on_chinese_windows(office, session):
    result = run(csv_list([CONGRESS, "21", "关于建设围棋文化小镇的建议", "徐丽英", "文化"]), office,
                 name="建议清单.csv")
    assert result.created == 1
    assert Suggestion.objects.get(number="21").category == Category.EDUCATION_CULTURE


def test_a_nul_is_refused_by_its_cell(office, session):
    result = run(csv_list([CONGRESS, "22", "关于\x00的建议", "徐丽英", ""],
                          [CONGRESS + "\x00", "23", "标题", "甲", ""]), office, name="建议清单.csv")
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "标题", str(errors.MSG_NUL)), (3, "会议", str(errors.MSG_NUL))]
    assert not Suggestion.objects.exists() and Session.objects.count() == 1


def test_a_column_the_import_does_not_know_is_mapped(office, session):
    data = ledger_workbook([{"会议": CONGRESS, "序": 5, "建议题目": "关于加强校园周边安全的建议",
                             "提出人": "丁"}],
                           header=["会议", "序", "建议题目", "提出人"])
    with pytest.raises(LedgerColumnsUnknown) as unknown:
        run(data, office)
    assert unknown.value.missing == ["编号", "标题"]
    result = run(data, office, mapping={"序": "number", "建议题目": "标题"})
    assert result.created == 1 and Suggestion.objects.get().number == "5"


# -- bad rows ---------------------------------------------------------------------------------


def test_every_bad_row_is_reported_and_nothing_is_written(office, session, leader, hangbu_village):
    before = counts()
    result = run(office_workbook([
        item(1, 主办单位="交警大队"),                                          # 3: fine
        item(2, 分类="天气"),                                                  # 4: no such category
        item(3, 领衔人=None),                                                  # 5: no proposer
        item(1),                                                               # 6: repeats row 3
        item(5, 是否重点="是", 领衔督办领导="王五"),                              # 7: not a leader
        item(6, 主办单位="不存在局"),                                           # 8: no such unit
        item(7, 协办单位="住建局", 交办日期="2022-05-10"),                        # 9: no lead: two errors
        item(8, 是否重点="是"),                                                 # 10: key, no leader
        item(9, 主办单位="交警大队", 交办日期="2022-13-45"),                      # 11: no such date
        item(10, 主办单位="交警大队", 交办日期="2026-06-01"),                     # 12: in the future
        item(11, 案由=" "),                                                    # 13: no title
        item(12, 是否重点="也许"),                                              # 14: neither 是 nor 否
        item(13, 主办单位=hangbu_village.name),                                 # 15: a village does not lead
        item(14, 会议名称="市九届人大一次会议"),                                  # 16: a new session, no day
        item(15, 会议名称="第一次会议", 开幕日期="2026-01-10"),                   # 17: a new session, no body
        item(16),                                                              # 18: fine
    ]), office)
    assert (result.ok, result.created, result.assigned) == (False, 0, 0)
    assert [(e.row, e.column) for e in result.errors] == [
        (4, "分类"), (5, "领衔人"), (6, "建议号"), (7, "领衔督办领导"), (8, "主办单位"), (9, "协办单位"),
        (9, "交办日期"), (10, "是否重点"), (11, "交办日期"), (12, "交办日期"), (13, "案由"), (14, "是否重点"),
        (15, "主办单位"), (16, "开幕日期"), (17, "会议名称")]
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert messages[(4, "分类")] == str(MSG_BAD_CHOICE).format(
        value="天气", choices="、".join(zh_labels(Category.choices).values()))
    assert messages[(6, "建议号")] == str(MSG_NUMBER_TWICE).format(session=CONGRESS, number="1", row=3)
    assert messages[(7, "领衔督办领导")] == str(MSG_NOT_A_LEADER).format(value="王五")
    assert messages[(8, "主办单位")] == str(MSG_UNKNOWN_UNIT).format(value="不存在局")
    assert messages[(9, "协办单位")] == messages[(9, "交办日期")] == str(MSG_NEEDS_LEAD)
    assert messages[(10, "是否重点")] == str(services.MSG_KEY_NEEDS_LEADER)
    assert messages[(11, "交办日期")] == str(MSG_BAD_DATE).format(value="2022-13-45")
    assert messages[(12, "交办日期")] == str(MSG_FUTURE_DATE).format(value="2026-06-01 00:00")
    assert messages[(13, "案由")] == str(MSG_REQUIRED)
    assert messages[(14, "是否重点")] == str(MSG_BAD_YES_NO).format(value="也许")
    assert messages[(15, "主办单位")] == str(services.MSG_LEAD_KIND)
    assert messages[(16, "开幕日期")] == str(MSG_NEW_SESSION_DAY).format(session="市九届人大一次会议")
    assert messages[(17, "会议名称")] == str(MSG_NEW_SESSION_CHANNEL).format(session="第一次会议")
    assert str(result) == str(MSG_REJECTED).format(count=14)
    assert counts() == before


def test_a_row_naming_a_session_of_the_other_body_is_refused(office, session):
    row = {"会议": CONGRESS, "类别": "政协提案", "编号": 1, "标题": "提案", "提出人": "甲"}
    result = run(ledger_workbook([row], header=list(row)), office)
    [error] = result.errors
    assert (error.row, error.column) == (2, "类别") and CONGRESS in error.message
    assert error.value == "政协委员提案"  # the body in words, not its code ("conference")
    assert not Suggestion.objects.exists()


# -- hostile files -----------------------------------------------------------------------------


def test_a_formula_is_refused_by_its_cell(office, session):
    before = counts()
    result = run(office_workbook([item(1), item(2)], formula=("D4", '=HYPERLINK("http://x.example","点我")')),
                 office)
    [error] = result.errors
    assert (error.row, error.column) == (4, "Sheet!D")
    assert error.message == str(MSG_FORMULA).format(formula='=HYPERLINK("http://x.example","点我")')
    assert counts() == before


@pytest.mark.parametrize(("data", "name"), [(b"PK\x03\x04 but no zip", "建议清单.xlsx"),
                                            (b"\xd0\xcf\x11\xe0 old excel", "建议清单.xls"),
                                            (b"", "建议清单.xlsx")])
def test_a_file_that_is_no_workbook_is_refused_whole(office, session, data, name):
    with pytest.raises(errors.DomainError) as refused:
        run(data, office, name=name)
    assert name in refused.value.message
    assert not Suggestion.objects.exists()


def test_a_huge_file_or_sheet_is_refused_whole(office, session, monkeypatch):
    data = office_workbook([item(n) for n in range(1, 7)])
    monkeypatch.setattr(ledger, "MAX_ROWS", 5)
    with pytest.raises(errors.DomainError) as long_sheet:
        run(data, office)
    assert long_sheet.value.message == str(MSG_TOO_MANY_ROWS).format(sheet="Sheet", limit=5)
    monkeypatch.setattr(ledger, "MAX_FILE_BYTES", 1024 * 1024 // 2 ** 10)
    with pytest.raises(errors.DomainError) as large:
        run(data, office)
    assert large.value.message == str(MSG_TOO_LARGE).format(name="建议清单.xlsx", limit=0)
    assert not Suggestion.objects.exists()


def test_an_unreadable_message_names_the_file(office):
    with pytest.raises(errors.DomainError) as refused:
        run(b"PK\x03\x04", office, name="清单.xlsx")
    assert refused.value.message == str(MSG_NOT_READABLE).format(name="清单.xlsx")


# -- again, dry, and who ------------------------------------------------------------------------


def test_importing_the_list_again_changes_nothing(office, session):
    data = office_workbook([item(1, 主办单位="交警大队", 交办日期="2022-05-10"), item(2)])
    assert run(data, office).created == 2
    before = counts()
    again = run(data, office)
    assert (again.ok, again.rows, again.created, again.unchanged, again.assigned) == (True, 2, 0, 2, 0)
    assert str(MSG_SUMMARY).format(rows=2, created=0, updated=0, unchanged=2) in str(again)
    # A later version of the list does not move a clock Pingan now holds.
    later = run(office_workbook([item(1, 案由="改过的标题", 主办单位="住建局")]), office)
    assert (later.created, later.unchanged) == (0, 1)
    assert counts() == before
    assert Suggestion.objects.get(number="1").title == "关于解决双岭南路早晚高峰拥堵问题的建议"


def test_a_dry_run_asks_the_services_and_writes_nothing(office, session, hangbu_village):
    before = counts()
    fine = run(office_workbook([item(1, 主办单位="交警大队"), item(2, 会议名称=CONFERENCE,
                                                             开幕日期="2022-04-25")]), office, dry_run=True)
    assert (fine.ok, fine.created, fine.assigned, fine.sessions) == (True, 2, 1, 1)
    assert str(MSG_SUMMARY_DRY_RUN).format(rows=2, created=2, updated=0, unchanged=0) in str(fine)
    refused = run(office_workbook([item(1, 主办单位=hangbu_village.name)]), office, dry_run=True)
    assert [(e.row, e.column) for e in refused.errors] == [(3, "主办单位")]
    assert counts() == before


def test_only_the_assigning_office_imports(session, lead_handler, personas):
    data = office_workbook([item(1)])
    for user in (lead_handler, personas.town_handler, personas.outsider):
        with pytest.raises(errors.PermissionDenied):
            run(data, user)
    assert not Suggestion.objects.exists()


def test_a_list_uploaded_on_the_web_is_imported_by_the_worker(client, office, session, lead_handler):
    data = office_workbook([item(1, 主办单位="交警大队", 交办日期="2022年5月10日")])
    url = reverse("ledger-upload-new", args=["suggestions"])
    client.force_login(office)
    response = client.post(url, {"file": SimpleUploadedFile("建议清单.xlsx", data)})
    assert response.status_code == 302
    upload = LedgerUpload.objects.get()
    import_ledger_upload.call(upload.pk)
    upload.refresh_from_db()
    assert (upload.state, upload.kind, upload.created) == (UploadState.DONE, "suggestions", 1)
    assert Suggestion.objects.get().department.name == "交警大队"


def test_the_upload_page_is_the_offices_only(client, session, lead_handler):
    """A lead unit is told on the page, before sending a file, not by a failed import later."""
    url = reverse("ledger-upload-new", args=["suggestions"])
    client.force_login(lead_handler)
    assert client.get(url).status_code == 403
    response = client.post(url, {"file": SimpleUploadedFile("建议清单.xlsx", office_workbook([item(1)]))})
    assert response.status_code == 403
    assert not LedgerUpload.objects.exists() and not Suggestion.objects.exists()


# -- the command --------------------------------------------------------------------------------------


def test_the_import_command(office, session, tmp_path):
    path = tmp_path / "建议清单.xlsx"
    path.write_bytes(ledger_workbook([item(1), item(2, 分类="天气")],
                                     header=[h for h in HEADER if h != "会议名称"]))
    report = tmp_path / "errors.csv"
    stderr = io.StringIO()
    with pytest.raises(CommandError, match=re.escape(str(MSG_REJECTED).format(count=1))):
        call_command("suggestions", "import", str(path), user="admin", session=CONGRESS, errors=str(report),
                     no_progress=True, stderr=stderr)
    assert "天气" in stderr.getvalue()
    rows = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert [r[:3] for r in rows[1:]] == [["3", "分类", "天气"]]
    path.write_bytes(ledger_workbook([item(1)], header=[h for h in HEADER if h != "会议名称"]))
    out = io.StringIO()
    call_command("suggestions", "import", str(path), user="admin", session="市九届人大一次会议",
                 opened_on=dt.date(2026, 1, 10), dry_run=True, no_progress=True, stdout=out)
    assert str(MSG_SUMMARY_DRY_RUN).format(rows=1, created=1, updated=0, unchanged=0) in out.getvalue()
    assert not Suggestion.objects.exists()
    call_command("suggestions", "import", str(path), user="admin", session=CONGRESS, no_progress=True,
                 stdout=out)
    assert Suggestion.objects.get().session == session
    with pytest.raises(CommandError):
        call_command("suggestions", "import", str(path), user="traffic_nobody", no_progress=True)
