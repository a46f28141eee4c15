"""roster.csv: the writer's fixed format, the reader's validation, and write → read round trips."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wfm.errors import InputError
from wfm.roster import (
    Break,
    RosterShift,
    applicable_breaks,
    merge_break_names,
    paid_hours,
    read_roster,
    roster_columns,
    roster_layout,
    scenario_break_names,
    scenario_max_breaks,
    write_roster,
)
from wfm.scenario import load_scenario

FIXTURES = Path(__file__).parent / "fixtures" / "checker"
OFFICE = load_scenario(FIXTURES / "office" / "scenario.toml")
TEMPLATES = {t.name: t for t in OFFICE.config.shift_templates}


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _shift(
    agent: str, start: str, hours: float, breaks=(), template: str = "day", queue: str = "es", paid: float | None = None
) -> RosterShift:
    s = _at(start)
    e = s + dt.timedelta(hours=hours)
    brs = tuple(Break(name, _at(a), _at(b)) for name, a, b in breaks)
    p = paid_hours(s, e, brs, TEMPLATES.get(template)) if paid is None else paid
    return RosterShift(agent, s.date(), queue, template, s, e, brs, p)


def test_write_has_fixed_columns_sorted_rows_and_two_decimals(tmp_path: Path) -> None:
    shifts = [
        _shift("b", "2026-03-03T09:00", 4, [("coffee", "2026-03-03T10:00", "2026-03-03T10:30")]),
        _shift(
            "a",
            "2026-03-03T08:00",
            8,
            [("coffee", "2026-03-03T09:00", "2026-03-03T09:30"), ("lunch", "2026-03-03T12:00", "2026-03-03T13:00")],
        ),
        _shift("a", "2026-03-02T12:00", 6, [("coffee", "2026-03-02T14:00", "2026-03-02T14:30")], template="late"),
    ]
    write_roster(
        tmp_path / "roster.csv",
        shifts,
        scenario_max_breaks(OFFICE),
        names={"a": "Ana Ruiz"},
        break_names=scenario_break_names(OFFICE),
    )
    assert (tmp_path / "roster.csv").read_text().splitlines() == [
        "agent_id,name,date,queue,template,shift_start,shift_end,paid_hours,coffee_start,coffee_end,"
        "lunch_start,lunch_end",
        "a,Ana Ruiz,2026-03-02,es,late,2026-03-02T12:00,2026-03-02T18:00,6.00,2026-03-02T14:00,2026-03-02T14:30,,",
        "a,Ana Ruiz,2026-03-03,es,day,2026-03-03T08:00,2026-03-03T16:00,7.00,2026-03-03T09:00,2026-03-03T09:30,"
        "2026-03-03T12:00,2026-03-03T13:00",
        "b,b,2026-03-03,es,day,2026-03-03T09:00,2026-03-03T13:00,4.00,2026-03-03T10:00,2026-03-03T10:30,,",
    ]


def test_break_columns_follow_the_templates_order() -> None:
    assert scenario_break_names(OFFICE) == ["coffee", "lunch"]
    assert merge_break_names([["break1"], ["break1", "lunch", "break2"], ["lunch", "late_tea"]]) == [
        "break1",
        "lunch",
        "late_tea",
        "break2",
    ]


def test_a_break_outside_the_columns_or_repeated_is_refused(tmp_path: Path) -> None:
    s = _shift(
        "a",
        "2026-03-03T08:00",
        8,
        [("coffee", "2026-03-03T09:00", "2026-03-03T09:30"), ("coffee", "2026-03-03T12:00", "2026-03-03T12:30")],
    )
    with pytest.raises(ValueError, match="break 'coffee' is unknown or repeated"):
        write_roster(tmp_path / "roster.csv", [s])
    with pytest.raises(ValueError, match="break 'coffee' is unknown or repeated"):
        write_roster(tmp_path / "roster.csv", [s], break_names=["lunch"])
    assert not (tmp_path / "roster.csv").exists()


def test_named_layout_is_read_by_name_whatever_the_column_order(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        "agent_id,name,date,queue,template,shift_start,shift_end,paid_hours,lunch_start,lunch_end,"
        "coffee_start,coffee_end\n"
        "a1,Ana,2026-03-02,es,day,2026-03-02T08:00,2026-03-02T16:00,7,2026-03-02T12:00,2026-03-02T13:00,"
        "2026-03-02T09:00,2026-03-02T09:30\n"
        "a2,,2026-03-02,es,day,2026-03-02T08:00,2026-03-02T12:00,4,,,2026-03-02T09:00,2026-03-02T09:30\n"
    )
    first, second = read_roster(path, OFFICE)
    assert [(b.name, f"{b.start:%H:%M}") for b in first.breaks] == [("lunch", "12:00"), ("coffee", "09:00")]
    assert (first.name, second.name) == ("Ana", "")
    assert [b.name for b in second.breaks] == ["coffee"]
    assert roster_layout(["agent_id", "break1_start", "break1_end"]) == ("numbered", ["break1"])
    assert roster_layout(["agent_id", "lunch_start", "lunch_end"]) == ("named", ["lunch"])
    assert roster_layout(["agent_id", "name", "break2_start", "break2_end"]) == ("named", ["break2"])


def test_paid_hours_subtract_only_unpaid_breaks() -> None:
    # day template: coffee (30 min) is paid, lunch (60 min) unpaid → 8 h shift = 7 paid hours
    s = _shift(
        "a",
        "2026-03-03T08:00",
        8,
        [("coffee", "2026-03-03T09:00", "2026-03-03T09:30"), ("lunch", "2026-03-03T12:00", "2026-03-03T13:00")],
    )
    assert s.paid_hours == 7.0
    assert paid_hours(s.start, s.end, s.breaks, None) == 8.0  # unknown template: every break paid


def test_too_many_breaks_for_the_columns_is_refused(tmp_path: Path) -> None:
    s = _shift(
        "a",
        "2026-03-03T08:00",
        8,
        [("coffee", "2026-03-03T09:00", "2026-03-03T09:30"), ("lunch", "2026-03-03T12:00", "2026-03-03T13:00")],
    )
    with pytest.raises(ValueError, match="2 breaks > 1"):
        write_roster(tmp_path / "roster.csv", [s], 1)
    assert not (tmp_path / "roster.csv").exists()


def test_shift_invariants() -> None:
    with pytest.raises(ValueError, match="not after start"):
        _shift("a", "2026-03-03T08:00", 0)
    with pytest.raises(ValueError, match="start's date"):
        RosterShift("a", dt.date(2026, 3, 2), "es", "day", _at("2026-03-03T08:00"), _at("2026-03-03T09:00"), (), 1)
    with pytest.raises(ValueError, match="whole minutes"):
        Break("x", _at("2026-03-03T08:00:30"), _at("2026-03-03T09:00"))


def test_break_names_follow_the_templates_applicable_breaks(tmp_path: Path) -> None:
    # a 4 h day shift takes only the coffee break (lunch needs ≥ 6 h): a second break is named after
    # its column
    path = tmp_path / "roster.csv"
    path.write_text(
        "agent_id,date,queue,template,shift_start,shift_end,paid_hours,break1_start,break1_end,break2_start,break2_end\n"
        "a1,2026-03-02,es,day,2026-03-02T08:00,2026-03-02T12:00,4,2026-03-02T09:00,2026-03-02T09:30,"
        "2026-03-02T10:00,2026-03-02T10:30\n"
        "a1,2026-03-03,es,night,2026-03-03T08:00,2026-03-03T12:00,4,,,2026-03-03T09:00,2026-03-03T09:30\n"
    )
    first, second = read_roster(path, OFFICE)
    assert [b.name for b in first.breaks] == ["coffee", "break2"]
    assert [b.name for b in second.breaks] == ["break2"]  # unknown template: column names
    assert [b.name for b in applicable_breaks(TEMPLATES["day"], 8 * 60)] == ["coffee", "lunch"]


def test_break_columns_are_optional_on_input(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        "agent_id,date,queue,template,shift_start,shift_end,paid_hours\n"
        "a1,2026-03-02,es,day,2026-03-02T08:00,2026-03-02T12:00,4\n"
    )
    (shift,) = read_roster(path, OFFICE)
    assert shift.breaks == () and shift.end == _at("2026-03-02T12:00")


ERRORS = {  # fixture (named after its defect) → (row, column, message fragment)
    "bad-timestamp": (3, "shift_start", "ISO 8601 date-time"),
    "end-before-start": (3, "shift_end", "shift_end 2026-03-02T09:00 is not after shift_start 2026-03-02T13:00"),
    "break-end-before-start": (3, "break1_end", "break1_end 2026-03-02T10:00 is not after break1_start"),
    "break-without-end": (3, "break1_end", "give both the start and the end of a break"),
    "empty-agent-id": (3, "agent_id", "empty value"),
    "empty-queue": (3, "queue", "empty value"),
    "date-not-start-date": (3, "date", "date 2026-03-03 is not the date of shift_start 2026-03-02T09:00"),
    "seconds-in-time": (3, "shift_start", "whole minutes"),
    "negative-paid-hours": (3, "paid_hours", "must be ≥ 0"),
    "missing-and-unknown-column": (1, None, "missing column(s): template; unknown column(s): note"),
}


@pytest.mark.parametrize("defect", sorted(ERRORS))
def test_broken_roster_names_file_row_and_column(defect: str) -> None:
    path = FIXTURES / "roster_errors" / f"{defect}.csv"
    row, column, fragment = ERRORS[defect]
    with pytest.raises(InputError) as err:
        read_roster(path, OFFICE)
    assert (err.value.row, err.value.column) == (row, column)
    assert fragment in err.value.message
    assert str(path) in str(err.value)


def test_every_error_fixture_is_tested() -> None:
    assert {p.stem for p in (FIXTURES / "roster_errors").glob("*.csv")} == set(ERRORS)


# --- round trip -----------------------------------------------------------------------------------

_ids = st.from_regex(r"[A-Za-z0-9_.\-]{1,8}", fullmatch=True)


@st.composite
def roster_shifts(draw: st.DrawFn) -> RosterShift:
    """A shift of a template of the office scenario with its applicable breaks (rules need not hold)."""
    template = draw(st.sampled_from(sorted(TEMPLATES)))
    start = dt.datetime(2026, 3, 2) + dt.timedelta(minutes=draw(st.integers(0, 20 * 1440)))
    length = draw(st.integers(1, 16 * 60))
    breaks = []
    for b in applicable_breaks(TEMPLATES[template], length):
        b_start = start + dt.timedelta(minutes=draw(st.integers(0, 16 * 60)))
        breaks.append(Break(b.name, b_start, b_start + dt.timedelta(minutes=draw(st.integers(1, 90)))))
    paid = draw(st.integers(0, 2400)) / 100
    return RosterShift(
        draw(_ids), start.date(), draw(_ids), template, start, start + dt.timedelta(minutes=length), tuple(breaks), paid
    )


def _write_numbered(path: Path, shifts: list[RosterShift], k: int) -> None:
    """The layout rosters had before named breaks: no name column, breaks by position in break1..breakK."""
    header = [c for c in roster_columns([f"break{i}" for i in range(1, k + 1)]) if c != "name"]
    lines = [",".join(header)]
    for s in sorted(shifts, key=lambda s: (s.agent_id, s.date, s.start, s.queue)):
        cells = [
            s.agent_id,
            s.date.isoformat(),
            s.queue,
            s.template,
            f"{s.start:%Y-%m-%dT%H:%M}",
            f"{s.end:%Y-%m-%dT%H:%M}",
            f"{s.paid_hours:.2f}",
        ]
        for i in range(k):
            b = s.breaks[i] if i < len(s.breaks) else None
            cells += [f"{b.start:%Y-%m-%dT%H:%M}", f"{b.end:%Y-%m-%dT%H:%M}"] if b else ["", ""]
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(roster_shifts(), max_size=12), _ids)
def test_write_then_read_gives_the_same_shifts(tmp_path: Path, shifts: list[RosterShift], name: str) -> None:
    path = tmp_path / "roster.csv"
    names = {s.agent_id: f"{name} {s.agent_id}" for s in shifts}
    write_roster(path, shifts, scenario_max_breaks(OFFICE), names=names, break_names=scenario_break_names(OFFICE))
    back = read_roster(path, OFFICE)
    named = [dataclasses.replace(s, name=names[s.agent_id]) for s in shifts]
    assert sorted(back, key=repr) == sorted(named, key=repr)
    write_roster(tmp_path / "again.csv", back, scenario_max_breaks(OFFICE), break_names=scenario_break_names(OFFICE))
    assert (tmp_path / "again.csv").read_bytes() == path.read_bytes()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(roster_shifts(), max_size=12))
def test_old_numbered_rosters_read_the_same_and_convert(tmp_path: Path, shifts: list[RosterShift]) -> None:
    old = tmp_path / "old.csv"
    _write_numbered(old, shifts, scenario_max_breaks(OFFICE))
    back = read_roster(old, OFFICE)
    assert sorted(back, key=repr) == sorted(shifts, key=repr)  # no name column: names read as ""
    new = tmp_path / "new.csv"
    write_roster(new, back, break_names=scenario_break_names(OFFICE))
    again = read_roster(new, OFFICE)
    assert sorted(again, key=repr) == sorted([dataclasses.replace(s, name=s.agent_id) for s in shifts], key=repr)


@pytest.mark.parametrize("roster", ["valid.csv", "breaks.csv"])
def test_wfm_check_reads_both_layouts_alike(tmp_path: Path, roster: str) -> None:
    from typer.testing import CliRunner

    from cli import app

    old = FIXTURES / "office" / "rosters" / roster  # the numbered layout
    new = tmp_path / roster
    write_roster(new, read_roster(old, OFFICE), break_names=scenario_break_names(OFFICE))
    assert new.read_text().startswith("agent_id,name,date,queue,template,shift_start,shift_end,paid_hours,coffee_start")
    scenario = FIXTURES / "office" / "scenario.toml"
    results = [CliRunner().invoke(app, ["check", str(scenario), str(path), "--json"]) for path in (old, new)]
    assert results[0].exit_code == results[1].exit_code == (0 if roster == "valid.csv" else 6)
    assert results[0].stdout == results[1].stdout


def test_every_csv_output_writes_date_times_alike(tmp_path: Path) -> None:
    from wfm.atomic import write_csv
    from wfm.checker import check_files

    office = FIXTURES / "office"
    coverage = check_files(office / "scenario.toml", office / "rosters" / "valid.csv").coverage
    write_csv(tmp_path / "coverage.csv", coverage.head(40))
    stamps = [line.split(",")[0] for line in (tmp_path / "coverage.csv").read_text().splitlines()[1:]]
    assert stamps[0] == "2026-03-02T00:00" and "2026-03-02T08:00" in stamps  # midnight too, not "2026-03-02"
    assert all(len(s) == 16 and s[10] == "T" for s in stamps)


def test_with_names_takes_agents_names() -> None:
    from wfm.agents import read_agents
    from wfm.roster import with_names

    agents = read_agents(FIXTURES / "office" / "agents.csv")
    shifts = with_names([_shift(agents[0].agent_id, "2026-03-03T08:00", 4)], agents)
    assert shifts[0].name == agents[0].name


@pytest.mark.parametrize(("second", "why"), [("coffee", "repeated"), ("shift", "would be shift_start")])
def test_break_names_must_name_columns(tmp_path: Path, second: str, why: str) -> None:
    text = (FIXTURES / "office" / "scenario.toml").read_text()
    first_lunch = text.index('name = "lunch"')
    (tmp_path / "scenario.toml").write_text(text[:first_lunch] + f'name = "{second}"' + text[first_lunch + 14 :])
    with pytest.raises(InputError) as err:
        load_scenario(tmp_path / "scenario.toml")
    assert "key 'shift_templates.0.breaks': break names must be unique within a template and not 'shift'" in str(
        err.value
    ), why
