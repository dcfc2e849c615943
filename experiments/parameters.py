"""What each parameter does: the harbour dispute run once as written and once per change.

The table of docs/model.md §5 comes from here. ``tests/data/harbour.yaml`` (two parties, three
issues, a battlefield, an event) runs with a fixed seed and N, as written and then with one
``--set`` change at a time; each row gives the share of replicates with a deal, the weeks the
deals came in, each party's mean payoff (the one welfare account) and the deals' median
terms. The effects are those of this scenario: their direction follows from the equations,
their size does not carry over.

    python experiments/parameters.py             # the table on the terminal
    python experiments/parameters.py --markdown  # the same table as Markdown
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import sim

HARBOUR = Path(__file__).resolve().parent.parent / "tests" / "data" / "harbour.yaml"
RUNS = 2048
SEED = 1
CHANGES: list[tuple[str, str]] = [
    ("rounds", "rounds=40"),
    ("war_cost", "parties.south.war_cost=0.005"),
    ("war_cost", "parties.south.war_cost=0.03"),
    ("patience", "parties.south.patience=0.99"),
    ("resolve", "parties.north.resolve=0.01"),
    ("resolve", "parties.north.resolve=0.2"),
    ("concession.style", "parties.north.concession={style: conceder}"),
    ("concession.style", "parties.north.concession={style: hardliner}"),
    ("concession.beta", "parties.north.concession.beta=0.1"),
    ("concession.opening", "parties.north.concession.opening=0.5"),
    ("concession.reciprocity", "parties.north.concession.reciprocity=1"),
    ("deadline", "parties.north.deadline=8"),
    ("reservation_value", "parties.north.reservation_value=0.6"),
    ("optimism", "parties.north.optimism=1"),
    ("learning", "parties.north.learning=0"),
    ("salience", "parties.north.salience.harbour=0.1"),
    ("loss", "parties.north.loss=2"),
    ("capability", "parties.south.capability=3"),
    ("battlefield.drift", "battlefield.drift=-0.3"),
    ("battlefield.drift", "battlefield.drift=1"),
    ("battlefield.volatility", "battlefield.volatility=3"),
    ("events.*.probability", "events.storm_season.probability=1"),
    ("protocol.mediator", "protocol.mediator=north"),
    ("protocol.mediator_bias", "protocol={kind: mediated, mediator: north, mediator_bias: 0.5}"),
    ("protocol.breakdown", "protocol={kind: mediated, breakdown: 0.05}"),
]
"""(the parameter, the ``--set`` change) — one row each, after the scenario as written."""


def summarise(runs: pd.DataFrame) -> dict[str, str]:
    """One row: deal share, deal weeks, mean payoffs, median terms of the deals."""
    deals = runs[runs["deal"]]
    weeks = deals["end_round"]
    row = {
        "deal": f"{runs['deal'].mean():.0%}",
        "deal weeks (median, 10–90 %)": "—"
        if deals.empty
        else f"{weeks.median():g} ({weeks.quantile(0.1):g}–{weeks.quantile(0.9):g})",
        "payoff north / south": f"{runs['payoff.north'].mean():.2f} / "
        f"{runs['payoff.south'].mean():.2f}",
    }
    if deals.empty:
        row["terms of the deals"] = "—"
    else:
        harbour = deals["outcome_label.harbour"].mode().iloc[0]
        row["terms of the deals"] = (
            f"quota {deals['outcome.fishing_quota'].median():.0f} %, harbour {harbour}, "
            f"border {deals['outcome.border'].median():.1f} km"
        )
    return row


def table() -> pd.DataFrame:
    rows = [{"parameter": "—", "change": "as written", **summarise(_run([]))}]
    for parameter, change in CHANGES:
        rows.append({"parameter": parameter, "change": change, **summarise(_run([change]))})
    return pd.DataFrame(rows)


def _run(overrides: list[str]) -> pd.DataFrame:
    return sim.run(HARBOUR, runs=RUNS, seed=SEED, overrides=overrides)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args()
    result = table()
    if args.markdown:
        print(f"`tests/data/harbour.yaml`, N = {RUNS}, seed {SEED}\n")
        print("| " + " | ".join(result.columns) + " |")
        print("|" + "---|" * len(result.columns))
        for row in result.itertuples(index=False):
            print(
                "| " + " | ".join(f"`{v}`" if i == 1 else str(v) for i, v in enumerate(row)) + " |"
            )
    else:
        with pd.option_context("display.width", 200, "display.max_colwidth", 80):
            print(result.to_string(index=False))


if __name__ == "__main__":
    main()
