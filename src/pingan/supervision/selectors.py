"""Reads on supervised tasks. Every one starts from what the user may see (``tasks_for``);
``late_tasks`` alone reads the district's whole record, for the circulars its office issues.

Who sees a task: whoever reaches it through ``core.scoping`` (the places above the unit it is
for, the district's office, and the lead department's people whatever their domain), and on
top of that its responsible leader and the people of its co-handling units (a handler's role
or above there, of every domain or of supervision; of any domain at a department). The list,
the counts, the board, the page, the API and the attachments all ask ``tasks_for``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, TextChoices
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import Field

from pingan.core.deadlines import OPEN, due_state_expression, due_states_q
from pingan.core.filters import ListFilters
from pingan.core.models import DueState, Unit
from pingan.core.scoping import widened_reach_q
from pingan.core.search import text_q
from pingan.supervision.models import DOMAIN, Milestone, Origin, Status, SupervisedTask

TEXT_FIELDS = ("ref", "title", "description", "goal", "origin_label")
SORTS = {
    "due": ("due_at", "id"),
    "-due": ("-due_at", "-id"),
    "opened": ("opened_at", "id"),
    "-opened": ("-opened_at", "-id"),
}


class Progress(TextChoices):
    """Where a task stands on the board: open and on time, open and late (an overdue open
    milestone or deadline), done on time, done late (completion reported after the deadline,
    or a milestone done after its day)."""

    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")
    DONE_ON_TIME = "done_on_time", _("Done on time")
    DONE_LATE = "done_late", _("Done late")


class TaskFilters(ListFilters):
    """One filter definition for the HTMX list and the API."""

    SORTS = SORTS

    status: list[Status] = Field(default_factory=list)
    lead: str | None = Field(None, max_length=20, description="The lead unit's code")
    leader: str | None = Field(None, max_length=150, description="The responsible leader's username")
    origin: list[Origin] = Field(default_factory=list)
    due_state: list[DueState] = Field(default_factory=list)
    progress: list[Progress] = Field(default_factory=list)
    q: str | None = Field(None, max_length=100, description="Text in reference, title, description, goal")
    sort: str = "due"


def reach_q(user: Any) -> Q:
    """The tasks ``user`` may see, as a filter (the module's docstring says who)."""
    return widened_reach_q(user, DOMAIN, leader_field="responsible_leader",
                           co_handled=lambda units: SupervisedTask.co_handlers.through.objects
                           .filter(unit_id__in=units).values("supervisedtask_id"))


def tasks_for(user: Any) -> QuerySet[SupervisedTask]:
    return SupervisedTask.objects.filter(reach_q(user))


def responsible_leader_of(case: Any) -> QuerySet:
    """The task's responsible leader (none, or one), from the bare case the sweep reads."""
    return get_user_model().objects.filter(
        pk__in=SupervisedTask.objects.filter(pk=case.pk).values("responsible_leader"))


def _late_milestone() -> Exists:
    tz = timezone.get_default_timezone()
    return Exists(Milestone.objects.filter(task=OuterRef("pk"), done_at__isnull=False)
                  .annotate(done_on=TruncDate("done_at", tzinfo=tz)).filter(done_on__gt=F("due_date")))


def progress_q(progress: str, now: dt.datetime) -> Q:
    """The tasks of one board column; the late ones done need ``with_progress``."""
    done = Q(status=Status.DONE)
    late_done = Q(completed_on__gt=F("deadline")) | Q(late_milestone=True)
    return {
        Progress.ON_TIME: OPEN & (Q(due_at__gte=now) | Q(due_at__isnull=True)),
        Progress.LATE: OPEN & Q(due_at__lt=now),
        Progress.DONE_ON_TIME: done & ~late_done,
        Progress.DONE_LATE: done & late_done,
    }[progress]


def with_progress(qs: QuerySet[SupervisedTask]) -> QuerySet[SupervisedTask]:
    tz = timezone.get_default_timezone()
    return qs.annotate(completed_on=TruncDate("completed_at", tzinfo=tz), late_milestone=_late_milestone())


def task_list(*, user: Any, filters: TaskFilters, now: dt.datetime | None = None) -> QuerySet[SupervisedTask]:
    now = now or timezone.now()
    qs = with_progress(tasks_for(user))
    if filters.status:
        qs = qs.filter(status__in=filters.status)
    if filters.lead:
        qs = qs.filter(department__code=filters.lead)
    if filters.leader:
        qs = qs.filter(responsible_leader__username=filters.leader)
    if filters.origin:
        qs = qs.filter(origin__in=filters.origin)
    if filters.due_state:
        qs = qs.filter(due_states_q(filters.due_state, now))
    if filters.progress:
        wanted = Q(pk__in=[])
        for progress in filters.progress:
            wanted |= progress_q(progress, now)
        qs = qs.filter(wanted)
    if filters.q:
        qs = qs.filter(text_q(filters.q, TEXT_FIELDS))
    return qs.annotate(due_state=due_state_expression(now)).order_by(*SORTS[filters.sort])


def task_get(*, user: Any, ref: str) -> SupervisedTask | None:
    """A task by reference, or None when it does not exist *or* the user may not see it:
    callers answer 404 either way."""
    return (
        tasks_for(user)
        .select_related("unit", "department", "reporter", "responsible_leader", "completed_by", "verifier",
                        "decision", "circular")
        .annotate(due_state=due_state_expression())
        .filter(ref=ref.strip().upper())
        .first()
    )


@dataclass
class MilestoneView:
    """A milestone as the timeline draws it."""

    milestone: Milestone
    state: str  # done, done_late, overdue, next, ahead

    @property
    def is_late(self) -> bool:
        return self.state in ("done_late", "overdue")


def milestone_views(task: SupervisedTask, *, today: dt.date | None = None) -> list[MilestoneView]:
    today = today or timezone.localdate()
    views = []
    next_seen = False
    for milestone in task.milestones.select_related("done_by").order_by("due_date", "id"):
        if milestone.done_at:
            late = timezone.localtime(milestone.done_at).date() > milestone.due_date
            state = "done_late" if late else "done"
        elif milestone.due_date < today:
            state = "overdue"
        elif not next_seen:
            state = "next"
        else:
            state = "ahead"
        next_seen = next_seen or state in ("overdue", "next")
        views.append(MilestoneView(milestone, state))
    return views


# --- The board ----------------------------------------------------------------------------


@dataclass
class BoardRow:
    key: str  # the leader's username or the lead unit's code: the list's filter value
    label: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


BOARD_GROUPS = {
    "leader": ("responsible_leader__username", "responsible_leader_id"),
    "department": ("department__code", "department_id"),
}


def board(user: Any, *, by: str = "leader", now: dt.datetime | None = None) -> list[BoardRow]:
    """Per responsible leader (or per lead unit), how many of the tasks ``user`` sees are on
    time, late, done on time and done late. Cancelled tasks are not counted."""
    if by not in BOARD_GROUPS:
        raise ValueError(by)
    now = now or timezone.now()
    key, group = BOARD_GROUPS[by]
    counts = {p: Count("pk", filter=progress_q(p, now)) for p in Progress.values}
    rows = (with_progress(tasks_for(user)).exclude(status=Status.CANCELLED)
            .values(group, key).annotate(**counts).order_by(key))
    labels = _board_labels(by, [r[group] for r in rows])
    return [BoardRow(key=r[key] or "", label=labels.get(r[group], "—"),
                     counts={p: r[p] for p in Progress.values}) for r in rows]


def _board_labels(by: str, ids: list[int | None]) -> dict[int | None, str]:
    if by == "leader":
        people = get_user_model().objects.filter(pk__in=[i for i in ids if i])
        return {u.pk: u.get_full_name() or u.get_username() for u in people}
    return dict(Unit.objects.filter(pk__in=[i for i in ids if i]).values_list("pk", "name"))


# --- For circulars ------------------------------------------------------------------------


def late_tasks(*, units: Any = None, start: dt.datetime | None = None,
               end: dt.datetime | None = None) -> QuerySet[SupervisedTask]:
    """Tasks late within [start, end): open and overdue (due within the range, before now),
    or done late with their completion reported within it; of the lead ``units`` when given,
    ordered by lead unit. The district's whole record: for the circulars its office issues,
    which name the units they are about (the circular's own reach decides who reads it)."""
    now = timezone.now()
    end = min(end, now) if end else now
    overdue = OPEN & Q(due_at__lt=end)
    done_late = progress_q(Progress.DONE_LATE, now)
    if start:
        overdue &= Q(due_at__gte=start)
        done_late &= Q(completed_at__gte=start)
    done_late &= Q(completed_at__lt=end)
    qs = with_progress(SupervisedTask.objects.all()).filter(overdue | done_late)
    if units is not None:
        qs = qs.filter(department__in=units)
    return (qs.select_related("department", "unit", "responsible_leader")
            .order_by("department__code", "due_at", "id"))
