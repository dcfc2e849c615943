"""The closed forms of the model's equations against what they claim to compute."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import equations as eq


@pytest.mark.parametrize("loss", [1.0, 2.0, 1.5])
@pytest.mark.parametrize(
    ("start", "drift", "volatility", "rate", "ideal"),
    [
        (0.4, 0.002, 0.01, 0.002, 0.9),  # a slow war toward a far ideal
        (0.6, -0.01, 0.03, 0.02, 0.1),  # a fast one, against
        (0.95, 0.004, 0.02, 0.005, 0.3),  # near the top of the scale: the front stops there
        (0.2, 0.0, 0.05, 0.01, 0.2),  # no drift, only noise, from the ideal
        (1.3, -0.003, 0.0, 0.004, 0.5),  # the war past the scale's end, coming back, no noise
    ],
)
def test_expected_front_loss_is_the_loss_of_a_walk_stopped_at_an_exponential_time(
    start, drift, volatility, rate, ideal, loss
):
    """``E|clip(z + D, 0, 1) − x|^p`` with D a Brownian motion with drift stopped at an
    exponential time of rate λ — the distribution the closed form integrates — by simulation."""
    rng = np.random.default_rng(7)
    n = 400_000
    stop = rng.exponential(1.0 / rate, n)
    moved = drift * stop + volatility * np.sqrt(stop) * rng.standard_normal(n)
    sample = np.abs(np.clip(start + moved, 0.0, 1.0) - ideal) ** loss
    closed = eq.expected_front_loss(*map(np.array, (start, drift, volatility, rate, ideal, loss)))
    error = sample.std() / np.sqrt(n)
    assert abs(closed - sample.mean()) < 4 * error + 1e-9


def test_with_no_volatility_the_front_follows_the_drift_to_the_scales_end():
    """σ = 0: the loss at the point the drift reaches at an exponential time; a front that
    cannot move stays where it is."""
    still = eq.expected_front_loss(*map(np.array, (0.3, 0.0, 0.0, 0.01, 0.8, 2.0)))
    assert still == pytest.approx(0.5**2)
    # drift b, rate λ: the walk's end is exponential with mean b/λ; from 0.3 toward 1
    mean = 0.002 / 0.01
    grid = np.linspace(0, 50 * mean, 2_000_001)
    density = np.exp(-grid / mean) / mean
    loss = np.abs(np.clip(0.3 + grid, 0, 1) - 0.8)
    expected = np.trapezoid(density * loss, grid)
    closed = eq.expected_front_loss(*map(np.array, (0.3, 0.002, 0.0, 0.01, 0.8, 1.0)))
    assert closed == pytest.approx(expected, abs=1e-6)


def test_impasse_value_is_the_discounted_flow_of_the_war():
    """``E u(q at J) − c/(1 − δ)``: with a front that does not move, the discounted sum of
    ``(1 − δ)·u − c`` over an endless war."""
    utility, cost, patience = 0.6, 0.002, 0.99
    rounds = np.arange(20_000)
    flow = (patience**rounds * ((1 - patience) * utility - cost)).sum()
    value = eq.impasse_value(np.array(utility), np.array(cost), np.array(patience))
    assert value == pytest.approx(flow, abs=1e-9)


def test_insistence_follows_pressure_style_opening_and_reciprocity():
    one, zero = np.array(1.0), np.array(0.0)
    # no pressure, no opening, nobody moving: it insists on everything
    assert eq.insistence(zero, np.array(0.5), zero, zero, zero) == 1.0
    # boulware holds out longer than linear, linear than conceder, under the same pressure
    x = np.array(0.5)
    styles = [eq.insistence(x, np.array(b), zero, zero, zero) for b in (0.3, 1.0, 3.0)]
    assert styles[0] > styles[1] > styles[2]
    assert styles[1] == pytest.approx(0.5)
    # pressure spent: it has conceded all the way to its reservation value
    assert eq.insistence(one, np.array(0.3), zero, zero, zero) == 0.0
    # an opening concession κ takes that share off at the outset
    assert eq.insistence(zero, one, np.array(0.25), zero, zero) == pytest.approx(0.75)
    # reciprocity ρ matches the others' concessions c̄
    assert eq.insistence(zero, one, zero, np.array(0.4), np.array(0.5)) == pytest.approx(0.8)
