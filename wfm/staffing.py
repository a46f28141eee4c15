"""Service targets and the agents each interval needs to meet them, per channel.

Channels and their models (all per interval, vectorized over the intervals of one queue):

- **voice** — one contact per agent: Erlang C (M/M/N, callers wait forever) or Erlang A
  (M/M/N+M, callers hang up after an exponential patience of mean `patience_s`), see `wfm.erlang`.
- **chat** with concurrency k — an agent works up to k chats at once. Each agent is modelled as k
  independent slots, so N agents are an M/M/(k·N) queue (Erlang C or A) whose handle time is the
  chat's *elapsed* handle time at that concurrency (`aht_seconds` as measured while agents run k
  chats; an agent's slowdown from multitasking is therefore inside the AHT, not modelled on top).
  Traffic is in chat-Erlangs (chats in progress), occupancy is the share of busy slots, and the
  answer time T is the time to the first agent response. The slot model is the standard
  planning approximation; it is optimistic when chats start in bursts on one agent.
- **email** (and back-office work) — deferred work with a response-time target R hours: the work
  of the contacts arriving in an interval (contacts × aht_seconds agent-seconds) may be done in any
  interval from its arrival until R hours later. Method: each interval's work is spread evenly
  over its response window — the L = ⌊R·60/interval_min⌋ (at least 1) consecutive intervals of the
  queue starting with the arrival interval — so the planned work is a moving sum and every contact
  is answered within R by construction; windows are truncated at the end of the forecast (work due
  after the last interval is done by then). Agents needed = ⌈planned work / (interval_s ·
  max_occupancy)⌉. Assumptions: the queue's forecast rows are its open intervals in time order, so
  R counts open (business) hours; work arrives evenly within an interval; an agent is productive
  `max_occupancy` of the time (1 if unset). `service_level` reports the share of the planned work
  the agents can process (1 when staffed as required) and `asa_seconds` the planned mean response
  delay, L·interval_s/2 (shorter at the end of the horizon).

Shrinkage: `agents_on_phone` are agents taking contacts; scheduled agents M must satisfy
M·(1 − shrinkage) ≥ agents_on_phone. The gross-up is done in exact rational arithmetic on the
decimal value of the shrinkage (`gross_up`), because a float product misrounds: 21/(1 − 0.3) is
30.000000000000004 in floating point, and its ceiling 31 is one agent too many.

Required agents per interval = the smallest N meeting every active target (service level, and
when set maximum ASA, maximum occupancy and, for Erlang A, maximum abandonment), grossed up for
shrinkage, and at least `min_agents` in every open interval (every forecast row).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from fractions import Fraction
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from wfm import erlang
from wfm.errors import InputError

Model = Literal["erlang-c", "erlang-a"]
Channel = Literal["voice", "chat", "email"]
MODELS: tuple[str, ...] = ("erlang-c", "erlang-a")
CHANNELS: tuple[str, ...] = ("voice", "chat", "email")

# The valid range of every numeric target, shared with the scenario schema (`wfm.service_config`).
TARGET_BOUNDS: dict[str, dict[str, float]] = {
    "service_level": {"gt": 0, "le": 1},
    "answer_time_s": {"ge": 0},
    "max_occupancy": {"gt": 0, "le": 1},
    "max_asa_s": {"gt": 0},
    "shrinkage": {"ge": 0, "lt": 1},
    "patience_s": {"gt": 0},
    "concurrency": {"ge": 1},
    "response_time_h": {"gt": 0},
    "max_abandon_rate": {"gt": 0, "le": 1},
    "min_agents": {"ge": 0},
}
_INTEGER_TARGETS = ("concurrency", "min_agents")

# Tolerance of the one float→integer rounding of a workload (email agents): a planned workload
# within 1e-9 agent of a whole number of agents is that number (a sum of float shares may land a
# hair above it), and a shortfall that small counts as fully served.
_WORKLOAD_TOLERANCE_AGENTS = 1e-9


class TargetError(InputError):
    """A service target is out of range or inconsistent; `field` names the ServiceTargets field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _range_text(bounds: dict[str, float]) -> str:
    low = f"({bounds['gt']:g}" if "gt" in bounds else f"[{bounds['ge']:g}" if "ge" in bounds else "(-∞"
    high = f"{bounds['le']:g}]" if "le" in bounds else f"{bounds['lt']:g})" if "lt" in bounds else "∞)"
    return f"{low}, {high}"


def check_target(name: str, value: Any) -> None:
    """Raise `TargetError` unless `value` is a valid value of numeric target `name` (None allowed)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TargetError(name, f"{name} must be a number, got {value!r}")
    if name in _INTEGER_TARGETS and value != int(value):
        raise TargetError(name, f"{name} must be a whole number, got {value!r}")
    b = TARGET_BOUNDS[name]
    if (
        ("gt" in b and not value > b["gt"])
        or ("ge" in b and not value >= b["ge"])
        or ("lt" in b and not value < b["lt"])
        or ("le" in b and not value <= b["le"])
    ):
        raise TargetError(name, f"{name} must be in {_range_text(b)}, got {value:g}")


@dataclass(frozen=True)
class ServiceTargets:
    """The service targets of one queue. Defaults are wfm's documented default targets.

    - `service_level` (0, 1]: share of contacts answered within `answer_time_s` seconds (80/20).
    - `max_occupancy` (0, 1] or None: ceiling on agent occupancy (0.85).
    - `max_asa_s` > 0 or None: ceiling on the average speed of answer, seconds.
    - `shrinkage` [0, 1): share of scheduled time not available for contacts (0.30).
    - `model`: "erlang-c" or "erlang-a" (then `patience_s`, mean patience in seconds, is required
      and `max_abandon_rate` (0, 1] may cap the share of callers who hang up).
    - `channel`: "voice", "chat" (with `concurrency` k ≥ 1 chats per agent) or "email" (deferred
      work, `response_time_h` hours required).
    - `min_agents` ≥ 0: scheduled agents required in every open interval, even without contacts.
    """

    service_level: float = 0.8
    answer_time_s: float = 20.0
    max_occupancy: float | None = 0.85
    max_asa_s: float | None = None
    shrinkage: float = 0.30
    model: Model = "erlang-c"
    patience_s: float | None = None
    channel: Channel = "voice"
    concurrency: int = 1
    response_time_h: float | None = None
    max_abandon_rate: float | None = None
    min_agents: int = 0

    def __post_init__(self) -> None:
        for name in TARGET_BOUNDS:
            check_target(name, getattr(self, name))
        for name in ("service_level", "answer_time_s", "shrinkage", "concurrency", "min_agents"):
            if getattr(self, name) is None:
                raise TargetError(name, f"{name} is required")
        if self.model not in MODELS:
            raise TargetError("model", f"model must be one of {', '.join(MODELS)}, got {self.model!r}")
        if self.channel not in CHANNELS:
            raise TargetError("channel", f"channel must be one of {', '.join(CHANNELS)}, got {self.channel!r}")
        if self.model == "erlang-a" and self.patience_s is None and self.channel != "email":
            raise TargetError("patience_s", "model 'erlang-a' needs patience_s (mean patience, seconds)")
        if self.max_abandon_rate is not None and self.model != "erlang-a":
            raise TargetError("max_abandon_rate", "max_abandon_rate needs model 'erlang-a'")
        if self.concurrency > 1 and self.channel != "chat":
            raise TargetError("concurrency", f"concurrency > 1 needs channel 'chat', not '{self.channel}'")
        if self.channel == "email" and self.response_time_h is None:
            raise TargetError("response_time_h", "channel 'email' needs response_time_h (hours)")
        object.__setattr__(self, "concurrency", int(self.concurrency))
        object.__setattr__(self, "min_agents", int(self.min_agents))


TARGET_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ServiceTargets))
DEFAULT_TARGETS = ServiceTargets()


# --- shrinkage: exact integer arithmetic ---------------------------------------------------------


def _available_fraction(shrinkage: float) -> Fraction:
    """1 − shrinkage as an exact fraction of the shrinkage's decimal value (0.3 → 7/10)."""
    check_target("shrinkage", shrinkage)
    return 1 - Fraction(repr(float(shrinkage)))


def _as_int_array(values: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind == "f" and np.all(arr == np.round(arr)):
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu" or np.any(arr < 0):
        raise ValueError(f"{name} must be whole numbers ≥ 0")
    return arr.astype(np.int64)


def _ratio_ceil_floor(values: np.ndarray, num: int, den: int, ceil: bool) -> np.ndarray:
    """⌈values·num/den⌉ or ⌊values·num/den⌋ in integer arithmetic (Python ints if int64 could overflow)."""
    top = int(values.max(initial=0)) * num
    if top < 2**62:
        prod = values * num
        return -((-prod) // den) if ceil else prod // den
    func = (lambda v: -((-v * num) // den)) if ceil else (lambda v: (v * num) // den)
    return np.array([func(int(v)) for v in values.ravel()], dtype=object).reshape(values.shape)


def gross_up(agents_on_phone: ArrayLike, shrinkage: float) -> np.ndarray:
    """Scheduled agents needed: the smallest integer M with M·(1 − shrinkage) ≥ n, exactly.

    `shrinkage` is read as the decimal it prints as (0.3 is 3/10), so 21 agents at 30% shrinkage
    need exactly 30 scheduled agents.
    """
    avail = _available_fraction(shrinkage)
    n = _as_int_array(agents_on_phone, "agents_on_phone")
    return _ratio_ceil_floor(n, avail.denominator, avail.numerator, ceil=True)


def effective_agents(scheduled: ArrayLike, shrinkage: float) -> np.ndarray:
    """Agents on the phone that `scheduled` agents yield: ⌊scheduled·(1 − shrinkage)⌋, exactly.

    effective_agents(gross_up(n, s), s) ≥ n for every n.
    """
    avail = _available_fraction(shrinkage)
    m = _as_int_array(scheduled, "scheduled")
    return _ratio_ceil_floor(m, avail.numerator, avail.denominator, ceil=False)


# --- performance of a given staffing ---------------------------------------------------------------


def _inputs(contacts: ArrayLike, aht_s: ArrayLike, interval_min: float) -> tuple[np.ndarray, np.ndarray, float]:
    c = np.atleast_1d(np.asarray(contacts, dtype=float))
    aht = np.broadcast_to(np.asarray(aht_s, dtype=float), c.shape)
    if c.ndim != 1:
        raise ValueError("contacts must be one value per interval (1-D)")
    if np.any(~np.isfinite(c)) or np.any(c < 0):
        raise ValueError("contacts must be finite and ≥ 0")
    if np.any(~np.isfinite(aht)) or np.any(aht <= 0):
        raise ValueError("aht_s must be finite and > 0")
    if not interval_min > 0:
        raise ValueError("interval_min must be > 0")
    return c, aht, float(interval_min) * 60.0


def traffic_erlangs(contacts: ArrayLike, aht_s: ArrayLike, interval_min: float) -> np.ndarray:
    """Offered traffic in Erlangs: contacts × aht_s / interval length in seconds."""
    c, aht, interval_s = _inputs(contacts, aht_s, interval_min)
    return c * aht / interval_s


def deferred_workload(
    contacts: ArrayLike, aht_s: ArrayLike, interval_min: float, response_time_h: float
) -> tuple[np.ndarray, np.ndarray]:
    """Deferred work (email) spread over each interval's response window (module docstring).

    `contacts` and `aht_s` are the consecutive open intervals of one queue, in time order. Returns
    (planned work per interval in agent-seconds, planned mean response delay in seconds of the
    contacts arriving in each interval).
    """
    c, aht, interval_s = _inputs(contacts, aht_s, interval_min)
    window = max(1, math.floor(response_time_h * 60.0 / float(interval_min) + 1e-9))
    start = np.arange(c.size)
    length = np.minimum(start + window, c.size) - start
    share = c * aht / length
    # planned[t] = Σ share[i] over the arrivals i whose window [i, i + length_i) contains t, i.e.
    # t − window < i ≤ t: a moving sum (a convolution, not differences of a drifting cumulative sum).
    planned = np.convolve(share, np.ones(window))[: c.size]
    delay = np.where(c > 0, length * interval_s / 2.0, 0.0)
    return planned, delay


def _expand(values: np.ndarray, agents: np.ndarray) -> np.ndarray:
    """Per-interval values shaped to broadcast against agents of shape (I,) or (I, K)."""
    return values.reshape(values.shape + (1,) * (agents.ndim - values.ndim))


def projected_performance(
    contacts: ArrayLike,
    aht_s: ArrayLike,
    agents_on_phone: ArrayLike,
    interval_min: float,
    targets: ServiceTargets,
) -> dict[str, np.ndarray]:
    """The performance `agents_on_phone` agents deliver in each interval, with the channel's model.

    `contacts` and `aht_s` (seconds) have one value per interval (shape (I,)); `agents_on_phone`
    has shape (I,) or (I, K) (K staffing levels per interval). Returns arrays of the agents' shape:
    `service_level` (share answered within `answer_time_s`), `asa_seconds`, `occupancy` and
    `abandon_rate` (0 for Erlang C). Zero contacts: service level 1, ASA 0, occupancy 0.
    For email, the intervals must be the queue's consecutive open intervals in time order.
    """
    c, aht, interval_s = _inputs(contacts, aht_s, interval_min)
    n = _as_int_array(agents_on_phone, "agents_on_phone")
    if n.shape[:1] != c.shape:
        raise ValueError("agents_on_phone must have one row per interval")
    if targets.channel == "email":
        planned, delay = deferred_workload(c, aht, interval_min, targets.response_time_h)
        planned, delay = _expand(planned, n), _expand(delay, n)
        per_agent = interval_s * (targets.max_occupancy or 1.0)
        short = planned - n * per_agent > _WORKLOAD_TOLERANCE_AGENTS * per_agent
        with np.errstate(divide="ignore", invalid="ignore"):
            sl = np.where(short, n * per_agent / planned, 1.0)
            occ = np.where(n > 0, np.minimum(planned / (n * interval_s), 1.0), 0.0)
        return {
            "service_level": sl,
            "asa_seconds": np.broadcast_to(delay, n.shape).astype(float),
            "occupancy": occ,
            "abandon_rate": np.zeros(n.shape),
        }
    a = _expand(c * aht / interval_s, n)
    aht_x = _expand(aht, n)
    servers = n * targets.concurrency
    if targets.model == "erlang-a":
        m = erlang.erlang_a_metrics(a, servers, aht_x, targets.patience_s, targets.answer_time_s)
        return {k: m[k] for k in ("service_level", "asa_seconds", "occupancy", "abandon_rate")}
    m = erlang.erlang_c_metrics(a, servers, aht_x, targets.answer_time_s)
    return {
        "service_level": m["service_level"],
        "asa_seconds": m["asa_seconds"],
        "occupancy": m["occupancy"],
        "abandon_rate": np.zeros(m["occupancy"].shape),
    }


def answered_within_target(
    contacts: ArrayLike, aht_s: ArrayLike, interval_min: float, targets: ServiceTargets, max_agents: int
) -> np.ndarray:
    """Expected contacts answered within the target with k = 0..max_agents agents on the phone.

    Shape (intervals, max_agents + 1): contacts × service level with k agents, channel-aware
    (for email: contacts × the share of the planned work k agents process).
    """
    c = np.atleast_1d(np.asarray(contacts, dtype=float))
    grid = np.broadcast_to(np.arange(max_agents + 1, dtype=np.int64), (c.size, max_agents + 1))
    if targets.channel != "email" and targets.model == "erlang-c":
        # One Erlang B recurrence along the agents instead of one per cell.
        c, aht, interval_s = _inputs(c, aht_s, interval_min)
        a, k = c * aht / interval_s, targets.concurrency
        eb = erlang.erlang_b_table(a, max_agents * k)[:, ::k]
        m = erlang.erlang_c_metrics(a[:, None], grid * k, aht[:, None], targets.answer_time_s, eb=eb)
        return c[:, None] * m["service_level"]
    sl = projected_performance(c, aht_s, grid, interval_min, targets)["service_level"]
    return c[:, None] * sl


# --- required agents ---------------------------------------------------------------------------------


def _meets_targets(perf: dict[str, np.ndarray], targets: ServiceTargets) -> np.ndarray:
    ok = perf["service_level"] >= targets.service_level
    if targets.max_occupancy is not None:
        ok &= perf["occupancy"] <= targets.max_occupancy
    if targets.max_asa_s is not None:
        ok &= perf["asa_seconds"] <= targets.max_asa_s
    if targets.max_abandon_rate is not None:
        ok &= perf["abandon_rate"] <= targets.max_abandon_rate
    return ok


def smallest_meeting(meets: Callable[[np.ndarray, np.ndarray], np.ndarray], lower: np.ndarray) -> np.ndarray:
    """Per element, the smallest integer n ≥ `lower` with meets(n, index) true.

    `meets(n, idx)` evaluates elements `idx` at agent counts `n` and must be monotone in n (false
    then true). Galloping from `lower`, then bisection: O(log(answer − lower)) vectorized calls.
    """
    lower = lower.astype(np.int64)
    size = lower.size
    fail = lower - 1  # largest count known to miss (lower − 1 may or may not; it is never tested)
    good = np.full(size, -1, dtype=np.int64)
    idx = np.arange(size)
    hit = meets(lower, idx)
    good[hit] = lower[hit]
    open_ = np.flatnonzero(~hit)
    fail[open_] = lower[open_]
    step = 1
    while open_.size:
        cand = fail[open_] + step
        hit = meets(cand, open_)
        good[open_[hit]] = cand[hit]
        fail[open_[~hit]] = cand[~hit]
        open_ = open_[~hit]
        step *= 2
        if step > 2**40:
            raise RuntimeError("no staffing level meets the targets")
    todo = np.flatnonzero(good - fail > 1)
    while todo.size:
        mid = (fail[todo] + good[todo]) // 2
        hit = meets(mid, todo)
        good[todo[hit]] = mid[hit]
        fail[todo[~hit]] = mid[~hit]
        todo = todo[good[todo] - fail[todo] > 1]
    return good


def _queue_agents(
    c: np.ndarray, aht: np.ndarray, interval_min: float, targets: ServiceTargets
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Agents on the phone meeting every target for voice and chat (Erlang C or A), and their performance."""
    a = c * aht / (interval_min * 60.0)
    busy = np.flatnonzero(a > 0)
    agents = np.zeros(c.size, dtype=np.int64)
    if targets.model == "erlang-c":
        idle = {"service_level": 1.0, "asa_seconds": 0.0, "occupancy": 0.0, "abandon_rate": 0.0}
        perf = {key: np.full(c.size, value) for key, value in idle.items()}
        if busy.size:
            agents[busy], found = erlang.erlang_c_staffing(
                a[busy],
                aht[busy],
                targets.answer_time_s,
                targets.service_level,
                targets.max_occupancy,
                targets.max_asa_s,
                targets.concurrency,
            )
            for key, values in found.items():
                perf[key][busy] = values
        return agents, perf

    def meets(n: np.ndarray, idx: np.ndarray) -> np.ndarray:
        sub = busy[idx]
        return _meets_targets(projected_performance(c[sub], aht[sub], n, interval_min, targets), targets)

    if busy.size:
        # Answered within T ≤ answered ≤ k·N/A of the offered contacts, so k·N ≥ A·service_level.
        k = targets.concurrency
        lower = np.maximum(np.floor(a[busy] * targets.service_level).astype(np.int64) // k, 1)
        agents[busy] = smallest_meeting(meets, lower)
    return agents, projected_performance(c, aht, agents, interval_min, targets)


def required_agents(
    contacts: ArrayLike, aht_s: ArrayLike, interval_min: float, targets: ServiceTargets
) -> dict[str, np.ndarray]:
    """Agents required in each interval of one queue to meet `targets`.

    `contacts` (expected contacts per interval, ≥ 0) and `aht_s` (average handle time, seconds,
    > 0) have one value per interval; `interval_min` is the interval length in minutes. For email
    the intervals must be the queue's consecutive open intervals in time order. Returns arrays:
    `traffic_erlangs`, `agents_on_phone` (smallest staffing meeting every target, before
    shrinkage), `required_agents` (scheduled agents: gross_up(agents_on_phone), at least
    `min_agents`), and the performance at `agents_on_phone`: `service_level`, `asa_seconds`,
    `occupancy`, `abandon_rate`.
    """
    c, aht, interval_s = _inputs(contacts, aht_s, interval_min)
    if targets.channel == "email":
        planned, _ = deferred_workload(c, aht, interval_min, targets.response_time_h)
        per_agent = interval_s * (targets.max_occupancy or 1.0)
        on_phone = np.ceil(planned / per_agent - _WORKLOAD_TOLERANCE_AGENTS).astype(np.int64)
        on_phone = np.maximum(on_phone, 0)
        perf = projected_performance(c, aht, on_phone, interval_min, targets)
    else:
        on_phone, perf = _queue_agents(c, aht, float(interval_min), targets)
    scheduled = np.maximum(gross_up(on_phone, targets.shrinkage), targets.min_agents).astype(np.int64)
    return {
        "traffic_erlangs": c * aht / interval_s,
        "agents_on_phone": on_phone,
        "required_agents": scheduled,
        **perf,
    }
