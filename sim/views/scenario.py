"""``negsim show``: a scenario as terminal tables, in native units and option names.

Uncertain values are shown by their mean (choices by their most likely option), and the
compromise forecast uses those central values.
"""

from __future__ import annotations

import numpy as np
from rich.console import Console
from rich.table import Table

from sim.bargaining.utility import compromise
from sim.model.protocols import PROTOCOLS
from sim.scenario.distributions import Choice, _Distribution
from sim.scenario.parameters import parameter_leaves
from sim.scenario.protocols import Alternating, Compromise, ExpectedUtility, Mediated
from sim.scenario.sampling import central_value
from sim.scenario.schema import Scenario
from sim.scenario.units import IssueUnits, Layout, issue_units


def compromise_forecast(scenario: Scenario) -> dict[str, float]:
    """Stokman's compromise per issue from central values, in model units [0, 1]: one value
    per scale or option issue, and per party of a shares issue (``<issue>.<party>``: the share
    ``c·s / Σ c·s`` of the total)."""
    leaves = parameter_leaves(scenario)
    layout = Layout.of(scenario.issues)
    units = layout.units
    parties = list(scenario.parties)

    def central(path: str) -> float:
        return central_value(leaves[path], units)

    forecast = {}
    capability = np.array([central(f"parties.{p}.capability") for p in parties])
    for iid, issue in scenario.issues.items():
        salience = np.array([central(f"parties.{p}.salience.{iid}") for p in parties])
        if issue.shares is not None:
            among = issue.shares.among
            weight = np.array(
                [
                    c * w if p in among else 0.0
                    for p, c, w in zip(parties, capability, salience, strict=True)
                ]
            )
            total = weight.sum()
            for pid in among:
                share = weight[parties.index(pid)] / total if total > 0 else 1 / len(among)
                forecast[f"{iid}.{pid}"] = float(share)
            continue
        status_quo = central(f"issues.{iid}.status_quo")
        positions = np.array(
            [
                central(f"parties.{p}.positions.{iid}")
                if iid in scenario.parties[p].positions
                else status_quo
                for p in parties
            ]
        )
        value = compromise(
            capability[:, None],
            salience[:, None],
            positions[:, None],
            fallback=np.array([status_quo]),
        )
        forecast[iid] = float(value[0])
    return forecast


def _value(value, issue: IssueUnits | None = None) -> str:
    """A value as written, uncertain ones by their mean (``≈``) or most likely option."""
    if isinstance(value, Choice):
        mode = value.mode()
        share = value.choice[mode] / sum(value.choice.values())
        return f"{mode} ({share:.0%})"
    if isinstance(value, str):
        return value
    if value is None:
        return "—"
    approx = "≈" if isinstance(value, _Distribution) else ""
    number = value.mean() if approx else float(value)
    unit = f" {issue.unit_label}" if issue is not None and issue.unit_label else ""
    return f"{approx}{number:,.4g}{unit}"


def render_scenario(scenario: Scenario, console: Console) -> None:
    """Print the scenario's tables to ``console``."""
    units = issue_units(scenario.issues)
    console.print(f"[bold]{scenario.title or scenario.name}[/bold]  ({scenario.name})")
    if scenario.description:
        console.print(scenario.description.strip())
    console.print(
        f"{scenario.rounds} {scenario.round_label}s at most · protocol: {_protocol(scenario)}"
    )

    issues = Table(title="Issues", title_justify="left")
    for column in ("issue", "range or options", "status quo", "veto", "battlefield"):
        issues.add_column(column)
    for iid, issue in scenario.issues.items():
        if issue.shares is not None:
            split = issue.status_quo
            status_quo = (
                "nobody gets any"
                if split is None
                else ", ".join(f"{p} {amount:g}" for p, amount in split.items())
            )
        else:
            status_quo = _value(issue.status_quo, units[iid])
        issues.add_row(
            iid if not issue.title else f"{iid}\n[dim]{issue.title}[/dim]",
            units[iid].describe_range(),
            status_quo,
            ", ".join(issue.veto) or "—",
            "yes" if issue.battlefield else "",
        )
    console.print(issues)

    positions = Table(title="Positions (salience)", title_justify="left", show_footer=True)
    positions.add_column("party", footer="compromise forecast")
    positions.add_column("capability", justify="right")
    forecast = compromise_forecast(scenario)
    for iid, issue in scenario.issues.items():
        if issue.shares is not None:
            footer = "\n".join(
                f"{p} {units[iid].describe(forecast[f'{iid}.{p}'])}" for p in issue.shares.among
            )
        else:
            footer = units[iid].describe_point(forecast[iid])
        positions.add_column(iid, justify="right", footer=footer)
    for pid, party in scenario.parties.items():
        cells = []
        for iid, issue in scenario.issues.items():
            if issue.shares is not None and pid in issue.shares.among:
                salience = _value(party.salience.get(iid, 0.0))
                cells.append(f"all of it ({salience})")
            elif iid in party.positions:
                salience = _value(party.salience.get(iid, 0.0))
                cells.append(f"{_value(party.positions[iid], units[iid])} ({salience})")
            else:
                cells.append("—")
        positions.add_row(pid, _value(party.capability), *cells)
    console.print(positions)
    console.print(_who_must_accept(scenario))

    if scenario.events:
        events = Table(title="Events", title_justify="left")
        for column in (scenario.round_label, "event", "probability", "sets"):
            events.add_column(column)
        for event in scenario.events:
            sets = "\n".join(f"{path} = {_value(v)}" for path, v in event.set.items())
            events.add_row(
                str(event.round), event.title or event.name, _value(event.probability), sets
            )
        console.print(events)


def _breakdown(protocol) -> str:
    """The risk that the talks break down, in words, where there is one."""
    risk = getattr(protocol, "breakdown", 0.0)
    return "" if risk == 0 else f", breakdown risk {_value(risk)} a round"


def _protocol(scenario: Scenario) -> str:
    """The protocol and its settings in words."""
    protocol = scenario.protocol
    if isinstance(protocol, Mediated):
        return (
            f"mediated (mediator: {protocol.mediator or 'neutral'}, "
            f"bias {_value(protocol.mediator_bias)}, "
            f"ratification: {_ratification(protocol.ratification)}" + _breakdown(protocol) + ")"
        )
    if isinstance(protocol, Alternating):
        if protocol.order is not None:
            proposers = "in turn: " + " → ".join(protocol.order)
        elif protocol.recognition is not None:
            proposers = "recognition " + ", ".join(
                f"{p} {w:g}" for p, w in protocol.recognition.items()
            )
        else:
            proposers = "recognition ∝ capability"
        rational = all(p.concession.style == "rational" for p in scenario.parties.values())
        play = "subgame-perfect (all rational)" if rational else "behavioural concession"
        return (
            f"alternating offers (proposer {proposers}; decision: "
            f"{_ratification(protocol.decision)}; ratification: "
            f"{_ratification(protocol.ratification)}; play: {play})"
        )
    if isinstance(protocol, ExpectedUtility):
        return (
            f"expected_utility (Bueno de Mesquita, as specified by Scholz et al. 2011; "
            f"q {protocol.q:g}, t {protocol.t:g}; forecast: the weighted median after "
            f"{scenario.rounds} {scenario.round_label}s)"
        )
    if isinstance(protocol, Compromise):
        return "compromise (Stokman's one-shot Σ c·s·x / Σ c·s; no bargaining)"
    # a protocol with no words of its own here: its kind and settings as written
    settings = "; ".join(f"{name} {_setting(value)}" for name, value in protocol if name != "kind")
    return f"{protocol.kind} ({settings})" if settings else protocol.kind


def _setting(value) -> str:
    """A protocol's setting as written: a number, name or distribution as :func:`_value`
    writes it, anything else (a mapping, a list, a rule) as its data."""
    plain = type(value) in (int, float) or isinstance(value, str | Choice | _Distribution)
    if value is None or plain:
        return _value(value)
    return str(value.model_dump() if hasattr(value, "model_dump") else value)


def _who_must_accept(scenario: Scenario) -> str:
    holders = ", ".join(scenario.veto_holders)
    protocol = scenario.protocol
    if isinstance(protocol, Mediated):
        return "Veto holders: " + (holders or "none named, so every party must accept a deal")
    if isinstance(protocol, Alternating):
        return "Veto holders: " + (
            f"{holders} (each must accept, besides the decision rule)"
            if holders
            else "none named, so the decision rule alone decides"
        )
    if PROTOCOLS[protocol.kind].forecast:
        return "No deals: the protocol forecasts the outcome; veto lists play no part"
    return "Veto holders: " + (holders or "none named")


def _ratification(rule) -> str:
    return rule if isinstance(rule, str) else f"quota {rule.quota:g}"
