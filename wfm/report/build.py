"""`wfm report OUTDIR`: one self-contained page (report.html) from a schedule output, charts as inline SVG.

The page holds, in order: the campaign's name in the header; alerts with what to do about each
(`wfm.report.alerts`); key figures; service level, ASA, occupancy and abandonment per queue;
service level per day against the target; hours used against the budget (and the hours the target
needs, when `summary.json` has `target_hours`); per queue a day × time-of-day heatmap of scheduled −
required agents over the open hours, on one colour scale for all queues; required vs scheduled
agents on one day (the `--day`, by default the day with the most under-staffed agent-intervals, the
earliest on a tie); the per-agent month view (`wfm.report.month`); the roster of that day as a
Gantt chart; the checker's rule violations; the fairness figures.

Gantt scope: when the roster has at most `max_agents` agents and covers at most 7 days, every
shift of the horizon is drawn; otherwise the shifts of the chosen day (`date` column) are, for the
first `max_agents` agents by shift start (then agent id), and the caption says how many are shown.

The campaign (name, service-level targets, open hours) comes from `summary.json`'s `campaign`
table (`wfm run` writes it), else from the scenario passed as `scenario`. report.html is written
atomically; `report_*.png` files of earlier versions of the report are removed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.atomic import write_text
from wfm.campaign import Campaign, campaign_of
from wfm.errors import InputError
from wfm.kpi.readers import break_keys
from wfm.render import html as h
from wfm.report import alerts, svg
from wfm.report.figures import gap_grid, open_minutes, queue_figures
from wfm.report.inputs import ScheduleOutput, read_schedule_output
from wfm.report.month import agent_names, month_view
from wfm.scenario import Scenario

DEFAULT_MAX_AGENTS = 50
WHOLE_HORIZON_MAX_DAYS = 7
FAIRNESS_LABELS = {
    "weekend_days": "weekend days worked per agent",
    "late_shifts": "late shifts per agent",
    "hours": "paid hours per agent",
}
FAIRNESS_COLUMNS = {"min": "fewest", "max": "most", "spread": "spread (most − fewest)", "value": "value"}


@dataclass(frozen=True)
class ReportFiles:
    """What `write_report` wrote: the page, its number of charts, and the day its day chart shows.

    `images` is kept for callers of the PNG report: the page now draws its charts inline, so it is empty.
    """

    html: Path
    images: tuple[Path, ...]
    day: dt.date
    charts: int = 0


def write_report(
    folder: str | Path,
    *,
    day: dt.date | None = None,
    max_agents: int = DEFAULT_MAX_AGENTS,
    scenario: Scenario | None = None,
) -> ReportFiles:
    """Read the schedule output in `folder` and write report.html into it (see the module docstring).

    `scenario`, when given, supplies the campaign facts (name, targets) instead of `summary.json`.
    """
    if max_agents < 1:
        raise InputError(f"--max-agents must be at least 1, got {max_agents}")
    out = read_schedule_output(folder)
    chosen = choose_day(out.coverage, day)
    campaign = _campaign(out, scenario)
    page, charts = render_report(out, chosen, max_agents, campaign)
    folder = Path(folder)
    write_text(folder / "report.html", page)
    for stale in folder.glob("report_*.png"):  # charts of the PNG report, now inline
        stale.unlink()
    return ReportFiles(folder / "report.html", (), chosen, charts)


def _campaign(out: ScheduleOutput, scenario: Scenario | None) -> Campaign:
    if scenario is not None:
        return campaign_of(scenario, sorted(out.coverage["queue"].unique()))
    return out.summary.campaign or Campaign()


def choose_day(coverage: pd.DataFrame, day: dt.date | None) -> dt.date:
    """The requested day (which must be in the coverage), else the most under-staffed one."""
    days = coverage["interval_start"].dt.normalize()
    if day is not None:
        if not (days == pd.Timestamp(day)).any():
            raise InputError(
                f"--day {day} is outside the schedule, which covers {days.min():%Y-%m-%d} to {days.max():%Y-%m-%d}"
            )
        return day
    short = np.maximum(coverage["required_agents"] - coverage["scheduled_agents"], 0.0)
    per_day = short.groupby(days).sum()
    return per_day.index[int(np.argmax(per_day.to_numpy()))].date()


def render_report(out: ScheduleOutput, day: dt.date, max_agents: int, campaign: Campaign) -> tuple[str, int]:
    """The HTML page and the number of charts it draws (SVGs, the colour scale's legend not counted)."""
    cov = out.coverage
    days = sorted(cov["interval_start"].dt.normalize().unique())
    charts = [_service_level_chart(out, campaign), _hours_chart(out)]
    heat = _heatmaps(out, days)
    day_chart = _day_chart(out, day)
    gantt = _gantt(out, day, max_agents)
    sections = [
        h.section("Alerts", alerts.render(alerts.find_alerts(out, campaign)), id="alerts"),
        h.section("Key figures", h.cards(_key_figures(out)), id="key-figures"),
        h.section(
            "Queues",
            h.table(_queue_table(out, campaign)),
            id="queues",
            note="projected at the scheduled staffing; rates weighted by forecast contacts. Overloaded "
            "intervals: contacts arrive faster than the agents on the phone can answer them, so the wait "
            "grows without bound; ASA is over the other intervals.",
        ),
        *(c for c in charts if c),
        heat,
        day_chart,
        h.section(
            "Agents' month",
            month_view(out.roster, days) if len(out.roster) else h.paragraph("The roster is empty."),
            id="month",
            note="a row per agent, a cell per day (hover for queue and breaks); click a column heading to sort.",
        ),
        gantt,
        _violations(out),
    ]
    if out.summary.fairness:
        sections.append(
            h.section(
                "Fairness",
                h.table(fairness_table(out.summary.fairness)),
                id="fairness",
                note="per-agent figures over the horizon.",
            )
        )
    first, last = cov["interval_start"].min(), cov["interval_start"].max()
    title = campaign.name or f"Schedule report: {out.folder.resolve().name}"
    subtitle = (
        f"Schedule {first:%d %b %Y} to {last:%d %b %Y} · {cov['queue'].nunique()} queue(s) · "
        f"{out.roster['agent_id'].nunique():,} agents · intervals of {out.interval_min} min"
    )
    page = h.page(title, subtitle, sections, sortable=True)
    return page, page.count('<svg class="chart ') - page.count('<svg class="chart heat-scale"')


def _key_figures(out: ScheduleOutput) -> dict[str, str]:
    s = out.summary
    figures = {"status": s.status or "—"}
    if s.hours_used is not None:
        budget = f" / {h.number(s.budget_hours, 0)}" if s.budget_hours is not None else ""
        counted = f" ({s.hours_counted_on} h)" if s.hours_counted_on else ""
        figures[f"hours used / budget{counted}"] = f"{h.number(s.hours_used, 0)}{budget}"
    if s.projected_service_level is not None:
        figures["projected service level"] = h.percent(s.projected_service_level)
    if s.under_agent_hours is not None:
        figures["under-staffed agent-h"] = h.number(s.under_agent_hours)
    if s.over_agent_hours is not None:
        figures["over-staffed agent-h"] = h.number(s.over_agent_hours)
    if s.objective is not None:
        figures["objective"] = h.number(s.objective)
    if s.gap is not None:
        figures["gap to bound"] = h.percent(s.gap, 2) if np.isfinite(s.gap) else "∞"
    figures["agents rostered"] = h.number(out.roster["agent_id"].nunique(), 0)
    figures["shifts"] = h.number(len(out.roster), 0)
    figures["rule violations"] = str(len(s.violations))
    return figures


def _queue_table(out: ScheduleOutput, campaign: Campaign) -> pd.DataFrame:
    f = queue_figures(out.coverage, out.interval_min)
    table = pd.DataFrame({"queue": f["queue"]})
    if "contacts" in f:
        table["contacts"] = f["contacts"].map(lambda v: h.number(v, 0))
    if "service_level" in f:
        table["service level"] = f["service_level"].map(h.percent)
        table["target"] = [h.percent(campaign.target_for(q), 0) for q in f["queue"]]
    if "asa_seconds" in f:
        table["ASA s"] = f["asa_seconds"].map(h.number)
    if "occupancy" in f:
        table["occupancy"] = f["occupancy"].map(h.percent)
    if "abandon_rate" in f:
        table["abandoned"] = f["abandon_rate"].map(h.percent)
    if "overloaded" in f:
        table["overloaded intervals"] = f["overloaded"].map(lambda v: h.number(v, 0))
    table["required agent-h"] = f["required_h"].map(h.number)
    table["scheduled agent-h"] = f["scheduled_h"].map(h.number)
    table["under-staffed agent-h"] = f["under_h"].map(h.number)
    return table


def _service_level_chart(out: ScheduleOutput, campaign: Campaign) -> str | None:
    levels = out.summary.service_level_by_day
    if not levels:
        return None
    days = sorted(levels)
    lines = []
    target = campaign.service_level_target
    if target is not None:
        lines.append(svg.TargetLine(target, f"target {h.percent(target, 0)}"))
    horizon = out.summary.projected_service_level
    if horizon is not None:
        lines.append(svg.TargetLine(horizon, f"horizon {h.percent(horizon)}", "horizon", svg.REQUIRED))
    chart = svg.bar_chart(
        [f"{pd.Timestamp(d):%a %d}" for d in days],
        [levels[d] for d in days],
        kind="service-level",
        title="Projected service level per day (all queues)",
        lines=lines,
        below=target,
    )
    note = "bars under the target are red." if target is not None else "no target known: pass --scenario."
    return h.section("Service level per day", chart, id="service-level", note=note)


def _hours_chart(out: ScheduleOutput) -> str | None:
    s = out.summary
    if s.hours_used is None:
        return None
    over = s.budget_hours is not None and s.hours_used > s.budget_hours
    items = [("hours used", s.hours_used, svg.UNDER if over else svg.SCHEDULED)]
    if s.budget_hours is not None:
        items.append(("budget", s.budget_hours, svg.REQUIRED))
    if s.target_hours is not None:
        items.append(("hours the target needs", s.target_hours, svg.BREAK))
    share = f" ({h.percent(s.hours_used / s.budget_hours)} of the budget)" if s.budget_hours else ""
    chart = svg.hbar_chart(items, kind="hours", title=f"Hours used vs budget{share}")
    return h.section("Hours used vs budget", chart, id="hours")


def _heatmaps(out: ScheduleOutput, days: list[pd.Timestamp]) -> str:
    cov = out.coverage
    minutes = open_minutes(cov, out.interval_min)
    queues = sorted(cov["queue"].unique())
    grids = {q: gap_grid(cov[cov["queue"] == q], days, minutes) for q in queues}
    finite = [np.nanmax(np.abs(g)) for g in grids.values() if np.isfinite(g).any()]
    bound = max(max(finite, default=1.0), 1.0)
    labels = [f"{d:%a %Y-%m-%d}" for d in days]
    charts = [
        svg.heatmap(
            labels, minutes, grids[q], bound=bound, kind="heatmap", title=f"Queue {q}", interval_min=out.interval_min
        )
        for q in queues
    ]
    return h.section(
        "Staffing gap by day and time of day",
        svg.color_scale(bound),
        *charts,
        id="heatmaps",
        note="scheduled − required agents on the phone per interval (breaks removed), over the open hours; "
        "one colour scale for every queue.",
    )


def _day_chart(out: ScheduleOutput, day: dt.date) -> str:
    cov = out.coverage
    day_ts = pd.Timestamp(day)
    on_day = cov[cov["interval_start"].dt.normalize() == day_ts]
    minutes = open_minutes(cov, out.interval_min)
    charts = []
    for queue in sorted(on_day["queue"].unique()):
        q = on_day[on_day["queue"] == queue].sort_values("interval_start")
        q = q[(q["interval_start"] - day_ts).dt.total_seconds().between(minutes[0] * 60, minutes[-1] * 60)]
        hours = ((q["interval_start"] - day_ts).dt.total_seconds() / 3600).to_numpy()
        series = [
            ("required", q["required_agents"].to_numpy(dtype=float), svg.REQUIRED),
            ("scheduled", q["scheduled_agents"].to_numpy(dtype=float), svg.SCHEDULED),
        ]
        if len(hours):
            charts.append(svg.step_lines(hours, series, kind="day", title=f"Queue {queue}", shade_under=True))
    return h.section(
        f"Required vs scheduled on {day:%A %Y-%m-%d}",
        *charts,
        id="day",
        note="agents on the phone per interval; under-staffing shaded red.",
    )


def _gantt(out: ScheduleOutput, day: dt.date, max_agents: int) -> str:
    if not len(out.roster):
        return h.section("Roster", h.paragraph("The roster is empty."), id="gantt")
    shifts, breaks, caption = gantt_rows(out.roster, day, max_agents)
    t0 = shifts["shift_start"].min().normalize()

    def hours(s: pd.Series) -> np.ndarray:
        return ((s - t0).dt.total_seconds() / 3600).to_numpy()

    names = agent_names(out.roster)
    s0, s1 = hours(shifts["shift_start"]), hours(shifts["shift_end"])
    b0, b1 = hours(breaks["start"]), hours(breaks["end"])
    order = list(dict.fromkeys(shifts["agent_id"]))
    spans: dict[str, tuple[list, list]] = {a: ([], []) for a in order}
    for a, x, y in zip(shifts["agent_id"], s0, s1, strict=True):
        spans[a][0].append((x, y))
    for a, x, y in zip(breaks["agent_id"], b0, b1, strict=True):
        if a in spans:
            spans[a][1].append((x, y))
    lo, hi = float(np.floor(s0.min())), float(np.ceil(s1.max()))
    if hi - lo <= 36:
        ticks = [(t, f"{int(t) % 24:02d}:00") for t in range(int(lo), int(hi) + 1, 2)]
    else:
        lo, hi = float(np.floor(lo / 24) * 24), float(np.ceil(hi / 24) * 24)
        ticks = [(t, f"{t0 + pd.Timedelta(hours=t):%a %d}") for t in range(int(lo), int(hi), 24)]
    rows = [(names.get(a, a), *spans[a]) for a in order]
    chart = svg.gantt(rows, span_h=(lo, hi), tick_labels=ticks, kind="gantt", title="Shifts (blue) and breaks (amber)")
    return h.section("Roster", chart, f'<p class="note">{h.escape(caption)}</p>', id="gantt")


def _violations(out: ScheduleOutput) -> str:
    v = out.summary.violations
    if not v:
        return h.section("Rule violations", h.paragraph("The checker found no rule violation."), id="violations")
    table = pd.DataFrame([x.model_dump() for x in v], columns=["agent_id", "date", "rule", "detail"])
    return h.section(
        f"Rule violations ({len(table)})",
        h.table(table),
        id="violations",
        note="found by the checker; a roster from the solver should have none.",
    )


def gantt_rows(roster: pd.DataFrame, day: dt.date, max_agents: int) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The shifts and breaks to draw and the chart's caption (see the module docstring for the scope)."""
    agents = roster["agent_id"].nunique()
    days = roster["date"].nunique()
    if agents <= max_agents and days <= WHOLE_HORIZON_MAX_DAYS:
        shifts = roster.sort_values(["shift_start", "agent_id"], kind="stable")
        caption = f"Roster: all {agents} agents, {days} day(s)."
    else:
        todays = roster[roster["date"] == pd.Timestamp(day)].sort_values(["shift_start", "agent_id"], kind="stable")
        keep = list(dict.fromkeys(todays["agent_id"]))[:max_agents]
        shifts = todays[todays["agent_id"].isin(keep)]
        working = todays["agent_id"].nunique()
        caption = (
            f"Roster on {day:%Y-%m-%d}: {len(keep)} of {working} agents working that day "
            f"(earliest starts first; --max-agents {max_agents}, --day to choose the day)."
        )
    breaks = _breaks(shifts)
    return shifts[["agent_id", "shift_start", "shift_end"]], breaks, caption


def fairness_table(fairness: dict) -> pd.DataFrame:
    """One row per fairness figure with a readable label; nested objects ({min, max, spread, …})
    spread into columns named for people (fewest, most, spread)."""
    rows = [
        {"figure": FAIRNESS_LABELS.get(k, k.replace("_", " ")), **(v if isinstance(v, dict) else {"value": v})}
        for k, v in fairness.items()
    ]
    return pd.DataFrame(rows).rename(columns=FAIRNESS_COLUMNS)


def _breaks(roster: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for key in break_keys(roster):
        b = roster[["agent_id", f"{key}_start", f"{key}_end"]].dropna()
        parts.append(b.set_axis(["agent_id", "start", "end"], axis=1))
    if not parts:
        return pd.DataFrame({"agent_id": [], "start": pd.to_datetime([]), "end": pd.to_datetime([])})
    return pd.concat(parts, ignore_index=True)
