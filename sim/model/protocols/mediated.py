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

    replicate_fields = ("breakdown", "mediator", "mediator_bias", "demands_met")

    def __init__(self, settings, context: ProtocolContext):
        super().__init__(settings, context)
        self.mediator = np.full(context.size, -1, dtype=np.int64)
        self.mediator_bias = np.zeros(context.size)
        self.demands_met = np.zeros(context.size, dtype=bool)  # last round: could they all be met?

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
            text[index] = self._draft(state, index, covered[index[0]], threshold, short, ample)
        return Proposal(text)

    def _draft(self, state: Round, index, group, threshold, short, ample) -> np.ndarray:
        """The texts (n, D) for the replicates at ``index``, whose covered parties are
        ``group``: the surplus split by ``ample`` where every believed demand can be met and
        the mediator has a bias, the shortfall shared by ``short`` elsewhere.

        Whether the demands can be met is the sign of the maximin, whatever the positive
        weights, so one solve tells it. Each replicate first solves under the rule its last
        round needed (demands shift little from round to round) and solves again only where
        the sign calls for the other rule."""
        biased = self.mediator_bias[index] > 0
        tilted = biased & self.demands_met[index]
        text = np.empty((len(index), state.table.shape[1]))
        todo = np.arange(len(index))
        for _ in range(2):  # the other rule at most once more (at a zero maximin, either holds)
            if not todo.size:
                break
            at = index[todo]
            weight = np.where(tilted[todo, None], ample[at], short[at])
            solution = state.solver.rows(at).proportional(
                threshold[at], weight, group, state.table[at]
            )
            text[todo] = solution.package
            met = solution.value >= 0
            self.demands_met[at] = met
            wrong = (met & biased[todo]) != tilted[todo]
            todo = todo[wrong]
            tilted[todo] = ~tilted[todo]
        return text
