"""The fraud case ledger (电信网络诈骗案件台账) as a spreadsheet: rows go through the services (normal
forms, scam types, amounts, scope) and join their rings as they are written, every bad cell is
reported and then nothing is written, a second import adds nothing, and exports mask victims
unless a role that may see every case's victims in full asks, which is logged."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from pingan.core import errors
from pingan.core.ledger import (
    MSG_BAD_CHOICE,
    MSG_DUPLICATE_KEY,
    MSG_FUTURE_DATE,
    MSG_LONG_NUMBER,
    MSG_REJECTED,
    MSG_SUMMARY,
    MSG_SUMMARY_DRY_RUN,
    MSG_UNKNOWN_UNIT,
    zh_labels,
)
from pingan.core.models import Case, Event, EventType, ReferenceCounter, Unit, UnitKind
from pingan.core.personal.idcard import check_character
from pingan.fraud import ledger
from pingan.fraud.identifiers import normalize
from pingan.fraud.ledger import (
    COLUMNS,
    MSG_FULL_EXPORT_REFUSED,
    MSG_LINKED,
    MSG_MASKED,
    MSG_NTH_VICTIM,
    MSG_REF_TAKEN,
    MSG_VICTIM_COUNT,
    export_fraud_cases,
    import_fraud_cases,
)
from pingan.fraud.models import (
    CaseIdentifier,
    FraudCase,
    Identifier,
    LinkingState,
    Ring,
    Victim,
    scam_type_choices,
)
from pingan.fraud.selectors import FraudCaseFilters
from pingan.fraud.services import (
    MSG_CANNOT_RECORD_HERE,
    MSG_OCCURRED_AFTER_REPORT,
    MSG_RECOVERED_OVER_LOSS,
    MSG_UNIT_NOT_TERRITORIAL,
    MSG_VICTIM_PHONE,
    VictimIn,
    fraud_case_transition,
)
from pingan.testing import ledger_workbook
from pingan.testing import read_workbook as read

pytestmark = pytest.mark.django_db


def with_rings(message, *, rows, created, linked):
    """The summary of an import that created cases, and how many of them are in a ring."""
    counts = str(message).format(rows=rows, created=created, updated=0, unchanged=0)
    return f"{counts} {str(MSG_LINKED).format(linked=linked)}"

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
ID_17 = "33080219580301123"
ID_NUMBER = ID_17 + check_character(ID_17)
IMEI = "490154203237518"
FORMULA = '=HYPERLINK("x")'
# A police station's own headers: synonyms of the export's, in its own order.
HEADER = ["案件编号", "接报日期", "案发时间", "所属乡镇", "案件类型", "被骗金额", "挽回金额", "受害人姓名",
          "身份证号", "联系电话", "年龄", "涉案号码", "涉案银行卡号", "涉案网址", "涉案APP", "社交账号",
          "设备号", "涉案IP", "简要案情"]


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def ledger_row(key, **cells):
    row = {"案件编号": key, "接报日期": "2026年11月15日", "案发时间": "2026-11-14 20:30",
           "所属乡镇": "航埠镇", "案件类型": "刷单返利类", "被骗金额": "12,000.50元", "挽回金额": 2000,
           "受害人姓名": "王建华", "身份证号": ID_NUMBER, "联系电话": "139 0000 0111", "年龄": 68,
           "涉案号码": "+86 138-0000-0001、13800000002",
           "简要案情": "受害人被拉入刷单群，按指示垫付后无法提现。"}
    row.update(cells)
    return row


def xlsx(rows, *, header=HEADER, title="柯城分局电信网络诈骗案件登记台账（2026年11月）"):
    return ledger_workbook(rows, header=header, title=title)


def run(data, actor, *, name="案件台账.xlsx", **kwargs):
    return import_fraud_cases(io.BytesIO(data), actor=actor, filename=name, **kwargs)


def counts():
    return (Case.objects.count(), Victim.objects.count(), Identifier.objects.count(),
            CaseIdentifier.objects.count(), sorted(Ring.objects.values_list("ring_id", "case_count")),
            Event.objects.count(), sorted(ReferenceCounter.objects.values_list("prefix", "year", "last")),
            list(LinkingState.objects.values_list("version", flat=True)))


def normalize_error(kind, value):
    with pytest.raises(errors.DomainError) as refused:
        normalize(kind, value)
    return refused.value.message


def keys(case):
    return {link.identifier.key for link in case.identifier_links.select_related("identifier")}


# -- a good ledger --------------------------------------------------------------


def test_a_police_ledger_with_a_title_row_synonyms_and_cells_of_several_values(personas, hangbu_village):
    admin = personas.admin
    result = run(xlsx([
        ledger_row("A3308020001", 涉案银行卡号="6222 0202 0011 2233 445",
                   涉案网址="https://WWW.Pay.Example.com/x?a=1；pay.example.com", 涉案APP="《万邦》",
                   社交账号="微信：Fz_2026\nQQ:10001", 设备号=IMEI, 涉案IP="1.2.3.4:8080"),
        ledger_row("A3308020002", 接报日期=dt.datetime(2026, 11, 16, 14, 30), 案发时间=None,
                   所属乡镇=hangbu_village.code, 案件类型="fake_investment", 被骗金额="1.2万", 挽回金额=None,
                   受害人姓名="李秀英、张伟", 身份证号=None, 联系电话="13900000222、", 年龄="72、",
                   涉案号码="０５７０－１２３４５６７"),
    ]), admin)
    assert (result.ok, result.rows, result.created, result.unchanged) == (True, 2, 2, 0)
    first = FraudCase.objects.get(external_ref="A3308020001")
    assert (first.category, first.unit.name, first.reported_on, first.occurred_on) == (
        "rebate_task", "航埠镇", dt.date(2026, 11, 15), dt.date(2026, 11, 14))
    assert (first.loss, first.recovered, first.source, first.reporter) == (
        Decimal("12000.50"), Decimal("2000.00"), "import", admin)
    # Recorded as of its report date: the reference is that year's, the events that day's.
    assert first.opened_at == dt.datetime(2026, 11, 15, tzinfo=SHANGHAI) and first.ref.startswith("ZP-2026-")
    assert first.description == "受害人被拉入刷单群，按指示垫付后无法提现。"
    assert list(first.victims.values_list("name", "id_number", "phone", "age")) == [
        ("王建华", ID_NUMBER, "13900000111", 68)]
    # Every value of a cell, in its normal form; the same site written twice is one identifier.
    assert keys(first) == {"phone:13800000001", "phone:13800000002", "bank_account:6222020200112233445",
                           "url:pay.example.com", "app:万邦", "im_account:wx:fz_2026", "im_account:qq:10001",
                           f"device_id:{IMEI}", "ip:1.2.3.4"}
    second = FraudCase.objects.get(external_ref="A3308020002")
    assert (second.category, second.unit, second.loss, second.recovered, second.occurred_on) == (
        "fake_investment", hangbu_village, Decimal("12000.00"), Decimal("0.00"), None)
    assert second.opened_at == dt.datetime(2026, 11, 16, 14, 30, tzinfo=SHANGHAI)
    # Victims side by side: the second has no phone and no age.
    assert list(second.victims.values_list("name", "phone", "age")) == [
        ("李秀英", "13900000222", 72), ("张伟", "", None)]
    assert second.victim_count == 2
    assert keys(second) == {"phone:05701234567"}
    assert first.events.get().type == EventType.CREATED


def test_amounts_under_a_header_in_ten_thousands(personas):
    header = [("损失金额（万元）" if h == "被骗金额" else h) for h in HEADER]
    run(xlsx([ledger_row("W-1", **{"损失金额（万元）": 1.5}, 挽回金额=None)], header=header), personas.admin)
    assert FraudCase.objects.get(external_ref="W-1").loss == Decimal("15000.00")


def test_csv_from_excel_on_chinese_windows(personas):
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADER)
    row = ledger_row("V-1", 接报日期="２０２６年１１月１５日")
    writer.writerow([row.get(name, "") for name in HEADER])
    result = run(out.getvalue().encode("gb18030"), personas.admin, name="台账.csv")
    assert result.created == 1
    assert FraudCase.objects.get(external_ref="V-1").victims.get().name == "王建华"


# -- rings ----------------------------------------------------------------------------


@pytest.mark.parametrize("bulk", [False, True], ids=["row-by-row", "one-recompute"])
def test_imported_cases_sharing_an_identifier_end_in_one_ring(personas, record, shiliang, bulk, monkeypatch):
    if bulk:
        monkeypatch.setattr(ledger, "BULK_LINK_ROWS", 2)
    earlier = record(("phone", "13700000007"), unit=shiliang)
    data = xlsx([
        ledger_row("R-1", 涉案号码=None, 涉案银行卡号="6222 0202 0011 2233 445"),
        ledger_row("R-2", 涉案号码=None, 涉案银行卡号="6222020200112233445", 被骗金额=40_000),
        ledger_row("R-3", 涉案号码="137-0000-0007"),  # the case recorded on the web
        ledger_row("R-4", 涉案号码="13600000000"),  # alone
    ])
    dry = run(data, personas.admin, dry_run=True)
    assert (dry.ok, dry.created, dry.linked) == (True, 4, 3)
    assert str(dry) == with_rings(MSG_SUMMARY_DRY_RUN, rows=4, created=4, linked=3)
    assert not FraudCase.objects.filter(source="import").exists() and not Ring.objects.exists()

    result = run(data, personas.admin)
    assert str(result) == with_rings(MSG_SUMMARY, rows=4, created=4, linked=3)
    r1, r2, r3, r4 = (FraudCase.objects.get(external_ref=f"R-{n}") for n in range(1, 5))
    earlier.refresh_from_db()
    assert r1.ring == r2.ring and r1.ring.ring_id == r1.ref
    assert (r1.ring.case_count, r1.ring.total_loss) == (2, Decimal("52000.50"))
    assert r3.ring == earlier.ring and r3.ring.ring_id == min(earlier.ref, r3.ref)
    assert r4.ring is None
    assert sorted(Ring.objects.values_list("rank", flat=True)) == [1, 2]


# -- every bad cell, and then nothing ----------------------------------------------


def test_every_bad_cell_is_reported_and_nothing_is_written(personas, hangbu, district):
    police = Unit.objects.get(kind=UnitKind.DEPARTMENT, name="公安分局")
    before = counts()
    result = run(xlsx([
        ledger_row("B-1"),                                                         # 3: fine
        ledger_row("B-2", 涉案号码="138000、13800000009"),                          # 4: a bad phone
        ledger_row("B-3", 案件类型="虚假征信"),                                      # 5: no such type
        ledger_row("B-4", 被骗金额=1000, 挽回金额=1500),                              # 6: recovered > loss
        ledger_row("B-5", 所属乡镇="不存在镇"),                                      # 7: no such unit
        ledger_row("B-6", 接报日期="2026-11-21"),                                    # 8: in the future
        ledger_row("B-7", 案发时间="2026-11-16"),                                    # 9: after the report
        ledger_row("B-8", 受害人姓名="王建华、李秀英", 身份证号=None, 年龄=None,
                   联系电话="13900000111、12"),                                      # 10: 2nd victim's phone
        ledger_row("B-9", 受害人姓名="王建华、李秀英", 联系电话=None, 年龄=None),       # 11: one ID for two
        ledger_row("B-10", 受害人姓名="王**", 联系电话="139****0111"),               # 12: a masked export
        ledger_row("B-1"),                                                         # 13: repeats row 3
        ledger_row("B-12", 涉案银行卡号=6222020200112233445),                        # 14: a number in Excel
        ledger_row("B-13", 所属乡镇=police.code),                                   # 15: not a place
        ledger_row("B-14", 涉案号码="12、13", 挽回金额=99_999),                        # 16: three cells
        ledger_row("B-15"),                                                        # 17: fine
    ]), personas.admin)
    assert (result.ok, result.created, result.linked) == (False, 0, 0)
    assert [(e.row, e.column) for e in result.errors] == [
        (4, "涉案号码"), (5, "案件类型"), (6, "挽回金额"), (7, "所属乡镇"), (8, "接报日期"), (9, "案发时间"),
        (10, "联系电话"), (11, "身份证号"), (12, "受害人姓名"), (12, "联系电话"), (13, "案件编号"),
        (14, "涉案银行卡号"), (15, "所属乡镇"), (16, "涉案号码"), (16, "涉案号码"), (16, "挽回金额")]
    messages = {(e.row, e.column): e.message for e in result.errors}
    assert messages[(4, "涉案号码")] == normalize_error("phone", "138000")
    assert messages[(5, "案件类型")] == str(MSG_BAD_CHOICE).format(
        value="虚假征信", choices="、".join(zh_labels(scam_type_choices()).values()))
    assert messages[(6, "挽回金额")] == str(MSG_RECOVERED_OVER_LOSS)
    assert messages[(7, "所属乡镇")] == str(MSG_UNKNOWN_UNIT).format(value="不存在镇")
    assert messages[(8, "接报日期")] == str(MSG_FUTURE_DATE).format(value="2026-11-21 00:00")
    assert messages[(9, "案发时间")] == str(MSG_OCCURRED_AFTER_REPORT)
    assert messages[(10, "联系电话")] == str(MSG_NTH_VICTIM).format(n=2, message=MSG_VICTIM_PHONE)
    assert messages[(11, "身份证号")] == str(MSG_VICTIM_COUNT).format(count=1, victims=2, column="受害人姓名")
    assert messages[(12, "受害人姓名")] == messages[(12, "联系电话")] == str(MSG_MASKED)
    assert messages[(13, "案件编号")] == str(MSG_DUPLICATE_KEY).format(value="B-1", row=3)
    assert messages[(14, "涉案银行卡号")] == str(MSG_LONG_NUMBER)
    assert messages[(15, "所属乡镇")] == str(MSG_UNIT_NOT_TERRITORIAL)
    # Every bad identifier of a cell, and what the services refuse in the rest of its row.
    assert [e.value for e in result.errors if e.row == 16] == ["12", "13", ""]
    # A victim's details are never repeated in a report that may be mailed around; the
    # fraudsters' identifiers are, to be found and corrected.
    report = "\n".join(map(str, result.errors))
    assert "13900000111" not in report and "王" not in report and ID_NUMBER not in report
    assert "“138000”" in report
    assert str(result) == str(MSG_REJECTED).format(count=13)
    assert counts() == before


def test_a_scam_type_the_district_does_not_offer_is_unknown(personas, settings):
    settings.PINGAN_FRAUD_SCAM_TYPES = ("rebate_task", "fake_loan", ("fake_relief", "冒充慈善救助"))
    result = run(xlsx([ledger_row("S-1", 案件类型="网络婚恋交友类"), ledger_row("S-2", 案件类型="网贷"),
                       ledger_row("S-3", 案件类型="冒充慈善救助类诈骗")]), personas.admin)
    [error] = result.errors
    assert (error.row, error.column, error.message) == (3, "案件类型", str(MSG_BAD_CHOICE).format(
        value="网络婚恋交友类", choices="刷单返利、虚假贷款、冒充慈善救助"))
    assert FraudCase.objects.count() == 0
    assert run(xlsx([ledger_row("S-2", 案件类型="网贷"), ledger_row("S-3", 案件类型="冒充慈善救助类诈骗")]),
               personas.admin).created == 2
    assert sorted(FraudCase.objects.values_list("category", flat=True)) == ["fake_loan", "fake_relief"]


def test_rows_outside_the_users_area_are_refused(personas, hangbu, shiliang):
    before = counts()
    result = run(xlsx([ledger_row("P-1"), ledger_row("P-2", 所属乡镇="石梁镇")]), personas.town_handler)
    [error] = result.errors
    assert (error.row, error.column, error.message) == (
        4, "所属乡镇", str(MSG_CANNOT_RECORD_HERE).format(unit=shiliang.name))
    assert counts() == before
    assert run(xlsx([ledger_row("P-1")]), personas.town_handler).created == 1


def test_a_file_without_its_key_columns_is_refused_whole(personas):
    with pytest.raises(errors.DomainError) as no_loss:
        run(xlsx([ledger_row("K-1")], header=[h for h in HEADER if h != "被骗金额"]), personas.admin)
    assert "损失金额" in no_loss.value.message
    with pytest.raises(errors.DomainError) as no_header:
        run(xlsx([{"甲": 1}], header=["甲", "乙"]), personas.admin)
    assert "诈骗类型" in no_header.value.message


# -- importing again ---------------------------------------------------------------


def test_importing_the_same_file_again_creates_nothing(personas):
    data = xlsx([ledger_row("I-1"), ledger_row("I-2", 涉案号码="13800000001")])
    assert run(data, personas.admin).created == 2
    before = counts()
    again = run(data, personas.admin)
    assert (again.ok, again.rows, again.created, again.unchanged) == (True, 2, 0, 2)
    assert str(again) == str(MSG_SUMMARY).format(rows=2, created=0, updated=0, unchanged=2)
    # A later version of the ledger changes nothing Pingan now holds.
    later = run(xlsx([ledger_row("I-1", 被骗金额=99_000, 涉案号码="13500000005")]), personas.admin)
    assert (later.created, later.unchanged) == (0, 1)
    assert counts() == before


def test_a_reference_taken_outside_ones_area_says_nothing_more(personas, shiliang):
    run(xlsx([ledger_row("T-1")]), personas.admin)
    result = run(xlsx([ledger_row("T-1", 所属乡镇="石梁镇")]), personas.outsider)
    [error] = result.errors
    assert error.message == str(MSG_REF_TAKEN).format(value="T-1")
    assert "航埠" not in error.message


# -- export --------------------------------------------------------------------------


@pytest.fixture
def book(record, shiliang):
    return make_book(record, shiliang)


def make_book(record, shiliang):
    """A ring over two 航埠镇 cases, one of them with two victims; a ring reaching from 航埠镇
    into 石梁镇; a case in no ring."""
    two = record(("bank_account", "6222 0202 0011 2233 445"), ("phone", "13800000001"),
                 ("url", "https://pay.example.com/x"), scam_type="fake_investment", loss=45_000,
                 recovered=5_000, occurred_on=dt.date(2026, 11, 10),
                 victims=[VictimIn(name="王建华", id_number=ID_NUMBER, phone="13900000111", age=68),
                          VictimIn(name="李秀英", age=70)],
                 title=FORMULA, description="第一行\n第二行")
    one = record(("bank_account", "6222020200112233445"), loss=2_000,
                 victims=[VictimIn(name="张伟", phone="13900000222")])
    near = record(("app", "万邦"), loss=600_000)
    far = record(("app", "万邦"), unit=shiliang, loss=8_000)
    alone = record(("ip", "1.2.3.4"), loss=300, scam_type="other")
    for case in (two, one, near, far, alone):
        case.refresh_from_db()
    return {"two": two, "one": one, "near": near, "far": far, "alone": alone}


def test_an_export_masks_victims_for_a_role_without_full_view(personas, book):
    header, rows = read(export_fraud_cases(FraudCaseFilters(), user=personas.town_handler))
    assert list(header) == [c.header for c in COLUMNS]
    by_ref = {row["编号"]: row for row in rows}
    assert set(by_ref) == {book[k].ref for k in ("two", "one", "near", "alone")}  # not 石梁镇's
    two = by_ref[book["two"].ref]
    assert (two["受害人"], two["受害人身份证号"], two["受害人电话"], two["受害人年龄"]) == (
        "王**、李**", ID_NUMBER[:6] + "********" + ID_NUMBER[-4:] + "、", "139****0111、", "68、70")
    assert (two["诈骗类型"], two["损失金额(元)"], two["挽回金额(元)"], two["数额档次"], two["状态"]) == (
        "虚假投资理财", 45_000, 5_000, "数额巨大", "已上报")
    assert (two["属地单位"], two["单位代码"], two["发案日期"]) == ("航埠镇", book["two"].unit.code,
                                                               dt.datetime(2026, 11, 10))
    assert two["银行账号"] == "6222020200112233445"
    assert two["涉案电话"] == "13800000001" and two["网址"] == "pay.example.com"
    assert (two["案件名称"], two["简要案情"]) == (FORMULA, "第一行\n第二行")  # text, not a formula
    one = by_ref[book["one"].ref]
    assert (one["受害人"], one["受害人电话"], one["受害人年龄"], one["受害人身份证号"]) == (
        "张*", "139****0222", None, None)
    # The ring as this user is shown it: the one reaching into 石梁镇 is not theirs to see.
    assert two["串并案号"] == one["串并案号"] == book["two"].ring.ring_id
    assert by_ref[book["near"].ref]["串并案号"] is None and book["near"].ring is not None
    assert by_ref[book["alone"].ref]["串并案号"] is None
    assert by_ref[book["alone"].ref]["数额档次"] is None
    assert not Event.objects.filter(type=EventType.VIEWED_PERSONAL_DATA).exists()


def test_a_role_without_full_view_never_gets_a_full_export(personas, book):
    with pytest.raises(errors.PermissionDenied) as refused:
        export_fraud_cases(FraudCaseFilters(scam_type=["fake_investment"]), user=personas.town_handler,
                           full=True)
    assert refused.value.message == str(MSG_FULL_EXPORT_REFUSED).format(count=1, refs=book["two"].ref)
    assert not Event.objects.filter(type=EventType.VIEWED_PERSONAL_DATA).exists()


def test_a_full_export_is_logged_once_per_case(personas, book):
    _h, rows = read(export_fraud_cases(FraudCaseFilters(unit=book["two"].unit.prefix), user=personas.admin,
                                       full=True))
    by_ref = {row["编号"]: row for row in rows}
    assert set(by_ref) == {book[k].ref for k in ("two", "one", "near", "alone")}
    two = by_ref[book["two"].ref]
    assert (two["受害人"], two["受害人身份证号"], two["受害人电话"]) == (
        "王建华、李秀英", ID_NUMBER + "、", "13900000111、")
    assert two["串并案号"] == book["two"].ring.ring_id
    assert by_ref[book["near"].ref]["串并案号"] == book["near"].ring.ring_id
    viewed = Event.objects.filter(type=EventType.VIEWED_PERSONAL_DATA)
    assert sorted(viewed.values_list("case", "actor")) == sorted((book[k].pk, personas.admin.pk)
                                                                 for k in ("two", "one", "near", "alone"))


def test_an_export_keeps_to_the_users_scope_and_the_lists_filters(personas, book):
    _h, rows = read(export_fraud_cases(FraudCaseFilters(), user=personas.outsider))
    assert [r["编号"] for r in rows] == [book["far"].ref]
    # A queryset handed in is narrowed to what the user sees.
    _h, rows = read(export_fraud_cases(FraudCase.objects.all(), user=personas.outsider))
    assert [r["编号"] for r in rows] == [book["far"].ref]
    _h, rows = read(export_fraud_cases(FraudCaseFilters(identifier="138-0000-0001"), user=personas.admin))
    assert [r["编号"] for r in rows] == [book["two"].ref]
    _h, rows = read(export_fraud_cases(FraudCaseFilters(band=["especially_huge"]), user=personas.admin))
    assert [r["编号"] for r in rows] == [book["near"].ref]


# -- round trip ------------------------------------------------------------------------

COMPARED = ["category", "unit_id", "reported_on", "occurred_on", "loss", "recovered", "title", "description",
            "victim_count", "severity"]


def test_a_full_export_imports_again_as_nothing_new(personas, book):
    data = export_fraud_cases(FraudCaseFilters(), user=personas.admin, full=True)
    before = counts()
    result = run(data, personas.admin)
    assert (result.ok, result.rows, result.created, result.unchanged) == (True, 5, 0, 5)
    assert counts() == before


def test_a_full_export_imports_into_a_fresh_database(personas, record, shiliang):
    with transaction.atomic():
        alone = make_book(record, shiliang)["alone"]
        fraud_case_transition(case=alone, name="investigate", actor=personas.admin,
                              expected_version=alone.version)
        data = export_fraud_cases(FraudCaseFilters(), user=personas.admin, full=True)
        expected = {case.ref: ([getattr(case, name) for name in COMPARED],
                               list(case.victims.values_list("name", "id_number", "phone", "age")),
                               keys(case), case.ring.ring_id if case.ring else None)
                    for case in FraudCase.objects.all()}
        transaction.set_rollback(True)
    assert not FraudCase.objects.exists()
    result = run(data, personas.admin)
    assert (result.ok, result.created, result.linked) == (True, 5, 4)
    for ref, (values, victims, identifiers, ring) in expected.items():
        imported = FraudCase.objects.get(external_ref=ref)
        assert [getattr(imported, name) for name in COMPARED] == values, ref
        assert list(imported.victims.values_list("name", "id_number", "phone", "age")) == victims
        assert keys(imported) == identifiers
        # The same rings, named after the same smallest case number among the old references.
        assert (FraudCase.objects.get(external_ref=ring).ring if ring else None) == imported.ring
        assert imported.status == "reported"  # steps are taken in Pingan, not imported
    assert run(data, personas.admin).unchanged == 5


def test_a_masked_export_does_not_import_as_people(personas, book):
    with transaction.atomic():
        data = export_fraud_cases(FraudCaseFilters(), user=personas.admin)
        transaction.set_rollback(True)
    before = counts()
    result = run(data, personas.admin)
    assert {(e.column, e.message) for e in result.errors} == {
        (column, str(MSG_MASKED)) for column in ("受害人", "受害人身份证号", "受害人电话")}
    assert counts() == before


# -- the commands --------------------------------------------------------------------------


def test_the_import_command_reports_bad_rows_and_takes_good_files(personas, tmp_path):
    path = tmp_path / "案件台账.xlsx"
    path.write_bytes(xlsx([ledger_row("M-1"), ledger_row("M-2", 案件类型="天降横财")]))
    report = tmp_path / "errors.csv"
    stderr = io.StringIO()
    before = counts()
    with pytest.raises(CommandError, match=re.escape(str(MSG_REJECTED).format(count=1))):
        call_command("fraud", "import", str(path), user="admin", errors=str(report), no_progress=True,
                     stderr=stderr)
    assert "天降横财" in stderr.getvalue()
    rows = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert [r[:3] for r in rows[1:]] == [["4", "案件类型", "天降横财"]]
    path.write_bytes(xlsx([ledger_row("M-1")]))
    out = io.StringIO()
    call_command("fraud", "import", str(path), user="admin", dry_run=True, no_progress=True, stdout=out)
    assert counts() == before
    assert with_rings(MSG_SUMMARY_DRY_RUN, rows=1, created=1, linked=0) in out.getvalue()
    call_command("fraud", "import", str(path), user="admin", no_progress=True, stdout=out)
    assert FraudCase.objects.filter(external_ref="M-1").exists()
    with pytest.raises(CommandError):
        call_command("fraud", "import", str(path), user="nobody", no_progress=True)


def test_the_export_command_filters_and_masks(personas, book, tmp_path):
    path = tmp_path / "out.xlsx"
    out = io.StringIO()
    call_command("fraud", "export", str(path), user="hangbu", scam_type=["fake_investment"], no_progress=True,
                 stdout=out)
    _h, rows = read(path.read_bytes())
    assert [(r["编号"], r["受害人"]) for r in rows] == [(book["two"].ref, "王**、李**")]
    assert "1" in out.getvalue() and not (tmp_path / "out.xlsx.part").exists()
    refused = str(MSG_FULL_EXPORT_REFUSED).format(
        count=4, refs="、".join(book[k].ref for k in ("alone", "near", "one")))
    with pytest.raises(CommandError, match=re.escape(refused)):
        call_command("fraud", "export", str(path), user="hangbu", full=True, no_progress=True)
    call_command("fraud", "export", str(path), user="admin", full=True, linked_only=True, band=["huge"],
                 no_progress=True, stdout=out)
    _h, rows = read(path.read_bytes())
    assert [(r["编号"], r["受害人电话"]) for r in rows] == [(book["two"].ref, "13900000111、")]
    with pytest.raises(CommandError):
        call_command("fraud", "export", str(path), user="admin", scam_type=["bogus"], no_progress=True)



def test_the_case_list_exports_what_it_shows(client, personas):
    assert run(xlsx([ledger_row("A3308020009")]), personas.admin).ok
    case = FraudCase.objects.get(external_ref="A3308020009")
    client.force_login(personas.admin)
    assert reverse("fraud:export") in client.get(reverse("fraud:cases")).content.decode()
    response = client.get(reverse("fraud:export"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    _header, rows = read(response.content)
    cells = {str(value) for row in rows for value in row.values()}
    assert case.ref in cells and "王建华" not in cells
    assert client.get(reverse("fraud:export"), {"status": "bogus"}).status_code == 400
