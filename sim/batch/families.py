"""The families of result columns, declared once: what each prefix of ``runs.parquet`` holds
and the part it plays when a batch is analysed.

- ``driver``: what was drawn or happened to a replicate before its outcome — every drawn
  parameter (``param.<path>``) and every event, fired or not (``event.<name>``). Sensitivity
  and scenario discovery explain outcomes by these.
- ``outcome``: what a replicate ended in — ``deal``, ``round``, the terms per issue
  (``outcome.<issue>``), each party's ``payoff.<party>`` (deal and no deal on one footing:
  the headline measure of how a party fares) and ``utility.<party>`` (the outcome alone).
- ``label``: the option names of ``outcome.<issue>`` on option issues.
- ``context``: shown elsewhere, not analysed as an outcome: how and when a replicate ended
  (``end``, ``end_round``), the last responses, the compromise forecast from the drawn
  positions, the final battlefield, and the bargaining range — the value of no deal at the
  end (``reservation.<party>``), the zones of agreement (``zone.<kind>.first_round``,
  ``zone.<kind>.at_end``), the Nash bargaining solution (``nash.<issue>``) and whether a deal
  would last (``durable``).

A numeric or true/false column of no declared family (a new model output such as a
zone-of-agreement flag) is an ``outcome`` under its own name: compared, summarised and
explained like the others, without a line of analysis code written for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

Role = Literal["driver", "outcome", "label", "context", "index"]


@dataclass(frozen=True)
class Family:
    """Columns named ``prefix`` + a key (an issue, a party, a dotted path, an event), or the
    one column named ``prefix`` when ``single``."""

    prefix: str
    role: Role
    words: str  # how one column of the family is named for a reader: "{}" is the key
    single: bool = False

    def matches(self, column: str) -> bool:
        return column == self.prefix if self.single else column.startswith(self.prefix)

    def key(self, column: str) -> str:
        return column if self.single else column.removeprefix(self.prefix)

    def describe(self, column: str) -> str:
        return self.words.format(self.key(column))


FAMILIES: tuple[Family, ...] = (
    Family("replicate", "index", "replicate", single=True),
    Family("deal", "outcome", "deal", single=True),
    Family("round", "outcome", "round of a deal", single=True),
    Family("outcome.", "outcome", "{}"),
    Family("outcome_label.", "label", "{}"),
    Family("payoff.", "outcome", "payoff of {}"),
    Family("utility.", "outcome", "utility of {}"),
    Family("end", "context", "how it ended", single=True),
    Family("end_round", "context", "the round it ended in", single=True),
    Family("accepted.", "context", "{} accepted the last text"),
    Family("reservation.", "context", "value of no deal to {} at the end"),
    Family("zone.", "context", "zone of agreement: {}"),
    Family("nash.", "context", "Nash bargaining solution: {}"),
    Family("nash_label.", "label", "Nash bargaining solution: {}"),
    Family("durable", "context", "the deal would last", single=True),
    Family("compromise.", "context", "compromise forecast of {}"),
    Family("battlefield.", "context", "final status quo of {}"),
    Family("param.", "driver", "{}"),
    Family("event.", "driver", "event {}"),
)
PARAM, EVENT, PAYOFF, UTILITY, OUTCOME, LABEL = (
    "param.",
    "event.",
    "payoff.",
    "utility.",
    "outcome.",
    "outcome_label.",
)


def family(column: str) -> Family | None:
    """The declared family of a column, or None."""
    return next((f for f in FAMILIES if f.matches(column)), None)


def is_quantity(values: pd.Series) -> bool:
    """Numbers or true/false values: what can be averaged, compared and explained."""
    return pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)


def role(column: str, values: pd.Series | None = None) -> Role | None:
    """The part a column plays: its family's role; an undeclared column of numbers or
    true/false values is an ``outcome``; anything else undeclared is None (left alone)."""
    found = family(column)
    if found is not None:
        return found.role
    if values is None or is_quantity(values):
        return "outcome"
    return None


def columns_of(runs: pd.DataFrame, wanted: Role) -> list[str]:
    """The columns of ``runs`` that play ``wanted``, in column order."""
    return [c for c in runs.columns if role(c, runs[c]) == wanted]


def extra_outcomes(runs: pd.DataFrame) -> list[str]:
    """Outcome columns of no declared family (new model outputs), in column order."""
    return [c for c in columns_of(runs, "outcome") if family(c) is None]


def describe(column: str) -> str:
    """A column as a reader names it: ``payoff of us``, ``event tomahawk_decision``."""
    found = family(column)
    return found.describe(column) if found is not None else column
