"""Reading the scenario TOML file: one function for every table's reader."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from wfm.errors import InputError


class TomlTable(BaseModel):
    """Base of every scenario table's model: unknown keys are errors, numbers are finite (no `inf`,
    `nan`) and never booleans (`min_rest_h = true` is refused, not read as 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_numbers(cls, v: Any, info: ValidationInfo) -> Any:
        if isinstance(v, bool) and info.field_name is not None:
            annotation = str(cls.model_fields[info.field_name].annotation)
            if "bool" not in annotation and "Any" not in annotation:
                raise ValueError(f"expected a number or text, got the boolean {str(v).lower()}")
        return v


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
