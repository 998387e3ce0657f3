"""The petition's statutory clock as a workflow.

    received ─accept→ accepted ─start→ handling ─reply→ replied ─rate→ rated ─close→ closed
       │  └─not_accept→ not accepted                                  (replied ─close→ closed)
       └─object→ returned ─reroute→ received
    replied / rated / closed ─request_review→ under review ─decide_review→ reviewed
    reviewed ─request_reexam→ under re-examination ─decide_reexam→ concluded

The one extension is not a step (the status stays): ``services.petition_extend``.
"rate" records the petitioner's answer (回访): the petition bureau fires it from a
call-back; the petitioner's own answer on the public page takes the same step through
``petitions.satisfaction``, which checks the reply notice's code instead of a role.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.cases import department_for
from pingan.core.deadlines import NO_DEADLINE_FIELDS, count_deadline, due_date, local_date
from pingan.core.models import (
    ROLE_RANK,
    TOWN_LEVEL,
    UNIT_LEVEL,
    Case,
    Event,
    Responsibility,
    RoleName,
    Unit,
    UnitKind,
)
from pingan.core.people import case_assignees, resolve_assignee
from pingan.core.scoping import is_sealed, scope_for
from pingan.core.workflow import Effect, Input, InputKind, Step, Transition, Workflow
from pingan.petitions.models import (
    CALLBACK_CHANNELS,
    KIND,
    NotAcceptedReason,
    Outcome,
    ReviewOutcome,
    Rule,
    Satisfaction,
    SatisfactionChannel,
    Status,
)

MSG_CONCLUDED_MATTER = _(
    "The same matter was concluded by re-examination (复核) in {ref} on {date}: it is not "
    "accepted again on the same facts and reasons. Record it as not accepted, or state the "
    "new facts or reasons that justify accepting it."
)
MSG_NOT_ACCEPTED_REASON = _("Choose why the petition is not accepted.")
MSG_OBJECTION_LATE = _(
    "An objection to the assignment had to be raised within {days} working days, by {date}: "
    "the unit must now handle the petition."
)
MSG_SEALED_NOT_RETURNED = _(
    "A report or accusation stays with the discipline office, which alone may read it: one "
    "outside its remit is recorded as not accepted, with the reason."
)
MSG_HANDLING_UNIT_REQUIRED = _("Choose the unit that will handle the petition instead.")
MSG_OUTCOME_REQUIRED = _("Choose the outcome of the reply: supported, explained or not supported.")
MSG_SATISFACTION_REQUIRED = _("Choose how satisfied the petitioner is.")
MSG_CALLBACK_BUREAU_ONLY = _(
    "The petitioner's satisfaction is their own answer: {unit} records it from a call-back, or "
    "the petitioner gives it with the code on the reply notice."
)
MSG_CALLBACK_NOT_REPLIER = _(
    "You wrote the reply: another member of your office makes the call-back."
)
MSG_NO_BUREAU_UNIT = _(
    "No unit has the code {code} that {setting} names for the call-backs: the district admin "
    "must create it or correct the setting."
)
MSG_CALLBACK_CHANNEL_REQUIRED = _(
    "Choose how the petitioner was asked: by phone, in person or by text message.")
MSG_CALLBACK_DATE = _("The call-back's date must lie between the reply ({earliest}) and today.")
MSG_CLOSE_UNRATED = _(
    "The petitioner's satisfaction is not recorded yet (the petition bureau's call-back, or their "
    "own answer with the reply notice's code): wait for it, or say in the note why there is none "
    "(for example, the petitioner could not be reached)."
)
MSG_REVIEW_LATE = _("A review (复查) had to be requested by {date}, within {days} days of the reply.")
MSG_REEXAM_LATE = _(
    "A re-examination (复核) had to be requested by {date}, within {days} days of the review decision."
)
MSG_DECISION_REQUIRED = _("Choose the decision: upheld, or revoked or changed.")

MSG_HANDLING_UNIT_ONLY = _(
    "{unit} handles this petition: only its staff, or a unit above it, may do this."
)
MSG_ROUTING_UNIT_ONLY = _(
    "{unit} routed this petition: only its staff, or a unit above it, may route it again."
)
MSG_SUPERIOR_ONLY = _(
    "A review or re-examination is decided by a body above {unit}, which handled the petition."
)

# How far the "same matter" links are followed back (they are short in practice).
MAX_CHAIN = 50


def concluded_earlier(case: Case) -> Any:
    """The earlier petition on the same matter that re-examination concluded, if any."""
    earlier, steps = case.repeat_of, 0  # type: ignore[attr-defined]
    while earlier is not None and steps < MAX_CHAIN:
        if earlier.status == Status.CONCLUDED:
            return earlier
        earlier, steps = earlier.repeat_of, steps + 1
    return None


def rank_at(actor: Any, units: list[Unit]) -> int:
    """The highest petitions role ``actor`` holds at any of ``units`` (a superuser's at all)."""
    scope = scope_for(actor)
    if scope.everything:
        return ROLE_RANK[RoleName.ADMIN]
    ids = {u.pk for u in units}
    return max((r.rank for r in scope.roles_for(KIND) if r.unit_id in ids), default=0)


def at_or_above(unit: Unit) -> list[Unit]:
    return [unit, *unit.ancestors()]


def for_handling_unit(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    """Acceptance and handling are the handling unit's (or its superiors') to do, and the
    assignee's; another unit that merely sees the petition does not decide on it."""
    unit = case.handling_unit  # type: ignore[attr-defined]
    if case.assignee_id is not None and case.assignee_id == getattr(actor, "pk", None):
        return None
    if rank_at(actor, at_or_above(unit)) >= ROLE_RANK[RoleName.HANDLER]:
        return None
    return MSG_HANDLING_UNIT_ONLY.format(unit=unit.name)


def for_routing_unit(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    unit = case.routing_unit  # type: ignore[attr-defined]
    if unit is None or rank_at(actor, at_or_above(unit)) >= ROLE_RANK[RoleName.HANDLER]:
        return None
    return MSG_ROUTING_UNIT_ONLY.format(unit=unit.name)


def above_handling_unit(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    """复查 and 复核 are decided by the body above the one that handled the matter."""
    unit = case.handling_unit  # type: ignore[attr-defined]
    if rank_at(actor, unit.ancestors()) >= ROLE_RANK[RoleName.HANDLER]:
        return None
    return MSG_SUPERIOR_ONLY.format(unit=unit.name)


def not_concluded_before(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    earlier = concluded_earlier(case)
    if earlier is None or str(data.get("new_facts", "")).strip():
        return None
    decided = timezone.localtime(earlier.reexam_decided_at or earlier.closed_at)
    return MSG_CONCLUDED_MATTER.format(ref=earlier.ref, date=f"{decided:%Y-%m-%d}")


def _choice(field: str, choices: type, message: Any):
    def requirement(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
        return None if data.get(field) in choices.values else message
    requirement.__name__ = f"needs_{field}"
    return requirement


def callback_unit(case: Case) -> tuple[Unit | None, str, str]:
    """Who asks this petitioner (and the setting naming it): the petition bureau, but for an
    accusation the discipline office, since the accuser's identity never leaves it."""
    setting = ("PINGAN_PETITION_DISCIPLINE_UNIT_CODE" if is_sealed(case)
               else "PINGAN_PETITION_BUREAU_UNIT_CODE")
    code = getattr(settings, setting)
    return Unit.objects.filter(code=code).first(), code, setting


def from_petition_bureau(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    """回访 is the petition bureau's: a handler there (not the district admin, not the unit
    that replied), and never the person who wrote the reply, even when the bureau itself
    handled the petition. An accusation's is the discipline office's (``callback_unit``)."""
    bureau, code, setting = callback_unit(case)
    if bureau is None:
        return MSG_NO_BUREAU_UNIT.format(code=code, setting=setting)
    roles = scope_for(actor).roles_for(case.kind)
    if not any(r.unit_id == bureau.pk and r.rank >= ROLE_RANK[RoleName.HANDLER] for r in roles):
        return MSG_CALLBACK_BUREAU_ONLY.format(unit=bureau.name)
    replier = (Event.objects.filter(case=case, transition="reply").order_by("-seq")
               .values_list("actor_id", flat=True).first())
    if replier is not None and replier == getattr(actor, "pk", None):
        return MSG_CALLBACK_NOT_REPLIER
    return None


def needs_callback_channel(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    return None if data.get("asked_by") in CALLBACK_CHANNELS else MSG_CALLBACK_CHANNEL_REQUIRED


def asked_after_reply(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    replied = local_date(case.replied_at)  # type: ignore[attr-defined]
    if replied <= data["asked_on"] <= data["on"]:
        return None
    return MSG_CALLBACK_DATE.format(earliest=replied.isoformat())


def within_objection_window(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    until: dt.date = case.objection_until  # type: ignore[attr-defined]
    if data["on"] <= until:
        return None
    return MSG_OBJECTION_LATE.format(days=data["objection_days"], date=until.isoformat())


def not_sealed(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    """An accusation is not sent back for routing: the routing unit may not read it."""
    return MSG_SEALED_NOT_RETURNED if is_sealed(case) else None


def needs_handling_unit(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    return None if data.get("handling_unit") is not None else MSG_HANDLING_UNIT_REQUIRED


def rated_or_explained(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    if case.status == Status.RATED or str(data.get("note", "")).strip():
        return None
    return MSG_CLOSE_UNRATED


def within_review_window(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    until: dt.date = case.review_window_until  # type: ignore[attr-defined]
    if data["requested_on"] <= until:
        return None
    return MSG_REVIEW_LATE.format(date=until.isoformat(), days=data["window_days"])


def within_reexam_window(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    until: dt.date = case.reexam_window_until  # type: ignore[attr-defined]
    if data["requested_on"] <= until:
        return None
    return MSG_REEXAM_LATE.format(date=until.isoformat(), days=data["window_days"])


# --- What the steps ask for ------------------------------------------------------------


def handling_units() -> QuerySet[Unit]:
    """Who may handle a petition: a town or the district, or a department with a petition
    line. The service checks the pairing with the matter's place and category."""
    departments = Responsibility.objects.filter(case_kind=KIND).values("department")
    up_to_town = [kind for kind, level in UNIT_LEVEL.items()
                  if level <= TOWN_LEVEL and kind != UnitKind.DEPARTMENT]
    return Unit.objects.filter(Q(pk__in=departments) | Q(kind__in=up_to_town)).order_by("prefix")


NEW_FACTS = Input("new_facts", _("New facts or reasons"),
                  asked=lambda petition: concluded_earlier(petition) is not None)
NOT_ACCEPTED_REASON = Input("reason", _("Reason"), InputKind.CHOICE, choices=NotAcceptedReason)
NEW_HANDLING_UNIT = Input("handling_unit", _("New handling unit"), InputKind.UNIT,
                          options=lambda petition: handling_units())
HANDLER = Input("assignee", _("Handler"), InputKind.PERSON, options=case_assignees)
OUTCOME = Input("outcome", _("Outcome"), InputKind.CHOICE, choices=Outcome)
SATISFACTION = Input("satisfaction", _("The petitioner's answer"), InputKind.CHOICE, choices=Satisfaction)
ASKED_BY = Input("asked_by", _("Asked by"), InputKind.CHOICE, choices=SatisfactionChannel,
                 only=CALLBACK_CHANNELS)
ASKED_ON = Input("asked_on", _("Asked on"), InputKind.DATE, help_text=_("Default: today."))
REQUESTED_ON = Input("requested_on", _("Request received on"), InputKind.DATE)
DECISION = Input("decision", _("Decision"), InputKind.CHOICE, choices=ReviewOutcome)


# --- What the steps do ------------------------------------------------------------------
# Each effect works from the petition's rulebook (``Step.rules``), which the service passes.


def _accept(step: Step) -> Effect:
    book, now = step.rules, step.now
    term = book.term(book.resolution_rule(step.case.petition_type))
    resolution = term.deadline(now)
    return Effect(changes={"accepted_at": now, "resolution_days": term.duration,
                           "resolution_due_at": resolution.due_at, **resolution.case_fields(),
                           "new_facts": step.get("new_facts", "").strip(), "escalation_level": 0})


def _not_accept(step: Step) -> Effect:
    return Effect(changes={"not_accepted_reason": step.get("reason", ""), **NO_DEADLINE_FIELDS},
                  notify=[step.case.reporter])


def _object(step: Step) -> Effect:
    book, now = step.rules, step.now
    return Effect(changes={"objected_at": now, **book.term(Rule.ROUTE).due_fields(now),
                           "escalation_level": 0},
                  notify=[step.case.reporter],
                  data={"on": local_date(now), "objection_days": book.term(Rule.OBJECTION).duration})


def _reroute(step: Step) -> Effect:
    # Imported here: the services build on this workflow. Registration routes by the same rules.
    from pingan.petitions.services import MSG_SAME_HANDLING_UNIT, assignment_clock, check_handling_unit

    petition, unit = step.case, step.get("handling_unit")
    if unit is None:
        return Effect()  # ``needs_handling_unit`` says what is missing
    if unit == petition.handling_unit:
        raise errors.DomainError(MSG_SAME_HANDLING_UNIT.format(unit=unit.name), field="handling_unit")
    check_handling_unit(handling_unit=unit, unit=petition.unit, category=petition.category)
    department = unit if unit.is_department else department_for(kind=KIND, category=petition.category)
    return Effect(changes={"handling_unit": unit, **assignment_clock(step.rules, step.now),
                           "department": department}, data={"handling_unit": unit})


def _start(step: Step) -> Effect:
    assignee = resolve_assignee(step.case, step.get("assignee"))
    if assignee is None:
        return Effect()
    return Effect(changes={"assignee": assignee}, notify=[assignee])


def window_until(book: Any, rule: str, day: dt.date) -> dt.date:
    term = book.term(rule)
    return due_date(day, term.duration, term.day_type)


def _reply(step: Step) -> Effect:
    """The reply issues the one-time code of the reply notice: the petition carries the
    notice, code included, as ``reply_notice`` (it is not stored and not shown again)."""
    from pingan.petitions.satisfaction import issue_code  # it builds on this workflow

    petition, now = step.case, step.now
    review_window_until = window_until(step.rules, Rule.REVIEW_WINDOW, local_date(now))

    def issue_notice(event: Event) -> None:
        petition.reply_notice = issue_code(petition, at=now)

    return Effect(changes={"outcome": step.get("outcome", ""), "replied_at": now, **NO_DEADLINE_FIELDS,
                           "review_window_until": review_window_until},
                  notify=[petition.reporter], then=issue_notice)


def _rate(step: Step) -> Effect:
    from pingan.petitions.satisfaction import rating_changes  # it builds on this workflow

    today = local_date(step.now)
    asked_on = step.get("asked_on", today)
    return Effect(changes=rating_changes(satisfaction=step.get("satisfaction", ""),
                                         channel=step.get("asked_by", ""), asked_on=asked_on, at=step.now),
                  data={"on": today, "asked_on": asked_on})


MSG_REQUEST_DATE = _("The request's date must lie between {earliest} and today.")


def _request(prefix: str, window: str, decision: str, contested: str) -> Any:
    """Registering a review (复查) or re-examination (复核) request: the day it arrived (as
    given, for a letter entered a few days late, never before the decision it contests nor
    after today) starts the decision's clock."""

    def effect(step: Step) -> Effect:
        book, today = step.rules, local_date(step.now)
        earliest = getattr(step.case, contested)
        first = local_date(earliest) if earliest else today
        day = step.get("requested_on", today)
        if not first <= day <= today:
            raise errors.DomainError(MSG_REQUEST_DATE.format(earliest=first.isoformat()),
                                     field="requested_on")
        term = book.term(decision)
        due = count_deadline(day, term.duration, term.day_type)
        return Effect(changes={f"{prefix}_requested_on": day, f"{prefix}_due_at": due.due_at,
                               **due.case_fields(), "escalation_level": 0},
                      data={"requested_on": day, "window_days": book.term(window).duration})

    return effect


def _decide_review(step: Step) -> Effect:
    today = local_date(step.now)
    return Effect(changes={"review_outcome": step.get("decision", ""), "review_decided_at": step.now,
                           **NO_DEADLINE_FIELDS,
                           "reexam_window_until": window_until(step.rules, Rule.REEXAM_WINDOW, today)},
                  notify=[step.case.reporter])


def _decide_reexam(step: Step) -> Effect:
    return Effect(changes={"reexam_outcome": step.get("decision", ""), "reexam_decided_at": step.now,
                           **NO_DEADLINE_FIELDS},
                  notify=[step.case.reporter])


DECISION_NOTE = _("The decision and its reasons")
HANDLER_STEP = {"town_or_above": True, "actor_requires": (for_handling_unit,)}
DECISION_STEP = {"town_or_above": True, "actor_requires": (above_handling_unit,), "note_required": True,
                 "requires": (_choice("decision", ReviewOutcome, MSG_DECISION_REQUIRED),),
                 "inputs": (DECISION,), "note_label": DECISION_NOTE}

PETITION_WORKFLOW = Workflow(
    kind=KIND,
    states=dict(Status.choices),
    initial=Status.RECEIVED,
    closed_states=frozenset({Status.NOT_ACCEPTED, Status.CLOSED, Status.REVIEWED, Status.CONCLUDED}),
    transitions=(
        Transition("accept", _("Accept"), (Status.RECEIVED,), Status.ACCEPTED, **HANDLER_STEP,
                   requires=(not_concluded_before,), style="success",
                   inputs=(NEW_FACTS,), effect=_accept),
        Transition("not_accept", _("Do not accept"), (Status.RECEIVED,), Status.NOT_ACCEPTED,
                   **HANDLER_STEP, note_required=True,
                   requires=(_choice("reason", NotAcceptedReason, MSG_NOT_ACCEPTED_REASON),),
                   style="outline-danger", inputs=(NOT_ACCEPTED_REASON,),
                   note_label=_("Explanation to the petitioner"), effect=_not_accept),
        # Not offered on an accusation at all: it is not the routing unit's to read.
        Transition("object", _("Object to the assignment"), (Status.RECEIVED,), Status.RETURNED,
                   **{**HANDLER_STEP, "actor_requires": (not_sealed, for_handling_unit)},
                   note_required=True, requires=(within_objection_window,), style="outline-warning",
                   note_label=_("Why the assignment is wrong"), effect=_object),
        Transition("reroute", _("Route again"), (Status.RETURNED,), Status.RECEIVED,
                   town_or_above=True, actor_requires=(for_routing_unit,), requires=(needs_handling_unit,),
                   inputs=(NEW_HANDLING_UNIT,), effect=_reroute),
        Transition("start", _("Start handling"), (Status.ACCEPTED,), Status.HANDLING, **HANDLER_STEP,
                   inputs=(HANDLER,), effect=_start),
        Transition("reply", _("Reply"), (Status.ACCEPTED, Status.HANDLING), Status.REPLIED,
                   **HANDLER_STEP, assignee_may=True, note_required=True,
                   requires=(_choice("outcome", Outcome, MSG_OUTCOME_REQUIRED),), style="success",
                   inputs=(OUTCOME,), note_label=_("The reply to the petitioner"), effect=_reply),
        Transition("rate", _("Record the call-back"), (Status.REPLIED,), Status.RATED,
                   town_or_above=True, actor_requires=(from_petition_bureau,),
                   requires=(_choice("satisfaction", Satisfaction, MSG_SATISFACTION_REQUIRED),
                             needs_callback_channel, asked_after_reply),
                   inputs=(SATISFACTION, ASKED_BY, ASKED_ON), note_label=_("What the petitioner said"),
                   effect=_rate),
        Transition("close", _("Close the petition"), (Status.REPLIED, Status.RATED), Status.CLOSED,
                   **HANDLER_STEP, requires=(rated_or_explained,), style="success"),
        # Whoever receives the request registers it; the body above the handling unit decides.
        Transition("request_review", _("Register a review request"),
                   (Status.REPLIED, Status.RATED, Status.CLOSED), Status.UNDER_REVIEW,
                   town_or_above=True, requires=(within_review_window,), style="outline-secondary",
                   inputs=(REQUESTED_ON,),
                   effect=_request("review", Rule.REVIEW_WINDOW, Rule.REVIEW_DECISION, "replied_at")),
        Transition("decide_review", _("Decide the review"), (Status.UNDER_REVIEW,), Status.REVIEWED,
                   **DECISION_STEP, effect=_decide_review),
        Transition("request_reexam", _("Register a re-examination request"), (Status.REVIEWED,),
                   Status.UNDER_REEXAM, town_or_above=True, requires=(within_reexam_window,),
                   style="outline-secondary", inputs=(REQUESTED_ON,),
                   effect=_request("reexam", Rule.REEXAM_WINDOW, Rule.REEXAM_DECISION, "review_decided_at")),
        Transition("decide_reexam", _("Decide the re-examination"), (Status.UNDER_REEXAM,),
                   Status.CONCLUDED, **DECISION_STEP, effect=_decide_reexam),
    ),
)
