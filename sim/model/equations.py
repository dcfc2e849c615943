"""The model's equations (DESIGN.md §3), one function each, vectorised over replicates.

Every array has a leading replicate axis; issues are the last axis. Positions are in [0, 1].
"""

from __future__ import annotations

import numpy as np

MAX_OPTION_COMBINATIONS = 512
"""Largest table of option combinations :class:`CandidateLosses` looks candidates up in."""

NASH_EPSILON = 1e-3
"""Surplus below which the generalised Nash product turns linear (see :func:`nash_score`)."""
NASH_FACTORS = 12
"""Factors of the Nash product multiplied before a logarithm is taken: 12 factors of at least
ε = 1e-3 stay above single precision's smallest normal number (1.2e-38)."""


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


class CandidateLosses:
    """Every party's weighted loss ``Σ_k w_ik·|o_k − x_ik|^loss_i`` (:func:`utility` is one
    minus it), laid out for ranking candidate packages: single precision, replicates last.

    It depends on the parties' preferences only, not on the round, so a protocol keeps it until
    they change. Option issues take a few values each: the loss over every combination of their
    options goes in tables (of at most ``MAX_OPTION_COMBINATIONS`` entries each, negated),
    which candidates look up by their option indices. ``options`` lists the option dimensions
    with their points, ``continuous`` the other dimensions; ``ideal`` and ``weights`` are
    (R, P, D), ``loss`` (R, P).
    """

    def __init__(
        self,
        options: list[tuple[int, np.ndarray]],
        continuous: np.ndarray,
        ideal: np.ndarray,
        weights: np.ndarray,
        loss: np.ndarray,
    ):
        self.continuous = continuous
        self.position = ideal.transpose(1, 2, 0).astype(np.float32, order="C")  # (P, D, R)
        self.weight = weights.transpose(1, 2, 0).astype(np.float32, order="C")
        self.exponent = loss.T[:, None, :]  # (P, 1, R)
        by_party = (loss == loss[:1]).all(axis=0)  # each party has one loss in every replicate
        self.party_loss = loss[0] if by_party.all() else None
        n_parties, size = loss.shape[1], loss.shape[0]
        self.size = size
        self.tables: list[tuple[list[tuple[int, int]], np.ndarray]] = []  # (P, M, R) each
        group, table = [], np.zeros((n_parties, 1, size), dtype=np.float32)
        for k, points in options:
            if group and table.shape[1] * len(points) > MAX_OPTION_COMBINATIONS:
                self.tables.append((group, table))
                group, table = [], np.zeros((n_parties, 1, size), dtype=np.float32)
            issue_loss = np.abs(points.astype(np.float32)[:, None] - self.position[:, k, None, :])
            _raise(issue_loss, self.exponent)
            issue_loss *= self.weight[:, k, None, :]
            table = (table[:, :, None, :] - issue_loss[:, None, :, :]).reshape(n_parties, -1, size)
            group.append((k, len(points)))
        self.tables.append((group, table))


class CandidateSurplus:
    """``u_i(o) − a_i``, :func:`utility` over aspiration, of one round's candidate packages for
    every party, from their :class:`CandidateLosses` and this round's ``aspiration`` (R, P).

    Single precision (it ranks candidates; the verdict on the chosen text is computed again
    with :func:`utility`), replicates last: results are (P, C, r), so every array operation
    runs along the replicates.
    """

    def __init__(self, losses: CandidateLosses, aspiration: np.ndarray):
        self.losses = losses
        (group, first), *others = losses.tables
        first = first + (1.0 - aspiration.T[:, None, :]).astype(np.float32)
        self.tables = [(g, t.reshape(len(t), -1)) for g, t in [(group, first), *others]]
        self.scratch = np.empty(0, dtype=np.float32)

    def __call__(
        self, positions: np.ndarray, option_index: dict[int, np.ndarray], rows: slice
    ) -> np.ndarray:
        """The surplus (P, C, r) of the candidates of the replicates at ``rows``:
        ``positions`` (S, C, r) on the continuous dimensions, ``option_index`` the option
        indices (C, r) on each option dimension. The result lives in scratch space that the
        next call reuses."""
        losses = self.losses
        surplus, term = self._scratch(positions.shape[1:])
        replicate = np.arange(rows.start, rows.stop)
        for n, (group, table) in enumerate(self.tables):
            code = np.zeros(positions.shape[1:], dtype=np.int32)
            for k, n_points in group:  # the combination's entry in the table (Horner)
                code *= n_points
                code += option_index[k]
            entry = np.multiply(code, losses.size, dtype=np.intp)
            entry += replicate
            np.take(table, entry, axis=1, mode="clip", out=surplus if n == 0 else term)
            if n > 0:
                surplus += term

        position, weight = losses.position[:, :, rows], losses.weight[:, :, rows]
        for s, k in enumerate(losses.continuous):
            np.subtract(positions[s], position[:, k, None, :], out=term)
            np.abs(term, out=term)
            if losses.party_loss is None:
                _raise(term, losses.exponent[:, :, rows])
            else:  # square or power only the rows of the parties that ask for it
                for p, value in enumerate(losses.party_loss):
                    if value == 2:
                        np.square(term[p], out=term[p])
                    elif value != 1:
                        np.power(term[p], value, out=term[p])
            term *= weight[:, k, None, :]
            surplus -= term
        return surplus

    def _scratch(self, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """Two arrays (P, C, r), allocated once a round: fresh arrays this size would cost the
        operating system's page faults at every call."""
        shape = (len(self.losses.position), *shape)
        size = shape[0] * shape[1] * shape[2]
        if len(self.scratch) < 2 * size:
            self.scratch = np.empty(2 * size, dtype=np.float32)
        return self.scratch[:size].reshape(shape), self.scratch[size : 2 * size].reshape(shape)


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
    return np.where(hardliner, 1.0, level) if hardliner.any() else level


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


def nash_score(
    surplus: np.ndarray, counted: np.ndarray, mediator: np.ndarray, bias: np.ndarray
) -> np.ndarray:
    """The generalised (asymmetric) Nash product of surpluses over aspirations, in logs:
    ``Σ_i α_i·φ(s_i)`` (Nash 1950; Kalai 1977 for the weights α).

    ``surplus`` is (P, C, R) — C candidates, replicates last — and is overwritten. The weights
    are equal, ``(1 − b)/n``, over the n ``counted`` parties, with the share ``b = bias`` (R,)
    moved to the ``mediator`` (R,; -1 for none). ``φ(s) = log(ε + s)`` for s ≥ 0 and continues
    as its tangent line ``log ε + s/ε`` below 0, so a candidate that leaves someone short still
    ranks by how short: the mediator prefers the text nearest to acceptance when none is
    accepted by all. Computed as the logarithm of a product rather than a sum of logarithms.
    """
    own = None
    if (mediator >= 0).any():  # the mediator's own term, taken before surplus is overwritten
        if (mediator == mediator[0]).all():  # one mediator (the usual case): no gathering
            own = _nash_term(surplus[mediator[0]])
        else:
            gathered = np.zeros_like(surplus[0])
            for p in range(len(surplus)):
                np.copyto(gathered, surplus[p], where=mediator == p)
            own = _nash_term(gathered)
    bias = np.where(mediator >= 0, bias, 0.0).astype(surplus.dtype)
    part = surplus if counted.all() else surplus[counted]
    share = (1.0 - bias) / len(part)
    score = part.sum(axis=0)
    np.maximum(part, 0.0, out=part)
    score -= part.sum(axis=0)  # Σ min(s, 0): what is left of the sum without its gains
    score /= NASH_EPSILON
    part += NASH_EPSILON
    for group in range(0, len(part), NASH_FACTORS):  # products that stay normal numbers
        score += np.log(part[group : group + NASH_FACTORS].prod(axis=0))
    score *= share
    if own is not None:
        own *= bias
        score += own
    return score


def _nash_term(surplus: np.ndarray) -> np.ndarray:
    """``φ(s)`` of :func:`nash_score` for one party."""
    return np.log(NASH_EPSILON + np.maximum(surplus, 0.0)) + np.minimum(surplus, 0.0) / NASH_EPSILON


# --- shares issues ---------------------------------------------------------------------------


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


# --- subgame-perfect play (alternating protocol, concession style rational) -----------------


def least_share(threshold: np.ndarray, weight: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """The smallest share s of a shares issue with ``1 − w·(1 − s)^loss ≥ threshold``: what a
    responder must be offered to accept (0 if it accepts nothing at all, or does not care)."""
    gap = np.divide(1.0 - threshold, weight, out=np.ones_like(threshold), where=weight > 0)
    need = 1.0 - np.clip(gap, 0.0, None) ** (1.0 / loss)
    return np.where(weight > 0, np.clip(need, 0.0, None), 0.0)


def acceptance_radius(threshold: np.ndarray, weight: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """On a scale issue, how far from its ideal a package may lie for a responder to accept:
    ``1 − w·|o − x|^loss ≥ threshold`` ⇔ ``|o − x| ≤ ((1 − threshold)/w)^(1/loss)`` (infinite
    for a party that does not care; negative — nothing acceptable — above utility 1)."""
    gap = np.divide(1.0 - threshold, weight, out=np.full_like(threshold, np.inf), where=weight > 0)
    return np.where(gap >= 0, np.abs(gap) ** (1.0 / loss), -1.0)


# --- Bueno de Mesquita's expected-utility model (Scholz, Calbert & Smith 2011) --------------
# Every function is vectorised over a leading batch shape (replicates × issues) and takes the
# actors' positions ``x`` (..., P) in [0, 1], their capability × salience ``weight`` (..., P)
# and saliences ``salience`` (..., P) in [0, 1].


def eu_total_distance(x: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``A_j = Σ_k c_k·s_k·|x_k − x_j|`` for each actor's position j. The pairwise vote margin
    of position j over l is ``Σ_k v_k^{jl} = Σ_k c_k·s_k·(|x_k − x_l| − |x_k − x_j|) = A_l − A_j``
    (Bueno de Mesquita 1994, votes with linear utility), so the position that wins every
    pairwise vote — the weighted median — is the one with the least A."""
    distance = np.abs(x[..., :, None] - x[..., None, :])  # (..., k, j)
    return np.einsum("...k,...kj->...j", weight, distance)


def eu_success_probability(
    x: np.ndarray,
    weight: np.ndarray,
    exponent: np.ndarray | float = 1.0,
    active: np.ndarray | None = None,
) -> np.ndarray:
    """``P_ij``: the probability that i prevails over j in a contest (Bueno de Mesquita 1994;
    Scholz et al. 2011, §4). Voter k's vote for i against j is
    ``v_k^{ij} = c_k·s_k·(|x_k − x_j|^{r_k} − |x_k − x_i|^{r_k})`` (``exponent`` holds each
    voter's r_k, (..., P) or a scalar); i's chance is the votes cast for it, ``Σ_k max(v_k^{ij},
    0)``, over every vote cast on the issue, ``Σ_k Σ_{a,b} |v_k^{ab}|`` — the normalisation of
    Scholz et al.'s own implementation, which produced their published EC path (see
    :mod:`sim.model.protocols.expected_utility` for why this reading). Only the ``active``
    actors (..., P) vote and contest. Zero where i and j hold the same position. Returns
    (..., i, j)."""
    if active is None:
        active = np.ones(x.shape, dtype=bool)
    weight = np.where(active, weight, 0.0)
    r = np.broadcast_to(np.asarray(exponent, dtype=float), x.shape)
    distance = np.abs(x[..., :, None] - x[..., None, :]) ** r[..., :, None]  # (..., k, position)
    # votes[..., k, i, j] = w_k (|x_k − x_j|^r_k − |x_k − x_i|^r_k), between active contestants
    votes = weight[..., :, None, None] * (distance[..., :, None, :] - distance[..., :, :, None])
    votes = np.where((active[..., :, None] & active[..., None, :])[..., None, :, :], votes, 0.0)
    cast = np.abs(votes).sum(axis=(-3, -2, -1))[..., None, None]
    won = np.maximum(votes, 0.0).sum(axis=-3)
    return np.divide(won, cast, out=np.zeros_like(won), where=cast > 0)


def eu_utilities(x: np.ndarray, median: np.ndarray, exponent: np.ndarray) -> dict[str, np.ndarray]:
    """The utilities to i of the outcomes of i challenging j (Scholz et al. 2011, §3), with
    distances on [0, 1] and the risk exponent r of whoever evaluates them (``exponent``, which
    broadcasts to (..., i, j)); each (..., i, j):

    ``U_s = 2 − 4·(0.5 − 0.5·|x_i − x_j|)^r`` (success), ``U_f = 2 − 4·(0.5 + 0.5·|x_i − x_j|)^r``
    (failure), ``U_b = 2 − 4·(0.5 − 0.25·(|x_i − μ| + |x_i − x_j|))^r`` (things get better),
    ``U_w = 2 − 4·(0.5 + 0.25·(|x_i − μ| + |x_i − x_j|))^r`` (worse), ``U_sq = 2 − 4·0.5^r``
    (the status quo), μ the weighted median."""
    r = exponent
    apart = np.abs(x[..., :, None] - x[..., None, :])
    off = np.abs(x - median[..., None])[..., :, None]
    return {
        "success": 2 - 4 * (0.5 - 0.5 * apart) ** r,
        "failure": 2 - 4 * (0.5 + 0.5 * apart) ** r,
        "better": 2 - 4 * np.clip(0.5 - 0.25 * (off + apart), 0.0, None) ** r,
        "worse": 2 - 4 * (0.5 + 0.25 * (off + apart)) ** r,
        "status_quo": np.broadcast_to(2 - 4 * 0.5**r, apart.shape),
    }


def eu_challenge(
    probability: np.ndarray,
    utilities: dict[str, np.ndarray],
    salience: np.ndarray,
    q: float,
    t: float,
) -> np.ndarray:
    """i's expected utility of challenging j, ``E^i(U_ij)`` (Scholz et al. 2011, §2.2):
    ``s_j·(P_ij·U_s + (1 − P_ij)·U_f) + (1 − s_j)·U_s − (Q·U_sq + (1 − Q)·(T·U_b + (1 − T)·U_w))``:
    j resists with probability s_j (its salience) and i wins a contest with P_ij; if j does not
    resist i succeeds; against that, not challenging keeps the status quo with probability Q,
    and a change without challenge is for the better with probability T. (..., i, j)."""
    u = utilities
    s = salience[..., None, :]
    challenge = s * (probability * u["success"] + (1 - probability) * u["failure"])
    challenge += (1 - s) * u["success"]
    quiet = q * u["status_quo"] + (1 - q) * (t * u["better"] + (1 - t) * u["worse"])
    result = challenge - quiet
    n = result.shape[-1]
    result[..., np.arange(n), np.arange(n)] = 0.0  # no actor challenges itself
    return result


def eu_risk_exponent(challenge: np.ndarray, active: np.ndarray | None = None) -> np.ndarray:
    """Risk exponents from security levels (Scholz et al. 2011, §5; Bueno de Mesquita 1985):
    i's exposure ``S_i = Σ_{j≠i} E^j(U_ji)`` (what the others expect from challenging i),
    ``R_i = (2·S_i − max_k S_k − min_k S_k)/(max_k S_k − min_k S_k)`` in [−1, 1] and
    ``r_i = (1 − R_i/3)/(1 + R_i/3)`` in [0.5, 2]: the most exposed actor is the most
    risk-acceptant (r = 0.5), the safest the most risk-averse (r = 2). ``challenge`` (..., i, j)
    holds E^i(U_ij) computed with r = 1. Only the ``active`` actors (..., P) count, in the sums
    and the extremes; the others get r = 1 (as when all exposures are equal)."""
    if active is None:
        active = np.ones(challenge.shape[:-1], dtype=bool)
    pair = active[..., :, None] & active[..., None, :]
    exposure = np.where(pair, challenge, 0.0).sum(axis=-2)  # Σ_j E^j(U_ji): column sums
    high = np.where(active, exposure, -np.inf).max(axis=-1, keepdims=True)
    low = np.where(active, exposure, np.inf).min(axis=-1, keepdims=True)
    spread = high - low
    level = np.divide(
        2 * exposure - high - low,
        spread,
        out=np.zeros_like(exposure),
        where=np.isfinite(spread) & (spread > 0),
    )
    return np.where(active, (1 - level / 3) / (1 + level / 3), 1.0)


EU_NO_OFFER, EU_CONFLICT, EU_COMPROMISE, EU_CAPITULATION = range(4)
EU_OFFER_KINDS = ("none", "conflict", "compromise", "capitulation")


def eu_offers(x: np.ndarray, own: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The offers each actor i receives, by the octant of ``a = E^i(U_ij)`` (i challenging j) and
    ``b = E^i(U_ji)`` (j challenging i, as i sees it) — Bueno de Mesquita 1994; Scholz et al.
    2011, §6. Where j expects to gain (b > 0):

    - conflict j wins (a > 0, b > a): i moves to x_j;
    - compromise (a < 0, b > |a|): i moves toward x_j by the share |a/b| of the distance;
    - capitulation (a ≤ 0, b ≤ |a|): i moves to x_j.

    Otherwise (both negative, or i would win) j makes i no offer. Returns the position each
    offer asks of i and its kind, both (..., i, j)."""
    kind = np.full(own.shape, EU_NO_OFFER, dtype=np.int8)
    wants = (other > 0) & (x[..., :, None] != x[..., None, :])
    conflict = wants & (own > 0) & (other > own)
    compromise = wants & (own <= 0) & (other > np.abs(own))
    capitulation = wants & (own <= 0) & (other <= np.abs(own))
    kind[conflict] = EU_CONFLICT
    kind[compromise] = EU_COMPROMISE
    kind[capitulation] = EU_CAPITULATION
    xi, xj = x[..., :, None], x[..., None, :]
    ratio = np.divide(np.abs(own), other, out=np.ones_like(own), where=other > 0)
    target = np.where(kind == EU_COMPROMISE, xi + (xj - xi) * np.minimum(ratio, 1.0), xj)
    return np.where(kind == EU_NO_OFFER, xi, target), kind
