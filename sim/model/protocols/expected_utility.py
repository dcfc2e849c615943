"""Bueno de Mesquita's expected-utility model as a protocol (DESIGN.md §3), as specified by
Scholz, Calbert & Smith (2011), "Unravelling Bueno De Mesquita's group decision model", Journal
of Theoretical Politics 23(4) (conference version: ICAART 2011). The equations are in
:mod:`sim.model.equations` (``eu_*``).

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

from sim.model import equations as eq
from sim.model.protocols.base import Proposal, Protocol, Round


class ExpectedUtility(Protocol):
    """Settings: ``q``, ``t``. State: every actor's position on every issue (R, D, P)."""

    forecast = True
    replicate_fields = ("positions", "median")

    def __init__(self, model, settings, rng):
        super().__init__(model, settings, rng)
        self.positions: np.ndarray | None = None
        self.median: np.ndarray | None = None
        self.q, self.t = settings.q, settings.t
        self.points = {k: units for k, units in model.layout.options}

    def keep(self, index: np.ndarray) -> None:
        if self.positions is not None:
            super().keep(index)

    def propose(self, state: Round) -> Proposal:
        model = self.model
        if self.positions is None:
            self.positions = model.stack("ideal").transpose(0, 2, 1).copy()  # (R, D, P)
        x = self.positions
        capability = model.stack("capability")  # (R, P)
        salience = np.clip(model.stack("salience").transpose(0, 2, 1), 0.0, 1.0)  # (R, D, P)
        active = salience > 0
        weight = capability[:, None, :] * salience

        start_median, start_mean = self._median(x, weight, active), _mean(x, weight)
        pair = active[..., :, None] & active[..., None, :]

        probability = eq.eu_success_probability(x, weight, 1.0, active)
        first = eq.eu_challenge(
            probability, eq.eu_utilities(x, start_median, 1.0), salience, self.q, self.t
        )
        risk = eq.eu_risk_exponent(first, active)
        # Scholz et al.'s step 10: every step again with the new exponents, the votes included
        probability = eq.eu_success_probability(x, weight, risk, active)
        own = eq.eu_challenge(
            probability,
            eq.eu_utilities(x, start_median, risk[..., :, None]),
            salience,
            self.q,
            self.t,
        )
        seen = eq.eu_challenge(  # seen[j, i] = E^i(U_ji): j challenging i, with i's exponent
            probability,
            eq.eu_utilities(x, start_median, risk[..., None, :]),
            salience,
            self.q,
            self.t,
        )
        other = np.swapaxes(seen, -1, -2)
        target, kind = eq.eu_offers(x, own, other)
        kind = np.where(pair, kind, eq.EU_NO_OFFER)

        move = np.where(kind != eq.EU_NO_OFFER, np.abs(target - x[..., :, None]), np.inf)
        sender = np.argmin(move, axis=-1)  # the offer that moves it least (first on a tie)
        taken = np.take_along_axis(kind, sender[..., None], axis=-1)[..., 0]
        new = np.take_along_axis(target, sender[..., None], axis=-1)[..., 0]
        self.positions = np.where(taken != eq.EU_NO_OFFER, new, x)

        self.median = self._median(self.positions, weight, active)
        package = self._snapped(self.median)
        detail = self._detail(
            start_median, start_mean, weight, risk, own, pair, sender, taken, package
        )
        return Proposal(package, self.utilities(package), detail=detail)

    def outcome(self, status_quo: np.ndarray) -> np.ndarray:
        return self._snapped(self.median)

    def _median(self, x: np.ndarray, weight: np.ndarray, active: np.ndarray) -> np.ndarray:
        """The weighted median among the positions of the actors taking part (the status quo
        where no one cares about an issue)."""
        total = eq.eu_total_distance(x, weight)
        total = np.where(active, total, np.inf)
        winner = np.argmin(total, axis=-1)
        median = np.take_along_axis(x, winner[..., None], axis=-1)[..., 0]
        nobody = ~active.any(axis=-1)
        return np.where(nobody, self.model.status_quo, median)

    def _snapped(self, median: np.ndarray) -> np.ndarray:
        package = median.copy()
        for k, units in self.points.items():
            package[:, k] = units.snap(package[:, k])
        return package

    def _detail(self, start_median, start_mean, weight, risk, own, pair, sender, taken, package):
        """Per issue: median and mean before and after the round; per actor: its position, the
        offer it took (kind and sender), its risk exponent, how many it challenges."""
        model = self.model
        names = np.asarray(model.party_ids, dtype=object)
        kinds = np.asarray(eq.EU_OFFER_KINDS, dtype=object)
        mean = _mean(self.positions, weight)
        detail = {}
        for k, dim in enumerate(model.layout.dimensions):
            native = dim.units.to_native
            iid = dim.issue
            detail[f"eu.start_median.{iid}"] = native(start_median[:, k])
            detail[f"eu.start_mean.{iid}"] = native(start_mean[:, k])
            detail[f"eu.median.{iid}"] = native(self.median[:, k])
            detail[f"eu.mean.{iid}"] = native(mean[:, k])
            challenges = ((own[:, k] > 0) & pair[:, k]).sum(axis=-1)
            for n, pid in enumerate(model.party_ids):
                took = taken[:, k, n]
                detail[f"eu.position.{iid}.{pid}"] = native(self.positions[:, k, n])
                detail[f"eu.offer.{iid}.{pid}"] = kinds[took]
                detail[f"eu.from.{iid}.{pid}"] = np.where(
                    took != eq.EU_NO_OFFER, names[sender[:, k, n]], ""
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
