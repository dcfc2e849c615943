"""Scheduled and chance events: at the start of its round, in each replicate still bargaining,
an event fires with its probability and sets parameters of that replicate from then on.

Events are public: when one fires, the parties' public views (:class:`~sim.model.party.
PublicView`) learn its settings too, at their central values.
"""

from __future__ import annotations

import numpy as np

from sim.model.replicates import Binding, ReplicateState
from sim.scenario.sampling import BlockStreams
from sim.scenario.schema import Event


class Events(ReplicateState):
    """The scenario's events. ``probability`` is (R, E); each event's ``set`` values are held
    per replicate (they may be uncertain) in ``values`` (R, number of set entries), and at
    their central values in ``central``. ``rows`` are the block positions of the replicates
    still bargaining: the chance draws are made for the whole block, so whether an event
    fires in a replicate does not depend on which others are left."""

    replicate_fields = ("probability", "values", "central", "rows")

    def __init__(self, events: list[Event], size: int):
        self.events = events
        self.names = [e.name for e in events]
        self.size = size
        self.rows = np.arange(size)
        self.probability = np.zeros((size, len(events)))
        # A style before its beta: setting a style resets beta to the style's default.
        self.targets = [
            (e, target)
            for e in events
            for target in sorted(e.set, key=lambda path: not path.endswith(".concession.style"))
        ]
        self.values = np.zeros((size, len(self.targets)))
        self.central = np.zeros((size, len(self.targets)))

    def bindings(self) -> dict[str, Binding]:
        paths = {
            f"events.{e.name}.probability": Binding(self, "probability", (n,))
            for n, e in enumerate(self.events)
        }
        for n, (event, target) in enumerate(self.targets):
            paths[f"events.{event.name}.set.{target}"] = Binding(self, "values", (n,))
        return paths

    def central_bindings(self) -> dict[str, Binding]:
        """Where the central values of the events' settings go."""
        return {
            f"events.{event.name}.set.{target}": Binding(self, "central", (n,))
            for n, (event, target) in enumerate(self.targets)
        }

    def fire(
        self,
        round_: int,
        rng: BlockStreams,
        bindings: dict[str, Binding],
        public: dict[str, Binding],
    ) -> dict[str, np.ndarray]:
        """Fire this round's events; returns, per event scheduled now, which replicates it
        fired in (a boolean mask over the current arrays). Each firing sets the true
        parameters (``bindings``) and the public views' (``public``, where a path has one)."""
        fired = {}
        for n, event in enumerate(self.events):
            if event.round != round_:
                continue
            chance = rng.random(self.size)[self.rows]
            mask = chance < self.probability[:, n]
            rows = np.flatnonzero(mask)
            for m, (owner, target) in enumerate(self.targets):
                if owner is event and len(rows):
                    bindings[target].assign(rows, self.values[rows, m])
                    if target in public:
                        public[target].assign(rows, self.central[rows, m])
            fired[event.name] = mask
        return fired
