"""Sweeps: an experiment run point by point, one results folder per point, and a summary
table across them (``negsim sweep``).

Every point runs with the experiment's seed (common random numbers), so differences between
points are differences of the scenario, not of the luck of the draw. The sweep folder holds one
results folder per point, ``summary.parquet`` (one row per point: what it sets and what came
of it) and ``sweep.json`` (the experiment, its points and, for a sampled design, its problem
definition and sample matrix, which :mod:`sim.analysis.sensitivity` reads for Sobol indices).
One executor serves every point; an interrupted sweep keeps its finished points for
``--resume``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.batch.batch import run_batch
from sim.batch.executors import DEFAULT_WORKERS, check_executor, local_workers, open_executor
from sim.batch.families import LABEL, OUTCOME, columns_of
from sim.batch.limits import check_request
from sim.batch.runner import block_count
from sim.batch.store import ResultsFolder, load_results, write_atomic
from sim.errors import BatchInterrupted, UserError
from sim.experiments.designs import Point, flow
from sim.experiments.language import Experiment, prepare
from sim.scenario.loader import dump_scenario
from sim.scenario.schema import Scenario

SUMMARY = "summary.parquet"
SWEEP = "sweep.json"


def summary_row(runs: pd.DataFrame) -> dict[str, Any]:
    """The numbers of one point: deal probability with its Wilson score interval (Wilson
    1927; ``scipy.stats.binomtest``), median round of a deal, per issue the median outcome of
    deals (option issues: the most common option among deals and its share), and over all
    replicates the mean of every outcome column — each issue (``mean.<issue>``), each party's
    payoff and utility (``mean.payoff.<party>``, ``mean.utility.<party>``) and any other
    outcome the model writes (``mean.<column>``): the quantities a Sobol analysis
    decomposes. A forecast with no deal column (protocol ``expected_utility``) has no deal
    probability, and its terms are those of every replicate."""
    n = len(runs)
    if runs["deal"].isna().all():
        # a forecast (protocol expected_utility): no deal to count; the terms are the forecast
        deal = np.ones(n, dtype=bool)
        row: dict[str, Any] = {"runs": n, "deals": None, "deal_probability": math.nan}
        row.update(deal_low=math.nan, deal_high=math.nan, median_round=math.nan)
        deals = n
    else:
        deal = runs["deal"].fillna(False).astype(bool).to_numpy()
        deals = int(deal.sum())
        interval = stats.binomtest(deals, n).proportion_ci(method="wilson")
        row = {
            "runs": n,
            "deals": deals,
            "deal_probability": deals / n,
            "deal_low": 0.0 if deals == 0 else float(interval.low),
            "deal_high": 1.0 if deals == n else float(interval.high),
            "median_round": float(runs.loc[deal, "round"].median()) if deals else math.nan,
        }
    for column in runs.columns:
        if not column.startswith(OUTCOME):
            continue
        key = column.removeprefix(OUTCOME)
        labels = runs.get(LABEL + key)
        if labels is not None:
            shares = labels[deal].value_counts(normalize=True)
            row[f"mode.{key}"] = str(shares.index[0]) if deals else None
            row[f"share.{key}"] = float(shares.iloc[0]) if deals else math.nan
        else:
            row[f"median.{key}"] = float(runs.loc[deal, column].median()) if deals else math.nan
    for column in columns_of(runs, "outcome"):
        if column in ("deal", "round"):
            continue
        values = runs[column].astype(float)
        row[f"mean.{column.removeprefix(OUTCOME)}"] = float(values.mean())
    return row


_UNSET = object()


def _value_column(values: list[Any]) -> list[Any]:
    """Swept values as a column: numbers stay numbers, anything else becomes its YAML text
    (``null`` for a value set to null); a point that does not set the path has a gap."""
    present = [v for v in values if v is not _UNSET]
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return [math.nan if v is _UNSET else float(v) for v in values]
    return [None if v is _UNSET else v if isinstance(v, str) else flow(v) for v in values]


def summary_frame(experiment: Experiment, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per point: ``point``, a ``set.<path>`` column per swept path, then the
    numbers of :func:`summary_row`."""
    columns: dict[str, list[Any]] = {"point": [p.name for p in experiment.points]}
    for path in experiment.paths:
        columns[f"set.{path}"] = _value_column(
            [p.values.get(path, _UNSET) for p in experiment.points]
        )
    frame = pd.DataFrame(columns)
    stats = pd.DataFrame(rows)
    return pd.concat([frame, stats], axis=1)


def write_summary(folder: Path, summary: pd.DataFrame) -> None:
    """``summary.parquet``, atomically: a temporary file, then a rename."""
    temporary = folder / f".{SUMMARY}.tmp"
    summary.to_parquet(temporary, index=False)
    os.replace(temporary, folder / SUMMARY)


def load_summary(folder: str | Path) -> pd.DataFrame:
    """The ``summary.parquet`` of a sweep folder."""
    path = Path(folder) / SUMMARY
    if not path.is_file():
        raise UserError(f"{folder}: no {SUMMARY}; not a finished negsim sweep")
    return pd.read_parquet(path)


def read_sweep(folder: str | Path) -> dict[str, Any] | None:
    """The ``sweep.json`` of a sweep folder, or None."""
    try:
        return json.loads((Path(folder) / SWEEP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_sweep(folder: str | Path) -> bool:
    return (Path(folder) / SWEEP).is_file()


# -- running -------------------------------------------------------------------------------


def default_out(experiment: Experiment) -> Path:
    return Path("results") / experiment.name


def _check_out(folder: Path, *, force: bool, resume: bool) -> None:
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder}: exists and is not a folder")
    if not folder.is_dir() or not any(folder.iterdir()):
        return
    if not (folder / SWEEP).is_file() and not (folder / SUMMARY).is_file():
        raise UserError(f"{folder}: not a negsim sweep folder; refusing to write into it")
    if not (force or resume):
        raise UserError(
            f"{folder}: already holds a sweep; use --resume to finish it, --force to replace "
            "it, or another --out"
        )


def _finished(folder: Path, scenario: Scenario, runs: int, seed: int) -> bool:
    """Whether ``folder`` holds this very batch, complete (so a resumed sweep skips it)."""
    manifest = ResultsFolder(folder).manifest()
    if manifest is None:
        return False
    sha = hashlib.sha256(dump_scenario(scenario).encode()).hexdigest()
    return (
        manifest.get("status") == "complete"
        and manifest.get("runs") == runs
        and manifest.get("seed") == seed
        and manifest.get("scenario", {}).get("sha256") == sha
        and (folder / "runs.parquet").is_file()
    )


def sweep_manifest(experiment: Experiment, runs: int, seed: int) -> dict[str, Any]:
    return {
        "experiment": {
            "name": experiment.name,
            "title": experiment.spec.title,
            "file": str(experiment.file),
        },
        "scenario": str(experiment.scenario_path),
        "kind": experiment.kind,
        "runs": runs,
        "seed": seed,
        "paths": experiment.paths,
        "points": [{"name": p.name, "overrides": p.overrides} for p in experiment.points],
        "design": experiment.design,
    }


def run_sweep(
    experiment: Experiment,
    out: str | Path | None = None,
    *,
    runs: int | None = None,
    seed: int | None = None,
    force: bool = False,
    resume: bool = False,
    traces: bool = False,
    workers: int | None = DEFAULT_WORKERS,
    executor: str = "local",
    scheduler: str | None = None,
    on_point: Callable[[Point, dict[str, Any]], None] | None = None,
    on_block: Callable[[int], None] | None = None,
    prepared: list[tuple[Point, Scenario]] | None = None,
) -> pd.DataFrame:
    """Run every point of ``experiment`` into ``out`` (default ``results/<name>``) and write
    ``summary.parquet``; returns the summary. ``runs`` and ``seed`` replace the file's;
    ``force`` replaces earlier results, ``resume`` skips points already complete and finishes
    interrupted ones; ``traces`` writes each point's ``rounds.parquet``. The points run one
    after the other, each batch's blocks on one executor opened for them all (``workers``,
    ``executor``, ``scheduler`` as for :func:`~sim.batch.batch.run_batch`).
    ``on_point(point, row)`` is called as each point finishes; ``prepared`` is what
    :func:`~sim.experiments.language.prepare` returned, if the caller has it already."""
    runs = experiment.spec.runs if runs is None else runs
    seed = experiment.spec.seed if seed is None else seed
    check_request(runs, seed)
    check_executor(executor, workers, scheduler)
    folder = Path(out) if out is not None else default_out(experiment)
    loaded = prepared if prepared is not None else prepare(experiment)
    _check_out(folder, force=force, resume=resume)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(
        folder / SWEEP, json.dumps(sweep_manifest(experiment, runs, seed), indent=2) + "\n"
    )
    if executor == "local" and scheduler is None:  # no more processes than a point's blocks
        workers = local_workers(workers, block_count(runs))
    rows = []
    with open_executor(executor, workers, scheduler) as pool:  # one pool for every point
        for done, (point, scenario) in enumerate(loaded):
            rows.append(
                _run_point(
                    experiment,
                    folder,
                    point,
                    scenario,
                    done,
                    len(loaded),
                    runs=runs,
                    seed=seed,
                    force=force,
                    resume=resume,
                    on_point=on_point,
                    on_block=on_block,
                    pool=pool,
                    traces=traces,
                )
            )
    summary = summary_frame(experiment, rows)
    write_summary(folder, summary)
    return summary


def _run_point(
    experiment: Experiment,
    folder: Path,
    point: Point,
    scenario: Scenario,
    done: int,
    total: int,
    *,
    runs: int,
    seed: int,
    force: bool,
    resume: bool,
    on_point,
    on_block,
    **options: Any,
) -> dict[str, Any]:
    """Run (or, resuming, reuse) one point's batch; its summary row."""
    where = folder / point.name
    if resume and _finished(where, scenario, runs, seed):
        if on_block is not None:
            on_block(runs)
    else:
        try:
            run_batch(
                scenario,
                runs=runs,
                seed=seed,
                out=where,
                force=force,
                collect=False,
                source=str(experiment.scenario_path),
                overrides=point.overrides,
                on_block=on_block,
                resume=resume and (where / "manifest.json").is_file(),
                **options,
            )
        except BatchInterrupted:
            raise BatchInterrupted(
                f"interrupted at point {point.name}: {done} of {total} points done; "
                f"finish with negsim sweep {experiment.file} --out {folder} --resume"
            ) from None
    row = summary_row(load_results(where))
    if on_point is not None:
        on_point(point, row)
    return row
