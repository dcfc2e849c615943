"""The package space: every package a deal can be, as the exact machinery searches it.

A package has one value per model dimension, in [0, 1]: a point on a scale, an option's point,
or one party's share of a shares issue (:mod:`sim.scenario.units` makes these from a scenario).
The space splits into a finite part — every **combination** of options — and, for each
combination, a **continuous part**: scales and shares, written as free coordinates ``z`` with
``y = M z + b`` inside the polytope ``A z ≤ h_c`` (a scale between its ends, a shares issue's
shares non-negative and summing to one). **Links** remove combinations that cannot go together
and narrow a scale's range under a combination (an option allowed only while a scale issue
stays below or above a value). **Interactions** let a combination change what a party wants on
a scale: its salience there, its ideal there. The combinations fall into **regimes**, one per
set of interactions that hold together; within a regime every party's utility is the usual
concave one, so each combination's continuous part stays a convex problem.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

MAX_COMBINATIONS = 65_536
"""Largest number of option combinations the exact machinery enumerates."""


@dataclass(frozen=True)
class Dimension:
    """One model dimension: ``kind`` is ``scale``, ``options`` (with its option ``points``)
    or ``share`` (one party's share of the shares issue ``group``)."""

    kind: str
    points: tuple[float, ...] = ()
    group: int = -1


@dataclass(frozen=True)
class Link:
    """When every option dimension in ``when`` takes one of its listed options, each option
    dimension in ``options`` must take one of its listed options, and each scale dimension in
    ``bounds`` must lie within its (low, high) range (model units)."""

    when: dict[int, frozenset[int]]
    options: dict[int, frozenset[int]] = field(default_factory=dict)
    bounds: dict[int, tuple[float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Interaction:
    """When every option dimension in ``when`` takes one of its listed options, party ``p``'s
    salience on scale dimension ``k`` is ``salience[(p, k)]`` (as the scenario writes
    salience, before normalising) and its ideal there ``ideal[(p, k)]`` (model units)."""

    when: dict[int, frozenset[int]]
    salience: dict[tuple[int, int], float] = field(default_factory=dict)
    ideal: dict[tuple[int, int], float] = field(default_factory=dict)


def project_simplex(values: np.ndarray, axis: int = 0) -> np.ndarray:
    """The nearest point (Euclidean) of the probability simplex — shares ≥ 0 summing to 1 —
    to each vector along ``axis``: how a candidate package is made a valid split of a shares
    issue (Held, Wolfe & Crowder 1974; Duchi et al. 2008, the sort-based algorithm). Single
    precision stays single."""
    values = np.asarray(values)
    moved = np.moveaxis(values.astype(np.result_type(values, np.float32)), axis, -1)
    n = moved.shape[-1]
    ordered = -np.sort(-moved, axis=-1)
    cumulative = np.cumsum(ordered, axis=-1) - 1.0
    index = np.arange(1, n + 1, dtype=moved.dtype)
    support = ordered - cumulative / index > 0
    count = n - np.argmax(support[..., ::-1], axis=-1)  # the largest index with support
    theta = np.take_along_axis(cumulative, (count - 1)[..., None], axis=-1)
    theta /= count[..., None].astype(moved.dtype)
    return np.moveaxis(np.maximum(moved - theta, 0.0), -1, axis)


class PackageSpace:
    """The combinations of options and the continuous part of a scenario's packages.

    Option dimensions in ``inert`` — those no party can ever care about — are left out of the
    combinations: every package keeps the reference's option there."""

    def __init__(
        self,
        dimensions: list[Dimension],
        links: list[Link] = (),
        inert: frozenset[int] = frozenset(),
        interactions: list[Interaction] = (),
    ):
        self.dimensions = dimensions
        self.n_dims = len(dimensions)
        self.option_dims = [
            k for k, d in enumerate(dimensions) if d.kind == "options" and k not in inert
        ]
        self.continuous = np.array(
            [k for k, d in enumerate(dimensions) if d.kind != "options"], dtype=np.intp
        )
        self.points = [np.array(dimensions[k].points) for k in self.option_dims]
        self._combinations()
        self._polytope(links)
        self._regimes(interactions)

    def _combinations(self) -> None:
        sizes = [len(p) for p in self.points]
        count = int(np.prod(sizes)) if sizes else 1
        if count > MAX_COMBINATIONS:
            raise ValueError(
                f"{count:,} combinations of options: negsim enumerates them exactly, up to "
                f"{MAX_COMBINATIONS:,}; make some option issues scales or merge them"
            )
        self.choice = np.array(list(itertools.product(*[range(n) for n in sizes])), dtype=np.int64)
        self.choice = self.choice.reshape(count, len(sizes))  # (C, K) option index per dimension
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.combos = self.choice + offsets  # (C, K) into the flat list of options
        self.n_options = int(sum(sizes))
        self.strides = np.array(
            [int(np.prod(sizes[k + 1 :])) for k in range(len(sizes))], dtype=np.int64
        )

    def _polytope(self, links: list[Link]) -> None:
        """Free coordinates, the map to the continuous dimensions, and the constraints."""
        columns, groups = [], {}
        for s, k in enumerate(self.continuous):
            d = self.dimensions[k]
            if d.kind == "scale":
                columns.append([s])
            else:
                groups.setdefault(d.group, []).append(s)
        n_cont = len(self.continuous)
        free_of = []  # per free coordinate: the continuous dimension it is
        self.coordinate_group = []  # per free coordinate: its issue (for what to keep fixed)
        for s_list in columns:
            free_of.append(s_list[0])
            self.coordinate_group.append(("scale", s_list[0]))
        shares = list(groups.values())
        for n, members in enumerate(shares):
            for s in members[:-1]:
                free_of.append(s)
                self.coordinate_group.append(("shares", n))
        n_free = len(free_of)
        self.M = np.zeros((n_cont, n_free))
        self.b = np.zeros(n_cont)
        for j, s in enumerate(free_of):
            self.M[s, j] = 1.0
        rows, lows, highs = [], [], []  # rows of A z ≤ h, and which scale bound each one is
        for j, s in enumerate(free_of):
            if self.dimensions[self.continuous[s]].kind == "scale":
                rows.append(-np.eye(n_free)[j])
                lows.append(s)
                highs.append(None)
                rows.append(np.eye(n_free)[j])
                lows.append(None)
                highs.append(s)
        self.shares = []
        for members in shares:
            last = members[-1]
            js = [free_of.index(s) for s in members[:-1]]
            self.b[last] = 1.0
            for j in js:
                self.M[last, j] = -1.0
                rows.append(-np.eye(n_free)[j])
                lows.append(None)
                highs.append(None)
            rows.append(np.eye(n_free)[js].sum(axis=0))
            lows.append(None)
            highs.append(None)
            self.shares.append(np.array([self.continuous[s] for s in members]))
        self.A = np.array(rows).reshape(len(rows), n_free)
        n_combos = len(self.choice)
        low = np.zeros((n_combos, n_cont))
        high = np.ones((n_combos, n_cont))
        self.allowed = np.ones(n_combos, dtype=bool)
        cont_index = {int(k): s for s, k in enumerate(self.continuous)}
        for link in links:
            holds = self._holds(link.when)
            for k, options in link.options.items():
                n = self.option_dims.index(k)
                self.allowed &= ~holds | np.isin(self.choice[:, n], list(options))
            for k, (lo, hi) in link.bounds.items():
                s = cont_index[k]
                low[holds, s] = np.maximum(low[holds, s], lo)
                high[holds, s] = np.minimum(high[holds, s], hi)
        self.allowed &= (low < high).all(axis=1)
        self.h = np.zeros((n_combos, len(rows)))
        for r, (lo_s, hi_s) in enumerate(zip(lows, highs, strict=True)):
            if lo_s is not None:
                self.h[:, r] = -low[:, lo_s]
            elif hi_s is not None:
                self.h[:, r] = high[:, hi_s]
            elif self.A[r].sum() > 0:  # a shares issue's total
                self.h[:, r] = 1.0
        self.low, self.high = low, high
        self.centre = np.zeros((n_combos, n_free))
        for j, s in enumerate(free_of):
            if self.dimensions[self.continuous[s]].kind == "scale":
                self.centre[:, j] = (low[:, s] + high[:, s]) / 2
        for members in shares:
            for s in members[:-1]:
                self.centre[:, free_of.index(s)] = 1.0 / len(members)
        self.free_of = np.array(free_of, dtype=np.intp)
        # The fast path (:func:`sim.bargaining.kernels.maximin_fast`): at most two free
        # coordinates, each a scale or the split of a two-party shares issue.
        self.fast = n_free <= 2 and all(len(m) == 2 for m in shares)
        self.fast_low = np.zeros((n_combos, n_free))
        self.fast_high = np.ones((n_combos, n_free))
        for j, s in enumerate(free_of):
            if self.dimensions[self.continuous[s]].kind == "scale":
                self.fast_low[:, j], self.fast_high[:, j] = low[:, s], high[:, s]

    def _holds(self, when: dict[int, frozenset[int]]) -> np.ndarray:
        """Which combinations (C,) take one of the listed options on every dimension of
        ``when``."""
        holds = np.ones(len(self.choice), dtype=bool)
        for k, options in when.items():
            holds &= np.isin(self.choice[:, self.option_dims.index(k)], list(options))
        return holds

    def _regimes(self, interactions: list[Interaction]) -> None:
        """Each combination's regime (C,): which interactions hold under it, numbered from 0
        (the first regime is "none hold" wherever some combination has none)."""
        self.interactions = list(interactions)
        holds = np.column_stack(
            [self._holds(i.when) for i in interactions] or [np.zeros(len(self.choice), bool)]
        )
        rules, self.regime = np.unique(holds, axis=0, return_inverse=True)
        self.regime = self.regime.reshape(-1).astype(np.int64)
        self.rules = [tuple(np.flatnonzero(rule)) for rule in rules]
        """Per regime, the interactions that hold in it (in the order written: a later one
        overrides an earlier one on the same party and dimension)."""
        self.regime_allowed = np.array(
            [self.allowed & (self.regime == g) for g in range(len(rules))]
        )
        """Per regime, which allowed combinations are in it (G, C)."""

    @property
    def n_regimes(self) -> int:
        return len(self.rules)

    def regime_of(self, packages: np.ndarray) -> np.ndarray:
        """The regime (R,) of each package (R, D)."""
        if self.n_regimes == 1:
            return np.zeros(len(packages), dtype=np.int64)
        return self.regime[self.locate(packages)[0]]

    def under_regimes(
        self, ideal: np.ndarray, salience: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The parties' ideals and saliences (R, P, D) under each regime, (R, P, G, D): what
        the interactions that hold there set, over what the parties want otherwise."""
        ideal = np.repeat(ideal[:, :, None, :], self.n_regimes, axis=2)
        salience = np.repeat(salience[:, :, None, :], self.n_regimes, axis=2)
        for g, rule in enumerate(self.rules):
            for n in rule:
                interaction = self.interactions[n]
                for (p, k), value in interaction.salience.items():
                    salience[:, p, g, k] = value
                for (p, k), value in interaction.ideal.items():
                    ideal[:, p, g, k] = value
        return ideal, salience

    @property
    def n_free(self) -> int:
        return self.M.shape[1]

    # --- packages ↔ (combination, free coordinates) ------------------------------------------

    def locate(self, packages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The combination (R,) and free coordinates (R, F) of packages (R, D)."""
        combo = np.zeros(len(packages), dtype=np.int64)
        for n, (k, points) in enumerate(zip(self.option_dims, self.points, strict=True)):
            index = np.abs(packages[:, k, None] - points).argmin(axis=1)
            combo += index * self.strides[n]
        free = packages[:, self.continuous[self.free_of]] if self.n_free else None
        return combo, np.zeros((len(packages), 0)) if free is None else free

    def packages(self, combo: np.ndarray, free: np.ndarray, fallback: np.ndarray) -> np.ndarray:
        """Packages (R, D) from combinations and free coordinates; rows whose combination is
        −1 (nothing found) take ``fallback``."""
        out = fallback.copy()
        found = combo >= 0
        for n, (k, points) in enumerate(zip(self.option_dims, self.points, strict=True)):
            out[found, k] = points[self.choice[combo[found], n]]
        if len(self.continuous):
            # a coordinate no one involved cares about keeps the fallback's value — within
            # the range the links allow under the combination chosen
            chosen = combo[found]
            free = np.clip(free[found], self.fast_low[chosen], self.fast_high[chosen])
            y = free @ self.M.T + self.b
            out[np.ix_(found, self.continuous)] = y
        return out

    def valid(self, packages: np.ndarray) -> np.ndarray:
        """Packages (R, D) made valid: in [0, 1], options snapped to the nearest option, each
        shares issue's shares on their simplex (a copy)."""
        packages = np.clip(packages, 0.0, 1.0)
        for k, points in zip(self.option_dims, self.points, strict=True):
            packages[:, k] = points[np.abs(packages[:, k, None] - points).argmin(axis=1)]
        for members in self.shares:
            packages[:, members] = project_simplex(packages[:, members], axis=1)
        return packages

    # --- what the kernels need ---------------------------------------------------------------

    def preferences(
        self, ideal: np.ndarray, weights: np.ndarray, loss: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The parties' preferences as the kernels read them: each party's weighted loss from
        each option (R, P, Q), and its weights and ideals on the continuous dimensions
        (R, P, S) each."""
        parts = []
        for k, points in zip(self.option_dims, self.points, strict=True):
            distance = np.abs(points[None, None, :] - ideal[..., k, None])
            parts.append(weights[..., k, None] * distance ** loss[..., None])
        size, n_parties = loss.shape
        option_loss = np.concatenate(parts, axis=-1) if parts else np.zeros((size, n_parties, 0))
        w = np.ascontiguousarray(weights[..., self.continuous])
        x = np.ascontiguousarray(ideal[..., self.continuous])
        return option_loss, w, x

    def fast_terms(self, w: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each party's weight and ideal per free coordinate (R, P, F), for the fast path: a
        scale is its own coordinate; a two-party split has the first party's share as its
        coordinate, so the second party's loss |(1 − z) − x| is |z − (1 − x)|."""
        size, n_parties, _ = w.shape
        weight = np.zeros((size, n_parties, self.n_free))
        ideal = np.zeros((size, n_parties, self.n_free))
        for j, s in enumerate(self.free_of):
            weight[..., j] = w[..., s]
            ideal[..., j] = x[..., s]
            if self.dimensions[self.continuous[s]].kind == "share":
                other = int(np.flatnonzero(self.M[:, j] < 0)[0])
                second = w[..., other] > 0
                weight[..., j] += w[..., other]
                ideal[..., j] = np.where(second, 1.0 - x[..., other], ideal[..., j])
        return weight, ideal

    def active(self, w: np.ndarray, involved: np.ndarray) -> np.ndarray:
        """Which free coordinates (R, F) some involved party cares about, from the parties'
        weights on the continuous dimensions ``w`` (R, P, S); the others keep the reference
        package's values."""
        cares = (w[:, involved] > 0).any(axis=1)  # (R, S)
        active = np.zeros((len(w), self.n_free), dtype=bool)
        for j, (kind, key) in enumerate(self.coordinate_group):
            if kind == "scale":
                active[:, j] = cares[:, key]
            else:
                members = np.searchsorted(self.continuous, self.shares[key])
                active[:, j] = cares[:, members].any(axis=1)
        return active
