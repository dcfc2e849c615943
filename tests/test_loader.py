"""A corpus of broken scenario files: each a small edit of the valid tests/data/harbour.yaml,
each asserting the exact place (line, column), dotted path and message of the problem it makes.

An edit replaces whole lines of harbour.yaml by number (``None`` deletes the line, text with
newlines inserts several). The expected column is given as a marker: the text on the reported
line where the problem starts (its first occurrence), so the table stays readable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import sim
from sim.errors import UserError
from sim.scenario.distributions import tagged_kind
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario

HARBOUR = Path(__file__).parent / "data" / "harbour.yaml"
LINES = HARBOUR.read_text().splitlines()


@dataclass
class Broken:
    id: str
    edits: dict[int, str | None]
    line: int
    marker: str | None  # None: column 1
    path: str
    message: str


def edited(edits: dict[int, str | None]) -> list[str]:
    lines: list[str] = []
    for n, line in enumerate(LINES, start=1):
        new = edits.get(n, line)
        if new is not None:
            lines.extend(new.split("\n"))
    return lines


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def problems_of(path: Path, overrides=()) -> list:
    with pytest.raises(UserError) as exc:
        load_scenario(path, overrides)
    return exc.value.problems


NORTH_POSITIONS = "    positions: {fishing_quota: 80, harbour: north_gets, border: 40}"
SOUTH_POSITIONS = "    positions: {fishing_quota: 30, harbour: south_keeps, border: 0}"
NORTH_SALIENCE = "    salience: {fishing_quota: 0.3, harbour: 0.9, border: 0.6}"
EVENT = "  - {round: 4, name: storm_season, probability: 0.5, set: {%s}}"


def line_of(text: str) -> int:
    """The number of the fixture's line ``text`` (found, so that edits elsewhere in the
    fixture leave the tests alone)."""
    return LINES.index(text) + 1


S_CAPABILITY = line_of("    capability: {normal: {mean: 0.7, sd: 0.1}, clip: [0.1, 2]}")
S_POSITIONS = line_of(SOUTH_POSITIONS)
S_SALIENCE = line_of("    salience: {fishing_quota: 0.8, harbour: 0.5, border: 0.7}")
STORM = line_of(EVENT % "parties.north.war_cost: 0.01")
PROTOCOL = "protocol: {%s}"


CASES = [
    # --- unknown ids ---------------------------------------------------------------------------
    Broken("veto-unknown-party", {10: "    veto: [north, west]"},
           10, "west", "issues.fishing_quota.veto.1", "unknown party; known: north, south"),
    Broken("positions-unknown-issue",
           {27: "    positions: {fishing_quota: 80, harbour: north_gets, border: 40, pier: 3}"},
           27, "pier", "parties.north.positions.pier",
           "unknown issue; known: fishing_quota, harbour, border"),
    Broken("salience-unknown-issue",
           {28: "    salience: {fishing_quota: 0.3, harbour: 0.9, border: 0.6, harbor: 1}"},
           28, "harbor", "parties.north.salience.harbor", "unknown issue"),
    Broken("mediator-unknown-party", {5: PROTOCOL % "kind: mediated, mediator: east"},
           5, "east", "protocol.mediator", "unknown party; known: north, south"),
    Broken("order-unknown-party", {5: PROTOCOL % "kind: alternating, order: [north, west]"},
           5, "west", "protocol.order.1", "unknown party"),
    Broken("recognition-unknown-party",
           {5: PROTOCOL % "kind: alternating, recognition: {north: 1, west: 2}"},
           5, "west", "protocol.recognition.west", "unknown party"),
    Broken("battlefield-effect-unknown-issue", {23: "  effects: {harbor: -0.5}"},
           23, "harbor", "battlefield.effects.harbor", "unknown issue"),
    Broken("event-sets-unknown-party", {STORM: EVENT % "parties.west.war_cost: 0.01"},
           STORM, "parties.west", "events.0.set.parties.west.war_cost",
           "not a parameter an event can set"),
    Broken("event-sets-unknown-issue", {STORM: EVENT % "issues.pier.status_quo: 1"},
           STORM, "issues.pier", "events.0.set.issues.pier.status_quo",
           "not a parameter an event can set"),
    Broken("event-sets-salience-of-unknown-issue",
           {STORM: EVENT % "parties.north.salience.pier: 1"},
           STORM, "parties.north.salience.pier", "events.0.set.parties.north.salience.pier",
           "not a parameter an event can set"),
    Broken("event-sets-a-non-parameter", {STORM: EVENT % "rounds: 30"},
           STORM, "rounds", "events.0.set.rounds", "not a parameter an event can set"),
    Broken("event-sets-another-events-set", {STORM: EVENT % "events.storm_season.set.x: 1"},
           STORM, "events.", "events.0.set.events.storm_season.set.x",
           "not a parameter an event can set"),
    Broken("party-id-not-snake-case", {25: "  North:"},
           25, "North", "parties.North", "should match pattern"),
    # --- positions, status quo and options -----------------------------------------------------
    Broken("status-quo-above-scale", {9: "    status_quo: 150"},
           9, "150", "issues.fishing_quota.status_quo",
           "150 is outside the scale of fishing_quota [0, 100]"),
    Broken("position-below-scale",
           {S_POSITIONS: "    positions: {fishing_quota: -5, harbour: south_keeps, border: 0}"},
           S_POSITIONS, "-5", "parties.south.positions.fishing_quota",
           "-5 is outside the scale of fishing_quota [0, 100]"),
    Broken("position-distribution-leaves-scale",
           {S_POSITIONS:
                SOUTH_POSITIONS.replace("border: 0", "border: {normal: {mean: 5, sd: 1}}")},
           S_POSITIONS, "{normal", "parties.south.positions.border",
           "can draw values in [-inf, inf], outside the scale of border [0, 40]"),
    Broken("status-quo-unknown-option", {13: "    status_quo: harbour_sunk"},
           13, "harbour_sunk", "issues.harbour.status_quo",
           "unknown option 'harbour_sunk'; options: south_keeps, shared, north_gets"),
    Broken("position-unknown-option", {27: NORTH_POSITIONS.replace("north_gets", "north_get")},
           27, "north_get", "parties.north.positions.harbour", "unknown option 'north_get'"),
    Broken("choice-unknown-option",
           {S_POSITIONS:
                SOUTH_POSITIONS.replace("south_keeps", "{choice: {south_keeps: 3, sunk: 1}}")},
           S_POSITIONS, "sunk", "parties.south.positions.harbour.choice.sunk",
           "unknown option 'sunk'; options: south_keeps, shared, north_gets"),
    Broken("status-quo-choice-unknown-option",
           {13: "    status_quo: {choice: {south_keeps: 1, sunk: 1}}"},
           13, "sunk", "issues.harbour.status_quo.choice.sunk", "unknown option 'sunk'"),
    Broken("choice-all-zero-weights",
           {S_POSITIONS:
                SOUTH_POSITIONS.replace("south_keeps", "{choice: {south_keeps: 0, shared: 0}}")},
           S_POSITIONS, "{south_keeps", "parties.south.positions.harbour.choice",
           "choice needs at least one positive weight"),
    Broken("number-for-an-option-issue", {27: NORTH_POSITIONS.replace("north_gets", "0.5")},
           27, "0.5", "parties.north.positions.harbour",
           "expected an option of harbour: south_keeps, shared, north_gets"),
    Broken("option-for-a-scale-issue", {9: "    status_quo: shared"},
           9, "shared", "issues.fishing_quota.status_quo",
           "expected a number on the scale of fishing_quota [0, 100], not an option"),
    Broken("duplicate-option-names", {12: "    options: [south_keeps, shared, shared]"},
           12, "options", "issues.harbour", "option names must be unique"),
    Broken("scale-min-not-below-max", {8: '    scale: {min: 100, max: 0, unit: "% to north"}'},
           8, "{min", "issues.fishing_quota.scale", "scale needs min < max"),
    Broken("issue-with-scale-and-options", {19: "    battlefield: true\n    options: [a, b]"},
           16, "scale", "issues.border", "exactly one of scale, options or shares"),
    # --- party parameters ----------------------------------------------------------------------
    Broken("negative-salience",
           {28: "    salience: {fishing_quota: 0.3, harbour: -0.9, border: 0.6}"},
           28, "-0.9", "parties.north.salience.harbour",
           "greater than or equal to 0 (got -0.9)"),
    Broken("capability-zero", {26: "    capability: 0"},
           26, "0", "parties.north.capability", "greater than 0 (got 0)"),
    Broken("capability-negative", {26: "    capability: -1.5"},
           26, "-1.5", "parties.north.capability", "greater than 0 (got -1.5)"),
    Broken("patience-zero", {30: "    patience: 0"},
           30, "0", "parties.north.patience", "greater than 0 (got 0)"),
    Broken("patience-above-one", {30: "    patience: 1.02"},
           30, "1.02", "parties.north.patience", "less than or equal to 1 (got 1.02)"),
    Broken("patience-distribution-above-one", {30: "    patience: {uniform: [0.9, 1.1]}"},
           30, "{uniform", "parties.north.patience",
           "can draw values in [0.9, 1.1], outside the allowed range (> 0 and <= 1)"),
    Broken("patience-one-with-war-costs", {30: "    patience: 1"},
           30, "1", "parties.north.patience", "never discounts the future values fighting on"),
    Broken("all-salience-zero",
           {28: "    salience: {fishing_quota: 0, harbour: 0, border: 0.0}"},
           28, "{", "parties.north.salience", "all salience is zero"),
    Broken("salience-without-a-position",
           {27: "    positions: {fishing_quota: 80, harbour: north_gets}"},
           27, "{", "parties.north.positions", "needs a position on border (it has salience)"),
    Broken("concession-beta-wrong-for-style", {31: "    concession: {style: boulware, beta: 1.5}"},
           31, "{style", "parties.north.concession", "boulware needs beta < 1"),
    Broken("concession-beta-out-of-range", {31: "    concession: {style: boulware, beta: -0.4}"},
           31, "-0.4", "parties.north.concession.beta", "greater than 0 (got -0.4)"),
    Broken("concession-beta-alone", {31: "    concession: {beta: -0.4}"},
           31, "-0.4", "parties.north.concession.beta", "greater than 0 (got -0.4)"),
    Broken("concession-unknown-style", {31: "    concession: {style: stubborn}"},
           31, "stubborn", "parties.north.concession.style", "(got 'stubborn')"),
    # --- distributions -------------------------------------------------------------------------
    Broken("distribution-support-leaves-range",
           {32: "    war_cost: {normal: {mean: 0.01, sd: 0.01}}"},
           32, "{normal", "parties.north.war_cost",
           "can draw values in [-inf, inf], outside the allowed range (>= 0 and <= 1): "
           "narrow it or add clip: [lo, hi]"),
    Broken("capability-clip-reaching-zero",
           {S_CAPABILITY: "    capability: {normal: {mean: 0.7, sd: 0.1}, clip: [0, 2]}"},
           S_CAPABILITY, "{normal", "parties.south.capability",
           "can draw values in [0, 2], outside the allowed range (> 0)"),
    Broken("lognormal-patience-can-pass-one",
           {30: "    patience: {lognormal: {mean: 0.9, sd: 0.1}}"},
           30, "{lognormal", "parties.north.patience", "outside the allowed range (> 0 and <= 1)"),
    Broken("uniform-reversed", {32: "    war_cost: {uniform: [0.004, 0.001]}"},
           32, "[0.004", "parties.north.war_cost.uniform", "uniform must be [lo, hi]"),
    Broken("clip-reversed", {32: "    war_cost: {uniform: [0.001, 0.004], clip: [1, 0]}"},
           32, "[1, 0]", "parties.north.war_cost.clip", "clip must be [lo, hi] with lo <= hi"),
    Broken("triangular-mode-outside",
           {32: "    war_cost: {triangular: [0.001, 0.01, 0.004]}"},
           32, "[0.001", "parties.north.war_cost.triangular", "lo <= mode <= hi"),
    Broken("unknown-distribution", {32: "    war_cost: {unifrom: [0.001, 0.004]}"},
           32, "{unifrom", "parties.north.war_cost",
           "expected a number or a distribution: {normal: {mean, sd}}"),
    Broken("two-distributions-at-once",
           {32: "    war_cost: {uniform: [0.001, 0.004], beta: {a: 1, b: 1}}"},
           32, "{uniform", "parties.north.war_cost", "expected a number or a distribution"),
    Broken("distribution-unknown-field",
           {32: "    war_cost: {uniform: [0.001, 0.004], clamp: [0, 1]}"},
           32, "clamp", "parties.north.war_cost.clamp", "unknown field; did you mean clip?"),
    Broken("distribution-missing-parameter",
           {S_CAPABILITY: "    capability: {normal: {mean: 0.7}}"},
           S_CAPABILITY, "normal", "parties.south.capability.normal.sd", "required field missing"),
    Broken("distribution-negative-sd",
           {S_CAPABILITY: "    capability: {normal: {mean: 0.7, sd: -0.1}, clip: [0.1, 2]}"},
           S_CAPABILITY, "-0.1", "parties.south.capability.normal.sd",
           "greater than or equal to 0"),
    # --- missing and unknown fields ------------------------------------------------------------
    Broken("missing-rounds", {3: None},
           1, None, "rounds", "required field missing"),
    Broken("missing-capability", {26: None},
           25, "north", "parties.north.capability", "required field missing"),
    Broken("missing-status-quo", {9: None},
           7, "fishing_quota", "issues.fishing_quota.status_quo", "required field missing"),
    Broken("missing-event-round", {STORM: "  - {name: storm_season, probability: 0.5}"},
           STORM, "{name", "events.0.round", "required field missing"),
    Broken("unknown-top-level-field", {4: "round_label: week\nround_lable: day"},
           5, "round_lable", "round_lable", "unknown field; did you mean round_label?"),
    Broken("unknown-party-field", {29: "    optimism: 0.2\n    optimisim: 0.1"},
           30, "optimisim", "parties.north.optimisim", "unknown field; did you mean optimism?"),
    Broken("unknown-protocol-field", {5: PROTOCOL % "kind: mediated, mediator: null, q: 1"},
           5, "q:", "protocol.q", "unknown field"),
    Broken("unknown-event-field",
           {STORM: EVENT.replace("probability", "probabilty") % "parties.north.war_cost: 0.01"},
           STORM, "probabilty", "events.0.probabilty", "unknown field; did you mean probability?"),
    # --- wrong types ---------------------------------------------------------------------------
    Broken("rounds-a-word", {3: "rounds: twenty"},
           3, "twenty", "rounds", "valid integer"),
    Broken("rounds-fractional", {3: "rounds: 20.5"},
           3, "20.5", "rounds", "valid integer (got 20.5)"),
    Broken("capability-a-boolean", {26: "    capability: true"},
           26, "true", "parties.north.capability", "expected a number or a distribution"),
    Broken("positions-a-list", {27: "    positions: [80, north_gets, 40]"},
           27, "[80", "parties.north.positions", "valid dictionary"),
    Broken("veto-a-string", {10: "    veto: north"},
           10, "north", "issues.fishing_quota.veto", "valid list"),
    Broken("protocol-unknown-kind", {5: PROTOCOL % "kind: auction"},
           5, "{kind", "protocol", "kind: expected mediated, alternating"),
    Broken("quota-above-one", {5: PROTOCOL % "kind: mediated, ratification: {quota: 1.5}"},
           5, "1.5", "protocol.ratification.quota", "less than or equal to 1"),
    Broken("schema-version-2", {1: "schema_version: 2"},
           1, "2", "schema_version", "(got 2)"),
    Broken("name-with-spaces", {2: "name: Harbour Dispute"},
           2, "Harbour", "name", "should match pattern"),
    # --- NaN and infinity ----------------------------------------------------------------------
    Broken("salience-nan", {28: NORTH_SALIENCE.replace("0.9", ".nan")},
           28, ".nan", "parties.north.salience.harbour", "finite number (got nan)"),
    Broken("position-inf", {27: NORTH_POSITIONS.replace("80", ".inf")},
           27, ".inf", "parties.north.positions.fishing_quota", "finite number (got inf)"),
    Broken("distribution-bound-inf", {32: "    war_cost: {uniform: [0, .inf]}"},
           32, ".inf", "parties.north.war_cost.uniform.1", "finite number"),
    Broken("clip-nan",
           {S_CAPABILITY: "    capability: {normal: {mean: 0.7, sd: 0.1}, clip: [.nan, 2]}"},
           S_CAPABILITY, ".nan", "parties.south.capability.clip.0", "finite number"),
    # --- events --------------------------------------------------------------------------------
    Broken("event-round-zero",
           {STORM: EVENT.replace("round: 4", "round: 0") % "parties.north.war_cost: 0.01"},
           STORM, "0,", "events.0.round", "greater than or equal to 1"),
    Broken("duplicate-event-names",
           {STORM: LINES[STORM - 1] + "\n  - {round: 6, name: storm_season, probability: 0.2}"},
           STORM + 1, "storm_season", "events.1.name", "duplicate event name 'storm_season'"),
    Broken("event-probability-above-one",
           {STORM: EVENT.replace("0.5", "1.5") % "parties.north.war_cost: 0.01"},
           STORM, "1.5", "events.0.probability", "less than or equal to 1"),
    Broken("event-sets-value-out-of-range", {STORM: EVENT % "parties.north.war_cost: 2"},
           STORM, "2}", "events.0.set.parties.north.war_cost", "less than or equal to 1"),
    Broken("event-sets-unknown-option", {STORM: EVENT % "issues.harbour.status_quo: sunk"},
           STORM, "sunk", "events.0.set.issues.harbour.status_quo", "unknown option 'sunk'"),
    Broken("event-sets-status-quo-outside-scale", {STORM: EVENT % "issues.border.status_quo: 50"},
           STORM, "50", "events.0.set.issues.border.status_quo",
           "50 is outside the scale of border [0, 40]"),
    Broken("event-sets-unknown-mediator", {STORM: EVENT % "protocol.mediator: east"},
           STORM, "east", "events.0.set.protocol.mediator", "unknown party"),
    Broken("event-sets-distribution-leaving-range",
           {STORM: EVENT % "parties.north.patience: {uniform: [0.5, 1.5]}"},
           STORM, "{uniform", "events.0.set.parties.north.patience",
           "can draw values in [0.5, 1.5]"),
    Broken("event-sets-probability-of-an-event",
           {STORM: EVENT % "events.storm_season.probability: 2"},
           STORM, "2}", "events.0.set.events.storm_season.probability", "less than or equal to 1"),
    Broken("event-sets-a-nan", {STORM: EVENT % "battlefield.drift: .nan"},
           STORM, ".nan", "events.0.set.battlefield.drift", "finite number"),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_file_reports_its_problem_at_its_place(tmp_path, case):
    lines = edited(case.edits)
    path = write(tmp_path, lines)
    problems = problems_of(path)
    assert len(problems) == 1, "\n".join(map(str, problems))
    problem = problems[0]
    column = 1 if case.marker is None else lines[case.line - 1].index(case.marker) + 1
    assert problem.place.file == str(path)
    assert (problem.place.line, problem.place.column) == (case.line, column), str(problem)
    assert problem.path == case.path
    assert case.message in problem.message
    assert str(problem) == f"{path}:{case.line}:{column}: {case.path}: {problem.message}"


# --- did you mean ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edits", "path", "message"),
    [
        # only the fields of the protocol written: alternating has no mediator
        ({5: PROTOCOL % "kind: mediated, mediatr: north"}, "protocol.mediatr",
         "unknown field; did you mean mediator?"),
        ({5: PROTOCOL % "kind: alternating, mediatr: north"}, "protocol.mediatr", "unknown field"),
        # nothing spelt close
        ({29: "    optimism: 0.2\n    colour: red"}, "parties.north.colour", "unknown field"),
        # the fields of a distribution
        ({S_CAPABILITY: "    capability: {normal: {mean: 0.7, sdev: 0.1}}"},
         "parties.south.capability.normal.sdev", "unknown field; did you mean sd?"),
        # an event's set names a parameter path: one step misspelt
        ({STORM: EVENT % "parties.north.war_cots: 0.01"}, "events.0.set.parties.north.war_cots",
         "; did you mean parties.north.war_cost?"),
        ({STORM: EVENT % "parties.nort.war_cost: 0.01"}, "events.0.set.parties.nort.war_cost",
         "; did you mean parties.north.war_cost?"),
    ],
)  # fmt: skip
def test_an_unknown_name_suggests_a_known_one_spelt_close(tmp_path, edits, path, message):
    problem = {p.path: p for p in problems_of(write(tmp_path, edited(edits)))}[path]
    assert problem.message.endswith(message)
    if "did you mean" not in message:
        assert "did you mean" not in problem.message


# --- ids spelled like the language's own words ------------------------------------------------
# A party or an issue may be called like a distribution, its parameters, or the kinds of value
# the language tells apart: problems are still reported at their place, with the id in the path.

KEYWORDS = [
    "beta", "normal", "uniform", "triangular", "lognormal", "choice", "clip",
    "mean", "sd", "a", "lo", "number", "option", "split", "quota", "rule", "kind", "mediated",
]  # fmt: skip

KEYWORD_CASES = [
    Broken("capability-out-of-range", {26: "    capability: -1"},
           26, "-1", "parties.{id}.capability", "greater than 0 (got -1)"),
    Broken("unknown-field", {29: "    optimism: 0.2\n    optimisim: 0.1"},
           30, "optimisim", "parties.{id}.optimisim", "unknown field"),
    Broken("missing-field", {26: None},
           25, "{id}", "parties.{id}.capability", "required field missing"),
    Broken("salience-out-of-range", {28: NORTH_SALIENCE.replace("0.9", "-0.9")},
           28, "-0.9", "parties.{id}.salience.{id}", "greater than or equal to 0 (got -0.9)"),
    Broken("distribution-check", {32: "    war_cost: {uniform: [0.004, 0.001]}"},
           32, "[0.004", "parties.{id}.war_cost.uniform", "uniform must be [lo, hi]"),
    Broken("distribution-parameter",
           {31: "    concession: {style: boulware, beta: {beta: {a: -1, b: 2}}}"},
           31, "-1", "parties.{id}.concession.beta.beta.a", "greater than 0 (got -1)"),
    Broken("distribution-unknown-field",
           {32: "    war_cost: {uniform: [0.001, 0.004], clp: [0, 1]}"},
           32, "clp", "parties.{id}.war_cost.clp", "unknown field"),
    Broken("choice-weight",
           {27: NORTH_POSITIONS.replace("north_gets", "{choice: {north_gets: -1}}")},
           27, "-1", "parties.{id}.positions.{id}.choice.north_gets", "greater than or equal to 0"),
    Broken("event-sets", {STORM: EVENT % "parties.north.war_cost: -1"},
           STORM, "-1", "events.0.set.parties.{id}.war_cost", "greater than or equal to 0"),
]  # fmt: skip


def called(lines: list[str], keyword: str) -> list[str]:
    """The party north and the issue harbour both called ``keyword``."""
    return [re.sub(r"\b(north|harbour)\b", keyword, line) for line in lines]


@pytest.mark.parametrize("keyword", KEYWORDS)
def test_a_party_and_an_issue_may_be_called_like_a_keyword(tmp_path, keyword):
    scenario = load_scenario(write(tmp_path, called(LINES, keyword)))
    assert list(scenario.parties) == [keyword, "south"]
    assert list(scenario.issues) == ["fishing_quota", keyword, "border"]
    assert scenario.parties[keyword].war_cost.uniform == (0.001, 0.004)


@pytest.mark.parametrize("keyword", KEYWORDS)
@pytest.mark.parametrize("case", KEYWORD_CASES, ids=[c.id for c in KEYWORD_CASES])
def test_a_keyword_id_keeps_problems_at_their_place(tmp_path, case, keyword):
    lines = called(edited(case.edits), keyword)
    path = write(tmp_path, lines)
    problems = problems_of(path)
    assert len(problems) == 1, "\n".join(map(str, problems))
    marker = case.marker.replace("{id}", keyword)
    column = lines[case.line - 1].index(marker) + 1
    dotted = case.path.replace("{id}", keyword)
    assert str(problems[0]).startswith(f"{path}:{case.line}:{column}: {dotted}: ")
    assert case.message in problems[0].message


def test_every_union_of_the_language_names_its_members_apart_from_keys():
    """The loader maps pydantic's error locations to the document by leaving out union tags;
    a union tagged with a plain word would make that word ambiguous again."""

    def tagged_unions(schema):
        if isinstance(schema, dict):
            if schema.get("type") == "tagged-union":
                yield schema
            for value in schema.values():
                yield from tagged_unions(value)
        elif isinstance(schema, list):
            for value in schema:
                yield from tagged_unions(value)

    tags = [
        tag
        for union in tagged_unions(Scenario.__pydantic_core_schema__)
        for tag in union["choices"]
    ]
    assert {"<beta>", "<choice>", "<split>", "<quota>", "<mediated>"} <= set(tags)
    assert [tag for tag in tags if tagged_kind(tag) is None] == []


def test_the_unedited_file_is_valid():
    scenario = load_scenario(HARBOUR)
    assert scenario.name == "harbour-dispute"
    assert list(scenario.parties) == ["north", "south"]
    assert list(scenario.issues) == ["fishing_quota", "harbour", "border"]


# --- what must be accepted -------------------------------------------------------------------


@pytest.mark.parametrize(
    "edits",
    [
        # the distribution of "distribution-support-leaves-range", clipped into the range
        {32: "    war_cost: {normal: {mean: 0.01, sd: 0.01}, clip: [0, 1]}"},
        {S_CAPABILITY: "    capability: {lognormal: {mean: 0.7, sd: 0.1}, clip: [0.01, 5]}"},
        # a lognormal never draws 0, so it fits a capability (> 0) unclipped
        {S_CAPABILITY: "    capability: {lognormal: {mean: 0.7, sd: 0.1}}"},
        # the protocol kind defaults to mediated
        {5: PROTOCOL % "mediator: north"},
        {30: "    patience: {uniform: [0.9, 1.1], clip: [0.5, 0.99]}"},
        {
            S_POSITIONS: SOUTH_POSITIONS.replace(
                "border: 0", "border: {normal: {mean: 5, sd: 1}, clip: [0, 40]}"
            )
        },
        {
            30: "    patience: 1",
            32: "    war_cost: 0",
            STORM: EVENT % "parties.south.war_cost: 0.01",
        },
        {28: "    salience: {fishing_quota: 0.3, harbour: 0, border: 0}"},
        {
            S_POSITIONS: SOUTH_POSITIONS.replace(
                "south_keeps", "{choice: {south_keeps: 3, shared: 1}}"
            )
        },
        {STORM: EVENT % "events.storm_season.probability: 0.9"},
        {STORM: EVENT % "protocol.mediator: south, parties.south.salience.harbour: 0.1"},
        {STORM: EVENT % "issues.harbour.status_quo: {choice: {shared: 1, north_gets: 1}}"},
        {STORM: EVENT % "battlefield.drift: {normal: {mean: 0, sd: 0.1}}"},
        {STORM: EVENT.replace("round: 4", "round: 20") % "parties.north.war_cost: 0.02"},
        {5: PROTOCOL % "kind: alternating, order: [south, north]"},
        {5: PROTOCOL % "kind: mediated, mediator: north, ratification: {quota: 0.6}"},
    ],
    ids=lambda e: next(iter(e.values())).strip()[:48],
)
def test_valid_edits_load(tmp_path, edits):
    load_scenario(write(tmp_path, edited(edits)))


def test_clip_makes_a_distribution_acceptable_and_bounds_its_support(tmp_path):
    path = write(
        tmp_path, edited({32: "    war_cost: {normal: {mean: 0.01, sd: 0.01}, clip: [0, 1]}"})
    )
    war_cost = load_scenario(path).parties["north"].war_cost
    assert war_cost.support() == (0.0, 1.0)


def test_events_in_a_scenario_without_battlefield_are_valid(tmp_path):
    """An event's value is checked against the scenario; a scenario without a battlefield
    section must not be told that its battlefield moves nothing."""
    lines = edited({19: None, 20: None, 21: None, 22: None, 23: None})
    scenario = load_scenario(write(tmp_path, lines))
    assert scenario.events[0].set == {"parties.north.war_cost": 0.01}


def test_a_battlefield_section_with_no_battlefield_issue_is_an_error(tmp_path):
    problems = problems_of(write(tmp_path, edited({19: None})))
    assert [(p.place.line, p.path) for p in problems] == [(20, "battlefield")]
    assert "no issue has battlefield: true" in problems[0].message


# --- several problems in one file ------------------------------------------------------------


def test_every_field_problem_in_a_file_is_reported(tmp_path):
    lines = edited(
        {
            3: "rounds: 0",
            26: "    capability: -1",
            28: "    salience: {fishing_quota: 0.3, harbour: -0.9, border: .nan}",
            30: "    patience: 1.5\n    patienc: 1",
            S_CAPABILITY: "    capability: {normal: {mean: 0.7, sd: 0.1}}",
        }
    )
    problems = problems_of(write(tmp_path, lines))
    assert sorted((p.place.line, p.path) for p in problems) == [
        (3, "rounds"),
        (26, "parties.north.capability"),
        (28, "parties.north.salience.border"),
        (28, "parties.north.salience.harbour"),
        (30, "parties.north.patience"),
        (31, "parties.north.patienc"),
        (S_POSITIONS, "parties.south.capability"),
    ]


def test_every_consistency_problem_in_a_file_is_reported(tmp_path):
    lines = edited(
        {
            9: "    status_quo: 101",
            14: "    veto: [north, south, east]",
            23: "  effects: {harbor: -0.5}",
            27: NORTH_POSITIONS.replace("north_gets", "sunk"),
            S_SALIENCE: "    salience: {fishing_quota: 0, harbour: 0, border: 0}",
        }
    )
    problems = problems_of(write(tmp_path, lines))
    assert sorted((p.place.line, p.path) for p in problems) == [
        (9, "issues.fishing_quota.status_quo"),
        (14, "issues.harbour.veto.2"),
        (23, "battlefield.effects.harbor"),
        (27, "parties.north.positions.harbour"),
        (S_SALIENCE, "parties.south.salience"),
    ]


def test_every_event_problem_in_a_file_is_reported(tmp_path):
    lines = edited(
        {
            STORM: "  - {round: 30, name: storm_season, set: {parties.north.war_cost: 5}}\n"
            "  - {round: 2, name: storm_season, set: {parties.west.war_cost: 0.1}}"
        }
    )
    problems = problems_of(write(tmp_path, lines))
    assert sorted((p.place.line, p.path) for p in problems) == [
        (STORM, "events.0.set.parties.north.war_cost"),
        (STORM + 1, "events.1.name"),
        (STORM + 1, "events.1.set.parties.west.war_cost"),
    ]


def test_a_scenario_built_in_code_is_checked_as_a_whole_before_it_runs():
    """The API takes a ``Scenario`` built in code too; what the loader would refuse in a file
    (here a veto by a party that does not exist) is refused there, by its dotted path."""
    data = load_scenario(HARBOUR).model_dump(by_alias=True, exclude_unset=True)
    data["issues"]["harbour"]["veto"] = ["north", "east"]
    scenario = Scenario.model_validate(data)  # well-formed field by field
    with pytest.raises(UserError) as caught:
        sim.run(scenario, runs=2)
    assert [(p.place, p.path) for p in caught.value.problems] == [(None, "issues.harbour.veto.1")]
