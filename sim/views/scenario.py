"""``negsim show``: a scenario as terminal tables, in native units and option names.

Uncertain values are shown by their mean (choices by their most likely option), and the
compromise forecast uses those central values.
"""

from __future__ import annotations

import numpy as np
from rich.console import Console
from rich.table import Table

from sim.model.equations import compromise
from sim.scenario.distributions import Choice, _Distribution
from sim.scenario.parameters import parameter_leaves
from sim.scenario.sampling import central_value
from sim.scenario.schema import Mediated, Scenario
from sim.scenario.units import IssueUnits, issue_units


def compromise_forecast(scenario: Scenario) -> dict[str, float]:
    """Stokman's compromise per issue from central values, in model units [0, 1]."""
    leaves = parameter_leaves(scenario)
    units = issue_units(scenario.issues)
    issues, parties = list(scenario.issues), list(scenario.parties)

    def central(path: str) -> float:
        return central_value(leaves[path], units)

    status_quo = np.array([central(f"issues.{k}.status_quo") for k in issues])
    capability = np.array([central(f"parties.{p}.capability") for p in parties])
    salience = np.array([[central(f"parties.{p}.salience.{k}") for k in issues] for p in parties])
    positions = np.array(
        [
            [
                central(f"parties.{p}.positions.{k}")
                if k in scenario.parties[p].positions
                else status_quo[n]
                for n, k in enumerate(issues)
            ]
            for p in parties
        ]
    )
    forecast = compromise(capability, salience, positions, fallback=status_quo)
    return dict(zip(issues, forecast.tolist(), strict=True))


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
    unit = f" {issue.unit}" if issue is not None and issue.unit else ""
    return f"{approx}{number:,.4g}{unit}"


def _forecast_text(units: IssueUnits, internal: float) -> str:
    if units.is_options:
        return f"{internal:.2f} (≈ {units.describe(internal)})"
    return units.describe(internal)


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
        kind = (
            " < ".join(issue.options)
            if issue.options
            else f"{issue.scale.min:g}–{issue.scale.max:g} {issue.scale.unit}".strip()
        )
        issues.add_row(
            iid if not issue.title else f"{iid}\n[dim]{issue.title}[/dim]",
            kind,
            _value(issue.status_quo, units[iid]),
            ", ".join(issue.veto) or "—",
            "yes" if issue.battlefield else "",
        )
    console.print(issues)

    positions = Table(title="Positions (salience)", title_justify="left", show_footer=True)
    positions.add_column("party", footer="compromise forecast")
    positions.add_column("capability", justify="right")
    forecast = compromise_forecast(scenario)
    for iid in scenario.issues:
        positions.add_column(iid, justify="right", footer=_forecast_text(units[iid], forecast[iid]))
    for pid, party in scenario.parties.items():
        cells = []
        for iid in scenario.issues:
            if iid in party.positions:
                salience = _value(party.salience.get(iid, 0.0))
                cells.append(f"{_value(party.positions[iid], units[iid])} ({salience})")
            else:
                cells.append("—")
        positions.add_row(pid, _value(party.capability), *cells)
    console.print(positions)
    console.print(
        "Veto holders: "
        + (", ".join(scenario.veto_holders) or "none named, so every party must accept a deal")
    )

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


def _protocol(scenario: Scenario) -> str:
    protocol = scenario.protocol
    if isinstance(protocol, Mediated):
        return (
            f"mediated (mediator: {protocol.mediator or 'neutral'}, "
            f"bias {_value(protocol.mediator_bias)}, {protocol.candidates} candidates, "
            f"ratification: {_ratification(protocol.ratification)})"
        )
    settings = protocol.model_dump(exclude={"kind"}, exclude_unset=True)
    detail = ", ".join(f"{k}: {v}" for k, v in settings.items())
    return f"{protocol.kind} ({detail})" if detail else protocol.kind


def _ratification(rule) -> str:
    return rule if isinstance(rule, str) else f"quota {rule.quota:g}"
