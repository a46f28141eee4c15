"""`wfm run`: the whole plan from one scenario — forecast, requirements, schedule, report — safe for cron.

Where the chain starts (the scenario's `[inputs]`; the first one set wins):
1. `requirements` — the requirements file is scheduled as it is (copied into the result);
2. `forecast` — requirements are computed from it with the scenario's `[service]` targets;
3. `history` — the horizon is forecast from it first (`wfm.forecasting.forecast`, method `auto`,
   the horizon's interval length, upper quantile P80 written as `contacts_p80`), then as 2.
An explicit requirements file thus wins over a forecast, which wins over history. Every file the
scenario names must exist, whether used or not: all are checked before any work starts.

The result folder DIR holds `forecast.csv` (when the chain forecast), `requirements.csv`,
`roster.csv`, `coverage.csv`, `summary.json`, `report.html`, and `run.log`.
`summary.json` is the schedule's (status, objective, bound, gap, hours, service level, parameters,
versions, input checksums — with the history's or forecast's checksum added) plus a `run` table:
where the chain started, its input files, the forecast's method per queue, and seconds per stage;
and a `campaign` table (`wfm.campaign`: name, time zone, service-level targets, operating hours)
that `wfm report` and `wfm export` read.

Cron safety:
- DIR appears whole or not at all: the run builds a temporary sibling `.DIR.new-*` and swaps it in
  (`wfm.atomic.atomic_directory`); until then the previous result stays, also if the run is killed;
- DIR only ever holds a roster that keeps every hard rule: a run that ends with rule violations
  (schedule status `timeout`, exit 4), an infeasible scenario (3), bad input (2) or a bug (1) keeps
  the previous result and leaves its log beside it as `DIR.failed.log` (removed by the next success);
- `DIR.lock` keeps two runs off one DIR (`wfm.lock`); a stale lock of a dead run is cleared, with
  whatever that run left behind, and said so in the log;
- SIGINT or SIGTERM (first one) stops the solver, which finishes fast with the best roster so far:
  `summary.json` says `"interrupted": true` and the exit code is 0 (4 if that roster breaks a rule).
  A signal before the schedule stage stops the run there (`RunInterrupted`, exit 130, previous
  result kept); a second signal aborts at once (exit 130).
- DIR must be new, empty, or a previous wfm result (it has `summary.json`): replacing it deletes
  the old contents, so any other folder is refused.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import re
import shutil
import signal
import sys
import threading
import time
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wfm.atomic import atomic_directory, atomic_path, check_output, recover_directory, write_csv
from wfm.campaign import campaign_of
from wfm.errors import InputError, SolverTimeout, WfmError, WfmWarning
from wfm.lock import output_lock
from wfm.runlog import LogFormat, RunLog
from wfm.scenario import Scenario, check_solver_options, load_scenario
from wfm.schedule import write_schedule_files

START_ORDER = ("requirements", "forecast", "history")  # the first one set in [inputs] wins
INPUT_KEYS = ("requirements", "forecast", "history", "agents", "unavailability", "preferences")
FORECAST_QUANTILE = 0.8
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


class RunInterrupted(WfmError):
    """A signal arrived before the schedule stage: the run stopped, the previous result is kept."""

    exit_code = EXIT_INTERRUPTED


@dataclass(frozen=True)
class RunPlan:
    """A validated scenario, the input the chain starts from, and its file."""

    scenario: Scenario
    start: str  # "requirements", "forecast" or "history"
    inputs: dict[str, Path]  # every [inputs] key set, resolved against the scenario's folder

    @property
    def source(self) -> Path:
        return self.inputs[self.start]


@dataclass(frozen=True)
class RunResult:
    """A finished run: where its result is, the schedule's status and summary, wall seconds."""

    out_dir: Path
    started_from: str
    status: str  # the schedule's: "optimal" or "feasible"
    interrupted: bool
    summary: dict[str, Any]
    files: tuple[str, ...]
    seconds: float


def plan_run(scenario_path: str | Path) -> RunPlan:
    """Read the scenario; check every input file it names exists; choose where the chain starts.

    Raises `InputError` naming the scenario file and the `[inputs]` key.
    """
    sc = load_scenario(scenario_path)
    inputs = {key: sc.input_path(key) for key in INPUT_KEYS if sc.input_path(key) is not None}
    for key, path in inputs.items():
        if not path.is_file():
            given = getattr(sc.config.inputs, key)
            raise InputError(
                f"key 'inputs.{key}': file '{given}' not found (looked for {path})",
                path=sc.path,
                hint="paths are relative to the scenario's folder",
            )
    if "agents" not in inputs:
        raise InputError("key 'inputs.agents' is not set: the run needs agents.csv", path=sc.path)
    start = next((key for key in START_ORDER if key in inputs), None)
    if start is None:
        raise InputError(
            "none of the keys 'inputs.requirements', 'inputs.forecast', 'inputs.history' is set: "
            "the run needs one of them to start from",
            path=sc.path,
        )
    return RunPlan(sc, start, inputs)


def campaign_name(scenario: Scenario) -> str:
    """A folder-safe name: the slug of the scenario's `name` if it sets one, else its file's stem."""
    text = scenario.config.name if "name" in scenario.config.model_fields_set else scenario.path.stem
    return slug(text) or slug(scenario.path.stem) or "scenario"


def slug(text: str) -> str:
    """Lower-case ASCII letters, digits and single dashes: 'Campaña ES — junio 2027' → 'campana-es-junio-2027'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def default_out_dir(scenario: Scenario) -> Path:
    """`out/<campaign_name>`, relative to the current folder."""
    return Path("out") / campaign_name(scenario)


def run(
    scenario_path: str | Path,
    out_dir: str | Path | None = None,
    *,
    time_limit_s: float | None = None,
    workers: int | None = None,
    seed: int | None = None,
    log_format: LogFormat = "text",
    stop: threading.Event | None = None,
    echo: bool = True,
    campaign: str | None = None,
) -> RunResult:
    """Run the whole chain (module docstring) from `scenario_path` into `out_dir`, atomically.

    `out_dir` defaults to `out/<campaign>` (`default_out_dir`) in the current folder.

    `time_limit_s` (wall seconds of the schedule stage), `workers` (CP-SAT threads) and `seed`
    override the scenario's `[solver]`. `stop`, when set (the SIGINT/SIGTERM handlers installed here
    in the main thread set it too), makes the solver finish fast with its best roster so far.
    `echo` logs to stderr as well as `run.log`; `campaign` tags every record (batch).
    Raises `InputError` (2), `InfeasibleError` (3), `SolverTimeout` (4), `LockedError` (5) or
    `RunInterrupted` (130); on any error the previous result in `out_dir` is untouched.
    """
    t0 = time.perf_counter()
    log = RunLog(log_format, stream=sys.stderr if echo else None, campaign=campaign)
    stop = threading.Event() if stop is None else stop

    def on_signal(name: str) -> None:
        stop.set()
        log.warning("signal", f"{name}: stopping with the best roster so far (send it again to abort)")

    with signals_handled(on_signal):
        try:
            check_solver_options(time_limit_s, workers, seed)
            plan = plan_run(scenario_path)
            out = Path(out_dir if out_dir is not None else default_out_dir(plan.scenario)).resolve()
            check_output(out, "folder")  # before the lock file is created beside it
            failed_log = out.parent / f"{out.name}.failed.log"
            log.info(
                "start",
                f"scenario {plan.scenario.path}: chain starts from {plan.start} ({plan.source.name}); result → {out}",
            )
            with output_lock(out, on_stale=lambda line: log.warning("lock", line)) as held:
                for action in recover_directory(out):  # what a killed run left (we hold the lock)
                    log.warning("lock", action)
                check_output(out, "folder")  # again under the lock: another run may have changed it
                log.info("lock", f"holding {out.name}.lock", pid=held.pid)
                with atomic_directory(out) as work:
                    log.attach(work / "run.log")
                    try:
                        with warnings_logged(log):
                            summary = _chain(
                                plan, work, log, stop, time_limit_s=time_limit_s, workers=workers, seed=seed
                            )
                        log.info(
                            "done",
                            "result complete; replacing the previous one",
                            seconds=round(time.perf_counter() - t0, 3),
                        )
                    except BaseException as exc:
                        _log_failure(log, exc)
                        kept = log.detach()
                        if kept is not None and kept.exists():
                            with atomic_path(failed_log) as tmp:
                                shutil.copyfile(kept, tmp)
                        raise
                    log.detach()
                    files = tuple(sorted(p.name for p in work.iterdir()))
        except WfmError as exc:
            if log.format == "json":  # a record for log collectors (the CLI then prints nothing more)
                log.error("error", str(exc), exit_code=exc.exit_code)
            raise
    with contextlib.suppress(FileNotFoundError):
        failed_log.unlink()
    seconds = time.perf_counter() - t0
    log.info("done", f"wrote {out}", seconds=round(seconds, 3))
    return RunResult(out, plan.start, summary["status"], bool(summary["interrupted"]), summary, files, seconds)


@contextlib.contextmanager
def warnings_logged(log: RunLog) -> Iterator[None]:
    """While the block runs, each `WfmWarning` (an input to look at) becomes a `warning` record of the
    run's log (stderr and run.log, text or JSON) instead of a line of Python's warning format."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", WfmWarning)
        shown = warnings.showwarning

        def show(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
            if issubclass(category, WfmWarning):
                log.warning("input", str(message))
            else:
                shown(message, category, *args, **kwargs)

        warnings.showwarning = show
        yield


def _log_failure(log: RunLog, exc: BaseException) -> None:
    if isinstance(exc, WfmError):
        log.error("error", f"{exc}; the previous result is kept", echo=False, exit_code=exc.exit_code)
    elif isinstance(exc, KeyboardInterrupt):
        log.error("error", "aborted by a second signal; the previous result is kept", echo=False)
    else:
        import traceback

        log.error("error", "internal error: " + "".join(traceback.format_exception(exc)).rstrip(), echo=False)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _chain(
    plan: RunPlan,
    work: Path,
    log: RunLog,
    stop: threading.Event,
    *,
    time_limit_s: float | None,
    workers: int | None,
    seed: int | None,
) -> dict[str, Any]:
    """Forecast, requirements, schedule and report into `work`; return the summary written."""
    from wfm.frontier.estimate import target_entry
    from wfm.report import write_report

    stage_s: dict[str, float] = {}
    run_info: dict[str, Any] = {"started_from": plan.start, "inputs": {k: str(p) for k, p in plan.inputs.items()}}
    forecast_path = plan.inputs.get("forecast")
    if plan.start == "history":
        forecast_path = _forecast_stage(plan, work, log, run_info, stage_s)
        _check_stop(stop, "forecast")
    requirements_path = _requirements_stage(plan, work, log, forecast_path, stage_s)
    _check_stop(stop, "requirements")
    result, inputs = _schedule_stage(plan, requirements_path, log, stop, stage_s, time_limit_s, workers, seed)
    s = result.summary
    s = {**s, "target": target_entry(plan.scenario.config, s, result.report.coverage, inputs.requirements)}
    checksums = dict(s["input_checksums"])
    if plan.start != "requirements":
        checksums[plan.start] = _sha256(plan.source)
    t = time.perf_counter()
    run_info["stage_seconds"] = {k: round(v, 3) for k, v in stage_s.items()}
    queues = sorted({str(q) for q in inputs.requirements["queue"].unique()})
    campaign = campaign_of(plan.scenario, queues).model_dump(exclude_none=True)
    summary = {**s, "input_checksums": checksums, "run": run_info, "campaign": campaign}
    write_schedule_files(work, dataclasses.replace(result, summary=summary))
    log.info("report", "writing report.html")
    files = write_report(work)
    log.info("report", f"report.html and {files.charts} chart(s)", seconds=round(time.perf_counter() - t, 3))
    return summary


def _forecast_stage(
    plan: RunPlan, work: Path, log: RunLog, run_info: dict[str, Any], stage_s: dict[str, float]
) -> Path:
    """Forecast the horizon from the history into `work`/forecast.csv; its path."""
    cfg = plan.scenario.config
    t = time.perf_counter()
    log.info("forecast", f"forecasting {cfg.horizon.days} days from {cfg.horizon.start} out of {plan.source.name}")
    result = _forecast(plan)
    forecast_path = work / "forecast.csv"
    write_csv(forecast_path, result.table)
    run_info["forecast"] = {
        "method": {c.queue: c.method for c in result.choices},
        "backtest_wape": {c.queue: c.backtest_wape for c in result.choices},
        "quantile": FORECAST_QUANTILE,
    }
    stage_s["forecast"] = time.perf_counter() - t
    for c in result.choices:
        contacts = round(float(result.table.loc[result.table["queue"] == c.queue, "contacts"].sum()), 1)
        log.info("forecast", f"queue {c.queue}: method {c.method}", backtest_wape=c.backtest_wape, contacts=contacts)
    return forecast_path


def _requirements_stage(
    plan: RunPlan, work: Path, log: RunLog, forecast_path: Path | None, stage_s: dict[str, float]
) -> Path:
    """`work`/requirements.csv: the given file, or computed from the forecast; its path."""
    from wfm.requirements import compute_requirements, read_forecast, write_requirements

    requirements_path = work / "requirements.csv"
    t = time.perf_counter()
    if plan.start == "requirements":
        shutil.copyfile(plan.source, requirements_path)
        log.info("requirements", f"using {plan.source} as given")
    else:
        assert forecast_path is not None
        log.info("requirements", f"computing from {forecast_path.name} with the scenario's [service] targets")
        frame = read_forecast(forecast_path)
        try:
            requirements = compute_requirements(frame, plan.scenario.config.service)
        except InputError as exc:
            exc.path = exc.path or str(forecast_path)
            raise
        write_requirements(requirements_path, requirements)
        hours = float(requirements["required_agents"].sum()) * int(requirements.attrs["interval_min"]) / 60
        log.info(
            "requirements",
            "required agents per interval computed",
            rows=len(requirements),
            required_agent_hours=round(hours, 2),
        )
    stage_s["requirements"] = time.perf_counter() - t
    return requirements_path


def _schedule_stage(
    plan: RunPlan,
    requirements_path: Path,
    log: RunLog,
    stop: threading.Event,
    stage_s: dict[str, float],
    time_limit_s: float | None,
    workers: int | None,
    seed: int | None,
) -> tuple[Any, Any]:
    """Solve the roster (progress into the log); `SolverTimeout` when no roster keeps every rule."""
    from wfm.schedule import ScheduleOptions, load_inputs, solve_schedule

    t = time.perf_counter()
    log.info("schedule", "solving")
    inputs = load_inputs(plan.scenario.path, requirements=requirements_path)
    options = ScheduleOptions(time_limit_s=time_limit_s, workers=workers, seed=seed, stop=stop)

    def progress(event: Any) -> None:
        numbers = {
            "elapsed_s": round(event.elapsed_s, 3),
            "objective": event.objective,
            "bound": event.bound,
            "gap": event.gap,
        }
        # per-week assignment lines go to run.log only; the terminal gets the stage milestones
        log.log(
            logging.INFO,
            "schedule",
            f"{event.stage}: {event.message}".rstrip(": "),
            echo=event.stage != "assign",
            **{k: v for k, v in numbers.items() if v is not None},
        )

    result = solve_schedule(inputs, options, progress)
    stage_s["schedule"] = time.perf_counter() - t
    s = result.summary
    if s["status"] == "timeout":
        for v in s["violations"][:10]:
            where = " ".join(str(v[k]) for k in ("agent_id", "date") if v.get(k) not in (None, "*"))
            log.warning("schedule", f"rule {v.get('rule')}: " + (f"{where}: " if where else "") + str(v.get("detail")))
        raise SolverTimeout(
            f"no roster that keeps every rule was found within the time limit ({len(s['violations'])} "
            "violation(s)); the previous result is kept",
            hint="raise --time-limit-s or relax the rules named in the log",
        )
    log.info(
        "schedule",
        f"status {s['status']}" + (" (interrupted: best roster so far)" if s["interrupted"] else ""),
        objective=s["objective"],
        gap=s["gap"],
        hours_used=s["hours_used"],
        budget_hours=s["budget_hours"],
        projected_service_level=s["projected_service_level"],
    )
    return result, inputs


def _forecast(plan: RunPlan) -> Any:
    from wfm.forecasting import forecast, read_history

    h = plan.scenario.config.horizon
    try:
        return forecast(
            read_history(plan.source), h.start, h.days, interval_min=h.interval_min, quantile=FORECAST_QUANTILE
        )
    except InputError as exc:
        raise InputError(
            f"forecast of the horizon ([horizon] start {h.start}, {h.days} days): {exc.message}",
            path=exc.path or plan.source,
            row=exc.row,
            column=exc.column,
            hint=exc.hint,
        ) from None


def _check_stop(stop: threading.Event, after: str) -> None:
    if stop.is_set():
        raise RunInterrupted(
            f"interrupted after the {after} stage, before a roster existed; the previous result is kept"
        )


@contextlib.contextmanager
def signals_handled(on_first: Callable[[str], None]) -> Iterator[None]:
    """While the block runs, the first SIGINT/SIGTERM calls `on_first(signal name)` and a second one
    raises `KeyboardInterrupt`; the previous handlers are restored afterwards.

    Only the main thread may install handlers: elsewhere (a Dask worker thread) nothing is installed.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    seen = threading.Event()

    def handler(signum: int, frame: Any) -> None:
        if seen.is_set():
            raise KeyboardInterrupt
        seen.set()
        on_first(signal.Signals(signum).name)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
