"""Escalation of overdue cases, one level at a time: micro-grid → grid → village → town →
district.

The first step fires when the deadline passes, each further one after
``PINGAN_ESCALATION_INTERVAL_DAYS`` more. A step is claimed with a conditional UPDATE on
``escalation_level``, so two workers sweeping at once never fire the same step twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pingan.core.deadlines import OPEN
from pingan.core.events import append_event
from pingan.core.inbox import notify
from pingan.core.models import ROLE_RANK, UNIT_LEVEL, Case, EventType, Role, RoleName, Unit
from pingan.core.scoping import is_sealed, role_reaches_kind, sealed_q

logger = logging.getLogger(__name__)
# At most one step per level above the deepest unit (a micro-grid's case climbs four).
MAX_STEPS = max(UNIT_LEVEL.values()) - 1


# Kind -> who else hears of each escalation of a case of that kind, besides the people of the
# unit it climbs to (a supervised task's responsible leader). Registered by the kind's app.
_WATCHERS: dict[str, Callable[[Case], Iterable[Any]]] = {}


def register_escalation_watchers(kind: str, watchers: Callable[[Case], Iterable[Any]]) -> None:
    _WATCHERS[kind] = watchers


def escalation_chain(unit: Unit) -> list[Unit]:
    """The units above the case's own, nearest first, ending at the district."""
    return [u for u in unit.ancestors() if not u.is_department]


def steps_due(*, due_at: dt.datetime, now: dt.datetime, available: int) -> int:
    if due_at >= now:
        return 0
    interval = dt.timedelta(days=settings.PINGAN_ESCALATION_INTERVAL_DAYS)
    return min(available, 1 + int((now - due_at) / interval))


def escalate_case(case: Case, *, now: dt.datetime | None = None) -> bool:
    """Fire the next escalation step if one is due. Returns whether it fired."""
    now = now or timezone.now()
    if is_sealed(case):
        # An accusation does not climb the territorial chain: the place where it arose must
        # not hear of it. The discipline office follows its own deadlines.
        return False
    chain = escalation_chain(case.unit)
    if case.due_at is None or case.escalation_level >= steps_due(
        due_at=case.due_at, now=now, available=len(chain)
    ):
        return False
    step = case.escalation_level + 1
    target = chain[step - 1]
    # Notes and notices are written in the platform's language, whoever runs the sweep.
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        claimed = Case.objects.filter(
            pk=case.pk, is_open=True, escalation_level=case.escalation_level
        ).update(escalation_level=step)
        if not claimed:
            return False
        case.escalation_level = step
        event = append_event(
            case=case, actor=None, type=EventType.ESCALATED,
            before={"escalation_level": step - 1},
            after={"escalation_level": step, "unit": target.code, "unit_name": target.name},
            note=_("Overdue since %(due)s: escalated to %(unit)s")
            % {"due": timezone.localtime(case.due_at).date().isoformat(), "unit": target.name},
            at=now,
        )
        watchers = _WATCHERS.get(case.kind)
        notify(
            users=[r.user for r in Role.objects.filter(unit=target).select_related("user")
                   if r.rank >= ROLE_RANK[RoleName.HANDLER] and role_reaches_kind(r, case.kind)]
            + [u for u in (watchers(case) if watchers else ()) if u is not None],
            case=case, event=event,
            message=_("%(ref)s is overdue and was escalated to %(unit)s")
            % {"ref": case.ref, "unit": target.name},
        )
    return True


def escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Sweep every open overdue case that may owe a step; returns how many steps fired."""
    now = now or timezone.now()
    candidates = (
        Case.objects.filter(OPEN, due_at__lt=now, escalation_level__lt=MAX_STEPS).exclude(sealed_q())
        .select_related("unit__parent__parent__parent")
        .order_by("due_at")
    )
    fired = 0
    for case in candidates.iterator(chunk_size=500):
        if escalate_case(case, now=now):
            fired += 1
    if fired:
        logger.info("escalated %d overdue cases", fired)
    return fired
