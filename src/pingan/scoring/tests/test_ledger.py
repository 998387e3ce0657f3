"""The league workbook: indicators and values imported all or nothing, as offices write them."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from pingan.core.errors import DomainError, PermissionDenied
from pingan.scoring.ledger import MSG_NO_VALUES_SHEET, MSG_NOT_XLSX, MSG_TOO_MANY_ROWS, import_league
from pingan.scoring.models import Indicator, Member, Source, Standing, Value
from pingan.scoring.services import MSG_VALUE_COMPUTED

INDICATOR_HEADER = ["指标", "方向", "权重", "计分方法", "目标值", "基准分", "每单位扣分", "最小样本", "代码",
                    "计量单位"]
VALUE_HEADER = ["期间", "单位", "指标", "数值", "样本数"]
INDICATORS = [
    ["刑事案件", "越低越好", 2, "极差法", None, None, None, None, "criminal", "起"],
    ["隐患整改率", "越高越好", 3, "目标比", 95, None, None, 10, "rectified", "%"],
    ["火灾起数", "越低越好", 1, "扣分法", None, 100, 5, None, None, "起"],
]


def workbook(indicators=INDICATORS, values=(), *, title=None, indicator_header=INDICATOR_HEADER,
             value_header=VALUE_HEADER, extra=None) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.title = "指标"
    for row in [*([[title]] if title else []), indicator_header, *indicators]:
        sheet.append(row)
    if title:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(indicator_header))
    values_sheet = book.create_sheet("数值")
    for row in [*([[title]] if title else []), value_header, *values]:
        values_sheet.append(row)
    if extra:
        extra(book)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "考核.xlsx"
    return out


GOOD_VALUES = [
    ["2026Q1", "航埠镇", "刑事案件", "1,234", None],
    ["2026Q1", "石梁", "刑事案件", 980, None],  # a short name
    ["2026年第一季度", "航埠镇", "隐患整改率", "92.5%", 40],
    ["2026-03", "航埠镇", "火灾起数", 2, None],
    ["2026年3月", "石梁镇", "火灾起数", 0, None],
    [None, None, None, None, None],
    ["合计", None, None, 2214, None],
]


@pytest.fixture
def admin(personas):
    return personas.admin


def test_good_workbook_creates_indicators_values_and_ranks(admin):
    result = import_league(workbook(values=GOOD_VALUES, title="2026年第一季度考核数据"), actor=admin)
    assert result.ok, [str(e) for e in result.errors]
    assert (result.indicators_created, result.created - result.indicators_created) == (3, 5)
    assert result.periods == ["2026Q1", "2026-03"]
    rectified = Indicator.objects.get(code="rectified")
    assert (rectified.method, rectified.direction, rectified.target, rectified.min_sample, rectified.is_rate,
            rectified.source) == ("target_ratio", "higher", Decimal(95), 10, True, Source.ENTERED)
    fires = Indicator.objects.get(name="火灾起数")
    assert fires.code.startswith("i-") and fires.per_unit == Decimal(5)
    stored = {(v.member.name, v.indicator.code, v.period): (v.value, v.sample) for v in Value.objects.all()}
    assert stored[("航埠镇", "criminal", "2026Q1")] == (Decimal(1234), None)
    assert stored[("石梁镇", "criminal", "2026Q1")] == (Decimal(980), None)
    assert stored[("航埠镇", "rectified", "2026Q1")] == (Decimal("92.5"), 40)
    assert stored[("石梁镇", fires.code, "2026-03")] == (Decimal(0), None)
    # ranked: 石梁 scores 100 on its one indicator (crime, min–max); 航埠 0 on crime and
    # 100·92.5/95 = 97.37 on rectification: (2·0 + 3·97.37)/5 = 58.42
    first = Standing.objects.get(table="towns", period="2026Q1", rank=1)
    assert first.member.name == "石梁镇"


def test_reimport_changes_nothing(admin):
    import_league(workbook(values=GOOD_VALUES), actor=admin)
    again = import_league(workbook(values=GOOD_VALUES), actor=admin)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 8)
    assert again.periods == []
    assert Value.objects.count() == 5


def test_a_changed_value_is_updated(admin):
    import_league(workbook(values=GOOD_VALUES), actor=admin)
    changed = [list(row) for row in GOOD_VALUES]
    changed[0][3] = 1000
    result = import_league(workbook(values=changed), actor=admin)
    assert (result.created, result.updated) == (0, 1)
    assert Value.objects.get(member__name="航埠镇", indicator__code="criminal").value == 1000


def test_dry_run_writes_nothing(admin):
    result = import_league(workbook(values=GOOD_VALUES), actor=admin, dry_run=True)
    assert result.ok and result.created == 8
    assert not Indicator.objects.exists() and not Value.objects.exists() and not Standing.objects.exists()


def test_every_bad_row_is_reported_and_nothing_written(admin):
    indicators = [*INDICATORS,
                  ["达标率", "越高越好", 1, "目标比", None, None, None, None, "ratio", "%"],  # no target
                  ["扣分项", "越低越好", 1, "扣分法", None, None, None, None, "deduct", ""],  # no per-unit
                  ["权重零", "越高越好", 0, "极差法", None, None, None, None, "zero", ""],
                  ["方向错", "差不多", 1, "极差法", None, None, None, None, "dir", ""],
                  ["方法错", "越高越好", 1, "平均法", None, None, None, None, "how", ""]]
    values = [
        ["2026Q1", "航埠镇", "刑事案件", 3, None],  # good
        ["2026Q5", "航埠镇", "刑事案件", 3, None],  # bad period
        ["2026Q1", "不存在镇", "刑事案件", 3, None],  # unknown unit
        ["2026Q1", "航埠镇", "没有的指标", 3, None],  # unknown indicator
        ["2026Q1", "石梁镇", "隐患整改率", 120, 40],  # a rate above 100
        ["2026Q1", "石梁镇", "刑事案件", "abc", None],  # not a number
        ["2026Q1", "石梁镇", "火灾起数", 1, -3],  # negative sample
        ["2026Q1", "航埠镇", "刑事案件", 4, None],  # the same unit, indicator, period again
    ]
    result = import_league(workbook(indicators, values), actor=admin)
    assert not result.ok
    where = {(e.row, e.column) for e in result.errors}
    assert {(5, "指标!目标值"), (6, "指标!每单位扣分"), (7, "指标!权重"), (8, "指标!方向"),
            (9, "指标!计分方法"), (3, "数值!期间"), (4, "数值!单位"), (5, "数值!指标"), (6, "数值!数值"),
            (7, "数值!数值"), (8, "数值!样本数"), (9, "数值!指标")} == where
    assert not Indicator.objects.exists() and not Value.objects.exists()


def test_a_computed_indicators_value_is_refused(admin):
    Indicator.objects.create(code="ontime", name="隐患按期整改率", direction="higher", weight=1,
                             method="min_max", source=Source.COMPUTED, is_rate=True)

    def values_only(book):
        del book["指标"]

    values = [["2026Q1", "航埠镇", "隐患按期整改率", 90, 30]]
    result = import_league(workbook(values=values, extra=values_only), actor=admin)
    assert [(e.row, e.column) for e in result.errors] == [(2, "数值!指标")]
    assert result.errors[0].message == MSG_VALUE_COMPUTED.format(indicator="隐患按期整改率")


def test_city_table_adds_peers_and_matches_the_home_district(admin, district):
    values = [["2026Q1", "柯城区", "刑事案件", 300, None], ["2026Q1", "衢江区", "刑事案件", 250, None],
              ["2026Q1", "龙游县", "刑事案件", 280, None]]
    result = import_league(workbook(values=values), actor=admin, table="city")
    assert result.ok, [str(e) for e in result.errors]
    city = {m.name: m for m in Member.objects.filter(table="city")}
    assert set(city) == {"柯城区", "衢江区", "龙游县"}
    assert city["柯城区"].is_home and city["柯城区"].unit == district
    assert city["衢江区"].unit is None and city["衢江区"].code == "衢江区"
    assert Standing.objects.get(table="city", period="2026Q1", rank=1).member.name == "衢江区"
    # the same file again finds the peers it made
    assert import_league(workbook(values=values), actor=admin, table="city").created == 0


def test_messy_headers_and_a_title_row(admin):
    header = ["指 标", " 方向 ", "权重（%）", "计分方法", "目标值", "基准分", "每单位扣分", "最小样本"]
    result = import_league(workbook([["刑事案件", "越低越好", 2, "极差法"]],
                                    [["2026Q1", "航埠镇", "刑事案件", 1]], title="衢州市争先创优考核",
                                    indicator_header=header,
                                    value_header=["期 间", "单位名称", "指标", "数值"]), actor=admin)
    assert result.ok, [str(e) for e in result.errors]
    assert Value.objects.get().value == 1


def test_a_formula_is_refused(admin):
    def formula(book):
        book["数值"]["D3"] = "=1+1"

    values = [["2026Q1", "航埠镇", "刑事案件", 1], ["2026Q1", "石梁镇", "刑事案件", 1]]
    result = import_league(workbook(values=values, extra=formula), actor=admin)
    assert [(e.row, e.column) for e in result.errors] == [(3, "数值!D")]
    assert not Value.objects.exists()


@pytest.mark.parametrize("content", [b"not a workbook", b"PK\x03\x04broken"])
def test_not_a_workbook(admin, content):
    upload = io.BytesIO(content)
    upload.name = "考核.xlsx"
    with pytest.raises(DomainError) as refused:
        import_league(upload, actor=admin)
    assert refused.value.message == MSG_NOT_XLSX.format(name="考核.xlsx")


def test_a_workbook_without_values(admin):
    def drop_values(book):
        del book["数值"]

    with pytest.raises(DomainError) as refused:
        import_league(workbook(extra=drop_values), actor=admin)
    assert refused.value.message == str(MSG_NO_VALUES_SHEET)


def test_a_huge_sheet_is_refused(admin, monkeypatch):
    monkeypatch.setattr("pingan.scoring.ledger.MAX_ROWS", 5)
    rows = [["2026Q1", "航埠镇", "刑事案件", n] for n in range(6)]
    with pytest.raises(DomainError) as refused:
        import_league(workbook(values=rows), actor=admin)
    assert refused.value.message == MSG_TOO_MANY_ROWS.format(sheet="数值", limit=5)


def test_only_the_league_keepers_may_import(personas):
    with pytest.raises(PermissionDenied):
        import_league(workbook(values=GOOD_VALUES), actor=personas.town_handler)


def test_a_hostile_indicator_sheet_is_row_errors_not_a_crash(admin):
    indicators = [
        ["权重巨大", "越高越好", 1e300, "极差法", None, None, None, None, "huge", ""],
        ["目标巨大", "越高越好", 1, "目标比", "1e30", None, None, None, "target", ""],
        ["基准过高", "越低越好", 1, "扣分法", None, 150, 5, None, "base", ""],
        ["倒扣分", "越低越好", 1, "扣分法", None, 100, -5, None, "negative", ""],
        ["扣零分", "越低越好", 1, "扣分法", None, 100, 0, None, "zero", ""],
        ["样本巨大", "越高越好", 1, "极差法", None, None, None, 1e12, "sample", ""],
        ["权重过细", "越高越好", "99999.995", "极差法", None, None, None, None, "rounds", ""],
    ]
    values = [["2026Q1", "航埠镇", "刑事案件", "99999999999999.99999", None],
              ["2026Q1", "石梁镇", "刑事案件", 3, 2147483648]]
    result = import_league(workbook([*INDICATORS, *indicators], values), actor=admin)
    assert not result.ok
    assert {(e.row, e.column) for e in result.errors} == {
        (5, "指标!权重"), (6, "指标!目标值"), (7, "指标!基准分"), (8, "指标!每单位扣分"),
        (9, "指标!每单位扣分"), (10, "指标!最小样本"), (11, "指标!权重"),
        (2, "数值!数值"), (3, "数值!样本数")}
    assert not Indicator.objects.exists() and not Value.objects.exists()


def test_an_indicator_changed_by_an_import_reranks_every_table(admin, district):
    assert import_league(workbook(values=GOOD_VALUES), actor=admin).ok
    city = [["2026Q1", "柯城区", "刑事案件", 300, None], ["2026Q1", "衢江区", "刑事案件", 250, None],
            ["2026Q1", "衢江区", "火灾起数", 1, None], ["2026Q1", "柯城区", "火灾起数", 2, None]]
    assert import_league(workbook(values=city), actor=admin, table="city").ok
    before = {(s.table, s.period, s.member.name): s.composite for s in Standing.objects.all()}
    # The towns' file halves the crimes' weight and deducts 30 a fire: the city's table moves too.
    changed = [["刑事案件", "越低越好", 1, "极差法", None, None, None, None, "criminal", "起"],
               INDICATORS[1],
               ["火灾起数", "越低越好", 1, "扣分法", None, 100, 30, None, None, "起"]]
    result = import_league(workbook(changed, [GOOD_VALUES[0]]), actor=admin)
    assert result.ok and result.indicators_updated == 2
    after = {(s.table, s.period, s.member.name): s.composite for s in Standing.objects.all()}
    # 柯城 (crime 0, fires 100 − 2·30 = 40): (0 + 40)/2 = 20.00, was (0 + 90)/3 = 30.00
    assert (before[("city", "2026Q1", "柯城区")], after[("city", "2026Q1", "柯城区")]) == (
        Decimal("30.00"), Decimal("20.00"))
    assert Indicator.objects.get(code="criminal").weight == 1


def test_long_city_names_alike_in_their_first_twenty_characters_get_different_codes(admin, district):
    common = "衢州市某某某某某某某某某某某某某某某某某某"
    values = [["2026Q1", common + "甲区", "刑事案件", 300, None],
              ["2026Q1", common + "乙区", "刑事案件", 250, None]]
    result = import_league(workbook(values=values), actor=admin, table="city")
    assert result.ok, [str(e) for e in result.errors]
    codes = [m.code for m in Member.objects.filter(table="city", name__startswith=common)]
    assert len(codes) == 2 and len(set(codes)) == 2
    assert all(len(code) <= 20 and code.startswith(common[:13]) for code in codes)
    # the same file again finds them
    assert import_league(workbook(values=values), actor=admin, table="city").created == 0


def test_the_city_s_workbook_uploaded_on_the_web_lands_on_the_city_s_table(admin, district, settings,
                                                                            tmp_path):
    """The web upload (core.ledger_uploads) imports as the command does, on the entry's table."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pingan.core.ledger_uploads import ledger_kind, ledger_upload_create, ledger_upload_run
    from pingan.core.models import UploadState

    settings.MEDIA_ROOT = tmp_path
    values = [["2026Q1", "柯城区", "刑事案件", 300, None], ["2026Q1", "衢江区", "刑事案件", 250, None]]
    kind = ledger_kind("league_city")
    file = SimpleUploadedFile("衢州市考核.xlsx", workbook(values=values).getvalue())
    upload = ledger_upload_create(actor=admin, kind=kind, dry_run=False, file=file)
    upload = ledger_upload_run(upload)
    assert upload.state == UploadState.DONE, upload.summary
    assert set(Member.objects.filter(table="city").values_list("name", flat=True)) == {"柯城区", "衢江区"}
    assert Standing.objects.get(table="city", period="2026Q1", rank=1).member.name == "衢江区"
