"""Absurd requests are refused before any work starts, and results land only under --out."""

from __future__ import annotations

from collections import namedtuple
from pathlib import Path

import pytest

from sim.batch import limits
from sim.cli import main

HARBOUR = Path(__file__).parent / "data" / "harbour.yaml"


def _tree(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*")}


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--runs", "0", "--runs: expected a whole number from 1 to 100,000,000, got 0"),
        ("--runs", "1000000000", "--runs: expected a whole number from 1 to 100,000,000"),
        ("--seed", "-1", "--seed: expected a whole number from 0 to 2**63-1, got -1"),
        ("--workers", "0", "--workers: expected a whole number >= 1, got 0"),
        ("--executor", "slurm", "--executor: expected one of local, dask, got 'slurm'"),
    ],
)
def test_an_absurd_request_is_one_line_and_writes_nothing(
    tmp_path, capsys, option, value, expected
):
    out = tmp_path / "out"
    assert main(["run", str(HARBOUR), "--out", str(out), "-q", option, value]) == 2
    message = capsys.readouterr().err.strip()
    assert message.startswith(expected) and "\n" not in message
    assert not out.exists()


def test_a_block_that_would_not_fit_in_memory_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(limits, "available_memory", lambda: 2**20)
    out = tmp_path / "out"
    assert main(["run", str(HARBOUR), "--out", str(out), "-q"]) == 2
    message = capsys.readouterr().err.strip()
    assert message.startswith("a block of harbour-dispute needs about ")
    assert "fewer combinations of options, parties or issues, or fewer --workers" in message
    assert not out.exists()


def test_results_that_would_not_fit_on_disk_are_refused(tmp_path, capsys, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(limits.shutil, "disk_usage", lambda path: usage(2**30, 2**30, 2**20))
    out = tmp_path / "out"
    assert main(["run", str(HARBOUR), "--out", str(out), "-n", "100000", "--traces", "-q"]) == 2
    message = capsys.readouterr().err.strip()
    assert message.startswith(f"{out}: the results may need up to ")
    assert "fewer --runs, no --traces, or another --out" in message
    assert not out.exists()


def test_the_estimates_grow_with_the_request():
    import sim

    scenario = sim.load_scenario(HARBOUR)
    assert limits.result_bytes(scenario, 2000, False) == 2 * limits.result_bytes(
        scenario, 1000, False
    )
    assert limits.result_bytes(scenario, 1000, True) > limits.result_bytes(scenario, 1000, False)
    bigger = sim.load_scenario(HARBOUR.parents[2] / "scenarios" / "budapest_2025.yaml")
    assert limits.block_bytes(bigger, 1024) > limits.block_bytes(scenario, 1024)  # more options
    assert limits.block_bytes(scenario, 2048) > limits.block_bytes(scenario, 1024)


def test_a_run_writes_only_under_its_out_folder(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before = _tree(tmp_path)
    assert main(["run", str(HARBOUR), "--out", "nested/out", "-n", "50", "--traces", "-q"]) == 0
    created = _tree(tmp_path) - before
    assert created and all(
        p.parts[:3] == ("work", "nested", "out") or p in {Path("work/nested")} for p in created
    )


def test_a_scenario_name_cannot_reach_outside_the_default_results_folder(tmp_path, capsys):
    text = HARBOUR.read_text().replace("name: harbour-dispute", "name: ../../escape")
    path = tmp_path / "escape.yaml"
    path.write_text(text)
    assert main(["run", str(path), "-q"]) == 2
    assert "name: String should match pattern" in capsys.readouterr().err
    assert not (tmp_path.parent / "escape").exists()
