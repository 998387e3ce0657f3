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
from django.utils.translation import gettext_lazy

from pingan.core import errors, web
from pingan.core.models import Unit
from pingan.suggestions import selectors
from pingan.suggestions.export import board_workbook
from pingan.suggestions.models import Session
from pingan.suggestions.selectors import BoardRow, Figure, ReplyState, figures

FILTER_LABELS = {"session": gettext_lazy("session"), "unit": gettext_lazy("unit")}
# A unit's board lists this many of its items; the list has them all.
UNIT_ITEMS_SHOWN = 100
# The chart's height: room for the legend and axis, and a bar per unit.
CHART_BASE_PX, CHART_ROW_PX = 70, 30


@dataclass(frozen=True)
class Cell:
    figure: Figure
    value: Any
    query: str | None  # the list's query string for the items counted; None: the list cannot show them


def cells(row: BoardRow, columns: list[Figure], base: list[tuple[str, Any]]) -> list[Cell]:
    """A row's figures, each with the list's query string for what it counts (``base``
    narrows it to the row: its session, its lead)."""
    return [Cell(figure, figure.value(row),
                 urlencode([*base, *figure.filters]) if figure.filters is not None else None)
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
