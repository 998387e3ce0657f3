"""What every ledger (台账) import and export shares, whatever kind of case it holds.

A district keeps its ledgers in Excel: Chinese headers and their common synonyms, a title
row above the headers, dates typed in any of the usual ways, full-width digits and stray
spaces, sometimes saved as CSV by Excel on Chinese Windows. This module reads such a file
into numbered rows (``read_sheet``), cleans cells for a kind's row schema (``KeyedRow``,
the ``clean_*`` functions, ``split_values`` and ``Choices``), binds every row to that schema
collecting every bad row (``validate_rows``), finds the units and the cases a batch names
(``RowChecks``, ``ExistingCases``), sends the new rows through the services all or nothing
(``RowChecks.write``), and writes the export (``write_workbook``, ``write_in_full``).

What a row means, which services check it and how it is written stay with each kind:
``pingan.hazards.ledger``, ``pingan.petitions.ledger`` and ``pingan.fraud.ledger``.
"""

from __future__ import annotations

import codecs
import copy
import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException
from pydantic import TypeAdapter, ValidationError, ValidationInfo, field_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass
from pydantic_core import PydanticCustomError

from pingan.core import errors
from pingan.core.deadlines import end_of_day
from pingan.core.divisions import division_prefix, short_name
from pingan.core.models import Case, Role, Unit, UnitKind
from pingan.core.people import HANDLER_ROLES, handles_on_its_ground, in_domain_q
from pingan.core.scoping import scope_for
from pingan.core.users import User

MSG_REQUIRED = _("This cell must not be empty.")
MSG_TOO_LONG = _("Longer than {limit} characters.")
MSG_BAD_DATE = _("“{value}” is not a date (write it like 2026-04-25 or 2026年4月25日).")
MSG_FUTURE_DATE = _("The date {value} lies in the future.")
MSG_BAD_CHOICE = _("Unknown value “{value}”; use one of: {choices}.")
MSG_DUPLICATE_KEY = _("The reference “{value}” already appears in row {row}.")
MSG_NO_UNIT = _("Give the unit, by name or by code.")
MSG_UNKNOWN_UNIT = _("There is no unit “{value}”.")
MSG_AMBIGUOUS_UNIT = _(
    "“{value}” may be any of these units: {candidates}. Give the full name or the unit code."
)
MSG_UNIT_NOT_IN_SCOPE = _("There is no unit “{value}” in your area.")
MSG_UNIT_MISMATCH = _("Unit code {code} is {name}, not “{value}”.")
MSG_REJECTED = _("{count} row(s) have errors; nothing was imported.")
MSG_SUMMARY = _("{rows} rows: {created} created, {updated} updated, {unchanged} unchanged.")
MSG_SUMMARY_DRY_RUN = _("Dry run, nothing written. {rows} rows: {created} to create, {updated} to "
                        "update, {unchanged} unchanged.")
MSG_NO_HEADER = _("No header row found: one of the first rows must name the columns, e.g. {headers}.")
MSG_COLUMNS_UNKNOWN = _(
    "No column of the file was recognised as {missing}. The file's columns are: {found}. Say which "
    "column holds each of these (map the columns), and the file is read with that."
)
MSG_MAP_UNKNOWN_FIELD = _("“{field}” is not a field of this ledger; the fields are: {fields}.")
MSG_MAP_UNKNOWN_COLUMN = _("The file has no column “{column}”; its columns are: {found}.")
MSG_MAP_COLUMN_TWICE = _("The column “{column}” is given to more than one field.")
MSG_MISSING_COLUMNS = _("The file has no column for: {columns}.")
MSG_NO_ROWS = _("“{name}” has no rows under its header: nothing to import.")
MSG_UNKNOWN_FORMAT = _("Cannot read “{name}”: save it as .xlsx or .csv.")
MSG_UNREADABLE = _("Cannot read “{name}”: {problem}")
MSG_CONCURRENT = _("Another import wrote the same references meanwhile; nothing was imported. Run it again.")
MSG_ROW_ERROR = _("Row {row}, {column}{value}: {message}")
MSG_UNZIPPED_TOO_LARGE = _(
    "The workbook unpacks to {size} MB, more than the {limit} MB a ledger may hold: split it into several "
    "files."
)
MSG_PACKED_TOO_TIGHT = _(
    "Part of the workbook unpacks to {ratio} times its packed size, which no spreadsheet does (it may be a "
    "zip bomb): the file is not read. Open it in Excel and save it again."
)
MSG_CELL_TOO_LONG = _("The cell holds {length} characters; a cell holds at most {limit}.")
MSG_LONG_NUMBER = _(
    "Excel keeps only 15 digits of a number, so this one has lost its last digits: format the "
    "column as text and type it again."
)

# The roles whose holders may be given a case to handle.
# A ledger often carries a title line or two above the header row.
HEADER_SEARCH_ROWS = 20
# Rows looked up in the database at once (an IN list each SQLite version accepts).
LOOKUP_BATCH = 1000
# Units listed when a name is ambiguous.
CANDIDATES_SHOWN = 5
# Significant digits Excel keeps of a number: a longer account or ID typed as one is corrupt.
EXCEL_DIGITS = 15
# How tightly a workbook's part may be packed. Real ledgers' sheets pack 10–26 to 1 (the hazard
# benchmark's 12:1; a sheet of one word repeated in every cell, 26:1); deflate's ceiling, where zip
# bombs sit, is about 1,030:1. 100:1 leaves real files a fourfold margin.
MAX_PACKING_RATIO = 100
# Parts (and whole workbooks) smaller than this unpacked are not held to the ratio: however tightly
# packed, they cost no memory or time that matters.
PACKING_CHECKED_FROM = 4 * 1024 * 1024


# ---------------------------------------------------------------------------
# Columns: one table for the export's headers and the import's synonyms.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    # Further headers the import accepts, in order of preference when a file has several.
    aliases: tuple[str, ...] = ()
    width: int = 14
    _: KW_ONLY
    # The exported cell, from the exported item and the Chinese labels of its choices.
    value: Callable[[Any, Mapping[str, Mapping[str, str]]], Any]
    imported: bool = True
    # Personal data: an error about the cell never repeats its value.
    private: bool = False


def squash(value: str) -> str:
    """NFKC (full-width digits, letters and the ideographic space become plain ones) and no
    whitespace at all: for headers, codes, dates and labels, never for free text."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))


# What a bracket holds in a header is a note to the person filling it in ("（必填）",
# "【单选】", "(元)"), or the second name of the same thing ("所属乡镇（街道）"). Full-width
# brackets are half-width after NFKC; 【】 and 〔〕 have no half-width form.
_BRACKETED = re.compile(r"[(\[【〔〈<{][^)\]】〕〉>}]*[)\]】〕〉>}]")


def header_key(value: Any) -> str:
    """A header as the import compares it: "隐患名称（必填）", "* 标题：", "所属乡镇【街道】 "
    and "Title" name their columns as "隐患名称", "标题", "所属乡镇" and "title" do. Full-width
    letters, spaces, asterisks, what brackets hold and a trailing colon do not count."""
    text = squash(str(value or "")).replace("*", "").replace("※", "")
    return _BRACKETED.sub("", text).rstrip(":").lower()


# Headers that mean the same in every ledger, as the templates of the district's
# emergency-management, fire and petition offices write them (compared by ``header_key``, so
# 所属乡镇（街道） is 所属乡镇 and 乡镇（街道） is 乡镇). A kind adds its own words after these.
REF_HEADERS = ("平安编号", "reference", "ref")
EXTERNAL_REF_HEADERS = ("原编号", "台账编号", "external_ref", "externalreference")
# The finest level first: a ledger with a town column and a village column names the village.
UNIT_NAME_HEADERS = (
    "所属单位", "单位名称", "所在单位", "单位", "unit", "属地", "所属村社", "村社", "所在村社", "所属村",
    "所在村", "村", "所属社区", "社区", "村社区", "所属乡镇", "所在乡镇", "属地乡镇", "乡镇", "乡镇名称",
    "所属镇", "所属街道", "街道", "镇街", "所属镇街", "乡镇街道", "所属乡镇街道",
)
UNIT_CODE_HEADERS = ("区划代码", "单位编码", "单位代码", "行政区划代码", "区划编码", "行政区划编码",
                     "unitcode")
# A rectification deadline (hazards), as 整改期限 or any of these.
DEADLINE_HEADERS = (
    "整改时限", "整改期限", "完成时限", "完成期限", "整改完成时限", "整改完成期限", "整改截止日期",
    "整改截止时间", "限期整改日期", "限改日期", "要求完成时间", "要求完成日期", "要求整改时间",
    "deadline", "due",
)
# The person answerable for fixing it (hazards), as 责任人 or any of these.
RESPONSIBLE_HEADERS = ("整改责任人", "责任人", "责任人姓名", "整改负责人", "负责人", "包保责任人",
                       "责任人员", "responsible")


class Layout:
    """A kind's ledger columns as the import sees them.

    ``anchors`` are the fields whose columns mark the header row (every ledger has one of
    them; the first is the column an error about the whole row names);
    ``required`` lists the columns a file must have, each a group of fields of which one
    suffices (the unit by name or by code); ``example`` names the headers an error about a
    missing header row suggests."""

    def __init__(self, columns: Sequence[Column], *, anchors: Sequence[str],
                 required: Sequence[tuple[str, ...]], example: Sequence[str]):
        self.columns = tuple(columns)
        self.headers = {c.field: c.header for c in columns}
        self.anchors = tuple(anchors)
        self.anchor = self.anchors[0]
        self.required = tuple(required)
        self.example = tuple(example)
        self.private = frozenset(c.field for c in columns if c.private)
        # header_key -> header, of the columns a mapping names (``mapped``)
        self.mapping: dict[str, str] = {}
        self.fields: dict[str, tuple[str, int]] = {}
        for c in columns:
            for rank, name in enumerate((c.header, *c.aliases) if c.imported else ()):
                known = self.fields.setdefault(header_key(name), (c.field, rank))
                if known[0] != c.field:
                    raise ValueError(f"“{name}” names both {known[0]} and {c.field}")

    @property
    def importable(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.imported)

    def is_required(self, field: str) -> bool:
        return any(field in group for group in self.required)

    def field_named(self, name: str) -> str:
        """The field ``name`` gives in a column mapping: a field's key (title) or its header
        (标题); raises DomainError for anything else."""
        for column in self.importable:
            if header_key(name) in (column.field.lower(), header_key(column.header)):
                return column.field
        fields = "、".join(f"{c.field}（{c.header}）" for c in self.importable)
        raise errors.DomainError(MSG_MAP_UNKNOWN_FIELD.format(field=name, fields=fields), field="mapping")

    def mapped(self, mapping: Mapping[str, str]) -> Layout:
        """This layout with the file's own headers given their fields (``{header: field}``): a
        mapped header names its field before any synonym does. Raises DomainError for a
        field the ledger does not have, or a column given twice."""
        given = copy.copy(self)
        given.fields = dict(self.fields)
        given.mapping = {}
        for header, name in mapping.items():
            key = header_key(header)
            if key in given.mapping:
                raise errors.DomainError(MSG_MAP_COLUMN_TWICE.format(column=header), field="mapping")
            given.fields[key] = (self.field_named(name), -1)
            given.mapping[key] = header
        return given

    def missing(self, present: Iterable[str]) -> list[str]:
        present = set(present)
        return ["/".join(self.headers[f] for f in group) for group in self.required
                if not present.intersection(group)]


# ---------------------------------------------------------------------------
# Choice labels: what a ledger writes for a category, a grade or a status.
# ---------------------------------------------------------------------------


def zh_labels(choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices}


class Choices:
    """Every way a ledger may write one of ``choices``: the given synonyms, the stored key,
    and the label in English and in Chinese. ``suffixes`` are words a ledger adds to a label
    ("消防类", "消防隐患") that do not change it. Build it per import: the labels are read
    in each language."""

    def __init__(self, choices: Sequence[tuple[str, Any]],
                 aliases: Mapping[str, tuple[str, ...]] | None = None, *,
                 suffixes: tuple[str, ...] = ("类",)):
        self.choices = choices
        self.suffixes = suffixes
        table = {self.key(alias): value for value, names in (aliases or {}).items() for alias in names}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                table.update({self.key(str(label)): value for value, label in choices})
        table.update({self.key(value): value for value, _label in choices})
        self.table = table

    def key(self, value: str) -> str:
        key = header_key(value)
        while key.endswith(self.suffixes) and len(key) > 2:
            for suffix in self.suffixes:
                key = key.removesuffix(suffix)
        return key

    def clean(self, value: Any, *, required: bool = False) -> str | None:
        """The stored key a cell names, None for an empty cell; raises a row error."""
        text = plain(value).strip()
        if not text:
            if required:
                raise invalid(MSG_REQUIRED)
            return None
        found = self.table.get(self.key(text))
        if found is None:
            raise invalid(MSG_BAD_CHOICE, value=text, choices="、".join(zh_labels(self.choices).values()))
        return found


# ---------------------------------------------------------------------------
# Cell values, for a kind's row schema (a pydantic dataclass)
# ---------------------------------------------------------------------------


def invalid(message: Any, **params: Any) -> PydanticCustomError:
    return PydanticCustomError("ledger", str(message).format(**params))


def plain(value: Any) -> str:
    """A cell as text; whole numbers without their ".0" (Excel stores 12 as 12.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def clean_code(value: Any, *, limit: int | None = None) -> str:
    text = squash(plain(value))
    if limit is not None and len(text) > limit:
        raise invalid(MSG_TOO_LONG, limit=limit)
    return text


def clean_line(value: Any, *, limit: int, required: bool = False) -> str:
    # Free text keeps its own punctuation (no NFKC); only the spacing is tidied.
    text = re.sub(r"\s+", " ", plain(value)).strip()
    if required and not text:
        raise invalid(MSG_REQUIRED)
    if len(text) > limit:
        raise invalid(MSG_TOO_LONG, limit=limit)
    return text


def clean_text(value: Any, *, limit: int | None = None) -> str:
    lines = plain(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    text = "\n".join(line.rstrip() for line in lines).strip()
    if limit is not None and len(text) > limit:
        raise invalid(MSG_TOO_LONG, limit=limit)
    return text


# Where a clause ends: Chinese clause punctuation, a line break, or Western , . : ; ! ? (a comma,
# point or colon between digits is part of a number or a time: 1,000, 3.5米, 14:30). Not 、,
# which lists things within a clause (电线、插座老化).
_CLAUSE_END = re.compile(r"[，。；！？：;!?\n]|(?<!\d)[,.:]|[,.:](?!\d)")


def title_from(title: str | None, text: str | None, *, limit: int) -> str:
    """A row's title: its own when the file has a title column (``title`` is not None), else
    the first clause of ``text`` (the description), cut to ``limit`` characters: many ledgers
    only describe the problem. Raises a row error when there is neither."""
    if title is not None:
        return title
    for clause in _CLAUSE_END.split(text or ""):
        clause = re.sub(r"\s+", " ", clause).strip()
        if clause:
            return clause[:limit]
    raise invalid(MSG_REQUIRED)


_VALUE_SEPARATORS = re.compile(r"[、,;，；]")


def split_values(value: Any, *, keep_empty: bool = False) -> list[str]:
    """Several values in one cell: one a line when the cell has line breaks (a value may then
    hold a comma), else separated by 、 , or ; (full-width too). ``keep_empty`` keeps the places
    left empty ("、13800000001": the first has none), for columns read side by side; an empty
    first line is such a place, empty last lines are not."""
    text = plain(value).replace("\r\n", "\n").replace("\r", "\n").rstrip().lstrip(" \t")
    if not text:
        return []
    parts = [part.strip() for part in (text.split("\n") if "\n" in text else _VALUE_SEPARATORS.split(text))]
    return parts if keep_empty else [part for part in parts if part]


def refuse_long_number(value: Any) -> None:
    """An account or ID number Excel stored as a number has lost digits past the fifteenth:
    no cleaning gets them back."""
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if whole and not isinstance(value, bool) and len(str(abs(int(value)))) > EXCEL_DIGITS:
        raise invalid(MSG_LONG_NUMBER)


def clean_moment(value: Any, *, now: dt.datetime, required: bool = False) -> dt.datetime | None:
    try:
        moment = parse_moment(value)
    except (ValueError, OverflowError):
        raise invalid(MSG_BAD_DATE, value=plain(value).strip()) from None
    if moment is None and required:
        raise invalid(MSG_REQUIRED)
    if moment and moment > now:
        raise invalid(MSG_FUTURE_DATE, value=timezone.localtime(moment).strftime("%Y-%m-%d %H:%M"))
    return moment


def clean_deadline(value: Any) -> dt.datetime | None:
    """A deadline cell (整改期限): the end of that local day, whatever time is written with it."""
    try:
        moment = parse_moment(value)
    except (ValueError, OverflowError):
        raise invalid(MSG_BAD_DATE, value=plain(value).strip()) from None
    day = local_day(moment)
    return end_of_day(day) if day else None


_DATE_RE = re.compile(
    r"(?P<y>\d{4})\s*[年/\-.]\s*(?P<m>\d{1,2})\s*[月/\-.]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:(?:\s*T\s*|\s+|(?<=日))(?P<H>\d{1,2})\s*[:时点]\s*"
    r"(?:(?P<M>\d{1,2})\s*(?:(?::|分)\s*(?P<S>\d{1,2}(?:\.\d+)?)\s*秒?|分)?)?)?"
)
# Excel's serial day numbers from 1950 to 2100: a bare number in a date column.
_SERIAL_RANGE = (18264, 73051)


def parse_moment(value: Any) -> dt.datetime | None:
    """A moment as a ledger writes it, as an aware datetime (naive values are local).

    Accepts Excel date and datetime cells and serial numbers, and text such as
    ``2026年4月25日``, ``2026/4/25``, ``2026-04-25 14:30``, ``2026.4.25``, ``20260425``,
    full-width ``２０２６年４月２５日`` and any spaces in between. Raises ValueError.
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time.min)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1]:
            raise ValueError(value)
        moment = from_excel(value)
    else:
        moment = _parse_date_text(
            re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(value))).strip()
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def _parse_date_text(text: str) -> dt.datetime:
    if not text:
        raise ValueError(text)
    digits = text.replace(" ", "")
    if re.fullmatch(r"\d{8}", digits):
        return dt.datetime(int(digits[:4]), int(digits[4:6]), int(digits[6:]))  # noqa: DTZ001 (made aware by the caller)
    match = _DATE_RE.fullmatch(text)
    if match is None:
        # ISO 8601 with an offset, as other systems export it.
        return dt.datetime.fromisoformat(text)
    seconds = float(match["S"] or 0)
    return dt.datetime(  # noqa: DTZ001 (made aware by the caller)
        int(match["y"]), int(match["m"]), int(match["d"]), int(match["H"] or 0),
        int(match["M"] or 0), int(seconds), round((seconds % 1) * 1_000_000),
    )


def local_naive(moment: dt.datetime | None) -> dt.datetime | None:
    # Excel has no time zones: a ledger shows local wall-clock time.
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def local_day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(moment).date() if moment else None


def provisional_cell(case: Any) -> str:
    """The export's mark on a due date counted on a year's provisional holidays."""
    return "暂定" if case.due_provisional else ""


def person_name(user: User | None) -> str:
    return (user.get_full_name() or user.username) if user else ""


class UnitPeople:
    """The people a ledger may name as responsible for a case of a unit: the active users who
    hold a handler's role or higher of the kind's domain (or of every domain) at that very
    unit, by every way a ledger writes them (username, full name in either order, without
    spaces). Read once per unit and import. As ``core.people.case_assignees`` has it, the
    district's own roles are oversight, not handling: a case filed at the district names no
    one of it."""

    def __init__(self, *, kind: str) -> None:
        self.by_unit: dict[int, dict[str, set[Any]]] = {}
        self.in_domain = in_domain_q(kind, role="")

    def match(self, unit: Unit, name: str | None) -> Any:
        """The one user of ``unit`` called ``name``; None when none or several are."""
        if not name or not handles_on_its_ground(unit):
            return None
        if unit.pk not in self.by_unit:
            names: dict[str, set[Any]] = defaultdict(set)
            roles = Role.objects.filter(self.in_domain, unit=unit, user__is_active=True,
                                        role__in=HANDLER_ROLES)
            for role in roles.select_related("user"):
                user = role.user
                for written in (user.username, user.get_full_name(), user.last_name + user.first_name):
                    if written.strip():
                        names[squash(written)].add(user)
            self.by_unit[unit.pk] = names
        users = self.by_unit[unit.pk].get(squash(name), set())
        return next(iter(users)) if len(users) == 1 else None


@pydantic_dataclass(slots=True, kw_only=True)
class KeyedRow:
    """What every ledger row has: its references and its unit, cleaned. A kind's row
    schema extends it (keyword-only, so that its required fields may follow these).
    ``None``: the file has no such column."""

    ref: str | None = None
    external_ref: str | None = None
    unit_name: str | None = None
    unit_code: str | None = None

    @field_validator("ref", "external_ref", "unit_name", "unit_code", mode="before")
    @classmethod
    def _code(cls, value: Any, info: ValidationInfo) -> str:
        if info.field_name == "ref":
            return clean_code(value).upper()
        limit = Case._meta.get_field("external_ref").max_length if info.field_name == "external_ref" else None
        return clean_code(value, limit=limit)

    @property
    def key(self) -> str:
        """What identifies the row across imports: its external reference, else its
        Pingan reference (an exported ledger read back)."""
        return self.external_ref or self.ref or ""


# ---------------------------------------------------------------------------
# Reading .xlsx and .csv
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str
    value: str = ""

    def __str__(self) -> str:
        value = f" “{self.value}”" if self.value else ""
        return str(MSG_ROW_ERROR).format(row=self.row, column=self.column, value=value,
                                         message=self.message)


class LedgerRejected(errors.DomainError):
    """The file has bad rows; ``row_errors`` lists every one. Nothing was written."""

    code = "ledger_rejected"

    def __init__(self, row_errors: list[RowError]):
        self.row_errors = sorted(row_errors, key=lambda e: e.row)
        super().__init__(MSG_REJECTED.format(count=len({e.row for e in row_errors})))


class LedgerColumnsUnknown(errors.DomainError):
    """The file's header row does not name every column the ledger needs. ``found`` is that
    row as the file writes it; ``recognised`` the fields already known (field -> header);
    ``missing`` the needed columns not found. A column mapping (``read_sheet``'s ``mapping``)
    answers it. Nothing was read past the header."""

    code = "ledger_columns_unknown"

    def __init__(self, sheet: Sheet, *, missing: list[str]):
        self.layout = sheet.layout
        self.found = list(dict.fromkeys(sheet.found))
        self.recognised = dict(sheet.headers)
        self.missing = missing
        super().__init__(MSG_COLUMNS_UNKNOWN.format(missing="、".join(missing), found="、".join(self.found)))

    @property
    def header_hash(self) -> str:
        return header_hash(self.found)


def header_hash(headers: Iterable[str]) -> str:
    """What identifies a template: its header row, each header as the import compares it."""
    return hashlib.sha256("\x1f".join(header_key(h) for h in headers).encode()).hexdigest()


@dataclass
class Sheet:
    layout: Layout
    columns: dict[str, int]  # field -> column index
    headers: dict[str, str]  # field -> the header as the file writes it
    rows: Iterator[tuple[int, Sequence[Any]]]
    total: int | None
    close: Callable[[], None] = lambda: None
    # The header row as the file writes it (its filled cells), or the row most like one.
    found: list[str] = field(default_factory=list)

    def column(self, name: str) -> str:
        """The header an error about ``name`` names: as the file writes it, else the one
        the file has of the same group (the unit by code when it has no unit name)."""
        if name in self.headers:
            return self.headers[name]
        group = next((g for g in self.layout.required if name in g), ())
        present = next((self.headers[f] for f in group if f in self.headers), None)
        return present or self.layout.headers.get(name, name)

    def error(self, number: int, name: str, message: Any, value: Any = "") -> RowError:
        shown = "" if name in self.layout.private else plain(value).strip()[:60]
        return RowError(row=number, column=self.column(name), message=str(message), value=shown)


def _find_header(rows: Iterator[Sequence[Any]],
                 layout: Layout) -> tuple[int, dict[str, int], dict[str, str], list]:
    """The header row among the first rows: the one that names an anchor column and the
    most known columns, else (nothing known) the first of the fullest rows, which is where
    a person would look for the headers. Returns its row number (0 for an empty sheet), the
    columns known in it, their headers, and the rows read past it."""
    seen: list[Sequence[Any]] = []
    best: tuple[int, int] | None = None  # (row number, columns known)
    for number, row in enumerate(rows, start=1):
        seen.append(row)
        known = _known_columns(row, layout)
        if any(a in known for a in layout.anchors) and (best is None or len(known) > best[1]):
            best = (number, len(known))
        if number >= HEADER_SEARCH_ROWS:
            break
    if best is None:
        filled = [len(_texts(row)) for row in seen]
        best = (filled.index(max(filled)) + 1 if any(filled) else 0, 0)
    if not best[0]:
        return 0, {}, {}, seen
    ranks = _known_columns(seen[best[0] - 1], layout)
    return best[0], {f: r[1] for f, r in ranks.items()}, {f: r[2] for f, r in ranks.items()}, seen


def _known_columns(row: Sequence[Any], layout: Layout) -> dict[str, tuple[int, int, str]]:
    """field -> (synonym rank, column index, header as written) of the row's known headers;
    of two headers of one field, the preferred synonym's."""
    ranks: dict[str, tuple[int, int, str]] = {}
    for index, cell in enumerate(row):
        known = layout.fields.get(header_key(cell))
        if known and (known[0] not in ranks or known[1] < ranks[known[0]][0]):
            ranks[known[0]] = (known[1], index, str(cell).strip())
    return ranks


def _texts(cells: Sequence[Any]) -> list[str]:
    return [str(cell).strip() for cell in cells if cell is not None and str(cell).strip()]


def _sheet(rows: Iterator[Sequence[Any]], total: int | None, layout: Layout) -> Sheet:
    header_row, columns, headers, seen = _find_header(rows, layout)

    def body() -> Iterator[tuple[int, Sequence[Any]]]:
        yield from enumerate(seen[header_row:], start=header_row + 1)
        yield from enumerate(rows, start=len(seen) + 1)

    return Sheet(layout=layout, columns=columns, headers=headers, rows=body(),
                 total=(total - header_row) if total and total > header_row else None,
                 found=_texts(seen[header_row - 1]) if header_row else [])


def check_workbook(source: str | Path | IO[bytes]) -> None:
    """Refuse (DomainError) a workbook that would unpack to more than a ledger may hold, before
    anything unpacks it: the upload limits weigh the packed file, and a few hundred kilobytes
    of a tightly packed part unpack to gigabytes (a zip bomb). Python's zipfile, which openpyxl
    reads through, never unpacks more of a part than its declared size, so the declared sizes
    bound the work; parts that claim more packed bytes than the file has lie about their ratio.
    A file that is no zip raises zipfile.BadZipFile (one of ``READ_ERRORS``)."""
    start = 0 if isinstance(source, str | Path) else source.tell()
    with zipfile.ZipFile(source) as archive:
        parts = [(part.file_size, part.compress_size) for part in archive.infolist()]
    if isinstance(source, str | Path):
        size = Path(source).stat().st_size
    else:
        size = source.seek(0, io.SEEK_END) - start
        source.seek(start)
    unpacked = sum(part[0] for part in parts)
    limit = settings.PINGAN_LEDGER_MAX_UNZIPPED_BYTES
    if unpacked > limit:
        raise errors.DomainError(MSG_UNZIPPED_TOO_LARGE.format(size=unpacked // 2**20, limit=limit // 2**20))
    # The whole workbook is held to the ratio too (many small bombs are one big one), counted on
    # the bytes the file has when its parts claim more.
    whole = (unpacked, min(sum(part[1] for part in parts), size))
    for part_unpacked, part_packed in (*parts, whole):
        if part_unpacked > PACKING_CHECKED_FROM and part_unpacked > MAX_PACKING_RATIO * part_packed:
            raise errors.DomainError(MSG_PACKED_TOO_TIGHT.format(ratio=part_unpacked // max(part_packed, 1)))


def open_workbook(source: str | Path | IO[bytes], *, data_only: bool) -> Any:
    """A workbook in openpyxl's read-only mode, which streams its rows, once ``check_workbook``
    has passed it. Read its sheets with ``every_row``."""
    check_workbook(source)
    return load_workbook(source, read_only=True, data_only=data_only)


def every_row(worksheet: Any, **options: Any) -> Iterator[tuple[Any, ...]]:
    """A read-only worksheet's rows (``iter_rows``' values, given its ``options``) to the last
    one. Read-only mode stops at the size a sheet declares (its <dimension>), which a program
    may write wrong, or as "A1" alone (Apache POI's streaming writer does): the rows past it
    would be dropped without a word. The declared size (``max_row``) is gone after this."""
    worksheet.reset_dimensions()
    return worksheet.iter_rows(values_only=True, **options)


def _read_xlsx(source: Any, layout: Layout) -> Sheet | None:
    """The first worksheet whose header row the layout knows, else the first one."""
    workbook = open_workbook(source, data_only=True)
    first = None
    for worksheet in workbook.worksheets:
        declared_rows = worksheet.max_row  # for the progress bar alone: every row is read, whatever it says
        sheet = _sheet(every_row(worksheet), declared_rows, layout)
        if any(anchor in sheet.columns for anchor in layout.anchors):
            # Read-only mode keeps the file open while the rows stream.
            sheet.close = workbook.close
            return sheet
        first = first or sheet
    workbook.close()
    return first


def decode_csv(data: bytes) -> str:
    """CSV text in UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text"), or
    GB18030, which Excel on Chinese Windows writes and which includes GBK and GB2312."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _read_csv(data: bytes, layout: Layout) -> Sheet:
    text = decode_csv(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    return _sheet(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter),
                  text.count("\n") or None, layout)


# What openpyxl and csv raise for a file that is not what its name says, on opening it or
# while its rows stream.
READ_ERRORS = (OSError, ValueError, KeyError, csv.Error, zipfile.BadZipFile, InvalidFileException)


def file_name(file: str | Path | IO[bytes], filename: str | None = None) -> str:
    """The name an import reads the format from and names in its notes: ``filename``, else
    the file's own (a path, or an upload's name)."""
    if filename:
        return filename
    named = file if isinstance(file, str | Path) else getattr(file, "name", None)
    return Path(str(named or "ledger.xlsx")).name


def read_sheet(source: str | Path | IO[bytes], name: str, layout: Layout,
               mapping: Mapping[str, str] | None = None) -> Sheet:
    """The ledger's header and rows, from a path or a binary file named ``name``.

    ``mapping`` (``{header as the file writes it: field}``) says what the file's own columns
    hold. A file whose header row does not name every column the ledger needs raises
    ``LedgerColumnsUnknown``, with the columns it has; a mapping that names a column the
    file does not have, or a field the ledger does not have, raises DomainError."""
    if mapping:
        layout = layout.mapped(mapping)
    suffix = Path(name).suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt"):
        raise errors.DomainError(MSG_UNKNOWN_FORMAT.format(name=name))
    try:
        if suffix in (".xlsx", ".xlsm"):
            sheet = _read_xlsx(source, layout)
        else:
            data = Path(source).read_bytes() if isinstance(source, str | Path) else source.read()
            sheet = _read_csv(data, layout)
    except READ_ERRORS as exc:
        raise errors.DomainError(MSG_UNREADABLE.format(name=name, problem=exc)) from exc
    if sheet is None or not sheet.found:
        raise errors.DomainError(MSG_NO_HEADER.format(
            headers="、".join(layout.headers[f] for f in layout.example)))
    found = {header_key(header) for header in sheet.found}
    absent = [header for key, header in layout.mapping.items() if key not in found]
    missing = layout.missing(sheet.columns)  # every required column, when none is known
    if absent or missing:
        sheet.close()
    if absent:
        found_text = "、".join(sheet.found)
        raise errors.DomainError(MSG_MAP_UNKNOWN_COLUMN.format(column=absent[0], found=found_text),
                                 field="mapping")
    if missing:
        raise LedgerColumnsUnknown(sheet, missing=missing)
    return sheet


MSG_FORMULA = _("A formula ({formula}): paste the values instead (Excel: Paste Special → Values).")


def read_bounded(file: str | Path | IO[bytes], *, limit: int, unreadable: Any, too_large: Any) -> bytes:
    """The bytes of a path or a binary file, read at most one byte past ``limit``: a file
    larger raises DomainError ``too_large``; one that cannot be read, ``unreadable``."""
    try:
        if isinstance(file, str | Path):
            with Path(file).open("rb") as handle:
                data = handle.read(limit + 1)
        else:
            data = file.read(limit + 1)
    except OSError as exc:
        raise errors.DomainError(unreadable) from exc
    if len(data) > limit:
        raise errors.DomainError(too_large)
    return data


def scan_workbook(data: bytes, *, max_rows: int, max_columns: int, unreadable: Any,
                  too_many_rows: Any) -> tuple[list[str], list[RowError]]:
    """An .xlsx workbook's sheet titles (as ``header_key`` compares them) and a row error for
    every formula in it: the import reads the values Excel last saved, which a formula never
    calculated (a file written by a program) does not have, so each is refused by its cell.
    A file that is no workbook raises DomainError ``unreadable``; a sheet longer than
    ``max_rows``, ``too_many_rows`` (with its {sheet} and {limit}). At most ``max_columns``
    columns are read per row: a hostile sheet may claim thousands. A total's row (合计, which
    the import skips) may sum its column with a formula."""
    try:
        workbook = open_workbook(io.BytesIO(data), data_only=False)
    except READ_ERRORS as exc:
        raise errors.DomainError(unreadable) from exc
    formulas: list[RowError] = []
    try:
        for worksheet in workbook.worksheets:
            for number, row in enumerate(every_row(worksheet, max_col=max_columns), start=1):
                if number > max_rows:
                    raise errors.DomainError(too_many_rows.format(sheet=worksheet.title, limit=max_rows))
                if is_footer(row):
                    continue
                formulas += [RowError(row=number, column=f"{worksheet.title}!{get_column_letter(index + 1)}",
                                      message=str(MSG_FORMULA).format(formula=cell[:40]))
                             for index, cell in enumerate(row)
                             if isinstance(cell, str) and cell.startswith("=") and len(cell) > 1]
        titles = [header_key(worksheet.title) for worksheet in workbook.worksheets]
    except READ_ERRORS as exc:
        raise errors.DomainError(unreadable) from exc
    finally:
        workbook.close()
    return titles, formulas


class _Silent:
    def update(self, n: int = 1) -> None:
        """Nothing to show."""


# Called as progress(total=…, desc=…), gives a context manager whose value has update(n):
# tqdm on the command line, a stored counter for the web.
Progress = Callable[..., AbstractContextManager[Any]]


def no_progress(*, total: int | None = None, desc: str = "") -> AbstractContextManager[Any]:
    return nullcontext(_Silent())


# A row a ledger adds below its entries: a total (合计: 12 条) or who filled it in and checked it.
FOOTER_WORDS = ("合计", "总计", "小计", "共计", "填表人", "填报人", "制表人", "审核人", "统计人",
                "负责人签字")


_FOOTER_STARTS = frozenset(word[0] for word in FOOTER_WORDS)


def is_footer(cells: Sequence[Any]) -> bool:
    first = next((cell for cell in cells if cell is not None and str(cell).strip()), None)
    # Most rows start with a number or a reference: answered without normalising anything.
    if not isinstance(first, str) or first.strip()[0] not in _FOOTER_STARTS:
        return False
    return header_key(first).startswith(FOOTER_WORDS)


def validate_rows(sheet: Sheet, schema: TypeAdapter, *, context: Mapping[str, Any],
                  row_errors: list[RowError], progress: Progress = no_progress) -> list[tuple[int, Any]]:
    """Every non-empty row bound to ``schema``, in pure Python: the rows that pass with
    their numbers; each failing cell appended to ``row_errors``. A cell longer than
    ``PINGAN_LEDGER_MAX_CELL_CHARS`` is an error of its own, whatever its column holds: the
    rest of its row is still checked, without it."""
    columns = sheet.columns.items()
    cell_limit = settings.PINGAN_LEDGER_MAX_CELL_CHARS
    rows: list[tuple[int, Any]] = []
    with progress(total=sheet.total, desc=str(_("Checking"))) as bar:
        for number, cells in sheet.rows:
            bar.update(1)
            raw = {name: cells[index] if index < len(cells) else None for name, index in columns}
            if all(value is None or not str(value).strip() for value in raw.values()) or is_footer(cells):
                continue
            too_long = {name: value for name, value in raw.items()
                        if isinstance(value, str) and len(value) > cell_limit}
            row_errors += [
                sheet.error(number, name, MSG_CELL_TOO_LONG.format(length=len(text), limit=cell_limit), text)
                for name, text in sorted(too_long.items())]
            try:
                valid = schema.validate_python({**raw, **dict.fromkeys(too_long)}, context=context)
            except ValidationError as exc:
                row_errors += [
                    sheet.error(number, str(e["loc"][0]) if e["loc"] else sheet.layout.anchor, e["msg"],
                                raw.get(str(e["loc"][0])) if e["loc"] else "")
                    for e in exc.errors() if not e["loc"] or e["loc"][0] not in too_long
                ]
            else:
                if not too_long:
                    rows.append((number, valid))
    return rows


def read_rows(source: str | Path | IO[bytes], filename: str, layout: Layout, schema: TypeAdapter, *,
              context: Mapping[str, Any] | Callable[[Sheet], Mapping[str, Any]], row_errors: list[RowError],
              progress: Progress = no_progress,
              mapping: Mapping[str, str] | None = None) -> tuple[Sheet, list[tuple[int, Any]]]:
    """``read_sheet`` (with the file's column ``mapping``) and ``validate_rows`` in one, the file
    closed after: a file that turns out unreadable while its rows stream is a DomainError like
    one that does not open, and so is one with no rows at all (a file of headers alone is no
    ledger to import). ``context`` may be a function of the sheet, for cells read by their
    header (金额（万元）)."""
    sheet = read_sheet(source, filename, layout, mapping)
    try:
        if callable(context):
            context = context(sheet)
        rows = validate_rows(sheet, schema, context=context, row_errors=row_errors, progress=progress)
    except READ_ERRORS as exc:
        raise errors.DomainError(MSG_UNREADABLE.format(name=filename, problem=exc)) from exc
    finally:
        sheet.close()
    if not rows and not row_errors:
        raise errors.DomainError(MSG_NO_ROWS.format(name=filename))
    return sheet, rows


class Units:
    """The units a ledger may name, read once per import: by code, in any of a division
    code's forms (``core.divisions``); by name, in full or short (航埠 for 航埠镇); or a code
    typed into the name column. A name several units answer to means the one of them within
    ``actor``'s scope, if only one is; else it is ambiguous and the row is refused, naming
    them. Scope is only a tie-breaker here: whether the actor may write a case at the unit
    found is the services' to say."""

    def __init__(self, actor: User | None = None) -> None:
        self.by_code: dict[str, Unit] = {}
        self.by_name: dict[str, list[Unit]] = defaultdict(list)
        self.by_short_name: dict[str, list[Unit]] = defaultdict(list)
        self.departments: dict[str, list[Unit]] = defaultdict(list)
        self.by_pk: dict[int, Unit] = {}
        for unit in Unit.objects.all():
            self.by_pk[unit.pk] = unit
            self.by_code[unit.code] = unit
            self.by_code.setdefault(unit.prefix, unit)
            name = squash(unit.name)
            if unit.kind == UnitKind.DEPARTMENT:
                self.departments[name].append(unit)
                continue
            self.by_name[name].append(unit)
            short = short_name(name)
            if short:
                self.by_short_name[short].append(unit)
        # The territorial units the actor may pick (None: no actor, every unit).
        self.reachable = None if actor is None else set(
            Unit.objects.filter(scope_for(actor).unit_q()).values_list("pk", flat=True))

    def coded(self, code: str) -> Unit | None:
        return self.by_code.get(code) or self.by_code.get(division_prefix(code))

    def resolve(self, *, code: str | None, name: str | None,
                departments: bool = False) -> tuple[Unit | None, str | None]:
        """The unit a row names by ``code`` and (squashed) ``name``, or the message of what
        is wrong. By name, only territorial units unless ``departments``."""
        if code:
            unit = self.coded(code)
            if unit is None:
                return None, MSG_UNKNOWN_UNIT.format(value=code)
            if name and name not in (squash(unit.name), short_name(squash(unit.name))):
                return None, MSG_UNIT_MISMATCH.format(code=code, name=unit.name, value=name)
            return unit, None
        if not name:
            return None, str(MSG_NO_UNIT)
        matches = (self.by_name.get(name, []) + (self.departments.get(name, []) if departments else [])
                   or self.by_short_name.get(name, []))
        if not matches:
            unit = self.coded(name)
            return (unit, None) if unit else (None, MSG_UNKNOWN_UNIT.format(value=name))
        return self._one_of(name, matches)

    def _one_of(self, name: str, matches: list[Unit]) -> tuple[Unit | None, str | None]:
        if len(matches) == 1:
            return matches[0], None
        reachable = [unit for unit in matches
                     if self.reachable is None or unit.is_department or unit.pk in self.reachable]
        if len(reachable) == 1:
            return reachable[0], None
        if not reachable:
            return None, MSG_UNIT_NOT_IN_SCOPE.format(value=name)
        shown = "、".join(self._described(unit) for unit in reachable[:CANDIDATES_SHOWN])
        more = "…" if len(reachable) > CANDIDATES_SHOWN else ""
        return None, MSG_AMBIGUOUS_UNIT.format(value=name, candidates=shown + more)

    def _described(self, unit: Unit) -> str:
        parent = self.by_pk.get(unit.parent_id) if unit.parent_id is not None else None
        return f"{unit.name} ({parent.name}, {unit.code})" if parent else f"{unit.name} ({unit.code})"


class ExistingCases:
    """The cases already in the database for a batch of rows (at most ``LOOKUP_BATCH``).

    A row's ``key`` is its external reference, else the Pingan reference an exported
    ledger carries (``ref``); an import stores the key as the new case's external
    reference, so a file read twice finds its cases the second time. A key another case
    of the kind holds that the actor cannot see is ``taken``: the row may not use it, and
    nothing more is said about that case."""

    def __init__(self, visible: QuerySet, *, kind: str, rows: Sequence[KeyedRow]):
        external = {row.key for row in rows}
        own_refs = {row.ref for row in rows if not row.external_ref and row.ref}
        found = list(visible.filter(Q(external_ref__in=external) | Q(ref__in=own_refs)))
        self.by_external = {case.external_ref: case for case in found if case.external_ref}
        self.by_ref = {case.ref: case for case in found}
        # Only to tell a taken reference from a free one; nothing else of these is read.
        self.taken = set(Case.objects.filter(kind=kind, external_ref__in=external)
                         .values_list("external_ref", flat=True))

    def get(self, row: KeyedRow) -> Any:
        return self.by_external.get(row.key) or (None if row.external_ref else self.by_ref.get(row.key))


@dataclass
class LedgerImport:
    """What an import did, or would do (``dry_run``), in one shape for every kind: of its
    ``rows``, those ``created`` as new cases, those ``updated`` (a case already in Pingan
    that the row changed), those ``unchanged`` (a case already in Pingan that the row leaves
    as it is: a file imported again adds and changes nothing), and the ``errors`` of the rows
    ``refused``. With errors nothing was written, and ``created`` and ``updated`` are 0. A
    kind may add fields of its own and say them after the summary (``details``)."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def refused(self) -> int:
        return len({e.row for e in self.errors})

    @classmethod
    def of(cls, *, rows: int, created: int, unchanged: int, errors: list[RowError], dry_run: bool,
           updated: int = 0, **written: Any) -> Any:
        """The result of an import that wrote (or, ``dry_run``, would write) ``created`` and
        ``updated`` rows and the kind's own counts (``written``): none of them when a row has
        an error, since then nothing was written. The errors in the file's order."""
        done = {} if errors else {"created": created, "updated": updated, **written}
        return cls(rows=rows, unchanged=unchanged, errors=sorted(errors, key=lambda e: e.row),
                   dry_run=dry_run, **done)

    def details(self) -> str:
        """What the kind adds to the summary, as a sentence after it ("" for nothing)."""
        return ""

    def __str__(self) -> str:
        if self.errors:
            return str(MSG_REJECTED).format(count=self.refused)
        message = MSG_SUMMARY_DRY_RUN if self.dry_run else MSG_SUMMARY
        summary = str(message).format(rows=self.rows, created=self.created, updated=self.updated,
                                      unchanged=self.unchanged)
        details = self.details()
        return f"{summary} {details}" if details else summary


class Planned(Protocol):
    """A row that passed its checks, on its way to the services."""

    number: int
    row: KeyedRow


class RowRefused(Exception):
    """The services refused a row: the field whose cell to blame, and their message."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


class RowChecks:
    """What every row of a file is checked for against the database before anything is
    written: a key, used once in the file, and a unit that exists; then which rows are new,
    and what the services say of each. Errors go to ``row_errors``; ``no_key`` is the kind's
    message for a row without a key."""

    def __init__(self, sheet: Sheet, row_errors: list[RowError], *, no_key: Any, actor: User):
        self.sheet = sheet
        self.errors = row_errors
        self.no_key = no_key
        self.units = Units(actor)
        self.first_seen: dict[str, int] = {}

    def error(self, number: int, name: str, message: Any, value: Any = "") -> None:
        self.errors.append(self.sheet.error(number, name, message, value))

    def place(self, number: int, row: KeyedRow) -> Unit | None:
        """The row's unit when its key and unit are right; else None, the errors recorded."""
        problems = len(self.errors)
        if not row.key:
            self.error(number, "external_ref", self.no_key)
        elif row.key in self.first_seen:
            self.error(number, "external_ref",
                       MSG_DUPLICATE_KEY.format(value=row.key, row=self.first_seen[row.key]), row.key)
        else:
            self.first_seen[row.key] = number
        unit, problem = self.units.resolve(code=row.unit_code, name=row.unit_name)
        if problem:
            self.error(number, "unit_code" if row.unit_code else "unit_name", problem,
                       row.unit_code or row.unit_name)
        return unit if len(self.errors) == problems else None

    def match(self, planned: Sequence[Planned], visible: QuerySet, *, kind: str,
              taken: Any) -> tuple[list[Any], list[tuple[Any, Any]]]:
        """The planned rows whose key names no case of ``kind`` yet, and those whose key names
        a case the actor sees (``visible``), each with that case: imported before. A key held by
        a case the actor cannot see is an error, ``taken`` with the key."""
        new: list[Any] = []
        known: list[tuple[Any, Any]] = []
        for start in range(0, len(planned), LOOKUP_BATCH):
            batch = planned[start:start + LOOKUP_BATCH]
            existing = ExistingCases(visible, kind=kind, rows=[item.row for item in batch])
            for item in batch:
                case = existing.get(item.row)
                if case is not None:
                    known.append((item, case))
                elif item.row.key in existing.taken:
                    self.error(item.number, "external_ref", taken.format(value=item.row.key), item.row.key)
                else:
                    new.append(item)
        return new, known

    def write(self, items: Sequence[Any], write: Callable[[Any], Any], *, keep: bool,
              progress: Progress = no_progress, before: Callable[[Any], Any] | None = None,
              before_rows: int = 0, then: Callable[[list[Any]], Any] | None = None) -> Any:
        """``write`` each item (a planned row with its ``number``) through the services, each in
        a savepoint of one transaction, so that a row they refuse (``RowRefused``) is reported and
        the next row still tried. ``before`` first writes ``before_rows`` rows at once in the same
        transaction, given the progress bar to count them on. All is kept only if ``keep`` and no
        row has an error; ``then`` reads what was written before that, and its answer is returned."""
        written: list[Any] = []
        with progress(total=before_rows + len(items), desc=str(_("Writing"))) as bar, transaction.atomic():
            try:
                if before:
                    before(bar)
                for item in items:
                    try:
                        with transaction.atomic():
                            written.append(write(item))
                    except RowRefused as refused:
                        self.error(item.number, refused.column, refused.message)
                    bar.update(1)
            except IntegrityError as exc:
                # The same reference written by another import since this one looked.
                raise errors.DomainError(MSG_CONCURRENT) from exc
            answer = then(written) if then else None
            if self.errors or not keep:
                transaction.set_rollback(True)
        return answer


def write_error_report(row_errors: Iterable[RowError], out: IO[str]) -> None:
    """The rejected rows as CSV, with a BOM so that Excel on Chinese Windows reads it."""
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([str(_("Row")), str(_("Column")), str(_("Value")), str(_("Error"))])
    writer.writerows([e.row, e.column, e.value, e.message] for e in row_errors)


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------


def _cell(worksheet: Any, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value:
        return None
    if value.startswith("="):
        # openpyxl would store it as a live formula: a report titled "=HYPERLINK(…)"
        # must stay text in the district's spreadsheets.
        cell = WriteOnlyCell(worksheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def write_in_full(items: Sequence[Any], *, allowed: Callable[[Any], bool], read: Callable[[Any], Any],
                  refused: Any, write: Callable[[list[Any]], int]) -> int:
    """A full export (personal data unmasked): ``read`` each case in full, which logs the
    reading, and ``write`` what was read; returns what ``write`` returns. If ``allowed`` fails
    for any case, nothing is read: PermissionDenied, ``refused`` with their count and the first
    references."""
    denied = [item.ref for item in items if not allowed(item)]
    if denied:
        raise errors.PermissionDenied(refused.format(count=len(denied), refs="、".join(denied[:3])))
    with transaction.atomic():
        # Each reading is logged; a failure part way, the file's included, logs none.
        return write([read(item) for item in items])


def write_aside(path: Path, write: Callable[[IO[bytes]], int]) -> int:
    """``write`` a file beside ``path`` and move it into place: an export that fails part way
    leaves no half a ledger. Returns what ``write`` returns (the rows written)."""
    part = path.with_name(path.name + ".part")
    try:
        with part.open("wb") as out:
            count = write(out)
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)
    return count


def write_workbook(items: Iterable[Any], fileobj: IO[bytes], *, columns: Sequence[Column], title: str,
                   labels: Mapping[str, Mapping[str, str]], total: int | None = None,
                   progress: Progress = no_progress) -> int:
    """Write ``items`` as an .xlsx ledger: a bold header row of ``columns``, then one row
    per item; returns the number of rows. Streams: memory stays flat however many there are."""
    workbook = Workbook(write_only=True)
    count = append_sheet(workbook, items, columns=columns, title=title, labels=labels, total=total,
                         progress=progress)
    workbook.save(fileobj)
    return count


def append_sheet(workbook: Workbook, items: Iterable[Any], *, columns: Sequence[Column], title: str,
                 labels: Mapping[str, Mapping[str, str]], total: int | None = None,
                 progress: Progress = no_progress) -> int:
    """Add a sheet ``title`` to a write-only ``workbook``: the header row of ``columns``
    (bold, frozen, the columns' widths), then one row per item; returns the number of rows.
    A workbook of several sheets (a board's) adds each in turn."""
    worksheet = workbook.create_sheet(title)
    for index, column in enumerate(columns, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = column.width
    worksheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(worksheet, value=column.header)
        cell.font = bold
        header.append(cell)
    worksheet.append(header)
    count = 0
    with progress(total=total, desc=str(_("Exporting"))) as bar:
        for item in items:
            worksheet.append([_cell(worksheet, column.value(item, labels)) for column in columns])
            count += 1
            bar.update(1)
    return count
