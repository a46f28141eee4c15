"""The output lock: exclusive, released, stale locks of dead (or reused) pids cleared, live ones refused."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from cli import app
from tests.pipeline_fixture import SCENARIO
from wfm.errors import EXIT_LOCKED, LockedError
from wfm.lock import UNREADABLE_STALE_S, LockInfo, lock_path, output_lock, read_lock

HOST = socket.gethostname()


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def write_lock(out, pid: int, host: str = HOST, started: dt.datetime | None = None):
    path = lock_path(out)
    path.write_text(LockInfo(pid, host, started or dt.datetime.now(dt.UTC), "x").to_json())
    return path


def test_the_lock_is_a_sibling_holding_pid_host_and_start_and_is_removed_after(tmp_path):
    out = tmp_path / "result"
    assert lock_path(out) == tmp_path / "result.lock"
    before = dt.datetime.now(dt.UTC)
    with output_lock(out) as mine:
        data = json.loads(lock_path(out).read_text())
        assert data["pid"] == os.getpid() and data["host"] == HOST
        assert before <= dt.datetime.fromisoformat(data["started"]) <= dt.datetime.now(dt.UTC)
        assert read_lock(lock_path(out)) == mine
    assert not lock_path(out).exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left either


def test_the_lock_is_released_when_the_block_fails(tmp_path):
    with pytest.raises(RuntimeError), output_lock(tmp_path / "out"):
        raise RuntimeError("boom")
    assert not lock_path(tmp_path / "out").exists()


def test_a_live_lock_is_refused_naming_its_pid(tmp_path):
    out = tmp_path / "out"
    path = write_lock(out, os.getpid())
    before = path.read_bytes()
    with pytest.raises(LockedError) as caught, output_lock(out):
        pass
    assert caught.value.exit_code == EXIT_LOCKED == 5
    assert f"output is locked by pid {os.getpid()} on {HOST}, started " in str(caught.value)
    assert f"if it is gone, remove {path}" in str(caught.value)
    assert path.read_bytes() == before


def test_nested_runs_on_one_output_are_refused(tmp_path):
    with output_lock(tmp_path / "out"), pytest.raises(LockedError), output_lock(tmp_path / "out"):
        pass


def test_a_stale_lock_of_a_dead_process_is_reported_and_cleared(tmp_path):
    out = tmp_path / "out"
    pid = dead_pid()
    write_lock(out, pid)
    said = []
    with output_lock(out, on_stale=said.append) as mine:
        assert read_lock(lock_path(out)) == mine
    assert len(said) == 1
    assert said[0].startswith(f"cleared a stale lock out.lock (pid {pid} on {HOST}, started ")


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs /proc to tell when a process started")
def test_a_lock_whose_pid_was_reused_by_a_newer_process_is_stale(tmp_path):
    out = tmp_path / "out"
    write_lock(out, os.getpid(), started=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))  # this process started later
    said = []
    with output_lock(out, on_stale=said.append):
        pass
    assert len(said) == 1


def test_a_lock_of_another_host_is_never_cleared(tmp_path):
    out = tmp_path / "out"
    write_lock(out, dead_pid(), host="elsewhere.example")
    with pytest.raises(LockedError, match=r"on elsewhere\.example"), output_lock(out):
        pass
    assert lock_path(out).exists()


def test_an_unreadable_lock_is_live_while_fresh_and_stale_when_old(tmp_path):
    out = tmp_path / "out"
    path = lock_path(out)
    path.write_text("")
    with pytest.raises(LockedError, match="a run whose lock file cannot be read"), output_lock(out):
        pass
    old = time.time() - UNREADABLE_STALE_S - 5
    os.utime(path, (old, old))
    said = []
    with output_lock(out, on_stale=said.append):
        pass
    assert said == ["cleared a stale lock out.lock (an unreadable lock file: its process is gone)"]


def test_a_lock_taken_over_meanwhile_is_not_removed_by_the_first_holder(tmp_path):
    out = tmp_path / "out"
    with output_lock(out):
        path = write_lock(out, 4242, host="elsewhere.example")  # e.g. an operator replaced it
    assert read_lock(path).pid == 4242


def test_wfm_run_on_a_locked_output_exits_5_before_any_work(tmp_path):
    out = tmp_path / "out"
    write_lock(out, os.getpid())
    result = CliRunner().invoke(app, ["run", str(SCENARIO), "--out", str(out)])
    assert result.exit_code == 5
    assert result.output.splitlines()[-1].startswith(f"wfm: error: output is locked by pid {os.getpid()} on {HOST}, ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.lock"]
