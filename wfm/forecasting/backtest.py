"""Rolling-origin backtests: how wrong each method would have been, against seasonal naive.

A plan of `windows` windows of `horizon_days` days, `step_days` apart, the last one ending on the
queue's last history day. Window k is forecast from the history up to its `cutoff` (the last day
the method may see), exactly as a live forecast would be — opening hours, holidays and
special days included — and compared with what happened.

Metrics, for a set of actuals a and forecasts f (interval level: every interval of the window;
daily level: daily totals):

* `wape` = Σ|f − a| / Σa — the share of contacts misplaced;
* `mape` = mean of |f − a| / a over the entries with a > 0 (zero-volume intervals are skipped);
* `bias` = Σ(f − a) / Σa — positive when the method over-forecasts;
* `relative_wape` = wape ÷ seasonal-naive wape on the same windows (< 1 beats the baseline).

Each metric is given per window (`cutoff` = its date) and pooled over all windows
(`cutoff` = `all`: sums over every window, not a mean of ratios).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wfm.errors import InputError
from wfm.forecasting.calendar import Calendar
from wfm.forecasting.history import QueueSeries
from wfm.forecasting.methods import METHODS, SeasonalNaive, forecast_contacts
from wfm.forecasting.opening import horizon_for
from wfm.forecasting.quantiles import scaled_errors

LEVELS = ("interval", "daily")
METRIC_COLUMNS = ("queue", "method", "level", "cutoff", "wape", "mape", "bias", "relative_wape")


@dataclass(frozen=True)
class BacktestPlan:
    """`windows` forecasts of `horizon_days` days, their cutoffs `step_days` apart, the last ending
    on the last history day."""

    windows: int
    horizon_days: int
    step_days: int = 7

    def __post_init__(self) -> None:
        if self.windows < 1 or self.horizon_days < 1 or self.step_days < 1:
            raise InputError("a backtest needs at least one window of at least one day, one day apart")

    @property
    def holdout_days(self) -> int:
        """Days at the end of the history that some window forecasts."""
        return self.horizon_days + self.step_days * (self.windows - 1)

    def cutoffs(self, last_day: np.datetime64) -> np.ndarray:
        """Each window's cutoff (last day of history it may use), oldest first."""
        back = self.holdout_days - self.step_days * np.arange(self.windows)
        return np.datetime64(last_day, "D") - back

    def history_needed(self, method: str) -> int:
        """Days of history a queue needs to backtest `method` with this plan."""
        return METHODS[method].min_history_days + self.holdout_days


def metrics(actual: np.ndarray, forecast: np.ndarray) -> dict[str, float]:
    """WAPE, MAPE on nonzero actuals, and bias of `forecast` against `actual` (see module docstring)."""
    a, f = np.asarray(actual, float).ravel(), np.asarray(forecast, float).ravel()
    volume = a.sum()
    nonzero = a > 0
    return {
        "wape": float(np.abs(f - a).sum() / volume) if volume > 0 else float("nan"),
        "mape": float(np.mean(np.abs(f[nonzero] - a[nonzero]) / a[nonzero])) if nonzero.any() else float("nan"),
        "bias": float((f - a).sum() / volume) if volume > 0 else float("nan"),
    }


@dataclass
class QueueBacktest:
    """One queue's backtest: the actuals of every window (days × intervals) and, per method, its
    forecasts of the same windows, in the same order."""

    queue: str
    cutoffs: list[np.datetime64] = field(default_factory=list)
    actual: list[np.ndarray] = field(default_factory=list)
    forecast: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def pooled_wape(self, method: str) -> float:
        """Interval-level WAPE of `method` over all windows (NaN if it was not backtested)."""
        runs = self.forecast.get(method, [])
        if not runs:
            return float("nan")
        return metrics(np.concatenate(self.actual), np.concatenate(runs))["wape"]

    def errors(self, method: str) -> np.ndarray:
        """Scaled interval errors of `method` over all windows (for the upper quantile)."""
        runs = self.forecast.get(method, [])
        if not runs:
            return np.empty(0)
        return scaled_errors(np.concatenate(self.actual), np.concatenate(runs))


def backtest_queue(series: QueueSeries, methods: list[str], plan: BacktestPlan, calendar: Calendar) -> QueueBacktest:
    """Run each of `methods` on every window of `plan` that starts inside the history.

    A method without enough history for the earliest such window is left out altogether, so every
    method's forecasts line up with `actual` window by window.
    """
    cutoffs = [c for c in plan.cutoffs(series.last_day) if c >= series.first_day]
    if cutoffs:
        earliest = series.truncate(cutoffs[0])
        methods = [m for m in methods if earliest.n_days >= METHODS[m].min_history_days and earliest.day_open.any()]
    result = QueueBacktest(queue=series.queue, forecast={m: [] for m in methods})
    for cutoff in cutoffs:
        train = series.truncate(cutoff)
        horizon = horizon_for(train, cutoff + 1, plan.horizon_days, calendar)
        result.cutoffs.append(cutoff)
        result.actual.append(series.contacts[train.n_days : train.n_days + plan.horizon_days])
        for method in methods:
            result.forecast[method].append(forecast_contacts(method, train, horizon, calendar))
    return result


def metrics_table(results: list[QueueBacktest]) -> pd.DataFrame:
    """The backtest metrics (columns `METRIC_COLUMNS`), per queue, method, level and window, and pooled."""
    rows = []
    baseline = SeasonalNaive.name
    for result in results:
        for method in (m for m in METHODS if m in result.forecast):
            runs = result.forecast[method]
            if not runs:
                continue
            for level in LEVELS:
                cells = [(str(c), [a], [f]) for c, a, f in zip(result.cutoffs, result.actual, runs, strict=True)]
                cells.append(("all", result.actual, runs))
                for cutoff, actual, forecast in cells:
                    a, f = _at_level(actual, level), _at_level(forecast, level)
                    row = {"queue": result.queue, "method": method, "level": level, "cutoff": cutoff}
                    row.update(metrics(a, f))
                    rows.append(row)
    table = pd.DataFrame(rows, columns=[c for c in METRIC_COLUMNS if c != "relative_wape"])
    naive = table[table["method"] == baseline].set_index(["queue", "level", "cutoff"])["wape"]
    key = pd.MultiIndex.from_frame(table[["queue", "level", "cutoff"]])
    table["relative_wape"] = table["wape"].to_numpy() / naive.reindex(key).to_numpy()
    return table[list(METRIC_COLUMNS)]


def _at_level(windows: list[np.ndarray], level: str) -> np.ndarray:
    stacked = np.concatenate(windows)
    return stacked if level == "interval" else stacked.sum(axis=1)
