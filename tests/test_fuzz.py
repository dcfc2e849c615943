"""Fuzzing the loader: mutated scenario files end in exit 0 or exit 2 with placed messages,
quickly — never a traceback, a hang or a blow-up.

Each example takes a valid scenario and damages it the way hand editing and bad tools do:
lines deleted, duplicated or truncated, values replaced by wrong types, out-of-range and
non-finite numbers or unknown ids, random bytes, deep nesting, huge lists, alias bombs and
object-constructing tags. A longer run: ``NEGSIM_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import os
import re
import resource
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sim.cli import main

ROOT = Path(__file__).parent.parent
SOURCES = {
    "flagship": (ROOT / "scenarios" / "budapest_2025.yaml").read_text(encoding="utf-8"),
    "harbour": (ROOT / "tests" / "data" / "harbour.yaml").read_text(encoding="utf-8"),
    "emissions": (ROOT / "scenarios" / "reference" / "ec_emissions_1994.yaml").read_text(
        encoding="utf-8"
    ),
}
EXAMPLES = int(os.environ.get("NEGSIM_FUZZ_EXAMPLES", "30"))
MEMORY_CEILING_KIB = 2 * 2**20  # 2 GiB for the whole test process

NASTY_VALUES = [
    "-1",
    "0",
    "1e308",
    "-1e308",
    "1e-320",
    ".nan",
    ".inf",
    "-.inf",
    "~",
    "null",
    "true",
    "[]",
    "{}",
    "''",
    "'x'",
    "[1, 2, 3]",
    "{normal: {mean: 0, sd: -1}}",
    "{uniform: [5, 1]}",
    "{choice: {nowhere: 1}}",
    "!!python/object/apply:os.system ['true']",
    "!custom 1",
    "*undefined",
    "&a [*a]",
    "unknown_party",
    "0x7fffffffffffffffffff",
    "999999999999",
    '"\\u0000"',
]
BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


@st.composite
def mutated(draw) -> bytes:
    """A damaged copy of one of the valid scenario files."""
    text = SOURCES[draw(st.sampled_from(sorted(SOURCES)))]
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(
            st.sampled_from(
                [
                    "delete",
                    "duplicate",
                    "truncate",
                    "value",
                    "bytes",
                    "nest",
                    "huge",
                    "bomb",
                    "swap",
                ]
            )
        )
        if kind == "delete":
            del lines[at]
        elif kind == "duplicate":
            lines.insert(at, lines[at])
        elif kind == "truncate":
            lines = [*lines[:at], lines[at][: draw(st.integers(0, len(lines[at])))]]
        elif kind == "value" and ":" in lines[at]:
            key = lines[at].split(":", 1)[0]
            lines[at] = f"{key}: {draw(st.sampled_from(NASTY_VALUES))}\n"
        elif kind == "bytes":
            noise = draw(st.binary(min_size=1, max_size=40)).decode("latin-1")
            lines.insert(at, noise + "\n")
        elif kind == "nest":
            depth = draw(st.integers(10, 3000))
            lines.insert(at, "deep: " + "[" * depth + "]" * depth + "\n")
        elif kind == "huge":
            lines.insert(at, "huge: [" + ", ".join(["1"] * 50_000) + "]\n")
        elif kind == "bomb":
            lines.insert(at, BOMB)
        elif kind == "swap" and at + 1 < len(lines):
            lines[at], lines[at + 1] = lines[at + 1], lines[at]
    raw = "".join(lines).encode("utf-8", "surrogateescape")
    if draw(st.booleans()) and raw:  # and sometimes cut mid-file, mid-character even
        raw = raw[: draw(st.integers(0, len(raw)))]
    return raw


@settings(
    max_examples=EXAMPLES,
    deadline=None,  # speed is the benchmark's business; bombs are refused by count, not clock
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(raw=mutated())
@example(raw=BOMB.encode())
@example(raw=b"")
@example(raw=b"\xff\xfe\x00garbage")
@example(raw=("a: " + "[" * 5000 + "]" * 5000 + "\n").encode())
def test_a_damaged_scenario_is_valid_or_a_list_of_placed_problems(tmp_path_factory, capsys, raw):
    path = tmp_path_factory.mktemp("fuzz") / "scenario.yaml"
    path.write_bytes(raw)
    status = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert status in (0, 2), err
    # bounded memory: no input makes the process grow past a fixed ceiling (a high-water mark)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < MEMORY_CEILING_KIB
    if status == 0:
        assert out.startswith(f"{path}: OK")
    else:
        problems = err.strip().splitlines()
        assert problems
        placed = re.compile(rf"^{re.escape(str(path))}:\d+:\d+: \S")
        assert all(placed.match(line) for line in problems), problems
