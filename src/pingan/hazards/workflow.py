"""The hazard loop: reported → assigned → rectifying → awaiting verification → closed,
with "returned for rework" and "rejected" (not a hazard, or a duplicate).

A major hazard goes further (浙江省安全生产条例 arts. 15, 25): the department regulating its
category lists it for supervision (挂牌督办: supervising unit, deadline, responsible leader)
before work starts, and accepts the rectification (验收, with its report as a document)
before the hazard can be closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from pingan.core.models import ROLE_RANK, AttachmentKind, Case, RoleName, Severity
from pingan.core.scoping import scope_for
from pingan.core.workflow import Transition, Workflow
from pingan.hazards.models import KIND, RejectionReason, Status

MSG_ASSIGNEE_REQUIRED = _("Choose who will rectify the hazard.")
MSG_PLAN_INCOMPLETE = _(
    "A major hazard needs its six-part rectification plan before work starts. Missing: {missing}."
)
MSG_NOT_LISTED = _(
    "A major hazard starts only once its regulator has listed it for supervision (挂牌督办)."
)
MSG_ONLY_MAJOR = _("Only a major hazard is listed for supervision and accepted by its regulator.")
MSG_ALREADY_LISTED = _("This hazard is already listed for supervision.")
MSG_NO_REGULATOR = _(
    "No department regulates this category: the district admin assigns one in the admin site."
)
MSG_NOT_REGULATOR = _("Only its regulator, {department}, takes this step.")
MSG_LISTING_INCOMPLETE = _("Name the supervising unit, the supervision deadline and the responsible leader.")
MSG_ACCEPTANCE_REPORT_REQUIRED = _("Add the acceptance report (a document) to accept the rectification.")
MSG_NEEDS_ACCEPTANCE = _("A major hazard is closed only after its regulator's acceptance (验收).")
MSG_AFTER_PHOTO_REQUIRED = _("Add at least one photo taken after the rectification.")
MSG_VERIFIER_IS_RECTIFIER = _(
    "The person who rectified a hazard cannot verify it: someone else must check the work."
)
MSG_REJECTION_REASON = _("Say why: not a hazard, or a duplicate of another report.")
MSG_DUPLICATE_OF_REQUIRED = _("Give the reference number of the original report.")


def needs_assignee(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    return None if data.get("assignee") else MSG_ASSIGNEE_REQUIRED


def major_needs_plan(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    if case.severity != Severity.MAJOR:
        return None
    missing = case.missing_plan_parts()  # type: ignore[attr-defined]
    return MSG_PLAN_INCOMPLETE.format(missing="、".join(missing)) if missing else None


def major_needs_listing(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    if case.severity == Severity.MAJOR and not case.is_listed:  # type: ignore[attr-defined]
        return MSG_NOT_LISTED
    return None


def is_major(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    return None if case.severity == Severity.MAJOR else MSG_ONLY_MAJOR


def not_yet_listed(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    return MSG_ALREADY_LISTED if case.is_listed else None  # type: ignore[attr-defined]


def actor_is_regulator(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    """The regulator is the department handling the hazard's category (``case.department``):
    one of its handlers (or higher) acts for it."""
    if case.department_id is None:
        return MSG_NO_REGULATOR
    scope = scope_for(actor)
    if scope.everything or any(role.unit_id == case.department_id and role.rank >= ROLE_RANK[RoleName.HANDLER]
                               for role in scope.roles):
        return None
    return MSG_NOT_REGULATOR.format(department=case.department.name)


def listing_is_complete(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    named = ("supervising_unit", "supervision_deadline", "responsible_leader")
    return None if all(data.get(name) for name in named) else MSG_LISTING_INCOMPLETE


def needs_acceptance_report(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    return None if data.get("documents") else MSG_ACCEPTANCE_REPORT_REQUIRED


def major_is_accepted(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    if case.severity == Severity.MAJOR and case.status != Status.ACCEPTED:
        return MSG_NEEDS_ACCEPTANCE
    return None


def needs_after_photo(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    if data.get("photos"):
        return None
    has_one = case.attachments.filter(kind=AttachmentKind.AFTER).exists()
    return None if has_one else MSG_AFTER_PHOTO_REQUIRED


def verifier_is_not_rectifier(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    return MSG_VERIFIER_IS_RECTIFIER if case.rectifier_id == actor.pk else None  # type: ignore[attr-defined]


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
        # The regulator's own step: the hazard keeps its status while it is listed.
        Transition("list", _("List for supervision"),
                   (Status.REPORTED, Status.ASSIGNED, Status.RECTIFYING), None,
                   actor_requires=(is_major, not_yet_listed, actor_is_regulator),
                   requires=(listing_is_complete,)),
        Transition("start", _("Start rectification"), (Status.ASSIGNED,), Status.RECTIFYING,
                   assignee_may=True, town_or_above=True,
                   requires=(major_needs_plan, major_needs_listing)),
        Transition("submit", _("Submit for verification"), (Status.RECTIFYING,),
                   Status.AWAITING_VERIFICATION, assignee_may=True, town_or_above=True,
                   requires=(needs_after_photo,)),
        Transition("accept", _("Accept the rectification"), (Status.AWAITING_VERIFICATION,),
                   Status.ACCEPTED, note_required=True,
                   actor_requires=(is_major, actor_is_regulator, verifier_is_not_rectifier),
                   requires=(needs_acceptance_report,), style="success"),
        # A major hazard is closed (销号) only from "accepted": the button is not offered before.
        Transition("verify", _("Verify and close"), (Status.AWAITING_VERIFICATION, Status.ACCEPTED),
                   Status.CLOSED, town_or_above=True,
                   actor_requires=(major_is_accepted, verifier_is_not_rectifier), style="success"),
        Transition("rework", _("Return for rework"), (Status.AWAITING_VERIFICATION,),
                   Status.RECTIFYING, town_or_above=True, note_required=True,
                   actor_requires=(verifier_is_not_rectifier,), style="warning"),
        Transition("reject", _("Reject"), (Status.REPORTED, Status.ASSIGNED), Status.REJECTED,
                   town_or_above=True, note_required=True, requires=(rejection_is_explained,),
                   style="outline-danger"),
    ),
)
