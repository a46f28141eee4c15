"""The service objective translated for the solver: each interval's value curve as tangent cuts, and
the coverage views the heuristics steer by (the cuts carry the objective, so its coverage weights are 0).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from models import aggregate
from wfm.planning import WEIGHT_DECIMALS, Plan, scale
from wfm.service_value import saturated_value_table

if TYPE_CHECKING:
    from wfm.schedule.inputs import ScheduleInputs


def service_cuts(inputs: ScheduleInputs, plan: Plan, units: float | None = None) -> tuple[np.ndarray, ...]:
    """Tangent lines of each interval's concave value curve, in model units (see models.aggregate), or
    in `units` per contact lost (`wfm.frontier.bound`'s relaxation), each rounded to a weaker line."""
    cfg = inputs.scenario.config
    tl = plan.timeline
    req = inputs.requirements
    t = tl.index(req["interval_start"])
    inside = (t >= 0) & (t < tl.n_intervals) & (req["contacts"].to_numpy() > 0)
    units = plan.objective_scale * cfg.objective.service_weight if units is None else units
    out: list[list[np.ndarray]] = [[], [], [], []]
    for q, name in enumerate(plan.queues):
        sel = inside & (req["queue"].to_numpy() == name)
        if not sel.any():
            continue
        targets = cfg.service.targets_for(name)
        contacts = req["contacts"].to_numpy(dtype=float)[sel]
        aht = req["aht_seconds"].to_numpy(dtype=float)[sel]
        cap = sum(len(m) for c, m in enumerate(plan.classes) if q in plan.class_queues[c])
        value = saturated_value_table(contacts, aht, tl.interval_min, targets, cap)
        cap = value.shape[1] - 1
        slope = np.diff(value, axis=1)  # [n, cap]
        k = np.arange(cap)
        # lost ≥ C − V(k) − s_k (n − k): keep a line per segment where the slope changes
        keep = np.ones_like(slope, dtype=bool)
        keep[:, 1:] = np.abs(np.diff(slope, axis=1)) > 1e-9
        keep &= slope * units >= 0.5
        rows, cols = np.nonzero(keep)
        const = contacts[rows] - value[rows, cols] + slope[rows, cols] * k[cols]
        out[0].append(np.full(len(rows), q))
        out[1].append(t[sel][rows])
        # rounded toward a weaker cut (constant down, slope up), so the LP stays a true lower bound
        out[2].append(np.floor(const * units).astype(np.int64))
        out[3].append(np.ceil(slope[rows, cols] * units).astype(np.int64))
    return tuple(np.concatenate(o) if o else np.zeros(0, dtype=np.int64) for o in out)


def steering_plan(plan: Plan) -> Plan:
    """The plan the roster's heuristics (day assignment, start search, budget trim, break placement)
    see under the service objective: its own weights are 0 (the service cuts carry the objective),
    which left them blind — a 300-agent service month's roster from the LP's aggregate left 736 of
    its shifts unassigned and 1,443 budget hours unspent (50,922 against the aggregate's 35,792). So
    they steer by shortfall (10 per agent-hour short) and, as more agents on the phone always
    answer more contacts in time, nothing for excess: with the coverage objective's 1 per
    agent-hour, the start search shortened shifts wherever staff exceeded the requirement, and the
    24/7 test fixture's service week, its budget loose, kept 7.5 of 49 hours (objective 8.0, not 3.0)."""
    return dataclasses.replace(plan, problem=dataclasses.replace(coverage_weights(plan.problem), over_weight=0))


def coverage_weights(p: aggregate.AggregateProblem) -> aggregate.AggregateProblem:
    """The problem the construction heuristics see under the service objective: the default
    coverage weights (10 per agent-hour short, 1 in excess) instead of the service cuts."""
    return dataclasses.replace(
        p,
        under_weight=scale(10.0, WEIGHT_DECIMALS),
        over_weight=scale(1.0, WEIGHT_DECIMALS),
        cut_queue=None,
        cut_interval=None,
        cut_const=None,
        cut_slope=None,
    )
