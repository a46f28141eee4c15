"""Forecast and backtest a whole history: choose a method per queue, forecast volume, handle time and
the upper quantile, and lay the result out as `forecast.csv`.

`forecast` backtests before it forecasts (the `selection_plan`: two windows of the forecast's
length, up to four weeks, a week apart). The backtest chooses the method of each queue under
`method="auto"` — the lowest pooled interval-level WAPE among those with enough history for
every window — and its errors give the upper quantile (`quantiles.py`). A queue too short to
backtest gets `profile` if it has the 14 days that needs, else `seasonal-naive`, and a Poisson band.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.atomic import atomic_path, check_output, write_csv
from wfm.errors import InputError, warn
from wfm.forecasting.actuals import Actuals, actuals_from_frame, check_days, read_actuals
from wfm.forecasting.backtest import BacktestPlan, QueueBacktest, backtest_queue, metrics_table
from wfm.forecasting.calendar import Calendar, build_calendar
from wfm.forecasting.handle_time import HandleTime
from wfm.forecasting.history import GRIDS_MIN, History, QueueSeries, history_from_frame, read_history
from wfm.forecasting.intraday import DayFactors, IntradayParameters, reforecast
from wfm.forecasting.methods import METHODS, DayProfile, Ets, SeasonalNaive, forecast_contacts
from wfm.forecasting.opening import horizon_for
from wfm.forecasting.output import QueueForecast, forecast_table
from wfm.forecasting.quantiles import check_quantile, error_quantile, quantile_column, upper_contacts
from wfm.scenario import LAST_DAY

AUTO = "auto"
MAX_DAYS = 400
WARN_GAP_DAYS = 91  # a forecast starting more than a quarter after the history warns: stale trend and season
SELECTION_WINDOWS = 2
SELECTION_MAX_DAYS = 28


@dataclass(frozen=True)
class QueueChoice:
    """The method used for a queue and the pooled interval-level backtest WAPE of it and of
    seasonal naive (NaN when the queue was too short to backtest)."""

    queue: str
    method: str
    backtest_wape: float
    naive_wape: float


@dataclass(frozen=True)
class ForecastResult:
    """`table` is `forecast.csv`; `forecasts` the same at the history's interval length, for charts."""

    table: pd.DataFrame
    choices: list[QueueChoice]
    forecasts: list[QueueForecast]
    history: History
    quantile: float | None
    intraday: dict[str, DayFactors] | None = None
    """Per queue, today so far and the factors of the intraday re-forecast (with actuals only)."""
    now: np.datetime64 | None = None
    """The end of the last actual interval (with actuals only)."""

    def summary(self) -> pd.DataFrame:
        """Per queue: method, total contacts (P50 and the upper quantile), backtest WAPE vs seasonal
        naive; with actuals, today's actual and forecast contacts so far and the factors applied."""
        totals = self.table.groupby("queue").sum(numeric_only=True)
        rows = []
        for choice in self.choices:
            row = {
                "queue": choice.queue,
                "method": choice.method,
                "contacts": float(totals["contacts"].get(choice.queue, 0.0)),
            }
            if self.quantile is not None:
                column = quantile_column(self.quantile)
                row[column] = float(totals[column].get(choice.queue, 0.0))
            row["backtest_wape"] = choice.backtest_wape
            row["naive_wape"] = choice.naive_wape
            if self.intraday is not None:
                row.update(dataclasses.asdict(self.intraday[choice.queue]))
            rows.append(row)
        return pd.DataFrame(rows)

    def chart_png(self) -> bytes:
        """The chart (PNG bytes): recent history, forecast and upper band per queue."""
        from wfm.forecasting.chart import render_chart  # matplotlib loads only when a chart is asked for

        label = None if self.quantile is None else f"P{round(self.quantile * 100)}"
        return render_chart(list(self.history.queues.values()), self.forecasts, label)


def forecast(
    history: History | pd.DataFrame,
    start: dt.date | str,
    days: int,
    *,
    method: str = AUTO,
    interval_min: int | None = None,
    country: str | None = None,
    special_days: str | Path | None = None,
    quantile: float | None = 0.8,
    actuals: Actuals | pd.DataFrame | None = None,
    intraday: IntradayParameters | None = None,
) -> ForecastResult:
    """Forecast contacts (P50 and upper `quantile`) and AHT per interval for `days` days from `start`.

    `history` is a `History` (from `read_history`) or a long table with the columns of
    `history.csv`. `interval_min` is the output interval length (default: the history's).
    `country` (ISO code) adds its public holidays; `special_days` is a special-days file.
    `actuals` (from `read_actuals`, or a table in the history's format) are today's actuals so
    far: elapsed intervals carry them and the rest of today is re-forecast (`intraday.py`).
    Raises `InputError` for bad options, bad actuals or a history too short for the method.
    """
    history = history if isinstance(history, History) else history_from_frame(history)
    first_day = _parse_start(start, history)
    _check_options(days, quantile, interval_min)
    if actuals is not None:
        if not isinstance(actuals, Actuals):
            actuals = actuals_from_frame(actuals, history)
        check_days(actuals, history.last_day, first_day, days)
    candidates = _candidates(method)
    calendar = _calendar(history, first_day + days, country, special_days)
    series = [calendar.mark(s) for s in history.queues.values()]
    _require_length(series, min(METHODS[m].min_history_days for m in candidates), method, history.source)
    plan = BacktestPlan(SELECTION_WINDOWS, min(days, SELECTION_MAX_DAYS))
    choices, forecasts, factors = [], [], {}
    for queue in series:
        tried = [m for m in candidates if queue.n_days >= plan.history_needed(m)]
        result = backtest_queue(queue, _with_baseline(tried), plan, calendar)
        chosen = _choose(queue, tried, result) if method == AUTO else method
        horizon = horizon_for(queue, first_day, days, calendar)
        contacts = forecast_contacts(chosen, queue, horizon, calendar)
        aht = HandleTime().fit(queue).predict(horizon)
        fc = QueueForecast(queue.queue, first_day, queue.interval_min, horizon.is_open, contacts, aht)
        if actuals is not None:
            fc, factors[queue.queue] = _reforecast(fc, actuals, intraday)
        if quantile is not None:
            z = error_quantile(result.errors(chosen), quantile)
            upper = upper_contacts(fc.contacts, z)
            fc = dataclasses.replace(fc, upper=upper if fc.actual is None else np.where(fc.actual, fc.contacts, upper))
        forecasts.append(fc)
        choices.append(
            QueueChoice(queue.queue, chosen, result.pooled_wape(chosen), result.pooled_wape(SeasonalNaive.name))
        )
    out_min = history.interval_min if interval_min is None else interval_min
    table = forecast_table(
        [f.resample(out_min) for f in forecasts], None if quantile is None else quantile_column(quantile)
    )
    if actuals is None:
        return ForecastResult(table, choices, forecasts, history, quantile)
    return ForecastResult(table, choices, forecasts, history, quantile, factors, actuals.now)


def _reforecast(
    plain: QueueForecast, actuals: Actuals, params: IntradayParameters | None
) -> tuple[QueueForecast, DayFactors]:
    """The intraday step (`intraday.py`) on one queue's plain forecast: actuals where elapsed, the
    rest of today scaled."""
    observed = actuals.observed(plain.queue, plain.first_day, plain.is_open.shape[0])
    again = reforecast(plain.is_open, plain.contacts, plain.aht_s, observed, params)
    fc = dataclasses.replace(
        plain, is_open=again.is_open, contacts=again.contacts, aht_s=again.aht_s, actual=again.actual
    )
    return fc, again.factors


def backtest(
    history: History | pd.DataFrame,
    plan: BacktestPlan,
    *,
    method: str = AUTO,
    country: str | None = None,
    special_days: str | Path | None = None,
) -> pd.DataFrame:
    """Rolling-origin backtest metrics (see `backtest.py`) of `method` (`auto`: every method) and
    seasonal naive, per queue. Raises `InputError` if a queue is too short for the plan."""
    history = history if isinstance(history, History) else history_from_frame(history)
    candidates = _with_baseline(_candidates(method))
    calendar = _calendar(history, history.last_day + 1, country, special_days)
    series = [calendar.mark(s) for s in history.queues.values()]
    needed = {m: plan.history_needed(m) for m in candidates}
    _require_length(series, needed[SeasonalNaive.name], SeasonalNaive.name, history.source, plan)
    if method != AUTO:
        _require_length(series, needed[method], method, history.source, plan)
    results = [backtest_queue(s, [m for m in candidates if s.n_days >= needed[m]], plan, calendar) for s in series]
    return metrics_table(results)


def forecast_file(
    history_path: str | Path,
    out: str | Path,
    start: dt.date | str,
    days: int,
    *,
    chart: str | Path | None = None,
    actuals: str | Path | None = None,
    **options: object,
) -> ForecastResult:
    """Read `history_path` (and today's `actuals` so far, if given), forecast (options as
    `forecast`), write `out` and the optional chart PNG.

    Everything is computed before anything is written, and each file is written atomically.
    """
    check_output(out, "file")
    if chart is not None:
        check_output(chart, "file", option="--chart")
    history = read_history(history_path)
    observed = None if actuals is None else read_actuals(actuals, history)
    result = forecast(history, start, days, actuals=observed, **options)  # type: ignore[arg-type]
    png = result.chart_png() if chart is not None else None
    write_csv(out, result.table)
    if chart is not None and png is not None:
        with atomic_path(chart) as tmp:
            tmp.write_bytes(png)
    return result


def backtest_file(
    history_path: str | Path, plan: BacktestPlan, *, out: str | Path | None = None, **options: object
) -> pd.DataFrame:
    """Read `history_path`, backtest (options as `backtest`), write the metrics to `out` if given."""
    if out is not None:
        check_output(out, "file")
    table = backtest(read_history(history_path), plan, **options)  # type: ignore[arg-type]
    if out is not None:
        write_csv(out, table)
    return table


def _check_options(days: int, quantile: float | None, interval_min: int | None) -> None:
    if not 1 <= days <= MAX_DAYS:
        raise InputError(f"--days must be between 1 and {MAX_DAYS}, got {days}")
    if quantile is not None:
        check_quantile(quantile)
    if interval_min is not None and interval_min not in GRIDS_MIN:
        raise InputError(f"--interval-min must be one of {', '.join(map(str, GRIDS_MIN))}, got {interval_min}")


def _parse_start(start: dt.date | str, history: History) -> np.datetime64:
    if isinstance(start, str):
        try:
            start = dt.date.fromisoformat(start)
        except ValueError:
            raise InputError(f"--start must be a date YYYY-MM-DD, got '{start}'") from None
    first_day = np.datetime64(start, "D")
    if first_day <= history.last_day:
        raise InputError(
            f"--start {first_day} is not after the history, which ends on {history.last_day}",
            path=history.source,
            hint=f"start on {history.last_day + 1} or later",
        )
    if first_day > np.datetime64(LAST_DAY, "D"):
        raise InputError(f"--start {first_day} is past {LAST_DAY}: give a date in the planning range")
    gap_days = int((first_day - history.last_day) // np.timedelta64(1, "D")) - 1
    if gap_days > WARN_GAP_DAYS:
        warn(
            f"the forecast starts {gap_days:,} days after the history ends ({history.last_day}): trend and "
            "seasonality are extrapolated that far — forecast from more recent history if you have it"
        )
    return first_day


def _candidates(method: str) -> list[str]:
    if method == AUTO:
        return [m for m in METHODS if m != Ets.name or Ets.available()]
    if method not in METHODS:
        raise InputError(f"unknown method '{method}'", hint=f"choose one of: {', '.join(METHODS)}, {AUTO}")
    return [method]


def _with_baseline(methods: list[str]) -> list[str]:
    return methods if SeasonalNaive.name in methods else [SeasonalNaive.name, *methods]


def _calendar(history: History, end: np.datetime64, country: str | None, special_days: str | Path | None) -> Calendar:
    first = min(s.first_day for s in history.queues.values())
    years = range(int(str(first)[:4]), int(str(end)[:4]) + 1)
    return build_calendar(country, years, special_days)


def _require_length(
    series: list[QueueSeries], needed_days: int, method: str, source: str, plan: BacktestPlan | None = None
) -> None:
    """Refuse, listing every queue, a history shorter than `needed_days`."""
    short = [s for s in series if s.n_days < needed_days]
    if not short:
        return
    listed = ", ".join(f"'{s.queue}' has {s.n_days}" for s in short)
    purpose = f"method '{method}'" if method != AUTO else "any method"
    if plan is not None:
        purpose = f"a backtest of {purpose} over {plan.windows} window(s) of {plan.horizon_days} days"
    raise InputError(
        f"history too short for {purpose}: needs at least {needed_days} days per queue; {listed}",
        path=source,
    )


def _choose(queue: QueueSeries, tried: list[str], result: QueueBacktest) -> str:
    """The candidate with the lowest pooled interval WAPE (ties: the simpler, listed first);
    without a backtest, the fallback rule of the module docstring."""
    scored = [(result.pooled_wape(m), i, m) for i, m in enumerate(tried)]
    scored = [s for s in scored if np.isfinite(s[0])]
    if scored:
        return min(scored)[2]
    return DayProfile.name if queue.n_days >= DayProfile.min_history_days else SeasonalNaive.name
