"""``pingan league``: import, rank, table (aligned and --csv) and export, with the commands' exit codes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from openpyxl import load_workbook

from pingan.core.management.exit_codes import ExitCode
from pingan.scoring.models import Standing
from pingan.scoring.services import ensure_members, rank_table
from pingan.scoring.tests.factories import indicator, member, record
from pingan.scoring.tests.test_ledger import GOOD_VALUES, workbook
from pingan.testing import run_command_line


@pytest.fixture
def ranked(personas, settings):
    """Three towns on one indicator in 2026Q1 (deductions of 10 a unit): 航埠 0 → 100, 石梁 1 → 90,
    万田 1 → 90: ranks 1, 2, 2; 2025Q4 had 石梁 first and 航埠 second."""
    settings.PINGAN_LEAGUE_RED_FLAGS = 1
    ensure_members()
    fires = indicator("fires", method="deduction", per_unit=Decimal(10), direction="lower")
    for period, counts in (("2025Q4", (1, 0, 3)), ("2026Q1", (0, 1, 1))):
        for name, count in zip(("航埠镇", "石梁镇", "万田乡"), counts, strict=True):
            record(fires, member("towns", name), period, count)
        rank_table("towns", period)


def test_table_csv(ranked):
    code, out, _err = run_command_line("league", "table", "--period", "2026Q1", "--csv")
    assert code == ExitCode.OK
    lines = out.splitlines()
    assert lines[:4] == ["rank,unit,score,red_flag,last_place,change",
                         "1,航埠镇,100.00,1,,+1",  # 2nd in 2025Q4
                         "2,石梁镇,90.00,,1,-1",  # tied last, by unit code
                         "2,万田乡,90.00,,1,+1"]  # 3rd in 2025Q4
    # the other fifteen towns have no values: not ranked, listed last with an empty rank and score
    assert len(lines) == 1 + 18
    assert all(line.startswith(",") and line.split(",")[2] == "" for line in lines[4:])


def test_table_aligned(ranked):
    code, out, _err = run_command_line("league", "table", "--period", "2026Q1")
    assert code == ExitCode.OK
    lines = out.splitlines()
    assert "航埠镇" in lines[1] and "100.00" in lines[1]
    assert "不参与排名" in lines[-1]
    # the score column is right-aligned: every ranked row ends its score at the same column
    ends = [line.index("0.00") + 4 for line in lines[1:4]]
    assert len(set(ends)) == 1


def test_usage_errors(ranked, tmp_path):
    assert run_command_line("league", "table", "--period", "2026Q5")[0] == ExitCode.USAGE
    assert run_command_line("league", "table", "--period", "2026Q1", "--table", "county")[0] == ExitCode.USAGE
    assert run_command_line("league", "rank")[0] == ExitCode.USAGE


def test_rank_and_export(ranked, tmp_path):
    code, out, _err = run_command_line("league", "rank", "--period", "2026Q1", "--table", "towns")
    assert code == ExitCode.OK and "18" in out
    path = tmp_path / "table.xlsx"
    assert run_command_line("league", "export", "--period", "2026Q1", "--out", str(path))[0] == ExitCode.OK
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][:6] == ("排名", "单位", "得分", "流动红旗", "末位", "名次变化")
    assert rows[0][6:] == ("fires", "fires得分")
    assert rows[1] == (1, "航埠镇", 100, "红旗", None, 1, 0, 100)
    assert rows[-1][0] == "不参与排名"


def test_import_then_table(personas, tmp_path):
    path = tmp_path / "考核.xlsx"
    path.write_bytes(workbook(values=GOOD_VALUES).getvalue())
    code, out, err = run_command_line("league", "import", str(path), "--user", "admin")
    assert code == ExitCode.OK, err
    assert "2026Q1" in out
    assert Standing.objects.filter(table="towns", period="2026Q1", rank=1).exists()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook(values=[["2026Q1", "不存在镇", "刑事案件", 1]]).getvalue())
    code, _out, err = run_command_line("league", "import", str(bad), "--user", "admin")
    assert code == ExitCode.REFUSED and "不存在镇" in err
    assert run_command_line("league", "import", str(path), "--user", "nobody")[0] == ExitCode.REFUSED
    assert run_command_line("league", "import", str(path), "--user", "town_handler")[0] == ExitCode.REFUSED
