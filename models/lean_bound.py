"""A lean relaxation of the aggregate model (`models.aggregate`): a true lower bound where its LP is too big.

On a 24/7 month the aggregate has one shift option per (day, start, length, queue, agent class,
kind): about 195,000 columns, each in about eleven rows (budget, agents on shift, its breaks'
windows, class-day, class-week minutes and shifts, pattern counts), 2.2 million nonzeros in all,
and HiGHS does not finish it in 600 s. Most of those columns differ only in their agent class, and
only the agent rows read the class; coverage, breaks and the budget read only when a shift starts,
how long it lasts, which queue it serves and its kind. So the lean model keeps the two apart.

Formulation (same units as `models.aggregate`; J its options, x_j ≥ 0 its shift counts)

Sets
  O   shift groups o: the options with the same (day, start, length, queue, template) and the same
      break incidences (groups g and window starts), over every agent class;
  U   class cells u: the options with the same (class, day, template, paid minutes, queue, start
      band), a band being 1/`bands_per_day` of the day counted from its first interval;
  F   break families f: the break groups of one (queue, duration) over the whole horizon, every
      window widened to the family's widest W_f.
Variables
  y_o ≥ 0   shifts of group o;  v_u ≥ 0   shifts of cell u;
  S, Y, on, under, over, lost, z, n: as in `models.aggregate`, over the groups O (breaks, coverage,
  service) and the cells U (weekends, pattern counts).
Constraints
  link      for each (day, template, paid minutes, queue, band): Σ_{o in it} y_o = Σ_{u in it} v_u;
  coverage, breaks, service: `models.aggregate`'s rows with the groups O as its options and the
            families F as its break groups;
  budget    Σ_o min_{j∈o} budget_min_j · y_o ≤ budget;
  agents    `models.aggregate`'s agent rows with the cells U as its options (a cell's class, day,
            template and paid minutes are its options'); a week rule's row (`models.rules`) takes
            for each cell the least coefficient of the cell's options, 0 for an option outside it.
Objective
  minimize Σ_o min_{j∈o} cost_j · y_o + the staffing and service terms of `models.aggregate`.
Blocks (`block_hours` > 0, coverage objective): time in blocks B of K intervals (K ≥ the longest
break d_f); per family and block S_fB (windows opened by B's end), Y_fB (breaks started by B's end,
non-decreasing, Y ≤ S, Y = S at the end, Y_fB ≥ S_f,B−⌈W_f/K⌉) and a_fB with n ≤ a_fB ≤ d_f·n for
n = Y_fB − Y_f,B−1 (the intervals the breaks started in B spend in B); coverage per (queue, block):
Σ_{t∈B} on_t − Σ_f (a_fB + d_f·n_f,B−1 − a_f,B−1) − over_B + under_B = Σ_{t∈B} req_t, under_B ≤
Σ req, with the interval weights.

Why it is a relaxation. Take any feasible point (x, S, Y, on, under, over, lost, z, n) of the
aggregate's LP and set y_o = Σ_{j∈o} x_j and v_u = Σ_{j∈u} x_j, every other column unchanged.
- link: both sides are the sum of x_j over the options of the (day, template, paid, queue, band).
- coverage and breaks read x only through sums over options of one (start, length, queue) and of
  one break incidence; every option of a group o has the same ones, so the sums are those of y.
- families: set S_f and Y_f to the sums of their groups' S_g and Y_g, each extended as 0 before its
  group's span and as its last value after it. Each row of a family (Y monotone, Y ≤ S, Y = S at the
  end, Y_τ ≥ S_(τ−W_f)) is the sum of its groups' rows (Y_g,τ ≥ S_g,τ−W_g ≥ S_g,τ−W_f as S is
  non-decreasing and W_g ≤ W_f), and the breaks in progress Σ_g (Y_g,t − Y_g,t−dur) are the
  family's Y_f,t − Y_f,t−dur.
- agent rows read x only through sums over options of one (class, day), (class, week), (class,
  week, paid minutes), (class, template) or (class, day) of a weekend, each with a coefficient
  (1 or the paid minutes) that is the same for every option of a cell: the same sums of v.
- week rules, budget and cost: Σ_j a_j x_j ≥ Σ_cell (min_{j∈cell} a_j) Σ_{j∈cell} x_j because x ≥ 0,
  so each ≤ row still holds and the lean objective is at most the aggregate's.
- blocks: from the per-interval point take S_fB, Y_fB at B's last interval, a_fB = Σ_{τ∈B} (Y_fτ −
  Y_f,τ−1)·min(d_f, K − (τ − first of B)) (a break started at offset r spends min(d, K − r) ≥ 1
  intervals in B and the rest, < K, in B + 1) and under_B, over_B the sums over B: each block row is
  the sum of its interval rows, each Hall row at block ends follows from the per-interval ones
  (a window opened by the end of B − ⌈W/K⌉ closes by the end of B), the cost is the same.
So the lean model is feasible wherever the aggregate is, at an objective no higher, and its LP
optimum is a lower bound of the aggregate's LP optimum, hence of the roster's objective. It is
weaker where a class could only work part of a band (a daily availability window), where a week
rule's coefficients differ inside a cell, where the costs differ between classes and where a break
could move to another group's window of its family (`tests/test_lean_bound.py` maps the LP's and a
constructed point into it row by row).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from models import aggregate
from models.linear import LpBound, SparseModel, dual_bound, expected_lp_seconds, lp_relaxation
from models.problem import AggregateProblem

BANDS_PER_DAY = 1  # start bands per day: 1 (the whole day) kept the LP fastest (docs/schedule.md)
# how much slower than `expected_lp_seconds` forecasts (fitted on the aggregate of 12x6 months) each
# form's LP was, by block hours, on the 300-agent 24x7 month (2 busy cores): per interval 75 s for
# 29 s forecast, 1-h blocks 24 s for 16 s, 2-h blocks 11 s for 12 s
SLOWER_THAN_FORECAST = {0: 3.0, 1: 1.5, 2: 1.0}


@dataclass(frozen=True)
class LeanLayout:
    """Where the lean model's columns lie."""

    shifts: aggregate._Layout  # over the shift groups: `shifts.x` are the y columns
    cells: np.ndarray  # [U] the v columns
    group_of_option: np.ndarray  # [J] the shift group o of each aggregate option
    cell_of_option: np.ndarray  # [J] the class cell u of each aggregate option
    family_of_group: np.ndarray  # [G] the break family of each aggregate break group
    blocks: _Blocks | None  # the block form's columns (None: coverage and breaks per interval)
    family_duration: np.ndarray  # [F] break intervals of each family's breaks


def _break_signature(p: AggregateProblem) -> np.ndarray:
    """[J, 2k] each option's break incidences (group, window start), sorted, padded with −1."""
    order = np.lexsort((p.brk_window_start, p.brk_group, p.brk_option))
    opt = p.brk_option[order]
    count = np.bincount(opt, minlength=p.n_options)
    width = int(count.max(initial=0))
    rank = np.arange(len(opt)) - (np.cumsum(count) - count)[opt]  # `opt` is sorted
    sig = np.full((p.n_options, 2 * width), -1, dtype=np.int64)
    sig[opt, 2 * rank] = p.brk_group[order]
    sig[opt, 2 * rank + 1] = p.brk_window_start[order]
    return sig


def _least(values: np.ndarray, of: np.ndarray, n: int) -> np.ndarray:
    """[n] the least of `values` over the entries of each index of `of`."""
    out = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(out, of, values)
    return out


def _start_band(p: AggregateProblem, bands_per_day: int) -> np.ndarray:
    """[J] the band of the day each option starts in (0 … bands_per_day − 1)."""
    D = p.class_day_cap.shape[1]
    per_day = p.required.shape[1] // D
    offset = np.clip(p.opt_start - p.opt_day * per_day, 0, per_day - 1)
    return offset * bands_per_day // per_day


def _groups(p: AggregateProblem, bands_per_day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The shift group and the class cell of each option, and the link (day, template, paid, queue,
    band) of each group and of each cell."""
    band = _start_band(p, bands_per_day)
    shape = np.column_stack([p.opt_day, p.opt_start, p.opt_length, p.opt_queue, p.opt_template])
    link_cols = np.column_stack([p.opt_day, p.opt_template, p.opt_paid_min, p.opt_queue, band])
    _, group_of = np.unique(np.column_stack([shape, link_cols, _break_signature(p)]), axis=0, return_inverse=True)
    _, cell_of = np.unique(np.column_stack([p.opt_class, link_cols]), axis=0, return_inverse=True)
    _, link_of = np.unique(link_cols, axis=0, return_inverse=True)
    group_of, cell_of, link_of = group_of.ravel(), cell_of.ravel(), link_of.ravel()
    group_link = np.zeros(int(group_of.max(initial=-1)) + 1, dtype=np.int64)
    group_link[group_of] = link_of
    cell_link = np.zeros(int(cell_of.max(initial=-1)) + 1, dtype=np.int64)
    cell_link[cell_of] = link_of
    return group_of, cell_of, group_link, cell_link


def _first_of(of: np.ndarray, n: int) -> np.ndarray:
    """[n] an option of each group (the first)."""
    first = np.zeros(n, dtype=np.int64)
    first[of[::-1]] = np.arange(len(of))[::-1]
    return first


def _option_fields(p: AggregateProblem, rep: np.ndarray) -> dict[str, np.ndarray]:
    """The per-option fields of `p` that a group or cell takes from its representative option `rep`."""
    names = ("opt_day", "opt_start", "opt_length", "opt_queue", "opt_class", "opt_template", "opt_paid_min")
    return {name: getattr(p, name)[rep] for name in names}


def _group_problem(p: AggregateProblem, group_of: np.ndarray) -> tuple[AggregateProblem, np.ndarray]:
    """The aggregate problem whose options are the shift groups and whose break groups are the
    families (its class fields are a first member's and are read by nothing the lean model builds
    over it), and the family of each break group."""
    n = int(group_of.max(initial=-1)) + 1
    rep = _first_of(group_of, n)
    member = np.isin(p.brk_option, rep)
    remap = np.full(p.n_options, -1, dtype=np.int64)
    remap[rep] = np.arange(n)
    # break families: the groups of one (queue, duration), each window widened to the family's widest
    families, family_of = np.unique(np.column_stack([p.group_queue, p.group_duration]), axis=0, return_inverse=True)
    family_of = family_of.ravel()
    width = np.zeros(len(families), dtype=np.int64)
    np.maximum.at(width, family_of, p.group_width)
    shifts = dataclasses.replace(
        p,
        **_option_fields(p, rep),
        opt_budget_min=_least(p.opt_budget_min, group_of, n),
        opt_cost=_least(p.opt_cost, group_of, n),
        brk_option=remap[p.brk_option[member]],
        brk_group=family_of[p.brk_group[member]],
        brk_window_start=p.brk_window_start[member],
        group_queue=families[:, 0],
        group_width=width,
        group_duration=families[:, 1],
        pattern_rows=None,
        option_rows=None,
    )
    return shifts, family_of


def _cell_rows(
    rows: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None, cell_of: np.ndarray, n_cells: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Rows Σ coef·x ≤ rhs over options as rows over cells: each (row, cell) takes the least
    coefficient of the cell's options (0 for an option the row leaves out), valid because x ≥ 0."""
    if rows is None or len(rows[3]) == 0:
        return rows
    r, o, v, rhs = rows
    key = r.astype(np.int64) * n_cells + cell_of[o]
    uniq, inv = np.unique(key, return_inverse=True)
    least = _least(np.asarray(v, dtype=np.int64), inv.ravel(), len(uniq))
    inside = np.bincount(inv.ravel(), minlength=len(uniq))
    size = np.bincount(cell_of, minlength=n_cells)[uniq % n_cells]
    least = np.where(inside < size, np.minimum(least, 0), least)  # some option of the cell is outside the row
    keep = least != 0
    return uniq[keep] // n_cells, uniq[keep] % n_cells, least[keep], rhs


def _cell_problem(p: AggregateProblem, cell_of: np.ndarray) -> AggregateProblem:
    """The aggregate problem whose options are the class cells (for `aggregate._agent_rows`)."""
    n = int(cell_of.max(initial=-1)) + 1
    rep = _first_of(cell_of, n)
    pattern = None
    if p.pattern_rows is not None:  # each row reads its (class, week, paid) counts: the same for every cell member
        r, o, v, rhs = p.pattern_rows
        pattern = (r, cell_of[o], v, rhs)
    return dataclasses.replace(
        p,
        **_option_fields(p, rep),
        opt_budget_min=p.opt_budget_min[rep],
        opt_cost=np.zeros(n, dtype=np.int64),
        pattern_rows=pattern,
        option_rows=_cell_rows(p.option_rows, cell_of, n),
    )


def block_length(p: AggregateProblem, hours: int) -> int:
    """Intervals per coverage block: `hours`, or the longest break if longer (1: per interval)."""
    per_hour = max(1, p.required.shape[1] // p.class_day_cap.shape[1] // 24)
    return max(1, hours * per_hour, int(p.group_duration.max(initial=1)) if hours else 1)


@dataclass(frozen=True)
class _Blocks:
    """The block form's columns: per (family, block) S, Y and the break minutes a, per (queue,
    block) under and over."""

    K: int  # intervals per block
    n: int  # blocks
    s: np.ndarray  # [F·n]
    y: np.ndarray
    a: np.ndarray
    under: np.ndarray  # [Q·n]
    over: np.ndarray


def _pair_rows(m: SparseModel, left: np.ndarray, right: np.ndarray, coef: int, lo: float, hi: float) -> None:
    """lo ≤ left − coef·right ≤ hi, one row per pair."""
    k = len(left)
    m.add_rows(
        np.concatenate([np.arange(k), np.arange(k)]),
        np.concatenate([left, right]),
        np.concatenate([np.ones(k, dtype=np.int64), np.full(k, -coef, dtype=np.int64)]),
        np.full(k, lo),
        np.full(k, hi),
    )


def _block_breaks(m: SparseModel, gp: AggregateProblem, y: np.ndarray, K: int, big: int) -> tuple[np.ndarray, ...]:
    """Per family f and block B (K intervals; the family's duration d ≤ K): S_fB windows opened and
    Y_fB breaks started by the end of B; Y non-decreasing, Y ≤ S, Y_fB ≥ S_f,B−⌈W/K⌉, Y = S at the
    end; a_fB the break intervals the breaks started in B spend in B, n ≤ a ≤ d·n with n = Y_fB −
    Y_f,B−1 (a break started in B has 1 to d intervals in it, the rest in B + 1)."""
    F, n = len(gp.group_width), -(-gp.required.shape[1] // K)
    s, yy, a = (m.add_vars(F * n, 0, big) for _ in range(3))
    # S_fB − S_f,B−1 − Σ_{windows of f opening in B} y = 0
    blk = np.minimum(gp.brk_window_start // K, n - 1)
    prev = np.flatnonzero(np.arange(F * n) % n > 0)
    m.add_rows(
        np.concatenate([np.arange(F * n), prev, gp.brk_group * n + blk]),
        np.concatenate([s, s[prev - 1], y[gp.brk_option]]),
        np.concatenate([np.ones(F * n), -np.ones(len(prev)), -np.ones(len(blk))]).astype(np.int64),
        np.zeros(F * n),
        np.zeros(F * n),
    )
    _pair_rows(m, yy[prev], yy[prev - 1], 1, 0.0, np.inf)
    last = np.arange(F) * n + n - 1
    _pair_rows(m, yy, s, 1, -np.inf, 0.0)
    _pair_rows(m, yy[last], s[last], 1, 0.0, 0.0)
    lag = -(-gp.group_width // K)  # [F] ⌈W/K⌉
    fb = np.arange(F * n)
    late = fb[fb % n >= lag[fb // n]]
    _pair_rows(m, yy[late], s[late - lag[late // n]], 1, 0.0, np.inf)
    # n ≤ a ≤ d·n, with n = Y_fB − Y_f,B−1
    d = gp.group_duration[fb // n]
    for coef, lo, hi in ((1, 0.0, np.inf), (d, -np.inf, 0.0)):
        c = np.broadcast_to(coef, (F * n,))
        m.add_rows(
            np.concatenate([fb, fb, prev]),
            np.concatenate([a, yy, yy[prev - 1]]),
            np.concatenate([np.ones(F * n), -c, c[prev]]).astype(np.int64),
            np.full(F * n, lo),
            np.full(F * n, hi),
        )
    return s, yy, a


def _block_coverage(m: SparseModel, gp: AggregateProblem, on: np.ndarray, y: np.ndarray, K: int, big: int) -> _Blocks:
    """Coverage per (queue, block): Σ_(t∈B) on_t − Σ_(f of q) breaks in B − over + under = Σ_(t∈B) req,
    under ≤ Σ req: the sum of the interval rows, so a relaxation of them with the same costs. A
    family's break intervals in B are a_fB + d·n_f,B−1 − a_f,B−1 (the rest of the last block's)."""
    Q, T = gp.required.shape
    s, yy, a = _block_breaks(m, gp, y, K, big)
    F, n = len(gp.group_width), -(-T // K)
    req = np.zeros((Q, n * K), dtype=np.int64)
    req[:, :T] = gp.required
    req = req.reshape(Q, n, K).sum(axis=2).reshape(-1)
    under = m.add_vars(Q * n, 0, np.maximum(req, 0), gp.under_weight)
    over = m.add_vars(Q * n, 0, big, gp.over_weight)
    qt = np.arange(Q * T)
    fb = np.arange(F * n)
    row = gp.group_queue[fb // n] * n + fb % n  # the coverage row of (f, B)
    d = gp.group_duration[fb // n]
    e = fb[fb % n < n - 1]  # blocks B − 1 = e spilling into B = e + 1 (row[e] + 1)
    e2 = e[e % n > 0]  # and those with a block B − 2 = e − 1
    rows = [(qt // T) * n + (qt % T) // K, row, row[e] + 1, row[e2] + 1, row[e] + 1, np.arange(Q * n), np.arange(Q * n)]
    cols = [on, a, yy[e], yy[e2 - 1], a[e], over, under]
    vals = [np.ones(Q * T), -np.ones(F * n), -d[e], d[e2], np.ones(len(e)), -np.ones(Q * n), np.ones(Q * n)]
    m.add_rows(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals).astype(np.int64), req, req)
    return _Blocks(K, n, s, yy, a, under, over)


@dataclass(frozen=True)
class _Staffing:
    """The coverage part's columns: breaks (first, last, bases of Y and S per family, in intervals
    or blocks), agents on shift, the cells and their under, over and lost columns."""

    first: np.ndarray
    last: np.ndarray
    y_base: np.ndarray
    s_base: np.ndarray
    on: np.ndarray
    cells: np.ndarray
    under: np.ndarray
    over: np.ndarray
    lost: np.ndarray
    lost_cell: np.ndarray
    blocks: _Blocks | None


def _staffing(
    m: SparseModel, p: AggregateProblem, gp: AggregateProblem, y: np.ndarray, K: int, big: int, segments: bool
) -> _Staffing:
    """Coverage, breaks and service rows over the shift groups `y`: per interval (K = 1, with
    `models.aggregate`'s rows) or per block of K intervals."""
    none = np.zeros(0, dtype=np.int64)
    on = aggregate._on_shift_rows(m, gp, y, big)
    if K > 1:
        b = _block_coverage(m, gp, on, y, K, big)
        F = len(gp.group_width)
        first, last = np.zeros(F, dtype=np.int64), np.full(F, b.n - 1)
        cells = np.arange(len(b.under))
        return _Staffing(first, last, b.y[:: b.n], b.s[:: b.n], on, cells, b.under, b.over, none, none, b)
    brk = aggregate._break_vars(m, gp, y, big)
    cells, pos, under, over = aggregate._coverage_rows(m, gp, on, brk, big)
    lost, lost_cell = none, none
    if p.cut_const is not None and len(p.cut_const) > 0:
        if segments:  # `p`, not `gp`: the segments count the agents of every class
            T = p.required.shape[1]
            with_cuts = np.unique(pos[p.cut_queue * T + p.cut_interval])
            aggregate._service_segment_rows(m, p, cells[with_cuts], under[with_cuts], over[with_cuts])
        else:
            lost, lost_cell = aggregate._service_rows(m, gp, pos, under, over, p.required.shape[1])
    return _Staffing(brk.first, brk.last, brk.y_base, brk.s_base, on, cells, under, over, lost, lost_cell, None)


def build(
    problem: AggregateProblem,
    service_segments: bool = True,
    bands_per_day: int = BANDS_PER_DAY,
    block_hours: int = 1,
) -> tuple[SparseModel, LeanLayout]:
    """Build the lean model of `problem` (formulation above); its LP optimum, in the aggregate's
    objective units, is at most the aggregate's. `block_hours`: coverage and breaks per block of
    that many hours (`block_length`), 0 per interval, as always under the service objective, whose
    lost contacts are the value curves' segments (`service_segments`) or the tangent cuts."""
    p = problem
    group_of, cell_of, group_link, cell_link = _groups(p, bands_per_day)
    gp, family_of = _group_problem(p, group_of)
    cp = _cell_problem(p, cell_of)
    m = SparseModel()
    y_ub = np.bincount(group_of, weights=p.class_day_cap[p.opt_class, p.opt_day], minlength=gp.n_options)
    y = m.add_vars(gp.n_options, 0, y_ub.astype(np.int64), gp.opt_cost)
    service = p.cut_const is not None and len(p.cut_const) > 0
    K = 1 if service else block_length(gp, block_hours)
    # every count column is at most this (for `dual_bound`, the tighter the better): all the shifts
    # (an agent works one a day), times a block's intervals and a shift's breaks of one family
    breaks = int(np.bincount(gp.brk_option, minlength=gp.n_options).max(initial=1))
    big = max(1, breaks) * K * int(p.class_day_cap.sum()) + 1
    st = _staffing(m, p, gp, y, K, big, service_segments)
    v = m.add_vars(cp.n_options, 0, cp.class_day_cap[cp.opt_class, cp.opt_day])
    n_links = int(max(group_link.max(initial=-1), cell_link.max(initial=-1))) + 1
    m.add_rows(
        np.concatenate([group_link, cell_link]),
        np.concatenate([y, v]),
        np.concatenate([np.ones(len(y)), -np.ones(len(v))]).astype(np.int64),
        np.zeros(n_links),
        np.zeros(n_links),
    )
    weekend, count, count_of_cell = aggregate._agent_rows(m, cp, v)
    _cap(m, count, big)  # finite, for `dual_bound`: a count is at most all the shifts
    if p.budget_min is not None:
        m.add_rows(np.zeros(len(y), dtype=np.int64), y, gp.opt_budget_min, [-np.inf], [p.budget_min])
    lay = aggregate._Layout(
        y,
        st.first,
        st.last,
        st.y_base,
        st.s_base,
        st.under,
        st.over,
        st.cells,
        st.on,
        weekend,
        count,
        count_of_cell,
        st.lost,
        st.lost_cell,
    )
    return m, LeanLayout(lay, v, group_of, cell_of, family_of, st.blocks, gp.group_duration)


def _cap(m: SparseModel, cols: np.ndarray, cap: int) -> None:
    """Lower the upper bounds of columns `cols` to at most `cap`."""
    start = 0
    for ub in m.ub:
        mine = cols[(cols >= start) & (cols < start + len(ub))] - start
        ub[mine] = np.minimum(ub[mine], cap)
        start += len(ub)


def solve_bound(model: SparseModel, time_limit_s: float) -> LpBound:
    """The lean model's bound (model units): HiGHS's interior point without crossover (crossover took
    half the time and a bound needs no basis), its value the `dual_bound` of its duals, which holds
    whatever HiGHS's tolerances; no solution."""
    lp = lp_relaxation(model, time_limit_s, duals=True, crossover=False)
    if lp.duals is None:
        return LpBound(None, lp.seconds, None)
    value = dual_bound(model, lp.duals)
    return LpBound(value if np.isfinite(value) else None, lp.seconds, None)


def expected_seconds(model: SparseModel, block_hours: int) -> float:
    """A rough forecast of `solve_bound`'s seconds for a lean model of `block_hours` (see above)."""
    return SLOWER_THAN_FORECAST.get(block_hours, 1.0) * expected_lp_seconds(model)
