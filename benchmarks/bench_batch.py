"""Scale of `wfm batch`: many generated client campaigns, wall time for 1 and 2 pool workers, every one checked.

Campaigns: `--campaigns` (20) instances of `benchmarks.generate` — a month (`--days` 30) of the
12x6 operation with three queues, agents spread evenly over `--agents MIN MAX` (50–100), instance
seeds 600, 601, … — each a scenario that starts from its requirements. For each `--workers` value
(1 and 2) the whole batch runs through `wfm.batch.run_batch` (local process pool, `--time-limit-s`
per campaign, each campaign's CP-SAT with its scenario's 2 threads), then every campaign's roster
goes through the independent checker (`benchmarks.runner.check_output`: no rule broken and the
checker's objective equal to summary.json's). One row per batch is appended to
`benchmarks/results/batch.csv`, with the environment. Exit status 1 if any campaign failed or was
not validated.

    python benchmarks/bench_batch.py                 # full size (the lead runs this; about 20 × 30 s × 1.5)
    python benchmarks/bench_batch.py --campaigns 2 --days 5 --agents 20 24 --time-limit-s 3 --no-record  # smoke
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.generate import InstanceSpec, generate  # noqa: E402
from benchmarks.runner import WORK_DIR, append_rows, check_output, environment  # noqa: E402
from wfm.batch import run_batch  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "batch.csv"
FIRST_SEED = 600
COLUMNS = (
    "benchmark",
    "campaigns",
    "days",
    "agents_min",
    "agents_max",
    "batch_workers",
    "time_limit_s",
    "wall_seconds",
    "campaign_seconds_sum",
    "succeeded",
    "validated",
    "batch_exit_code",
    "statuses",
    "machine",
    "cpu_count",
    "memory_gb",
    "python",
    "ortools",
    "wfm",
    "commit",
    "date",
)


def campaign_specs(n: int, days: int, agents: tuple[int, int]) -> list[InstanceSpec]:
    lo, hi = agents
    sizes = [round(lo + (hi - lo) * i / max(1, n - 1)) for i in range(n)]
    return [
        InstanceSpec(name=f"campaign-{i:02d}", days=days, agents=a, seed=FIRST_SEED + i) for i, a in enumerate(sizes)
    ]


def run_once(folders: list[Path], out: Path, workers: int, time_limit_s: float) -> dict[str, object]:
    """One batch over every campaign folder; then check each roster. Returns the batch's figures."""
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    result = run_batch(
        [f / "scenario.toml" for f in folders], out, workers=workers, time_limit_s=time_limit_s, echo=False
    )
    wall = time.perf_counter() - t0
    validated = 0
    for folder, row in zip(folders, result.table.itertuples(index=False), strict=True):
        if row.exit_code != 0:
            print(f"  {row.campaign}: {row.status} — {row.message}")
            continue
        summary = json.loads((out / row.campaign / "summary.json").read_text())
        check = check_output(folder, out / row.campaign, summary["objective"])
        validated += bool(check["validated"])
        if not check["validated"]:
            print(
                f"  {row.campaign}: not validated ({check.get('violations')} violation(s), "
                f"checker objective {check.get('checker_objective')} vs {summary['objective']})"
            )
    statuses = result.table["status"].value_counts().sort_index()
    return {
        "batch_workers": workers,
        "wall_seconds": round(wall, 2),
        "campaign_seconds_sum": round(float(result.table["seconds"].sum()), 2),
        "succeeded": int((result.table["exit_code"] == 0).sum()),
        "validated": validated,
        "batch_exit_code": result.exit_code,
        "statuses": ";".join(f"{k}={v}" for k, v in statuses.items()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=20)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--agents", type=int, nargs=2, default=(50, 100), metavar=("MIN", "MAX"))
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="pool sizes to time")
    parser.add_argument("--time-limit-s", type=float, default=30.0, help="solver limit per campaign")
    parser.add_argument("--no-record", action="store_true", help=f"do not append to {RESULTS.relative_to(ROOT)}")
    args = parser.parse_args(argv)

    work = WORK_DIR / "batch"
    specs = campaign_specs(args.campaigns, args.days, tuple(args.agents))
    t0 = time.perf_counter()
    folders = [generate(spec, work / "instances" / spec.name).folder for spec in specs]
    print(
        f"generated {len(folders)} campaigns ({args.days} days, {args.agents[0]}–{args.agents[1]} agents) "
        f"in {time.perf_counter() - t0:.1f}s under {work}"
    )
    env = environment()
    rows = []
    print("| workers | wall s | Σ campaign s | succeeded | validated | statuses |")
    print("|---|---|---|---|---|---|")
    for workers in args.workers:
        figures = run_once(folders, work / f"out-w{workers}", workers, args.time_limit_s)
        n = len(folders)
        print(
            f"| {workers} | {figures['wall_seconds']:.1f} | {figures['campaign_seconds_sum']:.1f} | "
            f"{figures['succeeded']}/{n} | {figures['validated']}/{n} | {figures['statuses']} |"
        )
        rows.append(
            {
                "benchmark": "batch",
                "campaigns": len(folders),
                "days": args.days,
                "agents_min": args.agents[0],
                "agents_max": args.agents[1],
                "time_limit_s": args.time_limit_s,
                **figures,
                **env,
            }
        )
    if not args.no_record:
        append_rows(RESULTS, rows, COLUMNS)
        print(f"appended {len(rows)} row(s) to {RESULTS}")
    return 0 if all(r["validated"] == len(folders) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
