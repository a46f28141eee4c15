"""`forecast.csv`: the long table `wfm requirements` reads, at the requested interval length.

Columns, in this order:

| column           | unit / meaning                                                               |
|------------------|------------------------------------------------------------------------------|
| `interval_start` | ISO 8601 local date-time `YYYY-MM-DDTHH:MM`                                  |
| `queue`          | queue name                                                                   |
| `contacts`       | expected contacts in the interval (P50), ≥ 0, rounded to 0.01                |
| `aht_seconds`    | average handle time, seconds, > 0, rounded to 0.1                            |
| `contacts_pNN`   | upper quantile NN % of contacts (with `--quantile`, e.g. `contacts_p80`)     |
| `source`         | `actual` or `forecast` (only with `--actuals`): what the row's values are    |

Rows only for open intervals, sorted by queue then `interval_start`.

Changing the interval length: to a longer interval, contacts and the upper quantile add up
(the sum of quantiles is at least the quantile of the sum: a cautious band), AHT is the
contact-weighted mean, and the interval is open if any part of it is. To a shorter interval,
contacts and the quantile are split evenly and AHT is copied. A longer interval is `actual` only
if all of it has elapsed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from wfm.forecasting.history import GRIDS_MIN

CONTACTS_DECIMALS = 2
AHT_DECIMALS = 1
_MIN_AHT_S = 10.0**-AHT_DECIMALS
SOURCES = ("actual", "forecast")
"""Values of the `source` column: what happened, or what is expected."""


@dataclass(frozen=True)
class QueueForecast:
    """One queue's forecast on a days × intervals grid (`interval_min` minutes) from `first_day`.

    `contacts` (P50) and `upper` are contacts per interval, `aht_s` seconds; all zero outside `is_open`.
    `actual` (intraday re-forecasts only) marks elapsed intervals, whose values are the actuals.
    """

    queue: str
    first_day: np.datetime64
    interval_min: int
    is_open: np.ndarray
    contacts: np.ndarray
    aht_s: np.ndarray
    upper: np.ndarray | None = None
    actual: np.ndarray | None = None

    def __post_init__(self) -> None:
        shape = self.is_open.shape
        if shape[1] * self.interval_min != 1440:
            raise ValueError("one row per day of 1440 / interval_min intervals expected")
        arrays = [self.contacts, self.aht_s] + [a for a in (self.upper, self.actual) if a is not None]
        if any(a.shape != shape for a in arrays):
            raise ValueError("contacts, aht_s, upper and actual must have the shape of is_open")
        if (self.contacts < 0).any() or (self.contacts[~self.is_open] != 0).any():
            raise ValueError("contacts must be ≥ 0, and 0 where closed")

    def resample(self, interval_min: int) -> QueueForecast:
        """This forecast at another interval length (rules in the module docstring)."""
        if interval_min not in GRIDS_MIN:
            raise ValueError(f"interval_min must be one of {GRIDS_MIN}, got {interval_min}")
        if interval_min == self.interval_min:
            return self
        days = self.is_open.shape[0]
        if interval_min > self.interval_min:
            k = interval_min // self.interval_min

            def total(a: np.ndarray) -> np.ndarray:
                return a.reshape(days, -1, k).sum(axis=2)

            is_open = self.is_open.reshape(days, -1, k).any(axis=2)
            contacts = total(self.contacts)
            aht = self.aht_s.reshape(days, -1, k).mean(axis=2)
            for weight in (self.is_open.astype(float), self.contacts):  # later weights win where defined
                mass = total(weight)
                aht = np.where(mass > 0, total(self.aht_s * weight) / np.where(mass > 0, mass, 1.0), aht)
            upper = None if self.upper is None else total(self.upper)
            actual = None if self.actual is None else self.actual.reshape(days, -1, k).all(axis=2)
        else:
            k = self.interval_min // interval_min

            def split(a: np.ndarray) -> np.ndarray:
                return np.repeat(a, k, axis=1)

            is_open, contacts, aht = split(self.is_open), split(self.contacts) / k, split(self.aht_s)
            upper = None if self.upper is None else split(self.upper) / k
            actual = None if self.actual is None else split(self.actual)
        return QueueForecast(self.queue, self.first_day, interval_min, is_open, contacts, aht, upper, actual)


def forecast_table(forecasts: list[QueueForecast], upper_column: str | None) -> pd.DataFrame:
    """The `forecast.csv` table: open intervals only, rounded, sorted by queue then interval_start;
    a `source` column when the forecasts carry actuals."""
    with_source = any(fc.actual is not None for fc in forecasts)
    parts = []
    for fc in sorted(forecasts, key=lambda f: f.queue):
        day, slot = np.nonzero(fc.is_open)
        stamps = (fc.first_day + day).astype("datetime64[m]") + (slot * fc.interval_min).astype("timedelta64[m]")
        part = pd.DataFrame(
            {
                "interval_start": pd.DatetimeIndex(stamps).strftime("%Y-%m-%dT%H:%M"),
                "queue": fc.queue,
                "contacts": np.round(fc.contacts[day, slot], CONTACTS_DECIMALS),
                "aht_seconds": np.maximum(np.round(fc.aht_s[day, slot], AHT_DECIMALS), _MIN_AHT_S),
            }
        )
        if upper_column is not None and fc.upper is not None:
            part[upper_column] = np.round(fc.upper[day, slot], CONTACTS_DECIMALS)
        if with_source:
            actual = fc.actual[day, slot] if fc.actual is not None else np.zeros(day.size, dtype=bool)
            part["source"] = np.where(actual, SOURCES[0], SOURCES[1])
        parts.append(part)
    columns = (
        ["interval_start", "queue", "contacts", "aht_seconds"]
        + ([upper_column] if upper_column else [])
        + (["source"] if with_source else [])
    )
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]
