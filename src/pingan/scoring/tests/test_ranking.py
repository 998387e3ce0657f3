"""The league table's arithmetic (issue 12 §1) on tables computed by hand: no database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pingan.scoring.ranking import (
    Gap,
    IndicatorSpec,
    Observation,
    TableResult,
    competition_ranks,
    rank_members,
    score_indicator,
    target_gaps,
)
from pingan.scoring.stats import wilson_interval


def spec(code="x", *, direction="higher", weight="1", method="min_max", target=None, base="100",
         per_unit=None, min_sample=0) -> IndicatorSpec:
    return IndicatorSpec(code=code, direction=direction, weight=Decimal(weight), method=method,
                         target=None if target is None else Decimal(target), base=Decimal(base),
                         per_unit=None if per_unit is None else Decimal(per_unit), min_sample=min_sample)


def values(**by_member) -> dict[str, Observation]:
    return {key: Observation(Decimal(str(value))) for key, value in by_member.items()}


def rounded(scores: dict) -> dict:
    return {key: round(score, 2) for key, score in scores.items()}


# --- each method ------------------------------------------------------------------------


def test_min_max_higher_and_lower():
    # min 10, max 40, span 30: A (10−10)/30 = 0, B (20−10)/30 = 33.33, C (40−10)/30 = 100
    table = values(A=10, B=20, C=40)
    assert rounded(score_indicator(spec(), table)) == {"A": 0, "B": 33.33, "C": 100}
    # lower is better: (40−v)/30 → A 100, B 66.67, C 0
    assert rounded(score_indicator(spec(direction="lower"), table)) == {"A": 100, "B": 66.67, "C": 0}


def test_min_max_all_equal_scores_everyone_100():
    assert score_indicator(spec(), values(A=7, B=7, C=7)) == {"A": 100, "B": 100, "C": 100}


def test_rank_method_ties_share_their_mean_position():
    # best first: A(5) 1st, B and C (3) share positions 2 and 3 → r = 2.5, D(1) 4th; n = 4
    # A 100·(4−1)/3 = 100, B = C = 100·(4−2.5)/3 = 50, D 100·(4−4)/3 = 0
    assert score_indicator(spec(method="rank"), values(A=5, B=3, C=3, D=1)) == {
        "A": 100, "B": 50, "C": 50, "D": 0}
    # lower is better turns the order round: D 1st … A 4th
    assert score_indicator(spec(method="rank", direction="lower"), values(A=5, B=3, C=3, D=1)) == {
        "A": 0, "B": 50, "C": 50, "D": 100}


def test_rank_method_single_member_scores_100():
    assert score_indicator(spec(method="rank"), values(A=3)) == {"A": 100}


def test_target_ratio_is_capped_at_100():
    # target 80: 40 → 100·40/80 = 50; 80 → 100; 100 → min(100, 125) = 100
    assert score_indicator(spec(method="target_ratio", target="80"), values(A=40, B=80, C=100)) == {
        "A": 50, "B": 100, "C": 100}


def test_target_ratio_lower_is_better():
    # target 5: 4 ≤ 5 → 100; 0 → 100; 10 → 100·5/10 = 50
    assert score_indicator(spec(method="target_ratio", target="5", direction="lower"),
                           values(A=4, B=0, C=10)) == {"A": 100, "B": 100, "C": 50}


@pytest.mark.parametrize("target", [None, "0"])
def test_target_ratio_without_a_target_is_refused(target):
    with pytest.raises(ValueError, match="needs a target above 0"):
        score_indicator(spec(method="target_ratio", target=target), values(A=1))


def test_deductions_floor_at_zero():
    # base 100, 10 per unit: 3 → 70; 10 → 0; 12 → max(0, −20) = 0
    assert score_indicator(spec(method="deduction", per_unit="10"), values(A=3, B=10, C=12)) == {
        "A": 70, "B": 0, "C": 0}


def test_missing_values_and_small_samples_are_not_compared():
    table = {"A": Observation(Decimal(90), 20), "B": Observation(Decimal(100), 9),  # 9 < 10
             "C": Observation(Decimal(100)),  # no sample: meets only a minimum of 0
             "E": Observation(Decimal(70), 10)}  # exactly the minimum: compared
    # over A and E only: A (90−70)/20 = 100, E 0
    assert score_indicator(spec(min_sample=10), table) == {"A": 100, "E": 0}
    # with no minimum every value counts: min 70, max 100 → A 66.67, B 100, C 100, E 0
    assert rounded(score_indicator(spec(), table)) == {"A": 66.67, "B": 100, "C": 100, "E": 0}


# --- the composite and the rank ---------------------------------------------------------

FIVE = [
    spec("x", weight="3"),  # min–max, higher is better
    spec("y", weight="2", method="rank", direction="lower"),
    spec("z", weight="1", method="deduction", per_unit="5"),
]
FIVE_VALUES = {
    "x": values(P=50, Q=70, R=90, S=60, T=90),
    "y": values(P=1, Q=3, R=2, S=3, T=5),
    "z": values(P=4, Q=0, R=10, S=2, T=1),
}


def test_five_units_three_indicators_by_hand():
    result = rank_members(FIVE, FIVE_VALUES, "PQRST")
    # x: min 50, span 40 → P 0, Q 50, R 100, S 25, T 100
    # y: P(1) 1st, R(2) 2nd, Q and S (3) share 3rd–4th → 3.5, T 5th; n = 5, score 100·(5−r)/4
    #    → P 100, R 75, Q = S 37.5, T 0
    # z: 100 − 5·v → P 80, Q 100, R 50, S 90, T 95
    assert result.scores["Q"] == {"x": 50, "y": 37.5, "z": 100}
    # composite Σw·s/6: P (0+200+80)/6 = 46.67; Q (150+75+100)/6 = 54.17; R (300+150+50)/6 = 83.33;
    # S (75+75+90)/6 = 40.00; T (300+0+95)/6 = 65.83
    assert result.composite == {"P": Decimal("46.67"), "Q": Decimal("54.17"), "R": Decimal("83.33"),
                                "S": Decimal("40.00"), "T": Decimal("65.83")}
    assert result.rank == {"R": 1, "T": 2, "Q": 3, "P": 4, "S": 5}


def test_composite_over_the_comparable_indicators_only():
    specs = [spec("a", weight="2", method="deduction", per_unit="10"),
             spec("b", weight="1", method="deduction", per_unit="10", min_sample=5)]
    observations = {"a": values(A=1, B=2), "b": {"A": Observation(Decimal(0), 5),
                                                 "B": Observation(Decimal(0), 4)}}
    result = rank_members(specs, observations, ["A", "B", "C"])
    # A on both: (2·90 + 1·100)/3 = 93.33; B on a only (sample 4 < 5): 2·80/2 = 80
    assert result.composite == {"A": Decimal("93.33"), "B": Decimal("80.00"), "C": None}
    assert result.scores["B"] == {"a": 80, "b": None}
    # C has no value anywhere: not ranked (不参与排名)
    assert result.rank == {"A": 1, "B": 2, "C": None}


def test_composite_ties_share_the_better_rank():
    # deductions of 10 a unit: A 100, B 90, C 90, D 80 → 1, 2, 2, 4
    result = rank_members([spec(method="deduction", per_unit="10")], {"x": values(A=0, B=1, C=1, D=2)},
                          "ABCD")
    assert result.rank == {"A": 1, "B": 2, "C": 2, "D": 4}


def test_composites_equal_to_two_decimals_tie():
    # U: 100·1/3 = 33.333… → 33.33; V: 100 − 66.67 = 33.33; they share 1st
    specs = [spec("u", method="target_ratio", target="3"), spec("v", method="deduction", per_unit="1")]
    result = rank_members(specs, {"u": values(U=1), "v": values(V="66.67")}, "UV")
    assert result.composite == {"U": Decimal("33.33"), "V": Decimal("33.33")}
    assert result.rank == {"U": 1, "V": 1}


def test_composite_rounds_half_up():
    # 100 − 99.875 = 0.125 → 0.13 (half-up; half-to-even would give 0.12)
    result = rank_members([spec(method="deduction", per_unit="1")], {"x": values(A="99.875")}, "A")
    assert result.composite == {"A": Decimal("0.13")}


def test_competition_ranks_leave_the_unranked_out():
    assert competition_ranks({"a": Decimal(5), "b": None, "c": Decimal(7)}) == {"a": 2, "b": None, "c": 1}


# --- the gap to a target rank ----------------------------------------------------------


def test_target_gaps_by_hand():
    gaps = target_gaps(FIVE, FIVE_VALUES, "S", 3)
    # x: S needs a rounded composite ≥ Q's 54.17 (a tie shares 3rd), i.e. (3·s + 75 + 90)/6 ≥ 54.165
    # → s ≥ 53.33 → 100·(v − 50)/40 ≥ 53.33 → v ≥ 71.332 (min 50 and max 90 stay where they are)
    assert gaps["x"] == Gap(current=Decimal(60), needed=Decimal("71.3320"), change=Decimal("11.3320"),
                            reachable=True)
    # y: at 2 S ties R (2.5 → 62.5) and scores (75+125+90)/6 = 48.33 < Q's (150+50+100)/6 = 50;
    # below 2 it is 2nd alone (75): (75+150+90)/6 = 52.5 > Q's 50 and P's 46.67 → 3rd
    assert gaps["y"] == Gap(current=Decimal(3), needed=Decimal("1.9999"), change=Decimal("-1.0001"),
                            reachable=True)
    # z: even a perfect 100 gives (75+75+100)/6 = 41.67 < 54.17
    assert gaps["z"] == Gap(current=Decimal(2), needed=None, change=None, reachable=False)


def test_target_gap_when_already_there():
    gaps = target_gaps(FIVE, FIVE_VALUES, "R", 3)
    assert gaps["x"] == Gap(current=Decimal(90), needed=Decimal(90), change=Decimal(0), reachable=True)


def test_target_gap_of_a_member_without_a_value():
    # W has no x yet: searched from the worst value anyone has (B's 10) up. It shares 1st once its
    # composite rounds to A's 100.00: 100·(v − 10)/10 ≥ 99.995 → v ≥ 19.9995
    gaps = target_gaps([spec()], {"x": values(A=20, B=10)}, "W", 1)
    assert gaps["x"].current is None
    assert gaps["x"].needed == Decimal("19.9995")
    assert gaps["x"].reachable


# --- Wilson -----------------------------------------------------------------------------


def test_wilson_interval_known_values():
    low, high = wilson_interval(50, 100)
    # p = 0.5, n = 100: centre 0.5, half-width 1.96·√(0.0025 + 0.00009604)/1.038416 = 0.09617
    assert (round(low, 2), round(high, 2)) == (40.38, 59.62)
    # 3 of 3: lower bound n/(n + z²) = 3/6.8416 = 0.4385, upper 100
    low, high = wilson_interval(100, 3)
    assert (round(low, 2), round(high, 2)) == (43.85, 100)


def test_wilson_interval_of_no_sample_is_none():
    assert wilson_interval(80, 0) is None


# --- properties -------------------------------------------------------------------------

methods = st.sampled_from(["min_max", "rank", "target_ratio", "deduction"])
amounts = st.decimals(min_value=-1000, max_value=1000, places=4, allow_nan=False, allow_infinity=False)


@given(method=methods, direction=st.sampled_from(["higher", "lower"]),
       observed=st.lists(amounts, min_size=1, max_size=12))
def test_scores_stay_within_0_and_100(method, direction, observed):
    indicator = spec(method=method, direction=direction, target="50", per_unit="2")
    scores = score_indicator(indicator, {i: Observation(v) for i, v in enumerate(observed)})
    assert len(scores) == len(observed)
    assert all(0 <= score <= 100 for score in scores.values())


@given(direction=st.sampled_from(["higher", "lower"]), observed=st.lists(amounts, min_size=1, max_size=12))
def test_min_max_best_value_scores_100(direction, observed):
    scores = score_indicator(spec(direction=direction), {i: Observation(v) for i, v in enumerate(observed)})
    best = min(observed) if direction == "lower" else max(observed)
    assert all(scores[i] == 100 for i, v in enumerate(observed) if v == best)


def test_min_max_target_gap_searches_past_the_best_anyone_has():
    # x (min–max, w1): M 0, A 10, B 5; y (min–max, w1): M 0, A 80, B 100. Raising M's x to A's 10
    # is not enough: M scores 100 on x (0 on y), 50.00, but A ties it on x and has (100 + 80)/2 = 90.
    # Past 10 M stays at 100 on x while A's x falls, 100·(10 − 5)/(v − 5), and B's stays 0 (B's 5
    # is the new minimum). M (50.00) shares first once A's (500/(v − 5) + 80)/2 rounds to 50.00 or
    # below: 500/(v − 5) < 20.01 → v > 29.98751, i.e. 29.9876 to four decimals.
    # At v = 1000, by hand: M 50.00, A (0.5025 + 80)/2 = 40.25, B (0 + 100)/2 = 50.00.
    specs = [spec("x"), spec("y")]
    observations = {"x": values(M=0, A=10, B=5), "y": values(M=0, A=80, B=100)}
    gap = target_gaps(specs, observations, "M", 1)["x"]
    assert gap == Gap(current=Decimal(0), needed=Decimal("29.9876"), change=Decimal("29.9876"),
                      reachable=True)

    def ranked_at(value: str) -> TableResult:
        return rank_members(specs, {**observations, "x": values(M=value, A=10, B=5)}, ["M", "A", "B"])

    at_thousand = ranked_at("1000")
    assert at_thousand.composite == {"M": Decimal("50.00"), "A": Decimal("40.25"), "B": Decimal("50.00")}
    assert at_thousand.rank["M"] == 1
    assert ranked_at("29.9876").rank["M"] == 1 and ranked_at("29.9875").rank["M"] == 2


def test_min_max_target_gap_past_the_best_is_still_capped():
    # y weighs 3 and M has its minimum there (M 0, A 100, B 80): however far M's x goes, M scores
    # at most (100 + 0)/4 = 25 and A at least (0 + 300)/4 = 75; the search stops at SEARCH_CAP.
    specs = [spec("x"), spec("y", weight="3")]
    observations = {"x": values(M=0, A=10, B=5), "y": values(M=0, A=100, B=80)}
    assert target_gaps(specs, observations, "M", 1)["x"].reachable is False


@pytest.mark.parametrize(("method", "target", "per_unit", "problem"), [
    ("target_ratio", None, None, "needs a target above 0"),
    ("target_ratio", "0", None, "needs a target above 0"),
    ("deduction", None, None, "needs a deduction per unit above 0"),
    ("deduction", None, "-5", "needs a deduction per unit above 0"),
    ("average", None, None, "unknown scoring method"),
])
def test_an_indicator_that_cannot_be_scored_says_why(method, target, per_unit, problem):
    broken = spec(method=method, target=target, per_unit=per_unit)
    assert problem in broken.problem
    with pytest.raises(ValueError, match=problem):
        score_indicator(broken, values(A=1, B=2))
    assert spec(method="deduction", per_unit="5").problem is None
