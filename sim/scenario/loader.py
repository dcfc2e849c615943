"""Scenario file → validated :class:`~sim.scenario.schema.Scenario`, or every problem with
its place.

Steps: read plain YAML with places (:mod:`sim.scenario.yamlsource`), resolve ``extends`` by
deep-merging onto the base file, apply ``--set`` overrides, validate with pydantic and the
cross-checks, and map every error back to ``FILE:LINE:COL: dotted.path: message``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.errors import Place, Problem, UserError, did_you_mean, warn
from sim.scenario.crosscheck import CrossCheckError, KeyPath, cross_check, cross_check_warnings
from sim.scenario.distributions import tagged_kind, value_kind
from sim.scenario.schema import Scenario
from sim.scenario.shape import fields_at, takes_a_value
from sim.scenario.yamlsource import DataPath, Document, parse_value, read_yaml

MAX_EXTENDS_DEPTH = 16

SECTIONS = {
    "protocol",
    "battlefield",
    "concession",
    "effects",
    "salience",
    "positions",
    "scale",
    "recognition",
}
"""Mappings of the language that a file may leave out (defaults) and ``--set`` may create."""


def load_document(path: str | Path, overrides: Iterable[str] = ()) -> Document:
    """The scenario document at ``path`` with ``extends`` resolved and overrides applied."""
    doc = _resolve_extends(Path(path), ())
    for override in overrides:
        doc = apply_override(doc, override)
    return doc


def load_scenario(path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Load, merge, override and validate a scenario file (raises UserError with places)."""
    return validate_document(load_document(path, overrides))


def validate_document(doc: Document) -> Scenario:
    """Validate a document; every problem is reported at its place, and what is allowed but
    cannot act (an event past the last round) is warned of at its place
    (:class:`~sim.errors.ScenarioWarning`)."""
    try:
        scenario = Scenario.model_validate(doc.data)
        cross_check(scenario)
    except ValidationError as exc:
        raise UserError([pydantic_problem(doc, e, Scenario) for e in exc.errors()]) from None
    except CrossCheckError as exc:
        raise UserError(
            [
                Problem(doc.place(p, key=isinstance(p, KeyPath)), _dotted(p), m)
                for p, m in exc.problems
            ]
        ) from None
    for path, message in cross_check_warnings(scenario):
        warn(Problem(doc.place(path), _dotted(path), message))
    return scenario


def check_scenario(scenario: Scenario) -> Scenario:
    """``scenario`` as built in code rather than read from a file, checked as a whole as the
    loader checks a file; there is no file to place its problems in, so each names its dotted
    path only."""
    try:
        cross_check(scenario)
    except CrossCheckError as exc:
        raise UserError([Problem(None, _dotted(p), m) for p, m in exc.problems]) from None
    return scenario


def _dotted(path: DataPath) -> str:
    return ".".join(str(p) for p in path)


def pydantic_problem(doc: Document, error: dict, model: type[BaseModel] | None = None) -> Problem:
    """The problem of one pydantic error, at its place in the document; an unknown field of
    ``model`` (the type validated) is given a known one spelt close, if any.

    The error's location is a path through the validated data, except that a union adds the
    tag of its member (:func:`~sim.scenario.distributions.union_tag`), which is no key of the
    document. A distribution's or a choice's own check fails at its tag: the problem is with
    its parameters, written under its kind (``uniform: [lo, hi]``).
    """
    node, path, missing = doc.data, [], None
    loc = error["loc"]
    for n, segment in enumerate(loc):
        member = tagged_kind(segment)
        if member is not None:
            last = n == len(loc) - 1
            if last and missing is None and isinstance(node, dict) and value_kind(node) == member:
                node = node[member]
                path.append(member)
            continue
        if missing is not None:
            missing.append(segment)
        elif (isinstance(node, dict) and segment in node) or (
            isinstance(node, list) and isinstance(segment, int) and segment < len(node)
        ):
            node = node[segment]
            path.append(segment)
        elif segment != "[key]":  # pydantic's mark of a problem with a mapping's key
            missing = [segment]
    kind = error["type"]
    message = error["msg"].removeprefix("Value error, ")
    if kind == "missing":
        message = "required field missing"
    elif kind == "union_tag_not_found":  # a union picked by a field (protocol.kind)
        missing = [*(missing or ()), str(error["ctx"]["discriminator"]).strip("'")]
        message = "required field missing"
    elif kind == "extra_forbidden":
        known = fields_at(loc[:-1], model) if model is not None else ()
        message = "unknown field" + did_you_mean(str(loc[-1]), known)
    elif not isinstance(error.get("input"), dict | list) and kind not in ("uncertain_number",):
        message += f" (got {error['input']!r})"
    full = (*path, *(missing or ()))
    # Unknown fields, bad ids (dict keys) and missing fields are reported at the key that
    # names them (for a missing field: its parent's key, e.g. ``north:``).
    at_key = kind in ("extra_forbidden", "missing", "union_tag_not_found") or "[key]" in loc
    place = doc.place(tuple(path), key=at_key)
    return Problem(place, _dotted(full), message)


def _resolve_extends(path: Path, chain: tuple[Path, ...]) -> Document:
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(str(p) for p in (*chain, resolved))
        raise UserError([Problem(Place(str(path)), "extends", f"cycle: {cycle}")])
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise UserError([Problem(Place(str(path)), "extends", "chain of extends too long")])
    doc = read_yaml(path)
    if not isinstance(doc.data, dict):
        raise UserError([Problem(doc.place(()), "", "a scenario must be a mapping of fields")])
    base_name = doc.data.get("extends")
    if base_name is None:
        return doc
    if not isinstance(base_name, str) or not base_name:
        raise UserError([Problem(doc.place(("extends",)), "extends", "expected a file path")])
    base_path = path.parent / base_name
    if not base_path.is_file():
        raise UserError([Problem(doc.place(("extends",)), "extends", f"no such file: {base_path}")])
    if base_path.resolve() in (*chain, resolved):
        cycle = " -> ".join(str(p) for p in (*chain, resolved, base_path.resolve()))
        raise UserError([Problem(doc.place(("extends",)), "extends", f"cycle: {cycle}")])
    base = _resolve_extends(base_path, (*chain, resolved))
    del doc.data["extends"]
    return merge(base, doc)


def merge(base: Document, over: Document) -> Document:
    """Deep-merge ``over`` onto ``base``: mappings merge key by key, lists of named mappings
    merge item by ``name`` (new names are appended), anything else is replaced — and so are
    distributions, choices and a protocol of another kind, which stand for one value."""
    out = Document(None)
    out.data = _merge(base, (), over, (), out, ())
    return out


def _copy_subtree(src: Document, src_path: DataPath, out: Document, out_path: DataPath):
    values, keys = src.subtree_places(src_path)
    out.values.update({(*out_path, *p): v for p, v in values.items()})
    out.keys.update({(*out_path, *p): v for p, v in keys.items() if p})
    if src_path in src.keys:
        out.keys[out_path] = src.keys[src_path]


def _whole(base: dict, over: dict, path: DataPath) -> bool:
    """Mappings that stand for one value replace each other whole: a distribution, a choice or
    a split where the language takes a value (a variant's ``{normal: ..}`` must not inherit the
    base's ``sd`` or ``clip``; a shares issue's split must add up by itself), and a protocol of
    another ``kind`` (its settings do not carry over). Which it is depends on the place, not
    the keys: a party may be called ``beta``."""
    if takes_a_value(path):
        return True
    return path == ("protocol",) and over.get("kind") != base.get("kind")


def _named(items: Any) -> bool:
    return isinstance(items, list) and all(isinstance(i, dict) and "name" in i for i in items)


def _merge(
    base: Document, bpath: DataPath, over: Document, opath: DataPath, out: Document, path: DataPath
) -> Any:
    b, o = _get(base.data, bpath), _get(over.data, opath)
    if isinstance(b, dict) and isinstance(o, dict) and not _whole(b, o, path):
        out.values[path] = over.values.get(opath) or base.values.get(bpath)
        if path in over.keys or path in base.keys:
            out.keys[path] = over.keys.get(opath) or base.keys.get(bpath)
        result = {}
        for key in [*b, *(k for k in o if k not in b)]:
            if key in o and key in b:
                result[key] = _merge(base, (*bpath, key), over, (*opath, key), out, (*path, key))
            elif key in o:
                result[key] = copy.deepcopy(o[key])
                _copy_subtree(over, (*opath, key), out, (*path, key))
            else:
                result[key] = copy.deepcopy(b[key])
                _copy_subtree(base, (*bpath, key), out, (*path, key))
        return result
    if _named(b) and _named(o):
        out.values[path] = over.values.get(opath)
        out.keys[path] = over.keys.get(opath)
        by_name = {item["name"]: n for n, item in enumerate(o)}
        result = []
        for n, item in enumerate(b):
            if item["name"] in by_name:
                m = by_name.pop(item["name"])
                result.append(_merge(base, (*bpath, n), over, (*opath, m), out, (*path, n)))
            else:
                result.append(copy.deepcopy(item))
                _copy_subtree(base, (*bpath, n), out, (*path, n))
        for m in by_name.values():
            _copy_subtree(over, (*opath, m), out, (*path, len(result)))
            result.append(copy.deepcopy(o[m]))
        return result
    _copy_subtree(over, opath, out, path)
    return copy.deepcopy(o)


def _get(data: Any, path: DataPath) -> Any:
    for segment in path:
        data = data[segment]
    return data


def apply_override(doc: Document, override: str) -> Document:
    """Apply one ``dotted.path=value`` override (value typed as YAML) to a copy of ``doc``.

    Every step of the path but the last must exist, except the language's sections
    (``protocol``, ``battlefield``, ``concession``, ...), which are created when the file leaves
    them to their defaults; list items are named by index or by their ``name``. The override's
    own text stands as the place of the values it sets.
    """
    origin = Place(f"--set {override}")
    if "=" not in override:
        raise UserError([Problem(origin, "", "expected dotted.path=value")])
    text_path, text_value = override.split("=", 1)
    segments = text_path.strip().split(".")
    if not all(segments):
        raise UserError([Problem(origin, "", "expected dotted.path=value")])
    if len(segments) > 4 and segments[0] == "events" and segments[2] == "set":
        # events.<name>.set.<dotted target>: the target is one key of the event's set
        segments = [*segments[:3], ".".join(segments[3:])]
    value = parse_value(text_value, origin.file)
    out = Document(copy.deepcopy(doc.data), dict(doc.values), dict(doc.keys))
    node, path = out.data, ()
    for n, segment in enumerate(segments):
        last = n == len(segments) - 1
        key = _step(node, segment)
        if key is None and not last and isinstance(node, dict) and segment in SECTIONS:
            node[segment] = {}
            out.values[(*path, segment)] = out.keys[(*path, segment)] = origin
            key = segment
        if key is None and not (last and isinstance(node, dict)):
            where = _dotted(path) or "the scenario"
            known: list[str] = []
            if isinstance(node, dict):
                have = f"has: {', '.join(map(str, node))}"
                known = [*map(str, node), *fields_at(path)]
            elif isinstance(node, list):
                names = [item.get("name") if isinstance(item, dict) else None for item in node]
                have = "has: " + ", ".join(
                    f"{i} ({name})" if name else str(i) for i, name in enumerate(names)
                )
                known = [name for name in names if isinstance(name, str)]
            else:
                have = f"it is {node!r}, not a mapping or list"
            message = f"not in {where} ({have}){did_you_mean(segment, known)}"
            raise UserError([Problem(origin, _dotted((*path, segment)), message)])
        key = segment if key is None else key
        path = (*path, key)
        if last:
            for table in (out.values, out.keys):
                for p in [p for p in table if p[: len(path)] == path]:
                    del table[p]
            node[key] = value
            _mark(value, path, origin, out)
            out.keys[path] = origin
        else:
            node = node[key]
    return out


def _step(node: Any, segment: str) -> str | int | None:
    if isinstance(node, dict):
        return segment if segment in node else None
    if isinstance(node, list):
        if segment.isdigit() and int(segment) < len(node):
            return int(segment)
        for n, item in enumerate(node):
            if isinstance(item, dict) and item.get("name") == segment:
                return n
    return None


def _mark(value: Any, path: DataPath, origin: Place, doc: Document) -> None:
    doc.values[path] = origin
    if isinstance(value, dict):
        for k, v in value.items():
            _mark(v, (*path, k), origin, doc)
    elif isinstance(value, list):
        for n, v in enumerate(value):
            _mark(v, (*path, n), origin, doc)


def dump_scenario(scenario: Scenario) -> str:
    """The validated scenario as plain YAML (``extends`` and overrides already applied):
    the resolved ``scenario.yaml`` of a results folder, which loads back to the same scenario."""
    data = scenario.model_dump(mode="json", exclude_unset=True, exclude={"extends"}, by_alias=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
