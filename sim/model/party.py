"""The parties: Mesa agents that act phase by phase, over every replicate of a block at once.

Each party's state is one column of the block's stacked arrays (:class:`PartyState`: parties
on axis 1, stored replicates-last so that one party's column is contiguous); a
:class:`Party` reads and writes its own column through its attributes, which are views, and
acts through its methods, which the model calls on the AgentSet phase by phase
(:meth:`NegotiationModel.step`): bear the war, observe it, value no deal, set an aspiration,
make a demand, respond to the text on the table.

The same behaviour (:class:`PartyBehaviour`) runs a second time on a **public view** of each
party: its public stances (positions, salience, capability, loss, concession style) as they are,
and its private ones — costs, patience, resolve, deadline, optimism, learning, beta,
reciprocity, outside option — at the scenario's central values. That is what a mediator or a
proposer can know of a party without reading its mind (docs/model.md §3.9).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.bargaining.solutions import Preferences
from sim.bargaining.space import PackageSpace
from sim.bargaining.utility import salience_weights, utility
from sim.model import equations as eq
from sim.model.replicates import Binding, ReplicatesLast, ReplicateState
from sim.scenario.schema import CONCESSION_STYLES, DEFAULT_BETA, Concession, drawn_fields
from sim.scenario.schema import Party as PartySettings

if TYPE_CHECKING:
    from sim.scenario.units import Layout

HARDLINER = CONCESSION_STYLES.index("hardliner")
RATIONAL = CONCESSION_STYLES.index("rational")
DEFAULT_BETAS = np.array([DEFAULT_BETA[style] for style in CONCESSION_STYLES])
ACCEPT_TOLERANCE = 1e-9
"""Utilities within this of an aspiration count as meeting it (rounding, not leniency)."""

PARAMETERS = (*drawn_fields(PartySettings), "style", *drawn_fields(Concession))
"""A party's parameters, one value per replicate: the schema's drawn fields and the style."""
PER_DIMENSION = ("ideal", "salience", "weights")
PER_REGIME = ("regime_ideal", "regime_weights")
STATE = ("belief", "leaning", "line", "borne", "lost", "payoff", "insistence", "endurance")
STATE += ("reservation",)
STATE += ("aspiration", "demand")
PRIVATE = frozenset(PARAMETERS) - {"capability", "loss", "style"}
"""What only the party knows of itself; the public view takes these at central values."""


class PartyState(ReplicateState):
    """Every party's arrays over the replicates still bargaining, parties on axis 1.

    Parameters and scalars per replicate and party are (R, P); ``ideal``, ``salience`` and the
    salience ``weights`` (R, P, D), one dimension per scale or option issue and per named party
    of a shares issue (:class:`~sim.scenario.units.Layout`); ``belief`` and ``leaning`` (R, P, B)
    on the B battlefield dimensions (the ``front``); ``demand`` (R, P, D). ``counted`` (P, D)
    says which dimensions each party's utility counts (not the other parties' shares).

    Where the package ``space`` has interactions, ``regime_ideal`` and ``regime_weights``
    (R, P, G, D) are the ideals and weights under each of its G regimes, and a package is
    valued with those of its own regime (:meth:`preferences`).
    """

    replicate_fields = (*PARAMETERS, *PER_DIMENSION, *STATE, *PER_REGIME)

    def __init__(
        self,
        layout: Layout,
        party_ids: list[str],
        size: int,
        front: np.ndarray,
        space: PackageSpace,
    ):
        n_parties, n_dims = len(party_ids), len(layout)
        self.front = front
        self.space = space
        self.settled = np.setdiff1d(np.arange(n_dims), front)  # the dimensions the war leaves
        self.counted = np.asfortranarray([layout.stake(pid) for pid in party_ids])  # (P, D)
        for name in (*PARAMETERS, "borne", "lost", "payoff", "reservation", "aspiration"):
            setattr(self, name, np.zeros((size, n_parties)))
        self.style = np.zeros((size, n_parties), dtype=np.int64)
        self.insistence = np.ones((size, n_parties))
        self.endurance = np.full((size, n_parties), np.nan)  # the costs it will bear
        self.ideal = np.zeros((size, n_parties, n_dims))
        self.salience = np.zeros((size, n_parties, n_dims))
        self.weights = np.zeros((size, n_parties, n_dims))
        self.demand = np.zeros((size, n_parties, n_dims))
        self.belief = np.zeros((size, n_parties, len(front)))
        self.leaning = np.zeros((size, n_parties, len(front)))
        self.line = np.zeros((size, n_parties, len(front)))  # the front as the talks began
        self._share_ideals(layout, party_ids)

    def _share_ideals(self, layout: Layout, party_ids: list[str]) -> None:
        """On a shares issue a party's ideal is all of it: share 1 for itself, 0 for the others.
        A party not among the sharers does not care; its ideal is an equal split."""
        for iid, units in layout.units.items():
            if units.has_position:
                continue
            for n, party in enumerate(party_ids):
                for k, pid in zip(layout.columns(iid), units.shares, strict=True):
                    if party in units.shares:
                        self.ideal[:, n, k] = float(pid == party)
                    else:
                        self.ideal[:, n, k] = 1.0 / len(units.shares)

    def refresh_preferences(self) -> None:
        """``w_ik``: salience over the dimensions each party's utility counts, normalised —
        and under each regime of the space's interactions, the ideals and weights there
        (again after an event sets a salience or a position)."""
        self.weights = salience_weights(self.salience * self.counted)
        if self.space.n_regimes > 1:
            ideal, salience = self.space.under_regimes(self.ideal, self.salience)
            self.regime_ideal = ideal
            self.regime_weights = salience_weights(salience * self.counted[:, None, :])

    def preferences(
        self, packages: np.ndarray, index: np.ndarray | slice = slice(None)
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every party's ideal and weights (R, P, D) as it values one package per replicate
        (R, D): those of the package's regime — of the replicates at ``index`` when given."""
        if self.space.n_regimes == 1:
            return self.ideal[index], self.weights[index]
        regime = self.space.regime_of(packages)
        rows = np.arange(len(packages))
        return (
            self.regime_ideal[index][rows, :, regime],
            self.regime_weights[index][rows, :, regime],
        )

    def bargaining_preferences(self) -> Preferences:
        """Every party's preferences as the exact machinery reads them: under each regime
        where the space has interactions."""
        if self.space.n_regimes == 1:
            return Preferences(self.ideal, self.weights, self.loss)
        return Preferences(self.regime_ideal, self.regime_weights, self.loss)

    def utility(self, packages: np.ndarray, index: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Every party's utility (R, P) of one package per replicate (R, D) — of the replicates
        at ``index`` when given."""
        ideal, weights = self.preferences(packages, index)
        return utility(packages[:, None, :], ideal, weights, self.loss[index])


for _name in PartyState.replicate_fields:
    setattr(PartyState, _name, ReplicatesLast())
    PartyState.__dict__[_name].__set_name__(PartyState, _name)


class _Column:
    """An attribute of a party: its column of its :class:`PartyState`, read and written in the
    state's stored layout (parties, then replicates last) and seen replicate-leading."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = PartyState.__dict__[name].slot

    def __get__(self, party: PartyBehaviour | None, owner: type | None = None) -> np.ndarray:
        if party is None:
            return self
        return getattr(party.state, self.slot)[..., party.index, :].T

    def __set__(self, party: PartyBehaviour, values: np.ndarray) -> None:
        getattr(party.state, self.slot)[..., party.index, :] = np.asarray(values).T


class PartyBehaviour:
    """How a party acts in a round, on its column ``index`` of a :class:`PartyState`. Every
    attribute is an array over the replicates still bargaining: scalars (R,), per-dimension
    values (R, D), beliefs (R, B)."""

    state: PartyState
    index: int

    def preferences(
        self, packages: np.ndarray, rows: np.ndarray | slice = slice(None)
    ) -> tuple[np.ndarray, np.ndarray]:
        """Its ideal and weights (R, D) as it values one package per replicate (R, D), for the
        replicates at ``rows``: those of the package's regime (:meth:`PartyState.preferences`)."""
        if self.state.space.n_regimes == 1:
            return self.ideal[rows], self.weights[rows]
        ideal, weights = self.state.preferences(packages, rows)
        return ideal[:, self.index], weights[:, self.index]

    def weigh(self, package: np.ndarray) -> np.ndarray:
        """Its utility (R,) of one package per replicate (R, D)."""
        return utility(package, *self.preferences(package), self.loss)

    def hold_the_line(self, status_quo: np.ndarray) -> None:
        """Where the front stands as the talks begin: the ground it may lose is counted from
        here."""
        self.line = status_quo[:, self.state.front]

    def front_loss(self, front: np.ndarray, status_quo: np.ndarray) -> np.ndarray:
        """What a front (R, B) costs it in utility (R,): ``Σ_k w_k·|q_k − x_k|^p`` over the
        battlefield issues, with its weights as they are now under the ``status_quo``."""
        columns = self.state.front
        ideal, weights = self.preferences(status_quo)
        return 1.0 - utility(front, ideal[:, columns], weights[:, columns], self.loss)

    def bear_the_war(self, round_: int, status_quo: np.ndarray) -> None:
        """Round ``round_`` of war: the status quo held for a round, its cost paid, both added
        to the welfare account discounted to now (docs/model.md §3.8); and it feels the war
        (:meth:`feel_the_war`)."""
        flow = eq.impasse_flow(self.weigh(status_quo), self.war_cost, self.patience)
        self.payoff = self.payoff + eq.discount(self.patience, round_ - 1) * flow
        self.feel_the_war(status_quo)

    def feel_the_war(self, status_quo: np.ndarray) -> None:
        """The cost borne and the ground lost since the talks began: the pressure on it (§3.6).
        All a public view takes of a round of war — the welfare account is the party's own."""
        self.borne = self.borne + self.war_cost
        now = self.front_loss(status_quo[:, self.state.front], status_quo)
        self.lost = eq.ground_lost(self.front_loss(self.line, status_quo), now)

    def observe_war(self, moved: np.ndarray) -> None:
        """Move the believed drift toward the movement of the front it just saw (R, B)."""
        self.belief = eq.update_belief(self.belief, moved, self.learning[:, None])

    def form_belief(self, drift: np.ndarray, optimism_scale: np.ndarray, status_quo) -> None:
        """The first belief about the drift: the true drift (R, B) plus optimism in its favour,
        toward its ideal (``leaning``: ±1 or 0 per battlefield dimension, in model units per
        unit of optimism)."""
        front = self.state.front
        ideal, _ = self.preferences(status_quo)
        toward = np.sign(ideal[:, front] - status_quo[:, front])
        self.leaning = toward * optimism_scale[front]
        self.belief = drift + self.optimism[:, None] * self.leaning

    def impasse(
        self,
        position: np.ndarray,
        status_quo: np.ndarray,
        drift: np.ndarray,
        volatility: np.ndarray,
        rows=slice(None),
    ) -> np.ndarray:
        """The value (R,) of the war going on from here, the front at ``position`` (R, B)
        moving with ``drift`` (R, B) — its own belief, or the truth — and ``volatility``: for
        the replicates at ``rows`` (every argument is theirs)."""
        state = self.state
        front, settled = state.front, state.settled
        ideal, weights = self.preferences(status_quo, rows)
        loss = self.loss[rows]
        patience, war_cost = self.patience[rows], self.war_cost[rows]
        held = utility(status_quo[:, settled], ideal[:, settled], weights[:, settled], loss)
        expected = eq.expected_front_loss(
            position, drift, volatility, (1.0 - patience)[:, None], ideal[:, front], loss[:, None]
        )
        value = held - (weights[:, front] * expected).sum(axis=1)
        return eq.impasse_value(value, war_cost, patience)

    def value_no_deal(self, position, status_quo, volatility) -> None:
        """Its reservation value: the better of fighting on as it sees the war and its outside
        option."""
        impasse = self.impasse(position, status_quo, self.belief, volatility)
        self.reservation = eq.reservation_value(impasse, self.reservation_value)
        endurance = self.endurance
        unset = np.isnan(endurance) & ((self.war_cost > 0) | (self.lost > 0))
        if unset.any():  # its resolve, fixed as it first feels the war: as given, or its prospect
            prospect = eq.prospect(impasse, self.war_cost, self.patience)
            resolve = np.where(np.isnan(self.resolve), prospect, self.resolve)
            np.copyto(endurance, resolve, where=unset)

    def set_aspiration(self, round_: int, others_conceded: np.ndarray) -> None:
        """Its aspiration this round: the reservation value plus the share of the way to its
        ideal it still insists on, given the pressure on it — costs borne and ground lost
        against its resolve,
        its own deadline — and how far the others have conceded (``others_conceded`` (R,))."""
        with np.errstate(divide="ignore", invalid="ignore"):
            felt = self.borne + self.lost
            spent = np.where(felt > 0, felt / self.endurance, 0.0)
            late = np.where(np.isnan(self.deadline), 0.0, round_ / self.deadline)
        pressure = np.maximum(spent, late)
        pressure[np.isnan(pressure)] = 0.0  # no resolve formed yet: no pressure (∞ clips to 1)
        h = eq.insistence(pressure, self.beta, self.opening, others_conceded, self.reciprocity)
        h = np.where(self.style == HARDLINER, 1.0, np.where(self.style == RATIONAL, 0.0, h))
        self.insistence = np.minimum(h, self.insistence)  # concessions are not taken back
        self.aspiration = eq.aspiration(self.reservation, self.insistence)

    def make_demand(self, table: np.ndarray) -> None:
        """Its demand: on the way from its ideal toward the table, as far as its aspiration
        lets it come."""
        ideal, _ = self.preferences(self.ideal)  # its ideal package: its own regime's ideal
        self.demand = eq.demand(ideal, table, self.weigh(table), self.aspiration, self.loss)

    def respond(self, utility: np.ndarray, threshold: np.ndarray) -> np.ndarray:
        """Whether it accepts the text (R,): iff the text is worth its threshold — its
        aspiration, or what the protocol makes it (a rational responder's continuation value).
        ``utility`` and ``threshold`` are every party's (R, P)."""
        n = self.index
        return utility[:, n] >= threshold[:, n] - ACCEPT_TOLERANCE


for _name in PartyState.replicate_fields:
    setattr(PartyBehaviour, _name, _Column())
    PartyBehaviour.__dict__[_name].__set_name__(PartyBehaviour, _name)


class Party(PartyBehaviour, mesa.Agent):
    """An actor with preferences over packages: a Mesa agent whose attributes are views of its
    column of the model's :class:`PartyState`."""

    def __init__(self, model: mesa.Model, party_id: str, index: int, state: PartyState):
        super().__init__(model)
        self.party_id = party_id
        self.index = index
        self.state = state


class PublicView(PartyBehaviour):
    """A party as the others can know it (the module's docstring): its public stances as they
    are, its private parameters at the scenario's central values, its beliefs about the war
    formed and revised from what everyone sees."""

    def __init__(self, party_id: str, index: int, state: PartyState):
        self.party_id = party_id
        self.index = index
        self.state = state


def party_bindings(party: PartyBehaviour, layout: Layout) -> dict[str, Binding]:
    """The parameter paths of a party and where each lives in its state."""
    base = f"parties.{party.party_id}"
    state, n = party.state, party.index
    paths = {f"{base}.{name}": Binding(state, name, (n,)) for name in drawn_fields(PartySettings)}
    paths[f"{base}.optimism"] = _OptimismBinding(state, "optimism", (n,))
    paths[f"{base}.concession.style"] = _StyleBinding(state, "style", (n,))
    for name in drawn_fields(Concession):
        paths[f"{base}.concession.{name}"] = Binding(state, name, (n,))
    for iid, units in layout.units.items():
        columns = tuple(layout.columns(iid))
        if units.has_position:
            paths[f"{base}.positions.{iid}"] = Binding(state, "ideal", (n, columns[0]))
        paths[f"{base}.salience.{iid}"] = Binding(state, "salience", (n, columns))
    return paths


class _OptimismBinding(Binding):
    """Optimism set by an event shifts the party's current belief by the change."""

    def assign(self, rows: np.ndarray, values: np.ndarray) -> None:
        state, (n,) = self.owner, self.index
        change = values - state.optimism[rows, n]
        state.belief[rows, n] += change[:, None] * state.leaning[rows, n]
        super().assign(rows, values)


class _StyleBinding(Binding):
    """A concession style set by an event brings its default beta (an event that also sets
    ``concession.beta`` applies it after the style)."""

    def assign(self, rows: np.ndarray, values: np.ndarray) -> None:
        super().assign(rows, values)
        state, (n,) = self.owner, self.index
        state.beta[rows, n] = DEFAULT_BETAS[state.style[rows, n]]
