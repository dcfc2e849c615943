"""The points of an experiment: named variants, the full factorial of a grid, or a sampled
design over ranges (a Latin hypercube, or Saltelli's scheme for Sobol indices).

A point is a name and the values it sets, each a dotted path of the scenario; its overrides
are the same ``path=value`` lines ``--set`` takes. Points are named ``p000``, ``p001``, … (a
variant keeps its own name), and remember where in the experiment file each value was
written, so a problem a value causes is reported there.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import yaml

from sim.errors import Problem, UserError
from sim.scenario.yamlsource import DataPath, Document

MAX_POINTS = 10_000


def flow(value: Any) -> str:
    """``value`` as one line of YAML (flow style): the right-hand side of a ``--set``."""
    text = yaml.safe_dump(value, default_flow_style=True, width=math.inf, allow_unicode=True)
    return text.strip().removesuffix("...").strip()


@dataclass
class Point:
    """One point of an experiment: a name, the values it sets, and those as overrides."""

    name: str
    values: dict[str, Any]
    sources: dict[str, DataPath] = field(default_factory=dict)  # path -> place in the file

    @property
    def overrides(self) -> list[str]:
        return [f"{path}={flow(value)}" for path, value in self.values.items()]


def variant_points(variants: dict[str, dict[str, Any]]) -> list[Point]:
    """One point per named variant (``{}``: the scenario as written)."""
    return [
        Point(name, dict(values), {p: ("variants", name, p) for p in values})
        for name, values in variants.items()
    ]


def _point_names(count: int) -> list[str]:
    width = max(3, len(str(count - 1)))
    return [f"p{n:0{width}d}" for n in range(count)]


def _too_many(doc: Document, where: tuple[str, ...], count: int) -> UserError:
    place = doc.place(where, key=where == ("grid",))  # a grid's size is its key's fault
    return UserError([Problem(place, ".".join(where), f"{count:,} points; at most {MAX_POINTS:,}")])


def grid_points(grid: dict[str, list[Any]], doc: Document) -> list[Point]:
    """The full factorial of the grid: the first path varies slowest."""
    count = math.prod(len(v) for v in grid.values())
    if count > MAX_POINTS:
        raise _too_many(doc, ("grid",), count)
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


def design_points(
    method: str, samples: int, ranges: dict[str, tuple[float, float]], seed: int, doc: Document
) -> tuple[list[Point], dict[str, Any]]:
    """The points of a sampled design over ``ranges`` and what a Sobol analysis needs to read
    them back (``sweep.json``: method, samples, seed, SALib's problem and the sample matrix).

    ``lhs``: a Latin hypercube of ``samples`` points (McKay, Beckman & Conover 1979;
    ``scipy.stats.qmc.LatinHypercube``). ``sobol``: Saltelli's scheme for first and total
    indices, ``samples × (D + 2)`` points (Saltelli et al. 2010; SALib's sampler)."""
    names = list(ranges)
    bounds = [list(ranges[n]) for n in names]
    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    per_sample = len(names) + 2 if method == "sobol" else 1
    count = samples * per_sample
    if count > MAX_POINTS:
        raise _too_many(doc, ("design", "samples"), count)
    if method == "sobol":
        matrix = sobol_sample(problem, samples, seed)
    else:
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(seed)).random(samples)
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
        "method": method,
        "samples": samples,
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
