"""docs/scenario-language.md shows what `negsim validate` really prints.

The page writes its examples in two forms, and this file runs both against the CLI:

- a ```yaml block whose first line is ``# NAME.yaml``, followed at once by a ```text block: the
  file NAME.yaml (the block without that first line, so the line numbers shown are the file's)
  and what validating it prints;
- a ```text block of one-line variants: each ``# LINE`` is a file ``variant.yaml`` holding
  ``extends: harbour.yaml`` and LINE, and the lines after it are what validating it prints.

The examples extend ``harbour.yaml``, which the page presents in §1: a copy of
tests/data/harbour.yaml sits next to them (and §1 must show that file). The output must match
line for line and in order: the CLI's order is stable — grouped by stage (reading, fields, the
whole scenario, events), then in the order of the fields — and the page says so.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import pytest
from helpers import HARBOUR, cli
from pydantic import BaseModel

from sim.scenario.schema import Scenario
from sim.scenario.yamlsource import parse_yaml

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "scenario-language.md"
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```$", re.M | re.S)
NAMED = re.compile(r"# ([\w-]+\.yaml)\n")
VARIANT = re.compile(r"# (\w+: .*)")


@dataclass(frozen=True)
class Example:
    """A file the page shows (``name``: ``source``) and the lines validating it prints."""

    name: str
    source: str
    expected: list[str]
    line: int  # where the example starts on the page

    def __str__(self) -> str:
        return f"{self.name}@{self.line}"


def _blocks(text: str) -> list[tuple[str, str, int, int]]:
    """Every fenced block: (language, body, start, end offsets)."""
    return [(m.group(1), m.group(2), m.start(), m.end()) for m in BLOCK.finditer(text)]


def page_examples(text: str) -> list[Example]:
    """The examples of a page in both forms, in page order."""
    blocks = _blocks(text)
    found = []
    for (lang, body, start, end), following in zip(blocks, [*blocks[1:], None], strict=True):
        line = text.count("\n", 0, start) + 1
        named = NAMED.match(body)
        if lang == "yaml" and named:
            assert following is not None and following[0] == "text", (
                f"{PAGE.name}:{line}: {named.group(1)} is not followed by a ```text block of "
                "what validating it prints"
            )
            assert text[end : following[2]].strip() == "", (
                f"{PAGE.name}:{line}: prose between {named.group(1)} and its output"
            )
            source = body[named.end() :]
            found.append(Example(named.group(1), source, following[1].splitlines(), line))
        elif lang == "text" and VARIANT.fullmatch(body.split("\n", 1)[0]):
            variant = None
            for offset, row in enumerate(body.splitlines()):
                header = VARIANT.fullmatch(row)
                if header:
                    source = f"extends: harbour.yaml\n{header.group(1)}\n"
                    variant = Example("variant.yaml", source, [], line + 1 + offset)
                    found.append(variant)
                else:
                    variant.expected.append(row)
    return found


EXAMPLES = page_examples(PAGE.read_text(encoding="utf-8"))


def test_the_page_has_examples_of_both_forms():
    assert len([e for e in EXAMPLES if e.name != "variant.yaml"]) >= 10
    assert len([e for e in EXAMPLES if e.name == "variant.yaml"]) >= 5


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_validate_prints_what_the_page_shows(example, tmp_path, monkeypatch):
    shutil.copy(HARBOUR, tmp_path / "harbour.yaml")
    (tmp_path / example.name).write_text(example.source, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("validate", example.name)
    assert (out + err).splitlines() == example.expected
    assert code == (2 if err else 0)


def test_the_complete_example_is_the_harbour_file():
    """§1 shows tests/data/harbour.yaml, which every other example extends, and its OK line."""
    section = PAGE.read_text(encoding="utf-8").split("\n## 2.")[0]
    (_, shown, _, _), (_, console, _, _) = _blocks(section)[:2]
    harbour = HARBOUR.read_text(encoding="utf-8")
    assert parse_yaml(shown, "page").data == parse_yaml(harbour, "harbour.yaml").data
    command, *printed = console.splitlines()
    assert command == "$ negsim validate harbour.yaml"
    code, out, err = cli("validate", HARBOUR)
    assert (code, err) == (0, "")
    assert out.replace(str(HARBOUR), "harbour.yaml").splitlines() == printed


def _field_names(model: type[BaseModel], seen: set[type] | None = None) -> set[str]:
    """Every field name (as written in a scenario: aliases) of ``model`` and the models in it."""
    seen = set() if seen is None else seen
    if model in seen:
        return set()
    seen.add(model)
    names = set()
    for name, info in model.model_fields.items():
        names.add(info.alias or name)
        for inner in _models_in(info.annotation):
            names |= _field_names(inner, seen)
    return names


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


def test_every_field_of_the_language_is_on_the_page():
    """A field the schema gains (or a rename) cannot go unwritten: each name appears on the page
    in code, quoted (`resolve`), at the end of a path (`issues.ID.note`) or as a key
    (`{normal: {mean, sd}}`)."""
    text = PAGE.read_text(encoding="utf-8")
    names = _field_names(Scenario)
    assert {"resolve", "deadline", "reciprocity", "breakdown", "if", "then"} <= names
    written = {n for n in names if re.search(rf"[`{{ .]{n}[`:]", text)}
    assert sorted(names - written) == []
