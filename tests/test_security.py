"""A scenario cannot make wfm read files outside its folder, and no error quotes a file of another kind."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from wfm.agents import read_agents
from wfm.errors import InputError
from wfm.scenario import ALLOW_OUTSIDE_ENV, load_scenario

ROOT = Path(__file__).resolve().parents[1]
OFFICE = ROOT / "tests" / "fixtures" / "checker" / "office"
SECRET = "TOKEN=s3cr3t-value"
runner = CliRunner()


def office_naming(tmp_path: Path, unavailability: str) -> Path:
    folder = tmp_path / "office"
    shutil.copytree(OFFICE, folder)
    scenario = folder / "scenario.toml"
    text = scenario.read_text(encoding="utf-8").replace(
        'unavailability = "unavailability.csv"', f'unavailability = "{unavailability}"'
    )
    scenario.write_text(text, encoding="utf-8")
    return scenario


@pytest.mark.parametrize("given", ["/proc/self/environ", "../secret.csv", "sub/../../secret.csv"])
@pytest.mark.parametrize("command", ["schedule", "check", "run"])
def test_inputs_outside_the_scenario_folder_are_refused_naming_the_key(command, given, tmp_path, monkeypatch):
    monkeypatch.delenv(ALLOW_OUTSIDE_ENV, raising=False)
    (tmp_path / "secret.csv").write_text(SECRET + "\n", encoding="utf-8")
    scenario = office_naming(tmp_path, given)
    args = {
        "schedule": ["--out", str(tmp_path / "o")],
        "run": ["--out", str(tmp_path / "o")],
        "check": [str(scenario.parent / "rosters" / "breaks.csv")],
    }[command]
    result = runner.invoke(app, [command, str(scenario), *args])
    assert result.exit_code == 2, result.output
    assert f"key 'inputs.unavailability': '{given}' leads outside the scenario's folder" in result.output
    assert SECRET not in result.output and not (tmp_path / "o").exists()


def test_the_environment_allows_outside_inputs_and_their_contents_are_never_quoted(tmp_path, monkeypatch):
    (tmp_path / "secret.csv").write_text(SECRET + ",b\nx,y\n", encoding="utf-8")
    scenario = office_naming(tmp_path, "../secret.csv")
    monkeypatch.setenv(ALLOW_OUTSIDE_ENV, "1")
    assert load_scenario(scenario).input_path("unavailability") == scenario.parent / "../secret.csv"
    result = runner.invoke(app, ["schedule", str(scenario), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "not a unavailability CSV file: its first line names none of the expected columns" in result.output
    assert "s3cr3t" not in result.output


def test_a_long_bad_cell_is_quoted_shortened(tmp_path):
    path = tmp_path / "agents.csv"
    path.write_text(
        f"agent_id,name,skills,min_hours_week,max_hours_week,max_days_week\na1,Ana,,{'9' * 30}x{'9' * 30},40,5\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        read_agents(path)
    assert "got '" + "9" * 30 + "x" + "9" * 8 + "…'" in str(caught.value)
