"""The case library (issue 12): real cases with their sources, the ``reference`` field that
holds published forecasts and outcomes, and negsim against KTAB's own runs of its examples.

KTAB's SMP (Wise et al., KAPSARC) is a spatial model of bargaining close to Bueno de
Mesquita's: we compare it with negsim's ``expected_utility`` protocol, each model's forecast
taken as the same statistic — the capability × salience-weighted median of the final positions.
On KTAB's one-dimensional examples the two agree within ``KTAB_TOLERANCE``; on the
multi-dimensional ones they differ by design, because KTAB bargains over all dimensions at once
(its vector bargaining) while the expected-utility model plays each issue on its own — the test
pins that independence, which is the documented difference.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest
import yaml

from sim.batch.runner import simulate_block
from sim.errors import UserError
from sim.scenario.importers import read_table
from sim.scenario.importers.writer import weighted_median
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "scenarios" / "cases").glob("*.yaml"))
KTAB = Path(__file__).parent / "data" / "ktab"
KTAB_TOLERANCE = 2.5  # points on KTAB's 0–100 scale
sys.path.insert(0, str(ROOT / "experiments"))
import validation  # noqa: E402


def forecast(scenario, protocol: str | None = None) -> dict:
    if protocol is not None:
        scenario = load_scenario(scenario, [validation.PROTOCOLS[protocol]])
    row = simulate_block(scenario, 0, 0, 1, block_size=1).runs.to_pylist()[0]
    return {k.removeprefix("outcome."): v for k, v in row.items() if k.startswith("outcome.")}


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_every_case_validates_and_cites_its_source(path):
    scenario = load_scenario(path)
    head = path.read_text().split("\nschema_version")[0]
    assert "Source:" in head or "extends:" in path.read_text()
    assert scenario.name == path.stem


def test_the_ec_case_carries_its_published_forecast_and_outcome():
    scenario = load_scenario(ROOT / "scenarios" / "cases" / "ec_emissions_1994.yaml")
    known = scenario.reference.issues["years"]
    assert known.forecasts == {"Bueno de Mesquita 1994 (expected utility)": 9.05}
    assert known.actual == 8.83


@pytest.mark.parametrize(
    "reference, expected",
    [
        ({"source": "x", "issues": {"yeers": {"actual": 8}}},
         "reference.issues.yeers: unknown issue; known: years"),
        ({"source": "x", "issues": {"years": {"forecasts": {"m": 11}}}},
         "reference.issues.years.forecasts.m: 11 is outside the scale of years [4, 10]"),
        ({"source": "x", "issues": {"years": {"actual": 3}}},
         "reference.issues.years.actual: 3 is outside the scale of years [4, 10]"),
        ({"source": "x", "issues": {"years": {"actual": 8, "outcome": 8}}},
         "reference.issues.years.outcome: unknown field"),
    ],
)  # fmt: skip
def test_a_reference_names_real_issues_and_values_on_their_scale(tmp_path, reference, expected):
    path = tmp_path / "case.yaml"
    path.write_text(
        f"extends: {ROOT / 'scenarios' / 'reference' / 'ec_emissions_1994.yaml'}\n"
        + yaml.safe_dump({"reference": reference})
    )
    with pytest.raises(UserError) as caught:
        load_scenario(path)
    assert [f"{p.path}: {p.message}" for p in caught.value.problems] == [expected]


# --- KTAB's reference runs -------------------------------------------------------------------


def ktab_final(case: str) -> list[list[float]]:
    """KTAB's final position of every actor on every dimension, in file order."""
    if (KTAB / f"{case}.csv_posLog.csv").exists():
        rows = csv.reader((KTAB / f"{case}.csv_posLog.csv").read_text().splitlines())
        return [[float(row[-1])] for row in rows]
    finals: dict[str, list[float]] = {}
    for line in (KTAB / f"{case}.csv_posHistory.txt").read_text().splitlines():
        name, rest = line.split(",", 1)
        finals.setdefault(name.strip(), []).append(float(rest.split(":", 1)[1].split()[-1]))
    return list(finals.values())


def ktab_forecast(case: str) -> list[float]:
    table = read_table(KTAB / f"{case}.csv")
    finals = ktab_final(case)
    return [
        weighted_median(
            [
                (f[d], a.capability * a.salience[key])
                for a, f in zip(table.actors, finals, strict=True)
            ]
        )
        for d, key in enumerate(table.issues)
    ]


@pytest.mark.parametrize("case", ["SOE-Policy", "SOE-Competitive"])
def test_expected_utility_agrees_with_ktab_on_its_one_dimensional_examples(case):
    name = {"SOE-Policy": "ktab_soe_policy", "SOE-Competitive": "ktab_soe_competitive"}[case]
    scenario = load_scenario(ROOT / "scenarios" / "cases" / f"{name}.yaml")
    (ours,) = forecast(scenario).values()
    (theirs,) = ktab_forecast(case)
    assert scenario.reference.issues[next(iter(scenario.issues))].forecasts["KTAB SMP"] == theirs
    assert abs(ours - theirs) <= KTAB_TOLERANCE


@pytest.mark.parametrize("name", ["ktab_soe_pol_comp", "ktab_dummy_3dim"])
def test_on_several_dimensions_expected_utility_plays_each_issue_alone_unlike_ktab(name, tmp_path):
    """The documented difference: each issue's forecast is what the issue alone forecasts."""
    path = ROOT / "scenarios" / "cases" / f"{name}.yaml"
    together = forecast(load_scenario(path))
    data = yaml.safe_load(path.read_text())
    for iid in data["issues"]:
        alone = dict(data, issues={iid: data["issues"][iid]}, reference=None)
        alone["parties"] = {
            pid: dict(p, positions={iid: p["positions"][iid]}, salience={iid: p["salience"][iid]})
            for pid, p in data["parties"].items()
            if p["salience"][iid] > 0
        }
        single = tmp_path / f"{iid}.yaml"
        single.write_text(yaml.safe_dump(alone))
        assert forecast(load_scenario(single)) == {iid: together[iid]}


# --- every case under every protocol ---------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
@pytest.mark.parametrize("protocol", list(validation.PROTOCOLS))
def test_every_case_runs_under_every_applicable_protocol(path, protocol):
    if not validation.applies(path, protocol):
        pytest.skip(f"{protocol} does not apply to {path.stem}")
    scenario = load_scenario(path)
    found = validation.forecasts(path, protocol)
    assert set(found) == set(scenario.issues)
    for iid, value in found.items():
        scale = scenario.issues[iid].scale
        assert scale.min <= value.low <= value.median <= value.high <= scale.max


@pytest.mark.slow
def test_the_validation_table_has_every_case_issue_and_the_ec_error():
    rows = validation.validate(CASES)
    assert {(r.case, r.issue) for r in rows} == {
        (load_scenario(p).name, iid) for p in CASES for iid in load_scenario(p).issues
    }
    (ec,) = [r for r in rows if r.case == "ec_emissions_1994"]
    assert ec.error("expected_utility") < ec.error("compromise")
    text = validation.markdown(rows, list(validation.PROTOCOLS))
    assert "| ec_emissions_1994 | years |" in text and "(baseline)" in text
