"""One self-contained HTML page for an analysis (``--report out.html``), and the PNGs beside it.

A report is a title, the batches it draws on (scenario name and sha256, seed, N, the negsim
version that ran them) and a list of sections, each with paragraphs, tables (rows of strings)
and figures (``matplotlib.figure.Figure``, for instance from :mod:`sim.analysis.plots`). Every
figure is embedded as a base64 PNG data URI and also written beside the page as
``<stem>-<n>.png`` (n from 1, in page order); the CSS is inline and nothing is fetched from
elsewhere, so the page can be mailed or archived as one file. All text is HTML-escaped.

This module imports no matplotlib itself: it only calls ``savefig`` on the figures it is given.
"""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.batch.store import ResultsFolder
from sim.errors import UserError

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class Table:
    """A table of strings: ``columns`` headings and ``rows`` (each as long as ``columns``).
    ``title`` goes above it, ``note`` below it. ``align`` per column: "left" or "right"
    (default: the first column left, the others right)."""

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
    """One part of a report: a heading, then its paragraphs, tables and figures, in that
    order."""

    heading: str
    text: Sequence[str] = field(default_factory=list)
    tables: Sequence[Table] = field(default_factory=list)
    figures: Sequence[Figure] = field(default_factory=list)


@dataclass(frozen=True)
class BatchInfo:
    """Where a batch comes from, as its ``manifest.json`` says."""

    label: str
    folder: str
    scenario: str
    title: str | None
    sha256: str
    seed: int | None
    runs: int | None
    negsim_version: str
    overrides: tuple[str, ...] = ()


def batch_info(folder: str | Path, label: str | None = None) -> BatchInfo:
    """The :class:`BatchInfo` of a results folder (``label`` defaults to the folder's name).
    A folder without a readable ``manifest.json`` is a :class:`~sim.errors.UserError`."""
    folder = Path(folder)
    manifest = ResultsFolder(folder).manifest()
    if not isinstance(manifest, dict):
        raise UserError(f"{folder}: no readable manifest.json; not a negsim results folder")
    scenario = manifest.get("scenario") or {}
    return BatchInfo(
        label=label or folder.name,
        folder=str(folder),
        scenario=str(scenario.get("name", "?")),
        title=scenario.get("title"),
        sha256=str(scenario.get("sha256", "")),
        seed=manifest.get("seed"),
        runs=manifest.get("runs"),
        negsim_version=str(manifest.get("negsim_version", "unknown")),
        overrides=tuple(manifest.get("overrides") or ()),
    )


def negsim_version() -> str:
    """The installed negsim version (``importlib.metadata``), or "unknown"."""
    try:
        return metadata.version("negsim")
    except metadata.PackageNotFoundError:
        return "unknown"


_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #222;
       max-width: 1100px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.4em; }
p.meta { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.92em; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
th { background: #f3f3f3; text-align: left; }
td.right, th.right { text-align: right; font-variant-numeric: tabular-nums; }
td { overflow-wrap: anywhere; }
p.note { color: #555; font-size: 0.9em; margin-top: -0.8em; }
figure { margin: 1em 0 1.6em; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
footer { color: #777; font-size: 0.85em; margin-top: 3em; border-top: 1px solid #ddd; }
"""


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _table_html(table: Table, heading: str | None = None) -> str:
    align = table.alignment()
    parts = []
    if table.title and table.title != heading:  # not twice under its section's own heading
        parts.append(f"<h3>{_esc(table.title)}</h3>")
    parts.append("<table>")
    parts.append(
        "<thead><tr>"
        + "".join(
            f'<th class="{_esc(a)}">{_esc(c)}</th>'
            for c, a in zip(table.columns, align, strict=False)
        )
        + "</tr></thead>"
    )
    parts.append("<tbody>")
    for row in table.rows:
        parts.append(
            "<tr>"
            + "".join(
                f'<td class="{_esc(a)}">{_esc(c)}</td>' for c, a in zip(row, align, strict=False)
            )
            + "</tr>"
        )
    parts.append("</tbody></table>")
    if table.note:
        parts.append(f'<p class="note">{_esc(table.note)}</p>')
    return "\n".join(parts)


def _figure_title(figure: Figure) -> str:
    if figure.get_suptitle():
        return figure.get_suptitle()
    for axes in figure.axes:
        if axes.get_title():
            return axes.get_title()
    return ""


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight", facecolor="white")
    return buffer.getvalue()


def _provenance(batches: Sequence[BatchInfo]) -> Table:
    return Table(
        columns=["batch", "scenario", "sha256", "seed", "N", "negsim", "folder"],
        rows=[
            [
                b.label,
                b.scenario + (f" ({'; '.join(b.overrides)})" if b.overrides else ""),
                b.sha256,
                "—" if b.seed is None else str(b.seed),
                "—" if b.runs is None else f"{b.runs:,}",
                b.negsim_version,
                b.folder,
            ]
            for b in batches
        ],
        title="Batches",
        align=["left", "left", "left", "right", "right", "left", "left"],
    )


def write_report(
    path: str | Path,
    title: str,
    sections: Sequence[Section],
    *,
    batches: Sequence[BatchInfo | str | Path] = (),
) -> list[Path]:
    """Write one self-contained HTML page to ``path`` and each figure beside it as
    ``<stem>-<n>.png``; returns the paths written (the page first).

    ``batches`` (``BatchInfo`` objects or results folders) go into a provenance table at the
    top: scenario names and sha256 hashes, seeds, N and the negsim version of each batch; the
    footer names the negsim version that wrote the report.
    """
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{path}: is a folder; --report needs a file name such as report.html")
    path.parent.mkdir(parents=True, exist_ok=True)
    infos = [b if isinstance(b, BatchInfo) else batch_info(b) for b in batches]
    version = negsim_version()
    written: list[Path] = []
    body = [f"<h1>{_esc(title)}</h1>"]
    body.append(
        f'<p class="meta">negsim {_esc(version)} · written '
        f"{_esc(datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC'))}</p>"
    )
    if infos:
        body.append(_table_html(_provenance(infos)))
    count = 0
    for section in sections:
        body.append(f"<h2>{_esc(section.heading)}</h2>")
        body.extend(f"<p>{_esc(paragraph)}</p>" for paragraph in section.text)
        body.extend(_table_html(table, section.heading) for table in section.tables)
        for figure in section.figures:
            count += 1
            png = _png(figure)
            image = path.with_name(f"{path.stem}-{count}.png")
            image.write_bytes(png)
            written.append(image)
            caption = _figure_title(figure) or f"Figure {count}"
            data = base64.b64encode(png).decode("ascii")
            body.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{_esc(caption)}">'
                f"<figcaption>Figure {count}: {_esc(caption)} ({_esc(image.name)})"
                "</figcaption></figure>"
            )
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
    return [path, *written]
