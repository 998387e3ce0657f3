"""The suggestions pages: the list, a suggestion with its clock, the register and assign
forms, the steps, the rating and the co-handler's opinion.

Thin on purpose: reads go through ``suggestions.selectors`` (``suggestions_for``: who may see
an item), writes through ``suggestions.services``, whose messages are shown as they are. An
item the user may not see is a 404 exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from pingan.core import errors, web
from pingan.core.deadlines import due_state_of
from pingan.core.models import DueState, Unit
from pingan.core.people import lead_unit
from pingan.suggestions import selectors, services
from pingan.suggestions.clock import suggestion_clock
from pingan.suggestions.forms import (
    AssignForm,
    OpinionForm,
    RatingForm,
    SuggestionForm,
    SuggestionStepForm,
    result_class_choices,
)
from pingan.suggestions.models import Category, Channel, Satisfaction, Session, Status, Suggestion
from pingan.suggestions.services import HANDLING_UNIT_KINDS
from pingan.suggestions.workflow import SUGGESTION_WORKFLOW

TIMELINE_CHOICES = {"category": Category, "satisfaction": Satisfaction}

MSG_REGISTERED = gettext_lazy("Registered. Its reference number is {ref}.")
MSG_ASSIGNED = gettext_lazy("Assigned to {unit}: reply due {due}.")
MSG_RATED = gettext_lazy("Rating recorded: {satisfaction}.")
MSG_OPINION_SENT = gettext_lazy("Opinion sent to {unit}.")
MSG_STEP_DONE = gettext_lazy("“{step}” done.")

# Steps with a form of their own on the page (the units of an assignment; one rating form
# for the three rating steps): not offered as plain steps.
OWN_FORMS = frozenset({"assign", "rate", "rate_promise", "rate_dissatisfied"})

FILTER_LABELS = web.FILTER_LABELS | {
    "session": gettext_lazy("session"),
    "channel": gettext_lazy("body"),
    "lead": gettext_lazy("lead"),
    "key": gettext_lazy("key suggestions only"),
    "result_class": gettext_lazy("result class"),
    "satisfaction": gettext_lazy("satisfaction"),
    "reply": gettext_lazy("first reply"),
    "assigned": gettext_lazy("assigned"),
}
SORT_LABELS = web.sort_labels("opened")
LIST_PAGE = web.ListPage(selectors.SuggestionFilters, labels=FILTER_LABELS, page="suggestions/list.html",
                         results="suggestions/_list_results.html", rows="suggestions/_list_rows.html")


def _suggestion_or_404(user: Any, ref: str) -> Suggestion:
    return web.case_or_404(selectors.suggestion_get(user=user, ref=ref.strip().upper()))


def calculator_url() -> str:
    """The deadline calculator's page: core's once it serves every domain's rules."""
    try:
        return reverse("deadline")
    except NoReverseMatch:
        return "/deadline/"


# --- The list -----------------------------------------------------------------------------


def _handling_units() -> list[tuple[str, str]]:
    units = Unit.objects.filter(kind__in=HANDLING_UNIT_KINDS).order_by("kind", "prefix")
    return [(unit.code, unit.name) for unit in units]


def _filter_options(request: HttpRequest) -> dict[str, Any]:
    return {
        "menus": web.filter_menus(
            request,
            ("channel", _("Body"), Channel.choices),
            ("status", _("Status"), Status.choices),
            ("due_state", _("Due state"), DueState.choices),
            ("result_class", _("Result class"), result_class_choices()),
            ("satisfaction", _("Satisfaction"), Satisfaction.choices),
            # The boards' columns link here with these: as menus, a link's choice stays in view
            # and survives a change of any other filter.
            ("reply", _("First reply"), selectors.ReplyState.choices),
        ),
        "sessions": Session.objects.all(),
        "lead_options": _handling_units(),
        "switches": [("key", _("Key suggestions only")), ("assigned", _("Assigned only"))],
        "sort_options": list(SORT_LABELS.items()),
        "list_id": "suggestion", "list_url": reverse("suggestions:list"),
        "search_placeholder": _("Reference, title or proposer"),
        "may_register": services.may_register(request.user),
    }


@login_required
@vary_on_headers("HX-Request")
def suggestion_list(request: HttpRequest) -> HttpResponse:
    return web.list_response(
        request, LIST_PAGE, page_context=lambda: _filter_options(request),
        queryset=lambda f: selectors.suggestion_list(user=request.user, filters=f)
        .select_related("session", "unit", "department"),
    )


# --- Register one -------------------------------------------------------------------------


@login_required
def suggestion_new(request: HttpRequest) -> HttpResponse:
    if not services.may_register(request.user):
        raise Http404(errors.MSG_NOT_FOUND)
    form = SuggestionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                suggestion = _register(request, form.cleaned_data)
            except errors.DomainError as exc:
                web.attach_error(form, exc)
                status = exc.status
            else:
                messages.success(request, MSG_REGISTERED.format(ref=suggestion.ref))
                return redirect("suggestions:detail", ref=suggestion.ref)
    return render(request, "suggestions/new.html", {"form": form}, status=status)


def _register(request: HttpRequest, data: dict[str, Any]) -> Suggestion:
    # A new session and its first item are made together, or neither is.
    with transaction.atomic():
        session = data["session"] or services.session_get_or_create(
            actor=request.user, name=data["new_session"], channel=data["channel"],
            opened_on=data["opened_on"])
        leadership = data["supervising_leader"]
        return services.suggestion_register(
            actor=request.user, session=session, number=data["number"], title=data["title"],
            proposers=data["proposers"], delegation=data["delegation"], text=data["text"],
            category=data["category"], is_key=data["is_key"],
            supervising_leader=leadership.user if leadership else None)


# --- One suggestion -----------------------------------------------------------------------


def _actions(suggestion: Suggestion, user: Any, bound: dict[str, Any]) -> list[web.Action]:
    """The steps the user may take now, then the forms of their own: assign, rate, opinion."""
    version = {"version": suggestion.version}
    actions = [action for action in web.step_actions(
        suggestion, user, workflow=SUGGESTION_WORKFLOW, bound=bound, multipart=True,
        form=lambda name: SuggestionStepForm(suggestion=suggestion, name=name, initial=version),
        url=lambda name: reverse("suggestions:step", args=[suggestion.ref, name]),
    ) if action.key not in OWN_FORMS]
    available = {t.name for t in SUGGESTION_WORKFLOW.available(suggestion, user)}
    if "assign" in available:
        # The lead returned it as not its own: only the co-handlers are offered again.
        initial = {**version, "co_handlers": list(suggestion.co_handlers.all())}
        actions.insert(0, web.Action(
            key="assign", label=_("Re-assign") if suggestion.assignments else _("Assign"),
            url=reverse("suggestions:assign", args=[suggestion.ref]), style="primary",
            form=bound.get("assign") or AssignForm(initial=initial),
            intro=_("Every term counts from the assignment: the return window, the reply and the "
                    "co-handlers' opinions.")))
    if available & {"rate", "rate_promise", "rate_dissatisfied"}:
        actions.append(web.Action(
            key="rate", label=_("Record the proposer's rating"), style="primary",
            url=reverse("suggestions:step", args=[suggestion.ref, "rate"]),
            form=bound.get("rate") or RatingForm(initial=version),
            intro=_("Dissatisfied after the first reply: the item is handled again within a month.")))
    co_handling = services.co_handling_of(suggestion, user)
    if co_handling and co_handling.opinion_at is None and suggestion.status in (Status.ASSIGNED,
                                                                               Status.REHANDLING):
        actions.append(web.Action(
            key="opinion", label=_("Send the opinion of {unit}").format(unit=co_handling.unit.name),
            url=reverse("suggestions:opinion", args=[suggestion.ref]), style="primary",
            form=bound.get("opinion") or OpinionForm(),
            intro=_("Due {date}: the lead takes it into its reply.").format(
                date=co_handling.opinion_due.isoformat())))
    return actions


def _render_detail(request: HttpRequest, suggestion: Suggestion, *, bound: dict[str, Any] | None = None,
                   status: int = 200) -> HttpResponse:
    bound = bound or {}
    actions = _actions(suggestion, request.user, bound)
    timeline = web.timeline(suggestion, workflow=SUGGESTION_WORKFLOW, choices=TIMELINE_CHOICES)
    return render(request, "suggestions/detail.html", {
        "suggestion": suggestion,
        "lead": lead_unit(suggestion) if suggestion.assignments else None,
        "status_label": SUGGESTION_WORKFLOW.label(suggestion.status),
        "category_label": web.display_value("category", suggestion.category, TIMELINE_CHOICES),
        "due_state": due_state_of(is_open=suggestion.is_open, due_at=suggestion.due_at),
        "co_handlings": list(suggestion.co_handlings.select_related("unit")),
        "clock": suggestion_clock(suggestion, [entry.event for entry in timeline]),
        "calculator_url": calculator_url(),
        "returns": list(suggestion.returns.select_related("unit", "returned_by")),
        "actions": actions,
        "open_form": next(iter(bound), None),
        "refused": web.refused_messages(bound, actions),
        "timeline": timeline,
    }, status=status)


@login_required
def suggestion_detail(request: HttpRequest, ref: str) -> HttpResponse:
    return _render_detail(request, _suggestion_or_404(request.user, ref))


PAGE = web.ItemPage(get=_suggestion_or_404, render=_render_detail, url_name="suggestions:detail")


@login_required
@require_POST
def suggestion_step(request: HttpRequest, ref: str, name: str) -> HttpResponse:
    if name == "rate":
        return _rate(request, ref)
    transition = web.transition_or_404(SUGGESTION_WORKFLOW, name)

    def run(suggestion: Suggestion, bound: SuggestionStepForm) -> str:
        services.suggestion_transition(suggestion=suggestion, name=name, actor=request.user,
                                       expected_version=bound.cleaned_data["version"],
                                       note=bound.cleaned_data["note"], **bound.inputs())
        return MSG_STEP_DONE.format(step=transition.label)

    form = SuggestionStepForm(request.POST, request.FILES, suggestion=_suggestion_or_404(request.user, ref),
                              name=name)
    return web.act_on_page(request, ref, page=PAGE, key=name, run=run, form=form)


def _rate(request: HttpRequest, ref: str) -> HttpResponse:
    """One form for the rating: the service picks the step the satisfaction leads to."""

    def run(suggestion: Suggestion, bound: RatingForm) -> str:
        satisfaction = bound.cleaned_data["satisfaction"]
        services.suggestion_rate(suggestion=suggestion, actor=request.user, satisfaction=satisfaction,
                                 expected_version=bound.cleaned_data["version"],
                                 note=bound.cleaned_data["note"])
        return MSG_RATED.format(satisfaction=Satisfaction(satisfaction).label)

    return web.act_on_page(request, ref, page=PAGE, key="rate", run=run, form=RatingForm(request.POST))


@login_required
@require_POST
def suggestion_assign(request: HttpRequest, ref: str) -> HttpResponse:
    def run(suggestion: Suggestion, bound: AssignForm) -> str:
        data = bound.cleaned_data
        services.suggestion_assign(suggestion=suggestion, actor=request.user, lead=data["lead"],
                                   co_handlers=data["co_handlers"], expected_version=data["version"],
                                   note=data["note"])
        return MSG_ASSIGNED.format(unit=data["lead"].name, due=suggestion.reply_due.isoformat())

    return web.act_on_page(request, ref, page=PAGE, key="assign", run=run, form=AssignForm(request.POST))


@login_required
@require_POST
def suggestion_opinion(request: HttpRequest, ref: str) -> HttpResponse:
    def run(suggestion: Suggestion, bound: OpinionForm) -> str:
        services.suggestion_co_opinion(suggestion=suggestion, actor=request.user,
                                       opinion=bound.cleaned_data["opinion"])
        return MSG_OPINION_SENT.format(unit=lead_unit(suggestion).name)

    return web.act_on_page(request, ref, page=PAGE, key="opinion", run=run, form=OpinionForm(request.POST))


@login_required
def suggestion_attachment(request: HttpRequest, ref: str, pk: int) -> FileResponse:
    return web.attachment_response(_suggestion_or_404(request.user, ref), pk)

