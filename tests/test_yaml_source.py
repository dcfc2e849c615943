"""Plain YAML rules of scenario files (docs/design.md §2): what the YAML layer lets through, and the
place (FILE:LINE:COL) of everything it refuses."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import UserError
from sim.scenario.loader import load_scenario
from sim.scenario.yamlsource import MAX_DEPTH, MAX_NODES, parse_yaml, read_yaml

HARBOUR = Path(__file__).parent / "data" / "harbour.yaml"


def only_problem(exc: pytest.ExceptionInfo[UserError]):
    assert len(exc.value.problems) == 1, exc.value.problems
    return exc.value.problems[0]


def where(problem) -> tuple[int | None, int | None]:
    return problem.place.line, problem.place.column


def write(tmp_path: Path, text: str | bytes, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# --- duplicate keys --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "key", "first"),
    [
        ("name: a\nrounds: 3\nname: b\n", 3, 1, "name", 1),
        ("parties:\n  north:\n    capability: 1\n    patience: 1\n    capability: 2\n", 5, 5,
         "capability", 3),
        ("protocol: {kind: mediated, mediator: null, kind: alternating}\n", 1, 44, "kind", 1),
        ("issues:\n  a: {}\n  b: {}\n  a: {}\n", 4, 3, "a", 2),
    ],
)  # fmt: skip
def test_duplicate_key_is_reported_at_the_second_key(text, line, column, key, first):
    with pytest.raises(UserError) as exc:
        parse_yaml(text, "f.yaml")
    problem = only_problem(exc)
    assert where(problem) == (line, column)
    assert f"duplicate key {key!r}" in problem.message
    assert f"first at line {first}" in problem.message


def test_duplicate_key_in_a_scenario_file_is_reported_with_the_file_name(tmp_path):
    text = HARBOUR.read_text().replace("round_label: week\n", "round_label: week\nrounds: 30\n")
    path = write(tmp_path, text)
    with pytest.raises(UserError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert str(problem) == f"{path}:5:1: duplicate key 'rounds' (first at line 3)"


def test_the_same_key_in_different_mappings_is_fine():
    doc = parse_yaml("a: {x: 1}\nb: {x: 2}\n", "f.yaml")
    assert doc.data == {"a": {"x": 1}, "b": {"x": 2}}


# --- tags ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "!!python/object/apply:os.system ['true']",
        "!!python/object/new:builtins.dict {}",
        "!!python/object:builtins.object {}",
        "!!python/name:os.system",
        "!!python/tuple [1, 2]",
        "!custom 1",
        "!<tag:example.com,2000:thing> 1",
        "!!binary aGVsbG8=",
        "!!set {a, b}",
        "!!timestamp 2001-12-14",
        "!!omap [a: 1]",
    ],
)
def test_tags_that_construct_objects_are_refused_at_their_place(value):
    with pytest.raises(UserError) as exc:
        parse_yaml(f"rounds: 3\ndrift: {value}\n", "f.yaml")
    problem = only_problem(exc)
    assert where(problem) == (2, 8)
    assert "is not allowed: scenario files are plain YAML" in problem.message


def test_a_python_tag_is_never_executed(tmp_path):
    target = tmp_path / "made_by_yaml"
    path = write(tmp_path, f"name: x\nrounds: !!python/object/apply:os.mkdir ['{target}']\n")
    with pytest.raises(UserError) as exc:
        load_scenario(path)
    assert where(only_problem(exc)) == (2, 9)
    assert not target.exists()


def test_a_tag_on_a_key_is_refused():
    with pytest.raises(UserError) as exc:
        parse_yaml("a: 1\n!!python/name:os.system b: 2\n", "f.yaml")
    problem = only_problem(exc)
    assert where(problem) == (2, 1)
    assert "keys must be plain scalars" in problem.message


def test_a_complex_key_is_refused():
    with pytest.raises(UserError) as exc:
        parse_yaml("? [a, b]\n: 1\n", "f.yaml")
    assert "keys must be plain scalars" in only_problem(exc).message


def test_plain_core_tags_are_allowed():
    doc = parse_yaml("a: !!str 12\nb: !!float 1\nc: !!int '7'\n", "f.yaml")
    assert doc.data == {"a": "12", "b": 1.0, "c": 7}


def test_a_core_tag_on_a_value_it_does_not_fit_is_an_error():
    with pytest.raises(UserError) as exc:
        parse_yaml("a: 1\nb: !!int twelve\n", "f.yaml")
    problem = only_problem(exc)
    assert where(problem) == (2, 4)
    assert "'twelve' is not a valid int" in problem.message


# --- aliases ---------------------------------------------------------------------------------

BILLION_LAUGHS = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_an_alias_bomb_fails_fast_with_an_error(tmp_path):
    path = write(tmp_path, BILLION_LAUGHS)
    with pytest.raises(UserError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert problem.place.file == str(path)
    assert problem.place.line is not None
    assert f"expands past {MAX_NODES} values (alias bomb?)" in problem.message
    # Expanded, it would be 9**9 strings: hours and gigabytes. It is refused while counting.


def test_anchors_and_aliases_below_the_limit_are_plain_yaml():
    doc = parse_yaml("a: &v [1, 2]\nb: *v\nc: &m {x: 1}\nd: *m\n", "f.yaml")
    assert doc.data == {"a": [1, 2], "b": [1, 2], "c": {"x": 1}, "d": {"x": 1}}
    doc.data["b"].append(3)  # expanded into independent copies
    assert doc.data["a"] == [1, 2]


def test_an_undefined_alias_is_a_syntax_error_with_its_place():
    with pytest.raises(UserError) as exc:
        parse_yaml("a: &x 1\nb: *y\n", "f.yaml")
    problem = only_problem(exc)
    assert where(problem) == (2, 4)
    assert "undefined alias 'y'" in problem.message


def test_merge_keys_are_not_yaml_1_2_and_stay_plain_keys():
    doc = parse_yaml("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n", "f.yaml")
    assert doc.data["other"] == {"<<": {"x": 1}, "y": 2}


# --- nesting ---------------------------------------------------------------------------------


def test_nesting_within_the_limit_is_fine():
    depth = MAX_DEPTH - 1
    doc = parse_yaml("a: " + "[" * depth + "1" + "]" * depth, "f.yaml")
    node = doc.data["a"]
    for _ in range(depth - 1):
        node = node[0]
    assert node == [1]


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 100 + "]" * 100,
        "a: " + "{k: " * 100 + "1" + "}" * 100,
        "a:\n" + "".join("  " * n + "k:\n" for n in range(1, 100)) + "  " * 100 + "1\n",
    ],
    ids=["flow-sequences", "flow-mappings", "block-mappings"],
)
def test_deep_nesting_is_refused_with_a_place(text):
    with pytest.raises(UserError) as exc:
        parse_yaml(text, "f.yaml")
    problem = only_problem(exc)
    assert problem.place.line is not None
    assert f"nesting deeper than {MAX_DEPTH} levels" in problem.message


def test_many_deep_nests_are_refused_at_the_first_not_after_parsing_them_all():
    """The YAML scanner's cost grows with the square of the nesting depth: a file of many
    nests just under the interpreter's recursion limit took minutes before this was refused
    while parsing."""
    text = "a: [" + ("[" * 300 + "]" * 300 + ", ") * 200 + "]"
    with pytest.raises(UserError) as exc:
        parse_yaml(text, "f.yaml")
    problem = only_problem(exc)
    assert where(problem) == (1, 4 + MAX_DEPTH)  # the 65th level, in the first nest: not parsed on
    assert f"nesting deeper than {MAX_DEPTH} levels" in problem.message


def test_nesting_deep_enough_to_exhaust_the_parser_is_an_error_not_a_crash(tmp_path):
    path = write(tmp_path, "name: x\nrounds: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(UserError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert problem.place.file == str(path)
    assert problem.place.line == 2
    assert "nesting deeper than" in problem.message


# --- what the file holds ---------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "   \n# x\n"])
def test_an_empty_file_is_an_error(tmp_path, text):
    path = write(tmp_path, text)
    with pytest.raises(UserError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert str(problem) == f"{path}:1:1: the file is empty"


@pytest.mark.parametrize(
    ("text", "line"),
    [("- name: x\n- rounds: 3\n", 1), ("just words\n", 1), ("42\n", 1), ("---\n", 2),
     ("# header\n\n[a, b]\n", 3), ("null\n", 1)],
)  # fmt: skip
def test_a_document_that_is_not_a_mapping_is_an_error(tmp_path, text, line):
    path = write(tmp_path, text)
    with pytest.raises(UserError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert problem.place.line == line
    assert problem.message == "a scenario must be a mapping of fields"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("name: a\n---\nname: b\n", 2),
        ("---\nname: a\n---\nname: b\n", 3),
        ("name: a\n...\n---\nname: b\n", 3),
    ],
)
def test_a_stream_of_several_documents_is_an_error_at_the_second(tmp_path, text, line):
    path = write(tmp_path, text)
    with pytest.raises(UserError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert problem.place.line == line
    assert "expected a single document" in problem.message


def test_one_document_with_explicit_markers_is_fine(tmp_path):
    path = write(tmp_path, "---\n" + HARBOUR.read_text() + "...\n")
    assert load_scenario(path).name == "harbour-dispute"


def test_yaml_syntax_errors_have_their_place():
    with pytest.raises(UserError) as exc:
        parse_yaml("a: 1\nb: [1, 2\nc: 3\n", "f.yaml")
    problem = only_problem(exc)
    assert problem.place.file == "f.yaml"
    assert problem.place.line == 3
    assert problem.message.startswith("YAML syntax: ")


def test_a_tab_used_for_indentation_is_a_syntax_error():
    with pytest.raises(UserError) as exc:
        parse_yaml("a:\n\tb: 1\n", "f.yaml")
    problem = only_problem(exc)
    assert where(problem) == (2, 1)
    assert "'\\t'" in problem.message


# --- YAML 1.2 core schema scalars --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("no", "no"), ("yes", "yes"), ("on", "on"), ("off", "off"), ("y", "y"), ("N", "N"),
        ("true", True), ("False", False), ("TRUE", True),
        ("~", None), ("null", None), ("Null", None), ("", None),
        ("12", 12), ("-3", -3), ("+4", 4), ("010", 10), ("08", 8), ("0x1F", 31), ("0o17", 15),
        ("0b101", "0b101"), ("1_000", "1_000"), ("017_0", "017_0"),
        ("1.5", 1.5), ("1e3", 1000.0), ("-2.5E-1", -0.25), (".5", 0.5), ("1.", 1.0),
        ("2001-12-14", "2001-12-14"), ("12:30", "12:30"), ("'12'", "12"), ('"true"', "true"),
    ],
)  # fmt: skip
def test_scalars_resolve_by_the_yaml_1_2_core_schema(text, value):
    data = parse_yaml(f"v: {text}\n", "f.yaml").data["v"]
    assert data == value
    assert type(data) is type(value)


@pytest.mark.parametrize(
    ("text", "check"),
    [
        (".nan", math.isnan), (".NaN", math.isnan), (".NAN", math.isnan),
        (".inf", lambda v: v == math.inf), ("+.inf", lambda v: v == math.inf),
        ("-.Inf", lambda v: v == -math.inf), (".INF", lambda v: v == math.inf),
    ],
)  # fmt: skip
def test_nan_and_infinity_parse_as_floats(text, check):
    assert check(parse_yaml(f"v: {text}\n", "f.yaml").data["v"])


def test_options_named_no_yes_and_on_stay_names(tmp_path):
    """Under YAML 1.1 these would be booleans and the scenario would not load."""
    text = HARBOUR.read_text()
    text = text.replace("south_keeps", "no").replace("north_gets", "yes").replace("shared", "on")
    scenario = load_scenario(write(tmp_path, text))
    assert scenario.issues["harbour"].options == ["no", "on", "yes"]
    assert scenario.issues["harbour"].status_quo == "no"
    assert scenario.parties["north"].positions["harbour"] == "yes"


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        ("patience: 0.98", "patience: .nan", "parties.north.patience"),
        ("status_quo: 50", "status_quo: .inf", "issues.fishing_quota.status_quo"),
        ("optimism: 0.2", "optimism: -.inf", "parties.north.optimism"),
        ("max: 40", "max: .inf", "issues.border.scale.max"),
        ("sd: 0.1", "sd: .nan", "parties.south.capability.normal.sd"),
        ("drift: 0.3", "drift: .NaN", "battlefield.drift"),
    ],
)
def test_nan_and_infinity_fail_validation_where_a_finite_number_is_needed(tmp_path, old, new, path):
    text = HARBOUR.read_text()
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if old in row)
    path_ = write(tmp_path, text.replace(old, new))
    with pytest.raises(UserError) as exc:
        load_scenario(path_)
    problem = only_problem(exc)
    assert problem.place.line == line
    assert problem.path == path
    assert "finite number" in problem.message


# --- bytes -------------------------------------------------------------------------------------


def test_bytes_that_are_not_utf8_are_an_error_with_their_place(tmp_path):
    path = write(tmp_path, b"name: x\ntitle: caf\xe9 au lait\n")
    with pytest.raises(UserError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert problem.place.file == str(path)
    assert where(problem) == (2, 11)
    assert "not UTF-8 text" in problem.message


def test_the_column_of_a_bad_byte_counts_characters_not_bytes(tmp_path):
    path = write(tmp_path, "name: x\ntitle: éé ".encode() + b"\xff\n")
    with pytest.raises(UserError) as exc:
        read_yaml(path)
    assert where(only_problem(exc)) == (2, 11)


def test_a_nul_byte_is_an_error_with_its_place(tmp_path):
    path = write(tmp_path, b"name: x\nrounds: 3\x00\n")
    with pytest.raises(UserError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert where(problem) == (2, 10)
    assert "NUL byte" in problem.message


def test_utf8_text_and_a_byte_order_mark_are_fine(tmp_path):
    text = HARBOUR.read_text().replace(
        "name: harbour-dispute", "name: harbour-dispute\ntitle: Hafenstreit — Zürich ⚓"
    )
    scenario = load_scenario(write(tmp_path, b"\xef\xbb\xbf" + text.encode()))
    assert scenario.title == "Hafenstreit — Zürich ⚓"


def test_a_missing_file_is_an_error_naming_it(tmp_path):
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(UserError) as exc:
        load_scenario(path)
    problem = only_problem(exc)
    assert problem.place.file == str(path)
    assert "cannot read" in problem.message


def test_a_directory_is_an_error_not_a_crash(tmp_path):
    with pytest.raises(UserError) as exc:
        load_scenario(tmp_path)
    assert "cannot read" in only_problem(exc).message


# --- places and round trips (property tests) ---------------------------------------------------

KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(KEYS, st.integers(-(10**6), 10**6), min_size=1, max_size=20))
def test_every_key_and_value_keeps_its_line(mapping):
    text = "".join(f"{k}: {v}\n" for k, v in mapping.items())
    doc = parse_yaml(text, "f.yaml")
    assert doc.data == mapping
    for n, key in enumerate(mapping):
        assert doc.keys[(key,)].line == n + 1
        assert doc.keys[(key,)].column == 1
        assert doc.values[(key,)].line == n + 1
        assert doc.values[(key,)].column == len(key) + 3


@settings(max_examples=100, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_finite_floats_round_trip(value):
    assert parse_yaml(f"v: {value!r}\n", "f.yaml").data["v"] == value


@settings(max_examples=100, deadline=None)
@given(st.text(st.characters(max_codepoint=0xFFFF, blacklist_categories=("Cs",)), max_size=40))
def test_double_quoted_strings_round_trip(value):
    assert parse_yaml(f"v: {json.dumps(value)}\n", "f.yaml").data["v"] == value
