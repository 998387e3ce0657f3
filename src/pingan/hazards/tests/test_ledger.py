"""The hazard ledger as a spreadsheet: what the import accepts, what it refuses (every bad
row, and then nothing), re-imports that update, and an export that keeps to the user's scope."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from pingan.core import errors
from pingan.core.events import GENESIS, ChainBreak, verify_chains
from pingan.core.ledger import MSG_AMBIGUOUS_UNIT, parse_moment
from pingan.core.models import Case, Event, EventType, ReferenceCounter, Severity, Unit, UnitKind
from pingan.core.references import next_reference, reserve_references
from pingan.hazards import ledger
from pingan.hazards.ledger import (
    COLUMNS,
    export_xlsx,
    import_hazards,
    zh_labels,
)
from pingan.hazards.models import Category, Hazard, Status
from pingan.hazards.selectors import HazardFilters, hazard_list
from pingan.hazards.services import MSG_CANNOT_REPORT_HERE, MSG_NOT_EDITABLE, hazard_report, hazard_transition
from pingan.hazards.workflow import HAZARD_WORKFLOW

LEGACY_HEADER = ["序号", "隐患名称", "隐患类别", "隐患等级", "所属单位", "发现日期", "位置", "隐患描述",
                 "备注"]


def local(*args):
    return timezone.make_aware(dt.datetime(*args), timezone.get_default_timezone())


def xlsx(rows, *, title="柯城区安全隐患排查整治台账"):
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows, encoding):
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def run(data, actor, *, name="台账.xlsx", **kwargs):
    return import_hazards(io.BytesIO(data), filename=name, actor=actor, **kwargs)


def refused(data, actor, *, name="台账.xlsx"):
    result = run(data, actor, name=name)
    assert not result.ok and (result.created, result.updated) == (0, 0)
    return result.errors


def counts():
    return (Case.objects.count(), Event.objects.count(),
            list(ReferenceCounter.objects.values_list("prefix", "year", "last")))


def legacy_row(key, grid, *, title="楼道内电动车充电", category="电动车", grade="一般",
               reported="2026年4月25日", location="缪村村12号", description="网格员巡查发现"):
    return [key, title, category, grade, grid.name, reported, location, description, "无"]


@pytest.fixture
def read_export():
    def read(hazards):
        out = io.BytesIO()
        count = export_xlsx(hazards, out)
        rows = list(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(values_only=True))
        assert len(rows) == count + 1
        return out.getvalue(), rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    return read


# -- headers, dates, spaces ---------------------------------------------------


def test_a_legacy_ledger_with_a_title_row_and_synonym_headers(personas, worker_grid):
    admin = personas.admin
    summary = run(xlsx([LEGACY_HEADER,
                        legacy_row(1, worker_grid),
                        legacy_row(2, worker_grid, title="消防通道堆放杂物", category="消防隐患",
                                   grade="重大隐患", reported="2026/4/20", location="", description="")]),
                  admin)
    assert (summary.created, summary.updated, summary.unchanged) == (2, 0, 0)
    first, second = Hazard.objects.filter(external_ref__in=["1", "2"]).order_by("external_ref")
    assert (first.title, first.category, first.severity, first.unit, first.location, first.description) == (
        "楼道内电动车充电", "ebike_charging", "ordinary", worker_grid, "缪村村12号", "网格员巡查发现")
    assert (second.category, second.severity) == ("fire", "major")
    assert first.opened_at == local(2026, 4, 25)
    assert (first.source, first.status, first.reporter, first.version) == ("import", "reported", admin, 1)
    assert first.department.name == "消防救援大队"
    event = first.events.get()
    assert (event.type, event.actor, event.at) == (EventType.IMPORTED, admin, first.opened_at)


@pytest.mark.parametrize("header", [
    ["外部编号", "标题", "类别", "等级", "属地单位", "上报时间", "地点", "描述"],
    ["台账编号", "隐患标题", "隐患类型", "隐患级别", "单位名称", "排查日期", "隐患地点", "情况描述"],
    ["external_ref", "Title", "Category", "Grade", "Unit", "Reported", "Location", "Description"],
    ["* 隐患编号", "隐患名称（必填）", "隐患类别", "分级", "所属网格", "发现时间", "详细地址", "隐患内容"],
])
def test_header_synonyms(personas, worker_grid, header):
    run(xlsx([header, ["K-1", "燃气软管老化", "燃气", "一般", worker_grid.name, "2026-04-25",
                       "翁家村", "软管开裂"]], title=None), personas.admin)
    hazard = Hazard.objects.get(external_ref="K-1")
    assert (hazard.title, hazard.category, hazard.unit, hazard.location, hazard.description) == (
        "燃气软管老化", "gas", worker_grid, "翁家村", "软管开裂")


def test_the_preferred_synonym_wins_when_a_file_has_two(personas, worker_grid):
    # 序号 is the weakest name for a reference: 外部编号 beside it is the one to use.
    run(xlsx([["序号", "外部编号", "标题", "类别", "属地单位"],
              [1, "HB-2026-017", "广告牌松动", "其他", worker_grid.name]]), personas.admin)
    assert Hazard.objects.filter(external_ref="HB-2026-017").exists()


@pytest.mark.parametrize(("cell", "expected"), [
    ("2026年4月25日", local(2026, 4, 25)),
    ("2026/4/25", local(2026, 4, 25)),
    ("2026-04-25", local(2026, 4, 25)),
    ("2026.4.25", local(2026, 4, 25)),
    ("20260425", local(2026, 4, 25)),
    ("２０２６年４月２５日", local(2026, 4, 25)),
    ("２０２６－０４－２５　１４：３０", local(2026, 4, 25, 14, 30)),
    (" 2026 年 4 月 25 日 ", local(2026, 4, 25)),
    ("2026-04-25 14:30", local(2026, 4, 25, 14, 30)),
    ("2026/4/5 8:05:09", local(2026, 4, 5, 8, 5, 9)),
    ("2026年4月25日14时30分", local(2026, 4, 25, 14, 30)),
    ("2026年4月25日 9点", local(2026, 4, 25, 9)),
    ("2026-04-25T14:30:00+00:00", local(2026, 4, 25, 22, 30)),
    (dt.datetime(2026, 4, 25, 14, 30), local(2026, 4, 25, 14, 30)),  # an Excel datetime cell
    (dt.date(2026, 4, 25), local(2026, 4, 25)),  # an Excel date cell
    (46137, local(2026, 4, 25)),  # a date cell that lost its format: Excel's serial number
])
def test_date_formats(personas, worker_grid, cell, expected):
    assert parse_moment(cell) == expected
    run(xlsx([LEGACY_HEADER, legacy_row("D-1", worker_grid, reported=cell)]), personas.admin)
    hazard = Hazard.objects.get(external_ref="D-1")
    assert hazard.opened_at == expected
    # The deadline counts from the reported day (7 calendar days for e-bikes).
    assert timezone.localtime(hazard.due_at).date() >= expected.date() + dt.timedelta(days=7)


def test_excel_date_cells_with_a_date_format(personas, worker_grid):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(LEGACY_HEADER)
    sheet.append(legacy_row("D-2", worker_grid, reported=None))
    sheet["F2"].value = dt.datetime(2026, 3, 8)
    sheet["F2"].number_format = "yyyy年m月d日"
    out = io.BytesIO()
    workbook.save(out)
    run(out.getvalue(), personas.admin)
    assert Hazard.objects.get(external_ref="D-2").opened_at == local(2026, 3, 8)


@pytest.mark.parametrize("cell", ["2026/13/45", "明天", "25/4/2026", "2026年2月30日", 12, "9999-01-01"])
def test_what_is_not_a_date_is_a_row_error(personas, worker_grid, cell):
    [error] = refused(xlsx([LEGACY_HEADER, legacy_row("D-3", worker_grid, reported=cell)]), personas.admin)
    assert (error.row, error.column) == (3, "发现日期")


def test_stray_and_full_width_spaces_everywhere(personas, worker_grid):
    header = ["　序号 ", " 隐患 名称", "隐患\u3000类别", "隐患等级 ", " 所属单位", "单位 代码", "发现日期"]
    code = " ".join([worker_grid.code[:6], worker_grid.code[6:]])
    run(xlsx([header, ["　Ｋ－７ ", "　楼道　堆放  杂物 ", " 消 防 ", "\u3000一般\u3000",
                       f"\u3000{worker_grid.name} ", f"\u3000{code}\u3000",
                       "\u30002026 年 4 月 25 日\u3000"]]),
        personas.admin)
    hazard = Hazard.objects.get(external_ref="K-7")
    assert (hazard.title, hazard.category, hazard.severity, hazard.unit, hazard.opened_at) == (
        "楼道 堆放 杂物", "fire", "ordinary", worker_grid, local(2026, 4, 25))


def test_free_text_keeps_its_chinese_punctuation(personas, worker_grid):
    run(xlsx([LEGACY_HEADER, legacy_row("P-1", worker_grid, title="（二楼）楼道堆物，影响疏散！",
                                        description="第一行；\r\n第二行。")]), personas.admin)
    hazard = Hazard.objects.get(external_ref="P-1")
    assert (hazard.title, hazard.description) == ("（二楼）楼道堆物，影响疏散！", "第一行；\n第二行。")


def test_labels_accept_keys_english_and_chinese(personas, worker_grid):
    rows = [LEGACY_HEADER]
    for n, label in enumerate(["road", "Road traffic", "道路交通", "交通类", "道路隐患",
                               zh_labels(Category.choices)["road"]]):
        rows.append(legacy_row(f"L-{n}", worker_grid, category=label))
    run(xlsx(rows), personas.admin)
    assert set(Hazard.objects.filter(external_ref__startswith="L-").values_list("category", flat=True)) == {
        "road"}


# -- every bad row, and then nothing ------------------------------------------


def test_every_bad_row_is_reported_and_nothing_is_written(personas, worker_grid, hangbu_village):
    before = counts()
    data = xlsx([LEGACY_HEADER,
                 legacy_row("E-1", worker_grid),                      # row 3: fine
                 legacy_row("E-2", worker_grid, title="  "),          # row 4: no title
                 legacy_row("E-3", worker_grid),                      # row 5: fine
                 legacy_row("E-4", worker_grid, category="天灾"),      # row 6: unknown category
                 legacy_row("E-5", worker_grid, reported="2026/4/31"),  # row 7: no such day
                 ["E-6", "井盖缺失", "其他", "一般", "不存在村", "2026-04-01"],  # row 8: no such unit
                 legacy_row("E-1", worker_grid),                      # row 9: repeats row 3
                 legacy_row("E-8", worker_grid, grade="特大", reported="2099-01-01"),  # row 10: two errors
                 ])
    report = refused(data, personas.admin)
    assert [(e.row, e.column) for e in report] == [
        (4, "隐患名称"), (6, "隐患类别"), (7, "发现日期"), (8, "所属单位"), (9, "序号"),
        (10, "隐患等级"), (10, "发现日期")]
    assert "“天灾”" in report[1].message and "3" in report[4].message
    assert counts() == before


def test_the_import_command_exits_non_zero_with_the_report(personas, worker_grid, tmp_path):
    before = counts()
    path = tmp_path / "台账.xlsx"
    path.write_bytes(xlsx([LEGACY_HEADER, legacy_row("C-1", worker_grid),
                           legacy_row("C-2", worker_grid, category="天灾")]))
    report = tmp_path / "errors.csv"
    stderr = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", str(path), user="admin", errors=str(report), no_progress=True,
                     stderr=stderr)
    assert "天灾" in stderr.getvalue()
    rows = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert [r[:3] for r in rows[1:]] == [["4", "隐患类别", "天灾"]]
    assert counts() == before


def test_the_import_command_and_dry_run(personas, worker_grid, tmp_path):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(xlsx([LEGACY_HEADER, legacy_row("C-3", worker_grid)]))
    before = counts()
    out = io.StringIO()
    call_command("import", str(path), user="admin", dry_run=True, no_progress=True, stdout=out)
    assert counts() == before and "1" in out.getvalue()
    call_command("import", str(path), user="admin", no_progress=True, stdout=out)
    assert Hazard.objects.filter(external_ref="C-3").exists()
    with pytest.raises(CommandError):
        call_command("import", str(path), user="nobody", no_progress=True)


def test_rows_the_user_may_not_report_are_row_errors(personas, worker_grid, grid_in):
    shiliang_grid = grid_in("石梁镇")
    data = xlsx([LEGACY_HEADER, legacy_row("O-1", shiliang_grid), legacy_row("O-2", worker_grid)])
    before = counts()
    [error] = refused(data, personas.outsider)
    assert (error.row, error.column) == (4, "所属单位")
    assert error.message == str(MSG_CANNOT_REPORT_HERE).format(unit=worker_grid.name)
    assert counts() == before


def test_units_by_code_prefix_or_unique_name(personas, hangbu, shiliang, hangbu_village):
    header = ["外部编号", "标题", "类别", "属地单位", "单位代码"]
    twin_a = Unit.objects.create(code=hangbu.prefix + "901", prefix=hangbu.prefix + "901", name="同名村",
                                 kind=UnitKind.VILLAGE, parent=hangbu)
    Unit.objects.create(code=shiliang.prefix + "901", prefix=shiliang.prefix + "901", name="同名村",
                        kind=UnitKind.VILLAGE, parent=shiliang)
    report = refused(xlsx([header,
                           ["U-1", "路灯损坏", "道路", "同名村", ""],             # ambiguous name
                           ["U-2", "路灯损坏", "道路", "缪村村", hangbu.code],    # code says 航埠镇
                           ["U-3", "路灯损坏", "道路", "", "330802999999"],     # no such code
                           ["U-4", "路灯损坏", "道路", "消防救援大队", ""],       # a department
                           ["U-5", "路灯损坏", "道路", "", ""],                  # no unit
                           ]), personas.admin)
    assert [(e.row, e.column) for e in report] == [
        (3, "属地单位"), (4, "单位代码"), (5, "单位代码"), (6, "属地单位"), (7, "属地单位")]
    assert report[0].message == str(MSG_AMBIGUOUS_UNIT).format(
        value="同名村", candidates=f"同名村 (航埠镇, {twin_a.code})、同名村 (石梁镇, {shiliang.prefix}901)")
    run(xlsx([header, ["U-1", "路灯损坏", "道路", "同名村", twin_a.code],
              ["U-6", "路灯损坏", "道路", "", hangbu_village.prefix],
              ["U-7", "路灯损坏", "道路", hangbu_village.name, ""]]), personas.admin)
    assert list(Hazard.objects.filter(external_ref__startswith="U-").order_by("external_ref")
                .values_list("unit", flat=True)) == [twin_a.pk, hangbu_village.pk, hangbu_village.pk]


def test_closed_rows_are_refused_open_ones_come_in_as_reported(personas, worker_grid):
    header = [*LEGACY_HEADER, "整改状态"]
    report = refused(xlsx([header, [*legacy_row("S-1", worker_grid), "已销号"],
                           [*legacy_row("S-2", worker_grid), "整改中"],
                           [*legacy_row("S-3", worker_grid), "已整改"]]), personas.admin)
    assert [(e.row, e.column) for e in report] == [(3, "整改状态"), (5, "整改状态")]
    run(xlsx([header, [*legacy_row("S-2", worker_grid), "整改中"],
              [*legacy_row("S-4", worker_grid), "未整改"]]), personas.admin)
    assert set(Hazard.objects.filter(external_ref__in=["S-2", "S-4"]).values_list("status", flat=True)) == {
        Status.REPORTED}


def test_a_file_without_its_key_columns_is_refused_whole(personas, worker_grid):
    with pytest.raises(errors.DomainError) as no_header:
        run(xlsx([["甲", "乙"], [1, 2]]), personas.admin)
    assert "标题" in no_header.value.message
    with pytest.raises(errors.DomainError) as no_ref:
        run(xlsx([["标题", "类别", "属地单位"], ["路灯损坏", "道路", worker_grid.name]]), personas.admin)
    assert "外部编号" in no_ref.value.message
    with pytest.raises(errors.DomainError):
        run(b"old binary excel", personas.admin, name="台账.xls")


# -- re-import ---------------------------------------------------------------


def test_importing_the_same_file_again_adds_and_changes_nothing(personas, worker_grid):
    data = xlsx([LEGACY_HEADER, legacy_row("U-1", worker_grid),
                 legacy_row("U-2", worker_grid, category="燃气", grade="重大")])
    assert run(data, personas.admin).created == 2
    before = counts()
    again = run(data, personas.admin)
    assert (again.ok, again.rows, again.created, again.updated, again.unchanged) == (True, 2, 0, 0, 2)
    assert counts() == before
    assert set(Hazard.objects.filter(external_ref__startswith="U-").values_list("version", flat=True)) == {1}


def test_reimport_updates_instead_of_duplicating(personas, worker_grid):
    admin = personas.admin
    run(xlsx([LEGACY_HEADER, legacy_row("R-1", worker_grid), legacy_row("R-2", worker_grid)]), admin)
    hazard = Hazard.objects.get(external_ref="R-1")
    due_before = hazard.due_at
    events_before = Event.objects.count()
    summary = run(xlsx([LEGACY_HEADER,
                        legacy_row("R-1", worker_grid, title="楼道内电动车充电（已劝离）", grade="重大",
                                   location="缪村村14号"),
                        legacy_row("R-2", worker_grid)]), admin, name="第二版.xlsx")
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 1)
    assert Hazard.objects.filter(external_ref__in=["R-1", "R-2"]).count() == 2
    hazard.refresh_from_db()
    assert (hazard.title, hazard.severity, hazard.location, hazard.version) == (
        "楼道内电动车充电（已劝离）", "major", "缪村村14号", 2)
    assert hazard.due_at > due_before  # a major hazard gets the longer deadline
    assert Event.objects.count() == events_before + 1
    update = hazard.events.order_by("seq").last()
    assert update.type == EventType.UPDATED and update.actor == admin
    assert update.before["title"] == "楼道内电动车充电" and update.after["severity"] == "major"
    assert "第二版.xlsx" in update.note and "3" in update.note
    assert not [item for item in verify_chains() if isinstance(item, ChainBreak)]


def test_reimport_refuses_what_it_cannot_change(personas, worker_grid, hangbu_village):
    admin, town = personas.admin, personas.town_handler
    run(xlsx([LEGACY_HEADER, legacy_row("X-1", worker_grid), legacy_row("X-2", worker_grid)]), admin)
    rejected = Hazard.objects.get(external_ref="X-2")
    hazard_transition(hazard=rejected, name="reject", actor=town, expected_version=rejected.version,
                      note="不是隐患", reason="not_a_hazard")
    before = counts()
    moved = legacy_row("X-1", worker_grid)
    moved[4] = hangbu_village.name
    report = refused(xlsx([LEGACY_HEADER, moved, legacy_row("X-2", worker_grid, title="改个标题")]), admin)
    assert [(e.row, e.column) for e in report] == [(3, "所属单位"), (4, "隐患名称")]
    assert report[1].message == _not_editable(rejected)
    assert counts() == before
    # The unchanged closed row is no error: there is nothing to write.
    assert run(xlsx([LEGACY_HEADER, legacy_row("X-2", worker_grid)]), admin).unchanged == 1


def test_reimport_leaves_a_hazard_under_rectification_as_it_is(personas, worker_grid):
    admin, town = personas.admin, personas.town_handler
    run(xlsx([LEGACY_HEADER, legacy_row("W-1", worker_grid)]), admin)
    hazard = Hazard.objects.get(external_ref="W-1")
    hazard_transition(hazard=hazard, name="assign", actor=town, expected_version=hazard.version,
                      assignee=personas.grid_worker)
    hazard_transition(hazard=hazard, name="start", actor=personas.grid_worker,
                      expected_version=hazard.version)
    [error] = refused(xlsx([LEGACY_HEADER, legacy_row("W-1", worker_grid, title="整改中改标题")]), admin)
    assert error.message == _not_editable(hazard)
    hazard.refresh_from_db()
    assert hazard.title == "楼道内电动车充电"


def _not_editable(hazard: Hazard) -> str:
    """The importer refuses what ``hazard_update`` would, in the same words."""
    return str(MSG_NOT_EDITABLE).format(status=HAZARD_WORKFLOW.label(hazard.status))


def test_a_reference_taken_outside_ones_area_says_nothing_more(personas, worker_grid, grid_in):
    run(xlsx([LEGACY_HEADER, legacy_row("T-1", worker_grid)]), personas.admin)
    [error] = refused(xlsx([LEGACY_HEADER, legacy_row("T-1", grid_in("石梁镇"))]), personas.outsider)
    assert error.message == str(ledger.MSG_REF_TAKEN).format(value="T-1")
    assert worker_grid.name not in error.message


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030", "utf-16"])
def test_csv_in_the_encodings_excel_writes(personas, worker_grid, encoding):
    rows = [LEGACY_HEADER, legacy_row("V-1", worker_grid, reported="２０２６年４月２５日"),
            legacy_row("V-2", worker_grid, title="燃气瓶存放不当", category="燃气")]
    data = csv_bytes(rows, encoding)
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
    summary = run(data, personas.admin, name="台账.csv")
    assert summary.created == 2
    assert list(Hazard.objects.filter(external_ref__startswith="V-").order_by("external_ref")
                .values_list("title", "category", "unit")) == [
        ("楼道内电动车充电", "ebike_charging", worker_grid.pk), ("燃气瓶存放不当", "gas", worker_grid.pk)]
    assert run(data, personas.admin, name="台账.csv").unchanged == 2


def test_csv_row_numbers_count_records(personas, worker_grid):
    data = csv_bytes([LEGACY_HEADER, legacy_row("W-1", worker_grid), [],
                      legacy_row("W-2", worker_grid, category="?")], "utf-8-sig")
    [error] = refused(data, personas.admin, name="台账.csv")
    assert error.row == 4


# -- the bulk path is the service path ------------------------------------------


def test_the_bulk_path_writes_what_the_service_writes(personas, worker_grid, hangbu_village):
    admin = personas.admin
    rows = [("楼道内电动车充电", "ebike_charging", "ordinary", worker_grid, local(2026, 4, 25, 9),
             "缪村村12号", "充电"),
            ("山塘溢洪道堵塞", "flood", "major", hangbu_village, local(2025, 12, 30, 16, 45), "", ""),
            ("路口缺少减速带", "road", "ordinary", worker_grid, local(2026, 1, 2), "村口", "车速快")]
    service = [hazard_report(actor=admin, unit=unit, title=title, category=category, severity=severity,
                             location=location, description=description, source="import",
                             external_ref=f"S-{n}", opened_at=opened, event_type=EventType.IMPORTED)
               for n, (title, category, severity, unit, opened, location, description) in enumerate(rows)]
    grades = {"ordinary": "一般", "major": "重大"}
    run(xlsx([["外部编号", "标题", "类别", "等级", "单位代码", "上报时间", "地点", "描述"]]
             + [[f"B-{n}", title, category, grades[severity], unit.code,
                 timezone.localtime(opened).replace(tzinfo=None), location, description]
                for n, (title, category, severity, unit, opened, location, description) in enumerate(rows)]),
        admin)
    bulk = [Hazard.objects.get(external_ref=f"B-{n}") for n in range(len(rows))]
    ignored = {"id", "case_ptr", "ref", "external_ref", "head_hash", "updated_at"}
    names = [f.attname for f in Hazard._meta.concrete_fields if f.name not in ignored]
    for made, imported in zip(service, bulk, strict=True):
        made = Hazard.objects.get(pk=made.pk)
        assert {n: getattr(imported, n) for n in names} == {n: getattr(made, n) for n in names}
        event_fields = ["seq", "at", "actor_id", "type", "transition", "from_status", "to_status",
                        "before", "after", "note", "prev_hash"]
        assert list(imported.events.values(*event_fields)) == list(made.events.values(*event_fields))
        assert imported.head_hash == imported.events.get().hash and imported.events.get().prev_hash == GENESIS
    # Numbers are handed out per year in file order, after the service's.
    assert [h.ref for h in bulk] == ["YH-2026-000003", "YH-2025-000002", "YH-2026-000004"]
    assert next_reference("YH", 2026) == "YH-2026-000005"
    assert not [item for item in verify_chains() if isinstance(item, ChainBreak)]


def test_reserve_references_takes_a_block(db):
    assert reserve_references("ZZ", 2026, 3) == ["ZZ-2026-000001", "ZZ-2026-000002", "ZZ-2026-000003"]
    assert reserve_references("ZZ", 2026, 0) == []
    assert next_reference("ZZ", 2026) == "ZZ-2026-000004"


# -- export ------------------------------------------------------------------


def test_export_headers_labels_and_values(personas, make_hazard, read_export):
    hazard = make_hazard(title="=HYPERLINK(\"http://x\")楼道堆物", category="fire", severity=Severity.MAJOR,
                         location="缪村村12号", description="第一行\n第二行")
    data, header, [row] = read_export(hazard_list(user=personas.admin, filters=HazardFilters()))
    assert list(header) == [c.header for c in COLUMNS]
    assert header[:8] == ("编号", "外部编号", "标题", "类别", "等级", "状态", "属地单位", "单位代码")
    assert (row["编号"], row["外部编号"], row["属地单位"], row["单位代码"], row["责任部门"]) == (
        hazard.ref, None, hazard.unit.name, hazard.unit.code, "消防救援大队")
    assert row["类别"] == zh_labels(Category.choices)["fire"]
    assert row["状态"] == zh_labels(Status.choices)["reported"]
    assert abs(row["上报时间"] - timezone.localtime(hazard.opened_at).replace(tzinfo=None)) < dt.timedelta(
        milliseconds=1)
    assert row["整改期限"] == dt.datetime.combine(timezone.localtime(hazard.due_at).date(), dt.time.min)
    assert row["办结时间"] is None and row["描述"] == "第一行\n第二行"
    # A title that looks like a formula stays text.
    title_cell = load_workbook(io.BytesIO(data)).active["C2"]
    assert (title_cell.value, title_cell.data_type) == ("=HYPERLINK(\"http://x\")楼道堆物", "s")


def test_export_keeps_to_the_users_scope(personas, make_hazard, grid_in, read_export):
    make_hazard()
    make_hazard(actor=personas.outsider, unit=grid_in("石梁镇"), title="石梁镇道路塌陷", category="road",
                photos=[])
    hangbu = Unit.objects.get(name="航埠镇")
    _d, _h, outsider_rows = read_export(hazard_list(user=personas.outsider, filters=HazardFilters()))
    assert outsider_rows and not [r for r in outsider_rows if r["单位代码"].startswith(hangbu.prefix)]
    _d, _h, town_rows = read_export(hazard_list(user=personas.town_handler, filters=HazardFilters()))
    assert town_rows and all(r["单位代码"].startswith(hangbu.prefix) for r in town_rows)


def test_export_command_filters_through_hazard_filters(personas, make_hazard, tmp_path):
    make_hazard()
    make_hazard(title="燃气管老化", category="gas")
    path = tmp_path / "out.xlsx"
    call_command("export", str(path), user="hangbu", category=["gas"], no_progress=True, stdout=io.StringIO())
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert [r[2] for r in rows[1:]] == ["燃气管老化"]
    call_command("export", str(path), user="shiliang", no_progress=True, stdout=io.StringIO())
    assert len(list(load_workbook(path).active.iter_rows())) == 1
    with pytest.raises(CommandError):
        call_command("export", str(path), user="hangbu", status=["bogus"], no_progress=True)


def test_export_then_import_into_the_same_database_changes_nothing(personas, make_hazard, read_export):
    make_hazard()
    make_hazard(title="燃气管老化", category="gas", severity=Severity.MAJOR, location="航埠村")
    run(xlsx([LEGACY_HEADER, legacy_row("Y-1", personas.grid_worker.roles.get().unit)]), personas.admin)
    data, _h, rows = read_export(hazard_list(user=personas.admin, filters=HazardFilters()))
    before = counts()
    summary = run(data, personas.admin)
    assert (summary.rows, summary.created, summary.updated, summary.unchanged) == (len(rows), 0, 0, len(rows))
    assert counts() == before


def test_export_then_import_into_a_fresh_database(personas, make_hazard, read_export):
    with transaction.atomic():
        made = [make_hazard(), make_hazard(title="燃气管老化", category="gas", severity=Severity.MAJOR,
                                           location="航埠村", description="软管开裂")]
        data, _h, _rows = read_export(hazard_list(user=personas.admin, filters=HazardFilters()))
        expected = sorted((h.title, h.category, h.severity, h.unit_id, h.location, h.description)
                          for h in made)
        transaction.set_rollback(True)
    assert not Hazard.objects.exists()
    assert run(data, personas.admin).created == 2
    assert sorted(Hazard.objects.values_list("title", "category", "severity", "unit", "location",
                                             "description")) == expected
    # Read back again, the same file finds its hazards by the references it carried.
    assert run(data, personas.admin).unchanged == 2


def test_a_ledger_uploaded_on_the_web_is_imported_by_the_worker(client, personas, worker_grid):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from pingan.core.models import LedgerUpload, UploadState
    from pingan.core.tasks import import_ledger_upload

    def uploaded(rows) -> LedgerUpload:
        client.post(upload_url, {"file": SimpleUploadedFile("台账.xlsx", xlsx([LEGACY_HEADER, *rows]))})
        upload = LedgerUpload.objects.latest("id")
        import_ledger_upload.call(upload.pk)
        upload.refresh_from_db()
        return upload

    client.force_login(personas.admin)
    upload_url = reverse("ledger-upload-new", args=["hazards"])
    assert upload_url in client.get(reverse("hazards:list")).content.decode()
    before = counts()
    rejected = uploaded([legacy_row("W-1", worker_grid), legacy_row("W-2", worker_grid, category="天灾")])
    assert rejected.state == UploadState.REJECTED and [e["row"] for e in rejected.row_errors] == [4]
    assert counts() == before
    done = uploaded([legacy_row("W-1", worker_grid)])
    assert (done.state, done.created) == (UploadState.DONE, 1)
    assert Hazard.objects.get(external_ref="W-1").reporter == personas.admin
