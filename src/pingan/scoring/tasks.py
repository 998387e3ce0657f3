"""Background work of the league table, run by `pingan worker` every
``PINGAN_LEAGUE_RECOMPUTE_SECONDS`` (``settings.PINGAN_WORKER_PERIODIC_TASKS``)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from pingan.scoring.indicators import compute_values, ensure_indicators
from pingan.scoring.models import Table
from pingan.scoring.periods import MONTH, QUARTER, Period
from pingan.scoring.services import ensure_members, rank_table


def recent_periods(today: dt.date) -> list[Period]:
    """The current and the previous quarter and month: late entries still move the previous
    period's figures (a hazard closed today was due last month)."""
    periods = []
    for kind in (QUARTER, MONTH):
        current = Period.containing(today, kind)
        periods += [current.previous(), current]
    return periods


def recompute(now: dt.datetime | None = None) -> dict[str, int]:
    """Recompute the computed values of the recent periods and rank the district's two tables
    on them; how many values changed in each period."""
    now = now or timezone.now()
    ensure_indicators()
    ensure_members()
    changed = {}
    for period in recent_periods(timezone.localtime(now).date()):
        changed[period.key] = compute_values(period, now=now)
        for table in (Table.TOWNS, Table.DEPARTMENTS):
            rank_table(table, period, now=now)
    return changed


@task()
def recompute_league() -> dict[str, int]:
    return recompute()
