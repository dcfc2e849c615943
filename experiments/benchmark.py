"""Speed and memory of the engine on the flagship scenario.

Runs N replicates of ``scenarios/budapest_2025.yaml`` in blocks (the way batches run), then a
sample of replicates as blocks of one (the way a per-replicate model would run), and prints
replicates per second for both and their ratio. ``--scale`` times whole ``negsim run``
batches with 1 and 2 local workers; ``--memory`` measures the peak memory of a batch at two
sizes (it should stay flat in N). A benchmark, not a test: numbers depend on the machine and on
what else it is doing.

    python experiments/benchmark.py [--runs 10000] [--single 200]
    python experiments/benchmark.py --scale [--scale-runs 100000]
    python experiments/benchmark.py --memory [--memory-runs 100000 1000000]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sim
from sim.batch.runner import BLOCK_SIZE, block_count, simulate_block

FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "budapest_2025.yaml"


def ensemble_rate(scenario: sim.Scenario, runs: int, seed: int) -> float:
    """Replicates per second, simulated in blocks of BLOCK_SIZE (one process, one core)."""
    simulate_block(scenario, seed, 0, BLOCK_SIZE)  # warm up imports and caches
    start = time.perf_counter()
    for block in range(block_count(runs)):
        simulate_block(scenario, seed, block, runs)
    return runs / (time.perf_counter() - start)


def single_rate(scenario: sim.Scenario, sample: int, seed: int) -> float:
    """Replicates per second, each simulated alone as a block of one."""
    start = time.perf_counter()
    for replicate in range(sample):
        simulate_block(scenario, seed, replicate, replicate + 1, block_size=1)
    return sample / (time.perf_counter() - start)


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
    ensemble = ensemble_rate(scenario, args.runs, args.seed)
    single = single_rate(scenario, args.single, args.seed)
    print(
        f"scenario: {scenario.name} ({len(scenario.parties)} parties, "
        f"{len(scenario.issues)} issues, {scenario.rounds} rounds, "
        f"{getattr(scenario.protocol, 'candidates', '-')} candidates)"
    )
    print(
        f"ensembles (blocks of {BLOCK_SIZE}): {ensemble:10,.0f} replicates/s  (N = {args.runs:,})"
    )
    print(
        f"one at a time (blocks of 1):  {single:10,.0f} replicates/s  "
        f"(a sample of {args.single}, extrapolated)"
    )
    print(f"ratio: {ensemble / single:.1f}x")


if __name__ == "__main__":
    main()
