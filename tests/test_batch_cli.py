"""The batch end to end, as a user drives it: ``negsim run`` writes a results folder that
describes and reproduces itself, prints a summary, refuses to overwrite; ``negsim trace`` and
``sim.trace`` replay one replicate exactly as its batch ran it; ``--set`` changes what runs;
bad input is one line per problem with its place and exit status 2; the Python API returns and
loads the same rows.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from helpers import HARBOUR, cli, words

import sim

RUNS, SEED = 1100, 4  # two blocks: the second one partly used


def wilson(successes: int, trials: int) -> tuple[float, float]:
    """Wilson's 95% score interval, written out here independently of sim.analysis."""
    z = 1.959963984540054
    p = successes / trials
    center = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials**2)) / (1 + z * z / trials)
    return center - half, center + half


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> dict:
    """One ``negsim run --traces`` of the harbour scenario, as the tests below read it."""
    folder = tmp_path_factory.mktemp("cli") / "harbour"
    code, out, err = cli(
        "run", HARBOUR, "--runs", RUNS, "--seed", SEED, "--out", folder, "--traces", "--quiet"
    )
    assert (code, err) == (0, "")
    return {"folder": folder, "stdout": out}


# --- the results folder ----------------------------------------------------------------------


def test_run_writes_a_complete_results_folder(batch):
    folder = batch["folder"]
    assert {p.name for p in folder.iterdir()} == {
        "runs.parquet",
        "rounds.parquet",
        "manifest.json",
        "scenario.yaml",
    }
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["seed"] == SEED
    assert manifest["runs"] == RUNS
    assert manifest["block_size"] == 1024
    assert manifest["traces"] is True
    # The sha256 identifies the resolved scenario the folder holds.
    text = (folder / "scenario.yaml").read_bytes()
    assert manifest["scenario"]["sha256"] == hashlib.sha256(text).hexdigest()
    assert manifest["scenario"]["name"] == "harbour-dispute"

    runs = pq.read_table(folder / "runs.parquet").to_pandas()
    assert len(runs) == RUNS
    assert runs["replicate"].tolist() == list(range(RUNS))


def test_the_folders_scenario_validates_and_reruns_to_the_same_rows(batch):
    folder = batch["folder"]
    code, out, err = cli("validate", folder / "scenario.yaml")
    assert code == 0, err
    assert "OK" in out
    again = sim.run(folder / "scenario.yaml", runs=RUNS, seed=SEED)
    pd.testing.assert_frame_equal(again, sim.load_results(folder))
    # ... and they are the rows of the original file too.
    pd.testing.assert_frame_equal(again, sim.run(HARBOUR, runs=RUNS, seed=SEED))


def test_rounds_are_written_only_with_traces(batch, tmp_path):
    code, _, err = cli("run", HARBOUR, "--runs", 300, "--seed", SEED, "--out", tmp_path / "plain")
    assert code == 0, err
    assert not (tmp_path / "plain" / "rounds.parquet").exists()
    assert json.loads((tmp_path / "plain" / "manifest.json").read_text())["traces"] is False
    # With --traces: every replicate, every round it bargained, the last one its deal round.
    rounds = pq.read_table(batch["folder"] / "rounds.parquet").to_pandas()
    runs = sim.load_results(batch["folder"])
    last = rounds.groupby("replicate")["round"].max()
    assert last.index.tolist() == list(range(RUNS))
    expected = runs["round"].fillna(20).astype(int).tolist()  # harbour: 20 weeks
    assert last.tolist() == expected
    assert rounds.groupby("replicate").size().tolist() == expected


def test_run_prints_the_deal_probability_and_its_interval(batch):
    runs = sim.load_results(batch["folder"])
    deals = int(runs["deal"].sum())
    assert 0 < deals < RUNS  # an interval worth printing
    low, high = wilson(deals, RUNS)
    printed = words(batch["stdout"])
    assert f"Deal in {deals / RUNS:.1%} of replicates" in printed
    assert f"95% interval {low:.1%}–{high:.1%}" in printed
    median = runs.loc[runs["deal"], "round"].median()
    assert f"median week of a deal: {median:g}" in printed
    # each party's payoff, with a deal and without, and what it is
    for pid in ("north", "south"):
        with_deal = runs.loc[runs["deal"], f"payoff.{pid}"].astype("float32").median()
        without = runs.loc[~runs["deal"], f"payoff.{pid}"].astype("float32").median()
        assert f"payoff of {pid} │ {with_deal:.3f} │ {without:.3f}" in printed
    assert "Payoff: the discounted value of the outcome less the war costs borne" in printed


def test_an_existing_folder_is_refused_unless_forced(batch, tmp_path):
    folder = tmp_path / "results"
    assert cli("run", HARBOUR, "--runs", 50, "--seed", 1, "--out", folder)[0] == 0
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    code, out, err = cli("run", HARBOUR, "--runs", 60, "--seed", 2, "--out", folder)
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert str(folder) in err and "--force" in err
    assert "Traceback" not in out + err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before

    code, _, err = cli("run", HARBOUR, "--runs", 60, "--seed", 2, "--out", folder, "--force")
    assert code == 0, err
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (manifest["runs"], manifest["seed"]) == (60, 2)
    pd.testing.assert_frame_equal(sim.load_results(folder), sim.run(HARBOUR, runs=60, seed=2))


# --- one replicate, told -----------------------------------------------------------------------


@pytest.mark.parametrize("replicate", [5, 1030])
def test_trace_replays_the_replicate_as_its_batch_ran_it(batch, replicate):
    runs = sim.load_results(batch["folder"])
    row = runs.iloc[replicate].to_dict()
    trace = sim.trace(HARBOUR, replicate=replicate, seed=SEED)
    # like sim.run, a DataFrame: the replicate's rows of rounds.parquet
    assert isinstance(trace, pd.DataFrame)
    rounds = pq.read_table(batch["folder"] / "rounds.parquet").to_pandas()
    traced = rounds[rounds["replicate"] == replicate].reset_index(drop=True)
    pd.testing.assert_frame_equal(trace, traced, check_dtype=False)
    # its end is its row of runs
    outcome = trace.attrs["outcome"]
    assert outcome.keys() == row.keys()
    for column, value in outcome.items():
        if pd.isna(row[column]):
            assert value is None, column
        else:
            assert value == row[column], column
    assert (trace.attrs["replicate"], trace.attrs["seed"]) == (replicate, SEED)


def test_trace_starts_from_a_results_folder(batch, tmp_path):
    """A results folder brings its scenario (overrides applied) and its seed."""
    folder = tmp_path / "costly"
    overrides = ["parties.south.war_cost=0.02"]
    sim.run(HARBOUR, runs=50, seed=9, out=folder, overrides=overrides)
    pd.testing.assert_frame_equal(
        sim.trace(folder, replicate=7),
        sim.trace(HARBOUR, replicate=7, seed=9, overrides=overrides),
    )
    code, out, err = cli("trace", folder, "--replicate", 7)
    assert code == 0, err
    assert "Replicate 7 of harbour-dispute (seed 9" in words(out)
    for args, message in (
        (["--replicate", 50], f"--replicate: the batch in {folder} has 50 replicates (0 to 49)"),
        (["--replicate", 1, "--seed", 3], f"{folder}: the batch ran with seed 9, not 3"),
        (["--replicate", 1, "--set", "rounds=5"], f"{folder}: a results folder replays its"),
    ):
        code, _, err = cli("trace", folder, *args)
        assert code == 2 and len(err.strip().splitlines()) == 1 and err.startswith(message), err


def test_rounds_record_each_partys_demand(batch):
    """The demand columns hold each party's demand per issue in native units: on the
    segment from its ideal toward the text, between the two."""
    rounds = pq.read_table(batch["folder"] / "rounds.parquet").to_pandas()
    ideal = {"north": 80, "south": 30}
    for pid, own in ideal.items():
        demand = rounds[f"demand.{pid}.fishing_quota"]
        text = rounds.groupby("replicate")["text.fishing_quota"].shift(1)  # the last text
        low, high = np.minimum(own, text), np.maximum(own, text)
        known = text.notna()
        assert ((demand[known] >= low[known] - 1e-6) & (demand[known] <= high[known] + 1e-6)).all()
    assert {f"demand.{p}.harbour" for p in ideal} <= set(rounds.columns)


def test_trace_draws_the_replicate(tmp_path):
    pytest.importorskip("matplotlib")
    picture = tmp_path / "pictures" / "five.png"
    code, out, err = cli("trace", HARBOUR, "--replicate", 5, "--seed", SEED, "--plot", picture)
    assert (code, err) == (0, "")
    assert picture.read_bytes().startswith(b"\x89PNG") and f"Picture: {picture}" in out


def _story(replicate: int) -> tuple[dict, str]:
    code, out, err = cli("trace", HARBOUR, "--replicate", replicate, "--seed", SEED)
    assert (code, err) == (0, "")
    return sim.run(HARBOUR, runs=replicate + 1, seed=SEED).iloc[replicate].to_dict(), out


def test_trace_tells_the_story_round_by_round_to_the_deal():
    row, out = _story(5)
    assert row["deal"]
    weeks = [int(n) for n in re.findall(r"^Week (\d+)$", out, flags=re.MULTILINE)]
    assert weeks == list(range(1, row["round"] + 1))
    told = words(out)
    assert f"Replicate 5 of harbour-dispute (seed {SEED}" in told
    assert f"Deal in week {row['round']}: " in told
    assert f"harbour {row['outcome_label.harbour']}" in told.split("Deal in week")[-1]
    for pid in ("north", "south"):
        assert f"{pid} {row[f'utility.{pid}']:.3f} ({row[f'payoff.{pid}']:.3f})" in told
    # In the deal week every party whose consent the deal needs accepts.
    last_week = told.split(f"Week {row['round']} ")[-1]
    assert "north accepts" in last_week and "south accepts" in last_week


def test_trace_tells_a_replicate_without_a_deal_to_the_last_round():
    runs = sim.run(HARBOUR, runs=RUNS, seed=SEED)
    replicate = int(runs.index[~runs["deal"]][0])
    _, out = _story(replicate)
    weeks = [int(n) for n in re.findall(r"^Week (\d+)$", out, flags=re.MULTILINE)]
    assert weeks == list(range(1, 21))
    assert "No deal after 20 weeks; the status quo holds" in words(out)


def test_trace_says_a_party_would_take_any_text_when_its_aspiration_is_below_every_package():
    """A party whose war has cost it more than any package could (its aspiration below 0, the
    utility of the worst package) is told as taking any text, not as meeting a negative
    number."""
    code, out, err = cli(
        "trace", HARBOUR, "--replicate", 0, "--seed", 3, "--set", "parties.south.war_cost=0.05"
    )
    assert (code, err) == (0, "")
    told = words(out)
    assert "south accepts (" in told and "it would take any text now: its aspiration, -" in told
    assert "≥ aspiration -" not in told


# --- --set -------------------------------------------------------------------------------------


def test_set_on_run_changes_what_runs(tmp_path):
    """South bearing a war cost of 0.02 a week (it has none in the file) wants a deal sooner:
    deals come no less often and clearly earlier (common random numbers: the same replicates
    under the change); the folder records the change and its scenario.yaml reruns to the
    changed rows."""
    base, costly = tmp_path / "base", tmp_path / "costly"
    assert cli("run", HARBOUR, "--runs", 512, "--seed", SEED, "--out", base, "-q")[0] == 0
    code, _, err = cli(
        "run", HARBOUR, "--runs", 512, "--seed", SEED, "--out", costly, "-q",
        "--set", "parties.south.war_cost=0.02",
    )  # fmt: skip
    assert code == 0, err
    before, after = sim.load_results(base), sim.load_results(costly)
    assert after["deal"].sum() >= before["deal"].sum()
    both = before["deal"] & after["deal"]
    sooner = before.loc[both, "round"] - after.loc[both, "round"]
    assert sooner.mean() > 4 * sooner.std() / np.sqrt(len(sooner)) > 0

    manifest = json.loads((costly / "manifest.json").read_text())
    assert manifest["overrides"] == ["parties.south.war_cost=0.02"]
    written = yaml.safe_load((costly / "scenario.yaml").read_text())
    assert written["parties"]["south"]["war_cost"] == 0.02
    pd.testing.assert_frame_equal(sim.run(costly / "scenario.yaml", runs=512, seed=SEED), after)


# --- bad input ---------------------------------------------------------------------------------

HARBOUR_LINES = HARBOUR.read_text().splitlines()


def _broken(tmp_path: Path, old: str, new: str, marker: str) -> tuple[Path, int, int]:
    """harbour.yaml with the first line containing ``old`` edited; returns the file and the
    line and column (1-based) of ``marker`` on it: where the problem must be reported."""
    lines = list(HARBOUR_LINES)
    n = next(i for i, line in enumerate(lines) if old in line)
    lines[n] = lines[n].replace(old, new)
    path = tmp_path / "broken.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path, n + 1, lines[n].index(marker) + 1


BROKEN = {
    "position off the scale": ("fishing_quota: 80,", "fishing_quota: 180,", "180"),
    "unknown veto holder": ("veto: [north, south]", "veto: [north, west]", "west"),
    "unknown option": ("status_quo: south_keeps", "status_quo: south_gets", "south_gets"),
    "negative capability": ("capability: 1.0", "capability: -1.0", "-1.0"),
    "unknown field": ("patience: 0.98", "patiense: 0.98", "patiense"),
}


@pytest.mark.parametrize("command", ["run", "trace"])
@pytest.mark.parametrize("case", list(BROKEN))
def test_bad_input_is_one_line_with_its_place_and_exit_status_2(tmp_path, command, case):
    path, line, column = _broken(tmp_path, *BROKEN[case])
    folder = tmp_path / "out"
    extra = ["--out", folder] if command == "run" else ["--replicate", 0]
    code, out, err = cli(command, path, *extra)
    assert code == 2
    assert "Traceback" not in out + err
    problems = err.strip().splitlines()
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:{line}:{column}: "), (problems[0], line, column)
    assert not folder.exists()  # nothing written for a scenario that does not load


def test_a_yaml_syntax_error_names_its_place(tmp_path):
    path, _, _ = _broken(tmp_path, "rounds: 20", "rounds: [20", "[")
    code, out, err = cli("run", path, "--out", tmp_path / "out")
    assert code == 2
    assert "Traceback" not in out + err
    assert re.match(rf"^{re.escape(str(path))}:\d+:\d+: ", err)


def test_a_bad_set_path_is_refused_with_its_place(tmp_path):
    code, out, err = cli(
        "run", HARBOUR, "--out", tmp_path / "out", "--set", "parties.west.war_cost=0.1"
    )
    assert code == 2
    assert "Traceback" not in out + err
    assert err.startswith("--set parties.west.war_cost=0.1: ")
    assert "north, south" in err  # what does exist
    assert not (tmp_path / "out").exists()


def test_the_installed_command_exits_2_without_a_traceback(tmp_path):
    path, line, column = _broken(tmp_path, *BROKEN["position off the scale"])
    done = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", str(path), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stderr.startswith(f"{path}:{line}:{column}: ")


# --- the Python API ------------------------------------------------------------------------------


def test_load_results_returns_the_frame_run_returned(tmp_path):
    returned = sim.run(HARBOUR, runs=RUNS, seed=SEED, out=tmp_path / "api")
    loaded = sim.load_results(tmp_path / "api")
    pd.testing.assert_frame_equal(loaded, returned)
    assert str(loaded["round"].dtype) == "Int64"  # no deal stays missing, not NaN or 0
    assert loaded["round"].isna().sum() == (~loaded["deal"]).sum()


def test_a_frame_and_its_file_summarise_alike(tmp_path):
    """``summarize`` (a DataFrame, for notebooks) and ``summarize_file`` (what ``run`` prints,
    read a row group at a time) tally the same way."""
    from sim.analysis.summary import summarize, summarize_file

    runs = sim.run(HARBOUR, runs=2500, seed=3, out=tmp_path / "batch")
    from_file = summarize_file(tmp_path / "batch" / "runs.parquet", {"border": "km"})
    assert summarize(runs, {"border": "km"}) == from_file
    assert from_file.runs == 2500 and from_file.deals == int(runs["deal"].sum())
