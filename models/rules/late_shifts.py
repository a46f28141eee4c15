"""At most N late shifts per agent and ISO week (`[rules] max_late_shifts_week`).

A shift is late when it ends at or after `late_from_min` (minutes after midnight) or on a later day.
Aggregate (class c of n_c agents, week w): Σ_{late options j of c in w} x_j ≤ N · n_c.
One at a time: a late candidate needs fewer than N late shifts among the others and the days still
to be placed that have no candidate but late ones.
Jointly: a shift that is late may stay late or not; one that is not may become late only if the
week would hold N even were every shift of it late; otherwise it takes only candidates that are not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from models.rules.base import OptionRows, WeekRule, WeekShifts


@dataclass(frozen=True)
class MaxLateShifts(WeekRule):
    max_per_week: int
    late_from_min: int
    name: ClassVar[str] = "max-late-shifts-week"

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> MaxLateShifts | None:
        n = settings.get("max_late_shifts_week")
        return None if n is None else cls(int(n), int(settings["late_from_min"]))  # type: ignore[call-overload]

    def late(self, end_min: np.ndarray) -> np.ndarray:
        return np.asarray(end_min) >= min(self.late_from_min, 1440)

    def aggregate_rows(
        self,
        opt_class: np.ndarray,
        opt_week: np.ndarray,
        opt_start_min: np.ndarray,
        opt_end_min: np.ndarray,
        class_size: np.ndarray,
    ) -> OptionRows | None:
        late = np.flatnonzero(self.late(opt_end_min))
        if len(late) == 0:
            return None
        n_weeks = int(opt_week.max(initial=0)) + 1
        keys, row = np.unique(opt_class[late] * n_weeks + opt_week[late], return_inverse=True)
        rhs = self.max_per_week * class_size[keys // n_weeks]
        return OptionRows(
            row.astype(np.int64), late.astype(np.int64), np.ones(len(late), dtype=np.int64), rhs.astype(np.int64)
        )

    def allows(
        self, start_min: np.ndarray, end_min: np.ndarray, others: WeekShifts, ahead: Sequence[WeekShifts] = ()
    ) -> np.ndarray:
        forced = sum(1 for day in ahead if len(day.end_min) and self.late(day.end_min).all())
        if int(self.late(others.end_min).sum()) + forced < self.max_per_week:
            return np.ones(len(end_min), dtype=bool)
        return ~self.late(end_min)

    def allows_jointly(self, start_min: np.ndarray, end_min: np.ndarray, own: int, week: WeekShifts) -> np.ndarray:
        if self.late(week.end_min[own : own + 1])[0] or len(week.end_min) <= self.max_per_week:
            return np.ones(len(end_min), dtype=bool)
        return ~self.late(end_min)
