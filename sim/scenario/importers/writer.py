"""One writer for every format: an :class:`ActorTable` as a commented negsim scenario.

The table's capability, positions, salience and scales carry over as they are; what the field's
actor tables do not hold — a status quo, veto holders, the number of rounds, the protocol — is
filled in with stated assumptions, each commented in the file so a user sees what to revise.
"""

from __future__ import annotations

import json
from pathlib import Path

from sim.scenario.importers.table import ActorTable, identifier

ROUNDS = 10
"""Rounds of the imported scenario: ten rounds of the expected-utility model, as Scholz,
Calbert & Smith (2011) ran it."""


def _text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML string


def _number(value: float) -> str:
    return format(value, ".10g")


def weighted_median(points: list[tuple[float, float]]) -> float:
    """The position where half the weight (capability × salience) lies on either side — the
    expected-utility model's starting forecast (Black 1948; Bueno de Mesquita 1994)."""
    points = sorted(points)
    half, run = sum(w for _, w in points) / 2, 0.0
    for position, weight in points:
        run += weight
        if run >= half:
            return position
    return points[-1][0]


def write_scenario(table: ActorTable) -> str:
    """The scenario text of ``table``: valid for ``negsim validate``, commented throughout."""
    name = identifier(Path(table.source).stem, "imported").replace("_", "-")
    ids = {a.name: identifier(a.name, "actor") for a in table.actors}
    issues = {key: identifier(key, "issue") for key in table.issues}
    out = [
        f"# Imported by `negsim import` from {Path(table.source).name} ({table.format} format).",
        "# Capability, positions, salience and the scales' ends are the table's; the rest is",
        "# assumption of the import, commented where it stands: revise it before relying on it.",
        *(f"# Note: {note}." for note in table.notes),
        "",
        "schema_version: 1",
        f"name: {name}",
        f"title: {_text(table.title)}",
    ]
    if table.description:
        out.append(f"description: {_text(table.description)}")
    out += [
        f"rounds: {ROUNDS}   # assumption: ten rounds, as Scholz et al. (2011) ran the model",
        "round_label: round",
        "protocol: {kind: expected_utility}   # the actor table's own model family; "
        "--set protocol={kind: compromise} for Stokman's",
        "",
        "issues:",
    ]
    for key, issue in table.issues.items():
        taking_part = [
            (a.positions[key], a.capability * a.salience.get(key, 0.0))
            for a in table.actors
            if key in a.positions
        ]
        out += [
            f"  {issues[key]}:",
            f"    title: {_text(issue.title)}",
            f"    scale: {{min: {_number(issue.low)}, max: {_number(issue.high)}}}",
        ]
        for value, meaning in issue.labels.items():
            out.append(f"    # {_number(value)}: {meaning}")
        out += [
            f"    status_quo: {_number(weighted_median(taking_part))}"
            "   # assumption: the table has none; the weighted median position",
            "    veto: []          # assumption: the table names no veto holders",
        ]
    out += ["", "# capability, position and salience (0-1) as the table gives them", "parties:"]
    for actor in table.actors:
        positions = ", ".join(f"{issues[k]}: {_number(v)}" for k, v in actor.positions.items())
        salience = ", ".join(f"{issues[k]}: {_number(v)}" for k, v in actor.salience.items())
        out += [
            f"  {ids[actor.name]}:",
            f"    title: {_text(actor.title)}",
            f"    capability: {_number(actor.capability)}",
            f"    positions: {{{positions}}}",
            f"    salience: {{{salience}}}",
        ]
    return "\n".join(out) + "\n"
