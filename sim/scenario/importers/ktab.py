"""KTAB's SMP input (github.com/KAPSARC/KTAB, ``examples/smp/doc/*.csv``): a first row with the
scenario's name, its description, the number of actors and the number of dimensions; a header
row (actor, description, power or influence, then a position and a salience column per
dimension); then one row per actor. Positions lie on KTAB's 0–100 scale and saliences are
0–100 (read as percentages); trailing empty cells are ignored.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sim.scenario.importers.table import Actor, ActorTable, Issue, Problems, in_range, number

SCALE = (0.0, 100.0)


def _cells(row: list[str]) -> list[str]:
    cells = [cell.strip() for cell in row]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def read_ktab(path: Path, text: str) -> ActorTable:
    source = str(path)
    problems = Problems(source)
    rows = [(n, _cells(row)) for n, row in enumerate(csv.reader(text.splitlines()), start=1)]
    rows = [(n, cells) for n, cells in rows if cells]
    if len(rows) < 2:
        problems.add(1, 1, "header", "expected a scenario row and a header row")
        problems.raise_any()
    (first_line, first), (header_line, header) = rows[0], rows[1]
    counts = []
    for n, name in ((2, "actors"), (3, "dimensions")):
        value = first[n] if n < len(first) else ""
        parsed = number(value, problems, first_line, n + 1, name, positive=True)
        if parsed is not None and parsed != int(parsed):
            problems.add(first_line, n + 1, name, f"expected a whole number, not {value}")
        counts.append(int(parsed) if parsed is not None else None)
    problems.raise_any()
    n_actors, n_dims = counts
    if len(header) != 3 + 2 * n_dims:
        problems.add(
            header_line,
            len(header),
            "header",
            f"{len(header)} columns for {n_dims} dimensions: expected actor, description, "
            f"power and a position and a salience per dimension ({3 + 2 * n_dims})",
        )
        problems.raise_any()
    table = ActorTable(source, "ktab", first[0], first[1] if len(first) > 1 else "")
    keys = []
    for d in range(n_dims):
        name = header[3 + 2 * d]
        key = name.removesuffix("Position").removesuffix("position").strip() or f"dim{d}"
        keys.append(key)
        table.issues[key] = Issue(key, key, *SCALE, line=header_line)
    for line, cells in rows[2:]:
        if len(cells) != len(header):
            problems.add(
                line,
                min(len(cells), len(header)) + 1,
                "row",
                f"{len(cells)} values, expected {len(header)}",
            )
            continue
        power = number(cells[2], problems, line, 3, header[2], positive=True)
        actor = Actor(cells[0], cells[1] or cells[0], power or 1.0, line=line)
        for d, key in enumerate(keys):
            column = 4 + 2 * d
            position = number(cells[column - 1], problems, line, column, header[column - 1])
            position = in_range(
                position, *SCALE, problems, line, column, header[column - 1], "KTAB's scale"
            )
            salience = number(cells[column], problems, line, column + 1, header[column])
            salience = in_range(
                salience, 0, 100, problems, line, column + 1, header[column], "salience (percent)"
            )
            if position is not None and salience is not None:
                actor.positions[key] = position
                actor.salience[key] = salience / 100
        table.actors.append(actor)
    if len(rows) - 2 != n_actors:
        problems.add(
            first_line, 3, "actors", f"says {n_actors} actors, the file has {len(rows) - 2}"
        )
    table.notes.append("positions on KTAB's 0-100 scale; salience divided by 100")
    problems.raise_any()
    return table
