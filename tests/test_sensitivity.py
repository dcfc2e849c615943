"""Sensitivity: PRCC recovers known monotone relations (and ~0 for a parameter that does not
matter) with intervals that cover the truth; on a real batch it names the parameter that drives
an outcome; a Sobol sweep gets first and total indices; ``negsim sensitivity`` prints ranked
tables and writes a report with a tornado chart per outcome.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import HARBOUR, cli

import sim
from sim.analysis.experiments import (
    SUMMARY,
    SWEEP,
    load_experiment,
    summary_frame,
    sweep_manifest,
    write_summary,
)
from sim.analysis.sensitivity import (
    analyze_folder,
    batch_sensitivity,
    parameter_matrix,
    prcc,
)
from sim.errors import UserError


def synthetic(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Four uniform parameters; y rises with x0 (convex), falls with x1, ignores x2 and x3."""
    x = rng.uniform(size=(n, 4))
    y = np.exp(2 * x[:, 0]) - 2 * x[:, 1] ** 3 + 1.5 * rng.normal(size=n)
    return x, y


@pytest.fixture(scope="module")
def truth() -> np.ndarray:
    """The population PRCC of the synthetic model, from one very large sample."""
    x, y = synthetic(np.random.default_rng(0), 200_000)
    return prcc(x, y)[0][:, 0]


def test_prcc_finds_monotone_effects_and_nothing_where_there_is_none(truth):
    assert truth[0] > 0.6 and truth[1] < -0.2
    assert abs(truth[2]) < 0.01 and abs(truth[3]) < 0.01
    x, y = synthetic(np.random.default_rng(1), 2000)
    r, low, high, p = prcc(x, y)
    assert r[0, 0] > 0.6 and p[0, 0] < 1e-6
    assert r[1, 0] < -0.2 and p[1, 0] < 1e-6
    for j in (2, 3):
        assert low[j, 0] < 0 < high[j, 0]
        assert p[j, 0] > 0.01


def test_the_intervals_cover_the_truth_about_95_percent_of_the_time(truth):
    rng = np.random.default_rng(2)
    covered = np.zeros(4)
    trials = 200
    for _ in range(trials):
        x, y = synthetic(rng, 300)
        _, low, high, _ = prcc(x, y)
        covered += (low[:, 0] <= truth) & (truth <= high[:, 0])
    assert np.all(covered / trials >= 0.90), covered / trials
    assert np.all(covered / trials <= 0.995), covered / trials


def test_an_exact_monotone_relation_has_prcc_one_and_many_outcomes_go_at_once():
    rng = np.random.default_rng(3)
    x = rng.uniform(size=(500, 3))
    y = np.column_stack([np.exp(5 * x[:, 1]), -(x[:, 2] ** 3) + 0.1 * rng.normal(size=500)])
    r, _, _, _ = prcc(x, y)
    assert r[1, 0] == pytest.approx(1.0)
    assert r[2, 1] < -0.8
    one = prcc(x, y[:, 1])[0][:, 0]
    np.testing.assert_allclose(one, r[:, 1])


def test_prcc_equals_the_correlation_of_rank_residuals():
    """The definition, written out the slow way (Marino et al. 2008)."""
    from scipy.stats import rankdata

    rng = np.random.default_rng(4)
    x = rng.normal(size=(400, 3))
    y = x[:, 0] + 0.5 * x[:, 1] ** 3 + rng.normal(size=400)
    rx, ry = rankdata(x, axis=0), rankdata(y)
    expected = []
    for j in range(3):
        others = np.column_stack([np.ones(400), np.delete(rx, j, axis=1)])
        res_x = rx[:, j] - others @ np.linalg.lstsq(others, rx[:, j], rcond=None)[0]
        res_y = ry - others @ np.linalg.lstsq(others, ry, rcond=None)[0]
        expected.append(np.corrcoef(res_x, res_y)[0, 1])
    np.testing.assert_allclose(prcc(x, y)[0][:, 0], expected, atol=1e-12)


def test_a_constant_outcome_has_no_prcc():
    x = np.random.default_rng(5).uniform(size=(100, 2))
    assert np.isnan(prcc(x, np.ones(100))[0]).all()


def test_option_draws_become_ordinal_codes_in_the_order_of_their_issue():
    scenario = sim.load_scenario(
        HARBOUR, ["parties.north.positions.harbour={choice: {north_gets: 1, shared: 1}}"]
    )
    runs = sim.run(scenario, runs=200, seed=1)
    params, notes = parameter_matrix(runs, scenario)
    codes = params["parties.north.positions.harbour"]
    names = runs["param.parties.north.positions.harbour"]
    assert set(codes[names == "shared"]) == {1.0} and set(codes[names == "north_gets"]) == {2.0}
    assert any("south_keeps, shared, north_gets" in n for n in notes)
    params, notes = parameter_matrix(runs)  # without the scenario, the order is unknown
    assert "parties.north.positions.harbour" not in params
    assert any("no known order" in n for n in notes)


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    """A small harbour batch in which the south's patience drives the terms."""
    folder = tmp_path_factory.mktemp("sens") / "harbour"
    code, _, err = cli(
        "run", HARBOUR, "--runs", 1024, "--seed", 2, "--out", folder, "-q",
        "--set", "parties.south.patience={uniform: [0.8, 1]}",
        "--set", "parties.north.war_cost={uniform: [0, 0.03]}",
    )  # fmt: skip
    assert code == 0, err
    return folder


def test_sensitivity_names_the_parameter_that_drives_the_outcome(batch):
    result = analyze_folder(batch)
    assert result.method == "prcc" and result.n == 1024
    assert set(result.parameters) == {
        "parties.south.patience",
        "parties.north.war_cost",
        "parties.south.capability",
    }
    by_outcome = {o.outcome: o for o in result.outcomes}
    top = by_outcome["utility.south"].effects[0]
    assert top.parameter == "parties.south.patience" and top.prcc > 0.5 and top.low > 0.4
    # a more patient south holds out longer
    assert by_outcome["round"].effects[0].parameter == "parties.south.patience"
    assert by_outcome["round"].effects[0].prcc > 0.5
    # a north that bleeds faster concedes the border sooner
    war_cost = next(
        e for e in by_outcome["outcome.border"].effects if e.parameter == "parties.north.war_cost"
    )
    assert war_cost.prcc < -0.2 and war_cost.high < 0


def test_sensitivity_of_a_batch_without_uncertain_parameters_is_a_clear_error():
    scenario = sim.load_scenario(
        HARBOUR, ["parties.north.war_cost=0.002", "parties.south.capability=0.7"]
    )
    runs = sim.run(scenario, runs=50, seed=1)
    with pytest.raises(UserError, match="no uncertain parameter varies"):
        batch_sensitivity(runs, scenario)


def test_the_cli_prints_ranked_tables_and_writes_a_report(batch, tmp_path):
    pytest.importorskip("matplotlib")
    report = tmp_path / "sens.html"
    code, out, err = cli("sensitivity", batch, "--top", 2, "--report", report)
    assert code == 0, err
    text = " ".join(out.split())
    assert "partial rank correlation (PRCC) of 3 parameters, 1,024 replicates" in text
    assert "utility.south (1,024 replicates)" in text
    assert "… and 1 more (--top 3 shows all)" in text
    assert "the same in every replicate, nothing to explain: deal" in text or "deal: 1 or 0" in text
    page = report.read_text()
    assert page.count('<img src="data:image/png;base64,') == len(analyze_folder(batch).outcomes)
    assert "What drives" in page and (tmp_path / "sens-1.png").is_file()


def test_the_cli_refuses_what_is_not_a_results_folder(tmp_path):
    code, _, err = cli("sensitivity", tmp_path / "missing")
    assert code == 2 and "no such folder" in err
    code, _, err = cli("sensitivity", tmp_path)
    assert code == 2 and "not a negsim results folder" in err


def test_prcc_across_the_points_of_a_latin_hypercube_sweep(tmp_path):
    (tmp_path / "short.yaml").write_text(f"extends: {HARBOUR}\nrounds: 8\n")
    experiment = tmp_path / "lhs.yaml"
    experiment.write_text(
        "name: lhs\nscenario: short.yaml\nruns: 100\nseed: 1\n"
        "design: {method: lhs, samples: 16, seed: 3, ranges: "
        "{parties.south.patience: [0.8, 1.0], parties.north.optimism: [0, 1]}}\n"
    )
    code, _, err = cli("sweep", experiment, "--out", tmp_path / "out", "-q")
    assert code == 0, err
    result = analyze_folder(tmp_path / "out")
    assert result.method == "prcc" and result.n == 16 and result.unit == "points"
    by_outcome = {o.outcome: o for o in result.outcomes}
    assert by_outcome["mean.utility.south"].effects[0].parameter == "parties.south.patience"


def test_sobol_indices_recover_a_known_decomposition(tmp_path):
    """A sweep folder whose outcome is a known function of its design, y = 4·a + b + a·c on
    [0, 1]³, written as negsim sweep writes one: SALib recovers the first-order indices
    (E[y | a] = 4.5·a + const, so S1_a = Var(4.5·a)/Var(y), ...) and c acts only through its
    interaction with a (total > first)."""
    pytest.importorskip("SALib")
    experiment = tmp_path / "sobol.yaml"
    experiment.write_text(
        f"name: sobol\nscenario: {HARBOUR}\nruns: 1\n"
        "design: {method: sobol, samples: 1024, seed: 3, ranges: "
        "{parties.north.optimism: [0, 1], battlefield.drift: [0, 1], "
        "battlefield.volatility: [0, 1]}}\n"
    )
    loaded = load_experiment(experiment)
    a, b, c = np.array(loaded.design["matrix"]).T
    y = 4 * a + b + a * c
    rows = [
        {"runs": 1, "deals": 0, "deal_probability": v, "deal_low": 0, "deal_high": 1,
         "median_round": np.nan}
        for v in y / y.max()
    ]  # fmt: skip
    out = tmp_path / "out"
    out.mkdir()
    write_summary(out, summary_frame(loaded, rows))
    (out / SWEEP).write_text(json.dumps(sweep_manifest(loaded, 1, 0)))
    result = analyze_folder(out)
    assert result.method == "sobol" and result.n == 1024 * 5
    indices = {s.parameter: s for s in result.outcomes[0].indices}
    var = np.var(y)
    first_a = np.var(4.5 * a) / var  # E[y | a] = 4.5 a + 0.5 + const
    first_b = (1 / 12) / var
    assert indices["parties.north.optimism"].first == pytest.approx(first_a, abs=0.03)
    assert indices["battlefield.drift"].first == pytest.approx(first_b, abs=0.02)
    assert indices["battlefield.volatility"].first == pytest.approx(0.0625 / 12 / var, abs=0.02)
    assert indices["battlefield.volatility"].total > indices["battlefield.volatility"].first
    assert result.outcomes[0].indices[0].parameter == "parties.north.optimism"


def test_a_sobol_sweep_end_to_end(tmp_path):
    pytest.importorskip("SALib")
    (tmp_path / "short.yaml").write_text(f"extends: {HARBOUR}\nrounds: 8\n")
    experiment = tmp_path / "sobol.yaml"
    experiment.write_text(
        "name: sobol\nscenario: short.yaml\nruns: 32\nseed: 1\n"
        "design: {method: sobol, samples: 4, seed: 3, ranges: "
        "{parties.south.patience: [0.8, 1.0], parties.north.optimism: [0, 1]}}\n"
    )
    code, _, err = cli("sweep", experiment, "--out", tmp_path / "out", "-q")
    assert code == 0, err
    assert len(pd.read_parquet(tmp_path / "out" / SUMMARY)) == 4 * (2 + 2)
    code, out, err = cli("sensitivity", tmp_path / "out")
    assert code == 0, err
    text = " ".join(out.split())
    assert "Sobol indices (SALib) of 2 parameters, 16 points" in text
    assert "mean utility.south (16 points)" in text


def test_a_variant_sweep_has_nothing_to_rank(tmp_path):
    experiment = tmp_path / "v.yaml"
    experiment.write_text(
        f"name: v\nscenario: {HARBOUR}\nruns: 50\nvariants: {{a: {{}}, b: {{rounds: 15}}}}\n"
    )
    assert cli("sweep", experiment, "--out", tmp_path / "out", "-q")[0] == 0
    code, _, err = cli("sensitivity", tmp_path / "out")
    assert code == 2 and "negsim compare" in err
