"""Which assumptions and events drive each outcome of a batch, or of a sweep (docs/design.md §6).

- **One batch** (a results folder): the drivers are every drawn parameter that varies
  (``param.*``) and every event, fired or not (``event.*``); the outcomes are the deal (0/1),
  the round of a deal (deals only), each party's payoff (``payoff.<party>``: deal and no deal
  on one footing), each issue's outcome, each party's utility of the outcome, and any other
  outcome the model writes. For each outcome:

  - the partial rank correlation coefficient (PRCC) of each driver: PRCC rank-transforms the
    drivers and the outcome, removes from both the linear effect of every *other* driver by
    least squares, and correlates the residuals (Marino, Hogue, Ray & Kirschner 2008, J.
    Theor. Biol. 254:178). It measures a monotone effect with the others held fixed; an
    effect that rises and then falls can show as ~0. Intervals use Fisher's z with
    ``n − 3 − c`` (``c`` = the drivers held fixed) and the Bonett–Wright variance of a rank
    correlation; p-values the t-test with ``n − 2 − c`` degrees of freedom;
  - the permutation importance of each driver in a random forest, which sees effects that
    rise and fall and effects that act together (:mod:`sim.analysis.drivers`; needs
    scikit-learn).

  Besides: the deal rate when each event fired and when it did not, and the conditions
  under which the target (a deal, by default) is likely, found by PRIM.
- **A sweep** (``negsim sweep`` output) **of a Sobol design**: first-order and total Sobol
  indices of deal probability and of the per-point means of every outcome, by SALib's
  analyser on the design's own problem definition (``sweep.json``), with bootstrap intervals,
  and a warning where those intervals are too wide to read, with the design size that would
  narrow them. **A sweep of a Latin hypercube or a numeric grid**: PRCC across its points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.drivers import (
    Discovered,
    EventEffect,
    Importance,
    discover,
    driver_matrix,
    event_effects,
    importances,
    learner,
    target_cases,
)
from sim.batch.families import OUTCOME, PAYOFF, UTILITY, describe, extra_outcomes
from sim.batch.store import SCENARIO, load_results
from sim.errors import UserError
from sim.experiments.designs import salib
from sim.experiments.sweep import is_sweep, load_summary, read_sweep
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

DEAL = "deal"  # what scenario discovery looks for unless told otherwise
WIDE = 0.1
"""A Sobol index whose 95% half-width exceeds this is too uncertain to rank by."""


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
    """The drivers of one outcome, ranked (by importance where it was computed, else by
    |PRCC| or the total Sobol index); ``explained`` is the forest's held-out R²."""

    outcome: str
    title: str
    n: int
    effects: list[Effect] = field(default_factory=list)
    indices: list[SobolIndex] = field(default_factory=list)
    importance: list[Importance] = field(default_factory=list)
    explained: float | None = None


@dataclass
class Sensitivity:
    """A sensitivity analysis: ``method`` is ``prcc`` (a batch, or a sweep's points) or
    ``sobol``; a batch's also has its ``events`` and what was ``discovered``. ``warnings``
    say where the numbers should not be trusted as they stand."""

    method: str
    source: str
    n: int  # replicates (one batch) or points (a sweep)
    parameters: list[str]
    outcomes: list[OutcomeSensitivity]
    notes: list[str] = field(default_factory=list)
    confidence: float = 0.95
    unit: str = "replicates"  # what n counts: replicates, or the points of a sweep
    events: list[EventEffect] = field(default_factory=list)
    discovered: Discovered | None = None
    warnings: list[str] = field(default_factory=list)


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


def outcome_columns(runs: pd.DataFrame, round_label: str = "round") -> list[tuple[str, str]]:
    """(column, title) of every outcome of a batch that sensitivity explains: the deal, the
    round of a deal, payoffs first among the parties' measures, then terms, utilities and
    outcomes of no declared family."""
    found = [("deal", "deal: 1 or 0"), ("round", f"{round_label} of a deal, among deals")]
    for prefix in (PAYOFF, OUTCOME, UTILITY):
        found += [(c, describe(c)) for c in runs.columns if c.startswith(prefix)]
    found += [(c, c) for c in extra_outcomes(runs)]
    return [(c, t) for c, t in found if c in runs.columns]


def batch_sensitivity(
    runs: pd.DataFrame,
    scenario: Scenario | None = None,
    *,
    source: str = "",
    confidence: float = 0.95,
    target: str = DEAL,
    seed: int = 0,
) -> Sensitivity:
    """The drivers of every outcome of one batch (PRCC, and permutation importance when
    scikit-learn is there), the deal rate by event, and where ``target`` is likely (PRIM)."""
    forecast = bool(runs["deal"].isna().all())
    cases = None if forecast and target == DEAL else target_cases(runs, scenario, target)
    drivers, notes = driver_matrix(runs, scenario)
    if drivers.shape[1] == 0:
        raise UserError(
            f"{source or 'the batch'}: no drawn parameter or event varies in this batch; "
            "write a distribution in the scenario (or sweep a value with negsim sweep)"
        )
    label = getattr(scenario, "round_label", None) or "round"
    deal = runs["deal"].fillna(False).astype(bool).to_numpy()
    x_all = drivers.to_numpy()
    k = x_all.shape[1]
    groups: dict[str, list[tuple[str, str, np.ndarray]]] = {"all": [], "deals": []}
    constant: list[str] = []
    for column, title in outcome_columns(runs, label):
        group = "deals" if column == "round" else "all"
        rows = deal if group == "deals" else slice(None)
        y = runs[column][rows].astype(float).to_numpy()
        if column in ("deal", "round") and forecast:
            if column == "deal":
                notes.append("deal, round: none under this protocol (its outcome is a forecast)")
        elif np.isnan(y).any():
            notes.append(f"{column}: missing values, left out")
        elif len(y) - 3 - (k - 1) < 2:
            notes.append(f"{column}: too few replicates ({len(y)}) for {k} drivers")
        elif np.ptp(y) == 0:
            constant.append(column)
        else:
            groups[group].append((column, title, y))
    if constant:
        notes.append(f"the same in every replicate, nothing to explain: {', '.join(constant)}")
    learn = learner() is not None
    if not learn:
        notes.append(
            "permutation importance needs scikit-learn (pip install 'negsim[drivers]'): PRCC only"
        )
    found: dict[str, OutcomeSensitivity] = {}
    for group, items in groups.items():
        if not items:
            continue
        x = x_all[deal] if group == "deals" else x_all
        y = np.column_stack([item[2] for item in items])
        r, low, high, p = prcc(x, y, confidence)
        learned = (
            importances(
                drivers[deal] if group == "deals" else drivers,
                {column: values for column, _, values in items},
                seed=seed,
            )
            if learn
            else {}
        )
        for i, (column, title, _) in enumerate(items):
            effects = [
                Effect(name, r[j, i], low[j, i], high[j, i], p[j, i])
                for j, name in enumerate(drivers.columns)
            ]
            explained, ranked = learned.get(column, (None, []))
            found[column] = OutcomeSensitivity(
                column, title, len(y), _ranked(effects), importance=ranked, explained=explained
            )
    order = [column for column, _ in outcome_columns(runs, label)]
    discovered = None
    if cases is not None and target == DEAL and cases.all() | ~cases.any():
        notes.append(f"a deal in {'every' if cases.all() else 'no'} replicate: no box to find")
    elif cases is not None:
        discovered = discover(drivers, cases, target, scenario)
    return Sensitivity(
        "prcc",
        source,
        len(runs),
        list(drivers.columns),
        [found[c] for c in order if c in found],
        notes,
        confidence,
        events=event_effects(runs, scenario, confidence) if scenario is not None else [],
        discovered=discovered,
    )


# -- a sweep -------------------------------------------------------------------------------


def _sweep_outcomes(summary: pd.DataFrame) -> list[tuple[str, str]]:
    """(column, title) of the per-point outcomes of a sweep summary."""
    found = [("deal_probability", "deal probability")]
    for column in summary.columns:
        if column.startswith("mean."):
            key = column.removeprefix("mean.")
            named = key if key.startswith((PAYOFF, UTILITY)) else OUTCOME + key
            found.append((column, f"mean {describe(named)}"))
    return found


def sweep_sensitivity(folder: str | Path, *, confidence: float = 0.95) -> Sensitivity:
    """Sobol indices of a Sobol sweep, or PRCC across the points of another numeric sweep."""
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
    _, analyze = salib()
    problem = design["problem"]
    expected = design["samples"] * (problem["num_vars"] + 2)
    if len(summary) != expected:
        raise UserError(
            f"{folder}: a Sobol design of {design['samples']} samples has {expected} points; "
            f"the summary has {len(summary)}"
        )
    outcomes, notes, warnings = [], [], []
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
        warning = sobol_warning(title, indices, design["samples"], problem["num_vars"])
        if warning:
            warnings.append(warning)
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
        warnings=warnings,
    )


def sobol_warning(
    title: str, indices: list[SobolIndex], samples: int, parameters: int
) -> str | None:
    """A warning when an outcome's Sobol intervals are too wide to read (a half-width above
    :data:`WIDE`), with the sample size that would narrow them: the half-widths shrink as
    1/√N (Saltelli et al. 2010, Comput. Phys. Commun. 181:259–270), so N·(h/WIDE)² samples,
    rounded up to a power of 2 as Saltelli's scheme needs. Indices below 0 or above 1 are
    named as what they are at that size: sampling noise."""
    widest = max((max(s.first_conf, s.total_conf) for s in indices), default=0.0)
    if not widest > WIDE:
        return None
    needed = 2 ** math.ceil(math.log2(samples * (widest / WIDE) ** 2))
    odd = [f"{s.parameter} S1 {s.first:+.2f}" for s in indices if s.first < 0]
    odd += [f"{s.parameter} ST {s.total:+.2f}" for s in indices if s.total > 1]
    return (
        f"Sobol indices of {title} are too uncertain to rank by: intervals up to "
        f"±{widest:.2f} at {samples:,} samples"
        + (f" (and outside 0–1, which only noise makes: {', '.join(odd)})" if odd else "")
        + f"; about {needed:,} samples ({needed * (parameters + 2):,} points) would narrow "
        f"them to about ±{WIDE:g}"
    )


# -- entry point ---------------------------------------------------------------------------


def analyze_folder(
    folder: str | Path, *, confidence: float = 0.95, target: str = DEAL
) -> Sensitivity:
    """Sensitivity of a results folder (its replicates; ``target`` for scenario discovery) or
    of a sweep folder (its points)."""
    folder = Path(folder)
    if is_sweep(folder):
        return sweep_sensitivity(folder, confidence=confidence)
    runs = load_results(folder)
    scenario = None
    if (folder / SCENARIO).is_file():
        try:
            scenario = load_scenario(folder / SCENARIO)
        except UserError:
            scenario = None
    return batch_sensitivity(
        runs, scenario, source=str(folder), confidence=confidence, target=target
    )
