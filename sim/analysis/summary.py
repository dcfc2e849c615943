"""The short summary printed after a batch: how likely a deal is, when, and on what terms."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.analysis.statistics import wilson_interval


@dataclass
class IssueSummary:
    issue: str
    with_deal: str  # median outcome of deals (most common option on option issues)
    without_deal: str


@dataclass
class BatchSummary:
    runs: int
    deals: int
    deal_probability: float
    interval: tuple[float, float]
    median_round: float | None
    issues: list[IssueSummary]


def _typical(values: pd.Series, labels: pd.Series | None, unit: str) -> str:
    if values.empty:
        return "—"
    if labels is not None:
        share = labels.value_counts(normalize=True)
        return f"{share.index[0]} ({share.iloc[0]:.0%})"
    return f"{values.median():,.4g} {unit}".strip()


def summarize(runs: pd.DataFrame, units: dict[str, str] | None = None) -> BatchSummary:
    """Summarise a batch's ``runs`` rows; ``units`` maps issue ids to their unit names."""
    units = units or {}
    deal = runs["deal"].astype(bool)
    deals = int(deal.sum())
    issues = []
    for column in runs.columns:
        if not column.startswith("outcome."):
            continue
        iid = column.removeprefix("outcome.")
        label = f"outcome_label.{iid}"
        labels = runs.get(label)
        issues.append(
            IssueSummary(
                iid,
                _typical(
                    runs.loc[deal, column],
                    None if labels is None else labels[deal],
                    units.get(iid, ""),
                ),
                _typical(
                    runs.loc[~deal, column],
                    None if labels is None else labels[~deal],
                    units.get(iid, ""),
                ),
            )
        )
    rounds = runs.loc[deal, "round"]
    return BatchSummary(
        runs=len(runs),
        deals=deals,
        deal_probability=deals / len(runs) if len(runs) else 0.0,
        interval=wilson_interval(deals, len(runs)),
        median_round=float(rounds.median()) if deals else None,
        issues=issues,
    )
