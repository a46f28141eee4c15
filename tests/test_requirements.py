"""Forecast reading (every bad-input rule), requirements CSV, the CLI command and the bundled example."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from wfm.errors import InputError
from wfm.example_data import ExampleCampaign, generate_forecast
from wfm.requirements import (
    REQUIREMENTS_COLUMNS,
    compute_requirements,
    read_forecast,
    read_requirements,
    write_requirements,
)
from wfm.service_config import ServiceConfig, load_service_config, service_config_from_dict
from wfm.staffing import ServiceTargets, required_agents

FIXTURES = Path(__file__).parent / "fixtures" / "requirements"
ROOT = Path(__file__).resolve().parents[1]
EXPECTED_COLUMNS = "interval_start, queue, contacts, aht_seconds, talk_seconds, hold_seconds, acw_seconds, source"

# (fixture named after its defect, row, column, message)
BROKEN = [
    (
        "missing_contacts_column.csv",
        1,
        None,
        f"missing column(s): contacts — expected columns: {EXPECTED_COLUMNS}",
    ),
    (
        "misspelled_column.csv",
        1,
        None,
        f"missing column(s): contacts; unknown column(s): contcts — expected columns: {EXPECTED_COLUMNS}",
    ),
    (
        "missing_handle_time_columns.csv",
        1,
        None,
        "missing column(s): aht_seconds, or all of talk_seconds, hold_seconds, acw_seconds (missing hold_seconds)",
    ),
    (
        "unparsable_timestamp.csv",
        3,
        "interval_start",
        "an ISO 8601 date-time (YYYY-MM-DDTHH:MM) expected, got '2027-06-01 8h15'",
    ),
    (
        "timestamp_with_offset.csv",
        2,
        "interval_start",
        "time zone offsets are not accepted: give local date-times (YYYY-MM-DDTHH:MM)",
    ),
    (
        "duplicate_interval_queue.csv",
        5,
        "interval_start",
        "duplicate interval 2027-06-01T08:00 for queue 'voice_es' (first at row 2)",
    ),
    ("negative_contacts.csv", 3, "contacts", "must be ≥ 0, got -5"),
    ("empty_contacts_value.csv", 3, "contacts", "empty value"),
    ("zero_aht.csv", 3, "aht_seconds", "must be > 0, got 0"),
    ("negative_aht.csv", 2, "aht_seconds", "must be > 0, got -300"),
    (
        "zero_handle_time_parts.csv",
        3,
        "talk_seconds",
        "handle time talk_seconds + hold_seconds + acw_seconds must be > 0, got 0",
    ),
    (
        "aht_disagrees_with_parts.csv",
        3,
        "aht_seconds",
        "aht_seconds 300 differs from talk_seconds + hold_seconds + acw_seconds = 310",
    ),
    (
        "interval_off_grid.csv",
        4,
        "interval_start",
        "2027-06-01T08:37 is off the 15-minute grid of the other rows (e.g. 2027-06-01T08:00) — "
        "every interval_start must be a whole number of intervals from the others",
    ),
    (
        "interval_length_not_dividing_a_day.csv",
        3,
        "interval_start",
        "intervals are 7 minutes apart; the interval length must be whole minutes dividing a day (e.g. 15, 30 or 60)",
    ),
    ("header_only.csv", 2, None, "no intervals: the file has a header but no rows"),
]


def where(path: Path, row: int | None, column: str | None) -> str:
    parts = [str(path)] + ([f"row {row}"] if row is not None else []) + ([f"column '{column}'"] if column else [])
    return ", ".join(parts)


def run(*args: str):
    return CliRunner().invoke(app, ["requirements", *map(str, args)])


def example_service() -> ServiceConfig:
    """The bundled example's service targets: the scenario's [service] table, else the documented one."""
    scenario = ROOT / "data" / "scenario.toml"
    if scenario.is_file():
        return load_service_config(scenario)
    return service_config_from_dict({"queues": {"chat_es": {"channel": "chat", "concurrency": 2}}})


# --- bad input: library and CLI --------------------------------------------------------------------


@pytest.mark.parametrize(("name", "row", "column", "message"), BROKEN)
def test_read_forecast_rejects_broken_file(name, row, column, message):
    path = FIXTURES / name
    with pytest.raises(InputError) as err:
        read_forecast(path)
    assert (err.value.row, err.value.column) == (row, column)
    assert str(err.value) == f"{where(path, row, column)}: {message}"


@pytest.mark.parametrize(("name", "row", "column", "message"), BROKEN)
def test_cli_exits_2_with_one_line_and_writes_nothing(tmp_path, name, row, column, message):
    path = FIXTURES / name
    out = tmp_path / "requirements.csv"
    result = run(path, "--out", out)
    assert result.exit_code == 2
    assert result.stderr == f"wfm: error: {where(path, row, column)}: {message}\n"
    assert result.stdout == ""
    assert not out.exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--service-level", "1.5"], "--service-level: service_level must be in (0, 1], got 1.5"),
        (["--service-level", "0"], "--service-level: service_level must be in (0, 1], got 0"),
        (["--shrinkage", "1"], "--shrinkage: shrinkage must be in [0, 1), got 1"),
        (["--shrinkage", "1.2"], "--shrinkage: shrinkage must be in [0, 1), got 1.2"),
        (["--max-occupancy", "1.1"], "--max-occupancy: max_occupancy must be in (0, 1], got 1.1"),
        (["--model", "erlang-a"], "--patience-s: model 'erlang-a' needs patience_s (mean patience, seconds)"),
        (["--model", "erlang-b"], "--model: Input should be 'erlang-c' or 'erlang-a', got 'erlang-b'"),
        (["--concurrency", "0"], "--concurrency: concurrency must be in [1, ∞), got 0"),
        (["--channel", "email"], "--response-time-h: channel 'email' needs response_time_h (hours)"),
    ],
)
def test_cli_rejects_bad_targets(tmp_path, options, message):
    out = tmp_path / "requirements.csv"
    result = run(FIXTURES / "valid_two_queues.csv", "--out", out, *options)
    assert result.exit_code == 2
    assert result.stderr == f"wfm: error: {message}\n"
    assert not out.exists()


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "[service]\nservice_level = 1.5\n",
            "key 'service.service_level': Input should be less than or equal to 1, got 1.5",
        ),
        ("[service]\nshrinkage = 1.0\n", "key 'service.shrinkage': Input should be less than 1, got 1.0"),
        (
            "[service]\nservice_levle = 0.8\n",
            "key 'service.service_levle': Extra inputs are not permitted, got 0.8",
        ),
        (
            "[service.queues.chat_es]\nconcurrency = 2\n",
            "key 'service.queues.chat_es.concurrency': concurrency > 1 needs channel 'chat', not 'voice'",
        ),
        (
            "[service]\nmodel = 'erlang-a'\n",
            "key 'service.patience_s': model 'erlang-a' needs patience_s (mean patience, seconds)",
        ),
        ("[service\n", None),
    ],
)
def test_cli_rejects_bad_scenario_service_table(tmp_path, toml, message):
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(toml, encoding="utf-8")
    out = tmp_path / "requirements.csv"
    result = run(FIXTURES / "valid_two_queues.csv", "--out", out, "--scenario", scenario)
    assert result.exit_code == 2
    if message is None:
        assert result.stderr.startswith(f"wfm: error: {scenario}: not valid TOML: ")
    else:
        assert result.stderr == f"wfm: error: {scenario}: {message}\n"
    assert not out.exists()


# --- good input ------------------------------------------------------------------------------------


def test_cli_writes_requirements_and_prints_a_summary(tmp_path):
    out = tmp_path / "requirements.csv"
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(
        "[horizon]\nstart = 2027-06-01\n[service]\nshrinkage = 0.3\n"
        "[service.queues.chat_es]\nchannel = 'chat'\nconcurrency = 2\n",
        encoding="utf-8",
    )
    result = run(FIXTURES / "valid_two_queues.csv", "--out", out, "--scenario", scenario)
    assert result.exit_code == 0, result.stderr
    df = pd.read_csv(out)
    assert list(df.columns) == [c for c in REQUIREMENTS_COLUMNS if c != "abandon_rate"]
    assert df["queue"].tolist() == ["chat_es", "voice_es"] * 3
    voice = required_agents([40.0, 42.5, 0.0], [300.0, 310.0, 300.0], 15, ServiceTargets())
    chat = required_agents([10.0, 12.0, 9.5], [400.0, 380.0, 390.0], 15, ServiceTargets(channel="chat", concurrency=2))
    assert df.loc[df.queue == "voice_es", "required_agents"].tolist() == voice["required_agents"].tolist()
    assert df.loc[df.queue == "chat_es", "required_agents"].tolist() == chat["required_agents"].tolist()
    hours = (voice["required_agents"].sum() + chat["required_agents"].sum()) / 4
    peak_v, peak_c = voice["required_agents"].max(), chat["required_agents"].max()
    t_v = ["08:00", "08:15", "08:30"][int(np.argmax(voice["required_agents"]))]
    t_c = ["08:00", "08:15", "08:30"][int(np.argmax(chat["required_agents"]))]
    assert result.stdout == (
        f"wrote {out}: 6 rows, 2 queue(s) (chat_es, voice_es), 15-minute intervals\n"
        f"peak required agents: chat_es {peak_c} at 2027-06-01T{t_c}, voice_es {peak_v} at 2027-06-01T{t_v}\n"
        f"total required agent-hours: {hours:,.1f}\n"
    )


def test_options_override_the_scenario(tmp_path):
    scenario = tmp_path / "scenario.toml"
    scenario.write_text("[service]\nservice_level = 0.95\nshrinkage = 0.4\n", encoding="utf-8")
    out = tmp_path / "r.csv"
    result = run(FIXTURES / "valid_two_queues.csv", "--out", out, "--scenario", scenario, "--shrinkage", "0")
    assert result.exit_code == 0, result.stderr
    df = pd.read_csv(out)
    assert (df["required_agents"] == df["agents_on_phone"]).all()  # shrinkage 0 from the option
    assert (df["service_level"] >= 0.95).all()  # service level from the scenario


def test_erlang_a_adds_abandon_rate_column(tmp_path):
    out = tmp_path / "r.csv"
    result = run(
        FIXTURES / "valid_two_queues.csv",
        "--out",
        out,
        "--model",
        "erlang-a",
        "--patience-s",
        "120",
        "--max-abandon-rate",
        "0.05",
    )
    assert result.exit_code == 0, result.stderr
    df = pd.read_csv(out)
    assert list(df.columns) == list(REQUIREMENTS_COLUMNS)
    assert (df["abandon_rate"] <= 0.05).all()


def test_handle_time_parts_give_aht(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text(
        "interval_start,contacts,talk_seconds,hold_seconds,acw_seconds\n"
        "2027-06-01T08:00,10,200,20,40\n2027-06-01T08:30,0,210,0,30\n",
        encoding="utf-8",
    )
    df = read_forecast(path)
    assert df["aht_seconds"].tolist() == [260.0, 240.0]
    assert df["queue"].tolist() == ["main", "main"]
    assert df.attrs["interval_min"] == 30


def test_requirements_round_trip(tmp_path):
    forecast = read_forecast(FIXTURES / "valid_two_queues.csv")
    df = compute_requirements(forecast, {"voice_es": ServiceTargets(), "chat_es": ServiceTargets(min_agents=1)})
    path = tmp_path / "r.csv"
    write_requirements(path, df)
    back = read_requirements(path)
    assert back.attrs["interval_min"] == 15
    for column in ("queue", "agents_on_phone", "required_agents"):
        assert back[column].tolist() == df[column].tolist()
    for column in ("contacts", "aht_seconds", "service_level", "occupancy"):
        np.testing.assert_allclose(back[column].to_numpy(float), df[column].to_numpy(float), atol=1e-4)
    assert (back["interval_start"].to_numpy() == df["interval_start"].to_numpy()).all()


def test_compute_requirements_needs_targets_for_every_queue():
    forecast = read_forecast(FIXTURES / "valid_two_queues.csv")
    with pytest.raises(InputError, match="no service targets for queue 'chat_es'"):
        compute_requirements(forecast, {"voice_es": ServiceTargets()})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    contacts=st.lists(st.floats(0.0, 500.0, allow_subnormal=False), min_size=1, max_size=20),
    aht=st.floats(60.0, 900.0),
)
def test_round_trip_property(tmp_path, contacts, aht):
    stamps = pd.date_range("2027-06-07 08:00", periods=len(contacts), freq="30min")
    forecast = pd.DataFrame({"interval_start": stamps, "queue": "q", "contacts": contacts, "aht_seconds": aht})
    forecast.attrs["interval_min"] = 30
    df = compute_requirements(forecast, ServiceConfig())
    path = tmp_path / "prop.csv"
    write_requirements(path, df)
    back = read_requirements(path)
    assert back["required_agents"].tolist() == df["required_agents"].tolist()
    np.testing.assert_allclose(back["traffic_erlangs"], df["traffic_erlangs"], atol=5e-5)


@pytest.mark.parametrize(
    ("text", "row", "column", "message"),
    [
        (
            "interval_start,queue,contacts,aht_seconds\n2027-06-01T08:00,q,1,300\n",
            1,
            None,
            "missing column(s): required_agents",
        ),
        (
            "interval_start,queue,contacts,aht_seconds,required_agents\n2027-06-01T08:00,q,1,300,-1\n",
            2,
            "required_agents",
            "must be ≥ 0, got -1",
        ),
        (
            "interval_start,queue,contacts,aht_seconds,required_agents\n2027-06-01T08:00,q,1,300,2.5\n",
            2,
            "required_agents",
            "a whole number expected, got '2.5'",
        ),
    ],
)
def test_read_requirements_rejects_bad_files(tmp_path, text, row, column, message):
    path = tmp_path / "requirements.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_requirements(path)
    assert (err.value.row, err.value.column) == (row, column)
    assert err.value.message == message


def test_read_requirements_allows_extra_columns(tmp_path):
    path = tmp_path / "requirements.csv"
    path.write_text(
        "interval_start,queue,contacts,aht_seconds,required_agents,note\n"
        "2027-06-01T08:00,q,1,300,2,x\n2027-06-01T08:30,q,0,300,0,y\n",
        encoding="utf-8",
    )
    df = read_requirements(path)
    assert df["required_agents"].tolist() == [2, 0] and df.attrs["interval_min"] == 30


# --- the bundled example ---------------------------------------------------------------------------


def test_example_generator_is_seeded():
    a, b = generate_forecast(), generate_forecast()
    pd.testing.assert_frame_equal(a, b)
    other = generate_forecast(ExampleCampaign(seed=1))
    assert not other["contacts"].equals(a["contacts"])


def test_example_calendar_volumes_and_handle_times():
    df = generate_forecast()
    stamps = pd.to_datetime(df["interval_start"])
    assert set(df["queue"]) == {"voice_es", "chat_es"}
    assert stamps.min() == pd.Timestamp("2027-06-01 08:00") and stamps.max() == pd.Timestamp("2027-06-30 19:45")
    assert 6 not in set(stamps.dt.weekday)  # closed on Sunday
    assert stamps.dt.date.nunique() == 26
    assert df.groupby("queue").size().tolist() == [26 * 48, 26 * 48]  # 12 h × 4 intervals a day
    assert stamps.dt.hour.between(8, 19).all()
    aht = df["talk_seconds"] + df["hold_seconds"] + df["acw_seconds"]
    assert aht.between(240, 420).all()
    volume = df.groupby("queue")["contacts"].sum()
    assert 0.2 < volume["chat_es"] / volume["voice_es"] < 0.3
    voice = df[df.queue == "voice_es"]
    per_day = voice.groupby(stamps[voice.index].dt.date)["contacts"].sum()
    by_weekday = per_day.groupby(pd.to_datetime(per_day.index).weekday).mean()
    assert by_weekday.idxmax() == 0 and by_weekday.idxmin() == 5  # Monday busiest, Saturday quietest
    by_hour = voice.groupby(pd.to_datetime(voice["interval_start"]).dt.hour)["contacts"].mean()
    assert by_hour[10] > by_hour[13] < by_hour[16] and by_hour[8] < by_hour[10]  # double peak


def test_bundled_files_are_current():
    """data/forecast.csv is the generator's output and data/requirements.csv is computed from it."""
    on_disk = pd.read_csv(ROOT / "data" / "forecast.csv")
    pd.testing.assert_frame_equal(on_disk, generate_forecast(), check_dtype=False)
    req_path = ROOT / "data" / "requirements.csv"
    assert req_path.is_file()
    got = pd.read_csv(req_path)
    want = compute_requirements(read_forecast(ROOT / "data" / "forecast.csv"), example_service())
    assert got["required_agents"].tolist() == want["required_agents"].tolist()
    peak = want.groupby("queue")["agents_on_phone"].max()
    assert peak["voice_es"] >= 30  # tens of agents at peak


# --- staffing to a forecast quantile ---------------------------------------------------------------


def test_quantile_columns_are_accepted_and_can_be_staffed_to(tmp_path):
    path = tmp_path / "forecast.csv"
    path.write_text(
        "interval_start,queue,contacts,aht_seconds,contacts_p80\n"
        "2027-06-01T08:00,q,40,300,48\n2027-06-01T08:15,q,30,300,37.5\n",
        encoding="utf-8",
    )
    assert read_forecast(path)["contacts"].tolist() == [40.0, 30.0]
    assert read_forecast(path, quantile=0.8)["contacts"].tolist() == [48.0, 37.5]
    assert read_forecast(path, quantile=0.5)["contacts"].tolist() == [40.0, 30.0]
    out = tmp_path / "r.csv"
    result = run(path, "--out", out, "--quantile", "0.8")
    assert result.exit_code == 0, result.stderr
    assert pd.read_csv(out)["contacts"].tolist() == [48.0, 37.5]
    result = run(path, "--out", tmp_path / "r9.csv", "--quantile", "0.9")
    assert result.exit_code == 2
    assert result.stderr == (
        f"wfm: error: {path}, row 1: no column contacts_p90 for --quantile 0.9 (quantile columns in the "
        "file: contacts_p80) — write it with `wfm forecast --quantile`\n"
    )
    assert not (tmp_path / "r9.csv").exists()
    result = run(path, "--out", tmp_path / "r1.csv", "--quantile", "1.5")
    assert result.exit_code == 2 and result.stderr == "wfm: error: --quantile must be in (0, 1), got 1.5\n"
