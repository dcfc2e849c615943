"""The documentation stands on its own: its links lead to files of the repository, every
"docs/design.md §N" cited in the code, the tests and the docs names a section that exists, and
every family of result columns is in the table of docs/model.md §8."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.batch.families import FAMILIES

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
LINK = re.compile(r"\]\(([^)\s]+)\)")
CITATION = re.compile(r"design\.md`?\)? §(\d+)((?:, §\d+)*)")


def _relative_links(page: Path) -> list[str]:
    links = [target.split("#")[0] for target in LINK.findall(page.read_text())]
    return [link for link in links if link and "://" not in link and not link.startswith("mailto:")]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_of_a_page_leads_to_a_file_of_the_repository(page):
    missing = [link for link in _relative_links(page) if not (page.parent / link).exists()]
    assert missing == []
    assert all(
        (page.parent / link).resolve().is_relative_to(ROOT) for link in _relative_links(page)
    )


def test_every_citation_of_the_design_names_one_of_its_sections():
    sections = {
        int(number)
        for number in re.findall(r"^## (\d+)\. ", (ROOT / "docs" / "design.md").read_text(), re.M)
    }
    assert sections == set(range(1, 9))
    cited: dict[int, list[str]] = {}
    files = [*PAGES, *(ROOT / "sim").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]
    for path in files:
        for first, more in CITATION.findall(path.read_text()):
            for number in [first, *re.findall(r"\d+", more)]:
                cited.setdefault(int(number), []).append(str(path.relative_to(ROOT)))
    assert cited, "no citation found: the pattern no longer matches how the code cites"
    assert {n: where for n, where in cited.items() if n not in sections} == {}


def test_every_family_of_result_columns_is_documented():
    """A new family of columns is one line in sim/batch/families.py and one row of
    docs/model.md §8, the table a reader looks its columns up in."""
    text = (ROOT / "docs" / "model.md").read_text()
    section = text[text.index("## 8. Result columns") : text.index("## 9. ")]
    assert [f.prefix for f in FAMILIES if f"`{f.prefix}" not in section] == []
