"""Confidence for the rates the league table compares (issue 12 §1: "rates carry their sample
and a Wilson 95% interval"), so a page can show that 100% of 3 cases says little."""

from __future__ import annotations

import math


def wilson_interval(rate_percent: float, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """The Wilson score interval of a rate observed on ``n`` cases, in percent.

    Wilson rather than the normal approximation because it stays inside 0–100 and is sensible
    at 0% and 100% and on the small samples a town's quarter often has. None when there is no
    sample: an interval over nothing would claim (0, 100) as if it were a finding.
    """
    if n <= 0:
        return None
    p = min(1.0, max(0.0, rate_percent / 100))
    z2 = z * z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half_width = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return max(0.0, centre - half_width) * 100, min(1.0, centre + half_width) * 100
