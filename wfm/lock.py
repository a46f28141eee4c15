"""A lock file beside an output directory, so two runs never write the same result.

The lock of `DIR` is the file `DIR.lock` (a sibling, so it survives `DIR` being replaced whole),
holding JSON: `pid`, `host`, `started` (UTC, ISO 8601) and `token`. It is created exclusively — a
fully written temporary file is hard-linked to the lock's name, which fails if the name exists,
like `open(O_CREAT | O_EXCL)`, and a reader never sees it half-written (where the file system has
no hard links, `O_CREAT | O_EXCL` itself is used).

A lock that exists is
- *live* when its host is this host and its process is running (or another host holds it: this
  host cannot tell, so it is treated as live) → `LockedError` (exit 5) naming pid, host and start;
- *stale* when its host is this host and its pid is not running, or runs a process that started
  after the lock was taken (the pid was reused, e.g. after a reboot) → reported and cleared;
- *unreadable* (not the JSON above): stale once older than `UNREADABLE_STALE_S`, else live (it may
  be the `O_CREAT | O_EXCL` fallback's file in the instant between creation and writing).

The lock is released (removed) when the block ends, whatever the outcome, if it is still ours.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from wfm.errors import LockedError

UNREADABLE_STALE_S = 60.0
_START_SLACK_S = 2.0  # clock-tick rounding of a process's start time


@dataclass(frozen=True)
class LockInfo:
    """Who holds (or held) a lock: process id, host name and start time (UTC)."""

    pid: int
    host: str
    started: dt.datetime
    token: str = ""

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}, started {self.started.isoformat(timespec='seconds')}"

    def to_json(self) -> str:
        return (
            json.dumps(
                {"pid": self.pid, "host": self.host, "started": self.started.isoformat(), "token": self.token},
                sort_keys=True,
            )
            + "\n"
        )


def lock_path(out_dir: str | Path) -> Path:
    """`DIR.lock` beside the output directory `DIR`."""
    out = Path(out_dir).resolve()
    return out.parent / f"{out.name}.lock"


def read_lock(path: str | Path) -> LockInfo | None:
    """The lock's holder, or None when the file is not a lock this module wrote (or is gone)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return LockInfo(
            int(data["pid"]), str(data["host"]), dt.datetime.fromisoformat(data["started"]), str(data.get("token", ""))
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _process_start(pid: int) -> float | None:
    """Start time of process `pid` (Unix seconds) from /proc, or None where /proc cannot tell."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime ")
        )
    except (OSError, StopIteration, ValueError, IndexError):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # the command name may hold spaces and parentheses
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22 of stat: starttime in ticks


def is_stale(info: LockInfo | None, path: Path, *, now: float | None = None) -> bool:
    """Whether the lock at `path` (holder `info`, None if unreadable) was left by a dead run."""
    now = time.time() if now is None else now
    if info is None:
        try:
            return now - path.stat().st_mtime > UNREADABLE_STALE_S
        except FileNotFoundError:
            return True
    if info.host != socket.gethostname():
        return False
    try:
        os.kill(info.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # running, as another user
        pass
    started = _process_start(info.pid)
    return started is not None and started > info.started.timestamp() + _START_SLACK_S


def _create(path: Path, text: str) -> bool:
    """Create `path` holding `text` only if it does not exist; False if it does."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
            return True
        except FileExistsError:
            return False
        except OSError:  # no hard links on this file system
            pass
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        return True
    finally:
        os.unlink(tmp)


@contextlib.contextmanager
def output_lock(out_dir: str | Path, *, on_stale: Callable[[str], None] | None = None) -> Iterator[LockInfo]:
    """Hold `DIR.lock` for the block; raise `LockedError` if a live run holds it.

    A stale lock is removed and `on_stale` called with one line saying whose it was.
    """
    path = lock_path(out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    mine = LockInfo(os.getpid(), socket.gethostname(), dt.datetime.now(dt.UTC), uuid.uuid4().hex)
    for _ in range(3):  # a stale lock cleared by us may be re-taken by a racing run
        if _create(path, mine.to_json()):
            break
        held = read_lock(path)
        if not is_stale(held, path):
            who = held.describe() if held else "a run whose lock file cannot be read"
            raise LockedError(
                f"output is locked by {who}",
                hint=f"wait for that run to finish; if it is gone, remove {path}",
            )
        if read_lock(path) != held:  # changed meanwhile: another run cleared it and took it
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        if on_stale is not None:
            whose = held.describe() if held else "an unreadable lock file"
            on_stale(f"cleared a stale lock {path.name} ({whose}: its process is gone)")
    else:
        raise LockedError(f"could not take the lock {path}: other runs keep taking it")
    try:
        yield mine
    finally:
        if read_lock(path) == mine:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
