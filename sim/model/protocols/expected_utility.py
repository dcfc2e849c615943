"""Bueno de Mesquita's expected-utility model as a protocol (docs/model.md §4.3), as specified by
Scholz, Calbert & Smith (2011), "Unravelling Bueno De Mesquita's group decision model", Journal
of Theoretical Politics 23(4) (conference version: ICAART 2011). The equations are in
bottom of this module (``eu_*``).

Each issue is played on its own. Every round, on every issue, over the actors who care about it
(salience > 0; a party with no position there takes no part):

1. the **weighted median** μ — the position that wins every pairwise vote, votes weighted by
   capability × salience — and the weighted mean are taken;
2. for every pair, the **probability of success** ``P_ij`` (the weighted votes on i's side);
3. the **utilities** of success, failure, better, worse and the status quo, first with risk
   exponent r = 1; the **expected utility of challenge** ``E^i(U_ij)``; from them each actor's
   **security level** and its **risk exponent** r_i in [0.5, 2]; then utilities and expected
   utilities again with those exponents;
4. every actor i reads each other actor j by the octant of ``E^i(U_ij)`` and ``E^i(U_ji)``
   (both as i sees them, with i's exponent): j's **offer** to i is a lost conflict, a
   compromise or a capitulation, or nothing;
5. every actor takes, of the offers it received, the one that **moves it least**, and all move
   at once. ``q`` and ``t`` are the model's Q and T (defaults 1 and 1).

Its output per round is the weighted median and mean (the ``text`` of the round is the median;
the traces hold ``eu.*`` columns: positions, offers taken, risk exponents, challenges). The
forecast — ``outcome.<issue>`` — is the median after the last round; on an option issue the
positions are the options' points on [0, 1] and the forecast is snapped to the nearest option.
There is no deal: ``deal``, ``round`` and ``accepted`` are null, and the payoff is the utility of
the forecast. Positions start from the ideal points when the first round begins (after that
round's events); later events that change positions do not move them, while changes of
capability and salience count from their round on. The war and the status quo play no part.

Choices where the literature leaves room, each stated so a reader can change it:

- Distances are on the issue's scale, normalised to [0, 1] — Scholz et al. normalise by the
  range of the positions; the EC case's scale (4–10 years) is that range, so it makes no
  difference there.
- The weighted median uses linear votes (Bueno de Mesquita 1994). The **probability of
  success** ``P_ij`` counts the votes cast for i in the i–j contest over *all* the votes cast
  on the issue, every pair of active actors taken together (:func:`eu_success_probability`).
  That is the normalisation of Scholz et al.'s own implementation, which produced their
  published path (the replications read the denominator of their formula differently: Masad
  takes the pair's votes only, below; McKibben follows their code). Each voter's vote uses linear
  distance in the first pass and its own risk exponent in the second (Scholz et al.'s step 10:
  "repeat the steps with the new r").
- Salience is the probability that a challenged actor resists; it is clipped to [0, 1].
- The security level of i is the sum of the others' expected utilities of challenging it, and
  R_i scales it between the least and the most exposed actor of the round.
- Perspective: i judges j's expected utility with its own risk exponent (Bueno de Mesquita's
  actors perceive each other through their own risk attitude; Scholz et al. and both public
  ports agree).
- Each actor takes the offer that **moves it least**, whatever its kind — the rule Bueno de
  Mesquita and Scholz et al.'s text state. (Scholz et al.'s code, as McKibben's port shows,
  ranks conflicts before compromises and compromises by a weighted mean; McKibben calls that
  a mistake against their text, and so do we.)

**Why the median used not to move, and what changed.** An earlier version took
``P_ij = max(Σ_k v_k^{ij}, 0) / Σ_k |v_k^{ij}|`` — the net vote margin over the votes of that
one pair — as D. Masad's replication does (github.com/dmasad/BDM_DecisionModel_Replication).
On the EC data the 10-year bloc holds 49.6 % of the weighted votes against 50.4 %, so its
chance against anyone at 7 or 4 years came out exactly zero: no actor ever expected France,
Italy or the UK to prevail, the low-salience states at 7 drifted toward the 4-year bloc, and
the median stayed on Greece's 7 for ten rounds (forecast 7.0, 1.83 years from the outcome).
With Scholz et al.'s normalisation the contest's share of all votes decides, the 10-year
bloc's offers become credible to Belgium, Ireland and Luxembourg, and the pivot moves.

**Against the published case** (``scenarios/reference/ec_emissions_1994.yaml``, also in
``scenarios/cases/``; Bueno de Mesquita 1994's EC car emission standards, ten member states;
checked in ``tests/test_protocols.py``):

- The initial weighted median is 7.0 years and the weighted mean 7.39 (Bueno de Mesquita 1994;
  Scholz et al. 2011, Table 1 data). Bueno de Mesquita forecast 9.05 years; the standard
  adopted was 8.83.
- The first round's risk exponents — Netherlands and Germany 1.406, Belgium 0.754,
  Luxembourg 0.509, France and Italy 1.047, the UK 1.965, Ireland 0.5, Denmark 2.0, Greece
  1.112 — and the first round's median, 8.416 years (Belgium compromising with France), are
  Scholz et al.'s, as J. McKibben's port of their model prints them
  (github.com/jmckib/bdm-scholz-expected-utility-model; its author reports that it reproduces
  their published results for ten rounds).
- Round by round, the weighted median (years), ours against Scholz et al.'s:

  ====== ====== ====== ====== ====== ====== ====== ====== ====== ====== ======
  round  1      2      3      4      5      6      7      8      9      10
  ====== ====== ====== ====== ====== ====== ====== ====== ====== ====== ======
  ours   8.42   9.48   9.93   10.00  10.00  10.00  10.00  7.00   8.22   9.30
  Scholz 8.42   9.61   9.96   9.96   9.96   7.47   8.82   9.67   9.67   7.00
  ====== ====== ====== ====== ====== ====== ====== ====== ====== ====== ======

  Rounds 1–3 agree within 0.14 years; the gap in rounds 2–3 is the offer rule (theirs takes
  Belgium's conflict-first offer). Both paths cycle: Belgium, the pivot, is pulled to France's
  10 years, gives in to Greece's 7 and heads back — the non-convergence Scholz et al. discuss;
  their reported medians span 7.4–9.9. Our forecast after the scenario's ten rounds is 9.30
  years: 0.47 from the outcome, 0.25 from Bueno de Mesquita's forecast. Being a point on a
  cycle, it depends on the number of rounds (eight rounds would give 7.0): read it with that
  caveat, as Scholz et al. do theirs.
- The other public replication, Masad's, differs from both in ``P_ij`` (above) and in who
  judges an offer (the sender's own view); it moves the median to 10 and back every round.
"""

from __future__ import annotations

import numpy as np

from sim.model.protocols.base import Proposal, Protocol, ProtocolContext, Round


class ExpectedUtility(Protocol):
    """Settings: ``q``, ``t``. State: every actor's position on every issue (R, D, P)."""

    forecast = True
    replicate_fields = ("breakdown", "positions", "median")

    def __init__(self, settings, context: ProtocolContext):
        super().__init__(settings, context)
        self.positions: np.ndarray | None = None
        self.median: np.ndarray | None = None
        self.q, self.t = settings.q, settings.t
        self.points = {k: units for k, units in context.layout.options}

    def propose(self, state: Round) -> Proposal:
        parties = state.parties
        if self.positions is None:
            self.positions = parties.ideal.transpose(0, 2, 1).copy()  # (R, D, P)
        x = self.positions
        capability = parties.capability  # (R, P)
        salience = np.clip(parties.salience.transpose(0, 2, 1), 0.0, 1.0)  # (R, D, P)
        active = salience > 0
        weight = capability[:, None, :] * salience

        start_median = self._median(x, weight, active, state.status_quo)
        start_mean = _mean(x, weight)
        pair = active[..., :, None] & active[..., None, :]

        probability = eu_success_probability(x, weight, 1.0, active)
        first = eu_challenge(
            probability, eu_utilities(x, start_median, 1.0), salience, self.q, self.t
        )
        risk = eu_risk_exponent(first, active)
        # Scholz et al.'s step 10: every step again with the new exponents, the votes included
        probability = eu_success_probability(x, weight, risk, active)
        own = eu_challenge(
            probability,
            eu_utilities(x, start_median, risk[..., :, None]),
            salience,
            self.q,
            self.t,
        )
        seen = eu_challenge(  # seen[j, i] = E^i(U_ji): j challenging i, with i's exponent
            probability,
            eu_utilities(x, start_median, risk[..., None, :]),
            salience,
            self.q,
            self.t,
        )
        other = np.swapaxes(seen, -1, -2)
        target, kind = eu_offers(x, own, other)
        kind = np.where(pair, kind, EU_NO_OFFER)

        move = np.where(kind != EU_NO_OFFER, np.abs(target - x[..., :, None]), np.inf)
        sender = np.argmin(move, axis=-1)  # the offer that moves it least (first on a tie)
        taken = np.take_along_axis(kind, sender[..., None], axis=-1)[..., 0]
        new = np.take_along_axis(target, sender[..., None], axis=-1)[..., 0]
        self.positions = np.where(taken != EU_NO_OFFER, new, x)

        self.median = self._median(self.positions, weight, active, state.status_quo)
        package = self._snapped(self.median)
        detail = self._detail(
            start_median, start_mean, weight, risk, own, pair, sender, taken, package
        )
        return Proposal(package, detail=detail)

    def outcome(self, state: Round) -> np.ndarray:
        return self._snapped(self.median)

    def _median(self, x, weight, active, status_quo) -> np.ndarray:
        """The weighted median among the positions of the actors taking part (the status quo
        where no one cares about an issue)."""
        total = eu_total_distance(x, weight)
        total = np.where(active, total, np.inf)
        winner = np.argmin(total, axis=-1)
        median = np.take_along_axis(x, winner[..., None], axis=-1)[..., 0]
        nobody = ~active.any(axis=-1)
        return np.where(nobody, status_quo, median)

    def _snapped(self, median: np.ndarray) -> np.ndarray:
        package = median.copy()
        for k, units in self.points.items():
            package[:, k] = units.snap(package[:, k])
        return package

    def _detail(self, start_median, start_mean, weight, risk, own, pair, sender, taken, package):
        """Per issue: median and mean before and after the round; per actor: its position, the
        offer it took (kind and sender), its risk exponent, how many it challenges."""
        context = self.context
        names = np.asarray(context.party_ids, dtype=object)
        kinds = np.asarray(EU_OFFER_KINDS, dtype=object)
        mean = _mean(self.positions, weight)
        detail = {}
        for k, dim in enumerate(context.layout.dimensions):
            native = dim.units.to_native
            iid = dim.issue
            detail[f"eu.start_median.{iid}"] = native(start_median[:, k])
            detail[f"eu.start_mean.{iid}"] = native(start_mean[:, k])
            detail[f"eu.median.{iid}"] = native(self.median[:, k])
            detail[f"eu.mean.{iid}"] = native(mean[:, k])
            challenges = ((own[:, k] > 0) & pair[:, k]).sum(axis=-1)
            for n, pid in enumerate(context.party_ids):
                took = taken[:, k, n]
                detail[f"eu.position.{iid}.{pid}"] = native(self.positions[:, k, n])
                detail[f"eu.offer.{iid}.{pid}"] = kinds[took]
                detail[f"eu.from.{iid}.{pid}"] = np.where(
                    took != EU_NO_OFFER, names[sender[:, k, n]], ""
                )
                detail[f"eu.risk.{iid}.{pid}"] = risk[:, k, n]
                detail[f"eu.challenges.{iid}.{pid}"] = challenges[:, n]
        return detail


def _mean(x: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The capability × salience-weighted mean position (NaN where no one cares)."""
    total = weight.sum(axis=-1)
    return np.divide(
        (weight * x).sum(axis=-1), total, out=np.full_like(total, np.nan), where=total > 0
    )


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
