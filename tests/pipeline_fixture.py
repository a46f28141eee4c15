"""The tiny campaign of tests/fixtures/pipeline (one week, six agents, history → roster in seconds), its
variants with other `[inputs]`, and the `wfm` command line as a real subprocess."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "pipeline"
SCENARIO = FIXTURE / "scenario.toml"
_INPUTS = re.compile(r"^\[inputs\]\n(?:[^\n]+\n)*", re.MULTILINE)


def variant(
    folder: Path,
    filename: str = "scenario.toml",
    *,
    name: str | None = None,
    inputs: dict[str, str | Path] | None = None,
    extra: str = "",
) -> Path:
    """A copy of the tiny scenario in `folder`: `name` (None: no name key), `[inputs]` replaced when given
    (default: the fixture's files; absolute paths are copied into `folder`), `extra` TOML appended.
    Returns its path."""
    text = SCENARIO.read_text(encoding="utf-8")
    text = re.sub(r"^name = .*\n", "" if name is None else f'name = "{name}"\n', text, count=1, flags=re.MULTILINE)
    if inputs is None:
        inputs = {k: FIXTURE / f"{k}.csv" for k in ("history", "agents", "unavailability")}
    folder.mkdir(parents=True, exist_ok=True)
    for key, value in inputs.items():  # [inputs] must stay inside the scenario's folder: copy them there
        if Path(value).is_absolute() and Path(value).is_file():
            shutil.copyfile(value, folder / Path(value).name)
            inputs = {**inputs, key: Path(value).name}
    block = "[inputs]\n" + "".join(f'{k} = "{v}"\n' for k, v in inputs.items())
    text = _INPUTS.sub(block, text, count=1) + extra
    path = folder / filename
    path.write_text(text, encoding="utf-8")
    return path


def wfm_command(*args: str | Path) -> list[str]:
    """`wfm ARGS…` as a subprocess command line (the repository's cli.py, this interpreter)."""
    return [sys.executable, str(ROOT / "cli.py"), *map(str, args)]
