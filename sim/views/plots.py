"""The plots of the analysis: one function per kind, each returning a ``matplotlib`` Figure.

Headless: the figures are built as ``matplotlib.figure.Figure`` objects, never through pyplot's
window machinery, and the Agg backend is selected unless pyplot is already in use (a notebook
keeps its own backend; these figures open no window either way). Save one with
``figure.savefig("out.png")`` or put it in a report (:func:`sim.analysis.report.write_report`).

Batches keep one colour each, in the order given, across every plot of a report. Values are in
native units: percentages for probabilities, the issue's unit or options on outcome axes.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

if "matplotlib.pyplot" not in sys.modules:  # never a GUI; leave a notebook's backend alone
    matplotlib.use("Agg")

import matplotlib.ticker
import numpy as np
from matplotlib.figure import Figure

_STYLE = {
    "font.size": 10.5,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.fontsize": 9.5,
    "legend.frameon": False,
}


def colors(n: int) -> list[str]:
    """``n`` distinct colours, the same for batch i in every plot."""
    palette = [
        "#1f77b4",
        "#d62728",
        "#2ca02c",
        "#ff7f0e",
        "#9467bd",
        "#8c564b",
        "#e377c2",
        "#17becf",
        "#7f7f7f",
        "#bcbd22",
    ]
    return [palette[i % len(palette)] for i in range(n)]


def _figure(width: float = 7.5, height: float = 4.2) -> tuple[Figure, Any]:
    figure = Figure(figsize=(width, height), layout="constrained")
    return figure, figure.add_subplot()


def _styled(function):
    """Build the figure under the house style (fonts, grid, spines)."""

    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(_STYLE):
            return function(*args, **kwargs)

    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    wrapper.__wrapped__ = function
    return wrapper


def _percent_axis(axis) -> None:
    axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}%"))


@_styled
def deal_probability(
    labels: Sequence[str],
    estimates: Sequence[float],
    intervals: Sequence[tuple[float, float]],
    x: Sequence[float] | None = None,
    xlabel: str | None = None,
    title: str | None = None,
) -> Figure:
    """Deal probability (0–1 proportions, shown in %) with its intervals: one bar with an
    error bar per batch (``labels`` under the bars), or, when ``x`` is given (the swept
    values), a line with a shaded band along ``x``, labelled ``xlabel``."""
    estimates = 100 * np.asarray(estimates, dtype=float)
    bounds = 100 * np.asarray(intervals, dtype=float).reshape(-1, 2)
    errors = np.clip(np.vstack([estimates - bounds[:, 0], bounds[:, 1] - estimates]), 0, None)
    if x is None:
        n = len(labels)
        figure, axes = _figure(max(5.0, min(12.0, 1.6 + 1.3 * n)), 4.2)
        positions = np.arange(n)
        axes.bar(positions, estimates, color=colors(n), alpha=0.85, width=0.6, zorder=2)
        axes.errorbar(
            positions, estimates, yerr=errors, fmt="none", ecolor="#222", capsize=6, zorder=3
        )
        for position, value, high in zip(positions, estimates, bounds[:, 1], strict=True):
            axes.annotate(
                f"{value:.1f}%",
                (position, high),
                xytext=(0, 4),
                textcoords="offset points",
                ha="center",
                fontsize=9.5,
            )
        axes.set_xticks(positions, labels, rotation=20 if max(map(len, labels)) > 14 else 0)
        axes.grid(axis="x", visible=False)
        axes.set_xlabel(xlabel or "batch")
    else:
        figure, axes = _figure()
        x = np.asarray(x, dtype=float)
        order = np.argsort(x)
        axes.fill_between(
            x[order],
            bounds[order, 0],
            bounds[order, 1],
            color=colors(1)[0],
            alpha=0.2,
            label="95% interval",
        )
        axes.plot(x[order], estimates[order], "o-", color=colors(1)[0], label="deal probability")
        axes.set_xlabel(xlabel or "swept value")
        axes.legend(loc="best")
    axes.set_ylim(0, 108)
    _percent_axis(axes.yaxis)
    axes.set_ylabel("deal probability")
    axes.set_title(title or "Deal probability, with 95% intervals")
    return figure


@_styled
def survival(curves: Mapping[str, Any], round_label: str, title: str | None = None) -> Figure:
    """Time to deal: for each batch (``label -> SurvivalCurve`` from
    :func:`sim.analysis.statistics.kaplan_meier`), the share of negotiations still without a
    deal after each round (Kaplan–Meier, a step line with its 95% band), up to the last
    round; x in ``round_label`` units (e.g. week)."""
    figure, axes = _figure()
    for color, (label, curve) in zip(colors(len(curves)), curves.items(), strict=True):
        # the level after the last round holds on: draw it one more round
        times = np.append(curve.times, max(curve.last, curve.times[-1]) + 1)
        values = np.append(curve.survival, curve.survival[-1]) * 100
        low = np.append(curve.lower, curve.lower[-1]) * 100
        high = np.append(curve.upper, curve.upper[-1]) * 100
        axes.fill_between(times, low, high, step="post", color=color, alpha=0.15, linewidth=0)
        axes.step(times, values, where="post", color=color, linewidth=2, label=label)
    axes.axhline(50, color="#888", linestyle=":", linewidth=1)
    axes.set_ylim(0, 102)
    axes.set_xlim(left=0)
    _percent_axis(axes.yaxis)
    axes.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    axes.set_xlabel(f"{round_label} of the talks")
    axes.set_ylabel("still without a deal")
    axes.set_title(title or "Time to deal (Kaplan–Meier, 95% bands)")
    axes.legend(loc="best")
    return figure


@_styled
def outcome_distributions(
    issue: str,
    samples_by_batch: Mapping[str, Sequence[Any]],
    unit: str = "",
    options: Sequence[str] | None = None,
    title: str | None = None,
) -> Figure:
    """The outcome of one issue among deals, one colour per batch, overlaid.

    A scale issue (``unit``): step histograms on common bins, as % of each batch's deals,
    with each batch's median as a dashed line. An option issue (``options``, samples are
    option names): grouped bars of each option's share of deals."""
    figure, axes = _figure()
    palette = colors(len(samples_by_batch))
    if options is not None:
        n = len(samples_by_batch)
        width = 0.8 / max(n, 1)
        positions = np.arange(len(options))
        for i, (color, (label, samples)) in enumerate(
            zip(palette, samples_by_batch.items(), strict=True)
        ):
            samples = np.asarray(samples, dtype=object)
            total = len(samples)
            shares = np.array(
                [100 * np.sum(samples == option) / total if total else 0.0 for option in options]
            )
            offset = (i - (n - 1) / 2) * width
            axes.bar(
                positions + offset,
                shares,
                width=width * 0.95,
                color=color,
                alpha=0.85,
                label=label if total else f"{label} (no deals)",
                zorder=2,
            )
        axes.set_xticks(positions, options, rotation=15 if max(map(len, options)) > 12 else 0)
        axes.grid(axis="x", visible=False)
        axes.set_ylim(0, 105)
        axes.set_xlabel(f"{issue} (option)")
    else:
        arrays = {k: np.asarray(v, dtype=float) for k, v in samples_by_batch.items()}
        present = [a for a in arrays.values() if len(a)]
        pooled = np.concatenate(present) if present else np.zeros(1)
        low, high = float(pooled.min()), float(pooled.max())
        if high - low < 1e-12:
            low, high = low - 0.5, high + 0.5
        edges = np.histogram_bin_edges(pooled, bins="auto", range=(low, high))
        if len(edges) > 41:
            edges = np.linspace(low, high, 41)
        for color, (label, values) in zip(palette, arrays.items(), strict=True):
            if not len(values):
                axes.plot([], [], color=color, label=f"{label} (no deals)")
                continue
            weights = np.full(len(values), 100 / len(values))
            axes.hist(
                values,
                bins=edges,
                weights=weights,
                histtype="step",
                linewidth=2,
                color=color,
                label=f"{label} (median {np.median(values):,.4g})",
            )
            axes.hist(values, bins=edges, weights=weights, color=color, alpha=0.08)
            axes.axvline(np.median(values), color=color, linestyle="--", linewidth=1.2)
        axes.set_xlabel(f"{issue} ({unit})" if unit else issue)
    _percent_axis(axes.yaxis)
    axes.set_ylabel("share of deals")
    axes.set_title(title or f"{issue}: outcome among deals")
    axes.legend(loc="best")
    return figure


@_styled
def party_utilities(
    party_samples_by_batch: Mapping[str, Mapping[str, Sequence[float]]],
    title: str | None = None,
) -> Figure:
    """Each party's utility of the final outcome (0 = everything it opposes, 1 = its ideal),
    ``party -> batch -> samples``: box plots grouped by party, one colour per batch; the box
    spans the quartiles, the whiskers the 10–90% range, the line is the median."""
    parties = list(party_samples_by_batch)
    batches: list[str] = []
    for by_batch in party_samples_by_batch.values():
        batches.extend(b for b in by_batch if b not in batches)
    figure, axes = _figure(max(6.0, min(13.0, 2.0 + 1.1 * len(parties) * max(1, len(batches)))))
    width = 0.8 / max(len(batches), 1)
    for i, (color, batch) in enumerate(zip(colors(len(batches)), batches, strict=True)):
        data, positions = [], []
        for j, party in enumerate(parties):
            values = np.asarray(party_samples_by_batch[party].get(batch, []), dtype=float)
            if len(values):
                data.append(values)
                positions.append(j + (i - (len(batches) - 1) / 2) * width)
        if not data:
            continue
        axes.boxplot(
            data,
            positions=positions,
            widths=width * 0.85,
            whis=(10, 90),
            showfliers=False,
            patch_artist=True,
            boxprops={"facecolor": color, "alpha": 0.45, "edgecolor": color},
            medianprops={"color": "#111", "linewidth": 1.6},
            whiskerprops={"color": color},
            capprops={"color": color},
            manage_ticks=False,
        )
        axes.plot([], [], color=color, linewidth=8, alpha=0.45, label=batch)
    axes.set_xticks(np.arange(len(parties)), parties)
    axes.set_xlim(-0.6, len(parties) - 0.4)
    axes.grid(axis="x", visible=False)
    axes.set_ylim(-0.02, 1.02)
    axes.set_xlabel("party")
    axes.set_ylabel("utility of the outcome (0–1)")
    axes.set_title(title or "Utility of the outcome per party")
    axes.legend(loc="best", ncol=min(4, max(1, len(batches))))
    return figure


@_styled
def tornado(
    parameters: Sequence[str],
    effects: Sequence[float],
    intervals: Sequence[tuple[float, float] | None] | None = None,
    title: str = "What drives the outcome",
    xlabel: str = "partial rank correlation",
) -> Figure:
    """A tornado chart: one horizontal bar per parameter, the largest absolute effect on top,
    positive and negative effects in two colours, with error bars where ``intervals`` are
    given (None for a parameter without one)."""
    effects = np.asarray(effects, dtype=float)
    order = np.argsort(-np.abs(effects), kind="stable")
    n = len(parameters)
    longest = max((len(p) for p in parameters), default=10)
    figure, axes = _figure(min(13.0, 5.5 + 0.06 * longest), max(2.4, 0.9 + 0.38 * n))
    rows = np.arange(n)[::-1]  # the first (largest) at the top
    values = effects[order]
    axes.barh(
        rows,
        values,
        color=np.where(values >= 0, "#1f77b4", "#d62728"),
        alpha=0.85,
        height=0.65,
        zorder=2,
    )
    if intervals is not None:
        for row, k in zip(rows, order, strict=True):
            interval = intervals[k]
            if interval is None:
                continue
            low, high = interval
            axes.errorbar(
                effects[k],
                row,
                xerr=[[effects[k] - low], [high - effects[k]]],
                fmt="none",
                ecolor="#222",
                capsize=4,
                zorder=3,
            )
    axes.axvline(0, color="#222", linewidth=1)
    axes.set_yticks(rows, [parameters[k] for k in order])
    axes.grid(axis="y", visible=False)
    axes.set_xlabel(xlabel)
    axes.set_title(title)
    return figure


PLOT_KINDS = (deal_probability, survival, outcome_distributions, party_utilities, tornado)
