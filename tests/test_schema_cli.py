"""The editor schema (``negsim schema``) and the command line end to end: validate, show,
--set, exit statuses, and the compromise forecast against a published reference case."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from sim.cli import main
from sim.scenario.loader import load_document, load_scenario
from sim.scenario.units import issue_units
from sim.views.scenario import compromise_forecast

ROOT = Path(__file__).parent.parent
HARBOUR = Path(__file__).parent / "data" / "harbour.yaml"
SCENARIOS = sorted((ROOT / "scenarios").rglob("*.yaml")) if (ROOT / "scenarios").is_dir() else []
EC_EMISSIONS = ROOT / "scenarios" / "reference" / "ec_emissions_1994.yaml"

PROBLEM_LINE = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<path>[\w.]+): (?P<msg>.+)$"
)


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def harbour(tmp_path) -> Path:
    path = tmp_path / "harbour.yaml"
    path.write_text(HARBOUR.read_text())
    return path


@pytest.fixture
def broken(tmp_path) -> Path:
    """The harbour file with three problems, on lines 3, 30 and 31."""
    text = HARBOUR.read_text()
    text = text.replace("rounds: 20", "rounds: -3")
    text = text.replace("patience: 0.98", "patience: 1.5")
    text = text.replace("    optimism: 0.2\n", "    optimism: 0.2\n    optimisim: 0.1\n")
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    return path


# --- negsim schema ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def validator(schema_document) -> Draft202012Validator:
    return Draft202012Validator(schema_document)


@pytest.fixture(scope="module")
def schema_document() -> dict:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        assert main(["schema"]) == 0
    return json.loads(buffer.getvalue())


def test_schema_prints_a_valid_json_schema(schema_document):
    Draft202012Validator.check_schema(schema_document)
    assert schema_document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema_document["type"] == "object"
    assert {"name", "rounds", "issues", "parties"} <= set(schema_document["required"])
    assert schema_document["additionalProperties"] is False


def test_schema_output_is_json_only(capsys):
    code, out, err = run(["schema"], capsys)
    assert code == 0
    assert err == ""
    json.loads(out)


@pytest.mark.parametrize("path", [HARBOUR, *SCENARIOS], ids=lambda p: str(p.relative_to(ROOT)))
def test_every_scenario_validates_against_the_schema(validator, path):
    data = load_document(path).data  # with any `extends` merged, as the loader sees it
    errors = [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)
    ]
    assert errors == []


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda d: d["parties"]["north"].update(capabilty=1), "parties.north"),
        (lambda d: d["parties"]["north"].update(capability="strong"), "parties.north.capability"),
        (lambda d: d.update(rounds=0), "rounds"),
        (lambda d: d["parties"]["north"].update(patience={"uniform": [0.9]}),
         "parties.north.patience"),
        (lambda d: d["protocol"].update(kind="auction"), "protocol"),
        (lambda d: d["events"][0].update(round="soon"), "events.0.round"),
        (lambda d: d.pop("issues"), ""),
    ],
)  # fmt: skip
def test_the_schema_rejects_what_the_loader_rejects(validator, edit, where):
    data = load_document(HARBOUR).data
    edit(data)
    paths = {".".join(map(str, e.absolute_path)) for e in validator.iter_errors(data)}
    assert where in paths


# --- negsim validate -------------------------------------------------------------------------


def test_validate_prints_an_ok_line_and_exits_0(harbour, capsys):
    code, out, err = run(["validate", str(harbour)], capsys)
    assert code == 0
    assert out == f"{harbour}: OK (harbour-dispute: 2 parties, 3 issues, 20 weeks)\n"
    assert err == ""


def test_validate_prints_an_ok_line_per_file(harbour, tmp_path, capsys):
    other = tmp_path / "other.yaml"
    other.write_text(HARBOUR.read_text().replace("name: harbour-dispute", "name: other"))
    code, out, _ = run(["validate", str(harbour), str(other)], capsys)
    assert code == 0
    assert out.splitlines() == [
        f"{harbour}: OK (harbour-dispute: 2 parties, 3 issues, 20 weeks)",
        f"{other}: OK (other: 2 parties, 3 issues, 20 weeks)",
    ]


def test_validate_reports_one_line_per_problem_and_exits_2(broken, capsys):
    code, out, err = run(["validate", str(broken)], capsys)
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 3
    found = []
    for line in lines:
        match = PROBLEM_LINE.match(line)
        assert match, line
        assert match["file"] == str(broken)
        found.append((int(match["line"]), int(match["col"]), match["path"]))
    assert sorted(found) == [
        (3, 9, "rounds"),
        (30, 5, "parties.north.optimisim"),
        (31, 15, "parties.north.patience"),
    ]


def test_validate_checks_every_file_even_after_a_broken_one(broken, harbour, capsys):
    code, out, err = run(["validate", str(broken), str(harbour)], capsys)
    assert code == 2
    assert out == f"{harbour}: OK (harbour-dispute: 2 parties, 3 issues, 20 weeks)\n"
    assert len(err.splitlines()) == 3


def test_validate_a_missing_file_exits_2_naming_it(tmp_path, capsys):
    missing = tmp_path / "nowhere.yaml"
    code, _, err = run(["validate", str(missing)], capsys)
    assert code == 2
    assert err.startswith(f"{missing}: cannot read")
    assert "Traceback" not in err


def test_validate_an_alias_bomb_exits_2(tmp_path, capsys):
    bomb = tmp_path / "bomb.yaml"
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 9)]
    bomb.write_text("\n".join(lines) + "\n")
    code, _, err = run(["validate", str(bomb)], capsys)
    assert code == 2
    assert "alias bomb" in err
    assert len(err.splitlines()) == 1


def test_validate_with_set(harbour, capsys):
    code, out, _ = run(["validate", str(harbour), "--set", "rounds=30"], capsys)
    assert code == 0
    assert "30 weeks" in out
    override = "parties.north.patience=1.5"
    code, out, err = run(["validate", str(harbour), "--set", override], capsys)
    assert code == 2
    assert out == ""
    assert err == (
        f"--set {override}: parties.north.patience: "
        "Input should be less than or equal to 1 (got 1.5)\n"
    )


def test_validate_with_several_sets_applies_them_in_order(harbour, capsys):
    argv = ["validate", str(harbour), "--set", "rounds=2", "--set", "rounds=12"]
    code, out, _ = run(argv, capsys)
    assert code == 0
    assert "12 weeks" in out


def test_debug_shows_the_traceback_of_a_user_error(broken, capsys):
    code, _, err = run(["--debug", "validate", str(broken)], capsys)
    assert code == 2
    assert "Traceback" in err


# --- negsim show -----------------------------------------------------------------------------


@pytest.fixture
def wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")


def test_show_prints_the_tables_and_the_compromise_forecast(harbour, capsys, wide):
    code, out, err = run(["show", str(harbour)], capsys)
    assert code == 0
    assert err == ""
    for text in [
        "harbour-dispute",
        "20 weeks at most",
        "mediated (mediator: neutral",
        "Issues",
        "south_keeps < shared < north_gets",
        "0–100 % to north",
        "Positions (salience)",
        "north_gets (0.9)",
        "≈0.7",  # south's capability: a distribution shown by its mean
        "compromise forecast",
        "47.44 % to north",
        "0.72 (≈ shared)",
        "22.02 km held by north",
        "Veto holders: north, south",
        "Events",
        "storm_season",
        "parties.north.war_cost = 0.01",
    ]:
        assert text in out, text


def test_show_with_set_changes_the_forecast(harbour, capsys, wide):
    code, out, _ = run(["show", str(harbour), "--set", "parties.north.capability=5"], capsys)
    assert code == 0
    assert "66.41 % to north" in out
    assert "47.44" not in out


def test_show_a_broken_file_exits_2_without_a_traceback(broken, capsys):
    code, out, err = run(["show", str(broken)], capsys)
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 3
    assert "Traceback" not in err


def test_show_with_a_bad_override_path_exits_2(harbour, capsys):
    code, _, err = run(["show", str(harbour), "--set", "parties.west.patience=1"], capsys)
    assert code == 2
    assert err == (
        "--set parties.west.patience=1: parties.west: not in parties (has: north, south)\n"
    )


# --- usage -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["frobnicate"],
        ["validate"],
        ["show"],
        ["show", "a.yaml", "b.yaml"],
        ["validate", "a.yaml", "--set"],
        ["validate", "a.yaml", "--no-such-option"],
        ["schema", "extra"],
        [],
    ],
)
def test_usage_errors_exit_2(argv, capsys):
    code, _, err = run(argv, capsys)
    assert code == 2
    assert "Traceback" not in err


@pytest.mark.parametrize("argv", [["--help"], ["validate", "--help"], ["show", "--help"]])
def test_help_exits_0(argv, capsys):
    code, out, _ = run(argv, capsys)
    assert code == 0
    assert "Usage" in out


# --- the compromise forecast -----------------------------------------------------------------


def native_forecast(scenario) -> dict[str, float]:
    units = issue_units(scenario.issues)
    return {k: float(units[k].to_native(v)) for k, v in compromise_forecast(scenario).items()}


def test_compromise_forecast_of_the_harbour_case():
    """Σ c·s·x / Σ c·s per issue, by hand: south's capability counts by its mean (0.7)."""
    forecast = native_forecast(load_scenario(HARBOUR))
    assert forecast["fishing_quota"] == pytest.approx((1 * 0.3 * 80 + 0.7 * 0.8 * 30) / 0.86)
    assert forecast["border"] == pytest.approx(40 * 0.6 / (0.6 + 0.7 * 0.7))
    assert forecast["harbour"] == pytest.approx(0.9 / (0.9 + 0.35))
    assert round(forecast["fishing_quota"], 2) == 47.44


def test_compromise_forecast_is_in_model_units():
    forecast = compromise_forecast(load_scenario(HARBOUR))
    assert set(forecast) == {"fishing_quota", "harbour", "border"}
    assert all(0 <= v <= 1 for v in forecast.values())


def test_ec_emissions_compromise_forecast_is_the_published_7_39_years():
    """Bueno de Mesquita (1994), EC car emission standards: the compromise (capability ×
    salience-weighted mean of the positions) is 7.39 years."""
    scenario = load_scenario(EC_EMISSIONS)
    scale_issues = [k for k, issue in scenario.issues.items() if issue.scale is not None]
    assert len(scale_issues) == 1
    (issue,) = scale_issues
    assert scenario.issues[issue].scale.unit == "years"
    assert round(native_forecast(scenario)[issue], 2) == 7.39


def test_ec_emissions_forecast_is_shown_by_negsim_show(capsys, wide):
    code, out, _ = run(["show", str(EC_EMISSIONS)], capsys)
    assert code == 0
    assert "7.39 years" in out
