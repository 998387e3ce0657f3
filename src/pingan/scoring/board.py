"""What the league pages show, assembled from the standings: the table's rows sorted and
marked, the rank-over-time chart, and one member's breakdown by indicator with its weak
indicators, the gap to its target rank and the catch-up task each weak one can start."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pingan.core.models import UnitKind
from pingan.scoring.analysis import weak_indicators
from pingan.scoring.awards import Runs
from pingan.scoring.models import Indicator, Member, Source, Standing, Value
from pingan.scoring.periods import QUARTER, Period
from pingan.scoring.ranking import Observation, target_gaps
from pingan.scoring.services import indicator_specs
from pingan.scoring.stats import wilson_interval

MSG_TASK_TITLE = _("Raise {indicator}: {period} {member}")
MSG_TASK_GOAL = _("From {current} to {needed}{unit} to reach place {rank}")
MSG_TASK_GOAL_UNREACHABLE = _("Raise it as far as it goes: this indicator alone cannot reach place {rank}")

UP, DOWN, SAME, NEW = "up", "down", "same", "new"


# --- The table ---------------------------------------------------------------------------


def trend(standing: Standing) -> str:
    """▲ up, ▼ down, — the same, or new (no rank in the previous period or none now)."""
    if standing.rank is None or standing.previous_rank is None:
        return NEW
    if standing.rank < standing.previous_rank:
        return UP
    return DOWN if standing.rank > standing.previous_rank else SAME


@dataclass
class Row:
    standing: Standing
    trend: str
    change: int | None  # places gained (+) or lost (−) since the previous period
    scores: list[float | None]
    runs: Runs = Runs()


# ?sort= keys: the column and, with a leading "-", the other way round.
SORT_COLUMNS = ("rank", "unit", "composite", "change")


def table_rows(standings: Iterable[Standing], indicators: Sequence[Indicator],
               sort: str = "rank", runs: dict[int, Runs] | None = None) -> list[Row]:
    """The table's rows in the order ``sort`` names (a column of SORT_COLUMNS or an indicator's
    code, "-" first for the reverse); members not ranked (不参与排名) stay last, and an empty
    cell sorts after every figure whichever way."""
    rows = [Row(standing=s, trend=trend(s),
                change=None if s.rank is None or s.previous_rank is None else s.previous_rank - s.rank,
                scores=[(s.scores or {}).get(indicator.code) for indicator in indicators],
                runs=(runs or {}).get(s.member_id, Runs()))
            for s in standings]
    descending = sort.startswith("-")
    column = sort.removeprefix("-")
    codes = [indicator.code for indicator in indicators]

    def key_of(row: Row) -> Any:
        if column == "unit":
            return row.standing.member.code
        if column == "composite":
            return row.standing.composite
        if column == "change":
            return row.change
        if column in codes:
            return row.scores[codes.index(column)]
        return row.standing.rank

    present = sorted((row for row in rows if key_of(row) is not None),
                     key=lambda row: (key_of(row), row.standing.member.code), reverse=descending)
    missing = [row for row in rows if key_of(row) is None]
    # A stable sort: the order above holds within the ranked and within the rest.
    return sorted(present + missing, key=lambda row: row.standing.rank is None)


def valid_sort(sort: str | None, indicators: Sequence[Indicator]) -> str:
    column = (sort or "").removeprefix("-")
    if column in SORT_COLUMNS or column in {indicator.code for indicator in indicators}:
        return str(sort)
    return "rank"


def rank_chart(table: str, period: Period, *, member: Member | None = None,
               periods: int = 8) -> dict[str, Any]:
    """The ranks over the last ``periods`` periods of ``period``'s kind, one line per member
    (or only ``member``'s): for an ECharts line with rank 1 at the top."""
    keys: list[str] = []
    at = period
    for _step in range(periods):
        keys.insert(0, at.key)
        at = at.previous()
    standings = Standing.objects.filter(table=table, period__in=keys).select_related("member")
    if member is not None:
        standings = standings.filter(member=member)
    by_member: dict[str, dict[str, int | None]] = defaultdict(dict)
    for standing in standings:
        by_member[standing.member.name][standing.period] = standing.rank
    shown = [key for key in keys if any(key in ranks for ranks in by_member.values())]
    return {
        "periods": [Period.parse(key).label for key in shown],
        "series": [{"name": name, "data": [ranks.get(key) for key in shown]}
                   for name, ranks in sorted(by_member.items())],
        "has_data": len(shown) > 1,
        "label": str(_("Rank")),
    }


# --- One member ---------------------------------------------------------------------------


def observations_of(values: Iterable[Value]) -> dict[str, dict[int, Observation]]:
    observations: dict[str, dict[int, Observation]] = defaultdict(dict)
    for value in values:
        observations[value.indicator.code][value.member_id] = Observation(value=value.value,
                                                                          sample=value.sample)
    return observations


def target_rank_of(member: Member) -> int:
    return member.target_rank or settings.PINGAN_LEAGUE_TARGET_RANK


def task_deadline(today: dt.date | None = None) -> dt.date:
    """A catch-up task's deadline: the last day of the next quarter."""
    today = today or timezone.localdate()
    return Period.containing(today, QUARTER).next().end - dt.timedelta(days=1)


@dataclass
class Line:
    indicator: Indicator
    value: Value | None
    interval: tuple[float, float] | None
    score: float | None
    place: int | None
    comparable: int
    weak: bool
    gap: Any = None  # ranking.Gap
    task_query: str = ""

    @property
    def figure(self) -> str:
        return _figure(self.value.value if self.value else None)

    @property
    def gap_needed(self) -> str:
        return _figure(self.gap.needed if self.gap else None, 2)

    @property
    def gap_change(self) -> str:
        """The move as a signed figure: +3.5 or −2."""
        change = self.gap.change if self.gap else None
        return "—" if change is None else ("+" if change > 0 else "") + _figure(change, 2)


@dataclass
class Breakdown:
    member: Member
    period: Period
    standing: Standing | None
    target_rank: int
    lines: list[Line] = field(default_factory=list)

    @property
    def weak_lines(self) -> list[Line]:
        return [line for line in self.lines if line.weak]


def _place(standings: Sequence[Standing], code: str, score: float | None) -> tuple[int | None, int]:
    scores = [s.scores.get(code) for s in standings if (s.scores or {}).get(code) is not None]
    if score is None:
        return None, len(scores)
    return 1 + sum(1 for other in scores if other > score), len(scores)


def _figure(number: Decimal | None, places: int | None = None) -> str:
    """A figure without trailing zeros; a computed one (a gap) to ``places`` decimals."""
    if number is None:
        return "—"
    if places is not None:
        number = round(Decimal(number), places)
    return f"{number.normalize():f}"


def task_prefill(*, member: Member, period: Period, indicator: Indicator, gap: Any, target_rank: int,
                 link: str, today: dt.date | None = None) -> dict[str, str]:
    """The query string of a new supervised task for a weak indicator (supervision:task-new)."""
    if gap is not None and gap.reachable and gap.needed is not None:
        goal = MSG_TASK_GOAL.format(current=_figure(gap.current, 2), needed=_figure(gap.needed, 2),
                                    unit=indicator.unit_of_measure, rank=target_rank)
    else:
        goal = MSG_TASK_GOAL_UNREACHABLE.format(rank=target_rank)
    prefill = {
        "origin": "indicator",
        "origin_key": f"league:{member.table}:{period.key}:{member.code}:{indicator.code}",
        "origin_label": f"{period.label} {member.name} · {indicator.name}",
        "origin_link": link,
        "title": MSG_TASK_TITLE.format(indicator=indicator.name, period=period.label, member=member.name),
        "goal": str(goal),
        "deadline": task_deadline(today).isoformat(),
    }
    if member.unit is not None:
        prefill["unit"] = member.unit.code
        if member.unit.kind == UnitKind.DEPARTMENT:
            prefill["lead"] = member.unit.code
    return prefill


def breakdown(member: Member, period: Period, standings: Sequence[Standing], values: Iterable[Value],
              indicators: Sequence[Indicator], *, link: str) -> Breakdown:
    """``member``'s figures in ``period`` against the table's ``standings`` and ``values``."""
    values = list(values)
    own = next((s for s in standings if s.member_id == member.pk), None)
    result = Breakdown(member=member, period=period, standing=own, target_rank=target_rank_of(member))
    weak = set(weak_indicators(standings, member))
    gaps = target_gaps(indicator_specs(indicators), observations_of(values), member.pk,
                       result.target_rank) if own is not None else {}
    own_values = {value.indicator.code: value for value in values if value.member_id == member.pk}
    for indicator in indicators:
        value = own_values.get(indicator.code)
        score = (own.scores or {}).get(indicator.code) if own else None
        place, comparable = _place(standings, indicator.code, score)
        interval = None
        if indicator.is_rate and value is not None and value.sample:
            interval = wilson_interval(float(value.value), value.sample)
        line = Line(indicator=indicator, value=value, interval=interval, score=score, place=place,
                    comparable=comparable, weak=indicator.code in weak, gap=gaps.get(indicator.code))
        if line.weak:
            prefill = task_prefill(member=member, period=period, indicator=indicator, gap=line.gap,
                                   target_rank=result.target_rank, link=link)
            line.task_query = urlencode(prefill)
        result.lines.append(line)
    return result


def entered_indicators() -> list[Indicator]:
    return list(Indicator.objects.filter(active=True, source=Source.ENTERED))
