"""A warning order's steps as a workflow.

    awaiting contact ─reach→ reached, dissuading
    awaiting contact or reached ─prevented→ prevented        (once a contact reached the person)
    awaiting contact ─not_reached→ not reached                (after enough tries)
    awaiting contact or reached ─already_lost→ already defrauded (reached, or their fraud case named)

"reach" is never taken on its own: recording the first contact that reaches the person takes
it (``services.warning_contact_record``). The outcomes are taken through
``services.warning_conclude``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.models import Case
from pingan.core.workflow import Effect, Input, Step, Transition, Workflow
from pingan.dissuasion.models import KIND, OUTCOMES, ContactAttempt, WarningStatus
from pingan.fraud.selectors import fraud_case_get

MSG_PREVENTED_NEEDS_CONTACT = _("A warning is marked prevented only after a contact that reached the person.")
MSG_NOT_REACHED_ATTEMPTS = _(
    "Record at least {count} attempts to reach the person before closing it as not reached."
)
MSG_LOST_NEEDS_EVIDENCE = _(
    "Record the contact in which the person said they had already paid, or name their fraud case."
)
MSG_NO_SUCH_FRAUD_CASE = _("No fraud case {ref} that you can see.")


def _reached(case: Case, actor: Any, data: Mapping[str, Any]) -> Any:
    return None if case.first_contact_at is not None else MSG_PREVENTED_NEEDS_CONTACT


def _enough_attempts(case: Case, actor: Any, data: Mapping[str, Any]) -> Any:
    wanted = settings.PINGAN_FRAUD_WARNING_MIN_ATTEMPTS
    made = ContactAttempt.objects.filter(warning_id=case.pk).count()
    return None if made >= wanted else MSG_NOT_REACHED_ATTEMPTS.format(count=wanted)


def _reached_or_case(case: Case, actor: Any, data: Mapping[str, Any]) -> Any:
    return None if case.first_contact_at is not None or data.get("fraud_case") else MSG_LOST_NEEDS_EVIDENCE


FRAUD_CASE = Input("fraud_case", _("Fraud case"), max_length=20,
                   help_text=_("Already defrauded: the reference of the case they reported."))


def _reach(step: Step) -> Effect:
    """The outcome is due some hours after the contact that reached the person (the contact
    has just set ``first_contact_at``)."""
    hours = dt.timedelta(hours=settings.PINGAN_FRAUD_WARNING_OUTCOME_HOURS)
    # A new deadline: escalation starts again from the warning's own unit.
    return Effect(changes={"due_at": step.case.first_contact_at + hours, "escalation_level": 0})


def _conclude(step: Step) -> Effect:
    """Whoever registered the warning hears how it ended."""
    return Effect(notify=[step.case.reporter])


def _already_lost(step: Step) -> Effect:
    """The person's fraud case, when named, is the evidence of the loss: one the actor can see."""
    effect = _conclude(step)
    ref = step.get(FRAUD_CASE.name, "").strip().upper()
    if ref:
        fraud_case = fraud_case_get(user=step.actor, ref=ref)
        if fraud_case is None:
            raise errors.DomainError(MSG_NO_SUCH_FRAUD_CASE.format(ref=ref), field=FRAUD_CASE.name)
        effect.changes["fraud_case"] = effect.data["fraud_case"] = fraud_case
    return effect


_AWAITING, _CONTACTED = WarningStatus.AWAITING_CONTACT, WarningStatus.CONTACTED
REACH = "reach"
_PREVENTED, _NOT_REACHED, _LOST = OUTCOMES
WARNING_WORKFLOW = Workflow(
    kind=KIND,
    states=dict(WarningStatus.choices),
    initial=_AWAITING,
    closed_states=frozenset(OUTCOMES),
    transitions=(
        Transition(REACH, _("Person reached"), (_AWAITING,), _CONTACTED, assignee_may=True, effect=_reach),
        Transition(_PREVENTED.value, _PREVENTED.label, (_AWAITING, _CONTACTED), _PREVENTED,
                   assignee_may=True, requires=(_reached,), style="success", effect=_conclude),
        Transition(_NOT_REACHED.value, _NOT_REACHED.label, (_AWAITING,), _NOT_REACHED,
                   assignee_may=True, requires=(_enough_attempts,), style="outline-danger", effect=_conclude),
        Transition(_LOST.value, _LOST.label, (_AWAITING, _CONTACTED), _LOST,
                   assignee_may=True, requires=(_reached_or_case,), style="danger",
                   inputs=(FRAUD_CASE,), effect=_already_lost),
    ),
)
