"""The petitions API: ``/api/v1/petitions``. Handlers only translate HTTP to the services and
selectors. The petitioner is always masked here except at ``GET …/{ref}/petitioner``, which
answers only a role allowed the full view and records that it did.

The deadline calculator answered at ``…/petitions/deadline`` before it served every domain
(``GET /api/v1/deadline``): that path still answers the same, deprecated."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as HttpStatus
from pydantic import ConfigDict

from pingan.core import errors
from pingan.core.api import (
    DUE_PROVISIONAL_DESCRIPTION,
    ERRORS,
    DeadlineOut,
    DeadlineQuery,
    EventOut,
    InvalidParameter,
    Page,
    PageParams,
    TransitionOut,
    UnitRef,
    actor,
    deadline_answer,
    paginate,
    unit_coded,
    username_of,
)
from pingan.core.deprecation import announce_deprecation
from pingan.core.events import case_timeline
from pingan.core.models import DueState, Unit
from pingan.core.personal.access import may_view_personal_data
from pingan.core.schemas import model_schema
from pingan.core.scoping import scope_for
from pingan.core.step_api import step_inputs, step_schema
from pingan.petitions.models import (
    AS_TYPED,
    REGISTER_FIELDS,
    Category,
    Channel,
    NotAcceptedReason,
    Outcome,
    Petition,
    PetitionType,
    Profile,
    ReviewOutcome,
    Satisfaction,
    SatisfactionChannel,
    Status,
)
from pingan.petitions.satisfaction import ReplyNotice, petition_reply_notice, review_path
from pingan.petitions.selectors import (
    SORTS,
    PetitionFilters,
    backlog_metrics,
    backlog_units,
    board_unit,
    petition_get,
    petition_list,
    petition_receipt,
    petition_repeats,
    petitioner_shown,
    repeat_candidates,
)
from pingan.petitions.services import (
    petition_backlog_assign,
    petition_extend,
    petition_personal_data,
    petition_register,
    petition_repeat_confirm,
    petition_repeat_unlink,
    petition_transition,
)
from pingan.petitions.workflow import PETITION_WORKFLOW

router = Router(tags=["petitions"])

MSG_NO_SUCH_PREFIX = _("No unit has the prefix “{prefix}”.")
# When ``…/petitions/deadline`` gave way to ``/api/v1/deadline`` (the Deprecation header's date).
CALCULATOR_MOVED = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)


# ---------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------


class PetitionerOut(Schema):
    name: str
    id_number: str
    phone: str
    address: str
    masked: bool = Field(description="True unless read in full at …/{ref}/petitioner.")
    withheld: bool = Field(False, description="An accuser read outside the discipline office: "
                                              "nothing of them is given, not even masked.")


def _unit(unit: Unit | None) -> dict[str, str] | None:
    return {"code": unit.code, "name": unit.name} if unit is not None else None


class PetitionReceipt(Schema):
    """What the registering clerk keeps of an accusation once the discipline office has it."""

    ref: str
    status: Status
    received_at: dt.datetime

    @staticmethod
    def resolve_received_at(obj: Petition) -> dt.datetime:
        return obj.opened_at


class PetitionItem(PetitionReceipt):
    title: str = Field(description="The matter in one line.")
    channel: Channel
    petition_type: PetitionType
    category: Category
    due_state: DueState
    unit: UnitRef
    handling_unit: UnitRef
    petitioner: PetitionerOut
    due_at: dt.datetime | None = Field(description="The deadline of the step the clock is on now.")
    due_provisional: bool = Field(description=DUE_PROVISIONAL_DESCRIPTION)
    closed_at: dt.datetime | None
    version: int = Field(description="Send it back with a step or an extension.")

    @staticmethod
    def resolve_petitioner(obj: Petition, context: dict) -> Any:
        return petitioner_shown(actor(context["request"]), obj)


class ReviewPathOut(Schema):
    body: str = Field(description="The body above the unit that replied, which reviews.")
    replied_by: str
    until: dt.date = Field(description="The last day to ask (the review window, holidays rolled).")


class ReplyNoticeOut(Schema):
    ref: str
    code: str = Field(
        description="One-time code for the public satisfaction page; shown only in this answer.")
    expires_on: dt.date
    review_path: ReviewPathOut

    @staticmethod
    def resolve_ref(obj: ReplyNotice) -> str:
        return obj.petition.ref

    @staticmethod
    def resolve_review_path(obj: ReplyNotice) -> Any:
        return obj.review


class PetitionDetail(PetitionItem):
    matter: str
    profile: Profile
    routing_unit: UnitRef | None
    department: str | None = Field(None, description="The department whose line it is on.")
    assignee: str | None
    reporter: str | None = Field(None, description="Who registered it.")
    source: str
    external_ref: str | None
    assigned_at: dt.datetime
    acceptance_due_at: dt.datetime
    objection_until: dt.date
    objected_at: dt.datetime | None
    accepted_at: dt.datetime | None
    not_accepted_reason: NotAcceptedReason | None
    new_facts: str
    resolution_days: int | None
    extension_days: int | None
    resolution_due_at: dt.datetime | None
    extended_at: dt.datetime | None
    extension_reason: str = Field(description="Told to the petitioner.")
    replied_at: dt.datetime | None
    outcome: Outcome | None
    satisfaction: Satisfaction | None = Field(
        description="The petitioner's own answer: from the petition bureau's call-back, or given "
                    "on the public page with the reply notice's code.")
    satisfaction_channel: SatisfactionChannel | None = Field(description="How the answer was asked.")
    satisfaction_asked_on: dt.date | None
    rated_at: dt.datetime | None
    review_path: ReviewPathOut | None = Field(
        None, description="Where and by when the petitioner may ask for a review (复查); shown "
                          "once the petitioner said they are not satisfied.")
    backlog_leader: str = Field(description="The responsible leader (包案领导) of a backlog case.")
    backlog_target_date: dt.date | None
    review_window_until: dt.date | None
    review_requested_on: dt.date | None
    review_due_at: dt.datetime | None
    review_outcome: ReviewOutcome | None
    review_decided_at: dt.datetime | None
    reexam_window_until: dt.date | None
    reexam_requested_on: dt.date | None
    reexam_due_at: dt.datetime | None
    reexam_outcome: ReviewOutcome | None
    reexam_decided_at: dt.datetime | None
    repeat_of: str | None = Field(None, description="The earlier petition on the same matter.")
    repeats: list[str] = Field(description="Later petitions confirmed as the same matter.")
    may_view_petitioner: bool = Field(description="Whether …/{ref}/petitioner will answer you.")
    transitions: list[TransitionOut] = Field(description="The steps you may take now.")

    @staticmethod
    def resolve_matter(obj: Petition) -> str:
        return obj.description

    @staticmethod
    def resolve_routing_unit(obj: Petition) -> Any:
        return _unit(obj.routing_unit)

    @staticmethod
    def resolve_department(obj: Petition) -> str | None:
        return obj.department.name if obj.department_id else None

    @staticmethod
    def resolve_assignee(obj: Petition) -> str | None:
        return username_of(obj.assignee)

    @staticmethod
    def resolve_reporter(obj: Petition) -> str | None:
        return username_of(obj.reporter)

    @staticmethod
    def resolve_not_accepted_reason(obj: Petition) -> str | None:
        return obj.not_accepted_reason or None

    @staticmethod
    def resolve_outcome(obj: Petition) -> str | None:
        return obj.outcome or None

    @staticmethod
    def resolve_satisfaction(obj: Petition) -> str | None:
        return obj.satisfaction or None

    @staticmethod
    def resolve_satisfaction_channel(obj: Petition) -> str | None:
        return obj.satisfaction_channel or None

    @staticmethod
    def resolve_review_path(obj: Petition) -> Any:
        return review_path(obj) if obj.satisfaction == Satisfaction.NOT_SATISFIED else None

    @staticmethod
    def resolve_review_outcome(obj: Petition) -> str | None:
        return obj.review_outcome or None

    @staticmethod
    def resolve_reexam_outcome(obj: Petition) -> str | None:
        return obj.reexam_outcome or None

    @staticmethod
    def resolve_repeat_of(obj: Petition, context: dict) -> str | None:
        earlier = obj.repeat_of
        # Not even a reference number for an earlier petition outside the reader's scope.
        if earlier is None or not scope_for(actor(context["request"])).covers(earlier):
            return None
        return earlier.ref

    @staticmethod
    def resolve_repeats(obj: Petition, context: dict) -> list[str]:
        return list(petition_repeats(user=actor(context["request"]), petition=obj)
                    .values_list("ref", flat=True))

    @staticmethod
    def resolve_may_view_petitioner(obj: Petition, context: dict) -> bool:
        return may_view_personal_data(actor(context["request"]), obj)

    @staticmethod
    def resolve_transitions(obj: Petition, context: dict) -> list[dict[str, str]]:
        user = actor(context["request"])
        return [{"name": t.name, "label": str(t.label)} for t in PETITION_WORKFLOW.available(obj, user)]


# The body's petition fields are the model's (``petitions.models.REGISTER_FIELDS``), with its
# types and limits; only what the model does not say is here.
FIELD_TYPES = {"channel": Channel, "petition_type": PetitionType}


class _PetitionInBase(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)

    unit: str = Field(description="Where the matter arose: a town, village or grid cell's code.")
    category: Category | None = Field(None, description="Not needed for an accusation (always discipline).")
    handling_unit: str | None = Field(
        None, description="The handling unit's code; by default the town where it arose, and "
                          "for an accusation always the discipline-inspection unit.",
    )
    received_at: dt.datetime | None = Field(None, description="Default: now.")
    repeat_of: str | None = Field(None, description="Reference of an earlier petition on the same matter.")


PetitionIn = model_schema(Petition, {**REGISTER_FIELDS, "external_ref": "external_ref"}, name="PetitionIn",
                          base=_PetitionInBase, types=FIELD_TYPES, as_typed=AS_TYPED)


TransitionIn = step_schema(PETITION_WORKFLOW, "PetitionStepIn")


class RepeatCandidateOut(Schema):
    ref: str
    title: str
    category: Category
    status: Status
    received_at: dt.datetime
    petitioner: PetitionerOut
    score: float = Field(description="How alike the texts are, 0 to 1.")

    @staticmethod
    def resolve_ref(obj: Any) -> str:
        return obj.petition.ref

    @staticmethod
    def resolve_title(obj: Any) -> str:
        return obj.petition.title

    @staticmethod
    def resolve_category(obj: Any) -> str:
        return obj.petition.category

    @staticmethod
    def resolve_status(obj: Any) -> str:
        return obj.petition.status

    @staticmethod
    def resolve_received_at(obj: Any) -> dt.datetime:
        return obj.petition.opened_at

    @staticmethod
    def resolve_petitioner(obj: Any, context: dict) -> Any:
        return petitioner_shown(actor(context["request"]), obj.petition)


class RepeatIn(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)

    version: int
    original: str = Field(min_length=1, description="The earlier petition's reference.")


class UnlinkIn(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)

    version: int
    original: str | None = Field(
        None, description="The proposal to dismiss; default: the petition this one is linked to."
    )


class ExtensionIn(Schema):
    version: int
    days: int = Field(ge=1, description="At most the profile's longest extension.")
    reason: str = Field(description="Told to the petitioner.")


class BacklogQuery(Schema):
    baseline: dt.date = Field(description="Stock is what was open at the start of this day.")
    unit: str | None = Field(None, description="A unit's prefix: a row per child. Default: the highest "
                                                "unit within your scope (for district roles the district).")


class BacklogCounts(Schema):
    stock: int
    stock_cleared: int
    increment: int
    increment_cleared_on_time: int
    acceptance_decided: int
    acceptance_on_time: int
    resolution_due: int
    resolution_on_time: int
    rated: int
    satisfied: int
    acceptance_on_time_rate: float | None = Field(description="A fraction; null when nothing is due.")
    resolution_on_time_rate: float | None
    satisfaction_rate: float | None


class BacklogRow(BacklogCounts):
    unit: UnitRef

    @staticmethod
    def resolve_unit(obj: dict) -> Any:
        return _unit(obj["unit"])


class BacklogOut(Schema):
    baseline: dt.date
    rows: list[BacklogRow]
    totals: BacklogCounts


class BacklogIn(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)

    version: int
    leader: str = Field(description="The responsible leader (包案领导).")
    target_date: dt.date


# ---------------------------------------------------------------------------
# Handlers
# ---------------------------------------------------------------------------


def _petition(request: HttpRequest, ref: str) -> Petition:
    petition = petition_get(user=actor(request), ref=ref)
    if petition is None:
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    return petition


@router.get("", response={200: Page[PetitionItem], **ERRORS}, summary="Petitions within your scope")
def petition_list_view(request: HttpRequest, filters: Query[PetitionFilters], page: Query[PageParams]):
    """The petitioner is masked in every item. Repeat a list parameter for OR."""
    petitions = petition_list(user=actor(request), filters=filters).select_related("unit", "handling_unit")
    return paginate(petitions, ordering=SORTS[filters.sort], page=page)


@router.get("/deadline", response={200: DeadlineOut, **ERRORS}, deprecated=True,
            summary="The deadline calculator (moved to /api/v1/deadline)")
def deadline(request: HttpRequest, response: HttpResponse, payload: Query[DeadlineQuery]):
    """Deprecated: the calculator serves every domain at ``GET /api/v1/deadline`` now. Kept for
    the clients that ask here: the same answer, with a ``Deprecation`` header."""
    announce_deprecation(response, since=CALCULATOR_MOVED, successor="/api/v1/deadline")
    return deadline_answer(payload)


@router.get("/backlog", response={200: BacklogOut, **ERRORS}, summary="Backlog metrics for a baseline")
def backlog(request: HttpRequest, payload: Query[BacklogQuery]):
    """Stock at the baseline and its clearance, the increment since and the three rates,
    per child unit and in total, over the petitions within your scope."""
    user = actor(request)
    parent = board_unit(user=user, prefix=payload.unit)
    if parent is None:  # no such unit, or one outside the scope: the same answer
        raise InvalidParameter(MSG_NO_SUCH_PREFIX.format(prefix=payload.unit), field="unit")
    return backlog_metrics(user=user, baseline=payload.baseline, units=backlog_units(parent.prefix))


@router.post("", response={201: PetitionDetail | PetitionReceipt, **ERRORS}, summary="Register a petition",
             description="The petition as the registering user may read it; an accusation, which "
                         "goes to the discipline office at once, only as its receipt (reference, "
                         "status, received).")
def petition_create(request: HttpRequest, payload: PetitionIn):
    unit = unit_coded(payload.unit, field="unit")
    petition = petition_register(
        actor=actor(request), unit=unit, channel=payload.channel, petition_type=payload.petition_type,
        category=payload.category, handling_unit=unit_coded(payload.handling_unit, field="handling_unit"),
        title=payload.title, matter=payload.matter, petitioner_name=payload.petitioner_name,
        id_number=payload.id_number, phone=payload.phone, address=payload.address,
        received_at=payload.received_at, repeat_of=payload.repeat_of,
        external_ref=payload.external_ref, source="api",
    )
    shown = petition_get(user=actor(request), ref=petition.ref)
    if shown is None:
        # Sealed from its registrar: the receipt. A bare record of what the receipt reads, so
        # that only the receipt's schema fits it (the petition itself would fit the detail's).
        receipt = petition_receipt(user=actor(request), ref=petition.ref)
        return HttpStatus(201, SimpleNamespace(ref=receipt.ref, status=receipt.status,
                                               opened_at=receipt.opened_at))
    return HttpStatus(201, shown)


@router.get("/{ref}", response={200: PetitionDetail, **ERRORS}, summary="One petition")
def petition_detail(request: HttpRequest, ref: str):
    return _petition(request, ref)


@router.get("/{ref}/receipt", response={200: PetitionReceipt, **ERRORS},
            summary="A petition's reference and status")
def petition_receipt_view(request: HttpRequest, ref: str):
    """For a petition you may read, and for one you registered that is now sealed from you
    (an accusation, once the discipline office has it): its reference, status and date only."""
    user = actor(request)
    petition = petition_get(user=user, ref=ref) or petition_receipt(user=user, ref=ref)
    if petition is None:
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    return petition


@router.get("/{ref}/petitioner", response={200: PetitionerOut, **ERRORS},
            summary="The petitioner in full (recorded)")
def petition_petitioner(request: HttpRequest, ref: str):
    """Answers a supervisor over the petition or its assignee; every answer is an event."""
    return petition_personal_data(petition=_petition(request, ref), actor=actor(request))


@router.post("/{ref}/transitions/{name}", response={200: PetitionDetail, **ERRORS},
             summary="Take a step of the petition's clock")
def petition_step(request: HttpRequest, ref: str, name: str, payload: TransitionIn):
    """`not_accept` needs `reason` and `note`; `object` a `note` within the objection window;
    `reroute` a `handling_unit`; `reply` an `outcome` and the reply in `note` (then print the
    reply notice: `POST …/{ref}/reply-notice` gives its one-time code); `rate`, the petition
    bureau's call-back, a `satisfaction`, `asked_by` and `asked_on`; `decide_review` and
    `decide_reexam` a `decision` and `note`."""
    petition_transition(
        petition=_petition(request, ref), name=name, actor=actor(request),
        expected_version=payload.version, note=payload.note,
        **step_inputs(PETITION_WORKFLOW.get(name), payload),
    )
    return _petition(request, ref)


@router.post("/{ref}/reply-notice", response={200: ReplyNoticeOut, **ERRORS},
             summary="Print the reply notice, with a new one-time code")
def petition_reply_notice_view(request: HttpRequest, ref: str):
    """For the unit that replied or the petition bureau, while the petitioner's answer is
    awaited: a new code for the public satisfaction page (the earlier one stops working)."""
    return petition_reply_notice(petition=_petition(request, ref), actor=actor(request))


@router.post("/{ref}/extension", response={200: PetitionDetail, **ERRORS},
             summary="Extend the resolution term (once, approved by the unit head)")
def petition_extension(request: HttpRequest, ref: str, payload: ExtensionIn):
    petition_extend(petition=_petition(request, ref), actor=actor(request),
                    expected_version=payload.version, days=payload.days, reason=payload.reason)
    return _petition(request, ref)


@router.get("/{ref}/events", response={200: list[EventOut], **ERRORS}, summary="The petition's timeline")
def petition_events(request: HttpRequest, ref: str):
    return case_timeline(_petition(request, ref))


@router.get("/{ref}/repeat-candidates", response={200: list[RepeatCandidateOut], **ERRORS},
            summary="Earlier petitions probably on the same matter")
def petition_repeat_candidates(request: HttpRequest, ref: str):
    """Same petitioner (ID number or phone), same category, received earlier, similar text;
    best first. The petitioner is masked."""
    return repeat_candidates(_petition(request, ref), user=actor(request))


@router.post("/{ref}/repeat", response={200: PetitionDetail, **ERRORS},
             summary="Confirm the petition as a repeat of an earlier one")
def petition_repeat(request: HttpRequest, ref: str, payload: RepeatIn):
    petition_repeat_confirm(petition=_petition(request, ref), original_ref=payload.original,
                            actor=actor(request), expected_version=payload.version)
    return _petition(request, ref)


@router.post("/{ref}/repeat/unlink", response={200: PetitionDetail, **ERRORS},
             summary="Unlink the petition or dismiss a proposal: not the same matter")
def petition_repeat_unlink_view(request: HttpRequest, ref: str, payload: UnlinkIn):
    petition_repeat_unlink(petition=_petition(request, ref), original_ref=payload.original,
                           actor=actor(request), expected_version=payload.version)
    return _petition(request, ref)


@router.post("/{ref}/backlog", response={200: PetitionDetail, **ERRORS},
             summary="Designate the responsible leader and target date of an overdue petition")
def petition_backlog(request: HttpRequest, ref: str, payload: BacklogIn):
    petition_backlog_assign(petition=_petition(request, ref), actor=actor(request),
                            expected_version=payload.version, leader=payload.leader,
                            target_date=payload.target_date)
    return _petition(request, ref)
