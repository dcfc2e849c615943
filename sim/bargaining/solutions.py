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

Utilities are exact to about ``1e-9`` (:class:`Precision`); among packages equally good to
that precision, the one nearest the ``reference`` package (fewest options changed; on the
continuous part, the nearest or most central) is returned, and what no involved party cares
about keeps the reference's value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from sim.bargaining import kernels
from sim.bargaining.space import PackageSpace


class Precision(NamedTuple):
    """Every tolerance, step and iteration cap of the exact machinery that could move a result,
    in one frozen record the compiled kernels read as it is (a named tuple is what numba
    passes by field name). The defaults are what every run uses; :meth:`scaled` gives a
    tighter one, and the budget-invariance test checks that results do not move with it."""

    tolerance: float = 1e-8
    """A zone of agreement exists when the largest smallest surplus is at least −tolerance
    (utility): the precision the zone question is answered to. The Nash search starts from
    the first point where every party's surplus is at least this."""
    slack: float = 1e-12
    """Values within this of each other tie (ties go to fewer options changed from the
    reference); a combination whose bound is no better is not searched."""
    width: float = 1e-10
    """The fast path stops when its bracket on the first free coordinate is this narrow."""
    value: float = 1e-12
    """The fast path stops when no point of its bracket can beat the best value by more."""
    bracket_step: float = 1e-2
    """The fast path's first step from its start when bracketing a top (it grows eightfold
    each step). A speed setting, not a precision: on the flagship the top lies a few
    hundredths of a scale from the text on the table, so a hundredth brackets it in one or two
    probes. Where the top is flat in the first coordinate, the point returned along it depends
    on the path (by about 1e-7 of a scale on the flagship)."""
    iterations: int = 200
    """The most steps the fast path takes inside a bracket."""
    tau_start: float = 1.0
    """The barrier method's first barrier parameter (and smoothing of the losses' kinks) ..."""
    tau_final: float = 1e-10
    """... its last: utilities on the barrier path are exact to about (parties + constraints)
    times this ..."""
    tau_factor: float = 8.0
    """... and how much it shrinks from one stage to the next."""
    newton_steps: int = 60
    """The most Newton steps at one barrier parameter (each stage stops sooner, when ...)"""
    decrement: float = 1e-12
    """... the Newton decrement falls below this."""

    def scaled(self, factor: float) -> Precision:
        """Every tolerance ``factor`` times finer, every cap ``factor`` times larger, the
        bracket's first step ``factor`` times shorter and the barrier's stages ``factor``
        times closer (its shrink factor's excess over 1 divided by ``factor``)."""
        return Precision(
            tolerance=self.tolerance / factor,
            slack=self.slack / factor,
            width=self.width / factor,
            value=self.value / factor,
            bracket_step=self.bracket_step / factor,
            iterations=int(self.iterations * factor),
            tau_start=self.tau_start,
            tau_final=self.tau_final / factor,
            tau_factor=1.0 + (self.tau_factor - 1.0) / factor,
            newton_steps=int(self.newton_steps * factor),
            decrement=self.decrement / factor,
        )


PRECISION = Precision()
"""The precision every :class:`Solver` is built with unless it is given one."""


@dataclass
class Preferences:
    """The parties' preferences over packages, per replicate: ideal points and salience weights
    (R, P, D) — or (R, P, G, D), one per regime where the space has interactions — and loss
    exponents (R, P)."""

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


@dataclass
class RegimeTerms:
    """The preferences of one regime as the kernels read them: each party's weighted loss from
    each option (R, P, Q), its weights and ideals on the continuous dimensions (R, P, S), and
    the fast path's per-coordinate terms (None where the space has no fast path: the barrier
    method searches it)."""

    option_loss: np.ndarray
    w: np.ndarray
    x: np.ndarray
    fast: tuple[np.ndarray, np.ndarray] | None

    def rows(self, index: np.ndarray) -> RegimeTerms:
        fast = None if self.fast is None else tuple(part[index] for part in self.fast)
        return RegimeTerms(self.option_loss[index], self.w[index], self.x[index], fast)


class Solver:
    """The exact machinery for one package space and one set of preferences (kept while the
    preferences hold: they change only when an event sets them), to ``precision`` (by
    default :data:`PRECISION`, read when the solver is built).

    Where the space has interactions, each regime's combinations are searched with that
    regime's preferences, and the best of the regimes is taken by the kernels' own rule:
    higher by more than the slack, or level within it and fewer options changed from the
    reference (then the earlier regime)."""

    def __init__(
        self, space: PackageSpace, preferences: Preferences, precision: Precision | None = None
    ):
        self.space = space
        self.preferences = preferences
        self.precision = PRECISION if precision is None else precision
        self.loss = np.ascontiguousarray(preferences.loss, dtype=float)
        ideal, weights = preferences.ideal, preferences.weights
        per_regime = (
            [(ideal, weights)]
            if space.n_regimes == 1
            else [(ideal[:, :, g], weights[:, :, g]) for g in range(space.n_regimes)]
        )
        self.regimes = []
        for regime_ideal, regime_weights in per_regime:
            option_loss, w, x = space.preferences(regime_ideal, regime_weights, self.loss)
            fast = space.fast_terms(w, x) if space.fast else None
            self.regimes.append(RegimeTerms(option_loss, w, x, fast))

    def rows(self, index: np.ndarray) -> Solver:
        """The same machinery over the replicates at ``index``."""
        if len(index) == len(self.loss) and np.array_equal(index, np.arange(len(index))):
            return self  # every replicate, in order (the usual round): nothing to copy
        kept = Solver.__new__(Solver)
        kept.space, kept.preferences, kept.precision = self.space, None, self.precision
        kept.loss = self.loss[index]
        kept.regimes = [terms.rows(index) for terms in self.regimes]
        return kept

    def zone(self, reservation: np.ndarray, required: np.ndarray, reference: np.ndarray):
        """Whether a zone of agreement exists (R,): a package every required party values at
        least at its reservation value (R, P)."""
        _, _, margin = self._maximin(
            reservation, np.ones_like(reservation), required, reference, 0.0
        )
        return margin >= -self.precision.tolerance

    def proportional(
        self,
        threshold: np.ndarray,
        weight: np.ndarray,
        required: np.ndarray,
        reference: np.ndarray,
    ) -> Solution:
        """The package with the largest ``min_i (u_i − θ_i)/ω_i`` over the required parties
        (weights ω > 0, (R, P))."""
        combo, free, value = self._maximin(threshold, weight, required, reference, np.inf)
        package = self.space.packages(combo, free, reference)
        return Solution(package, value, combo >= 0)

    def _best_of_regimes(self, reference: np.ndarray, involved: np.ndarray, solve):
        """``solve(terms, allowed, free, active, combo)`` → (combo, free, value) in each regime;
        the best of them per replicate (``combo``: the reference's combination, (R,))."""
        space = self.space
        combo, free = space.locate(reference)
        free = np.ascontiguousarray(free)
        best = None
        for terms, allowed in zip(self.regimes, space.regime_allowed, strict=True):
            active = space.active(terms.w, involved)
            found = solve(terms, allowed, free, active, combo)
            if best is None:
                best = found
                continue
            changes = [
                (space.choice[c] != space.choice[combo]).sum(axis=1) for c in (found[0], best[0])
            ]  # (a combination of −1, none found, reads the last one's: its value is −∞)
            fewer = (best[0] < 0) | (changes[0] < changes[1])
            value, best_value = found[2], best[2]
            slack = self.precision.slack
            better = (value > -np.inf) & (
                (value > best_value + slack) | (fewer & (value >= best_value - slack))
            )
            for part, new in zip(best, found, strict=True):
                part[better] = new[better]
        return best

    def _maximin(self, theta, weight, required, reference, stop_at):
        """The best combination (R,; −1 where none is allowed), its free coordinates (R, F)
        and value (R,) of the maximin (a zone question, ``stop_at`` 0, only needs the value)."""
        space = self.space
        size = len(theta)
        theta = np.ascontiguousarray(theta, dtype=float)
        weight = np.ascontiguousarray(weight, dtype=float)
        positive = (weight > 0).all()

        def solve(terms, allowed, free, active, combo):
            out_combo = np.empty(size, dtype=np.int64)
            out_free = free.copy()
            value = np.empty(size)
            if terms.fast is not None and positive:  # the fast path
                w, x = terms.fast
                kernels.maximin_fast(
                    terms.option_loss,
                    space.combos,
                    allowed,
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
                    self.precision,
                    out_combo,
                    out_free,
                    value,
                )
            else:
                kernels.maximin(
                    terms.option_loss,
                    space.combos,
                    allowed,
                    terms.w,
                    terms.x,
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
                    combo,
                    stop_at,
                    self.precision,
                    out_combo,
                    out_free,
                    value,
                )
            return out_combo, out_free, value

        return self._best_of_regimes(reference, required, solve)

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
        disagreement = np.ascontiguousarray(disagreement, dtype=float)
        alpha = np.ascontiguousarray(alpha, dtype=float)
        floor = np.ascontiguousarray(floor, dtype=float)
        # the fast path where every involved party has a weight and no floor above its
        # disagreement point; the barrier method for the rest
        weighted = ((alpha > 0) | ~involved).all(axis=1)
        unconstrained = ((floor <= disagreement) | ~required).all(axis=1)

        def solve(terms, allowed, free, active, combo):
            fast = weighted & unconstrained & (terms.fast is not None)
            out_combo = np.empty(size, dtype=np.int64)
            out_free = free.copy()
            value = np.empty(size)
            for rows, on_fast_path in (
                (np.flatnonzero(fast), True),
                (np.flatnonzero(~fast), False),
            ):
                if not len(rows):
                    continue
                part_combo = np.empty(len(rows), dtype=np.int64)
                part_free = free[rows].copy()
                part_value = np.empty(len(rows))
                if on_fast_path:
                    w, x = (part[rows] for part in terms.fast)
                    kernels.nash_fast(
                        terms.option_loss[rows],
                        space.combos,
                        allowed,
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
                        combo[rows],
                        self.precision,
                        part_combo,
                        part_free,
                        part_value,
                    )
                else:
                    kernels.nash(
                        terms.option_loss[rows],
                        space.combos,
                        allowed,
                        terms.w[rows],
                        terms.x[rows],
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
                        combo[rows],
                        self.precision,
                        part_combo,
                        part_free,
                        part_value,
                    )
                out_combo[rows], out_free[rows], value[rows] = part_combo, part_free, part_value
            return out_combo, out_free, value

        out_combo, out_free, value = self._best_of_regimes(reference, involved, solve)
        package = space.packages(out_combo, out_free, reference)
        return Solution(package, value, out_combo >= 0)
