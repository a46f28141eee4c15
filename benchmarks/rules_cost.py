"""`python -m benchmarks rules-cost`: what the week rules cost in coverage.

The bundled example and a generated 300-agent month, each solved without the week rules, with
`max_late_shifts_week = 2`, with `start_time_spread_min = 120`, and with both; every roster is checked
by the independent checker (its violations are recorded: they must be 0). Rows go to
benchmarks/results/rules_cost.csv.
"""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import generate as gen
from wfm.schedule import ScheduleOptions, load_inputs, solve_schedule

REPO = Path(__file__).resolve().parent.parent
VARIANTS = {
    "none": "",
    "late2": "max_late_shifts_week = 2\n",
    "spread120": "start_time_spread_min = 120\n",
    "both": "max_late_shifts_week = 2\nstart_time_spread_min = 120\n",
}


def _with_rules(scenario: Path, out: Path, rules: str) -> Path:
    """A copy of `scenario` beside it with `rules` added to its [rules] table."""
    text = re.sub(r"(?m)^\[rules\]\n", "[rules]\n" + rules, scenario.read_text(encoding="utf-8"), count=1)
    out.write_text(text, encoding="utf-8")
    return out


def measure(name: str, scenario: Path, variant: str, time_limit_s: float, workers: int) -> dict[str, Any]:
    path = _with_rules(scenario, scenario.parent / f".rules-{variant}.toml", VARIANTS[variant])
    try:
        started = time.perf_counter()
        result = solve_schedule(load_inputs(path), ScheduleOptions(time_limit_s=time_limit_s, workers=workers))
        s = result.summary
        return {
            "instance": name,
            "variant": variant,
            "status": s["status"],
            "objective": s["objective"],
            "bound": s["best_bound"],
            "gap": s["gap"],
            "under_agent_hours": s["under_agent_hours"],
            "projected_service_level": s["projected_service_level"],
            "violations": len(s["violations"]),
            "wall_s": round(time.perf_counter() - started, 1),
        }
    finally:
        path.unlink(missing_ok=True)


def cmd_rules_cost(args: Any) -> int:
    from benchmarks.__main__ import append_rows, environment

    unknown = sorted(set(args.variants or []) - set(VARIANTS))
    if unknown:
        raise SystemExit(f"python -m benchmarks rules-cost: unknown variant(s) {', '.join(unknown)}")
    env = environment()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        instances = [("bundled-example", REPO / "data" / "scenario.toml")]
        if args.agents:
            spec = gen.InstanceSpec(f"m{args.agents}-12x6", days=30, agents=args.agents)
            instances.append((spec.name, gen.generate(spec, Path(tmp) / spec.name).scenario_path))
        for name, scenario in instances:
            for variant in args.variants or list(VARIANTS):
                row = {
                    **env,
                    "time_limit_s": args.time_limit_s,
                    "workers": args.workers,
                    **measure(name, scenario, variant, args.time_limit_s, args.workers),
                }
                print(", ".join(f"{k}={v}" for k, v in row.items() if k not in env))
                rows.append(row)
    if not args.no_record:
        append_rows(args.results, rows)
    return 0


def add_command(commands: Any) -> None:
    """Register the `rules-cost` subcommand on an argparse subparsers object."""
    from benchmarks.__main__ import RESULTS_DIR

    p = commands.add_parser("rules-cost", help="the week rules' cost in coverage (bundled example, a generated month)")
    p.add_argument("variants", nargs="*", default=None, help=f"rule variants: {', '.join(VARIANTS)} (default: all)")
    p.add_argument("--agents", type=int, default=300, help="agents of the generated month (0: none)")
    p.add_argument("--time-limit-s", type=float, default=60.0, help="each solve's time limit, seconds")
    p.add_argument("--workers", type=int, default=2, help="CP-SAT workers")
    p.add_argument("--results", type=Path, default=RESULTS_DIR / "rules_cost.csv", help="CSV rows are appended to")
    p.add_argument("--no-record", action="store_true", help="print only; append no rows")
    p.set_defaults(func=cmd_rules_cost)
