"""Checks that need the whole scenario: ids that must exist, values inside their issue's scale,
option names that exist, events that set real parameters to valid values.

They run after the field-by-field validation has passed and report every problem at once, each
with the data path where it lies, so the loader can name its file, line and column.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product
from math import prod
from typing import Any

from pydantic import ValidationError

from sim.bargaining.space import MAX_COMBINATIONS
from sim.errors import did_you_mean
from sim.scenario.distributions import Choice, _Distribution, support_within
from sim.scenario.parameters import parameter_leaves
from sim.scenario.protocols import Alternating, ExpectedUtility, Mediated
from sim.scenario.schema import Event, Scenario

MAX_RATIONAL_PARTIES = 10
"""Subgame-perfect play enumerates every coalition: 2^(parties − 1) per proposer."""
SPLIT_TOLERANCE = 1e-9
"""Relative slack when a shares status quo must sum to the total (decimal rounding)."""

DataPath = tuple[str | int, ...]


class KeyPath(tuple):
    """A data path whose problem is the mapping key itself (an unknown id), not its value:
    the loader reports it at the key's place."""


class CrossCheckError(Exception):
    """The scenario is well-formed field by field but inconsistent as a whole: every problem,
    each with its data path."""

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
        if issue.shares is not None:
            yield from _shares_problems(s, iid)
        elif issue.status_quo is None:
            yield KeyPath(("issues", iid, "status_quo")), "required field missing"
        else:
            yield from _position_problems(s, iid, issue.status_quo, ("issues", iid, "status_quo"))

    for pid, party in parties.items():
        for iid in party.positions:
            if iid not in issues:
                yield KeyPath(("parties", pid, "positions", iid)), _known(issues, "issue")
        for iid in party.salience:
            if iid not in issues:
                yield KeyPath(("parties", pid, "salience", iid)), _known(issues, "issue")
        for iid, value in party.positions.items():
            if iid in issues and issues[iid].shares is not None:
                yield (
                    KeyPath(("parties", pid, "positions", iid)),
                    f"{iid} is a shares issue: it takes no position (a party's ideal is all of it)",
                )
            elif iid in issues:
                yield from _position_problems(s, iid, value, ("parties", pid, "positions", iid))
        for iid, weight in party.salience.items():
            if iid not in issues or _upper(weight) == 0:
                continue
            shares = issues[iid].shares
            if shares is not None and pid not in shares.among:
                yield (
                    ("parties", pid, "salience", iid),
                    f"not among the parties sharing {iid} ({', '.join(shares.among)}): "
                    "its salience there must be 0",
                )
            elif shares is None and iid not in party.positions:
                yield ("parties", pid, "positions"), f"needs a position on {iid} (it has salience)"
        if all(_upper(w) == 0 for w in party.salience.values()):
            yield ("parties", pid, "salience"), "all salience is zero: the party cares for nothing"
        if _upper(party.patience) >= 1 and _upper(party.war_cost) > 0:
            yield (
                ("parties", pid, "patience"),
                "a party that bears war costs and never discounts the future values fighting "
                "on at minus infinity: give patience below 1, or war_cost 0",
            )

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
        if protocol.recognition is not None and not any(protocol.recognition.values()):
            yield ("protocol", "recognition"), "every weight is 0: no party could propose"
    if isinstance(protocol, ExpectedUtility):
        for iid, issue in issues.items():
            if issue.shares is not None:
                yield (
                    ("issues", iid, "shares"),
                    "the expected_utility protocol needs scale or option issues (positions to "
                    "challenge); a shares issue has none",
                )
    yield from _rational_problems(s)
    yield from _reference_problems(s)
    yield from _link_problems(s)
    yield from _interaction_problems(s)
    yield from _combination_problems(s)

    for iid in s.battlefield.effects:
        if iid not in issues:
            yield KeyPath(("battlefield", "effects", iid)), _known(issues, "issue")
        elif issues[iid].shares is not None:
            yield (
                KeyPath(("battlefield", "effects", iid)),
                f"{iid} is a shares issue: it has no single status quo to steer the war",
            )
    if "battlefield" in s.model_fields_set and not any(i.battlefield for i in issues.values()):
        yield ("battlefield",), "no issue has battlefield: true, so nothing moves"


def _combination_problems(s: Scenario) -> Iterator[tuple[DataPath, str]]:
    """The exact machinery enumerates every combination of the options someone cares about."""
    inert = s.inert_issues
    sizes = [
        len(issue.options)
        for iid, issue in s.issues.items()
        if issue.options is not None and iid not in inert
    ]
    count = prod(sizes)
    if count > MAX_COMBINATIONS:
        yield (
            ("issues",),
            f"{count:,} combinations of options that some party cares about: negsim searches "
            f"every one exactly, up to {MAX_COMBINATIONS:,}; make some option issues scales, "
            "or merge them",
        )


def _link_problems(s: Scenario) -> Iterator[tuple[DataPath, str]]:
    """Links condition on option issues and constrain scale or option issues, in their own
    units and option names; together they must leave some package."""
    issues = s.issues
    for n, link in enumerate(s.links):
        where = ("links", n)
        yield from _condition_problems(
            issues,
            link.when,
            where,
            "a link's condition names options; state a condition on a scale issue as its "
            "converse (if the option, then the range)",
        )
        for iid, rule in link.then.items():
            issue = issues.get(iid)
            if issue is None:
                yield KeyPath((*where, "then", iid)), _known(issues, "issue")
            elif issue.shares is not None:
                yield (
                    KeyPath((*where, "then", iid)),
                    f"{iid} is a shares issue: links cannot bound it",
                )
            elif issue.options is not None:
                if not isinstance(rule, str | list):
                    yield (*where, "then", iid), "an option issue takes an option or a list of them"
                else:
                    yield from _option_names(issue, rule, (*where, "then", iid))
            elif isinstance(rule, str | list):
                yield (
                    (*where, "then", iid),
                    f"{iid} is a scale issue: give {{min, max}} in its units",
                )
            else:
                scale = issue.scale
                for end in ("min", "max"):
                    value = getattr(rule, end)
                    if value is not None and not scale.min <= value <= scale.max:
                        yield (
                            (*where, "then", iid, end),
                            f"{value:g} is outside the scale of {iid} "
                            f"[{scale.min:g}, {scale.max:g}]",
                        )
    yield from _links_leave_a_package(s)


def _condition_problems(issues, when, where, why: str) -> Iterator[tuple[DataPath, str]]:
    """A condition (``if``) names option issues and their options."""
    for iid, names in when.items():
        issue = issues.get(iid)
        if issue is None:
            yield KeyPath((*where, "if", iid)), _known(issues, "issue")
        elif issue.options is None:
            yield KeyPath((*where, "if", iid)), f"{iid} is not an option issue: {why}"
        else:
            yield from _option_names(issue, names, (*where, "if", iid))


def _interaction_problems(s: Scenario) -> Iterator[tuple[DataPath, str]]:
    """Interactions condition on options and change scale issues only — what keeps every
    utility concave in the scales under each combination — within the issues' scales."""
    issues, parties = s.issues, s.parties
    for n, interaction in enumerate(s.interactions):
        where = ("interactions", n)
        yield from _condition_problems(
            issues,
            interaction.when,
            where,
            "an interaction's condition names options (a condition on a scale would make "
            "utilities non-concave)",
        )
        for pid, change in interaction.then.items():
            if pid not in parties:
                yield KeyPath((*where, "then", pid)), _known(parties, "party")
                continue
            for field in ("salience", "positions"):
                for iid, value in getattr(change, field).items():
                    path = (*where, "then", pid, field, iid)
                    issue = issues.get(iid)
                    if issue is None:
                        yield KeyPath(path), _known(issues, "issue")
                    elif issue.scale is None:
                        kind = "an option" if issue.options is not None else "a shares"
                        yield (
                            KeyPath(path),
                            f"{iid} is {kind} issue: an interaction changes what a party "
                            "wants on a scale issue",
                        )
                    elif field == "positions":
                        yield from _position_problems(s, iid, value, path)
            for iid, weight in change.salience.items():
                scale = iid in issues and issues[iid].scale is not None
                placed = iid in parties[pid].positions or iid in change.positions
                if scale and weight > 0 and not placed:
                    yield (
                        (*where, "then", pid, "salience", iid),
                        f"{pid} has no position on {iid}: give one here or in its positions",
                    )


def _links_leave_a_package(s: Scenario) -> Iterator[tuple[DataPath, str]]:
    """Some combination of the options the links name passes every link."""
    named = sorted({iid for link in s.links for iid in (*link.when, *link.then)})
    named = [iid for iid in named if iid in s.issues and s.issues[iid].options is not None]
    if not s.links or len(named) != len({*named}):
        return

    def allowed(choice: dict[str, str]) -> bool:
        for link in s.links:
            holds = all(
                choice.get(iid) in ([v] if isinstance(v, str) else v)
                for iid, v in link.when.items()
            )
            if not holds:
                continue
            for iid, rule in link.then.items():
                if iid in choice and choice[iid] not in ([rule] if isinstance(rule, str) else rule):
                    return False
        return True

    options = [s.issues[iid].options for iid in named]
    if not any(allowed(dict(zip(named, combo, strict=True))) for combo in product(*options)):
        yield ("links",), "the links leave no package at all: every combination is excluded"


def _option_names(issue, names, path) -> Iterator[tuple[DataPath, str]]:
    for name in [names] if isinstance(names, str) else names:
        if name not in issue.options:
            yield path, f"unknown option {name!r}; options: {', '.join(issue.options)}"


def _shares_problems(s: Scenario, iid: str):
    """The parties of a shares issue exist; its status quo splits exactly its total among them."""
    issue = s.issues[iid]
    among = issue.shares.among
    for n, pid in enumerate(among):
        if pid not in s.parties:
            yield ("issues", iid, "shares", "among", n), _known(s.parties, "party")
    split = issue.status_quo
    if split is None:
        return
    for pid in split:
        if pid not in among:
            yield (
                KeyPath(("issues", iid, "status_quo", pid)),
                f"not among the parties sharing {iid}; among: {', '.join(among)}",
            )
    total = issue.shares.total
    if abs(sum(split.values()) - total) > SPLIT_TOLERANCE * max(1.0, total):
        yield (
            ("issues", iid, "status_quo"),
            f"the amounts add up to {sum(split.values()):g}, not the total {total:g}",
        )


def _rational_problems(s: Scenario):
    """Subgame-perfect play (concession style rational) is solved for one divisible issue with
    every party playing it, under the alternating protocol."""
    rational = [p for p, party in s.parties.items() if party.concession.style == "rational"]
    if not rational:
        return
    where = ("parties", rational[0], "concession", "style")
    if not isinstance(s.protocol, Alternating):
        yield where, "rational (subgame-perfect) play needs protocol kind alternating"
        return
    for pid, party in s.parties.items():
        if party.concession.style != "rational":
            yield (
                ("parties", pid, "concession"),
                f"every party must play rational when one does ({rational[0]} does): "
                "subgame-perfect play assumes all do",
            )
    divisible = [i for i, issue in s.issues.items() if issue.options is None]
    if len(s.issues) != 1 or len(divisible) != 1:
        yield (
            where,
            "rational play is solved for a single scale or shares issue; this scenario has "
            f"{len(s.issues)} issue{'s' if len(s.issues) != 1 else ''}"
            + ("" if divisible else " and none is divisible"),
        )
    for iid, issue in s.issues.items():
        if issue.shares is not None and set(issue.shares.among) != set(s.parties):
            yield (
                ("issues", iid, "shares", "among"),
                "rational play on a shares issue needs every party among the sharers",
            )
    if len(s.parties) > MAX_RATIONAL_PARTIES:
        yield where, f"rational play supports at most {MAX_RATIONAL_PARTIES} parties"


def _upper(value: Any) -> float:
    return value if isinstance(value, int | float) else value.support()[1]


def _reference_problems(s: Scenario) -> Iterator[tuple[DataPath, str]]:
    """Published forecasts and outcomes name real issues and lie on their scales."""
    if s.reference is None:
        return
    for iid, known in s.reference.issues.items():
        path = ("reference", "issues", iid)
        if iid not in s.issues:
            yield KeyPath(path), _known(s.issues, "issue")
        elif s.issues[iid].scale is None:
            yield path, "a reference needs a scale issue (numbers on it)"
        else:
            for model, value in known.forecasts.items():
                yield from _position_problems(s, iid, value, (*path, "forecasts", model))
            if known.actual is not None:
                yield from _position_problems(s, iid, known.actual, (*path, "actual"))


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
            yield (
                path,
                (
                    f"the distribution can draw values in {value.describe_support()}, outside "
                    f"{where}: narrow it or add clip: [lo, hi]"
                ),
            )
    elif not lo <= value <= hi:
        yield path, f"{value:g} is outside {where}"


def _event_problems(s: Scenario):
    settable = parameter_leaves(s)
    seen: set[str] = set()
    for n, event in enumerate(s.events):
        if event.name in seen:
            yield ("events", n, "name"), f"duplicate event name {event.name!r}"
        seen.add(event.name)
        for target, value in event.set.items():
            where = ("events", n, "set", target)
            if target not in settable or ".set." in target:
                yield (
                    KeyPath(where),
                    (
                        "not a parameter an event can set (parties.<id>.<field>, "
                        "parties.<id>.salience.<issue>, issues.<id>.status_quo, battlefield.*, "
                        "protocol.mediator, protocol.mediator_bias, protocol.breakdown, "
                        "events.<name>.probability)" + did_you_mean(target, settable)
                    ),
                )
                continue
            if target.endswith(".concession.style") and (value == "rational" or _is_rational(s)):
                yield (
                    where,
                    "an event cannot switch a party to or from rational play: subgame-perfect "
                    "play is fixed for the whole negotiation",
                )
                continue
            message = _set_value_problem(s, target, value, event.set)
            if message:
                yield where, message


def cross_check_warnings(s: Scenario) -> Iterator[tuple[DataPath, str]]:
    """What is allowed but cannot act: an event scheduled past the last round never fires
    (a window shortened with ``--set rounds=N`` leaves the file's events as they are)."""
    label = s.round_label
    for n, event in enumerate(s.events):
        if event.round > s.rounds:
            yield (
                ("events", n, "round"),
                f"warning: {event.name} in {label} {event.round} cannot fire: the last "
                f"{label} is {s.rounds}",
            )


def _is_rational(s: Scenario) -> bool:
    return any(party.concession.style == "rational" for party in s.parties.values())


def _set_value_problem(s: Scenario, target: str, value: Any, sets: dict[str, Any]) -> str | None:
    """Validate ``value`` for ``target`` by validating the scenario with it applied.

    A concession style and its beta go together: a new style brings its default beta unless the
    same event sets one (as the engine applies them)."""
    value = value.model_dump() if hasattr(value, "model_dump") else value
    if target.startswith("protocol.") and not isinstance(s.protocol, Mediated):
        # The mediator's settings under another protocol: checked as the mediated protocol would
        # check them, and without effect (a variant may switch protocols and keep its events).
        name = target.removeprefix("protocol.")
        if name == "mediator" and value is not None and value not in s.parties:
            return _known(s.parties, "party")
        try:
            Mediated.model_validate({name: value})
        except ValidationError as exc:
            return exc.errors()[0]["msg"].removeprefix("Value error, ")
        return None
    if target.startswith("events."):  # events.<name>.probability: validate that event alone
        event = next(e for e in s.events if e.name == target.split(".")[1])
        try:
            Event.model_validate({"name": event.name, "round": event.round, "probability": value})
        except ValidationError as exc:
            return exc.errors()[0]["msg"].removeprefix("Value error, ")
        return None
    data = s.model_dump(exclude={"events"}, exclude_unset=False, by_alias=True)
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
        applied = Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        return first["msg"].removeprefix("Value error, ")
    problem = next(_problems(applied), None)
    return None if problem is None else problem[1]
