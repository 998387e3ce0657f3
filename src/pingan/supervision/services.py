"""Writes on supervised tasks. The pages, the API, the meetings' decisions and the league's
weak indicators all call these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.attachments import attachment_add
from pingan.core.cases import case_extend_refusal, open_case, outside_scope_refusal, rank_refusal
from pingan.core.deadlines import NO_DEADLINE_FIELDS, DeadlineTerms, end_of_day, resolve_terms
from pingan.core.errors import refuse_nul
from pingan.core.events import append_event
from pingan.core.inbox import notify
from pingan.core.models import Attachment, AttachmentKind, EventType, RoleName, Severity, Unit, UnitKind
from pingan.core.people import handlers_at, leaders_for, resolve_leader
from pingan.core.workflow import apply_changes, take_step
from pingan.supervision import selectors
from pingan.supervision.models import (
    DOMAIN,
    KIND,
    REF_PREFIX,
    Category,
    Circular,
    Decision,
    Milestone,
    Origin,
    SupervisedTask,
)
from pingan.supervision.workflow import TASK_WORKFLOW, actor_of_lead, is_assigning_office, next_due_at

MSG_NOT_ASSIGNING_OFFICE = _("Only the district's office assigns supervised tasks.")
MSG_TITLE_REQUIRED = _("Give the task a title.")
MSG_DEADLINE_PAST = _("The deadline cannot be in the past.")
MSG_DEADLINE_TOO_FAR = _("The deadline {date} is more than {years} years ahead: at most {latest}.")
MSG_MILESTONE_BEFORE_ASSIGNED = _(
    "The milestone “{title}” ({date}) falls before the day the task is assigned ({day}).")
MSG_MILESTONE_AFTER_DEADLINE = _(
    "The milestone “{title}” ({date}) falls after the task's deadline ({deadline}).")
MSG_MILESTONE_TITLE = _("Every milestone needs a title and a date.")
MSG_LEAD_NOT_DEPARTMENT = _("The lead must be one of the district's departments or the unit the task is for.")
MSG_DEPARTMENT_UNIT_LEADS = _(
    "A district-wide task is filed at its lead department: the lead must be {unit}.")
MSG_UNIT_IS_GRID = _("A task is for a town, a sub-district or the district's department that leads it.")
MSG_CO_HANDLER_IS_LEAD = _("The lead unit is not also a co-handler.")
MSG_BAD_CHOICE = _("“{value}” is not a valid {field}.")
MSG_NEW_DEADLINE_EARLIER = _("The new deadline must be after the current one ({deadline}).")
MSG_NEW_DEADLINE_TOO_FAR = _("An extension moves the deadline by at most {days} days (to {latest}).")
MSG_EXTEND_BY_OFFICE = _("Only the district's office that assigns supervised tasks extends their deadlines.")
MSG_ORIGIN_LINK = _("The source link must be an address on this site (starting with /).")
MSG_CREATED = _("{ref}: a supervised task for your unit: {title}")

# Units a task may be for: a town or sub-district (or the district itself), or for a
# district-wide task the department that leads it.
TASK_UNIT_KINDS = (UnitKind.DISTRICT, UnitKind.TOWN, UnitKind.TOWNSHIP, UnitKind.SUBDISTRICT,
                   UnitKind.DEPARTMENT)


def create_refusal(actor: Any) -> errors.DomainError | None:
    """Why ``actor`` may not create a supervised task, or None: the district's office does."""
    return None if is_assigning_office(actor) else errors.PermissionDenied(MSG_NOT_ASSIGNING_OFFICE)


def may_create_task(user: Any) -> bool:
    return create_refusal(user) is None


def leader_options(unit: Unit) -> Any:
    """The leaders who may answer for a task for ``unit``: the leaders in charge of
    supervision at the unit or above it (``core.people.leaders_for``)."""
    return leaders_for(unit, DOMAIN)


def is_local_link(link: str) -> bool:
    """A link to a page of this site: never another site's, nor a script."""
    return link.startswith("/") and not link.startswith("//") and "\\" not in link


def latest_deadline(day: dt.date) -> dt.date:
    """The furthest deadline a task assigned (or extended) on ``day`` may have:
    PINGAN_TASK_MAX_YEARS ahead, to the day (28 February for a 29th)."""
    year = day.year + settings.PINGAN_TASK_MAX_YEARS
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def _check_deadline_reach(deadline: dt.date, day: dt.date) -> None:
    latest = latest_deadline(day)
    if deadline > latest:
        raise errors.DomainError(MSG_DEADLINE_TOO_FAR.format(
            date=deadline.isoformat(), years=settings.PINGAN_TASK_MAX_YEARS, latest=latest.isoformat()),
            field="deadline")


def _outside_scope_refusal(task: SupervisedTask, actor: Any,
                           message: Callable[[], Any]) -> errors.DomainError | None:
    """A 404 for whom may not see ``task``; a co-handler, who may, gets a 403 with ``message()``."""
    return outside_scope_refusal(task, actor, message=message,
                                 seen=lambda: selectors.tasks_for(actor).filter(pk=task.pk).exists())


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise errors.DomainError(MSG_BAD_CHOICE.format(value=value, field=field), field=field)
    return value


def _check_units(unit: Unit, lead: Unit, co_handlers: Sequence[Unit]) -> None:
    if unit.kind not in TASK_UNIT_KINDS:
        raise errors.DomainError(MSG_UNIT_IS_GRID, field="unit")
    if unit.is_department and lead.pk != unit.pk:
        raise errors.DomainError(MSG_DEPARTMENT_UNIT_LEADS.format(unit=unit.name), field="lead")
    if not lead.is_department and lead.pk != unit.pk:
        raise errors.DomainError(MSG_LEAD_NOT_DEPARTMENT, field="lead")
    if any(c.pk == lead.pk for c in co_handlers):
        raise errors.DomainError(MSG_CO_HANDLER_IS_LEAD, field="co_handlers")


def _check_dates(deadline: dt.date, milestones: Sequence[tuple[str, dt.date]], today: dt.date) -> None:
    """``today`` is the day the task is assigned (the demo back-dates it)."""
    if deadline < today:
        raise errors.DomainError(MSG_DEADLINE_PAST, field="deadline")
    _check_deadline_reach(deadline, today)
    for title, date in milestones:
        if not (title or "").strip() or date is None:
            raise errors.DomainError(MSG_MILESTONE_TITLE, field="milestones")
        refuse_nul(milestones=title)
        if date < today:
            message = MSG_MILESTONE_BEFORE_ASSIGNED.format(title=title.strip(), date=date.isoformat(),
                                                           day=today.isoformat())
            raise errors.DomainError(message, field="milestones")
        if date > deadline:
            message = MSG_MILESTONE_AFTER_DEADLINE.format(title=title.strip(), date=date.isoformat(),
                                                          deadline=deadline.isoformat())
            raise errors.DomainError(message, field="milestones")


def task_create(*, actor: Any, title: str, unit: Unit, lead: Unit, deadline: dt.date,
                milestones: Sequence[tuple[str, dt.date]] = (), description: str = "", goal: str = "",
                category: str = Category.OTHER, co_handlers: Iterable[Unit] = (),
                responsible_leader: Any = None, origin: str = Origin.OTHER, origin_label: str = "",
                origin_link: str = "", origin_key: str | None = None, decision: Decision | None = None,
                circular: Circular | None = None, at: dt.datetime | None = None) -> SupervisedTask:
    """Assign (下达) a supervised task to its lead. A second call with the same ``origin_key``
    returns the first task and changes nothing (one task per weak indicator, per decision).
    ``at`` back-dates it (the demo generator only)."""
    refusal = create_refusal(actor)
    if refusal is not None:
        raise refusal
    origin_key = (origin_key or "").strip() or None
    if origin_key and (existing := SupervisedTask.objects.filter(origin_key=origin_key).first()):
        return existing
    now = at or timezone.now()
    refuse_nul(title=title, description=description, goal=goal, origin_label=origin_label,
               origin_link=origin_link, origin_key=origin_key)
    title = (title or "").strip()
    if not title:
        raise errors.DomainError(MSG_TITLE_REQUIRED, field="title")
    co_handlers = list(co_handlers)
    milestones = sorted(((t.strip(), d) for t, d in milestones), key=lambda m: m[1])
    _check_units(unit, lead, co_handlers)
    _check_dates(deadline, milestones, timezone.localdate(now))
    _choice(category, Category, "category")
    _choice(origin, Origin, "origin")
    if origin_link and not is_local_link(origin_link):
        raise errors.DomainError(MSG_ORIGIN_LINK, field="origin_link")
    if responsible_leader is not None:
        responsible_leader = resolve_leader(unit, DOMAIN, responsible_leader, field="responsible_leader")
    fields = {
        **NO_DEADLINE_FIELDS,
        "kind": KIND, "title": title[:200], "description": description, "category": category,
        "severity": Severity.ORDINARY, "status": TASK_WORKFLOW.initial, "department": lead,
        "due_at": end_of_day(milestones[0][1] if milestones else deadline),
        "deadline": deadline, "goal": goal, "responsible_leader": responsible_leader, "origin": origin,
        "origin_label": origin_label[:200], "origin_link": origin_link[:200], "origin_key": origin_key,
        "decision": decision, "circular": circular,
    }
    try:
        with transaction.atomic():
            task = open_case(model=SupervisedTask, ref_prefix=REF_PREFIX, actor=actor, unit=unit,
                             fields=fields, terms=DeadlineTerms(duration=0), opened_at=now)
            task.co_handlers.set(co_handlers)
            Milestone.objects.bulk_create(Milestone(task=task, title=title[:200], due_date=date)
                                          for title, date in milestones)
            with translation.override(settings.LANGUAGE_CODE):
                notify(users=handlers_at(lead.pk), case=task, event=task.events.get(seq=1),
                       message=str(MSG_CREATED.format(ref=task.ref, title=task.title)))
    except IntegrityError:
        # Two clicks at once on the same origin: the other one made it.
        existing = SupervisedTask.objects.filter(origin_key=origin_key).first() if origin_key else None
        if existing is None:
            raise
        return existing
    return task


def task_transition(*, task: SupervisedTask, name: str, actor: Any, expected_version: int,
                    note: str = "", at: dt.datetime | None = None, **inputs: Any) -> SupervisedTask:
    """Take one step of the task's loop with the inputs that step declares; what each step
    needs, changes, notifies and attaches is declared in ``supervision.workflow``."""
    transition = TASK_WORKFLOW.get(name)

    def why() -> Any:  # the step's own rule on who takes it, as the core would have said
        problems = (rule(task, actor, {}) for rule in transition.actor_requires)
        return next(filter(None, problems), None) or errors.MSG_NOT_ALLOWED.format(
            transition=transition.label)

    refusal = _outside_scope_refusal(task, actor, why)
    if refusal is not None:
        raise refusal
    refuse_nul(note=note)
    take_step(workflow=TASK_WORKFLOW, case=task, name=name, actor=actor,
              expected_version=expected_version, note=note, inputs=inputs, at=at)
    return task


# --- Files -------------------------------------------------------------------------------

MSG_ATTACH = _("Add a document")


def attach_refusal(task: SupervisedTask, actor: Any) -> errors.DomainError | None:
    """Why ``actor`` may not add a document to the task now, or None: the lead's people,
    while it is open."""
    # Who sees the task without the core's scope covering it is never of its lead.
    refusal = _outside_scope_refusal(task, actor, lambda: actor_of_lead(task, actor, {}))
    refusal = refusal or rank_refusal(task, actor, RoleName.HANDLER, action=MSG_ATTACH, while_open=True)
    if refusal is None and (problem := actor_of_lead(task, actor, {})):
        refusal = errors.PermissionDenied(str(problem))
    return refusal


def may_attach(task: SupervisedTask, user: Any) -> bool:
    return attach_refusal(task, user) is None


def task_attachment_add(*, task: SupervisedTask, actor: Any, name: str, content: bytes) -> Attachment:
    """One document or photo, with an event of its own (the API uploads evidence so)."""
    refusal = attach_refusal(task, actor)
    if refusal is not None:
        raise refusal
    return attachment_add(case=task, actor=actor, name=name, content=content, kind=AttachmentKind.DOCUMENT)


# --- Extension ----------------------------------------------------------------------------


def task_terms(task: SupervisedTask) -> DeadlineTerms:
    """A deadline policy for tasks (the admin site's) may allow an extension, and by how much;
    without one, one extension of at most PINGAN_TASK_EXTENSION_DAYS."""
    fallback = DeadlineTerms(duration=0, extension_allowed=True,
                             extension_duration=settings.PINGAN_TASK_EXTENSION_DAYS)
    return resolve_terms(kind=KIND, category=task.category, severity=task.severity, fallback=fallback)


def extend_refusal(task: SupervisedTask, actor: Any) -> errors.DomainError | None:
    """Why ``actor`` may not extend the task's deadline, or None: the district's office that
    assigned it (the lead asks, it does not grant itself more time), while it is open, once,
    if the policy allows (as any case)."""
    refusal = case_extend_refusal(task, actor, task_terms(task))
    if refusal is None and not is_assigning_office(actor):
        refusal = errors.PermissionDenied(MSG_EXTEND_BY_OFFICE)
    return refusal


def may_extend(task: SupervisedTask, user: Any) -> bool:
    return extend_refusal(task, user) is None


def task_extend(*, task: SupervisedTask, actor: Any, expected_version: int, deadline: dt.date,
                reason: str, at: dt.datetime | None = None) -> SupervisedTask:
    """Move the task's deadline once, later by at most the policy's extension, with a reason.
    Its clock follows when no milestone is left open; escalation starts again."""
    terms = task_terms(task)
    refusal = extend_refusal(task, actor)
    if refusal is not None:
        raise refusal
    if not (reason or "").strip():
        raise errors.DomainError(errors.MSG_REASON_REQUIRED, field="reason")
    refuse_nul(reason=reason)
    if deadline is None or deadline <= task.deadline:
        raise errors.DomainError(MSG_NEW_DEADLINE_EARLIER.format(deadline=task.deadline.isoformat()),
                                 field="deadline")
    now = at or timezone.now()
    _check_deadline_reach(deadline, timezone.localdate(now))
    try:
        latest = task.deadline + dt.timedelta(days=terms.extension_duration)
    except OverflowError:  # a policy's extension past the calendar's end: no bound but the cap above
        latest = dt.date.max
    if deadline > latest:
        raise errors.DomainError(MSG_NEW_DEADLINE_TOO_FAR.format(days=terms.extension_duration,
                                                                 latest=latest.isoformat()), field="deadline")
    with transaction.atomic():
        before, after = apply_changes(case=task, expected_version=expected_version, changes={
            "deadline": deadline, "due_at": next_due_at(task, deadline=deadline), "extended_at": now,
            "extension_reason": reason.strip(), "escalation_level": 0,
        })
        append_event(case=task, actor=actor, type=EventType.EXTENDED, before=before, after=after,
                     note=reason.strip(), at=now)
    return task

