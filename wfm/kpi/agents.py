"""Agent KPIs from the state log, and adherence and conformance against a roster.

Time totals are in milliseconds per interval bucket and per agent (additive, so they roll up
exactly to days and months); `wfm.kpi.compute` turns them into ratios and hours.

Adherence compares, instant by instant, what the roster scheduled with what the agent did:

- scheduled time = the roster's shifts (breaks included), clipped to the days the state log covers;
- during a scheduled break the agent adheres when in aux with a break reason (`break`, `lunch`);
- during the rest of a shift the agent adheres when in talk, hold, acw or available;
- logged out, or in any other aux reason, is out of adherence.

Conformance compares totals: logged-in time (every state, aux included) over scheduled time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from wfm.kpi.readers import BREAK_REASONS, BUSY_STATES, PRODUCTIVE_STATES, break_keys
from wfm.kpi.segments import MS_PER_DAY, Layer, overlay, split_by_interval, to_ms

_OPEN, _BREAK = 0, 1
_PRODUCTIVE, _ON_BREAK, _OTHER_AUX = 0, 1, 2


@dataclass(frozen=True)
class AgentTimes:
    """State, schedule and adherence totals in ms: `by_bucket` indexed by bucket_ms, `by_agent`
    indexed by agent_id. Columns: one per state (`talk_ms`, …), one per aux reason
    (`aux_<reason>_ms`), and with a roster `scheduled_ms` and `adherent_ms`."""

    by_bucket: pd.DataFrame
    by_agent: pd.DataFrame
    aux_reasons: tuple[str, ...]


def state_category(states: pd.DataFrame) -> pd.Series:
    """`talk`, `hold`, `acw`, `available` or `aux_<reason>` for each state row."""
    return states["state"].where(states["state"] != "aux", "aux_" + states["reason"])


def agent_times(states: pd.DataFrame, roster: pd.DataFrame | None, interval_ms: int) -> AgentTimes:
    """Sum state durations (and scheduled and adherent time when a roster is given)."""
    category = state_category(states)
    codes, names = pd.factorize(category, sort=True)
    start, end = to_ms(states["start"]), to_ms(states["end"])
    agent_ids = pd.Index(sorted(set(states["agent_id"]) | (set(roster["agent_id"]) if roster is not None else set())))
    agent = agent_ids.get_indexer(states["agent_id"])
    columns = [f"{n}_ms" for n in names]

    parent, bucket, duration = split_by_interval(start, end, interval_ms)
    by_bucket = _pivot(bucket, codes[parent], duration, columns)
    by_agent = _pivot(agent, codes, end - start, columns)
    by_agent.index = agent_ids[by_agent.index]
    by_agent = by_agent.reindex(agent_ids, fill_value=0.0)
    for state in PRODUCTIVE_STATES:  # every state column exists, even when the log has none of it
        for frame in (by_bucket, by_agent):
            if f"{state}_ms" not in frame:
                frame[f"{state}_ms"] = 0.0

    if roster is not None:
        day0 = int(start.min()) // MS_PER_DAY * MS_PER_DAY
        day1 = (int(end.max()) - 1) // MS_PER_DAY * MS_PER_DAY + MS_PER_DAY
        sched_bucket, sched_agent = _schedule_times(
            states, roster, agent_ids, start, end, interval_ms, (day0, max(day1, day0 + MS_PER_DAY))
        )
        by_bucket = by_bucket.join(sched_bucket, how="outer").fillna(0.0)
        by_agent = by_agent.join(sched_agent, how="left").fillna(0.0)
    by_bucket.index.name = "bucket_ms"
    by_agent.index.name = "agent_id"
    reasons = tuple(n.removeprefix("aux_") for n in names if n.startswith("aux_"))
    return AgentTimes(by_bucket.fillna(0.0), by_agent, reasons)


def _schedule_times(
    states: pd.DataFrame,
    roster: pd.DataFrame,
    agent_ids: pd.Index,
    start: np.ndarray,
    end: np.ndarray,
    interval_ms: int,
    window: tuple[int, int],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    w0, w1 = window
    shift_agent = agent_ids.get_indexer(roster["agent_id"])
    shift_start = np.clip(to_ms(roster["shift_start"]), w0, w1)
    shift_end = np.clip(to_ms(roster["shift_end"]), w0, w1)
    b_agent, b_start, b_end = [], [], []
    for key in break_keys(roster):
        has = roster[f"{key}_start"].notna().to_numpy()
        b_agent.append(shift_agent[has])
        b_start.append(np.clip(to_ms(roster.loc[has, f"{key}_start"]), w0, w1))
        b_end.append(np.clip(to_ms(roster.loc[has, f"{key}_end"]), w0, w1))
    b_agent_a = np.concatenate(b_agent) if b_agent else np.zeros(0, dtype=np.int64)
    b_start_a = np.concatenate(b_start) if b_start else np.zeros(0, dtype=np.int64)
    b_end_a = np.concatenate(b_end) if b_end else np.zeros(0, dtype=np.int64)

    doing = np.select(
        [states["state"].isin(PRODUCTIVE_STATES).to_numpy(), states["reason"].isin(BREAK_REASONS).to_numpy()],
        [_PRODUCTIVE, _ON_BREAK],
        _OTHER_AUX,
    )
    layers = [
        Layer(shift_agent, shift_start, shift_end, np.zeros(len(shift_agent), dtype=np.int64)),
        Layer(b_agent_a, b_start_a, b_end_a, np.zeros(len(b_agent_a), dtype=np.int64)),
        Layer(agent_ids.get_indexer(states["agent_id"]), start, end, doing),
    ]
    seg_agent, seg_start, seg_end, labels = overlay(layers)
    in_shift, in_break, state = labels[:, 0] >= 0, labels[:, 1] >= 0, labels[:, 2]
    scheduled = in_shift
    adherent = in_shift & np.where(in_break, state == _ON_BREAK, state == _PRODUCTIVE)
    codes = np.where(adherent, 1, 0)[scheduled]
    seg_agent, seg_start, seg_end = seg_agent[scheduled], seg_start[scheduled], seg_end[scheduled]
    names = ["scheduled_only_ms", "adherent_ms"]
    parent, bucket, duration = split_by_interval(seg_start, seg_end, interval_ms)
    by_bucket = _with_scheduled(_pivot(bucket, codes[parent], duration, names))
    by_agent = _with_scheduled(_pivot(seg_agent, codes, seg_end - seg_start, names))
    by_agent.index = agent_ids[by_agent.index]
    return by_bucket, by_agent.reindex(agent_ids, fill_value=0.0)


def _with_scheduled(frame: pd.DataFrame) -> pd.DataFrame:
    for col in ("scheduled_only_ms", "adherent_ms"):
        if col not in frame:
            frame[col] = 0.0
    frame["scheduled_ms"] = frame.pop("scheduled_only_ms") + frame["adherent_ms"]
    return frame


def _pivot(key: np.ndarray, code: np.ndarray, duration: np.ndarray, names: list[str]) -> pd.DataFrame:
    """Sum `duration` per (key, code) into a frame indexed by key with one column per code name."""
    if not len(key):
        return pd.DataFrame({name: pd.Series(dtype=float) for name in names})
    sums = pd.Series(duration.astype(float)).groupby([key, code]).sum()
    frame = sums.unstack(fill_value=0.0)
    frame.columns = [names[int(c)] for c in frame.columns]
    return frame


def busy_columns() -> list[str]:
    """The state columns whose time counts as busy (occupancy numerator)."""
    return [f"{s}_ms" for s in BUSY_STATES]
