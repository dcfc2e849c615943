"""The negotiation model: one block of replicates, advanced one round per Mesa step.

A round (docs/model.md §2): events fire; the war moves the front and every party bears the
round on its welfare account and learns from what it saw; each party values no deal, sets its
aspiration and its demand; the protocol puts a text on the table; the parties respond; a
ratified text is a deal and ends that replicate, and otherwise the talks may break down. The
window ``rounds`` only says how long we watch: what happens in round t never depends on it.
Each round also records whether a zone of agreement exists — objectively, as the parties see
it, as the public sees it — until it first does; each replicate's end records the zones, the
Nash bargaining solution and, for a deal, whether it would last.

The model does not know which protocol runs: every protocol goes through the same calls
(:mod:`sim.model.protocols.base`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import mesa
import numpy as np

from sim.bargaining.solutions import Solver
from sim.bargaining.utility import compromise
from sim.errors import UserError
from sim.model.dynamics import Battlefield
from sim.model.events import Events
from sim.model.party import (
    ACCEPT_TOLERANCE,
    PRIVATE,
    Party,
    PartyState,
    PublicView,
    party_bindings,
)
from sim.model.protocols import PROTOCOLS
from sim.model.protocols.base import PartyArrays, ProtocolContext, Round
from sim.model.replicates import Binding, ReplicateState
from sim.scenario.sampling import (
    STREAM_BATTLEFIELD,
    STREAM_BREAKDOWN,
    STREAM_EVENTS,
    STREAM_MESA,
    STREAM_PROTOCOL,
    BlockStreams,
    Draws,
    stream,
)
from sim.scenario.schema import Scenario
from sim.scenario.units import Layout

END_WINDOW, END_DEAL, END_BREAKDOWN = range(3)
END_NAMES = ("window", "deal", "breakdown")
ZONES = ("objective", "perceived", "public")
"""The zones of agreement recorded: with the parties' true reservation values (the war as it
really goes), with their own (as each sees it), and with their public views'."""


class Outcomes:
    """What each replicate of the block ends with (full block size, block order).

    Packages have one column per model dimension (:class:`~sim.scenario.units.Layout`).
    ``forecast`` is set when the protocol forecasts an outcome instead of reaching deals: then
    ``deal``, ``round`` and ``accepted`` have no meaning (null in the results). ``zone_first``
    (R, 3) is the first round with each zone (0: none), ``zone_end`` whether each exists when
    the replicate ends; ``nash`` the Nash bargaining solution then (NaN where there is no zone),
    ``durable`` whether a deal lies inside the zone should the war restart from it.
    """

    def __init__(self, size: int, n_dims: int, n_parties: int, events: list[str], forecast):
        self.forecast = forecast
        self.deal = np.zeros(size, dtype=bool)
        self.round = np.zeros(size, dtype=np.int64)  # the round it ended in
        self.end = np.zeros(size, dtype=np.int64)
        self.package = np.zeros((size, n_dims))
        self.utility = np.zeros((size, n_parties))
        self.payoff = np.zeros((size, n_parties))
        self.reservation = np.full((size, n_parties), np.nan)
        self.accepted = np.zeros((size, n_parties), dtype=bool)
        self.status_quo = np.zeros((size, n_dims))
        self.compromise = np.zeros((size, n_dims))
        self.nash = np.full((size, n_dims), np.nan)
        self.durable = np.zeros(size, dtype=bool)
        self.zone_first = np.zeros((size, len(ZONES)), dtype=np.int64)
        self.zone_end = np.zeros((size, len(ZONES)), dtype=bool)
        self.fired = {name: np.zeros(size, dtype=bool) for name in events}


class NegotiationModel(mesa.Model, ReplicateState):
    """A block of replicates of one scenario as one Mesa model — or several blocks as one, each
    drawing its random numbers from its own streams (``block_seqs``, in the order of the
    draws' rows).

    Parties are :class:`~sim.model.party.Party` agents whose arrays cover every replicate of
    the block; the protocol is an object the model calls. Replicates that end are dropped from
    every array (``rows`` maps the remaining ones to their block positions) and stop changing.
    Mesa's step counter is the round; a single replicate is a block of one.
    """

    replicate_fields = ("rows", "status_quo", "position", "table", "offset")

    def __init__(
        self,
        scenario: Scenario,
        draws: Draws,
        block_seqs: Sequence[np.random.SeedSequence],
        *,
        record_rounds: bool = False,
    ):
        super().__init__(rng=stream(block_seqs[0], STREAM_MESA))  # Mesa's own: not drawn from
        # Not `self.scenario`: Mesa 3.5 reserves that name for its own Scenario objects.
        self.negotiation = scenario
        self.party_ids = list(scenario.parties)
        self.layout = layout = Layout.of(scenario.issues)
        self.space = layout.package_space(
            scenario.links, scenario.inert_issues, scenario.interactions, self.party_ids
        )
        size = len(draws.values[f"parties.{self.party_ids[0]}.capability"])
        self.size = size
        self.rows = np.arange(size)
        self.status_quo = np.zeros((size, len(layout)))
        for iid, issue in scenario.issues.items():
            if issue.shares is not None and issue.status_quo is not None:
                for pid, amount in issue.status_quo.items():
                    column = layout.column(iid, pid)
                    self.status_quo[:, column] = layout.units[iid].to_internal(amount)
        dimensions = layout.dimensions
        self.battlefield = Battlefield(
            [d.issue if d.party is None else None for d in dimensions],
            np.array([scenario.issues[d.issue].battlefield for d in dimensions]),
            np.array([d.units.width for d in dimensions]),
            size,
        )
        self.front = np.flatnonzero(self.battlefield.moving)
        self.party_state = PartyState(layout, self.party_ids, size, self.front, self.space)
        self.public_state = PartyState(layout, self.party_ids, size, self.front, self.space)
        for n, pid in enumerate(self.party_ids):
            Party(self, pid, n, self.party_state)
        self.public = [
            PublicView(pid, n, self.public_state) for n, pid in enumerate(self.party_ids)
        ]
        self.events = Events(scenario.events, size)
        self.protocol = self._protocol(scenario, block_seqs)
        self.war_rng = BlockStreams(block_seqs, STREAM_BATTLEFIELD)
        self.event_rng = BlockStreams(block_seqs, STREAM_EVENTS)
        self.breakdown_rng = BlockStreams(block_seqs, STREAM_BREAKDOWN)

        self.bindings, self.public_bindings = self._bindings()
        everyone = np.arange(size)
        for path, values in draws.values.items():
            self.bindings[path].assign(everyone, values)
        for path, values in draws.values.items():
            if path in self.public_bindings:
                known = draws.central[path] if _is_private(path) else values
                self.public_bindings[path].assign(everyone, known)
        for n, (event, target) in enumerate(self.events.targets):  # what the public learns
            path = f"events.{event.name}.set.{target}"
            known = draws.central if _is_private(target) else draws.values
            self.events.central[:, n] = known[path]

        self.party_state.refresh_preferences()
        self.public_state.refresh_preferences()
        self.position = self.status_quo.copy()  # the war's position (the front is its clip)
        self.table = self.status_quo.copy()
        self.offset = np.zeros((size, len(self.party_ids)))  # what responses have shown
        drift = self.battlefield.expected_drift(self.status_quo)[:, self.front]
        for party in (*self.agents, *self.public):
            party.form_belief(drift, self.battlefield.scale, self.status_quo)
            party.hold_the_line(self.status_quo)
        self._solver: Solver | None = None
        self.outcomes = Outcomes(
            size, len(layout), len(self.party_ids), self.events.names, self.protocol.forecast
        )
        state = self.party_state
        self.outcomes.compromise[:] = compromise(
            state.capability[..., None], state.salience, state.ideal, fallback=self.status_quo
        )
        self.last = self.protocol.rounds(scenario.rounds)
        self.running = self.last > 0
        self.record_rounds = record_rounds
        self._record: dict[str, Any] = {}
        if record_rounds:
            self.datacollector = mesa.DataCollector(
                model_reporters={name: _reporter(name) for name in _MODEL_RECORDS},
                agent_reporters={
                    "reservation": lambda p: p.reservation.copy(),
                    "aspiration": lambda p: p.model._record["threshold"][:, p.index].copy(),
                    "insistence": lambda p: p.insistence.copy(),
                    "demand": lambda p: p.demand.copy(),
                    "believed": lambda p: p.model._record["believed"][:, p.index].copy(),
                    "utility": lambda p: p.model._record["utility"][:, p.index].copy(),
                    "accepted": lambda p: p.model._record["accepted"][:, p.index].copy(),
                },
            )

    # --- building ---------------------------------------------------------------------------

    def _protocol(self, scenario: Scenario, block_seqs: Sequence[np.random.SeedSequence]):
        kind = scenario.protocol.kind
        if kind not in PROTOCOLS:
            raise UserError(f"protocol {kind!r} is not available in this version of negsim")
        veto = set(scenario.veto_holders)
        rule = getattr(scenario.protocol, "ratification", "veto")
        quota = None if isinstance(rule, str) else rule.quota
        everyone = rule == "unanimity" or (not veto and quota is None)
        ratifiers = np.array([everyone or p in veto for p in self.party_ids])
        counted = np.ones(len(self.party_ids), dtype=bool) if quota else ratifiers
        context = ProtocolContext(
            self.party_ids,
            np.array([p in veto for p in self.party_ids]),
            ratifiers,
            counted,
            quota,
            self.layout,
            self.space,
            self.size,
            BlockStreams(block_seqs, STREAM_PROTOCOL),
        )
        return PROTOCOLS[kind](scenario.protocol, context)

    def _bindings(self) -> tuple[dict[str, Binding], dict[str, Binding]]:
        """Where each parameter path lives — and, for the parties' parameters, where it lives
        in their public views."""
        paths = {
            f"issues.{iid}.status_quo": Binding(self, "status_quo", (self.layout.column(iid),))
            for iid, units in self.layout.units.items()
            if units.has_position
        }
        for party in self.agents:
            paths.update(party_bindings(party, self.layout))
        paths.update(self.battlefield.bindings())
        paths.update(self.events.bindings())
        paths.update(self.protocol.bindings())
        public = {}
        for view in self.public:
            public.update(party_bindings(view, self.layout))
        return paths, public

    # --- what the parts need -----------------------------------------------------------------

    @property
    def solver(self) -> Solver:
        """The exact machinery over the package space for the current replicates' preferences
        (rebuilt when an event changes them)."""
        if self._solver is None:
            self._solver = Solver(self.space, self.party_state.bargaining_preferences())
        return self._solver

    def parties_seen(self) -> PartyArrays:
        state = self.party_state
        return PartyArrays(
            state.capability,
            state.patience,
            state.loss,
            state.style,
            state.reservation,
            state.aspiration,
            state.ideal,
            state.salience,
            state.weights,
            state.demand,
            state.preferences,
        )

    def round_state(self, number: int) -> Round:
        public = self.public_state
        return Round(
            number,
            self.rows,
            self.table,
            self.status_quo,
            self.parties_seen(),
            public.aspiration + self.offset,
            public.reservation,
            self.solver,
            self.space,
        )

    def objective_reservation(
        self, index: np.ndarray, status_quo=None, position=None
    ) -> tuple[np.ndarray, ...]:
        """Impasse and reservation values (R, P) of the replicates at ``index`` as the war really
        goes (the true drift), from their current front — or from ``status_quo`` and
        ``position`` (theirs, (R, D))."""
        status_quo = self.status_quo[index] if status_quo is None else status_quo
        position = self.position[index] if position is None else position
        front = self.front
        drift = self.battlefield.expected_drift(status_quo, index)[:, front]
        volatility = self.battlefield.spread(index)[:, front]
        impasse = np.column_stack(
            self.agents.map(
                "impasse", position[:, front], status_quo, drift, volatility, rows=index
            )
        )
        reservation = np.fmax(impasse, self.party_state.reservation_value[index])
        return impasse, reservation

    # --- a round -------------------------------------------------------------------------------

    def step(self) -> None:
        """One round for every replicate still bargaining (Mesa counts the rounds)."""
        t = self.steps
        fired = self.events.fire(t, self.event_rng, self.bindings, self.public_bindings)
        for name, mask in fired.items():
            self.outcomes.fired[name][self.rows[mask]] = True
        if any(mask.any() for mask in fired.values()):
            self.party_state.refresh_preferences()
            self.public_state.refresh_preferences()
            self._solver = None

        self._fight(t)
        self._value_and_concede(t)
        state = self.round_state(t)
        proposal = self.protocol.propose(state)
        text = proposal.package
        utility = self.party_state.utility(text)
        thresholds = (
            self.party_state.aspiration if proposal.thresholds is None else proposal.thresholds
        )
        accepted = np.column_stack(self.agents.map("respond", utility, thresholds))
        deal = self.protocol.ratified(accepted, state)
        self._screen(utility, accepted)
        chance = self.breakdown_rng.random(self.size)[self.rows]
        broke = ~deal & (chance < self.protocol.breakdown)
        self._diagnose(t)
        self.outcomes.accepted[self.rows] = accepted
        self.table = text
        if self.record_rounds:
            self._record = {
                "round": t,
                "rows": self.rows.copy(),
                "fired": fired,
                "status_quo": self.status_quo.copy(),
                "text": text.copy(),
                "deal": deal.copy(),
                "detail": proposal.detail,
                "utility": utility,
                "accepted": accepted,
                "threshold": thresholds,
                "believed": state.believed_threshold,
            }
            self.datacollector.collect(self)

        if self.protocol.forecast:
            if t >= self.last:
                self._close(np.arange(len(self.rows)), END_WINDOW, self.protocol.outcome(state))
        else:
            self._close(np.flatnonzero(deal), END_DEAL, text)
            self._close(np.flatnonzero(broke), END_BREAKDOWN, self.status_quo)
            if t >= self.last:
                self._close(np.flatnonzero(~deal & ~broke), END_WINDOW, self.status_quo)
        ended = deal | broke if t < self.last else np.ones_like(deal)
        if ended.any():
            self.keep(np.flatnonzero(~ended))
        self.running = t < self.last and len(self.rows) > 0

    def _fight(self, t: int) -> None:
        """The war moves the front; every party bears the round and learns from it."""
        moved = None
        if self.battlefield.active:
            position = self.battlefield.advance(self.position, self.status_quo, self.war_rng)
            front = np.clip(position, 0.0, 1.0)
            moving = self.battlefield.moving
            moved = (front - self.status_quo)[:, self.front]
            self.status_quo[:, moving] = front[:, moving]
            self.position = position
        self.agents.do("bear_the_war", t, self.status_quo)
        for view in self.public:  # what the public expects each party to bear
            view.feel_the_war(self.status_quo)
        if moved is not None:
            for party in (*self.agents, *self.public):
                party.observe_war(moved)

    def _value_and_concede(self, t: int) -> None:
        """Each party — and each public view — values no deal, sets its aspiration and (the
        parties) its demand."""
        front = self.front
        position = self.position[:, front]
        volatility = self.battlefield.spread()[:, front]
        conceded = _others_conceded(self.party_state)  # before anyone moves this round
        self.agents.do("value_no_deal", position, self.status_quo, volatility)
        self.agents.do(lambda party: party.set_aspiration(t, conceded[:, party.index]))
        self.agents.do("make_demand", self.table)
        conceded = _others_conceded(self.public_state)
        for view in self.public:
            view.value_no_deal(position, self.status_quo, volatility)
            view.set_aspiration(t, conceded[:, view.index])

    def _screen(self, utility: np.ndarray, accepted: np.ndarray) -> None:
        """What the responses show: a party that refused a text holds out for more than it
        (Admati & Perry 1987; Powell 1996), one that accepted for no more. The public's belief
        about each party's threshold moves to the text's value where the response says it
        must."""
        shown = utility - self.public_state.aspiration
        self.offset = np.where(
            accepted, np.minimum(self.offset, shown), np.maximum(self.offset, shown)
        )

    def _diagnose(self, t: int) -> None:
        """Record the first round with each zone of agreement, where there was none yet."""
        first = self.outcomes.zone_first[self.rows]
        if (first > 0).all():
            return
        counted = self.protocol.context.counted
        believed = (self.party_state.reservation, self.public_state.reservation)
        for kind in range(3):
            open_ = np.flatnonzero(first[:, kind] == 0)
            if not len(open_):
                continue
            if kind == 0:  # the true zone: valued only where it is still to be found
                _, reservation = self.objective_reservation(open_)
            else:
                reservation = believed[kind - 1][open_]
            exists = self.solver.rows(open_).zone(reservation, counted, self.status_quo[open_])
            self.outcomes.zone_first[self.rows[open_[exists]], kind] = t

    # --- the end of a replicate ---------------------------------------------------------------

    def _close(self, index: np.ndarray, how: int, packages: np.ndarray) -> None:
        """Record the end of the replicates at ``index`` (positions in the current arrays) on
        their ``packages`` (R, D) — a deal's text, the status quo (a breakdown, the end of the
        window) or a protocol's forecast — and what the bargaining range looked like then."""
        if not len(index):
            return
        out, rows, t = self.outcomes, self.rows[index], self.steps
        state = self.party_state
        status_quo = self.status_quo[index]
        impasse, reservation = self.objective_reservation(index, status_quo)
        package = packages[index]
        utility = state.utility(package, index)
        out.deal[rows] = how == END_DEAL
        out.end[rows] = how
        out.round[rows] = t
        out.package[rows] = package
        out.utility[rows] = utility
        if self.protocol.forecast:
            out.payoff[rows] = utility  # a forecast is not reached in time
        else:  # the rounds of war, then the deal's value or the war going on, from round t
            later = utility if how == END_DEAL else reservation
            out.payoff[rows] = state.payoff[index] + state.patience[index] ** t * later
        out.reservation[rows] = reservation
        out.status_quo[rows] = status_quo
        counted = self.protocol.context.counted
        solver = self.solver.rows(index)
        zones = (reservation, state.reservation[index], self.public_state.reservation[index])
        for kind, values in enumerate(zones):  # searched from the package: a deal is a witness
            out.zone_end[rows, kind] = solver.zone(values, counted, package)
        weights = self.protocol.nash_weights(self.round_state(t))[index]
        nash = solver.nash(impasse, weights, reservation, counted, status_quo)
        bargain = nash.package
        flat = ~nash.found & out.zone_end[rows, 0]
        if flat.any():  # a zone with no surplus for someone: its most even point
            even = solver.rows(np.flatnonzero(flat)).proportional(
                reservation[flat],
                np.ones_like(weights[flat]),
                counted,
                status_quo[flat],
            )
            bargain[flat] = even.package
        out.nash[rows] = np.where((nash.found | flat)[:, None], bargain, np.nan)
        if how == END_DEAL:
            out.durable[rows] = self._durable(index, package, utility)

    def _durable(self, index: np.ndarray, package: np.ndarray, utility: np.ndarray):
        """Whether each deal would hold should the war restart from it: every party a deal
        needs still values it at least at what fighting on from its line, under its terms,
        would give (Fearon 1995; Powell 2006)."""
        _, restart = self.objective_reservation(index, package, package)
        counted = self.protocol.context.counted
        return (utility >= restart - ACCEPT_TOLERANCE)[:, counted].all(axis=1)

    def keep(self, index: np.ndarray) -> None:
        """Drop every replicate but those at ``index`` from the model and all its parts."""
        super().keep(index)
        if self._solver is not None:
            self._solver = self._solver.rows(index)
        for part in (self.party_state, self.public_state, self.battlefield, self.events):
            part.keep(index)
        self.protocol.keep(index)

    def run(self) -> Outcomes:
        """Run every round (or until every replicate has ended); the block's outcomes."""
        if self.last == 0:  # a one-shot protocol: its forecast before any round
            state = self.round_state(0)
            self._close(np.arange(len(self.rows)), END_WINDOW, self.protocol.outcome(state))
            return self.outcomes
        self.run_model()
        return self.outcomes

    def round_records(self) -> list[dict[str, Any]]:
        """The rounds recorded by the DataCollector (``record_rounds``): per round, the model's
        values and every party's (R, P) or (R, P, D) arrays."""
        collector = self.datacollector
        model_vars = collector.model_vars
        agents = collector.get_agent_vars_dataframe()
        records = []
        for step in range(len(model_vars["round"])):
            record = {name: model_vars[name][step] for name in _MODEL_RECORDS}
            rows = agents.xs(step + 1, level="Step") if len(agents) else None
            for name in agents.columns:
                record[name] = np.stack(list(rows[name]), axis=1)
            records.append(record)
        return records


_MODEL_RECORDS = ("round", "rows", "fired", "status_quo", "text", "deal", "detail")


def _reporter(name: str):
    return lambda model: model._record[name]


def _others_conceded(state: PartyState) -> np.ndarray:
    """How far the other parties have conceded, capability-weighted (R, P): what reciprocity
    answers to."""
    conceded = (1.0 - state.insistence) * state.capability
    others = state.capability.sum(axis=1, keepdims=True) - state.capability
    return np.divide(
        conceded.sum(axis=1, keepdims=True) - conceded,
        others,
        out=np.zeros_like(others),
        where=others > 0,
    )


def _is_private(path: str) -> bool:
    """Whether a party's parameter path is one only the party knows (:data:`PRIVATE`)."""
    parts = path.split(".")
    if parts[0] != "parties" or len(parts) not in (3, 4):
        return False
    name = parts[3] if len(parts) == 4 and parts[2] == "concession" else parts[2]
    return name in PRIVATE
