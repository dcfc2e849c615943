"""Native units ↔ the model's [0, 1]: the one place where conversions live.

Inside the model every issue runs from 0 to 1 (docs/design.md §3). A scale issue maps
``min``..``max`` linearly; an option issue places its options at evenly spaced points (or its
``values``), and outcomes on it are snapped to those points. A ``shares`` issue — a total split
among named parties — becomes one [0, 1] dimension per named party, each the share of the total
that party gets, and the shares of one issue sum to 1 (a point of the simplex). Everything a
user sees goes back through here.

:class:`Layout` lists the model's dimensions (the last axis of every package): one per scale or
option issue, one per named party of each shares issue, in the scenario's issue order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.bargaining.space import Dimension as SpaceDimension
from sim.bargaining.space import Link, PackageSpace
from sim.scenario.schema import Issue
from sim.scenario.schema import Link as LinkSettings


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
    shares: tuple[str, ...] = ()  # the parties a shares issue is split among

    @classmethod
    def of(cls, iid: str, issue: Issue) -> IssueUnits:
        if issue.shares is not None:
            return cls(iid, 0.0, issue.shares.total, "", shares=tuple(issue.shares.among))
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

    @property
    def is_shares(self) -> bool:
        return bool(self.shares)

    def to_internal(self, native: np.ndarray | float) -> np.ndarray:
        """Numbers in the issue's units → [0, 1]. (Option issues: their [0, 1] points; shares
        issues: an amount → its share of the total.)"""
        return (np.asarray(native, dtype=float) - self.low) / self.width

    def option_index(self, name: str) -> int:
        return self.options.index(name)

    def to_native(self, internal: np.ndarray | float) -> np.ndarray:
        """[0, 1] → the issue's units (option issues stay on their [0, 1] axis; shares issues:
        a share → the amount of the total)."""
        return self.low + np.asarray(internal, dtype=float) * self.width

    def nearest_option(self, internal: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Index of the option nearest each internal value (ties go to the higher option),
        written into ``out`` when given."""
        internal = np.asarray(internal)
        if self.evenly_spaced:
            last = len(self.options) - 1
            nearest = np.asarray(internal * last + 0.5)
            np.clip(nearest, 0, last, out=nearest)  # nonnegative: truncating it floors it
        else:
            midpoints = (self.points[1:] + self.points[:-1]) / 2
            nearest = np.searchsorted(midpoints, internal, side="right")
        if out is None:
            return nearest.astype(np.intp, copy=False)
        np.copyto(out, nearest, casting="unsafe")
        return out

    def snap(self, internal: np.ndarray) -> np.ndarray:
        """Internal values moved to the nearest option's point (option issues only)."""
        return self.points[self.nearest_option(internal)]

    def labels(self, internal: np.ndarray) -> np.ndarray:
        """Option names of internal values (nearest option)."""
        return np.asarray(self.options, dtype=object)[self.nearest_option(internal)]

    def describe(self, internal: float) -> str:
        """One value in words: ``12.5 km`` or ``shared`` (a share: ``0.25 of 1``)."""
        if self.is_options:
            return str(self.labels(np.asarray(internal)))
        value = float(self.to_native(internal))
        if self.is_shares:
            return f"{value:,.4g} of {self.width:,.4g}"
        return f"{value:,.4g} {self.unit}".strip()


def issue_units(issues: dict[str, Issue]) -> dict[str, IssueUnits]:
    return {iid: IssueUnits.of(iid, issue) for iid, issue in issues.items()}


@dataclass(frozen=True)
class Dimension:
    """One column of the model's packages: a scale or option issue, or one party's share of a
    shares issue. ``name`` is the suffix of its result columns (``territory``, ``pie.a``)."""

    name: str
    issue: str
    party: str | None
    units: IssueUnits


@dataclass
class Layout:
    """The model's dimensions and how they group into issues."""

    units: dict[str, IssueUnits]
    dimensions: list[Dimension] = field(init=False)

    def __post_init__(self):
        self.dimensions = []
        for iid, units in self.units.items():
            if units.is_shares:
                for pid in units.shares:
                    self.dimensions.append(Dimension(f"{iid}.{pid}", iid, pid, units))
            else:
                self.dimensions.append(Dimension(iid, iid, None, units))

    @classmethod
    def of(cls, issues: dict[str, Issue]) -> Layout:
        return cls(issue_units(issues))

    def __len__(self) -> int:
        return len(self.dimensions)

    def columns(self, iid: str) -> list[int]:
        """The dimensions of one issue."""
        return [k for k, d in enumerate(self.dimensions) if d.issue == iid]

    def column(self, iid: str, party: str | None = None) -> int:
        """The dimension of a scale or option issue, or of one party's share."""
        return next(k for k, d in enumerate(self.dimensions) if d.issue == iid and d.party == party)

    @property
    def first(self) -> np.ndarray:
        """True on the first dimension of each issue (to count an issue once)."""
        seen: set[str] = set()
        mask = []
        for d in self.dimensions:
            mask.append(d.issue not in seen)
            seen.add(d.issue)
        return np.array(mask, dtype=bool)

    @property
    def simplices(self) -> list[np.ndarray]:
        """The dimensions of each shares issue (each group sums to 1 in a package)."""
        return [
            np.array(self.columns(iid), dtype=np.intp)
            for iid, units in self.units.items()
            if units.is_shares
        ]

    @property
    def options(self) -> list[tuple[int, IssueUnits]]:
        """The dimensions of option issues, with their units."""
        return [(k, d.units) for k, d in enumerate(self.dimensions) if d.units.is_options]

    def stake(self, party: str) -> np.ndarray:
        """Which dimensions a party's utility counts: all but the other parties' shares (its
        loss on a shares issue is the share it does not get)."""
        return np.array([d.party is None or d.party == party for d in self.dimensions], dtype=float)

    def package_space(
        self, links: list[LinkSettings] = (), inert: frozenset[str] = frozenset()
    ) -> PackageSpace:
        """The packages a deal can be, as the exact machinery searches them, with the
        scenario's ``links`` in model units; the option issues in ``inert`` (no one ever cares
        about them) keep whatever the reference package has."""
        groups = {iid: n for n, iid in enumerate(self.units)}
        dimensions = []
        for d in self.dimensions:
            if d.units.is_options:
                dimensions.append(SpaceDimension("options", tuple(d.units.points)))
            elif d.units.is_shares:
                dimensions.append(SpaceDimension("share", group=groups[d.issue]))
            else:
                dimensions.append(SpaceDimension("scale"))
        fixed = frozenset(self.column(iid) for iid in inert)
        return PackageSpace(dimensions, [self._link(link) for link in links], fixed)

    def _link(self, link: LinkSettings) -> Link:
        def options(iid: str, names: str | list[str]) -> frozenset[int]:
            names = [names] if isinstance(names, str) else names
            return frozenset(self.units[iid].option_index(name) for name in names)

        when = {self.column(iid): options(iid, names) for iid, names in link.when.items()}
        allowed, bounds = {}, {}
        for iid, rule in link.then.items():
            units = self.units[iid]
            if units.is_options:
                allowed[self.column(iid)] = options(iid, rule)
            else:
                low = 0.0 if rule.min is None else float(units.to_internal(rule.min))
                high = 1.0 if rule.max is None else float(units.to_internal(rule.max))
                bounds[self.column(iid)] = (max(low, 0.0), min(high, 1.0))
        return Link(when, allowed, bounds)

    def native(self, package: np.ndarray) -> np.ndarray:
        """Packages (..., D) in model units → native units, dimension by dimension."""
        out = np.empty_like(np.asarray(package, dtype=float))
        for k, d in enumerate(self.dimensions):
            out[..., k] = d.units.to_native(package[..., k])
        return out
