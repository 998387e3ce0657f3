"""A small declarative workflow engine shared by every kind of case.

Each kind declares its states and transitions: who may fire each, what it requires, the
inputs it asks for and its effect (what it changes, whom it tells, what it attaches).
``take_step`` (or ``fire``, for a kind whose steps carry no effect) is the only way a status
changes. It checks each rule once, applies the change under optimistic locking, appends the
event and notifies, inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.events import append_event
from pingan.core.inbox import notify
from pingan.core.models import ROLE_RANK, Case, Event, EventType, RoleName
from pingan.core.people import acts_for_lead, lead_unit
from pingan.core.scoping import scope_for
from pingan.core.users import User

# A requirement looks at the case, the actor and the transition's input and returns an
# error message, or None when it is met. A rule on who acts is given no input; when the step
# is back-dated (an importer, the demo), it is given the step's moment as ``at``, so that a
# rule about a window of time judges the moment the step is taken at.
Requirement = Callable[[Case, Any, Mapping[str, Any]], "str | Promise | None"]

MSG_NOT_AN_INPUT = _("“{transition}” does not take {names}.")


def lead_only(message: str | Promise) -> Requirement:
    """A rule on who acts: the case's lead unit's people (``core.people.acts_for_lead``) or the
    deployment's operator. ``message`` names the lead as its domain calls it, as ``{unit}``
    (牵头单位 for a supervised task, 主办单位 for a suggestion)."""
    def requirement(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
        if scope_for(actor).everything or acts_for_lead(actor, case):
            return None
        return str(message).format(unit=lead_unit(case).name)
    return requirement


class InputKind(StrEnum):
    """What an input holds, which decides its form field and its API field."""

    TEXT = "text"
    CHOICE = "choice"  # one of ``Input.choices`` (a TextChoices)
    DATE = "date"
    PERSON = "person"  # a user: chosen on the form, named by username over the API
    UNIT = "unit"  # a unit: chosen on the form, named by its code over the API
    FILES = "files"  # uploads sent with the web form (the API uploads them beforehand)


@dataclass(frozen=True)
class Input:
    """One value a step asks for. The step's web form field and its API field are both built
    from it, and its service takes exactly its step's inputs, so the three cannot drift."""

    name: str
    label: str | Promise
    kind: InputKind = InputKind.TEXT
    choices: Any = None  # CHOICE: its TextChoices
    only: tuple[Any, ...] = ()  # CHOICE: the members offered, when not all of them
    # PERSON / UNIT: what the form offers for this case (the service checks the choice).
    options: Callable[[Case], Any] | None = None
    option_label: Callable[[Any], str] | None = None
    # The value the service takes for the option chosen, when it is not the option itself.
    option_value: Callable[[Any], Any] | None = None
    # Asked only when this holds for the case (the form omits it otherwise).
    asked: Callable[[Case], bool] | None = None
    help_text: str | Promise = ""
    # TEXT: a single line of at most this many characters (otherwise a free text).
    max_length: int | None = None
    # FILES: the file types the form's picker offers.
    accept: str = "image/*"


@dataclass(frozen=True)
class Step:
    """One step being taken: what its effect works from."""

    case: Any
    actor: User
    inputs: Mapping[str, Any]
    note: str
    now: dt.datetime
    # The rules in force for this case, where its kind keeps them apart (a petition's rulebook).
    rules: Any = None

    def get(self, name: str, default: Any = None) -> Any:
        value = self.inputs.get(name)
        return default if value is None else value


@dataclass
class Effect:
    """What a step does besides moving the status: the fields it changes, whom it notifies
    and with what message (empty: the case's reference and the step's label), what its
    requirements see besides the input (values it resolved, terms it applies), and what it
    does once the step is recorded (attach files, issue a code)."""

    changes: dict[str, Any] = field(default_factory=dict)
    notify: list[Any] = field(default_factory=list)
    message: str | Promise = ""
    data: dict[str, Any] = field(default_factory=dict)
    then: Callable[[Event], None] | None = None


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
    # What the step asks for (its form, its API fields and what its service takes) and what
    # it does with it: so a step is read, and changed, in one place.
    inputs: tuple[Input, ...] = ()
    # The note's label on the form, when the note is more than a remark (the reply itself).
    note_label: str | Promise = ""
    # None: the step only moves the status.
    effect: Callable[[Step], Effect] | None = None

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.inputs)


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

    @property
    def inputs(self) -> dict[str, Input]:
        """Every input any step asks for, by name (one API schema serves all steps)."""
        return {i.name: i for t in self.transitions for i in t.inputs}

    def may_fire(self, transition: Transition, case: Case, user: User) -> bool:
        if case.status not in transition.sources:
            return False
        if any(rule(case, user, {}) for rule in transition.actor_requires):
            return False
        return _role_allows(transition, case, user)

    def available(self, case: Case, user: User) -> list[Transition]:
        """The buttons this user gets on this case."""
        return [t for t in self.transitions if self.may_fire(t, case, user)]


def _role_allows(transition: Transition, case: Case, user: User) -> bool:
    if transition.assignee_may and case.assignee_id == getattr(user, "pk", None):
        return True
    rank = scope_for(user).rank_for(case, town_or_above=transition.town_or_above)
    return rank >= transition.min_rank


def check_transition(workflow: Workflow, case: Case, name: str, actor: User,
                     data: Mapping[str, Any], note: str, at: dt.datetime | None = None) -> Transition:
    transition = workflow.get(name)
    check_actor(workflow, case, transition, actor, at)
    check_input(transition, case, actor, data, note)
    return transition


def check_actor(workflow: Workflow, case: Case, transition: Transition, actor: User,
                at: dt.datetime | None = None) -> None:
    """May ``actor`` take this step on this case now (or at ``at``, back-dated)? Each rule is
    asked once, and before the input is looked at: a step that cannot be taken says so,
    whatever was sent with it."""
    if not scope_for(actor).covers(case):
        # Before anything else, so no message can tell an outsider the case exists.
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    if case.status not in transition.sources:
        raise errors.TransitionNotAllowed(
            errors.MSG_WRONG_STATE.format(
                transition=transition.label, status=workflow.label(case.status)
            )
        )
    moment = {"at": at} if at else {}
    for rule in transition.actor_requires:
        problem = rule(case, actor, moment)
        if problem:
            raise errors.PermissionDenied(str(problem))
    if not _role_allows(transition, case, actor):
        raise errors.PermissionDenied(errors.MSG_NOT_ALLOWED.format(transition=transition.label))


def check_input(transition: Transition, case: Case, actor: User, data: Mapping[str, Any],
                note: str) -> None:
    """Does what was sent meet the step's requirements? Each is asked once."""
    if transition.note_required and not note.strip():
        raise errors.DomainError(errors.MSG_REASON_REQUIRED, field="note")
    for requirement in transition.requires:
        problem = requirement(case, actor, data)
        if problem:
            raise errors.DomainError(str(problem))


def take_step(*, workflow: Workflow, case: Case, name: str, actor: User, expected_version: int,
              note: str = "", inputs: Mapping[str, Any], rules: Any = None,
              at: dt.datetime | None = None) -> Event:
    """Take a step whose effect is declared with it: check who acts, work out the effect
    from the inputs, check the requirements on both, then change, log, notify and let the
    effect finish (attach what was sent) — all or nothing.

    ``inputs`` must be among the step's declared inputs (None means not given); ``at``
    back-dates the step (importers and the demo generator only)."""
    transition = workflow.get(name)
    unknown = sorted(set(inputs) - set(transition.input_names))
    if unknown:
        raise errors.DomainError(MSG_NOT_AN_INPUT.format(transition=transition.label,
                                                         names=", ".join(unknown)))
    check_actor(workflow, case, transition, actor, at)
    step = Step(case=case, actor=actor, note=note.strip(), now=at or timezone.now(), rules=rules,
                inputs={k: v for k, v in inputs.items() if v is not None})
    effect = transition.effect(step) if transition.effect else Effect()
    with transaction.atomic():
        check_input(transition, case, actor, {**step.inputs, "note": note, **effect.data}, note)
        event = record_transition(
            workflow=workflow, case=case, transition=transition, actor=actor,
            expected_version=expected_version, note=step.note, changes=effect.changes,
            notify_users=effect.notify, message=str(effect.message), at=step.now,
        )
        if effect.then:
            effect.then(event)
    return event


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


def fire(*, workflow: Workflow, case: Case, name: str, actor: User, expected_version: int,
         note: str = "", data: Mapping[str, Any] | None = None,
         changes: Mapping[str, Any] | None = None,
         notify_users: Iterable[Any] = (), message: str = "",
         at: dt.datetime | None = None) -> Event:
    """Fire one transition: check, change, log, notify — all or nothing.

    ``at`` back-dates the step; only importers and the demo generator pass it."""
    with transaction.atomic():
        transition = check_transition(workflow, case, name, actor, data or {}, note, at)
        return record_transition(workflow=workflow, case=case, transition=transition, actor=actor,
                                 expected_version=expected_version, note=note, changes=changes,
                                 notify_users=notify_users, message=message, at=at)


def record_transition(*, workflow: Workflow, case: Case, transition: Transition, actor: User | None,
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
