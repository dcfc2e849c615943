"""negsim: a negotiation scenario simulator.

The Python API, for notebooks and scripts (the ``negsim`` command is a thin layer over it)::

    import sim
    scenario = sim.load_scenario("scenarios/budapest_2025.yaml",
                                 overrides=["parties.us.salience.tomahawk=0.4"])
    runs = sim.run(scenario, runs=4096, seed=1)        # pandas DataFrame, one row per replicate
    rounds = sim.trace(scenario, replicate=17, seed=1) # DataFrame: replicate 17's rounds
    again = sim.load_results("results/budapest")       # a results folder written with out=...
    story = sim.trace("results/budapest", replicate=3) # a replicate of a folder's batch
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from sim.batch.limits import DEFAULT_RUNS, DEFAULT_SEED
from sim.errors import UserError
from sim.scenario.loader import check_scenario, load_scenario
from sim.scenario.schema import Scenario
from sim.version import __version__

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Scenario",
    "UserError",
    "__version__",
    "load_results",
    "load_scenario",
    "replay",
    "run",
    "trace",
]


def _scenario(scenario: Scenario | str | Path, overrides: Iterable[str]) -> Scenario:
    if isinstance(scenario, Scenario):
        if overrides:
            raise UserError("overrides apply to a scenario file; pass its path")
        return check_scenario(scenario)
    return load_scenario(scenario, overrides)


def run(
    scenario: Scenario | str | Path,
    runs: int = DEFAULT_RUNS,
    seed: int = DEFAULT_SEED,
    out: str | Path | None = None,
    *,
    overrides: Iterable[str] = (),
    traces: bool = False,
    force: bool = False,
    resume: bool = False,
    workers: int | None = 1,
    executor: str = "local",
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Run ``runs`` replicates of a scenario (a ``Scenario`` or a file path) with ``seed``.

    Returns the ``runs`` rows as a DataFrame (one row per replicate; columns as in docs/design.md
    §5) and, with ``out``, writes the results folder too (``resume`` finishes an interrupted
    one, ``force`` replaces one). The rows depend only on the scenario, the seed and ``runs``:
    not on ``workers`` (local processes; 1 runs in this process — more need the usual
    ``if __name__ == "__main__":`` guard in a script) or ``executor`` (``"dask"``, on the
    cluster at ``scheduler`` or a local one).
    """
    from sim.batch.batch import run_batch

    overrides = list(overrides)
    source = None if isinstance(scenario, Scenario) else str(scenario)
    return run_batch(
        _scenario(scenario, overrides),
        runs=runs,
        seed=seed,
        out=out,
        traces=traces,
        force=force,
        resume=resume,
        workers=workers,
        executor=executor,
        scheduler=scheduler,
        source=source,
        overrides=overrides,
    )


def replay(
    source: Scenario | str | Path,
    replicate: int,
    seed: int | None = None,
    *,
    overrides: Iterable[str] = (),
) -> tuple[Scenario, pd.DataFrame]:
    """The scenario replicate ``replicate`` ran under, and its rounds (:func:`trace`)."""
    from sim.analysis.folders import replay_folder
    from sim.batch.trace import trace_replicate

    overrides = list(overrides)
    if not isinstance(source, Scenario) and Path(source).is_dir():
        scenario, seed = replay_folder(Path(source), replicate, seed, overrides)
    else:
        scenario = _scenario(source, overrides)
    return scenario, trace_replicate(scenario, replicate, DEFAULT_SEED if seed is None else seed)


def trace(
    source: Scenario | str | Path,
    replicate: int,
    seed: int | None = None,
    *,
    overrides: Iterable[str] = (),
) -> pd.DataFrame:
    """Replicate ``replicate`` of a batch, round by round, as it ran in the batch: a DataFrame
    with one row per round (the columns of ``rounds.parquet``, as :func:`run` returns the rows
    of ``runs``); its ``attrs`` hold the ``replicate``, the ``seed`` and the replicate's
    ``outcome``, its row of ``runs``.

    ``source`` is a ``Scenario`` or a scenario file (with ``seed``, default 0, and
    ``overrides``), or a results folder: the batch's resolved scenario and its seed."""
    return replay(source, replicate, seed, overrides=overrides)[1]


def load_results(folder: str | Path, *, allow_incomplete: bool = False) -> pd.DataFrame:
    """The ``runs`` of a results folder as a DataFrame (refuses an incomplete batch unless
    ``allow_incomplete``)."""
    from sim.batch.store import load_results as load

    return load(folder, allow_incomplete=allow_incomplete)
