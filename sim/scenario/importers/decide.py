"""The input of Decide, Stokman's exchange model (github.com/foarsitter/decide-exchange-model,
``docs/inputfiles.md``): rows separated by semicolons or tabs, values possibly in single quotes,
each led by its kind:

- ``#A`` actor key, name — an actor;
- ``#P`` issue key, name — an issue;
- ``#M`` issue key, position, meaning — a labelled point of the issue's scale; the lowest and
  highest give the scale's ends (0–100 when an issue has none);
- ``#D`` actor key, issue key, position, salience (0–1), power (0–1) — an actor's data on one
  issue; an actor's power must be the same on every issue (negsim has one capability per
  party); an actor with no ``#D`` row on an issue takes no part in it;
- ``#/``, ``#0`` comments; ``#O`` the case's title.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sim.scenario.importers.table import Actor, ActorTable, Issue, Problems, in_range, number

DEFAULT_SCALE = (0.0, 100.0)
COMMENTS = ("#/", "#0")
KINDS = ("#A", "#P", "#M", "#D", "#O", *COMMENTS)


def rows(text: str) -> list[tuple[int, list[str]]]:
    """Numbered, stripped, non-empty rows; the delimiter is each line's own (tab, ``;``)."""
    found = []
    for line, raw in enumerate(text.splitlines(), start=1):
        delimiter = "\t" if "\t" in raw else ";" if ";" in raw else ","
        cells = [c.strip() for c in next(csv.reader([raw], delimiter=delimiter, quotechar="'"))]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            found.append((line, cells))
    return found


def read_decide(path: Path, text: str) -> ActorTable:
    source = str(path)
    problems = Problems(source)
    table = ActorTable(source, "decide", path.stem)
    actors: dict[str, Actor] = {}
    marks: dict[str, list[tuple[float, str]]] = {}
    data = []
    for line, cells in rows(text):
        kind = cells[0]
        if kind not in KINDS:
            expected = ", ".join(KINDS)
            problems.add(line, 1, "kind", f"unknown row kind {kind!r}; expected {expected}")
        elif kind == "#O" and len(cells) > 1:
            table.title = cells[1]
        elif kind in ("#A", "#P"):
            if len(cells) < 2 or not cells[1]:
                problems.add(line, 2, "key", "missing value")
                continue
            key, name = cells[1], cells[2] if len(cells) > 2 and cells[2] else cells[1]
            if kind == "#A":
                if key in actors:
                    problems.add(line, 2, "key", f"actor {key!r} is defined twice")
                actors[key] = Actor(key, name, 0.0, line=line)
            else:
                if key in table.issues:
                    problems.add(line, 2, "key", f"issue {key!r} is defined twice")
                table.issues[key] = Issue(key, name, line=line)
        elif kind == "#M":
            if len(cells) < 3:
                problems.add(line, len(cells) + 1, "position", "missing value")
            elif cells[1] not in table.issues:
                problems.add(line, 2, "issue", f"unknown issue {cells[1]!r}; define it with #P")
            else:
                value = number(cells[2], problems, line, 3, "position")
                if value is not None:
                    marks.setdefault(cells[1], []).append(
                        (value, cells[3] if len(cells) > 3 else "")
                    )
        elif kind == "#D":
            data.append((line, cells))
    for key, issue in table.issues.items():
        points = sorted(marks.get(key, []))
        issue.low, issue.high = (points[0][0], points[-1][0]) if points else DEFAULT_SCALE
        issue.labels = {value: meaning for value, meaning in points if meaning}
        if issue.low >= issue.high:
            problems.add(issue.line, 2, "issue", f"{key}: its #M rows give no range")
    powers: dict[str, tuple[float, int]] = {}
    for line, cells in data:
        names = ("actor", "issue", "position", "salience", "power")
        if len(cells) < 6:
            problems.add(line, len(cells) + 1, names[len(cells) - 1], "missing value")
            continue
        actor, issue = actors.get(cells[1]), table.issues.get(cells[2])
        if actor is None:
            problems.add(line, 2, "actor", f"unknown actor {cells[1]!r}; define it with #A")
        if issue is None:
            problems.add(line, 3, "issue", f"unknown issue {cells[2]!r}; define it with #P")
        position = number(cells[3], problems, line, 4, "position")
        salience = in_range(
            number(cells[4], problems, line, 5, "salience"),
            0,
            1,
            problems,
            line,
            5,
            "salience",
            "salience",
        )
        power = number(cells[5], problems, line, 6, "power", positive=True)
        if actor is None or issue is None:
            continue
        if issue.low < issue.high:
            position = in_range(
                position,
                issue.low,
                issue.high,
                problems,
                line,
                4,
                "position",
                f"the scale of {issue.key}",
            )
        if power is not None:
            first = powers.setdefault(actor.name, (power, line))
            if first[0] != power:
                problems.add(
                    line,
                    6,
                    "power",
                    f"{power:g} differs from {first[0]:g} on line {first[1]}: negsim "
                    "has one capability per actor",
                )
            actor.capability = first[0]
        if issue.key in actor.positions:
            problems.add(line, 2, "actor", f"a second #D row for {actor.name} on {issue.key}")
        if position is not None and salience is not None:
            actor.positions[issue.key] = position
            actor.salience[issue.key] = salience
    for actor in actors.values():
        if actor.name not in powers:
            table.notes.append(f"{actor.name}: no #D row, left out")
    table.actors = [a for a in actors.values() if a.name in powers]
    for key in [k for k in table.issues if not any(k in a.positions for a in table.actors)]:
        table.notes.append(f"{key}: no #D row, left out")
        del table.issues[key]
    problems.raise_any()
    return table
