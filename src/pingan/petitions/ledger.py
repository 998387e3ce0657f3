"""The petition ledger (信访台账) as a spreadsheet: import from .xlsx (or .csv), export to .xlsx.

Import reads a ledger as a petition office keeps it (Chinese headers and their synonyms,
labels or stored keys for every choice; ``pingan.core.ledger`` reads the file and cleans
the cells). Each new row goes through the services, as if a clerk had entered it:
``petition_register`` with the date received, then one ``petition_transition`` per
outcome column the row fills in, back-dated to that column's date (受理日期 → accept, or
not accept when 不予受理原因 is given; 答复日期 → reply; 满意度 → record satisfaction;
办结日期 → close). So every rule applies and every deadline counts from the ledger's own
dates, holidays and make-up working days included. All rows are written in one
transaction, each in a savepoint so that a row the services refuse is reported and the
next row is still checked; if any row is bad, nothing is written and the result lists
every bad cell. A row whose reference (外部编号, else 编号) names a petition already in
Pingan is left unchanged: importing a file again creates nothing new and changes nothing,
since Pingan holds the petition's clock from then on.

Not carried by the columns, so not imported: the assignee, an objection to the
assignment, the one extension, and review and re-examination (复查、复核).

Export writes the petitions a user sees, with the import's columns plus the status and
the two deadlines. Petitioners are masked for everyone (张*, 330802********1238,
138****5678): a file is easily passed on, and a file half masked, half not is easily
misread. ``full=True`` writes them in full, only for a user who may see every exported
petitioner in full (``may_view_personal_data``); otherwise nothing is written. A full
export reads each petitioner through ``petition_personal_data``, so each is logged as a
full view, like opening the petitioner on the petition's page. A full export imports
again; a masked one is refused row by row, since masked details are not a person's.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import TypeAdapter, ValidationInfo, field_validator, model_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from pingan.core import errors
from pingan.core.ledger import (
    EXTERNAL_REF_HEADERS,
    REF_HEADERS,
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
    clean_code,
    clean_line,
    clean_moment,
    clean_text,
    file_name,
    invalid,
    local_day,
    local_naive,
    no_progress,
    provisional_cell,
    read_rows,
    title_from,
    write_workbook,
    zh_labels,
)
from pingan.core.models import Event, Unit
from pingan.core.personal.access import may_view_personal_data
from pingan.core.scoping import scope_for
from pingan.petitions.models import (
    KIND,
    Category,
    Channel,
    NotAcceptedReason,
    Outcome,
    Petition,
    PetitionType,
    Satisfaction,
    Status,
)
from pingan.petitions.profiles import rulebooks_held
from pingan.petitions.satisfaction import petition_satisfaction_transcribed
from pingan.petitions.selectors import (
    Petitioner,
    PetitionFilters,
    petition_list,
    petitioner_shown,
    petitions_known_to,
)
from pingan.petitions.services import petition_personal_data, petition_register, petition_transition
from pingan.petitions.workflow import PETITION_WORKFLOW

MSG_NO_KEY = _(
    "Give the row a reference (外部编号 or 编号), so that importing the file again skips "
    "the petition instead of adding it twice."
)
MSG_REF_TAKEN = _("The reference “{value}” is already used by a petition outside your area.")
MSG_MASKED = _(
    "This is masked (it has *): import a ledger exported with the petitioners' details in full."
)
MSG_DATE_NEEDED = _("This cell must not be empty when {column} is filled in.")
MSG_DATE_ORDER = _("This date is before {column} ({date}).")
MSG_IMPORT_NOTE = _("Imported from {file}, row {row}.")
MSG_FULL_EXPORT_REFUSED = _(
    "Your role shows the petitioners of {count} of these petitions masked (for example {refs}): "
    "export them masked, or narrow the list to petitions whose petitioners you may see in full."
)

SHEET_TITLE = "信访台账"


# ---------------------------------------------------------------------------
# Columns: one table for the export's headers and the import's synonyms.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    """An exported row: the petition, its petitioner as the reader may see them."""

    petition: Petition
    petitioner: Petitioner


def _label(name: str) -> Any:
    def value(line: _Line, labels: Any) -> str:
        stored = getattr(line.petition, name)
        return labels[name].get(stored, stored)
    return value


def _decided(line: _Line, labels: Any) -> dt.datetime | None:
    # A decision not to accept is dated like an acceptance: it ends the same term.
    p = line.petition
    return local_naive(p.closed_at if p.status == Status.NOT_ACCEPTED else p.accepted_at)


COLUMNS: tuple[Column, ...] = (
    Column("ref", "编号", REF_HEADERS, 16, value=lambda ln, lb: ln.petition.ref),
    Column("external_ref", "外部编号", ("信访编号", "信访件编号", "件号", "信访件号", *EXTERNAL_REF_HEADERS,
                                      "序号"), 16,
           value=lambda ln, lb: ln.petition.external_ref or ""),
    Column("received_at", "登记日期", ("登记时间", "来信来访日期", "来访日期", "来信日期", "信访日期",
                                      "收件日期", "收到日期", "接收日期", "received"), 18,
           value=lambda ln, lb: local_naive(ln.petition.opened_at)),
    Column("channel", "来访方式", ("信访方式", "信访形式", "来访形式", "信访渠道", "渠道", "channel"), 10,
           value=_label("channel")),
    Column("petition_type", "信访类型", ("信访性质", "类型", "type"), 12, value=_label("petition_type")),
    Column("category", "类别", ("问题类别", "内容分类", "问题分类", "事项类别", "信访类别", "分类",
                                "category"), 14,
           value=_label("category")),
    Column("unit_name", "属地单位", ("问题属地", "问题发生地", "发生地", "事发地", *UNIT_NAME_HEADERS), 20,
           value=lambda ln, lb: ln.petition.unit.name),
    Column("unit_code", "单位代码", UNIT_CODE_HEADERS, 16, value=lambda ln, lb: ln.petition.unit.code),
    Column("handling_unit", "办理单位", ("承办单位", "责任单位", "主办单位", "交办单位", "转送单位",
                                        "handlingunit"), 16,
           value=lambda ln, lb: ln.petition.handling_unit.name),
    Column("petitioner_name", "信访人", ("信访人姓名", "姓名", "来访人", "反映人", "petitioner"), 10,
           private=True, value=lambda ln, lb: ln.petitioner.name),
    Column("id_number", "身份证号", ("身份证号码", "公民身份号码", "证件号码", "身份证", "idnumber"), 20,
           private=True, value=lambda ln, lb: ln.petitioner.id_number),
    Column("phone", "联系电话", ("电话", "手机", "手机号", "手机号码", "联系方式", "phone"), 14,
           private=True, value=lambda ln, lb: ln.petitioner.phone),
    Column("address", "住址", ("地址", "家庭住址", "现住址", "联系地址", "住所", "address"), 24,
           private=True, value=lambda ln, lb: ln.petitioner.address),
    Column("title", "事项摘要", ("摘要", "内容摘要", "标题", "信访事项", "事由", "title"), 30,
           value=lambda ln, lb: ln.petition.title),
    Column("matter", "事项内容", ("信访内容", "反映内容", "主要内容", "具体内容", "详细内容", "诉求内容",
                                  "问题描述", "matter"), 40,
           value=lambda ln, lb: ln.petition.description),
    Column("status", "状态", width=12, imported=False, value=_label("status")),
    Column("acceptance_due", "受理期限", width=12, imported=False,
           value=lambda ln, lb: local_day(ln.petition.acceptance_due_at)),
    Column("resolution_due", "办理期限", width=12, imported=False,
           value=lambda ln, lb: local_day(ln.petition.resolution_due_at)),
    Column("due_provisional", "期限暂定", width=10, imported=False,
           value=lambda ln, lb: provisional_cell(ln.petition)),
    Column("accepted_at", "受理日期", ("受理时间", "受理告知日期", "accepted"), 18, value=_decided),
    Column("not_accepted_reason", "不予受理原因", ("不予受理理由", "notacceptedreason"), 16,
           value=_label("not_accepted_reason")),
    Column("replied_at", "答复日期", ("答复时间", "答复意见书日期", "replied"), 18,
           value=lambda ln, lb: local_naive(ln.petition.replied_at)),
    Column("outcome", "答复结果", ("办理结果", "处理结果", "outcome"), 10, value=_label("outcome")),
    Column("reply_note", "答复意见", ("答复内容", "处理意见", "办理情况", "replynote"), 30,
           value=lambda ln, lb: ln.petition.reply_note or ""),
    Column("satisfaction", "满意度", ("满意度评价", "群众满意度", "评价结果", "satisfaction"), 10,
           value=_label("satisfaction")),
    Column("rated_at", "评价日期", ("评价时间", "满意度评价日期", "rated"), 18,
           value=lambda ln, lb: local_naive(ln.petition.rated_at)),
    Column("closed_at", "办结日期", ("办结时间", "结案日期", "closed"), 18,
           value=lambda ln, lb: local_naive(ln.petition.closed_at)
           if ln.petition.status == Status.CLOSED else None),
)
HEADERS = {c.field: c.header for c in COLUMNS}
LAYOUT = Layout(
    COLUMNS, anchors=("title", "matter"),
    required=(("title", "matter"), ("received_at",), ("channel",), ("petition_type",),
              ("unit_name", "unit_code"), ("external_ref", "ref")),
    example=("external_ref", "received_at", "channel", "petition_type", "unit_name", "petitioner_name",
             "title"),
)


# ---------------------------------------------------------------------------
# Choice labels: what a petition ledger writes for each choice.
# ---------------------------------------------------------------------------

CHANNEL_ALIASES: dict[str, tuple[str, ...]] = {
    Channel.LETTER: ("来信", "信件", "写信", "书信"),
    Channel.VISIT: ("来访", "走访", "个访", "集访"),
    Channel.ONLINE: ("网上信访", "网信", "网上", "网络", "网上投诉"),
    Channel.PHONE: ("来电", "电话", "电话信访", "热线", "12345"),
    Channel.RECEPTION_DAY: ("领导接访", "领导接访日", "领导接待日", "接访日"),
}
TYPE_ALIASES: dict[str, tuple[str, ...]] = {
    PetitionType.SUGGESTION: ("建议", "意见", "建议意见", "意见建议"),
    PetitionType.ACCUSATION: ("检举", "控告", "举报", "检举控告", "检举揭发"),
    PetitionType.COMPLAINT: ("申诉", "求决", "投诉", "投诉请求", "申诉求决", "诉求"),
}
CATEGORY_ALIASES: dict[str, tuple[str, ...]] = {
    Category.URBAN_RURAL_CONSTRUCTION: ("城乡建设", "城建", "住房城乡建设", "城市建设"),
    Category.LAND_RESOURCES: ("国土资源", "国土", "土地", "征地", "征地拆迁", "自然资源"),
    Category.LABOUR: ("劳动社保", "劳动保障", "劳动和社会保障", "人力社保", "欠薪", "讨薪"),
    Category.RURAL: ("农村农业", "农业农村", "三农", "农村"),
    Category.ENVIRONMENT: ("环境保护", "生态环境", "环保"),
    Category.LAW: ("政法", "涉法涉诉", "公安司法"),
    Category.HEALTH: ("卫生健康", "卫生计生", "医疗卫生", "卫生"),
    Category.EDUCATION: ("教育", "教育文体"),
    Category.CIVIL_AFFAIRS: ("民政", "民政事务"),
    Category.DISCIPLINE: ("纪检监察", "纪检"),
    Category.OTHER: ("其他", "其它"),
}
OUTCOME_ALIASES: dict[str, tuple[str, ...]] = {
    Outcome.SUPPORTED: ("支持", "予以支持", "支持诉求"),
    Outcome.EXPLAINED: ("解释说明", "解释", "说明", "做好解释说明"),
    Outcome.NOT_SUPPORTED: ("不支持", "不予支持"),
}
SATISFACTION_ALIASES: dict[str, tuple[str, ...]] = {
    Satisfaction.SATISFIED: ("满意", "非常满意"),
    Satisfaction.PARTLY: ("基本满意", "部分满意", "比较满意"),
    Satisfaction.NOT_SATISFIED: ("不满意",),
}
REASON_ALIASES: dict[str, tuple[str, ...]] = {
    NotAcceptedReason.LEGAL_PROCEDURE: ("诉讼", "仲裁", "法定途径", "应通过法定途径解决", "诉讼仲裁"),
    NotAcceptedReason.OUTSIDE_AUTHORITY: ("不属于本机关职权范围", "非本机关职权", "超出职权范围"),
    NotAcceptedReason.IN_PROGRESS: ("正在办理", "已受理正在办理", "办理中"),
    NotAcceptedReason.CONCLUDED: ("复核终结", "已复核终结", "已终结"),
    NotAcceptedReason.OTHER: ("其他", "其它"),
}
# The choices a row names, with the ledger's own words for them.
_CHOICES = {
    "channel": (Channel.choices, CHANNEL_ALIASES),
    "petition_type": (PetitionType.choices, TYPE_ALIASES),
    "category": (Category.choices, CATEGORY_ALIASES),
    "outcome": (Outcome.choices, OUTCOME_ALIASES),
    "satisfaction": (Satisfaction.choices, SATISFACTION_ALIASES),
    "not_accepted_reason": (NotAcceptedReason.choices, REASON_ALIASES),
}


def _context() -> dict[str, Any]:
    return {"choices": {name: Choices(choices, aliases) for name, (choices, aliases) in _CHOICES.items()},
            "now": timezone.now()}


def _max_length(name: str) -> int:
    return Petition._meta.get_field(name).max_length


# ---------------------------------------------------------------------------
# The row schema
# ---------------------------------------------------------------------------


@pydantic_dataclass(slots=True, kw_only=True)
class PetitionRow(KeyedRow):
    """One ledger row, cleaned; ``None``: the file has no such column or the cell is empty.
    What the services check (ID numbers, phones, who may register where) is left to them."""

    title: str | None = None
    channel: str
    petition_type: str
    received_at: dt.datetime
    category: str | None = None
    handling_unit: str | None = None
    petitioner_name: str | None = None
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None
    matter: str | None = None
    accepted_at: dt.datetime | None = None
    not_accepted_reason: str | None = None
    replied_at: dt.datetime | None = None
    outcome: str | None = None
    reply_note: str | None = None
    satisfaction: str | None = None
    rated_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None

    @field_validator("handling_unit", mode="before")
    @classmethod
    def _unit(cls, value: Any) -> str:
        return clean_code(value)

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value: Any) -> str:
        return clean_line(value, limit=_max_length("title"), required=True)

    @field_validator("petitioner_name", "id_number", "phone", "address", mode="before")
    @classmethod
    def _personal(cls, value: Any, info: ValidationInfo) -> str:
        # The services check ID numbers and phones; here they only lose their spaces.
        if info.field_name in ("id_number", "phone"):
            text = clean_code(value)
        else:
            model_field = "petitioner_address" if info.field_name == "address" else "petitioner_name"
            text = clean_line(value, limit=_max_length(model_field))
        if "*" in text:
            raise invalid(MSG_MASKED)
        return text

    @field_validator("matter", "reply_note", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return clean_text(value)

    @model_validator(mode="after")
    def _title_from_matter(self) -> PetitionRow:
        # A ledger with only the matter (信访内容) is summed up by its first clause.
        self.title = title_from(self.title, self.matter, limit=_max_length("title"))
        return self

    @field_validator(*_CHOICES, mode="before")
    @classmethod
    def _choice(cls, value: Any, info: ValidationInfo) -> str | None:
        choices: Choices = info.context["choices"][info.field_name]
        return choices.clean(value, required=info.field_name in ("channel", "petition_type"))

    @field_validator("received_at", "accepted_at", "replied_at", "rated_at", "closed_at", mode="before")
    @classmethod
    def _moment(cls, value: Any, info: ValidationInfo) -> dt.datetime | None:
        return clean_moment(value, now=info.context["now"], required=info.field_name == "received_at")


_ROW = TypeAdapter(PetitionRow)


# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    """One back-dated step of a new petition's clock, and the cell to blame if refused."""

    name: str
    at: dt.datetime
    column: str
    data: dict[str, str] = field(default_factory=dict)


@dataclass
class _New:
    number: int
    row: PetitionRow
    unit: Unit
    handling_unit: Unit | None
    steps: list[_Step]


class _Importer:
    def __init__(self, *, sheet: Sheet, actor: Any, filename: str, row_errors: list[RowError]):
        self.sheet = sheet
        self.actor = actor
        self.filename = filename
        self.errors = row_errors
        self.checks = RowChecks(sheet, row_errors, no_key=MSG_NO_KEY, actor=actor)
        self.error = self.checks.error

    def steps(self, number: int, row: PetitionRow) -> list[_Step]:
        """The steps the row's outcome columns record, in order; a missing or earlier
        date is an error. A date without a time on the day of the step before it counts
        as that step's moment."""
        # (step, its date and date column, the filled cell that asks for it, the cell to
        # blame if the services refuse it, its input)
        wanted: list[tuple[str, dt.datetime | None, str, str, str, dict[str, str]]] = []
        if row.not_accepted_reason:
            wanted.append(("not_accept", row.accepted_at, "accepted_at", "not_accepted_reason",
                           "accepted_at", {"reason": row.not_accepted_reason}))
        elif row.accepted_at:
            wanted.append(("accept", row.accepted_at, "accepted_at", "accepted_at", "accepted_at", {}))
        if row.replied_at or row.outcome or row.reply_note:
            wanted.append(("reply", row.replied_at, "replied_at", "outcome" if row.outcome else "reply_note",
                           "replied_at" if row.outcome else "outcome",
                           {"outcome": row.outcome or "", "note": row.reply_note or ""}))
        if row.satisfaction or row.rated_at:
            wanted.append(("rate", row.rated_at or row.replied_at, "rated_at", "satisfaction",
                           "rated_at" if row.satisfaction else "satisfaction",
                           {"satisfaction": row.satisfaction or ""}))
        if row.closed_at:
            wanted.append(("close", row.closed_at, "closed_at", "closed_at", "closed_at", {}))
        steps: list[_Step] = []
        previous, previous_column = row.received_at, "received_at"
        for name, moment, date_column, cause, blame, data in wanted:
            if moment is None:
                self.error(number, date_column, MSG_DATE_NEEDED.format(column=self.sheet.column(cause)))
                continue
            if local_day(moment) < local_day(previous):
                self.error(number, date_column, MSG_DATE_ORDER.format(
                    column=self.sheet.column(previous_column), date=local_day(previous).isoformat()),
                    local_day(moment).isoformat())
                continue
            previous, previous_column = max(moment, previous), date_column
            steps.append(_Step(name=name, at=previous, column=blame, data=data))
        return steps

    # -- against the database, still writing nothing ---------------------------
    def plan(self, rows: list[tuple[int, PetitionRow]]) -> tuple[list[_New], int]:
        """The new rows, and how many name a petition already in Pingan (left unchanged)."""
        planned: list[_New] = []
        for number, row in rows:
            problems = len(self.errors)
            unit = self.checks.place(number, row)
            handling_unit = None
            if row.handling_unit:
                handling_unit, problem = self.checks.units.resolve(code=None, name=row.handling_unit,
                                                                   departments=True)
                if problem:
                    self.error(number, "handling_unit", problem, row.handling_unit)
            steps = self.steps(number, row)
            if len(self.errors) == problems and unit is not None:
                planned.append(_New(number, row, unit, handling_unit, steps))
        new, known = self.checks.match(planned, petitions_known_to(self.actor), kind=KIND,
                                       taken=MSG_REF_TAKEN)
        return new, len(known)

    # -- each new row through the services (``RowChecks.write``) ------------------
    def create(self, item: _New) -> Petition:
        row = item.row
        try:
            petition = petition_register(
                actor=self.actor, unit=item.unit, channel=row.channel, petition_type=row.petition_type,
                title=row.title, matter=row.matter or "", category=row.category,
                handling_unit=item.handling_unit, petitioner_name=row.petitioner_name or "",
                id_number=row.id_number or "", phone=row.phone or "", address=row.address or "",
                received_at=row.received_at, source="import", external_ref=row.key,
            )
        except errors.DomainError as exc:
            unit_column = "unit_code" if row.unit_code else "unit_name"
            raise RowRefused({"unit": unit_column}.get(exc.field, exc.field or "title"), exc.message) from exc
        note = str(MSG_IMPORT_NOTE.format(file=self.filename, row=item.number))
        for step in item.steps:
            try:
                if step.name == "rate":  # the office's record of its call-back, not the importer's word
                    petition_satisfaction_transcribed(petition=petition, actor=self.actor, at=step.at,
                                                      satisfaction=step.data["satisfaction"])
                    continue
                petition_transition(petition=petition, name=step.name, actor=self.actor,
                                    expected_version=petition.version, at=step.at,
                                    **{**step.data, "note": step.data.get("note") or note})
            except errors.DomainError as exc:
                raise RowRefused(step.column, exc.message) from exc
        return petition


def import_petitions(file: str | Path | IO[bytes], *, actor: Any, filename: str | None = None,
                     dry_run: bool = False, progress: Progress = no_progress,
                     mapping: Mapping[str, str] | None = None) -> LedgerImport:
    """Import a petition ledger (.xlsx, or .csv) as ``actor``: every row, or none.

    ``file`` is a path or a binary file (an upload); ``filename`` says its format when the
    file has no name of its own. Rows already imported are left unchanged. The result lists every
    bad cell, and then nothing was written; ``dry_run`` checks every row through the
    services and writes nothing. A file that cannot be read as a ledger raises DomainError;
    ``mapping`` ({header: field}) names columns the import does not know by itself."""
    filename = file_name(file, filename)
    row_errors: list[RowError] = []
    sheet, rows = read_rows(file, filename, LAYOUT, _ROW, context=_context(), row_errors=row_errors,
                            progress=progress, mapping=mapping)
    importer = _Importer(sheet=sheet, actor=actor, filename=filename, row_errors=row_errors)
    new, unchanged = importer.plan(rows)
    with rulebooks_held():  # a row's steps and the next row's all read the same rules
        importer.checks.write(new, importer.create, keep=not dry_run, progress=progress)
    return LedgerImport.of(rows=len(rows), created=len(new), unchanged=unchanged, errors=importer.errors,
                           dry_run=dry_run)


# ---------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------


def export_petitions(petitions: PetitionFilters | QuerySet[Petition], *, user: Any, full: bool = False,
                     progress: Progress = no_progress) -> bytes:
    """The petitions ``user`` sees (``petitions`` is the list's filters, or a queryset,
    which is narrowed to them) as an .xlsx ledger, in the list's order.

    Petitioners are masked unless ``full``; a full export is refused (PermissionDenied,
    nothing written) unless the user may see every exported petitioner in full, and logs
    each petitioner read as a full view does."""
    out = io.BytesIO()
    write_petitions(petitions, out, user=user, full=full, progress=progress)
    return out.getvalue()


def write_petitions(petitions: PetitionFilters | QuerySet[Petition], fileobj: IO[bytes], *, user: Any,
                    full: bool = False, progress: Progress = no_progress) -> int:
    """``export_petitions`` into a file; returns the number of petitions written."""
    if isinstance(petitions, PetitionFilters):
        petitions = petition_list(user=user, filters=petitions)
    else:
        petitions = petitions.filter(pk__in=Petition.objects.visible_to(user).values("pk"))
    reply_note = (Event.objects.filter(case_id=OuterRef("pk"), transition="reply")
                  .order_by("-seq").values("note")[:1])
    petitions = petitions.select_related("unit", "handling_unit").annotate(reply_note=Subquery(reply_note))
    labels = {name: zh_labels(choices) for name, (choices, _aliases) in _CHOICES.items()}
    labels["status"] = zh_labels(PETITION_WORKFLOW.states.items())
    write = partial(write_workbook, fileobj=fileobj, columns=COLUMNS, title=SHEET_TITLE, labels=labels,
                    progress=progress)
    if not full:
        return write(_Line(p, petitioner_shown(user, p)) for p in petitions.iterator(chunk_size=2000))
    chosen = list(petitions)
    scope = scope_for(user)
    # An accuser outside the discipline office is withheld, even from a full export: not a
    # refusal (the user may export the rest in full), and never a full view.
    sealed = {p.pk for p in chosen if not scope.holds_seal(p)}
    refused = [p.ref for p in chosen if p.pk not in sealed and not may_view_personal_data(user, p)]
    if refused:
        raise errors.PermissionDenied(MSG_FULL_EXPORT_REFUSED.format(count=len(refused),
                                                                     refs="、".join(refused[:3])))
    with transaction.atomic():
        # Each reading is logged; a failure part way logs none and writes no file.
        lines = [_Line(p, petitioner_shown(user, p) if p.pk in sealed
                       else petition_personal_data(petition=p, actor=user)) for p in chosen]
        return write(lines, total=len(lines))
