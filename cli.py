"""The `wfm` command: each command parses its options, calls the `wfm` library and formats the result.

Errors raised by the library (`wfm.errors`) become one message on stderr and the documented exit
code; no traceback is shown for a user mistake.
"""

from __future__ import annotations

import functools
import json
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from wfm.errors import EXIT_INTERNAL, WfmError, WfmWarning

if TYPE_CHECKING:
    from wfm.schedule.options import Progress

app = typer.Typer(
    name="wfm",
    help="Workforce-management scheduling for contact centers: forecast, requirements, schedule, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts are plain: "[service]" and "wfm[dask]" keep their brackets
)

F = TypeVar("F", bound=Callable[..., Any])


# --- progress of a long solve: shown live (rich), as JSON lines, or not at all ----------------------
# (the library reports `wfm.schedule.Progress` events through a callback; showing them is the CLI's job)


def _progress_line(event: Progress) -> str:
    parts = [f"{event.elapsed_s:6.1f}s", f"{event.stage:<9}"]
    if event.objective is not None:
        parts.append(f"objective {event.objective:,.2f}")
    if event.bound is not None:
        parts.append(f"bound {event.bound:,.2f}")
    if event.gap is not None:
        parts.append(f"gap {event.gap:.2%}")
    if event.message:
        parts.append(event.message)
    return "  ".join(parts)


@contextmanager
def progress_reporter(mode: str) -> Iterator[Callable[[Progress], None] | None]:
    """Yield the callback to pass to the solver: rich status on stderr, JSON lines on stdout, or None."""
    if mode == "quiet":
        yield None
        return
    if mode == "json":

        def emit_json(event: Progress) -> None:
            record = {
                "event": "progress",
                "stage": event.stage,
                "elapsed_s": round(event.elapsed_s, 3),
                "objective": event.objective,
                "bound": event.bound,
                "gap": event.gap,
                "message": event.message,
            }
            sys.stdout.write(json.dumps(record) + "\n")
            sys.stdout.flush()

        yield emit_json
        return
    from rich.console import Console

    console = Console(stderr=True)
    with console.status("solving…") as status:

        def emit_live(event: Progress) -> None:
            text = _progress_line(event)
            if event.stage != "assign":
                console.print(text, highlight=False)
            status.update(text)

        yield emit_live


def handle_errors(func: F) -> F:
    """Turn a `WfmError` into one line on stderr and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", WfmWarning)
                warnings.showwarning = _show_warning
                return func(*args, **kwargs)
        except WfmError as exc:
            typer.echo(f"wfm: error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("wfm: interrupted", err=True)
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug: say so, keep the traceback for the report
            import traceback

            traceback.print_exc(file=sys.stderr)
            typer.echo(f"wfm: internal error: {exc!r} (please report this)", err=True)
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper  # type: ignore[return-value]


def _show_warning(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    if issubclass(category, WfmWarning):
        typer.echo(f"wfm: warning: {message}", err=True)
    else:
        typer.echo(warnings.formatwarning(message, category, *args[:2]).rstrip(), err=True)


def _print_version(value: bool) -> None:
    if value:
        from wfm import __version__

        typer.echo(f"wfm {__version__}")
        raise typer.Exit()


def _terminated(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # handle_errors: "wfm: interrupted", exit 130 (not the default 143)


@app.callback()
def main(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Workforce-management scheduling for contact centers: forecast, requirements, schedule, report."""
    import signal
    import threading

    # `wfm run` and `wfm batch` document 130 for a signal: until they install their own handlers (which
    # stop the solver gracefully), SIGTERM during start-up is an interruption, not the default 143
    if ctx.invoked_subcommand in ("run", "batch") and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)


# --- commands ---------------------------------------------------------------------------------
# Each command below is a thin wrapper: parse, call wfm, format. Keep one block per command.


@app.command("forecast")
@handle_errors
def forecast_command(
    history: Annotated[Path, typer.Argument(help="history.csv: contacts and handle time per interval.")],
    start: Annotated[str | None, typer.Option(help="First day to forecast, YYYY-MM-DD.")] = None,
    days: Annotated[
        int | None, typer.Option(help="Days to forecast (with --backtest-weeks: days per window, default 7).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="forecast.csv to write (backtest: metrics CSV).")] = None,
    method: Annotated[str, typer.Option(help="seasonal-naive, profile, ets, or auto (per queue).")] = "auto",
    interval_min: Annotated[
        int | None, typer.Option(help="Output interval length, minutes: 5, 15, 30, 60 (default: history's).")
    ] = None,
    country: Annotated[str | None, typer.Option(help="Country code for public holidays, e.g. ES.")] = None,
    special_days: Annotated[Path | None, typer.Option(help="CSV of date,label,effect.")] = None,
    quantile: Annotated[float, typer.Option(help="Upper quantile, written as contacts_pNN.")] = 0.8,
    chart: Annotated[Path | None, typer.Option(help="PNG chart of history, forecast and upper band.")] = None,
    backtest_weeks: Annotated[
        int | None, typer.Option(help="Backtest the last W weeks (rolling origin) instead of forecasting.")
    ] = None,
    actuals: Annotated[
        Path | None,
        typer.Option(help="Today's actuals so far (history.csv format): re-forecast the rest of the day."),
    ] = None,
) -> None:
    """Forecast contacts and handle time per interval from history, or backtest the methods.

    With --actuals, intervals before now carry the actuals and the rest of today is scaled by how
    today has run so far (column source = actual|forecast).
    """
    from wfm.errors import InputError
    from wfm.forecasting import BacktestPlan, backtest_file, forecast_file

    options = {"method": method, "country": country, "special_days": special_days}
    if backtest_weeks is not None:
        given = {"--start": start, "--interval-min": interval_min, "--chart": chart, "--actuals": actuals}
        unused = [name for name, value in given.items() if value is not None]
        if unused:
            raise InputError(f"{', '.join(unused)} not used with --backtest-weeks")
        plan = BacktestPlan(windows=backtest_weeks, horizon_days=days or 7)
        table = backtest_file(history, plan, out=out, **options)
        where = f" → {out}" if out else ""
        typer.echo(f"wfm forecast: backtest, {plan.windows} window(s) of {plan.horizon_days} days{where}")
        typer.echo(_backtest_summary(table))
        return
    needed = {"--start": start, "--days": days, "--out": out}
    missing = [name for name, value in needed.items() if value is None]
    if missing:
        raise InputError(
            f"missing option(s): {', '.join(missing)}", hint="or give --backtest-weeks W to backtest instead"
        )
    result = forecast_file(
        history,
        out,
        start,
        days,
        chart=chart,
        actuals=actuals,
        interval_min=interval_min,
        quantile=quantile,
        **options,
    )
    where = f" → {out}" + (f", chart → {chart}" if chart else "")
    now = "" if result.now is None else f", actuals to {result.now}"
    typer.echo(f"wfm forecast: {days} days from {start}{now}, {len(result.table)} open intervals{where}")
    typer.echo(_forecast_summary(result.summary()))


def _percent(value: float) -> str:
    return "-" if value != value else f"{value:.1%}"  # NaN: not backtested


def _forecast_summary(summary: Any) -> str:
    shown = summary.copy()
    factors = {"contacts_factor": "× contacts", "aht_factor": "× AHT"}
    for column in [c for c in shown.columns if c.startswith("contacts") and c not in factors]:
        shown[column] = shown[column].map("{:,.1f}".format)
    for column in [c for c in ("actual_contacts", "forecast_contacts") if c in shown]:
        shown[column] = shown[column].map("{:,.1f}".format)
    for column in [c for c in factors if c in shown]:
        shown[column] = shown[column].map("{:.3f}".format)
    for column in ("backtest_wape", "naive_wape"):
        shown[column] = shown[column].map(_percent)
    names = {
        "backtest_wape": "backtest WAPE",
        "naive_wape": "seasonal-naive WAPE",
        "actual_contacts": "today so far",
        "forecast_contacts": "forecast so far",
        **factors,
    }
    return shown.rename(columns=names).to_string(index=False)


def _backtest_summary(table: Any) -> str:
    pooled = table[table["cutoff"] == "all"].set_index(["queue", "method", "level"])
    interval = pooled.xs("interval", level="level")
    daily = pooled.xs("daily", level="level")
    shown = interval[[]].copy()
    shown["interval WAPE"] = interval["wape"].map(_percent)
    shown["daily WAPE"] = daily["wape"].map(_percent)
    shown["interval MAPE"] = interval["mape"].map(_percent)
    shown["bias"] = interval["bias"].map(lambda v: "-" if v != v else f"{v:+.1%}")
    shown["WAPE / naive"] = interval["relative_wape"].map(lambda v: "-" if v != v else f"{v:.2f}")
    return shown.reset_index().to_string(index=False)


@app.command("kpi")
@handle_errors
def kpi_command(
    contacts: Annotated[Path, typer.Argument(help="Contact log CSV: one row per contact.")],
    out: Annotated[Path, typer.Option(help="Folder for kpi_*.csv and kpi.html (other files are kept).")],
    states: Annotated[Path | None, typer.Option(help="Agent state log CSV: agent_id,state,start,end,reason.")] = None,
    roster: Annotated[
        Path | None, typer.Option(help="roster.csv to measure adherence against (needs --states).")
    ] = None,
    scenario: Annotated[Path | None, typer.Option(help="Scenario TOML whose [contract] table is judged.")] = None,
    answer_time_s: Annotated[
        float | None, typer.Option(help="Service-level answer time T, seconds (default: contract's or 20).")
    ] = None,
    short_abandon_s: Annotated[
        float | None, typer.Option(help="Abandons after a shorter wait are short abandons, s (default 5).")
    ] = None,
    interval_min: Annotated[int, typer.Option(help="Interval of kpi_interval.csv, minutes: 5, 10, 15, 30, 60.")] = 15,
) -> None:
    """Contract KPIs per interval, day and month from a contact log (and state log, roster, contract)."""
    from wfm.kpi import run_kpi

    run = run_kpi(
        contacts,
        out,
        states_path=states,
        roster_path=roster,
        scenario_path=scenario,
        answer_time_s=answer_time_s,
        short_abandon_s=short_abandon_s,
        interval_min=interval_min,
    )
    typer.echo(f"wfm kpi: {len(run.written)} files → {out}")
    typer.echo(_kpi_summary(run))


def _kpi_summary(run: Any) -> str:
    o = run.tables.options
    monthly = run.tables.monthly
    columns = ["month", "queue", "offered", "service_level", "asa_seconds", "abandon_rate", "aht_seconds"]
    shown = monthly[columns]
    shown = shown.assign(
        service_level=shown["service_level"].map(_percent),
        abandon_rate=shown["abandon_rate"].map(_percent),
        asa_seconds=shown["asa_seconds"].map(lambda v: "-" if v != v else f"{v:.1f}"),
        aht_seconds=shown["aht_seconds"].map(lambda v: "-" if v != v else f"{v:.0f}"),
    ).rename(
        columns={
            "service_level": f"SL {o.answer_time_s:g}s",
            "asa_seconds": "ASA s",
            "abandon_rate": "abandoned",
            "aht_seconds": "AHT s",
        }
    )
    text = shown.to_string(index=False)
    if run.tables.contract is not None:
        c = run.tables.contract
        text += f"\ncontract: {int((c['result'] == 'pass').sum())} of {len(c)} targets met"
        for row in c[c["result"] != "pass"].itertuples(index=False):
            actual = "no data" if row.actual != row.actual else f"{row.actual:.4g}"
            target = f"{row.comparison} {row.target:g}"
            text += f"\n  {row.result}: {row.month} {row.measure} {actual} (target {target})"
    return text


@app.command("report")
@handle_errors
def report_command(
    outdir: Annotated[Path, typer.Argument(help="Output folder of `wfm schedule` (roster, coverage, summary).")],
    day: Annotated[
        str | None, typer.Option(help="Day of the day chart, YYYY-MM-DD (default: the most under-staffed).")
    ] = None,
    max_agents: Annotated[
        int, typer.Option(help="Gantt rows at most; bigger rosters show one day's first N agents.")
    ] = 50,
    scenario: Annotated[
        Path | None, typer.Option(help="Scenario TOML for the campaign's name and targets (default: summary.json's).")
    ] = None,
) -> None:
    """One self-contained report.html, with alerts and inline charts, from a schedule output folder."""
    import datetime as dt

    from wfm.errors import InputError
    from wfm.report import write_report
    from wfm.scenario import load_scenario

    try:
        chosen = dt.date.fromisoformat(day) if day is not None else None
    except ValueError:
        raise InputError(f"--day expects a date YYYY-MM-DD, got '{day}'") from None
    sc = load_scenario(scenario) if scenario is not None else None
    files = write_report(outdir, day=chosen, max_agents=max_agents, scenario=sc)
    typer.echo(f"wfm report: {files.html} ({files.charts} charts; day shown {files.day:%Y-%m-%d})")


@app.command("export")
@handle_errors
def export_command(
    result_dir: Annotated[Path, typer.Argument(help="Result folder of `wfm run` or `wfm schedule` (roster.csv).")],
    to: Annotated[Path, typer.Option(help="Folder to write, new or an earlier export (replaced whole).")],
    format: Annotated[
        str, typer.Option("--format", help="ics (a calendar per agent), csv (a file per agent) or xlsx (a workbook).")
    ],
    scenario: Annotated[
        Path | None, typer.Option(help="Scenario TOML for the time zone (default: summary.json's campaign).")
    ] = None,
) -> None:
    """Each agent's shifts as calendars (ics), CSV files, or one Excel workbook (a sheet per week)."""
    from wfm.export import export_result
    from wfm.scenario import load_scenario

    sc = load_scenario(scenario) if scenario is not None else None
    result = export_result(result_dir, to, format, scenario=sc)
    typer.echo(
        f"wfm export: {result.shifts:,} shifts of {result.agents:,} agents → {result.folder} "
        f"({len(result.files):,} {result.format} file(s))"
    )


@app.command("requirements")
@handle_errors
def requirements_command(
    forecast: Annotated[Path, typer.Argument(help="forecast.csv: contacts and handle time per interval.")],
    out: Annotated[Path, typer.Option(help="requirements.csv to write.")],
    scenario: Annotated[
        Path | None, typer.Option(help="Scenario TOML; only its [service] table (targets per queue) is read.")
    ] = None,
    service_level: Annotated[float | None, typer.Option(help="Share answered in time, (0, 1] (0.8).")] = None,
    answer_time_s: Annotated[float | None, typer.Option(help="Answer time target, seconds (20).")] = None,
    max_occupancy: Annotated[float | None, typer.Option(help="Maximum occupancy, (0, 1] (0.85).")] = None,
    shrinkage: Annotated[float | None, typer.Option(help="Share of paid time off, [0, 1) (0.3).")] = None,
    max_asa_s: Annotated[float | None, typer.Option(help="Maximum average speed of answer, seconds.")] = None,
    model: Annotated[str | None, typer.Option(help="erlang-c or erlang-a (erlang-c).")] = None,
    patience_s: Annotated[float | None, typer.Option(help="Mean patience for erlang-a, seconds.")] = None,
    max_abandon_rate: Annotated[float | None, typer.Option(help="Maximum abandon rate, erlang-a.")] = None,
    channel: Annotated[str | None, typer.Option(help="voice, chat or email (voice).")] = None,
    concurrency: Annotated[int | None, typer.Option(help="Chats per agent; > 1 implies chat (1).")] = None,
    response_time_h: Annotated[float | None, typer.Option(help="Email response time target, hours.")] = None,
    min_agents: Annotated[int | None, typer.Option(help="Minimum scheduled agents while open (0).")] = None,
    quantile: Annotated[
        float | None, typer.Option(help="Staff to this forecast quantile: 0.8 reads column contacts_p80.")
    ] = None,
) -> None:
    """Agents required per interval to meet the service targets (Erlang C / Erlang A)."""
    from wfm.requirements import make_requirements
    from wfm.service_config import ServiceConfig, load_service_config, targets_from_options

    config = load_service_config(scenario) if scenario is not None else ServiceConfig()
    config = targets_from_options(
        config,
        service_level=service_level,
        answer_time_s=answer_time_s,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
        max_asa_s=max_asa_s,
        model=model,
        patience_s=patience_s,
        max_abandon_rate=max_abandon_rate,
        channel=channel,
        concurrency=concurrency,
        response_time_h=response_time_h,
        min_agents=min_agents,
    )
    summary = make_requirements(forecast, out, config, quantile=quantile)
    for line in summary.lines():
        typer.echo(line)
    if scenario is None and channel is None and concurrency is None:
        typer.echo(
            "wfm: note: every queue was staffed as voice (Erlang C, one contact per agent at a time); "
            "give --scenario for per-queue [service] targets such as a chat queue's concurrency",
            err=True,
        )


@app.command("check")
@handle_errors
def check_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML: rules, templates, budget, objective.")],
    roster: Annotated[Path, typer.Argument(help="roster.csv to check (from `wfm schedule`, or edited).")],
    requirements: Annotated[Path | None, typer.Option(help="requirements.csv (default: scenario's).")] = None,
    agents: Annotated[Path | None, typer.Option(help="agents.csv (default: scenario's).")] = None,
    unavailability: Annotated[Path | None, typer.Option(help="Time off CSV (default: scenario's).")] = None,
    preferences: Annotated[Path | None, typer.Option(help="preferences.csv (default: scenario's).")] = None,
    previous_roster: Annotated[
        Path | None, typer.Option(help="Roster before the horizon: rest, runs and weeks are checked joined.")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check a roster against every hard rule; recompute coverage, service level and the objective.

    Exit code 0 when no rule is broken, 6 when any is, 2 on bad input.
    """
    import json

    from rich.console import Console
    from rich.table import Table

    from wfm.checker import check_files
    from wfm.errors import EXIT_RULES_BROKEN
    from wfm.scenario import load_scenario

    report = check_files(
        scenario,
        roster,
        requirements=requirements,
        agents=agents,
        unavailability=unavailability,
        preferences=preferences,
        previous_roster=previous_roster,
    )
    scored = requirements or load_scenario(scenario).input_path("requirements")
    if json_output:
        typer.echo(json.dumps({**report.to_dict(), "requirements": str(scored)}, indent=2, sort_keys=True))
    else:
        console = Console(highlight=False)
        if report.violations:
            table = Table("agent", "date", "rule", "detail", title=f"{len(report.violations)} violation(s)")
            for v in report.violations:
                table.add_row(v.agent_id, "*" if v.date is None else v.date.isoformat(), v.rule, v.detail)
            console.print(table)
            rules = sorted({v.rule for v in report.violations})
            typer.echo(f"wfm check: {roster}: {len(report.violations)} violation(s) of {', '.join(rules)}")
        else:
            typer.echo(f"wfm check: {roster}: every rule holds")
        for line in report.summary_lines():
            typer.echo(line)
        typer.echo(
            f"coverage, service level and objective scored against {scored}"
            + ("" if requirements else " (the scenario's; give --requirements if the roster was built from others)")
        )
    if report.violations:
        raise typer.Exit(EXIT_RULES_BROKEN)


@app.command("schedule")
@handle_errors
def schedule_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML (names its input files).")],
    out: Annotated[Path, typer.Option(help="Output folder: roster.csv, coverage.csv, summary.json.")],
    time_limit_s: Annotated[float | None, typer.Option(help="Wall-clock limit in seconds (scenario's).")] = None,
    workers: Annotated[int | None, typer.Option(help="CP-SAT workers (scenario's; default 2).")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (scenario's; default 0).")] = None,
    objective: Annotated[str | None, typer.Option(help="coverage or service (scenario's).")] = None,
    requirements: Annotated[Path | None, typer.Option(help="Override the scenario's requirements.csv.")] = None,
    agents: Annotated[Path | None, typer.Option(help="Override the scenario's agents.csv.")] = None,
    unavailability: Annotated[Path | None, typer.Option(help="Override unavailability.csv.")] = None,
    preferences: Annotated[Path | None, typer.Option(help="Override preferences.csv.")] = None,
    previous_roster: Annotated[
        Path | None, typer.Option(help="Roster before the horizon (rest, runs, the straddling week).")
    ] = None,
    locked: Annotated[Path | None, typer.Option(help="Roster rows that must appear unchanged.")] = None,
    repeatable: Annotated[
        bool | None,
        typer.Option(
            "--repeatable/--wall-clock",
            help="The time limit as a work budget: the same inputs and seed give the same "
            "roster on one machine (scenario's [solver] repeatable).",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress display.")] = False,
    json_lines: Annotated[bool, typer.Option("--json", help="Progress and result as JSON lines on stdout.")] = False,
) -> None:
    """Roster named agents into the contracted hours: CP-SAT shifts and breaks, checked, written atomically."""
    import json

    from wfm.atomic import check_output
    from wfm.errors import EXIT_TIMEOUT, InputError
    from wfm.scenario import check_solver_options
    from wfm.schedule import ScheduleOptions, load_inputs, solve_schedule, write_schedule

    if objective is not None and objective not in ("coverage", "service"):
        raise InputError(f"--objective must be coverage or service, got '{objective}'")
    check_solver_options(time_limit_s, workers, seed)
    check_output(out, "folder")  # before the solve: a refused --out costs nothing
    inputs = load_inputs(
        scenario,
        requirements=requirements,
        agents=agents,
        unavailability=unavailability,
        preferences=preferences,
        previous_roster=previous_roster,
        locked=locked,
    )
    options = ScheduleOptions(
        time_limit_s=time_limit_s, workers=workers, seed=seed, objective=objective, repeatable=repeatable
    )
    with progress_reporter("json" if json_lines else "quiet" if quiet else "live") as progress:
        result = solve_schedule(inputs, options, progress)
    write_schedule(out, result)
    s = result.summary
    if json_lines:
        typer.echo(json.dumps({"event": "result", "out": str(out), **s}, default=str))
    elif not quiet:
        gap = "n/a" if s["gap"] is None else f"{s['gap']:.2%}"
        bound = "n/a" if s["best_bound"] is None else f"{s['best_bound']:,.2f}"
        budget = "no budget" if s["budget_hours"] is None else f"{s['budget_hours']:,.1f} h budget"
        typer.echo(
            f"status {s['status']}: objective {s['objective']:,.2f}, bound {bound}, gap {gap}, "
            f"{s['solve_seconds']:.1f}s"
        )
        typer.echo(
            f"{s['shifts']:,} shifts for {s['agents']:,} agents; {s['hours_used']:,.1f} "
            f"{s['hours_counted_on']} h used of {budget}"
        )
        typer.echo(
            f"projected service level {s['projected_service_level']:.1%}; under-staffed "
            f"{s['under_agent_hours']:,.1f} agent-h, over-staffed {s['over_agent_hours']:,.1f} agent-h"
        )
        typer.echo(f"rule violations: {len(s['violations'])}; wrote {out}/roster.csv, coverage.csv, summary.json")
    if s["status"] == "timeout":
        typer.echo(
            "wfm: no roster that keeps every rule was found within the time limit "
            f"({len(s['violations'])} violations, listed in summary.json) — raise --time-limit-s "
            "or relax the rules named there",
            err=True,
        )
        raise typer.Exit(EXIT_TIMEOUT)


def _log_format(value: str) -> Any:
    from wfm.errors import InputError
    from wfm.runlog import LOG_FORMATS

    if value not in LOG_FORMATS:
        raise InputError(f"--log-format must be {' or '.join(LOG_FORMATS)}, got '{value}'")
    return value


@app.command("run")
@handle_errors
def run_command(
    scenario: Annotated[
        Path, typer.Argument(help="Scenario TOML; its [inputs] requirements, forecast or history start the chain.")
    ],
    out: Annotated[
        Path | None, typer.Option(help="Result folder, replaced whole and atomically (default out/<campaign>).")
    ] = None,
    time_limit_s: Annotated[float | None, typer.Option(help="Solver wall-clock limit, seconds (scenario's).")] = None,
    workers: Annotated[int | None, typer.Option(help="CP-SAT workers (scenario's).")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (scenario's).")] = None,
    log_format: Annotated[str, typer.Option(help="Log on stderr and in run.log: text or json.")] = "text",
) -> None:
    """The whole plan — forecast, requirements, schedule, report — into one folder; safe for cron.

    Exit codes: 0 success (also when SIGINT/SIGTERM stopped the solver early), 1 internal error,
    2 bad input, 3 infeasible, 4 no roster keeping every rule in time, 5 locked by another run.
    """
    import json

    from wfm.errors import WfmError
    from wfm.pipeline import run

    fmt = _log_format(log_format)
    try:
        result = run(scenario, out, time_limit_s=time_limit_s, workers=workers, seed=seed, log_format=fmt)
    except WfmError as exc:
        if fmt == "json":  # run() logged it as a JSON record: keep stderr all JSON
            raise typer.Exit(exc.exit_code) from None
        raise
    s = result.summary
    if fmt == "json":
        typer.echo(
            json.dumps(
                {
                    "event": "result",
                    "out": str(result.out_dir),
                    "files": list(result.files),
                    "seconds": round(result.seconds, 3),
                    **s,
                },
                default=str,
            )
        )
        return
    budget = "no budget" if s["budget_hours"] is None else f"{s['budget_hours']:,.1f} h budget"
    gap = "n/a" if s["gap"] is None else f"{s['gap']:.2%}"
    note = " (interrupted: best roster so far)" if result.interrupted else ""
    typer.echo(
        f"wfm run: status {s['status']}{note}, gap {gap}; {s['hours_used']:,.1f} {s['hours_counted_on']} h "
        f"used of {budget}; projected service level {s['projected_service_level']:.1%}"
    )
    typer.echo(_target_line(s["target"]))
    typer.echo(f"wrote {result.out_dir}: {', '.join(result.files)} ({result.seconds:.1f}s)")


@app.command("replan")
@handle_errors
def replan_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML with the current inputs (demand, time off, agents).")],
    published: Annotated[Path, typer.Option(help="The published roster.csv to re-plan.")],
    from_: Annotated[str, typer.Option("--from", help="Re-plan from this local time, YYYY-MM-DDTHH:MM.")],
    out: Annotated[Path, typer.Option(help="Result folder: roster.csv, coverage.csv, summary.json, changes.csv.")],
    freeze_h: Annotated[float, typer.Option(help="Also keep shifts starting up to this many hours after --from.")] = 0,
    change_weight: Annotated[
        float, typer.Option(help="Objective units per changed shift (under-staffing costs 10 per agent-hour).")
    ] = 5.0,
    time_limit_s: Annotated[float | None, typer.Option(help="Wall-clock limit in seconds (scenario's).")] = None,
    workers: Annotated[int | None, typer.Option(help="CP-SAT workers (scenario's; default 2).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress display.")] = False,
    json_lines: Annotated[bool, typer.Option("--json", help="Progress and result as JSON lines on stdout.")] = False,
) -> None:
    """Re-plan a published roster from a time on, keeping what is published before it and moving as few
    shifts as the gain justifies; changes.csv lists who must be told what.

    Exit codes: 0 success, 2 bad input, 3 infeasible (the kept shifts break a rule), 4 no roster keeping
    every rule in time, 5 locked by another run.
    """
    import datetime as dt
    import json

    from wfm.errors import EXIT_TIMEOUT, InputError
    from wfm.replan import replan, write_replan
    from wfm.schedule import ScheduleOptions

    try:
        from_at = dt.datetime.strptime(from_, "%Y-%m-%dT%H:%M")
    except ValueError:
        raise InputError(f"--from must be YYYY-MM-DDTHH:MM, got '{from_}'") from None
    options = ScheduleOptions(time_limit_s=time_limit_s, workers=workers)
    with progress_reporter("json" if json_lines else "quiet" if quiet else "live") as progress:
        done = replan(
            scenario,
            published,
            from_at,
            freeze_h=freeze_h,
            change_weight=change_weight,
            options=options,
            progress=progress,
        )
    write_replan(out, done)
    s, r = done.summary, done.summary["replan"]
    if json_lines:
        typer.echo(json.dumps({"event": "result", "out": str(out), **s}, default=str))
    elif not quiet:
        b, a = r["before"], r["after"]
        kinds = ", ".join(f"{k} {v}" for k, v in r["changes"].items()) or "none"
        typer.echo(
            f"replanned from {r['from']}: {r['changed_shifts']:,} shift(s) changed for "
            f"{r['agents_to_tell']:,} agent(s) ({kinds}); {r['kept_as_published']:,} kept as published"
        )
        typer.echo(
            f"under-staffed {b['under_agent_hours']:,.1f} -> {a['under_agent_hours']:,.1f} agent-h; projected "
            f"service level {b['projected_service_level']:.1%} -> {a['projected_service_level']:.1%}; "
            f"status {s['status']}"
        )
        offers = ", ".join(f"{k} {v}" for k, v in r["offers"].items()) or "none"
        typer.echo(f"offers: {offers}; wrote {out}/roster.csv, coverage.csv, summary.json, changes.csv, offers.csv")
    if s["status"] == "timeout":
        typer.echo(
            "wfm: no roster that keeps every rule was found within the time limit — raise --time-limit-s", err=True
        )
        raise typer.Exit(EXIT_TIMEOUT)


@app.command("batch")
@handle_errors
def batch_command(
    scenarios: Annotated[list[Path], typer.Argument(help="Scenario TOML files, one per client campaign.")],
    out: Annotated[Path, typer.Option(help="Folder for campaigns.csv and one result folder per campaign.")] = Path(
        "out"
    ),
    workers: Annotated[
        int | None, typer.Option(help="Campaigns run at once in local processes (default half the cores).")
    ] = None,
    address: Annotated[
        str | None, typer.Option(help="Dask scheduler tcp://HOST:PORT to run the campaigns on (pip install wfm[dask]).")
    ] = None,
    time_limit_s: Annotated[
        float | None, typer.Option(help="Solver wall-clock limit per campaign, seconds (each scenario's).")
    ] = None,
    log_format: Annotated[str, typer.Option(help="Log on stderr and in each run.log: text or json.")] = "text",
) -> None:
    """Run many campaigns (one scenario each) in parallel; one failing never stops the others.

    Exit code 0 when every campaign succeeded, else the most serious campaign's: 1 > 2 > 3 > 4 > 5 > 130.
    """
    from wfm.batch import run_batch

    fmt = _log_format(log_format)
    result = run_batch(scenarios, out, workers=workers, address=address, time_limit_s=time_limit_s, log_format=fmt)
    if fmt == "text":
        shown = result.table[
            [
                "campaign",
                "status",
                "hours_used",
                "budget_hours",
                "projected_service_level",
                "gap",
                "seconds",
                "exit_code",
            ]
        ]
        typer.echo(_batch_table(shown).to_string(index=False))
        typer.echo(f"wrote {result.path}")
    if result.exit_code:
        raise typer.Exit(result.exit_code)


@app.command("frontier")
@handle_errors
def frontier_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML (names its input files).")],
    out: Annotated[Path, typer.Option(help="Folder for frontier.csv, target.json, frontier.svg/png, replaced whole.")],
    target_service_level: Annotated[
        float | None, typer.Option(help="Share of contacts answered in time to hold, (0, 1) (contract's, else 0.8).")
    ] = None,
    budgets: Annotated[
        str | None, typer.Option(help="Budgets LO:HI:STEP in hours (default: --points over 70–130% of the scenario's).")
    ] = None,
    points: Annotated[int | None, typer.Option(help="Budgets on the default grid (7).")] = None,
    time_limit_s: Annotated[float | None, typer.Option(help="Solver wall-clock limit per roster, seconds.")] = None,
    workers: Annotated[int, typer.Option(help="Rosters solved at once, one process and one core each.")] = 2,
    address: Annotated[
        str | None, typer.Option(help="Dask scheduler tcp://HOST:PORT for the rosters (pip install 'wfm\\[dask]').")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (scenario's).")] = None,
    requirements: Annotated[Path | None, typer.Option(help="Override the scenario's requirements.csv.")] = None,
    max_seconds: Annotated[
        float | None, typer.Option(help="Wall seconds after which no refining round starts (none).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print nothing but errors.")] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print target.json and the table as one JSON object.")
    ] = False,
) -> None:
    """What the contract's hours buy: service level against budget, and the least budget that holds the target.

    Exit codes: 0 done (also when no budget reaches the target: it says so), 2 bad input, 3 infeasible,
    5 locked.
    """
    import json

    from wfm.errors import InputError
    from wfm.frontier.grid import DEFAULT_POINTS, parse_budgets
    from wfm.frontier.run import FrontierOptions, run_frontier

    if budgets is not None and points is not None:
        raise InputError("give --budgets or --points, not both")
    if workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    if quiet and json_output:
        raise InputError("give --quiet or --json, not both")
    options = FrontierOptions(
        target_service_level=target_service_level,
        budgets=None if budgets is None else parse_budgets(budgets),
        points=points or DEFAULT_POINTS,
        time_limit_s=time_limit_s,
        workers=workers,
        address=address,
        seed=seed,
        max_seconds=max_seconds,
        requirements=requirements,
    )
    talk = not quiet and not json_output

    def print_none(line: str) -> None:
        return None

    result = run_frontier(scenario, out, options, log=(lambda line: typer.echo(line, err=True)) if talk else print_none)
    if json_output:
        rows = json.loads(result.table.to_json(orient="records"))
        typer.echo(
            json.dumps({"event": "result", "out": str(out), "target": result.target, "frontier": rows}, default=str)
        )
    elif talk:
        typer.echo(_frontier_table(result.table))
        for line in result.lines:
            typer.echo(line)
        typer.echo(f"wrote {out}: frontier.csv, target.json, frontier.svg, frontier.png ({result.seconds:.1f}s)")


def _frontier_table(frame: Any) -> str:
    """frontier.csv as the terminal shows it: hours with one decimal, shares as percentages."""

    def share(v: Any) -> str:
        return "-" if v is None or v != v else f"{v:.1%}"

    def number(v: Any, spec: str) -> str:
        return "-" if v is None or v != v else format(v, spec)

    shown = frame.assign(
        **{
            "budget_hours": frame["budget_hours"].map(lambda v: number(v, ",.1f")),
            "projected_service_level": frame["projected_service_level"].map(share),
            "service_level_upper_bound": frame["service_level_upper_bound"].map(share),
            "asa_seconds": frame["asa_seconds"].map(lambda v: number(v, ",.1f")),
            "abandon_rate": frame["abandon_rate"].map(share),
            "under_agent_hours": frame["under_agent_hours"].map(lambda v: number(v, ",.1f")),
            "hours_used": frame["hours_used"].map(lambda v: number(v, ",.1f")),
        }
    ).rename(
        columns={
            "budget_hours": "budget h",
            "projected_service_level": "roster SL",
            "service_level_upper_bound": "SL bound",
            "asa_seconds": "ASA s",
            "abandon_rate": "abandoned",
            "under_agent_hours": "under agent-h",
            "hours_used": "hours used",
        }
    )
    return shown.to_string(index=False)


def _target_line(target: dict[str, Any]) -> str:
    """One line: whether the roster holds the contract's service level, and if not the hours estimated."""
    level = f"{target['target_service_level']:.0%}"
    if target["holds"]:
        return f"target {level}: held"
    hours = target.get("estimated_hours_needed")
    if target.get("hours_suffice"):
        need = "the hours suffice by estimate if placed where they answer most"
    else:
        need = "no number of agents reaches it" if hours is None else f"about {hours:,.0f} h needed (estimate)"
    return f"target {level}: not held; {need} — `wfm frontier` gives the rostered answer"


def _batch_table(table: Any) -> Any:
    """campaigns.csv's columns as a planner reads them: 13,056.8 h, 67.7%, never 1.306e+04."""
    import pandas as pd

    formats = {
        "hours_used": "{:,.1f}",
        "budget_hours": "{:,.1f}",
        "seconds": "{:,.1f}",
        "projected_service_level": "{:.1%}",
        "gap": "{:.2%}",
        "exit_code": "{}",
    }
    shown = table.astype(object)
    for column, fmt in formats.items():
        shown[column] = ["-" if pd.isna(v) else fmt.format(v) for v in table[column]]
    return shown


if __name__ == "__main__":
    app()
