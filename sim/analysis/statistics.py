"""Small statistical tools used across the analysis.

Each function names its source. Everything here is plain numpy/scipy on arrays: no pandas, no
knowledge of results folders.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval for a binomial proportion (Wilson 1927).

    Unlike the normal approximation it stays inside [0, 1] and keeps its coverage near 0 and 1,
    where deal probabilities often lie.
    """
    if trials == 0:
        return 0.0, 1.0
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = successes / trials
    denominator = 1 + z * z / trials
    center = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, center - half), min(1.0, center + half)


# --- two proportions ------------------------------------------------------------------------


@dataclass(frozen=True)
class ProportionDifference:
    """``p_b − p_a`` with its interval and a two-sided test of ``p_a = p_b``."""

    estimate: float
    interval: tuple[float, float]
    p_value: float
    test: str  # "z test" or "Fisher exact"


def newcombe_interval(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Interval for ``p_b − p_a``: Newcombe's hybrid score interval, built on the two Wilson
    intervals (Newcombe 1998, Statistics in Medicine 17:873–890, method 10).

    With ``p̂_b − p̂_a = d`` and Wilson limits ``[l_a, u_a]``, ``[l_b, u_b]``::

        low  = d − sqrt((p̂_b − l_b)² + (u_a − p̂_a)²)
        high = d + sqrt((u_b − p̂_b)² + (p̂_a − l_a)²)

    It stays within [−1, 1] and keeps near-nominal coverage at proportions near 0 or 1.
    """
    if trials_a <= 0 or trials_b <= 0:
        raise ValueError("both samples need at least one trial")
    pa, pb = successes_a / trials_a, successes_b / trials_b
    la, ua = wilson_interval(successes_a, trials_a, confidence)
    lb, ub = wilson_interval(successes_b, trials_b, confidence)
    d = pb - pa
    low = d - math.sqrt((pb - lb) ** 2 + (ua - pa) ** 2)
    high = d + math.sqrt((ub - pb) ** 2 + (pa - la) ** 2)
    return max(-1.0, low), min(1.0, high)


def two_proportion_test(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int
) -> tuple[float, str]:
    """Two-sided p-value for ``p_a = p_b`` and the test's name.

    The pooled two-proportion z test (equivalently Pearson's chi-square on the 2×2 table,
    without continuity correction; Agresti 2013, Categorical Data Analysis, §3.1), or Fisher's
    exact test (Fisher 1935) when an expected cell count is below 5 (Cochran's rule, Cochran
    1954), where the normal approximation is poor.
    """
    if trials_a <= 0 or trials_b <= 0:
        raise ValueError("both samples need at least one trial")
    table = np.array(
        [[successes_a, trials_a - successes_a], [successes_b, trials_b - successes_b]], dtype=float
    )
    total = table.sum()
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / total
    if expected.min() < 5:
        if table.sum(axis=0).min() == 0:  # every trial a success (or none): nothing to test
            return 1.0, "Fisher exact"
        return float(stats.fisher_exact(table.astype(int)).pvalue), "Fisher exact"
    pooled = (successes_a + successes_b) / total
    se = math.sqrt(pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b))
    z = (successes_b / trials_b - successes_a / trials_a) / se
    return float(2 * stats.norm.sf(abs(z))), "z test"


def proportion_difference(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int, confidence: float = 0.95
) -> ProportionDifference:
    """``p_b − p_a`` with Newcombe's hybrid score interval (:func:`newcombe_interval`) and the
    p-value of :func:`two_proportion_test`."""
    p, test = two_proportion_test(successes_a, trials_a, successes_b, trials_b)
    return ProportionDifference(
        successes_b / trials_b - successes_a / trials_a,
        newcombe_interval(successes_a, trials_a, successes_b, trials_b, confidence),
        p,
        test,
    )


# --- categorical distributions --------------------------------------------------------------


def contingency_test(
    counts: Sequence[Sequence[int]] | np.ndarray, *, rng: np.random.Generator | None = None
) -> tuple[float, float, str]:
    """Do two or more samples share one categorical distribution? Returns (chi-square
    statistic, p-value, test name).

    Pearson's chi-square test of homogeneity on the samples × categories table (Pearson 1900;
    Agresti 2013 §3.2). Categories empty in every sample are dropped. When an expected count is
    below 5 the chi-square approximation is poor, and the p-value comes from a Monte Carlo
    test conditional on the margins (random tables with the observed margins, Patefield 1981,
    via ``scipy.stats.chi2_contingency(method=MonteCarloMethod)``), seeded by ``rng``. With
    fewer than two non-empty categories every sample is all one category: p = 1.
    """
    table = np.asarray(counts, dtype=float)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return 0.0, 1.0, "chi-square"
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    method_class = getattr(stats, "MonteCarloMethod", None)  # scipy >= 1.15
    if expected.min() < 5 and method_class is not None:
        rng = rng if rng is not None else np.random.default_rng(0)
        result = stats.chi2_contingency(
            table.astype(int), correction=False, method=method_class(n_resamples=9999, rng=rng)
        )
        return float(result.statistic), float(result.pvalue), "chi-square (Monte Carlo)"
    result = stats.chi2_contingency(table, correction=False)
    return float(result.statistic), float(result.pvalue), "chi-square"


# --- two samples of numbers -----------------------------------------------------------------


def ks_test(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Two-sample Kolmogorov–Smirnov test: (largest gap between the empirical distribution
    functions, two-sided p-value) (Kolmogorov 1933, Smirnov 1939; ``scipy.stats.ks_2samp``,
    exact for small samples, asymptotic for large). With ties (discrete outcomes) the p-value
    is conservative."""
    result = stats.ks_2samp(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    return float(result.statistic), float(result.pvalue)


def wasserstein(a: np.ndarray, b: np.ndarray) -> float:
    """The first Wasserstein (earth mover's) distance between two samples, in their units: the
    area between the two empirical distribution functions (Villani 2009, Optimal Transport;
    ``scipy.stats.wasserstein_distance``)."""
    return float(stats.wasserstein_distance(np.asarray(a, dtype=float), np.asarray(b, dtype=float)))


def bootstrap_medians(x: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """The medians of ``resamples`` bootstrap resamples of ``x`` (n values drawn with
    replacement), drawn from their exact distribution without building the resamples.

    A resample is n draws ``x_sorted[floor(n·U)]`` with U uniform on [0, 1), so its k-th
    smallest value is ``x_sorted[floor(n·U_(k))]``, where ``U_(k)``, the k-th smallest of n
    uniforms, is Beta(k, n − k + 1) (David & Nagaraja 2003, Order Statistics, §2.2); given
    ``U_(k) = u``, ``U_(k+1) = u + (1 − u)·Beta(1, n − k)``. The median is the middle order
    statistic (n odd) or the mean of the two middle ones (n even), as ``numpy.median`` takes
    it. This is the same distribution as resampling and taking medians (the exact bootstrap
    distribution of the median, Maritz & Jarrett 1978, JASA 73:194–196), at a cost that does
    not grow with n: one vectorised draw per resample, no Python loop.
    """
    x = np.sort(np.asarray(x, dtype=float))
    n = len(x)
    k = (n + 1) // 2
    u = rng.beta(k, n - k + 1, size=resamples)
    low = x[np.minimum((n * u).astype(np.int64), n - 1)]
    if n % 2:
        return low
    u_next = u + (1 - u) * rng.beta(1, n - k, size=resamples)
    return (low + x[np.minimum((n * u_next).astype(np.int64), n - 1)]) / 2


def bootstrap_median_difference(
    a: np.ndarray,
    b: np.ndarray,
    *,
    rng: np.random.Generator,
    resamples: int = 2000,
    confidence: float = 0.95,
) -> tuple[float, tuple[float, float]]:
    """``median(b) − median(a)`` with a percentile bootstrap interval (Efron & Tibshirani 1993,
    An Introduction to the Bootstrap, ch. 13): each sample is resampled with replacement
    ``resamples`` times, independently, and the interval is the central ``confidence`` share
    of the resampled differences. Vectorised (:func:`bootstrap_medians` draws each
    resample's median from its exact distribution); ``rng`` makes it reproducible."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if len(a) == 0 or len(b) == 0:
        raise ValueError("both samples need at least one value")
    estimate = float(np.median(b) - np.median(a))
    differences = bootstrap_medians(b, resamples, rng) - bootstrap_medians(a, resamples, rng)
    tail = (1 - confidence) / 2
    low, high = np.quantile(differences, [tail, 1 - tail])
    return estimate, (float(low), float(high))


# --- time to event --------------------------------------------------------------------------


@dataclass(frozen=True)
class SurvivalCurve:
    """A Kaplan–Meier curve: ``survival[j]`` is the estimated probability that the event (a
    deal) has not happened by the end of ``times[j]``; ``times[0] = 0`` with survival 1.
    ``lower``/``upper`` are pointwise confidence limits; ``at_risk``/``events`` the counts
    at each time. ``last`` is the last time observed (where the curve ends)."""

    times: np.ndarray
    survival: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    last: float

    def at(self, t: float) -> float:
        """The estimated survival at time ``t`` (a step function, right-continuous)."""
        return float(self.survival[np.searchsorted(self.times, t, side="right") - 1])

    @property
    def median(self) -> float | None:
        """The first time at which survival falls to 0.5 or below; None if it never does."""
        below = np.flatnonzero(self.survival <= 0.5)
        return float(self.times[below[0]]) if len(below) else None


def kaplan_meier(
    durations: np.ndarray, observed: np.ndarray, confidence: float = 0.95
) -> SurvivalCurve:
    """The Kaplan–Meier product-limit estimate of survival (Kaplan & Meier 1958) with
    censoring: ``durations`` are the times of the event where ``observed`` and the times of
    censoring elsewhere (here: no deal by the last round). At tied times events come before
    censorings. ``S(t) = Π_{t_j ≤ t} (1 − d_j/n_j)``; the pointwise interval is Greenwood's
    variance (Greenwood 1926) on the log(−log S) scale, which keeps it inside [0, 1]
    (Kalbfleisch & Prentice 1980, §1.3)."""
    durations = np.asarray(durations, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    if durations.shape != observed.shape:
        raise ValueError("durations and observed must have the same shape")
    ordered = np.sort(durations)
    times = np.unique(durations[observed])
    at_risk = len(ordered) - np.searchsorted(ordered, times, side="left")
    event_times = np.sort(durations[observed])
    events = np.searchsorted(event_times, times, side="right") - np.searchsorted(
        event_times, times, side="left"
    )
    survival = np.cumprod(1 - events / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.cumsum(events / (at_risk * (at_risk - events)))
        log_s = np.log(survival)
        se = np.sqrt(greenwood) / np.abs(log_s)
        z = _z(confidence)
        lower = survival ** np.exp(z * se)
        upper = survival ** np.exp(-z * se)
    lower = np.where(survival > 0, np.nan_to_num(lower, nan=0.0), 0.0)
    upper = np.where(survival > 0, np.nan_to_num(upper, nan=1.0), 0.0)
    return SurvivalCurve(
        times=np.concatenate([[0.0], times]),
        survival=np.concatenate([[1.0], survival]),
        lower=np.concatenate([[1.0], lower]),
        upper=np.concatenate([[1.0], upper]),
        at_risk=np.concatenate([[len(durations)], at_risk]).astype(int),
        events=np.concatenate([[0], events]).astype(int),
        last=float(ordered[-1]) if len(ordered) else 0.0,
    )


def logrank_test(
    durations_a: np.ndarray,
    observed_a: np.ndarray,
    durations_b: np.ndarray,
    observed_b: np.ndarray,
) -> tuple[float, float, float]:
    """The log-rank test of equal survival in two samples (Mantel 1966; Peto & Peto 1972):
    (chi-square statistic on 1 degree of freedom, two-sided p-value, observed − expected
    events in sample b). At each distinct event time the events are compared with their
    expectation under equal hazards, with the hypergeometric variance, which handles tied
    times. A positive excess means sample b has its events sooner. No events at all: p = 1."""
    durations_a = np.asarray(durations_a, dtype=float)
    durations_b = np.asarray(durations_b, dtype=float)
    observed_a = np.asarray(observed_a, dtype=bool)
    observed_b = np.asarray(observed_b, dtype=bool)
    times = np.unique(np.concatenate([durations_a[observed_a], durations_b[observed_b]]))
    if len(times) == 0:
        return 0.0, 1.0, 0.0

    def counts(durations: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ordered = np.sort(durations)
        events = np.sort(durations[observed])
        at_risk = len(ordered) - np.searchsorted(ordered, times, side="left")
        died = np.searchsorted(events, times, side="right") - np.searchsorted(
            events, times, side="left"
        )
        return at_risk.astype(float), died.astype(float)

    n_a, d_a = counts(durations_a, observed_a)
    n_b, d_b = counts(durations_b, observed_b)
    n, d = n_a + n_b, d_a + d_b
    expected_b = d * n_b / n
    excess = float(d_b.sum() - expected_b.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = np.where(n > 1, d * (n_a / n) * (n_b / n) * (n - d) / (n - 1), 0.0)
    v = float(variance.sum())
    if v <= 0:
        return 0.0, 1.0, excess
    statistic = excess**2 / v
    return statistic, float(stats.chi2.sf(statistic, 1)), excess


# --- many tests -----------------------------------------------------------------------------


def holm(pvalues: Sequence[float | None] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of p-values for multiple comparisons (Holm 1979, Scand. J.
    Statist. 6:65–70): with the m p-values sorted ascending, the j-th (from 0) becomes
    ``max_{i ≤ j} min(1, (m − i)·p_(i))``. It controls the family-wise error rate (the chance
    of any false alarm) at the nominal level under any dependence. Missing values (None, NaN)
    are left missing and do not count towards m."""
    p = np.array([np.nan if v is None else v for v in pvalues], dtype=float)
    out = np.full(p.shape, np.nan)
    present = np.flatnonzero(~np.isnan(p))
    m = len(present)
    if m == 0:
        return out
    order = present[np.argsort(p[present], kind="stable")]
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    out[order] = np.maximum.accumulate(scaled)
    return out
