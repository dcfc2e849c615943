"""``negsim compare``: batches side by side, and each batch against the first.

Per batch: the deal probability with its Wilson interval, time to deal as a Kaplan–Meier curve
(no deal by the last round is censored), the outcome of each issue among deals (median and
10/90% quantiles; option shares on option issues) and each party's utility of the outcome.

Between each batch and the first (the reference): the difference in deal probability
(Newcombe's interval, a z or Fisher test), time to deal (log-rank), each issue among deals
(scale issues: KS test, Wasserstein distance, bootstrap interval of the difference in medians;
option issues: a chi-square test of the option shares and the largest change in one option's
share) and each party's utility (as scale issues). The p-values are Holm-adjusted over every
test of the comparison, and each row ends in a verdict in plain words.

A row that would be meaningless — an issue or party missing from one batch, an issue whose
kind, unit or options differ, rounds counted in different units — is skipped with one line
saying why; only when nothing comparable remains is the whole comparison refused.

:func:`compare` is pure computation (plain dataclasses); :func:`render_comparison` prints it
and :func:`report_sections` lays it out for :func:`sim.analysis.report.write_report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from sim.analysis.report import BatchInfo, Section, Table, batch_info
from sim.analysis.statistics import (
    SurvivalCurve,
    bootstrap_median_difference,
    contingency_test,
    holm,
    kaplan_meier,
    ks_test,
    logrank_test,
    newcombe_interval,
    proportion_difference,
    wasserstein,
    wilson_interval,
)
from sim.errors import UserError
from sim.scenario.schema import Scenario
from sim.scenario.units import IssueUnits, issue_units

ALPHA = 0.05
CONFIDENCE = 0.95
RESAMPLES = 2000


# --- the result -----------------------------------------------------------------------------


@dataclass
class IssueDistribution:
    """One issue's outcome among a batch's deals (or, under a forecasting protocol, its
    forecasts): median and 10/90% quantiles (scale issues, native units), or each option's
    share (option issues). A shares issue gives one of these per party it is split among,
    ``issue.party``, the amount of the total that party gets."""

    issue: str
    title: str | None
    unit: str
    options: tuple[str, ...]
    count: int  # deals (or forecasts) in the sample
    median: float | None = None
    q10: float | None = None
    q90: float | None = None
    shares: dict[str, float] = field(default_factory=dict)
    samples: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)

    @property
    def is_options(self) -> bool:
        return bool(self.options)


@dataclass
class UtilityDistribution:
    """A party's utility of the final outcome over all replicates (deal or not)."""

    party: str
    median: float
    q10: float
    q90: float
    samples: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)


@dataclass
class BatchStats:
    """One batch on its own. A batch of a forecasting protocol (``forecast``: expected
    utility, compromise) has no deals: its deal probability, interval, survival curve and
    rounds are None, and its outcomes are every replicate's forecast."""

    info: BatchInfo
    protocol: str
    rounds: int
    round_label: str
    runs: int
    deals: int
    deal_probability: float | None
    interval: tuple[float, float] | None
    survival: SurvivalCurve | None = field(repr=False)
    median_round: float | None  # Kaplan–Meier: half the negotiations have a deal by then
    median_deal_round: float | None  # the median round among deals
    issues: dict[str, IssueDistribution]
    utilities: dict[str, UtilityDistribution]
    durations: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)
    observed: np.ndarray = field(default_factory=lambda: np.empty(0, bool), repr=False)

    @property
    def label(self) -> str:
        return self.info.label

    @property
    def forecast(self) -> bool:
        return self.deal_probability is None


@dataclass
class Row:
    """One comparison of ``batch`` with ``reference``. ``estimate`` and ``interval`` are
    ``batch − reference`` in ``unit`` (deal probability and option shares: proportions);
    ``p`` is the test's own p-value, ``p_adjusted`` after Holm over every row of the
    comparison; ``distance`` the Wasserstein distance (numeric rows)."""

    batch: str
    reference: str
    topic: str  # "deal", "time", "issue", "utility"
    subject: str  # "deal probability", "time to deal", an issue id, a party id
    measure: str
    unit: str
    estimate: float | None
    interval: tuple[float, float] | None
    test: str
    statistic: float | None
    p: float | None
    p_adjusted: float | None = None
    distance: float | None = None
    verdict: str = ""
    detail: dict[str, float | str | None] = field(default_factory=dict)

    @property
    def significant(self) -> bool:
        return self.p_adjusted is not None and self.p_adjusted < ALPHA


@dataclass
class Comparison:
    """Everything ``negsim compare`` reports: each batch, the rows comparing each batch with
    the first, the rows skipped (one line each) and notes."""

    batches: list[BatchStats]
    rows: list[Row]
    skipped: list[str]
    notes: list[str]
    alpha: float = ALPHA
    confidence: float = CONFIDENCE

    @property
    def reference(self) -> BatchStats:
        return self.batches[0]

    @property
    def comparisons(self) -> int:
        """The number of tests the Holm adjustment runs over."""
        return sum(row.p is not None for row in self.rows)

    def holm_note(self) -> str:
        return (
            f"p-values are Holm-adjusted over {self.comparisons} "
            f"comparison{'' if self.comparisons == 1 else 's'} (Holm 1979); a "
            f"verdict calls a difference only when its adjusted p < {self.alpha:g}. Intervals "
            f"are {self.confidence:.0%} intervals of each row on its own (not adjusted). "
            "Issues compare the outcomes of deals; utilities compare all replicates."
        )


# --- loading --------------------------------------------------------------------------------


def _is_results(folder: Path) -> bool:
    return (folder / "manifest.json").is_file()


def results_folders(paths: Sequence[str | Path]) -> list[Path]:
    """The results folders named by ``paths``: a results folder stands for itself; a folder
    of results folders (an experiment's output) for each results folder in it, by name."""
    out: list[Path] = []
    for path in map(Path, paths):
        if not path.exists():
            raise UserError(f"{path}: no such folder")
        if not path.is_dir():
            raise UserError(f"{path}: not a folder (a results folder holds manifest.json)")
        if _is_results(path):
            out.append(path)
            continue
        inner = sorted(p for p in path.iterdir() if p.is_dir() and _is_results(p))
        if not inner:
            raise UserError(
                f"{path}: not a negsim results folder (no manifest.json) and holds none"
            )
        out.extend(inner)
    return out


def _labels(folders: Sequence[Path]) -> list[str]:
    labels = [f.name for f in folders]
    if len(set(labels)) < len(labels):
        labels = ["/".join(f.parts[-2:]) for f in folders]
    if len(set(labels)) < len(labels):
        labels = [f"{label} #{i + 1}" for i, label in enumerate(labels)]
    return labels


def load_batch(
    folder: str | Path, label: str | None = None
) -> tuple[BatchInfo, Scenario, pd.DataFrame]:
    """A complete results folder as (provenance, the resolved scenario, the ``runs`` rows);
    anything else is a one-line :class:`~sim.errors.UserError`."""
    from sim.batch.store import load_results, runs_columns
    from sim.scenario.loader import load_scenario

    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder}: no such folder")
    info = batch_info(folder, label)
    if not (folder / "runs.parquet").is_file():
        load_results(folder)  # the store's own one line: incomplete, or runs.parquet missing
        raise UserError(f"{folder}: runs.parquet is missing")
    names = runs_columns(folder)
    for column in ("deal", "round"):
        if column not in names:
            raise UserError(f"{folder}: runs.parquet has no `{column}` column")
    wanted = ("deal", "round", "outcome.", "outcome_label.", "utility.")
    runs = load_results(folder, columns=[n for n in names if n.startswith(wanted)])
    if not (folder / "scenario.yaml").is_file():
        raise UserError(f"{folder}: scenario.yaml is missing; not a complete results folder")
    scenario = load_scenario(folder / "scenario.yaml")
    return info, scenario, runs


# --- one batch ------------------------------------------------------------------------------


def _quantiles(values: np.ndarray) -> tuple[float, float, float]:
    q10, median, q90 = np.quantile(values, [0.1, 0.5, 0.9])
    return float(median), float(q10), float(q90)


def _issue_samples(
    units: IssueUnits, runs: pd.DataFrame, deal: np.ndarray, column: str | None = None
) -> np.ndarray | None:
    column = column or f"outcome.{units.id}"
    if units.is_options:
        label = f"outcome_label.{units.id}"
        if label in runs.columns:
            return runs.loc[deal, label].astype(str).to_numpy(dtype=object)
        if column in runs.columns:
            return units.labels(units.to_internal(runs.loc[deal, column].to_numpy(float)))
        return None
    if column not in runs.columns:
        return None
    return runs.loc[deal, column].to_numpy(dtype=float)


def batch_stats(info: BatchInfo, scenario: Scenario, runs: pd.DataFrame) -> BatchStats:
    """One batch on its own: deal probability, time to deal, outcomes among deals, utilities."""
    n = len(runs)
    forecast = bool(runs["deal"].isna().all())  # a forecasting protocol: no deals
    deal = runs["deal"].fillna(False).to_numpy(dtype=bool)
    deals = int(deal.sum())
    sample = np.ones(n, dtype=bool) if forecast else deal
    issues = {}
    for iid, units in issue_units(scenario.issues).items():
        title = scenario.issues[iid].title
        if getattr(units, "is_shares", False):
            for pid in units.shares:
                samples = _issue_samples(units, runs, sample, f"outcome.{iid}.{pid}")
                if samples is not None:
                    issues[f"{iid}.{pid}"] = IssueDistribution(
                        f"{iid}.{pid}",
                        title,
                        f"of {units.width:g}",
                        (),
                        len(samples),
                        samples=samples,
                    )
            continue
        samples = _issue_samples(units, runs, sample)
        if samples is not None:
            issues[iid] = IssueDistribution(
                iid, title, units.unit, units.options, len(samples), samples=samples
            )
    for distribution in issues.values():
        values, count = distribution.samples, distribution.count
        if distribution.is_options:
            distribution.shares = {
                o: float(np.sum(values == o) / count) if count else 0.0
                for o in distribution.options
            }
        elif count:
            distribution.median, distribution.q10, distribution.q90 = _quantiles(values)
    utilities = {}
    for pid in scenario.parties:
        column = f"utility.{pid}"
        if column in runs.columns:
            values = runs[column].to_numpy(dtype=float)
            utilities[pid] = UtilityDistribution(pid, *_quantiles(values), samples=values)
    stats = BatchStats(
        info=info,
        protocol=str(getattr(scenario.protocol, "kind", "mediated")),
        rounds=scenario.rounds,
        round_label=scenario.round_label,
        runs=n,
        deals=deals,
        deal_probability=None,
        interval=None,
        survival=None,
        median_round=None,
        median_deal_round=None,
        issues=issues,
        utilities=utilities,
    )
    if not forecast:
        rounds = runs["round"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        durations = np.where(deal, rounds, float(scenario.rounds))
        stats.survival = kaplan_meier(durations, deal, CONFIDENCE)
        stats.deal_probability = deals / n if n else 0.0
        stats.interval = wilson_interval(deals, n, CONFIDENCE)
        stats.median_round = stats.survival.median
        stats.median_deal_round = float(np.median(rounds[deal])) if deals else None
        stats.durations, stats.observed = durations, deal
    return stats


# --- formatting -----------------------------------------------------------------------------


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
    word = "point" if abs(round(e, d)) == 1 else "points"
    return f"{e:+.{d}f} {word} [{lo:.{d}f}, {hi:.{d}f}]"


def _amount(estimate: float, interval: tuple[float, float], unit: str = "") -> str:
    """A difference in native units: ``+0.6 % of Ukraine [0.3, 0.9]``."""
    lo, hi = interval
    d = _decimals((hi - lo) / 2)
    estimate = round(estimate, d) + 0.0  # no "-0"
    return f"{estimate:+,.{d}f}{' ' + unit if unit else ''} [{lo:,.{d}f}, {hi:,.{d}f}]"


def _p(p: float | None) -> str:
    if p is None or not np.isfinite(p):
        return "—"
    if p < 1e-4:
        return "<0.0001"
    return f"{p:.2g}" if p < 0.1 else f"{p:.2f}"


def _round(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _share(value: float) -> str:
    return f"{100 * value:.0f}%"


# --- comparing two batches ------------------------------------------------------------------


def _numeric_row(
    ref: BatchStats,
    other: BatchStats,
    topic: str,
    subject: str,
    unit: str,
    a: np.ndarray,
    b: np.ndarray,
    rng: np.random.Generator,
) -> Row:
    if len(np.unique(np.concatenate([a, b]))) == 1:  # one value throughout: nothing to test
        statistic, p, test = None, None, "—"
    else:
        (statistic, p), test = ks_test(a, b), "KS"
    estimate, interval = bootstrap_median_difference(
        a, b, rng=rng, resamples=RESAMPLES, confidence=CONFIDENCE
    )
    return Row(
        batch=other.label,
        reference=ref.label,
        topic=topic,
        subject=subject,
        measure="difference in median",
        unit=unit,
        estimate=estimate,
        interval=interval,
        test=test,
        statistic=statistic,
        p=p,
        distance=wasserstein(a, b),
        detail={
            "median_reference": float(np.median(a)),
            "median": float(np.median(b)),
            "deals": topic == "issue" and not (ref.forecast or other.forecast),
        },
    )


def _options_row(
    ref: BatchStats, other: BatchStats, issue: str, options: tuple[str, ...], rng
) -> Row:
    a, b = ref.issues[issue], other.issues[issue]
    counts = np.array([[int(np.sum(x.samples == o)) for o in options] for x in (a, b)], dtype=int)
    changes = counts[1] / b.count - counts[0] / a.count
    k = int(np.argmax(np.abs(changes)))
    used = np.flatnonzero(counts.sum(axis=0))
    if len(used) == 1:  # one option in every deal of both: nothing to test
        statistic, p, test = None, None, "—"
        k = int(used[0])
    else:
        statistic, p, test = contingency_test(counts, rng=rng)
    return Row(
        batch=other.label,
        reference=ref.label,
        topic="issue",
        subject=issue,
        measure=f"share of {options[k]}",
        unit="proportion",
        estimate=float(changes[k]),
        interval=newcombe_interval(
            int(counts[0, k]), a.count, int(counts[1, k]), b.count, CONFIDENCE
        ),
        test=test,
        statistic=statistic,
        p=p,
        detail={
            "option": options[k],
            "share_reference": float(counts[0, k] / a.count),
            "share": float(counts[1, k] / b.count),
        },
    )


def _issue_problem(iid: str, ref: BatchStats, other: BatchStats) -> str | None:
    """Why issue ``iid`` cannot be compared between the two batches, or None."""
    a, b = ref.issues.get(iid), other.issues.get(iid)
    if a is None:
        return f"issue `{iid}` is not in batch {ref.label} (the reference): skipped"
    if b is None:
        return f"issue `{iid}` is not in batch {other.label}: skipped"
    if a.is_options != b.is_options:
        kinds = ["has options" if x.is_options else "is a scale" for x in (a, b)]
        return (
            f"issue `{iid}` {kinds[0]} in batch {ref.label} but {kinds[1]} in batch "
            f"{other.label}: skipped"
        )
    if a.is_options and set(a.options) != set(b.options):
        return (
            f"issue `{iid}` has options {', '.join(a.options)} in batch {ref.label} but "
            f"{', '.join(b.options)} in batch {other.label}: skipped"
        )
    if not a.is_options and a.unit != b.unit:
        return (
            f"issue `{iid}` is in '{a.unit}' in batch {ref.label} but '{b.unit}' in batch "
            f"{other.label}: skipped"
        )
    for x, d in ((ref, a), (other, b)):
        if d.count == 0:
            return f"issue `{iid}`: batch {x.label} has no deals to compare: skipped"
    return None


def _compare_pair(
    ref: BatchStats, other: BatchStats, rng: np.random.Generator
) -> tuple[list[Row], list[str], list[str]]:
    rows: list[Row] = []
    skipped: list[str] = []
    notes: list[str] = []
    shared_issues = set(ref.issues) & set(other.issues)
    shared_parties = set(ref.utilities) & set(other.utilities)
    if not shared_issues and not shared_parties:
        return (
            [],
            [
                f"batch {other.label} shares no issue and no party with batch {ref.label}: "
                "not compared"
            ],
            [],
        )
    if (
        ref.info.sha256
        and ref.info.sha256 == other.info.sha256
        and ref.info.seed == other.info.seed
    ):
        notes.append(
            f"batches {other.label} and {ref.label} ran the same scenario with the same seed: "
            "their replicates are the same draws, so the tests (which assume independent "
            "batches) say nothing; use another seed"
        )

    forecasting = [x for x in (ref, other) if x.forecast]
    if forecasting:
        x = forecasting[0]
        skipped.append(
            f"deal probability and time to deal: batch {x.label} forecasts (protocol "
            f"{x.protocol}) rather than bargains: skipped"
        )
        _compare_outcomes(ref, other, rng, rows, skipped)
        return rows, skipped, notes

    difference = proportion_difference(ref.deals, ref.runs, other.deals, other.runs, CONFIDENCE)
    rows.append(
        Row(
            batch=other.label,
            reference=ref.label,
            topic="deal",
            subject="deal probability",
            measure="difference in deal probability",
            unit="proportion",
            estimate=difference.estimate,
            interval=difference.interval,
            test=difference.test,
            statistic=None,
            p=difference.p_value,
            detail={"reference": ref.deal_probability, "value": other.deal_probability},
        )
    )

    if ref.round_label != other.round_label:
        skipped.append(
            f"time to deal: rounds are {ref.round_label}s in batch {ref.label} but "
            f"{other.round_label}s in batch {other.label}: skipped"
        )
    else:
        statistic, p, excess = logrank_test(
            ref.durations, ref.observed, other.durations, other.observed
        )
        estimate = (
            other.median_round - ref.median_round
            if other.median_round is not None and ref.median_round is not None
            else None
        )
        rows.append(
            Row(
                batch=other.label,
                reference=ref.label,
                topic="time",
                subject="time to deal",
                measure="difference in median time to deal",
                unit=ref.round_label,
                estimate=estimate,
                interval=None,
                test="log-rank",
                statistic=statistic,
                p=p,
                detail={"excess_deals": excess, **_widest_gap(ref.survival, other.survival)},
            )
        )
    _compare_outcomes(ref, other, rng, rows, skipped)
    return rows, skipped, notes


def _widest_gap(a: SurvivalCurve, b: SurvivalCurve) -> dict[str, float]:
    """The round at which the two curves' shares with a deal differ most, and those shares."""
    times = np.union1d(a.times, b.times)
    settled_a = 1 - np.array([a.at(t) for t in times])
    settled_b = 1 - np.array([b.at(t) for t in times])
    k = int(np.argmax(np.abs(settled_b - settled_a)))
    return {"at": float(times[k]), "settled_reference": settled_a[k], "settled": settled_b[k]}


def _compare_outcomes(
    ref: BatchStats,
    other: BatchStats,
    rng: np.random.Generator,
    rows: list[Row],
    skipped: list[str],
) -> None:
    """The rows of each issue and each party's utility (appended to ``rows``)."""
    for iid in [*ref.issues, *(i for i in other.issues if i not in ref.issues)]:
        problem = _issue_problem(iid, ref, other)
        if problem:
            skipped.append(problem)
            continue
        a, b = ref.issues[iid], other.issues[iid]
        if a.is_options:
            rows.append(_options_row(ref, other, iid, a.options, rng))
        else:
            rows.append(_numeric_row(ref, other, "issue", iid, a.unit, a.samples, b.samples, rng))

    for pid in [*ref.utilities, *(p for p in other.utilities if p not in ref.utilities)]:
        if pid not in ref.utilities:
            skipped.append(f"party `{pid}` is not in batch {ref.label} (the reference): skipped")
            continue
        if pid not in other.utilities:
            skipped.append(f"party `{pid}` is not in batch {other.label}: skipped")
            continue
        rows.append(
            _numeric_row(
                ref,
                other,
                "utility",
                pid,
                "",
                ref.utilities[pid].samples,
                other.utilities[pid].samples,
                rng,
            )
        )


def _verdict(row: Row, ref: BatchStats) -> str:
    significant = row.significant
    if row.topic == "deal":
        amount = _points(row.estimate, row.interval)
        if not significant:
            return f"no significant difference: {amount}"
        return f"deal {'more' if row.estimate > 0 else 'less'} likely: {amount}"
    if row.topic == "time":
        if not significant:
            return "no significant difference in time to deal"
        word = "sooner" if row.detail.get("excess_deals", 0) > 0 else "later"
        d = row.detail
        return (
            f"deal {word}: by {ref.round_label} {d['at']:g}, {_share(d['settled_reference'])} → "
            f"{_share(d['settled'])} have a deal"
        )
    if row.p is None:
        value = row.detail.get("option") or f"{row.detail.get('median', 0):,.4g} {row.unit}"
        return f"the same in both: {value.strip()} throughout"
    if row.topic == "issue" and row.unit == "proportion":
        option = row.detail["option"]
        change = (
            f"{option} {_share(row.detail['share_reference'])} → {_share(row.detail['share'])}, "
            f"{_points(row.estimate, row.interval)}"
        )
        if not significant:
            return f"no significant difference (largest change: {change})"
        return f"option shares differ: {change}"
    amount = "median " + _amount(row.estimate, row.interval, row.unit)
    excludes_zero = row.interval[0] > 0 or row.interval[1] < 0
    if not significant:
        return f"no significant difference: {amount}"
    if not excludes_zero:
        return f"distributions differ, median about the same: {amount}"
    if row.topic == "utility":
        return f"{'better' if row.estimate > 0 else 'worse'} for {row.subject}: {amount}"
    where = " among deals" if row.detail.get("deals") else ""
    return f"{'higher' if row.estimate > 0 else 'lower'}{where}: {amount}"


def compare(
    folders: Sequence[str | Path],
    *,
    labels: Sequence[str] | None = None,
    seed: int = 0,
) -> Comparison:
    """Compare results folders (or experiment outputs holding them): each batch on its own,
    and each batch against the first. ``seed`` seeds the bootstrap and Monte Carlo tests, so
    the same folders always give the same numbers. Raises :class:`~sim.errors.UserError` for
    a folder that is not a complete results folder, for fewer than two batches, and when no
    row is comparable."""
    paths = results_folders(folders)
    if len(paths) < 2:
        raise UserError("compare needs at least two results folders")
    if labels is not None and len(labels) != len(paths):
        raise UserError(f"{len(labels)} labels for {len(paths)} results folders")
    names = list(labels) if labels is not None else _labels(paths)
    batches = [
        batch_stats(*load_batch(path, name)) for path, name in zip(paths, names, strict=True)
    ]
    rng = np.random.default_rng(seed)
    rows: list[Row] = []
    skipped: list[str] = []
    notes: list[str] = []
    for other in batches[1:]:
        more_rows, more_skipped, more_notes = _compare_pair(batches[0], other, rng)
        rows.extend(more_rows)
        skipped.extend(more_skipped)
        notes.extend(more_notes)
    if not rows:
        raise UserError([*skipped, "nothing comparable remains: no comparison made"])
    for row, adjusted in zip(rows, holm([row.p for row in rows]), strict=True):
        row.p_adjusted = None if np.isnan(adjusted) else float(adjusted)
        row.verdict = _verdict(row, batches[0])
    return Comparison(batches, rows, skipped, notes)


# --- tables: the same strings for the terminal and the report -------------------------------


def _row_name(row: Row) -> str:
    if row.topic == "issue":
        return f"issue {row.subject}" + (" (deals)" if row.detail.get("deals", True) else "")
    if row.topic == "utility":
        return f"utility of {row.subject}"
    return row.subject


def comparison_tables(comparison: Comparison) -> dict[str, list[Table]]:
    """The comparison as tables of strings, by part: ``batches``, ``outcomes``,
    ``utilities`` and ``differences`` (one table per batch compared with the first)."""
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
    issue_ids: list[str] = []
    for b in batches:
        issue_ids.extend(i for i in b.issues if i not in issue_ids)
    outcome_rows = []
    for iid in issue_ids:
        first = next(b.issues[iid] for b in batches if iid in b.issues)
        cells = [iid, "option shares" if first.is_options else first.unit]
        for b in batches:
            d = b.issues.get(iid)
            if d is None:
                cells.append("not in batch")
            elif d.count == 0:
                cells.append("no deals")
            elif d.is_options:
                cells.append(", ".join(f"{o} {_share(s)}" for o, s in d.shares.items() if s > 0))
            else:
                cells.append(f"{d.median:,.4g} ({d.q10:,.4g}–{d.q90:,.4g})")
        outcome_rows.append(cells)
    outcomes = Table(
        columns=["issue", "unit", *(b.label for b in batches)],
        rows=outcome_rows,
        title="Outcome among deals",
        note="Median (10%–90%) of the outcome among deals"
        + (
            " (under a forecasting protocol: of its forecasts)"
            if any(b.forecast for b in batches)
            else ""
        )
        + ", in the issue's unit; option issues: each option's share.",
        align=["left", "left", *["right"] * len(batches)],
    )
    party_ids: list[str] = []
    for b in batches:
        party_ids.extend(p for p in b.utilities if p not in party_ids)
    utilities = Table(
        columns=["party", *(b.label for b in batches)],
        rows=[
            [
                pid,
                *(
                    f"{u.median:.2f} ({u.q10:.2f}–{u.q90:.2f})"
                    if (u := b.utilities.get(pid)) is not None
                    else "not in batch"
                    for b in batches
                ),
            ]
            for pid in party_ids
        ],
        title="Utility of the outcome per party",
        note="Median (10%–90%) over all replicates, deal or not; 1 is the party's ideal.",
    )
    differences = []
    for b in batches[1:]:
        rows = [r for r in comparison.rows if r.batch == b.label]
        if not rows:
            continue
        differences.append(
            Table(
                columns=["row", "test", "p", "Holm p", "Wasserstein", "verdict"],
                rows=[
                    [
                        _row_name(r),
                        r.test,
                        _p(r.p),
                        _p(r.p_adjusted),
                        "—" if r.distance is None else f"{r.distance:,.3g}",
                        r.verdict,
                    ]
                    for r in rows
                ],
                title=f"{b.label} compared with {ref.label}",
                note=f"Differences are {b.label} − {ref.label}, with {comparison.confidence:.0%} "
                "intervals; the Wasserstein distance is in the row's units.",
                align=["left", "left", "right", "right", "right", "left"],
            )
        )
    return {
        "batches": [overview],
        "outcomes": [outcomes],
        "utilities": [utilities],
        "differences": differences,
    }


def _rich(table: Table) -> RichTable:
    out = RichTable(title=table.title, title_justify="left", title_style="bold")
    for column, align in zip(table.columns, table.alignment(), strict=True):
        out.add_column(Text(column), justify=align, overflow="fold")
    for row in table.rows:
        out.add_row(*(Text(cell) for cell in row))
    return out


def render_comparison(comparison: Comparison, console: Console) -> None:
    """Print the comparison on the terminal as tables, with the skipped rows (one line each)
    and the note on Holm's adjustment."""
    ref = comparison.reference
    console.print(
        Text(
            f"Comparing {len(comparison.batches)} batches with the first, {ref.label} "
            f"({ref.info.scenario}, seed {ref.info.seed}, N {ref.runs:,})",
            style="bold",
        )
    )
    for line in comparison.skipped:
        console.print(Text(line))
    for line in comparison.notes:
        console.print(Text("note: " + line))
    tables = comparison_tables(comparison)
    for part in ("batches", "outcomes", "utilities", "differences"):
        for table in tables[part]:
            console.print(_rich(table))
            if table.note:
                console.print(Text(table.note, style="dim"))
    console.print(Text(comparison.holm_note()))


def report_sections(comparison: Comparison) -> list[Section]:
    """The comparison as report sections, with its figures (needs matplotlib)."""
    from sim.analysis import plots

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
                    {b.label: b.survival for b in bargaining}, bargaining[0].round_label
                ),
            ]
            if bargaining
            else [],
        )
    ]
    figures = []
    issue_ids: list[str] = []
    for b in batches:
        issue_ids.extend(i for i in b.issues if i not in issue_ids)
    for iid in issue_ids:
        first = next(b.issues[iid] for b in batches if iid in b.issues)
        same = {
            b.label: b.issues[iid].samples
            for b in batches
            if iid in b.issues
            and b.issues[iid].is_options == first.is_options
            and (
                set(b.issues[iid].options) == set(first.options)
                if first.is_options
                else b.issues[iid].unit == first.unit
            )
        }
        if first.is_options:
            figures.append(plots.outcome_distributions(iid, same, options=first.options))
        else:
            figures.append(plots.outcome_distributions(iid, same, unit=first.unit))
    sections.append(Section("Outcome among deals", tables=tables["outcomes"], figures=figures))
    party_ids: list[str] = []
    for b in batches:
        party_ids.extend(p for p in b.utilities if p not in party_ids)
    sections.append(
        Section(
            "Utility of the outcome per party",
            tables=tables["utilities"],
            figures=[
                plots.party_utilities(
                    {
                        pid: {
                            b.label: b.utilities[pid].samples for b in batches if pid in b.utilities
                        }
                        for pid in party_ids
                    }
                )
            ],
        )
    )
    sections.append(
        Section(
            f"Differences from {ref.label}",
            text=[
                *comparison.skipped,
                *(f"Note: {n}" for n in comparison.notes),
                comparison.holm_note(),
            ],
            tables=tables["differences"],
        )
    )
    return sections
