"""`python -m benchmarks report-speed`: how long `wfm report` takes, in a fresh process, on
- `generated-<N>`: a seeded schedule output of N agents (default 1,000) over a 30-day month, four
  queues open 07:00–23:00 every day, 8-hour shifts with three named breaks (target < 10 s);
- `bundled-example`: the bundled example (data/scenario.toml, 110 agents, June 2027) after
  `wfm run --time-limit-s 20` (left out with `--skip-example`).

Each row (appended to benchmarks/results/report.csv): the environment (machine, Python, OR-Tools,
commit, date), instance, agents, shifts, coverage rows, report.html size in MB, wall seconds of
`wfm report` (reading, checks, figures, page, writing), peak memory of that process, exit code, the
target and whether it was met. `--agents 40 --skip-example --no-record` checks that it runs.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 10.0
QUEUES = ("billing", "sales", "support", "tech")
BREAKS = (("break1", 120, 15), ("lunch", 240, 60), ("break2", 390, 15))  # name, minutes after start, length
OPEN_MIN, CLOSE_MIN = 7 * 60, 23 * 60


START = pd.Timestamp("2027-06-01")
FMT = "%Y-%m-%dT%H:%M"


def generate_output(folder: Path, *, agents: int = 1000, days: int = 30, seed: int = 0) -> Path:
    """Write a seeded schedule output (roster.csv in the named layout, coverage.csv, summary.json)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    roster, queue, shift_start = _roster(rng, agents, days)
    roster.to_csv(folder / "roster.csv", index=False)
    _coverage(rng, queue, shift_start, days).to_csv(folder / "coverage.csv", index=False)
    by_day = {f"{START + pd.Timedelta(days=d):%Y-%m-%d}": float(0.6 + 0.3 * rng.random()) for d in range(days)}
    summary = {
        "status": "feasible",
        "objective": 123456.7,
        "gap": 0.05,
        "hours_used": 7.0 * len(roster),
        "budget_hours": 7.2 * len(roster),
        "hours_counted_on": "paid",
        "projected_service_level": 0.78,
        "service_level_by_day": by_day,
        "under_agent_hours": 1500.0,
        "over_agent_hours": 900.0,
        "violations": [],
        "fairness": {"weekend_days": {"min": 2, "max": 8, "spread": 6}},
        "interval_min": 15,
        "campaign": {"name": f"Generated month, {agents:,} agents", "service_level_target": 0.8},
    }
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return folder


def _roster(rng: np.random.Generator, agents: int, days: int) -> tuple[pd.DataFrame, np.ndarray, pd.DatetimeIndex]:
    """Each agent works about 22 of the days, an 8-hour shift starting 07:00–15:00 in one queue."""
    a_idx, d_idx = np.nonzero(rng.random((agents, days)) < 22 / 30)
    queue = rng.integers(0, len(QUEUES), agents)[a_idx]
    start_min = OPEN_MIN + 30 * rng.integers(0, 17, len(a_idx))
    shift_start = START + pd.to_timedelta(d_idx, "D") + pd.to_timedelta(start_min, "m")
    roster = {
        "agent_id": [f"A{a:04d}" for a in a_idx],
        "name": [f"Agent {a:04d}" for a in a_idx],
        "date": (START + pd.to_timedelta(d_idx, "D")).strftime("%Y-%m-%d"),
        "queue": np.array(QUEUES)[queue],
        "template": "day8",
        "shift_start": shift_start.strftime(FMT),
        "shift_end": (shift_start + pd.Timedelta(hours=8)).strftime(FMT),
        "paid_hours": "7.00",
    }
    for name, after, length in BREAKS:
        b = shift_start + pd.Timedelta(minutes=after)
        roster[f"{name}_start"] = b.strftime(FMT)
        roster[f"{name}_end"] = (b + pd.Timedelta(minutes=length)).strftime(FMT)
    return pd.DataFrame(roster), queue, shift_start


def _coverage(rng: np.random.Generator, queue: np.ndarray, shift_start: pd.DatetimeIndex, days: int) -> pd.DataFrame:
    """Agents on the phone per queue and interval (breaks removed); requirements within ±6 of them."""
    n_int = days * 96
    first = ((shift_start - START) // pd.Timedelta(minutes=15)).to_numpy()
    diff = np.zeros((len(QUEUES), n_int + 1))
    np.add.at(diff, (queue, first), 1)
    np.add.at(diff, (queue, first + 32), -1)
    for _, after, length in BREAKS:
        np.add.at(diff, (queue, first + after // 15), -1)
        np.add.at(diff, (queue, first + (after + length) // 15), 1)
    scheduled = np.cumsum(diff, axis=1)[:, :n_int]
    minute = (np.arange(n_int) % 96) * 15
    is_open = (minute >= OPEN_MIN) & (minute < CLOSE_MIN)
    required = np.where(is_open, np.maximum(scheduled + rng.integers(-6, 7, scheduled.shape), 0), 0)
    return pd.DataFrame(
        {
            "interval_start": np.repeat(pd.date_range(START, periods=n_int, freq="15min").strftime(FMT), len(QUEUES)),
            "queue": np.tile(QUEUES, n_int),
            "required_agents": required.T.ravel(),
            "scheduled_agents": scheduled.T.ravel().astype(int),
            "service_level": np.clip(0.8 + 0.03 * (scheduled - required), 0, 1).T.ravel().round(4),
            "asa_seconds": np.clip(20 - 2 * (scheduled - required), 0, 300).T.ravel(),
            "contacts": np.where(is_open, required * 2.5, 0.0).T.ravel(),
            "occupancy": np.where(is_open, 0.8, 0.0).repeat(len(QUEUES)),
            "abandon_rate": np.where(is_open, 0.03, 0.0).repeat(len(QUEUES)),
        }
    )


def _time_report(folder: Path) -> tuple[float, int, float]:
    """Wall seconds, exit code and peak MB of `wfm report FOLDER` in a fresh process."""
    t = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "cli", "report", str(folder)], cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if run.returncode:
        print(run.stdout + run.stderr, file=sys.stderr)
    return wall, run.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _rows(path: Path) -> int:
    with open(path, encoding="utf-8") as fh:
        return sum(1 for _ in fh) - 1


def _bundled_example(work: Path) -> Path:
    out = work / "example"
    cmd = [sys.executable, "-m", "cli", "run", "data/scenario.toml", "--out", str(out), "--time-limit-s", "20"]
    subprocess.run(cmd, cwd=REPO, check=True, capture_output=True)
    return out


def cmd_report_speed(args: argparse.Namespace) -> int:
    """Time `wfm report` on each instance (module docstring); print and append one row per instance."""
    from benchmarks.__main__ import append_rows, environment

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench_report_") as tmp:
        folders = {f"generated-{args.agents}": generate_output(Path(tmp) / "generated", agents=args.agents)}
        if not args.skip_example:
            folders["bundled-example"] = _bundled_example(Path(tmp))
        for instance, folder in folders.items():
            wall, code, peak = _time_report(folder)
            html = folder / "report.html"
            rows.append(
                {
                    **environment(),
                    "instance": instance,
                    "agents": int(pd.read_csv(folder / "roster.csv", usecols=["agent_id"])["agent_id"].nunique()),
                    "shifts": _rows(folder / "roster.csv"),
                    "coverage_rows": _rows(folder / "coverage.csv"),
                    "html_mb": round(html.stat().st_size / 2**20, 2) if html.exists() else None,
                    "wall_seconds": round(wall, 2),
                    "peak_rss_mb": round(peak, 1),
                    "exit_code": code,
                    "target_s": TARGET_S,
                    "within_target": code == 0 and wall < TARGET_S,
                }
            )
            print(
                f"{instance}: wfm report {wall:.2f} s (target < {TARGET_S:g} s), exit {code}, "
                f"report.html {rows[-1]['html_mb']} MB, peak {peak:.0f} MB"
            )
    if not args.no_record:
        append_rows(args.results, rows)
        print(f"→ {args.results}")
    return 0 if all(r["exit_code"] == 0 for r in rows) else 1


def add_command(commands: Any) -> None:
    """Register the `report-speed` subcommand on an argparse subparsers object."""
    from benchmarks.__main__ import RESULTS_DIR

    p = commands.add_parser("report-speed", help="time wfm report on a generated 1,000-agent month and the example")
    p.add_argument("--agents", type=int, default=1000, help="agents of the generated month")
    p.add_argument("--skip-example", action="store_true", help="leave out the bundled example (it runs wfm run)")
    p.add_argument("--results", type=Path, default=RESULTS_DIR / "report.csv", help="CSV the rows are appended to")
    p.add_argument("--no-record", action="store_true", help="print only; append no rows")
    p.set_defaults(func=cmd_report_speed)
