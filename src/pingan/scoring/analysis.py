"""Weak indicators (短板指标): the indicators on which a member sits in the bottom of the
members comparable there, the ones its catch-up tasks start from.

"The bottom third" of ``n`` comparable members is the last ``k = floor(n × fraction)``
places (``PINGAN_LEAGUE_WEAK_FRACTION``, a third by default): none among one or two
members, the last among three to five, the last two among six to eight. Tied members share
the average of their places, as the rank method does, and are weak when that average falls
within the last ``k``: a tie straddling the boundary is in when its middle is, and members
all tied (a min–max indicator on which everyone scored alike) are none of them weak.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from django.conf import settings

# Scores are shown to two decimals; members equal to that are tied, as composites are.
_SCORE_PLACES = 2
# floor(n × ⅓) must be 1 for n = 3 however the fraction was written down.
_FRACTION_SLACK = 1e-9


def bottom_places(comparable: int, fraction: float | None = None) -> int:
    """How many of the last places are "the bottom" among ``comparable`` members."""
    fraction = settings.PINGAN_LEAGUE_WEAK_FRACTION if fraction is None else fraction
    return math.floor(comparable * fraction + _FRACTION_SLACK)


def _score(standing: Any, code: str) -> float | None:
    score = (standing.scores or {}).get(code)
    return None if score is None else round(float(score), _SCORE_PLACES)


def place_among(scores: Iterable[float], score: float) -> Fraction:
    """The place (1 = best) of ``score`` among ``scores`` (which include it), tied scores
    sharing the average of their places."""
    scores = list(scores)
    higher = sum(1 for other in scores if other > score)
    tied = sum(1 for other in scores if other == score)
    return Fraction(2 * higher + tied + 1, 2)


def weak_indicators(standings_of_period: Iterable[Any], member: Any) -> list[str]:
    """The codes of ``member``'s weak indicators among the standings of one table and period,
    in the order of its scores (the indicators' order). An indicator it is not comparable on
    is not weak: there is nothing to compare."""
    standings = list(standings_of_period)
    own = next((s for s in standings if s.member_id == member.pk), None)
    if own is None:
        return []
    weak = []
    for code in own.scores or {}:
        score = _score(own, code)
        if score is None:
            continue
        scores = [s for s in (_score(standing, code) for standing in standings) if s is not None]
        last = bottom_places(len(scores))
        if last and place_among(scores, score) > len(scores) - last:
            weak.append(code)
    return weak
