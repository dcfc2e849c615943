"""One replicate's rounds, exactly as its batch ran it.

The replicate's block is drawn again in full and simulated, with traces on, up to the replicate
(a replicate's path does not depend on which others are simulated beside it), so its draws and
its random path are the ones the batch used: the rounds are the replicate's rows of
``rounds.parquet`` and its end is its row of ``runs``.
"""

from __future__ import annotations

import pandas as pd
import pyarrow.compute as pc

from sim.batch.runner import BLOCK_SIZE, simulate_block
from sim.batch.store import to_frame
from sim.errors import UserError
from sim.scenario.schema import Scenario


def trace_replicate(scenario: Scenario, replicate: int, seed: int) -> pd.DataFrame:
    """Replay replicate ``replicate`` of the batch with ``seed``: a DataFrame with one row per
    round it bargained (the columns of ``rounds.parquet``), and in ``attrs`` the
    ``replicate``, the ``seed`` and its ``outcome`` (its ``runs`` row, as a dict)."""
    if replicate < 0:
        raise UserError(f"--replicate: expected a whole number >= 0, got {replicate}")
    block = replicate // BLOCK_SIZE
    result = simulate_block(scenario, seed, block, replicate + 1, traces=True)
    rounds = result.rounds.filter(pc.equal(result.rounds["replicate"], replicate))
    outcome = result.runs.filter(pc.equal(result.runs["replicate"], replicate))
    frame = to_frame(rounds)
    frame.attrs = {"replicate": replicate, "seed": seed, "outcome": outcome.to_pylist()[0]}
    return frame
