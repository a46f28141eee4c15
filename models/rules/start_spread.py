"""An agent's shift starts within one ISO week differ by at most M minutes (`[rules] start_time_spread_min`).

No aggregate row (the aggregate does not know which agent works which start).
One at a time: a candidate's start lies within M of every other start of the week, and a window of
width M holding them still meets each day still to be placed: with a_f..b_f the starts day f may
take, max(others ∪ {a_f}) − M ≤ start ≤ min(others ∪ {b_f}) + M.
Jointly: every shift of the week stays inside one fixed window of width M around the week's present
starts (centred on them), so any choice of candidates inside it keeps the rule; the roster search
splits kinds into start bands of M/2 (`search_band_min`), so some band always fits the window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from models.rules.base import WeekRule, WeekShifts


@dataclass(frozen=True)
class StartTimeSpread(WeekRule):
    spread_min: int
    name: ClassVar[str] = "start-time-spread-week"

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> StartTimeSpread | None:
        m = settings.get("start_time_spread_min")
        return None if m is None else cls(int(m))  # type: ignore[call-overload]

    def search_band_min(self) -> int | None:
        return max(1, self.spread_min // 2)  # half the window: some band always fits inside it

    def allows(
        self, start_min: np.ndarray, end_min: np.ndarray, others: WeekShifts, ahead: Sequence[WeekShifts] = ()
    ) -> np.ndarray:
        start_min = np.asarray(start_min)
        earliest = [int(day.start_min.min()) for day in ahead if len(day.start_min)]
        latest = [int(day.start_min.max()) for day in ahead if len(day.start_min)]
        if not len(others.start_min) and not earliest:
            return np.ones(len(start_min), dtype=bool)
        lo = max([*others.start_min.tolist(), *earliest]) - self.spread_min
        hi = min([*others.start_min.tolist(), *latest]) + self.spread_min
        return (start_min >= lo) & (start_min <= hi)

    def allows_jointly(self, start_min: np.ndarray, end_min: np.ndarray, own: int, week: WeekShifts) -> np.ndarray:
        start_min = np.asarray(start_min)
        first, last = int(week.start_min.min()), int(week.start_min.max())
        lo = first - max(0, self.spread_min - (last - first)) // 2
        return (start_min >= lo) & (start_min <= lo + self.spread_min)
