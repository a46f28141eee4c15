"""A candidate roster as the stages hand it on: its shifts, the checker's verdict, and its making."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from models.construct import Construction
from wfm.assignment import AssignedShift
from wfm.checker import CheckReport
from wfm.roster import RosterShift


@dataclass(frozen=True)
class Candidate:
    """A checked roster. `assigned` holds its shifts in plan indices (what the stages work on);
    `shifts` and `report` what the checker saw; `info` how it was built (for summary.json);
    `built` the aggregate it was named from, with that aggregate's objective; `after_s` the seconds its
    naming took after the day assignment (what a later naming must keep free)."""

    shifts: list[RosterShift]
    report: CheckReport
    assigned: list[AssignedShift]
    info: dict[str, Any] = field(default_factory=dict)
    built: Construction | None = None
    aggregate_objective: float | None = None
    after_s: float = 0.0

    @property
    def key(self) -> tuple[int, float]:
        """Order of merit: fewer rules broken, then a lower objective."""
        return len(self.report.violations), self.report.objective

    def better_than(self, other: Candidate | None) -> bool:
        return other is None or self.key < other.key

    def violation_counts(self) -> str:
        """ "0 violations", or how many of each rule ("3 violations: min-hours-week 3")."""
        if not self.report.violations:
            return "0 violations"
        counts: dict[str, int] = {}
        for v in self.report.violations:
            counts[v.rule] = counts.get(v.rule, 0) + 1
        listed = ", ".join(f"{r} {n}" for r, n in sorted(counts.items()))
        return f"{len(self.report.violations)} violations: {listed}"
