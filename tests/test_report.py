"""Plots and the HTML report: every plot kind renders headless with titles and axis labels in
native units, and ``write_report`` writes one self-contained page that holds every image and
table (escaped), the batches' scenario names, hashes, seeds and N, and the negsim version,
with each image also written beside it as a PNG.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from matplotlib.figure import Figure

from sim.analysis import plots
from sim.analysis.report import BatchInfo, Section, Table, batch_info, write_report
from sim.analysis.statistics import kaplan_meier

PNG = b"\x89PNG\r\n\x1a\n"


def every_plot() -> dict[str, Figure]:
    """One figure of each kind, from synthetic data."""
    rng = np.random.default_rng(0)
    curves = {}
    for label, hazard in (("base", 0.05), ("variant", 0.12)):
        times = rng.geometric(hazard, 400)
        curves[label] = kaplan_meier(np.minimum(times, 26), times <= 26)
    return {
        "deal_probability": plots.deal_probability(
            ["base", "variant"], [0.52, 0.97], [(0.50, 0.54), (0.96, 0.98)]
        ),
        "deal_probability_sweep": plots.deal_probability(
            ["0.1", "0.2", "0.3"],
            [0.2, 0.5, 0.8],
            [(0.15, 0.25), (0.45, 0.55), (0.76, 0.84)],
            x=[0.1, 0.2, 0.3],
            xlabel="war cost of Russia (utility per week)",
        ),
        "survival": plots.survival(curves, "week"),
        "outcome_scale": plots.outcome_distributions(
            "territory",
            {"base": rng.normal(21, 1.5, 500), "variant": rng.normal(22, 1.5, 400), "none": []},
            unit="% of Ukraine",
        ),
        "outcome_options": plots.outcome_distributions(
            "tomahawk",
            {
                "base": rng.choice(["withheld", "supplied"], 300, p=[0.6, 0.4]),
                "variant": rng.choice(["withheld", "supplied"], 300, p=[0.05, 0.95]),
            },
            options=["withheld", "supplied"],
        ),
        "party_utilities": plots.party_utilities(
            {
                "us": {"base": rng.uniform(0.7, 0.9, 200), "variant": rng.uniform(0.7, 0.8, 200)},
                "russia": {
                    "base": rng.uniform(0.5, 0.7, 200),
                    "variant": rng.uniform(0.5, 0.6, 200),
                },
            }
        ),
        "tornado": plots.tornado(
            ["parties.russia.war_cost", "battlefield.drift", "protocol.mediator_bias"],
            [0.1, -0.6, 0.35],
            [(0.05, 0.15), (-0.65, -0.55), None],
            title="What drives the deal",
        ),
    }


def test_every_plot_kind_renders_with_title_and_labels():
    figures = every_plot()
    kinds = {f.__name__ for f in plots.PLOT_KINDS}
    assert kinds == {
        "deal_probability",
        "survival",
        "outcome_distributions",
        "party_utilities",
        "tornado",
    }
    for name, figure in figures.items():
        assert isinstance(figure, Figure), name
        axes = figure.axes[0]
        assert axes.get_title(), name
        assert axes.get_xlabel(), name
        assert axes.get_ylabel() or name == "tornado", name  # a tornado's rows name themselves
    assert figures["outcome_scale"].axes[0].get_xlabel() == "territory (% of Ukraine)"
    assert figures["survival"].axes[0].get_xlabel() == "week of the talks"
    assert figures["deal_probability_sweep"].axes[0].get_xlabel().startswith("war cost")
    tornado = figures["tornado"].axes[0]
    # the largest effect on top
    labels = [t.get_text() for t in tornado.get_yticklabels()]
    ticks = dict(zip(tornado.get_yticks(), labels, strict=True))
    assert [ticks[y] for y in sorted(ticks, reverse=True)] == [
        "battlefield.drift",
        "protocol.mediator_bias",
        "parties.russia.war_cost",
    ]
    assert tornado.get_title() == "What drives the deal"


def test_plots_are_headless_even_where_a_gui_backend_is_asked_for():
    code = (
        "import io, sys; import matplotlib; from sim.analysis import plots; "
        "assert matplotlib.get_backend().lower() == 'agg', matplotlib.get_backend(); "
        "plots.tornado(['a', 'b'], [0.1, -0.2]).savefig(io.BytesIO(), format='png'); "
        "assert 'matplotlib.pyplot' not in sys.modules"
    )
    env = {**os.environ, "MPLBACKEND": "TkAgg"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr


def test_the_report_holds_every_image_and_table(tmp_path):
    figures = every_plot()
    tables = [
        Table(["batch", "deal probability"], [["base", "52%"], ["variant", "97%"]], title="Deals"),
        Table(
            ["row", "verdict"],
            [["deal <probability>", "deal more likely: +45 points [43, 47] & more"]],
            title="Differences",
            note="p-values are Holm-adjusted over 3 comparisons",
        ),
    ]
    sections = [
        Section("Deal probability", text=["Two batches <compared>."], tables=tables[:1]),
        Section("Differences", tables=tables[1:], figures=list(figures.values())),
    ]
    batches = [
        BatchInfo("base", "results/base", "budapest_2025", None, "ab" * 32, 1, 4096, "0.1.0"),
        BatchInfo(
            "variant", "results/v", "budapest_2025_tomahawks", None, "cd" * 32, 2, 2048, "0.1.0"
        ),
    ]
    path = tmp_path / "report" / "out.html"
    written = write_report(path, "Flagship <vs> Tomahawks", sections, batches=batches)
    page = path.read_text()
    assert written[0] == path and len(written) == 1 + len(figures)

    # every image: embedded, and the same bytes beside the page as out-<n>.png
    embedded = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(embedded) == len(figures)
    for n, data in enumerate(embedded, start=1):
        png = (tmp_path / "report" / f"out-{n}.png").read_bytes()
        assert png.startswith(PNG) and base64.b64decode(data) == png
    assert [p.name for p in written[1:]] == [f"out-{n}.png" for n in range(1, len(figures) + 1)]
    # figure captions come from the plot titles
    assert "Figure 1: Deal probability, with 95% intervals" in page

    # every table cell, escaped
    for table in tables:
        for cell in [*table.columns, *(c for row in table.rows for c in row)]:
            assert f">{html.escape(cell)}</td>" in page or f">{html.escape(cell)}</th>" in page
    assert "deal &lt;probability&gt;" in page and "<probability>" not in page
    assert "Flagship &lt;vs&gt; Tomahawks" in page and "Two batches &lt;compared&gt;." in page
    assert "Holm-adjusted over 3 comparisons" in page

    # provenance: scenarios, hashes, seeds, N, versions
    for text in ("budapest_2025_tomahawks", "ab" * 32, "cd" * 32, "4,096", "2,048"):
        assert text in page
    assert f"negsim {metadata.version('negsim')}" in page

    # self-contained: no scripts, no links, nothing fetched from elsewhere
    assert "<script" not in page and "<link" not in page
    assert not re.search(r'(src|href)="(?!data:)', page)
    assert "http://" not in page and "https://" not in page


def test_batch_info_reads_a_results_folder(tmp_path):
    import sim

    folder = tmp_path / "harbour"
    sim.run(Path(__file__).parent / "data" / "harbour.yaml", runs=10, seed=3, out=folder)
    info = batch_info(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert info.label == "harbour" and info.scenario == "harbour-dispute"
    assert info.seed == 3 and info.runs == 10
    assert info.sha256 == hashlib.sha256((folder / "scenario.yaml").read_bytes()).hexdigest()
    assert info.sha256 == manifest["scenario"]["sha256"]
    path = tmp_path / "r.html"
    write_report(path, "one batch", [Section("nothing")], batches=[folder])
    assert info.sha256 in path.read_text()
