"""Experiments: one scenario run at several points (named variants, a grid, or a sampled
design), one results folder per point and a summary table across them (DESIGN.md §6).

An experiment file (``experiments/*.yaml``)::

    name: tomahawk
    title: Tomahawks withheld or supplied
    scenario: ../scenarios/budapest_2025.yaml   # relative to this file
    runs: 4096
    seed: 1
    variants:                                   # named points: dotted path -> value
      withheld: {}
      supplied: {issues.tomahawk.status_quo: supplied}
    # or  grid: {parties.russia.optimism: [0, 0.05, 0.1], parties.russia.learning: [0.05, 0.2]}
    # or  design: {method: lhs | sobol, samples: 32, ranges: {parties.russia.optimism: [0, 0.15]}}

Each point is a list of ``path=value`` overrides applied by
:func:`sim.scenario.loader.load_scenario`, exactly as ``--set`` applies them: the language has
one override system. Every point runs with the experiment's seed (common random numbers), so
differences between points are differences of the scenario, not of the luck of the draw.

The sweep folder holds one results folder per point, ``summary.parquet`` (one row per point)
and ``sweep.json`` (the experiment, its points and, for a sampled design, its problem
definition and sample matrix, which :mod:`sim.analysis.sensitivity` reads for Sobol indices).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.analysis.statistics import wilson_interval
from sim.errors import BatchInterrupted, Place, Problem, UserError
from sim.scenario.distributions import Finite
from sim.scenario.loader import dump_scenario, load_scenario, pydantic_problem
from sim.scenario.schema import Scenario
from sim.scenario.yamlsource import DataPath, Document, read_yaml

SUMMARY = "summary.parquet"
SWEEP = "sweep.json"
MAX_POINTS = 10_000
MAX_RUNS = 100_000_000

PointName = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]*$",
        max_length=64,
        description="the name of the point's results folder",
    ),
]
DottedPath = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$",
        max_length=300,
        description="a dotted path of the scenario, as in --set",
    ),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


class Design(_Strict):
    """A sampled design over ranges of numeric parameters."""

    method: Literal["lhs", "sobol"] = Field(
        description="lhs: a Latin hypercube of `samples` points; sobol: Saltelli's scheme "
        "for Sobol indices, samples × (parameters + 2) points (needs SALib)"
    )
    samples: int = Field(ge=1, le=MAX_POINTS, strict=True)
    ranges: dict[DottedPath, tuple[Finite, Finite]] = Field(min_length=1)
    seed: int | None = Field(None, ge=0, lt=2**32, strict=True)

    @model_validator(mode="after")
    def _check(self):
        for path, (low, high) in self.ranges.items():
            if not low < high:
                raise ValueError(f"ranges.{path}: expected [low, high] with low < high")
        if self.method == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(
                f"samples: a Sobol design needs a power of 2 (e.g. 32), got {self.samples}"
            )
        return self


class ExperimentFile(_Strict):
    """The experiment language: a scenario, runs and seed, and exactly one of ``variants``,
    ``grid`` or ``design``."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64)]
    title: str | None = None
    scenario: str = Field(min_length=1, description="scenario file, relative to this file")
    runs: int = Field(4096, ge=1, le=MAX_RUNS, strict=True)
    seed: int = Field(0, ge=0, lt=2**63, strict=True)
    variants: dict[PointName, dict[DottedPath, Any]] | None = Field(None, min_length=1)
    grid: dict[DottedPath, Annotated[list[Any], Field(min_length=1)]] | None = Field(
        None, min_length=1
    )
    design: Design | None = None

    @model_validator(mode="after")
    def _one_kind(self):
        given = [k for k in ("variants", "grid", "design") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "expected exactly one of variants, grid or design"
                + (f" (got {' and '.join(given)})" if given else "")
            )
        return self


@dataclass
class Point:
    """One point of an experiment: a name, the values it sets, and those as overrides."""

    name: str
    values: dict[str, Any]
    sources: dict[str, DataPath] = field(default_factory=dict)  # path -> place in the file

    @property
    def overrides(self) -> list[str]:
        return [f"{path}={flow(value)}" for path, value in self.values.items()]


@dataclass
class Experiment:
    """A validated experiment file and its points."""

    file: Path
    spec: ExperimentFile
    document: Document
    points: list[Point]
    design: dict[str, Any] | None = None  # method, problem, samples, seed, matrix

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def scenario_path(self) -> Path:
        return self.file.parent / self.spec.scenario

    @property
    def kind(self) -> str:
        return next(k for k in ("variants", "grid", "design") if getattr(self.spec, k))

    @property
    def paths(self) -> list[str]:
        """Every swept path, in order of first appearance."""
        return list(dict.fromkeys(p for point in self.points for p in point.values))


def flow(value: Any) -> str:
    """``value`` as one line of YAML (flow style): the right-hand side of a ``--set``."""
    text = yaml.safe_dump(value, default_flow_style=True, width=math.inf, allow_unicode=True)
    return text.strip().removesuffix("...").strip()


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file and build its points (raises UserError with
    ``FILE:LINE:COL: path: message`` for every problem)."""
    path = Path(path)
    doc = read_yaml(path)
    if not isinstance(doc.data, dict):
        raise UserError([Problem(doc.place(()), "", "an experiment must be a mapping of fields")])
    try:
        spec = ExperimentFile.model_validate(doc.data)
    except ValidationError as exc:
        raise UserError([_problem(doc, e) for e in exc.errors()]) from None
    scenario = path.parent / spec.scenario
    if not scenario.is_file():
        raise UserError(
            [Problem(doc.place(("scenario",)), "scenario", f"no such file: {scenario}")]
        )
    experiment = Experiment(path, spec, doc, [])
    if spec.variants is not None:
        experiment.points = [
            Point(name, dict(values), {p: ("variants", name, p) for p in values})
            for name, values in spec.variants.items()
        ]
    elif spec.grid is not None:
        experiment.points = _grid_points(spec.grid, doc)
    else:
        experiment.points, experiment.design = _design_points(spec, doc)
    return experiment


def _problem(doc: Document, error: dict) -> Problem:
    problem = pydantic_problem(doc, error)
    if error["type"] == "string_pattern_mismatch":
        pattern = error["ctx"]["pattern"]
        if "\\." in pattern:
            expected = "a dotted path, like parties.us.salience.tomahawk"
        elif "A-Z" in pattern:
            expected = "a name of letters, digits, _ and - (it names a results folder)"
        else:
            expected = "a name of lower-case letters, digits, _ and -"
        return Problem(problem.place, problem.path, f"expected {expected}, got {error['input']!r}")
    if problem.path == "" and error["type"] == "value_error":
        # a whole-file rule (exactly one of ...): point at the first of the kinds given
        for key in ("variants", "grid", "design"):
            if key in doc.data:
                return Problem(doc.place((key,), key=True), key, problem.message)
    if problem.path == "design" and error["type"] == "value_error":
        # ranges.<path> or samples, named in the message
        match = re.match(r"(ranges\.(\S+)|samples): (.*)", problem.message)
        if match:
            where = ("design", "ranges", match[2]) if match[2] else ("design", "samples")
            dotted = ".".join(where)
            return Problem(doc.place(where) or problem.place, dotted, match[3])
    return problem


def _point_names(count: int) -> list[str]:
    width = max(3, len(str(count - 1)))
    return [f"p{n:0{width}d}" for n in range(count)]


def _grid_points(grid: dict[str, list[Any]], doc: Document) -> list[Point]:
    """The full factorial of the grid: the first path varies slowest."""
    count = math.prod(len(v) for v in grid.values())
    if count > MAX_POINTS:
        raise UserError(
            [
                Problem(
                    doc.place(("grid",), key=True),
                    "grid",
                    f"{count:,} points; at most {MAX_POINTS:,}",
                )
            ]
        )
    paths = list(grid)
    combos = itertools.product(*(range(len(grid[p])) for p in paths))
    return [
        Point(
            name,
            {p: grid[p][i] for p, i in zip(paths, combo, strict=True)},
            {p: ("grid", p, i) for p, i in zip(paths, combo, strict=True)},
        )
        for name, combo in zip(_point_names(count), combos, strict=True)
    ]


def _design_points(spec: ExperimentFile, doc: Document) -> tuple[list[Point], dict[str, Any]]:
    design = spec.design
    assert design is not None
    names = list(design.ranges)
    bounds = [list(design.ranges[n]) for n in names]
    seed = spec.seed % 2**32 if design.seed is None else design.seed
    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    per_sample = len(names) + 2 if design.method == "sobol" else 1
    count = design.samples * per_sample
    if count > MAX_POINTS:
        raise UserError(
            [
                Problem(
                    doc.place(("design", "samples")),
                    "design.samples",
                    f"{count:,} points; at most {MAX_POINTS:,}",
                )
            ]
        )
    if design.method == "sobol":
        matrix = sobol_sample(problem, design.samples, seed)
    else:
        from scipy.stats import qmc

        try:  # scipy ≥ 1.15 names it rng; older ones, seed
            sampler = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(seed))
        except TypeError:
            sampler = qmc.LatinHypercube(d=len(names), seed=np.random.default_rng(seed))
        unit = sampler.random(design.samples)
        low, high = np.array(bounds).T
        matrix = low + unit * (high - low)
    points = [
        Point(
            name,
            {p: float(v) for p, v in zip(names, row, strict=True)},
            {p: ("design", "ranges", p) for p in names},
        )
        for name, row in zip(_point_names(len(matrix)), matrix, strict=True)
    ]
    info = {
        "method": design.method,
        "samples": design.samples,
        "seed": seed,
        "calc_second_order": False,
        "problem": problem,
        "matrix": matrix.tolist(),
    }
    return points, info


def salib():
    """SALib's Sobol sampler and analyser, or a one-line UserError without the extra."""
    try:
        from SALib.analyze import sobol as analyze
        from SALib.sample import sobol as sample
    except ImportError:
        raise UserError(
            "Sobol designs need SALib: pip install 'negsim[sobol]' (or pip install SALib)"
        ) from None
    return sample, analyze


def sobol_sample(problem: dict[str, Any], samples: int, seed: int) -> np.ndarray:
    """Saltelli's sample for first and total Sobol indices: samples × (D + 2) rows."""
    sample, _ = salib()
    return sample.sample(problem, samples, calc_second_order=False, seed=seed)


def prepare(experiment: Experiment) -> list[tuple[Point, Scenario]]:
    """Load the scenario at every point with its overrides. A problem an override causes is
    reported at the override's place in the experiment file; every point is checked before
    anything runs."""
    problems: dict[tuple, Problem] = {}  # one report of a problem many points share
    loaded = []
    for point in experiment.points:
        try:
            loaded.append((point, load_scenario(experiment.scenario_path, point.overrides)))
        except UserError as exc:
            for problem in exc.problems:
                moved = _relocate(experiment, point, problem)
                problems.setdefault((moved.place, moved.path, problem.message), moved)
    if problems:
        raise UserError(list(problems.values()))
    return loaded


def _relocate(experiment: Experiment, point: Point, problem: Problem) -> Problem:
    """Map a problem placed at ``--set path=value`` to that override's place in the
    experiment file (the key for a path that is wrong, the value for a value that is);
    other problems keep their place and name the point."""
    kind = experiment.kind
    if problem.place is not None and problem.place.file.startswith("--set "):
        path = problem.place.file.removeprefix("--set ").split("=", 1)[0].strip()
        source = point.sources.get(path)
        wrong_path = problem.message == "unknown field" or problem.message.startswith("not in ")
        if source is None:
            place = Place(str(experiment.file))
        elif kind == "grid" and wrong_path:
            place = experiment.document.place(source[:2], key=True)
        else:
            place = experiment.document.place(source, key=wrong_path)
        if kind == "variants":
            label = f"variant {point.name}"
        elif wrong_path:
            label = ""  # the same for every point
        else:
            label = f"point {point.name}: {path}={flow(point.values.get(path))}"
        message = f"{problem.message} ({label})" if label else problem.message
        return Problem(place, problem.path, message)
    label = f"variant {point.name}" if kind == "variants" else f"point {point.name}"
    source = (kind, point.name) if kind == "variants" else (kind,)
    where = experiment.document.place(source, key=True)
    note = f" (with {label} of {where})" if where else f" (with {label})"
    return Problem(problem.place, problem.path, problem.message + note)


# -- summary -------------------------------------------------------------------------------


def summary_row(runs: pd.DataFrame) -> dict[str, Any]:
    """The numbers of one point: deal probability with its Wilson interval, median round of a
    deal, per issue the median outcome of deals (option issues: the most common option among
    deals and its share), and over all replicates the mean outcome of every issue and the mean
    utility of every party (the quantities a Sobol analysis decomposes). A forecast with no
    deal column (protocol ``expected_utility``) has no deal probability, and its terms are
    those of every replicate."""
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
        low, high = wilson_interval(deals, n)
        low, high = (0.0 if deals == 0 else float(low)), (1.0 if deals == n else float(high))
        row = {
            "runs": n,
            "deals": deals,
            "deal_probability": deals / n if n else math.nan,
            "deal_low": low,
            "deal_high": high,
            "median_round": float(runs.loc[deal, "round"].median()) if deals else math.nan,
        }
    for column in runs.columns:
        if not column.startswith("outcome."):
            continue
        key = column.removeprefix("outcome.")
        labels = runs.get(f"outcome_label.{key}")
        if labels is not None:
            shares = labels[deal].value_counts(normalize=True)
            row[f"mode.{key}"] = str(shares.index[0]) if deals else None
            row[f"share.{key}"] = float(shares.iloc[0]) if deals else math.nan
        else:
            row[f"median.{key}"] = float(runs.loc[deal, column].median()) if deals else math.nan
    for column in runs.columns:
        if column.startswith("outcome."):
            row[f"mean.{column.removeprefix('outcome.')}"] = float(runs[column].mean())
    for column in runs.columns:
        if column.startswith("utility."):
            row[f"mean.{column}"] = float(runs[column].mean())
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
    from sim.batch.store import ResultsFolder

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
    on_point: Callable[[Point, dict[str, Any]], None] | None = None,
    on_block: Callable[[int], None] | None = None,
    prepared: list[tuple[Point, Scenario]] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Run every point of ``experiment`` into ``out`` (default ``results/<name>``) and write
    ``summary.parquet``; returns the summary. ``runs`` and ``seed`` replace the file's;
    ``force`` replaces earlier results, ``resume`` skips points already complete and finishes
    interrupted ones; other ``options`` (workers, executor, scheduler) go to ``run_batch``.
    ``on_point(point, row)`` is called as each point finishes; ``prepared`` is what
    :func:`prepare` returned, if the caller has it already."""
    from sim.batch.batch import check_request
    from sim.batch.executors import open_executor
    from sim.batch.store import write_atomic

    runs = experiment.spec.runs if runs is None else runs
    seed = experiment.spec.seed if seed is None else seed
    check_request(runs, seed)
    folder = Path(out) if out is not None else default_out(experiment)
    loaded = prepared if prepared is not None else prepare(experiment)
    _check_out(folder, force=force, resume=resume)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(
        folder / SWEEP, json.dumps(sweep_manifest(experiment, runs, seed), indent=2) + "\n"
    )
    rows = []
    executor = {
        key: options.pop(key) for key in ("executor", "workers", "scheduler") if key in options
    }
    with open_executor(**executor) as pool:  # one pool for every point
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
                    **options,
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
    from sim.batch.batch import run_batch
    from sim.batch.store import load_results

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


# -- report --------------------------------------------------------------------------------


MAX_FIGURES = 12


def write_sweep_report(
    folder: str | Path,
    path: str | Path,
    *,
    round_label: str = "round",
    units: dict[str, str] | None = None,
) -> list[Path]:
    """An HTML page for a sweep folder (and PNGs beside it): the summary table and the deal
    probability along the sweep. Returns the files written."""
    from sim.analysis import plots
    from sim.analysis.report import Section, Table, write_report
    from sim.views.sweep import deal_text, issue_cells, summary_issues

    folder = Path(folder)
    summary = load_summary(folder)
    info = read_sweep(folder) or {}
    units = units or {}
    sets = [c for c in summary.columns if c.startswith("set.")]
    issues = summary_issues(summary)
    headings = [
        "point",
        *(c.removeprefix("set.") for c in sets),
        "deal (95% interval)",
        f"median {round_label}",
        *(f"{i} ({units[i]})" if units.get(i) else i for i in issues),
    ]
    rows = [
        [
            str(row["point"]),
            *(
                "—"
                if pd.isna(row[c])
                else f"{row[c]:,.4g}"
                if isinstance(row[c], float)
                else str(row[c])
                for c in sets
            ),
            deal_text(row),
            "—" if pd.isna(row["median_round"]) else f"{row['median_round']:g}",
            *issue_cells(row, issues),
        ]
        for _, row in summary.iterrows()
    ]
    experiment = info.get("experiment") or {}
    text = [
        f"Experiment {experiment.get('name', '?')} ({experiment.get('file', '?')}) on "
        f"{info.get('scenario', '?')}: {len(summary)} points, "
        f"{int(summary['runs'].iloc[0]):,} replicates each, seed {info.get('seed', '?')} "
        "at every point.",
        "Issue columns: medians among deals (option issues: the most common option among "
        "deals and its share).",
    ]
    table = Table(headings, rows, align=["left"] + ["right"] * (len(headings) - 1))
    figures = _deal_figures(summary, info, plots)
    sections = [Section("Summary", text=text, tables=[table], figures=figures)]
    title = f"Sweep: {experiment.get('title') or experiment.get('name') or folder.name}"
    return write_report(path, title, sections)


def _deal_figures(summary: pd.DataFrame, info: dict[str, Any], plots) -> list:
    """Deal probability along the sweep: bars per variant; along the first swept path for a
    grid, one line for each combination of the others; against each range of a design."""
    estimates = summary["deal_probability"].to_numpy()
    intervals = list(zip(summary["deal_low"], summary["deal_high"], strict=True))
    paths = info.get("paths") or [c.removeprefix("set.") for c in summary if c.startswith("set.")]
    kind = info.get("kind")
    numeric = [p for p in paths if pd.api.types.is_numeric_dtype(summary[f"set.{p}"])]
    if kind == "design":
        return [_scatter(summary, p) for p in paths[:MAX_FIGURES]]
    if kind == "grid" and paths and paths[0] in numeric:
        first, others = paths[0], paths[1:]
        figures = []
        groups = (
            summary.groupby([f"set.{p}" for p in others], sort=False) if others else [((), summary)]
        )
        for key, group in groups:
            key = key if isinstance(key, tuple) else (key,)
            fixed = ", ".join(f"{p} = {_show(v)}" for p, v in zip(others, key, strict=True))
            figures.append(
                plots.deal_probability(
                    list(group["point"]),
                    group["deal_probability"].to_numpy(),
                    list(zip(group["deal_low"], group["deal_high"], strict=True)),
                    x=group[f"set.{first}"].to_numpy(dtype=float),
                    xlabel=first,
                    title=f"Deal probability along {first}" + (f" ({fixed})" if fixed else ""),
                )
            )
            if len(figures) == MAX_FIGURES:
                break
        return figures
    return [
        plots.deal_probability(
            list(summary["point"]),
            estimates,
            intervals,
            xlabel="variant" if kind == "variants" else "point",
        )
    ]


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | np.floating | np.integer):
        return f"{float(value):g}"
    return flow(value)


def _scatter(summary: pd.DataFrame, path: str):
    """Deal probability of each design point against one swept parameter, with its
    interval (the design varies the others at the same time)."""
    import matplotlib

    from sim.analysis import plots  # noqa: F401  (selects a headless backend)

    with matplotlib.rc_context({"axes.spines.top": False, "axes.spines.right": False}):
        from matplotlib.figure import Figure

        figure = Figure(figsize=(6.5, 3.8), layout="constrained")
        axes = figure.add_subplot()
        x = summary[f"set.{path}"].to_numpy(dtype=float)
        y = 100 * summary["deal_probability"].to_numpy()
        low = 100 * summary["deal_low"].to_numpy()
        high = 100 * summary["deal_high"].to_numpy()
        axes.errorbar(
            x,
            y,
            yerr=[y - low, high - y],
            fmt="o",
            markersize=3.5,
            alpha=0.7,
            elinewidth=0.8,
            color="#1f77b4",
        )
        axes.set_ylim(0, 105)
        axes.set_xlabel(path)
        axes.set_ylabel("deal probability (%)")
        axes.grid(alpha=0.3)
        axes.set_title(f"Deal probability against {path} (the other parameters vary too)")
    return figure
