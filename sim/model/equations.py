"""The model's dynamics, one function each: the war, beliefs, the value of no deal,
concession, demands and the welfare account (docs/model.md §3).

Arrays broadcast: a leading replicate axis, then parties and dimensions as each function says.
Positions are in [0, 1]. The utility of packages is :mod:`sim.bargaining.utility`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, vectorize

from sim.bargaining.utility import loss_term

# --- the war --------------------------------------------------------------------------------------


def drift(base: np.ndarray, effects: np.ndarray, status_quo: np.ndarray) -> np.ndarray:
    """Drift of the battlefield this round: its base value plus the effects of other issues'
    status quo (``effects`` (R, K) per unit of normalised status quo, summed over issues)."""
    return base + np.einsum("rk,rk->r", effects, status_quo)


def battlefield_step(
    position: np.ndarray, drift: np.ndarray, volatility: np.ndarray, noise: np.ndarray
) -> np.ndarray:
    """``z(t+1) = z(t) + drift + volatility·ε``: the war's position, a random walk with drift
    (the war of attrition of Slantchev 2003 in its simplest form). The front the parties hold
    is ``clip(z, 0, 1)``: it stops at the ends of the issue's scale, while the war's position
    may run past them and come back."""
    return position + drift + volatility * noise


def ground_lost(start: np.ndarray, now: np.ndarray) -> np.ndarray:
    """``max(L(t) − L(0), 0)``: the utility the front has cost a party since the talks began
    (L its loss on the battlefield issues) — ground lost presses a party like the war's costs;
    ground won does not make up for them (losses loom larger than gains: Kahneman & Tversky
    1979), and the war's news moves the bargain (Slantchev 2003)."""
    return np.maximum(now - start, 0.0)


def update_belief(belief: np.ndarray, observed: np.ndarray, learning: np.ndarray) -> np.ndarray:
    """Adaptive expectations: a party's believed drift moves toward the drift it observed by
    the share ``learning`` of the gap — how fighting reveals information and narrows
    disagreement about the balance of power (Fearon 1995; Slantchev 2003)."""
    return belief + learning * (observed - belief)


# --- the value of no deal -------------------------------------------------------------------------

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(24)


@njit(cache=True)
def _moment(c, a, b, ea, eb, mean, loss, sign):  # pragma: no cover - compiled
    """``∫_a^b (1/μ)·e^(−e/μ)·(sign·(c + e))^p de``, sign·(c + e) ≥ 0 on [a, b]; ``ea`` and
    ``eb`` are e^(−a/μ) and e^(−b/μ), which the pieces of :func:`_branch` share."""
    if b <= a:
        return 0.0
    ca, cb = c + a, c + b
    if loss == 1.0:
        return sign * (ea * (ca + mean) - eb * (cb + mean))
    if loss == 2.0:
        return ea * (ca * ca + 2 * mean * ca + 2 * mean**2) - eb * (
            cb * cb + 2 * mean * cb + 2 * mean**2
        )
    top = min(b, a + 60 * mean)  # the rest weighs less than e^-60
    half = (top - a) / 2
    total = 0.0
    for k in range(_NODES.shape[0]):
        e = a + half * (_NODES[k] + 1.0)
        total += _WEIGHTS[k] * np.exp(-e / mean) / mean * loss_term(c + e, loss)
    return half * total


@njit(cache=True)
def _branch(start, ideal, loss, mean, low, high):  # pragma: no cover - compiled
    """``E|clip(z + E, low, high) − x|^p`` for E exponential with ``mean`` (∞: the far end)."""
    first = max(low - start, 0.0)  # the exponential's range that lands inside
    last = max(high - start, 0.0)
    if not np.isfinite(mean):
        return loss_term(high - ideal, loss)
    # each exponential once: the range's ends and the kink often coincide, and e^0 is 1
    e_first = 1.0 if first == 0.0 else np.exp(-first / mean)
    e_last = np.exp(-last / mean)
    kink = min(max(ideal - start, first), last)
    e_kink = e_first if kink == first else (e_last if kink == last else np.exp(-kink / mean))
    offset = start - ideal
    inside = _moment(offset, first, kink, e_first, e_kink, mean, loss, -1.0)
    inside += _moment(offset, kink, last, e_kink, e_last, mean, loss, 1.0)
    below, above = 1.0 - e_first, e_last
    return below * loss_term(low - ideal, loss) + above * loss_term(high - ideal, loss) + inside


@vectorize(["float64(float64, float64, float64, float64, float64, float64)"], cache=True)
def expected_front_loss(start, drift, volatility, rate, ideal, loss):  # pragma: no cover
    """``E|clip(z + D, 0, 1) − x|^p``: a party's expected loss on a battlefield issue from the
    front over the rest of the war, weighted as its discounting weighs the future.

    With patience δ the discounted flow ``Σ_j (1 − δ)·δ^(j−1)·f(t + j)`` is the expectation of
    f at a random time J, geometric with mean 1/(1 − δ); taken in continuous time (J
    exponential with rate ``rate`` = 1 − δ, the same mean), a random walk with drift b and
    volatility σ sampled at J is asymmetric-Laplace distributed (Kotz, Kozubowski & Podgórski
    2001, §3.2): D is an exponential of mean (κ + b)/(2λ) upward with probability (κ + b)/(2κ),
    else one of mean (κ − b)/(2λ) downward, κ = √(b² + 2λσ²). The front stops at the scale's
    ends, so the loss is integrated piece by piece between 0, x and 1: in closed form for
    losses 1 and 2, by Gauss–Legendre quadrature otherwise. With σ = 0 this is the straight
    drift, with λ → 0 (δ = 1) the war's end point. A compiled ufunc (the valuation runs for
    every party and replicate each round): arguments broadcast; model units."""
    b, variance, lam = drift, volatility * volatility, rate
    kappa = np.sqrt(b * b + 2.0 * lam * variance)
    if kappa == 0.0:
        if variance == 0.0:  # the front stays where it is
            return loss_term(min(max(start, 0.0), 1.0) - ideal, loss)
        up_weight, up_mean, down_mean = 0.5, np.inf, np.inf  # δ = 1: it spreads without end
    else:
        up_weight = (kappa + b) / (2.0 * kappa)
        # each mean in the form that does not cancel: (κ − b)(κ + b) = 2λσ²
        far = lam == 0.0  # δ = 1: the war's end point, infinitely far on the side it drifts to
        up_mean = variance / (kappa - b) if b < 0 else (np.inf if far else (kappa + b) / 2 / lam)
        down_mean = variance / (kappa + b) if b > 0 else (np.inf if far else (kappa - b) / 2 / lam)
    expected = 0.0
    if up_weight > 0.0:
        expected += up_weight * _branch(start, ideal, loss, up_mean, 0.0, 1.0)
    if up_weight < 1.0:
        expected += (1.0 - up_weight) * _branch(-start, -ideal, loss, down_mean, -1.0, 0.0)
    return expected


def expected_costs(war_cost: np.ndarray, patience: np.ndarray) -> np.ndarray:
    """``c/(1 − δ)``: the war's costs to a party, discounted, if it goes on for ever at today's
    rate (0 for a party that bears none; ∞ for one with δ = 1 that does — the scenario checks
    forbid it)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(war_cost > 0, war_cost / (1 - patience), 0.0)


def impasse_value(
    expected_utility: np.ndarray, war_cost: np.ndarray, patience: np.ndarray
) -> np.ndarray:
    """The value of the war going on without a deal, on the one welfare account:
    ``E[u_i(q at J)] − c_i/(1 − δ_i)`` — the discounted flow ``(1 − δ)·u_i(q(t))`` of the
    status quo while the war lasts, less the war's discounted costs (Powell 2004's flow payoffs;
    Fearon 1995's ``p − c`` in present value)."""
    return expected_utility - expected_costs(war_cost, patience)


def prospect(impasse: np.ndarray, war_cost: np.ndarray, patience: np.ndarray) -> np.ndarray:
    """``E[u_i(q at J)]``: what a party expects the war to bring it, before its costs — the
    default of its resolve: it holds out until the war has cost it that much. A party the war
    favours holds out longer, one it goes against gives way sooner: the side with less to lose
    from a breakdown concedes last (Zeuthen 1930; Harsanyi 1956)."""
    return np.maximum(impasse + expected_costs(war_cost, patience), 0.0)


def reservation_value(impasse: np.ndarray, outside_option: np.ndarray) -> np.ndarray:
    """What a party will not go below: the better of fighting on and walking away to its
    outside option (NaN when it has none) — the constraint of Binmore, Rubinstein & Wolinsky
    (1986), not their disagreement point."""
    return np.fmax(impasse, outside_option)


# --- concession -----------------------------------------------------------------------------------


def insistence(
    pressure: np.ndarray,
    beta: np.ndarray,
    opening: np.ndarray,
    others_conceded: np.ndarray,
    reciprocity: np.ndarray,
) -> np.ndarray:
    """``h = min((1 − κ)·(1 − x^(1/β)), 1 − ρ·c̄)``: the share of its possible gain over no deal
    a party still insists on.

    ``x`` in [0, 1] is the pressure it is under — the war costs it has borne and the ground
    it has lost (:func:`ground_lost`) against its resolve, or the time gone toward its own
    deadline — κ what it concedes at the outset, and β how it gives way: Faratin, Sierra &
    Jennings's (1998) resource- and time-dependent tactics, boulware (β < 1) holding out until
    the pressure is nearly spent, conceder (β > 1) giving way early. ``c̄`` is how far the
    other parties have conceded, and reciprocity ρ how far it matches them (their
    behaviour-dependent tactics). With no pressure and no one moving, nothing moves."""
    own = (1.0 - opening) * (1.0 - np.clip(pressure, 0.0, 1.0) ** (1.0 / beta))
    return np.clip(np.minimum(own, 1.0 - reciprocity * others_conceded), 0.0, 1.0)


def aspiration(reservation: np.ndarray, insistence: np.ndarray) -> np.ndarray:
    """``a = r + (1 − r)·h``: the least utility a party accepts — its reservation value plus the
    share h of the way up to its ideal."""
    return reservation + (1.0 - reservation) * insistence


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


# --- the welfare account --------------------------------------------------------------------------


def impasse_flow(utility: np.ndarray, war_cost: np.ndarray, patience: np.ndarray) -> np.ndarray:
    """One round of war without a deal: ``(1 − δ)·u(q(t)) − c`` — the status quo held for a round
    and the round's cost. A deal o worth u(o) is the same flow of ``(1 − δ)·u(o)`` for ever."""
    return (1.0 - patience) * utility - war_cost


def discount(patience: np.ndarray, rounds: int | np.ndarray) -> np.ndarray:
    """``δ^t``: what a value received after t rounds is worth now."""
    return patience**rounds
