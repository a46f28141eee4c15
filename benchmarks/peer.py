"""`python -m benchmarks peer`: wfm side by side with pyworkforce on a requirements-only week.

The instance: one week (Monday–Sunday, open 08:00–20:00 Monday–Saturday) of 15-minute intervals,
one voice queue, its requirements from the seeded generator (`benchmarks.generate`, 60 agents' worth
of work); a fixed set of shift templates without breaks — 4, 6 and 8 hours starting every 30 minutes
from 08:00, ending by 20:00. Nothing else: no named-agent rules, no budget.

The solvers, each with the same time limit and workers:
- wfm (`wfm.schedule.solve_schedule`) on a scenario with only these templates, a pool of identical
  agents with no binding rule (up to 7 days and 70 h a week, no rest or days-off rule) as large as
  pyworkforce's `max_period_concurrency`, and the objective under-staffing + over-staffing with weight
  1 each: total absolute deviation, in agent-hours;
- pyworkforce `MinAbsDifference`: the same objective (in agent-intervals);
- pyworkforce `MinRequiredResources`: the fewest shifts with no interval under-staffed.

Both objectives — total absolute deviation and under-staffing from the requirements, in agent-hours —
are computed by this module from each solution (`coverage_matrix`, `deviation`), never taken from a
solver; wfm's roster is also run through the independent checker. Rows (one per solver, with the
environment) are appended to `benchmarks/results/peer.csv`. Without pyworkforce (`pip install -e
.[bench]`) the peer rows are skipped with a message and wfm runs alone.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.generate import InstanceSpec, generate
from benchmarks.runner import RESULTS_DIR, WORK_DIR, append_rows, check_output, environment
from wfm.atomic import write_csv, write_text
from wfm.requirements import read_requirements

INTERVAL_MIN = 15
PERIODS = 24 * 60 // INTERVAL_MIN
OPEN_MIN, CLOSE_MIN = 8 * 60, 20 * 60
LENGTHS_H = (4, 6, 8)
START_STEP_MIN = 30
SPEC = InstanceSpec(
    "peer-w1-voice", days=7, agents=60, queues=("voice_es",), part_time_share=0.0, time_off_rate=0.0, seed=31
)
POOL_FACTOR = 3  # agents in wfm's pool (and pyworkforce's concurrency caps) per agent of peak requirement
COLUMNS = (
    "instance",
    "solver",
    "optimizes",
    "status",
    "wall_seconds",
    "abs_deviation_agent_hours",
    "under_agent_hours",
    "over_agent_hours",
    "shifts",
    "paid_hours",
    "solver_objective",
    "validated",
    "peer_version",
    "pool_agents",
    "time_limit_s",
    "workers",
    "seed",
    "machine",
    "cpu_count",
    "memory_gb",
    "python",
    "ortools",
    "wfm",
    "commit",
    "date",
)


@dataclass(frozen=True)
class Shift:
    """A shift of the fixed set: start and length in intervals of the day."""

    start: int
    length: int

    @property
    def name(self) -> str:
        minutes = self.start * INTERVAL_MIN
        return f"{self.length * INTERVAL_MIN // 60}h@{minutes // 60:02d}:{minutes % 60:02d}"

    def coverage(self) -> np.ndarray:
        """1 in the day's intervals the shift covers, 0 elsewhere ([PERIODS])."""
        out = np.zeros(PERIODS, dtype=np.int64)
        out[self.start : self.start + self.length] = 1
        return out


def fixed_shifts() -> list[Shift]:
    """The fixed set: every length in LENGTHS_H, starting every START_STEP_MIN from open to close − length."""
    out = []
    for hours in LENGTHS_H:
        for start_min in range(OPEN_MIN, CLOSE_MIN - hours * 60 + 1, START_STEP_MIN):
            out.append(Shift(start_min // INTERVAL_MIN, hours * 60 // INTERVAL_MIN))
    return out


def coverage_matrix(days: int, shifts: Iterable[tuple[int, Shift, int]]) -> np.ndarray:
    """Agents at work per (day, interval) from (day, shift, count) triples ([days, PERIODS])."""
    cover = np.zeros((days, PERIODS), dtype=np.int64)
    for day, shift, count in shifts:
        cover[day] += count * shift.coverage()
    return cover


def deviation(cover: np.ndarray, required: np.ndarray) -> dict[str, float]:
    """Total absolute deviation, under- and over-staffing of `cover` from `required`, in agent-hours."""
    diff = cover - required
    hours = INTERVAL_MIN / 60
    return {
        "abs_deviation_agent_hours": float(np.abs(diff).sum() * hours),
        "under_agent_hours": float(np.clip(-diff, 0, None).sum() * hours),
        "over_agent_hours": float(np.clip(diff, 0, None).sum() * hours),
    }


def required_matrix(requirements: pd.DataFrame, start: pd.Timestamp, days: int) -> np.ndarray:
    """Required agents per (day, interval) of one queue's requirements ([days, PERIODS])."""
    t = ((requirements["interval_start"] - start) // pd.Timedelta(minutes=INTERVAL_MIN)).to_numpy()
    out = np.zeros(days * PERIODS, dtype=np.int64)
    out[t] = requirements["required_agents"].to_numpy()
    return out.reshape(days, PERIODS)


# --- wfm ----------------------------------------------------------------------------------------


def _wfm_scenario(shifts: list[Shift], pool: int) -> str:
    templates = []
    for hours in LENGTHS_H:
        starts = [s.start * INTERVAL_MIN for s in shifts if s.length * INTERVAL_MIN == hours * 60]
        templates.append(f"""
[[shift_templates]]
name = "s{hours}h"
earliest_start = "{min(starts) // 60:02d}:{min(starts) % 60:02d}"
latest_start = "{max(starts) // 60:02d}:{max(starts) % 60:02d}"
start_step_min = {START_STEP_MIN}
lengths_h = [{hours}]
""")
    opening = "\n".join(
        f'{day} = "08:00-20:00"' for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
    )
    return f"""# Generated by benchmarks/peer.py: requirements only, {pool} interchangeable agents, no rule binds.
name = "{SPEC.name}"

[horizon]
start = {SPEC.start.isoformat()}
days = {SPEC.days}
interval_min = {INTERVAL_MIN}

[inputs]
requirements = "requirements.csv"
agents = "agents.csv"

[operating_hours]
{opening}
sunday = "closed"
{"".join(templates)}
[rules]
min_rest_h = 0
max_consecutive_days = 7
min_consecutive_days = 1
min_consecutive_days_off = 1
min_days_off_week = 0

[objective]
kind = "coverage"
under_weight = 1.0
over_weight = 1.0
cost_weight = 0.0
preference_weight = 0.0
fairness_weight = 0.0
"""


def solve_wfm(folder: Path, time_limit_s: float, workers: int, seed: int) -> dict[str, Any]:
    """Solve the peer scenario in `folder` with wfm; figures from its written roster (our own code)."""
    from wfm.schedule import ScheduleOptions, load_inputs, solve_schedule, write_schedule

    inputs = load_inputs(folder / "scenario.toml")
    t0 = time.perf_counter()
    result = solve_schedule(inputs, ScheduleOptions(time_limit_s=time_limit_s, workers=workers, seed=seed))
    wall = time.perf_counter() - t0
    out = folder / "output"
    write_schedule(out, result)
    roster = pd.read_csv(out / "roster.csv", parse_dates=["date", "shift_start", "shift_end"])
    by_start = {(s.start, s.length): s for s in fixed_shifts()}
    day0 = pd.Timestamp(SPEC.start)
    triples = []
    for rec in roster.itertuples():
        start = int((rec.shift_start - rec.date) / pd.Timedelta(minutes=INTERVAL_MIN))
        length = int((rec.shift_end - rec.shift_start) / pd.Timedelta(minutes=INTERVAL_MIN))
        triples.append(((rec.date - day0).days, by_start[(start, length)], 1))
    checked = check_output(folder, out, result.summary["objective"])
    return {
        "status": result.summary["status"],
        "wall_seconds": wall,
        "triples": triples,
        "solver_objective": result.summary["objective"],
        "validated": checked["validated"],
        "paid_hours": float(roster["paid_hours"].sum()),
    }


# --- pyworkforce --------------------------------------------------------------------------------


def solve_pyworkforce(
    kind: str,
    required: np.ndarray,
    shifts: list[Shift],
    cap: int,
    time_limit_s: float,
    workers: int,
) -> dict[str, Any]:
    """Solve with pyworkforce's `MinAbsDifference` or `MinRequiredResources` (ImportError without it)."""
    from pyworkforce.scheduling import MinAbsDifference, MinRequiredResources

    cls = {"MinAbsDifference": MinAbsDifference, "MinRequiredResources": MinRequiredResources}[kind]
    by_name = {s.name: s for s in shifts}
    solver = cls(
        num_days=required.shape[0],
        periods=PERIODS,
        shifts_coverage={s.name: s.coverage().tolist() for s in shifts},
        required_resources=required.tolist(),
        max_period_concurrency=cap,
        max_shift_concurrency=cap,
        max_search_time=float(time_limit_s),
        num_search_workers=int(workers),
    )
    t0 = time.perf_counter()
    solution = solver.solve()
    wall = time.perf_counter() - t0
    ok = solution["status"] in ("OPTIMAL", "FEASIBLE")
    triples = [(r["day"], by_name[r["shift"]], r["resources"]) for r in solution["resources_shifts"]] if ok else []
    return {
        "status": solution["status"].lower(),
        "wall_seconds": wall,
        "triples": triples,
        "solver_objective": solution["cost"] if ok else None,
        "validated": None,
        "paid_hours": float(sum(c * s.length for _, s, c in triples) * INTERVAL_MIN / 60),
    }


def _peer_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("pyworkforce")
    except Exception:  # not installed: the peer is skipped
        return None


def run_peer(time_limit_s: float, workers: int, seed: int, work_dir: Path, results: Path | None) -> list[dict]:
    """Build the instance, solve with each solver, print the side by side; append rows unless `results` is None."""
    folder = work_dir / "peer" / SPEC.name
    generated = generate(SPEC, folder / "generated")
    req_df = read_requirements(generated.folder / "requirements.csv")
    required = required_matrix(req_df, pd.Timestamp(SPEC.start), SPEC.days)
    pool = POOL_FACTOR * int(required.max())
    shifts = fixed_shifts()
    write_text(folder / "scenario.toml", _wfm_scenario(shifts, pool))
    write_csv(folder / "requirements.csv", pd.read_csv(generated.folder / "requirements.csv"))
    write_csv(
        folder / "agents.csv",
        pd.DataFrame(
            {
                "agent_id": [f"P{i + 1:03d}" for i in range(pool)],
                "skills": "",
                "min_hours_week": 0,
                "max_hours_week": 70,
                "max_days_week": 7,
            }
        ),
    )
    runs: list[tuple[str, str, dict[str, Any]]] = [
        ("wfm", "absolute deviation", solve_wfm(folder, time_limit_s, workers, seed))
    ]
    version = _peer_version()
    if version is None:
        print("pyworkforce is not installed (pip install -e .[bench]): peer solvers skipped")
    else:
        for kind, optimizes in (
            ("MinAbsDifference", "absolute deviation"),
            ("MinRequiredResources", "fewest shifts, no under-staffing"),
        ):
            runs.append(
                (
                    f"pyworkforce {kind}",
                    optimizes,
                    solve_pyworkforce(kind, required, shifts, pool, time_limit_s, workers),
                )
            )
    env = environment()
    rows = []
    print(
        f"{SPEC.name}: {SPEC.days} days × {PERIODS} intervals of {INTERVAL_MIN} min, {len(shifts)} fixed shifts, "
        f"{required.sum() * INTERVAL_MIN / 60:,.1f} required agent-hours; time limit {time_limit_s:g} s, "
        f"{workers} workers; {env['machine']}; commit {env['commit']}"
    )
    print(f"{'solver':<34}{'status':>10}{'seconds':>9}{'|dev| h':>10}{'under h':>9}{'over h':>9}{'shifts':>8}")
    for solver, optimizes, fig in runs:
        measured = deviation(coverage_matrix(SPEC.days, fig["triples"]), required) if fig["triples"] else {}
        row = {
            "instance": SPEC.name,
            "solver": solver,
            "optimizes": optimizes,
            "status": fig["status"],
            "wall_seconds": round(fig["wall_seconds"], 3),
            **measured,
            "shifts": sum(c for _, _, c in fig["triples"]),
            "paid_hours": fig["paid_hours"],
            "solver_objective": fig["solver_objective"],
            "validated": fig["validated"],
            "peer_version": version,
            "pool_agents": pool,
            "time_limit_s": time_limit_s,
            "workers": workers,
            "seed": seed,
            **env,
        }
        rows.append(row)
        print(
            f"{solver:<34}{row['status']:>10}{row['wall_seconds']:>9.1f}"
            f"{measured.get('abs_deviation_agent_hours', float('nan')):>10,.1f}"
            f"{measured.get('under_agent_hours', float('nan')):>9,.1f}"
            f"{measured.get('over_agent_hours', float('nan')):>9,.1f}{row['shifts']:>8}"
        )
    if results is not None:
        append_rows(results, rows, COLUMNS)
        print(f"rows appended to {results}")
    return rows


def cmd_peer(args: argparse.Namespace) -> int:
    rows = run_peer(args.time_limit_s, args.workers, args.seed, args.work_dir, None if args.no_record else args.results)
    return 0 if all(r["status"] in ("optimal", "feasible") for r in rows) else 1


def add_command(commands: Any) -> None:
    """Register the `peer` subcommand on an argparse subparsers object."""
    p = commands.add_parser("peer", help="wfm side by side with pyworkforce on a requirements-only week")
    p.add_argument("--time-limit-s", type=float, default=60.0, help="time limit of each solver, seconds")
    p.add_argument("--workers", type=int, default=2, help="CP-SAT workers of each solver")
    p.add_argument("--seed", type=int, default=0, help="wfm's random seed")
    p.add_argument("--results", type=Path, default=RESULTS_DIR / "peer.csv", help="CSV the rows are appended to")
    p.add_argument("--no-record", action="store_true", help="print only; append no rows")
    p.add_argument("--work-dir", type=Path, default=WORK_DIR, help="folder the instance is written in")
    p.set_defaults(func=cmd_peer)
