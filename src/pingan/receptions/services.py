"""Writes on reception days: plan one, record it held or cancelled, register a visitor as a
petition linked to it. The web pages, the API and the demo all call these.

Who may: a handler (or higher) at the reception's unit or at a unit above it. A reception
is not a case, so its own changes write no case event; registering a visitor opens a
petition, whose timeline records the reception it came from.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.deadlines import local_date
from pingan.core.events import append_event
from pingan.core.models import ROLE_RANK, EventType, RoleName, Unit
from pingan.petitions.models import Channel
from pingan.petitions.services import petition_register
from pingan.petitions.workflow import at_or_above, rank_at
from pingan.receptions.models import (
    Leader,
    Reception,
    ReceptionStatus,
    ReceptionVisit,
    holds_receptions,
)
from pingan.receptions.periods import Period, period_of

MSG_UNIT_HOLDS_NONE = _("Reception days are held by the district and its towns: {unit} holds none.")
MSG_NOT_ALLOWED = _("Only a handler at {unit} or at a unit above it may do this.")
MSG_LEADER_INACTIVE = _("{leader} is no longer on the reception roster.")
MSG_LEADER_ELSEWHERE = _("{leader} is on the roster of {leader_unit}, which is neither {unit} nor above it.")
MSG_PLACE_REQUIRED = _("Say where the reception is held.")
MSG_PERIOD_TAKEN = _(
    "{unit} already has a reception in {period} ({date}, {leader}). Cancel that one first, "
    "or choose a day in another period."
)
MSG_ONLY_PLANNED = _("This reception is “{status}”: only a planned one can be recorded held or cancelled.")
MSG_HELD_IN_FUTURE = _("The reception is on {date}: it cannot be recorded as held before that day.")
MSG_CHANGED_MEANWHILE = _(
    "Someone else changed this reception meanwhile. Nothing was saved: reload the page."
)
MSG_CANCELLED_NO_VISITORS = _("The reception was cancelled: it has no visitors to register.")
MSG_NOT_YET = _("The reception is on {date}: its visitors are registered on the day or after it.")
MSG_NOT_CONFIRMED = _(
    "The reception on {date} is not recorded as held: record it held first, then register its visitors."
)
MSG_VISITOR_UNIT_OUTSIDE = _(
    "{reception_unit}'s reception takes matters that arose within {reception_unit}: {unit} is outside it."
)
MSG_RECEIVED_TIME_REQUIRED = _("Give the time on {date} at which the visitor was received.")
MSG_RECEIVED_OTHER_DAY = _("The visitor was received at the reception, on {date}: give a time on that day.")
MSG_TITLE_REQUIRED = _("Sum up the matter in one line (its title).")


def may_manage(actor: Any, unit: Unit) -> bool:
    """Whether ``actor`` may plan, record and take visitors for ``unit``'s receptions."""
    return rank_at(actor, at_or_above(unit)) >= ROLE_RANK[RoleName.HANDLER]


def _manager_refusal(reception: Reception, actor: Any) -> errors.DomainError | None:
    if may_manage(actor, reception.unit):
        return None
    # Someone who cannot even see the reception learns nothing about it.
    if not Reception.objects.visible_to(actor).filter(pk=reception.pk).exists():
        return errors.NotFound(errors.MSG_NOT_FOUND)
    return errors.PermissionDenied(MSG_NOT_ALLOWED.format(unit=reception.unit.name))


def _require_manager(reception: Reception, actor: Any) -> None:
    refusal = _manager_refusal(reception, actor)
    if refusal is not None:
        raise refusal


def _planned_refusal(reception: Reception, actor: Any) -> errors.DomainError | None:
    refusal = _manager_refusal(reception, actor)
    if refusal is None and reception.status != ReceptionStatus.PLANNED:
        refusal = errors.TransitionNotAllowed(
            MSG_ONLY_PLANNED.format(status=ReceptionStatus(reception.status).label))
    return refusal


def mark_held_refusal(reception: Reception, actor: Any, today: dt.date) -> errors.DomainError | None:
    """Why ``actor`` may not record ``reception`` held on ``today``, or None when they may: a
    manager of its unit, while it is planned, on its day or later. ``reception_mark_held``
    raises it; the page asks ``may_mark_held`` before it offers the form."""
    refusal = _planned_refusal(reception, actor)
    if refusal is None and reception.date > today:
        refusal = errors.DomainError(MSG_HELD_IN_FUTURE.format(date=_day(reception.date)))
    return refusal


def may_mark_held(reception: Reception, user: Any, today: dt.date) -> bool:
    return mark_held_refusal(reception, user, today) is None


def cancel_refusal(reception: Reception, actor: Any) -> errors.DomainError | None:
    """Why ``actor`` may not call ``reception`` off, or None when they may: a manager of its
    unit, while it is planned. ``reception_cancel`` raises it; the page asks ``may_cancel``."""
    return _planned_refusal(reception, actor)


def may_cancel(reception: Reception, user: Any) -> bool:
    return cancel_refusal(reception, user) is None


def _day(value: dt.date) -> str:
    return value.isoformat()


def reception_in_period(unit: Unit, period: Period) -> Reception | None:
    """The planned or held reception of ``unit`` in ``period``, if any."""
    return (Reception.objects.filter(unit=unit, date__gte=period.start, date__lte=period.end)
            .exclude(status=ReceptionStatus.CANCELLED).select_related("leader").first())


def reception_plan(*, actor: Any, unit: Unit, leader: Leader, date: dt.date, place: str,
                   note: str = "", at: dt.datetime | None = None) -> Reception:
    """Put a reception day on the calendar: one per unit and period.

    A past date is allowed, so that a reception held but not entered can be recorded
    afterwards (planned, then recorded held); who did so, and when, is kept.
    ``at`` back-dates the record (the demo generator only)."""
    if not holds_receptions(unit):
        raise errors.DomainError(MSG_UNIT_HOLDS_NONE.format(unit=unit.name), field="unit")
    if not may_manage(actor, unit):
        raise errors.PermissionDenied(MSG_NOT_ALLOWED.format(unit=unit.name), field="unit")
    if not leader.is_active:
        raise errors.DomainError(MSG_LEADER_INACTIVE.format(leader=leader), field="leader")
    if not leader.unit.contains(unit):
        raise errors.DomainError(MSG_LEADER_ELSEWHERE.format(
            leader=leader, leader_unit=leader.unit.name, unit=unit.name), field="leader")
    place = place.strip()
    if not place:
        raise errors.DomainError(MSG_PLACE_REQUIRED, field="place")
    period = period_of(date)
    with transaction.atomic():
        # The unit's row is held while its period is checked, so that two clerks planning
        # the same period at once cannot both succeed.
        Unit.objects.select_for_update().filter(pk=unit.pk).values_list("pk").get()
        taken = reception_in_period(unit, period)
        if taken is not None:
            raise errors.DomainError(MSG_PERIOD_TAKEN.format(
                unit=unit.name, period=period.label, date=_day(taken.date), leader=taken.leader,
            ), field="date")
        return Reception.objects.create(unit=unit, leader=leader, date=date, place=place,
                                        note=note.strip(), created_by=actor,
                                        created_at=at or timezone.now())


def _record_status(reception: Reception, *, actor: Any, status: str, note: str,
                   at: dt.datetime | None) -> Reception:
    """Planned → ``status``, if the reception is still planned when the row is written."""
    now = at or timezone.now()
    note = "\n".join(part for part in (reception.note, note.strip()) if part)
    changed = Reception.objects.filter(pk=reception.pk, status=ReceptionStatus.PLANNED).update(
        status=status, note=note, status_changed_by=actor, status_changed_at=now)
    if not changed:
        raise errors.StaleEdit(MSG_CHANGED_MEANWHILE)
    reception.status, reception.note = status, note
    reception.status_changed_by, reception.status_changed_at = actor, now
    return reception


def reception_mark_held(*, reception: Reception, actor: Any, note: str = "",
                        at: dt.datetime | None = None) -> Reception:
    """Record that the reception took place (on its day or later)."""
    refusal = mark_held_refusal(reception, actor, local_date(at or timezone.now()))
    if refusal is not None:
        raise refusal
    return _record_status(reception, actor=actor, status=ReceptionStatus.HELD, note=note, at=at)


def reception_cancel(*, reception: Reception, actor: Any, reason: str,
                     at: dt.datetime | None = None) -> Reception:
    """Call off a planned reception, with the reason. Its period stays missing unless
    another reception is planned and held in it."""
    refusal = cancel_refusal(reception, actor)
    if refusal is not None:
        raise refusal
    if not reason.strip():
        raise errors.DomainError(errors.MSG_REASON_REQUIRED, field="reason")
    return _record_status(reception, actor=actor, status=ReceptionStatus.CANCELLED, note=reason, at=at)


def visitor_refusal(reception: Reception, today: dt.date) -> str | None:
    """Why the reception takes no visitors on ``today``, or None when it does: it is being
    held today (planned or recorded held), or it was held on an earlier day."""
    if reception.status == ReceptionStatus.CANCELLED:
        return str(MSG_CANCELLED_NO_VISITORS)
    if reception.date > today:
        return MSG_NOT_YET.format(date=_day(reception.date))
    if reception.date < today and reception.status != ReceptionStatus.HELD:
        return MSG_NOT_CONFIRMED.format(date=_day(reception.date))
    return None


def _received_at(reception: Reception, received_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """When the visitor was received: now on the reception's own day; for a visitor
    entered afterwards, a moment on that day, which starts the acceptance clock."""
    if received_at is None:
        if reception.date != local_date(now):
            raise errors.DomainError(MSG_RECEIVED_TIME_REQUIRED.format(date=_day(reception.date)),
                                     field="received_at")
        return now
    if local_date(received_at) != reception.date:
        raise errors.DomainError(MSG_RECEIVED_OTHER_DAY.format(date=_day(reception.date)),
                                 field="received_at")
    return received_at


def reception_visitor_register(*, reception: Reception, actor: Any, petition_type: str, title: str,
                               petitioner_name: str = "", category: str | None = None,
                               matter: str = "", id_number: str = "", phone: str = "",
                               address: str = "", unit: Unit | None = None,
                               received_at: dt.datetime | None = None, source: str = "web",
                               at: dt.datetime | None = None) -> ReceptionVisit:
    """Register a visitor received at ``reception`` as a petition (channel: a leader's
    reception day) and link the two, in one transaction: the petition's acceptance clock
    runs from ``received_at``. A reception still planned on its own day is recorded held
    by its first visitor.

    ``unit`` is where the matter arose (default: the reception's unit, and never outside
    it). ``at`` back-dates the registration (the demo generator only)."""
    _require_manager(reception, actor)
    now = at or timezone.now()
    today = local_date(now)
    refusal = visitor_refusal(reception, today)
    if refusal:
        raise errors.DomainError(refusal, code="not_receiving")
    unit = unit or reception.unit
    if unit.is_department or not reception.unit.contains(unit):
        raise errors.DomainError(MSG_VISITOR_UNIT_OUTSIDE.format(
            reception_unit=reception.unit.name, unit=unit.name), field="unit")
    received_at = _received_at(reception, received_at, now)
    if not title.strip():
        raise errors.DomainError(MSG_TITLE_REQUIRED, field="title")
    with transaction.atomic():
        locked = Reception.objects.select_for_update().select_related("unit", "leader").get(pk=reception.pk)
        refusal = visitor_refusal(locked, today)
        if refusal:
            raise errors.DomainError(refusal, code="not_receiving")
        if locked.status == ReceptionStatus.PLANNED:
            _record_status(locked, actor=actor, status=ReceptionStatus.HELD, note="", at=at)
        petition = petition_register(
            actor=actor, unit=unit, channel=Channel.RECEPTION_DAY, petition_type=petition_type,
            category=category, title=title, matter=matter, petitioner_name=petitioner_name,
            id_number=id_number, phone=phone, address=address, received_at=received_at, source=source,
        )
        visit = ReceptionVisit.objects.create(reception=locked, petition=petition)
        append_event(case=petition, actor=actor, type=EventType.UPDATED, at=now, after={
            "reception": locked.pk, "reception_date": _day(locked.date),
            "reception_unit": locked.unit.code, "reception_leader": str(locked.leader),
        })
    for name in ("status", "note", "status_changed_by_id", "status_changed_at"):
        setattr(reception, name, getattr(locked, name))
    return visit
