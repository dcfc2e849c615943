"""Speed of the engine: the flagship scenario as ensembles vs one replicate at a time.

Runs N replicates of ``scenarios/budapest_2025.yaml`` in blocks (the way batches run), then a
sample of replicates as blocks of one (the way a per-replicate model would run), and prints
replicates per second for both and their ratio. A benchmark, not a test: numbers depend on the
machine and on what else it is doing.

    python experiments/benchmark.py [--runs 10000] [--single 200]
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000, help="replicates as ensembles")
    parser.add_argument("--single", type=int, default=200, help="replicates run one at a time")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scenario", type=Path, default=FLAGSHIP)
    args = parser.parse_args()

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
