"""Stokman's compromise model as a protocol: one shot, no bargaining (DESIGN.md §3).

The forecast on every issue is the capability × salience-weighted mean of the ideal points,
``Σ_i c_i·s_ik·x_ik / Σ_i c_i·s_ik`` (Van den Bos 1991; Stokman & Van Oosten 1994) — on a shares
issue, each party's share ``c_i·s_i / Σ_j c_j·s_j`` of the total. It is taken as the replicate
starts, from the ideal points it drew, before any round: so it equals the ``compromise.<issue>``
baseline column every batch reports. No round is played (no event fires, the war does not
move), nothing is ratified, and ``deal``, ``round`` and ``accepted`` are null; the payoff is the
utility of the forecast. On an option issue the forecast is a point of the option axis, and its
label the nearest option.
"""

from __future__ import annotations

import numpy as np

from sim.model.protocols.base import Protocol


class Compromise(Protocol):
    """No settings."""

    forecast = True

    def rounds(self, scenario_rounds: int) -> int:
        return 0

    def outcome(self, status_quo: np.ndarray) -> np.ndarray:
        return self.model.outcomes.compromise[self.model.rows]
