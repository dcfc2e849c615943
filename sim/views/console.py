"""The terminal every command prints to, and tables of strings printed on it."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from sim.views.html import Table


def terminal() -> Console:
    """A console for standard output. Piped output keeps its lines whole (grep-able) and
    tables get room for their columns."""
    piped = not sys.stdout.isatty()
    return Console(highlight=False, soft_wrap=piped, width=120 if piped else None)


def print_table(console: Console, table: Table, *, limit: int | None = None) -> None:
    """Print a :class:`~sim.views.html.Table` (the same strings a report shows) and its note;
    with ``limit``, only its first rows and a line saying how many more there are."""
    out = RichTable(title=table.title, title_justify="left", title_style="bold")
    rows = table.rows if limit is None else table.rows[:limit]
    for n, (column, align) in enumerate(zip(table.columns, table.alignment(), strict=True)):
        # room for the longest word, so that a name is wrapped whole, not cut (up to a point)
        longest = max(
            len(word) for text in [column, *(r[n] for r in rows)] for word in text.split() or [""]
        )
        out.add_column(Text(column), justify=align, overflow="fold", min_width=min(longest, 40))
    for row in rows:
        out.add_row(*(Text(cell) for cell in row))
    console.print(out)
    if len(rows) < len(table.rows):
        console.print(Text(f"… and {len(table.rows) - len(rows)} more rows", style="dim"))
    if table.note:
        console.print(Text(table.note, style="dim"))
