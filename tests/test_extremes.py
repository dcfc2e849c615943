"""Numeric extremes: scenarios at the edges of what the language allows still run, and their
results stay finite and on their scales.

2 to 40 parties, 1 to 8 issues (up to two scales and six option issues: the exact machinery
enumerates every combination of options and, past two continuous coordinates, takes the slow
general path), capabilities from 1e-6 to 1e6, saliences with zeros, patience near 1, loss 1 and
2, a single round, no volatility or a huge one, every position equal, a veto holder alone.
"""

from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.scenario.schema import Scenario


@st.composite
def extreme_scenarios(draw) -> Scenario:
    n_parties = draw(st.integers(2, 40))
    n_issues = draw(st.integers(1, 8))
    parties = [f"p{n}" for n in range(n_parties)]
    same_positions = draw(st.booleans())
    issues, kinds = {}, []
    for k in range(n_issues):
        if kinds.count("scale") == 2 or (kinds.count("options") < 6 and draw(st.booleans())):
            issues[f"i{k}"] = {"options": ["a", "b", "c"], "status_quo": "a"}
            kinds.append("options")
        else:
            low = draw(st.sampled_from([0.0, -1e6, 1e-9]))
            issues[f"i{k}"] = {
                "scale": {"min": low, "max": low + draw(st.sampled_from([1e-6, 1.0, 1e6]))},
                "status_quo": low,
            }
            kinds.append("scale")
    battlefield = None
    scale_issues = [i for i, kind in zip(issues, kinds, strict=True) if kind == "scale"]
    if scale_issues and draw(st.booleans()):
        issues[scale_issues[0]]["battlefield"] = True
        width = issues[scale_issues[0]]["scale"]["max"] - issues[scale_issues[0]]["scale"]["min"]
        battlefield = {
            "drift": width * draw(st.sampled_from([0.0, 0.01, -1.0])),
            "volatility": width * draw(st.sampled_from([0.0, 1e6])),
        }
    veto_holders = draw(st.sampled_from(["one", "all", "none"]))
    for issue in issues.values():
        issue["veto"] = {"one": parties[:1], "all": parties, "none": []}[veto_holders]
    party_data = {}
    for pid in parties:
        positions, salience = {}, {}
        for (iid, issue), kind in zip(issues.items(), kinds, strict=True):
            if kind == "options":
                positions[iid] = "c" if same_positions else draw(st.sampled_from(["a", "b", "c"]))
            else:
                low, high = issue["scale"]["min"], issue["scale"]["max"]
                positions[iid] = (
                    high if same_positions else low + (high - low) * draw(st.floats(0, 1))
                )
            salience[iid] = draw(st.sampled_from([0.0, 0.0, 1e-6, 0.5, 1.0]))
        salience[next(iter(issues))] = 1.0  # a party cares about something
        party_data[pid] = {
            "capability": draw(st.sampled_from([1e-6, 1.0, 1e6])),
            "positions": positions,
            "salience": salience,
            "patience": draw(st.sampled_from([0.999, 0.5, 1e-3])),
            "loss": draw(st.sampled_from([1.0, 2.0])),
            "concession": draw(
                st.sampled_from(
                    [
                        {"style": "boulware", "beta": 0.01},
                        {"style": "conceder", "beta": 50.0},
                        {"style": "hardliner"},
                        {"style": "linear"},
                    ]
                )
            ),
            "war_cost": draw(st.sampled_from([0.0, 1.0])),
        }
    data = {
        "name": "extreme",
        "rounds": draw(st.sampled_from([1, 2, 7])),
        "issues": issues,
        "parties": party_data,
        "protocol": {"kind": "mediated"},
    }
    if battlefield:
        data["battlefield"] = battlefield
    return Scenario.model_validate(data)


@settings(
    max_examples=int(os.environ.get("NEGSIM_EXTREME_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenario=extreme_scenarios())
def test_extreme_scenarios_give_finite_results_on_their_scales(scenario):
    runs = sim.run(scenario, runs=64, seed=1)
    numbers = runs.select_dtypes("number").drop(columns=["round"])
    # the Nash package exists where there is a zone, the first round with a zone where it opened
    numbers = numbers.loc[:, ~numbers.columns.str.match(r"nash\.|zone\..*\.first_round")]
    assert np.isfinite(numbers.to_numpy(dtype=float)).all()
    utilities = runs.filter(like="utility.").to_numpy()
    assert ((utilities >= -1e-12) & (utilities <= 1 + 1e-12)).all()
    for iid, issue in scenario.issues.items():
        outcome = runs[f"outcome.{iid}"].to_numpy()
        if issue.scale is not None:
            span = issue.scale.max - issue.scale.min
            assert (outcome >= issue.scale.min - 1e-9 * span).all()
            assert (outcome <= issue.scale.max + 1e-9 * span).all()
        else:
            assert np.isin(runs[f"outcome_label.{iid}"], issue.options).all()
    deals = runs["deal"].to_numpy(dtype=bool)
    assert runs["round"].isna().to_numpy().tolist() == (~deals).tolist()
