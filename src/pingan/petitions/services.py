"""Writes on petitions: register, take a step of the clock, extend, read personal data in full.
The API, the CLI and (later) the web forms and the importer all call these."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.cases import open_case
from pingan.core.deadlines import NO_DEADLINE_FIELDS, count_deadline, due_date, local_date
from pingan.core.events import append_event
from pingan.core.models import (
    ROLE_RANK,
    TOWN_LEVEL,
    Case,
    EventType,
    Responsibility,
    RoleName,
    Unit,
    UnitKind,
)
from pingan.core.personal.access import may_view_personal_data, record_full_view
from pingan.core.personal.idcard import validate_id_number
from pingan.core.phones import PhoneError, clean_phone
from pingan.core.scoping import scope_for
from pingan.core.workflow import apply_changes, take_step
from pingan.petitions.models import (
    KIND,
    REF_PREFIX,
    Category,
    Channel,
    Petition,
    PetitionType,
    Rule,
    Status,
)
from pingan.petitions.profiles import RuleBook, rulebook
from pingan.petitions.selectors import Petitioner, backlog_q, petitioner_of
from pingan.petitions.workflow import PETITION_WORKFLOW, at_or_above, rank_at

MSG_BAD_CHOICE = _("“{value}” is not a valid {field}.")
MSG_UNIT_NOT_TERRITORIAL = _("A petition belongs to a place: choose a town, village or grid cell.")
MSG_CANNOT_REGISTER_HERE = _("You may not register petitions for {unit}.")
MSG_ACCUSATION_CATEGORY = _(
    "A report or accusation is a discipline-inspection matter: its category is “{category}”."
)
MSG_CATEGORY_REQUIRED = _("Choose what the matter is about (its category).")
MSG_ACCUSATION_UNIT = _("Reports and accusations are handled by {unit}.")
MSG_NO_DISCIPLINE_UNIT = _(
    "No unit has the code {code} that PINGAN_PETITION_DISCIPLINE_UNIT_CODE names for reports "
    "and accusations: the district admin must create it or correct the setting."
)
MSG_DEPARTMENT_LINE = _(
    "{unit} does not handle petitions about “{category}”: the district admin can add that "
    "responsibility to the unit in the admin site."
)
MSG_HANDLING_UNIT_PLACE = _(
    "A petition is handled by a department, or by the town or district where it arose: "
    "{unit} is neither."
)
MSG_SAME_HANDLING_UNIT = _("Route it to another unit: {unit} has objected to it.")
MSG_NAME_REQUIRED = _("Give the petitioner's name (only a report or accusation may be anonymous).")
MSG_PHONE_INVALID = _("The phone number is not valid: {reason}")
MSG_RECEIVED_IN_FUTURE = _("The date received cannot be in the future.")
MSG_REPEAT_NOT_FOUND = _("No petition {ref} in your area to link this one to.")
MSG_REPEAT_SELF = _("A petition cannot be a repeat of itself.")
MSG_REPEAT_LATER = _("{ref} was received after this petition: only an earlier petition can be the original.")
MSG_REPEAT_ALREADY = _("This petition is already linked to {ref} as the same matter.")
MSG_REPEAT_NOT_LINKED = _("This petition is not linked to an earlier one: name the proposal to dismiss.")
MSG_REPEAT_DISMISSED = _("{ref} was already dismissed as a different matter.")
MSG_REPEAT_NOT_ALLOWED = _("Only a handler over this petition may link it to an earlier one or unlink it.")
MSG_EXTENSION_STATE = _("Only a petition that has been accepted and not yet answered can be extended.")
MSG_EXTENSION_NEEDS_HEAD = _(
    "An extension needs the approval of the head of the handling unit: a supervisor there or above it."
)
MSG_EXTENSION_DAYS = _("Give the extension in whole days, at least 1.")
MSG_FULL_VIEW_NOT_ALLOWED = _(
    "Your role shows this petitioner's details masked; a supervisor or the petition's "
    "assignee may see them in full."
)
MSG_BACKLOG_NOT_ALLOWED = _("Only a handler at town level or above may designate a responsible leader.")
MSG_BACKLOG_NOT_OVERDUE = _(
    "Only an open petition past its deadline is a backlog case: this one is closed or not yet overdue."
)
MSG_BACKLOG_LEADER_REQUIRED = _("Name the responsible leader (包案领导).")
MSG_BACKLOG_TARGET_PAST = _("The target date cannot be in the past.")
# Accepted and not yet answered: the term an extension lengthens is running.
EXTENDABLE_STATUSES = frozenset({Status.ACCEPTED, Status.HANDLING})



# The field of the petition's own table that repeats the running ``due_at``, per state:
# a recount on the confirmed holiday schedule moves it too (``core.cases.case_deadline_recount``).
DUE_MIRRORS: dict[str, tuple[str, ...]] = {
    Status.RECEIVED: ("acceptance_due_at",),
    Status.ACCEPTED: ("resolution_due_at",),
    Status.HANDLING: ("resolution_due_at",),
    Status.UNDER_REVIEW: ("review_due_at",),
    Status.UNDER_REEXAM: ("reexam_due_at",),
}


def due_mirrors(petition: Petition) -> tuple[str, ...]:
    return DUE_MIRRORS.get(petition.status, ())


def _valid_choice(value: str, choices: type, field: str, label: Any) -> str:
    if value not in choices.values:
        raise errors.DomainError(MSG_BAD_CHOICE.format(value=value, field=label), field=field)
    return value


def _town_of(unit: Unit) -> Unit:
    """The town (or the district) over a unit: who handles a matter that arose there."""
    return next((u for u in [unit, *unit.ancestors()] if u.level <= TOWN_LEVEL), unit)


def _discipline_unit() -> Unit:
    code = settings.PINGAN_PETITION_DISCIPLINE_UNIT_CODE
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise errors.DomainError(MSG_NO_DISCIPLINE_UNIT.format(code=code), field="handling_unit")
    return unit


def check_handling_unit(*, handling_unit: Unit, unit: Unit, category: str) -> Unit:
    if handling_unit.is_department:
        handles = Responsibility.objects.filter(department=handling_unit, case_kind=KIND,
                                                category=category).exists()
        if not handles:
            raise errors.DomainError(
                MSG_DEPARTMENT_LINE.format(unit=handling_unit.name, category=Category(category).label),
                field="handling_unit",
            )
    elif handling_unit.level > TOWN_LEVEL or not handling_unit.contains(unit):
        raise errors.DomainError(MSG_HANDLING_UNIT_PLACE.format(unit=handling_unit.name),
                                 field="handling_unit")
    return handling_unit


def _category(*, petition_type: str, category: str | None) -> str:
    """Accusations are discipline-inspection matters, whatever else they touch."""
    if petition_type == PetitionType.ACCUSATION:
        if category and category != Category.DISCIPLINE:
            raise errors.DomainError(
                MSG_ACCUSATION_CATEGORY.format(category=Category.DISCIPLINE.label), field="category"
            )
        return Category.DISCIPLINE
    if not category:
        raise errors.DomainError(MSG_CATEGORY_REQUIRED, field="category")
    return _valid_choice(category, Category, "category", _("category"))


def _handling_unit(*, petition_type: str, category: str, unit: Unit,
                   handling_unit: Unit | None) -> Unit:
    """Accusations, and any matter of discipline inspection, go to the discipline-inspection
    unit (the line is sealed to it: no other unit could see them); anything else to the unit
    chosen, by default the town where the matter arose (属地管理)."""
    if petition_type == PetitionType.ACCUSATION or category == Category.DISCIPLINE:
        discipline = _discipline_unit()
        if handling_unit is not None and handling_unit != discipline:
            raise errors.DomainError(MSG_ACCUSATION_UNIT.format(unit=discipline.name),
                                     field="handling_unit")
        handling_unit = discipline
    return check_handling_unit(handling_unit=handling_unit or _town_of(unit), unit=unit,
                                category=category)


def _acting_unit(actor: Any, probe: Case) -> Unit | None:
    """The unit from which ``actor`` registers ``probe``: their highest role that may."""
    scope = scope_for(actor)
    reaching = [role for role in scope.roles if scope.role_reaches(role, probe, as_intake=True)]
    best = max(reaching, key=lambda role: role.rank, default=None)
    return best.unit if best else None


def _clean_phone(phone: str) -> str:
    """In normal form, so that one petitioner's number matches however it was written."""
    try:
        return clean_phone(phone)
    except PhoneError as exc:
        raise errors.DomainError(MSG_PHONE_INVALID.format(reason=exc.reason),
                                 field="phone") from None


def assignment_clock(book: RuleBook, at: dt.datetime) -> dict[str, Any]:
    """The clock that starts when a unit receives the matter: decide on acceptance, or
    object to the assignment."""
    acceptance = book.term(Rule.ACCEPTANCE).deadline(at)
    objection = book.term(Rule.OBJECTION)
    return {
        "assigned_at": at,
        "acceptance_due_at": acceptance.due_at,
        **acceptance.case_fields(),
        "objection_until": due_date(local_date(at), objection.duration, objection.day_type),
        "escalation_level": 0,
    }


def petition_register(*, actor: Any, unit: Unit, channel: str, petition_type: str, title: str,
                      matter: str = "", category: str | None = None,
                      handling_unit: Unit | None = None, petitioner_name: str = "",
                      id_number: str = "", phone: str = "", address: str = "",
                      received_at: dt.datetime | None = None, repeat_of: str | None = None,
                      source: str = "web", external_ref: str | None = None) -> Petition:
    """Register a petition received from any channel and route it to its handling unit.

    The acceptance clock starts at ``received_at`` (default now) under the deployment's
    profile; the handling unit may object to the assignment within its own window."""
    now = timezone.now()
    received_at = received_at or now
    _valid_choice(channel, Channel, "channel", _("channel"))
    _valid_choice(petition_type, PetitionType, "petition_type", _("type"))
    if unit.kind == UnitKind.DEPARTMENT:
        raise errors.DomainError(MSG_UNIT_NOT_TERRITORIAL, field="unit")
    category = _category(petition_type=petition_type, category=category)
    probe = Petition(kind=KIND, category=category, unit=unit, unit_prefix=unit.prefix)
    # Receiving a matter is not reading it: whoever registers petitions at a place registers
    # an accusation made there too, and afterwards sees only its receipt.
    if scope_for(actor).rank_for(probe, as_intake=True) < ROLE_RANK[RoleName.HANDLER]:
        raise errors.PermissionDenied(MSG_CANNOT_REGISTER_HERE.format(unit=unit.name), field="unit")
    handling_unit = _handling_unit(petition_type=petition_type, category=category, unit=unit,
                                   handling_unit=handling_unit)
    petitioner_name = petitioner_name.strip()
    if not petitioner_name and petition_type != PetitionType.ACCUSATION:
        raise errors.DomainError(MSG_NAME_REQUIRED, field="petitioner_name")
    id_number = validate_id_number(id_number) if id_number.strip() else ""
    phone = _clean_phone(phone)
    if received_at > now:
        raise errors.DomainError(MSG_RECEIVED_IN_FUTURE, field="received_at")
    earlier = None
    if repeat_of:
        earlier = Petition.objects.visible_to(actor).filter(ref=repeat_of.strip().upper()).first()
        if earlier is None:
            raise errors.DomainError(MSG_REPEAT_NOT_FOUND.format(ref=repeat_of), field="repeat_of")
    book = rulebook()
    fields = {
        "kind": KIND, "title": title.strip(), "description": matter.strip(), "category": category,
        "status": PETITION_WORKFLOW.initial, "source": source, "external_ref": external_ref or None,
        "profile": book.profile, "channel": channel, "petition_type": petition_type,
        "petitioner_name": petitioner_name, "petitioner_id_number": id_number,
        "petitioner_phone": phone, "petitioner_address": address.strip(),
        "routing_unit": _acting_unit(actor, probe), "handling_unit": handling_unit,
        "department": handling_unit if handling_unit.is_department else None,
        "repeat_of": earlier,
        **assignment_clock(book, received_at),
    }
    for name in NO_DEADLINE_FIELDS:
        fields.pop(name)  # open_case sets them from the same term
    return open_case(model=Petition, ref_prefix=REF_PREFIX, actor=actor, unit=unit, fields=fields,
                     terms=book.term(Rule.ACCEPTANCE), opened_at=received_at)


def petition_transition(*, petition: Petition, name: str, actor: Any, expected_version: int,
                        note: str = "", at: dt.datetime | None = None, **inputs: Any) -> Petition:
    """Take one step of the petition's clock with the inputs that step declares (``outcome``,
    ``satisfaction``…): what each step needs, changes and notifies is declared in
    ``petitions.workflow``; the deadlines it starts come from the petition's profile.

    "reply" issues the one-time code for the reply notice: the returned petition carries the
    notice, code included, as ``reply_notice`` (it is not stored and not shown again).
    "rate" is the petition bureau's call-back: ``asked_by`` (a ``CALLBACK_CHANNELS`` value)
    and ``asked_on`` (default today).

    ``at`` back-dates the step (importers and the demo generator only)."""
    take_step(workflow=PETITION_WORKFLOW, case=petition, name=name, actor=actor,
              expected_version=expected_version, note=note, inputs=inputs,
              rules=rulebook(petition.profile), at=at)
    return petition


def extend_refusal(petition: Petition, actor: Any) -> errors.DomainError | None:
    """Why ``actor`` may not extend ``petition``'s term now, or None when they may: the head
    of its handling unit, once, while it is accepted and not yet answered, if its profile
    leaves room for a day more. ``petition_extend`` raises it; the page asks ``may_extend``."""
    if not scope_for(actor).covers(petition):
        return errors.NotFound(errors.MSG_NOT_FOUND)
    # The head of the handling unit (or of a unit above it), not any supervisor who can see it.
    if rank_at(actor, at_or_above(petition.handling_unit)) < ROLE_RANK[RoleName.SUPERVISOR]:
        return errors.PermissionDenied(MSG_EXTENSION_NEEDS_HEAD)
    if petition.status not in EXTENDABLE_STATUSES or not petition.resolution_days:
        return errors.DomainError(MSG_EXTENSION_STATE)
    if petition.extended_at is not None:
        return errors.DomainError(errors.MSG_EXTENSION_USED)
    # Even one day more would pass the profile's limits: there is no extension left to give.
    no_room = rulebook(petition.profile).extension_refusal(resolution_days=petition.resolution_days, days=1)
    if no_room:
        return errors.DomainError(no_room, field="days")
    return None


def may_extend(petition: Petition, user: Any) -> bool:
    return extend_refusal(petition, user) is None


def petition_extend(*, petition: Petition, actor: Any, expected_version: int, days: int,
                    reason: str, at: dt.datetime | None = None) -> Petition:
    """The one extension, approved by the unit head, with the reason the petitioner is told.

    The extension lengthens the term counted from acceptance (30 + 60 days, not 60 days
    from a due date that had already rolled past a holiday), and the profile's limits
    refuse one too long."""
    refusal = extend_refusal(petition, actor)
    if refusal is not None:
        raise refusal
    reason = reason.strip()
    if not reason:
        raise errors.DomainError(errors.MSG_REASON_REQUIRED, field="reason")
    if days < 1:
        raise errors.DomainError(MSG_EXTENSION_DAYS, field="days")
    book = rulebook(petition.profile)
    too_long = book.extension_refusal(resolution_days=petition.resolution_days, days=days)
    if too_long:
        raise errors.DomainError(too_long, field="days")
    term = book.term(book.resolution_rule(petition.petition_type))
    total = petition.resolution_days + days
    due = count_deadline(local_date(petition.accepted_at), total, term.day_type)
    now = at or timezone.now()
    with transaction.atomic():
        before, after = apply_changes(case=petition, expected_version=expected_version, changes={
            **due.case_fields(), "resolution_due_at": due.due_at, "extended_at": now, "extension_days": days,
            "extension_reason": reason, "escalation_level": 0,
        })
        append_event(case=petition, actor=actor, type=EventType.EXTENDED, before=before,
                     after=after, note=reason, at=now)
    return petition


def petition_personal_data(*, petition: Petition, actor: Any) -> Petitioner:
    """The petitioner in full, for a reader whose role allows it; the reading is an event."""
    if not scope_for(actor).covers(petition):
        raise errors.NotFound(errors.MSG_NOT_FOUND)
    if not may_view_personal_data(actor, petition):
        raise errors.PermissionDenied(MSG_FULL_VIEW_NOT_ALLOWED)
    record_full_view(case=petition, actor=actor, fields=["name", "id_number", "phone", "address"])
    return petitioner_of(petition, full=True)


def link_refusal(petition: Petition, actor: Any) -> errors.DomainError | None:
    """Why ``actor`` may not link ``petition`` to an earlier one, or unlink it, or None when
    they may: a handler over it. The confirm and unlink services raise it; the page asks
    ``may_link`` before it proposes earlier petitions."""
    scope = scope_for(actor)
    if not scope.covers(petition):
        return errors.NotFound(errors.MSG_NOT_FOUND)
    if scope.rank_for(petition) < ROLE_RANK[RoleName.HANDLER]:
        return errors.PermissionDenied(MSG_REPEAT_NOT_ALLOWED)
    return None


def may_link(petition: Petition, user: Any) -> bool:
    return link_refusal(petition, user) is None


def _require_link(petition: Petition, actor: Any) -> None:
    refusal = link_refusal(petition, actor)
    if refusal is not None:
        raise refusal


def _original(*, petition: Petition, ref: str, actor: Any) -> Petition:
    """The earlier petition named by ``ref``, which ``actor`` must be able to see."""
    original = Petition.objects.visible_to(actor).filter(ref=ref.strip().upper()).first()
    if original is None:
        raise errors.DomainError(MSG_REPEAT_NOT_FOUND.format(ref=ref), field="original")
    if original.pk == petition.pk:
        raise errors.DomainError(MSG_REPEAT_SELF, field="original")
    if (original.opened_at, original.pk) > (petition.opened_at, petition.pk):
        raise errors.DomainError(MSG_REPEAT_LATER.format(ref=original.ref), field="original")
    return original


def _record_link(*, petition: Petition, actor: Any, expected_version: int, changes: dict[str, Any],
                 before: dict[str, Any], after: dict[str, Any], at: dt.datetime | None) -> Petition:
    with transaction.atomic():
        apply_changes(case=petition, expected_version=expected_version, changes=changes)
        append_event(case=petition, actor=actor, type=EventType.UPDATED, before=before, after=after, at=at)
    return petition


def petition_repeat_confirm(*, petition: Petition, original_ref: str, actor: Any,
                            expected_version: int, at: dt.datetime | None = None) -> Petition:
    """Confirm that ``petition`` raises the same matter as the earlier ``original_ref``:
    it stops being a first petition (初信初访). A proposal dismissed before may be confirmed."""
    _require_link(petition, actor)
    original = _original(petition=petition, ref=original_ref, actor=actor)
    current = petition.repeat_of
    if current is not None and current.pk == original.pk:
        raise errors.DomainError(MSG_REPEAT_ALREADY.format(ref=original.ref), field="original")
    return _record_link(
        petition=petition, actor=actor, expected_version=expected_version,
        changes={"repeat_of": original,
                 "repeat_dismissed": [pk for pk in petition.repeat_dismissed if pk != original.pk]},
        before={"repeat_of": current.ref if current else None}, after={"repeat_of": original.ref}, at=at,
    )


def petition_repeat_unlink(*, petition: Petition, actor: Any, expected_version: int,
                           original_ref: str | None = None, at: dt.datetime | None = None) -> Petition:
    """Say ``petition`` is *not* the same matter as ``original_ref`` (default: the petition
    it is linked to): the link, if any, is removed and the pair is never proposed again."""
    _require_link(petition, actor)
    if original_ref:
        original = _original(petition=petition, ref=original_ref, actor=actor)
    elif petition.repeat_of is not None:
        original = petition.repeat_of
    else:
        raise errors.DomainError(MSG_REPEAT_NOT_LINKED, field="original")
    linked = petition.repeat_of_id == original.pk
    if not linked and original.pk in petition.repeat_dismissed:
        raise errors.DomainError(MSG_REPEAT_DISMISSED.format(ref=original.ref), field="original")
    changes: dict[str, Any] = {"repeat_dismissed": [*petition.repeat_dismissed, original.pk]}
    if linked:
        changes["repeat_of"] = None
    return _record_link(
        petition=petition, actor=actor, expected_version=expected_version, changes=changes,
        before={"repeat_of": original.ref if linked else None},
        after={"repeat_of": None, "repeat_dismissed": original.ref}, at=at,
    )


def designate_refusal(petition: Petition, actor: Any, now: dt.datetime) -> errors.DomainError | None:
    """Why ``actor`` may not designate ``petition``'s responsible leader at ``now``, or None
    when they may: a handler at town level or above, while it is a backlog case (open and
    overdue). ``petition_backlog_assign`` raises it; the page asks ``may_designate``."""
    scope = scope_for(actor)
    if not scope.covers(petition):
        return errors.NotFound(errors.MSG_NOT_FOUND)
    if scope.rank_for(petition, town_or_above=True) < ROLE_RANK[RoleName.HANDLER]:
        return errors.PermissionDenied(MSG_BACKLOG_NOT_ALLOWED)
    if not Petition.objects.filter(backlog_q(now), pk=petition.pk).exists():
        return errors.DomainError(MSG_BACKLOG_NOT_OVERDUE)
    return None


def may_designate(petition: Petition, user: Any, now: dt.datetime) -> bool:
    return designate_refusal(petition, user, now) is None


def petition_backlog_assign(*, petition: Petition, actor: Any, expected_version: int, leader: str,
                            target_date: dt.date, at: dt.datetime | None = None) -> Petition:
    """Make an overdue petition a backlog case (积案): the leader who answers for it and
    the date by which it is to be cleared. Designating again replaces both."""
    now = at or timezone.now()
    refusal = designate_refusal(petition, actor, now)
    if refusal is not None:
        raise refusal
    leader = leader.strip()
    if not leader:
        raise errors.DomainError(MSG_BACKLOG_LEADER_REQUIRED, field="leader")
    if target_date < local_date(now):
        raise errors.DomainError(MSG_BACKLOG_TARGET_PAST, field="target_date")
    with transaction.atomic():
        before, after = apply_changes(case=petition, expected_version=expected_version, changes={
            "backlog_leader": leader, "backlog_target_date": target_date,
        })
        append_event(case=petition, actor=actor, type=EventType.UPDATED, before=before, after=after, at=at)
    return petition
