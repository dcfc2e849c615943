"""A finished sweep folder as analysis reads it: its summary (one row per point) and, read from
each point's results folder, the terms of a deal along the sweep — per issue the 10/50/90%
quantiles among deals at every point (option issues: each option's share of deals) — for the
question every sweep asks beside "how likely a deal?": on whose terms?"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.folders import load_batch
from sim.experiments.sweep import load_summary, read_sweep
from sim.scenario.units import Layout, OptionUnits

QUANTILES = (0.1, 0.5, 0.9)


@dataclass
class Terms:
    """The terms of a deal on one issue (one party's share of a shares issue) at every
    point: ``quantiles`` among deals (scale issues), or each option's share of deals; NaN
    at a point without deals."""

    key: str
    unit: str
    options: tuple[str, ...] = ()
    quantiles: dict[float, np.ndarray] = field(default_factory=dict)
    shares: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Sweep:
    """A sweep folder: ``sweep.json`` as ``info``, ``summary.parquet``, the terms along it,
    and the scenario's round label."""

    folder: Path
    info: dict[str, Any]
    summary: pd.DataFrame
    terms: list[Terms]
    round_label: str

    @property
    def paths(self) -> list[str]:
        """The swept paths, in the experiment's order."""
        return self.info.get("paths") or [
            c.removeprefix("set.") for c in self.summary if c.startswith("set.")
        ]

    @property
    def kind(self) -> str | None:
        return self.info.get("kind")


def load_sweep(folder: str | Path) -> Sweep:
    """A finished sweep folder, with the terms of a deal read from every point's rows."""
    folder = Path(folder)
    summary = load_summary(folder)
    info = read_sweep(folder) or {}
    batches = [
        load_batch(folder / str(point), columns=("deal", "outcome.", "outcome_label."))
        for point in summary["point"]
    ]
    layout = Layout.of(batches[0].scenario.issues)
    terms = []
    for dim in layout.dimensions:
        units = dim.units
        if isinstance(units, OptionUnits):
            column = units.label_column("outcome", dim.name)
            shares = {o: np.full(len(batches), np.nan) for o in units.options}
            for n, batch in enumerate(batches):
                deal = _deals(batch.runs)
                if column in batch.runs and deal.any():
                    counts = batch.runs.loc[deal, column].value_counts(normalize=True)
                    for option in units.options:
                        shares[option][n] = float(counts.get(option, 0.0))
            terms.append(Terms(dim.name, "", units.options, shares=shares))
            continue
        column = f"outcome.{dim.name}"
        quantiles = {q: np.full(len(batches), np.nan) for q in QUANTILES}
        for n, batch in enumerate(batches):
            deal = _deals(batch.runs)
            if column in batch.runs and deal.any():
                values = np.quantile(batch.runs.loc[deal, column].to_numpy(float), QUANTILES)
                for q, value in zip(QUANTILES, values, strict=True):
                    quantiles[q][n] = value
        terms.append(Terms(dim.name, units.unit_label, quantiles=quantiles))
    return Sweep(folder, info, summary, terms, batches[0].scenario.round_label)


def _deals(runs: pd.DataFrame) -> np.ndarray:
    """The replicates whose terms count: deals, or every forecast of a forecasting protocol."""
    if runs["deal"].isna().all():
        return np.ones(len(runs), dtype=bool)
    return runs["deal"].fillna(False).to_numpy(dtype=bool)
