"""Sensitivity and drivers: PRCC recovers known monotone relations (and ~0 for a parameter that
does not matter) with intervals that cover the truth; permutation importance sees an effect
that rises and falls, which PRCC misses; PRIM finds a planted box; on a real batch the driver
that decides the outcome — a parameter, or an event that forces a deal — is ranked first and
described by the discovered box; a Sobol sweep gets first and total indices, and a warning
when they are too uncertain to read; ``negsim sensitivity`` prints ranked tables and writes a
report with a chart per outcome.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import HARBOUR, cli

import sim
from sim.analysis.drivers import driver_matrix, importances, learner
from sim.analysis.prim import prim
from sim.analysis.sensitivity import (
    SobolIndex,
    analyze_folder,
    batch_sensitivity,
    prcc,
    sobol_warning,
)
from sim.errors import UserError
from sim.experiments.language import load_experiment
from sim.experiments.sweep import (
    SUMMARY,
    SWEEP,
    summary_frame,
    summary_row,
    sweep_manifest,
    write_summary,
)


def synthetic(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Four uniform parameters; y rises with x0 (convex), falls with x1, ignores x2 and x3."""
    x = rng.uniform(size=(n, 4))
    y = np.exp(2 * x[:, 0]) - 2 * x[:, 1] ** 3 + 1.5 * rng.normal(size=n)
    return x, y


@pytest.fixture(scope="module")
def truth() -> np.ndarray:
    """The population PRCC of the synthetic model, from one very large sample."""
    x, y = synthetic(np.random.default_rng(0), 200_000)
    return prcc(x, y)[0][:, 0]


def test_prcc_finds_monotone_effects_and_nothing_where_there_is_none(truth):
    assert truth[0] > 0.6 and truth[1] < -0.2
    assert abs(truth[2]) < 0.01 and abs(truth[3]) < 0.01
    x, y = synthetic(np.random.default_rng(1), 2000)
    r, low, high, p = prcc(x, y)
    assert r[0, 0] > 0.6 and p[0, 0] < 1e-6
    assert r[1, 0] < -0.2 and p[1, 0] < 1e-6
    for j in (2, 3):
        assert low[j, 0] < 0 < high[j, 0]
        assert p[j, 0] > 0.01


def test_the_intervals_cover_the_truth_about_95_percent_of_the_time(truth):
    rng = np.random.default_rng(2)
    covered = np.zeros(4)
    trials = 200
    for _ in range(trials):
        x, y = synthetic(rng, 300)
        _, low, high, _ = prcc(x, y)
        covered += (low[:, 0] <= truth) & (truth <= high[:, 0])
    assert np.all(covered / trials >= 0.90), covered / trials
    assert np.all(covered / trials <= 0.995), covered / trials


def test_an_exact_monotone_relation_has_prcc_one_and_many_outcomes_go_at_once():
    rng = np.random.default_rng(3)
    x = rng.uniform(size=(500, 3))
    y = np.column_stack([np.exp(5 * x[:, 1]), -(x[:, 2] ** 3) + 0.1 * rng.normal(size=500)])
    r, _, _, _ = prcc(x, y)
    assert r[1, 0] == pytest.approx(1.0)
    assert r[2, 1] < -0.8
    one = prcc(x, y[:, 1])[0][:, 0]
    np.testing.assert_allclose(one, r[:, 1])


def test_prcc_equals_the_correlation_of_rank_residuals():
    """The definition, written out the slow way (Marino et al. 2008)."""
    from scipy.stats import rankdata

    rng = np.random.default_rng(4)
    x = rng.normal(size=(400, 3))
    y = x[:, 0] + 0.5 * x[:, 1] ** 3 + rng.normal(size=400)
    rx, ry = rankdata(x, axis=0), rankdata(y)
    expected = []
    for j in range(3):
        others = np.column_stack([np.ones(400), np.delete(rx, j, axis=1)])
        res_x = rx[:, j] - others @ np.linalg.lstsq(others, rx[:, j], rcond=None)[0]
        res_y = ry - others @ np.linalg.lstsq(others, ry, rcond=None)[0]
        expected.append(np.corrcoef(res_x, res_y)[0, 1])
    np.testing.assert_allclose(prcc(x, y)[0][:, 0], expected, atol=1e-12)


def test_a_constant_outcome_has_no_prcc():
    x = np.random.default_rng(5).uniform(size=(100, 2))
    assert np.isnan(prcc(x, np.ones(100))[0]).all()


def test_option_draws_become_ordinal_codes_in_the_order_of_their_issue_and_events_drivers():
    scenario = sim.load_scenario(
        HARBOUR, ["parties.north.positions.harbour={choice: {north_gets: 1, shared: 1}}"]
    )
    runs = sim.run(scenario, runs=200, seed=1)
    params, notes = driver_matrix(runs, scenario)
    codes = params["parties.north.positions.harbour"]
    names = runs["param.parties.north.positions.harbour"]
    assert set(codes[names == "shared"]) == {1.0} and set(codes[names == "north_gets"]) == {2.0}
    assert any("south_keeps, shared, north_gets" in n for n in notes)
    assert (
        params["event.storm_season"].tolist() == runs["event.storm_season"].astype(float).tolist()
    )
    params, notes = driver_matrix(runs)  # without the scenario, the order is unknown
    assert "parties.north.positions.harbour" not in params
    assert any("no known order" in n for n in notes)


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    """A small harbour batch in which the south's patience and the north's war cost drive the
    terms."""
    folder = tmp_path_factory.mktemp("sens") / "harbour"
    code, _, err = cli(
        "run", HARBOUR, "--runs", 1024, "--seed", 2, "--out", folder, "-q",
        "--set", "parties.south.patience={uniform: [0.8, 0.99]}",
        "--set", "parties.north.war_cost={uniform: [0, 0.03]}",
    )  # fmt: skip
    assert code == 0, err
    return folder


def test_sensitivity_names_the_parameter_that_drives_the_outcome(batch):
    result = analyze_folder(batch)
    assert result.method == "prcc" and result.n == 1024
    assert set(result.parameters) == {
        "parties.south.patience",
        "parties.north.war_cost",
        "parties.south.capability",
        "event.storm_season",
    }
    by_outcome = {o.outcome: o for o in result.outcomes}
    # a north that bleeds faster concedes sooner, to the south's good ...
    top = by_outcome["utility.south"].effects[0]
    assert top.parameter == "parties.north.war_cost" and top.prcc > 0.5 and top.low > 0.3
    # ... while a more patient south weighs the war's future costs more: it settles for less
    patience = next(
        e for e in by_outcome["utility.south"].effects if e.parameter == "parties.south.patience"
    )
    assert patience.prcc < -0.3 and patience.high < -0.2
    # both bring the deal sooner
    assert by_outcome["round"].effects[0].parameter == "parties.north.war_cost"
    patience = next(
        e for e in by_outcome["round"].effects if e.parameter == "parties.south.patience"
    )
    assert patience.prcc < -0.3
    # a north that bleeds faster concedes the fishing quota sooner
    war_cost = next(
        e
        for e in by_outcome["outcome.fishing_quota"].effects
        if e.parameter == "parties.north.war_cost"
    )
    assert war_cost.prcc < -0.3 and war_cost.high < 0


def test_sensitivity_of_a_batch_without_uncertain_parameters_is_a_clear_error():
    scenario = sim.load_scenario(
        HARBOUR,
        [
            "parties.north.war_cost=0.002",
            "parties.south.capability=0.7",
            "events.storm_season.probability=1",  # it fires everywhere: no driver either
        ],
    )
    runs = sim.run(scenario, runs=50, seed=1)
    with pytest.raises(UserError, match="no drawn parameter or event varies"):
        batch_sensitivity(runs, scenario)


def test_the_cli_prints_ranked_tables_and_writes_a_report(batch, tmp_path):
    pytest.importorskip("matplotlib")
    report = tmp_path / "sens.html"
    code, out, err = cli("sensitivity", batch, "--top", 2, "--report", report)
    assert code == 0, err
    text = " ".join(out.split())
    assert "of 4 drivers (3 drawn parameters, 1 event), 1,024 replicates" in text
    assert "Deal rate when each event fired, and when it did not" in text
    assert "utility of south (1,024 replicates" in text
    assert "… and 2 more (--top 4 shows all)" in text
    # payoffs come before utilities, and the output says why
    assert text.index("payoff of south (") < text.index("utility of south (")
    assert "Payoff (deal and no deal on one footing) comes first" in text
    page = report.read_text()
    result = analyze_folder(batch)
    # deals in some replicates: where they are likely, in the scenario's words
    assert result.discovered is not None and "Where a deal is likely (PRIM)" in text
    # one chart per outcome, embedded; nothing written beside it
    charts = len(result.outcomes) + (result.discovered is not None)  # and the box's
    assert page.count('<img src="data:image/png;base64,') == charts
    assert "What drives" in page and sorted(p.name for p in tmp_path.iterdir()) == ["sens.html"]


def test_the_cli_refuses_what_is_not_a_results_folder(tmp_path):
    code, _, err = cli("sensitivity", tmp_path / "missing")
    assert code == 2 and "no such folder" in err
    code, _, err = cli("sensitivity", tmp_path)
    assert code == 2 and "not a negsim results folder" in err


def test_prcc_across_the_points_of_a_latin_hypercube_sweep(tmp_path):
    (tmp_path / "short.yaml").write_text(f"extends: {HARBOUR}\nrounds: 16\n")
    experiment = tmp_path / "lhs.yaml"
    experiment.write_text(
        "name: lhs\nscenario: short.yaml\nruns: 100\nseed: 1\n"
        "design: {method: lhs, samples: 16, seed: 3, ranges: "
        "{parties.south.patience: [0.8, 0.99], parties.north.optimism: [0, 1]}}\n"
    )
    code, _, err = cli("sweep", experiment, "--out", tmp_path / "out", "-q")
    assert code == 0, err
    result = analyze_folder(tmp_path / "out")
    assert result.method == "prcc" and result.n == 16 and result.unit == "points"
    by_outcome = {o.outcome: o for o in result.outcomes}
    assert by_outcome["mean.utility.south"].effects[0].parameter == "parties.south.patience"


def test_sobol_indices_recover_a_known_decomposition(tmp_path):
    """A sweep folder whose outcome is a known function of its design, y = 4·a + b + a·c on
    [0, 1]³, written as negsim sweep writes one: SALib recovers the first-order indices
    (E[y | a] = 4.5·a + const, so S1_a = Var(4.5·a)/Var(y), ...) and c acts only through its
    interaction with a (total > first)."""
    pytest.importorskip("SALib")
    experiment = tmp_path / "sobol.yaml"
    experiment.write_text(
        f"name: sobol\nscenario: {HARBOUR}\nruns: 1\n"
        "design: {method: sobol, samples: 1024, seed: 3, ranges: "
        "{parties.north.optimism: [0, 1], battlefield.drift: [0, 1], "
        "battlefield.volatility: [0, 1]}}\n"
    )
    loaded = load_experiment(experiment)
    a, b, c = np.array(loaded.design["matrix"]).T
    y = 4 * a + b + a * c
    rows = [
        {"runs": 1, "deals": 0, "deal_probability": v, "deal_low": 0, "deal_high": 1,
         "median_round": np.nan}
        for v in y / y.max()
    ]  # fmt: skip
    out = tmp_path / "out"
    out.mkdir()
    write_summary(out, summary_frame(loaded, rows))
    (out / SWEEP).write_text(json.dumps(sweep_manifest(loaded, 1, 0)))
    result = analyze_folder(out)
    assert result.method == "sobol" and result.n == 1024 * 5
    indices = {s.parameter: s for s in result.outcomes[0].indices}
    var = np.var(y)
    first_a = np.var(4.5 * a) / var  # E[y | a] = 4.5 a + 0.5 + const
    first_b = (1 / 12) / var
    assert indices["parties.north.optimism"].first == pytest.approx(first_a, abs=0.03)
    assert indices["battlefield.drift"].first == pytest.approx(first_b, abs=0.02)
    assert indices["battlefield.volatility"].first == pytest.approx(0.0625 / 12 / var, abs=0.02)
    assert indices["battlefield.volatility"].total > indices["battlefield.volatility"].first
    assert result.outcomes[0].indices[0].parameter == "parties.north.optimism"


def test_a_sobol_sweep_end_to_end(tmp_path):
    pytest.importorskip("SALib")
    (tmp_path / "short.yaml").write_text(f"extends: {HARBOUR}\nrounds: 16\n")
    experiment = tmp_path / "sobol.yaml"
    experiment.write_text(
        "name: sobol\nscenario: short.yaml\nruns: 32\nseed: 1\n"
        "design: {method: sobol, samples: 4, seed: 3, ranges: "
        "{parties.south.patience: [0.8, 0.99], parties.north.optimism: [0, 1]}}\n"
    )
    code, _, err = cli("sweep", experiment, "--out", tmp_path / "out", "-q")
    assert code == 0, err
    assert len(pd.read_parquet(tmp_path / "out" / SUMMARY)) == 4 * (2 + 2)
    code, out, err = cli("sensitivity", tmp_path / "out")
    assert code == 0, err
    text = " ".join(out.split())
    assert "Sobol indices (SALib) of 2 parameters, 16 points" in text
    assert "mean payoff of south (16 points)" in text
    # four samples cannot pin the indices down: said, with the design that would
    assert "Warning: Sobol indices of mean payoff of south are too uncertain to rank by" in text


def test_a_variant_sweep_has_nothing_to_rank(tmp_path):
    experiment = tmp_path / "v.yaml"
    experiment.write_text(
        f"name: v\nscenario: {HARBOUR}\nruns: 50\nvariants: {{a: {{}}, b: {{rounds: 15}}}}\n"
    )
    assert cli("sweep", experiment, "--out", tmp_path / "out", "-q")[0] == 0
    code, _, err = cli("sensitivity", tmp_path / "out")
    assert code == 2 and "negsim compare" in err


# -- drivers that rise and fall, act together, or happen -------------------------------------


def test_importance_sees_what_rank_correlation_misses():
    """y rises and falls with x0 (a U), and follows x1 only where x2 is high (an interaction):
    PRCC is about 0 for x0 and small for x1 and x2; the forest ranks them above the one driver
    that does nothing, x3."""
    pytest.importorskip("sklearn")
    rng = np.random.default_rng(4)
    x = rng.uniform(size=(3000, 4))
    y = 8 * (x[:, 0] - 0.5) ** 2 + np.where(x[:, 2] > 0.5, x[:, 1] - 0.5, 0.5 - x[:, 1])
    y = y + 0.1 * rng.normal(size=3000)
    r = prcc(x, y)[0][:, 0]
    assert abs(r[0]) < 0.1
    drivers = pd.DataFrame(x, columns=["u", "a", "b", "none"])
    explained, ranked = importances(drivers, {"y": y})["y"]
    assert explained > 0.8
    assert [i.driver for i in ranked][-1] == "none" and ranked[0].driver == "u"
    assert {i.driver for i in ranked[:3]} == {"u", "a", "b"}


def test_prim_finds_a_planted_box():
    """Cases are likely where x0 > 0.6 and x1 < 0.5 (90%), rare elsewhere (20%); x2 does
    nothing. The box found restricts x0 from below near 0.6, x1 from above near 0.5, and
    leaves x2 alone."""
    rng = np.random.default_rng(1)
    x = rng.uniform(size=(4000, 3))
    inside = (x[:, 0] > 0.6) & (x[:, 1] < 0.5)
    cases = rng.random(4000) < np.where(inside, 0.9, 0.2)
    found = prim(x, cases)
    limits = {limit.driver: limit for limit in found.box.limits}
    assert set(limits) == {0, 1}
    assert limits[0].low == pytest.approx(0.6, abs=0.08) and limits[0].high is None
    assert limits[1].high == pytest.approx(0.5, abs=0.1) and limits[1].low is None
    assert found.box.density > 0.8 > 0.5 > found.base_rate
    assert found.coverage[0] == 1 and found.density[0] == pytest.approx(found.base_rate)
    with pytest.raises(ValueError):
        prim(x, np.ones(4000, bool))


PLANTED = """\
extends: HARBOUR
name: harbour-planted
parties:
  north: {reservation_value: 0.99}
  south: {reservation_value: 0.99}
events:
  - {round: 4, name: storm_season, probability: 0.5, set: {parties.north.war_cost: 0.01}}
  - name: ultimatum
    title: Both capitals order a settlement
    round: 2
    probability: {uniform: [0.2, 0.6]}
    set:
      parties.north.reservation_value: null
      parties.south.reservation_value: null
      parties.north.concession.opening: 0.95
      parties.south.concession.opening: 0.95
"""


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    """A batch in which no deal is possible unless the ultimatum fires: both parties take
    nothing less than 0.99 (an outside option) until it takes that away and has them give up
    at once nearly all they insist on beyond their reservation values. Its drawn probability
    varies too, as the flagship's Tomahawk decision does."""
    root = tmp_path_factory.mktemp("planted")
    (root / "planted.yaml").write_text(PLANTED.replace("HARBOUR", str(HARBOUR)))
    sim.run(root / "planted.yaml", runs=1024, seed=3, out=root / "batch")
    return root / "batch"


def test_an_event_that_forces_a_deal_is_found_first_and_named_by_the_box(planted):
    runs = sim.load_results(planted)
    fired = runs["event.ultimatum"]
    assert 0.2 < fired.mean() < 0.6  # the premise: it fires in some replicates, not all
    result = analyze_folder(planted)
    deal = next(o for o in result.outcomes if o.outcome == "deal")
    if deal.importance:
        assert deal.importance[0].driver == "event.ultimatum"
        assert deal.importance[0].mean > 5 * max(abs(i.mean) for i in deal.importance[1:])
    assert deal.effects[0].parameter == "event.ultimatum"
    box = result.discovered
    assert [(c.driver, c.fired) for c in box.conditions] == [("event.ultimatum", True)]
    assert box.found.box.density == pytest.approx(runs.loc[fired, "deal"].mean())
    assert box.found.box.coverage == pytest.approx(
        (runs["deal"] & fired).sum() / runs["deal"].sum()
    )
    event = next(e for e in result.events if e.event == "ultimatum")
    assert event.fired == int(fired.sum()) and event.eligible == len(runs)
    assert event.rate_fired == pytest.approx(runs.loc[fired, "deal"].mean())
    assert event.rate_not == pytest.approx(runs.loc[~fired, "deal"].mean())
    assert event.rate_fired > 0.9 > 0.1 > event.rate_not


def test_the_box_and_the_event_table_are_stated_in_the_scenarios_words(planted):
    code, out, err = cli("sensitivity", planted, "--top", 3)
    assert code == 0, err
    text = " ".join(out.split())
    assert (
        "Where a deal is likely (PRIM): when event.ultimatum (Both capitals order a "
        "settlement) fired." in text
    )
    assert "holds" in text and "(coverage)" in text and "(density)" in text
    assert "ultimatum (Both capitals order a settlement)" in text


def test_discovery_takes_another_target(planted):
    result = analyze_folder(planted, target="harbour=north_gets")
    assert result.discovered.target == "harbour=north_gets"
    for target, message in (
        ("harbour=nowhere", "--target: `outcome_label.harbour` is never 'nowhere' in this batch"),
        ("nothing", "--target: no column `nothing` in runs.parquet"),
        ("payoff.north", "--target: `payoff.north` is not true/false; compare it with a value"),
        ("payoff.north>x", "--target: expected a number, got 'x'"),
        ("payoff.north>5", "--target payoff.north>5: holds in no replicate; nothing to discover"),
    ):
        code, _, err = cli("sensitivity", planted, "--target", target)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert message in err


def test_discovery_targets_the_deals_that_would_last(planted):
    """``durable`` is null where there was no deal; it is still a true/false column (the
    docs' ``--target durable``), whatever share of the batch has no deal."""
    runs = sim.load_results(planted)
    assert runs["durable"].isna().any() and runs["durable"].notna().any()  # the premise
    code, out, err = cli("sensitivity", planted, "--target", "durable", "--top", 3)
    assert code == 0, err
    assert "Where `durable` is likely (PRIM): when event.ultimatum" in " ".join(out.split())


def test_a_sobol_warning_names_the_design_that_would_narrow_the_intervals():
    indices = [SobolIndex("a", -0.3, 0.4, 1.2, 0.2), SobolIndex("b", 0.1, 0.05, 0.2, 0.05)]
    warning = sobol_warning("deal probability", indices, samples=32, parameters=2)
    # the half-widths shrink as 1/√N: 32·(0.4/0.1)² = 512 samples, 512·(2 + 2) points
    assert warning == (
        "Sobol indices of deal probability are too uncertain to rank by: intervals up to "
        "±0.40 at 32 samples (and outside 0–1, which only noise makes: a S1 -0.30, a ST "
        "+1.20); about 512 samples (2,048 points) would narrow them to about ±0.1"
    )
    assert sobol_warning("x", indices[1:], samples=32, parameters=2) is None


def test_without_scikit_learn_the_drivers_are_ranked_by_prcc(planted, monkeypatch):
    monkeypatch.setattr("sim.analysis.sensitivity.learner", lambda: None)
    result = analyze_folder(planted)
    assert all(not o.importance for o in result.outcomes)
    assert any("needs scikit-learn" in n for n in result.notes)
    assert result.discovered is not None  # PRIM is ours: it needs no extra
    assert learner() is not None or True


def test_new_outcome_columns_are_explained_and_summarised_too():
    """A column of no declared family that the model may add (``gap.width``, a number driven
    here by the south's capability) is an outcome like the others, for sensitivity and for a
    sweep's summary; a column of names of no family is left alone."""
    scenario = sim.load_scenario(HARBOUR)
    runs = sim.run(scenario, runs=400, seed=2)
    runs["gap.width"] = runs["param.parties.south.capability"] * 2
    runs["gap.note"] = "wide"
    result = batch_sensitivity(runs, scenario)
    width = next(o for o in result.outcomes if o.outcome == "gap.width")
    assert width.effects[0].parameter == "parties.south.capability"
    assert width.effects[0].prcc == pytest.approx(1.0)
    assert "gap.note" not in {o.outcome for o in result.outcomes}
    row = summary_row(runs)
    assert row["mean.gap.width"] == pytest.approx(runs["gap.width"].mean())
    assert "mean.gap.note" not in row
