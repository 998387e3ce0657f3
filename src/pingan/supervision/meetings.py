"""Meetings and their decisions: record a meeting, propose its decisions from its report
(``proposals``), and confirm, edit or drop each; a confirmed decision becomes one supervised
task per unit it names.

Who may: a handler (or higher) of supervision or of every domain (the 平安办) at the
convening unit or a unit above it records the meeting and decides on its decisions. A
meeting is seen by the people of the convening unit and the units above it, and by those
of the units its standing decisions name.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.models import ROLE_RANK, TOWN_LEVEL, UNIT_LEVEL, Domain, RoleName, Unit, UnitKind, subtree_q
from pingan.core.scoping import scope_for
from pingan.supervision import proposals, services
from pingan.supervision.models import (
    KIND,
    Category,
    Decision,
    DecisionState,
    Meeting,
    Origin,
    SupervisedTask,
)

MSG_NOT_ALLOWED = _("Only a handler at {unit} or at a unit above it may do this.")
MSG_NO_ORDERS = _(
    "No numbered orders (一要…二要…, 一是…, （一）, 1. 2., 第一…) were found in the report. "
    "Number the decisions in the text and propose again, or add them one by one."
)
MSG_REPORT_TOO_LONG = _("The report is longer than {limit} characters: paste the part with the decisions.")
MSG_REPORT_FILE = _("Upload the report as a .txt or .docx file.")
MSG_REPORT_UNREADABLE = _("The file could not be read as a .txt or .docx document.")
MSG_REPORT_FILE_TOO_LARGE = _("The report's file is larger than {limit} MB: upload the text of the meeting.")
MSG_REPORT_UNZIPS_TOO_LARGE = _("The .docx unpacks to more than {limit} MB: save the text of the meeting "
                                "alone as a .docx or .txt.")
MSG_TEXT_REQUIRED = _("Write what was decided.")
MSG_ONLY_PROPOSED = _("This decision is “{state}”: only a proposed decision can be confirmed or dropped.")
MSG_OWNER_REQUIRED = _("Name at least one unit that carries the decision out.")
MSG_DEADLINE_REQUIRED = _("Give the decision's deadline.")
MSG_DEADLINE_BEFORE_MEETING = _("The deadline {date} is before the meeting ({held_on}).")
MSG_HELD_IN_FUTURE = _("The meeting's date {date} is in the future.")
MSG_HELD_TOO_EARLY = _("The meeting's date {date} is before {earliest}.")
MSG_OWNER_ELSEWHERE = _("{unit} is not a department of the district nor a unit within {meeting_unit}.")
MSG_DOMAIN = _("“{domain}” is not a domain: hazards, petitions, fraud, supervision, or none.")
MSG_CONVENING_UNIT = _("Meetings are recorded for the district, a town or a department, not for {unit}.")

# A report longer than this is not a meeting's minutes (the source's lead story is 2,000).
REPORT_MAX_CHARS = 50_000
# No meeting recorded here was held before this platform's records begin.
EARLIEST_MEETING = dt.date(2000, 1, 1)
# The territorial units that hold meetings and are named as owners: the district and towns.
_TOWN_OR_ABOVE = [kind for kind, level in UNIT_LEVEL.items()
                  if kind != UnitKind.DEPARTMENT and level <= TOWN_LEVEL]
TASK_CATEGORY = {
    Domain.HAZARDS: Category.WORK_SAFETY,
    Domain.PETITIONS: Category.PETITIONS,
    Domain.FRAUD: Category.FRAUD,
    Domain.SUPERVISION: Category.CATCH_UP,
}


# --- who may -------------------------------------------------------------------------------

def rank_at_or_above(actor: Any, unit: Unit) -> int:
    """The highest supervision (or every-domain) role ``actor`` holds at ``unit`` or above it."""
    scope = scope_for(actor)
    if scope.everything:
        return ROLE_RANK[RoleName.ADMIN]
    ids = {unit.pk, *(u.pk for u in unit.ancestors())}
    return max((r.rank for r in scope.roles_for(KIND) if r.unit_id in ids), default=0)


def may_record(actor: Any, unit: Unit) -> bool:
    """Whether ``actor`` may record ``unit``'s meetings and decide on their decisions."""
    return rank_at_or_above(actor, unit) >= ROLE_RANK[RoleName.HANDLER]


def convening_units(actor: Any) -> QuerySet[Unit]:
    """The units whose meetings ``actor`` may record: the district, towns and departments
    where they hold a handler's role of supervision or of every domain (and what lies below
    a district role)."""
    scope = scope_for(actor)
    candidates = (Unit.objects.filter(Q(kind=UnitKind.DEPARTMENT) | Q(kind__in=_TOWN_OR_ABOVE))
                  .order_by("prefix"))
    if scope.everything:
        return candidates
    strong = [r for r in scope.roles_for(KIND) if r.rank >= ROLE_RANK[RoleName.HANDLER]]
    reach = Q(pk__in=[])
    for role in strong:
        reach |= Q(pk=role.unit_id) if role.unit.is_department else subtree_q(role.unit.prefix)
    return candidates.filter(reach)


def meeting_reach(user: Any) -> Q:
    """The meetings ``user`` sees: those of a unit at or below one where they hold a role of
    supervision or of every domain, and those whose confirmed decisions name a unit where
    they hold any role."""
    scope = scope_for(user)
    if scope.everything:
        return Q()
    reach = Q(pk__in=[])
    for role in scope.roles_for(KIND):
        reach |= Q(unit=role.unit) if role.unit.is_department else subtree_q(role.unit.prefix, "unit__prefix")
    # Only a confirmed decision names a unit: a proposed one is the proposer's guess, which
    # the meeting's managers may still drop, and must not show a department the whole report.
    named = Decision.objects.filter(owners__in=[r.unit_id for r in scope.roles],
                                    state=DecisionState.CONFIRMED)
    return reach | Q(pk__in=named.values("meeting_id"))


# --- reads ---------------------------------------------------------------------------------

# The lists' order, newest first: the pages and the API page on it.
MEETING_ORDER = ["-held_on", "-id"]


def meeting_list(*, user: Any) -> QuerySet[Meeting]:
    return Meeting.objects.filter(meeting_reach(user)).select_related("unit").order_by(*MEETING_ORDER)


def meeting_get(*, user: Any, pk: int) -> Meeting | None:
    return meeting_list(user=user).filter(pk=pk).first()


def decision_get(*, user: Any, pk: int) -> Decision | None:
    return (Decision.objects.filter(pk=pk, meeting__in=Meeting.objects.filter(meeting_reach(user)))
            .select_related("meeting__unit", "owner").first())


def meeting_decisions(meeting: Meeting) -> list[Decision]:
    return list(meeting.decisions.select_related("owner").prefetch_related("owners", "tasks"))


def owner_choices(meeting_unit: Unit) -> QuerySet[Unit]:
    """The units a meeting's decisions may name as owners: the departments, and the district
    and towns of the tree the meeting's unit belongs to."""
    root = ([meeting_unit, *meeting_unit.ancestors()])[-1]
    return (Unit.objects.filter(Q(kind=UnitKind.DEPARTMENT) | (root.subtree_q() & Q(kind__in=_TOWN_OR_ABOVE)))
            .order_by("prefix"))


def nameable_units(meeting_unit: Unit) -> dict[str, Unit]:
    """``owner_choices`` by name: what the proposer matches in a report's text."""
    return {unit.name: unit for unit in owner_choices(meeting_unit)}


# --- the report ----------------------------------------------------------------------------

def _megabytes(size: int) -> str:
    return f"{size / 2**20:g}"


def report_text(name: str, content: bytes) -> str:
    """The text of an uploaded report of at most PINGAN_MEETING_REPORT_MAX_BYTES: a .txt
    (UTF-8 or GB18030, as Chinese Windows saves it) or a .docx (its paragraphs). A file that
    cannot be read so is refused, whatever is wrong with it."""
    limit = settings.PINGAN_MEETING_REPORT_MAX_BYTES
    if len(content) > limit:
        raise errors.DomainError(MSG_REPORT_FILE_TOO_LARGE.format(limit=_megabytes(limit)),
                                 field="report_file")
    lower = name.lower()
    if lower.endswith(".txt"):
        text = _txt_text(content)
    elif lower.endswith(".docx"):
        text = _docx_text(content)
    else:
        raise errors.DomainError(MSG_REPORT_FILE, field="report_file")
    # A NUL is no character of a report: a UTF-16 file reads as UTF-8 with one between letters.
    if text is None or "\x00" in text:
        raise errors.DomainError(MSG_REPORT_UNREADABLE, field="report_file")
    return text


def _txt_text(content: bytes) -> str | None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _docx_text(content: bytes) -> str | None:
    """The paragraphs of a .docx, or None when it is not one. A .docx is a zip: its unpacked
    size is read from the zip's directory (which the zip module holds each member to) before
    python-docx unpacks every part into memory."""
    from docx import Document  # python-docx, a dependency of docxtpl

    # A hostile file can fail in the zip module, the XML parser or python-docx in more ways
    # than any list names: each is an unreadable file, never a server error.
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except Exception:
        return None
    limit = settings.PINGAN_MEETING_REPORT_MAX_UNZIPPED_BYTES
    if unpacked > limit:
        raise errors.DomainError(MSG_REPORT_UNZIPS_TOO_LARGE.format(limit=_megabytes(limit)),
                                 field="report_file")
    try:
        return "\n".join(paragraph.text for paragraph in Document(io.BytesIO(content)).paragraphs)
    except Exception:
        return None


def _check_report(report: str) -> str:
    services.refuse_nul(report=report)
    report = report.strip()
    if len(report) > REPORT_MAX_CHARS:
        raise errors.DomainError(MSG_REPORT_TOO_LONG.format(limit=REPORT_MAX_CHARS), field="report")
    return report


# --- writes --------------------------------------------------------------------------------

def _manager_refusal(meeting: Meeting, actor: Any) -> errors.DomainError | None:
    if may_record(actor, meeting.unit):
        return None
    if not Meeting.objects.filter(meeting_reach(actor), pk=meeting.pk).exists():
        return errors.NotFound(errors.MSG_NOT_FOUND)
    return errors.PermissionDenied(MSG_NOT_ALLOWED.format(unit=meeting.unit.name))


def _raise(refusal: errors.DomainError | None) -> None:
    if refusal is not None:
        raise refusal


@transaction.atomic
def meeting_record(*, actor: Any, unit: Unit, held_on: dt.date, title: str, chair: str,
                   attendees: str = "", report: str = "") -> Meeting:
    """Record a meeting; with a report, its decisions are proposed from it (a report without
    numbered orders is kept, and proposes none)."""
    if not may_record(actor, unit):
        raise errors.PermissionDenied(MSG_NOT_ALLOWED.format(unit=unit.name), field="unit")
    if not (unit.is_department or unit.kind in _TOWN_OR_ABOVE):
        raise errors.DomainError(MSG_CONVENING_UNIT.format(unit=unit.name), field="unit")
    if held_on > timezone.localdate():
        raise errors.DomainError(MSG_HELD_IN_FUTURE.format(date=held_on.isoformat()), field="held_on")
    if held_on < EARLIEST_MEETING:
        message = MSG_HELD_TOO_EARLY.format(date=held_on.isoformat(), earliest=EARLIEST_MEETING.isoformat())
        raise errors.DomainError(message, field="held_on")
    services.refuse_nul(title=title, chair=chair, attendees=attendees)
    for name, value in (("title", title), ("chair", chair)):
        if not value.strip():
            raise errors.DomainError(_("This field is required."), field=name)
    meeting = Meeting.objects.create(unit=unit, held_on=held_on, title=title.strip(), chair=chair.strip(),
                                     attendees=attendees.strip(), report=_check_report(report),
                                     created_by=actor, created_at=timezone.now())
    if meeting.report:
        _propose(meeting, meeting.report)
    return meeting


def propose_refusal(meeting: Meeting, actor: Any) -> errors.DomainError | None:
    return _manager_refusal(meeting, actor)


def may_propose(meeting: Meeting, actor: Any) -> bool:
    return propose_refusal(meeting, actor) is None


@transaction.atomic
def decisions_propose(*, actor: Any, meeting: Meeting, report: str) -> list[Decision]:
    """Propose the meeting's decisions afresh from ``report`` (kept as its report): the
    decisions still proposed are replaced; confirmed and dropped ones stay."""
    _raise(propose_refusal(meeting, actor))
    report = _check_report(report)
    if not proposals.split_orders(report):
        raise errors.DomainError(MSG_NO_ORDERS, field="report")
    meeting.report = report
    meeting.save(update_fields=["report"])
    return _propose(meeting, report)


def _propose(meeting: Meeting, report: str) -> list[Decision]:
    meeting.decisions.filter(state=DecisionState.PROPOSED).delete()
    start = meeting.decisions.aggregate(last=Max("number"))["last"] or 0
    found = proposals.propose(report, held_on=meeting.held_on, units=nameable_units(meeting.unit))
    return [_decision(meeting, start + proposal.number, proposal) for proposal in found]


def _decision(meeting: Meeting, number: int, proposal: proposals.Proposal[Unit]) -> Decision:
    decision = Decision.objects.create(
        meeting=meeting, number=number, text=proposal.text, domain=proposal.domain,
        owner=proposal.owners[0] if proposal.owners else None, due_date=proposal.due_date)
    decision.owners.set(proposal.owners)
    return decision


@transaction.atomic
def decision_add(*, actor: Any, meeting: Meeting, text: str) -> Decision:
    """Add one proposed decision by hand: its domain, owners and deadline read from its text
    by the same rules, for a person to check when confirming."""
    _raise(propose_refusal(meeting, actor))
    services.refuse_nul(text=text)
    text = text.strip()
    if not text:
        raise errors.DomainError(MSG_TEXT_REQUIRED, field="text")
    number = (meeting.decisions.aggregate(last=Max("number"))["last"] or 0) + 1
    proposal = proposals.Proposal(
        number=number, text=text, domain=proposals.domain_of(text),
        owners=proposals.owners_in(text, nameable_units(meeting.unit)),
        due_date=proposals.deadline_in(text, meeting.held_on))
    return _decision(meeting, number, proposal)


def _proposed_refusal(decision: Decision, actor: Any) -> errors.DomainError | None:
    refusal = _manager_refusal(decision.meeting, actor)
    if refusal is None and decision.state != DecisionState.PROPOSED:
        refusal = errors.TransitionNotAllowed(
            MSG_ONLY_PROPOSED.format(state=DecisionState(decision.state).label))
    return refusal


def confirm_refusal(decision: Decision, actor: Any) -> errors.DomainError | None:
    """Why ``actor`` may not confirm ``decision``, or None: a manager of its meeting who may
    assign tasks (the district's office), while it is proposed. ``decision_confirm`` raises
    it; the page asks ``may_confirm``."""
    return _proposed_refusal(decision, actor) or services.create_refusal(actor)


def may_confirm(decision: Decision, actor: Any) -> bool:
    return confirm_refusal(decision, actor) is None


def drop_refusal(decision: Decision, actor: Any) -> errors.DomainError | None:
    return _proposed_refusal(decision, actor)


def may_drop(decision: Decision, actor: Any) -> bool:
    return drop_refusal(decision, actor) is None


def _check_owners(decision: Decision, owners: list[Unit]) -> None:
    if not owners:
        raise errors.DomainError(MSG_OWNER_REQUIRED, field="owners")
    allowed = set(owner_choices(decision.meeting.unit))
    meeting_unit = decision.meeting.unit
    for owner in owners:
        if owner not in allowed and not meeting_unit.contains(owner):
            message = MSG_OWNER_ELSEWHERE.format(unit=owner.name, meeting_unit=meeting_unit.name)
            raise errors.DomainError(message, field="owners")


@transaction.atomic
def decision_confirm(*, actor: Any, decision: Decision, text: str | None = None,
                     domain: str | None = None, owners: list[Unit] | None = None,
                     due_date: dt.date | None = None, responsible_leader: Any = None,
                     at: dt.datetime | None = None) -> list[SupervisedTask]:
    """Confirm a proposed decision, with the person's edits (None keeps what was proposed),
    and give each unit it names a supervised task, with the leader who answers for it (one
    the task's rules accept for every unit). The first unit named leads. ``at`` back-dates the
    tasks (the demo generator only)."""
    decision = Decision.objects.select_for_update().select_related("meeting__unit").get(pk=decision.pk)
    _raise(confirm_refusal(decision, actor))
    services.refuse_nul(text=text)
    text = (decision.text if text is None else text).strip()
    if not text:
        raise errors.DomainError(MSG_TEXT_REQUIRED, field="text")
    if owners is None:  # as proposed, the lead unit first
        owners = sorted(decision.owners.all(), key=lambda unit: unit != decision.owner)
    else:
        owners = list(dict.fromkeys(owners))
    _check_owners(decision, owners)
    domain = decision.domain if domain is None else domain
    if domain not in ("", *Domain.values):
        raise errors.DomainError(MSG_DOMAIN.format(domain=domain), field="domain")
    due_date = decision.due_date if due_date is None else due_date
    meeting = decision.meeting
    if due_date is None:
        raise errors.DomainError(MSG_DEADLINE_REQUIRED, field="due_date")
    if due_date < meeting.held_on:
        raise errors.DomainError(MSG_DEADLINE_BEFORE_MEETING.format(
            date=due_date.isoformat(), held_on=meeting.held_on.isoformat()), field="due_date")
    decision.text = text
    decision.domain = domain
    decision.owner = owners[0]
    decision.due_date = due_date
    decision.state = DecisionState.CONFIRMED
    decision.save()
    decision.owners.set(owners)
    label = _("{held_on} {title}, decision {number}").format(
        held_on=meeting.held_on.isoformat(), title=meeting.title, number=decision.number)
    link = reverse("supervision:meeting", args=[meeting.pk])
    return [
        services.task_create(
            actor=actor, title=proposals.first_sentence(text) or text[:proposals.MAX_TITLE],
            unit=owner, lead=owner, deadline=due_date,
            description=text, category=TASK_CATEGORY.get(decision.domain, Category.OTHER),
            origin=Origin.DECISION, origin_label=str(label)[:200], origin_link=link,
            origin_key=f"decision:{decision.pk}:{owner.pk}", decision=decision,
            responsible_leader=responsible_leader, at=at)
        for owner in owners
    ]


@transaction.atomic
def decision_drop(*, actor: Any, decision: Decision) -> Decision:
    decision = Decision.objects.select_for_update().select_related("meeting__unit").get(pk=decision.pk)
    _raise(drop_refusal(decision, actor))
    decision.state = DecisionState.DROPPED
    decision.save(update_fields=["state"])
    return decision
