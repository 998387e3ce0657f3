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
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import TextChoices
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.cases import open_case, rank_refusal
from pingan.core.deadlines import NO_DEADLINE_FIELDS, DeadlineTerms
from pingan.core.events import append_event
from pingan.core.models import EventType, RoleName, Severity, Unit
from pingan.core.personal.access import record_full_view
from pingan.core.personal.idcard import validate_id_number
from pingan.core.phones import PhoneError, clean_phone
from pingan.core.scoping import scope_for
from pingan.core.workflow import apply_changes, take_step
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
from pingan.dissuasion.workflow import FRAUD_CASE, REACH, WARNING_WORKFLOW
from pingan.fraud.models import scam_type_label
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
MSG_CASE_ONLY_WHEN_LOST = _("A fraud case is named only when the person was already defrauded.")
MSG_PERSON_FULL_VIEW_NOT_ALLOWED = _(
    "Your role shows the person at risk masked; those who must contact them may see them in full."
)
MSG_DEFAULT_WARNING_TITLE = _("{risk}: {scam_type}")
RECORD_CONTACT_LABEL = _("Record a contact")


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


def contact_refusal(warning: WarningOrder, actor: Any) -> errors.DomainError | None:
    """Why ``actor`` may not record a contact on ``warning`` now, or None. Those who contact
    the person: a handler's role over the warning (a grid worker in their own grid), or its
    assignee, while the warning is open. The page asks this before offering the form."""
    return rank_refusal(warning, actor, RoleName.HANDLER, action=RECORD_CONTACT_LABEL, assignee_may=True,
                        while_open=True)


def may_contact(warning: WarningOrder, user: Any) -> bool:
    return contact_refusal(warning, user) is None


def warning_contact_record(*, warning: WarningOrder, actor: Any, expected_version: int, method: str,
                           reached: bool, note: str = "", contacted_at: dt.datetime | None = None,
                           at: dt.datetime | None = None) -> ContactAttempt:
    """Record one try at reaching the person, made at ``contacted_at`` (default now). The first
    that reaches them moves the warning to "reached" and starts the deadline for its outcome.
    ``at`` back-dates the recording itself (the demo generator only)."""
    refusal = contact_refusal(warning, actor)
    if refusal is not None:
        raise refusal
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
        if reached and warning.status == WarningStatus.AWAITING_CONTACT:
            take_step(workflow=WARNING_WORKFLOW, case=warning, name=REACH, actor=actor,
                      expected_version=warning.version, inputs={}, at=now)
    return attempt


def warning_conclude(*, warning: WarningOrder, actor: Any, expected_version: int, outcome: str,
                     note: str = "", at: dt.datetime | None = None, **inputs: Any) -> WarningOrder:
    """Close the warning with how the dissuasion ended: the outcome's step, with the inputs it
    declares (``dissuasion.workflow``)."""
    if outcome not in OUTCOMES:
        raise errors.DomainError(MSG_NOT_A_CHOICE.format(value=outcome), field="outcome")
    # The API sends a fraud case with any outcome: an empty one is no input of the others,
    # and one named for an outcome that is not a loss is refused, not dropped.
    takes_a_case = FRAUD_CASE in WARNING_WORKFLOW.get(outcome).inputs
    if not takes_a_case and inputs.pop(FRAUD_CASE.name, None):
        raise errors.DomainError(MSG_CASE_ONLY_WHEN_LOST, field=FRAUD_CASE.name)
    take_step(workflow=WARNING_WORKFLOW, case=warning, name=outcome, actor=actor,
              expected_version=expected_version, note=note, inputs=inputs, at=at)
    return warning


def warning_person_full(*, warning: WarningOrder, actor: Any) -> PersonView:
    """The person at risk in full, for a reader whose role allows it; the reading is an event."""
    if not scope_for(actor).covers(warning):
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    if not may_view_person(actor, warning):
        raise errors.PermissionDenied(MSG_PERSON_FULL_VIEW_NOT_ALLOWED)
    record_full_view(case=warning, actor=actor, fields=["name", "phone", "id_number", "address"])
    return person_of(warning, full=True)
