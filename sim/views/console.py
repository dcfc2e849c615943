"""The terminal every command prints to."""

from __future__ import annotations

import sys

from rich.console import Console


def terminal() -> Console:
    """A console for standard output. Piped output keeps its lines whole (grep-able) and
    tables get room for their columns."""
    piped = not sys.stdout.isatty()
    return Console(highlight=False, soft_wrap=piped, width=120 if piped else None)
