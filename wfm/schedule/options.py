"""What a caller passes to the solve and gets back: options, progress events, the result."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from wfm.checker import CheckReport
from wfm.roster import RosterShift


@dataclass(frozen=True)
class ScheduleOptions:
    """Overrides of the scenario's [solver] and [objective] settings (None keeps the scenario's)."""

    time_limit_s: float | None = None
    workers: int | None = None
    seed: int | None = None
    objective: str | None = None
    deterministic: bool = True
    stop: threading.Event | None = None  # set it (e.g. on SIGTERM) to finish fast with the best so far
    # the time limit as a work budget (no stage reads the clock to decide; the same inputs and seed give
    # the same roster on one machine, in a wall time that varies); None keeps the scenario's
    repeatable: bool | None = None


@dataclass(frozen=True)
class Progress:
    """One progress event: stage name, elapsed seconds, and the best objective and bound so far."""

    stage: str
    elapsed_s: float
    objective: float | None = None
    bound: float | None = None
    message: str = ""

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None or self.objective <= 0:
            return None
        return max(0.0, (self.objective - self.bound) / self.objective)


@dataclass(frozen=True)
class ScheduleResult:
    """The checked roster, its checker report, `summary.json`'s content and the stage log."""

    shifts: list[RosterShift]
    report: CheckReport
    summary: dict[str, Any]
    max_breaks: int
    stage_log: list[str] = field(default_factory=list)
    break_names: tuple[str, ...] = ()  # the roster's break columns, named after the templates' breaks

    @property
    def status(self) -> str:
        return str(self.summary["status"])
