"""A small schedule output folder (roster.csv, coverage.csv, summary.json) in the scheduler's format.

Built in code rather than stored so tests can vary its size; the values are simple and known:
each agent works 08:00–16:00 with one 30-minute break (`lunch`) at 11:00 + 30 min × (agent
number mod 3), coverage counts the agents on the phone per interval, and requirements are 2 agents
per queue from 08:00 to 16:00 with 3 from 10:00 to 12:00 on the second day (and 5 in queue
`support` at 14:00–14:15 that day, so the queues' largest gaps differ). The roster is written in
the named layout (with agent names `Agent Name N`) or, with `layout="numbered"`, in the layout of
older rosters (no name, `break1_*`).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

QUEUES = ("sales", "support")


def make_schedule_output(
    folder: Path,
    *,
    days: int = 3,
    agents: int = 6,
    start: str = "2026-03-02",
    violations: list[dict] | None = None,
    layout: str = "named",
    summary: dict | None = None,
) -> Path:
    """Write the three files into `folder` (created) and return it; `summary` keys are merged into
    summary.json's."""
    folder.mkdir(parents=True, exist_ok=True)
    first = dt.date.fromisoformat(start)
    rows = []
    for d in range(days):
        date = first + dt.timedelta(days=d)
        for a in range(agents):
            s = pd.Timestamp(date) + pd.Timedelta(hours=8)
            b = s + pd.Timedelta(hours=3, minutes=30 * (a % 3))
            rows.append(
                {
                    "agent_id": f"A{a:03d}",
                    "name": f"Agent Name {a}",
                    "date": f"{date}",
                    "queue": QUEUES[a % len(QUEUES)],
                    "shift_start": f"{s:%Y-%m-%dT%H:%M}",
                    "shift_end": f"{s + pd.Timedelta(hours=8):%Y-%m-%dT%H:%M}",
                    "paid_hours": 8,
                    "break1_start": f"{b:%Y-%m-%dT%H:%M}",
                    "break1_end": f"{b + pd.Timedelta(minutes=30):%Y-%m-%dT%H:%M}",
                    "break2_start": "",
                    "break2_end": "",
                }
            )
    roster = pd.DataFrame(rows)
    if layout == "named":
        named = roster.drop(columns=["break2_start", "break2_end"])
        named.rename(columns={"break1_start": "lunch_start", "break1_end": "lunch_end"}).to_csv(
            folder / "roster.csv", index=False
        )
    else:
        roster.drop(columns=["name"]).to_csv(folder / "roster.csv", index=False)

    intervals = pd.date_range(pd.Timestamp(first), periods=days * 96, freq="15min")
    t = intervals.to_numpy()[:, None]
    on_phone = (
        (pd.to_datetime(roster["shift_start"]).to_numpy() <= t)
        & (pd.to_datetime(roster["shift_end"]).to_numpy() > t)
        & ~(
            (pd.to_datetime(roster["break1_start"]).to_numpy() <= t)
            & (pd.to_datetime(roster["break1_end"]).to_numpy() > t)
        )
    )
    open_ = (intervals.hour >= 8) & (intervals.hour < 16)
    peak = (
        (intervals.normalize() == pd.Timestamp(first + dt.timedelta(days=1)))
        & (intervals.hour >= 10)
        & (intervals.hour < 12)
    )
    required = np.where(open_, np.where(peak, 3, 2), 0)
    frames = []
    for queue in QUEUES:
        scheduled = on_phone[:, (roster["queue"] == queue).to_numpy()].sum(axis=1)
        if queue == "support":
            spike = (intervals.normalize() == pd.Timestamp(first + dt.timedelta(days=1))) & (
                intervals.strftime("%H:%M") == "14:00"
            )
            required = np.where(spike, 5, required)
        frames.append(
            pd.DataFrame(
                {
                    "interval_start": intervals.strftime("%Y-%m-%dT%H:%M"),
                    "queue": queue,
                    "required_agents": required,
                    "scheduled_agents": scheduled,
                    "under": np.maximum(required - scheduled, 0),
                    "over": np.maximum(scheduled - required, 0),
                    "service_level": np.where(open_, "0.8", ""),
                    "asa_seconds": np.where(open_, "12.5", ""),
                    "contacts": np.where(open_, 10.0, 0.0),
                    "occupancy": np.where(open_, 0.75, 0.0),
                    "abandon_rate": np.where(open_, 0.02, 0.0),
                }
            )
        )
    pd.concat(frames).to_csv(folder / "coverage.csv", index=False)

    summary_data = {
        "status": "optimal",
        "objective": 12.0,
        "best_bound": 12.0,
        "gap": 0.0,
        "hours_used": float(roster["paid_hours"].sum()),
        "budget_hours": 200.0,
        "projected_service_level": 0.81,
        "service_level_by_day": {f"{first + dt.timedelta(days=d)}": 0.8 + 0.01 * d for d in range(days)},
        "under_agent_hours": 3.5,
        "over_agent_hours": 7.25,
        "violations": violations or [],
        "hours_counted_on": "paid",
        "fairness": {
            "weekend_shifts": {"min": 0, "max": 1, "spread": 1},
            "hours": {"min": 24, "max": 24, "spread": 0},
        },
        "interval_min": 15,
        "solver": {"workers": 2},
        **(summary or {}),
    }
    (folder / "summary.json").write_text(json.dumps(summary_data, indent=2), encoding="utf-8")
    return folder
