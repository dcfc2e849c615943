"""What drives a batch's outcomes: over what each replicate drew *and* what happened to it.

The drivers of a replicate are its drawn parameters (``param.*``) and its events, fired or not
(``event.*``). Three views of them, each answering its own question:

- **How often a deal came when an event fired, and when it did not** (:func:`event_effects`).
  An event can fire only in talks still going at its round, so both rates are taken among the
  replicates without a deal before that round — the talks the event could have touched.
- **Which drivers matter, and how much** (:func:`importances`): the permutation importance of
  each driver in a random forest fitted to the outcomes (Breiman 2001, Machine Learning
  45:5–32; Fisher, Rudin & Dominici 2019, JMLR 20:177): the share of the outcome's variance
  that the forest explains on replicates it was not fitted to (held-out R²), and how much of
  it is lost when one driver's values are shuffled among those replicates. A forest sees
  effects that rise and fall and effects that act only together, which a rank correlation
  misses. One forest learns all the outcomes of a group at once (Segal & Xiao 2011, WIREs
  Data Min. Knowl. Disc. 1:80–87), their values standardised so each counts alike. Needs
  scikit-learn (``pip install 'negsim[drivers]'``).
- **Under which conditions a case is likely** (:func:`discover`): PRIM boxes
  (:mod:`sim.analysis.prim`), stated in the scenario's own terms — its event names, its dotted
  parameter paths, its issues' units and option names — with coverage and density.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.prim import Discovery, prim
from sim.analysis.statistics import proportion_difference, wilson_interval
from sim.batch.families import EVENT, LABEL, OUTCOME, PARAM
from sim.errors import UserError
from sim.scenario.parameters import event_set_leaves, parameter_leaves
from sim.scenario.schema import Scenario
from sim.scenario.units import IssueUnits, OptionUnits, issue_units

LEARN_ROWS = 3000  # replicates a forest learns from (two thirds) and is judged on (one third)
TREES = 60
REPEATS = 3  # shuffles of each driver


# --- the drivers ----------------------------------------------------------------------------


def _option_orders(scenario: Scenario | None) -> dict[str, tuple[str, ...]]:
    if scenario is None:
        return {}
    return {iid: tuple(issue.options) for iid, issue in scenario.issues.items() if issue.options}


def driver_matrix(
    runs: pd.DataFrame, scenario: Scenario | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """The drivers that vary, as numbers: each drawn parameter (named by its dotted path) and
    each event (``event.<name>``, 1 where it fired), and notes on what was left out. Option
    draws become the option's place in its issue's order (0, 1, ..) when ``scenario`` tells
    that order; other names (a mediator, a concession style) are left out."""
    orders = _option_orders(scenario)
    columns, notes = {}, []
    for column in runs.columns:
        if column.startswith(EVENT):
            values = runs[column].astype(float)
            if values.nunique() > 1:
                columns[column] = values.to_numpy()
            continue
        if not column.startswith(PARAM):
            continue
        name = column.removeprefix(PARAM)
        values = runs[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            names = set(values.dropna().astype(str))
            segments = name.split(".")
            order = next(
                (orders[s] for s in reversed(segments) if s in orders and names <= set(orders[s])),
                None,
            )
            if order is None:
                notes.append(f"{name}: option draws with no known order, left out")
                continue
            values = values.map({o: float(i) for i, o in enumerate(order)})
            notes.append(f"{name}: options coded by their order ({', '.join(order)} = 0, 1, ..)")
        values = values.astype(float)
        if values.isna().any():
            notes.append(f"{name}: missing values, left out")
            continue
        if values.nunique() < 2:
            continue
        columns[name] = values.to_numpy()
    return pd.DataFrame(columns, index=runs.index), notes


# --- events ---------------------------------------------------------------------------------


@dataclass
class EventEffect:
    """How often the talks ended in a deal when an event fired and when it did not, among the
    ``eligible`` replicates still bargaining at its round."""

    event: str
    title: str | None
    round: int
    eligible: int
    fired: int
    deals_fired: int
    deals_not: int
    interval_fired: tuple[float, float]
    interval_not: tuple[float, float]
    difference: float | None
    difference_interval: tuple[float, float] | None
    p_value: float | None

    @property
    def rate_fired(self) -> float | None:
        return self.deals_fired / self.fired if self.fired else None

    @property
    def rate_not(self) -> float | None:
        missed = self.eligible - self.fired
        return self.deals_not / missed if missed else None


def event_effects(
    runs: pd.DataFrame, scenario: Scenario, confidence: float = 0.95
) -> list[EventEffect]:
    """For every event of ``scenario``: the deal rate when it fired and when it did not, with
    Wilson intervals, and their difference with Newcombe's interval and a two-proportion
    test (:func:`~sim.analysis.statistics.proportion_difference`). None for a protocol that
    forecasts rather than bargains."""
    if runs["deal"].isna().all():
        return []
    deal = runs["deal"].fillna(False).to_numpy(dtype=bool)
    rounds = runs["round"].astype("Float64").to_numpy(dtype=float, na_value=np.inf)
    out = []
    for event in scenario.events:
        column = EVENT + event.name
        if column not in runs:
            continue
        eligible = ~deal | (rounds >= event.round)  # no deal before its round
        fired = runs[column].to_numpy(dtype=bool) & eligible
        missed = eligible & ~fired
        counts = int(fired.sum()), int(missed.sum())
        hits = int((deal & fired).sum()), int((deal & missed).sum())
        difference = interval = p = None
        if all(counts):
            found = proportion_difference(hits[1], counts[1], hits[0], counts[0], confidence)
            difference, interval, p = found.estimate, found.interval, found.p_value
        out.append(
            EventEffect(
                event=event.name,
                title=event.title,
                round=event.round,
                eligible=int(eligible.sum()),
                fired=counts[0],
                deals_fired=hits[0],
                deals_not=hits[1],
                interval_fired=wilson_interval(hits[0], counts[0], confidence),
                interval_not=wilson_interval(hits[1], counts[1], confidence),
                difference=difference,
                difference_interval=interval,
                p_value=p,
            )
        )
    return out


# --- importance -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Importance:
    """One driver's permutation importance for one outcome: the held-out R² lost when its
    values are shuffled (mean and standard deviation over the shuffles)."""

    driver: str
    mean: float
    std: float


def learner():
    """scikit-learn's forest and permutation importance, or None without the extra."""
    try:
        from sklearn.ensemble import RandomForestRegressor
        from sklearn.inspection import permutation_importance
        from sklearn.metrics import make_scorer, r2_score
    except ImportError:
        return None
    return RandomForestRegressor, permutation_importance, make_scorer, r2_score


def importances(
    x: pd.DataFrame, outcomes: dict[str, np.ndarray], *, seed: int = 0
) -> dict[str, tuple[float, list[Importance]]]:
    """For each outcome (name → values, one per row of ``x``): the held-out R² of one random
    forest fitted to all of them, and each driver's permutation importance, largest first.
    At most :data:`LEARN_ROWS` replicates are used, drawn with ``seed``. Raises UserError
    without scikit-learn."""
    found = learner()
    if found is None:
        raise UserError("feature importance needs scikit-learn: pip install 'negsim[drivers]'")
    forest_class, permutation_importance, make_scorer, r2_score = found
    rng = np.random.default_rng(seed)
    rows = rng.permutation(len(x))[:LEARN_ROWS]
    names = list(outcomes)
    y = np.column_stack([outcomes[n][rows] for n in names]).astype(float)
    y = (y - y.mean(axis=0)) / y.std(axis=0)
    features = x.to_numpy(dtype=float)[rows]
    split = 2 * len(rows) // 3
    forest = forest_class(
        n_estimators=TREES,
        max_depth=10,
        min_samples_leaf=max(20, split // 60),  # leaves of many replicates: no fitting noise
        max_features=0.5,
        random_state=seed,
        n_jobs=1,
    )
    forest.fit(features[:split], y[:split] if len(names) > 1 else y[:split, 0])

    def scorer(i: int):
        def score(truth, predicted):
            predicted = predicted.reshape(len(truth), -1)
            return r2_score(truth.reshape(len(truth), -1)[:, i], predicted[:, i])

        return make_scorer(score)

    target = y[split:] if len(names) > 1 else y[split:, 0]
    result = permutation_importance(
        forest,
        features[split:],
        target,
        scoring={str(i): scorer(i) for i in range(len(names))},
        n_repeats=REPEATS,
        random_state=seed,
    )
    predicted = forest.predict(features[split:]).reshape(len(target), -1)
    out = {}
    for i, name in enumerate(names):
        explained = float(r2_score(y[split:, i], predicted[:, i]))
        ranked = sorted(
            (
                Importance(driver, float(mean), float(std))
                for driver, mean, std in zip(
                    x.columns,
                    result[str(i)].importances_mean,
                    result[str(i)].importances_std,
                    strict=True,
                )
            ),
            key=lambda found: -found.mean,
        )
        out[name] = (explained, ranked)
    return out


# --- scenario discovery ---------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """One restriction of a discovered box, in the scenario's terms: an event that fired (or
    did not), a parameter between ``low`` and ``high`` (None: open) in ``unit``, or a
    parameter drawn as one of ``options``."""

    driver: str
    title: str | None
    unit: str = ""
    low: float | None = None
    high: float | None = None
    options: tuple[str, ...] | None = None
    fired: bool | None = None


@dataclass
class Discovered:
    """Where the cases (``target``) are likely: the box and its conditions."""

    target: str
    conditions: list[Condition]
    found: Discovery


_TARGET = re.compile(
    r"^\s*(?P<column>[\w.\-]+)\s*(?:(?P<op>==|=|!=|>=|<=|>|<)\s*(?P<value>.+?))?\s*$"
)


def target_cases(runs: pd.DataFrame, scenario: Scenario | None, target: str) -> np.ndarray:
    """The replicates a target names: a true/false column (``deal``, ``durable``), or a
    column compared with a value — an option (``zaporizhzhia=international_administration``,
    an issue's id standing for its outcome) or a number (``payoff.ukraine>0.2``)."""
    match = _TARGET.match(target)
    if match is None:
        raise UserError(
            f"--target: expected COLUMN, COLUMN=OPTION or COLUMN>NUMBER, got {target!r}"
        )
    column, op, value = match["column"], match["op"], match["value"]
    issues = scenario.issues if scenario is not None else {}
    if column not in runs and column in issues:
        column = (LABEL if issues[column].options and op in ("=", "==", "!=") else OUTCOME) + column
    if column not in runs:
        raise UserError(f"--target: no column `{column}` in runs.parquet")
    values = runs[column]
    if op is None:
        if not pd.api.types.is_bool_dtype(values):
            raise UserError(
                f"--target: `{column}` is not true/false; compare it with a value "
                f"({column}=OPTION or {column}>NUMBER)"
            )
        return values.fillna(False).to_numpy(dtype=bool)
    if op in ("=", "==", "!="):
        if pd.api.types.is_numeric_dtype(values):
            hits = values.to_numpy(dtype=float) == _number(value)
        else:
            if value not in set(values.dropna().astype(str)):
                raise UserError(f"--target: `{column}` is never {value!r} in this batch")
            hits = values.astype(str).to_numpy() == value
        return ~hits if op == "!=" else hits
    numbers, threshold = values.astype(float).to_numpy(), _number(value)
    compare = {">": np.greater, "<": np.less, ">=": np.greater_equal, "<=": np.less_equal}
    return compare[op](numbers, threshold)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UserError(f"--target: expected a number, got {text!r}") from None


def _units(scenario: Scenario | None) -> dict[str, IssueUnits]:
    """Per parameter path that holds a position, the units of its issue."""
    if scenario is None:
        return {}
    units = issue_units(scenario.issues)
    leaves = {**parameter_leaves(scenario), **event_set_leaves(scenario)}
    return {
        path: units[leaf.issue]
        for path, leaf in leaves.items()
        if getattr(leaf, "issue", None) in units
    }


def _condition(name: str, low, high, scenario: Scenario | None, units) -> Condition:
    if name.startswith(EVENT):
        event = name.removeprefix(EVENT)
        titles = {e.name: e.title for e in scenario.events} if scenario is not None else {}
        return Condition(name, titles.get(event), fired=low is not None and low > 0)
    issue = units.get(name)
    if isinstance(issue, OptionUnits):  # a position drawn as an option's index
        first = 0 if low is None else math.ceil(low - 1e-9)
        last = len(issue.options) - 1 if high is None else math.floor(high + 1e-9)
        return Condition(name, None, options=issue.options[first : last + 1])
    return Condition(name, None, "" if issue is None else issue.unit_label, low, high)


def discover(
    x: pd.DataFrame, cases: np.ndarray, target: str, scenario: Scenario | None = None
) -> Discovered:
    """PRIM over the drivers ``x`` toward the replicates where ``cases`` holds; the box stated
    as conditions in the scenario's terms. Raises UserError when every replicate or none is
    a case (nothing to discover)."""
    share = float(np.mean(cases))
    if share in (0.0, 1.0):
        raise UserError(
            f"--target {target}: holds in {'every' if share else 'no'} replicate; "
            "nothing to discover"
        )
    found = prim(x.to_numpy(dtype=float), cases)
    units = _units(scenario)
    names = list(x.columns)
    conditions = [
        _condition(names[limit.driver], limit.low, limit.high, scenario, units)
        for limit in found.box.limits
    ]
    return Discovered(target, conditions, found)
