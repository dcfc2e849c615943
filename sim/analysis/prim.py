"""Scenario discovery: the Patient Rule Induction Method (PRIM; Friedman & Fisher 1999,
"Bump hunting in high-dimensional data", Statistics and Computing 9:123–143), as the EMA
workbench uses it to find the conditions under which a policy succeeds (Bryant & Lempert 2010,
Technol. Forecast. Soc. Change 77:34–49; Kwakkel 2017, Environ. Model. Softw. 96:239–250).

Given the drivers of each replicate (drawn parameters, events fired) and which replicates are
*cases* (a deal, say), PRIM looks for a box — a range on some drivers — where cases are dense.
It starts from the box holding every replicate and peels: of all the slices that cut ``alpha``
of the box's replicates off one side of one driver (on a driver of few values, such as an event
that fired or not, one whole value), it removes the slice that raises the share of cases most
per replicate removed (the "lenient" objective, the EMA workbench's default), and repeats until
the box holds fewer than ``mass_min`` of the replicates or no slice helps. Every box on the way
is kept: the *peeling trajectory*, from coverage 1 (every case, at the base rate) inwards.

Each box is judged by its **coverage**, the share of all cases that lie in it, its
**density**, the share of its replicates that are cases, and its **mass**, the share of all
replicates in it. An analyst picks a box off the trajectory by eye; here the box reported is
the one with the largest weighted relative accuracy, ``mass · (density − base rate)``, which
is proportional to ``coverage − mass``: the box that holds many of the cases in little of the
space (Lavrač, Flach & Zupan 1999, Rule evaluation measures, ILP-99, LNAI 1634:174–185). Then
each restriction whose removal costs less than ``tolerance`` of density is dropped (the box
simplified, as Bryant & Lempert 2010 do by hand), so what remains is what matters. This is
peeling only; the optional pasting step of Friedman & Fisher is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ALPHA = 0.05
MASS_MIN = 0.05
TOLERANCE = 0.01


@dataclass(frozen=True)
class Limit:
    """One driver's range in a box: ``low <= x <= high`` (None: that side is open)."""

    driver: int
    low: float | None
    high: float | None


@dataclass
class Box:
    """A box: its limits on the drivers it restricts, its coverage, density and mass (the
    share of all replicates in it)."""

    limits: list[Limit]
    coverage: float
    density: float
    mass: float


@dataclass
class Discovery:
    """A PRIM run: the peeling trajectory (coverage and density of each box, from the whole
    space inwards), the index of the box reported, that box simplified, and the base rate
    (the share of cases among all replicates)."""

    coverage: np.ndarray
    density: np.ndarray
    chosen: int
    box: Box
    base_rate: float
    cases: int
    replicates: int


def _inside(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return np.all((x >= low) & (x <= high), axis=1)


def _peels(values: np.ndarray, alpha: float) -> list[tuple[str, float]]:
    """The candidate cuts of one driver within the box: (side, new bound). A cut removes
    ``alpha`` of the values from one side, or, where ties make that impossible (a driver of
    few values), every value equal to that side's extreme."""
    cuts = []
    distinct = np.unique(values)
    if len(distinct) < 2:
        return cuts
    low_q, high_q = np.quantile(values, [alpha, 1 - alpha])
    low = low_q if np.any(values < low_q) else distinct[1]
    high = high_q if np.any(values > high_q) else distinct[-2]
    cuts.append(("low", float(low)))  # keep x >= low
    cuts.append(("high", float(high)))  # keep x <= high
    return cuts


def prim(
    x: np.ndarray,
    cases: np.ndarray,
    *,
    alpha: float = ALPHA,
    mass_min: float = MASS_MIN,
    tolerance: float = TOLERANCE,
) -> Discovery:
    """Peel boxes over the drivers ``x`` (replicates × drivers, numbers; a true/false driver
    as 0/1) toward the replicates where ``cases`` is true; the trajectory and the box chosen
    (module docstring). Raises ValueError when there is no case, or nothing but cases."""
    x = np.asarray(x, dtype=float)
    cases = np.asarray(cases, dtype=bool)
    n, k = x.shape
    total = int(cases.sum())
    if total == 0 or total == n:
        raise ValueError("PRIM needs both cases and non-cases")
    low, high = x.min(axis=0), x.max(axis=0)
    trajectory = [(low.copy(), high.copy())]
    inside = np.ones(n, dtype=bool)
    while inside.sum() / n > mass_min:
        density = cases[inside].mean()
        if density == 1:
            break
        best, best_gain = None, 0.0
        for j in range(k):
            values = x[inside, j]
            for side, bound in _peels(values, alpha):
                keep = values >= bound if side == "low" else values <= bound
                removed = int((~keep).sum())
                if removed == 0 or keep.sum() / n < mass_min:
                    continue
                gain = (cases[inside][keep].mean() - density) / (removed / n)
                if gain > best_gain:
                    best, best_gain = (j, side, bound), gain
        if best is None:
            break
        j, side, bound = best
        if side == "low":
            low[j] = bound
        else:
            high[j] = bound
        inside = _inside(x, low, high)
        trajectory.append((low.copy(), high.copy()))

    def judge(box_low: np.ndarray, box_high: np.ndarray) -> tuple[float, float, float]:
        within = _inside(x, box_low, box_high)
        hits = int((cases & within).sum())
        return hits / total, hits / max(int(within.sum()), 1), within.sum() / n

    scores = np.array([judge(*box) for box in trajectory])
    coverage, density, mass = scores.T
    chosen = int(np.argmax(coverage - mass))  # weighted relative accuracy, up to a factor
    box_low, box_high = (b.copy() for b in trajectory[chosen])
    box_low, box_high = _simplify(x, box_low, box_high, judge, tolerance)
    restricted = [
        Limit(
            j,
            None if box_low[j] <= x[:, j].min() else float(box_low[j]),
            None if box_high[j] >= x[:, j].max() else float(box_high[j]),
        )
        for j in range(k)
        if box_low[j] > x[:, j].min() or box_high[j] < x[:, j].max()
    ]
    cover, dense, mass = judge(box_low, box_high)
    return Discovery(
        coverage=coverage,
        density=density,
        chosen=chosen,
        box=Box(restricted, cover, dense, mass),
        base_rate=total / n,
        cases=total,
        replicates=n,
    )


def _simplify(x, low, high, judge, tolerance):
    """Drop, one at a time, the restriction whose removal costs the least density, while
    that cost is below ``tolerance``."""
    full_low, full_high = x.min(axis=0), x.max(axis=0)
    while True:
        _, density, _ = judge(low, high)
        best, best_loss = None, tolerance
        for j in np.flatnonzero((low > full_low) | (high < full_high)):
            trial_low, trial_high = low.copy(), high.copy()
            trial_low[j], trial_high[j] = full_low[j], full_high[j]
            loss = density - judge(trial_low, trial_high)[1]
            if loss < best_loss:
                best, best_loss = j, loss
        if best is None:
            return low, high
        low[best], high[best] = full_low[best], full_high[best]
