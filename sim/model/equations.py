"""The model's equations (DESIGN.md §3), one function each, vectorised over replicates.

Every array has a leading replicate axis; issues are the last axis. Positions are in [0, 1].
"""

from __future__ import annotations

import numpy as np

MAX_OPTION_COMBINATIONS = 512
"""Largest table of option combinations :func:`candidate_utility` looks candidates up in."""

NASH_EPSILON = 1e-3
"""Surplus below which the generalised Nash product turns linear (see :func:`nash_score`)."""


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
    ``packages`` (..., C, K) against ``ideal`` and ``weights`` (..., 1, K) gives (..., C);
    ``loss`` is a scalar or broadcasts against the result.
    """
    loss = np.asarray(loss)
    exponent = loss if loss.ndim == 0 else loss[..., None]
    distance = _raise(np.abs(packages - ideal), exponent)
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


def candidate_utility(
    packages: np.ndarray,
    options: dict[int, tuple[np.ndarray, np.ndarray]],
    ideal: np.ndarray,
    weights: np.ndarray,
    loss: np.ndarray,
) -> np.ndarray:
    """:func:`utility` of C candidate packages for every party at once.

    The same equation, laid out for speed: ``packages`` issue-major (K, R, C), the result
    party-major (P, R, C), so every array operation runs along the long candidate axis. Scale
    issues are evaluated directly; option issues, which take a few values each, by looking up
    each party's weighted loss in one table over the combinations of their options (``options``
    maps an issue's index to its option points and the candidates' option indices (R, C)).
    Single precision: it ranks candidates in the mediator's search, and the verdict on the
    chosen text is computed again with :func:`utility`. ``ideal`` and ``weights`` are
    (R, P, K), ``loss`` (R, P).
    """
    n_issues, size, count = packages.shape
    position = ideal.transpose(1, 2, 0).astype(np.float32)  # (P, K, R)
    weight = weights.transpose(1, 2, 0).astype(np.float32)
    exponent = loss.T[:, :, None]  # (P, R, 1)
    total = np.zeros((loss.shape[1], size, count), dtype=np.float32)

    table = np.zeros((loss.shape[1], size, 1), dtype=np.float32)
    code = np.zeros((size, count), dtype=np.intp)
    for k, (points, index) in options.items():
        issue_table = np.abs(points.astype(np.float32) - position[:, k, :, None])
        _raise(issue_table, exponent)
        issue_table *= weight[:, k, :, None]
        if table.shape[2] * len(points) > MAX_OPTION_COMBINATIONS:
            total += _lookup(table, code)
            table, code = np.zeros_like(table[:, :, :1]), np.zeros_like(code)
        combined = table[:, :, :, None] + issue_table[:, :, None, :]
        table = combined.reshape(table.shape[0], size, -1)
        code = code * len(points) + index
    if table.shape[2] > 1:
        total += _lookup(table, code)

    constant = (loss == loss[:1]).all(axis=0)
    term = np.empty_like(total)
    for k in range(n_issues):
        if k in options:
            continue
        np.subtract(packages[k].astype(np.float32), position[:, k, :, None], out=term)
        np.abs(term, out=term)
        if constant.all():  # each party's own loss: square or power its rows only
            for p, value in enumerate(loss[0]):
                if value == 2:
                    np.multiply(term[p], term[p], out=term[p])
                elif value != 1:
                    np.power(term[p], value, out=term[p])
        else:
            _raise(term, exponent)
        np.multiply(term, weight[:, k, :, None], out=term)
        total += term
    return np.subtract(1.0, total, out=total)


def _lookup(table: np.ndarray, code: np.ndarray) -> np.ndarray:
    """``table[p, r, code[r, c]]`` for every party p, replicate r, candidate c → (P, R, C)."""
    n_parties, size, entries = table.shape
    flat = (np.arange(size)[:, None] * entries + code).ravel()
    return np.take(table.reshape(n_parties, -1), flat, axis=1).reshape(n_parties, *code.shape)


def discounted(value: np.ndarray, patience: np.ndarray, rounds: np.ndarray | int) -> np.ndarray:
    """``δ^t·u``: a value received after ``rounds`` rounds, discounted by patience δ."""
    return patience**rounds * value


def drift(base: np.ndarray, effects: np.ndarray, status_quo: np.ndarray) -> np.ndarray:
    """Drift of the battlefield this round: its base value plus the effects of other issues'
    status quo (``effects`` (R, K) per unit of normalised status quo, summed over issues)."""
    return base + np.einsum("rk,rk->r", effects, status_quo)


def battlefield_step(
    status_quo: np.ndarray, drift: np.ndarray, volatility: np.ndarray, noise: np.ndarray
) -> np.ndarray:
    """``q(t+1) = clip(q(t) + drift + volatility·ε)``: one round of war on battlefield issues
    (a random walk with drift, the war of attrition of Slantchev 2003 in its simplest form)."""
    return np.clip(status_quo + drift + volatility * noise, 0.0, 1.0)


def update_belief(belief: np.ndarray, observed: np.ndarray, learning: np.ndarray) -> np.ndarray:
    """Adaptive expectations: a party's believed drift moves toward the drift it observed by
    the share ``learning`` of the gap — how fighting reveals information and narrows
    disagreement about the balance of power (Fearon 1995; Slantchev 2003)."""
    return belief + learning * (observed - belief)


def expected_status_quo(
    status_quo: np.ndarray, belief: np.ndarray, horizon: np.ndarray
) -> np.ndarray:
    """``q̂_i(t+H) = clip(q(t) + H·b_i)``: where party i expects the war to leave the status
    quo after its planning horizon of H rounds, with its own believed drift ``b_i``."""
    return np.clip(status_quo + horizon[..., None] * belief, 0.0, 1.0)


def reservation_value(
    expected_utility: np.ndarray, patience: np.ndarray, war_cost: np.ndarray, horizon: np.ndarray
) -> np.ndarray:
    """``r_i = δ_i^H·u_i(q̂_i(t+H)) − war_cost_i·H``: the value of fighting on instead of a deal.

    Bargaining while fighting (Fearon 1995, Slantchev 2003): no deal means H more rounds of war,
    which cost ``war_cost`` each and push the outcome into the discounted future; a party's
    optimism about the war enters through ``q̂``.
    """
    return patience**horizon * expected_utility - war_cost * horizon


def aspiration(
    reservation: np.ndarray, elapsed: float, beta: np.ndarray, hardliner: np.ndarray
) -> np.ndarray:
    """``a_i(t) = r_i + (1 − r_i)·(1 − (t/T)^(1/β_i))``: time-dependent concession.

    Faratin, Sierra & Jennings (1998): from full demands at the start toward the reservation
    value at the deadline; β < 1 holds out (boulware), β > 1 concedes early (conceder), β = 1
    is linear. ``elapsed`` is t/T in [0, 1]. A hardliner never lowers its demand (a = 1).
    """
    level = reservation + (1.0 - reservation) * (1.0 - elapsed ** (1.0 / beta))
    return np.where(hardliner, 1.0, level)


def demand(
    ideal: np.ndarray,
    table: np.ndarray,
    table_utility: np.ndarray,
    aspiration: np.ndarray,
    loss: np.ndarray,
) -> np.ndarray:
    """The point on the segment from the ideal x toward the table p whose utility equals the
    aspiration a.

    On that segment ``u(x + λ(p − x)) = 1 − λ^loss·(1 − u(p))``, so
    ``λ = ((1 − a)/(1 − u(p)))^(1/loss)``, clipped to [0, 1]: λ = 0 asks for the ideal, λ = 1
    accepts the table as it stands.
    """
    shortfall = 1.0 - table_utility
    ratio = np.divide(1.0 - aspiration, shortfall, out=np.ones_like(shortfall), where=shortfall > 0)
    step = np.clip(ratio, 0.0, 1.0) ** (1.0 / loss)
    return ideal + step[..., None] * (table - ideal)


def compromise(
    capability: np.ndarray,
    salience: np.ndarray,
    positions: np.ndarray,
    fallback: np.ndarray | None = None,
) -> np.ndarray:
    """Stokman's compromise ``Σ_i c_i·s_ik·x_ik / Σ_i c_i·s_ik`` per issue.

    The capability×salience-weighted mean position (Van den Bos 1991; Stokman & Van Oosten
    1994; the "compromise model" of Bueno de Mesquita 1994's volume). ``capability`` is
    (..., P); ``salience`` and ``positions`` are (..., P, K). Where no one cares about an issue
    the ``fallback`` (e.g. the status quo) stands, or 0.5.
    """
    weight = capability[..., None] * salience
    total = weight.sum(axis=-2)
    weighted = (weight * positions).sum(axis=-2)
    if fallback is None:
        fallback = np.full_like(total, 0.5)
    return np.divide(
        weighted, total, out=np.array(fallback, dtype=float, copy=True), where=total > 0
    )


def nash_score(
    surplus: np.ndarray, counted: np.ndarray, mediator: np.ndarray, bias: np.ndarray
) -> np.ndarray:
    """The generalised (asymmetric) Nash product of surpluses over aspirations, in logs:
    ``Σ_i α_i·φ(s_i)`` (Nash 1950; Kalai 1977 for the weights α).

    ``surplus`` is (P, R, C). The weights are equal, ``(1 − b)/n``, over the n ``counted``
    parties, with the share ``b = bias`` (R,) moved to the ``mediator`` (R,; -1 for none).
    ``φ(s) = log(ε + s)`` for s ≥ 0 and continues as its tangent line ``log ε + s/ε`` below 0,
    so a candidate that leaves someone short still ranks by how short: the mediator prefers the
    text nearest to acceptance when none is accepted by all. Computed as one logarithm of a
    product per candidate rather than one per party.
    """
    parties = np.flatnonzero(counted)
    product = np.ones(surplus.shape[1:])
    shortfall = np.zeros(surplus.shape[1:], dtype=surplus.dtype)
    for p in parties:
        product *= NASH_EPSILON + np.maximum(surplus[p], 0.0)
        shortfall += np.minimum(surplus[p], 0.0)
    named = mediator >= 0
    share = np.where(named, 1.0 - bias, 1.0) / len(parties)
    score = (np.log(product) + shortfall / NASH_EPSILON) * share[:, None]
    if named.any():
        rows = np.flatnonzero(named)
        own = surplus[mediator[rows], rows]
        own = np.log(NASH_EPSILON + np.maximum(own, 0.0)) + np.minimum(own, 0.0) / NASH_EPSILON
        score[rows] += bias[rows, None] * own
    return score
