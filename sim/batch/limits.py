"""Refuse what cannot finish, before any work starts: a request out of range, a block that
would not fit in memory, results that would not fit on disk.

The estimates are deliberately rough upper bounds; each refusal says what it estimated and
what would help.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np

from sim.errors import UserError
from sim.scenario.parameters import parameter_leaves
from sim.scenario.schema import Scenario

GIB = 2**30
MAX_RUNS = 100_000_000
DEFAULT_RUNS = 4096  # replicates of a batch unless told otherwise (run, sim.run, experiments)
DEFAULT_SEED = 0


def check_request(runs: int, seed: int) -> None:
    """Refuse a number of replicates or a seed out of range."""
    if not 1 <= runs <= MAX_RUNS:
        raise UserError(f"--runs: expected a whole number from 1 to {MAX_RUNS:,}, got {runs}")
    if not 0 <= seed < 2**63:
        raise UserError(f"--seed: expected a whole number from 0 to 2**63-1, got {seed}")


def block_bytes(scenario: Scenario, block_size: int) -> int:
    """Working memory of one block, at its largest: the exact machinery's inputs — each
    replicate's order of the option combinations (R, C) and every party's loss per option
    (R, P, Q) — and the parties' arrays, true and public."""
    issues, parties = len(scenario.issues), len(scenario.parties)
    sizes = [len(i.options) for i in scenario.issues.values() if i.options is not None]
    combinations = int(np.prod(sizes)) if sizes else 1
    machinery = block_size * (combinations * 16 + parties * sum(sizes) * 8)
    state = 2 * block_size * parties * issues * 8 * 16
    return machinery + state


def result_bytes(scenario: Scenario, runs: int, traces: bool) -> int:
    """Size of the results on disk, uncompressed: 8 bytes a value."""
    issues, parties = len(scenario.issues), len(scenario.parties)
    uncertain = sum(leaf.uncertain for leaf in parameter_leaves(scenario).values())
    columns = 3 + 3 * issues + 3 * parties + len(scenario.events) + uncertain
    size = runs * columns * 8
    if traces:
        size += runs * scenario.rounds * (3 + 3 * issues + 4 * parties + len(scenario.events)) * 8
    return size


def available_memory() -> int | None:
    """Memory the machine can still give, or None where it cannot be read."""
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_resources(
    scenario: Scenario,
    *,
    runs: int,
    traces: bool,
    block_size: int,
    processes: int,
    folder: Path | None,
) -> None:
    """Raise UserError when the batch would run out of memory or disk."""
    need = block_bytes(scenario, block_size) * processes
    have = available_memory()
    if have is not None and need > have:
        raise UserError(
            f"a block of {scenario.name} needs about {need / GIB:.1f} GiB with {processes} "
            f"worker(s), more than the {have / GIB:.1f} GiB free: fewer combinations of options, "
            "parties or issues, or fewer --workers"
        )
    if folder is None:
        return
    size = result_bytes(scenario, runs, traces)
    probe = folder if folder.exists() else next(p for p in folder.parents if p.exists())
    free = shutil.disk_usage(probe).free
    if 2 * size > free:  # block files and the joined file exist side by side at the end
        raise UserError(
            f"{folder}: the results may need up to {2 * size / GIB:.1f} GiB of disk while they "
            f"are written, {free / GIB:.1f} GiB free: fewer --runs"
            + (", no --traces" if traces else "")
            + ", or another --out"
        )
