"""The league table's arithmetic: each indicator's 0–100 score, the weighted composite, the
rank, and how far a member must move on one indicator to reach a target rank.

Pure functions over members identified by any hashable key, so the services (Member ids),
the bench (plain integers) and the tests (names) share one implementation and the rules of
issue 12 §1 are checked without a database.

Scores are computed in ``Decimal`` and handed out as ``float``: the composite is rounded
half-up to two decimals and two members tie when their rounded composites are equal, so the
sum behind it must not carry binary rounding (a float 62.344999… would round the other way).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from pingan.scoring.models import Indicator

K = TypeVar("K", bound=Hashable)

HUNDRED = Decimal(100)
ZERO = Decimal(0)
CENTS = Decimal("0.01")
# Values are stored with four decimals; a target gap is searched to that precision.
VALUE_STEP = Decimal("0.0001")
# The largest value a member could be asked to reach: Value.value holds 14 digits before the
# point. A min–max search past the best anyone has widens its bound up to here and no further.
SEARCH_CAP = Decimal(10) ** 14 - VALUE_STEP

# Method and direction codes (scoring.models.Method / Direction), repeated as plain strings so
# this module imports nothing from Django.
MIN_MAX = "min_max"
RANK = "rank"
TARGET_RATIO = "target_ratio"
DEDUCTION = "deduction"
LOWER = "lower"

MSG_TARGET_REQUIRED = "Indicator %(code)s is scored by ratio to target and needs a target above 0."
MSG_PER_UNIT_REQUIRED = "Indicator %(code)s is scored by deductions and needs a deduction per unit above 0."
MSG_UNKNOWN_METHOD = "Indicator %(code)s has an unknown scoring method %(method)r."
METHODS = (MIN_MAX, RANK, TARGET_RATIO, DEDUCTION)


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    direction: str
    weight: Decimal
    method: str
    target: Decimal | None
    base: Decimal
    per_unit: Decimal | None
    min_sample: int

    @classmethod
    def of(cls, indicator: Indicator) -> IndicatorSpec:
        return cls(code=indicator.code, direction=indicator.direction, weight=Decimal(indicator.weight),
                   method=indicator.method,
                   target=None if indicator.target is None else Decimal(indicator.target),
                   base=Decimal(indicator.base),
                   per_unit=None if indicator.per_unit is None else Decimal(indicator.per_unit),
                   min_sample=indicator.min_sample)

    @property
    def problem(self) -> str | None:
        """Why this indicator cannot be scored (a definition the database's rules refuse now,
        stored before they did), or None."""
        if self.method not in METHODS:
            return MSG_UNKNOWN_METHOD % {"code": self.code, "method": self.method}
        if self.method == TARGET_RATIO and not (self.target and self.target > 0):
            return MSG_TARGET_REQUIRED % {"code": self.code}
        if self.method == DEDUCTION and not (self.per_unit and self.per_unit > 0):
            return MSG_PER_UNIT_REQUIRED % {"code": self.code}
        return None

    @property
    def lower_is_better(self) -> bool:
        # A deduction takes points off per unit of the value whatever the direction says: a
        # smaller value always scores at least as well (per_unit is above 0, or see problem).
        if self.method == DEDUCTION:
            return True
        return self.direction == LOWER


@dataclass(frozen=True)
class Observation:
    value: Decimal
    sample: int | None = None


@dataclass(frozen=True)
class Gap:
    current: Decimal | None
    needed: Decimal | None
    change: Decimal | None
    reachable: bool


@dataclass
class TableResult(Generic[K]):
    # {member: {indicator code: score 0–100, or None when not comparable}}
    scores: dict[K, dict[str, float | None]]
    # None when the member is comparable on no indicator (不参与排名).
    composite: dict[K, Decimal | None]
    rank: dict[K, int | None]


def is_comparable(spec: IndicatorSpec, observation: Observation | None) -> bool:
    """A member is compared on an indicator when it has a value there whose sample reaches the
    minimum; a value without a sample (a count, an amount) reaches only a minimum of 0."""
    if observation is None:
        return False
    if observation.sample is None:
        return spec.min_sample == 0
    return observation.sample >= spec.min_sample


def _bounded(score: Decimal) -> Decimal:
    # The formulas stay within 0–100 for values in their domain; a negative value (a change
    # rate, a correction) must not push a score off the scale the composite assumes.
    return min(HUNDRED, max(ZERO, score))


def _decimal_scores(spec: IndicatorSpec, values: Mapping[K, Decimal]) -> dict[K, Decimal]:
    """Issue 12 §1's four methods over the comparable members' values."""
    if not values:
        return {}
    lower = spec.lower_is_better
    if spec.method == MIN_MAX:
        low, high = min(values.values()), max(values.values())
        if high == low:
            return dict.fromkeys(values, HUNDRED)
        span = high - low
        return {key: HUNDRED * ((high - v) if lower else (v - low)) / span for key, v in values.items()}
    if spec.method == RANK:
        count = len(values)
        if count == 1:
            return dict.fromkeys(values, HUNDRED)
        # Best first; the members of a run of equal values share the mean of their positions.
        ordered = sorted(values.values(), reverse=not lower)
        first_position: dict[Decimal, int] = {}
        run_length: dict[Decimal, int] = {}
        for position, v in enumerate(ordered, start=1):
            first_position.setdefault(v, position)
            run_length[v] = run_length.get(v, 0) + 1
        scores = {}
        for key, v in values.items():
            mean_position = Decimal(2 * first_position[v] + run_length[v] - 1) / 2
            scores[key] = HUNDRED * (count - mean_position) / (count - 1)
        return scores
    if problem := spec.problem:
        raise ValueError(problem)
    if spec.method == TARGET_RATIO:
        target = spec.target
        assert target is not None  # spec.problem says so otherwise
        if lower:
            return {key: HUNDRED if v <= target else HUNDRED * target / v for key, v in values.items()}
        return {key: _bounded(HUNDRED * v / target) for key, v in values.items()}
    if spec.method == DEDUCTION:
        per_unit = spec.per_unit or ZERO
        return {key: _bounded(spec.base - per_unit * v) for key, v in values.items()}
    raise AssertionError(spec.method)  # spec.problem names every other method


def _comparable_values(spec: IndicatorSpec, observations: Mapping[K, Observation]) -> dict[K, Decimal]:
    return {key: Decimal(obs.value) for key, obs in observations.items() if is_comparable(spec, obs)}


def score_indicator(spec: IndicatorSpec, observations: Mapping[K, Observation]) -> dict[K, float]:
    """Each comparable member's 0–100 score on one indicator; the others are left out."""
    return {key: float(score) for key, score in
            _decimal_scores(spec, _comparable_values(spec, observations)).items()}


def _composite(weighted_sum: Decimal, weight: Decimal) -> Decimal | None:
    if not weight:
        return None
    return (weighted_sum / weight).quantize(CENTS, rounding=ROUND_HALF_UP)


def competition_ranks(composite: Mapping[K, Decimal | None]) -> dict[K, int | None]:
    """1, 2, 2, 4: a member's rank is one more than the number of members scoring above it."""
    ranked = sorted((score for score in composite.values() if score is not None), reverse=True)
    first_place: dict[Decimal, int] = {}
    for position, score in enumerate(ranked, start=1):
        first_place.setdefault(score, position)
    return {key: None if score is None else first_place[score] for key, score in composite.items()}


def rank_members(specs: Iterable[IndicatorSpec], observations: Mapping[str, Mapping[K, Observation]],
                 members: Iterable[K]) -> TableResult[K]:
    """Score every indicator over the members comparable on it, then weight, round and rank."""
    specs = list(specs)
    members = list(members)
    scores: dict[K, dict[str, float | None]] = {key: {} for key in members}
    weighted_sum = dict.fromkeys(members, ZERO)
    weight = dict.fromkeys(members, ZERO)
    for spec in specs:
        on_indicator = observations.get(spec.code, {})
        indicator_scores = _decimal_scores(spec, _comparable_values(
            spec, {key: on_indicator[key] for key in members if key in on_indicator}))
        for key in members:
            score = indicator_scores.get(key)
            scores[key][spec.code] = None if score is None else float(score)
            if score is not None:
                weighted_sum[key] += spec.weight * score
                weight[key] += spec.weight
    composite = {key: _composite(weighted_sum[key], weight[key]) for key in members}
    return TableResult(scores=scores, composite=composite, rank=competition_ranks(composite))


def target_gaps(specs: Iterable[IndicatorSpec], observations: Mapping[str, Mapping[K, Observation]],
                member: K, target_rank: int) -> dict[str, Gap]:
    """For each indicator, the value ``member`` would need there, everything else held fixed,
    to reach ``target_rank`` or better.

    Searched by bisection rather than solved: min–max and rank move the other members' scores
    as the member's value moves (it may become the new minimum, or pass others), so there is
    no closed form per method. But the search is sound for every method, because improving
    the member's value never lowers its own score and never raises anyone else's, so its rank
    only improves as the value does. The search runs between the current value and the best
    value that can matter, down to the four decimals values are stored with. For rank that is
    the best anyone else has (past it the member is first and nothing else moves), for 目标比
    the target (the score stops at 100 there) and for 扣分法 0. Min–max is the exception: past
    the best anyone else has the member's own score stays 100 but every other member's falls
    as the span widens, so a rank out of reach at the best may still be reached further on;
    the bound is doubled away from the worst value until it is, up to ``SEARCH_CAP``. A member
    with no value, or one whose sample is below the minimum, is asked what value (with a
    sufficient sample) would do; its search starts from the worst value anyone has.
    """
    specs = list(specs)
    members = list(dict.fromkeys(key for on_indicator in observations.values() for key in on_indicator))
    if member not in members:
        members.append(member)
    # The other indicators are held fixed: their contribution to every composite is summed once.
    fixed_sum: dict[str, dict[K, Decimal]] = {}
    fixed_weight: dict[str, dict[K, Decimal]] = {}
    per_indicator = {
        spec.code: _decimal_scores(spec, _comparable_values(spec, observations.get(spec.code, {})))
        for spec in specs}
    for spec in specs:
        fixed_sum[spec.code] = dict.fromkeys(members, ZERO)
        fixed_weight[spec.code] = dict.fromkeys(members, ZERO)
        for other in specs:
            if other.code == spec.code:
                continue
            for key, score in per_indicator[other.code].items():
                fixed_sum[spec.code][key] += other.weight * score
                fixed_weight[spec.code][key] += other.weight
    return {spec.code: _gap(spec, observations.get(spec.code, {}), member, target_rank,
                            fixed_sum[spec.code], fixed_weight[spec.code])
            for spec in specs}


def _gap(spec: IndicatorSpec, on_indicator: Mapping[K, Observation], member: K, target_rank: int,
         fixed_sum: Mapping[K, Decimal], fixed_weight: Mapping[K, Decimal]) -> Gap:
    observation = on_indicator.get(member)
    current = None if observation is None else Decimal(observation.value)
    others = _comparable_values(spec, {key: obs for key, obs in on_indicator.items() if key != member})

    def reaches(value: Decimal | None) -> bool:
        values = dict(others)
        if value is not None:
            values[member] = value
        scores = _decimal_scores(spec, values)
        composite = {key: _composite(fixed_sum[key] + spec.weight * scores[key],
                                     fixed_weight[key] + spec.weight) if key in scores
                     else _composite(fixed_sum[key], fixed_weight[key]) for key in fixed_sum}
        rank = competition_ranks(composite)[member]
        return rank is not None and rank <= target_rank

    comparable_now = is_comparable(spec, observation)
    if reaches(current if comparable_now else None):
        return Gap(current=current, needed=current, change=ZERO, reachable=True)
    worse = max if spec.lower_is_better else min
    best = _best_value(spec, others, current)
    start = current if current is not None else (worse(others.values()) if others else best)
    if best is not None and not reaches(best):
        best = _widened(spec, others, best, reaches)
    # Even the best value is not enough (a start already past the best fails there too).
    if best is None or start is None:
        return Gap(current=current, needed=None, change=None, reachable=False)
    if reaches(start):
        needed = start
    else:
        failing, passing = start, best
        while abs(passing - failing) > VALUE_STEP:
            middle = ((failing + passing) / 2).quantize(VALUE_STEP)
            if middle in (failing, passing):
                break
            if reaches(middle):
                passing = middle
            else:
                failing = middle
        needed = passing
    return Gap(current=current, needed=needed, change=None if current is None else needed - current,
               reachable=True)


def _widened(spec: IndicatorSpec, others: Mapping[K, Decimal], best: Decimal,
             reaches: Callable[[Decimal], bool]) -> Decimal | None:
    """A min–max value past ``best`` that reaches the rank, or None when none up to
    ``SEARCH_CAP`` does (or the method is another, where going past ``best`` changes nothing)."""
    if spec.method != MIN_MAX or not others:
        return None
    lower = spec.lower_is_better
    worst = max(others.values()) if lower else min(others.values())
    span = max(abs(best - worst), Decimal(1))
    while True:
        span *= 2
        candidate = worst - span if lower else worst + span
        if abs(candidate) >= SEARCH_CAP:
            candidate = -SEARCH_CAP if lower else SEARCH_CAP
            return candidate if reaches(candidate) else None
        if reaches(candidate):
            return candidate


def _best_value(spec: IndicatorSpec, others: Mapping[K, Decimal], current: Decimal | None) -> Decimal | None:
    """The best value worth searching up to: past it the member's own score cannot rise."""
    better = min if spec.lower_is_better else max
    if spec.method == TARGET_RATIO:
        return spec.target
    if spec.method == DEDUCTION:
        return ZERO
    known = [*others.values(), *([] if current is None else [current])]
    return better(known) if known else None
