"""The mediated protocol: a mediator puts one text on the table each round (docs/model.md §4.1).

The mediator does not read minds. It drafts from what it believes each party will accept —
the parties' public views, revised by every response it has seen (docs/model.md §3.9) — and
tables the package that gives the parties the largest equal share of what it believes they
can gain: Kalai's (1977) proportional solution,

    maximise  min_i (u_i(o) − θ̂_i) / ω_i   over every package o,

θ̂_i the threshold it believes party i holds, over the parties a deal needs (and itself, when it
is a party with a bias). The weights are equal, ``(1 − b)/n``, with the share ``b =
mediator_bias`` moved to the mediator's own surplus (above its own, known, aspiration). When
the minimum is positive every party gets a share of the believed surplus in those proportions;
when no package clears what everyone is believed to hold out for, the same rule tables the
text that leaves the worst-off party least short. It is solved exactly over every combination
of options and the whole continuous part (:mod:`sim.bargaining.solutions`); among equally good
texts the one nearest the last text wins.
"""

from __future__ import annotations

import numpy as np

from sim.model.protocols.base import Proposal, Protocol, ProtocolContext, Round
from sim.model.replicates import Binding


class Mediated(Protocol):
    """Settings: ``mediator`` (a party, or neutral), ``mediator_bias``, ``breakdown``."""

    replicate_fields = ("breakdown", "mediator", "mediator_bias")

    def __init__(self, settings, context: ProtocolContext):
        super().__init__(settings, context)
        self.mediator = np.full(context.size, -1, dtype=np.int64)
        self.mediator_bias = np.zeros(context.size)

    def bindings(self) -> dict[str, Binding]:
        return {
            "protocol.mediator": Binding(self, "mediator"),
            "protocol.mediator_bias": Binding(self, "mediator_bias"),
            "protocol.breakdown": Binding(self, "breakdown"),
        }

    def weights(self, state: Round) -> tuple[np.ndarray, np.ndarray]:
        """The proportions ω (R, P) of the mediator's objective, and whom it covers (R, P):
        the parties a deal needs, and the mediator when it is a party with a bias."""
        counted = self.context.counted
        size = len(state.rows)
        rows = np.arange(size)
        bias = self.mediator_bias
        covered = np.broadcast_to(counted, (size, len(counted))).copy()
        party = self.mediator >= 0
        covered[rows[party], self.mediator[party]] |= bias[party] > 0
        weight = np.where(covered, ((1.0 - bias) / counted.sum())[:, None], 0.0)
        weight[rows[party], self.mediator[party]] += bias[party]
        return weight, covered

    def nash_weights(self, state: Round) -> np.ndarray:
        """The mediator's own proportions: the Nash solution it would split toward."""
        weight, _ = self.weights(state)
        return weight / weight.sum(axis=1, keepdims=True)

    def propose(self, state: Round) -> Proposal:
        weight, covered = self.weights(state)
        threshold = state.believed_threshold.copy()
        rows = np.arange(len(state.rows))
        party = self.mediator >= 0
        own = self.mediator[party]
        threshold[rows[party], own] = state.parties.aspiration[rows[party], own]  # its own mind
        text = np.empty_like(state.table)
        # the parties covered differ only where the mediator does: one exact search per kind
        kinds = covered @ (1 << np.arange(covered.shape[1]))  # each pattern as one integer
        for kind in np.unique(kinds):
            index = np.flatnonzero(kinds == kind)
            group = covered[index[0]]
            solution = state.solver.rows(index).proportional(
                threshold[index], np.where(group, weight[index], 1.0), group, state.table[index]
            )
            text[index] = solution.package
        return Proposal(text)
