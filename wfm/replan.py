"""`wfm replan`: re-optimize the rest of a published roster with as few changes as the gain justifies.

Every published shift starting before `--from` plus `--freeze-h` stays as published. The rest of the
horizon is solved again against the scenario's current inputs (new requirements, new time off, agents
who left), as a horizon of its own that starts on the date of `--from`:

- published shifts dated before that date are its previous roster (rest, runs, the straddling week);
- published shifts on or after it that start before the cut-off are locked (kept unchanged);
- every other published shift becomes a wish to keep it — a `prefer` preference for its start on its
  date, weighted `change_weight` (objective units per changed shift) — so the solver moves a shift
  only where that gains more than the weight (the preference term of the objective counts them).

The result is the whole roster (published before the new horizon, then the re-planned one), checked;
`changes.csv` lists each agent-day that changed (`added`, `removed`, or what changed of a kept day:
`start`, `length`, `queue`, `template`, `breaks`), the list a planner sends to agents; `offers.csv` the
overtime and voluntary-time-off offers that would close what is left of the gap (`wfm.offers`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from wfm.agents import Preference, Unavailability
from wfm.atomic import atomic_directory, write_csv, write_json
from wfm.checker import CheckReport, check_roster
from wfm.continuity import locked_reasons
from wfm.errors import InfeasibleError, InputError
from wfm.lock import output_lock
from wfm.offers import offers_for
from wfm.roster import RosterShift, read_roster, write_roster
from wfm.scenario import Scenario
from wfm.schedule import Progress, ScheduleInputs, ScheduleOptions, ScheduleResult, load_inputs, solve_schedule

CHANGE_COLUMNS = ["agent_id", "date", "change", "before", "after"]
DEFAULT_CHANGE_WEIGHT = 5.0  # objective units per changed shift: half an agent-hour short at weight 10


@dataclass(frozen=True)
class ReplanResult:
    """The re-planned horizon's result, the whole roster, the changes and coverage before and after."""

    result: ScheduleResult
    roster: list[RosterShift]
    changes: pd.DataFrame
    before: CheckReport
    summary: dict[str, Any]
    offers: pd.DataFrame


def _published(path: Path, scenario: Scenario) -> list[RosterShift]:
    """The published roster; every row must lie in the scenario's horizon (else it is another scenario's)."""
    dates = set(scenario.horizon_dates)
    shifts = read_roster(path, scenario)
    for row, s in enumerate(shifts, start=2):
        if s.date not in dates:
            raise InputError(
                f"date {s.date} is outside the scenario's horizon: is this roster published for another scenario?",
                path=path,
                row=row,
                column="date",
            )
    return shifts


def _describe(s: RosterShift | None) -> str:
    if s is None:
        return ""
    return f"{s.start:%H:%M}-{s.end:%H:%M} {s.queue} {s.template}"


def _change(before: RosterShift | None, after: RosterShift | None) -> str | None:
    """What changed of an agent's day: None when nothing did."""
    if before is None:
        return None if after is None else "added"
    if after is None:
        return "removed"
    what = [
        name
        for name, a, b in (
            ("start", before.start, after.start),
            ("length", before.length_min, after.length_min),
            ("queue", before.queue, after.queue),
            ("template", before.template, after.template),
            ("breaks", [(b.start, b.end) for b in before.breaks], [(b.start, b.end) for b in after.breaks]),
        )
        if a != b
    ]
    return "+".join(what) or None


def changes_between(published: list[RosterShift], replanned: list[RosterShift], first: dt.date) -> pd.DataFrame:
    """`changes.csv`: one row per agent and date from `first` on whose shift changed, sorted."""
    old = {(s.agent_id, s.date): s for s in published if s.date >= first}
    new = {(s.agent_id, s.date): s for s in replanned if s.date >= first}
    rows = []
    for key in sorted(set(old) | set(new)):
        change = _change(old.get(key), new.get(key))
        if change is not None:
            rows.append((key[0], key[1].isoformat(), change, _describe(old.get(key)), _describe(new.get(key))))
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


def _horizon_from(scenario: Scenario, first: dt.date) -> Scenario:
    """The scenario with its horizon starting on `first` (same end)."""
    h = scenario.config.horizon
    end = h.start + dt.timedelta(days=h.days)
    horizon = h.model_copy(update={"start": first, "days": (end - first).days})
    return Scenario(scenario.config.model_copy(update={"horizon": horizon}), scenario.path)


def _meets_time_off(shift: RosterShift, unavailability: Sequence[Unavailability]) -> bool:
    """Whether any minute of `shift` falls in the agent's time off."""
    return any(u.agent_id == shift.agent_id and u.meets(shift.start, shift.end) for u in unavailability)


def replan_inputs(
    inputs: ScheduleInputs, published: list[RosterShift], from_at: dt.datetime, freeze_h: float, change_weight: float
) -> tuple[ScheduleInputs, list[RosterShift]]:
    """The inputs of the re-planned horizon, and the published shifts kept before it."""
    sc = inputs.scenario
    if not (sc.horizon_dates[0] <= from_at.date() <= sc.horizon_dates[-1]):
        raise InputError(
            f"--from {from_at:%Y-%m-%dT%H:%M} is outside the horizon ({sc.horizon_dates[0]} to {sc.horizon_dates[-1]})"
        )
    first = from_at.date()
    cutoff = from_at + dt.timedelta(hours=freeze_h)
    known = {a.agent_id for a in inputs.agents}
    before = [s for s in published if s.date < first]
    locked = [s for s in published if s.date >= first and s.start < cutoff and s.agent_id in known]
    locked_days = {(s.agent_id, s.date) for s in locked}
    keep = [
        Preference(s.agent_id, s.date, None, s.start.hour * 60 + s.start.minute, "prefer", change_weight)
        for s in published
        if s.date >= first and s.agent_id in known and (s.agent_id, s.date) not in locked_days
    ]
    new_sc = _horizon_from(sc, first)
    previous = [s for s in before if s.agent_id in known and (first - s.date).days <= 14]
    prefs = [p for p in inputs.preferences if p.date >= first] + keep
    unav = inputs.unavailability  # days before the horizon still credit the week that straddles it
    start_from = [
        s
        for s in published
        if s.date >= first
        and s.agent_id in known  # still possible ones
        and (s.agent_id, s.date) not in locked_days
        and not _meets_time_off(s, unav)
    ]
    out = dataclasses.replace(
        inputs,
        scenario=new_sc,
        previous=previous,
        locked=locked,
        preferences=prefs,
        start_from=start_from,
        keep_weight=change_weight,
    )
    if locked:
        alone = check_roster(new_sc, locked, out.requirements, out.agents, unav, previous=previous)
        reasons = locked_reasons(list(alone.violations), "published roster")
        if reasons:
            raise InfeasibleError("the shifts kept as published break rules on their own", reasons=reasons)
    return out, before


def replan(
    scenario_path: str | Path,
    published_path: str | Path,
    from_at: dt.datetime,
    *,
    freeze_h: float = 0.0,
    change_weight: float = DEFAULT_CHANGE_WEIGHT,
    options: ScheduleOptions | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> ReplanResult:
    """Re-plan the published roster from `from_at` on (see the module docstring)."""
    if not (freeze_h >= 0 and freeze_h < 24 * 400):
        raise InputError(f"--freeze-h must be a number of hours ≥ 0, got {freeze_h}")
    if not (change_weight >= 0 and change_weight < 1e9):
        raise InputError(f"--change-weight must be ≥ 0, got {change_weight}")
    inputs0 = load_inputs(scenario_path)
    published = _published(Path(published_path), inputs0.scenario)
    inputs, kept_before = replan_inputs(inputs0, published, from_at, freeze_h, change_weight)
    result = solve_schedule(inputs, options or ScheduleOptions(), progress)
    first = from_at.date()
    in_horizon = [s for s in published if s.date >= first and s.agent_id in {a.agent_id for a in inputs.agents}]
    before = check_roster(
        inputs.scenario,
        in_horizon,
        inputs.requirements,
        inputs.agents,
        inputs.unavailability,
        inputs.preferences,
        previous=inputs.previous,
    )
    changes = changes_between(published, result.shifts, first)
    offers = offers_for(
        inputs.scenario, result.shifts, result.report.coverage, inputs.agents, inputs.unavailability, first
    )
    summary = dict(result.summary)
    summary["replan"] = {
        "from": from_at.strftime("%Y-%m-%dT%H:%M"),
        "freeze_h": freeze_h,
        "change_weight": change_weight,
        "kept_as_published": len(inputs.locked),
        "changes": {str(k): int(v) for k, v in changes["change"].value_counts().sort_index().items()},
        "changed_shifts": len(changes),
        "agents_to_tell": int(changes["agent_id"].nunique()),
        "before": _coverage_figures(before),
        "after": _coverage_figures(result.report),
        "offers": {str(k): int(v) for k, v in offers["offer"].value_counts().sort_index().items()},
    }
    return ReplanResult(result, kept_before + result.shifts, changes, before, summary, offers)


def _coverage_figures(report: CheckReport) -> dict[str, Any]:
    return {
        "under_agent_hours": report.under_agent_hours,
        "over_agent_hours": report.over_agent_hours,
        "projected_service_level": report.projected_service_level,
        "objective": report.objective,
        "violations": len(report.violations),
    }


def write_replan(out_dir: str | Path, replanned: ReplanResult) -> None:
    """roster.csv (the whole roster), coverage.csv, summary.json, changes.csv and offers.csv into `out_dir`, replaced
    whole and atomically, under the same lock as `wfm run` (`DIR.lock`)."""
    with output_lock(out_dir), atomic_directory(out_dir) as tmp:
        result = replanned.result
        write_roster(tmp / "roster.csv", replanned.roster, result.max_breaks, break_names=result.break_names or None)
        write_csv(tmp / "coverage.csv", replanned.result.report.coverage, float_format="%.6g")
        write_json(tmp / "summary.json", replanned.summary)
        write_csv(tmp / "changes.csv", replanned.changes)
        write_csv(tmp / "offers.csv", replanned.offers)
