"""The plain CSV actor table, as Bueno de Mesquita-style tools and their replications keep it
(Masad's ``ChinaData.csv``, McKibben's ``ExampleActors.csv``): a header row, then one row per
actor, or per actor and issue.

Columns (names are matched without case; the first of each group is the canonical one):

=============  ===============================================  ========================
column         also written                                     value
=============  ===============================================  ========================
actor          name, stakeholder, party                         the actor's name
capability     power, resources, clout, influence               > 0 (relative)
position       —                                                a number on the scale
salience       —                                                0–1, or 0–100 (percent)
issue          dimension                                        optional: the issue's name
min, max       scale_min / scale_max, lower / upper             optional: the scale's ends
=============  ===============================================  ========================

Without an ``issue`` column the table has one issue (named after the file). Without ``min``
and ``max`` the scale runs from the lowest to the highest position. Salience is read as a
percentage when any value exceeds 1. The delimiter (comma, semicolon or tab) is detected.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sim.scenario.importers.table import (
    Actor,
    ActorTable,
    Issue,
    Problems,
    in_range,
    number,
)

COLUMNS = {
    "actor": ("actor", "name", "stakeholder", "party"),
    "capability": ("capability", "power", "resources", "clout", "influence"),
    "position": ("position",),
    "salience": ("salience",),
    "issue": ("issue", "dimension"),
    "min": ("min", "scale_min", "lower"),
    "max": ("max", "scale_max", "upper"),
}
REQUIRED = ("actor", "capability", "position", "salience")
ALIASES = {alias: column for column, names in COLUMNS.items() for alias in names}


def delimiter(line: str) -> str:
    """The delimiter of a header line: the most frequent of tab, semicolon and comma."""
    return max("\t;,", key=line.count)


def read_csv(path: Path, text: str) -> ActorTable:
    source = str(path)
    problems = Problems(source)
    lines = text.splitlines()
    rows = list(csv.reader(lines, delimiter=delimiter(lines[0] if lines else ",")))
    header = [cell.strip() for cell in rows[0]] if rows else []
    while header and not header[-1]:
        header.pop()
    where: dict[str, int] = {}
    for n, name in enumerate(header):
        column = ALIASES.get(name.lower().replace(" ", "_"))
        if column is None:
            known = ", ".join(names[0] for names in COLUMNS.values())
            problems.add(1, n + 1, name or f"column {n + 1}", f"unknown column; known: {known}")
        elif column in where:
            problems.add(1, n + 1, name, f"a second {column} column")
        else:
            where[column] = n
    for column in REQUIRED:
        if column not in where:
            problems.add(1, 1, column, "required column missing")
    problems.raise_any()

    table = ActorTable(source, "csv", path.stem.replace("_", " "))
    single = path.stem
    actors: dict[str, Actor] = {}
    raw_salience: list[tuple[Actor, str, float, int]] = []
    for line, row in enumerate(rows[1:], start=2):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue

        def cell(column: str, cells: list[str] = cells) -> str:
            n = where.get(column)
            return cells[n] if n is not None and n < len(cells) else ""

        def col(column: str) -> int:
            return where[column] + 1

        name = cell("actor")
        if not name:
            problems.add(line, col("actor"), header[where["actor"]], "missing value")
            continue
        key = cell("issue") if "issue" in where else single
        if not key:
            problems.add(line, col("issue"), header[where["issue"]], "missing value")
            continue
        issue = table.issues.setdefault(key, Issue(key, key, line=line))
        for end in ("min", "max"):
            if end in where:
                value = number(cell(end), problems, line, col(end), header[where[end]])
                current = issue.low if end == "min" else issue.high
                if value is not None and current is not None and value != current:
                    problems.add(
                        line,
                        col(end),
                        header[where[end]],
                        f"{value:g} differs from {current:g} given for {key} on an earlier row",
                    )
                elif value is not None:
                    setattr(issue, "low" if end == "min" else "high", value)
        if issue.low is not None and issue.high is not None and issue.low >= issue.high:
            problems.add(line, col("max"), header[where["max"]], "the scale needs min < max")
        capability = number(
            cell("capability"),
            problems,
            line,
            col("capability"),
            header[where["capability"]],
            positive=True,
        )
        position = number(cell("position"), problems, line, col("position"), "position")
        if issue.low is not None and issue.high is not None and issue.low < issue.high:
            position = in_range(
                position,
                issue.low,
                issue.high,
                problems,
                line,
                col("position"),
                "position",
                f"the scale of {key}",
            )
        salience = number(cell("salience"), problems, line, col("salience"), "salience")
        salience = in_range(
            salience, 0, 100, problems, line, col("salience"), "salience", "salience"
        )
        actor = actors.get(name)
        if actor is None:
            actor = actors[name] = Actor(name, name, capability or 1.0, line=line)
        elif capability is not None and capability != actor.capability:
            problems.add(
                line,
                col("capability"),
                header[where["capability"]],
                f"{capability:g} differs from {actor.capability:g} on line {actor.line}: "
                "negsim has one capability per actor",
            )
        if key in actor.positions:
            problems.add(
                line, col("actor"), header[where["actor"]], f"a second row for {name} on {key}"
            )
        if position is not None and salience is not None:
            actor.positions[key] = position
            raw_salience.append((actor, key, salience, line))
    percent = any(value > 1 for _, _, value, _ in raw_salience)
    for actor, key, value, _ in raw_salience:
        actor.salience[key] = value / 100 if percent else value
    if percent:
        table.notes.append("salience read as percentages (a value above 1) and divided by 100")
    table.actors = list(actors.values())
    problems.raise_any()
    return table
