"""Hazard pages: my work, the list, a hazard with its steps, the report form, the overview.

Thin on purpose: reads go through ``hazards.selectors`` (and so through ``visible_to``),
writes through ``hazards.services``, whose messages are shown as they are. A hazard outside
the user's scope is a 404 exactly like one that does not exist.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models.functions import Length
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from pingan.core import errors, web
from pingan.core.attachments import read_upload
from pingan.core.models import AttachmentKind, DueState, Severity, Unit
from pingan.core.scoping import scope_for
from pingan.core.step_forms import files_of
from pingan.core.web import indented_name
from pingan.hazards import selectors, services
from pingan.hazards.forms import (
    AttachForm,
    ExtendForm,
    HazardEditForm,
    HazardReportForm,
    TransitionForm,
    own_unit,
)
from pingan.hazards.models import Category, Hazard, Status
from pingan.hazards.workflow import HAZARD_WORKFLOW

TIMELINE_CHOICES = {"category": Category, "severity": Severity}

MSG_REPORTED = gettext_lazy("Hazard reported. Its reference number is {ref}.")
MSG_SAVED = gettext_lazy("Changes saved.")
MSG_EXTENDED = gettext_lazy("Deadline extended to {due}.")
MSG_STEP_DONE = gettext_lazy("“{step}” done.")
MSG_ATTACHED = gettext_lazy("“{name}” added.")

SEVERITY_LABEL = gettext_lazy("hazard severity")
FILTER_LABELS = web.FILTER_LABELS | {
    "severity": SEVERITY_LABEL,
    "grade": SEVERITY_LABEL,  # its old name, still read from old links
    "opened_from": gettext_lazy("reported from"),
    "opened_to": gettext_lazy("reported until"),
    "due_from": gettext_lazy("due from"),
    "due_to": gettext_lazy("due until"),
}
SORT_LABELS = web.sort_labels("opened")
LIST_PAGE = web.ListPage(selectors.HazardFilters, labels=FILTER_LABELS, page="hazards/list.html",
                         results="hazards/_list_results.html", rows="hazards/_list_rows.html")


def _hazard_or_404(user: Any, ref: str) -> Hazard:
    return web.case_or_404(selectors.hazard_get(user=user, ref=ref))


# --- The list ----------------------------------------------------------------------------


def _filter_options(request: HttpRequest) -> dict[str, Any]:
    units = list(selectors.overview_units(user=request.user).order_by("prefix"))
    current = request.GET.get("unit", "")
    if current and all(u.prefix != current for u in units):
        # A grid cell picked from the overview: show it in the select too.
        units += Unit.objects.filter(scope_for(request.user).unit_q(), prefix=current)
    return {
        "unit_options": [(u.prefix, indented_name(u)) for u in units],
        "menus": web.filter_menus(
            request,
            ("status", _("Status"), Status.choices),
            ("category", _("Category"), Category.choices),
            ("due_state", _("Due state"), DueState.choices),
        ),
        "severity_options": Severity.choices,
        # An old link's ``?grade=`` is the severity chosen.
        "severity_chosen": request.GET.get("severity") or request.GET.get("grade", ""),
        "sort_options": list(SORT_LABELS.items()),
        "switches": [("open_only", _("Open items only"))],
        "list_id": "hazard", "list_url": reverse("hazards:list"),
        "search_placeholder": _("Reference, title, description or place"),
    }


@login_required
@vary_on_headers("HX-Request")
def hazard_list(request: HttpRequest) -> HttpResponse:
    return web.list_response(
        request, LIST_PAGE, page_context=lambda: _filter_options(request),
        queryset=lambda f: selectors.hazard_list(user=request.user, filters=f)
        .select_related("unit", "assignee"),
    )


def _hazard_workbook(request: HttpRequest, filters: selectors.HazardFilters) -> bytes:
    from pingan.hazards.ledger import export_xlsx  # openpyxl is heavy: only exports need it

    buffer = io.BytesIO()
    export_xlsx(selectors.hazard_list(user=request.user, filters=filters), buffer)
    return buffer.getvalue()


hazard_export = web.export_view(LIST_PAGE, filename="隐患台账", write=_hazard_workbook,
                                options=_filter_options)


# --- One hazard --------------------------------------------------------------------------


def _edit_initial(hazard: Hazard) -> dict[str, Any]:
    return {name: getattr(hazard, name) for name in HazardEditForm.field_names} | {
        "version": hazard.version
    }


def _render_detail(request: HttpRequest, hazard: Hazard, *, bound: dict[str, Any] | None = None,
                   status: int = 200) -> HttpResponse:
    """The hazard page; ``bound`` holds a form that came back with errors, shown open."""
    bound = bound or {}
    user = request.user
    version = {"version": hazard.version}
    actions = web.step_actions(
        hazard, user, workflow=HAZARD_WORKFLOW, bound=bound, multipart=True,
        form=lambda name: TransitionForm(hazard=hazard, name=name, initial=version),
        url=lambda name: reverse("hazards:step", args=[hazard.ref, name]),
    )
    if services.may_extend(hazard, user):
        actions.append(web.Action(
            key="extend", label=_("Extend deadline"), url=reverse("hazards:extend", args=[hazard.ref]),
            form=bound.get("extend") or ExtendForm(initial=version),
            intro=_("A deadline can be extended once, with a reason."),
        ))
    if services.may_edit(hazard, user):
        actions.append(web.Action(
            key="edit", label=services.EDIT_LABEL, url=reverse("hazards:edit", args=[hazard.ref]),
            form=bound.get("edit") or HazardEditForm(initial=_edit_initial(hazard)), submit=_("Save"),
            intro=_("A major hazard needs all six parts of its rectification plan before work starts."),
        ))
    if services.may_attach(hazard, user):
        actions.append(web.Action(
            key="attach", label=services.ATTACH_LABEL, url=reverse("hazards:attach", args=[hazard.ref]),
            form=bound.get("attach") or AttachForm(), multipart=True,
        ))
    attachments = list(hazard.attachments.all())
    return render(request, "hazards/detail.html", {
        "hazard": hazard,
        "status_label": HAZARD_WORKFLOW.label(hazard.status),
        "actions": actions,
        "open_form": next(iter(bound), None),
        "refused": web.refused_messages(bound, actions),
        "before_photos": [a for a in attachments if a.kind == AttachmentKind.BEFORE],
        "after_photos": [a for a in attachments if a.kind == AttachmentKind.AFTER],
        "documents": [a for a in attachments if a.kind == AttachmentKind.DOCUMENT],
        "timeline": web.timeline(hazard, workflow=HAZARD_WORKFLOW, choices=TIMELINE_CHOICES),
    }, status=status)


@login_required
def hazard_detail(request: HttpRequest, ref: str) -> HttpResponse:
    return _render_detail(request, _hazard_or_404(request.user, ref))


def _act(request: HttpRequest, ref: str, *, key: str, form: Callable[[Hazard], Any],
         run: Callable[[Hazard, Any], str | None]) -> HttpResponse:
    hazard = _hazard_or_404(request.user, ref)

    def rerender(bound: dict[str, Any], status: int) -> HttpResponse:
        # Read again: the page shows what is stored, not what the failed attempt held in memory.
        return _render_detail(request, _hazard_or_404(request.user, ref), bound=bound, status=status)

    return web.act(request, hazard, key=key, form=form(hazard), run=lambda bound: run(hazard, bound),
                   detail_url="hazards:detail", rerender=rerender)


@login_required
@require_POST
def hazard_edit(request: HttpRequest, ref: str) -> HttpResponse:
    def form(hazard: Hazard) -> HazardEditForm:
        return HazardEditForm(request.POST, initial=_edit_initial(hazard))

    def run(hazard: Hazard, bound: HazardEditForm) -> str | None:
        # Only what the user changed: an untouched field must not overwrite a newer value.
        # The version check still refuses the edit when someone else saved in between.
        changed = [name for name in bound.changed_data if name != "version"]
        if not changed:
            return None
        services.hazard_update(hazard=hazard, actor=request.user,
                               expected_version=bound.cleaned_data["version"],
                               changes={name: bound.cleaned_data[name] for name in changed})
        return str(MSG_SAVED)

    return _act(request, ref, key="edit", form=form, run=run)


@login_required
@require_POST
def hazard_extend(request: HttpRequest, ref: str) -> HttpResponse:
    def run(hazard: Hazard, bound: ExtendForm) -> str:
        services.hazard_extend(hazard=hazard, actor=request.user,
                               expected_version=bound.cleaned_data["version"],
                               reason=bound.cleaned_data["reason"])
        return MSG_EXTENDED.format(due=f"{timezone.localtime(hazard.due_at):%Y-%m-%d}")

    return _act(request, ref, key="extend", form=lambda h: ExtendForm(request.POST), run=run)


@login_required
@require_POST
def hazard_step(request: HttpRequest, ref: str, name: str) -> HttpResponse:
    transition = web.transition_or_404(HAZARD_WORKFLOW, name)

    def run(hazard: Hazard, bound: TransitionForm) -> str:
        services.hazard_transition(
            hazard=hazard, name=name, actor=request.user, expected_version=bound.cleaned_data["version"],
            note=bound.cleaned_data["note"], **bound.inputs(),
        )
        return MSG_STEP_DONE.format(step=transition.label)

    return _act(request, ref, key=name, run=run,
                form=lambda h: TransitionForm(request.POST, request.FILES, hazard=h, name=name))


@login_required
@require_POST
def hazard_attach(request: HttpRequest, ref: str) -> HttpResponse:
    def run(hazard: Hazard, bound: AttachForm) -> str:
        upload = bound.cleaned_data["file"]
        services.hazard_attachment_add(hazard=hazard, actor=request.user, name=upload.name,
                                       content=read_upload(upload), kind=bound.cleaned_data["kind"])
        return MSG_ATTACHED.format(name=upload.name)

    return _act(request, ref, key="attach", run=run, form=lambda h: AttachForm(request.POST, request.FILES))


@login_required
def hazard_attachment(request: HttpRequest, ref: str, pk: int) -> FileResponse:
    return web.attachment_response(_hazard_or_404(request.user, ref), pk)


# --- Report ------------------------------------------------------------------------------


@login_required
def hazard_new(request: HttpRequest) -> HttpResponse:
    form = HazardReportForm(request.POST or None, request.FILES or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                hazard = services.hazard_report(
                    actor=request.user, unit=data["unit"], title=data["title"],
                    category=data["category"], description=data["description"],
                    severity=data["severity"], immediate=data["immediate"],
                    location=data["location"], latitude=data["latitude"],
                    longitude=data["longitude"], photos=files_of(data["photos"]),
                )
            except errors.DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = exc.status
            else:
                messages.success(request, MSG_REPORTED.format(ref=hazard.ref))
                return redirect("hazards:detail", ref=hazard.ref)
    return render(request, "hazards/new.html", {"form": form}, status=status)


# --- Overview ----------------------------------------------------------------------------


@login_required
def overview(request: HttpRequest, prefix: str | None = None) -> HttpResponse:
    units = selectors.overview_units(user=request.user).order_by("prefix")
    prefix = request.GET.get("unit") or prefix
    if prefix:
        unit = units.filter(prefix=prefix).first()
        if unit is None:
            raise Http404(errors.MSG_NOT_FOUND)
        if "unit" in request.GET:  # the unit picker's GET form: give the page its own address
            return redirect("overview", prefix=unit.prefix)
    else:
        unit = own_unit(request.user, units) or units.order_by(Length("prefix"), "prefix").first()
    context: dict[str, Any] = {
        "unit_options": [(u.prefix, indented_name(u)) for u in units],
        "unit": unit,
    }
    if unit is not None:
        now = timezone.now()
        data = selectors.unit_overview(user=request.user, unit=unit, now=now)
        chart = {**data["chart"], "labels": {"reported": _("Hazards reported"),
                                             "closed": _("Hazards closed")}}
        context.update(data, chart=chart,
                       ancestors=units.filter(pk__in=[u.pk for u in unit.ancestors()]))
    return render(request, "hazards/overview.html", context)
