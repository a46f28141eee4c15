"""Read and validate `history.csv`: contacts and handle time per interval and queue.

Columns (one row per queue and interval in which the queue was open):

| column           | type                        | unit / meaning                                        |
|------------------|-----------------------------|-------------------------------------------------------|
| `interval_start` | ISO 8601 local date-time    | start of the interval, e.g. `2026-06-01T08:15`        |
| `queue`          | text, optional (`main`)     | queue name                                            |
| `contacts`       | number ≥ 0                  | contacts offered in the interval                      |
| `aht_seconds`    | number > 0                  | average handle time, seconds                          |
| `talk_seconds`, `hold_seconds`, `acw_seconds` | numbers ≥ 0 | its parts (AHT = their sum), seconds      |

Give `aht_seconds` or all three parts (both is accepted when they agree within 1 s). Handle time
may be empty where `contacts` is 0.

The interval length is detected: the most common spacing between consecutive rows of a queue
on one day, which must be 5, 15, 30 or 60 minutes. Every timestamp must lie on that grid, and
every queue and day must use it (mixed grids are refused).

**How missing intervals are read.** A row means the queue was open in that interval; a row with
`contacts` 0 means open and nobody called. No row means closed:

* a day with no rows for a queue is a closed day (Sundays, holidays);
* intervals before a day's first row and after its last row are closed hours (nights);
* an interval missing *between* a day's first and last row is a gap in the export, not a
  closure, and is refused — a queue that closes for lunch must still list those intervals with
  `contacts` 0 (they are then forecast as open with little or no volume);
* seven or more consecutive days without rows inside a queue's history are a gap, refused too:
  no centre closes for a week, and reading it as closed would teach the methods a false pattern.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.errors import InputError
from wfm.requirements import FORECAST_SCHEMA
from wfm.tables import TableSchema, read_table

GRIDS_MIN = (5, 15, 30, 60)
"""Interval lengths (minutes) a history may use."""
MAX_CLOSED_RUN_DAYS = 7
"""This many consecutive days without rows inside a queue's history are a gap, not a closure."""
_PARTS = ("talk_seconds", "hold_seconds", "acw_seconds")
_AHT_AGREEMENT_S = 1.0

# history has the forecast's columns (a forecast is a future history)
HISTORY_SCHEMA = TableSchema(name="history", columns=FORECAST_SCHEMA.columns)


@dataclass(frozen=True)
class QueueSeries:
    """One queue's history on a dense grid of days × intervals of the day.

    `contacts[d, s]` are the contacts of interval `s` (of `interval_min` minutes) on day
    `first_day + d`, 0 where closed; `is_open` marks intervals that had a row; `aht_s` is the
    average handle time in seconds (NaN where no contacts). `holiday` and `excluded` flag days
    (public holidays; special days not used to fit) and are set from the calendar.
    """

    queue: str
    first_day: np.datetime64
    interval_min: int
    contacts: np.ndarray
    is_open: np.ndarray
    aht_s: np.ndarray
    holiday: np.ndarray
    excluded: np.ndarray

    def __post_init__(self) -> None:
        if self.interval_min not in GRIDS_MIN:
            raise ValueError(f"interval_min must be one of {GRIDS_MIN}, got {self.interval_min}")
        shape = (self.n_days, 1440 // self.interval_min)
        for name in ("contacts", "is_open", "aht_s"):
            if getattr(self, name).shape != shape:
                raise ValueError(f"{name} has shape {getattr(self, name).shape}, expected {shape}")
        for name in ("holiday", "excluded"):
            if getattr(self, name).shape != (self.n_days,):
                raise ValueError(f"{name} must have one flag per day")
        if (self.contacts < 0).any() or (self.contacts[~self.is_open] != 0).any():
            raise ValueError("contacts must be ≥ 0 and 0 where closed")

    @property
    def n_days(self) -> int:
        return int(self.contacts.shape[0])

    @property
    def slots_per_day(self) -> int:
        return 1440 // self.interval_min

    @property
    def days(self) -> np.ndarray:
        """The calendar day of each row, as `datetime64[D]`."""
        return self.first_day + np.arange(self.n_days)

    @property
    def last_day(self) -> np.datetime64:
        return self.first_day + (self.n_days - 1)

    @property
    def day_open(self) -> np.ndarray:
        """True for days with at least one open interval."""
        return self.is_open.any(axis=1)

    @property
    def regular(self) -> np.ndarray:
        """Open days that are neither holidays nor special days: the days methods learn from."""
        return self.day_open & ~self.holiday & ~self.excluded

    def truncate(self, last_day: np.datetime64) -> QueueSeries:
        """The history up to and including `last_day` (a backtest cutoff)."""
        n = int((np.datetime64(last_day, "D") - self.first_day).astype(int)) + 1
        n = max(0, min(n, self.n_days))
        return dataclasses.replace(
            self,
            contacts=self.contacts[:n],
            is_open=self.is_open[:n],
            aht_s=self.aht_s[:n],
            holiday=self.holiday[:n],
            excluded=self.excluded[:n],
        )


@dataclass(frozen=True)
class History:
    """Every queue's history, all on one interval grid. `source` names the file in messages."""

    interval_min: int
    queues: dict[str, QueueSeries]
    source: str

    @property
    def last_day(self) -> np.datetime64:
        return max(s.last_day for s in self.queues.values())


def read_history(path: str | Path) -> History:
    """Read and validate `history.csv` (schema and missing-interval rules in the module docstring).

    Raises `InputError` naming file, row and column for the first problem found.
    """
    frame = read_table(path, HISTORY_SCHEMA)
    return history_from_frame(frame, source=str(path))


def history_from_frame(frame: pd.DataFrame, source: str = "history", interval_min: int | None = None) -> History:
    """Validate a long table (columns as in `history.csv`, parsed) and grid it per queue.

    `interval_min` imposes a grid (minutes) instead of detecting it: rows off it, or further
    apart on a day, are refused as off the history's grid (used for today's actuals, which may
    hold a single interval). Row numbers in error messages are the frame's index values (file
    line numbers when the frame comes from `wfm.tables.read_table`).
    """
    if frame.empty:
        raise InputError("no rows: the history needs at least one week per queue", path=source)
    frame = frame.copy()
    if "queue" not in frame:
        frame["queue"] = "main"
    frame["queue"] = frame["queue"].astype(str)
    frame["interval_start"] = pd.to_datetime(frame["interval_start"])
    frame["aht_s"] = _handle_time(frame, source)
    frame = frame.sort_values(["queue", "interval_start"], kind="stable")
    _check_duplicates(frame, source)
    if interval_min is None:
        interval_min = _detect_grid(frame, source)
        _check_grid(frame, interval_min, source, "this file")
    else:
        _check_grid(frame, interval_min, source, "the history")
    _check_day_gaps(frame, source)
    queues = {q: _grid_queue(q, part, interval_min) for q, part in frame.groupby("queue", sort=True)}
    return History(interval_min=interval_min, queues=queues, source=source)


def _handle_time(frame: pd.DataFrame, source: str) -> pd.Series:
    """AHT in seconds per row: `aht_seconds`, or the sum of its parts; NaN where no contacts."""
    aht = _column(frame, "aht_seconds")
    parts = pd.concat([_column(frame, p) for p in _PARTS], axis=1)
    has_parts = parts.notna()
    summed = parts.sum(axis=1, min_count=len(_PARTS))
    partial = has_parts.any(axis=1) & ~has_parts.all(axis=1)
    if partial.any():
        row = partial.idxmax()
        missing = next(p for p in _PARTS if pd.isna(parts.at[row, p]))
        raise InputError(
            "handle-time parts incomplete",
            path=source,
            row=int(row),
            column=missing,
            hint="give all of talk_seconds, hold_seconds, acw_seconds, or aht_seconds",
        )
    both = aht.notna() & summed.notna()
    disagree = both & ((aht - summed).abs() > _AHT_AGREEMENT_S)
    if disagree.any():
        row = disagree.idxmax()
        raise InputError(
            f"aht_seconds {aht[row]:g} is not talk + hold + acw = {summed[row]:g}",
            path=source,
            row=int(row),
            column="aht_seconds",
        )
    out = aht.fillna(summed)
    busy = frame["contacts"] > 0
    missing = busy & out.isna()
    if missing.any():
        row = missing.idxmax()
        raise InputError(
            "handle time missing for a row with contacts",
            path=source,
            row=int(row),
            column="aht_seconds",
            hint="give aht_seconds, or talk_seconds, hold_seconds and acw_seconds",
        )
    zero = busy & (out <= 0)
    if zero.any():
        row = zero.idxmax()
        raise InputError("handle time must be > 0 where contacts > 0", path=source, row=int(row), column="talk_seconds")
    return out.where(busy)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame:
        return pd.Series(np.nan, index=frame.index)
    return pd.to_numeric(frame[name], errors="coerce")


def _check_duplicates(frame: pd.DataFrame, source: str) -> None:
    dup = frame.duplicated(["queue", "interval_start"], keep="first")
    if dup.any():
        row = dup.idxmax()
        key = frame.loc[row, ["queue", "interval_start"]]
        first = frame.index[(frame["queue"] == key["queue"]) & (frame["interval_start"] == key["interval_start"])][0]
        raise InputError(
            f"duplicate interval {_stamp(key['interval_start'])} for queue '{key['queue']}' (first at row {first})",
            path=source,
            row=int(row),
            column="interval_start",
        )


def _detect_grid(frame: pd.DataFrame, source: str) -> int:
    """The interval length in minutes: the most common spacing of a queue's rows on one day."""
    stamps = frame["interval_start"]
    seconds = (stamps - stamps.dt.normalize()).dt.total_seconds().to_numpy()
    off5 = (seconds % (5 * 60)) != 0
    if off5.any():
        row = frame.index[np.argmax(off5)]
        raise InputError(
            f"{_stamp(stamps[row])} is not on a 5-, 15-, 30- or 60-minute grid",
            path=source,
            row=int(row),
            column="interval_start",
        )
    _, _, same_day, step = _spacing(frame)
    steps = step[same_day]
    if steps.size == 0:
        raise InputError(
            "cannot detect the interval length: no queue has two rows on one day",
            path=source,
            hint="the history must list every open interval, at a 5, 15, 30 or 60-minute grid",
        )
    values, counts = np.unique(steps, return_counts=True)
    grid = int(values[np.argmax(counts)])
    if grid not in GRIDS_MIN:
        row = frame.index[np.argmax(same_day & (step == grid))]
        raise InputError(
            f"most rows are {grid} minutes apart; supported interval lengths are 5, 15, 30 and 60 minutes",
            path=source,
            row=int(row),
            column="interval_start",
        )
    return grid


def _spacing(frame: pd.DataFrame) -> tuple[np.ndarray, pd.Series, np.ndarray, np.ndarray]:
    """Per row (frame sorted by queue, time): minute of the day, queue|day key, whether the previous
    row is the same queue and day, and the minutes since it (0 when not)."""
    stamps = frame["interval_start"]
    minute = ((stamps - stamps.dt.normalize()).dt.total_seconds().to_numpy() // 60).astype(np.int64)
    day_key = frame["queue"] + "|" + stamps.dt.strftime("%Y-%m-%d")
    same_day = (day_key == day_key.shift()).to_numpy()
    step = np.where(same_day, np.diff(minute, prepend=0), 0)
    return minute, day_key, same_day, step


def _check_grid(frame: pd.DataFrame, grid: int, source: str, grid_of: str) -> None:
    """Refuse timestamps off the `grid`-minute grid (of `grid_of`), mixed grids and in-day gaps."""
    stamps = frame["interval_start"]
    minute, day_key, same_day, step = _spacing(frame)
    off = (minute % grid) != 0
    if off.any():
        row = frame.index[np.argmax(off)]
        raise InputError(
            f"{_stamp(stamps[row])} is off the {grid}-minute grid of {grid_of}",
            path=source,
            row=int(row),
            column="interval_start",
            hint=f"interval starts must be multiples of {grid} minutes after midnight",
        )
    day_min_step = pd.Series(np.where(same_day, step, np.iinfo(np.int64).max)).groupby(day_key.to_numpy()).min()
    coarse = day_min_step[(day_min_step > grid) & (day_min_step < np.iinfo(np.int64).max)]
    if not coarse.empty:
        key = coarse.index[0]
        position = np.argmax((day_key.to_numpy() == key) & same_day)
        raise InputError(
            f"mixed grids: rows {int(coarse.iloc[0])} minutes apart for queue '{key.split('|')[0]}' "
            f"on {key.split('|')[1]}, but {grid} minutes apart "
            + ("elsewhere" if grid_of == "this file" else f"in {grid_of}"),
            path=source,
            row=int(frame.index[position]),
            column="interval_start",
            hint=f"give the whole history at one interval length ({grid} minutes)",
        )
    gap = same_day & (step > grid)
    if gap.any():
        position = int(np.argmax(gap))
        row, before = frame.index[position], frame.index[position - 1]
        missing_from = stamps[before] + pd.Timedelta(minutes=grid)
        raise InputError(
            f"gap: no row for queue '{frame.at[row, 'queue']}' from {_stamp(missing_from)} to "
            f"{_stamp(stamps[row] - pd.Timedelta(minutes=grid))} (between rows {before} and {row})",
            path=source,
            row=int(row),
            column="interval_start",
            hint="an open queue needs a row for every interval between its first and last of the day "
            "(contacts 0 when none arrived); see 'How missing intervals are read'",
        )


def _check_day_gaps(frame: pd.DataFrame, source: str) -> None:
    for queue, part in frame.groupby("queue", sort=True):
        days = part["interval_start"].dt.normalize()
        jump = (days - days.shift()).dt.days.fillna(0).to_numpy()
        long = jump > MAX_CLOSED_RUN_DAYS
        if long.any():
            position = int(np.argmax(long))
            row = part.index[position]
            raise InputError(
                f"gap: queue '{queue}' has no rows for {int(jump[position]) - 1} days before "
                f"{days.iloc[position]:%Y-%m-%d}",
                path=source,
                row=int(row),
                column="interval_start",
                hint=f"{MAX_CLOSED_RUN_DAYS} or more days without rows are read as missing data, not a "
                "closure: start the history after the gap",
            )


def _grid_queue(queue: str, part: pd.DataFrame, interval_min: int) -> QueueSeries:
    stamps = part["interval_start"]
    day = stamps.dt.normalize().to_numpy().astype("datetime64[D]")
    first = day.min()
    day_index = (day - first).astype(np.int64)
    slot = ((stamps - stamps.dt.normalize()).dt.total_seconds().to_numpy() // (60 * interval_min)).astype(int)
    shape = (int(day_index.max()) + 1, 1440 // interval_min)
    contacts = np.zeros(shape)
    is_open = np.zeros(shape, dtype=bool)
    aht = np.full(shape, np.nan)
    contacts[day_index, slot] = part["contacts"].to_numpy(dtype=float)
    is_open[day_index, slot] = True
    aht[day_index, slot] = part["aht_s"].to_numpy(dtype=float)
    flags = np.zeros(shape[0], dtype=bool)
    return QueueSeries(
        queue=queue,
        first_day=first,
        interval_min=interval_min,
        contacts=contacts,
        is_open=is_open,
        aht_s=aht,
        holiday=flags,
        excluded=flags.copy(),
    )


def _stamp(value: pd.Timestamp) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M")
