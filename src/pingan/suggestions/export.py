"""The boards of deputies' suggestions and members' proposals as a workbook (.xlsx), for the
office's reports: 汇总 (the figures per handling unit and in total), 按会议 (per session), 重点建议,
承诺事项 (promises falling due) and 明细 (every item), each with Chinese headers, a frozen
header row and dates as dates. The figures are the board page's (``selectors``), of the
same items: the reader's (``selectors.board_items``)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping
from operator import attrgetter
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook

from pingan.core.ledger import Column, append_sheet, local_day, zh_labels
from pingan.core.web import user_label
from pingan.suggestions import selectors
from pingan.suggestions.models import Category, Satisfaction, Status, Suggestion

SUMMARY, BY_SESSION, KEY, PROMISES, DETAIL = "汇总", "按会议", "重点建议", "承诺事项", "明细"
TOTAL = "合计"
SATISFACTION_HEADERS = {Satisfaction.SATISFIED: "满意", Satisfaction.BASICALLY: "基本满意",
                        Satisfaction.DISSATISFIED: "不满意"}

Labels = Mapping[str, Mapping[str, str]]


def _count(name: str) -> Callable[[selectors.BoardRow, Labels], int]:
    return lambda row, labels: row.counts[name]


def _figure(name: str, header: str, width: int = 10) -> Column:
    return Column(name, header, width=width, value=_count(name), imported=False)


def figure_columns() -> list[Column]:
    """A board row's figures, as the page shows them; a rate is a percentage, empty of nothing."""
    return [
        _figure("assigned", "交办"),
        _figure("replied", "已答复"),
        _figure("on_time", "按时答复"),
        _figure("late", "逾期答复"),
        _figure("overdue", "超期未答复", 12),
        Column("on_time_rate", "按时答复率（%）", width=16, imported=False,
               value=lambda row, labels: row.on_time_rate),
        *(_figure(f"class_{index}", f"{code}类", 8) for index, code in enumerate(selectors.result_codes())),
        _figure("rated", "已测评"),
        *(_figure(value, header, 10) for value, header in SATISFACTION_HEADERS.items()),
        Column("satisfaction_rate", "满意率（%）", width=14, imported=False,
               value=lambda row, labels: row.satisfaction_rate),
        _figure("returned", "退回"),
        _figure("rehandled", "重新办理"),
        _figure("withdrawn", "撤回"),
    ]


def _label(header: str) -> Column:
    return Column("label", header, width=24, imported=False,
                  value=lambda row, labels: TOTAL if row.key is None else row.label)


def _of(field: str, header: str, width: int, read: Callable[[Any], Any] | None = None) -> Column:
    """A column of the item itself: its attribute ``field``, or what ``read`` makes of it."""
    read = read or attrgetter(field)
    return Column(field, header, width=width, imported=False,
                  value=lambda item, labels: read(item.suggestion))


def _labelled(field: str, header: str, width: int) -> Column:
    """A choice of the item, in Chinese."""
    return Column(field, header, width=width, imported=False,
                  value=lambda item, labels: labels[field].get(getattr(item.suggestion, field), ""))


REF, SESSION, NUMBER, TITLE = (_of("ref", "编号", 16), _of("session", "会议", 22, lambda s: s.session.name),
                               _of("number", "序号", 8), _of("title", "标题", 40))
PROPOSERS, STATUS = _of("proposers", "提出人", 16), _labelled("status", "状态", 12)
REPLY_DUE, RESULT_CLASS = _of("reply_due", "答复期限", 12), _of("result_class", "答复类别", 10)
PROMISE_DUE = _of("promise_due", "承诺完成日期", 14)
REPLY_STATE = Column("reply_state", "答复情况", width=12, imported=False,
                     value=lambda item, labels: labels["reply_state"].get(item.reply_state, ""))
LEAD = Column("lead", "主办单位", width=18, imported=False,
              value=lambda item, labels: item.lead.name if item.lead else "")

KEY_COLUMNS = [
    REF, SESSION, NUMBER, TITLE, PROPOSERS,
    _of("supervising_leader", "领衔督办领导", 14,
        lambda s: s.supervising_leader and user_label(s.supervising_leader)),
    LEAD, STATUS, REPLY_DUE, REPLY_STATE,
]
PROMISE_COLUMNS = [
    REF, SESSION, NUMBER, TITLE, LEAD, RESULT_CLASS, PROMISE_DUE,
    Column("days_left", "剩余天数（负数为已逾期）", width=22, imported=False,
           value=lambda item, labels: item.days_left),
]
DETAIL_COLUMNS = [
    REF, SESSION, NUMBER, PROPOSERS, _of("delegation", "代表团（组）", 18), TITLE,
    _labelled("category", "分类", 14), LEAD,
    _of("co_handlers", "协办单位", 24, lambda s: "、".join(c.unit.name for c in s.co_handlings.all())),
    _of("assigned_at", "交办日期", 12, lambda s: local_day(s.assigned_at)), REPLY_DUE,
    _of("replied_at", "答复日期", 12, lambda s: local_day(s.replied_at)), REPLY_STATE, RESULT_CLASS,
    PROMISE_DUE,
    _of("satisfaction", "满意度", 10, lambda s: SATISFACTION_HEADERS.get(s.satisfaction, "")), STATUS,
]


def write_board_workbook(items: QuerySet[Suggestion], fileobj: IO[bytes], *,
                         today: dt.date | None = None) -> int:
    """The boards of ``items`` (``selectors.board_items``: the reader's, of a session or of
    all) as a workbook; returns the number of items on the detail sheet."""
    today = today or timezone.localdate()
    labels = {"status": zh_labels(Status.choices), "category": zh_labels(Category.choices),
              "reply_state": zh_labels(selectors.ReplyState.choices)}
    figures = figure_columns()
    by_unit = selectors.board_by_unit(items, today=today)
    by_session = selectors.board_by_session(items, today=today)
    workbook = Workbook(write_only=True)
    append_sheet(workbook, [*by_unit.rows, by_unit.total], columns=[_label("承办单位"), *figures],
                 title=SUMMARY, labels=labels)
    session_columns = [_label("会议"), _figure("registered", "登记"), _figure("awaiting", "待交办"), *figures]
    append_sheet(workbook, [*by_session.rows, by_session.total], columns=session_columns, title=BY_SESSION,
                 labels=labels)
    append_sheet(workbook, selectors.key_suggestions(items, today=today), columns=KEY_COLUMNS, title=KEY,
                 labels=labels)
    append_sheet(workbook, selectors.promises_falling_due(items, today=today), columns=PROMISE_COLUMNS,
                 title=PROMISES, labels=labels)
    count = append_sheet(workbook, selectors.export_items(items, today=today), columns=DETAIL_COLUMNS,
                         title=DETAIL, labels=labels)
    workbook.save(fileobj)
    return count


def board_workbook(items: QuerySet[Suggestion], *, today: dt.date | None = None) -> bytes:
    out = io.BytesIO()
    write_board_workbook(items, out, today=today)
    return out.getvalue()
