"""The scenario language (docs/design.md §2) as pydantic v2 models.

Structure and ranges are checked field by field here; what needs the whole scenario (ids that
must exist, positions inside their issue's scale, events that set real parameters) is the next
step up, :func:`sim.scenario.crosscheck.cross_check`, which reads these models (and the
parameters they declare) and is run by the loader once the structure is sound. Values stay in
the issue's own units here: normalisation happens in :mod:`sim.scenario.units`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Strict, StrictBool, model_validator

from sim.scenario.distributions import (
    DISTRIBUTIONS,
    Choice,
    Finite,
    Id,
    StrictModel,
    _union_of,
    number,
    tagged,
    uncertain,
    value_kind,
)
from sim.scenario.protocols import Mediated, Protocol

Position = Annotated[
    _union_of({"number": Finite, "option": str, "choice": Choice, **DISTRIBUTIONS}),
    Discriminator(
        tagged(value_kind),
        custom_error_type="position",
        custom_error_message=(
            "expected a number in the issue's units, an option name, a distribution or "
            "{choice: {option: weight}}"
        ),
    ),
]
"""A point on one issue: a number on a scale or an option name, either possibly uncertain."""

Split = dict[Id, number(ge=0)]
"""How a shares issue's total is split: party → amount (parties left out get nothing)."""


def _status_quo_kind(value: Any) -> str | None:
    """A status quo is a position, or — for a shares issue — a split {party: amount, ..}."""
    kind = value_kind(value)
    if kind is None and isinstance(value, dict) and value:
        amounts = value.values()
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in amounts):
            return "split"
    return kind


StatusQuo = Annotated[
    _union_of(
        {
            "number": Finite,
            "option": str,
            "choice": Choice,
            **DISTRIBUTIONS,
            "split": Split,
        }
    ),
    Discriminator(
        tagged(_status_quo_kind),
        custom_error_type="status_quo",
        custom_error_message=(
            "expected a number in the issue's units, an option name, a distribution, "
            "{choice: {option: weight}}, or for a shares issue {party: amount, ..}"
        ),
    ),
]

SetValue = Annotated[
    _union_of({"number": Finite, "option": str, "null": None, "choice": Choice, **DISTRIBUTIONS}),
    Discriminator(
        tagged(value_kind),
        custom_error_type="set_value",
        custom_error_message="expected a number, a name, null or a distribution",
    ),
]


class Drawn:
    """Marks a field as a parameter of each replicate: drawn when uncertain, settable by events
    and ``--set``, a ``param.<path>`` column when drawn. The model gives it one value per
    replicate (:func:`drawn_fields`)."""


DRAWN = Drawn()


def drawn_fields(model: type[StrictModel]) -> tuple[str, ...]:
    """The fields of a scenario model marked :data:`DRAWN`, in declaration order."""
    return tuple(name for name, f in model.model_fields.items() if DRAWN in f.metadata)


CONCESSION_STYLES = ("boulware", "linear", "conceder", "hardliner", "rational")
DEFAULT_BETA = {"boulware": 0.5, "linear": 1.0, "conceder": 2.0, "hardliner": 1.0, "rational": 1.0}


class Scale(StrictModel):
    """A numeric issue: outcomes are numbers from ``min`` to ``max`` in ``unit``."""

    min: Finite
    max: Finite
    unit: str = ""

    @model_validator(mode="after")
    def _ordered(self):
        if self.min >= self.max:
            raise ValueError("scale needs min < max")
        return self


class Shares(StrictModel):
    """A divisible total split among named parties (docs/design.md §2): each party's ideal is all of
    it, and its loss on the issue is the share it does not get."""

    among: list[Id] = Field(min_length=2, description="the parties the total is split among")
    total: number(gt=0) = Field(1.0, description="the amount split, in the issue's own units")

    @model_validator(mode="after")
    def _distinct(self):
        if len(set(self.among)) != len(self.among):
            raise ValueError("the parties of a shares issue must be distinct")
        return self


ISSUE_KINDS = ("scale", "options", "shares")
"""The fields of :class:`Issue` that each make an issue of one kind; an issue fills exactly one.
Each kind's model-side behaviour is a class of :mod:`sim.scenario.units`."""


class Issue(StrictModel):
    """One dimension of the deal: a numeric ``scale``, ordered ``options``, or ``shares`` of a
    total among named parties."""

    title: str | None = None
    scale: Scale | None = None
    options: list[Annotated[str, Field(min_length=1)]] | None = Field(
        None, min_length=2, description="ordered from one end of the issue to the other"
    )
    values: list[number(ge=0, le=1)] | None = Field(
        None, description="where each option lies in [0, 1]; default evenly spaced"
    )
    shares: Shares | None = Field(
        None, description="a total split among named parties, summing to the total"
    )
    status_quo: StatusQuo | None = Field(
        None,
        description="what holds if there is no deal (required, except on a shares issue, "
        "where leaving it out means no deal gives nobody any of the total)",
    )
    veto: list[Id] = Field(default_factory=list, description="whose consent the outcome needs")
    battlefield: StrictBool = Field(False, description="the war moves this issue's status quo")

    @model_validator(mode="after")
    def _one_kind(self):
        if sum(getattr(self, kind) is not None for kind in ISSUE_KINDS) != 1:
            *others, last = ISSUE_KINDS
            raise ValueError(f"an issue needs exactly one of {', '.join(others)} or {last}")
        split = isinstance(self.status_quo, dict)
        if self.shares is not None:
            if self.battlefield:
                raise ValueError("battlefield: true needs a scale issue, not shares")
            if self.values is not None:
                raise ValueError("values only goes with options")
            if self.status_quo is not None and not split:
                raise ValueError(
                    "the status quo of a shares issue is a split {party: amount, ..} summing "
                    "to its total, or left out (no deal gives nobody any of it)"
                )
            return self
        if split:
            raise ValueError("a split {party: amount, ..} is the status quo of a shares issue only")
        if self.options is not None:
            if len(set(self.options)) != len(self.options):
                raise ValueError("option names must be unique")
            if self.battlefield:
                raise ValueError("battlefield: true needs a scale issue, not options")
            if self.values is not None and (
                len(self.values) != len(self.options)
                or any(a >= b for a, b in zip(self.values, self.values[1:], strict=False))
            ):
                raise ValueError("values must give one increasing point in [0, 1] per option")
        elif self.values is not None:
            raise ValueError("values only goes with options")
        return self


class Concession(StrictModel):
    """How a party concedes over time (Faratin et al. 1998): ``style`` and its ``beta``."""

    style: Literal["boulware", "linear", "conceder", "hardliner", "rational"] = "linear"
    beta: Annotated[uncertain(gt=0, le=100) | None, DRAWN] = Field(
        None, description="boulware < 1 < conceder; default 0.5 (boulware), 2 (conceder)"
    )
    opening: Annotated[uncertain(ge=0, lt=1), DRAWN] = Field(
        0.0,
        description="the share of the way from its ideal to its reservation value it concedes "
        "at the outset (Faratin et al.'s κ)",
    )
    reciprocity: Annotated[uncertain(ge=0, le=1), DRAWN] = Field(
        0.0,
        description="how far it matches the other parties' concessions (0 not at all, 1 step "
        "for step)",
    )

    @model_validator(mode="after")
    def _beta_fits_style(self):
        if self.beta is None:
            return self
        lo, hi = _support(self.beta)
        if self.style == "boulware" and hi >= 1:
            raise ValueError("boulware needs beta < 1")
        if self.style == "conceder" and lo <= 1:
            raise ValueError("conceder needs beta > 1")
        if self.style in ("linear", "hardliner", "rational"):
            raise ValueError(f"beta does not apply to style {self.style}")
        return self


def _support(value: Any) -> tuple[float, float]:
    return (value, value) if isinstance(value, int | float) else value.support()


class Party(StrictModel):
    """An actor with preferences over packages (a Mesa agent in the model)."""

    title: str | None = None
    capability: Annotated[uncertain(gt=0), DRAWN] = Field(
        description="power it brings to bear (relative)"
    )
    positions: dict[Id, Position] = Field(
        default_factory=dict,
        description="ideal point per issue, native units (none on a shares issue: a party's "
        "ideal there is all of it)",
    )
    salience: dict[Id, uncertain(ge=0)] = Field(
        description="how much it cares per issue (>= 0); issues left out count 0"
    )
    patience: Annotated[uncertain(gt=0, le=1), DRAWN] = Field(
        1.0, description="discount factor per round"
    )
    loss: Annotated[uncertain(ge=1, le=4), DRAWN] = Field(
        1.0, description="1 linear, 2 quadratic utility loss"
    )
    concession: Concession = Field(default_factory=Concession)
    war_cost: Annotated[uncertain(ge=0, le=1), DRAWN] = Field(
        0.0, description="utility lost per round of war"
    )
    optimism: Annotated[uncertain(), DRAWN] = Field(
        0.0, description="drift it adds in its own favour, battlefield units per round"
    )
    learning: Annotated[uncertain(ge=0, le=1), DRAWN] = Field(
        0.2, description="share of the gap to the observed drift its belief closes per round"
    )
    resolve: Annotated[uncertain(gt=0) | None, DRAWN] = Field(
        None,
        description="war costs (utility, summed over rounds) it bears before it has conceded "
        "all the way to its reservation value; default its prospect: the utility it expects "
        "the war to bring it, before costs, as it first bears any",
    )
    deadline: Annotated[uncertain(gt=0) | None, DRAWN] = Field(
        None,
        description="the round by which it must have a deal: it concedes toward its reservation "
        "value as the deadline nears; default none",
    )
    reservation_value: Annotated[uncertain(ge=-100, le=1) | None, DRAWN] = Field(
        None,
        description="an outside option: the utility of walking away; it accepts nothing worth "
        "less than the better of this and fighting on",
    )


class LinkRange(StrictModel):
    """The range a scale issue must stay within under a link (either end may be left out)."""

    min: Finite | None = None
    max: Finite | None = None

    @model_validator(mode="after")
    def _some_end(self):
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError("min must be below max")
        return self


def _link_rule_kind(value: Any) -> str | None:
    """What a link names on an issue: an option, a list of options, or a range {min, max}."""
    if isinstance(value, str):
        return "option"
    if isinstance(value, list):
        return "options"
    if isinstance(value, dict | LinkRange):
        return "range"
    return None


LinkOptions = Annotated[
    _union_of({"option": str, "options": list[str]}),
    Discriminator(
        tagged(_link_rule_kind),
        custom_error_type="link_options",
        custom_error_message="expected an option name or a list of option names",
    ),
]
"""What a link's condition names on an option issue: one option, or any of several."""

LinkRule = Annotated[
    _union_of({"option": str, "options": list[str], "range": LinkRange}),
    Discriminator(
        tagged(_link_rule_kind),
        custom_error_type="link_rule",
        custom_error_message=(
            "expected {min, max} on a scale issue, or an option name or a list of option names "
            "on an option issue"
        ),
    ),
]
"""What a link allows on an issue: a range on a scale issue, the options it leaves on an
option issue."""


class Battlefield(StrictModel):
    """What the war does to ``battlefield: true`` issues while the parties talk."""

    drift: uncertain() = Field(0.0, description="movement per round, issue units (+ toward max)")
    volatility: uncertain(ge=0) = Field(0.0, description="sd of the movement per round")
    effects: dict[Id, uncertain()] = Field(
        default_factory=dict,
        description="drift change per unit of another issue's normalised status quo",
    )


class Link(StrictModel):
    """What cannot go together: when the option issues in ``if`` take one of the named options,
    the issues in ``then`` must stay within what they allow — a range on a scale issue, options
    on an option issue."""

    name: Id | None = None
    when: dict[Id, LinkOptions] = Field(
        alias="if", min_length=1, description="option issue: the option (or options) it takes"
    )
    then: dict[Id, LinkRule] = Field(
        min_length=1,
        description="scale issue: {min, max} in its units; option issue: the allowed option(s)",
    )


class InteractionChange(StrictModel):
    """What an interaction changes for one party on scale issues: the salience it gives them,
    the position it wants on them, or both."""

    salience: dict[Id, number(ge=0)] = Field(
        default_factory=dict,
        description="scale issue: its salience there (as the party's own salience is written)",
    )
    positions: dict[Id, Finite] = Field(
        default_factory=dict, description="scale issue: its ideal point there, native units"
    )

    @model_validator(mode="after")
    def _some_change(self):
        if not self.salience and not self.positions:
            raise ValueError("give salience, positions or both")
        return self


class Interaction(StrictModel):
    """How options change what parties want on scale issues: while the option issues in ``if``
    take one of the named options, each party in ``then`` gives the named scale issues the
    salience stated and wants the positions stated there. Under every combination of options
    each utility stays concave in the scales, so the exact machinery stays exact."""

    name: Id | None = None
    when: dict[Id, LinkOptions] = Field(
        alias="if", min_length=1, description="option issue: the option (or options) it takes"
    )
    then: dict[Id, InteractionChange] = Field(
        min_length=1, description="party: its salience and/or positions on scale issues"
    )


class Event(StrictModel):
    """Something that may happen at the start of a round and changes parameters from then on."""

    name: Id
    title: str | None = None
    round: Annotated[int, Strict(), Field(ge=1)]
    probability: uncertain(ge=0, le=1) = 1.0
    set: dict[str, SetValue] = Field(
        default_factory=dict, description="dotted parameter path: new value"
    )


class IssueReference(StrictModel):
    """What is known of one issue's outcome: models' published forecasts and what happened."""

    forecasts: dict[Annotated[str, Field(min_length=1)], Finite] = Field(
        default_factory=dict,
        description="published forecast per model (model name: value in the issue's units)",
    )
    actual: Finite | None = Field(
        None, description="the actual outcome in the issue's units; null where not known"
    )
    note: str | None = Field(None, description="how the values were read from the source")


class Reference(StrictModel):
    """Published forecasts and actual outcomes of a real case, for validation (never read by
    the model)."""

    source: str = Field(min_length=1, description="author, year, table or repository path")
    issues: dict[Id, IssueReference] = Field(min_length=1)


class Scenario(StrictModel):
    """One negotiation: issues, parties, protocol, dynamics, events, uncertainty."""

    schema_version: Literal[1] = 1
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64)]
    title: str | None = None
    description: str | None = None
    extends: str | None = Field(
        None, description="path of a base scenario this file overrides (deep merge)"
    )
    rounds: Annotated[int, Strict(), Field(ge=1, le=10_000)]
    round_label: str = "round"
    issues: dict[Id, Issue] = Field(min_length=1)
    parties: dict[Id, Party] = Field(min_length=2)
    protocol: Protocol = Field(default_factory=Mediated)
    battlefield: Battlefield = Field(default_factory=Battlefield)
    events: list[Event] = Field(default_factory=list)
    links: list[Link] = Field(
        default_factory=list, description="combinations a deal cannot contain"
    )
    interactions: list[Interaction] = Field(
        default_factory=list,
        description="options that change a party's salience or position on a scale issue",
    )
    reference: Reference | None = Field(
        None, description="published forecasts and actual outcomes of a real case"
    )

    @property
    def inert_issues(self) -> frozenset[str]:
        """Option issues no party can ever care about: salience 0 for every party, no event
        that sets one, and no link or interaction that names them. A deal leaves them as they
        are."""
        moved = {
            target.split(".")[3]
            for event in self.events
            for target in event.set
            if target.startswith("parties.") and ".salience." in target
        }
        moved |= {iid for link in self.links for iid in (*link.when, *link.then)}
        moved |= {iid for interaction in self.interactions for iid in interaction.when}
        return frozenset(
            iid
            for iid, issue in self.issues.items()
            if issue.options is not None
            and iid not in moved
            and all(party.salience.get(iid, 0.0) == 0 for party in self.parties.values())
        )

    @property
    def veto_holders(self) -> list[str]:
        """Parties whose consent a deal needs: every party in any issue's veto list."""
        named = {p for issue in self.issues.values() for p in issue.veto}
        return [p for p in self.parties if p in named]
