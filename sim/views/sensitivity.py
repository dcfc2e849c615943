"""What the terminal shows for ``negsim sensitivity``: per outcome, the parameters ranked by
their partial rank correlation (or Sobol indices), with intervals."""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table

from sim.analysis.sensitivity import OutcomeSensitivity, Sensitivity


def p_text(p: float) -> str:
    if math.isnan(p):
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def prcc_rows(outcome: OutcomeSensitivity, top: int | None = None) -> list[list[str]]:
    """Rank, parameter, PRCC, interval, p for the ``top`` effects of an outcome."""
    rows = []
    for rank, e in enumerate(outcome.effects[:top], start=1):
        if math.isnan(e.prcc):
            rows.append([str(rank), e.parameter, "—", "—", "—"])
            continue
        rows.append(
            [
                str(rank),
                e.parameter,
                f"{e.prcc:+.3f}",
                f"{e.low:+.3f} … {e.high:+.3f}",
                p_text(e.p_value),
            ]
        )
    return rows


def sobol_rows(outcome: OutcomeSensitivity, top: int | None = None) -> list[list[str]]:
    """Rank, parameter, first-order and total index with their ± half-widths."""
    return [
        [
            str(rank),
            s.parameter,
            f"{s.first:.3f} ± {s.first_conf:.3f}",
            f"{s.total:.3f} ± {s.total_conf:.3f}",
        ]
        for rank, s in enumerate(outcome.indices[:top], start=1)
    ]


PRCC_COLUMNS = ["#", "parameter", "PRCC", "95% interval", "p"]
SOBOL_COLUMNS = ["#", "parameter", "first-order S1", "total ST"]


def headline(result: Sensitivity) -> str:
    what = result.unit
    k = len(result.parameters)
    method = (
        "partial rank correlation (PRCC)" if result.method == "prcc" else "Sobol indices (SALib)"
    )
    return f"{result.source}: {method} of {k} parameter{'s' * (k != 1)}, {result.n:,} {what}"


def print_sensitivity(result: Sensitivity, console: Console, top: int = 8) -> None:
    """A ranked table per outcome (the ``top`` parameters) and the notes."""
    console.print(f"[bold]{headline(result)}[/bold]")
    for outcome in result.outcomes:
        if result.method == "prcc":
            columns, rows = PRCC_COLUMNS, prcc_rows(outcome, top)
            total = len(outcome.effects)
        else:
            columns, rows = SOBOL_COLUMNS, sobol_rows(outcome, top)
            total = len(outcome.indices)
        n_text = f"{outcome.n:,} {result.unit}"
        table = Table(title=f"{outcome.title} ({n_text})", title_justify="left")
        for n, column in enumerate(columns):
            table.add_column(column, justify="left" if n == 1 else "right")
        for row in rows:
            table.add_row(*row)
        console.print(table)
        if total > len(rows):
            console.print(f"[dim]… and {total - len(rows)} more (--top {total} shows all)[/dim]")
    if result.method == "prcc":
        console.print(
            "[dim]PRCC: the rank correlation with the outcome once the other parameters are "
            "held fixed (−1..1; a monotone effect). 95% intervals: Fisher z. The p-values are "
            "not adjusted for the many tests made: read those near 0.05 with care.[/dim]"
        )
    else:
        console.print(
            "[dim]S1: the share of the outcome's variance across points due to the parameter "
            "alone; ST: with all its interactions. ± 95% bootstrap half-widths.[/dim]"
        )
    for note in result.notes:
        console.print(f"[dim]Note: {note}[/dim]")
