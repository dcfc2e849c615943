"""The values of the scenario language: numbers, ids, and the distributions a scenario may
write wherever a number or an option stands.

Each replicate draws its own value once, at its start (docs/design.md §2). A distribution knows its
support (after ``clip``), its mean (``negsim show`` displays distributions by their mean) and how
to draw a vector of values for a block of replicates.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable
from typing import Annotated, Any

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    Tag,
    field_validator,
    model_validator,
)

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
"""Ids of issues, parties and events: lower_snake_case."""


def number(**bounds: float) -> Any:
    """A finite float within ``bounds`` (ge, gt, le, lt). Strict: a quoted "12" is text, not a
    number, and a boolean is not a number."""
    return Annotated[float, Strict(), Field(allow_inf_nan=False, **bounds)]


Finite = number()


class StrictModel(BaseModel):
    """Base of every scenario model: unknown keys are errors, numbers must be finite."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


OPEN_AT_ZERO = math.ulp(0.0)
"""The lower end of a support open at 0 (a lognormal's): the smallest positive float, above 0
and below every draw."""


class _Distribution(StrictModel):
    clip: tuple[Finite, Finite] | None = Field(
        None, description="[lo, hi]: draws outside are moved to the nearest bound"
    )

    @field_validator("clip")
    @classmethod
    def _clip_ordered(cls, clip):
        if clip is not None and clip[0] > clip[1]:
            raise ValueError("clip must be [lo, hi] with lo <= hi")
        return clip

    def _raw_support(self) -> tuple[float, float]:
        raise NotImplementedError

    def _raw_mean(self) -> float:
        raise NotImplementedError

    def _raw_draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        raise NotImplementedError

    def support(self) -> tuple[float, float]:
        """Smallest interval holding every possible draw."""
        lo, hi = self._raw_support()
        if self.clip is None:
            return lo, hi
        return max(lo, self.clip[0]) if lo < self.clip[1] else self.clip[1], (
            min(hi, self.clip[1]) if hi > self.clip[0] else self.clip[0]
        )

    def describe_support(self) -> str:
        """The support as messages show it, ``[lo, hi]``: a bound no draw reaches (a lognormal's
        0, held as the smallest positive float) is written as the number it stands for."""
        lo, hi = self.support()
        return f"[{0.0 if lo == OPEN_AT_ZERO else lo:g}, {hi:g}]"

    def mean(self) -> float:
        """Mean of the distribution, clipped into its support (a display value)."""
        lo, hi = self.support()
        return float(min(max(self._raw_mean(), lo), hi))

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        values = self._raw_draw(rng, size)
        # Into the support: applies clip, and catches rounding at the bounds (a beta rescaled
        # to [lo, hi], a lognormal with sd 0), so no draw can leave the range validated.
        return np.clip(values, *self.support(), out=values)


class NormalParams(StrictModel):
    mean: Finite
    sd: number(ge=0)


class Normal(_Distribution):
    normal: NormalParams

    def _raw_support(self):
        return (-math.inf, math.inf) if self.normal.sd > 0 else (self.normal.mean,) * 2

    def _raw_mean(self):
        return self.normal.mean

    def _raw_draw(self, rng, size):
        return rng.normal(self.normal.mean, self.normal.sd, size)


class Uniform(_Distribution):
    uniform: tuple[Finite, Finite] = Field(description="[lo, hi]")

    @model_validator(mode="after")
    def _ordered(self):
        if self.uniform[0] > self.uniform[1]:
            raise ValueError("uniform must be [lo, hi] with lo <= hi")
        return self

    def _raw_support(self):
        return self.uniform

    def _raw_mean(self):
        return sum(self.uniform) / 2

    def _raw_draw(self, rng, size):
        return rng.uniform(self.uniform[0], self.uniform[1], size)


class Triangular(_Distribution):
    triangular: tuple[Finite, Finite, Finite] = Field(description="[lo, mode, hi]")

    @model_validator(mode="after")
    def _ordered(self):
        lo, mode, hi = self.triangular
        if not lo <= mode <= hi:
            raise ValueError("triangular must be [lo, mode, hi] with lo <= mode <= hi")
        return self

    def _raw_support(self):
        return self.triangular[0], self.triangular[2]

    def _raw_mean(self):
        return sum(self.triangular) / 3

    def _raw_draw(self, rng, size):
        lo, mode, hi = self.triangular
        if lo == hi:
            return np.full(size, lo, dtype=float)
        return rng.triangular(lo, mode, hi, size)


class BetaParams(StrictModel):
    a: number(gt=0)
    b: number(gt=0)
    lo: Finite = Field(0.0, description="the draw is rescaled from [0, 1] to [lo, hi]")
    hi: Finite = 1.0

    @model_validator(mode="after")
    def _ordered(self):
        if self.lo >= self.hi:
            raise ValueError("beta needs lo < hi")
        return self


class Beta(_Distribution):
    beta: BetaParams

    def _raw_support(self):
        return self.beta.lo, self.beta.hi

    def _raw_mean(self):
        p = self.beta
        return p.lo + (p.hi - p.lo) * p.a / (p.a + p.b)

    def _raw_draw(self, rng, size):
        p = self.beta
        return p.lo + (p.hi - p.lo) * rng.beta(p.a, p.b, size)


class LogNormalParams(StrictModel):
    mean: number(gt=0) = Field(description="mean of the value itself (not of its logarithm)")
    sd: number(ge=0) = Field(description="standard deviation of the value itself")


class LogNormal(_Distribution):
    lognormal: LogNormalParams

    def _raw_support(self):
        return (OPEN_AT_ZERO, math.inf) if self.lognormal.sd > 0 else (self.lognormal.mean,) * 2

    def _raw_mean(self):
        return self.lognormal.mean

    def _raw_draw(self, rng, size):
        m, s = self.lognormal.mean, self.lognormal.sd
        sigma2 = math.log1p((s / m) ** 2)
        return rng.lognormal(math.log(m) - sigma2 / 2, math.sqrt(sigma2), size)


class Choice(StrictModel):
    """An uncertain option: ``{choice: {option: weight, ..}}``, weights normalised."""

    choice: dict[str, number(ge=0)] = Field(min_length=1)

    @model_validator(mode="after")
    def _some_weight(self):
        if sum(self.choice.values()) <= 0:
            raise ValueError("choice needs at least one positive weight")
        return self

    def probabilities(self, options: list[str]) -> np.ndarray:
        """Probability of each of ``options`` (in that order)."""
        weights = np.array([self.choice.get(o, 0.0) for o in options])
        return weights / weights.sum()

    def mode(self) -> str:
        return max(self.choice, key=self.choice.__getitem__)

    def draw(self, rng: np.random.Generator, size: int, options: list[str]) -> np.ndarray:
        """Indices into ``options``."""
        cumulative = np.cumsum(self.probabilities(options))
        index = np.searchsorted(cumulative, rng.random(size) * cumulative[-1], side="right")
        return np.minimum(index, len(options) - 1)


DISTRIBUTION_KINDS = ("normal", "uniform", "triangular", "beta", "lognormal")
DISTRIBUTIONS = {
    "normal": Normal,
    "uniform": Uniform,
    "triangular": Triangular,
    "beta": Beta,
    "lognormal": LogNormal,
}


def value_kind(value: Any) -> str | None:
    """Which form a value takes: number, option (a name), null, choice, or a distribution kind."""
    if isinstance(value, BaseModel):
        for kind, model in DISTRIBUTIONS.items():
            if isinstance(value, model):
                return kind
        return "choice" if isinstance(value, Choice) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "option"
    if value is None:
        return "null"
    if isinstance(value, dict):
        found = [k for k in (*DISTRIBUTION_KINDS, "choice") if k in value]
        return found[0] if len(found) == 1 else None
    return None


def union_tag(kind: str) -> str:
    """The name of a union's member ``kind`` in pydantic's error locations.

    Spelled apart from every key a scenario may hold — a party or an issue may be called
    ``beta``, a concession has a ``beta`` field — so that the loader, mapping a location back
    to the document, never takes a member for a key or a key for a member.
    """
    return f"<{kind}>"


def tagged_kind(segment: str | int) -> str | None:
    """The kind a segment of an error location names, if it is a union's tag (None: it is a key
    or an index)."""
    if isinstance(segment, str) and segment.startswith("<") and segment.endswith(">"):
        return segment[1:-1]
    return None


def tagged(kind_of: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    """``kind_of`` as a union's discriminator: the tag of the member it picks (None: none)."""

    @functools.wraps(kind_of)
    def tag(value: Any) -> str | None:
        kind = kind_of(value)
        return None if kind is None else union_tag(kind)

    return tag


def _union_of(kinds: dict[str, Any]) -> Any:
    """A union of ``kinds`` (kind: type), each tagged for a discriminator made with
    :func:`tagged` (clear errors, clean JSON Schema)."""
    return functools.reduce(
        operator.or_, [Annotated[t, Tag(union_tag(k))] for k, t in kinds.items()]
    )


DISTRIBUTION_MESSAGE = (
    "expected a number or a distribution: {normal: {mean, sd}}, {uniform: [lo, hi]}, "
    "{triangular: [lo, mode, hi]}, {beta: {a, b}} or {lognormal: {mean, sd}}"
)


def draw_numbers(value: Any, rng: np.random.Generator | None, size: int) -> np.ndarray:
    """``size`` draws of a number as written: a distribution's draws, or the number itself."""
    if isinstance(value, _Distribution):
        return value.draw(rng, size)
    return np.full(size, float(value))


def central_number(value: Any) -> float:
    """A number as written at its centre: a distribution's mean, or the number itself."""
    return value.mean() if isinstance(value, _Distribution) else float(value)


def describe_range(
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
) -> str:
    """The allowed range in words, e.g. ``> 0 and <= 1``."""
    low = f">= {ge:g}" if ge is not None else f"> {gt:g}" if gt is not None else ""
    high = f"<= {le:g}" if le is not None else f"< {lt:g}" if lt is not None else ""
    return " and ".join(p for p in (low, high) if p) or "any finite number"


def support_within(
    support: tuple[float, float],
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
) -> bool:
    lo, hi = support
    return not (
        (ge is not None and lo < ge)
        or (gt is not None and lo <= gt)
        or (le is not None and hi > le)
        or (lt is not None and hi >= lt)
    )


def uncertain(
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
    lt: float | None = None,
) -> Any:
    """The type of a number that may be uncertain, bounded to an allowed range.

    A plain number must lie in the range; a distribution's support (after ``clip``) must too,
    so that no draw can leave it.
    """
    bounded = number(ge=ge, gt=gt, le=le, lt=lt)

    def check_support(value):
        if isinstance(value, _Distribution) and not support_within(value.support(), ge, gt, le, lt):
            raise ValueError(
                f"the distribution can draw values in {value.describe_support()}, outside the "
                f"allowed range ({describe_range(ge, gt, le, lt)}): narrow it or add clip: [lo, hi]"
            )
        return value

    return Annotated[
        _union_of({"number": bounded, **DISTRIBUTIONS}),
        Discriminator(
            tagged(value_kind),
            custom_error_type="uncertain_number",
            custom_error_message=DISTRIBUTION_MESSAGE,
        ),
        AfterValidator(check_support),
    ]
