"""What ``negsim compare`` shows: the comparison as tables of strings (the same on the terminal
and in the report), each row's verdict in plain words, and the report's figures."""

from __future__ import annotations

import numpy as np
from rich.console import Console
from rich.text import Text

from sim.analysis.compare import BatchStats, Comparison, Pairing, Row
from sim.scenario.units import OptionUnits
from sim.views.console import print_table
from sim.views.html import Section, Table

# --- numbers in words -----------------------------------------------------------------------


def _decimals(half_width: float) -> int:
    """Decimals that show an estimate to the precision its interval supports."""
    if not np.isfinite(half_width) or half_width <= 0:
        return 2
    return int(np.clip(-np.floor(np.log10(half_width / 2)), 0, 6))


def _points(estimate: float, interval: tuple[float, float]) -> str:
    """A difference of proportions in percentage points: ``+12 points [8, 16]``."""
    e, lo, hi = 100 * estimate, 100 * interval[0], 100 * interval[1]
    d = _decimals((hi - lo) / 2)
    e = round(e, d) + 0.0  # no "-0"
    word = "point" if abs(e) == 1 else "points"
    return f"{e:+.{d}f} {word} [{lo:.{d}f}, {hi:.{d}f}]"


def _amount(estimate: float, interval: tuple[float, float], unit: str = "") -> str:
    """A difference in native units: ``+0.6 % of Ukraine [0.3, 0.9]``."""
    lo, hi = interval
    d = _decimals((hi - lo) / 2)
    estimate = round(estimate, d) + 0.0  # no "-0"
    return f"{estimate:+,.{d}f}{' ' + unit if unit else ''} [{lo:,.{d}f}, {hi:,.{d}f}]"


def p_text(p: float | None) -> str:
    if p is None or not np.isfinite(p):
        return "—"
    if p < 1e-4:
        return "<0.0001"
    return f"{p:.2g}" if p < 0.1 else f"{p:.2f}"


def _round(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _share(value: float) -> str:
    return f"{100 * value:.0f}%"


def _threshold(row: Row) -> str:
    if row.unit == "proportion":
        return f"{100 * row.threshold:g} points"
    unit = row.unit + ("s" if row.topic == "time" and row.threshold != 1 else "")
    return f"{row.threshold:,.3g}{' ' + unit if unit else ''}"


def _difference(row: Row) -> str:
    """The estimate with its interval, in the row's own terms."""
    if row.unit == "proportion":
        return _points(row.estimate, row.interval)
    if row.topic == "time":  # rounds, in the scenario's word for them
        return f"mean {_amount(row.estimate, row.interval, row.unit + 's')}"
    centre = "mean" if row.method == "paired" else "median"
    return f"{centre} {_amount(row.estimate, row.interval, row.unit)}"


def _gap(row: Row) -> str:
    """Where the two Kaplan–Meier curves are furthest apart."""
    d = row.detail
    return (
        f"by {row.unit} {d['at']:g}, {_share(d['settled_reference'])} → "
        f"{_share(d['settled'])} have a deal"
    )


def _changed(row: Row) -> str:
    """What changed, in words, for a row that calls a difference."""
    up = row.estimate > 0
    amount = _difference(row)
    if row.topic == "deal":
        return f"deal {'more' if up else 'less'} likely: {amount}"
    if row.topic == "time":
        return f"deal {'sooner' if row.detail['sooner'] else 'later'}: {amount}"
    if row.topic == "issue" and "option" in row.detail:
        return f"option shares differ: {_option_change(row)}"
    if row.topic in ("payoff", "utility"):
        return f"{'better' if up else 'worse'} for {row.subject}: {amount}"
    where = " among deals" if row.detail.get("deals") else ""
    if row.unit == "proportion":
        return f"{'more' if up else 'less'} often: {amount}"
    return f"{'higher' if up else 'lower'}{where}: {amount}"


def _option_change(row: Row) -> str:
    d = row.detail
    change = (
        f"{d['option']} {_share(d['reference_value'])} → {_share(d['value'])}, "
        f"{_points(row.estimate, row.interval)}"
    )
    if "agreement" in d:
        change += f"; the same option in {_share(d['agreement'])} of {d['pairs']:,} pairs"
    return change


def verdict(row: Row) -> str:
    """A row's finding in plain words."""
    if row.finding == "same":
        if row.detail.get("identical"):
            return "the same in every replicate"
        value = row.detail.get("option") or f"{row.detail.get('value', 0):,.4g} {row.unit}"
        return f"the same in both: {str(value).strip()} throughout"
    said = _said(row)
    if row.topic == "time":  # and where the curves are furthest apart, which a mean can hide
        said += f"; {_gap(row)}"
    return said


def _said(row: Row) -> str:
    amount = _option_change(row) if "option" in row.detail else _difference(row)
    if row.topic == "time":
        amount += " without a deal"
    if row.finding == "not significant":
        return f"no significant difference: {amount}"
    if row.finding == "below threshold":
        return f"no practical difference: {amount}, below {_threshold(row)}"
    if row.finding == "shape differs":
        return f"distributions differ, centre about the same: {amount}"
    return _changed(row)


def pairing_text(label: str, ref: BatchStats, pairs: Pairing) -> str:
    """How a batch was compared with the reference, and why."""
    if pairs.paired:
        evidence = (
            f"{pairs.matching} of {pairs.shared} drawn parameters identical replicate by replicate"
            if pairs.shared
            else "no drawn parameter varies in both"
        )
        return (
            f"{label} is paired with {ref.label}: the same seed ({ref.info.seed}) and N "
            f"({ref.runs:,}), {evidence}; each row compares replicate j with replicate j "
            "(common random numbers)."
        )
    why = []
    if not pairs.same_seed:
        why.append("other seeds")
    if not pairs.same_runs:
        why.append("other N")
    if pairs.same_seed and pairs.same_runs:
        why.append(f"only {pairs.matching} of {pairs.shared} drawn parameters agree")
    return (
        f"{label} is compared with {ref.label} as an independent sample ({', '.join(why)}): "
        "its replicates do not share their draws."
    )


def thresholds_text(comparison: Comparison) -> str:
    t = comparison.thresholds
    label = comparison.reference.round_label
    return (
        f"A verdict calls a difference only when its Holm-adjusted p < {comparison.alpha:g} "
        f"(over {comparison.comparisons} tests; Holm 1979) and the difference is at least "
        f"{100 * t.points:g} percentage points (deal probability, option shares, yes/no "
        f"outcomes), {100 * t.scale:g}% of an issue's scale (other numbers: of their range), "
        f"{t.payoff:g} of payoff or utility, {t.rounds:g} {label} of restricted mean time to "
        f"deal. Intervals are {comparison.confidence:.0%} intervals of each row on its own. "
        "Paired rows: the mean difference replicate by replicate; independent rows: the "
        "difference in medians. Terms compare deals (paired: replicates with a deal in both); "
        "payoffs and utilities compare all replicates."
    )


PAYOFF_NOTE = (
    "Payoff: what the talks were worth to each party, deal and no deal on one footing — the "
    "discounted value of the outcome less the war costs borne until it. The comparison ranks "
    "parties by payoff first; utility (the outcome alone, 1 = the party's ideal) follows."
)


# --- tables ---------------------------------------------------------------------------------


def _row_name(row: Row) -> str:
    if row.topic == "issue":
        return f"issue {row.subject}" + (" (deals)" if row.detail.get("deals", True) else "")
    if row.topic in ("payoff", "utility"):
        return f"{row.topic} of {row.subject}"
    return row.subject


def _party_table(comparison: Comparison, measure: str, title: str, note: str) -> Table:
    batches = comparison.batches
    party_ids: list[str] = []
    for b in batches:
        party_ids.extend(p for p in getattr(b, measure) if p not in party_ids)
    rows = []
    for pid in party_ids:
        cells = [pid]
        for b in batches:
            d = getattr(b, measure).get(pid)
            if d is None:
                cells.append("not in batch")
                continue
            split = [
                f"{np.median(d.samples[mask]):.2f}" if mask.any() else "—"
                for mask in (d.deal, ~d.deal)
            ]
            cells.append(f"{d.median:.2f} ({d.q10:.2f} to {d.q90:.2f}); {' / '.join(split)}")
        rows.append(cells)
    return Table(["party", *(b.label for b in batches)], rows, title=title, note=note)


def comparison_tables(comparison: Comparison) -> dict[str, list[Table]]:
    """The comparison as tables of strings, by part: ``batches``, ``outcomes``, ``payoffs``,
    ``utilities``, ``other`` and ``differences`` (one table per batch compared with the
    first)."""
    batches = comparison.batches
    ref = comparison.reference
    label = ref.round_label
    overview = Table(
        columns=[
            "batch",
            "scenario",
            "seed",
            "N",
            f"deal probability [{comparison.confidence:.0%}]",
            f"median {label} of a deal",
            f"half have a deal by {label}",
        ],
        rows=[
            [
                b.label,
                b.info.scenario,
                "—" if b.info.seed is None else str(b.info.seed),
                f"{b.runs:,}",
                f"forecast ({b.protocol})"
                if b.forecast
                else f"{b.deal_probability:.1%} [{b.interval[0]:.1%}, {b.interval[1]:.1%}]",
                _round(b.median_deal_round),
                _round(b.median_round),
            ]
            for b in batches
        ],
        title="Deal probability and time to deal",
        note=(
            f'Wilson {comparison.confidence:.0%} intervals. "Half have a deal by" is the '
            f"Kaplan–Meier median: no deal by the last {label} counts as censored; — when fewer "
            "than half reach a deal."
        ),
        align=["left", "left", "right", "right", "right", "right", "right"],
    )
    keys: list[str] = []
    for b in batches:
        keys.extend(i for i in b.issues if i not in keys)
    outcome_rows = []
    for key in keys:
        first = next(b.issues[key] for b in batches if key in b.issues)
        cells = [key, "option shares" if isinstance(first.units, OptionUnits) else first.unit]
        for b in batches:
            d = b.issues.get(key)
            if d is None:
                cells.append("not in batch")
            elif d.count == 0:
                cells.append("no deals")
            elif isinstance(d.units, OptionUnits):
                cells.append(", ".join(f"{o} {_share(s)}" for o, s in d.shares.items() if s > 0))
            else:
                cells.append(f"{d.median:,.4g} ({d.q10:,.4g} to {d.q90:,.4g})")
        outcome_rows.append(cells)
    outcomes = Table(
        columns=["issue", "unit", *(b.label for b in batches)],
        rows=outcome_rows,
        title="Terms of a deal",
        note="Median (10% to 90%) of the outcome among deals"
        + (
            " (under a forecasting protocol: of its forecasts)"
            if any(b.forecast for b in batches)
            else ""
        )
        + ", in the issue's unit; option issues: each option's share.",
        align=["left", "left", *["left"] * len(batches)],
    )
    split = "; then the medians with a deal / without."
    payoffs = _party_table(
        comparison,
        "payoffs",
        "Payoff per party",
        f"Median (10% to 90%) over all replicates{split} {PAYOFF_NOTE}",
    )
    utilities = _party_table(
        comparison,
        "utilities",
        "Utility of the outcome per party",
        f"Median (10% to 90%) over all replicates{split} 1 is the party's ideal.",
    )
    columns: list[str] = []
    for b in batches:
        columns.extend(c for c in b.extras if c not in columns)
    other = (
        [
            Table(
                ["outcome", *(b.label for b in batches)],
                [
                    [
                        column,
                        *(
                            "not in batch"
                            if (values := b.extras.get(column)) is None
                            else _share(values.mean())
                            if np.isin(values, (0.0, 1.0)).all()
                            else f"{np.median(values):,.4g}"
                            for b in batches
                        ),
                    ]
                    for column in columns
                ],
                title="Other outcomes",
                note="Share of replicates where it holds (yes/no outcomes), or the median.",
            )
        ]
        if columns
        else []
    )
    differences = []
    for b in batches[1:]:
        rows = [r for r in comparison.rows if r.batch == b.label]
        if not rows:
            continue
        differences.append(
            Table(
                columns=["row", "method", "test", "p", "Holm p", "Wasserstein", "verdict"],
                rows=[
                    [
                        _row_name(r),
                        r.method,
                        r.test,
                        p_text(r.p),
                        p_text(r.p_adjusted),
                        "—" if r.distance is None else f"{r.distance:,.3g}",
                        verdict(r),
                    ]
                    for r in rows
                ],
                title=f"{b.label} compared with {ref.label}",
                note=f"Differences are {b.label} − {ref.label}, with "
                f"{comparison.confidence:.0%} intervals; the Wasserstein distance is in the "
                "row's units.",
                align=["left", "left", "left", "right", "right", "right", "left"],
            )
        )
    return {
        "batches": [overview],
        "outcomes": [outcomes],
        "payoffs": [payoffs],
        "utilities": [utilities],
        "other": other,
        "differences": differences,
    }


PARTS = ("batches", "outcomes", "payoffs", "utilities", "other", "differences")


def _preamble(comparison: Comparison) -> list[str]:
    ref = comparison.reference
    return [
        *(pairing_text(label, ref, pairs) for label, pairs in comparison.pairings.items()),
        *comparison.skipped,
    ]


def render_comparison(comparison: Comparison, console: Console) -> None:
    """Print the comparison on the terminal: how each batch pairs with the first, the
    skipped rows (one line each), the tables and the rule a verdict follows."""
    ref = comparison.reference
    console.print(
        Text(
            f"Comparing {len(comparison.batches)} batches with the first, {ref.label} "
            f"({ref.info.scenario}, seed {ref.info.seed}, N {ref.runs:,})",
            style="bold",
        )
    )
    for line in _preamble(comparison):
        console.print(Text(line))
    tables = comparison_tables(comparison)
    for part in PARTS:
        for table in tables[part]:
            print_table(console, table)
    console.print(Text(thresholds_text(comparison)))


def report_sections(comparison: Comparison, fans: dict | None = None) -> list[Section]:
    """The comparison as report sections with their figures (needs matplotlib); ``fans``:
    batch label → the fans of its ``rounds.parquet`` (:func:`sim.analysis.paths.fans`), for
    the batches run with ``--traces``."""
    from sim.views import plots

    batches = comparison.batches
    ref = comparison.reference
    tables = comparison_tables(comparison)
    bargaining = [b for b in batches if not b.forecast]
    sections = [
        Section(
            "Deal probability and time to deal",
            tables=tables["batches"],
            figures=[
                plots.deal_probability(
                    [b.label for b in bargaining],
                    [b.deal_probability for b in bargaining],
                    [b.interval for b in bargaining],
                ),
                plots.survival(
                    {b.label: b.survival for b in bargaining},
                    bargaining[0].round_label,
                    window=max(b.rounds for b in bargaining),
                ),
            ]
            if bargaining
            else [],
        )
    ]
    if fans:
        sections.append(
            Section(
                "How the talks moved",
                text=[
                    "The text on the table round by round across each batch's replicates "
                    "still bargaining (from rounds.parquet, written with --traces): the "
                    "median with its 25–75% and 10–90% bands, or each option's share."
                ],
                figures=[
                    plots.fan(
                        found,
                        b.round_label,
                        b.rounds,
                        title=f"{b.label}: the text on the table over the {b.round_label}s",
                    )
                    for b in batches
                    if (found := fans.get(b.label))
                ],
            )
        )
    figures = []
    keys: list[str] = []
    for b in batches:
        keys.extend(i for i in b.issues if i not in keys)
    for key in keys:
        first = next(b.issues[key] for b in batches if key in b.issues)
        same = {
            b.label: b.issues[key].samples
            for b in batches
            if key in b.issues and b.issues[key].units.reads_like(first.units)
        }
        if isinstance(first.units, OptionUnits):
            figures.append(plots.outcome_distributions(key, same, options=first.units.options))
        else:
            figures.append(plots.outcome_distributions(key, same, unit=first.unit))
    sections.append(Section("Terms of a deal", tables=tables["outcomes"], figures=figures))
    for measure, part, heading in (
        ("payoffs", "payoffs", "Payoff per party"),
        ("utilities", "utilities", "Utility of the outcome per party"),
    ):
        samples = {}
        for b in batches:
            for pid, d in getattr(b, measure).items():
                samples.setdefault(pid, {})[b.label] = (d.samples, d.deal)
        word = "payoff" if measure == "payoffs" else "utility"
        sections.append(
            Section(
                heading,
                tables=tables[part],
                figures=[plots.party_outcomes(samples, word)] if samples else [],
            )
        )
    if tables["other"]:
        sections.append(Section("Other outcomes", tables=tables["other"]))
    sections.append(
        Section(
            f"Differences from {ref.label}",
            text=[*_preamble(comparison), thresholds_text(comparison)],
            tables=tables["differences"],
        )
    )
    return sections
