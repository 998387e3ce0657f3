"""The hazard ledger (隐患台账) as a spreadsheet: export to .xlsx, import from .xlsx or .csv.

Export writes exactly the hazards a user sees (the queryset of ``hazard_list``) with Chinese
headers. Import reads a district's own ledger as people keep it (``pingan.core.ledger`` reads
the file and cleans its cells: synonym headers, a title row, dates written any usual way,
full-width digits, stray spaces). Every row is bound to a validating schema and checked
against the database before anything is written; every bad row is reported with its
spreadsheet row number, and then nothing is written. Otherwise all rows are written in one
transaction. A re-import updates hazards by their reference instead of adding them twice; a
row that changes nothing of its hazard leaves it unchanged.

Two things a ledger may hold are deliberately not imported:

- status. A hazard's status changes only through its loop, and closing needs an after photo
  and a verifier other than the rectifier, which a spreadsheet row cannot honestly supply.
  A new row marked closed (已整改, 已销号…) is refused rather than opened again; on an
  existing hazard the column is ignored, since Pingan holds its status from then on.
Two things it takes from the file, for new hazards (an existing hazard keeps its own):

- 整改期限 (the deadline, or 整改时限, 完成时限…). A new hazard is due at the end of that day
  instead of on the date the district's deadline policy gives from the reported time; the
  policy's date is kept beside it (``policy_due_at``) and the hazard's page shows both where
  they differ. A deadline before the reported date is a row error.
- 责任人 (整改责任人…). The one user of the hazard's unit of that name (``UnitPeople``)
  becomes its assignee; when no user or several are called so, the name is kept as the
  hazard's named responsible person, shown on its page and exported.

New rows are written by a bulk path (``_Creator``) that builds each hazard with the same
pieces ``hazard_report`` uses (``hazard_report_check``, ``hazard_fields``, ``new_case``,
``opening_event``) but reserves reference numbers once per year and inserts a thousand rows
per statement: a service call per row costs some fifteen queries, minutes for a large
ledger. The tests check that both paths produce the same rows and valid hash chains.
Changed existing hazards go through ``hazard_update`` one by one, which checks the version
and appends the update event; a hazard whose details may no longer be edited (under
rectification, or closed) is a row error, found by the service's own ``edit_refusal``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import (
    BooleanField,
    CharField,
    FloatField,
    ForeignKey,
    IntegerField,
    Model,
    QuerySet,
    TextField,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import TypeAdapter, ValidationInfo, field_validator, model_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from pingan.core import errors
from pingan.core.cases import department_for, new_case, opening_event
from pingan.core.deadlines import DeadlineTerms
from pingan.core.ledger import (
    DEADLINE_HEADERS,
    EXTERNAL_REF_HEADERS,
    REF_HEADERS,
    RESPONSIBLE_HEADERS,
    UNIT_CODE_HEADERS,
    UNIT_NAME_HEADERS,
    Choices,
    Column,
    KeyedRow,
    Layout,
    LedgerImport,
    Progress,
    RowChecks,
    RowError,
    RowRefused,
    Sheet,
    UnitPeople,
    clean_deadline,
    clean_line,
    clean_moment,
    clean_text,
    file_name,
    local_day,
    local_naive,
    no_progress,
    person_name,
    provisional_cell,
    read_rows,
    title_from,
    write_workbook,
    zh_labels,
)
from pingan.core.ledger import read_sheet as read_ledger_sheet
from pingan.core.models import Case, Event, EventType, Severity, Unit
from pingan.core.references import reserve_references
from pingan.hazards.models import KIND, REF_PREFIX, Category, Hazard, Status
from pingan.hazards.services import (
    edit_refusal,
    hazard_fields,
    hazard_report_check,
    hazard_terms,
    hazard_update,
)
from pingan.hazards.workflow import HAZARD_WORKFLOW

MSG_NO_KEY = _(
    "Give the row a reference (外部编号 or 编号), so that importing the file again updates "
    "the hazard instead of adding it twice."
)
MSG_UNIT_MOVED = _("This hazard belongs to {unit}; an import does not move hazards between units.")
MSG_REF_TAKEN = _("The reference “{value}” is already used by a hazard outside your area.")
MSG_CLOSED_NOT_IMPORTED = _(
    "A hazard that is already “{status}” is not imported: Pingan closes a hazard only through "
    "its loop (after photo, verification). Leave the row out, or import it as open."
)
MSG_DEADLINE_BEFORE_REPORTED = _("The deadline is before the reported date {date}.")
MSG_UPDATE_NOTE = _("Updated from {file}, row {row}.")

SHEET_TITLE = "隐患台账"
WRITE_BATCH = 1000


# ---------------------------------------------------------------------------
# Columns: one table for the export's headers and the import's synonyms.
# ---------------------------------------------------------------------------


COLUMNS: tuple[Column, ...] = (
    Column("ref", "编号", REF_HEADERS, 16, value=lambda h, lb: h.ref),
    Column("external_ref", "外部编号", ("隐患编号", *EXTERNAL_REF_HEADERS, "外部参考号", "序号"), 14,
           value=lambda h, lb: h.external_ref or ""),
    Column("title", "标题", ("隐患名称", "隐患标题", "名称", "隐患事项", "隐患点", "隐患部位", "title"), 30,
           value=lambda h, lb: h.title),
    Column("category", "类别", ("隐患类别", "隐患类型", "类型", "分类", "隐患分类", "行业类别", "行业领域",
                                "领域", "category"), 14,
           value=lambda h, lb: lb["category"].get(h.category, h.category)),
    Column("severity", "等级", ("隐患等级", "隐患级别", "级别", "分级", "隐患分级", "grade", "severity"), 8,
           value=lambda h, lb: lb["severity"].get(h.severity, h.severity)),
    Column("status", "状态", ("隐患状态", "整改状态", "整改情况", "处置状态", "status"), 10,
           value=lambda h, lb: lb["status"].get(h.status, h.status)),
    Column("unit_name", "属地单位", ("所属网格", "网格", "网格名称", *UNIT_NAME_HEADERS), 20,
           value=lambda h, lb: h.unit.name),
    Column("unit_code", "单位代码", (*UNIT_CODE_HEADERS, "网格编码", "网格代码"), 16,
           value=lambda h, lb: h.unit.code),
    Column("department", "责任部门", width=14, imported=False,
           value=lambda h, lb: h.department.name if h.department else ""),
    Column("responsible", "责任人", RESPONSIBLE_HEADERS, 12,
           value=lambda h, lb: person_name(h.assignee) or h.responsible_person),
    Column("opened_at", "上报时间", ("发现时间", "发现日期", "上报日期", "排查时间", "排查日期",
                                    "检查时间", "检查日期", "登记时间", "登记日期", "排查发现时间",
                                    "reported"), 18,
           value=lambda h, lb: local_naive(h.opened_at)),
    Column("due_at", "整改期限", DEADLINE_HEADERS, 12, value=lambda h, lb: local_day(h.due_at)),
    Column("due_provisional", "期限暂定", width=10, imported=False, value=lambda h, lb: provisional_cell(h)),
    Column("closed_at", "办结时间", width=18, imported=False, value=lambda h, lb: local_naive(h.closed_at)),
    Column("location", "地点", ("位置", "隐患地点", "隐患位置", "地址", "具体位置", "详细地址",
                                "隐患具体位置", "所在位置", "地点位置", "location"), 24,
           value=lambda h, lb: h.location),
    Column("description", "描述", ("隐患描述", "情况描述", "隐患情况", "具体情况", "隐患内容",
                                   "问题描述", "存在问题", "存在的问题", "主要问题", "隐患问题",
                                   "问题", "隐患具体情况", "description"), 40,
           value=lambda h, lb: h.description),
)
HEADERS = {c.field: c.header for c in COLUMNS}
LAYOUT = Layout(COLUMNS, anchors=("title", "description"),
                required=(("title", "description"), ("category",), ("unit_name", "unit_code"),
                          ("external_ref", "ref")),
                example=("external_ref", "title", "category", "unit_name", "opened_at"))


# ---------------------------------------------------------------------------
# Choice labels: what a ledger writes for a category, a severity or a status.
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
# "消防隐患", "消防类" and "消防" are one category.
LABEL_SUFFIXES = ("隐患", "类")


@dataclass(frozen=True)
class _Lookups:
    category: Choices
    severity: Choices
    status: Choices
    now: dt.datetime

    @classmethod
    def build(cls) -> _Lookups:
        return cls(
            category=Choices(Category.choices, CATEGORY_ALIASES, suffixes=LABEL_SUFFIXES),
            severity=Choices(Severity.choices, GRADE_ALIASES, suffixes=LABEL_SUFFIXES),
            status=Choices(Status.choices, STATUS_ALIASES, suffixes=LABEL_SUFFIXES),
            now=timezone.now(),
        )


def _max_length(name: str) -> int:
    return Hazard._meta.get_field(name).max_length


# ---------------------------------------------------------------------------
# The row schema
# ---------------------------------------------------------------------------


@pydantic_dataclass(slots=True, kw_only=True)
class LedgerRow(KeyedRow):
    """One spreadsheet row, cleaned. ``None`` means the file has no such column (an
    existing hazard keeps its value); an empty string clears a text field. A file with no
    title column gives each row the first clause of its description as its title
    (``title_derived``), which an existing hazard does not take.

    A pydantic dataclass with slots rather than a model: a hundred thousand rows are held
    between checking and writing, at a third of a model's memory."""

    title: str | None = None
    category: str
    title_derived: bool = False
    severity: str | None = None
    status: str | None = None
    opened_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    responsible: str | None = None
    location: str | None = None
    description: str | None = None

    @field_validator("title", "location", mode="before")
    @classmethod
    def _line(cls, value: Any, info: ValidationInfo) -> str:
        return clean_line(value, limit=_max_length(info.field_name), required=info.field_name == "title")

    @field_validator("description", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return clean_text(value)

    @field_validator("responsible", mode="before")
    @classmethod
    def _person(cls, value: Any) -> str:
        return clean_line(value, limit=_max_length("responsible_person"))

    @field_validator("due_at", mode="before")
    @classmethod
    def _deadline(cls, value: Any) -> dt.datetime | None:
        return clean_deadline(value)

    @model_validator(mode="after")
    def _title_from_description(self) -> LedgerRow:
        self.title_derived = self.title is None
        self.title = title_from(self.title, self.description, limit=_max_length("title"))
        return self

    @field_validator("category", "severity", "status", mode="before")
    @classmethod
    def _choice(cls, value: Any, info: ValidationInfo) -> str | None:
        choices: Choices = getattr(info.context["lookups"], info.field_name)
        return choices.clean(value, required=info.field_name == "category")

    @field_validator("opened_at", mode="before")
    @classmethod
    def _moment(cls, value: Any, info: ValidationInfo) -> dt.datetime | None:
        return clean_moment(value, now=info.context["lookups"].now)


_ROW = TypeAdapter(LedgerRow)


def read_sheet(source: str | Path | IO[bytes], name: str) -> Sheet:
    """The hazard ledger's header and rows, from a path or a binary file named ``name``."""
    return read_ledger_sheet(source, name, LAYOUT)


# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _New:
    number: int
    row: LedgerRow
    unit: Unit
    assignee: Any = None  # the user the row's responsible person names


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


class _Importer:
    def __init__(self, *, sheet: Sheet, actor: Any, filename: str, row_errors: list[RowError]):
        self.sheet = sheet
        self.actor = actor
        self.filename = filename
        self.errors = row_errors
        self.checks = RowChecks(sheet, row_errors, no_key=MSG_NO_KEY, actor=actor)
        self.error = self.checks.error
        self.people = UnitPeople(kind=KIND)
        # (unit, category) -> why the actor may not report it there, or None
        self.may_report: dict[tuple[int, str], str | None] = {}

    # -- against the database, still writing nothing ---------------------------
    def plan(self, rows: list[tuple[int, LedgerRow]]) -> _Plan:
        plan = _Plan()
        placed: list[_New] = []
        today = timezone.localdate()
        for number, row in rows:
            unit = self.checks.place(number, row)
            reported = local_day(row.opened_at) or today
            if row.due_at and local_day(row.due_at) < reported:
                self.error(number, "due_at", MSG_DEADLINE_BEFORE_REPORTED.format(date=reported.isoformat()),
                           local_day(row.due_at).isoformat())
            elif unit is not None:
                placed.append(_New(number=number, row=row, unit=unit))
        visible = Hazard.objects.visible_to(self.actor).filter(kind=KIND).select_related("unit")
        new, known = self.checks.match(placed, visible, kind=KIND, taken=MSG_REF_TAKEN)
        for item in new:
            self._plan_create(item, plan)
        for item, hazard in known:
            self._plan_update(item, hazard, plan)
        return plan

    def _plan_create(self, item: _New, plan: _Plan) -> None:
        row, unit = item.row, item.unit
        if row.status in HAZARD_WORKFLOW.closed_states:
            label = zh_labels(Status.choices)[row.status]
            self.error(item.number, "status", MSG_CLOSED_NOT_IMPORTED.format(status=label), label)
            return
        verdict_key = (unit.pk, row.category)
        if verdict_key not in self.may_report:
            try:
                hazard_report_check(actor=self.actor, unit=unit, category=row.category)
                self.may_report[verdict_key] = None
            except errors.DomainError as exc:
                self.may_report[verdict_key] = exc.message
        if self.may_report[verdict_key]:
            column = "unit_code" if row.unit_code else "unit_name"
            self.error(item.number, column, self.may_report[verdict_key], getattr(row, column))
            return
        item.assignee = self.people.match(unit, row.responsible)
        plan.new.append(item)

    def _plan_update(self, item: _New, hazard: Hazard, plan: _Plan) -> None:
        row = item.row
        if hazard.unit_id != item.unit.pk:
            self.error(item.number, "unit_name", MSG_UNIT_MOVED.format(unit=hazard.unit.name),
                       row.unit_name or row.unit_code)
            return
        given = {"title": None if row.title_derived else row.title, "category": row.category,
                 "severity": row.severity, "location": row.location, "description": row.description}
        changes = {name: value for name, value in given.items()
                   if value is not None and value != getattr(hazard, name)}
        if not changes:
            plan.unchanged += 1
            return
        # The service's own question, asked now so that every row is reported.
        refusal = edit_refusal(hazard, self.actor)
        if refusal is not None:
            self.error(item.number, next(iter(changes)), refusal.message)
            return
        plan.changes.append(_Change(number=item.number, hazard_id=hazard.pk, version=hazard.version,
                                    changes=changes))

    # -- all rows in one transaction (``RowChecks.write``) ----------------------
    def create_all(self, new: Sequence[_New], bar: Any) -> None:
        """The new hazards, a thousand rows a statement, before the changed ones one by one."""
        creator = _Creator(actor=self.actor, items=new)
        for start in range(0, len(new), WRITE_BATCH):
            batch = new[start:start + WRITE_BATCH]
            creator.create(batch)
            bar.update(len(batch))

    def update(self, change: _Change) -> Hazard:
        hazard = Hazard.objects.select_related("unit").get(pk=change.hazard_id)
        try:
            return hazard_update(hazard=hazard, actor=self.actor, expected_version=change.version,
                                 changes=change.changes,
                                 note=str(MSG_UPDATE_NOTE.format(file=self.filename, row=change.number)))
        except errors.DomainError as exc:
            raise RowRefused(next(iter(change.changes)), exc.message) from exc


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
            if row.due_at:  # the file's own date: final, whatever the calendar of its year
                hazard.policy_due_at, hazard.due_at = hazard.due_at, row.due_at
                hazard.due_provisional, hazard.due_basis = False, None
            hazard.assignee = item.assignee
            hazard.responsible_person = "" if item.assignee else row.responsible or ""
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


def import_hazards(file: str | Path | IO[bytes], *, actor: Any, filename: str | None = None,
                   dry_run: bool = False, progress: Progress = no_progress,
                   mapping: Mapping[str, str] | None = None) -> LedgerImport:
    """Import a hazard ledger (.xlsx, or .csv) as ``actor``: every row, or none.

    ``file`` is a path or a binary file (an upload); ``filename`` says its format when the
    file has no name of its own. Rows naming a hazard already in Pingan update it, or leave it
    unchanged. The result lists every bad cell, and then nothing was written; ``dry_run``
    writes every row and takes it back. A file that cannot be read as a ledger raises
    DomainError; ``mapping`` ({header: field}) names columns the import does not know by itself."""
    filename = file_name(file, filename)
    row_errors: list[RowError] = []
    sheet, rows = read_rows(file, filename, LAYOUT, _ROW, context={"lookups": _Lookups.build()},
                            row_errors=row_errors, progress=progress, mapping=mapping)
    importer = _Importer(sheet=sheet, actor=actor, filename=filename, row_errors=row_errors)
    plan = importer.plan(rows)
    if not row_errors:
        importer.checks.write(plan.changes, importer.update, keep=not dry_run, progress=progress,
                              before=partial(importer.create_all, plan.new), before_rows=len(plan.new))
    return LedgerImport.of(rows=len(rows), created=len(plan.new), updated=len(plan.changes),
                           unchanged=plan.unchanged, errors=row_errors, dry_run=dry_run)


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------


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
    return write_workbook(hazards, fileobj, columns=COLUMNS, title=SHEET_TITLE, labels=labels, total=total,
                          progress=progress)
