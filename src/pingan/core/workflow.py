"""A small declarative workflow engine shared by every kind of case.

Each kind declares its states and transitions (who may fire each and what it requires);
``fire`` is the only way a status changes. It checks the rule, applies the change under
optimistic locking, appends the event and notifies, inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.functional import Promise

from pingan.core import errors
from pingan.core.events import append_event
from pingan.core.inbox import notify
from pingan.core.models import ROLE_RANK, Case, Event, EventType, RoleName
from pingan.core.scoping import scope_for

# A requirement looks at the case, the actor and the transition's input and returns an
# error message, or None when it is met.
Requirement = Callable[[Case, Any, Mapping[str, Any]], "str | Promise | None"]


@dataclass(frozen=True)
class Transition:
    name: str
    label: str | Promise
    sources: tuple[str, ...]
    # None: a step that is recorded and checked like any other but leaves the status as it
    # is (listing a major hazard for supervision does not interrupt its rectification).
    target: str | None
    min_rank: int = ROLE_RANK[RoleName.HANDLER]
    # Only roles at a town, the district or a department count (not a village or grid).
    town_or_above: bool = False
    # The case's assignee may fire it whatever their role.
    assignee_may: bool = False
    requires: tuple[Requirement, ...] = ()
    # Rules about who acts (not what they send): failing one hides the button as well.
    actor_requires: tuple[Requirement, ...] = ()
    note_required: bool = False
    style: str = "primary"


@dataclass(frozen=True)
class Workflow:
    kind: str
    states: Mapping[str, str | Promise]
    initial: str
    closed_states: frozenset[str]
    transitions: tuple[Transition, ...]
    _by_name: dict[str, Transition] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {t.name: t for t in self.transitions})
        unknown = {
            s for t in self.transitions for s in (*t.sources, t.target)
            if s is not None and s not in self.states
        }
        if unknown:
            raise ValueError(f"{self.kind}: transitions name unknown states {sorted(unknown)}")

    def get(self, name: str) -> Transition:
        try:
            return self._by_name[name]
        except KeyError:
            raise errors.TransitionNotAllowed(
                errors.MSG_NO_SUCH_TRANSITION.format(transition=name)
            ) from None

    def label(self, state: str) -> str:
        return str(self.states.get(state, state))

    def may_fire(self, transition: Transition, case: Case, user: Any) -> bool:
        if case.status not in transition.sources:
            return False
        if any(rule(case, user, {}) for rule in transition.actor_requires):
            return False
        if transition.assignee_may and case.assignee_id == getattr(user, "pk", None):
            return True
        rank = scope_for(user).rank_for(case, town_or_above=transition.town_or_above)
        return rank >= transition.min_rank

    def available(self, case: Case, user: Any) -> list[Transition]:
        """The buttons this user gets on this case."""
        return [t for t in self.transitions if self.may_fire(t, case, user)]


def check_transition(workflow: Workflow, case: Case, name: str, actor: Any,
                     data: Mapping[str, Any], note: str) -> Transition:
    transition = workflow.get(name)
    if not scope_for(actor).covers(case):
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    if case.status not in transition.sources:
        raise errors.TransitionNotAllowed(
            errors.MSG_WRONG_STATE.format(
                transition=transition.label, status=workflow.label(case.status)
            )
        )
    for rule in transition.actor_requires:
        problem = rule(case, actor, data)
        if problem:
            raise errors.PermissionDenied(str(problem))
    if not workflow.may_fire(transition, case, actor):
        raise errors.PermissionDenied(errors.MSG_NOT_ALLOWED.format(transition=transition.label))
    if transition.note_required and not note.strip():
        raise errors.DomainError(errors.MSG_REASON_REQUIRED, field="note")
    for requirement in transition.requires:
        problem = requirement(case, actor, data)
        if problem:
            raise errors.DomainError(str(problem))
    return transition


def _split_fields(case: Case, changes: Mapping[str, Any]) -> tuple[dict, dict]:
    """Changes to the shared Case table, and to the kind's own table."""
    base_fields = {f.attname for f in Case._meta.concrete_fields} | {
        f.name for f in Case._meta.concrete_fields
    }
    base = {k: v for k, v in changes.items() if k in base_fields}
    own = {k: v for k, v in changes.items() if k not in base_fields}
    return base, own


def _snapshot(case: Case, names: Iterable[str]) -> dict[str, Any]:
    return {name: _plain(getattr(case, name)) for name in names}


def _plain(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value


def apply_changes(*, case: Case, expected_version: int, changes: Mapping[str, Any],
                  bump_version: bool = True) -> tuple[dict, dict]:
    """Write ``changes`` if the case is still at ``expected_version``; return what changed
    (before, after). A stale version raises StaleEdit and writes nothing."""
    base, own = _split_fields(case, changes)
    updates: dict[str, Any] = dict(base)
    if bump_version:
        updates["version"] = F("version") + 1
    updated = Case.objects.filter(pk=case.pk, version=expected_version).update(**updates)
    if not updated:
        current = Case.objects.filter(pk=case.pk).values_list("version", flat=True).first()
        raise errors.StaleEdit(
            errors.MSG_STALE.format(expected=expected_version, current=current)
        )
    if own:
        type(case)._default_manager.filter(pk=case.pk).update(**own)
    names = [k for k in changes if _plain(getattr(case, k)) != _plain(changes[k])]
    before = _snapshot(case, names)
    for name, value in changes.items():
        setattr(case, name, value)
    if bump_version:
        case.version = expected_version + 1
    return before, _snapshot(case, names)


def fire(*, workflow: Workflow, case: Case, name: str, actor: Any, expected_version: int,
         note: str = "", data: Mapping[str, Any] | None = None,
         changes: Mapping[str, Any] | None = None,
         notify_users: Iterable[Any] = (), message: str = "",
         at: dt.datetime | None = None) -> Event:
    """Fire one transition: check, change, log, notify — all or nothing.

    ``at`` back-dates the step; only importers and the demo generator pass it."""
    with transaction.atomic():
        transition = check_transition(workflow, case, name, actor, data or {}, note)
        return record_transition(workflow=workflow, case=case, transition=transition, actor=actor,
                                 expected_version=expected_version, note=note, changes=changes,
                                 notify_users=notify_users, message=message, at=at)


def record_transition(*, workflow: Workflow, case: Case, transition: Transition, actor: Any,
                      expected_version: int, note: str = "",
                      changes: Mapping[str, Any] | None = None,
                      notify_users: Iterable[Any] = (), message: str = "",
                      at: dt.datetime | None = None) -> Event:
    """Change, log and notify for a transition whose rules the caller has checked: ``fire``
    after ``check_transition``, or a service whose actor is not a user with a role (a
    member of the public proving who they are otherwise, then ``actor`` is None)."""
    with transaction.atomic():
        from_status = case.status
        target = transition.target or from_status
        now = at or timezone.now()
        all_changes: dict[str, Any] = {"status": target, **(changes or {})}
        closing = target in workflow.closed_states
        all_changes["is_open"] = not closing
        all_changes["closed_at"] = now if closing else None
        before, after = apply_changes(
            case=case, expected_version=expected_version, changes=all_changes
        )
        event = append_event(
            case=case, actor=actor, type=EventType.TRANSITION, transition=transition.name,
            from_status=from_status, to_status=target, before=before, after=after,
            note=note, at=now,
        )
        # Stored in the platform's language, not the actor's: the reader may not share it.
        with translation.override(settings.LANGUAGE_CODE):
            notify(
                users=[u for u in notify_users
                       if u is not None and u.pk != getattr(actor, "pk", None)],
                case=case, event=event,
                message=str(message) or f"{case.ref} {transition.label}",
            )
    return event
