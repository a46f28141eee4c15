"""Agent-state KPIs, adherence and conformance: the hand-computed fixture, a brute-force minute-by-minute
recomputation on random logs (hypothesis), and the segment arithmetic underneath.

Fixture (tests/fixtures/kpi/states.csv, roster.csv), 2026-03-02, minutes:
  a1 scheduled 08:00–12:00, break 10:00–10:15. Logged in 07:50–12:00 (250): available 10 before
     the shift, talk 30, available 30, aux training 30 (out of adherence), acw 30, aux break 15 (in),
     available 105.
     adherent 60 + 30 + 15 + 105 = 210 of 240; busy 60, available 145; aux 45 (training 30, break 15).
  a2 scheduled 08:00–12:00, break 10:30–10:45. Logged in 08:10–11:30 (200): talk 50, hold 10, available 80,
     aux lunch 10:30–10:50 (15 in the break in adherence, 5 after it out), available 40.
     adherent 50 + 10 + 80 + 15 + 40 = 195 of 240; busy 60, available 120; aux 20 (lunch).
  a3 scheduled 08:00–09:00, never logged in: adherence 0, conformance 0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wfm.kpi import compute_kpis, read_contacts, read_roster, read_states
from wfm.kpi.segments import Layer, overlay, split_by_interval

FIX = Path(__file__).parent / "fixtures" / "kpi"


@pytest.fixture(scope="module")
def tables():
    return compute_kpis(
        read_contacts(FIX / "contacts.csv"),
        states=read_states(FIX / "states.csv"),
        roster=read_roster(FIX / "roster.csv"),
    )


def agent(tables, agent_id):
    return tables.agents.set_index("agent_id").loc[agent_id]


def test_agents_by_hand(tables):
    a1, a2, a3 = (agent(tables, a) for a in ("a1", "a2", "a3"))
    assert a1.logged_in_hours == pytest.approx(250 / 60)
    assert a1.occupancy == pytest.approx(60 / 205)
    assert a1.productive_share == pytest.approx(205 / 250)
    assert (a1.shrinkage, a1.shrinkage_training, a1.shrinkage_break, a1.shrinkage_lunch) == pytest.approx(
        (45 / 250, 30 / 250, 15 / 250, 0.0)
    )
    assert a1.scheduled_hours == pytest.approx(4.0)
    assert a1.adherence == pytest.approx(210 / 240)
    assert a1.conformance == pytest.approx(250 / 240)
    assert (a2.occupancy, a2.adherence, a2.conformance) == pytest.approx((60 / 180, 195 / 240, 200 / 240))
    assert (a3.adherence, a3.conformance, a3.scheduled_hours) == (0.0, 0.0, 1.0)
    assert (a1.handled, a2.handled, a3.handled) == (3, 2, 0)
    assert a1.aht_seconds == pytest.approx((330 + 340 + 225) / 3)


def test_overall_by_hand(tables):
    total = agent(tables, "all")
    assert total.adherence == pytest.approx(405 / 540)
    assert total.conformance == pytest.approx(450 / 540)
    assert total.occupancy == pytest.approx(120 / 385)
    assert total.shrinkage == pytest.approx(65 / 450)
    monthly = tables.monthly.set_index("queue").loc["all"]
    assert (monthly.adherence, monthly.occupancy, monthly.logged_in_hours) == pytest.approx((405 / 540, 120 / 385, 7.5))


def test_intervals_by_hand(tables):
    iv = tables.interval[tables.interval["queue"] == "all"].set_index("interval_start")
    first = iv.loc[pd.Timestamp("2026-03-02 08:00")]
    # a1 talks 15 min, a2 talks 5 min (from 08:10); three agents scheduled 15 min each
    assert (first.logged_in_hours, first.scheduled_hours) == pytest.approx((20 / 60, 45 / 60))
    assert (first.adherence, first.occupancy) == pytest.approx((20 / 45, 1.0))
    early = iv.loc[pd.Timestamp("2026-03-02 07:45")]  # a1 available before any shift
    assert early.logged_in_hours == pytest.approx(10 / 60) and early.occupancy == 0.0
    assert np.isnan(early.adherence)
    lunch = iv.loc[pd.Timestamp("2026-03-02 10:45")]  # a2 on lunch 5 min past the break
    assert lunch.adherence == pytest.approx(25 / 30)


def test_agent_kpis_only_on_all_rows(tables):
    per_queue = tables.daily[tables.daily["queue"] != "all"]
    assert per_queue[["occupancy", "adherence", "logged_in_hours"]].isna().all().all()


def test_without_roster_no_adherence_columns():
    t = compute_kpis(read_contacts(FIX / "contacts.csv"), states=read_states(FIX / "states.csv"))
    assert "adherence" not in t.monthly and "occupancy" in t.monthly
    assert "adherence" not in t.agents


# --- segment arithmetic ----------------------------------------------------------------------------


@given(
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 5_000)), max_size=30),
    st.sampled_from([7, 60, 900]),
)
def test_split_by_interval_keeps_every_millisecond(segments, interval_ms):
    start = np.array([s for s, _ in segments], dtype=np.int64)
    end = start + np.array([d for _, d in segments], dtype=np.int64)
    parent, bucket, duration = split_by_interval(start, end, interval_ms)
    assert (duration > 0).all()
    assert (bucket % interval_ms == 0).all()
    assert np.array_equal(np.bincount(parent, weights=duration, minlength=len(start)), end - start)
    assert ((bucket <= np.maximum(start[parent], bucket)) & (end[parent] > bucket)).all()


def test_overlay_labels_each_elementary_segment():
    a = Layer(np.array([0, 1]), np.array([0, 0]), np.array([10, 5]), np.array([7, 8]))
    b = Layer(np.array([0]), np.array([5]), np.array([15]), np.array([3]))
    agent_, start, end, labels = overlay([a, b])
    got = sorted(
        zip(
            agent_.tolist(),
            start.tolist(),
            end.tolist(),
            labels[:, 0].tolist(),
            labels[:, 1].tolist(),
            strict=True,
        )
    )
    assert got == [(0, 0, 5, 7, -1), (0, 5, 10, 7, 3), (0, 10, 15, -1, 3), (1, 0, 5, 8, -1)]


# --- brute force on random logs ----------------------------------------------------------------------

UNIT = pd.Timedelta(minutes=5)
T0 = pd.Timestamp("2026-03-02 00:00")
KINDS = [
    ("talk", ""),
    ("hold", ""),
    ("acw", ""),
    ("available", ""),
    ("aux", "break"),
    ("aux", "training"),
    (None, ""),
]  # None: logged out


@st.composite
def state_and_roster(draw):
    states, roster = [], []
    for a in range(draw(st.integers(1, 3))):
        u = draw(st.integers(0, 300))
        for _ in range(draw(st.integers(1, 12))):
            length = draw(st.integers(1, 30))
            state, reason = draw(st.sampled_from(KINDS))
            if state is not None:
                states.append(
                    {
                        "agent_id": f"a{a}",
                        "state": state,
                        "start": T0 + u * UNIT,
                        "end": T0 + (u + length) * UNIT,
                        "reason": reason,
                    }
                )
            u += length
        for day in draw(st.sets(st.integers(0, 2), max_size=2)):
            s = day * 288 + draw(st.integers(0, 150))  # ends before the next day's shift can start
            length = draw(st.integers(2, 100))
            brk = draw(st.one_of(st.none(), st.tuples(st.integers(0, length - 1), st.integers(1, 6))))
            row = {
                "agent_id": f"a{a}",
                "date": T0 + day * pd.Timedelta(days=1),
                "queue": "q",
                "shift_start": T0 + s * UNIT,
                "shift_end": T0 + (s + length) * UNIT,
                "paid_hours": 1.0,
                "break1_start": pd.NaT,
                "break1_end": pd.NaT,
            }
            if brk is not None:
                b0 = s + brk[0]
                row["break1_start"], row["break1_end"] = (
                    T0 + b0 * UNIT,
                    T0 + min(b0 + brk[1], s + length) * UNIT,
                )
            roster.append(row)
        # a shift on day 5, after every state: outside the days the state log covers, so not scheduled time
        # (and every agent of the state log is in the roster)
        roster.append(
            {
                "agent_id": f"a{a}",
                "date": T0 + pd.Timedelta(days=5),
                "queue": "q",
                "shift_start": T0 + pd.Timedelta(days=5, hours=8),
                "shift_end": T0 + pd.Timedelta(days=5, hours=9),
                "paid_hours": 1.0,
                "break1_start": pd.NaT,
                "break1_end": pd.NaT,
            }
        )
    if not states:
        states.append({"agent_id": "a0", "state": "talk", "start": T0, "end": T0 + UNIT, "reason": ""})
    return pd.DataFrame(states), pd.DataFrame(roster)


def brute_force(states: pd.DataFrame, roster: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Minute-grid (5-minute units) recomputation of adherence, occupancy, conformance per agent."""
    day0 = states["start"].min().normalize()
    day1 = (states["end"].max() - pd.Timedelta(milliseconds=1)).normalize() + pd.Timedelta(days=1)
    out = {}
    for a in sorted(set(roster["agent_id"])):
        sched, actual = {}, {}
        for r in roster[roster["agent_id"] == a].itertuples():
            t = r.shift_start
            while t < r.shift_end:
                if day0 <= t < day1:
                    on_break = pd.notna(r.break1_start) and r.break1_start <= t < r.break1_end
                    sched[t] = "break" if on_break else "open"
                t += UNIT
        for s in states[states["agent_id"] == a].itertuples():
            t = s.start
            while t < s.end:
                actual[t] = (s.state, s.reason)
                t += UNIT
        adherent = sum(
            1
            for t, what in sched.items()
            if t in actual
            and ((what == "open" and actual[t][0] != "aux") or (what == "break" and actual[t] == ("aux", "break")))
        )
        busy = sum(1 for v in actual.values() if v[0] in ("talk", "hold", "acw"))
        available = sum(1 for v in actual.values() if v[0] == "available")
        out[a] = {
            "scheduled": len(sched),
            "adherent": adherent,
            "logged_in": len(actual),
            "busy": busy,
            "available": available,
        }
    return out


def ratio(num: float, den: float) -> float:
    return num / den if den else np.nan


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(state_and_roster())
def test_adherence_and_occupancy_match_brute_force(data):
    states, roster = data
    states = states.set_index(pd.RangeIndex(2, 2 + len(states)))
    contacts = pd.DataFrame(
        {
            "contact_id": ["c"],
            "queue": ["q"],
            "arrived_at": [T0],
            "answered_at": [pd.NaT],
            "ended_at": [T0],
            "talk_seconds": [0.0],
            "hold_seconds": [0.0],
            "acw_seconds": [0.0],
            "agent_id": [""],
            "resolved_first_contact": [np.nan],
        }
    )
    t = compute_kpis(contacts, states=states, roster=roster)
    expected = brute_force(states, roster)
    agents = t.agents.set_index("agent_id")
    for a, e in expected.items():
        got = agents.loc[a]
        assert got.scheduled_hours == pytest.approx(e["scheduled"] / 12)
        assert got.adherence == pytest.approx(ratio(e["adherent"], e["scheduled"]), nan_ok=True)
        assert got.occupancy == pytest.approx(ratio(e["busy"], e["busy"] + e["available"]), nan_ok=True)
        assert got.conformance == pytest.approx(ratio(e["logged_in"], e["scheduled"]), nan_ok=True)
    for frame in (t.interval, t.daily, t.monthly, t.agents):
        for col in ("adherence", "occupancy", "productive_share"):
            values = frame[col].dropna()
            assert ((values >= 0) & (values <= 1 + 1e-12)).all(), col
    total = t.monthly[t.monthly["queue"] == "all"]
    assert total["scheduled_hours"].sum() == pytest.approx(sum(e["scheduled"] for e in expected.values()) / 12)
