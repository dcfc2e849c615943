"""``extends`` (a variant is a few lines over a base file) and ``--set`` overrides: how they
merge, and where their problems are reported."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from helpers import cli

import sim
from sim.errors import ScenarioWarning, UserError
from sim.scenario.distributions import Normal
from sim.scenario.loader import load_scenario

HARBOUR = Path(__file__).parent / "data" / "harbour.yaml"
LINES = HARBOUR.read_text().splitlines()
SOUTH_POSITIONS = (
    LINES.index("    positions: {fishing_quota: 30, harbour: south_keeps, border: 0}") + 1
)
STORM = 1 + next(n for n, line in enumerate(LINES) if "name: storm_season" in line)


@pytest.fixture
def base(tmp_path) -> Path:
    path = tmp_path / "base.yaml"
    path.write_text(HARBOUR.read_text())
    return path


def variant(tmp_path: Path, text: str, name: str = "variants/v.yaml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def problems_of(path: Path, overrides=()) -> list:
    with pytest.raises(UserError) as exc:
        load_scenario(path, overrides)
    return exc.value.problems


def only_problem(path: Path, overrides=()):
    problems = problems_of(path, overrides)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


# --- extends ---------------------------------------------------------------------------------


def test_extends_is_relative_to_the_variant_not_the_working_folder(tmp_path, base, monkeypatch):
    path = variant(tmp_path, "extends: ../base.yaml\nname: calm\n")
    elsewhere = tmp_path / "a" / "b"
    elsewhere.mkdir(parents=True)
    (tmp_path / "a" / "base.yaml").write_text(
        HARBOUR.read_text().replace("rounds: 20", "rounds: 7")
    )
    monkeypatch.chdir(elsewhere)
    scenario = load_scenario(path)
    assert scenario.name == "calm"
    assert scenario.rounds == 20


def test_extends_deep_merges_mappings(tmp_path, base):
    path = variant(
        tmp_path,
        "extends: ../base.yaml\n"
        "name: patient-north\n"
        "parties:\n"
        "  north:\n"
        "    patience: 0.9\n"
        "    positions: {harbour: shared}\n"
        "battlefield: {drift: 0.1}\n",
    )
    scenario = load_scenario(path)
    north = scenario.parties["north"]
    assert north.patience == 0.9
    assert north.positions == {"fishing_quota": 80, "harbour": "shared", "border": 40}
    assert north.capability == 1.0
    assert north.concession.beta == 0.4
    assert scenario.parties["south"] == load_scenario(base).parties["south"]
    assert scenario.battlefield.drift == 0.1
    assert scenario.battlefield.volatility == 1.0
    assert scenario.battlefield.effects == {"harbour": -0.5}
    assert scenario.extends is None


def test_a_distribution_in_a_variant_replaces_the_base_value_whole(tmp_path, base):
    path = variant(
        tmp_path,
        "extends: ../base.yaml\n"
        "parties:\n"
        "  north: {war_cost: {normal: {mean: 0.002, sd: 0.001}, clip: [0, 0.01]}}\n"
        "  south: {capability: {uniform: [0.5, 0.9]}}\n",
    )
    scenario = load_scenario(path)
    assert scenario.parties["north"].war_cost.support() == (0, 0.01)
    capability = scenario.parties["south"].capability
    assert (capability.uniform, capability.clip) == ((0.5, 0.9), None)


@pytest.mark.parametrize("keyword", ["beta", "normal", "uniform", "choice", "clip", "kind"])
def test_a_party_called_like_a_keyword_merges_field_by_field(tmp_path, base, keyword):
    """Whether a mapping is one value (a distribution) or fields to merge depends on its place,
    not its keys: ``parties: {beta: {..}}`` is a party, not a beta distribution."""
    base.write_text(re.sub(r"\bnorth\b", keyword, base.read_text()))
    path = variant(
        tmp_path,
        f"extends: ../base.yaml\nparties:\n  {keyword}:\n    capability: 2\n"
        "    war_cost: {beta: {a: 2, b: 5, hi: 0.01}}\n",
    )
    party = load_scenario(path).parties[keyword]
    assert party.capability == 2 and party.optimism == 0.2  # merged into the base's party
    assert party.war_cost.beta.hi == 0.01 and party.war_cost.clip is None  # replaced whole

    broken = variant(
        tmp_path, f"extends: ../base.yaml\nparties:\n  {keyword}:\n    capability: -2\n"
    )
    assert str(only_problem(broken)).startswith(
        f"{broken}:4:17: parties.{keyword}.capability: Input should be greater than 0"
    )


def test_lists_without_names_are_replaced_not_merged(tmp_path, base):
    path = variant(tmp_path, "extends: ../base.yaml\nissues:\n  harbour: {veto: [north]}\n")
    scenario = load_scenario(path)
    assert scenario.issues["harbour"].veto == ["north"]
    assert scenario.issues["harbour"].options == ["south_keeps", "shared", "north_gets"]


def test_a_variant_can_add_a_party_and_an_issue(tmp_path, base):
    path = variant(
        tmp_path,
        "extends: ../base.yaml\n"
        "issues:\n"
        "  ferry: {scale: {min: 0, max: 10}, status_quo: 5}\n"
        "parties:\n"
        "  east:\n"
        "    capability: 0.2\n"
        "    positions: {ferry: 10}\n"
        "    salience: {ferry: 1}\n",
    )
    scenario = load_scenario(path)
    assert list(scenario.parties) == ["north", "south", "east"]
    assert list(scenario.issues) == ["fishing_quota", "harbour", "border", "ferry"]


def test_events_merge_by_name_and_new_ones_are_appended(tmp_path, base):
    path = variant(
        tmp_path,
        "extends: ../base.yaml\n"
        "events:\n"
        "  - {name: ceasefire, round: 6, set: {battlefield.drift: 0}}\n"
        "  - {name: storm_season, probability: 0.9}\n",
    )
    events = load_scenario(path).events
    assert [e.name for e in events] == ["storm_season", "ceasefire"]
    storm, ceasefire = events
    assert (storm.round, storm.probability) == (4, 0.9)
    assert storm.set == {"parties.north.war_cost": 0.01}
    assert (ceasefire.round, ceasefire.probability) == (6, 1.0)
    assert ceasefire.set == {"battlefield.drift": 0.0}


def test_an_event_set_merges_key_by_key(tmp_path, base):
    path = variant(
        tmp_path,
        "extends: ../base.yaml\n"
        "events:\n"
        "  - {name: storm_season, set: {parties.south.war_cost: 0.02}}\n",
    )
    assert load_scenario(path).events[0].set == {
        "parties.north.war_cost": 0.01,
        "parties.south.war_cost": 0.02,
    }


def test_extends_chains(tmp_path, base):
    variant(tmp_path, "extends: ../base.yaml\nname: middle\nrounds: 30\n", "variants/middle.yaml")
    path = variant(tmp_path, "extends: middle.yaml\nname: last\n", "variants/last.yaml")
    scenario = load_scenario(path)
    assert (scenario.name, scenario.rounds, scenario.round_label) == ("last", 30, "week")


def test_a_problem_in_the_variant_is_reported_in_the_variant(tmp_path, base):
    path = variant(tmp_path, "extends: ../base.yaml\nparties:\n  north:\n    patience: 1.9\n")
    problem = only_problem(path)
    assert str(problem).startswith(f"{path}:4:15: parties.north.patience: ")


def test_a_problem_in_the_base_file_is_reported_with_its_name_and_line(tmp_path, base):
    base.write_text(base.read_text().replace("capability: 1.0", "capability: -1.0"))
    path = variant(tmp_path, "extends: ../base.yaml\nname: calm\n")
    problem = only_problem(path)
    assert Path(problem.place.file).resolve() == base.resolve()
    assert (problem.place.line, problem.place.column) == (26, 17)
    assert problem.path == "parties.north.capability"
    assert "greater than 0" in problem.message


def test_a_cross_check_problem_in_the_base_is_reported_in_the_base(tmp_path, base):
    base.write_text(
        base.read_text().replace("veto: [north, south]\n  harbour", "veto: [west]\n  harbour")
    )
    path = variant(tmp_path, "extends: ../base.yaml\nname: calm\n")
    problem = only_problem(path)
    assert Path(problem.place.file).resolve() == base.resolve()
    assert (problem.place.line, problem.path) == (10, "issues.fishing_quota.veto.0")


def test_a_base_value_that_the_variant_made_invalid_is_reported_where_it_is_written(tmp_path, base):
    path = variant(
        tmp_path, "extends: ../base.yaml\nissues:\n  harbour: {options: [open, closed]}\n"
    )
    problems = problems_of(path)
    assert [(Path(p.place.file).name, p.place.line, p.path) for p in problems] == [
        ("base.yaml", 13, "issues.harbour.status_quo"),
        ("base.yaml", 27, "parties.north.positions.harbour"),
        ("base.yaml", SOUTH_POSITIONS, "parties.south.positions.harbour"),
    ]
    assert "options: open, closed" in problems[0].message


def test_a_missing_base_file_is_an_error_at_the_extends_line(tmp_path):
    path = variant(tmp_path, "name: calm\nextends: ../nowhere.yaml\n")
    problem = only_problem(path)
    assert (problem.place.file, problem.place.line, problem.place.column) == (str(path), 2, 10)
    assert problem.path == "extends"
    assert "no such file" in problem.message
    assert "nowhere.yaml" in problem.message


def test_a_file_that_extends_itself_is_an_error(tmp_path):
    path = variant(tmp_path, "extends: v.yaml\nname: calm\n")
    problem = only_problem(path)
    assert (problem.place.line, problem.path) == (1, "extends")
    assert "cycle" in problem.message


def test_an_extends_cycle_is_an_error_naming_the_chain(tmp_path):
    a = variant(tmp_path, "extends: b.yaml\nname: a\n", "a.yaml")
    b = variant(tmp_path, "name: b\nextends: a.yaml\n", "b.yaml")
    problem = only_problem(a)
    assert (problem.place.file, problem.place.line, problem.path) == (str(b), 2, "extends")
    assert problem.message == f"cycle: {a.resolve()} -> {b.resolve()} -> {a.resolve()}"


@pytest.mark.parametrize("value", ["5", "[a.yaml]", "''", "{file: a.yaml}"])
def test_extends_must_be_a_file_path(tmp_path, value):
    path = variant(tmp_path, f"name: calm\nextends: {value}\n")
    problem = only_problem(path)
    assert (problem.place.line, problem.path) == (2, "extends")
    assert "expected a file path" in problem.message


def test_a_base_that_is_not_a_mapping_is_an_error(tmp_path):
    variant(tmp_path, "- a\n- b\n", "list.yaml")
    path = variant(tmp_path, "extends: list.yaml\nname: calm\n", "v.yaml")
    problem = only_problem(path)
    assert Path(problem.place.file).name == "list.yaml"
    assert "must be a mapping" in problem.message


def test_a_yaml_problem_in_the_base_names_the_base(tmp_path, base):
    base.write_text(base.read_text() + "rounds: 3\n")
    path = variant(tmp_path, "extends: ../base.yaml\n")
    problem = only_problem(path)
    assert Path(problem.place.file).resolve() == base.resolve()
    assert problem.place.line == len(LINES) + 1
    assert "duplicate key 'rounds'" in problem.message


# --- --set -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "get", "value"),
    [
        ("parties.north.patience=0.5", lambda s: s.parties["north"].patience, 0.5),
        ("parties.south.patience=0.75", lambda s: s.parties["south"].patience, 0.75),
        ("rounds=30", lambda s: s.rounds, 30),
        ("name=calm-seas", lambda s: s.name, "calm-seas"),
        ("protocol.mediator=north", lambda s: s.protocol.mediator, "north"),
        ("protocol.mediator=null", lambda s: s.protocol.mediator, None),
        ("protocol.mediator=~", lambda s: s.protocol.mediator, None),
        ("issues.harbour.status_quo=shared", lambda s: s.issues["harbour"].status_quo, "shared"),
        ("issues.harbour.veto=[north]", lambda s: s.issues["harbour"].veto, ["north"]),
        ("issues.harbour.title=Port", lambda s: s.issues["harbour"].title, "Port"),
        ("issues.fishing_quota.battlefield=true",
         lambda s: s.issues["fishing_quota"].battlefield, True),
        ("rounds=0x10", lambda s: s.rounds, 16),
        ("parties.north.salience.harbour = 0.25",
         lambda s: s.parties["north"].salience["harbour"], 0.25),
    ],
)  # fmt: skip
def test_set_values_are_typed_as_yaml(base, override, get, value):
    result = get(load_scenario(base, [override]))
    assert result == value
    assert type(result) is type(value)


def test_set_accepts_a_distribution_in_flow_style(base):
    scenario = load_scenario(
        base, ["parties.north.war_cost={normal: {mean: 0.01, sd: 0.002}, clip: [0, 1]}"]
    )
    war_cost = scenario.parties["north"].war_cost
    assert isinstance(war_cost, Normal)
    assert (war_cost.normal.mean, war_cost.normal.sd, war_cost.clip) == (0.01, 0.002, (0, 1))


def test_set_accepts_a_choice_in_flow_style(base):
    scenario = load_scenario(
        base, ["parties.south.positions.harbour={choice: {south_keeps: 3, shared: 1}}"]
    )
    assert scenario.parties["south"].positions["harbour"].choice == {"south_keeps": 3, "shared": 1}


def test_set_replaces_a_whole_value(base):
    scenario = load_scenario(base, ["parties.north.war_cost=0.003"])
    assert scenario.parties["north"].war_cost == 0.003


def test_set_names_list_items_by_index_and_by_name(base):
    by_index = load_scenario(base, ["events.0.probability=0.25"])
    by_name = load_scenario(base, ["events.storm_season.probability=0.25"])
    assert by_index.events[0].probability == by_name.events[0].probability == 0.25
    renamed = load_scenario(base, ["issues.harbour.options.1=joint"])
    assert renamed.issues["harbour"].options == ["south_keeps", "joint", "north_gets"]


def test_set_reaches_into_an_events_set_by_its_dotted_target(base):
    """The target of an event's ``set`` is itself a dotted path: it is one key."""
    changed = load_scenario(base, ["events.storm_season.set.parties.north.war_cost=0.02"])
    assert changed.events[0].set == {"parties.north.war_cost": 0.02}
    added = load_scenario(base, ["events.0.set.parties.south.war_cost=0.03"])
    assert added.events[0].set == {"parties.north.war_cost": 0.01, "parties.south.war_cost": 0.03}


def test_later_overrides_win(base):
    scenario = load_scenario(base, ["parties.north.patience=0.5", "parties.north.patience=0.6"])
    assert scenario.parties["north"].patience == 0.6


def test_set_applies_after_extends(tmp_path, base):
    path = variant(tmp_path, "extends: ../base.yaml\nparties:\n  north: {patience: 0.9}\n")
    scenario = load_scenario(path, ["parties.north.patience=0.7", "battlefield.drift=0"])
    assert scenario.parties["north"].patience == 0.7
    assert scenario.battlefield.drift == 0


def test_set_does_not_change_the_file(base):
    before = base.read_text()
    load_scenario(base, ["rounds=5"])
    assert base.read_text() == before
    assert load_scenario(base).rounds == 20


@pytest.mark.parametrize(
    ("override", "path", "message"),
    [
        ("parties.north.patience=2", "parties.north.patience", "less than or equal to 1 (got 2)"),
        ("parties.north.patience=.nan", "parties.north.patience", "finite number"),
        ("parties.north.capability=strong", "parties.north.capability",
         "expected a number or a distribution"),
        ("parties.north.war_cost={normal: {mean: 0.01, sd: 0.01}}", "parties.north.war_cost",
         "can draw values in [-inf, inf], outside the allowed range (>= 0 and <= 1)"),
        ("parties.north.positions.harbour=sunk", "parties.north.positions.harbour",
         "unknown option 'sunk'"),
        ("parties.north.salience.harbor=1", "parties.north.salience.harbor", "unknown issue"),
        ("parties.north.salience={fishing_quota: 0, harbour: 0, border: 0}",
         "parties.north.salience", "all salience is zero"),
        ("protocol.mediator=east", "protocol.mediator", "unknown party"),
        ("parties.north.patence=0.5", "parties.north.patence", "unknown field"),
        ("parties.north=3", "parties.north", "valid dictionary"),
        ("events.0.set.parties.north.war_cost=-1", "events.0.set.parties.north.war_cost",
         "greater than or equal to 0"),
        ("title=a: b", "title", "valid string"),
    ],
)  # fmt: skip
def test_an_override_that_breaks_the_scenario_is_reported_at_the_override(
    base, override, path, message
):
    problem = only_problem(base, [override])
    assert problem.place.file == f"--set {override}"
    assert problem.place.line is None
    assert problem.path == path
    assert message in problem.message
    assert str(problem) == f"--set {override}: {path}: {problem.message}"


def test_a_problem_the_override_causes_elsewhere_is_reported_where_that_value_is(base):
    problem = only_problem(base, ["issues.border.scale.max=39"])
    assert (Path(problem.place.file), problem.place.line) == (base, 27)
    assert problem.path == "parties.north.positions.border"
    assert problem.message == "40 is outside the scale of border [0, 39]"


@pytest.mark.parametrize(
    ("override", "path", "message"),
    [
        ("parties.nort.patience=0.5", "parties.nort", "not in parties (has: north, south)"),
        ("partys.north.patience=0.5", "partys", "not in the scenario (has: schema_version"),
        ("events.nosuch.probability=0.5", "events.nosuch", "not in events (has: 0 (storm_season))"),
        ("events.3.probability=0.5", "events.3", "not in events"),
        ("parties.north.capability.mean=3", "parties.north.capability.mean",
         "not in parties.north.capability (it is 1.0, not a mapping or list)"),
        ("issues.harbour.veto.5=north", "issues.harbour.veto.5", "not in issues.harbour.veto"),
    ],
)  # fmt: skip
def test_an_override_path_that_does_not_exist_is_an_error(base, override, path, message):
    problem = only_problem(base, [override])
    assert problem.place.file == f"--set {override}"
    assert problem.path == path
    assert message in problem.message


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("parties.nort.patience=0.5", "not in parties (has: north, south); did you mean north?"),
        ("parties.north.patiense=0.5", "unknown field; did you mean patience?"),
        ("events.strom_season.probability=0.5", "; did you mean storm_season?"),
        # a field the file leaves to its default is known too
        ("parties.south.concesion.style=linear", "; did you mean concession?"),
        ("battlefeild.drift=0.5", "; did you mean battlefield?"),
        ("events.storm_season.set.parties.north.war_cots=0.1",
         "; did you mean parties.north.war_cost?"),
    ],
)  # fmt: skip
def test_a_misspelt_override_path_suggests_the_close_name(base, override, message):
    problem = only_problem(base, [override])
    assert problem.place.file == f"--set {override}"
    assert problem.message.endswith(message)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("parties.north.patience", "expected dotted.path=value"),
        ("=0.5", "expected dotted.path=value"),
        ("parties..patience=0.5", "expected dotted.path=value"),
        ("parties.north.patience=[0.5", "YAML syntax"),
        ("parties.north.patience=!!python/object/apply:os.system ['true']", "is not allowed"),
        ("parties.north.patience=0.5\n---\n0.6", "single document"),
        ("parties.north.patience={a: 1, a: 2}", "duplicate key 'a'"),
    ],
)
def test_a_malformed_override_is_an_error_naming_it(base, override, message):
    problem = only_problem(base, [override])
    assert str(problem.place) == f"--set {override}"
    assert message in problem.message
    assert str(problem).startswith(f"--set {override}: ")


# --- a window shortened with --set rounds ------------------------------------------------------
# harbour.yaml's storm_season is in week 4, with probability 0.5.

STORM_CANNOT_FIRE = (
    "events.0.round: warning: storm_season in week 4 cannot fire: the last week is 3"
)


def test_validate_warns_of_an_event_past_a_shortened_window(base):
    code, out, err = cli("validate", base, "--set", "rounds=3")
    assert code == 0
    assert out == f"{base}: OK (harbour-dispute: 2 parties, 3 issues, 3 weeks)\n"
    assert err == f"{base}:{STORM}:13: {STORM_CANNOT_FIRE}\n"


def test_run_warns_once_and_the_event_never_fires(base, tmp_path):
    code, _, err = cli("run", base, "--set", "rounds=3", "-n", "300", "--out", tmp_path / "r", "-q")
    assert code == 0
    assert err == f"{base}:{STORM}:13: {STORM_CANNOT_FIRE}\n"
    runs = sim.load_results(tmp_path / "r")
    assert not runs["event.storm_season"].any()
    assert (runs["round"].dropna() <= 3).all()


def test_the_api_warns_and_the_event_fires_only_inside_the_window(base):
    with pytest.warns(ScenarioWarning) as warned:
        short = sim.run(base, runs=300, overrides=["rounds=3"])
    assert [str(w.message) for w in warned] == [f"{base}:{STORM}:13: {STORM_CANNOT_FIRE}"]
    assert warned[0].filename == __file__  # the caller's line, not negsim's
    assert not short["event.storm_season"].any()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a window that reaches the event: no warning
        reaching = sim.run(base, runs=300, overrides=["rounds=4"])
    assert reaching["event.storm_season"].any()


def test_an_event_written_past_the_last_round_is_a_warning_too(tmp_path, base):
    path = variant(tmp_path, "extends: ../base.yaml\nrounds: 3\n")
    with pytest.warns(ScenarioWarning, match=STORM_CANNOT_FIRE):
        assert load_scenario(path).rounds == 3
