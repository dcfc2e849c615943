"""The statistics of the analysis, on plain arrays: no pandas, no knowledge of results folders.

Where a library has the method, it is the library's: Wilson intervals, the exact binomial
test behind McNemar's, Kaplan–Meier (``scipy.stats.ecdf`` on ``CensoredData``), the log-rank
test (``scipy.stats.logrank``), bootstrap intervals (``scipy.stats.bootstrap``, paired or
not), Wilcoxon's signed-rank test, KS, chi-square and Fisher tests, Wasserstein distances.
What no library here has is written out and cited: Newcombe's interval for a difference of
two proportions, the Stuart–Maxwell test of marginal homogeneity, Holm's adjustment.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

BOOTSTRAP_CELLS = 20_000_000
"""Values resampled at once by the bootstrap (memory stays near 160 MB whatever N is)."""


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval for a binomial proportion (Wilson 1927;
    ``scipy.stats.binomtest(...).proportion_ci(method="wilson")``).

    Unlike the normal approximation it stays inside [0, 1] and keeps its coverage near 0 and 1,
    where deal probabilities often lie. No trials: the whole of [0, 1]."""
    if trials == 0:
        return 0.0, 1.0
    interval = stats.binomtest(successes, trials).proportion_ci(confidence, method="wilson")
    low = 0.0 if successes == 0 else float(interval.low)  # exactly, not a rounding error away
    high = 1.0 if successes == trials else float(interval.high)
    return low, high


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
    """Interval for ``p_b − p_a`` of two independent samples: Newcombe's hybrid score
    interval, built on the two Wilson intervals (Newcombe 1998, Statistics in Medicine
    17:873–890, method 10).

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
    """Two-sided p-value for ``p_a = p_b`` (independent samples) and the test's name.

    Pearson's chi-square on the 2×2 table without continuity correction, the same as the
    pooled two-proportion z test (Agresti 2013, Categorical Data Analysis, §3.1), or Fisher's
    exact test (Fisher 1935) when an expected cell count is below 5 (Cochran 1954), where the
    normal approximation is poor.
    """
    if trials_a <= 0 or trials_b <= 0:
        raise ValueError("both samples need at least one trial")
    table = np.array(
        [[successes_a, trials_a - successes_a], [successes_b, trials_b - successes_b]], dtype=int
    )
    if table.sum(axis=0).min() == 0:  # every trial a success (or none): nothing to test
        return 1.0, "Fisher exact"
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    if expected.min() < 5:
        return float(stats.fisher_exact(table).pvalue), "Fisher exact"
    return float(stats.chi2_contingency(table, correction=False).pvalue), "z test"


def proportion_difference(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int, confidence: float = 0.95
) -> ProportionDifference:
    """``p_b − p_a`` of independent samples with Newcombe's hybrid score interval
    (:func:`newcombe_interval`) and the p-value of :func:`two_proportion_test`."""
    p, test = two_proportion_test(successes_a, trials_a, successes_b, trials_b)
    return ProportionDifference(
        successes_b / trials_b - successes_a / trials_a,
        newcombe_interval(successes_a, trials_a, successes_b, trials_b, confidence),
        p,
        test,
    )


def mcnemar_test(a: np.ndarray, b: np.ndarray) -> tuple[int, int, float]:
    """McNemar's test of paired true/false outcomes (McNemar 1947): are the pairs where only
    ``b`` is true as common as those where only ``a`` is? Returns (only b, only a, two-sided
    p-value). The p-value is the exact conditional test: given the discordant pairs, the
    count of one kind is Binomial(discordant, 1/2) under the null (``scipy.stats.binomtest``;
    Agresti 2013, §11.1). No discordant pair: p = 1."""
    a = np.asarray(a, dtype=bool)
    b = np.asarray(b, dtype=bool)
    only_b, only_a = int(np.sum(b & ~a)), int(np.sum(a & ~b))
    if only_a + only_b == 0:
        return only_b, only_a, 1.0
    return only_b, only_a, float(stats.binomtest(only_b, only_a + only_b).pvalue)


# --- categorical distributions --------------------------------------------------------------


def contingency_test(
    counts: Sequence[Sequence[int]] | np.ndarray, *, rng: np.random.Generator | None = None
) -> tuple[float, float, str]:
    """Do two or more independent samples share one categorical distribution? Returns
    (chi-square statistic, p-value, test name).

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
    if expected.min() < 5:
        rng = rng if rng is not None else np.random.default_rng(0)
        result = stats.chi2_contingency(
            table.astype(int),
            correction=False,
            method=stats.MonteCarloMethod(n_resamples=9999, rng=rng),
        )
        return float(result.statistic), float(result.pvalue), "chi-square (Monte Carlo)"
    result = stats.chi2_contingency(table, correction=False)
    return float(result.statistic), float(result.pvalue), "chi-square"


def stuart_maxwell_test(table: np.ndarray) -> tuple[float, float]:
    """The Stuart–Maxwell test of marginal homogeneity of a square table of paired
    categories (``table[i, j]``: pairs in category i in the first sample and j in the
    second): do the two samples have the same category shares? (Stuart 1955, Biometrika
    42:412–416; Maxwell 1970, Brit. J. Psychiatry 116:651–655; Agresti 2013, §11.3.) It
    generalises McNemar's test to more than two categories. Returns (chi-square statistic,
    p-value) on k − 1 degrees of freedom, k the categories used.

    With ``d_i = n_i· − n_·i`` and ``V_ii = n_i· + n_·i − 2 n_ii``, ``V_ij = −(n_ij + n_ji)``,
    the statistic is ``d' V⁻¹ d`` over the first k − 1 categories (any k − 1 give the same
    value). Every pair in agreement, or one category in use: p = 1."""
    table = np.asarray(table, dtype=float)
    used = (table.sum(axis=0) + table.sum(axis=1)) > 0
    table = table[np.ix_(used, used)]
    k = len(table)
    off_diagonal = table.sum() - np.trace(table)
    if k < 2 or off_diagonal == 0:
        return 0.0, 1.0
    rows, columns = table.sum(axis=1), table.sum(axis=0)
    d = (rows - columns)[:-1]
    v = -(table + table.T)
    np.fill_diagonal(v, rows + columns - 2 * np.diag(table))
    v = v[:-1, :-1]
    statistic = float(d @ np.linalg.pinv(v) @ d)
    dof = int(np.linalg.matrix_rank(v))
    if dof == 0:
        return 0.0, 1.0
    return statistic, float(stats.chi2.sf(statistic, dof))


# --- two samples of numbers -----------------------------------------------------------------


def ks_test(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Two-sample Kolmogorov–Smirnov test of independent samples: (largest gap between the
    empirical distribution functions, two-sided p-value) (Kolmogorov 1933, Smirnov 1939;
    ``scipy.stats.ks_2samp``, exact for small samples, asymptotic for large). With ties
    (discrete outcomes) the p-value is conservative."""
    result = stats.ks_2samp(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    return float(result.statistic), float(result.pvalue)


def wasserstein(a: np.ndarray, b: np.ndarray) -> float:
    """The first Wasserstein (earth mover's) distance between two samples, in their units: the
    area between the two empirical distribution functions (Villani 2009, Optimal Transport;
    ``scipy.stats.wasserstein_distance``)."""
    return float(stats.wasserstein_distance(np.asarray(a, dtype=float), np.asarray(b, dtype=float)))


def signed_rank_test(differences: np.ndarray) -> float:
    """Wilcoxon's signed-rank test that paired differences are symmetric about 0 (Wilcoxon
    1945; ``scipy.stats.wilcoxon``): the two-sided p-value. Zero differences are ranked and
    then dropped (Pratt 1959), which keeps the test honest when many pairs agree exactly.
    Every difference 0: p = 1."""
    differences = np.asarray(differences, dtype=float)
    if not np.any(differences != 0):
        return 1.0
    return float(stats.wilcoxon(differences, zero_method="pratt").pvalue)


def _median_difference(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.median(b, axis=axis) - np.median(a, axis=axis)


def _mean_difference(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(b, axis=axis) - np.mean(a, axis=axis)


def bootstrap_difference(
    a: np.ndarray,
    b: np.ndarray,
    *,
    paired: bool,
    rng: np.random.Generator,
    centre: Literal["mean", "median"] = "median",
    resamples: int = 2000,
    confidence: float = 0.95,
) -> tuple[float, tuple[float, float]]:
    """A difference ``b − a`` with a percentile bootstrap interval (Efron & Tibshirani 1993,
    An Introduction to the Bootstrap, ch. 13; ``scipy.stats.bootstrap``).

    ``paired``: ``a[j]`` and ``b[j]`` belong together (the same replicate under two
    scenarios); the pairs are resampled together and the estimate is the mean paired
    difference. Otherwise the samples are resampled independently and the estimate is the
    difference of their ``centre`` (median or mean). ``rng`` makes it reproducible; the
    resamples are drawn a batch at a time (:data:`BOOTSTRAP_CELLS`), so memory does not grow
    with N."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if len(a) == 0 or len(b) == 0:
        raise ValueError("both samples need at least one value")
    if paired and len(a) != len(b):
        raise ValueError("paired samples need the same length")
    statistic = _mean_difference if paired or centre == "mean" else _median_difference
    estimate = float(statistic(a, b))
    if np.ptp(np.concatenate([a, b])) == 0 or (paired and len(a) < 2):
        return estimate, (estimate, estimate)  # no spread: every resample is the same
    with warnings.catch_warnings():  # a degenerate resample distribution is not news here
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        result = stats.bootstrap(
            (a, b),
            statistic,
            paired=paired,
            vectorized=True,
            n_resamples=resamples,
            batch=max(1, BOOTSTRAP_CELLS // (len(a) + len(b))),
            confidence_level=confidence,
            method="percentile",
            rng=rng,
        )
    interval = result.confidence_interval
    return estimate, (float(interval.low), float(interval.high))


# --- time to event --------------------------------------------------------------------------


@dataclass(frozen=True)
class SurvivalCurve:
    """A Kaplan–Meier curve: ``survival[j]`` is the estimated probability that the event (a
    deal) has not happened by the end of ``times[j]``; ``times[0] = 0`` with survival 1.
    ``lower``/``upper`` are pointwise confidence limits. ``last`` is the last time observed,
    event or censoring (where the curve ends)."""

    times: np.ndarray
    survival: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    last: float

    def at(self, t: float) -> float:
        """The estimated survival at time ``t`` (a step function, right-continuous)."""
        return float(self.survival[np.searchsorted(self.times, t, side="right") - 1])

    @property
    def median(self) -> float | None:
        """The first time at which survival falls to 0.5 or below; None if it never does."""
        below = np.flatnonzero(self.survival <= 0.5)
        return float(self.times[below[0]]) if len(below) else None


def censored(durations: np.ndarray, observed: np.ndarray) -> stats.CensoredData:
    """Durations as ``scipy.stats.CensoredData``: the time of the event where ``observed``,
    of right-censoring elsewhere (here: no deal by the last round)."""
    durations = np.asarray(durations, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    if durations.shape != observed.shape:
        raise ValueError("durations and observed must have the same shape")
    return stats.CensoredData(uncensored=durations[observed], right=durations[~observed])


def kaplan_meier(
    durations: np.ndarray, observed: np.ndarray, confidence: float = 0.95
) -> SurvivalCurve:
    """The Kaplan–Meier product-limit estimate of survival with right-censoring (Kaplan &
    Meier 1958; ``scipy.stats.ecdf`` on ``CensoredData``), with the pointwise interval of
    Greenwood's variance on the log(−log S) scale, which keeps it inside [0, 1] (Kalbfleisch &
    Prentice 1980, §1.3). Where that interval is undefined (before the first event, where
    S = 1, and where S = 0) it is the point itself."""
    data = censored(durations, observed)
    last = float(np.max(durations)) if len(durations) else 0.0
    if data.num_censored() == len(data):  # no event at all: survival 1 throughout
        one = np.ones(1)
        return SurvivalCurve(np.zeros(1), one, one, one, last)
    sf = stats.ecdf(data).sf
    with warnings.catch_warnings():  # undefined at S = 1 and S = 0: handled below
        warnings.simplefilter("ignore", RuntimeWarning)
        band = sf.confidence_interval(confidence, method="log-log")
    survival = sf.probabilities
    lower = np.where(np.isnan(band.low.probabilities), survival, band.low.probabilities)
    upper = np.where(np.isnan(band.high.probabilities), survival, band.high.probabilities)
    return SurvivalCurve(
        times=np.concatenate([[0.0], sf.quantiles]),
        survival=np.concatenate([[1.0], survival]),
        lower=np.concatenate([[1.0], lower]),
        upper=np.concatenate([[1.0], upper]),
        last=last,
    )


def logrank_test(
    durations_a: np.ndarray,
    observed_a: np.ndarray,
    durations_b: np.ndarray,
    observed_b: np.ndarray,
) -> tuple[float, float, float]:
    """The log-rank test of equal survival in two independent samples (Mantel 1966; Peto &
    Peto 1972; ``scipy.stats.logrank``): (chi-square statistic on 1 degree of freedom,
    two-sided p-value, z), where z > 0 means sample b has its events sooner than equal hazards
    would give. No events at all: p = 1."""
    a, b = censored(durations_a, observed_a), censored(durations_b, observed_b)
    if a.num_censored() == len(a) and b.num_censored() == len(b):
        return 0.0, 1.0, 0.0
    result = stats.logrank(b, a)
    z = float(result.statistic)  # (observed − expected) events of b, standardised
    if not np.isfinite(z):  # no variance: every event at one time in one sample, say
        return 0.0, 1.0, 0.0
    return z * z, float(result.pvalue), z


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
