"""Queueing formulas for contact centers: Erlang B, Erlang C (M/M/N) and Erlang A (M/M/N+M).

Every function is vectorized: its arguments broadcast against each other as numpy arrays, so one
call evaluates every interval of a month (or every interval × every agent count) at once.

Notation (one interval, stationary model): contacts arrive as a Poisson process of rate λ, handle
times are exponential with mean `aht_s` = 1/μ, `agents` = N identical agents serve one FIFO queue.
The offered traffic is `traffic` = A = λ/μ in Erlangs (contacts × aht_s / interval_s). In Erlang A
each waiting caller also hangs up after an exponential patience of mean `patience_s` = 1/θ.

Numerical approach. No factorial is ever formed. Erlang B is evaluated by Erlang's stable
recurrence for up to 300 agents, and above in log space from the Poisson probability and
distribution function, E_B(N, A) = pmf(N; A) / cdf(N; A) (the truncated Poisson form of Erlang's
loss formula), and where that cdf underflows (N far below A, only for A ≳ 600) from the convergent
series 1/E_B = Σ_j N!/((N−j)! A^j). Erlang A uses the regularized incomplete gamma function of
scipy. Both are accurate to ~1e-12 relative over 0 ≤ A ≤ 10⁵ Erlangs (tests compare with Erlang's
recurrence up to 6,000 Erlangs).

References
- A. K. Erlang (1917), "Solution of some problems in the theory of probabilities of significance in
  automatic telephone exchanges": the loss (B) and delay (C) formulas.
- Erlang C from Erlang B: C = N·E_B / (N − A(1 − E_B)); service level P(W ≤ T) = 1 − C·e^{−(N−A)T/AHT};
  ASA = C·AHT/(N − A). E.g. G. Koole, *Call Center Optimization* (2013), ch. 5;
  Gans, Koole & Mandelbaum (2003), "Telephone call centers: tutorial, review and research
  prospects", MSOM 5(2), §4.1.
- Erlang A (Palm's M/M/N+M): O. Garnett, A. Mandelbaum & M. Reiman (2002), "Designing a call center
  with impatient customers", MSOM 4(3), 208–227; A. Mandelbaum & S. Zeltyn (2007), "The M/M/n+G queue:
  summary of performance measures", Technion technical note, §M/M/n+M. With x = Nμ/θ, y = λ/θ,
  P(a, z) the regularized lower incomplete gamma function and
  𝒜(x, y) = x·e^y·y^{−x}·γ(x, y) = 1 + Σ_{j≥1} y^j / ∏_{k=1}^{j}(x + k):
    P(W > 0)            = 𝒜·E_B / (1 + (𝒜 − 1)·E_B)
    P(abandon | W > 0)  = 1 − 1/ρ + 1/(ρ𝒜) = 1 − (x/y)·P(x+1, y)/P(x, y),  ρ = A/N
    P(V > t | W > 0)    = P(x, y·e^{−θt}) / P(x, y)          (V: the offered wait)
    P(answered within T | W > 0) = (x/y)·[P(x+1, y) − P(x+1, y·e^{−θT})] / P(x, y)
    E[W] (all offered contacts, served or abandoned) = P(abandon)/θ   (Little's law on the queue)
  The last-but-one line integrates e^{−θv} (the caller is still there at v) against the density of
  V; `tests/test_erlang.py` checks every measure against an independent birth–death chain.

Conventions at the edges (a month has many closed or quiet intervals):
- zero traffic: nobody waits — wait probability 0, service level 1, ASA 0, occupancy 0;
- Erlang C with N ≤ A (unstable): wait probability 1, service level 0, ASA ∞, occupancy 1;
- N = 0 with traffic: wait probability 1, service level 0, occupancy 0; Erlang A: everyone abandons.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

# Below this the Poisson cdf (and γ(x, y)) is too close to underflow to divide by.
_TINY = 1e-280
# Erlang B by its recurrence up to this many agents (exact and cheap), by the closed form above.
_RECURRENCE_MAX_AGENTS = 300
# Staffing levels `erlang_c_staffing` evaluates per pass (most intervals need 0–2 above its bound).
_SEARCH_WIDTH = 3


def _traffic_agents(traffic: ArrayLike, agents: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(traffic, dtype=float)
    n_raw = np.asarray(agents)
    if n_raw.dtype.kind == "f":
        if not np.all(n_raw == np.round(n_raw)):
            raise ValueError("agents must be whole numbers")
    elif n_raw.dtype.kind not in "iub":
        raise ValueError("agents must be whole numbers")
    n = n_raw.astype(np.int64)
    if np.any(n < 0):
        raise ValueError("agents must be ≥ 0")
    if np.any(~np.isfinite(a)) or np.any(a < 0):
        raise ValueError("traffic must be finite and ≥ 0 Erlangs")
    return np.broadcast_arrays(a, n)


def erlang_b(traffic: ArrayLike, agents: ArrayLike) -> np.ndarray:
    """Erlang's loss formula: the probability that all `agents` are busy in an M/M/N/N system.

    `traffic` in Erlangs (≥ 0), `agents` whole numbers (≥ 0); broadcast. E_B(0, A) = 1 and
    E_B(N ≥ 1, 0) = 0. For N ≤ 300 by Erlang's recurrence E(n) = A·E(n−1)/(n + A·E(n−1)) from
    E(0) = 1 (`erlang_b_next`); above, as pmf(N; A)/cdf(N; A) of a Poisson(A) variable in log space,
    and by the series 1/E_B = Σ_j ∏_{i<j}(N−i)/A where that cdf underflows. Each element's value
    depends only on its own (A, N), so vectorized and scalar calls agree exactly.
    """
    a2, n2 = _traffic_agents(traffic, agents)
    a, n = a2.ravel(), n2.ravel()
    out = np.zeros(a.size, dtype=float)
    out[n == 0] = 1.0
    small = np.flatnonzero((a > 0) & (n > 0) & (n <= _RECURRENCE_MAX_AGENTS))
    if small.size:
        # Sorted by N, the elements still recurring at step k are a suffix: total work Σ N.
        order = small[np.argsort(n[small].astype(np.int16), kind="stable")]  # radix sort
        a_s, n_s = a[order], n[order]
        e = np.ones(order.size)
        work = np.empty(order.size)
        starts = np.searchsorted(n_s, np.arange(1, int(n_s[-1]) + 1))
        for k in range(1, int(n_s[-1]) + 1):
            lo = starts[k - 1]
            # e ← A·e/(k + A·e) in place (erlang_b_next without temporaries: the hot loop).
            np.multiply(a_s[lo:], e[lo:], out=work[lo:])
            np.divide(work[lo:], work[lo:] + k, out=e[lo:])
        out[order] = e
    large = (a > 0) & (n > _RECURRENCE_MAX_AGENTS)
    if large.any():
        out[large] = _erlang_b_closed_form(a[large], n[large].astype(float))
    return out.reshape(a2.shape)


def erlang_b_table(traffic: ArrayLike, max_agents: int) -> np.ndarray:
    """E_B(N, A) for N = 0..max_agents: shape (len(traffic), max_agents + 1), by the recurrence.

    Column N equals `erlang_b(traffic, N)` (bit for bit up to 300 agents).
    """
    a = np.atleast_1d(np.asarray(traffic, dtype=float))
    table = np.empty((max_agents + 1, a.size))
    table[0] = 1.0
    for n in range(1, max_agents + 1):
        table[n] = erlang_b_next(a, table[n - 1], n)
    return np.where(a == 0, np.where(np.arange(max_agents + 1) == 0, 1.0, 0.0)[:, None], table).T


def erlang_b_next(traffic: np.ndarray, eb: np.ndarray, agents: ArrayLike) -> np.ndarray:
    """E_B(N, A) from E_B(N − 1, A) by Erlang's recurrence A·E/(N + A·E) (numerically stable)."""
    step = traffic * eb
    return step / (agents + step)


def _erlang_b_closed_form(a: np.ndarray, n: np.ndarray) -> np.ndarray:
    cdf = special.pdtr(n, a)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_pmf = n * np.log(a) - a - special.gammaln(n + 1.0)
        value = np.exp(log_pmf - np.log(cdf))
    far = cdf < _TINY  # N far below A: the series converges geometrically (ratio ≤ N/A < 1)
    if far.any():
        value[far] = 1.0 / _inverse_erlang_b_series(n[far], a[far])
    return np.minimum(value, 1.0)


def _inverse_erlang_b_series(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """1/E_B(N, A) = Σ_{j=0}^{N} N!/((N−j)!·A^j), summed until the terms are negligible."""
    total = np.ones_like(a)
    term = np.ones_like(a)
    active = np.ones(a.shape, dtype=bool)
    j = 0
    while active.any():
        term = np.where(active, term * np.maximum(n - j, 0.0) / a, 0.0)
        total += term
        j += 1
        active &= (term > 1e-17 * total) & (j <= n)
    return total


def _erlang_c_stable(
    a: np.ndarray, n: np.ndarray, eb: np.ndarray, aht: np.ndarray, t: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """C, P(W ≤ T), ASA and occupancy where N > A > 0, from E_B: the formulas, without edge cases."""
    d, c, sl = _erlang_c_core(a, n, eb, -t / aht)
    return c, np.minimum(np.maximum(sl, 0.0), 1.0), c * aht / d, np.minimum(a / n, 1.0)


def _erlang_c_core(
    a: np.ndarray, n: np.ndarray, eb: np.ndarray, neg_rate: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(N − A, C, unclipped 1 − C·e^{(N−A)·neg_rate}) with neg_rate = −T/AHT, for N > A > 0.

    C = N·E_B/(N − A + A·E_B) (≥ 0 as N > A). The one expression of both the staffing search and
    the reported metrics, so a level the search accepts is reported as meeting the target.
    """
    d = n - a
    c = np.minimum(n * eb / (d + a * eb), 1.0)
    return d, c, 1.0 - c * np.exp(d * neg_rate)


def erlang_c_metrics(
    traffic: ArrayLike,
    agents: ArrayLike,
    aht_s: ArrayLike,
    answer_time_s: ArrayLike,
    eb: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Erlang C (M/M/N) performance from one Erlang B evaluation, vectorized.

    Returns `wait_probability` C = N·E_B/(N − A(1 − E_B)), `service_level` P(W ≤ T) =
    1 − C·e^{−(N−A)T/AHT}, `asa_seconds` C·AHT/(N − A) over all contacts, and `occupancy` A/N
    (capped at 1). Conventions: A = 0 → C 0, service level 1, ASA 0, occupancy 0; N ≤ A < ∞ →
    C 1, service level 0, ASA ∞, occupancy 1 (0 with N = 0). `eb` may pass E_B(N, A) when known.
    """
    a, n = _traffic_agents(traffic, agents)
    a, n, aht, t = np.broadcast_arrays(a, n, np.asarray(aht_s, float), np.asarray(answer_time_s, float))
    if eb is None:
        eb = erlang_b(a, n)
    stable = n > a
    idle = a == 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        c, sl, asa, occ = _erlang_c_stable(a, n, eb, aht, t)
    return {
        "wait_probability": np.where(idle, 0.0, np.where(stable, c, 1.0)),
        "service_level": np.where(idle, 1.0, np.where(stable, sl, 0.0)),
        "asa_seconds": np.where(idle, 0.0, np.where(stable, asa, np.inf)),
        "occupancy": np.where(n == 0, 0.0, occ),
    }


def erlang_c_staffing(
    traffic: ArrayLike,
    aht_s: ArrayLike,
    answer_time_s: float,
    service_level: float,
    max_occupancy: float | None = None,
    max_asa_s: float | None = None,
    servers_per_agent: int = 1,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The smallest N with k·N servers (k = `servers_per_agent`) meeting every target, Erlang C.

    Targets: P(W ≤ `answer_time_s`) ≥ `service_level`, and when given occupancy ≤ `max_occupancy`
    and ASA ≤ `max_asa_s` seconds. `traffic` (> 0 Erlangs) and `aht_s` are 1-D, one per interval.
    Returns N and the performance at N (`service_level`, `asa_seconds`, `occupancy`), equal to
    `erlang_c_metrics` at k·N servers. From the lower bound k·N > A (and k·N ≥ A/max_occupancy),
    `_SEARCH_WIDTH` consecutive N are evaluated per pass: Erlang B once at the bound, then its
    recurrence, one cheap step per server — a few vectorized passes for a year of intervals.
    """
    a = np.asarray(traffic, dtype=float)
    aht = np.broadcast_to(np.asarray(aht_s, dtype=float), a.shape)
    if a.ndim != 1 or np.any(~(a > 0)) or not np.all(np.isfinite(a)):
        raise ValueError("traffic must be a 1-D array of finite values > 0 Erlangs")
    k = int(servers_per_agent)
    n = -(-(np.floor(a).astype(np.int64) + 1) // k)  # k·N > A
    if max_occupancy is not None:
        # The smallest N with occupancy min(A/(k·N), 1) ≤ max_occupancy, as `erlang_c_metrics` computes it.
        n = np.maximum(n, np.ceil(a / (max_occupancy * k)).astype(np.int64) - 1)
        while True:
            over = np.minimum(a / (n * k), 1.0) > max_occupancy
            if not over.any():
                break
            n += over
    eb = erlang_b(a, n * k)
    agents = np.empty(a.size, dtype=np.int64)
    eb_at = np.empty(a.size)  # E_B at the answer
    idx = np.arange(a.size)
    steps = np.arange(_SEARCH_WIDTH)
    while idx.size:
        # Layout (staffing level, interval): numpy's inner loops then run along the intervals.
        every = idx.size == a.size
        a_i = a if every else a[idx]
        aht_i = aht if every else aht[idx]
        servers = ((n + steps[:, None]) * k).astype(float)
        table = np.empty(servers.shape)
        e = eb
        for j in range(_SEARCH_WIDTH):
            for step in range(k if j else 0):
                e = erlang_b_next(a_i, e, servers[j - 1] + step + 1)
            table[j] = e
        d, c, sl = _erlang_c_core(a_i, servers, table, -answer_time_s / aht_i)
        ok = sl >= service_level  # clipping sl to [0, 1] cannot change this since 0 < service_level ≤ 1
        if max_asa_s is not None:
            ok &= c * aht_i / d <= max_asa_s
        hit = ok.any(axis=0)
        rows = np.flatnonzero(hit)
        first = ok[:, rows].argmax(axis=0)
        agents[idx[rows]] = n[rows] + first
        eb_at[idx[rows]] = table[first, rows]
        rest = ~hit
        idx, n, e = idx[rest], n[rest] + _SEARCH_WIDTH, table[-1, rest]
        for step in range(k):
            e = erlang_b_next(a[idx], e, servers[-1, rest] + step + 1)
        eb = e
    servers = (agents * k).astype(float)
    _, sl, asa, occ = _erlang_c_stable(a, servers, eb_at, aht, answer_time_s)
    return agents, {"service_level": sl, "asa_seconds": asa, "occupancy": occ}


def erlang_c_wait_probability(traffic: ArrayLike, agents: ArrayLike) -> np.ndarray:
    """Erlang C: the probability that a contact waits, C(N, A) = N·E_B / (N − A(1 − E_B)).

    1 where N ≤ A and A > 0 (the queue grows without bound), 0 where A = 0.
    """
    return erlang_c_metrics(traffic, agents, 1.0, 0.0)["wait_probability"]


def erlang_c_service_level(
    traffic: ArrayLike, agents: ArrayLike, aht_s: ArrayLike, answer_time_s: ArrayLike
) -> np.ndarray:
    """Erlang C service level P(wait ≤ T) = 1 − C(N, A)·exp(−(N − A)·T/AHT).

    `aht_s` and `answer_time_s` (T) in seconds. 0 when unstable (N ≤ A), 1 when A = 0.
    """
    return erlang_c_metrics(traffic, agents, aht_s, answer_time_s)["service_level"]


def erlang_c_asa(traffic: ArrayLike, agents: ArrayLike, aht_s: ArrayLike) -> np.ndarray:
    """Erlang C average speed of answer in seconds, ASA = C(N, A)·AHT/(N − A), over all contacts.

    ∞ when unstable (N ≤ A), 0 when A = 0.
    """
    return erlang_c_metrics(traffic, agents, aht_s, 0.0)["asa_seconds"]


def erlang_c_occupancy(traffic: ArrayLike, agents: ArrayLike) -> np.ndarray:
    """Agent occupancy A/N (fraction of time busy), capped at 1; 0 when N = 0."""
    a, n = _traffic_agents(traffic, agents)
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = np.minimum(a / n, 1.0)
    return np.where(n == 0, 0.0, occ)


def erlang_a_metrics(
    traffic: ArrayLike,
    agents: ArrayLike,
    aht_s: ArrayLike,
    patience_s: ArrayLike,
    answer_time_s: ArrayLike,
) -> dict[str, np.ndarray]:
    """Erlang A (M/M/N+M, exponential patience of mean `patience_s`) performance, vectorized.

    Returns arrays (broadcast shape) keyed:
    - `wait_probability`: P(W > 0), the probability an arriving contact finds every agent busy;
    - `service_level`: P(answered within T) over all offered contacts (abandons count as misses);
    - `abandon_rate`: P(abandon), the fraction of offered contacts that hang up while waiting;
    - `asa_seconds`: E[W], the mean time in queue over all offered contacts (answered or not),
      = P(abandon)·patience_s; it tends to Erlang C's ASA as patience → ∞;
    - `occupancy`: A·(1 − P(abandon))/N, the fraction of time agents are busy.
    Formulas: module docstring (Garnett, Mandelbaum & Reiman 2002; Mandelbaum & Zeltyn 2007).
    Always stable: with N ≤ A the queue is kept finite by abandonment.
    """
    a, n = _traffic_agents(traffic, agents)
    a, n, aht, pat, t = np.broadcast_arrays(
        a, n, np.asarray(aht_s, float), np.asarray(patience_s, float), np.asarray(answer_time_s, float)
    )
    if np.any(pat <= 0) or np.any(aht <= 0):
        raise ValueError("aht_s and patience_s must be > 0")
    shape = a.shape
    wait = np.zeros(shape)
    sl = np.ones(shape)
    abandon = np.zeros(shape)
    occupancy = np.zeros(shape)

    nobody = (a > 0) & (n == 0)
    wait[nobody], sl[nobody], abandon[nobody] = 1.0, 0.0, 1.0

    m = (a > 0) & (n > 0)
    if m.any():
        am, nm = a[m], n[m].astype(float)
        ratio = pat[m] / aht[m]  # μ/θ
        x, y = nm * ratio, am * ratio
        q = np.exp(-t[m] / pat[m])  # e^{−θT}
        p_x, p_x1 = special.gammainc(x, y), special.gammainc(x + 1.0, y)
        ok = p_x1 > _TINY  # then P(x, y) ≥ P(x+1, y) is representable too
        log_cal_a = np.empty_like(x)  # ln 𝒜(x, y): 𝒜 may exceed the float range
        served_given_wait = np.empty_like(x)  # P(served | waited)
        fast_given_wait = np.empty_like(x)  # P(answered within T | waited)
        # Where P(x+1, y) is representable: ln 𝒜 = ln Γ(x+1) + y − x ln y + ln P(x, y);
        # P(served | waited) = (x/y)·P(x+1, y)/P(x, y), in logs (x/y = N/A overflows for tiny A);
        # P(answered within T | waited) = that × [1 − P(x+1, yq)/P(x+1, y)], the difference taken
        # on the side (lower P or upper Q) where both terms are small, to avoid cancellation.
        xo, yo, qo = x[ok], y[ok], q[ok]
        lp0, lp1 = np.log(p_x[ok]), np.log(p_x1[ok])
        log_cal_a[ok] = special.gammaln(xo + 1.0) + yo - xo * np.log(yo) + lp0
        served = np.exp(np.log(xo) - np.log(yo) + lp1 - lp0)
        p_hi, p_lo = p_x1[ok], special.gammainc(xo + 1.0, yo * qo)
        q_hi, q_lo = special.gammaincc(xo + 1.0, yo), special.gammaincc(xo + 1.0, yo * qo)
        within = np.where(p_hi < 0.5, (p_hi - p_lo) / p_hi, (q_lo - q_hi) / p_hi)
        served_given_wait[ok] = served
        fast_given_wait[ok] = served * within
        if (~ok).any():
            # x ≫ y (P(x+1, y) underflows): with M(a, z) = 1 + Σ_{j≥1} z^j/∏_{k≤j}(a+k) (= 𝒜(a, z)),
            # P(a, z) = z^a e^{−z} M(a, z)/Γ(a+1), so the ratios of gamma functions become
            # P(served | waited) = (x/(x+1))·M(x+1, y)/M(x, y) and P(answered within T | waited) =
            # (x/(x+1))·[M(x+1, y) − e^{−(x+1)θT + y(1−q)}·M(x+1, yq)]/M(x, y), all of moderate size.
            xs, ys, qs, theta_t = x[~ok], y[~ok], q[~ok], (t[m] / pat[m])[~ok]
            m0 = _kummer_series(xs, ys)
            m1 = _kummer_series(xs + 1.0, ys)
            m1q = _kummer_series(xs + 1.0, ys * qs)
            shift = np.exp(-(xs + 1.0) * theta_t - ys * np.expm1(-theta_t))
            log_cal_a[~ok] = np.log(m0)
            served_given_wait[~ok] = (xs / (xs + 1.0)) * m1 / m0
            fast_given_wait[~ok] = (xs / (xs + 1.0)) * (m1 - shift * m1q) / m0
        eb = erlang_b(am, n[m])
        with np.errstate(divide="ignore", over="ignore"):
            # P(W>0) = 1 / (1 + (1 − E_B)/(𝒜·E_B)), in logs so that 𝒜 may exceed the float range.
            w = 1.0 / (1.0 + (1.0 - eb) * np.exp(-(log_cal_a + np.log(eb))))
        w = np.where(eb == 0, 0.0, w)
        served_given_wait = np.clip(served_given_wait, 0.0, 1.0)
        ab_given_wait = 1.0 - served_given_wait
        fast_given_wait = np.clip(fast_given_wait, 0.0, served_given_wait)
        wait[m] = w
        abandon[m] = w * ab_given_wait
        sl[m] = (1.0 - w) + w * fast_given_wait
        occupancy[m] = np.minimum(am * (1.0 - abandon[m]) / nm, 1.0)
    return {
        "service_level": np.clip(sl, 0.0, 1.0),
        "asa_seconds": abandon * pat,
        "abandon_rate": abandon,
        "wait_probability": wait,
        "occupancy": occupancy,
    }


def _kummer_series(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """M(x, y) = 1 + Σ_{j≥1} y^j/∏_{k≤j}(x+k) (= ₁F₁(1; x+1; y) = 𝒜(x, y)), for y < x.

    Converges geometrically (term ratio < y/x); used only where P(x, y) underflows, which implies
    y/x < 1 − √(1290/x).
    """
    total = np.ones_like(x)
    term = np.ones_like(x)
    k = 1
    active = np.ones(x.shape, dtype=bool)
    while active.any():
        term = np.where(active, term * y / (x + k), 0.0)
        total += term
        k += 1
        active &= term > 1e-17 * total
    return total
