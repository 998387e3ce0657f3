"""The hazards API: ``/api/v1/hazards``. Handlers only translate HTTP to the services
(writes) and selectors (reads), so the API, the web pages and the importer behave alike.

Photos travel separately from JSON: ``POST …/attachments`` (multipart) stores one file; the
``submit`` step accepts the after photos uploaded that way beforehand.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, UploadedFile
from ninja.responses import Status as HttpStatus
from pydantic import ConfigDict, model_validator

from pingan.core import errors
from pingan.core.api import (
    DUE_PROVISIONAL_DESCRIPTION,
    ERRORS,
    MSG_NO_SUCH_UNIT,
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
    username_of,
)
from pingan.core.attachments import case_attachments, read_upload
from pingan.core.deprecation import DEPRECATED, adopt_renamed, announce_deprecation, renamed_field
from pingan.core.events import case_timeline
from pingan.core.models import AttachmentKind, DueState, Severity, Unit
from pingan.core.people import case_assignees
from pingan.core.schemas import model_schema
from pingan.core.scoping import scope_for
from pingan.core.step_api import step_inputs, step_schema
from pingan.hazards.models import EDITABLE_FIELDS, REPORT_FIELDS, Category, Hazard, RejectionReason, Status
from pingan.hazards.selectors import SORTS, HazardFilters, hazard_get, hazard_list
from pingan.hazards.services import (
    hazard_attachment_add,
    hazard_extend,
    hazard_report,
    hazard_transition,
    hazard_update,
    may_attach,
    may_edit,
    may_extend,
)
from pingan.hazards.workflow import HAZARD_WORKFLOW

# ``grade``, the old name of ``severity``, is accepted (and answered) for one release from then.
GRADE_DEPRECATED_SINCE = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)

router = Router(tags=["hazards"])


# ---------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------


class HazardItem(Schema):
    ref: str
    title: str
    category: Category
    severity: Severity
    grade: Severity = Field(description="Deprecated: the old name of `severity`, kept for one release; "
                                        "read `severity` instead.", json_schema_extra=DEPRECATED)
    status: Status
    due_state: DueState
    immediate: bool
    unit: UnitRef
    department: str | None = Field(None, description="The handling department's name.")
    assignee: str | None = Field(None, description="The assignee's username.")
    opened_at: dt.datetime
    due_at: dt.datetime | None
    due_provisional: bool = Field(description=DUE_PROVISIONAL_DESCRIPTION)
    closed_at: dt.datetime | None
    version: int = Field(description="Send it back with an edit or a transition.")

    @staticmethod
    def resolve_grade(obj: Hazard) -> str:
        return obj.severity

    @staticmethod
    def resolve_department(obj: Hazard) -> str | None:
        return obj.department.name if obj.department_id else None

    @staticmethod
    def resolve_assignee(obj: Hazard) -> str | None:
        return obj.assignee.username if obj.assignee_id else None


class HazardDetail(HazardItem):
    description: str
    location: str
    latitude: float | None
    longitude: float | None
    source: str
    external_ref: str | None
    reporter: str | None
    plan_goals: str
    plan_methods: str
    plan_funding: str
    plan_responsible: str
    plan_deadline: dt.date | None
    plan_safety_measures: str
    regulator: str | None = Field(
        None, description="The department regulating its category (a major hazard is reported to it).")
    supervising_unit: UnitRef | None = Field(
        None, description="Listed supervision (挂牌督办): who supervises.")
    supervision_deadline: dt.date | None
    responsible_leader: str | None = Field(
        None, description="The leader in charge who answers for it (username).")
    listed_at: dt.datetime | None
    accepted_by: str | None = Field(
        None, description="Who accepted the rectification for the regulator (验收).")
    accepted_at: dt.datetime | None
    rectifier: str | None
    verifier: str | None
    rejection_reason: RejectionReason | None
    duplicate_of: str | None = Field(None, description="The original report's reference.")
    responsible_person: str = Field(description="The responsible person an imported ledger named, when no "
                                                "single user of the hazard's unit is that person.")
    policy_due_at: dt.datetime | None = Field(description="The deadline policy's date, when an imported "
                                                          "ledger's own deadline (due_at) replaced it.")
    extended_at: dt.datetime | None
    extension_reason: str
    escalation_level: int
    transitions: list[TransitionOut] = Field(description="The steps you may take now.")
    may_edit: bool = Field(description="Whether you may edit its details and plan now (PATCH): a handler "
                                       "of its area, while it is reported or assigned.")
    may_attach: bool = Field(description="Whether you may upload a photo or document now: a handler of "
                                         "its area, while it is open.")
    may_extend: bool = Field(description="Whether you may extend its deadline now (POST …/extension): a "
                                         "handler at town level or above, while it is open, once, if its "
                                         "deadline policy allows an extension.")

    @staticmethod
    def resolve_reporter(obj: Hazard) -> str | None:
        return username_of(obj.reporter)

    @staticmethod
    def resolve_regulator(obj: Hazard) -> str | None:
        return obj.department.name if obj.department_id else None

    @staticmethod
    def resolve_responsible_leader(obj: Hazard) -> str | None:
        return username_of(obj.responsible_leader)

    @staticmethod
    def resolve_accepted_by(obj: Hazard) -> str | None:
        return username_of(obj.accepted_by)

    @staticmethod
    def resolve_rectifier(obj: Hazard) -> str | None:
        return username_of(obj.rectifier)

    @staticmethod
    def resolve_verifier(obj: Hazard) -> str | None:
        return username_of(obj.verifier)

    @staticmethod
    def resolve_rejection_reason(obj: Hazard) -> str | None:
        return obj.rejection_reason or None

    @staticmethod
    def resolve_duplicate_of(obj: Hazard, context: dict) -> str | None:
        original = obj.duplicate_of
        # Even a reference number is not shown for an original outside the reader's scope.
        if original is None or not scope_for(actor(context["request"])).covers(original):
            return None
        return original.ref

    @staticmethod
    def resolve_may_edit(obj: Hazard, context: dict) -> bool:
        return may_edit(obj, actor(context["request"]))

    @staticmethod
    def resolve_may_attach(obj: Hazard, context: dict) -> bool:
        return may_attach(obj, actor(context["request"]))

    @staticmethod
    def resolve_may_extend(obj: Hazard, context: dict) -> bool:
        return may_extend(obj, actor(context["request"]))

    @staticmethod
    def resolve_transitions(obj: Hazard, context: dict) -> list[dict[str, str]]:
        user = actor(context["request"])
        return [{"name": t.name, "label": str(t.label)} for t in HAZARD_WORKFLOW.available(obj, user)]


# The bodies' hazard fields are the model's (``hazards.models.REPORT_FIELDS`` and
# ``EDITABLE_FIELDS``), with its types and limits; only what the model does not say is here.
FIELD_TYPES = {"category": Category, "severity": Severity}
FIELD_EXTRA = {
    "immediate": {"description": "Due within one day."},
    "latitude": {"ge": -90, "le": 90},
    "longitude": {"ge": -180, "le": 180},
    "external_ref": {"description": "Your system's id for it: a second report with it is refused."},
}


class _SeverityBody(Schema):
    """A body with a severity, which it may still send by its old name ``grade``."""

    model_config = ConfigDict(str_strip_whitespace=True)

    grade: Severity | None = renamed_field("severity")

    @model_validator(mode="after")
    def _grade_is_severity(self) -> _SeverityBody:
        adopt_renamed(self, old="grade", new="severity")
        return self


class _HazardInBase(_SeverityBody):
    unit: str = Field(description="The territorial unit's code (a town, village or grid cell).")


class _HazardPatchBase(_SeverityBody):
    version: int
    note: str = ""


HazardIn = model_schema(Hazard, (*REPORT_FIELDS, "external_ref"), name="HazardIn", base=_HazardInBase,
                        types=FIELD_TYPES, extra=FIELD_EXTRA)
HazardPatch = model_schema(
    Hazard, EDITABLE_FIELDS, name="HazardPatch", base=_HazardPatchBase, partial=True,
    types=FIELD_TYPES, extra=FIELD_EXTRA,
    doc="Only the fields sent are changed. Fields that cannot be empty refuse null.",
)


TransitionIn = step_schema(HAZARD_WORKFLOW, "HazardStepIn")


class ExtensionIn(Schema):
    version: int
    reason: str


class PersonOut(Schema):
    username: str
    name: str = Field(description="The full name, or the username when none is recorded.")

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return obj.get_full_name() or obj.username


# ---------------------------------------------------------------------------
# Handlers
# ---------------------------------------------------------------------------


def _announce_grade(response: HttpResponse, *, used: bool) -> None:
    if used:
        announce_deprecation(response, since=GRADE_DEPRECATED_SINCE)


def _hazard(request: HttpRequest, ref: str) -> Hazard:
    hazard = hazard_get(user=actor(request), ref=ref)
    if hazard is None:
        # The same answer for "does not exist" and "outside your scope".
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    return hazard


@router.get("", response={200: Page[HazardItem], **ERRORS}, summary="Hazards within your scope")
def hazard_list_view(request: HttpRequest, response: HttpResponse, filters: Query[HazardFilters],
                     page: Query[PageParams]):
    """Filters combine with AND; repeat a list parameter for OR (`status=reported&status=assigned`)."""
    _announce_grade(response, used=filters.grade is not None)
    hazards = hazard_list(user=actor(request), filters=filters).select_related(
        "unit", "department", "assignee"
    )
    return paginate(hazards, ordering=SORTS[filters.sort], page=page)


@router.get("/count", response={200: CountOut, **ERRORS}, summary="How many hazards match")
def hazard_count(request: HttpRequest, response: HttpResponse, filters: Query[HazardFilters]):
    _announce_grade(response, used=filters.grade is not None)
    return {"count": hazard_list(user=actor(request), filters=filters).count()}


@router.post("", response={201: HazardDetail, **ERRORS}, summary="Report a hazard")
def hazard_create(request: HttpRequest, response: HttpResponse, payload: HazardIn):
    unit = Unit.objects.filter(code=payload.unit).first()
    if unit is None:
        raise InvalidParameter(MSG_NO_SUCH_UNIT.format(code=payload.unit), field="unit")
    hazard = hazard_report(
        actor=actor(request), unit=unit, title=payload.title, category=payload.category,
        description=payload.description, severity=payload.severity, immediate=payload.immediate,
        location=payload.location, latitude=payload.latitude, longitude=payload.longitude,
        external_ref=payload.external_ref, source="api",
    )
    _announce_grade(response, used="grade" in payload.model_fields_set)
    return HttpStatus(201, _hazard(request, hazard.ref))


@router.get("/{ref}", response={200: HazardDetail, **ERRORS}, summary="One hazard")
def hazard_detail(request: HttpRequest, ref: str):
    return _hazard(request, ref)


@router.patch("/{ref}", response={200: HazardDetail, **ERRORS}, summary="Edit a hazard's details")
def hazard_edit(request: HttpRequest, response: HttpResponse, ref: str, payload: HazardPatch):
    changes = payload.model_dump(exclude_unset=True, exclude={"version", "note", "grade"})
    hazard_update(hazard=_hazard(request, ref), actor=actor(request),
                  expected_version=payload.version, changes=changes, note=payload.note)
    _announce_grade(response, used="grade" in payload.model_fields_set)
    return _hazard(request, ref)


@router.post("/{ref}/transitions/{name}", response={200: HazardDetail, **ERRORS},
             summary="Take a step of the hazard loop")
def hazard_step(request: HttpRequest, ref: str, name: str, payload: TransitionIn):
    """`assign` needs `assignee`; `submit` needs an after photo uploaded first; `verify` must
    come from someone other than the rectifier; `rework` and `reject` need a `note`.
    A major hazard's regulator takes `list` (`supervising_unit`, `supervision_deadline`,
    `responsible_leader`) and `accept` (a `note`, and the acceptance report uploaded first
    as a `document`); it is closed by `verify` only once accepted."""
    hazard = _hazard(request, ref)
    hazard_transition(
        hazard=hazard, name=name, actor=actor(request), expected_version=payload.version,
        note=payload.note, **step_inputs(HAZARD_WORKFLOW.get(name), payload),
    )
    return _hazard(request, ref)


@router.get("/{ref}/assignees", response={200: list[PersonOut], **ERRORS},
            summary="Who may be assigned the hazard")
def hazard_assignees(request: HttpRequest, ref: str):
    """The people of the units responsible for it: its grid, village and town, and the
    department that handles its category. `assign` refuses anyone else."""
    return case_assignees(_hazard(request, ref))


@router.post("/{ref}/extension", response={200: HazardDetail, **ERRORS},
             summary="Extend the deadline (once, with a reason)")
def hazard_extension(request: HttpRequest, ref: str, payload: ExtensionIn):
    hazard_extend(hazard=_hazard(request, ref), actor=actor(request),
                  expected_version=payload.version, reason=payload.reason)
    return _hazard(request, ref)


@router.get("/{ref}/events", response={200: list[EventOut], **ERRORS}, summary="The hazard's timeline")
def hazard_events(request: HttpRequest, ref: str):
    return case_timeline(_hazard(request, ref))


@router.get("/{ref}/attachments", response={200: list[AttachmentOut], **ERRORS},
            summary="The hazard's photos and documents")
def hazard_attachments(request: HttpRequest, ref: str):
    """The file itself is served by the web page `/hazards/{ref}/attachments/{id}/`."""
    return case_attachments(_hazard(request, ref))


@router.post("/{ref}/attachments", response={201: AttachmentOut, **ERRORS},
             summary="Upload a photo or document")
def hazard_attach(request: HttpRequest, ref: str, kind: Form[AttachmentKind], file: File[UploadedFile]):
    """Multipart: `file` and `kind` (before | after | document). Photos must be JPEG, PNG or WebP;
    documents a photo or a PDF."""
    attachment = hazard_attachment_add(hazard=_hazard(request, ref), actor=actor(request),
                                       name=file.name or "upload", content=read_upload(file), kind=kind)
    return HttpStatus(201, attachment)
