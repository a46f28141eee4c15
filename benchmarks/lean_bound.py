"""`python -m benchmarks lean-bound`: the lean relaxation (`models.lean_bound`) against the aggregate's LP.

For each instance it prints and records the rows and nonzeros of the aggregate and of each form of
the lean model (coverage per interval, per hour, per two hours), each lean bound (objective units,
as `wfm schedule` reports them) and its seconds, and — where the aggregate's LP is asked for — its
value and seconds, so how much weaker each lean bound is. The aggregate's LP of a 24/7 month (2.2
million nonzeros) does not finish in 600 s, so by default it is solved on a 24/7 week of 300 agents
(the 300-agent month's first week: same agents and seed) and on the 12x6 300-agent month only. Rows
(one per instance and form) go to `benchmarks/results/lean_bound.csv`.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from benchmarks.generate import InstanceSpec, generate
from benchmarks.runner import RESULTS_DIR, WORK_DIR, append_rows, environment
from benchmarks.suites import find_instance
from models import aggregate, lean_bound
from models.linear import SparseModel, expected_lp_seconds, lp_relaxation
from wfm.planning import build_plan
from wfm.schedule import load_inputs

WEEK = dataclasses.replace(find_instance("std-m300-24x7").spec, name="lean-w300-24x7", days=7)
INSTANCES = {s.name: s for s in (find_instance("std-m300-24x7").spec, find_instance("scale-m1000-24x7").spec, WEEK)}
INSTANCES["std-m300-12x6"] = find_instance("std-m300-12x6").spec
DEFAULT_FULL = ("lean-w300-24x7", "std-m300-12x6")
FORMS = (0, 1, 2)  # block hours (0: coverage per interval)


def _size(model: SparseModel) -> dict[str, int]:
    return {"rows": model.n_rows, "columns": model.n_vars, "nonzeros": sum(len(v) for v in model.vals)}


def compare(spec: InstanceSpec, work_dir: Path, full: bool, time_limit_s: float) -> list[dict[str, Any]]:
    """One row per lean form of instance `spec`: its size, bound and seconds, beside the aggregate's
    size and, if `full`, its LP's value and seconds (objective units; None where HiGHS did not finish)."""
    generated = generate(spec, work_dir / "lean-bound" / spec.name / "input")
    inputs = load_inputs(generated.scenario_path)
    plan = build_plan(inputs.scenario, inputs.agents, inputs.unavailability, inputs.requirements)
    units = plan.objective_scale
    service = plan.problem.cut_const is not None and len(plan.problem.cut_const) > 0
    model = aggregate.build(plan.problem, service_segments=service)[0]
    full_lp = lp_relaxation(model, time_limit_s) if full else None
    common = {
        "instance": spec.name,
        "agents": spec.agents,
        "days": spec.days,
        "operation": spec.operation,
        "options": plan.problem.n_options,
        **{f"full_{k}": v for k, v in _size(model).items()},
        "full_expected_seconds": round(expected_lp_seconds(model), 1),
        "full_bound": None if full_lp is None or full_lp.value is None else full_lp.value / units,
        "full_seconds": None if full_lp is None else round(full_lp.seconds, 2),
    }
    rows = []
    for hours in FORMS:
        lean = lean_bound.build(plan.problem, block_hours=hours)[0]
        bound = lean_bound.solve_bound(lean, time_limit_s)
        value = None if bound.value is None else bound.value / units
        rows.append(
            {
                **common,
                "lean_block_hours": hours,
                **{f"lean_{k}": v for k, v in _size(lean).items()},
                "lean_expected_seconds": round(lean_bound.expected_seconds(lean, hours), 1),
                "lean_bound": value,
                "lean_seconds": round(bound.seconds, 2),
                "lean_to_full": None if value is None or not common["full_bound"] else value / common["full_bound"],
                "time_limit_s": time_limit_s,
            }
        )
    return rows


def _form(block_hours: int) -> str:
    return f"{block_hours} h" if block_hours else "interval"


def _shown(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    return f"{0.0 if abs(value) < 5e-3 else value:,.2f}{unit}"  # HiGHS's -1.8e-8 is a bound of 0


def cmd_lean_bound(args: argparse.Namespace) -> int:
    """Compare the lean forms and the full model on each instance; print a line per form, append the rows."""
    env = environment()
    rows = []
    for name in args.instance or list(INSTANCES):
        if name not in INSTANCES:
            raise SystemExit(f"benchmarks lean-bound: unknown instance '{name}' (known: {', '.join(INSTANCES)})")
        found = compare(INSTANCES[name], args.work_dir, name in (args.full or DEFAULT_FULL), args.time_limit_s)
        first = found[0]
        print(
            f"{name}: full {first['full_rows']:,} rows, {first['full_nonzeros']:,} nonzeros, LP "
            f"{_shown(first['full_bound'])} in {_shown(first['full_seconds'], 's')}",
            flush=True,
        )
        for row in found:
            print(
                f"  lean, coverage per {_form(row['lean_block_hours'])}: {row['lean_rows']:,} rows, "
                f"{row['lean_nonzeros']:,} nonzeros, bound {_shown(row['lean_bound'])} in {row['lean_seconds']:.1f}s"
                + ("" if row["lean_to_full"] is None else f" ({row['lean_to_full']:.1%} of the LP)"),
                flush=True,
            )
        rows += [{**row, **env} for row in found]
    append_rows(args.results_dir / "lean_bound.csv", rows, columns=list(rows[0]))
    return 0


def add_command(commands: Any) -> None:
    """Register the `lean-bound` subcommand on an argparse subparsers object."""
    cmd = commands.add_parser("lean-bound", help="the lean relaxation against the aggregate's LP (sizes, seconds)")
    cmd.add_argument("--instance", action="append", metavar="NAME", help=f"one of {', '.join(INSTANCES)} (repeatable)")
    cmd.add_argument("--full", action="append", metavar="NAME", help="also solve this instance's full LP")
    cmd.add_argument("--time-limit-s", type=float, default=600.0, help="time limit of each LP, seconds")
    cmd.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="folder of the results CSV files")
    cmd.add_argument("--work-dir", type=Path, default=WORK_DIR, help="folder the instances are generated in")
    cmd.set_defaults(func=cmd_lean_bound)
