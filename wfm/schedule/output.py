"""The solve's result read back and written: roster shifts in local date-times, summary.json, the files."""

from __future__ import annotations

import datetime as dt
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wfm import __version__
from wfm.agents import Agent
from wfm.assignment import AssignedShift
from wfm.atomic import atomic_directory, write_csv, write_json
from wfm.campaign import campaign_of
from wfm.planning import Plan
from wfm.roster import Break, RosterShift, applicable_breaks, paid_hours, write_roster
from wfm.scenario import Scenario
from wfm.schedule.options import ScheduleResult


def to_roster(sc: Scenario, plan: Plan, agents: list[Agent], assigned: list[AssignedShift]) -> list[RosterShift]:
    """Assigned shifts (interval indices) → roster shifts (local date-times, break names, paid hours)."""
    p, tl = plan.problem, plan.timeline
    templates = sc.config.shift_templates
    out = []
    for s in assigned:
        j = s.option
        tpl = templates[int(p.opt_template[j])]
        start = tl.at(int(p.opt_start[j]))
        end = tl.at(int(p.opt_start[j] + p.opt_length[j]))
        names = applicable_breaks(tpl, int(p.opt_length[j]) * tl.interval_min)
        brks = tuple(
            Break(b.name, tl.at(bs), tl.at(bs + b.duration_min // tl.interval_min))
            for b, bs in zip(names, s.break_starts, strict=False)
        )
        out.append(
            RosterShift(
                agent_id=agents[s.agent].agent_id,
                name=agents[s.agent].name,
                date=tl.date(s.day),
                queue=plan.queues[int(p.opt_queue[j])],
                template=tpl.name,
                start=start,
                end=end,
                breaks=brks,
                paid_hours=round(paid_hours(start, end, brks, tpl), 2),
            )
        )
    return out


def _versions() -> dict[str, str]:
    import ortools
    import scipy

    return {
        "wfm": __version__,
        "python": platform.python_version(),
        "ortools": ortools.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
    }


def write_schedule_files(folder: str | Path, result: ScheduleResult) -> None:
    """Write roster.csv, coverage.csv and summary.json into an existing `folder` (each file atomically)."""
    folder = Path(folder)
    write_roster(folder / "roster.csv", result.shifts, result.max_breaks, break_names=result.break_names or None)
    write_csv(folder / "coverage.csv", result.report.coverage, float_format="%.6g")
    write_json(folder / "summary.json", result.summary)


def write_schedule(out_dir: str | Path, result: ScheduleResult) -> None:
    """Write the schedule's files into `out_dir`, replacing the folder whole and atomically."""
    with atomic_directory(out_dir) as tmp:
        write_schedule_files(tmp, result)


def summary_of(solve: Any, best: Any) -> dict[str, Any]:
    """`summary.json`'s content for the best candidate of a finished solve (`wfm.schedule.context.Solve`)."""
    report, p, lp = best.report, solve.plan.problem, solve.lp
    objective = report.objective
    bound = solve.best_bound
    gap = None if bound is None or objective <= 0 else max(0.0, (objective - bound) / objective)
    if report.violations:
        status = "timeout"
    elif gap is not None and gap <= 1e-9:
        status = "optimal"
    else:
        status = "feasible"
    return {
        "status": status,
        "interrupted": solve.stopped(),
        "objective_kind": solve.kind,
        "objective": objective,
        "objective_terms": report.objective_terms,
        "best_bound": bound,
        "gap": gap,
        "solve_seconds": round(solve.elapsed(), 3),
        "first_feasible_seconds": None if solve.first_feasible_s is None else round(solve.first_feasible_s, 3),
        "hours_used": report.hours_used,
        "hours_counted_on": report.hours_counted_on,
        "budget_hours": report.budget_hours,
        "projected_service_level": report.projected_service_level,
        "service_level_by_day": report.service_level_by_day,
        "under_agent_hours": report.under_agent_hours,
        "over_agent_hours": report.over_agent_hours,
        "violations": report.to_dict()["violations"],
        "fairness": report.fairness,
        "interval_min": solve.scenario.config.horizon.interval_min,
        "shifts": len(best.shifts),
        "agents": len(solve.inputs.agents),
        "stages": {
            "aggregate_options": int(p.n_options),
            "lp_bound": None if lp.value is None else lp.value / solve.units,
            "bound_kind": None
            if lp.value is None
            else (f"lean relaxation ({solve.lean})" if solve.lean else "LP relaxation"),
            "lp_seconds": round(lp.seconds, 3),
            "lp_expected_seconds": round(solve.lp_expected_s, 1),
            "guide_seconds": None if solve.guide_seconds is None else round(solve.guide_seconds, 3),
            "aggregate_objective": best.aggregate_objective,
            **best.info,
            "aggregate_search_rounds": solve.aggregate_rounds,
        },
        "parameters": {
            "time_limit_s": solve.limit,
            "workers": solve.workers,
            "seed": solve.seed,
            "deterministic": solve.deterministic,
        },
        "limit": limit_of(solve, best),
        "input_checksums": solve.inputs.checksums,
        "versions": _versions(),
        "campaign": campaign_of(solve.scenario, list(solve.plan.queues)).model_dump(exclude_none=True),
    }


def from_roster(
    sc: Scenario, plan: Plan, agents: list[Agent], shifts: Sequence[RosterShift]
) -> list[AssignedShift] | None:
    """Roster shifts (local date-times) → assigned shifts in plan indices: the inverse of `to_roster`.
    None when some shift is no option of the plan (another template grid, queue or agent class)."""
    p, tl = plan.problem, plan.timeline
    class_of = {a: c for c, members in enumerate(plan.classes) for a in members}
    agent_index = {a.agent_id: i for i, a in enumerate(agents)}
    queue_index = {q: i for i, q in enumerate(plan.queues)}
    keys = zip(
        p.opt_day.tolist(),
        p.opt_start.tolist(),
        p.opt_length.tolist(),
        p.opt_queue.tolist(),
        p.opt_class.tolist(),
        p.opt_template.tolist(),
        strict=True,
    )
    option = {key: j for j, key in enumerate(keys)}
    origin = dt.datetime.combine(tl.start, dt.time())

    def index(t: dt.datetime) -> int:
        return int((t - origin).total_seconds() // 60) // tl.interval_min

    names = {t.name: k for k, t in enumerate(sc.config.shift_templates)}
    out = []
    for s in shifts:
        a = agent_index.get(s.agent_id)
        if a is None or s.queue not in queue_index or s.template not in names:
            return None
        start = index(s.start)
        key = (
            (s.date - tl.start).days,
            start,
            index(s.end) - start,
            queue_index[s.queue],
            class_of[a],
            names[s.template],
        )
        if key not in option:
            return None
        out.append(AssignedShift(a, key[0], option[key], tuple(index(b.start) for b in s.breaks)))
    return out


def limit_of(solve: Any, best: Any) -> dict[str, Any]:
    """Which limit ended the run and whether the same inputs and seed repeat it exactly. Under a
    wall-clock limit the stages' CP-SAT solves stop on deterministic work, but the clock also cuts the
    LP, the day assignment and the roster search: each cut it made is named (such a run may end
    elsewhere on a busier or faster machine). A repeatable run's limit is a work budget (the passes
    of search the limit holds by forecast): it repeats unless it reached its wall-clock backstop."""
    cuts = []
    if solve.repeatable:
        if solve.backstop_reached():
            cuts.append(f"the wall-clock backstop ({solve.params.repeatable_backstop:g} × the limit) was reached")
        reached = solve.search_passes_left <= 0 or bool(cuts)
    else:
        if solve.lp_started and solve.lp.value is None:
            cuts.append(f"the {'lean' if solve.lean else 'LP'} bound did not finish in its share of the limit")
        if any("time limit" in str(s) for s in best.info.get("assignment_statuses", [])):
            cuts.append("the day assignment fell back to its greedy hint on time")
        if solve.search_until and not solve.search_converged and best.info.get("roster_search"):
            cuts.append("the roster search ran until the time limit")
        reached = bool(cuts)
    if solve.stopped():
        cuts.append("interrupted (SIGINT/SIGTERM)")
    return {
        "kind": "work budget" if solve.repeatable else "wall-clock",
        "time_limit_s": solve.limit,
        "reached": reached,
        "repeatable": not cuts,
        "cut_by_clock": cuts,
    }
