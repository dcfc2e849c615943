"""The war while the parties talk: battlefield issues' status quo moves every round."""

from __future__ import annotations

import numpy as np

from sim.model import equations as eq
from sim.model.replicates import Binding, ReplicateState
from sim.scenario.sampling import BlockStreams


class Battlefield(ReplicateState):
    """Drift, volatility and effects of the battlefield, per replicate, in native units per
    round (as the scenario writes them); ``scale`` turns them into model units on each
    battlefield issue (zero on the others)."""

    replicate_fields = ("drift", "volatility", "effects", "rows")

    def __init__(
        self, issue_ids: list[str | None], moving: np.ndarray, widths: np.ndarray, size: int
    ):
        """``issue_ids`` names the issue of each model dimension whose status quo may steer the
        drift (None for the dimensions of a shares issue)."""
        self.issue_ids = issue_ids
        self.scale = np.where(moving, 1.0 / widths, 0.0)
        self.moving = moving
        self.drift = np.zeros(size)
        self.volatility = np.zeros(size)
        self.effects = np.zeros((size, len(issue_ids)))
        self.size = size
        self.rows = np.arange(size)  # block positions of the replicates still bargaining

    @property
    def active(self) -> bool:
        return bool(self.moving.any())

    def bindings(self) -> dict[str, Binding]:
        paths = {
            "battlefield.drift": Binding(self, "drift"),
            "battlefield.volatility": Binding(self, "volatility"),
        }
        for k, iid in enumerate(self.issue_ids):
            if iid is not None:
                paths[f"battlefield.effects.{iid}"] = Binding(self, "effects", (k,))
        return paths

    def expected_drift(self, status_quo: np.ndarray, rows=slice(None)) -> np.ndarray:
        """The drift per round on every dimension in model units (R, D): base plus effects,
        zero off the battlefield — of the replicates at ``rows`` (``status_quo`` is theirs)."""
        return eq.drift(self.drift[rows], self.effects[rows], status_quo)[:, None] * self.scale

    def spread(self, rows=slice(None)) -> np.ndarray:
        """The volatility per round on every dimension in model units (R, D), of the
        replicates at ``rows``."""
        return self.volatility[rows, None] * self.scale

    def advance(
        self, position: np.ndarray, status_quo: np.ndarray, rng: BlockStreams
    ) -> np.ndarray:
        """One round of war: the war's new position (R, D) — the front is its clip to [0, 1].
        Noise is drawn for every replicate of the block (``size``) and those still bargaining
        take theirs, so a replicate's path does not depend on which others are left."""
        noise = np.zeros_like(position)
        drawn = rng.standard_normal((self.size, int(self.moving.sum())))
        noise[:, self.moving] = drawn[self.rows]
        return eq.battlefield_step(position, self.expected_drift(status_quo), self.spread(), noise)
