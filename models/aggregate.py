"""Stage 1 of scheduling: how many shifts of each kind start when, and where their breaks go.

Formulation (all integers; time in interval indices of the horizon timeline)

Sets
  J   shift options: (day, start interval, length, queue, agent class, kind); Q queues; T intervals;
  G   break groups: (day, queue, template, break) — every option of a group takes that break, with
      windows of equal width W_g starting ws_j intervals after the horizon origin, duration dur_g;
  C×D class-days and C×W class-weeks (a class = agents with the same skills and daily window).
Variables
  x_j ≥ 0         shifts of option j;
  S_gτ ≥ 0         break windows of group g opened by τ: S_gτ = Σ_{j∈g, ws_j ≤ τ} x_j;
  Y_gτ ≥ 0         breaks of group g started by τ (cumulative, non-decreasing);
  under_qt, over_qt ≥ 0; for the service objective lost_qt ≥ 0 and n_qt (agents on the phone).
Constraints
  coverage      on_qt − Σ_g (Y_g,t − Y_g,t−dur_g) − over_qt + under_qt = req_qt, where
                on_qt = on_q,t−1 + Σ_{j starts at t} x_j − Σ_{j ends at t} x_j (agents on shift)
  breaks        Y_gτ ≤ S_gτ (no break before its window opens); Y_gτ ≥ S_g,τ−W_g (none after it closes);
                Y at the group's last τ = S there (every shift takes the break). With equal-width
                windows these prefix conditions are exactly Hall's condition, so earliest-deadline-
                first matching always realizes the counts (Bechtold & Jacobs, Management Science 1990).
  agents        per class-day: Σ x ≤ agents available; per class-week: paid minutes within the sum of
                the agents' weekly limits, shifts ≤ the sum of their weekly day limits and ≥ what
                their minimum hours need; per class and template: Σ x ≤ the agents' template limits;
                per class: Σ_weekends z_cw ≤ the agents' weekends, z_cw ≥ shifts on each day of weekend w
                (at least that many agents work the weekend); per class and week, pattern cuts: for
                directions f over shift lengths, f·(shifts per length) ≤ Σ_agents max f·(a weekly
                pattern the agent may work) — the facets of the agents' pattern hulls.
  budget        Σ budget_minutes_j x_j ≤ budget.
  service       lost_qt ≥ a_k − b_k n_qt for the tangent lines k of the concave value curve.
Objective
  minimize Σ under_weight·under + over_weight·over + Σ cost_j x_j + Σ lost (all pre-scaled integers).

The agent constraints are sums of per-agent rules, so this is a relaxation of the full rostering
problem: its LP optimum (HiGHS) and CP-SAT's bound are true lower bounds of the final objective.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from models.construct import Construction, surplus_of
from models.linear import UNBOUNDED, SparseModel


@dataclass(frozen=True)
class AggregateProblem:
    """Inputs of the aggregate model, as integer arrays. Shapes are given in brackets."""

    n_intervals: int
    required: np.ndarray  # [Q, T] agents required on the phone
    under_weight: int  # per agent-interval short
    over_weight: int  # per agent-interval in excess
    # shift options [J]
    opt_day: np.ndarray
    opt_start: np.ndarray  # first interval (may be ≥ T only if never; may run past T)
    opt_length: np.ndarray  # intervals
    opt_queue: np.ndarray
    opt_class: np.ndarray
    opt_template: np.ndarray
    opt_paid_min: np.ndarray  # paid minutes, for weekly hour limits
    opt_budget_min: np.ndarray  # minutes counted against the budget
    opt_cost: np.ndarray  # objective cost of one such shift (scaled)
    # break incidences [B]: option j takes a break of group g, window starts at interval ws
    brk_option: np.ndarray
    brk_group: np.ndarray
    brk_window_start: np.ndarray
    group_width: np.ndarray  # [G] window width W_g (intervals; start in [ws, ws+W])
    group_duration: np.ndarray  # [G] break length in intervals
    group_queue: np.ndarray  # [G]
    # agent-aware limits
    class_day_cap: np.ndarray  # [C, D]
    week_days: tuple[tuple[int, ...], ...]  # days of each week
    class_week_min_paid: np.ndarray  # [C, W] minutes
    class_week_max_paid: np.ndarray  # [C, W] minutes
    class_week_max_shifts: np.ndarray  # [C, W]
    class_week_min_shifts: np.ndarray  # [C, W]
    class_template_cap: np.ndarray  # [C, K] (large = no limit)
    budget_min: int | None
    weekend_days: tuple[tuple[int, ...], ...] = ()  # days of each weekend (Saturday, Sunday) in the horizon
    class_weekend_cap: np.ndarray | None = None  # [C] Σ agents' weekends allowed (None = no limit)
    # pattern cuts: (row, option, coefficient) triplets and each row's right-hand side: Σ coef·x ≤ rhs
    pattern_rows: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
    # service objective cuts [M]: lost_(q,t) ≥ const − slope · n_(q,t)
    cut_queue: np.ndarray | None = None
    cut_interval: np.ndarray | None = None
    cut_const: np.ndarray | None = None
    cut_slope: np.ndarray | None = None

    @property
    def n_queues(self) -> int:
        return int(self.required.shape[0])

    @property
    def n_options(self) -> int:
        return len(self.opt_day)

    @property
    def option_break_intervals(self) -> np.ndarray:
        """[J] intervals of break each shift of an option takes."""
        out = np.zeros(self.n_options, dtype=np.int64)
        np.add.at(out, self.brk_option, self.group_duration[self.brk_group])
        return out


@dataclass(frozen=True)
class _Layout:
    x: np.ndarray
    group_first: np.ndarray
    group_last: np.ndarray
    y_base: np.ndarray  # [G] index of Y_g,τ0
    s_base: np.ndarray
    under: np.ndarray
    over: np.ndarray
    cells: np.ndarray  # flat (queue · T + interval) index of each under/over pair
    on: np.ndarray  # [Q·T] agents on shift per (queue, interval), breaks not removed
    weekend: np.ndarray  # [C·Wk] z_cw (empty without a weekend cap)
    count: np.ndarray  # pattern-cut count variables n (shifts per class, week and paid length)
    count_of_option: np.ndarray  # [J] index into `count` of each option (empty without pattern cuts)
    lost: np.ndarray  # service objective: lost contacts per cell (empty under the coverage objective)
    lost_cell: np.ndarray  # index into `cells` of each `lost`


def build(problem: AggregateProblem, service_segments: bool = False) -> tuple[SparseModel, _Layout]:
    """Build the sparse integer program of the aggregate model.

    `service_segments` (for the LP): the lost contacts of each cell as its value curve's segments
    (`_service_segment_rows`) instead of the tangent cuts; the columns up to the last of the cut form
    keep their places, so a solution's prefix reads in either layout."""
    p = problem
    m = SparseModel()
    Q, T = p.required.shape
    J = p.n_options
    x_ub = p.class_day_cap[p.opt_class, p.opt_day]
    x = m.add_vars(J, 0, x_ub, p.opt_cost)

    # break groups: cumulative S (windows opened) and Y (breaks started) over [τ0, τ1]
    G = len(p.group_width)
    first = np.full(G, np.iinfo(np.int64).max)
    last = np.full(G, -1)
    if G:
        np.minimum.at(first, p.brk_group, p.brk_window_start)
        np.maximum.at(last, p.brk_group, p.brk_window_start + p.group_width[p.brk_group])
    span = np.where(last >= 0, last - first + 1, 0)
    big = int(x_ub.sum()) + 1
    y_base = np.zeros(G, dtype=np.int64)
    s_base = np.zeros(G, dtype=np.int64)
    if G:
        ys = m.add_vars(int(span.sum()), 0, big)
        ss = m.add_vars(int(span.sum()), 0, big)
        offs = np.concatenate([[0], np.cumsum(span)[:-1]])
        y_base = ys[0] + offs
        s_base = ss[0] + offs
        _break_rows(m, p, x, first, span, y_base, s_base)

    # agents on shift per (q, t), cumulatively: on_q,t = on_q,t−1 + shifts starting at t − shifts
    # ending at t. Each shift enters two rows instead of one per interval it covers.
    cell = lambda q, t: q * T + t  # noqa: E731
    on = m.add_vars(Q * T, 0, big)
    prev = np.arange(Q * T)[np.arange(Q * T) % T > 0]
    ends = p.opt_start + p.opt_length
    inside = ends < T
    m.add_rows(
        np.concatenate([np.arange(Q * T), prev, cell(p.opt_queue, p.opt_start),
                        cell(p.opt_queue[inside], ends[inside])]),
        np.concatenate([on, on[prev - 1], x, x[inside]]),
        np.concatenate([np.ones(Q * T), -np.ones(len(prev)), -np.ones(J), np.ones(int(inside.sum()))]).astype(np.int64),
        np.zeros(Q * T), np.zeros(Q * T),
    )
    covered = np.zeros((Q, T + 1), dtype=np.int64)
    np.add.at(covered, (p.opt_queue, np.minimum(p.opt_start, T)), 1)
    np.add.at(covered, (p.opt_queue, np.minimum(ends, T)), -1)
    rows = [np.flatnonzero(np.cumsum(covered, axis=1)[:, :T].reshape(-1) > 0)]
    cols = [on[rows[0]]]
    vals = [np.ones(len(rows[0]), dtype=np.int64)]
    for g in range(G):
        if span[g] == 0:
            continue
        dur = int(p.group_duration[g])
        ts = np.arange(first[g], min(last[g] + dur, T))
        if len(ts) == 0:
            continue
        q = int(p.group_queue[g])
        # breaks in progress at t = Y[min(t, τ1)] − Y[min(t − dur, τ1)] (second term only if t − dur ≥ τ0)
        a = np.minimum(ts, last[g]) - first[g]
        rows.append(cell(q, ts))
        cols.append(y_base[g] + a)
        vals.append(-np.ones(len(ts), dtype=np.int64))
        back = ts - dur
        ok = back >= first[g]
        b = np.minimum(back[ok], last[g]) - first[g]
        rows.append(cell(q, ts[ok]))
        cols.append(y_base[g] + b)
        vals.append(np.ones(int(ok.sum()), dtype=np.int64))
    # one row per (queue, interval) that is required or can be covered: closed hours cost nothing
    cell_rows = np.concatenate(rows)
    active = np.zeros(Q * T, dtype=bool)
    active[cell_rows] = True
    active |= p.required.reshape(-1) > 0
    if p.cut_queue is not None and len(p.cut_queue):
        active[p.cut_queue * T + p.cut_interval] = True
    cells = np.flatnonzero(active)
    pos = np.full(Q * T, -1, dtype=np.int64)
    pos[cells] = np.arange(len(cells))
    n_cells = len(cells)
    req = p.required.reshape(-1)[cells]
    under = m.add_vars(n_cells, 0, np.maximum(req, 0), p.under_weight)
    over = m.add_vars(n_cells, 0, big, p.over_weight)
    rows = [pos[cell_rows], np.arange(n_cells), np.arange(n_cells)]
    cols = [np.concatenate(cols), over, under]
    vals = [np.concatenate(vals), -np.ones(n_cells, dtype=np.int64), np.ones(n_cells, dtype=np.int64)]
    m.add_rows(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), req.astype(float), req.astype(float))

    none = np.zeros(0, dtype=np.int64)
    lost, lost_cell = none, none
    service = p.cut_const is not None and len(p.cut_const) > 0
    if service and not service_segments:
        lost, lost_cell = _service_rows(m, p, pos, under, over, T)
    elif service:  # placeholders at the cut form's places; the segments go last
        lost_cell = np.unique(pos[p.cut_queue * T + p.cut_interval])
        lost = m.add_vars(len(lost_cell), 0, 0)

    weekend, count, count_of_option = _agent_rows(m, p, x)
    if p.budget_min is not None:
        m.add_rows(np.zeros(J, dtype=np.int64), x, p.opt_budget_min, [-np.inf], [p.budget_min])
    if service and service_segments:
        _service_segment_rows(m, p, cells[lost_cell], under[lost_cell], over[lost_cell])
    return m, _Layout(x, first, last, y_base, s_base, under, over, cells, on, weekend, count, count_of_option,
                      lost, lost_cell)


def _break_rows(
    m: SparseModel, p: AggregateProblem, x: np.ndarray, first: np.ndarray, span: np.ndarray,
    y_base: np.ndarray, s_base: np.ndarray,
) -> None:
    G = len(span)
    # S_τ − S_(τ−1) − Σ_{ws_j = τ} x_j = 0 ;  Y_τ − Y_(τ−1) ≥ 0 ; Y_τ − S_τ ≤ 0 ; Y_τ − S_(τ−W) ≥ 0 ; Y_last = S_last
    n = int(span.sum())
    g_of = np.repeat(np.arange(G), span)
    k = np.arange(n) - np.repeat(np.cumsum(span) - span, span)  # τ − τ0
    s_idx = s_base[g_of] + k
    y_idx = y_base[g_of] + k
    # S recurrences (row per (g, τ))
    r, c, v = [np.arange(n)], [s_idx], [np.ones(n, dtype=np.int64)]
    prev = k > 0
    r.append(np.arange(n)[prev])
    c.append(s_idx[prev] - 1)
    v.append(-np.ones(int(prev.sum()), dtype=np.int64))
    b_row = (np.cumsum(span) - span)[p.brk_group] + (p.brk_window_start - first[p.brk_group])
    r.append(b_row)
    c.append(x[p.brk_option])
    v.append(-np.ones(len(b_row), dtype=np.int64))
    m.add_rows(np.concatenate(r), np.concatenate(c), np.concatenate(v), np.zeros(n), np.zeros(n))
    # Y monotone
    mono = np.flatnonzero(prev)
    m.add_rows(
        np.concatenate([np.arange(len(mono)), np.arange(len(mono))]),
        np.concatenate([y_idx[mono], y_idx[mono] - 1]),
        np.concatenate([np.ones(len(mono)), -np.ones(len(mono))]).astype(np.int64),
        np.zeros(len(mono)), np.full(len(mono), np.inf),
    )
    # Y ≤ S (equality at the last τ of each group)
    is_last = k == span[g_of] - 1
    m.add_rows(
        np.concatenate([np.arange(n), np.arange(n)]),
        np.concatenate([y_idx, s_idx]),
        np.concatenate([np.ones(n), -np.ones(n)]).astype(np.int64),
        np.where(is_last, 0.0, -np.inf), np.zeros(n),
    )
    # Y_τ ≥ S_(τ−W)
    w = p.group_width[g_of]
    ok = k - w >= 0
    idx = np.flatnonzero(ok)
    m.add_rows(
        np.concatenate([np.arange(len(idx)), np.arange(len(idx))]),
        np.concatenate([y_idx[idx], s_idx[idx] - w[idx]]),
        np.concatenate([np.ones(len(idx)), -np.ones(len(idx))]).astype(np.int64),
        np.zeros(len(idx)), np.full(len(idx), np.inf),
    )


def _agent_rows(m: SparseModel, p: AggregateProblem, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Agent-aware rows; returns the weekend variables z, the pattern count variables n and each
    option's count variable."""
    C, D = p.class_day_cap.shape
    z = n = inv = np.zeros(0, dtype=np.int64)
    # class-day caps
    m.add_rows(p.opt_class * D + p.opt_day, x, np.ones(len(x), dtype=np.int64),
               np.full(C * D, -np.inf), p.class_day_cap.reshape(-1).astype(float))
    # class-week limits
    W = len(p.week_days)
    week_of_day = np.full(D, -1)
    for w, days in enumerate(p.week_days):
        week_of_day[list(days)] = w
    wk = week_of_day[p.opt_day]
    rows = p.opt_class * W + wk
    m.add_rows(rows, x, p.opt_paid_min, p.class_week_min_paid.reshape(-1).astype(float),
               p.class_week_max_paid.reshape(-1).astype(float))
    m.add_rows(rows, x, np.ones(len(x), dtype=np.int64), p.class_week_min_shifts.reshape(-1).astype(float),
               p.class_week_max_shifts.reshape(-1).astype(float))
    if p.class_weekend_cap is not None and p.weekend_days:
        Wk = len(p.weekend_days)
        z = m.add_vars(C * Wk, 0, np.repeat(p.class_day_cap.max(axis=1), Wk))
        for w, days in enumerate(p.weekend_days):
            for d in days:
                on = np.flatnonzero(p.opt_day == d)
                # z_cw − Σ_{options of class c on day d} x ≥ 0
                m.add_rows(np.concatenate([np.arange(C), p.opt_class[on]]),
                           np.concatenate([z[np.arange(C) * Wk + w], x[on]]),
                           np.concatenate([np.ones(C), -np.ones(len(on))]).astype(np.int64),
                           np.zeros(C), np.full(C, np.inf))
        m.add_rows(np.repeat(np.arange(C), Wk), z, np.ones(C * Wk, dtype=np.int64),
                   np.full(C, -np.inf), p.class_weekend_cap.astype(float))
    if p.pattern_rows is not None and len(p.pattern_rows[3]):
        # through count variables n = shifts per (class, week, paid length), so each cut has a few
        # terms instead of one per option (the LP is several times faster: measured)
        r, o, v, rhs = p.pattern_rows
        key = (p.opt_class * W + wk) * (int(p.opt_paid_min.max()) + 1) + p.opt_paid_min
        uniq, inv = np.unique(key, return_inverse=True)
        n = m.add_vars(len(uniq), 0, UNBOUNDED)
        J = len(x)
        m.add_rows(np.concatenate([np.arange(len(uniq)), inv]), np.concatenate([n, x]),
                   np.concatenate([np.ones(len(uniq)), -np.ones(J)]).astype(np.int64),
                   np.zeros(len(uniq)), np.zeros(len(uniq)))
        pair, first = np.unique(r * len(uniq) + inv[o], return_index=True)
        m.add_rows(pair // len(uniq), n[pair % len(uniq)], v[first], np.full(len(rhs), -np.inf), rhs.astype(float))
    K = p.class_template_cap.shape[1]
    cap = p.class_template_cap.reshape(-1).astype(float)
    limited = np.flatnonzero(cap < 10**8)
    if len(limited):
        key = p.opt_class * K + p.opt_template
        sel = np.isin(key, limited)
        remap = np.full(C * K, -1)
        remap[limited] = np.arange(len(limited))
        m.add_rows(remap[key[sel]], x[sel], np.ones(int(sel.sum()), dtype=np.int64),
                   np.full(len(limited), -np.inf), cap[limited])
    return z, n, inv


def _service_rows(
    m: SparseModel, p: AggregateProblem, pos: np.ndarray, under: np.ndarray, over: np.ndarray, T: int
) -> tuple[np.ndarray, np.ndarray]:
    """lost ≥ const − slope·n with n = req + over − under on the cell (from the coverage row); returns
    the lost variables and their cells."""
    full = p.cut_queue * T + p.cut_interval
    cells = pos[full]
    uniq, inv = np.unique(cells, return_inverse=True)
    lost = m.add_vars(len(uniq), 0, 10**12, 1)
    req = p.required.reshape(-1)[full]
    # lost + slope·(over − under) ≥ const − slope·req
    M = len(cells)
    r = np.arange(M)
    m.add_rows(
        np.concatenate([r, r, r]),
        np.concatenate([lost[inv], over[cells], under[cells]]),
        np.concatenate([np.ones(M, dtype=np.int64), p.cut_slope, -p.cut_slope]),
        (p.cut_const - p.cut_slope * req).astype(float), np.full(M, np.inf),
    )
    return lost, uniq


def lost_contacts(problem: AggregateProblem, cells: np.ndarray, on_phone: np.ndarray) -> np.ndarray:
    """Lost contacts (model units) of `cells` (flat queue · T + interval indices, ascending, each with
    cuts) with `on_phone` agents each: the largest of the cell's cuts, and at least 0."""
    p = problem
    T = p.required.shape[1]
    full = p.cut_queue * T + p.cut_interval
    mine = np.isin(full, cells)
    at = np.searchsorted(cells, full[mine])
    need = p.cut_const[mine] - p.cut_slope[mine] * np.asarray(on_phone)[at]
    lost = np.zeros(len(cells), dtype=np.result_type(need, np.int64))
    np.maximum.at(lost, at, need)
    return lost


def cut_form_vector(problem: AggregateProblem, lay: _Layout, n_vars: int, solution: np.ndarray) -> np.ndarray:
    """A solution of the segment form (`build(..., service_segments=True)`) in the cut form's layout
    of `n_vars` columns: the shared prefix as it is, each cell's lost contacts from its cuts."""
    v = np.asarray(solution, dtype=np.float64)[:n_vars].copy()
    if len(lay.lost):
        on_phone = problem.required.reshape(-1)[lay.cells] + v[lay.over] - v[lay.under]
        v[lay.lost] = lost_contacts(problem, lay.cells[lay.lost_cell], on_phone[lay.lost_cell])
    return v


def _service_segment_rows(
    m: SparseModel, p: AggregateProblem, cells: np.ndarray, under: np.ndarray, over: np.ndarray
) -> None:
    """Lost contacts as segments: the cut form's lower envelope E(n) = max(0, max_k const_k −
    slope_k·n), taken at whole agents n = 0, 1, …, N (N: agents who could be on the cell's queue that
    day or the one before), is convex, so lost = E(0) − Σ_k s_k·y_k with 0 ≤ y_k ≤ 1 for the step from
    k to k + 1 (s_k = E(k) − E(k + 1), merged where equal) and Σ y ≤ on the phone, which the LP fills
    in order. The same value at every whole n as the cut form, and its LP is at least as tight; the
    matrix has only ±1, where the cuts' rows span three orders of magnitude once scaled, and HiGHS's
    interior point method made no progress on them (a 100-agent service month: unfinished after
    300 s; as segments, 13–15 s)."""
    Q, T = p.required.shape
    D = p.class_day_cap.shape[1]
    per_day = T // D
    serves = np.zeros((p.class_day_cap.shape[0], Q), dtype=bool)
    serves[p.opt_class, p.opt_queue] = True
    day_cap = serves.T.astype(np.int64) @ p.class_day_cap  # [Q, D] agents who could serve q on day d
    q_of, t_of = np.divmod(cells, T)
    d_of = t_of // per_day
    most = day_cap[q_of, d_of] + np.where(d_of > 0, day_cap[q_of, np.maximum(d_of - 1, 0)], 0)
    n = np.arange(int(most.max(initial=0)) + 2)
    envelope = np.zeros((len(cells), len(n)), dtype=np.int64)
    full = p.cut_queue * T + p.cut_interval
    at = np.searchsorted(cells, full)
    order = np.argsort(at, kind="stable")
    rank = np.empty(len(at), dtype=np.int64)
    rank[order] = np.arange(len(at)) - np.searchsorted(at[order], at[order])
    for j in range(int(rank.max(initial=-1)) + 1):  # the j-th line of every cell at once
        k = np.flatnonzero(rank == j)
        lines = p.cut_const[k, None] - p.cut_slope[k, None] * n[None, :]
        envelope[at[k]] = np.maximum(envelope[at[k]], lines)
    step = envelope[:, :-1] - envelope[:, 1:]  # [cells, N + 1] non-increasing in n
    step[np.arange(len(n) - 1)[None, :] >= most[:, None]] = 0  # no more agents than can serve
    row, start = np.nonzero(step > 0)
    # merge equal steps of a cell into one segment of that width
    new = np.ones(len(row), dtype=bool)
    new[1:] = (row[1:] != row[:-1]) | (step[row[1:], start[1:]] != step[row[:-1], start[:-1]])
    first = np.flatnonzero(new)
    width = np.diff(np.append(first, len(row)))
    seg_row, seg_slope = row[first], step[row[first], start[first]]
    y = m.add_vars(len(first), 0, width, -seg_slope)
    m.add_vars(1, 1, 1, int(envelope[:, 0].sum()))  # the constant Σ E(0)
    r = np.arange(len(cells))
    m.add_rows(np.concatenate([seg_row, r, r]), np.concatenate([y, over, under]),
               np.concatenate([np.ones(len(y)), -np.ones(len(r)), np.ones(len(r))]).astype(np.int64),
               np.full(len(r), -np.inf), p.required.reshape(-1)[cells].astype(float))


def full_vector(problem: AggregateProblem, model: SparseModel, lay: _Layout, built: Construction) -> np.ndarray:
    """The model's whole variable vector of a constructed solution (a complete CP-SAT hint)."""
    p = problem
    v = np.zeros(model.n_vars, dtype=np.int64)
    x = built.shifts
    v[lay.x] = x
    g = p.brk_group[built.break_incidence]
    for grp in np.unique(g):
        if lay.group_last[grp] < 0:
            continue
        span = lay.group_last[grp] - lay.group_first[grp] + 1
        y = np.bincount(built.break_start[g == grp] - lay.group_first[grp], minlength=span)
        v[lay.y_base[grp] : lay.y_base[grp] + span] = np.cumsum(y)
        sel = p.brk_group == grp
        s = np.bincount(p.brk_window_start[sel] - lay.group_first[grp], weights=x[p.brk_option[sel]],
                        minlength=span).astype(np.int64)
        v[lay.s_base[grp] : lay.s_base[grp] + span] = np.cumsum(s)
    flat = built.surplus.reshape(-1)[lay.cells]
    v[lay.under] = np.maximum(-flat, 0)
    v[lay.over] = np.maximum(flat, 0)
    none = np.zeros(0, dtype=np.int64)
    v[lay.on] = (surplus_of(p, x, none, none) + p.required).reshape(-1)  # agents on shift, breaks not removed
    if len(lay.weekend):
        C, D = p.class_day_cap.shape
        per_day = np.zeros((C, D), dtype=np.int64)
        np.add.at(per_day, (p.opt_class, p.opt_day), x)
        Wk = len(p.weekend_days)
        z = np.stack([per_day[:, list(days)].max(axis=1) for days in p.weekend_days], axis=1)
        v[lay.weekend] = z.reshape(C * Wk)
    if len(lay.count):
        v[lay.count] = np.bincount(lay.count_of_option, weights=x, minlength=len(lay.count)).astype(np.int64)
    if len(lay.lost):
        cells = lay.cells[lay.lost_cell]
        v[lay.lost] = lost_contacts(p, cells, (p.required.reshape(-1) + built.surplus.reshape(-1))[cells])
    return v


def decode(problem: AggregateProblem, lay: _Layout, vector: np.ndarray) -> Construction:
    """The construction a model vector stands for: its shift counts, and each group's breaks matched
    to its shifts earliest window first (Hall's condition holds, so every break lands in its window)."""
    p = problem
    x = vector[lay.x].astype(np.int64)
    inc = np.repeat(np.arange(len(p.brk_option)), x[p.brk_option])
    starts = np.zeros(len(inc), dtype=np.int64)
    g_of = p.brk_group[inc]
    order = np.lexsort((p.brk_window_start[inc], g_of))
    inc, g_of = inc[order], g_of[order]
    bounds = np.searchsorted(g_of, np.arange(len(p.group_width) + 1))
    for grp in np.flatnonzero(np.diff(bounds)).tolist():
        span = lay.group_last[grp] - lay.group_first[grp] + 1
        started = np.diff(vector[lay.y_base[grp] : lay.y_base[grp] + span], prepend=0).astype(np.int64)
        starts[bounds[grp] : bounds[grp + 1]] = lay.group_first[grp] + np.repeat(np.arange(span), started)
    return Construction(x, inc, starts, surplus_of(p, x, inc, starts))


def day_neighbourhoods(
    problem: AggregateProblem, lay: _Layout, cost: np.ndarray, guide: np.ndarray,
    day_columns: Sequence[np.ndarray] = (),
) -> Callable[[np.ndarray], list[np.ndarray]]:
    """For `models.lns`: one neighbourhood per day, ordered by how far the current vector's cost on
    it is above the guide's (the LP optimum): that day's shifts among the options the guide or the
    current vector uses (a relaxation-induced neighbourhood: the LP's support is small, the models
    quick), with the day's break variables, the agents on shift and the under- and over-staffing of
    the intervals its shifts can touch, its weekend and its pattern-count variables, and the
    columns `day_columns[day]` a caller added to the model for that day."""
    p = problem
    Q, T = p.required.shape
    span = np.where(lay.group_last >= 0, lay.group_last - lay.group_first + 1, 0)
    group_day = np.full(len(span), -1)
    group_day[p.brk_group] = p.opt_day[p.brk_option]
    cell_t = lay.cells % T
    lost_t = cell_t[lay.lost_cell]
    ends = np.minimum(p.opt_start + p.opt_length, T)
    guide_x = guide[lay.x]
    fixed: dict[int, np.ndarray] = {}
    options: dict[int, np.ndarray] = {}
    for d in np.unique(p.opt_day).tolist():
        opts = np.flatnonzero(p.opt_day == d)
        t0, t1 = int(p.opt_start[opts].min()), int(ends[opts].max())
        parts = [lay.on.reshape(Q, T)[:, t0:t1].reshape(-1)]
        inside = (cell_t >= t0) & (cell_t < t1)
        parts += [lay.under[inside], lay.over[inside], lay.lost[(lost_t >= t0) & (lost_t < t1)]]
        for g in np.flatnonzero(group_day == d).tolist():
            parts += [np.arange(base, base + span[g]) for base in (lay.y_base[g], lay.s_base[g])]
        if len(lay.weekend):
            Wk = len(p.weekend_days)
            for w, days in enumerate(p.weekend_days):
                if d in days:
                    parts.append(lay.weekend.reshape(-1, Wk)[:, w])
        if len(lay.count):
            parts.append(np.unique(lay.count[lay.count_of_option[opts]]))
        if d < len(day_columns):
            parts.append(day_columns[d])
        fixed[d] = np.concatenate(parts)
        options[d] = opts

    def order(current: np.ndarray) -> list[np.ndarray]:
        x = current[lay.x]
        hoods = []
        for d, opts in options.items():
            used = opts[(guide_x[opts] > 1e-6) | (x[opts] > 0)]
            cols = np.sort(np.concatenate([lay.x[used], fixed[d]]))
            hoods.append((float(cost[cols] @ (current[cols] - guide[cols])), d, cols))
        hoods.sort(key=lambda h: (-h[0], h[1]))
        return [cols for _, _, cols in hoods]

    return order
