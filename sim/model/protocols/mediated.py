"""The mediated protocol: a mediator puts one text on the table each round (DESIGN.md §3).

It draws candidate packages — Stokman's compromise of the current demands, each party's demand
and ideal point, the last text, pairwise logrolls and perturbations around the compromise,
snapped to options on option issues — and picks the one most veto holders accept, then the one
with the largest generalised Nash product of surpluses over aspirations, in which the mediator's
own surplus weighs ``mediator_bias`` (Kalai 1977's asymmetric Nash solution).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from sim.model import equations as eq
from sim.model.protocols.base import ACCEPT_TOLERANCE, Proposal, Protocol, Round
from sim.model.replicates import Binding

PERTURBATION_WIDTH = 1.5
"""Perturbations reach this many spreads of the demands around the compromise."""
MINIMUM_SPREAD = 0.02
"""Perturbations explore at least this far (model units), even when demands agree."""
ACCEPTANCE_RANK = 1e4
"""One more acceptance outranks any difference in Nash score (which lies within ±1e3)."""


class Mediated(Protocol):
    """Settings: ``mediator`` (party or neutral), ``mediator_bias``, ``candidates``."""

    replicate_fields = ("mediator", "mediator_bias", "offsets")

    def __init__(self, model, settings, rng):
        super().__init__(model, settings, rng)
        size, n_parties, n_issues = model.size, len(model.party_ids), len(model.issue_ids)
        self.mediator = np.full(size, -1, dtype=np.int64)
        self.mediator_bias = np.zeros(size)
        fixed = 2 + 2 * n_parties
        pairs = list(combinations(range(n_parties), 2))
        self.pairs = pairs[: max(0, (settings.candidates - fixed) // 3)]
        n_perturbations = max(0, settings.candidates - fixed - len(self.pairs))
        # Fixed directions per replicate, scaled each round by the spread of the demands: the
        # search needs no fresh randomness per round, which keeps rounds cheap.
        self.offsets = rng.uniform(-1.0, 1.0, (size, n_perturbations, n_issues))
        self.options = [
            (k, units.points) for k, units in enumerate(model.units.values()) if units.is_options
        ]

    def bindings(self) -> dict[str, Binding]:
        return {
            "protocol.mediator": Binding(self, "mediator"),
            "protocol.mediator_bias": Binding(self, "mediator_bias"),
        }

    def candidates(self, state: Round) -> np.ndarray:
        """Candidate packages (R, C, K), on the issues' scales and options."""
        parties = self.model.parties
        capability = np.stack([p.capability for p in parties], axis=1)
        salience = np.stack([p.salience for p in parties], axis=1)
        demand = state.demand
        center = eq.compromise(capability, salience, demand, fallback=state.table)
        weight = capability[..., None] * salience
        spread = np.sqrt(
            np.divide(
                (weight * (demand - center[:, None, :]) ** 2).sum(axis=1),
                weight.sum(axis=1),
                out=np.zeros_like(center),
                where=weight.sum(axis=1) > 0,
            )
        )
        spread = np.maximum(spread, MINIMUM_SPREAD) * PERTURBATION_WIDTH
        ideal = np.stack([p.ideal for p in parties], axis=1)
        parts = [center[:, None, :], demand, ideal, state.table[:, None, :]]
        if self.pairs:
            first, second = (np.array(side) for side in zip(*self.pairs, strict=True))
            weights = np.stack(state.weights, axis=1)
            parts.append(
                np.where(
                    weights[:, first] >= weights[:, second], demand[:, first], demand[:, second]
                )
            )
        parts.append(center[:, None, :] + self.offsets * spread[:, None, :])
        packages = np.clip(np.concatenate(parts, axis=1), 0.0, 1.0)
        for k, points in self.options:
            nearest = np.abs(packages[..., k, None] - points).argmin(axis=-1)
            packages[..., k] = points[nearest]
        return packages

    def bargaining_power(self) -> np.ndarray:
        """Weights α (R, P) of the Nash product: equal among ratifiers, with the share
        ``mediator_bias`` moved to the mediator when there is one."""
        size, n_parties = len(self.mediator), len(self.ratifiers)
        power = np.broadcast_to(self.ratifiers / self.ratifiers.sum(), (size, n_parties))
        named = self.mediator >= 0
        if not named.any():
            return power
        bias = np.where(named, self.mediator_bias, 0.0)
        power = power * (1.0 - bias)[:, None]
        power[named, self.mediator[named]] += bias[named]
        return power

    def propose(self, state: Round) -> Proposal:
        packages = self.candidates(state)
        utility = np.stack(
            [
                p.utility(packages, w)
                for p, w in zip(self.model.parties, state.weights, strict=True)
            ],
            axis=-1,
        )
        surplus = utility - state.aspiration[:, None, :]
        accepted = (surplus >= -ACCEPT_TOLERANCE)[..., self.ratifiers].sum(axis=-1)
        score = accepted * ACCEPTANCE_RANK + eq.nash_score(
            surplus, self.bargaining_power()[:, None, :]
        )
        choice = score.argmax(axis=1)
        rows = np.arange(len(choice))
        return Proposal(packages[rows, choice], utility[rows, choice])
