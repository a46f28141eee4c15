"""A guide for the aggregate where its LP is too big: shift counts to round and search around, not a bound.

Where the aggregate's LP (`models.aggregate`) does not finish inside the limit — 24/7 months —
the stages that round the LP's solution into an aggregate (`models.construct`) and draw their
neighbourhoods around its support (`aggregate.day_neighbourhoods`) have nothing to steer by, and
the greedy construction alone lands far from what they reach with it. The lean relaxation
(`models.lean_bound`) is a true bound, but in the form that finishes (coverage per two hours) its
solution places shifts only to the block, and rounding it is no better than the greedy. This guide
gives up the bound for a solution that places shifts to the interval.

Formulation: `models.lean_bound`'s model with coverage per interval (`block_hours=0`), over the
problem changed in two ways, each making the LP smaller or splitting it, neither a relaxation.
  pinned breaks   every break starts in the middle of its window (W_g = 0): the break rows
                  become equalities HiGHS's presolve removes;
  weeks           one LP per week w of `week_days`, over the options of its days: its requirement
                  (zero outside the week's intervals), its class-days' availability, its class-week
                  rows, the pattern and week-rule rows of its options (a row left with none of
                  its options keeps only what 0 satisfies), and the budget times the week's share
                  of the required agent-intervals.
Its solution y_o (shifts per group of options that differ only in their agent class) is split
among the group's options by proportional fitting to both the groups' y_o and the class cells' v_u
(`split_groups`): each cell's total is kept exactly (so the rounding keeps the agents' rows), each
group's about.

Measured (std-m300-24x7, 195,120 options, 2-core EPYC, alone): the month's per-interval lean LP with
the windows kept took 127 s (bound 9,175; rounded, 17,183); pinned, 33 s (rounded 17,139); pinned
and week by week, 11.4 s for the five weeks (rounded 17,314); the greedy construction 31,031 and
the two-hour lean form's solution 41,136 (crossover) — docs/schedule.md.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from models import lean_bound
from models.linear import SparseModel, expected_lp_seconds, lp_relaxation
from models.problem import AggregateProblem

Rows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
SPLIT_ROUNDS = 10  # rounds of proportional fitting (`split_groups`)


def pinned(p: AggregateProblem) -> AggregateProblem:
    """`p` with every break window narrowed to its middle interval (W_g = 0)."""
    width = p.group_width
    return dataclasses.replace(
        p, brk_window_start=p.brk_window_start + width[p.brk_group] // 2, group_width=np.zeros_like(width)
    )


def _kept_rows(rows: Rows | None, keep: np.ndarray, remap: np.ndarray) -> Rows | None:
    """Rows Σ coef·x ≤ rhs over the kept options; a row with none left keeps max(rhs, 0) (0 ≤ rhs)."""
    if rows is None:
        return None
    r, o, c, rhs = rows
    k = keep[o]
    live = np.zeros(len(rhs), dtype=bool)
    live[r[k]] = True
    return r[k], remap[o[k]], c[k], np.where(live, rhs, np.maximum(rhs, 0))


def week_problem(p: AggregateProblem, days: Sequence[int]) -> tuple[AggregateProblem, np.ndarray]:
    """The problem of the options of `days` (one week: formulation above) and their indices in `p`."""
    D = p.class_day_cap.shape[1]
    per_day = p.required.shape[1] // D
    keep = np.isin(p.opt_day, days)
    idx = np.flatnonzero(keep)
    remap = np.full(p.n_options, -1, dtype=np.int64)
    remap[idx] = np.arange(len(idx))
    t0, t1 = min(days) * per_day, (max(days) + 1) * per_day
    required = np.zeros_like(p.required)
    required[:, t0:t1] = p.required[:, t0:t1]
    other_days = np.setdiff1d(np.arange(D), days)
    cap = p.class_day_cap.copy()
    cap[:, other_days] = 0
    other_weeks = [w for w, week in enumerate(p.week_days) if not set(week) & set(days)]
    min_paid, min_shifts = p.class_week_min_paid.copy(), p.class_week_min_shifts.copy()
    min_paid[:, other_weeks] = 0
    min_shifts[:, other_weeks] = 0
    brk = keep[p.brk_option]
    budget = None
    if p.budget_min is not None:
        share = float(p.required[:, t0:t1].sum()) / max(float(p.required.sum()), 1.0)
        budget = int(p.budget_min * share)
    cuts: dict[str, np.ndarray | None] = {}
    if p.cut_interval is not None:
        inside = (p.cut_interval >= t0) & (p.cut_interval < t1)
        cuts = {name: getattr(p, name)[inside] for name in ("cut_queue", "cut_interval", "cut_const", "cut_slope")}
    names = ("opt_day", "opt_start", "opt_length", "opt_queue", "opt_class", "opt_template")
    week = dataclasses.replace(
        p,
        required=required,
        **{name: getattr(p, name)[idx] for name in (*names, "opt_paid_min", "opt_budget_min", "opt_cost")},
        brk_option=remap[p.brk_option[brk]],
        brk_group=p.brk_group[brk],
        brk_window_start=p.brk_window_start[brk],
        class_day_cap=cap,
        class_week_min_paid=min_paid,
        class_week_min_shifts=min_shifts,
        budget_min=budget,
        pattern_rows=_kept_rows(p.pattern_rows, keep, remap),
        option_rows=_kept_rows(p.option_rows, keep, remap),
        **cuts,
    )
    return week, idx


def split_groups(
    p: AggregateProblem, lay: lean_bound.LeanLayout, solution: np.ndarray, rounds: int = SPLIT_ROUNDS
) -> np.ndarray:
    """[J] shifts per option of `p` from the lean model's `solution`: iterative proportional fitting
    of each link's (group × cell) table to the groups' y_o and the cells' v_u, ending on the cells, so
    that no cell takes more than its v_u — the agent rows (availability, weekly hours) hold as in the
    lean LP — and each group about its y_o."""
    y = np.maximum(solution[lay.shifts.x], 0.0)
    v = np.maximum(solution[lay.cells], 0.0)
    g, u = lay.group_of_option, lay.cell_of_option
    x = np.ones(len(g))
    for k in range(2 * rounds + 1):
        on_cells = k % 2 == 0  # cells first and last
        of, target = (u, v) if on_cells else (g, y)
        total = np.bincount(of, weights=x, minlength=len(target))
        x *= np.where(total > 1e-12, target / np.maximum(total, 1e-12), 0.0)[of]
    return x


@dataclass(frozen=True)
class Week:
    """One week's lean model (formulation above) and where its options lie in the whole problem."""

    problem: AggregateProblem
    options: np.ndarray  # [J_w] indices into the whole problem's options
    model: SparseModel
    layout: lean_bound.LeanLayout


def build_weeks(p: AggregateProblem) -> list[Week]:
    """The week models of `p`, breaks pinned."""
    q = pinned(p)
    weeks = []
    for days in p.week_days:
        if days:
            week, idx = week_problem(q, days)
            weeks.append(Week(week, idx, *lean_bound.build(week, service_segments=True, block_hours=0)))
    return weeks


def expected_seconds(weeks: Sequence[Week]) -> float:
    """A rough forecast of `guide_shifts`'s seconds: `expected_lp_seconds` of each week's model."""
    return sum(expected_lp_seconds(w.model) for w in weeks)


def guide_shifts(n_options: int, weeks: Sequence[Week], time_limit_s: float) -> np.ndarray | None:
    """[J] fractional shifts per option of the whole problem (formulation above), or None if a week's
    LP did not finish within what is left of `time_limit_s`."""
    until = time.perf_counter() + time_limit_s
    shifts = np.zeros(n_options)
    for w in weeks:
        lp = lp_relaxation(w.model, max(1.0, until - time.perf_counter()))
        if lp.solution is None:
            return None
        shifts[w.options] = split_groups(w.problem, w.layout, lp.solution)
    return shifts
