"""Reception-day pages: the calendar (units × periods) with the planning form, and one
reception with its visitors and the form that registers a visitor as a petition.

Thin on purpose: reads go through ``receptions.selectors`` (and so through ``visible_to``),
writes through ``receptions.services``, whose messages are shown as they are. A reception
outside the user's reach is a 404 exactly like one that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from pingan.core import errors
from pingan.core.web import attach_error
from pingan.petitions.models import Category
from pingan.petitions.selectors import petitioner_shown
from pingan.receptions import selectors, services
from pingan.receptions.forms import CalendarQuery, CancelForm, HeldForm, PlanForm, VisitorForm
from pingan.receptions.models import Reception
from pingan.receptions.periods import PeriodKind, period_kind, period_of, quarter_of, span_of
from pingan.receptions.selectors import CellState

MSG_PLANNED = _("Reception planned for {date}.")
MSG_HELD = _("Reception recorded as held.")
MSG_CANCELLED = _("Reception cancelled.")
MSG_VISITOR_REGISTERED = _("Visitor registered as petition {ref}; its acceptance clock is running.")


def _reception_or_404(user: Any, pk: int) -> Reception:
    reception = selectors.reception_get(user=user, pk=pk)
    if reception is None:
        raise Http404(errors.MSG_NOT_FOUND)
    return reception


# --- The calendar --------------------------------------------------------------------------


def _calendar_page(request: HttpRequest, *, plan_form: PlanForm | None = None,
                   status: int = 200) -> HttpResponse:
    query = CalendarQuery(request.GET, user=request.user)
    context: dict[str, Any] = {"query": query, "period_kind": PeriodKind(period_kind()).label}
    if not query.units:
        context["empty"] = selectors.MSG_NO_CALENDAR
        return render(request, "receptions/calendar.html", context, status=status)
    if not query.is_valid():
        return render(request, "receptions/calendar.html", context, status=400)
    today = timezone.localdate()
    prefix = query.cleaned_data["unit"]
    unit = query.units[prefix] if prefix else selectors.home_unit(user=request.user)
    year, quarter = query.span(today)
    first, last = span_of(year, quarter)
    manageable = selectors.manageable_units(user=request.user)
    plan_form = plan_form or PlanForm(user=request.user, initial={
        "unit": unit if manageable.filter(pk=unit.pk).exists() else None,
        "date": today,
    })
    calendar = selectors.reception_calendar(user=request.user, unit=unit, first=first, last=last,
                                            today=today)
    totals = calendar.totals
    context.update(
        unit=unit, year=year, quarter=quarter, quarters=range(1, 5), today=today, calendar=calendar,
        states=[(state, label, totals[state]) for state, label in CellState.choices],
        plan_form=plan_form if manageable.exists() else None,
        plan_open=plan_form.is_bound,
    )
    return render(request, "receptions/calendar.html", context, status=status)


@login_required
def reception_calendar(request: HttpRequest) -> HttpResponse:
    return _calendar_page(request)


@login_required
@require_POST
def reception_plan(request: HttpRequest) -> HttpResponse:
    form = PlanForm(request.POST, user=request.user)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            reception = services.reception_plan(actor=request.user, unit=data["unit"], leader=data["leader"],
                                                date=data["date"], place=data["place"], note=data["note"])
        except errors.DomainError as exc:
            attach_error(form, exc)
            status = exc.status
        else:
            messages.success(request, MSG_PLANNED.format(date=f"{reception.date:%Y-%m-%d}"))
            return redirect("receptions:detail", pk=reception.pk)
    return _calendar_page(request, plan_form=form, status=status)


# --- One reception -------------------------------------------------------------------------


def _render_detail(request: HttpRequest, reception: Reception, *,
                   bound: dict[str, forms.Form] | None = None, status: int = 200) -> HttpResponse:
    """The reception page; ``bound`` holds a form that came back with errors."""
    bound = bound or {}
    user = request.user
    today = timezone.localdate()
    may_manage = services.may_manage(user, reception.unit)
    refusal = services.visitor_refusal(reception, today)
    # Masked on the list whatever the reader's role, as on every list of petitions.
    visitors = [(p, petitioner_shown(user, p), Category(p.category).label)
                for p in selectors.reception_visitors(user=user, reception=reception)]
    return render(request, "receptions/detail.html", {
        "reception": reception,
        "period": period_of(reception.date),
        "calendar_query": urlencode({"unit": reception.unit.prefix, "year": reception.date.year,
                                     "quarter": quarter_of(reception.date)}),
        "may_manage": may_manage,
        "held_form": (bound.get("held") or HeldForm())
        if services.may_mark_held(reception, user, today) else None,
        "cancel_form": (bound.get("cancel") or CancelForm())
        if services.may_cancel(reception, user) else None,
        "visitor_form": (bound.get("visitor") or VisitorForm(reception=reception, user=user))
        if may_manage and refusal is None else None,
        "refusal": refusal if may_manage else None,
        "open_form": next(iter(bound), None),
        "visitors": visitors,
    }, status=status)


@login_required
def reception_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _reception_or_404(request.user, pk))


def _submit(request: HttpRequest, pk: int, *, key: str, form: Callable[[Reception], forms.Form],
            run: Callable[[Reception, dict[str, Any]], str]) -> HttpResponse:
    """Call the service with the bound form's data; on a refusal show it on the form and
    change nothing; on success go back to the reception with the service's outcome."""
    reception = _reception_or_404(request.user, pk)
    bound = form(reception)
    status = 400
    if bound.is_valid():
        try:
            done = run(reception, bound.cleaned_data)
        except errors.NotFound:
            raise Http404(errors.MSG_NOT_FOUND) from None
        except errors.DomainError as exc:
            attach_error(bound, exc)
            status = exc.status
        else:
            messages.success(request, done)
            return redirect("receptions:detail", pk=pk)
    # Read again: the page shows what is stored, not what the failed attempt held in memory.
    return _render_detail(request, _reception_or_404(request.user, pk), bound={key: bound}, status=status)


@login_required
@require_POST
def reception_held(request: HttpRequest, pk: int) -> HttpResponse:
    def run(reception: Reception, data: dict[str, Any]) -> str:
        services.reception_mark_held(reception=reception, actor=request.user, note=data["note"])
        return str(MSG_HELD)

    return _submit(request, pk, key="held", form=lambda r: HeldForm(request.POST), run=run)


@login_required
@require_POST
def reception_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    def run(reception: Reception, data: dict[str, Any]) -> str:
        services.reception_cancel(reception=reception, actor=request.user, reason=data["reason"])
        return str(MSG_CANCELLED)

    return _submit(request, pk, key="cancel", form=lambda r: CancelForm(request.POST), run=run)


@login_required
@require_POST
def reception_visitor(request: HttpRequest, pk: int) -> HttpResponse:
    def run(reception: Reception, data: dict[str, Any]) -> str:
        visit = services.reception_visitor_register(
            reception=reception, actor=request.user, petition_type=data["petition_type"],
            category=data["category"] or None, title=data["title"], matter=data["matter"],
            petitioner_name=data["petitioner_name"], id_number=data["id_number"], phone=data["phone"],
            address=data["address"], unit=data["unit"], received_at=data["received_at"],
        )
        return MSG_VISITOR_REGISTERED.format(ref=visit.petition.ref)

    return _submit(request, pk, key="visitor", run=run,
                   form=lambda r: VisitorForm(request.POST, reception=r, user=request.user))
