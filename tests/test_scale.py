"""Batches at scale: executors, identical bytes whatever ran them, interrupts and resume."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.batch.runner import simulate_block, simulate_blocks
from sim.batch.store import BLOCKS, RUNS
from sim.cli import main
from sim.errors import UserError

HARBOUR = Path(__file__).parent / "data" / "harbour.yaml"
NEGSIM = [sys.executable, "-c", "import sys; from sim.cli import main; sys.exit(main())"]


def negsim(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*NEGSIM, *args], capture_output=True, text=True, timeout=120, **kwargs)


SMALL = ["run", str(HARBOUR), "-n", "3100", "--seed", "8", "--traces", "-q"]
"""A batch of three blocks and a bit."""


def run_bytes(folder: Path) -> bytes:
    return (folder / RUNS).read_bytes()


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The batch run in this process."""
    folder = tmp_path_factory.mktemp("reference") / "batch"
    assert main([*SMALL, "--out", str(folder), "--workers", "1"]) == 0
    return folder


def test_two_local_workers_write_the_same_bytes_as_one(reference, tmp_path):
    folder = tmp_path / "two"
    assert main([*SMALL, "--out", str(folder), "--workers", "2"]) == 0
    assert run_bytes(folder) == run_bytes(reference)
    assert (folder / "rounds.parquet").read_bytes() == (reference / "rounds.parquet").read_bytes()
    assert not (folder / BLOCKS).exists()


def test_blocks_simulated_together_give_the_rows_each_gives_alone():
    """However a batch groups its blocks into tasks: here out of order, with a gap, and the
    short last block among them."""
    scenario, runs = sim.load_scenario(HARBOUR), 3 * 64 + 10
    together = simulate_blocks(scenario, 8, [3, 1, 0], runs, traces=True, block_size=64)
    assert [result.block for result in together] == [3, 1, 0]
    assert [result.runs.num_rows for result in together] == [10, 64, 64]
    for result in together:
        alone = simulate_block(scenario, 8, result.block, runs, traces=True, block_size=64)
        assert result.runs.equals(alone.runs)
        assert result.rounds.equals(alone.rounds)


@pytest.mark.slow  # a local cluster starts in seconds; the two-worker case above stays default
def test_a_local_dask_cluster_writes_the_same_bytes(reference, tmp_path):
    pytest.importorskip("distributed")
    folder = tmp_path / "dask"
    assert main([*SMALL, "--out", str(folder), "--executor", "dask", "--workers", "2"]) == 0
    assert run_bytes(folder) == run_bytes(reference)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_a_dask_scheduler_and_worker_started_apart_run_the_batch(reference, tmp_path):
    """Exactly the README's recipe, on loopback: `dask scheduler`, `dask worker`, then
    `negsim run --executor dask --scheduler tcp://...`."""
    pytest.importorskip("distributed")
    dask = Path(sys.executable).parent / "dask"
    address = f"tcp://127.0.0.1:{_free_port()}"
    host, port = address.removeprefix("tcp://").split(":")
    logs = tmp_path / "logs"
    logs.mkdir()
    with open(logs / "scheduler", "w") as scheduler_log, open(logs / "worker", "w") as worker_log:
        scheduler = subprocess.Popen(
            [dask, "scheduler", "--host", host, "--port", port, "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=scheduler_log,
        )
        worker = subprocess.Popen(
            [dask, "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=worker_log,
        )
        try:
            from distributed import Client

            with Client(address, timeout="30s") as client:
                client.wait_for_workers(1, timeout=60)
            folder = tmp_path / "cluster"
            done = negsim(
                *SMALL, "--out", str(folder), "--executor", "dask", "--scheduler", address
            )
            assert done.returncode == 0, done.stderr
            assert run_bytes(folder) == run_bytes(reference)
        finally:
            for process in (worker, scheduler):
                process.terminate()
            for process in (worker, scheduler):
                process.wait(timeout=30)


@pytest.mark.slow  # a fresh interpreter for an optional extra missing
def test_dask_without_the_extra_is_one_clear_line(tmp_path):
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "distributed.py").write_text("raise ImportError('no distributed here')\n")
    env = {**os.environ, "PYTHONPATH": f"{shim}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    done = negsim(
        "run",
        str(HARBOUR),
        "-n",
        "10",
        "--out",
        str(tmp_path / "x"),
        "--executor",
        "dask",
        "-q",
        env=env,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "--executor dask needs Dask: pip install 'negsim[dask]'"


FLAGSHIP = Path(__file__).parent.parent / "scenarios" / "budapest_2025.yaml"
BIG = ["run", str(FLAGSHIP), "-n", "5120", "--seed", "8", "--traces", "-q"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("uninterrupted") / "batch"
    assert main([*BIG, "--out", str(folder), "--workers", "1"]) == 0
    return folder


def _stop(tmp_path: Path, name: str, stop, workers: str) -> tuple[Path, int, str]:
    """Start a real batch of five blocks and ``stop(process)`` it once two are on disk."""
    folder = tmp_path / name
    process = subprocess.Popen(
        [*NEGSIM, *BIG, "--out", str(folder), "--workers", workers],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    blocks = folder / BLOCKS
    try:
        while process.poll() is None and len(list(blocks.glob("runs-*.parquet"))) < 2:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.02)
        assert process.poll() is None, "the batch ended before it could be stopped"
        stop(process)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    return folder, process.returncode, stderr


def _interrupt(tmp_path: Path, how: signal.Signals, workers: str) -> Path:
    folder, status, stderr = _stop(tmp_path, how.name, lambda p: p.send_signal(how), workers)
    assert status == {signal.SIGINT: 130, signal.SIGTERM: 143}[how], stderr
    assert "--resume" in stderr
    return folder


def _worker_of(pid: int) -> int:
    """A process-pool worker among the children of ``pid`` (Linux /proc)."""
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        command = Path(f"/proc/{child}/cmdline").read_bytes()
        if b"spawn_main" in command and b"resource_tracker" not in command:
            return int(child)
    raise AssertionError("no worker process found")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("victim", ["main", "worker"])
def test_a_killed_batch_keeps_its_blocks_and_resumes_to_the_same_bytes(
    uninterrupted, tmp_path, victim
):
    if victim == "main":
        folder, status, _ = _stop(tmp_path, victim, lambda p: p.kill(), "2")
        assert status == -signal.SIGKILL
    else:
        kill = lambda p: os.kill(_worker_of(p.pid), signal.SIGKILL)  # noqa: E731
        folder, status, stderr = _stop(tmp_path, victim, kill, "2")
        assert status == 1
        assert re.match("negsim: a block failed: scenario budapest_2025, blocks? ", stderr)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "incomplete"
    assert len(sim.load_results(folder, allow_incomplete=True)) >= 2 * 1024
    assert main([*BIG, "--out", str(folder), "--workers", "1", "--resume"]) == 0
    assert run_bytes(folder) == run_bytes(uninterrupted)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("how", "workers"), [(signal.SIGINT, "2"), (signal.SIGTERM, "1")], ids=["SIGINT", "SIGTERM"]
)
def test_an_interrupted_batch_keeps_its_blocks_and_resumes_to_the_same_bytes(
    uninterrupted, tmp_path, how, workers
):
    folder = _interrupt(tmp_path, how, workers)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "incomplete"
    assert not (folder / RUNS).exists()
    assert 0 < manifest["blocks_done"] < manifest["blocks"]
    with pytest.raises(UserError, match="incomplete"):
        sim.load_results(folder)
    partial = sim.load_results(folder, allow_incomplete=True)
    assert len(partial) >= 2 * 1024 and partial["replicate"].is_unique

    assert main([*BIG, "--out", str(folder), "--workers", "1", "--resume"]) == 0
    assert run_bytes(folder) == run_bytes(uninterrupted)
    assert (folder / "rounds.parquet").read_bytes() == (
        uninterrupted / "rounds.parquet"
    ).read_bytes()
    assert json.loads((folder / "manifest.json").read_text())["status"] == "complete"
    resumed = sim.load_results(folder).set_index("replicate")
    pd.testing.assert_frame_equal(resumed.loc[partial["replicate"]], partial.set_index("replicate"))


@pytest.mark.slow
def test_a_terminated_sweep_exits_143_and_names_its_point(tmp_path):
    experiment = tmp_path / "pressure.yaml"
    experiment.write_text(
        f"name: pressure\nscenario: {FLAGSHIP}\nruns: 5120\nseed: 8\n"
        "variants:\n  calm: {battlefield.drift: 0}\n  rough: {battlefield.drift: 1}\n"
    )
    out = tmp_path / "sweep"
    process = subprocess.Popen(
        [*NEGSIM, "sweep", str(experiment), "--out", str(out), "--workers", "1", "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while process.poll() is None and not any(out.glob(f"calm/{BLOCKS}/runs-*.parquet")):
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.02)
        assert process.poll() is None, "the sweep ended before it could be stopped"
        process.terminate()
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 143, stderr
    assert stderr.startswith("negsim: interrupted at point calm: 0 of 2 points done; ")


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (["--seed", "9"], "seed"),
        (["-n", "3000"], "runs"),
        (["--set", "parties.north.capability=2"], "scenario"),
    ],
)
def test_resume_refuses_another_batch(reference, tmp_path, capsys, change, named):
    folder = tmp_path / "copy"
    folder.mkdir()
    for name in ("manifest.json", "scenario.yaml"):
        (folder / name).write_bytes((reference / name).read_bytes())
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**manifest, "status": "incomplete"}))
    args = [*SMALL, "--out", str(folder), "--resume", *change]  # the last --seed/-n wins
    assert main(args) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "--resume needs the same batch" in lines[0] and named in lines[0]


def test_an_existing_folder_is_refused_without_force_or_resume(reference, capsys):
    before = run_bytes(reference)
    assert main([*SMALL, "--out", str(reference)]) == 2
    message = capsys.readouterr().err.strip()
    assert "already holds results" in message and "--resume" in message and "--force" in message
    assert run_bytes(reference) == before


def test_resuming_a_complete_batch_changes_nothing(reference):
    before = run_bytes(reference)
    frame = sim.run(HARBOUR, runs=3100, seed=8, out=reference, traces=True, resume=True)
    assert run_bytes(reference) == before
    pd.testing.assert_frame_equal(frame, sim.load_results(reference))


def test_a_block_that_raises_names_scenario_blocks_and_replicates(tmp_path, monkeypatch, capsys):
    from sim.batch import batch

    def failing(scenario, seed, blocks, runs, traces=False):
        if 2 in blocks:
            raise ValueError("boom")
        return original(scenario, seed, blocks, runs, traces=traces)

    original = batch.simulate_blocks
    monkeypatch.setattr(batch, "simulate_blocks", failing)
    monkeypatch.setattr(batch, "BLOCKS_PER_TASK", 2)  # tasks of blocks 0, 1 and 2, 3
    folder = tmp_path / "failing"
    assert main([*SMALL, "--out", str(folder), "--workers", "1"]) == 1
    message = capsys.readouterr().err.strip()
    assert message == (
        "negsim: a block failed: scenario harbour-dispute, blocks 2, 3 (replicates 2048–3099): "
        "ValueError: boom"
    )
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "incomplete" and manifest["blocks_done"] == 2
    assert sorted(p.name for p in (folder / BLOCKS).glob("runs-*")) == [
        "runs-000000.parquet",
        "runs-000001.parquet",
    ]


DIES_WHILE_REPLYING = """
import os, signal, struct, sys, time
from sim.batch.executors import open_executor

def die_while_replying():
    # a worker killed while it sends its results: half a reply in the pool's result pipe,
    # whose lock it holds
    frame = sys._getframe()
    while "result_queue" not in frame.f_locals:
        frame = frame.f_back
    replies = frame.f_locals["result_queue"]
    replies._wlock.acquire()
    os.write(replies._writer.fileno(), struct.pack("!i", 1 << 20) + bytes(1000))
    os.kill(os.getpid(), signal.SIGKILL)

if __name__ == "__main__":
    with open_executor("local", 2) as workers:
        busy = workers.executor.submit(time.sleep, 600)
        dying = workers.executor.submit(die_while_replying)
        print(type(dying.exception()).__name__, type(busy.exception()).__name__)
"""


def test_a_worker_killed_while_replying_breaks_the_pool_instead_of_hanging(tmp_path):
    """Left alone, the pool would wait for the rest of the reply for ever (a batch that hangs
    instead of naming its lost blocks); the executor breaks it, as for any dead worker."""
    script = tmp_path / "dies_while_replying.py"
    script.write_text(DIES_WHILE_REPLYING)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.stdout.split() == ["BrokenProcessPool", "BrokenProcessPool"], done.stderr


@pytest.mark.slow  # two spawned workers; the CLI case above holds the same executor by default
def test_the_api_gives_the_same_rows_whatever_the_workers(tmp_path):
    one = sim.run(HARBOUR, runs=2100, seed=4)
    two = sim.run(HARBOUR, runs=2100, seed=4, workers=2)
    pd.testing.assert_frame_equal(one, two)


def test_no_progress_bar_when_not_a_terminal(tmp_path, capsys):
    assert main(["run", str(HARBOUR), "-n", "100", "--out", str(tmp_path / "q")]) == 0
    captured = capsys.readouterr()
    assert "replicates" in captured.out and captured.err == ""
