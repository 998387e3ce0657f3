"""Meeting and circular pages. Thin: reads through ``meetings`` and ``circulars`` (which start
from what the user may see), writes through their services, whose messages are shown as
they are. A meeting or circular outside the user's reach is a 404.

A decision is confirmed or dropped in place (HTMX swaps the decision's card); without
JavaScript the forms post and come back to the meeting's page.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from pingan.core import errors, web
from pingan.core.models import Domain, Leadership, Unit
from pingan.core.pagination import keyset_page
from pingan.supervision import circulars, documents, meetings, services
from pingan.supervision.models import Circular, CircularKind, Decision, Meeting, Origin

MSG_CIRCULAR_TASK = _("{unit}: follow up circular {circular}")
MSG_CIRCULAR_ORIGIN = _("Circular {circular}")
MSG_RECORDED = _("Meeting recorded: {count} decisions proposed from its report. Confirm, edit or drop each.")
MSG_PROPOSED = _("{count} decisions proposed from the report.")
MSG_CONFIRMED = _("Decision {number} confirmed: {count} supervised tasks created.")
MSG_DROPPED = _("Decision {number} dropped.")
MSG_ADDED = _("Decision {number} added.")
MSG_DRAFTED = _("Circular drafted. Check the preview, then publish it.")
MSG_PUBLISHED = _("Circular published: its Word and PDF documents are ready.")


class MeetingForm(web.StyledForm):
    unit = forms.ModelChoiceField(label=_("Convening unit"), queryset=Unit.objects.none())
    held_on = forms.DateField(label=_("Date"), widget=web.date_input())
    title = forms.CharField(label=_("Title"), max_length=Meeting._meta.get_field("title").max_length)
    chair = forms.CharField(label=_("Chair"), max_length=Meeting._meta.get_field("chair").max_length)
    attendees = forms.CharField(label=_("Attendees"), required=False,
                                widget=forms.Textarea(attrs={"rows": 2}))
    report = forms.CharField(label=_("Meeting report"), required=False,
                             widget=forms.Textarea(attrs={"rows": 8}),
                             help_text=_("Paste the report: its numbered orders (一要…二要…) become proposed "
                                         "decisions."))
    report_file = forms.FileField(label=_("…or upload it (.txt or .docx)"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = meetings.convening_units(user)
        self.fields["unit"].label_from_instance = web.indented_name


class ProposeForm(web.StyledForm):
    report = forms.CharField(label=_("Meeting report"), widget=forms.Textarea(attrs={"rows": 6}))


class AddDecisionForm(web.StyledForm):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}))


class ConfirmForm(web.StyledForm):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 3}))
    domain = forms.ChoiceField(label=_("Domain"), required=False,
                               choices=[("", _("Other"))] + list(Domain.choices))
    owners = forms.ModelMultipleChoiceField(label=_("Units that carry it out (the first leads)"),
                                            queryset=Unit.objects.none(), required=False,
                                            widget=forms.SelectMultiple(attrs={"size": 4}))
    due_date = forms.DateField(label=_("Deadline"), required=False, widget=web.date_input())
    leadership = forms.ModelChoiceField(label=_("Responsible leader"), required=False,
                                        queryset=Leadership.objects.none())

    def __init__(self, *args: Any, decision: Decision, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"d{decision.pk}")
        kwargs.setdefault("initial", {"text": decision.text, "domain": decision.domain,
                                      "owners": list(decision.owners.all()), "due_date": decision.due_date})
        super().__init__(*args, **kwargs)
        self.fields["owners"].queryset = meetings.owner_choices(decision.meeting.unit)
        # The leaders in charge of supervision at the meeting's unit or above: they answer for
        # every task a decision gives out, whichever unit carries it.
        leadership = cast(forms.ModelChoiceField, self.fields["leadership"])
        leadership.queryset = services.leader_options(decision.meeting.unit).select_related("user", "unit")
        leadership.label_from_instance = web.leader_label


class CircularForm(web.StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=CircularKind.choices)
    title = forms.CharField(label=_("Title"), max_length=Circular._meta.get_field("title").max_length)
    number = forms.CharField(label=_("Document number"), required=False,
                             max_length=Circular._meta.get_field("number").max_length,
                             help_text=Circular._meta.get_field("number").help_text)
    period = forms.CharField(label=_("Period"), required=False, max_length=7,
                             help_text=_("For a ranking: 2026Q1 or 2026-03."))
    unit = forms.ModelChoiceField(label=_("Unit named"), required=False, queryset=Unit.objects.none(),
                                  help_text=_("For a failure of duty."))
    facts = forms.CharField(label=_("Facts"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    lesson = forms.CharField(label=_("Lesson and requirements"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        root = circulars.district()
        self.fields["unit"].queryset = meetings.owner_choices(root) if root else Unit.objects.none()
        self.fields["unit"].label_from_instance = web.indented_name


class PublishForm(web.StyledForm):
    number = forms.CharField(label=_("Document number"), required=False,
                             max_length=Circular._meta.get_field("number").max_length)


# --- meetings ------------------------------------------------------------------------------

def _meeting_or_404(user: Any, pk: int) -> Meeting:
    meeting = meetings.meeting_get(user=user, pk=pk)
    if meeting is None:
        raise Http404(errors.MSG_NOT_FOUND)
    return meeting


def _decision_or_404(user: Any, pk: int) -> Decision:
    decision = meetings.decision_get(user=user, pk=pk)
    if decision is None:
        raise Http404(errors.MSG_NOT_FOUND)
    return decision


def _paged_list(request: HttpRequest, queryset: Any, *, ordering: list[str], page: str, rows: str,
                context: dict[str, Any]) -> HttpResponse:
    """A keyset-paged list: the page, or for htmx's "load more" only the next rows."""
    try:
        items, next_cursor = keyset_page(queryset, ordering=ordering, cursor=request.GET.get("after"),
                                         limit=web.PAGE_SIZE)
    except errors.DomainError as exc:  # a cursor this list did not give out
        return HttpResponseBadRequest(exc.message)
    context = {**context, "items": items, "next_cursor": next_cursor, "rows": rows}
    return render(request, rows if request.headers.get("HX-Request") else page, context)


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    return _paged_list(request, meetings.meeting_list(user=request.user), ordering=meetings.MEETING_ORDER,
                       page="supervision/meetings/list.html", rows="supervision/meetings/_rows.html",
                       context={"section": "meetings",
                                "may_record": meetings.convening_units(request.user).exists()})


@login_required
def meeting_new(request: HttpRequest) -> HttpResponse:
    form = MeetingForm(request.POST or None, request.FILES or None, user=request.user,
                       initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = data["report"]
            if data["report_file"]:
                upload = data["report_file"]
                # One byte past the limit is enough to refuse it: a huge upload is not read whole.
                report = meetings.report_text(upload.name,
                                              upload.read(settings.PINGAN_MEETING_REPORT_MAX_BYTES + 1))
            meeting = meetings.meeting_record(
                actor=request.user, unit=data["unit"], held_on=data["held_on"], title=data["title"],
                chair=data["chair"], attendees=data["attendees"], report=report)
        except errors.DomainError as exc:
            web.attach_error(form, exc)
        else:
            messages.success(request, MSG_RECORDED.format(count=meeting.decisions.count()))
            return redirect("supervision:meeting", meeting.pk)
    status = 400 if form.is_bound else 200
    return render(request, "supervision/meetings/new.html", {"section": "meetings", "form": form},
                  status=status)


def _decision_card(request: HttpRequest, decision: Decision, form: ConfirmForm | None = None) -> dict[str,
                                                                                                      Any]:
    may_decide = meetings.may_confirm(decision, request.user)
    return {"decision": decision, "may_decide": may_decide,
            "confirm_form": form or (ConfirmForm(decision=decision) if may_decide else None)}


def _render_meeting(request: HttpRequest, meeting: Meeting, *, propose_form: ProposeForm | None = None,
                    add_form: AddDecisionForm | None = None, status: int = 200) -> HttpResponse:
    may_propose = meetings.may_propose(meeting, request.user)
    return render(request, "supervision/meetings/detail.html", {
        "section": "meetings",
        "meeting": meeting,
        "cards": [_decision_card(request, d) for d in meetings.meeting_decisions(meeting)],
        "propose_form": propose_form or (ProposeForm(initial={"report": meeting.report})
                                         if may_propose else None),
        "add_form": add_form or (AddDecisionForm() if may_propose else None),
    }, status=status)


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_meeting(request, _meeting_or_404(request.user, pk))


def _submit(request: HttpRequest, form: forms.Form, run: Callable[[dict[str, Any]], str], *,
            done: str, again: Callable[[forms.Form], HttpResponse]) -> HttpResponse:
    """Run a service on a valid form: its message and back to ``done``; refused or invalid,
    the page ``again`` with the form and the refusal on it."""
    if form.is_valid():
        try:
            message = run(form.cleaned_data)
        except errors.DomainError as exc:
            web.attach_error(form, exc)
        else:
            messages.success(request, message)
            return redirect(done)
    return again(form)


@login_required
@require_POST
def meeting_propose(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_or_404(request.user, pk)

    def run(data: dict[str, Any]) -> str:
        found = meetings.decisions_propose(actor=request.user, meeting=meeting, report=data["report"])
        return MSG_PROPOSED.format(count=len(found))

    return _submit(request, ProposeForm(request.POST), run, done=reverse("supervision:meeting", args=[pk]),
                   again=lambda form: _render_meeting(request, meeting, propose_form=form, status=400))


@login_required
@require_POST
def decision_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting_or_404(request.user, pk)

    def run(data: dict[str, Any]) -> str:
        decision = meetings.decision_add(actor=request.user, meeting=meeting, text=data["text"])
        return MSG_ADDED.format(number=decision.number)

    return _submit(request, AddDecisionForm(request.POST), run, done=reverse("supervision:meeting",
                                                                             args=[pk]),
                   again=lambda form: _render_meeting(request, meeting, add_form=form, status=400))


def _answer_decision(request: HttpRequest, decision: Decision, *, form: ConfirmForm | None = None,
                     status: int = 200) -> HttpResponse:
    """An HTMX request gets the decision's card; a plain post goes back to the meeting."""
    if request.headers.get("HX-Request"):
        decision.refresh_from_db()
        # 200 even when refused: htmx swaps only 2xx answers, and the card shows the refusal.
        return render(request, "supervision/meetings/_decision.html", _decision_card(request, decision, form))
    if status >= 400:
        return _render_meeting(request, decision.meeting, status=status)
    return redirect("supervision:meeting", decision.meeting_id)


def _lead_first(decision: Decision, owners: Any) -> list[Unit]:
    """A list box gives the units in the tree's order: the proposed lead, if still chosen, leads."""
    return sorted(owners, key=lambda unit: unit.pk != decision.owner_id)


@login_required
@require_POST
def decision_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    decision = _decision_or_404(request.user, pk)
    form = ConfirmForm(request.POST, decision=decision)
    if form.is_valid():
        data = form.cleaned_data
        try:
            tasks = meetings.decision_confirm(actor=request.user, decision=decision, text=data["text"],
                                              domain=data["domain"],
                                              owners=_lead_first(decision, data["owners"]),
                                              due_date=data["due_date"],
                                              responsible_leader=data["leadership"].user
                                              if data["leadership"] else None)
        except errors.DomainError as exc:
            web.attach_error(form, exc)
        else:
            messages.success(request, MSG_CONFIRMED.format(number=decision.number, count=len(tasks)))
            return _answer_decision(request, decision)
    return _answer_decision(request, decision, form=form, status=400)


@login_required
@require_POST
def decision_drop(request: HttpRequest, pk: int) -> HttpResponse:
    decision = _decision_or_404(request.user, pk)
    try:
        meetings.decision_drop(actor=request.user, decision=decision)
    except errors.DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, MSG_DROPPED.format(number=decision.number))
    return _answer_decision(request, decision)


# --- circulars -----------------------------------------------------------------------------

def _circular_or_404(user: Any, pk: int) -> Circular:
    circular = circulars.circular_get(user=user, pk=pk)
    if circular is None:
        raise Http404(errors.MSG_NOT_FOUND)
    return circular


@login_required
def circular_list(request: HttpRequest) -> HttpResponse:
    return _paged_list(request, circulars.circular_list(user=request.user), ordering=circulars.CIRCULAR_ORDER,
                       page="supervision/circulars/list.html", rows="supervision/circulars/_rows.html",
                       context={"section": "circulars", "may_manage": circulars.may_manage(request.user)})


@login_required
def circular_new(request: HttpRequest) -> HttpResponse:
    if not circulars.may_manage(request.user):
        raise Http404(errors.MSG_NOT_FOUND)
    form = CircularForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            circular = circulars.circular_draft(actor=request.user, kind=data["kind"], title=data["title"],
                                                period=data["period"], number=data["number"],
                                                unit=data["unit"],
                                                facts=data["facts"], lesson=data["lesson"])
        except errors.DomainError as exc:
            web.attach_error(form, exc)
        else:
            messages.success(request, MSG_DRAFTED)
            return redirect("supervision:circular", circular.pk)
    status = 400 if form.is_bound else 200
    return render(request, "supervision/circulars/new.html", {"section": "circulars", "form": form},
                  status=status)


def _follow_up_tasks(request: HttpRequest, circular: Circular) -> list[tuple[Unit, str]]:
    """For the office that assigns tasks: each unit a published circular names, with the
    query string of a supervised task on it (supervision:task-new's prefill; one per unit)."""
    if not circular.is_published or not services.may_create_task(request.user):
        return []
    link = reverse("supervision:circular", args=[circular.pk])
    label = circular.number or circular.title
    return [(unit, urlencode({
        "origin": Origin.CIRCULAR, "origin_key": f"circular:{circular.pk}:{unit.code}",
        "origin_label": str(MSG_CIRCULAR_ORIGIN.format(circular=label))[:200], "origin_link": link,
        "title": str(MSG_CIRCULAR_TASK.format(unit=unit.name, circular=label))[:200],
        "unit": unit.code, **({"lead": unit.code} if unit.is_department else {}),
    })) for unit in circular.named_units.order_by("prefix")]


def _render_circular(request: HttpRequest, circular: Circular, *, form: PublishForm | None = None,
                     status: int = 200) -> HttpResponse:
    content = circulars.circular_content(circular, actor=request.user)
    may_publish = circulars.may_publish(circular, request.user)
    return render(request, "supervision/circulars/detail.html", {
        "section": "circulars",
        "circular": circular,
        "document": documents.document_context(circular, content),
        "publish_form": form or (PublishForm(initial={"number": circular.number}) if may_publish else None),
        "follow_up": _follow_up_tasks(request, circular),
    }, status=status)


@login_required
def circular_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_circular(request, _circular_or_404(request.user, pk))


@login_required
@require_POST
def circular_publish(request: HttpRequest, pk: int) -> HttpResponse:
    circular = _circular_or_404(request.user, pk)

    def run(data: dict[str, Any]) -> str:
        circulars.circular_publish(actor=request.user, circular=circular, number=data["number"])
        return str(MSG_PUBLISHED)

    return _submit(request, PublishForm(request.POST), run, done=reverse("supervision:circular", args=[pk]),
                   again=lambda form: _render_circular(request, circular, form=form, status=400))


@login_required
def circular_file(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    circular = _circular_or_404(request.user, pk)
    try:
        data, name, content_type = circulars.circular_file(circular, kind)
    except errors.DomainError as exc:
        raise Http404(exc.message) from exc
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=name, content_type=content_type)
