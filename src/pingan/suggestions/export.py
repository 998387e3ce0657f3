"""The boards of deputies' suggestions and members' proposals as a workbook (.xlsx), for the
office's reports: 汇总 (the figures per handling unit and in total), 按会议 (per session), 重点建议,
承诺事项 (promises falling due) and 明细 (every item), each with Chinese headers, a frozen
header row and dates as dates. The figures are the board page's (``selectors``), of the
same items: the reader's (``selectors.board_items``)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from operator import attrgetter
from typing import IO, Any

from django.db.models import QuerySet
from django.utils import timezone, translation
from openpyxl import Workbook

from pingan.core.ledger import Column, append_sheet, local_day, zh_labels
from pingan.core.web import user_label
from pingan.suggestions import selectors
from pingan.suggestions.models import Category, Status, Suggestion

SUMMARY, BY_SESSION, KEY, PROMISES, DETAIL = "汇总", "按会议", "重点建议", "承诺事项", "明细"
TOTAL = "合计"


def _figure(figure: selectors.Figure) -> Column:
    """A figure of a board row as the page shows it, headed by its Chinese name; a rate is a
    percentage, empty where there is none."""
    with translation.override("zh-hans"):
        header = f"{figure.label}（%）" if figure.rate else str(figure.label)
    return Column(figure.name, header, width=max(8, 2 * len(header) + 2), imported=False,
                  value=lambda row, labels: figure.value(row))


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
    _labelled("satisfaction", "满意度", 10), STATUS,
]


def write_board_workbook(items: QuerySet[Suggestion], fileobj: IO[bytes], *,
                         today: dt.date | None = None) -> int:
    """The boards of ``items`` (``selectors.board_items``: the reader's, of a session or of
    all) as a workbook; returns the number of items on the detail sheet."""
    today = today or timezone.localdate()
    labels = {"status": zh_labels(Status.choices), "category": zh_labels(Category.choices),
              "reply_state": zh_labels(selectors.ReplyState.choices),
              "satisfaction": zh_labels(selectors.SATISFACTION_SHORT.items())}
    by_unit = selectors.board_by_unit(items, today=today)
    by_session = selectors.board_by_session(items, today=today)
    workbook = Workbook(write_only=True)
    unit_columns = [_label("办理单位"), *map(_figure, selectors.figures())]
    append_sheet(workbook, [*by_unit.rows, by_unit.total], columns=unit_columns, title=SUMMARY, labels=labels)
    session_columns = [_label("会议"), *map(_figure, selectors.figures(per_session=True))]
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
