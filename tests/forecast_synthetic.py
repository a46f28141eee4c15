"""Short synthetic histories for the forecasting tests (hourly grid by default, so they stay small)."""

from __future__ import annotations

import numpy as np
import pandas as pd

MONDAY = "2026-01-05"


def periodic_volume(weekday: int, hour: int) -> float:
    """A pure weekly pattern: a day level by weekday times a two-peak intraday shape."""
    level = [1.2, 1.0, 1.0, 0.9, 0.8, 0.5, 0.0][weekday]
    shape = 1.0 + np.exp(-0.5 * ((hour - 10.5) / 1.5) ** 2) + 0.8 * np.exp(-0.5 * ((hour - 16.5) / 1.5) ** 2)
    return 10.0 * level * shape


def history_frame(
    days: int,
    *,
    first_day: str = MONDAY,
    queue: str = "q",
    interval_min: int = 60,
    open_min: int = 8 * 60,
    close_min: int = 20 * 60,
    closed_days: tuple[str, ...] = (),
    seed: int | None = None,
    growth_per_day: float = 0.0,
    aht_s: float = 300.0,
) -> pd.DataFrame:
    """A long history table: open `open_min`–`close_min` Monday–Saturday (Sunday closed, and the
    `closed_days`), contacts `periodic_volume` (× growth; Poisson draws when `seed` is given),
    AHT `aht_s` in the morning and 60 s less after 14:00."""
    rng = None if seed is None else np.random.default_rng(seed)
    rows = []
    for d in range(days):
        day = pd.Timestamp(first_day) + pd.Timedelta(days=d)
        if day.weekday() == 6 or str(day.date()) in closed_days:
            continue
        for minute in range(open_min, close_min, interval_min):
            mean = periodic_volume(day.weekday(), minute // 60) * interval_min / 60 * (1 + growth_per_day * d)
            contacts = float(rng.poisson(mean)) if rng is not None else round(mean, 6)
            rows.append(
                {
                    "interval_start": day + pd.Timedelta(minutes=minute),
                    "queue": queue,
                    "contacts": contacts,
                    "aht_seconds": aht_s if minute < 14 * 60 else aht_s - 60,
                }
            )
    frame = pd.DataFrame(rows)
    frame.index = pd.RangeIndex(2, 2 + len(frame))
    return frame


def write_history(path, frame: pd.DataFrame) -> None:
    """Write a history table as `history.csv` text (ISO timestamps)."""
    out = frame.copy()
    out["interval_start"] = pd.to_datetime(out["interval_start"]).dt.strftime("%Y-%m-%dT%H:%M")
    out.to_csv(path, index=False)
