"""`python -m benchmarks run --suite NAME`: generate, solve, check and record every instance of a suite.

For each instance, in order:
1. generate its folder from (parameters, seed) under the work folder (`benchmarks/work/`, git-ignored);
2. solve it in a fresh Python process (`python -m benchmarks.runner SCENARIO OUT ...`, which reads the
   inputs, calls `wfm.schedule.solve_schedule` and writes the outputs as `wfm schedule` does), so
   time and memory are the instance's own: `peak_rss_mb` is that process's peak resident set size
   (`os.wait4` rusage), `wall_seconds` its time from reading the inputs to the written outputs;
3. check the written roster with the independent checker in this process (`wfm.checker.check_files`):
   `validated` = no rule violation and the checker's objective equals `summary.json`'s within 1e-6
   (relative);
4. append one row (columns `COLUMNS`, environment included) to `benchmarks/results/<suite>.csv`.

Exit status: 0 when every instance is validated with status optimal or feasible; 1 when any is
infeasible, fails, times out without a valid roster, breaks a rule or fails the checker (the rows
are recorded all the same). Missing a suite target (`benchmarks.suites.Targets`) is reported in
`targets_missed`, not a failure.

`--seed` is the solver's seed; instances keep their own (`instance_seed`), so runs on different
commits solve identical instances.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.generate import GeneratedInstance, generate
from benchmarks.suites import SUITES, SuiteInstance, suite
from wfm.atomic import write_csv, write_json

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "benchmarks" / "results"
WORK_DIR = ROOT / "benchmarks" / "work"
OBJECTIVE_RTOL = 1e-6
KILL_MARGIN_S = 120.0  # a solve process still alive this long after 3 × its time limit is killed
OK_STATUSES = ("optimal", "feasible")
BEST_KNOWN_CSV = "best_known.csv"  # in the results folder: the long runs (`run --best-known`)

INSTANCE_COLUMNS = (
    "suite",
    "instance",
    "operation",
    "agents",
    "days",
    "interval_minutes",
    "queues",
    "budget_kind",
    "objective_kind",
    "instance_seed",
    "required_agent_hours",
    "contracted_hours",
    "instance_digest",
)
OUTCOME_COLUMNS = (
    "status",
    "wall_seconds",
    "solve_seconds",
    "first_feasible_seconds",
    "objective",
    "bound",
    "gap",
    "best_known",
    "gap_to_best_known",
    "under_agent_hours",
    "over_agent_hours",
    "paid_hours",
    "budget_hours",
    "projected_service_level",
    "peak_rss_mb",
    "validated",
    "violations",
    "checker_objective",
    "targets_missed",
    "error",
)
ENVIRONMENT_COLUMNS = (
    "machine",
    "cpu_count",
    "memory_gb",
    "python",
    "ortools",
    "wfm",
    "commit",
    "date",
    "time_limit_s",
    "workers",
    "seed",
)
COLUMNS = INSTANCE_COLUMNS + OUTCOME_COLUMNS + ENVIRONMENT_COLUMNS


# --- environment and records --------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def git_commit(repo: Path = ROOT) -> str:
    """The short HEAD commit, with `-dirty` when the work tree has changes; `unknown` outside git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("-dirty" if dirty else "")


def environment() -> dict[str, Any]:
    """Machine (CPU model, cores, memory), Python, OR-Tools and wfm versions, commit and UTC date."""
    import ortools

    import wfm

    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "machine": f"{_cpu_model()}, {os.cpu_count()} cpu, {memory_gb:.0f} GB, {platform.system()}",
        "cpu_count": os.cpu_count(),
        "memory_gb": round(memory_gb, 1),
        "python": platform.python_version(),
        "ortools": ortools.__version__,
        "wfm": wfm.__version__,
        "commit": git_commit(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def append_rows(path: Path, rows: list[dict[str, Any]], columns: Sequence[str] = COLUMNS) -> None:
    """Append `rows` to the CSV at `path` (rewritten atomically; columns of older rows are kept)."""
    new = pd.DataFrame(rows)
    new = new.reindex(columns=[*columns, *(c for c in new.columns if c not in columns)])
    if path.exists():  # older rows are kept as written, text for text
        new = pd.concat([pd.read_csv(path, dtype=str, keep_default_na=False), new], ignore_index=True)
    write_csv(path, new)


def instance_digest(folder: Path) -> str:
    """A SHA-256 of a generated instance's files (names and bytes), 16 hex digits: a best-known
    objective applies only to the very instance it was found on, whatever the generator's version."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def best_known(results_dir: Path, instance: str, digest: str) -> float | None:
    """The lowest validated objective recorded for this instance in `results_dir/best_known.csv`."""
    path = results_dir / BEST_KNOWN_CSV
    if not path.exists():
        return None
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = rows[(rows["instance"] == instance) & (rows["instance_digest"] == digest) & (rows["validated"] == "True")]
    values = pd.to_numeric(rows["objective"], errors="coerce").dropna()
    return None if values.empty else float(values.min())


def with_best_known(row: dict[str, Any], results_dir: Path) -> dict[str, Any]:
    """`row` with `best_known` (the record, or this row's objective if lower and validated) and
    `gap_to_best_known` = (objective − best known) / best known."""
    digest = row.get("instance_digest")
    best = best_known(results_dir, row["instance"], digest) if digest else None
    objective = row.get("objective")
    if row.get("validated") and objective is not None and (best is None or objective < best):
        best = objective
    gap = None
    if best is not None and objective is not None and row.get("validated"):
        gap = round((objective - best) / best, 6) if best > 0 else (0.0 if objective == best else None)
    return {**row, "best_known": best, "gap_to_best_known": gap}


# --- the solve process ------------------------------------------------------------------------


def solve_instance(scenario: Path, out: Path, time_limit_s: float, workers: int, seed: int) -> dict[str, Any]:
    """Read, solve and write one scenario as `wfm schedule` does; return the figures the runner records.

    Runs inside the fresh process: `wall_seconds` spans reading the inputs to the written outputs.
    """
    from wfm.errors import EXIT_INFEASIBLE, EXIT_TIMEOUT, WfmError
    from wfm.schedule import ScheduleOptions, load_inputs, solve_schedule, write_schedule

    t0 = time.perf_counter()
    try:
        inputs = load_inputs(scenario)
        result = solve_schedule(inputs, ScheduleOptions(time_limit_s=time_limit_s, workers=workers, seed=seed))
        write_schedule(out, result)
    except WfmError as exc:
        status = {EXIT_INFEASIBLE: "infeasible", EXIT_TIMEOUT: "timeout"}.get(exc.exit_code, "error")
        return {
            "status": status,
            "error": str(exc)[:2000],  # an InfeasibleError's text lists its reasons already
            "wall_seconds": time.perf_counter() - t0,
        }
    s = result.summary
    return {
        "status": s["status"],
        "wall_seconds": time.perf_counter() - t0,
        "solve_seconds": s["solve_seconds"],
        "first_feasible_seconds": s["first_feasible_seconds"],
        "objective": s["objective"],
        "bound": s["best_bound"],
        "gap": s["gap"],
        "under_agent_hours": s["under_agent_hours"],
        "over_agent_hours": s["over_agent_hours"],
        "budget_hours": s["budget_hours"],
        "projected_service_level": s["projected_service_level"],
        "summary_violations": len(s["violations"]),
    }


def _child_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.runner", description="Solve one scenario (the runner's per-instance process)."
    )
    parser.add_argument("scenario", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--time-limit-s", type=float, required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--result", type=Path, required=True, help="JSON file the figures are written to")
    args = parser.parse_args(argv)
    try:
        figures = solve_instance(args.scenario, args.out, args.time_limit_s, args.workers, args.seed)
    except Exception as exc:  # a crash is a result to record, with its traceback in the log
        traceback.print_exc()
        figures = {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:2000]}
    write_json(args.result, figures)
    return 0


def _run_child(folder: Path, out: Path, time_limit_s: float, workers: int, seed: int) -> dict[str, Any]:
    """Solve `folder`'s scenario in a fresh process; its figures plus `peak_rss_mb` from the kernel's rusage.

    The process's log and figures go beside `folder` (`solve.log`, `result.json`)."""
    result = folder.parent / "result.json"
    result.unlink(missing_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.runner",
        str(folder / "scenario.toml"),
        str(out),
        "--time-limit-s",
        str(time_limit_s),
        "--workers",
        str(workers),
        "--seed",
        str(seed),
        "--result",
        str(result),
    ]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    with open(folder.parent / "solve.log", "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        killer = threading.Timer(3 * time_limit_s + KILL_MARGIN_S, proc.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
    figures: dict[str, Any] = (
        json.loads(result.read_text())
        if result.exists()
        else {
            "status": "killed" if proc.returncode < 0 else "error",
            "error": f"solve process ended with {proc.returncode} and no result; see {folder.parent / 'solve.log'}",
        }
    )
    figures["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)  # Linux: kilobytes
    return figures


def check_output(folder: Path, out: Path, reported_objective: float | None) -> dict[str, Any]:
    """Run the independent checker on the written roster: validated, violations, its objective, paid hours."""
    from wfm.checker import check_files
    from wfm.errors import WfmError

    roster = out / "roster.csv"
    if not roster.exists():
        return {"validated": False, "violations": None, "checker_objective": None, "paid_hours": None}
    try:
        report = check_files(folder / "scenario.toml", roster)
    except WfmError as exc:
        return {
            "validated": False,
            "violations": None,
            "checker_objective": None,
            "paid_hours": None,
            "error": f"checker: {exc}",
        }
    paid = float(pd.read_csv(roster, usecols=["paid_hours"])["paid_hours"].sum())
    same = reported_objective is not None and abs(report.objective - reported_objective) <= OBJECTIVE_RTOL * max(
        1.0, abs(report.objective)
    )
    return {
        "validated": not report.violations and same,
        "violations": len(report.violations),
        "checker_objective": report.objective,
        "paid_hours": round(paid, 2),
    }


def run_instance(
    item: SuiteInstance,
    suite_name: str,
    work_dir: Path,
    time_limit_s: float | None,
    workers: int,
    seed: int,
) -> dict[str, Any]:
    """Generate, solve in a fresh process and check one instance; return its row (without environment)."""
    spec = item.spec
    folder = work_dir / suite_name / spec.name
    generated: GeneratedInstance = generate(spec, folder / "input")
    out = folder / "output"
    shutil.rmtree(out, ignore_errors=True)  # never check a previous run's roster
    limit = time_limit_s or item.time_limit_s
    figures = _run_child(generated.folder, out, limit, workers, seed)
    checked = check_output(generated.folder, out, figures.get("objective"))
    row: dict[str, Any] = {
        "suite": suite_name,
        "instance": spec.name,
        "operation": spec.operation,
        "agents": spec.agents,
        "days": spec.days,
        "interval_minutes": spec.interval_min,
        "queues": len(spec.queues),
        "budget_kind": spec.budget,
        "objective_kind": spec.objective,
        "instance_seed": spec.seed,
        "required_agent_hours": generated.required_agent_hours,
        "contracted_hours": generated.contracted_hours,
        "instance_digest": instance_digest(generated.folder),
        "best_known": None,
        "gap_to_best_known": None,
        "budget_hours": generated.budget_hours,
        "time_limit_s": limit,
        "workers": workers,
        "seed": seed,
    }
    row.update({k: v for k, v in figures.items() if k in OUTCOME_COLUMNS})
    row.update({k: v for k, v in checked.items() if k != "error"})
    errors = [e for e in (figures.get("error"), checked.get("error")) if e]
    row["error"] = " | ".join(errors) or None
    if row["status"] in OK_STATUSES:
        missed = item.targets.missed(row.get("first_feasible_seconds"), row.get("gap"), row["peak_rss_mb"])
        row["targets_missed"] = "; ".join(missed) or None
    for key in (
        "wall_seconds",
        "objective",
        "bound",
        "gap",
        "under_agent_hours",
        "over_agent_hours",
        "projected_service_level",
        "checker_objective",
    ):
        if isinstance(row.get(key), float):
            row[key] = round(row[key], 6 if key in ("gap", "projected_service_level") else 4)
    return row


def failure(row: dict[str, Any]) -> str | None:
    """Why a row fails the run (None when it passes)."""
    if row["status"] not in OK_STATUSES:
        return f"status {row['status']}" + (f": {row['error']}" if row.get("error") else "")
    if row.get("violations"):
        return f"{row['violations']} rule violation(s) found by the checker"
    if not row.get("validated"):
        return f"not validated: {row.get('error') or 'checker objective differs from summary.json'}"
    return None


def _fmt(value: Any, spec: str = "") -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    return format(value, spec)


def run_suite(
    name: str,
    *,
    time_limit_s: float | None = None,
    workers: int = 2,
    seed: int = 0,
    results_dir: Path = RESULTS_DIR,
    work_dir: Path = WORK_DIR,
    only: Sequence[str] | None = None,
    record_best_known: bool = False,
) -> list[dict[str, Any]]:
    """Run suite `name` (optionally only the named instances); append and return its rows: to
    `<suite>.csv`, or with `record_best_known` to `best_known.csv` (long runs, see the README)."""
    chosen = suite(name).instances
    if only:
        unknown = set(only) - {i.spec.name for i in chosen}
        if unknown:
            raise KeyError(f"suite {name} has no instance(s) {', '.join(sorted(unknown))}")
        chosen = tuple(i for i in chosen if i.spec.name in only)
    env = environment()
    print(f"suite {name}: {len(chosen)} instance(s); {env['machine']}; commit {env['commit']}", flush=True)
    print(f"{'instance':<28}{'status':>10}{'objective':>12}{'gap':>8}{'to best':>8}{'wall s':>8}{'MB':>7}  validated")
    rows = []
    for item in chosen:
        row = with_best_known({**run_instance(item, name, work_dir, time_limit_s, workers, seed), **env}, results_dir)
        rows.append(row)
        gap, to_best = row.get("gap"), row.get("gap_to_best_known")
        print(
            f"{item.spec.name:<28}{row['status']:>10}{_fmt(row.get('objective'), ',.1f'):>12}"
            f"{_fmt(None if gap is None else 100 * gap, '.2f'):>8}"
            f"{_fmt(None if to_best is None else 100 * to_best, '.2f'):>8}{_fmt(row.get('wall_seconds'), '.1f'):>8}"
            f"{_fmt(row['peak_rss_mb'], '.0f'):>7}  {'yes' if row.get('validated') else 'NO'}"
            + (f"  (missed: {row['targets_missed']})" if row.get("targets_missed") else ""),
            flush=True,
        )
    append_rows(results_dir / (BEST_KNOWN_CSV if record_best_known else f"{name}.csv"), rows)
    return rows


def cmd_run(args: argparse.Namespace) -> int:
    """`python -m benchmarks run`: run a suite, append its rows, exit 1 if any instance fails."""
    try:
        rows = run_suite(
            args.suite,
            time_limit_s=args.time_limit_s,
            workers=args.workers,
            seed=args.seed,
            results_dir=args.results_dir,
            work_dir=args.work_dir,
            only=args.instance,
            record_best_known=args.best_known,
        )
    except KeyError as exc:
        print(f"benchmarks run: {exc.args[0]}", file=sys.stderr)
        return 2
    failed = [(r["instance"], why) for r in rows if (why := failure(r))]
    print(f"rows appended to {args.results_dir / (BEST_KNOWN_CSV if args.best_known else args.suite + '.csv')}")
    for instance, why in failed:
        print(f"FAILED {instance}: {why}", file=sys.stderr)
    return 1 if failed else 0


def add_command(commands: Any) -> None:
    """Register the `run` subcommand on an argparse subparsers object."""
    p = commands.add_parser("run", help="run a benchmark suite: generate, solve, check, record")
    p.add_argument("--suite", required=True, choices=list(SUITES), help="suite to run")
    p.add_argument(
        "--time-limit-s",
        type=float,
        default=None,
        help="solver time limit per instance, seconds (default: each instance's own)",
    )
    p.add_argument("--workers", type=int, default=2, help="CP-SAT workers")
    p.add_argument("--seed", type=int, default=0, help="solver random seed (instances keep their own)")
    p.add_argument("--instance", action="append", metavar="NAME", help="run only this instance (repeatable)")
    p.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="folder of the results CSV files")
    p.add_argument("--work-dir", type=Path, default=WORK_DIR, help="folder the instances are generated in")
    p.add_argument(
        "--best-known",
        action="store_true",
        help="a long run that sets best-known objectives: rows go to best_known.csv, not the suite's file",
    )
    p.set_defaults(func=cmd_run)


if __name__ == "__main__":
    sys.exit(_child_main())
