"""Reading the scenario TOML file: one function for every table's reader."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from wfm.errors import InputError


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse the TOML file at `path` (UTF-8, a byte-order mark accepted); `InputError` if it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise InputError("scenario file not found", path=path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", path=path) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", path=path) from None
