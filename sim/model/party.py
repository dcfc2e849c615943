"""The parties: Mesa agents whose state covers every replicate of the block at once.

Every party's state lives in one array per attribute with the parties on axis 1
(:class:`PartyState`), so a round's behaviour — valuing no deal, setting an aspiration and a
demand, learning about the war — is one array operation for all parties and replicates. Each
:class:`Party` agent reads and writes its own column of those arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.model import equations as eq
from sim.model.replicates import Binding, ReplicatesLast, ReplicateState
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
_PER_DIMENSION = ("ideal", "salience", "belief", "leaning")


class PartyState(ReplicateState):
    """Every party's state over the replicates still bargaining.

    Scalars per replicate and party (``capability``, ``patience``, ...) have shape (R, P);
    per-dimension ones (``ideal``, ``salience``) (R, P, D) — one dimension per scale or option
    issue, one per named party of a shares issue (:class:`~sim.scenario.units.Layout`).
    ``salience`` holds a party's salience of each dimension's issue; ``stake`` (P, D) says which
    dimensions each party's utility counts (not the other parties' shares). ``belief``
    (R, P, B) is the drift a party believes in on each of the B dimensions of the ``front`` —
    the battlefield issues, the only ones the war moves — in model units per round; ``leaning``
    the direction (and scale) of its optimism there. The arrays are stored replicates last
    (:class:`~sim.model.replicates.ReplicatesLast`).
    """

    replicate_fields = (*_SCALARS, "style", "beta", *_PER_DIMENSION)
    capability = ReplicatesLast()
    patience = ReplicatesLast()
    loss = ReplicatesLast()
    war_cost = ReplicatesLast()
    optimism = ReplicatesLast()
    learning = ReplicatesLast()
    horizon = ReplicatesLast()
    reservation_value = ReplicatesLast()
    style = ReplicatesLast()
    beta = ReplicatesLast()
    ideal = ReplicatesLast()
    salience = ReplicatesLast()
    belief = ReplicatesLast()
    leaning = ReplicatesLast()

    def __init__(self, layout: Layout, party_ids: list[str], size: int, front: np.ndarray):
        n_parties, n_dims = len(party_ids), len(layout)
        self.front = front
        self.settled = np.setdiff1d(np.arange(n_dims), front)  # the dimensions the war leaves
        self.stake = np.asfortranarray([layout.stake(pid) for pid in party_ids])  # (P, D)
        for name in _SCALARS:
            setattr(self, name, np.zeros((size, n_parties)))
        self.style = np.zeros((size, n_parties), dtype=np.int64)
        self.beta = np.ones((size, n_parties))
        self.ideal = np.zeros((size, n_parties, n_dims))
        self.salience = np.zeros((size, n_parties, n_dims))
        self.belief = np.zeros((size, n_parties, len(front)))
        self.leaning = np.zeros((size, n_parties, len(front)))
        self._share_ideals(layout, party_ids)

    def _share_ideals(self, layout: Layout, party_ids: list[str]) -> None:
        """On a shares issue a party's ideal is all of it: share 1 for itself, 0 for the others.
        A party not among the sharers does not care; its ideal is an equal split."""
        for iid, units in layout.units.items():
            if not units.is_shares:
                continue
            for n, party in enumerate(party_ids):
                for k, pid in zip(layout.columns(iid), units.shares, strict=True):
                    if party in units.shares:
                        self.ideal[:, n, k] = float(pid == party)
                    else:
                        self.ideal[:, n, k] = 1.0 / len(units.shares)

    def form_belief(
        self, expected_drift: np.ndarray, optimism_scale: np.ndarray, status_quo: np.ndarray
    ) -> None:
        """The first belief about the drift: the true drift plus optimism in the party's
        favour, i.e. toward its ideal (``leaning``: +1, -1 or 0 per issue, in model units per
        unit of optimism). The drift, its scale and the status quo are given on every
        dimension."""
        front = self.front
        toward = np.sign(self.ideal[..., front] - status_quo[:, None, front])
        self.leaning = toward * optimism_scale[front]
        self.belief = expected_drift[:, None, front] + self.optimism[..., None] * self.leaning

    def learn(self, observed: np.ndarray) -> None:
        """Move the believed drift toward the drift observed this round (R, D)."""
        observed = observed[:, None, self.front]
        self.belief = eq.update_belief(self.belief, observed, self.learning[..., None])

    def weights(self) -> np.ndarray:
        """``w_ik`` (R, P, D): salience over the dimensions each party's utility counts,
        normalised."""
        return eq.salience_weights(self.salience * self.stake)

    def utility(
        self,
        packages: np.ndarray,
        weights: np.ndarray | None = None,
        dimensions: np.ndarray | None = None,
    ) -> np.ndarray:
        """Every party's utility (R, P) of one package per replicate (R, D), or of its own
        package per replicate and party (R, P, D) — or, given ``dimensions``, one minus its
        loss on those dimensions alone, the packages holding only them."""
        weights = self.weights() if weights is None else weights
        ideal = self.ideal
        if dimensions is not None:
            ideal, weights = ideal[..., dimensions], weights[..., dimensions]
        if packages.ndim == 2:
            packages = packages[:, None, :]
        if (self.loss == self.loss[:1]).all():  # each party has one loss in every replicate
            return eq.utility(packages, ideal, weights, self.loss[0], by_party=True)
        return eq.utility(packages, ideal, weights, self.loss)

    def settled_loss(self, status_quo: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Each party's loss (R, P) from the status quo on the dimensions the war does not
        move: part of the value of no deal that only an event can change."""
        return 1.0 - self.utility(status_quo[:, self.settled], weights, self.settled)

    def reservation(
        self, status_quo: np.ndarray, weights: np.ndarray, settled_loss: np.ndarray
    ) -> np.ndarray:
        """The value of no deal (R, P): fixed by the scenario, or derived from the war's
        prospects as each party sees them. ``settled_loss`` is :meth:`settled_loss`."""
        front = self.front
        expected = eq.expected_status_quo(status_quo[:, None, front], self.belief, self.horizon)
        value = self.utility(expected, weights, front) - settled_loss
        derived = eq.reservation_value(value, self.patience, self.war_cost, self.horizon)
        fixed = ~np.isnan(self.reservation_value)
        if fixed.any():
            np.copyto(derived, self.reservation_value, where=fixed)
        return derived

    def aspiration(self, reservation: np.ndarray, elapsed: float) -> np.ndarray:
        return eq.aspiration(reservation, elapsed, self.beta, self.style == HARDLINER)

    def demand(
        self, table: np.ndarray, table_utility: np.ndarray, aspiration: np.ndarray
    ) -> np.ndarray:
        """Every party's demand (R, P, D) on the segment from its ideal toward the table."""
        return eq.demand(self.ideal, table[:, None, :], table_utility, aspiration, self.loss)


class _Column:
    """An attribute of a :class:`Party`: its column of the model's :class:`PartyState`."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, party: Party | None, owner: type | None = None) -> np.ndarray:
        if party is None:
            return self
        return getattr(party.model.party_state, self.name)[:, party.index]

    def __set__(self, party: Party, values: np.ndarray) -> None:
        getattr(party.model.party_state, self.name)[:, party.index] = values


class Party(mesa.Agent):
    """An actor with preferences over packages.

    Each attribute is a view of the party's column of the model's :class:`PartyState`, over
    the replicates still bargaining: scalars per replicate (``capability``, ``patience``, ...)
    have shape (R,), per-dimension ones (``ideal``, ``salience``) shape (R, D), and ``belief``
    and ``leaning`` (R, B) on the battlefield dimensions.
    """

    capability = _Column()
    patience = _Column()
    loss = _Column()
    war_cost = _Column()
    optimism = _Column()
    learning = _Column()
    horizon = _Column()
    reservation_value = _Column()
    style = _Column()
    beta = _Column()
    ideal = _Column()
    salience = _Column()
    belief = _Column()
    leaning = _Column()

    def __init__(self, model: NegotiationModel, party_id: str, index: int):
        super().__init__(model)
        self.party_id = party_id
        self.index = index

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
