"""The bundled example: a seeded one-month forecast of a Spanish-language BPO campaign.

Campaign: 2027-06-01 to 2027-06-30 (30 days), open 08:00–20:00 Monday to Saturday, closed on
Sunday — 26 open days × 12 h = 312 operating hours (1,248 fifteen-minute intervals) per queue.
Two queues:

- `voice_es` — inbound calls, about 3,300 on an average weekday, tens of agents needed at peak;
- `chat_es` — web chat, about a quarter of the voice volume, worked two chats at a time
  (`concurrency = 2` in the scenario's `[service.queues.chat_es]`).

Model (expected contacts per interval, i.e. a forecast, not a sample of arrivals):
contacts = daily volume × weekday factor × day noise × intraday share × interval noise, where the
intraday share is a double peak (late morning and late afternoon — voice peaks at 10:45 and
16:30, chat later at 12:00 and 18:15) over a base load, the weekday factors fall from Monday (1.15)
to Saturday (0.60), day noise is lognormal (σ = 0.05) and interval noise lognormal (σ = 0.06).
Handle time is talk + hold + after-contact work, each lognormal around its mean (voice 265/30/45 s,
chat 300/10/40 s), with talk about 6% longer in the afternoon, clipped so AHT stays within 4–7
minutes. Contacts are rounded to 0.1 and seconds to whole numbers to keep the file small.
Rows exist only for open intervals. Same seed, same file.

Regenerate with `python -m wfm.example_data` (writes `data/forecast.csv`).
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.atomic import write_csv

WEEKDAY_FACTOR = (1.15, 1.05, 1.00, 0.98, 0.92, 0.60, 0.0)  # Monday … Sunday (closed)


@dataclass(frozen=True)
class QueueProfile:
    """Volume and handle-time profile of one example queue."""

    name: str
    daily_contacts: float  # on a weekday of factor 1.0
    peaks_h: tuple[float, float]  # hours of the morning and afternoon peaks
    peak_heights: tuple[float, float]
    base_share: float  # flat share of the daily load under the peaks
    talk_s: float
    hold_s: float
    acw_s: float


@dataclass(frozen=True)
class ExampleCampaign:
    """Parameters of the bundled example forecast (module docstring)."""

    start: dt.date = dt.date(2027, 6, 1)
    days: int = 30
    open_min: int = 8 * 60
    close_min: int = 20 * 60
    interval_min: int = 15
    seed: int = 20270601
    weekday_factor: tuple[float, ...] = WEEKDAY_FACTOR  # Monday … Sunday; 0 = closed
    queues: tuple[QueueProfile, ...] = (
        QueueProfile("voice_es", 3300.0, (10.75, 16.5), (1.0, 0.85), 0.35, 265.0, 30.0, 45.0),
        QueueProfile("chat_es", 820.0, (12.0, 18.25), (0.8, 1.0), 0.45, 300.0, 10.0, 40.0),
    )


def _intraday_share(hours: np.ndarray, q: QueueProfile) -> np.ndarray:
    shape = q.base_share + sum(
        h * np.exp(-0.5 * ((hours - p) / 1.4) ** 2) for p, h in zip(q.peaks_h, q.peak_heights, strict=True)
    )
    return shape / shape.sum()


def generate_forecast(campaign: ExampleCampaign = ExampleCampaign()) -> pd.DataFrame:
    """The example forecast: interval_start, queue, contacts, talk/hold/acw seconds, open intervals only."""
    rng = np.random.default_rng(campaign.seed)
    starts_min = np.arange(campaign.open_min, campaign.close_min, campaign.interval_min)
    mid_h = (starts_min + campaign.interval_min / 2) / 60.0
    frames = []
    for day in (campaign.start + dt.timedelta(days=i) for i in range(campaign.days)):
        factor = campaign.weekday_factor[day.weekday()]
        if factor == 0.0:
            continue
        stamps = pd.Timestamp(day) + pd.to_timedelta(starts_min, unit="min")
        for q in campaign.queues:
            day_volume = q.daily_contacts * factor * rng.lognormal(0.0, 0.05)
            contacts = day_volume * _intraday_share(mid_h, q) * rng.lognormal(0.0, 0.06, starts_min.size)
            afternoon = 1.0 + 0.06 * (mid_h >= 14)
            talk = q.talk_s * afternoon * rng.lognormal(0.0, 0.08, starts_min.size)
            hold = q.hold_s * rng.lognormal(0.0, 0.25, starts_min.size)
            acw = q.acw_s * rng.lognormal(0.0, 0.15, starts_min.size)
            # Keep AHT within 4–7 minutes (whole seconds) by adjusting talk time, the largest part.
            hold, acw = np.round(hold), np.round(acw)
            total = np.round(talk) + hold + acw
            talk = np.round(talk) + np.clip(total, 240.0, 420.0) - total
            frames.append(
                pd.DataFrame(
                    {
                        "interval_start": stamps.strftime("%Y-%m-%dT%H:%M"),
                        "queue": q.name,
                        "contacts": np.round(contacts, 1),
                        "talk_seconds": np.round(talk).astype(int),
                        "hold_seconds": np.round(hold).astype(int),
                        "acw_seconds": np.round(acw).astype(int),
                    }
                )
            )
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["interval_start", "queue"], kind="stable", ignore_index=True)


def write_example(path: str | Path = "data/forecast.csv", campaign: ExampleCampaign = ExampleCampaign()) -> Path:
    """Generate the example forecast and write it atomically to `path`."""
    write_csv(path, generate_forecast(campaign))
    return Path(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the bundled example forecast (seeded).")
    parser.add_argument("--out", default="data/forecast.csv", help="CSV to write (default data/forecast.csv)")
    parser.add_argument("--seed", type=int, default=ExampleCampaign.seed, help="random seed")
    args = parser.parse_args(argv)
    path = write_example(args.out, ExampleCampaign(seed=args.seed))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
