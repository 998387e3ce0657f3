"""Case files in and ring files out, without a database: what ``pingan fraud link`` reads
and writes.

In: CSV in UTF-8 (with or without a byte-order mark), a header row naming the columns
``case_ref, identifier_kind, identifier_value`` and optionally ``loss, victims, unit_code,
reported_on`` (in any order; other columns are ignored). One row per case and identifier;
a row with neither kind nor value records the case's facts alone. A case's loss, victims,
unit and date may repeat on each of its rows: the first non-empty value of each is taken.
A case that gives no victim count counts one victim.

A bad row (an identifier that does not normalise, an unreadable amount or date…) is skipped
as a whole and reported with its line number; the caller decides whether that fails the run.

Out: UTF-8 with a byte-order mark, so that Excel and WPS open the Chinese text correctly.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext_lazy as _

from pingan.core.errors import DomainError
from pingan.fraud.identifiers import IdentifierError, key_normalizer, normalize, parse_key
from pingan.fraud.linking import LeftOut, RankedRings, RingIndex

REQUIRED = ("case_ref", "identifier_kind", "identifier_value")
OPTIONAL = ("loss", "victims", "unit_code", "reported_on")
# Column names as Chinese exports write them (compared after NFKC, without spaces, case-folded).
HEADER_ALIASES = {
    "案件编号": "case_ref", "案件编码": "case_ref", "案号": "case_ref",
    "标识类型": "identifier_kind", "涉案要素类型": "identifier_kind",
    "标识值": "identifier_value", "涉案要素": "identifier_value",
    "损失金额": "loss", "涉案金额": "loss", "受害人数": "victims",
    "单位代码": "unit_code", "辖区代码": "unit_code", "报案日期": "reported_on", "报案时间": "reported_on",
}
RING_HEADER = ("rank", "ring_id", "cases", "victims", "total_loss", "towns", "first_date", "last_date",
               "major", "identifiers")
MEMBER_HEADER = ("case_ref", "ring_id")
LEFT_OUT_HEADER = ("identifier_kind", "identifier_value", "cases", "reason")
OUTPUT_ENCODING = "utf-8-sig"
CACHE_LIMIT = 1 << 19  # entries per parse cache: about 60 MB of raw text at most

MSG_ROW_ERROR = _("Line {line}: {message}")
MSG_MISSING_COLUMNS = _("The file has no column for: {columns}. The header row must name {required}.")
MSG_EMPTY_FILE = _("The file is empty: it needs a header row naming {required}.")
MSG_NOT_UTF8 = _("The file is not UTF-8 text (near line {line}): save it as CSV UTF-8.")
MSG_NO_CASE_REF = _("The case reference is empty.")
MSG_HALF_IDENTIFIER = _("Give both the identifier's kind and its value, or neither.")
MSG_BAD_AMOUNT = _("Loss “{value}” is not an amount of yuan (write it like 12000 or 12,000.50).")
MSG_BAD_COUNT = _("Victims “{value}” is not a whole number.")
MSG_BAD_UNIT_CODE = _("Unit code “{value}” is not a division code (at least 9 digits, e.g. 330802001001).")
MSG_BAD_DATE = _("Date “{value}” is not a date (write it like 2026-04-25 or 2026年4月25日).")
MSG_STOPLIST_LINE = _("Stoplist line {line}: {message}")


class CaseFileError(DomainError):
    code = "bad_case_file"


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return str(MSG_ROW_ERROR.format(line=self.line, message=self.message))


@dataclass
class ReadReport:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)


class _Parsed(dict):
    """A parse function with its results remembered: the same raw text (a phone on many
    rows, a date on thousands) is parsed once. Failures raise each time, and are not kept.

    At ``CACHE_LIMIT`` entries it starts afresh: unbounded, the caches of a 10⁷-row file held
    a gigabyte of raw text. A hit (a dictionary look-up in C) is what makes repeats cheap, so
    a value repeated within the last million or so distinct ones still costs nothing."""

    def __init__(self, parse: Callable[[str], Any]):
        super().__init__()
        self.parse = parse

    def __missing__(self, raw: str) -> Any:
        if len(self) >= CACHE_LIMIT:
            self.clear()
        value = self[raw] = self.parse(raw)
        return value


_PLAIN_AMOUNT = re.compile(r"(\d{1,15})(?:\.(\d\d?))?", re.ASCII)


def parse_loss_fen(raw: str) -> int:
    plain = _PLAIN_AMOUNT.fullmatch(raw)
    if plain:  # 12000 or 12000.5: most exports, read without Decimal
        return int(plain[1]) * 100 + int((plain[2] or "0").ljust(2, "0"))
    text = unicodedata.normalize("NFKC", raw).strip().removesuffix("元").replace(",", "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:
        raise ValueError(MSG_BAD_AMOUNT.format(value=raw))
    return int(amount * 100)


def parse_victims(raw: str) -> int:
    text = unicodedata.normalize("NFKC", raw).strip().removesuffix("人")
    if not (text.isascii() and text.isdigit()):
        raise ValueError(MSG_BAD_COUNT.format(value=raw))
    return int(text)


def parse_unit_code(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip()
    if not re.fullmatch(r"\d{9,20}", text, flags=re.ASCII):
        raise ValueError(MSG_BAD_UNIT_CODE.format(value=raw))
    return text


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT].*)?", re.ASCII)


def parse_day(raw: str) -> int:
    """A report date as ``date.toordinal()``: ``2026-04-25``, ``2026/4/25``, ``2026.4.25``,
    ``2026年4月25日``, full-width digits, optionally followed by a time (ignored)."""
    match = _DATE.fullmatch(unicodedata.normalize("NFKC", raw).strip())
    try:
        if match is None:
            raise ValueError(raw)
        return dt.date(int(match[1]), int(match[2]), int(match[3])).toordinal()
    except ValueError:
        raise ValueError(MSG_BAD_DATE.format(value=raw)) from None


def _normalizer_for(kind: str) -> _Parsed:
    return _Parsed(key_normalizer(kind))


class _Counting(io.RawIOBase):
    """A binary file that reports the bytes read to a progress bar."""

    def __init__(self, raw: IO[bytes], update: Callable[[int], Any]):
        self.raw = raw
        self.update = update

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.raw.readinto(buffer)
        self.update(count)
        return count


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for position, name in enumerate(header):
        key = unicodedata.normalize("NFKC", name).replace(" ", "").casefold()
        key = HEADER_ALIASES.get(key, key)
        if key in REQUIRED + OPTIONAL:
            found.setdefault(key, position)
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        raise CaseFileError(MSG_MISSING_COLUMNS.format(columns=", ".join(missing),
                                                       required=", ".join(REQUIRED)))
    return found


def read_cases(path: Path, index: RingIndex, *, progress: Callable[..., Any] | None = None) -> ReadReport:
    """Read a case file into ``index``; every bad row is skipped and reported."""
    report = ReadReport()
    with path.open("rb") as raw:
        bar = progress(total=path.stat().st_size, unit="B", unit_scale=True) if progress else None
        binary = io.BufferedReader(_Counting(raw, bar.update), 1 << 20) if bar else raw
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        reader = csv.reader(text)
        try:
            _read_rows(reader, index, report)
        except UnicodeDecodeError:
            raise CaseFileError(MSG_NOT_UTF8.format(line=reader.line_num + 1)) from None
        finally:
            if bar:
                bar.close()
    return report


def _read_rows(reader: Any, index: RingIndex, report: ReadReport) -> None:
    header = next(reader, None)
    if header is None:
        raise CaseFileError(MSG_EMPTY_FILE.format(required=", ".join(REQUIRED)))
    columns = _columns(header)
    width = max(columns.values()) + 1
    padding = [""] * width
    ref_at, kind_at, value_at = (columns[name] for name in REQUIRED)
    # Each row gets an empty cell appended: an absent optional column reads that one (-1).
    loss_at, victims_at, unit_at, day_at = (columns.get(name, -1) for name in OPTIONAL)
    normalizers = _Parsed(_normalizer_for)
    losses, victim_counts = _Parsed(parse_loss_fen), _Parsed(parse_victims)
    unit_codes, days = _Parsed(parse_unit_code), _Parsed(parse_day)
    add_row = index.add_row
    errors = report.errors
    rows = 0
    for row in reader:
        if len(row) < width:
            row += padding[len(row):]
        row.append("")
        ref = row[ref_at].strip()
        if not ref and not any(row):
            continue  # a blank line, or one of empty cells
        rows += 1
        kind, value = row[kind_at], row[value_at]
        loss, victims, unit, day = row[loss_at], row[victims_at], row[unit_at], row[day_at]
        try:
            if not ref:
                raise ValueError(MSG_NO_CASE_REF)
            if kind and value:
                key = normalizers[kind][value]
            elif kind.strip() or value.strip():
                raise ValueError(MSG_HALF_IDENTIFIER)
            else:
                key = None
            add_row(ref, key,
                    losses[loss] if loss else None,
                    victim_counts[victims] if victims else None,
                    unit_codes[unit] if unit else None,
                    days[day] if day else None)
        except ValueError as exc:  # IdentifierError is one too
            errors.append(RowError(reader.line_num, str(exc)))
    report.rows = rows


def read_stoplist(lines: Iterable[str]) -> set[str]:
    """Identifier keys from lines of ``kind:value`` or ``kind,value`` (``#`` starts a comment)."""
    keys = set()
    for number, line in enumerate(lines, start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        kind, comma, value = entry.partition(",")
        try:
            keys.add(normalize(kind, value).key if comma and ":" not in kind else parse_key(entry).key)
        except IdentifierError as exc:
            raise CaseFileError(MSG_STOPLIST_LINE.format(line=number, message=exc.message)) from None
    return keys


def _money(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _iso_day(day: int) -> str:
    return dt.date.fromordinal(day).isoformat() if day else ""


def write_rings(rings: RankedRings, out: IO[str], *, progress: Callable[..., Any] | None = None) -> None:
    writer = csv.writer(out)
    writer.writerow(RING_HEADER)
    iso = _Parsed(_iso_day)
    rows = rings.rows()
    if progress:
        rows = progress(rows, total=len(rings), unit=" rings")
    writer.writerows(
        (rank, ring_id, cases, victims, _money(loss), towns, iso[first], iso[last], int(major), identifiers)
        for rank, ring_id, cases, victims, loss, towns, first, last, major, identifiers in rows
    )


def write_members(index: RingIndex, out: IO[str]) -> None:
    writer = csv.writer(out)
    writer.writerow(MEMBER_HEADER)
    writer.writerows(index.members())


def write_left_out(left_out: list[LeftOut], out: IO[str]) -> None:
    writer = csv.writer(out)
    writer.writerow(LEFT_OUT_HEADER)
    writer.writerows((*item.identifier.split(":", 1), item.cases, item.reason) for item in left_out)
