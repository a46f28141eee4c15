"""The report's figures, computed from `coverage.csv` (and the roster): per queue, per day, per interval.

Every rate over several intervals is weighted by what it is a rate of: service level, ASA and
abandonment by the intervals' forecast `contacts`; occupancy by their workload (contacts × AHT is
not in coverage, so by `contacts` too — each queue's AHT varies little over a month). Coverage
written before it had `contacts`, `occupancy` and `abandon_rate` columns gets unweighted means over
the open intervals (required or scheduled agents > 0) and no occupancy or abandonment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def open_rows(coverage: pd.DataFrame) -> pd.Series:
    """Rows of open intervals: something required, scheduled or forecast."""
    is_open = (coverage["required_agents"] > 0) | (coverage["scheduled_agents"] > 0)
    if "contacts" in coverage:
        is_open |= coverage["contacts"] > 0
    return is_open


def _weighted(frame: pd.DataFrame, column: str, by: list[str] | str) -> pd.Series:
    """Mean of `column` per group, weighted by contacts (unweighted without that column)."""
    if "contacts" not in frame:
        return frame.groupby(by, sort=True)[column].mean()
    w = frame["contacts"].astype(float)
    v = frame[column].astype(float)
    w = w.where(np.isfinite(v), 0.0)  # an overloaded interval's infinite ASA is counted apart (`overloaded`)
    with np.errstate(invalid="ignore"):
        wv = (w * v).where(w > 0, 0.0)
    keys = [frame[b] for b in ([by] if isinstance(by, str) else by)]
    sums = pd.DataFrame({"wv": wv, "w": w}).groupby(keys, sort=True).sum()
    return (sums["wv"] / sums["w"].where(sums["w"] > 0)).rename(column)


def queue_figures(coverage: pd.DataFrame, interval_min: int) -> pd.DataFrame:
    """One row per queue: contacts, service_level, asa_seconds (over the intervals where it is finite),
    occupancy, abandon_rate (what coverage has), `overloaded` (intervals with contacts whose ASA is
    infinite: fewer agents on the phone than the traffic needs, or none), required / scheduled /
    under-staffed agent-hours."""
    cov = coverage[open_rows(coverage)]
    h = interval_min / 60
    out = pd.DataFrame(index=pd.Index(sorted(coverage["queue"].unique()), name="queue"))
    if "contacts" in cov:
        out["contacts"] = cov.groupby("queue")["contacts"].sum()
    for column in ("service_level", "asa_seconds", "occupancy", "abandon_rate"):
        if column in cov and (column in ("service_level", "asa_seconds") or "contacts" in cov):
            out[column] = _weighted(cov, column, "queue")
    if "contacts" in cov:
        stuck = ~np.isfinite(cov["asa_seconds"]) if "asa_seconds" in cov else cov["scheduled_agents"] == 0
        out["overloaded"] = ((cov["contacts"] > 0) & stuck).groupby(cov["queue"]).sum()
    short = np.maximum(cov["required_agents"] - cov["scheduled_agents"], 0)
    out["required_h"] = cov.groupby("queue")["required_agents"].sum() * h
    out["scheduled_h"] = cov.groupby("queue")["scheduled_agents"].sum() * h
    out["under_h"] = short.groupby(cov["queue"]).sum() * h
    return out.fillna({"required_h": 0.0, "scheduled_h": 0.0, "under_h": 0.0, "overloaded": 0}).reset_index()


def daily_queue_levels(coverage: pd.DataFrame) -> pd.DataFrame:
    """Service level per (day, queue), contact-weighted; columns `day` (Timestamp), `queue`, `service_level`."""
    if "service_level" not in coverage:
        return pd.DataFrame(columns=["day", "queue", "service_level"])
    cov = coverage[open_rows(coverage)].assign(day=lambda f: f["interval_start"].dt.normalize())
    return _weighted(cov, "service_level", ["day", "queue"]).dropna().reset_index()


@dataclass(frozen=True)
class ShortInterval:
    """An interval of one queue with fewer agents scheduled than required."""

    start: pd.Timestamp
    queue: str
    required: float
    scheduled: float

    @property
    def short(self) -> float:
        return self.required - self.scheduled


def worst_intervals(coverage: pd.DataFrame, n: int = 5) -> list[ShortInterval]:
    """The `n` (interval, queue) pairs most under-staffed (required − scheduled > 0), earliest on a tie."""
    short = coverage["required_agents"] - coverage["scheduled_agents"]
    worst = coverage.assign(short=short)[short > 0]
    worst = worst.sort_values(["short", "interval_start", "queue"], ascending=[False, True, True], kind="stable")
    return [
        ShortInterval(r.interval_start, str(r.queue), float(r.required_agents), float(r.scheduled_agents))
        for r in worst.head(n).itertuples(index=False)
    ]


def open_minutes(coverage: pd.DataFrame, interval_min: int) -> list[int]:
    """The times of day (minutes after midnight) from the earliest open interval to the latest of any
    day and queue; the whole day when nothing is open."""
    rows = coverage[open_rows(coverage)]
    if rows.empty:
        return list(range(0, 1440, interval_min))
    minute = rows["interval_start"].dt.hour * 60 + rows["interval_start"].dt.minute
    first, last = int(minute.min()), int(minute.max())
    return list(range(first - first % interval_min, last + 1, interval_min))


def gap_grid(coverage: pd.DataFrame, days: list[pd.Timestamp], minutes: list[int]) -> np.ndarray:
    """Scheduled − required agents per (day, time of day) of one queue's coverage; NaN where the
    interval is closed (nothing required, scheduled or forecast) or absent."""
    cov = coverage[open_rows(coverage)]
    grid = np.full((len(days), len(minutes)), np.nan)
    day_at = {d: i for i, d in enumerate(days)}
    col_at = {m: j for j, m in enumerate(minutes)}
    i = cov["interval_start"].dt.normalize().map(day_at)
    j = (cov["interval_start"].dt.hour * 60 + cov["interval_start"].dt.minute).map(col_at)
    keep = i.notna() & j.notna()
    gap = (cov["scheduled_agents"] - cov["required_agents"]).to_numpy(dtype=float)[keep.to_numpy()]
    grid[i[keep].astype(int).to_numpy(), j[keep].astype(int).to_numpy()] = gap
    return grid
