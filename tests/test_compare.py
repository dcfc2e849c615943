"""``negsim compare`` and its statistics: each function against published or hand-worked
values; intervals that cover a known truth and tests that hold their size in simulations of
binomial and continuous draws; the same scenario under different seeds found alike (a
false-alarm rate near the nominal level over several seed pairs); a real change found; rows
that would be meaningless skipped with one line each; the command end to end.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import HARBOUR, cli, words
from scipy import stats

import sim
from sim.analysis.compare import compare
from sim.analysis.statistics import (
    bootstrap_median_difference,
    bootstrap_medians,
    contingency_test,
    holm,
    kaplan_meier,
    ks_test,
    logrank_test,
    newcombe_interval,
    proportion_difference,
    two_proportion_test,
    wasserstein,
    wilson_interval,
)

ROOT = Path(__file__).parent.parent
STATICS = Path(__file__).parent / "data" / "statics.yaml"
FLAGSHIP = ROOT / "scenarios" / "budapest_2025.yaml"
TOMAHAWKS = ROOT / "scenarios" / "budapest_2025_tomahawks.yaml"
RUNS = 1024  # one block: a smaller batch costs as much
PAIRS = 12  # seed pairs of the false-alarm check


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """Results folders: harbour under 2·PAIRS seeds, a harbour variant, the flagship and its
    Tomahawks variant."""
    root = tmp_path_factory.mktemp("compare")
    out = {}
    for seed in range(2 * PAIRS):
        out[f"harbour-{seed}"] = root / f"harbour-{seed}"
        sim.run(HARBOUR, runs=RUNS, seed=seed, out=out[f"harbour-{seed}"])
    out["harbour-north-wants-all"] = root / "harbour-north-wants-all"
    sim.run(
        HARBOUR,
        runs=RUNS,
        seed=99,
        out=out["harbour-north-wants-all"],
        overrides=["parties.north.positions.fishing_quota=100"],
    )
    out["flagship"] = root / "flagship"
    sim.run(FLAGSHIP, runs=RUNS, seed=1, out=out["flagship"])
    out["tomahawks"] = root / "tomahawks"
    sim.run(TOMAHAWKS, runs=RUNS, seed=2, out=out["tomahawks"])
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
    assert curve.times.tolist() == [0, 1, 2, 3]
    assert curve.survival == pytest.approx([1, 0.8, 0.6, 0.3])
    assert curve.at_risk.tolist() == [5, 5, 4, 2]
    assert curve.at(2.5) == pytest.approx(0.6)
    assert curve.median == 3
    assert curve.last == 4


def test_kaplan_meier_on_the_6mp_leukaemia_data():
    # Freireich et al. (1963), 6-MP arm (+ censored), as in every survival textbook; the
    # estimates and log(−log) 95% limits are those R's survfit(conf.type = "log-log") prints.
    times = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    events = [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]
    curve = kaplan_meier(np.array(times), np.array(events, bool))
    assert curve.times[1:].tolist() == [6, 7, 10, 13, 16, 22, 23]
    assert curve.survival[1:].round(3).tolist() == [0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448]
    assert curve.lower[1:].round(3).tolist() == [0.620, 0.563, 0.503, 0.432, 0.368, 0.268, 0.188]
    assert curve.upper[1:].round(3).tolist() == [0.952, 0.923, 0.889, 0.849, 0.805, 0.747, 0.680]
    assert curve.median == 23
    # Against the placebo arm (all events): R's survdiff gives Chisq = 16.8 on 1 df.
    placebo = [1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23]
    statistic, p, excess = logrank_test(
        np.array(times), np.array(events, bool), np.array(placebo), np.ones(21, bool)
    )
    assert statistic == pytest.approx(16.79, abs=0.01)
    assert p == pytest.approx(4.17e-5, rel=0.01)
    assert excess > 0  # the placebo arm has its events sooner


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


@pytest.mark.parametrize("n", [1, 2, 7, 40, 41])
def test_bootstrap_medians_have_the_distribution_of_resampled_medians(n):
    rng = np.random.default_rng(n)
    x = rng.exponential(size=n)
    direct = np.median(x[rng.integers(0, n, size=(40_000, n))], axis=1)
    drawn = bootstrap_medians(x, 40_000, rng)
    values = np.union1d(direct, drawn)
    # the same distribution: the largest gap between the two CDFs is sampling noise
    gap = (
        np.abs(
            np.searchsorted(np.sort(direct), values, "right")
            - np.searchsorted(np.sort(drawn), values, "right")
        ).max()
        / 40_000
    )
    assert gap < 0.015


# --- coverage and size in simulations of known truth -------------------------------------------


def test_wilson_and_newcombe_intervals_cover_the_truth():
    rng = np.random.default_rng(7)
    n_a, n_b, p_a, p_b = 150, 120, 0.3, 0.45
    a = rng.binomial(n_a, p_a, size=2000)
    b = rng.binomial(n_b, p_b, size=2000)
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


def test_the_bootstrap_interval_of_a_difference_in_medians_covers_the_truth():
    rng = np.random.default_rng(9)
    truth = np.log(2) * (1.5 - 1.0)  # medians of exponentials with scales 1 and 1.5
    hits = []
    for _ in range(400):
        a = rng.exponential(1.0, 151)
        b = rng.exponential(1.5, 140)
        _, (low, high) = bootstrap_median_difference(a, b, rng=rng, resamples=1000)
        hits.append(low <= truth <= high)
    assert 0.91 <= np.mean(hits) <= 0.98


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
        comparison = compare([folders[f"harbour-{2 * k}"], folders[f"harbour-{2 * k + 1}"]])
        assert comparison.comparisons == len(comparison.rows) == 7
        assert not comparison.skipped and not comparison.notes
        raw.extend(row.p for row in comparison.rows)
        alarms += any(row.significant for row in comparison.rows)
        for row in comparison.rows:
            if not row.significant:
                assert row.verdict.startswith("no significant difference")
    raw = np.array(raw)
    assert np.mean(raw < 0.05) <= 0.1
    assert np.mean(raw < 0.2) <= 0.3
    assert alarms <= 1


def test_a_real_change_is_found(folders):
    comparison = compare([folders["flagship"], folders["tomahawks"]])
    rows = {row.subject: row for row in comparison.rows}
    deal = rows["deal probability"]
    assert deal.significant and deal.estimate > 0.3
    assert deal.verdict.startswith("deal more likely: +")
    assert deal.interval[0] > 0
    assert rows["tomahawk"].significant
    assert rows["tomahawk"].verdict.startswith("option shares differ: withheld")
    assert rows["time to deal"].verdict.startswith("deal sooner")
    # nato is security_guarantees in every deal of both: no test, not counted by Holm
    assert rows["nato"].p is None and "the same in both" in rows["nato"].verdict
    assert comparison.comparisons == len(comparison.rows) - 1
    # Russia loses from the missiles: its utility falls.
    assert rows["russia"].significant and rows["russia"].verdict.startswith("worse for russia")


def test_a_changed_position_is_found_where_it_acts(folders):
    comparison = compare([folders["harbour-0"], folders["harbour-north-wants-all"]])
    rows = {row.subject: row for row in comparison.rows}
    # North now wants all the fish; its utility of the same deals falls.
    assert rows["north"].significant and rows["north"].verdict.startswith("worse for north")
    assert rows["north"].interval[1] < 0


def test_per_batch_summaries(folders):
    comparison = compare([folders["flagship"], folders["tomahawks"]])
    flagship, tomahawks = comparison.batches
    runs = sim.load_results(folders["flagship"])
    assert flagship.runs == RUNS and flagship.deals == int(runs["deal"].sum())
    assert flagship.interval == wilson_interval(flagship.deals, RUNS)
    deals = runs[runs["deal"]]
    territory = flagship.issues["territory"]
    assert territory.unit == "% of Ukraine"
    assert territory.median == pytest.approx(deals["outcome.territory"].median())
    assert territory.q10 == pytest.approx(deals["outcome.territory"].quantile(0.1))
    shares = deals["outcome_label.tomahawk"].value_counts(normalize=True)
    assert flagship.issues["tomahawk"].shares["supplied"] == pytest.approx(shares["supplied"])
    assert flagship.utilities["ukraine"].median == pytest.approx(runs["utility.ukraine"].median())
    # time to deal: no deal by week 26 is censored there
    assert flagship.survival.at(26) == pytest.approx(1 - flagship.deal_probability)
    assert flagship.round_label == "week" and flagship.rounds == 26
    assert tomahawks.info.scenario == "budapest_2025_tomahawks"


def test_the_comparison_is_reproducible(folders):
    pair = [folders["harbour-0"], folders["harbour-1"]]
    first, second = compare(pair), compare(pair)
    assert [(r.estimate, r.interval, r.p) for r in first.rows] == [
        (r.estimate, r.interval, r.p) for r in second.rows
    ]


def test_the_same_batch_twice_gets_a_note(folders):
    comparison = compare([folders["harbour-0"], folders["harbour-0"]])
    assert len(comparison.notes) == 1 and "same seed" in comparison.notes[0]


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
        "issue `fishing_quota` is in '% to north' in batch harbour-0 but 'tonnes' in batch "
        "changed: skipped",
        "issue `harbour` has options south_keeps, shared, north_gets in batch harbour-0 but "
        "south_keeps, joint, north_gets in batch changed: skipped",
        "issue `border` is not in batch changed: skipped",
    ]
    assert [row.subject for row in comparison.rows] == ["deal probability", "north", "south"]


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
        "party `north` is not in batch renamed: skipped",
        "party `northland` is not in batch harbour-0 (the reference): skipped",
    ]
    assert "south" in [row.subject for row in comparison.rows]


def test_batches_with_nothing_in_common_are_refused(folders, tmp_path):
    sim.run(STATICS, runs=100, seed=1, out=tmp_path / "statics")
    with pytest.raises(sim.UserError) as caught:
        compare([folders["harbour-0"], tmp_path / "statics"])
    assert [str(p) for p in caught.value.problems] == [
        "batch statics shares no issue and no party with batch harbour-0: not compared",
        "nothing comparable remains: no comparison made",
    ]
    # ... but a third batch that is comparable keeps the comparison going.
    comparison = compare([folders["harbour-0"], tmp_path / "statics", folders["harbour-1"]])
    assert comparison.skipped == [
        "batch statics shares no issue and no party with batch harbour-0: not compared"
    ]
    assert {row.batch for row in comparison.rows} == {"harbour-1"}


# --- the command ---------------------------------------------------------------------------


def test_compare_end_to_end_with_a_report(folders, tmp_path):
    report = tmp_path / "out" / "flagship-vs-tomahawks.html"
    code, out, err = cli("compare", folders["flagship"], folders["tomahawks"], "--report", report)
    assert (code, err) == (0, "")
    printed = words(out)
    assert "Comparing 2 batches with the first, flagship" in printed
    assert "deal more likely: +" in printed
    assert "Holm-adjusted over 11 comparisons" in printed
    assert f"Report: {report}" in printed
    page = report.read_text()
    pngs = sorted(report.parent.glob("flagship-vs-tomahawks-*.png"))
    # deal probability, survival, one per issue (5), utilities
    assert len(pngs) == 8 == page.count('src="data:image/png;base64,')
    assert "budapest_2025_tomahawks" in page
    for folder in ("flagship", "tomahawks"):
        manifest = json.loads((folders[folder] / "manifest.json").read_text())
        assert manifest["scenario"]["sha256"] in page
    assert "deal more likely: +" in page and "Holm-adjusted over 11 comparisons" in page


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
    comparison = compare([folders["harbour-0"], sweep])
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
    # the compromise splits the fishing quota; the bargained deals give south its 30 %
    assert rows["fishing_quota"].verdict.startswith("higher: median +")


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
    war_cost: {uniform: [0.001, 0.01]}
  b:
    capability: 1.0
    positions: {flag: blue}
    salience: {pie: 0.5, flag: 0.5}
    war_cost: {uniform: [0.001, 0.01]}
"""


def test_a_shares_issue_is_compared_party_by_party(tmp_path):
    path = tmp_path / "split.yaml"
    path.write_text(SPLIT)
    sim.run(path, runs=300, seed=1, out=tmp_path / "base")
    sim.run(path, runs=300, seed=2, out=tmp_path / "greedy", overrides=["parties.a.salience.pie=2"])
    comparison = compare([tmp_path / "base", tmp_path / "greedy"])
    base = comparison.batches[0]
    assert base.issues["pie.a"].unit == "of 100"
    assert base.issues["pie.a"].median + base.issues["pie.b"].median == pytest.approx(100)
    rows = {row.subject: row for row in comparison.rows}
    assert {"pie.a", "pie.b", "flag"} <= set(rows)
    assert rows["pie.a"].unit == "of 100"
