"""The mediated protocol: a mediator puts one text on the table each round (DESIGN.md §3).

It draws candidate packages (:mod:`sim.model.protocols.candidates`) — Stokman's compromise of
the current demands, each party's demand and ideal point, the last text, pairwise logrolls and
perturbations around the compromise, snapped to options on option issues and projected onto
the simplex on shares issues — and picks the one most veto holders accept, then the one
with the largest generalised Nash product of surpluses over aspirations, in which the mediator's
own surplus weighs ``mediator_bias`` (Kalai 1977's asymmetric Nash solution).
"""

from __future__ import annotations

import numpy as np

from sim.model import equations as eq
from sim.model.protocols.base import Proposal, Protocol, Round
from sim.model.protocols.candidates import CandidateSearch
from sim.model.replicates import Binding

SEARCH_CHUNK = 256
"""Replicates searched at once (their arrays stay within the processor's cache)."""
SEARCH_TOLERANCE = 1e-5
"""Single-precision slack in the search; the verdict on the chosen text is exact."""


class Mediated(Protocol):
    """Settings: ``mediator`` (party or neutral), ``mediator_bias``, ``candidates``."""

    replicate_fields = ("mediator", "mediator_bias")

    def __init__(self, model, settings, rng):
        super().__init__(model, settings, rng)
        self.mediator = np.full(model.size, -1, dtype=np.int64)
        self.mediator_bias = np.zeros(model.size)
        self.search = CandidateSearch(model, settings.candidates, rng)

    def keep(self, index: np.ndarray) -> None:
        super().keep(index)
        self.search.keep(index)

    def bindings(self) -> dict[str, Binding]:
        return {
            "protocol.mediator": Binding(self, "mediator"),
            "protocol.mediator_bias": Binding(self, "mediator_bias"),
        }

    def propose(self, state: Round) -> Proposal:
        model = self.model
        ideal, capability = model.stack("ideal"), model.stack("capability")
        salience, loss = model.stack("salience"), model.stack("loss")
        candidates = self.search.build(state, ideal, capability, salience)
        surplus_of = eq.CandidateSurplus(
            self.search.losses(ideal, state.weights, loss), state.aspiration
        )
        choice = np.empty(len(ideal), dtype=np.intp)
        # A chunk of replicates at a time keeps the search's arrays in the processor's cache;
        # every replicate's search is its own, so the chunking changes nothing else.
        for start in range(0, len(choice), SEARCH_CHUNK):
            rows = slice(start, min(start + SEARCH_CHUNK, len(choice)))
            surplus = surplus_of(*candidates.ranking(rows), rows)
            counted = surplus if self.counted.all() else surplus[self.counted]
            accepted = (counted >= -SEARCH_TOLERANCE).sum(axis=0, dtype=np.int16)
            score = eq.nash_score(
                surplus, self.counted, self.mediator[rows], self.mediator_bias[rows]
            )
            # Most acceptances first; among those, the largest Nash score.
            np.copyto(score, -np.inf, where=accepted < accepted.max(axis=0))
            choice[rows] = score.argmax(axis=0)
        text = candidates.package(choice)
        return Proposal(text, model.party_state.utility(text, state.weights))
