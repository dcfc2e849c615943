"""The mediated protocol: a mediator puts one text on the table each round (DESIGN.md §3).

It draws candidate packages — Stokman's compromise of the current demands, each party's demand
and ideal point, the last text, pairwise logrolls and perturbations around the compromise,
snapped to options on option issues — and picks the one most veto holders accept, then the one
with the largest generalised Nash product of surpluses over aspirations, in which the mediator's
own surplus weighs ``mediator_bias`` (Kalai 1977's asymmetric Nash solution).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from sim.model import equations as eq
from sim.model.protocols.base import Proposal, Protocol, Round
from sim.model.replicates import Binding

PERTURBATION_WIDTH = 1.5
"""Perturbations reach this many spreads of the demands around the compromise."""
MINIMUM_SPREAD = 0.02
"""Perturbations explore at least this far (model units), even when demands agree."""
SEARCH_TOLERANCE = 1e-5
"""Single-precision slack in the search; the verdict on the chosen text is exact."""
ACCEPTANCE_RANK = 1e4
"""One more acceptance outranks any difference in Nash score (which lies within ±1e3)."""


class Mediated(Protocol):
    """Settings: ``mediator`` (party or neutral), ``mediator_bias``, ``candidates``."""

    replicate_fields = ("mediator", "mediator_bias")

    def keep(self, index: np.ndarray) -> None:
        super().keep(index)
        self.offsets = self.offsets[:, index]

    def __init__(self, model, settings, rng):
        super().__init__(model, settings, rng)
        size, n_parties, n_issues = model.size, len(model.party_ids), len(model.issue_ids)
        self.mediator = np.full(size, -1, dtype=np.int64)
        self.mediator_bias = np.zeros(size)
        fixed = 2 + 2 * n_parties
        pairs = list(combinations(range(n_parties), 2))
        self.pairs = pairs[: max(0, (settings.candidates - fixed) // 3)]
        self.pair_index = tuple(
            np.array(side, dtype=np.int64) for side in zip(*self.pairs, strict=True)
        )
        n_perturbations = max(0, settings.candidates - fixed - len(self.pairs))
        # Fixed directions per replicate, scaled each round by the spread of the demands: the
        # search needs no fresh randomness per round, which keeps rounds cheap.
        offsets = rng.uniform(-1.0, 1.0, (size, n_perturbations, n_issues))
        self.offsets = np.ascontiguousarray(offsets.transpose(2, 0, 1))  # (K, R, n)
        self.options = [(k, u) for k, u in enumerate(model.units.values()) if u.is_options]

    def bindings(self) -> dict[str, Binding]:
        return {
            "protocol.mediator": Binding(self, "mediator"),
            "protocol.mediator_bias": Binding(self, "mediator_bias"),
        }

    def candidates(
        self,
        state: Round,
        ideal: np.ndarray,
        capability: np.ndarray,
        salience: np.ndarray,
        weights: np.ndarray,
    ) -> tuple[np.ndarray, dict]:
        """Candidate packages issue-major (K, R, C), on the issues' scales and options; and,
        per option issue, its points and the candidates' option indices (R, C)."""
        demand = state.demand
        center = eq.compromise(capability, salience, demand, fallback=state.table)
        weight = capability[..., None] * salience
        total = weight.sum(axis=1)
        variance = np.divide(
            (weight * (demand - center[:, None, :]) ** 2).sum(axis=1),
            total,
            out=np.zeros_like(center),
            where=total > 0,
        )
        spread = np.maximum(np.sqrt(variance), MINIMUM_SPREAD) * PERTURBATION_WIDTH

        n_issues, size, n_perturbations = self.offsets.shape
        fixed = [center[:, None, :], demand, ideal, state.table[:, None, :]]
        if self.pairs:
            first, second = self.pair_index
            fixed.append(
                np.where(
                    weights[:, first] >= weights[:, second], demand[:, first], demand[:, second]
                )
            )
        fixed = np.concatenate(fixed, axis=1).transpose(2, 0, 1)  # (K, R, fixed)
        packages = np.empty((n_issues, size, fixed.shape[2] + n_perturbations))
        packages[:, :, : fixed.shape[2]] = fixed
        perturbed = packages[:, :, fixed.shape[2] :]
        np.multiply(self.offsets, spread.T[:, :, None], out=perturbed)
        perturbed += center.T[:, :, None]
        np.clip(perturbed, 0.0, 1.0, out=perturbed)  # the other candidates lie in [0, 1] already
        options = {}
        for k, units in self.options:
            index = units.nearest_option(packages[k])
            packages[k] = units.points[index]
            options[k] = (units.points, index)
        return packages, options

    def propose(self, state: Round) -> Proposal:
        model = self.model
        ideal, capability = model.stack("ideal"), model.stack("capability")
        weights = np.stack(state.weights, axis=1)
        packages, options = self.candidates(
            state, ideal, capability, model.stack("salience"), weights
        )
        utility = eq.candidate_utility(packages, options, ideal, weights, model.stack("loss"))
        surplus = utility - state.aspiration.T[:, :, None].astype(np.float32)  # (P, R, C)
        accepted = (surplus[self.counted] >= -SEARCH_TOLERANCE).sum(axis=0)
        score = eq.nash_score(surplus, self.counted, self.mediator, self.mediator_bias)
        score += accepted * ACCEPTANCE_RANK
        choice = score.argmax(axis=1)
        text = packages[:, np.arange(len(choice)), choice].T
        utilities = [p.utility(text, w) for p, w in zip(model.parties, state.weights, strict=True)]
        return Proposal(text, np.stack(utilities, axis=1))
