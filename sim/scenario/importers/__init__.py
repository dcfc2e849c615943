"""``negsim import``: the field's actor tables as negsim scenarios.

One reader per format builds an :class:`~sim.scenario.importers.table.ActorTable`; one writer
(:mod:`~sim.scenario.importers.writer`) turns any table into a commented scenario. ``FORMATS``
is the registry the command line and its error messages read: adding a format is one module
and one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sim.errors import Place, Problem, UserError
from sim.scenario.importers.csv_table import read_csv
from sim.scenario.importers.decide import KINDS, read_decide
from sim.scenario.importers.ktab import read_ktab
from sim.scenario.importers.table import ActorTable
from sim.scenario.importers.writer import write_scenario

Reader = Callable[[Path, str], ActorTable]

FORMATS: dict[str, Reader] = {
    "csv": read_csv,  # a plain actor table: actor, capability, position, salience
    "ktab": read_ktab,  # KTAB's SMP input
    "decide": read_decide,  # Stokman's Decide (exchange model) input
}


def guess_format(text: str) -> str:
    """The format a file's content shows: Decide's rows start with ``#A``, ``#D``, ...; KTAB's
    second row is a header beginning ``Actor`` under a row whose third and fourth cells are
    counts; anything else is read as a plain CSV table."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if any(line.lstrip("'\"").startswith(KINDS) for line in lines[:50]):
        return "decide"
    if len(lines) > 1 and lines[1].lower().startswith("actor"):
        first = [cell.strip() for cell in lines[0].split(",")]
        if len(first) >= 4 and all(cell.isdigit() for cell in first[2:4]):
            return "ktab"
    return "csv"


def read_table(path: str | Path, format: str | None = None) -> ActorTable:
    """Read an actor table in ``format`` (guessed from the content when None)."""
    path = Path(path)
    if format is not None and format not in FORMATS:
        known = ", ".join(FORMATS)
        raise UserError([Problem(Place("--format"), "", f"unknown {format!r}; known: {known}")])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError([Problem(Place(str(path)), "", "no such file")]) from None
    except UnicodeDecodeError:
        raise UserError([Problem(Place(str(path)), "", "not UTF-8 text")]) from None
    if not text.strip():
        raise UserError([Problem(Place(str(path)), "", "the file is empty")])
    return FORMATS[format or guess_format(text)](path, text)


def import_table(path: str | Path, format: str | None = None) -> str:
    """The scenario text of the actor table at ``path`` (see :func:`read_table`)."""
    from sim.scenario.importers.table import Problems, check_table

    table = read_table(path, format)
    problems = Problems(table.source)
    check_table(table, problems)
    problems.raise_any()
    return write_scenario(table)


__all__ = ["FORMATS", "ActorTable", "guess_format", "import_table", "read_table"]
