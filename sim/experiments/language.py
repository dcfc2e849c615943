"""The experiment language: a file that names a scenario and the points to run it at (named
variants, a grid, or a sampled design), validated like a scenario.

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
one override system. Every problem is reported as ``FILE:LINE:COL: path: message``: a problem
in the file at its place, and a problem an override causes in the scenario at the override's
place in the experiment file (:func:`prepare`). The points themselves are built by
:mod:`sim.experiments.designs`; :mod:`sim.experiments.sweep` runs them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.batch.limits import DEFAULT_RUNS, DEFAULT_SEED, MAX_RUNS
from sim.errors import Place, Problem, UserError
from sim.experiments.designs import (
    MAX_POINTS,
    Point,
    design_points,
    flow,
    grid_points,
    variant_points,
)
from sim.scenario.distributions import Finite
from sim.scenario.loader import load_scenario, pydantic_problem
from sim.scenario.schema import Scenario
from sim.scenario.yamlsource import Document, read_yaml

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
    runs: int = Field(DEFAULT_RUNS, ge=1, le=MAX_RUNS, strict=True)
    seed: int = Field(DEFAULT_SEED, ge=0, lt=2**63, strict=True)
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
        experiment.points = variant_points(spec.variants)
    elif spec.grid is not None:
        experiment.points = grid_points(spec.grid, doc)
    else:
        design = spec.design
        seed = spec.seed % 2**32 if design.seed is None else design.seed
        experiment.points, experiment.design = design_points(
            design.method, design.samples, dict(design.ranges), seed, doc
        )
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
        wrong_path = problem.message.startswith(("unknown field", "not in "))
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
