"""The search on a finished roster (`wfm.schedule.search`): a roster read as an aggregate solution, and
each day's shifts re-timed and re-lengthed a little.

The searched roster must break no rule the roster before did not (the independent checker says so), give each agent the
same template on the same days, with lengths changed by at most the search's limits, keep a shift
whose rest or blocked time rules out other options of its kind, and not score worse than the roster
it started from.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from models import aggregate
from models.construct import construct
from models.linear import lp_relaxation
from tests.test_planning import FIXTURES
from wfm.assignment import AssignedShift, Assigner, place_roster_breaks, slots_from_construction
from wfm.checker import CheckReport, check_roster
from wfm.planning import Plan, build_plan
from wfm.schedule import ScheduleInputs, load_inputs, to_roster
from wfm.schedule.search import _kind_choices, construction_of, improve_roster


@dataclass(frozen=True)
class Case:
    inputs: ScheduleInputs
    plan: Plan
    rest: int
    lp_solution: np.ndarray
    shifts: list[AssignedShift]


def _case(scenario: Path) -> Case:
    inputs = load_inputs(scenario)
    sc = inputs.scenario
    plan = build_plan(sc, inputs.agents, inputs.unavailability, inputs.requirements)
    model, lay = aggregate.build(plan.problem)
    lp = lp_relaxation(model, 30.0)
    assert lp.solution is not None
    assigner = Assigner(
        sc, plan, inputs.agents, inputs.preferences, workers=1, seed=0, deterministic=True, use_cpsat=False
    )
    built = construct(plan.problem, lp.solution[lay.x])
    assigner.assign_days(built.shifts, 0.0)
    shifts = place_roster_breaks(plan, assigner.assign_starts(slots_from_construction(plan, built))[0])
    return Case(inputs, plan, assigner.rest, lp.solution, shifts)


def _check(case: Case, shifts: list[AssignedShift]) -> CheckReport:
    i = case.inputs
    roster = to_roster(i.scenario, case.plan, i.agents, shifts)
    return check_roster(i.scenario, roster, i.requirements, i.agents, i.unavailability, i.preferences)


@pytest.fixture(scope="module", params=["office", "nonstop"])
def case(request: pytest.FixtureRequest) -> Case:
    return _case(FIXTURES / request.param / "scenario.toml")


def test_a_roster_read_as_an_aggregate_has_the_checkers_staffing(case: Case) -> None:
    built = construction_of(case.plan, case.shifts)
    report = _check(case, case.shifts)
    hours = case.plan.timeline.interval_min / 60
    assert -built.surplus[built.surplus < 0].sum() * hours == pytest.approx(report.under_agent_hours)
    assert built.surplus[built.surplus > 0].sum() * hours == pytest.approx(report.over_agent_hours)
    np.testing.assert_array_equal(
        built.shifts, np.bincount([s.option for s in case.shifts], minlength=case.plan.problem.n_options)
    )


@pytest.mark.parametrize("length_changes_min", [(60,), (60, None)])
def test_searched_roster_keeps_every_rule_and_every_agents_kinds(
    case: Case, length_changes_min: tuple[int | None, ...]
) -> None:
    before = _check(case, case.shifts)
    searched = improve_roster(
        case.plan,
        case.shifts,
        case.rest,
        case.lp_solution,
        deadline=time.perf_counter() + 20,
        workers=2,
        seed=0,
        deterministic=True,
        length_changes_min=length_changes_min,
    )
    after = _check(case, searched)

    def broken(r: CheckReport) -> set:
        return {(v.agent_id, v.date, v.rule) for v in r.violations}

    # days and templates are held, so what the greedy roster breaks (a day off too short) stays;
    # nothing new (weekly hours included, as lengths may change)
    assert broken(after) <= broken(before)
    p = case.plan.problem

    def worked(shifts: list[AssignedShift]) -> Counter:
        return Counter((s.agent, s.day, int(p.opt_template[s.option])) for s in shifts)

    assert worked(searched) == worked(case.shifts)
    length = {(s.agent, s.day): int(p.opt_length[s.option]) for s in case.shifts}
    change = [
        abs(p.opt_length[s.option] - length[(s.agent, s.day)]) * case.plan.timeline.interval_min for s in searched
    ]
    if None not in length_changes_min:
        assert max(change) <= max(length_changes_min)  # type: ignore[type-var]
    # the search's own objective never rises; the checker's may differ only by preference and
    # fairness terms the aggregate prices at class averages
    p = case.plan.problem

    def staffing(r: CheckReport) -> float:
        return p.under_weight * r.under_agent_hours + p.over_weight * r.over_agent_hours

    assert staffing(after) <= staffing(before) + 1e-6


def test_a_shift_whose_blocked_time_rules_out_other_starts_is_held(case: Case) -> None:
    plan = case.plan
    p = plan.problem
    # a shift its kind could also start earlier (so blocking the interval before it rules options out)
    key = p.opt_day * len(plan.kinds) + plan.opt_kind
    earliest = {int(k): int(p.opt_start[key == k].min()) for k in np.unique(key)}
    movable = [len(c) > 0 for c in _kind_choices(plan, case.shifts, case.rest, 0)]
    i = next(
        (i for i, t in enumerate(case.shifts) if movable[i] and earliest[int(key[t.option])] < p.opt_start[t.option]),
        None,
    )
    if i is None:
        pytest.skip("every shift of the fixture starts at its kind's earliest start")
    s = case.shifts[i]
    st = int(p.opt_start[s.option])
    blocked = dict(plan.blocked)
    blocked[s.agent] = [*blocked.get(s.agent, []), (st - 1, st)]
    held_plan = dataclasses.replace(plan, blocked=blocked)
    assert len(_kind_choices(held_plan, case.shifts, case.rest, 0)[i]) == 0
    searched = improve_roster(
        held_plan,
        case.shifts,
        case.rest,
        case.lp_solution,
        deadline=time.perf_counter() + 20,
        workers=1,
        seed=0,
        deterministic=True,
    )
    assert any(t.agent == s.agent and t.day == s.day and t.option == s.option for t in searched)


def test_deterministic_search_repeats_exactly_with_two_workers(case: Case) -> None:
    def run() -> list[AssignedShift]:
        return improve_roster(
            case.plan,
            case.shifts,
            case.rest,
            case.lp_solution,
            deadline=time.perf_counter() + 60,
            workers=2,
            seed=3,
            deterministic=True,
        )

    assert run() == run()


def test_the_last_phase_offers_every_length_of_the_shifts_template(case: Case) -> None:
    plan = case.plan
    tl = plan.timeline
    near = _kind_choices(plan, case.shifts, case.rest, 60 // tl.interval_min)
    wide = _kind_choices(plan, case.shifts, case.rest, None)
    for s, n, w in zip(case.shifts, near, wide, strict=True):
        own = plan.kinds[int(plan.opt_kind[s.option])]
        assert set(n) <= set(w)
        assert all(plan.kinds[k].template == own.template and plan.kinds[k].klass == own.klass for k in w)
        assert all(abs(plan.kinds[k].length - own.length) * tl.interval_min <= 60 for k in n)
    # the office's day template has 4 h and 8 h shifts: only the last phase lets one become the other
    if not any(max(t.lengths_h) - min(t.lengths_h) > 1 for t in case.inputs.scenario.config.shift_templates):
        pytest.skip("no template of this fixture has lengths more than an hour apart")
    assert any(len(w) > len(n) for n, w in zip(near, wide, strict=True))
