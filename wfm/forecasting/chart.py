"""A PNG per forecast: recent history, the forecast (P50) and its upper band, one panel per queue."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # files only, never a window: safe in cron jobs and CI

import matplotlib.pyplot as plt
import numpy as np

from wfm.forecasting.history import QueueSeries
from wfm.forecasting.output import QueueForecast

HISTORY_WEEKS = 4


def _timeline(first_day: np.datetime64, is_open: np.ndarray, values: np.ndarray, interval_min: int):
    """Times and values with NaN where closed, so lines break over nights and closed days."""
    days, slots = is_open.shape
    stamps = first_day.astype("datetime64[m]") + np.arange(days * slots) * np.timedelta64(interval_min, "m")
    return stamps.astype("datetime64[ms]").astype(object), np.where(is_open, values, np.nan).ravel()


def render_chart(histories: list[QueueSeries], forecasts: list[QueueForecast], quantile_label: str | None) -> bytes:
    """PNG bytes: per queue the last `HISTORY_WEEKS` weeks of history, the forecast and the band.

    Give the forecasts at the history's interval length so both lines are contacts per the same interval.
    """
    by_queue = {h.queue: h for h in histories}
    fig, axes = plt.subplots(len(forecasts), 1, figsize=(12, 3.2 * len(forecasts)), squeeze=False)
    for ax, fc in zip(axes[:, 0], sorted(forecasts, key=lambda f: f.queue), strict=True):
        recent = by_queue[fc.queue]
        keep = min(recent.n_days, 7 * HISTORY_WEEKS)
        first = recent.last_day - (keep - 1)
        t, y = _timeline(first, recent.is_open[-keep:], recent.contacts[-keep:], recent.interval_min)
        ax.plot(t, y, color="0.45", linewidth=0.7, label="history")
        t, p50 = _timeline(fc.first_day, fc.is_open, fc.contacts, fc.interval_min)
        if fc.upper is not None:
            _, upper = _timeline(fc.first_day, fc.is_open, fc.upper, fc.interval_min)
            ax.fill_between(t, p50, upper, color="tab:blue", alpha=0.25, linewidth=0, label=f"P50 to {quantile_label}")
        ax.plot(t, p50, color="tab:blue", linewidth=0.9, label="forecast (P50)")
        ax.set_title(f"{fc.queue}: contacts per {fc.interval_min}-minute interval")
        ax.set_ylabel("contacts")
        ax.legend(loc="upper left", fontsize="small")
        ax.grid(alpha=0.3)
    fig.autofmt_xdate()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()
