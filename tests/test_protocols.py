"""The protocol library against theory and published cases (docs/design.md §3), and ``shares``
issues (§2).

- alternating, subgame-perfect play: Rubinstein (1982) over several patience pairs, also set
  with ``--set``; Baron & Ferejohn (1989), closed rule, n = 3 and 5, majority and unanimity;
- expected_utility: Bueno de Mesquita's EC car emissions case — the published initial median
  (7.0) and mean (7.39), the published forecast (9.05) and outcome (8.83) against ours, and our
  round-by-round path against Scholz et al.'s (see sim/model/protocols/expected_utility.py);
- compromise: the protocol's forecast is the ``compromise.*`` column;
- the interface: the model runs any protocol through the same calls;
- ``negsim show`` names each protocol; ``negsim trace`` tells it in its own terms;
- shares issues: validation errors with their places, outcomes that split exactly the total.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from helpers import HARBOUR, cli, words
from rich.console import Console

import sim
from sim.batch.runner import simulate_block
from sim.errors import UserError
from sim.model import model as model_module
from sim.model.protocols import PROTOCOLS, Proposal, Protocol
from sim.scenario.distributions import StrictModel, tagged_kind
from sim.scenario.loader import load_scenario
from sim.scenario.protocols import PROTOCOL_SETTINGS
from sim.scenario.protocols import Protocol as ProtocolSetting
from sim.views.scenario import render_scenario

ROOT = Path(__file__).parent.parent
REFERENCE = ROOT / "scenarios" / "reference"
RUBINSTEIN = REFERENCE / "rubinstein.yaml"
BARON_FEREJOHN = REFERENCE / "baron_ferejohn_5.yaml"
EC_EMISSIONS = REFERENCE / "ec_emissions_1994.yaml"
FLAGSHIP = ROOT / "scenarios" / "budapest_2025.yaml"
SMALL = 16  # replicates per block where the block's size does not matter


def rows(scenario, *, seed: int = 1, size: int = SMALL, traces: bool = False):
    """One block of ``size`` replicates as (runs, rounds) DataFrames."""
    result = simulate_block(scenario, seed, 0, size, traces=traces, block_size=size)
    return result.runs.to_pandas(), (result.rounds.to_pandas() if traces else None)


def write(tmp_path: Path, data: dict, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


# --- Rubinstein (1982) -----------------------------------------------------------------------


def rubinstein(first: float, second: float) -> float:
    """The first proposer's share: (1 − δ₂)/(1 − δ₁δ₂)."""
    return (1 - second) / (1 - first * second)


@pytest.mark.parametrize(
    "delta_a, delta_b",
    [(0.9, 0.8), (0.8, 0.9), (0.95, 0.5), (0.6, 0.6), (0.99, 0.95), (0.5, 0.99)],
)
def test_rubinstein_first_proposer_share(delta_a, delta_b):
    scenario = load_scenario(
        RUBINSTEIN,
        [f"parties.a.patience={delta_a}", f"parties.b.patience={delta_b}"],
    )
    runs, _ = rows(scenario)
    share = rubinstein(delta_a, delta_b)
    assert runs["deal"].all() and (runs["round"] == 1).all()
    np.testing.assert_allclose(runs["utility.a"], share, atol=1e-9)
    np.testing.assert_allclose(runs["utility.b"], 1 - share, atol=1e-9)
    np.testing.assert_allclose(runs["outcome.unit.a"], share, atol=1e-9)
    np.testing.assert_allclose(runs["payoff.a"], delta_a * share, atol=1e-9)  # a deal in round 1


def test_rubinstein_reference_file_gives_0_714():
    runs, _ = rows(load_scenario(RUBINSTEIN))
    assert abs(runs["utility.a"].iloc[0] - 0.714) < 1e-3
    assert abs(runs["utility.a"].iloc[0] - 0.2 / 0.28) < 1e-9


def test_rubinstein_with_b_proposing_first_and_on_a_scale():
    """B first: A gets δA·(1 − δB)/(1 − δAδB). The same game on a scale issue whose ends are
    the two ideals gives the same split, once a round without a deal is worth nothing to either
    — its war cost takes away exactly the flow the status quo gives it, (1 − δ)·u(q)."""
    scenario = load_scenario(RUBINSTEIN, ["protocol.order=[b, a]"])
    runs, _ = rows(scenario)
    np.testing.assert_allclose(runs["utility.a"], 1 - rubinstein(0.8, 0.9), atol=1e-9)
    np.testing.assert_allclose(runs["utility.a"], 0.9 * (1 - 0.8) / (1 - 0.9 * 0.8), atol=1e-9)
    scale = yaml.safe_load(RUBINSTEIN.read_text())
    scale["issues"] = {"line": {"scale": {"min": 0, "max": 10}, "status_quo": 5}}
    scale["parties"]["a"].update(positions={"line": 10}, salience={"line": 1}, war_cost=0.05)
    scale["parties"]["b"].update(positions={"line": 0}, salience={"line": 1}, war_cost=0.1)
    runs, _ = rows(sim.Scenario.model_validate(scale))
    np.testing.assert_allclose(runs["outcome.line"], 10 * rubinstein(0.9, 0.8), atol=1e-6)


def test_rubinstein_through_negsim_run_with_set(tmp_path):
    folder = tmp_path / "out"
    code, _, err = cli(
        "run", RUBINSTEIN, "-n", 20, "--out", folder, "--quiet", "--workers", 1,
        "--set", "parties.a.patience=0.7", "--set", "parties.b.patience=0.85",
    )  # fmt: skip
    assert code == 0, err
    runs = pq.read_table(folder / "runs.parquet").to_pandas()
    np.testing.assert_allclose(runs["utility.a"], rubinstein(0.7, 0.85), atol=1e-9)


# --- Baron & Ferejohn (1989) -----------------------------------------------------------------


def legislature(n: int, delta: float, decision: str) -> sim.Scenario:
    ids = [f"p{k}" for k in range(1, n + 1)]
    party = {
        "capability": 1,
        "salience": {"unit": 1},
        "patience": delta,
        "concession": {"style": "rational"},
        "reservation_value": 0,
    }
    return sim.Scenario.model_validate(
        {
            "name": f"bf{n}",
            "rounds": 5,
            "protocol": {"kind": "alternating", "decision": decision},  # recognition ∝ capability
            "issues": {"unit": {"shares": {"among": ids, "total": 1}}},
            "parties": {pid: dict(party) for pid in ids},
        }
    )


@pytest.mark.parametrize("n", [3, 5])
@pytest.mark.parametrize("delta", [0.5, 0.9, 0.95])
@pytest.mark.parametrize("decision", ["majority", "unanimity"])
def test_baron_ferejohn_closed_rule(n, delta, decision):
    partners = (n - 1) // 2 if decision == "majority" else n - 1
    keeps = 1 - delta * (n - 1) / (2 * n) if decision == "majority" else 1 - delta * (n - 1) / n
    runs, _ = rows(legislature(n, delta, decision), size=64)
    shares = runs[[f"outcome.unit.p{k}" for k in range(1, n + 1)]].to_numpy()
    assert runs["deal"].all() and (runs["round"] == 1).all()
    np.testing.assert_allclose(shares.max(axis=1), keeps, atol=1e-9)
    bought = np.isclose(shares, delta / n, atol=1e-9).sum(axis=1)
    nothing = np.isclose(shares, 0, atol=1e-12).sum(axis=1)
    assert (bought == partners).all() and (nothing == n - 1 - partners).all()
    np.testing.assert_allclose(shares.sum(axis=1), 1, atol=1e-12)


def test_baron_ferejohn_reference_file_and_recognition():
    """The shipped case: 0.64 to the proposer, 0.18 to two others; each legislator proposes in
    about a fifth of the replicates (recognition drawn from the protocol's generator)."""
    assert abs((1 - 0.9 * 4 / 10) - 0.64) < 1e-12
    runs, _ = rows(load_scenario(BARON_FEREJOHN), size=1000)
    shares = runs.filter(like="outcome.unit.").to_numpy()
    np.testing.assert_allclose(np.sort(shares, axis=1)[:, -3:], [[0.18, 0.18, 0.64]] * 1000)
    proposers = np.bincount(shares.argmax(axis=1), minlength=5) / 1000
    assert (abs(proposers - 0.2) < 0.05).all()
    unanimity = load_scenario(BARON_FEREJOHN, ["protocol.decision=unanimity"])
    runs, _ = rows(unanimity)
    np.testing.assert_allclose(runs.filter(like="outcome.unit.").max(axis=1), 1 - 0.9 * 4 / 5)


def test_an_asymmetric_legislature_mixes_partners_at_equal_prices():
    """With unequal patience the proposers mix between partners (the plain fixed-point
    iteration cycles; the logit-smoothed one converges): the proposer's price of every partner it
    may buy is its discounted continuation value, and the prices of the partners mixed equal."""
    scenario = load_scenario(
        BARON_FEREJOHN, ["parties.p1.patience=0.5", "parties.p2.patience=0.95"]
    )
    runs, _ = rows(scenario, size=400)
    shares = runs.filter(like="outcome.unit.").to_numpy()
    prices = np.unique(np.round(shares[shares > 0], 6))
    assert len(prices) == 4  # p1's price, everyone else's price, and two proposer shares
    cheap, price = prices[0], prices[1]
    assert np.isclose(cheap, 0.5 * (0.2 * (1 - 2 * price) + 0.8 * cheap), atol=1e-6)


# --- Bueno de Mesquita's expected-utility model ----------------------------------------------

# Scholz, Calbert & Smith (2011) on the EC case, as J. McKibben's port prints it (its author
# reports that it reproduces their published results for ten rounds): the weighted median after
# rounds 1-3, and the first round's risk exponents. Later rounds part (see the module docstring).
SCHOLZ_MEDIANS = [8.416, 9.611, 9.962]
SCHOLZ_ROUND_1_RISK = {
    "netherlands": 1.406, "belgium": 0.754, "luxembourg": 0.509, "germany": 1.406,
    "france": 1.047, "italy": 1.047, "uk": 1.965, "ireland": 0.5, "denmark": 2.0,
    "greece": 1.112,
}  # fmt: skip
BDM_FORECAST, ACTUAL = 9.05, 8.83  # years: Bueno de Mesquita (1994), and the standard adopted
SCHOLZ_RANGE = (7.4, 9.9)  # the medians Scholz et al. (2011) report
EU_TOLERANCE = 0.5  # years: how far from the actual outcome our forecast may lie


@pytest.fixture(scope="module")
def ec_trace() -> pd.DataFrame:
    return sim.trace(EC_EMISSIONS, replicate=0, seed=0)


def test_ec_emissions_initial_median_and_mean_are_the_published_values(ec_trace):
    first = ec_trace.iloc[0]
    assert first["eu.start_median.years"] == 7.0
    assert round(first["eu.start_mean.years"], 2) == 7.39


def test_ec_emissions_forecast_lies_among_the_published_figures(ec_trace):
    """Bueno de Mesquita forecast 9.05 years, the Council adopted 8.83; the expected-utility
    forecast after the scenario's ten rounds lies within Scholz et al.'s range and within
    half a year of the outcome (the weighted median it started from, 7, is 1.83 away)."""
    forecast = ec_trace.attrs["outcome"]["outcome.years"]
    assert SCHOLZ_RANGE[0] <= forecast <= SCHOLZ_RANGE[1]
    assert abs(forecast - ACTUAL) <= EU_TOLERANCE
    assert abs(forecast - ACTUAL) < abs(7.0 - ACTUAL)
    assert abs(forecast - BDM_FORECAST) <= EU_TOLERANCE


def test_ec_emissions_path_round_by_round(ec_trace):
    """The first round reproduces Scholz et al.'s risk exponents and median; rounds 2-3 follow
    their path within 0.15 years (they rank offers by kind, we by the move, as their text says);
    Belgium, the pivot, is pulled to France's 10 years, gives in to Greece's 7 in round 8 and
    heads back toward 10: the cycle Scholz et al. discuss under convergence."""
    rounds = ec_trace
    assert rounds["round"].tolist() == list(range(1, 11))
    first = rounds.iloc[0]
    risk = {pid: first[f"eu.risk.years.{pid}"] for pid in SCHOLZ_ROUND_1_RISK}
    assert risk == pytest.approx(SCHOLZ_ROUND_1_RISK, abs=1e-3)
    medians = rounds["eu.median.years"].tolist()
    assert medians[0] == pytest.approx(SCHOLZ_MEDIANS[0], abs=1e-3)
    np.testing.assert_allclose(medians[1:3], SCHOLZ_MEDIANS[1:3], atol=0.15)
    assert medians[3:7] == pytest.approx([10.0] * 4, abs=1e-2)
    assert medians[7] == pytest.approx(7.0, abs=1e-2) and medians[7] < medians[8] < medians[9]
    assert first["eu.offer.years.belgium"] == "compromise"
    assert first["eu.from.years.belgium"] == "france"
    eighth = rounds.iloc[7]
    assert eighth["eu.offer.years.belgium"] == "capitulation"
    assert eighth["eu.from.years.belgium"] == "greece"
    for bloc in ("netherlands", "germany", "denmark", "france", "italy", "uk"):
        assert (rounds[f"eu.offer.years.{bloc}"] == "none").all()
    outcome = ec_trace.attrs["outcome"]
    assert outcome["outcome.years"] == medians[-1]
    assert outcome["deal"] is None and outcome["round"] is None
    assert outcome["accepted.uk"] is None
    assert outcome["payoff.uk"] == outcome["utility.uk"]


def test_expected_utility_on_the_flagship_snaps_options_and_has_null_deals():
    scenario = load_scenario(FLAGSHIP, ["protocol={kind: expected_utility}", "rounds=8"])
    result = simulate_block(scenario, 0, 0, SMALL, block_size=SMALL)
    runs = result.runs
    assert runs.schema.field("deal").type == "bool" and runs["deal"].null_count == SMALL
    assert runs["round"].null_count == SMALL
    frame = runs.to_pandas()
    assert set(frame["outcome.nato"]) <= {0.0, 0.5, 1.0}
    assert set(frame["outcome_label.nato"]) <= {"neutrality", "security_guarantees",
                                                "membership_path"}  # fmt: skip


# --- compromise ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [FLAGSHIP, HARBOUR])
def test_the_compromise_protocol_forecasts_the_compromise_column(path):
    runs, rounds = rows(load_scenario(path, ["protocol={kind: compromise}"]), traces=True)
    for column in [c for c in runs if c.startswith("compromise.")]:
        np.testing.assert_array_equal(runs["outcome." + column.split(".", 1)[1]], runs[column])
    assert runs["deal"].isna().all() and runs["round"].isna().all()
    assert len(rounds) == 0  # one shot: no round is played
    mediated, _ = rows(load_scenario(path))
    for column in [c for c in runs if c.startswith("compromise.")]:  # the same baseline column
        np.testing.assert_array_equal(runs[column], mediated[column])


# --- the interface -----------------------------------------------------------------------------


def test_every_protocol_kind_of_the_language_is_registered():
    """The language reads its protocols from PROTOCOL_SETTINGS, the model from PROTOCOLS: the
    same kinds, each settings class under its own kind, and an unknown kind is told them all."""
    members = ProtocolSetting.__origin__.__args__
    kinds = {tagged_kind(member.__metadata__[0].tag) for member in members}
    assert kinds == set(PROTOCOL_SETTINGS) == set(PROTOCOLS)
    for kind, settings in PROTOCOL_SETTINGS.items():
        assert settings.model_fields["kind"].annotation == Literal[kind]
    assert all(issubclass(cls, Protocol) for cls in PROTOCOLS.values())
    with pytest.raises(UserError) as caught:
        load_scenario(HARBOUR, ["protocol={kind: auction}"])
    message = str(caught.value)
    assert "protocol: kind: expected" in message
    assert all(kind in message for kind in PROTOCOL_SETTINGS)


def test_show_tells_a_protocol_it_has_no_words_for_by_its_kind_and_settings(monkeypatch):
    """A new protocol is described in ``negsim show`` by its kind and settings until it is given
    words of its own — never as another protocol — and, bargaining, keeps its veto holders."""

    class Auction(StrictModel):
        kind: Literal["auction"] = "auction"
        reserve: float = 0.25
        order: tuple[str, ...] = ("north", "south")

    class Sealed(Protocol):
        """Bargains (not a forecast); never run here."""

    monkeypatch.setitem(PROTOCOLS, "auction", Sealed)
    scenario = load_scenario(HARBOUR).model_copy(update={"protocol": Auction()})
    console = Console(record=True, width=200)
    render_scenario(scenario, console)
    text = console.export_text()
    assert "protocol: auction (reserve 0.25; order ('north', 'south'))" in text
    assert "Veto holders: north, south" in text


def test_the_model_does_not_know_which_protocol_runs(monkeypatch):
    """The model names no protocol, and no protocol reaches into the model: a protocol
    registered under a kind runs through the same calls (rounds, propose, ratified, outcome)
    on the round's state alone, with no change to the model."""
    source = Path(model_module.__file__).read_text()
    for kind in PROTOCOLS:
        assert f'"{kind}"' not in source and f"'{kind}'" not in source
    for protocol in PROTOCOLS.values():
        module = Path(sys.modules[protocol.__module__].__file__).read_text()
        assert "sim.model.model" not in module and ".model." not in module.replace("sim.model.", "")
    calls = []

    class Table(Protocol):
        """Puts the status quo on the table; everyone must accept."""

        def rounds(self, scenario_rounds):
            calls.append("rounds")
            return 2

        def propose(self, state):
            calls.append("propose")
            return Proposal(state.status_quo.copy())

        def ratified(self, accepted, state):
            calls.append("ratified")
            return np.zeros(len(accepted), dtype=bool)

    monkeypatch.setitem(PROTOCOLS, "compromise", Table)
    runs, _ = rows(load_scenario(HARBOUR, ["protocol={kind: compromise}"]))
    assert calls == ["rounds", "propose", "ratified", "propose", "ratified"]
    assert not runs["deal"].any()  # not a forecast: deals are false, not null


@pytest.mark.parametrize(
    "overrides",
    [[], ["protocol={kind: alternating}"], ["protocol={kind: expected_utility}"],
     ["protocol={kind: compromise}"]],
)  # fmt: skip
def test_every_protocol_is_reproducible_and_a_block_is_cut_not_rerun(overrides):
    """Same seed, same bytes; a batch of N is the first N rows of a larger one
    (docs/design.md §4)."""
    scenario = load_scenario(HARBOUR, overrides)
    first = simulate_block(scenario, 7, 0, 40, block_size=64).runs
    again = simulate_block(scenario, 7, 0, 64, block_size=64).runs
    assert first.equals(again.slice(0, 40))


def test_a_mediator_setting_set_by_an_event_is_checked_and_inert_under_another_protocol(
    tmp_path,
):
    data = yaml.safe_load(HARBOUR.read_text())
    data["protocol"] = {"kind": "alternating"}
    data["events"].append({"name": "broker", "round": 2, "set": {"protocol.mediator_bias": 0.5}})
    runs, _ = rows(sim.Scenario.model_validate(data))
    assert len(runs) == SMALL
    data["events"][-1]["set"] = {"protocol.mediator_bias": 2, "protocol.mediator": "west"}
    path = write(tmp_path, data)
    with pytest.raises(UserError) as exc:
        load_scenario(path)
    messages = [p.message for p in exc.value.problems]
    assert messages == [
        "Input should be less than 1",
        "unknown party; known: north, south",
    ]


# --- show and trace --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, overrides, expected",
    [
        (RUBINSTEIN, [], "protocol: alternating offers (proposer in turn: a → b; decision: "
         "unanimity; ratification: veto; play: subgame-perfect (all rational))"),
        (BARON_FEREJOHN, [], "decision: majority"),
        (HARBOUR, ["protocol={kind: alternating, decision: {quota: 0.6}}"],
         "proposer recognition ∝ capability; decision: quota 0.6; ratification: veto; "
         "play: behavioural concession"),
        (EC_EMISSIONS, [], "protocol: expected_utility (Bueno de Mesquita, as specified by "
         "Scholz et al. 2011; q 1, t 1"),
        (HARBOUR, ["protocol={kind: compromise}"], "protocol: compromise (Stokman's one-shot"),
        (HARBOUR, [], "protocol: mediated (mediator: neutral"),
    ],
)  # fmt: skip
def test_show_names_the_protocol_and_its_settings(monkeypatch, path, overrides, expected):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, err = cli("show", path, *[a for o in overrides for a in ("--set", o)])
    assert code == 0, err
    assert expected in words(out)


def test_show_describes_a_shares_issue(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    _, out, _ = cli("show", BARON_FEREJOHN)
    assert "1 shared among p1, p2, p3, p4, p5" in out and "nobody gets any" in out
    assert "all of it (1)" in out and "p3 0.2 of 1" in out


def test_trace_tells_an_alternating_replicate_in_its_own_terms(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = cli("trace", BARON_FEREJOHN, "--replicate", 3)
    text = words(out)
    assert code == 0
    assert "protocol alternating" in text and " proposes: unit p1 " in text
    assert "Coalition: " in text and "accepts (0.180 ≥ its continuation value 0.180)" in text
    assert "Deal in round 1" in text
    code, out, _ = cli("trace", HARBOUR, "--replicate", 0, "--set", "protocol={kind: alternating}")
    assert " proposes: fishing_quota " in words(out) and "aspiration" in out


def test_trace_tells_an_expected_utility_replicate_in_its_own_terms(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = cli("trace", EC_EMISSIONS, "--replicate", 0)
    text = words(out)
    assert code == 0
    assert "Round 1 years: weighted median 7 years → 8.416 years; weighted mean 7.39 → 7.468" in (
        text
    )
    assert "belgium compromises with france: now at 8.416 years (risk exponent 0.75)" in text
    assert "Forecast after 10 rounds (the weighted median): years 9.301 years" in text


def test_trace_tells_the_one_shot_compromise(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = cli("trace", HARBOUR, "--replicate", 0, "--set", "protocol={kind: compromise}")
    assert code == 0
    assert "Stokman's compromise, one shot" in words(out) and "Round 1" not in out


# --- shares issues ---------------------------------------------------------------------------

PIE = """\
schema_version: 1
name: pie
rounds: 12
issues:
  pie:
    shares: {among: [a, b, c], total: 90}
    status_quo: {a: 30, b: 30, c: 30}
  port: {scale: {min: 0, max: 10}, status_quo: 5, veto: [a, b, c]}
parties:
  a: {capability: 1, salience: {pie: 1, port: 0.5}, positions: {port: 10}}
  b: {capability: 2, salience: {pie: 1}, concession: {style: conceder}}
  c: {capability: 1, salience: {pie: 0.3, port: 1}, positions: {port: 0}}
"""


@pytest.mark.parametrize(
    "edit, line, column, path, message",
    [
        (("positions: {port: 0}", "positions: {port: 0, pie: 20}"),
         12, 74, "parties.c.positions.pie",
         "pie is a shares issue: it takes no position (a party's ideal is all of it)"),
        (("among: [a, b, c]", "among: [a, b, d]"), 6, 28, "issues.pie.shares.among.2",
         "unknown party; known: a, b, c"),
        (("among: [a, b, c]", "among: [a, b]"), 7, 32, "issues.pie.status_quo.c",
         "not among the parties sharing pie; among: a, b"),
        (("c: 30}", "c: 20}"), 7, 17, "issues.pie.status_quo",
         "the amounts add up to 80, not the total 90"),
        (("status_quo: {a: 30, b: 30, c: 30}", "status_quo: 30"), 6, 5, "issues.pie",
         "the status quo of a shares issue is a split {party: amount, ..} summing to its total"),
        (("total: 90}", "total: 90}\n    scale: {min: 0, max: 1}"), 6, 5, "issues.pie",
         "an issue needs exactly one of scale, options or shares"),
        (("total: 90}", "total: 90}\n    battlefield: true"), 6, 5, "issues.pie",
         "battlefield: true needs a scale issue, not shares"),
        (("total: 90}", "total: 0}"), 6, 39, "issues.pie.shares.total",
         "Input should be greater than 0"),
        (("among: [a, b, c]", "among: [a, a, c]"), 6, 13, "issues.pie.shares",
         "the parties of a shares issue must be distinct"),
        (("status_quo: 5, veto", "status_quo: {a: 1}, veto"), 8, 9, "issues.port",
         "a split {party: amount, ..} is the status quo of a shares issue only"),
        (("port: {scale: {min: 0, max: 10}, status_quo: 5, ", "port: {scale: {min: 0, max: 10}, "),
         8, 3, "issues.port.status_quo", "required field missing"),
        (("{a: 30, b: 30, c: 30}", "{a: -30, b: 90, c: 30}"), 7, 21, "issues.pie.status_quo.a",
         "Input should be greater than or equal to 0 (got -30)"),
    ],
)  # fmt: skip
def test_shares_validation_errors_name_their_places(tmp_path, edit, line, column, path, message):
    old, new = edit
    assert old in PIE
    target = tmp_path / "pie.yaml"
    target.write_text(PIE.replace(old, new, 1))
    with pytest.raises(UserError) as exc:
        load_scenario(target)
    problem = next((p for p in exc.value.problems if p.path == path), exc.value.problems[0])
    assert (problem.place.line, problem.place.column, problem.path) == (line, column, path), str(
        problem
    )
    assert message in problem.message


def test_a_party_not_among_the_sharers_cannot_care_about_the_shares(tmp_path):
    data = yaml.safe_load(PIE)
    data["issues"]["pie"]["shares"]["among"] = ["a", "b"]
    data["issues"]["pie"]["status_quo"] = {"a": 45, "b": 45}
    with pytest.raises(UserError) as exc:
        load_scenario(write(tmp_path, data))
    (problem,) = exc.value.problems
    assert problem.path == "parties.c.salience.pie"
    assert problem.message == (
        "not among the parties sharing pie (a, b): its salience there must be 0"
    )


@pytest.mark.parametrize(
    "change, path, message",
    [
        ({"protocol": {"kind": "mediated"}}, "parties.a.concession.style",
         "rational (subgame-perfect) play needs protocol kind alternating"),
        ({"issues": {"second": {"scale": {"min": 0, "max": 1}, "status_quo": 0}}},
         "parties.a.concession.style",
         "rational play is solved for a single scale or shares issue; this scenario has 2 issues"),
        ({"parties": {"b": {"concession": {"style": "linear"}}}}, "parties.b.concession",
         "every party must play rational when one does (a does)"),
        ({"protocol": {"kind": "expected_utility"}}, "issues.unit.shares",
         "the expected_utility protocol needs scale or option issues"),
        ({"events": [{"name": "soften", "round": 2,
                      "set": {"parties.b.concession.style": "linear"}}]},
         "events.0.set.parties.b.concession.style",
         "an event cannot switch a party to or from rational play"),
    ],
)  # fmt: skip
def test_rational_play_and_protocols_check_what_they_need(tmp_path, change, path, message):
    data = yaml.safe_load(RUBINSTEIN.read_text())
    for key, value in change.items():
        if key == "parties":
            for pid, fields in value.items():
                data["parties"][pid].update(fields)
        elif key == "issues":
            data["issues"].update(value)
            data["parties"]["a"]["salience"]["second"] = 0
        else:
            data[key] = value
    with pytest.raises(UserError) as exc:
        load_scenario(write(tmp_path, data))
    problems = [p for p in exc.value.problems if p.path == path]
    assert problems and message in problems[0].message, exc.value.problems


@pytest.mark.parametrize(
    "overrides",
    [[], ["protocol={kind: alternating}"], ["protocol={kind: alternating, decision: majority}"],
     ["protocol={kind: compromise}"]],
)  # fmt: skip
def test_shares_outcomes_split_exactly_the_total(tmp_path, overrides):
    path = tmp_path / "pie.yaml"
    path.write_text(PIE)
    runs, rounds = rows(load_scenario(path, overrides), size=64, traces=True)
    shares = runs[["outcome.pie.a", "outcome.pie.b", "outcome.pie.c"]].to_numpy()
    np.testing.assert_allclose(shares.sum(axis=1), 90, atol=1e-9)
    assert (shares >= 0).all()
    if len(rounds):
        tables = rounds[["text.pie.a", "text.pie.b", "text.pie.c"]].to_numpy()
        np.testing.assert_allclose(tables.sum(axis=1), 90, atol=1e-9)


def test_a_variant_replaces_a_split_whole(tmp_path):
    (tmp_path / "pie.yaml").write_text(PIE)
    variant = write(
        tmp_path, {"extends": "pie.yaml", "issues": {"pie": {"status_quo": {"b": 90}}}}, "v.yaml"
    )
    assert load_scenario(variant).issues["pie"].status_quo == {"b": 90}


def test_without_a_status_quo_no_deal_gives_nobody_any_of_it(tmp_path):
    data = yaml.safe_load(PIE)
    del data["issues"]["pie"]["status_quo"]
    data["parties"]["a"]["concession"] = {"style": "hardliner"}  # never settles
    runs, _ = rows(load_scenario(write(tmp_path, data)))
    assert not runs["deal"].any()
    for pid in "abc":
        assert (runs[f"outcome.pie.{pid}"] == 0).all()
        assert (runs[f"utility.{pid}"] < 1).all()  # nobody got the share it wanted
