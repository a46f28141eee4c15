"""Write the KPI tables (CSV) and the KPI page (kpi.html), and the read → compute → write entry point.

Every file is written atomically, and only after all inputs were read and checked: bad input
writes nothing. Other files in the output folder are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from wfm.atomic import check_output, write_csv, write_text
from wfm.errors import InputError
from wfm.kpi.compute import KpiOptions, KpiTables, compute_kpis
from wfm.kpi.contract import ContractTerms, load_contract
from wfm.kpi.readers import ALL_AGENTS, ALL_QUEUES, read_contacts, read_roster, read_states
from wfm.render import charts
from wfm.render import html as h

FILES = (
    "kpi_interval.csv",
    "kpi_daily.csv",
    "kpi_monthly.csv",
    "kpi_agents.csv",
    "kpi_contract.csv",
    "kpi.html",
)
FLOAT_FORMAT = "%.10g"
KPI_MARKERS = ("kpi.html", "summary.json")  # a folder holding these is a wfm result kpi may write into
DEFAULT_ANSWER_TIME_S = 20.0
DEFAULT_SHORT_ABANDON_S = 5.0


@dataclass(frozen=True)
class KpiRun:
    """What `run_kpi` computed and the files it wrote."""

    tables: KpiTables
    contract: ContractTerms | None
    written: tuple[Path, ...]


def resolve_options(
    contract: ContractTerms | None,
    answer_time_s: float | None,
    short_abandon_s: float | None,
    interval_min: int,
    scenario: str | Path | None,
) -> KpiOptions:
    """Thresholds from the options, else the contract, else the defaults (20 s, 5 s).

    An option that contradicts the contract is an error: the contract's KPIs must be measured with
    the contract's thresholds.
    """
    values = {}
    for name, given, default in (
        ("answer_time_s", answer_time_s, DEFAULT_ANSWER_TIME_S),
        ("short_abandon_s", short_abandon_s, DEFAULT_SHORT_ABANDON_S),
    ):
        agreed = getattr(contract, name) if contract is not None else None
        if given is not None and agreed is not None and given != agreed:
            option = "--" + name.replace("_", "-")
            raise InputError(
                f"{option} {given:g} contradicts [contract] {name} = {agreed:g}",
                path=scenario,
                hint=f"drop {option} or change the contract",
            )
        values[name] = given if given is not None else agreed if agreed is not None else default
    return KpiOptions(interval_min=interval_min, **values)


def run_kpi(
    contacts_path: str | Path,
    out_dir: str | Path,
    *,
    states_path: str | Path | None = None,
    roster_path: str | Path | None = None,
    scenario_path: str | Path | None = None,
    answer_time_s: float | None = None,
    short_abandon_s: float | None = None,
    interval_min: int = 15,
) -> KpiRun:
    """Read the logs (and roster and contract), compute every KPI table and write them to `out_dir`.

    `out_dir` must be new, empty, or hold a wfm result (`check_output`: kpi.html or summary.json).
    """
    check_output(out_dir, "folder", markers=KPI_MARKERS)
    contract = load_contract(scenario_path) if scenario_path is not None else None
    options = resolve_options(contract, answer_time_s, short_abandon_s, interval_min, scenario_path)
    if contract is not None and contract.needs_states() and states_path is None:
        raise InputError(
            "the contract has agent targets (occupancy, adherence or hours) but no state log was given",
            path=scenario_path,
            hint="pass --states",
        )
    if contract is not None and contract.needs_roster() and roster_path is None:
        raise InputError(
            "the contract sets min_adherence but no roster was given",
            path=scenario_path,
            hint="pass --roster",
        )
    contacts = read_contacts(contacts_path)
    states = read_states(states_path) if states_path is not None else None
    roster = read_roster(roster_path) if roster_path is not None else None
    tables = compute_kpis(
        contacts,
        states=states,
        roster=roster,
        contract=contract,
        options=options,
        states_path=str(states_path),
    )
    written = write_kpis(tables, out_dir)
    return KpiRun(tables, contract, written)


def write_kpis(tables: KpiTables, out_dir: str | Path) -> tuple[Path, ...]:
    """Write the CSV tables and kpi.html into `out_dir` (each file atomically); return their paths.

    A `kpi_*` file this run does not produce (the contract table, without a contract) is removed.
    """
    out = check_output(out_dir, "folder", markers=KPI_MARKERS)
    page = render_kpi_page(tables)  # render before writing anything
    written = []
    frames = {
        "kpi_interval.csv": _interval_text(tables.interval),
        "kpi_daily.csv": tables.daily,
        "kpi_monthly.csv": tables.monthly,
        "kpi_agents.csv": tables.agents,
    }
    if tables.contract is not None:
        frames["kpi_contract.csv"] = tables.contract
    for name, frame in frames.items():
        write_csv(out / name, frame, float_format=FLOAT_FORMAT)
        written.append(out / name)
    write_text(out / "kpi.html", page)
    written.append(out / "kpi.html")
    for name in FILES:  # a contract table from an earlier run would not match these KPIs
        if out / name not in written:
            (out / name).unlink(missing_ok=True)
    return tuple(written)


def _interval_text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(interval_start=frame["interval_start"].dt.strftime("%Y-%m-%dT%H:%M"))


def render_kpi_page(tables: KpiTables) -> str:
    """The KPI page: headline figures, daily service level chart, monthly table, contract, agents."""
    o = tables.options
    monthly = tables.monthly
    days = sorted(tables.daily["date"].unique())
    total = monthly[monthly["queue"] == ALL_QUEUES]
    subtitle = (
        f"{days[0]} to {days[-1]} · service level = answered within {o.answer_time_s:g} s / offered "
        f"(abandons under {o.short_abandon_s:g} s excluded) · intervals of {o.interval_min} min"
    )
    sections = []
    for _, row in total.iterrows():
        figures = {
            "offered": f"{int(row['offered']):,}",
            "service level": h.fmt(row["service_level"] * 100, 1) + " %",
            "ASA": h.fmt(row["asa_seconds"], 1) + " s",
            "abandon rate": h.fmt(row["abandon_rate"] * 100, 2) + " %",
            "AHT": h.fmt(row["aht_seconds"], 0) + " s",
        }
        for key in ("occupancy", "adherence"):
            if key in row:
                figures[key] = h.fmt(row[key] * 100, 1) + " %"
        sections.append(h.section(f"Month {row['month']}, all queues", h.cards(figures)))
    if tables.contract is not None:
        passed = int((tables.contract["result"] == "pass").sum())
        sections.append(
            h.section(
                "Contract",
                h.table(tables.contract, result_column="result"),
                note=f"{passed} of {len(tables.contract)} targets met; targets apply to each month over all queues.",
            )
        )
    target = None
    if tables.contract is not None:
        sl = tables.contract[tables.contract["measure"] == "service_level"]
        target = float(sl["target"].iloc[0]) if len(sl) else None
    png = charts.daily_lines(
        tables.daily,
        "service_level",
        target,
        "service level",
        f"Service level per day (answered within {o.answer_time_s:g} s / offered)",
    )
    sections.append(h.section("Service level per day", h.image(png, "service level per day per queue")))
    sections.append(
        h.section(
            "Monthly KPIs per queue",
            h.table(monthly),
            note="Rows with queue 'all' total every queue and carry the agent KPIs.",
        )
    )
    sections.append(h.section("Daily KPIs per queue", h.table(tables.daily)))
    agents = tables.agents
    sections.append(
        h.section(
            "Agents",
            h.table(agents),
            note=f"{(agents['agent_id'] != ALL_AGENTS).sum()} agents over the whole log; "
            f"the row '{ALL_AGENTS}' totals them.",
        )
    )
    return h.page("Contact-center KPIs", subtitle, sections)
