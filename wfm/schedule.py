"""`wfm schedule`: read a scenario and its inputs, solve in stages, check, and write the result.

Stages and their share of the time limit (seconds of wall clock):
1. aggregate (`models.aggregate`): LP relaxation with HiGHS (the lower bound; ≤ 75%, in a
   background thread; not started when forecast at more than twice that), and integer solutions
   constructed without it and from it (`models.construct`: rounding, repair, lazy greedy fill,
   break local search). CP-SAT on the whole aggregate was measured and dropped: on a 300-agent
   month it found no solution in 30 s unaided and improved the constructed one by under 3% in 30 s.
2. assignment of days and kinds to named agents (`wfm.assignment`): greedily for a first roster
   while the LP runs, by dynamic programming and best responses (`models.day_patterns`) from the
   LP's aggregate, then CP-SAT week by week in the time left;
3. start times, queues and breaks (assignment problems and local search; fractions of a second);
4. search on the best roster (`wfm.roster_search`): CP-SAT re-times each day's shifts around the
   LP's support, every agent's kinds held, the most promising days first, until the time limit
   (with an LP solution: CP-SAT's day assignment gets half of what is left, the search the rest).
The roster then goes through the independent checker (`wfm.checker`), whose figures fill
`summary.json` and `coverage.csv`; the solver's own coverage figures must agree with it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import platform
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models import aggregate, lns
from models.construct import construct
from models.linear import LpBound, expected_lp_seconds, lp_relaxation
from wfm import __version__
from wfm.agents import Agent, Preference, Unavailability, read_agents, read_preferences, read_unavailability
from wfm.assignment import (
    AssignedShift,
    Assigner,
    improve_starts,
    place_roster_breaks,
    slots_from_construction,
    trim_to_budget,
)
from wfm.atomic import atomic_directory, write_csv, write_json
from wfm.checker import CheckReport, check_roster
from wfm.errors import InputError
from wfm.planning import WEIGHT_DECIMALS, Plan, build_plan, scale
from wfm.requirements import read_requirements
from wfm.roster import Break, RosterShift, applicable_breaks, paid_hours, scenario_max_breaks, write_roster
from wfm.roster_search import LENGTH_CHANGES_MIN, construction_of, improve_roster
from wfm.scenario import Scenario, load_scenario
from wfm.service_value import saturated_value_table
from wfm.validation import validate_inputs

DETERMINISTIC_SHARE = 0.35  # of the time limit, as CP-SAT deterministic time, for the day assignment
LP_SHARE = 0.75  # of the time limit, at most, for the LP bound (it runs beside the first roster)
LP_GRACE_S = 1.0  # seconds the solve waits for the LP past its share
LP_SKIP_FACTOR = 2.0  # the LP is not started when expected to take more than this × its share
BUDGET_ATTEMPTS = 3  # aggregates built with more budget held back when stage 2's additions overspend it
# × the seconds a roster's later stages took, kept free after CP-SAT (1.2 overran a 24x7 month by 0.2 s)
AFTER_MARGIN = 1.5
# of the time left after the roster from the LP's aggregate: kept, at most, for the search on the best
# roster (`wfm.roster_search`) when CP-SAT's day assignment runs before it
CPSAT_SHARE = 0.5
SEARCH_SECONDS_EACH = 1.0  # per day of the roster search
SEARCH_PASSES = 3  # passes of the roster search kept free after CP-SAT's day assignment, at most
SEARCH_MIN_PASSES = 2  # passes of the roster search the time left must hold after the day assignment
# when the roster search ends by its own rule with time for SEARCH_MIN_PASSES passes left: the share
# of it for searching the aggregate before naming agents again, and the gain under which its passes stop
AGGREGATE_SEARCH_SHARE = 0.5
MIN_AGGREGATE_GAIN = 0.001
# passes of the start search (`improve_starts`) on a roster the LP-guided search will improve, and on
# one it will not (no LP: the search around the roster's own options only gets the time the day
# assignment leaves; the 300-agent 24x7 month, 2 passes 21,848 in 41 s, 6 passes 21,326 in 55 s);
# on the 300-agent month passes 3 and 4 gained 0.4% in 1.4 s
START_PASSES = 2
FINAL_START_PASSES = 6
# The aggregate built without the LP charges each budget minute this share of what a minute of
# under-staffing costs, when the budget binds. Measured on the 300-agent months' greedy aggregates
# (12x6 / 24x7): 0 → 38,069 / 31,750; 0.4 → 34,509 / 27,864; 0.5 → 33,332 / 26,611;
# 0.6 → 33,856 / 27,212; 0.8 → 40,559 / 30,739.
GREEDY_BUDGET_PRICE = 0.5


@dataclass(frozen=True)
class ScheduleInputs:
    """A scenario with every input it names, read and validated, and each file's SHA-256."""

    scenario: Scenario
    agents: list[Agent]
    unavailability: list[Unavailability]
    preferences: list[Preference]
    requirements: pd.DataFrame
    checksums: dict[str, str]


# a roster, its checker report, how it was built (for summary.json) and its shifts in plan indices
Result = tuple[list[RosterShift], CheckReport, dict[str, Any], list[AssignedShift]]


@dataclass(frozen=True)
class ScheduleOptions:
    """Overrides of the scenario's [solver] and [objective] settings (None keeps the scenario's)."""

    time_limit_s: float | None = None
    workers: int | None = None
    seed: int | None = None
    objective: str | None = None
    deterministic: bool = True
    stop: threading.Event | None = None  # set it (e.g. on SIGTERM) to finish fast with the best so far


@dataclass(frozen=True)
class Progress:
    """One progress event: stage name, elapsed seconds, and the best objective and bound so far."""

    stage: str
    elapsed_s: float
    objective: float | None = None
    bound: float | None = None
    message: str = ""

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None or self.objective <= 0:
            return None
        return max(0.0, (self.objective - self.bound) / self.objective)


@dataclass(frozen=True)
class ScheduleResult:
    shifts: list[RosterShift]
    report: CheckReport
    summary: dict[str, Any]
    max_breaks: int
    stage_log: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return str(self.summary["status"])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_inputs(
    scenario_path: str | Path,
    *,
    requirements: str | Path | None = None,
    agents: str | Path | None = None,
    unavailability: str | Path | None = None,
    preferences: str | Path | None = None,
) -> ScheduleInputs:
    """Read the scenario and the files it names (overrides win); every reader validates."""
    sc = load_scenario(scenario_path)
    paths: dict[str, Path | None] = {
        "requirements": sc.input_path("requirements", requirements),
        "agents": sc.input_path("agents", agents),
        "unavailability": sc.input_path("unavailability", unavailability),
        "preferences": sc.input_path("preferences", preferences),
    }
    for key in ("requirements", "agents"):
        if paths[key] is None:
            raise InputError(f"no {key} file: set [inputs].{key} in the scenario or pass --{key}", path=sc.path)
    req = read_requirements(paths["requirements"])  # type: ignore[arg-type]
    if req.attrs.get("interval_min") not in (None, sc.config.horizon.interval_min):
        raise InputError(
            f"requirements are on a {req.attrs['interval_min']}-minute grid but the scenario's "
            f"horizon.interval_min is {sc.config.horizon.interval_min}",
            path=paths["requirements"], column="interval_start",
        )
    agent_list = read_agents(paths["agents"])  # type: ignore[arg-type]
    unav = read_unavailability(paths["unavailability"], agent_list) if paths["unavailability"] else []
    names = {t.name for t in sc.config.shift_templates}
    prefs = read_preferences(paths["preferences"], agent_list, names) if paths["preferences"] else []
    checksums = {"scenario": _sha256(sc.path)}
    checksums.update({k: _sha256(p) for k, p in paths.items() if p is not None})
    inputs = ScheduleInputs(sc, agent_list, unav, prefs, req, checksums)
    validate_inputs(inputs)  # cross-file checks before any solving (wfm.validation)
    return inputs


def _service_cuts(inputs: ScheduleInputs, plan: Plan) -> tuple[np.ndarray, ...]:
    """Tangent lines of each interval's concave value curve, in model units (see models.aggregate)."""
    cfg = inputs.scenario.config
    tl = plan.timeline
    req = inputs.requirements
    t = tl.index(req["interval_start"])
    inside = (t >= 0) & (t < tl.n_intervals) & (req["contacts"].to_numpy() > 0)
    units = plan.objective_scale * cfg.objective.service_weight
    out: list[list[np.ndarray]] = [[], [], [], []]
    for q, name in enumerate(plan.queues):
        sel = inside & (req["queue"].to_numpy() == name)
        if not sel.any():
            continue
        targets = cfg.service.targets_for(name)
        contacts = req["contacts"].to_numpy(dtype=float)[sel]
        aht = req["aht_seconds"].to_numpy(dtype=float)[sel]
        cap = sum(len(m) for c, m in enumerate(plan.classes) if q in plan.class_queues[c])
        value = saturated_value_table(contacts, aht, tl.interval_min, targets, cap)
        cap = value.shape[1] - 1
        slope = np.diff(value, axis=1)  # [n, cap]
        k = np.arange(cap)
        # lost ≥ C − V(k) − s_k (n − k): keep a line per segment where the slope changes
        keep = np.ones_like(slope, dtype=bool)
        keep[:, 1:] = np.abs(np.diff(slope, axis=1)) > 1e-9
        keep &= slope * units >= 0.5
        rows, cols = np.nonzero(keep)
        const = contacts[rows] - value[rows, cols] + slope[rows, cols] * k[cols]
        out[0].append(np.full(len(rows), q))
        out[1].append(t[sel][rows])
        # rounded toward a weaker cut (constant down, slope up), so the LP stays a true lower bound
        out[2].append(np.floor(const * units).astype(np.int64))
        out[3].append(np.ceil(slope[rows, cols] * units).astype(np.int64))
    return tuple(np.concatenate(o) if o else np.zeros(0, dtype=np.int64) for o in out)


def solve_schedule(
    inputs: ScheduleInputs,
    options: ScheduleOptions = ScheduleOptions(),
    progress: Callable[[Progress], None] | None = None,
) -> ScheduleResult:
    """Solve the scenario; raise `InfeasibleError` (with reasons) when no roster can exist."""
    sc = inputs.scenario
    cfg = sc.config
    limit = options.time_limit_s or cfg.solver.time_limit_s
    workers = options.workers or cfg.solver.workers
    seed = cfg.solver.seed if options.seed is None else options.seed
    kind = options.objective or cfg.objective.kind
    if kind != cfg.objective.kind:  # solve, check and report the objective asked for
        cfg = cfg.model_copy(update={"objective": cfg.objective.model_copy(update={"kind": kind})})
        sc = Scenario(cfg, sc.path)
    t0 = time.perf_counter()
    log: list[str] = []
    best_bound: float | None = None

    def emit(stage: str, objective: float | None = None, message: str = "") -> None:
        log.append(f"{time.perf_counter() - t0:7.2f}s {stage}: {message}")
        if progress is not None:
            progress(Progress(stage, time.perf_counter() - t0, objective, best_bound, message))

    if kind == "service":
        cfg_no_cover = cfg.model_copy(update={"objective": cfg.objective.model_copy(
            update={"under_weight": 0.0, "over_weight": 0.0, "kind": "service"})})
        sc_solve = Scenario(cfg_no_cover, sc.path)
        plan0 = build_plan(sc_solve, inputs.agents, inputs.unavailability, inputs.requirements)
        plan = build_plan(sc_solve, inputs.agents, inputs.unavailability, inputs.requirements,
                          service_cuts=_service_cuts(inputs, plan0))  # type: ignore[arg-type]
    else:
        plan = build_plan(sc, inputs.agents, inputs.unavailability, inputs.requirements)
    p = plan.problem
    units = plan.objective_scale
    emit("plan", message=f"{p.n_options:,} shift options, {len(plan.classes)} agent classes, "
                         f"{len(plan.kinds)} shift kinds")

    hp = _coverage_weights(p) if kind == "service" else p  # the construction heuristics steer by coverage
    steer = _steering_plan(plan) if kind == "service" else plan  # and so do the roster's
    greedy_price = _greedy_budget_price(hp, plan.timeline.interval_min)

    # stages 2 and 3, first greedily (a roster within seconds), then with CP-SAT
    def roster(
        built: Any, use_cpsat: bool, time_s: float, deadline: float | None = None, quick: bool = False,
        start_passes: int = START_PASSES,
    ) -> Result:
        assigner = Assigner(sc, steer, inputs.agents, inputs.preferences, workers=workers, seed=seed,
                            deterministic=options.deterministic, stop=options.stop, use_cpsat=use_cpsat, quick=quick,
                            on_progress=lambda m: emit("assign", None, m), deadline=deadline)
        statuses = assigner.assign_days(built.shifts, time_s)
        assigned, unmatched, extra, dropped = assigner.assign_starts(slots_from_construction(plan, built))
        assigned = improve_starts(steer, assigned, assigner.rest, passes=1 if quick else start_passes,
                                  change_lengths=not quick, template_caps=bool(cfg.rules.max_shifts_per_template),
                                  day_rules=None if quick else cfg.rules,
                                  deadline=t0 + limit - AFTER_MARGIN * check_s - 0.01 * limit)
        trimmed = 0
        if cfg.rules.min_consecutive_days == 1 and cfg.rules.min_consecutive_days_off == 1:
            assigned, trimmed = trim_to_budget(steer, assigned)
        assigned = place_roster_breaks(steer, assigned)
        info = {"assignment_statuses": statuses, "unassigned_aggregate_shifts": unmatched,
                "added_shifts": extra, "dropped_days": dropped, "trimmed_for_budget": trimmed}
        return checked(assigned, info)

    check_s = 0.0  # seconds the last roster took from assigned shifts to its checked report

    def checked(assigned: list[AssignedShift], info: dict[str, Any]) -> Result:
        nonlocal check_s
        start = time.perf_counter()
        shifts = to_roster(sc, plan, inputs.agents, assigned)
        report = check_roster(sc, shifts, inputs.requirements, inputs.agents, inputs.unavailability,
                              inputs.preferences)
        check_s = time.perf_counter() - start
        return shifts, report, info, assigned

    # stage 1: the LP bound in a background thread (HiGHS releases the GIL), while a first roster is
    # built greedily from an aggregate constructed without it; then a roster from the LP's
    # aggregate, and CP-SAT's day assignment in the time left. An LP expected to take far longer than
    # its share is not started: it would hold a core and the stages after it for nothing.
    model, lay = aggregate.build(p)
    cost = np.concatenate(model.cost)
    lp_box: list[Any] = []
    lp_until = t0 + LP_SHARE * limit  # the LP's share counts from the start, not from its thread's
    # Under the service objective the LP takes each interval's value curve as segments (a matrix of
    # ±1), read back in the cut form: on the cuts, HiGHS's interior point method made no progress
    # (a 100-agent month at 30 minutes: unfinished after 300 s; as segments 13–15 s, a bound at least
    # as tight)
    service = p.cut_const is not None and len(p.cut_const) > 0
    lp_model = aggregate.build(p, service_segments=True)[0] if service else model
    lp_expected_s = expected_lp_seconds(lp_model)

    def solve_lp() -> None:
        lp = lp_relaxation(lp_model, max(1.0, lp_until - time.perf_counter()))
        if service and lp.solution is not None:
            lp = dataclasses.replace(lp, solution=aggregate.cut_form_vector(p, lay, model.n_vars, lp.solution))
        lp_box.append(lp)

    lp_thread = threading.Thread(target=solve_lp, daemon=True)
    lp_started = lp_expected_s <= LP_SKIP_FACTOR * LP_SHARE * limit
    if lp_started:
        lp_thread.start()
    else:
        emit("bound", message=f"LP relaxation not started: about {lp_expected_s:,.0f}s expected, "
                              f"{LP_SHARE * limit:,.0f}s available (--time-limit-s raises it)")

    def greedy(lp_shifts: np.ndarray | None) -> tuple[Any, float, Result, float]:
        """An aggregate built from `lp_shifts` (or from nothing) and its greedy roster; stage 2 may add
        shifts that agents' minimum hours need: if they break the budget, the aggregate is built
        again with that much of the budget held back, while another attempt fits in the time limit."""
        reserve = 0
        for _ in range(BUDGET_ATTEMPTS):
            t_attempt = time.perf_counter()
            hb = hp if hp.budget_min is None else dataclasses.replace(hp, budget_min=hp.budget_min - reserve)
            built = construct(hb, lp_shifts, budget_price=0.0 if lp_shifts is not None else greedy_price)
            agg = float(cost @ aggregate.full_vector(p, model, lay, built)) / units
            how = "greedily" if lp_shifts is None else "from the LP"
            emit("construct", agg, f"aggregate solution constructed {how}")
            t_roster = time.perf_counter()
            result = roster(built, False, 0.0, quick=lp_shifts is None)  # the first roster: fast
            after_s = time.perf_counter() - t_roster
            report = result[1]
            over_min = 0 if report.budget_hours is None else round(60 * (report.hours_used - report.budget_hours))
            now = time.perf_counter()
            if over_min <= 0 or now + (now - t_attempt) > t0 + limit:
                break
            reserve += over_min + round(0.002 * hp.budget_min)
        return built, agg, result, after_s

    def key(result: Result) -> tuple[int, float]:
        return len(result[1].violations), result[1].objective

    first_feasible_s: float | None = None

    def note_feasible(result: Result) -> None:
        nonlocal first_feasible_s
        if first_feasible_s is None and not result[1].violations:
            first_feasible_s = time.perf_counter() - t0

    built, agg_obj, best, after_s = greedy(None)
    note_feasible(best)
    emit("roster", best[1].objective, f"first roster: {len(best[0]):,} shifts, {_violation_counts(best[1])}")

    # HiGHS may overrun its time limit by seconds (the 300-agent 24x7 month's LP stopped 2.7 s late,
    # and the run ended at 62 s of 60): the main thread waits a second past the LP's share at most,
    # and still takes the bound if the LP finishes later
    if lp_started:
        lp_thread.join(max(0.0, lp_until + LP_GRACE_S - time.perf_counter()))
        lp = lp_box[0] if lp_box else LpBound(None, time.perf_counter() - t0, None)
        if lp.value is not None:
            best_bound = lp.value / units
        emit("bound", message=f"LP relaxation {'not finished' if best_bound is None else f'{best_bound:,.2f}'} "
                              f"in {lp.seconds:.1f}s")
    else:
        lp = LpBound(None, 0.0, None)
    lp_built = None
    if lp.solution is not None and not _stopped(options):
        built2, agg2, result2, after2 = greedy(lp.solution[lay.x])
        lp_built = built2
        if key(result2) < key(best):
            built, agg_obj, best, after_s = built2, agg2, result2, after2
        note_feasible(result2)
        emit("roster", best[1].objective, f"roster from the LP's aggregate: {len(result2[0]):,} shifts, "
                                          f"{len(result2[1].violations)} violations")
    deadline = t0 + limit - AFTER_MARGIN * after_s  # what the stages after the day assignment need
    wall_left = deadline - time.perf_counter()
    # CP-SAT's day assignment runs before the search on the roster when the time limit, less the
    # LP's forecast seconds, holds its deterministic budget (as seconds) and SEARCH_MIN_PASSES passes
    # of the search after it: the search's first passes gain the most (the 300-agent month, 60 s:
    # with the day assignment 15,681; without, 15,373; the bundled example 12,901 with it, 13,217
    # without; the 1,000-agent month 49,181 with it, 49,527 without). The plan counts on the
    # forecast, not the clock, so a result does not hang on how busy the machine was: measured on
    # the time left, the bundled example (its LP 4.9 s one day and 6.2 s the next) ran it one day
    # and not the next. Without the LP's solution the day assignment has the time left (the search,
    # around the roster's own options, gets what it leaves); it also runs whenever the greedy
    # rosters break a rule (minimum runs of days on or off, which only CP-SAT enforces in full).
    # `searching`: a search guided by the LP follows.
    searching = lp.solution is not None
    search_pass_s = SEARCH_SECONDS_EACH * plan.timeline.days / max(1, workers)
    day_assignment = (not searching or bool(best[1].violations)
                      or limit - lp_expected_s - DETERMINISTIC_SHARE * limit >= SEARCH_MIN_PASSES * search_pass_s)
    # CP-SAT's backstop (reached, a deterministic run no longer repeats): when the search follows, the
    # time it needs is kept from it — its share of the time left, at most SEARCH_PASSES passes (its
    # first passes gain the most; later ones, at larger budgets, take what is left) — else the whole
    # deadline. A 500-agent month's deterministic budget had run to the deadline and left the search
    # nothing (29,071 against 26,986 with it); held to half the time left, a 1,000-agent month's
    # search ended at 192 s of 300 (55,903 against 54,503 when CP-SAT had run longer).
    search_keep = min(CPSAT_SHARE * wall_left, SEARCH_PASSES * search_pass_s) if searching else 0.0
    cpsat_deadline = deadline - search_keep
    # deterministic: a budget that depends on no clock reading, so results repeat exactly
    budget = DETERMINISTIC_SHARE * limit if options.deterministic else cpsat_deadline - time.perf_counter()
    if day_assignment and min(budget, wall_left) > 1.0 and not _stopped(options):
        result2 = roster(built, True, budget, cpsat_deadline,
                         start_passes=START_PASSES if searching else FINAL_START_PASSES)
        better = key(result2) < key(best)
        if better:
            best = result2
        note_feasible(result2)
        emit("roster", result2[1].objective, f"CP-SAT roster: {len(result2[0]):,} shifts, "
                                             f"{result2[2]['unassigned_aggregate_shifts']} aggregate shifts "
                                             f"unassigned, {result2[2]['added_shifts']} added, "
                                             f"{_violation_counts(result2[1])}"
                                             f"{'' if better else ' (kept the better one before)'}")
    # the search on the best roster, the most promising days first, until the checker's share of
    # the time limit: the searched roster is checked and kept only if better, so part of a pass helps
    # Kept free after it: twice the checker's margin (handing the shifts back takes about as long
    # as checking them: 2.4 s after the search on the 1,000-agent month), a second (a neighbourhood's
    # model building may run past its solve's limit) and 1% of the limit for writing the outputs.
    # Without the LP (24x7 months) it searches around the roster's own options, in the time the day
    # assignment left: the 300-agent 24x7 month's roster 21,326 → 20,920 in a 24 s pass.
    search_until = t0 + limit - 2 * AFTER_MARGIN * check_s - SEARCH_SECONDS_EACH - 0.01 * limit

    def search(result: Result, label: str) -> tuple[Result, bool]:
        """The search on `result`'s roster, checked, and whether it ended by its own rule."""
        searched = improve_roster(
            plan, result[3], round(cfg.rules.min_rest_h * 60) // plan.timeline.interval_min, lp.solution,
            deadline=search_until, workers=workers, seed=seed, deterministic=options.deterministic,
            seconds_each=SEARCH_SECONDS_EACH, stop=lambda: _stopped(options),
            # around the roster's own options a shift can take only the lengths others work that
            # day: the 1,000-agent 24x7 month searched to its deadline (295 s) with the later
            # limits, for 39,208 against 39,188 at 145 s with the first one alone
            length_changes_min=LENGTH_CHANGES_MIN if searching else LENGTH_CHANGES_MIN[:1],
            on_pass=lambda k, obj: emit("search", obj / units, f"{label} pass {k}"))
        converged = time.perf_counter() < search_until and not _stopped(options)
        return checked(searched, {**result[2], "roster_search": True}), converged

    def keep(result2: Result, what: str) -> bool:
        """Keep `result2` if better than the best so far; whether it was."""
        nonlocal best
        better = key(result2) < key(best)
        if better:
            best = result2
        emit("roster", result2[1].objective, f"{what}{'' if better else ' (kept the one before)'}")
        return better

    converged = False
    if not _stopped(options) and search_until - time.perf_counter() >= 2 * SEARCH_SECONDS_EACH:
        searched, converged = search(best, "roster search")
        keep(searched, "searched roster")
    # When the search ended by its own rule with time left (small instances: the 30-agent week's
    # ends at 13 s of 60), the aggregate is searched before any agent is named, from the LP's
    # rounding and around the LP's support, day by day; that aggregate is named and searched in turn,
    # and while a round finds a better roster and ends by its own rule, the next starts from the best
    # roster's aggregate. Named agents hold each day's shifts to their own weeks, so the roster search
    # cannot reach what the aggregate's can (the 30-agent week at 60 s: 497.75; one round 427.0, two
    # 408.25). On large months the search runs to its deadline and this never starts: there,
    # searching the aggregate first left the roster search too little time (the 300-agent month
    # 15,640 against 15,386; "How it solves" in docs/schedule.md). A round needs the time left to
    # hold two passes of the search: the bundled example's month, its search ended at 40 s of 60,
    # got one pass of the aggregate's and kept its roster (12,891.5; searched aggregate named and
    # searched 12,977), at 58 s instead of 40.
    start_from, rounds = lp_built, 0
    round_s = SEARCH_MIN_PASSES * search_pass_s
    while converged and start_from is not None and search_until - time.perf_counter() >= round_s:
        rounds += 1
        converged = False
        aggregate_until = time.perf_counter() + AGGREGATE_SEARCH_SHARE * (search_until - time.perf_counter())
        a_m, lo_m, hi_m, lb_m, ub_m = model.matrix()[:5]
        found = lns.improve(a_m, lo_m, hi_m, lb_m, ub_m, cost, aggregate.full_vector(p, model, lay, start_from),
                            aggregate.day_neighbourhoods(p, lay, cost, lp.solution), deadline=aggregate_until,
                            seconds_each=SEARCH_SECONDS_EACH, workers=workers, seed=seed,
                            deterministic=options.deterministic, min_gain=MIN_AGGREGATE_GAIN,
                            on_pass=lambda k, obj: emit("search", obj / units, f"aggregate search pass {k}"),
                            stop=lambda: _stopped(options))
        named = roster(aggregate.decode(p, lay, found.vector), False, 0.0)
        improved = keep(named, f"roster from the searched aggregate: {len(named[0]):,} shifts")
        if not _stopped(options) and search_until - time.perf_counter() >= 2 * SEARCH_SECONDS_EACH:
            searched, converged = search(named, "roster search (searched aggregate)")
            improved = keep(searched, "searched roster (searched aggregate)") or improved
        converged = converged and improved  # again from the best roster's aggregate, while that gains
        start_from = construction_of(plan, best[3])
    if lp.value is None and lp_box and lp_box[0].value is not None:  # the LP finished after all
        lp = lp_box[0]
        best_bound = lp.value / units
    shifts, report, info, _ = best
    solve_s = time.perf_counter() - t0
    objective = report.objective
    gap = None if best_bound is None or objective <= 0 else max(0.0, (objective - best_bound) / objective)
    interrupted = _stopped(options)
    if report.violations:
        status = "timeout"
    elif gap is not None and gap <= 1e-9:
        status = "optimal"
    else:
        status = "feasible"
    summary = {
        "status": status,
        "interrupted": interrupted,
        "objective_kind": kind,
        "objective": objective,
        "objective_terms": report.objective_terms,
        "best_bound": best_bound,
        "gap": gap,
        "solve_seconds": round(solve_s, 3),
        "first_feasible_seconds": None if first_feasible_s is None else round(first_feasible_s, 3),
        "hours_used": report.hours_used,
        "hours_counted_on": report.hours_counted_on,
        "budget_hours": report.budget_hours,
        "projected_service_level": report.projected_service_level,
        "service_level_by_day": report.service_level_by_day,
        "under_agent_hours": report.under_agent_hours,
        "over_agent_hours": report.over_agent_hours,
        "violations": report.to_dict()["violations"],
        "fairness": report.fairness,
        "interval_min": cfg.horizon.interval_min,
        "shifts": len(shifts),
        "agents": len(inputs.agents),
        "stages": {
            "aggregate_options": int(p.n_options),
            "lp_bound": None if lp.value is None else lp.value / units,
            "lp_seconds": round(lp.seconds, 3),
            "lp_expected_seconds": round(lp_expected_s, 1),
            "aggregate_objective": agg_obj,
            **info,
            "aggregate_search_rounds": rounds,
        },
        "parameters": {"time_limit_s": limit, "workers": workers, "seed": seed,
                       "deterministic": options.deterministic},
        "input_checksums": inputs.checksums,
        "versions": _versions(),
    }
    emit("done", objective, f"status {status}")
    return ScheduleResult(shifts, report, summary, scenario_max_breaks(sc), log)


def _violation_counts(report: CheckReport) -> str:
    """"0 violations", or how many of each rule ("3 violations: min-hours-week 3")."""
    if not report.violations:
        return "0 violations"
    counts: dict[str, int] = {}
    for v in report.violations:
        counts[v.rule] = counts.get(v.rule, 0) + 1
    return f"{len(report.violations)} violations: " + ", ".join(f"{r} {n}" for r, n in sorted(counts.items()))


def _stopped(options: ScheduleOptions) -> bool:
    return options.stop is not None and options.stop.is_set()


def _greedy_budget_price(p: aggregate.AggregateProblem, interval_min: int) -> float:
    """The price per budget minute (model units) for the aggregate built without the LP: a share of
    the under-staffing weight when the budget binds — when covering every required agent-interval,
    at the shift options' average budget minutes per minute on the phone, would take more than it —
    and 0 otherwise."""
    if p.budget_min is None:
        return 0.0
    on_phone_min = int(((p.opt_length - p.option_break_intervals) * interval_min).sum())
    budget_per_phone_min = float(p.opt_budget_min.sum()) / max(on_phone_min, 1)
    needed_min = float(p.required.sum()) * interval_min * budget_per_phone_min
    return GREEDY_BUDGET_PRICE * p.under_weight / interval_min if p.budget_min < needed_min else 0.0


def _steering_plan(plan: Plan) -> Plan:
    """The plan the roster's heuristics (day assignment, start search, budget trim, break placement)
    see under the service objective: its own weights are 0 (the service cuts carry the objective),
    which left them blind — a 300-agent service month's roster from the LP's aggregate left 736 of
    its shifts unassigned and 1,443 budget hours unspent (50,922 against the aggregate's 35,792). So
    they steer by shortfall (10 per agent-hour short) and, as more agents on the phone always
    answer more contacts in time, nothing for excess: with the coverage objective's 1 per
    agent-hour, the start search shortened shifts wherever staff exceeded the requirement, and the
    24/7 test fixture's service week, its budget loose, kept 7.5 of 49 hours (objective 8.0, not 3.0)."""
    return dataclasses.replace(plan, problem=dataclasses.replace(
        _coverage_weights(plan.problem), over_weight=0))


def _coverage_weights(p: aggregate.AggregateProblem) -> aggregate.AggregateProblem:
    """The problem the construction heuristics see under the service objective: the default
    coverage weights (10 per agent-hour short, 1 in excess) instead of the service cuts."""
    return dataclasses.replace(
        p, under_weight=scale(10.0, WEIGHT_DECIMALS), over_weight=scale(1.0, WEIGHT_DECIMALS),
        cut_queue=None, cut_interval=None, cut_const=None, cut_slope=None,
    )


def to_roster(
    sc: Scenario, plan: Plan, agents: list[Agent], assigned: list[AssignedShift]
) -> list[RosterShift]:
    """Assigned shifts (interval indices) → roster shifts (local date-times, break names, paid hours)."""
    p, tl = plan.problem, plan.timeline
    templates = sc.config.shift_templates
    out = []
    for s in assigned:
        j = s.option
        tpl = templates[int(p.opt_template[j])]
        start = tl.at(int(p.opt_start[j]))
        end = tl.at(int(p.opt_start[j] + p.opt_length[j]))
        names = applicable_breaks(tpl, int(p.opt_length[j]) * tl.interval_min)
        brks = tuple(
            Break(b.name, tl.at(bs), tl.at(bs + b.duration_min // tl.interval_min))
            for b, bs in zip(names, s.break_starts, strict=False)
        )
        out.append(RosterShift(
            agent_id=agents[s.agent].agent_id, date=tl.date(s.day), queue=plan.queues[int(p.opt_queue[j])],
            template=tpl.name, start=start, end=end, breaks=brks,
            paid_hours=round(paid_hours(start, end, brks, tpl), 2),
        ))
    return out


def _versions() -> dict[str, str]:
    import ortools
    import scipy

    return {"wfm": __version__, "python": platform.python_version(), "ortools": ortools.__version__,
            "numpy": np.__version__, "pandas": pd.__version__, "scipy": scipy.__version__}


def write_schedule_files(folder: str | Path, result: ScheduleResult) -> None:
    """Write roster.csv, coverage.csv and summary.json into an existing `folder` (each file atomically)."""
    folder = Path(folder)
    write_roster(folder / "roster.csv", result.shifts, result.max_breaks)
    write_csv(folder / "coverage.csv", result.report.coverage, float_format="%.6g")
    write_json(folder / "summary.json", result.summary)


def write_schedule(out_dir: str | Path, result: ScheduleResult) -> None:
    """Write the schedule's files into `out_dir`, replacing the folder whole and atomically."""
    with atomic_directory(out_dir) as tmp:
        write_schedule_files(tmp, result)
