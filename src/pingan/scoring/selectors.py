"""Reads of the league table. Every signed-in official sees the tables (circulars publish
them), so these take no user: the pages and the API check only that someone is signed in."""

from __future__ import annotations

from django.db.models import F

from pingan.scoring.models import Member, Standing, Value
from pingan.scoring.periods import Period, PeriodError
from pingan.scoring.services import parse_period, parse_table


def stored_period(key: str) -> Period | None:
    """A period key read back from the database, or None when it cannot be read (a key written
    before the years were bounded): one such row must not break every page that lists periods."""
    try:
        return Period.parse(key)
    except PeriodError:
        return None


def in_time_order(period: Period) -> tuple:
    """A period's place in time: by the day it ends (a quarter after its months), then its start."""
    return period.end, period.start


def standings(table: str, period: Period | str) -> list[Standing]:
    """The table as last ranked: by rank, the members not ranked (不参与排名) last."""
    return list(Standing.objects.filter(table=parse_table(table), period=parse_period(period).key)
                .select_related("member")
                .order_by(F("rank").asc(nulls_last=True), "member__code"))


def periods(table: str) -> list[str]:
    """The periods the table has standings for, newest first; a key that cannot be read is
    left out."""
    keys = (Standing.objects.filter(table=parse_table(table)).order_by().values_list("period", flat=True)
            .distinct())
    readable = [period for key in set(keys) if (period := stored_period(key)) is not None]
    return [period.key for period in sorted(readable, key=in_time_order, reverse=True)]


def member_history(member: Member) -> list[Standing]:
    """The member's standings, oldest first; one whose period key cannot be read is left out."""
    stored = Standing.objects.filter(member=member).select_related("member")
    dated = [(period, standing) for standing in stored
             if (period := stored_period(standing.period)) is not None]
    return [standing for period, standing in sorted(dated, key=lambda pair: in_time_order(pair[0]))]


def period_values(table: str, period: Period | str) -> dict[tuple[int, str], Value]:
    """The period's values on the table, by (member id, indicator code)."""
    values = (Value.objects.filter(member__table=parse_table(table), period=parse_period(period).key)
              .select_related("indicator", "member"))
    return {(value.member_id, value.indicator.code): value for value in values}
