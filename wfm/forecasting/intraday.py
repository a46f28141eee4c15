"""Intraday re-forecast: scale the rest of today's forecast by how today has run so far.

The contact-centre technique is *intraday trending* (the day-so-far ratio): compare today's
actual contacts over the elapsed intervals with what the forecast expected for them, and scale
the rest of the day by that ratio. A raw ratio early in the morning is mostly noise — two
intervals of a small queue — so it is credibility-weighted (Bühlmann): the ratio is shrunk
towards 1 by a prior worth k contacts,

    r = (A + k) / (F + k) = 1 + Z·(A/F − 1),   Z = F / (F + k),   k = k₀ + s₀·F_day,

with A the actual and F the forecast contacts of today's elapsed intervals, F_day the forecast
of the whole day, k₀ = `prior_contacts` ≥ 1 (Poisson noise: a small queue needs more contacts before
it is believed) and s₀ = `prior_share` (intraday shape noise: however large the queue, a morning
that is busy because calls came early is no proof of a busy day). Z is 0 at the start of the day
and grows towards 1 as the day's volume arrives.

Handle time likewise, weighted by contacts: the ratio of the actual work (Σ contacts × actual AHT)
to the work those same contacts would have taken at the forecast AHT, shrunk with
Z = A / (A + `aht_prior_contacts`) (each contact is one observation of handle time):

    r_aht = 1 + Z·(Σ a·aht_actual / Σ a·aht_forecast − 1).

The rest of today (intervals from now on) gets contacts × r and AHT × r_aht; elapsed intervals
carry the actuals (open or closed as observed; AHT the forecast's where nobody called); other
days keep the plain forecast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wfm.forecasting.actuals import Observed


@dataclass(frozen=True)
class IntradayParameters:
    """The credibility priors of the module docstring: contacts, and a share of the day's forecast."""

    prior_contacts: float = 200.0
    prior_share: float = 0.1
    aht_prior_contacts: float = 200.0

    def __post_init__(self) -> None:
        if self.prior_contacts < 1:
            raise ValueError("prior_contacts must be ≥ 1: a day forecast at zero must not scale by infinity")
        if min(self.prior_share, self.aht_prior_contacts) < 0:
            raise ValueError("prior_share and aht_prior_contacts must be ≥ 0")


@dataclass(frozen=True)
class DayFactors:
    """Today so far for one queue: actual and forecast contacts of the elapsed intervals, and the
    factors applied to the rest of the day (contacts and AHT)."""

    actual_contacts: float
    forecast_contacts: float
    contacts_factor: float
    aht_factor: float


@dataclass(frozen=True)
class Reforecast:
    """The forecast's days × intervals after the intraday step: `actual` marks the elapsed
    intervals, which carry the actuals; contacts and `aht_s` (seconds) elsewhere are the re-forecast."""

    is_open: np.ndarray
    contacts: np.ndarray
    aht_s: np.ndarray
    actual: np.ndarray
    factors: DayFactors


def day_factors(
    actual: np.ndarray,
    actual_aht_s: np.ndarray,
    forecast: np.ndarray,
    forecast_aht_s: np.ndarray,
    elapsed: np.ndarray,
    params: IntradayParameters,
) -> DayFactors:
    """The contacts and AHT factors for the rest of one day (module docstring).

    Arrays are that day's intervals: actual and forecast contacts, actual AHT (seconds, NaN where
    nobody called), forecast AHT (seconds), and `elapsed`, the intervals before now.
    """
    a = float(actual[elapsed].sum())
    f = float(forecast[elapsed].sum())
    k = params.prior_contacts + params.prior_share * float(forecast.sum())
    contacts_factor = (a + k) / (f + k)
    called = elapsed & (actual > 0) & ~np.isnan(actual_aht_s)
    weight = actual[called]
    expected_work_s = float((weight * forecast_aht_s[called]).sum())
    aht_factor = 1.0
    if expected_work_s > 0:
        raw = float((weight * actual_aht_s[called]).sum()) / expected_work_s
        z = weight.sum() / (weight.sum() + params.aht_prior_contacts)
        aht_factor = 1.0 + z * (raw - 1.0)
    return DayFactors(a, f, contacts_factor, aht_factor)


def reforecast(
    is_open: np.ndarray,
    contacts: np.ndarray,
    aht_s: np.ndarray,
    observed: Observed,
    params: IntradayParameters | None = None,
) -> Reforecast:
    """Re-forecast one queue's days × intervals (`is_open`, `contacts`, `aht_s` in seconds, the plain
    forecast) from what was `observed` so far: actuals where elapsed, the rest of today scaled."""
    params = params or IntradayParameters()
    t = observed.today
    factors = day_factors(observed.contacts[t], observed.aht_s[t], contacts[t], aht_s[t], observed.elapsed[t], params)
    rest_of_today = np.zeros_like(observed.elapsed)
    rest_of_today[t] = ~observed.elapsed[t]
    new_contacts = np.where(rest_of_today, contacts * factors.contacts_factor, contacts)
    new_aht = np.where(rest_of_today, aht_s * factors.aht_factor, aht_s)
    elapsed = observed.elapsed
    return Reforecast(
        is_open=np.where(elapsed, observed.is_open, is_open),
        contacts=np.where(elapsed, observed.contacts, new_contacts),
        aht_s=np.where(elapsed & ~np.isnan(observed.aht_s), observed.aht_s, new_aht),
        actual=elapsed,
        factors=factors,
    )
