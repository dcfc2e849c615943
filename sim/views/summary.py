"""The terminal summary after ``negsim run``, and its progress bar."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from sim.analysis.summary import summarize_file
from sim.batch.store import RUNS
from sim.model.protocols import PROTOCOLS
from sim.scenario.schema import Scenario
from sim.scenario.units import issue_units

FORECASTS = {
    "expected_utility": "the weighted median after the last round",
    "compromise": "Stokman's compromise of the ideal points, one shot",
}
"""What the forecast of each protocol that forecasts rather than bargains is (``deal`` null)."""


@contextmanager
def progress_bar(total: int, *, enabled: bool = True) -> Iterator[Callable[[int], None]]:
    """A progress bar on the terminal (replicates done, rate, time left); silent when
    disabled or when standard error is not a terminal. Yields ``advance(count)``."""
    if not enabled or not sys.stderr.isatty():
        yield lambda count: None
        return
    columns = (
        TextColumn("replicates"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("run", total=total, rate="")

        def advance(count: int) -> None:
            progress.advance(task, count)
            speed = progress.tasks[0].speed
            progress.update(task, rate=f"{speed:,.0f}/s" if speed else "")

        yield advance


def print_summary(scenario: Scenario, where: Path, seed: int, console: Console) -> None:
    """The summary of the batch in results folder ``where``: deal probability with its 95%
    interval, the median round of a deal, and per issue the typical outcome with and without
    a deal."""
    units = {iid: u.unit_label for iid, u in issue_units(scenario.issues).items()}
    summary = summarize_file(Path(where) / RUNS, units)
    label = scenario.round_label
    low, high = summary.interval
    console.print(
        f"[bold]{scenario.title or scenario.name}[/bold]: {summary.runs:,} replicates, "
        f"seed {seed} → {where}"
    )
    if PROTOCOLS[scenario.protocol.kind].forecast:
        _print_forecast(scenario, summary, console)
        return
    console.print(
        f"Deal in {summary.deal_probability:.1%} of replicates "
        f"(95% interval {low:.1%}–{high:.1%})"
        + (
            f"; median {label} of a deal: {summary.median_round:g}"
            if summary.median_round is not None
            else ""
        )
    )
    table = Table(title_justify="left")
    table.add_column("issue")
    table.add_column(f"with a deal ({summary.deals:,})", justify="right")
    table.add_column(f"without ({summary.runs - summary.deals:,})", justify="right")
    for issue in summary.issues:
        table.add_row(issue.issue, issue.with_deal, issue.without_deal)
    table.add_section()
    for payoff in summary.payoffs:
        table.add_row(
            f"payoff of {payoff.party}",
            *("—" if v is None else f"{v:.3f}" for v in (payoff.with_deal, payoff.without_deal)),
        )
    console.print(table)
    console.print(
        "[dim]Medians (most common option on option issues). Payoff: the discounted value of "
        "the outcome less the war costs borne, deal and no deal on one footing "
        "(runs.parquet also holds utility.PARTY, the outcome alone).[/dim]"
    )


def _print_forecast(scenario: Scenario, summary, console: Console) -> None:
    """A forecasting protocol has no deals: the typical forecast per issue."""
    kind = scenario.protocol.kind
    what = f" ({FORECASTS[kind]})" if kind in FORECASTS else ""
    console.print(f"Protocol {kind}: no deals; the outcome is a forecast{what}")
    table = Table(title_justify="left")
    table.add_column("issue")
    table.add_column(f"forecast ({summary.runs:,})", justify="right")
    for issue in summary.issues:
        table.add_row(issue.issue, issue.without_deal)
    console.print(table)
    console.print("[dim]Medians (most common option on option issues).[/dim]")
