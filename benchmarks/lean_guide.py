"""`python -m benchmarks lean-guide`: what the lean guide (`models.lean_guide`) gives the stages to round.

For each instance it records the aggregate the solve would build without a guide (the greedy
construction with the budget price `wfm schedule` uses) and the one rounded from the lean guide
(`models.construct` from `lean_guide.guide_shifts`), each in objective units as the solve reports
them, with the guide's seconds (its week models built, then their LPs) and its forecast. Where
`--full` names the instance, the aggregate rounded from the full LP's solution too, the reference
the guide stands in for (the 24/7 months' LP takes about 10 minutes). Rows go to
`benchmarks/results/lean_guide.csv`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.generate import generate
from benchmarks.runner import RESULTS_DIR, WORK_DIR, append_rows, environment
from benchmarks.suites import find_instance
from models import aggregate, lean_guide
from models.construct import construct
from models.linear import lp_relaxation
from wfm.planning import build_plan
from wfm.schedule import SolverParams, load_inputs
from wfm.schedule.naming import greedy_budget_price

INSTANCES = ("std-m300-24x7", "std-m200-24x7-4q", "scale-m1000-24x7", "std-m300-12x6")  # by default; any suite's


def _rounded(p: aggregate.AggregateProblem, shifts: np.ndarray | None, price: float, units: int) -> float:
    """The objective (units of the solve's reports) of the aggregate constructed from `shifts`."""
    model, lay = aggregate.build(p)
    built = construct(p, shifts, budget_price=price)
    return float(np.concatenate(model.cost) @ aggregate.full_vector(p, model, lay, built)) / units


def compare(name: str, work_dir: Path, full: bool, time_limit_s: float) -> dict[str, Any]:
    """One row: instance `name`'s greedy aggregate, the guide's seconds and rounded aggregate and,
    if `full`, the full LP's rounded aggregate and seconds."""
    spec = find_instance(name).spec
    inputs = load_inputs(generate(spec, work_dir / "lean-guide" / name / "input").scenario_path)
    plan = build_plan(inputs.scenario, inputs.agents, inputs.unavailability, inputs.requirements)
    p, units = plan.problem, plan.objective_scale
    price = greedy_budget_price(p, plan.timeline.interval_min, SolverParams().greedy_budget_price)
    started = time.perf_counter()
    weeks = lean_guide.build_weeks(p)
    built_s = time.perf_counter() - started
    shifts = lean_guide.guide_shifts(p.n_options, weeks, time_limit_s)
    guide_s = time.perf_counter() - started
    row: dict[str, Any] = {
        "instance": name,
        "agents": spec.agents,
        "days": spec.days,
        "operation": spec.operation,
        "options": p.n_options,
        "greedy_aggregate": _rounded(p, None, price, units),
        "guide_build_seconds": round(built_s, 2),
        "guide_seconds": round(guide_s, 2),
        "guide_expected_seconds": round(lean_guide.expected_seconds(weeks), 1),
        "guide_aggregate": None if shifts is None else _rounded(p, shifts, 0.0, units),
        "lp_seconds": None,
        "lp_aggregate": None,
        "time_limit_s": time_limit_s,
    }
    if full:
        model, lay = aggregate.build(p)
        lp = lp_relaxation(model, time_limit_s)
        row["lp_seconds"] = round(lp.seconds, 2)
        row["lp_aggregate"] = None if lp.solution is None else _rounded(p, lp.solution[lay.x], 0.0, units)
    return row


def _shown(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def cmd_lean_guide(args: argparse.Namespace) -> int:
    """Measure the guide on each instance; print a line each, append the rows."""
    env = environment()
    rows = []
    for name in args.instance or list(INSTANCES):
        try:
            find_instance(name)
        except KeyError as exc:
            raise SystemExit(f"benchmarks lean-guide: {exc.args[0]}") from exc
        row = compare(name, args.work_dir, name in (args.full or ()), args.time_limit_s)
        print(
            f"{name}: greedy {_shown(row['greedy_aggregate'])}; guide {_shown(row['guide_aggregate'])} in "
            f"{row['guide_seconds']:.1f}s (forecast {row['guide_expected_seconds']:.1f}s); "
            f"LP {_shown(row['lp_aggregate'])}",
            flush=True,
        )
        rows.append({**row, **env})
    append_rows(args.results_dir / "lean_guide.csv", rows, columns=list(rows[0]))
    return 0


def add_command(commands: Any) -> None:
    """Register the `lean-guide` subcommand on an argparse subparsers object."""
    cmd = commands.add_parser("lean-guide", help="the aggregate rounded from the lean guide against the greedy one")
    cmd.add_argument(
        "--instance",
        action="append",
        metavar="NAME",
        help="a suite instance (repeatable; default: the 24/7 months and std-m300-12x6)",
    )
    cmd.add_argument("--full", action="append", metavar="NAME", help="also round this instance's full LP")
    cmd.add_argument("--time-limit-s", type=float, default=600.0, help="time limit of each LP, seconds")
    cmd.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="folder of the results CSV files")
    cmd.add_argument("--work-dir", type=Path, default=WORK_DIR, help="folder the instances are generated in")
    cmd.set_defaults(func=cmd_lean_guide)
