"""The hazard loop: reported → assigned → rectifying → awaiting verification → closed,
with "returned for rework" and "rejected" (not a hazard, or a duplicate).

A major hazard goes further (浙江省安全生产条例 arts. 15, 25): the department regulating its
category lists it for supervision (挂牌督办: supervising unit, deadline, responsible leader)
before work starts, and accepts the rectification (验收, with its report as a document)
before the hazard can be closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.attachments import attachment_add, validate_upload
from pingan.core.models import ROLE_RANK, AttachmentKind, Case, RoleName, Severity
from pingan.core.people import case_assignees, leaders_for, resolve_assignee, resolve_leader
from pingan.core.scoping import scope_for
from pingan.core.web import user_label
from pingan.core.workflow import Effect, Input, InputKind, Step, Transition, Workflow
from pingan.hazards.models import DOMAIN, KIND, Hazard, RejectionReason, Status
from pingan.hazards.selectors import supervising_units

Photo = tuple[str, bytes]  # (file name, content)

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
MSG_DUPLICATE_NOT_FOUND = _("No report {ref} in your area to mark this one a duplicate of.")
MSG_DUPLICATE_SELF = _("A report cannot be a duplicate of itself.")
MSG_NOT_A_SUPERVISING_UNIT = _(
    "{unit} cannot supervise this hazard: choose its town, the district or its regulator."
)
MSG_DEADLINE_PAST = _("The supervision deadline cannot be before the day it is listed.")


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


# --- What the steps ask for ------------------------------------------------------------

ASSIGNEE = Input("assignee", _("Assign to"), InputKind.PERSON, options=case_assignees)
SUPERVISING_UNIT = Input("supervising_unit", _("Supervising unit"), InputKind.UNIT,
                         options=supervising_units)
SUPERVISION_DEADLINE = Input("supervision_deadline", _("Supervision deadline"), InputKind.DATE)
# The unit's leaders in charge, nearest first; the listing names the person.
RESPONSIBLE_LEADER = Input(
    "responsible_leader", _("Supervising leader"), InputKind.PERSON,
    options=lambda hazard: leaders_for(hazard.unit, DOMAIN),
    option_label=lambda leader: f"{user_label(leader.user)}（{leader.unit.name} {leader.title}）",
    option_value=lambda leader: leader.user)
AFTER_PHOTOS = Input("photos", _("Photos after rectification"), InputKind.FILES)
ACCEPTANCE_REPORT = Input("documents", _("Acceptance report"), InputKind.FILES,
                          accept="image/*,application/pdf")
REJECTION_REASON = Input("reason", _("Rejection reason"), InputKind.CHOICE, choices=RejectionReason)
DUPLICATE_OF = Input("duplicate_of", _("Reference of the original report"), max_length=20)


# --- What the steps do ------------------------------------------------------------------


def check_files(files: Sequence[Photo], kind: str) -> None:
    # Every file is checked before anything is written, so one bad photo saves nothing.
    for name, content in files:
        validate_upload(name=name, content=content, kind=kind)


def attach_files(hazard: Any, actor: Any, files: Sequence[Photo], kind: str, event: Any,
                 at: dt.datetime | None = None) -> None:
    for name, content in files:
        attachment_add(case=hazard, actor=actor, name=name, content=content, kind=kind,
                       event=event, at=at)


def _attaching(step: Step, name: str, kind: str) -> Any:
    """Check the files sent as input ``name`` now; attach them to the step's event later."""
    files = step.get(name, ())
    check_files(files, kind)
    return lambda event: attach_files(step.case, step.actor, files, kind, event=event, at=step.now)


def _assign(step: Step) -> Effect:
    assignee = resolve_assignee(step.case, step.get("assignee"))
    return Effect(changes={"assignee": assignee}, notify=[assignee], data={"assignee": assignee})


def _list(step: Step) -> Effect:
    """The listing's fields, each checked; an incomplete listing is left to
    ``listing_is_complete``, which names what is missing."""
    hazard, unit = step.case, step.get("supervising_unit")
    deadline, leader = step.get("supervision_deadline"), step.get("responsible_leader")
    if not (unit and deadline and leader):
        return Effect()
    if not supervising_units(hazard).filter(pk=unit.pk).exists():
        raise errors.DomainError(MSG_NOT_A_SUPERVISING_UNIT.format(unit=unit.name), field="supervising_unit")
    if deadline < timezone.localdate(step.now):
        raise errors.DomainError(MSG_DEADLINE_PAST, field="supervision_deadline")
    leader = resolve_leader(hazard.unit, DOMAIN, leader, field="responsible_leader")
    listed = {"supervising_unit": unit, "supervision_deadline": deadline,
              "responsible_leader": leader, "listed_at": step.now}
    return Effect(changes=listed, notify=[leader, hazard.assignee], data=listed)


def _submit(step: Step) -> Effect:
    return Effect(changes={"rectifier": step.actor},
                  then=_attaching(step, "photos", AttachmentKind.AFTER))


def acceptance_reported(hazard: Any, documents: Sequence[Photo]) -> bool:
    """Whether the acceptance has its report: sent with the step, or uploaded as a document
    (over the API) since the work was last submitted."""
    if documents:
        return True
    submitted = (hazard.events.filter(transition="submit").order_by("-seq")
                 .values_list("at", flat=True).first())
    uploaded = hazard.attachments.filter(kind=AttachmentKind.DOCUMENT)
    return (uploaded.filter(uploaded_at__gte=submitted) if submitted else uploaded).exists()


def _accept(step: Step) -> Effect:
    hazard = step.case
    then = _attaching(step, "documents", AttachmentKind.DOCUMENT)
    return Effect(changes={"accepted_by": step.actor, "accepted_at": step.now},
                  notify=[hazard.assignee, hazard.responsible_leader], then=then,
                  data={"documents": acceptance_reported(hazard, step.get("documents", ()))})


def _verify(step: Step) -> Effect:
    return Effect(changes={"verifier": step.actor}, notify=[step.case.reporter, step.case.assignee])


def _rework(step: Step) -> Effect:
    return Effect(notify=[step.case.assignee])


def _original(hazard: Any, actor: Any, ref: str | None) -> Any:
    if not ref:
        return None
    original = Hazard.objects.visible_to(actor).filter(ref=ref.strip().upper()).first()
    if original is None:
        raise errors.DomainError(MSG_DUPLICATE_NOT_FOUND.format(ref=ref), field="duplicate_of")
    if original.pk == hazard.pk:
        raise errors.DomainError(MSG_DUPLICATE_SELF, field="duplicate_of")
    return original


def _reject(step: Step) -> Effect:
    original = _original(step.case, step.actor, step.get("duplicate_of"))
    return Effect(changes={"rejection_reason": step.get("reason", ""), "duplicate_of": original},
                  notify=[step.case.reporter], data={"duplicate_of": original})


HAZARD_WORKFLOW = Workflow(
    kind=KIND,
    states=dict(Status.choices),
    initial=Status.REPORTED,
    closed_states=frozenset({Status.CLOSED, Status.REJECTED}),
    transitions=(
        Transition("assign", _("Assign"), (Status.REPORTED,), Status.ASSIGNED,
                   town_or_above=True, requires=(needs_assignee,), inputs=(ASSIGNEE,), effect=_assign),
        # The regulator's own step: the hazard keeps its status while it is listed.
        Transition("list", _("List for supervision"),
                   (Status.REPORTED, Status.ASSIGNED, Status.RECTIFYING), None,
                   actor_requires=(is_major, not_yet_listed, actor_is_regulator),
                   requires=(listing_is_complete,),
                   inputs=(SUPERVISING_UNIT, SUPERVISION_DEADLINE, RESPONSIBLE_LEADER), effect=_list),
        Transition("start", _("Start rectification"), (Status.ASSIGNED,), Status.RECTIFYING,
                   assignee_may=True, town_or_above=True,
                   requires=(major_needs_plan, major_needs_listing)),
        Transition("submit", _("Submit for verification"), (Status.RECTIFYING,),
                   Status.AWAITING_VERIFICATION, assignee_may=True, town_or_above=True,
                   requires=(needs_after_photo,), inputs=(AFTER_PHOTOS,), effect=_submit),
        Transition("accept", _("Accept the rectification"), (Status.AWAITING_VERIFICATION,),
                   Status.ACCEPTED, note_required=True,
                   actor_requires=(is_major, actor_is_regulator, verifier_is_not_rectifier),
                   requires=(needs_acceptance_report,), style="success",
                   inputs=(ACCEPTANCE_REPORT,), effect=_accept),
        # A major hazard is closed (销号) only from "accepted": the button is not offered before.
        Transition("verify", _("Verify and close"), (Status.AWAITING_VERIFICATION, Status.ACCEPTED),
                   Status.CLOSED, town_or_above=True,
                   actor_requires=(major_is_accepted, verifier_is_not_rectifier), style="success",
                   effect=_verify),
        Transition("rework", _("Return for rework"), (Status.AWAITING_VERIFICATION,),
                   Status.RECTIFYING, town_or_above=True, note_required=True,
                   actor_requires=(verifier_is_not_rectifier,), style="warning", effect=_rework),
        Transition("reject", _("Reject"), (Status.REPORTED, Status.ASSIGNED), Status.REJECTED,
                   town_or_above=True, note_required=True, requires=(rejection_is_explained,),
                   style="outline-danger", inputs=(REJECTION_REASON, DUPLICATE_OF), effect=_reject),
    ),
)
