"""Seeded contact-center instances in wfm's own input formats, regenerated from (parameters, seed).

`generate(spec, out_dir)` writes one scenario folder — what a planner would hand to `wfm schedule`:

- `scenario.toml`: horizon (a Monday start), operating hours (`12x6` = 08:00–20:00 Monday–Saturday,
  Sunday closed; `24x7` = always open), two shift templates, labor rules, budget, objective, service
  targets per queue;
- `forecast.csv`: contacts and handle time per open interval and queue (`wfm.example_data`'s model:
  an intraday double peak over a base load, weekday and weekend factors, lognormal day and interval
  noise), its volume sized to the agents (below);
- `requirements.csv`: computed from `forecast.csv` exactly as `wfm requirements` does;
- `agents.csv`, `unavailability.csv`, `preferences.csv`;
- `instance.json`: the parameters and the derived figures (contracted, minimum and required hours,
  achieved load, budget). Nothing in it depends on the time of generation.

Agents. A share `part_time_share` is part-time (contract 20, 25 or 30 h/week, minimum 80% of it,
some of them with a daily availability window); the rest full-time (36–40 h/week). Everyone works at
most 5 days a week. Each agent's primary queue is drawn in proportion to the queues' workload shares;
a share `multi_skill_share` is also skilled for a second queue (a second language or channel).

Templates (both operations; for 24x7 every start of the day, so shifts cross midnight):
`full` 7–10 h with a paid break, an unpaid 60-minute lunch and — from 8 h — a second paid break;
`part` 4–6 h with one paid break. Short breaks last 15 minutes (30 on a 30-minute grid). Starts step
`start_step_min`.

Time off. About `time_off_rate` of all agent-days are whole days off: 70% of it as vacation blocks of
2–5 days, 30% as single days; also about 1% of agent-days carry a 1–2 h meeting.

Sizing. An agent's contracted hours in a week are `max_hours_week` × (its days in the horizon) / 7,
less `max_hours_week / max_days_week` per whole day off. The forecast of each queue is scaled until
its required agent-hours (Σ required_agents × interval) equal `load` × contracted hours × the queue's
workload share, within 1% (a queue's floor — one or two agents whenever it is open — may keep small
instances above target; `instance.json` records the load achieved). The budget (paid hours) is, when
`binding`, halfway between the agents' contracted minimum (`pro_rated_week`: the weekly rule as it
stood when the instances were first recorded) and their contracted hours — below what covering the
requirements would take; when `non-binding`, 5% above the most the agents may work; when `cover90`,
90% of the requirements' agent-hours (so that full cover is out of reach and the under-staffing left
is what a roster is measured by: with `weights = "under-only"`, the pure-coverage instances of
issue 26).

Determinism: every random part draws from its own stream spawned from `seed`; same spec, same bytes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wfm.agents import Agent
from wfm.atomic import atomic_directory, write_csv, write_json, write_text
from wfm.example_data import WEEKDAY_FACTOR, ExampleCampaign, QueueProfile, generate_forecast
from wfm.requirements import compute_requirements, make_requirements, read_forecast
from wfm.service_config import load_service_config

GENERATOR_VERSION = 1  # bump when the same spec would produce different files
OPERATIONS = ("12x6", "24x7")
BUDGETS = ("binding", "non-binding", "cover90")
WEIGHTS = ("default", "under-only")
DEFAULT_START = dt.date(2027, 3, 1)  # a Monday
SIZING_TOLERANCE = 0.01  # relative error of each queue's required agent-hours
SIZING_ROUNDS = 25
MEETING_RATE = 0.01  # agent-days with a 1–2 h meeting
PREFERENCE_RATE = 0.02  # agent-days with a preference row


@dataclass(frozen=True)
class QueueKind:
    """A queue of the catalogue: workload share, channel, and forecast shape (volume is sized later)."""

    share: float
    channel: str  # "voice" or "chat" (2 concurrent chats)
    peaks_h: tuple[float, float]
    peak_heights: tuple[float, float]
    talk_s: float
    hold_s: float
    acw_s: float


QUEUES: dict[str, QueueKind] = {
    "voice_es": QueueKind(0.50, "voice", (10.75, 16.5), (1.0, 0.85), 265.0, 30.0, 45.0),
    "voice_en": QueueKind(0.30, "voice", (10.0, 15.0), (0.9, 1.0), 240.0, 25.0, 40.0),
    "chat_es": QueueKind(0.20, "chat", (12.0, 18.25), (0.8, 1.0), 300.0, 10.0, 40.0),
    "chat_en": QueueKind(0.15, "chat", (13.0, 19.0), (0.9, 1.0), 280.0, 10.0, 35.0),
    "voice_fr": QueueKind(0.10, "voice", (11.0, 16.0), (1.0, 0.7), 250.0, 30.0, 50.0),
}
# Weekday factors Monday … Sunday: 12x6 is example_data's (Sunday closed); 24x7 has quieter weekends.
WEEKDAY_FACTORS = {"12x6": WEEKDAY_FACTOR, "24x7": (1.15, 1.05, 1.0, 0.98, 0.92, 0.6, 0.45)}
BASE_SHARE = {"12x6": 0.35, "24x7": 0.10}  # flat load under the peaks: a night trough around the clock
OPEN_MIN = {"12x6": (8 * 60, 20 * 60), "24x7": (0, 24 * 60)}
FULL_TIME = (36.0, 40.0)  # min, max paid hours per week
PART_TIME_CONTRACTS_H = (20.0, 25.0, 30.0)
PART_TIME_MIN_SHARE = 0.8
MAX_DAYS_WEEK = 5
WINDOWS = {"12x6": (("08:00", "15:00"), ("13:00", "20:00")), "24x7": (("06:00", "15:00"), ("14:00", "23:00"))}


@dataclass(frozen=True)
class InstanceSpec:
    """The parameters of a generated instance. Same spec (seed included), same files."""

    name: str
    days: int = 7
    agents: int = 50
    interval_min: int = 15
    operation: str = "12x6"
    queues: tuple[str, ...] = ("voice_es", "voice_en", "chat_es")
    budget: str = "binding"
    load: float = 0.92  # required agent-hours / contracted agent-hours
    part_time_share: float = 0.3
    window_share: float = 0.3  # of part-timers: a daily availability window
    multi_skill_share: float = 0.3
    time_off_rate: float = 0.03  # share of agent-days off
    start_step_min: int = 30
    objective: str = "coverage"
    weights: str = "default"  # "under-only": the objective counts under-staffing alone (pure coverage)
    start: dt.date = DEFAULT_START
    seed: int = 0

    def __post_init__(self) -> None:
        problems = []
        if not self.name or any(c in self.name for c in "/\\ "):
            problems.append(f"name '{self.name}' must be non-empty without spaces or slashes")
        if not 1 <= self.days <= 62:
            problems.append(f"days {self.days} not in 1…62")
        if not 5 <= self.agents <= 5000:
            problems.append(f"agents {self.agents} not in 5…5000")
        if self.interval_min not in (15, 30):
            problems.append(f"interval_min {self.interval_min} is not 15 or 30")
        if self.operation not in OPERATIONS:
            problems.append(f"operation '{self.operation}' not in {OPERATIONS}")
        unknown = [q for q in self.queues if q not in QUEUES]
        if not self.queues or unknown or len(set(self.queues)) != len(self.queues):
            problems.append(f"queues {self.queues} must be distinct names from {tuple(QUEUES)}")
        if self.budget not in BUDGETS:
            problems.append(f"budget '{self.budget}' not in {BUDGETS}")
        if not 0.0 < self.load <= 1.5:
            problems.append(f"load {self.load} not in (0, 1.5]")
        for share in ("part_time_share", "window_share", "multi_skill_share"):
            if not 0.0 <= getattr(self, share) <= 1.0:
                problems.append(f"{share} not in [0, 1]")
        if not 0.0 <= self.time_off_rate <= 0.3:
            problems.append(f"time_off_rate {self.time_off_rate} not in [0, 0.3]")
        if self.start_step_min <= 0 or self.start_step_min % self.interval_min:
            problems.append(f"start_step_min {self.start_step_min} is not a multiple of {self.interval_min}")
        if self.weights not in WEIGHTS:
            problems.append(f"weights '{self.weights}' not in {WEIGHTS}")
        if self.objective not in ("coverage", "service"):
            problems.append(f"objective '{self.objective}' is not coverage or service")
        if self.start.weekday() != 0:
            problems.append(f"start {self.start} is not a Monday")
        if problems:
            raise ValueError("; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["queues"] = list(self.queues)
        out["start"] = self.start.isoformat()
        return out


@dataclass(frozen=True)
class GeneratedInstance:
    """A generated scenario folder and its derived figures (hours are paid agent-hours)."""

    spec: InstanceSpec
    folder: Path
    contracted_hours: float
    min_hours: float
    required_agent_hours: float
    budget_hours: float

    @property
    def scenario_path(self) -> Path:
        return self.folder / "scenario.toml"

    @property
    def load_achieved(self) -> float:
        return self.required_agent_hours / self.contracted_hours


# --- agents, time off, preferences -------------------------------------------------------------


def _shares(queues: tuple[str, ...]) -> np.ndarray:
    w = np.array([QUEUES[q].share for q in queues])
    return w / w.sum()


def _agents(spec: InstanceSpec, rng: np.random.Generator) -> pd.DataFrame:
    n = spec.agents
    shares = _shares(spec.queues)
    part_time = np.zeros(n, dtype=bool)
    part_time[rng.permutation(n)[: round(n * spec.part_time_share)]] = True
    primary = rng.choice(len(spec.queues), size=n, p=shares)
    second = rng.random(n) < spec.multi_skill_share
    contract = rng.choice(PART_TIME_CONTRACTS_H, size=n)
    window = rng.random(n) < spec.window_share
    which_window = rng.integers(0, 2, size=n)
    rows = []
    for i in range(n):
        skills = {spec.queues[primary[i]]}
        if second[i] and len(spec.queues) > 1:
            others = [k for k in range(len(spec.queues)) if k != primary[i]]
            p = shares[others] / shares[others].sum()
            skills.add(spec.queues[others[rng.choice(len(others), p=p)]])
        if part_time[i]:
            lo, hi, cost = PART_TIME_MIN_SHARE * contract[i], contract[i], 13.0
            frm, to = WINDOWS[spec.operation][which_window[i]] if window[i] else ("", "")
        else:
            (lo, hi), cost, frm, to = FULL_TIME, 14.5, "", ""
        rows.append(
            {
                "agent_id": f"A{i + 1:04d}",
                "name": f"Agent {i + 1}",
                "skills": ";".join(sorted(skills)),
                "min_hours_week": lo,
                "max_hours_week": hi,
                "max_days_week": MAX_DAYS_WEEK,
                "hourly_cost": cost,
                "available_from": frm,
                "available_to": to,
            }
        )
    return pd.DataFrame(rows)


def _time_off(spec: InstanceSpec, agent_ids: list[str], rng: np.random.Generator) -> pd.DataFrame:
    """Whole days off (vacation blocks and single days) and short meetings, on the interval grid."""
    days = spec.days
    p_block = min(1.0, 0.7 * spec.time_off_rate * days / 3.5)  # blocks average 3.5 days
    p_single = 0.3 * spec.time_off_rate
    open_lo, open_hi = OPEN_MIN[spec.operation]
    rows = []
    for agent_id in agent_ids:
        off = np.zeros(days, dtype=bool)
        if rng.random() < p_block:
            length = int(rng.integers(2, 6))
            first = int(rng.integers(0, max(1, days - length + 1)))
            off[first : first + length] = True
        off |= rng.random(days) < p_single
        meeting = (rng.random(days) < MEETING_RATE) & ~off
        starts = rng.integers(open_lo // 30, (open_hi - 120) // 30 + 1, size=days) * 30
        lengths = rng.integers(2, 5, size=days) * 30
        for d in range(days):
            date = (spec.start + dt.timedelta(days=d)).isoformat()
            if off[d]:
                rows.append({"agent_id": agent_id, "date": date, "start": "", "end": ""})
            elif meeting[d]:
                a, b = int(starts[d]), int(starts[d] + lengths[d])
                rows.append({"agent_id": agent_id, "date": date, "start": _hhmm(a), "end": _hhmm(b)})
    return pd.DataFrame(rows, columns=["agent_id", "date", "start", "end"])


def _preferences(spec: InstanceSpec, agent_ids: list[str], rng: np.random.Generator) -> pd.DataFrame:
    open_lo, open_hi = OPEN_MIN[spec.operation]
    starts = np.arange(open_lo, open_hi - 4 * 60 + 1, spec.start_step_min)
    rows = []
    for agent_id in agent_ids:
        for d in np.flatnonzero(rng.random(spec.days) < PREFERENCE_RATE):
            date = (spec.start + dt.timedelta(days=int(d))).isoformat()
            if rng.random() < 0.5:
                key, kind = str(rng.choice(["full", "part"])), "prefer"
            else:
                key, kind = _hhmm(int(rng.choice(starts))), "avoid"
            rows.append(
                {
                    "agent_id": agent_id,
                    "date": date,
                    "shift_template_or_start": key,
                    "kind": kind,
                    "weight": int(rng.integers(1, 4)),
                }
            )
    return pd.DataFrame(rows, columns=["agent_id", "date", "shift_template_or_start", "kind", "weight"])


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _hours(spec: InstanceSpec, agents: pd.DataFrame, time_off: pd.DataFrame) -> tuple[float, float]:
    """(contracted, minimum) paid hours over the horizon (module docstring)."""
    dates = [spec.start + dt.timedelta(days=d) for d in range(spec.days)]
    weeks: dict[tuple[int, int], list[dt.date]] = {}
    for d in dates:
        weeks.setdefault(d.isocalendar()[:2], []).append(d)
    whole = time_off[time_off["start"] == ""]
    off_days = {(a, dt.date.fromisoformat(d)) for a, d in zip(whole["agent_id"], whole["date"], strict=True)}
    contracted = minimum = 0.0
    for rec in agents.itertuples():
        agent = Agent(rec.agent_id, rec.name, frozenset(), rec.min_hours_week, rec.max_hours_week, rec.max_days_week)
        for week in weeks.values():
            off = sum((rec.agent_id, d) in off_days for d in week)
            lo, hi = pro_rated_week(agent, len(week), off)
            minimum += lo
            contracted += max(0.0, hi - off * agent.max_hours_week / agent.max_days_week)
    return contracted, minimum


def pro_rated_week(agent: Agent, n_days: int, whole_days_off: int) -> tuple[float, float]:
    """(min, max) paid hours of an agent in a week with `n_days` days in the horizon, pro-rated by n/7,
    the minimum lowered by min_hours_week / max_days_week per whole day off. The instances' budgets are
    defined by it (kept as it was, so recorded instances stay the same; the solver's and the checker's
    edge rule is `wfm.checker.week_hour_limits`)."""
    lo = max(0.0, agent.min_hours_week * n_days / 7 - whole_days_off * agent.min_hours_week / agent.max_days_week)
    return lo, agent.max_hours_week * n_days / 7


# --- scenario -----------------------------------------------------------------------------------


def _scenario_toml(spec: InstanceSpec, budget_h: float) -> str:
    short = max(15, spec.interval_min)  # a break lasts a whole number of intervals
    if spec.operation == "12x6":
        hours = {day: "08:00-20:00" for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday")}
        hours["sunday"] = "closed"
        full, part = ("08:00", "13:00"), ("08:00", "16:00")
    else:
        hours = {
            day: "00:00-24:00" for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        }
        last = _hhmm(24 * 60 - spec.start_step_min)
        full, part = ("00:00", last), ("00:00", last)
    weekends = len(
        {
            (spec.start + dt.timedelta(days=d)).isocalendar()[:2]
            for d in range(spec.days)
            if (spec.start + dt.timedelta(days=d)).weekday() >= 5
        }
    )
    queue_tables = "".join(
        f'\n[service.queues.{q}]\nchannel = "chat"\nconcurrency = 2\n'
        for q in spec.queues
        if QUEUES[q].channel == "chat"
    )
    opening = "\n".join(f'{day} = "{span}"' for day, span in hours.items())
    return f"""# Generated by benchmarks/generate.py (version {GENERATOR_VERSION}); regenerate, do not edit.
# {json.dumps(spec.to_dict(), sort_keys=True)}
name = "{spec.name}"

[horizon]
start = {spec.start.isoformat()}
days = {spec.days}
interval_min = {spec.interval_min}
time_zone = "UTC"

[inputs]
forecast = "forecast.csv"
requirements = "requirements.csv"
agents = "agents.csv"
unavailability = "unavailability.csv"
preferences = "preferences.csv"

[operating_hours]
{opening}

[[shift_templates]]
name = "full"
earliest_start = "{full[0]}"
latest_start = "{full[1]}"
start_step_min = {spec.start_step_min}
lengths_h = [7, 8, 9, 10]
  [[shift_templates.breaks]]
  name = "break1"
  duration_min = {short}
  paid = true
  window_start_min = 90
  window_end_min = 150
  [[shift_templates.breaks]]
  name = "lunch"
  duration_min = 60
  paid = false
  window_start_min = 210
  window_end_min = 300
  [[shift_templates.breaks]]
  name = "break2"
  duration_min = {short}
  paid = true
  window_start_min = 360
  window_end_min = 420
  min_shift_h = 8

[[shift_templates]]
name = "part"
earliest_start = "{part[0]}"
latest_start = "{part[1]}"
start_step_min = {spec.start_step_min}
lengths_h = [4, 5, 6]
  [[shift_templates.breaks]]
  name = "break1"
  duration_min = {short}
  paid = true
  window_start_min = 90
  window_end_min = 180

[rules]
min_rest_h = 11
max_consecutive_days = 6
min_consecutive_days = 1
min_consecutive_days_off = 1
min_days_off_week = 1
max_weekends = {max(1, math.ceil(0.75 * weekends))}

[budget]
hours = {budget_h:.0f}
counted_on = "paid"

[objective]
kind = "{spec.objective}"
{_weights(spec)}
late_shift_end = "19:00"

[solver]
time_limit_s = 60
workers = 2
seed = 0

[service]
service_level = 0.8
answer_time_s = 20
max_occupancy = 0.85
shrinkage = 0.25
model = "erlang-c"
{queue_tables}"""


# --- forecast sizing ----------------------------------------------------------------------------


def _base_forecast(spec: InstanceSpec, seed: int) -> pd.DataFrame:
    open_min, close_min = OPEN_MIN[spec.operation]
    profiles = tuple(
        QueueProfile(
            q,
            1000.0,
            QUEUES[q].peaks_h,
            QUEUES[q].peak_heights,
            BASE_SHARE[spec.operation],
            QUEUES[q].talk_s,
            QUEUES[q].hold_s,
            QUEUES[q].acw_s,
        )
        for q in spec.queues
    )
    campaign = ExampleCampaign(
        start=spec.start,
        days=spec.days,
        open_min=open_min,
        close_min=close_min,
        interval_min=spec.interval_min,
        seed=seed,
        weekday_factor=WEEKDAY_FACTORS[spec.operation],
        queues=profiles,
    )
    return generate_forecast(campaign)


def _scaled(base: pd.DataFrame, factor: dict[str, float]) -> pd.DataFrame:
    out = base.copy()
    out["contacts"] = np.round(base["contacts"] * base["queue"].map(factor), 1)
    return out


def _required_hours(forecast: pd.DataFrame, service: Any, interval_min: int) -> dict[str, float]:
    req = compute_requirements(forecast, service)
    hours = req.groupby("queue")["required_agents"].sum() * interval_min / 60
    return {str(q): float(h) for q, h in hours.items()}


def _size_forecast(base_csv: Path, spec: InstanceSpec, service: Any, target_h: float) -> pd.DataFrame:
    """The forecast, each queue scaled so its required agent-hours meet its share of `target_h`."""
    base = read_forecast(base_csv)
    targets = dict(zip(spec.queues, target_h * _shares(spec.queues), strict=True))
    factor = dict.fromkeys(spec.queues, 1.0)
    for _ in range(SIZING_ROUNDS):
        scaled = _scaled(base, factor)
        scaled.attrs = dict(base.attrs)
        hours = _required_hours(scaled, service, spec.interval_min)
        if all(abs(hours[q] / targets[q] - 1.0) <= SIZING_TOLERANCE for q in spec.queues):
            break
        # required hours grow about linearly with volume (plus a floor): a damped fixed point converges
        factor = {q: factor[q] * (targets[q] / hours[q]) ** 0.9 for q in spec.queues}
    return scaled


def _weights(spec: InstanceSpec) -> str:
    """The objective's weights: the default mix, or under-staffing alone (`under-only`)."""
    under, over, preference, fairness = (10.0, 1.0, 1.0, 0.5) if spec.weights == "default" else (1.0, 0.0, 0.0, 0.0)
    return (
        f"under_weight = {under}\nover_weight = {over}\ncost_weight = 0.0\n"
        f"preference_weight = {preference}\nfairness_weight = {fairness}"
    )


# --- the folder ---------------------------------------------------------------------------------


def generate(spec: InstanceSpec, out_dir: str | Path) -> GeneratedInstance:
    """Write the instance of `spec` into `out_dir` (replaced whole and atomically); return its figures."""
    streams = np.random.SeedSequence([GENERATOR_VERSION, spec.seed]).spawn(4)
    rng_agents, rng_off, rng_pref, rng_forecast = (np.random.default_rng(s) for s in streams)
    agents = _agents(spec, rng_agents)
    ids = agents["agent_id"].tolist()
    time_off = _time_off(spec, ids, rng_off)
    preferences = _preferences(spec, ids, rng_pref)
    contracted_h, min_h = _hours(spec, agents, time_off)
    if spec.budget == "binding":
        budget_h = math.ceil(min_h + 0.5 * (contracted_h - min_h))
    else:  # non-binding; cover90 is set once the requirements are known
        budget_h = math.ceil(1.05 * float((agents["max_hours_week"] * spec.days / 7).sum()))
    forecast_seed = int(rng_forecast.integers(0, 2**31))
    with atomic_directory(out_dir, markers=("instance.json",)) as tmp:  # a generated instance is replaced whole
        write_text(tmp / "scenario.toml", _scenario_toml(spec, budget_h))
        write_csv(tmp / "agents.csv", agents)
        write_csv(tmp / "unavailability.csv", time_off)
        write_csv(tmp / "preferences.csv", preferences)
        service = load_service_config(tmp / "scenario.toml")
        write_csv(tmp / "forecast.csv", _base_forecast(spec, forecast_seed))
        sized = _size_forecast(tmp / "forecast.csv", spec, service, spec.load * contracted_h)
        out = sized.reset_index(drop=True)
        out["interval_start"] = np.datetime_as_string(out["interval_start"].to_numpy().astype("datetime64[m]"))
        write_csv(
            tmp / "forecast.csv",
            out[["interval_start", "queue", "contacts", "talk_seconds", "hold_seconds", "acw_seconds"]].astype(
                {"talk_seconds": int, "hold_seconds": int, "acw_seconds": int}
            ),
        )
        summary = make_requirements(tmp / "forecast.csv", tmp / "requirements.csv", service)
        if spec.budget == "cover90":  # 90% of the agent-hours that full cover needs
            budget_h = math.ceil(0.9 * summary.required_agent_hours)
            write_text(tmp / "scenario.toml", _scenario_toml(spec, budget_h))
        instance = GeneratedInstance(
            spec, Path(out_dir), round(contracted_h, 3), round(min_h, 3), summary.required_agent_hours, float(budget_h)
        )
        write_json(
            tmp / "instance.json",
            {
                "generator_version": GENERATOR_VERSION,
                "spec": spec.to_dict(),
                "contracted_hours": instance.contracted_hours,
                "min_hours": instance.min_hours,
                "required_agent_hours": instance.required_agent_hours,
                "load_achieved": round(instance.load_achieved, 4),
                "budget_hours": instance.budget_hours,
            },
        )
    return instance


# --- `python -m benchmarks generate` -------------------------------------------------------------


def cmd_generate(args: Any) -> int:
    """Write a suite instance's folder (by name) so it can be solved or inspected by hand."""
    from benchmarks.suites import find_instance

    try:
        item = find_instance(args.name)
    except KeyError as exc:
        print(f"benchmarks generate: {exc.args[0]}", file=sys.stderr)
        return 2
    spec = item.spec if args.seed is None else dataclasses.replace(item.spec, seed=args.seed)
    inst = generate(spec, args.out)
    print(
        f"wrote {args.out}: {spec.agents} agents, {spec.days} days of {spec.interval_min}-minute intervals, "
        f"{spec.operation}, queues {', '.join(spec.queues)}"
    )
    print(
        f"required {inst.required_agent_hours:,.1f} agent-h = {inst.load_achieved:.1%} of "
        f"{inst.contracted_hours:,.1f} contracted h; minimum {inst.min_hours:,.1f} h; "
        f"{spec.budget} budget {inst.budget_hours:,.0f} h"
    )
    print(f"solve it: wfm schedule {Path(args.out) / 'scenario.toml'} --out OUT --time-limit-s {item.time_limit_s:g}")
    return 0


def add_command(commands: Any) -> None:
    """Register the `generate` subcommand on an argparse subparsers object."""
    p = commands.add_parser("generate", help="write a suite instance's scenario folder")
    p.add_argument("name", help="instance name, as listed in benchmarks/suites.py")
    p.add_argument("--out", type=Path, required=True, help="folder to write (replaced whole)")
    p.add_argument("--seed", type=int, default=None, help="generator seed (default: the instance's)")
    p.set_defaults(func=cmd_generate)
