"""Greedy break placement: put each break where the queue is most over-staffed.

Each break has a window of allowed start intervals [start, start + width] and a duration; the
breaks are placed one at a time (longest first, then earliest window), each at the start where taking one agent off
the phone costs least: per interval it saves `over_weight` where the queue is over-staffed and
costs `under_weight` where it is not; ties go to the larger surplus, then the earliest start.
The surplus is updated after each break. Every break lands in
its own window, so the result always satisfies the break rules; it is a heuristic for coverage.
"""

from __future__ import annotations

import numpy as np

TIE_SCALE = 10**7  # a weight step outranks any surplus difference: ties go to the larger surplus


def place_breaks(
    surplus: np.ndarray,
    queue: np.ndarray,
    window_start: np.ndarray,
    width: np.ndarray,
    duration: np.ndarray,
    under_weight: int = 10,
    over_weight: int = 1,
) -> np.ndarray:
    """Return the start interval of each break; `surplus` [Q, T] is updated in place.

    `surplus[q, t]` is on-phone minus required agents with every break not yet placed counted as
    working. Intervals at or beyond T are ignored (the break then costs nothing there).
    """
    n = len(queue)
    starts = np.full(n, -1, dtype=np.int64)
    order = np.lexsort((window_start, -duration))
    for i in order:
        starts[i] = _best_start(
            surplus, int(queue[i]), int(window_start[i]), int(width[i]), int(duration[i]), under_weight, over_weight
        )
    return starts


def improve_breaks(
    surplus: np.ndarray,
    starts: np.ndarray,
    queue: np.ndarray,
    window_start: np.ndarray,
    width: np.ndarray,
    duration: np.ndarray,
    under_weight: int = 10,
    over_weight: int = 1,
    passes: int = 2,
) -> np.ndarray:
    """Local search: take each break out and put it back at its best start, `passes` times.

    `surplus` must already count every break at `starts`; both are updated in place.
    """
    T = surplus.shape[1]
    order = np.lexsort((window_start, -duration))
    for _ in range(passes):
        moved = 0
        for i in order:
            q, d, old = int(queue[i]), int(duration[i]), int(starts[i])
            surplus[q, old : min(old + d, T)] += 1
            new = _best_start(surplus, q, int(window_start[i]), int(width[i]), d, under_weight, over_weight)
            moved += new != old
            starts[i] = new
        if not moved:
            break
    return starts


def _best_start(surplus: np.ndarray, q: int, ws: int, w: int, d: int, under_weight: int, over_weight: int) -> int:
    """Best start of one break in [ws, ws + w]; takes the agent off the phone there (updates surplus).

    Plain Python on the window's few intervals: called tens of thousands of times per roster, where
    numpy's per-call overhead was four fifths of the time (same integers, same first best start)."""
    T = surplus.shape[1]
    row = surplus[q, min(ws, T) : min(ws + w + d, T)].tolist()
    over, under = over_weight * TIE_SCALE, under_weight * TIE_SCALE
    gain = [v + over if v > 0 else v - under for v in row]
    gain.extend([0] * (w + d - len(gain)))  # intervals past the horizon: a break there costs and saves nothing
    score = best_score = sum(gain[:d])
    best = 0
    for k in range(1, w + 1):
        score += gain[k + d - 1] - gain[k - 1]
        if score > best_score:
            best_score, best = score, k
    best += ws
    surplus[q, best : min(best + d, T)] -= 1
    return best
