"""The protocol interface: how a text gets on the table each round — a narrow waist.

A protocol is built from its settings and a :class:`ProtocolContext` (the parties' ids, who
must ratify, the package space and layout, its random generator), never from the model. Each
round it is handed a :class:`Round` — the table, the status quo, every party's arrays, what
the parties are publicly believed to accept, and the exact bargaining machinery over these
replicates — and returns a :class:`Proposal`: the text, and its own acceptance thresholds
where it sets them (subgame-perfect play). The model has every party respond (it accepts iff
the text is worth its threshold) and asks :meth:`Protocol.ratified` which replicates have a
deal. A protocol that forecasts instead of bargaining (``forecast``) gives its forecast in
:meth:`Protocol.outcome`.

**Adding a protocol** is one module in ``sim/model/protocols/`` with a subclass of
:class:`Protocol` and one line in ``PROTOCOLS`` (``sim/model/protocols/__init__.py``); its
settings are one class and one line in ``sim/scenario/protocols.py``. docs/contributing.md
lists the rest (docs, tests, the words ``negsim show`` and ``trace`` use).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from sim.bargaining.solutions import Solver
from sim.bargaining.space import PackageSpace
from sim.bargaining.utility import utility
from sim.model.replicates import Binding, Inert, ReplicateState
from sim.scenario.sampling import BlockStreams
from sim.scenario.units import Layout

MEDIATOR_SETTINGS = ("protocol.mediator", "protocol.mediator_bias")
"""Settings events may set under any protocol; only the mediated protocol acts on them."""


@dataclass(frozen=True)
class ProtocolContext:
    """What a protocol is built with: the parties, who must ratify a deal, the package space,
    the model's size and its own random streams (the only randomness it may use: it draws
    for all ``size`` replicates and takes those still bargaining)."""

    party_ids: list[str]
    veto_holders: np.ndarray  # (P,) who holds a veto over some issue
    ratifiers: np.ndarray  # (P,) whose acceptance a deal needs
    counted: np.ndarray  # (P,) whose acceptance a proposer courts (ratifiers, or all under a quota)
    quota: float | None  # a capability share of all parties that must accept, on top
    layout: Layout
    space: PackageSpace
    size: int
    rng: BlockStreams


@dataclass
class PartyArrays:
    """The parties as a protocol sees them, over the R replicates still bargaining (read them,
    do not write them): parameters and values (R, P); ideals, saliences as written, salience
    weights and demands (R, P, D). ``preferences`` gives every party's ideal and weights as it
    values one package per replicate: where options interact with scales, a package's own
    regime's (:meth:`~sim.model.party.PartyState.preferences`)."""

    capability: np.ndarray
    patience: np.ndarray
    loss: np.ndarray
    style: np.ndarray
    reservation: np.ndarray
    aspiration: np.ndarray
    ideal: np.ndarray
    salience: np.ndarray
    weights: np.ndarray
    demand: np.ndarray
    preferences: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]

    def utility(self, packages: np.ndarray) -> np.ndarray:
        """Every party's utility (R, P) of one package per replicate (R, D)."""
        return utility(packages[:, None, :], *self.preferences(packages), self.loss)


@dataclass
class Round:
    """What a protocol sees of one round, over the R replicates still bargaining.

    ``believed_threshold`` (R, P) is what each party is believed to accept and
    ``believed_reservation`` (R, P) its believed reservation value — the public views of the
    parties revised by what their responses have shown (docs/model.md §3.9): a protocol courts
    the parties on these, never on their own minds. ``solver`` is the exact machinery over the
    package space for these replicates' preferences."""

    number: int
    rows: np.ndarray
    table: np.ndarray
    status_quo: np.ndarray
    parties: PartyArrays
    believed_threshold: np.ndarray
    believed_reservation: np.ndarray
    solver: Solver
    space: PackageSpace


@dataclass
class Proposal:
    """The text put on the table in each replicate (R, D).

    ``thresholds`` (R, P), when given, replace the parties' aspirations as what they accept at
    (a rational responder accepts what is worth its continuation value; a proposer its own
    proposal). ``detail`` holds protocol-specific per-round values for the traces: column name
    → array (R,) in native units or words (``rounds.parquet``)."""

    package: np.ndarray
    thresholds: np.ndarray | None = None
    detail: dict[str, np.ndarray] = field(default_factory=dict)


class Protocol(ReplicateState):
    """Base of every protocol: settings, ratification, the risk of breakdown.

    ``breakdown`` (R,) is the chance each round that the talks break down without a deal
    (``protocol.breakdown``; zero where the protocol has no such setting). ``forecast``
    protocols forecast an outcome rather than reach deals: nothing is ever ratified, and the
    results' ``deal``, ``round`` and ``accepted`` are null.
    """

    forecast: ClassVar[bool] = False
    replicate_fields: ClassVar[tuple[str, ...]] = ("breakdown",)

    def __init__(self, settings: Any, context: ProtocolContext):
        self.settings = settings
        self.context = context
        self.rng = context.rng
        self.breakdown = np.zeros(context.size)

    def bindings(self) -> dict[str, Binding]:
        """Parameter paths held by the protocol. The mediator's settings exist under every
        protocol (events may set them) and have no effect but under the mediated one."""
        inert = Inert()
        paths = {path: inert.binding(path) for path in MEDIATOR_SETTINGS}
        paths["protocol.breakdown"] = Binding(self, "breakdown")
        return paths

    def rounds(self, scenario_rounds: int) -> int:
        """How many rounds the protocol runs at most (0: a one-shot forecast)."""
        return scenario_rounds

    def propose(self, state: Round) -> Proposal:
        raise NotImplementedError

    def ratified(self, accepted: np.ndarray, state: Round) -> np.ndarray:
        """Which replicates have a deal, given each party's acceptance (R, P)."""
        if self.forecast:
            return np.zeros(len(accepted), dtype=bool)
        deal = accepted[:, self.context.ratifiers].all(axis=1)
        if self.context.quota is not None:
            capability = state.parties.capability
            share = (capability * accepted).sum(axis=1) / capability.sum(axis=1)
            deal &= share >= self.context.quota - 1e-9
        return deal

    def nash_weights(self, state: Round) -> np.ndarray:
        """The bargaining weights (R, P) of the Nash solution this protocol stands for — equal
        over the parties a deal needs, unless the protocol says otherwise."""
        counted = self.context.counted.astype(float)
        return np.broadcast_to(counted / counted.sum(), state.parties.capability.shape)

    def outcome(self, state: Round) -> np.ndarray:
        """A forecasting protocol's forecast (R, D) for the replicates in ``state``."""
        raise NotImplementedError
