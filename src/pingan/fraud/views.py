"""Fraud pages: the case list, a case, the record form, the ranked rings and a ring's network.

Thin on purpose: reads go through ``fraud.selectors`` (so a ring is shown only to a user who
may see all its cases), writes through ``fraud.services``, whose messages are shown as they
are. A case or ring outside the user's reach is a 404 exactly like one that does not exist.
A case's page also lists the warning orders that ended in it, read through
``dissuasion.selectors`` (warning orders are the dissuasion app's).
"""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from pingan.core import errors, web
from pingan.dissuasion import selectors as dissuasion
from pingan.fraud import selectors, services
from pingan.fraud.forms import AddIdentifierForm, RecordForms, StepForm
from pingan.fraud.models import (
    AmountBand,
    FraudCase,
    Ring,
    Status,
    scam_type_choices,
)
from pingan.fraud.tasks import recompute_rings
from pingan.fraud.workflow import FRAUD_WORKFLOW

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


# --- Cases -------------------------------------------------------------------------------


def _case_list_options(request: HttpRequest) -> dict[str, Any]:
    return {
        "list_id": "case", "list_url": reverse("fraud:cases"), "search_placeholder": _("Reference or title"),
        "unit_options": web.unit_options(request.user),
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
    entries = web.timeline(case, workflow=FRAUD_WORKFLOW, choices={})
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
        case, user, workflow=FRAUD_WORKFLOW, bound=bound,
        form=lambda name: StepForm(case=case, name=name, initial=version),
        url=lambda name: reverse("fraud:step", args=[case.ref, name]),
    )
    if services.may_add_identifier(case, user):
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
        "warnings": dissuasion.case_warnings(user=user, case=case),
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

    return web.show_in_full(request, ref, page=CASE_PAGE, shown_as="victims", read=read)


CASE_PAGE = web.ItemPage(get=_case_or_404, render=_render_case, url_name="fraud:case")


@login_required
@require_POST
def case_step(request: HttpRequest, ref: str, name: str) -> HttpResponse:
    transition = web.transition_or_404(FRAUD_WORKFLOW, name)

    def run(case: FraudCase, bound: StepForm) -> str:
        services.fraud_case_transition(case=case, name=name, actor=request.user,
                                       expected_version=bound.cleaned_data["version"],
                                       note=bound.cleaned_data["note"], **bound.inputs())
        return str(MSG_STEP_DONE.format(step=transition.label))

    form = StepForm(request.POST, case=_case_or_404(request.user, ref), name=name)
    return web.act_on_page(request, ref, page=CASE_PAGE, key=name, form=form, run=run)


@login_required
@require_POST
def case_identifier_add(request: HttpRequest, ref: str) -> HttpResponse:
    def run(case: FraudCase, bound: AddIdentifierForm) -> str:
        data = bound.cleaned_data
        identifier = services.fraud_identifier_add(case=case, actor=request.user,
                                                   expected_version=data["version"], kind=data["kind"],
                                                   value=data["value"])
        return str(MSG_IDENTIFIER_ADDED.format(identifier=f"{identifier.kind_label} {identifier.value}"))

    form = AddIdentifierForm(request.POST)
    return web.act_on_page(request, ref, page=CASE_PAGE, key="identifier", form=form, run=run)


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
        "switches": [("major_only", _("Major cases only"))], "unit_options": web.unit_options(request.user),
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
