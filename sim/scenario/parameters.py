"""The parameters of a scenario: every leaf that a replicate draws, or an event may set.

Each leaf has a dotted path (``parties.us.salience.tomahawk``) — the same paths ``--set``,
events and the ``param.<path>`` result columns use — and a value as written: a number, a
distribution, an option name, a ``choice``, a party id or null.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sim.scenario.distributions import value_kind
from sim.scenario.protocols import Mediated
from sim.scenario.schema import DEFAULT_BETA, Concession, Party, Scenario, drawn_fields

LeafKind = Literal["number", "position", "style", "mediator"]


@dataclass(frozen=True)
class Leaf:
    """One parameter: its path, its value as written, and what kind of value it takes.

    ``issue`` names the issue whose units a ``position`` leaf is in.
    """

    path: str
    value: Any
    kind: LeafKind = "number"
    issue: str | None = None

    @property
    def uncertain(self) -> bool:
        return value_kind(self.value) not in ("number", "option", "null")


def parameter_leaves(scenario: Scenario) -> dict[str, Leaf]:
    """Every parameter of ``scenario`` by dotted path, in a stable order: the fields the schema
    marks as drawn (:data:`~sim.scenario.schema.DRAWN`), positions and saliences per issue,
    issues' status quo, the battlefield, the protocol's and the events' own."""
    leaves: list[Leaf] = []
    for pid, party in scenario.parties.items():
        base = f"parties.{pid}"
        for name in drawn_fields(Party):
            leaves.append(Leaf(f"{base}.{name}", getattr(party, name)))
        style = party.concession.style
        leaves.append(Leaf(f"{base}.concession.style", style, kind="style"))
        for name in drawn_fields(Concession):
            value = getattr(party.concession, name)
            if name == "beta" and value is None:
                value = DEFAULT_BETA[style]
            leaves.append(Leaf(f"{base}.concession.{name}", value))
        for iid in scenario.issues:
            leaves.append(Leaf(f"{base}.salience.{iid}", party.salience.get(iid, 0.0)))
            if iid in party.positions:
                leaves.append(
                    Leaf(f"{base}.positions.{iid}", party.positions[iid], "position", iid)
                )
    for iid, issue in scenario.issues.items():
        if issue.shares is None:  # a shares issue's status quo is a fixed split, not drawn
            leaves.append(Leaf(f"issues.{iid}.status_quo", issue.status_quo, "position", iid))
    field = scenario.battlefield
    leaves.append(Leaf("battlefield.drift", field.drift))
    leaves.append(Leaf("battlefield.volatility", field.volatility))
    for iid, issue in scenario.issues.items():
        if issue.shares is None:
            leaves.append(Leaf(f"battlefield.effects.{iid}", field.effects.get(iid, 0.0)))
    # The mediator's settings and the risk of breakdown exist under every protocol, so that
    # events may set them; only the protocols that have them act on them (a variant may
    # switch protocols and keep its events).
    protocol = scenario.protocol
    mediated = isinstance(protocol, Mediated)
    leaves.append(Leaf("protocol.mediator", protocol.mediator if mediated else None, "mediator"))
    leaves.append(Leaf("protocol.mediator_bias", protocol.mediator_bias if mediated else 0.0))
    leaves.append(Leaf("protocol.breakdown", getattr(protocol, "breakdown", 0.0)))
    for event in scenario.events:
        leaves.append(Leaf(f"events.{event.name}.probability", event.probability))
    return {leaf.path: leaf for leaf in leaves}


def event_set_leaves(scenario: Scenario) -> dict[str, Leaf]:
    """The values events set, as leaves ``events.<name>.set.<target path>``.

    Each keeps the kind and issue of the parameter it sets, so it is drawn and converted the
    same way.
    """
    targets = parameter_leaves(scenario)
    leaves = {}
    for event in scenario.events:
        for target, value in event.set.items():
            like = targets[target]
            path = f"events.{event.name}.set.{target}"
            leaves[path] = Leaf(path, value, like.kind, like.issue)
    return leaves
