"""Reproduction rates with their uncertainty: a race seen 1 time in 3 says little about
its true rate, so rates are given with a Wilson score interval."""

from __future__ import annotations

import math


def wilson(hits: int, runs: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a rate (95% by default); (0, 1) with no runs."""
    if runs <= 0:
        return 0.0, 1.0
    p = hits / runs
    denominator = 1 + z * z / runs
    centre = (p + z * z / (2 * runs)) / denominator
    half = z * math.sqrt(p * (1 - p) / runs + z * z / (4 * runs * runs)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def describe_rate(hits: int, runs: int) -> str:
    """'3/8 (38%, 95% CI 14%-69%)'."""
    if runs <= 0:
        return "0/0"
    low, high = wilson(hits, runs)
    return f"{hits}/{runs} ({hits / runs:.0%}, 95% CI {low:.0%}-{high:.0%})"
