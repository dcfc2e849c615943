"""A party: a Mesa agent whose state covers every replicate of the block at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.model import equations as eq
from sim.model.replicates import Binding, ReplicateState
from sim.scenario.schema import CONCESSION_STYLES, DEFAULT_BETA

if TYPE_CHECKING:
    from sim.model.model import NegotiationModel
    from sim.scenario.units import Layout

HARDLINER = CONCESSION_STYLES.index("hardliner")
DEFAULT_BETAS = np.array([DEFAULT_BETA[style] for style in CONCESSION_STYLES])
_SCALARS = (
    "capability",
    "patience",
    "loss",
    "war_cost",
    "optimism",
    "learning",
    "horizon",
    "reservation_value",
)


class Party(mesa.Agent, ReplicateState):
    """An actor with preferences over packages.

    Each attribute is an array over the replicates still bargaining: scalars per replicate
    (``capability``, ``patience``, ...) have shape (R,), per-dimension ones (``ideal``,
    ``salience``, ``belief``) shape (R, D) — one dimension per scale or option issue, one per
    named party of a shares issue (:class:`~sim.scenario.units.Layout`). ``salience`` holds the
    party's salience of each dimension's issue; ``stake`` (D,) says which dimensions its utility
    counts (not the other parties' shares). ``belief`` is the drift of each battlefield issue
    the party believes in, in model units per round.
    """

    replicate_fields = (*_SCALARS, "style", "beta", "ideal", "salience", "belief", "leaning")

    def __init__(self, model: NegotiationModel, party_id: str, index: int, size: int):
        super().__init__(model)
        self.party_id = party_id
        self.index = index
        layout = model.layout
        n_issues = len(layout)
        self.stake = layout.stake(party_id)
        for name in _SCALARS:
            setattr(self, name, np.zeros(size))
        self.style = np.zeros(size, dtype=np.int64)
        self.beta = np.ones(size)
        self.ideal = np.zeros((size, n_issues))
        self.salience = np.zeros((size, n_issues))
        self.belief = np.zeros((size, n_issues))
        self.leaning = np.zeros((size, n_issues))

    def form_belief(
        self, expected_drift: np.ndarray, optimism_scale: np.ndarray, status_quo: np.ndarray
    ) -> None:
        """The first belief about the drift: the true drift plus optimism in the party's
        favour, i.e. toward its ideal (``leaning``: +1, -1 or 0 per issue, in model units per
        unit of optimism)."""
        self.leaning = np.sign(self.ideal - status_quo) * optimism_scale
        self.belief = expected_drift + self.optimism[:, None] * self.leaning

    def learn(self, observed: np.ndarray) -> None:
        """Move the believed drift toward the drift observed this round."""
        self.belief = eq.update_belief(self.belief, observed, self.learning[:, None])

    def bindings(self, layout: Layout) -> dict[str, Binding]:
        """The parameter paths of this party and where each lives."""
        base = f"parties.{self.party_id}"
        paths = {f"{base}.{name}": Binding(self, name) for name in _SCALARS}
        paths[f"{base}.optimism"] = _OptimismBinding(self, "optimism")
        paths[f"{base}.concession.style"] = _StyleBinding(self, "style")
        paths[f"{base}.concession.beta"] = Binding(self, "beta")
        for iid, units in layout.units.items():
            columns = layout.columns(iid)
            if not units.is_shares:
                paths[f"{base}.positions.{iid}"] = Binding(self, "ideal", columns[0])
            paths[f"{base}.salience.{iid}"] = Binding(self, "salience", tuple(columns))
        return paths

    def set_share_ideals(self, layout: Layout) -> None:
        """On a shares issue a party's ideal is all of it: share 1 for itself, 0 for the others.
        A party not among the sharers does not care; its ideal is an equal split."""
        for iid, units in layout.units.items():
            if not units.is_shares:
                continue
            for k, pid in zip(layout.columns(iid), units.shares, strict=True):
                if self.party_id in units.shares:
                    self.ideal[:, k] = float(pid == self.party_id)
                else:
                    self.ideal[:, k] = 1.0 / len(units.shares)

    @property
    def weights(self) -> np.ndarray:
        """``w_ik``: salience over the dimensions the party's utility counts, normalised."""
        return eq.salience_weights(self.salience * self.stake)

    def utility(self, packages: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Utility of ``packages`` (R, C, K) → (R, C), or of one package per replicate
        (R, K) → (R,)."""
        weights = self.weights if weights is None else weights
        single = packages.ndim == 2
        if single:
            packages = packages[:, None, :]
        loss = self.loss[0] if (self.loss == self.loss[0]).all() else self.loss[:, None]
        values = eq.utility(packages, self.ideal[:, None, :], weights[:, None, :], loss)
        return values[:, 0] if single else values

    def reservation(self, status_quo: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The value of no deal (fixed by the scenario, or derived from the war's prospects)."""
        expected = eq.expected_status_quo(status_quo, self.belief, self.horizon)
        derived = eq.reservation_value(
            self.utility(expected, weights), self.patience, self.war_cost, self.horizon
        )
        return np.where(np.isnan(self.reservation_value), derived, self.reservation_value)

    def aspiration(self, reservation: np.ndarray, elapsed: float) -> np.ndarray:
        return eq.aspiration(reservation, elapsed, self.beta, self.style == HARDLINER)

    def demand(
        self, table: np.ndarray, table_utility: np.ndarray, aspiration: np.ndarray
    ) -> np.ndarray:
        return eq.demand(self.ideal, table, table_utility, aspiration, self.loss)


class _OptimismBinding(Binding):
    """Optimism set by an event shifts the party's current belief by the change."""

    def assign(self, rows: np.ndarray, values: np.ndarray) -> None:
        party = self.owner
        change = values - party.optimism[rows]
        party.belief[rows] += change[:, None] * party.leaning[rows]
        super().assign(rows, values)


class _StyleBinding(Binding):
    """A concession style set by an event brings its default beta (an event that also sets
    ``concession.beta`` applies it after the style)."""

    def assign(self, rows: np.ndarray, values: np.ndarray) -> None:
        super().assign(rows, values)
        self.owner.beta[rows] = DEFAULT_BETAS[self.owner.style[rows]]
