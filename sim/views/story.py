"""``negsim trace``: one replicate told round by round in plain words."""

from __future__ import annotations

from rich.console import Console

from sim.batch.trace import Trace
from sim.scenario.units import issue_units


def _package(trace: Trace, row: dict, prefix: str, label_prefix: str) -> str:
    parts = []
    for iid, units in issue_units(trace.scenario.issues).items():
        if units.is_options:
            parts.append(f"{iid} {row[f'{label_prefix}.{iid}']}")
        else:
            parts.append(f"{iid} {row[f'{prefix}.{iid}']:,.4g} {units.unit}".rstrip())
    return "; ".join(parts)


def tell(trace: Trace, console: Console) -> None:
    """Print the story of ``trace``."""
    scenario = trace.scenario
    label = scenario.round_label
    events = {e.name: e for e in scenario.events}
    battlefield = [iid for iid, issue in scenario.issues.items() if issue.battlefield]
    units = issue_units(scenario.issues)
    console.print(
        f"[bold]Replicate {trace.replicate}[/bold] of {scenario.title or scenario.name} "
        f"(seed {trace.seed}, protocol {scenario.protocol.kind})"
    )
    drawn = {
        k.removeprefix("param."): v for k, v in trace.outcome.items() if k.startswith("param.")
    }
    if drawn:
        console.print(
            "Drawn for this replicate: "
            + ", ".join(
                f"{path} = {value:.4g}" if isinstance(value, float) else f"{path} = {value}"
                for path, value in drawn.items()
            )
        )
    for row in trace.rounds:
        console.print(f"\n[bold]{label.capitalize()} {row['round']}[/bold]")
        fired = [events[name].title or name for name in events if row.get(f"event.{name}")]
        if fired:
            console.print("  Events: " + "; ".join(fired))
        if battlefield:
            console.print(
                "  Battlefield: "
                + "; ".join(
                    f"{iid} {row[f'status_quo.{iid}']:,.4g} {units[iid].unit}".rstrip()
                    for iid in battlefield
                )
            )
        console.print("  On the table: " + _package(trace, row, "text", "text_label"))
        for pid in scenario.parties:
            utility, aspiration = row[f"utility.{pid}"], row[f"aspiration.{pid}"]
            if row[f"accepted.{pid}"]:
                verdict = f"accepts ({utility:.3f} ≥ aspiration {aspiration:.3f})"
            else:
                verdict = (
                    f"refuses ({utility:.3f} < aspiration {aspiration:.3f}, "
                    f"short by {aspiration - utility:.3f})"
                )
            console.print(f"    {pid} {verdict}")
    outcome = trace.outcome
    console.print()
    if outcome["deal"]:
        console.print(
            f"[bold]Deal in {label} {outcome['round']}[/bold]: "
            + _package(trace, outcome, "outcome", "outcome_label")
        )
    else:
        console.print(
            f"[bold]No deal after {scenario.rounds} {label}s[/bold]; the status quo "
            "holds: " + _package(trace, outcome, "outcome", "outcome_label")
        )
    console.print(
        "Utility (payoff): "
        + ", ".join(
            f"{pid} {outcome[f'utility.{pid}']:.3f} ({outcome[f'payoff.{pid}']:.3f})"
            for pid in scenario.parties
        )
    )
