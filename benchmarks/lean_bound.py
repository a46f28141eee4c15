"""`python -m benchmarks lean-bound`: the lean relaxation (`models.lean_bound`) against the aggregate's LP.

For each named suite instance it prints and records the rows and nonzeros of both models, the LP
seconds and value (objective units, as `wfm schedule` reports them) of the lean model, and — where
the aggregate's LP is asked for (`--full`) — its seconds and value, so how much weaker the lean
bound is. The aggregate's LP of a 24/7 month (2.2 million nonzeros) does not finish in 600 s: by
default it is solved only on the instances named with `--full`. Rows go to
`benchmarks/results/lean_bound.csv`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from benchmarks.generate import generate
from benchmarks.runner import RESULTS_DIR, WORK_DIR, append_rows, environment
from benchmarks.suites import find_instance
from models import aggregate, lean_bound
from models.linear import SparseModel, expected_lp_seconds, lp_relaxation
from wfm.planning import build_plan
from wfm.schedule import load_inputs

DEFAULT_INSTANCES = ("std-m300-24x7", "scale-m1000-24x7", "std-w100-24x7-30m", "std-m300-12x6")
DEFAULT_FULL = ("std-w100-24x7-30m", "std-m300-12x6")


def _size(model: SparseModel) -> tuple[int, int, int]:
    """Rows, columns and nonzeros of a model."""
    return model.n_rows, model.n_vars, sum(len(v) for v in model.vals)


def compare(name: str, work_dir: Path, full: bool, time_limit_s: float) -> dict[str, Any]:
    """Sizes of both models of suite instance `name`, the lean LP's value and seconds and, if `full`,
    the aggregate LP's (values in objective units; None where HiGHS did not finish)."""
    item = find_instance(name)
    generated = generate(item.spec, work_dir / "lean-bound" / name / "input")
    inputs = load_inputs(generated.scenario_path)
    plan = build_plan(inputs.scenario, inputs.agents, inputs.unavailability, inputs.requirements)
    service = plan.problem.cut_const is not None and len(plan.problem.cut_const) > 0
    model = aggregate.build(plan.problem, service_segments=service)[0]
    lean = lean_bound.build(plan.problem)[0]
    rows, cols, nonzeros = _size(model)
    lean_rows, lean_cols, lean_nonzeros = _size(lean)
    lean_lp = lp_relaxation(lean, time_limit_s)
    full_lp = lp_relaxation(model, time_limit_s) if full else None
    units = plan.objective_scale
    return {
        "instance": name,
        "options": plan.problem.n_options,
        "full_rows": rows,
        "full_columns": cols,
        "full_nonzeros": nonzeros,
        "full_expected_seconds": round(expected_lp_seconds(model), 1),
        "lean_rows": lean_rows,
        "lean_columns": lean_cols,
        "lean_nonzeros": lean_nonzeros,
        "lean_expected_seconds": round(expected_lp_seconds(lean), 1),
        "lean_bound": None if lean_lp.value is None else lean_lp.value / units,
        "lean_seconds": round(lean_lp.seconds, 2),
        "full_bound": None if full_lp is None or full_lp.value is None else full_lp.value / units,
        "full_seconds": None if full_lp is None else round(full_lp.seconds, 2),
        "time_limit_s": time_limit_s,
    }


def _shown(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def cmd_lean_bound(args: argparse.Namespace) -> int:
    """Compare the lean and the full model on each instance; print a line each, append the rows."""
    env = environment()
    rows = []
    for name in args.instance or DEFAULT_INSTANCES:
        full = name in (args.full or DEFAULT_FULL)
        row = {**compare(name, args.work_dir, full, args.time_limit_s), **env}
        rows.append(row)
        weaker = (
            f", {1 - row['lean_bound'] / row['full_bound']:.1%} weaker"
            if row["full_bound"] and row["lean_bound"] is not None
            else ""
        )
        print(
            f"{name}: full {row['full_rows']:,} rows {row['full_nonzeros']:,} nonzeros, lean {row['lean_rows']:,} "
            f"rows {row['lean_nonzeros']:,} nonzeros; lean bound {_shown(row['lean_bound'])} in "
            f"{row['lean_seconds']:.1f}s; full bound {_shown(row['full_bound'])} in "
            f"{_shown(row['full_seconds'])}s{weaker}",
            flush=True,
        )
    append_rows(args.results_dir / "lean_bound.csv", rows, columns=list(rows[0]))
    return 0


def add_command(commands: Any) -> None:
    """Register the `lean-bound` subcommand on an argparse subparsers object."""
    cmd = commands.add_parser("lean-bound", help="the lean relaxation against the aggregate's LP (sizes, seconds)")
    cmd.add_argument("--instance", action="append", metavar="NAME", help="suite instance (repeatable)")
    cmd.add_argument("--full", action="append", metavar="NAME", help="also solve this instance's full LP")
    cmd.add_argument("--time-limit-s", type=float, default=600.0, help="time limit of each LP, seconds")
    cmd.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="folder of the results CSV files")
    cmd.add_argument("--work-dir", type=Path, default=WORK_DIR, help="folder the instances are generated in")
    cmd.set_defaults(func=cmd_lean_bound)
