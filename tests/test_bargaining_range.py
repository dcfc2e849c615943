"""The bargaining range, computed, not searched for (issue 11): the exact machinery of
:mod:`sim.bargaining.solutions` against brute force on small random package spaces, and the
linked constraints respected by every text, deal and Nash package of a run.

- The zone of agreement — a package every required party values at least at its reservation
  value — against a fine grid: the solver's largest smallest surplus ``max_o min_i (u_i − r_i)``
  is at least the grid's best, and above it by no more than the grid can miss (each utility is
  Lipschitz with constant ``loss·Σ_k w_k ≤ loss`` in the sup norm, so a grid of step h misses at
  most ``max loss·h/2``); a zone exists iff that value is ≥ 0.
- The generalised Nash bargaining solution ``max Σ α_i·log(u_i − d_i)`` subject to ``u_i ≥ f_i``
  (Nash 1950; Binmore, Rubinstein & Wolinsky 1986) against scipy's SLSQP from several starts
  on every option combination: the solver's value is at least scipy's, and its package meets
  the constraints.

Spaces: 1–2 scale issues and 1–2 option issues in any order, 2–4 parties with random ideals,
saliences (some zero), loss exponents in [1, 3], reservation values, required parties,
optionally a link (an option allowed only with a scale issue inside a range) and optionally an
interaction (an option that changes a party's salience or ideal on a scale issue).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import optimize

import sim
from sim.bargaining.solutions import PRECISION, Preferences, Solver
from sim.bargaining.space import Dimension, Interaction, Link, PackageSpace
from sim.batch.runner import simulate_block

TOLERANCE = PRECISION.tolerance

CASES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
REPLICATES = 3  # preference draws per space: the solver is vectorised over them


@dataclass
class Case:
    """A package space and R replicates of preferences and values over it."""

    space: PackageSpace
    ideal: np.ndarray  # (R, P, D)
    salience: np.ndarray  # (R, P, D)
    loss: np.ndarray  # (R, P)
    reservation: np.ndarray  # (R, P)
    required: np.ndarray  # (P,)
    reference: np.ndarray  # (R, D)
    interactions: list[Interaction]

    @property
    def solver(self) -> Solver:
        ideal, salience = self.space.under_regimes(self.ideal, self.salience)
        weights = salience / salience.sum(-1, keepdims=True)
        if self.space.n_regimes == 1:
            ideal, weights = ideal[:, :, 0], weights[:, :, 0]
        return Solver(self.space, Preferences(ideal, weights, self.loss))

    def preferences(self, packages: np.ndarray, r: int) -> tuple[np.ndarray, np.ndarray]:
        """Every party's ideal and weights (N, P, D) as it values packages (N, D) in replicate
        r: its own, with every interaction whose condition the package meets applied in turn,
        the saliences then normalised (docs/model.md §3.2, written out again)."""
        ideal = np.repeat(self.ideal[r][None], len(packages), axis=0)
        salience = np.repeat(self.salience[r][None], len(packages), axis=0)
        for interaction in self.interactions:
            holds = _holds(self.space, packages, interaction.when)
            for (p, k), value in interaction.salience.items():
                salience[holds, p, k] = value
            for (p, k), value in interaction.ideal.items():
                ideal[holds, p, k] = value
        return ideal, salience / salience.sum(-1, keepdims=True)

    def utility(self, packages: np.ndarray, r: int) -> np.ndarray:
        """Every party's utility (N, P) of packages (N, D) in replicate r: the formula of
        docs/model.md §3.1, written out again."""
        ideal, weights = self.preferences(packages, r)
        distance = np.abs(packages[:, None, :] - ideal)
        return 1.0 - (weights * distance ** self.loss[r][None, :, None]).sum(-1)

    def grid(self, steps: int) -> tuple[np.ndarray, float]:
        """Every package of a grid over the space — each allowed combination of options, each
        scale on ``steps`` points of its allowed range — and the largest step."""
        space, packages, widest = self.space, [], 0.0
        scales = [k for k, d in enumerate(space.dimensions) if d.kind == "scale"]
        for c, choice in enumerate(space.choice):
            if not space.allowed[c]:
                continue
            axes = []
            for k in scales:
                s = int(np.flatnonzero(space.continuous == k)[0])
                low, high = space.low[c, s], space.high[c, s]
                axes.append(np.linspace(low, high, steps))
                widest = max(widest, (high - low) / (steps - 1))
            points = np.array(list(itertools.product(*axes))).reshape(-1, len(scales))
            block = np.empty((len(points), space.n_dims))
            block[:, scales] = points
            for n, k in enumerate(space.option_dims):
                block[:, k] = space.points[n][choice[n]]
            packages.append(block)
        return np.concatenate(packages), widest

    def respects_links(self, packages: np.ndarray, links: list[Link]) -> np.ndarray:
        ok = np.ones(len(packages), dtype=bool)
        for link in links:
            holds = _holds(self.space, packages, link.when)
            for k, (low, high) in link.bounds.items():
                inside = (packages[:, k] >= low - 1e-9) & (packages[:, k] <= high + 1e-9)
                ok &= ~holds | inside
        return ok


def _holds(space: PackageSpace, packages: np.ndarray, when: dict) -> np.ndarray:
    """Which packages (N, D) take one of the listed options on every option dimension of a
    condition."""
    holds = np.ones(len(packages), dtype=bool)
    for k, options in when.items():
        points = space.dimensions[k].points
        holds &= np.isin(np.round(packages[:, k], 12), [points[j] for j in options])
    return holds


@st.composite
def cases(draw) -> tuple[Case, list[Link]]:
    n_scales, n_options = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kinds = draw(st.permutations(["scale"] * n_scales + ["options"] * n_options))
    dimensions = []
    for kind in kinds:
        if kind == "scale":
            dimensions.append(Dimension("scale"))
        else:
            n = draw(st.integers(2, 3))
            dimensions.append(Dimension("options", tuple(np.linspace(0, 1, n))))
    links = []
    if draw(st.booleans()):  # an option allowed only while a scale stays in a range
        k = draw(st.sampled_from([k for k, d in enumerate(dimensions) if d.kind == "options"]))
        s = draw(st.sampled_from([k for k, d in enumerate(dimensions) if d.kind == "scale"]))
        option = draw(st.integers(0, len(dimensions[k].points) - 1))
        low = draw(st.sampled_from([0.0, 0.2, 0.4]))
        links.append(Link({k: frozenset({option})}, bounds={s: (low, low + 0.35)}))
    n_parties = draw(st.integers(2, 4))
    interactions = []
    if draw(st.booleans()):  # an option that moves a party's ideal and/or salience on a scale
        k = draw(st.sampled_from([k for k, d in enumerate(dimensions) if d.kind == "options"]))
        s = draw(st.sampled_from([k for k, d in enumerate(dimensions) if d.kind == "scale"]))
        options = draw(st.sets(st.integers(0, len(dimensions[k].points) - 1), min_size=1))
        p = draw(st.integers(0, n_parties - 1))
        change = draw(st.sampled_from(["salience", "ideal", "both"]))
        salience = {(p, s): draw(st.floats(0.05, 2.0))} if change != "ideal" else {}
        ideal = {(p, s): draw(st.floats(0.0, 1.0))} if change != "salience" else {}
        interactions.append(Interaction({k: frozenset(options)}, salience, ideal))
    space = PackageSpace(dimensions, links, interactions=interactions)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = (REPLICATES, n_parties, len(dimensions))
    ideal = rng.random(shape)
    for k, d in enumerate(dimensions):
        if d.kind == "options":  # ideals on options are options
            ideal[..., k] = rng.choice(d.points, size=shape[:2])
    salience = rng.random(shape) * (rng.random(shape) > 0.25)
    salience[..., 0] += 1e-3 * (salience.sum(-1) == 0)  # everyone cares about something
    loss = rng.choice([1.0, 2.0, 1.5, 3.0], size=shape[:2])
    reservation = rng.uniform(-0.2, 0.9, size=shape[:2])
    required = np.array(draw(st.lists(st.booleans(), min_size=n_parties, max_size=n_parties)))
    required[draw(st.integers(0, n_parties - 1))] = True
    reference = rng.random((REPLICATES, len(dimensions)))
    reference = space.valid(reference)
    case = Case(space, ideal, salience, loss, reservation, required, reference, interactions)
    return case, links


@CASES
@given(drawn=cases())
def test_the_zone_of_agreement_matches_a_brute_grid(drawn):
    case, links = drawn
    solver = case.solver
    unit = np.ones_like(case.reservation)
    best = solver.proportional(case.reservation, unit, case.required, case.reference)
    zone = solver.zone(case.reservation, case.required, case.reference)
    packages, step = case.grid(101)
    for r in range(REPLICATES):
        surplus = case.utility(packages, r) - case.reservation[r]
        grid_best = surplus[:, case.required].min(axis=1).max()
        slack = case.loss[r, case.required].max() * step / 2
        assert best.value[r] >= grid_best - TOLERANCE, (r, best.value[r], grid_best)
        assert best.value[r] <= grid_best + slack + TOLERANCE, (r, best.value[r], grid_best)
        assert zone[r] == (best.value[r] >= -TOLERANCE)
        if grid_best >= 0:
            assert zone[r]
        if zone[r]:
            assert grid_best >= -slack - TOLERANCE
        # the package it returns is worth what it says, and is a package the links allow
        package = best.package[r : r + 1]
        value = (case.utility(package, r) - case.reservation[r])[0, case.required].min()
        np.testing.assert_allclose(value, best.value[r], atol=TOLERANCE)
        assert case.respects_links(package, links).all()


def _nash_by_scipy(case: Case, r: int, d, alpha, floor, starts: int = 2) -> float:
    """max Σ α_i·log(u_i − d_i) s.t. u_i ≥ f_i (required), u_i > d_i (α_i > 0), by SLSQP on
    the scale dimensions of every allowed option combination, from the grid's best feasible
    point and ``starts`` random points; −inf if it finds no feasible package."""
    space = case.space
    scales = [k for k, dim in enumerate(space.dimensions) if dim.kind == "scale"]
    weighted, bound = alpha > 0, case.required
    packages, _ = case.grid(21)
    rng = np.random.default_rng(r)
    best = -np.inf

    def fill(z, template):
        package = template.copy()
        package[scales] = z
        return package[None]

    def value(u):
        gap = u - d
        if (gap[weighted] <= 0).any() or (u[bound] < floor[bound] - 1e-12).any():
            return -np.inf
        return float((alpha[weighted] * np.log(gap[weighted])).sum())

    for c, choice in enumerate(space.choice):
        if not space.allowed[c]:
            continue
        template = np.zeros(space.n_dims)
        for n, k in enumerate(space.option_dims):
            template[k] = space.points[n][choice[n]]
        lows = [space.low[c, int(np.flatnonzero(space.continuous == k)[0])] for k in scales]
        highs = [space.high[c, int(np.flatnonzero(space.continuous == k)[0])] for k in scales]
        mine = (np.abs(packages[:, space.option_dims] - template[space.option_dims]) < 1e-12).all(1)
        candidates = [rng.uniform(lows, highs) for _ in range(starts)]
        u = case.utility(packages[mine], r)
        feasible = ((u - d)[:, weighted] > 0).all(1) & (u >= floor)[:, bound].all(1)
        with np.errstate(invalid="ignore", divide="ignore"):
            scores = (alpha[weighted] * np.log(u - d)[:, weighted]).sum(1)
        scores = np.where(feasible, scores, -np.inf)
        if feasible.any():  # the grid's best feasible point of the combination
            candidates.insert(0, packages[mine][int(np.argmax(scores))][scales])

        ideal, weights = (part[0] for part in case.preferences(template[None], r))

        def slopes(z, ideal=ideal, weights=weights):
            """du_i/dz (P, S) on the scale dimensions (one-sided 0 at a kink)."""
            gap = z[None, :] - ideal[:, scales]
            p = case.loss[r][:, None]
            return -weights[:, scales] * p * np.abs(gap) ** (p - 1) * np.sign(gap)

        def objective(z, template=template):
            gap = np.maximum(case.utility(fill(z, template), r)[0] - d, 1e-12)[weighted]
            return -float((alpha[weighted] * np.log(gap)).sum())

        def objective_slope(z, template=template):
            gap = np.maximum(case.utility(fill(z, template), r)[0] - d, 1e-12)[weighted]
            return -((alpha[weighted] / gap)[:, None] * slopes(z)[weighted]).sum(axis=0)

        def constraints(z, template=template):
            u = case.utility(fill(z, template), r)[0]
            return np.concatenate([(u - d)[weighted] - 1e-10, (u - floor)[bound]])

        def constraint_slopes(z):
            du = slopes(z)
            return np.concatenate([du[weighted], du[bound]])

        for start in candidates:
            result = optimize.minimize(
                objective,
                start,
                jac=objective_slope,
                method="SLSQP",
                bounds=list(zip(lows, highs, strict=True)),
                constraints=[{"type": "ineq", "fun": constraints, "jac": constraint_slopes}],
                options={"maxiter": 60, "ftol": 1e-10},
            )
            z = np.clip(result.x, lows, highs)
            best = max(best, value(case.utility(fill(z, template), r)[0]))
    return best


@settings(CASES, max_examples=5)
@given(drawn=cases(), data=st.data())
def test_the_nash_package_is_at_least_as_good_as_scipys(drawn, data):
    check_nash_against_scipy(*drawn, data)


@pytest.mark.slow
@settings(CASES, max_examples=150)
@given(drawn=cases(), data=st.data())
def test_the_nash_package_is_at_least_as_good_as_scipys_on_many_cases(drawn, data):
    check_nash_against_scipy(*drawn, data)


def check_nash_against_scipy(case: Case, links: list[Link], data) -> None:
    """The solver's Nash package on one random case against :func:`_nash_by_scipy`: found
    wherever scipy finds a feasible package, at least as good (to 10⁻⁶), feasible, worth the
    value it reports, inside the links."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="values"))
    n_parties = case.loss.shape[1]
    # the disagreement point below the floor (walking away as a constraint, not as d)
    disagreement = case.reservation - 0.2
    floor = np.where(rng.random(case.reservation.shape) > 0.5, case.reservation, disagreement)
    # weights on the required parties and on some others (a mediator with a bias)
    weighed = case.required | (rng.random((REPLICATES, n_parties)) > 0.6)
    alpha = rng.random((REPLICATES, n_parties)) * weighed
    alpha[alpha.sum(1) == 0, int(np.flatnonzero(case.required)[0])] = 1.0
    alpha /= alpha.sum(axis=1, keepdims=True)
    nash = case.solver.nash(disagreement, alpha, floor, case.required, case.reference)
    for r in range(REPLICATES):
        reference = _nash_by_scipy(case, r, disagreement[r], alpha[r], floor[r])
        if np.isfinite(reference):
            assert nash.found[r], r
        if not nash.found[r]:
            continue
        assert nash.value[r] >= reference - 1e-6, (r, nash.value[r], reference)
        package = nash.package[r : r + 1]
        u = case.utility(package, r)[0]
        weighted = alpha[r] > 0
        assert (u[case.required] >= floor[r][case.required] - 1e-9).all()
        assert (u[weighted] > disagreement[r][weighted]).all()
        recomputed = (alpha[r][weighted] * np.log((u - disagreement[r])[weighted])).sum()
        np.testing.assert_allclose(recomputed, nash.value[r], atol=1e-8)
        assert case.respects_links(package, links).all()


# --- links in every text and every deal of a run ------------------------------------------------

HARBOUR = Path(__file__).parent / "data" / "harbour.yaml"
LINKED = [
    # north may have the harbour only with at most 65 % of the fishing quota ...
    "links=[{if: {harbour: north_gets}, then: {fishing_quota: {max: 65}}},"
    # ... and a shared harbour goes with at most 20 km of the border held by north
    " {if: {harbour: shared}, then: {border: {max: 20}}}]",
    "parties.south.war_cost=0.03",
]


def _violations(frame: pd.DataFrame, prefix: str, label: str) -> pd.Series:
    """Rows of ``frame`` whose package (columns ``<prefix><issue>``, option names in
    ``<label><issue>``) breaks one of the two links."""
    harbour = frame[f"{label}harbour"]
    quota, border = frame[f"{prefix}fishing_quota"], frame[f"{prefix}border"]
    first = (harbour == "north_gets") & (quota > 65 + 1e-6)
    second = (harbour == "shared") & (border > 20 + 1e-6)
    return first | second


@pytest.fixture(scope="module")
def linked_run():
    scenario = sim.load_scenario(HARBOUR, overrides=LINKED)
    result = simulate_block(scenario, 5, 0, 1024, traces=True)
    return result.runs.to_pandas(), result.rounds.to_pandas()


def test_every_deal_and_every_text_respects_the_links(linked_run):
    """harbour with two links, 1024 replicates: no text on the table in any round and no deal
    breaks them — and without the links a good share of the deals would (the links bite)."""
    runs, rounds = linked_run
    deals = runs[runs["deal"]]
    assert len(deals) > 100
    assert not _violations(deals, "outcome.", "outcome_label.").any()
    assert not _violations(rounds, "text.", "text_label.").any()
    unlinked = sim.run(HARBOUR, runs=1024, seed=5, overrides=LINKED[1:])
    free = unlinked[unlinked["deal"]]
    assert _violations(free, "outcome.", "outcome_label.").mean() > 0.2


def test_every_nash_package_respects_the_links(linked_run):
    runs, _ = linked_run
    solved = runs[runs["zone.objective.at_end"]]
    assert len(solved) > 100
    assert not _violations(solved, "nash.", "nash_label.").any()


def test_a_scale_no_one_involved_cares_about_stays_inside_its_link():
    """The exact machinery leaves a dimension no party it serves cares about where the
    reference package has it — but a link may forbid that value under the options it chooses:
    then the nearest allowed value. (Found by the Nash test above: a package with option 0
    and the scale at 0.68, where the link allows at most 0.35.)"""
    space = PackageSpace(
        [Dimension("scale"), Dimension("options", (0.0, 1.0))],
        [Link({1: frozenset({0})}, bounds={0: (0.0, 0.35)})],
    )
    ideal = np.array([[[0.3, 0.0], [0.8, 1.0]]])
    weights = np.array([[[0.0, 1.0], [0.5, 0.5]]])  # the required party cares for the option
    solver = Solver(space, Preferences(ideal, weights, np.ones((1, 2))))
    required, reference = np.array([True, False]), np.array([[0.7, 1.0]])
    nash = solver.nash(
        np.zeros((1, 2)), np.array([[1.0, 0.0]]), np.zeros((1, 2)), required, reference
    )
    best = solver.proportional(np.zeros((1, 2)), np.ones((1, 2)), required, reference)
    for package in (nash.package, best.package):
        np.testing.assert_allclose(package, [[0.35, 0.0]])


# --- interactions: options that change what a party wants on a scale ---------------------------

INTERACTING = (
    # with the harbour, north settles for less of the catch and minds it less
    "interactions=[{if: {harbour: north_gets},"
    " then: {north: {positions: {fishing_quota: 55}, salience: {fishing_quota: 0.1}}}}]"
)


def _harbour_utility(frame: pd.DataFrame, party: str, interacting: bool) -> pd.Series:
    """A party's utility of each row's outcome in harbour.yaml (loss 1), written out by hand
    from the file's numbers — with the interaction above where the outcome meets it."""
    quota = frame["outcome.fishing_quota"] / 100
    border = frame["outcome.border"] / 40
    harbour = frame["outcome_label.harbour"].map(
        {"south_keeps": 0.0, "shared": 0.5, "north_gets": 1.0}
    )
    if party == "north":
        salience = pd.DataFrame({"quota": 0.3, "harbour": 0.9, "border": 0.6}, index=frame.index)
        ideal = pd.DataFrame({"quota": 0.8, "harbour": 1.0, "border": 1.0}, index=frame.index)
        if interacting:
            holds = harbour == 1.0
            salience.loc[holds, "quota"] = 0.1
            ideal.loc[holds, "quota"] = 0.55
    else:
        salience = pd.DataFrame({"quota": 0.8, "harbour": 0.5, "border": 0.7}, index=frame.index)
        ideal = pd.DataFrame({"quota": 0.3, "harbour": 0.0, "border": 0.0}, index=frame.index)
    outcome = pd.DataFrame({"quota": quota, "harbour": harbour, "border": border})
    weights = salience.div(salience.sum(axis=1), axis=0)
    return 1.0 - (weights * (outcome - ideal).abs()).sum(axis=1)


def test_a_deal_is_valued_under_the_interactions_its_options_meet():
    """harbour with an interaction, 512 replicates: every deal's recorded utility for each
    party is the formula with the interaction applied where the deal gives north the harbour —
    the interaction bites (it changes north's value of those deals), and it moves the
    outcome: with north content with less of the catch, deals give it less on average."""
    runs = simulate_block(sim.load_scenario(HARBOUR, overrides=[INTERACTING]), 5, 0, 512).runs
    runs = runs.to_pandas()
    plain = simulate_block(sim.load_scenario(HARBOUR), 5, 0, 512).runs.to_pandas()
    deals = runs[runs["deal"]]
    assert len(deals) > 100 and (deals["outcome_label.harbour"] == "north_gets").mean() > 0.5
    for party in ("north", "south"):
        expected = _harbour_utility(deals, party, interacting=True)
        np.testing.assert_allclose(deals[f"utility.{party}"], expected, atol=1e-9)
    unchanged = _harbour_utility(deals, "north", interacting=False)
    assert (np.abs(deals["utility.north"] - unchanged) > 1e-3).mean() > 0.5
    plain_deals = plain[plain["deal"]]
    assert deals["outcome.fishing_quota"].mean() < plain_deals["outcome.fishing_quota"].mean() - 5
