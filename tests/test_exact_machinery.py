"""The exact bargaining machinery's two methods agree (sim.bargaining.kernels).

The fast path solves each option combination in closed form on the line and by a bracketing
search in the plane, and spares most combinations with bounds (the dual's multipliers for the
proportional solution, the tangent of a concave function for the Nash solution); the barrier
method solves every combination its bound cannot rule out by Newton steps along the central
path. On random problems the two must find the same optimum: a bound that wrongly spared the
best combination, or a search that stopped short, would show as a gap."""

from __future__ import annotations

import numpy as np
import pytest

from sim.bargaining.solutions import Preferences, Solver
from sim.bargaining.space import Dimension, PackageSpace

REPLICATES = 100
PARTIES = 4
AGREE = 1e-8  # utility: the barrier method is exact to about (parties + constraints)·1e-10

DIMENSIONS = [
    Dimension("scale"),
    Dimension("options", (0.0, 0.5, 1.0)),
    Dimension("options", (0.0, 1.0)),
    Dimension("scale"),
    Dimension("options", (0.0, 0.5, 1.0)),
]


def _both(seed: int) -> tuple[Solver, Solver, np.random.Generator]:
    """The fast and the barrier solvers over the same random preferences (18 combinations,
    two scales; losses 1 and 2)."""
    rng = np.random.default_rng(seed)
    space = PackageSpace(DIMENSIONS)
    shape = (REPLICATES, PARTIES, len(DIMENSIONS))
    ideal = rng.random(shape)
    for k, dimension in enumerate(DIMENSIONS):
        if dimension.points:
            ideal[:, :, k] = rng.choice(dimension.points, shape[:2])
    weights = rng.random(shape)
    weights /= weights.sum(axis=-1, keepdims=True)
    loss = rng.choice([1.0, 2.0], shape[:2])
    fast = Solver(space, Preferences(ideal, weights, loss))
    barrier = Solver(space, Preferences(ideal, weights, loss))
    for terms in barrier.regimes:
        terms.fast = None  # the general method
    assert space.fast and fast.regimes[0].fast is not None
    return fast, barrier, rng


@pytest.mark.parametrize("seed", [0, 1])
def test_the_fast_path_and_the_barrier_method_find_the_same_proportional_solution(seed):
    fast, barrier, rng = _both(seed)
    theta = rng.uniform(0.2, 0.8, (REPLICATES, PARTIES))
    weight = rng.uniform(0.2, 1.2, (REPLICATES, PARTIES))
    required = np.ones(PARTIES, dtype=bool)
    reference = fast.space.valid(rng.random((REPLICATES, len(DIMENSIONS))))
    one = fast.proportional(theta, weight, required, reference)
    other = barrier.proportional(theta, weight, required, reference)
    assert np.abs(one.value - other.value).max() < AGREE


@pytest.mark.parametrize("seed", [0, 1])
def test_the_fast_path_and_the_barrier_method_find_the_same_nash_solution(seed):
    fast, barrier, rng = _both(seed)
    disagreement = rng.uniform(0.0, 0.5, (REPLICATES, PARTIES))
    alpha = rng.uniform(0.1, 1.0, (REPLICATES, PARTIES))
    alpha /= alpha.sum(axis=1, keepdims=True)
    required = np.ones(PARTIES, dtype=bool)
    reference = fast.space.valid(rng.random((REPLICATES, len(DIMENSIONS))))
    one = fast.nash(disagreement, alpha, disagreement, required, reference)
    other = barrier.nash(disagreement, alpha, disagreement, required, reference)
    assert (one.found == other.found).all()
    assert np.abs(one.value[one.found] - other.value[other.found]).max() < AGREE
