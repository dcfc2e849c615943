"""Batches: N replicates of a scenario with a seed, simulated block by block.

Replicate j belongs to block ``j // BLOCK_SIZE``; each block's parameters and random streams are
always drawn in full from its own seed sequence, and the replicates past N are dropped before
they are simulated — a replicate's path does not depend on which others are left
(docs/design.md §4). So a batch's rows depend only on (scenario, seed, N), and a batch of N is
the first N rows of a batch of 2N.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import mesa
import numpy as np
import pyarrow as pa

from sim.batch.columns import rounds_table, runs_table
from sim.model.model import NegotiationModel
from sim.scenario.sampling import Draws, block_sequence, draw_parameters
from sim.scenario.schema import Scenario

BLOCK_SIZE = 1024
"""Replicates per block: the unit of a batch's random streams, of its files and of resuming."""

BLOCKS_PER_TASK = 4
"""The most blocks a batch simulates together as one model (:func:`simulate_blocks`). A
round costs a fixed amount of Python and dispatch work per model whatever its size, so four
blocks together run about a quarter faster than one by one on the flagship; eight gain
nothing more (the arrays outgrow the caches), and larger tasks would leave workers idle on
small batches. It moves no result."""


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
    (result,) = simulate_blocks(scenario, seed, [block], runs, traces=traces, block_size=block_size)
    return result


def simulate_blocks(
    scenario: Scenario,
    seed: int,
    blocks: Sequence[int],
    runs: int,
    *,
    traces: bool = False,
    block_size: int = BLOCK_SIZE,
) -> list[BlockResult]:
    """Simulate the ``blocks`` of a batch of ``runs`` replicates with ``seed`` as one model.

    Each block draws its parameters and random streams from its own seed sequence, so its
    rows are those it gives simulated alone; together the blocks share each round's work
    per array operation and compiled call, which costs the same for 1,000 replicates as for
    4,000 (:data:`BLOCKS_PER_TASK`)."""
    sequences = [block_sequence(seed, block) for block in blocks]
    draws = Draws.stacked([draw_parameters(scenario, s, block_size) for s in sequences])
    model = NegotiationModel(scenario, draws, sequences, record_rounds=traces)
    # block n of the model: its rows n·block_size on, of which the batch wants `count`
    spans = [
        (block, n * block_size, min(block_size, runs - block * block_size))
        for n, block in enumerate(blocks)
    ]
    if sum(count for *_, count in spans) < model.size:  # a short last block: the rest drawn only
        model.keep(np.concatenate([np.arange(start, start + count) for _, start, count in spans]))
    outcomes = model.run()
    records = model.round_records() if traces else []
    results = []
    for block, start, count in spans:
        first, rows = block * block_size, slice(start, start + count)
        rounds = rounds_table(scenario, records, first, rows) if traces else None
        results.append(
            BlockResult(block, runs_table(scenario, outcomes, draws, first, rows), rounds)
        )
    _release(model)
    return results


def _release(model: NegotiationModel) -> None:
    """Let a finished block go. Mesa 3.3 counts agent ids per model in a class-level dict
    keyed by the model (``Agent._ids``), which keeps every model ever built alive: a worker
    would grow by a few megabytes a block."""
    counters = getattr(mesa.Agent, "_ids", None)
    if isinstance(counters, dict):
        counters.pop(model, None)
