"""The loop of a supervised task (督办): assigned (下达) → accepted by the lead (签收) → in
progress, with progress reports (进展报告) and milestones done (节点完成) on the way → completion
reported with its evidence (报结) → verified (核验) by someone independent of the lead, or
returned (退回) with a reason. The assigning office may cancel it (撤销) with a reason.

Who is who:
- the lead (牵头单位) is ``task.department``: a department, or the town the task is for; its
  people are the handlers (or above) holding a role at that very unit;
- the assigning office is the district's office: a handler (or above) at the district unit
  itself, of every domain or of supervision (the 督查室 sits there);
- the verifier is the assigning office or the task's responsible leader, never one of the
  lead's people nor the person who reported the completion.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from pingan.core.attachments import step_attachments
from pingan.core.deadlines import end_of_day
from pingan.core.models import ROLE_RANK, Case, RoleName
from pingan.core.people import acts_for_lead, lead_people
from pingan.core.scoping import scope_for
from pingan.core.workflow import Effect, Input, InputKind, Step, Transition, Workflow, lead_only
from pingan.supervision.models import DOMAIN, KIND, Milestone, Status

Upload = tuple[str, bytes]  # (file name, content)

MSG_NOT_OF_LEAD = _("Only the lead unit's people ({unit}) take this step.")
MSG_NOT_ASSIGNING_OFFICE = _("Only the district's office that assigns supervised tasks takes this step.")
MSG_VERIFIER_OF_LEAD = _("The lead unit's own people cannot verify its task: the district's office or "
                         "the responsible leader does.")
MSG_VERIFIER_IS_COMPLETER = _("The person who reported the completion cannot verify it.")
MSG_VERIFIER_NOT_INDEPENDENT = _(
    "Only the district's office or the task's responsible leader verifies a task.")
MSG_NO_OPEN_MILESTONE = _("Every milestone of this task is done.")
MSG_MILESTONES_OPEN = _("Complete every milestone before reporting the task done: {open} still open.")
MSG_EVIDENCE_REQUIRED = _("Add at least one document or photo as evidence of completion.")

FILE_TYPES = "image/*,application/pdf"


def is_assigning_office(user: Any) -> bool:
    """Whether ``user`` acts for the district's office (``Scope.is_district_office``)."""
    return scope_for(user).is_district_office(DOMAIN)


def open_milestones(task: Any) -> Any:
    return Milestone.objects.filter(task_id=task.pk, done_at__isnull=True).order_by("due_date", "id")


def next_due_at(task: Any, *, deadline: dt.date | None = None) -> dt.datetime:
    """The end of the due day of the next open milestone, else of the task's deadline (or
    of ``deadline``, the one it is about to have)."""
    milestone = open_milestones(task).first()
    return end_of_day(milestone.due_date if milestone else deadline or task.deadline)


# --- Requirements -------------------------------------------------------------------------


actor_of_lead = lead_only(MSG_NOT_OF_LEAD)


def actor_is_assigning_office(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    return None if is_assigning_office(actor) else MSG_NOT_ASSIGNING_OFFICE


def actor_is_independent(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    """The verifier: not of the lead, not who reported the completion; the district's office
    or the responsible leader."""
    if acts_for_lead(actor, case):
        return MSG_VERIFIER_OF_LEAD
    if case.completed_by_id == actor.pk:  # type: ignore[attr-defined]
        return MSG_VERIFIER_IS_COMPLETER
    if case.responsible_leader_id == actor.pk or is_assigning_office(actor):  # type: ignore[attr-defined]
        return None
    return MSG_VERIFIER_NOT_INDEPENDENT


def has_open_milestone(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    return None if open_milestones(case).exists() else MSG_NO_OPEN_MILESTONE


def milestones_all_done(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    still_open = open_milestones(case).count()
    return MSG_MILESTONES_OPEN.format(open=still_open) if still_open else None


def has_evidence(case: Case, actor: Any, data: Mapping[str, Any]) -> str | None:
    return None if data.get("evidence") else MSG_EVIDENCE_REQUIRED


# --- Inputs and effects -------------------------------------------------------------------

ATTACHMENTS = Input("attachments", _("Attachments"), InputKind.FILES, accept=FILE_TYPES)
EVIDENCE = Input("evidence", _("Evidence of completion"), InputKind.FILES, accept=FILE_TYPES,
                 help_text=_("Documents or photos that show the work done."))


def evidence_given(task: Any, files: Any) -> bool:
    """Evidence sent with the step, or uploaded (over the API) since the task was last
    returned or, if never, since it was assigned."""
    if files:
        return True
    returned = (task.events.filter(transition="return").order_by("-seq")
                .values_list("at", flat=True).first())
    uploaded = task.attachments.all()
    return (uploaded.filter(uploaded_at__gte=returned) if returned else uploaded).exists()


def _accept(step: Step) -> Effect:
    return Effect(notify=[step.case.reporter])


def _report_progress(step: Step) -> Effect:
    return Effect(notify=[step.case.responsible_leader], then=step_attachments(step, "attachments"))


def _complete_milestone(step: Step) -> Effect:
    """The next open milestone is done: the task's clock moves to the one after (or to its
    deadline), and escalation starts again from the task's own unit for it."""
    task = step.case
    milestone = open_milestones(task).first()
    if milestone is None:  # ``has_open_milestone`` refuses the step
        return Effect()
    attach = step_attachments(step, "attachments")

    def then(event: Any) -> None:
        Milestone.objects.filter(pk=milestone.pk).update(done_at=step.now, done_by=step.actor,
                                                          note=step.note)
        attach(event)

    following = open_milestones(task).exclude(pk=milestone.pk).first()
    due_at = end_of_day(following.due_date if following else task.deadline)
    return Effect(changes={"due_at": due_at, "escalation_level": 0}, then=then,
                  message=f"{task.ref} {milestone.title}")


def _complete(step: Step) -> Effect:
    task = step.case
    return Effect(changes={"completed_by": step.actor, "completed_at": step.now,
                           "completion_note": step.note},
                  notify=[task.responsible_leader, task.reporter], then=step_attachments(step, "evidence"),
                  data={"evidence": evidence_given(task, step.get("evidence", ()))})


def _verify(step: Step) -> Effect:
    return Effect(changes={"verifier": step.actor, "verified_at": step.now},
                  notify=lead_people(step.case))


def _return(step: Step) -> Effect:
    return Effect(notify=[step.case.completed_by, *lead_people(step.case)])


def _cancel(step: Step) -> Effect:
    return Effect(notify=[*lead_people(step.case), step.case.responsible_leader])


TASK_WORKFLOW = Workflow(
    kind=KIND,
    states=dict(Status.choices),
    initial=Status.ASSIGNED,
    closed_states=frozenset({Status.DONE, Status.CANCELLED}),
    transitions=(
        Transition("accept", _("Accept the task"), (Status.ASSIGNED,), Status.IN_PROGRESS,
                   actor_requires=(actor_of_lead,), effect=_accept),
        # Recorded like a step; the task keeps its status.
        Transition("report_progress", _("Report progress"), (Status.IN_PROGRESS,), None,
                   actor_requires=(actor_of_lead,), note_required=True, style="outline-primary",
                   note_label=_("Progress"), inputs=(ATTACHMENTS,), effect=_report_progress),
        Transition("complete_milestone", _("Complete the next milestone"), (Status.IN_PROGRESS,), None,
                   actor_requires=(actor_of_lead, has_open_milestone), note_required=True,
                   style="outline-success", note_label=_("What was done"), inputs=(ATTACHMENTS,),
                   effect=_complete_milestone),
        Transition("complete", _("Report completion"), (Status.IN_PROGRESS,), Status.AWAITING_VERIFICATION,
                   actor_requires=(actor_of_lead,), requires=(milestones_all_done, has_evidence),
                   note_required=True, note_label=_("Evidence of completion (what was achieved)"),
                   inputs=(EVIDENCE,), effect=_complete),
        # A leader answers for the work without holding a handler's role: a viewer's is enough
        # here, and the rule on who verifies does the rest.
        Transition("verify", _("Verify and close"), (Status.AWAITING_VERIFICATION,), Status.DONE,
                   min_rank=ROLE_RANK[RoleName.VIEWER], actor_requires=(actor_is_independent,),
                   style="success", effect=_verify),
        Transition("return", _("Return"), (Status.AWAITING_VERIFICATION,), Status.IN_PROGRESS,
                   min_rank=ROLE_RANK[RoleName.VIEWER], actor_requires=(actor_is_independent,),
                   note_required=True, style="warning", effect=_return),
        Transition("cancel", _("Cancel the task"),
                   (Status.ASSIGNED, Status.IN_PROGRESS, Status.AWAITING_VERIFICATION), Status.CANCELLED,
                   actor_requires=(actor_is_assigning_office,), note_required=True,
                   style="outline-danger", effect=_cancel),
    ),
)
