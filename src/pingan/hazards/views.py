"""Hazard pages: my work, the list, a hazard with its steps, the report form, the overview.

Thin on purpose: reads go through ``hazards.selectors`` (and so through ``visible_to``),
writes through ``hazards.services``, whose messages are shown as they are. A hazard outside
the user's scope is a 404 exactly like one that does not exist.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.db.models.functions import Length
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from pydantic import ValidationError

from pingan.core import errors
from pingan.core.events import case_timeline
from pingan.core.inbox import unread_for
from pingan.core.models import ROLE_RANK, DueState, Event, EventType, RoleName, Severity, Unit
from pingan.core.pagination import InvalidParameter, keyset_page
from pingan.core.scoping import scope_for
from pingan.hazards import selectors, services
from pingan.hazards.forms import (
    ExtendForm,
    HazardEditForm,
    HazardReportForm,
    TransitionForm,
    indented_name,
    own_unit,
    photos_of,
)
from pingan.hazards.models import Category, Hazard, Status
from pingan.hazards.workflow import HAZARD_WORKFLOW

PAGE_SIZE = 50
LIST_FILTERS = ("status", "category", "due_state")
EDITABLE_STATUSES = (Status.REPORTED, Status.ASSIGNED)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

MSG_BAD_FILTER = gettext_lazy("The filter “{field}” does not accept “{value}”.")
MSG_BAD_CURSOR = gettext_lazy("That page link is no longer valid: start again from the first page.")
MSG_REPORTED = gettext_lazy("Hazard reported. Its reference number is {ref}.")
MSG_SAVED = gettext_lazy("Changes saved.")
MSG_NOTHING_CHANGED = gettext_lazy("Nothing was changed.")
MSG_EXTENDED = gettext_lazy("Deadline extended to {due}.")
MSG_STEP_DONE = gettext_lazy("“{step}” done.")

FILTER_LABELS = {
    "unit": gettext_lazy("unit"),
    "status": gettext_lazy("status"),
    "category": gettext_lazy("category"),
    "grade": gettext_lazy("grade"),
    "due_state": gettext_lazy("due state"),
    "q": gettext_lazy("text"),
    "opened_from": gettext_lazy("reported from"),
    "opened_to": gettext_lazy("reported until"),
    "due_from": gettext_lazy("due from"),
    "due_to": gettext_lazy("due until"),
    "open_only": gettext_lazy("open only"),
    "sort": gettext_lazy("order"),
    "after": gettext_lazy("page"),
}
SORT_LABELS = {
    "-opened": gettext_lazy("Newest first"),
    "opened": gettext_lazy("Oldest first"),
    "due": gettext_lazy("Deadline, earliest first"),
    "-due": gettext_lazy("Deadline, latest first"),
}


def _hazard_or_404(user: Any, ref: str) -> Hazard:
    hazard = selectors.hazard_get(user=user, ref=ref)
    if hazard is None:
        raise Http404(errors.MSG_NOT_FOUND)
    return hazard


# --- My work ---------------------------------------------------------------------------


@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    return render(request, "hazards/my_work.html", {
        "items": selectors.my_work(user=request.user),
        "notices": unread_for(request.user).order_by("-created_at", "-id")[:50],
    })


# --- The list ----------------------------------------------------------------------------


def parse_filters(query: QueryDict) -> tuple[selectors.HazardFilters | None, list[str]]:
    """The query string as the one filter definition, or the problems with it."""
    data = {
        name: query.getlist(name) if name in LIST_FILTERS else query.get(name)
        for name in selectors.HazardFilters.model_fields
        if name in query
    }
    try:
        return selectors.HazardFilters.model_validate(data), []
    except ValidationError as exc:
        return None, [
            MSG_BAD_FILTER.format(field=FILTER_LABELS.get(str(err["loc"][0]), err["loc"][0]),
                                  value=err.get("input", ""))
            for err in exc.errors()
        ]


def _filter_options(request: HttpRequest) -> dict[str, Any]:
    units = list(selectors.overview_units(user=request.user).order_by("prefix"))
    current = request.GET.get("unit", "")
    if current and all(u.prefix != current for u in units):
        # A grid cell picked from the overview: show it in the select too.
        units += Unit.objects.filter(scope_for(request.user).unit_q(), prefix=current)
    return {
        "unit_options": [(u.prefix, indented_name(u)) for u in units],
        "status_options": Status.choices,
        "category_options": Category.choices,
        "grade_options": Severity.choices,
        "due_state_options": DueState.choices,
        "sort_options": list(SORT_LABELS.items()),
        "selected": {name: request.GET.getlist(name) for name in LIST_FILTERS},
    }


@login_required
@vary_on_headers("HX-Request")
def hazard_list(request: HttpRequest) -> HttpResponse:
    filters, problems = parse_filters(request.GET)
    rows: list[Hazard] = []
    next_cursor = None
    if filters is not None:
        try:
            rows, next_cursor = keyset_page(
                selectors.hazard_list(user=request.user, filters=filters)
                .select_related("unit", "assignee"),
                ordering=selectors.SORTS[filters.sort], cursor=request.GET.get("after"),
                limit=PAGE_SIZE,
            )
        except InvalidParameter:
            problems = [str(MSG_BAD_CURSOR)]
    context = {"rows": rows, "next_cursor": next_cursor, "problems": problems}
    htmx = request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request")
    # Partials answer 200 even with a filter problem: htmx swaps in only 2xx responses, and
    # the message must replace the stale rows.
    if htmx and request.GET.get("after"):
        return render(request, "hazards/_list_rows.html", context)
    if htmx:
        return render(request, "hazards/_list_results.html", context)
    context.update(_filter_options(request))
    return render(request, "hazards/list.html", context, status=400 if problems else 200)


@login_required
def hazard_export(request: HttpRequest) -> HttpResponse:
    # Imported here: openpyxl is heavy, and only this view needs it.
    from pingan.hazards.ledger import export_xlsx

    filters, problems = parse_filters(request.GET)
    if filters is None:
        context = {"rows": [], "next_cursor": None, "problems": problems, **_filter_options(request)}
        return render(request, "hazards/list.html", context, status=400)
    buffer = io.BytesIO()
    export_xlsx(selectors.hazard_list(user=request.user, filters=filters), buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    filename = f"隐患台账-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --- One hazard --------------------------------------------------------------------------


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class TimelineEntry:
    event: Event
    label: str
    changes: list[Change] = field(default_factory=list)

    @property
    def is_escalation(self) -> bool:
        return self.event.type == EventType.ESCALATED


def _display(name: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name == "category" and value in Category.values:
        return str(Category(value).label)
    if name == "severity" and value in Severity.values:
        return str(Severity(value).label)
    if name.endswith("_at") and isinstance(value, str) and (moment := parse_datetime(value)):
        return f"{timezone.localtime(moment):%Y-%m-%d}"
    return str(value)


def _field_label(name: str) -> str:
    try:
        return str(Hazard._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a key that is not a model field (e.g. an escalation's unit name)
        return name


def _timeline(hazard: Hazard) -> list[TimelineEntry]:
    entries = []
    for event in case_timeline(hazard):
        label = event.get_type_display()
        if event.type == EventType.TRANSITION:
            # A step since removed from the workflow keeps its generic label.
            with contextlib.suppress(errors.TransitionNotAllowed):
                label = str(HAZARD_WORKFLOW.get(event.transition).label)
        changes = []
        if event.type in (EventType.UPDATED, EventType.EXTENDED):
            changes = [
                Change(_field_label(name), _display(name, event.before.get(name)),
                       _display(name, value))
                for name, value in event.after.items()
            ]
        entries.append(TimelineEntry(event=event, label=label, changes=changes))
    return entries


def _edit_initial(hazard: Hazard) -> dict[str, Any]:
    return {name: getattr(hazard, name) for name in HazardEditForm.field_names} | {
        "version": hazard.version
    }


def _render_detail(request: HttpRequest, hazard: Hazard, *, bound: dict[str, Any] | None = None,
                   status: int = 200) -> HttpResponse:
    """The hazard page; ``bound`` holds a form that came back with errors, shown open."""
    bound = bound or {}
    user = request.user
    scope = scope_for(user)
    handler = ROLE_RANK[RoleName.HANDLER]
    can_edit = hazard.status in EDITABLE_STATUSES and scope.rank_for(hazard) >= handler
    can_extend = (hazard.is_open and not hazard.is_extended
                  and scope.rank_for(hazard, town_or_above=True) >= handler)
    steps = [
        (t, bound.get(t.name) or TransitionForm(hazard=hazard, name=t.name,
                                                initial={"version": hazard.version}))
        for t in HAZARD_WORKFLOW.available(hazard, user)
    ]
    shown = {t.name for t, _form in steps} | ({"edit"} if can_edit else set()) | (
        {"extend"} if can_extend else set())
    # A refused action whose form this user does not get (no such button for them) still
    # shows why it was refused.
    refused = [str(e) for key, form in bound.items() if key not in shown
               for errs in form.errors.values() for e in errs]
    attachments = list(hazard.attachments.all())
    return render(request, "hazards/detail.html", {
        "hazard": hazard,
        "status_label": HAZARD_WORKFLOW.label(hazard.status),
        "steps": steps,
        "open_form": next(iter(bound), None),
        "refused": refused,
        "edit_form": (bound.get("edit") or HazardEditForm(initial=_edit_initial(hazard)))
        if can_edit else None,
        "extend_form": (bound.get("extend") or ExtendForm(initial={"version": hazard.version}))
        if can_extend else None,
        "before_photos": [a for a in attachments if a.kind == "before"],
        "after_photos": [a for a in attachments if a.kind == "after"],
        "timeline": _timeline(hazard),
    }, status=status)


@login_required
def hazard_detail(request: HttpRequest, ref: str) -> HttpResponse:
    return _render_detail(request, _hazard_or_404(request.user, ref))


def _act(request: HttpRequest, ref: str, *, key: str, form: Callable[[Hazard], Any],
         run: Callable[[Hazard, Any], str | None]) -> HttpResponse:
    """Bind the form, call the service, and on a DomainError show its message on the form
    and change nothing. ``run`` returns the success message (None: there was nothing to do)."""
    hazard = _hazard_or_404(request.user, ref)
    bound = form(hazard)
    status = 400
    if bound.is_valid():
        try:
            done = run(hazard, bound)
        except errors.NotFound:
            raise Http404(errors.MSG_NOT_FOUND) from None
        except errors.DomainError as exc:
            bound.add_error(exc.field if exc.field in bound.fields else None, exc.message)
            status = exc.status
        else:
            if done:
                messages.success(request, done)
            else:
                messages.info(request, MSG_NOTHING_CHANGED)
            return redirect("hazards:detail", ref=hazard.ref)
    # Read again: the page shows what is stored, not what the failed attempt held in memory.
    return _render_detail(request, _hazard_or_404(request.user, ref), bound={key: bound},
                          status=status)


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
    try:
        transition = HAZARD_WORKFLOW.get(name)
    except errors.TransitionNotAllowed:
        raise Http404(errors.MSG_NOT_FOUND) from None

    def run(hazard: Hazard, bound: TransitionForm) -> str:
        data = bound.cleaned_data
        services.hazard_transition(
            hazard=hazard, name=name, actor=request.user, expected_version=data["version"],
            note=data["note"], assignee=data.get("assignee"),
            photos=photos_of(data.get("photos", [])), reason=data.get("reason", ""),
            duplicate_of=data.get("duplicate_of") or None,
        )
        return MSG_STEP_DONE.format(step=transition.label)

    return _act(request, ref, key=name, run=run,
                form=lambda h: TransitionForm(request.POST, request.FILES, hazard=h, name=name))


@login_required
def hazard_attachment(request: HttpRequest, ref: str, pk: int) -> FileResponse:
    hazard = _hazard_or_404(request.user, ref)
    attachment = hazard.attachments.filter(pk=pk).first()
    if attachment is None:
        raise Http404(errors.MSG_NOT_FOUND)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type,
                            filename=attachment.original_name)
    response["Cache-Control"] = "private, max-age=3600"
    return response


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
                    longitude=data["longitude"], photos=photos_of(data["photos"]),
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
