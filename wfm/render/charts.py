"""Charts as PNG bytes, drawn with matplotlib's object API (`Figure`, Agg canvas; no pyplot state).

Colours: under-staffing red, over-staffing blue, required dark grey, scheduled teal, breaks amber.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

REQUIRED = "#334e68"
SCHEDULED = "#0b8a8a"
UNDER = "#c62828"
BREAK = "#f0a202"
SHIFT = "#2680c2"
DPI = 100


def to_png(fig: Figure) -> bytes:
    """Render a figure to PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def gap_heatmap(coverage: pd.DataFrame, queue: str, interval_min: int) -> bytes:
    """Day × time-of-day heatmap of scheduled − required agents for one queue.

    `coverage` has `interval_start`, `required_agents`, `scheduled_agents` for that queue.
    """
    minute = coverage["interval_start"].dt.hour * 60 + coverage["interval_start"].dt.minute
    gap = coverage["scheduled_agents"] - coverage["required_agents"]
    grid = pd.DataFrame({"day": coverage["interval_start"].dt.normalize(), "minute": minute, "gap": gap}).pivot_table(
        index="day", columns="minute", values="gap", aggfunc="sum"
    )
    grid = grid.reindex(columns=np.arange(0, 1440, interval_min))
    values = grid.to_numpy(dtype=float)
    bound = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    bound = max(bound, 1.0)
    days = len(grid.index)
    fig = Figure(figsize=(11, 1.6 + 0.22 * days), layout="constrained")
    ax = fig.add_subplot()
    cmap = mpl.colormaps["RdBu"].with_extremes(bad="#c8ccd0")
    mesh = ax.imshow(
        np.ma.masked_invalid(values),
        aspect="auto",
        cmap=cmap,
        interpolation="nearest",
        norm=TwoSlopeNorm(vcenter=0.0, vmin=-bound, vmax=bound),
        extent=(0, 24, days, 0),
    )
    ax.set_xticks(range(0, 25, 2))
    ax.set_xlabel("time of day (h)")
    ax.set_yticks(np.arange(days) + 0.5)
    ax.set_yticklabels([d.strftime("%a %Y-%m-%d") for d in grid.index], fontsize=8)
    ax.set_title(f"Queue {queue}: scheduled − required agents (red = short, blue = over, grey = no data)")
    fig.colorbar(mesh, ax=ax, label="agents", shrink=0.9)
    return to_png(fig)


def day_lines(coverage: pd.DataFrame, day: pd.Timestamp, interval_min: int) -> bytes:
    """Required vs scheduled agents per interval of one day, one panel per queue."""
    queues = sorted(coverage["queue"].unique())
    fig = Figure(figsize=(11, 0.6 + 2.6 * max(len(queues), 1)), layout="constrained")
    axes = fig.subplots(max(len(queues), 1), 1, sharex=True, squeeze=False)[:, 0]
    for ax, queue in zip(axes, queues, strict=False):
        q = coverage[coverage["queue"] == queue].sort_values("interval_start")
        hours = (q["interval_start"] - day).dt.total_seconds().to_numpy() / 3600.0
        # repeat the last value one interval on, so the last interval is drawn too
        hours = np.append(hours, hours[-1] + interval_min / 60.0)
        req = np.append(q["required_agents"].to_numpy(dtype=float), q["required_agents"].iloc[-1])
        sch = np.append(q["scheduled_agents"].to_numpy(dtype=float), q["scheduled_agents"].iloc[-1])
        ax.step(hours, req, where="post", color=REQUIRED, lw=1.8, label="required")
        ax.step(hours, sch, where="post", color=SCHEDULED, lw=1.8, label="scheduled")
        ax.fill_between(
            hours, sch, np.maximum(req, sch), step="post", color=UNDER, alpha=0.3, lw=0, label="under-staffed"
        )
        ax.set_ylabel(f"{queue}\nagents")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize=8)
    axes[-1].set_xlim(0, 24)
    axes[-1].set_xticks(range(0, 25, 2))
    axes[-1].set_xlabel("time of day (h)")
    axes[0].set_title(f"Required vs scheduled agents on {day:%a %Y-%m-%d}")
    return to_png(fig)


def gantt(shifts: pd.DataFrame, breaks: pd.DataFrame, title: str) -> bytes:
    """One row per agent: shifts as bars, breaks drawn over them.

    `shifts` has `agent_id, shift_start, shift_end`; `breaks` has `agent_id, start, end`. Rows are
    in the order agents first appear in `shifts`.
    """
    agents = list(dict.fromkeys(shifts["agent_id"]))
    row = {a: i for i, a in enumerate(agents)}
    t0 = shifts["shift_start"].min().normalize()

    def hours(s: pd.Series) -> np.ndarray:
        return (s - t0).dt.total_seconds().to_numpy() / 3600.0

    fig = Figure(figsize=(11, 1.2 + 0.24 * max(len(agents), 1)), layout="constrained")
    ax = fig.add_subplot()
    y = shifts["agent_id"].map(row).to_numpy()
    s0, s1 = hours(shifts["shift_start"]), hours(shifts["shift_end"])
    ax.barh(y, s1 - s0, left=s0, height=0.7, color=SHIFT, label="shift")
    if len(breaks):
        b = breaks[breaks["agent_id"].isin(row)]
        b0, b1 = hours(b["start"]), hours(b["end"])
        ax.barh(b["agent_id"].map(row).to_numpy(), b1 - b0, left=b0, height=0.7, color=BREAK, label="break")
    span = max(float(np.max(s1)) if len(s1) else 24.0, 24.0)
    if span <= 36:  # one day (shifts may end after midnight): hour ticks
        end = np.ceil(span / 2) * 2
        ticks = np.arange(0, end + 1, 2)
        ax.set_xticks(ticks, [f"{int(t) % 24:02d}:00" for t in ticks])
        ax.set_xlabel(f"time of day, {t0:%a %Y-%m-%d}")
    else:  # several days: a tick per day, a minor tick every 6 hours
        end = np.ceil(span / 24) * 24
        ticks = np.arange(0, end, 24)
        ax.set_xticks(ticks, [f"{t0 + pd.Timedelta(hours=t):%a %m-%d}" for t in ticks], ha="left")
        ax.set_xticks(np.arange(0, end, 6), minor=True)
        ax.grid(axis="x", which="minor", alpha=0.15)
    ax.set_xlim(0, end)
    ax.set_yticks(range(len(agents)))
    ax.set_yticklabels(agents, fontsize=7)
    ax.set_ylim(len(agents) - 0.5, -0.5)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    ax.set_title(title)
    return to_png(fig)


def service_level_by_day(levels: Mapping[str, float], horizon: float | None) -> bytes:
    """Projected service level per day as bars, with the horizon's level as a dashed line."""
    days = sorted(levels)
    values = np.array([np.nan if levels[d] is None else float(levels[d]) for d in days])
    fig = Figure(figsize=(11, 3.4), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(days))
    ax.bar(x, values, color=SCHEDULED)
    if horizon is not None:
        ax.axhline(horizon, color=REQUIRED, ls="--", lw=1.2, label=f"horizon {horizon:.1%}")
        ax.legend(loc="lower right", fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("service level")
    ax.set_xticks(x)
    many = len(days) > 14
    ax.set_xticklabels(
        [pd.Timestamp(d).strftime("%a %m-%d") for d in days],
        rotation=90 if many else 0,
        fontsize=7 if many else 9,
    )
    ax.grid(axis="y", alpha=0.3)
    ax.set_title("Projected service level per day")
    return to_png(fig)


def hours_vs_budget(hours_used: float, budget_hours: float | None) -> bytes:
    """Hours used against the contracted budget as two horizontal bars."""
    labels = ["hours used"] + (["budget"] if budget_hours is not None else [])
    values = [hours_used] + ([budget_hours] if budget_hours is not None else [])
    fig = Figure(figsize=(11, 1.8), layout="constrained")
    ax = fig.add_subplot()
    colors = [UNDER if budget_hours is not None and hours_used > budget_hours else SCHEDULED, REQUIRED]
    ax.barh(labels, values, color=colors[: len(values)], height=0.6)
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:,.1f} h", va="center", fontsize=9)
    ax.set_xlim(0, max(values) * 1.15 if max(values) > 0 else 1)
    ax.invert_yaxis()
    share = f" ({hours_used / budget_hours:.1%} of budget)" if budget_hours else ""
    ax.set_title(f"Hours used vs budget{share}")
    return to_png(fig)


def daily_lines(daily: pd.DataFrame, column: str, target: float | None, ylabel: str, title: str) -> bytes:
    """A daily KPI per queue as lines (`date`, `queue`, `column`), with an optional target line."""
    fig = Figure(figsize=(11, 3.4), layout="constrained")
    ax = fig.add_subplot()
    dates = pd.to_datetime(daily["date"])
    for queue, q in daily.assign(date=dates).groupby("queue", sort=True):
        ax.plot(q["date"], q[column], marker="o", ms=3, lw=2.2 if queue == "all" else 1.2, label=str(queue))
    days = (dates.max() - dates.min()).days + 1
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, int(np.ceil(days / 16)))))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %m-%d"))
    ax.set_xlim(dates.min() - pd.Timedelta(hours=12), dates.max() + pd.Timedelta(hours=12))
    if target is not None:
        ax.axhline(target, color=UNDER, ls="--", lw=1.2, label=f"target {target:g}")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    ax.set_title(title)
    fig.autofmt_xdate()
    return to_png(fig)
