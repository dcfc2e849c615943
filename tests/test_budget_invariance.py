"""Budget invariance (issue 11): no setting of the exact machinery's numerical budget moves
an outcome. Every tolerance, step and iteration cap of the bargaining solutions lives in one
:class:`~sim.bargaining.solutions.Precision`; a batch run with all of them four times finer
(and every cap four times larger) must give the same deals, the same deal probability to
within a percentage point, and the same median deal terms and Nash packages to within 1 % of
each issue's scale."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import HARBOUR

import sim
from sim.bargaining import solutions
from sim.scenario.units import Layout

FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "budapest_2025.yaml"
SEED = 5
FINER = 4.0


def _batch(path: Path, runs: int, precision: solutions.Precision, monkeypatch) -> pd.DataFrame:
    monkeypatch.setattr(solutions, "PRECISION", precision)
    return sim.run(path, runs=runs, seed=SEED)


def _medians(runs: pd.DataFrame, prefix: str, rows: pd.Series) -> pd.Series:
    columns = [c for c in runs.columns if c.startswith(prefix)]
    return runs.loc[rows, columns].astype(float).median()


def _widths(scenario: sim.Scenario, columns) -> np.ndarray:
    """Each column's issue scale (the issue id is its second dotted part)."""
    units = Layout.of(scenario.issues).units
    return np.array([units[column.split(".")[1]].width for column in columns])


@pytest.mark.parametrize(
    ("path", "runs"),
    [pytest.param(HARBOUR, 400, id="harbour"), pytest.param(FLAGSHIP, 200, id="flagship")],
)
def test_a_finer_budget_moves_no_outcome(path: Path, runs: int, monkeypatch):
    default = solutions.Precision()
    finer = default.scaled(FINER)
    assert finer.tolerance < default.tolerance and finer.iterations > default.iterations
    base = _batch(path, runs, default, monkeypatch)
    fine = _batch(path, runs, finer, monkeypatch)
    scenario = sim.load_scenario(path)

    assert (base["deal"] == fine["deal"]).mean() >= 0.99
    assert abs(base["deal"].mean() - fine["deal"].mean()) <= 0.01
    for kind in ("objective", "perceived", "public"):
        column = f"zone.{kind}.at_end"
        assert (base[column] == fine[column]).mean() >= 0.99
    both = base["deal"] & fine["deal"]
    if both.any():
        terms = _medians(base, "outcome.", both) - _medians(fine, "outcome.", both)
        assert (terms.abs().to_numpy() <= 0.01 * _widths(scenario, terms.index)).all()
    first = next(c for c in base.columns if c.startswith("nash."))
    found = base[first].notna() & fine[first].notna()  # a Nash package where a zone exists
    assert found.mean() >= 0.99 * max(base[first].notna().mean(), fine[first].notna().mean())
    terms = _medians(base, "nash.", found) - _medians(fine, "nash.", found)
    assert (terms.abs().to_numpy() <= 0.01 * _widths(scenario, terms.index)).all()
