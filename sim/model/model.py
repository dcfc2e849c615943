"""The negotiation model: one block of replicates, advanced one round per step.

A round (DESIGN.md §3): events fire; the war moves the battlefield issues' status quo and every
party learns from what it saw; each party values no deal, sets its aspiration and its demand;
the protocol puts a text on the table; the parties respond; a ratified text is a deal and ends
that replicate. At the last round, replicates without a deal end on the status quo — or, under
a protocol that forecasts rather than bargains (``expected_utility``, ``compromise``), on its
forecast. The model does not know which protocol runs: every protocol goes through the same
calls (:mod:`sim.model.protocols.base`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mesa
import numpy as np

from sim.errors import UserError
from sim.model import equations as eq
from sim.model.dynamics import Battlefield
from sim.model.events import Events
from sim.model.party import Party, PartyState
from sim.model.protocols import PROTOCOLS, Round
from sim.model.protocols.base import ACCEPT_TOLERANCE
from sim.model.replicates import Binding, ReplicatesLast, ReplicateState
from sim.scenario.sampling import (
    STREAM_BATTLEFIELD,
    STREAM_EVENTS,
    STREAM_MESA,
    STREAM_PROTOCOL,
    Draws,
    stream,
)
from sim.scenario.schema import Scenario
from sim.scenario.units import Layout


class Outcomes:
    """What each replicate of the block ends with (full block size, block order).

    Packages have one column per model dimension (:class:`~sim.scenario.units.Layout`).
    ``forecast`` is set when the protocol forecasts an outcome instead of reaching deals: then
    ``deal``, ``round`` and ``accepted`` have no meaning (null in the results).
    """

    def __init__(
        self,
        size: int,
        n_dimensions: int,
        n_parties: int,
        event_names: list[str],
        forecast: bool = False,
    ):
        self.forecast = forecast
        self.deal = np.zeros(size, dtype=bool)
        self.round = np.zeros(size, dtype=np.int64)  # 0: no deal
        self.package = np.zeros((size, n_dimensions))
        self.utility = np.zeros((size, n_parties))
        self.payoff = np.zeros((size, n_parties))
        self.accepted = np.zeros((size, n_parties), dtype=bool)
        self.status_quo = np.zeros((size, n_dimensions))
        self.compromise = np.zeros((size, n_dimensions))
        self.fired = {name: np.zeros(size, dtype=bool) for name in event_names}


class NegotiationModel(mesa.Model, ReplicateState):
    """A block of replicates of one scenario as one Mesa model.

    Parties are :class:`~sim.model.party.Party` agents whose arrays have a leading replicate
    axis; the protocol is an object the model calls. Replicates that reach a deal are dropped
    from every array (``rows`` maps the remaining ones to their block positions) and stop
    changing. A single replicate is a block of one: there is no other code path.
    """

    replicate_fields = ("rows", "status_quo", "table", "war_costs")
    status_quo = ReplicatesLast()
    table = ReplicatesLast()
    war_costs = ReplicatesLast()

    def __init__(
        self,
        scenario: Scenario,
        draws: Draws,
        block_seq: np.random.SeedSequence,
        *,
        record_rounds: bool = False,
    ):
        super().__init__(rng=stream(block_seq, STREAM_MESA))
        # Not `self.scenario`: Mesa 3.5 reserves that name for its own Scenario objects.
        self.negotiation = scenario
        self.issue_ids = list(scenario.issues)
        self.party_ids = list(scenario.parties)
        self.layout = Layout.of(scenario.issues)
        self.units = self.layout.units
        dimensions = self.layout.dimensions
        size = len(draws.values[f"parties.{self.party_ids[0]}.capability"])
        self.size = size
        self.round = 0
        self.rows = np.arange(size)
        self.status_quo = np.zeros((size, len(dimensions)))
        for iid, issue in scenario.issues.items():
            if issue.shares is not None and issue.status_quo is not None:
                for pid, amount in issue.status_quo.items():
                    column = self.layout.column(iid, pid)
                    self.status_quo[:, column] = self.units[iid].to_internal(amount)
        self.battlefield = Battlefield(
            [d.issue if d.party is None else None for d in dimensions],
            np.array([scenario.issues[d.issue].battlefield for d in dimensions]),
            np.array([d.units.width for d in dimensions]),
            size,
        )
        front = np.flatnonzero(self.battlefield.moving)
        self.party_state = PartyState(self.layout, self.party_ids, size, front)
        self.parties = [Party(self, pid, n) for n, pid in enumerate(self.party_ids)]
        self.events = Events(scenario.events, size)
        kind = scenario.protocol.kind
        if kind not in PROTOCOLS:
            raise UserError(f"protocol {kind!r} is not available in this version of negsim")
        self.protocol = PROTOCOLS[kind](self, scenario.protocol, stream(block_seq, STREAM_PROTOCOL))
        self.war_rng = stream(block_seq, STREAM_BATTLEFIELD)
        self.event_rng = stream(block_seq, STREAM_EVENTS)

        self._derived: dict[str, Any] = {}
        self.bindings = self._bindings()
        everyone = np.arange(size)
        for path, values in draws.values.items():
            self.bindings[path].assign(everyone, values)

        self.table = self.status_quo.copy()
        self.war_costs = np.zeros((size, len(self.parties)))  # borne so far, per party
        drift = self.battlefield.expected_drift(self.status_quo)
        self.party_state.form_belief(drift, self.battlefield.scale, self.status_quo)
        self.outcomes = Outcomes(
            size, len(dimensions), len(self.parties), self.events.names, self.protocol.forecast
        )
        parties = self.party_state
        self.outcomes.compromise[:] = eq.compromise(
            parties.capability[..., None], parties.salience, parties.ideal, fallback=self.status_quo
        )
        self.last = self.protocol.rounds(scenario.rounds)
        self.running = self.last > 0
        self.record_rounds = record_rounds
        self.last_round: dict[str, np.ndarray] = {}
        if record_rounds:
            self.datacollector = mesa.DataCollector(
                model_reporters={"round": lambda model: model.last_round}
            )

    def _bindings(self) -> dict[str, Binding]:
        paths = {
            f"issues.{iid}.status_quo": Binding(self, "status_quo", self.layout.column(iid))
            for iid, units in self.units.items()
            if not units.is_shares
        }
        for party in self.parties:
            paths.update(party.bindings(self.layout))
        paths.update(self.battlefield.bindings())
        paths.update(self.events.bindings())
        paths.update(self.protocol.bindings())
        return paths

    def derived(self, name: str, compute: Callable[[], Any]) -> Any:
        """A value that depends on the parameters only, not on the round (every party's
        salience weights, say), or is set each round (what the parties make of the table):
        computed once and kept until the parameters change — an event fires, or replicates
        leave."""
        if name not in self._derived:
            self._derived[name] = compute()
        return self._derived[name]

    def stack(self, attribute: str) -> np.ndarray:
        """One attribute of every party, parties on axis 1: (R, P) or (R, P, D) — the state
        itself, not a copy (read it, do not write to it)."""
        return getattr(self.party_state, attribute)

    def step(self) -> None:
        """One round for every replicate still bargaining."""
        self.round += 1
        t, last = self.round, self.last
        fired = self.events.fire(t, self.event_rng, self.bindings)
        for name, mask in fired.items():
            self.outcomes.fired[name][self.rows[mask]] = True
            if mask.any():
                self._derived.clear()

        parties = self.party_state
        self.war_costs += parties.war_cost
        if self.battlefield.active:
            moved = self.battlefield.advance(self.status_quo, self.war_rng)
            parties.learn(moved - self.status_quo)
            self.status_quo = moved

        weights = self.derived("weights", parties.weights)
        elapsed = t / last
        settled = self.derived(
            "settled loss", lambda: parties.settled_loss(self.status_quo, weights)
        )
        reservation = parties.reservation(self.status_quo, weights, settled)
        aspiration = parties.aspiration(reservation, elapsed)
        table_utility = self.derived("table utility", lambda: parties.utility(self.table, weights))
        demand = parties.demand(self.table, table_utility, aspiration)
        proposal = self.protocol.propose(
            Round(t, elapsed, self.table, self.status_quo, weights, reservation, aspiration, demand)
        )
        if proposal.aspiration is not None:  # the protocol's own thresholds (e.g. rational play)
            aspiration = proposal.aspiration
        accepted = proposal.utility >= aspiration - ACCEPT_TOLERANCE
        deal = self.protocol.ratified(accepted)
        self.table = proposal.package
        self._derived["table utility"] = proposal.utility  # for the next round
        self.outcomes.accepted[self.rows] = accepted
        if self.record_rounds:
            self.last_round = {
                "round": t,
                "rows": self.rows,
                "fired": fired,
                "status_quo": self.status_quo,
                "text": proposal.package,
                "utility": proposal.utility,
                "reservation": reservation,
                "aspiration": aspiration,
                "demand": demand,
                "accepted": accepted,
                "deal": deal,
                "detail": proposal.detail,
            }
            self.datacollector.collect(self)

        if deal.any():
            self._settle(np.flatnonzero(deal), proposal.package[deal], proposal.utility[deal])
        if t >= last:
            self._end_without_deal(np.flatnonzero(~deal), weights)
        elif deal.any():
            self.keep(np.flatnonzero(~deal))
        self.running = t < last and len(self.rows) > 0

    def _settle(self, index: np.ndarray, package: np.ndarray, utility: np.ndarray) -> None:
        """Record deals at positions ``index`` of the current arrays."""
        rows, out = self.rows[index], self.outcomes
        out.deal[rows] = True
        out.round[rows] = self.round
        out.package[rows] = package
        out.utility[rows] = utility
        patience = self.party_state.patience[index]
        out.payoff[rows] = eq.discounted(utility, patience, self.round)
        out.status_quo[rows] = self.status_quo[index]

    def _end_without_deal(self, index: np.ndarray, weights: np.ndarray) -> None:
        """At the last round: the status quo holds and every party bears the war costs of
        every round (at the rate in force in each, events included). Under a forecasting
        protocol the outcome is its forecast instead, and the payoff its utility."""
        rows, out = self.rows[index], self.outcomes
        outcome = self.protocol.outcome(self.status_quo)
        utility = self.party_state.utility(outcome, weights)[index]
        out.package[rows] = outcome[index]
        out.status_quo[rows] = self.status_quo[index]
        out.utility[rows] = utility
        out.payoff[rows] = utility if out.forecast else utility - self.war_costs[index]

    def keep(self, index: np.ndarray) -> None:
        """Drop every replicate but those at ``index`` from the model and all its parts."""
        super().keep(index)
        self._derived.clear()
        for part in (self.party_state, self.battlefield, self.events, self.protocol):
            part.keep(index)

    def run(self) -> Outcomes:
        """Run every round (or until every replicate has a deal); the block's outcomes."""
        if self.last == 0:  # a one-shot protocol: its outcome before any round
            self._end_without_deal(np.arange(len(self.rows)), self.party_state.weights())
        while self.running:
            self.step()
        return self.outcomes
