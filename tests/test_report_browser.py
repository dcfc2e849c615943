"""Reports as a reader sees them, in a real browser: headless Chromium lays out each kind of
report — compare (paired, with the rounds of a traced batch), sensitivity (events, a PRIM box)
and sweep — and a page of the longest words negsim puts in tables, at two window widths. In
every one, with every folded table opened, nothing is wider than the page, no table is wider
than its column, and no word in a table is cut across two lines ("4,09 / 6",
"international_administ / ration").

The check is a small script added to a copy of the page; Chromium's ``--dump-dom`` prints the
page after it ran, its findings in a ``<pre>``. Skipped, with the reason, where Chromium is not
installed (Debian's ``chromium``; ``.ci/run`` installs it).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import HARBOUR, cli

import sim

pytest.importorskip("matplotlib")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does)"
)
WIDTHS = (1280, 1024)

CHECK = """
<script>
window.addEventListener("load", function () {
  for (const folded of document.querySelectorAll("details")) folded.open = true;
  const problems = [];
  const page = document.documentElement;
  if (page.scrollWidth > page.clientWidth + 1)
    problems.push("the page is wider than its window: " + page.scrollWidth);
  for (const table of document.querySelectorAll("table")) {
    const box = table.parentElement;  // the table's own box, which would let it scroll
    if (box.scrollWidth > box.clientWidth + 1)
      problems.push("a table is wider than its column: " + table.rows[0].textContent.slice(0, 60));
  }
  for (const cell of document.querySelectorAll("td, th")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top)));
        if (lines.size > 1) problems.push("a word cut across lines: " + word[0]);
      }
    }
  }
  const out = document.createElement("pre");
  out.id = "layout-check";
  out.textContent = JSON.stringify(problems);
  document.body.appendChild(out);
});
</script>
"""


def layout_problems(report: Path, width: int, scratch: Path) -> list[str]:
    """What is wrong with the layout of ``report`` in a window ``width`` pixels wide."""
    page = scratch / f"{report.stem}-{width}.html"
    page.write_text(report.read_text(encoding="utf-8").replace("</body>", CHECK + "</body>"))
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={scratch / 'profile'}",
            f"--window-size={width},1000",
            "--virtual-time-budget=10000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(r'<pre id="layout-check">(.*?)</pre>', done.stdout, re.S)
    assert found, f"Chromium did not run the check ({done.returncode}): {done.stderr[-500:]}"
    return json.loads(html.unescape(found[1]))


def test_the_longest_words_of_a_table_stay_whole(tmp_path):
    """The words that made reports hard to read — option names, numbers with thousands,
    intervals, dashes and hyphens, dotted paths — in tables shaped like negsim's own."""
    from sim.views.html import Section, Table, write_report

    verdict = "option shares differ: international_administration 64% → 53%, -11 points [-13, -9]"
    tables = [
        Table(
            ["row", "method", "test", "p", "Holm p", "Wasserstein", "verdict"],
            [["issue zaporizhzhia (deals)", "paired", "Wilcoxon signed-rank", "<0.0001",
              "<0.0001", "0.0393", verdict]] * 3,
            align=["left", "left", "left", "right", "right", "right", "left"],
        ),
        Table(
            ["issue", "unit", "baseline", "tomahawks", "aid_pause"],
            [["zaporizhzhia", "option shares",
              *["international_administration 64%, russian_control 36%"] * 3]] * 2,
            align=["left"] * 5,
        ),
        Table(
            ["#", "driver", "importance", "PRCC", "95% interval", "p"],
            [["1", "parties.nato_allies.salience.zaporizhzhia", "0.016 ± 0.004", "+0.128",
              "+0.067 … +0.188", "<0.001"]] * 2,
        ),
        Table(["batch", "N", "deal [95%]"], [["baseline", "4,096", "52.1% [50.6%, 53.7%]"]]),
    ]  # fmt: skip
    report = write_report(tmp_path / "words.html", "Words", [Section("Words", tables=tables)])
    for width in WIDTHS:
        assert layout_problems(report, width, tmp_path) == [], width


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    """A report of each kind, on small batches."""
    root = tmp_path_factory.mktemp("browser")
    planted = root / "planted.yaml"
    planted.write_text(
        f"extends: {HARBOUR}\nname: planted\n"
        "parties: {north: {reservation_value: 0.99}, south: {reservation_value: 0.99}}\n"
        "events:\n"
        "  - {round: 2, name: ultimatum, probability: {uniform: [0.2, 0.6]}, set: "
        "{parties.north.reservation_value: 0, parties.south.reservation_value: 0}}\n"
    )
    sim.run(HARBOUR, runs=300, seed=1, out=root / "base", traces=True)
    sim.run(HARBOUR, runs=300, seed=1, out=root / "greedy",
            overrides=["parties.north.positions.fishing_quota=100"])  # fmt: skip
    sim.run(planted, runs=300, seed=1, out=root / "planted")
    experiment = root / "experiment.yaml"
    experiment.write_text(
        f"name: storms\nscenario: {HARBOUR}\nruns: 100\n"
        "grid: {events.storm_season.probability: [0, 0.5, 1]}\n"
    )
    out = {kind: root / f"{kind}.html" for kind in ("compare", "sensitivity", "sweep")}
    commands = {
        "compare": ["compare", root / "base", root / "greedy", "--report", out["compare"]],
        "sensitivity": ["sensitivity", root / "planted", "--report", out["sensitivity"]],
        "sweep": ["sweep", experiment, "--out", root / "sweep", "-q", "--report", out["sweep"]],
    }
    for command in commands.values():
        code, _, err = cli(*command)
        assert code == 0, err
    return out


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["compare", "sensitivity", "sweep"])
def test_every_kind_of_report_reads_well_in_a_browser(reports, kind, tmp_path):
    for width in WIDTHS:
        assert layout_problems(reports[kind], width, tmp_path) == [], (kind, width)
