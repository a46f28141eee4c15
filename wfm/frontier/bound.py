"""An upper bound on the projected service level at a budget, from the aggregate model's LP relaxation.

Why it is an upper bound (the story is in docs/frontier.md):
1. The checker's projected service level of a roster is Σ_t V_t(n_t) / C: n_t agents scheduled on a
   queue in interval t (on shift, not on a break), V_t(n) = c_t·SL_t(⌊n·(1 − shrinkage)⌋) the
   contacts answered within target (`wfm.staffing.answered_within_target`), C = Σ_t c_t.
2. The service value table Ṽ_t is V_t's least concave majorant: Ṽ_t(n) ≥ V_t(n) at every whole n.
3. Its tangent lines, constants rounded down and slopes up in units of 1/`CONTACT_UNITS` contacts
   (lines flatter than half a unit dropped), give lost-contact lines whose upper envelope L_t(n) ≤
   c_t − Ṽ_t(n) ≤ c_t − V_t(n) at every whole n (`models.aggregate`'s segment form takes L_t at whole
   agents and interpolates between them).
4. Every roster that keeps the rules and the budget is an integer point of the aggregate model with
   the roster's n_t (docs/schedule.md: each of the model's rows is implied by the per-agent rules),
   and the LP relaxes that model further.
5. So LP* = min Σ_t L_t ≤ Σ_t (c_t − V_t(n_t)) for every roster, and its service level
   1 − Σ_t (c_t − V_t(n_t)) / C ≤ 1 − LP*/C.
HiGHS meets its optimality tolerance (relative 1e-7); LP* is lowered by `LP_SAFETY` of C before use.
An email queue's service level depends on the whole series of its intervals (deferred work), which the
per-interval value table does not model: with one, the bound is an estimate (`ServiceBound.rigorous`).

The relaxation's duals say what binds when more hours stop buying service (`binding`).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np

from models import aggregate
from models.aggregate import AggregateProblem
from models.linear import LpBound, SparseModel, lp_relaxation
from wfm.agents import Agent
from wfm.planning import Plan, build_plan
from wfm.scenario import Scenario
from wfm.schedule import ScheduleInputs
from wfm.schedule.service import service_cuts

CONTACT_UNITS = 10_000  # model units per contact: the cuts' rounding costs ≤ 1/10,000 contact per line
LP_SAFETY = 1e-6  # of the horizon's contacts, taken off LP* for HiGHS's tolerances
NO_BUDGET_MIN = 10**12  # a budget row that never binds; its bound is set per budget
DUAL_TOLERANCE = 1e-6  # contacts per unit of a row's bound: a smaller dual counts as not binding


@dataclass(frozen=True)
class BoundPoint:
    """The relaxation at one budget: the best service level any roster could reach (an upper bound)."""

    budget_h: float | None  # None: no budget (as many hours as the agents can work)
    service_level_upper: float | None  # None when HiGHS did not finish in its time
    lost_contacts_lower: float | None  # contacts not answered in time, at least
    seconds: float


@dataclass(frozen=True)
class ClassValue:
    """What one more agent like a class's members is worth to the relaxation, and what binds them."""

    klass: int
    agents: int
    description: str
    contacts_per_agent: float  # more contacts answered in time per agent added (first-order, from duals)
    binding: tuple[str, ...]  # the row families binding for this class


def _service_only(sc: Scenario) -> Scenario:
    """The scenario with contacts lost as its only objective term and no budget (set per point)."""
    cfg = sc.config
    objective = cfg.objective.model_copy(
        update={"kind": "service", "under_weight": 0.0, "over_weight": 0.0, "cost_weight": 0.0, "service_weight": 1.0}
    )
    budget = cfg.budget.model_copy(update={"hours": None})
    return Scenario(cfg.model_copy(update={"objective": objective, "budget": budget}), sc.path)


def _contacts(inputs: ScheduleInputs) -> float:
    """Contacts inside the horizon, as the checker counts them."""
    h = inputs.scenario.config.horizon
    start = np.datetime64(h.start)
    minutes = (inputs.requirements["interval_start"].to_numpy() - start) / np.timedelta64(1, "m")
    inside = (minutes >= 0) & (minutes < h.days * 1440)
    return float(inputs.requirements["contacts"].to_numpy(dtype=float)[inside].sum())


class ServiceBound:
    """The aggregate model of a scenario, built once, and its LP at any budget (hours)."""

    def __init__(self, inputs: ScheduleInputs, agents: list[Agent] | None = None) -> None:
        """Build the plan of `inputs` (with `agents` instead of its own, when given); raises
        `InfeasibleError` as the scheduler would (a budget too small is checked per point instead)."""
        self.inputs = inputs
        sc = _service_only(inputs.scenario)
        members = inputs.agents if agents is None else agents
        self.agents = members
        plan0 = build_plan(sc, members, inputs.unavailability, inputs.requirements)
        cuts = service_cuts(inputs, plan0, CONTACT_UNITS)
        self.plan = build_plan(sc, members, inputs.unavailability, inputs.requirements, service_cuts=cuts)  # type: ignore[arg-type]
        problem = dataclasses.replace(self.plan.problem, budget_min=NO_BUDGET_MIN)
        self.model = aggregate.build(problem, service_segments=True)[0]
        self.rows = row_families(self.model, problem)
        self.contacts = _contacts(inputs)
        # email's deferred workload runs over the whole series, which the value table (over intervals
        # with contacts) does not see: with an email queue the bound is an estimate
        self.rigorous = all(sc.config.service.targets_for(q).channel != "email" for q in self.plan.queues)

    @property
    def min_budget_h(self) -> float:
        """The fewest hours any roster counts against a paid-hours budget (the agents' weekly minimums,
        tightened to what whole shifts make); 0 when the budget counts productive hours."""
        if self.inputs.scenario.config.budget.counted_on != "paid":
            return 0.0
        return float(self.plan.problem.class_week_min_paid.sum()) / 60

    @property
    def max_hours_h(self) -> float:
        """The most paid hours the agents' weekly maxima allow (tightened likewise): no roster uses more."""
        return float(self.plan.problem.class_week_max_paid.sum()) / 60

    def solve(self, budget_h: float | None, time_limit_s: float, duals: bool = False) -> tuple[BoundPoint, LpBound]:
        """The relaxation at `budget_h` (None: no budget) within `time_limit_s` seconds."""
        start = time.perf_counter()
        minutes = math.inf if budget_h is None else math.floor(budget_h * 60 + 1e-6)
        _set_row_bound(self.model, int(self.rows["budget"][0]), minutes)
        lp = lp_relaxation(self.model, time_limit_s, duals=duals)
        seconds = time.perf_counter() - start
        if lp.value is None:
            return BoundPoint(budget_h, None, None, seconds), lp
        lost = max(0.0, lp.value / CONTACT_UNITS - LP_SAFETY * self.contacts)
        level = 1.0 if self.contacts <= 0 else min(1.0, max(0.0, 1.0 - lost / self.contacts))
        return BoundPoint(budget_h, level, lost, seconds), lp

    def at(self, budget_h: float | None, time_limit_s: float) -> BoundPoint:
        """The upper bound on the projected service level at `budget_h` hours (None: no budget)."""
        return self.solve(budget_h, time_limit_s)[0]

    def class_values(self, lp: LpBound) -> list[ClassValue]:
        """Per agent class, the contacts one more agent like its members would answer in time, from the
        duals of `lp` (a `solve(..., duals=True)`): the first-order change of the relaxation when each
        class row's bound grows by one agent's share; most valuable first."""
        assert lp.duals is not None, "solve with duals=True"
        p, plan, rows = self.plan.problem, self.plan, self.rows
        C, D = p.class_day_cap.shape
        W = len(p.week_days)
        y = lp.duals / CONTACT_UNITS  # contacts per unit of each row's bound (≤ 0 where more helps)
        out = []
        for c, members in enumerate(plan.classes):
            m = list(members)
            share = {
                "headcount per day": (y[rows["class_day"]].reshape(C, D)[c], (p.class_day_cap[c] > 0) * 1.0),
                "weekly maximum hours": (y[rows["class_week_paid"]].reshape(C, W)[c], plan.week_max_paid[m].mean(0)),
                "weekly maximum days": (y[rows["class_week_shifts"]].reshape(C, W)[c], plan.week_max_shifts[m].mean(0)),
            }
            if "weekend" in rows and p.class_weekend_cap is not None:
                share["weekends worked"] = (y[rows["weekend"]][c : c + 1], p.class_weekend_cap[c : c + 1] / len(m))
            if "pattern" in rows and p.pattern_rows is not None:
                r, o, _, rhs = p.pattern_rows
                mine = np.unique(r[p.opt_class[o] == c])
                share["weekly shift patterns"] = (y[rows["pattern"][mine]], rhs[mine] / len(m))
            gain = {k: float(-(np.minimum(dual, 0.0) * per).sum()) for k, (dual, per) in share.items()}
            binding = tuple(k for k, v in sorted(gain.items(), key=lambda kv: -kv[1]) if v > DUAL_TOLERANCE)
            out.append(ClassValue(c, len(m), describe_class(plan, c, self.agents), sum(gain.values()), binding))
        return sorted(out, key=lambda v: -v.contacts_per_agent)

    def budget_price(self, lp: LpBound) -> float:
        """Contacts answered in time per more budget hour, from the budget row's dual (0: hours do not bind)."""
        assert lp.duals is not None, "solve with duals=True"
        return float(-min(lp.duals[self.rows["budget"][0]], 0.0)) * 60 / CONTACT_UNITS


def row_families(model: SparseModel, problem: AggregateProblem) -> dict[str, np.ndarray]:
    """The global indices of the agent rows and the budget row of `aggregate.build`'s model, found by
    their bounds (the model keeps its rows in the blocks they were added in): the class-day caps [C·D],
    class-week paid minutes and shifts [C·W each] are three consecutive blocks; after them the weekend
    cap [C] and the pattern cuts, when the problem has them; the budget is the one-row block bounded by
    `NO_BUDGET_MIN` minutes. Keys: class_day, class_week_paid, class_week_shifts, weekend, pattern, budget."""
    p = problem
    blocks = list(zip(model.row_lo, model.row_hi, strict=True))
    starts = np.cumsum([0] + [len(hi) for hi in model.row_hi])

    def holds(k: int, lo: np.ndarray, hi: np.ndarray) -> bool:
        return len(blocks[k][1]) == len(hi) and np.array_equal(blocks[k][0], lo) and np.array_equal(blocks[k][1], hi)

    def free(n: int) -> np.ndarray:
        return np.full(n, -np.inf)

    C, D = p.class_day_cap.shape
    agent = [
        (free(C * D), p.class_day_cap.reshape(-1).astype(float)),
        (p.class_week_min_paid.reshape(-1).astype(float), p.class_week_max_paid.reshape(-1).astype(float)),
        (p.class_week_min_shifts.reshape(-1).astype(float), p.class_week_max_shifts.reshape(-1).astype(float)),
    ]
    first = next((k for k in range(len(blocks) - 2) if all(holds(k + i, *agent[i]) for i in range(3))), None)
    if first is None:
        raise ValueError("the aggregate model's agent rows were not found")
    names = ("class_day", "class_week_paid", "class_week_shifts")
    rows = {name: np.arange(starts[first + i], starts[first + i + 1]) for i, name in enumerate(names)}
    later = {"budget": (free(1), np.array([float(NO_BUDGET_MIN)]))}
    if p.class_weekend_cap is not None:
        later["weekend"] = (free(C), p.class_weekend_cap.astype(float))
    if p.pattern_rows is not None and len(p.pattern_rows[3]):
        later["pattern"] = (free(len(p.pattern_rows[3])), p.pattern_rows[3].astype(float))
    for k in range(first + 3, len(blocks)):
        for name, (lo, hi) in later.items():
            if name not in rows and holds(k, lo, hi):
                rows[name] = np.arange(starts[k], starts[k + 1])
                break
    if "budget" not in rows:
        raise ValueError("the aggregate model's budget row was not found")
    return rows


def _set_row_bound(model: SparseModel, row: int, hi: float) -> None:
    """Set the upper bound of global row `row` (the model keeps its rows in blocks)."""
    first = 0
    for block in model.row_hi:
        if row < first + len(block):
            block[row - first] = hi
            return
        first += len(block)
    raise IndexError(row)


def describe_class(plan: Plan, klass: int, agents: list[Agent]) -> str:
    """'voice_es; 08:00–20:00; 36–40 h, 5 days/week' for an agent class: skills, daily window, contract."""
    members = plan.classes[klass]
    queues = ", ".join(plan.queues[q] for q in sorted(plan.class_queues[klass]))
    a = agents[members[0]]
    window = (
        ""
        if (a.available_from_min, a.available_to_min) == (0, 1440)
        else f"; {a.available_from_min // 60:02d}:{a.available_from_min % 60:02d}–"
        f"{a.available_to_min // 60:02d}:{a.available_to_min % 60:02d}"
    )
    hours = sorted({(x.min_hours_week, x.max_hours_week) for x in (agents[i] for i in members)})
    span = f"{hours[0][0]:g}–{hours[-1][1]:g} h" if len(hours) > 1 else f"{hours[0][0]:g}–{hours[0][1]:g} h"
    return f"{queues}{window}; {span}, {a.max_days_week} days/week"


def clones(agents: list[Agent], members: tuple[int, ...], n: int) -> list[Agent]:
    """`agents` and `n` more agents like the first of `members` (ids `hire-1`, `hire-2`, …)."""
    model = agents[members[0]]
    return agents + [dataclasses.replace(model, agent_id=f"hire-{k + 1}", name=f"hire {k + 1}") for k in range(n)]
