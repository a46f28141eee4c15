"""The least budget that holds a target service level: bracketed by the grid, refined by k-section.

Each budget tried gives two answers: does a real roster (checked) hold the target, and does the
relaxation's upper bound (`wfm.frontier.bound`)? A bound under the target proves that no roster can
hold it at that budget; a roster that holds it proves the budget enough. The least budget is then
bracketed between the largest budget known short (by the bound, or by the best roster found) and
the smallest whose roster holds the target; each round tries `parallel` budgets evenly inside the
bracket (bisection for one) until it is within `tolerance` of its upper end or the time is spent.
The rosters are heuristic, so a roster short of the target at a budget does not prove that none
can reach it there: `proven_short_h` keeps only what the bound proves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

MAX_ROUNDS = 8


@dataclass(frozen=True)
class Verdict:
    """What one budget gave: whether its roster and its bound hold the target (None: unknown)."""

    roster_holds: bool | None
    bound_holds: bool | None


@dataclass(frozen=True)
class Bracket:
    """Budgets (hours) around the least one that holds the target."""

    short_h: float | None  # the largest budget below `holds_h` known short (by its bound or its roster)
    holds_h: float | None  # the smallest budget whose roster holds the target
    proven_short_h: float | None  # the largest budget whose bound is under the target: no roster holds it

    def width(self) -> float | None:
        """(holds − short) / holds, or None while either end is unknown."""
        if self.short_h is None or self.holds_h is None:
            return None
        return (self.holds_h - self.short_h) / self.holds_h


def bracket(verdicts: Mapping[float, Verdict]) -> Bracket:
    """The bracket that the verdicts so far give."""
    holds = [b for b, v in verdicts.items() if v.roster_holds]
    holds_h = min(holds) if holds else None
    proven = [b for b, v in verdicts.items() if v.bound_holds is False]
    short = [
        b
        for b, v in verdicts.items()
        if (v.bound_holds is False or v.roster_holds is False) and (holds_h is None or b < holds_h)
    ]
    return Bracket(max(short) if short else None, holds_h, max(proven) if proven else None)


def inner_budgets(b: Bracket, parallel: int) -> list[float]:
    """`parallel` budgets evenly inside the bracket (rounded to 0.1 h), none repeating an end."""
    assert b.short_h is not None and b.holds_h is not None
    step = (b.holds_h - b.short_h) / (parallel + 1)
    budgets = {round(b.short_h + k * step, 1) for k in range(1, parallel + 1)}
    return sorted(x for x in budgets if b.short_h < x < b.holds_h)


def refine(
    evaluate: Callable[[list[float]], Mapping[float, Verdict]],
    verdicts: Mapping[float, Verdict],
    *,
    tolerance: float = 0.01,
    parallel: int = 1,
    time_left: Callable[[], bool] = lambda: True,
) -> tuple[Bracket, dict[float, Verdict]]:
    """Narrow the bracket of `verdicts` by trying budgets inside it with `evaluate` (budgets → verdicts,
    e.g. rosters solved in parallel) until its width ≤ `tolerance`, `time_left()` is false or
    `MAX_ROUNDS` rounds; return the bracket and every verdict."""
    seen = dict(verdicts)
    for _ in range(MAX_ROUNDS):
        b = bracket(seen)
        width = b.width()
        if width is None or width <= tolerance or not time_left():
            break
        budgets = inner_budgets(b, max(1, parallel))
        if not budgets:
            break
        seen.update(evaluate(budgets))
    return bracket(seen), seen
