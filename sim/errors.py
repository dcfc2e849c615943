"""User-facing errors.

Every failure a user can cause ends in one of these, and the CLI prints each problem on one
line and exits with status 2. Internal faults are anything else (exit 1).
"""

from __future__ import annotations

import difflib
import signal
import sys
import warnings
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    """Where a problem is: a file position (1-based), or a command-line override."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where, which field (dotted path), what was expected."""

    place: Place | None
    path: str
    message: str

    def __str__(self) -> str:
        parts = [str(self.place)] if self.place else []
        if self.path:
            parts.append(self.path)
        parts.append(self.message)
        return ": ".join(parts)


CLOSE = 0.6
"""How alike two spellings must be to suggest one for the other (:mod:`difflib`'s ratio)."""


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """``; did you mean X?`` when one of ``known`` is spelt close to ``word``, else nothing.

    A dotted path is close to a known one that differs from it in one step only, that step
    spelt close: the steps they share say nothing about the misspelling.
    """
    steps = word.split(".")
    best, best_ratio = None, CLOSE
    for name in known:
        other = name.split(".")
        if len(other) != len(steps):
            continue
        differing = [(a, b) for a, b in zip(steps, other, strict=True) if a != b]
        if len(differing) == 1:
            ratio = difflib.SequenceMatcher(None, *differing[0]).ratio()
            if ratio > best_ratio or (best is None and ratio == best_ratio):
                best, best_ratio = name, ratio
    return f"; did you mean {best}?" if best else ""


class UserError(Exception):
    """Bad input or usage: one or more problems, each printed as one line (exit status 2)."""

    def __init__(self, problems: list[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem(None, "", problems)]
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ScenarioWarning(UserWarning):
    """Something a scenario may do but that cannot act (an event past the last round): the
    text is one line, ``FILE:LINE:COL: dotted.path: warning: ...``, like a problem's."""


def warn(problem: Problem) -> None:
    """Warn of ``problem`` (a :class:`ScenarioWarning`), from the first caller outside negsim:
    a notebook's warning names the user's line, not ours."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] == "sim":
        level, frame = level + 1, frame.f_back
    warnings.warn(str(problem), ScenarioWarning, stacklevel=level)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would be, so that work stops the same clean way."""


class BatchInterrupted(Exception):
    """A batch stopped by Ctrl-C or SIGTERM; its finished blocks are kept.

    It is raised while the interrupt (``KeyboardInterrupt`` or :class:`Terminated`) is being
    handled, so the interrupt stays in its context however often it is raised again with a
    fuller message (a sweep names its point): :attr:`exit_status` reads it from there.
    """

    @property
    def exit_status(self) -> int:
        """128 + the signal that stopped the batch: 130 for Ctrl-C, 143 for SIGTERM."""
        interrupt = self.__context__
        while interrupt is not None and not isinstance(interrupt, KeyboardInterrupt):
            interrupt = interrupt.__context__
        return 128 + (signal.SIGTERM if isinstance(interrupt, Terminated) else signal.SIGINT)


class BlockFailed(Exception):
    """A block of a batch raised; the message names the scenario, block and replicates."""
