"""Search on a finished roster: re-time every day's shifts at once, and re-length them a little.

A roster is an aggregate solution too: so many shifts of each option, so many breaks in each
window. Each day of the aggregate model (`models.aggregate`) is searched by `models.lns` around the
LP's support, with one more 0/1 column per (shift, kind it may take that day) and rows that keep
every agent's rules: each shift takes one kind; each (day, kind) has as many shifts as agents
taking it; each agent's week stays within its paid limits. A kind it may take is of the same class
and template, at most an hour longer or shorter and, in the last phase, of any length
(`LENGTH_CHANGES_MIN`), so the days worked, their runs, the weekends and the template limits all
hold. The new start times, queues and breaks are then given back to the agents of each (day, kind).

An agent whose rest to its neighbouring shifts or whose blocked time would rule out some option of
a kind does not take that kind; if that is its own kind, it keeps its shift: its unit stays as a
lower bound on that option.

This re-optimizes what `improve_starts` searches one shift at a time. Measured on the 300-agent
month's roster from the LP's aggregate (16,622), deterministic, two days side by side: with kinds
held, 15,511 after 30 s and no better than 15,506 after three passes (51 s); with lengths changing
by up to an hour, 15,518 after 30 s and 15,368 after 100 s (5 passes). Any length: 15,953 after
30 s (the models grow too large for a second each). On the 1,000-agent month lengths changing from
the first pass gained almost nothing in a pass (its day models are three times larger). So one
pass holds the kinds (it gains most: 16,622 → 15,561), then the lengths are free (15,269 after the
next pass, 15,158 at 75 s; with kinds held until a pass gained under 0.1%, 15,272 only at 65 s).
Passes that gain under 1% double each day's budget, up to 8 times: the 1,000-agent month's day
models needed it (a pass at 1 s per day gained 0.1%, the next at 2 s 1.7%; 49,806 → 49,114 in
300 s). With the first doubling, a last phase lets a shift take any length of its template (from
the 300-agent month's roster after 50 s of search, 15,200, 25 s more: ±1 h at twice the budget
15,156, any length 15,123, any length at twice the budget 15,107; from the start, 75 s: 15,158 →
15,086; the 1,000-agent month in 300 s 49,117 → 48,914). Any length at the first budget gained
under 0.1% on the 1,000-agent month, which ended its search at 190 s (50,014): so the stop rule
holds only in the last phase. Any length from the second pass did worse in a 60 s run (15,302
against 15,269 at 33 s of search), and templates changing too did worse in the last phase (15,144
against 15,123). Pairing two days of a week in one neighbourhood, so an agent's hours could move
between its days within its weekly limits, gained 11 in a pass of 21 s (15,174 → 15,163): dropped;
so did letting a shift also move to the other day of the pair (40 in 60 s at 8 s per pair, where a
plain day pass gains 31 in 13 s) and a priced pass that moves budget between days (docs/schedule.md,
"What the gap is made of").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from models import aggregate, lns
from models.construct import Construction, surplus_of
from models.linear import SparseModel
from models.rules import WeekShifts
from wfm.assignment import AssignedShift, slots_from_construction, week_paid
from wfm.planning import Plan
from wfm.schedule.params import SolverParams

_DEFAULTS = SolverParams()  # the search's tuning, when the caller gives none


def construction_of(plan: Plan, shifts: list[AssignedShift]) -> Construction:
    """The aggregate solution a roster stands for: shift counts, breaks and surplus."""
    p = plan.problem
    order = np.argsort(p.brk_option, kind="stable")
    cut = np.searchsorted(p.brk_option[order], np.arange(p.n_options + 1))
    x = np.bincount(np.array([s.option for s in shifts], dtype=np.int64), minlength=p.n_options).astype(np.int64)
    inc: list[int] = []
    starts: list[int] = []
    for s in shifts:
        mine = order[cut[s.option] : cut[s.option + 1]].tolist()
        n = min(len(mine), len(s.break_starts))
        inc += mine[:n]
        starts += list(s.break_starts[:n])
    inc_a, start_a = np.array(inc, dtype=np.int64), np.array(starts, dtype=np.int64)
    return Construction(x, inc_a, start_a, surplus_of(p, x, inc_a, start_a))


def _day_kind(plan: Plan) -> np.ndarray:
    """[J] each option's (day, kind) as one integer."""
    return plan.problem.opt_day * len(plan.kinds) + plan.opt_kind


def _kind_choices(
    plan: Plan, shifts: list[AssignedShift], min_rest: int, length_change: int | None
) -> list[np.ndarray]:
    """The kinds each shift may take on its day, its own first: those of its class and template
    offered that day whose length is within `length_change` intervals of its own (None: any), with
    every option rested to the agent's neighbouring shifts and clear of its blocked time. None (the
    shift is held) when its own kind is not: some option of it would break rest or blocked time."""
    p = plan.problem
    K = len(plan.kinds)
    key = _day_kind(plan)
    size = int(key.max(initial=0)) + 1
    st, en = p.opt_start, p.opt_start + p.opt_length
    lo_start = np.full(size, np.iinfo(np.int64).max)
    hi_end = np.zeros(size, dtype=np.int64)
    np.minimum.at(lo_start, key, st)
    np.maximum.at(hi_end, key, en)
    offered = np.zeros(size, dtype=bool)
    offered[key] = True
    siblings = [
        [
            k
            for k, sk in enumerate(plan.kinds)
            if sk.klass == own.klass
            and sk.template == own.template
            and sk != own
            and (length_change is None or abs(sk.length - own.length) <= length_change)
        ]
        for own in plan.kinds
    ]
    by_agent_day = {(s.agent, s.day): s for s in shifts}
    keeps_week_rules = _week_rule_test(plan, shifts, key)
    out = []
    for i, s in enumerate(shifts):
        own = int(plan.opt_kind[s.option])
        kinds = [own] + [k for k in siblings[own] if s.day * K + k < size and offered[s.day * K + k]]
        prev = by_agent_day.get((s.agent, s.day - 1))
        nxt = by_agent_day.get((s.agent, s.day + 1))
        fits: list[int] = []
        for k in kinds:
            first, last = lo_start[s.day * K + k], hi_end[s.day * K + k]
            if (
                (prev is None or first - en[prev.option] >= min_rest)
                and (nxt is None or st[nxt.option] - last >= min_rest)
                and not any(lo < last and hi > first for lo, hi in plan.blocked.get(s.agent, []))
                and keeps_week_rules(i, s.day * K + k)
            ):
                fits.append(k)
            elif not fits:  # its own kind does not fit: held
                break
        out.append(np.array(fits, dtype=np.int64))
    return out


def _week_rule_test(plan: Plan, shifts: list[AssignedShift], key: np.ndarray) -> Callable[[int, int], bool]:
    """A test of whether shift i may take every option of a (day, kind) key under the week rules
    whatever the agent's other shifts of the week take (`WeekRule.allows_jointly`): the search moves
    many shifts at once and hands the options back by kind."""
    if not plan.week_rules:
        return lambda i, k: True
    order = np.argsort(key, kind="stable")
    uniq, first = np.unique(key[order], return_index=True)
    options_of = dict(zip(uniq.tolist(), np.split(order, first[1:]), strict=True))
    members: dict[tuple[int, int], list[int]] = {}
    for i, s in enumerate(shifts):
        members.setdefault((s.agent, int(plan.week_of_day[s.day])), []).append(i)
    position = {i: (m, n) for m in members.values() for n, i in enumerate(m)}

    def test(i: int, day_kind: int) -> bool:
        mates, own = position[i]
        opts = np.array([shifts[j].option for j in mates], dtype=np.int64)
        week = WeekShifts(plan.opt_start_min[opts], plan.opt_end_min[opts])
        cand = options_of[day_kind]
        return all(
            bool(rule.allows_jointly(plan.opt_start_min[cand], plan.opt_end_min[cand], own, week).all())
            for rule in plan.week_rules
        )

    return test


def improve_roster(
    plan: Plan,
    shifts: list[AssignedShift],
    min_rest: int,
    lp_solution: np.ndarray | None,
    *,
    deadline: float,
    workers: int,
    seed: int,
    deterministic: bool,
    seconds_each: float = _DEFAULTS.search_seconds_each,
    length_changes_min: tuple[int | None, ...] = _DEFAULTS.length_changes_min,
    held_passes: int = _DEFAULTS.held_passes,
    escalate_gain: float = _DEFAULTS.escalate_gain,
    min_gain: float = _DEFAULTS.min_search_gain,
    max_budget: int = _DEFAULTS.max_budget,
    on_pass: Callable[[int, float], None] | None = None,
    stop: Callable[[], bool] | None = None,
    max_passes: int | None = None,
) -> list[AssignedShift]:
    """The roster with each day's start times, queues, breaks and shift lengths (templates kept; by up
    to each of `length_changes_min` in turn) re-optimized around the options `lp_solution` uses
    (without it, around the roster's own); `on_pass` gets the pass number and the aggregate
    objective (model units)."""
    p = plan.problem
    model, lay = aggregate.build(p)
    start = aggregate.full_vector(p, model, lay, construction_of(plan, shifts))
    limits = [None if m is None else m // plan.timeline.interval_min for m in length_changes_min]
    cols = _add_kind_columns(plan, shifts, min_rest, None if None in limits else max(limits), model, lay)
    a, lo, hi, lb, ub, cost = model.matrix()
    lb = lb.copy()
    lb[lay.x] = np.maximum(lb[lay.x], cols.held)
    start = np.concatenate([start, cols.y_start])
    guide = start.astype(np.float64)  # the LP knows no kind columns
    if lp_solution is not None:
        guide[: len(lp_solution)] = lp_solution
        guide[len(lp_solution) :] = 0.0
    search = _PhasedSearch(
        a,
        lo,
        hi,
        lb,
        cost,
        _phase_bounds(plan, cols, ub, limits),
        lambda day_columns: aggregate.day_neighbourhoods(p, lay, cost, guide, day_columns),
        [cols.y[cols.day_of[cols.shift_of] == d] for d in range(plan.timeline.days)],
    )
    vector, improved = search.run(
        start,
        deadline=deadline,
        workers=workers,
        seed=seed,
        deterministic=deterministic,
        seconds_each=seconds_each,
        held_passes=held_passes,
        escalate_gain=escalate_gain,
        min_gain=min_gain,
        max_budget=max_budget,
        on_pass=on_pass,
        stop=stop,
        max_passes=max_passes,
    )
    if improved == 0:
        return shifts
    taken = vector[cols.y] > 0
    new_kind = np.array([int(plan.opt_kind[s.option]) for s in shifts], dtype=np.int64)
    new_kind[cols.shift_of[taken]] = cols.kind_of[taken]
    return _hand_back(plan, shifts, cols.movable, new_kind, aggregate.decode(p, lay, vector))


@dataclass(frozen=True)
class _KindColumns:
    """The 0/1 columns y, one per (shift, kind it may take), added to the aggregate model."""

    y: np.ndarray  # the columns
    y_start: np.ndarray  # [len(y)] the roster as it is: each movable shift in its own kind
    shift_of: np.ndarray  # [len(y)] index into the roster of each column's shift
    kind_of: np.ndarray  # [len(y)] each column's kind
    day_of: np.ndarray  # [len(shifts)] each shift's day
    movable: np.ndarray  # [len(shifts)] whether the shift may take a kind (False: held)
    option_of: np.ndarray  # [len(shifts)] each shift's option
    held: np.ndarray  # [J] held shifts per option: a lower bound on its shift count


def _add_kind_columns(
    plan: Plan,
    shifts: list[AssignedShift],
    min_rest: int,
    length_change: int | None,
    model: SparseModel,
    lay: aggregate._Layout,
) -> _KindColumns:
    """Add one 0/1 column per (shift, kind it may take, `_kind_choices`) and the rows that keep every
    agent's rules: each shift takes one kind; each (day, kind) has as many shifts as agents taking
    it, held shifts included; each agent's week stays within its paid limits."""
    p = plan.problem
    K = len(plan.kinds)
    choices = _kind_choices(plan, shifts, min_rest, length_change)
    keys, group = np.unique(_day_kind(plan), return_inverse=True)
    sizes = np.array([len(c) for c in choices], dtype=np.int64)
    movable = sizes > 0
    shift_of = np.repeat(np.arange(len(shifts)), sizes)
    kind_of = np.concatenate([np.zeros(0, dtype=np.int64), *choices])
    day_of = np.array([s.day for s in shifts], dtype=np.int64)
    agent_of = np.array([s.agent for s in shifts], dtype=np.int64)
    y = model.add_vars(len(shift_of), 0, 1)
    y_start = np.zeros(len(shift_of), dtype=np.int64)
    y_start[(np.cumsum(sizes) - sizes)[movable]] = 1  # each movable shift starts in its own kind
    option_of = np.array([s.option for s in shifts], dtype=np.int64)
    held = np.bincount(option_of[~movable], minlength=p.n_options).astype(np.int64)
    held_count = np.bincount(group, weights=held, minlength=len(keys)).astype(np.int64)
    y_group = np.searchsorted(keys, day_of[shift_of] * K + kind_of)
    model.add_rows(
        np.concatenate([group, y_group]),
        np.concatenate([lay.x, y]),
        np.concatenate([np.ones(len(group), dtype=np.int64), -np.ones(len(y), dtype=np.int64)]),
        held_count,
        held_count,
    )
    moving = np.flatnonzero(movable)
    model.add_rows(
        np.searchsorted(moving, shift_of),
        y,
        np.ones(len(y), dtype=np.int64),
        np.ones(len(moving)),
        np.ones(len(moving)),
    )
    week_of, paid = week_paid(plan, shifts)
    aw = agent_of[shift_of] * len(plan.weeks) + week_of[day_of[shift_of]]
    weeks, y_week = np.unique(aw, return_inverse=True)
    held_paid = np.zeros(paid.shape, dtype=np.int64)
    np.add.at(held_paid, (agent_of[~movable], week_of[day_of[~movable]]), p.opt_paid_min[option_of[~movable]])
    wa, ww = np.divmod(weeks, len(plan.weeks))
    kind_paid = np.array([k.paid_min for k in plan.kinds], dtype=np.int64)
    model.add_rows(
        y_week,
        y,
        kind_paid[kind_of],
        plan.week_min_paid[wa, ww] - held_paid[wa, ww],
        plan.week_max_paid[wa, ww] - held_paid[wa, ww],
    )
    return _KindColumns(y, y_start, shift_of, kind_of, day_of, movable, option_of, held)


def _phase_bounds(plan: Plan, cols: _KindColumns, ub: np.ndarray, limits: list[int | None]) -> list[np.ndarray]:
    """The upper bounds of each phase: the kind columns whose length is within its limit (intervals;
    None: any) keep theirs, the others' is 0."""
    kind_length = np.array([k.length for k in plan.kinds], dtype=np.int64)
    change = np.abs(kind_length[cols.kind_of] - kind_length[plan.opt_kind[cols.option_of[cols.shift_of]]])
    bounds = []
    for limit in limits:
        ub_phase = ub.copy()
        if limit is not None:
            ub_phase[cols.y[change > limit]] = 0
        bounds.append(ub_phase)
    return bounds


def _fewest(a: int | None, b: int | None) -> int | None:
    """The smaller of two pass counts (None: no limit)."""
    return b if a is None else a if b is None else min(a, b)


@dataclass(frozen=True)
class _PhasedSearch:
    """The day-by-day search of `models.lns` over one model, phase by phase (`run`)."""

    a: sp.csr_matrix
    lo: np.ndarray
    hi: np.ndarray
    lb: np.ndarray
    cost: np.ndarray
    bounds: list[np.ndarray]  # the upper bounds of each phase (`_phase_bounds`)
    neighbourhoods: Callable[[list[np.ndarray]], Callable[[np.ndarray], list[np.ndarray]]]  # by day columns
    by_day: list[np.ndarray]  # each day's kind columns

    def run(
        self,
        start: np.ndarray,
        *,
        deadline: float,
        workers: int,
        seed: int,
        deterministic: bool,
        seconds_each: float,
        held_passes: int,
        escalate_gain: float,
        min_gain: float,
        max_budget: int,
        on_pass: Callable[[int, float], None] | None,
        stop: Callable[[], bool] | None,
        max_passes: int | None = None,
    ) -> tuple[np.ndarray, int]:
        """The searched vector and how many solves improved it.

        One pass with the kinds held (smaller day models, quick gains), then lengths free too: passes
        until one gains under `escalate_gain`, then again with the next limit (the last one kept)
        and twice the budget per day, up to `max_budget` times `seconds_each`, where passes go on
        until one gains under `min_gain`; at the last limit, a budget whose passes gain under
        `min_gain` in all ends the search. Passes are numbered on across phases."""
        cost, bounds = self.cost, self.bounds
        vector, improved, passes = start, 0, 0

        def numbered(k: int, obj: float) -> None:
            if on_pass is not None:
                on_pass(passes + k, obj)

        day_columns: list[np.ndarray] = []
        budget, phase = seconds_each, 0
        while time.perf_counter() < deadline and not (stop is not None and stop()):
            if max_passes is not None and passes >= max_passes:  # a repeatable run's work budget
                break
            left = None if max_passes is None else max_passes - passes
            widest = phase == len(bounds) - 1
            last = widest and budget >= max_budget * seconds_each
            order = self.neighbourhoods(day_columns)
            before = float(cost @ vector)
            result = lns.improve(
                self.a,
                self.lo,
                self.hi,
                self.lb,
                bounds[phase],
                cost,
                vector,
                order,
                deadline=deadline,
                seconds_each=budget,
                workers=workers,
                seed=seed,
                deterministic=deterministic,
                max_passes=_fewest(None if day_columns else held_passes, left),
                min_gain=min_gain if last else escalate_gain,
                on_pass=numbered,
                stop=stop,
            )
            vector, improved, passes = result.vector, improved + result.improved, passes + result.passes
            if day_columns:
                if widest and (last or before - float(cost @ vector) <= min_gain * abs(before)):
                    break
                phase = min(phase + 1, len(bounds) - 1)
                budget *= 2
            day_columns = self.by_day
        return vector, improved


def _hand_back(
    plan: Plan, shifts: list[AssignedShift], movable: np.ndarray, new_kind: np.ndarray, built: Construction
) -> list[AssignedShift]:
    """Give the new options back to the agents of each (day, kind): held shifts first, then agents
    whose option is still there, then the rest in roster order."""
    slots = slots_from_construction(plan, built)
    out: list[AssignedShift | None] = [None] * len(shifts)
    for i, s in enumerate(shifts):  # held shifts keep their option (and take one of its units' breaks)
        if not movable[i]:
            out[i] = AssignedShift(s.agent, s.day, s.option, slots[s.option].pop())
    for i, s in enumerate(shifts):
        if out[i] is None and plan.opt_kind[s.option] == new_kind[i] and slots.get(s.option):
            out[i] = AssignedShift(s.agent, s.day, s.option, slots[s.option].pop())
    key = _day_kind(plan)
    free: dict[int, list[int]] = {}
    for j, units in slots.items():
        free.setdefault(int(key[j]), []).extend([j] * len(units))
    K = len(plan.kinds)
    for i, s in enumerate(shifts):
        if out[i] is None:
            j = free[s.day * K + int(new_kind[i])].pop()
            out[i] = AssignedShift(s.agent, s.day, j, slots[j].pop())
    return [s for s in out if s is not None]
