"""Speed of `wfm requirements`: (a) one year CSV → CSV, (b) the per-interval kernel against pyworkforce.

(a) A year of 15-minute intervals, open around the clock (365 × 96 = 35,040 rows, one voice queue,
    from the seeded example generator), read, computed and written as `wfm requirements` does it.
    Target: well under 1 s.
(b) The Erlang C staffing kernel on a sample of those intervals, side by side with pyworkforce's
    `ErlangC(...).required_positions(service_level, max_occupancy)` (one Python call per interval)
    on the same inputs: cost per interval and required agents compared. Target: ≥ 100× faster,
    identical agents wherever both use the same definition. Skipped cleanly without pyworkforce
    (`pip install -e .[bench]`). Zero-contact intervals are excluded from (b): pyworkforce rejects them.

Targets: 80% within 20 s, occupancy ≤ 0.85, shrinkage 0.30. Prints a markdown section and appends
one row per measurement to `benchmarks/results/requirements.csv` (with date, commit, machine,
Python and library versions). Usage:

    python benchmarks/bench_requirements.py                 # full size (the lead runs this)
    python benchmarks/bench_requirements.py --days 7 --sample 50 --repeat 1 --no-record   # smoke
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wfm.example_data import ExampleCampaign, QueueProfile, write_example  # noqa: E402
from wfm.requirements import compute_requirements, read_forecast, write_requirements  # noqa: E402
from wfm.service_config import ServiceConfig  # noqa: E402
from wfm.staffing import ServiceTargets, gross_up, projected_performance, required_agents  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "requirements.csv"
FIELDS = [
    "date",
    "commit",
    "machine",
    "python",
    "numpy",
    "peer_version",
    "benchmark",
    "intervals",
    "repeat",
    "best_s",
    "median_s",
    "per_interval_us",
    "peer_per_interval_us",
    "speedup",
    "agents_equal",
    "agents_differ",
    "peak_rss_mb",
    "notes",
]
TARGETS = ServiceTargets(service_level=0.8, answer_time_s=20.0, max_occupancy=0.85, shrinkage=0.30)
YEAR_CAMPAIGN = ExampleCampaign(
    start=dt.date(2027, 1, 1),
    days=365,
    open_min=0,
    close_min=24 * 60,
    weekday_factor=(1.15, 1.05, 1.0, 0.98, 0.92, 0.6, 0.45),
    queues=(QueueProfile("voice", 3300.0, (10.75, 16.5), (1.0, 0.85), 0.35, 265.0, 30.0, 45.0),),
)


def environment() -> dict[str, str]:
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "commit": commit,
        "machine": f"{platform.machine()} {os.cpu_count()} cpu {platform.processor() or platform.system()}",
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


def timed(func, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return times


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench_csv_to_csv(forecast_path: Path, out_path: Path, repeat: int) -> dict:
    config = ServiceConfig()

    def run() -> None:
        write_requirements(out_path, compute_requirements(read_forecast(forecast_path), config))

    times = timed(run, repeat)
    rows = len(read_forecast(forecast_path))
    return {"intervals": rows, "times": times}


def classify(contacts: float, aht_s: float, ours: int, theirs: int) -> str:
    """Why the peer's agents on the phone differ from ours, judged with our own formulas."""
    perf = projected_performance([contacts], [aht_s], [[ours, theirs]], 15, TARGETS)
    meets = (perf["service_level"][0] >= TARGETS.service_level) & (perf["occupancy"][0] <= TARGETS.max_occupancy)
    traffic = contacts * aht_s / 900.0
    if theirs > ours and meets[0]:
        if round(traffic + 1) > ours:
            return "peer starts its search at round(A + 1), above the smallest sufficient N"
        return "peer higher; ours meets both targets"
    if theirs < ours and not meets[1]:
        return "peer lower and misses a target"
    return "other"


def bench_kernel(forecast_path: Path, sample: int, repeat: int) -> dict | None:
    """Our kernel timed on every busy interval (vectorized); the peer on a random sample of them."""
    df = read_forecast(forecast_path)
    busy = df[df["contacts"] > 0]
    all_contacts = busy["contacts"].to_numpy()
    all_aht = busy["aht_seconds"].to_numpy()
    ours_times = timed(lambda: required_agents(all_contacts, all_aht, 15, TARGETS), repeat)
    rng = np.random.default_rng(7)
    pick = np.sort(rng.choice(len(busy), size=min(sample, len(busy)), replace=False))
    contacts, aht = all_contacts[pick], all_aht[pick]
    ours = required_agents(contacts, aht, 15, TARGETS)
    result = {"intervals": len(all_contacts), "sample": len(contacts), "times": ours_times}
    try:
        import pyworkforce
        from pyworkforce.queuing import ErlangC
    except ImportError:
        result["peer"] = None
        return result

    def peer() -> list[dict]:
        return [
            ErlangC(
                transactions=c,
                aht=a / 60.0,
                asa=TARGETS.answer_time_s / 60.0,
                interval=15,
                shrinkage=TARGETS.shrinkage,
            ).required_positions(service_level=TARGETS.service_level, max_occupancy=TARGETS.max_occupancy)
            for c, a in zip(contacts, aht, strict=True)
        ]

    peer_times = timed(peer, repeat)
    theirs = peer()
    raw = np.array([r["raw_positions"] for r in theirs])
    positions = np.array([r["positions"] for r in theirs])
    reasons: Counter[str] = Counter()
    for i in np.flatnonzero(raw != ours["agents_on_phone"]):
        reasons[classify(contacts[i], aht[i], int(ours["agents_on_phone"][i]), int(raw[i]))] += 1
    same_raw = raw == ours["agents_on_phone"]
    # Where the agents on the phone agree, scheduled agents differ only by the float gross-up.
    float_ceil = same_raw & (positions != ours["required_agents"])
    exact = gross_up(raw, TARGETS.shrinkage)
    assert np.all(exact[same_raw] == ours["required_agents"][same_raw])
    result.update(
        peer=pyworkforce.__version__ if hasattr(pyworkforce, "__version__") else "installed",
        peer_times=peer_times,
        raw_equal=int(same_raw.sum()),
        raw_differ=int((~same_raw).sum()),
        reasons=dict(reasons),
        scheduled_float_ceil=int(float_ceil.sum()),
    )
    return result


def record(rows: list[dict]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    new = not RESULTS.exists()
    with open(RESULTS, "a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
        if new:
            writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in FIELDS})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365, help="days of 15-minute intervals, 24/7 (365)")
    parser.add_argument("--sample", type=int, default=2000, help="intervals compared with pyworkforce (2000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed repetitions; best and median reported (5)")
    parser.add_argument("--no-record", action="store_true", help="do not append to benchmarks/results/")
    args = parser.parse_args(argv)

    env = environment()
    campaign = ExampleCampaign(**{**YEAR_CAMPAIGN.__dict__, "days": args.days})
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        forecast = write_example(Path(tmp) / "forecast.csv", campaign)
        a = bench_csv_to_csv(forecast, Path(tmp) / "requirements.csv", args.repeat)
        b = bench_kernel(forecast, args.sample, args.repeat)

    best_a, med_a = min(a["times"]), statistics.median(a["times"])
    rows.append(
        {
            **env,
            "benchmark": "csv_to_csv",
            "intervals": a["intervals"],
            "repeat": args.repeat,
            "best_s": f"{best_a:.4f}",
            "median_s": f"{med_a:.4f}",
            "per_interval_us": f"{best_a / a['intervals'] * 1e6:.2f}",
            "peak_rss_mb": f"{peak_rss_mb():.0f}",
        }
    )
    best_b = min(b["times"])
    ours_us = best_b / b["intervals"] * 1e6  # vectorized over every busy interval of the forecast
    row_b = {
        **env,
        "benchmark": "kernel_vs_pyworkforce",
        "intervals": b["intervals"],
        "repeat": args.repeat,
        "best_s": f"{best_b:.4f}",
        "median_s": f"{statistics.median(b['times']):.4f}",
        "per_interval_us": f"{ours_us:.2f}",
        "peak_rss_mb": f"{peak_rss_mb():.0f}",
    }

    print("## Requirements speed\n")
    print(
        f"{env['date']}, commit {env['commit']}, {env['machine']}, Python {env['python']}, "
        f"numpy {env['numpy']}; targets 80/20, occupancy ≤ 0.85, shrinkage 0.30; best of {args.repeat}.\n"
    )
    print("| measurement | intervals | best s | median s | µs / interval |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| (a) forecast.csv → requirements.csv | {a['intervals']:,} | {best_a:.3f} | {med_a:.3f} | "
        f"{best_a / a['intervals'] * 1e6:.1f} |"
    )
    print(
        f"| (b) wfm kernel (`required_agents`) | {b['intervals']:,} | {best_b:.4f} | "
        f"{statistics.median(b['times']):.4f} | {ours_us:.2f} |"
    )
    if b.get("peer") is None:
        print("\npyworkforce is not installed: (b) ran without the peer (`pip install -e .[bench]`).")
        row_b["notes"] = "pyworkforce not installed"
    else:
        best_p = min(b["peer_times"])
        peer_us = best_p / b["sample"] * 1e6
        print(
            f"| (b) pyworkforce {b['peer']} `ErlangC.required_positions` (sample) | {b['sample']:,} | "
            f"{best_p:.3f} | "
            f"{statistics.median(b['peer_times']):.3f} | {peer_us:.1f} |"
        )
        print(
            f"\nKernel speed-up: **{peer_us / ours_us:,.0f}×**. Agents on the phone identical in "
            f"{b['raw_equal']:,} of the {b['sample']:,} sampled intervals."
        )
        for reason, count in sorted(b["reasons"].items(), key=lambda kv: -kv[1]):
            print(f"- {count:,} differ: {reason}.")
        print(
            f"- Scheduled agents: where agents on the phone agree, pyworkforce's `ceil(n / (1 − 0.3))` in "
            f"floating point gives one agent more than the exact gross-up in {b['scheduled_float_ceil']:,} "
            f"intervals (e.g. 21 → 31 instead of 30)."
        )
        row_b.update(
            peer_version=b["peer"],
            peer_per_interval_us=f"{peer_us:.1f}",
            speedup=f"{peer_us / ours_us:.0f}",
            agents_equal=b["raw_equal"],
            agents_differ=b["raw_differ"],
            notes="; ".join(
                [f"peer on a sample of {b['sample']}"]
                + [f"{v} {k}" for k, v in b["reasons"].items()]
                + [f"scheduled float-ceil +1 in {b['scheduled_float_ceil']}"]
            ),
        )
    rows.append(row_b)
    if not args.no_record:
        record(rows)
        print(f"\nappended {len(rows)} rows to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
