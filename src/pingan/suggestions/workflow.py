"""The loop of a deputy's suggestion or a member's proposal (建议提案办理):

registered (登记) → assigned (交办) to a lead unit, with co-handlers → [returned (退回) within
the return window, once per unit, then re-assigned: every term counts again] → contact with
the proposer (沟通联系), co-handlers' opinions (协办意见) on the way, one extension if the
assigning office approves it → replied (答复), with the reply document and its result class
(A–D; a B or C reply promises a date) → rated (测评) by the assigning office for the proposer:
满意 or 基本满意 closes it (or, with a promise open, keeps it until the promise is kept);
不满意 the first time opens the re-handling (重新办理), whose reply is rated again, finally.

Who is who:
- the lead (主办单位) is ``suggestion.department`` (or the town that leads: the case's unit);
  its people are the handlers (or above) holding a role at that very unit;
- the assigning office is a handler (or above) at the district unit itself, of every domain
  or of this one (``Scope.is_district_office``);
- co-handlers (协办单位) send their opinion through ``services.suggestion_co_opinion``, not a
  step of this table: the core's scope does not reach them, the suggestion's does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core.attachments import step_attachments
from pingan.core.deadlines import NO_DEADLINE_FIELDS, end_of_day, local_date
from pingan.core.models import Case
from pingan.core.people import lead_people, lead_unit
from pingan.core.scoping import scope_for
from pingan.core.workflow import Effect, Input, InputKind, Step, Transition, Workflow, lead_only
from pingan.suggestions import terms
from pingan.suggestions.models import DOMAIN, KIND, Contact, ContactWay, Return, Satisfaction, Status
from pingan.suggestions.terms import Term

MSG_NOT_OF_LEAD = _("Only the people of the lead handling unit ({unit}) take this step.")
MSG_NOT_ASSIGNING_OFFICE = _("Only the office that assigns suggestions and proposals takes this step.")
MSG_RETURN_WINDOW_CLOSED = _("The return window closed on {date}: an assignment is returned within "
                             "{days} days of receiving it.")
MSG_RETURNED_BEFORE = _("{unit} has returned this item once already: it may not return it again.")
MSG_EXTENDED_ALREADY = _("The reply deadline has been extended once already.")
MSG_EXTENSION_PENDING = _("An extension has been asked for already: the assigning office decides on it.")
MSG_NO_EXTENSION_ASKED = _("No extension has been asked for.")
MSG_CONTACT_FIRST = _("Record the contact with the proposer (visit, phone or meeting) before replying.")
MSG_REPLY_DOCUMENT = _("Attach the reply document.")
MSG_RESULT_CLASS = _("Choose the result class of the reply.")
MSG_PROMISE_REQUIRED = _("A reply of class {code} promises a date by which the matter will be done: give it.")
MSG_PROMISE_NOT_ASKED = _("Only a reply of class {classes} promises a date.")
MSG_PROMISE_PAST = _("The promised date must be after the reply ({date}).")
MSG_PROMISE_TOO_FAR = _("The promised date is more than {years} years ahead: at most {latest}.")
MSG_CONTACT_WAY = _("Say how the proposer was contacted: a visit, a phone call or a meeting.")
MSG_EXTENSION_TOO_LATE = _("The reply was due on {date}: an extension is asked for before the reply "
                           "falls due.")
MSG_CONTACT_FUTURE = _("The contact cannot be dated after today ({date}).")
MSG_CONTACT_BEFORE_ASSIGNMENT = _("The contact must be on or after the assignment ({date}).")
MSG_ASSIGN_NAMES_LEAD = _("An assignment names the lead unit and any co-handlers: assign on the assignment "
                          "form (over the API, POST …/assign).")
MSG_CO_OPINION_FORM = _("A co-handler sends its opinion on its own form, as the co-handling unit.")
MSG_SATISFACTION = _("Choose the proposer's satisfaction.")
MSG_REHANDLE_FIRST = _("A dissatisfied proposer's item is handled again first: record it as dissatisfied, "
                       "to be re-handled.")
MSG_PROMISE_OPEN = _("The reply promised a date: the rating keeps the item open until the promise is kept.")
MSG_NO_PROMISE = _("The reply promised no date.")
MSG_REHANDLED_ALREADY = _("The item has been re-handled once already: this rating is final.")

REPLY_FILE_TYPES = "application/pdf,image/*"


def result_classes() -> dict[str, tuple[Any, bool]]:
    """code -> (label, whether a reply of the class promises a date): the setting."""
    return dict(settings.PINGAN_SUGGESTION_RESULT_CLASSES)


def promising_classes() -> list[str]:
    return [code for code, (_label, promises) in result_classes().items() if promises]


def result_class_label(code: str) -> str:
    entry = result_classes().get(code)
    return str(entry[0]) if entry else code


def is_assigning_office(user: Any) -> bool:
    return scope_for(user).is_district_office(DOMAIN)


def handling_began(suggestion: Any) -> dt.datetime:
    """When the handling now under way began: the rating that opened the re-handling, else
    the assignment in force. A reply needs a contact with the proposer, and its document,
    since then."""
    moment = suggestion.rated_at if suggestion.status == Status.REHANDLING else suggestion.assigned_at
    return moment or suggestion.opened_at


def handling_started(suggestion: Any) -> dt.date:
    return local_date(handling_began(suggestion))


def reply_document_given(suggestion: Any, files: Any) -> bool:
    """A reply document sent with the step, or uploaded (over the API) since the handling
    now under way began: a document of the first reply, or of a returned assignment, is not
    this reply's."""
    if files:
        return True
    return suggestion.attachments.filter(uploaded_at__gte=handling_began(suggestion)).exists()


# --- Who acts ------------------------------------------------------------------------------


actor_of_lead = lead_only(MSG_NOT_OF_LEAD)


def actor_is_assigning_office(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    return None if is_assigning_office(actor) else MSG_NOT_ASSIGNING_OFFICE


def lead_has_not_returned(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    lead = lead_unit(case)
    if Return.objects.filter(suggestion_id=case.pk, unit_id=lead.pk).exists():
        return MSG_RETURNED_BEFORE.format(unit=lead.name)
    return None


def within_return_window(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    # Judged on the day the step is taken: today, or the back-dated step's own day.
    today = local_date(data["at"]) if data.get("at") else timezone.localdate()
    if case.return_due is None or today <= case.return_due:  # type: ignore[attr-defined]
        return None
    return MSG_RETURN_WINDOW_CLOSED.format(date=case.return_due.isoformat(),  # type: ignore[attr-defined]
                                           days=terms.term(Term.RETURN)[0])


def reply_not_yet_due(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    """An extension is asked for while the reply is still in time: one asked for once the reply
    is overdue would wipe the lateness from the record (and from the league table)."""
    today = local_date(data["at"]) if data.get("at") else timezone.localdate()
    due = case.reply_due  # type: ignore[attr-defined]
    return MSG_EXTENSION_TOO_LATE.format(date=due.isoformat()) if due and today > due else None


def lead_chosen(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    """An assignment names its lead: ``services.suggestion_assign`` takes it; a bare step
    (the API's generic one) would start the clock with no one to answer it."""
    return None if data.get("lead") else MSG_ASSIGN_NAMES_LEAD


def through_co_handling(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    """Never a button: ``services.suggestion_co_opinion`` records the co-handler's opinion."""
    return MSG_CO_OPINION_FORM


def not_extended(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    return MSG_EXTENDED_ALREADY if case.extended_at else None


def no_extension_pending(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    return MSG_EXTENSION_PENDING if case.extension_requested_at else None  # type: ignore[attr-defined]


def extension_pending(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    return None if case.extension_requested_at else MSG_NO_EXTENSION_ASKED  # type: ignore[attr-defined]


# --- What is sent ----------------------------------------------------------------------------


def contact_recorded(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    since = handling_started(case)
    return None if Contact.objects.filter(suggestion_id=case.pk, contacted_on__gte=since).exists() \
        else MSG_CONTACT_FIRST


def reply_document_sent(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    return None if data.get("reply_document") else MSG_REPLY_DOCUMENT


def result_class_valid(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    """The class is one of the settings'; a promising class carries a date after the reply
    and within reach; another class carries none."""
    code = data.get("result_class")
    if code not in result_classes():
        return MSG_RESULT_CLASS
    promise, today = data.get("promise_due"), data["today"]
    if code in promising_classes():
        if promise is None:
            return MSG_PROMISE_REQUIRED.format(code=code)
        if promise <= today:
            return MSG_PROMISE_PAST.format(date=today.isoformat())
        latest = promise_latest(today)
        if promise > latest:
            return MSG_PROMISE_TOO_FAR.format(years=settings.PINGAN_SUGGESTION_PROMISE_MAX_YEARS,
                                              latest=latest.isoformat())
    elif promise is not None:
        return MSG_PROMISE_NOT_ASKED.format(classes="/".join(promising_classes()))
    return None


def promise_latest(day: dt.date) -> dt.date:
    year = day.year + settings.PINGAN_SUGGESTION_PROMISE_MAX_YEARS
    return day.replace(year=year, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=year)


def contact_valid(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    """A contact says how it was made, and falls between the assignment and today."""
    if data.get("way") not in ContactWay.values:
        return MSG_CONTACT_WAY
    day, today = data.get("contacted_on"), data["today"]
    if day is None:
        return None
    if day > today:
        return MSG_CONTACT_FUTURE.format(date=today.isoformat())
    assigned = local_date(case.assigned_at or case.opened_at)  # type: ignore[attr-defined]
    if day < assigned:
        return MSG_CONTACT_BEFORE_ASSIGNMENT.format(date=assigned.isoformat())
    return None


def satisfaction_given(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    satisfaction = data.get("satisfaction")
    if satisfaction not in Satisfaction.values:
        return MSG_SATISFACTION
    if satisfaction == Satisfaction.DISSATISFIED and not was_rehandled(case):
        return MSG_REHANDLE_FIRST
    return None


def was_rehandled(case: Any) -> bool:
    return case.rehandle_due is not None


def promise_open(case: Any) -> bool:
    return bool(case.promise_due) and case.promise_kept_at is None


def no_open_promise(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    return MSG_PROMISE_OPEN if promise_open(case) else None


def has_open_promise(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    return None if promise_open(case) else MSG_NO_PROMISE


def not_rehandled(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    return MSG_REHANDLED_ALREADY if was_rehandled(case) else None


# --- Inputs ----------------------------------------------------------------------------------

CONTACTED_ON = Input("contacted_on", _("Date of contact"), InputKind.DATE)
CONTACT_WAY = Input("way", _("Way"), InputKind.CHOICE, choices=ContactWay)
REPLY_DOCUMENT = Input("reply_document", _("Reply document"), InputKind.FILES, accept=REPLY_FILE_TYPES,
                       help_text=_("The signed reply as sent to the proposer (PDF or a scan)."))
RESULT_CLASS = Input("result_class", _("Result class"), InputKind.TEXT, max_length=2,
                     help_text=_("A solved or mostly solved, B being solved, C planned, D for reference "
                                 "or explained."))
PROMISE_DUE = Input("promise_due", _("Promised by"), InputKind.DATE,
                    help_text=_("For a class B or C reply: the date by which the matter will be done."))
SATISFACTION = Input("satisfaction", _("Proposer's satisfaction"), InputKind.CHOICE, choices=Satisfaction)
ATTACHMENTS = Input("attachments", _("Attachments"), InputKind.FILES, accept=REPLY_FILE_TYPES)


# --- Effects ---------------------------------------------------------------------------------


def _due_fields(term_name: str, start: dt.date) -> dict[str, Any]:
    return terms.count(term_name, start).case_fields()


def _return(step: Step) -> Effect:
    suggestion = step.case
    lead = lead_unit(suggestion)

    def then(event: Any) -> None:
        Return.objects.create(suggestion=suggestion, unit=lead, reason=step.note, returned_at=step.now,
                              returned_by=step.actor)
    # The office re-assigns: no term runs meanwhile.
    return Effect(changes=dict(NO_DEADLINE_FIELDS), notify=[suggestion.reporter], then=then)


def _record_contact(step: Step) -> Effect:
    day = step.get("contacted_on") or local_date(step.now)

    def then(event: Any) -> None:
        Contact.objects.create(suggestion=step.case, contacted_on=day, way=step.get("way"),
                               note=step.note, recorded_by=step.actor, recorded_at=step.now)
    return Effect(then=then, data={"today": local_date(step.now)})


def _request_extension(step: Step) -> Effect:
    return Effect(changes={"extension_requested_at": step.now}, notify=[step.case.reporter])


def _approve_extension(step: Step) -> Effect:
    suggestion = step.case
    deadline = terms.count(Term.REPLY_EXTENDED, local_date(suggestion.assigned_at))
    # The new deadline escalates afresh when it passes, whatever the old one had climbed to.
    return Effect(changes={"reply_due": deadline.due, "extended_at": step.now, "extension_reason": step.note,
                           "extension_requested_at": None, "escalation_level": 0, **deadline.case_fields()},
                  notify=lead_people(suggestion))


def _refuse_extension(step: Step) -> Effect:
    return Effect(changes={"extension_requested_at": None}, notify=lead_people(step.case))


def _reply(step: Step) -> Effect:
    suggestion, today = step.case, local_date(step.now)
    code = step.get("result_class", "")
    promise = step.get("promise_due")
    changes: dict[str, Any] = {"replied_at": step.now, "result_class": code, "promise_due": promise,
                               "extension_requested_at": None, **NO_DEADLINE_FIELDS}
    if suggestion.first_reply_on_time is None:
        changes["first_reply_on_time"] = suggestion.reply_due is None or today <= suggestion.reply_due
    return Effect(changes=changes, notify=[suggestion.reporter, suggestion.supervising_leader],
                  then=step_attachments(step, "reply_document"),
                  data={"today": today,
                        "reply_document": reply_document_given(suggestion, step.get("reply_document", ()))})


def _rate(step: Step) -> Effect:
    return Effect(changes={"satisfaction": step.get("satisfaction"), "rated_at": step.now},
                  notify=lead_people(step.case))


def _rate_keeping_promise(step: Step) -> Effect:
    """Rated, the promise still to keep: its date is the clock now."""
    effect = _rate(step)
    effect.changes |= {"due_at": end_of_day(step.case.promise_due), "due_provisional": False,
                       "due_basis": None, "escalation_level": 0}
    return effect


def _rate_dissatisfied(step: Step) -> Effect:
    """不满意 after the first reply: the re-handling term runs from the rating."""
    deadline = terms.count(Term.REHANDLE, local_date(step.now))
    return Effect(changes={"satisfaction": Satisfaction.DISSATISFIED, "rated_at": step.now,
                           "rehandle_due": deadline.due, "escalation_level": 0, **deadline.case_fields()},
                  notify=[*lead_people(step.case), step.case.supervising_leader])


def _keep_promise(step: Step) -> Effect:
    return Effect(changes={"promise_kept_at": step.now, **NO_DEADLINE_FIELDS},
                  notify=[step.case.reporter, step.case.supervising_leader],
                  then=step_attachments(step, "attachments"))


def _withdraw(step: Step) -> Effect:
    return Effect(changes=dict(NO_DEADLINE_FIELDS), notify=lead_people(step.case))


HANDLING = (Status.ASSIGNED, Status.REHANDLING)

SUGGESTION_WORKFLOW = Workflow(
    kind=KIND,
    states=dict(Status.choices),
    initial=Status.REGISTERED,
    closed_states=frozenset({Status.CLOSED, Status.WITHDRAWN}),
    transitions=(
        # Assigning and re-assigning name a lead and co-handlers: ``services.suggestion_assign``
        # takes them, checks this step's rules on who acts, and records it.
        Transition("assign", _("Assign"), (Status.REGISTERED, Status.RETURNED), Status.ASSIGNED,
                   actor_requires=(actor_is_assigning_office,), requires=(lead_chosen,)),
        Transition("return", _("Return the assignment"), (Status.ASSIGNED,), Status.RETURNED,
                   actor_requires=(actor_of_lead, lead_has_not_returned, within_return_window),
                   note_required=True, note_label=_("Why the assignment is wrong"), style="outline-warning",
                   effect=_return),
        Transition("record_contact", _("Record a contact with the proposer"), HANDLING, None,
                   actor_requires=(actor_of_lead,), requires=(contact_valid,), note_required=True,
                   note_label=_("What was said"), inputs=(CONTACTED_ON, CONTACT_WAY), style="outline-primary",
                   effect=_record_contact),
        # Recorded on the trail by ``services.suggestion_co_opinion``, never taken as a step.
        Transition("co_opinion", _("Co-handler's opinion"), HANDLING, None,
                   actor_requires=(through_co_handling,)),
        Transition("request_extension", _("Ask for an extension"), (Status.ASSIGNED,), None,
                   actor_requires=(actor_of_lead, not_extended, no_extension_pending, reply_not_yet_due),
                   note_required=True,
                   note_label=_("Why more time is needed"), style="outline-secondary",
                   effect=_request_extension),
        Transition("approve_extension", _("Approve the extension"), (Status.ASSIGNED,), None,
                   actor_requires=(actor_is_assigning_office, not_extended, extension_pending),
                   note_required=True, note_label=_("Reason for the extension"), style="outline-success",
                   effect=_approve_extension),
        Transition("refuse_extension", _("Refuse the extension"), (Status.ASSIGNED,), None,
                   actor_requires=(actor_is_assigning_office, extension_pending), note_required=True,
                   style="outline-danger", effect=_refuse_extension),
        Transition("reply", _("Reply"), HANDLING, Status.REPLIED,
                   actor_requires=(actor_of_lead,),
                   requires=(contact_recorded, reply_document_sent, result_class_valid), note_required=True,
                   note_label=_("Summary of the reply"), inputs=(RESULT_CLASS, PROMISE_DUE, REPLY_DOCUMENT),
                   style="success", effect=_reply),
        # The rating: which of the three steps is the office's answer decides (``services.
        # suggestion_rate`` picks it): closed, kept open for the promise, or re-handled.
        Transition("rate", _("Record the proposer's rating"), (Status.REPLIED,), Status.CLOSED,
                   actor_requires=(actor_is_assigning_office, no_open_promise),
                   requires=(satisfaction_given,), inputs=(SATISFACTION,), effect=_rate),
        Transition("rate_promise", _("Record the proposer's rating (the promise stays open)"),
                   (Status.REPLIED,), Status.PROMISE,
                   actor_requires=(actor_is_assigning_office, has_open_promise),
                   requires=(satisfaction_given,), inputs=(SATISFACTION,), effect=_rate_keeping_promise),
        Transition("rate_dissatisfied", _("Dissatisfied: handle it again"), (Status.REPLIED,),
                   Status.REHANDLING,
                   actor_requires=(actor_is_assigning_office, not_rehandled), style="outline-danger",
                   effect=_rate_dissatisfied),
        Transition("keep_promise", _("Report the promise kept"), (Status.PROMISE,), Status.CLOSED,
                   actor_requires=(actor_of_lead,), note_required=True, note_label=_("What was done"),
                   inputs=(ATTACHMENTS,), style="success", effect=_keep_promise),
        Transition("withdraw", _("Withdraw"),
                   (Status.REGISTERED, Status.ASSIGNED, Status.RETURNED, Status.REPLIED, Status.REHANDLING,
                    Status.PROMISE), Status.WITHDRAWN,
                   actor_requires=(actor_is_assigning_office,), note_required=True,
                   note_label=_("Why (withdrawn by the proposer, merged with another …)"),
                   style="outline-danger", effect=_withdraw),
    ),
)
