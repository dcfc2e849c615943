"""Results folders as analysis reads them: which folders a command was given, where each batch
comes from (its manifest), its resolved scenario and its rows.

Every way a folder can fail to be a complete results folder is a one-line
:class:`~sim.errors.UserError` naming the folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.batch.store import (
    MANIFEST,
    ROUNDS,
    RUNS,
    SCENARIO,
    ResultsFolder,
    load_results,
    runs_columns,
)
from sim.errors import UserError
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class BatchInfo:
    """Where a batch comes from, as its ``manifest.json`` says."""

    label: str
    folder: str
    scenario: str
    title: str | None
    sha256: str
    seed: int | None
    runs: int | None
    negsim_version: str
    overrides: tuple[str, ...] = ()


def batch_info(folder: str | Path, label: str | None = None) -> BatchInfo:
    """The :class:`BatchInfo` of a results folder (``label`` defaults to the folder's name).
    A folder without a readable ``manifest.json`` is a :class:`~sim.errors.UserError`."""
    folder = Path(folder)
    manifest = ResultsFolder(folder).manifest()
    if not isinstance(manifest, dict):
        raise UserError(f"{folder}: no readable manifest.json; not a negsim results folder")
    scenario = manifest.get("scenario") or {}
    return BatchInfo(
        label=label or folder.name,
        folder=str(folder),
        scenario=str(scenario.get("name", "?")),
        title=scenario.get("title"),
        sha256=str(scenario.get("sha256", "")),
        seed=manifest.get("seed"),
        runs=manifest.get("runs"),
        negsim_version=str(manifest.get("negsim_version", "unknown")),
        overrides=tuple(manifest.get("overrides") or ()),
    )


def is_results(folder: Path) -> bool:
    return (folder / MANIFEST).is_file()


def results_folders(paths: Sequence[str | Path]) -> list[Path]:
    """The results folders named by ``paths``: a results folder stands for itself; a folder
    of results folders (an experiment's output) for each results folder in it, by name."""
    out: list[Path] = []
    for path in map(Path, paths):
        if not path.exists():
            raise UserError(f"{path}: no such folder")
        if not path.is_dir():
            raise UserError(f"{path}: not a folder (a results folder holds manifest.json)")
        if is_results(path):
            out.append(path)
            continue
        inner = sorted(p for p in path.iterdir() if p.is_dir() and is_results(p))
        if not inner:
            raise UserError(
                f"{path}: not a negsim results folder (no manifest.json) and holds none"
            )
        out.extend(inner)
    return out


def labels_for(folders: Sequence[Path]) -> list[str]:
    """Short distinct names for folders: their names, with the parent's where two share one."""
    labels = [f.name for f in folders]
    if len(set(labels)) < len(labels):
        labels = ["/".join(f.parts[-2:]) for f in folders]
    if len(set(labels)) < len(labels):
        labels = [f"{label} #{i + 1}" for i, label in enumerate(labels)]
    return labels


@dataclass
class Batch:
    """A complete results folder, loaded: provenance, the resolved scenario, the ``runs``
    rows (the columns asked for) and whether per-round traces are there."""

    info: BatchInfo
    scenario: Scenario
    runs: pd.DataFrame
    folder: Path

    @property
    def label(self) -> str:
        return self.info.label

    @property
    def rounds_file(self) -> Path | None:
        """``rounds.parquet`` when the batch was run with ``--traces``."""
        path = self.folder / ROUNDS
        return path if path.is_file() else None


def load_batch(
    folder: str | Path, label: str | None = None, *, columns: Sequence[str] | None = None
) -> Batch:
    """A complete results folder; ``columns`` keeps only the ``runs`` columns that are or start
    with one of them (all by default). Anything else is a one-line
    :class:`~sim.errors.UserError`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder}: no such folder")
    info = batch_info(folder, label)
    if not (folder / RUNS).is_file():
        load_results(folder)  # the store's own one line: incomplete, or runs.parquet missing
        raise UserError(f"{folder}: runs.parquet is missing")
    names = runs_columns(folder)
    for column in ("deal", "round"):
        if column not in names:
            raise UserError(f"{folder}: runs.parquet has no `{column}` column")
    wanted = None if columns is None else [n for n in names if n.startswith(tuple(columns))]
    runs = load_results(folder, columns=wanted)
    if not (folder / SCENARIO).is_file():
        raise UserError(f"{folder}: scenario.yaml is missing; not a complete results folder")
    return Batch(info, load_scenario(folder / SCENARIO), runs, folder)


def replay_folder(
    folder: Path, replicate: int, seed: int | None, overrides: Sequence[str]
) -> tuple[Scenario, int]:
    """What replays replicate ``replicate`` of the batch in a results folder: its resolved
    scenario (its overrides are in it already) and its seed, read from its manifest. A
    different seed, overrides, or a replicate past the batch's N are refused."""
    info = batch_info(folder)
    if overrides:
        raise UserError(
            f"{folder}: a results folder replays its batch as it ran; --set goes with a "
            "scenario file"
        )
    if seed is not None and seed != info.seed:
        raise UserError(
            f"{folder}: the batch ran with seed {info.seed}, not {seed}; leave out --seed"
        )
    if info.runs is not None and replicate >= info.runs:
        raise UserError(
            f"--replicate: the batch in {folder} has {info.runs:,} replicates "
            f"(0 to {info.runs - 1:,}), not {replicate:,}"
        )
    if not (folder / SCENARIO).is_file():
        raise UserError(f"{folder}: scenario.yaml is missing; not a complete results folder")
    return load_scenario(folder / SCENARIO), int(info.seed)
