"""Warning-order pages: the list, a warning, the register form and the dissuasion board.

Thin on purpose: reads go through ``dissuasion.selectors`` (the person at risk masked),
writes through ``dissuasion.services``, whose messages are shown as they are. A warning outside
the user's reach is a 404 exactly like one that does not exist.
"""

from __future__ import annotations

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
from pingan.core.models import ROLE_RANK, DueState, RoleName, Unit
from pingan.core.scoping import scope_for
from pingan.dissuasion import selectors, services
from pingan.dissuasion.forms import ContactForm, OutcomeForm, PeriodForm, WarningForm
from pingan.dissuasion.models import (
    KIND,
    OUTCOMES,
    ContactMethod,
    RiskLevel,
    WarningIssuer,
    WarningOrder,
    WarningStatus,
)
from pingan.dissuasion.workflow import WARNING_WORKFLOW
from pingan.fraud.models import scam_type_choices
from pingan.petitions.selectors import backlog_units, board_unit

BOARD_WARNINGS = 50  # the open warnings on the board, the most overdue first

MSG_WARNING_REGISTERED = _("Warning order {ref} registered: reach the person by {due}.")
MSG_CONTACT_RECORDED = _("Contact recorded.")
MSG_OUTCOME_RECORDED = _("Outcome recorded: {outcome}.")


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
                            page="dissuasion/warning_list.html", results="dissuasion/_warning_results.html",
                            rows="dissuasion/_warning_rows.html",
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
        "list_id": "warning", "list_url": reverse("dissuasion:warnings"),
        "search_placeholder": _("Reference or order number"),
        "unit_options": web.unit_options(request.user),
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
    from pingan.dissuasion.ledger import export_warnings  # openpyxl is heavy: only exports need it

    return export_warnings(selectors.warning_list(user=request.user, filters=filters))


warning_export = web.export_view(WARNING_LIST, filename="预警指令", write=_warning_workbook,
                                 options=_warning_list_options)


def _warning_or_404(user: Any, ref: str) -> WarningOrder:
    return web.case_or_404(selectors.warning_get(user=user, ref=ref))


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
    return render(request, "dissuasion/board.html", {
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
                return redirect("dissuasion:warning", ref=warning.ref)
    return render(request, "dissuasion/warning_new.html", {"form": form}, status=status)


def _warning_timeline(warning: WarningOrder) -> list[web.TimelineEntry]:
    """The warning's events; a contact attempt reads as one line (how, and whether it reached
    the person), not as the fields it set."""
    entries = web.timeline(warning, workflow=WARNING_WORKFLOW, choices={})
    for entry in entries:
        after = entry.event.after
        if "contact_method" in after:
            method = ContactMethod(after["contact_method"]).label
            result = _("reached the person") if after["contact_reached"] else _("did not reach them")
            entry.label = f"{services.RECORD_CONTACT_LABEL}: {method} · {result}"
            entry.changes = []
    return entries


def _outcome_actions(warning: WarningOrder, user: Any, bound: dict[str, forms.Form]) -> list[web.Action]:
    """A button for each outcome the user may record now ("reach" is taken by a contact)."""
    version = {"version": warning.version}
    steps = web.step_actions(
        warning, user, workflow=WARNING_WORKFLOW, bound=bound,
        form=lambda name: OutcomeForm(warning=warning, name=name, initial=version),
        url=lambda name: reverse("dissuasion:warning-outcome", args=[warning.ref, name]),
    )
    return [action for action in steps if action.key in OUTCOMES]


def _render_warning(request: HttpRequest, warning: WarningOrder, *,
                    bound: dict[str, forms.Form] | None = None, status: int = 200,
                    person: selectors.PersonView | None = None) -> HttpResponse:
    """The warning page; ``bound`` holds a form that came back with errors, shown open, and
    ``person`` the person at risk in full after a recorded full view."""
    bound = bound or {}
    user = request.user
    version = {"version": warning.version}
    actions = []
    if services.may_contact(warning, user):
        actions.append(web.Action(
            key="contact", label=services.RECORD_CONTACT_LABEL, style="primary", submit=_("Save the contact"),
            url=reverse("dissuasion:warning-contact", args=[warning.ref]),
            form=bound.get("contact") or ContactForm(initial=version),
        ))
        actions += _outcome_actions(warning, user, bound)
    return render(request, "dissuasion/warning_detail.html", {
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


WARNING_PAGE = web.ItemPage(get=_warning_or_404, render=_render_warning, url_name="dissuasion:warning")


@login_required
@require_POST
def warning_person(request: HttpRequest, ref: str) -> HttpResponse:
    """The person at risk in full, on this page only (the reading is recorded)."""
    def read(warning: WarningOrder) -> selectors.PersonView:
        return services.warning_person_full(warning=warning, actor=request.user)

    return web.show_in_full(request, ref, page=WARNING_PAGE, shown_as="person", read=read)


@login_required
@require_POST
def warning_contact(request: HttpRequest, ref: str) -> HttpResponse:
    def run(warning: WarningOrder, bound: ContactForm) -> str:
        data = bound.cleaned_data
        services.warning_contact_record(warning=warning, actor=request.user, expected_version=data["version"],
                                        method=data["method"], reached=data["reached"], note=data["note"],
                                        contacted_at=data["contacted_at"])
        return str(MSG_CONTACT_RECORDED)

    return web.act_on_page(request, ref, page=WARNING_PAGE, key="contact", form=ContactForm(request.POST),
                           run=run)


@login_required
@require_POST
def warning_outcome(request: HttpRequest, ref: str, name: str) -> HttpResponse:
    if name not in OUTCOMES:
        raise Http404(errors.MSG_NOT_FOUND)

    def run(warning: WarningOrder, bound: OutcomeForm) -> str:
        services.warning_conclude(warning=warning, actor=request.user, outcome=name,
                                  expected_version=bound.cleaned_data["version"],
                                  note=bound.cleaned_data["note"], **bound.inputs())
        return str(MSG_OUTCOME_RECORDED.format(outcome=warning.status_label))

    form = OutcomeForm(request.POST, warning=_warning_or_404(request.user, ref), name=name)
    return web.act_on_page(request, ref, page=WARNING_PAGE, key=name, form=form, run=run)
