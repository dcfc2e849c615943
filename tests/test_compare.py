"""``negsim compare`` and its statistics: each function against published or hand-worked
values; intervals that cover a known truth and tests that hold their size in simulations of
binomial and continuous draws; paired methods on constructed pairs with known answers; batches
that share their draws found paired and compared replicate by replicate; the same scenario
under different seeds found alike (a false-alarm rate near the nominal level over several seed
pairs); a real change found; a trivial difference at large N given no verdict; rows that would
be meaningless skipped with one line each; the command end to end.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import HARBOUR, cli, words
from scipy import stats

import sim
from sim.analysis.compare import compare
from sim.analysis.statistics import (
    bootstrap_difference,
    contingency_test,
    holm,
    kaplan_meier,
    ks_test,
    logrank_test,
    mcnemar_test,
    newcombe_interval,
    proportion_difference,
    signed_rank_test,
    stuart_maxwell_test,
    two_proportion_test,
    wasserstein,
    wilson_interval,
)
from sim.analysis.thresholds import Thresholds

STATICS = Path(__file__).parent / "data" / "statics.yaml"
RUNS = 400  # in one block
PAIRS = 12  # seed pairs of the false-alarm check
VARIED = ["parties.north.salience.harbour={uniform: [0.05, 0.9]}"]  # who gets the harbour varies
NORTH_WANTS_ALL = [*VARIED, "parties.north.positions.fishing_quota=100"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """Results folders: harbour (with the north's care for the harbour uncertain, so that deals
    split it differently) under 2·PAIRS seeds (seed 0 also with its rounds), and a variant in
    which the north wants all the fish, under seed 0 (sharing its draws with harbour-0) and
    under seed 99."""
    root = tmp_path_factory.mktemp("compare")
    out = {}
    for seed in range(2 * PAIRS):
        out[f"harbour-{seed}"] = root / f"harbour-{seed}"
        sim.run(HARBOUR, runs=RUNS, seed=seed, out=out[f"harbour-{seed}"], overrides=VARIED)
    for name, seed in (("greedy", 0), ("greedy-99", 99)):
        out[name] = root / name
        sim.run(HARBOUR, runs=RUNS, seed=seed, out=out[name], overrides=NORTH_WANTS_ALL)
    out["traced"] = root / "traced"  # harbour-0 again, with its rounds
    sim.run(HARBOUR, runs=RUNS, seed=0, out=out["traced"], traces=True, overrides=VARIED)
    return out


# --- statistics against known values ---------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873–890, Table II, method 10, for
        # θ = p1 − p2 with (p1 = x1/n1, p2 = x2/n2): here b = sample 1, a = sample 2.
        ((48, 80), (56, 70), (0.0524, 0.3339)),
        ((3, 10), (9, 10), (0.1705, 0.8090)),
        ((0, 29), (5, 56), (-0.0381, 0.1926)),
        ((0, 20), (0, 10), (-0.1611, 0.2775)),
        ((0, 20), (10, 10), (0.6791, 1.0000)),
        ((0, 10), (10, 10), (0.6075, 1.0000)),
    ],
)
def test_newcombe_interval_matches_the_published_examples(a, b, expected):
    low, high = newcombe_interval(*a, *b)
    assert (round(low, 4), round(high, 4)) == expected


def test_wilson_interval_matches_a_published_example():
    # Newcombe (1998, Stat. Med. 17:857–872), Table I: 81/263 → 0.2553 to 0.3662.
    low, high = wilson_interval(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)


def test_the_proportion_test_is_pearsons_chi_square_or_fisher_for_small_counts():
    p, test = two_proportion_test(500, 1000, 550, 1000)
    table = [[500, 500], [550, 450]]
    assert test == "z test"
    assert p == pytest.approx(stats.chi2_contingency(table, correction=False).pvalue)
    p, test = two_proportion_test(1, 20, 7, 20)  # expected counts below 5
    assert test == "Fisher exact"
    assert p == pytest.approx(stats.fisher_exact([[1, 19], [7, 13]]).pvalue)
    assert two_proportion_test(30, 30, 40, 40) == (1.0, "Fisher exact")  # all deals in both
    difference = proportion_difference(48, 80, 56, 70)
    assert difference.estimate == pytest.approx(0.2)
    assert difference.interval == pytest.approx((0.0524, 0.3339), abs=1e-4)


def test_kaplan_meier_by_hand_with_censoring():
    # times 1, 2, 2+, 3, 4+ (+ censored): S(1) = 4/5, S(2) = 4/5·3/4, S(3) = 0.6·1/2.
    curve = kaplan_meier(np.array([1, 2, 2, 3, 4]), np.array([1, 1, 0, 1, 0], bool))
    assert [curve.at(t) for t in (0, 1, 2, 2.5, 3, 4)] == pytest.approx(
        [1, 0.8, 0.6, 0.6, 0.3, 0.3]
    )
    assert curve.median == 3
    assert curve.last == 4
    # no deal at all: survival 1 throughout, a band of width 0
    none = kaplan_meier(np.array([5.0, 5.0]), np.zeros(2, bool))
    assert none.at(5) == 1 and none.median is None


def test_kaplan_meier_on_the_6mp_leukaemia_data():
    # Freireich et al. (1963), 6-MP arm (+ censored), as in every survival textbook; the
    # estimates and log(−log) 95% limits are those R's survfit(conf.type = "log-log") prints.
    times = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    events = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    curve = kaplan_meier(np.array(times), np.array(events, bool))
    at = [6, 7, 10, 13, 16, 22, 23]
    rows = [np.searchsorted(curve.times, t, side="right") - 1 for t in at]
    assert curve.survival[rows].round(3).tolist() == [
        0.857,
        0.807,
        0.753,
        0.690,
        0.627,
        0.538,
        0.448,
    ]
    assert curve.lower[rows].round(3).tolist() == [0.620, 0.563, 0.503, 0.432, 0.368, 0.268, 0.188]
    assert curve.upper[rows].round(3).tolist() == [0.952, 0.923, 0.889, 0.849, 0.805, 0.747, 0.680]
    assert curve.median == 23
    # Against the placebo arm (all events): R's survdiff gives Chisq = 16.8 on 1 df.
    placebo = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]
    statistic, p, z = logrank_test(
        np.array(times), np.array(events, bool), np.array(placebo), np.ones(21, bool)
    )
    assert statistic == pytest.approx(16.79, abs=0.01)
    assert p == pytest.approx(4.17e-5, rel=0.01)
    assert z > 0  # the placebo arm has its events sooner


def test_holm_on_a_textbook_example():
    # m = 4: sorted 0.005, 0.01, 0.03, 0.04 → ×4, ×3, ×2, ×1 = 0.02, 0.03, 0.06, 0.04 → the
    # running maximum 0.02, 0.03, 0.06, 0.06, back in the original order.
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    adjusted = holm([0.02, None, 0.5, float("nan")])  # missing values do not count
    assert adjusted[[0, 2]] == pytest.approx([0.04, 0.5])
    assert np.isnan(adjusted[[1, 3]]).all()
    assert holm([0.6, 0.9]) == pytest.approx([1.0, 1.0])  # capped at 1


def test_ks_and_wasserstein_on_small_samples():
    assert ks_test(np.array([1.0, 2, 3]), np.array([1.0, 2, 3])) == (0.0, 1.0)
    assert ks_test(np.arange(10.0), np.arange(10.0) + 100)[0] == 1.0
    assert wasserstein(np.array([0.0, 1.0]), np.array([1.0, 2.0])) == pytest.approx(1.0)


def test_the_option_share_test_drops_empty_options_and_goes_monte_carlo_when_sparse():
    statistic, p, test = contingency_test([[60, 40, 0], [40, 60, 0]])
    expected = stats.chi2_contingency([[60, 40], [40, 60]], correction=False)
    assert test == "chi-square"
    assert (statistic, p) == pytest.approx((expected.statistic, expected.pvalue))
    _, p, test = contingency_test([[500, 2], [500, 0]], rng=np.random.default_rng(1))
    assert test == "chi-square (Monte Carlo)"
    assert p > 0.2
    assert contingency_test([[10, 0], [20, 0]]) == (0.0, 1.0, "chi-square")


def test_mcnemar_by_hand():
    # 1 pair where only a holds, 9 where only b does: under the null the 9 is Binomial(10, ½),
    # so the exact two-sided p is 2·P(X ≤ 1) = 2·11/1024.
    a = np.array([1] * 1 + [0] * 9 + [1] * 30 + [0] * 60, bool)
    b = np.array([0] * 1 + [1] * 9 + [1] * 30 + [0] * 60, bool)
    assert mcnemar_test(a, b) == (9, 1, pytest.approx(22 / 1024))
    assert mcnemar_test(a, a) == (0, 0, 1.0)  # no discordant pair: nothing to test


def test_stuart_maxwell_against_a_published_example_and_mcnemar():
    # nonpar::stuart.maxwell(matrix(c(12, 30, 13, 7, 70, 34, 3, 20, 32), 3, 3)) prints
    # "Test Statistic = 23.5709322524609", 2 degrees of freedom, p = 7.61442467334117e-06
    # (R fills a matrix column by column).
    table = np.array([12, 30, 13, 7, 70, 34, 3, 20, 32]).reshape(3, 3).T
    statistic, p = stuart_maxwell_test(table)
    assert statistic == pytest.approx(23.5709322524609)
    assert p == pytest.approx(7.61442467334117e-06, rel=1e-6)
    # with two categories it is McNemar's chi-square, (b − c)² / (b + c)
    assert stuart_maxwell_test(np.array([[10, 5], [15, 20]]))[0] == pytest.approx(100 / 20)
    # a table in perfect agreement, or with an unused category, has nothing (more) to test
    assert stuart_maxwell_test(np.diag([5, 7, 9])) == (0.0, 1.0)
    padded = np.zeros((4, 4))
    padded[:3, :3] = table
    assert stuart_maxwell_test(padded)[0] == pytest.approx(23.5709322524609)


def test_the_signed_rank_test_by_hand():
    # five positive differences: of the 2⁵ equally likely sign patterns, one is as extreme on
    # each side, so the exact two-sided p is 2/32
    assert signed_rank_test(np.array([1.0, 2, 3, 4, 5])) == pytest.approx(2 / 32)
    assert signed_rank_test(np.zeros(10)) == 1.0  # every pair alike


def test_the_paired_bootstrap_sees_a_shift_the_independent_one_cannot():
    # Pairs that differ by exactly 0.01 in a spread of 1: the paired interval is the shift
    # itself; independent samples of the same values cannot tell it from noise.
    rng = np.random.default_rng(3)
    a = rng.normal(0, 1, 500)
    b = a + 0.01
    estimate, (low, high) = bootstrap_difference(a, b, paired=True, rng=rng)
    assert estimate == pytest.approx(0.01) and (low, high) == pytest.approx((0.01, 0.01))
    _, (low, high) = bootstrap_difference(a, b, paired=False, rng=rng)
    assert low < 0 < high
    with pytest.raises(ValueError):
        bootstrap_difference(a, b[:10], paired=True, rng=rng)


# --- coverage and size in simulations of known truth -------------------------------------------


def test_wilson_and_newcombe_intervals_cover_the_truth():
    rng = np.random.default_rng(7)
    n_a, n_b, p_a, p_b = 150, 120, 0.3, 0.45
    a = rng.binomial(n_a, p_a, size=1000)
    b = rng.binomial(n_b, p_b, size=1000)
    wilson_hits = [lo <= p_a <= hi for lo, hi in (wilson_interval(int(x), n_a) for x in a)]
    newcombe_hits = [
        lo <= p_b - p_a <= hi
        for lo, hi in (
            newcombe_interval(int(x), n_a, int(y), n_b) for x, y in zip(a, b, strict=True)
        )
    ]
    assert 0.93 <= np.mean(wilson_hits) <= 0.97
    assert 0.93 <= np.mean(newcombe_hits) <= 0.97


def test_the_proportion_test_holds_its_size_and_finds_a_real_difference():
    rng = np.random.default_rng(8)
    n = 400
    same = [
        two_proportion_test(int(x), n, int(y), n)[0] for x, y in rng.binomial(n, 0.6, (2000, 2))
    ]
    assert 0.035 <= np.mean(np.array(same) < 0.05) <= 0.065
    apart = [
        two_proportion_test(int(x), n, int(y), n)[0]
        for x, y in zip(rng.binomial(n, 0.5, 500), rng.binomial(n, 0.6, 500), strict=True)
    ]
    # power of 0.5 vs 0.6 at n = 400 each: Φ(0.1 / sqrt(2·0.25/400) − 1.96) ≈ 0.81
    assert 0.74 <= np.mean(np.array(apart) < 0.05) <= 0.88


def test_the_bootstrap_intervals_cover_the_truth():
    rng = np.random.default_rng(9)
    truth = np.log(2) * (1.5 - 1.0)  # medians of exponentials with scales 1 and 1.5
    independent, paired = [], []
    for _ in range(200):
        a = rng.exponential(1.0, 151)
        b = rng.exponential(1.5, 140)
        _, (low, high) = bootstrap_difference(a, b, paired=False, rng=rng, resamples=500)
        independent.append(low <= truth <= high)
        # pairs that share a common part: the mean paired difference is 0.3
        common = rng.normal(0, 1, 120)
        x, y = common + rng.normal(0, 0.5, 120), common + 0.3 + rng.normal(0, 0.5, 120)
        _, (low, high) = bootstrap_difference(x, y, paired=True, rng=rng, resamples=500)
        paired.append(low <= 0.3 <= high)
    assert 0.90 <= np.mean(independent) <= 0.99
    assert 0.90 <= np.mean(paired) <= 0.99


def test_the_kaplan_meier_band_covers_the_truth_under_censoring():
    rng = np.random.default_rng(10)
    hazard, last, t = 0.08, 12, 6  # a deal with chance 8% each round, talks end after 12
    truth = (1 - hazard) ** t
    hits = []
    for _ in range(500):
        times = rng.geometric(hazard, 300)
        observed = times <= last
        curve = kaplan_meier(np.minimum(times, last), observed)
        j = np.searchsorted(curve.times, t, side="right") - 1
        hits.append(curve.lower[j] <= truth <= curve.upper[j])
    assert 0.92 <= np.mean(hits) <= 0.98


# --- the comparison on batches -----------------------------------------------------------------


def test_the_same_scenario_under_other_seeds_is_found_alike(folders):
    """Over PAIRS pairs of seeds, every p-value of every row: the share below 0.05 is near
    the nominal 5% (not above it), and few pairs see any difference after Holm's
    adjustment (its family-wise rate is at most 5%)."""
    raw, alarms = [], 0
    for k in range(PAIRS):
        comparison = compare(
            [folders[f"harbour-{2 * k}"], folders[f"harbour-{2 * k + 1}"]], resamples=200
        )
        assert comparison.comparisons == len(comparison.rows) == 9
        assert not comparison.skipped
        assert {row.method for row in comparison.rows} == {"independent"}
        raw.extend(row.p for row in comparison.rows)
        alarms += any(row.significant for row in comparison.rows)
        for row in comparison.rows:
            if not row.significant:
                assert row.finding == "not significant"
    raw = np.array(raw)
    assert np.mean(raw < 0.05) <= 0.1
    assert np.mean(raw < 0.2) <= 0.3
    assert alarms <= 1


def test_batches_that_share_their_draws_are_paired(folders):
    shared = compare([folders["harbour-0"], folders["greedy"]], resamples=200)
    apart = compare([folders["harbour-0"], folders["greedy-99"]], resamples=200)
    pairs = shared.pairings["greedy"]
    assert pairs.paired and pairs.same_seed and pairs.shared == pairs.matching == 3
    assert not apart.pairings["greedy-99"].paired
    tests = {row.subject: row.test for row in shared.rows}
    assert tests["deal probability"] == "McNemar"
    assert tests["harbour"] == "Stuart–Maxwell"
    assert (
        tests["north"] == tests["fishing_quota"] == tests["time to deal"] == "Wilcoxon signed-rank"
    )
    assert {row.method for row in shared.rows} == {"paired"}
    assert {row.method for row in apart.rows} == {"independent"}


def test_a_real_change_is_found_in_the_payoffs(folders):
    """North now wants all the fish: the same deals are worth less to it."""
    comparison = compare([folders["harbour-0"], folders["greedy"]], resamples=500)
    rows = {(row.topic, row.subject): row for row in comparison.rows}
    payoff = rows[("payoff", "north")]
    assert payoff.significant and payoff.practical and payoff.finding == "differs"
    assert payoff.interval[1] < 0
    # payoffs come before utilities, each party's utility has its own row
    topics = [row.topic for row in comparison.rows]
    assert topics.index("payoff") < topics.index("utility")
    assert ("utility", "north") in rows


def test_per_batch_summaries(folders):
    comparison = compare([folders["harbour-0"], folders["greedy"]], resamples=200)
    harbour = comparison.batches[0]
    runs = sim.load_results(folders["harbour-0"])
    assert harbour.runs == RUNS and harbour.deals == int(runs["deal"].sum())
    assert harbour.interval == wilson_interval(harbour.deals, RUNS)
    deals = runs[runs["deal"]]
    border = harbour.issues["border"]
    assert border.unit == "km held by north" and border.units.width == 40
    assert border.median == pytest.approx(deals["outcome.border"].median())
    assert border.q10 == pytest.approx(deals["outcome.border"].quantile(0.1))
    shares = deals["outcome_label.harbour"].value_counts(normalize=True)
    assert harbour.issues["harbour"].shares["shared"] == pytest.approx(shares["shared"])
    assert harbour.payoffs["south"].median == pytest.approx(runs["payoff.south"].median())
    assert harbour.utilities["south"].median == pytest.approx(runs["utility.south"].median())
    # time to deal: no deal by week 20 is censored there
    assert harbour.survival.at(20) == pytest.approx(1 - harbour.deal_probability)
    assert harbour.round_label == "week" and harbour.rounds == 20


def test_the_comparison_is_reproducible(folders):
    pair = [folders["harbour-0"], folders["harbour-1"]]
    first, second = compare(pair, resamples=200), compare(pair, resamples=200)
    assert [(r.estimate, r.interval, r.p) for r in first.rows] == [
        (r.estimate, r.interval, r.p) for r in second.rows
    ]


def _shifted(folders, tmp_path: Path, name: str, shift: float) -> Path:
    """A copy of harbour-0 whose payoffs are all ``shift`` higher: the same draws, so paired,
    with a known difference."""
    folder = tmp_path / name
    shutil.copytree(folders["harbour-0"], folder)
    runs = pd.read_parquet(folder / "runs.parquet")
    for column in ("payoff.north", "payoff.south"):
        runs[column] += shift
    runs.to_parquet(folder / "runs.parquet", index=False)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["scenario"]["sha256"] = "0" * 64  # another batch, not this one twice
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_a_trivial_difference_gets_no_verdict_however_significant(folders, tmp_path):
    """Payoffs 0.002 higher in every replicate: the signed-rank test cannot miss it (p far
    below 0.05 after Holm), but 0.002 is below the 0.01 a payoff must move to count."""
    comparison = compare([folders["harbour-0"], _shifted(folders, tmp_path, "up", 0.002)])
    rows = {(r.topic, r.subject): r for r in comparison.rows}
    payoff = rows[("payoff", "north")]
    assert payoff.method == "paired" and payoff.p_adjusted < 1e-6
    assert payoff.estimate == pytest.approx(0.002) and payoff.threshold == 0.01
    assert payoff.finding == "below threshold" and not payoff.practical
    # the same difference counts once the threshold is lowered below it
    lowered = compare([folders["harbour-0"], tmp_path / "up"], thresholds=Thresholds(payoff=0.001))
    assert next(r for r in lowered.rows if r.topic == "payoff").finding == "differs"
    # and a shift above the default counts by default
    bigger = compare([folders["harbour-0"], _shifted(folders, tmp_path, "more", 0.05)])
    assert next(r for r in bigger.rows if r.topic == "payoff").finding == "differs"


def test_the_verdicts_say_what_happened(folders, tmp_path):
    from sim.views.compare import verdict

    comparison = compare([folders["harbour-0"], _shifted(folders, tmp_path, "up", 0.002)])
    said = {(r.topic, r.subject): verdict(r) for r in comparison.rows}
    assert said[("payoff", "north")].startswith("no practical difference: mean +0.002")
    assert said[("payoff", "north")].endswith("below 0.01")
    assert said[("utility", "north")] == "the same in every replicate"
    comparison = compare([folders["harbour-0"], folders["greedy"]], resamples=200)
    said = {(r.topic, r.subject): verdict(r) for r in comparison.rows}
    assert said[("payoff", "north")].startswith("worse for north: mean -")
    assert "the same option in" in said[("issue", "harbour")]


def test_one_batch_twice_compares_nothing(folders, tmp_path):
    with pytest.raises(sim.UserError, match="compares nothing"):
        compare([folders["harbour-0"], folders["harbour-0"]])
    copy = tmp_path / "copy"
    shutil.copytree(folders["harbour-0"], copy)  # the same scenario, seed and N elsewhere
    code, out, err = cli("compare", folders["harbour-0"], copy)
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"batches copy and harbour-0 are one batch (the same scenario, seed 0 and N "
        f"{RUNS:,}): comparing them compares nothing"
    ]


# --- the refusal rule ----------------------------------------------------------------------


def _variant(tmp_path: Path, name: str, edit) -> Path:
    import yaml

    document = yaml.safe_load(HARBOUR.read_text())
    edit(document)
    document["name"] = name
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_meaningless_rows_are_skipped_with_one_line_each(folders, tmp_path):
    def edit(document):
        document["round_label"] = "month"
        document["issues"]["fishing_quota"]["scale"]["unit"] = "tonnes"
        document["issues"]["harbour"]["options"] = ["south_keeps", "joint", "north_gets"]
        del document["issues"]["border"]
        del document["battlefield"]
        for party in document["parties"].values():
            party["positions"].pop("border", None)
            party["salience"].pop("border", None)

    variant = _variant(tmp_path, "harbour-changed", edit)
    sim.run(variant, runs=200, seed=5, out=tmp_path / "changed")
    comparison = compare([folders["harbour-0"], tmp_path / "changed"])
    assert comparison.skipped == [
        "time to deal: rounds are weeks in batch harbour-0 but months in batch changed: skipped",
        "issue `fishing_quota` is in '% to north' in batch harbour-0 but is in 'tonnes' in "
        "batch changed: skipped",
        "issue `harbour` has options south_keeps, shared, north_gets in batch harbour-0 but "
        "has options south_keeps, joint, north_gets in batch changed: skipped",
        "issue `border` is not in batch changed: skipped",
    ]
    assert [row.subject for row in comparison.rows] == [
        "deal probability",
        "north",
        "south",
        "north",
        "south",
    ]
    assert [row.topic for row in comparison.rows][1:] == ["payoff"] * 2 + ["utility"] * 2


def test_a_renamed_party_loses_only_its_own_row(folders, tmp_path):
    def edit(document):
        document["parties"]["northland"] = document["parties"].pop("north")
        for issue in document["issues"].values():
            issue["veto"] = ["northland" if v == "north" else v for v in issue["veto"]]
        for event in document["events"]:
            event["set"] = {k.replace("north", "northland"): v for k, v in event["set"].items()}

    sim.run(_variant(tmp_path, "harbour-renamed", edit), runs=200, seed=5, out=tmp_path / "renamed")
    comparison = compare([folders["harbour-0"], tmp_path / "renamed"])
    assert comparison.skipped == [
        "payoff of `north` is not in batch renamed: skipped",
        "payoff of `northland` is not in batch harbour-0 (the reference): skipped",
        "utility of `north` is not in batch renamed: skipped",
        "utility of `northland` is not in batch harbour-0 (the reference): skipped",
    ]
    assert "south" in [row.subject for row in comparison.rows]


def test_batches_with_nothing_in_common_are_refused(folders, tmp_path):
    sim.run(STATICS, runs=100, seed=1, out=tmp_path / "statics")
    code, out, err = cli("compare", folders["harbour-0"], tmp_path / "statics")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "nothing comparable remains: batch statics shares no issue and no party with batch "
        "harbour-0: not compared"
    ]
    # ... but a third batch that is comparable keeps the comparison going.
    comparison = compare([folders["harbour-0"], tmp_path / "statics", folders["harbour-1"]])
    assert comparison.skipped == [
        "batch statics shares no issue and no party with batch harbour-0: not compared"
    ]
    assert {row.batch for row in comparison.rows} == {"harbour-1"}


# --- the command ---------------------------------------------------------------------------


def test_compare_end_to_end_with_a_report_and_figures(folders, tmp_path):
    report = tmp_path / "out" / "harbour-vs-greedy.html"
    figures = tmp_path / "figures"
    code, out, err = cli(
        "compare", folders["traced"], folders["greedy"], "--report", report,
        "--figures", figures,
    )  # fmt: skip
    assert (code, err) == (0, "")
    printed = words(out)
    assert "Comparing 2 batches with the first, traced" in printed
    assert "greedy is paired with traced: the same seed (0) and N (400)" in printed
    assert "worse for north" in printed
    assert "Holm-adjusted p < 0.05 (over " in printed
    assert f"Report: {report}" in printed and f"Figures: 8 PNGs in {figures}" in printed
    page = report.read_text()
    # deal probability, survival, the rounds of the traced batch, one per issue (3), payoffs
    # and utilities split by deal
    assert page.count('src="data:image/png;base64,') == 8
    assert "How the talks moved" in page and "traced: the text on the table over the weeks" in page
    assert not list(report.parent.glob("*.png"))  # one self-contained file
    pngs = sorted(figures.glob("*.png"))
    assert [p.name[:3] for p in pngs] == [f"{n:02d}-" for n in range(1, 9)]
    assert pngs[1].name == "02-time-to-deal-kaplan-meier-95-bands.png"
    for folder in ("traced", "greedy"):
        manifest = json.loads((folders[folder] / "manifest.json").read_text())
        assert manifest["scenario"]["sha256"][:12] in page
    assert "worse for north: mean -" in page and "paired" in page
    # the pictures come before the long tables of each section
    assert page.index("<img") < page.index("<table", page.index("Terms of a deal</h2>"))


@pytest.mark.slow  # a fresh interpreter
def test_compare_without_report_needs_no_matplotlib(folders):
    pair = [str(folders["harbour-0"]), str(folders["harbour-1"])]
    code = (
        "import sys; from sim.cli import main; "
        f"status = main(['compare', *{pair!r}]); "
        "assert status == 0, status; assert 'matplotlib' not in sys.modules, 'imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_report_without_matplotlib_is_one_line(folders, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    code, _, err = cli(
        "compare", folders["harbour-0"], folders["harbour-1"], "--report", tmp_path / "r.html"
    )
    assert code == 2
    assert err.strip() == "--report needs matplotlib: pip install 'negsim[report]'"
    assert not (tmp_path / "r.html").exists()
    code, _, err = cli(
        "compare", folders["harbour-0"], folders["harbour-1"], "--figures", tmp_path / "f"
    )
    assert code == 2 and err.strip() == "--figures needs matplotlib: pip install 'negsim[report]'"


def test_compare_refuses_what_is_not_a_complete_results_folder(folders, tmp_path):
    (tmp_path / "empty").mkdir()
    incomplete = tmp_path / "incomplete"
    shutil.copytree(folders["harbour-1"], incomplete)
    manifest = json.loads((incomplete / "manifest.json").read_text())
    manifest["status"] = "incomplete"
    (incomplete / "manifest.json").write_text(json.dumps(manifest))
    cases = {
        tmp_path / "missing": "no such folder",
        tmp_path / "empty": "not a negsim results folder",
        HARBOUR: "not a folder",
        incomplete: "incomplete",
    }
    for folder, message in cases.items():
        code, out, err = cli("compare", folders["harbour-0"], folder)
        assert code == 2, (folder, out, err)
        assert len(err.strip().splitlines()) == 1 and message in err, err
        assert "Traceback" not in out + err
    code, _, err = cli("compare", folders["harbour-0"])
    assert code == 2 and "at least two" in err


def test_an_experiment_output_stands_for_its_results_folders(folders, tmp_path):
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    for name in ("harbour-2", "harbour-3"):
        shutil.copytree(folders[name], sweep / name)
    comparison = compare([folders["harbour-0"], sweep], resamples=200)
    assert [b.label for b in comparison.batches] == ["harbour-0", "harbour-2", "harbour-3"]


def test_a_forecasting_protocol_compares_its_forecasts_only(folders, tmp_path):
    sim.run(
        HARBOUR,
        runs=200,
        seed=5,
        out=tmp_path / "forecast",
        overrides=["protocol={kind: compromise}"],
    )
    comparison = compare([folders["harbour-0"], tmp_path / "forecast"])
    assert comparison.skipped == [
        "deal probability and time to deal: batch forecast forecasts (protocol compromise) "
        "rather than bargains: skipped"
    ]
    forecast = comparison.batches[1]
    assert forecast.forecast and forecast.deal_probability is None
    assert forecast.issues["border"].count == 200  # every replicate's forecast
    rows = {row.subject: row for row in comparison.rows}
    assert set(rows) == {"fishing_quota", "harbour", "border", "north", "south"}
    # the compromise splits the fishing quota by capability and salience; the bargain does not
    assert rows["fishing_quota"].finding == "differs" and abs(rows["fishing_quota"].estimate) > 5


SPLIT = """
schema_version: 1
name: split
rounds: 10
issues:
  pie:
    shares: {among: [a, b], total: 100}
    status_quo: {a: 50, b: 50}
    veto: [a, b]
  flag:
    options: [red, blue]
    status_quo: red
    veto: [a, b]
parties:
  a:
    capability: 1.0
    positions: {flag: red}
    salience: {pie: 0.8, flag: 0.2}
    patience: 0.98
    war_cost: {uniform: [0.01, 0.03]}
  b:
    capability: 1.0
    positions: {flag: blue}
    salience: {pie: 0.5, flag: 0.5}
    patience: 0.98
    war_cost: {uniform: [0.01, 0.03]}
"""


def test_a_shares_issue_is_compared_party_by_party(tmp_path):
    path = tmp_path / "split.yaml"
    path.write_text(SPLIT)
    sim.run(path, runs=300, seed=1, out=tmp_path / "base")
    sim.run(path, runs=300, seed=2, out=tmp_path / "greedy", overrides=["parties.a.salience.pie=2"])
    comparison = compare([tmp_path / "base", tmp_path / "greedy"], resamples=200)
    base = comparison.batches[0]
    assert base.issues["pie.a"].unit == "of 100"
    assert base.issues["pie.a"].median + base.issues["pie.b"].median == pytest.approx(100)
    rows = {row.subject: row for row in comparison.rows}
    assert {"pie.a", "pie.b", "flag"} <= set(rows)
    assert rows["pie.a"].unit == "of 100" and rows["pie.a"].threshold == pytest.approx(1.0)


def test_new_outcome_columns_are_compared_without_code_of_their_own(folders, tmp_path):
    """Columns of no declared family — a yes/no ``ceasefire``, a number ``gap.width`` — as the
    model may add: compared as proportions and as numbers, summarised per batch."""
    base = _shifted(folders, tmp_path, "base", 0.0)
    other = _shifted(folders, tmp_path, "other", 0.0)
    rng = np.random.default_rng(0)
    for folder, share, width in ((base, 0.3, 1.0), (other, 0.6, 1.0)):
        runs = pd.read_parquet(folder / "runs.parquet")
        runs["ceasefire"] = rng.random(len(runs)) < share
        runs["gap.width"] = width + np.zeros(len(runs))
        runs.to_parquet(folder / "runs.parquet", index=False)
    manifest = json.loads((other / "manifest.json").read_text())
    manifest["scenario"]["sha256"] = "1" * 64
    (other / "manifest.json").write_text(json.dumps(manifest))
    comparison = compare([base, other], resamples=200)
    rows = {r.subject: r for r in comparison.rows if r.topic == "outcome"}
    assert set(rows) == {"ceasefire", "gap.width"}
    assert rows["ceasefire"].test == "McNemar" and rows["ceasefire"].finding == "differs"
    assert rows["ceasefire"].estimate == pytest.approx(0.3, abs=0.05)
    assert rows["gap.width"].finding == "same"
    assert comparison.batches[1].extras["ceasefire"].mean() == pytest.approx(0.6, abs=0.05)
