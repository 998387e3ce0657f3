"""The hazard loop: reported → assigned → rectifying → awaiting verification → closed,
with "returned for rework" and "rejected" (not a hazard, or a duplicate)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from pingan.core.models import AttachmentKind, Case
from pingan.core.workflow import Transition, Workflow
from pingan.hazards.models import KIND, RejectionReason, Status

MSG_ASSIGNEE_REQUIRED = _("Choose who will rectify the hazard.")
MSG_PLAN_INCOMPLETE = _(
    "A major hazard needs its six-part rectification plan and a supervising leader before "
    "work starts. Missing: {missing}."
)
MSG_AFTER_PHOTO_REQUIRED = _("Add at least one photo taken after the rectification.")
MSG_VERIFIER_IS_RECTIFIER = _(
    "The person who rectified a hazard cannot verify it: someone else must check the work."
)
MSG_ACCEPTANCE_REQUIRED = _("A major hazard closes only with the acceptance conclusion in the note.")
MSG_REJECTION_REASON = _("Say why: not a hazard, or a duplicate of another report.")
MSG_DUPLICATE_OF_REQUIRED = _("Give the reference number of the original report.")


def needs_assignee(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    return None if data.get("assignee") else MSG_ASSIGNEE_REQUIRED


def major_needs_plan(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    if case.severity != "major":
        return None
    missing = case.missing_plan_parts()  # type: ignore[attr-defined]
    if not case.supervising_leader:  # type: ignore[attr-defined]
        missing.append(str(_("supervising leader")))
    return MSG_PLAN_INCOMPLETE.format(missing="、".join(missing)) if missing else None


def needs_after_photo(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    if data.get("photos"):
        return None
    has_one = case.attachments.filter(kind=AttachmentKind.AFTER).exists()
    return None if has_one else MSG_AFTER_PHOTO_REQUIRED


def verifier_is_not_rectifier(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    return MSG_VERIFIER_IS_RECTIFIER if case.rectifier_id == actor.pk else None  # type: ignore[attr-defined]


def major_needs_acceptance(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    if case.severity == "major" and not str(data.get("note", "")).strip():
        return MSG_ACCEPTANCE_REQUIRED
    return None


def rejection_is_explained(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    reason = data.get("reason")
    if reason not in RejectionReason.values:
        return MSG_REJECTION_REASON
    if reason == RejectionReason.DUPLICATE and not data.get("duplicate_of"):
        return MSG_DUPLICATE_OF_REQUIRED
    return None


HAZARD_WORKFLOW = Workflow(
    kind=KIND,
    states=dict(Status.choices),
    initial=Status.REPORTED,
    closed_states=frozenset({Status.CLOSED, Status.REJECTED}),
    transitions=(
        Transition("assign", _("Assign"), (Status.REPORTED,), Status.ASSIGNED,
                   town_or_above=True, requires=(needs_assignee,)),
        Transition("start", _("Start rectification"), (Status.ASSIGNED,), Status.RECTIFYING,
                   assignee_may=True, town_or_above=True, requires=(major_needs_plan,)),
        Transition("submit", _("Submit for verification"), (Status.RECTIFYING,),
                   Status.AWAITING_VERIFICATION, assignee_may=True, town_or_above=True,
                   requires=(needs_after_photo,)),
        Transition("verify", _("Verify and close"), (Status.AWAITING_VERIFICATION,),
                   Status.CLOSED, town_or_above=True, actor_requires=(verifier_is_not_rectifier,),
                   requires=(major_needs_acceptance,), style="success"),
        Transition("rework", _("Return for rework"), (Status.AWAITING_VERIFICATION,),
                   Status.RECTIFYING, town_or_above=True, note_required=True,
                   actor_requires=(verifier_is_not_rectifier,), style="warning"),
        Transition("reject", _("Reject"), (Status.REPORTED, Status.ASSIGNED), Status.REJECTED,
                   town_or_above=True, note_required=True, requires=(rejection_is_explained,),
                   style="outline-danger"),
    ),
)
