"""How the suite shares the machine's cores (pytest-xdist, ``--dist loadgroup``).

Each module runs on one worker, so that its module-scoped fixtures (batches written once and
read by many tests) are built once. The modules whose cases reach the barrier method of the
exact machinery (more than two free continuous coordinates) share one worker: on a fresh
checkout numba compiles those kernels there once, while the other worker runs the rest.
"""

from __future__ import annotations

import pytest

BARRIER_MODULES = frozenset(
    {
        "test_bargaining_range.py",
        "test_cases.py",
        "test_exact_machinery.py",
        "test_model_properties.py",
        "test_protocols.py",
        "test_sensitivity.py",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = item.path.name
        group = "barrier-method" if module in BARRIER_MODULES else module
        item.add_marker(pytest.mark.xdist_group(group))
