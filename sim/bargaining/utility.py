"""Spatial utility over packages: the preferences every part of negsim shares.

Positions are in [0, 1] on every model dimension (:mod:`sim.scenario.units`); the last axis of
every array is the dimension, and leading axes broadcast (replicates, parties, candidates).
"""

from __future__ import annotations

import numpy as np
from numba import guvectorize, njit


def salience_weights(salience: np.ndarray) -> np.ndarray:
    """``w_ik = s_ik / Σ_k s_ik``: the weight each party puts on each issue.

    A party whose salience is all zero in some replicate gets zero weights there (it is
    indifferent between all packages) rather than NaN.
    """
    total = salience.sum(axis=-1, keepdims=True)
    return np.divide(salience, total, out=np.zeros_like(salience), where=total > 0)


def utility(
    packages: np.ndarray, ideal: np.ndarray, weights: np.ndarray, loss: np.ndarray | float
) -> np.ndarray:
    """``u_i(o) = 1 − Σ_k w_ik·|o_k − x_ik|^loss_i``: weighted-distance utility in [0, 1].

    The spatial utility of the expected-utility and compromise literature (Bueno de Mesquita
    1994; Stokman & Van Oosten 1994), with ``loss`` 1 (linear) or 2 (quadratic, risk-averse).
    ``packages``, ``ideal`` and ``weights`` broadcast against each other over (..., K): C
    candidates (..., C, K) against one party's (..., 1, K) give (..., C); one package per party
    (..., P, K) against every party's (..., P, K) give (..., P). ``loss`` is a scalar or
    broadcasts against the result.
    """
    return _utility(packages, ideal, weights, loss)


@njit(cache=True)
def loss_term(d: float, p: float) -> float:  # pragma: no cover - compiled
    """``|d|^p``, a party's loss at distance d from its ideal on one dimension, without a general
    power for the usual losses 1 and 2 (the compiled kernels take it too; numba's disk cache
    does not see a change here from their modules: clear the ``__pycache__`` caches after
    one)."""
    a = abs(d)
    if p == 1.0:
        return a
    if p == 2.0:
        return a * a
    return a**p


@guvectorize(
    ["void(float64[:], float64[:], float64[:], float64, float64[:])"],
    "(k),(k),(k),()->()",
    cache=True,
)
def _utility_gufunc(package, ideal, weights, loss, out):  # pragma: no cover - compiled
    total = 0.0
    for k in range(package.shape[0]):
        total += weights[k] * loss_term(package[k] - ideal[k], loss)
    out[0] = 1.0 - total


_utility = _utility_gufunc.ufunc
""":func:`utility` in one compiled pass over its broadcast arguments: numpy's generalized ufunc
itself (numba's wrapper around it costs microseconds a call)."""


def compromise(
    capability: np.ndarray,
    salience: np.ndarray,
    positions: np.ndarray,
    fallback: np.ndarray | None = None,
    party_axis: int = -2,
) -> np.ndarray:
    """Stokman's compromise ``Σ_i c_i·s_ik·x_ik / Σ_i c_i·s_ik`` per issue.

    The capability×salience-weighted mean position (Van den Bos 1991; Stokman & Van Oosten
    1994; the "compromise model" of Bueno de Mesquita 1994's volume). ``salience`` and
    ``positions`` have the parties on ``party_axis`` — (..., P, K) by default — and
    ``capability`` broadcasts against them: (..., P, 1). Where no one cares about an issue the
    ``fallback`` (e.g. the status quo) stands, or 0.5.
    """
    weight = capability * salience
    total = weight.sum(axis=party_axis)
    weighted = (weight * positions).sum(axis=party_axis)
    if fallback is None:
        fallback = np.full_like(total, 0.5)
    return np.divide(
        weighted, total, out=np.array(fallback, dtype=float, copy=True), where=total > 0
    )
