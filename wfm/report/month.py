"""The per-agent month view: a row per agent, a cell per day with the shift, sortable by any column.

Rows are agents in the roster, sorted by name then agent_id; columns are the agent's name (the
roster's `name` column, else the agent_id), id, queue(s), days worked, paid hours, then one per day
of the horizon with `HH:MM–HH:MM` of the shift (`·` on a day off). Hovering a cell shows its
queue, template and breaks. A day cell sorts by its start time (days off last).
"""

from __future__ import annotations

import pandas as pd

from wfm.kpi.readers import break_keys
from wfm.render.html import clock, escape, number

OFF_SORT = 9999  # a day off sorts after every start time (minutes after midnight)


def shift_cells(roster: pd.DataFrame) -> pd.DataFrame:
    """Per shift: `agent_id`, `day` (Timestamp), `text` (HH:MM–HH:MM), `title` (queue, template, breaks),
    `start_min` (minutes after midnight)."""
    start, end = roster["shift_start"], roster["shift_end"]
    title = roster["queue"].astype(str)
    if "template" in roster:
        template = roster["template"].fillna("").astype(str)
        title = title + (" · " + template).where(template != "", "")
    for key in break_keys(roster):
        b0, b1 = roster[f"{key}_start"], roster[f"{key}_end"]
        text = f" · {key} " + clock(b0) + "–" + clock(b1)
        title = title + text.where(b0.notna(), "")
    return pd.DataFrame(
        {
            "agent_id": roster["agent_id"],
            "day": roster["date"],
            "text": clock(start) + "–" + clock(end),
            "title": title,
            "start_min": start.dt.hour * 60 + start.dt.minute,
        }
    )


def agent_names(roster: pd.DataFrame) -> dict[str, str]:
    """agent_id → name from the roster's `name` column (the agent_id where it is empty or absent)."""
    if "name" not in roster:
        return {a: a for a in roster["agent_id"].unique()}
    first = roster.drop_duplicates("agent_id")
    return {a: (n or a) for a, n in zip(first["agent_id"], first["name"].fillna("").astype(str), strict=True)}


def month_view(roster: pd.DataFrame, days: list[pd.Timestamp]) -> str:
    """The sortable month table (module docstring) over `days`."""
    names = agent_names(roster)
    cells = shift_cells(roster)
    by_agent_day: dict[tuple[str, pd.Timestamp], list[tuple[str, str, int]]] = {}
    for a, d, text, title, start in cells.itertuples(index=False, name=None):
        by_agent_day.setdefault((a, d), []).append((text, title, start))
    stats = roster.groupby("agent_id").agg(
        queues=("queue", lambda q: ", ".join(sorted(set(q)))), days=("date", "nunique"), paid=("paid_hours", "sum")
    )
    head = "".join(
        f'<th class="text">{h}</th>' if h in ("agent", "id", "queue") else f"<th>{h}</th>"
        for h in ("agent", "id", "queue", "days", "paid h")
    ) + "".join(f'<th title="{d:%A %Y-%m-%d}">{d:%a}<br>{d:%d}</th>' for d in days)
    rows = []
    for agent in sorted(stats.index, key=lambda a: (names.get(a, a).casefold(), a)):
        s = stats.loc[agent]
        out = [
            f'<td class="name">{escape(names.get(agent, agent))}</td><td class="text">{escape(agent)}</td>'
            f'<td class="text">{escape(s["queues"])}</td><td>{int(s["days"])}</td>'
            f'<td data-sort="{s["paid"]:.2f}">{number(float(s["paid"]), 1)}</td>'
        ]
        for d in days:
            shifts = by_agent_day.get((agent, d))
            if not shifts:
                out.append(f'<td class="off" data-sort="{OFF_SORT}">·</td>')
                continue
            text = " / ".join(t for t, _, _ in shifts)
            title = " / ".join(t for _, t, _ in shifts)
            out.append(f'<td data-sort="{shifts[0][2]}" title="{escape(title)}">{escape(text)}</td>')
        rows.append("<tr>" + "".join(out) + "</tr>")
    return (
        f'<div class="scroll"><table class="month sortable"><thead><tr>{head}</tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table></div>"
    )
