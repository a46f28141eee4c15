"""`python -m benchmarks SUBCOMMAND ...`: quality benchmarks of wfm's solvers.

    python -m benchmarks curtois benchmarks/instances/curtois/Instance*.txt --time-limit-s 60

One function per subcommand (`cmd_<name>`), registered in `build_parser`. Each prints a table and
appends its raw rows, with the environment, to a CSV under benchmarks/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from wfm.atomic import write_csv
from wfm.errors import EXIT_OK, WfmError

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def environment() -> dict[str, str]:
    """Machine, Python, OR-Tools version, commit and UTC date of this run."""
    import ortools

    repo = Path(__file__).resolve().parent.parent
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True)
    commit = head.stdout.strip() if head.returncode == 0 else "uncommitted"
    return {
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cpu",
        "python": platform.python_version(),
        "ortools": ortools.__version__,
        "commit": commit + ("-dirty" if dirty.returncode == 0 and dirty.stdout.strip() else ""),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def append_rows(path: Path, rows: list[dict[str, object]]) -> None:
    """Append rows to a results CSV (rewritten atomically; columns of older rows are kept)."""
    previous = pd.read_csv(path) if path.exists() else pd.DataFrame()
    write_csv(path, pd.concat([previous, pd.DataFrame(rows)], ignore_index=True))


def cmd_curtois(args: argparse.Namespace) -> int:
    """Solve Curtois & Qu instance files once per seed; print one row per run and the median over
    the seeds, and append the runs to the results."""
    from benchmarks import curtois

    instances = [curtois.read(path) for path in args.files]  # all inputs checked before solving
    env = environment()
    rows = []
    print(f"{'instance':<12}{'seed':>5}{'objective':>10}{'bound':>8}{'best':>7}{'gap %':>7}{'first s':>8}", end="")
    print(f"{'seconds':>9}  validated")
    for instance in instances:
        runs = [_curtois_run(instance, args, seed) for seed in args.seeds]
        for row in runs:
            row.update(env)
            print(_curtois_line(row), flush=True)
        rows += runs
        if len(runs) > 1:
            print(_curtois_line(_median_run(runs)), flush=True)
    append_rows(args.results, rows)
    return EXIT_OK


def _curtois_run(instance: object, args: argparse.Namespace, seed: int) -> dict[str, object]:
    from benchmarks import curtois
    from models import day_lns, day_roster

    problem = curtois.to_problem(instance)  # type: ignore[arg-type]
    params = day_roster.SolveParams(time_limit_s=args.time_limit_s, workers=args.workers, seed=seed)
    result = day_lns.solve(problem, params) if args.method == "lns" else day_roster.solve(problem, params)
    best = curtois.BEST_KNOWN.get(instance.name)  # type: ignore[attr-defined]
    validated = False
    if result.assignment is not None:
        check = curtois.validate(instance, curtois.to_roster(instance, result.assignment))  # type: ignore[arg-type]
        validated = not check.violations and check.objective == result.objective
    gap = None if best is None or result.objective is None else 100.0 * (result.objective - best) / best
    return {
        "instance": instance.name,  # type: ignore[attr-defined]
        "days": instance.days,  # type: ignore[attr-defined]
        "employees": len(instance.staff),  # type: ignore[attr-defined]
        "shift_types": len(instance.shifts),  # type: ignore[attr-defined]
        "method": args.method,
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "best_known": best,
        "gap_to_best_known_pct": None if gap is None else round(gap, 3),
        "wall_seconds": round(result.wall_s, 3),
        "first_feasible_seconds": None if result.first_feasible_s is None else round(result.first_feasible_s, 3),
        "validated": validated,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "time_limit_s": args.time_limit_s,
        "workers": args.workers,
        "seed": seed,
    }


def _median_run(runs: list[dict[str, object]]) -> dict[str, object]:
    """The run of median objective (a run without a roster counts as worst)."""
    ordered = sorted(runs, key=lambda r: (r["objective"] is None, r["objective"] or 0))
    return {**ordered[(len(ordered) - 1) // 2], "seed": "med"}


def _curtois_line(row: dict[str, object]) -> str:
    gap = row["gap_to_best_known_pct"]
    first = row["first_feasible_seconds"]
    return (
        f"{row['instance']!s:<12}{row['seed']!s:>5}{_text(row['objective']):>10}{_text(row['bound']):>8}"
        f"{_text(row['best_known']):>7}{_text(None if gap is None else f'{gap:.2f}'):>7}"
        f"{_text(None if first is None else f'{first:.1f}'):>8}{row['wall_seconds']:>9.1f}"
        f"  {'yes' if row['validated'] else 'NO'}"
    )


def _text(value: object) -> str:
    return "-" if value is None else str(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    curtois = commands.add_parser("curtois", help="solve Curtois & Qu employee scheduling instance files")
    curtois.add_argument("files", nargs="+", type=Path, metavar="FILE", help="instance files (InstanceN.txt)")
    curtois.add_argument("--time-limit-s", type=float, default=60.0, help="time limit per instance, seconds")
    curtois.add_argument("--workers", type=int, default=2, help="CP-SAT workers")
    curtois.add_argument(
        "--seeds", type=int, nargs="+", default=[0], help="CP-SAT random seeds: one run each, and their median"
    )
    curtois.add_argument(
        "--method",
        choices=("whole", "lns"),
        default="lns",
        help="the whole day-roster model for the limit, or it for a share then neighbourhoods (models.day_lns)",
    )
    curtois.add_argument(
        "--results", type=Path, default=RESULTS_DIR / "curtois.csv", help="CSV the rows are appended to"
    )
    curtois.set_defaults(func=cmd_curtois)

    from benchmarks import (  # each registers its subcommand
        bench_report,
        bounds,
        continuity,
        generate,
        peer,
        report,
        rules_cost,
        runner,
    )

    for module in (runner, report, generate, peer, bounds, bench_report, continuity, rules_cost):
        module.add_command(commands)

    from benchmarks import bench_frontier

    bench_frontier.add_command(commands)

    from benchmarks import lean_bound, lean_guide

    lean_bound.add_command(commands)
    lean_guide.add_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except WfmError as exc:
        print(f"benchmarks: error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
