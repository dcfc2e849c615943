"""What ``negsim sweep`` shows: a line per finished point, then the summary table (one row per
point: what it sets, the deal probability with its interval, the median round of a deal, the
typical terms of a deal on each issue); and its report: the deal probability and the terms of
a deal along the sweep, then the summary table."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from sim.analysis.sweep import Sweep
from sim.experiments.designs import flow
from sim.views.console import print_table
from sim.views.html import Section
from sim.views.html import Table as ReportTable

MAX_FIGURES = 12


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


def _utility(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.3f}"


def payoff_table(summary: pd.DataFrame) -> ReportTable:
    """Each party's mean payoff (deal and no deal on one footing) and mean utility of the
    outcome at each point."""
    parties = [c.removeprefix("mean.payoff.") for c in summary if c.startswith("mean.payoff.")]
    return ReportTable(
        ["point", *(f"payoff of {p}" for p in parties), *(f"utility of {p}" for p in parties)],
        [
            [
                str(row["point"]),
                *(_utility(row.get(f"mean.payoff.{p}")) for p in parties),
                *(_utility(row.get(f"mean.utility.{p}")) for p in parties),
            ]
            for _, row in summary.iterrows()
        ]
        if parties
        else [],
        title="What the talks were worth: mean payoff and utility per party",
        note="Payoff: the discounted value of the outcome less the war costs borne, deal and "
        "no deal on one footing; utility: the outcome alone (1 = the party's ideal). Means "
        "over all replicates of each point.",
    )


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
    payoffs = payoff_table(summary)
    if payoffs.rows:
        print_table(console, payoffs)
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


# --- report ---------------------------------------------------------------------------------


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | np.floating | np.integer):
        return f"{float(value):g}"
    return flow(value)


def _deal_figures(sweep: Sweep, plots) -> list:
    """Deal probability along the sweep: bars per variant; along the first swept path for a
    grid, one line for each combination of the others; against each range of a design."""
    summary = sweep.summary
    paths = sweep.paths
    intervals = list(zip(summary["deal_low"], summary["deal_high"], strict=True))
    if sweep.kind == "design":
        return [
            plots.deal_scatter(
                summary[f"set.{p}"], summary["deal_probability"], intervals, xlabel=p
            )
            for p in paths[:MAX_FIGURES]
        ]
    if sweep.kind == "grid" and paths and _numeric(summary, paths[0]):
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
            summary["deal_probability"].to_numpy(),
            intervals,
            xlabel="variant" if sweep.kind == "variants" else "point",
        )
    ]


def _numeric(summary: pd.DataFrame, path: str) -> bool:
    return pd.api.types.is_numeric_dtype(summary[f"set.{path}"])


def _terms_figures(sweep: Sweep, plots) -> list:
    """The terms of a deal on each issue along the sweep: along the swept value of a
    one-path numeric grid, else point by point."""
    summary, paths = sweep.summary, sweep.paths
    if len(paths) == 1 and sweep.kind == "grid" and _numeric(summary, paths[0]):
        x, xlabel = list(summary[f"set.{paths[0]}"]), paths[0]
    else:
        x, xlabel = list(summary["point"]), "variant" if sweep.kind == "variants" else "point"
    return [
        plots.terms_along(
            terms.key,
            x,
            xlabel,
            unit=terms.unit,
            quantiles=terms.quantiles or None,
            shares=terms.shares or None,
            title=f"{terms.key}: the terms of a deal along the sweep",
        )
        for terms in sweep.terms[:MAX_FIGURES]
    ]


def summary_table(sweep: Sweep, units: dict[str, str]) -> ReportTable:
    """The summary as a table of strings: one row per point; swept paths by the shortest
    name that tells them apart (the note maps them back)."""
    summary = sweep.summary
    sets = [c for c in summary.columns if c.startswith("set.")]
    paths = [c.removeprefix("set.") for c in sets]
    short = short_names(paths)
    issues = summary_issues(summary)
    headings = [
        "point",
        *(short[p] for p in paths),
        "deal (95% interval)",
        f"median {sweep.round_label}",
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
    renamed = [f"{short[p]} = {p}" for p in paths if short[p] != p]
    return ReportTable(
        headings,
        rows,
        title="Summary",
        note="Issue columns: medians among deals (option issues: the most common option "
        "among deals and its share)." + (f" Columns: {'; '.join(renamed)}." if renamed else ""),
        align=["left", *["right"] * (len(headings) - 1)],
    )


def report_sections(sweep: Sweep, units: dict[str, str]) -> list[Section]:
    """The sweep as report sections (needs matplotlib): the deal probability and the terms
    of a deal along it, then the summary table."""
    from sim.views import plots

    info, summary = sweep.info, sweep.summary
    experiment = info.get("experiment") or {}
    text = (
        f"Experiment {experiment.get('name', '?')} ({experiment.get('file', '?')}) on "
        f"{info.get('scenario', '?')}: {len(summary)} points, "
        f"{int(summary['runs'].iloc[0]):,} replicates each, seed {info.get('seed', '?')} "
        "at every point (common random numbers)."
    )
    terms = (
        _terms_figures(sweep, plots)
        if sweep.kind != "design"
        else []  # a design moves every parameter at once: its terms are for sensitivity
    )
    return [
        Section(
            "Deal probability along the sweep", text=[text], figures=_deal_figures(sweep, plots)
        ),
        Section(
            "Terms of a deal along the sweep",
            text=[
                "Per issue, the median among deals with its 10–90% range (option issues: "
                "each option's share of deals)."
                if terms
                else "A sampled design moves every parameter at once: negsim sensitivity "
                "ranks what drives the terms."
            ],
            figures=terms,
        ),
        Section("Summary", tables=[summary_table(sweep, units), payoff_table(summary)]),
    ]
