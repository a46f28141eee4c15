"""Opening hours of the forecast horizon, inferred from which intervals the history has rows for.

For each day of the week, an interval is open if it was open on at least half of the last
`RECENT_WEEKS` regular days of that weekday (regular: not a holiday, not a special day). A weekday
never open recently (Sunday in a Monday–Saturday centre) stays closed. A public holiday is
closed if, in the history, most holidays falling on an otherwise open weekday were closed; with
no such holiday in the history it keeps its weekday's hours. Special days marked `closed` are
closed. Every method's forecast is zero outside these hours: nothing invents volume when closed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wfm.forecasting.calendar import Calendar
from wfm.forecasting.history import QueueSeries

RECENT_WEEKS = 4


def weekday(days: np.ndarray) -> np.ndarray:
    """Day of the week of `datetime64[D]` days, Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday)."""
    return (days.astype("datetime64[D]").astype(np.int64) + 3) % 7


@dataclass(frozen=True)
class Horizon:
    """The days to forecast: `is_open[d, s]` for day `first_day + d`, interval `s`; `holiday[d]`."""

    first_day: np.datetime64
    is_open: np.ndarray
    holiday: np.ndarray

    def __post_init__(self) -> None:
        if self.is_open.ndim != 2 or self.holiday.shape != (self.is_open.shape[0],):
            raise ValueError("is_open must be days × intervals and holiday one flag per day")

    @property
    def n_days(self) -> int:
        return int(self.is_open.shape[0])

    @property
    def days(self) -> np.ndarray:
        return self.first_day + np.arange(self.n_days)


def weekday_hours(series: QueueSeries) -> np.ndarray:
    """Open intervals per weekday (7 × intervals), from the last `RECENT_WEEKS` regular days of each."""
    hours = np.zeros((7, series.slots_per_day), dtype=bool)
    regular = ~series.holiday & ~series.excluded
    wd = weekday(series.days)
    for w in range(7):
        recent = np.flatnonzero(regular & (wd == w))[-RECENT_WEEKS:]
        if recent.size:
            hours[w] = series.is_open[recent].mean(axis=0) >= 0.5
    return hours


def holidays_closed(series: QueueSeries, hours: np.ndarray) -> bool:
    """Whether the history says public holidays are closed (see the module docstring)."""
    usual = hours.any(axis=1)[weekday(series.days)]
    seen = series.holiday & usual
    if not seen.any():
        return False
    return bool((~series.day_open[seen]).mean() > 0.5)


def horizon_for(series: QueueSeries, first_day: np.datetime64, n_days: int, calendar: Calendar) -> Horizon:
    """The `n_days` from `first_day` to forecast for `series`, with opening hours and holidays."""
    first_day = np.datetime64(first_day, "D")
    days = first_day + np.arange(n_days)
    holiday = calendar.is_holiday(days)
    hours = weekday_hours(series)
    is_open = hours[weekday(days)].copy()
    shut = calendar.factor(days) == 0
    if holidays_closed(series, hours):
        shut |= holiday
    is_open[shut] = False
    return Horizon(first_day=first_day, is_open=is_open, holiday=holiday)
