"""Naming agents: an aggregate solution becomes a checked roster (stages 2 and 3).

`name_aggregate` gives the aggregate's shifts to named agents — days and kinds (`Assigner.assign_days`,
greedily or with CP-SAT), start times and queues (`assign_starts`, then the start search
`improve_starts`), the budget trim, the breaks — and hands the roster to the independent checker.
`construct_and_name` builds the aggregate first, holding budget back when naming overspends it.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np

from models import aggregate
from models.construct import Construction, construct
from wfm.assignment import (
    AssignedShift,
    Assigner,
    fill_weekly_minimums,
    improve_starts,
    place_roster_breaks,
    slots_from_construction,
    trim_to_budget,
)
from wfm.checker import check_roster
from wfm.schedule.candidate import Candidate
from wfm.schedule.context import Solve
from wfm.schedule.output import to_roster


def check(solve: Solve, assigned: list[AssignedShift], info: dict[str, Any], **making: Any) -> Candidate:
    """The roster of `assigned`, checked by the independent checker; `making` fills the candidate's
    other fields (`built`, `aggregate_objective`, `after_s`)."""
    started = time.perf_counter()
    inputs = solve.inputs
    shifts = to_roster(solve.scenario, solve.plan, inputs.agents, assigned) + list(inputs.locked)
    report = check_roster(
        solve.scenario,
        shifts,
        inputs.requirements,
        inputs.agents,
        inputs.unavailability,
        inputs.preferences,
        previous=inputs.previous,
    )
    solve.check_s = time.perf_counter() - started
    return Candidate(shifts, report, assigned, info, **making)


def name_aggregate(
    solve: Solve,
    built: Construction,
    *,
    use_cpsat: bool,
    time_s: float,
    deadline: float | None = None,
    quick: bool = False,
    start_passes: int | None = None,
) -> Candidate:
    """Stages 2–3 on the aggregate `built`: a checked roster. `use_cpsat` runs CP-SAT's day assignment
    for `time_s` (deterministic time) until `deadline` at the latest; `quick` makes a first roster
    fast (greedy days, one start pass, kinds kept)."""
    cfg, plan = solve.scenario.config, solve.steer
    prm = solve.params
    assigner = Assigner(
        solve.scenario,
        plan,
        solve.inputs.agents,
        solve.inputs.preferences,
        workers=solve.workers,
        seed=solve.seed,
        deterministic=solve.deterministic,
        stop=solve.options.stop,
        use_cpsat=use_cpsat,
        quick=quick,
        on_progress=lambda m: solve.emit("assign", None, m),
        deadline=deadline,
    )
    statuses = assigner.assign_days(built.shifts, time_s)
    assigned, unmatched, extra, dropped = assigner.assign_starts(slots_from_construction(solve.plan, built))
    passes = 1 if quick else (prm.start_passes if start_passes is None else start_passes)
    start_deadline = solve.clock(solve.t0 + solve.limit - prm.after_margin * solve.check_s - 0.01 * solve.limit)
    assigned = improve_starts(
        plan,
        assigned,
        assigner.rest,
        passes=passes,
        change_lengths=not quick,
        template_caps=bool(cfg.rules.max_shifts_per_template),
        day_rules=None if quick else cfg.rules,
        deadline=start_deadline,
    )
    assigned, filled = fill_weekly_minimums(plan, assigned, assigner.rest, cfg.rules)
    trimmed = 0
    if cfg.rules.min_consecutive_days == 1 and cfg.rules.min_consecutive_days_off == 1:
        assigned, trimmed = trim_to_budget(plan, assigned)
    assigned = place_roster_breaks(plan, assigned)
    info = {
        "assignment_statuses": statuses,
        "unassigned_aggregate_shifts": unmatched,
        "added_shifts": extra,
        "dropped_days": dropped,
        "filled_for_minimums": filled,
        "trimmed_for_budget": trimmed,
    }
    return check(solve, assigned, info, built=built)


def construct_and_name(solve: Solve, lp_shifts: np.ndarray | None) -> Candidate:
    """An aggregate constructed from `lp_shifts` (or from nothing) and its quick roster. Naming may
    add shifts that agents' minimum hours need: if they break the budget, the aggregate is built again
    with that much of the budget held back, while another attempt fits in the time limit."""
    hp, prm = solve.construction, solve.params
    price = (
        0.0
        if lp_shifts is not None
        else greedy_budget_price(hp, solve.plan.timeline.interval_min, prm.greedy_budget_price)
    )
    reserve = 0
    for _ in range(prm.budget_attempts):
        t_attempt = time.perf_counter()
        hb = hp if hp.budget_min is None else dataclasses.replace(hp, budget_min=hp.budget_min - reserve)
        built = construct(hb, lp_shifts, budget_price=price)
        agg = float(solve.cost @ aggregate.full_vector(solve.plan.problem, solve.model, solve.lay, built)) / solve.units
        source = "greedily" if lp_shifts is None else "from the lean guide" if solve.lean else "from the LP"
        solve.emit("construct", agg, f"aggregate solution constructed {source}")
        t_roster = time.perf_counter()
        result = name_aggregate(solve, built, use_cpsat=False, time_s=0.0, quick=lp_shifts is None)
        result = dataclasses.replace(result, aggregate_objective=agg, after_s=time.perf_counter() - t_roster)
        report = result.report
        over_min = 0 if report.budget_hours is None else round(60 * (report.hours_used - report.budget_hours))
        now = time.perf_counter()
        if over_min <= 0 or (not solve.repeatable and now + (now - t_attempt) > solve.t0 + solve.limit):
            break
        reserve += over_min + round(0.002 * hp.budget_min)
    return result


def greedy_budget_price(p: aggregate.AggregateProblem, interval_min: int, share: float) -> float:
    """The price per budget minute (model units) for the aggregate built without the LP: `share` of the
    under-staffing weight when the budget binds — when covering every required agent-interval, at the
    shift options' average budget minutes per minute on the phone, would take more than it — else 0."""
    if p.budget_min is None:
        return 0.0
    on_phone_min = int(((p.opt_length - p.option_break_intervals) * interval_min).sum())
    budget_per_phone_min = float(p.opt_budget_min.sum()) / max(on_phone_min, 1)
    needed_min = float(p.required.sum()) * interval_min * budget_per_phone_min
    return share * p.under_weight / interval_min if p.budget_min < needed_min else 0.0
