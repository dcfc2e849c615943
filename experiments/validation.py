"""negsim on real cases: every case of ``scenarios/cases/`` under every protocol, against the
forecasts published for it and, where known, what actually happened.

For each case, issue and protocol it prints negsim's forecast — the median over the case's
uncertainty with its 90 % interval, or a point where the case draws nothing — and its absolute
error against the actual outcome on the issue's own scale. Below the table, per protocol: the
mean absolute error over the issues with a known outcome, and the mean distance from the
models' published forecasts, both in percent of each issue's scale (so that cases on different
scales can be averaged), beside the compromise model's.

Deterministic and quick: a fixed seed, a fixed number of replicates, one process. Nothing here
is tuned toward the published numbers; the cases run as their files say, with only the
protocol switched:

- ``compromise``: Stokman's capability × salience-weighted mean;
- ``expected_utility``: Bueno de Mesquita's model (Scholz et al. 2011), ``q = t = 1``;
- ``mediated``: a neutral mediator, every party must ratify (``ratification: unanimity``);
- ``alternating``: proposers recognised in proportion to capability, unanimity (cases of at
  most ``MAX_ALTERNATING_PARTIES`` parties: it enumerates every coalition).

The mediated and alternating protocols fall back on the status quo without a deal, and the
cases' status quo is an assumption of the import (the weighted median position), so their
numbers say more about the bargaining protocols than about the cases.

    python experiments/validation.py             # the table on the terminal
    python experiments/validation.py --markdown  # also writes docs/validation.md
"""

from __future__ import annotations

import argparse
import datetime
import math
from dataclasses import dataclass, field
from pathlib import Path

from sim.batch.runner import simulate_block
from sim.scenario.loader import load_scenario
from sim.scenario.parameters import parameter_leaves

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "scenarios" / "cases"
MARKDOWN = ROOT / "docs" / "validation.md"
SEED = 0
RUNS = 256
"""Replicates of a case that draws uncertain values; a case without any runs one."""
MAX_ALTERNATING_PARTIES = 12
"""The alternating protocol enumerates every coalition (2^parties per round): beyond this many
parties it does not apply here."""
PROTOCOLS = {
    "compromise": "protocol={kind: compromise}",
    "expected_utility": "protocol={kind: expected_utility}",
    "mediated": "protocol={kind: mediated, ratification: unanimity}",
    "alternating": "protocol={kind: alternating}",
}
BASELINE = "compromise"


@dataclass(frozen=True)
class Forecast:
    """negsim's forecast of one issue under one protocol, in the issue's units."""

    median: float
    low: float
    high: float

    @property
    def point(self) -> bool:
        return self.low == self.high

    def __str__(self) -> str:
        if self.point:
            return f"{self.median:.4g}"
        return f"{self.median:.4g} [{self.low:.4g}, {self.high:.4g}]"


@dataclass
class Row:
    """One issue of one case: what was published, what happened, and negsim's forecasts."""

    case: str
    issue: str
    low: float
    high: float
    published: dict[str, float]
    actual: float | None
    forecasts: dict[str, Forecast] = field(default_factory=dict)

    def error(self, protocol: str) -> float | None:
        """Absolute error against the actual outcome, in the issue's units."""
        if self.actual is None or protocol not in self.forecasts:
            return None
        return abs(self.forecasts[protocol].median - self.actual)

    def share(self, value: float) -> float:
        """``value`` as a percentage of the issue's scale."""
        return 100 * value / (self.high - self.low)


def forecasts(path: Path, protocol: str, runs: int = RUNS, seed: int = SEED) -> dict:
    """negsim's forecast of every issue of the case at ``path`` under ``protocol``."""
    scenario = load_scenario(path, [PROTOCOLS[protocol]])
    uncertain = any(leaf.uncertain for leaf in parameter_leaves(scenario).values())
    size = runs if uncertain else 1  # one block of exactly the replicates needed
    frame = simulate_block(scenario, seed, 0, size, block_size=size).runs.to_pandas()
    found = {}
    for iid in scenario.issues:
        column = frame[f"outcome.{iid}"].astype(float)
        found[iid] = Forecast(
            float(column.median()), float(column.quantile(0.05)), float(column.quantile(0.95))
        )
    return found


def applies(path: Path, protocol: str) -> bool:
    """Whether ``protocol`` can run the case at ``path`` (see MAX_ALTERNATING_PARTIES)."""
    return protocol != "alternating" or len(load_scenario(path).parties) <= MAX_ALTERNATING_PARTIES


def validate(cases: list[Path], protocols: tuple[str, ...] = tuple(PROTOCOLS)) -> list[Row]:
    """One row per issue of every case, with the forecast of every applicable protocol."""
    rows = []
    for path in cases:
        scenario = load_scenario(path)
        reference = scenario.reference
        case_rows = {}
        for iid, issue in scenario.issues.items():
            known = reference.issues.get(iid) if reference else None
            case_rows[iid] = Row(
                scenario.name,
                iid,
                issue.scale.min,
                issue.scale.max,
                dict(known.forecasts) if known else {},
                known.actual if known else None,
            )
        for protocol in [p for p in protocols if applies(path, p)]:
            for iid, forecast in forecasts(path, protocol).items():
                case_rows[iid].forecasts[protocol] = forecast
        rows.extend(case_rows.values())
    return rows


def summary(rows: list[Row], protocols: list[str]) -> list[tuple[str, str, str, str]]:
    """Per protocol: mean absolute error against outcomes and mean distance from published
    forecasts, in percent of scale, with the number of issues behind each."""
    lines = []
    for protocol in protocols:
        errors = [r.share(e) for r in rows if (e := r.error(protocol)) is not None]
        gaps = [
            r.share(abs(r.forecasts[protocol].median - value))
            for r in rows
            if protocol in r.forecasts
            for value in r.published.values()
        ]
        lines.append((protocol, _mean(errors), _mean(gaps), str(len(errors))))
    return lines


def _mean(values: list[float]) -> str:
    return f"{sum(values) / len(values):.1f} % (n={len(values)})" if values else "—"


def _published(row: Row) -> str:
    return "; ".join(f"{model} {value:g}" for model, value in row.published.items()) or "—"


def table(rows: list[Row], protocols: list[str]) -> list[list[str]]:
    header = ["case", "issue", "published forecast", "actual"]
    header += [f"{p} (error)" for p in protocols]
    body = [header]
    for row in rows:
        cells = [row.case, row.issue, _published(row), _g(row.actual)]
        for protocol in protocols:
            if protocol not in row.forecasts:
                cells.append("n/a")
                continue
            error = row.error(protocol)
            text = str(row.forecasts[protocol])
            cells.append(text if error is None else f"{text} ({error:.2f})")
        body.append(cells)
    return body


def _g(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:g}"


def markdown(rows: list[Row], protocols: list[str]) -> str:
    """The table and the summary as docs/validation.md."""
    cells = table(rows, protocols)
    out = [
        "# Validation on real cases",
        "",
        f"Generated by `python experiments/validation.py --markdown` on "
        f"{datetime.date.today().isoformat()} (seed {SEED}; {RUNS} replicates for a case that "
        "draws uncertain values, one otherwise). Each case is a file of "
        "[`scenarios/cases/`](../scenarios/cases) that cites its source; the protocol is "
        "switched with `--set protocol={kind: ...}` and nothing else changes. Forecasts are "
        "in the issue's units: a point, or the median and the 90 % interval over the case's "
        "uncertainty; the error, in brackets, is the distance from the actual outcome.",
        "",
        "Which cases have what: **actual outcome and published forecast** — the EC car emission "
        "standards (Bueno de Mesquita 1994). **Published forecasts only** — KTAB's SMP "
        "examples (KTAB's own reference runs, summarised as the power × salience-weighted "
        "median of its final positions). **Neither reachable here** — Decide's COP21 and "
        "Copenhagen cases (Stokman & Thomson 2015 and Sprinz et al. 2016 publish forecasts "
        "we could not read), the China 1989 table and the illustrative Russia–Ukraine table. "
        "No public copy of Thomson et al.'s DEU data could be found.",
        "",
        "The mediated and alternating protocols keep the status quo without a deal, and the "
        "cases' status quo is an assumption of the import; read their columns with that in "
        "mind. Their numbers will change with the protocol rewrite of issue 11. `n/a`: the "
        f"alternating protocol enumerates every coalition, so it runs cases of at most "
        f"{MAX_ALTERNATING_PARTIES} parties.",
        "",
    ]
    out.append("| " + " | ".join(cells[0]) + " |")
    out.append("|" + "---|" * len(cells[0]))
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells[1:]]
    out += [
        "",
        "Per protocol, in percent of each issue's scale (n: issues behind the mean):",
        "",
        "| protocol | mean absolute error against outcomes "
        "| mean distance from published forecasts |",
        "|---|---|---|",
    ]
    for protocol, error, gap, _ in summary(rows, protocols):
        marker = " (baseline)" if protocol == BASELINE else ""
        out.append(f"| {protocol}{marker} | {error} | {gap} |")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help=f"also write {MARKDOWN}")
    args = parser.parse_args()
    protocols = list(PROTOCOLS)
    rows = validate(sorted(CASES.glob("*.yaml")), protocols)
    from rich.console import Console
    from rich.table import Table

    cells = table(rows, protocols)
    view = Table(*cells[0], title="negsim on real cases")
    for row in cells[1:]:
        view.add_row(*row)
    console = Console(width=200)
    console.print(view)
    outline = Table("protocol", "MAE vs outcomes (% of scale)", "distance from published (%)")
    for protocol, error, gap, _ in summary(rows, protocols):
        outline.add_row(protocol + (" (baseline)" if protocol == BASELINE else ""), error, gap)
    console.print(outline)
    if args.markdown:
        MARKDOWN.write_text(markdown(rows, protocols), encoding="utf-8")
        console.print(f"wrote {MARKDOWN.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
