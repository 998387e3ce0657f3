"""Writes on warning orders: registering one, recording the tries at reaching the person and
how the dissuasion ended, and reading the person in full. The web form, the API and the demo
all call these.

A warning order names someone likely being defrauded now. The unit where they live must reach
them by the contact deadline (PINGAN_FRAUD_WARNING_CONTACT_HOURS after receipt, by risk level)
and talk them out of paying; each try is a ContactAttempt. The first try that reaches them
moves the warning to "reached" and starts the deadline for its outcome: prevented, not reached
(only from "awaiting contact", after PINGAN_FRAUD_WARNING_MIN_ATTEMPTS tries) or already
defrauded (with the fraud case, when one is recorded). Anyone with a handler's role over the
warning's unit — a grid worker in their own grid — records contacts and outcomes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import TextChoices
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.cases import open_case
from pingan.core.deadlines import NO_DEADLINE_FIELDS, DeadlineTerms
from pingan.core.events import append_event
from pingan.core.models import ROLE_RANK, Case, EventType, RoleName, Severity, Unit
from pingan.core.personal.access import record_full_view
from pingan.core.personal.idcard import validate_id_number
from pingan.core.phones import PhoneError, clean_phone
from pingan.core.scoping import scope_for
from pingan.core.workflow import Transition, Workflow, apply_changes, fire
from pingan.dissuasion.models import (
    KIND,
    OUTCOMES,
    REF_PREFIX,
    ContactAttempt,
    ContactMethod,
    RiskLevel,
    WarningIssuer,
    WarningOrder,
    WarningStatus,
)
from pingan.dissuasion.selectors import PersonView, may_view_person, person_of
from pingan.fraud.models import scam_type_label
from pingan.fraud.selectors import fraud_case_get
from pingan.fraud.services import filing_check

MSG_WARNING_UNIT_NOT_TERRITORIAL = _("A warning order goes to a place: choose a town, village or grid cell.")
MSG_CANNOT_REGISTER_HERE = _("You may not register warning orders for {unit}.")
MSG_NOT_A_CHOICE = _("“{value}” is not one of the choices.")
MSG_PERSON_REQUIRED = _("Give the name or the phone number of the person at risk.")
MSG_PERSON_PHONE = _("The phone number is not valid: {reason}")
MSG_RECEIVED_IN_FUTURE = _("The order cannot have been received in the future.")
MSG_ORDER_NUMBER_TAKEN = _("Warning order {number} is already registered.")
MSG_CONTACT_IN_FUTURE = _("A contact cannot be recorded ahead of time.")
MSG_CONTACT_BEFORE_ORDER = _("The contact cannot come before the order was received.")
MSG_PREVENTED_NEEDS_CONTACT = _("A warning is marked prevented only after a contact that reached the person.")
MSG_NOT_REACHED_ATTEMPTS = _(
    "Record at least {count} attempts to reach the person before closing it as not reached."
)
MSG_LOST_NEEDS_EVIDENCE = _(
    "Record the contact in which the person said they had already paid, or name their fraud case."
)
MSG_CASE_ONLY_WHEN_LOST = _("A fraud case is named only when the person was already defrauded.")
MSG_NO_SUCH_FRAUD_CASE = _("No fraud case {ref} that you can see.")
MSG_PERSON_FULL_VIEW_NOT_ALLOWED = _(
    "Your role shows the person at risk masked; those who must contact them may see them in full."
)
MSG_DEFAULT_WARNING_TITLE = _("{risk}: {scam_type}")
RECORD_CONTACT_LABEL = _("Record a contact")


def _reached(case: Case, actor: Any, data: Mapping[str, Any]) -> Any:
    return None if case.first_contact_at is not None else MSG_PREVENTED_NEEDS_CONTACT


def _enough_attempts(case: Case, actor: Any, data: Mapping[str, Any]) -> Any:
    wanted = settings.PINGAN_FRAUD_WARNING_MIN_ATTEMPTS
    made = ContactAttempt.objects.filter(warning_id=case.pk).count()
    return None if made >= wanted else MSG_NOT_REACHED_ATTEMPTS.format(count=wanted)


def _reached_or_case(case: Case, actor: Any, data: Mapping[str, Any]) -> Any:
    return None if case.first_contact_at is not None or data.get("fraud_case") else MSG_LOST_NEEDS_EVIDENCE


_AWAITING, _CONTACTED = WarningStatus.AWAITING_CONTACT, WarningStatus.CONTACTED
REACH = "reach"
_PREVENTED, _NOT_REACHED, _LOST = OUTCOMES
WARNING_WORKFLOW = Workflow(
    kind=KIND,
    states=dict(WarningStatus.choices),
    initial=_AWAITING,
    closed_states=frozenset(OUTCOMES),
    transitions=(
        # Fired by warning_contact_record, never on its own: a contact that reached the person.
        Transition(REACH, _("Person reached"), (_AWAITING,), _CONTACTED, assignee_may=True),
        Transition(_PREVENTED.value, _PREVENTED.label, (_AWAITING, _CONTACTED), _PREVENTED,
                   assignee_may=True, requires=(_reached,), style="success"),
        Transition(_NOT_REACHED.value, _NOT_REACHED.label, (_AWAITING,), _NOT_REACHED,
                   assignee_may=True, requires=(_enough_attempts,), style="outline-danger"),
        Transition(_LOST.value, _LOST.label, (_AWAITING, _CONTACTED), _LOST,
                   assignee_may=True, requires=(_reached_or_case,), style="danger"),
    ),
)


class ClockHours(DeadlineTerms):
    """A deadline ``duration`` clock hours after the start: no working days, no end of day."""

    def due_at(self, start: dt.datetime) -> dt.datetime:
        return start + dt.timedelta(hours=self.duration)

    def due_fields(self, start: dt.datetime) -> dict[str, Any]:
        # Hours on the clock: no holiday moves them, so nothing is provisional.
        return {**NO_DEADLINE_FIELDS, "due_at": self.due_at(start)}


def contact_terms(risk_level: str) -> ClockHours:
    hours = settings.PINGAN_FRAUD_WARNING_CONTACT_HOURS[risk_level]
    return ClockHours(duration=hours, extension_allowed=False)


def _choice(value: str, choices: type[TextChoices], field: str) -> str:
    if value not in choices.values:
        raise errors.DomainError(MSG_NOT_A_CHOICE.format(value=value), field=field)
    return value


def warning_register_check(*, actor: Any, unit: Unit, scam_type: str) -> None:
    """May ``actor`` register a warning naming ``scam_type`` for ``unit``?"""
    probe = WarningOrder(kind=KIND, category=scam_type, unit=unit, unit_prefix=unit.prefix)
    filing_check(actor=actor, probe=probe, not_a_place=MSG_WARNING_UNIT_NOT_TERRITORIAL,
              not_allowed=MSG_CANNOT_REGISTER_HERE)


def _person_phone(phone: str) -> str:
    try:
        return clean_phone(phone)
    except PhoneError as exc:
        # The reason only: the number itself is personal data, and errors are shown where it is masked.
        raise errors.DomainError(MSG_PERSON_PHONE.format(reason=exc.reason), field="person_phone") from None


def warning_register(*, actor: Any, unit: Unit, issuer: str, risk_level: str, scam_type: str,
                     person_name: str = "", person_phone: str = "", person_id_number: str = "",
                     person_address: str = "", description: str = "", order_number: str | None = "",
                     received_at: dt.datetime | None = None, source: str = "web") -> WarningOrder:
    """Register a warning order; its contact deadline runs from ``received_at`` (default now).
    Everything is checked before anything is written."""
    now = timezone.now()
    received_at = received_at or now
    warning_register_check(actor=actor, unit=unit, scam_type=scam_type)
    _choice(issuer, WarningIssuer, "issuer")
    _choice(risk_level, RiskLevel, "risk_level")
    if received_at > now:
        raise errors.DomainError(MSG_RECEIVED_IN_FUTURE, field="received_at")
    name, phone = person_name.strip(), _person_phone(person_phone)
    if not (name or phone):
        raise errors.DomainError(MSG_PERSON_REQUIRED, field="person_name")
    id_number = ""
    if person_id_number.strip():
        try:
            id_number = validate_id_number(person_id_number)
        except errors.DomainError as exc:
            raise errors.DomainError(exc.message, field="person_id_number") from None
    number = (order_number or "").strip()[:60] or None
    if number and WarningOrder.objects.filter(kind=KIND, external_ref=number).exists():
        raise errors.DomainError(MSG_ORDER_NUMBER_TAKEN.format(number=number), field="order_number")
    terms = contact_terms(risk_level)
    with translation.override(settings.LANGUAGE_CODE):
        title = str(MSG_DEFAULT_WARNING_TITLE.format(risk=RiskLevel(risk_level).label,
                                                     scam_type=scam_type_label(scam_type)))
    fields = {
        "kind": KIND, "title": title, "description": description.strip(), "category": scam_type,
        "severity": Severity.MAJOR if risk_level == RiskLevel.HIGH else Severity.ORDINARY,
        "status": WARNING_WORKFLOW.initial, "source": source, "external_ref": number,
        "issuer": issuer, "risk_level": risk_level, "person_name": name[:60], "person_phone": phone,
        "person_id_number": id_number, "person_address": person_address.strip()[:200],
        "contact_due_at": terms.due_at(received_at),
    }
    return open_case(model=WarningOrder, ref_prefix=REF_PREFIX, actor=actor, unit=unit, fields=fields,
                     terms=terms, opened_at=received_at)


def _require_contact_rights(warning: WarningOrder, actor: Any, label: Any) -> None:
    """Those who contact the person: a handler's role over the warning (a grid worker in their
    own grid), or its assignee."""
    scope = scope_for(actor)
    if not scope.covers(warning):
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    if warning.assignee_id != getattr(actor, "pk", None) \
            and scope.rank_for(warning) < ROLE_RANK[RoleName.HANDLER]:
        raise errors.PermissionDenied(errors.MSG_NOT_ALLOWED.format(transition=label))


def warning_contact_record(*, warning: WarningOrder, actor: Any, expected_version: int, method: str,
                           reached: bool, note: str = "", contacted_at: dt.datetime | None = None,
                           at: dt.datetime | None = None) -> ContactAttempt:
    """Record one try at reaching the person, made at ``contacted_at`` (default now). The first
    that reaches them moves the warning to "reached" and starts the deadline for its outcome.
    ``at`` back-dates the recording itself (the demo generator only)."""
    _require_contact_rights(warning, actor, RECORD_CONTACT_LABEL)
    if not warning.is_open:
        raise errors.DomainError(errors.MSG_CLOSED)
    _choice(method, ContactMethod, "method")
    now = at or timezone.now()
    contacted_at = contacted_at or now
    if contacted_at > now:
        raise errors.DomainError(MSG_CONTACT_IN_FUTURE, field="contacted_at")
    if contacted_at < warning.opened_at:
        raise errors.DomainError(MSG_CONTACT_BEFORE_ORDER, field="contacted_at")
    note = note.strip()
    changes: dict[str, Any] = {}
    if reached and (warning.first_contact_at is None or contacted_at < warning.first_contact_at):
        changes = {"first_contact_at": contacted_at,
                   "contact_seconds": int((contacted_at - warning.opened_at).total_seconds())}
    with transaction.atomic():
        apply_changes(case=warning, expected_version=expected_version, changes=changes)
        append_event(case=warning, actor=actor, type=EventType.UPDATED, note=note, at=now, after={
            "contact_method": method, "contact_reached": reached, "contacted_at": contacted_at, **changes})
        attempt = ContactAttempt.objects.create(warning=warning, at=contacted_at, method=method,
                                                reached=reached, note=note, by=actor, recorded_at=now)
        if reached and warning.status == _AWAITING:
            fire(workflow=WARNING_WORKFLOW, case=warning, name=REACH, actor=actor,
                 expected_version=warning.version, at=now, changes={
                     "due_at": contacted_at + dt.timedelta(hours=settings.PINGAN_FRAUD_WARNING_OUTCOME_HOURS),
                     # A new deadline: escalation starts again from the warning's own unit.
                     "escalation_level": 0,
                 })
    return attempt


def warning_conclude(*, warning: WarningOrder, actor: Any, expected_version: int, outcome: str,
                     note: str = "", fraud_case_ref: str = "", at: dt.datetime | None = None) -> WarningOrder:
    """Close the warning with how the dissuasion ended; an "already defrauded" one may name the
    person's fraud case, which the actor must be able to see."""
    _require_contact_rights(warning, actor, WarningStatus(outcome).label if outcome in OUTCOMES
                            else RECORD_CONTACT_LABEL)
    if outcome not in OUTCOMES:
        raise errors.DomainError(MSG_NOT_A_CHOICE.format(value=outcome), field="outcome")
    fraud_case = None
    if fraud_case_ref.strip():
        if outcome != WarningStatus.ALREADY_LOST:
            raise errors.DomainError(MSG_CASE_ONLY_WHEN_LOST, field="fraud_case")
        ref = fraud_case_ref.strip().upper()
        fraud_case = fraud_case_get(user=actor, ref=ref)
        if fraud_case is None:
            raise errors.DomainError(MSG_NO_SUCH_FRAUD_CASE.format(ref=ref), field="fraud_case")
    fire(workflow=WARNING_WORKFLOW, case=warning, name=outcome, actor=actor,
         expected_version=expected_version, note=note.strip(), data={"fraud_case": fraud_case},
         changes={"fraud_case": fraud_case} if fraud_case else {},
         notify_users=[warning.reporter], at=at)
    return warning


def warning_person_full(*, warning: WarningOrder, actor: Any) -> PersonView:
    """The person at risk in full, for a reader whose role allows it; the reading is an event."""
    if not scope_for(actor).covers(warning):
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    if not may_view_person(actor, warning):
        raise errors.PermissionDenied(MSG_PERSON_FULL_VIEW_NOT_ALLOWED)
    record_full_view(case=warning, actor=actor, fields=["name", "phone", "id_number", "address"])
    return person_of(warning, full=True)
