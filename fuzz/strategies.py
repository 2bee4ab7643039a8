"""Hypothesis strategies over scenarios.

Scenarios are drawn through the generators themselves, fed by a Hypothesis-controlled
Random (`st.randoms()`), so every generator choice is a Hypothesis choice: failing
scenarios shrink toward fewer classes, threads and mutations.
"""

from __future__ import annotations

from hypothesis import strategies as st

from .family import FAMILIES
from .scenario import Capabilities, Scenario


@st.composite
def scenarios(draw, families: tuple[str, ...] | None = None, caps: Capabilities | None = None) -> Scenario:
    family = draw(st.sampled_from(sorted(families or FAMILIES)))
    rng = draw(st.randoms(use_true_random=False))
    seed = draw(st.integers(min_value=0, max_value=2**31 - 1))
    return FAMILIES[family].build(rng, caps or Capabilities(), seed=seed)
