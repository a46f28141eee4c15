"""`wfm frontier` on generated months: its points, the target's hours, a check at and below the answer, wall time.

Instances: one generated month (`--days` 30, 12x6, three queues, binding budget) per `--agents` size
(100 and 300), seeds 700, 701, …. For each, `wfm.frontier.run.run_frontier` with `--points` (8)
budgets over 70–130% of the instance's budget, `--time-limit-s` per roster and `--workers` rosters at
once; then two checks of its answer (the least budget whose checked roster holds the target):
- the roster at the answer holds the target (target.json's proving roster, checked by `wfm check`'s
  checker during the solve);
- a roster solved at 95% of the answer does not (and whether the bound proves it cannot).
A month whose frontier never reaches the target records `reachable` and the hiring estimate instead.
One row per month is appended to `benchmarks/results/frontier.csv`, with the environment.

    python benchmarks/bench_frontier.py          # full size (the lead runs this: 2 months, 8+ points each)
    python -m benchmarks frontier                # the same
    python benchmarks/bench_frontier.py --agents 20 --days 7 --points 3 --time-limit-s 3 --workers 1 --no-record
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.generate import InstanceSpec, generate  # noqa: E402
from benchmarks.runner import WORK_DIR, append_rows, environment  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "frontier.csv"
FIRST_SEED = 700
BELOW = 0.95  # the check below the answer, as a share of it
COLUMNS = (
    "benchmark",
    "instance",
    "agents",
    "days",
    "points",
    "budget_hours",
    "target_service_level",
    "reachable",
    "min_budget_hours",
    "bracket_short_hours",
    "proven_short_hours",
    "holds_at_answer",
    "service_level_at_answer",
    "holds_below",
    "service_level_below",
    "bound_below",
    "bound_proves_below",
    "hiring_agents",
    "wall_seconds",
    "check_seconds",
    "time_limit_s",
    "workers",
    "machine",
    "cpu_count",
    "memory_gb",
    "python",
    "ortools",
    "wfm",
    "commit",
    "date",
)


def month(agents: int, days: int, seed: int) -> Path:
    """Generate the month of `agents` agents; return its scenario."""
    spec = InstanceSpec(name=f"frontier-m{agents}", days=days, agents=agents, seed=seed)
    return generate(spec, WORK_DIR / "frontier" / "instances" / spec.name).folder / "scenario.toml"


def below_check(scenario: Path, answer_h: float, target: float, time_limit_s: float) -> dict[str, Any]:
    """A roster and the bound at `BELOW` × `answer_h`: does either hold `target`?"""
    from wfm.frontier.bound import ServiceBound
    from wfm.frontier.points import PointRequest, solve_point
    from wfm.schedule import load_inputs

    budget_h = round(BELOW * answer_h, 1)
    point = solve_point(PointRequest(scenario, None, budget_h, time_limit_s, 1, None))
    upper = ServiceBound(load_inputs(scenario)).at(budget_h, max(60.0, time_limit_s)).service_level_upper
    return {
        "holds_below": point.holds(target),
        "service_level_below": point.projected_service_level,
        "bound_below": upper,
        "bound_proves_below": upper is not None and upper < target,
    }


def run_month(scenario: Path, agents: int, args: argparse.Namespace) -> dict[str, Any]:
    """The frontier of one month and its checks, as a results row."""
    from wfm.frontier.run import FrontierOptions, run_frontier

    out = WORK_DIR / "frontier" / "out" / scenario.parent.name
    t0 = time.perf_counter()
    result = run_frontier(
        scenario, out, FrontierOptions(points=args.points, time_limit_s=args.time_limit_s, workers=args.workers)
    )
    wall = time.perf_counter() - t0
    t = result.target
    row: dict[str, Any] = {
        "benchmark": "frontier",
        "instance": scenario.parent.name,
        "agents": agents,
        "days": args.days,
        "points": t["points"],
        "budget_hours": t["scenario_budget_hours"],
        "target_service_level": t["target_service_level"],
        "reachable": t["reachable"],
        "min_budget_hours": t["min_budget_hours"],
        "bracket_short_hours": t["bracket"]["short_hours"],
        "proven_short_hours": t["bracket"]["proven_short_hours"],
        "wall_seconds": round(wall, 1),
        "time_limit_s": args.time_limit_s,
        "workers": args.workers,
        "hiring_agents": (t.get("diagnosis") or {}).get("hiring", {}).get("agents"),
    }
    if t["min_budget_hours"] is not None:
        proof = t["roster"]
        row["holds_at_answer"] = bool(
            proof["validated"] and proof["projected_service_level"] >= t["target_service_level"]
        )
        row["service_level_at_answer"] = proof["projected_service_level"]
        t1 = time.perf_counter()
        row.update(below_check(scenario, t["min_budget_hours"], t["target_service_level"], args.time_limit_s))
        row["check_seconds"] = round(time.perf_counter() - t1, 1)
    print(json.dumps({k: row.get(k) for k in COLUMNS[:20]}, default=str), flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return run(args)


def run(args: argparse.Namespace) -> int:
    """Every month of `args.agents`; rows appended unless `args.no_record`. Exit 1 if a check failed."""
    env = environment()
    rows = []
    for i, agents in enumerate(args.agents):
        rows.append({**run_month(month(agents, args.days, FIRST_SEED + i), agents, args), **env})
    if not args.no_record:
        append_rows(RESULTS, rows, COLUMNS)
        print(f"appended {len(rows)} row(s) to {RESULTS}")
    failed = [r for r in rows if r.get("holds_at_answer") is False or r.get("holds_below") is True]
    return 1 if failed else 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bench_frontier", description=__doc__.splitlines()[0])
    _arguments(p)
    return p


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--agents", type=int, nargs="+", default=[100, 300], help="agents of each generated month")
    p.add_argument("--days", type=int, default=30, help="days of each month")
    p.add_argument("--points", type=int, default=8, help="budgets on the grid (70–130%% of the month's budget)")
    p.add_argument("--time-limit-s", type=float, default=60.0, help="solver limit per roster, seconds")
    p.add_argument("--workers", type=int, default=2, help="rosters solved at once")
    p.add_argument("--no-record", action="store_true", help=f"do not append to {RESULTS.relative_to(ROOT)}")


def add_command(commands: Any) -> None:
    """Register `python -m benchmarks frontier`."""
    p = commands.add_parser("frontier", help="wfm frontier on generated 100- and 300-agent months")
    _arguments(p)
    p.set_defaults(func=run)


if __name__ == "__main__":
    sys.exit(main())
