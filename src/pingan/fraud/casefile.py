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

Read column-wise (see :func:`read_cases`): on the 10⁷ rows of bench/bench_fraud_link.py, about
20 s on a quiet 2-core machine where reading row by row took 47 s, and the whole link peaks at
1.8 GB where it took 2.7 GB.

Out: UTF-8 with a byte-order mark, so that Excel and WPS open the Chinese text correctly.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.utils.translation import gettext_lazy as _

from pingan.core.divisions import COUNTY_DIGITS
from pingan.core.errors import DomainError
from pingan.fraud.identifiers import (
    IdentifierError,
    key_normalizer,
    normalize,
    normalize_keys,
    parse_key,
    parse_kind,
)
from pingan.fraud.linking import (
    _NO_DAY,
    _UNKNOWN,
    TOWN_CODE_LENGTH,
    LeftOut,
    RankedRings,
    RingIndex,
    town_of,
)

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
BATCH_BYTES = 1 << 25  # of the file per batch (Arrow's reader): some 400,000 rows
BATCH_ROWS = 1 << 16  # rows per batch (the csv module's reader)
_WRITE_BATCH = 1 << 16

MSG_ROW_ERROR = _("Line {line}: {message}")
MSG_MISSING_COLUMNS = _("The file has no column for: {columns}. The header row must name {required}.")
MSG_EMPTY_FILE = _("The file is empty: it needs a header row naming {required}.")
MSG_NOT_UTF8 = _("The file is not UTF-8 text (near line {line}): save it as CSV UTF-8.")
MSG_NO_CASE_REF = _("The case reference is empty.")
MSG_HALF_IDENTIFIER = _("Give both the identifier's kind and its value, or neither.")
MSG_BAD_AMOUNT = _("Loss “{value}” is not an amount of yuan (write it like 12000 or 12,000.50).")
MSG_BAD_COUNT = _("Victims “{value}” is not a whole number.")
MSG_BAD_UNIT_CODE = _(
    "Unit code “{value}” is not a division code (6, 9 or 12 digits, or a grid cell's longer code: "
    "330802, 330802001 or 330802001001)."
)
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


# A division code at any level: a district's 6 digits, a town's 9, a village's 12, a grid
# cell's more.
_UNIT_CODE = r"[0-9]{6}|[0-9]{9,20}"


def parse_unit_code(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip()
    if not re.fullmatch(_UNIT_CODE, text, flags=re.ASCII):
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


def header_columns(header: list[str]) -> dict[str, int]:
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
    """Read a case file into ``index``; every bad row is skipped and reported.

    The file is read in batches of columns and every step works on whole columns: Arrow's
    CSV reader (C++, both cores) cuts the rows, each distinct identifier, amount and date is
    parsed once per batch (``identifiers.normalize_keys``: regular expressions over the
    column, Python only for the unusual), and the batches' cases and identifiers are numbered
    at the end with one hash pass each. Memory is the integers and the distinct text, not
    the rows. A file Arrow's reader refuses — rows of other lengths than the header, text
    that is not UTF-8, a header over several lines — is read again with the csv module,
    which takes it row by row as it always has; the results are the same either way."""
    with path.open("rb") as raw:
        header, header_lines = read_header(raw)
    columns = header_columns(header)
    reading = None
    if header_lines == 1:
        reading = _Reading(columns)
        try:
            reading.take_all(_arrow_batches(path, len(header), progress))
        except pa.ArrowInvalid:
            reading = None
    if reading is None:
        reading = _Reading(columns)
        reading.take_all(_csv_batches(path, len(header), progress))
    reading.load(index)
    pa.default_memory_pool().release_unused()  # the allocator keeps what was freed, else
    lines = reading.error_lines(path)
    return ReadReport(rows=reading.rows, errors=[RowError(line, message)
                                                 for line, (_row, message) in zip(lines, reading.errors,
                                                                                  strict=True)])


def read_header(raw: IO[bytes]) -> tuple[list[str], int]:
    """The header row and the number of lines it takes."""
    reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
    try:
        header = next(reader, None)
    except UnicodeDecodeError:
        raise CaseFileError(MSG_NOT_UTF8.format(line=1)) from None
    if header is None:
        raise CaseFileError(MSG_EMPTY_FILE.format(required=", ".join(REQUIRED)))
    return header, reader.line_num


@dataclass
class Batch:
    """Rows of a case file as text columns (one per header cell). ``first`` numbers its first
    row among the file's records (the rows after the header, blank lines not counted);
    ``lines`` gives each row's line number where the reader knows it; ``filled`` is set
    where a row has any text at all, in any column."""

    columns: list[pa.Array]
    first: int
    lines: np.ndarray | None
    filled: np.ndarray


def _opened(path: Path, progress: Callable[..., Any] | None) -> contextlib.AbstractContextManager:
    @contextlib.contextmanager
    def opened() -> Iterator[IO[bytes]]:
        with path.open("rb") as raw:
            if progress is None:
                yield raw
                return
            bar = progress(total=path.stat().st_size, unit="B", unit_scale=True)
            try:
                yield io.BufferedReader(_Counting(raw, bar.update), 1 << 20)
            finally:
                bar.close()

    return opened()


def _arrow_batches(path: Path, width: int, progress: Callable[..., Any] | None) -> Iterator[Batch]:
    names = [str(position) for position in range(width)]
    read = pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=BATCH_BYTES)
    parse = pacsv.ParseOptions(newlines_in_values=True)
    convert = pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
                                   quoted_strings_can_be_null=False)
    first = 0
    with _opened(path, progress) as source:
        for batch in pacsv.open_csv(source, read_options=read, parse_options=parse, convert_options=convert):
            yield Batch(batch.columns, first, None, filled_rows(batch.columns))
            first += batch.num_rows


def filled_rows(columns: list[pa.Array]) -> np.ndarray:
    """Where a row has text in any column (blank rows are not counted)."""
    blank = _is_empty(columns[0])
    if blank.any():  # only such rows can be blank
        for column in columns[1:]:
            blank &= _is_empty(column)
    return ~blank


def _csv_batches(path: Path, width: int, progress: Callable[..., Any] | None) -> Iterator[Batch]:
    padding = [""] * width
    first = 0
    with _opened(path, progress) as source:
        reader = csv.reader(io.TextIOWrapper(source, encoding="utf-8-sig", newline=""))
        try:
            next(reader)
            while True:
                rows, lines, filled = [], [], []
                seen = 0
                for row in itertools.islice(reader, BATCH_ROWS):
                    seen += 1
                    if row:  # a blank line is no record
                        filled.append(any(row))
                        rows.append(row + padding[len(row):] if len(row) < width else row[:width])
                        lines.append(reader.line_num)
                if rows:
                    columns = [pa.array(column, pa.string()) for column in zip(*rows, strict=True)]
                    yield Batch(columns, first, np.array(lines, dtype=np.int64),
                                 np.array(filled, dtype=bool))
                    first += len(rows)
                if seen < BATCH_ROWS:
                    return
        except UnicodeDecodeError:
            raise CaseFileError(MSG_NOT_UTF8.format(line=reader.line_num + 1)) from None


# Python's whitespace (str.isspace, what str.strip takes off), as an RE2 character class; a
# test holds it to Python's own.
PYTHON_SPACE = ("[\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}"
                "\\x{202f}\\x{205f}\\x{3000}]")
_PLAIN_LOSS = r"^(?P<yuan>[0-9]{1,15})(?:\.(?P<fen>[0-9]{1,2}))?$"
_INT32_MAX = np.iinfo(np.int32).max


def _is_empty(column: pa.Array) -> np.ndarray:
    return pc.equal(pc.binary_length(column), 0).to_numpy(zero_copy_only=False)


def _mask(array: pa.Array) -> np.ndarray:
    return pc.fill_null(array, False).to_numpy(zero_copy_only=False)


def _stripped(column: pa.Array) -> pa.Array:
    """``str.strip()`` of each value; Python does the few that need it."""
    padded = _mask(pc.match_substring_regex(column, f"^{PYTHON_SPACE}|{PYTHON_SPACE}$"))
    if not padded.any():
        return column
    positions = np.flatnonzero(padded)
    return pc.replace_with_mask(column, pa.array(padded),
                                pa.array([text.strip() for text in column.take(positions).to_pylist()],
                                         pa.string()))


def _has_text(column: pa.Array) -> np.ndarray:
    return _mask(pc.match_substring_regex(column, f"[^{PYTHON_SPACE[1:-1]}]"))


class _Failures:
    """Each row's first error, in the order the checks run (as the row-by-row reader met them)."""

    def __init__(self, rows: int):
        self.failed = np.zeros(rows, dtype=bool)
        self.messages: dict[int, str] = {}

    def add(self, mask: np.ndarray, message: object) -> None:
        new = mask & ~self.failed
        self.failed |= new
        text = str(message)
        self.messages.update(dict.fromkeys(np.flatnonzero(new).tolist(), text))

    def add_each(self, positions: np.ndarray, messages: list[str]) -> None:
        for position, message in zip(positions.tolist(), messages, strict=True):
            if not self.failed[position]:
                self.failed[position] = True
                self.messages[position] = message


def _parsed_distinct(column: pa.Array, fast: Callable[[pa.Array], pa.Array], slow: _Parsed,
                     failures: _Failures) -> tuple[pa.Array, np.ndarray]:
    """A fact column parsed: the distinct non-empty values' results (``fast`` over the
    column where it can, ``slow`` one by one for the rest) and each row's position among them
    (-1: empty, or not parsed)."""
    present = ~_is_empty(column)
    positions = np.flatnonzero(present)
    encoded = (column if len(positions) == len(column) else column.take(positions)).dictionary_encode()
    distinct = encoded.dictionary
    parsed = fast(distinct)
    left = np.flatnonzero(pc.is_null(parsed).to_numpy(zero_copy_only=False))
    errors: dict[int, str] = {}
    if len(left):
        found = []
        for where, raw in zip(left.tolist(), distinct.take(left).to_pylist(), strict=True):
            try:
                found.append(slow[raw])
            except ValueError as exc:
                found.append(None)
                errors[where] = str(exc)
        parsed = pc.replace_with_mask(parsed, pc.is_null(parsed), pa.array(found, parsed.type))
    which = np.full(len(column), -1, dtype=np.int64)
    which[positions] = encoded.indices.to_numpy(zero_copy_only=False)
    if errors:
        bad = np.zeros(len(distinct), dtype=bool)
        bad[list(errors)] = True
        rows = np.flatnonzero((which >= 0) & bad[np.maximum(which, 0)])
        failures.add_each(rows, [errors[i] for i in which[rows].tolist()])
        which[rows] = -1
    return parsed, which


def _fast_loss(text: pa.Array) -> pa.Array:
    parts = pc.extract_regex(text, _PLAIN_LOSS)
    yuan = pc.cast(pc.struct_field(parts, "yuan"), pa.int64())
    fen = pc.cast(pc.utf8_rpad(pc.struct_field(parts, "fen"), 2, "0"), pa.int64())
    return pc.add(pc.multiply(yuan, 100), fen)


def _fast_victims(text: pa.Array) -> pa.Array:
    plain = pc.match_substring_regex(text, "^[0-9]{1,9}$")
    return pc.cast(pc.if_else(pc.fill_null(plain, False), text, None), pa.int64())


def _fast_town(text: pa.Array) -> pa.Array:
    """``town_of`` over a batch's distinct codes, where they are plain digits; null for the
    rest (the slow path, ``_town_of``, tells why they fail)."""
    plain = pc.fill_null(pc.match_substring_regex(text, f"^(?:{_UNIT_CODE})$"), False)
    town = pc.utf8_slice_codeunits(text, 0, TOWN_CODE_LENGTH)
    # 330802000…: no town, the district itself.
    district = pc.and_(pc.equal(pc.utf8_length(town), TOWN_CODE_LENGTH), pc.ends_with(town, "000"))
    town = pc.if_else(district, pc.utf8_slice_codeunits(town, 0, COUNTY_DIGITS), town)
    return pc.if_else(plain, town, None)


def _town_of(raw: str) -> str:
    return town_of(parse_unit_code(raw))


def _victim_count(raw: str) -> int:
    count = parse_victims(raw)
    if count > _INT32_MAX:
        raise ValueError(MSG_BAD_COUNT.format(value=raw))
    return count


def _no_fast_path(text: pa.Array) -> pa.Array:
    return pa.nulls(len(text), pa.int64())


@dataclass
class _Rows:
    """A batch parsed, row by row: whether the row counts (has any text) and why it fails,
    if it does (``failures``); its case (a position in ``refs``), identifier key (a position
    in ``keys``, -1 for none) and facts: ``loss_fen`` and ``victims`` (-1 where not given),
    ``town`` (a position in ``towns``, -1) and ``day`` (an ordinal, 0)."""

    counted: np.ndarray
    failures: _Failures
    refs: pa.Array
    ref_of_row: np.ndarray
    keys: pa.Array
    key_of_row: np.ndarray
    loss_fen: np.ndarray
    victims: np.ndarray
    towns: pa.Array
    town_of_row: np.ndarray
    day: np.ndarray

    @property
    def good(self) -> np.ndarray:
        return self.counted & ~self.failures.failed


class RowParser:
    """Parses batches of a case file's rows (``parse``), remembering across batches what it
    parsed the slow way. The in-process reader and the Spark engine's workers share it."""

    def __init__(self, columns: dict[str, int]):
        self.at = columns
        self.slow_keys: dict[str, _Parsed] = {}
        self.losses, self.victim_counts = _Parsed(parse_loss_fen), _Parsed(_victim_count)
        self.towns, self.days = _Parsed(_town_of), _Parsed(parse_day)

    def column(self, batch: Batch, name: str) -> pa.Array | None:
        position = self.at.get(name)
        return None if position is None else batch.columns[position]

    def parse(self, batch: Batch) -> _Rows:
        n = len(batch.filled)
        failures = _Failures(n)
        raw_refs, ref_of_row = _encoded(self.column(batch, "case_ref"))
        refs = _stripped(raw_refs)
        if refs is not raw_refs:  # " A" and "A" are one case
            refs, merged = _encoded(refs)
            ref_of_row = merged[ref_of_row]
        failures.add(_is_empty(refs)[ref_of_row], MSG_NO_CASE_REF)
        keys, key_of_row = self.identifiers(batch, failures)
        facts = []
        for name, fast, slow, dtype in (("loss", _fast_loss, self.losses, np.int64),
                                        ("victims", _fast_victims, self.victim_counts, np.int32),
                                        ("unit_code", _fast_town, self.towns, np.int64),
                                        ("reported_on", _no_fast_path, self.days, np.int32)):
            unknown = _NO_DAY if name == "reported_on" else _UNKNOWN
            column = self.column(batch, name)
            if column is None:
                facts.append((pa.array([], pa.string()), np.full(n, unknown, dtype=dtype)))
            elif name == "unit_code":
                facts.append(_parsed_distinct(column, fast, slow, failures))
            else:
                parsed, which = _parsed_distinct(column, fast, slow, failures)
                values = np.append(pc.fill_null(parsed, unknown).to_numpy(zero_copy_only=False), unknown)
                facts.append((parsed, values[which].astype(dtype)))  # -1 picks the appended unknown
        (_, loss), (_, victims), (towns, town_of_row), (_, day) = facts
        return _Rows(batch.filled, failures, refs, ref_of_row, keys, key_of_row, loss, victims, towns,
                     town_of_row, day)

    def identifiers(self, batch: Batch, failures: _Failures) -> tuple[pa.Array, np.ndarray]:
        """Every identifier key of the batch (some repeated, null where bad) and each row's
        position among them (-1: none). Each distinct value of each kind is normalised once."""
        kinds, values = self.column(batch, "identifier_kind"), self.column(batch, "identifier_value")
        both = ~_is_empty(kinds) & ~_is_empty(values)
        lacking = np.flatnonzero(~both)
        if len(lacking):
            half = lacking[_has_text(kinds.take(lacking)) | _has_text(values.take(lacking))]
            failures.add_each(half, [str(MSG_HALF_IDENTIFIER)] * len(half))
        kind_names, kind_of_row = _encoded(kinds)
        value_names, value_of_row = _encoded(values)
        key_at = np.full(len(both), -1, dtype=np.int64)
        found: list[pa.Array] = []
        offset = 0
        for number, written in enumerate(kind_names.to_pylist()):
            mine = np.flatnonzero(both & (kind_of_row == number))
            if not len(mine):
                continue
            try:
                kind = parse_kind(written)
            except IdentifierError as exc:
                failures.add_each(mine, [str(exc)] * len(mine))
                continue
            slow = self.slow_keys.get(kind) or self.slow_keys.setdefault(kind, _normalizer_for(kind))
            distinct, at = _renumbered(value_of_row[mine], len(value_names))
            keys, errors = normalize_keys(kind, value_names.take(distinct), slow=slow.__getitem__)
            if errors:
                bad = np.zeros(len(keys), dtype=bool)
                bad[list(errors)] = True
                failing = bad[at]
                failures.add_each(mine[failing], [errors[i] for i in at[failing].tolist()])
            key_at[mine] = at + offset
            found.append(keys)
            offset += len(keys)
        return pa.concat_arrays(found) if found else pa.array([], pa.string()), key_at



class _Reading:
    """What a case file's batches come to before the whole is numbered: per batch, its
    distinct cases (in the order of their first good rows) with each one's first given
    facts, its distinct identifier keys, and one edge per good row with an identifier."""

    def __init__(self, columns: dict[str, int]):
        self.parser = RowParser(columns)
        self.rows = 0
        self.errors: list[tuple[int, str]] = []  # (record, message), in file order
        self.lines: list[int] = []  # each error's line, where the reader knew it
        self.cases: list[pa.Array] = []
        self.facts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.keys: list[pa.Array] = []
        self.edges: list[tuple[np.ndarray, np.ndarray]] = []
        self.town_ids: dict[str, int] = {}

    def take_all(self, batches: Iterable[Batch]) -> None:
        for batch in batches:
            self.take(batch)

    def take(self, batch: Batch) -> None:
        rows = self.parser.parse(batch)
        self.rows += int(rows.counted.sum())
        bad = np.flatnonzero(rows.failures.failed & rows.counted)
        self.errors += [(batch.first + position, rows.failures.messages[position])
                        for position in bad.tolist()]
        if batch.lines is not None:
            self.lines += batch.lines[bad].tolist()
        good = np.flatnonzero(rows.good)

        town_ids = [self.town_ids.setdefault(town, len(self.town_ids)) if town else _UNKNOWN
                    for town in rows.towns.to_pylist()]
        town = np.array([*town_ids, _UNKNOWN], dtype=np.int32)[rows.town_of_row]  # -1 picks the unknown
        order, case = _in_order_of_rows(rows.ref_of_row[good], len(rows.refs))
        self.cases.append(rows.refs.take(order).cast(pa.large_string()))  # 10⁸ rows' exceed 2 GB
        self.facts.append(tuple(_first_given(values[good], case, len(order), unknown)
                                for values, unknown in ((rows.loss_fen, _UNKNOWN), (rows.victims, _UNKNOWN),
                                                        (town, _UNKNOWN), (rows.day, _NO_DAY))))
        key_at = rows.key_of_row[good]
        linking = key_at >= 0
        distinct_keys, key_id = _encoded(rows.keys)  # two ways of writing one identifier: one key
        order, ident = _in_order_of_rows(key_id[key_at[linking]], len(distinct_keys))
        self.keys.append(distinct_keys.take(order).cast(pa.large_string()))
        self.edges.append((case[linking].astype(np.int32), ident.astype(np.int32)))

    def load(self, index: RingIndex) -> None:
        """Number the batches' cases and identifiers over the whole file (one hash pass each,
        in file order) and add everything to ``index``. What each step is done with is let go
        at once: at 10⁸ rows every copy is gigabytes."""
        cases, case_maps = _numbered(self.cases)
        facts = []
        for which, unknown in enumerate((_UNKNOWN, _UNKNOWN, _UNKNOWN, _NO_DAY)):
            merged = np.full(len(cases), unknown, dtype=np.int64 if which == 0 else np.int32)
            # Backwards, so that the earliest batch to give a case's fact writes it last.
            for case_map, batch_facts in zip(reversed(case_maps), reversed(self.facts), strict=True):
                given = batch_facts[which] != unknown
                merged[case_map[given]] = batch_facts[which][given]
            facts.append(merged)
        self.facts = []
        edge_case = _joined(to_case[c] for to_case, (c, _i) in zip(case_maps, self.edges, strict=True))
        del case_maps
        keys, key_maps = _numbered(self.keys)
        edge_ident = _joined(to_key[i] for to_key, (_c, i) in zip(key_maps, self.edges, strict=True))
        self.edges = []
        del key_maps
        loss, victims, town, day = facts
        town_names = pa.array(sorted(self.town_ids, key=self.town_ids.__getitem__), pa.string())
        index.add_columns(cases=cases, loss_fen=loss, victims=victims,
                          towns=town_names.take(pa.array(town, mask=town == _UNKNOWN)),
                          days=day, identifiers=keys, edge_case=edge_case, edge_ident=edge_ident)

    def error_lines(self, path: Path) -> list[int]:
        """Each error's line number (the csv module's reader counted them; Arrow's did not)."""
        if len(self.lines) == len(self.errors):
            return self.lines
        return record_lines(path, [record for record, _message in self.errors])


def record_lines(path: Path, records: list[int]) -> list[int]:
    """The line numbers of records (rows after the header, blank lines not counted, from 0;
    ascending), found with the csv module's reader, which counts lines as the row-by-row
    reader always has: a pass over the file up to the last of them."""
    lines: list[int] = []
    if not records:
        return lines
    wanted = iter(records)
    target = next(wanted)
    with path.open(encoding="utf-8-sig", newline="") as text:
        reader = csv.reader(text)
        next(reader)
        record = 0
        for row in reader:
            if not row:
                continue
            if record == target:
                lines.append(reader.line_num)
                target = next(wanted, -1)
                if target < 0:
                    break
            record += 1
    return lines


def _joined(parts: Iterable[np.ndarray]) -> np.ndarray:
    return np.concatenate([np.empty(0, np.int32), *(part.astype(np.int32) for part in parts)])


def _encoded(column: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The distinct values in order of first appearance, and each row's position among them
    (-1 for a null)."""
    encoded = column.dictionary_encode()
    return encoded.dictionary, pc.fill_null(encoded.indices, -1).to_numpy().astype(np.int64)


def _renumbered(numbers: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``numbers`` (each below ``count``), ascending, and the position of each
    of ``numbers`` among them: np.unique without the sort."""
    seen = np.zeros(count, dtype=bool)
    seen[numbers] = True
    return np.flatnonzero(seen), (np.cumsum(seen) - 1)[numbers]


def _in_order_of_rows(numbers: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``numbers`` (each below ``count``) in order of first appearance, and the
    position of each of ``numbers`` among them."""
    first = np.full(count, len(numbers), dtype=np.int64)
    np.minimum.at(first, numbers, np.arange(len(numbers)))
    present = np.flatnonzero(first < len(numbers))
    order = present[np.argsort(first[present], kind="stable")]
    position = np.empty(count, dtype=np.int64)
    position[order] = np.arange(len(order))
    return order, position[numbers]


def _first_given(values: np.ndarray, case: np.ndarray, cases: int, unknown: int) -> np.ndarray:
    """Per case, the value of its first row that gives one (``unknown`` if none does)."""
    given = np.flatnonzero(values != unknown)
    first = np.full(cases, len(values), dtype=np.int64)
    np.minimum.at(first, case[given], given)
    out = np.full(cases, unknown, dtype=values.dtype)
    found = first < len(values)
    out[found] = values[first[found]]
    return out


def _numbered(batches: list[pa.Array]) -> tuple[pa.Array, list[np.ndarray]]:
    """The distinct strings of all batches in order of first appearance, and per batch the
    position of each of its strings among them. Empties ``batches``, to free them early."""
    if not batches:
        return pa.array([], pa.large_string()), []
    # One hash pass over the batches joined: encoding them as chunks copies the growing
    # dictionary into every chunk.
    ends = np.cumsum([len(batch) for batch in batches])[:-1]
    joined = pa.concat_arrays(batches)
    batches.clear()
    pa.default_memory_pool().release_unused()
    dictionary, numbers = _encoded(joined)
    maps = np.split(numbers, ends)
    return dictionary, maps


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


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _money_text(fen: np.ndarray) -> pa.Array:
    cents = pc.utf8_lpad(pa.array(fen % 100).cast(pa.string()), 2, "0")
    return pc.binary_join_element_wise(pa.array(fen // 100).cast(pa.string()), cents, ".")


def _number_text(numbers: np.ndarray) -> pa.Array:
    return pa.array(numbers).cast(pa.string())


def _day_text(days: np.ndarray) -> pa.Array:
    dates = pa.array((days - _EPOCH_ORDINAL).astype(np.int32), pa.int32()).cast(pa.date32())
    return pc.if_else(pa.array(days == 0), "", dates.cast(pa.string()))


def _write_table(out: IO[str], header: tuple[str, ...], batches: Iterable[list[pa.Array]], *,
                 bar: Any = None) -> None:
    """Rows as ``csv.writer`` writes them, from batches of text columns. Where no cell needs
    quoting (the usual file), the lines are joined in Arrow: the same bytes, a fifth of the
    time."""
    writer = csv.writer(out)
    writer.writerow(header)
    for columns in batches:
        quoted = any(pc.any(pc.match_substring_regex(column, '[",\r\n]')).as_py() for column in columns)
        if quoted:
            writer.writerows(zip(*(column.to_pylist() for column in columns), strict=True))
        elif len(columns[0]):
            lines = pc.binary_join_element_wise(*columns, ",")
            out.write("\r\n".join(lines.to_pylist()))
            out.write("\r\n")
        if bar is not None:
            bar.update(len(columns[0]))


def write_rings(rings: RankedRings, out: IO[str], *, progress: Callable[..., Any] | None = None) -> None:
    columns = rings.columns()
    as_text = {"loss_fen": _money_text, "first_day": _day_text, "last_day": _day_text,
               "major": lambda major: pa.array(major.astype(np.int8)).cast(pa.string())}
    names = ("cases", "victims", "loss_fen", "towns", "first_day", "last_day", "major", "identifiers")
    bar = progress(total=len(rings), unit=" rings") if progress else None

    def batches() -> Iterator[list[pa.Array]]:
        for lo in range(0, len(rings), _WRITE_BATCH):
            hi = lo + _WRITE_BATCH
            texts = [as_text.get(name, _number_text)(columns[name][lo:hi]) for name in names]
            yield [_number_text(np.arange(lo + 1, min(hi, len(rings)) + 1)),
                   columns["ring_id"].slice(lo, _WRITE_BATCH).cast(pa.string()), *texts]

    try:
        _write_table(out, RING_HEADER, batches(), bar=bar)
    finally:
        if bar is not None:
            bar.close()


def write_members(index: RingIndex, out: IO[str]) -> None:
    _write_table(out, MEMBER_HEADER, ([refs.cast(pa.string()), ring_ids.cast(pa.string())]
                                      for refs, ring_ids in index.member_columns()))


def write_left_out(left_out: list[LeftOut], out: IO[str]) -> None:
    writer = csv.writer(out)
    writer.writerow(LEFT_OUT_HEADER)
    writer.writerows((*item.identifier.split(":", 1), item.cases, item.reason) for item in left_out)
