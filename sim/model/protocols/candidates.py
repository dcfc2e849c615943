"""Candidate packages: the search space of a protocol that puts a text on the table.

Built each round from the parties' demands (DESIGN.md §3, mediated): Stokman's compromise of
the demands, each party's demand and ideal point, the last text, pairwise logrolls, and
perturbations around the compromise — snapped to options on option issues and projected onto
the simplex on shares issues, so every candidate is a valid package. The mediated protocol
chooses among them; the alternating protocol's proposers start from them.

Laid out for speed: replicates are the last axis of every array here (dimensions, parties and
candidates are few, replicates many, so each array operation runs along long rows). The search
ranks candidates in single precision, option issues by their option index
(:class:`~sim.model.equations.CandidateSurplus`); the package chosen is then rebuilt in double
precision from its sources (:meth:`Candidates.package`), so a text that is a party's demand,
its ideal or the last text is exactly that.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np

from sim.model import equations as eq
from sim.model.protocols.base import Round
from sim.model.replicates import ReplicateState, replicates_last

if TYPE_CHECKING:
    from sim.model.model import NegotiationModel

PERTURBATION_WIDTH = 1.5
"""Perturbations reach this many spreads of the demands around the compromise."""
MINIMUM_SPREAD = 0.02
"""Perturbations explore at least this far (model units), even when demands agree."""


@dataclass
class Candidates:
    """One round's C candidate packages for every replicate: first those built from the
    parties' positions — the compromise, each party's demand and ideal, the last text
    (``fixed``, (D, F, R), valid and exact, with their option indices (F, R) on each option
    dimension in ``fixed_index``) and the logrolls, which take each dimension from the demand of
    one party of a pair (the first where ``to_first``, (D, pairs, R)) — then perturbations of
    ``center`` (D, R) by the search's offsets × ``spread`` (D, R). ``option_index`` holds every
    candidate's option index (C, R) on each option dimension; :meth:`ranking` gives chunks of
    replicates in single precision, :meth:`package` the chosen ones exactly."""

    search: CandidateSearch
    fixed: np.ndarray
    fixed_index: dict[int, np.ndarray]
    to_first: np.ndarray | None
    center: np.ndarray
    spread: np.ndarray

    def __post_init__(self):
        search = self.search
        n_base, size = self.fixed.shape[1:]
        self.n_built = n_base + len(search.pairs)
        self.count = self.n_built + search.offsets32.shape[1]
        positions = np.empty((len(search.continuous), self.n_built, size), dtype=np.float32)
        positions[:, :n_base] = self.fixed[search.continuous]
        self.option_index = {
            k: np.empty((self.count, size), dtype=np.int16) for k, _ in search.options
        }  # options are few
        for k, index in self.fixed_index.items():
            self.option_index[k][:n_base] = index
        if search.pairs:  # the logrolls, from the demands (rows 1..P of the fixed candidates)
            first, second = (side + 1 for side in search.pair_index)
            logrolls = positions[:, n_base:]
            logrolls[...] = positions[:, second]
            np.copyto(logrolls, positions[:, first], where=self.to_first[search.continuous])
            for columns in search.simplex_positions:
                logrolls[columns] = eq.project_simplex(logrolls[columns], axis=0)
            for k, index in self.fixed_index.items():
                self.option_index[k][n_base : self.n_built] = np.where(
                    self.to_first[k], index[first], index[second]
                )
        self.fixed_positions = positions
        self.center32 = self.center[search.order, None, :].astype(np.float32)
        self.spread32 = self.spread[search.order, None, :].astype(np.float32)
        # Every perturbation's option on each option issue, for the whole round at once.
        n_continuous = len(search.continuous)
        on_options = search.offsets32[n_continuous:] * self.spread32[n_continuous:]
        on_options += self.center32[n_continuous:]
        for (k, units), perturbed in zip(search.options, on_options, strict=True):
            units.nearest_option(perturbed, out=self.option_index[k][self.n_built :])

    def ranking(self, rows: slice) -> tuple[np.ndarray, dict[int, np.ndarray]]:
        """The candidates of the replicates at ``rows`` in single precision, for ranking:
        their positions (S, C, r) on the continuous dimensions (scale and shares), and on each
        option dimension their option indices (C, r)."""
        search = self.search
        continuous = slice(0, len(search.continuous))  # continuous dimensions come first
        offsets = search.offsets32[continuous, :, rows]
        spread, center = self.spread32[continuous, :, rows], self.center32[continuous, :, rows]
        positions = np.empty((len(search.continuous), self.count, offsets.shape[2]), np.float32)
        positions[:, : self.n_built] = self.fixed_positions[:, :, rows]
        perturbed = positions[:, self.n_built :]
        np.multiply(offsets, spread, out=perturbed)
        perturbed += center
        np.clip(perturbed, 0.0, 1.0, out=perturbed)
        for columns in search.simplex_positions:  # a shares issue's candidates split its total
            perturbed[columns] = eq.project_simplex(perturbed[columns], axis=0)
        return positions, {k: index[:, rows] for k, index in self.option_index.items()}

    def package(self, choice: np.ndarray) -> np.ndarray:
        """The chosen candidate of each replicate (R, D), rebuilt in double precision."""
        search, rows = self.search, np.arange(len(choice))
        n_base = self.fixed.shape[1]
        text = self.fixed[:, np.minimum(choice, n_base - 1), rows].T.copy(order="K")
        logroll = np.flatnonzero((choice >= n_base) & (choice < self.n_built))
        if len(logroll):
            pair = choice[logroll] - n_base
            first, second = (side[pair] + 1 for side in search.pair_index)
            taken = np.where(
                self.to_first[:, pair, logroll],
                self.fixed[:, first, logroll],
                self.fixed[:, second, logroll],
            )
            text[logroll] = search.valid(taken.T)
        perturbed = np.flatnonzero(choice >= self.n_built)
        if len(perturbed):
            offsets = search.offsets[perturbed, choice[perturbed] - self.n_built]  # (m, D)
            text[perturbed] = search.valid(
                self.center[:, perturbed].T + offsets * self.spread[:, perturbed].T
            )
        return text


class CandidateSearch(ReplicateState):
    """``candidates`` packages per round and replicate (at least ``2 + 2P``).

    The perturbation directions are drawn once, from the protocol's generator, at the start:
    the search needs no fresh randomness per round, which keeps rounds cheap.
    """

    def __init__(self, model: NegotiationModel, candidates: int, rng: np.random.Generator):
        self.model = model
        size, n_parties, n_dims = model.size, len(model.party_ids), len(model.layout)
        fixed = 2 + 2 * n_parties
        pairs = list(combinations(range(n_parties), 2))
        self.pairs = pairs[: max(0, (candidates - fixed) // 3)]
        self.pair_index = tuple(
            np.array(side, dtype=np.int64) for side in zip(*self.pairs, strict=True)
        )
        n_perturbations = max(0, candidates - fixed - len(self.pairs))
        offsets = rng.uniform(-1.0, 1.0, (size, n_perturbations, n_dims))
        self.options = model.layout.options
        self.option_points = [(k, units.points) for k, units in self.options]
        self.continuous = np.array(
            [k for k in range(n_dims) if k not in dict(self.options)], dtype=np.intp
        )
        self.order = np.concatenate([self.continuous, [k for k, _ in self.options]]).astype(int)
        self.simplices = model.layout.simplices
        self.simplex_positions = [np.searchsorted(self.continuous, c) for c in self.simplices]
        self.first = model.layout.first
        self.offsets = offsets  # (R, n, D)
        self.offsets32 = np.empty((n_dims, n_perturbations, size), dtype=np.float32)
        for row, k in enumerate(self.order):  # replicates last, in ranking's order
            self.offsets32[row] = offsets[:, :, k].T

    def keep(self, index: np.ndarray) -> None:
        self.offsets = self.offsets[index]
        self.offsets32 = self.offsets32[:, :, index]

    def build(
        self, state: Round, ideal: np.ndarray, capability: np.ndarray, salience: np.ndarray
    ) -> Candidates:
        """This round's candidates, from the round's demands and the parties' ``ideal`` and
        ``salience`` (R, P, D) and ``capability`` (R, P)."""
        demand = replicates_last(state.demand)  # (D, P, R)
        salience = replicates_last(salience)
        capability = replicates_last(capability)  # (P, R)
        table = replicates_last(state.table)  # (D, R)
        center = eq.compromise(capability, salience, demand, fallback=table, party_axis=1)
        weight = capability * salience
        total = weight.sum(axis=1)
        variance = np.divide(
            (weight * (demand - center[:, None, :]) ** 2).sum(axis=1),
            total,
            out=np.zeros_like(center),
            where=total > 0,
        )
        spread = np.maximum(np.sqrt(variance), MINIMUM_SPREAD) * PERTURBATION_WIDTH

        # The candidates built from positions, all in [0, 1] already: the compromise, each
        # party's demand and ideal, and the last text (the logrolls are made of demands).
        n_parties = demand.shape[1]
        fixed = np.empty((len(center), 2 + 2 * n_parties, len(table.T)))
        fixed[:, 0] = center
        fixed[:, 1 : 1 + n_parties] = demand
        fixed[:, 1 + n_parties : 1 + 2 * n_parties] = replicates_last(ideal)
        fixed[:, 1 + 2 * n_parties] = table
        option_index = {}
        self.settle(fixed, axis=0, option_index=option_index)
        to_first = (
            self.model.derived("logrolls", lambda: self._to_first(salience)) if self.pairs else None
        )
        return Candidates(self, fixed, option_index, to_first, center, spread)

    def _to_first(self, salience: np.ndarray) -> np.ndarray:
        """Which issues each logroll gives to the first party of its pair (D, pairs, R): those
        it weighs more than the second does (its salience over its total on all issues)."""
        issue_total = (salience * self.first[:, None, None]).sum(axis=0)
        weights = np.divide(
            salience, issue_total, out=np.zeros_like(salience), where=issue_total > 0
        )
        first, second = self.pair_index
        return weights[:, first] >= weights[:, second]

    def losses(
        self, ideal: np.ndarray, weights: np.ndarray, loss: np.ndarray
    ) -> eq.CandidateLosses:
        """Every party's losses laid out for ranking candidates (kept while the parameters
        hold)."""
        return self.model.derived(
            "candidate_losses",
            lambda: eq.CandidateLosses(self.option_points, self.continuous, ideal, weights, loss),
        )

    def valid(self, packages: np.ndarray) -> np.ndarray:
        """Packages (..., D) made valid: in [0, 1], options snapped, shares issues on their
        simplex."""
        packages = np.clip(packages, 0.0, 1.0)
        self.settle(packages)
        return packages

    def settle(self, packages: np.ndarray, axis: int = -1, option_index: dict | None = None):
        """Packages in [0, 1] snapped to options and projected onto their simplices, in place
        (dimensions on ``axis``); ``option_index``, when given, receives each option
        dimension's option indices."""
        dimensions = packages if axis == 0 else np.moveaxis(packages, axis, 0)  # a view
        for columns in self.simplices:
            dimensions[columns] = eq.project_simplex(dimensions[columns], axis=0)
        for k, units in self.options:
            index = units.nearest_option(dimensions[k])
            dimensions[k] = units.points[index]
            if option_index is not None:
                option_index[k] = index
