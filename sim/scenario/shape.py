"""What the scenario language expects at a place of a document, read from the schema's types.

A place is a path of keys and list indices (``parties.north.capability``), or a location of a
pydantic error, which may also name a union's member by its tag
(:func:`~sim.scenario.distributions.union_tag`). The loader asks two things of it: whether a
mapping there is one value (replaced whole by a variant) or fields to merge, and which fields a
misspelt key might have meant.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Tag

from sim.scenario.distributions import Choice, _Distribution, tagged_kind
from sim.scenario.schema import Scenario

Member = tuple[Any, str | None]
"""A type a place admits, with the tag that names it in its union (None outside unions)."""


def members_at(place: Sequence[str | int], root: type[BaseModel] = Scenario) -> list[Member]:
    """The types ``root`` (the language) admits at ``place`` (none: no place of it).

    A tag in ``place`` keeps only the union member it names; keys and indices step into the
    fields of models, the values of mappings and the items of lists.
    """
    found = _members(root)
    for segment in place:
        if tagged_kind(segment) is not None:
            found = [m for m in found if m[1] == segment]
        else:
            found = [m for kind, _ in found for m in _members(_child(kind, segment))]
        if not found:
            break
    return found


def takes_a_value(place: Sequence[str | int]) -> bool:
    """Whether the language takes one value at ``place`` — a number, an option, a
    distribution, a choice — rather than a mapping of fields or ids: a type it admits there
    is a distribution or a choice."""
    return any(_is_value(kind) for kind, _ in members_at(place))


def fields_at(place: Sequence[str | int], root: type[BaseModel] = Scenario) -> list[str]:
    """The field names of the mappings ``root`` admits at ``place`` (of every member of a
    union, unless ``place`` ends with one's tag)."""
    names: dict[str, None] = {}
    for kind, _ in members_at(place, root):
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            names.update(dict.fromkeys(kind.model_fields))
    return list(names)


def _is_value(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, _Distribution | Choice)


def _members(kind: Any, tag: str | None = None) -> list[Member]:
    """The types an annotation admits, unions and ``Annotated`` unwrapped (none for None)."""
    if kind is None:
        return []
    origin = typing.get_origin(kind)
    if origin is typing.Annotated:
        inner, *metadata = typing.get_args(kind)
        tag = next((m.tag for m in metadata if isinstance(m, Tag)), tag)
        return _members(inner, tag)
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(kind) for m in _members(arg)]
    return [(kind, tag)]


def _child(kind: Any, segment: str | int) -> Any:
    """The annotation of ``segment`` inside a value of type ``kind`` (None: it has none)."""
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        field = kind.model_fields.get(segment) if isinstance(segment, str) else None
        return field.annotation if field else None
    origin = typing.get_origin(kind)
    if origin is dict:
        return typing.get_args(kind)[1]
    if origin is list and isinstance(segment, int):
        return typing.get_args(kind)[0]
    return None
