"""What ``negsim sensitivity`` shows: the deal rate by event, where the target is likely (the
PRIM box in the scenario's terms), and per outcome its drivers ranked — by permutation
importance with the partial rank correlation beside it, or by Sobol indices — on the terminal
and as report sections."""

from __future__ import annotations

import math

from rich.console import Console
from rich.text import Text

from sim.analysis.drivers import Condition, Discovered, EventEffect
from sim.analysis.sensitivity import OutcomeSensitivity, Sensitivity
from sim.views.console import print_table
from sim.views.html import Section, Table

LITTLE = 0.05  # a held-out R² below this: the drivers explain little of an outcome


def p_text(p: float | None) -> str:
    if p is None or math.isnan(p):
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _rate(count: int, total: int, interval: tuple[float, float]) -> str:
    if not total:
        return "—"
    return f"{count / total:.0%} [{interval[0]:.0%}, {interval[1]:.0%}]"


def headline(result: Sensitivity) -> str:
    k = len(result.parameters)
    if result.method == "sobol":
        method = "Sobol indices (SALib)"
    elif result.unit == "points":
        method = "partial rank correlation (PRCC)"
    else:
        events = sum(p.startswith("event.") for p in result.parameters)
        learned = any(o.importance for o in result.outcomes)
        method = (
            "permutation importance and " if learned else ""
        ) + "partial rank correlation (PRCC)"
        return (
            f"{result.source}: {method} of {k} driver{'s' * (k != 1)} ({k - events} drawn "
            f"parameter{'s' * (k - events != 1)}, {events} event{'s' * (events != 1)}), "
            f"{result.n:,} {result.unit}"
        )
    return f"{result.source}: {method} of {k} parameter{'s' * (k != 1)}, {result.n:,} {result.unit}"


# --- tables ---------------------------------------------------------------------------------


def event_table(events: list[EventEffect], round_label: str = "round") -> Table:
    """The deal rate when each event fired and when it did not."""
    return Table(
        columns=[
            "event",
            round_label,
            "still bargaining",
            "fired",
            "deal when fired",
            "deal when not",
            "difference",
            "p",
        ],
        rows=[
            [
                e.event + (f" ({e.title})" if e.title else ""),
                str(e.round),
                f"{e.eligible:,}",
                f"{e.fired:,}",
                _rate(e.deals_fired, e.fired, e.interval_fired),
                _rate(e.deals_not, e.eligible - e.fired, e.interval_not),
                "—"
                if e.difference is None
                else f"{100 * e.difference:+.0f} points [{100 * e.difference_interval[0]:.0f}, "
                f"{100 * e.difference_interval[1]:.0f}]",
                p_text(e.p_value),
            ]
            for e in events
        ],
        title="Deal rate when each event fired, and when it did not",
        note=f"Among the replicates still bargaining at the event's {round_label} (an event "
        "fires only in talks still going). 95% Wilson intervals; the difference with "
        "Newcombe's interval and a two-proportion test.",
        align=["left", "right", "right", "right", "right", "right", "right", "right"],
    )


def _number(value: float) -> str:
    return f"{value:,.3g}"


def condition_text(condition: Condition) -> str:
    """One condition of a box in the scenario's terms: ``event aid_pause (...) fired``,
    ``parties.russia.optimism ≤ 0.08``, ``issues.tomahawk.status_quo is supplied``."""
    name = condition.driver
    if condition.fired is not None:
        title = f" ({condition.title})" if condition.title else ""
        return f"{name}{title} {'fired' if condition.fired else 'did not fire'}"
    if condition.options is not None:
        options = condition.options
        return (
            f"{name} is {options[0]}"
            if len(options) == 1
            else (f"{name} is one of {', '.join(options)}")
        )
    unit = f" {condition.unit}" if condition.unit else ""
    low, high = condition.low, condition.high
    if low is not None and high is not None:
        return f"{_number(low)} ≤ {name} ≤ {_number(high)}{unit}"
    if low is not None:
        return f"{name} ≥ {_number(low)}{unit}"
    return f"{name} ≤ {_number(high)}{unit}"


def discovery_lines(found: Discovered) -> list[str]:
    """Where the target is likely, in sentences."""
    box, prim = found.found.box, found.found
    target = "a deal" if found.target == "deal" else f"`{found.target}`"
    if not found.conditions:
        return [
            f"No box: {target} is about as likely everywhere ({prim.base_rate:.0%} of the "
            f"{prim.replicates:,} replicates); no driver narrows it down."
        ]
    conditions = " and ".join(condition_text(c) for c in found.conditions)
    return [
        f"Where {target} is likely (PRIM): when {conditions}.",
        f"There {target} comes in {box.density:.0%} of the replicates (density), against "
        f"{prim.base_rate:.0%} overall; the box holds {box.mass:.0%} of the replicates and "
        f"{box.coverage:.0%} of all cases of {target} (coverage).",
    ]


def _drivers_table(outcome: OutcomeSensitivity, top: int | None = None) -> Table:
    """Rank, driver, importance (when computed), PRCC, its interval and p."""
    learned = bool(outcome.importance)
    prcc = {e.parameter: e for e in outcome.effects}
    if learned:
        order = [i.driver for i in outcome.importance]
        weight = {i.driver: i for i in outcome.importance}
    else:
        order = [e.parameter for e in outcome.effects]
    rows = []
    for rank, driver in enumerate(order[:top], start=1):
        e = prcc[driver]
        cells = [str(rank), driver]
        if learned:
            cells.append(f"{weight[driver].mean:.3f} ± {weight[driver].std:.3f}")
        if math.isnan(e.prcc):
            cells += ["—", "—", "—"]
        else:
            cells += [f"{e.prcc:+.3f}", f"{e.low:+.3f} … {e.high:+.3f}", p_text(e.p_value)]
        rows.append(cells)
    columns = ["#", "driver", *(["importance"] if learned else []), "PRCC", "95% interval", "p"]
    return Table(columns, rows, align=["right", "left", *["right"] * (len(columns) - 2)])


def _sobol_table(outcome: OutcomeSensitivity, top: int | None = None) -> Table:
    return Table(
        ["#", "parameter", "first-order S1", "total ST"],
        [
            [
                str(rank),
                s.parameter,
                f"{s.first:.3f} ± {s.first_conf:.3f}",
                f"{s.total:.3f} ± {s.total_conf:.3f}",
            ]
            for rank, s in enumerate(outcome.indices[:top], start=1)
        ],
        align=["right", "left", "right", "right"],
    )


def outcome_title(outcome: OutcomeSensitivity, unit: str = "") -> str:
    """An outcome, how many replicates (or points) it was measured on, and how much of it
    the drivers explain."""
    title = f"{outcome.title} ({outcome.n:,}{' ' + unit if unit else ''})"
    if outcome.explained is None:
        return title
    share = max(outcome.explained, 0.0)
    if share < LITTLE:
        return title + (
            f"; the drivers explain little of it (held-out R² {share:.0%}): it varies mostly "
            "with each replicate's own course"
        )
    return title + f"; the drivers explain {share:.0%} of it (held-out R²)"


def outcome_table(
    result: Sensitivity, outcome: OutcomeSensitivity, top: int | None = None
) -> Table:
    """One outcome's drivers ranked (the ``top`` of them), titled by the outcome."""
    ranked = _sobol_table if result.method == "sobol" else _drivers_table
    table = ranked(outcome, top)
    return Table(table.columns, table.rows, outcome_title(outcome, result.unit), None, table.align)


def method_text(result: Sensitivity) -> list[str]:
    if result.method == "sobol":
        return [
            "Sobol indices (Saltelli's scheme; SALib) of the per-point outcomes of the sweep: "
            "S1 is the share of their variance due to one parameter alone, ST includes its "
            "interactions with the others. ± 95% bootstrap half-widths."
        ]
    text = [
        "PRCC (Marino et al. 2008): the rank correlation of a driver with the outcome once the "
        "other drivers are held fixed, −1..1: the strength of a monotone effect. 95% intervals "
        "by Fisher's z (Bonett–Wright variance); the p-values are not adjusted for the many "
        "tests made: read those near 0.05 with care."
    ]
    if any(o.importance for o in result.outcomes):
        text.insert(
            0,
            "Importance (Breiman 2001): the share of an outcome's variance (R², on replicates "
            "the random forest did not learn from) lost when the driver's values are shuffled "
            "± its spread over the shuffles; it sees effects that rise and fall and effects "
            "that act together. Drivers are ranked by it.",
        )
    if result.unit == "replicates":
        text.append(
            "Drivers: every drawn parameter that varies (its dotted path) and every event "
            "(event.NAME: 1 where it fired). Payoff (deal and no deal on one footing) comes "
            "first among each party's outcomes; utility of the outcome alone follows."
        )
    return text


# --- terminal -------------------------------------------------------------------------------


def print_sensitivity(
    result: Sensitivity, console: Console, top: int = 8, round_label: str = "round"
) -> None:
    """The events table, where the target is likely, a ranked table per outcome (the ``top``
    drivers), the warnings and the notes."""
    console.print(Text(headline(result), style="bold"))
    for warning in result.warnings:
        console.print(Text(f"Warning: {warning}", style="bold"))
    if result.events:
        print_table(console, event_table(result.events, round_label))
    if result.discovered is not None:
        for line in discovery_lines(result.discovered):
            console.print(Text(line))
    for outcome in result.outcomes:
        print_table(console, outcome_table(result, outcome, top))
        total = len(outcome.indices if result.method == "sobol" else outcome.effects)
        if total > top:
            console.print(Text(f"… and {total - top} more (--top {total} shows all)", style="dim"))
    for line in method_text(result):
        console.print(Text(line, style="dim"))
    for note in result.notes:
        console.print(Text(f"Note: {note}", style="dim"))


# --- report ---------------------------------------------------------------------------------


def report_sections(result: Sensitivity, round_label: str = "round") -> list[Section]:
    """The analysis as report sections: what was measured, the events, where the target is
    likely (with PRIM's peeling trajectory), and per outcome a chart of its drivers (their
    importance, or PRCC, or total Sobol index, with intervals) and the full table."""
    from sim.views import plots

    sections = [
        Section(
            "What was measured",
            text=[
                headline(result),
                *(f"Warning: {w}" for w in result.warnings),
                *method_text(result),
                *(f"Note: {n}" for n in result.notes),
            ],
        )
    ]
    if result.events:
        sections.append(Section("Events", tables=[event_table(result.events, round_label)]))
    found = result.discovered
    if found is not None:
        prim = found.found
        sections.append(
            Section(
                "Where a deal is likely" if found.target == "deal" else f"Where {found.target}",
                text=discovery_lines(found),
                figures=[
                    plots.peeling(
                        prim.coverage,
                        prim.density,
                        prim.chosen,
                        f"PRIM's peeling trajectory toward {found.target}",
                    )
                ],
                tables=[
                    Table(
                        ["condition"],
                        [[condition_text(c)] for c in found.conditions],
                        title="The box",
                        align=["left"],
                    )
                ]
                if found.conditions
                else [],
            )
        )
    for outcome in result.outcomes:
        if result.method == "sobol":
            figure = plots.tornado(
                [s.parameter for s in outcome.indices],
                [s.total for s in outcome.indices],
                [(s.total - s.total_conf, s.total + s.total_conf) for s in outcome.indices],
                title=f"What drives {outcome.title}",
                xlabel="total Sobol index ST (95% interval)",
            )
        elif outcome.importance:
            figure = plots.tornado(
                [i.driver for i in outcome.importance],
                [i.mean for i in outcome.importance],
                [(i.mean - i.std, i.mean + i.std) for i in outcome.importance],
                title=f"What drives {outcome.title}",
                xlabel="permutation importance (held-out R² lost; ± spread)",
            )
        else:
            shown = [e for e in outcome.effects if not math.isnan(e.prcc)]
            figure = plots.tornado(
                [e.parameter for e in shown],
                [e.prcc for e in shown],
                [(e.low, e.high) for e in shown],
                title=f"What drives {outcome.title}",
                xlabel="partial rank correlation (95% interval)",
            )
        sections.append(
            Section(
                outcome_title(outcome, result.unit),
                tables=[outcome_table(result, outcome)],
                figures=[figure],
            )
        )
    return sections
