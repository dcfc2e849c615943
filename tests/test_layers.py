"""The data walks one way: scenario → model → batch → experiments → analysis → views → the
command line and the Python API, on a foundation of bargaining mathematics that every stage may
use and that uses none of them. No module imports from a stage to its right — not at the top,
not inside a function, not for type hints only — so there is no loop between stages either
(analysis never reaches for a view to render, a batch never for an experiment). Inside a stage
too, no module imports one that imports it back, by any road: a circle of imports is a piece
that belongs below both, not yet moved there.

The tests read the source with :mod:`ast`; nothing is imported.
"""

from __future__ import annotations

import ast
from collections import deque
from itertools import pairwise
from pathlib import Path

SIM = Path(__file__).resolve().parents[1] / "sim"
STAGES = ("bargaining", "scenario", "model", "batch", "experiments", "analysis", "views")
TOP = len(STAGES)  # sim/cli.py and sim/__init__.py: the way in, they may import anything
SHARED = {"sim.errors", "sim.version"}  # the user-facing error types, the version


def _stage(module: str) -> int | None:
    """The stage of a module of ``sim`` (None for a shared one)."""
    if module in SHARED:
        return None
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in STAGES:
        return STAGES.index(parts[1])
    return TOP


def _module(path: Path, root: Path = SIM.parent) -> str:
    relative = path.relative_to(root).with_suffix("")
    return ".".join(relative.parts).removesuffix(".__init__")


def _import_statements(path: Path, root: Path) -> list[tuple[str, tuple[str, ...], int]]:
    """Every import in ``path`` (a file under ``root``), anywhere in it: the module named
    (relative imports resolved), the names a ``from`` import takes from it, and the line."""
    module = _module(path, root)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, (), node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.append((base, tuple(alias.name for alias in node.names), node.lineno))
    return [
        (name, names, line)
        for name, names, line in found
        if name == "sim" or name.startswith("sim.")
    ]


def _imports(path: Path, root: Path = SIM.parent) -> list[tuple[str, int]]:
    """Every module of ``sim`` that ``path`` (a file under ``root``) imports, with the line."""
    return [(name, line) for name, _, line in _import_statements(path, root)]


def _import_graph(root: Path = SIM.parent) -> dict[str, dict[str, int]]:
    """Each module of ``root``'s ``sim`` → the modules it imports, each with its first line.

    ``from package import name`` imports the module ``package.name`` where there is one, else
    ``package`` itself. A package's ``__init__`` that Python runs before its modules is not an
    import the module makes.
    """
    paths = {_module(path, root): path for path in sorted((root / "sim").rglob("*.py"))}
    graph: dict[str, dict[str, int]] = {}
    for module, path in paths.items():
        edges = graph[module] = {}
        for name, names, line in _import_statements(path, root):
            submodules = [f"{name}.{n}" for n in names if f"{name}.{n}" in paths]
            for target in submodules or [name]:
                if target in paths and target != module:
                    edges.setdefault(target, line)
    return graph


def _circles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Every circle of imports, each once, as the shortest road from its first module (in
    name order) back to itself."""
    circles: dict[frozenset[str], list[str]] = {}
    for start in sorted(graph):
        came_from: dict[str, str] = {}
        queue = deque([start])
        while queue and start not in came_from:
            here = queue.popleft()
            for there in graph[here]:
                if there not in came_from:
                    came_from[there] = here
                    queue.append(there)
        if start in came_from:
            road = [start]
            while len(road) == 1 or road[-1] != start:
                road.append(came_from[road[-1]])
            road.reverse()
            circles.setdefault(frozenset(road), road)
    return list(circles.values())


def _described(circle: list[str], graph: dict[str, dict[str, int]]) -> str:
    steps = [f"{a} (line {graph[a][b]})" for a, b in pairwise(circle)]
    return " → ".join([*steps, circle[-1]])


def test_no_module_imports_from_a_stage_to_its_right():
    backwards = []
    for path in sorted(SIM.rglob("*.py")):
        own = _stage(_module(path))
        for name, line in _imports(path):
            target = _stage(name)
            if own is not None and target is not None and target > own:
                where = path.relative_to(SIM.parent)
                backwards.append(f"{where}:{line}: {_module(path)} imports {name}")
    assert not backwards, "imports against the flow of data:\n" + "\n".join(backwards)


def test_the_rule_sees_a_backward_import(tmp_path):
    """The check itself: a function-level import from a later stage is caught."""
    source = tmp_path / "sim" / "analysis" / "fake.py"
    source.parent.mkdir(parents=True)
    source.write_text("def f():\n    from ..views.html import Table\n    import sim.errors\n")
    assert _imports(source, tmp_path) == [("sim.views.html", 2), ("sim.errors", 3)]
    assert _stage("sim.views.html") > _stage("sim.analysis.compare") > _stage("sim.batch.store")
    assert _stage("sim.errors") is None and _stage("sim.cli") == TOP


def test_no_circle_of_imports():
    graph = _import_graph()
    circles = [_described(circle, graph) for circle in _circles(graph)]
    assert not circles, "circles of imports (move the shared piece below both):\n" + "\n".join(
        circles
    )


def test_the_check_sees_a_planted_circle(tmp_path):
    """The check itself: a circle of three through a relative and a function-level import is
    found and named, and a module that only imports from the circle is not in it."""
    package = tmp_path / "sim" / "scenario"
    package.mkdir(parents=True)
    (tmp_path / "sim" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "schema.py").write_text("from sim.scenario import check\n")
    (package / "check.py").write_text("def f():\n    from .parameters import leaves\n")
    (package / "parameters.py").write_text("import sim.errors\nfrom .schema import Scenario\n")
    (package / "loader.py").write_text("from sim.scenario.schema import Scenario\n")
    graph = _import_graph(tmp_path)
    assert _circles(graph) == [
        [
            "sim.scenario.check",
            "sim.scenario.parameters",
            "sim.scenario.schema",
            "sim.scenario.check",
        ]
    ]
    assert _described(_circles(graph)[0], graph) == (
        "sim.scenario.check (line 2) → sim.scenario.parameters (line 2) → "
        "sim.scenario.schema (line 1) → sim.scenario.check"
    )
