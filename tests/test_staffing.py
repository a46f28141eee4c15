"""Service targets, shrinkage in exact arithmetic, required agents per channel, projected performance."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfm.erlang import erlang_c_service_level
from wfm.errors import InputError
from wfm.staffing import (
    ServiceTargets,
    TargetError,
    answered_within_target,
    deferred_workload,
    effective_agents,
    gross_up,
    projected_performance,
    required_agents,
)

# --- shrinkage -------------------------------------------------------------------------------------------


def test_gross_up_is_exact_where_float_ceil_is_not():
    # 21/(1 − 0.3) is 30.000000000000004 in floating point: its ceiling would be 31.
    assert math.ceil(21 / (1 - 0.3)) == 31
    assert gross_up(np.array([21]), 0.3).tolist() == [30]
    assert gross_up([0, 1, 7, 14, 21, 22], 0.3).tolist() == [0, 2, 10, 20, 30, 32]
    assert gross_up([5], 0.0).tolist() == [5]
    assert effective_agents([30, 29, 0, 10], 0.3).tolist() == [21, 20, 0, 7]


def test_gross_up_handles_long_decimals_without_overflow():
    # 1 − 0.123456789012345 has denominator 10^15: n·10^15 overflows int64 for n ≥ 9,224.
    s = 0.123456789012345
    n = np.array([10_000, 50_000])
    got = gross_up(n, s)
    avail = 1 - Fraction("0.123456789012345")
    assert got.tolist() == [math.ceil(Fraction(int(k)) / avail) for k in n]


@settings(max_examples=200, deadline=None)
@given(n=st.integers(0, 5000), permille=st.integers(0, 999))
def test_gross_up_is_the_smallest_sufficient_schedule(n, permille):
    s = permille / 1000
    m = int(gross_up([n], s)[0])
    assert int(effective_agents([m], s)[0]) >= n
    assert Fraction(m) * (1 - Fraction(permille, 1000)) >= n
    if m > 0:
        assert Fraction(m - 1) * (1 - Fraction(permille, 1000)) < n


def test_shrinkage_out_of_range_is_rejected():
    with pytest.raises(TargetError, match=r"shrinkage must be in \[0, 1\), got 1"):
        gross_up([3], 1.0)


# --- targets ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"service_level": 0.0}, "service_level", "service_level must be in (0, 1], got 0"),
        ({"service_level": 1.2}, "service_level", "service_level must be in (0, 1], got 1.2"),
        ({"shrinkage": 1.0}, "shrinkage", "shrinkage must be in [0, 1), got 1"),
        ({"max_occupancy": 0.0}, "max_occupancy", "max_occupancy must be in (0, 1], got 0"),
        ({"answer_time_s": -1.0}, "answer_time_s", "answer_time_s must be in [0, ∞), got -1"),
        ({"concurrency": 0}, "concurrency", "concurrency must be in [1, ∞), got 0"),
        ({"concurrency": 1.5}, "concurrency", "concurrency must be a whole number, got 1.5"),
        ({"min_agents": -2}, "min_agents", "min_agents must be in [0, ∞), got -2"),
        ({"service_level": float("nan")}, "service_level", "service_level must be a number, got nan"),
        ({"model": "erlang-b"}, "model", "model must be one of erlang-c, erlang-a, got 'erlang-b'"),
        ({"model": "erlang-a"}, "patience_s", "model 'erlang-a' needs patience_s (mean patience, seconds)"),
        ({"max_abandon_rate": 0.05}, "max_abandon_rate", "max_abandon_rate needs model 'erlang-a'"),
        ({"concurrency": 2}, "concurrency", "concurrency > 1 needs channel 'chat', not 'voice'"),
        ({"channel": "email"}, "response_time_h", "channel 'email' needs response_time_h (hours)"),
        ({"channel": "fax"}, "channel", "channel must be one of voice, chat, email, got 'fax'"),
    ],
)
def test_invalid_targets_name_the_field(kwargs, field, message):
    with pytest.raises(TargetError) as err:
        ServiceTargets(**kwargs)
    assert err.value.field == field
    assert str(err.value) == message
    assert isinstance(err.value, InputError) and err.value.exit_code == 2


# --- required agents -----------------------------------------------------------------------------------


def test_ten_erlangs_need_14_on_phone_and_20_scheduled():
    """pyworkforce README: 100 calls/30 min, AHT 3 min, 80/20, max occupancy 0.85, shrinkage 0.3
    → raw_positions 14, positions 20."""
    res = required_agents([100.0], [180.0], 30, ServiceTargets())
    assert res["agents_on_phone"].tolist() == [14]
    assert res["required_agents"].tolist() == [20]
    assert res["traffic_erlangs"].tolist() == [10.0]
    assert round(float(res["service_level"][0]), 4) == 0.8884


def test_zero_contacts_need_no_agents_unless_a_minimum_applies():
    contacts = np.array([0.0, 12.0, 0.0])
    plain = required_agents(contacts, 300.0, 15, ServiceTargets())
    assert plain["agents_on_phone"].tolist()[::2] == [0, 0]
    assert plain["required_agents"].tolist()[::2] == [0, 0]
    assert plain["service_level"].tolist()[::2] == [1.0, 1.0]
    assert plain["occupancy"].tolist()[::2] == [0.0, 0.0]
    floor = required_agents(contacts, 300.0, 15, ServiceTargets(min_agents=2))
    assert floor["required_agents"].tolist()[::2] == [2, 2]
    assert floor["required_agents"][1] == max(2, plain["required_agents"][1])


def _misses(perf: dict, i: int, t: ServiceTargets) -> bool:
    return (
        perf["service_level"][i] < t.service_level
        or (t.max_occupancy is not None and perf["occupancy"][i] > t.max_occupancy)
        or (t.max_asa_s is not None and perf["asa_seconds"][i] > t.max_asa_s)
        or (t.max_abandon_rate is not None and perf["abandon_rate"][i] > t.max_abandon_rate)
    )


targets_st = st.builds(
    ServiceTargets,
    service_level=st.floats(0.5, 0.99),
    answer_time_s=st.floats(0.0, 120.0),
    max_occupancy=st.one_of(st.none(), st.floats(0.6, 1.0)),
    max_asa_s=st.one_of(st.none(), st.floats(5.0, 120.0)),
    shrinkage=st.sampled_from([0.0, 0.25, 0.3, 0.35]),
    model=st.just("erlang-c"),
)
targets_a_st = st.builds(
    ServiceTargets,
    service_level=st.floats(0.5, 0.95),
    answer_time_s=st.floats(0.0, 60.0),
    max_occupancy=st.one_of(st.none(), st.floats(0.7, 1.0)),
    model=st.just("erlang-a"),
    patience_s=st.floats(20.0, 900.0),
    max_abandon_rate=st.one_of(st.none(), st.floats(0.01, 0.2)),
)


@settings(max_examples=60, deadline=None)
@given(
    contacts=st.lists(st.floats(0.0, 400.0), min_size=1, max_size=8),
    aht=st.floats(60.0, 600.0),
    targets=st.one_of(targets_st, targets_a_st),
    interval_min=st.sampled_from([15, 30, 60]),
)
def test_required_agents_are_minimal(contacts, aht, targets, interval_min):
    res = required_agents(contacts, aht, interval_min, targets)
    n = res["agents_on_phone"]
    perf = projected_performance(contacts, aht, n, interval_min, targets)
    below = projected_performance(contacts, aht, np.maximum(n - 1, 0), interval_min, targets)
    for i in range(len(contacts)):
        assert not _misses(perf, i, targets)
        if n[i] > 0:
            assert _misses(below, i, targets), f"interval {i}: {n[i] - 1} agents would do"
    np.testing.assert_array_equal(res["required_agents"], gross_up(n, targets.shrinkage))


@settings(max_examples=30, deadline=None)
@given(contacts=st.lists(st.floats(0.0, 300.0), min_size=1, max_size=6), k=st.integers(1, 4))
def test_chat_with_concurrency_k_is_a_queue_of_k_slots_per_agent(contacts, k):
    chat = ServiceTargets(channel="chat", concurrency=k)
    res = required_agents(contacts, 400.0, 15, chat)
    a = np.array(contacts) * 400.0 / 900.0
    for i, n in enumerate(res["agents_on_phone"]):
        if a[i] == 0:
            assert n == 0
            continue
        # Smallest slot count meeting 80/20 and occupancy ≤ 0.85, then whole agents.
        slots = next(
            s
            for s in range(int(a[i]) + 1, 10_000)
            if erlang_c_service_level(a[i], s, 400.0, 20.0) >= 0.8 and a[i] / s <= 0.85
        )
        assert n == -(-slots // k) or (n - 1) * k < slots <= n * k
    voice = required_agents(contacts, 400.0, 15, ServiceTargets())
    if k == 1:
        np.testing.assert_array_equal(res["agents_on_phone"], voice["agents_on_phone"])


def test_erlang_a_needs_fewer_agents_than_erlang_c_with_patient_callers():
    contacts = np.array([50.0, 100.0, 200.0, 400.0])
    c = required_agents(contacts, 300.0, 30, ServiceTargets(max_occupancy=None))
    a = required_agents(contacts, 300.0, 30, ServiceTargets(model="erlang-a", patience_s=600.0, max_occupancy=None))
    assert np.all(a["agents_on_phone"] <= c["agents_on_phone"])
    assert np.any(a["agents_on_phone"] < c["agents_on_phone"])
    assert np.all(a["abandon_rate"] > 0) and np.all(c["abandon_rate"] == 0)


def test_max_asa_and_max_abandon_targets_bind():
    loose = required_agents([300.0], 240.0, 30, ServiceTargets(service_level=0.5, max_occupancy=None))
    strict = required_agents([300.0], 240.0, 30, ServiceTargets(service_level=0.5, max_occupancy=None, max_asa_s=2.0))
    assert strict["agents_on_phone"][0] > loose["agents_on_phone"][0]
    assert strict["asa_seconds"][0] <= 2.0
    abandon = required_agents(
        [300.0],
        240.0,
        30,
        ServiceTargets(service_level=0.5, model="erlang-a", patience_s=60.0, max_abandon_rate=0.01),
    )
    assert abandon["abandon_rate"][0] <= 0.01


# --- email: deferred work ----------------------------------------------------------------------------


def _deadline_misses(work_s, deadline_idx, capacity_s) -> int:
    """Earliest-deadline-first processing with the given capacity; count jobs done late."""
    queue: list[list[float]] = []  # [deadline, remaining]
    late = 0
    for t, cap in enumerate(capacity_s):
        if work_s[t] > 0:
            queue.append([deadline_idx[t], work_s[t]])
            queue.sort()
        while cap > 1e-6 and queue:
            take = min(cap, queue[0][1])
            queue[0][1] -= take
            cap -= take
            if queue[0][1] <= 1e-6:
                queue.pop(0)
        late += sum(1 for d, r in queue if d <= t and r > 1e-6)
        queue = [j for j in queue if not (j[0] <= t and j[1] > 1e-6)]
    return late


@settings(max_examples=40, deadline=None)
@given(
    contacts=st.lists(st.floats(0.0, 80.0), min_size=1, max_size=60),
    response_h=st.sampled_from([0.25, 1.0, 2.0, 4.0, 24.0]),
    occupancy=st.sampled_from([None, 0.85]),
)
def test_email_meets_every_deadline(contacts, response_h, occupancy):
    t = ServiceTargets(channel="email", response_time_h=response_h, max_occupancy=occupancy)
    res = required_agents(contacts, 240.0, 15, t)
    c = np.array(contacts)
    window = max(1, int(response_h * 60 // 15))
    deadline = np.minimum(np.arange(c.size) + window - 1, c.size - 1)
    capacity = res["agents_on_phone"] * 900.0 * (occupancy or 1.0)
    assert _deadline_misses(c * 240.0, deadline, capacity) == 0
    assert np.all(res["service_level"] == 1.0)
    if c.sum() == 0:
        assert res["agents_on_phone"].sum() == 0


def test_email_spreads_work_over_the_response_window():
    contacts = np.zeros(12)
    contacts[2] = 90.0  # 90 × 300 s = 27,000 agent-seconds, due within 2 h = 8 intervals
    planned, delay = deferred_workload(contacts, 300.0, 15, 2.0)
    np.testing.assert_allclose(planned[2:10], 27_000 / 8)
    assert planned[:2].sum() == 0 and planned[10:].sum() == 0
    assert delay[2] == 8 * 900 / 2
    res = required_agents(contacts, 300.0, 15, ServiceTargets(channel="email", response_time_h=2.0))
    assert res["agents_on_phone"][2:10].tolist() == [math.ceil(3375 / (900 * 0.85))] * 8


# --- performance grid for the scheduler ---------------------------------------------------------


def test_answered_within_target_matches_projected_performance():
    contacts = np.array([100.0, 0.0, 40.0])
    t = ServiceTargets(channel="chat", concurrency=2)
    grid = answered_within_target(contacts, 180.0, 30, t, max_agents=12)
    assert grid.shape == (3, 13)
    for k in range(13):
        perf = projected_performance(contacts, 180.0, np.full(3, k), 30, t)
        np.testing.assert_allclose(grid[:, k], contacts * perf["service_level"])
    assert np.all(np.diff(grid, axis=1) >= 0)
    assert np.all(grid[1] == 0.0)
    assert np.all(grid <= contacts[:, None])


def test_projected_performance_with_zero_contacts():
    for t in (ServiceTargets(), ServiceTargets(model="erlang-a", patience_s=120.0)):
        perf = projected_performance([0.0, 0.0], 300.0, [0, 3], 15, t)
        assert perf["service_level"].tolist() == [1.0, 1.0]
        assert perf["asa_seconds"].tolist() == [0.0, 0.0]
        assert perf["occupancy"].tolist() == [0.0, 0.0]
        assert perf["abandon_rate"].tolist() == [0.0, 0.0]
