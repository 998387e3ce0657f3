"""Playing a planned year through the services: its steps, committed in chunks, with the
escalation worker's nightly pass between them, and the notices read afterwards."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from pingan.core.inbox import mark_read
from pingan.core.models import Notification

# Steps are committed in chunks: one transaction per step would make SQLite sync the disk
# tens of thousands of times, one for the whole year would hold the write lock for minutes.
CHUNK_STEPS = 1000
ESCALATION_SWEEP_TIME = dt.time(0, 10)  # the worker's nightly pass, just after deadlines lapse


@dataclass
class Step:
    """One thing someone does to a record at a back-dated moment: ``action`` is a member of
    the domain's own ``Action`` enumeration, ``kwargs`` the service's arguments."""

    at: dt.datetime
    action: str
    actor: Any
    kwargs: dict[str, Any] = field(default_factory=dict)


def sweep_after(moment: dt.datetime) -> dt.datetime:
    """The escalation worker's first nightly pass after ``moment``."""
    local = timezone.localtime(moment)
    night = dt.datetime.combine(local.date(), ESCALATION_SWEEP_TIME, tzinfo=local.tzinfo)
    return night if night > local else night + dt.timedelta(days=1)


def nightly_sweeps(start: dt.datetime, now: dt.datetime) -> list[dt.datetime]:
    """Every nightly pass after ``start`` up to ``now``."""
    sweeps = []
    night = sweep_after(start)
    while night <= now:
        sweeps.append(night)
        night = sweep_after(night)
    return sweeps


def mark_handled_notices_read(*, now: dt.datetime) -> None:
    """People read what reached them about items since closed; what concerns open items,
    and the last two days, stays unread."""
    stale = Notification.objects.filter(
        read_at__isnull=True, case__is_open=False, created_at__lt=now - dt.timedelta(days=2),
    ).values_list("user_id", "id")
    by_user: dict[int, list[int]] = defaultdict(list)
    for user_id, notification_id in stale:
        by_user[user_id].append(notification_id)
    users = get_user_model().objects.in_bulk(list(by_user))
    for user_id, ids in by_user.items():
        mark_read(user=users[user_id], notification_ids=ids)
