"""Block outcomes → result columns in native units (docs/design.md §5).

``runs`` has one row per replicate; ``rounds`` (traces) one row per replicate and round it
bargained: the events fired, the status quo and the text on the table per issue, each party's
reservation value, aspiration, utility of the text and response, and each party's demand per
issue (``demand.<party>.<issue>``, native units; on an option issue a point of its [0, 1]
option axis, not snapped to an option). Option issues get their position on the [0, 1] option
axis in ``outcome.<issue>`` and the option's name in ``outcome_label.<issue>``; a shares issue
gets one column per party, ``outcome.<issue>.<party>``, the amount of the total it gets.
Under a protocol that forecasts instead of reaching deals (expected_utility, compromise),
``deal``, ``round`` and ``accepted.<party>`` are null.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sim.model.model import END_NAMES, ZONES, Outcomes
from sim.scenario.sampling import Draws
from sim.scenario.schema import Scenario
from sim.scenario.units import Layout


def runs_table(
    scenario: Scenario, outcomes: Outcomes, draws: Draws, first: int, keep: slice
) -> pa.Table:
    """The model's replicates ``keep`` (positions in its outcomes and draws) as ``runs`` rows
    numbered from ``first``."""
    dimensions = Layout.of(scenario.issues).dimensions
    count = keep.stop - keep.start
    deal = outcomes.deal[keep]
    nothing = np.ones(count, dtype=bool)
    columns: dict[str, pa.Array] = {
        "replicate": pa.array(np.arange(first, first + count, dtype=np.int64)),
        "deal": pa.array(deal, mask=nothing if outcomes.forecast else None),
        "round": pa.array(outcomes.round[keep], mask=~deal),
        "end": pa.array(np.asarray(END_NAMES, dtype=object)[outcomes.end[keep]].astype(str)),
        "end_round": pa.array(outcomes.round[keep]),
    }
    for k, dim in enumerate(dimensions):
        written = dim.units.result_columns("outcome", dim.name, outcomes.package[keep, k])
        columns.update({name: pa.array(values) for name, values in written.items()})
    for name, values in (
        ("utility", outcomes.utility),
        ("payoff", outcomes.payoff),
        ("reservation", outcomes.reservation),
        ("accepted", outcomes.accepted),
    ):
        mask = nothing if name == "accepted" and outcomes.forecast else None
        for n, pid in enumerate(scenario.parties):
            columns[f"{name}.{pid}"] = pa.array(values[keep, n], mask=mask)
    for kind, zone in enumerate(ZONES):
        first_round = outcomes.zone_first[keep, kind]
        columns[f"zone.{zone}.first_round"] = pa.array(first_round, mask=first_round == 0)
        columns[f"zone.{zone}.at_end"] = pa.array(outcomes.zone_end[keep, kind])
    found = ~np.isnan(outcomes.nash[keep, 0]) if len(dimensions) else np.zeros(count, bool)
    for k, dim in enumerate(dimensions):
        nash = np.nan_to_num(outcomes.nash[keep, k])  # where none was found, masked
        written = dim.units.result_columns("nash", dim.name, nash)
        columns.update({name: pa.array(values, mask=~found) for name, values in written.items()})
    columns["durable"] = pa.array(outcomes.durable[keep], mask=~deal)
    for k, dim in enumerate(dimensions):
        columns[f"compromise.{dim.name}"] = pa.array(
            dim.units.to_native(outcomes.compromise[keep, k])
        )
    for k, dim in enumerate(dimensions):
        if scenario.issues[dim.issue].battlefield:
            columns[f"battlefield.{dim.name}"] = pa.array(
                dim.units.to_native(outcomes.status_quo[keep, k])
            )
    for name, fired in outcomes.fired.items():
        columns[f"event.{name}"] = pa.array(fired[keep])
    for path, values in draws.drawn.items():
        values = values[keep]
        columns[f"param.{path}"] = pa.array(
            values.astype(str) if values.dtype == object else values
        )
    return pa.table(columns)


def rounds_table(scenario: Scenario, records: list[dict], first: int, rows: slice) -> pa.Table:
    """Per-round traces of the model's replicates ``rows`` (positions in the model), numbered
    from ``first``: each record is one round as the model's DataCollector kept it
    (:meth:`~sim.model.model.NegotiationModel.round_records`)."""
    dimensions = Layout.of(scenario.issues).dimensions
    parties = list(scenario.parties)
    parts = []
    for record in records:
        keep = (record["rows"] >= rows.start) & (record["rows"] < rows.stop)
        if not keep.any():
            continue
        columns = {
            "replicate": pa.array(record["rows"][keep].astype(np.int64) - rows.start + first),
            "round": pa.array(np.full(int(keep.sum()), record["round"], dtype=np.int64)),
        }
        for event in scenario.events:
            fired = record["fired"].get(event.name)
            columns[f"event.{event.name}"] = pa.array(
                fired[keep] if fired is not None else np.zeros(int(keep.sum()), dtype=bool)
            )
        for k, dim in enumerate(dimensions):
            units, name = dim.units, dim.name
            columns[f"status_quo.{name}"] = pa.array(units.to_native(record["status_quo"][keep, k]))
            written = units.result_columns("text", name, record["text"][keep, k])
            columns.update({column: pa.array(values) for column, values in written.items()})
        for name in ("reservation", "aspiration", "insistence", "believed", "utility", "accepted"):
            for n, pid in enumerate(parties):
                columns[f"{name}.{pid}"] = pa.array(record[name][keep, n])
        for n, pid in enumerate(parties):
            for k, dim in enumerate(dimensions):
                demand = record["demand"][keep, n, k]
                columns[f"demand.{pid}.{dim.name}"] = pa.array(dim.units.to_native(demand))
        columns["deal"] = pa.array(record["deal"][keep])
        for name, values in record.get("detail", {}).items():  # the protocol's own terms
            values = np.asarray(values)[keep]
            columns[name] = pa.array(values.astype(str) if values.dtype == object else values)
        parts.append(pa.table(columns))
    if not parts:  # no round was played (a one-shot protocol)
        return pa.table({"replicate": pa.array([], pa.int64()), "round": pa.array([], pa.int64())})
    return pa.concat_tables(parts).sort_by([("replicate", "ascending"), ("round", "ascending")])
