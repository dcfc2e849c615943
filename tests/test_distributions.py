"""Uncertainty: each distribution's support and mean, its draws, ``choice`` weights, and the
per-block, per-parameter random streams of ``draw_parameters`` (docs/design.md §2, §4)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from sim.scenario.distributions import Choice, uncertain
from sim.scenario.loader import load_scenario
from sim.scenario.sampling import block_sequence, draw_parameters

HARBOUR = Path(__file__).parent / "data" / "harbour.yaml"
ANY_NUMBER = TypeAdapter(uncertain())


def dist(spec: dict):
    """A distribution as a scenario would write it."""
    return ANY_NUMBER.validate_python(spec)


def draws(spec: dict, n: int = 40_000, seed: int = 7) -> np.ndarray:
    return dist(spec).draw(np.random.default_rng(seed), n)


SUPPORT_AND_MEAN = [
    ({"normal": {"mean": 2, "sd": 1}}, (-math.inf, math.inf), 2.0),
    ({"normal": {"mean": 2, "sd": 0}}, (2, 2), 2.0),
    ({"uniform": [1, 3]}, (1, 3), 2.0),
    ({"uniform": [-1, -1]}, (-1, -1), -1.0),
    ({"triangular": [0, 1, 5]}, (0, 5), 2.0),
    ({"triangular": [2, 2, 2]}, (2, 2), 2.0),
    ({"beta": {"a": 2, "b": 6}}, (0, 1), 0.25),
    ({"beta": {"a": 2, "b": 2, "lo": 10, "hi": 20}}, (10, 20), 15.0),
    ({"beta": {"a": 1, "b": 3, "lo": -4, "hi": 0}}, (-4, 0), -3.0),
    ({"lognormal": {"mean": 2, "sd": 0.5}}, (0, math.inf), 2.0),
    ({"lognormal": {"mean": 2, "sd": 0}}, (2, 2), 2.0),
    # clip narrows the support, and the (display) mean is clipped into it
    ({"normal": {"mean": 0.5, "sd": 1}, "clip": [0, 1]}, (0, 1), 0.5),
    ({"uniform": [0, 10], "clip": [2, 3]}, (2, 3), 3.0),
    ({"uniform": [0, 1], "clip": [-5, 5]}, (0, 1), 0.5),
    ({"uniform": [0, 1], "clip": [5, 6]}, (5, 5), 5.0),
    ({"lognormal": {"mean": 1, "sd": 1}, "clip": [0.1, 3]}, (0.1, 3), 1.0),
]


@pytest.mark.parametrize(("spec", "support", "mean"), SUPPORT_AND_MEAN)
def test_support_and_mean(spec, support, mean):
    d = dist(spec)
    assert d.support() == pytest.approx(support)
    assert d.mean() == pytest.approx(mean)


@pytest.mark.parametrize(("spec", "support", "mean"), SUPPORT_AND_MEAN)
def test_draws_stay_within_the_support(spec, support, mean):
    values = draws(spec, 5_000)
    lo, hi = support
    assert values.shape == (5_000,)
    assert np.all((values >= lo) & (values <= hi))


@pytest.mark.parametrize(
    ("spec", "mean", "sd"),
    [
        ({"normal": {"mean": 2, "sd": 1}}, 2.0, 1.0),
        ({"uniform": [1, 3]}, 2.0, 2 / math.sqrt(12)),
        ({"triangular": [0, 1, 5]}, 2.0, math.sqrt((25 + 1 - 5) / 18)),
        ({"beta": {"a": 2, "b": 6}}, 0.25, math.sqrt(12 / (64 * 9))),
        ({"beta": {"a": 2, "b": 2, "lo": 10, "hi": 20}}, 15.0, 10 * math.sqrt(4 / (16 * 5))),
        # lognormal's mean and sd are those of the value itself, not of its logarithm
        ({"lognormal": {"mean": 2, "sd": 0.5}}, 2.0, 0.5),
        ({"lognormal": {"mean": 0.01, "sd": 0.01}}, 0.01, 0.01),
    ],
)
def test_draws_follow_the_stated_mean_and_spread(spec, mean, sd):
    values = draws(spec, 100_000)
    assert values.mean() == pytest.approx(mean, abs=5 * sd / math.sqrt(len(values)))
    assert values.std() == pytest.approx(sd, rel=0.05)


def test_clip_moves_draws_to_the_nearest_bound():
    values = draws({"normal": {"mean": 0, "sd": 1}, "clip": [-0.5, 0.5]}, 20_000)
    assert values.min() == -0.5
    assert values.max() == 0.5
    # about 31% of a standard normal lies beyond ±0.5 on each side
    assert np.mean(values == 0.5) == pytest.approx(0.3085, abs=0.02)


def test_a_degenerate_distribution_draws_its_one_value():
    assert np.all(draws({"triangular": [3, 3, 3]}, 10) == 3)
    assert np.all(draws({"normal": {"mean": 4, "sd": 0}}, 10) == 4)


@pytest.mark.parametrize(
    "spec",
    [
        {"uniform": [3, 1]},
        {"triangular": [0, 6, 5]},
        {"beta": {"a": 0, "b": 1}},
        {"beta": {"a": 1, "b": 1, "lo": 2, "hi": 2}},
        {"normal": {"mean": 0, "sd": -1}},
        {"lognormal": {"mean": 0, "sd": 1}},
        {"uniform": [0, 1], "clip": [1, 0]},
        {"uniform": [0, math.inf]},
        {"normal": {"mean": math.nan, "sd": 1}},
        {"uniform": [0, 1], "normal": {"mean": 0, "sd": 1}},
        {"poisson": {"lam": 1}},
    ],
)
def test_malformed_distributions_are_refused(spec):
    with pytest.raises(ValidationError):
        dist(spec)


@pytest.mark.parametrize(
    ("bounds", "spec", "ok"),
    [
        ({"ge": 0}, {"uniform": [0, 1]}, True),
        ({"gt": 0}, {"uniform": [0, 1]}, False),
        ({"gt": 0}, {"uniform": [0, 1], "clip": [0.01, 1]}, True),
        ({"gt": 0, "le": 1}, {"beta": {"a": 2, "b": 2}}, False),
        ({"gt": 0, "le": 1}, {"beta": {"a": 2, "b": 2, "lo": 0.5, "hi": 1}}, True),
        ({"gt": 0, "le": 1}, {"beta": {"a": 2, "b": 2, "lo": 0.5, "hi": 1.5}}, False),
        ({"ge": 0, "le": 1}, {"beta": {"a": 2, "b": 2}}, True),
        ({"ge": 0}, {"lognormal": {"mean": 1, "sd": 1}}, True),
        ({"gt": 0}, {"lognormal": {"mean": 1, "sd": 1}}, True),  # never draws 0
        ({"gt": 1}, {"lognormal": {"mean": 2, "sd": 1}}, False),
        ({"ge": 0}, {"normal": {"mean": 5, "sd": 0.1}}, False),
        ({"ge": 0}, {"normal": {"mean": 5, "sd": 0.1}, "clip": [0, 10]}, True),
        ({"ge": 0}, {"normal": {"mean": 5, "sd": 0}}, True),
    ],
)
def test_a_distribution_must_keep_its_draws_inside_the_allowed_range(bounds, spec, ok):
    adapter = TypeAdapter(uncertain(**bounds))
    if ok:
        adapter.validate_python(spec)
    else:
        with pytest.raises(ValidationError, match="narrow it or add clip"):
            adapter.validate_python(spec)


FINITE = st.floats(-1e6, 1e6, allow_nan=False)


@st.composite
def distributions(draw):
    kind = draw(st.sampled_from(["normal", "uniform", "triangular", "beta", "lognormal"]))
    if kind == "normal":
        spec = {"normal": {"mean": draw(FINITE), "sd": draw(st.floats(0, 1e3))}}
    elif kind == "uniform":
        spec = {"uniform": sorted(draw(st.lists(FINITE, min_size=2, max_size=2)))}
    elif kind == "triangular":
        spec = {"triangular": sorted(draw(st.lists(FINITE, min_size=3, max_size=3)))}
    elif kind == "beta":
        lo = draw(FINITE)
        spec = {
            "beta": {
                "a": draw(st.floats(0.05, 50)),
                "b": draw(st.floats(0.05, 50)),
                "lo": lo,
                "hi": lo + draw(st.floats(1e-3, 1e3)),
            }
        }
    else:
        spec = {"lognormal": {"mean": draw(st.floats(1e-3, 1e3)), "sd": draw(st.floats(0, 1e3))}}
    if draw(st.booleans()):
        spec["clip"] = sorted(draw(st.lists(FINITE, min_size=2, max_size=2)))
    return spec


@settings(max_examples=150, deadline=None)
@given(distributions(), st.integers(0, 2**32 - 1))
# rounding at the bounds: exp(log(0.125)) > 0.125, and 0.1 + 0.2 * 1.0 > 0.3
@example({"lognormal": {"mean": 0.125, "sd": 0.0}}, 0)
@example({"beta": {"a": 1, "b": 0.05, "lo": 0.1, "hi": 0.3}}, 0)
def test_no_draw_ever_leaves_the_support(spec, seed):
    d = dist(spec)
    lo, hi = d.support()
    assert lo <= hi
    values = d.draw(np.random.default_rng(seed), 200)
    assert np.all(np.isfinite(values))
    assert np.all((values >= lo) & (values <= hi))
    assert lo <= d.mean() <= hi


# --- choice --------------------------------------------------------------------------------------

OPTIONS = ["south_keeps", "shared", "north_gets"]


def test_choice_draws_follow_the_weights():
    choice = Choice(choice={"south_keeps": 1, "shared": 3, "north_gets": 0})
    index = choice.draw(np.random.default_rng(11), 40_000, OPTIONS)
    share = np.bincount(index, minlength=3) / len(index)
    assert share == pytest.approx([0.25, 0.75, 0.0], abs=0.01)


def test_choice_weights_need_not_sum_to_one_and_unnamed_options_are_never_drawn():
    choice = Choice(choice={"north_gets": 2, "south_keeps": 2})
    assert choice.probabilities(OPTIONS) == pytest.approx([0.5, 0.0, 0.5])
    index = choice.draw(np.random.default_rng(3), 10_000, OPTIONS)
    assert set(index.tolist()) == {0, 2}
    assert np.mean(index == 2) == pytest.approx(0.5, abs=0.02)


def test_a_choice_of_one_option_always_draws_it():
    index = Choice(choice={"shared": 0.1}).draw(np.random.default_rng(0), 1000, OPTIONS)
    assert np.all(index == 1)


@pytest.mark.parametrize(
    "weights", [{}, {"shared": 0}, {"shared": -1, "north_gets": 2}, {"shared": math.inf}]
)
def test_malformed_choices_are_refused(weights):
    with pytest.raises(ValidationError):
        Choice(choice=weights)


# --- draw_parameters: the random streams ---------------------------------------------------------


@pytest.fixture(scope="module")
def harbour():
    return load_scenario(HARBOUR)


def test_draws_are_reproducible_for_the_same_seed_and_block(harbour):
    a = draw_parameters(harbour, block_sequence(42, 3), 256)
    b = draw_parameters(harbour, block_sequence(42, 3), 256)
    assert a.values.keys() == b.values.keys()
    for path in a.values:
        np.testing.assert_array_equal(a.values[path], b.values[path], err_msg=path)


def test_blocks_and_seeds_draw_differently(harbour):
    first = draw_parameters(harbour, block_sequence(42, 0), 256).drawn
    next_block = draw_parameters(harbour, block_sequence(42, 1), 256).drawn
    other_seed = draw_parameters(harbour, block_sequence(43, 0), 256).drawn
    assert set(first) == {"parties.north.war_cost", "parties.south.capability"}
    for path in first:
        assert not np.any(first[path] == next_block[path]), path
        assert not np.any(first[path] == other_seed[path]), path


def test_two_uncertain_parameters_do_not_share_a_stream(tmp_path):
    text = HARBOUR.read_text().replace(
        "war_cost: {uniform: [0.001, 0.004]}", "war_cost: {uniform: [0, 1]}"
    )
    text = text.replace("    patience: 0.98", "    patience: {uniform: [0, 1], clip: [0.01, 0.99]}")
    path = tmp_path / "two.yaml"
    path.write_text(text)
    values = draw_parameters(load_scenario(path), block_sequence(5, 0), 1000).values
    war_cost, patience = values["parties.north.war_cost"], values["parties.north.patience"]
    assert abs(np.corrcoef(war_cost, patience)[0, 1]) < 0.1
    assert not np.any(war_cost == patience)


def test_constants_are_repeated_over_the_block(harbour):
    values = draw_parameters(harbour, block_sequence(1, 0), 64).values
    np.testing.assert_array_equal(values["parties.north.capability"], np.full(64, 1.0))
    np.testing.assert_array_equal(values["parties.north.patience"], np.full(64, 0.98))
    assert np.all(values["parties.north.resolve"] == 0.1)
    assert np.all(np.isnan(values["parties.north.deadline"]))
    assert np.all(np.isnan(values["parties.north.reservation_value"]))
    np.testing.assert_array_equal(values["protocol.mediator"], np.full(64, -1))


def test_uncertain_draws_keep_their_range(harbour):
    draws_ = draw_parameters(harbour, block_sequence(9, 0), 4096)
    war_cost = draws_.values["parties.north.war_cost"]
    assert war_cost.min() >= 0.001 and war_cost.max() <= 0.004
    capability = draws_.values["parties.south.capability"]
    assert capability.min() >= 0.1 and capability.max() <= 2
    assert capability.mean() == pytest.approx(0.7, abs=0.01)
    np.testing.assert_array_equal(draws_.drawn["parties.south.capability"], capability)


def test_positions_are_drawn_in_model_units_and_recorded_in_native_ones(tmp_path):
    text = HARBOUR.read_text()
    text = text.replace(
        "harbour: south_keeps, border: 0}",
        "harbour: {choice: {south_keeps: 1, shared: 1}}, border: {uniform: [0, 10]}}",
    )
    path = tmp_path / "uncertain_positions.yaml"
    path.write_text(text)
    draws_ = draw_parameters(load_scenario(path), block_sequence(2, 0), 2000)
    names = draws_.drawn["parties.south.positions.harbour"]
    points = draws_.values["parties.south.positions.harbour"]
    assert set(names) == {"south_keeps", "shared"}
    np.testing.assert_array_equal(points, np.where(names == "shared", 0.5, 0.0))
    assert np.mean(names == "shared") == pytest.approx(0.5, abs=0.04)
    km = draws_.drawn["parties.south.positions.border"]
    assert km.min() >= 0 and km.max() <= 10
    np.testing.assert_allclose(draws_.values["parties.south.positions.border"], km / 40)


def test_adding_an_uncertain_parameter_leaves_the_others_draws_unchanged(tmp_path, harbour):
    text = HARBOUR.read_text().replace(
        "    patience: 0.98",
        "    patience: {uniform: [0.9, 0.99]}\n    learning: {beta: {a: 2, b: 2}}",
    )
    text = text.replace("drift: 0.3", "drift: {normal: {mean: 0.3, sd: 0.1}}")
    path = tmp_path / "more_uncertain.yaml"
    path.write_text(text)
    more = load_scenario(path)
    for block in (0, 7):
        before = draw_parameters(harbour, block_sequence(2025, block), 512).drawn
        after = draw_parameters(more, block_sequence(2025, block), 512).drawn
        assert set(after) == set(before) | {
            "parties.north.patience",
            "parties.north.learning",
            "battlefield.drift",
        }
        for path_ in before:
            np.testing.assert_array_equal(before[path_], after[path_], err_msg=path_)


def test_removing_a_party_leaves_the_other_parties_draws_unchanged(tmp_path, harbour):
    """Each parameter's stream is keyed by its path, not by its position in the scenario."""
    text = HARBOUR.read_text().replace(
        "parties:\n",
        "parties:\n  east:\n    capability: {uniform: [0.1, 1]}\n"
        "    positions: {fishing_quota: 50}\n    salience: {fishing_quota: 1}\n",
    )
    path = tmp_path / "three_parties.yaml"
    path.write_text(text)
    three = draw_parameters(load_scenario(path), block_sequence(8, 0), 300).drawn
    two = draw_parameters(harbour, block_sequence(8, 0), 300).drawn
    for path_ in two:
        np.testing.assert_array_equal(two[path_], three[path_], err_msg=path_)
