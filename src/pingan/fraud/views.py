"""Fraud pages: the case list, a case, the record form, the ranked rings and a ring's network.

Thin on purpose: reads go through ``fraud.selectors`` (so a ring is shown only to a user who
may see all its cases), writes through ``fraud.services``, whose messages are shown as they
are. A case or ring outside the user's reach is a 404 exactly like one that does not exist.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from pingan.core import errors, web
from pingan.core.models import GRID_KINDS, ROLE_RANK, DueState, RoleName, Unit
from pingan.core.scoping import scope_for
from pingan.fraud import selectors, services
from pingan.fraud.forms import (
    AddIdentifierForm,
    ContactForm,
    OutcomeForm,
    PeriodForm,
    RecordForms,
    StepForm,
    WarningForm,
)
from pingan.fraud.models import (
    KIND,
    WARNING_OUTCOMES,
    AmountBand,
    ContactMethod,
    FraudCase,
    Ring,
    RiskLevel,
    Status,
    WarningIssuer,
    WarningOrder,
    WarningStatus,
    scam_type_choices,
)
from pingan.fraud.tasks import recompute_rings
from pingan.petitions.selectors import backlog_units, board_unit

# The network is drawn up to this many nodes; a larger ring is listed, not drawn.
GRAPH_MAX_NODES = 600

MSG_RECORDED = _("Fraud case recorded. Its reference number is {ref}.")
MSG_STEP_DONE = _("“{step}” done.")
MSG_IDENTIFIER_ADDED = _("{identifier} added.")
MSG_RECOMPUTE_QUEUED = _("A full recompute of the rings is queued: the worker will run it shortly.")
MSG_RECOMPUTE_NOT_ALLOWED = _("Only the district's administrators may start a full recompute.")
MSG_IDENTIFIER_ADDED_EVENT = _("Identifier added")

CASE_FILTER_LABELS = web.FILTER_LABELS | {
    "scam_type": _("scam type"), "band": _("amount band"), "identifier": _("identifier"),
    "ring": _("ring"), "reported_from": _("reported from"), "reported_to": _("reported until"),
    "linked_only": _("in a ring only"),
}
RING_FILTER_LABELS = web.FILTER_LABELS | {"major_only": _("major cases only"), "q": _("ring or case")}
SORT_LABELS = {
    "-reported": _("Newest first"),
    "reported": _("Oldest first"),
    "-loss": _("Largest loss first"),
    "loss": _("Smallest loss first"),
}
RING_SORT_LABELS = {
    "rank": _("By rank"),
    "-last": _("Latest report first"),
    "-cases": _("Most cases first"),
}
CASE_LIST = web.ListPage(selectors.FraudCaseFilters, labels=CASE_FILTER_LABELS, page="fraud/case_list.html",
                         results="fraud/_case_results.html", rows="fraud/_case_rows.html")
RING_LIST = web.ListPage(selectors.RingFilters, labels=RING_FILTER_LABELS, page="fraud/ring_list.html",
                         results="fraud/_ring_results.html", rows="fraud/_ring_rows.html")


def _case_or_404(user: Any, ref: str) -> FraudCase:
    return web.case_or_404(selectors.fraud_case_get(user=user, ref=ref))


def _ring_or_404(user: Any, ring_id: str) -> Ring:
    ring = selectors.ring_get(user=user, ring_id=ring_id)
    if ring is None:
        raise Http404(errors.MSG_NOT_FOUND)
    return ring


def _unit_options(user: Any) -> list[tuple[str, str]]:
    units = (Unit.objects.filter(scope_for(user).unit_q()).exclude(kind__in=GRID_KINDS)
             .order_by("prefix"))
    return [(u.prefix, web.indented_name(u)) for u in units]


# --- Cases -------------------------------------------------------------------------------


def _case_list_options(request: HttpRequest) -> dict[str, Any]:
    return {
        "list_id": "case", "list_url": reverse("fraud:cases"), "search_placeholder": _("Reference or title"),
        "unit_options": _unit_options(request.user),
        "menus": web.filter_menus(
            request,
            ("status", _("Status"), Status.choices),
            ("scam_type", _("Scam type"), scam_type_choices()),
            ("band", _("Amount band"), AmountBand.choices),
        ),
        "sort_options": list(SORT_LABELS.items()),
        "switches": [("linked_only", _("In a ring only")), ("open_only", _("Open items only"))],
    }


@login_required
@vary_on_headers("HX-Request")
def case_list(request: HttpRequest) -> HttpResponse:
    return web.list_response(
        request, CASE_LIST, page_context=lambda: _case_list_options(request),
        queryset=lambda f: selectors.fraud_case_list(user=request.user, filters=f).select_related("unit"),
    )


def _case_workbook(request: HttpRequest, filters: selectors.FraudCaseFilters) -> bytes:
    """Victims masked: the full export is the command's, for a user allowed every row, and is
    logged case by case."""
    from pingan.fraud.ledger import export_fraud_cases  # openpyxl is heavy: only exports need it

    return export_fraud_cases(filters, user=request.user)


case_export = web.export_view(CASE_LIST, filename="诈骗案件台账", write=_case_workbook,
                              options=_case_list_options)


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    bound = RecordForms(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if bound.is_valid():
            data = bound.case.cleaned_data
            try:
                case = services.fraud_case_record(
                    actor=request.user, unit=data["unit"], scam_type=data["scam_type"],
                    reported_on=data["reported_on"], occurred_on=data["occurred_on"], loss=data["loss"],
                    recovered=data["recovered"] or 0, title=data["title"], description=data["description"],
                    victims=bound.victim_rows(), identifiers=bound.identifier_rows(),
                )
            except errors.DomainError as exc:
                bound.attach(exc)
                status = exc.status
            else:
                messages.success(request, MSG_RECORDED.format(ref=case.ref))
                return redirect("fraud:case", ref=case.ref)
    return render(request, "fraud/case_new.html", {"forms": bound}, status=status)


def _timeline(case: FraudCase) -> list[web.TimelineEntry]:
    entries = web.timeline(case, workflow=services.FRAUD_WORKFLOW, choices={})
    for entry in entries:
        for change in entry.changes:
            if change.label == "identifier":  # not a field of the case: the identifier added
                change.label = str(MSG_IDENTIFIER_ADDED_EVENT)
    return entries


def _render_case(request: HttpRequest, case: FraudCase, *, bound: dict[str, forms.Form] | None = None,
                 status: int = 200, victims: list | None = None) -> HttpResponse:
    """The case page; ``bound`` holds a form that came back with errors, shown open, and
    ``victims`` the victims in full after a recorded full view."""
    bound = bound or {}
    user = request.user
    version = {"version": case.version}
    actions = web.step_actions(
        case, user, workflow=services.FRAUD_WORKFLOW, bound=bound,
        form=lambda name: StepForm(initial=version),
        url=lambda name: reverse("fraud:step", args=[case.ref, name]),
    )
    if case.is_open and scope_for(user).rank_for(case) >= ROLE_RANK[RoleName.HANDLER]:
        actions.append(web.Action(
            key="identifier", label=services.ADD_IDENTIFIER_LABEL, submit=_("Add"),
            url=reverse("fraud:identifier", args=[case.ref]),
            form=bound.get("identifier") or AddIdentifierForm(initial=version),
            intro=_("The case joins the ring of every case that shows it, at once."),
        ))
    return render(request, "fraud/case_detail.html", {
        "case": case,
        "victims": victims or selectors.victims_of(list(case.victims.all()), full=False),
        "may_view_full": victims is None and selectors.may_view_victims(user, case),
        "links": selectors.case_identifiers(user=user, case=case),
        "ring": selectors.ring_get(user=user, ring_id=case.shown_ring) if case.shown_ring else None,
        "warnings": selectors.with_masked_people(selectors.case_warnings(user=user, case=case)),
        "actions": actions,
        "open_form": next(iter(bound), None),
        "refused": web.refused_messages(bound, actions),
        "timeline": _timeline(case),
    }, status=status)


@login_required
def case_detail(request: HttpRequest, ref: str) -> HttpResponse:
    return _render_case(request, _case_or_404(request.user, ref))


@login_required
@require_POST
def case_victims(request: HttpRequest, ref: str) -> HttpResponse:
    """The victims in full, on this page only: the reading is an event, and reloading the
    page masks them again."""
    def read(case: FraudCase) -> list[selectors.VictimView]:
        return selectors.victims_of(services.fraud_victims_full(case=case, actor=request.user), full=True)

    return _show_in_full(request, ref, page=CASE_PAGE, shown_as="victims", read=read)


@dataclass(frozen=True)
class ItemPage:
    """A kind's page: how its item is found (404 outside the reader's reach) and drawn."""

    get: Callable[[Any, str], Any]
    render: Callable[..., HttpResponse]  # (request, item, **what the page shows besides)
    url_name: str


CASE_PAGE = ItemPage(get=_case_or_404, render=_render_case, url_name="fraud:case")


def _show_in_full(request: HttpRequest, ref: str, *, page: ItemPage, read: Callable[[Any], Any],
                  shown_as: str) -> HttpResponse:
    """Personal data in full on the item's page, ``read`` by the service that records the
    reading; the page answers no-store, and reloading it masks them again."""
    item = page.get(request.user, ref)
    try:
        full = read(item)
    except errors.DomainError as exc:
        messages.error(request, exc.message)
        return redirect(page.url_name, ref=item.ref)
    response = page.render(request, page.get(request.user, ref), **{shown_as: full})
    response["Cache-Control"] = "no-store"
    return response


def _act(request: HttpRequest, ref: str, *, key: str, form: forms.Form, run: Callable[[Any, Any], str | None],
         page: ItemPage = CASE_PAGE) -> HttpResponse:
    item = page.get(request.user, ref)

    def rerender(bound: dict[str, forms.Form], status: int) -> HttpResponse:
        # Read again: the page shows what is stored, not what the failed attempt held in memory.
        return page.render(request, page.get(request.user, ref), bound=bound, status=status)

    return web.act(request, item, key=key, form=form, run=lambda bound: run(item, bound),
                   detail_url=page.url_name, rerender=rerender)


@login_required
@require_POST
def case_step(request: HttpRequest, ref: str, name: str) -> HttpResponse:
    transition = web.transition_or_404(services.FRAUD_WORKFLOW, name)

    def run(case: FraudCase, bound: StepForm) -> str:
        services.fraud_case_transition(case=case, name=name, actor=request.user,
                                       expected_version=bound.cleaned_data["version"],
                                       note=bound.cleaned_data["note"])
        return str(MSG_STEP_DONE.format(step=transition.label))

    return _act(request, ref, key=name, form=StepForm(request.POST), run=run)


@login_required
@require_POST
def case_identifier_add(request: HttpRequest, ref: str) -> HttpResponse:
    def run(case: FraudCase, bound: AddIdentifierForm) -> str:
        data = bound.cleaned_data
        identifier = services.fraud_identifier_add(case=case, actor=request.user,
                                                   expected_version=data["version"], kind=data["kind"],
                                                   value=data["value"])
        return str(MSG_IDENTIFIER_ADDED.format(identifier=f"{identifier.kind_label} {identifier.value}"))

    return _act(request, ref, key="identifier", form=AddIdentifierForm(request.POST), run=run)


# --- Rings -------------------------------------------------------------------------------


@login_required
@vary_on_headers("HX-Request")
def ring_list(request: HttpRequest) -> HttpResponse:
    return web.list_response(
        request, RING_LIST, queryset=lambda f: selectors.ring_list(user=request.user, filters=f),
        page_context=lambda: _ring_list_options(request),
    )


def _ring_list_options(request: HttpRequest) -> dict[str, Any]:
    return {
        "list_id": "ring", "list_url": reverse("fraud:rings"),
        "search_placeholder": _("Ring or case reference"), "sort_options": list(RING_SORT_LABELS.items()),
        "switches": [("major_only", _("Major cases only"))], "unit_options": _unit_options(request.user),
        "left_out": selectors.left_out_identifiers(user=request.user)[:100],
        "state": selectors.linking_state(),
        "may_recompute": selectors.may_recompute(request.user),
    }


def _ring_workbook(request: HttpRequest, filters: selectors.RingFilters) -> bytes:
    """The ranked rings as the reader is shown them, each with its cases."""
    from pingan.fraud.ledger import export_rings

    return export_rings(selectors.ring_list(user=request.user, filters=filters))


ring_export = web.export_view(RING_LIST, filename="串并案排名", write=_ring_workbook,
                              options=_ring_list_options)


def network(detail: selectors.RingDetail) -> dict[str, Any]:
    """The ring as ECharts draws a graph: cases and identifiers as two kinds of node."""
    largest = max((case.loss for case in detail.cases), default=0) or 1
    nodes = [{
        "id": f"case:{case.ref}", "name": case.ref, "category": 0,
        "symbolSize": round(14 + 22 * math.sqrt(float(case.loss / largest)), 1),
        "info": [case.unit.name, case.scam_type_label, case.reported_on.isoformat(), f"¥{case.loss:,.2f}"],
    } for case in detail.cases]
    nodes += [{
        "id": f"identifier:{item.identifier.pk}",
        "name": f"{item.identifier.kind_label} {item.identifier.value}",
        "category": 1, "symbol": "diamond", "symbolSize": 9 + 3 * min(item.cases, 6),
        "info": [str(_("{count} cases of the ring").format(count=item.cases))],
    } for item in detail.identifiers]
    return {
        "nodes": nodes,
        "links": [{"source": f"case:{ref}", "target": f"identifier:{pk}"} for ref, pk in detail.links],
        "categories": [str(_("Cases")), str(_("Identifiers"))],
    }


def _explanation(request: HttpRequest, ring: Ring) -> dict[str, Any]:
    """The chain between the cases ``a`` and ``b`` of the query string, if both are given."""
    a, b = request.GET.get("a", "").strip(), request.GET.get("b", "").strip()
    if not (a and b):
        return {}
    try:
        steps = selectors.ring_explain(ring, a, b)
    except errors.DomainError as exc:
        return {"explain_error": exc.message}
    path = [f"case:{a.upper()}"]
    for step in steps:
        path += [f"identifier:{step.identifier.pk}", f"case:{step.next_case.ref}"]
    return {"steps": steps, "path": path, "pair": (a.upper(), b.upper())}


@login_required
@vary_on_headers("HX-Request")
def ring_detail(request: HttpRequest, ring_id: str) -> HttpResponse:
    ring = _ring_or_404(request.user, ring_id)
    explanation = _explanation(request, ring)
    if request.headers.get("HX-Request"):
        return render(request, "fraud/_explain.html", {"ring": ring, **explanation})
    detail = selectors.ring_detail(ring)
    drawn = len(detail.cases) + len(detail.identifiers) <= GRAPH_MAX_NODES
    return render(request, "fraud/ring_detail.html", {
        "ring": ring, "detail": detail, "graph": network(detail) if drawn else None, **explanation,
    }, status=400 if "explain_error" in explanation else 200)


@login_required
@require_POST
def ring_recompute(request: HttpRequest) -> HttpResponse:
    if not selectors.may_recompute(request.user):
        messages.error(request, MSG_RECOMPUTE_NOT_ALLOWED)
    else:
        recompute_rings.enqueue()
        messages.success(request, MSG_RECOMPUTE_QUEUED)
    return redirect("fraud:rings")


# --- Warning and dissuasion (预警劝阻) ------------------------------------------------------

BOARD_WARNINGS = 50  # the open warnings on the board, the most overdue first

MSG_WARNING_REGISTERED = _("Warning order {ref} registered: reach the person by {due}.")
MSG_CONTACT_RECORDED = _("Contact recorded.")
MSG_OUTCOME_RECORDED = _("Outcome recorded: {outcome}.")
RECORD_OUTCOME_LABEL = _("Record the outcome")


def duration_label(seconds: int | None) -> str:
    """A time to contact as a person reads it: 45 min, 3 h 20 min, 2 d 5 h."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    if minutes < 60:
        return str(_("{minutes} min").format(minutes=minutes))
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return str(_("{hours} h {minutes} min").format(hours=hours, minutes=minutes))
    days, hours = divmod(hours, 24)
    return str(_("{days} d {hours} h").format(days=days, hours=hours))


WARNING_FILTER_LABELS = web.FILTER_LABELS | {
    "risk_level": _("risk level"), "issuer": _("issued by"), "scam_type": _("scam type"),
    "received_from": _("received from"), "received_to": _("received until"),
}
WARNING_SORT_LABELS = {
    "-received": _("Newest first"),
    "received": _("Oldest first"),
    "due": _("Nearest deadline first"),
}
WARNING_LIST = web.ListPage(selectors.WarningFilters, labels=WARNING_FILTER_LABELS,
                            page="fraud/warning_list.html", results="fraud/_warning_results.html",
                            rows="fraud/_warning_rows.html",
                            # A register of orders reads newest first; the API (a worker's app)
                            # and the board put the most overdue first.
                            defaults={"sort": "-received"})


@login_required
@vary_on_headers("HX-Request")
def warning_list(request: HttpRequest) -> HttpResponse:
    """Every warning order the user may see, filtered; people at risk masked."""
    return web.list_response(
        request, WARNING_LIST,
        queryset=lambda f: selectors.warning_list(user=request.user, filters=f).select_related("unit"),
        page_context=lambda: _warning_list_options(request), present=selectors.with_masked_people,
    )


def _warning_list_options(request: HttpRequest) -> dict[str, Any]:
    return {
        "list_id": "warning", "list_url": reverse("fraud:warnings"),
        "search_placeholder": _("Reference or order number"),
        "unit_options": _unit_options(request.user),
        "menus": web.filter_menus(
            request,
            ("status", _("Status"), WarningStatus.choices),
            ("risk_level", _("Risk"), RiskLevel.choices),
            ("due_state", _("Due state"), DueState.choices),
            ("issuer", _("Issued by"), WarningIssuer.choices),
            ("scam_type", _("Scam type"), scam_type_choices()),
        ),
        "sort_options": list(WARNING_SORT_LABELS.items()),
        "switches": [("open_only", _("Open items only"))],
        "may_register": _may_register(request.user),
    }


def _warning_workbook(request: HttpRequest, filters: selectors.WarningFilters) -> bytes:
    """The filtered warning orders, people at risk masked."""
    from pingan.fraud.ledger import export_warnings

    return export_warnings(selectors.warning_list(user=request.user, filters=filters))


warning_export = web.export_view(WARNING_LIST, filename="预警指令", write=_warning_workbook,
                                 options=_warning_list_options)


def _warning_or_404(user: Any, ref: str) -> WarningOrder:
    return web.case_or_404(selectors.warning_get(user=user, ref=ref))


def _may_contact(user: Any, warning: WarningOrder) -> bool:
    return warning.is_open and (warning.assignee_id == user.pk
                                or scope_for(user).rank_for(warning) >= ROLE_RANK[RoleName.HANDLER])


def _may_register(user: Any) -> bool:
    """Whether to offer the form: a handler's role anywhere (the service checks the unit)."""
    return any(role.rank >= ROLE_RANK[RoleName.HANDLER] for role in scope_for(user).roles_for(KIND)) \
        or scope_for(user).everything


def _within_reach(user: Any, units: list[Unit]) -> list[Unit]:
    """Of ``units``, those the user may open a board for, from the top down."""
    reachable = Unit.objects.filter(scope_for(user).unit_q(), pk__in=[unit.pk for unit in units])
    return list(reachable.order_by("prefix"))


@login_required
def dissuasion_board(request: HttpRequest) -> HttpResponse:
    """Per unit: warnings received in the chosen days, reached in time, prevented, not reached,
    already defrauded, the rates and the median time to contact; below, the open warnings."""
    parent = board_unit(user=request.user, prefix=request.GET.get("unit") or None)
    if parent is None:
        raise Http404(errors.MSG_NOT_FOUND)
    period = PeriodForm(request.GET)
    metrics = None
    # The days as the inputs and the drill-down links carry them: as given when they are wrong.
    days = {name: request.GET.get(name, "") for name in ("first", "last")}
    if period.is_valid():
        days = {name: period.cleaned_data[name].isoformat() for name in days}
        metrics = selectors.dissuasion_metrics(user=request.user, units=backlog_units(parent.prefix),
                                               first=period.cleaned_data["first"],
                                               last=period.cleaned_data["last"])
        for row in [*metrics["rows"], metrics["totals"]]:
            row["median_label"] = duration_label(row["median_contact_seconds"])
    warnings = selectors.open_warnings(user=request.user, unit=parent)
    shown = selectors.with_masked_people(warnings[:BOARD_WARNINGS])
    return render(request, "fraud/dissuasion.html", {
        "parent": parent, "ancestors": _within_reach(request.user, parent.ancestors()), "period": period,
        "days": days,
        "metrics": metrics,
        "warnings": shown, "warning_count": warnings.count(),
        "may_register": _may_register(request.user),
    }, status=200 if metrics else 400)


@login_required
def warning_new(request: HttpRequest) -> HttpResponse:
    form = WarningForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                # The form's fields are the service's arguments.
                warning = services.warning_register(actor=request.user, **form.cleaned_data)
            except errors.DomainError as exc:
                web.attach_error(form, exc)
                status = exc.status
            else:
                due = f"{timezone.localtime(warning.contact_due_at):%Y-%m-%d %H:%M}"
                messages.success(request, MSG_WARNING_REGISTERED.format(ref=warning.ref, due=due))
                return redirect("fraud:warning", ref=warning.ref)
    return render(request, "fraud/warning_new.html", {"form": form}, status=status)


def _warning_timeline(warning: WarningOrder) -> list[web.TimelineEntry]:
    """The warning's events; a contact attempt reads as one line (how, and whether it reached
    the person), not as the fields it set."""
    entries = web.timeline(warning, workflow=services.WARNING_WORKFLOW, choices={})
    for entry in entries:
        after = entry.event.after
        if "contact_method" in after:
            method = ContactMethod(after["contact_method"]).label
            result = _("reached the person") if after["contact_reached"] else _("did not reach them")
            entry.label = f"{services.RECORD_CONTACT_LABEL}: {method} · {result}"
            entry.changes = []
    return entries


def _outcomes(warning: WarningOrder, user: Any) -> list[tuple[str, Any]]:
    return [(t.name, t.label) for t in services.WARNING_WORKFLOW.available(warning, user)
            if t.name in WARNING_OUTCOMES]


def _render_warning(request: HttpRequest, warning: WarningOrder, *,
                    bound: dict[str, forms.Form] | None = None, status: int = 200,
                    person: selectors.PersonView | None = None) -> HttpResponse:
    """The warning page; ``bound`` holds a form that came back with errors, shown open, and
    ``person`` the person at risk in full after a recorded full view."""
    bound = bound or {}
    user = request.user
    version = {"version": warning.version}
    actions = []
    if _may_contact(user, warning):
        actions.append(web.Action(
            key="contact", label=services.RECORD_CONTACT_LABEL, style="primary", submit=_("Save the contact"),
            url=reverse("fraud:warning-contact", args=[warning.ref]),
            form=bound.get("contact") or ContactForm(initial=version),
        ))
        outcomes = _outcomes(warning, user)
        if outcomes:
            actions.append(web.Action(
                key="outcome", label=RECORD_OUTCOME_LABEL, style="outline-success",
                submit=_("Close the warning"),
                url=reverse("fraud:warning-outcome", args=[warning.ref]),
                form=bound.get("outcome") or OutcomeForm(initial=version, outcomes=outcomes),
            ))
    return render(request, "fraud/warning_detail.html", {
        "warning": warning,
        "person": person or selectors.person_of(warning, full=False),
        "may_view_full": person is None and selectors.may_view_person(user, warning),
        "attempts": selectors.contact_attempts(warning),
        "fraud_case": selectors.linked_case(user=user, warning=warning),
        "time_to_contact": duration_label(warning.contact_seconds),
        "actions": actions,
        "open_form": next(iter(bound), None),
        "refused": web.refused_messages(bound, actions),
        "timeline": _warning_timeline(warning),
    }, status=status)


@login_required
def warning_detail(request: HttpRequest, ref: str) -> HttpResponse:
    return _render_warning(request, _warning_or_404(request.user, ref))


WARNING_PAGE = ItemPage(get=_warning_or_404, render=_render_warning, url_name="fraud:warning")


@login_required
@require_POST
def warning_person(request: HttpRequest, ref: str) -> HttpResponse:
    """The person at risk in full, on this page only (the reading is recorded)."""
    def read(warning: WarningOrder) -> selectors.PersonView:
        return services.warning_person_full(warning=warning, actor=request.user)

    return _show_in_full(request, ref, page=WARNING_PAGE, shown_as="person", read=read)


@login_required
@require_POST
def warning_contact(request: HttpRequest, ref: str) -> HttpResponse:
    def run(warning: WarningOrder, bound: ContactForm) -> str:
        data = bound.cleaned_data
        services.warning_contact_record(warning=warning, actor=request.user, expected_version=data["version"],
                                        method=data["method"], reached=data["reached"], note=data["note"],
                                        contacted_at=data["contacted_at"])
        return str(MSG_CONTACT_RECORDED)

    return _act(request, ref, key="contact", form=ContactForm(request.POST), run=run, page=WARNING_PAGE)


@login_required
@require_POST
def warning_outcome(request: HttpRequest, ref: str) -> HttpResponse:
    warning = _warning_or_404(request.user, ref)

    def run(warning: WarningOrder, bound: OutcomeForm) -> str:
        data = bound.cleaned_data
        services.warning_conclude(warning=warning, actor=request.user, expected_version=data["version"],
                                  outcome=data["outcome"], note=data["note"],
                                  fraud_case_ref=data["fraud_case"])
        return str(MSG_OUTCOME_RECORDED.format(outcome=warning.status_label))

    form = OutcomeForm(request.POST, outcomes=_outcomes(warning, request.user))
    return _act(request, ref, key="outcome", form=form, run=run, page=WARNING_PAGE)
