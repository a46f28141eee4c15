"""Readers of the contact log, state log, roster and [contract]: every broken fixture is named after its
defect and must raise InputError at the right file, row and column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wfm.errors import InputError
from wfm.kpi import compute_kpis, load_contract, read_contacts, read_roster, read_states
from wfm.kpi.readers import break_keys

FIX = Path(__file__).parent / "fixtures" / "kpi"

BROKEN = [
    # (file, reader, row, column, message fragment)
    ("contacts_missing_columns.csv", read_contacts, 1, None, "missing column(s): ended_at, agent_id"),
    ("contacts_bad_timestamp.csv", read_contacts, 3, "arrived_at", "got '2026-03-02 25:00'"),
    ("contacts_answered_before_arrival.csv", read_contacts, 3, "answered_at", "answered before it arrived"),
    ("contacts_ended_before_answered.csv", read_contacts, 3, "ended_at", "ended before it was answered"),
    ("contacts_abandoned_ended_before_arrival.csv", read_contacts, 3, "ended_at", "ended before it arrived"),
    ("contacts_negative_talk_seconds.csv", read_contacts, 3, "talk_seconds", "must be ≥ 0, got -5"),
    ("contacts_abandoned_with_acw.csv", read_contacts, 3, "acw_seconds", "abandoned contact"),
    ("contacts_duplicate_contact_id.csv", read_contacts, 3, "contact_id", "duplicate contact_id"),
    ("contacts_bad_resolved_first_contact.csv", read_contacts, 3, "resolved_first_contact", "true or false"),
    ("contacts_reserved_queue_all.csv", read_contacts, 3, "queue", "'all' is reserved"),
    ("contacts_no_rows.csv", read_contacts, 1, None, "has no rows"),
    ("contacts_utc_offset.csv", read_contacts, 3, "arrived_at", "UTC offset"),
    (
        "states_overlapping_states.csv",
        read_states,
        4,
        "start",
        "overlaps the previous state of agent a1 (row 2)",
    ),
    ("states_end_before_start.csv", read_states, 3, "end", "ends before it starts"),
    (
        "states_unknown_state.csv",
        read_states,
        3,
        "state",
        "'lunch' is not one of talk, hold, acw, available, aux",
    ),
    ("states_bad_timestamp.csv", read_states, 3, "end", "got '03/02/2026 09:00'"),
    ("roster_break_outside_shift.csv", read_roster, 2, "break1_start", "not inside the shift"),
    ("roster_break_without_end.csv", read_roster, 2, "break1_end", "has a start but no end"),
    (
        "roster_overlapping_shifts.csv",
        read_roster,
        3,
        "shift_start",
        "overlaps the previous shift of agent a1",
    ),
]


@pytest.mark.filterwarnings("ignore:.*mixed time zones:FutureWarning")
@pytest.mark.parametrize(("name", "reader", "row", "column", "fragment"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_names_file_row_and_column(name, reader, row, column, fragment):
    with pytest.raises(InputError) as info:
        reader(FIX / name)
    err = info.value
    assert err.path == str(FIX / name)
    assert (err.row, err.column) == (row, column)
    assert fragment in err.message
    assert err.exit_code == 2


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("scenario_unknown_contract_key.toml", "unknown key 'contract.max_abandon'"),
        ("scenario_no_contract.toml", "no [contract] table"),
        (
            "scenario_service_level_above_one.toml",
            "key 'contract.service_level': Input should be less than or equal to 1",
        ),
        ("scenario_not_toml.toml", "not valid TOML"),
    ],
)
def test_broken_contract_names_the_key(name, fragment):
    with pytest.raises(InputError) as info:
        load_contract(FIX / name)
    assert fragment in str(info.value)


def test_unknown_contract_key_hint_lists_the_allowed_keys():
    with pytest.raises(InputError) as info:
        load_contract(FIX / "scenario_unknown_contract_key.toml")
    assert "max_abandon_rate" in info.value.hint


def test_contract_ignores_other_tables():
    terms = load_contract(FIX / "scenario.toml")
    assert terms.service_level == 0.8 and terms.contracted_hours == 7.5 and terms.hours_tolerance == 0.0


def test_state_agent_missing_from_roster_is_named():
    states = read_states(FIX / "states_unknown_agent.csv")
    roster = read_roster(FIX / "roster.csv")
    contacts = read_contacts(FIX / "contacts.csv")
    with pytest.raises(InputError) as info:
        compute_kpis(contacts, states=states, roster=roster, states_path=str(FIX / "states_unknown_agent.csv"))
    assert (info.value.row, info.value.column) == (3, "agent_id")
    assert "not in the roster" in info.value.message


def test_roster_without_states_is_refused():
    with pytest.raises(InputError, match="needs an agent state log"):
        compute_kpis(read_contacts(FIX / "contacts.csv"), roster=read_roster(FIX / "roster.csv"))


def test_contacts_parse_empty_handle_time_as_zero_and_fcr_as_tri_state():
    df = read_contacts(FIX / "contacts.csv")
    c3 = df[df["contact_id"] == "c3"].iloc[0]
    assert (c3["talk_seconds"], c3["hold_seconds"], c3["acw_seconds"]) == (0.0, 0.0, 0.0)
    fcr = dict(zip(df["contact_id"], df["resolved_first_contact"], strict=True))
    assert fcr["c1"] == 1.0 and fcr["c2"] == 0.0 and np.isnan(fcr["c5"]) and fcr["c8"] == 1.0  # c8: "TRUE"


def test_states_normalize_aux_reason():
    df = read_states(FIX / "states.csv")
    assert set(df.loc[df["state"] == "aux", "reason"]) == {"training", "break", "lunch"}
    assert set(df.loc[df["state"] != "aux", "reason"]) == {""}


def test_roster_accepts_extra_columns_and_any_number_of_breaks(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        "agent_id,date,queue,template,shift_start,shift_end,paid_hours,break1_start,break1_end,"
        "break2_start,break2_end,break3_start,break3_end\n"
        "a1,2026-03-02,sales,day8,2026-03-02T22:00,2026-03-03T06:00,7.5,2026-03-03T00:00,2026-03-03T00:15,"
        "2026-03-03T02:00,2026-03-03T02:30,,\n",
        encoding="utf-8",
    )
    df = read_roster(path)
    assert list(df["break2_end"].dt.strftime("%H:%M")) == ["02:30"]
    assert df["break3_start"].isna().all()


def test_roster_in_the_named_layout(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        "agent_id,name,date,queue,template,shift_start,shift_end,paid_hours,break1_start,break1_end,"
        "lunch_start,lunch_end\n"
        "a1,Ana,2026-03-02,sales,day8,2026-03-02T08:00,2026-03-02T16:00,7,2026-03-02T10:00,2026-03-02T10:15,"
        "2026-03-02T12:00,2026-03-02T13:00\n"
        "a2,Ben,2026-03-02,sales,part,2026-03-02T08:00,2026-03-02T12:00,4,2026-03-02T10:00,2026-03-02T10:15,,\n",
        encoding="utf-8",
    )
    df = read_roster(path)
    assert break_keys(df) == ["break1", "lunch"]
    assert list(df["name"]) == ["Ana", "Ben"] and list(df["template"]) == ["day8", "part"]
    assert list(df["lunch_end"].dt.strftime("%H:%M").fillna("")) == ["13:00", ""]
    path.write_text(path.read_text().replace("2026-03-02T12:00,2026-03-02T13:00", "2026-03-02T17:00,2026-03-02T18:00"))
    with pytest.raises(InputError) as err:
        read_roster(path)
    assert (err.value.row, err.value.column) == (2, "lunch_start")
    assert "break 'lunch' is not inside the shift" in err.value.message
