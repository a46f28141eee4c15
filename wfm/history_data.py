"""The bundled history `data/history.csv`: one year of synthetic 15-minute history, seeded.

The campaign is the bundled example's (`wfm.example_data`, whose forecast starts 2027-06-01, the
day after this history ends): a Spanish-language BPO open 08:00–20:00 Monday to Saturday, closed
on Sunday and on Spanish national public holidays (`holidays.Spain`), here from 2026-06-01 to
2027-05-31, with the two queues, weekday factors, intraday double peak and handle-time means of
`wfm.example_data.ExampleCampaign` (`voice_es` about 3,300 contacts on an average weekday,
`chat_es` a quarter of that). What history adds to a forecast's expected values:

    contacts(q, d, s) ~ Poisson(daily_q × weekday(d) × trend(d) × season(d) × after_holiday(d)
                                × noise(d) × share_q(s))

* `trend` — 12 % growth a year, linear, reaching the example's volume on 2027-06-01;
* `season` — 10 % fewer contacts in mid-August, 5 % fewer just before Christmas;
* `after_holiday` — 10 % more on the first open day after a holiday (backlog);
* `noise` — a day-level factor exp(e_d), e_d = 0.5·e_(d−1) + N(0, 0.05²): busy days cluster;
* Poisson draws per interval: actual arrivals, not expected values.

Handle times are per-interval averages of gamma-distributed contacts (coefficient of variation
0.8) around the example's talk, hold and after-contact-work means, talk 6 % longer from 14:00, so
quiet intervals are noisier. Seconds are integers and empty when an interval had no contacts.
Rows exist only for open intervals (closed hours and days have none: see `wfm.forecasting.history`).

Regenerate with `python -m wfm.history_data data/history.csv` (same seed, same file).
"""

from __future__ import annotations

import sys
from pathlib import Path

import holidays
import numpy as np
import pandas as pd

from wfm.atomic import write_csv
from wfm.example_data import WEEKDAY_FACTOR, ExampleCampaign, _intraday_share

SEED = 20260601
FIRST_DAY = np.datetime64("2026-06-01")
LAST_DAY = np.datetime64("2027-05-31")
GROWTH_PER_YEAR = 0.12
AFTER_HOLIDAY_UPLIFT = 1.10
NOISE_AR, NOISE_SD = 0.5, 0.05
HANDLE_SPREAD = 0.8
AFTERNOON_TALK = 1.06


def _day_factors(days: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Whether each day is open, and its volume factor relative to the example's daily volume."""
    weekday = (days.astype(np.int64) + 3) % 7
    years = range(int(str(days[0])[:4]), int(str(days[-1])[:4]) + 1)
    holiday = np.isin(days, np.array(list(holidays.Spain(years=years)), dtype="datetime64[D]"))
    is_open = (np.asarray(WEEKDAY_FACTOR)[weekday] > 0) & ~holiday
    before = np.concatenate([[False], holiday[:-1]])
    two_before = np.concatenate([[False, False], holiday[:-2]])
    after_holiday = is_open & (before | ((weekday == 0) & two_before))  # Saturday holiday → Monday
    years_to_forecast = (days - np.datetime64(ExampleCampaign().start, "D")).astype(float) / 365.0
    doy = (days - days.astype("datetime64[Y]")).astype(float)
    season = 1 - 0.10 * np.exp(-0.5 * ((doy - 227) / 12) ** 2) - 0.05 * np.exp(-0.5 * ((doy - 352) / 6) ** 2)
    noise = np.zeros(days.size)
    for d in range(1, days.size):
        noise[d] = NOISE_AR * noise[d - 1] + rng.normal(0.0, NOISE_SD)
    factor = (
        np.asarray(WEEKDAY_FACTOR)[weekday]
        * (1 + GROWTH_PER_YEAR * years_to_forecast)
        * season
        * np.where(after_holiday, AFTER_HOLIDAY_UPLIFT, 1.0)
        * np.exp(noise)
    )
    return is_open, factor


def generate(seed: int = SEED) -> pd.DataFrame:
    """The bundled history as a table: `interval_start, queue, contacts, talk_seconds, hold_seconds,
    acw_seconds` (seconds are per-contact averages), sorted by queue then interval_start."""
    campaign = ExampleCampaign()
    rng = np.random.default_rng(seed)
    days = np.arange(FIRST_DAY, LAST_DAY + 1)
    is_open, day_factor = _day_factors(days, rng)
    open_days = np.flatnonzero(is_open)
    starts_min = np.arange(campaign.open_min, campaign.close_min, campaign.interval_min)
    mid_h = (starts_min + campaign.interval_min / 2) / 60.0
    parts = []
    for q in campaign.queues:
        mean = q.daily_contacts * day_factor[open_days, None] * _intraday_share(mid_h, q)[None, :]
        contacts = rng.poisson(mean)
        seconds = {}
        for name, expected in (
            ("talk_seconds", q.talk_s * np.where(mid_h >= 14, AFTERNOON_TALK, 1.0)),
            ("hold_seconds", np.full_like(mid_h, q.hold_s)),
            ("acw_seconds", np.full_like(mid_h, q.acw_s)),
        ):
            # The mean of n gamma handle times (coefficient of variation HANDLE_SPREAD) is gamma too.
            shape = np.maximum(contacts, 1) / HANDLE_SPREAD**2
            value = np.rint(rng.gamma(shape, expected / shape))
            seconds[name] = pd.array(np.where(contacts > 0, value, np.nan).ravel(), dtype="Int64")
        stamps = FIRST_DAY.astype("datetime64[m]") + (open_days[:, None] * 1440 + starts_min[None, :]).ravel()
        parts.append(
            pd.DataFrame(
                {
                    "interval_start": pd.DatetimeIndex(stamps.astype("datetime64[ns]")).strftime("%Y-%m-%dT%H:%M"),
                    "queue": q.name,
                    "contacts": contacts.ravel(),
                    **seconds,
                }
            )
        )
    return pd.concat(parts, ignore_index=True).sort_values(["queue", "interval_start"], ignore_index=True)


def write_history(path: str | Path, seed: int = SEED) -> None:
    """Generate the history with `seed` and write it to `path` (atomically)."""
    write_csv(path, generate(seed))


if __name__ == "__main__":
    write_history(sys.argv[1] if len(sys.argv) > 1 else "data/history.csv")
