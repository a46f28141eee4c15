"""The stages of the solve, in order. Each is a function `(solve, best, params) -> best`: it reads the
solve's context, may make candidate rosters, and hands on the best so far (fewest rules broken, then
lowest objective). Why each stage runs when it does — the measurements — is in docs/schedule.md."""

from __future__ import annotations

import dataclasses
import time

from models import aggregate, lns
from wfm.planning import banded
from wfm.schedule.candidate import Candidate
from wfm.schedule.context import Solve
from wfm.schedule.keep import revert_changes
from wfm.schedule.naming import check, construct_and_name, name_aggregate
from wfm.schedule.output import from_roster
from wfm.schedule.params import SolverParams
from wfm.schedule.search import construction_of, improve_roster


def given_roster(solve: Solve, best: Candidate | None, prm: SolverParams) -> Candidate | None:
    """Stage 0, when the inputs give a roster to start from (`wfm replan`: the published one): that
    roster, checked, if every shift of it is an option of the plan."""
    inputs = solve.inputs
    if not inputs.start_from:
        return best
    locked = {(s.agent_id, s.date) for s in inputs.locked}
    assigned = from_roster(
        solve.scenario, solve.plan, inputs.agents, [s for s in inputs.start_from if (s.agent_id, s.date) not in locked]
    )
    if assigned is None:
        solve.emit("roster", message="the roster to start from is not made of the plan's options: not used")
        return best
    solve.given = assigned
    given = check(solve, assigned, {"started_from_given_roster": True})
    solve.note(given)
    solve.given_candidate = given
    solve.emit(
        "roster", given.report.objective, f"given roster: {len(given.shifts):,} shifts, {given.violation_counts()}"
    )
    return given


def first_roster(solve: Solve, best: Candidate | None, prm: SolverParams) -> Candidate:
    """Stage 1–3, fast: an aggregate constructed greedily (while the LP runs) and named greedily."""
    first = construct_and_name(solve, None)
    solve.note(first)
    solve.emit(
        "roster", first.report.objective, f"first roster: {len(first.shifts):,} shifts, {first.violation_counts()}"
    )
    return first if first.better_than(best) else best  # type: ignore[return-value]


def roster_from_lp(solve: Solve, best: Candidate, prm: SolverParams) -> Candidate:
    """Stage 1, the bound: wait for the LP (in its place, the lean guide); then an aggregate rounded
    and repaired from its solution, named greedily."""
    solve.await_bound()
    if solve.guide is None or solve.stopped():
        return best
    from_lp = construct_and_name(solve, solve.guide[solve.lay.x])
    solve.lp_built = from_lp.built
    solve.note(from_lp)
    best = from_lp if from_lp.better_than(best) else best
    solve.emit(
        "roster",
        best.report.objective,
        f"roster from the {'lean guide' if solve.lean else 'LP'}'s aggregate: {len(from_lp.shifts):,} shifts, "
        f"{len(from_lp.report.violations)} violations",
    )
    return best


def _search_pass_s(solve: Solve, prm: SolverParams) -> float:
    """Seconds of one pass of the roster search: a neighbourhood a day, `workers` at a time."""
    return prm.search_seconds_each * solve.plan.timeline.days / max(1, solve.workers)


def day_assignment(solve: Solve, best: Candidate, prm: SolverParams) -> Candidate:
    """Stage 2 with CP-SAT: the best roster's aggregate named again, days assigned by CP-SAT week by
    week. It runs when the limit, less the LP's forecast seconds, holds its deterministic budget and
    `search_min_passes` passes of the search after it (the plan counts on the forecast, not the clock,
    so a result does not hang on how busy the machine was); always without an LP solution, and
    whenever the greedy rosters break a rule (minimum runs, which only CP-SAT enforces in full). When
    the search follows, the time it needs is kept from CP-SAT."""
    after_s = 0.0 if solve.repeatable else best.after_s  # a repeatable run reads no clock to decide
    deadline = solve.t0 + solve.limit - prm.after_margin * after_s  # what the stages after it need
    wall_left = solve.left(deadline)
    searching = solve.guide is not None
    pass_s = _search_pass_s(solve, prm)
    spare_s = solve.limit - solve.guide_expected_s - prm.deterministic_share * solve.limit
    runs = not searching or bool(best.report.violations) or spare_s >= prm.search_min_passes * pass_s
    keep_s = min(prm.cpsat_share * wall_left, prm.search_passes * pass_s) if searching else 0.0
    cpsat_deadline = deadline - keep_s
    # deterministic: a budget that depends on no clock reading, so results repeat exactly
    budget = prm.deterministic_share * solve.limit if solve.deterministic else cpsat_deadline - time.perf_counter()
    if not runs or min(budget, wall_left) <= 1.0 or solve.stopped() or best.built is None:
        return best
    solve.day_assignment_ran = True
    named = name_aggregate(
        solve,
        best.built,
        use_cpsat=True,
        time_s=budget,
        deadline=solve.clock(cpsat_deadline),
        start_passes=prm.start_passes if searching else prm.final_start_passes,
    )
    named = dataclasses.replace(named, aggregate_objective=best.aggregate_objective)
    info = named.info
    return solve.keep(
        best,
        named,
        f"CP-SAT roster: {len(named.shifts):,} shifts, "
        f"{info['unassigned_aggregate_shifts']} aggregate shifts unassigned, "
        f"{info['added_shifts']} added, {named.violation_counts()}",
    )


def _search(solve: Solve, candidate: Candidate, until: float, label: str) -> tuple[Candidate, bool]:
    """The roster search on `candidate`, checked, and whether it ended by its own rule."""
    prm, plan = solve.params, solve.plan
    bands = [w for r in plan.week_rules if (w := r.search_band_min()) is not None]
    if bands:  # kinds split by start band, so shifts can move within what their week's rules hold
        plan = banded(plan, min(bands))
    lengths = prm.length_changes_min if solve.guide is not None else prm.length_changes_min[:1]
    done = [0]  # passes made

    def on_pass(k: int, obj: float) -> None:
        done[0] += 1
        # a pass's objective is its aggregate model's: coverage and cost, without the preference and
        # fairness terms the checker adds (so the checked roster may read higher than its last pass)
        solve.emit("search", obj / solve.units, f"{label} pass {k} (model objective)")

    budget = solve.search_passes_left if solve.repeatable else None
    searched = improve_roster(
        plan,
        candidate.assigned,
        round(solve.scenario.config.rules.min_rest_h * 60) // plan.timeline.interval_min,
        solve.guide,
        deadline=solve.clock(until),
        workers=solve.workers,
        seed=solve.seed,
        deterministic=solve.deterministic,
        seconds_each=prm.search_seconds_each,
        length_changes_min=lengths,
        held_passes=prm.held_passes,
        escalate_gain=prm.escalate_gain,
        min_gain=prm.min_search_gain,
        max_budget=prm.max_budget,
        stop=solve.stopped,
        on_pass=on_pass,
        max_passes=budget,
    )
    if solve.repeatable:  # ended by its own rule when the work budget still held passes
        solve.search_passes_left -= done[0]
        converged = solve.search_passes_left > 0 and not solve.stopped() and not solve.backstop_reached()
    else:
        converged = time.perf_counter() < until and not solve.stopped()
    made = check(
        solve,
        searched,
        {**candidate.info, "roster_search": True},
        built=candidate.built,
        aggregate_objective=candidate.aggregate_objective,
    )
    return made, converged


def _search_until(solve: Solve, prm: SolverParams) -> float:
    """When the searches stop: twice the checker's margin (handing the shifts back takes about as long
    as checking them), a second (a neighbourhood's model building may run past its solve's limit) and
    1% of the limit for writing the outputs are kept free."""
    return solve.t0 + solve.limit - 2 * prm.after_margin * solve.check_s - prm.search_seconds_each - 0.01 * solve.limit


def roster_search(solve: Solve, best: Candidate, prm: SolverParams) -> Candidate:
    """Stage 4: CP-SAT re-times each day's shifts of the best roster around the LP's support (without
    the LP, around the roster's own options), the most promising days first, until the limit."""
    solve.search_until = _search_until(solve, prm)
    solve.search_converged = False
    if solve.repeatable:  # the passes the rest of the limit holds, by the forecast, not the clock
        cpsat_s = prm.deterministic_share * solve.limit if solve.day_assignment_ran else 0.0
        spare_s = solve.limit - solve.guide_expected_s - cpsat_s
        solve.search_passes_left = max(2, int(spare_s / _search_pass_s(solve, prm)))
    if solve.stopped() or solve.left(solve.search_until) < 2 * prm.search_seconds_each:
        return best
    # a given roster (`wfm replan`) is searched from, so the result stays near it
    origin = solve.given_candidate or best
    searched, solve.search_converged = _search(solve, origin, solve.search_until, "roster search")
    if solve.given_candidate is not None:
        solve.given_candidate = searched
    return solve.keep(best, searched, "searched roster")


def aggregate_rounds(solve: Solve, best: Candidate, prm: SolverParams) -> Candidate:
    """Stage 5, when the roster search ended by its own rule with time for `search_min_passes` passes
    left: search the aggregate with no agents named, day by day around the LP's support; name it and
    search the roster again; while a round gains and ends by its own rule, the next starts from the
    best roster's aggregate. Named agents hold each day's shifts to their own weeks, so the roster
    search cannot reach what the aggregate's search can."""
    start_from = solve.lp_built
    round_s = prm.search_min_passes * _search_pass_s(solve, prm)
    converged = solve.search_converged
    until = solve.search_until
    p = solve.plan.problem
    while converged and start_from is not None and _round_fits(solve, prm, until, round_s):
        solve.aggregate_rounds += 1
        converged = False
        aggregate_until = solve.clock(time.perf_counter() + prm.aggregate_search_share * (until - time.perf_counter()))
        passes = None  # a repeatable run's aggregate search: half the passes the budget still holds
        if solve.repeatable:
            passes = max(1, solve.search_passes_left // 2)
            solve.search_passes_left -= passes
        a_m, lo_m, hi_m, lb_m, ub_m = solve.model.matrix()[:5]
        found = lns.improve(
            a_m,
            lo_m,
            hi_m,
            lb_m,
            ub_m,
            solve.cost,
            aggregate.full_vector(p, solve.model, solve.lay, start_from),
            aggregate.day_neighbourhoods(p, solve.lay, solve.cost, solve.guide),
            deadline=aggregate_until,
            seconds_each=prm.search_seconds_each,
            workers=solve.workers,
            seed=solve.seed,
            deterministic=solve.deterministic,
            min_gain=prm.min_aggregate_gain,
            max_passes=passes,
            stop=solve.stopped,
            on_pass=lambda k, obj: solve.emit("search", obj / solve.units, f"aggregate search pass {k}"),
        )
        named = name_aggregate(solve, aggregate.decode(p, solve.lay, found.vector), use_cpsat=False, time_s=0.0)
        improved = named.better_than(best)
        best = solve.keep(best, named, f"roster from the searched aggregate: {len(named.shifts):,} shifts")
        if not solve.stopped() and _round_fits(solve, prm, until, 2 * prm.search_seconds_each):
            searched, converged = _search(solve, named, until, "roster search (searched aggregate)")
            gained = searched.better_than(best)
            best = solve.keep(best, searched, "searched roster (searched aggregate)")
            improved = improved or gained
        converged = converged and improved  # again from the best roster's aggregate, while that gains
        start_from = construction_of(solve.plan, best.assigned)
    return best


def _round_fits(solve: Solve, prm: SolverParams, until: float, need_s: float) -> bool:
    """Whether `need_s` seconds of search still fit before `until`; in a repeatable run, whether the work
    budget still holds `search_min_passes` passes."""
    if solve.repeatable:
        return solve.search_passes_left >= prm.search_min_passes and not solve.backstop_reached()
    return until - time.perf_counter() >= need_s


def fewer_changes(solve: Solve, best: Candidate, prm: SolverParams) -> Candidate:
    """Last, when the solve started from a given roster: put its shifts back wherever a change gains less
    than `keep_weight` (`wfm.schedule.keep`); kept if the checker finds the result better."""
    if not solve.given:
        return best
    min_rest = round(solve.scenario.config.rules.min_rest_h * 60) // solve.plan.timeline.interval_min
    for start in (best, solve.given_candidate):  # the best roster, and the one searched from the given
        if start is None:
            continue
        kept, reverted = revert_changes(
            solve.steer, start.assigned, solve.given, solve.inputs.keep_weight * solve.units, min_rest
        )
        if reverted:
            made = check(
                solve,
                kept,
                {**start.info, "reverted_to_given": reverted},
                built=start.built,
                aggregate_objective=start.aggregate_objective,
            )
            best = solve.keep(best, made, f"{reverted:,} shift(s) put back as given")
    return best


# The solve, top to bottom (`wfm.schedule.solve.solve_schedule` runs them in this order).
STAGES = (given_roster, first_roster, roster_from_lp, day_assignment, roster_search, aggregate_rounds, fewer_changes)
