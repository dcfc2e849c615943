"""The protocol interface: how a text gets on the table each round.

The model does not know which protocol runs. Each round it hands the protocol a :class:`Round`
(the table, every party's weights, aspiration and demand, over the replicates still bargaining)
and gets back a :class:`Proposal`; responses and ratification follow the same rules for every
protocol.

Adding a protocol is one new module in ``sim/model/protocols/`` with a subclass of
:class:`Protocol` registered in ``PROTOCOLS`` (``sim/model/protocols/__init__.py``), and one
entry in the scenario schema's ``Protocol`` union (``sim/scenario/schema.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.model.replicates import Binding, ReplicateState

if TYPE_CHECKING:
    from sim.model.model import NegotiationModel

ACCEPT_TOLERANCE = 1e-9
"""Utilities within this of an aspiration count as meeting it (rounding, not leniency)."""


@dataclass
class Round:
    """What a protocol sees of one round, over the R replicates still bargaining."""

    number: int
    elapsed: float  # t / T
    table: np.ndarray  # (R, K) the last text (the status quo before any)
    status_quo: np.ndarray  # (R, K)
    weights: list[np.ndarray]  # per party (R, K)
    aspiration: np.ndarray  # (R, P)
    demand: np.ndarray  # (R, P, K)


@dataclass
class Proposal:
    """The text put on the table in each replicate, and every party's utility of it."""

    package: np.ndarray  # (R, K)
    utility: np.ndarray  # (R, P)


class Protocol(ReplicateState):
    """Base of every protocol: settings from the scenario, ratification, no state by default.

    ``ratifiers`` are the parties whose acceptance a deal needs: every veto holder (or every
    party under ``ratification: unanimity``, or when no issue names a veto holder and there is
    no quota); a ``quota`` rule further needs a capability-weighted share of all parties to
    accept. ``counted`` are the parties whose acceptance a proposer courts: the ratifiers, or
    every party under a quota.
    """

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
        """Parameter paths held by the protocol (e.g. the mediator)."""
        return {}

    def propose(self, state: Round) -> Proposal:
        raise NotImplementedError

    def ratified(self, accepted: np.ndarray) -> np.ndarray:
        """Which replicates have a deal, given each party's acceptance (R, P)."""
        deal = accepted[:, self.ratifiers].all(axis=1)
        if self.quota is not None:
            capability = self.model.stack("capability")
            share = (capability * accepted).sum(axis=1) / capability.sum(axis=1)
            deal &= share >= self.quota - ACCEPT_TOLERANCE
        return deal
