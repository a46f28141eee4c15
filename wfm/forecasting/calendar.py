"""Days that are not like the others: public holidays and planner-declared special days.

Public holidays come from the `holidays` package for an ISO 3166 country code (`--country ES`:
national holidays only). A special-days file lists one-off days:

| column   | type                 | meaning                                                     |
|----------|----------------------|-------------------------------------------------------------|
| `date`   | `YYYY-MM-DD`         | the day                                                     |
| `label`  | text                 | what happens (shown nowhere else; for the planner)          |
| `effect` | number > 0 or `closed` | volume factor for that day (`1.3` = 30 % more), or closed |

In the forecast horizon a factor multiplies every method's forecast for that day and `closed`
removes the day. In the history, special days are left out of fitting (they are one-offs, not
patterns), whatever their effect.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import holidays as holidays_lib
import numpy as np
import pandas as pd

from wfm.errors import InputError
from wfm.forecasting.history import QueueSeries
from wfm.tables import Column, TableSchema, read_table

SPECIAL_DAYS_SCHEMA = TableSchema(
    name="special days",
    columns=(
        Column("date", "date", doc="the day, YYYY-MM-DD"),
        Column("label", "str", required=False, default="", doc="what happens that day"),
        Column("effect", "str", doc="volume factor > 0, or 'closed'"),
    ),
)


@dataclass(frozen=True)
class Calendar:
    """Public holidays (`holiday_days`) and special days (`special_factor`: day → factor, 0 = closed)."""

    holiday_days: frozenset[np.datetime64] = field(default_factory=frozenset)
    special_factor: dict[np.datetime64, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if any(f < 0 or not np.isfinite(f) for f in self.special_factor.values()):
            raise ValueError("special-day factors must be ≥ 0 (0 = closed)")

    def is_holiday(self, days: np.ndarray) -> np.ndarray:
        """True for each day (`datetime64[D]`) that is a public holiday."""
        return np.isin(days, np.array(sorted(self.holiday_days), dtype="datetime64[D]"))

    def is_special(self, days: np.ndarray) -> np.ndarray:
        """True for each day listed in the special-days file."""
        return np.isin(days, np.array(sorted(self.special_factor), dtype="datetime64[D]"))

    def factor(self, days: np.ndarray) -> np.ndarray:
        """The volume factor of each day: 1 for ordinary days, 0 for special days declared closed."""
        return np.array([self.special_factor.get(d, 1.0) for d in days.astype("datetime64[D]")], dtype=float)

    def mark(self, series: QueueSeries) -> QueueSeries:
        """`series` with its `holiday` and `excluded` (special) day flags set."""
        days = series.days
        return dataclasses.replace(series, holiday=self.is_holiday(days), excluded=self.is_special(days))


def build_calendar(country: str | None, years: range, special_days: str | Path | None = None) -> Calendar:
    """The calendar for `years` (e.g. history through horizon): holidays of `country`, special days."""
    holiday_days: frozenset[np.datetime64] = frozenset()
    if country:
        try:
            found = holidays_lib.country_holidays(country.upper(), years=list(years))
        except NotImplementedError:
            raise InputError(
                f"unknown country code '{country}' for public holidays",
                hint="use an ISO 3166 alpha-2 code supported by the holidays package, e.g. ES, MX, CO",
            ) from None
        holiday_days = frozenset(np.datetime64(d, "D") for d in found)
    special = read_special_days(special_days) if special_days is not None else {}
    return Calendar(holiday_days=holiday_days, special_factor=special)


def read_special_days(path: str | Path) -> dict[np.datetime64, float]:
    """Read a special-days file into day → factor (0 = closed). Raises `InputError` with row and column."""
    frame = read_table(path, SPECIAL_DAYS_SCHEMA)
    effect = frame["effect"].str.lower()
    closed = effect == "closed"
    factor = pd.to_numeric(effect.where(~closed), errors="coerce")
    bad = ~closed & ~(factor > 0)
    if bad.any():
        row = bad.idxmax()
        raise InputError(
            f"effect must be a factor > 0 or 'closed', got '{frame.at[row, 'effect']}'",
            path=path,
            row=int(row),
            column="effect",
            hint="e.g. 1.3 for 30 % more contacts than usual",
        )
    dup = frame["date"].duplicated()
    if dup.any():
        row = dup.idxmax()
        raise InputError("day listed twice", path=path, row=int(row), column="date")
    days = frame["date"].to_numpy().astype("datetime64[D]")
    values = np.where(closed, 0.0, factor.fillna(0.0).to_numpy(dtype=float))
    return dict(zip(days, values, strict=True))
