"""The protocol interface: how a text gets on the table each round.

The model does not know which protocol runs. It builds the protocol from the scenario's
``protocol`` settings, asks it how many rounds it needs (:meth:`Protocol.rounds`), and each
round hands it a :class:`Round` (the table, the status quo, every party's weights, reservation
value, aspiration and demand, over the replicates still bargaining) and gets back a
:class:`Proposal`: the package on the table, every party's utility of it and, when the protocol
sets its own acceptance thresholds (subgame-perfect play), those. Every party responds — it
accepts iff its utility reaches its threshold — and :meth:`Protocol.ratified` says which
replicates have a deal. At the end, replicates without a deal take :meth:`Protocol.outcome`
(the status quo, or a forecasting protocol's forecast). Randomness comes only from the
generator the model hands the protocol (``stream(block_seq, STREAM_PROTOCOL)``, DESIGN.md §4).

**Adding a protocol** is one new module in ``sim/model/protocols/`` with a subclass of
:class:`Protocol` registered in ``PROTOCOLS`` (``sim/model/protocols/__init__.py``), and one
entry in the scenario schema's ``Protocol`` union (``sim/scenario/schema.py``) for its settings.
Nothing in the model changes. (``negsim show`` and ``negsim trace`` describe a new protocol
generically until ``sim/views`` learns its words.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim.model.replicates import Binding, Inert, ReplicateState

if TYPE_CHECKING:
    from sim.model.model import NegotiationModel

ACCEPT_TOLERANCE = 1e-9
"""Utilities within this of an aspiration count as meeting it (rounding, not leniency)."""

MEDIATOR_SETTINGS = ("protocol.mediator", "protocol.mediator_bias")
"""Settings events may set under any protocol; only the mediated protocol acts on them."""


@dataclass
class Round:
    """What a protocol sees of one round, over the R replicates still bargaining."""

    number: int
    elapsed: float  # t / T
    table: np.ndarray  # (R, D) the last text (the status quo before any)
    status_quo: np.ndarray  # (R, D)
    weights: np.ndarray  # (R, P, D) each party's salience weights
    reservation: np.ndarray  # (R, P) the value of no deal
    aspiration: np.ndarray  # (R, P)
    demand: np.ndarray  # (R, P, D)


@dataclass
class Proposal:
    """The text put on the table in each replicate, and every party's utility of it (which
    the model keeps as the table's utility in the next round).

    ``aspiration`` (R, P), when given, replaces the round's aspirations as the thresholds the
    parties accept at (a rational responder accepts what is worth its continuation value; a
    proposer accepts its own proposal). ``detail`` holds protocol-specific per-round values for
    the traces: column name → array (R,) in native units or words (``rounds.parquet``).
    """

    package: np.ndarray  # (R, D)
    utility: np.ndarray  # (R, P)
    aspiration: np.ndarray | None = None
    detail: dict[str, np.ndarray] = field(default_factory=dict)


class Protocol(ReplicateState):
    """Base of every protocol: settings from the scenario, ratification, no state by default.

    ``ratifiers`` are the parties whose acceptance a deal needs: every veto holder (or every
    party under ``ratification: unanimity``, or when no issue names a veto holder and there is
    no quota); a ``quota`` rule further needs a capability-weighted share of all parties to
    accept. ``counted`` are the parties whose acceptance a proposer courts: the ratifiers, or
    every party under a quota.

    ``forecast`` protocols forecast an outcome rather than reach deals: nothing is ever
    ratified, and the results' ``deal``, ``round`` and ``accepted`` are null.
    """

    forecast: ClassVar[bool] = False

    def __init__(self, model: NegotiationModel, settings: Any, rng: np.random.Generator):
        self.model = model
        self.settings = settings
        self.rng = rng
        parties = model.party_ids
        veto = set(model.negotiation.veto_holders)
        rule = getattr(settings, "ratification", "veto")
        self.quota = None if isinstance(rule, str) else rule.quota
        everyone = rule == "unanimity" or (not veto and self.quota is None)
        self.ratifiers = np.array([everyone or p in veto for p in parties])
        self.counted = np.ones(len(parties), dtype=bool) if self.quota else self.ratifiers

    def bindings(self) -> dict[str, Binding]:
        """Parameter paths held by the protocol. The mediator's settings exist under every
        protocol (events may set them) and have no effect but under the mediated one."""
        inert = Inert()
        return {path: inert.binding(path) for path in MEDIATOR_SETTINGS}

    def rounds(self, scenario_rounds: int) -> int:
        """How many rounds the protocol runs at most (0: a one-shot forecast)."""
        return scenario_rounds

    def propose(self, state: Round) -> Proposal:
        raise NotImplementedError

    def ratified(self, accepted: np.ndarray) -> np.ndarray:
        """Which replicates have a deal, given each party's acceptance (R, P)."""
        if self.forecast:
            return np.zeros(len(accepted), dtype=bool)
        deal = accepted[:, self.ratifiers].all(axis=1)
        if self.quota is not None:
            capability = self.model.stack("capability")
            share = (capability * accepted).sum(axis=1) / capability.sum(axis=1)
            deal &= share >= self.quota - ACCEPT_TOLERANCE
        return deal

    def outcome(self, status_quo: np.ndarray) -> np.ndarray:
        """What holds in replicates that end without a deal (R, D): the status quo."""
        return status_quo

    def utilities(self, packages: np.ndarray) -> np.ndarray:
        """Every party's utility of one package per replicate (R, D) → (R, P)."""
        return self.model.party_state.utility(packages)
