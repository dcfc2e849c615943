"""State with a leading replicate axis, and the parameter paths that write into it.

Every object of the model that holds per-replicate arrays (parties, the battlefield, events,
the protocol, the model itself) names them in ``replicate_fields``. When replicates reach a deal
they are dropped from every such array at once (:meth:`ReplicateState.keep`), so later rounds
compute only on the replicates still bargaining.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np


class ReplicateState:
    """Mixin for objects whose named array attributes have a leading replicate axis."""

    replicate_fields: ClassVar[tuple[str, ...]] = ()

    def keep(self, index: np.ndarray) -> None:
        """Keep only the replicates at ``index`` (positions in the current arrays)."""
        for name in self.replicate_fields:
            stored = getattr(type(self), name, None)
            if isinstance(stored, ReplicatesLast):
                stored.keep(self, index)
                continue
            values = getattr(self, name)
            if values is not None:  # state a part has not formed yet
                setattr(self, name, values[index])


def replicates_last(values: np.ndarray) -> np.ndarray:
    """An array (R, ...) with its axes reversed, (..., R), contiguous: (R, P, D) → (D, P, R).
    Parties and dimensions are few and replicates many; with the replicates innermost, array
    operations run along long rows. (No copy when ``values`` is already laid out so.)"""
    return np.ascontiguousarray(np.asarray(values).T)


class ReplicatesLast:
    """An array attribute stored :func:`replicates_last` and seen replicate-leading: (R, P)
    or (R, P, D)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, state: object, owner: type | None = None) -> np.ndarray:
        return self if state is None else getattr(state, self.slot).T

    def __set__(self, state: object, values: np.ndarray) -> None:
        setattr(state, self.slot, replicates_last(values))

    def keep(self, state: object, index: np.ndarray) -> None:
        """Keep the replicates at ``index``, taken along the stored last axis (one copy, where
        going through the replicate-leading view would transpose twice)."""
        stored = getattr(state, self.slot, None)
        if stored is not None:  # state a part has not formed yet
            setattr(state, self.slot, stored.take(index, axis=-1))


@dataclass(frozen=True)
class Binding:
    """Where a parameter path lives: ``owner.attribute[rows, *index]`` — the whole row of a
    replicate, a party's column ``(n,)``, one of its dimensions ``(n, k)``; a tuple in the
    index takes the same value in each of its entries (an issue's salience on every dimension
    of a shares issue)."""

    owner: ReplicateState
    attribute: str
    index: tuple = ()

    def assign(self, rows: np.ndarray, values: np.ndarray) -> None:
        """Write ``values`` for the replicates at ``rows`` (positions in the current arrays)."""
        target = getattr(self.owner, self.attribute)
        if not self.index:
            target[rows] = values
            return
        where = np.ix_(rows, *(np.atleast_1d(i) for i in self.index))
        target[where] = np.asarray(values).reshape(len(rows), *([1] * len(self.index)))


class Inert(ReplicateState):
    """Where parameters without effect go: the mediator's settings under another protocol."""

    def binding(self, path: str) -> Binding:
        return _InertBinding(self, path)


@dataclass(frozen=True)
class _InertBinding(Binding):
    def assign(self, rows: np.ndarray, values: np.ndarray) -> None:
        pass
