"""Writes on the league table: the members each table ranks, and the standings the ranking
writes each period. The pages, the API, the import, the recompute task and the command all
call these."""

from __future__ import annotations

import datetime as dt
import decimal
import logging
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core import errors
from pingan.core.models import ROLE_RANK, Domain, RoleName, Unit, UnitKind
from pingan.core.scoping import scope_for
from pingan.scoring.models import Indicator, Member, Source, Standing, Table, Value, ValueSource
from pingan.scoring.periods import Period, PeriodError
from pingan.scoring.ranking import IndicatorSpec, Observation, rank_members

MSG_UNKNOWN_TABLE = _("“{table}” is not a table: choose towns, departments or city.")
MSG_MAY_NOT_MANAGE = _("Only the district's supervision office (a handler or above at the district, for "
                       "supervision or every domain) keeps the league table.")
MSG_VALUE_COMPUTED = _("{indicator} is computed from the platform's data; its values are not entered by "
                       "hand.")
MSG_NOT_A_NUMBER = _("“{value}” is not a number.")
MSG_RATE_RANGE = _("{indicator} is a rate: its value lies between 0 and 100.")
MSG_BAD_SAMPLE = _("The sample is a whole number of cases from 0 to {limit}: “{value}”.")
MSG_VALUE_TOO_LARGE = _("“{value}” is too large a figure.")

logger = logging.getLogger(__name__)

# The largest sample a Value holds (a PositiveIntegerField) on every database: SQLite would
# take more, PostgreSQL refuses it.
SAMPLE_LIMIT = BaseDatabaseOperations.integer_field_ranges["PositiveIntegerField"][1]

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


def indicator_specs(indicators: Iterable[Indicator]) -> list[IndicatorSpec]:
    """The indicators as the ranking scores them, leaving out (with a warning in the log) any
    that cannot be scored: a row stored before the database refused such a definition must
    cost its own column, not the whole table."""
    specs = []
    for indicator in indicators:
        spec = IndicatorSpec.of(indicator)
        if problem := spec.problem:
            logger.warning("League ranking leaves an indicator out: %s", problem)
            continue
        specs.append(spec)
    return specs


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
    result = rank_members(indicator_specs(indicators),
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


def rank_ranked_periods(*, now: dt.datetime | None = None) -> list[tuple[str, str]]:
    """Rank afresh every table-period that has standings (after an indicator's scoring changed:
    its weight or method moves every standing written with it); the table-periods ranked. A
    period key that cannot be read is left as it is."""
    ranked = []
    keys = Standing.objects.order_by().values_list("table", "period").distinct()
    for table, key in sorted(set(keys)):
        try:
            period = Period.parse(key)
        except PeriodError:
            continue
        rank_table(table, period, now=now)
        ranked.append((table, period.key))
    return ranked


def rank_period(period: Period | str, *, now: dt.datetime | None = None) -> dict[str, int]:
    """Rank all three tables; how many members each table lists."""
    return {table: len(rank_table(table, period, now=now)) for table in Table.values}


# --- keeping the table ---------------------------------------------------------------------


def league_manage_refusal(actor: Any) -> errors.DomainError | None:
    """Why ``actor`` may not enter values, import figures or rank the tables, or None when they
    may: a superuser, or a handler or above at the district's root unit whose role is for
    supervision or for every domain (the 平安办). A town's handler is one level too low."""
    scope = scope_for(actor)
    if scope.everything:
        return None
    for role in scope.roles:
        if (role.unit.parent_id is None and role.unit.kind == UnitKind.DISTRICT
                and role.rank >= ROLE_RANK[RoleName.HANDLER] and role.domain in ("", Domain.SUPERVISION)):
            return None
    return errors.PermissionDenied(MSG_MAY_NOT_MANAGE)


def may_manage_league(actor: Any) -> bool:
    return league_manage_refusal(actor) is None


# SQLite stores a decimal as a REAL and Django reads it back to 15 significant digits.
SQLITE_DIGITS = decimal.Context(prec=15)


def fit_decimal(field: models.DecimalField, number: Decimal) -> Decimal | None:
    """``number`` rounded to the field's decimal places, or None when the rounded number has more
    digits than the field holds. Rounded first: 99999999999999.99999 rounds to 10¹⁴, one digit
    too many for a figure that looked just under the limit. And read back as SQLite would: there
    99999999999999.9999 comes back as 10¹⁴ and every later read of it fails, so it is refused on
    every database alike (a file that imports on one imports on the other)."""
    whole_digits = field.max_digits - field.decimal_places
    # Far past the limit (1e300) there is nothing to round, and quantizing would overflow.
    if not number.is_finite() or number.adjusted() >= whole_digits:
        return None
    rounded = number.quantize(Decimal(1).scaleb(-field.decimal_places))
    read_back = SQLITE_DIGITS.create_decimal_from_float(float(rounded))
    return rounded if max(rounded.adjusted(), read_back.adjusted()) < whole_digits else None


def clean_value(indicator: Indicator, value: Any) -> Decimal:
    """A figure as stored (four decimals); raises DomainError for anything else, one too large
    for Value.value, or a rate outside 0–100."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise errors.DomainError(MSG_NOT_A_NUMBER.format(value=str(value)[:40]), field="value") from None
    if not number.is_finite():
        raise errors.DomainError(MSG_NOT_A_NUMBER.format(value=str(value)[:40]), field="value")
    rounded = fit_decimal(Value._meta.get_field("value"), number)
    if rounded is None:
        raise errors.DomainError(MSG_VALUE_TOO_LARGE.format(value=str(value)[:40]), field="value")
    if indicator.is_rate and not 0 <= rounded <= 100:
        raise errors.DomainError(MSG_RATE_RANGE.format(indicator=indicator.name), field="value")
    return rounded


def clean_sample(sample: Any) -> int | None:
    """A sample as stored: a whole number from 0 to what Value.sample holds, or None."""
    if sample is None or sample == "":
        return None
    try:
        number = Decimal(str(sample).strip())
    except (InvalidOperation, ValueError):
        number = Decimal(-1)
    if (not number.is_finite() or number < 0 or number != number.to_integral_value()
            or number > SAMPLE_LIMIT):
        raise errors.DomainError(MSG_BAD_SAMPLE.format(limit=SAMPLE_LIMIT, value=str(sample)[:40]),
                                 field="sample")
    return int(number)


def value_refusal(indicator: Indicator) -> errors.DomainError | None:
    """Why a value of ``indicator`` may not be entered or imported: it is computed."""
    if indicator.source == Source.COMPUTED:
        return errors.DomainError(MSG_VALUE_COMPUTED.format(indicator=indicator.name), field="indicator",
                                  code="computed_indicator")
    return None


@transaction.atomic
def value_record(*, actor: Any, indicator: Indicator, member: Member, period: Period | str, value: Any,
                 sample: Any = None, source: str = ValueSource.ENTERED) -> Value:
    """Enter (or correct) ``member``'s figure on an entered ``indicator`` for ``period``."""
    if refusal := league_manage_refusal(actor):
        raise refusal
    if refusal := value_refusal(indicator):
        raise refusal
    period = parse_period(period)
    number = clean_value(indicator, value)
    count = clean_sample(sample)
    recorded, _created = Value.objects.update_or_create(
        indicator=indicator, member=member, period=period.key,
        defaults={"value": number, "sample": count, "source": source, "recorded_at": timezone.now(),
                  "recorded_by": actor})
    return recorded
