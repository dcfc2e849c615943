"""The war while the parties talk: battlefield issues' status quo moves every round."""

from __future__ import annotations

import numpy as np

from sim.model import equations as eq
from sim.model.replicates import Binding, ReplicateState


class Battlefield(ReplicateState):
    """Drift, volatility and effects of the battlefield, per replicate, in native units per
    round (as the scenario writes them); ``scale`` turns them into model units on each
    battlefield issue (zero on the others)."""

    replicate_fields = ("drift", "volatility", "effects")

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
                paths[f"battlefield.effects.{iid}"] = Binding(self, "effects", k)
        return paths

    def expected_drift(self, status_quo: np.ndarray) -> np.ndarray:
        """This round's drift on every issue in model units (R, K): base plus effects."""
        return eq.drift(self.drift, self.effects, status_quo)[:, None] * self.scale

    def advance(self, status_quo: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One round of war: the new status quo (R, K)."""
        noise = np.zeros_like(status_quo)
        noise[:, self.moving] = rng.standard_normal((len(status_quo), int(self.moving.sum())))
        volatility = self.volatility[:, None] * self.scale
        return eq.battlefield_step(status_quo, self.expected_drift(status_quo), volatility, noise)
