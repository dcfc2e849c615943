"""Batches: N replicates of a scenario with a seed, simulated block by block.

Replicate j belongs to block ``j // BLOCK_SIZE``; each block's parameters and random streams are
always drawn in full from its own seed sequence, and the replicates past N are dropped before
they are simulated — a replicate's path does not depend on which others are left
(docs/design.md §4). So a batch's rows depend only on (scenario, seed, N), and a batch of N is
the first N rows of a batch of 2N.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np
import pyarrow as pa

from sim.batch.columns import rounds_table, runs_table
from sim.model.model import NegotiationModel
from sim.scenario.sampling import block_sequence, draw_parameters
from sim.scenario.schema import Scenario

BLOCK_SIZE = 1024


@dataclass
class BlockResult:
    """The rows of one block: ``runs`` always, ``rounds`` when traces were asked for."""

    block: int
    runs: pa.Table
    rounds: pa.Table | None = None


def block_count(runs: int, block_size: int = BLOCK_SIZE) -> int:
    return -(-runs // block_size)


def simulate_block(
    scenario: Scenario,
    seed: int,
    block: int,
    runs: int,
    *,
    traces: bool = False,
    block_size: int = BLOCK_SIZE,
) -> BlockResult:
    """Simulate block ``block`` of a batch of ``runs`` replicates with ``seed``."""
    sequence = block_sequence(seed, block)
    draws = draw_parameters(scenario, sequence, block_size)
    model = NegotiationModel(scenario, draws, sequence, record_rounds=traces)
    first = block * block_size
    count = min(block_size, runs - first)
    if count < block_size:  # a short last block: the rest are drawn, not simulated
        model.keep(np.arange(count))
    outcomes = model.run()
    rounds = None
    if traces:
        rounds = rounds_table(scenario, model.round_records(), first, count)
    result = BlockResult(block, runs_table(scenario, outcomes, draws, first, count), rounds)
    _release(model)
    return result


def _release(model: NegotiationModel) -> None:
    """Let a finished block go. Mesa 3.3 counts agent ids per model in a class-level dict
    keyed by the model (``Agent._ids``), which keeps every model ever built alive: a worker
    would grow by a few megabytes a block."""
    counters = getattr(mesa.Agent, "_ids", None)
    if isinstance(counters, dict):
        counters.pop(model, None)
