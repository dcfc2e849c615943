"""Scheduled and chance events: at the start of its round, in each replicate still bargaining,
an event fires with its probability and sets parameters of that replicate from then on."""

from __future__ import annotations

import numpy as np

from sim.model.replicates import Binding, ReplicateState
from sim.scenario.schema import Event


class Events(ReplicateState):
    """The scenario's events. ``probability`` is (R, E); each event's ``set`` values are held
    per replicate (they may be uncertain) in ``values`` (R, total number of set entries)."""

    replicate_fields = ("probability", "values")

    def __init__(self, events: list[Event], size: int):
        self.events = events
        self.names = [e.name for e in events]
        self.probability = np.zeros((size, len(events)))
        # A style before its beta: setting a style resets beta to the style's default.
        self.targets = [
            (e, target)
            for e in events
            for target in sorted(e.set, key=lambda path: not path.endswith(".concession.style"))
        ]
        self.values = np.zeros((size, len(self.targets)))

    def bindings(self) -> dict[str, Binding]:
        paths = {
            f"events.{e.name}.probability": Binding(self, "probability", n)
            for n, e in enumerate(self.events)
        }
        for n, (event, target) in enumerate(self.targets):
            paths[f"events.{event.name}.set.{target}"] = Binding(self, "values", n)
        return paths

    def fire(
        self, round_: int, rng: np.random.Generator, bindings: dict[str, Binding]
    ) -> dict[str, np.ndarray]:
        """Fire this round's events; returns, per event that could fire, which replicates it
        fired in (a boolean mask over the current arrays)."""
        fired = {}
        for n, event in enumerate(self.events):
            if event.round != round_:
                continue
            mask = rng.random(len(self.probability)) < self.probability[:, n]
            rows = np.flatnonzero(mask)
            for m, (owner, target) in enumerate(self.targets):
                if owner is event and len(rows):
                    bindings[target].assign(rows, self.values[rows, m])
            fired[event.name] = mask
        return fired
