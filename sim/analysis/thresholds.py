"""How large a difference between two batches must be to count: the practical thresholds of
``negsim compare`` (its ``--min-*`` options). A difference can be significant at a large N
and still too small to matter; a verdict needs both."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    """The smallest difference that counts as a practical effect; a smaller one gets no
    verdict however small its p-value. Defaults: 2 percentage points of a proportion (deal
    probability, an option's share, a true/false outcome), 1% of an issue's scale (a shares
    issue: of its total; another numeric outcome: of its observed range), 0.01 of payoff and
    utility (utility runs from 0 to 1 at a party's ideal), one round of restricted mean time
    to deal."""

    points: float = 0.02
    scale: float = 0.01
    payoff: float = 0.01
    rounds: float = 1.0


DEFAULT_THRESHOLDS = Thresholds()
