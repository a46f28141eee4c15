"""Large-neighbourhood search on an integer program: CP-SAT re-optimizes a few columns at a time.

Each neighbourhood is a set of free columns; every other column keeps its current value, so its
rows' activity becomes a constant. CP-SAT solves the small model, hinted with the current values,
and a better solution replaces them. Neighbourhoods with disjoint columns run side by side, one
CP-SAT worker each; a row two of them share is split: each may move its own part of the row's
activity by at most its share of the row's slack, so their answers combine into a feasible whole.

The current solution may break a row (the aggregate construction may exceed a pattern cut by one
shift): such a row's bounds widen to its current activity, so a neighbourhood never makes it worse.

Measured on the 300-agent month's aggregate (from the LP's rounding, 17,082; LP 13,772), one day
per neighbourhood, restricted to the LP's support and the current shifts: one worker for 1 s per
day 15,211 in 28 s; 2 s per day 14,823; two workers for 1 s per day 15,713 (so one worker per
neighbourhood and two neighbourhoods at once). Unrestricted days (all of a day's options) improved
it only to 16,657 at 3 s each: the restriction is what makes the small models quick.

The roster search's day models (`wfm.schedule.search`, 1,300–1,900 variables) are near their optimum
after one solve: on the 300-agent month's second pass HiGHS's MIP proved bounds within 0–4% of
CP-SAT's answers at 0.2 deterministic seconds, and from a roster searched for 50 s, the four most
promising days got 5 better in 15 s each with all of their options (3.5 among the LP's). One
worker's parameters on ten of those models (objective sum at 0.2 deterministic seconds): default
1,401,300; pseudo-cost branching the same; probing off 1,407,800; LP-guided branching 1,425,900;
quick-restart portfolio 1,459,500; presolve off 1,462,800; twice the time 1,390,900; on fourteen,
linearization level 2 0.3% and interleaved subsolvers (LNS among them) 2% worse than the default.
So a pass's gain is bounded by what a day may change, not by the solve.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from ortools.sat.python import cp_model

CP_MAX = 10**12  # bounds beyond this are open for CP-SAT
# CP-SAT deterministic seconds per second of a neighbourhood's budget. About 0.1 per wall second
# was measured on the bundled example's day neighbourhoods (2-core EPYC; 0.05 left no time past
# presolve); the roster search's days with lengths free (one 0/1 column per shift and kind) need
# more: at 0.1 the 300-agent month's solves stopped after about 0.6 s and the search reached 16,277
# in 30 s, at 0.2 (solves of 1–2.6 s) 15,518. A solve may so take longer than its `seconds_each`.
DETERMINISTIC_PER_SECOND = 0.2


@dataclass(frozen=True)
class LnsResult:
    vector: np.ndarray
    solved: int  # neighbourhood solves
    improved: int  # solves that lowered the objective
    passes: int


@dataclass(frozen=True)
class _Sub:
    cols: np.ndarray
    rows: np.ndarray
    a: sp.csr_matrix  # rows × cols
    lo: np.ndarray  # bounds of the free part's activity
    hi: np.ndarray


def improve(
    a: sp.csr_matrix,
    lo: np.ndarray,
    hi: np.ndarray,
    lb: np.ndarray,
    ub: np.ndarray,
    cost: np.ndarray,
    start: np.ndarray,
    order: Callable[[np.ndarray], Sequence[np.ndarray]],
    *,
    deadline: float,
    seconds_each: float = 1.0,
    workers: int = 1,
    seed: int = 0,
    deterministic: bool = False,
    min_gain: float = 1e-3,
    max_passes: int | None = None,
    on_pass: Callable[[int, float], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> LnsResult:
    """Improve the integer vector `start` of min cost·v, lo ≤ a·v ≤ hi, lb ≤ v ≤ ub.

    `order(v)` gives the neighbourhoods (arrays of free columns) for a pass, best first. Passes
    repeat until one lowers the objective by less than `min_gain` (relative), `max_passes` are done
    or `deadline` (a `time.perf_counter()` reading) comes. `deterministic`: each solve stops on
    CP-SAT's work count (about `seconds_each` seconds' worth), so a run that ends before the
    deadline repeats exactly.
    """
    v = np.asarray(start, dtype=np.int64).copy()
    csc = a.tocsc()
    act = a @ v
    lo = np.minimum(lo, act)
    hi = np.maximum(hi, act)
    solved = improved = passes = 0
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        while time.perf_counter() < deadline and not (stop is not None and stop()):
            before = float(cost @ v)
            todo = list(order(v))
            while todo and time.perf_counter() < deadline and not (stop is not None and stop()):
                batch, rest, taken = [], [], np.zeros(len(v), dtype=bool)
                for cols in todo:
                    if len(batch) < workers and not taken[cols].any():
                        batch.append(cols)
                        taken[cols] = True
                    else:
                        rest.append(cols)
                todo = rest
                subs = _split(a, csc, lo, hi, v, batch)
                left = deadline - time.perf_counter()
                results = list(
                    pool.map(
                        _solve,
                        subs,
                        *(
                            [x] * len(subs)
                            for x in (lb, ub, cost, v, min(seconds_each, left), seed, deterministic, left)
                        ),
                    )
                )
                for s, x in zip(subs, results, strict=True):
                    solved += 1
                    if x is not None and cost[s.cols] @ x < cost[s.cols] @ v[s.cols]:
                        v[s.cols] = x
                        improved += 1
            passes += 1
            after = float(cost @ v)
            if on_pass is not None:
                on_pass(passes, after)
            if before - after <= min_gain * abs(before) or passes == max_passes:
                break
    return LnsResult(v, solved, improved, passes)


def _split(
    a: sp.csr_matrix, csc: sp.csc_matrix, lo: np.ndarray, hi: np.ndarray, v: np.ndarray, batch: list[np.ndarray]
) -> list[_Sub]:
    """Each neighbourhood's rows and the bounds of its own activity; shared rows' slack split evenly."""
    act = a @ v
    rows = [np.unique(csc[:, cols].indices) for cols in batch]
    sharing = np.zeros(a.shape[0], dtype=np.int64)
    for r in rows:
        sharing[r] += 1
    subs = []
    for cols, r in zip(batch, rows, strict=True):
        sub = a[r][:, cols].tocsr()
        own = sub @ v[cols]
        k = sharing[r]
        fixed = act[r] - own
        s_lo = np.where(k > 1, own - np.floor((act[r] - lo[r]) / k), lo[r] - fixed)
        s_hi = np.where(k > 1, own + np.floor((hi[r] - act[r]) / k), hi[r] - fixed)
        subs.append(_Sub(cols, r, sub, s_lo, s_hi))
    return subs


def _solve(
    s: _Sub,
    lb: np.ndarray,
    ub: np.ndarray,
    cost: np.ndarray,
    v: np.ndarray,
    seconds: float,
    seed: int,
    deterministic: bool,
    wall_s: float,
) -> np.ndarray | None:
    if seconds <= 0.05:
        return None
    m = cp_model.CpModel()
    lbs = np.clip(lb[s.cols], -CP_MAX, CP_MAX).tolist()
    ubs = np.clip(ub[s.cols], -CP_MAX, CP_MAX).tolist()
    xs = [m.new_int_var(int(lo_), int(hi_), "") for lo_, hi_ in zip(lbs, ubs, strict=True)]
    ptr, idx, val = s.a.indptr, s.a.indices, s.a.data.astype(np.int64)
    for i in range(len(s.rows)):
        terms = idx[ptr[i] : ptr[i + 1]]
        if len(terms) == 0:
            continue
        low = int(max(s.lo[i], -CP_MAX)) if np.isfinite(s.lo[i]) else -CP_MAX
        high = int(min(s.hi[i], CP_MAX)) if np.isfinite(s.hi[i]) else CP_MAX
        expr = cp_model.LinearExpr.weighted_sum([xs[j] for j in terms.tolist()], val[ptr[i] : ptr[i + 1]].tolist())
        m.add_linear_constraint(expr, low, high)
    c = cost[s.cols]
    paid = np.flatnonzero(c)
    m.minimize(cp_model.LinearExpr.weighted_sum([xs[j] for j in paid.tolist()], c[paid].tolist()))
    for var, value in zip(xs, v[s.cols].tolist(), strict=True):
        m.add_hint(var, int(value))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    if deterministic:
        solver.parameters.max_deterministic_time = seconds * DETERMINISTIC_PER_SECOND
        solver.parameters.max_time_in_seconds = wall_s
    else:
        solver.parameters.max_time_in_seconds = seconds
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return np.array([solver.value(x) for x in xs], dtype=np.int64)
