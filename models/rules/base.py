"""What a week rule gives the stages (see `models.rules`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WeekShifts:
    """An agent's shifts of one week: start and end of each, minutes from its own day's midnight."""

    start_min: np.ndarray
    end_min: np.ndarray

    @staticmethod
    def of(starts: list[int] | np.ndarray, ends: list[int] | np.ndarray) -> WeekShifts:
        return WeekShifts(np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64))

    def without(self, i: int) -> WeekShifts:
        keep = np.arange(len(self.start_min)) != i
        return WeekShifts(self.start_min[keep], self.end_min[keep])


@dataclass(frozen=True)
class OptionRows:
    """Rows Σ_i coef[i] · x[option[i]] ≤ rhs[row[i]] over the aggregate's shift options."""

    row: np.ndarray
    option: np.ndarray
    coef: np.ndarray
    rhs: np.ndarray

    @staticmethod
    def concat(parts: list[OptionRows]) -> OptionRows | None:
        if not parts:
            return None
        offsets = np.cumsum([0] + [len(p.rhs) for p in parts[:-1]])
        return OptionRows(
            np.concatenate([p.row + o for p, o in zip(parts, offsets, strict=True)]),
            np.concatenate([p.option for p in parts]),
            np.concatenate([p.coef for p in parts]),
            np.concatenate([p.rhs for p in parts]),
        )


class WeekRule(ABC):
    """A rule on one agent's shifts within a week (see `models.rules` for the hooks' contract)."""

    name: str  # the checker's rule name (a class attribute)

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: Mapping[str, object]) -> WeekRule | None:
        """The rule as the scenario's `[rules]` (plain values, with `late_from_min`) sets it, or None."""

    def aggregate_rows(
        self,
        opt_class: np.ndarray,
        opt_week: np.ndarray,
        opt_start_min: np.ndarray,
        opt_end_min: np.ndarray,
        class_size: np.ndarray,
    ) -> OptionRows | None:
        """Rows the aggregate model may add (a relaxation for each class of `class_size` agents)."""
        return None

    def search_band_min(self) -> int | None:
        """Start bands (minutes) the roster search should split kinds by for this rule, or None: with
        kinds spanning more start times than the rule lets one agent's week hold, no kind would be
        jointly allowed and the search could move nothing."""
        return None

    @abstractmethod
    def allows(
        self, start_min: np.ndarray, end_min: np.ndarray, others: WeekShifts, ahead: Sequence[WeekShifts] = ()
    ) -> np.ndarray:
        """Which candidate shifts keep the rule beside the agent's `others` of the week, and leave each
        day still to be placed (`ahead`: each one's candidate shifts) a choice that keeps it too."""

    @abstractmethod
    def allows_jointly(self, start_min: np.ndarray, end_min: np.ndarray, own: int, week: WeekShifts) -> np.ndarray:
        """Which candidates for shift `own` of `week` keep the rule whatever the week's other shifts
        take among the candidates this method allows them."""
