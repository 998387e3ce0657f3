"""The meetings-and-circulars half of the supervision API (``meeting_router``, mounted at
``/api/v1/supervision`` by ``supervision.api``). Handlers only translate HTTP to
``supervision.meetings`` and ``supervision.circulars``."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as HttpStatus
from pydantic import ConfigDict

from pingan.core import errors
from pingan.core.api import ERRORS, Page, PageParams, UnitRef, actor, found, paginate, unit_coded, username_of
from pingan.core.models import Unit
from pingan.supervision import circulars, meetings
from pingan.supervision.models import Circular, CircularKind, Decision, DecisionState, Meeting

meeting_router = Router(tags=["supervision"])




def _unit_ref(unit: Unit) -> dict[str, str]:
    return {"code": unit.code, "name": unit.name}


class DecisionOut(Schema):
    id: int
    number: int
    text: str
    domain: str = Field(description="hazards, petitions, fraud, supervision, or empty for another matter.")
    owners: list[UnitRef] = Field(description="The units it names, the lead first.")
    due_date: dt.date | None
    state: DecisionState
    tasks: list[str] = Field(description="The references of the supervised tasks made when it was confirmed.")

    @staticmethod
    def resolve_owners(obj: Decision) -> Any:
        owners = sorted(obj.owners.all(), key=lambda unit: unit.pk != obj.owner_id)
        return [_unit_ref(unit) for unit in owners]

    @staticmethod
    def resolve_tasks(obj: Decision) -> list[str]:
        return [task.ref for task in obj.tasks.all()]


class MeetingOut(Schema):
    id: int
    unit: UnitRef = Field(description="The convening unit.")
    held_on: dt.date
    title: str
    chair: str
    attendees: str
    created_by: str | None
    created_at: dt.datetime

    @staticmethod
    def resolve_unit(obj: Meeting) -> Any:
        return _unit_ref(obj.unit)

    @staticmethod
    def resolve_created_by(obj: Meeting) -> str | None:
        return username_of(obj.created_by)


class MeetingDetail(MeetingOut):
    report: str
    decisions: list[DecisionOut]

    @staticmethod
    def resolve_decisions(obj: Meeting) -> Any:
        return meetings.meeting_decisions(obj)


class MeetingIn(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)

    unit: str = Field(min_length=1, description="The code of the convening unit (the district, a town "
                                                "or a department).")
    held_on: dt.date
    title: str = Field(min_length=1, max_length=200)
    chair: str = Field(min_length=1, max_length=100)
    attendees: str = ""
    report: str = Field("",
                        description="The meeting's report: its numbered orders become proposed decisions.")


class ProposeIn(Schema):
    report: str = Field(min_length=1,
                        description="The report to propose the decisions from (kept as the meeting's).")


class ConfirmIn(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)

    text: str | None = Field(None, description="The decision as edited; default: as proposed.")
    domain: str | None = Field(None, description="hazards, petitions, fraud, supervision, or empty for "
                                                 "another matter; default: as proposed.")
    owners: list[str] | None = Field(None, description="Unit codes, the lead first; default: as proposed.")
    due_date: dt.date | None = Field(None, description="Default: as proposed.")
    responsible_leader: int | None = Field(None, description="The user id of a leader in charge of "
                                                             "supervision at the meeting's unit or above.")


class CircularOut(Schema):
    id: int
    kind: CircularKind
    issuer: UnitRef
    number: str
    title: str
    period: str
    published_at: dt.datetime | None
    published_by: str | None
    named_units: list[UnitRef]
    files: dict[str, str] = Field(description="The API paths of its .docx and PDF, once published.")

    @staticmethod
    def resolve_issuer(obj: Circular) -> Any:
        return _unit_ref(obj.issuer)

    @staticmethod
    def resolve_published_by(obj: Circular) -> str | None:
        return username_of(obj.published_by)

    @staticmethod
    def resolve_named_units(obj: Circular) -> Any:
        return [_unit_ref(unit) for unit in obj.named_units.order_by("prefix")]

    @staticmethod
    def resolve_files(obj: Circular) -> dict[str, str]:
        if not obj.is_published:
            return {}
        return {kind: f"/api/v1/supervision/circulars/{obj.pk}/files/{kind}" for kind in circulars.FILE_KINDS}


class CircularDetail(CircularOut):
    content: dict[str,
                  Any] = Field(description="What it says: frozen at publication; for a draft, as of now.")

    @staticmethod
    def resolve_content(obj: Circular, context: dict) -> Any:
        return circulars.circular_content(obj, actor=actor(context["request"]))


class CircularIn(Schema):
    model_config = ConfigDict(str_strip_whitespace=True)

    kind: CircularKind
    title: str = Field(min_length=1, max_length=200)
    number: str = Field("", max_length=60)
    period: str = Field("", description="For a ranking: 2026Q1 or 2026-03.")
    unit: str | None = Field(None, description="For a failure of duty: the code of the unit named.")
    facts: str = ""
    lesson: str = ""


class PublishIn(Schema):
    number: str = Field("", max_length=60,
                        description="The document number (文号), if not given in the draft.")


def _meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    return found(meetings.meeting_get(user=actor(request), pk=meeting_id))


def _decision(request: HttpRequest, decision_id: int) -> Decision:
    return found(meetings.decision_get(user=actor(request), pk=decision_id))


def _circular(request: HttpRequest, circular_id: int) -> Circular:
    return found(circulars.circular_get(user=actor(request), pk=circular_id))


@meeting_router.get("/meetings", response={200: Page[MeetingOut], **ERRORS},
                    summary="Meetings within your reach")
def meeting_list_view(request: HttpRequest, page: Query[PageParams]):
    return paginate(meetings.meeting_list(user=actor(request)).select_related("created_by"),
                    ordering=meetings.MEETING_ORDER, page=page)


@meeting_router.post("/meetings", response={201: MeetingDetail, **ERRORS}, summary="Record a meeting")
def meeting_record_view(request: HttpRequest, payload: MeetingIn):
    """With a report, its numbered orders are proposed as decisions to confirm, edit or drop."""
    meeting = meetings.meeting_record(
        actor=actor(request), unit=unit_coded(payload.unit, field="unit"), held_on=payload.held_on,
        title=payload.title, chair=payload.chair, attendees=payload.attendees, report=payload.report)
    return HttpStatus(201, _meeting(request, meeting.pk))


@meeting_router.get("/meetings/{meeting_id}", response={200: MeetingDetail, **ERRORS}, summary="One meeting")
def meeting_detail_view(request: HttpRequest, meeting_id: int):
    return _meeting(request, meeting_id)


@meeting_router.post("/meetings/{meeting_id}/propose", response={200: list[DecisionOut], **ERRORS},
                     summary="Propose the meeting's decisions from a report")
def meeting_propose_view(request: HttpRequest, meeting_id: int, payload: ProposeIn):
    """Replaces the decisions still proposed; confirmed and dropped ones stay. A report with
    no numbered orders is refused (400) and nothing changes."""
    return meetings.decisions_propose(actor=actor(request), meeting=_meeting(request, meeting_id),
                                      report=payload.report)


@meeting_router.post("/decisions/{decision_id}/confirm", response={200: DecisionOut, **ERRORS},
                     summary="Confirm a proposed decision: one supervised task per unit it names")
def decision_confirm_view(request: HttpRequest, decision_id: int, payload: ConfirmIn):
    decision = _decision(request, decision_id)
    owners = None if payload.owners is None else [unit_coded(code, field="owners") for code in payload.owners]
    meetings.decision_confirm(actor=actor(request), decision=decision, text=payload.text,
                              domain=payload.domain,
                              owners=owners, due_date=payload.due_date,
                              responsible_leader=payload.responsible_leader)
    return _decision(request, decision_id)


@meeting_router.post("/decisions/{decision_id}/drop", response={200: DecisionOut, **ERRORS},
                     summary="Drop a proposed decision")
def decision_drop_view(request: HttpRequest, decision_id: int):
    return meetings.decision_drop(actor=actor(request), decision=_decision(request, decision_id))


@meeting_router.get("/circulars", response={200: Page[CircularOut], **ERRORS},
                    summary="Circulars you may see")
def circular_list_view(request: HttpRequest, page: Query[PageParams]):
    return paginate(circulars.circular_list(user=actor(request)).select_related("published_by"),
                    ordering=circulars.CIRCULAR_ORDER, page=page)


@meeting_router.post("/circulars", response={201: CircularDetail, **ERRORS}, summary="Draft a circular")
def circular_draft_view(request: HttpRequest, payload: CircularIn):
    circular = circulars.circular_draft(
        actor=actor(request), kind=payload.kind, title=payload.title, number=payload.number,
        period=payload.period,
        unit=unit_coded(payload.unit, field="unit"), facts=payload.facts, lesson=payload.lesson)
    return HttpStatus(201, _circular(request, circular.pk))


@meeting_router.get("/circulars/{circular_id}", response={200: CircularDetail, **ERRORS},
                    summary="One circular")
def circular_detail_view(request: HttpRequest, circular_id: int):
    return _circular(request, circular_id)


@meeting_router.post("/circulars/{circular_id}/publish", response={200: CircularDetail, **ERRORS},
                     summary="Publish a draft circular, once")
def circular_publish_view(request: HttpRequest, circular_id: int, payload: PublishIn):
    """Freezes its content, records the units it names and renders its .docx and PDF."""
    circulars.circular_publish(actor=actor(request), circular=_circular(request, circular_id),
                               number=payload.number)
    return _circular(request, circular_id)


@meeting_router.get("/circulars/{circular_id}/files/{kind}", response={200: None, **ERRORS},
                    summary="A published circular's .docx or PDF")
def circular_file_view(request: HttpRequest, circular_id: int, kind: str):
    try:
        data, name, content_type = circulars.circular_file(_circular(request, circular_id), kind)
    except errors.DomainError as exc:
        raise errors.NotFound(exc.message) from exc
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=name, content_type=content_type)
