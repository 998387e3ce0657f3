"""The boards' workbook: its sheets hold the page's figures, Chinese headers, a frozen header
row and dates as dates; scoped like the page; from the web and from the command line."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from pingan.core.web import XLSX
from pingan.suggestions import selectors
from pingan.suggestions.cli_export import run_export
from pingan.suggestions.export import board_workbook
from pingan.suggestions.tests.boards import TODAY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("board_clock")]


def _sheets(content: bytes) -> dict[str, list[dict]]:
    workbook = load_workbook(io.BytesIO(content))
    sheets = {}
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2"
        header, *rows = list(sheet.iter_rows(values_only=True))
        sheets[sheet.title] = [dict(zip(header, row, strict=True)) for row in rows]
    return sheets


def test_the_workbook_holds_the_page_s_figures(board_set, office):
    items = selectors.board_items(office)
    sheets = _sheets(board_workbook(items, today=TODAY))
    assert list(sheets) == ["汇总", "按会议", "重点建议", "承诺事项", "明细"]

    board = selectors.board_by_unit(items, today=TODAY)
    summary = sheets["汇总"]
    assert [row["办理单位"] for row in summary] == [row.label for row in board.rows] + ["合计"]
    for page_row, sheet_row in zip([*board.rows, board.total], summary, strict=True):
        assert sheet_row["已交办"] == page_row.counts["assigned"]
        assert sheet_row["按时答复"] == page_row.counts["on_time"]
        assert sheet_row["逾期答复"] == page_row.counts["late"]
        assert sheet_row["超期未答复"] == page_row.counts["overdue"]
        assert sheet_row["按时答复率（%）"] == page_row.on_time_rate
        assert sheet_row["满意率（%）"] == page_row.satisfaction_rate
        assert [sheet_row[f"{code}类"] for code in "ABCD"] == [count for _code, count in page_row.classes]
        assert sheet_row["退回"] == page_row.counts["returned"]
    total = summary[-1]
    figures = ("已交办", "按时答复率（%）", "满意率（%）", "不满意")
    assert [total[name] for name in figures] == [8, 60.0, 66.7, 1]
    assert summary[0]["办理单位"] == "航埠镇" and summary[0]["按时答复率（%）"] is None  # no figure: empty

    assert [(row["会议"], row["已登记"], row["待交办"]) for row in sheets["按会议"]] == [
        ("市八届人大一次会议", 10, 2), ("合计", 10, 2)]
    assert [row["编号"] for row in sheets["重点建议"]] == [board_set.on_time.ref, board_set.overdue.ref]
    overdue = sheets["重点建议"][1]
    assert (overdue["领衔督办领导"], overdue["答复情况"]) == ("副区长 钱敏", "超期未答复")
    promises = [(row["编号"], row["剩余天数（负数为已逾期）"]) for row in sheets["承诺事项"]]
    assert promises == [(board_set.late.ref, 26)]


def test_the_detail_sheet_lists_every_item_with_dates_as_dates(board_set, office):
    content = board_workbook(selectors.board_items(office), today=TODAY)
    detail = {row["编号"]: row for row in _sheets(content)["明细"]}
    assert len(detail) == 10
    late = detail[board_set.late.ref]
    assert late["主办单位"] == "交警大队" and late["协办单位"] == "住建局"
    assert late["交办日期"] == dt.datetime(2026, 3, 31)  # a date cell, read back as a datetime
    assert late["答复期限"] == dt.datetime(2026, 6, 30) and late["答复日期"] == dt.datetime(2026, 7, 1)
    assert (late["答复情况"], late["答复类别"], late["满意度"]) == ("逾期答复", "B", "基本满意")
    assert late["承诺完成日期"] == dt.datetime(2026, 8, 10)
    assert (late["分类"], late["状态"], late["序号"]) == ("交通道路", "承诺落实中", "2")
    assert detail[board_set.registered.ref]["主办单位"] is None  # awaiting assignment: no lead
    sheet = load_workbook(io.BytesIO(content))["明细"]
    assert sheet.cell(row=2, column=10).is_date  # 交办日期


def test_the_workbook_is_scoped(board_set, lead_handler, personas):
    mine = _sheets(board_workbook(selectors.board_items(lead_handler), today=TODAY))
    assert [row["办理单位"] for row in mine["汇总"]] == ["交警大队", "合计"]
    assert board_set.housing_own.ref not in {row["编号"] for row in mine["明细"]}
    nothing = _sheets(board_workbook(selectors.board_items(personas.outsider), today=TODAY))
    assert nothing["明细"] == [] and nothing["重点建议"] == []
    assert [row["办理单位"] for row in nothing["汇总"]] == ["合计"]


def test_the_export_view(board_set, client, office, lead_handler, session):
    client.force_login(lead_handler)
    response = client.get(reverse("suggestions:board-export"), {"session": session.pk})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    sheets = _sheets(response.content)
    assert [row["办理单位"] for row in sheets["汇总"]] == ["交警大队", "合计"]
    assert client.get(reverse("suggestions:board-export"), {"session": "x"}).status_code == 400
    assert client.get(reverse("suggestions:board-export"), {"session": 999_999}).status_code == 404
    client.logout()
    assert client.get(reverse("suggestions:board-export")).status_code == 302


def test_the_command_writes_the_workbook(board_set, tmp_path, lead_handler):
    out, stdout = tmp_path / "建议提案.xlsx", io.StringIO()
    count = run_export({"session": "市八届人大一次会议", "out": out, "user": None}, stdout)
    assert count == 10 and "10" in stdout.getvalue() and str(out) in stdout.getvalue()
    assert len(_sheets(out.read_bytes())["明细"]) == 10
    assert run_export({"session": None, "out": out, "user": lead_handler.username}, io.StringIO()) == 7


@pytest.mark.parametrize("options", [{"session": "市九届人大一次会议", "user": None},
                                     {"session": None, "user": "nobody"}])
def test_the_command_refuses_an_unknown_session_or_user(board_set, tmp_path, options):
    out = tmp_path / "out.xlsx"
    with pytest.raises(CommandError) as refused:
        run_export({**options, "out": out}, io.StringIO())
    assert refused.value.returncode == 1 and not out.exists()
