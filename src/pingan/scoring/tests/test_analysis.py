"""Weak indicators: the bottom third of the comparable members, at its edges."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pingan.scoring.analysis import bottom_places, weak_indicators


def _standings(*scores: float | None, code: str = "fires") -> list[SimpleNamespace]:
    return [SimpleNamespace(member_id=i, scores={code: score}) for i, score in enumerate(scores, start=1)]


def _weak_members(standings, code: str = "fires") -> list[int]:
    return [s.member_id for s in standings
            if code in weak_indicators(standings, SimpleNamespace(pk=s.member_id))]


@pytest.mark.parametrize(("n", "bottom"), [(0, 0), (1, 0), (2, 0), (3, 1), (5, 1), (6, 2), (8, 2), (9, 3),
                                           (18, 6)])
def test_the_bottom_third_is_the_last_floor_of_n_thirds(n, bottom):
    assert bottom_places(n) == bottom


def test_a_fraction_written_as_a_decimal_is_honoured():
    assert bottom_places(10, 0.3) == 3
    assert bottom_places(10, 0.25) == 2


def test_one_member_alone_is_never_weak():
    assert _weak_members(_standings(10)) == []


def test_of_two_members_neither_is_weak():
    assert _weak_members(_standings(90, 10)) == []


def test_of_three_the_last_is_weak():
    assert _weak_members(_standings(90, 50, 10)) == [3]


def test_members_all_tied_are_none_of_them_weak():
    assert _weak_members(_standings(100, 100, 100, 100, 100, 100)) == []


def test_a_tie_just_above_the_boundary_is_out():
    # Six members, the last two places are the bottom; the 20s share places 3 and 4.
    assert _weak_members(_standings(30, 25, 20, 20, 10, 5)) == [5, 6]


def test_a_tie_straddling_the_boundary_is_in():
    # The 10s share places 4 and 5 (average 4.5), within the last two (5 and 6).
    assert _weak_members(_standings(30, 25, 20, 10, 10, 5)) == [4, 5, 6]


def test_a_tie_filling_the_bottom_and_more_is_in():
    # Three 10s share places 4–6 (average 5): all in, though the bottom has two places.
    assert _weak_members(_standings(30, 25, 20, 10, 10, 10)) == [4, 5, 6]


def test_scores_equal_to_two_decimals_are_tied():
    assert _weak_members(_standings(30, 25, 20, 10.001, 10.004, 5)) == [4, 5, 6]


def test_members_not_comparable_are_left_out_of_n_and_are_not_weak():
    # Four comparable (bottom: 1 place) and two without a score.
    standings = _standings(80, None, 60, 40, None, 20)
    assert _weak_members(standings) == [6]


def test_weak_indicators_are_given_in_the_order_of_the_scores_and_only_where_weak():
    standings = [
        SimpleNamespace(member_id=1, scores={"fires": 90, "thefts": 10, "petitions": None}),
        SimpleNamespace(member_id=2, scores={"fires": 50, "thefts": 50, "petitions": 50}),
        SimpleNamespace(member_id=3, scores={"fires": 10, "thefts": 90, "petitions": 40}),
    ]
    assert weak_indicators(standings, SimpleNamespace(pk=1)) == ["thefts"]
    assert weak_indicators(standings, SimpleNamespace(pk=3)) == ["fires"]
    assert weak_indicators(standings, SimpleNamespace(pk=2)) == []  # petitions: two comparable


def test_a_member_without_a_standing_has_no_weak_indicators():
    assert weak_indicators(_standings(90, 50, 10), SimpleNamespace(pk=99)) == []


def test_the_fraction_is_a_setting(settings):
    settings.PINGAN_LEAGUE_WEAK_FRACTION = 0.5
    assert _weak_members(_standings(90, 50)) == [2]
