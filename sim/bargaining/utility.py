"""Spatial utility over packages: the preferences every part of negsim shares.

Positions are in [0, 1] on every model dimension (:mod:`sim.scenario.units`); the last axis of
every array is the dimension, and leading axes broadcast (replicates, parties, candidates).
"""

from __future__ import annotations

import numpy as np


def salience_weights(salience: np.ndarray) -> np.ndarray:
    """``w_ik = s_ik / Σ_k s_ik``: the weight each party puts on each issue.

    A party whose salience is all zero in some replicate gets zero weights there (it is
    indifferent between all packages) rather than NaN.
    """
    total = salience.sum(axis=-1, keepdims=True)
    return np.divide(salience, total, out=np.zeros_like(salience), where=total > 0)


def utility(
    packages: np.ndarray,
    ideal: np.ndarray,
    weights: np.ndarray,
    loss: np.ndarray | float,
    by_party: bool = False,
) -> np.ndarray:
    """``u_i(o) = 1 − Σ_k w_ik·|o_k − x_ik|^loss_i``: weighted-distance utility in [0, 1].

    The spatial utility of the expected-utility and compromise literature (Bueno de Mesquita
    1994; Stokman & Van Oosten 1994), with ``loss`` 1 (linear) or 2 (quadratic, risk-averse).
    ``packages``, ``ideal`` and ``weights`` broadcast against each other over (..., K): C
    candidates (..., C, K) against one party's (..., 1, K) give (..., C); one package per party
    (..., P, K) against every party's (..., P, K) give (..., P). ``loss`` is a scalar or
    broadcasts against the result; with ``by_party``, ``loss`` (P,) is one loss per party,
    parties on the result's last axis.
    """
    loss = np.asarray(loss)
    distance = np.subtract(packages, ideal)
    np.abs(distance, out=distance)
    if by_party:  # square or power only the parties that ask for it
        for p in np.flatnonzero(loss != 1):
            _raise(distance[..., p, :], loss[p])
    else:
        _raise(distance, loss if loss.ndim == 0 else loss[..., None])
    return 1.0 - np.einsum("...k,...k->...", distance, weights)


def _raise(distance: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """``distance ** exponent`` in place, squaring or powering only where the loss asks for it
    (most parties have loss 1 or 2, and a general power is slow)."""
    if exponent.ndim == 0:
        if exponent == 2:
            distance *= distance
        elif exponent != 1:
            distance **= exponent
        return distance
    squared = exponent == 2
    other = ~(squared | (exponent == 1))
    if squared.any():
        np.multiply(distance, distance, out=distance, where=squared)
    if other.any():
        np.power(distance, exponent, out=distance, where=other)
    return distance


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
