"""The aggregate problem (stage 1's input): shift options, requirements and the class-level limits.

Its formulation is in `models.aggregate`; `models.construct` builds integer solutions of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
    # the week rules' rows (`models.rules`), the same triplets over options: Σ coef·x ≤ rhs
    option_rows: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
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
