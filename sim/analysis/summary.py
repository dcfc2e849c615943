"""The short summary printed after a batch: how likely a deal is, when, on what terms, and what
the talks were worth to each party (its payoff, with a deal and without).

It is tallied chunk by chunk, so a batch of millions of replicates is summarised from its file
without holding more than a float per replicate and issue.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim.analysis.statistics import wilson_interval
from sim.batch.families import PAYOFF


@dataclass
class IssueSummary:
    issue: str
    with_deal: str  # median outcome of deals (most common option on option issues)
    without_deal: str


@dataclass
class PayoffSummary:
    party: str
    with_deal: float | None  # median payoff where the talks ended in a deal
    without_deal: float | None


@dataclass
class BatchSummary:
    runs: int
    deals: int
    deal_probability: float
    interval: tuple[float, float]
    median_round: float | None
    issues: list[IssueSummary]
    payoffs: list[PayoffSummary] = field(default_factory=list)


def summary_columns(names: list[str]) -> list[str]:
    """The ``runs`` columns a summary reads."""
    return [
        n
        for n in names
        if n in ("deal", "round") or n.startswith(("outcome.", "outcome_label.", PAYOFF))
    ]


@dataclass
class _Tally:
    """Running counts of a batch's outcomes, split by deal and no deal."""

    runs: int = 0
    deals: int = 0
    rounds: Counter = field(default_factory=Counter)
    values: dict[tuple[str, bool], list[np.ndarray]] = field(default_factory=dict)
    labels: dict[tuple[str, bool], Counter] = field(default_factory=dict)
    issues: list[str] = field(default_factory=list)  # in column order
    payoffs: dict[tuple[str, bool], list[np.ndarray]] = field(default_factory=dict)

    def add(self, chunk: pd.DataFrame) -> None:
        deal = chunk["deal"].to_numpy(dtype=bool)
        self.runs += len(deal)
        self.deals += int(deal.sum())
        self.rounds.update(chunk.loc[deal, "round"].astype(int).tolist())
        for column in chunk.columns:
            if column.startswith(PAYOFF):
                values = chunk[column].to_numpy(dtype=np.float32)
                for flag in (True, False):
                    self.payoffs.setdefault((column.removeprefix(PAYOFF), flag), []).append(
                        values[deal == flag]
                    )
        for column in chunk.columns:
            if not column.startswith("outcome."):
                continue
            issue = column.removeprefix("outcome.")
            if issue not in self.issues:
                self.issues.append(issue)
            label = f"outcome_label.{issue}"
            for flag in (True, False):
                rows = deal == flag
                if label in chunk:
                    names, counts = np.unique(chunk[label].to_numpy()[rows], return_counts=True)
                    tally = self.labels.setdefault((issue, flag), Counter())
                    tally.update(dict(zip(names.tolist(), counts.tolist(), strict=True)))
                else:
                    part = chunk[column].to_numpy(dtype=np.float32)[rows]
                    self.values.setdefault((issue, flag), []).append(part)

    def _typical(self, issue: str, flag: bool, unit: str) -> str:
        if (issue, flag) in self.labels:
            tally = self.labels[(issue, flag)]
            if not tally:
                return "—"
            name, count = tally.most_common(1)[0]
            return f"{name} ({count / sum(tally.values()):.0%})"
        values = np.concatenate(self.values.get((issue, flag), [np.zeros(0, np.float32)]))
        if not len(values):
            return "—"
        return f"{float(np.median(values)):,.4g} {unit}".strip()

    def _payoff(self, party: str, flag: bool) -> float | None:
        values = np.concatenate(self.payoffs[(party, flag)])
        return float(np.median(values)) if len(values) else None

    def result(self, units: dict[str, str]) -> BatchSummary:
        rounds = np.repeat(list(self.rounds), list(self.rounds.values()))
        parties = list(dict.fromkeys(party for party, _ in self.payoffs))
        return BatchSummary(
            runs=self.runs,
            deals=self.deals,
            deal_probability=self.deals / self.runs if self.runs else 0.0,
            interval=wilson_interval(self.deals, self.runs),
            median_round=float(np.median(rounds)) if self.deals else None,
            issues=[
                IssueSummary(
                    issue,
                    self._typical(issue, True, units.get(issue.split(".")[0], "")),
                    self._typical(issue, False, units.get(issue.split(".")[0], "")),
                )
                for issue in self.issues
            ],
            payoffs=[
                PayoffSummary(party, self._payoff(party, True), self._payoff(party, False))
                for party in parties
            ],
        )


def summarize(runs: pd.DataFrame, units: dict[str, str] | None = None) -> BatchSummary:
    """Summarise a batch's ``runs`` rows; ``units`` maps issue ids to their unit names (a
    shares issue's, for each party's amount)."""
    tally = _Tally()
    tally.add(runs)
    return tally.result(units or {})


def summarize_file(path: str | Path, units: dict[str, str] | None = None) -> BatchSummary:
    """Summarise a ``runs.parquet`` file, reading it a row group at a time."""
    source = pq.ParquetFile(path)
    columns = summary_columns(source.schema_arrow.names)
    tally = _Tally()
    for batch in source.iter_batches(columns=columns):
        tally.add(batch.to_pandas())
    return tally.result(units or {})
