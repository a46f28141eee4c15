"""Time-segment arithmetic on integer milliseconds, vectorized with numpy.

Timestamps are naive local date-times; they become int64 milliseconds since 1970-01-01 local,
so interval and day boundaries are multiples of the interval and of 86,400,000 ms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MS_PER_S = 1_000
MS_PER_H = 3_600_000
MS_PER_DAY = 86_400_000


def to_ms(values: pd.Series) -> np.ndarray:
    """Datetimes (no NaT) → int64 milliseconds since the epoch."""
    return values.to_numpy(dtype="datetime64[ms]").astype(np.int64)


def from_ms(ms: np.ndarray) -> pd.DatetimeIndex:
    """int64 milliseconds since the epoch → datetimes."""
    return pd.DatetimeIndex(np.asarray(ms, dtype=np.int64).astype("datetime64[ms]"))


def split_by_interval(
    start_ms: np.ndarray, end_ms: np.ndarray, interval_ms: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut segments [start, end) at every multiple of `interval_ms`.

    Returns (parent, bucket_ms, duration_ms): for each piece, the index of the segment it came
    from, the start of the interval it lies in, and its length. Empty segments give no piece.
    """
    start_ms = np.asarray(start_ms, dtype=np.int64)
    end_ms = np.asarray(end_ms, dtype=np.int64)
    first = start_ms // interval_ms
    last = (end_ms - 1) // interval_ms
    pieces = np.where(end_ms > start_ms, last - first + 1, 0)
    parent = np.repeat(np.arange(len(start_ms)), pieces)
    offset = np.arange(len(parent)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    bucket = (first[parent] + offset) * interval_ms
    duration = np.minimum(end_ms[parent], bucket + interval_ms) - np.maximum(start_ms[parent], bucket)
    return parent, bucket, duration


@dataclass(frozen=True)
class Layer:
    """Segments [start_ms, end_ms) with an integer label ≥ 0; one agent's segments do not overlap."""

    agent: np.ndarray
    start_ms: np.ndarray
    end_ms: np.ndarray
    label: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.agent)
        if not (len(self.start_ms) == len(self.end_ms) == len(self.label) == n):
            raise ValueError("layer arrays must have equal lengths")
        if n and (np.asarray(self.end_ms) < np.asarray(self.start_ms)).any():
            raise ValueError("layer segment ends before it starts")


def overlay(layers: list[Layer]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut the time line of each agent at every boundary of every layer.

    Returns (agent, start_ms, end_ms, labels) for the elementary segments where at least one layer
    is active; `labels` has one column per layer, −1 where that layer has no segment.
    Agents are integer codes ≥ 0.
    """
    starts = np.concatenate([np.asarray(x.start_ms, dtype=np.int64) for x in layers])
    ends = np.concatenate([np.asarray(x.end_ms, dtype=np.int64) for x in layers])
    agents = np.concatenate([np.asarray(x.agent, dtype=np.int64) for x in layers])
    if not len(starts):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, np.zeros((0, len(layers)), dtype=np.int64)
    t0 = int(min(starts.min(), ends.min()))
    stride = int(max(starts.max(), ends.max())) - t0 + 1
    if (int(agents.max()) + 1) * stride >= 2**62:
        raise ValueError("time span × agents too large for 64-bit keys")

    def key(agent: np.ndarray, t: np.ndarray) -> np.ndarray:
        return np.asarray(agent, dtype=np.int64) * stride + (np.asarray(t, dtype=np.int64) - t0)

    bounds = np.unique(np.concatenate([key(agents, starts), key(agents, ends)]))
    seg_start, seg_end = bounds[:-1], bounds[1:]
    same_agent = seg_start // stride == seg_end // stride
    seg_start, seg_end = seg_start[same_agent], seg_end[same_agent]
    labels = np.full((len(seg_start), len(layers)), -1, dtype=np.int64)
    for j, layer in enumerate(layers):
        if not len(layer.agent):
            continue
        k_start = key(layer.agent, layer.start_ms)
        k_end = key(layer.agent, layer.end_ms)
        order = np.argsort(k_start, kind="stable")
        k_start, k_end, lab = k_start[order], k_end[order], np.asarray(layer.label)[order]
        i = np.searchsorted(k_start, seg_start, side="right") - 1
        hit = (i >= 0) & (k_end[np.maximum(i, 0)] > seg_start)
        labels[hit, j] = lab[i[hit]]
    active = (labels >= 0).any(axis=1)
    seg_start, seg_end, labels = seg_start[active], seg_end[active], labels[active]
    agent = seg_start // stride
    return agent, seg_start - agent * stride + t0, seg_end - agent * stride + t0, labels
