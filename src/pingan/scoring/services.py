"""Writes on the league table: the members each table ranks, and the standings the ranking
writes each period. The pages, the API, the import, the recompute task and the command all
call these."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.models import Unit, UnitKind
from pingan.scoring.models import Indicator, Member, Standing, Table, Value
from pingan.scoring.periods import Period, PeriodError
from pingan.scoring.ranking import IndicatorSpec, Observation, rank_members

MSG_UNKNOWN_TABLE = _("“{table}” is not a table: choose towns, departments or city.")

# The district's directly governed units: the towns' table ranks these.
TOWN_KINDS = (UnitKind.TOWN, UnitKind.TOWNSHIP, UnitKind.SUBDISTRICT)


def parse_table(table: str) -> str:
    if table not in Table.values:
        raise errors.DomainError(MSG_UNKNOWN_TABLE.format(table=str(table)[:40]), field="table")
    return table


def parse_period(period: Period | str) -> Period:
    if isinstance(period, Period):
        return period
    try:
        return Period.parse(period)
    except PeriodError as error:
        raise errors.DomainError(str(error), field="period") from error


def district_root() -> Unit | None:
    return Unit.objects.filter(parent__isnull=True, kind=UnitKind.DISTRICT).order_by("prefix").first()


@transaction.atomic
def ensure_members() -> None:
    """Every town and sub-district on the towns' table, every department on the departments',
    and the district itself on the city's (its peers come in with the city's figures).

    Idempotent; a renamed unit's member is renamed with it. On the city's table the district's
    member may already exist by name, made by an import before this ran: it is adopted.
    """
    root = district_root()
    if root is None:
        return
    towns = Unit.objects.filter(parent=root, kind__in=TOWN_KINDS)
    departments = Unit.objects.filter(kind=UnitKind.DEPARTMENT)
    for table, units in ((Table.TOWNS, towns), (Table.DEPARTMENTS, departments)):
        for unit in units:
            Member.objects.update_or_create(table=table, unit=unit,
                                            defaults={"code": unit.prefix, "name": unit.name})
    home = (Member.objects.filter(table=Table.CITY, unit=root).first()
            or Member.objects.filter(table=Table.CITY, name=root.name).first()
            or Member(table=Table.CITY))
    home.unit, home.code, home.name, home.is_home = root, root.prefix, root.name, True
    home.save()


def _observations(period: Period, members: list[Member], indicators: list[Indicator]
                  ) -> dict[str, dict[int, Observation]]:
    observations: dict[str, dict[int, Observation]] = defaultdict(dict)
    values = (Value.objects.filter(period=period.key, member__in=members, indicator__in=indicators)
              .values_list("indicator__code", "member_id", "value", "sample"))
    for code, member_id, value, sample in values:
        observations[code][member_id] = Observation(value=value, sample=sample)
    return observations


@transaction.atomic
def rank_table(table: str, period: Period | str, *, now: dt.datetime | None = None) -> list[Standing]:
    """Rank the table's active members on the active indicators for ``period`` and replace that
    table-period's standings. Members with no comparable value get a row too (不参与排名)."""
    table = parse_table(table)
    period = parse_period(period)
    members = list(Member.objects.filter(table=table, active=True))
    indicators = list(Indicator.objects.filter(active=True))
    result = rank_members([IndicatorSpec.of(indicator) for indicator in indicators],
                          _observations(period, members, indicators), [member.id for member in members])
    previous_rank = dict(Standing.objects.filter(table=table, period=period.previous().key)
                         .values_list("member_id", "rank"))
    ranks = [rank for rank in result.rank.values() if rank is not None]
    worst = max(ranks) if len(ranks) >= 2 else None
    computed_at = now or timezone.now()
    standings = [
        Standing(table=table, period=period.key, member=member, composite=result.composite[member.id],
                 rank=(rank := result.rank[member.id]), previous_rank=previous_rank.get(member.id),
                 red_flag=rank is not None and rank <= settings.PINGAN_LEAGUE_RED_FLAGS,
                 # When everyone ties there is no last place, only a shared first.
                 last_place=rank is not None and rank == worst and worst > 1,
                 scores={code: None if score is None else round(score, 2)
                         for code, score in result.scores[member.id].items()},
                 computed_at=computed_at)
        for member in members
    ]
    Standing.objects.filter(table=table, period=period.key).delete()
    Standing.objects.bulk_create(standings)
    return sorted(standings, key=lambda standing: (standing.rank is None, standing.rank or 0,
                                                   standing.member.code))


def rank_period(period: Period | str, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Rank all three tables; how many members each table lists."""
    return {table: len(rank_table(table, period, now=now)) for table in Table.values}
