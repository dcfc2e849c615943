"""Comparative statics of the model over tests/data/statics.yaml: how the distribution of
outcomes over a few thousand replicates moves when one assumption moves, in the direction the
model's equations (docs/design.md §3) imply; plus the closed form of Stokman's compromise.

Every comparison runs both variants with the same seed. Parameters draw from streams keyed by
their own path (docs/design.md §4, sim/scenario/sampling.py), so the two batches share every other
draw — common random numbers — and a difference between them is the effect of the change, not
noise. The tolerances below are still those of independent samples of this size, so a test
fails on a real reversal, not on sampling noise.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.scenario.schema import Scenario

STATICS = Path(__file__).parent / "data" / "statics.yaml"
RUNS = 4096
SEED = 20251016


def run(*overrides: str, runs: int = RUNS, seed: int = SEED) -> pd.DataFrame:
    return sim.run(STATICS, runs=runs, seed=seed, overrides=list(overrides))


def deal_by_round(runs: pd.DataFrame, rounds: int) -> np.ndarray:
    """P(deal by round t) for t = 1..rounds: one minus the survival curve of the time to a
    deal, a replicate without a deal counted as never (censored at the deadline)."""
    when = runs["round"].astype(float).fillna(np.inf).to_numpy()
    return np.array([(when <= t).mean() for t in range(1, rounds + 1)])


def median_time_to_deal(runs: pd.DataFrame) -> float:
    """Median round of a deal over all replicates, no deal counting as never."""
    return float(np.median(runs["round"].astype(float).fillna(np.inf).to_numpy()))


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return sim.load_scenario(STATICS)


@pytest.fixture(scope="module")
def baseline() -> pd.DataFrame:
    return run()


# --- war cost --------------------------------------------------------------------------------


def test_a_party_with_higher_war_cost_concedes_no_later(scenario, baseline):
    """Why the time to a deal, and over all replicates: war_cost enters the model twice, both
    pushing one way. It lowers the value of no deal ``r = E[u] − c/(1 − δ)``, and the
    aspiration ``a = r + (1 − r)·h`` rises with r (its slope in r is 1 − h ≥ 0); and it spends
    the party's resolve faster, so its insistence h falls sooner. A party that bleeds more
    wants less in every round, and a text it accepted it still accepts: deals come no later.
    The time to a deal with no deal counted as never is the statistic the equations order
    directly (the median over deals alone would compare different sets of replicates)."""
    assert scenario.parties["east"].war_cost == 0.01  # the baseline's value
    rounds = scenario.rounds
    tolerance = 2 / np.sqrt(RUNS)  # ~ two standard errors of a proportion near 1/2
    variants = [
        run("parties.east.war_cost=0.005"),
        baseline,
        run("parties.east.war_cost=0.03"),
    ]
    curves = [deal_by_round(runs, rounds) for runs in variants]
    for lower, higher in itertools.pairwise(curves):
        assert (higher >= lower - tolerance).all(), (lower, higher)
    # And the war cost matters at all: from 0.005 to 0.03 deals come visibly sooner.
    assert (curves[2] - curves[0]).max() > 0.05
    medians = [median_time_to_deal(runs) for runs in variants]
    assert medians == sorted(medians, reverse=True), medians


# --- resolve ---------------------------------------------------------------------------------


def test_a_party_with_more_resolve_concedes_no_sooner(scenario, baseline):
    """Resolve is the war cost a party bears before it has conceded all the way: its
    insistence ``h = 1 − (borne/resolve)^(1/β)`` is higher in every round when resolve is
    higher, so is its aspiration, and a text it refuses with less resolve it refuses with
    more: deals come no sooner."""
    assert scenario.parties["east"].resolve == 0.1  # the baseline's value
    tolerance = 2 / np.sqrt(RUNS)
    variants = [run("parties.east.resolve=0.05"), baseline, run("parties.east.resolve=0.2")]
    curves = [deal_by_round(runs, scenario.rounds) for runs in variants]
    for firm, firmer in itertools.pairwise(curves):
        assert (firmer <= firm + tolerance).all(), (firm, firmer)
    assert (curves[0] - curves[2]).max() > 0.05  # resolve matters at all


# --- agreement among the veto holders ----------------------------------------------------------


@pytest.mark.parametrize(
    ("mediator", "west_style"),
    [("null", "boulware"), ("broker", "boulware"), ("east", "boulware"), ("null", "hardliner")],
)
def test_veto_holders_who_want_the_same_settle_on_it_at_once(mediator, west_style):
    """Every veto holder wants budget 62.5 and limited access (the broker, who has no veto,
    still wants something else): with an unbiased mediator the first text is that package,
    and it is a deal in round 1 of every replicate — even with a hardliner among them."""
    runs = run(
        "parties.east.positions.budget=62.5",
        "parties.west.positions.budget=62.5",
        "parties.east.positions.access=limited",
        "parties.west.positions.access=limited",
        f"protocol.mediator={mediator}",
        "protocol.mediator_bias=0",
        *([f"parties.west.concession={{style: {west_style}}}"] if west_style != "boulware" else []),
        runs=2048,
    )
    assert runs["deal"].all()
    assert (runs["round"] == 1).all()
    np.testing.assert_allclose(runs["outcome.budget"], 62.5, rtol=0, atol=1e-9)
    assert (runs["outcome_label.access"] == "limited").all()
    np.testing.assert_allclose(runs["utility.east"], 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(runs["utility.west"], 1.0, rtol=0, atol=1e-12)


def test_agreement_needs_every_veto_holder_not_just_most():
    """Control for the test above: when only one veto holder moves to the other's positions,
    deals are no longer immediate everywhere (so that test's result is the agreement's, not
    the fixture's)."""
    runs = run(
        "parties.west.positions.budget=62.5",
        "parties.west.positions.access=limited",
        runs=1024,
    )
    assert not runs["round"].eq(1).fillna(False).all()


# --- the compromise forecast against its closed form -------------------------------------------


def test_compromise_column_is_the_capability_salience_weighted_mean_of_positions(
    scenario, baseline
):
    """docs/design.md §3: ``compromise.<issue> = Σ c·s·x / Σ c·s`` over the parties, with each
    replicate's drawn values (``param.*``) where a value is uncertain."""
    assert any(c.startswith("param.") for c in baseline)

    def value(path: str, fixed: float) -> np.ndarray:
        column = f"param.{path}"
        if column in baseline:
            return baseline[column].to_numpy(dtype=float)
        return np.full(len(baseline), float(fixed))

    for iid, issue in scenario.issues.items():
        numerator = np.zeros(len(baseline))
        denominator = np.zeros(len(baseline))
        for pid, party in scenario.parties.items():
            capability = value(f"parties.{pid}.capability", _fixed(party.capability))
            salience = value(f"parties.{pid}.salience.{iid}", _fixed(party.salience.get(iid, 0)))
            if issue.options is not None:
                points = dict(
                    zip(issue.options, np.linspace(0, 1, len(issue.options)), strict=True)
                )
                column = f"param.parties.{pid}.positions.{iid}"
                names = baseline[column] if column in baseline else [party.positions[iid]]
                position = np.array([points[name] for name in names])
            else:
                position = value(f"parties.{pid}.positions.{iid}", _fixed(party.positions[iid]))
            numerator += capability * salience * position
            denominator += capability * salience
        np.testing.assert_allclose(
            baseline[f"compromise.{iid}"], numerator / denominator, rtol=1e-12
        )


def _fixed(value):
    """A fixed value of the scenario; a distribution has its drawn values in ``param.*``."""
    return value if isinstance(value, int | float | str) else np.nan
