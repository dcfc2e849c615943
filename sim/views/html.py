"""One self-contained HTML page for an analysis (``--report out.html``), and its figures as PNGs
when asked for (``--figures DIR``).

A report is a title, the batches it draws on (scenario name and sha256, seed, N, the negsim
version that ran them) and a list of sections, each with paragraphs, figures
(``matplotlib.figure.Figure``, from :mod:`sim.views.plots`) and tables (rows of strings), in
that order: the pictures first, the numbers behind them after, a long table folded away in a
``<details>`` element a click opens. Every figure is embedded as a base64 PNG data URI; the CSS
is inline and nothing is fetched from elsewhere, so the page can be mailed or archived as one
file. All text is HTML-escaped.

Tables are laid out to be read, not scrolled: cells wrap between words only (an option name,
a number, "signed-rank" is never cut; a file path may break after a slash), numbers do not
wrap at all, and the page is wide enough
for the tables negsim writes (``tests/test_report_browser.py`` renders every kind of report in
headless Chromium and checks both). Should a table still be too wide (many batches side by
side), it scrolls inside its own box; the page itself never does.

This module imports no matplotlib itself: it only calls ``savefig`` on the figures it is given.
"""

from __future__ import annotations

import base64
import html
import io
import os
import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.analysis.folders import BatchInfo
from sim.errors import UserError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LONG_TABLE = 15
"""Rows from which a table is folded away (``<details>``) under its title."""


@dataclass(frozen=True)
class Table:
    """A table of strings: ``columns`` headings and ``rows`` (each as long as ``columns``).
    ``title`` goes above it, ``note`` below it. ``align`` per column: "left" or "right"
    (default: the first column left, the others right); a right-aligned column holds numbers
    and never wraps."""

    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    title: str | None = None
    note: str | None = None
    align: Sequence[str] | None = None

    def alignment(self) -> list[str]:
        if self.align is not None:
            return list(self.align)
        return ["left"] + ["right"] * (len(self.columns) - 1)


@dataclass
class Section:
    """One part of a report: a heading, then its paragraphs, figures and tables, in that
    order."""

    heading: str
    text: Sequence[str] = field(default_factory=list)
    tables: Sequence[Table] = field(default_factory=list)
    figures: Sequence[Figure] = field(default_factory=list)


def negsim_version() -> str:
    """The installed negsim version (``importlib.metadata``), or "unknown"."""
    try:
        return metadata.version("negsim")
    except metadata.PackageNotFoundError:
        return "unknown"


_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222;
       max-width: 1240px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.4em; }
p.meta { color: #555; margin-top: 0; }
div.table { overflow-x: auto; margin: 0.6em 0 1.2em; }
table { border-collapse: collapse; font-size: 0.88em; }
th, td { padding: 0.25em 0.6em; border-bottom: 1px solid #e3e3e3; vertical-align: top;
         overflow-wrap: normal; word-break: normal; hyphens: none; }
th { background: #f3f3f3; text-align: left; }
td.right, th.right { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
span.word { white-space: nowrap; }
p.note { color: #555; font-size: 0.9em; margin-top: -0.8em; }
details { margin: 0.6em 0 1.2em; }
summary { cursor: pointer; font-weight: 600; }
figure { margin: 1em 0 1.6em; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
footer { color: #777; font-size: 0.85em; margin-top: 3em; border-top: 1px solid #ddd; }
"""


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


_BREAKS = re.compile(r"\w[-‐–—/]")  # where a browser may break a line inside a word
_PATH = re.compile(r"^\.{0,2}/|/.*/")  # a file path: rooted, or two slashes or more


def _cell(text: str) -> str:
    """A cell's text, escaped; a word a browser could break inside (at a hyphen, a dash or
    a slash: "signed-rank", "10–90%") is kept on one line — but a file path, which can be
    longer than any column, may break after each of its slashes."""
    words = str(text).split(" ")
    return " ".join(_word(w) for w in words)


def _word(word: str) -> str:
    if _PATH.search(word):
        return "/<wbr>".join(_esc(part) for part in word.split("/"))
    return f'<span class="word">{_esc(word)}</span>' if _BREAKS.search(word) else _esc(word)


def _table_html(table: Table, heading: str | None = None) -> str:
    align = table.alignment()
    parts = ['<div class="table"><table>']
    parts.append(
        "<thead><tr>"
        + "".join(
            f'<th class="{_esc(a)}">{_cell(c)}</th>'
            for c, a in zip(table.columns, align, strict=False)
        )
        + "</tr></thead>"
    )
    parts.append("<tbody>")
    for row in table.rows:
        parts.append(
            "<tr>"
            + "".join(
                f'<td class="{_esc(a)}">{_cell(c)}</td>' for c, a in zip(row, align, strict=False)
            )
            + "</tr>"
        )
    parts.append("</tbody></table></div>")
    if table.note:
        parts.append(f'<p class="note">{_esc(table.note)}</p>')
    body = "\n".join(parts)
    title = table.title if table.title and table.title != heading else None
    if len(table.rows) >= LONG_TABLE:
        summary = f"{title or 'Table'} ({len(table.rows):,} rows)"
        return f"<details><summary>{_esc(summary)}</summary>\n{body}\n</details>"
    return (f"<h3>{_esc(title)}</h3>\n" if title else "") + body


def figure_title(figure: Figure) -> str:
    """A figure's title: its suptitle, or the title of its first titled axes."""
    if figure.get_suptitle():
        return figure.get_suptitle()
    for axes in figure.axes:
        if axes.get_title():
            return axes.get_title()
    return ""


_RENDERED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def png(figure: Figure) -> bytes:
    """A figure as PNG bytes, on white, cropped to what it draws (rendered once: a report and
    its ``--figures`` share the bytes)."""
    if figure not in _RENDERED:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight", facecolor="white")
        _RENDERED[figure] = buffer.getvalue()
    return _RENDERED[figure]


def _provenance(batches: Sequence[BatchInfo]) -> Table:
    return Table(
        columns=["batch", "scenario", "sha256", "seed", "N", "negsim", "folder"],
        rows=[
            [
                b.label,
                b.scenario + (f" ({'; '.join(b.overrides)})" if b.overrides else ""),
                b.sha256[:12] + "…" if b.sha256 else "—",
                "—" if b.seed is None else str(b.seed),
                "—" if b.runs is None else f"{b.runs:,}",
                b.negsim_version,
                b.folder,
            ]
            for b in batches
        ],
        title="Batches",
        note="sha256: the first 12 hexadecimal digits of the hash of each batch's resolved "
        "scenario.yaml (all 64 in its manifest.json).",
        align=["left", "left", "left", "right", "right", "left", "left"],
    )


def write_report(
    path: str | Path,
    title: str,
    sections: Sequence[Section],
    *,
    batches: Sequence[BatchInfo] = (),
) -> Path:
    """Write one self-contained HTML page to ``path`` (atomically) and return it.

    ``batches`` go into a provenance table at the top: scenario names and sha256 hashes,
    seeds, N and the negsim version of each batch; the footer names the negsim version that
    wrote the report."""
    path = _report_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    version = negsim_version()
    body = [f"<h1>{_esc(title)}</h1>"]
    body.append(
        f'<p class="meta">negsim {_esc(version)} · written '
        f"{_esc(datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC'))}</p>"
    )
    if batches:
        body.append(_table_html(_provenance(batches)))
    count = 0
    for section in sections:
        body.append(f"<h2>{_esc(section.heading)}</h2>")
        body.extend(f"<p>{_esc(paragraph)}</p>" for paragraph in section.text)
        for figure in section.figures:
            count += 1
            caption = figure_title(figure) or f"Figure {count}"
            data = base64.b64encode(png(figure)).decode("ascii")
            body.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{_esc(caption)}">'
                f"<figcaption>Figure {count}: {_esc(caption)}</figcaption></figure>"
            )
        body.extend(_table_html(table, section.heading) for table in section.tables)
    body.append(f"<footer>Written by negsim {_esc(version)}.</footer>")
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(page, encoding="utf-8")
    os.replace(temporary, path)
    return path


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "figure"


def write_figures(folder: str | Path, sections: Sequence[Section]) -> list[Path]:
    """Every figure of ``sections`` as a PNG in ``folder`` (made if missing), in page order:
    ``01-<its title>.png``, ``02-...``; returns the files written."""
    folder = _figures_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    figures = [figure for section in sections for figure in section.figures]
    width = max(2, len(str(len(figures))))
    written = []
    for n, figure in enumerate(figures, start=1):
        target = folder / f"{n:0{width}d}-{_slug(figure_title(figure))}.png"
        target.write_bytes(png(figure))
        written.append(target)
    return written


def _report_path(path: str | Path) -> Path:
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path}: is a folder; --report needs a file name such as report.html")
    return path


def _figures_folder(folder: str | Path) -> Path:
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder}: not a folder; --figures needs a folder for the PNGs")
    return folder


def _picture_path(path: str | Path) -> Path:
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path}: is a folder; --plot needs a file name such as replicate.png")
    return path


def check_outputs(
    *, report: Path | None = None, figures: Path | None = None, plot: Path | None = None
) -> None:
    """Refuse, before any work starts, pictures that cannot be drawn (no matplotlib, the
    ``report`` extra) or written where asked."""
    for option, given, check in (
        ("--report", report, _report_path),
        ("--figures", figures, _figures_folder),
        ("--plot", plot, _picture_path),
    ):
        if given is None:
            continue
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise UserError(f"{option} needs matplotlib: pip install 'negsim[report]'") from None
        check(given)


def publish(
    sections: Sequence[Section],
    title: str,
    *,
    report: Path | None = None,
    figures: Path | None = None,
    batches: Sequence[BatchInfo] = (),
) -> list[str]:
    """Write the report page (``report``) and/or its figures as PNGs (``figures``, a
    folder); the lines that say what was written."""
    lines = []
    if report is not None:
        lines.append(f"Report: {write_report(report, title, sections, batches=batches)}")
    if figures is not None:
        written = write_figures(figures, sections)
        lines.append(f"Figures: {len(written)} PNG{'s' * (len(written) != 1)} in {figures}")
    return lines


def write_picture(path: str | Path, figure: Figure) -> Path:
    """One figure as a PNG file (its folder made if missing); returns the path."""
    path = _picture_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png(figure))
    return path
