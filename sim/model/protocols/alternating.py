"""The alternating-offers protocol: one proposer per round, the others respond (docs/model.md
§4.2).

Each round one party proposes: drawn by its ``recognition`` weight (default ∝ capability, drawn
from the protocol's generator each round) or taken in turn from ``order``. The others accept
or refuse; every deal is paid on the one welfare account like any other.

**Who must accept.** A proposal passes when the ``decision`` rule is met — ``unanimity`` (every
party), ``majority`` (more than half of the parties, one vote each) or ``{quota: q}`` (parties
holding the share q of total capability) — the proposer voting for its own proposal; and, on
top of it, the ``ratification`` rule: by default every veto holder of every issue must accept
(a veto is a veto under any protocol; a scenario without veto lists, such as Baron–Ferejohn's
legislature, leaves the decision rule alone), ``unanimity`` every party, ``{quota: q}`` a
capability share.

**Behavioural play** (concession styles boulware, linear, conceder, hardliner): the proposer
tables the package best for itself among those it believes its coalition accepts — the parties
a deal needs, and under ``majority`` or a quota the others it believes cheapest to win, the
nearest to accepting its own ideal first — solved exactly over the whole package space
(:mod:`sim.bargaining.solutions`) from what each party is publicly believed to accept. If it
believes no such package exists, it puts its own demand on the table.

**Subgame-perfect play** (every party ``concession: {style: rational}``, one scale or shares
issue): proposers and responders play the stationary subgame-perfect equilibrium. The
continuation values V — each party's expected utility at the start of a round, per state of the
recognition process (one state with recognition probabilities; one per place in ``order``) —
solve a fixed point: a responder accepts iff offered at least ``max(δ_i·V_i(next state), r_i)``
(r its reservation value, an outside option); the proposer gives exactly that to the cheapest
coalition that passes and keeps the rest; ties between equally cheap coalitions are mixed
evenly (and broken by a draw in play). V is iterated from 0 to a fixed point (to 1e-12) — not
looked up — and recomputed each round, so events that change patience or recognition count.
This reproduces the closed forms: Rubinstein (1982), proposer share (1−δ₂)/(1−δ₁δ₂); Baron &
Ferejohn (1989), closed rule: the proposer keeps 1 − δ(n−1)/(2n) under majority (n odd) and
1 − δ(n−1)/n under unanimity.
"""

from __future__ import annotations

import numpy as np

from sim.model.party import RATIONAL
from sim.model.protocols.base import Proposal, Protocol, ProtocolContext, Round

ACCEPT_TOLERANCE = 1e-9
FIXED_POINT_TOLERANCE = 1e-12
HARD_ITERATIONS = 5_000
"""Plain iterations of the fixed point before it counts as cycling (δ = 0.99 needs ~2,700)."""
CYCLE_WINDOW = 100
"""The iteration counts as cycling when its step has not shrunk by 10 % over this many."""
TEMPERATURES = tuple(10.0**-k for k in range(2, 11))
"""The logit choice's temperatures, from 0.01 down to 1e-10, when the plain iteration cycles."""
NEWTON_STEPS = 30
TIE = 1e-12


class Alternating(Protocol):
    """Settings: ``recognition`` or ``order``, ``decision``, ``ratification``, ``breakdown``."""

    def __init__(self, settings, context: ProtocolContext):
        super().__init__(settings, context)
        parties = context.party_ids
        n = len(parties)
        self.decision = settings.decision
        self.order = (
            None if settings.order is None else np.array([parties.index(p) for p in settings.order])
        )
        self.recognition = (
            None
            if settings.recognition is None
            else np.array([settings.recognition.get(p, 0.0) for p in parties], dtype=float)
        )
        # a veto is a veto under any protocol; without veto lists the decision rule decides
        unanimity = settings.ratification == "unanimity"
        self.ratifiers = context.veto_holders | unanimity
        self.subsets = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(bool)  # (M, P)
        self.names = np.asarray(parties, dtype=object)

    # --- who proposes, who must accept ----------------------------------------------------

    def _draws(self, state: Round) -> np.ndarray:
        """Two uniforms per replicate and round (recognition, a tie between coalitions), drawn
        for the whole block so every replicate's draws are its own (R, 2)."""
        return self.rng.random((self.context.size, 2))[state.rows]

    def _probabilities(self, state: Round) -> np.ndarray:
        """Recognition probabilities (R, P)."""
        capability = state.parties.capability
        weights = (
            capability
            if self.recognition is None
            else np.broadcast_to(self.recognition, capability.shape)
        )
        return weights / weights.sum(axis=1, keepdims=True)

    def _proposer(self, state: Round, uniform: np.ndarray) -> np.ndarray:
        if self.order is not None:
            return np.full(len(uniform), self.order[(state.number - 1) % len(self.order)])
        cumulative = np.cumsum(self._probabilities(state), axis=1)
        cumulative[:, -1] = 1.0
        return (uniform[:, None] >= cumulative).sum(axis=1)

    def _passes(self, yes: np.ndarray, capability: np.ndarray) -> np.ndarray:
        """Whether proposals pass, from the votes ``yes`` (..., P) and capability (R, P)
        broadcast against them (the decision rule, veto holders, the ratification quota)."""
        n = yes.shape[-1]
        share = (capability * yes).sum(axis=-1) / capability.sum(axis=-1)
        decision = self.decision
        if decision == "unanimity":
            ok = yes.all(axis=-1)
        elif decision == "majority":
            ok = yes.sum(axis=-1) * 2 > n
        else:
            ok = share >= decision.quota - ACCEPT_TOLERANCE
        ok &= yes[..., self.ratifiers].all(axis=-1)
        if self.context.quota is not None:
            ok &= share >= self.context.quota - ACCEPT_TOLERANCE
        return ok

    def ratified(self, accepted: np.ndarray, state: Round) -> np.ndarray:
        return self._passes(accepted, state.parties.capability)

    def nash_weights(self, state: Round) -> np.ndarray:
        """The recognition probabilities: the weights of the Nash solution that alternating
        offers approach as the time between offers shrinks (Binmore, Rubinstein & Wolinsky
        1986; Baron & Ferejohn 1989 for random recognition)."""
        if self.order is not None:
            counts = np.bincount(self.order, minlength=len(self.context.party_ids))
            return np.broadcast_to(counts / counts.sum(), state.parties.capability.shape)
        return self._probabilities(state)

    # --- a round ------------------------------------------------------------------------------

    def propose(self, state: Round) -> Proposal:
        draws = self._draws(state)
        proposer = self._proposer(state, draws[:, 0])
        rational = (state.parties.style == RATIONAL).all()
        if rational:
            package, threshold, coalition = self._subgame_perfect(state, proposer, draws[:, 1])
        else:
            package, threshold, coalition = self._behavioural(state, proposer)
        utility = state.parties.utility(package)
        rows = np.arange(len(package))
        threshold[rows, proposer] = np.minimum(threshold[rows, proposer], utility[rows, proposer])
        detail = {"alternating.proposer": self.names[proposer]}
        if coalition is not None:
            detail["alternating.coalition"] = np.array(
                [", ".join(self.names[np.flatnonzero(row)]) for row in coalition], dtype=object
            )
        return Proposal(package, thresholds=threshold, detail=detail)

    # --- behavioural proposers ---------------------------------------------------------------

    def _behavioural(self, state: Round, proposer: np.ndarray):
        """Each proposer's best package among those it believes its coalition accepts."""
        parties = state.parties
        size, n = parties.capability.shape
        rows = np.arange(size)
        believed = state.believed_threshold.copy()
        believed[rows, proposer] = parties.aspiration[rows, proposer]  # it knows its own mind
        coalition = self._coalition(state, proposer, believed)
        text = np.empty_like(state.table)
        groups = np.unique(np.column_stack([proposer, coalition]), axis=0)
        for group in groups:
            index = np.flatnonzero(
                (proposer == group[0]) & (coalition == group[1:].astype(bool)).all(axis=1)
            )
            own = group[0]
            alpha = np.zeros((len(index), n))
            alpha[:, own] = 1.0
            floor = believed[index]
            disagreement = floor - 1.0  # any level below its floor: it maximises its utility
            solution = state.solver.rows(index).nash(
                disagreement, alpha, floor, group[1:].astype(bool), state.table[index]
            )
            demand = state.space.valid(parties.demand[index, own])
            text[index] = np.where(solution.found[:, None], solution.package, demand)
        return text, parties.aspiration.copy(), coalition

    def _coalition(self, state: Round, proposer: np.ndarray, believed: np.ndarray):
        """Whom each proposer courts (R, P): the parties a deal needs, itself, and — where the
        decision rule asks for more — others, those nearest to accepting its ideal first."""
        parties = state.parties
        size, n = parties.capability.shape
        rows = np.arange(size)
        courted = np.broadcast_to(self.ratifiers, (size, n)).copy()
        courted[rows, proposer] = True
        if self.decision == "unanimity":
            courted[:] = True
            return courted
        ideal = parties.ideal[rows, proposer]  # (R, D)
        ideal = parties.preferences(ideal)[0][rows, proposer]  # in its own options' regime
        gap = believed - parties.utility(ideal)  # how far its ideal is from their acceptance
        order = np.argsort(np.where(courted, -np.inf, gap), axis=1, kind="stable")
        for step in range(n):
            if self._passes(courted, parties.capability).all():
                break
            pick = order[:, step]
            short = ~self._passes(courted, parties.capability)
            courted[rows[short], pick[short]] = True
        return courted

    # --- subgame-perfect play -----------------------------------------------------------------

    def _subgame_perfect(self, state: Round, proposer: np.ndarray, tie: np.ndarray):
        """The stationary subgame-perfect offer of this round's proposer, the responders'
        thresholds, and the coalition it buys (over the replicates still bargaining)."""
        parties = state.parties
        context = self.context
        n = len(context.party_ids)
        weights = parties.weights  # (R, P, D)
        layout = context.layout
        (iid,) = layout.units
        shares = not layout.units[iid].has_position
        columns = layout.columns(iid)
        if shares:  # each party's weight of its own share
            own = np.array([layout.column(iid, p) for p in context.party_ids])
            weight = weights[:, np.arange(n), own]
            position = np.zeros_like(weight)
        else:
            (column,) = columns
            weight = weights[:, :, column]
            position = parties.ideal[:, :, column]
        game = _Game(
            patience=parties.patience,
            reservation=parties.reservation,
            capability=parties.capability,
            weight=weight,
            loss=parties.loss,
            position=position,
            shares=shares,
            states=self._states(state),
            subsets=self.subsets,
            passes=self._passes,
        )
        values = game.solve()
        current = 0 if self.order is None else (state.number - 1) % len(self.order)
        threshold = game.thresholds(values)[:, current]  # (R, P)
        coalition, amounts = game.offer(threshold, proposer, tie)
        package = np.zeros((len(proposer), len(layout)))
        if shares:
            package[:, own] = amounts
        else:
            package[:, columns[0]] = amounts
        return package, threshold.copy(), coalition

    def _states(self, state: Round) -> np.ndarray:
        """The recognition process: proposer probabilities per state (R, L, P); state s is
        followed by s + 1 (cyclically)."""
        n_rows, n = state.parties.capability.shape
        if self.order is None:
            return self._probabilities(state)[:, None, :]
        states = np.zeros((n_rows, len(self.order), n))
        states[:, np.arange(len(self.order)), self.order] = 1.0
        return states


class _Game:
    """The stationary subgame-perfect equilibrium of alternating offers over one divisible
    issue, for a block of replicates (each row its own game).

    ``weight`` (R, P) is each party's weight of the issue (of its own share, on a shares issue),
    ``position`` its ideal on a scale issue. Utilities are ``1 − w·(1 − s)^loss`` of a share s,
    ``1 − w·|o − x|^loss`` of a point o. A coalition is a set of parties (the proposer
    included) that passes the protocol's rules.
    """

    def __init__(
        self,
        *,
        patience,
        reservation,
        capability,
        weight,
        loss,
        position,
        shares,
        states,
        subsets,
        passes,
    ):
        self.patience, self.reservation, self.capability = patience, reservation, capability
        self.weight, self.loss, self.position, self.shares = weight, loss, position, shares
        self.states = states  # (R, L, P)
        self.subsets = subsets  # (M, P)
        self.valid = passes(subsets[None, :, :], capability[:, None, :])  # (R, M)
        self.temperature = 0.0  # of the choice between coalitions (> 0: a mixed equilibrium)

    def thresholds(self, values: np.ndarray) -> np.ndarray:
        """What each party must be offered in each state (R, L, P): the discounted value of
        refusing — the next state's value — or its reservation value, whichever is more."""
        following = np.roll(values, -1, axis=1)
        return np.maximum(self.patience[:, None, :] * following, self.reservation[:, None, :])

    def _coalitions(self, threshold: np.ndarray, proposer: int):
        """For one proposer, every coalition's offer: the proposer's score, whether it passes,
        and each party's share or the point (..., M, P) / (..., M)."""
        subsets = self.subsets
        member = subsets[:, proposer]
        others = subsets & ~np.eye(subsets.shape[1], dtype=bool)[proposer]  # (M, P)
        weight = self.weight[:, None, :]
        loss = self.loss[:, None, :]
        if self.shares:
            need = _least_share(threshold, weight, loss)  # (R, L, P)
            cost = np.einsum("rlp,mp->rlm", need, others.astype(float))
            ok = member & (cost <= 1 + TIE)
            rest = np.clip(1.0 - cost, 0.0, 1.0)
            amounts = need[:, :, None, :] * others  # (R, L, M, P)
            amounts[..., proposer] = rest
            return -cost, ok, amounts
        radius = _acceptance_radius(threshold, weight, loss)  # (R, L, P)
        x = self.position[:, None, None, :]
        inside = others[None, None]
        lo = np.where(inside, x - radius[:, :, None, :], -np.inf).max(axis=-1)
        hi = np.where(inside, x + radius[:, :, None, :], np.inf).min(axis=-1)
        lo, hi = np.maximum(lo, 0.0), np.minimum(hi, 1.0)
        possible = np.where(inside, radius[:, :, None, :] >= 0, True).all(axis=-1)
        ok = member & possible & (lo <= hi + TIE)
        point = np.clip(self.position[:, None, None, proposer], lo, np.maximum(lo, hi))
        score = (
            1
            - self.weight[:, None, None, proposer]
            * np.abs(point - self.position[:, None, None, proposer])
            ** self.loss[:, None, None, proposer]
        )
        return score, ok, point

    def _utilities(self, amounts: np.ndarray) -> np.ndarray:
        """Every party's utility (..., P) of shares (..., P) or of a point (...)."""
        if self.shares:
            w = self.weight.reshape(self.weight.shape[0], *([1] * (amounts.ndim - 2)), -1)
            loss = self.loss.reshape(w.shape)
            return 1 - w * (1 - amounts) ** loss
        w = self.weight.reshape(self.weight.shape[0], *([1] * (amounts.ndim - 1)), -1)
        loss = self.loss.reshape(w.shape)
        x = self.position.reshape(w.shape)
        return 1 - w * np.abs(amounts[..., None] - x) ** loss

    def _best(self, threshold: np.ndarray, proposer: int, temperature: float = 0.0):
        """Each replicate's choice of coalition for ``proposer``: the weight of each coalition
        (..., M) — the best ones evenly, or at a ``temperature`` > 0 a logit choice that mixes
        near-best ones — and each offer and every party's utility of it (..., M, P)."""
        score, ok, amounts = self._coalitions(threshold, proposer)
        ok = ok & self.valid[:, None, :]
        score = np.where(ok, score, -np.inf)
        best = score.max(axis=-1, keepdims=True)
        if temperature > 0:
            chosen = np.where(ok, np.exp((score - np.where(ok, best, 0.0)) / temperature), 0.0)
        else:
            chosen = (ok & (score >= best - TIE)).astype(float)
        return chosen, amounts, self._utilities(amounts)

    def _map(self, values: np.ndarray, temperature: float = 0.0) -> np.ndarray:
        """One step of the fixed point: each party's expected utility (R, L, P) in each state
        when the offers are made against the thresholds that ``values`` imply."""
        n = values.shape[-1]
        threshold = self.thresholds(values)
        following = np.roll(values, -1, axis=1) * self.patience[:, None, :]
        new = np.zeros_like(values)
        for proposer in range(n):
            chance = self.states[:, :, proposer]
            if not chance.any():
                continue
            chosen, _, utility = self._best(threshold, proposer, temperature)
            total = chosen.sum(axis=-1)
            mean = np.einsum("rlm,rlmp->rlp", chosen, utility)
            # no coalition passes: no deal this round, the game goes on
            mean = np.divide(
                mean, total[..., None], out=following.copy(), where=total[..., None] > 0
            )
            new += chance[..., None] * mean
        return new

    def solve(self) -> np.ndarray:
        """Continuation values V (R, L, P), solved once per distinct game among the rows."""
        key = np.concatenate(
            [
                a.reshape(len(a), -1).astype(float)
                for a in (
                    self.patience,
                    self.reservation,
                    self.capability,
                    self.weight,
                    self.loss,
                    self.position,
                    self.states,
                )
            ],
            axis=1,
        )
        _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
        if len(first) == len(key):
            return self._iterate()
        distinct = _Game.__new__(_Game)
        for name in ("patience", "reservation", "capability", "weight", "loss", "position"):
            setattr(distinct, name, getattr(self, name)[first])
        distinct.shares, distinct.subsets = self.shares, self.subsets
        distinct.states, distinct.valid = self.states[first], self.valid[first]
        distinct.temperature = 0.0
        values = distinct._iterate()[inverse.ravel()]
        self.temperature = distinct.temperature
        return values

    def _iterate(self) -> np.ndarray:
        """Iterate V ← E[utility of the offer made] from 0 to the fixed point. Where it cycles —
        a proposer that must mix between partners of different patience, as in an asymmetric
        Baron–Ferejohn game — solve instead for the fixed point of a logit choice of coalitions
        by Newton's method, lowering its temperature to 1e-10 (the mixed equilibrium)."""
        values = np.zeros(self.states.shape)
        previous, changes = values, []
        for iteration in range(HARD_ITERATIONS):
            new = self._map(values)
            changes.append(np.abs(new - values).max())
            previous, values = values, new
            if changes[-1] < FIXED_POINT_TOLERANCE:
                return values
            if iteration >= CYCLE_WINDOW and changes[-1] > 0.9 * changes[-CYCLE_WINDOW]:
                break  # no longer contracting: a cycle
        values = (values + previous) / 2  # the middle of the cycle
        for temperature in TEMPERATURES:
            values = self._newton(values, temperature)
        self.temperature = TEMPERATURES[-1]
        return values

    def _newton(self, values: np.ndarray, temperature: float) -> np.ndarray:
        shape = values.shape
        n_rows, size = shape[0], shape[1] * shape[2]

        def residual(v):
            return (self._map(v.reshape(shape), temperature) - v.reshape(shape)).reshape(
                n_rows, size
            )

        v = values.reshape(n_rows, size).copy()
        r = residual(v)
        step = max(temperature * 1e-3, 1e-12)
        for _ in range(NEWTON_STEPS):
            if np.abs(r).max() < FIXED_POINT_TOLERANCE:
                break
            jacobian = np.empty((n_rows, size, size))
            for k in range(size):
                moved = v.copy()
                moved[:, k] += step
                jacobian[:, :, k] = (residual(moved) - r) / step
            try:
                delta = np.linalg.solve(jacobian, -r[..., None])[..., 0]
            except np.linalg.LinAlgError:
                break
            scale = 1.0
            for _ in range(20):  # backtrack while the residual does not fall
                trial = v + scale * delta
                trial_r = residual(trial)
                if np.abs(trial_r).max() < np.abs(r).max():
                    break
                scale /= 2
            else:
                break
            v, r = trial, trial_r
        return v.reshape(shape)

    def offer(self, threshold: np.ndarray, proposer: np.ndarray, draw: np.ndarray):
        """This round's offers given the thresholds (R, P): the coalition (R, P) and the shares
        (R, P) or the point (R,). Between equally good coalitions — or, in a mixed equilibrium,
        by its mixing probabilities — the proposer chooses by ``draw``."""
        rows = np.arange(len(proposer))
        n = threshold.shape[1]
        coalition = np.zeros((len(rows), n), dtype=bool)
        amounts = np.zeros((len(rows), n)) if self.shares else np.zeros(len(rows))
        for p in np.unique(proposer):
            index = np.flatnonzero(proposer == p)
            chosen, offers, _ = self._best(threshold[:, None, :], p, self.temperature)
            chosen, offers = chosen[index, 0], offers[index, 0]
            total = chosen.sum(axis=-1)
            found = total > 0
            cumulative = np.cumsum(chosen, axis=-1) / np.where(found, total, 1.0)[:, None]
            pick = np.minimum((draw[index, None] >= cumulative).sum(axis=-1), chosen.shape[-1] - 1)
            pick = np.where(chosen[np.arange(len(index)), pick] > 0, pick, chosen.argmax(axis=-1))
            coalition[index] = np.where(found[:, None], self.subsets[pick], False)
            here = offers[np.arange(len(index)), pick]
            if self.shares:
                own = np.zeros((len(index), n))
                own[:, p] = 1.0
                amounts[index] = np.where(found[:, None], here, own)
            else:
                amounts[index] = np.where(found, here, self.position[index, p])
        return coalition, amounts


def _least_share(threshold: np.ndarray, weight: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """The smallest share s of a shares issue with ``1 − w·(1 − s)^loss ≥ threshold``: what a
    responder must be offered to accept (0 if it accepts nothing at all, or does not care)."""
    gap = np.divide(1.0 - threshold, weight, out=np.ones_like(threshold), where=weight > 0)
    need = 1.0 - np.clip(gap, 0.0, None) ** (1.0 / loss)
    return np.where(weight > 0, np.clip(need, 0.0, None), 0.0)


def _acceptance_radius(threshold: np.ndarray, weight: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """On a scale issue, how far from its ideal a package may lie for a responder to accept:
    ``1 − w·|o − x|^loss ≥ threshold`` ⇔ ``|o − x| ≤ ((1 − threshold)/w)^(1/loss)`` (infinite
    for a party that does not care; negative — nothing acceptable — above utility 1)."""
    gap = np.divide(1.0 - threshold, weight, out=np.full_like(threshold, np.inf), where=weight > 0)
    return np.where(gap >= 0, np.abs(gap) ** (1.0 / loss), -1.0)
