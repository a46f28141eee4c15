"""`python -m benchmarks continuity`: the cycle's measurements (docs/cycle.md).

- `two-months`: a generated 56-day instance cut mid-week into two horizons; the second is solved with
  the first's roster as its previous roster; the joined roster is checked over the 56 days.
- `replan-shock`: a generated month is solved and published; then one week's requirements rise by
  25% and `wfm replan` re-plans from that week's Monday; a from-scratch solve of the shocked month
  is the comparison (coverage regained, at how many changed shifts).
- `month-end`: the bundled example's service level on its last three days against the other days.

Each part appends rows (with the environment) to benchmarks/results/continuity.csv.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks import generate as gen
from wfm.checker import check_roster
from wfm.replan import replan
from wfm.schedule import ScheduleOptions, load_inputs, solve_schedule, write_schedule

REPO = Path(__file__).resolve().parent.parent


def _horizon(scenario: Path, out: Path, start: dt.date, days: int, budget_share: float, **inputs: str) -> Path:
    """A copy of the generated scenario beside it with another horizon, its budget scaled by
    `budget_share` and extra `[inputs]` keys."""
    text = scenario.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^start = .*$", f"start = {start.isoformat()}", text, count=1)
    text = re.sub(r"(?m)^days = .*$", f"days = {days}", text, count=1)
    text = re.sub(r"(?m)^hours = (.*)$", lambda m: f"hours = {float(m.group(1)) * budget_share:.1f}", text, count=1)
    for key, value in inputs.items():
        text = text.replace("[inputs]\n", f'[inputs]\n{key} = "{value}"\n', 1)
    out.write_text(text, encoding="utf-8")
    return out


def two_months(agents: int, time_limit_s: float, workers: int, seed: int = 0) -> dict[str, Any]:
    """Two horizons of a 56-day instance, cut on a Thursday, joined and checked."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        spec = gen.InstanceSpec(f"two-months-{agents}", days=56, agents=agents, seed=seed)
        inst = gen.generate(spec, folder / "inst")
        cut = 31  # 2027-03-01 is a Monday: day 31 is a Thursday
        first = _horizon(inst.scenario_path, inst.folder / "first.toml", spec.start, cut, cut / 56)
        second = _horizon(
            inst.scenario_path,
            inst.folder / "second.toml",
            spec.start + dt.timedelta(days=cut),
            56 - cut,
            (56 - cut) / 56,
            previous_roster="first/roster.csv",
        )
        options = ScheduleOptions(time_limit_s=time_limit_s, workers=workers)
        started = time.perf_counter()
        one = solve_schedule(load_inputs(first), options)
        write_schedule(inst.folder / "first", one)
        two = solve_schedule(load_inputs(second), options)
        whole = load_inputs(inst.scenario_path)
        joined = check_roster(
            whole.scenario,
            one.shifts + two.shifts,
            whole.requirements,
            whole.agents,
            whole.unavailability,
            whole.preferences,
        )
        # the budget, max_weekends and max_shifts_per_template count within one horizon: each keeps its
        # own, the 56 days are two of them
        horizon_rules = {"budget", "max-weekends", "max-shifts-per-template"}
        broken = sorted({v.rule for v in joined.violations if v.rule not in horizon_rules})
        per_horizon = sum(v.rule in horizon_rules for v in joined.violations)
        return {
            "part": "two-months",
            "instance": spec.name,
            "agents": agents,
            "days": 56,
            "cut_day": cut,
            "status_first": one.status,
            "status_second": two.status,
            "violations_joined": len(joined.violations) - per_horizon,
            "rules_broken": ";".join(broken),
            "per_horizon_rules_over_56_days": per_horizon,
            "joined_objective": joined.objective,
            "seconds": round(time.perf_counter() - started, 1),
        }


def _shock(requirements: Path, out: Path, start: dt.date, days: int, factor: float) -> None:
    """requirements.csv with required agents × `factor` (rounded up) over `days` days from `start`."""
    req = pd.read_csv(requirements, dtype={"interval_start": str})
    t = pd.to_datetime(req["interval_start"])
    sel = (t >= pd.Timestamp(start)) & (t < pd.Timestamp(start + dt.timedelta(days=days)))
    req.loc[sel, "required_agents"] = np.ceil(req.loc[sel, "required_agents"] * factor).astype(int)
    req.to_csv(out, index=False)


def replan_shock(agents: int, time_limit_s: float, workers: int, change_weight: float, seed: int = 0) -> dict:
    """A published month, a +25% week, and `replan` against a from-scratch solve."""
    with tempfile.TemporaryDirectory() as tmp:
        spec = gen.InstanceSpec(f"replan-shock-{agents}", days=28, agents=agents, seed=seed)
        inst = gen.generate(spec, Path(tmp) / "inst")
        options = ScheduleOptions(time_limit_s=time_limit_s, workers=workers)
        published = solve_schedule(load_inputs(inst.scenario_path), options)
        write_schedule(inst.folder / "published", published)
        week = spec.start + dt.timedelta(days=14)  # the third Monday
        _shock(inst.folder / "requirements.csv", inst.folder / "shocked.csv", week, 7, 1.25)
        text = inst.scenario_path.read_text(encoding="utf-8").replace(
            'requirements = "requirements.csv"', 'requirements = "shocked.csv"'
        )
        shocked = inst.folder / "shocked.toml"
        shocked.write_text(text, encoding="utf-8")
        started = time.perf_counter()
        done = replan(
            shocked,
            inst.folder / "published" / "roster.csv",
            dt.datetime.combine(week, dt.time()),
            change_weight=change_weight,
            options=options,
        )
        replan_s = time.perf_counter() - started
        scratch = solve_schedule(load_inputs(shocked), options)
        r = done.summary["replan"]
        return {
            "part": "replan-shock",
            "instance": spec.name,
            "agents": agents,
            "change_weight": change_weight,
            "published_under_h": r["before"]["under_agent_hours"],
            "replan_under_h": r["after"]["under_agent_hours"],
            "scratch_under_h_window": _under_from(scratch.report.coverage, week, spec.interval_min),
            "replan_changed_shifts": r["changed_shifts"],
            "replan_agents_told": r["agents_to_tell"],
            "scratch_changed_shifts": _changed(published.shifts, scratch.shifts, week),
            "replan_status": done.result.status,
            "replan_violations": r["after"]["violations"],
            "replan_seconds": round(replan_s, 1),
        }


def _under_from(coverage: pd.DataFrame, first: dt.date, interval_min: int) -> float:
    """Under-staffed agent-hours in `coverage` from `first` on (the window a replan re-plans)."""
    t = pd.to_datetime(coverage["interval_start"])
    return float(coverage.loc[t >= pd.Timestamp(first), "under"].sum() * interval_min / 60)


def _changed(before: list, after: list, first: dt.date) -> int:
    from wfm.replan import changes_between

    return len(changes_between(before, after, first))


def month_end(time_limit_s: float, workers: int) -> dict[str, Any]:
    """The bundled example's last three days' service level against the other days'."""
    result = solve_schedule(
        load_inputs(REPO / "data" / "scenario.toml"), ScheduleOptions(time_limit_s=time_limit_s, workers=workers)
    )
    by_day = result.summary["service_level_by_day"]
    days = sorted(by_day)
    last, rest = [by_day[d] for d in days[-3:]], [by_day[d] for d in days[:-3]]
    return {
        "part": "month-end",
        "instance": "bundled-example",
        "status": result.status,
        "objective": result.summary["objective"],
        "gap": result.summary["gap"],
        "last3_min_sl": min(last),
        "last3_mean_sl": float(np.mean(last)),
        "other_mean_sl": float(np.mean(rest)),
        "other_min_sl": min(rest),
        "points_below_others": round(100 * (np.mean(rest) - min(last)), 1),
    }


def cmd_continuity(args: Any) -> int:
    """Run the parts asked for, print each row, append them to the results CSV."""
    from benchmarks.__main__ import append_rows, environment

    env = environment()
    rows = []
    parts = args.parts or ["two-months", "replan-shock", "month-end"]
    unknown = sorted(set(parts) - {"two-months", "replan-shock", "month-end"})
    if unknown:
        raise SystemExit(f"python -m benchmarks continuity: unknown part(s) {', '.join(unknown)}")
    for part in parts:
        if part == "two-months":
            row = two_months(args.agents, args.time_limit_s, args.workers)
        elif part == "replan-shock":
            row = replan_shock(args.shock_agents, args.time_limit_s, args.workers, args.change_weight)
        else:
            row = month_end(args.time_limit_s, args.workers)
        row = {**env, "time_limit_s": args.time_limit_s, "workers": args.workers, **row}
        print(", ".join(f"{k}={v}" for k, v in row.items() if k not in env))
        rows.append(row)
    if not args.no_record:
        append_rows(args.results, rows)
    return 0


def add_command(commands: Any) -> None:
    """Register the `continuity` subcommand on an argparse subparsers object."""
    from benchmarks.__main__ import RESULTS_DIR

    p = commands.add_parser("continuity", help="two joined horizons, replan after a demand shock, the month's end")
    p.add_argument(
        "parts",
        nargs="*",
        default=None,
        help="which parts (default: all)",
    )
    p.add_argument("--agents", type=int, default=100, help="agents of the two-month instance")
    p.add_argument("--shock-agents", type=int, default=300, help="agents of the replan-shock month")
    p.add_argument("--change-weight", type=float, default=5.0, help="replan's change weight")
    p.add_argument("--time-limit-s", type=float, default=60.0, help="each solve's time limit, seconds")
    p.add_argument("--workers", type=int, default=2, help="CP-SAT workers")
    p.add_argument("--results", type=Path, default=RESULTS_DIR / "continuity.csv", help="CSV rows are appended to")
    p.add_argument("--no-record", action="store_true", help="print only; append no rows")
    p.set_defaults(func=cmd_continuity)
