"""`solve_schedule`: the stages of `wfm.schedule.stages`, in order, over one solve's context."""

from __future__ import annotations

from collections.abc import Callable

from wfm.roster import scenario_break_names, scenario_max_breaks
from wfm.schedule.candidate import Candidate
from wfm.schedule.context import start_solve
from wfm.schedule.inputs import ScheduleInputs
from wfm.schedule.options import Progress, ScheduleOptions, ScheduleResult
from wfm.schedule.output import summary_of
from wfm.schedule.stages import STAGES


def solve_schedule(
    inputs: ScheduleInputs,
    options: ScheduleOptions | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> ScheduleResult:
    """Solve the scenario; raise `InfeasibleError` (with reasons) when no roster can exist."""
    solve = start_solve(inputs, options or ScheduleOptions(), progress)  # the plan, and the LP bound in a thread
    best: Candidate | None = None
    for stage in STAGES:
        best = stage(solve, best, solve.params)  # type: ignore[arg-type]
    assert best is not None
    solve.late_bound()
    summary = summary_of(solve, best)
    solve.emit("done", best.report.objective, f"status {summary['status']}")
    return ScheduleResult(
        best.shifts,
        best.report,
        summary,
        scenario_max_breaks(solve.scenario),
        solve.log,
        tuple(scenario_break_names(solve.scenario)),
    )
