"""`wfm batch`: many client campaigns at once, one scenario each, in a process pool or on a Dask cluster.

Each scenario is one campaign, run by `wfm.pipeline.run` into `OUT/<campaign>/` (its own lock,
atomic result and `run.log`). The campaign's name is the slug of the scenario's `name` when it sets
one, else the file's stem (`wfm.pipeline.campaign_name`); a repeated name gets `-2`, `-3`… in the
order the scenarios were given.

Where campaigns run:
- by default in a local pool of `workers` processes (`concurrent.futures.ProcessPoolExecutor`,
  spawned), each campaign's CP-SAT using its scenario's `[solver] workers` threads;
- with `address` (`tcp://HOST:PORT`), on that Dask distributed scheduler's workers (`pip install
  'wfm[dask]'`). Scenario, input and output paths are sent as absolute paths: the workers must
  see the same files (a shared file system).

One campaign failing, however, never stops the others. `OUT/campaigns.csv` (rewritten atomically
as campaigns finish; rows in the order given) has one row per campaign:

| column                    | meaning                                                               |
|---------------------------|-----------------------------------------------------------------------|
| `campaign`                | name, and the folder under OUT                                        |
| `status`                  | the schedule's `optimal`/`feasible`, or why not (below)                |
| `hours_used`              | paid (or productive, as the budget counts) agent-hours rostered       |
| `budget_hours`            | the scenario's budget, agent-hours (empty: none)                      |
| `projected_service_level` | share of contacts answered within the answer time, whole horizon      |
| `gap`                     | (objective − bound) / objective of the schedule (empty: no bound)     |
| `seconds`                 | wall-clock seconds of the campaign                                    |
| `exit_code`               | what `wfm run` on this scenario alone would have exited with          |
| `message`                 | the error, or a note (`interrupted: best roster so far`)              |
| `scenario`                | the scenario file                                                     |

A campaign that did not succeed has status `bad-input` (2), `infeasible` (3), `timeout` (4), `locked`
(5), `error` (1), `interrupted` (130), `cancelled` (130, never started), or `pending` (the batch
itself was killed before it ended).

Exit code of the batch: 0 when every campaign succeeded, else the most serious of the campaigns'
codes, by the order 1 (internal error) > 2 (bad input) > 3 (infeasible) > 4 (no feasible roster in
time) > 5 (locked) > 130 (interrupted or cancelled) — that is, the smallest non-zero code: a bug
first, then input to fix, then plans that cannot exist, then ones that need more time, then
campaigns that only need a retry.

SIGINT or SIGTERM (first one): campaigns not yet started are cancelled; running ones in the local
pool are sent SIGTERM and finish with their best roster so far (`wfm run`'s rule); on Dask, running
campaigns are abandoned (a campaign already running on a worker may still finish and replace its
result, atomically). A second signal aborts.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from wfm.atomic import check_output, write_csv
from wfm.errors import EXIT_INTERNAL, EXIT_OK, InputError, WfmError
from wfm.lock import output_lock
from wfm.pipeline import EXIT_INTERRUPTED, campaign_name, run, signals_handled, slug
from wfm.runlog import LogFormat, RunLog
from wfm.scenario import check_solver_options, load_scenario

CAMPAIGN_COLUMNS = (
    "campaign",
    "status",
    "hours_used",
    "budget_hours",
    "projected_service_level",
    "gap",
    "seconds",
    "exit_code",
    "message",
    "scenario",
)
STATUS_BY_EXIT_CODE = {
    1: "error",
    2: "bad-input",
    3: "infeasible",
    4: "timeout",
    5: "locked",
    EXIT_INTERRUPTED: "interrupted",
}


@dataclass(frozen=True)
class Campaign:
    """One scenario of a batch, its unique name and its output folder (`error`: the scenario is unreadable)."""

    name: str
    scenario: Path
    out_dir: Path
    error: str | None = None


@dataclass(frozen=True)
class BatchResult:
    """`table` is campaigns.csv (written to `path`); `exit_code` follows the module docstring's rule."""

    table: pd.DataFrame
    path: Path
    exit_code: int
    seconds: float


def batch_exit_code(codes: Sequence[int]) -> int:
    """0 if every code is 0, else the most serious: the smallest non-zero one (module docstring)."""
    failed = [c for c in codes if c != EXIT_OK]
    return min(failed) if failed else EXIT_OK


def plan_campaigns(scenario_paths: Sequence[str | Path], out_dir: str | Path) -> list[Campaign]:
    """Name every scenario's campaign (unique) and place its output folder under `out_dir`."""
    out = Path(out_dir).resolve()
    taken: set[str] = set()
    campaigns = []
    for given in scenario_paths:
        path = Path(given).resolve()
        error = None
        try:
            base = campaign_name(load_scenario(path))
        except WfmError as exc:
            base, error = slug(path.stem) or "scenario", str(exc)
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name)
        campaigns.append(Campaign(name, path, out / name, error))
    return campaigns


def run_campaign(
    name: str, scenario: str, out_dir: str, time_limit_s: float | None, log_format: LogFormat
) -> dict[str, Any]:
    """Run one campaign (in a pool process or on a Dask worker); return its campaigns.csv row. Never raises."""
    t0 = time.perf_counter()
    row: dict[str, Any] = {"campaign": name, "scenario": scenario}
    try:
        result = run(scenario, out_dir, time_limit_s=time_limit_s, log_format=log_format, echo=False, campaign=name)
    except WfmError as exc:
        row.update(
            status=STATUS_BY_EXIT_CODE.get(exc.exit_code, "error"), exit_code=exc.exit_code, message=_one_line(str(exc))
        )
    except KeyboardInterrupt:
        row.update(status="interrupted", exit_code=EXIT_INTERRUPTED, message="aborted by a second signal")
    except Exception as exc:  # a bug: the campaign's DIR.failed.log has the traceback
        row.update(status="error", exit_code=EXIT_INTERNAL, message=f"internal error: {exc!r}")
    else:
        s = result.summary
        row.update(
            status=s["status"],
            hours_used=s["hours_used"],
            budget_hours=s["budget_hours"],
            projected_service_level=s["projected_service_level"],
            gap=s["gap"],
            exit_code=EXIT_OK,
            message="interrupted: best roster so far" if result.interrupted else "",
        )
    row["seconds"] = round(time.perf_counter() - t0, 2)
    return row


def _one_line(message: str) -> str:
    """An error's reason lines ('\n  - …') joined with '; ', for one CSV cell and one log line."""
    return re.sub(r"\s*\n\s*(?:-\s+)?", "; ", message.strip())


def _pending_row(c: Campaign) -> dict[str, Any]:
    if c.error is not None:
        return {
            "campaign": c.name,
            "status": "bad-input",
            "exit_code": 2,
            "message": _one_line(c.error),
            "seconds": 0.0,
            "scenario": str(c.scenario),
        }
    return {"campaign": c.name, "status": "pending", "message": "", "scenario": str(c.scenario)}


def _table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    table = pd.DataFrame(rows).reindex(columns=list(CAMPAIGN_COLUMNS))
    table["exit_code"] = table["exit_code"].astype("Int64")
    return table


def run_batch(
    scenario_paths: Sequence[str | Path],
    out_dir: str | Path = "out",
    *,
    workers: int | None = None,
    address: str | None = None,
    time_limit_s: float | None = None,
    log_format: LogFormat = "text",
    echo: bool = True,
    on_done: Callable[[dict[str, Any]], None] | None = None,
) -> BatchResult:
    """Run every scenario as a campaign (module docstring); write `out_dir/campaigns.csv`.

    `workers`: local pool processes (default half the cores, at least 1; not with `address`).
    `time_limit_s` overrides every scenario's solver limit. `on_done(row)` is called as each campaign
    ends. Raises `InputError` for bad options or an unreachable Dask scheduler, `LockedError` if
    another batch holds `out_dir`; a campaign's own failure is only its row.
    """
    t0 = time.perf_counter()
    if address is not None and workers is not None:
        raise InputError("--workers sets the local pool; a Dask cluster (--address) has its own workers")
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    if not scenario_paths:
        raise InputError("no scenario given")
    check_solver_options(time_limit_s)
    out = check_output(Path(out_dir).resolve(), "folder", markers=("campaigns.csv",), results_inside=True)
    log = RunLog(log_format, stream=sys.stderr if echo else None)
    campaigns = plan_campaigns(scenario_paths, out)
    rows = {c.name: _pending_row(c) for c in campaigns}
    path = out / "campaigns.csv"
    cancelled = threading.Event()

    def finished(row: dict[str, Any]) -> None:
        rows[row["campaign"]] = row
        write_csv(path, _table(list(rows.values())), float_format="%.6g")
        level = log.info if row["exit_code"] == EXIT_OK else log.warning
        level(
            "campaign",
            f"{row['campaign']}: {row['status']}" + (f" — {row['message']}" if row["message"] else ""),
            exit_code=int(row["exit_code"]),
            seconds=row["seconds"],
        )
        if on_done is not None:
            on_done(row)

    with output_lock(out, on_stale=lambda line: log.warning("lock", line)):
        write_csv(path, _table(list(rows.values())), float_format="%.6g")
        for c in campaigns:
            if c.error is not None:
                finished(rows[c.name])
        todo = [c for c in campaigns if c.error is None]
        where = f"Dask scheduler {address}" if address else f"{_pool_size(workers, len(todo))} local process(es)"
        log.info("batch", f"{len(campaigns)} campaign(s) → {out}, on {where}", campaigns=len(campaigns))
        args = {c.name: (c.name, str(c.scenario), str(c.out_dir), time_limit_s, log_format) for c in todo}
        if todo and address is not None:
            _run_dask(address, args, finished, cancelled, log)
        elif todo:
            _run_local(_pool_size(workers, len(todo)), args, finished, cancelled, log)
        for row in list(rows.values()):  # left unstarted by a signal
            if row["status"] == "pending":
                finished(
                    {
                        **row,
                        "status": "cancelled",
                        "exit_code": EXIT_INTERRUPTED,
                        "seconds": 0.0,
                        "message": "cancelled by a signal before it started",
                    }
                )
    table = _table(list(rows.values()))
    code = batch_exit_code([int(c) for c in table["exit_code"]])
    seconds = time.perf_counter() - t0
    failed = int((table["exit_code"] != EXIT_OK).sum())
    log.info(
        "done",
        f"{len(table) - failed} of {len(table)} campaign(s) succeeded; wrote {path}",
        exit_code=code,
        seconds=round(seconds, 2),
    )
    return BatchResult(table, path, code, seconds)


def _pool_size(workers: int | None, campaigns: int) -> int:
    default = max(1, (os.cpu_count() or 1) // 2)
    return max(1, min(workers or default, campaigns))


def _ignore_signals() -> None:
    """Pool processes ignore SIGINT/SIGTERM while idle: the parent decides (`wfm run` handles them while running)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _run_local(
    size: int,
    args: dict[str, tuple],
    finished: Callable[[dict[str, Any]], None],
    cancelled: threading.Event,
    log: RunLog,
) -> None:
    context = multiprocessing.get_context("spawn")  # no fork of a process that may hold threads
    with ProcessPoolExecutor(max_workers=size, mp_context=context, initializer=_ignore_signals) as pool:
        futures = {pool.submit(run_campaign, *a): name for name, a in args.items()}

        def on_signal() -> None:
            for f in futures:
                f.cancel()
            for child in multiprocessing.active_children():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.pid, signal.SIGTERM)  # type: ignore[arg-type]

        with _on_signals(cancelled, on_signal, log):
            for future in as_completed(futures):
                if future.cancelled():
                    continue
                try:
                    row = future.result()
                except Exception as exc:  # the process died (killed, out of memory, crashed)
                    row = _lost(args[futures[future]], f"the campaign's process died: {exc!r}")
                finished(row)


@contextlib.contextmanager
def dask_client(address: str) -> Iterator[Any]:
    """A client of the Dask scheduler at `address` (`InputError` when Dask is missing or unreachable).
    The cluster runs the pickled code it is sent: give it only a scheduler you trust."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise InputError("--address needs Dask: pip install 'wfm[dask]'") from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise InputError(
            f"cannot reach the Dask scheduler at {address}: {exc}",
            hint="check --address tcp://HOST:PORT and that the scheduler runs",
        ) from None
    with client:
        yield client


def _run_dask(
    address: str,
    args: dict[str, tuple],
    finished: Callable[[dict[str, Any]], None],
    cancelled: threading.Event,
    log: RunLog,
) -> None:
    with dask_client(address) as client:
        from dask.distributed import as_completed as dask_completed

        futures = {
            client.submit(run_campaign, *a, pure=False, key=f"wfm-batch-{name}-{uuid.uuid4().hex}"): name
            for name, a in args.items()
        }
        with _on_signals(cancelled, lambda: client.cancel(list(futures)), log):
            for future in dask_completed(list(futures)):
                if future.cancelled():
                    continue
                try:
                    row = future.result()
                except Exception as exc:  # the worker died, or could not run the task
                    row = _lost(args[futures[future]], f"the campaign's Dask task failed: {exc!r}")
                finished(row)


def _lost(a: tuple, message: str) -> dict[str, Any]:
    name, scenario = a[0], a[1]
    return {
        "campaign": name,
        "scenario": scenario,
        "status": "error",
        "exit_code": EXIT_INTERNAL,
        "message": message,
        "seconds": None,
    }


@contextlib.contextmanager
def _on_signals(cancelled: threading.Event, act: Callable[[], None], log: RunLog) -> Iterator[None]:
    """First SIGINT/SIGTERM: set `cancelled`, `act()` (cancel, forward); second: abort."""

    def on_first(name: str) -> None:
        cancelled.set()
        log.warning(
            "signal",
            f"{name}: cancelling campaigns not started; running ones finish with their "
            "best roster so far (send it again to abort)",
        )
        act()

    with signals_handled(on_first):
        yield
