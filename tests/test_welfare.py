"""One welfare account (issue 11): every replicate's payoff per party is

    Σ_{t ≤ τ} δ^(t−1)·((1 − δ)·u(q_t) − c_t)  +  δ^τ·(u(deal), or r(τ) without one)

τ the round the talks end in, q_t the status quo that round (after its fighting), c_t the war
cost borne, r the reservation value — the value of the war carried on, the same account's
flow from τ on (``sim.model.equations.impasse_value``). Held here by a case computed by hand,
by the reservation value's match with the no-deal payoff it stands for (Monte Carlo), and by
the durability of deals (a self-enforcement check: Fearon 1995; Powell 2006).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd

import sim
from sim.model.model import NegotiationModel
from sim.scenario.sampling import block_sequence, draw_parameters
from sim.scenario.schema import Scenario

SEED = 7


def two_parties(**changes: Any) -> dict[str, Any]:
    """Two parties over one scale issue (0–100, status quo 30), nothing uncertain, no war on
    the scale: a (ideal 0; δ 0.9, cost 0.01 a round) and b (ideal 100; δ 0.8, cost 0.04), both
    linear with a deadline at round 2, watched for 2 rounds."""
    data: dict[str, Any] = {
        "name": "by-hand",
        "rounds": 2,
        "issues": {"x": {"scale": {"min": 0, "max": 100}, "status_quo": 30, "veto": ["a", "b"]}},
        "parties": {
            "a": {
                "capability": 1.0,
                "positions": {"x": 0},
                "salience": {"x": 1.0},
                "patience": 0.9,
                "war_cost": 0.01,
                "deadline": 2,
            },
            "b": {
                "capability": 1.0,
                "positions": {"x": 100},
                "salience": {"x": 1.0},
                "patience": 0.8,
                "war_cost": 0.04,
                "deadline": 2,
            },
        },
    }
    for path, value in changes.items():
        node = data
        *head, last = path.split(".")
        for key in head:
            node = node[key]
        node[last] = value
    return data


def test_payoffs_of_a_deal_in_round_two_as_computed_by_hand():
    """By hand, in model units (x/100): u_a(o) = 1 − o, u_b(o) = o; status quo q = 0.3 all along.

    Reservation values, the war going on for ever: r = u(q) − c/(1 − δ): r_a = 0.7 − 0.01/0.1
    = 0.6, r_b = 0.3 − 0.04/0.2 = 0.1. Aspirations a = r + (1 − r)·h, h = 1 − t/2 (linear,
    deadline 2): round 1, h = ½: a_a = 0.8, a_b = 0.55 — no text gives both (0.8 + 0.55 > 1);
    round 2, h = 0: the mediator's text splits the surplus over r evenly, 1 − o − 0.6 = o − 0.1,
    o = 0.25: a deal in round 2 at x = 25.

    Payoffs: a: (0.1·0.7 − 0.01)·(1 + 0.9) + 0.9²·0.75 = 0.114 + 0.6075 = 0.7215;
             b: (0.2·0.3 − 0.04)·(1 + 0.8) + 0.8²·0.25 = 0.036 + 0.16 = 0.196."""
    runs = sim.run(Scenario.model_validate(two_parties()), runs=4, seed=SEED)
    assert runs["deal"].all() and (runs["round"] == 2).all()
    np.testing.assert_allclose(runs["outcome.x"], 25.0, rtol=0, atol=1e-6)
    np.testing.assert_allclose(runs["utility.a"], 0.75, rtol=0, atol=1e-8)
    np.testing.assert_allclose(runs["reservation.a"], 0.6, rtol=0, atol=1e-12)
    np.testing.assert_allclose(runs["reservation.b"], 0.1, rtol=0, atol=1e-12)
    np.testing.assert_allclose(runs["payoff.a"], 0.7215, rtol=0, atol=1e-9)
    np.testing.assert_allclose(runs["payoff.b"], 0.196, rtol=0, atol=1e-9)


def test_payoffs_without_a_deal_as_computed_by_hand():
    """b a hardliner: no deal in the window. The two rounds of war as above, then the war going
    on valued at r from round 2: a: 0.114 + 0.81·0.6 = 0.6; b: 0.036 + 0.64·0.1 = 0.1."""
    data = two_parties(**{"parties.b.concession": {"style": "hardliner"}})
    runs = sim.run(Scenario.model_validate(data), runs=4, seed=SEED)
    assert not runs["deal"].any() and (runs["end"] == "window").all()
    np.testing.assert_allclose(runs["utility.a"], 0.7, rtol=0, atol=1e-12)
    np.testing.assert_allclose(runs["payoff.a"], 0.6, rtol=0, atol=1e-9)
    np.testing.assert_allclose(runs["payoff.b"], 0.1, rtol=0, atol=1e-9)


# --- the reservation value is the no-deal payoff it stands for ----------------------------------

WAR: dict[str, Any] = {
    "name": "war-goes-on",
    "rounds": 70,
    "issues": {
        "front": {
            "scale": {"min": 0, "max": 100},
            "status_quo": 80,
            "veto": ["a", "b"],
            "battlefield": True,
        },
        "port": {"options": ["a_has", "shared", "b_has"], "status_quo": "shared"},
    },
    "battlefield": {"drift": 1.0, "volatility": 4.0},
    "parties": {
        "a": {
            "capability": 1.0,
            "positions": {"front": 0, "port": "a_has"},
            "salience": {"front": 0.7, "port": 0.3},
            "patience": 0.9,
            "loss": 2,
            "war_cost": 0.01,
            "learning": 0.0,
            "concession": {"style": "hardliner"},
        },
        "b": {
            "capability": 1.0,
            "positions": {"front": 100, "port": "b_has"},
            "salience": {"front": 1.0, "port": 0.5},
            "patience": 0.92,
            "loss": 1,
            "war_cost": 0.004,
            "learning": 0.0,
            "concession": {"style": "hardliner"},
        },
    },
}
"""Hardliners: talks that cannot succeed, so the war goes on for the whole window, 70 weeks —
long enough that the model's own valuation of what follows weighs δ^70 < 0.003. The front
starts near b's end and drifts toward it, so the scale's end is often reached (the clipped
part of the reservation value's closed form is exercised); a's loss is quadratic, b's linear.
With learning 0 and no optimism each party's belief is the true drift."""


def test_the_reservation_value_is_the_expected_payoff_of_the_war_going_on():
    """r(0), what each party holds the war going on from the written status quo to be worth
    (the model's valuation before round 1), against the payoff the war really brings it when
    no deal comes: over 1024 replicates their mean lies within 4 standard errors of r(0).

    (The closed form takes the war's geometric horizon as an exponential one of the same mean
    and the walk as Brownian motion; the test holds it to that approximation too.)"""
    scenario = Scenario.model_validate(WAR)
    sequence = block_sequence(SEED, 0)
    model = NegotiationModel(scenario, draw_parameters(scenario, sequence, 8), [sequence])
    _, reservation = model.objective_reservation(np.arange(8))
    runs = sim.run(scenario, runs=1024, seed=SEED)
    assert (runs["end"] == "window").all()
    assert (runs["outcome.front"] == 100).mean() > 0.1  # the end of the scale is reached
    for n, pid in enumerate(model.party_ids):
        payoff = runs[f"payoff.{pid}"].to_numpy()
        error = payoff.std(ddof=1) / np.sqrt(len(payoff))
        assert abs(payoff.mean() - reservation[0, n]) < 4 * error, (pid, reservation[0, n])
        assert error < 0.01  # and the test can see a difference of a few hundredths


# --- deals that last -----------------------------------------------------------------------------

PEACE: dict[str, Any] = {
    "name": "durable",
    "rounds": 10,
    "issues": {
        "front": {
            "scale": {"min": 0, "max": 100},
            "status_quo": 50,
            "veto": ["a", "b"],
            "battlefield": True,
        }
    },
    "battlefield": {"drift": 0.0, "volatility": 0.0},
    "parties": {
        pid: {
            "capability": 1.0,
            "positions": {"front": ideal},
            "salience": {"front": 1.0},
            "patience": 0.95,
            "war_cost": 0.01,
            "learning": 0.0,
            "concession": {"style": "linear", "opening": 0.9},
        }
        for pid, ideal in (("a", 0), ("b", 100))
    },
}


def test_a_deal_is_durable_when_fighting_on_from_its_line_would_pay_no_one():
    """No drift, costly war: restarting the war from the deal's line would only cost both;
    every deal is durable."""
    runs = sim.run(Scenario.model_validate(PEACE), runs=64, seed=SEED)
    assert runs["deal"].all()
    assert runs["durable"].astype(bool).all()


def test_a_deal_the_war_would_overturn_is_not_durable():
    """The war runs fast toward b (drift 5 a week) and costs b nothing, but b believes it runs
    against it (optimism −8, never revised: learning 0) and signs. From the deal's line the
    real war would carry the front to b's ideal: b would do better fighting on — the deal is
    not self-enforcing."""
    data = copy.deepcopy(PEACE)
    data["battlefield"]["drift"] = 5.0
    data["parties"]["b"].update({"war_cost": 0.0, "optimism": -8.0})
    runs = sim.run(Scenario.model_validate(data), runs=64, seed=SEED)
    assert runs["deal"].all()
    assert not runs["durable"].astype(bool).any()
    # and in the durable case's terms: b values the deal below its true reservation value
    assert (runs["utility.b"] < runs["reservation.b"]).all()


def test_durability_is_given_for_deals_only():
    data = copy.deepcopy(PEACE)
    data["parties"]["b"]["concession"] = {"style": "hardliner"}
    runs = sim.run(Scenario.model_validate(data), runs=8, seed=SEED)
    assert not runs["deal"].any()
    assert pd.isna(runs["durable"]).all()
