"""``negsim trace``: one replicate told round by round in plain words, each protocol in its own
terms — the mediator's text and the responses; the proposer, its offer and the responses; the
challenges, offers and moves of the expected-utility model; Stokman's one-shot compromise."""

from __future__ import annotations

import pandas as pd
from rich.console import Console

from sim.model.protocols import PROTOCOLS
from sim.scenario.schema import Scenario
from sim.scenario.units import issue_units

OFFER_WORDS = {
    "conflict": "loses a conflict to",
    "compromise": "compromises with",
    "capitulation": "capitulates to",
}


def _package(scenario: Scenario, row: dict, family: str) -> str:
    """A package in words from the columns of a result ``family`` (``text``, ``outcome``)."""
    return "; ".join(
        f"{iid} {units.describe_result(row, family)}"
        for iid, units in issue_units(scenario.issues).items()
    )


def tell(scenario: Scenario, trace: pd.DataFrame, console: Console) -> None:
    """Print the story of one replicate of ``scenario``: ``trace`` is its rounds, as
    :func:`sim.trace` returns them (its ``attrs`` hold the replicate, seed and outcome)."""
    kind = scenario.protocol.kind
    label = scenario.round_label
    events = {e.name: e for e in scenario.events}
    battlefield = [iid for iid, issue in scenario.issues.items() if issue.battlefield]
    units = issue_units(scenario.issues)
    console.print(
        f"[bold]Replicate {trace.attrs['replicate']}[/bold] of "
        f"{scenario.title or scenario.name} (seed {trace.attrs['seed']}, protocol {kind})"
    )
    outcome = trace.attrs["outcome"]
    drawn = {k.removeprefix("param."): v for k, v in outcome.items() if k.startswith("param.")}
    if drawn:
        console.print(
            "Drawn for this replicate: "
            + ", ".join(
                f"{path} = {value:.4g}" if isinstance(value, float) else f"{path} = {value}"
                for path, value in drawn.items()
            )
        )
    rational = all(p.concession.style == "rational" for p in scenario.parties.values())
    for row in trace.astype(object).where(trace.notna(), None).to_dict("records"):
        console.print(f"\n[bold]{label.capitalize()} {row['round']}[/bold]")
        fired = [events[name].title or name for name in events if row.get(f"event.{name}")]
        if fired:
            console.print("  Events: " + "; ".join(fired))
        if battlefield:
            console.print(
                "  Battlefield: "
                + "; ".join(
                    f"{iid} {units[iid].describe_native(row[f'status_quo.{iid}'])}"
                    for iid in battlefield
                )
            )
        if kind == "expected_utility":
            _expected_utility_round(scenario, row, console)
            continue
        if kind == "alternating":
            proposer = row["alternating.proposer"]
            console.print(f"  {proposer} proposes: " + _package(scenario, row, "text"))
            if row.get("alternating.coalition"):
                console.print(f"  Coalition: {row['alternating.coalition']}")
        else:
            proposer = None
            console.print("  On the table: " + _package(scenario, row, "text"))
        measure = "continuation value" if rational else "aspiration"
        threshold = f"its {measure}" if rational else measure
        for pid in scenario.parties:
            utility, aspiration = row[f"utility.{pid}"], row[f"aspiration.{pid}"]
            if pid == proposer:
                verdict = f"proposed it ({utility:.3f})"
            elif row[f"accepted.{pid}"] and aspiration < 0.0:  # below the worst package
                verdict = (
                    f"accepts ({utility:.3f}); it would take any text now: its {measure}, "
                    f"{aspiration:.3f}, is below what any package is worth"
                )
            elif row[f"accepted.{pid}"]:
                verdict = f"accepts ({utility:.3f} ≥ {threshold} {aspiration:.3f})"
            else:
                verdict = (
                    f"refuses ({utility:.3f} < {threshold} {aspiration:.3f}, "
                    f"short by {aspiration - utility:.3f})"
                )
            console.print(f"    {pid} {verdict}")
    console.print()
    if kind == "compromise":
        console.print(
            "[bold]Stokman's compromise, one shot[/bold] (Σ c·s·x / Σ c·s of the ideal points, "
            "no rounds played): " + _package(scenario, outcome, "outcome")
        )
    elif kind == "expected_utility":
        console.print(
            f"[bold]Forecast after {scenario.rounds} {label}s[/bold] (the weighted median): "
            + _package(scenario, outcome, "outcome")
        )
    elif PROTOCOLS[kind].forecast:
        console.print(f"[bold]Forecast[/bold] ({kind}): " + _package(scenario, outcome, "outcome"))
    elif outcome["deal"]:
        console.print(
            f"[bold]Deal in {label} {outcome['round']}[/bold]: "
            + _package(scenario, outcome, "outcome")
        )
    else:
        console.print(
            f"[bold]No deal after {scenario.rounds} {label}s[/bold]; the status quo "
            "holds: " + _package(scenario, outcome, "outcome")
        )
    console.print(
        "Utility (payoff): "
        + ", ".join(
            f"{pid} {outcome[f'utility.{pid}']:.3f} ({outcome[f'payoff.{pid}']:.3f})"
            for pid in scenario.parties
        )
    )


def _expected_utility_round(scenario: Scenario, row: dict, console: Console) -> None:
    """One round of Bueno de Mesquita's model, issue by issue: the median and mean before and
    after, who challenges whom, and which offer each actor took."""
    for iid, units in issue_units(scenario.issues).items():
        value = units.describe_native  # the model's columns are in native units
        console.print(
            f"  {iid}: weighted median {value(row[f'eu.start_median.{iid}'])} → "
            f"{value(row[f'eu.median.{iid}'])}; weighted mean "
            f"{row[f'eu.start_mean.{iid}']:,.4g} → {row[f'eu.mean.{iid}']:,.4g}"
        )
        challenges = [
            f"{pid} {row[f'eu.challenges.{iid}.{pid}']}"
            for pid in scenario.parties
            if row[f"eu.challenges.{iid}.{pid}"]
        ]
        if challenges:
            console.print("    Challenges made (expected utility > 0): " + ", ".join(challenges))
        held = []
        for pid in scenario.parties:
            offer = row[f"eu.offer.{iid}.{pid}"]
            risk = row[f"eu.risk.{iid}.{pid}"]
            if offer == "none":
                held.append(pid)
                continue
            console.print(
                f"    {pid} {OFFER_WORDS[offer]} {row[f'eu.from.{iid}.{pid}']}: now at "
                f"{value(row[f'eu.position.{iid}.{pid}'])} (risk exponent {risk:.2f})"
            )
        if held:
            console.print("    No offer taken: " + ", ".join(held))
