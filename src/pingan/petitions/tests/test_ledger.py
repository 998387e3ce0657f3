"""The petition ledger (信访台账) as a spreadsheet: rows go through the services with their own
dates (deadlines count from them, holidays included), every bad row is reported and then
nothing is written, a second import adds nothing, and exports mask petitioners unless a
role that may see every one of them asks, which is logged."""

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from pingan.core import errors
from pingan.core.events import ChainBreak, verify_chains
from pingan.core.ledger import (
    MSG_BAD_CHOICE,
    MSG_DUPLICATE_KEY,
    MSG_FUTURE_DATE,
    MSG_REJECTED,
    MSG_SUMMARY,
    MSG_SUMMARY_DRY_RUN,
    MSG_UNKNOWN_UNIT,
    zh_labels,
)
from pingan.core.models import Case, Event, EventType, Notification, ReferenceCounter
from pingan.core.personal.idcard import MSG_ID_CHECK_DIGIT
from pingan.petitions.ledger import (
    COLUMNS,
    MSG_DATE_NEEDED,
    MSG_DATE_ORDER,
    MSG_FULL_EXPORT_REFUSED,
    MSG_IMPORT_NOTE,
    MSG_MASKED,
    MSG_REF_TAKEN,
    export_petitions,
    import_petitions,
)
from pingan.petitions.models import Channel, Petition, Status
from pingan.petitions.selectors import PetitionFilters
from pingan.petitions.services import MSG_CANNOT_REGISTER_HERE, petition_transition
from pingan.petitions.tests.conftest import ID_NUMBER, PHONE
from pingan.petitions.workflow import MSG_HANDLING_UNIT_ONLY, PETITION_WORKFLOW
from pingan.testing import ledger_workbook
from pingan.testing import read_workbook as read

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
D = dt.date.fromisoformat
# A county office's own headers: synonyms of the export's, in its own order.
HEADER = ["信访编号", "登记日期", "信访形式", "信访类型", "问题类别", "所属单位", "承办单位", "信访人",
          "身份证号码", "联系电话", "家庭住址", "内容摘要", "信访内容", "受理日期", "答复日期",
          "答复结果", "满意度", "办结日期"]
ADDRESS = "浙江省衢州市柯城区航埠镇缪村村12号"


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=SHANGHAI)


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def ledger_row(key, unit, **cells):
    row = {"信访编号": key, "登记日期": "2026年9月20日", "信访形式": "来访", "信访类型": "申诉求决",
           "问题类别": "征地拆迁", "所属单位": unit.name, "信访人": "张三", "身份证号码": ID_NUMBER,
           "联系电话": PHONE, "家庭住址": ADDRESS, "内容摘要": "征地补偿款未足额发放",
           "信访内容": "村民反映2025年征地补偿款少发。"}
    row.update(cells)
    return row


def xlsx(rows, *, header=HEADER, title="柯城区信访事项登记台账（2026年）"):
    return ledger_workbook(rows, header=header, title=title)


def run(data, actor, *, name="信访台账.xlsx", **kwargs):
    return import_petitions(io.BytesIO(data), actor=actor, filename=name, **kwargs)


def counts():
    return (Case.objects.count(), Event.objects.count(), Notification.objects.count(),
            sorted(ReferenceCounter.objects.values_list("prefix", "year", "last")))


def step(petition, name, actor, day, **data):
    petition.refresh_from_db()
    return petition_transition(petition=petition, name=name, actor=actor, expected_version=petition.version,
                               at=at(day), **data)


# -- a good ledger --------------------------------------------------------------


def test_a_county_ledger_with_a_title_row_synonyms_and_labels(personas, hangbu, hangbu_village):
    admin = personas.admin
    result = run(xlsx([
        ledger_row("XF-330802-0001", hangbu_village),
        ledger_row("XF-330802-0002", hangbu_village, 登记日期=dt.datetime(2026, 9, 21, 14, 30),
                   信访形式="网上信访", 信访类型="建议", 问题类别="生态环境类", 所属单位=hangbu_village.code,
                   信访人="李四", 身份证号码=None, 联系电话=13900001111, 家庭住址=None),
    ]), admin)
    assert (result.ok, result.rows, result.created, result.unchanged) == (True, 2, 2, 0)
    first = Petition.objects.get(external_ref="XF-330802-0001")
    assert (first.channel, first.petition_type, first.category, first.unit, first.handling_unit) == (
        "visit", "complaint", "land", hangbu_village, hangbu)
    assert (first.petitioner_name, first.petitioner_id_number, first.petitioner_phone,
            first.petitioner_address) == ("张三", ID_NUMBER, PHONE, ADDRESS)
    assert (first.title, first.description) == ("征地补偿款未足额发放", "村民反映2025年征地补偿款少发。")
    assert (first.status, first.source, first.reporter, first.opened_at) == (
        Status.RECEIVED, "import", admin, at("2026-09-20", 0))
    assert first.ref.startswith("XF-2026-")
    second = Petition.objects.get(external_ref="XF-330802-0002")
    assert (second.channel, second.petition_type, second.category, second.petitioner_phone) == (
        "online", "suggestion", "environment", "13900001111")  # a phone typed as a number
    assert second.opened_at == at("2026-09-21", 14).replace(minute=30)


def test_outcome_columns_are_the_clock_taken_on_their_own_dates(personas, hangbu_village):
    admin = personas.admin
    header = [*HEADER, "答复意见", "评价日期", "不予受理原因"]
    run(xlsx([
        ledger_row("C-1", hangbu_village, 登记日期="2026-08-01 09:30", 受理日期="2026/8/4",
                   答复日期="2026年9月30日", 答复结果="予以支持", 答复意见="已补发补偿款。",
                   满意度="基本满意", 评价日期="2026-10-09", 办结日期="2026-10-12"),
        ledger_row("C-2", hangbu_village, 受理日期="2026-09-24", 不予受理原因="应通过法定途径解决"),
    ], header=header), admin)
    closed = Petition.objects.get(external_ref="C-1")
    assert (closed.status, closed.outcome, closed.satisfaction, closed.is_open) == (
        Status.CLOSED, "supported", "partly", False)
    # A date without a time on the day received counts from the moment received.
    assert (closed.accepted_at, closed.replied_at, closed.rated_at, closed.closed_at) == (
        at("2026-08-04", 0), at("2026-09-30", 0), at("2026-10-09", 0), at("2026-10-12", 0))
    steps = list(closed.events.order_by("seq").values_list("transition", "at", "actor", "note"))
    assert [s[:3] for s in steps] == [
        ("", at("2026-08-01", 9).replace(minute=30), admin.pk), ("accept", at("2026-08-04", 0), admin.pk),
        ("reply", at("2026-09-30", 0), admin.pk), ("rate", at("2026-10-09", 0), admin.pk),
        ("close", at("2026-10-12", 0), admin.pk)]
    assert steps[2][3] == "已补发补偿款。"
    assert steps[4][3] == str(MSG_IMPORT_NOTE).format(file="信访台账.xlsx", row=3)
    refused = Petition.objects.get(external_ref="C-2")
    assert (refused.status, refused.not_accepted_reason, refused.closed_at) == (
        Status.NOT_ACCEPTED, "legal_procedure", at("2026-09-24", 0))
    assert not [item for item in verify_chains() if isinstance(item, ChainBreak)]


def test_deadlines_count_from_the_ledgers_dates_over_holidays(personas, hangbu_village):
    run(xlsx([
        # Received on the make-up Sunday before National Day: day 15 is 5 Oct, rolls to 8 Oct.
        ledger_row("H-1", hangbu_village, 登记日期="2026-09-20"),
        # Accepted 4 Aug: day 60 is 3 Oct, inside the holiday, rolls to 8 Oct.
        ledger_row("H-2", hangbu_village, 登记日期="2026-08-01", 受理日期="2026-08-04"),
        # Accepted 11 Aug: day 60 is the make-up Saturday 10 Oct, a working day: no roll.
        ledger_row("H-3", hangbu_village, 登记日期="2026-08-10", 受理日期="2026-08-11"),
    ]), personas.admin)
    received, accepted, make_up = (Petition.objects.get(external_ref=k) for k in ("H-1", "H-2", "H-3"))
    assert local_date(received.acceptance_due_at) == local_date(received.due_at) == D("2026-10-08")
    # Five working days to object: 21–24 Sep, then Mid-autumn (25–27 Sep) is passed over.
    assert received.objection_until == D("2026-09-28")
    assert local_date(accepted.resolution_due_at) == local_date(accepted.due_at) == D("2026-10-08")
    assert local_date(accepted.acceptance_due_at) == D("2026-08-17")  # 16 Aug is a Sunday
    assert local_date(make_up.resolution_due_at) == D("2026-10-10")


def test_the_profile_in_force_sets_the_terms(personas, hangbu_village, settings):
    settings.PINGAN_PETITION_PROFILE = "zhejiang"
    run(xlsx([ledger_row("Z-1", hangbu_village, 登记日期="2026-09-25")]), personas.admin)
    petition = Petition.objects.get(external_ref="Z-1")
    # Five working days: 28, 29, 30 Sep, then 8 and 9 Oct after National Day.
    assert (petition.profile, local_date(petition.acceptance_due_at)) == ("zhejiang", D("2026-10-09"))


def test_csv_from_excel_on_chinese_windows(personas, hangbu_village):
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADER)
    row = ledger_row("V-1", hangbu_village, 登记日期="２０２６年９月２０日")
    writer.writerow([row.get(name, "") for name in HEADER])
    result = run(out.getvalue().encode("gb18030"), personas.admin, name="台账.csv")
    assert result.created == 1
    assert Petition.objects.get(external_ref="V-1").petitioner_name == "张三"


# -- every bad row, and then nothing ----------------------------------------------


def test_every_bad_row_is_reported_and_nothing_is_written(personas, hangbu_village):
    before = counts()
    result = run(xlsx([
        ledger_row("B-1", hangbu_village),                                        # 3: fine
        ledger_row("B-2", hangbu_village, 信访形式="飞鸽传书"),                     # 4: no such channel
        ledger_row("B-3", hangbu_village, 登记日期="2026-12-01"),                  # 5: in the future
        ledger_row("B-4", hangbu_village, 所属单位="不存在村"),                     # 6: no such unit
        ledger_row("B-1", hangbu_village),                                        # 7: repeats row 3
        ledger_row("B-6", hangbu_village, 身份证号码="330802198001011234"),        # 8: check digit
        ledger_row("B-7", hangbu_village, 信访人="张*"),                           # 9: a masked export
        ledger_row("B-8", hangbu_village, 受理日期="2026-09-25", 答复日期="2026-09-22",
                   答复结果="支持"),                                    # 10: replied before accepted
        ledger_row("B-9", hangbu_village, 受理日期="2026-09-25", 答复结果="支持"),  # 11: no reply date
        ledger_row("B-10", hangbu_village, 答复日期="2026-10-10", 答复结果="支持"),  # 12: never accepted
        ledger_row("B-11", hangbu_village, 信访类型="", 问题类别="天灾"),            # 13: two errors
        ledger_row("B-12", hangbu_village),                                       # 14: fine
    ]), personas.admin)
    assert (result.ok, result.created) == (False, 0)
    assert [(e.row, e.column) for e in result.errors] == [
        (4, "信访形式"), (5, "登记日期"), (6, "所属单位"), (7, "信访编号"), (8, "身份证号码"), (9, "信访人"),
        (10, "答复日期"), (11, "答复日期"), (12, "答复日期"), (13, "信访类型"), (13, "问题类别")]
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert messages[(4, "信访形式")] == str(MSG_BAD_CHOICE).format(
        value="飞鸽传书", choices="、".join(zh_labels(Channel.choices).values()))
    assert messages[(5, "登记日期")] == str(MSG_FUTURE_DATE).format(value="2026-12-01 00:00")
    assert messages[(6, "所属单位")] == str(MSG_UNKNOWN_UNIT).format(value="不存在村")
    assert messages[(7, "信访编号")] == str(MSG_DUPLICATE_KEY).format(value="B-1", row=3)
    assert messages[(8, "身份证号码")] == str(MSG_ID_CHECK_DIGIT)
    assert messages[(9, "信访人")] == str(MSG_MASKED)
    assert messages[(10, "答复日期")] == str(MSG_DATE_ORDER).format(column="受理日期", date="2026-09-25")
    assert messages[(11, "答复日期")] == str(MSG_DATE_NEEDED).format(column="答复结果")
    assert messages[(12, "答复日期")] == str(errors.MSG_WRONG_STATE).format(
        transition=PETITION_WORKFLOW.get("reply").label, status=PETITION_WORKFLOW.label(Status.RECEIVED))
    # Personal data is never repeated in a report that may be mailed around.
    report = "\n".join(map(str, result.errors))
    assert "330802198001011234" not in report and "张*" not in report
    assert str(result) == str(MSG_REJECTED).format(count=10)
    assert counts() == before


def test_rows_the_user_may_not_register_or_decide_are_refused(personas, hangbu_village, xinfang):
    before = counts()
    outsider = run(xlsx([ledger_row("P-1", hangbu_village)]), personas.outsider)
    [error] = outsider.errors
    assert (error.row, error.column, error.message) == (
        3, "所属单位", str(MSG_CANNOT_REGISTER_HERE).format(unit=hangbu_village.name))
    # 信访局 registers and routes anywhere, but acceptance is the handling town's to decide.
    routed = run(xlsx([ledger_row("P-2", hangbu_village),
                       ledger_row("P-3", hangbu_village, 受理日期="2026-09-21")]), xinfang)
    [error] = routed.errors
    assert (error.row, error.column, error.message) == (
        4, "受理日期", str(MSG_HANDLING_UNIT_ONLY).format(unit="航埠镇"))
    assert counts() == before
    assert run(xlsx([ledger_row("P-2", hangbu_village)]), xinfang).created == 1


def test_a_file_without_its_key_columns_is_refused_whole(personas, hangbu_village):
    with pytest.raises(errors.DomainError) as no_type:
        run(xlsx([ledger_row("K-1", hangbu_village)], header=[h for h in HEADER if h != "信访类型"]),
            personas.admin)
    assert "信访类型" in no_type.value.message
    with pytest.raises(errors.DomainError) as no_header:
        run(xlsx([{"甲": 1}], header=["甲", "乙"]), personas.admin)
    assert "事项摘要" in no_header.value.message
    with pytest.raises(errors.DomainError):
        run(b"old binary excel", personas.admin, name="台账.xls")


# -- importing again ---------------------------------------------------------------


def test_importing_the_same_file_again_creates_nothing(personas, hangbu_village):
    data = xlsx([ledger_row("R-1", hangbu_village),
                 ledger_row("R-2", hangbu_village, 受理日期="2026-09-21", 答复日期="2026-10-12",
                            答复结果="解释说明", 满意度="满意", 办结日期="2026-10-13")])
    assert run(data, personas.admin).created == 2
    before = counts()
    again = run(data, personas.admin)
    assert (again.ok, again.rows, again.created, again.unchanged) == (True, 2, 0, 2)
    assert str(again) == str(MSG_SUMMARY).format(rows=2, created=0, updated=0, unchanged=2)
    # A later version of the ledger does not move a clock Pingan now holds.
    later = run(xlsx([ledger_row("R-1", hangbu_village, 受理日期="2026-09-22")]), personas.admin)
    assert (later.created, later.unchanged) == (0, 1)
    assert counts() == before
    assert Petition.objects.get(external_ref="R-1").status == Status.RECEIVED


def test_a_dry_run_asks_the_services_and_writes_nothing(personas, hangbu_village, xinfang):
    before = counts()
    fine = run(xlsx([ledger_row("Y-1", hangbu_village)]), personas.admin, dry_run=True)
    assert (fine.ok, fine.created) == (True, 1)
    assert str(fine) == str(MSG_SUMMARY_DRY_RUN).format(rows=1, created=1, updated=0, unchanged=0)
    refused = run(xlsx([ledger_row("Y-2", hangbu_village, 受理日期="2026-09-21")]), xinfang, dry_run=True)
    assert [(e.row, e.column) for e in refused.errors] == [(3, "受理日期")]
    assert counts() == before


def test_a_reference_taken_outside_ones_area_says_nothing_more(personas, hangbu_village, grid_in):
    run(xlsx([ledger_row("T-1", hangbu_village)]), personas.admin)
    result = run(xlsx([ledger_row("T-1", grid_in("石梁镇"))]), personas.outsider)
    [error] = result.errors
    assert error.message == str(MSG_REF_TAKEN).format(value="T-1")
    assert hangbu_village.name not in error.message


# -- export --------------------------------------------------------------------------


@pytest.fixture
def grid_petition(personas, worker_grid, make_petition):
    """A petition the grid worker registered in their own grid: they see it, but a grid
    cell's role does not show petitioners in full."""
    return make_petition(actor=personas.grid_worker, unit=worker_grid, received_at=at("2026-09-20"))


@pytest.mark.parametrize("persona", ["grid_worker", "town_handler", "admin"])
def test_an_export_is_masked_for_everyone_by_default(personas, grid_petition, persona):
    header, [row] = read(export_petitions(PetitionFilters(), user=getattr(personas, persona)))
    assert list(header) == [c.header for c in COLUMNS]
    assert (row["编号"], row["信访人"], row["身份证号"], row["联系电话"], row["住址"]) == (
        grid_petition.ref, "张*", "330802********1238", "138****5678", "浙江省衢州市****")
    assert (row["来访方式"], row["信访类型"], row["类别"], row["状态"]) == (
        "来访", "申诉求决类", "国土资源", "已登记待受理")
    assert (row["属地单位"], row["单位代码"], row["办理单位"]) == (
        grid_petition.unit.name, grid_petition.unit.code, "航埠镇")
    assert row["登记日期"] == dt.datetime(2026, 9, 20, 10)
    assert row["受理期限"] == dt.datetime(2026, 10, 8)
    assert not Event.objects.filter(type=EventType.VIEWED_PERSONAL_DATA).exists()


@pytest.mark.parametrize("persona", ["grid_worker", "town_handler"])
def test_a_role_without_full_view_never_gets_a_full_export(personas, grid_petition, persona):
    with pytest.raises(errors.PermissionDenied) as refused:
        export_petitions(PetitionFilters(), user=getattr(personas, persona), full=True)
    assert refused.value.message == str(MSG_FULL_EXPORT_REFUSED).format(count=1, refs=grid_petition.ref)
    assert not Event.objects.filter(type=EventType.VIEWED_PERSONAL_DATA).exists()


def test_a_full_export_is_logged_once_per_petitioner(personas, grid_petition, make_petition, hangbu_head):
    other = make_petition(received_at=at("2026-09-21"))
    header, rows = read(export_petitions(PetitionFilters(), user=hangbu_head, full=True))
    assert {(r["编号"], r["信访人"], r["身份证号"], r["联系电话"], r["住址"]) for r in rows} == {
        (p.ref, "张三", ID_NUMBER, PHONE, ADDRESS) for p in (grid_petition, other)}
    viewed = Event.objects.filter(type=EventType.VIEWED_PERSONAL_DATA)
    assert sorted(viewed.values_list("case", "actor")) == sorted(
        [(grid_petition.pk, hangbu_head.pk), (other.pk, hangbu_head.pk)])


def test_an_export_keeps_to_the_users_scope(personas, grid_petition, make_petition, grid_in):
    make_petition(actor=personas.admin, unit=grid_in("石梁镇"), title="石梁镇拖欠工资", category="labour")
    _h, rows = read(export_petitions(PetitionFilters(), user=personas.outsider))
    assert [r["事项摘要"] for r in rows] == ["石梁镇拖欠工资"]
    # A queryset handed in is narrowed to what the user sees.
    _h, rows = read(export_petitions(Petition.objects.all(), user=personas.outsider))
    assert [r["事项摘要"] for r in rows] == ["石梁镇拖欠工资"]
    _h, rows = read(export_petitions(PetitionFilters(category=["labour"]), user=personas.admin))
    assert [r["事项摘要"] for r in rows] == ["石梁镇拖欠工资"]


# -- round trip ------------------------------------------------------------------------

COMPARED = ["title", "description", "channel", "petition_type", "category", "unit_id", "handling_unit_id",
            "petitioner_name", "petitioner_id_number", "petitioner_phone", "petitioner_address", "status",
            "is_open", "opened_at", "accepted_at", "not_accepted_reason", "replied_at", "outcome",
            "satisfaction", "rated_at", "closed_at", "acceptance_due_at", "objection_until",
            "resolution_due_at", "due_at", "review_window_until", "profile"]


def _book(make_petition, personas, bureau):
    """Petitions at every stage the ledger's columns record; ``bureau`` makes the call-back."""
    town = personas.town_handler
    received = make_petition(received_at=at("2026-09-20"))
    closed = make_petition(received_at=at("2026-08-01"), title="=拖欠工资（公式样）", category="labour")
    step(closed, "accept", town, "2026-08-04")
    step(closed, "reply", town, "2026-09-30", outcome="explained", note="已向信访人解释政策。")
    step(closed, "rate", bureau, "2026-10-09", satisfaction="satisfied", asked_by="phone")
    step(closed, "close", town, "2026-10-12")
    replied = make_petition(received_at=at("2026-10-01"), channel="letter", matter="第一行\n第二行")
    step(replied, "accept", town, "2026-10-09")
    step(replied, "reply", town, "2026-11-02", outcome="not_supported", note="不予支持。")
    refused = make_petition(received_at=at("2026-09-01"), phone="", address="")
    step(refused, "not_accept", town, "2026-09-05", reason="outside_authority", note="不属于本机关职权。")
    accusation = make_petition(received_at=at("2026-10-15"), petition_type="accusation", category=None,
                               petitioner_name="", id_number="", phone="", address="")
    return [received, closed, replied, refused, accusation]


def test_a_full_export_imports_again_as_nothing_new(personas, make_petition, xinfang):
    _book(make_petition, personas, xinfang)
    data = export_petitions(PetitionFilters(), user=personas.admin, full=True)
    before = counts()
    result = run(data, personas.admin)
    # The accusation is the discipline office's: the district admin neither sees nor exports it.
    assert (result.ok, result.rows, result.created, result.unchanged) == (True, 4, 0, 4)
    assert counts() == before


def test_a_full_export_imports_into_a_fresh_database(personas, make_petition, xinfang):
    with transaction.atomic():
        book = _book(make_petition, personas, xinfang)[:-1]  # the accusation is not the admin's to export
        data = export_petitions(PetitionFilters(), user=personas.admin, full=True)
        expected = {p.ref: [getattr(Petition.objects.get(pk=p.pk), name) for name in COMPARED] for p in book}
        notes = {p.ref: list(Event.objects.filter(case=p, transition="reply").values_list("note", flat=True))
                 for p in book}
        transaction.set_rollback(True)
    assert not Petition.objects.exists()
    result = run(data, personas.admin)
    assert (result.ok, result.created) == (True, 4)
    for ref, values in expected.items():
        imported = Petition.objects.get(external_ref=ref)
        assert [getattr(imported, name) for name in COMPARED] == values, ref
        assert list(Event.objects.filter(case=imported, transition="reply").values_list("note", flat=True)) \
            == notes[ref]
    assert run(data, personas.admin).unchanged == 4


def test_a_masked_export_does_not_import_as_people(personas, make_petition):
    with transaction.atomic():
        make_petition(received_at=at("2026-09-20"))
        data = export_petitions(PetitionFilters(), user=personas.admin)
        transaction.set_rollback(True)
    before = counts()
    result = run(data, personas.admin)
    assert [(e.column, e.message) for e in result.errors] == [
        (column, str(MSG_MASKED)) for column in ("信访人", "身份证号", "联系电话", "住址")]
    assert counts() == before


# -- the commands --------------------------------------------------------------------------


def test_the_import_command_reports_bad_rows_and_takes_good_files(personas, hangbu_village, tmp_path):
    path = tmp_path / "信访台账.xlsx"
    path.write_bytes(xlsx([ledger_row("M-1", hangbu_village),
                           ledger_row("M-2", hangbu_village, 问题类别="天灾")]))
    report = tmp_path / "errors.csv"
    stderr = io.StringIO()
    before = counts()
    with pytest.raises(CommandError, match=re.escape(str(MSG_REJECTED).format(count=1))):
        call_command("petitions", "import", str(path), user="admin", errors=str(report), no_progress=True,
                     stderr=stderr)
    assert "天灾" in stderr.getvalue()
    rows = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert [r[:3] for r in rows[1:]] == [["4", "问题类别", "天灾"]]
    path.write_bytes(xlsx([ledger_row("M-1", hangbu_village)]))
    out = io.StringIO()
    call_command("petitions", "import", str(path), user="admin", dry_run=True, no_progress=True, stdout=out)
    assert counts() == before
    assert str(MSG_SUMMARY_DRY_RUN).format(rows=1, created=1, updated=0, unchanged=0) in out.getvalue()
    call_command("petitions", "import", str(path), user="admin", no_progress=True, stdout=out)
    assert Petition.objects.filter(external_ref="M-1").exists()
    with pytest.raises(CommandError):
        call_command("petitions", "import", str(path), user="nobody", no_progress=True)


def test_the_export_command_filters_and_masks(personas, grid_petition, make_petition, tmp_path):
    make_petition(received_at=at("2026-09-21"), title="拖欠工资", category="labour")
    path = tmp_path / "out.xlsx"
    out = io.StringIO()
    call_command("petitions", "export", str(path), user="hangbu", category=["labour"], no_progress=True,
                 stdout=out)
    _h, rows = read(path.read_bytes())
    assert [(r["事项摘要"], r["信访人"]) for r in rows] == [("拖欠工资", "张*")]
    assert "1" in out.getvalue() and not (tmp_path / "out.xlsx.part").exists()
    with pytest.raises(CommandError):
        call_command("petitions", "export", str(path), user="grid", full=True, no_progress=True)
    call_command("petitions", "export", str(path), user="admin", full=True, received_from="2026-09-21",
                 no_progress=True, stdout=out)
    _h, rows = read(path.read_bytes())
    assert [(r["事项摘要"], r["身份证号"]) for r in rows] == [("拖欠工资", ID_NUMBER)]
    with pytest.raises(CommandError):
        call_command("petitions", "export", str(path), user="admin", status=["bogus"], no_progress=True)


def test_a_ledger_uploaded_on_the_web_is_imported_by_the_worker(client, personas, hangbu_village):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from pingan.core.models import LedgerUpload, UploadState
    from pingan.core.tasks import import_ledger_upload

    client.force_login(personas.admin)
    page = client.get(reverse("petitions:list"))
    assert reverse("ledger-upload-new", args=["petitions"]) in page.content.decode()
    data = xlsx([ledger_row("XF-W-1", hangbu_village, 受理日期="2026年9月21日")])
    client.post(reverse("ledger-upload-new", args=["petitions"]),
                {"file": SimpleUploadedFile("信访台账.xlsx", data)})
    upload = LedgerUpload.objects.get()
    import_ledger_upload.call(upload.pk)
    upload.refresh_from_db()
    assert (upload.state, upload.kind, upload.created) == (UploadState.DONE, "petitions", 1)
    petition = Petition.objects.get(external_ref="XF-W-1")
    assert (petition.status, petition.source) == (Status.ACCEPTED, "import")
