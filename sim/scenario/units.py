"""Native units ↔ the model's [0, 1], one kind of issue at a time: the one place where
conversions live, and where each kind of issue says how its values read.

Inside the model every issue runs from 0 to 1 (docs/design.md §3). Each kind of issue the
scenario language has is a class here, under :class:`IssueUnits`:

- :class:`ScaleUnits` (``scale``) maps ``min``..``max`` linearly;
- :class:`OptionUnits` (``options``) places its options at evenly spaced points (or its
  ``values``), and outcomes on it are snapped to those points;
- :class:`ShareUnits` (``shares``) — a total split among named parties — becomes one [0, 1]
  dimension per named party, each the share of the total that party gets, and the shares of one
  issue sum to 1 (a point of the simplex).

Each kind says how a value goes to and from [0, 1], how it is drawn when a party's position is
uncertain, how it reads in words and under which unit, which result columns it writes, and what
the exact bargaining machinery searches on it. Everything a user sees goes back through here. A
new kind is one subclass, listed in :data:`KINDS`, with its field in
:class:`~sim.scenario.schema.Issue` (docs/contributing.md).

:class:`Layout` lists the model's dimensions (the last axis of every package): one per scale or
option issue, one per named party of each shares issue, in the scenario's issue order.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from sim.bargaining.space import Dimension as SpaceDimension
from sim.bargaining.space import Interaction, Link, PackageSpace
from sim.scenario.distributions import Choice, central_number, draw_numbers
from sim.scenario.schema import Interaction as InteractionSettings
from sim.scenario.schema import Issue, LinkRange
from sim.scenario.schema import Link as LinkSettings


@dataclass(frozen=True)
class IssueUnits(ABC):
    """How one issue's values map to the model's [0, 1] and read to a user.

    The base measures an amount linearly, ``native = low + internal · width``; a kind overrides
    what differs."""

    id: str
    low: float = 0.0
    width: float = 1.0

    declared_by: ClassVar[str]
    """The field of :class:`~sim.scenario.schema.Issue` that makes an issue of this kind."""
    has_position: ClassVar[bool] = True
    """Whether each party holds a position on the issue and its status quo is one value (a
    parameter events may set). A shares issue has neither: each party's ideal is all of it,
    and its status quo is a fixed split."""

    @classmethod
    @abstractmethod
    def from_issue(cls, iid: str, issue: Issue) -> IssueUnits:
        """The units of issue ``iid`` as the scenario declares it."""

    @staticmethod
    def of(iid: str, issue: Issue) -> IssueUnits:
        """The units of an issue of any kind: the kind whose field the issue fills."""
        kind = next(k for k in KINDS if getattr(issue, k.declared_by) is not None)
        return kind.from_issue(iid, issue)

    @property
    def dimension_parties(self) -> tuple[str | None, ...]:
        """The party each of the issue's model dimensions belongs to: one dimension, no party."""
        return (None,)

    @property
    @abstractmethod
    def unit_label(self) -> str:
        """What a number of the issue is counted in, for a column heading or an axis."""

    @abstractmethod
    def describe_range(self) -> str:
        """What the issue's values can be, in words: ``0–40 km``, ``a < b < c``."""

    @abstractmethod
    def space_dimension(self, group: int) -> SpaceDimension:
        """One of the issue's dimensions as the exact machinery searches it (``group``: the
        issue's index, which ties together the dimensions of one issue)."""

    def to_internal(self, native: np.ndarray | float) -> np.ndarray:
        """Numbers in the issue's units → [0, 1]."""
        return (np.asarray(native, dtype=float) - self.low) / self.width

    def to_native(self, internal: np.ndarray | float) -> np.ndarray:
        """[0, 1] → the issue's units."""
        return self.low + np.asarray(internal, dtype=float) * self.width

    def draw(
        self, value: Any, rng: np.random.Generator | None, size: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """``size`` draws of a position as written (a number or a distribution of one), in
        model form and as drawn."""
        native = draw_numbers(value, rng, size)
        return self.to_internal(native), native

    def central(self, value: Any) -> float:
        """A position as written at its centre, in model form (a distribution by its mean)."""
        return float(self.to_internal(central_number(value)))

    def describe_native(self, native: float) -> str:
        """One value in the issue's units, in words: ``12.5 km``, ``0.25 of 1``."""
        return f"{float(native):,.4g} {self.unit_label}".strip()

    def describe(self, internal: float) -> str:
        """One value of [0, 1] in the issue's terms, in words."""
        return self.describe_native(self.to_native(internal))

    def describe_point(self, internal: float) -> str:
        """A point of [0, 1] that need not be a value the issue takes (a forecast), in words."""
        return self.describe(internal)

    def describe_result(self, row: Mapping[str, Any], family: str) -> str:
        """The issue's value in a result row, in words, from the columns ``family`` writes
        (:meth:`result_columns`)."""
        return self.describe_native(row[f"{family}.{self.id}"])

    def result_columns(
        self, family: str, dimension: str, internal: np.ndarray
    ) -> dict[str, np.ndarray]:
        """The result columns of one of the issue's dimensions in a family of columns
        (``outcome``, ``nash``, ``text``): the value in native units, ``<family>.<dimension>``."""
        return {f"{family}.{dimension}": self.to_native(internal)}

    @property
    def reading(self) -> str:
        """How the issue's values read, to say why two cannot be compared: ``is in 'km'``."""
        return f"is in '{self.unit_label}'"

    def reads_like(self, other: IssueUnits) -> bool:
        """Whether values of ``other`` mean what values of this issue mean (the same kind, the
        same unit), so that the two can be compared."""
        return type(other) is type(self) and other.unit_label == self.unit_label


@dataclass(frozen=True)
class ScaleUnits(IssueUnits):
    """A numeric issue, ``min``..``max`` in ``unit``."""

    unit: str = ""
    declared_by: ClassVar[str] = "scale"

    @classmethod
    def from_issue(cls, iid: str, issue: Issue) -> ScaleUnits:
        scale = issue.scale
        return cls(iid, scale.min, scale.max - scale.min, scale.unit)

    @property
    def unit_label(self) -> str:
        return self.unit

    def describe_range(self) -> str:
        return f"{self.low:g}–{self.low + self.width:g} {self.unit}".strip()

    def space_dimension(self, group: int) -> SpaceDimension:
        return SpaceDimension("scale")


@dataclass(frozen=True)
class OptionUnits(IssueUnits):
    """Ordered options at ``points`` of [0, 1] (their position values; outcomes snap to them).
    An option's value in native units is its point: the option axis *is* [0, 1]."""

    options: tuple[str, ...] = ()
    points: np.ndarray = field(default_factory=lambda: np.empty(0))
    evenly_spaced: bool = True
    declared_by: ClassVar[str] = "options"

    @classmethod
    def from_issue(cls, iid: str, issue: Issue) -> OptionUnits:
        options = tuple(issue.options)
        if issue.values is None:
            return cls(iid, options=options, points=np.linspace(0, 1, len(options)))
        return cls(iid, options=options, points=np.array(issue.values), evenly_spaced=False)

    @property
    def unit_label(self) -> str:
        return ""

    def describe_range(self) -> str:
        return " < ".join(self.options)

    def space_dimension(self, group: int) -> SpaceDimension:
        return SpaceDimension("options", tuple(self.points))

    def option_index(self, name: str) -> int:
        return self.options.index(name)

    def option_indices(self, names: str | list[str]) -> frozenset[int]:
        """The indices of one option name or of a list of them."""
        return frozenset(
            self.option_index(n) for n in ([names] if isinstance(names, str) else names)
        )

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
        """Internal values moved to the nearest option's point."""
        return self.points[self.nearest_option(internal)]

    def labels(self, internal: np.ndarray) -> np.ndarray:
        """Option names of internal values (nearest option)."""
        return np.asarray(self.options, dtype=object)[self.nearest_option(internal)]

    def draw(
        self, value: Any, rng: np.random.Generator | None, size: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """An option name, or a ``choice`` among them: the options' points, and their names."""
        if isinstance(value, Choice):
            index = value.draw(rng, size, list(self.options))
        else:
            index = np.full(size, self.option_index(value))
        return self.points[index], np.asarray(self.options, dtype=object)[index]

    def central(self, value: Any) -> float:
        """An option's point; a ``choice``'s expected point."""
        if isinstance(value, Choice):
            return float(value.probabilities(list(self.options)) @ self.points)
        return float(self.points[self.option_index(value)])

    def describe_native(self, native: float) -> str:
        return str(self.labels(np.asarray(native)))

    def describe_point(self, internal: float) -> str:
        return f"{float(internal):.2f} (≈ {self.describe(internal)})"

    def label_column(self, family: str, dimension: str) -> str:
        """The column of a family holding the option's name: ``<family>_label.<dimension>``."""
        return f"{family}_label.{dimension}"

    def result_columns(
        self, family: str, dimension: str, internal: np.ndarray
    ) -> dict[str, np.ndarray]:
        """The point on the option axis, ``<family>.<dimension>``, and the name of the nearest
        option, ``<family>_label.<dimension>``."""
        return {
            **super().result_columns(family, dimension, internal),
            self.label_column(family, dimension): self.labels(internal).astype(str),
        }

    @property
    def reading(self) -> str:
        return f"has options {', '.join(self.options)}"

    def reads_like(self, other: IssueUnits) -> bool:
        """The same options, whatever their order."""
        return isinstance(other, OptionUnits) and set(other.options) == set(self.options)


@dataclass(frozen=True)
class ShareUnits(IssueUnits):
    """A total (``width``) split among the parties ``shares``: one dimension per party, its
    share of the total (in native units, the amount of the total it gets)."""

    shares: tuple[str, ...] = ()  # the parties the total is shared among
    declared_by: ClassVar[str] = "shares"
    has_position: ClassVar[bool] = False

    @classmethod
    def from_issue(cls, iid: str, issue: Issue) -> ShareUnits:
        return cls(iid, 0.0, issue.shares.total, tuple(issue.shares.among))

    @property
    def dimension_parties(self) -> tuple[str | None, ...]:
        return self.shares

    @property
    def unit_label(self) -> str:
        return f"of {self.width:g}"

    def describe_range(self) -> str:
        return f"{self.width:g} shared among {', '.join(self.shares)}"

    def space_dimension(self, group: int) -> SpaceDimension:
        return SpaceDimension("share", group=group)

    def describe_result(self, row: Mapping[str, Any], family: str) -> str:
        """Each party's amount: ``a 25, b 75``."""
        return ", ".join(f"{p} {row[f'{family}.{self.id}.{p}']:,.4g}" for p in self.shares)


KINDS: tuple[type[IssueUnits], ...] = (ScaleUnits, OptionUnits, ShareUnits)
"""Every kind of issue, each declared by its own field of :class:`~sim.scenario.schema.Issue`."""


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
            for pid in units.dimension_parties:
                name = iid if pid is None else f"{iid}.{pid}"
                self.dimensions.append(Dimension(name, iid, pid, units))

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
            if isinstance(units, ShareUnits)
        ]

    @property
    def options(self) -> list[tuple[int, OptionUnits]]:
        """The dimensions of option issues, with their units."""
        return [
            (k, d.units) for k, d in enumerate(self.dimensions) if isinstance(d.units, OptionUnits)
        ]

    def stake(self, party: str) -> np.ndarray:
        """Which dimensions a party's utility counts: all but the other parties' shares (its
        loss on a shares issue is the share it does not get)."""
        return np.array([d.party is None or d.party == party for d in self.dimensions], dtype=float)

    def package_space(
        self,
        links: list[LinkSettings] = (),
        inert: frozenset[str] = frozenset(),
        interactions: list[InteractionSettings] = (),
        party_ids: list[str] = (),
    ) -> PackageSpace:
        """The packages a deal can be, as the exact machinery searches them, with the
        scenario's ``links`` and ``interactions`` (among the parties ``party_ids``, in order)
        in model units; the option issues in ``inert`` (no one ever cares about them) keep
        whatever the reference package has."""
        groups = {iid: n for n, iid in enumerate(self.units)}
        dimensions = [d.units.space_dimension(groups[d.issue]) for d in self.dimensions]
        fixed = frozenset(self.column(iid) for iid in inert)
        return PackageSpace(
            dimensions,
            [self._link(link) for link in links],
            fixed,
            [self._interaction(i, list(party_ids)) for i in interactions],
        )

    def _condition(self, when: dict) -> dict[int, frozenset[int]]:
        """A link's or an interaction's ``if``: option dimension → the options it names."""
        return {
            self.column(iid): self.units[iid].option_indices(names) for iid, names in when.items()
        }

    def _interaction(self, interaction: InteractionSettings, party_ids: list[str]) -> Interaction:
        """An interaction in model units (the cross-check holds it to scale issues)."""
        salience, ideal = {}, {}
        for pid, change in interaction.then.items():
            p = party_ids.index(pid)
            for iid, value in change.salience.items():
                salience[p, self.column(iid)] = float(value)
            for iid, value in change.positions.items():
                ideal[p, self.column(iid)] = float(self.units[iid].to_internal(value))
        return Interaction(self._condition(interaction.when), salience, ideal)

    def _link(self, link: LinkSettings) -> Link:
        """A link in model units. Its ``when`` names options; a ``then`` rule names options
        (an option issue) or gives a range (the cross-check holds each to its issue's kind)."""
        when = self._condition(link.when)
        allowed, bounds = {}, {}
        for iid, rule in link.then.items():
            units = self.units[iid]
            if not isinstance(rule, LinkRange):
                allowed[self.column(iid)] = units.option_indices(rule)
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
