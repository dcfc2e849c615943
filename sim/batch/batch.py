"""Run a batch: hand its blocks to an executor, a few at a time as one task, and store each
block as its task finishes.

At most a few tasks per worker are in flight, so memory is bounded by them, not by N. Ctrl-C
(SIGINT) or SIGTERM stops the batch: pending tasks are cancelled, finished blocks stay on disk,
and the folder is marked incomplete for ``--resume`` (:class:`~sim.errors.BatchInterrupted`).
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import platform
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from sim.batch.executors import (
    DEFAULT_WORKERS,
    Workers,
    check_executor,
    local_workers,
    open_executor,
)
from sim.batch.limits import available_memory, block_bytes, check_request, check_resources
from sim.batch.runner import (
    BLOCK_SIZE,
    BLOCKS_PER_TASK,
    BlockResult,
    block_count,
    simulate_blocks,
)
from sim.batch.store import SCENARIO, ResultsFolder, load_results, to_frame, write_atomic
from sim.errors import BatchInterrupted, BlockFailed, Terminated, UserError
from sim.scenario.loader import dump_scenario
from sim.scenario.schema import Scenario
from sim.version import __version__, installed_version


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
        "negsim_version": __version__,
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
            **{name: installed_version(name) for name in ("numpy", "mesa", "pyarrow", "pydantic")},
        },
    }


@contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C while the batch runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise Terminated

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_batch(
    scenario: Scenario,
    *,
    runs: int,
    seed: int,
    out: str | Path | None = None,
    traces: bool = False,
    force: bool = False,
    resume: bool = False,
    collect: bool = True,
    workers: int | None = DEFAULT_WORKERS,
    executor: str = "local",
    scheduler: str | None = None,
    source: str | None = None,
    overrides: Sequence[str] = (),
    on_block: Callable[[int], None] | None = None,
    pool: Workers | None = None,
) -> pd.DataFrame | None:
    """Simulate ``runs`` replicates of ``scenario`` with ``seed``.

    With ``out``, the results folder is written as blocks finish (``resume`` finishes an
    interrupted one, ``force`` replaces an existing one). The blocks run on ``executor``
    (``local`` with ``workers`` processes — every core by default, ``1`` for this process;
    or ``dask``, on the cluster at ``scheduler`` or a local one). With ``collect``, the
    ``runs`` rows are returned as a DataFrame; ``on_block(count)`` reports progress in
    replicates. A caller running many batches (a sweep) may pass an open ``pool``
    (:func:`~sim.batch.executors.open_executor`) to share it.
    """
    check_request(runs, seed)
    check_executor(executor, workers, scheduler)
    if resume and out is None:
        raise UserError("--resume needs the results folder (--out)")
    folder = ResultsFolder(out) if out is not None else None
    blocks = list(range(block_count(runs)))
    if executor == "local" and scheduler is None:  # no more processes than blocks to run
        workers = local_workers(workers, len(blocks))
    check_resources(
        scenario,
        runs=runs,
        traces=traces,
        block_size=BLOCK_SIZE,
        processes=(workers or 1) if executor == "local" else 1,  # dask workers are elsewhere
        folder=folder.path if folder else None,
    )
    done: set[int] = set()
    manifest = None
    if folder is not None:
        text = dump_scenario(scenario)
        manifest = manifest_for(
            scenario, text, seed=seed, runs=runs, traces=traces, source=source, overrides=overrides
        )
        started = folder.path.is_dir() and any(folder.path.iterdir())
        if resume and started:  # a fresh folder simply starts the batch
            previous = folder.check_resumable(manifest)
            if previous.get("status") == "complete":  # nothing left to do
                return load_results(folder.path) if collect else None
            manifest["started"] = previous.get("started", manifest["started"])
            done = folder.finished_blocks() & set(blocks)
        else:
            folder.create(force=force)
            write_atomic(folder.path / SCENARIO, text)
        manifest["blocks_done"] = len(done)
        folder.write_manifest(manifest)
    tables: dict[int, pa.Table] = {}
    if collect:
        tables.update({block: folder.read_block(block) for block in done})
    if on_block is not None and done:
        on_block(sum(min(BLOCK_SIZE, runs - b * BLOCK_SIZE) for b in done))

    def store(result: BlockResult) -> None:
        if folder is not None:
            folder.write_block(result.block, result.runs, result.rounds)
            done.add(result.block)
            manifest["blocks_done"] = len(done)
            folder.write_manifest(manifest)
        if collect:
            tables[result.block] = result.runs
        if on_block is not None:
            on_block(result.runs.num_rows)

    clock = time.perf_counter()
    todo = [b for b in blocks if b not in done]
    opened = nullcontext(pool) if pool is not None else open_executor(executor, workers, scheduler)
    with opened as pool, _stop_on_sigterm():
        pending: dict[cf.Future, list[int]] = {}
        try:
            for task in tasks(scenario, todo, pool.capacity):
                pending[
                    pool.executor.submit(simulate_blocks, scenario, seed, task, runs, traces=traces)
                ] = task
                if len(pending) >= pool.capacity:
                    _drain(pending, scenario, runs, store, until=pool.capacity - 1)
            _drain(pending, scenario, runs, store, until=0)
        except KeyboardInterrupt:
            for future in pending:
                future.cancel()
            raise BatchInterrupted(
                f"interrupted: {len(done)} of {len(blocks)} blocks done"
                + (f"; finish with --resume --out {folder.path}" if folder else "")
            ) from None
        except BaseException:
            for future in pending:
                future.cancel()
            raise

    if folder is not None:
        folder.assemble(blocks, traces)
        manifest.update(
            status="complete",
            finished=datetime.now(UTC).isoformat(timespec="seconds"),
            elapsed_seconds=round(time.perf_counter() - clock, 3),
        )
        folder.write_manifest(manifest)
    if not collect:
        return None
    return to_frame(pa.concat_tables([tables[block] for block in blocks]))


def tasks(scenario: Scenario, todo: list[int], capacity: int) -> list[list[int]]:
    """The blocks to run, in order, grouped into tasks that each simulate as one model
    (:func:`~sim.batch.runner.simulate_blocks`): up to ``BLOCKS_PER_TASK`` blocks, but at
    least as many tasks as the executor holds at once (``capacity``) where there are blocks
    enough, and no more blocks per task than the free memory holds that many times over.
    The grouping moves no result."""
    per_task = min(BLOCKS_PER_TASK, -(-len(todo) // capacity))
    free = available_memory()
    if free is not None:
        per_task = min(per_task, free // (capacity * block_bytes(scenario, BLOCK_SIZE)))
    per_task = max(1, per_task)
    return [todo[n : n + per_task] for n in range(0, len(todo), per_task)]


def _drain(
    pending: dict[cf.Future, list[int]],
    scenario: Scenario,
    runs: int,
    store: Callable[[BlockResult], None],
    until: int,
) -> None:
    """Store the blocks of finished tasks until at most ``until`` tasks are still pending."""
    while len(pending) > until:
        finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
        for future in finished:
            task = pending.pop(future)
            try:
                results = future.result()
            except Exception as exc:
                raise BlockFailed(
                    f"scenario {scenario.name}, {_blocks_named(task, runs)}: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            for result in results:
                store(result)


def _blocks_named(task: list[int], runs: int) -> str:
    """``block 1 (replicates 1024–2047)``, or ``blocks 0, 1 (replicates 0–2047)`` for a task
    of several."""
    spans = [(b * BLOCK_SIZE, min((b + 1) * BLOCK_SIZE, runs) - 1) for b in task]
    merged = [list(spans[0])]
    for first, last in spans[1:]:
        if first == merged[-1][1] + 1:
            merged[-1][1] = last
        else:
            merged.append([first, last])
    replicates = ", ".join(f"{first}–{last}" for first, last in merged)
    blocks = ", ".join(map(str, task))
    return f"block{'s' if len(task) > 1 else ''} {blocks} (replicates {replicates})"
