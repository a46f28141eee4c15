"""`wfm report OUTDIR`: charts (PNG) and one self-contained page (report.html) from a schedule output.

The page holds, in order: key figures; per queue a day × time-of-day heatmap of scheduled −
required agents; required vs scheduled agents on one day (the `--day`, by default the day with the
most under-staffed agent-intervals, the earliest on a tie); the roster as a Gantt chart; the
projected service level per day; hours used against the budget; the checker's rule violations;
the fairness figures.

Gantt scope: when the roster has at most `max_agents` agents and covers at most 7 days, every
shift of the horizon is drawn; otherwise the shifts of the chosen day (`date` column) are, for the
first `max_agents` agents by shift start (then agent id), and the caption says how many are shown.

Files are written atomically into OUTDIR: each `report_*.png`, then `report.html` last; earlier
`report_*.png` files that this run did not produce are removed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.atomic import atomic_path, write_text
from wfm.errors import InputError
from wfm.kpi.readers import break_numbers
from wfm.report import charts
from wfm.report import html as h
from wfm.report.inputs import ScheduleOutput, read_schedule_output

DEFAULT_MAX_AGENTS = 50
WHOLE_HORIZON_MAX_DAYS = 7


@dataclass(frozen=True)
class ReportFiles:
    """What `write_report` wrote, and the day its day chart and (large-roster) Gantt show."""

    html: Path
    images: tuple[Path, ...]
    day: dt.date


def write_report(
    folder: str | Path, *, day: dt.date | None = None, max_agents: int = DEFAULT_MAX_AGENTS
) -> ReportFiles:
    """Read the schedule output in `folder` and write report.html and report_*.png into it."""
    if max_agents < 1:
        raise InputError(f"--max-agents must be at least 1, got {max_agents}")
    out = read_schedule_output(folder)
    chosen = choose_day(out.coverage, day)
    images, page = render_report(out, chosen, max_agents)
    folder = Path(folder)
    written = []
    for name, png in images.items():
        with atomic_path(folder / name) as tmp:
            tmp.write_bytes(png)
        written.append(folder / name)
    write_text(folder / "report.html", page)
    for stale in folder.glob("report_*.png"):
        if stale.name not in images:
            stale.unlink()
    return ReportFiles(folder / "report.html", tuple(written), chosen)


def choose_day(coverage: pd.DataFrame, day: dt.date | None) -> dt.date:
    """The requested day (which must be in the coverage), else the most under-staffed one."""
    days = coverage["interval_start"].dt.normalize()
    if day is not None:
        if not (days == pd.Timestamp(day)).any():
            raise InputError(
                f"--day {day} is outside the schedule, which covers {days.min():%Y-%m-%d} "
                f"to {days.max():%Y-%m-%d}"
            )
        return day
    short = np.maximum(coverage["required_agents"] - coverage["scheduled_agents"], 0.0)
    per_day = short.groupby(days).sum()
    return per_day.index[int(np.argmax(per_day.to_numpy()))].date()


def render_report(out: ScheduleOutput, day: dt.date, max_agents: int) -> tuple[dict[str, bytes], str]:
    """The PNGs by file name, and the HTML page embedding them."""
    cov, summary = out.coverage, out.summary
    images: dict[str, bytes] = {}
    sections = [h.section("Key figures", h.cards(_key_figures(out)))]

    heat = []
    for queue in sorted(cov["queue"].unique()):
        name = _unique_name(f"report_gap_{_slug(queue)}.png", images)
        images[name] = charts.gap_heatmap(cov[cov["queue"] == queue], queue, out.interval_min)
        heat.append(h.image(images[name], f"gap heatmap for queue {queue}"))
    sections.append(
        h.section(
            "Staffing gap by day and time of day",
            *heat,
            note="scheduled − required agents on the phone per interval (breaks removed).",
        )
    )

    day_ts = pd.Timestamp(day)
    on_day = cov[cov["interval_start"].dt.normalize() == day_ts]
    images["report_day.png"] = charts.day_lines(on_day, day_ts, out.interval_min)
    sections.append(
        h.section(
            f"Required vs scheduled on {day:%A %Y-%m-%d}",
            h.image(images["report_day.png"], f"required vs scheduled agents on {day}"),
        )
    )

    if len(out.roster):
        shifts, breaks, caption = gantt_rows(out.roster, day, max_agents)
        images["report_roster.png"] = charts.gantt(shifts, breaks, "Shifts and breaks")
        sections.append(
            h.section("Roster", h.image(images["report_roster.png"], "roster Gantt chart", caption))
        )
    else:
        sections.append(h.section("Roster", h.paragraph("The roster is empty.")))

    if summary.service_level_by_day:
        images["report_service_level.png"] = charts.service_level_by_day(
            summary.service_level_by_day, summary.projected_service_level
        )
        sections.append(
            h.section(
                "Projected service level per day",
                h.image(images["report_service_level.png"], "service level per day"),
            )
        )
    if summary.hours_used is not None:
        images["report_hours.png"] = charts.hours_vs_budget(summary.hours_used, summary.budget_hours)
        sections.append(
            h.section("Hours used vs budget", h.image(images["report_hours.png"], "hours vs budget"))
        )

    if summary.violations:
        table = pd.DataFrame(
            [v.model_dump() for v in summary.violations], columns=["agent_id", "date", "rule", "detail"]
        )
        sections.append(
            h.section(
                f"Rule violations ({len(table)})",
                h.table(table),
                note="found by the checker; a roster from the solver should have none.",
            )
        )
    else:
        sections.append(h.section("Rule violations", h.paragraph("The checker found no rule violation.")))
    if summary.fairness:
        sections.append(
            h.section(
                "Fairness",
                h.table(fairness_table(summary.fairness)),
                note="per-agent figures over the horizon.",
            )
        )

    first, last = cov["interval_start"].min(), cov["interval_start"].max()
    subtitle = (
        f"{out.folder.resolve().name} · {first:%Y-%m-%d} to {last:%Y-%m-%d} · "
        f"{cov['queue'].nunique()} queue(s) · intervals of {out.interval_min} min"
    )
    return images, h.page("Schedule report", subtitle, sections)


def gantt_rows(roster: pd.DataFrame, day: dt.date, max_agents: int) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The shifts and breaks to draw and the chart's caption (see the module docstring for the scope)."""
    agents = roster["agent_id"].nunique()
    days = roster["date"].nunique()
    if agents <= max_agents and days <= WHOLE_HORIZON_MAX_DAYS:
        shifts = roster.sort_values(["shift_start", "agent_id"], kind="stable")
        caption = f"Roster: all {agents} agents, {days} day(s)."
    else:
        todays = roster[roster["date"] == pd.Timestamp(day)].sort_values(
            ["shift_start", "agent_id"], kind="stable"
        )
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
    """One row per fairness figure; nested objects ({min, max, spread, …}) spread into columns."""
    rows = [{"figure": k, **(v if isinstance(v, dict) else {"value": v})} for k, v in fairness.items()]
    return pd.DataFrame(rows)


def _breaks(roster: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for n in break_numbers(roster):
        b = roster[["agent_id", f"break{n}_start", f"break{n}_end"]].dropna()
        parts.append(b.set_axis(["agent_id", "start", "end"], axis=1))
    if not parts:
        return pd.DataFrame({"agent_id": [], "start": pd.to_datetime([]), "end": pd.to_datetime([])})
    return pd.concat(parts, ignore_index=True)


def _key_figures(out: ScheduleOutput) -> dict[str, str]:
    s = out.summary
    figures = {"status": s.status or "—"}
    if s.hours_used is not None:
        budget = f" / {s.budget_hours:,.0f}" if s.budget_hours is not None else ""
        counted = f" ({s.hours_counted_on} h)" if s.hours_counted_on else ""
        figures[f"hours used / budget{counted}"] = f"{s.hours_used:,.0f}{budget}"
    if s.projected_service_level is not None:
        figures["projected service level"] = f"{s.projected_service_level:.1%}"
    if s.under_agent_hours is not None:
        figures["under-staffed agent-h"] = f"{s.under_agent_hours:,.1f}"
    if s.over_agent_hours is not None:
        figures["over-staffed agent-h"] = f"{s.over_agent_hours:,.1f}"
    if s.objective is not None:
        figures["objective"] = f"{s.objective:,.4g}"
    if s.gap is not None:
        figures["gap to bound"] = f"{s.gap:.2%}" if np.isfinite(s.gap) else "∞"
    figures["agents rostered"] = str(out.roster["agent_id"].nunique())
    figures["shifts"] = str(len(out.roster))
    figures["rule violations"] = str(len(s.violations))
    return figures


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or "queue"


def _unique_name(name: str, taken: dict[str, bytes]) -> str:
    stem, k = name.removesuffix(".png"), 2
    while name in taken:
        name, k = f"{stem}_{k}.png", k + 1
    return name
