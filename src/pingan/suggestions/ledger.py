"""A session's list of deputies' suggestions or members' proposals (建议/提案清单) from .xlsx.

The office that assigns them receives each session's list as a workbook: a title line above
the headers, one row per item (会议, 类别, 编号, 标题/案由, 提出人/领衔人, 代表团/界别, 内容,
分类, 重点, 领衔督办领导), often already with the units that will handle it (主办单位, 协办单位
and a 交办日期). ``pingan.core.ledger`` reads the file and cleans the cells; each new row
goes through the services as if the office had typed it: ``suggestion_register``, then, when
the row names its lead unit, ``suggestion_assign`` at the 交办日期 (or now), so every term
counts from the list's own date. A session the file names that Pingan does not know yet is
registered first (its body from 类别 or from its name — 人大 or 政协 —, its opening day from
开幕日期 or the caller's). Only the assigning office imports.

All or nothing: every bad cell is reported by its row and column and then nothing is written;
a formula anywhere is refused by its cell (the values Excel last saved are read, and a
formula nothing has calculated has none). An item is known by its session and number: a row
naming one already registered is left as it is (importing the list again changes nothing,
and the item's clock is Pingan's from then on).
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import TypeAdapter, ValidationInfo, field_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from pingan.core import errors
from pingan.core.ledger import (
    Choices,
    Column,
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
    header_key,
    invalid,
    local_day,
    no_progress,
    person_name,
    plain,
    read_bounded,
    read_rows,
    scan_workbook,
    split_values,
    squash,
)
from pingan.core.models import Unit
from pingan.suggestions import services
from pingan.suggestions.models import TEXT_MAX_CHARS, Category, Channel, Session, Suggestion

MSG_NO_SESSION = _("Name the session (会议), or give one session for the whole file.")
MSG_NEW_SESSION_DAY = _("There is no session “{session}” in Pingan yet: give its opening day (开幕日期), or "
                        "register the session first.")
MSG_NEW_SESSION_CHANNEL = _("Say whether “{session}” is a session of the people's congress or of the "
                            "political consultative conference (类别: 人大建议 or 政协提案).")
MSG_NUMBER_TWICE = _("{session} number {number} already appears in row {row}.")
MSG_NOT_A_LEADER = _("“{value}” is not one of the district's leaders in charge of suggestions.")
MSG_LEADER_AMBIGUOUS = _("Several of the district's leaders are called “{value}”: give the username.")
MSG_NEEDS_LEAD = _("This is filled in only with the lead unit (主办单位).")
MSG_BAD_YES_NO = _("“{value}” is not 是 or 否.")
MSG_IMPORT_NOTE = _("Imported from {file}, row {row}.")
MSG_DETAILS = _("Assigned: {assigned}. New sessions: {sessions}. Rows already registered are left as they "
                "are.")
MSG_NOT_READABLE = _("Cannot read “{name}”: a session's list is an .xlsx workbook (or a .csv file).")
MSG_TOO_LARGE = _("“{name}” is larger than {limit} MB: a session's list is far smaller; check the file.")
MSG_TOO_MANY_ROWS = _("The sheet “{sheet}” has more than {limit} rows: a session's list is far smaller.")

SHEET_TITLE = "建议提案清单"
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
# Columns read per row when looking for formulas: a list has a dozen; a hostile sheet may claim thousands.
MAX_COLUMNS = 60

# 是 / 否 as lists write them: 重点 is often marked with a tick, or the word again.
YES = frozenset({"是", "重点", "重点建议", "重点提案", "√", "✓", "✔", "y", "yes", "true", "1"})
NO = frozenset({"否", "不是", "非重点", "一般", "×", "n", "no", "false", "0"})


# ---------------------------------------------------------------------------
# Columns: the export's headers and the import's synonyms in one table.
# ---------------------------------------------------------------------------


def _label(name: str) -> Any:
    def value(item: Suggestion, labels: Any) -> str:
        stored = getattr(item, name)
        return labels[name].get(stored, stored)
    return value


COLUMNS: tuple[Column, ...] = (
    Column("session", "会议", ("会议名称", "届次", "会次", "session"), 22,
           value=lambda s, lb: s.session.name),
    Column("opened_on", "开幕日期", ("会议开幕日期", "会议日期", "开会日期", "openedon"), 12,
           value=lambda s, lb: s.session.opened_on),
    Column("channel", "类别", ("建议类别", "来源", "建议提案类别", "channel"), 10,
           value=lambda s, lb: lb["channel"][s.session.channel]),
    Column("number", "编号", ("建议编号", "提案编号", "建议号", "提案号", "案号", "number"), 8,
           value=lambda s, lb: s.number),
    Column("title", "标题", ("案由", "标题/案由", "建议标题", "提案标题", "题目", "建议名称", "提案名称",
                             "title"), 36, value=lambda s, lb: s.title),
    Column("proposers", "提出人", ("领衔人", "提出人/领衔人", "领衔代表", "领衔委员", "提案人", "建议人",
                                   "代表姓名", "委员姓名", "提出者", "proposers"), 14,
           value=lambda s, lb: s.proposers),
    Column("delegation", "代表团", ("界别", "小组", "代表团/界别", "代表团/界别/小组", "界别/小组",
                                    "所属代表团", "委员小组", "界别小组", "delegation"), 18,
           value=lambda s, lb: s.delegation),
    Column("text", "内容", ("建议内容", "提案内容", "主要内容", "正文", "text"), 40,
           value=lambda s, lb: s.description),
    Column("category", "分类", ("内容分类", "建议分类", "提案分类", "问题分类", "category"), 12,
           value=_label("category")),
    Column("is_key", "重点", ("是否重点", "重点建议", "重点提案", "是否重点建议", "是否重点提案", "key"), 6,
           value=lambda s, lb: "是" if s.is_key else "否"),
    Column("leader", "领衔督办领导", ("督办领导", "领衔督办", "领办领导", "领衔督办区领导", "leader"), 12,
           value=lambda s, lb: person_name(s.supervising_leader)),
    Column("lead", "主办单位", ("承办单位", "主办", "lead"), 16,
           value=lambda s, lb: (s.department or s.unit).name if s.assigned_at else ""),
    Column("co_handlers", "协办单位", ("会办单位", "协办", "cohandlers"), 20,
           value=lambda s, lb: "、".join(unit.name for unit in s.co_handlers.all())),
    Column("assigned_at", "交办日期", ("交办时间", "assigned"), 12,
           value=lambda s, lb: local_day(s.assigned_at)),
)
LAYOUT = Layout(COLUMNS, anchors=("title", "number"),
                required=(("session",), ("number",), ("title",), ("proposers",)),
                example=("session", "number", "title", "proposers", "delegation"))
# A whole file of one session, named by the caller: its rows need no 会议 column.
ONE_SESSION_LAYOUT = Layout(COLUMNS, anchors=LAYOUT.anchors, required=LAYOUT.required[1:],
                            example=LAYOUT.example[1:])

CHANNEL_ALIASES: dict[str, tuple[str, ...]] = {
    Channel.CONGRESS: ("人大建议", "人大代表建议", "代表建议", "建议", "人大"),
    Channel.CONFERENCE: ("政协提案", "政协委员提案", "委员提案", "提案", "政协"),
}
CATEGORY_ALIASES: dict[str, tuple[str, ...]] = {
    Category.ECONOMY: ("经济", "经济发展", "经济建设", "财政金融", "财经", "工业", "工业经济", "商贸",
                       "营商环境", "产业发展"),
    Category.AGRICULTURE: ("农业", "农村", "三农", "农业农村", "乡村振兴", "农林水", "农业农村农民"),
    Category.TRANSPORT: ("交通", "道路", "交通运输", "交通建设", "道路交通"),
    Category.URBAN: ("城建", "城市建设", "城乡建设", "城市管理", "城建城管", "住房城乡建设"),
    Category.EDUCATION_CULTURE: ("教育", "文化", "体育", "教育文化", "文教", "文体", "科教文卫", "教科文卫",
                                 "文化旅游", "教育科技"),
    Category.HEALTH: ("卫生", "医疗", "卫生健康", "医疗卫生", "社会保障", "社保", "民政", "社会事业",
                      "养老"),
    Category.ENVIRONMENT: ("环境", "环保", "生态", "生态环境", "环境保护", "生态文明"),
    Category.PUBLIC_SAFETY: ("安全", "公共安全", "平安建设", "政法", "社会治安", "安全生产"),
    Category.GOVERNANCE: ("政府建设", "政务", "法治", "民主法制", "法治建设", "政府工作", "综合"),
    Category.OTHER: ("其他", "其它"),
}
_CHOICES = {
    "channel": (Channel.choices, CHANNEL_ALIASES),
    "category": (Category.choices, CATEGORY_ALIASES),
}


def _context() -> dict[str, Any]:
    return {"choices": {name: Choices(choices, aliases) for name, (choices, aliases) in _CHOICES.items()},
            "now": timezone.now()}


# The one-line cells and the lengths their columns hold (a leader's name: a user's).
LINE_LIMITS = {
    "title": Suggestion._meta.get_field("title").max_length,
    "proposers": Suggestion._meta.get_field("proposers").max_length,
    "delegation": Suggestion._meta.get_field("delegation").max_length,
    "session": Session._meta.get_field("name").max_length,
    "leader": get_user_model()._meta.get_field("username").max_length,
}


def session_channel(name: str) -> str | None:
    """The body a session's name says: 市八届人大一次会议 is the congress's, 市政协八届一次会议
    the conference's; None when it says neither (or both)."""
    congress, conference = "人大" in name, "政协" in name
    if congress == conference:
        return None
    return Channel.CONGRESS if congress else Channel.CONFERENCE


# ---------------------------------------------------------------------------
# The row schema
# ---------------------------------------------------------------------------


@pydantic_dataclass(slots=True, kw_only=True)
class SuggestionRow:
    """One row, cleaned; ``None``: the file has no such column, or the cell is empty. What
    the services check (the number free in its session, a key suggestion's leader, which
    units may handle it) is left to them."""

    number: str
    title: str
    proposers: str
    session: str | None = None
    opened_on: dt.datetime | None = None
    channel: str | None = None
    delegation: str | None = None
    text: str | None = None
    category: str | None = None
    is_key: bool | None = None
    leader: str | None = None
    lead: str | None = None
    co_handlers: list[str] | None = None
    assigned_at: dt.datetime | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL stores no NUL: refused here, by its cell, like any other bad cell.
        if "\x00" in plain(value):
            raise invalid(errors.MSG_NUL)
        return value

    @field_validator("number", mode="before")
    @classmethod
    def _number(cls, value: Any) -> str:
        text = clean_code(value, limit=Suggestion._meta.get_field("number").max_length)
        if not text:
            raise invalid(services.MSG_NUMBER_REQUIRED)
        return text

    @field_validator(*LINE_LIMITS, mode="before")
    @classmethod
    def _line(cls, value: Any, info: ValidationInfo) -> str:
        return clean_line(value, limit=LINE_LIMITS[info.field_name],
                          required=info.field_name in ("title", "proposers"))

    @field_validator("text", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return clean_text(value, limit=TEXT_MAX_CHARS)

    @field_validator("lead", mode="before")
    @classmethod
    def _unit(cls, value: Any) -> str:
        return clean_code(value)

    @field_validator("co_handlers", mode="before")
    @classmethod
    def _units(cls, value: Any) -> list[str]:
        return [squash(name) for name in split_values(value)]

    @field_validator("is_key", mode="before")
    @classmethod
    def _yes_no(cls, value: Any) -> bool | None:
        text = header_key(plain(value))
        if not text:
            return None
        if text in YES or text in NO:
            return text in YES
        raise invalid(MSG_BAD_YES_NO, value=plain(value).strip())

    @field_validator(*_CHOICES, mode="before")
    @classmethod
    def _choice(cls, value: Any, info: ValidationInfo) -> str | None:
        return info.context["choices"][info.field_name].clean(value)

    @field_validator("opened_on", "assigned_at", mode="before")
    @classmethod
    def _moment(cls, value: Any, info: ValidationInfo) -> dt.datetime | None:
        return clean_moment(value, now=info.context["now"])


_ROW = TypeAdapter(SuggestionRow)


# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------


@dataclass
class SuggestionImport(LedgerImport):
    """An import's result, with the items it assigned and the sessions it registered."""

    assigned: int = 0
    sessions: int = 0

    def details(self) -> str:
        return str(MSG_DETAILS).format(assigned=self.assigned, sessions=self.sessions)


@dataclass
class _NewSession:
    name: str
    channel: str
    opened_on: dt.date


@dataclass
class _New:
    number: int
    row: SuggestionRow
    session: str
    leader: Any
    lead: Unit | None
    co_handlers: list[Unit] = field(default_factory=list)


class _Leaders:
    """The district's leaders in charge of suggestions, by every way a list writes one: the
    username, the full name, the name without the post written before it (副区长 钱敏)."""

    def __init__(self) -> None:
        self.by_name: dict[str, set[Any]] = defaultdict(set)
        for leadership in services.leader_options():
            user = leadership.user
            full = user.get_full_name()
            for written in (user.username, full, full.split()[-1] if full.split() else "",
                            user.last_name + user.first_name):
                if written.strip():
                    self.by_name[squash(written)].add(user)

    def find(self, name: str) -> tuple[Any, str | None]:
        users = self.by_name.get(squash(name), set())
        if len(users) == 1:
            return next(iter(users)), None
        return None, str(MSG_LEADER_AMBIGUOUS if users else MSG_NOT_A_LEADER).format(value=name)


class _Importer:
    def __init__(self, *, sheet: Sheet, actor: Any, filename: str, row_errors: list[RowError],
                 session: str | None, opened_on: dt.date | None):
        self.sheet = sheet
        self.actor = actor
        self.filename = filename
        self.checks = RowChecks(sheet, row_errors, no_key="", actor=actor)
        self.error = self.checks.error
        self.session_option = (session or "").strip() or None
        self.opened_option = opened_on
        self.sessions: dict[str, Session] = {}
        self.new_sessions: dict[str, _NewSession] = {}

    # -- against the database, still writing nothing ---------------------------
    def plan(self, rows: list[tuple[int, SuggestionRow]]) -> tuple[list[_New], int]:
        """The new rows, and how many name an item already registered (left as they are)."""
        names = {row.session or self.session_option for _number, row in rows} - {None}
        self.sessions = {s.name: s for s in Session.objects.filter(name__in=names)}
        registered = set(Suggestion.objects.filter(session__name__in=names)
                         .values_list("session__name", "number"))
        leaders = _Leaders()
        first_seen: dict[tuple[str, str], int] = {}
        planned: list[_New] = []
        unchanged = 0
        for number, row in rows:
            problems = len(self.checks.errors)
            session = self._session(number, row)
            leader = None
            if row.leader:
                leader, problem = leaders.find(row.leader)
                if problem:
                    self.error(number, "leader", problem, row.leader)
            lead, co_handlers = self._units(number, row)
            if session is None or len(self.checks.errors) > problems:
                continue
            key = (session, row.number)
            if key in first_seen:
                self.error(number, "number", MSG_NUMBER_TWICE.format(session=session, number=row.number,
                                                                     row=first_seen[key]), row.number)
                continue
            first_seen[key] = number
            if key in registered:
                unchanged += 1
                continue
            planned.append(_New(number, row, session, leader, lead, co_handlers))
        return planned, unchanged

    def _session(self, number: int, row: SuggestionRow) -> str | None:
        """The name of the row's session, known or to be registered; None (the error
        recorded) when the row does not say enough of a new one."""
        name = row.session or self.session_option
        if not name:
            self.error(number, "session", MSG_NO_SESSION)
            return None
        known = self.sessions.get(name) or self.new_sessions.get(name)
        if known is not None:
            if row.channel and row.channel != known.channel:
                self.error(number, "channel", services.MSG_SESSION_CHANNEL.format(
                    session=name, existing=Channel(known.channel).label, channel=Channel(row.channel).label),
                    Channel(row.channel).label)  # the body as the office writes it, not its code
                return None
            return name
        channel = row.channel or session_channel(name)
        opened_on = local_day(row.opened_on) or self.opened_option
        if channel is None:
            # Blamed on a column the file has: a 类别 to fill in, else the session's name.
            column = "channel" if "channel" in self.sheet.columns or not row.session else "session"
            self.error(number, column, MSG_NEW_SESSION_CHANNEL.format(session=name))
        if opened_on is None:
            self.error(number, "opened_on", MSG_NEW_SESSION_DAY.format(session=name))
        if channel is None or opened_on is None:
            return None
        self.new_sessions[name] = _NewSession(name=name, channel=channel, opened_on=opened_on)
        return name

    def _units(self, number: int, row: SuggestionRow) -> tuple[Unit | None, list[Unit]]:
        """The lead and the co-handlers a row names (departments, towns, by name or code)."""
        lead = None
        if row.lead:
            lead, problem = self.checks.units.resolve(code=None, name=row.lead, departments=True)
            if problem:
                self.error(number, "lead", problem, row.lead)
        co_handlers = []
        for name in row.co_handlers or ():
            unit, problem = self.checks.units.resolve(code=None, name=name, departments=True)
            if problem:
                self.error(number, "co_handlers", problem, name)
            elif unit is not None:
                co_handlers.append(unit)
        if not row.lead:
            for column, given in (("co_handlers", row.co_handlers), ("assigned_at", row.assigned_at)):
                if given:
                    self.error(number, column, MSG_NEEDS_LEAD)
        return lead, co_handlers

    # -- through the services (``RowChecks.write``) -----------------------------
    def register_sessions(self, bar: Any) -> None:
        """The sessions the file names that Pingan does not know, first, in the same
        transaction as the rows."""
        for new in self.new_sessions.values():
            self.sessions[new.name] = services.session_get_or_create(
                actor=self.actor, name=new.name, channel=new.channel, opened_on=new.opened_on)
            bar.update(1)

    def create(self, item: _New) -> Suggestion:
        row = item.row
        note = str(MSG_IMPORT_NOTE.format(file=self.filename, row=item.number))
        try:
            suggestion = services.suggestion_register(
                actor=self.actor, session=self.sessions[item.session], number=row.number, title=row.title,
                proposers=row.proposers, delegation=row.delegation or "", text=row.text or "",
                category=row.category or Category.OTHER, is_key=bool(row.is_key),
                supervising_leader=item.leader, at=row.assigned_at)
        except errors.DomainError as exc:
            raise RowRefused({"supervising_leader": "leader" if row.leader else "is_key"}.get(
                exc.field or "", exc.field or "title"), exc.message) from exc
        if item.lead is not None:
            try:
                services.suggestion_assign(suggestion=suggestion, actor=self.actor, lead=item.lead,
                                           co_handlers=item.co_handlers, expected_version=suggestion.version,
                                           note=note, at=row.assigned_at)
            except errors.DomainError as exc:
                raise RowRefused(exc.field if exc.field in ("lead", "co_handlers") else "lead",
                                 exc.message) from exc
        return suggestion


def import_suggestions(file: str | Path | IO[bytes], *, actor: Any, filename: str | None = None,
                       dry_run: bool = False, progress: Progress = no_progress,
                       mapping: Mapping[str, str] | None = None, session: str | None = None,
                       opened_on: dt.date | None = None, **_options: Any) -> SuggestionImport:
    """Import a session's list (.xlsx, or .csv) as ``actor``, the assigning office: every row,
    or none.

    ``session`` names the session of every row of a file without a 会议 column (a row's own
    cell wins); ``opened_on`` is the opening day of a session the file names that Pingan does
    not know (its 开幕日期 cell wins). Rows already registered are left as they are. The result
    lists every bad cell, and then nothing was written; ``dry_run`` checks every row through
    the services and writes nothing. A file that cannot be read as a list raises DomainError;
    ``mapping`` ({header: field}) names columns the import does not know by itself."""
    if not services.may_register(actor):  # before the file: nothing of it is read for anyone else
        raise errors.PermissionDenied(services.MSG_NOT_ASSIGNING_OFFICE)
    filename = file_name(file, filename)
    unreadable = MSG_NOT_READABLE.format(name=filename)
    data = read_bounded(file, limit=MAX_FILE_BYTES, unreadable=unreadable,
                        too_large=MSG_TOO_LARGE.format(name=filename, limit=MAX_FILE_BYTES // (1024 * 1024)))
    if Path(filename).suffix.lower() in (".xlsx", ".xlsm"):
        _titles, formulas = scan_workbook(data, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS,
                                          unreadable=unreadable, too_many_rows=MSG_TOO_MANY_ROWS)
        if formulas:  # their cells would read as empty: the formulas alone say what to fix
            return SuggestionImport.of(rows=0, created=0, unchanged=0, errors=formulas, dry_run=dry_run)
    layout = ONE_SESSION_LAYOUT if (session or "").strip() else LAYOUT
    row_errors: list[RowError] = []
    sheet, rows = read_rows(io.BytesIO(data), filename, layout, _ROW, context=_context(),
                            row_errors=row_errors, progress=progress, mapping=mapping)
    importer = _Importer(sheet=sheet, actor=actor, filename=filename, row_errors=row_errors, session=session,
                         opened_on=opened_on)
    new, unchanged = importer.plan(rows)
    importer.checks.write(new, importer.create, keep=not dry_run, progress=progress,
                          before=importer.register_sessions, before_rows=len(importer.new_sessions))
    return SuggestionImport.of(rows=len(rows), created=len(new), unchanged=unchanged,
                               errors=importer.checks.errors, dry_run=dry_run,
                               assigned=sum(1 for item in new if item.lead is not None),
                               sessions=len(importer.new_sessions))
