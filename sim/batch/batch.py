"""Run a batch: every block of a scenario, streamed to a results folder as it finishes."""

from __future__ import annotations

import hashlib
import platform
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from sim.batch.runner import BLOCK_SIZE, block_count, simulate_block
from sim.batch.store import (
    ROUNDS,
    RUNS,
    SCENARIO,
    TableStream,
    prepare_folder,
    to_frame,
    write_atomic,
    write_manifest,
)
from sim.errors import UserError
from sim.scenario.loader import dump_scenario
from sim.scenario.schema import Scenario

MAX_RUNS = 100_000_000


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def manifest_for(
    scenario: Scenario,
    scenario_text: str,
    *,
    seed: int,
    runs: int,
    traces: bool,
    source: str | None,
    overrides: Sequence[str],
) -> dict[str, Any]:
    """Everything needed to rerun the batch, and its status (``incomplete`` until done)."""
    return {
        "negsim_version": _version("negsim"),
        "status": "incomplete",
        "scenario": {
            "name": scenario.name,
            "title": scenario.title,
            "source": source,
            "sha256": hashlib.sha256(scenario_text.encode()).hexdigest(),
        },
        "overrides": list(overrides),
        "seed": seed,
        "runs": runs,
        "block_size": BLOCK_SIZE,
        "blocks": block_count(runs),
        "blocks_done": 0,
        "traces": traces,
        "rerun": f"negsim run {SCENARIO} --runs {runs} --seed {seed}"
        + (" --traces" if traces else ""),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": {
            "python": platform.python_version(),
            **{name: _version(name) for name in ("numpy", "mesa", "pyarrow", "pydantic")},
        },
    }


def check_request(runs: int, seed: int) -> None:
    if not 1 <= runs <= MAX_RUNS:
        raise UserError(f"--runs: expected a whole number from 1 to {MAX_RUNS:,}, got {runs}")
    if not 0 <= seed < 2**63:
        raise UserError(f"--seed: expected a whole number from 0 to 2**63-1, got {seed}")


def run_batch(
    scenario: Scenario,
    *,
    runs: int,
    seed: int,
    out: str | Path | None = None,
    traces: bool = False,
    force: bool = False,
    collect: bool = True,
    source: str | None = None,
    overrides: Sequence[str] = (),
    on_block: Callable[[int], None] | None = None,
) -> pd.DataFrame | None:
    """Simulate ``runs`` replicates of ``scenario`` with ``seed``.

    With ``out``, the results folder is written as blocks finish. With ``collect``, the
    ``runs`` rows are returned as a DataFrame; ``on_block(count)`` reports progress.
    """
    check_request(runs, seed)
    folder = Path(out) if out is not None else None
    runs_stream = rounds_stream = None
    if folder is not None:
        prepare_folder(folder, force=force)
        text = dump_scenario(scenario)
        write_atomic(folder / SCENARIO, text)
        manifest = manifest_for(
            scenario, text, seed=seed, runs=runs, traces=traces, source=source, overrides=overrides
        )
        write_manifest(folder, manifest)
        runs_stream = TableStream(folder / RUNS)
        rounds_stream = TableStream(folder / ROUNDS) if traces else None
    tables = []
    clock = time.perf_counter()
    try:
        for block in range(block_count(runs)):
            result = simulate_block(scenario, seed, block, runs, traces=traces)
            if collect:
                tables.append(result.runs)
            if runs_stream is not None:
                runs_stream.write(result.runs)
                if rounds_stream is not None and result.rounds.num_rows:
                    rounds_stream.write(result.rounds)
            if on_block is not None:
                on_block(result.runs.num_rows)
    except BaseException:
        for stream in (runs_stream, rounds_stream):
            if stream is not None:
                stream.abort()
        raise
    if folder is not None:
        runs_stream.close()
        if rounds_stream is not None:
            rounds_stream.close()
        manifest.update(
            status="complete",
            blocks_done=manifest["blocks"],
            finished=datetime.now(UTC).isoformat(timespec="seconds"),
            elapsed_seconds=round(time.perf_counter() - clock, 3),
        )
        write_manifest(folder, manifest)
    return to_frame(pa.concat_tables(tables)) if collect else None
