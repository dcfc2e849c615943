"""What the terminal shows for ``negsim sweep``: a line per finished point, then the summary
table (one row per point: what it sets, the deal probability with its interval, the median
round of a deal, the typical terms of a deal on each issue)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value)


def deal_text(row: pd.Series | dict) -> str:
    """``52.1% (50.6–53.7%)``: the deal probability and its 95% interval."""
    if pd.isna(row["deal_probability"]):
        return "— (a forecast)"
    return (
        f"{row['deal_probability']:.1%} ({100 * row['deal_low']:.1f}–{100 * row['deal_high']:.1f}%)"
    )


def issue_cells(row: pd.Series | dict, issues: list[str]) -> list[str]:
    """The typical terms of a deal on each issue: the median, or the most common option and
    its share."""
    cells = []
    for issue in issues:
        if f"mode.{issue}" in row:
            mode = row[f"mode.{issue}"]
            share = row[f"share.{issue}"]
            cells.append("—" if mode is None or pd.isna(mode) else f"{mode} {share:.0%}")
        else:
            cells.append(_number(row.get(f"median.{issue}")))
    return cells


def summary_issues(summary: pd.DataFrame) -> list[str]:
    """The issue (and share) keys of a sweep summary, in column order."""
    keys = []
    for column in summary.columns:
        for prefix in ("median.", "mode."):
            if column.startswith(prefix):
                keys.append(column.removeprefix(prefix))
    return keys


def short_names(paths: list[str]) -> dict[str, str]:
    """The shortest trailing part of each dotted path that still tells them apart:
    ``parties.russia.optimism`` → ``optimism``, unless another path ends the same way."""
    names = {}
    for path in paths:
        segments = path.split(".")
        for n in range(1, len(segments) + 1):
            tail = ".".join(segments[-n:])
            if sum(p == tail or p.endswith("." + tail) for p in paths) == 1:
                names[path] = tail
                break
        else:
            names[path] = path
    return names


def point_line(name: str, overrides: list[str], row: dict, round_label: str) -> str:
    """One line as a point finishes."""
    rounds = row.get("median_round")
    when = "" if rounds is None or math.isnan(rounds) else f", median {round_label} {rounds:g}"
    sets = ", ".join(overrides) or "as the scenario is"
    return f"{name}: {sets} → deal {deal_text(row)}{when}"


def print_sweep(
    summary: pd.DataFrame,
    console: Console,
    *,
    title: str | None = None,
    round_label: str = "round",
    units: dict[str, str] | None = None,
    kind: str = "grid",
    overrides: list[tuple[str, list[str]]] | None = None,
    max_rows: int | None = None,
) -> None:
    """The sweep summary: the deal table (one row per point, with the swept values of a
    grid or design) and the terms of a deal per issue; ``overrides`` lists what each variant
    sets (``kind`` "variants"). With ``max_rows``, only the first rows are shown."""
    hidden = 0
    if max_rows is not None and len(summary) > max_rows:
        hidden = len(summary) - max_rows
        summary = summary.iloc[:max_rows]
    units = units or {}
    sets = [c for c in summary.columns if c.startswith("set.")]
    issues = summary_issues(summary)
    paths = [c.removeprefix("set.") for c in sets]
    short = short_names(paths)
    shown = paths if kind != "variants" else []  # a variant's name says what it sets
    table = Table(title=title, title_justify="left")
    table.add_column("point", no_wrap=True)
    for path in shown:
        table.add_column(short[path], justify="right")
    table.add_column("deal", justify="right", no_wrap=True)
    table.add_column("95% interval", justify="right", no_wrap=True)
    table.add_column(f"median {round_label} of a deal", justify="right")
    for _, row in summary.iterrows():
        table.add_row(
            str(row["point"]),
            *(_number(row[f"set.{p}"]) for p in shown),
            *(
                ("—", "—")
                if pd.isna(row["deal_probability"])
                else (
                    f"{row['deal_probability']:.1%}",
                    f"{100 * row['deal_low']:.1f}–{100 * row['deal_high']:.1f}%",
                )
            ),
            _number(row["median_round"]),
        )
    console.print(table)
    if issues:
        terms = Table(
            title="Terms of a deal: medians among deals (the most common option and its share)",
            title_justify="left",
        )
        terms.add_column("point", no_wrap=True)
        cells = [issue_cells(row, issues) for _, row in summary.iterrows()]
        for n, issue in enumerate(issues):
            unit = units.get(issue.split(".")[0], "")
            longest = max((len(word) for row in cells for word in row[n].split()), default=1)
            terms.add_column(
                f"{issue} ({unit})" if unit else issue, justify="right", min_width=longest
            )
        for point, row in zip(summary["point"], cells, strict=True):
            terms.add_row(str(point), *row)
        console.print(terms)
    notes = [f"{int(summary['runs'].iloc[0]):,} replicates per point, one seed for all."]
    if hidden:
        notes.insert(0, f"… and {hidden} more points: every one is in summary.parquet.")
    if kind == "variants" and overrides:
        notes += [
            f"{name}: {', '.join(sets) or 'the scenario as it is'}." for name, sets in overrides
        ]
    else:
        renamed = [f"{short[p]} = {p}" for p in shown if short[p] != p]
        if renamed:
            notes.append(f"Columns: {'; '.join(renamed)}.")
    for note in notes:
        console.print(f"[dim]{note}[/dim]")
