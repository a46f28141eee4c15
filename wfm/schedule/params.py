"""Every tuning constant of the solve, in one dataclass that the scenario's `[solver.tuning]` overrides.

Shares are fractions of the time limit (or of the time left, where said); seconds are wall-clock
seconds; gains are fractions of the objective. Why each default is what it is — the measurements —
is told in docs/schedule.md ("How it solves" and "What the gap is made of").
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wfm.errors import InputError


@dataclass(frozen=True)
class SolverParams:
    """The solve's tuning, stage by stage (see the stage list in `wfm.schedule`)."""

    # stage 1, the bound: the LP runs beside the first roster, in a thread
    lp_share: float = 0.75  # of the limit, at most, counted from the start
    lp_grace_s: float = 1.0  # seconds the solve waits for the LP past its share
    lp_skip_factor: float = 2.0  # not started when forecast at more than this × its share
    lean_share: float = 1 / 3  # of the limit: the lean relaxation's, in place of an LP not started
    # stages 1–2, constructions: aggregates rebuilt with budget held back when naming overspends it
    budget_attempts: int = 3
    greedy_budget_price: float = 0.5  # × under-staffing's price per budget minute, when the budget binds
    # stage 2, CP-SAT's day assignment
    deterministic_share: float = 0.35  # of the limit, as CP-SAT deterministic time
    cpsat_share: float = 0.5  # of the time left, at most, kept for the search when CP-SAT runs first
    after_margin: float = 1.5  # × the seconds the stages after CP-SAT took, kept free after it
    # stage 3, start times: passes of the start search before a search follows, and with none after
    start_passes: int = 2
    final_start_passes: int = 6
    # stage 4, the roster search
    search_seconds_each: float = 1.0  # per day neighbourhood
    search_passes: int = 3  # passes kept free after CP-SAT's day assignment, at most
    search_min_passes: int = 2  # passes the time left must hold for the day assignment to run first
    length_changes_min: tuple[int | None, ...] = (60, None)  # phases' length changes (None: any length)
    held_passes: int = 1  # passes with every shift's kind held, before lengths may change
    escalate_gain: float = 0.01  # a pass gaining less doubles the day budget and widens the lengths
    min_search_gain: float = 0.001  # at the widest phase, the search ends when a budget gains less
    max_budget: int = 8  # the most a day's solve gets, in multiples of search_seconds_each
    # repeatable runs: the wall-clock backstop, × the time limit (a run that reaches it says so)
    repeatable_backstop: float = 4.0
    # stage 5, rounds of aggregate search when the roster search ends early
    aggregate_search_share: float = 0.5  # of the time left
    min_aggregate_gain: float = 0.001

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            values = value if isinstance(value, tuple) else (value,)
            for v in values:
                if v is not None and (isinstance(v, bool) or not math.isfinite(v) or v < 0):
                    raise ValueError(f"{f.name} must be a finite number >= 0, not {v!r}")
        for name in ("lp_share", "lean_share", "deterministic_share", "cpsat_share", "aggregate_search_share"):
            if getattr(self, name) > 1:
                raise ValueError(f"{name} is a share of the time: at most 1")
        if not self.length_changes_min:
            raise ValueError("length_changes_min needs at least one phase")

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, Any], *, path: Any = None) -> SolverParams:
        """The defaults with `overrides` (the scenario's `[solver.tuning]`) applied; `InputError`
        names the key of an unknown or invalid value."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for key, value in overrides.items():
            if key not in known:
                raise InputError(
                    f"key 'solver.tuning.{key}': unknown; known keys: {', '.join(sorted(known))}", path=path
                )
            default = getattr(cls, key)
            if isinstance(default, tuple):
                value = tuple(value) if isinstance(value, list) else value
            elif isinstance(default, int) and not (isinstance(value, int) and not isinstance(value, bool)):
                raise InputError(f"key 'solver.tuning.{key}': must be a whole number", path=path)
            values[key] = value
        try:
            return cls(**values)
        except (ValueError, TypeError) as exc:
            raise InputError(f"key 'solver.tuning': {exc}", path=path) from exc
