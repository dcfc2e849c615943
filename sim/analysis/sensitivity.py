"""Which uncertain parameters drive each outcome (DESIGN.md §6).

- **One batch** (a results folder): the partial rank correlation coefficient (PRCC) of every
  drawn parameter (``param.*``) with every outcome: deal (0/1), the round of a deal (deals
  only), each ``outcome.<issue>`` and each ``utility.<party>``. PRCC rank-transforms the
  parameters and the outcome, removes from both the linear effect of every *other* parameter
  by least squares, and correlates the residuals (Marino, Hogue, Ray & Kirschner 2008, J.
  Theor. Biol. 254:178). It measures a monotone effect with the others held fixed; an effect
  that rises and then falls can show as ~0. Intervals use Fisher's z with ``n − 3 − c``
  (``c`` = the number of parameters held fixed) and the Bonett–Wright variance of a rank
  correlation; p-values the t-test with ``n − 2 − c`` degrees of freedom.
- **A sweep** (``negsim sweep`` output) **of a Sobol design**: first-order and total Sobol
  indices of deal probability and of the per-point means of every issue and utility, by
  SALib's analyser on the design's own problem definition (``sweep.json``), with bootstrap
  intervals. **A sweep of a Latin hypercube or a numeric grid**: PRCC across its points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.errors import UserError

PARAM = "param."


@dataclass
class Effect:
    """One parameter's PRCC with one outcome."""

    parameter: str
    prcc: float
    low: float
    high: float
    p_value: float


@dataclass
class SobolIndex:
    """One parameter's Sobol indices for one outcome, with their confidence half-widths."""

    parameter: str
    first: float
    first_conf: float
    total: float
    total_conf: float


@dataclass
class OutcomeSensitivity:
    """The effects on one outcome, ranked by size (largest |PRCC| or total index first)."""

    outcome: str
    title: str
    n: int
    effects: list[Effect] = field(default_factory=list)
    indices: list[SobolIndex] = field(default_factory=list)


@dataclass
class Sensitivity:
    """A sensitivity analysis: ``method`` is ``prcc`` or ``sobol``."""

    method: str
    source: str
    n: int  # replicates (one batch) or points (a sweep)
    parameters: list[str]
    outcomes: list[OutcomeSensitivity]
    notes: list[str] = field(default_factory=list)
    confidence: float = 0.95
    unit: str = "replicates"  # what n counts: replicates, or the points of a sweep


# -- PRCC ----------------------------------------------------------------------------------


def prcc(
    x: np.ndarray, y: np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Partial rank correlation of each column of ``x`` (n × k parameters) with each column of
    ``y`` (n × m outcomes): ``(prcc, low, high, p_value)``, each k × m.

    Ranks (ties averaged), then for each parameter one least-squares fit of it and of every
    outcome on the other parameters (with an intercept); the PRCC is the correlation of the
    residuals. NaN where a residual has no variance (e.g. a constant outcome).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    n, k = x.shape
    m = y.shape[1]
    rx = stats.rankdata(x, axis=0)
    ry = stats.rankdata(y, axis=0)
    r = np.full((k, m), np.nan)
    ones = np.ones((n, 1))
    for j in range(k):
        design = np.hstack([ones, np.delete(rx, j, axis=1)])
        target = np.hstack([rx[:, j : j + 1], ry])
        coefficients, *_ = np.linalg.lstsq(design, target, rcond=None)
        residuals = target - design @ coefficients
        residuals -= residuals.mean(axis=0)
        norms = np.sqrt((residuals**2).sum(axis=0))
        scale = np.sqrt(((target - target.mean(axis=0)) ** 2).sum(axis=0))
        # a residual that is only rounding noise of an exact fit has no variance of its own
        usable = (scale > 0) & (norms > 1e-9 * scale)
        if not usable[0]:
            continue
        cross = residuals[:, 1:].T @ residuals[:, 0]
        with np.errstate(invalid="ignore", divide="ignore"):
            r[j] = np.where(usable[1:], cross / (norms[1:] * norms[0]), np.nan)
    r = np.clip(r, -1.0, 1.0)
    low, high, p = _fisher(r, n, k - 1, confidence)
    return r, low, high, p


def _fisher(
    r: np.ndarray, n: int, controls: int, confidence: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Interval and two-sided p-value of partial rank correlations with ``c`` controls.

    The interval is Fisher's z with the variance of a rank correlation, (1 + r²/2)/(n − 3 − c)
    (Bonett & Wright 2000; plain Fisher z is too narrow for strong rank correlations); the
    p-value is the t-test of r = 0 with n − 2 − c degrees of freedom."""
    dof = n - 2 - controls
    if dof < 2:
        nan = np.full_like(r, np.nan)
        return nan, nan, nan
    z = stats.norm.ppf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = np.arctanh(np.clip(r, -1 + 1e-15, 1 - 1e-15))
        half = z * np.sqrt((1 + r * r / 2) / (dof - 1))
        low, high = np.tanh(centre - half), np.tanh(centre + half)
        t = r * np.sqrt(dof / np.maximum(1 - r * r, 1e-300))
        p = 2 * stats.t.sf(np.abs(t), dof)
    return low, high, p


def _ranked(effects: list[Effect]) -> list[Effect]:
    """Largest |PRCC| first; undefined ones last."""
    return sorted(effects, key=lambda e: -abs(e.prcc) if not math.isnan(e.prcc) else 1.0)


# -- one batch -----------------------------------------------------------------------------


def _option_orders(scenario) -> dict[str, tuple[str, ...]]:
    if scenario is None:
        return {}
    return {iid: tuple(issue.options) for iid, issue in scenario.issues.items() if issue.options}


def parameter_matrix(runs: pd.DataFrame, scenario=None) -> tuple[pd.DataFrame, list[str]]:
    """The drawn parameters that vary, as numbers (one column each, ``param.`` dropped), and
    notes on what was left out. Option draws become the option's place in its issue's order
    (0, 1, ..) when ``scenario`` tells that order; otherwise they are left out."""
    orders = _option_orders(scenario)
    columns, notes = {}, []
    for column in runs.columns:
        if not column.startswith(PARAM):
            continue
        name = column.removeprefix(PARAM)
        values = runs[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            names = set(values.dropna().astype(str))
            segments = name.split(".")
            order = next(
                (orders[s] for s in reversed(segments) if s in orders and names <= set(orders[s])),
                None,
            )
            if order is None:
                notes.append(f"{name}: option draws with no known order, left out")
                continue
            values = values.map({o: float(i) for i, o in enumerate(order)})
            notes.append(f"{name}: options coded by their order ({', '.join(order)} = 0, 1, ..)")
        values = values.astype(float)
        if values.isna().any():
            notes.append(f"{name}: missing values, left out")
            continue
        if values.nunique() < 2:
            continue
        columns[name] = values.to_numpy()
    return pd.DataFrame(columns, index=runs.index), notes


def outcome_columns(runs: pd.DataFrame, round_label: str = "round") -> list[tuple[str, str]]:
    """(column, title) of every outcome of a batch that sensitivity ranks."""
    found = [("deal", "deal: 1 or 0"), ("round", f"{round_label} of a deal, among deals")]
    found += [(c, c) for c in runs.columns if c.startswith("outcome.")]
    found += [(c, c) for c in runs.columns if c.startswith("utility.")]
    return [(c, t) for c, t in found if c in runs.columns]


def batch_sensitivity(
    runs: pd.DataFrame, scenario=None, *, source: str = "", confidence: float = 0.95
) -> Sensitivity:
    """PRCC of every varying drawn parameter with every outcome of one batch."""
    params, notes = parameter_matrix(runs, scenario)
    if params.shape[1] == 0:
        raise UserError(
            f"{source or 'the batch'}: no uncertain parameter varies in this batch; "
            "write a distribution in the scenario (or sweep a value with negsim sweep)"
        )
    label = getattr(scenario, "round_label", None) or "round"
    deal = runs["deal"].fillna(False).astype(bool).to_numpy()
    x_all = params.to_numpy()
    k = x_all.shape[1]
    found: dict[str, OutcomeSensitivity] = {}
    groups: dict[str, list[tuple[str, str, np.ndarray]]] = {"all": [], "deals": []}
    constant: list[str] = []
    for column, title in outcome_columns(runs, label):
        group = "deals" if column == "round" else "all"
        rows = deal if group == "deals" else slice(None)
        y = runs[column][rows].astype(float).to_numpy()
        if column in ("deal", "round") and runs["deal"].isna().all():
            if column == "deal":
                notes.append("deal, round: none under this protocol (its outcome is a forecast)")
        elif np.isnan(y).any():
            notes.append(f"{column}: missing values, left out")
        elif len(y) - 3 - (k - 1) < 2:
            notes.append(f"{column}: too few replicates ({len(y)}) for {k} parameters")
        elif np.ptp(y) == 0:
            constant.append(column)
        else:
            groups[group].append((column, title, y))
    if constant:
        notes.append(f"the same in every replicate, nothing to explain: {', '.join(constant)}")
    for group, items in groups.items():
        if not items:
            continue
        x = x_all[deal] if group == "deals" else x_all
        y = np.column_stack([item[2] for item in items])
        r, low, high, p = prcc(x, y, confidence)
        for i, (column, title, _) in enumerate(items):
            effects = [
                Effect(name, r[j, i], low[j, i], high[j, i], p[j, i])
                for j, name in enumerate(params.columns)
            ]
            found[column] = OutcomeSensitivity(column, title, len(y), _ranked(effects))
    order = [column for column, _ in outcome_columns(runs, label)]
    outcomes = [found[c] for c in order if c in found]
    return Sensitivity("prcc", source, len(runs), list(params.columns), outcomes, notes, confidence)


# -- a sweep -------------------------------------------------------------------------------


def _sweep_outcomes(summary: pd.DataFrame) -> list[tuple[str, str]]:
    found = [("deal_probability", "deal probability")]
    for column in summary.columns:
        if column.startswith("mean."):
            key = column.removeprefix("mean.")
            found.append(
                (column, f"mean {key if key.startswith('utility.') else 'outcome.' + key}")
            )
    return found


def sweep_sensitivity(folder: str | Path, *, confidence: float = 0.95) -> Sensitivity:
    """Sobol indices of a Sobol sweep, or PRCC across the points of another numeric sweep."""
    from sim.analysis.experiments import load_summary, read_sweep

    folder = Path(folder)
    info = read_sweep(folder)
    if info is None:
        raise UserError(f"{folder}: no sweep.json; not a negsim sweep folder")
    summary = load_summary(folder)
    design = info.get("design")
    if design and design.get("method") == "sobol":
        return _sobol(folder, summary, design, confidence)
    columns = {}
    notes = []
    for path in info.get("paths", []):
        values = summary.get(f"set.{path}")
        if values is None or not pd.api.types.is_numeric_dtype(values) or values.isna().any():
            notes.append(f"{path}: not a number at every point, left out")
        elif values.nunique() > 1:
            columns[path] = values.to_numpy(dtype=float)
    if not columns:
        raise UserError(
            f"{folder}: this sweep sets no numeric parameter at every point; compare its "
            "points with negsim compare instead"
        )
    x = np.column_stack(list(columns.values()))
    outcomes = []
    for column, title in _sweep_outcomes(summary):
        y = summary[column].to_numpy(dtype=float)
        if np.isnan(y).any() or np.ptp(y) == 0:
            notes.append(f"{column}: missing or the same at every point, left out")
            continue
        if len(y) - 3 - (x.shape[1] - 1) < 2:
            raise UserError(f"{folder}: too few points ({len(y)}) for PRCC")
        r, low, high, p = prcc(x, y, confidence)
        effects = [
            Effect(name, r[j, 0], low[j, 0], high[j, 0], p[j, 0]) for j, name in enumerate(columns)
        ]
        outcomes.append(OutcomeSensitivity(column, title, len(y), _ranked(effects)))
    return Sensitivity(
        "prcc", str(folder), len(summary), list(columns), outcomes, notes, confidence, "points"
    )


def _sobol(folder: Path, summary: pd.DataFrame, design: dict, confidence: float) -> Sensitivity:
    from sim.analysis.experiments import salib

    _, analyze = salib()
    problem = design["problem"]
    expected = design["samples"] * (problem["num_vars"] + 2)
    if len(summary) != expected:
        raise UserError(
            f"{folder}: a Sobol design of {design['samples']} samples has {expected} points; "
            f"the summary has {len(summary)}"
        )
    outcomes, notes = [], []
    for column, title in _sweep_outcomes(summary):
        y = summary[column].to_numpy(dtype=float)
        if np.isnan(y).any() or np.ptp(y) == 0:
            notes.append(f"{column}: missing or the same at every point, left out")
            continue
        result = analyze.analyze(
            problem,
            y,
            calc_second_order=False,
            conf_level=confidence,
            print_to_console=False,
            seed=design.get("seed", 0),
        )
        indices = [
            SobolIndex(
                name,
                float(result["S1"][j]),
                float(result["S1_conf"][j]),
                float(result["ST"][j]),
                float(result["ST_conf"][j]),
            )
            for j, name in enumerate(problem["names"])
        ]
        indices.sort(key=lambda s: -s.total if not math.isnan(s.total) else 0.0)
        outcomes.append(OutcomeSensitivity(column, title, len(y), indices=indices))
    notes.append(
        "indices of the per-point deal probability and means, each point "
        f"{int(summary['runs'].iloc[0]):,} replicates: Monte Carlo noise adds to the "
        "unexplained share"
    )
    return Sensitivity(
        "sobol",
        str(folder),
        len(summary),
        list(problem["names"]),
        outcomes,
        notes,
        confidence,
        "points",
    )


# -- entry point ---------------------------------------------------------------------------


def analyze_folder(folder: str | Path, *, confidence: float = 0.95) -> Sensitivity:
    """Sensitivity of a results folder (PRCC over its replicates) or of a sweep folder."""
    from sim.analysis.experiments import is_sweep
    from sim.batch.store import load_results
    from sim.scenario.loader import load_scenario

    folder = Path(folder)
    if is_sweep(folder):
        return sweep_sensitivity(folder, confidence=confidence)
    runs = load_results(folder)
    scenario = None
    if (folder / "scenario.yaml").is_file():
        try:
            scenario = load_scenario(folder / "scenario.yaml")
        except UserError:
            scenario = None
    return batch_sensitivity(runs, scenario, source=str(folder), confidence=confidence)


# -- report --------------------------------------------------------------------------------


def write_sensitivity_report(result: Sensitivity, path: str | Path) -> list[Path]:
    """An HTML page (and PNGs beside it): per outcome, the ranked table and a tornado chart
    of every parameter with its interval. Returns the files written."""
    from sim.analysis import plots
    from sim.analysis.report import Section, Table, write_report
    from sim.views.sensitivity import (
        PRCC_COLUMNS,
        SOBOL_COLUMNS,
        headline,
        prcc_rows,
        sobol_rows,
    )

    sections = [
        Section(
            "What was measured",
            text=[headline(result), *_method_text(result), *(f"Note: {n}" for n in result.notes)],
        )
    ]
    for outcome in result.outcomes:
        if result.method == "prcc":
            table = Table(PRCC_COLUMNS, prcc_rows(outcome), align=_ALIGN[:5])
            shown = [e for e in outcome.effects if not math.isnan(e.prcc)]
            figure = plots.tornado(
                [e.parameter for e in shown],
                [e.prcc for e in shown],
                [(e.low, e.high) for e in shown],
                title=f"What drives {outcome.title}",
                xlabel="partial rank correlation (95% interval)",
            )
        else:
            table = Table(SOBOL_COLUMNS, sobol_rows(outcome), align=_ALIGN[:4])
            figure = plots.tornado(
                [s.parameter for s in outcome.indices],
                [s.total for s in outcome.indices],
                [(s.total - s.total_conf, s.total + s.total_conf) for s in outcome.indices],
                title=f"What drives {outcome.title}",
                xlabel="total Sobol index ST (95% interval)",
            )
        sections.append(
            Section(
                f"{outcome.title} ({outcome.n:,} {result.unit})",
                tables=[table],
                figures=[figure],
            )
        )
    title = f"Sensitivity: {Path(result.source).name or result.source}"
    return write_report(path, title, sections, batches=_batches(result))


_ALIGN = ["right", "left", "right", "right", "right"]


def _method_text(result: Sensitivity) -> list[str]:
    if result.method == "prcc":
        return [
            "Partial rank correlation (PRCC; Marino et al. 2008): the parameters and the "
            "outcome are replaced by their ranks, the linear effect of every other parameter "
            "is removed from both by least squares, and the residuals are correlated. −1..1: "
            "the strength of a monotone effect with the others held fixed. 95% intervals by "
            "Fisher's z (Bonett–Wright variance); p-values test PRCC = 0.",
        ]
    return [
        "Sobol indices (Saltelli's scheme; SALib) of the per-point outcomes of the sweep: S1 is "
        "the share of their variance due to one parameter alone, ST includes its "
        "interactions with the others. Intervals are 95% bootstrap half-widths.",
    ]


def _batches(result: Sensitivity) -> list:
    """The provenance of a single batch for the report (none for a sweep)."""
    from sim.analysis.report import batch_info

    if result.unit != "replicates":
        return []
    try:
        return [batch_info(result.source)]
    except UserError:
        return []
