"""The results folder (docs/design.md §5): ``runs.parquet``, ``rounds.parquet`` (traces),
``manifest.json`` and the resolved ``scenario.yaml``.

While a batch runs, each finished block is written to its own file under ``blocks/``; when
every block is there they are joined, in replicate order, into ``runs.parquet`` (one row group
per block) and the block files are removed. So memory stays bounded by the blocks in flight,
an interrupted batch keeps every finished block, and a resumed batch ends with the same bytes
as an uninterrupted one. Every file is written to a temporary name and renamed into place, so a
reader never sees half a file; the manifest says whether the batch is ``complete``. An existing
results folder is never overwritten unless asked (``force``).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
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
BLOCKS = "blocks"
RESULT_FILES = (RUNS, ROUNDS, MANIFEST, SCENARIO)


def identity(manifest: dict[str, Any]) -> dict[str, Any]:
    """What identifies a batch: a resumed batch must agree on all of it."""
    return {
        "scenario": manifest.get("scenario", {}).get("sha256"),
        **{key: manifest.get(key) for key in ("seed", "runs", "block_size", "traces")},
    }


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    temporary = path.with_name(f".{path.name}.tmp")
    if isinstance(data, str):
        temporary.write_text(data, encoding="utf-8")
    else:
        temporary.write_bytes(data)
    os.replace(temporary, path)


def write_table_atomic(path: Path, table: pa.Table) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, temporary)
    os.replace(temporary, path)


class ResultsFolder:
    """One batch's folder of results."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    @property
    def blocks(self) -> Path:
        return self.path / BLOCKS

    def manifest(self) -> dict[str, Any] | None:
        """The manifest, or None when there is none (or it cannot be read)."""
        try:
            return json.loads((self.path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_atomic(self.path / MANIFEST, json.dumps(manifest, indent=2) + "\n")

    def create(self, *, force: bool) -> None:
        """Make the folder ready for a new batch: refuse an existing non-empty folder unless
        ``force``, which removes previous results (and nothing that is not ours)."""
        if self.path.exists() and not self.path.is_dir():
            raise UserError(f"{self.path}: exists and is not a folder")
        if self.path.is_dir() and any(self.path.iterdir()):
            if not force:
                raise UserError(
                    f"{self.path}: already holds results; use --resume to finish an "
                    "interrupted batch, --force to replace them, or another --out"
                )
            if self.manifest() is None and not any(
                (self.path / name).exists() for name in RESULT_FILES
            ):
                raise UserError(f"{self.path}: not a negsim results folder; refusing to replace it")
            for name in RESULT_FILES:
                (self.path / name).unlink(missing_ok=True)
            shutil.rmtree(self.blocks, ignore_errors=True)
        self.blocks.mkdir(parents=True, exist_ok=True)

    def check_resumable(self, planned: dict[str, Any]) -> dict[str, Any]:
        """The manifest of the batch here, if it is the ``planned`` one, or a UserError."""
        manifest = self.manifest()
        if manifest is None:
            raise UserError(f"{self.path}: nothing to resume (no {MANIFEST})")
        there, now = identity(manifest), identity(planned)
        changed = [key for key in there if there[key] != now[key]]
        if changed:
            what = ", ".join(f"{key} {there[key]!r} there, {now[key]!r} now" for key in changed)
            raise UserError(f"{self.path}: --resume needs the same batch ({what})")
        if manifest.get("status") != "complete":
            self.blocks.mkdir(exist_ok=True)
        return manifest

    def block_file(self, kind: str, block: int) -> Path:
        return self.blocks / f"{kind}-{block:06d}.parquet"

    def finished_blocks(self) -> set[int]:
        """Blocks whose results are on disk (each file is renamed into place when complete)."""
        done = set()
        for path in self.blocks.glob("runs-*.parquet"):
            try:
                pq.read_metadata(path)
            except (OSError, pa.ArrowException):
                continue
            done.add(int(path.stem.split("-")[1]))
        return done

    def write_block(self, block: int, runs: pa.Table, rounds: pa.Table | None) -> None:
        """Store one finished block (its rounds first: the runs file marks it done)."""
        if rounds is not None:
            write_table_atomic(self.block_file("rounds", block), rounds)
        write_table_atomic(self.block_file("runs", block), runs)

    def read_block(self, block: int) -> pa.Table:
        return pq.read_table(self.block_file("runs", block))

    def assemble(self, blocks: Sequence[int], traces: bool) -> None:
        """Join the block files, in block order, into the final files; remove the blocks."""
        _join([self.block_file("runs", b) for b in blocks], self.path / RUNS)
        if traces:
            parts = [self.block_file("rounds", b) for b in blocks]
            _join([p for p in parts if p.exists()], self.path / ROUNDS)
        shutil.rmtree(self.blocks, ignore_errors=True)


def _join(parts: Iterable[Path], target: Path) -> None:
    """Stream parquet files into one, a row group each, through a temporary file."""
    temporary = target.with_name(f".{target.name}.tmp")
    writer = None
    try:
        for part in parts:
            table = pq.read_table(part)
            if writer is None:
                writer = pq.ParquetWriter(temporary, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
    if writer is not None:
        os.replace(temporary, target)


@contextmanager
def _readable(folder: Path) -> Iterator[None]:
    """A damaged runs.parquet is the user's problem to fix, said in one line."""
    try:
        yield
    except (OSError, pa.ArrowException) as exc:
        raise UserError(f"{folder}: {RUNS} cannot be read ({exc})") from None


def runs_columns(folder: str | Path) -> list[str]:
    """The column names of a complete batch's ``runs.parquet``."""
    with _readable(Path(folder)):
        return pq.read_schema(Path(folder) / RUNS).names


def to_frame(table: pa.Table) -> pd.DataFrame:
    """A results table as pandas, integer and true/false columns as pandas' nullable types: a
    column's type then does not depend on whether some of its rows are null (``durable`` is
    null where there was no deal)."""
    nullable = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}
    return table.to_pandas(types_mapper=nullable.get)


def load_results(
    folder: str | Path, *, allow_incomplete: bool = False, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """The ``runs`` of a results folder as a pandas DataFrame (one row per replicate).

    An incomplete batch is refused unless ``allow_incomplete``: then the rows of its finished
    blocks are returned, in replicate order.
    """
    results = ResultsFolder(folder)
    manifest = results.manifest()
    if manifest is None:
        raise UserError(f"{results.path}: no {MANIFEST}; not a negsim results folder")
    if manifest.get("status") == "complete":
        if not (results.path / RUNS).is_file():
            raise UserError(f"{results.path}: {RUNS} is missing")
        with _readable(results.path):
            return to_frame(pq.read_table(results.path / RUNS, columns=columns))
    if not allow_incomplete:
        raise UserError(
            f"{results.path}: the batch is incomplete; finish it with negsim run ... --resume "
            "(or load it with allow_incomplete=True)"
        )
    parts = [
        pq.read_table(results.block_file("runs", b), columns=columns)
        for b in sorted(results.finished_blocks())
    ]
    if not parts:
        raise UserError(f"{results.path}: no finished block yet")
    return to_frame(pa.concat_tables(parts))
