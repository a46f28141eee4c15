"""The budgets a frontier visits and the target it looks for: parsed and checked before any solve.

Budgets are agent-hours over the horizon, as `[budget].hours` counts them (paid or productive).
"""

from __future__ import annotations

import math

from wfm.errors import InputError

DEFAULT_SPAN = (0.7, 1.3)  # of the scenario's budget, when no --budgets is given
DEFAULT_POINTS = 7
MAX_POINTS = 200


def parse_budgets(text: str) -> tuple[float, ...]:
    """'LO:HI:STEP' (hours) → LO, LO + STEP, … up to HI (HI included when the steps land on it).

    >>> parse_budgets("1000:1200:100")
    (1000.0, 1100.0, 1200.0)
    """
    parts = text.split(":")
    if len(parts) != 3:
        raise InputError(f"--budgets expects LO:HI:STEP in hours (e.g. 1200:1800:100), got '{text}'")
    try:
        lo, hi, step = (float(p) for p in parts)
    except ValueError:
        raise InputError(f"--budgets expects three numbers LO:HI:STEP in hours, got '{text}'") from None
    if not all(math.isfinite(v) for v in (lo, hi, step)) or lo <= 0 or step <= 0:
        raise InputError(f"--budgets: LO and STEP must be positive hours, got '{text}'")
    if hi < lo:
        raise InputError(f"--budgets: HI ({hi:g}) is below LO ({lo:g})")
    n = math.floor((hi - lo) / step + 1e-9) + 1
    if n > MAX_POINTS:
        raise InputError(f"--budgets: {n} budgets from '{text}'; at most {MAX_POINTS} — use a larger STEP")
    return tuple(round(lo + k * step, 6) for k in range(n))


def default_budgets(
    budget_h: float, points: int = DEFAULT_POINTS, min_h: float = 0.0, max_h: float = math.inf
) -> tuple[float, ...]:
    """`points` budgets evenly from 70% to 130% of `budget_h` (hours), rounded to whole hours, the span
    narrowed to [`min_h`, `max_h`] (the agents' contracted minimum, the most they can work) where that
    still holds `budget_h`: no roster exists below the minimum, and above the maximum nothing changes."""
    if not 2 <= points <= MAX_POINTS:
        raise InputError(f"--points must be between 2 and {MAX_POINTS}, got {points}")
    lo, hi = (budget_h * f for f in DEFAULT_SPAN)
    lo = max(lo, math.ceil(min_h)) if math.ceil(min_h) <= budget_h else lo
    hi = min(hi, math.floor(max_h)) if max_h >= budget_h and math.isfinite(max_h) else hi
    return tuple(float(round(lo + k * (hi - lo) / (points - 1))) for k in range(points))


def check_target(target: float) -> float:
    """The target service level, a share of contacts in (0, 1)."""
    if not 0 < target < 1:
        raise InputError(f"--target-service-level must be a share between 0 and 1 (e.g. 0.8 for 80%), got {target:g}")
    return target


def check_grid(budgets: tuple[float, ...], min_budget_h: float) -> None:
    """Raise unless some budget reaches the agents' contracted minimum (no roster exists below it)."""
    if not budgets or max(budgets) < min_budget_h - 1e-9:
        raise InputError(
            f"no budget in the grid reaches the agents' contracted minimum of {min_budget_h:,.1f} h over the "
            f"horizon (the grid's largest is {max(budgets, default=0):,.1f} h)",
            hint=f"give --budgets with HI at least {math.ceil(min_budget_h)}, or lower min_hours_week in agents.csv",
        )
