"""Stokman's compromise model as a protocol (docs/model.md §4.4): a one-shot forecast, the
capability × salience-weighted mean of the parties' ideal points on every issue (the compromise
of :func:`sim.bargaining.utility.compromise`), computed when the replicate starts. No round is
played (the war does not move), nothing is ratified, and ``deal``, ``round`` and ``accepted``
are null; the payoff is the utility of the forecast. On an option issue the forecast is a point
of the option axis, and its label the nearest option.
"""

from __future__ import annotations

import numpy as np

from sim.bargaining.utility import compromise
from sim.model.protocols.base import Protocol, Round


class Compromise(Protocol):
    """No settings."""

    forecast = True

    def rounds(self, scenario_rounds: int) -> int:
        return 0

    def outcome(self, state: Round) -> np.ndarray:
        parties = state.parties
        return compromise(
            parties.capability[..., None], parties.salience, parties.ideal, state.status_quo
        )
