"""Speed and memory of the engine on the flagship scenario.

Runs N replicates of ``scenarios/budapest_2025.yaml`` in tasks of blocks (the way batches
run), then a sample of replicates as blocks of one (the way a per-replicate model would run),
and prints replicates per second for both and their ratio. ``--scale`` times whole ``negsim run``
batches with 1 and 2 local workers; ``--memory`` measures the peak memory of a batch at two
sizes (it should stay flat in N); ``--profile`` says what each part of a round costs. Rates and
the profile count this process's CPU time — what one core does, whatever else the machine
runs — and ``--scale`` and ``--memory`` the wall clock. A benchmark, not a test: numbers
depend on the machine.

    python experiments/benchmark.py [--runs 10000] [--single 200]
    python experiments/benchmark.py --scale [--scale-runs 100000]
    python experiments/benchmark.py --memory [--memory-runs 100000 1000000]
    python experiments/benchmark.py --profile [--runs 4096]
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import sim
from sim.bargaining import kernels
from sim.batch import runner
from sim.batch.batch import tasks
from sim.batch.runner import (
    BLOCK_SIZE,
    BLOCKS_PER_TASK,
    block_count,
    simulate_block,
    simulate_blocks,
)
from sim.model.model import NegotiationModel
from sim.model.protocols import PROTOCOLS

FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "budapest_2025.yaml"


def simulate_batch(scenario: sim.Scenario, runs: int, seed: int) -> None:
    """Every block of a batch of ``runs``, in the tasks a batch groups them into when it runs
    in one process."""
    for task in tasks(scenario, list(range(block_count(runs))), capacity=1):
        simulate_blocks(scenario, seed, task, runs)


def ensemble_rate(scenario: sim.Scenario, runs: int, seed: int) -> float:
    """Replicates per second, simulated as a batch runs them (one process, one core)."""
    simulate_block(scenario, seed, 0, BLOCK_SIZE)  # warm up imports and caches
    start = time.process_time()
    simulate_batch(scenario, runs, seed)
    return runs / (time.process_time() - start)


def single_rate(scenario: sim.Scenario, sample: int, seed: int) -> float:
    """Replicates per second, each simulated alone as a block of one."""
    start = time.process_time()
    for replicate in range(sample):
        simulate_block(scenario, seed, replicate, replicate + 1, block_size=1)
    return sample / (time.process_time() - start)


PARTS = (
    ("sampling", runner, "draw_parameters"),
    ("model set-up", NegotiationModel, "__init__"),
    ("war dynamics", NegotiationModel, "_fight"),
    ("valuation, beliefs, concessions", NegotiationModel, "_value_and_concede"),
    ("protocol: the text", None, "propose"),
    ("zone diagnostics (per round)", NegotiationModel, "_diagnose"),
    ("close: zones, Nash, durability", NegotiationModel, "_close"),
    ("records (runs table)", runner, "runs_table"),
)
"""The parts of a block timed by :func:`profile`: (label, owner, attribute); the protocol's
owner is the scenario's protocol class."""

KERNELS = (
    ("maximin, fast path (texts, zones)", kernels, "maximin_fast"),
    ("maximin, barrier method", kernels, "maximin"),
    ("Nash, fast path", kernels, "nash_fast"),
    ("Nash, barrier method", kernels, "nash"),
)
"""The compiled kernels timed across the parts above (each part's time includes them): how
much of a round is the exact machinery itself."""


@contextlib.contextmanager
def _timed(owner, name: str, seconds: dict, label: str):
    """``owner.name`` wrapped so that each call adds its duration to ``seconds[label]``."""
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            seconds[label] += time.process_time() - start

    setattr(owner, name, wrapper)
    try:
        yield
    finally:
        setattr(owner, name, original)


def profile(scenario: sim.Scenario, runs: int, seed: int) -> None:
    """Print what each part of a block costs: seconds in all, microseconds per replicate-round
    (a replicate still bargaining in a round) and per replicate, and its share of the time."""
    simulate_block(scenario, seed, 0, BLOCK_SIZE)  # warm up imports and caches
    seconds: dict[str, float] = defaultdict(float)
    compiled: dict[str, float] = defaultdict(float)
    replicate_rounds = 0

    def count(model: NegotiationModel) -> None:
        nonlocal replicate_rounds
        replicate_rounds += len(model.rows)

    with contextlib.ExitStack() as stack:
        for label, owner, name in PARTS:
            owner = PROTOCOLS[scenario.protocol.kind] if owner is None else owner
            stack.enter_context(_timed(owner, name, seconds, label))
        for label, owner, name in KERNELS:
            stack.enter_context(_timed(owner, name, compiled, label))
        stack.enter_context(_timed(NegotiationModel, "step", seconds, "round"))
        original_step = NegotiationModel.step

        def step(model: NegotiationModel) -> None:
            count(model)
            original_step(model)

        NegotiationModel.step = step
        stack.callback(setattr, NegotiationModel, "step", original_step)
        start = time.process_time()
        simulate_batch(scenario, runs, seed)
        total = time.process_time() - start
    in_round = ("war dynamics", "valuation, beliefs, concessions", "protocol: the text")
    in_round += ("zone diagnostics (per round)", "close: zones, Nash, durability")
    seconds["responses and the rest of the round"] = seconds.pop("round") - sum(
        seconds[label] for label in in_round
    )
    seconds["other (Mesa, arrays, glue)"] = total - sum(seconds.values())
    print(
        f"{runs:,} replicates, {replicate_rounds:,} replicate-rounds "
        f"({replicate_rounds / runs:.1f} per replicate), {total:.2f} s, {runs / total:,.0f}/s"
    )
    print(f"{'part':40s} {'s':>7s} {'µs/rep-round':>13s} {'µs/replicate':>13s} {'share':>6s}")
    for label, spent in seconds.items():
        print(
            f"{label:40s} {spent:7.2f} {spent / replicate_rounds * 1e6:13.2f} "
            f"{spent / runs * 1e6:13.1f} {spent / total:6.1%}"
        )
    print("of which in the compiled kernels:")
    for label, spent in compiled.items():
        print(
            f"  {label:38s} {spent:7.2f} {spent / replicate_rounds * 1e6:13.2f} "
            f"{spent / runs * 1e6:13.1f} {spent / total:6.1%}"
        )


def batch(scenario: Path, runs: int, workers: int) -> tuple[float, float]:
    """Seconds and peak memory (MiB, the largest process) of one ``negsim run``, in a fresh
    process so the peak is this batch's own."""
    with tempfile.TemporaryDirectory() as folder:
        command = [
            sys.executable,
            "-c",
            "import sys; from sim.cli import main; sys.exit(main())",
            "run",
            str(scenario),
            "--runs",
            str(runs),
            "--out",
            f"{folder}/out",
            "--workers",
            str(workers),
            "--quiet",
        ]
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000, help="replicates as ensembles")
    parser.add_argument("--single", type=int, default=200, help="replicates run one at a time")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scenario", type=Path, default=FLAGSHIP)
    parser.add_argument("--scale", action="store_true", help="1 vs 2 workers, whole batches")
    parser.add_argument("--scale-runs", type=int, default=100_000)
    parser.add_argument("--memory", action="store_true", help="peak memory at two sizes")
    parser.add_argument("--memory-runs", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--profile", action="store_true", help="the cost of each part")
    args = parser.parse_args()

    if args.scale:
        one, _ = batch(args.scenario, args.scale_runs, 1)
        two, _ = batch(args.scenario, args.scale_runs, 2)
        print(
            f"negsim run, N = {args.scale_runs:,}: 1 worker {args.scale_runs / one:,.0f}/s, "
            f"2 workers {args.scale_runs / two:,.0f}/s, speed-up {one / two:.2f}x"
        )
        return
    if args.memory:
        for runs in args.memory_runs:
            seconds, peak = batch(args.scenario, runs, 2)
            print(
                f"negsim run, N = {runs:,}, 2 workers: peak {peak:,.0f} MiB "
                f"(largest process), {seconds:,.0f} s"
            )
        return

    scenario = sim.load_scenario(args.scenario)
    if args.profile:
        profile(scenario, args.runs, args.seed)
        return
    ensemble = ensemble_rate(scenario, args.runs, args.seed)
    single = single_rate(scenario, args.single, args.seed)
    print(
        f"scenario: {scenario.name} ({len(scenario.parties)} parties, "
        f"{len(scenario.issues)} issues, {scenario.rounds} rounds, "
        f"protocol {scenario.protocol.kind})"
    )
    print(
        f"ensembles ({BLOCKS_PER_TASK} blocks of {BLOCK_SIZE} as one model): "
        f"{ensemble:10,.0f} replicates/s  (N = {args.runs:,})"
    )
    print(
        f"one at a time (blocks of 1):  {single:10,.0f} replicates/s  "
        f"(a sample of {args.single}, extrapolated)"
    )
    print(f"ratio: {ensemble / single:.1f}x")


if __name__ == "__main__":
    main()
