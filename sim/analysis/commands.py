"""The analysis commands of the CLI (``compare``, ``sensitivity``, ``sweep``).

``register(app)`` adds them to the ``negsim`` Typer app; ``sim/cli.py`` calls it.
"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the analysis commands to ``app``."""
