"""The actor table every importer builds: actors, capability, and per issue a position, a
salience and the scale's ends — the common input of the field's spatial models (Bueno de
Mesquita's expected-utility model, Stokman's compromise and exchange models, KTAB's SMP).

Readers record where each value came from, so every problem can be reported as
``FILE:LINE:COL: column: message``; :meth:`Problems.raise_any` raises them all at once.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from sim.errors import Place, Problem, UserError

ID_LENGTH = 64
"""The scenario language's longest id."""


@dataclass
class Issue:
    """One issue of the table: its key in the source, a title, the scale's ends (None: the
    range of the positions) and what the source says its points mean."""

    key: str
    title: str
    low: float | None = None
    high: float | None = None
    labels: dict[float, str] = field(default_factory=dict)
    line: int = 1


@dataclass
class Actor:
    """One actor: its name in the source, a title, its capability, and per issue key its
    position (in the issue's units) and salience (0–1)."""

    name: str
    title: str
    capability: float
    positions: dict[str, float] = field(default_factory=dict)
    salience: dict[str, float] = field(default_factory=dict)
    line: int = 1


@dataclass
class ActorTable:
    """What a reader makes of a file; :func:`sim.scenario.importers.writer.write_scenario`
    turns it into a scenario."""

    source: str
    format: str
    title: str
    description: str = ""
    issues: dict[str, Issue] = field(default_factory=dict)
    actors: list[Actor] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Problems:
    """Problems found while reading one file, each at its line and column."""

    def __init__(self, source: str):
        self.source = source
        self.found: list[Problem] = []

    def add(self, line: int, column: int, name: str, message: str) -> None:
        self.found.append(Problem(Place(self.source, line, column), name, message))

    def raise_any(self) -> None:
        if self.found:
            raise UserError(self.found)


def number(
    text: str, problems: Problems, line: int, column: int, name: str, *, positive: bool = False
) -> float | None:
    """``text`` as a finite number, or None with a problem recorded."""
    text = text.strip()
    if not text:
        problems.add(line, column, name, "missing value")
        return None
    try:
        value = float(text)
    except ValueError:
        problems.add(line, column, name, f"expected a number, not {text!r}")
        return None
    if not math.isfinite(value):
        problems.add(line, column, name, f"expected a finite number, not {text!r}")
        return None
    if positive and value <= 0:
        problems.add(line, column, name, f"{value:g} is out of range: it must be > 0")
        return None
    return value


def in_range(
    value: float | None,
    low: float,
    high: float,
    problems: Problems,
    line: int,
    column: int,
    name: str,
    what: str,
) -> float | None:
    """``value`` if it lies in [low, high], else None with a problem recorded."""
    if value is not None and not low <= value <= high:
        problems.add(
            line, column, name, f"{value:g} is out of range: {what} is {low:g} to {high:g}"
        )
        return None
    return value


def identifier(name: str, fallback: str) -> str:
    """A scenario id (lower_snake_case, starting with a letter) made from a source name:
    ``EU (incl Norway)`` → ``eu_incl_norway``, ``50+`` → ``x50``."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if not slug:
        slug = fallback
    if not slug[0].isalpha():
        slug = "x" + slug
    return slug[:ID_LENGTH].rstrip("_")


def check_table(table: ActorTable, problems: Problems) -> None:
    """What every format needs: two actors or more, distinct ids, an issue someone takes part
    in, a scale with two ends, and salience somewhere for every actor."""
    if len(table.actors) < 2:
        problems.add(1, 1, "actor", f"found {len(table.actors)} actor(s); a scenario needs two")
    seen: dict[str, Actor] = {}
    for actor in table.actors:
        pid = identifier(actor.name, "actor")
        if pid in seen:
            problems.add(
                actor.line,
                1,
                "actor",
                f"{actor.name!r} and {seen[pid].name!r} (line {seen[pid].line}) make the same "
                f"id {pid!r}: rename one",
            )
        seen[pid] = actor
        if not any(actor.salience.values()):
            problems.add(actor.line, 1, "salience", f"{actor.name}: all salience is zero")
    keys: dict[str, Issue] = {}
    for issue in table.issues.values():
        iid = identifier(issue.key, "issue")
        if iid in keys:
            problems.add(
                issue.line,
                1,
                "issue",
                f"{issue.key!r} and {keys[iid].key!r} make the same id {iid!r}",
            )
        keys[iid] = issue
        held = [a.positions[issue.key] for a in table.actors if issue.key in a.positions]
        if not held:
            problems.add(issue.line, 1, "issue", f"{issue.key}: no actor takes a position on it")
        elif issue.low is None or issue.high is None:
            issue.low, issue.high = min(held), max(held)
            if issue.low == issue.high:
                problems.add(
                    issue.line,
                    1,
                    "position",
                    f"{issue.key}: every position is {issue.low:g}; give the scale's ends "
                    "(min and max columns)",
                )
            else:
                table.notes.append(
                    f"{issue.key}: no scale given; its ends are the range of the positions"
                )
