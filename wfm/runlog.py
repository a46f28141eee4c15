"""The log of a `wfm run`: one record per line, as text or JSON, to stderr and to `run.log`.

Every record has a time (local, ISO 8601 with offset, milliseconds), a level (`info`, `warning`,
`error`), a stage (`start`, `lock`, `forecast`, `requirements`, `schedule`, `report`, `done`,
`signal`…), a message, and named numbers (`seconds`, `objective`, `gap`…).

- `text`: `2027-05-31T22:00:01.250+02:00 info    schedule     LP relaxation …  objective=630 gap=0.0008`
- `json` (`--log-format json`, for log collectors): one object per line,
  `{"time": …, "level": …, "stage": …, "message": …, "<number>": …}`, plus `campaign` in a batch.

Records made before the log file is attached (the run's folder does not exist yet) are written to it
when it is.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from pathlib import Path
from typing import IO, Any, Literal

LogFormat = Literal["text", "json"]
LOG_FORMATS: tuple[str, ...] = ("text", "json")
_RESERVED = frozenset({"time", "level", "stage", "message", "campaign"})


class _Formatter(logging.Formatter):
    def __init__(self, fmt: LogFormat, campaign: str | None) -> None:
        super().__init__()
        self.fmt = fmt
        self.campaign = campaign

    def format(self, record: logging.LogRecord) -> str:
        when = dt.datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")
        level = record.levelname.lower()
        stage = getattr(record, "stage", "")
        numbers: dict[str, Any] = getattr(record, "numbers", {})
        message = record.getMessage()
        if self.fmt == "json":
            head = {"time": when, "level": level, "stage": stage, "message": message}
            if self.campaign is not None:
                head["campaign"] = self.campaign
            return json.dumps({**head, **{k: _plain(v) for k, v in numbers.items()}}, ensure_ascii=False)
        who = f"[{self.campaign}] " if self.campaign is not None else ""
        figures = "  ".join(f"{k}={_short(v)}" for k, v in numbers.items())
        return f"{when} {level:<7} {stage:<12} {who}{message}" + (f"  {figures}" if figures else "")


def _plain(value: Any) -> Any:
    """JSON has no NaN or infinity: write null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _short(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


class RunLog:
    """Log records of one run to a stream (stderr; None: no stream) and, once attached, a file."""

    def __init__(self, fmt: LogFormat = "text", *, stream: IO[str] | None = None, campaign: str | None = None) -> None:
        if fmt not in LOG_FORMATS:
            raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, got '{fmt}'")
        self.format = fmt
        self._formatter = _Formatter(fmt, campaign)
        self._logger = logging.Logger(f"wfm.run.{id(self)}", logging.INFO)  # not registered: no global state
        self._stream: logging.Handler | None = None
        if stream is not None:
            self._stream = logging.StreamHandler(stream)
            self._stream.setFormatter(self._formatter)
        self._file: logging.FileHandler | None = None
        self._early: list[logging.LogRecord] = []

    def attach(self, path: str | Path) -> None:
        """Write to the log file `path` from now on, starting with the records made so far."""
        self._file = logging.FileHandler(path, mode="a", encoding="utf-8")
        self._file.setFormatter(self._formatter)
        for record in self._early:
            self._file.handle(record)
        self._early.clear()

    def detach(self) -> Path | None:
        """Flush and close the log file; return its path (None if none was attached)."""
        if self._file is None:
            return None
        path = Path(self._file.baseFilename)
        self._file.close()
        self._file = None
        return path

    def log(self, level: int, stage: str, message: str, *, echo: bool = True, **numbers: Any) -> None:
        """One record; `echo=False` keeps it out of the stream (the CLI prints that message itself)."""
        clash = _RESERVED & numbers.keys()
        if clash:
            raise ValueError(f"reserved field name(s) {sorted(clash)}")
        record = self._logger.makeRecord(
            self._logger.name, level, "", 0, message, (), None, extra={"stage": stage, "numbers": numbers}
        )
        if self._stream is not None and echo:
            self._stream.handle(record)
        if self._file is not None:
            self._file.handle(record)
        else:
            self._early.append(record)

    def info(self, stage: str, message: str, **numbers: Any) -> None:
        self.log(logging.INFO, stage, message, **numbers)

    def warning(self, stage: str, message: str, **numbers: Any) -> None:
        self.log(logging.WARNING, stage, message, **numbers)

    def error(self, stage: str, message: str, *, echo: bool = True, **numbers: Any) -> None:
        self.log(logging.ERROR, stage, message, echo=echo, **numbers)
