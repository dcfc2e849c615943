"""The results folder (DESIGN.md §5): ``runs.parquet``, ``rounds.parquet`` (traces),
``manifest.json`` and the resolved ``scenario.yaml``.

Every file is written to a temporary name and renamed into place, so a reader never sees half
a file; the manifest says whether the batch is ``complete``. An existing results folder is never
overwritten unless asked (``force``).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import UserError

RUNS, ROUNDS, MANIFEST, SCENARIO = (
    "runs.parquet",
    "rounds.parquet",
    "manifest.json",
    "scenario.yaml",
)
RESULT_FILES = (RUNS, ROUNDS, MANIFEST, SCENARIO)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def prepare_folder(folder: Path, *, force: bool) -> None:
    """Create ``folder`` for a new batch; refuse an existing non-empty one unless ``force``,
    which removes the previous results (and only those)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder}: exists and is not a folder")
    if folder.is_dir() and any(folder.iterdir()):
        if not force:
            raise UserError(
                f"{folder}: already holds results; use --force to replace them or another --out"
            )
        if read_manifest(folder) is None and not any((folder / f).exists() for f in RESULT_FILES):
            raise UserError(f"{folder}: not a negsim results folder; refusing to replace it")
        for name in RESULT_FILES:
            (folder / name).unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)


class TableStream:
    """Appends blocks to a Parquet file as row groups; renamed into place on ``close``."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.temporary = self.path.with_name(f".{self.path.name}.tmp")
        self.writer: pq.ParquetWriter | None = None

    def write(self, table: pa.Table) -> None:
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.temporary, table.schema)
        self.writer.write_table(table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            os.replace(self.temporary, self.path)
            self.writer = None

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        self.temporary.unlink(missing_ok=True)


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    write_atomic(Path(folder) / MANIFEST, json.dumps(manifest, indent=2, sort_keys=False) + "\n")


def to_frame(table: pa.Table) -> pd.DataFrame:
    """A results table as pandas, integer columns with nulls kept as nullable integers."""
    return table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def load_results(folder: str | Path, *, allow_incomplete: bool = False) -> pd.DataFrame:
    """The ``runs`` of a results folder as a pandas DataFrame (one row per replicate)."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest is None:
        raise UserError(f"{folder}: no {MANIFEST}; not a negsim results folder")
    if manifest.get("status") != "complete" and not allow_incomplete:
        raise UserError(f"{folder}: the batch is incomplete (resume it, or allow_incomplete)")
    if not (folder / RUNS).is_file():
        raise UserError(f"{folder}: {RUNS} is missing")
    return to_frame(pq.read_table(folder / RUNS))


def remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
