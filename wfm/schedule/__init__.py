"""`wfm schedule`: read a scenario and its inputs, solve in stages, check, and write the result.

How the package reads, top to bottom:

- `inputs`: the scenario and its files, read and validated (`load_inputs` → `ScheduleInputs`).
- `context`: the one translation into the solver's problem (`wfm.planning.build_plan`: units, rounding
  and weights in one place) and the solve's shared context (`Solve`), the LP bound started in a thread.
- `stages`: the stages, each `(solve, best, params) -> best` over a `Candidate`:
  1. `first_roster` — an aggregate constructed greedily (`models.construct`), named greedily;
  2. `roster_from_lp` — the LP bound (`models.linear`), an aggregate rounded from it, named greedily;
  3. `day_assignment` — the best aggregate named again with CP-SAT's day assignment (`models.day_roster`);
  4. `roster_search` — CP-SAT re-times each day's shifts of the best roster (`wfm.schedule.search`);
  5. `aggregate_rounds` — when the search ends early: search the aggregate, name it, search again.
- `naming`: how an aggregate becomes a checked roster (days, starts, budget trim, breaks, the checker).
- `params`: every tuning constant (`SolverParams`), overridable from the scenario's `[solver.tuning]`.
- `output`: roster shifts in local time, `summary.json`, the files written.

The labor rules each stage enforces are listed in docs/schedule.md ("The rules, stage by stage").
"""

from wfm.schedule.candidate import Candidate
from wfm.schedule.inputs import ScheduleInputs, load_inputs
from wfm.schedule.options import Progress, ScheduleOptions, ScheduleResult
from wfm.schedule.output import to_roster, write_schedule, write_schedule_files
from wfm.schedule.params import SolverParams
from wfm.schedule.solve import solve_schedule

__all__ = [
    "Candidate",
    "Progress",
    "ScheduleInputs",
    "ScheduleOptions",
    "ScheduleResult",
    "SolverParams",
    "load_inputs",
    "solve_schedule",
    "to_roster",
    "write_schedule",
    "write_schedule_files",
]
