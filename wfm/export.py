"""`wfm export RESULT_DIR --to DIR --format ics|csv|xlsx`: each agent's schedule in a form agents and
planners use, from a schedule result folder (`roster.csv` and `summary.json`).

Formats (every file named after the agent's `agent_id`, characters other than letters, digits,
`.`, `_` and `-` replaced by `_`; a clash gets `-2`, `-3`, …):

- `ics` — `AGENT_ID.ics` per agent, an iCalendar (RFC 5545) file for phones and calendar apps: a
  VEVENT per shift (UID `AGENT_ID-YYYYMMDDTHHMM@wfm`, stable across exports so a re-import updates
  the events; SUMMARY `Shift <queue>`; DESCRIPTION with queue, template, paid hours and one line per
  break). Times carry the campaign's time zone (`summary.json` `campaign.time_zone`, the scenario's
  `[horizon] time_zone`) with its VTIMEZONE; without one they are floating local times. DTSTAMP is
  roster.csv's modification time, so exporting the same roster twice gives identical files.
- `csv` — `AGENT_ID.csv` per agent: that agent's rows of roster.csv, its columns and text unchanged.
- `xlsx` — `roster.xlsx`, one workbook for planners: a sheet per ISO week (`2027-W22`), a row per
  agent (name, id, paid hours that week) and a column per day of the week inside the roster's
  dates, each cell `HH:MM–HH:MM` of the shift (empty on a day off).

`DIR` is written whole and atomically (`wfm.atomic.atomic_directory`) with an `export.json` beside
the files (format, source folder, agents, shifts). It must be new, empty, or an earlier export
(it has `export.json`): any other folder or a file is refused, so nothing else is ever replaced.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from wfm.atomic import atomic_directory, write_text
from wfm.campaign import Campaign, campaign_of
from wfm.errors import InputError
from wfm.kpi.readers import break_keys, read_roster
from wfm.render.html import clock
from wfm.report.inputs import check_result_folder, read_summary
from wfm.report.month import agent_names
from wfm.scenario import Scenario

FORMATS = ("ics", "csv", "xlsx")
MARKER = "export.json"
PRODID = "-//wfm//roster export//EN"


@dataclass(frozen=True)
class ExportResult:
    """What `export_result` wrote: the folder, its format, the files (marker excluded), and counts."""

    folder: Path
    format: str
    files: tuple[Path, ...]
    agents: int
    shifts: int


@dataclass(frozen=True)
class _Source:
    """A result folder, read: the roster (kpi reader's frame), its raw text rows, the campaign."""

    folder: Path
    roster: pd.DataFrame
    raw: pd.DataFrame
    campaign: Campaign
    stamp: dt.datetime  # roster.csv's modification time, UTC


def export_result(
    result_dir: str | Path, to: str | Path, fmt: str, *, scenario: Scenario | None = None
) -> ExportResult:
    """Export the schedule in `result_dir` to the folder `to` in format `fmt` (module docstring).

    `scenario`, when given, supplies the campaign (time zone) instead of `summary.json`. Raises
    `InputError` (exit 2, nothing written) for an unknown format, a missing or malformed input file,
    an unknown time zone, or a `to` that is a file or a folder that is not an earlier export.
    """
    if fmt not in FORMATS:
        raise InputError(f"--format must be {', '.join(FORMATS[:-1])} or {FORMATS[-1]}, got '{fmt}'")
    source = _read(Path(result_dir), scenario)
    target = Path(to)
    _check_target(target)
    zone = _zone(source)  # checked before anything is written
    with atomic_directory(target, markers=(MARKER,)) as work:
        files = _WRITERS[fmt](source, work, zone)
        marker = {
            "format": fmt,
            "source": str(source.folder.resolve()),
            "agents": int(source.roster["agent_id"].nunique()),
            "shifts": len(source.roster),
        }
        write_text(work / MARKER, json.dumps(marker, indent=2, sort_keys=True) + "\n")
        names = [f.name for f in files]
    folder = target.resolve()
    return ExportResult(folder, fmt, tuple(folder / n for n in names), marker["agents"], marker["shifts"])


def _read(folder: Path, scenario: Scenario | None) -> _Source:
    check_result_folder(folder, ("roster.csv", "summary.json"))
    path = folder / "roster.csv"
    roster = read_roster(path, allow_empty=True)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    raw.index = roster.index
    summary = read_summary(folder / "summary.json")
    campaign = campaign_of(scenario) if scenario is not None else summary.campaign or Campaign()
    stamp = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).replace(microsecond=0)
    return _Source(folder, roster, raw, campaign, stamp)


def _check_target(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise InputError("--to is a file, not a folder", path=target, hint="give a new or empty folder")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
        raise InputError(
            f"--to is a folder that holds other files (no {MARKER}): an export replaces its folder whole, "
            "so it refuses to delete them",
            path=target,
            hint="give a new or empty folder, or an earlier export's",
        )


def _zone(source: _Source) -> ZoneInfo | None:
    name = source.campaign.time_zone
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"unknown time zone '{name}' (campaign.time_zone; the scenario's horizon.time_zone)",
            path=source.folder / "summary.json",
            hint="use an IANA name such as Europe/Madrid",
        ) from None


def file_stems(agent_ids: list[str]) -> dict[str, str]:
    """agent_id → a safe file name stem (see the module docstring), unique among `agent_ids`."""
    stems: dict[str, str] = {}
    taken: set[str] = set()
    for agent in agent_ids:
        stem = re.sub(r"[^A-Za-z0-9._-]", "_", agent).lstrip(".") or "agent"
        candidate, k = stem, 2
        while candidate.lower() in taken:  # case-insensitive file systems
            candidate, k = f"{stem}-{k}", k + 1
        taken.add(candidate.lower())
        stems[agent] = candidate
    return stems


def _agents(roster: pd.DataFrame) -> list[str]:
    return sorted(roster["agent_id"].unique())


def _write_csv(source: _Source, folder: Path, zone: ZoneInfo | None) -> list[Path]:
    stems = file_stems(_agents(source.roster))
    files = []
    for agent, rows in source.raw.groupby(source.roster["agent_id"], sort=True):
        path = folder / f"{stems[str(agent)]}.csv"
        rows.to_csv(path, index=False, lineterminator="\n")
        files.append(path)
    return files


def shift_description(row: pd.Series, keys: list[str]) -> str:
    """The text of a shift's calendar entry: queue, template, paid hours, then one line per break."""
    lines = [f"Queue: {row['queue']}"]
    if row.get("template"):
        lines.append(f"Template: {row['template']}")
    lines.append(f"Paid hours: {row['paid_hours']:.2f}")
    breaks = sorted((row[f"{k}_start"], row[f"{k}_end"], k) for k in keys if pd.notna(row[f"{k}_start"]))
    if breaks:
        lines.append("Breaks:")
        lines += [f"  {k} {a:%H:%M}–{b:%H:%M}" for a, b, k in breaks]
    return "\n".join(lines)


def _write_ics(source: _Source, folder: Path, zone: ZoneInfo | None) -> list[Path]:
    import icalendar

    roster, keys = source.roster, break_keys(source.roster)
    names = agent_names(roster)
    stems = file_stems(_agents(roster))
    files = []
    for agent, shifts in roster.groupby("agent_id", sort=True):
        cal = icalendar.Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        title = f"{source.campaign.name} — {names[agent]}" if source.campaign.name else names[agent]
        cal.add("x-wr-calname", title)
        if zone is not None:
            cal.add("x-wr-timezone", zone.key)
        for _, row in shifts.sort_values("shift_start").iterrows():
            event = icalendar.Event()
            event.add("uid", f"{agent}-{row['shift_start']:%Y%m%dT%H%M}@wfm")
            event.add("dtstamp", source.stamp)
            event.add("dtstart", _local(row["shift_start"], zone))
            event.add("dtend", _local(row["shift_end"], zone))
            event.add("summary", f"Shift {row['queue']}")
            event.add("description", shift_description(row, keys))
            cal.add_component(event)
        if zone is not None:
            cal.add_missing_timezones()
        path = folder / f"{stems[str(agent)]}.ics"
        path.write_bytes(cal.to_ical())
        files.append(path)
    return files


def _local(t: pd.Timestamp, zone: ZoneInfo | None) -> dt.datetime:
    """A roster time (local wall clock) as a datetime in `zone`, or floating (naive) without one."""
    naive = t.to_pydatetime()
    return naive if zone is None else naive.replace(tzinfo=zone)


def _write_xlsx(source: _Source, folder: Path, zone: ZoneInfo | None) -> list[Path]:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    roster = source.roster
    names = agent_names(roster)
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.created = wb.properties.modified = source.stamp.replace(tzinfo=None)  # same roster, same file
    if roster.empty:
        wb.create_sheet("roster")["A1"] = "The roster is empty."
    else:
        text = clock(roster["shift_start"]) + "–" + clock(roster["shift_end"])
        cells = dict(zip(zip(roster["agent_id"], roster["date"], strict=True), text, strict=True))
        days = pd.date_range(roster["date"].min(), roster["date"].max(), freq="D")
        agents = sorted(_agents(roster), key=lambda a: (names[a].casefold(), a))
        for (year, week), week_days in pd.Series(days, index=days).groupby(
            [days.isocalendar().year, days.isocalendar().week], sort=True
        ):
            ws = wb.create_sheet(f"{year}-W{week:02d}")
            ws.append(["agent", "id", "paid h", *(f"{d:%a %d %b}" for d in week_days)])
            in_week = roster[roster["date"].isin(week_days)]
            paid = in_week.groupby("agent_id")["paid_hours"].sum()
            for agent in agents:
                ws.append(
                    [
                        names[agent],
                        agent,
                        round(float(paid.get(agent, 0.0)), 2),
                        *(cells.get((agent, d), "") for d in week_days),
                    ]
                )
            for cell in ws[1]:
                cell.font = Font(bold=True)
                cell.alignment = Alignment(horizontal="center")
            ws.freeze_panes = "D2"
            ws.column_dimensions["A"].width = max(12, min(40, max(len(names[a]) for a in agents) + 2))
            for col in range(4, 4 + len(week_days)):
                ws.column_dimensions[ws.cell(1, col).column_letter].width = 13
    path = folder / "roster.xlsx"
    wb.save(path)
    return [path]


_WRITERS: dict[str, Callable[[_Source, Path, ZoneInfo | None], list[Path]]] = {
    "ics": _write_ics,
    "csv": _write_csv,
    "xlsx": _write_xlsx,
}
