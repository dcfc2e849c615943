"""Timing from the scenario, not from the machinery (issue 11, "Delay and timing from the
scenario"): ``rounds`` is the window we watch, never a clock.

1. Doubling ``rounds`` with nothing else changed gives identical rows for every replicate whose
   talks end inside the original window, and the same replicates still talking at its end.
2. With war costs, drift, events, optimism and deadlines switched off, nothing moves the
   parties: aspirations stay put, a known zone of agreement is taken at once (the Hicks
   paradox), and the only thing that can end talks later is a stated per-round risk of
   breakdown — whose weekly hazard is flat (a geometric law).
3. The distribution of deal weeks moves when a war cost, the drift or an event changes.

Plus the other sources of delay and concession a user relies on: a party's own ``deadline``,
reciprocity, and the breakdown risk's rate.

Every comparison runs with a fixed seed; variants share their draws (common random numbers),
so the statistical criteria below are deterministic, not flaky: they are stated with the size
of effect they guard against.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from sim.batch.runner import simulate_block

DATA = Path(__file__).parent / "data"
HARBOUR = DATA / "harbour.yaml"
FLAGSHIP = Path(__file__).parent.parent / "scenarios" / "budapest_2025.yaml"
SEED = 20251016

STILL = [  # everything that moves a party over time in tests/data/harbour.yaml, switched off
    "parties.north.war_cost=0",
    "parties.south.war_cost=0",
    "battlefield.drift=0",
    "battlefield.volatility=0",
    "battlefield.effects={}",
    "parties.north.optimism=0",
    "events=[]",
]


def traced(*overrides: str, runs: int = 512, seed: int = SEED, path: Path = HARBOUR):
    """The first ``runs`` replicates of block 0 of a variant, with traces: (runs, rounds)."""
    scenario = sim.load_scenario(path, overrides=list(overrides))
    result = simulate_block(scenario, seed, 0, runs, traces=True)
    return result.runs.to_pandas(), result.rounds.to_pandas()


def deal_weeks(runs: pd.DataFrame, window: int) -> stats.CensoredData:
    """The week of each deal; a replicate without one is censored at the end of its talks
    (a breakdown, or the window)."""
    week = runs["end_round"].to_numpy(dtype=float)
    deal = runs["deal"].to_numpy(dtype=bool)
    return stats.CensoredData(uncensored=week[deal], right=week[~deal])


# --- 1. the window is not a clock --------------------------------------------------------------


def test_doubling_the_window_leaves_every_replicate_that_ended_inside_it_unchanged():
    """harbour with a breakdown risk, watched for 16 and for 32 weeks, same seed and N.

    "Identical rows" means: a replicate whose talks end — in a deal or a breakdown — by week 16
    of the long run has, in the short run, the same row in every column (terms, payoffs, zones,
    Nash package, durability) and the same rounds; a replicate still talking after week 16 in
    the long run is exactly one the short run ends at its window, and its first 16 rounds are
    the same in both. (Its payoff differs by construction: at the window it is valued with the
    reservation value of the war going on, later by what really followed.)"""
    window = 16
    common = ["protocol.breakdown=0.01"]
    short, short_rounds = traced(f"rounds={window}", *common)
    long, long_rounds = traced(f"rounds={2 * window}", *common)

    inside = long["end_round"].to_numpy() <= window
    assert inside.any() and (~inside).any()  # the test separates something
    assert (long.loc[inside, "end"] == "deal").any()
    assert (long.loc[inside, "end"] == "breakdown").any()
    pd.testing.assert_frame_equal(short[inside], long[inside])
    np.testing.assert_array_equal(short["end"] == "window", ~inside)
    assert (short.loc[~inside, "end_round"] == window).all()
    pd.testing.assert_frame_equal(
        short_rounds.reset_index(drop=True),
        long_rounds[long_rounds["round"] <= window].reset_index(drop=True),
    )


# --- 2. nothing moves, nothing waits -------------------------------------------------------------


def test_with_nothing_moving_aspirations_stay_put_and_a_known_zone_is_taken_at_once():
    """No costs, drift, volatility, events, optimism or deadline; the parties concede part of
    the way at the outset (``opening``) and then hold. South's salience on the harbour is
    uncertain (a public stance), so in some replicates a package clears both aspirations and in
    some none does. Where one does, the mediator (who knows every stance: here all are public)
    finds it and they agree in week 1; where none does, nothing later makes one. Both kinds of
    replicate occur, and no deal ever comes after week 1, however long we watch."""
    runs, rounds = traced(
        *STILL,
        "parties.north.concession.opening=0.85",
        "parties.south.concession.opening=0.85",
        "parties.south.salience.harbour={uniform: [0.1, 3.0]}",
        "rounds=30",
    )
    for pid in ("north", "south"):
        for column in (f"aspiration.{pid}", f"insistence.{pid}", f"reservation.{pid}"):
            spread = rounds.groupby("replicate")[column].agg(np.ptp)
            assert (spread == 0).all(), column
        np.testing.assert_allclose(rounds[f"insistence.{pid}"], 1 - 0.85, rtol=0, atol=1e-12)
    deal = runs["deal"].to_numpy(dtype=bool)
    assert 0 < deal.mean() < 1, deal.mean()  # both kinds of replicate are there
    assert (runs.loc[deal, "round"] == 1).all()
    assert (runs.loc[~deal, "end_round"] == 30).all()


def test_with_only_the_war_noise_moving_only_the_ground_lost_presses():
    """The same still world with the war's volatility on: the front wanders, so reservation
    values move with it and aspirations with them — ``a = r + (1 − r)·h`` — and the share of
    the way a party insists on, h, moves only as the front costs it ground it held when the
    talks began: ``h = (1 − κ)·(1 − (G/R)^(1/β))``, G the ground lost (in utility), R its
    resolve, never rising again when the front comes back.

    The deal hazard is not tested flat here, on purpose: a random walk's first passage into a
    bargaining range has a falling hazard (the flatness of (2) needs a stationary world)."""
    noisy = [o for o in STILL if not o.startswith("battlefield.volatility")]
    _, rounds = traced(
        *noisy,
        "parties.north.concession.opening=0.8",
        "parties.south.concession.opening=0.8",
        "rounds=40",
    )
    rounds = rounds.sort_values(["replicate", "round"])
    assert rounds.groupby("replicate")["reservation.north"].agg(np.ptp).max() > 0.01
    border = rounds["status_quo.border"].to_numpy() / 40  # harbour's border scale is 0–40
    start = 12 / 40
    # (ideal, salience of the border among the party's saliences, resolve, beta)
    for pid, ideal, weight, resolve, beta in (
        ("north", 1.0, 0.6 / 1.8, 0.1, 0.4),
        ("south", 0.0, 0.7 / 2.0, 0.2, 1.0),
    ):
        lost = np.maximum(weight * (np.abs(border - ideal) - abs(start - ideal)), 0)
        h = 0.2 * (1 - np.minimum(lost / resolve, 1) ** (1 / beta))
        held = pd.Series(h, index=rounds.index).groupby(rounds["replicate"]).cummin()
        np.testing.assert_allclose(rounds[f"insistence.{pid}"], held, rtol=0, atol=1e-9)
        assert (rounds[f"insistence.{pid}"] < 0.2 - 1e-9).any()  # the ground lost bites
        r = rounds[f"reservation.{pid}"]
        h = rounds[f"insistence.{pid}"]
        np.testing.assert_allclose(rounds[f"aspiration.{pid}"], r + (1 - r) * h, atol=1e-12)


def test_a_breakdown_risk_ends_talks_at_a_flat_weekly_hazard():
    """Hardliners never agree, nothing else moves: the talks end only by breakdown, each week
    with ``protocol.breakdown`` = 5 %. The week they end is then geometric; the counts per
    week band (and still talking at week 60) are held to it by a chi-square test at the 0.1 %
    level, fixed seed. A hazard rising or falling by a third over the window fails it."""
    p, window, n = 0.05, 60, 2048
    runs = sim.run(
        HARBOUR,
        runs=n,
        seed=SEED,
        overrides=[
            *STILL,
            "parties.north.concession={style: hardliner}",
            "parties.south.concession.style=hardliner",
            f"protocol.breakdown={p}",
            f"rounds={window}",
        ],
    )
    assert not runs["deal"].any()
    ended = runs["end"] == "breakdown"
    week = runs["end_round"].to_numpy()
    edges = np.arange(0, window + 1, 6)  # ten bands of six weeks, each expecting ≥ 60
    observed = np.append(np.histogram(week[ended], bins=edges + 0.5)[0], (~ended).sum())
    survive = (1 - p) ** edges
    expected = n * np.append(survive[:-1] - survive[1:], survive[-1])
    assert stats.chisquare(observed, expected).pvalue > 1e-3, (observed, expected.round(1))
    # and the rate itself: the maximum-likelihood weekly hazard within 3 standard errors
    exposure = np.where(ended, week, window).sum()
    rate = ended.sum() / exposure
    assert abs(rate - p) < 3 * np.sqrt(p * (1 - p) / exposure), rate


# --- 3. deal weeks follow the scenario --------------------------------------------------------


@pytest.fixture(scope="module")
def harbour_baseline() -> pd.DataFrame:
    return sim.run(HARBOUR, runs=2048, seed=SEED)


def restricted_mean_week(runs: pd.DataFrame, window: int) -> float:
    """The mean week of a deal, a replicate without one counted as week ``window + 1``: the
    area above the curve of P(deal by week t) — lower is sooner."""
    week = np.where(runs["deal"], runs["end_round"], window + 1)
    return float(week.mean())


@pytest.mark.parametrize(
    ("override", "sooner"),
    [
        ("parties.south.war_cost=0.03", True),  # south bleeds twice as fast: concedes sooner
        ("events.storm_season.probability=1.0", True),  # the storm always raises north's costs
        ("events.storm_season.probability=0.0", False),  # ... or never does
        ("battlefield.drift=-1.0", None),  # the war runs south's way: who gives way first?
    ],
)
def test_deal_weeks_move_when_a_cost_the_drift_or_an_event_changes(
    harbour_baseline, override, sooner
):
    """Log-rank test of the weeks to a deal (no deal censored at the end of the talks) between
    harbour and one change, same seed: the change moves the distribution (p < 0.001), and
    where the equations give a direction — higher costs borne lower a party's reservation
    value and spend its resolve sooner — deals come in that direction (the restricted mean
    week to a deal). The drift lowers one side's reservation value and raises the other's:
    only the move is asserted."""
    variant = sim.run(HARBOUR, runs=2048, seed=SEED, overrides=[override])
    window = sim.load_scenario(HARBOUR).rounds
    base, moved = deal_weeks(harbour_baseline, window), deal_weeks(variant, window)
    assert stats.logrank(moved, base).pvalue < 1e-3, override
    if sooner is not None:
        change = restricted_mean_week(variant, window) - restricted_mean_week(
            harbour_baseline, window
        )
        assert (change < -0.5) if sooner else (change > 0.5), (override, change)


@pytest.fixture(scope="module")
def flagship_baseline() -> pd.DataFrame:
    return sim.run(FLAGSHIP, runs=4096, seed=SEED)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("override", "sooner"),
    [
        ("parties.russia.war_cost=0.0004", True),  # four times its central cost
        ("parties.ukraine.war_cost=0.002", True),  # about three times
        ("events.aid_pause.probability=1.0", True),
        ("events.tomahawk_decision.probability=1.0", True),
        ("battlefield.drift=0.1", None),  # five times the advance
        ("battlefield.drift=0.0", None),  # a frozen front
    ],
)
def test_the_flagships_deal_weeks_move_when_a_cost_the_drift_or_an_event_changes(
    flagship_baseline, override, sooner
):
    """The same on scenarios/budapest_2025.yaml (issue 11, property 3), 4096 replicates in
    its own 26 weeks: a war cost, the drift, an event's probability each move the weeks of
    the deals (log-rank p < 0.001, fixed seed), costs and pressure toward sooner."""
    variant = sim.run(FLAGSHIP, runs=4096, seed=SEED, overrides=[override])
    window = sim.load_scenario(FLAGSHIP).rounds
    moved, base = deal_weeks(variant, window), deal_weeks(flagship_baseline, window)
    test = stats.logrank(moved, base)
    assert test.pvalue < 1e-3, (override, test)
    if sooner:
        change = restricted_mean_week(variant, window) - restricted_mean_week(
            flagship_baseline, window
        )
        assert change < -0.25, (override, change)


# --- other pressures a user sets --------------------------------------------------------------


def test_a_party_concedes_to_its_reservation_value_by_its_own_deadline():
    """``deadline`` D: the share of the way to its ideal a party insists on falls to zero at
    week D — its aspiration is then its reservation value — and falls steadily before it. Its
    own deadline, not the window's end: watched for 20 weeks, north reaches it in week 8."""
    _, rounds = traced(
        *STILL,
        "parties.north.deadline=8",
        "parties.north.concession={style: linear}",
        "parties.south.concession.style=hardliner",  # talks go on: we watch north's path
        "rounds=20",
    )
    for week, rows in rounds.groupby("round"):
        h = rows["insistence.north"].to_numpy()
        if week >= 8:
            assert (h == 0).all(), week
            np.testing.assert_allclose(rows["aspiration.north"], rows["reservation.north"])
        else:  # linear (β = 1): h = 1 − t/D
            np.testing.assert_allclose(h, 1 - week / 8, atol=1e-12)


def test_a_party_with_reciprocity_matches_the_other_sides_concessions():
    """Reciprocity ρ: a party insists on no more than ``1 − ρ·c̄`` of its way, c̄ how far the
    other side had conceded by the week before. North (no costs, so no pressure of its own)
    with ρ = 0.8 against south, whose costs make it concede: north's insistence follows south's
    concessions week by week, and it concedes more than the same north without reciprocity."""
    moving = ["parties.north.war_cost=0", "battlefield.volatility=0", "events=[]", "rounds=20"]
    _, rounds = traced(*moving, "parties.north.concession.reciprocity=0.8")
    _, alone = traced(*moving)
    rounds = rounds.sort_values(["replicate", "round"])
    conceded = 1 - rounds.groupby("replicate")["insistence.south"].shift(1).fillna(1.0)
    np.testing.assert_allclose(
        rounds["insistence.north"], np.minimum(1.0, 1 - 0.8 * conceded), atol=1e-12
    )
    assert (alone["insistence.north"] == 1).all()  # no pressure of its own: north holds
    later = rounds["round"] > 5
    assert (rounds.loc[later, "insistence.north"] < 1).mean() > 0.9
