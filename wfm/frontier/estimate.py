"""The contract's target service level, and a quick estimate of the hours a roster would need to hold it.

The estimate (for `wfm run`'s summary, in milliseconds, no solve): each (queue, interval)'s contacts
answered in time as a concave curve of the agents scheduled (`wfm.service_value`); the added
agent-intervals that answer the most contacts are taken greedily — for concave curves, the fewest
that reach the target — and turned into paid hours at this roster's paid hours per agent-hour
scheduled. It ignores shift shapes, breaks and the agents' own limits: marked as an estimate.
"""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np
import pandas as pd

from wfm.scenario import ScenarioConfig
from wfm.service_value import saturated_value_table

DEFAULT_TARGET = 0.8


def contract_target(cfg: ScenarioConfig) -> float:
    """The target service level: `[contract].service_level`, else `[service].service_level`, else 0.8."""
    value = cfg.contract.get("service_level")
    if isinstance(value, int | float) and 0 < value < 1:
        return float(value)
    return float(cfg.service.service_level or DEFAULT_TARGET)


def extra_agent_intervals(
    cfg: ScenarioConfig, coverage: pd.DataFrame, requirements: pd.DataFrame, target: float
) -> int | None:
    """The fewest agent-intervals to add to `coverage`'s scheduled agents for the projected service level
    (under the concave envelope) to reach `target`; None if no number of agents reaches it."""
    frame = coverage[["interval_start", "queue", "scheduled_agents"]].merge(
        requirements[["interval_start", "queue", "contacts", "aht_seconds"]], on=["interval_start", "queue"]
    )
    frame = frame[frame["contacts"] > 0]
    if frame.empty:
        return 0
    curves, answered = [], 0.0
    for queue, q in frame.groupby("queue", sort=True):
        n = q["scheduled_agents"].to_numpy(dtype=np.int64)
        value = saturated_value_table(
            q["contacts"].to_numpy(dtype=float),
            q["aht_seconds"].to_numpy(dtype=float),
            cfg.horizon.interval_min,
            cfg.service.targets_for(str(queue)),
            int(n.max()) + 1,
        )
        answered += float(value[np.arange(len(n)), np.minimum(n, value.shape[1] - 1)].sum())
        curves += [(row, int(k)) for row, k in zip(value, n, strict=True)]
    need = target * float(frame["contacts"].sum()) - answered
    heap = [(-(row[k + 1] - row[k]), i, k) for i, (row, k) in enumerate(curves) if k + 1 < len(row)]
    heapq.heapify(heap)
    added = 0
    while need > 1e-9:
        if not heap or -heap[0][0] <= 1e-12:
            return None
        gain, i, k = heapq.heappop(heap)
        need += gain
        added += 1
        row = curves[i][0]
        if k + 2 < len(row):
            heapq.heappush(heap, (-(row[k + 2] - row[k + 1]), i, k + 1))
    return added


def target_entry(
    cfg: ScenarioConfig, summary: dict[str, Any], coverage: pd.DataFrame, requirements: pd.DataFrame
) -> dict[str, Any]:
    """summary.json's `target`: whether the roster holds the contract's service level and, if not, the
    hours it would need (an estimate, `estimate_method` says how; also as `target_hours`)."""
    target = contract_target(cfg)
    level = float(summary["projected_service_level"])
    entry: dict[str, Any] = {
        "target_service_level": target,
        "holds": level >= target - 1e-12,
        "projected_service_level": level,
        "budget_hours": summary.get("budget_hours"),
    }
    if entry["holds"]:
        return entry
    added = extra_agent_intervals(cfg, coverage, requirements, target)
    scheduled_h = float(coverage["scheduled_agents"].sum()) * cfg.horizon.interval_min / 60
    paid_per_scheduled = float(summary["hours_used"]) / scheduled_h if scheduled_h > 0 else 1.0
    needed = (
        None
        if added is None
        else round(float(summary["hours_used"]) + added * cfg.horizon.interval_min / 60 * paid_per_scheduled, 1)
    )
    if added == 0:  # the curve says these hours, placed where they answer most, would hold it
        entry.update(
            {
                "estimate": True,
                "estimated_hours_needed": None,
                "target_hours": None,
                "hours_suffice": True,
                "estimate_method": "by the estimate's curve the hours used suffice "
                "if placed where they answer the most contacts — `wfm frontier` gives the rostered answer",
            }
        )
        return entry
    entry.update(
        {
            "estimate": True,
            "estimated_hours_needed": needed,
            "target_hours": needed,  # the key `wfm report` reads for the hours the target needs
            "estimate_method": "agent-hours on the phone added where they answer the most contacts, at this "
            "roster's paid hours per agent-hour on the phone; ignores shift shapes and the agents' "
            "limits — `wfm frontier` gives the rostered answer",
        }
    )
    return entry
