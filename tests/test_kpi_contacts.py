"""Contact KPIs: a hand-computed log (tests/fixtures/kpi/contacts.csv) and invariants on random logs.

The fixture, T = 20 s and short abandon < 5 s, interval 15 min (waits in seconds):
  sales   2026-03-02  c1 answered wait 10 (in T), c2 answered wait 30, c3 abandoned after 3 (short),
                      c4 abandoned after 60, c5 (08:20) answered wait 20 (in T: ≤ T)
  support 2026-03-02  c6 arrived 08:14:59 (interval 08:00) answered wait 5
  support 2026-03-03  c7 abandoned after exactly 5 (not short: short is < 5), c8 answered wait 15
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wfm.errors import InputError
from wfm.kpi import KpiOptions, compute_kpis, read_contacts

FIX = Path(__file__).parent / "fixtures" / "kpi"


@pytest.fixture(scope="module")
def tables():
    return compute_kpis(read_contacts(FIX / "contacts.csv"))


def row(frame: pd.DataFrame, **keys) -> pd.Series:
    mask = np.ones(len(frame), dtype=bool)
    for k, v in keys.items():
        mask &= (frame[k] == v).to_numpy()
    assert mask.sum() == 1, keys
    return frame[mask].iloc[0]


def test_interval_sales_0800_by_hand(tables):
    r = row(tables.interval, interval_start=pd.Timestamp("2026-03-02 08:00"), queue="sales")
    assert (r.offered, r.answered, r.abandoned, r.short_abandoned, r.answered_within_t) == (3, 2, 1, 1, 1)
    assert r.service_level == pytest.approx(1 / 3)
    assert r.service_level_arrived == pytest.approx(1 / 4)
    assert r.service_level_answered == pytest.approx(1 / 2)
    assert r.asa_seconds == pytest.approx(20.0)  # (10 + 30) / 2
    assert r.abandon_rate == pytest.approx(1 / 3)
    assert (r.talk_seconds, r.hold_seconds, r.acw_seconds) == pytest.approx((220.0, 15.0, 50.0))
    assert r.aht_seconds == pytest.approx(285.0)
    assert r.fcr_rate == pytest.approx(0.5)


def test_contact_belongs_to_its_arrival_interval(tables):
    r = row(tables.interval, interval_start=pd.Timestamp("2026-03-02 08:00"), queue="support")
    assert (r.offered, r.answered, r.asa_seconds) == (1, 1, 5.0)
    assert not (
        (tables.interval["interval_start"] == pd.Timestamp("2026-03-02 08:15"))
        & (tables.interval["queue"] == "support")
    ).any()


def test_unknown_fcr_is_left_out(tables):
    r = row(tables.interval, interval_start=pd.Timestamp("2026-03-02 08:15"), queue="sales")
    assert r.answered == 1 and np.isnan(r.fcr_rate)


def test_daily_by_hand(tables):
    r = row(tables.daily, date="2026-03-02", queue="sales")
    assert (r.offered, r.answered, r.abandoned, r.short_abandoned, r.answered_within_t) == (4, 3, 1, 1, 2)
    assert (r.service_level, r.service_level_arrived, r.service_level_answered) == pytest.approx((0.5, 0.4, 2 / 3))
    assert r.asa_seconds == pytest.approx(20.0)
    assert r.aht_seconds == pytest.approx((330 + 240 + 340) / 3)
    r = row(tables.daily, date="2026-03-03", queue="support")
    # wait exactly 5 s is not a short abandon (short is strictly under the threshold)
    assert (r.offered, r.abandoned, r.short_abandoned, r.abandon_rate) == (2, 1, 0, 0.5)


def test_monthly_all_queues_by_hand(tables):
    r = row(tables.monthly, month="2026-03", queue="all")
    assert (r.offered, r.answered, r.abandoned, r.short_abandoned, r.answered_within_t) == (7, 5, 2, 1, 4)
    assert r.service_level == pytest.approx(4 / 7)
    assert r.service_level_arrived == pytest.approx(4 / 8)
    assert r.service_level_answered == pytest.approx(4 / 5)
    assert r.asa_seconds == pytest.approx((10 + 30 + 20 + 5 + 15) / 5)
    assert r.abandon_rate == pytest.approx(2 / 7)
    assert (r.talk_seconds, r.hold_seconds, r.acw_seconds, r.aht_seconds) == pytest.approx((234, 12, 41, 287))
    assert r.fcr_rate == pytest.approx(3 / 4)


def test_thresholds_move_contacts_between_outcomes():
    contacts = read_contacts(FIX / "contacts.csv")
    loose = compute_kpis(contacts, options=KpiOptions(answer_time_s=30, short_abandon_s=0))
    r = row(loose.monthly, month="2026-03", queue="all")
    assert (r.short_abandoned, r.offered, r.abandoned) == (0, 8, 3)
    assert r.answered_within_t == 5  # c2's 30 s wait is within T = 30
    strict = compute_kpis(contacts, options=KpiOptions(answer_time_s=0, short_abandon_s=6))
    r = row(strict.monthly, month="2026-03", queue="all")
    assert (r.short_abandoned, r.answered_within_t) == (2, 0)  # c7's 5 s wait is now short


def test_hourly_intervals_roll_up_the_same_day():
    contacts = read_contacts(FIX / "contacts.csv")
    hourly = compute_kpis(contacts, options=KpiOptions(interval_min=60))
    quarter = compute_kpis(contacts)
    pd.testing.assert_frame_equal(hourly.daily, quarter.daily)
    assert set(hourly.interval["interval_start"].dt.minute) == {0}


@pytest.mark.parametrize("kwargs", [{"answer_time_s": -1}, {"short_abandon_s": float("nan")}, {"interval_min": 7}])
def test_bad_options_are_input_errors(kwargs):
    with pytest.raises(InputError):
        KpiOptions(**kwargs)


def test_same_input_same_tables():
    contacts = read_contacts(FIX / "contacts.csv")
    a, b = compute_kpis(contacts), compute_kpis(contacts.sample(frac=1.0, random_state=3))
    pd.testing.assert_frame_equal(a.interval, b.interval)
    pd.testing.assert_frame_equal(a.monthly, b.monthly)


# --- invariants on random logs ---------------------------------------------------------------------

T0 = pd.Timestamp("2026-01-30 22:00")  # the log crosses a day and a month boundary


@st.composite
def contact_logs(draw):
    n = draw(st.integers(1, 60))
    rows = []
    for i in range(n):
        arrived = T0 + pd.Timedelta(seconds=draw(st.integers(0, 3 * 86_400)))
        wait = pd.Timedelta(seconds=draw(st.integers(0, 120)))
        answered = draw(st.booleans())
        talk, hold, acw = (draw(st.integers(0, 900)) for _ in range(3)) if answered else (0, 0, 0)
        rows.append(
            {
                "contact_id": f"c{i}",
                "queue": draw(st.sampled_from(["q1", "q2", "q3"])),
                "arrived_at": arrived,
                "answered_at": arrived + wait if answered else pd.NaT,
                "ended_at": arrived + wait + pd.Timedelta(seconds=talk + hold),
                "talk_seconds": float(talk),
                "hold_seconds": float(hold),
                "acw_seconds": float(acw),
                "agent_id": "a1" if answered else "",
                "resolved_first_contact": draw(st.sampled_from([1.0, 0.0, np.nan])),
            }
        )
    return pd.DataFrame(rows, index=pd.RangeIndex(2, 2 + n))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log=contact_logs(), answer_time_s=st.sampled_from([0, 10, 20, 60]), short_s=st.sampled_from([0, 5, 30]))
def test_invariants(log, answer_time_s, short_s):
    t = compute_kpis(log, options=KpiOptions(answer_time_s=answer_time_s, short_abandon_s=short_s))
    for frame in (t.interval, t.daily, t.monthly):
        assert (frame["answered"] + frame["abandoned"] == frame["offered"]).all()
        assert (frame["answered_within_t"] <= frame["answered"]).all()
        for col in (
            "service_level",
            "service_level_arrived",
            "service_level_answered",
            "abandon_rate",
            "fcr_rate",
        ):
            values = frame[col].dropna()
            assert ((values >= 0) & (values <= 1)).all(), col
        both = frame.dropna(subset=["service_level", "service_level_answered"])
        assert (both["service_level"] <= both["service_level_answered"] + 1e-12).all()
        assert (frame["service_level_arrived"].fillna(0) <= frame["service_level"].fillna(0) + 1e-12).all()
        parts = frame["talk_seconds"] + frame["hold_seconds"] + frame["acw_seconds"]
        assert np.allclose(frame["aht_seconds"].dropna(), parts.dropna())
        per_queue = frame[frame["queue"] != "all"].groupby(frame.columns[0])["offered"].sum()
        totals = frame[frame["queue"] == "all"].set_index(frame.columns[0])["offered"]
        pd.testing.assert_series_equal(per_queue, totals, check_names=False)
    every = t.interval[t.interval["queue"] == "all"]
    assert every["offered"].sum() + every["short_abandoned"].sum() == len(log)
    assert every["offered"].sum() == t.monthly.loc[t.monthly["queue"] == "all", "offered"].sum()
    assert t.daily.loc[t.daily["queue"] == "all", "answered_within_t"].sum() == every["answered_within_t"].sum()
