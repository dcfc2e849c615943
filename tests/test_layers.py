"""The data walks one way: scenario → model → batch → experiments → analysis → views → the
command line and the Python API, on a foundation of bargaining mathematics that every stage may
use and that uses none of them. No module imports from a stage to its right — not at the top,
not inside a function, not for type hints only — so there is no loop between stages either
(analysis never reaches for a view to render, a batch never for an experiment).

The test reads the source with :mod:`ast`; nothing is imported.
"""

from __future__ import annotations

import ast
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


def _imports(path: Path, root: Path = SIM.parent) -> list[tuple[str, int]]:
    """Every module of ``sim`` that ``path`` (a file under ``root``) imports, with the line."""
    module = _module(path, root)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.append((base, node.lineno))
    return [(name, line) for name, line in found if name == "sim" or name.startswith("sim.")]


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
