"""Plain YAML with positions: the first step of the data flow (file → document).

PyYAML's composer gives a node graph that keeps each node's line and column. We build plain
Python data from it ourselves so that nothing but plain YAML gets through: no tags that construct
objects, no duplicate keys, no alias expansion past ``MAX_NODES``, no nesting past ``MAX_DEPTH``.
Scalars resolve by the YAML 1.2 core schema (``no`` and ``on`` stay strings; no timestamps).
Every value and key keeps its :class:`~sim.errors.Place`, keyed by its path in the data.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml
from yaml.composer import Composer
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from sim.errors import Place, Problem, UserError

MAX_NODES = 100_000
MAX_DEPTH = 64
MAX_BYTES = 1_000_000

DataPath = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}


class _CoreResolver(BaseResolver):
    """Implicit scalar types of the YAML 1.2 core schema, and nothing else."""

    yaml_implicit_resolvers: ClassVar[dict] = {}


for _tag, _pattern, _first in [
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
]:
    _CoreResolver.add_implicit_resolver(_TAG + _tag, re.compile(_pattern), list(_first))


class _Composer(Reader, Scanner, Parser, Composer, _CoreResolver):
    def __init__(self, stream: str, file: str):
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _CoreResolver.__init__(self)
        self.file = file
        self.depth = 0

    def compose_node(self, parent, index):
        # Refuse deep nesting while parsing: the scanner's cost grows with the square of the
        # nesting depth, so a file of many deep nests would otherwise take minutes to refuse.
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH + 1:
                mark = self.peek_event().start_mark
                place = Place(self.file, mark.line + 1, mark.column + 1)
                message = f"nesting deeper than {MAX_DEPTH} levels"
                raise UserError([Problem(place, "", message)])
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


@dataclass
class Document:
    """Plain data from one or more YAML sources, with the place of every value and key."""

    data: Any
    values: dict[DataPath, Place] = field(default_factory=dict)
    keys: dict[DataPath, Place] = field(default_factory=dict)

    def place(self, path: DataPath, *, key: bool = False) -> Place | None:
        """The place of ``path``, or of its deepest ancestor that has one."""
        table = self.keys if key else self.values
        for n in range(len(path), -1, -1):
            found = table.get(path[:n]) or (self.values.get(path[:n]) if key else None)
            if found is not None:
                return found
        return None

    def subtree_places(self, path: DataPath) -> tuple[dict, dict]:
        """Places of everything under ``path``, keyed relative to it."""
        n = len(path)
        return (
            {p[n:]: v for p, v in self.values.items() if p[:n] == path},
            {p[n:]: v for p, v in self.keys.items() if p[:n] == path},
        )


def _scalar(node: ScalarNode, file: str) -> Any:
    tag, text = node.tag, node.value
    if tag == _TAG + "str":
        return text
    if tag == _TAG + "null":
        return None
    if tag == _TAG + "bool":
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
    elif tag == _TAG + "int":
        try:
            return int(text, 0) if text[:2] in ("0x", "0o") else int(text)
        except ValueError:
            pass
    elif tag == _TAG + "float":
        lowered = text.lower().lstrip("+")
        if lowered in (".inf", "-.inf", ".nan"):
            return {".inf": math.inf, "-.inf": -math.inf, ".nan": math.nan}[lowered]
        try:
            return float(text)
        except ValueError:
            pass
    name = tag.removeprefix(_TAG)
    raise _problem(node, file, f"{text!r} is not a valid {name}")


def _problem(node: Node, file: str, message: str) -> UserError:
    mark = node.start_mark
    return UserError([Problem(Place(file, mark.line + 1, mark.column + 1), "", message)])


class _Builder:
    """Turns a composed node graph into plain data, recording places; enforces the limits."""

    def __init__(self, file: str):
        self.file = file
        self.doc = Document(None)
        self.count = 0

    def place(self, node: Node) -> Place:
        return Place(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: Node, path: DataPath) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _problem(
                node, self.file, f"the document expands past {MAX_NODES} values (alias bomb?)"
            )
        if len(path) > MAX_DEPTH:
            raise _problem(node, self.file, f"nesting deeper than {MAX_DEPTH} levels")
        if node.tag not in _PLAIN_TAGS:
            raise _problem(
                node,
                self.file,
                f"YAML tag {node.tag!r} is not allowed: scenario files are plain YAML",
            )
        self.doc.values[path] = self.place(node)
        if isinstance(node, ScalarNode):
            return _scalar(node, self.file)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, MappingNode)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag not in _PLAIN_TAGS:
                raise _problem(key_node, self.file, "mapping keys must be plain scalars")
            key = key_node.value
            if key in result:
                first = self.doc.keys[(*path, key)]
                raise _problem(
                    key_node, self.file, f"duplicate key {key!r} (first at line {first.line})"
                )
            self.doc.keys[(*path, key)] = self.place(key_node)
            result[key] = self.build(value_node, (*path, key))
        return result


if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _FastComposer(CParser, _CoreResolver):
        """libyaml's parser and composer (fast on large files; it limits nesting itself),
        with our YAML 1.2 core resolver."""

        def __init__(self, stream: str, file: str):
            CParser.__init__(self, stream)
            _CoreResolver.__init__(self)
else:  # PyYAML built without libyaml: the pure-Python composer
    _FastComposer = _Composer


def _text_place(file: str, text: str, position: int) -> Place:
    """The place of the character at ``position`` of ``text``."""
    line = text.count("\n", 0, position)
    return Place(file, line + 1, position - (text.rfind("\n", 0, position) + 1) + 1)


def parse_yaml(text: str, file: str) -> Document:
    """Parse one YAML document into plain data with places; raise UserError on any problem."""
    composer = _FastComposer(text, file)
    try:
        root = composer.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(str(s) for s in (exc.context, exc.problem) if s)
        alias = re.match(r"\*([^\s,\]}]+)", text[mark.index :]) if mark else None
        if alias and "undefined alias" in message and alias.group(1) not in message:
            message += f" {alias.group(1)!r}"  # libyaml does not name it
        if "found character that" in message and mark and mark.index < len(text):
            message = message.replace("character", f"character {text[mark.index]!r}", 1)
        place = Place(file, mark.line + 1, mark.column + 1) if mark else Place(file, 1, 1)
        if "maximum nesting depth" in message:  # libyaml's own limit, far past ours
            message = f"nesting deeper than {MAX_DEPTH} levels"
        else:
            message = f"YAML syntax: {message}"
        raise UserError([Problem(place, "", message)]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        place = _text_place(file, text, exc.position)
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        message = f"character U+{code:04X} is not allowed in YAML"
        raise UserError([Problem(place, "", message)]) from None
    except yaml.YAMLError as exc:
        raise UserError([Problem(Place(file, 1, 1), "", f"YAML syntax: {exc}")]) from None
    finally:
        composer.dispose()
    if root is None:
        raise UserError([Problem(Place(file, 1, 1), "", "the file is empty")])
    builder = _Builder(file)
    builder.doc.data = builder.build(root, ())
    return builder.doc


def read_yaml(path: Path) -> Document:
    """Read and parse a YAML file, refusing unreadable, binary or oversized ones."""
    file = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError([Problem(Place(file), "", f"cannot read: {exc.strerror}")]) from None
    if len(raw) > MAX_BYTES:
        raise UserError([Problem(Place(file, 1, 1), "", f"larger than {MAX_BYTES:,} bytes")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        place = _byte_place(file, raw, exc.start)
        raise UserError([Problem(place, "", f"not UTF-8 text (byte {exc.start})")]) from None
    if "\x00" in text:
        place = _byte_place(file, raw, raw.index(b"\x00"))
        raise UserError([Problem(place, "", "not a text file (NUL byte)")])
    return parse_yaml(text, file)


def _byte_place(file: str, raw: bytes, offset: int) -> Place:
    """The line and column (in characters) of byte ``offset`` of ``raw``."""
    line_start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[line_start:offset].decode("utf-8", errors="replace")) + 1
    return Place(file, raw.count(b"\n", 0, offset) + 1, column)


def parse_value(text: str, origin: str) -> Any:
    """A YAML-typed value from the command line (``--set p=v``): ``0.4``, ``null``, ``{..}``."""
    if text.strip() == "":
        return ""
    try:
        return parse_yaml(text, origin).data
    except UserError as exc:  # a place inside a one-line value would only confuse
        raise UserError([Problem(Place(origin), p.path, p.message) for p in exc.problems]) from None
