"""Services shared by every kind of case: open, edit, extend. Each writes its own event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.deadlines import DeadlineTerms, deadline_kind, recount
from pingan.core.events import GENESIS, append_event, chained_event
from pingan.core.inbox import notify
from pingan.core.models import ROLE_RANK, Case, Event, EventType, RoleName, Unit
from pingan.core.references import next_reference
from pingan.core.scoping import scope_for
from pingan.core.users import User
from pingan.core.workflow import apply_changes

C = TypeVar("C", bound=Case)


def department_for(*, kind: str, category: str) -> Unit | None:
    """The department that handles this category of this kind (first by code if several)."""
    return (
        Unit.objects.filter(responsibilities__case_kind=kind, responsibilities__category=category)
        .order_by("code")
        .first()
    )


def open_case(*, model: type[C], ref_prefix: str, actor: User, unit: Unit, fields: Mapping[str, Any],
              terms: DeadlineTerms, opened_at: dt.datetime | None = None,
              event_type: str = EventType.CREATED, note: str = "") -> C:
    """Create a case of ``model`` with its reference number, deadline and first event."""
    opened_at = opened_at or timezone.now()
    with transaction.atomic():
        case = new_case(
            model=model, ref=next_reference(ref_prefix, timezone.localtime(opened_at).year),
            actor=actor, unit=unit, fields=fields, terms=terms, opened_at=opened_at,
        )
        case.full_clean(exclude=["ref", "unit_prefix", "head_hash"])
        event = opening_event(case=case, actor=actor, event_type=event_type, note=note)
        case.head_hash = event.hash
        case.save()
        event.save(force_insert=True)
    return case


def new_case(*, model: type[C], ref: str, actor: User, unit: Unit, fields: Mapping[str, Any],
             terms: DeadlineTerms, opened_at: dt.datetime) -> C:
    """An unsaved case with its deadline and handling department. ``open_case`` saves one;
    a bulk import builds many with references reserved at once and inserts them together.
    A kind whose due date is not a term (a supervised task's milestone) sets ``due_at`` in
    ``fields``: it wins over the term's."""
    case = model(
        ref=ref,
        unit=unit,
        unit_prefix=unit.prefix,
        opened_at=opened_at,
        reporter=actor,
        **{**terms.due_fields(opened_at), **fields},
    )
    if case.department_id is None:
        case.department = department_for(kind=case.kind, category=case.category)
    return case


def opening_event(*, case: Case, actor: User, event_type: str, note: str = "") -> Event:
    """The unsaved first event of a new case: what it was opened as, where, due when."""
    return chained_event(
        case=case, seq=1, prev_hash=GENESIS, actor=actor, type=event_type,
        to_status=case.status,
        after={"title": case.title, "category": case.category, "severity": case.severity,
               "unit": case.unit.code, "due_at": case.due_at},
        note=note, at=case.opened_at,
    )


def outside_scope_refusal(case: Case, actor: User, *, seen: Callable[[], bool],
                          message: Callable[[], Any]) -> errors.DomainError | None:
    """For whom the core's scope does not cover ``case`` though its kind widens who sees it
    (a co-handler, a leader): a 404 when they may not see it either (``seen``); when they may,
    a 403 with ``message()``, for they know it is there. None when the scope covers it."""
    if scope_for(actor).covers(case):
        return None
    if not seen():
        return errors.NotFound(errors.MSG_NOT_FOUND)
    return errors.PermissionDenied(str(message()))


def rank_refusal(case: Case, actor: User, rank: RoleName, *, town_or_above: bool = False,
                 action: str | Promise = "", assignee_may: bool = False,
                 while_open: bool = False) -> errors.DomainError | None:
    """Why ``actor`` may not take ``action`` on ``case`` with ``rank``, or None when they may.
    Out of scope is checked first, so no message can tell an outsider the case exists; then
    the rank (the case's assignee is enough when ``assignee_may``); then, ``while_open``,
    that the case is still open."""
    scope = scope_for(actor)
    if not scope.covers(case):
        return errors.NotFound(errors.MSG_NOT_FOUND)
    assigned = assignee_may and case.assignee_id is not None \
        and case.assignee_id == getattr(actor, "pk", None)
    if not assigned and scope.rank_for(case, town_or_above=town_or_above) < ROLE_RANK[rank]:
        return errors.PermissionDenied(errors.MSG_NOT_ALLOWED.format(transition=action))
    if while_open and not case.is_open:
        return errors.DomainError(errors.MSG_CLOSED)
    return None


def require_rank(case: Case, actor: User, rank: RoleName, *, town_or_above: bool = False) -> None:
    refusal = rank_refusal(case, actor, rank, town_or_above=town_or_above)
    if refusal is not None:
        raise refusal


def case_update(*, case: C, actor: User, expected_version: int, changes: Mapping[str, Any],
                note: str = "", at: dt.datetime | None = None) -> C:
    """Edit fields of an open case (not its status: that is the workflow's).

    ``at`` back-dates the edit (importers and the demo generator only)."""
    require_rank(case, actor, RoleName.HANDLER)
    if not case.is_open:
        raise errors.DomainError(errors.MSG_CLOSED)
    with transaction.atomic():
        before, after = apply_changes(case=case, expected_version=expected_version,
                                      changes=changes)
        if before:
            append_event(case=case, actor=actor, type=EventType.UPDATED, before=before,
                         after=after, note=note, at=at)
    return case


def case_extend_refusal(case: Case, actor: User, terms: DeadlineTerms) -> errors.DomainError | None:
    """Why ``actor`` may not extend ``case``'s deadline under ``terms`` now, or None when
    they may: a handler at town level or above, while it is open, once, if the policy allows
    it. ``case_extend`` raises it; a page asks before it offers the form."""
    refusal = rank_refusal(case, actor, RoleName.HANDLER, town_or_above=True)
    if refusal is not None:
        return refusal
    if not case.is_open:
        return errors.DomainError(errors.MSG_CLOSED)
    if case.extended_at is not None:
        return errors.DomainError(errors.MSG_EXTENSION_USED)
    if not terms.extension_allowed or terms.extension_duration <= 0:
        return errors.DomainError(errors.MSG_EXTENSION_NOT_ALLOWED)
    return None


def case_extend(*, case: C, actor: User, expected_version: int, reason: str,
                terms: DeadlineTerms, at: dt.datetime | None = None) -> C:
    """The one extension a policy may allow, with a reason, decided at town level or above."""
    refusal = case_extend_refusal(case, actor, terms)
    if refusal is not None:
        raise refusal
    if not reason.strip():
        raise errors.DomainError(errors.MSG_REASON_REQUIRED, field="reason")
    now = at or timezone.now()
    with transaction.atomic():
        before, after = apply_changes(
            case=case, expected_version=expected_version,
            changes={
                **terms.deadline(case.due_at or now, terms.extension_duration).case_fields(),
                "extended_at": now,
                "extension_reason": reason.strip(),
                # A new deadline: escalation starts again from the case's own unit.
                "escalation_level": 0,
            },
        )
        append_event(case=case, actor=actor, type=EventType.EXTENDED, before=before,
                     after=after, note=reason.strip(), at=now)
    return case


MSG_RECOUNTED = _("{ref}: due date counted again on the confirmed holiday schedule: {before} → {after}")
MSG_CONFIRMED = _("{ref}: due date {after} is now confirmed by the holiday schedule")


def case_deadline_recount(*, case_id: int, actor: User, at: dt.datetime) -> str | None:
    """Count an open case's provisional due date again on the schedule as it stands (a year
    was confirmed). When the date or its provisional mark changes, the change is an event
    and the case's handler (its assignee, else who registered it) is told. Returns the
    case's reference then, else None."""
    base = Case.objects.get(pk=case_id)
    kind = deadline_kind(base.kind)
    model: type[Case] = kind.model if kind else Case
    with transaction.atomic():
        case = model.objects.select_for_update().get(pk=case_id)
        if not case.is_open or not case.due_provisional or not case.due_basis:
            return None
        deadline = recount(case.due_basis)
        if deadline.due_at == case.due_at and deadline.provisional == case.due_provisional:
            return None
        changes = deadline.case_fields()
        if kind:
            changes |= {name: deadline.due_at for name in kind.mirrors(case)}
        previous = case.due_at
        before, after = apply_changes(case=case, expected_version=case.version, changes=changes)
        with translation.override(settings.LANGUAGE_CODE):
            shown = {"ref": case.ref, "before": f"{timezone.localtime(previous):%Y-%m-%d}",
                     "after": f"{timezone.localtime(deadline.due_at):%Y-%m-%d}"}
            message = str(MSG_RECOUNTED if previous != deadline.due_at else MSG_CONFIRMED).format(**shown)
            event = append_event(case=case, actor=actor, type=EventType.RESCHEDULED, before=before,
                                 after=after, note=message, at=at)
            handler = case.assignee or case.reporter
            notify(users=[handler] if handler else [], case=case, event=event, message=message)
    return case.ref
