"""One point of the frontier: a real roster at a budget, checked, and what it projects.

`solve_point` is what the pool (or Dask) runs: it reads the scenario itself (a process or a Dask
worker gets file paths, not data), sets the budget, solves under the `service` objective (contacts
answered within target is what the frontier measures) and returns a `PointResult` (picklable).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.checker import CheckReport
from wfm.errors import InfeasibleError
from wfm.roster import RosterShift
from wfm.scenario import Scenario
from wfm.schedule import ScheduleInputs, ScheduleOptions, load_inputs, solve_schedule
from wfm.staffing import effective_agents, projected_performance

COLUMNS = (
    "budget_hours",
    "status",
    "projected_service_level",
    "service_level_upper_bound",
    "asa_seconds",
    "abandon_rate",
    "under_agent_hours",
    "hours_used",
    "validated",
)


@dataclass(frozen=True)
class PointRequest:
    """What a worker needs to solve one point: files, the budget and the solver settings."""

    scenario: Path
    requirements: Path | None
    budget_h: float
    time_limit_s: float | None
    solver_workers: int
    seed: int | None


@dataclass(frozen=True)
class PointResult:
    """One budget's roster: a frontier.csv row (`COLUMNS` but the bound) and the roster itself."""

    budget_h: float
    status: str  # optimal / feasible / timeout (rules broken) / infeasible
    projected_service_level: float | None = None
    asa_seconds: float | None = None
    abandon_rate: float | None = None
    under_agent_hours: float | None = None
    hours_used: float | None = None
    validated: bool = False
    message: str = ""
    shifts: tuple[RosterShift, ...] = field(default=(), repr=False)
    max_breaks: int = 0

    def holds(self, target: float) -> bool | None:
        """Whether this checked roster holds `target` (None: no valid roster)."""
        if not self.validated or self.projected_service_level is None:
            return None
        return self.projected_service_level >= target - 1e-12


def with_budget(inputs: ScheduleInputs, budget_h: float) -> ScheduleInputs:
    """`inputs` with `[budget].hours` set to `budget_h` (the scenario file is not touched)."""
    cfg = inputs.scenario.config
    budget = cfg.budget.model_copy(update={"hours": float(budget_h), "operating_hours": None, "positions": None})
    scenario = Scenario(cfg.model_copy(update={"budget": budget}), inputs.scenario.path)
    return dataclasses.replace(inputs, scenario=scenario)


def solve_point(request: PointRequest) -> PointResult:
    """Solve, check and measure the roster at `request.budget_h` hours."""
    inputs = with_budget(load_inputs(request.scenario, requirements=request.requirements), request.budget_h)
    options = ScheduleOptions(
        time_limit_s=request.time_limit_s, workers=request.solver_workers, seed=request.seed, objective="service"
    )
    try:
        result = solve_schedule(inputs, options)
    except InfeasibleError as exc:
        return PointResult(request.budget_h, "infeasible", message="; ".join(exc.reasons) or str(exc))
    s, report = result.summary, result.report
    asa, abandon = contact_weighted(inputs, report)
    return PointResult(
        request.budget_h,
        s["status"],
        s["projected_service_level"],
        asa,
        abandon,
        s["under_agent_hours"],
        s["hours_used"],
        validated=report.ok,
        shifts=tuple(result.shifts),
        max_breaks=result.max_breaks,
    )


def contact_weighted(inputs: ScheduleInputs, report: CheckReport) -> tuple[float, float]:
    """The roster's average speed of answer (seconds) and abandonment rate (share; 0 under Erlang C),
    contact-weighted over the horizon, from the checker's scheduled agents per (interval, queue).

    Under Erlang C an interval whose traffic meets or exceeds its agents on the phone has no finite
    ASA; such intervals are left out of the ASA (their contacts already count as not answered in time
    in the service level), so that one unstable interval does not make the whole horizon's ASA infinite."""
    cov = report.coverage[["interval_start", "queue", "scheduled_agents"]]
    req = inputs.requirements[["interval_start", "queue", "contacts", "aht_seconds"]]
    frame = cov.merge(req, on=["interval_start", "queue"], how="left")
    frame["contacts"] = frame["contacts"].fillna(0.0)
    total = float(frame["contacts"].sum())
    if total <= 0:
        return 0.0, 0.0
    asa = abandon = asa_weight = 0.0
    interval_min = inputs.scenario.config.horizon.interval_min
    for queue, q in frame.groupby("queue", sort=True):
        targets = inputs.scenario.config.service.targets_for(str(queue))
        q = q.sort_values("interval_start")
        aht = q["aht_seconds"].fillna(q["aht_seconds"].mean() if q["aht_seconds"].notna().any() else 1.0)
        on_phone = effective_agents(q["scheduled_agents"].to_numpy(dtype=np.int64), targets.shrinkage)
        perf = projected_performance(q["contacts"].to_numpy(), aht.to_numpy(), on_phone, interval_min, targets)
        weights = q["contacts"].to_numpy()
        finite = np.isfinite(perf["asa_seconds"]) & (weights > 0)
        asa += float((weights[finite] * perf["asa_seconds"][finite]).sum())
        asa_weight += float(weights[finite].sum())
        abandon += float(np.nansum(weights * perf["abandon_rate"]))
    return (asa / asa_weight if asa_weight > 0 else float("inf")), abandon / total


def row(point: PointResult, upper: float | None) -> dict[str, object]:
    """The frontier.csv row of `point` with the bound `upper` beside it."""

    def number(v: float | None) -> float | None:
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else v

    return {
        "budget_hours": point.budget_h,
        "status": point.status,
        "projected_service_level": number(point.projected_service_level),
        "service_level_upper_bound": upper,
        "asa_seconds": number(point.asa_seconds),
        "abandon_rate": number(point.abandon_rate),
        "under_agent_hours": number(point.under_agent_hours),
        "hours_used": number(point.hours_used),
        "validated": point.validated,
    }


def table(rows: list[dict[str, object]]) -> pd.DataFrame:
    """frontier.csv: `COLUMNS`, one row per budget, ascending."""
    return pd.DataFrame(rows, columns=list(COLUMNS)).sort_values("budget_hours", kind="stable").reset_index(drop=True)
