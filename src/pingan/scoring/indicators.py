"""The indicators the platform computes from its own data, and the default set of indicators.

``COMPUTED`` is the plain mapping from an indicator's code to the selector that computes it
(each in its own domain's selectors, set-based over all towns or departments at once) and the
tables it applies to: a department has no residents and holds no reception days, and frauds
and warnings are filed in a place, not a department.

``DEFAULT_INDICATORS`` are what a new deployment starts with: the computed ones and the
figures the city sends (criminal cases, fires, traffic deaths, and the economic indicators the
same table ranks). Their weights, methods, targets and minimum samples are local practice: no
public text fixes them (shared/domain-rules.md, "Assessment and ranking"), and the district
admin edits each; ``ensure_indicators`` never overwrites those edits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from pingan.core.tallies import Figures, Groups, Span
from pingan.dissuasion.selectors import league_prevention
from pingan.fraud.selectors import league_loss_per_residents
from pingan.hazards.selectors import league_on_time_rectification, league_overdue_per_residents
from pingan.petitions.selectors import (
    league_acceptance_on_time,
    league_backlog_cleared,
    league_first_petition_resolved,
    league_resolution_on_time,
)
from pingan.receptions.selectors import league_reception_days
from pingan.scoring.models import Direction, Indicator, Member, Method, Source, Table, Value, ValueSource
from pingan.scoring.periods import Period
from pingan.suggestions.selectors import league_reply_on_time, league_satisfaction

BOTH = (Table.TOWNS, Table.DEPARTMENTS)
TOWNS = (Table.TOWNS,)
# Every table: the city sends its figures for the counties, and the district may enter its own
# for its towns and departments.
ALL_TABLES = tuple(Table.values)
# The city's table has no figures of the platform's: its counties are not in the district's tree.
COMPUTED_TABLES = BOTH


@dataclass(frozen=True)
class Default:
    """An indicator's fields as a deployment starts with them (the district admin edits them)."""

    name: str
    unit_of_measure: str
    direction: str
    weight: Decimal
    method: str
    min_sample: int = 0
    is_rate: bool = False
    target: Decimal | None = None
    base: Decimal = Decimal(100)
    per_unit: Decimal | None = None
    note: str = ""


@dataclass(frozen=True)
class Computed:
    selector: Callable[[Groups, Span], Figures]
    tables: tuple[str, ...]
    default: Default


def _rate(name: str, weight: int, *, method: str = Method.MIN_MAX, min_sample: int = 5,
          target: Decimal | None = None) -> Default:
    return Default(name=name, unit_of_measure="%", direction=Direction.HIGHER, weight=Decimal(weight),
                   method=method, min_sample=min_sample, is_rate=True, target=target)


# A rate that should be 100% is scored by its ratio to 100 (目标比): 96% scores 96 whatever
# the others did, so a town is not marked down for being 99% among towns at 100%.
COMPLETE = Decimal(100)

COMPUTED: dict[str, Computed] = {
    "hazard_on_time": Computed(league_on_time_rectification, BOTH, _rate("隐患按期整改率", 10)),
    "hazard_overdue": Computed(league_overdue_per_residents, TOWNS, Default(
        name="逾期隐患万人比", unit_of_measure="起/万人", direction=Direction.LOWER, weight=Decimal(8),
        method=Method.MIN_MAX)),
    "petition_acceptance": Computed(league_acceptance_on_time, BOTH, _rate(
        "信访及时受理率", 6, method=Method.TARGET_RATIO, target=COMPLETE)),
    "petition_resolution": Computed(league_resolution_on_time, BOTH, _rate(
        "信访按期办结率", 8, method=Method.TARGET_RATIO, target=COMPLETE)),
    "first_petition_resolved": Computed(league_first_petition_resolved, BOTH, _rate("初信初访化解率", 8)),
    "backlog_cleared": Computed(league_backlog_cleared, BOTH, _rate("信访积案化解率", 6, min_sample=3)),
    "reception_days": Computed(league_reception_days, TOWNS, _rate(
        "领导接访日落实率", 4, method=Method.TARGET_RATIO, target=COMPLETE, min_sample=1)),
    "fraud_loss": Computed(league_loss_per_residents, TOWNS, Default(
        name="电诈损失万人比", unit_of_measure="元/万人", direction=Direction.LOWER, weight=Decimal(10),
        method=Method.RANK)),
    "dissuasion_prevented": Computed(league_prevention, TOWNS, _rate("预警劝阻成功率", 6)),
    # A unit gets a handful of suggestions a year: three in a period before it is compared.
    "suggestion_reply_on_time": Computed(league_reply_on_time, BOTH, _rate(
        "建议提案按时答复率", 4, method=Method.TARGET_RATIO, target=COMPLETE, min_sample=3)),
    "suggestion_satisfaction": Computed(league_satisfaction, BOTH, _rate("建议提案满意率", 4, min_sample=3)),
}

# The city's figures, entered or imported each period (their code → default).
ENTERED: dict[str, Default] = {
    "criminal_cases": Default(name="刑事案件", unit_of_measure="起", direction=Direction.LOWER,
                              weight=Decimal(10), method=Method.RANK),
    "fires": Default(name="火灾", unit_of_measure="起", direction=Direction.LOWER, weight=Decimal(6),
                     method=Method.DEDUCTION, per_unit=Decimal(5), note="每起扣5分"),
    "traffic_deaths": Default(name="交通事故死亡人数", unit_of_measure="人", direction=Direction.LOWER,
                              weight=Decimal(8), method=Method.DEDUCTION, per_unit=Decimal(10),
                              note="每人扣10分"),
    "industry_growth": Default(name="规上工业增加值增速", unit_of_measure="%", direction=Direction.HIGHER,
                               weight=Decimal(5), method=Method.MIN_MAX),
    "services_growth": Default(name="服务业增加值增速", unit_of_measure="%", direction=Direction.HIGHER,
                               weight=Decimal(5), method=Method.MIN_MAX),
    "investment_growth": Default(name="固定资产投资增速", unit_of_measure="%", direction=Direction.HIGHER,
                                 weight=Decimal(5), method=Method.MIN_MAX),
    "projects_signed": Default(name="签约项目数", unit_of_measure="个", direction=Direction.HIGHER,
                               weight=Decimal(4), method=Method.RANK),
}


@dataclass(frozen=True)
class DefaultIndicator:
    code: str
    source: str
    default: Default
    tables: tuple[str, ...] = field(default=ALL_TABLES)


DEFAULT_INDICATORS: tuple[DefaultIndicator, ...] = (
    *(DefaultIndicator(code, Source.COMPUTED, computed.default, computed.tables)
      for code, computed in COMPUTED.items()),
    *(DefaultIndicator(code, Source.ENTERED, default) for code, default in ENTERED.items()),
)


@transaction.atomic
def ensure_indicators() -> int:
    """Create the default indicators that do not exist yet (by code); how many were created.
    An existing one is left as the district keeps it, even switched off."""
    existing = set(Indicator.objects.values_list("code", flat=True))
    missing = [Indicator(code=item.code, source=item.source, order=order, **asdict(item.default))
               for order, item in enumerate(DEFAULT_INDICATORS, start=1) if item.code not in existing]
    Indicator.objects.bulk_create(missing)
    return len(missing)


def _figures(table: str, members: list[Member], indicator: Indicator, span: Span) -> dict[int, Figures]:
    """The indicator's figure for each member, by member id (members without one are left out)."""
    if table == Table.TOWNS:
        keys = {member.id: member.unit.prefix for member in members}
        groups = Groups(prefixes=list(keys.values()))
    else:
        keys = {member.id: member.unit_id for member in members}
        groups = Groups(departments=list(keys.values()))
    figures = COMPUTED[indicator.code].selector(groups, span)
    return {member_id: figures[key] for member_id, key in keys.items() if key in figures}


@transaction.atomic
def compute_values(period: Period, *, now: dt.datetime | None = None) -> int:
    """Every active computed indicator's value for every active member of the towns' and the
    departments' tables it applies to, in ``period``: new figures are created, changed ones
    updated (``recorded_at`` = ``now``), and a computed value that no longer has a figure is
    deleted; an unchanged value is left as it was, so ``recorded_at`` says when it last
    changed. A value entered by hand on a computed indicator is the district's word and is
    never overwritten. Returns how many values were created, updated or deleted.

    A few queries per indicator and table, whatever the number of members."""
    now = now or timezone.now()
    span = Span.of(period.start, period.end, now)
    indicators = [indicator for indicator in Indicator.objects.filter(source=Source.COMPUTED, active=True)
                  if indicator.code in COMPUTED]
    wanted: dict[tuple[int, int], tuple[Decimal, int | None]] = {}
    ranked: set[int] = set()
    for table in COMPUTED_TABLES:
        active = Member.objects.filter(table=table, active=True, unit__isnull=False)
        members = list(active.select_related("unit"))
        ranked.update(member.id for member in members)
        for indicator in indicators:
            if members and table in COMPUTED[indicator.code].tables:
                for member_id, figure in _figures(table, members, indicator, span).items():
                    wanted[indicator.id, member_id] = (figure.value, figure.sample)
    # By the (period, indicator) index alone, the members picked here: joined to the members in
    # SQL, PostgreSQL chose a plan that took 7 s for 18,000 values (bench/README.md, "League table").
    existing = Value.objects.filter(period=period.key, indicator__in=indicators)
    stored = {(value.indicator_id, value.member_id): value for value in existing if value.member_id in ranked}
    changed, stale = [], []
    for key, value in stored.items():
        if value.source != ValueSource.COMPUTED:
            wanted.pop(key, None)
        elif key not in wanted:
            stale.append(value.pk)
        elif (value.value, value.sample) != wanted[key]:
            value.value, value.sample = wanted[key]
            value.recorded_at = now
            changed.append(value)
    created = [Value(indicator_id=indicator_id, member_id=member_id, period=period.key, value=figure,
                     sample=sample, source=ValueSource.COMPUTED, recorded_at=now)
               for (indicator_id, member_id), (figure, sample) in wanted.items()
               if (indicator_id, member_id) not in stored]
    Value.objects.filter(pk__in=stale).delete()
    Value.objects.bulk_update(changed, ["value", "sample", "recorded_at"], batch_size=1000)
    Value.objects.bulk_create(created, batch_size=1000)
    return len(created) + len(changed) + len(stale)
