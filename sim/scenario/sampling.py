"""Scenario → sampled parameter arrays: the draws of one block of replicates.

Randomness follows docs/design.md §4: block ``b`` of a batch with seed ``s`` draws everything from
``SeedSequence(s, spawn_key=(b,))``, always for the full block. Each uncertain parameter draws
from its own child stream, keyed by a hash of its path, so adding or removing one uncertain
parameter in a variant leaves every other parameter's draws unchanged (common random numbers
make comparisons between scenarios sharper).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.scenario.distributions import central_number, draw_numbers
from sim.scenario.parameters import Leaf, event_set_leaves, parameter_leaves
from sim.scenario.schema import CONCESSION_STYLES, Scenario
from sim.scenario.units import IssueUnits, issue_units

# Child streams of a block, by purpose.
STREAM_PARAMETERS, STREAM_EVENTS, STREAM_BATTLEFIELD, STREAM_PROTOCOL, STREAM_MESA = range(5)
STREAM_BREAKDOWN = 5


def block_sequence(seed: int, block: int) -> np.random.SeedSequence:
    """The one source of randomness of block ``block`` of a batch with ``seed``."""
    return np.random.SeedSequence(seed, spawn_key=(block,))


def stream(block_seq: np.random.SeedSequence, purpose: int, *key: int) -> np.random.Generator:
    """An independent generator for one purpose (and optional sub-key) within a block."""
    child = np.random.SeedSequence(
        block_seq.entropy, spawn_key=(*block_seq.spawn_key, purpose, *key)
    )
    return np.random.Generator(np.random.PCG64(child))


class BlockStreams:
    """One purpose's generators of several blocks simulated as one model, drawn as one: a draw
    of n rows is each block's own draw of n/k rows, in block order. Every block makes the
    calls it would make alone (every draw covers its full block), so every replicate gets the
    numbers its own block would give it simulated alone — how many blocks run together
    moves nothing."""

    def __init__(self, block_seqs: Sequence[np.random.SeedSequence], purpose: int):
        self.generators = [stream(block_seq, purpose) for block_seq in block_seqs]

    def random(self, shape: int | tuple[int, ...]) -> np.ndarray:
        """Uniform numbers on [0, 1), ``shape`` with the blocks' replicates leading."""
        return self._draw(np.random.Generator.random, shape)

    def standard_normal(self, shape: int | tuple[int, ...]) -> np.ndarray:
        """Standard normal numbers, ``shape`` with the blocks' replicates leading."""
        return self._draw(np.random.Generator.standard_normal, shape)

    def _draw(self, method, shape: int | tuple[int, ...]) -> np.ndarray:
        rows, *rest = np.atleast_1d(shape)
        each = (rows // len(self.generators), *rest)
        return np.concatenate([method(generator, each) for generator in self.generators])


@dataclass
class Draws:
    """One block's parameter values, each an array over the block's replicates.

    ``values`` holds every parameter (and every event's ``set`` value) in model form: numbers
    in their native units, positions in [0, 1], concession styles as indices into
    ``CONCESSION_STYLES``, the mediator as a party index (-1 neutral), an unset reservation
    value as NaN. ``drawn`` holds the uncertain ones as the user wrote them (native numbers,
    option names) for the ``param.<path>`` result columns.
    """

    values: dict[str, np.ndarray]
    drawn: dict[str, np.ndarray]
    central: dict[str, np.ndarray]
    """Every parameter at its central value (:func:`central_value`) for the whole block: what
    can be known of the scenario without seeing a replicate's draws."""

    @classmethod
    def stacked(cls, blocks: Sequence[Draws]) -> Draws:
        """Several blocks' draws as one, their replicates in block order."""

        def stack(part: str) -> dict[str, np.ndarray]:
            arrays = [getattr(block, part) for block in blocks]
            return {path: np.concatenate([a[path] for a in arrays]) for path in arrays[0]}

        return cls(stack("values"), stack("drawn"), stack("central"))


def draw_parameters(scenario: Scenario, block_seq: np.random.SeedSequence, size: int) -> Draws:
    """Draw every parameter of ``scenario`` for a block of ``size`` replicates."""
    units = issue_units(scenario.issues)
    parties = list(scenario.parties)
    leaves = {**parameter_leaves(scenario), **event_set_leaves(scenario)}
    values, drawn, central = {}, {}, {}
    for path, leaf in leaves.items():
        rng = None
        if leaf.uncertain:
            rng = stream(block_seq, STREAM_PARAMETERS, zlib.crc32(path.encode()))
        values[path], native = _leaf_values(leaf, units, parties, rng, size)
        if leaf.uncertain:
            drawn[path] = native
            central[path] = np.full(size, central_value(leaf, units))
        else:
            central[path] = values[path]
    return Draws(values, drawn, central)


def _leaf_values(
    leaf: Leaf,
    units: dict[str, IssueUnits],
    parties: list[str],
    rng: np.random.Generator | None,
    size: int,
) -> tuple[np.ndarray, np.ndarray]:
    value = leaf.value
    if leaf.kind == "style":
        return np.full(size, CONCESSION_STYLES.index(value)), np.full(size, value, dtype=object)
    if leaf.kind == "mediator":
        index = -1 if value is None else parties.index(value)
        return np.full(size, index), np.full(size, value, dtype=object)
    if leaf.kind == "position":
        return units[leaf.issue].draw(value, rng, size)
    if value is None:
        return np.full(size, np.nan), np.full(size, np.nan)
    native = draw_numbers(value, rng, size)
    return native, native


def central_value(leaf: Leaf, units: dict[str, IssueUnits]) -> float:
    """A leaf's central value in model form (distributions by their mean, choices by their
    expected point) — what ``negsim show`` displays and its compromise forecast uses."""
    if leaf.kind == "position":
        return units[leaf.issue].central(leaf.value)
    return central_number(leaf.value)
