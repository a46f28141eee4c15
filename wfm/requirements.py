"""Staffing requirements per interval: read a forecast, compute required agents, write them.

`forecast.csv` (input, one row per open interval and queue; rows absent = closed):

| column           | type                  | unit / meaning                                              |
|------------------|-----------------------|-------------------------------------------------------------|
| `interval_start` | ISO 8601 local time   | start of the interval, e.g. `2027-06-01T08:00`              |
| `queue`          | text, optional        | queue name (default `main`)                                 |
| `contacts`       | number ≥ 0            | expected contacts arriving in the interval (may be fractional) |
| `aht_seconds`    | number > 0            | average handle time, seconds                                |
| `talk_seconds`   | number ≥ 0            | talk time, seconds (with `hold_seconds` and `acw_seconds`)  |
| `hold_seconds`   | number ≥ 0            | hold time, seconds                                          |
| `acw_seconds`    | number ≥ 0            | after-contact work, seconds                                 |
| `contacts_pNN`   | number ≥ 0, optional  | upper quantile NN % of contacts (`wfm forecast --quantile`)  |

With `--quantile 0.NN`, requirements are computed from `contacts_pNN` instead of `contacts`.

Give `aht_seconds`, or all three parts (AHT = their sum), or both (then they must agree within 1 s).

The interval length is the spacing of `interval_start` (the most common gap; it must divide a day),
and every row must lie on that grid. A file with one timestamp is read as 15-minute intervals.

`requirements.csv` (output, sorted by interval_start then queue):

| column            | unit / meaning                                                              |
|-------------------|-----------------------------------------------------------------------------|
| `interval_start`  | as in the forecast (`YYYY-MM-DDTHH:MM`)                                     |
| `queue`           | queue name                                                                  |
| `contacts`        | expected contacts in the interval                                           |
| `aht_seconds`     | average handle time, seconds                                                |
| `traffic_erlangs` | offered load, contacts × aht_seconds / interval seconds (Erlangs)           |
| `agents_on_phone` | agents taking contacts needed to meet every target (before shrinkage)       |
| `required_agents` | agents to schedule: agents_on_phone grossed up for shrinkage, ≥ min_agents  |
| `service_level`   | projected share of contacts answered within the answer time (0–1)           |
| `asa_seconds`     | projected average speed of answer, seconds                                  |
| `occupancy`       | projected share of the agents' time spent handling contacts (0–1)           |
| `abandon_rate`    | projected share of contacts that abandon (only when a queue uses Erlang A)  |
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.atomic import check_output, write_csv
from wfm.errors import InputError
from wfm.service_config import ServiceConfig
from wfm.staffing import ServiceTargets, required_agents
from wfm.tables import Column, TableSchema, read_table

DEFAULT_INTERVAL_MIN = 15
_AHT_PARTS = ("talk_seconds", "hold_seconds", "acw_seconds")
_AHT_TOLERANCE_S = 1.0  # aht_seconds given with its parts may differ from their sum by rounding
_QUANTILE_COLUMN = re.compile(r"^contacts_p\d{1,2}$")

# Plausibility bounds: beyond them a value is a typo or a unit error, and Erlang's search would not end.
MAX_CONTACTS = 1e6  # contacts in one interval
MAX_SECONDS = 86_400.0  # handle time of one contact
MAX_AGENTS = 100_000  # agents required in one interval

FORECAST_SCHEMA = TableSchema(
    name="forecast",
    columns=(
        Column("interval_start", "datetime", doc="start of the interval, ISO 8601 local date-time"),
        Column("queue", "str", required=False, default="main", doc="queue name"),
        Column("contacts", "float", ge=0, le=MAX_CONTACTS, doc="expected contacts in the interval"),
        Column("aht_seconds", "float", required=False, gt=0, le=MAX_SECONDS, doc="average handle time, seconds"),
        Column("talk_seconds", "float", required=False, ge=0, le=MAX_SECONDS, doc="talk time, seconds"),
        Column("hold_seconds", "float", required=False, ge=0, le=MAX_SECONDS, doc="hold time, seconds"),
        Column("acw_seconds", "float", required=False, ge=0, le=MAX_SECONDS, doc="after-call work, seconds"),
    ),
)

REQUIREMENTS_COLUMNS = (
    "interval_start",
    "queue",
    "contacts",
    "aht_seconds",
    "traffic_erlangs",
    "agents_on_phone",
    "required_agents",
    "service_level",
    "asa_seconds",
    "occupancy",
    "abandon_rate",
)
# Decimals written per float column: small stable files, and rounding never crosses a target
# (service level ≥ target stays ≥ target at 4 decimals since the target has at most 4).
_DECIMALS = {
    "contacts": 4,
    "aht_seconds": 2,
    "traffic_erlangs": 4,
    "service_level": 4,
    "asa_seconds": 2,
    "occupancy": 4,
    "abandon_rate": 4,
}

REQUIREMENTS_SCHEMA = TableSchema(
    name="requirements",
    allow_extra=True,
    columns=(
        Column("interval_start", "datetime"),
        Column("queue", "str"),
        Column("contacts", "float", ge=0, le=MAX_CONTACTS),
        Column("aht_seconds", "float", gt=0, le=MAX_SECONDS),
        Column("traffic_erlangs", "float", required=False, ge=0),
        Column("agents_on_phone", "int", required=False, ge=0, le=MAX_AGENTS),
        Column("required_agents", "int", ge=0, le=MAX_AGENTS),
        Column("service_level", "float", required=False, ge=0, le=1),
        Column("asa_seconds", "float", required=False, ge=0),
        Column("occupancy", "float", required=False, ge=0, le=1),
        Column("abandon_rate", "float", required=False, ge=0, le=1),
    ),
)

_TIME_FORMAT = "%Y-%m-%dT%H:%M"


def _present(df: pd.DataFrame, column: str) -> bool:
    """Whether an optional column was in the file (absent ones are filled with None by read_table)."""
    return df[column].dtype != object


def _first_row(df: pd.DataFrame, mask: np.ndarray | pd.Series) -> int:
    return int(df.index[np.argmax(np.asarray(mask))])


def _check_timestamps(df: pd.DataFrame, path: str | Path | None) -> int:
    """Check local time stamps, unique (interval, queue) and one regular grid; return interval_min."""
    times = df["interval_start"]
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        raise InputError(
            "time zone offsets are not accepted: give local date-times (YYYY-MM-DDTHH:MM)",
            path=path,
            row=int(df.index[0]),
            column="interval_start",
        )
    dupes = df.duplicated(["interval_start", "queue"], keep="first")
    if dupes.any():
        row = _first_row(df, dupes)
        first = df.index[(df["interval_start"] == times[row]) & (df["queue"] == df.at[row, "queue"])][0]
        raise InputError(
            f"duplicate interval {times[row].strftime(_TIME_FORMAT)} for queue '{df.at[row, 'queue']}' "
            f"(first at row {first})",
            path=path,
            row=row,
            column="interval_start",
        )
    return _interval_minutes(df, path)


def _interval_minutes(df: pd.DataFrame, path: str | Path | None) -> int:
    """The grid step of `interval_start` in minutes, with every row on the grid.

    The step is the gap between consecutive time stamps (whole minutes dividing a day) that puts
    the most rows on one grid (larger steps win ties); the first row off that grid is reported.
    """
    seconds = df["interval_start"].to_numpy().astype("datetime64[s]").astype(np.int64)
    stamps = np.unique(seconds)
    if stamps.size < 2:
        return DEFAULT_INTERVAL_MIN
    gaps = np.unique(np.diff(stamps))
    steps = [int(g) for g in gaps if g % 60 == 0 and 86400 % g == 0]
    if not steps:
        row = _first_row(df, seconds == stamps[1])
        raise InputError(
            f"intervals are {(stamps[1] - stamps[0]) / 60:g} minutes apart; the interval length must be "
            "whole minutes dividing a day (e.g. 15, 30 or 60)",
            path=path,
            row=row,
            column="interval_start",
        )
    best: tuple[int, int, int] | None = None  # (rows on grid, step, residue)
    for step in steps:
        residues, counts = np.unique(seconds % step, return_counts=True)
        k = int(np.argmax(counts))
        candidate = (int(counts[k]), step, int(residues[k]))
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    _, step, residue = best
    off = seconds % step != residue
    if off.any():
        row = _first_row(df, off)
        example = df["interval_start"].iloc[int(np.argmax(~off))]
        raise InputError(
            f"{df.at[row, 'interval_start'].strftime(_TIME_FORMAT)} is off the {step // 60}-minute grid "
            f"of the other rows (e.g. {example.strftime(_TIME_FORMAT)})",
            path=path,
            row=row,
            column="interval_start",
            hint="every interval_start must be a whole number of intervals from the others",
        )
    return step // 60


def quantile_column(quantile: float) -> str:
    """The forecast column of contacts at `quantile`: 0.5 → `contacts` (P50), 0.8 → `contacts_p80`."""
    if not 0 < quantile < 1:
        raise InputError(f"--quantile must be in (0, 1), got {quantile:g}")
    percent = round(quantile * 100)
    return "contacts" if percent == 50 else f"contacts_p{percent}"


def _quantile_columns(path: str | Path) -> list[str]:
    """The `contacts_pNN` columns in the header of `path` (empty if unreadable: read_table reports it)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError):
        return []
    return [h.strip() for h in header if _QUANTILE_COLUMN.match(h.strip())]


def read_forecast(path: str | Path, quantile: float | None = None) -> pd.DataFrame:
    """Read and validate `forecast.csv` (module docstring); raise `InputError` naming file, row, column.

    With `quantile` (e.g. 0.8) the `contacts` returned are the file's `contacts_p80` column: staffing
    to an upper quantile of the forecast. Returns columns interval_start, queue, contacts,
    aht_seconds (filled from its parts when only they are given) and the parts (NaN when absent),
    indexed by file row, sorted by (interval_start, queue); `df.attrs["interval_min"]` holds the
    interval length in minutes.
    """
    use = quantile_column(quantile) if quantile is not None else "contacts"
    extra = _quantile_columns(path)
    schema = replace(
        FORECAST_SCHEMA,
        columns=FORECAST_SCHEMA.columns
        + tuple(Column(q, "float", required=False, ge=0) for q in extra)
        + (Column("source", "str", required=False, choices=("actual", "forecast")),),
    )
    df = read_table(path, schema)
    if use != "contacts":
        if use not in extra:
            have = ", ".join(extra) or "none"
            raise InputError(
                f"no column {use} for --quantile {quantile:g} (quantile columns in the file: {have})",
                path=path,
                row=1,
                hint="write it with `wfm forecast --quantile`",
            )
        empty = df[use].isna()
        if empty.any():
            raise InputError("empty value", path=path, row=_first_row(df, empty), column=use)
        df["contacts"] = df[use]
    has_aht = _present(df, "aht_seconds")
    parts = [p for p in _AHT_PARTS if _present(df, p)]
    if not has_aht and len(parts) < len(_AHT_PARTS):
        missing = [p for p in _AHT_PARTS if p not in parts]
        raise InputError(
            f"missing column(s): aht_seconds, or all of {', '.join(_AHT_PARTS)} (missing {', '.join(missing)})",
            path=path,
            row=1,
        )
    if df.empty:
        raise InputError("no intervals: the file has a header but no rows", path=path, row=2)
    for name in parts if len(parts) == len(_AHT_PARTS) else []:
        df[name] = df[name].astype(float)
    for name in ["aht_seconds"] if has_aht else list(_AHT_PARTS):
        empty = df[name].isna()
        if empty.any():
            raise InputError("empty value", path=path, row=_first_row(df, empty), column=name)
    if len(parts) == len(_AHT_PARTS):
        total = df["talk_seconds"] + df["hold_seconds"] + df["acw_seconds"]
        if has_aht:
            off = (df["aht_seconds"] - total).abs() > _AHT_TOLERANCE_S
            off &= total.notna()
            if off.any():
                row = _first_row(df, off)
                raise InputError(
                    f"aht_seconds {df.at[row, 'aht_seconds']:g} differs from talk_seconds + hold_seconds "
                    f"+ acw_seconds = {total[row]:g}",
                    path=path,
                    row=row,
                    column="aht_seconds",
                )
        else:
            bad = total <= 0
            if bad.any():
                row = _first_row(df, bad)
                raise InputError(
                    "handle time talk_seconds + hold_seconds + acw_seconds must be > 0, got 0",
                    path=path,
                    row=row,
                    column="talk_seconds",
                )
            df["aht_seconds"] = total
    else:
        for name in _AHT_PARTS:
            df[name] = np.nan
    df["aht_seconds"] = df["aht_seconds"].astype(float)
    df["contacts"] = df["contacts"].astype(float)
    interval_min = _check_timestamps(df, path)
    df = df.sort_values(["interval_start", "queue"], kind="stable")
    df.attrs["interval_min"] = interval_min
    return df[["interval_start", "queue", "contacts", "aht_seconds", *_AHT_PARTS]]


def _targets_of(targets_by_queue: Mapping[str, ServiceTargets] | ServiceConfig, queue: str) -> ServiceTargets:
    if isinstance(targets_by_queue, ServiceConfig):
        return targets_by_queue.targets_for(queue)
    if queue not in targets_by_queue:
        raise InputError(f"no service targets for queue '{queue}'", column="queue")
    return targets_by_queue[queue]


def compute_requirements(
    forecast_df: pd.DataFrame, targets_by_queue: Mapping[str, ServiceTargets] | ServiceConfig
) -> pd.DataFrame:
    """Required agents for every row of a forecast (as returned by `read_forecast`).

    `targets_by_queue` maps each queue to its targets (a `ServiceConfig` serves every queue).
    Returns the columns of `requirements.csv` (module docstring) in order, sorted by
    (interval_start, queue); `abandon_rate` only when some queue uses Erlang A. The interval
    length is `forecast_df.attrs["interval_min"]`, or inferred from the time stamps.
    """
    df = forecast_df.sort_values(["interval_start", "queue"], kind="stable")
    interval_min = int(forecast_df.attrs.get("interval_min") or _check_timestamps(df, None))
    results = []
    erlang_a = False
    for queue, rows in df.groupby("queue", sort=True):
        targets = _targets_of(targets_by_queue, str(queue))
        erlang_a |= targets.model == "erlang-a" and targets.channel != "email"
        contacts, aht = rows["contacts"].to_numpy(), rows["aht_seconds"].to_numpy()
        res = required_agents(contacts, aht, interval_min, targets)
        part = pd.DataFrame(res, index=rows.index)
        part.insert(0, "interval_start", rows["interval_start"])
        part.insert(1, "queue", str(queue))
        part.insert(2, "contacts", rows["contacts"])
        part.insert(3, "aht_seconds", rows["aht_seconds"])
        results.append(part)
    out = pd.concat(results).sort_values(["interval_start", "queue"], kind="stable")
    columns = [c for c in REQUIREMENTS_COLUMNS if c != "abandon_rate" or erlang_a]
    out = out[columns]
    out.attrs["interval_min"] = interval_min
    _check_magnitude(out)
    return out


def _check_magnitude(requirements: pd.DataFrame) -> None:
    """Refuse a result the requirements reader would refuse: more than `MAX_AGENTS` in one interval."""
    over = requirements["required_agents"].to_numpy() > MAX_AGENTS
    if over.any():
        row = requirements.iloc[int(np.argmax(over))]
        raise InputError(
            f"{int(row['required_agents']):,} agents required at {row['interval_start']:%Y-%m-%dT%H:%M} on queue "
            f"'{row['queue']}' (more than {MAX_AGENTS:,})",
            column="contacts",
            hint="check the units of contacts (per interval) and handle time (seconds)",
        )


def write_requirements(path: str | Path, df: pd.DataFrame) -> None:
    """Write `requirements.csv` atomically: fixed column order, rounded floats, local time stamps."""
    out = df[[c for c in REQUIREMENTS_COLUMNS if c in df.columns]].copy()
    # numpy formats ISO minutes in C; pandas' strftime is a Python loop (20× slower).
    minutes = out["interval_start"].to_numpy().astype("datetime64[m]")
    out["interval_start"] = np.datetime_as_string(minutes, unit="m")
    for column, decimals in _DECIMALS.items():
        if column in out:
            out[column] = out[column].astype(float).round(decimals)
    for column in ("agents_on_phone", "required_agents"):
        if column in out:
            out[column] = out[column].astype(np.int64)
    write_csv(path, out)


def read_requirements(path: str | Path) -> pd.DataFrame:
    """Read and validate `requirements.csv` as the scheduler consumes it.

    Needs at least interval_start, queue, contacts, aht_seconds and required_agents (other
    columns of the format are checked when present; unknown columns are ignored). Rows are
    unique per (interval_start, queue) and on one regular grid; returned sorted by
    (interval_start, queue), indexed by file row, with `df.attrs["interval_min"]`.
    """
    df = read_table(path, REQUIREMENTS_SCHEMA)
    if df.empty:
        raise InputError("no intervals: the file has a header but no rows", path=path, row=2)
    interval_min = _check_timestamps(df, path)
    df = df.sort_values(["interval_start", "queue"], kind="stable")
    df["required_agents"] = df["required_agents"].astype(np.int64)
    df.attrs["interval_min"] = interval_min
    return df


@dataclass(frozen=True)
class RequirementsSummary:
    """What `wfm requirements` reports: size, peaks and total required agent-hours."""

    out_path: str
    rows: int
    interval_min: int
    queues: tuple[str, ...]
    peak_required: dict[str, tuple[int, str]]  # queue → (peak required agents, first interval at peak)
    required_agent_hours: float

    def lines(self) -> list[str]:
        peaks = ", ".join(f"{q} {n} at {t}" for q, (n, t) in self.peak_required.items())
        return [
            f"wrote {self.out_path}: {self.rows:,} rows, {len(self.queues)} queue(s) "
            f"({', '.join(self.queues)}), {self.interval_min}-minute intervals",
            f"peak required agents: {peaks}",
            f"total required agent-hours: {self.required_agent_hours:,.1f}",
        ]


def summarize_requirements(df: pd.DataFrame, out_path: str | Path) -> RequirementsSummary:
    """Summary of a requirements frame (as from `compute_requirements`)."""
    interval_min = int(df.attrs.get("interval_min", DEFAULT_INTERVAL_MIN))
    peaks = {}
    for queue, rows in df.groupby("queue", sort=True):
        i = int(np.argmax(rows["required_agents"].to_numpy()))
        peaks[str(queue)] = (
            int(rows["required_agents"].iloc[i]),
            rows["interval_start"].iloc[i].strftime(_TIME_FORMAT),
        )
    hours = float(df["required_agents"].sum()) * interval_min / 60.0
    return RequirementsSummary(
        out_path=str(out_path),
        rows=len(df),
        interval_min=interval_min,
        queues=tuple(peaks),
        peak_required=peaks,
        required_agent_hours=hours,
    )


def make_requirements(
    forecast_path: str | Path, out_path: str | Path, config: ServiceConfig, quantile: float | None = None
) -> RequirementsSummary:
    """Read `forecast_path`, compute requirements with `config`, write `out_path` (nothing on error).

    With `quantile`, staff to that upper quantile of the forecast's contacts (`read_forecast`).
    """
    check_output(out_path, "file")
    forecast = read_forecast(forecast_path, quantile)
    try:
        df = compute_requirements(forecast, config)
    except InputError as exc:
        exc.path = exc.path or str(forecast_path)
        raise
    write_requirements(out_path, df)
    return summarize_requirements(df, out_path)
