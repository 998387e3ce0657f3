"""The league pages under ``/league/``: the table, a member's breakdown, the values grid.
Every signed-in official sees the tables; recomputing and entering values are for the
league's managers (``services.may_manage_league``), refused to others with a 403."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from pingan.core import errors
from pingan.core.web import xlsx_response
from pingan.scoring import awards, board, export, selectors, services
from pingan.scoring.models import Indicator, Member, Standing, Table
from pingan.scoring.periods import QUARTER, Period

MSG_RECOMPUTED = _("{table} for {period} recomputed: {count} units ranked.")
MSG_VALUES_SAVED = _("{count} values saved for {period}.")
MSG_VALUES_REFUSED = _("Nothing was saved: correct the marked cells and save again.")
MSG_SAMPLE_WITHOUT_VALUE = _("A sample needs a value beside it.")


def _table(request: HttpRequest) -> str:
    return services.parse_table(request.GET.get("table") or request.POST.get("table") or Table.TOWNS)


def _periods(table: str) -> list[Period]:
    return [Period.parse(str(period)) for period in selectors.periods(table)]


def _period(request: HttpRequest, available: Sequence[Period]) -> Period | None:
    """The period asked for, else the latest with standings (None while there are none)."""
    asked = request.GET.get("period") or request.POST.get("period")
    if asked:
        return services.parse_period(asked)
    return available[0] if available else None


def _refused(request: HttpRequest, exc: errors.DomainError) -> HttpResponse:
    """A table or period no one could read: said on the table page as it opens by default."""
    messages.error(request, exc.message)
    return redirect("scoring:table")


# The web upload of the league's workbook for each table (settings.PINGAN_LEDGER_IMPORTS).
UPLOAD_KINDS = {Table.TOWNS: "league", Table.DEPARTMENTS: "league_departments", Table.CITY: "league_city"}


def _indicators(standings: Iterable[Standing] | None = None) -> list[Indicator]:
    """The active indicators; given a table-period's standings, only those some member was
    scored on: the city's table has none of the district's computed ones, and a column of
    dashes tells the reader nothing."""
    indicators = list(Indicator.objects.filter(active=True))
    if standings is None:
        return indicators
    scored = {code for standing in standings for code, score in (standing.scores or {}).items()
              if score is not None}
    return [indicator for indicator in indicators if indicator.code in scored]


@login_required
def league_table(request: HttpRequest) -> HttpResponse:
    try:
        table = _table(request)
        available = _periods(table)
        period = _period(request, available)
    except errors.DomainError as exc:
        return _refused(request, exc)
    standings = selectors.standings(table, period) if period else []
    indicators = _indicators(standings)
    sort = board.valid_sort(request.GET.get("sort"), indicators)
    context = {
        "tables": Table.choices, "table": table, "table_label": Table(table).label,
        "periods": available, "period": period, "indicators": indicators, "sort": sort,
        "rows": board.table_rows(standings, indicators, sort, awards.runs(table, period) if period else None),
        "chart": board.rank_chart(table, period) if period else {"has_data": False},
        "may_manage": services.may_manage_league(request.user),
        "upload_url": reverse("ledger-upload-new", args=[UPLOAD_KINDS[table]]),
        "red_flags": sum(1 for s in standings if s.red_flag),
    }
    return render(request, "scoring/table.html", context)


@login_required
def league_export(request: HttpRequest) -> HttpResponse:
    try:
        table = _table(request)
        period = _period(request, _periods(table))
    except errors.DomainError as exc:
        return _refused(request, exc)
    if period is None:
        raise Http404(errors.MSG_NOT_FOUND)
    stream = io.BytesIO()
    export.write_table(stream, table, period)
    return xlsx_response(stream.getvalue(), f"league-{table}-{period.key}.xlsx")


@require_POST
@login_required
def league_recompute(request: HttpRequest) -> HttpResponse:
    if not services.may_manage_league(request.user):
        raise PermissionDenied
    try:
        table = _table(request)
        period = services.parse_period(request.POST.get("period", ""))
    except errors.DomainError as exc:
        return _refused(request, exc)
    standings = services.rank_table(table, period)
    messages.success(request, MSG_RECOMPUTED.format(table=Table(table).label, period=period.label,
                                                    count=sum(1 for s in standings if s.rank is not None)))
    return redirect(f"{reverse('scoring:table')}?table={table}&period={period.key}")


@login_required
def league_member(request: HttpRequest, table: str, code: str) -> HttpResponse:
    try:
        table = services.parse_table(table)
    except errors.DomainError:
        raise Http404(errors.MSG_NOT_FOUND) from None
    member = get_object_or_404(Member.objects.select_related("unit"), table=table, code=code)
    try:
        period = _period(request, _periods(table))
    except errors.DomainError as exc:
        return _refused(request, exc)
    context: dict[str, Any] = {"member": member, "table": table, "table_label": Table(table).label,
                               "period": period, "periods": _periods(table)}
    if period is not None:
        # A path on this site: a task keeps where it came from as a local link only.
        link = f"{request.path}?period={period.key}"
        standings = selectors.standings(table, period)
        context["breakdown"] = board.breakdown(member, period, standings,
                                               selectors.period_values(table, period).values(),
                                               _indicators(standings), link=link)
        context["chart"] = board.rank_chart(table, period, member=member)
        context["runs"] = awards.runs(table, period).get(member.pk)
    if member.is_home and table == Table.CITY:
        year = timezone.localdate().year
        streak = awards.streak(member, year)
        award, stars = awards.ladder(streak)
        context["titles"] = {"streak": streak, "award": award, "stars": awards.STAR * stars,
                             "sentence": awards.streak_sentence(member, year),
                             "years": sorted(awards.title_years(member), reverse=True)}
    return render(request, "scoring/member.html", context)


# --- Entering values ------------------------------------------------------------------------


@dataclass
class Cell:
    indicator: Indicator
    value: str = ""
    sample: str = ""
    error: str = ""

    @property
    def name(self) -> str:
        return f"{self.indicator.code}"


def _grid(members: Sequence[Member], indicators: Sequence[Indicator], period: Period | None,
          table: str) -> list[tuple[Member, list[Cell]]]:
    known = selectors.period_values(table, period) if period is not None else {}
    grid = []
    for member in members:
        cells = []
        for indicator in indicators:
            value = known.get((member.pk, indicator.code))
            cells.append(Cell(indicator=indicator,
                              value="" if value is None else f"{value.value.normalize():f}",
                              sample="" if value is None or value.sample is None else str(value.sample)))
        grid.append((member, cells))
    return grid


def _save_grid(request: HttpRequest, period: Period, grid: list[tuple[Member, list[Cell]]]) -> int:
    """Record every filled cell through value_record (which reads and checks the figures as
    typed), or none: a refusal does not stop the other cells being tried, so every bad cell
    is marked at once, and then all is rolled back."""
    saved = 0
    with transaction.atomic():
        for member, cells in grid:
            for cell in cells:
                cell.value = request.POST.get(f"v-{member.pk}-{cell.indicator.code}", "").strip()
                cell.sample = request.POST.get(f"n-{member.pk}-{cell.indicator.code}", "").strip()
                if not cell.value:
                    if cell.sample:
                        cell.error = str(MSG_SAMPLE_WITHOUT_VALUE)
                    continue
                try:
                    services.value_record(actor=request.user, indicator=cell.indicator, member=member,
                                          period=period, value=cell.value, sample=cell.sample or None)
                    saved += 1
                except errors.DomainError as exc:
                    cell.error = exc.message
        if any(cell.error for _member, cells in grid for cell in cells):
            transaction.set_rollback(True)
            return -1
    return saved


@login_required
def league_values(request: HttpRequest) -> HttpResponse:
    if not services.may_manage_league(request.user):
        raise PermissionDenied
    try:
        table = _table(request)
        available = _periods(table)
        period = _period(request, available) or Period.containing(timezone.localdate())
    except errors.DomainError as exc:
        return _refused(request, exc)
    members = list(Member.objects.filter(table=table, active=True))
    indicators = board.entered_indicators()
    grid = _grid(members, indicators, period, table)
    status = 200
    if request.method == "POST":
        saved = _save_grid(request, period, grid)
        if saved >= 0:
            messages.success(request, MSG_VALUES_SAVED.format(count=saved, period=period.label))
            return redirect(f"{reverse('scoring:values')}?table={table}&period={period.key}")
        messages.error(request, MSG_VALUES_REFUSED)
        status = 400
    context = {"tables": Table.choices, "table": table, "period": period, "periods": available,
               "indicators": indicators, "grid": grid, "quarter": QUARTER}
    return render(request, "scoring/values.html", context, status=status)
