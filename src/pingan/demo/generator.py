"""The one shape of a domain's demo generator, and what every generator is given.

Each domain's module in ``pingan.demo`` (hazards, petitions, receptions, fraud, warnings)
exposes a ``DomainDemo``: its name, its default size and ``generate(ctx, count) -> Summary``.
``pingan.demo.registry.DOMAIN_DEMOS`` lists them in the order they run; ``pingan demo`` walks
that list and prints every ``Summary`` the same way. A new domain adds one module and one line.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.utils import timezone
from tqdm import tqdm

from pingan.core.models import Unit, UnitKind
from pingan.demo.district import DISTRICT_CODE, Personas

DEFAULT_SEED = 20260425
# A year that ends on a past day ends at the close of its working day.
PAST_YEAR_ENDS_AT = dt.time(18)


@dataclass
class Geography:
    """The district's towns, their villages and communities, and the villages' grid cells,
    each in code order."""

    towns: list[Unit]
    villages: dict[int, list[Unit]]  # town id -> villages / communities
    grids: dict[int, list[Unit]]  # village id -> grid cells

    @classmethod
    def load(cls) -> Geography:
        district = Unit.objects.get(prefix=DISTRICT_CODE)
        units = list(Unit.objects.filter(district.subtree_q()).exclude(kind=UnitKind.DEPARTMENT)
                     .order_by("prefix"))
        towns = [u for u in units if u.parent_id == district.pk]
        children: dict[int, list[Unit]] = defaultdict(list)
        for unit in units:
            children[unit.parent_id].append(unit)
        villages = {t.pk: children[t.pk] for t in towns}
        grids = {v.pk: children[v.pk] for vs in villages.values() for v in vs}
        return cls(towns=towns, villages=villages, grids=grids)


@dataclass(frozen=True)
class DemoContext:
    """What every generator is given: the personas (the district must exist), the seed its
    random generator starts from, the moment its year ends, and where progress bars go."""

    personas: Personas
    seed: int = DEFAULT_SEED
    now: dt.datetime = field(default_factory=timezone.now)
    stderr: Any = None  # None: no progress bars

    @classmethod
    def ending(cls, *, personas: Personas, today: dt.date | None = None, seed: int = DEFAULT_SEED,
               stderr: Any = None) -> DemoContext:
        """A year that ends now, or at the close of ``today`` when that day is past."""
        if today is None or today >= timezone.localdate():
            now = timezone.now()
        else:
            now = dt.datetime.combine(today, PAST_YEAR_ENDS_AT, tzinfo=timezone.get_default_timezone())
        return cls(personas=personas, seed=seed, now=now, stderr=stderr)

    @property
    def today(self) -> dt.date:
        return timezone.localtime(self.now).date()

    def rng(self, offset: int = 0) -> random.Random:
        """A generator of its own for each domain, so that one domain's size leaves the
        others' years as they were (``offset`` keeps two domains' draws apart)."""
        return random.Random(self.seed + offset)  # noqa: S311 (invented demo data, reproducible by seed)

    @cached_property
    def geography(self) -> Geography:
        return Geography.load()

    def progress(self, iterable: Iterable[Any] | None = None, *, total: int | None = None,
                 desc: str) -> tqdm:
        """A progress bar on the real stderr: tqdm redraws with carriage returns, which a
        management command's OutputWrapper would end with a newline each."""
        return tqdm(iterable, total=total, desc=desc, unit="step", disable=self.stderr is None,
                    file=sys.stderr, leave=False)


def local_moment(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    """A time of ``day`` on the district's clock."""
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=timezone.get_default_timezone())


def listed(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {n}" for key, n in sorted(counts.items()))


@dataclass(frozen=True)
class Summary:
    """What a domain's year left in the database, counted: ``total`` records of the domain,
    other figures in ``counts``, splits (by status, channel…) in ``breakdowns``, and things
    worth finding by name (a planted ring's id) in ``named``."""

    domain: str
    now: dt.datetime  # the moment the year ends
    total: int
    breakdowns: dict[str, dict[str, int]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    named: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        parts = [f"{split}: {listed(counts)}" for split, counts in self.breakdowns.items()]
        if self.counts:
            parts.append(", ".join(f"{what} {n}" for what, n in self.counts.items()))
        if self.named:
            parts.append(", ".join(f"{name} {value}" for name, value in self.named.items()))
        return f"{self.total} {self.domain}" + (f" ({'; '.join(parts)})" if parts else "") + "."


@dataclass(frozen=True)
class DomainDemo:
    """One domain's generator: ``generate(ctx, count)`` makes about ``count`` of its records
    (``count_help`` says what the count counts) over the year ending at ``ctx.now``."""

    name: str
    default_count: int
    count_help: str
    generate: Callable[[DemoContext, int], Summary]
