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
