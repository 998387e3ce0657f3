"""What every ledger import refuses of a workbook before reading it, and what it reads of one it
accepts (``core.ledger.check_workbook``, ``open_workbook``, ``every_row``): a zip bomb is refused
whole, before openpyxl unpacks it; a cell longer than Excel holds is a row error; every row is
read, whatever size the sheet declares."""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from pingan.core import errors, ledger
from pingan.core.ledger import (
    MAX_PACKING_RATIO,
    MSG_CELL_TOO_LONG,
    MSG_FORMULA,
    MSG_PACKED_TOO_TIGHT,
    MSG_UNZIPPED_TOO_LARGE,
    PACKING_CHECKED_FROM,
    check_workbook,
)
from pingan.core.models import Case, Event
from pingan.hazards.ledger import import_hazards
from pingan.suggestions.ledger import import_suggestions
from pingan.suggestions.models import Suggestion
from pingan.testing import ledger_workbook

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SHEET = "xl/worksheets/sheet1.xml"
HAZARD_HEADER = ["外部编号", "标题", "类别", "属地单位", "隐患描述"]
SUGGESTION_HEADER = ["会议", "类别", "开幕日期", "编号", "标题", "提出人", "内容"]


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def hazard_rows(grid, count: int = 3, **cells) -> list[dict]:
    return [{"外部编号": f"L-{n}", "标题": "消防通道堵塞", "类别": "消防", "属地单位": grid.name, **cells}
            for n in range(1, count + 1)]


def suggestion_rows(count: int = 3, **cells) -> list[dict]:
    return [{"会议": "市八届人大一次会议", "类别": "人大建议", "开幕日期": "2022-04-26", "编号": str(n),
             "标题": "关于解决双岭南路早晚高峰拥堵问题的建议", "提出人": "蒋薇", **cells}
            for n in range(1, count + 1)]


def rewritten(data: bytes, **parts: bytes | str) -> bytes:
    """The workbook ``data`` with its parts (``sheet=`` for the first worksheet) replaced or
    added, packed as tightly as deflate packs."""
    names = {"sheet": SHEET}
    replaced = {names.get(name, name): part for name, part in parts.items()}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            target.writestr(info.filename, replaced.pop(info.filename, None) or source.read(info.filename))
        for name, part in replaced.items():
            target.writestr(name, part)
    return out.getvalue()


def with_text(data: bytes, placeholder: str, text: str) -> bytes:
    """``data`` whose cell holding ``placeholder`` (openpyxl writes it inline) holds ``text``:
    openpyxl cuts what it writes to 32,767 characters, a program written otherwise does not."""
    sheet = zipfile.ZipFile(io.BytesIO(data)).read(SHEET).decode()
    assert f"<t>{placeholder}</t>" in sheet
    return rewritten(data, sheet=sheet.replace(f"<t>{placeholder}</t>", f"<t>{text}</t>"))


def bomb(rows: list[dict], header: list[str], column: str) -> bytes:
    """``rows`` under ``header``, the first row's ``column`` one huge cell: the bomb the review
    found (575 KB that unpack to 600 MB), built small."""
    rows[0][column] = "BOMB"
    return with_text(ledger_workbook(rows, header=header), "BOMB", "a" * BOMB_CHARS)


def declaring(data: bytes, ref: str) -> bytes:
    """``data`` whose first sheet declares its size (<dimension>) as ``ref``."""
    sheet = zipfile.ZipFile(io.BytesIO(data)).read(SHEET).decode()
    assert '<dimension ref="' in sheet
    return rewritten(data, sheet=re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', sheet))


def hazards(data, actor):
    return import_hazards(io.BytesIO(data), filename="台账.xlsx", actor=actor)


def suggestions(data, actor):
    return import_suggestions(io.BytesIO(data), filename="建议清单.xlsx", actor=actor)


def counts():
    return Case.objects.count(), Event.objects.count()


def packed_too_tight(data: bytes, part: str | None = None) -> str:
    """The refusal of ``data`` for its ``part`` (else the whole workbook), packed as it is."""
    parts = [info for info in zipfile.ZipFile(io.BytesIO(data)).infolist() if part in (None, info.filename)]
    ratio = sum(info.file_size for info in parts) // sum(info.compress_size for info in parts)
    assert ratio > MAX_PACKING_RATIO
    return str(MSG_PACKED_TOO_TIGHT).format(ratio=ratio)


# -- zip bombs ------------------------------------------------------------------------------------

BOMB_CHARS = PACKING_CHECKED_FROM + 1024  # a part just over the size held to the ratio, packed ~1000:1


def test_a_part_packed_beyond_the_ratio_is_refused_before_it_is_unpacked(monkeypatch):
    data = bomb([{}], ["标题"], "标题")
    monkeypatch.setattr(ledger, "load_workbook", lambda *a, **k: pytest.fail("openpyxl opened a bomb"))
    with pytest.raises(errors.DomainError) as refused:
        ledger.open_workbook(io.BytesIO(data), data_only=True)
    assert refused.value.message == packed_too_tight(data, SHEET)


@pytest.mark.parametrize(("unpacked", "packable"), [
    (PACKING_CHECKED_FROM - 64 * 1024, True),  # tightly packed, but too small to matter (with the rest)
    (PACKING_CHECKED_FROM + 1024, False),  # large, but packed as real data packs
])
def test_a_part_is_held_to_the_ratio_only_when_large_and_tightly_packed(unpacked, packable):
    filler = b"a" * unpacked if packable else random.Random(unpacked).randbytes(unpacked)
    data = rewritten(ledger_workbook([{"标题": "x"}], header=["标题"]), **{"xl/media/filler.bin": filler})
    check_workbook(io.BytesIO(data))  # no refusal


def test_many_small_bombs_are_one_big_one():
    small = b"\0" * (PACKING_CHECKED_FROM // 2)  # each below the size held to the ratio
    data = rewritten(ledger_workbook([{"标题": "x"}], header=["标题"]),
                     **{f"xl/media/part{n}.bin": small for n in range(3)})
    with pytest.raises(errors.DomainError) as refused:
        check_workbook(io.BytesIO(data))
    assert refused.value.message == packed_too_tight(data)


def test_a_workbook_unpacking_past_the_setting_is_refused(settings, tmp_path):
    data = ledger_workbook([{"标题": "x"}], header=["标题"])
    unpacked = sum(part.file_size for part in zipfile.ZipFile(io.BytesIO(data)).infolist())
    settings.PINGAN_LEDGER_MAX_UNZIPPED_BYTES = unpacked
    path = tmp_path / "台账.xlsx"
    path.write_bytes(data)
    check_workbook(path)  # up to the limit, from a path as from a file
    settings.PINGAN_LEDGER_MAX_UNZIPPED_BYTES = unpacked - 1
    with pytest.raises(errors.DomainError) as refused:
        check_workbook(path)
    assert refused.value.message == str(MSG_UNZIPPED_TOO_LARGE).format(size=0, limit=0)


def test_the_check_leaves_a_file_where_it_was():
    upload = io.BytesIO(b"prefix" + ledger_workbook([{"标题": "x"}], header=["标题"]))
    upload.seek(6)
    check_workbook(upload)
    assert upload.tell() == 6


def test_the_hazard_import_refuses_a_bomb_and_writes_nothing(personas, worker_grid):
    before = counts()
    data = bomb(hazard_rows(worker_grid), HAZARD_HEADER, "隐患描述")
    with pytest.raises(errors.DomainError) as refused:
        hazards(data, personas.admin)
    assert refused.value.message == packed_too_tight(data, SHEET)
    assert counts() == before


def test_the_suggestion_import_refuses_a_bomb_and_writes_nothing(personas):
    before = counts()
    data = bomb(suggestion_rows(), SUGGESTION_HEADER, "内容")
    with pytest.raises(errors.DomainError) as refused:
        suggestions(data, personas.admin)
    assert refused.value.message == packed_too_tight(data, SHEET)
    assert counts() == before and not Suggestion.objects.exists()


# -- a cell longer than Excel holds ------------------------------------------------------------------


def test_a_cell_longer_than_excel_holds_is_a_row_error_and_nothing_is_written(settings, personas,
                                                                             worker_grid):
    limit = settings.PINGAN_LEDGER_MAX_CELL_CHARS
    rows = hazard_rows(worker_grid, count=3)
    rows[0]["隐患描述"] = "楼" * limit  # as long as Excel holds
    rows[1]["隐患描述"] = "LONG"
    rows[1]["类别"] = "不存在的类别"  # the rest of its row is still checked
    before = counts()
    result = hazards(with_text(ledger_workbook(rows, header=HAZARD_HEADER), "LONG", "楼" * (limit + 1)),
                     personas.admin)
    assert (result.created, counts()) == (0, before)
    assert [(e.row, e.column) for e in result.errors] == [(3, "隐患描述"), (3, "类别")]
    too_long = result.errors[0]
    assert too_long.message == str(MSG_CELL_TOO_LONG).format(length=limit + 1, limit=limit)
    assert too_long.value == "楼" * 60  # the cell's start, not the megabyte


def test_a_cell_as_long_as_excel_holds_is_imported(settings, personas, worker_grid):
    rows = hazard_rows(worker_grid, count=1, 隐患描述="楼" * settings.PINGAN_LEDGER_MAX_CELL_CHARS)
    result = hazards(ledger_workbook(rows, header=HAZARD_HEADER), personas.admin)
    assert (result.created, result.errors) == (1, [])


# -- rows past the declared size --------------------------------------------------------------------


@pytest.mark.parametrize("declared", ["A1:E3", "A1"])
def test_the_hazard_import_reads_every_row_whatever_the_sheet_declares(personas, worker_grid, declared):
    data = declaring(ledger_workbook(hazard_rows(worker_grid, count=6), header=HAZARD_HEADER), declared)
    assert load_workbook(io.BytesIO(data), read_only=True).active.max_row in (3, 1)  # what it declares
    result = hazards(data, personas.admin)
    assert (result.rows, result.created, result.errors) == (6, 6, [])


@pytest.mark.parametrize("declared", ["A1:G3", "A1"])
def test_the_suggestion_import_reads_every_row_whatever_the_sheet_declares(personas, declared):
    data = declaring(ledger_workbook(suggestion_rows(count=6), header=SUGGESTION_HEADER), declared)
    result = suggestions(data, personas.admin)
    assert (result.rows, result.created, result.errors) == (6, 6, [])
    assert Suggestion.objects.count() == 6


def test_a_formula_past_the_declared_size_is_found(personas):
    rows = suggestion_rows(count=6)
    rows[5]["标题"] = "=A1"
    data = declaring(ledger_workbook(rows, header=SUGGESTION_HEADER), "A1:G3")
    result = suggestions(data, personas.admin)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (7, "Sheet!E", str(MSG_FORMULA).format(formula="=A1"))]
    assert not Suggestion.objects.exists()
