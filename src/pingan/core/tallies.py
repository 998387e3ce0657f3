"""Counting a domain's cases for many units at once, for figures such as the league table's.

A town's cases are those in its subtree (``unit_prefix`` starts with its prefix); a
department's are those it handles (``department``). Every domain's per-period statistics
group by one or the other in one GROUP BY per prefix length, never a query per unit: the
figures are recomputed for every town and department in one pass (2,000 units on the bench).

The figures are aggregates over all of a unit's cases, not a reader's list: the league table
is published to everyone who may see the table, and a count names no case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Aggregate, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from pingan.core.models import Unit, subtree_bounds

# A figure per ten thousand residents (元/万人, 起/万人).
PER_RESIDENTS = 10_000
FOUR_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Groups:
    """The units figures are wanted for: towns by subtree prefix, departments by id."""

    prefixes: Sequence[str] = ()
    departments: Sequence[int] = ()


class Figure(NamedTuple):
    """One unit's value on a computed indicator, and the number of cases behind it (the sample
    of a rate; ``None`` where the value is not a share of cases)."""

    value: Decimal
    sample: int | None


# A town's figure under its prefix, a department's under its id.
Figures = dict[str | int, Figure]


@dataclass(frozen=True)
class Span:
    """An assessment period as the moments it runs between (local midnights, half-open), and the
    moment the figures are taken: the period's end, or now while it is still running."""

    start: dt.datetime
    end: dt.datetime
    now: dt.datetime

    @classmethod
    def of(cls, start: dt.date, end: dt.date, now: dt.datetime | None = None) -> Span:
        tz = timezone.get_default_timezone()
        return cls(dt.datetime.combine(start, dt.time.min, tzinfo=tz),
                   dt.datetime.combine(end, dt.time.min, tzinfo=tz), now or timezone.now())

    @property
    def taken_at(self) -> dt.datetime:
        return min(self.end, self.now)

    @property
    def first_day(self) -> dt.date:
        return timezone.localtime(self.start).date()

    @property
    def end_day(self) -> dt.date:
        """The first day after the period."""
        return timezone.localtime(self.end).date()


Counts = dict[str | int, dict[str, Any]]


def tally(qs: QuerySet[Any], groups: Groups, measures: Mapping[str, Aggregate]) -> Counts:
    """``measures`` for each town (by prefix) and each department (by id) of ``groups``: one
    GROUP BY per prefix length among the towns, and one for the departments."""
    rows: Counts = {}
    for width in sorted({len(prefix) for prefix in groups.prefixes}):
        wanted = {prefix for prefix in groups.prefixes if len(prefix) == width}
        # One index range from the first wanted prefix to past the last, the groups outside
        # ``wanted`` dropped here: PostgreSQL scans an ``IN (2,000 values)`` list for every row, one
        # value at a time (bench/README.md, "League table"), and towns are siblings anyway.
        low, high = subtree_bounds(min(wanted))[0], subtree_bounds(max(wanted))[1]
        grouped = (qs.filter(unit_prefix__gte=low, unit_prefix__lt=high)
                   .annotate(tally_group=Substr("unit_prefix", 1, width))
                   .values("tally_group").annotate(**measures).order_by())
        rows.update({row.pop("tally_group"): row for row in grouped if row["tally_group"] in wanted})
    if groups.departments:
        grouped = (qs.filter(department_id__in=groups.departments).values("department_id")
                   .annotate(**measures).order_by())
        rows.update({row.pop("department_id"): row for row in grouped})
    return rows


def rate(counts: Counts, numerator: str, denominator: str) -> Figures:
    """``numerator`` as a percentage of ``denominator``, per group; a group with an empty
    denominator has no figure (it is not comparable, not 0%)."""
    return {key: Figure(percent(row[numerator], row[denominator]), row[denominator])
            for key, row in counts.items() if row[denominator]}


def percent(part: Any, whole: Any) -> Decimal:
    return (Decimal(100) * Decimal(part) / Decimal(whole)).quantize(FOUR_PLACES)


def populations(prefixes: Sequence[str]) -> dict[str, int]:
    """Residents of each unit with a known population: one without is not comparable on a
    per-resident figure."""
    known = Unit.objects.filter(prefix__in=prefixes, population__gt=0)
    return {prefix: residents for prefix, residents in known.values_list("prefix", "population") if residents}


def per_residents(amounts: Mapping[str | int, Any], groups: Groups) -> Figures:
    """Each town's amount per ten thousand residents; a town with no amount counts 0, a town
    with no population has no figure. Departments have no residents: never a figure."""
    return {prefix: Figure(per_ten_thousand(amounts.get(prefix) or 0, residents), None)
            for prefix, residents in populations(groups.prefixes).items()}


def per_ten_thousand(amount: Any, residents: int) -> Decimal:
    return (Decimal(amount) * PER_RESIDENTS / residents).quantize(FOUR_PLACES)
