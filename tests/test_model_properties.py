"""Properties of the engine that hold for every scenario: hypothesis draws small random
scenarios (2–4 parties, 1–3 scale and option issues, zero saliences, every concession style,
war costs, an optional battlefield, optional events, random veto lists) and checks the results
a user reads: utilities in [0, 1] and equal to the utility formula, deals accepted by every
party whose consent they need, outcomes on their scales and options, no NaN, payoffs as
docs/design.md §5 defines them, and the reproducibility guarantees of docs/design.md §4.
"""

from __future__ import annotations

import copy
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import sim
from sim.bargaining.solutions import Solver
from sim.batch.runner import BLOCK_SIZE, simulate_block
from sim.model import model as model_module
from sim.scenario.schema import Scenario

DATA = Path(__file__).parent / "data"
EXAMPLES = int(os.environ.get("NEGSIM_PROPERTY_EXAMPLES", "10"))
"""Random scenarios per property in the default run; CI and longer hunts raise it."""
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
STYLES = ("boulware", "linear", "conceder", "hardliner")


# --- random scenarios ------------------------------------------------------------------------


def _number(draw, lo: float, hi: float) -> float:
    """A finite float in [lo, hi], rounded so that YAML and the eye can follow it."""
    return round(draw(st.floats(lo, hi, allow_nan=False, allow_infinity=False)), 6)


def _maybe_uncertain(draw, lo: float, hi: float) -> Any:
    """A number in [lo, hi], or a uniform distribution inside it."""
    if draw(st.booleans()):
        return _number(draw, lo, hi)
    a, b = sorted((_number(draw, lo, hi), _number(draw, lo, hi)))
    if a == b:
        return a
    return {"uniform": [a, b]}


@st.composite
def scenarios(draw) -> dict[str, Any]:
    """A valid scenario as a dict (the shape of the YAML)."""
    pids = [f"p{n}" for n in range(draw(st.integers(2, 4)))]
    rounds = draw(st.integers(1, 12))
    issues: dict[str, dict] = {}
    for k in range(draw(st.integers(1, 3))):
        iid = f"i{k}"
        if draw(st.booleans()):
            low = draw(st.integers(-50, 50))
            width = draw(st.sampled_from([1, 10, 40, 100]))
            issue = {
                "scale": {"min": low, "max": low + width, "unit": "u"},
                "status_quo": _number(draw, low, low + width),
            }
        else:
            options = [f"o{j}" for j in range(draw(st.integers(2, 4)))]
            issue = {"options": options, "status_quo": draw(st.sampled_from(options))}
            if draw(st.booleans()):
                points = draw(
                    st.lists(
                        st.integers(0, 100),
                        min_size=len(options),
                        max_size=len(options),
                        unique=True,
                    )
                )
                issue["values"] = [p / 100 for p in sorted(points)]
        issue["veto"] = draw(st.lists(st.sampled_from(pids), unique=True, max_size=len(pids)))
        issues[iid] = issue
    scale_ids = [iid for iid, issue in issues.items() if "scale" in issue]
    option_ids = [iid for iid in issues if iid not in scale_ids]

    def position(iid: str, uncertain_ok: bool = True, side: int | None = None) -> Any:
        """A point of ``iid``; with ``side``, one in that party's own part of the issue, so
        that parties disagree more often than freely drawn (and simply shrunk) points do."""
        issue = issues[iid]
        if "options" in issue:
            options = issue["options"]
            if uncertain_ok and draw(st.booleans()):
                names = draw(st.lists(st.sampled_from(options), min_size=1, unique=True))
                return {"choice": {name: draw(st.integers(1, 5)) for name in names}}
            if side is not None and draw(st.booleans()):
                return options[side * len(options) // len(pids)]
            return draw(st.sampled_from(options))
        low, high = issue["scale"]["min"], issue["scale"]["max"]
        if side is not None and draw(st.booleans()):
            slice_ = (high - low) / len(pids)
            low, high = low + side * slice_, low + (side + 1) * slice_
        return _maybe_uncertain(draw, low, high) if uncertain_ok else _number(draw, low, high)

    parties: dict[str, dict] = {}
    for side, pid in enumerate(pids):
        salience = {
            iid: draw(st.one_of(st.just(0.0), st.floats(0.05, 1.0).map(lambda x: round(x, 4))))
            for iid in issues
        }
        if all(value == 0 for value in salience.values()):
            salience[draw(st.sampled_from(list(issues)))] = 1.0
        # A position is needed where the party cares; where it does not, it may be left out.
        positions = {
            iid: position(iid, side=side)
            for iid in issues
            if salience[iid] > 0 or draw(st.booleans())
        }
        style = draw(st.sampled_from(STYLES))
        concession: dict[str, Any] = {"style": style}
        if style == "boulware" and draw(st.booleans()):
            concession["beta"] = _number(draw, 0.1, 0.95)
        if style == "conceder" and draw(st.booleans()):
            concession["beta"] = _number(draw, 1.1, 5.0)
        parties[pid] = {
            "capability": _maybe_uncertain(draw, 0.1, 3.0),
            "positions": positions,
            "salience": salience,
            "patience": round(draw(st.floats(0.05, 0.999)), 4),
            "loss": draw(st.sampled_from([1, 2])),
            "concession": concession,
            "war_cost": _maybe_uncertain(draw, 0.0, 0.05),
            "optimism": _number(draw, -0.5, 0.5),
            "learning": _number(draw, 0.0, 1.0),
        }
        extra = draw(st.sampled_from(["", "resolve", "deadline", "opening", "reciprocity"]))
        if extra == "resolve":
            parties[pid]["resolve"] = _maybe_uncertain(draw, 0.01, 0.5)
        elif extra == "deadline":
            parties[pid]["deadline"] = _maybe_uncertain(draw, 1.0, 2.0 * rounds)
        elif extra:
            concession[extra] = _number(draw, 0.0, 0.9)

    scenario: dict[str, Any] = {
        "schema_version": 1,
        "name": "random",
        "rounds": rounds,
        "issues": issues,
        "parties": parties,
        "protocol": {
            "kind": "mediated",
            "mediator": draw(st.sampled_from([None, *pids])),
            "mediator_bias": _number(draw, 0.0, 0.9),
            "breakdown": draw(st.sampled_from([0.0, 0.0, 0.1, {"uniform": [0.0, 0.3]}])),
            "ratification": draw(
                st.sampled_from(["veto", "veto", "unanimity", {"quota": 0.5}, {"quota": 0.8}])
            ),
        },
    }
    if scale_ids and draw(st.booleans()):
        field = draw(st.sampled_from(scale_ids))
        issues[field]["battlefield"] = True
        width = issues[field]["scale"]["max"] - issues[field]["scale"]["min"]
        battlefield: dict[str, Any] = {
            "drift": _maybe_uncertain(draw, -width / 5, width / 5),
            "volatility": _number(draw, 0.0, width / 5),
        }
        if option_ids and draw(st.booleans()):
            battlefield["effects"] = {
                draw(st.sampled_from(option_ids)): _number(draw, -width / 5, width / 5)
            }
        scenario["battlefield"] = battlefield

    events = []
    for n in range(draw(st.integers(0, 2))):
        pid = draw(st.sampled_from(pids))
        kinds = ["war_cost", "salience", "status_quo", "mediator", "optimism", "position"]
        if "battlefield" in scenario:
            kinds.append("drift")
        kind = draw(st.sampled_from(kinds))
        cared = [iid for iid in issues if iid in parties[pid]["positions"]]
        if kind == "war_cost":
            target = {f"parties.{pid}.war_cost": _maybe_uncertain(draw, 0.0, 0.1)}
        elif kind == "salience":
            target = {f"parties.{pid}.salience.{draw(st.sampled_from(cared))}": 0.9}
        elif kind == "status_quo":
            iid = draw(st.sampled_from(list(issues)))
            target = {f"issues.{iid}.status_quo": position(iid, uncertain_ok=False)}
        elif kind == "mediator":
            target = {
                "protocol.mediator": draw(st.sampled_from([None, *pids])),
                "protocol.mediator_bias": _number(draw, 0.0, 0.9),
            }
        elif kind == "optimism":
            target = {f"parties.{pid}.optimism": _number(draw, -0.5, 0.5)}
        elif kind == "position":
            iid = draw(st.sampled_from(cared))
            target = {f"parties.{pid}.positions.{iid}": position(iid)}
        else:
            width = issues[field]["scale"]["max"] - issues[field]["scale"]["min"]
            target = {"battlefield.drift": _number(draw, -width / 5, width / 5)}
        events.append(
            {
                "round": draw(st.integers(1, rounds)),
                "name": f"e{n}",
                "probability": _maybe_uncertain(draw, 0.0, 1.0),
                "set": target,
            }
        )
    if events:
        scenario["events"] = events
    if scale_ids and option_ids and draw(st.booleans()):  # an option only within a range
        iid, oid = draw(st.sampled_from(scale_ids)), draw(st.sampled_from(option_ids))
        low, high = issues[iid]["scale"]["min"], issues[iid]["scale"]["max"]
        cut = _number(draw, low + 0.1 * (high - low), high - 0.1 * (high - low))
        end = draw(st.sampled_from(["min", "max"]))
        option = draw(st.sampled_from(issues[oid]["options"]))
        scenario["links"] = [{"if": {oid: option}, "then": {iid: {end: cut}}}]
    if scale_ids and option_ids and draw(st.booleans()):  # an option changes a party's wants
        iid, oid = draw(st.sampled_from(scale_ids)), draw(st.sampled_from(option_ids))
        low, high = issues[iid]["scale"]["min"], issues[iid]["scale"]["max"]
        change: dict[str, Any] = {"positions": {iid: _number(draw, low, high)}}
        if draw(st.booleans()):
            change["salience"] = {iid: _number(draw, 0.05, 1.0)}
        option = draw(st.sampled_from(issues[oid]["options"]))
        scenario["interactions"] = [
            {"if": {oid: option}, "then": {draw(st.sampled_from(pids)): change}}
        ]
    return scenario


# --- helpers ---------------------------------------------------------------------------------


def ratifiers(scenario: Scenario) -> list[str]:
    """Whose acceptance a deal needs (docs/model.md §3.8): every veto holder; every party under
    ``ratification: unanimity``, or when no issue names a veto holder and there is no quota
    (with a quota and no veto lists, the quota alone decides)."""
    if scenario.protocol.ratification == "unanimity":
        return list(scenario.parties)
    if scenario.veto_holders:
        return scenario.veto_holders
    return [] if quota(scenario) is not None else list(scenario.parties)


def quota(scenario: Scenario) -> float | None:
    rule = scenario.protocol.ratification
    return None if isinstance(rule, str) else rule.quota


def quota_met(scenario: Scenario, runs: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
    """Whether the capability-weighted share of parties accepting in each row of ``frame``
    (runs or rounds rows) reaches the scenario's quota (always, without one)."""
    share = quota(scenario)
    if share is None:
        return np.ones(len(frame), dtype=bool)
    capability = {
        pid: pd.Series(
            parameter(scenario, runs, f"parties.{pid}.capability"), index=runs["replicate"]
        )
        for pid in scenario.parties
    }
    total = sum(capability[pid].loc[frame["replicate"]].to_numpy() for pid in scenario.parties)
    accepting = sum(
        capability[pid].loc[frame["replicate"]].to_numpy()
        * frame[f"accepted.{pid}"].to_numpy(dtype=bool)
        for pid in scenario.parties
    )
    return accepting / total >= share - 1e-9


def option_points(issue) -> list[float]:
    if issue.values is not None:
        return list(issue.values)
    return list(np.linspace(0, 1, len(issue.options)))


def parameter(scenario: Scenario, runs: pd.DataFrame, path: str) -> np.ndarray:
    """The value of a numeric parameter in each replicate at its start: the drawn value
    (``param.<path>``) or the fixed value the scenario gives."""
    if f"param.{path}" in runs:
        return runs[f"param.{path}"].to_numpy(dtype=float)
    node: Any = scenario
    for part in path.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return np.full(len(runs), float(node))


def internal(scenario: Scenario, iid: str, native: Any) -> float:
    """A position in native units or an option name → the model's [0, 1]."""
    issue = scenario.issues[iid]
    if issue.options is not None:
        return option_points(issue)[issue.options.index(native)]
    return (float(native) - issue.scale.min) / (issue.scale.max - issue.scale.min)


def ideal_points(scenario: Scenario, runs: pd.DataFrame, pid: str, iid: str) -> np.ndarray:
    """Each replicate's ideal point of ``pid`` on ``iid`` in [0, 1] (0 where it has none)."""
    column = f"param.parties.{pid}.positions.{iid}"
    if column in runs:
        return np.array([internal(scenario, iid, value) for value in runs[column]])
    value = scenario.parties[pid].positions.get(iid)
    return np.full(len(runs), 0.0 if value is None else internal(scenario, iid, value))


def interacted(scenario: Scenario, pid: str, points: dict, salience: dict, ideal: dict) -> None:
    """``pid``'s salience and ideal per issue (arrays over rows, in place) where each row's
    package meets an interaction's condition — ``points``: its options as their points
    (docs/model.md §3.2)."""
    for interaction in scenario.interactions:
        change = interaction.then.get(pid)
        if change is None:
            continue
        holds = True
        for oid, names in interaction.when.items():
            names = [names] if isinstance(names, str) else names
            targets = [internal(scenario, oid, name) for name in names]
            holds = holds & np.isclose(points[oid][:, None], targets).any(axis=1)
        for iid, value in change.salience.items():
            salience[iid] = np.where(holds, value, salience[iid])
        for iid, value in change.positions.items():
            ideal[iid] = np.where(holds, internal(scenario, iid, value), ideal[iid])


def touched_by_events(scenario: Scenario, runs: pd.DataFrame, prefix: str) -> np.ndarray:
    """Replicates in which an event fired that set a parameter under ``prefix``."""
    touched = np.zeros(len(runs), dtype=bool)
    for event in scenario.events:
        if any(target.startswith(prefix) for target in event.set):
            touched |= runs[f"event.{event.name}"].to_numpy(dtype=bool)
    return touched


def block(scenario: Scenario, seed: int, runs: int = 100):
    """The first ``runs`` replicates of block 0, with traces, as pandas frames."""
    result = simulate_block(scenario, seed, 0, runs, traces=True)
    return result.runs.to_pandas(), result.rounds.to_pandas()


# --- properties ------------------------------------------------------------------------------


@PROPERTY
@given(data=scenarios(), seed=st.integers(0, 2**32))
def test_utilities_lie_in_the_unit_interval_and_follow_the_utility_formula(data, seed):
    scenario = Scenario.model_validate(data)
    runs, _ = block(scenario, seed)
    # Events that change salience change the weights the utility is taken with; leave those
    # replicates to the [0, 1] check only.
    plain = ~touched_by_events(scenario, runs, "parties.")
    outcome = {
        iid: np.array([internal(scenario, iid, v) for v in runs[f"outcome_label.{iid}"]])
        if issue.options is not None
        else (runs[f"outcome.{iid}"].to_numpy() - issue.scale.min)
        / (issue.scale.max - issue.scale.min)
        for iid, issue in scenario.issues.items()
    }
    for pid in scenario.parties:
        utility = runs[f"utility.{pid}"].to_numpy()
        assert ((utility >= 0.0) & (utility <= 1.0)).all(), (pid, utility.min(), utility.max())
        salience = {
            iid: parameter(scenario, runs, f"parties.{pid}.salience.{iid}")
            for iid in scenario.issues
        }
        ideal = {iid: ideal_points(scenario, runs, pid, iid) for iid in scenario.issues}
        interacted(scenario, pid, outcome, salience, ideal)
        total = sum(salience.values())
        loss = parameter(scenario, runs, f"parties.{pid}.loss")
        expected = 1.0 - sum(
            salience[iid] / total * np.abs(outcome[iid] - ideal[iid]) ** loss
            for iid in scenario.issues
        )
        np.testing.assert_allclose(utility[plain], expected[plain], atol=1e-9, err_msg=pid)


@PROPERTY
@given(data=scenarios(), seed=st.integers(0, 2**32))
def test_every_deal_is_accepted_by_every_party_whose_consent_it_needs(data, seed):
    scenario = Scenario.model_validate(data)
    runs, rounds = block(scenario, seed)
    needed = ratifiers(scenario)
    deals = runs[runs["deal"]]
    # The runs row: the responses to the last proposal, which for a deal is the deal itself.
    for pid in needed:
        assert deals[f"accepted.{pid}"].all(), pid
    # The traces: the deal round's row shows the deal and every needed acceptance ...
    at_deal = rounds.merge(
        deals[["replicate", "round"]].astype("int64"), on=["replicate", "round"], how="inner"
    )
    assert len(at_deal) == len(deals)
    assert at_deal["deal"].all()
    for pid in needed:
        assert at_deal[f"accepted.{pid}"].all(), pid
    assert quota_met(scenario, runs, at_deal).all()
    # ... a round is a deal exactly when the rule is met (so every earlier round was refused
    # by someone needed, or fell short of the quota), and nothing follows a deal.
    agreed = rounds[[f"accepted.{pid}" for pid in needed]].all(axis=1).to_numpy()
    agreed = agreed & quota_met(scenario, runs, rounds)
    np.testing.assert_array_equal(rounds["deal"].to_numpy(), agreed)
    last = rounds.groupby("replicate")["round"].max()
    ended = runs.set_index("replicate")
    expected_last = ended["end_round"].astype("int64")  # a deal, a breakdown, the window
    assert (ended["end_round"].where(ended["end"] == "window").dropna() == scenario.rounds).all()
    pd.testing.assert_series_equal(
        last.sort_index(), expected_last.loc[last.index].sort_index(), check_names=False
    )
    assert set(last.index) == set(runs["replicate"])


@PROPERTY
@given(data=scenarios(), seed=st.integers(0, 2**32))
def test_outcomes_stay_on_their_scales_and_options(data, seed):
    scenario = Scenario.model_validate(data)
    runs, _ = block(scenario, seed)
    for iid, issue in scenario.issues.items():
        outcome = runs[f"outcome.{iid}"].to_numpy()
        if issue.options is None:
            assert ((outcome >= issue.scale.min) & (outcome <= issue.scale.max)).all(), iid
            assert f"outcome_label.{iid}" not in runs
            continue
        points = option_points(issue)
        labels = runs[f"outcome_label.{iid}"]
        assert set(labels) <= set(issue.options), iid
        on_point = np.array([points[issue.options.index(label)] for label in labels])
        np.testing.assert_array_equal(outcome, on_point, err_msg=iid)
    for iid, issue in scenario.issues.items():
        if issue.battlefield:
            field = runs[f"battlefield.{iid}"].to_numpy()
            assert ((field >= issue.scale.min) & (field <= issue.scale.max)).all()
            # Without a deal the outcome is where the war left the status quo.
            no_deal = ~runs["deal"].to_numpy()
            np.testing.assert_array_equal(
                runs[f"outcome.{iid}"].to_numpy()[no_deal], field[no_deal]
            )


@PROPERTY
@given(data=scenarios(), seed=st.integers(0, 2**32))
def test_no_missing_or_nan_values_except_the_round_of_no_deal(data, seed):
    scenario = Scenario.model_validate(data)
    runs = sim.run(scenario, runs=120, seed=seed)
    assert len(runs) == 120
    assert runs["replicate"].tolist() == list(range(120))
    for column in runs.columns:
        values = runs[column]
        if column in ("round", "durable"):  # the round of a deal, whether it would last
            assert (values.isna() == ~runs["deal"]).all()
            continue
        if column.startswith(("nash.", "nash_label.")):  # no zone of agreement, no solution
            assert (values.isna() == ~runs["zone.objective.at_end"]).all(), column
            continue
        if column.startswith("zone.") and column.endswith(".first_round"):
            at_end = runs[column.replace("first_round", "at_end")]
            assert (values.notna() | ~at_end).all(), column  # a zone at the end was found
            continue
        assert not values.isna().any(), column
        if pd.api.types.is_float_dtype(values):
            assert np.isfinite(values.to_numpy()).all(), column
    for pid in scenario.parties:
        for prefix in ("utility", "payoff", "accepted"):
            assert f"{prefix}.{pid}" in runs
    for iid in scenario.issues:
        assert f"compromise.{iid}" in runs
    for event in scenario.events:
        assert pd.api.types.is_bool_dtype(runs[f"event.{event.name}"])


# Two hardliners who never agree; an event in round 2 of 2 ends p0's war costs: p0 bears the
# first round's cost only, and the war goes on after the window at no cost to it.
WAR_COST_CHANGES = {
    "name": "war-cost-changes",
    "rounds": 2,
    "issues": {"i0": {"scale": {"min": 0, "max": 1}, "status_quo": 0.5, "veto": ["p0", "p1"]}},
    "parties": {
        pid: {
            "capability": 1.0,
            "positions": {"i0": ideal},
            "salience": {"i0": 1.0},
            "patience": 0.9,
            "concession": {"style": "hardliner"},
            "war_cost": 0.01 if pid == "p0" else 0.0,
        }
        for pid, ideal in (("p0", 0.0), ("p1", 1.0))
    },
    "events": [{"round": 2, "name": "truce", "set": {"parties.p0.war_cost": 0.0}}],
}


def utility_of(scenario: Scenario, runs: pd.DataFrame, pid: str, frame, prefix: str):
    """``pid``'s utility of the package in ``frame``'s columns ``<prefix><issue>`` (native
    units, options as their points), with its parameters at the start of each row's replicate
    (``frame`` rows are matched to ``runs`` by replicate)."""
    index = frame["replicate"].to_numpy()
    salience = {
        iid: pd.Series(
            parameter(scenario, runs, f"parties.{pid}.salience.{iid}"), index=runs["replicate"]
        )
        .loc[index]
        .to_numpy()
        for iid in scenario.issues
    }
    points, ideal = {}, {}
    for iid, issue in scenario.issues.items():
        value = frame[f"{prefix}{iid}"].to_numpy(dtype=float)
        if issue.options is None:
            value = (value - issue.scale.min) / (issue.scale.max - issue.scale.min)
        points[iid] = value
        own = pd.Series(ideal_points(scenario, runs, pid, iid), index=runs["replicate"])
        ideal[iid] = own.loc[index].to_numpy()
    interacted(scenario, pid, points, salience, ideal)
    total = sum(salience.values())
    loss = pd.Series(parameter(scenario, runs, f"parties.{pid}.loss"), index=runs["replicate"])
    loss = loss.loc[index].to_numpy()
    utility = np.ones(len(frame))
    for iid in scenario.issues:
        utility -= salience[iid] / total * np.abs(points[iid] - ideal[iid]) ** loss
    return utility


@PROPERTY
@example(data=WAR_COST_CHANGES, seed=0)
@given(data=scenarios(), seed=st.integers(0, 2**32))
def test_payoff_is_one_account_of_the_war_fought_and_the_deal_or_the_war_going_on(data, seed):
    """``payoff = Σ_{t≤τ} δ^(t−1)·((1 − δ)·u(q_t) − c_t) + δ^τ·(u(deal), or the reservation
    value of the war going on)``, τ the round it ended in (docs/model.md §3.8): every round of
    war at the status quo of that round and the war cost in force then."""
    scenario = Scenario.model_validate(data)
    runs, rounds = block(scenario, seed)
    for pid in scenario.parties:
        # events that change how the party values things are left out; war costs are followed
        steady = ~touched_by_events(scenario, runs, f"parties.{pid}.")
        steady |= _only_war_cost_events(scenario, runs, pid)
        patience = pd.Series(
            parameter(scenario, runs, f"parties.{pid}.patience"), index=runs["replicate"]
        )
        cost = pd.Series(
            parameter(scenario, runs, f"parties.{pid}.war_cost"), index=runs["replicate"]
        )
        flows = pd.Series(0.0, index=runs["replicate"])
        for t, rows in rounds.sort_values("round").groupby("round"):
            replicates = rows["replicate"].to_numpy()
            for event in scenario.events:  # the cost in force from this round on
                target = f"parties.{pid}.war_cost"
                if target in event.set:
                    fired = rows[f"event.{event.name}"].to_numpy(dtype=bool)
                    column = f"param.events.{event.name}.set.{target}"
                    new = (
                        runs.set_index("replicate")[column].loc[replicates].to_numpy(dtype=float)
                        if column in runs
                        else np.full(len(rows), float(event.set[target]))
                    )
                    cost.loc[replicates[fired]] = new[fired]
            held = utility_of(scenario, runs, pid, rows, "status_quo.")
            delta = patience.loc[replicates].to_numpy()
            flow = (1 - delta) * held - cost.loc[replicates].to_numpy()
            flows.loc[replicates] += delta ** (t - 1) * flow
        end = runs["end_round"].to_numpy()
        delta = patience.to_numpy()
        later = np.where(runs["deal"], runs[f"utility.{pid}"], runs[f"reservation.{pid}"])
        expected = flows.to_numpy() + delta**end * later
        payoff = runs[f"payoff.{pid}"].to_numpy()
        np.testing.assert_allclose(payoff[steady], expected[steady], atol=1e-9, err_msg=pid)


def _only_war_cost_events(scenario: Scenario, runs: pd.DataFrame, pid: str) -> np.ndarray:
    """Replicates where every event that fired on ``pid`` set its war cost and nothing else."""
    other = np.zeros(len(runs), dtype=bool)
    for event in scenario.events:
        mine = [t for t in event.set if t.startswith(f"parties.{pid}.")]
        if any(t != f"parties.{pid}.war_cost" for t in mine):
            other |= runs[f"event.{event.name}"].to_numpy(dtype=bool)
    return ~other


@PROPERTY
@given(data=scenarios(), pick=st.data(), seed=st.integers(0, 2**32))
def test_an_event_sure_to_fire_in_round_one_acts_as_if_the_scenario_said_so(data, pick, seed):
    """``set`` changes a parameter "from then on": from the start of round 1 it must be as if
    the scenario had said so (the compromise column, the baseline forecast from the drawn
    values at the start, is left out)."""
    data = {key: value for key, value in data.items() if key != "events"}
    pid = pick.draw(st.sampled_from(list(data["parties"])), label="party")
    party = data["parties"][pid]
    party["concession"] = {"style": party["concession"]["style"]}  # each style's own beta
    kind = pick.draw(
        st.sampled_from(
            ["war_cost", "capability", "patience", "salience", "style", "mediator", "bias"]
        ),
        label="kind",
    )
    written = copy.deepcopy(data)
    if kind in ("war_cost", "capability", "patience"):
        lo, hi = {"war_cost": (0.0, 0.1), "capability": (0.1, 3.0), "patience": (0.05, 0.999)}[kind]
        value = round(pick.draw(st.floats(lo, hi), label="value"), 4)
        path = f"parties.{pid}.{kind}"
        written["parties"][pid][kind] = value
    elif kind == "salience":
        # (a party has a position wherever it cares, and it cares somewhere)
        iid = pick.draw(st.sampled_from(sorted(party["positions"])), label="issue")
        value = round(pick.draw(st.floats(0.05, 1.0), label="value"), 4)
        path = f"parties.{pid}.salience.{iid}"
        written["parties"][pid]["salience"][iid] = value
    elif kind == "style":
        value = pick.draw(st.sampled_from(STYLES), label="value")
        path = f"parties.{pid}.concession.style"
        written["parties"][pid]["concession"] = {"style": value}
    elif kind == "mediator":
        value = pick.draw(st.sampled_from([None, *data["parties"]]), label="value")
        path = "protocol.mediator"
        written["protocol"]["mediator"] = value
    else:
        value = round(pick.draw(st.floats(0.0, 0.9), label="value"), 4)
        path = "protocol.mediator_bias"
        written["protocol"]["mediator_bias"] = value
    assert_event_acts_as_written(data, written, path, value, seed)


def assert_event_acts_as_written(
    data: dict, written: dict, path: str, value: Any, seed: int, runs: int = 100
) -> None:
    """``data`` plus an event sure to fire in round 1 that sets ``path`` to ``value`` gives the
    rows of ``written`` (``data`` with the value written in), but for the compromise column."""
    with_event = {
        **data,
        "events": [{"round": 1, "name": "switch", "probability": 1.0, "set": {path: value}}],
    }
    expected = sim.run(Scenario.model_validate(written), runs=runs, seed=seed)
    actual = sim.run(Scenario.model_validate(with_event), runs=runs, seed=seed)
    assert actual["event.switch"].all()
    compared = [c for c in expected.columns if not c.startswith("compromise.")]
    assert set(actual.columns) - set(expected.columns) <= {"event.switch", f"param.{path}"}
    pd.testing.assert_frame_equal(actual[compared], expected[compared])


@pytest.mark.parametrize(
    ("before", "after"), [("linear", "conceder"), ("boulware", "linear"), ("conceder", "boulware")]
)
def test_an_event_that_changes_a_concession_style_gives_that_styles_concession(before, after):
    """An event that sets ``concession.style`` makes the party concede as that style does (with
    the style's own beta: the scenario gave none)."""
    data = yaml.safe_load((DATA / "harbour.yaml").read_text())
    data.pop("events")
    data["parties"]["south"]["concession"] = {"style": before}
    written = copy.deepcopy(data)
    written["parties"]["south"]["concession"] = {"style": after}
    assert_event_acts_as_written(data, written, "parties.south.concession.style", after, seed=3)


PREFERENCES_CHANGE = {
    "name": "preferences-change",
    "rounds": 6,
    "issues": {
        "i0": {"scale": {"min": 0, "max": 1}, "status_quo": 0.5, "veto": ["p0", "p1"]},
        "i1": {"options": ["a", "b", "c"], "status_quo": "b", "veto": ["p0", "p1"]},
    },
    "parties": {
        pid: {
            "capability": 1.0,
            "positions": {"i0": ideal, "i1": option},
            "salience": {"i0": 1.0, "i1": 0.5},
            "concession": {"style": "boulware"},
        }
        for pid, ideal, option in (("p0", 0.0, "a"), ("p1", 1.0, "c"), ("p2", 0.3, "b"))
    },
    "events": [
        {
            "round": 3,
            "name": "turn",
            "set": {"parties.p0.salience.i1": 1.0, "parties.p2.positions.i1": "c"},
        }
    ],
}


@settings(PROPERTY, max_examples=max(EXAMPLES // 2, 4))
@example(data=PREFERENCES_CHANGE, seed=0)
@given(data=scenarios(), seed=st.integers(0, 2**32))
def test_values_kept_between_rounds_follow_events_and_deals(data, seed):
    """The engine keeps the exact machinery's tables (which depend on the parties' preferences
    only) from round to round; events that change preferences and replicates that leave must
    renew them: the results equal those of an engine that rebuilds them every round."""
    scenario = Scenario.model_validate(data)
    kept = simulate_block(scenario, seed, 0, 100).runs.to_pandas()

    def rebuilt(self):
        return Solver(self.space, self.party_state.bargaining_preferences())

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(model_module.NegotiationModel, "solver", property(rebuilt))
        recomputed = simulate_block(scenario, seed, 0, 100).runs.to_pandas()
    pd.testing.assert_frame_equal(kept, recomputed)


# --- reproducibility -------------------------------------------------------------------------


@settings(PROPERTY, max_examples=max(EXAMPLES // 2, 4))
@given(data=scenarios(), seed=st.integers(0, 2**63 - 1))
def test_same_seed_gives_identical_rows_and_identical_files(data, seed):
    scenario = Scenario.model_validate(data)
    with tempfile.TemporaryDirectory() as folder:
        first = sim.run(scenario, runs=100, seed=seed, out=Path(folder) / "a")
        second = sim.run(scenario, runs=100, seed=seed, out=Path(folder) / "b")
        pd.testing.assert_frame_equal(first, second)
        a = (Path(folder) / "a" / "runs.parquet").read_bytes()
        b = (Path(folder) / "b" / "runs.parquet").read_bytes()
        assert a == b


@settings(PROPERTY, max_examples=max(EXAMPLES // 3, 3))
@given(data=scenarios(), seed=st.integers(0, 2**63 - 1))
def test_a_batch_of_n_is_the_first_n_rows_of_a_batch_of_2n(data, seed):
    scenario = Scenario.model_validate(data)
    small = sim.run(scenario, runs=150, seed=seed)
    large = sim.run(scenario, runs=300, seed=seed)
    pd.testing.assert_frame_equal(small, large.iloc[:150])


def test_a_batch_of_n_spanning_blocks_is_the_first_n_rows_of_a_batch_of_2n():
    scenario = sim.load_scenario(DATA / "harbour.yaml")
    small = sim.run(scenario, runs=1500, seed=11)
    large = sim.run(scenario, runs=3000, seed=11)
    pd.testing.assert_frame_equal(small, large.iloc[:1500])
    # Not one block repeated: the second block draws differently from the first.
    war_cost = small["param.parties.north.war_cost"]
    assert not math.isclose(war_cost.iloc[0], war_cost.iloc[BLOCK_SIZE])
