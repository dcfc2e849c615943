"""One replicate's story, round by round, exactly as its batch ran it.

The replicate's whole block is simulated again with traces on, so its draws and its random
path are the ones the batch used: the trace's end equals the replicate's row in ``runs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow.compute as pc

from sim.batch.runner import BLOCK_SIZE, simulate_block
from sim.errors import UserError
from sim.scenario.schema import Scenario


@dataclass
class Trace:
    """``rounds``: one dict per round bargained (the ``rounds.parquet`` columns); ``outcome``:
    the replicate's ``runs`` row."""

    scenario: Scenario
    seed: int
    replicate: int
    rounds: list[dict[str, Any]]
    outcome: dict[str, Any]


def trace_replicate(scenario: Scenario, replicate: int, seed: int) -> Trace:
    """Replay replicate ``replicate`` of the batch with ``seed``."""
    if replicate < 0:
        raise UserError(f"--replicate: expected a whole number >= 0, got {replicate}")
    block = replicate // BLOCK_SIZE
    result = simulate_block(scenario, seed, block, (block + 1) * BLOCK_SIZE, traces=True)
    rounds = result.rounds.filter(pc.equal(result.rounds["replicate"], replicate))
    outcome = result.runs.filter(pc.equal(result.runs["replicate"], replicate))
    return Trace(scenario, seed, replicate, rounds.to_pylist(), outcome.to_pylist()[0])
