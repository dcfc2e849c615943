"""The kinds of issue as the model sees them (:mod:`sim.scenario.units`): each kind maps its
values to [0, 1] and back, draws uncertain positions, reads in words and under a unit, and
names its result columns — the things every later stage shows a user."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.scenario.distributions import Choice, Uniform
from sim.scenario.loader import load_scenario
from sim.scenario.schema import ISSUE_KINDS, Issue
from sim.scenario.units import (
    KINDS,
    IssueUnits,
    Layout,
    OptionUnits,
    ScaleUnits,
    ShareUnits,
    issue_units,
)

HARBOUR = Path(__file__).parent / "data" / "harbour.yaml"
PIE = Issue.model_validate({"shares": {"among": ["a", "b"], "total": 100}})
SPACED = Issue.model_validate({"options": ["low", "mid", "high"], "values": [0, 0.2, 1]})


@pytest.fixture(scope="module")
def harbour() -> dict[str, IssueUnits]:
    return issue_units(load_scenario(HARBOUR).issues)


def test_every_kind_of_the_language_has_its_class_and_each_class_a_kind():
    assert sorted(kind.declared_by for kind in KINDS) == sorted(ISSUE_KINDS)
    assert all(issubclass(kind, IssueUnits) for kind in KINDS)


def test_an_issue_gets_the_class_of_the_field_it_fills(harbour):
    assert type(harbour["fishing_quota"]) is ScaleUnits
    assert type(harbour["harbour"]) is OptionUnits
    assert type(IssueUnits.of("pie", PIE)) is ShareUnits


def test_a_scale_maps_its_range_onto_the_unit_interval_and_reads_in_its_unit(harbour):
    border = harbour["border"]  # 0..40 km held by north
    assert border.to_internal(10.0) == pytest.approx(0.25)
    assert border.to_native(border.to_internal([3.0, 40.0])) == pytest.approx([3.0, 40.0])
    assert border.describe(0.25) == "10 km held by north"
    assert border.unit_label == "km held by north"
    assert border.describe_range() == "0–40 km held by north"
    assert border.dimension_parties == (None,)


def test_options_read_as_the_nearest_option_and_a_forecast_as_a_point_near_one(harbour):
    harbour_units = harbour["harbour"]  # south_keeps < shared < north_gets, evenly spaced
    assert list(harbour_units.points) == [0.0, 0.5, 1.0]
    assert harbour_units.describe(0.76) == "north_gets"  # nearer 1 than 0.5
    assert harbour_units.describe(0.7) == "shared"
    assert harbour_units.describe_point(0.7) == "0.70 (≈ shared)"
    assert harbour_units.unit_label == ""
    assert harbour_units.describe_range() == "south_keeps < shared < north_gets"
    spaced = IssueUnits.of("level", SPACED)  # options at 0, 0.2 and 1
    assert list(spaced.labels(np.array([0.09, 0.11, 0.59, 0.61]))) == [
        "low",
        "mid",
        "mid",
        "high",
    ]


def test_a_shares_issue_is_one_dimension_per_party_each_an_amount_of_the_total():
    pie = IssueUnits.of("pie", PIE)
    assert pie.dimension_parties == ("a", "b")
    assert pie.to_native(0.25) == pytest.approx(25.0)
    assert pie.describe(0.25) == "25 of 100"
    assert pie.unit_label == "of 100"
    assert pie.describe_range() == "100 shared among a, b"
    assert pie.describe_result({"outcome.pie.a": 30.0, "outcome.pie.b": 70.0}, "outcome") == (
        "a 30, b 70"
    )
    assert not pie.has_position
    layout = Layout({"pie": pie})
    assert [d.name for d in layout.dimensions] == ["pie.a", "pie.b"]
    assert [list(group) for group in layout.simplices] == [[0, 1]]


def test_an_option_issue_writes_its_point_and_the_name_of_its_option(harbour):
    written = harbour["harbour"].result_columns("outcome", "harbour", np.array([0.0, 0.5]))
    assert list(written) == ["outcome.harbour", "outcome_label.harbour"]
    assert list(written["outcome.harbour"]) == [0.0, 0.5]
    assert list(written["outcome_label.harbour"]) == ["south_keeps", "shared"]
    scale = harbour["border"].result_columns("nash", "border", np.array([0.5]))
    assert list(scale) == ["nash.border"] and list(scale["nash.border"]) == [20.0]


def test_positions_are_drawn_in_each_kinds_own_terms(harbour):
    rng = np.random.default_rng(3)
    points, names = harbour["harbour"].draw(Choice(choice={"shared": 1, "north_gets": 3}), rng, 400)
    assert set(names) == {"shared", "north_gets"}
    assert list(points[names == "shared"]) == [0.5] * int(np.sum(names == "shared"))
    assert harbour["harbour"].central(Choice(choice={"shared": 1, "north_gets": 3})) == 0.875
    internal, native = harbour["border"].draw(Uniform(uniform=[10, 30]), rng, 400)
    assert np.all((native >= 10) & (native <= 30))
    assert internal == pytest.approx(native / 40)
    assert harbour["border"].central(Uniform(uniform=[10, 30])) == pytest.approx(0.5)


def test_two_issues_compare_only_when_their_values_mean_the_same(harbour):
    options = harbour["harbour"]
    reordered = OptionUnits("harbour", options=("shared", "north_gets", "south_keeps"))
    assert options.reads_like(reordered)
    assert not options.reads_like(OptionUnits("harbour", options=("south_keeps", "joint")))
    assert not options.reads_like(harbour["fishing_quota"])
    assert not harbour["fishing_quota"].reads_like(ScaleUnits("fishing_quota", 0, 100, "tonnes"))
    assert options.reading == "has options south_keeps, shared, north_gets"
    assert harbour["fishing_quota"].reading == "is in '% to north'"
