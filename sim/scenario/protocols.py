"""The protocols of the scenario language (docs/scenario-language.md, docs/model.md §4): each
protocol's settings, by its ``kind``, and the ``protocol:`` union that reads them.

**Adding a protocol** is its settings class here and one line in :data:`PROTOCOL_SETTINGS`; the
model's side is one module in ``sim/model/protocols/`` and one line in its ``PROTOCOLS``
(docs/contributing.md).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, model_validator

from sim.scenario.distributions import Id, StrictModel, _union_of, number, tagged, uncertain


class Quota(StrictModel):
    quota: number(gt=0, le=1) = Field(
        description="besides every veto holder, the capability-weighted share of all parties "
        "that must accept"
    )


def _rule_kind(value: Any) -> str:
    return "quota" if isinstance(value, dict | Quota) else "rule"


Ratification = Annotated[
    _union_of({"rule": Literal["veto", "unanimity"], "quota": Quota}),
    Discriminator(tagged(_rule_kind)),
]
"""Who must accept: every veto holder, every party, or a capability-weighted quota."""


class Mediated(StrictModel):
    """A mediator puts one text on the table each round (docs/design.md §3)."""

    kind: Literal["mediated"] = "mediated"
    mediator: Id | None = Field(None, description="a party id, or null for a neutral mediator")
    mediator_bias: uncertain(ge=0, lt=1) = Field(
        0.0,
        description="the share of the surplus the mediator's text tilts toward its own wants: 0 "
        "even-handed, toward 1 its own",
    )
    breakdown: uncertain(ge=0, le=1) = Field(
        0.0, description="the chance each round that the talks break down without a deal"
    )
    ratification: Ratification = Field(
        "veto", description="veto (every veto holder), unanimity, or {quota: share}"
    )


class Alternating(StrictModel):
    """One proposer per round, by recognition probability or a fixed order (docs/design.md §3)."""

    kind: Literal["alternating"]
    recognition: dict[Id, number(ge=0)] | None = Field(
        None,
        description="probability weights of being the proposer; parties left out never "
        "propose; default proportional to capability",
    )
    order: list[Id] | None = Field(
        None, description="a fixed cycle of proposers instead of recognition"
    )
    decision: Annotated[
        _union_of({"rule": Literal["unanimity", "majority"], "quota": Quota}),
        Discriminator(tagged(_rule_kind)),
    ] = Field(
        "unanimity",
        description="who must vote yes (the proposer votes for its own proposal): every party, "
        "more than half of the parties, or {quota: share} of total capability",
    )
    ratification: Ratification = Field(
        "veto",
        description="on top of the decision: veto (every veto holder), unanimity, or "
        "{quota: share}",
    )
    breakdown: uncertain(ge=0, le=1) = Field(
        0.0, description="the chance each round that the talks break down without a deal"
    )

    @model_validator(mode="after")
    def _one_rule(self):
        if self.recognition is not None and self.order is not None:
            raise ValueError("give recognition or order, not both")
        return self


class ExpectedUtility(StrictModel):
    """Bueno de Mesquita's expected-utility model (Scholz, Calbert & Smith 2011)."""

    kind: Literal["expected_utility"]
    q: number(ge=0, le=1) = Field(
        1.0, description="Q: probability the status quo holds if no challenge is made"
    )
    t: number(ge=0, le=1) = Field(
        1.0, description="T: probability a change without challenge is for the better"
    )


class Compromise(StrictModel):
    """Stokman's one-shot compromise Σ c·s·x / Σ c·s."""

    kind: Literal["compromise"]


def _protocol_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("kind", "mediated")
    return getattr(value, "kind", None)


PROTOCOL_SETTINGS: dict[str, type[StrictModel]] = {
    "mediated": Mediated,
    "alternating": Alternating,
    "expected_utility": ExpectedUtility,
    "compromise": Compromise,
}
"""The settings of every protocol by its ``kind``: the one list the language reads (the union
below, its error message). The model's counterpart is ``PROTOCOLS`` in
``sim/model/protocols/__init__.py``, with the same kinds (a test holds them together)."""

*_OTHERS, _LAST = PROTOCOL_SETTINGS
PROTOCOL_KIND_MESSAGE = f"kind: expected {', '.join(_OTHERS)} or {_LAST}"

Protocol = Annotated[
    _union_of(PROTOCOL_SETTINGS),
    Discriminator(
        tagged(_protocol_kind),
        custom_error_type="protocol_kind",
        custom_error_message=PROTOCOL_KIND_MESSAGE,
    ),
]
"""The protocol, by ``kind`` (``mediated`` when the kind is left out)."""
