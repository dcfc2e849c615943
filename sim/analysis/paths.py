"""How the talks moved, round by round, across a batch's replicates (``rounds.parquet``, written
with ``--traces``).

For every issue (every party's share of a shares issue) and every round, the text on the table
across the replicates still bargaining in that round: its quantiles on a scale issue (the data
of a fan chart: the median and the 25–75% and 10–90% bands), each option's share on an option
issue. Replicates leave as they reach a deal, so the later rounds describe the talks that were
still going; the count of those is kept beside the bands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim.scenario.schema import Scenario
from sim.scenario.units import Dimension, Layout, OptionUnits

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


@dataclass
class Fan:
    """The text on the table on one dimension, round by round, across replicates."""

    key: str  # the dimension: an issue, or issue.party of a shares issue
    unit: str
    options: tuple[str, ...]
    rounds: np.ndarray
    bargaining: np.ndarray  # replicates still bargaining in each round
    quantiles: dict[float, np.ndarray] = field(default_factory=dict)  # scale issues
    shares: dict[str, np.ndarray] = field(default_factory=dict)  # option issues: share per round


def fans(rounds_file: str | Path, scenario: Scenario) -> list[Fan]:
    """The fan of every dimension of ``scenario`` from its batch's ``rounds.parquet``."""
    dimensions = Layout.of(scenario.issues).dimensions
    names = set(pq.read_schema(rounds_file).names)
    wanted = ["round", *(_column(dim) for dim in dimensions)]
    frame = pd.read_parquet(rounds_file, columns=[c for c in wanted if c in names])
    if frame.empty:  # a one-shot protocol plays no round
        return []
    grouped = frame.groupby("round", sort=True)
    rounds = np.array(sorted(grouped.groups), dtype=int)
    bargaining = grouped.size().to_numpy()
    out = []
    for dim in dimensions:
        units, column = dim.units, _column(dim)
        if column not in frame:
            continue
        if isinstance(units, OptionUnits):
            counts = pd.crosstab(frame["round"], frame[column]).reindex(
                index=rounds, columns=list(units.options), fill_value=0
            )
            shares = {o: counts[o].to_numpy() / bargaining for o in units.options}
            out.append(Fan(dim.name, "", units.options, rounds, bargaining, shares=shares))
            continue
        table = grouped[column].quantile(list(QUANTILES)).unstack()
        quantiles = {q: table[q].to_numpy() for q in QUANTILES}
        out.append(Fan(dim.name, units.unit_label, (), rounds, bargaining, quantiles=quantiles))
    return out


def _column(dim: Dimension) -> str:
    """The column a dimension's fan reads: the option names on an option issue (the shares of
    each option per round), else the text in native units (its quantiles per round)."""
    if isinstance(dim.units, OptionUnits):
        return dim.units.label_column("text", dim.name)
    return f"text.{dim.name}"
