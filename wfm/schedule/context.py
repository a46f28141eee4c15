"""One solve's fixed problem, clock and shared facts: what every stage reads.

The `Solve` is made once, before the first stage: the scenario translated into the aggregate
problem (`wfm.planning`), the views the heuristics steer by, and the LP bound started in a thread.
Stages read it and report through it; what they hand on to each other is a `Candidate`.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models import aggregate, lean_bound, lean_guide
from models.linear import LpBound, SparseModel, expected_lp_seconds, lp_relaxation
from wfm.continuity import history_of
from wfm.planning import Plan, build_plan
from wfm.scenario import Scenario
from wfm.schedule.candidate import Candidate
from wfm.schedule.inputs import ScheduleInputs
from wfm.schedule.options import Progress, ScheduleOptions
from wfm.schedule.params import SolverParams
from wfm.schedule.service import coverage_weights, service_cuts, steering_plan

LEAN_BLOCK_HOURS = (0, 1, 2)  # the lean relaxation's forms, finest first: coverage per interval, hour, 2 h


@dataclass
class Solve:
    """A solve in progress. Fixed once made: the inputs, the scenario (with the objective asked
    for), `params`, `limit` (s), `workers`, `seed`, the `plan`, the heuristics' views (`steer` for
    naming agents, `construction` for building aggregates), the aggregate `model` with its layout and
    cost. Shared facts the stages add: the LP's result, the best bound, the seconds the last check
    took, when the first rule-keeping roster appeared, the aggregate named from the LP, and whether
    the last roster search ended by its own rule."""

    inputs: ScheduleInputs
    scenario: Scenario
    options: ScheduleOptions
    params: SolverParams
    limit: float
    workers: int
    seed: int
    kind: str
    plan: Plan
    steer: Plan
    construction: aggregate.AggregateProblem
    model: SparseModel
    lay: Any
    cost: np.ndarray
    t0: float
    progress: Callable[[Progress], None] | None = None
    log: list[str] = field(default_factory=list)
    best_bound: float | None = None
    lp: LpBound = field(default_factory=lambda: LpBound(None, 0.0, None))
    lp_expected_s: float = 0.0
    lp_started: bool = False
    lean: str = ""  # the lean relaxation's form when it is the bound (`models.lean_bound`): no LP started
    # what the stages round and search around: the LP's solution or, with no LP started, the lean
    # guide's shifts (`models.lean_guide`) in the model's columns; the forecast seconds until it is there
    guide: np.ndarray | None = None
    guide_expected_s: float = 0.0
    guide_seconds: float | None = None  # the lean guide's, when it ran and finished
    check_s: float = 0.0
    first_feasible_s: float | None = None
    lp_built: Any = None
    search_until: float = 0.0
    repeatable: bool = False  # the limit is a work budget: no decision reads the clock
    search_passes_left: int = 0  # repeatable runs: passes of the roster search the budget still holds
    day_assignment_ran: bool = False
    search_converged: bool = False
    aggregate_rounds: int = 0
    given: list[Any] = field(default_factory=list)  # the given roster in plan indices (`wfm replan`)
    given_candidate: Candidate | None = None  # and checked
    _lp_box: list[LpBound] = field(default_factory=list)
    _lp_thread: threading.Thread | None = None
    _guide_box: list[np.ndarray | None] = field(default_factory=list)
    _guide_ready: threading.Event = field(default_factory=threading.Event)

    @property
    def units(self) -> int:
        """Model units per objective unit."""
        return self.plan.objective_scale

    @property
    def deterministic(self) -> bool:
        return self.options.deterministic

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def clock(self, deadline: float) -> float:
        """`deadline`, or in a repeatable run the wall-clock backstop (`repeatable_backstop` × the limit)."""
        return self.t0 + self.params.repeatable_backstop * self.limit if self.repeatable else deadline

    def left(self, until: float) -> float:
        """Seconds left until `until`; in a repeatable run, as if none had passed (decisions on work only)."""
        return until - (self.t0 if self.repeatable else time.perf_counter())

    def backstop_reached(self) -> bool:
        return self.repeatable and self.elapsed() >= self.params.repeatable_backstop * self.limit

    def stopped(self) -> bool:
        return self.options.stop is not None and self.options.stop.is_set()

    def emit(self, stage: str, objective: float | None = None, message: str = "") -> None:
        self.log.append(f"{self.elapsed():7.2f}s {stage}: {message}")
        if self.progress is not None:
            self.progress(Progress(stage, self.elapsed(), objective, self.best_bound, message))

    def note(self, candidate: Candidate) -> None:
        """Record when the first roster keeping every rule appeared."""
        if self.first_feasible_s is None and not candidate.report.violations:
            self.first_feasible_s = self.elapsed()

    def keep(self, best: Candidate | None, candidate: Candidate, what: str) -> Candidate:
        """The better of `best` and `candidate`, reported as `what`."""
        self.note(candidate)
        better = candidate.better_than(best)
        self.emit("roster", candidate.report.objective, f"{what}{'' if better else ' (kept the one before)'}")
        return candidate if better or best is None else best

    # ---- the LP bound, in a thread from the start ----------------------------------------------
    def start_bound(self) -> None:
        """Start the LP relaxation in a background thread (HiGHS releases the GIL), unless it is
        forecast to take more than `lp_skip_factor` × its share of the limit: then it would hold a
        core and the stages after it for nothing. Under the service objective the LP takes each
        interval's value curve as segments, read back in the cut form (docs/schedule.md)."""
        p, prm = self.plan.problem, self.params
        service = p.cut_const is not None and len(p.cut_const) > 0
        lp_model = aggregate.build(p, service_segments=True)[0] if service else self.model
        self.lp_expected_s = expected_lp_seconds(lp_model)
        until = self.clock(self.t0 + prm.lp_share * self.limit)

        def run() -> None:
            lp = lp_relaxation(lp_model, max(1.0, until - time.perf_counter()))
            if service and lp.solution is not None:
                solution = aggregate.cut_form_vector(p, self.lay, self.model.n_vars, lp.solution)
                lp = dataclasses.replace(lp, solution=solution)
            self._lp_box.append(lp)

        self.lp_started = self.lp_expected_s <= prm.lp_skip_factor * prm.lp_share * self.limit
        self.guide_expected_s = self.lp_expected_s
        if self.lp_started:
            self._lp_thread = threading.Thread(target=run, daemon=True)
            self._lp_thread.start()
        else:
            self.emit(
                "bound",
                message=f"LP relaxation not started: about {self.lp_expected_s:,.0f}s expected, "
                f"{prm.lp_share * self.limit:,.0f}s available (--time-limit-s raises it)",
            )
            self._start_lean_bound()

    def _start_lean_bound(self) -> None:
        """In place of an LP forecast too slow, in one thread: first the lean guide
        (`models.lean_guide`: the shifts the stages round and search around), then the lean relaxation
        (`models.lean_bound`), a weaker but true bound in the same units, in the finest form (coverage
        per interval, per hour, per two hours) whose forecast fits `lean_share` of the limit; both cut at
        the LP's share (beside the stages they run slower than alone), built in the thread too, so the
        first roster does not wait."""
        prm, p = self.params, self.plan.problem
        share_s = prm.lean_share * self.limit
        until = self.clock(self.t0 + prm.lp_share * self.limit)  # chosen to fit its share, cut at the LP's
        forms = (0,) if p.cut_const is not None and len(p.cut_const) > 0 else LEAN_BLOCK_HOURS

        def guide() -> None:
            weeks = lean_guide.build_weeks(p)
            self.guide_expected_s = lean_guide.expected_seconds(weeks)  # a forecast: read by repeatable runs
            started = time.perf_counter()
            shifts = None
            if self.guide_expected_s <= prm.lp_share * self.limit:
                shifts = lean_guide.guide_shifts(p.n_options, weeks, max(1.0, until - started))
            if shifts is not None:
                self.guide_seconds = time.perf_counter() - started
                self._guide_box.append(np.concatenate([shifts, np.zeros(self.model.n_vars - len(shifts))]))

        def run() -> None:
            try:
                guide()
            finally:
                self._guide_ready.set()
            chosen = None  # coarsest first, while the forecast fits: the finer forms take longer to build too
            for hours in forms[::-1]:
                model = lean_bound.build(p, service_segments=True, block_hours=hours)[0]
                expected = lean_bound.expected_seconds(model, hours)
                if chosen is not None and expected > share_s:
                    break
                chosen = (hours, model, expected)
            assert chosen is not None
            hours, lean_model, expected_s = chosen
            self.lean = f"coverage per {'interval' if hours == 0 else f'{hours} h'}"
            if expected_s > prm.lp_skip_factor * share_s:
                self.lean += f", not started: about {expected_s:,.0f}s expected"
                self.lp_started = False
                self._lp_box.append(LpBound(None, 0.0, None))
                return
            self._lp_box.append(lean_bound.solve_bound(lean_model, max(1.0, until - time.perf_counter())))

        self.lean = "starting"
        self.lp_started = True
        self.emit("bound", message="lean guide and lean relaxation started in place of the LP (docs/schedule.md)")
        self._lp_thread = threading.Thread(target=run, daemon=True)
        self._lp_thread.start()

    def await_bound(self) -> None:
        """Wait for the LP (or, in its place, the lean guide) until the LP's share of the limit plus
        `lp_grace_s` (HiGHS may overrun its own limit by seconds); take the LP's bound, and what the
        stages steer by (`guide`)."""
        if self._lp_thread is None:
            return
        until = self.clock(self.t0 + self.params.lp_share * self.limit + self.params.lp_grace_s)
        if self.lean:  # the lean relaxation's bound is taken at the end (`late_bound`)
            self._guide_ready.wait(max(0.0, until - time.perf_counter()))
            self.guide = self._guide_box[0] if self._guide_box else None
            shown = "none" if self.guide_seconds is None else f"in {self.guide_seconds:.1f}s"
            self.emit("bound", message=f"lean guide (pinned breaks, week by week; not a bound): {shown}")
            return
        self._lp_thread.join(max(0.0, until - time.perf_counter()))
        self._take_bound()
        self.guide = self.lp.solution

    def _take_bound(self) -> None:
        self.lp = self._lp_box[0] if self._lp_box else LpBound(None, self.elapsed(), None)
        if self.lp.value is not None:
            self.best_bound = self.lp.value / self.units
        shown = "not finished" if self.best_bound is None else f"{self.best_bound:,.2f}"
        shown = "none" if self.lean and not self.lp_started else shown
        what = f"lean relaxation ({self.lean}; weaker than the LP, a true bound)" if self.lean else "LP relaxation"
        self.emit("bound", message=f"{what} {shown} in {self.lp.seconds:.1f}s")

    def late_bound(self) -> None:
        """Take the LP's bound if it finished after the solve stopped waiting for it; the lean
        relaxation's is waited for until the LP's share of the limit plus `lp_grace_s`."""
        if self.lean and self._lp_thread is not None and self.lp.value is None:
            until = self.clock(self.t0 + self.params.lp_share * self.limit + self.params.lp_grace_s)
            self._lp_thread.join(max(0.0, until - time.perf_counter()))
            self._take_bound()
        elif self.lp.value is None and self._lp_box and self._lp_box[0].value is not None:
            self.lp = self._lp_box[0]
            self.best_bound = self.lp.value / self.units


def start_solve(inputs: ScheduleInputs, options: ScheduleOptions, progress: Callable[[Progress], None] | None) -> Solve:
    """Translate the scenario into the aggregate problem and start the bound: the solve's context."""
    sc = inputs.scenario
    cfg = sc.config
    params = SolverParams.from_overrides(cfg.solver.tuning, path=sc.path)
    kind = options.objective or cfg.objective.kind
    if kind != cfg.objective.kind:  # solve, check and report the objective asked for
        cfg = cfg.model_copy(update={"objective": cfg.objective.model_copy(update={"kind": kind})})
        sc = Scenario(cfg, sc.path)
    t0 = time.perf_counter()
    history = history_of(sc, inputs.agents, inputs.previous, inputs.unavailability)
    plan_of = functools.partial(
        build_plan,
        agents=inputs.agents,
        unavailability=inputs.unavailability,
        requirements=inputs.requirements,
        history=history,
        locked=inputs.locked,
    )
    if kind == "service":  # the cuts carry the objective; the coverage weights are 0
        no_cover = cfg.objective.model_copy(update={"under_weight": 0.0, "over_weight": 0.0, "kind": "service"})
        sc_solve = Scenario(cfg.model_copy(update={"objective": no_cover}), sc.path)
        plan = plan_of(sc_solve, service_cuts=service_cuts(inputs, plan_of(sc_solve)))
    else:
        plan = plan_of(sc)
    model, lay = aggregate.build(plan.problem)
    solve = Solve(
        inputs=inputs,
        scenario=sc,
        options=options,
        params=params,
        limit=options.time_limit_s or cfg.solver.time_limit_s,
        repeatable=cfg.solver.repeatable if options.repeatable is None else options.repeatable,
        workers=options.workers or cfg.solver.workers,
        seed=cfg.solver.seed if options.seed is None else options.seed,
        kind=kind,
        plan=plan,
        steer=steering_plan(plan) if kind == "service" else plan,
        construction=coverage_weights(plan.problem) if kind == "service" else plan.problem,
        model=model,
        lay=lay,
        cost=np.concatenate(model.cost),
        t0=t0,
        progress=progress,
    )
    p = plan.problem
    solve.emit(
        "plan",
        message=f"{p.n_options:,} shift options, {len(plan.classes)} agent classes, {len(plan.kinds)} shift kinds",
    )
    solve.start_bound()
    return solve
