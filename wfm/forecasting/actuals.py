"""Today's actuals so far (`wfm forecast --actuals FILE`): the history's format, checked against it.

The file has the columns of `history.csv` and is read by the same reader with the same rules
(see `history.py`: a row means open, no row means closed, no gap inside a day), on the
history's interval grid. It covers one day or a few days ending *now*: now is the end of its
last interval (over all queues), and every interval of the forecast that starts before now is
*elapsed* — the output carries what happened there, and `intraday.py` re-forecasts the rest of
that day from it. Export completed intervals only: an interval still running would read as low.

Refused, each naming file, row and column (exit 2):

* a queue the history does not have;
* an interval off the history's grid, or a gap inside a day;
* a row on a day the history covers that contradicts it (closed there, other contacts, or an
  AHT more than 1 s apart): an export of the last few days may overlap the history, but must
  agree with it;
* a day after the history and before `--start` (neither history nor forecast: start the
  forecast that day, or add the day to the history);
* actuals that start after `--start` (the forecast's days before now need their actuals), end
  before it (nothing to re-forecast), or run past the forecast's last day.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.errors import InputError
from wfm.forecasting.history import HISTORY_SCHEMA, History, QueueSeries, history_from_frame
from wfm.tables import read_table

CONTACTS_TOLERANCE = 0.005
"""Contacts in the actuals and the history agree within this (half a rounding step of 0.01)."""
AHT_TOLERANCE_S = 1.0


@dataclass(frozen=True)
class Observed:
    """What happened on the forecast's days × intervals (`interval_min` grid), up to now.

    `elapsed[d, s]` marks intervals that started before now; there `is_open` and `contacts` are as
    observed (closed, 0 where the actuals have no row) and `aht_s` is the observed AHT in seconds
    (NaN where nobody called). `today` is the row of the day now falls in (the last actual's day).
    """

    elapsed: np.ndarray
    is_open: np.ndarray
    contacts: np.ndarray
    aht_s: np.ndarray
    today: int

    def __post_init__(self) -> None:
        shape = self.elapsed.shape
        if any(a.shape != shape for a in (self.is_open, self.contacts, self.aht_s)):
            raise ValueError("elapsed, is_open, contacts and aht_s must have one shape")
        if not 0 <= self.today < shape[0]:
            raise ValueError("today must be a row of the grid")
        if (self.is_open & ~self.elapsed).any() or (self.contacts[~self.is_open] != 0).any():
            raise ValueError("observed intervals must be elapsed; contacts 0 where closed")


@dataclass(frozen=True)
class Actuals:
    """The actuals per queue on the history's grid; `rows` keeps each row's file line number
    (index), queue and interval start for messages; `last_start` is the last interval's start."""

    queues: dict[str, QueueSeries]
    rows: pd.DataFrame
    interval_min: int
    source: str

    @property
    def last_start(self) -> np.datetime64:
        return np.datetime64(self.rows["interval_start"].max(), "m")

    @property
    def now(self) -> np.datetime64:
        """The end of the last actual interval: everything before it has happened."""
        return self.last_start + np.timedelta64(self.interval_min, "m")

    @property
    def today(self) -> np.datetime64:
        return self.last_start.astype("datetime64[D]")

    def observed(self, queue: str, first_day: np.datetime64, n_days: int) -> Observed:
        """What happened to `queue` on the `n_days` from `first_day` (see `Observed`)."""
        slots = 1440 // self.interval_min
        starts = (first_day + np.arange(n_days)).astype("datetime64[m]")[:, None] + np.arange(slots) * np.timedelta64(
            self.interval_min, "m"
        )
        elapsed = starts < self.now
        is_open, contacts, aht = np.zeros_like(elapsed), np.zeros(elapsed.shape), np.full(elapsed.shape, np.nan)
        series = self.queues.get(queue)
        if series is not None:
            offset = int((series.first_day - np.datetime64(first_day, "D")).astype(int))
            lo, hi = max(0, offset), min(n_days, offset + series.n_days)
            if lo < hi:
                is_open[lo:hi] = series.is_open[lo - offset : hi - offset]
                contacts[lo:hi] = series.contacts[lo - offset : hi - offset]
                aht[lo:hi] = series.aht_s[lo - offset : hi - offset]
        today = int((self.today - np.datetime64(first_day, "D")).astype(int))
        return Observed(elapsed, is_open & elapsed, np.where(elapsed, contacts, 0.0), aht, today)


def read_actuals(path: str | Path, history: History) -> Actuals:
    """Read today's actuals (the history's format) and check them against `history`.

    Raises `InputError` naming file, row and column (rules in the module docstring).
    """
    frame = read_table(path, HISTORY_SCHEMA)
    return actuals_from_frame(frame, history, source=str(path))


def actuals_from_frame(frame: pd.DataFrame, history: History, source: str = "actuals") -> Actuals:
    """Validate a parsed actuals table against `history` and grid it on the history's grid."""
    if frame.empty:
        raise InputError("no rows: the actuals need at least one interval", path=source)
    frame = frame.copy()
    if "queue" not in frame:
        frame["queue"] = "main"
    frame["queue"] = frame["queue"].astype(str)
    unknown = ~frame["queue"].isin(list(history.queues))
    if unknown.any():
        row = unknown.idxmax()
        raise InputError(
            f"queue '{frame.at[row, 'queue']}' is not in the history",
            path=source,
            row=int(row),
            column="queue",
            hint=f"the history's queues: {', '.join(sorted(history.queues))}",
        )
    gridded = history_from_frame(frame, source, interval_min=history.interval_min)
    rows = frame[["queue", "interval_start"]].copy()
    rows["interval_start"] = pd.to_datetime(rows["interval_start"])
    actuals = Actuals(gridded.queues, rows, history.interval_min, source)
    for queue, series in actuals.queues.items():
        _check_overlap(actuals, series, history.queues[queue], history.last_day)
    return actuals


def check_days(actuals: Actuals, history_last_day: np.datetime64, first_day: np.datetime64, n_days: int) -> None:
    """Refuse actuals that do not end inside the forecast's `n_days` from `first_day`, start after
    it, or have days between the history and it (module docstring)."""
    first_day = np.datetime64(first_day, "D")
    last_day = first_day + (n_days - 1)
    days = actuals.rows["interval_start"].to_numpy().astype("datetime64[D]")
    if actuals.today < first_day:
        raise _at_row(
            actuals,
            (actuals.rows["interval_start"] == actuals.rows["interval_start"].max()).to_numpy(),
            f"the actuals end on {actuals.today}, before --start {first_day}: nothing to re-forecast",
            hint=f"start the forecast on {actuals.today}, the day now falls in"
            if actuals.today > history_last_day
            else f"the history already ends on {history_last_day}: give actuals of the days after it",
        )
    if actuals.today > last_day:
        raise _at_row(
            actuals,
            days > last_day,
            f"the actuals run to {actuals.today}, after the forecast's last day {last_day}",
            hint="forecast up to the day of the last actual, or drop later rows",
        )
    between = (days > history_last_day) & (days < first_day)
    if between.any():
        raise _at_row(
            actuals,
            between,
            f"{days[between.argmax()]} is neither in the history (it ends on {history_last_day}) "
            f"nor in the forecast (from {first_day})",
            hint="start the forecast on that day, or add the day to the history",
        )
    if days.min() > first_day:
        raise _at_row(
            actuals,
            days == days.min(),
            f"the actuals start on {days.min()}, after --start {first_day}: the forecast's days before "
            "now need their actuals",
            hint=f"export the actuals from {first_day}, or start the forecast on {actuals.today}",
        )


def _check_overlap(
    actuals: Actuals, series: QueueSeries, history: QueueSeries, history_last_day: np.datetime64
) -> None:
    """Refuse actual rows on the history's days that disagree with it."""
    n = min(int((history_last_day - series.first_day).astype(int)) + 1, series.n_days)
    if n <= 0:
        return
    offset = int((series.first_day - history.first_day).astype(int))
    a_open = series.is_open[:n]
    h_open = np.zeros_like(a_open)
    h_contacts, h_aht = np.zeros(a_open.shape), np.full(a_open.shape, np.nan)
    lo, hi = max(0, -offset), min(n, history.n_days - offset)
    if lo < hi:
        h_open[lo:hi] = history.is_open[lo + offset : hi + offset]
        h_contacts[lo:hi] = history.contacts[lo + offset : hi + offset]
        h_aht[lo:hi] = history.aht_s[lo + offset : hi + offset]
    a_contacts, a_aht = series.contacts[:n], series.aht_s[:n]
    checks = (
        ("interval_start", a_open & ~h_open),
        ("contacts", a_open & (np.abs(a_contacts - h_contacts) > CONTACTS_TOLERANCE)),
        ("aht_seconds", a_open & (np.abs(a_aht - h_aht) > AHT_TOLERANCE_S)),
    )
    for column, bad in checks:
        if not bad.any():
            continue
        day, slot = np.argwhere(bad)[0]
        stamp = pd.Timestamp(series.first_day + day) + pd.Timedelta(minutes=int(slot) * series.interval_min)
        what = {
            "interval_start": "the history has no row there (closed)",
            "contacts": f"contacts {a_contacts[day, slot]:g} here, {h_contacts[day, slot]:g} in the history",
            "aht_seconds": f"AHT {a_aht[day, slot]:g} s here, {h_aht[day, slot]:g} s in the history",
        }[column]
        here = (actuals.rows["queue"] == series.queue) & (actuals.rows["interval_start"] == stamp)
        raise _at_row(
            actuals,
            here.to_numpy(),
            f"contradicts the history for queue '{series.queue}' at {stamp:%Y-%m-%dT%H:%M}: {what}",
            column=column,
            hint="actuals may overlap the history only where they agree with it",
        )


def _at_row(
    actuals: Actuals, mask: np.ndarray, message: str, *, column: str = "interval_start", hint: str | None = None
) -> InputError:
    """An `InputError` at the first row of `mask` (in file order)."""
    rows = actuals.rows.index[np.asarray(mask)]
    return InputError(message, path=actuals.source, row=int(rows.min()), column=column, hint=hint)
