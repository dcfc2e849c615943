"""Experiments and ``negsim sweep``: the experiment file is validated like a scenario (every
problem with its place, exit status 2), an override that breaks the scenario is reported at
its place in the experiment file, variants/grid/design give the right points, and a sweep
writes one results folder per point and a ``summary.parquet`` that agrees with them.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import HARBOUR, cli, words

import sim
from sim.errors import UserError
from sim.experiments.designs import flow
from sim.experiments.language import load_experiment, prepare
from sim.experiments.sweep import SUMMARY, SWEEP, run_sweep, summary_row
from sim.scenario.yamlsource import parse_value

ROOT = Path(__file__).parent.parent


def write(tmp_path: Path, text: str, name: str = "exp.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text.replace("HARBOUR", str(HARBOUR)), encoding="utf-8")
    return path


def problems(path: Path, *, run: bool = True) -> list[str]:
    """Every problem reported for an experiment file, as the CLI prints them."""
    with pytest.raises(UserError) as caught:
        experiment = load_experiment(path)
        if run:
            prepare(experiment)
    return [str(p) for p in caught.value.problems]


# -- the file ------------------------------------------------------------------------------


def test_problems_in_the_file_are_reported_with_their_places(tmp_path):
    path = write(
        tmp_path,
        """\
name: demo
scenario: HARBOUR
runs: 100
colour: blue
variants:
  ok: {}
  not ok: {rounds: 10}
""",
    )
    found = problems(path, run=False)
    assert f"{path}:4:1: colour: unknown field" in found
    assert any(p.startswith(f"{path}:7:3: variants.not ok: expected a name") for p in found)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "variants: {a: {}}\ngrid: {rounds: [10]}\n",
            r":5:1: variants: expected exactly one of variants, grid or design \(got variants "
            r"and grid\)",
        ),
        ("", r":1:1: expected exactly one of variants, grid or design$"),
        ("grid: {rounds: []}\n", r":5:16: grid.rounds: List should have at least 1 item"),
        ("grid: {'a..b': [1]}\n", r":5:8: grid.a..b: expected a dotted path"),
        (
            "design: {method: sobol, samples: 6, ranges: {rounds: [1, 2]}}\n",
            r":5:34: design.samples: a Sobol design needs a power of 2 \(e.g. 32\), got 6",
        ),
        (
            "design: {method: lhs, samples: 4, ranges: {rounds: [2, 1]}}\n",
            r":5:52: design.ranges.rounds: expected \[low, high\] with low < high",
        ),
        (
            "design: {method: grid, samples: 4, ranges: {rounds: [1, 2]}}\n",
            r":5:18: design.method: Input should be 'lhs' or 'sobol'",
        ),
        ("runs: 0\nvariants: {a: {}}\n", r":5:7: runs: Input should be greater than or equal to 1"),
    ],
)
def test_file_rules(tmp_path, body, expected):
    path = write(tmp_path, f"name: demo\nscenario: HARBOUR\nseed: 3\ntitle: t\n{body}")
    found = problems(path, run=False)
    assert any(re.search(re.escape(str(path)) + expected, p) for p in found), found


def test_a_missing_scenario_is_reported_at_its_key(tmp_path):
    path = write(tmp_path, "name: demo\nscenario: nowhere.yaml\nvariants: {a: {}}\n")
    assert problems(path, run=False) == [
        f"{path}:2:11: scenario: no such file: {tmp_path / 'nowhere.yaml'}"
    ]


def test_bad_yaml_and_non_mappings_are_reported(tmp_path):
    path = write(tmp_path, "name: demo\nname: again\n")
    assert problems(path, run=False) == [f"{path}:2:1: duplicate key 'name' (first at line 1)"]
    path = write(tmp_path, "- a\n- b\n")
    assert problems(path, run=False) == [f"{path}:1:1: an experiment must be a mapping of fields"]


def test_overrides_that_break_the_scenario_are_reported_in_the_experiment(tmp_path):
    path = write(
        tmp_path,
        """\
name: demo
scenario: HARBOUR
variants:
  base: {}
  typo: {parties.north.optimizm: 0.1}
  badvalue: {parties.north.patience: 7}
  narrow: {issues.border.scale.max: 39}
""",
    )
    found = problems(path)
    assert (
        f"{path}:5:10: parties.north.optimizm: unknown field; did you mean optimism? (variant typo)"
        in found
    )
    assert any(
        p.startswith(f"{path}:6:38: parties.north.patience: ") and p.endswith("(variant badvalue)")
        for p in found
    ), found
    # a problem that shows elsewhere in the scenario keeps its place and names the variant
    assert any(
        p.startswith(f"{HARBOUR}:27:") and p.endswith(f"(with variant narrow of {path}:7:3)")
        for p in found
    ), found


def test_a_grid_reports_a_bad_path_once_and_a_bad_value_at_its_item(tmp_path):
    path = write(
        tmp_path,
        """\
name: demo
scenario: HARBOUR
grid:
  parties.north.optimizm: [0, 1]
  parties.north.patience: [0.9, seven]
""",
    )
    found = problems(path)
    assert (
        found.count(f"{path}:4:3: parties.north.optimizm: unknown field; did you mean optimism?")
        == 1
    )
    assert any(
        p.startswith(f"{path}:5:33: parties.north.patience:") and "seven" in p for p in found
    ), found


def test_the_cli_exits_2_with_one_line_per_problem(tmp_path):
    path = write(tmp_path, "name: demo\nscenario: HARBOUR\nvariants: {a: {rounds: x}}\n")
    code, _, err = cli("sweep", path, "--out", tmp_path / "out")
    assert code == 2
    assert err.strip().splitlines() == [
        f"{path}:3:24: rounds: Input should be a valid integer (got 'x') (variant a)"
    ]
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("path", sorted((ROOT / "experiments").glob("*.yaml")), ids=str)
def test_the_shipped_experiments_are_valid(path):
    if "sobol" in path.read_text(encoding="utf-8"):
        pytest.importorskip("SALib")
    experiment = load_experiment(path)
    assert len(prepare(experiment)) == len(experiment.points) >= 2
    assert 256 <= experiment.spec.runs <= 4096


def test_the_shipped_experiments_include_the_four_of_the_issue():
    names = {p.stem for p in (ROOT / "experiments").glob("*.yaml")}
    assert {"tomahawk", "us_pressure", "mediator", "russian_optimism"} <= names
    assert load_experiment(ROOT / "experiments" / "russian_optimism.yaml").kind == "grid"


# -- points --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        0,
        0.1,
        1e-05,
        1 / 3,
        -2.5,
        "supplied",
        "no",
        "null",
        None,
        True,
        {"uniform": [0, 1]},
        {"triangular": [0.001, 0.002, 0.005]},
        [1, 2],
    ],
)
def test_values_round_trip_through_the_override_language(value):
    assert parse_value(flow(value), "--set") == value


def test_variants_are_points_with_their_overrides(tmp_path):
    path = write(
        tmp_path,
        """\
name: demo
scenario: HARBOUR
variants:
  base: {}
  neutral: {protocol.mediator: null, parties.north.war_cost: {uniform: [0.001, 0.01]}}
  storm: {events.storm_season.probability: 1}
""",
    )
    experiment = load_experiment(path)
    assert [(p.name, p.overrides) for p in experiment.points] == [
        ("base", []),
        ("neutral", ["protocol.mediator=null", "parties.north.war_cost={uniform: [0.001, 0.01]}"]),
        ("storm", ["events.storm_season.probability=1"]),
    ]
    scenarios = dict((p.name, s) for p, s in prepare(experiment))
    assert scenarios["storm"].events[0].probability == 1
    assert scenarios["base"] == sim.load_scenario(HARBOUR)


def test_a_grid_is_the_full_factorial_first_path_slowest(tmp_path):
    path = write(
        tmp_path,
        "name: demo\nscenario: HARBOUR\n"
        "grid: {parties.north.optimism: [0, 0.5, 1], protocol.mediator: [null, north]}\n",
    )
    experiment = load_experiment(path)
    assert [p.name for p in experiment.points] == [f"p00{n}" for n in range(6)]
    assert [tuple(p.values.values()) for p in experiment.points] == [
        (0, None),
        (0, "north"),
        (0.5, None),
        (0.5, "north"),
        (1, None),
        (1, "north"),
    ]
    assert experiment.paths == ["parties.north.optimism", "protocol.mediator"]


def test_a_latin_hypercube_stratifies_every_range(tmp_path):
    path = write(
        tmp_path,
        "name: demo\nscenario: HARBOUR\ndesign: {method: lhs, samples: 20, seed: 4, ranges: "
        "{parties.north.optimism: [0, 2], battlefield.drift: [-1, 1]}}\n",
    )
    experiment = load_experiment(path)
    assert len(experiment.points) == 20
    for path_, (low, high) in [("parties.north.optimism", (0, 2)), ("battlefield.drift", (-1, 1))]:
        values = np.array([p.values[path_] for p in experiment.points])
        bins = np.floor((values - low) / (high - low) * 20).astype(int)
        assert sorted(bins) == list(range(20))  # one point in each twentieth of the range
    again = load_experiment(path)
    assert [p.values for p in again.points] == [p.values for p in experiment.points]
    assert experiment.design["problem"]["names"] == ["parties.north.optimism", "battlefield.drift"]


def test_a_sobol_design_has_saltelli_points(tmp_path):
    pytest.importorskip("SALib")
    path = write(
        tmp_path,
        "name: demo\nscenario: HARBOUR\ndesign: {method: sobol, samples: 8, ranges: "
        "{parties.north.optimism: [0, 2], battlefield.drift: [-1, 1], "
        "parties.north.patience: [0.9, 1]}}\n",
    )
    experiment = load_experiment(path)
    assert len(experiment.points) == 8 * (3 + 2)
    matrix = np.array(experiment.design["matrix"])
    assert matrix.shape == (40, 3)
    assert matrix[:, 0].min() >= 0 and matrix[:, 0].max() <= 2
    assert matrix[:, 2].min() >= 0.9 and matrix[:, 2].max() <= 1


def test_a_sobol_design_without_salib_is_one_clear_line(tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_salib(name, *args, **kwargs):
        if name.startswith("SALib"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_salib)
    path = write(
        tmp_path,
        "name: demo\nscenario: HARBOUR\n"
        "design: {method: sobol, samples: 8, ranges: {parties.north.optimism: [0, 2]}}\n",
    )
    code, _, err = cli("sweep", path, "--out", tmp_path / "out")
    assert code == 2
    assert err.strip() == (
        "Sobol designs need SALib: pip install 'negsim[sobol]' (or pip install SALib)"
    )


# -- a sweep end to end --------------------------------------------------------------------


GRID = """\
name: demo
title: Optimism and storms
scenario: HARBOUR
runs: 300
seed: 5
grid:
  parties.north.optimism: [0, 4]
  events.storm_season.probability: [0, 1]
"""


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """One ``negsim sweep`` of a 2 × 2 grid on the harbour scenario."""
    tmp_path = tmp_path_factory.mktemp("sweep")
    path = write(tmp_path, GRID)
    out = tmp_path / "out"
    code, stdout, stderr = cli("sweep", path, "--out", out)
    assert code == 0, stderr
    return {"path": path, "out": out, "stdout": stdout}


def test_a_sweep_writes_a_folder_per_point_and_the_summary(swept):
    out = swept["out"]
    names = sorted(p.name for p in out.iterdir())
    assert names == ["p000", "p001", "p002", "p003", SUMMARY, SWEEP]
    summary = pd.read_parquet(out / SUMMARY)
    assert list(summary["point"]) == ["p000", "p001", "p002", "p003"]
    assert list(summary["set.parties.north.optimism"]) == [0, 0, 4, 4]
    assert list(summary["set.events.storm_season.probability"]) == [0, 1, 0, 1]
    for column in [
        "runs",
        "deals",
        "deal_probability",
        "deal_low",
        "deal_high",
        "median_round",
        "median.fishing_quota",
        "mode.harbour",
        "share.harbour",
        "median.border",
        "mean.fishing_quota",
        "mean.payoff.north",
        "mean.utility.north",
    ]:
        assert column in summary.columns
    for _, row in summary.iterrows():
        folder = out / row["point"]
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["seed"] == 5 and manifest["runs"] == 300
        runs = sim.load_results(folder)
        assert row["runs"] == 300
        assert row["deal_probability"] == runs["deal"].mean()
        assert row["deal_low"] <= row["deal_probability"] <= row["deal_high"]
        deals = runs[runs["deal"]]
        if deals.empty:  # a point without deals has no terms to summarise
            assert pd.isna(row["median_round"]) and pd.isna(row["median.fishing_quota"])
            continue
        assert row["median_round"] == deals["round"].median()
        assert row["median.fishing_quota"] == pytest.approx(deals["outcome.fishing_quota"].median())
        top = deals["outcome_label.harbour"].value_counts(normalize=True)
        assert (row["mode.harbour"], row["share.harbour"]) == (top.index[0], top.iloc[0])
    sweep = json.loads((out / SWEEP).read_text())
    assert sweep["points"][3] == {
        "name": "p003",
        "overrides": ["parties.north.optimism=4", "events.storm_season.probability=1"],
    }


def test_each_point_is_the_batch_its_overrides_give(swept):
    direct = sim.run(
        HARBOUR,
        runs=300,
        seed=5,
        overrides=["parties.north.optimism=4", "events.storm_season.probability=0"],
    )
    pd.testing.assert_frame_equal(sim.load_results(swept["out"] / "p002"), direct)
    fired = sim.load_results(swept["out"] / "p001")["event.storm_season"]
    assert fired.all()


def test_the_sweep_prints_a_line_per_point_and_the_table(swept):
    text = " ".join(swept["stdout"].split())
    assert "Optimism and storms: 4 points of harbour-dispute, 300 replicates each" in text
    assert "p003: parties.north.optimism=4, events.storm_season.probability=1 → deal" in text
    summary = pd.read_parquet(swept["out"] / SUMMARY)
    for _, row in summary.iterrows():
        assert f"{row['deal_probability']:.1%}" in text
    assert "Columns: optimism = parties.north.optimism; probability = " in text
    assert "What the talks were worth: mean payoff and utility per party" in text
    assert f"p000 │ {summary.loc[0, 'mean.payoff.north']:.3f} │" in text


def test_the_sweep_report_draws_the_terms_of_a_deal_as_well_as_its_probability(swept, tmp_path):
    pytest.importorskip("matplotlib")
    report = tmp_path / "sweep.html"
    code, _, err = cli(
        "sweep", swept["path"], "--out", swept["out"], "-q", "--resume", "--report", report
    )
    assert code == 0, err
    page = report.read_text()
    # deal probability along optimism, once per storm probability; then one per issue
    assert page.count("<img") == 2 + 3
    for issue in ("fishing_quota", "harbour", "border"):
        assert f"{issue}: the terms of a deal along the sweep" in page
    assert page.index("Terms of a deal along the sweep") < page.index(
        "<table", page.index("Summary</h2>")
    )


def test_existing_output_is_refused_without_force_and_resume_keeps_done_points(swept):
    path, out = swept["path"], swept["out"]
    code, _, err = cli("sweep", path, "--out", out, "-q")
    assert code == 2
    assert "already holds a sweep; use --resume to finish it, --force to replace it" in err
    before = {p: (out / p / "manifest.json").stat().st_mtime_ns for p in ("p000", "p003")}
    manifest = json.loads((out / "p003" / "manifest.json").read_text())
    manifest["status"] = "incomplete"  # p003 must run again, p000 is done
    (out / "p003" / "manifest.json").write_text(json.dumps(manifest))
    code, _, err = cli("sweep", path, "--out", out, "-q", "--resume")
    assert code == 0, err
    assert (out / "p000" / "manifest.json").stat().st_mtime_ns == before["p000"]
    assert json.loads((out / "p003" / "manifest.json").read_text())["status"] == "complete"
    assert (out / "p003" / "manifest.json").stat().st_mtime_ns != before["p003"]
    code, _, err = cli("sweep", path, "--out", out, "-q", "--force", "--runs", "200")
    assert code == 0, err
    assert set(pd.read_parquet(out / SUMMARY)["runs"]) == {200}


def test_sweep_and_run_share_the_worker_default():
    import inspect

    from sim.batch.batch import run_batch
    from sim.batch.executors import DEFAULT_WORKERS
    from sim.cli import run, sweep

    defaults = {
        f.__name__: inspect.signature(f).parameters["workers"].default
        for f in (run, sweep, run_batch, run_sweep)
    }
    assert defaults == dict.fromkeys(defaults, DEFAULT_WORKERS)
    helps = [words(cli(command, "--help")[1]) for command in ("run", "sweep")]
    assert all("Worker processes (default: all cores; 1: none)." in h for h in helps)


def test_a_folder_that_is_not_a_sweep_is_never_written_into(tmp_path):
    path = write(tmp_path, GRID)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("keep")
    code, _, err = cli("sweep", path, "--out", tmp_path / "notes", "--force", "-q")
    assert code == 2
    assert "not a negsim sweep folder" in err
    assert (tmp_path / "notes" / "mine.txt").read_text() == "keep"


def test_the_python_api_runs_a_variant_sweep(tmp_path):
    path = write(
        tmp_path,
        "name: demo\nscenario: HARBOUR\nruns: 200\nvariants:\n"
        "  base: {}\n  hard: {parties.north.concession: {style: hardliner}}\n",
    )
    summary = run_sweep(load_experiment(path), tmp_path / "out")
    assert list(summary["point"]) == ["base", "hard"]
    assert summary.loc[1, "set.parties.north.concession"] == "{style: hardliner}"
    assert (
        math.isnan(summary.loc[0, "set.parties.north.concession"])
        or summary.loc[0, "set.parties.north.concession"] is None
    )
    assert summary.loc[1, "deal_probability"] < summary.loc[0, "deal_probability"]


def test_summary_row_of_a_batch_without_deals():
    runs = sim.run(HARBOUR, runs=50, seed=1)
    row = summary_row(runs.assign(deal=False, round=pd.NA))
    assert row["deal_probability"] == 0 and row["deal_low"] == 0
    assert math.isnan(row["median_round"]) and row["mode.harbour"] is None
    assert yaml.safe_dump(row)  # plain values only


def test_summary_row_of_a_forecast_has_no_deal_probability():
    runs = sim.run(HARBOUR, runs=50, seed=1)
    row = summary_row(runs.assign(deal=None, round=pd.NA))
    assert math.isnan(row["deal_probability"]) and row["deals"] is None
    assert row["median.fishing_quota"] == runs["outcome.fishing_quota"].median()
