"""The value of the k-th scheduled agent: contacts answered within target, as a concave curve.

For interval t, V_t(n) = expected contacts answered within the service target with n agents
scheduled (n·(1 − shrinkage), rounded down exactly, on the phone), from the queue's Erlang model
(`wfm.staffing.answered_within_target`). The service objective uses the least concave majorant of
V_t over n = 0…N (its concave envelope), so it is a piecewise-linear concave function an integer
program can maximize; at integer n the envelope is ≥ V_t(n) and equal wherever V_t is concave.
"""

from __future__ import annotations

import numpy as np

from wfm.staffing import ServiceTargets, answered_within_target, effective_agents


def concave_envelope(values: np.ndarray) -> np.ndarray:
    """Least concave majorant of each row of `values` [rows, N+1] over 0…N (upper convex hull)."""
    rows, n = values.shape
    out = np.empty_like(values, dtype=np.float64)
    xs = np.arange(n, dtype=np.float64)
    for r in range(rows):
        y = values[r]
        hull: list[int] = []
        for i in range(n):
            while len(hull) >= 2:
                a, b = hull[-2], hull[-1]
                # drop b if it lies on or below the chord a→i
                if (y[b] - y[a]) * (i - a) <= (y[i] - y[a]) * (b - a):
                    hull.pop()
                else:
                    break
            hull.append(i)
        out[r] = np.interp(xs, np.asarray(hull, dtype=np.float64), y[hull])
    return out


def service_value_table(
    contacts: np.ndarray, aht_s: np.ndarray, interval_min: int, targets: ServiceTargets, max_agents: int
) -> np.ndarray:
    """Concave envelope of contacts answered within target with 0…max_agents scheduled agents.

    Shape [intervals, max_agents + 1]; units: contacts per interval.
    """
    on_phone = effective_agents(np.arange(max_agents + 1), targets.shrinkage)
    answered = answered_within_target(contacts, aht_s, interval_min, targets, int(on_phone.max(initial=0)))
    return concave_envelope(np.asarray(answered, dtype=np.float64)[:, on_phone])


MAX_SERVICE_AGENTS = 1 << 16  # the table stops growing here even if not saturated


def saturated_value_table(
    contacts: np.ndarray, aht_s: np.ndarray, interval_min: int, targets: ServiceTargets, at_least: int
) -> np.ndarray:
    """V over 0…N scheduled agents, N doubled from `at_least` until every interval is saturated.

    Saturated means V(N) = the interval's contacts; no more agents can add to V then, so the concave
    envelope over 0…N equals the one over all n ≥ 0, which depends on neither N nor the roster. The
    solver and the checker both use this table, so their objectives agree.
    """
    n = max(at_least, 1)
    while True:
        table = service_value_table(contacts, aht_s, interval_min, targets, n)
        if np.all(table[:, -1] >= contacts) or n >= MAX_SERVICE_AGENTS:
            return table
        n *= 2
