"""What a planner meets first: `--version`, help texts with their brackets, readable numbers in the
batch table, SIGTERM at start-up ending as the documented 130."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import _batch_table, app
from tests.pipeline_fixture import SCENARIO, wfm_command
from wfm import __version__

runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output == f"wfm {__version__}\n"


@pytest.mark.parametrize(
    ("command", "text"),
    [("requirements", "only its [service] table"), ("batch", "pip install wfm[dask]"), ("kpi", "[contract] table")],
)
def test_help_texts_keep_square_brackets(command, text):
    result = runner.invoke(app, [command, "--help"], terminal_width=200)
    assert text in " ".join(result.output.split())


def test_the_batch_table_prints_numbers_as_planners_write_them():
    table = pd.DataFrame(
        {
            "campaign": ["a", "b"],
            "status": ["feasible", "bad-input"],
            "hours_used": [13056.75, float("nan")],
            "budget_hours": [16500.0, None],
            "projected_service_level": [0.677266, float("nan")],
            "gap": [0.0292138, None],
            "seconds": [41.46, 0.2],
            "exit_code": pd.array([0, 2], dtype="Int64"),
        }
    )
    text = _batch_table(table).to_string(index=False)
    assert "13,056.8" in text and "16,500.0" in text and "67.7%" in text and "2.92%" in text
    assert "e+0" not in text and "nan" not in text.lower()


def _catches_sigterm(pid: int) -> bool:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (signal.SIGTERM - 1) & 1)
    return False


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_sigterm_during_start_up_exits_130(tmp_path):
    proc = subprocess.Popen(
        wfm_command("run", SCENARIO, "--out", tmp_path / "out"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not _catches_sigterm(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)  # the command's handler is set: imports, reading the scenario…
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert not (tmp_path / "out").exists()
