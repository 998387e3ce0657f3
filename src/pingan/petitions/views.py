"""Petition pages: the list, registration, a petition with its clock and steps, the backlog
board; the deadline calculator moved to the core (``/deadline/``).

Thin on purpose: reads go through ``petitions.selectors`` (and so through ``visible_to``),
writes through ``petitions.services``, whose messages are shown as they are. Petitioners are
masked everywhere; a reader allowed the full view asks for it on one petition, and that
reading is recorded (``services.petition_personal_data``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from pingan.core import errors, web
from pingan.core.models import GRID_KINDS, DueState, Unit, UnitKind
from pingan.core.personal.access import may_view_personal_data
from pingan.core.scoping import scope_for
from pingan.petitions import selectors, services
from pingan.petitions.forms import (
    BacklogForm,
    ExtendForm,
    PublicSatisfactionForm,
    RegisterForm,
    RepeatForm,
    ReplyNoticeForm,
    StepForm,
)
from pingan.petitions.models import (
    Category,
    Channel,
    Petition,
    PetitionType,
    Profile,
    ProfileInForce,
    Rule,
    Status,
)
from pingan.petitions.profiles import (
    may_switch_profile,
    petition_profile_switch,
    profile_in_force,
    profile_switch_refusal,
    rulebook,
)
from pingan.petitions.satisfaction import (
    ReplyNotice,
    petition_reply_notice,
    petition_satisfaction_answer,
    reply_notice_refusal,
    review_path,
)
from pingan.petitions.workflow import PETITION_WORKFLOW

TIMELINE_CHOICES = {"category": Category, "channel": Channel, "petition_type": PetitionType}
# What a reception day writes on the petition it received (receptions.services).
TIMELINE_LABELS = {"reception": _("reception day"), "reception_date": _("reception date"),
                   "reception_unit": _("reception unit"), "reception_leader": _("receiving leader")}
BOARD_CASES = 20  # the longest overdue; the ledger lists them all
# A closed petition is 已办结 (销号 is the hazards' word for it).
DUE_STATES = [(value, Status.CLOSED.label if value == DueState.CLOSED else label)
              for value, label in DueState.choices]

MSG_REGISTERED = _("Petition registered. Its reference number is {ref}.")
MSG_STEP_DONE = _("“{step}” done.")
MSG_EXTENDED = _("Resolution deadline extended to {due}.")
MSG_BACKLOG_SET = _("Responsible leader and target date recorded.")
MSG_REPEAT_CONFIRMED = _("Linked to {ref} as the same matter.")
MSG_REPEAT_DISMISSED = _("{ref} will no longer be proposed as the same matter.")
MSG_EXTENSION_INTRO = _(
    "One extension, approved by the head of the handling unit, of at most {days} days under this "
    "profile. The reason is shown to the petitioner."
)
MSG_PROFILE_SWITCHED = _("From now on, new petitions are registered under {profile}.")
MSG_BAD_BASELINE = _("The baseline must be a date (YYYY-MM-DD) not after today.")

FILTER_LABELS = web.FILTER_LABELS | {
    "petition_type": _("type"), "channel": _("channel"),
    "received_from": _("received from"), "received_to": _("received until"),
    "first_only": _("first petitions only"), "repeat_only": _("repeat petitions only"),
    "backlog_only": _("backlog only"),
}
SORT_LABELS = web.sort_labels("received")
LIST_PAGE = web.ListPage(selectors.PetitionFilters, labels=FILTER_LABELS, page="petitions/list.html",
                         results="petitions/_list_results.html", rows="petitions/_list_rows.html")


def _petition_or_404(user: Any, ref: str) -> Petition:
    return web.case_or_404(selectors.petition_get(user=user, ref=ref))


# --- The list ----------------------------------------------------------------------------


def _list_options(request: HttpRequest) -> dict[str, Any]:
    scope = scope_for(request.user)
    units = (Unit.objects.filter(scope.unit_q()).exclude(kind=UnitKind.DEPARTMENT)
             .exclude(kind__in=GRID_KINDS).order_by("prefix"))
    return {
        "unit_options": [(u.prefix, web.indented_name(u)) for u in units],
        "menus": web.filter_menus(
            request,
            ("status", _("Status"), Status.choices),
            ("petition_type", _("Type"), PetitionType.choices),
            ("channel", _("Channel"), Channel.choices),
            ("category", _("Category"), Category.choices),
            ("due_state", _("Due state"), DUE_STATES),
        ),
        "sort_options": list(SORT_LABELS.items()),
        "list_id": "petition", "list_url": reverse("petitions:list"),
        "may_set_rules": may_switch_profile(request.user),
        "search_placeholder": _("Reference or matter"),
        "switches": [("open_only", _("Open items only")), ("backlog_only", _("Backlog only")),
                     ("first_only", _("First petitions only")), ("repeat_only", _("Repeat petitions only"))],
    }


@login_required
@vary_on_headers("HX-Request")
def petition_list(request: HttpRequest) -> HttpResponse:
    return web.list_response(
        request, LIST_PAGE, page_context=lambda: _list_options(request),
        queryset=lambda f: selectors.petition_list(user=request.user, filters=f)
        .select_related("unit", "handling_unit"),
    )


def _petition_workbook(request: HttpRequest, filters: selectors.PetitionFilters) -> bytes:
    """Petitioners masked: the full export is the command's, for a user allowed every row, and
    is logged row by row."""
    from pingan.petitions.ledger import export_petitions  # openpyxl is heavy: only exports need it

    return export_petitions(filters, user=request.user)


petition_export = web.export_view(LIST_PAGE, filename="信访台账", write=_petition_workbook,
                                  options=_list_options)


# --- Registration ------------------------------------------------------------------------


@login_required
def petition_new(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                petition = services.petition_register(
                    actor=request.user, unit=data["unit"], channel=data["channel"],
                    petition_type=data["petition_type"], category=data["category"] or None,
                    handling_unit=data["handling_unit"], title=data["title"], matter=data["matter"],
                    petitioner_name=data["petitioner_name"], id_number=data["id_number"],
                    phone=data["phone"], address=data["address"], received_at=data["received_at"],
                    repeat_of=data["repeat_of"] or None,
                )
            except errors.DomainError as exc:
                web.attach_error(form, exc)
                status = exc.status
            else:
                messages.success(request, MSG_REGISTERED.format(ref=petition.ref))
                return redirect("petitions:detail", ref=petition.ref)
    return render(request, "petitions/new.html", {"form": form}, status=status)


# --- One petition ------------------------------------------------------------------------


def _render_detail(request: HttpRequest, petition: Petition, *, bound: dict[str, forms.Form] | None = None,
                   status: int = 200, full_petitioner: Any = None) -> HttpResponse:
    """The petition page; ``bound`` holds a form that came back with errors, shown open."""
    bound = bound or {}
    user = request.user
    now = timezone.now()
    version = {"version": petition.version}
    is_backlog = Petition.objects.filter(selectors.backlog_q(now), pk=petition.pk).exists()
    can_link = services.may_link(petition, user)
    actions = web.step_actions(
        petition, user, workflow=PETITION_WORKFLOW, bound=bound,
        form=lambda name: StepForm(petition=petition, name=name, initial=version),
        url=lambda name: reverse("petitions:step", args=[petition.ref, name]),
    )
    if services.may_extend(petition, user):
        longest = rulebook(petition.profile).longest_extension(petition.resolution_days)
        actions.append(web.Action(
            key="extend", label=_("Extend the term"), url=reverse("petitions:extend", args=[petition.ref]),
            form=bound.get("extend") or ExtendForm(initial={**version, "days": longest}),
            intro=MSG_EXTENSION_INTRO.format(days=longest),
        ))
    if reply_notice_refusal(petition, user, now) is None:
        actions.append(web.Action(
            key="reply-notice", label=_("Print the reply notice again"), submit=_("Print with a new code"),
            url=reverse("petitions:reply-notice", args=[petition.ref]), form=ReplyNoticeForm(),
            intro=_("The notice gets a new code for the petitioner's answer; the code on the "
                    "earlier notice stops working."),
        ))
    if services.may_designate(petition, user, now):
        actions.append(web.Action(
            key="backlog", label=_("Responsible leader"), style="outline-danger", submit=_("Save"),
            url=reverse("petitions:backlog-assign", args=[petition.ref]),
            form=bound.get("backlog") or BacklogForm(initial={
                **version, "leader": petition.backlog_leader, "target_date": petition.backlog_target_date}),
            intro=_("A backlog case (积案) answers to a named leader, who clears it by the target date."),
        ))
    return render(request, "petitions/detail.html", {
        "petition": petition,
        "status_label": PETITION_WORKFLOW.label(petition.status),
        "petitioner": full_petitioner or selectors.petitioner_shown(user, petition),
        "may_view_full": full_petitioner is None and may_view_personal_data(user, petition),
        "clock": selectors.petition_clock(petition, now),
        "review": review_path(petition),
        "term": selectors.running_term(petition, now),
        "articles": rulebook(petition.profile).articles(petition.petition_type),
        "is_backlog": is_backlog,
        "actions": actions,
        "open_form": next(iter(bound), None),
        "refused": web.refused_messages({k: f for k, f in bound.items() if k != "repeat"}, actions),
        "can_link": can_link,
        "candidates": selectors.repeat_candidates(petition, user=user) if can_link else [],
        "repeats": selectors.petition_repeats(user=user, petition=petition),
        "repeat_error": bound.get("repeat"),
        "repeat_decisions": RepeatForm.base_fields["decision"].choices,
        "timeline": web.timeline(petition, workflow=PETITION_WORKFLOW, choices=TIMELINE_CHOICES,
                                 labels=TIMELINE_LABELS),
    }, status=status)


@login_required
def petition_detail(request: HttpRequest, ref: str) -> HttpResponse:
    petition = selectors.petition_get(user=request.user, ref=ref)
    if petition is None:
        # The clerk who registered an accusation, once the discipline office has it.
        receipt = selectors.petition_receipt(user=request.user, ref=ref)
        if receipt is not None:
            return render(request, "petitions/receipt.html", {
                "petition": receipt, "status_label": PETITION_WORKFLOW.label(receipt.status)})
    return _render_detail(request, web.case_or_404(petition))


@login_required
@require_POST
def petition_petitioner(request: HttpRequest, ref: str) -> HttpResponse:
    """The petitioner in full, on this page only: the reading is an event, and reloading
    the page masks them again."""
    petition = _petition_or_404(request.user, ref)
    try:
        full = services.petition_personal_data(petition=petition, actor=request.user)
    except errors.DomainError as exc:
        messages.error(request, exc.message)
        return redirect("petitions:detail", ref=petition.ref)
    response = _render_detail(request, _petition_or_404(request.user, ref), full_petitioner=full)
    response["Cache-Control"] = "no-store"
    return response


def _act(request: HttpRequest, ref: str, *, key: str, form: Callable[[Petition], forms.Form],
         run: Callable[[Petition, Any], str | None]) -> HttpResponse:
    petition = _petition_or_404(request.user, ref)

    def rerender(bound: dict[str, forms.Form], status: int) -> HttpResponse:
        # Read again: the page shows what is stored, not what the failed attempt held in memory.
        return _render_detail(request, _petition_or_404(request.user, ref), bound=bound, status=status)

    return web.act(request, petition, key=key, form=form(petition), detail_url="petitions:detail",
                   run=lambda bound: run(petition, bound), rerender=rerender)


@login_required
@require_POST
def petition_step(request: HttpRequest, ref: str, name: str) -> HttpResponse:
    transition = web.transition_or_404(PETITION_WORKFLOW, name)

    notices: list[ReplyNotice] = []

    def run(petition: Petition, bound: StepForm) -> str:
        services.petition_transition(
            petition=petition, name=name, actor=request.user, expected_version=bound.cleaned_data["version"],
            note=bound.cleaned_data["note"], **bound.inputs(),
        )
        notices.extend(filter(None, [getattr(petition, "reply_notice", None)]))
        return MSG_STEP_DONE.format(step=transition.label)

    response = _act(request, ref, key=name, run=run,
                    form=lambda p: StepForm(request.POST, petition=p, name=name))
    # A reply's answer is its notice, to print now: the code on it is shown only this once.
    return _render_notice(request, notices[0]) if notices else response


def _render_notice(request: HttpRequest, notice: ReplyNotice) -> HttpResponse:
    petition = notice.petition
    reply = petition.events.filter(transition="reply").order_by("-seq").first()
    response = render(request, "petitions/reply_notice.html", {
        "notice": notice, "petition": petition, "reply": reply,
        "answer_url": request.build_absolute_uri(reverse("public-satisfaction")),
    })
    response["Cache-Control"] = "no-store"  # the code must not stay in a cache
    return response


@login_required
@require_POST
def reply_notice(request: HttpRequest, ref: str) -> HttpResponse:
    petition = _petition_or_404(request.user, ref)
    try:
        notice = petition_reply_notice(petition=petition, actor=request.user)
    except errors.NotFound:
        raise Http404(errors.MSG_NOT_FOUND) from None
    except errors.DomainError as exc:
        messages.error(request, exc.message)
        return redirect("petitions:detail", ref=petition.ref)
    return _render_notice(request, notice)


@login_required
@require_POST
def petition_extend(request: HttpRequest, ref: str) -> HttpResponse:
    def run(petition: Petition, bound: ExtendForm) -> str:
        data = bound.cleaned_data
        services.petition_extend(petition=petition, actor=request.user,
                                 expected_version=data["version"], days=data["days"],
                                 reason=data["reason"])
        return MSG_EXTENDED.format(due=f"{timezone.localtime(petition.due_at):%Y-%m-%d}")

    return _act(request, ref, key="extend", form=lambda p: ExtendForm(request.POST), run=run)


@login_required
@require_POST
def petition_backlog(request: HttpRequest, ref: str) -> HttpResponse:
    def run(petition: Petition, bound: BacklogForm) -> str:
        data = bound.cleaned_data
        services.petition_backlog_assign(petition=petition, actor=request.user,
                                         expected_version=data["version"], leader=data["leader"],
                                         target_date=data["target_date"])
        return str(MSG_BACKLOG_SET)

    return _act(request, ref, key="backlog", form=lambda p: BacklogForm(request.POST), run=run)


@login_required
@require_POST
def petition_repeat(request: HttpRequest, ref: str) -> HttpResponse:
    def run(petition: Petition, bound: RepeatForm) -> str:
        data = bound.cleaned_data
        common = {"petition": petition, "actor": request.user, "expected_version": data["version"]}
        if data["decision"] == "confirm":
            services.petition_repeat_confirm(original_ref=data["original"], **common)
            return MSG_REPEAT_CONFIRMED.format(ref=data["original"].upper())
        dismissed = data["original"] or (petition.repeat_of.ref if petition.repeat_of else "")
        services.petition_repeat_unlink(original_ref=data["original"] or None, **common)
        return MSG_REPEAT_DISMISSED.format(ref=dismissed)

    return _act(request, ref, key="repeat", form=lambda p: RepeatForm(request.POST), run=run)


# --- The backlog board -------------------------------------------------------------------


def _baseline(value: str | None) -> dt.date | None:
    """The district's baseline date: by default the first day of the year."""
    today = timezone.localdate()
    if not value:
        return today.replace(month=1, day=1)
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return day if day <= today else None


@login_required
def backlog_board(request: HttpRequest) -> HttpResponse:
    """存量清零、增量随清: per unit, the stock at the baseline and what was cleared, the
    increment since and what was cleared on time, the three rates; below, the backlog cases
    with their responsible leaders."""
    baseline = _baseline(request.GET.get("baseline"))
    problems = [] if baseline is not None else [str(MSG_BAD_BASELINE)]
    parent = selectors.board_unit(user=request.user, prefix=request.GET.get("unit") or None)
    if parent is None:
        raise Http404(errors.MSG_NOT_FOUND)
    metrics = None
    if baseline is not None:
        metrics = selectors.backlog_metrics(user=request.user, baseline=baseline,
                                            units=selectors.backlog_units(parent.prefix))
    now = timezone.now()
    cases = (Petition.objects.visible_to(request.user).filter(selectors.backlog_q(now))
             .select_related("unit", "handling_unit")
             .order_by(Coalesce("due_at", "resolution_due_at"), "id"))
    cases = cases.filter(parent.subtree_q("unit_prefix"))
    return render(request, "petitions/backlog.html", {
        "baseline": baseline or _baseline(None), "metrics": metrics, "problems": problems,
        "parent": parent, "ancestors": parent.ancestors()[::-1],
        "cases": cases[:BOARD_CASES], "case_count": cases.count(), "now": now,
    }, status=400 if problems else 200)


# --- The district's petition rules ------------------------------------------------------


class ProfileSwitchForm(web.StyledForm):
    """The district admin's choice of profile; shown a second time to be confirmed."""

    profile = forms.ChoiceField(label=_("Profile for petitions registered from now on"),
                                choices=Profile.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Why"), max_length=300,
                             help_text=_("For example, the notice that orders the change."))
    expected = forms.ChoiceField(choices=Profile.choices, widget=forms.HiddenInput)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


def _terms_side_by_side() -> list[dict[str, Any]]:
    """Each rule under each profile, as the district admin compares them before a switch."""
    books = [rulebook(profile) for profile in Profile.values]
    return [{"label": label,
             "terms": [(book.statute, book.term(rule), book.citation(rule)) for book in books]}
            for rule, label in Rule.choices]


@login_required
def profile_settings(request: HttpRequest) -> HttpResponse:
    """Which profile the district follows, the record of every switch, and the switch: asked,
    then confirmed, then made by the service, which decides who may and what is refused."""
    if not may_switch_profile(request.user):
        raise PermissionDenied
    in_force = profile_in_force()
    form = ProfileSwitchForm(request.POST or None, initial={"expected": in_force.profile,
                                                           "profile": in_force.profile})
    to_confirm = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            ask = {"profile": data["profile"], "expected": data["expected"]}
            try:
                if data["confirmed"]:
                    record = petition_profile_switch(actor=request.user, reason=data["reason"], **ask)
                    messages.success(request, MSG_PROFILE_SWITCHED.format(
                        profile=record.get_profile_display()))
                    return redirect("petitions:settings")
                refusal = profile_switch_refusal(**ask)
            except errors.DomainError as exc:
                refusal = exc
            if refusal is None:
                to_confirm, status = Profile(data["profile"]), 200
            else:
                web.attach_error(form, refusal)
                status = refusal.status
    return render(request, "petitions/settings.html", {
        "in_force": in_force, "form": form, "to_confirm": to_confirm,
        "profiles": Profile.choices, "terms": _terms_side_by_side(),
        "history": ProfileInForce.objects.select_related("switched_by"),
        "open_kept": Petition.objects.visible_to(request.user).filter(
            is_open=True, profile=in_force.profile).count(),
    }, status=status)


# --- The deadline calculator moved to the core -----------------------------------------


def deadline_moved(request: HttpRequest) -> HttpResponse:
    """The calculator serves every domain now, at ``/deadline/``: bookmarks land there, with
    the question they asked."""
    query = request.META.get("QUERY_STRING", "")
    return redirect(reverse("deadline") + (f"?{query}" if query else ""), permanent=True)


# --- The petitioner's answer, in public --------------------------------------------------


def _client_address(request: HttpRequest) -> str:
    """Where the answer comes from, as the proxy in front reports it when one is named."""
    header = settings.PINGAN_CLIENT_ADDRESS_HEADER
    forwarded = request.META.get(header, "") if header else ""
    # X-Forwarded-For lists a chain: the first address is the client's.
    return forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR", "")


def public_satisfaction(request: HttpRequest) -> HttpResponse:
    """No login: the reference and the code on the reply notice, and the answer. Says
    nothing about the petition but its reference and, to a dissatisfied petitioner, where
    to ask for a review and by when."""
    form = PublicSatisfactionForm(request.POST or None)
    status, answer = 200, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                answer = petition_satisfaction_answer(
                    reference=data["reference"], code=data["code"], satisfaction=data["satisfaction"],
                    client=_client_address(request))
            except errors.DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                status = 200
    response = render(request, "petitions/public_satisfaction.html",
                      {"form": form, "answer": answer}, status=status)
    response["Cache-Control"] = "no-store"
    return response
