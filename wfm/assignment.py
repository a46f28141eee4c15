"""Stages 2 and 3 of scheduling: give the aggregate's shifts to named agents, then place breaks.

2a. Days and kinds, week by week and class by class: which agent works which shift kind (template
    × length) on which day, matching the aggregate's counts, under every day-level rule (weekly
    hours and days, consecutive days, days off, weekends, template limits, successions that no
    start time can make rested). The previous weeks' days are passed as history so runs and rest
    carry across week boundaries. Without CP-SAT by `day_hint` (greedy, or each agent's best week
    by dynamic programming, `models.day_patterns`); then, time permitting, `models.day_roster`
    (CP-SAT) hinted with it.
2b. Start times and queues, day by day (`scipy.optimize.linear_sum_assignment`): the agents of a
    (class, kind, day) take that day's shift slots of the kind, respecting rest after their previous
    shift and partial-day unavailability, and preferring their preferred starts and spreading late
    shifts. An agent with no fitting slot gets the best option of the kind that fits.
3.  Breaks: each slot brings the aggregate's break starts; then every break of the roster is
    re-placed by local search against the final coverage (`models.breaks`).
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.optimize import linear_sum_assignment

from models import day_roster
from models.breaks import improve_breaks, place_breaks
from models.construct import Construction
from models.day_patterns import construct_days, improve_days
from models.rules import WeekShifts, completable
from wfm.agents import Agent, Preference
from wfm.continuity import HISTORY_DAYS
from wfm.planning import Plan
from wfm.scenario import RulesConfig, Scenario

FORBIDDEN = 10**9
NO_REST_TOMORROW = 10**8  # worse than a slot beyond the aggregate's count (10**6), better than none
MIN_SOLVE_S = 1.0  # CP-SAT is not started with less wall time left (it can fail stopped inside presolve)


@dataclass(frozen=True)
class AssignedShift:
    """One shift of the final roster, in interval indices of the horizon timeline."""

    agent: int
    day: int
    option: int  # index into the aggregate's options
    break_starts: tuple[int, ...]  # interval index of each break, in the template's order


@dataclass(frozen=True)
class AssignmentStats:
    weeks_solved: int
    statuses: tuple[str, ...]
    unmatched_slots: int  # aggregate shifts nobody took
    extra_shifts: int  # shifts given beyond the aggregate's counts
    dropped_days: int  # day assignments that found no feasible start
    seconds: float


def slots_from_construction(plan: Plan, built: Construction) -> dict[int, list[tuple[int, ...]]]:
    """Option → one tuple of break starts per unit of that option (in the template's break order)."""
    p = plan.problem
    by_option: dict[int, dict[int, list[int]]] = {}
    for inc, start in zip(built.break_incidence.tolist(), built.break_start.tolist(), strict=True):
        by_option.setdefault(int(p.brk_option[inc]), {}).setdefault(inc, []).append(start)
    slots: dict[int, list[tuple[int, ...]]] = {}
    for j in np.flatnonzero(built.shifts).tolist():
        n = int(built.shifts[j])
        per_inc = by_option.get(j, {})
        incs = sorted(per_inc)
        slots[j] = [tuple(per_inc[i][u] for i in incs) for u in range(n)]
    return slots


class _WeekJob(NamedTuple):
    """A week's day problem for one class, and what its rows and columns stand for."""

    problem: day_roster.RosterProblem
    members: list[int]
    days: list[int]
    kinds: list[int]
    tpl_of: np.ndarray


class Assigner:
    """Carries the roster state across weeks and days (history, weekends, late shifts, last end)."""

    def __init__(
        self,
        scenario: Scenario,
        plan: Plan,
        agents: list[Agent],
        preferences: list[Preference],
        *,
        workers: int,
        seed: int,
        deterministic: bool,
        stop: threading.Event | None = None,
        on_progress: Callable[[str], None] | None = None,
        use_cpsat: bool = True,
        quick: bool = False,
        deadline: float | None = None,
    ) -> None:
        """`deadline` (a `time.perf_counter()` reading) ends every CP-SAT solve by then, whatever
        its deterministic budget: a run that reaches it is no longer reproducible, but on time.
        `quick` skips the best-response improvement of the day-level hint (`day_hint`): a first
        roster in fewer seconds."""
        self.sc = scenario
        self.cfg = scenario.config
        self.plan = plan
        self.agents = agents
        self.workers = workers
        self.seed = seed
        self.deterministic = deterministic
        self.on_progress = on_progress
        self.stop = stop
        self.use_cpsat = use_cpsat
        self.quick = quick
        self.deadline = deadline
        A, D = len(agents), plan.timeline.days
        self.day_kind = np.full((A, D), -1, dtype=np.int64)  # global kind index, -1 off
        self.weekend_days = np.zeros(A, dtype=np.int64)
        self.late = np.zeros(A, dtype=np.int64)
        self.template_used = np.zeros((A, len(self.cfg.shift_templates)), dtype=np.int64)
        self.last_end = np.full(A, -(10**9), dtype=np.int64)  # interval index where the last shift ended
        # each agent-week's shifts so far (start and end minutes from their day's midnight): the week rules'
        self.week_shifts: dict[tuple[int, int], tuple[list[int], list[int]]] = {}
        self._options_by_day_kind: dict[tuple[int, int], np.ndarray] = {}
        self.prefs = preferences
        self.agent_index = {a.agent_id: i for i, a in enumerate(agents)}
        obj = self.cfg.objective
        self.units = plan.objective_scale
        self.fair_cost = max(1, round(obj.fairness_weight * self.units))
        self.pref_scale = obj.preference_weight * self.units
        self.late_from = self.cfg.late_shift_end_min
        self.rest = round(self.cfg.rules.min_rest_h * 60) // plan.timeline.interval_min
        self.longest = int(plan.problem.opt_length.max(initial=0))  # intervals
        self._hint_s, self._hints, self._jobs_after = 0.0, 0, 0  # day hints so far: seconds, count; jobs left
        # per class: its kinds in a local order
        self.class_kinds = [
            [k for k, kind in enumerate(plan.kinds) if kind.klass == c] for c in range(len(plan.classes))
        ]
        self.class_day_open = np.zeros((len(plan.classes), D), dtype=bool)  # some shift of the class that day
        self.class_day_open[plan.problem.opt_class, plan.problem.opt_day] = True

    # ---- 2a ----------------------------------------------------------------------------------
    def assign_days(self, shifts: np.ndarray, time_limit_s: float) -> list[str]:
        """Stage 2a for every week and class; fills `day_kind`. Returns the CP-SAT statuses."""
        plan, tl = self.plan, self.plan.timeline
        cover = np.zeros((tl.days, len(plan.kinds)), dtype=np.int64)
        np.add.at(cover, (plan.problem.opt_day, plan.opt_kind), shifts)
        jobs = [(w, c) for w in range(len(plan.weeks)) for c in range(len(plan.classes)) if self.class_kinds[c]]
        # time in proportion to each job's size (agents × days × kinds)
        size = np.array([len(plan.classes[c]) * len(plan.weeks[w]) * len(self.class_kinds[c]) for w, c in jobs], float)
        statuses = []
        total = time_limit_s
        for n, (w, c) in enumerate(jobs):
            # deterministic: fixed shares of the budget (reproducible); else what the clock leaves
            share = total * size[n] / size.sum() if self.deterministic else time_limit_s * size[n] / size[n:].sum()
            start = time.perf_counter()
            self._jobs_after = len(jobs) - n - 1
            statuses.append(self._assign_week_class(w, c, cover, share))
            time_limit_s = max(0.5, time_limit_s - (time.perf_counter() - start))
        return statuses

    def _assign_week_class(self, w: int, c: int, cover: np.ndarray, limit_s: float) -> str:
        """Stage 2a for class `c` in week `w`: the day problem, its hint, CP-SAT within `limit_s`."""
        job = self._week_problem(w, c, cover)
        assignment, status = self._solve_week(job.problem, limit_s)
        return self._apply(w, c, job.members, job.days, job.kinds, job.tpl_of, assignment, status)

    def _week_problem(self, w: int, c: int, cover: np.ndarray) -> _WeekJob:
        """The day problem (`models.day_roster`) of class `c` in week `w`, with the rows it maps to."""
        plan, tl = self.plan, self.plan.timeline
        days, kinds, members = list(plan.weeks[w]), self.class_kinds[c], list(plan.classes[c])
        local = {k: i for i, k in enumerate(kinds)}
        D, K = len(days), len(kinds)
        # what each (day, kind) offers: options present that day (closed or excluded days offer none)
        offered = np.zeros((D, K), dtype=bool)
        p = plan.problem
        sel = np.isin(plan.opt_kind, kinds) & np.isin(p.opt_day, days)
        offered[p.opt_day[sel] - days[0], [local[k] for k in plan.opt_kind[sel]]] = True
        tpl_of = np.array([plan.kinds[k].template for k in kinds])
        cost = np.zeros((len(members), D, K), dtype=np.int64)
        allowed = np.broadcast_to(offered, (len(members), D, K)).copy()
        employees = [self._employee(a, w, c, days, kinds, offered, allowed[e], cost[e]) for e, a in enumerate(members)]
        length = np.array([plan.kinds[k].length for k in kinds])
        problem = day_roster.RosterProblem(
            days=D,
            first_weekday=tl.date(days[0]).weekday(),
            kinds=tuple(day_roster.ShiftKind(f"k{k}", plan.kinds[k].paid_min) for k in kinds),
            employees=tuple(employees),
            forbidden_successions=self._forbidden_successions(kinds),
            cover=cover[days][:, kinds],
            under_weight=np.broadcast_to(length * p.under_weight, (D, K)),
            over_weight=np.broadcast_to(length * max(p.over_weight, 1), (D, K)),
            assign_cost=cost,
            allowed=allowed,
        )
        return _WeekJob(problem, members, days, kinds, tpl_of)

    def _employee(
        self,
        a: int,
        w: int,
        c: int,
        days: list[int],
        kinds: list[int],
        offered: np.ndarray,
        allowed: np.ndarray,
        cost: np.ndarray,
    ) -> day_roster.Employee:
        """Agent `a`'s contract in week `w`; fills its rows of `allowed` (kinds its blocked time lets it
        take) and `cost` (weekend fairness, template preferences)."""
        plan, tl, rules = self.plan, self.plan.timeline, self.cfg.rules
        D, K = len(days), len(kinds)
        tpl_of = [plan.kinds[k].template for k in kinds]
        caps = rules.max_shifts_per_template
        tnames = [t.name for t in self.cfg.shift_templates]
        max_shifts = []
        for k in range(K):
            name = tnames[tpl_of[k]]
            left = caps[name] - self.template_used[a, tpl_of[k]] if name in caps else D
            max_shifts.append(int(max(0, min(D, left))))
        off = {i for i, d in enumerate(days) if plan.unavailable_day[a, d] or not offered[i].any()}
        blocks = plan.blocked.get(a, [])
        for i in range(D):
            # the blocks a shift starting that day can meet, all at once: it must miss every one
            near = [
                (lo, hi)
                for lo, hi in blocks
                if lo < (days[i] + 1) * tl.per_day + self.longest and hi > days[i] * tl.per_day
            ]
            if near and i not in off:
                allowed[i] &= self._kinds_fitting(days[i], kinds, near)
        hist_len = max(rules.max_consecutive_days, rules.min_consecutive_days, rules.min_consecutive_days_off)
        weekends_used = self._weekends_worked(a, days[0])
        # steer: weekend days to those with fewer so far; template preferences
        cost[np.array([tl.date(d).weekday() >= 5 for d in days]), :] += self.fair_cost * int(self.weekend_days[a])
        for pref in self._prefs_of(a):
            i = (pref.date - tl.start).days - days[0]
            if 0 <= i < D and pref.template is not None:
                match = np.array(tpl_of) == tnames.index(pref.template)
                cost[i, ~match if pref.kind == "prefer" else match] += round(pref.weight * self.pref_scale)
        week_min, week_max = int(plan.week_min_paid[a, w]), int(plan.week_max_paid[a, w])
        return day_roster.Employee(
            name=self.agents[a].agent_id,
            max_shifts=tuple(max_shifts),
            min_minutes=week_min,
            max_minutes=week_max,
            max_consecutive=rules.max_consecutive_days,
            min_consecutive=rules.min_consecutive_days,
            min_consecutive_off=rules.min_consecutive_days_off,
            max_weekends=10**6 if rules.max_weekends is None else max(0, rules.max_weekends - weekends_used),
            days_off=frozenset(off),
            windows=(day_roster.Window(0, D - 1, week_min, week_max, int(plan.week_max_shifts[a, w])),),
            history=tuple(self._history(a, days[0], hist_len, {k: i for i, k in enumerate(kinds)}, kinds)),
            max_final_run=self._max_final_run(a, c, w, weekends_used),
            fixed_work=frozenset()
            if plan.locked_day is None
            else frozenset(i for i, d in enumerate(days) if plan.locked_day[a, d]),
        )

    def _solve_week(self, problem: day_roster.RosterProblem, limit_s: float) -> tuple[np.ndarray, str]:
        """The week's day assignment and how it was found: the hint (greedy, or best responses), then
        CP-SAT hinted with it within `limit_s` (deterministic time) when it is to run and time allows."""
        t_hint = time.perf_counter()
        hint = day_hint(problem, improve=not self.quick)
        self._hint_s += time.perf_counter() - t_hint
        self._hints += 1
        if self.stop is not None and self.stop.is_set():
            return hint, "interrupted"
        if not self.use_cpsat:
            return hint, "greedy"
        # the later jobs' hints must still fit before the deadline (they are the roster where CP-SAT is not run)
        deadline = None if self.deadline is None else self.deadline - self._hint_s / self._hints * self._jobs_after
        if deadline is not None and deadline - time.perf_counter() < MIN_SOLVE_S:
            return hint, "greedy (time limit)"
        # deterministic: CP-SAT stops on its work count (reproducible), wall clock only as a backstop
        wall_s = max(0.5, limit_s) * (4 if self.deterministic else 1)
        if deadline is not None:
            wall_s = max(MIN_SOLVE_S, min(wall_s, deadline - time.perf_counter()))
        params = day_roster.SolveParams(
            time_limit_s=wall_s,
            workers=self.workers,
            seed=self.seed,
            deterministic_time=max(0.5, limit_s) if self.deterministic else None,
            hint=hint,
            stop=None if self.stop is None else self.stop.is_set,
        )
        result = day_roster.solve(problem, params)
        if result.assignment is not None:
            return result.assignment, result.status
        if self.stop is not None and self.stop.is_set():
            return hint, "greedy"
        # find any roster that keeps the rules, cover ignored
        relaxed = dataclasses.replace(
            problem, under_weight=np.zeros_like(problem.under_weight), over_weight=np.zeros_like(problem.over_weight)
        )
        retry = day_roster.solve(relaxed, dataclasses.replace(params, time_limit_s=max(1.0, min(limit_s, wall_s))))
        if retry.assignment is None:
            return hint, "greedy"
        return retry.assignment, f"rules-only {retry.status}"

    def _apply(
        self,
        w: int,
        c: int,
        members: list[int],
        days: list[int],
        kinds: list[int],
        tpl_of: np.ndarray,
        assignment: np.ndarray,
        status: str,
    ) -> str:
        tl = self.plan.timeline
        for e, a in enumerate(members):
            for i, d in enumerate(days):
                k = int(assignment[e, i])
                self.day_kind[a, d] = kinds[k] if k >= 0 else -1
                if k >= 0:
                    self.template_used[a, tpl_of[k]] += 1
                    if tl.date(d).weekday() >= 5:
                        self.weekend_days[a] += 1
        if self.on_progress:
            self.on_progress(f"week {w + 1}/{len(self.plan.weeks)} class {c + 1}: {status}")
        return status

    def _history(self, a: int, first: int, days: int, local: dict[int, int], kinds: list[int]) -> list[int]:
        """The kinds (local indices, −1 off) agent `a` worked on the `days` days before day `first`:
        from this roster, and before the horizon from the previous roster (a worked day there takes the
        class's shortest kind: the rest after it is the blocked time `wfm.planning` adds, not a kind's)."""
        history = self.plan.history
        known = history is not None and history.known
        shortest = min(range(len(kinds)), key=lambda i: self.plan.kinds[kinds[i]].length) if kinds else -1
        out = []
        for d in range(first - days, first):
            if d >= 0 and self.plan.locked_day is not None and self.plan.locked_day[a, d]:
                out.append(shortest)  # a locked shift's day: worked
            elif d >= 0:
                g = self.day_kind[a, d]
                out.append(local.get(int(g), -1) if g >= 0 else -1)
            elif known and -d <= HISTORY_DAYS:
                out.append(shortest if history.worked[a, HISTORY_DAYS + d] else -1)  # type: ignore[union-attr]
        return out

    def _max_final_run(self, a: int, c: int, w: int, weekends_used: int) -> int | None:
        """The longest run agent `a` may end week `w` with, when the next week needs every day it can
        work to reach its minimum (e.g. a 2-day week at the horizon's end): those first days follow the
        run, which must stay within the consecutive-days rule. None when the next week needs no day.
        The next week's weekend counts as unworkable when working this week's weekend would use the
        agent's last one (`max_weekends`; `weekends_used` before week `w`)."""
        if w + 1 >= len(self.plan.weeks):
            return None
        tl, max_we = self.plan.timeline, self.cfg.rules.max_weekends
        days = list(self.plan.weeks[w + 1])
        workable = self.class_day_open[c, days] & ~self.plan.unavailable_day[a, days]
        if max_we is not None:
            this_weekend = any(tl.date(d).weekday() >= 5 for d in self.plan.weeks[w])
            if max_we - weekends_used - this_weekend <= 0:
                workable &= np.array([tl.date(d).weekday() < 5 for d in days])
        if self.plan.week_min_shifts[a, w + 1] < workable.sum() or not workable[0]:
            return None
        lead = int(np.argmin(workable)) if not workable.all() else len(days)
        return max(0, self.cfg.rules.max_consecutive_days - lead)

    def _kinds_fitting(self, day: int, kinds: list[int], blocks: list[tuple[int, int]]) -> np.ndarray:
        """Which kinds have an option on `day` that avoids every blocked interval [lo, hi)."""
        p = self.plan.problem
        sel = p.opt_day == day
        starts, ends, kk = p.opt_start[sel], p.opt_start[sel] + p.opt_length[sel], self.plan.opt_kind[sel]
        free = np.ones(len(starts), dtype=bool)
        for lo, hi in blocks:
            free &= (ends <= lo) | (starts >= hi)
        return np.array([bool(free[kk == k].any()) for k in kinds])

    def _weekends_worked(self, a: int, before_day: int) -> int:
        tl = self.plan.timeline
        seen = set()
        for d in range(before_day):
            locked = self.plan.locked_day is not None and self.plan.locked_day[a, d]
            if (self.day_kind[a, d] >= 0 or locked) and tl.date(d).weekday() >= 5:
                seen.add(tl.date(d).isocalendar()[:2])
        return len(seen)

    def _forbidden_successions(self, kinds: list[int]) -> frozenset[tuple[int, int]]:
        """Kind pairs that no choice of start times can make rested (checked pairwise)."""
        p, plan = self.plan.problem, self.plan
        per_day = plan.timeline.per_day
        earliest_end, latest_start = {}, {}
        for i, k in enumerate(kinds):
            sel = plan.opt_kind == k
            if not sel.any():
                continue
            tod = p.opt_start[sel] % per_day
            earliest_end[i] = int(tod.min() + plan.kinds[k].length)
            latest_start[i] = int(tod.max())
        return frozenset(
            (a, b)
            for a in earliest_end
            for b in latest_start
            if latest_start[b] + per_day - earliest_end[a] < self.rest
        )

    def _prefs_of(self, a: int) -> list[Preference]:
        aid = self.agents[a].agent_id
        return [p for p in self.prefs if p.agent_id == aid]

    # ---- 2b ----------------------------------------------------------------------------------
    def assign_starts(self, slots: dict[int, list[tuple[int, ...]]]) -> tuple[list[AssignedShift], int, int, int]:
        """Stage 2b, day by day: match the agents of each (class, kind) to that day's slots."""
        plan, tl = self.plan, self.plan.timeline
        p = plan.problem
        by_day_kind: dict[tuple[int, int], list[tuple[int, tuple[int, ...]]]] = {}
        for j, units in slots.items():
            by_day_kind.setdefault((int(p.opt_day[j]), int(plan.opt_kind[j])), []).extend((j, u) for u in units)
        options_of: dict[tuple[int, int], list[int]] = {}
        for j in range(p.n_options):
            options_of.setdefault((int(p.opt_day[j]), int(plan.opt_kind[j])), []).append(j)
        spans = {key: (p.opt_start[js], p.opt_start[js] + p.opt_length[js]) for key, js in options_of.items()}

        def latest_start(a: int, day: int) -> int | None:
            """The latest start of agent `a`'s kind on `day` that misses its blocked time (None: no shift)."""
            if day >= tl.days or self.day_kind[a, day] < 0:
                return None
            st, en = spans[(day, int(self.day_kind[a, day]))]
            free = np.ones(len(st), dtype=bool)
            for lo, hi in self.plan.blocked.get(a, []):
                free &= (en <= lo) | (st >= hi)
            return int(st[free].max()) if free.any() else None

        out: list[AssignedShift] = []
        unmatched = extra = dropped = 0
        pref_start: dict[tuple[int, int], list[Preference]] = {}
        for pref in self.prefs:
            if pref.start_min is not None:
                pref_start.setdefault((self.agent_index[pref.agent_id], (pref.date - tl.start).days), []).append(pref)
        for d in range(tl.days):
            for k in range(len(plan.kinds)):
                who = np.flatnonzero(self.day_kind[:, d] == k)
                avail = by_day_kind.get((d, k), [])
                if len(who) == 0:
                    unmatched += len(avail)
                    continue
                cols = list(avail)
                # any option of the kind may also be taken (at a penalty): by the agents beyond the
                # aggregate's count, and by those whom rest or time off keeps from every slot
                # (under week rules, as many as the agents: the rules may hold them all to a few options)
                copies = len(who) if plan.week_rules else min(len(who), 1 + max(0, len(who) - len(avail)))
                for j in options_of.get((d, k), []):
                    cols.extend([(j, None)] * copies)
                cost = np.zeros((len(who), len(cols)), dtype=np.float64)
                starts = np.array([p.opt_start[j] for j, _ in cols])
                ends = starts + plan.kinds[k].length
                for r, a in enumerate(who.tolist()):
                    cost[r] = self._slot_cost(a, d, starts, ends, pref_start.get((a, d), []), latest_start(a, d + 1))
                cost[:, [i for i, (_, u) in enumerate(cols) if u is None]] += 1e6
                rows, picked = linear_sum_assignment(cost)
                taken = set()
                for r, ci in zip(rows.tolist(), picked.tolist(), strict=True):
                    a = int(who[r])
                    if cost[r, ci] >= FORBIDDEN:
                        dropped += 1
                        self.day_kind[a, d] = -1
                        continue
                    j, units = cols[ci]
                    taken.add(ci)
                    if units is None:
                        extra += 1
                    out.append(AssignedShift(a, d, j, units if units is not None else ()))
                    self.last_end[a] = ends[ci]
                    week = self.week_shifts.setdefault((a, int(plan.week_of_day[d])), ([], []))
                    week[0].append(int(plan.opt_start_min[j]))
                    week[1].append(int(plan.opt_end_min[j]))
                    if (ends[ci] % tl.per_day) * tl.interval_min >= self.late_from or ends[ci] // tl.per_day > d:
                        self.late[a] += 1
                unmatched += sum(1 for i, (_, u) in enumerate(cols) if u is not None and i not in taken)
        return out, unmatched, extra, dropped

    def _day_options(self, a: int, day: int, kind: int) -> WeekShifts:
        """The starts and ends (minutes from the day's midnight) agent `a`'s shift of `kind` may take on
        `day`: the options of the kind that day clear of its blocked time."""
        key = (day, kind)
        if key not in self._options_by_day_kind:
            p = self.plan.problem
            self._options_by_day_kind[key] = np.flatnonzero((p.opt_day == day) & (self.plan.opt_kind == kind))
        js = self._options_by_day_kind[key]
        p = self.plan.problem
        free = np.ones(len(js), dtype=bool)
        for lo, hi in self.plan.blocked.get(a, []):
            free &= (p.opt_start[js] + p.opt_length[js] <= lo) | (p.opt_start[js] >= hi)
        return WeekShifts(self.plan.opt_start_min[js[free]], self.plan.opt_end_min[js[free]])

    def _slot_cost(
        self,
        a: int,
        d: int,
        starts: np.ndarray,
        ends: np.ndarray,
        prefs: list[Preference],
        next_latest: int | None = None,
    ) -> np.ndarray:
        """Cost of each slot for agent `a` on day `d`; `next_latest` is the latest start of the kind
        it works tomorrow: a slot ending too late for tomorrow's rest would cost that day's shift."""
        tl = self.plan.timeline
        cost = np.zeros(len(starts))
        if next_latest is not None:
            cost[next_latest - ends < self.rest] = NO_REST_TOMORROW
        cost[starts - self.last_end[a] < self.rest] = FORBIDDEN
        if self.plan.week_rules:  # beside the agent's shifts of the week so far, and its days ahead
            week = int(self.plan.week_of_day[d])
            others = WeekShifts.of(*self.week_shifts.get((a, week), ([], [])))
            ahead = [
                self._day_options(a, e, int(self.day_kind[a, e]))
                for e in self.plan.weeks[week]
                if e > d and self.day_kind[a, e] >= 0
            ]
            first = d * tl.per_day
            start_min, end_min = (starts - first) * tl.interval_min, (ends - first) * tl.interval_min
            ok = np.ones(len(starts), dtype=bool)
            for rule in self.plan.week_rules:
                ok &= rule.allows(start_min, end_min, others, ahead)
            if ahead and len(self.plan.week_rules) > 1:  # rules that each leave the week a way may conflict
                for s_min, e_min in {(int(x), int(y)) for x, y in zip(start_min[ok], end_min[ok], strict=True)}:
                    grown = WeekShifts(np.append(others.start_min, s_min), np.append(others.end_min, e_min))
                    if not completable(self.plan.week_rules, grown, ahead):
                        ok[(start_min == s_min) & (end_min == e_min)] = False
            cost[~ok] = FORBIDDEN
        for lo, hi in self.plan.blocked.get(a, []):
            cost[(starts < hi) & (ends > lo)] = FORBIDDEN
        is_late = ((ends % tl.per_day) * tl.interval_min >= self.late_from) | (ends // tl.per_day > d)
        cost[is_late] += self.fair_cost * int(self.late[a])
        for pref in prefs:
            hit = (starts % tl.per_day) * tl.interval_min == pref.start_min
            w = pref.weight * self.pref_scale
            cost[~hit if pref.kind == "prefer" else hit] += w
        return cost


def improve_starts(
    plan: Plan,
    shifts: list[AssignedShift],
    min_rest: int,
    passes: int = 2,
    change_lengths: bool = False,
    template_caps: bool = False,
    day_rules: RulesConfig | None = None,
    deadline: float | None = None,
) -> list[AssignedShift]:
    """Local search on start times and queues: move a shift to another option of the same kind and day.

    Same kind means same template and length, so every day- and week-level rule still holds; a
    move must keep the rest to the agent's neighbouring shifts and avoid its blocked time. Each
    shift goes where one more agent on the phone gains most (under_weight where short, −over_weight
    where over-staffed), its breaks are placed at their cheapest, and the move is made if the shift
    with its breaks then gains more than where it was.

    With `change_lengths`, any option of the agent's class that day may be taken (another length or
    template) as long as the agent's week stays within its paid minutes and the budget holds; a
    longer shift's extra breaks are counted at over_weight while options are compared.
    `template_caps` (some template is capped per agent) keeps templates. With `day_rules`, the
    shift may also move to a day of its week the agent does not work, if the agent's days still keep
    those rules (runs of days on and off, weekends; the week's count of days does not change): the
    move that takes hours from an over-staffed day to an under-staffed one, which no search within a
    day makes.

    Passes repeat until one moves nothing, at most `passes`, and none starts that would end, at
    the pace of the one before it, past `deadline` (a `time.perf_counter()` reading).
    """
    search = _StartSearch(plan, shifts, min_rest, change_lengths, template_caps, day_rules)
    search.run(passes, deadline)
    return search.out


@dataclass(frozen=True)
class _Candidates:
    """The options a shift may move to on one (day, kind) or (day, class) key, and what the start
    search reads of them."""

    option: np.ndarray
    start: np.ndarray  # interval index on the horizon
    end: np.ndarray
    start_in: np.ndarray  # interval index from the start of the day's span
    end_in: np.ndarray
    queue: np.ndarray
    cost: np.ndarray  # the option's cost, with `change_lengths` its break intervals at over_weight too
    paid_min: np.ndarray
    budget_min: np.ndarray
    template: np.ndarray


class _StartSearch:
    """The state `improve_starts` moves shifts in: the roster so far (`out`), the surplus it leaves,
    the running gains of each day, and each agent's days, paid minutes and budget left."""

    def __init__(
        self,
        plan: Plan,
        shifts: list[AssignedShift],
        min_rest: int,
        change_lengths: bool,
        template_caps: bool,
        day_rules: RulesConfig | None,
    ) -> None:
        self.plan, self.min_rest = plan, min_rest
        self.change_lengths, self.template_caps = change_lengths, template_caps
        self._coverage()
        for s in shifts:
            self.apply(s, +1)
        self._candidate_keys()
        self._roster(shifts, day_rules)

    def _coverage(self) -> None:
        """The surplus with no shift, each option's span and breaks, and each day's span of options,
        whose running gain of one more agent is kept until it changes."""
        p = self.plan.problem
        Q, T = p.required.shape
        D = self.plan.timeline.days
        pad = int(p.opt_length.max(initial=0)) + 1
        self.surplus = np.zeros((Q, T + pad), dtype=np.int64)
        self.surplus[:, :T] -= p.required
        self.surplus[:, T:] = 10**6  # past the horizon: nothing to gain
        self.order = np.argsort(p.brk_option, kind="stable")
        self.cut = np.searchsorted(p.brk_option[self.order], np.arange(p.n_options + 1))
        self.brk_dur = p.group_duration[p.brk_group]
        self.ends = p.opt_start + p.opt_length
        self.day_lo, self.day_hi = np.full(D, T, dtype=np.int64), np.zeros(D, dtype=np.int64)
        np.minimum.at(self.day_lo, p.opt_day, p.opt_start)
        np.maximum.at(self.day_hi, p.opt_day, self.ends)
        self.day_gain: dict[int, np.ndarray] = {}
        self.queue_of, self.start_of = p.opt_queue.tolist(), p.opt_start.tolist()
        self.end_of, self.day_of = self.ends.tolist(), p.opt_day.tolist()
        self.durations: dict[int, list[int]] = {}  # each option's break durations, in its incidences' order

    def _candidate_keys(self) -> None:
        """Candidates: the options of the same (day, kind), or with `change_lengths` of the same (day,
        class), gathered once per key."""
        p = self.plan.problem
        group = p.opt_class if self.change_lengths else self.plan.opt_kind
        self.per_day = int(group.max(initial=0)) + 1
        self.keys = p.opt_day * self.per_day + group
        by_key = np.argsort(self.keys, kind="stable")
        uniq, first = np.unique(self.keys[by_key], return_index=True)
        self.options_of = dict(zip(uniq.tolist(), np.split(by_key, first[1:]), strict=True))
        self.extra = (
            p.option_break_intervals * p.over_weight if self.change_lengths else np.zeros(p.n_options, dtype=np.int64)
        )
        self.cached: dict[int, _Candidates] = {}

    def _roster(self, shifts: list[AssignedShift], day_rules: RulesConfig | None) -> None:
        """The roster's shifts by agent and day and by agent and week, the days each agent works,
        its paid minutes per week and the budget left."""
        plan, p = self.plan, self.plan.problem
        self.week_of, self.paid = week_paid(plan, shifts)
        self.budget_left = (
            None if p.budget_min is None else p.budget_min - sum(int(p.opt_budget_min[s.option]) for s in shifts)
        )
        self.by_agent_day = {(s.agent, s.day): i for i, s in enumerate(shifts)}
        self.out = list(shifts)
        self.week_members: dict[tuple[int, int], list[int]] = {}  # (agent, week) → indices into out
        for i, s in enumerate(shifts):
            self.week_members.setdefault((s.agent, int(self.week_of[s.day])), []).append(i)
        self.worked = (
            np.zeros(plan.unavailable_day.shape, dtype=bool) if plan.locked_day is None else plan.locked_day.copy()
        )  # a locked shift's day is worked (and never free)
        for s in shifts:
            self.worked[s.agent, s.day] = True
        history = plan.history
        self.before = history.worked if history is not None and history.known else None  # [A, H] before day 0
        self.day_check = None if day_rules is None else _DayRules(day_rules, plan.timeline.days, p.weekend_days)

    def gain_of(self, day: int) -> np.ndarray:
        """[Q, span + 1] running gain of one more agent on the phone over the day's span of options."""
        if day not in self.day_gain:
            p = self.plan.problem
            gain = np.where(self.surplus[:, self.day_lo[day] : self.day_hi[day]] < 0, p.under_weight, -p.over_weight)
            csum = np.zeros((gain.shape[0], gain.shape[1] + 1), dtype=np.int64)
            np.cumsum(gain, axis=1, out=csum[:, 1:])
            self.day_gain[day] = csum
        return self.day_gain[day]

    def breaks_of(self, j: int) -> list[int]:
        """Option `j`'s break durations (intervals), in its incidences' order."""
        if j not in self.durations:
            self.durations[j] = self.brk_dur[self.order[self.cut[j] : self.cut[j + 1]]].tolist()
        return self.durations[j]

    def apply(self, s: AssignedShift, sign: int) -> None:
        """Add (`sign` +1) or take away (−1) shift `s` and its breaks on the surplus."""
        j = s.option
        row = self.surplus[self.queue_of[j]]
        row[self.start_of[j] : self.end_of[j]] += sign
        for d, b in zip(self.breaks_of(j), s.break_starts, strict=False):
            row[b : b + d] -= sign
        for day in range(self.day_of[j] - 1, self.day_of[j] + 2):  # a shift may run past midnight
            if day in self.day_gain and self.day_lo[day] < self.end_of[j] and self.start_of[j] < self.day_hi[day]:
                del self.day_gain[day]

    def gain_with_breaks(self, j: int, break_starts: tuple[int, ...]) -> int:
        """What one more agent on shift option j with these breaks gains, less the option's cost."""
        p = self.plan.problem
        row = self.surplus[self.queue_of[j]]
        on = np.ones(self.end_of[j] - self.start_of[j], dtype=bool)
        for d, b in zip(self.breaks_of(j), break_starts, strict=False):
            on[b - self.start_of[j] : b - self.start_of[j] + d] = False
        here = row[self.start_of[j] : self.end_of[j]][on]
        return int(np.where(here < 0, p.under_weight, -p.over_weight).sum()) - int(p.opt_cost[j])

    def candidates(self, key: int) -> _Candidates:
        """The key's options and what the search reads of them, gathered once per key."""
        if key not in self.cached:
            p, ends = self.plan.problem, self.ends
            cand = self.options_of.get(key, np.zeros(0, dtype=np.int64))
            lo = self.day_lo[key // self.per_day]
            self.cached[key] = _Candidates(
                cand,
                p.opt_start[cand],
                ends[cand],
                p.opt_start[cand] - lo,
                ends[cand] - lo,
                p.opt_queue[cand],
                p.opt_cost[cand] + self.extra[cand],
                p.opt_paid_min[cand],
                p.opt_budget_min[cand],
                p.opt_template[cand],
            )
        return self.cached[key]

    def week_rules_allow(self, s: AssignedShift, cand: np.ndarray) -> np.ndarray:
        """Which candidate options keep the week rules beside the agent's other shifts of the week."""
        plan, out = self.plan, self.out
        ok = np.ones(len(cand), dtype=bool)
        mine = [out[i].option for i in self.week_members[(s.agent, int(self.week_of[s.day]))] if out[i] is not s]
        others = WeekShifts(plan.opt_start_min[mine], plan.opt_end_min[mine])
        for rule in plan.week_rules:
            ok &= rule.allows(plan.opt_start_min[cand], plan.opt_end_min[cand], others)
        return ok

    def days_for(self, s: AssignedShift) -> list[int]:
        """The shift's day, then the days of its week it may move to by the rules on the agent's days."""
        if self.day_check is None:
            return [s.day]
        a, plan = s.agent, self.plan
        free = [e for e in plan.weeks[self.week_of[s.day]] if not self.worked[a, e] and not plan.unavailable_day[a, e]]
        before = [] if self.before is None else self.before[a].tolist()  # the previous roster's days
        days = before + self.worked[a].tolist()
        days[len(before) + s.day] = False
        return [s.day] + [e for e in free if self.day_check.allows(days, len(before) + e, len(before))]

    def best_on(self, s: AssignedShift, day: int) -> tuple[int, int]:
        """The best option shift `s` may take on `day` and its score (−1 and no score if none)."""
        plan, p, j = self.plan, self.plan.problem, s.option
        c = self.candidates(int(self.keys[j]) + (day - s.day) * self.per_day)
        if len(c.option) == 0:
            return -1, 0
        csum = self.gain_of(day)
        score = csum[c.queue, c.end_in] - csum[c.queue, c.start_in] - c.cost
        ok = np.ones(len(c.option), dtype=bool)
        if self.change_lengths:  # the same kind or class: the agent's class is the candidates' own
            a, w = s.agent, self.week_of[s.day]
            week = self.paid[a, w] - p.opt_paid_min[j] + c.paid_min
            ok &= (week >= plan.week_min_paid[a, w]) & (week <= plan.week_max_paid[a, w])
            if self.budget_left is not None:  # never spend more; an overspent roster may still save
                ok &= c.budget_min - p.opt_budget_min[j] <= max(self.budget_left, 0)
            if self.template_caps:
                ok &= c.template == p.opt_template[j]
        ok &= self._rested_and_free(s, day, c)
        if plan.week_rules:
            ok &= self.week_rules_allow(s, c.option)
        if not ok.any():
            return -1, 0
        k = int(np.argmax(np.where(ok, score, np.iinfo(np.int64).min)))
        return int(c.option[k]), int(score[k])

    def _rested_and_free(self, s: AssignedShift, day: int, c: _Candidates) -> np.ndarray:
        """Which candidates on `day` keep the rest to the agent's shifts the day before and after (but
        `s` itself) and avoid its blocked time."""
        ok = np.ones(len(c.option), dtype=bool)
        prev = self.by_agent_day.get((s.agent, day - 1))
        if prev is not None and day - 1 != s.day:
            ok &= c.start - self.end_of[self.out[prev].option] >= self.min_rest
        nxt = self.by_agent_day.get((s.agent, day + 1))
        if nxt is not None and day + 1 != s.day:
            ok &= self.start_of[self.out[nxt].option] - c.end >= self.min_rest
        for lo_b, hi_b in self.plan.blocked.get(s.agent, []):
            ok &= (c.end <= lo_b) | (c.start >= hi_b)
        return ok

    def run(self, passes: int, deadline: float | None) -> None:
        """Passes over `out` until one moves nothing, at most `passes`, none started that would end,
        at the pace of the one before it, past `deadline`."""
        pass_s = 0.0
        for _ in range(passes):
            started = time.perf_counter()
            if deadline is not None and started + pass_s > deadline:
                break
            moved = 0
            for i, s in enumerate(self.out):
                self.apply(s, -1)
                moved += self.move(i, s)
                self.apply(self.out[i], +1)
            pass_s = time.perf_counter() - started
            if not moved:
                break

    def move(self, i: int, s: AssignedShift) -> bool:
        """Move shift `s` (`out[i]`, taken off the surplus) to the best option of the days it may
        take, if that option with its breaks placed at their cheapest gains more than where it was."""
        p = self.plan.problem
        j = s.option
        best, best_score = -1, np.iinfo(np.int64).min
        for day in self.days_for(s):
            option, score = self.best_on(s, day)
            if option >= 0 and score > best_score:
                best, best_score = option, score
        if best < 0 or best == j:
            return False
        moved_to = AssignedShift(s.agent, self.day_of[best], best, self._cheapest_breaks(best))
        if self.gain_with_breaks(best, moved_to.break_starts) <= self.gain_with_breaks(j, s.break_starts):
            return False
        self.out[i] = moved_to
        self.paid[s.agent, self.week_of[s.day]] += p.opt_paid_min[best] - p.opt_paid_min[j]
        if self.budget_left is not None:
            self.budget_left -= int(p.opt_budget_min[best] - p.opt_budget_min[j])
        if moved_to.day != s.day:
            del self.by_agent_day[(s.agent, s.day)]
            self.by_agent_day[(s.agent, moved_to.day)] = i
            self.worked[s.agent, s.day], self.worked[s.agent, moved_to.day] = False, True
        return True

    def _cheapest_breaks(self, j: int) -> tuple[int, ...]:
        """Break starts of one more shift of option `j`, each placed at its cheapest (`place_breaks`),
        the surplus left as it was."""
        p = self.plan.problem
        incs = self.order[self.cut[j] : self.cut[j + 1]]
        g = p.brk_group[incs]
        row = self.surplus[self.queue_of[j]]
        row[self.start_of[j] : self.end_of[j]] += 1
        starts = place_breaks(
            self.surplus,
            p.group_queue[g],
            p.brk_window_start[incs],
            p.group_width[g],
            p.group_duration[g],
            p.under_weight,
            p.over_weight,
        )
        row[self.start_of[j] : self.end_of[j]] -= 1
        for inc_b, b in zip(incs.tolist(), starts.tolist(), strict=True):  # undo: apply() adds them
            row[b : b + self.brk_dur[inc_b]] += 1
        return tuple(starts.tolist())


class _DayRules:
    """The rules on an agent's worked days that a move to another day of the same week may break:
    runs of days worked and off (runs touching the horizon's first or last day are exempt from the
    minimums) and weekends worked."""

    def __init__(self, rules: RulesConfig, days: int, weekend_days: tuple[tuple[int, ...], ...]) -> None:
        self.rules = rules
        self.days_of_weekend = weekend_days
        self.weekend_of = [-1] * days
        for w, wd in enumerate(weekend_days):
            for d in wd:
                self.weekend_of[d] = w

    def allows(self, worked: list[bool], day: int, history: int = 0) -> bool:
        """Whether the agent may also work `day`, given its days `worked` (`day` not among them); the
        first `history` days of `worked` are the previous roster's (runs wholly inside them not checked)."""
        r = self.rules
        flags = list(worked)
        flags[day] = True
        weekend = self.weekend_of[day - history]
        in_horizon = flags[history:]
        here = day - history
        new_weekend = weekend >= 0 and not any(in_horizon[d] for d in self.days_of_weekend[weekend] if d != here)
        if (
            r.max_weekends is not None
            and new_weekend
            and sum(any(in_horizon[d] for d in days) for days in self.days_of_weekend) > r.max_weekends
        ):
            return False
        n, first = len(flags), 0
        while first < n:  # each run of equal days
            end = first
            while end < n and flags[end] == flags[first]:
                end += 1
            length, inner = end - first, first > 0 and end < n
            if end <= history:
                first = end
                continue
            if flags[first]:
                if length > r.max_consecutive_days or (inner and length < r.min_consecutive_days):
                    return False
            elif inner and length < r.min_consecutive_days_off:
                return False
            first = end
        return True


def week_paid(plan: Plan, shifts: list[AssignedShift]) -> tuple[np.ndarray, np.ndarray]:
    """The week of each day, and each agent's paid minutes per week [A, W] in `shifts`."""
    p = plan.problem
    week_of_day = np.zeros(plan.timeline.days, dtype=np.int64)
    for w, days in enumerate(plan.weeks):
        week_of_day[list(days)] = w
    paid = np.zeros(plan.week_min_paid.shape, dtype=np.int64)
    agent = np.array([s.agent for s in shifts], dtype=np.int64)
    day = np.array([s.day for s in shifts], dtype=np.int64)
    opt = np.array([s.option for s in shifts], dtype=np.int64)
    np.add.at(paid, (agent, week_of_day[day]), p.opt_paid_min[opt])
    return week_of_day, paid


def fill_weekly_minimums(
    plan: Plan, shifts: list[AssignedShift], min_rest: int, day_rules: RulesConfig
) -> tuple[list[AssignedShift], int]:
    """Lift each agent-week the start assignment left short of its minimum paid minutes (a day it had
    to drop, or a shorter kind where time off cut the day): first a shift on a free day, where the
    week's days, runs of days and rules allow; then, when no day is left, a longer option of one of its
    shifts on the same day; each time the option covering the most under-staffed intervals. Returns
    the shifts and how many were added or lengthened. A roster short of a minimum breaks a rule and
    loses to any that keeps them all, however much better its coverage (a 300-agent 24/7 month:
    21,954 with one week short against 35,477)."""
    _, paid = week_paid(plan, shifts)
    short = np.argwhere(paid < plan.week_min_paid)
    if len(short) == 0:
        return shifts, 0
    lift = _Lift(plan, shifts, min_rest, day_rules)
    for a, w in short.tolist():
        for day in plan.weeks[w]:
            if paid[a, w] >= plan.week_min_paid[a, w]:
                break
            paid[a, w] += lift.add_day(a, w, day, int(paid[a, w]))
        for day in plan.weeks[w]:
            if paid[a, w] >= plan.week_min_paid[a, w]:
                break
            paid[a, w] += lift.lengthen(a, w, day, int(paid[a, w]))
    return lift.out, lift.changed


class _Lift:
    """The roster `fill_weekly_minimums` lifts, with what its tests read: the agents' days, the
    cumulative under-staffed intervals per queue, each class's options per day."""

    def __init__(self, plan: Plan, shifts: list[AssignedShift], min_rest: int, day_rules: RulesConfig) -> None:
        p = self.p = plan.problem
        self.plan, self.min_rest, self.out, self.changed = plan, min_rest, list(shifts), 0
        Q, T = p.required.shape
        cover = np.zeros((Q, T + 1), dtype=np.int64)
        for s in shifts:
            j = s.option
            cover[p.opt_queue[j], p.opt_start[j] : min(p.opt_start[j] + p.opt_length[j], T)] += 1
        self.under = np.concatenate([np.zeros((Q, 1)), np.cumsum(cover[:, :T] < p.required, axis=1)], axis=1)
        self.T = T
        self.class_of = {a: c for c, members in enumerate(plan.classes) for a in members}
        self.at = {(s.agent, s.day): i for i, s in enumerate(self.out)}
        self.check = _DayRules(day_rules, plan.timeline.days, p.weekend_days)
        self.ends = p.opt_start + p.opt_length

    def add_day(self, a: int, w: int, day: int, week_paid_min: int) -> int:
        """A shift for agent `a` on `day` if it is free and its rules allow; the paid minutes added."""
        plan, p = self.plan, self.p
        worked = [(a, d) in self.at for d in range(plan.timeline.days)]
        count = sum(worked[d] for d in plan.weeks[w])
        if worked[day] or plan.unavailable_day[a, day] or count >= plan.week_max_shifts[a, w]:
            return 0
        if not self.check.allows(worked, day):
            return 0
        cand = np.flatnonzero((p.opt_day == day) & (p.opt_class == self.class_of[a]))
        j = self._best(a, w, day, cand[week_paid_min + p.opt_paid_min[cand] <= plan.week_max_paid[a, w]])
        if j < 0:
            return 0
        self.at[(a, day)] = len(self.out)
        self.out.append(AssignedShift(a, day, j, ()))
        self.changed += 1
        return int(p.opt_paid_min[j])

    def lengthen(self, a: int, w: int, day: int, week_paid_min: int) -> int:
        """Agent `a`'s shift on `day` for a longer option of its class that day; the paid minutes added."""
        i = self.at.get((a, day))
        if i is None:
            return 0
        p, own = self.p, self.out[i].option
        cand = np.flatnonzero((p.opt_day == day) & (p.opt_class == self.class_of[a]))
        more = p.opt_paid_min[cand] - p.opt_paid_min[own]
        cand = cand[(more > 0) & (week_paid_min + more <= self.plan.week_max_paid[a, w])]
        j = self._best(a, w, day, cand)
        if j < 0:
            return 0
        self.out[i] = AssignedShift(a, day, j, ())
        self.changed += 1
        return int(p.opt_paid_min[j] - p.opt_paid_min[own])

    def _best(self, a: int, w: int, day: int, cand: np.ndarray) -> int:
        """The option of `cand` covering the most under-staffed intervals that keeps rest to the agent's
        shifts the day before and after, its blocked time and the week rules (−1: none)."""
        plan, p, ends = self.plan, self.p, self.ends
        prev, nxt = self.at.get((a, day - 1)), self.at.get((a, day + 1))
        ok = np.ones(len(cand), dtype=bool)
        if prev is not None:
            ok &= p.opt_start[cand] - ends[self.out[prev].option] >= self.min_rest
        if nxt is not None:
            ok &= p.opt_start[self.out[nxt].option] - ends[cand] >= self.min_rest
        for lo, hi in plan.blocked.get(a, []):
            ok &= (ends[cand] <= lo) | (p.opt_start[cand] >= hi)
        if plan.week_rules:
            mine = [self.out[k].option for (b, d), k in self.at.items()
                    if b == a and d != day and plan.week_of_day[d] == w]  # fmt: skip
            others = WeekShifts(plan.opt_start_min[mine], plan.opt_end_min[mine])
            for rule in plan.week_rules:
                ok &= rule.allows(plan.opt_start_min[cand], plan.opt_end_min[cand], others)
        cand = cand[ok]
        if len(cand) == 0:
            return -1
        q, st, en = p.opt_queue[cand], p.opt_start[cand], np.minimum(ends[cand], self.T)
        return int(cand[np.argmax(self.under[q, en] - self.under[q, st])])


def trim_to_budget(plan: Plan, shifts: list[AssignedShift]) -> tuple[list[AssignedShift], int]:
    """Drop shifts until the budget holds, where dropping costs least coverage per budget minute.

    Only shifts whose agent keeps the week's minimum paid hours without them are dropped, and only
    when minimum runs of work and of days off are 1 (dropping a day cannot break them then).
    Returns the shifts kept and how many were dropped.
    """
    p = plan.problem
    if p.budget_min is None:
        return shifts, 0
    opt = np.array([s.option for s in shifts], dtype=np.int64)
    used = int(p.opt_budget_min[opt].sum()) if len(opt) else 0
    if used <= p.budget_min:
        return shifts, 0
    Q, T = p.required.shape
    week_of_day, paid = week_paid(plan, shifts)
    agent = np.array([s.agent for s in shifts], dtype=np.int64)
    week = week_of_day[np.array([s.day for s in shifts], dtype=np.int64)]
    cover = np.zeros((Q, T + 1), dtype=np.int64)
    q, st, en = p.opt_queue[opt], p.opt_start[opt], np.minimum(p.opt_start[opt] + p.opt_length[opt], T)
    np.add.at(cover, (q, st), 1)
    np.add.at(cover, (q, en), -1)
    surplus = np.cumsum(cover, axis=1)[:, :T] - p.required
    keep = np.ones(len(shifts), dtype=bool)
    while used > p.budget_min:
        slack = paid[agent, week] - plan.week_min_paid[agent, week] >= p.opt_paid_min[opt]
        cand = np.flatnonzero(keep & slack)
        if len(cand) == 0:
            break
        loss = np.where(surplus <= 0, p.under_weight, -p.over_weight)
        csum = np.concatenate([np.zeros((Q, 1), dtype=np.int64), np.cumsum(loss, axis=1)], axis=1)
        score = (csum[q[cand], en[cand]] - csum[q[cand], st[cand]]) / np.maximum(p.opt_budget_min[opt[cand]], 1)
        i = int(cand[np.argmin(score)])
        keep[i] = False
        used -= int(p.opt_budget_min[opt[i]])
        paid[agent[i], week[i]] -= p.opt_paid_min[opt[i]]
        surplus[q[i], st[i] : en[i]] -= 1
    return [s for s, k in zip(shifts, keep, strict=True) if k], int((~keep).sum())


def place_roster_breaks(plan: Plan, shifts: list[AssignedShift]) -> list[AssignedShift]:
    """Stage 3: breaks for every shift (keeping the aggregate's where given), then local search."""
    p = plan.problem
    Q, T = p.required.shape
    cover = np.zeros((Q, T + 1), dtype=np.int64)
    for s in shifts:
        j = s.option
        cover[p.opt_queue[j], p.opt_start[j] : min(p.opt_start[j] + p.opt_length[j], T)] += 1
    surplus = cover[:, :T] - p.required
    inc_of = {}
    order = np.argsort(p.brk_option, kind="stable")
    bounds = np.searchsorted(p.brk_option[order], np.arange(p.n_options + 1))
    rows_q, rows_ws, rows_w, rows_d, owner, start = [], [], [], [], [], []
    for si, s in enumerate(shifts):
        incs = order[bounds[s.option] : bounds[s.option + 1]]
        inc_of[si] = incs
        for b, inc in enumerate(incs.tolist()):
            g = p.brk_group[inc]
            rows_q.append(p.group_queue[g])
            rows_ws.append(p.brk_window_start[inc])
            rows_w.append(p.group_width[g])
            rows_d.append(p.group_duration[g])
            owner.append(si)
            start.append(s.break_starts[b] if b < len(s.break_starts) else -1)
    q, ws, w, dur = (np.asarray(v, dtype=np.int64) for v in (rows_q, rows_ws, rows_w, rows_d))
    starts = np.asarray(start, dtype=np.int64)
    known = starts >= 0
    for i in np.flatnonzero(known):
        surplus[q[i], starts[i] : min(starts[i] + dur[i], T)] -= 1
    todo = np.flatnonzero(~known)
    if len(todo):
        starts[todo] = place_breaks(surplus, q[todo], ws[todo], w[todo], dur[todo], p.under_weight, p.over_weight)
    if len(starts):
        improve_breaks(surplus, starts, q, ws, w, dur, p.under_weight, p.over_weight)
    cut = np.searchsorted(np.asarray(owner, dtype=np.int64), np.arange(len(shifts) + 1))
    return [
        AssignedShift(s.agent, s.day, s.option, tuple(starts[cut[si] : cut[si + 1]].tolist()))
        for si, s in enumerate(shifts)
    ]


def day_hint(problem: day_roster.RosterProblem, improve: bool = True) -> np.ndarray:
    """A day-level roster without CP-SAT: CP-SAT's hint, and the roster where CP-SAT is not run.

    With `improve`, the better of two constructions (by rules broken, then objective: `greedy_days`
    and `models.day_patterns.construct_days`), improved by best responses (`improve_days`); on the
    300-agent month this left 4.1 M of the day problems' objective against 26.5 M from `greedy_days`
    alone, in 6 s instead of 0.6 s. Without, `greedy_days` alone.
    """
    if not improve:
        return greedy_days(problem)

    def rank(assignment: np.ndarray) -> tuple[int, int]:
        objective, broken = day_roster.evaluate(problem, assignment)
        return len(broken), objective

    start = min((greedy_days(problem), construct_days(problem)), key=rank)
    return improve_days(problem, start)


def greedy_days(problem: day_roster.RosterProblem) -> np.ndarray:
    """A quick assignment of kinds to employees day by day, used as CP-SAT's hint and fallback.

    Each day, each unit of cover (longest kinds first) goes to the allowed employee furthest below
    their minimum minutes; then employees who must work today to still reach their minimum take the
    longest kind offered. Hard limits kept: days off, kind caps, maximum minutes and shifts,
    maximum consecutive days (history included), the run reaching the last day and forbidden
    successions.
    """
    E, D, K = len(problem.employees), problem.days, len(problem.kinds)
    minutes = np.array([k.minutes for k in problem.kinds])
    cost = problem.assign_cost if problem.assign_cost is not None else np.zeros((E, D, K), dtype=np.int64)
    permitted = np.ones((E, D, K), dtype=bool) if problem.allowed is None else problem.allowed
    out = np.full((E, D), day_roster.OFF, dtype=np.int64)
    worked = np.zeros(E, dtype=np.int64)
    shifts = np.zeros(E, dtype=np.int64)
    used = np.zeros((E, K), dtype=np.int64)
    lo = np.array([max([e.min_minutes] + [w.min_minutes for w in e.windows]) for e in problem.employees])
    hi = np.array([min([e.max_minutes] + [w.max_minutes for w in e.windows]) for e in problem.employees])
    cap_shifts = np.array([min([D] + [w.max_shifts for w in e.windows]) for e in problem.employees])
    caps = np.array([e.max_shifts for e in problem.employees]).reshape(E, K)
    run = np.array([_trailing_run(e.history) for e in problem.employees])
    last = np.array([e.history[-1] if e.history else day_roster.OFF for e in problem.employees])
    max_run = np.array([e.max_consecutive for e in problem.employees])
    final_run = np.array([D if e.max_final_run is None else e.max_final_run for e in problem.employees])
    weekend_left = np.array([e.max_weekends for e in problem.employees])
    weekday = (problem.first_weekday + np.arange(D)) % 7
    weekend_worked = np.zeros(E, dtype=bool)
    off = np.zeros((E, D), dtype=bool)
    for i, e in enumerate(problem.employees):
        off[i, [d for d in e.days_off if d < D]] = True
    forbidden = np.zeros((K + 1, K), dtype=bool)  # row K: after a day off
    for a, b in problem.forbidden_successions:
        forbidden[a, b] = True
    top = minutes.max(initial=0)
    shortest = minutes.min(initial=top)
    open_after = np.cumsum((~off)[:, ::-1], axis=1)[:, ::-1] - ~off  # [E, D] days still open after d

    def allowed(d: int, k: int) -> np.ndarray:
        # and the minimum stays reachable below the maximum with the shifts still possible
        after = worked + minutes[k]
        slots = np.minimum(cap_shifts - shifts - 1, open_after[:, d])
        fewest = np.maximum(0, -((after - lo) // max(top, 1)))
        most = (hi - after) // max(shortest, 1)
        return (
            ~off[:, d]
            & (out[:, d] == day_roster.OFF)
            & (used[:, k] < caps[:, k])
            & (after <= hi)
            & (shifts < cap_shifts)
            & (run < max_run)
            & ((d < D - 1) | (run < final_run))
            & ~forbidden[np.where(last >= 0, last, K), k]
            & permitted[:, d, k]
            & ((weekday[d] < 5) | weekend_worked | (weekend_left > 0))
            & (fewest <= np.minimum(most, slots))
        )

    def give(e: int, d: int, k: int) -> None:
        if weekday[d] >= 5 and not weekend_worked[e]:
            weekend_worked[e] = True
            weekend_left[e] -= 1
        out[e, d] = k
        worked[e] += minutes[k]
        shifts[e] += 1
        used[e, k] += 1

    for d in range(D):
        for k in np.argsort(-minutes, kind="stable").tolist():
            for _ in range(int(problem.cover[d, k])):
                ok = np.flatnonzero(allowed(d, k))
                if len(ok) == 0:
                    break
                deficit = lo[ok] - worked[ok]
                give(int(ok[np.lexsort((cost[ok, d, k], -deficit))[0]]), d, k)
        days_left = D - d - 1
        behind = np.flatnonzero((out[:, d] == day_roster.OFF) & (lo - worked > days_left * top))
        for e in behind.tolist():
            for k in np.argsort(-minutes, kind="stable").tolist():
                if allowed(d, k)[e]:
                    give(e, d, k)
                    break
        works = out[:, d] != day_roster.OFF
        if weekday[d] == 6:
            weekend_worked[:] = False
        run = np.where(works, run + 1, 0)
        last = np.where(works, out[:, d], day_roster.OFF)
    _lift_to_minimum(problem, out, lo, hi, minutes, caps, permitted, forbidden, cap_shifts)
    return out


def _lift_to_minimum(
    problem: day_roster.RosterProblem,
    out: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    minutes: np.ndarray,
    caps: np.ndarray,
    permitted: np.ndarray,
    forbidden: np.ndarray,
    cap_shifts: np.ndarray,
) -> None:
    """Repair employees left below their minimum minutes: lengthen their shifts, then add days."""
    E, D = out.shape
    K = len(minutes)
    by_length = np.argsort(-minutes, kind="stable")

    def succession_ok(e: int, d: int, k: int) -> bool:
        before = out[e, d - 1] if d > 0 else (problem.employees[e].history[-1] if problem.employees[e].history else -1)
        after = out[e, d + 1] if d + 1 < D else -1
        return (before < 0 or not forbidden[before, k]) and (after < 0 or not forbidden[k, after])

    def run_ok(e: int, d: int) -> bool:
        seq = [*problem.employees[e].history, *out[e].tolist()]
        pos = len(problem.employees[e].history) + d
        left = pos
        while left > 0 and seq[left - 1] >= 0:
            left -= 1
        right = pos
        while right + 1 < len(seq) and seq[right + 1] >= 0:
            right += 1
        emp = problem.employees[e]
        final_ok = right < len(seq) - 1 or emp.max_final_run is None or right - left + 1 <= emp.max_final_run
        return right - left + 1 <= emp.max_consecutive and final_ok

    weekday = (problem.first_weekday + np.arange(D)) % 7
    weekend_days = [d for d in range(D) if weekday[d] >= 5]

    def lengthen(e: int, worked: int, used: np.ndarray) -> int:
        for d in np.flatnonzero(out[e] >= 0).tolist():
            for k in by_length.tolist():
                if worked >= lo[e]:
                    return worked
                cur = out[e, d]
                gain = minutes[k] - minutes[cur]
                if (
                    gain > 0
                    and permitted[e, d, k]
                    and used[k] < caps[e, k]
                    and worked + gain <= hi[e]
                    and succession_ok(e, d, k)
                ):
                    out[e, d] = k
                    used[cur] -= 1
                    used[k] += 1
                    worked += gain
        return worked

    def add_days(e: int, worked: int, used: np.ndarray) -> int:
        for d in range(D):
            if worked >= lo[e] or (out[e] >= 0).sum() >= cap_shifts[e]:
                break
            if (
                out[e, d] >= 0
                or d in problem.employees[e].days_off
                or (
                    weekday[d] >= 5
                    and problem.employees[e].max_weekends <= 0
                    and not any(out[e, x] >= 0 for x in weekend_days)
                )
            ):
                continue
            for k in by_length.tolist():
                if (
                    permitted[e, d, k]
                    and used[k] < caps[e, k]
                    and worked + minutes[k] <= hi[e]
                    and succession_ok(e, d, k)
                ):
                    out[e, d] = k
                    if run_ok(e, d):
                        used[k] += 1
                        worked += minutes[k]
                        break
                    out[e, d] = -1
        return worked

    for e in range(E):
        before = out[e].copy()
        for steps in ((lengthen, add_days), (add_days, lengthen)):  # longer shifts first, else more days first
            out[e] = before
            worked = int(minutes[out[e][out[e] >= 0]].sum())
            used = np.bincount(out[e][out[e] >= 0], minlength=K)
            for step in steps:
                worked = step(e, worked, used)
            if worked >= lo[e]:
                break


def _trailing_run(history: tuple[int, ...]) -> int:
    n = 0
    for k in reversed(history):
        if k == day_roster.OFF:
            break
        n += 1
    return n
