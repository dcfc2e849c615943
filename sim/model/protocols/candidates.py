"""Candidate packages: the search space of a protocol that puts a text on the table.

Built each round from the parties' demands (DESIGN.md §3, mediated): Stokman's compromise of
the demands, each party's demand and ideal point, the last text, pairwise logrolls, and
perturbations around the compromise — snapped to options on option issues and projected onto
the simplex on shares issues, so every candidate is a valid package. The mediated protocol
chooses among them; the alternating protocol's proposers start from them.
"""

from __future__ import annotations

from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np

from sim.model import equations as eq
from sim.model.protocols.base import Round
from sim.model.replicates import ReplicateState

if TYPE_CHECKING:
    from sim.model.model import NegotiationModel

PERTURBATION_WIDTH = 1.5
"""Perturbations reach this many spreads of the demands around the compromise."""
MINIMUM_SPREAD = 0.02
"""Perturbations explore at least this far (model units), even when demands agree."""


class CandidateSearch(ReplicateState):
    """``candidates`` packages per round and replicate (at least ``2 + 2P``).

    The perturbation directions are drawn once, from the protocol's generator, at the start:
    the search needs no fresh randomness per round, which keeps rounds cheap.
    """

    def __init__(self, model: NegotiationModel, candidates: int, rng: np.random.Generator):
        size, n_parties, n_dims = model.size, len(model.party_ids), len(model.layout)
        fixed = 2 + 2 * n_parties
        pairs = list(combinations(range(n_parties), 2))
        self.pairs = pairs[: max(0, (candidates - fixed) // 3)]
        self.pair_index = tuple(
            np.array(side, dtype=np.int64) for side in zip(*self.pairs, strict=True)
        )
        n_perturbations = max(0, candidates - fixed - len(self.pairs))
        offsets = rng.uniform(-1.0, 1.0, (size, n_perturbations, n_dims))
        self.offsets = np.ascontiguousarray(offsets.transpose(2, 0, 1))  # (D, R, n)
        self.options = model.layout.options
        self.simplices = model.layout.simplices
        self.first = model.layout.first

    def keep(self, index: np.ndarray) -> None:
        self.offsets = self.offsets[:, index]

    def issue_weights(self, salience: np.ndarray) -> np.ndarray:
        """Each party's weight of each dimension's issue (R, P, D): how much it cares about the
        issue as a whole — which party a logroll gives an issue to."""
        total = (salience * self.first).sum(axis=-1, keepdims=True)
        return np.divide(salience, total, out=np.zeros_like(salience), where=total > 0)

    def build(
        self,
        state: Round,
        ideal: np.ndarray,
        capability: np.ndarray,
        salience: np.ndarray,
        rows: slice = slice(None),
    ) -> tuple[np.ndarray, dict]:
        """Candidate packages dimension-major (D, R, C), on the issues' scales, options and
        simplices; and, per option dimension, its points and the candidates' option indices
        (R, C). ``state`` and the arrays may be the replicates at ``rows`` only."""
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

        offsets = self.offsets[:, rows]
        n_dims, size, n_perturbations = offsets.shape
        fixed = [center[:, None, :], demand, ideal, state.table[:, None, :]]
        if self.pairs:
            first, second = self.pair_index
            weights = self.issue_weights(salience)
            fixed.append(
                np.where(
                    weights[:, first] >= weights[:, second], demand[:, first], demand[:, second]
                )
            )
        fixed = np.concatenate(fixed, axis=1).transpose(2, 0, 1)  # (D, R, fixed)
        packages = np.empty((n_dims, size, fixed.shape[2] + n_perturbations))
        packages[:, :, : fixed.shape[2]] = fixed
        perturbed = packages[:, :, fixed.shape[2] :]
        np.multiply(offsets, spread.T[:, :, None], out=perturbed)
        perturbed += center.T[:, :, None]
        np.clip(perturbed, 0.0, 1.0, out=perturbed)  # the other candidates lie in [0, 1] already
        for columns in self.simplices:  # a shares issue's candidates split its whole total
            packages[columns] = eq.project_simplex(packages[columns], axis=0)
        options = {}
        for k, units in self.options:
            index = units.nearest_option(packages[k])
            packages[k] = units.points[index]
            options[k] = (units.points, index)
        return packages, options

    def valid(self, packages: np.ndarray) -> np.ndarray:
        """Packages (R, D) made valid: options snapped, shares issues on their simplex."""
        packages = np.clip(packages, 0.0, 1.0)
        for columns in self.simplices:
            packages[:, columns] = eq.project_simplex(packages[:, columns], axis=1)
        for k, units in self.options:
            packages[:, k] = units.snap(packages[:, k])
        return packages
