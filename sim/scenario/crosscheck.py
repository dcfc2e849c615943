"""Checks that need the whole scenario: ids that must exist, values inside their issue's scale,
option names that exist, events that set real parameters to valid values.

They run after the field-by-field validation has passed and report every problem at once, each
with the data path where it lies, so the loader can name its file, line and column.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from sim.scenario.distributions import Choice, _Distribution, support_within
from sim.scenario.schema import Alternating, Event, Mediated, Scenario

DataPath = tuple[str | int, ...]


class KeyPath(tuple):
    """A data path whose problem is the mapping key itself (an unknown id), not its value:
    the loader reports it at the key's place."""


class CrossCheckError(Exception):
    """The scenario is well-formed field by field but inconsistent as a whole.

    Not a ValueError on purpose: pydantic lets it through with its paths intact.
    """

    def __init__(self, problems: list[tuple[DataPath, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(map(str, p))}: {m}" for p, m in problems))


def cross_check(scenario: Scenario) -> None:
    """Raise CrossCheckError listing every inconsistency in ``scenario``."""
    problems = list(_problems(scenario))
    if not problems:
        # An event's value is checked by validating the scenario with it applied, which is
        # meaningful only once the scenario itself is consistent.
        problems = list(_event_problems(scenario))
    if problems:
        raise CrossCheckError(problems)


def _known(ids: Any, kind: str) -> str:
    return f"unknown {kind}; known: {', '.join(ids)}"


def _problems(s: Scenario) -> Iterator[tuple[DataPath, str]]:
    parties, issues = s.parties, s.issues
    for iid, issue in issues.items():
        for n, pid in enumerate(issue.veto):
            if pid not in parties:
                yield ("issues", iid, "veto", n), _known(parties, "party")
        yield from _position_problems(s, iid, issue.status_quo, ("issues", iid, "status_quo"))

    for pid, party in parties.items():
        for iid in party.positions:
            if iid not in issues:
                yield KeyPath(("parties", pid, "positions", iid)), _known(issues, "issue")
        for iid in party.salience:
            if iid not in issues:
                yield KeyPath(("parties", pid, "salience", iid)), _known(issues, "issue")
        for iid, value in party.positions.items():
            if iid in issues:
                yield from _position_problems(s, iid, value, ("parties", pid, "positions", iid))
        for iid, weight in party.salience.items():
            if iid in issues and iid not in party.positions and _upper(weight) > 0:
                yield ("parties", pid, "positions"), f"needs a position on {iid} (it has salience)"
        if all(_upper(w) == 0 for w in party.salience.values()):
            yield ("parties", pid, "salience"), "all salience is zero: the party cares for nothing"

    protocol = s.protocol
    if isinstance(protocol, Mediated) and protocol.mediator not in (None, *parties):
        yield ("protocol", "mediator"), _known(parties, "party")
    if isinstance(protocol, Alternating):
        for pid in protocol.recognition or {}:
            if pid not in parties:
                yield KeyPath(("protocol", "recognition", pid)), _known(parties, "party")
        for n, pid in enumerate(protocol.order or []):
            if pid not in parties:
                yield ("protocol", "order", n), _known(parties, "party")

    for iid in s.battlefield.effects:
        if iid not in issues:
            yield KeyPath(("battlefield", "effects", iid)), _known(issues, "issue")
    if "battlefield" in s.model_fields_set and not any(i.battlefield for i in issues.values()):
        yield ("battlefield",), "no issue has battlefield: true, so nothing moves"


def _upper(value: Any) -> float:
    return value if isinstance(value, int | float) else value.support()[1]


def _position_problems(s: Scenario, iid: str, value: Any, path: DataPath):
    issue = s.issues[iid]
    if issue.options is not None:
        if isinstance(value, str):
            if value not in issue.options:
                yield path, f"unknown option {value!r}; options: {', '.join(issue.options)}"
        elif isinstance(value, Choice):
            for name in value.choice:
                if name not in issue.options:
                    yield (
                        KeyPath((*path, "choice", name)),
                        (f"unknown option {name!r}; options: {', '.join(issue.options)}"),
                    )
        else:
            yield path, f"expected an option of {iid}: {', '.join(issue.options)}"
        return
    lo, hi = issue.scale.min, issue.scale.max
    where = f"the scale of {iid} [{lo:g}, {hi:g}]"
    if isinstance(value, str | Choice):
        yield path, f"expected a number on {where}, not an option"
    elif isinstance(value, _Distribution):
        if not support_within(value.support(), ge=lo, le=hi):
            a, b = value.support()
            yield (
                path,
                (
                    f"the distribution can draw values in [{a:g}, {b:g}], outside {where}: "
                    "narrow it or add clip: [lo, hi]"
                ),
            )
    elif not lo <= value <= hi:
        yield path, f"{value:g} is outside {where}"


def _event_problems(s: Scenario):
    from sim.scenario.parameters import parameter_leaves

    settable = parameter_leaves(s)
    seen: set[str] = set()
    for n, event in enumerate(s.events):
        if event.name in seen:
            yield ("events", n, "name"), f"duplicate event name {event.name!r}"
        seen.add(event.name)
        if event.round > s.rounds:
            yield ("events", n, "round"), f"after the last round ({s.rounds})"
        for target, value in event.set.items():
            where = ("events", n, "set", target)
            if target not in settable or ".set." in target:
                yield (
                    KeyPath(where),
                    (
                        "not a parameter an event can set (parties.<id>.<field>, "
                        "parties.<id>.salience.<issue>, issues.<id>.status_quo, battlefield.*, "
                        "protocol.mediator, protocol.mediator_bias, events.<name>.probability)"
                    ),
                )
                continue
            message = _set_value_problem(s, target, value, event.set)
            if message:
                yield where, message


def _set_value_problem(s: Scenario, target: str, value: Any, sets: dict[str, Any]) -> str | None:
    """Validate ``value`` for ``target`` by validating the scenario with it applied.

    A concession style and its beta go together: a new style brings its default beta unless the
    same event sets one (as the engine applies them)."""
    value = value.model_dump() if hasattr(value, "model_dump") else value
    if target.startswith("events."):  # events.<name>.probability: validate that event alone
        event = next(e for e in s.events if e.name == target.split(".")[1])
        try:
            Event.model_validate({"name": event.name, "round": event.round, "probability": value})
        except ValidationError as exc:
            return exc.errors()[0]["msg"].removeprefix("Value error, ")
        return None
    data = s.model_dump(exclude={"events"}, exclude_unset=False)
    if "battlefield" not in s.model_fields_set and not target.startswith("battlefield."):
        del data["battlefield"]  # written out, the default would claim a battlefield was set
    changes = {target: value}
    if target.endswith((".concession.style", ".concession.beta")):
        style, beta = (f"{target.rsplit('.', 1)[0]}.{name}" for name in ("style", "beta"))
        if style in sets:
            changes = {style: sets[style], beta: sets.get(beta)}
    for path, change in changes.items():
        node = data
        *parents, last = path.split(".")
        for key in parents:
            node = node[key]
        node[last] = change.model_dump() if hasattr(change, "model_dump") else change
    try:
        Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        return first["msg"].removeprefix("Value error, ")
    except CrossCheckError as exc:
        return exc.problems[0][1]
    return None
