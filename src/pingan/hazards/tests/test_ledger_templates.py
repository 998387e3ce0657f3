"""Hazard ledgers as town offices keep them: a merged title and a "填报单位" line above the
header, headers with full-width brackets and notes, dates written four ways, a totals row and
the signatures below the entries."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import Workbook

from pingan.hazards.ledger import import_ledger
from pingan.hazards.models import Hazard


def local(*args):
    return timezone.make_aware(dt.datetime(*args), timezone.get_default_timezone())


def template(header, rows, *, footer=True):
    """An .xlsx as an emergency-management office sends it: two merged lines above the header."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["航埠镇安全生产隐患排查整治台账（2026年第二季度）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(["填报单位（盖章）：航埠镇应急管理中心", None, None, "填报日期：2026年5月6日"])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=3)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if footer:
        sheet.append(["合计", None, f"共{len(rows)}条"])
        sheet.append(["填表人：王建华", None, None, "审核人：李秀英"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run(data, actor, **kwargs):
    return import_ledger(source=io.BytesIO(data), filename="隐患台账.xlsx", actor=actor, **kwargs)


EM_HEADER = ["序号", "所属乡镇（街道）", "所属村（社区）", "隐患名称【必填】", "隐患类别", "隐患等级",
             "排查发现时间：", "具体位置", "隐患描述"]


def test_an_emergency_management_template_with_dates_written_four_ways(personas, hangbu_village):
    dates = ["2026年4月25日", "2026/4/26", "2026-04-27", dt.datetime(2026, 4, 28)]
    rows = [[n + 1, "航埠镇", hangbu_village.name, f"隐患{n + 1}", "消防", "一般", date, "村部", "堆物"]
            for n, date in enumerate(dates)]
    summary = run(template(EM_HEADER, rows), personas.admin)
    assert (summary.rows, summary.created) == (4, 4)
    hazards = Hazard.objects.filter(external_ref__in=["1", "2", "3", "4"]).order_by("external_ref")
    assert [h.opened_at for h in hazards] == [local(2026, 4, day) for day in (25, 26, 27, 28)]
    assert {h.unit for h in hazards} == {hangbu_village}


@pytest.mark.parametrize("unit_header", ["乡镇（街道）", "镇街", "属地", "所属镇（街道）", "所属乡镇(街道)"])
def test_the_town_column_as_each_template_names_it(personas, hangbu, unit_header):
    header = ["序号", unit_header, "隐患名称", "隐患类别", "排查日期"]
    run(template(header, [["T-1", "航埠镇", "路灯杆倾斜", "道路", "2026-04-25"]]), personas.admin)
    assert Hazard.objects.get(external_ref="T-1").unit == hangbu


# -- a ledger with no title column --------------------------------------------


@pytest.mark.parametrize("description_header", ["隐患描述", "问题描述", "存在问题", "隐患内容（详细）"])
def test_without_a_title_column_the_title_is_the_descriptions_first_clause(personas, hangbu_village,
                                                                           description_header):
    header = ["序号", "所属村（社区）", "隐患类别", "发现日期", description_header]
    text = "楼道内堆放大量纸箱，堵塞安全出口；已责令清理。\n二楼同样存在"
    run(template(header, [["D-1", hangbu_village.name, "消防", "2026-04-25", text]]), personas.admin)
    hazard = Hazard.objects.get(external_ref="D-1")
    assert (hazard.title, hazard.description) == ("楼道内堆放大量纸箱", text)


@pytest.mark.parametrize(("text", "title"), [
    ("电线、插座老化,存在短路风险", "电线、插座老化"),  # 、 lists within a clause; a Western comma ends it
    ("灭火器压力不足. Replace it", "灭火器压力不足"),
    ("3.5米高处广告牌松动：随时可能坠落", "3.5米高处广告牌松动"),  # a decimal point is no clause end
    ("14:30巡查发现燃气泄漏!", "14:30巡查发现燃气泄漏"),
    ("  ，。开头就是标点；后面才是内容", "开头就是标点"),
])
def test_where_the_first_clause_ends(personas, hangbu_village, text, title):
    header = ["序号", "所属村（社区）", "隐患类别", "问题描述"]
    run(template(header, [["C-1", hangbu_village.name, "其他", text]], footer=False), personas.admin)
    assert Hazard.objects.get(external_ref="C-1").title == title


def test_a_title_made_from_a_long_description_is_cut_to_the_titles_length(personas, hangbu_village):
    limit = Hazard._meta.get_field("title").max_length
    text = "墙" * (limit + 50) + "，后半句"
    header = ["序号", "所属村（社区）", "隐患类别", "存在问题"]
    run(template(header, [["L-1", hangbu_village.name, "房屋", text]]), personas.admin)
    hazard = Hazard.objects.get(external_ref="L-1")
    assert (hazard.title, hazard.description) == ("墙" * limit, text)


def test_no_title_column_and_an_empty_description_is_a_row_error(personas, hangbu_village):
    from pingan.core.ledger import LedgerRejected

    header = ["序号", "所属村（社区）", "隐患类别", "隐患描述"]
    with pytest.raises(LedgerRejected) as rejected:
        run(template(header, [["E-1", hangbu_village.name, "消防", "堆物"],
                              ["E-2", hangbu_village.name, "消防", " "]], footer=False), personas.admin)
    assert [(e.row, e.column) for e in rejected.value.row_errors] == [(5, "隐患描述")]
    assert not Hazard.objects.filter(external_ref="E-1").exists()


def test_a_reimport_without_titles_keeps_the_hazards_own_title(personas, hangbu_village):
    header = ["序号", "所属村（社区）", "隐患类别", "隐患描述"]
    rows = [["R-1", hangbu_village.name, "消防", "楼道堆物，影响疏散"]]
    run(template(header, rows, footer=False), personas.admin)
    hazard = Hazard.objects.get(external_ref="R-1")
    hazard.title = "三楼楼道堆放纸箱"
    hazard.save(update_fields=["title"])
    summary = run(template(header, rows, footer=False), personas.admin)
    assert summary.unchanged == 1
    hazard.refresh_from_db()
    assert hazard.title == "三楼楼道堆放纸箱"
