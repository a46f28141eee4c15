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
    """Solve Curtois & Qu instance files; print one row per file and append them to the results."""
    from benchmarks import curtois
    from models.day_roster import SolveParams, solve

    instances = [curtois.read(path) for path in args.files]  # all inputs checked before solving
    env = environment()
    rows = []
    header = f"{'instance':<12}{'objective':>10}{'bound':>8}{'best':>7}{'gap %':>7}{'seconds':>9}  validated"
    print(header)
    for instance in instances:
        problem = curtois.to_problem(instance)
        result = solve(problem, SolveParams(time_limit_s=args.time_limit_s, workers=args.workers, seed=args.seed))
        best = curtois.KNOWN_OPTIMA.get(instance.name)
        validated = False
        if result.assignment is not None:
            check = curtois.validate(instance, curtois.to_roster(instance, result.assignment))
            validated = not check.violations and check.objective == result.objective
        gap = None if best is None or result.objective is None else 100.0 * (result.objective - best) / best
        rows.append(
            {
                "instance": instance.name,
                "days": instance.days,
                "employees": len(instance.staff),
                "shift_types": len(instance.shifts),
                "status": result.status,
                "objective": result.objective,
                "bound": result.bound,
                "best_known": best,
                "gap_to_best_known_pct": None if gap is None else round(gap, 3),
                "wall_seconds": round(result.wall_s, 3),
                "first_feasible_seconds": None
                if result.first_feasible_s is None
                else round(result.first_feasible_s, 3),
                "validated": validated,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                **env,
                "time_limit_s": args.time_limit_s,
                "workers": args.workers,
                "seed": args.seed,
            }
        )
        print(
            f"{instance.name:<12}{_text(result.objective):>10}{_text(result.bound):>8}{_text(best):>7}"
            f"{_text(None if gap is None else f'{gap:.2f}'):>7}{result.wall_s:>9.1f}  {'yes' if validated else 'NO'}",
            flush=True,
        )
    append_rows(args.results, rows)
    return EXIT_OK


def _text(value: object) -> str:
    return "-" if value is None else str(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    curtois = commands.add_parser("curtois", help="solve Curtois & Qu employee scheduling instance files")
    curtois.add_argument("files", nargs="+", type=Path, metavar="FILE", help="instance files (InstanceN.txt)")
    curtois.add_argument("--time-limit-s", type=float, default=60.0, help="time limit per instance, seconds")
    curtois.add_argument("--workers", type=int, default=2, help="CP-SAT workers")
    curtois.add_argument("--seed", type=int, default=0, help="CP-SAT random seed")
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

    from benchmarks import lean_bound

    lean_bound.add_command(commands)
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
