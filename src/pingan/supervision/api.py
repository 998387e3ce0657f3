"""The supervision API under ``/api/v1/supervision``: tasks (``task_router``), and meetings
and circulars (``meeting_router``).

Handlers only translate HTTP to the services (writes) and selectors (reads). Files travel
apart from JSON: ``POST …/tasks/{ref}/attachments`` (multipart) stores one document, which
a later ``complete`` step counts as its evidence.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Query, Router, Schema, UploadedFile
from ninja.responses import Status as HttpStatus

from pingan.core import errors
from pingan.core.api import (
    ERRORS,
    AttachmentOut,
    CountOut,
    EventOut,
    InvalidParameter,
    Page,
    PageParams,
    TransitionOut,
    UnitRef,
    actor,
    paginate,
    unit_coded,
    user_named,
    username_of,
)
from pingan.core.attachments import case_attachments, read_upload
from pingan.core.events import case_timeline
from pingan.core.models import DueState
from pingan.core.step_api import step_inputs, step_schema
from pingan.supervision import selectors, services

# The meetings-and-circulars half lives in its own module; api_urls mounts both from here.
from pingan.supervision.meeting_api import meeting_router as meeting_router
from pingan.supervision.models import Category, Origin, Status, SupervisedTask
from pingan.supervision.workflow import TASK_WORKFLOW

task_router = Router(tags=["supervision"])

MSG_NOT_FOR_UNIT = "{field}: no unit has the code “{code}”."


class TaskItem(Schema):
    ref: str
    title: str
    status: Status
    due_state: DueState
    unit: UnitRef = Field(description="The unit the task is for.")
    lead: UnitRef = Field(description="The lead unit (牵头单位): a department, or the unit itself.")
    responsible_leader: str | None = Field(None, description="The responsible leader's username.")
    origin: Origin
    deadline: dt.date
    opened_at: dt.datetime
    due_at: dt.datetime | None = Field(description="The end of the due day of the next open milestone, "
                                                   "else of the deadline.")
    closed_at: dt.datetime | None
    version: int = Field(description="Send it back with a step.")

    @staticmethod
    def resolve_lead(obj: SupervisedTask) -> Any:
        return obj.department or obj.unit

    @staticmethod
    def resolve_responsible_leader(obj: SupervisedTask) -> str | None:
        return username_of(obj.responsible_leader)


class MilestoneOut(Schema):
    title: str
    due_date: dt.date
    state: str = Field(description="done, done_late, overdue, next or ahead.")
    done_at: dt.datetime | None
    done_by: str | None
    note: str


class TaskDetail(TaskItem):
    description: str
    goal: str
    category: Category
    origin_label: str
    origin_link: str
    origin_key: str | None
    co_handlers: list[UnitRef]
    milestones: list[MilestoneOut]
    completion_note: str
    completed_at: dt.datetime | None
    completed_by: str | None
    verifier: str | None
    verified_at: dt.datetime | None
    extended_at: dt.datetime | None
    extension_reason: str
    escalation_level: int
    transitions: list[TransitionOut] = Field(description="The steps you may take now.")
    may_extend: bool = Field(description="Whether you may extend its deadline now (POST …/extension).")

    @staticmethod
    def resolve_co_handlers(obj: SupervisedTask) -> Any:
        return obj.co_handlers.order_by("prefix")

    @staticmethod
    def resolve_milestones(obj: SupervisedTask) -> list[dict[str, Any]]:
        return _milestones(obj)

    @staticmethod
    def resolve_completed_by(obj: SupervisedTask) -> str | None:
        return username_of(obj.completed_by)

    @staticmethod
    def resolve_verifier(obj: SupervisedTask) -> str | None:
        return username_of(obj.verifier)

    @staticmethod
    def resolve_transitions(obj: SupervisedTask, context: dict) -> list[dict[str, str]]:
        user = actor(context["request"])
        return [{"name": t.name, "label": str(t.label)} for t in TASK_WORKFLOW.available(obj, user)]

    @staticmethod
    def resolve_may_extend(obj: SupervisedTask, context: dict) -> bool:
        return services.may_extend(obj, actor(context["request"]))


class MilestoneIn(Schema):
    title: str = Field(max_length=200)
    due_date: dt.date


class TaskIn(Schema):
    title: str = Field(max_length=200)
    unit: str = Field(description="The code of the unit the task is for: a town, or the lead department "
                                  "for a district-wide task.")
    lead: str | None = Field(None, description="The lead department's code; none: the unit leads.")
    deadline: dt.date
    milestones: list[MilestoneIn] = Field(default_factory=list, description="On or before the deadline.")
    description: str = ""
    goal: str = ""
    category: Category = Category.OTHER
    co_handlers: list[str] = Field(default_factory=list, description="Units' codes.")
    responsible_leader: str | None = Field(None, description="A leader in charge of supervision (username).")
    origin: Origin = Origin.OTHER
    origin_label: str = Field("", max_length=200)
    origin_link: str = Field("", max_length=200, description="An address on this site, starting with /.")
    origin_key: str | None = Field(None, max_length=120, description="A second creation with the same key "
                                                                     "returns the first task.")


TaskStepIn = step_schema(TASK_WORKFLOW, "TaskStepIn")


class TaskExtensionIn(Schema):
    version: int
    deadline: dt.date
    reason: str


def _milestones(task: SupervisedTask) -> list[dict[str, Any]]:
    return [{"title": v.milestone.title, "due_date": v.milestone.due_date, "state": v.state,
             "done_at": v.milestone.done_at, "done_by": username_of(v.milestone.done_by),
             "note": v.milestone.note} for v in selectors.milestone_views(task)]


def _task(request: HttpRequest, ref: str) -> SupervisedTask:
    task = selectors.task_get(user=actor(request), ref=ref)
    if task is None:  # the same answer for "does not exist" and "not yours to see"
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    return task


def _unit(code: str | None, field: str) -> Any:
    unit = unit_coded(code, field=field)
    if unit is None and code:
        raise InvalidParameter(MSG_NOT_FOR_UNIT.format(field=field, code=code), field=field)
    return unit


@task_router.get("/tasks", response={200: Page[TaskItem], **ERRORS}, summary="Supervised tasks you may see")
def task_list_view(request: HttpRequest, filters: Query[selectors.TaskFilters], page: Query[PageParams]):
    tasks = selectors.task_list(user=actor(request), filters=filters).select_related(
        "unit", "department", "responsible_leader")
    return paginate(tasks, ordering=selectors.SORTS[filters.sort], page=page)


@task_router.get("/tasks/count", response={200: CountOut, **ERRORS}, summary="How many tasks match")
def task_count(request: HttpRequest, filters: Query[selectors.TaskFilters]):
    return {"count": selectors.task_list(user=actor(request), filters=filters).count()}


@task_router.post("/tasks", response={201: TaskDetail, **ERRORS}, summary="Assign a supervised task")
def task_create_view(request: HttpRequest, payload: TaskIn):
    """The district's office assigns; `origin_key` makes a repeated call return the first task."""
    user = actor(request)
    refusal = services.create_refusal(user)
    if refusal is not None:  # before the input: an outsider learns nothing from its checks
        raise refusal
    unit = _unit(payload.unit, "unit")
    task = services.task_create(
        actor=user, title=payload.title, unit=unit, lead=_unit(payload.lead, "lead") or unit,
        deadline=payload.deadline, milestones=[(m.title, m.due_date) for m in payload.milestones],
        description=payload.description, goal=payload.goal, category=payload.category,
        co_handlers=[_unit(code, "co_handlers") for code in payload.co_handlers],
        responsible_leader=user_named(payload.responsible_leader, field="responsible_leader"),
        origin=payload.origin, origin_label=payload.origin_label, origin_link=payload.origin_link,
        origin_key=payload.origin_key,
    )
    return HttpStatus(201, _task(request, task.ref))


@task_router.get("/tasks/{ref}", response={200: TaskDetail, **ERRORS}, summary="One supervised task")
def task_detail(request: HttpRequest, ref: str):
    return _task(request, ref)


@task_router.get("/tasks/{ref}/milestones", response={200: list[MilestoneOut], **ERRORS},
                 summary="The task's milestones and where each stands")
def task_milestones(request: HttpRequest, ref: str):
    return _milestones(_task(request, ref))


@task_router.post("/tasks/{ref}/transitions/{name}", response={200: TaskDetail, **ERRORS},
                  summary="Take a step of the task's loop")
def task_step(request: HttpRequest, ref: str, name: str, payload: TaskStepIn):  # type: ignore[valid-type]
    """`accept`, `report_progress` (a `note`), `complete_milestone` (the next open one; a `note`) and
    `complete` (a `note`; every milestone done; evidence uploaded first) are the lead's; `verify`
    and `return` (a `note`) belong to the district's office or the responsible leader, never the
    lead nor who reported the completion; `cancel` (a `note`) to the district's office."""
    task = _task(request, ref)
    services.task_transition(task=task, name=name, actor=actor(request), expected_version=payload.version,
                             note=payload.note, **step_inputs(TASK_WORKFLOW.get(name), payload))
    return _task(request, ref)


@task_router.post("/tasks/{ref}/extension", response={200: TaskDetail, **ERRORS},
                  summary="Extend the deadline (once, with a reason)")
def task_extension(request: HttpRequest, ref: str, payload: TaskExtensionIn):
    services.task_extend(task=_task(request, ref), actor=actor(request), expected_version=payload.version,
                         deadline=payload.deadline, reason=payload.reason)
    return _task(request, ref)


@task_router.get("/tasks/{ref}/events", response={200: list[EventOut], **ERRORS},
                 summary="The task's timeline")
def task_events(request: HttpRequest, ref: str):
    return case_timeline(_task(request, ref))


@task_router.get("/tasks/{ref}/attachments", response={200: list[AttachmentOut], **ERRORS},
                 summary="The task's documents and photos")
def task_attachments(request: HttpRequest, ref: str):
    """The file itself is served by the web page `/supervision/tasks/{ref}/attachments/{id}/`."""
    return case_attachments(_task(request, ref))


@task_router.post("/tasks/{ref}/attachments", response={201: AttachmentOut, **ERRORS},
                  summary="Upload a document or photo (the lead's people)")
def task_attach(request: HttpRequest, ref: str, file: File[UploadedFile]):
    attachment = services.task_attachment_add(task=_task(request, ref), actor=actor(request),
                                              name=file.name or "upload", content=read_upload(file))
    return HttpStatus(201, attachment)

