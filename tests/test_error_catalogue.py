"""docs/errors.md lists every user-facing error message family (issue 7).

The test reads the source of ``sim/`` with :mod:`ast` (nothing is imported or run) and collects
every message a user can see:

- string literals and f-strings passed as the message of ``UserError(...)`` (also the strings of
  a list passed to it), ``Problem(place, path, message)``, ``BlockFailed(...)``,
  ``BatchInterrupted(...)``, ``PydanticCustomError(type, message)`` and the value of every
  ``custom_error_message=`` keyword;
- ``ValueError(...)`` messages in ``sim/scenario/`` and ``sim/experiments/`` only:
  there they are pydantic validators, whose message the loader shows. Elsewhere (e.g.
  ``sim/analysis/statistics.py``) a ValueError is a programming error, not user input;
- the message of every ``yield path, message`` in ``sim/scenario/crosscheck.py``;
- the lines ``sim/cli.py`` prints to standard error (interrupted, a block failed, internal error).

A message that is not written in place is followed one step: a name assigned in the same
function (or module), a call of a function of the same module (its ``return`` values), the
branches of a conditional, the parts of a ``+``; and a helper of the same module that passes one
of its parameters on as a message (``_problem(node, file, message)``) is treated like the
constructors. Messages forwarded whole (``p.message``, ``exc.errors()[0]["msg"]``) have no text
of their own and are left out: their text is collected where it is written.

A message's family key is its longest literal run between placeholders, stripped; runs shorter
than 8 characters are ignored unless the message has no longer one. Every key must appear
verbatim in docs/errors.md; the failure lists every missing one with where it is raised.
Pydantic's own messages and the YAML reader's families are added as fixed keys.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "sim"
CATALOGUE = ROOT / "docs" / "errors.md"

MIN_KEY = 8
GAP = None  # a placeholder in a message template

# Constructors whose argument is a message: name -> (position, keyword).
CONSTRUCTORS = {
    "UserError": (0, "problems"),
    "Problem": (2, "message"),
    "BlockFailed": (0, None),
    "BatchInterrupted": (0, None),
    "PydanticCustomError": (1, "message_template"),
}
MESSAGE_KEYWORDS = {"custom_error_message"}
# Where ValueError is a validator's message the user sees (elsewhere: programming errors).
VALIDATOR_PLACES = ("sim/scenario/", "sim/experiments/")
CROSS_CHECKS = "sim/scenario/crosscheck.py"
CLI = "sim/cli.py"

FIXED_FAMILIES = {
    # pydantic's own wording, passed through by sim/scenario/loader.py
    "Input should be": "pydantic: types, ranges, literals",
    "String should match pattern": "pydantic: ids and names",
    "String should have at most": "pydantic: long ids and names",
    "should have at least": "pydantic: too few issues, parties, options, ...",
    "should have at most": "pydantic: a [lo, hi] pair with more items",
    "required field missing": "sim/scenario/loader.py (pydantic's missing)",
    "unknown field": "sim/scenario/loader.py (pydantic's extra_forbidden)",
    # the YAML reader, sim/scenario/yamlsource.py
    "YAML syntax:": "sim/scenario/yamlsource.py",
    "duplicate key": "sim/scenario/yamlsource.py",
    "is not allowed: scenario files are plain YAML": "sim/scenario/yamlsource.py",
    "nesting deeper than": "sim/scenario/yamlsource.py",
    "expands past": "sim/scenario/yamlsource.py",
    "not UTF-8 text": "sim/scenario/yamlsource.py",
    "not a text file": "sim/scenario/yamlsource.py",
    "the file is empty": "sim/scenario/yamlsource.py",
    "larger than": "sim/scenario/yamlsource.py",
}


@dataclass(frozen=True)
class Message:
    template: tuple[str | None, ...]  # literal runs and GAPs
    where: str  # file:line

    @property
    def key(self) -> str | None:
        return family_key(self.template)


def family_key(template: tuple[str | None, ...]) -> str | None:
    """The longest literal run between placeholders, stripped (runs under MIN_KEY characters
    only when there is no longer one); None for a message with no literal text."""
    runs, current = [], ""
    for part in template:
        if part is GAP:
            runs.append(current)
            current = ""
        else:
            current += part
    runs.append(current)
    runs = [r.strip() for r in runs if r.strip()]
    if not runs:
        return None
    long = [r for r in runs if len(r) >= MIN_KEY]
    return max(long or runs, key=len)


class _Module:
    """One source file: its functions, its assignments, and the helpers that act as sinks."""

    def __init__(self, path: Path):
        self.path = path
        self.rel = path.relative_to(ROOT).as_posix()
        self.tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        self.functions = {
            node.name: node
            for node in self.tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        self.sinks = dict(CONSTRUCTORS)  # grows by this module's helpers
        self._find_helper_sinks()

    def enclosing_function(self, node: ast.AST) -> ast.FunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None

    def message_argument(self, call: ast.Call) -> ast.expr | None:
        name = _called_name(call)
        if name is None:
            return None
        if name == "ValueError" and self.rel.startswith(VALIDATOR_PLACES):
            position, keyword = 0, None
        elif name in self.sinks:
            position, keyword = self.sinks[name]
        else:
            return None
        if position < len(call.args) and not isinstance(call.args[position], ast.Starred):
            return call.args[position]
        for kw in call.keywords:
            if keyword is not None and kw.arg == keyword:
                return kw.value
        return None

    def _find_helper_sinks(self) -> None:
        """A module-level function that passes one of its parameters on as a message."""
        changed = True
        while changed:
            changed = False
            for name, function in self.functions.items():
                if name in self.sinks:
                    continue
                params = [a.arg for a in function.args.posonlyargs + function.args.args]
                for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)):
                    arg = self.message_argument(call)
                    if isinstance(arg, ast.Name) and arg.id in params:
                        self.sinks[name] = (params.index(arg.id), arg.id)
                        changed = True
                        break

    def templates(self, node: ast.expr, seen: frozenset = frozenset()) -> list[tuple]:
        """The message templates ``node`` can stand for; what cannot be followed is a GAP."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [(node.value,)]
        if isinstance(node, ast.JoinedStr):
            found: list[tuple] = [()]
            for value in node.values:
                if isinstance(value, ast.Constant):
                    parts = [(value.value,)]
                else:
                    parts = self._placeholder(value, seen)
                found = [a + b for a in found for b in parts]
            return found
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.templates(node.left, seen), self.templates(node.right, seen)
            return [a + b for a in left for b in right]
        if isinstance(node, ast.IfExp):
            return self.templates(node.body, seen) + self.templates(node.orelse, seen)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            return [t for value in node.values for t in self.templates(value, seen)]
        if isinstance(node, ast.Name) and node.id not in seen:
            return self._name_templates(node, seen | {node.id}) or [(GAP,)]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            function = self.functions.get(node.func.id)
            if function is not None and node.func.id not in seen:
                returns = [
                    n.value
                    for n in ast.walk(function)
                    if isinstance(n, ast.Return)
                    and n.value is not None
                    and not (isinstance(n.value, ast.Constant) and n.value.value is None)
                ]
                inner = seen | {node.func.id}
                return [t for value in returns for t in self.templates(value, inner)] or [(GAP,)]
        return [(GAP,)]

    def _placeholder(self, value: ast.FormattedValue, seen: frozenset) -> list[tuple]:
        """A ``{name}`` stands for its text when that is unambiguous: a name assigned one
        string or f-string, or only plain strings (``{MANIFEST}``, ``{where}``); anything
        else (calls, conditionals, numbers, formats) is a GAP."""
        name = value.value
        if value.conversion != -1 or value.format_spec is not None:
            return [(GAP,)]
        if not isinstance(name, ast.Name) or name.id in seen:
            return [(GAP,)]
        values = self._assignments(name)
        plain = all(isinstance(v, ast.Constant) and isinstance(v.value, str) for v in values)
        one = len(values) == 1 and isinstance(values[0], ast.JoinedStr | ast.Constant)
        if values and (plain or one):
            return [t for v in values for t in self.templates(v, seen | {name.id})]
        return [(GAP,)]

    def _assignments(self, name: ast.Name) -> list[ast.expr]:
        """What a name is assigned, in its function, or else at module level."""
        function = self.enclosing_function(name)
        scopes = [ast.walk(function)] if function is not None else []
        scopes.append(iter(self.tree.body))
        for scope in scopes:
            values = [v for node in scope for v in _assigned(node, name.id)]
            if values:
                return values
        return []

    def _name_templates(self, name: ast.Name, seen: frozenset) -> list[tuple]:
        return [t for value in self._assignments(name) for t in self.templates(value, seen)]

    def messages(self) -> list[Message]:
        found: list[tuple[ast.AST, ast.expr]] = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                arg = self.message_argument(node)
                if isinstance(arg, ast.List):  # UserError([problem or message, ..])
                    found += [
                        (node, e)
                        for e in arg.elts
                        if not isinstance(e, ast.Starred)
                        and not (isinstance(e, ast.Call) and _called_name(e) in self.sinks)
                    ]
                elif arg is not None:
                    found.append((node, arg))
                found += [(node, kw.value) for kw in node.keywords if kw.arg in MESSAGE_KEYWORDS]
                if (
                    self.rel == CLI
                    and _called_name(node) == "print"
                    and any(_is_stderr(kw) for kw in node.keywords)
                    and node.args
                ):
                    found.append((node, node.args[0]))
            elif (
                self.rel == CROSS_CHECKS
                and isinstance(node, ast.Yield)
                and isinstance(node.value, ast.Tuple)
                and len(node.value.elts) == 2
            ):
                found.append((node, node.value.elts[1]))
        return [
            Message(template, f"{self.rel}:{node.lineno}")
            for node, expr in found
            for template in dict.fromkeys(self.templates(expr))
        ]


def _assigned(node: ast.AST, name: str) -> list[ast.expr]:
    """The values ``node`` assigns to ``name`` (``name = v``, ``a, name = x, v``)."""
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.value] if node.target.id == name and node.value is not None else []
    if not isinstance(node, ast.Assign):
        return []
    found = []
    for target in node.targets:
        if isinstance(target, ast.Name) and target.id == name:
            found.append(node.value)
        elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
            for t, v in zip(target.elts, node.value.elts, strict=False):
                if isinstance(t, ast.Name) and t.id == name:
                    found.append(v)
    return found


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _is_stderr(keyword: ast.keyword) -> bool:
    value = keyword.value
    return (
        keyword.arg == "file"
        and isinstance(value, ast.Attribute)
        and value.attr == "stderr"
        and isinstance(value.value, ast.Name)
        and value.value.id == "sys"
    )


def collect_messages(root: Path = SIM) -> list[Message]:
    """Every user-facing message written in the source under ``root``."""
    return [m for path in sorted(root.rglob("*.py")) for m in _Module(path).messages()]


def families(root: Path = SIM) -> dict[str, list[str]]:
    """Family key -> where its messages are raised (the fixed families included)."""
    found: dict[str, list[str]] = {key: [where] for key, where in FIXED_FAMILIES.items()}
    for message in collect_messages(root):
        if message.key is not None:
            found.setdefault(message.key, []).append(message.where)
    return found


def test_the_collector_finds_messages_of_every_kind():
    keys = families()
    expected = [
        "is not allowed in YAML",  # a helper's message, through a local name (yamlsource)
        "; known:",  # a cross-check's message, through a function's return value
        "scale needs min < max",  # a validator's ValueError
        "expected a number, a name, null or a distribution",  # custom_error_message=
        "nothing comparable remains:",  # an f-string to UserError, its literal head
        "negsim: internal error:",  # the CLI's standard error
        "is not available in this version of negsim",  # a UserError with an f-string
    ]
    assert [k for k in expected if k not in keys] == []
    assert not any("confidence must lie in" in k for k in keys)  # statistics.py: not users'


def test_every_error_family_is_in_the_catalogue():
    text = CATALOGUE.read_text(encoding="utf-8")
    missing = {key: where for key, where in families().items() if key not in text}
    assert not missing, (
        f"{len(missing)} error message famil{'y' if len(missing) == 1 else 'ies'} not in "
        "docs/errors.md; add each (a real example line, what it means, the fix):\n"
        + "\n".join(
            f"  {key!r}  ({', '.join(sorted(set(where)))})" for key, where in missing.items()
        )
    )
