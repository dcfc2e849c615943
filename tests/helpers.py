"""What several test files share: the small scenario and running the CLI in-process."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from sim.cli import main

DATA = Path(__file__).parent / "data"
HARBOUR = DATA / "harbour.yaml"


def cli(*args: str | Path) -> tuple[int, str, str]:
    """Run the ``negsim`` command in-process: (exit status, standard output, standard error)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def words(text: str) -> str:
    """Text with every run of whitespace made one space (the terminal may wrap lines)."""
    return " ".join(text.split())
