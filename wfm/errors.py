"""The errors wfm raises, and the exit code the CLI maps each one to.

The library raises and never exits; `cli.py` prints one message and exits with `exit_code`.

| code | meaning                                              |
|------|------------------------------------------------------|
| 0    | success                                              |
| 1    | internal error (a bug: please report it)             |
| 2    | bad input: a file, column, value or option is wrong |
| 3    | infeasible: the rules and inputs admit no roster     |
| 4    | no feasible solution found within the time limit     |
| 5    | another run holds the lock on the output directory   |
| 6    | `wfm check`: the roster breaks at least one hard rule |
"""

from __future__ import annotations

import warnings
from pathlib import Path

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_TIMEOUT = 4
EXIT_LOCKED = 5
EXIT_RULES_BROKEN = 6


class WfmError(Exception):
    """Base of every error wfm raises on purpose."""

    exit_code: int = EXIT_INTERNAL

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} — {self.hint}"


class WfmWarning(UserWarning):
    """An input wfm accepts but a planner should look at; the CLI prints `wfm: warning: …` on stderr
    and `wfm run` logs it. Raised with `warn`."""


def warn(message: str) -> None:
    """Emit `message` as a `WfmWarning` (shown once per call site and message by Python's filters)."""
    warnings.warn(message, WfmWarning, stacklevel=2)


class InputError(WfmError):
    """A user input is wrong: names the file, the row (line number in the file, header = 1) and column."""

    exit_code = EXIT_BAD_INPUT

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.path = None if path is None else str(path)
        self.row = row
        self.column = column

    def __str__(self) -> str:
        where = []
        if self.path:
            where.append(self.path)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        text = f"{prefix}: {self.message}" if prefix else self.message
        return text if not self.hint else f"{text} — {self.hint}"


class InfeasibleError(WfmError):
    """The scenario admits no roster; `reasons` lists what to relax, one planner-readable line each."""

    exit_code = EXIT_INFEASIBLE

    def __init__(self, message: str, *, reasons: list[str] | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reasons = list(reasons or [])

    def __str__(self) -> str:
        lines = [super().__str__()]
        lines += [f"  - {r}" for r in self.reasons]
        return "\n".join(lines)


class SolverTimeout(WfmError):
    """The solver found no feasible solution within its time limit."""

    exit_code = EXIT_TIMEOUT


class LockedError(WfmError):
    """Another live run holds the lock on the output directory."""

    exit_code = EXIT_LOCKED
