"""Plots and the HTML report: every plot kind renders headless with titles and axis labels in
native units, and ``write_report`` writes one self-contained page that holds every image and
table (escaped), the batches' scenario names, hashes, seeds and N, and the negsim version;
``write_figures`` writes the same images as PNGs only when asked.
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
from helpers import HARBOUR

pytest.importorskip("matplotlib")

from matplotlib.figure import Figure

import sim
from sim.analysis.folders import BatchInfo, batch_info
from sim.analysis.paths import fans
from sim.analysis.statistics import kaplan_meier
from sim.views import plots
from sim.views.html import LONG_TABLE, Section, Table, write_figures, write_report

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def traced(tmp_path_factory) -> Path:
    """A small harbour batch with its rounds."""
    folder = tmp_path_factory.mktemp("traced") / "harbour"
    sim.run(HARBOUR, runs=60, seed=1, out=folder, traces=True)
    return folder


@pytest.fixture(scope="module")
def figures(traced: Path) -> dict[str, Figure]:
    """One figure of each kind, from synthetic data and a small traced batch."""
    rng = np.random.default_rng(0)
    curves = {}
    for label, hazard in (("base", 0.05), ("variant", 0.12)):
        times = rng.geometric(hazard, 400)
        curves[label] = kaplan_meier(np.minimum(times, 26), times <= 26)
    scenario = sim.load_scenario(traced / "scenario.yaml")
    deal = rng.random(200) < 0.6
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
        "survival": plots.survival(curves, "week", window=26),
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
        "party_outcomes": plots.party_outcomes(
            {
                "us": {
                    "base": (rng.uniform(0.7, 0.9, 200), deal),
                    "variant": (rng.uniform(0.7, 0.8, 200), deal),
                },
                "russia": {"base": (rng.uniform(0.5, 0.7, 200), deal)},
            },
            "payoff",
        ),
        "tornado": plots.tornado(
            ["parties.russia.war_cost", "battlefield.drift", "protocol.mediator_bias"],
            [0.1, -0.6, 0.35],
            [(0.05, 0.15), (-0.65, -0.55), None],
            title="What drives the deal",
        ),
        "fan": plots.fan(fans(traced / "rounds.parquet", scenario), "week", 20, "the talks"),
        "replicate_path": plots.replicate_path(scenario, sim.trace(traced, replicate=3)),
        "terms_along": plots.terms_along(
            "territory", [0.0, 0.5, 1.0], "aid pause probability", unit="% of Ukraine",
            quantiles={0.1: [19, 19.5, 20], 0.5: [20, 20.5, 21], 0.9: [21, 21.5, 22]},
        ),
        "terms_along_options": plots.terms_along(
            "tomahawk", ["withheld", "supplied"], "variant",
            shares={"withheld": [0.9, 0.1], "supplied": [0.1, 0.9]},
        ),
        "peeling": plots.peeling([1.0, 0.8, 0.6], [0.4, 0.6, 0.9], 1, "PRIM's peeling"),
        "deal_scatter": plots.deal_scatter(
            [0.1, 0.5, 0.9], [0.2, 0.5, 0.7], [(0.1, 0.3), (0.4, 0.6), (0.6, 0.8)], "drift"
        ),
    }  # fmt: skip


def test_every_plot_kind_renders_with_title_and_labels(figures):
    kinds = {f.__name__ for f in plots.PLOT_KINDS}
    assert kinds == {
        "deal_probability",
        "survival",
        "outcome_distributions",
        "party_outcomes",
        "tornado",
        "fan",
        "replicate_path",
        "terms_along",
        "peeling",
        "deal_scatter",
    }
    for name, figure in figures.items():
        assert isinstance(figure, Figure), name
        assert figure.get_suptitle() or figure.axes[0].get_title(), name
        for axes in figure.axes:
            if axes.get_label() == "<colorbar>" or not axes.has_data():
                continue
            assert axes.get_xlabel() or axes.get_ylabel(), name
    assert figures["outcome_scale"].axes[0].get_xlabel() == "territory (% of Ukraine)"
    survival = figures["survival"].axes[0]
    assert survival.get_xlabel() == "week of the talks"
    assert survival.get_xlim() == (0, 26)  # the axis ends with the window
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
    # payoffs split by how the talks ended, with how many replicates each box holds
    us = [t.get_text().split("\n") for t in figures["party_outcomes"].axes[0].get_xticklabels()]
    assert [ending for ending, _ in us] == ["deal", "no deal"] * 2
    assert sum(int(count) for _, count in us[:2]) == 200
    # a replicate: one panel per issue with each party's demand, and the aspirations
    path = figures["replicate_path"]
    assert [a.get_title() for a in path.axes[:3]] == ["fishing_quota", "harbour", "border"]
    assert {line.get_label() for line in path.axes[0].lines} >= {"north", "south", "on the table"}
    assert [t.get_text() for t in path.axes[1].get_yticklabels()] == [
        "south_keeps",
        "shared",
        "north_gets",
    ]


@pytest.mark.slow  # a fresh interpreter
def test_plots_are_headless_even_where_a_gui_backend_is_asked_for():
    code = (
        "import io, sys; import matplotlib; from sim.views import plots; "
        "assert matplotlib.get_backend().lower() == 'agg', matplotlib.get_backend(); "
        "plots.tornado(['a', 'b'], [0.1, -0.2]).savefig(io.BytesIO(), format='png'); "
        "assert 'matplotlib.pyplot' not in sys.modules"
    )
    env = {**os.environ, "MPLBACKEND": "TkAgg"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr


def test_the_report_holds_every_image_and_table(tmp_path, figures):
    long = Table(["n"], [[str(n)] for n in range(LONG_TABLE)], title="Many rows")
    tables = [
        Table(["batch", "deal probability"], [["base", "52%"], ["variant", "97%"]], title="Deals"),
        Table(
            ["row", "verdict"],
            [["deal <probability>", "deal more likely: +45 points [43, 47] & more"]],
            title="Differences",
            note="p-values are Holm-adjusted over 3 comparisons",
        ),
        long,
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
    assert write_report(path, "Flagship <vs> Tomahawks", sections, batches=batches) == path
    page = path.read_text()
    assert list(path.parent.iterdir()) == [path]  # one file: the images are inside it

    embedded = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(embedded) == len(figures)
    assert all(base64.b64decode(data).startswith(PNG) for data in embedded)
    # figure captions come from the plot titles
    assert "Figure 1: Deal probability, with 95% intervals" in page
    # in a section, the figures come before the tables, and a long table is folded away
    differences = page.index("<h2>Differences</h2>")
    assert page.index("<figure>", differences) < page.index("<table>", differences)
    assert f"<details><summary>Many rows ({LONG_TABLE} rows)</summary>" in page

    # every table cell, escaped
    for table in tables:
        for cell in [*table.columns, *(c for row in table.rows for c in row)]:
            assert f">{html.escape(cell)}</td>" in page or f">{html.escape(cell)}</th>" in page
    assert "deal &lt;probability&gt;" in page and "<probability>" not in page
    assert "Flagship &lt;vs&gt; Tomahawks" in page and "Two batches &lt;compared&gt;." in page
    assert "Holm-adjusted over 3 comparisons" in page

    # provenance: scenarios, hashes, seeds, N, versions
    for text in ("budapest_2025_tomahawks", "ab" * 6, "cd" * 6, "4,096", "2,048"):
        assert text in page
    assert f"negsim {metadata.version('negsim')}" in page

    # self-contained: no scripts, no links, nothing fetched from elsewhere
    assert "<script" not in page and "<link" not in page
    assert not re.search(r'(src|href)="(?!data:)', page)
    assert "http://" not in page and "https://" not in page

    # the same images as PNGs, only when asked for
    written = write_figures(tmp_path / "figures", sections)
    assert len(written) == len(figures)
    for data, png in zip(embedded, written, strict=True):
        assert png.read_bytes() == base64.b64decode(data)
    assert written[0].name == "01-deal-probability-with-95-intervals.png"


def test_batch_info_reads_a_results_folder(tmp_path):
    folder = tmp_path / "harbour"
    sim.run(HARBOUR, runs=10, seed=3, out=folder)
    info = batch_info(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert info.label == "harbour" and info.scenario == "harbour-dispute"
    assert info.seed == 3 and info.runs == 10
    assert info.sha256 == hashlib.sha256((folder / "scenario.yaml").read_bytes()).hexdigest()
    assert info.sha256 == manifest["scenario"]["sha256"]
    path = tmp_path / "r.html"
    write_report(path, "one batch", [Section("nothing")], batches=[info])
    assert info.sha256[:12] in path.read_text()
