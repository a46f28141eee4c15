"""Atomic outputs: a reader never sees a half-written file or directory, and no user file is lost.

Files are written to a temporary sibling and renamed into place (`os.replace` is atomic on POSIX
within one file system). Directories are built in a temporary sibling and swapped in by rename,
so the previous complete result stays until the new one is complete.

Every command that writes checks its output first with `check_output` (the one place for this rule):
a folder output must be new, empty, or a previous wfm result (it holds one of the command's marker
files, e.g. `summary.json`), because it is replaced whole or written into; a file output must not be
a folder; and the place must be writable. Each failure is an `InputError` (exit 2) raised before any
work is done, so nothing is written. An `OSError` while creating a temporary sibling (a read-only
file system, a full disk) also becomes an `InputError` naming the path.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from wfm.errors import InputError

OutputKind = Literal["file", "folder"]
RESULT_MARKERS = ("summary.json",)  # a `wfm schedule` / `wfm run` result


def _umask() -> int:
    """The process's umask, read without changing it where Linux tells (setting it races with threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    umask = os.umask(0)
    os.umask(umask)
    return umask


def check_output(
    path: str | Path,
    kind: OutputKind,
    *,
    markers: tuple[str, ...] = RESULT_MARKERS,
    results_inside: bool = False,
    option: str = "--out",
) -> Path:
    """Refuse an output that would destroy or hide the user's files, or that cannot be written.

    `kind="folder"`: `path` must not exist, be an empty folder, or be a previous wfm result — a folder
    holding one of `markers` (with `results_inside`, also a folder whose entries are all wfm results
    or their lock and log files: `out/` after `wfm run`s). `kind="file"`: `path` must not be a folder.
    Either way the nearest existing folder on the way must be writable (probed with a temporary file
    that is removed at once). Raises `InputError` naming `path` and `option`; returns `path`.
    """
    target = Path(path)
    if kind == "folder":
        if target.exists() and not target.is_dir():
            raise InputError(
                "the output exists and is not a folder",
                path=target,
                hint=f"give {option} a new folder; the file is left as it is",
            )
        if target.is_dir() and not _is_wfm_output(target, markers, results_inside):
            raise InputError(
                "the output folder is not empty and holds no wfm result (no "
                f"{' or '.join(markers)}); wfm refuses to replace or write into it",
                path=target,
                hint=f"give {option} a new or empty folder; the files in it are left as they are",
            )
    elif target.is_dir():
        raise InputError(
            "the output is a folder, but a file is written here",
            path=target,
            hint=f"give {option} a file name, e.g. {target / 'out.csv'}",
        )
    elif target.exists() and not target.is_file():
        raise InputError("the output exists and is not a regular file", path=target, hint=f"give {option} a file name")
    _probe_writable(target)
    return target


def _is_wfm_output(folder: Path, markers: tuple[str, ...], results_inside: bool) -> bool:
    entries = list(folder.iterdir())
    if not entries or any((folder / m).is_file() for m in markers):
        return True
    if not results_inside:
        return False
    return all(
        (e.is_dir() and (e / "summary.json").is_file())
        or e.name.endswith((".lock", ".failed.log"))
        or e.name.startswith(".")
        for e in entries
    )


def _probe_writable(target: Path) -> None:
    """Raise `InputError` unless a file can be created in the nearest existing folder above `target`."""
    folder = target.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise InputError(f"cannot write here: '{folder}' is not a folder", path=target)
    try:
        fd, probe = tempfile.mkstemp(prefix=".wfm-probe-", dir=folder)
    except OSError as exc:
        raise InputError(
            f"cannot write here ({exc.strerror or exc})", path=target, hint="choose a writable --out"
        ) from None
    os.close(fd)
    os.unlink(probe)


@contextlib.contextmanager
def _creating(target: Path) -> Iterator[None]:
    """Turn an `OSError` while creating an output's folder or temporary sibling into an `InputError`."""
    try:
        yield
    except OSError as exc:
        raise InputError(
            f"cannot write here ({exc.strerror or exc})", path=target, hint="choose a writable --out"
        ) from None


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` if the block succeeds."""
    target = Path(path)
    if target.is_dir():
        raise InputError("the output is a folder, but a file is written here", path=target)
    with _creating(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
    try:
        yield tmp_path
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(path: str | Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | Path, data: Any) -> None:
    """Write `data` as indented, key-sorted JSON to `path` atomically."""
    write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


CSV_TIME_FORMAT = "%Y-%m-%dT%H:%M"
"""The one date-time format of every CSV wfm writes: ISO 8601 local wall clock, whole minutes."""


def write_csv(path: str | Path, frame: pd.DataFrame, *, float_format: str | None = None) -> None:
    """Write `frame` as CSV (no index, '\\n' line ends, date-times as `CSV_TIME_FORMAT`) to `path` atomically."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, lineterminator="\n", float_format=float_format, date_format=CSV_TIME_FORMAT)


@contextlib.contextmanager
def atomic_directory(path: str | Path, *, markers: tuple[str, ...] = RESULT_MARKERS) -> Iterator[Path]:
    """Yield an empty temporary directory beside `path`; on success it replaces `path` whole.

    `path` must pass `check_output(path, "folder", markers=markers)`: only a previous wfm result is
    ever replaced (and so deleted).

    Where the OS can (Linux `renameat2(RENAME_EXCHANGE)`), the new and old directories are swapped
    in one atomic step, then the old one removed: at every instant `path` is the old complete result
    or the new complete one. Elsewhere the old directory is renamed aside, the new one renamed into
    place, then the old one removed (a crash between the two renames leaves the old result under
    `.<name>.old-*`, never a partial one; `recover_directory` puts it back).
    """
    target = check_output(Path(path).resolve(), "folder", markers=markers)
    with _creating(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    os.chmod(work, 0o777 & ~_umask())  # mkdtemp makes 0700; give the result the usual permissions
    try:
        yield work
        if target.exists() and _exchange(work, target):
            return  # `work` now holds the old result: the finally block removes it
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            old.rmdir()
            os.rename(target, old)
        os.rename(work, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)


_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):  # no libc symbol (glibc < 2.28, musl)
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    errno_ = ctypes.get_errno()
    if errno_ in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):  # file system cannot
        return False
    raise OSError(errno_, os.strerror(errno_), str(b))


def directory_debris(path: str | Path) -> list[Path]:
    """Temporary siblings that `atomic_directory(path)` leaves when its process is killed."""
    target = Path(path).resolve()
    return sorted(target.parent.glob(f".{target.name}.new-*")) + sorted(target.parent.glob(f".{target.name}.old-*"))


def recover_directory(path: str | Path) -> list[str]:
    """Undo what a killed `atomic_directory(path)` left: put a set-aside old result back if `path` is
    missing, remove the other temporary siblings. Call it only while no other process writes `path`
    (under its lock). Returns one line per action, for the log."""
    target = Path(path).resolve()
    actions = []
    olds = sorted(target.parent.glob(f".{target.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if not target.exists() and olds:
        os.rename(olds[-1], target)
        actions.append(f"restored the previous result from {olds[-1].name}")
    for debris in directory_debris(target):
        shutil.rmtree(debris, ignore_errors=True)
        actions.append(f"removed {debris.name} left by an interrupted run")
    return actions
