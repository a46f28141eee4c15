"""Forecast methods for one queue's contacts: each a small class with `fit(history)` and `predict(horizon)`.

`predict` returns expected contacts per day × interval of the horizon, zero wherever the horizon
is closed. Methods forecast volume only; handle time is `handle_time.py`, opening hours
`opening.py`, special-day factors are applied by the pipeline to every method alike.

* `seasonal-naive` — the baseline: each interval as it was one week earlier (the last regular
  day of the same weekday; for horizons past a week, that last week repeated).
* `profile` — the contact-centre method: daily volume and intraday shape modelled apart.
  Daily totals follow a Poisson log-linear model, `log E[total] = level_weekday + trend·t
  (+ holiday)`, fitted by iteratively reweighted least squares to the last `window_days` with
  weights halving every `half_life_days` (recent weeks count more). Each day's total is spread
  over its open intervals by the intraday profile of its weekday (the share of the day's
  contacts in each interval, over the last `profile_weeks` regular days of that weekday).
* `ets` — a statistical model: statsforecast's AutoETS with weekly seasonality on daily totals
  (holidays and special days imputed from the same weekday a week either side), spread over the
  day by the same intraday profile. Needs the `forecast` extra (`pip install 'wfm[forecast]'`).
"""

from __future__ import annotations

import importlib.util
from abc import ABC, abstractmethod
from typing import ClassVar, Self

import numpy as np

from wfm.errors import InputError, WfmError
from wfm.forecasting.calendar import Calendar
from wfm.forecasting.history import QueueSeries
from wfm.forecasting.opening import Horizon, weekday, weekday_hours


class Method(ABC):
    """A forecast method for one queue. `min_history_days` is how much history `fit` needs."""

    name: ClassVar[str]
    min_history_days: ClassVar[int]

    def fit(self, history: QueueSeries) -> Self:
        """Learn from `history`; raises `InputError` if it is shorter than `min_history_days`."""
        if history.n_days < self.min_history_days or not history.day_open.any():
            raise InputError(
                f"history too short for method '{self.name}': queue '{history.queue}' has "
                f"{history.n_days} days, the method needs at least {self.min_history_days}"
            )
        self._history = history
        self._fit(history)
        return self

    def _fit(self, history: QueueSeries) -> None:  # noqa: B027 - optional hook
        """Method-specific fitting; `self._history` is already set."""

    @abstractmethod
    def predict(self, horizon: Horizon) -> np.ndarray:
        """Expected contacts per day × interval of `horizon`; zero where closed."""

    def _day_offsets(self, horizon: Horizon) -> np.ndarray:
        """Days from the last history day to each horizon day (1 = the next day)."""
        return (horizon.days - self._history.last_day).astype(np.int64)


class SeasonalNaive(Method):
    """Same interval one week earlier: the last regular (else last open) day of the same weekday."""

    name = "seasonal-naive"
    min_history_days = 7

    def predict(self, horizon: Horizon) -> np.ndarray:
        h = self._history
        wd = weekday(h.days)
        source = np.full(7, -1)
        for w in range(7):
            for usable in (h.regular, h.day_open):
                found = np.flatnonzero(usable & (wd == w))
                if found.size:
                    source[w] = found[-1]
                    break
        picked = source[weekday(horizon.days)]
        out = np.where(picked[:, None] >= 0, h.contacts[np.maximum(picked, 0)], 0.0)
        return out * horizon.is_open


class IntradayProfile:
    """Share of a day's contacts per interval, per weekday, over the last `weeks` regular days.

    A weekday with no regular days uses the profile pooled over all weekdays. `spread` scales
    each horizon day's profile to its open intervals and multiplies by that day's total.
    """

    def __init__(self, weeks: int = 8) -> None:
        self.weeks = weeks

    def fit(self, history: QueueSeries) -> Self:
        wd = weekday(history.days)
        shares = np.zeros((7, history.slots_per_day))
        seen = np.zeros(7, dtype=bool)
        for w in range(7):
            recent = np.flatnonzero(history.regular & (wd == w))[-self.weeks :]
            volume = history.contacts[recent].sum(axis=0)
            if volume.sum() > 0:
                shares[w] = volume / volume.sum()
                seen[w] = True
        recent = np.flatnonzero(history.regular)[-7 * self.weeks :]
        pooled = history.contacts[recent].sum(axis=0)
        pooled = pooled / pooled.sum() if pooled.sum() > 0 else np.ones_like(pooled) / pooled.size
        shares[~seen] = pooled
        self.shares = shares
        return self

    def spread(self, totals: np.ndarray, horizon: Horizon) -> np.ndarray:
        """Contacts per day × interval: each day's total over its open intervals by its weekday's shape."""
        shape = self.shares[weekday(horizon.days)] * horizon.is_open
        mass = shape.sum(axis=1, keepdims=True)
        flat = horizon.is_open / np.maximum(horizon.is_open.sum(axis=1, keepdims=True), 1)
        shape = np.where(mass > 0, shape / np.where(mass > 0, mass, 1.0), flat)
        return shape * totals[:, None]


def poisson_regression(X: np.ndarray, y: np.ndarray, weights: np.ndarray, iterations: int = 100) -> np.ndarray:
    """Weighted Poisson log-linear regression by IRLS: β maximising Σ w·(y·xβ − exp(xβ)).

    Each step solves the weighted least-squares problem of the working response
    `z = xβ + (y − μ)/μ` with weights `w·μ` (McCullagh & Nelder, *Generalized Linear Models*, §2.5).
    """
    mean_y = max(float(np.average(y, weights=weights)), 1e-9)
    beta = np.linalg.lstsq(X, np.full(len(y), np.log(mean_y)), rcond=None)[0]
    for _ in range(iterations):
        eta = np.clip(X @ beta, -50, 50)
        mu = np.exp(eta)
        z = eta + (y - mu) / mu
        root = np.sqrt(weights * mu)
        step = np.linalg.lstsq(X * root[:, None], z * root, rcond=None)[0]
        converged = np.max(np.abs(step - beta)) < 1e-10
        beta = step
        if converged:
            break
    return beta


class DayProfile(Method):
    """The contact-centre method: Poisson model of daily totals × intraday profile per weekday."""

    name = "profile"
    min_history_days = 14
    trend_min_days = 56
    """Fit a trend only on at least this many days of history (shorter spans give noise, not trend)."""

    def __init__(self, window_days: int = 182, half_life_days: float = 56.0, profile_weeks: int = 8) -> None:
        self.window_days = window_days
        self.half_life_days = half_life_days
        self.profile = IntradayProfile(profile_weeks)

    def _design(self, day_index: np.ndarray, holiday: np.ndarray) -> np.ndarray:
        wd = weekday(self._history.first_day + day_index)
        columns = [(wd == w).astype(float) for w in self._weekdays]
        if self._trend:
            columns.append((day_index - (self._history.n_days - 1)) / 365.0)
        if self._holiday_effect:
            columns.append(holiday.astype(float))
        return np.column_stack(columns)

    def _fit(self, history: QueueSeries) -> None:
        self.profile.fit(history)
        index = np.arange(history.n_days)
        recent = index >= history.n_days - self.window_days
        use = recent & history.day_open & ~history.excluded
        if not use.any():
            use = history.day_open
        totals = history.contacts.sum(axis=1)
        wd = weekday(history.days)
        self._weekdays = [w for w in range(7) if (use & ~history.holiday & (wd == w)).any()]
        span = index[use].max() - index[use].min() + 1
        self._trend = span >= self.trend_min_days
        self._holiday_effect = bool((use & history.holiday).any())
        use &= np.isin(wd, self._weekdays)
        weights = 0.5 ** ((history.n_days - 1 - index[use]) / self.half_life_days)
        X = self._design(index[use], history.holiday[use])
        self._beta = poisson_regression(X, totals[use], weights)

    def predict(self, horizon: Horizon) -> np.ndarray:
        day_index = self._history.n_days - 1 + self._day_offsets(horizon)
        X = self._design(day_index, horizon.holiday)
        # A weekday open in the horizon but never in the fitted days gets the mean weekday level.
        unseen = ~np.isin(weekday(horizon.days), self._weekdays)
        mean_level = np.log(np.mean(np.exp(self._beta[: len(self._weekdays)])))
        totals = np.exp(np.clip(X @ self._beta + unseen * mean_level, -50, 50))
        return self.profile.spread(totals, horizon)


class Ets(Method):
    """statsforecast AutoETS (weekly season) on daily totals × the intraday profile per weekday."""

    name = "ets"
    min_history_days = 35
    window_days = 364

    def __init__(self, profile_weeks: int = 8) -> None:
        self.profile = IntradayProfile(profile_weeks)

    @staticmethod
    def available() -> bool:
        """Whether statsforecast is installed (the `forecast` extra)."""
        return importlib.util.find_spec("statsforecast") is not None

    def _fit(self, history: QueueSeries) -> None:
        if not self.available():
            raise WfmError(
                "method 'ets' needs statsforecast",
                hint="pip install 'wfm[forecast]', or use --method profile",
            )
        from statsforecast.models import AutoETS

        self.profile.fit(history)
        totals = _imputed_totals(history)[-self.window_days :]
        self._model = AutoETS(season_length=7).fit(totals)

    def predict(self, horizon: Horizon) -> np.ndarray:
        offsets = self._day_offsets(horizon)
        mean = self._model.predict(int(offsets.max()))["mean"]
        totals = np.maximum(np.asarray(mean)[offsets - 1], 0.0)
        return self.profile.spread(totals, horizon)


def _imputed_totals(history: QueueSeries) -> np.ndarray:
    """Daily totals with irregular days (holidays, special or unexpectedly closed days of a usually
    open weekday) replaced by the mean of the regular same-weekday days up to three weeks either side."""
    totals = history.contacts.sum(axis=1)
    usual = weekday_hours(history).any(axis=1)[weekday(history.days)]
    irregular = np.flatnonzero(usual & ~history.regular)
    regular = history.regular
    for d in irregular:
        near = np.array([d + k for k in (-21, -14, -7, 7, 14, 21)])
        near = near[(near >= 0) & (near < history.n_days)]
        near = near[regular[near]]
        if near.size:
            totals[d] = totals[near].mean()
        else:
            same = regular & (weekday(history.days) == weekday(history.days[d : d + 1])[0])
            totals[d] = totals[same].mean() if same.any() else 0.0
    return totals


METHODS: dict[str, type[Method]] = {m.name: m for m in (SeasonalNaive, DayProfile, Ets)}
"""Every method by name; `auto` chooses among them per queue by backtest."""


def make_method(name: str) -> Method:
    """A new, unfitted method by name; raises `InputError` listing the choices for an unknown name."""
    if name not in METHODS:
        raise InputError(f"unknown method '{name}'", hint=f"choose one of: {', '.join(METHODS)}, or auto")
    return METHODS[name]()


def forecast_contacts(method: str, history: QueueSeries, horizon: Horizon, calendar: Calendar) -> np.ndarray:
    """Fit `method` to `history` and forecast `horizon`, with special-day factors applied.

    Returns contacts per day × interval, ≥ 0 and exactly 0 where the horizon is closed.
    """
    contacts = make_method(method).fit(history).predict(horizon)
    contacts = contacts * calendar.factor(horizon.days)[:, None]
    return np.where(horizon.is_open, np.maximum(contacts, 0.0), 0.0)
