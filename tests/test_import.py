"""``negsim import`` (issue 12): the field's actor tables — plain CSV, KTAB, Decide — become
scenarios that validate and run; broken tables are refused with every problem at its line.

The data files in tests/data/ are the public repositories' own (tests/data/README.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import cli

from sim.batch.runner import simulate_block
from sim.errors import UserError
from sim.scenario.importers import FORMATS, guess_format, import_table, read_table
from sim.scenario.loader import load_scenario

DATA = Path(__file__).parent / "data"
EC = DATA / "bdm" / "ExampleActors.csv"


def imported(tmp_path: Path, source: Path, *args: str) -> Path:
    out = tmp_path / (source.stem + ".yaml")
    code, stdout, err = cli("import", source, "--out", out, *args)
    assert code == 0, err
    assert f"imported from {source}" in stdout
    return out


@pytest.mark.parametrize(
    "source, format, parties, issues",
    [
        (EC, "csv", 10, 1),
        (DATA / "bdm" / "ChinaData.csv", "csv", 24, 1),
        (DATA / "ktab" / "SOE-Pol-Comp.csv", "ktab", 13, 2),
        (DATA / "ktab" / "dummyData_3Dim.csv", "ktab", 7, 3),
        (DATA / "decide" / "cop21.csv", "decide", 15, 13),
        (DATA / "decide" / "kopenhagen.csv", "decide", 11, 7),
    ],
)
def test_each_format_is_recognised_and_imports_to_a_valid_scenario(
    tmp_path, source, format, parties, issues
):
    assert guess_format(source.read_text()) == format
    scenario = load_scenario(imported(tmp_path, source))
    assert (len(scenario.parties), len(scenario.issues)) == (parties, issues)
    assert scenario.protocol.kind == "expected_utility"


def test_the_imported_ec_table_is_the_published_case(tmp_path):
    """McKibben's CSV of Bueno de Mesquita's EC data imports to the same inputs as the
    hand-written reference case, and forecasts what it forecasts."""
    out = imported(tmp_path, EC)
    text = out.read_text()
    assert text.startswith("# Imported by `negsim import` from ExampleActors.csv (csv format).")
    assert "# Note: ExampleActors: no scale given; its ends are the range of the positions." in text
    scenario = load_scenario(out)
    reference = load_scenario(
        DATA.parent.parent / "scenarios" / "reference" / "ec_emissions_1994.yaml"
    )
    issue = next(iter(scenario.issues.values()))
    assert (issue.scale.min, issue.scale.max) == (4, 10)
    for pid, party in reference.parties.items():
        assert scenario.parties[pid].capability == party.capability
        assert list(scenario.parties[pid].positions.values()) == [party.positions["years"]]
        assert list(scenario.parties[pid].salience.values()) == [party.salience["years"]]
    # round trip: import → validate → run, as a block of one replicate (nothing is uncertain)
    ours = simulate_block(scenario, 0, 0, 1, block_size=1).runs.to_pylist()[0]
    theirs = simulate_block(reference, 0, 0, 1, block_size=1).runs.to_pylist()[0]
    (column,) = [c for c in ours if c.startswith("outcome.")]
    assert ours[column] == theirs["outcome.years"]
    assert abs(ours[column] - 8.83) < abs(7.0 - 8.83)  # nearer the outcome than the start


def test_decide_power_is_the_capability_and_absent_rows_leave_an_actor_out_of_an_issue():
    table = read_table(DATA / "decide" / "copenhagen.csv")
    russia = next(a for a in table.actors if a.name == "Russia")
    assert russia.capability == 0.013
    assert "Commitments" not in russia.positions and russia.salience["Control"] == 0.1
    assert (table.issues["Control"].low, table.issues["Control"].high) == (0, 100)


def test_decide_scale_meanings_become_comments_and_empty_issues_are_left_out(tmp_path):
    text = imported(tmp_path, DATA / "decide" / "kopenhagen.csv").read_text()
    assert "    # 50: intergovernment bodies" in text
    assert "# Note: technology: no #D row, left out." in text


def test_ktab_salience_is_read_as_percent():
    table = read_table(DATA / "ktab" / "SOE-Pol-Comp.csv")
    xi = table.actors[0]
    assert (xi.name, xi.capability) == ("XJ", 100.0)
    assert xi.salience == {"Policy": 0.24, "Competitive": 0.48}


def test_decide_errors_are_placed_at_their_line_and_column(tmp_path):
    """Decide's own broken example: a position of 160 on a 0–100 issue, a negative power."""
    source = DATA / "decide" / "copenhagen_with_errors.csv"
    code, _, err = cli("import", source, "--out", tmp_path / "x.yaml")
    assert code == 2
    assert err.splitlines() == [
        f"{source}:86:4: position: 160 is out of range: the scale of Control is 0 to 100",
        f"{source}:87:6: power: -0.247 is out of range: it must be > 0",
    ]
    assert not (tmp_path / "x.yaml").exists()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("actor,capability,position,salience,colour\na,1,2,0.5,red\nb,1,3,0.5,blue\n",
         ["t.csv:1:5: colour: unknown column; known: actor, capability, position, salience, "
          "issue, min, max"]),
        ("actor,power,position\na,1,2\nb,1,3\n", ["t.csv:1:1: salience: required column missing"]),
        ("name,power,position,salience\na,1,,0.5\nb,0,3,0.5\n",
         ["t.csv:2:3: position: missing value",
          "t.csv:3:2: power: 0 is out of range: it must be > 0"]),
        ("actor;capability;position;salience;min;max\na;1;2;0.5;0;10\nb;1;12;150;0;10\n",
         ["t.csv:3:3: position: 12 is out of range: the scale of t is 0 to 10",
          "t.csv:3:4: salience: 150 is out of range: salience is 0 to 100"]),
        ("actor,capability,position,salience\na,1,2,0.5\n",
         ["t.csv:1:1: actor: found 1 actor(s); a scenario needs two",
          "t.csv:2:1: position: t: every position is 2; give the scale's ends (min and max "
          "columns)"]),
    ],
)  # fmt: skip
def test_csv_errors_are_placed(tmp_path, text, expected):
    source = tmp_path / "t.csv"
    source.write_text(text)
    with pytest.raises(UserError) as caught:
        import_table(source)
    assert [str(p).replace(str(tmp_path) + "/", "") for p in caught.value.problems] == expected


def test_ktab_counts_must_match(tmp_path):
    source = tmp_path / "k.csv"
    lines = (DATA / "ktab" / "dummyData_3Dim.csv").read_text().splitlines()
    source.write_text("\n".join(lines[:-1]) + "\n")  # the first row still says 7 actors
    with pytest.raises(UserError) as caught:
        import_table(source, "ktab")
    assert [p.message for p in caught.value.problems] == ["says 7 actors, the file has 6"]
    assert str(caught.value.problems[0].place).endswith("k.csv:1:3")


def test_an_unknown_format_names_the_known_ones_and_an_existing_out_needs_force(tmp_path):
    code, _, err = cli("import", EC, "--format", "xml", "--out", tmp_path / "x.yaml")
    assert (code, err.strip()) == (2, f"--format: unknown 'xml'; known: {', '.join(FORMATS)}")
    out = imported(tmp_path, EC)
    code, _, err = cli("import", EC, "--out", out)
    assert code == 2 and "exists; add --force to overwrite it" in err
    assert cli("import", EC, "--out", out, "--force")[0] == 0
