"""The hazard ledger (隐患台账) as a spreadsheet: export to .xlsx, import from .xlsx or .csv.

Export writes exactly the hazards a user sees (the queryset of ``hazard_list``) with Chinese
headers. Import reads a district's own ledger as people keep it: Chinese headers and their
common synonyms, a title row above the headers, dates typed in any of the usual ways,
full-width digits and stray spaces. Every row is bound to a validating schema and checked
against the database before anything is written; every bad row is reported with its
spreadsheet row number, and then nothing is written. Otherwise all rows are written in one
transaction. A re-import updates hazards by their reference instead of adding them twice.

Two things a ledger may hold are deliberately not imported:

- status. A hazard's status changes only through its loop, and closing needs an after photo
  and a verifier other than the rectifier, which a spreadsheet row cannot honestly supply.
  A new row marked closed (已整改, 已销号…) is refused rather than opened again; on an
  existing hazard the column is ignored, since Pingan holds its status from then on.
- 整改期限 (the deadline). It follows the district's deadline policy from the reported time,
  as for every other hazard.

New rows are written by a bulk path (``_Creator``) that builds each hazard with the same
pieces ``hazard_report`` uses (``hazard_report_check``, ``hazard_fields``, ``new_case``,
``opening_event``) but reserves reference numbers once per year and inserts a thousand rows
per statement: a service call per row costs some fifteen queries, minutes for a large
ledger. The tests check that both paths produce the same rows and valid hash chains.
Changed existing hazards go through ``hazard_update`` one by one, which checks the version
and appends the update event.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import KW_ONLY, dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import (
    BooleanField,
    CharField,
    FloatField,
    ForeignKey,
    IntegerField,
    Model,
    Q,
    QuerySet,
    TextField,
)
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
from pingan.core.cases import department_for, new_case, opening_event, require_rank
from pingan.core.deadlines import DeadlineTerms
from pingan.core.models import Case, Event, EventType, RoleName, Severity, Unit, UnitKind
from pingan.core.references import reserve_references
from pingan.hazards.models import KIND, REF_PREFIX, Category, Hazard, Status
from pingan.hazards.services import hazard_fields, hazard_report_check, hazard_terms, hazard_update
from pingan.hazards.workflow import HAZARD_WORKFLOW

MSG_REQUIRED = _("This cell must not be empty.")
MSG_TOO_LONG = _("Longer than {limit} characters.")
MSG_BAD_DATE = _("“{value}” is not a date (write it like 2026-04-25 or 2026年4月25日).")
MSG_FUTURE_DATE = _("The date {value} lies in the future.")
MSG_BAD_CHOICE = _("Unknown value “{value}”; use one of: {choices}.")
MSG_NO_KEY = _(
    "Give the row a reference (外部编号 or 编号), so that importing the file again updates "
    "the hazard instead of adding it twice."
)
MSG_DUPLICATE_KEY = _("The reference “{value}” already appears in row {row}.")
MSG_NO_UNIT = _("Give the unit, by name or by code.")
MSG_UNKNOWN_UNIT = _("There is no unit “{value}”.")
MSG_AMBIGUOUS_UNIT = _("Several units are called “{value}”: give the unit code instead.")
MSG_UNIT_MISMATCH = _("Unit code {code} is {name}, not “{value}”.")
MSG_UNIT_MOVED = _("This hazard belongs to {unit}; an import does not move hazards between units.")
MSG_REF_TAKEN = _("The reference “{value}” is already used by a hazard outside your area.")
MSG_CLOSED_NOT_IMPORTED = _(
    "A hazard that is already “{status}” is not imported: Pingan closes a hazard only through "
    "its loop (after photo, verification). Leave the row out, or import it as open."
)
MSG_REJECTED = _("{count} row(s) have errors; nothing was imported.")
MSG_NO_HEADER = _("No header row found: one of the first rows must name the columns, e.g. {headers}.")
MSG_MISSING_COLUMNS = _("The file has no column for: {columns}.")
MSG_UNKNOWN_FORMAT = _("Cannot read “{name}”: save it as .xlsx or .csv.")
MSG_UNREADABLE = _("Cannot read “{name}”: {problem}")
MSG_CONCURRENT = _("Another import wrote the same references meanwhile; nothing was imported. Run it again.")
MSG_UPDATE_NOTE = _("Updated from {file}, row {row}.")
MSG_ROW_ERROR = _("Row {row}, {column}{value}: {message}")
MSG_SUMMARY = _("{rows} rows: {created} created, {updated} updated, {unchanged} unchanged.")
MSG_SUMMARY_DRY_RUN = _("Dry run, nothing written. {rows} rows: {created} to create, {updated} to "
                        "update, {unchanged} unchanged.")

SHEET_TITLE = "隐患台账"
# A ledger often carries a title line or two above the header row.
HEADER_SEARCH_ROWS = 20
WRITE_BATCH = 1000


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
    # The exported cell, from the hazard and the Chinese labels of its choices.
    value: Callable[[Hazard, Mapping[str, Mapping[str, str]]], Any]
    imported: bool = True


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    # Excel has no time zones: a ledger shows local wall-clock time.
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def _person(user: Any) -> str:
    return (user.get_full_name() or user.username) if user else ""


COLUMNS: tuple[Column, ...] = (
    Column("ref", "编号", ("平安编号", "reference", "ref"), 16, value=lambda h, lb: h.ref),
    Column("external_ref", "外部编号", ("台账编号", "隐患编号", "原编号", "外部参考号", "序号",
                                      "external_ref", "externalreference"), 14,
           value=lambda h, lb: h.external_ref or ""),
    Column("title", "标题", ("隐患名称", "隐患标题", "名称", "隐患事项", "title"), 30,
           value=lambda h, lb: h.title),
    Column("category", "类别", ("隐患类别", "隐患类型", "类型", "分类", "category"), 14,
           value=lambda h, lb: lb["category"].get(h.category, h.category)),
    Column("severity", "等级", ("隐患等级", "隐患级别", "级别", "分级", "grade", "severity"), 8,
           value=lambda h, lb: lb["severity"].get(h.severity, h.severity)),
    Column("status", "状态", ("隐患状态", "整改状态", "整改情况", "处置状态", "status"), 10,
           value=lambda h, lb: lb["status"].get(h.status, h.status)),
    Column("unit_name", "属地单位", ("所属单位", "单位", "单位名称", "所在单位", "所属网格", "网格",
                                    "所属村社", "unit"), 20,
           value=lambda h, lb: h.unit.name),
    Column("unit_code", "单位代码", ("区划代码", "单位编码", "行政区划代码", "网格编码", "网格代码",
                                    "unitcode"), 16,
           value=lambda h, lb: h.unit.code),
    Column("department", "责任部门", width=14, imported=False,
           value=lambda h, lb: h.department.name if h.department else ""),
    Column("assignee", "责任人", width=12, imported=False, value=lambda h, lb: _person(h.assignee)),
    Column("opened_at", "上报时间", ("发现时间", "发现日期", "上报日期", "排查时间", "排查日期",
                                    "检查时间", "检查日期", "登记时间", "登记日期", "reported"), 18,
           value=lambda h, lb: _local(h.opened_at)),
    Column("due_at", "整改期限", width=12, imported=False,
           value=lambda h, lb: _local(h.due_at).date() if h.due_at else None),
    Column("closed_at", "办结时间", width=18, imported=False, value=lambda h, lb: _local(h.closed_at)),
    Column("location", "地点", ("位置", "隐患地点", "隐患位置", "地址", "具体位置", "详细地址",
                                "location"), 24,
           value=lambda h, lb: h.location),
    Column("description", "描述", ("隐患描述", "情况描述", "隐患情况", "具体情况", "隐患内容",
                                   "问题描述", "description"), 40,
           value=lambda h, lb: h.description),
)
HEADERS = {c.field: c.header for c in COLUMNS}
REQUIRED_FIELDS = ("title", "category")


def _squash(value: str) -> str:
    """NFKC (full-width digits, letters and the ideographic space become plain ones) and no
    whitespace at all: for headers, codes, dates and labels, never for free text."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))


def _header_key(value: Any) -> str:
    # "隐患名称（必填）", "* 标题 " and "Title" all name their column.
    text = _squash(str(value or "")).replace("*", "")
    return re.sub(r"\(.*?\)", "", text).lower()


_HEADER_FIELDS: dict[str, tuple[str, int]] = {
    _header_key(name): (c.field, rank)
    for c in COLUMNS if c.imported
    for rank, name in enumerate((c.header, *c.aliases))
}


# ---------------------------------------------------------------------------
# Choice labels: what a ledger writes for a category, a grade or a status.
# ---------------------------------------------------------------------------

CATEGORY_ALIASES: dict[str, tuple[str, ...]] = {
    Category.FIRE: ("消防", "消防安全", "火灾", "用火用电", "电气火灾", "消防设施"),
    Category.FIRE_MIXED_USE: ("三合一", "三合一场所", "多合一", "多合一场所", "住人场所"),
    Category.EBIKE_CHARGING: ("电动车", "电动自行车", "电瓶车", "电动车充电", "电动自行车充电",
                              "电动车违规充电", "电动车入户", "电动车室内充电"),
    Category.FLOOD: ("防汛", "防台", "防汛防台", "防汛防台风", "洪涝", "山洪"),
    Category.ROAD: ("道路", "交通", "道路交通", "交通安全", "道路交通安全"),
    Category.BUILDING: ("房屋", "房屋安全", "建筑", "建筑安全", "危房", "自建房"),
    Category.GAS: ("燃气", "燃气安全", "液化气", "煤气", "天然气", "瓶装燃气"),
    Category.OTHER: ("其他", "其它"),
}
GRADE_ALIASES: dict[str, tuple[str, ...]] = {
    Severity.ORDINARY: ("一般", "一般隐患", "一般事故隐患", "普通"),
    Severity.MAJOR: ("重大", "重大隐患", "重大事故隐患"),
}
STATUS_ALIASES: dict[str, tuple[str, ...]] = {
    Status.REPORTED: ("上报", "已上报", "新上报", "待处理", "待受理", "待分派", "未处理"),
    Status.ASSIGNED: ("已交办", "已分派", "已派单", "已受理", "待整改", "未整改"),
    Status.RECTIFYING: ("整改中", "正在整改", "处置中", "处理中"),
    Status.AWAITING_VERIFICATION: ("待复核", "待验收", "待核查", "已提交"),
    Status.CLOSED: ("已整改", "整改完成", "已完成", "完成", "已销号", "销号", "已办结", "办结",
                    "已闭环", "闭环", "已关闭"),
    Status.REJECTED: ("不予受理", "驳回", "已驳回", "不属于隐患", "重复上报"),
}


def _label_key(value: str) -> str:
    key = _header_key(value)
    # "消防隐患", "消防类" and "消防" are one category.
    while key.endswith(("隐患", "类")) and len(key) > 2:
        key = key.removesuffix("隐患").removesuffix("类")
    return key


def zh_labels(choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    with translation.override("zh-hans"):
        return {value: str(label) for value, label in choices}


def _lookup(choices: Sequence[tuple[str, Any]], aliases: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Every way a ledger may write a choice: our own synonyms, the stored key, and the
    label in English and in Chinese."""
    table = {_label_key(alias): value for value, names in aliases.items() for alias in names}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            table.update({_label_key(str(label)): value for value, label in choices})
    table.update({_label_key(value): value for value, _label in choices})
    return table


@dataclass(frozen=True)
class _Lookups:
    category: dict[str, str]
    severity: dict[str, str]
    status: dict[str, str]
    now: dt.datetime

    @classmethod
    def build(cls) -> _Lookups:
        return cls(
            category=_lookup(Category.choices, CATEGORY_ALIASES),
            severity=_lookup(Severity.choices, GRADE_ALIASES),
            status=_lookup(Status.choices, STATUS_ALIASES),
            now=timezone.now(),
        )


# ---------------------------------------------------------------------------
# Cell values
# ---------------------------------------------------------------------------


def _invalid(message: Any, **params: Any) -> PydanticCustomError:
    return PydanticCustomError("ledger", str(message).format(**params))


def _plain(value: Any) -> str:
    """A cell as text; whole numbers without their ".0" (Excel stores 12 as 12.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_DATE_RE = re.compile(
    r"(?P<y>\d{4})\s*[年/\-.]\s*(?P<m>\d{1,2})\s*[月/\-.]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:(?:\s*T\s*|\s+|(?<=日))(?P<H>\d{1,2})\s*[:时点]\s*"
    r"(?:(?P<M>\d{1,2})\s*(?:(?::|分)\s*(?P<S>\d{1,2}(?:\.\d+)?)\s*秒?|分)?)?)?"
)
# Excel's serial day numbers from 1950 to 2100: a bare number in a date column.
_SERIAL_RANGE = (18264, 73051)


def parse_moment(value: Any) -> dt.datetime | None:
    """A reported time as a ledger writes it, as an aware datetime (naive values are local).

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


def _max_length(name: str) -> int:
    return Hazard._meta.get_field(name).max_length


# ---------------------------------------------------------------------------
# The row schema
# ---------------------------------------------------------------------------


@pydantic_dataclass(slots=True)
class LedgerRow:
    """One spreadsheet row, cleaned. ``None`` means the file has no such column (an
    existing hazard keeps its value); an empty string clears a text field.

    A pydantic dataclass with slots rather than a model: a hundred thousand rows are held
    between checking and writing, at a third of a model's memory."""

    title: str
    category: str
    ref: str | None = None
    external_ref: str | None = None
    severity: str | None = None
    status: str | None = None
    unit_name: str | None = None
    unit_code: str | None = None
    opened_at: dt.datetime | None = None
    location: str | None = None
    description: str | None = None

    @field_validator("ref", "external_ref", "unit_code", mode="before")
    @classmethod
    def _code(cls, value: Any, info: ValidationInfo) -> str:
        text = _squash(_plain(value))
        if info.field_name == "ref":
            return text.upper()
        if info.field_name == "external_ref" and len(text) > _max_length("external_ref"):
            raise _invalid(MSG_TOO_LONG, limit=_max_length("external_ref"))
        return text

    @field_validator("unit_name", mode="before")
    @classmethod
    def _name(cls, value: Any) -> str:
        return _squash(_plain(value))

    @field_validator("title", "location", mode="before")
    @classmethod
    def _line(cls, value: Any, info: ValidationInfo) -> str:
        # Free text keeps its own punctuation (no NFKC); only the spacing is tidied.
        text = re.sub(r"\s+", " ", _plain(value)).strip()
        if info.field_name == "title" and not text:
            raise _invalid(MSG_REQUIRED)
        limit = _max_length(info.field_name)
        if len(text) > limit:
            raise _invalid(MSG_TOO_LONG, limit=limit)
        return text

    @field_validator("description", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        lines = _plain(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")
        return "\n".join(line.rstrip() for line in lines).strip()

    @field_validator("category", "severity", "status", mode="before")
    @classmethod
    def _choice(cls, value: Any, info: ValidationInfo) -> str | None:
        text = _plain(value).strip()
        if not text:
            if info.field_name == "category":
                raise _invalid(MSG_REQUIRED)
            return None
        lookups: _Lookups = info.context["lookups"]
        table = getattr(lookups, info.field_name)
        found = table.get(_label_key(text))
        if found is None:
            choices = {"category": Category, "severity": Severity, "status": Status}[info.field_name]
            raise _invalid(MSG_BAD_CHOICE, value=text, choices="、".join(zh_labels(choices.choices).values()))
        return found

    @field_validator("opened_at", mode="before")
    @classmethod
    def _moment(cls, value: Any, info: ValidationInfo) -> dt.datetime | None:
        try:
            moment = parse_moment(value)
        except (ValueError, OverflowError):
            raise _invalid(MSG_BAD_DATE, value=_plain(value).strip()) from None
        if moment and moment > info.context["lookups"].now:
            raise _invalid(MSG_FUTURE_DATE, value=timezone.localtime(moment).strftime("%Y-%m-%d %H:%M"))
        return moment

    @property
    def key(self) -> str:
        """What identifies the row across imports: its external reference, else its
        Pingan reference (an exported ledger read back)."""
        return self.external_ref or self.ref or ""


_ROW = TypeAdapter(LedgerRow)


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


@dataclass
class _Sheet:
    columns: dict[str, int]  # field -> column index
    headers: dict[str, str]  # field -> the header as the file writes it
    rows: Iterator[tuple[int, Sequence[Any]]]
    total: int | None
    close: Callable[[], None] = lambda: None


def _find_header(rows: Iterator[Sequence[Any]]) -> tuple[int, dict[str, int], dict[str, str], list]:
    """The header row among the first rows: the one that names a title column and the most
    known columns. Returns its row number, the columns, and the rows read past it."""
    seen: list[Sequence[Any]] = []
    best: tuple[int, int, dict, dict] | None = None
    for number, row in enumerate(rows, start=1):
        seen.append(row)
        ranks: dict[str, tuple[int, int, str]] = {}
        for index, cell in enumerate(row):
            known = _HEADER_FIELDS.get(_header_key(cell))
            if known and (known[0] not in ranks or known[1] < ranks[known[0]][0]):
                ranks[known[0]] = (known[1], index, str(cell).strip())
        if "title" in ranks and (best is None or len(ranks) > best[1]):
            best = (number, len(ranks), {f: r[1] for f, r in ranks.items()},
                    {f: r[2] for f, r in ranks.items()})
        if number >= HEADER_SEARCH_ROWS:
            break
    if best is None:
        return 0, {}, {}, seen
    return best[0], best[2], best[3], seen


def _sheet(rows: Iterator[Sequence[Any]], total: int | None) -> _Sheet | None:
    header_row, columns, headers, seen = _find_header(rows)
    if not header_row:
        return None

    def body() -> Iterator[tuple[int, Sequence[Any]]]:
        yield from enumerate(seen[header_row:], start=header_row + 1)
        yield from enumerate(rows, start=len(seen) + 1)

    return _Sheet(columns=columns, headers=headers, rows=body(),
                  total=(total - header_row) if total else None)


def _read_xlsx(source: Any) -> _Sheet | None:
    workbook = load_workbook(source, read_only=True, data_only=True)
    for worksheet in workbook.worksheets:
        sheet = _sheet(worksheet.iter_rows(values_only=True), worksheet.max_row)
        if sheet:
            # Read-only mode keeps the file open while the rows stream.
            sheet.close = workbook.close
            return sheet
    workbook.close()
    return None


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


def _read_csv(data: bytes) -> _Sheet | None:
    text = decode_csv(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    return _sheet(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), text.count("\n") or None)


# What openpyxl and csv raise for a file that is not what its name says, on opening it or
# while its rows stream.
_READ_ERRORS = (OSError, ValueError, KeyError, csv.Error, zipfile.BadZipFile, InvalidFileException)


def read_sheet(source: str | Path | IO[bytes], name: str) -> _Sheet:
    """The ledger's header and rows, from a path or a binary file named ``name``."""
    suffix = Path(name).suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt"):
        raise errors.DomainError(MSG_UNKNOWN_FORMAT.format(name=name))
    try:
        if suffix in (".xlsx", ".xlsm"):
            sheet = _read_xlsx(source)
        else:
            data = Path(source).read_bytes() if isinstance(source, str | Path) else source.read()
            sheet = _read_csv(data)
    except _READ_ERRORS as exc:
        raise errors.DomainError(MSG_UNREADABLE.format(name=name, problem=exc)) from exc
    if sheet is None:
        raise errors.DomainError(MSG_NO_HEADER.format(headers="、".join(HEADERS[f] for f in (
            "external_ref", "title", "category", "unit_name", "opened_at"))))
    missing = [HEADERS[f] for f in REQUIRED_FIELDS if f not in sheet.columns]
    if "unit_name" not in sheet.columns and "unit_code" not in sheet.columns:
        missing.append(f"{HEADERS['unit_name']}/{HEADERS['unit_code']}")
    if "external_ref" not in sheet.columns and "ref" not in sheet.columns:
        missing.append(f"{HEADERS['external_ref']}/{HEADERS['ref']}")
    if missing:
        raise errors.DomainError(MSG_MISSING_COLUMNS.format(columns="、".join(missing)))
    return sheet


# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------


class _Silent:
    def update(self, n: int = 1) -> None:
        """Nothing to show."""


# Called as progress(total=…, desc=…), gives a context manager whose value has update(n):
# tqdm on the command line, a stored counter for the web.
Progress = Callable[..., AbstractContextManager[Any]]


def no_progress(*, total: int | None = None, desc: str = "") -> AbstractContextManager[Any]:
    return nullcontext(_Silent())


@dataclass
class ImportSummary:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False

    def __str__(self) -> str:
        message = MSG_SUMMARY_DRY_RUN if self.dry_run else MSG_SUMMARY
        return str(message).format(rows=self.rows, created=self.created, updated=self.updated,
                                   unchanged=self.unchanged)


@dataclass(slots=True)
class _New:
    number: int
    row: LedgerRow
    unit: Unit


@dataclass(slots=True)
class _Change:
    number: int
    hazard_id: int
    version: int
    changes: dict[str, Any]


@dataclass
class _Plan:
    new: list[_New] = field(default_factory=list)
    changes: list[_Change] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


class _Units:
    """Units by code, by subtree prefix and by name, read once per import."""

    def __init__(self) -> None:
        self.by_code: dict[str, Unit] = {}
        self.by_name: dict[str, list[Unit]] = defaultdict(list)
        for unit in Unit.objects.all():
            self.by_code[unit.code] = unit
            self.by_code.setdefault(unit.prefix, unit)
            if unit.kind != UnitKind.DEPARTMENT:
                self.by_name[_squash(unit.name)].append(unit)

    def resolve(self, row: LedgerRow) -> tuple[Unit | None, str | None]:
        """The row's unit, or the field and message of what is wrong with it."""
        if row.unit_code:
            unit = self.by_code.get(row.unit_code)
            if unit is None:
                return None, MSG_UNKNOWN_UNIT.format(value=row.unit_code)
            if row.unit_name and row.unit_name != _squash(unit.name):
                return None, MSG_UNIT_MISMATCH.format(code=row.unit_code, name=unit.name,
                                                      value=row.unit_name)
            return unit, None
        if not row.unit_name:
            return None, str(MSG_NO_UNIT)
        matches = self.by_name.get(row.unit_name, [])
        if not matches:
            # A code typed into the name column still names its unit.
            unit = self.by_code.get(row.unit_name)
            return (unit, None) if unit else (None, MSG_UNKNOWN_UNIT.format(value=row.unit_name))
        if len(matches) > 1:
            return None, MSG_AMBIGUOUS_UNIT.format(value=row.unit_name)
        return matches[0], None


class _Importer:
    def __init__(self, *, sheet: _Sheet, actor: Any, filename: str, progress: Progress):
        self.sheet = sheet
        self.actor = actor
        self.filename = filename
        self.progress = progress

    def column(self, name: str) -> str:
        if name in ("unit_name", "unit_code") and name not in self.sheet.headers:
            name = "unit_code" if name == "unit_name" else "unit_name"
        if name == "external_ref" and name not in self.sheet.headers:
            name = "ref"
        return self.sheet.headers.get(name, HEADERS.get(name, name))

    def error(self, number: int, name: str, message: Any, value: Any = "") -> RowError:
        return RowError(row=number, column=self.column(name), message=str(message),
                        value=_plain(value).strip()[:60])

    # -- phase 1: every row through the schema, in pure Python -----------------
    def validate(self, plan: _Plan) -> list[tuple[int, LedgerRow]]:
        lookups = _Lookups.build()
        columns = self.sheet.columns.items()
        rows: list[tuple[int, LedgerRow]] = []
        with self.progress(total=self.sheet.total, desc=str(_("Checking"))) as bar:
            for number, cells in self.sheet.rows:
                bar.update(1)
                raw = {name: cells[index] if index < len(cells) else None for name, index in columns}
                if all(value is None or not str(value).strip() for value in raw.values()):
                    continue
                try:
                    rows.append((number, _ROW.validate_python(raw, context={"lookups": lookups})))
                except ValidationError as exc:
                    plan.errors += [
                        self.error(number, str(e["loc"][0]) if e["loc"] else "title", e["msg"],
                                   raw.get(str(e["loc"][0])) if e["loc"] else "")
                        for e in exc.errors()
                    ]
        return rows

    # -- phase 2: against the database, still writing nothing ------------------
    def resolve(self, rows: list[tuple[int, LedgerRow]], plan: _Plan) -> None:
        units = _Units()
        first_seen: dict[str, int] = {}
        may_report: dict[tuple[int, str], str | None] = {}
        keyed: list[tuple[int, LedgerRow, Unit]] = []
        for number, row in rows:
            problems = len(plan.errors)
            if not row.key:
                plan.errors.append(self.error(number, "external_ref", MSG_NO_KEY))
            elif row.key in first_seen:
                plan.errors.append(self.error(number, "external_ref", MSG_DUPLICATE_KEY.format(
                    value=row.key, row=first_seen[row.key]), row.key))
            else:
                first_seen[row.key] = number
            unit, problem = units.resolve(row)
            if problem:
                plan.errors.append(self.error(number, "unit_code" if row.unit_code else "unit_name",
                                              problem, row.unit_code or row.unit_name))
            if len(plan.errors) == problems and unit is not None:
                keyed.append((number, row, unit))
        for start in range(0, len(keyed), WRITE_BATCH):
            self._match(keyed[start:start + WRITE_BATCH], plan, may_report)

    def _match(self, batch: list[tuple[int, LedgerRow, Unit]], plan: _Plan,
               may_report: dict[tuple[int, str], str | None]) -> None:
        external = {row.key for _n, row, _u in batch}
        own_refs = {row.ref for _n, row, _u in batch if not row.external_ref and row.ref}
        visible = list(
            Hazard.objects.visible_to(self.actor).filter(kind=KIND)
            .filter(Q(external_ref__in=external) | Q(ref__in=own_refs)).select_related("unit")
        )
        by_external = {h.external_ref: h for h in visible if h.external_ref}
        by_ref = {h.ref: h for h in visible}
        # Only to tell a taken reference from a free one; nothing else of these is read.
        taken = set(Case.objects.filter(kind=KIND, external_ref__in=external)
                    .values_list("external_ref", flat=True))
        for number, row, unit in batch:
            hazard = by_external.get(row.key) or (None if row.external_ref else by_ref.get(row.key))
            if hazard is not None:
                self._plan_update(number, row, unit, hazard, plan)
            elif row.key in taken:
                plan.errors.append(self.error(number, "external_ref", MSG_REF_TAKEN.format(value=row.key),
                                              row.key))
            else:
                self._plan_create(number, row, unit, plan, may_report)

    def _plan_create(self, number: int, row: LedgerRow, unit: Unit, plan: _Plan,
                     may_report: dict[tuple[int, str], str | None]) -> None:
        if row.status in HAZARD_WORKFLOW.closed_states:
            label = zh_labels(Status.choices)[row.status]
            plan.errors.append(self.error(number, "status", MSG_CLOSED_NOT_IMPORTED.format(status=label),
                                          label))
            return
        verdict_key = (unit.pk, row.category)
        if verdict_key not in may_report:
            try:
                hazard_report_check(actor=self.actor, unit=unit, category=row.category)
                may_report[verdict_key] = None
            except errors.DomainError as exc:
                may_report[verdict_key] = exc.message
        if may_report[verdict_key]:
            plan.errors.append(self.error(number, "unit_name", may_report[verdict_key], unit.name))
            return
        plan.new.append(_New(number=number, row=row, unit=unit))

    def _plan_update(self, number: int, row: LedgerRow, unit: Unit, hazard: Hazard, plan: _Plan) -> None:
        if hazard.unit_id != unit.pk:
            plan.errors.append(self.error(number, "unit_name", MSG_UNIT_MOVED.format(
                unit=hazard.unit.name), row.unit_name or row.unit_code))
            return
        given = {"title": row.title, "category": row.category, "severity": row.severity,
                 "location": row.location, "description": row.description}
        changes = {name: value for name, value in given.items()
                   if value is not None and value != getattr(hazard, name)}
        if not changes:
            plan.unchanged += 1
            return
        try:
            # The checks hazard_update will make, asked now so that every row is reported.
            require_rank(hazard, self.actor, RoleName.HANDLER)
            if not hazard.is_open:
                raise errors.DomainError(errors.MSG_CLOSED)
        except errors.DomainError as exc:
            plan.errors.append(self.error(number, next(iter(changes)), exc.message))
            return
        plan.changes.append(_Change(number=number, hazard_id=hazard.pk, version=hazard.version,
                                    changes=changes))

    # -- phase 3: all rows in one transaction ----------------------------------
    def write(self, plan: _Plan) -> None:
        failures: list[RowError] = []
        with self.progress(total=len(plan.new) + len(plan.changes), desc=str(_("Writing"))) as bar, \
                transaction.atomic():
            creator = _Creator(actor=self.actor, items=plan.new)
            try:
                for start in range(0, len(plan.new), WRITE_BATCH):
                    batch = plan.new[start:start + WRITE_BATCH]
                    creator.create(batch)
                    bar.update(len(batch))
            except IntegrityError as exc:
                raise errors.DomainError(MSG_CONCURRENT) from exc
            for change in plan.changes:
                hazard = Hazard.objects.select_related("unit").get(pk=change.hazard_id)
                try:
                    hazard_update(hazard=hazard, actor=self.actor, expected_version=change.version,
                                  changes=change.changes,
                                  note=str(MSG_UPDATE_NOTE.format(file=self.filename, row=change.number)))
                except errors.DomainError as exc:
                    failures.append(self.error(change.number, next(iter(change.changes)), exc.message))
                bar.update(1)
            if failures:
                # Leaving the block by an exception rolls every row back.
                raise LedgerRejected(failures)


class _Creator:
    """Creates new hazards as ``hazard_report`` would, each with its imported event, a
    thousand at a time. Call inside the import's transaction."""

    def __init__(self, *, actor: Any, items: Sequence[_New]):
        self.actor = actor
        self.now = timezone.now()
        # One counter update per year for all rows, the numbers handed out in file order
        # as one service call per row would.
        years = Counter(self.year(item.row.opened_at) for item in items)
        self.references = {year: iter(reserve_references(REF_PREFIX, year, count))
                           for year, count in sorted(years.items())}
        self.terms: dict[tuple[str, str], DeadlineTerms] = {}
        self.departments: dict[str, Unit | None] = {}

    def year(self, moment: dt.datetime | None) -> int:
        return timezone.localtime(moment or self.now).year

    def create(self, batch: Sequence[_New]) -> list[Hazard]:
        hazards: list[Hazard] = []
        events: list[Event] = []
        for item in batch:
            row = item.row
            severity = row.severity or Severity.ORDINARY
            rule = (row.category, severity)
            if rule not in self.terms:
                self.terms[rule] = hazard_terms(category=row.category, severity=severity, immediate=False)
            if row.category not in self.departments:
                self.departments[row.category] = department_for(kind=KIND, category=row.category)
            opened_at = row.opened_at or self.now
            hazard = new_case(
                model=Hazard, ref=next(self.references[self.year(opened_at)]), actor=self.actor,
                unit=item.unit, terms=self.terms[rule], opened_at=opened_at,
                fields={
                    **hazard_fields(title=row.title, category=row.category, severity=severity,
                                    description=row.description or "", location=row.location or "",
                                    source="import", external_ref=row.key),
                    "department": self.departments[row.category],
                },
            )
            event = opening_event(case=hazard, actor=self.actor, event_type=EventType.IMPORTED)
            hazard.head_hash = event.hash
            hazards.append(hazard)
            events.append(event)
        _insert(hazards, events)
        return hazards


def _insert(hazards: list[Hazard], events: list[Event]) -> None:
    """``bulk_create`` for a multi-table child, which Django does not offer, and without the
    ORM's per-value compilation, which would cost more than everything else here: the Case
    rows, their ids read back by their unique references, the Hazard rows pointing at them,
    then the events."""
    _insert_rows(Case, [f for f in Case._meta.concrete_fields if not f.primary_key], hazards)
    ids = dict(Case.objects.filter(ref__in=[h.ref for h in hazards]).values_list("ref", "id"))
    for hazard in hazards:
        hazard.id = hazard.case_ptr_id = ids[hazard.ref]
        hazard._state.adding = False
    _insert_rows(Hazard, Hazard._meta.local_concrete_fields, hazards)
    for event in events:
        event.case_id = event.case.pk
    _insert_rows(Event, [f for f in Event._meta.concrete_fields if not f.primary_key], events)


# Values the database drivers take as they are; the rest (datetimes, JSON) go through
# the field's own conversion, as the ORM would send them.
_AS_IS = (CharField, TextField, BooleanField, IntegerField, FloatField, ForeignKey)


def _insert_rows(model: type[Model], fields: Sequence[Any], objs: Sequence[Model]) -> None:
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objs:
                f.pre_save(obj, add=True)
    db = connections[DEFAULT_DB_ALIAS]
    converters = [
        (f.attname, None if isinstance(f, _AS_IS) else partial(f.get_db_prep_save, connection=db))
        for f in fields
    ]
    quote = db.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (names from the model, values bound)
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    rows = [
        [getattr(obj, name) if convert is None else convert(getattr(obj, name))
         for name, convert in converters]
        for obj in objs
    ]
    with db.cursor() as cursor:
        cursor.executemany(sql, rows)


def import_ledger(*, source: str | Path | IO[bytes], actor: Any, filename: str | None = None,
                  dry_run: bool = False, progress: Progress = no_progress) -> ImportSummary:
    """Import a hazard ledger (.xlsx or .csv) as ``actor``: all rows or, if any row is bad,
    none (raises LedgerRejected listing every bad row). ``dry_run`` checks and writes nothing."""
    filename = filename or Path(str(source)).name
    sheet = read_sheet(source, filename)
    importer = _Importer(sheet=sheet, actor=actor, filename=filename, progress=progress)
    plan = _Plan()
    try:
        rows = importer.validate(plan)
    except _READ_ERRORS as exc:
        raise errors.DomainError(MSG_UNREADABLE.format(name=filename, problem=exc)) from exc
    finally:
        sheet.close()
    importer.resolve(rows, plan)
    if plan.errors:
        raise LedgerRejected(plan.errors)
    summary = ImportSummary(rows=len(rows), created=len(plan.new), updated=len(plan.changes),
                            unchanged=plan.unchanged, dry_run=dry_run)
    if not dry_run:
        importer.write(plan)
    return summary


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


def export_xlsx(hazards: Iterable[Hazard], fileobj: IO[bytes], *,
                progress: Progress = no_progress) -> int:
    """Write ``hazards`` (give the user's filtered ``hazard_list``) as an .xlsx ledger with
    Chinese headers, one row per hazard; returns the number of rows. Streams: memory stays
    flat however many hazards there are."""
    if isinstance(hazards, QuerySet):
        total = None
        hazards = hazards.select_related("unit", "department", "assignee").iterator(chunk_size=2000)
    else:
        hazards = list(hazards)
        total = len(hazards)
    labels = {"category": zh_labels(Category.choices), "severity": zh_labels(Severity.choices),
              "status": zh_labels(HAZARD_WORKFLOW.states.items())}
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(SHEET_TITLE)
    for index, column in enumerate(COLUMNS, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = column.width
    worksheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(worksheet, value=column.header)
        cell.font = bold
        header.append(cell)
    worksheet.append(header)
    count = 0
    with progress(total=total, desc=str(_("Exporting"))) as bar:
        for hazard in hazards:
            worksheet.append([_cell(worksheet, column.value(hazard, labels)) for column in COLUMNS])
            count += 1
            bar.update(1)
    workbook.save(fileobj)
    return count
