"""`wfm frontier`: the budget ↔ service-level frontier of a scenario and the least budget that holds a target.

1. Read the scenario and its inputs; build the aggregate model once (`ServiceBound`).
2. Rosters at every budget of the grid, in parallel (a local process pool, or a Dask cluster), each
   solved under the `service` objective and checked; meanwhile, in this process, the relaxation's
   upper bound at each budget.
3. The least budget that holds the target: bracketed by the grid, refined (`wfm.frontier.search`).
   No roster on the grid holds it: a roster at the most hours the agents can work is tried first.
4. When the curve flattens under the target, what binds and the hiring estimate (`diagnose`).
5. `frontier.csv`, `target.json`, `target_roster.csv`, `frontier.svg` and `frontier.png`, written into a
   folder replaced whole and atomically (refused when it holds files but no `target.json`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from models.linear import expected_lp_seconds
from wfm.atomic import atomic_directory, check_output, recover_directory, write_csv, write_json, write_text
from wfm.batch import dask_client
from wfm.frontier.bound import BoundPoint, ServiceBound
from wfm.frontier.chart import frontier_figure, to_png, to_svg
from wfm.frontier.diagnose import describe, diagnose
from wfm.frontier.estimate import contract_target
from wfm.frontier.grid import DEFAULT_POINTS, check_grid, check_target, default_budgets
from wfm.frontier.points import PointRequest, PointResult, row, solve_point, table
from wfm.frontier.search import Bracket, Verdict, bracket, refine
from wfm.lock import output_lock
from wfm.roster import write_roster
from wfm.schedule import load_inputs

MARKER = "target.json"
# seconds for each relaxation: at least the roster's limit, BOUND_MIN_S, and BOUND_FORECASTS × the LP's
# forecast time (`expected_lp_seconds`): the bundled example's LP takes 7 s alone, over 30 s on a loaded 2-core machine
BOUND_MIN_S = 60.0
BOUND_FORECASTS = 4.0
MAX_BOUND_STEPS = 8  # bisection steps on the bound alone for the largest budget proven short
DIAGNOSIS_FACTOR = 2.0  # × a relaxation's seconds for the one without a budget (its duals are read)


@dataclass(frozen=True)
class FrontierOptions:
    """How `run_frontier` explores. Budgets are hours as `[budget]` counts them."""

    target_service_level: float | None = None  # None: the contract's (`contract_target`)
    budgets: tuple[float, ...] | None = None  # None: `points` budgets over 70–130% of the scenario's
    points: int = DEFAULT_POINTS
    time_limit_s: float | None = None  # per roster (None: the scenario's [solver])
    workers: int = 2  # rosters solved at once (one CP-SAT thread each)
    address: str | None = None  # a Dask scheduler tcp://HOST:PORT instead of the local pool
    seed: int | None = None
    tolerance: float = 0.01  # the bracket's width, as a share of its upper end, to stop refining at
    max_seconds: float | None = None  # wall seconds after which no refining round starts
    requirements: Path | None = None  # overrides the scenario's requirements.csv


@dataclass(frozen=True)
class Frontier:
    """A finished frontier: its table (frontier.csv), target.json's content and the folder written."""

    table: pd.DataFrame
    target: dict[str, Any]
    out_dir: Path
    seconds: float
    lines: list[str] = field(default_factory=list)


class _Runner:
    """Solves points inline (one worker), in a spawned process pool, or on a Dask cluster."""

    def __init__(self, workers: int, address: str | None) -> None:
        self.workers, self.address = max(1, workers), address
        self._stack = contextlib.ExitStack()
        self._pool: Any = None
        self._client: Any = None

    def __enter__(self) -> _Runner:
        if self.address is not None:
            self._client = self._stack.enter_context(dask_client(self.address))
        elif self.workers > 1:
            from concurrent.futures import ProcessPoolExecutor

            self._pool = self._stack.enter_context(
                ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"))
            )
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def submit(self, requests: list[PointRequest]) -> Callable[[], list[PointResult]]:
        """Start `requests`; return a function that waits for their results (in order)."""
        if self._client is not None:
            futures = self._client.map(solve_point, requests, pure=False)
            return lambda: self._client.gather(futures)
        if self._pool is not None:
            pending = [self._pool.submit(solve_point, r) for r in requests]
            return lambda: [f.result() for f in pending]
        return lambda: [solve_point(r) for r in requests]


class _Explorer:
    """The points solved so far, their bounds, and how to solve more."""

    def __init__(
        self,
        bound: ServiceBound,
        runner: _Runner,
        make: Callable[[float], PointRequest],
        target: float,
        bound_s: float,
        log: Callable[[str], None],
    ) -> None:
        self.bound, self.runner, self.make, self.target, self.bound_s, self.log = (
            bound,
            runner,
            make,
            target,
            bound_s,
            log,
        )
        self.points: dict[float, PointResult] = {}
        self.bounds: dict[float, BoundPoint] = {}
        self.bound_only: dict[float, BoundPoint] = {}  # bounds at budgets without a roster (`_bound_bisection`)

    def evaluate(self, budgets: list[float]) -> dict[float, Verdict]:
        """Rosters at `budgets` (in parallel) and, meanwhile, their bounds; the verdicts."""
        todo = [b for b in budgets if b not in self.points]
        wait = self.runner.submit([self.make(b) for b in todo])
        for b in todo:
            self.bounds[b] = self.bound.at(b, self.bound_s)
        for result in wait():
            self.points[result.budget_h] = result
            upper = self.bounds[result.budget_h].service_level_upper
            level = "no roster" if result.projected_service_level is None else f"{result.projected_service_level:.1%}"
            self.log(
                f"{result.budget_h:,.1f} h: roster {level} ({result.status}), bound "
                f"{'n/a' if upper is None else f'{upper:.1%}'}"
            )
        return {b: self.verdict(b) for b in budgets}

    def verdict(self, budget_h: float) -> Verdict:
        upper = self.bounds[budget_h].service_level_upper
        return Verdict(self.points[budget_h].holds(self.target), None if upper is None else upper >= self.target)

    def verdicts(self) -> dict[float, Verdict]:
        return {b: self.verdict(b) for b in self.points}


def run_frontier(
    scenario_path: str | Path,
    out_dir: str | Path,
    options: FrontierOptions = FrontierOptions(),
    log: Callable[[str], None] = lambda _: None,
) -> Frontier:
    """Explore the frontier of `scenario_path` and write it into `out_dir` (module docstring).

    Raises `InputError` (2: bad target, grid or folder), `InfeasibleError` (3: no roster at any budget),
    `LockedError` (5)."""
    t0 = time.perf_counter()
    inputs = load_inputs(scenario_path, requirements=options.requirements)
    cfg = inputs.scenario.config
    target = check_target(
        options.target_service_level if options.target_service_level is not None else contract_target(cfg)
    )
    bound = ServiceBound(inputs)
    budgets = options.budgets or default_budgets(
        cfg.budget.hours or bound.max_hours_h, options.points, bound.min_budget_h, bound.max_hours_h
    )
    check_grid(budgets, bound.min_budget_h)
    out = Path(out_dir).resolve()
    limit = options.time_limit_s or cfg.solver.time_limit_s
    log(
        f"{len(budgets)} budgets from {min(budgets):,.0f} to {max(budgets):,.0f} h; target {target:.1%}; "
        f"agents' contracted minimum {bound.min_budget_h:,.1f} h, most they can work {bound.max_hours_h:,.1f} h"
    )

    requirements = None if options.requirements is None else Path(options.requirements).resolve()

    def make(budget_h: float) -> PointRequest:  # absolute paths: a Dask worker runs elsewhere
        return PointRequest(inputs.scenario.path, requirements, budget_h, limit, 1, options.seed)

    with output_lock(out), _Runner(options.workers, options.address) as runner:
        recover_directory(out)
        check_output(out, "folder", markers=(MARKER,))
        bound_s = max(limit, BOUND_MIN_S, BOUND_FORECASTS * expected_lp_seconds(bound.model))
        ex = _Explorer(bound, runner, make, target, bound_s, log)
        _grid(ex, budgets)
        deadline = None if options.max_seconds is None else t0 + options.max_seconds

        def time_left() -> bool:
            return deadline is None or time.perf_counter() < deadline

        found, _ = refine(
            ex.evaluate,
            ex.verdicts(),
            tolerance=options.tolerance,
            parallel=runner.workers,
            time_left=time_left,
        )
        found = dataclasses.replace(found, proven_short_h=_bound_bisection(ex, options.tolerance, time_left))
        rows = [row(p, ex.bounds[b].service_level_upper) for b, p in ex.points.items()]
        rows += [_below_minimum(b) for b in budgets if b < bound.min_budget_h - 1e-9]
        frame = table(rows)
        target_json, lines = _target(ex, found, bound, target, limit, bound_s, cfg)
        target_json["seconds"] = round(time.perf_counter() - t0, 1)
        with atomic_directory(out, markers=(MARKER,)) as work:
            _write(work, frame, target_json, ex.points.get(found.holds_h) if found.holds_h else None, cfg.budget.hours)
    return Frontier(frame, target_json, out, time.perf_counter() - t0, lines)


def _grid(ex: _Explorer, budgets: tuple[float, ...]) -> None:
    """Rosters and bounds on the grid's budgets that reach the agents' minimum; then, to bracket the
    target, the most hours the agents can work when no budget held it, or their contracted minimum
    when the least that held it has no short budget below it."""
    low, high = ex.bound.min_budget_h, ex.bound.max_hours_h
    ex.evaluate([b for b in budgets if b >= low - 1e-9])
    found = bracket(ex.verdicts())
    if found.holds_h is None and max(ex.points) < high:
        ex.evaluate([round(high, 1)])
    elif found.holds_h is not None and found.short_h is None and math.ceil(low * 10) / 10 < found.holds_h:
        ex.evaluate([math.ceil(low * 10) / 10])


def _bound_bisection(ex: _Explorer, tolerance: float, time_left: Callable[[], bool]) -> float | None:
    """The largest budget the relaxation proves short of the target, refined by bisection on the bound
    alone (no roster) between it and the least budget tried whose bound reaches the target: below it
    no roster can hold the target. Each step's bound is kept in `ex.bound_only`."""

    def split() -> tuple[float | None, float | None]:
        known = {**ex.bound_only, **ex.bounds}
        short = [b for b, p in known.items() if p.service_level_upper is not None and p.service_level_upper < ex.target]
        lo = max(short, default=None)
        allows = [
            b
            for b, p in known.items()
            if p.service_level_upper is not None and p.service_level_upper >= ex.target and (lo is None or b > lo)
        ]
        return lo, min(allows, default=None)

    lo, hi = split()
    for _ in range(MAX_BOUND_STEPS):
        if lo is None or hi is None or (hi - lo) / hi <= tolerance or not time_left():
            break
        mid = round((lo + hi) / 2, 1)
        ex.bound_only[mid] = ex.bound.at(mid, ex.bound_s)
        if ex.bound_only[mid].service_level_upper is None:
            break
        lo, hi = split()
    return lo


def _below_minimum(budget_h: float) -> dict[str, object]:
    return {"budget_hours": budget_h, "status": "below-minimum", "validated": False}


def _target(
    ex: _Explorer, found: Bracket, bound: ServiceBound, target: float, limit: float, bound_s: float, cfg: Any
) -> tuple[dict[str, Any], list[str]]:
    """target.json's content and the lines that say it."""
    rosters = [p for p in ex.points.values() if p.validated and p.projected_service_level is not None]
    best = max(rosters, key=lambda p: p.projected_service_level or 0.0, default=None)
    proof = ex.points.get(found.holds_h) if found.holds_h is not None else None
    positions = cfg.budget.positions
    out: dict[str, Any] = {
        "target_service_level": target,
        "min_budget_hours": found.holds_h,
        "min_budget_operating_hours": None
        if found.holds_h is None or not positions
        else round(found.holds_h / positions, 2),
        "positions": positions,
        "bracket": {
            "short_hours": found.short_h,
            "holds_hours": found.holds_h,
            "width": found.width(),
            "proven_short_hours": found.proven_short_h,
        },
        "roster": None
        if proof is None
        else {
            "file": "target_roster.csv",
            "projected_service_level": proof.projected_service_level,
            "hours_used": proof.hours_used,
            "validated": proof.validated,
            "status": proof.status,
        },
        "scenario_budget_hours": cfg.budget.hours,
        "agents_min_hours": round(bound.min_budget_h, 1),
        "agents_max_hours": round(bound.max_hours_h, 1),
        "best_projected_service_level": None if best is None else best.projected_service_level,
        "bound_is_estimate": not bound.rigorous,
        "bound_only": [
            {"budget_hours": b, "service_level_upper_bound": p.service_level_upper}
            for b, p in sorted(ex.bound_only.items())
        ],
        "time_limit_s": limit,
        "points": len(ex.points),
    }
    lines = _found_lines(found, bound, target, positions)
    ceiling = max((b.service_level_upper or 0.0 for b in ex.bounds.values()), default=0.0)
    if found.holds_h is None or ceiling < target:
        out["diagnosis"] = diagnose(bound, target, DIAGNOSIS_FACTOR * bound_s)
        top = out["diagnosis"].get("service_level_upper_bound_without_budget")
        out["reachable"] = top is not None and top >= target
        lines.append(
            f"no roster found holds {target:.0%}; best checked roster "
            f"{'none' if best is None else f'{best.projected_service_level:.1%}'}"
        )
        lines += describe(out["diagnosis"], target)
    else:
        out["reachable"] = True
    out["message"] = lines
    return out, lines


def _found_lines(found: Bracket, bound: ServiceBound, target: float, positions: float | None) -> list[str]:
    """The least budget found and its bracket, as the command prints them."""
    lines = []
    if found.holds_h is not None:
        op = f" ({found.holds_h / positions:,.1f} operating h × {positions:g} positions)" if positions else ""
        if found.short_h is not None:
            below = f"bracket {found.short_h:,.1f}–{found.holds_h:,.1f} h"
        elif found.holds_h <= math.ceil(bound.min_budget_h * 10) / 10 + 0.05:
            below = "the agents' contracted minimum: no roster exists with fewer hours"
        else:
            below = "no roster found below it (none between it and the agents' minimum held a roster)"
        lines.append(f"least budget holding {target:.0%}: {found.holds_h:,.1f} h{op}; {below}")
    if found.proven_short_h is not None:
        lines.append(f"proven: no roster holds {target:.0%} with {found.proven_short_h:,.1f} h or fewer")
    return lines


def _write(
    work: Path, frame: pd.DataFrame, target_json: dict[str, Any], proof: PointResult | None, budget_h: float | None
) -> None:
    """The frontier's files into the (temporary) folder `work`."""
    write_csv(work / "frontier.csv", frame, float_format="%.6g")
    write_json(work / MARKER, target_json)
    if proof is not None and proof.shifts:
        write_roster(work / "target_roster.csv", list(proof.shifts), proof.max_breaks)
    fig = frontier_figure(
        frame,
        target_json["target_service_level"],
        budget_h,
        target_json["min_budget_hours"],
        target_json["agents_max_hours"],
        pd.DataFrame(target_json["bound_only"], columns=["budget_hours", "service_level_upper_bound"]),
    )
    write_text(work / "frontier.svg", to_svg(fig).decode("utf-8"))
    (work / "frontier.png").write_bytes(to_png(fig))
