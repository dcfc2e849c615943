"""``negsim compare``: batches side by side, and each batch against the first.

Per batch: the deal probability with its Wilson interval, time to deal as a Kaplan–Meier curve
(no deal by the last round is censored), the outcome of each issue among deals (median and
10/90% quantiles; option shares on option issues), each party's payoff (deal and no deal on one
footing) and utility of the outcome, and any other outcome the model writes.

Between each batch and the first (the reference), one row per quantity, by one of two methods:

- **paired**, when the two batches share their random draws (common random numbers: the same
  seed and N, and their drawn parameters identical replicate by replicate — what the points of
  an experiment do). Replicate j of one batch is then replicate j of the other with the
  scenario changed, and each row looks at the change replicate by replicate: McNemar's test for
  the deal, paired differences (mean, with a paired bootstrap interval) and Wilcoxon's
  signed-rank test for numbers (payoffs, utilities, terms, restricted time to deal), and for
  option issues the share of replicates that end on the same option and the Stuart–Maxwell
  test of the option shares. Terms are paired where both replicates have a deal.
- **independent** otherwise: a z or Fisher test with Newcombe's interval for the deal,
  log-rank for time to deal, KS tests with a bootstrap interval of the difference in medians
  for numbers, a chi-square test of option shares.

The p-values are Holm-adjusted over every row of the comparison. A row's finding calls a
difference only when its adjusted p is below α *and* the estimate is at least a practical
threshold (:class:`Thresholds`), so that a trivial difference found at large N is reported as
what it is. Rows that would be meaningless — an issue or party missing from one batch, an
issue whose kind, unit or options differ, rounds counted in different units — are skipped
with one line saying why; when nothing comparable remains, or the batches are one batch, the
comparison is refused in one line.

This module computes (plain dataclasses); :mod:`sim.views.compare` renders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from sim.analysis.folders import Batch, BatchInfo, labels_for, load_batch, results_folders
from sim.analysis.statistics import (
    SurvivalCurve,
    bootstrap_difference,
    contingency_test,
    holm,
    kaplan_meier,
    ks_test,
    logrank_test,
    mcnemar_test,
    newcombe_interval,
    proportion_difference,
    signed_rank_test,
    stuart_maxwell_test,
    wasserstein,
    wilson_interval,
)
from sim.analysis.thresholds import DEFAULT_THRESHOLDS, Thresholds
from sim.batch.families import PARAM, PAYOFF, UTILITY, extra_outcomes
from sim.errors import UserError
from sim.scenario.units import IssueUnits, Layout, OptionUnits

ALPHA = 0.05
CONFIDENCE = 0.95
RESAMPLES = 2000
MIN_PAIRS = 2  # pairs a paired row needs

Method = Literal["paired", "independent"]
Finding = Literal["same", "not significant", "below threshold", "differs", "shape differs"]


# --- one batch ------------------------------------------------------------------------------


@dataclass
class IssueDistribution:
    """One issue's outcome among a batch's deals (or, under a forecasting protocol, its
    forecasts): median and 10/90% quantiles in native units, or each option's share. A shares
    issue gives one of these per party it is split among (``issue.party``: the amount of the
    total that party gets). ``scale`` is the width of the issue's range (its total)."""

    key: str
    issue: str
    title: str | None
    units: IssueUnits
    count: int  # deals (or forecasts) in the sample
    median: float | None = None
    q10: float | None = None
    q90: float | None = None
    shares: dict[str, float] = field(default_factory=dict)
    samples: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)

    @property
    def unit(self) -> str:
        return self.units.unit_label


@dataclass
class PartyDistribution:
    """A party's payoff or utility over all replicates, deal or not (``deal`` marks which)."""

    party: str
    measure: str  # "payoff" or "utility"
    median: float
    q10: float
    q90: float
    samples: np.ndarray = field(repr=False)
    deal: np.ndarray = field(repr=False)


@dataclass
class BatchStats:
    """One batch on its own. A batch of a forecasting protocol (``forecast``: expected
    utility, compromise) has no deals: its deal probability, interval, survival curve and
    rounds are None, and its outcomes are every replicate's forecast."""

    batch: Batch = field(repr=False)
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
    payoffs: dict[str, PartyDistribution]
    utilities: dict[str, PartyDistribution]
    extras: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # other outcomes
    deal: np.ndarray = field(default_factory=lambda: np.empty(0, bool), repr=False)
    durations: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)

    @property
    def info(self) -> BatchInfo:
        return self.batch.info

    @property
    def label(self) -> str:
        return self.batch.label

    @property
    def forecast(self) -> bool:
        return self.deal_probability is None

    @property
    def sample(self) -> np.ndarray:
        """The replicates whose terms count: deals, or every forecast."""
        return np.ones(self.runs, dtype=bool) if self.forecast else self.deal


def _quantiles(values: np.ndarray) -> tuple[float, float, float]:
    q10, median, q90 = np.quantile(values, [0.1, 0.5, 0.9])
    return float(median), float(q10), float(q90)


def _terms(batch: Batch, sample: np.ndarray) -> dict[str, IssueDistribution]:
    runs = batch.runs
    issues = {}
    for dim in Layout.of(batch.scenario.issues).dimensions:
        units, column = dim.units, f"outcome.{dim.name}"
        title = batch.scenario.issues[dim.issue].title
        if isinstance(units, OptionUnits):
            samples = _option_names(runs, dim.name, units, sample)
            if samples is None:
                continue
            count = len(samples)
            shares = {o: float(np.mean(samples == o)) if count else 0.0 for o in units.options}
            issues[dim.name] = IssueDistribution(
                dim.name, dim.issue, title, units, count, shares=shares, samples=samples
            )
            continue
        if column not in runs.columns:
            continue
        samples = runs.loc[sample, column].to_numpy(dtype=float)
        distribution = IssueDistribution(
            dim.name, dim.issue, title, units, len(samples), samples=samples
        )
        if len(samples):
            distribution.median, distribution.q10, distribution.q90 = _quantiles(samples)
        issues[dim.name] = distribution
    return issues


def _option_names(
    runs: pd.DataFrame, key: str, units: OptionUnits, rows: np.ndarray
) -> np.ndarray | None:
    """The option names of issue ``key`` in the replicates ``rows`` (a mask over all): its
    label column, or its positions snapped to options; None when the batch has neither."""
    label = units.label_column("outcome", key)
    if label in runs.columns:
        return runs.loc[rows, label].astype(str).to_numpy(dtype=object)
    if f"outcome.{key}" in runs.columns:
        positions = runs.loc[rows, f"outcome.{key}"].to_numpy(dtype=float)
        return units.labels(units.to_internal(positions))
    return None


def _values(column: pd.Series) -> np.ndarray:
    """A column's values: true/false stay booleans, anything else becomes floats."""
    if pd.api.types.is_bool_dtype(column):
        return column.fillna(False).to_numpy(dtype=bool)
    return column.to_numpy(dtype=float, na_value=np.nan)


def batch_stats(batch: Batch) -> BatchStats:
    """One batch on its own: deal probability, time to deal, terms among deals, payoffs,
    utilities and other outcomes."""
    runs, scenario = batch.runs, batch.scenario
    n = len(runs)
    forecast = bool(runs["deal"].isna().all())  # a forecasting protocol: no deals
    deal = runs["deal"].fillna(False).to_numpy(dtype=bool)
    deals = int(deal.sum())
    parties = {}
    for prefix in (PAYOFF, UTILITY):
        parties[prefix] = {
            pid: PartyDistribution(
                pid, prefix.rstrip("."), *_quantiles(values), samples=values, deal=deal
            )
            for pid in scenario.parties
            if (column := prefix + pid) in runs.columns
            and len(values := runs[column].to_numpy(dtype=float))
        }
    stats = BatchStats(
        batch=batch,
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
        issues=_terms(batch, np.ones(n, dtype=bool) if forecast else deal),
        payoffs=parties[PAYOFF],
        utilities=parties[UTILITY],
        extras={c: _values(runs[c]) for c in extra_outcomes(runs)},
        deal=deal,
    )
    if not forecast:
        rounds = runs["round"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        stats.durations = np.where(deal, rounds, float(scenario.rounds))
        stats.survival = kaplan_meier(stats.durations, deal, CONFIDENCE)
        stats.deal_probability = deals / n if n else 0.0
        stats.interval = wilson_interval(deals, n, CONFIDENCE)
        stats.median_round = stats.survival.median
        stats.median_deal_round = float(np.median(rounds[deal])) if deals else None
    return stats


# --- pairing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pairing:
    """Whether two batches share their draws, and the evidence: ``matching`` of the
    ``shared`` drawn parameters (present and varying in both) are identical replicate by
    replicate."""

    paired: bool
    same_seed: bool
    same_runs: bool
    shared: int
    matching: int


def pairing(ref: BatchStats, other: BatchStats) -> Pairing:
    """Do the two batches share their random draws (common random numbers)?

    Paired when they ran with the same seed and N and their drawn parameters agree replicate
    by replicate: at least half of the parameters drawn in both (and varying) are identical
    in every replicate — a variant that changes one distribution changes one column, not the
    others — or, when no parameter varies in both, the seed and N alone (the events and the
    battlefield then draw from the same streams). Pairing replicate j with replicate j is
    valid whatever the evidence, since replicates are independent and alike within a batch;
    it pays off where the draws are shared."""
    same_seed = ref.info.seed is not None and ref.info.seed == other.info.seed
    same_runs = ref.runs == other.runs
    a, b = ref.batch.runs, other.batch.runs
    shared = [
        c
        for c in a.columns
        if c.startswith(PARAM) and c in b.columns and a[c].nunique() > 1 and b[c].nunique() > 1
    ]
    matching = (
        sum(bool((a[c].to_numpy() == b[c].to_numpy()).all()) for c in shared) if same_runs else 0
    )
    paired = same_seed and same_runs and (not shared or 2 * matching >= len(shared))
    return Pairing(paired, same_seed, same_runs, len(shared), matching)


# --- the rows -------------------------------------------------------------------------------


@dataclass
class Row:
    """One comparison of ``batch`` with ``reference``. ``estimate`` and ``interval`` are
    ``batch − reference`` in ``unit`` ("proportion" for deal probability and shares): the mean
    paired difference (paired rows) or the difference in medians (independent numeric rows);
    ``p`` is the test's own p-value, ``p_adjusted`` after Holm over every row of the
    comparison; ``threshold`` the practical effect the estimate must reach; ``distance`` the
    Wasserstein distance (numeric rows)."""

    batch: str
    reference: str
    topic: str  # "deal", "time", "issue", "payoff", "utility", "outcome"
    subject: str  # "deal probability", "time to deal", an issue key, a party id, a column
    measure: str
    unit: str
    method: Method
    estimate: float | None
    interval: tuple[float, float] | None
    test: str
    statistic: float | None
    p: float | None
    threshold: float | None
    p_adjusted: float | None = None
    distance: float | None = None
    finding: Finding = "not significant"
    detail: dict[str, float | str | bool | None] = field(default_factory=dict)

    @property
    def significant(self) -> bool:
        return self.p_adjusted is not None and self.p_adjusted < ALPHA

    @property
    def practical(self) -> bool:
        return (
            self.estimate is not None
            and self.threshold is not None
            and abs(self.estimate) >= self.threshold
        )


@dataclass
class Comparison:
    """Everything ``negsim compare`` reports: each batch, the rows comparing each batch with
    the first, how each batch was paired with it, and the rows skipped (one line each)."""

    batches: list[BatchStats]
    rows: list[Row]
    pairings: dict[str, Pairing]
    skipped: list[str]
    thresholds: Thresholds = DEFAULT_THRESHOLDS
    alpha: float = ALPHA
    confidence: float = CONFIDENCE

    @property
    def reference(self) -> BatchStats:
        return self.batches[0]

    @property
    def comparisons(self) -> int:
        """The number of tests the Holm adjustment runs over."""
        return sum(row.p is not None for row in self.rows)


class _Pair:
    """The reference and one other batch, how they pair, and what every row of theirs
    shares: the method, the thresholds, the bootstrap's resamples and random stream."""

    def __init__(
        self,
        ref: BatchStats,
        other: BatchStats,
        pairs: Pairing,
        thresholds: Thresholds,
        rng: np.random.Generator,
        resamples: int,
    ):
        self.ref, self.other, self.pairs, self.thresholds = ref, other, pairs, thresholds
        self.method: Method = "paired" if pairs.paired else "independent"
        self.rng, self.resamples = rng, resamples

    def row(self, **fields) -> Row:
        return Row(batch=self.other.label, reference=self.ref.label, method=self.method, **fields)

    def bootstrap(
        self, a: np.ndarray, b: np.ndarray, *, paired: bool, centre: str = "median"
    ) -> tuple[float, tuple[float, float]]:
        return bootstrap_difference(
            a,
            b,
            paired=paired,
            centre=centre,
            rng=self.rng,
            resamples=self.resamples,
            confidence=CONFIDENCE,
        )

    def numeric(self, topic: str, subject: str, unit: str, a, b, threshold: float, **detail) -> Row:
        """A row of numbers; ``a`` and ``b`` are aligned by replicate when paired."""
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        paired = self.pairs.paired
        if paired and np.array_equal(a, b):  # every replicate alike in both: nothing to test
            statistic, p, test = None, None, "—"
            detail = {**detail, "identical": True}
        elif np.ptp(np.concatenate([a, b])) == 0:  # one value throughout: nothing to test
            statistic, p, test = None, None, "—"
        elif paired:
            statistic, p, test = None, signed_rank_test(b - a), "Wilcoxon signed-rank"
        else:
            (statistic, p), test = ks_test(a, b), "KS"
        estimate, interval = self.bootstrap(a, b, paired=paired)
        centre = np.mean if paired else np.median
        return self.row(
            topic=topic,
            subject=subject,
            measure="mean paired difference" if paired else "difference in medians",
            unit=unit,
            estimate=estimate,
            interval=interval,
            test=test,
            statistic=statistic,
            p=p,
            threshold=threshold,
            distance=wasserstein(a, b),
            detail={"reference_value": float(centre(a)), "value": float(centre(b)), **detail},
        )

    def proportion(self, topic: str, subject: str, a: np.ndarray, b: np.ndarray) -> Row:
        """A row of a true/false quantity (the deal, a yes/no outcome); ``a`` and ``b``
        aligned by replicate when paired."""
        a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
        if self.pairs.paired and np.array_equal(a, b):  # every replicate alike: no test
            p, estimate, interval, test, detail = None, 0.0, (0.0, 0.0), "—", {"identical": True}
        elif self.pairs.paired:
            only_b, only_a, p = mcnemar_test(a, b)
            estimate, interval = self.bootstrap(a, b, paired=True)
            test, detail = "McNemar", {"only_batch": only_b, "only_reference": only_a}
        else:
            difference = proportion_difference(
                int(a.sum()), len(a), int(b.sum()), len(b), CONFIDENCE
            )
            estimate, interval = difference.estimate, difference.interval
            p, test, detail = difference.p_value, difference.test, {}
        return self.row(
            topic=topic,
            subject=subject,
            measure="difference in share",
            unit="proportion",
            estimate=estimate,
            interval=interval,
            test=test,
            statistic=None,
            p=p,
            threshold=self.thresholds.points,
            detail={"reference_value": float(a.mean()), "value": float(b.mean()), **detail},
        )

    def time(self) -> Row:
        """Time to deal. The estimate is the change in restricted mean time to deal within
        the shorter window W: the mean of min(T, W), T the round of the deal (W for no deal),
        the area under the survival curve up to W (Royston & Parmar 2013, BMC Med. Res.
        Methodol. 13:152) — fully observed, since every replicate is watched to its window.
        Paired: Wilcoxon on the replicates' differences; independent: the log-rank test of
        the whole curves."""
        ref, other = self.ref, self.other
        window = float(min(ref.rounds, other.rounds))
        a, b = np.minimum(ref.durations, window), np.minimum(other.durations, window)
        if self.pairs.paired:
            p, statistic, test = signed_rank_test(b - a), None, "Wilcoxon signed-rank"
            sooner = float(np.mean(b - a)) < 0
        else:
            statistic, p, z = logrank_test(ref.durations, ref.deal, other.durations, other.deal)
            test, sooner = "log-rank", z > 0
        if np.ptp(np.concatenate([a, b])) == 0:
            statistic, p, test = None, None, "—"
        estimate, interval = self.bootstrap(a, b, paired=self.pairs.paired, centre="mean")
        return self.row(
            topic="time",
            subject="time to deal",
            measure="difference in restricted mean time to deal",
            unit=ref.round_label,
            estimate=estimate,
            interval=interval,
            test=test,
            statistic=statistic,
            p=p,
            threshold=self.thresholds.rounds,
            detail={"window": window, "sooner": sooner, **_widest_gap(ref, other)},
        )

    def options(self, key: str, options: tuple[str, ...]) -> Row:
        """An option issue: the option whose share changes most, with the test of all the
        shares. Paired: among replicates with a deal in both, the Stuart–Maxwell test and the
        share of replicates that end on the same option; independent: a chi-square test."""
        a_issue, b_issue = self.ref.issues[key], self.other.issues[key]
        detail: dict = {}
        if self.pairs.paired:
            both = self.ref.sample & self.other.sample
            a = _option_names(self.ref.batch.runs, key, a_issue.units, both)
            b = _option_names(self.other.batch.runs, key, a_issue.units, both)
            table = np.array([[np.sum((a == x) & (b == y)) for y in options] for x in options])
            statistic, p = stuart_maxwell_test(table)
            test = "Stuart–Maxwell"
            detail = {"agreement": float(np.mean(a == b)), "pairs": len(a)}
        else:
            a, b = a_issue.samples, b_issue.samples
            counts = np.array([[np.sum(x == o) for o in options] for x in (a, b)], dtype=int)
            statistic, p, test = contingency_test(counts, rng=self.rng)
        changes = np.array([np.mean(b == o) - np.mean(a == o) for o in options])
        k = int(np.argmax(np.abs(changes)))
        used = [o for o in options if np.any(a == o) or np.any(b == o)]
        if len(used) == 1:  # one option in every deal of both: nothing to test
            statistic, p, test = None, None, "—"
            k = options.index(used[0])
        if self.pairs.paired:
            estimate, interval = self.bootstrap(a == options[k], b == options[k], paired=True)
        else:
            estimate = float(changes[k])
            hits = [int(np.sum(x == options[k])) for x in (a, b)]
            interval = newcombe_interval(hits[0], len(a), hits[1], len(b), CONFIDENCE)
        return self.row(
            topic="issue",
            subject=key,
            measure=f"share of {options[k]}",
            unit="proportion",
            estimate=estimate,
            interval=interval,
            test=test,
            statistic=statistic,
            p=p,
            threshold=self.thresholds.points,
            detail={
                "option": options[k],
                "reference_value": float(np.mean(a == options[k])),
                "value": float(np.mean(b == options[k])),
                "deals": not (self.ref.forecast or self.other.forecast),
                **detail,
            },
        )

    def issue(self, key: str) -> Row | str:
        """The row of one issue (or one party's share of a shares issue), or why it is
        skipped."""
        ref, other = self.ref, self.other
        problem = _issue_problem(key, ref, other)
        if problem:
            return problem
        a, b = ref.issues[key], other.issues[key]
        if self.pairs.paired:
            both = ref.sample & other.sample
            if both.sum() < MIN_PAIRS:
                return (
                    f"issue `{key}`: fewer than {MIN_PAIRS} replicates with a deal in both: skipped"
                )
        if isinstance(a.units, OptionUnits):
            return self.options(key, a.units.options)
        deals = not (ref.forecast or other.forecast)
        if self.pairs.paired:
            column = f"outcome.{key}"
            values = [x.batch.runs[column].to_numpy(dtype=float)[both] for x in (ref, other)]
            pairs = {"pairs": int(both.sum())}
        else:
            values, pairs = [a.samples, b.samples], {}
        threshold = self.thresholds.scale * a.units.width
        return self.numeric("issue", key, a.unit, *values, threshold, deals=deals, **pairs)

    def party(self, measure: str, pid: str) -> Row | str:
        """The row of one party's payoff or utility (all replicates), or why it is skipped."""
        mine = getattr(self.ref, measure)
        theirs = getattr(self.other, measure)
        topic = "payoff" if measure == "payoffs" else "utility"
        for batch, found in ((self.ref, mine), (self.other, theirs)):
            if pid not in found:
                where = " (the reference)" if batch is self.ref else ""
                return f"{topic} of `{pid}` is not in batch {batch.label}{where}: skipped"
        return self.numeric(
            topic, pid, "", mine[pid].samples, theirs[pid].samples, self.thresholds.payoff
        )

    def extra(self, column: str) -> Row | str:
        """Another outcome the model writes: a true/false one as a proportion, a number
        against 1% (the scale threshold) of the range it takes in the two batches, over the
        replicates where it has a value (in both, when paired)."""
        a, b = self.ref.extras[column], self.other.extras[column]
        if a.dtype == bool and b.dtype == bool:
            return self.proportion("outcome", column, a, b)
        a, b = a.astype(float), b.astype(float)
        if self.pairs.paired:
            present = ~(np.isnan(a) | np.isnan(b))
            a, b = a[present], b[present]
        else:
            a, b = a[~np.isnan(a)], b[~np.isnan(b)]
        if len(a) < MIN_PAIRS or len(b) < MIN_PAIRS:
            return f"outcome `{column}`: too few values to compare: skipped"
        spread = float(np.ptp(np.concatenate([a, b])))
        return self.numeric("outcome", column, "", a, b, self.thresholds.scale * spread)


def _widest_gap(a: BatchStats, b: BatchStats) -> dict[str, float]:
    """The round at which the two curves' shares with a deal differ most, and those shares."""
    times = np.union1d(a.survival.times, b.survival.times)
    settled_a = 1 - np.array([a.survival.at(t) for t in times])
    settled_b = 1 - np.array([b.survival.at(t) for t in times])
    k = int(np.argmax(np.abs(settled_b - settled_a)))
    return {"at": float(times[k]), "settled_reference": settled_a[k], "settled": settled_b[k]}


def _issue_problem(key: str, ref: BatchStats, other: BatchStats) -> str | None:
    """Why issue ``key`` cannot be compared between the two batches, or None."""
    a, b = ref.issues.get(key), other.issues.get(key)
    if a is None:
        return f"issue `{key}` is not in batch {ref.label} (the reference): skipped"
    if b is None:
        return f"issue `{key}` is not in batch {other.label}: skipped"
    if not a.units.reads_like(b.units):  # another kind, other options, another unit
        return (
            f"issue `{key}` {a.units.reading} in batch {ref.label} but {b.units.reading} in "
            f"batch {other.label}: skipped"
        )
    for x, d in ((ref, a), (other, b)):
        if d.count == 0:
            return f"issue `{key}`: batch {x.label} has no deals to compare: skipped"
    return None


def _compare_pair(pair: _Pair) -> tuple[list[Row], list[str]]:
    """Every row of one batch against the reference, and the lines of the rows skipped."""
    ref, other = pair.ref, pair.other
    rows: list[Row] = []
    skipped: list[str] = []

    def add(result: Row | str) -> None:
        (rows if isinstance(result, Row) else skipped).append(result)

    if not set(ref.issues) & set(other.issues) and not set(ref.payoffs) & set(other.payoffs):
        return [], [
            f"batch {other.label} shares no issue and no party with batch {ref.label}: not compared"
        ]
    forecasting = [x for x in (ref, other) if x.forecast]
    if forecasting:
        x = forecasting[0]
        skipped.append(
            f"deal probability and time to deal: batch {x.label} forecasts (protocol "
            f"{x.protocol}) rather than bargains: skipped"
        )
    else:
        add(pair.proportion("deal", "deal probability", ref.deal, other.deal))
        if ref.round_label != other.round_label:
            skipped.append(
                f"time to deal: rounds are {ref.round_label}s in batch {ref.label} but "
                f"{other.round_label}s in batch {other.label}: skipped"
            )
        else:
            add(pair.time())
    for key in [*ref.issues, *(i for i in other.issues if i not in ref.issues)]:
        add(pair.issue(key))
    for measure in ("payoffs", "utilities"):
        mine, theirs = getattr(ref, measure), getattr(other, measure)
        for pid in [*mine, *(p for p in theirs if p not in mine)]:
            add(pair.party(measure, pid))
    for column in [c for c in ref.extras if c in other.extras]:
        add(pair.extra(column))
    return rows, skipped


def _finding(row: Row) -> Finding:
    if row.p is None:
        return "same"
    if not row.significant:
        return "not significant"
    if not row.practical:
        return "below threshold"
    if row.interval is not None and row.interval[0] <= 0 <= row.interval[1]:
        return "shape differs"  # the distributions differ, their centres hardly
    return "differs"


def _same_batch(a: BatchStats, b: BatchStats) -> bool:
    """One batch twice: the same folder, or the same scenario (sha256), seed and N."""
    if Path(a.info.folder).resolve() == Path(b.info.folder).resolve():
        return True
    return bool(a.info.sha256) and (a.info.sha256, a.info.seed, a.runs) == (
        b.info.sha256,
        b.info.seed,
        b.runs,
    )


def compare(
    folders: Sequence[str | Path],
    *,
    labels: Sequence[str] | None = None,
    seed: int = 0,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    resamples: int = RESAMPLES,
) -> Comparison:
    """Compare results folders (or experiment outputs holding them): each batch on its own,
    and each batch against the first, paired where the batches share their draws.
    ``thresholds`` are the practical effects a finding needs; ``seed`` seeds the bootstrap
    and Monte Carlo tests, so the same folders always give the same numbers. Raises a
    one-line :class:`~sim.errors.UserError` for a folder that is not a complete results
    folder, for fewer than two batches, for one batch given twice, and when no row is
    comparable."""
    paths = results_folders(folders)
    if len(paths) < 2:
        raise UserError("compare needs at least two results folders")
    if labels is not None and len(labels) != len(paths):
        raise UserError(f"{len(labels)} labels for {len(paths)} results folders")
    names = list(labels) if labels is not None else labels_for(paths)
    batches = [batch_stats(load_batch(path, name)) for path, name in zip(paths, names, strict=True)]
    ref = batches[0]
    for other in batches[1:]:
        if _same_batch(ref, other):
            raise UserError(
                f"batches {other.label} and {ref.label} are one batch (the same scenario, "
                f"seed {ref.info.seed} and N {ref.runs:,}): comparing them compares nothing"
            )
    rng = np.random.default_rng(seed)
    rows: list[Row] = []
    skipped: list[str] = []
    pairings = {}
    for other in batches[1:]:
        pairings[other.label] = pairing(ref, other)
        pair = _Pair(ref, other, pairings[other.label], thresholds, rng, resamples)
        more_rows, more_skipped = _compare_pair(pair)
        rows.extend(more_rows)
        skipped.extend(more_skipped)
    if not rows:
        raise UserError(f"nothing comparable remains: {'; '.join(skipped)}")
    for row, adjusted in zip(rows, holm([row.p for row in rows]), strict=True):
        row.p_adjusted = None if np.isnan(adjusted) else float(adjusted)
        row.finding = _finding(row)
    return Comparison(batches, rows, pairings, skipped, thresholds)
