"""Native units ↔ the model's [0, 1]: the one place where conversions live.

Inside the model every issue runs from 0 to 1 (DESIGN.md §3). A scale issue maps ``min``..``max``
linearly; an option issue places its options at evenly spaced points (or its ``values``), and
outcomes on it are snapped to those points. Everything a user sees goes back through here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import Issue


@dataclass(frozen=True)
class IssueUnits:
    """How one issue's native values map to [0, 1]."""

    id: str
    low: float
    width: float
    unit: str
    options: tuple[str, ...] = ()
    points: np.ndarray | None = None  # option positions in [0, 1]
    evenly_spaced: bool = True

    @classmethod
    def of(cls, iid: str, issue: Issue) -> IssueUnits:
        if issue.options is None:
            scale = issue.scale
            return cls(iid, scale.min, scale.max - scale.min, scale.unit)
        n = len(issue.options)
        if issue.values is None:
            return cls(iid, 0.0, 1.0, "", tuple(issue.options), np.linspace(0, 1, n))
        return cls(iid, 0.0, 1.0, "", tuple(issue.options), np.array(issue.values), False)

    @property
    def is_options(self) -> bool:
        return bool(self.options)

    def to_internal(self, native: np.ndarray | float) -> np.ndarray:
        """Numbers in the issue's units → [0, 1]. (Option issues: their [0, 1] points.)"""
        return (np.asarray(native, dtype=float) - self.low) / self.width

    def option_index(self, name: str) -> int:
        return self.options.index(name)

    def to_native(self, internal: np.ndarray | float) -> np.ndarray:
        """[0, 1] → the issue's units (option issues stay on their [0, 1] axis)."""
        return self.low + np.asarray(internal, dtype=float) * self.width

    def delta_to_internal(self, native_delta: np.ndarray | float) -> np.ndarray:
        """A change per round in the issue's units (drift, volatility) → [0, 1] units."""
        return np.asarray(native_delta, dtype=float) / self.width

    def nearest_option(self, internal: np.ndarray) -> np.ndarray:
        """Index of the option nearest each internal value (ties go to the higher option)."""
        internal = np.asarray(internal)
        if self.evenly_spaced:
            last = len(self.options) - 1
            return np.clip(np.floor(internal * last + 0.5), 0, last).astype(np.intp)
        midpoints = (self.points[1:] + self.points[:-1]) / 2
        return np.searchsorted(midpoints, internal, side="right")

    def snap(self, internal: np.ndarray) -> np.ndarray:
        """Internal values moved to the nearest option's point (option issues only)."""
        return self.points[self.nearest_option(internal)]

    def labels(self, internal: np.ndarray) -> np.ndarray:
        """Option names of internal values (nearest option)."""
        return np.asarray(self.options, dtype=object)[self.nearest_option(internal)]

    def describe(self, internal: float) -> str:
        """One value in words: ``12.5 km`` or ``shared``."""
        if self.is_options:
            return str(self.labels(np.asarray(internal)))
        value = float(self.to_native(internal))
        return f"{value:,.4g} {self.unit}".strip()


def issue_units(issues: dict[str, Issue]) -> dict[str, IssueUnits]:
    return {iid: IssueUnits.of(iid, issue) for iid, issue in issues.items()}
