"""`python -m benchmarks bounds`: lower bounds stronger than the LP wfm reports, to see how much of
a gap is the bound's.

For a one-week suite instance it computes, from the same aggregate model (`models.aggregate`):

- **the LP bound**, as `wfm schedule` reports it;
- **the agent-week bound**: the LP with every agent's week as a convex combination of its legal
  weeks (Dantzig–Wolfe over agent-week patterns). Columns are generated: each round solves the
  master (the aggregate's rows; per (day, shift kind), its shifts equal the patterns working that
  kind that day; per agent, its patterns' weights sum to 1), and each agent's best week under the
  master's duals is found exactly by `models.day_patterns.best_week` over a superset of its legal
  weeks (weekly minutes, shifts and runs; rest, minimum runs and per-agent template limits are
  left out, which only weakens the bound). The Lagrangian bound master + Σ_agents min(0, reduced
  cost) is valid at every round; at convergence it equals the master.
- **the aggregate MIP's dual bound**: HiGHS's branch and bound on the aggregate with integer
  shifts, within the time limit.

Each is a true lower bound of the roster's objective (under the coverage objective). Rows go to
`benchmarks/results/bounds.csv`.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from benchmarks.generate import generate
from benchmarks.runner import RESULTS_DIR, WORK_DIR, append_rows, environment
from benchmarks.suites import suite
from models import aggregate
from models.day_patterns import best_week
from models.linear import UNBOUNDED, SparseModel, linprog_rows, lp_relaxation, row_duals
from wfm.planning import Plan, build_plan
from wfm.schedule import load_inputs

# a shift without an agent's week behind it costs this many times the largest cost in the model:
# the master starts feasible (one pattern per agent) and prices such shifts out
UNBACKED_FACTOR = 1000


@dataclass(frozen=True)
class PatternBound:
    """The agent-week bound (objective units, as `wfm schedule` reports them)."""

    master: float  # the last master's value: the bound itself once no column prices out
    lagrangian: float  # the best valid bound found (≤ master)
    rounds: int
    columns: int
    converged: bool
    seconds: float


def _bounded(ub: np.ndarray) -> np.ndarray:
    return np.where(ub >= UNBOUNDED, np.inf, ub).astype(float)


def _week_of_each_agent(plan: Plan, max_consecutive: int, max_weekends: int | None) -> list[Any]:
    """Per agent a function from kind values [D, K] to its best week (global kind per day, -1 off)."""
    p = plan.problem
    D, K = plan.timeline.days, len(plan.kinds)
    offered = np.zeros((D, K), dtype=bool)
    offered[p.opt_day, plan.opt_kind] = True
    weekend = np.array([plan.timeline.date(d).weekday() >= 5 for d in range(D)])
    minutes = np.array([kind.paid_min for kind in plan.kinds], dtype=np.int64)
    pricers = []
    for c, members in enumerate(plan.classes):
        kinds = np.array([k for k, kind in enumerate(plan.kinds) if kind.klass == c], dtype=np.int64)
        for a in members:
            allowed = offered[:, kinds] & ~plan.unavailable_day[a][:, None]
            if max_weekends == 0:
                allowed[weekend] = False

            def best(value: np.ndarray, a: int = a, kinds: np.ndarray = kinds, allowed: np.ndarray = allowed) -> Any:
                row = best_week(
                    value[:, kinds],
                    allowed,
                    minutes[kinds],
                    int(plan.week_min_paid[a, 0]),
                    int(plan.week_max_paid[a, 0]),
                    int(plan.week_max_shifts[a, 0]),
                    max_consecutive,
                )
                return None if row is None else np.where(row >= 0, kinds[np.maximum(row, 0)], -1)

            pricers.append((a, best))
    return [best for _, best in sorted(pricers, key=lambda item: item[0])]


def pattern_bound(
    plan: Plan,
    model: SparseModel,
    x: np.ndarray,
    max_consecutive: int,
    max_weekends: int | None,
    time_limit_s: float,
    max_rounds: int = 1000,
) -> PatternBound:
    """The agent-week (Dantzig–Wolfe) bound of a one-week plan's aggregate `model` (its shift columns
    `x`), by column generation until no agent's week prices out or the time limit."""
    if len(plan.weeks) != 1:
        raise ValueError("the agent-week bound is computed for one-week horizons only")
    start = time.perf_counter()
    p = plan.problem
    a0, lo0, hi0, lb0, ub0, c0 = model.matrix()
    rows0, n0 = a0.shape
    D, K, A = plan.timeline.days, len(plan.kinds), plan.unavailable_day.shape[0]
    cell = p.opt_day * K + plan.opt_kind  # the (day, kind) of each shift option
    link_keys, link_of_option = np.unique(cell, return_inverse=True)
    L = len(link_keys)
    link_row = np.full(D * K, -1, dtype=np.int64)
    link_row[link_keys] = np.arange(L)
    shifts_in_link = sp.csr_matrix((np.ones(len(x)), (link_of_option, x)), shape=(L, n0))
    unbacked_cost = UNBACKED_FACTOR * float(np.abs(c0).max(initial=1))
    best_of = _week_of_each_agent(plan, max_consecutive, max_weekends)
    weeks: list[tuple[int, np.ndarray]] = []
    for a, best in enumerate(best_of):
        row = best(np.zeros((D, K)))
        if row is None:
            raise ValueError(f"agent {a} has no legal week")
        weeks.append((a, row))
    # the static part: the aggregate's rows, then link rows (shifts − patterns − unbacked = 0), then
    # one convexity row per agent
    lo = np.concatenate([lo0, np.zeros(L), np.ones(A)])
    hi = np.concatenate([hi0, np.zeros(L), np.ones(A)])
    left = sp.vstack([a0.astype(float), shifts_in_link, sp.csr_matrix((A, n0))]).tocsr()
    unbacked = sp.vstack([sp.csr_matrix((rows0, L)), -sp.identity(L), sp.csr_matrix((A, L))]).tocsr()
    best_bound, value, rounds, converged = -np.inf, 0.0, 0, False
    while rounds < max_rounds and time.perf_counter() - start < time_limit_s:
        rounds += 1
        r, cidx, v = [], [], []
        for i, (a, row) in enumerate(weeks):
            worked = np.flatnonzero(row >= 0)
            r += [*(rows0 + link_row[worked * K + row[worked]]).tolist(), rows0 + L + a]
            cidx += [i] * (len(worked) + 1)
            v += [-1.0] * len(worked) + [1.0]
        lam = sp.csr_matrix((v, (r, cidx)), shape=(rows0 + L + A, len(weeks)))
        a_all = sp.hstack([left, lam, unbacked]).tocsr()
        cost = np.concatenate([c0, np.zeros(len(weeks)), np.full(L, unbacked_cost)]).astype(float)
        bounds = np.column_stack(
            [
                np.concatenate([lb0, np.zeros(len(weeks) + L)]).astype(float),
                np.concatenate([_bounded(ub0), np.ones(len(weeks)), np.full(L, np.inf)]),
            ]
        )
        res = linprog(
            cost,
            **linprog_rows(a_all, lo, hi),
            bounds=bounds,
            method="highs-ipm",
            options={"time_limit": max(1.0, time_limit_s - (time.perf_counter() - start))},
        )
        if res.status != 0:
            break
        duals = row_duals(res, lo, hi)
        value = float(res.fun)
        # a week's reduced cost: Σ its (day, kind) link duals − its agent's convexity dual; the best
        # week has the greatest Σ −dual ((day, kind) pairs without a link row are never offered)
        link_dual = np.full((D, K), np.inf)
        link_dual.reshape(-1)[link_keys] = duals[rows0 : rows0 + L]
        worth = -np.where(np.isfinite(link_dual), link_dual, 1e12)
        priced, added = 0.0, 0
        for a, best in enumerate(best_of):
            row = best(worth)
            if row is None:
                continue
            worked = np.flatnonzero(row >= 0)
            reduced = float(link_dual[worked, row[worked]].sum()) - float(duals[rows0 + L + a])
            priced += min(0.0, reduced)
            if reduced < -1e-7 * max(1.0, abs(value)):
                weeks.append((a, row))
                added += 1
        best_bound = max(best_bound, value + priced)
        if not added:
            converged = True
            break
    units = plan.objective_scale
    return PatternBound(value / units, best_bound / units, rounds, len(weeks), converged, time.perf_counter() - start)


def mip_bound(model: SparseModel, x: np.ndarray, time_limit_s: float) -> tuple[float | None, float | None]:
    """HiGHS branch and bound on the aggregate (shifts integer): its dual bound and best objective
    (model units; None where it found none) within the time limit."""
    a, lo, hi, lb, ub, c = model.matrix()
    integer = np.zeros(len(c))
    integer[x] = 1
    res = milp(
        c.astype(float),
        constraints=LinearConstraint(a.astype(float), lo, hi),
        bounds=Bounds(lb.astype(float), _bounded(ub)),
        integrality=integer,
        options={"time_limit": float(time_limit_s), "presolve": True},
    )
    return getattr(res, "mip_dual_bound", None), res.fun


def bounds_of(scenario: Path, time_limit_s: float) -> dict[str, Any]:
    """The three bounds of a scenario (objective units) and the seconds each took."""
    inputs = load_inputs(scenario)
    cfg = inputs.scenario.config
    if cfg.objective.kind != "coverage":
        raise ValueError("bounds are compared under the coverage objective")
    plan = build_plan(inputs.scenario, inputs.agents, inputs.unavailability, inputs.requirements)
    units = plan.objective_scale
    model, lay = aggregate.build(plan.problem)
    lp = lp_relaxation(model, time_limit_s)
    weeks = pattern_bound(plan, model, lay.x, cfg.rules.max_consecutive_days, cfg.rules.max_weekends, time_limit_s)
    started = time.perf_counter()
    dual, primal = mip_bound(model, lay.x, time_limit_s)
    return {
        "lp_bound": None if lp.value is None else lp.value / units,
        "lp_seconds": round(lp.seconds, 2),
        "agent_week_master": weeks.master,
        "agent_week_bound": weeks.lagrangian,
        "agent_week_rounds": weeks.rounds,
        "agent_week_columns": weeks.columns,
        "agent_week_converged": weeks.converged,
        "agent_week_seconds": round(weeks.seconds, 2),
        "mip_dual_bound": None if dual is None else dual / units,
        "mip_objective": None if primal is None else primal / units,
        "mip_seconds": round(time.perf_counter() - started, 2),
    }


def cmd_bounds(args: argparse.Namespace) -> int:
    """Generate each named one-week instance of the suite, compute its bounds, append the rows."""
    chosen = [i for i in suite(args.suite).instances if not args.instance or i.spec.name in args.instance]
    env = environment()
    rows = []
    for item in chosen:
        if item.spec.days != 7:
            print(f"{item.spec.name}: skipped (the agent-week bound is computed for one-week instances)")
            continue
        generated = generate(item.spec, args.work_dir / args.suite / item.spec.name / "input")
        row = {
            "instance": item.spec.name,
            "agents": item.spec.agents,
            **bounds_of(generated.scenario_path, args.time_limit_s),
            "time_limit_s": args.time_limit_s,
            **env,
        }
        rows.append(row)
        print(
            f"{item.spec.name}: LP {row['lp_bound']:.2f}, agent weeks {row['agent_week_bound']:.2f} "
            f"(master {row['agent_week_master']:.2f}, {row['agent_week_rounds']} rounds, "
            f"{'converged' if row['agent_week_converged'] else 'time limit'}), MIP dual bound "
            f"{row['mip_dual_bound']}",
            flush=True,
        )
    if rows:
        append_rows(args.results_dir / "bounds.csv", rows, columns=list(rows[0]))
    return 0


def add_command(commands: Any) -> None:
    """Register the `bounds` subcommand on an argparse subparsers object."""
    cmd = commands.add_parser("bounds", help="stronger lower bounds of one-week instances (agent weeks, MIP)")
    cmd.add_argument("--suite", default="smoke", help="suite whose one-week instances are bounded")
    cmd.add_argument("--instance", action="append", metavar="NAME", help="only this instance (repeatable)")
    cmd.add_argument("--time-limit-s", type=float, default=180.0, help="time limit of each bound, seconds")
    cmd.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="folder of the results CSV files")
    cmd.add_argument("--work-dir", type=Path, default=WORK_DIR, help="folder the instances are generated in")
    cmd.set_defaults(func=cmd_bounds)
