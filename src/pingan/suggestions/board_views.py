"""The board of deputies' suggestions and members' proposals (建议提案办理情况), per handling
unit and per session, with the key suggestions and the promises falling due; a unit's own
board (its row and its items); the workbook of it all.

Thin on purpose: the figures are ``selectors``' (one GROUP BY a table), of what the reader
sees (``selectors.board_items``). Each figure links to the list, filtered to the items it
counts (``Figure.filters``: the list's filter parameters).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pingan.core import errors, web
from pingan.core.models import DueState, Unit
from pingan.suggestions import selectors
from pingan.suggestions.export import board_workbook
from pingan.suggestions.models import Satisfaction, Session, Status
from pingan.suggestions.selectors import BoardRow, ReplyState
from pingan.suggestions.workflow import result_class_label

FILTER_LABELS = {"session": gettext_lazy("session"), "unit": gettext_lazy("unit")}
# A unit's board lists this many of its items; the list has them all.
UNIT_ITEMS_SHOWN = 100
SATISFACTION_SHORT = {Satisfaction.SATISFIED: gettext_lazy("Satisfied"),
                      Satisfaction.BASICALLY: gettext_lazy("Basically satisfied"),
                      Satisfaction.DISSATISFIED: gettext_lazy("Dissatisfied")}
# The chart's height: room for the legend and axis, and a bar per unit.
CHART_BASE_PX, CHART_ROW_PX = 70, 30
# Assigned and past the reply's due date: the case's deadline is the reply's while assigned.
OVERDUE = (("status", Status.ASSIGNED), ("due_state", DueState.OVERDUE), ("due_state", DueState.LONG_OVERDUE))


@dataclass(frozen=True)
class Figure:
    """A column of the board: a count (or a rate) of each row, and the list's filter
    parameters that pick the items it counts (None: the list has no such filter)."""

    name: str
    label: Any
    filters: tuple[tuple[str, str], ...] | None = ()
    title: Any = ""
    rate: bool = False
    warn: bool = False  # a count that should stand out (late, overdue, dissatisfied)


@dataclass(frozen=True)
class Cell:
    figure: Figure
    value: Any
    query: str  # the list's query string for the items counted; "" when there is none


def figures(*, per_session: bool = False) -> list[Figure]:
    """The board's columns; per session, those registered and awaiting assignment first."""
    return [
        *([Figure("registered", _("Registered")),
           Figure("awaiting", ReplyState.AWAITING.label,
                  (("status", Status.REGISTERED), ("status", Status.RETURNED)))] if per_session else []),
        Figure("assigned", _("Assigned")),
        Figure("replied", _("Replied"), (("reply", ReplyState.ON_TIME), ("reply", ReplyState.LATE))),
        Figure("on_time", ReplyState.ON_TIME.label, (("reply", ReplyState.ON_TIME),)),
        Figure("late", ReplyState.LATE.label, (("reply", ReplyState.LATE),), warn=True),
        Figure("overdue", _("Overdue, no reply"), OVERDUE, warn=True),
        Figure("on_time_rate", _("On-time rate"), None, _("Replied on time, of those replied or overdue"),
               rate=True),
        *(Figure(f"class_{index}", code, (("result_class", code),), result_class_label(code))
          for index, code in enumerate(selectors.result_codes())),
        Figure("rated", _("Rated"), tuple(("satisfaction", value) for value in Satisfaction.values)),
        *(Figure(value, label, (("satisfaction", value),), warn=value == Satisfaction.DISSATISFIED)
          for value, label in SATISFACTION_SHORT.items()),
        Figure("satisfaction_rate", _("Satisfaction rate"), None, _("Satisfied or basically satisfied, of "
                                                                    "those rated"), rate=True),
        Figure("returned", _("Returned"), None, _("Assignments the unit returned as wrong")),
        Figure("rehandled", _("Re-handled"), None, _("Handled again after a dissatisfied rating")),
        Figure("withdrawn", _("Withdrawn"), (("status", Status.WITHDRAWN),)),
    ]


def cells(row: BoardRow, columns: list[Figure], base: list[tuple[str, Any]]) -> list[Cell]:
    """A row's figures, each with the list's query string for what it counts (``base``
    narrows it to the row: its session, its lead)."""
    def value(figure: Figure) -> Any:
        return getattr(row, figure.name) if figure.rate else row.counts[figure.name]

    return [Cell(figure, value(figure),
                 urlencode([*base, *figure.filters]) if figure.filters is not None else "")
            for figure in columns]


def unit_rows(rows: list[BoardRow], columns: list[Figure], scope: list[tuple[str, Any]]) -> list[Any]:
    """Each unit's row with its cells, which link to the list of what the unit leads."""
    return [(row, cells(row, columns, [*scope, ("lead", row.code)])) for row in rows]


def _chart(board: selectors.Board) -> dict[str, Any]:
    """On time, late and overdue per unit: ECharts' stacked bars (``board.html``)."""
    rows = [row for row in board.rows if row.judged]
    return {
        "has_data": bool(rows),
        "height": CHART_BASE_PX + CHART_ROW_PX * len(rows),
        "units": [row.label for row in rows],
        "series": [{"name": str(ReplyState(state).label), "data": [row.counts[name] for row in rows]}
                   for name, state in (("on_time", ReplyState.ON_TIME), ("late", ReplyState.LATE),
                                       ("overdue", ReplyState.OVERDUE))],
    }


def _pk_or_404(model: Any, pk: int | None) -> Any:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk).first()
    if found is None:
        raise Http404(errors.MSG_NOT_FOUND)
    return found


@login_required
def board(request: HttpRequest) -> HttpResponse:
    filters, problems = web.parse_filters(selectors.BoardFilters, request.GET, labels=FILTER_LABELS)
    context: dict[str, Any] = {"problems": problems, "sessions": selectors.board_sessions(request.user)}
    if filters is None:
        return render(request, "suggestions/board.html", context, status=400)
    session = _pk_or_404(Session, filters.session)
    unit = _pk_or_404(Unit, filters.unit)
    today = timezone.localdate()
    items = selectors.board_items(request.user, session=session)
    by_unit = selectors.board_by_unit(items, today=today)
    columns = figures()
    scope = [("session", session.pk)] if session else []
    context.update(session=session, unit=unit, columns=columns, export_query=urlencode(scope),
                   promise_days=settings.PINGAN_SUGGESTION_PROMISE_SOON_DAYS)
    if unit is None:
        context.update(rows=unit_rows(by_unit.rows, columns, scope), summary=by_unit.total,
                       total_cells=cells(by_unit.total, columns, scope), chart=_chart(by_unit),
                       key_items=selectors.key_suggestions(items, today=today),
                       promises=selectors.promises_falling_due(items, today=today))
        if session is None:
            by_session = selectors.board_by_session(items, today=today)
            session_columns = figures(per_session=True)
            context.update(session_columns=session_columns,
                           session_total=cells(by_session.total, session_columns, []),
                           session_rows=[(row, cells(row, session_columns, [("session", row.key)]))
                                         for row in by_session.rows])
    else:
        led = selectors.led_by(items, unit)
        row = by_unit.row(unit.pk)
        listed = selectors.item_list(led, today=today, limit=UNIT_ITEMS_SHOWN + 1)
        context.update(rows=unit_rows([row] if row else [], columns, scope), summary=row,
                       unit_query=urlencode([*scope, ("lead", unit.code)]),
                       unit_items=listed[:UNIT_ITEMS_SHOWN], more_items=len(listed) > UNIT_ITEMS_SHOWN,
                       key_items=selectors.key_suggestions(led, today=today),
                       promises=selectors.promises_falling_due(led, today=today))
    return render(request, "suggestions/board.html", context)


@login_required
def board_export(request: HttpRequest) -> HttpResponse:
    """The board's workbook, of the session asked for (every session when none)."""
    filters, problems = web.parse_filters(selectors.BoardFilters, request.GET, labels=FILTER_LABELS)
    if filters is None:
        return render(request, "suggestions/board.html",
                      {"problems": problems, "sessions": selectors.board_sessions(request.user)}, status=400)
    session = _pk_or_404(Session, filters.session)
    items = selectors.board_items(request.user, session=session)
    name = f"建议提案办理情况-{session.name if session else '全部会议'}-{timezone.localdate():%Y%m%d}.xlsx"
    return web.xlsx_response(board_workbook(items), name)
