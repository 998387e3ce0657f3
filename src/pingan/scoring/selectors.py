"""Reads of the league table. Every signed-in official sees the tables (circulars publish
them), so these take no user: the pages and the API check only that someone is signed in."""

from __future__ import annotations

from django.db.models import F

from pingan.scoring.models import Member, Standing, Value
from pingan.scoring.periods import Period
from pingan.scoring.services import parse_period, parse_table


def in_time_order(key: str) -> tuple:
    """A period key's place in time: by the day it ends (a quarter after its months), then its
    start."""
    period = Period.parse(key)
    return period.end, period.start


def standings(table: str, period: Period | str) -> list[Standing]:
    """The table as last ranked: by rank, the members not ranked (不参与排名) last."""
    return list(Standing.objects.filter(table=parse_table(table), period=parse_period(period).key)
                .select_related("member")
                .order_by(F("rank").asc(nulls_last=True), "member__code"))


def periods(table: str) -> list[str]:
    """The periods the table has standings for, newest first."""
    keys = (Standing.objects.filter(table=parse_table(table)).order_by().values_list("period", flat=True)
            .distinct())
    return sorted(set(keys), key=in_time_order, reverse=True)


def member_history(member: Member) -> list[Standing]:
    """The member's standings, oldest first."""
    return sorted(Standing.objects.filter(member=member).select_related("member"),
                  key=lambda standing: in_time_order(standing.period))


def period_values(table: str, period: Period | str) -> dict[tuple[int, str], Value]:
    """The period's values on the table, by (member id, indicator code)."""
    values = (Value.objects.filter(member__table=parse_table(table), period=parse_period(period).key)
              .select_related("indicator", "member"))
    return {(value.member_id, value.indicator.code): value for value in values}
