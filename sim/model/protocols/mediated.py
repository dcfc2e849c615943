"""The mediated protocol: a mediator puts one text on the table each round (docs/model.md §4.1).

The mediator does not read minds. It drafts from what it believes each party holds out for,
θ̂_i, and what it believes each would fall back on, r̂_i — the parties' public views, revised by
every response it has seen (docs/model.md §3.9) — and tables the package that gives every party
the same share of the gain it demands over walking away: Kalai and Smorodinsky's (1975) rule,
measured from the believed reservation values,

    maximise  min_i (u_i(o) − θ̂_i) / (ω_i·(θ̂_i − r̂_i))   over every package o,

over the parties a deal needs (and itself, when it is a party with a bias). When the minimum is
positive every demand is met and the surplus is split in proportion to the demands; when it is
not, the same rule tables the text that leaves every party the same, smallest, share of its
demand unmet — so a party that asks much over its fallback is not simply given the most. The
weights ω are equal, ``(1 − b)/n``, with the share ``b = mediator_bias`` moved to the
mediator's own demand (its own, known, aspiration and reservation value). It is solved exactly
over every combination of options and the whole continuous part
(:mod:`sim.bargaining.solutions`); among equally good texts the one nearest the last text wins.
"""

from __future__ import annotations

import numpy as np

from sim.model.protocols.base import Proposal, Protocol, ProtocolContext, Round
from sim.model.replicates import Binding

MIN_SPAN = 1e-3
"""The smallest demanded gain a party is taken to hold out for (utility): one that has conceded
all the way is treated as asking this little, not nothing."""


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
        reservation = state.believed_reservation.copy()
        reservation[rows[party], own] = state.parties.reservation[rows[party], own]
        span = np.maximum(threshold - reservation, MIN_SPAN)
        # a shortfall counts more the larger the weight, a surplus goes more to the larger weight
        # (a party the text need not please takes a placeholder weight of 1)
        short = np.divide(span, weight, out=np.ones_like(span), where=covered)
        ample = np.where(covered, span * weight, 1.0)
        text = np.empty_like(state.table)
        # the parties covered differ only where the mediator does: one exact search per kind
        kinds = covered @ (1 << np.arange(covered.shape[1]))  # each pattern as one integer
        for kind in np.unique(kinds):
            index = np.flatnonzero(kinds == kind)
            group = covered[index[0]]
            solution = state.solver.rows(index).proportional(
                threshold[index], short[index], group, state.table[index]
            )
            text[index] = solution.package
            tilted = solution.value >= 0
            tilted &= self.mediator_bias[index] > 0
            if tilted.any():  # every believed demand can be met: split the surplus
                again = index[tilted]
                text[again] = (
                    state.solver.rows(again)
                    .proportional(threshold[again], ample[again], group, state.table[again])
                    .package
                )
        return Proposal(text)
