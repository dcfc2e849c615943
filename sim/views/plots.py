"""The figures of the analysis: one function per kind, each returning a ``matplotlib`` Figure.

Headless: the figures are built as ``matplotlib.figure.Figure`` objects, never through pyplot's
window machinery, and the Agg backend is selected unless pyplot is already in use (a notebook
keeps its own backend; these figures open no window either way). Save one with
``figure.savefig("out.png")`` or put it in a report (:func:`sim.views.html.write_report`).

Batches keep one colour each, in the order given, across every plot of a report; parties keep
one colour each across the pictures of a replicate. Values are in native units: percentages for
probabilities, the issue's unit or its options on outcome axes, rounds in the scenario's own
word for them.
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
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.paths import Fan
from sim.analysis.statistics import SurvivalCurve
from sim.scenario.schema import Scenario
from sim.scenario.units import Layout, OptionUnits

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
BAND = 0.28  # the opacity of an interval band: visible behind its line, not hiding another


def colors(n: int) -> list[str]:
    """``n`` distinct colours, the same for item i in every plot."""
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


def _grid(panels: int, width: float = 4.2, height: float = 3.0) -> tuple[Figure, list[Any]]:
    """A figure of ``panels`` axes, up to three a row."""
    columns = min(3, max(1, panels))
    rows = -(-panels // columns)
    figure = Figure(figsize=(width * columns, height * rows), layout="constrained")
    axes = [figure.add_subplot(rows, columns, n + 1) for n in range(panels)]
    return figure, axes


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


def _option_axis(axis, options: Sequence[str], points: np.ndarray | None = None) -> None:
    """An axis of an option issue: its options' names at their places on [0, 1]."""
    places = np.linspace(0, 1, len(options)) if points is None else points
    axis.set_ticks(places, list(options))
    axis.set_view_interval(-0.05, 1.05, ignore=True)


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
        color = colors(1)[0]
        axes.fill_between(
            x[order],
            bounds[order, 0],
            bounds[order, 1],
            color=color,
            alpha=BAND,
            label="95% interval",
        )
        axes.plot(x[order], estimates[order], "o-", color=color, label="deal probability")
        axes.set_xlabel(xlabel or "swept value")
        axes.legend(loc="best")
    axes.set_ylim(0, 108)
    _percent_axis(axes.yaxis)
    axes.set_ylabel("deal probability")
    axes.set_title(title or "Deal probability, with 95% intervals")
    return figure


@_styled
def survival(
    curves: Mapping[str, SurvivalCurve],
    round_label: str,
    window: float,
    title: str | None = None,
) -> Figure:
    """Time to deal: for each batch (``label -> SurvivalCurve``), the share of negotiations
    still without a deal after each round (Kaplan–Meier, a step line in its 95% band), from
    the start of the talks to the end of the ``window`` (the last round); x in
    ``round_label`` units (e.g. week)."""
    figure, axes = _figure()
    for color, (label, curve) in zip(colors(len(curves)), curves.items(), strict=True):
        # the level after the last event holds to the end of the window
        times = np.append(curve.times, window)
        values = np.append(curve.survival, curve.survival[-1]) * 100
        low = np.append(curve.lower, curve.lower[-1]) * 100
        high = np.append(curve.upper, curve.upper[-1]) * 100
        axes.fill_between(times, low, high, step="post", color=color, alpha=BAND, linewidth=0)
        for edge in (low, high):
            axes.step(times, edge, where="post", color=color, linewidth=0.6, alpha=0.7)
        axes.step(times, values, where="post", color=color, linewidth=2.2, label=label)
    axes.axhline(50, color="#888", linestyle=":", linewidth=1)
    axes.set_ylim(0, 102)
    axes.set_xlim(0, window)
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
        # Sturges' rule, at most 40 bins: the "auto" rule's bin width from the spread of the
        # middle half asks for billions of bins when most values sit on one point
        edges = np.linspace(low, high, min(40, int(np.ceil(np.log2(len(pooled)))) + 1) + 1)
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
            axes.hist(values, bins=edges, weights=weights, color=color, alpha=0.12)
            axes.axvline(np.median(values), color=color, linestyle="--", linewidth=1.2)
        axes.set_xlabel(f"{issue} ({unit})" if unit else issue)
    _percent_axis(axes.yaxis)
    axes.set_ylabel("share of deals")
    axes.set_title(title or f"{issue}: outcome among deals")
    axes.legend(loc="best")
    return figure


@_styled
def party_outcomes(
    samples: Mapping[str, Mapping[str, tuple[Sequence[float], Sequence[bool]]]],
    measure: str = "payoff",
    title: str | None = None,
) -> Figure:
    """Each party's ``measure`` (payoff or utility) split by how the talks ended:
    ``party -> batch -> (values, deal)`` over all replicates. One panel per party; in it, per
    batch (one colour each) a box of the replicates with a deal (filled) and one of those
    without (hatched), each with how many it holds. The box spans the quartiles, the whiskers
    the 10–90% range, the line is the median."""
    parties = list(samples)
    batches: list[str] = []
    for by_batch in samples.values():
        batches.extend(b for b in by_batch if b not in batches)
    figure, panels = _grid(len(parties), width=max(3.6, 1.2 + 1.3 * len(batches)), height=3.4)
    palette = dict(zip(batches, colors(len(batches)), strict=True))
    for axes, party in zip(panels, parties, strict=True):
        ticks, names = [], []
        for i, batch in enumerate(batches):
            if batch not in samples[party]:
                continue
            values, deal = samples[party][batch]
            values, deal = np.asarray(values, dtype=float), np.asarray(deal, dtype=bool)
            for j, (mask, ending) in enumerate(((deal, "deal"), (~deal, "no deal"))):
                if not mask.any():
                    continue
                position = i * 2.6 + j
                box = axes.boxplot(
                    [values[mask]],
                    positions=[position],
                    widths=0.8,
                    whis=(10, 90),
                    showfliers=False,
                    patch_artist=True,
                    medianprops={"color": "#111", "linewidth": 1.6},
                    whiskerprops={"color": palette[batch]},
                    capprops={"color": palette[batch]},
                    manage_ticks=False,
                )
                patch = box["boxes"][0]
                patch.set(facecolor=palette[batch], edgecolor=palette[batch], alpha=0.55)
                if ending == "no deal":
                    patch.set(facecolor="white", hatch="///", alpha=1.0)
                ticks.append(position)
                names.append(f"{ending}\n{int(mask.sum()):,}")
        axes.set_xticks(ticks, names, fontsize=8.5)
        axes.grid(axis="x", visible=False)
        axes.set_title(party, fontsize=11)
        axes.set_ylabel(measure)
    for batch in batches:
        panels[0].plot([], [], color=palette[batch], linewidth=8, alpha=0.55, label=batch)
    panels[0].legend(loc="best", fontsize=8.5)
    figure.suptitle(
        title or f"{measure.capitalize()} per party, with a deal and without",
        fontweight="bold",
    )
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
                xerr=[[max(0.0, effects[k] - low)], [max(0.0, high - effects[k])]],
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


@_styled
def fan(fans: Sequence[Fan], round_label: str, window: float, title: str) -> Figure:
    """The text on the table over the rounds across a batch's replicates, one panel per issue:
    on a scale issue the median with its 25–75% and 10–90% bands; on an option issue each
    option's share of the texts (stacked); the replicates still bargaining thin out as deals
    are made (the dotted line, right axis)."""
    figure, panels = _grid(len(fans))
    for axes, one in zip(panels, fans, strict=True):
        if one.options:
            stack = np.vstack([100 * one.shares[o] for o in one.options])
            axes.stackplot(
                one.rounds,
                stack,
                labels=one.options,
                colors=colors(len(one.options)),
                alpha=0.8,
                step="post",
            )
            axes.set_ylim(0, 100)
            _percent_axis(axes.yaxis)
            axes.set_ylabel("share of texts")
            axes.legend(loc="lower left", fontsize=8)
        else:
            q = one.quantiles
            color = colors(1)[0]
            axes.fill_between(
                one.rounds, q[0.1], q[0.9], color=color, alpha=0.18, linewidth=0, label="10–90%"
            )
            axes.fill_between(
                one.rounds, q[0.25], q[0.75], color=color, alpha=0.38, linewidth=0, label="25–75%"
            )
            axes.plot(one.rounds, q[0.5], color=color, linewidth=2, label="median")
            axes.set_ylabel(one.unit or one.key)
            axes.legend(loc="best", fontsize=8)
        still = axes.twinx()
        still.plot(one.rounds, one.bargaining, color="#555", linestyle=":", linewidth=1.2)
        still.set_ylim(0, max(1, one.bargaining.max()) * 1.05)
        still.grid(False)
        still.tick_params(labelsize=8, colors="#555")
        still.set_ylabel("still bargaining", fontsize=8.5, color="#555")
        axes.set_xlim(1, window)
        axes.set_xlabel(round_label)
        axes.set_title(one.key, fontsize=11)
    figure.suptitle(title, fontweight="bold")
    return figure


@_styled
def replicate_path(scenario: Scenario, trace: pd.DataFrame, title: str | None = None) -> Figure:
    """One replicate round by round (``trace``: its rows of ``rounds.parquet``, as
    :func:`sim.trace` returns them): one panel per issue with the text on the table (black),
    each party's demand (its colour) and the status quo (grey, dashed); a last panel with
    each party's aspiration (solid) and its utility of the text (dashed): a party accepts
    when the dashed line reaches the solid one."""
    layout = Layout.of(scenario.issues)
    parties = list(scenario.parties)
    palette = dict(zip(parties, colors(len(parties)), strict=True))
    figure, panels = _grid(len(layout.dimensions) + 1)
    rounds = trace["round"].to_numpy()
    for axes, dim in zip(panels, layout.dimensions, strict=False):
        for pid in parties:
            column = f"demand.{pid}.{dim.name}"
            if column in trace:
                axes.plot(rounds, trace[column], color=palette[pid], linewidth=1.4, label=pid)
        axes.plot(
            rounds,
            trace[f"status_quo.{dim.name}"],
            color="#888",
            linestyle="--",
            linewidth=1.2,
            label="status quo",
        )
        axes.plot(
            rounds,
            trace[f"text.{dim.name}"],
            color="#111",
            linewidth=2.4,
            marker="o",
            markersize=3,
            label="on the table",
        )
        if isinstance(dim.units, OptionUnits):
            _option_axis(axes.yaxis, dim.units.options, dim.units.points)
        else:
            axes.set_ylabel(dim.units.unit_label)
        axes.set_title(dim.name, fontsize=11)
        axes.set_xlabel(scenario.round_label)
    axes = panels[-1]
    for pid in parties:
        axes.plot(
            rounds,
            trace[f"aspiration.{pid}"],
            color=palette[pid],
            linewidth=1.8,
            label=f"{pid} aspiration",
        )
        axes.plot(
            rounds, trace[f"utility.{pid}"], color=palette[pid], linewidth=1.2, linestyle="--"
        )
    axes.set_title("aspiration (—) and utility of the text (- -)", fontsize=11)
    axes.set_xlabel(scenario.round_label)
    axes.set_ylabel("utility")
    handles, labels = panels[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside lower center", ncol=min(6, len(labels)))
    replicate = trace.attrs.get("replicate", "?")
    figure.suptitle(
        title or f"Replicate {replicate} of {scenario.name}: demands, text and aspirations",
        fontweight="bold",
    )
    return figure


@_styled
def terms_along(
    key: str,
    x: Sequence[Any],
    xlabel: str,
    unit: str = "",
    quantiles: Mapping[float, Sequence[float]] | None = None,
    shares: Mapping[str, Sequence[float]] | None = None,
    title: str | None = None,
) -> Figure:
    """The terms of a deal on one issue along a sweep: the median among deals with its
    10–90% band (``quantiles``) over numeric ``x``, or with error bars over named points; or
    each option's share of deals, stacked (``shares``)."""
    figure, axes = _figure()
    numeric = all(isinstance(v, int | float | np.number) for v in x)
    positions = np.asarray(x, dtype=float) if numeric else np.arange(len(x))
    order = np.argsort(positions)
    if shares is not None:
        bottom = np.zeros(len(positions))
        width = 0.8 * (np.min(np.diff(np.sort(positions))) if len(positions) > 1 else 1.0)
        for color, (option, values) in zip(colors(len(shares)), shares.items(), strict=True):
            values = 100 * np.nan_to_num(np.asarray(values, dtype=float))
            axes.bar(
                positions, values, bottom=bottom, width=width, color=color, alpha=0.85, label=option
            )
            bottom += values
        axes.set_ylim(0, 100)
        _percent_axis(axes.yaxis)
        axes.set_ylabel("share of deals")
        axes.legend(loc="best", fontsize=8.5)
    else:
        q = {k: np.asarray(v, dtype=float) for k, v in (quantiles or {}).items()}
        color = colors(1)[0]
        if numeric:
            axes.fill_between(
                positions[order],
                q[0.1][order],
                q[0.9][order],
                color=color,
                alpha=BAND,
                linewidth=0,
                label="10–90% of deals",
            )
            axes.plot(positions[order], q[0.5][order], "o-", color=color, label="median")
        else:
            errors = np.vstack([q[0.5] - q[0.1], q[0.9] - q[0.5]])
            axes.errorbar(
                positions,
                q[0.5],
                yerr=np.clip(errors, 0, None),
                fmt="o",
                color=color,
                capsize=5,
                label="median, 10–90% of deals",
            )
        axes.set_ylabel(unit or key)
        axes.legend(loc="best")
    if not numeric:
        axes.set_xticks(positions, [str(v) for v in x], rotation=20)
        axes.grid(axis="x", visible=False)
    axes.set_xlabel(xlabel)
    axes.set_title(title or f"{key}: terms of a deal")
    return figure


@_styled
def peeling(coverage: Sequence[float], density: Sequence[float], chosen: int, title: str) -> Figure:
    """PRIM's peeling trajectory: each box's coverage (the share of the cases of interest it
    holds) against its density (the share of its replicates that are cases), from the whole
    space (coverage 100%) inwards; the box reported is ringed."""
    figure, axes = _figure(6.0, 4.0)
    coverage = 100 * np.asarray(coverage, dtype=float)
    density = 100 * np.asarray(density, dtype=float)
    axes.plot(coverage, density, "o-", color=colors(1)[0], markersize=3.5)
    axes.plot(
        coverage[chosen],
        density[chosen],
        "o",
        markersize=12,
        markerfacecolor="none",
        markeredgecolor="#d62728",
        markeredgewidth=2,
        label="the box reported",
    )
    _percent_axis(axes.xaxis)
    _percent_axis(axes.yaxis)
    axes.set_xlabel("coverage")
    axes.set_ylabel("density")
    axes.set_title(title)
    axes.legend(loc="best")
    return figure


@_styled
def deal_scatter(
    x: Sequence[float],
    estimates: Sequence[float],
    intervals: Sequence[tuple[float, float]],
    xlabel: str,
) -> Figure:
    """Deal probability of each point of a sampled design against one of its parameters,
    with its interval (the design varies the others at the same time)."""
    figure, axes = _figure(6.5, 3.8)
    y = 100 * np.asarray(estimates, dtype=float)
    bounds = 100 * np.asarray(intervals, dtype=float).reshape(-1, 2)
    errors = np.clip(np.vstack([y - bounds[:, 0], bounds[:, 1] - y]), 0, None)
    axes.errorbar(
        np.asarray(x, dtype=float),
        y,
        yerr=errors,
        fmt="o",
        markersize=3.5,
        alpha=0.7,
        elinewidth=0.8,
        color=colors(1)[0],
    )
    axes.set_ylim(0, 105)
    _percent_axis(axes.yaxis)
    axes.set_xlabel(xlabel)
    axes.set_ylabel("deal probability")
    axes.set_title(f"Deal probability against {xlabel} (the other parameters vary too)")
    return figure


PLOT_KINDS = (
    deal_probability,
    survival,
    outcome_distributions,
    party_outcomes,
    tornado,
    fan,
    replicate_path,
    terms_along,
    peeling,
    deal_scatter,
)
