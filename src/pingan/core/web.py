"""What every kind's pages share: reading a list's filters from the query string, paging a
list for HTMX, binding a form to a service call, and the steps of a case as a timeline.

A kind's views pass in what differs (its filter class, templates, forms, services); the
rules stay in the services, whose messages these helpers attach to the forms as they are.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, get_origin

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ValidationError

from pingan.core import errors
from pingan.core.events import case_timeline
from pingan.core.filters import ListFilters
from pingan.core.models import GRID_KINDS, Case, Event, EventType, Leadership, Unit
from pingan.core.pagination import InvalidParameter, keyset_page
from pingan.core.scoping import scope_for
from pingan.core.users import User
from pingan.core.workflow import Workflow

PAGE_SIZE = 50

MSG_BAD_FILTER = gettext_lazy("The filter “{field}” does not accept “{value}”.")
MSG_BAD_CURSOR = gettext_lazy("That page link is no longer valid: start again from the first page.")
MSG_NOTHING_CHANGED = gettext_lazy("Nothing was changed.")
# A step's submit button: the step named again, so the button says what it commits to.
MSG_CONFIRM_STEP = gettext_lazy("Confirm: {step}")

# A filter definition: a list's (``ListFilters``) or a page's own, such as a board's.
F = TypeVar("F", bound=BaseModel)

# How a filter is named in a message about it; each kind adds its own.
FILTER_LABELS = {
    "unit": gettext_lazy("unit"),
    "status": gettext_lazy("status"),
    "category": gettext_lazy("category"),
    "due_state": gettext_lazy("due state"),
    "q": gettext_lazy("text"),
    "open_only": gettext_lazy("open only"),
    "sort": gettext_lazy("order"),
    "after": gettext_lazy("page"),
}


# --- Lists -------------------------------------------------------------------------------


def sort_labels(opened: str) -> dict[str, Any]:
    """The orders a list offers, ``opened`` naming its sort key for the moment a case came in."""
    return {
        f"-{opened}": gettext_lazy("Newest first"),
        opened: gettext_lazy("Oldest first"),
        "due": gettext_lazy("Deadline, earliest first"),
        "-due": gettext_lazy("Deadline, latest first"),
    }


C = TypeVar("C", bound=Case)


def case_or_404(case: C | None) -> C:
    """A case from a selector that answers None both for "no such case" and "not yours"."""
    if case is None:
        raise Http404(errors.MSG_NOT_FOUND)
    return case


def attachment_response(case: Case, pk: int) -> FileResponse:
    """One of the case's files, to a reader the caller found the case for (404 otherwise)."""
    attachment = case.attachments.filter(pk=pk).first()
    if attachment is None:
        raise Http404(errors.MSG_NOT_FOUND)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type,
                            filename=attachment.original_name)
    response["Cache-Control"] = "private, max-age=3600"
    return response


def transition_or_404(workflow: Workflow, name: str) -> Any:
    """A step named in a URL: an unknown one is a page that does not exist."""
    try:
        return workflow.get(name)
    except errors.TransitionNotAllowed:
        raise Http404(errors.MSG_NOT_FOUND) from None


def parse_filters(filters_class: type[F], query: QueryDict, *,
                  labels: Mapping[str, Any]) -> tuple[F | None, list[str]]:
    """The query string as the kind's one filter definition, or the problems with it, each
    naming its filter by ``labels``. A list filter (a checkbox menu) may be given several times."""
    data = {
        name: query.getlist(name) if get_origin(info.annotation) is list else query.get(name)
        for name, info in filters_class.model_fields.items()
        if name in query
    }
    try:
        return filters_class.model_validate(data), []
    except ValidationError as exc:
        return None, [
            MSG_BAD_FILTER.format(field=labels.get(str(err["loc"][0]), err["loc"][0]),
                                  value=err.get("input", ""))
            for err in exc.errors()
        ]


@dataclass(frozen=True)
class ListPage:
    """A kind's filtered list: its one filter definition (the API's too, whose SORTS order
    the rows), the labels a filter problem names them by, and its templates."""

    filters: type[ListFilters]
    labels: Mapping[str, Any]
    page: str  # the whole page: filters and results
    results: str  # the part an HTMX filter change replaces
    rows: str  # the rows a "load more" appends
    defaults: Mapping[str, str] = field(default_factory=dict)  # where the page differs from the API

    def parse(self, query: QueryDict) -> tuple[Any, list[str]]:
        if self.defaults:
            query = query.copy()
            for name, value in self.defaults.items():
                query.setdefault(name, value)
        return parse_filters(self.filters, query, labels=self.labels)


def filter_menus(request: HttpRequest, *menus: tuple[str, Any, Sequence[tuple[str, Any]]]) -> list[tuple]:
    """A list's checkbox menus, each (name, label, choices), as ``list_page.html`` draws them:
    with the values the query string chose."""
    return [(name, label, choices, request.GET.getlist(name)) for name, label, choices in menus]


def list_response(request: HttpRequest, page: ListPage, *, queryset: Callable[[Any], QuerySet],
                  page_context: Callable[[], dict[str, Any]],
                  present: Callable[[list[Any]], list[Any]] = list) -> HttpResponse:
    """One page of a filtered list: the whole page, or for HTMX only the part it swaps.
    ``queryset`` gives the filters' rows; ``present`` readies a page of them for drawing,
    such as masking the people in them."""
    filters, problems = page.parse(request.GET)
    rows: list[Any] = []
    next_cursor = None
    if filters is not None:
        try:
            rows, next_cursor = keyset_page(queryset(filters), ordering=filters.SORTS[filters.sort],
                                            cursor=request.GET.get("after"), limit=PAGE_SIZE)
        except InvalidParameter:
            problems = [str(MSG_BAD_CURSOR)]
    context = {"rows": present(rows), "next_cursor": next_cursor, "problems": problems}
    htmx = request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request")
    # Partials answer 200 even with a filter problem: htmx swaps in only 2xx responses, and
    # the message must replace the stale rows.
    if htmx and request.GET.get("after"):
        return render(request, page.rows, context)
    if htmx:
        return render(request, page.results, context)
    context.update(page_context())
    return render(request, page.page, context, status=400 if problems else 200)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def export_response(request: HttpRequest, page: ListPage, *, write: Callable[[Any], bytes], filename: str,
                    page_context: Callable[[], dict[str, Any]]) -> HttpResponse:
    """A filtered list as a workbook, or the list page with what is wrong with its filters."""
    filters, problems = page.parse(request.GET)
    if filters is None:
        context = {"rows": [], "next_cursor": None, "problems": problems, **page_context()}
        return render(request, page.page, context, status=400)
    return xlsx_response(write(filters), f"{filename}-{timezone.localdate():%Y%m%d}.xlsx")


def export_view(page: ListPage, *, filename: str, write: Callable[[HttpRequest, Any], bytes],
                options: Callable[[HttpRequest], dict[str, Any]]) -> Callable[[HttpRequest], HttpResponse]:
    """A list's Excel export as a view: ``write(request, filters)`` gives the workbook;
    ``options`` the list page's context, shown with what is wrong with the filters."""

    @login_required
    def view(request: HttpRequest) -> HttpResponse:
        return export_response(request, page, filename=filename,
                               write=lambda filters: write(request, filters),
                               page_context=lambda: options(request))

    return view


def indented_name(unit: Unit) -> str:
    # Indentation shows the tree inside a plain <select>, which phones render natively.
    return "\u3000" * (unit.level - 1) + unit.name



def unit_options(user: User) -> list[tuple[str, str]]:
    """The units above the grids that ``user`` may filter a list by, indented as a tree."""
    units = (Unit.objects.filter(scope_for(user).unit_q()).exclude(kind__in=GRID_KINDS)
             .order_by("prefix"))
    return [(u.prefix, indented_name(u)) for u in units]

def user_label(user: User) -> str:
    return user.get_full_name() or user.get_username()


def leader_label(leadership: Leadership) -> str:
    """A leader as a select offers them: the name, then the unit and title they lead as."""
    return f"{user_label(leadership.user)}（{leadership.unit.name} {leadership.title}）"


# --- Forms -------------------------------------------------------------------------------


class StyledForm(forms.Form):
    """Bootstrap's classes on every widget, and on the fields that came back with errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_fields()
        for form_field in self.fields.values():
            widget = form_field.widget
            if widget.is_hidden:
                continue
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_fields(self) -> None:
        """Fields that depend on the model or the case, added before styling."""

    def full_clean(self) -> None:
        super().full_clean()
        self.mark_invalid()

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        self.mark_invalid()

    def mark_invalid(self) -> None:
        for name in self.errors:
            attrs = self.fields[name].widget.attrs if name in self.fields else {}
            if "is-invalid" not in attrs.get("class", "is-invalid"):
                attrs["class"] += " is-invalid"


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def attach_error(form: forms.Form, exc: errors.DomainError) -> None:
    """A service's refusal shown on the field it names, or above the form."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def act(request: HttpRequest, case: Case, *, key: str, form: forms.Form,
        run: Callable[[Any], str | None], detail_url: str,
        rerender: Callable[[dict[str, forms.Form], int], HttpResponse]) -> HttpResponse:
    """Call the service with the bound ``form``; on a DomainError show its message on the
    form (reopened under ``key``) and change nothing. ``run`` returns the success message
    (None: there was nothing to do)."""
    status = 400
    if form.is_valid():
        try:
            done = run(form)
        except errors.NotFound:
            raise Http404(errors.MSG_NOT_FOUND) from None
        except errors.DomainError as exc:
            attach_error(form, exc)
            status = exc.status
        else:
            if done:
                messages.success(request, done)
            else:
                messages.info(request, MSG_NOTHING_CHANGED)
            return redirect(detail_url, ref=case.ref)
    return rerender({key: form}, status)



@dataclass(frozen=True)
class ItemPage:
    """A kind's page: how its item is found (404 outside the reader's reach) and drawn."""

    get: Callable[[Any, str], Any]
    render: Callable[..., HttpResponse]  # (request, item, **what the page shows besides)
    url_name: str


def act_on_page(request: HttpRequest, ref: str, *, page: ItemPage, key: str, form: forms.Form,
                run: Callable[[Any, Any], str | None]) -> HttpResponse:
    """``act`` on the item ``ref`` of ``page``: ``run(item, bound form)`` calls the service."""
    item = page.get(request.user, ref)

    def rerender(bound: dict[str, forms.Form], status: int) -> HttpResponse:
        # Read again: the page shows what is stored, not what the failed attempt held in memory.
        return page.render(request, page.get(request.user, ref), bound=bound, status=status)

    return act(request, item, key=key, form=form, run=lambda bound: run(item, bound),
               detail_url=page.url_name, rerender=rerender)


def show_in_full(request: HttpRequest, ref: str, *, page: ItemPage, read: Callable[[Any], Any],
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

@dataclass(frozen=True)
class Action:
    """Something the user may do on a case: a button that opens its form
    (``includes/case_actions.html``). ``key`` names the form when it comes back bound."""

    key: str
    label: Any
    url: str
    form: forms.Form
    style: str = "outline-secondary"
    intro: Any = ""
    submit: Any = ""
    multipart: bool = False
    is_step: bool = False

    @property
    def dom_id(self) -> str:
        return f"step-{self.key}" if self.is_step else f"form-{self.key}"

    @property
    def submit_label(self) -> str:
        if self.submit:
            return str(self.submit)
        return MSG_CONFIRM_STEP.format(step=self.label) if self.is_step else str(self.label)

    @property
    def submit_style(self) -> str:
        return self.style if self.is_step else "primary"


def step_actions(case: Case, user: User, *, workflow: Workflow, bound: Mapping[str, forms.Form],
                 form: Callable[[str], forms.Form], url: Callable[[str], str],
                 multipart: bool = False) -> list[Action]:
    """One action a workflow step the user may take now; a step's form that came back with
    errors is shown as it came back."""
    return [Action(key=t.name, label=t.label, url=url(t.name), form=bound.get(t.name) or form(t.name),
                   style=t.style, multipart=multipart, is_step=True)
            for t in workflow.available(case, user)]


def refused_messages(bound: Mapping[str, forms.Form], actions: list[Action]) -> list[str]:
    """The errors of a refused action whose form this user does not get (no such button for
    them): the page still says why it was refused."""
    shown = {action.key for action in actions}
    return [str(e) for key, form in bound.items() if key not in shown
            for errs in form.errors.values() for e in errs]


# --- Timeline ----------------------------------------------------------------------------


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class TimelineEntry:
    event: Event
    label: str
    from_label: str = ""
    to_label: str = ""
    changes: list[Change] = field(default_factory=list)

    @property
    def is_escalation(self) -> bool:
        return self.event.type == EventType.ESCALATED


def display_value(name: str, value: Any, choices: Mapping[str, Any]) -> str:
    """A stored value as a reader wants it: a choice's label, a moment's local date."""
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name in choices and value in choices[name].values:
        return str(choices[name](value).label)
    if name.endswith("_at") and isinstance(value, str) and (moment := parse_datetime(value)):
        return f"{timezone.localtime(moment):%Y-%m-%d}"
    return str(value)


def _field_label(model: type[Model], name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a key that is not a model field (e.g. an escalation's unit name)
        return name


def timeline(case: Case, *, workflow: Workflow, choices: Mapping[str, Any],
             labels: Mapping[str, Any] | None = None) -> list[TimelineEntry]:
    """The case's events, oldest first, each with its step's label and what it changed.
    ``choices`` maps a field name to its TextChoices, for the labels of changed values;
    ``labels`` names the changed keys that are not fields of the case (another app's link)."""
    labels = labels or {}
    entries = []
    for event in case_timeline(case):
        label = event.get_type_display()
        if event.type == EventType.TRANSITION:
            # A step since removed from the workflow keeps its generic label.
            with contextlib.suppress(errors.TransitionNotAllowed):
                label = str(workflow.get(event.transition).label)
        changes = []
        if event.type in (EventType.UPDATED, EventType.EXTENDED):
            changes = [
                Change(str(labels[name]) if name in labels else _field_label(type(case), name),
                       display_value(name, event.before.get(name), choices),
                       display_value(name, value, choices))
                for name, value in event.after.items()
            ]
        entries.append(TimelineEntry(
            event=event, label=label, changes=changes,
            # A step that keeps the status (a listing) shows the status, not "x → x".
            from_label=str(workflow.label(event.from_status))
            if event.from_status and event.from_status != event.to_status else "",
            to_label=str(workflow.label(event.to_status)) if event.to_status else "",
        ))
    return entries
