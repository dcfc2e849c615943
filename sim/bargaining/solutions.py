"""The zone of agreement and the bargaining solutions, computed exactly over a package space.

Three questions, each answered for every replicate of a block at once, over every combination
of options and the whole continuous part (:mod:`sim.bargaining.space`; the compiled search is
:mod:`sim.bargaining.kernels`):

- :func:`zone` — is there a package every required party values at least at its reservation
  value? The largest smallest surplus ``max_o min_i (u_i(o) − r_i)`` answers it: a zone of
  agreement exists iff it is ≥ 0.
- :func:`proportional` — the package with the largest smallest weighted surplus
  ``max_o min_i (u_i(o) − θ_i)/ω_i``: Kalai's (1977) proportional solution when it is positive,
  and the text that leaves the worst-off party least short of θ when it is not.
- :func:`nash` — the generalised Nash bargaining solution ``max_o Σ_i α_i·log(u_i(o) − d_i)``
  (Nash 1950; Kalai 1977 for the weights) with disagreement point d, subject to ``u_i(o) ≥ f_i``
  for the required parties (outside options as constraints, not as the disagreement point:
  Binmore, Rubinstein & Wolinsky 1986).

Utilities are exact to about ``1e-9`` (:data:`TOLERANCE`); among packages equally good to
that precision, the one nearest the ``reference`` package (fewest options changed; on the
continuous part, the most central) is returned, and what no involved party cares about keeps
the reference's value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.bargaining import kernels
from sim.bargaining.space import PackageSpace

TOLERANCE = 1e-8
"""How far from the exact optimum a returned value may lie (in utility)."""


@dataclass
class Preferences:
    """The parties' preferences over packages, per replicate: ideal points and salience weights
    (R, P, D) and loss exponents (R, P)."""

    ideal: np.ndarray
    weights: np.ndarray
    loss: np.ndarray


@dataclass
class Solution:
    """A package per replicate (R, D) and its value; ``found`` is False where no package
    qualifies (the reference stands in)."""

    package: np.ndarray
    value: np.ndarray
    found: np.ndarray


class Solver:
    """The exact machinery for one package space and one set of preferences (kept while the
    preferences hold: they change only when an event sets them)."""

    def __init__(self, space: PackageSpace, preferences: Preferences):
        self.space = space
        self.preferences = preferences
        self.option_loss, self.w, self.x = space.preferences(
            preferences.ideal, preferences.weights, preferences.loss
        )
        self.loss = np.ascontiguousarray(preferences.loss, dtype=float)
        self.fast = space.fast_terms(self.w, self.x) if space.fast else None

    def rows(self, index: np.ndarray) -> Solver:
        """The same machinery over the replicates at ``index``."""
        kept = Solver.__new__(Solver)
        kept.space, kept.preferences = self.space, None
        kept.option_loss, kept.w, kept.x = self.option_loss[index], self.w[index], self.x[index]
        kept.loss = self.loss[index]
        kept.fast = None if self.fast is None else tuple(part[index] for part in self.fast)
        return kept

    def _common(self, reference: np.ndarray, involved: np.ndarray):
        space = self.space
        combo, free = space.locate(reference)
        active = space.active(self.w, involved)
        return combo, np.ascontiguousarray(free), active, space.order(combo)

    def zone(self, reservation: np.ndarray, required: np.ndarray, reference: np.ndarray):
        """Whether a zone of agreement exists (R,): a package every required party values at
        least at its reservation value (R, P)."""
        margin = self._maximin(reservation, np.ones_like(reservation), required, reference, 0.0)
        return margin.value >= -TOLERANCE

    def proportional(
        self,
        threshold: np.ndarray,
        weight: np.ndarray,
        required: np.ndarray,
        reference: np.ndarray,
    ) -> Solution:
        """The package with the largest ``min_i (u_i − θ_i)/ω_i`` over the required parties
        (weights ω > 0, (R, P))."""
        return self._maximin(threshold, weight, required, reference, np.inf)

    def _maximin(self, theta, weight, required, reference, stop_at) -> Solution:
        space = self.space
        size = len(theta)
        combo, free, active, order = self._common(reference, required)
        out_combo = np.empty(size, dtype=np.int64)
        out_free = free.copy()
        value = np.empty(size)
        theta = np.ascontiguousarray(theta, dtype=float)
        weight = np.ascontiguousarray(weight, dtype=float)
        if self.fast is not None and (weight > 0).all():
            w, x = self.fast
            kernels.maximin_fast(
                self.option_loss,
                space.combos,
                space.allowed,
                order,
                w,
                x,
                self.loss,
                theta,
                weight,
                required,
                space.fast_low,
                space.fast_high,
                free,
                active,
                combo,
                stop_at,
                out_combo,
                out_free,
                value,
            )
        else:
            kernels.maximin(
                self.option_loss,
                space.combos,
                space.allowed,
                order,
                self.w,
                self.x,
                self.loss,
                theta,
                weight,
                required,
                space.M,
                space.b,
                space.A,
                space.h,
                space.centre,
                free,
                active,
                free,
                combo,
                stop_at,
                out_combo,
                out_free,
                value,
            )
        package = space.packages(out_combo, out_free, reference)
        return Solution(package, value, out_combo >= 0)

    def nash(
        self,
        disagreement: np.ndarray,
        alpha: np.ndarray,
        floor: np.ndarray,
        required: np.ndarray,
        reference: np.ndarray,
    ) -> Solution:
        """The package with the largest ``Σ α_i·log(u_i − d_i)`` with ``u_i ≥ f_i`` for the
        required parties; ``found`` is False where none gives every party with α > 0 more than
        d and every required party at least f."""
        space = self.space
        size = len(alpha)
        involved = required | (alpha > 0).any(axis=0)
        combo, free, active, order = self._common(reference, involved)
        out_combo = np.empty(size, dtype=np.int64)
        out_free = free.copy()
        value = np.empty(size)
        disagreement = np.ascontiguousarray(disagreement, dtype=float)
        alpha = np.ascontiguousarray(alpha, dtype=float)
        floor = np.ascontiguousarray(floor, dtype=float)
        # the fast path where every involved party has a weight and no floor above its
        # disagreement point; the barrier method for the rest
        fast = np.zeros(size, dtype=bool)
        if self.fast is not None:
            weighted = ((alpha > 0) | ~involved).all(axis=1)
            unconstrained = ((floor <= disagreement) | ~required).all(axis=1)
            fast = weighted & unconstrained
        for rows, on_fast_path in ((np.flatnonzero(fast), True), (np.flatnonzero(~fast), False)):
            if not len(rows):
                continue
            part_combo = np.empty(len(rows), dtype=np.int64)
            part_free = free[rows].copy()
            part_value = np.empty(len(rows))
            if on_fast_path:
                w, x = (part[rows] for part in self.fast)
                kernels.nash_fast(
                    self.option_loss[rows],
                    space.combos,
                    space.allowed,
                    order[rows],
                    w,
                    x,
                    self.loss[rows],
                    disagreement[rows],
                    alpha[rows],
                    required,
                    space.fast_low,
                    space.fast_high,
                    free[rows],
                    active[rows],
                    part_combo,
                    part_free,
                    part_value,
                )
            else:
                kernels.nash(
                    self.option_loss[rows],
                    space.combos,
                    space.allowed,
                    order[rows],
                    self.w[rows],
                    self.x[rows],
                    self.loss[rows],
                    disagreement[rows],
                    alpha[rows],
                    floor[rows],
                    required,
                    space.M,
                    space.b,
                    space.A,
                    space.h,
                    space.centre,
                    free[rows],
                    active[rows],
                    free[rows],
                    combo[rows],
                    part_combo,
                    part_free,
                    part_value,
                )
            out_combo[rows], out_free[rows], value[rows] = part_combo, part_free, part_value
        package = space.packages(out_combo, out_free, reference)
        return Solution(package, value, out_combo >= 0)
