"""The suggestions API: ``/api/v1/suggestions``. Deputies' suggestions and members' proposals:
sessions, registration, assignment, the steps of the loop, the rating and co-handlers' opinions.

Handlers only translate HTTP to the services (writes) and selectors (reads); every answer is
scoped by ``selectors.suggestions_for``. Files travel apart from JSON: ``POST
…/{ref}/attachments`` (multipart) stores one document, which a later ``reply`` step counts as
its reply document (``workflow.reply_document_given``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, File, Query, Router, Schema, UploadedFile
from ninja.responses import Status as HttpStatus
from pydantic import ConfigDict, StringConstraints

from pingan.core import errors
from pingan.core.api import (
    DUE_PROVISIONAL_DESCRIPTION,
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
from pingan.core.deadlines import due_state_of
from pingan.core.events import case_timeline
from pingan.core.models import DueState
from pingan.core.people import lead_unit
from pingan.core.schemas import inline_enum, model_schema
from pingan.core.step_api import step_inputs, step_schema
from pingan.suggestions import selectors, services
from pingan.suggestions.models import (
    REGISTER_FIELDS,
    Category,
    ContactWay,
    Session,
    Suggestion,
)
from pingan.suggestions.workflow import SUGGESTION_WORKFLOW, result_class_label

router = Router(tags=["suggestions"])

CategoryChoice = Annotated[Category, inline_enum(Category)]
ContactWayChoice = Annotated[ContactWay, inline_enum(ContactWay)]
OpinionStateChoice = Annotated[selectors.OpinionState, inline_enum(selectors.OpinionState)]

MSG_NO_SUCH_SESSION = _("No session has the id {id}: GET /api/v1/suggestions/sessions lists them.")


# ---------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------


class SessionOut(Schema):
    id: int
    name: str = Field(description="For example 市八届人大一次会议.")
    channel: selectors.ChannelChoice = Field(
        description="The body: the people's congress or the political consultative conference.")
    channel_label: str
    opened_on: dt.date
    items: int = Field(description="How many of its items you may see.")

    @staticmethod
    def resolve_channel_label(obj: Session) -> str:
        return str(obj.get_channel_display())


SessionIn = model_schema(Session, ["name", "channel", "opened_on"], name="SessionIn",
                         types={"channel": selectors.ChannelChoice},
                         doc="A session; naming one that exists returns it, with its body unchanged.")


class SessionRef(Schema):
    id: int
    name: str


def _lead(obj: Suggestion) -> Any:
    # Before the assignment the item rests with the district: no one leads it yet.
    return lead_unit(obj) if obj.assigned_at is not None else None


class SuggestionItem(Schema):
    ref: str
    session: SessionRef
    number: str = Field(description="Its number in the session.")
    channel: selectors.ChannelChoice
    title: str
    proposers: str
    delegation: str
    category: CategoryChoice
    is_key: bool = Field(description="A key suggestion (重点建议), supervised by a leader.")
    status: selectors.StatusChoice
    due_state: DueState
    lead: UnitRef | None = Field(description="The lead unit (主办单位): a department, or a town that leads; "
                                             "null until assigned.")
    reply_due: dt.date | None = Field(description="3 months after the assignment; 6 with the extension.")
    due_at: dt.datetime | None = Field(description="The end of the due day of the term running now: the "
                                                   "reply, the re-handling or a promise.")
    due_provisional: bool = Field(description=DUE_PROVISIONAL_DESCRIPTION)
    opened_at: dt.datetime = Field(description="When it was registered.")
    closed_at: dt.datetime | None
    version: int = Field(description="Send it back with an assignment, a step or a rating.")

    @staticmethod
    def resolve_channel(obj: Suggestion) -> str:
        return obj.session.channel

    @staticmethod
    def resolve_due_state(obj: Suggestion) -> str:
        return getattr(obj, "due_state", None) or due_state_of(is_open=obj.is_open, due_at=obj.due_at)

    @staticmethod
    def resolve_lead(obj: Suggestion) -> Any:
        return _lead(obj)


class CoHandlerOut(Schema):
    unit: UnitRef
    opinion_due: dt.date = Field(description="2 months after the assignment.")
    opinion_state: OpinionStateChoice
    opinion: str
    opinion_at: dt.datetime | None
    opinion_by: str | None

    @staticmethod
    def resolve_opinion_by(obj: Any) -> str | None:
        return username_of(obj.opinion_by)

    @staticmethod
    def resolve_opinion_state(obj: Any) -> str:
        return selectors.opinion_state(obj, obj.suggestion)


class ContactOut(Schema):
    contacted_on: dt.date
    way: ContactWayChoice
    note: str = Field(description="What was said.")
    recorded_by: str

    @staticmethod
    def resolve_recorded_by(obj: Any) -> str:
        return obj.recorded_by.username


class ReturnOut(Schema):
    unit: UnitRef
    reason: str
    returned_at: dt.datetime
    returned_by: str

    @staticmethod
    def resolve_returned_by(obj: Any) -> str:
        return obj.returned_by.username


class SuggestionDetail(SuggestionItem):
    text: str = Field(description="The suggestion or proposal in full.")
    supervising_leader: str | None = Field(description="The leader who supervises a key suggestion "
                                                       "(username).")
    co_handlers: list[CoHandlerOut] = Field(description="The co-handling units (协办单位) and the opinion "
                                                        "each owes the lead.")
    assigned_at: dt.datetime | None = Field(description="The assignment in force: every term counts from it.")
    assignments: int = Field(description="2 or more: re-assigned after a return.")
    return_due: dt.date | None = Field(description="The lead may return a wrong assignment until this day, "
                                                   "once, with a reason.")
    returns: list[ReturnOut]
    extended: bool = Field(description="The office approved the extension of the reply to 6 months.")
    extended_at: dt.datetime | None
    extension_reason: str
    extension_requested_at: dt.datetime | None = Field(description="The lead asked for the extension; the "
                                                                   "office has not decided yet.")
    contacts: list[ContactOut] = Field(description="The lead's contacts with the proposer (沟通联系).")
    replied_at: dt.datetime | None
    first_reply_on_time: bool | None = Field(description="Whether the first reply came by its due date.")
    result_class: str | None = Field(description="A, B, C or D (PINGAN_SUGGESTION_RESULT_CLASSES).")
    result_class_label: str | None
    promise_due: dt.date | None = Field(description="The date a class B or C reply promised.")
    promise_kept_at: dt.datetime | None
    satisfaction: selectors.SatisfactionChoice | None
    rated_at: dt.datetime | None
    rehandle_due: dt.date | None = Field(description="1 month after a dissatisfied rating.")
    escalation_level: int
    transitions: list[TransitionOut] = Field(
        description="The steps you may take now: `assign` at …/assign, `rate`, `rate_promise` and "
                    "`rate_dissatisfied` at …/rating, any other at …/steps/{name}.")
    may_send_opinion: bool = Field(description="Whether you may send your unit's opinion (…/opinion).")
    may_attach: bool = Field(description="Whether you may upload a document (…/attachments).")

    @staticmethod
    def resolve_text(obj: Suggestion) -> str:
        return obj.description

    @staticmethod
    def resolve_supervising_leader(obj: Suggestion) -> str | None:
        return username_of(obj.supervising_leader)

    @staticmethod
    def resolve_co_handlers(obj: Suggestion) -> Any:
        return obj.co_handlings.select_related("unit", "opinion_by", "suggestion")

    @staticmethod
    def resolve_returns(obj: Suggestion) -> Any:
        return obj.returns.select_related("unit", "returned_by")

    @staticmethod
    def resolve_extended(obj: Suggestion) -> bool:
        return obj.extended_at is not None

    @staticmethod
    def resolve_contacts(obj: Suggestion) -> Any:
        return obj.contacts.select_related("recorded_by")

    @staticmethod
    def resolve_result_class(obj: Suggestion) -> str | None:
        return obj.result_class or None

    @staticmethod
    def resolve_result_class_label(obj: Suggestion) -> str | None:
        return result_class_label(obj.result_class) if obj.result_class else None

    @staticmethod
    def resolve_satisfaction(obj: Suggestion) -> str | None:
        return obj.satisfaction or None

    @staticmethod
    def resolve_transitions(obj: Suggestion, context: dict) -> list[dict[str, str]]:
        user = actor(context["request"])
        return [{"name": t.name, "label": str(t.label)} for t in SUGGESTION_WORKFLOW.available(obj, user)]

    @staticmethod
    def resolve_may_send_opinion(obj: Suggestion, context: dict) -> bool:
        return services.may_send_opinion(obj, actor(context["request"]))

    @staticmethod
    def resolve_may_attach(obj: Suggestion, context: dict) -> bool:
        return services.may_attach(obj, actor(context["request"]))


class _SuggestionInBase(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)

    session: int = Field(description="The session's id (GET or POST …/sessions).")
    supervising_leader: str | None = Field(
        None, max_length=150, description="For a key suggestion: a district leader in charge of suggestions "
                                          "(username).")


SuggestionIn = model_schema(Suggestion, REGISTER_FIELDS, name="SuggestionIn", base=_SuggestionInBase,
                            types={"category": CategoryChoice},
                            extra={"category": {"default": Category.OTHER}})


UnitCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]


class AssignIn(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)

    version: int
    lead: str = Field(min_length=1, max_length=20, description="The lead unit's code: a department, a town "
                                                               "or a sub-district.")
    co_handlers: list[UnitCode] = Field(default_factory=list, max_length=20,
                                        description="The co-handling units' codes.")
    note: str = ""


StepIn = step_schema(SUGGESTION_WORKFLOW, "SuggestionStepIn")


class RatingIn(Schema):
    version: int
    satisfaction: selectors.SatisfactionChoice = Field(
        description="满意 or 基本满意 closes the item (or, with a promise open, keeps it until the promise "
                    "is kept); 不满意 the first time has it handled again within a month.")
    note: str = ""


class OpinionIn(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)

    opinion: str = Field(min_length=1, description="Your unit's opinion to the lead (协办意见).")


# ---------------------------------------------------------------------------
# Handlers
# ---------------------------------------------------------------------------


def _suggestion(request: HttpRequest, ref: str) -> Suggestion:
    suggestion = selectors.suggestion_get(user=actor(request), ref=ref.strip().upper())
    if suggestion is None:  # the same answer for "does not exist" and "not yours to see"
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    return suggestion


def _session(session_id: int) -> Session:
    session = Session.objects.filter(pk=session_id).first()
    if session is None:
        raise InvalidParameter(MSG_NO_SUCH_SESSION.format(id=session_id), field="session")
    return session


@router.get("", response={200: Page[SuggestionItem], **ERRORS},
            summary="Suggestions and proposals you may see")
def suggestion_list_view(request: HttpRequest, filters: Query[selectors.SuggestionFilters],
                         page: Query[PageParams]):
    """A handling unit sees what it leads and what it co-handles; the office sees all. Repeat a
    list parameter for OR."""
    suggestions = selectors.suggestion_list(user=actor(request), filters=filters).select_related(
        "session", "unit", "department")
    return paginate(suggestions, ordering=selectors.SORTS[filters.sort], page=page)


@router.get("/count", response={200: CountOut, **ERRORS}, summary="How many suggestions and proposals match")
def suggestion_count(request: HttpRequest, filters: Query[selectors.SuggestionFilters]):
    return {"count": selectors.suggestion_list(user=actor(request), filters=filters).count()}


@router.get("/sessions", response={200: Page[SessionOut], **ERRORS}, summary="The sessions")
def session_list(request: HttpRequest, page: Query[PageParams]):
    """Every session, the latest first, with how many of its items you may see."""
    return paginate(selectors.sessions_with_counts(actor(request)), ordering=("-opened_on", "-id"), page=page)


@router.post("/sessions", response={201: SessionOut, **ERRORS}, summary="Register a session (the office)")
def session_create(request: HttpRequest, payload: SessionIn):  # type: ignore[valid-type]
    """Naming a session that exists returns it; its body must then be the one it has."""
    user = actor(request)
    session = services.session_get_or_create(actor=user, name=payload.name, channel=payload.channel,
                                             opened_on=payload.opened_on)
    return HttpStatus(201, selectors.sessions_with_counts(user).get(pk=session.pk))


@router.post("", response={201: SuggestionDetail, **ERRORS}, summary="Register a suggestion or proposal")
def suggestion_create(request: HttpRequest, payload: SuggestionIn):  # type: ignore[valid-type]
    """The office registers, with the number the session gave it; a key suggestion names its
    supervising leader."""
    user = actor(request)
    if not services.may_register(user):  # before the input: an outsider learns nothing from its checks
        raise errors.PermissionDenied(services.MSG_NOT_ASSIGNING_OFFICE)
    suggestion = services.suggestion_register(
        actor=user, session=_session(payload.session), number=payload.number, title=payload.title,
        proposers=payload.proposers, delegation=payload.delegation, text=payload.text,
        category=payload.category, is_key=payload.is_key,
        supervising_leader=user_named(payload.supervising_leader, field="supervising_leader"))
    return HttpStatus(201, _suggestion(request, suggestion.ref))


@router.get("/{ref}", response={200: SuggestionDetail, **ERRORS},
            summary="One suggestion or proposal, with its clock")
def suggestion_detail(request: HttpRequest, ref: str):
    return _suggestion(request, ref)


@router.post("/{ref}/assign", response={200: SuggestionDetail, **ERRORS},
             summary="Assign, or re-assign after a return (the office)")
def suggestion_assign(request: HttpRequest, ref: str, payload: AssignIn):
    """Every term counts from this assignment: the return window (10 days), the reply (3
    months) and the co-handlers' opinions (2 months)."""
    services.suggestion_assign(
        suggestion=_suggestion(request, ref), actor=actor(request),
        lead=unit_coded(payload.lead, field="lead"),
        co_handlers=[unit_coded(code, field="co_handlers") for code in payload.co_handlers],
        expected_version=payload.version, note=payload.note)
    return _suggestion(request, ref)


@router.post("/{ref}/steps/{name}", response={200: SuggestionDetail, **ERRORS},
             summary="Take a step of the loop")
def suggestion_step(request: HttpRequest, ref: str, name: str, payload: StepIn):  # type: ignore[valid-type]
    """The lead's: `return` (a `note`: why, within the return window, once), `record_contact`
    (`contacted_on`, `way`, a `note`), `request_extension` (a `note`), `reply` (a contact recorded
    since the handling began, the reply document uploaded first to …/attachments, a `note`
    summing it up, `result_class`, and for a promising class `promise_due`) and `keep_promise` (a
    `note`). The office's: `approve_extension` and `refuse_extension` (a `note`), `withdraw` (a
    `note`)."""
    suggestion = _suggestion(request, ref)
    services.suggestion_transition(suggestion=suggestion, name=name, actor=actor(request),
                                   expected_version=payload.version, note=payload.note,
                                   **step_inputs(SUGGESTION_WORKFLOW.get(name), payload))
    return _suggestion(request, ref)


@router.post("/{ref}/rating", response={200: SuggestionDetail, **ERRORS},
             summary="Record the proposer's rating (the office)")
def suggestion_rating(request: HttpRequest, ref: str, payload: RatingIn):
    services.suggestion_rate(suggestion=_suggestion(request, ref), actor=actor(request),
                             satisfaction=payload.satisfaction, expected_version=payload.version,
                             note=payload.note)
    return _suggestion(request, ref)


@router.post("/{ref}/opinion", response={200: SuggestionDetail, **ERRORS},
             summary="Send your unit's opinion to the lead (a co-handler)")
def suggestion_opinion(request: HttpRequest, ref: str, payload: OpinionIn):
    """Once per co-handling unit, while the item is handled."""
    services.suggestion_co_opinion(suggestion=_suggestion(request, ref), actor=actor(request),
                                   opinion=payload.opinion)
    return _suggestion(request, ref)


@router.get("/{ref}/events", response={200: list[EventOut], **ERRORS}, summary="The item's timeline")
def suggestion_events(request: HttpRequest, ref: str):
    return case_timeline(_suggestion(request, ref))


@router.get("/{ref}/attachments", response={200: list[AttachmentOut], **ERRORS},
            summary="The item's documents (reply documents)")
def suggestion_attachments(request: HttpRequest, ref: str):
    return case_attachments(_suggestion(request, ref))


@router.post("/{ref}/attachments", response={201: AttachmentOut, **ERRORS},
             summary="Upload a document, such as the reply document (the lead's people)")
def suggestion_attach(request: HttpRequest, ref: str, file: File[UploadedFile]):
    """A PDF or a scan. Uploaded since the handling began, it is the reply document a
    `reply` step needs."""
    attachment = services.suggestion_attachment_add(
        suggestion=_suggestion(request, ref), actor=actor(request), name=file.name or "upload",
        content=read_upload(file))
    return HttpStatus(201, attachment)

