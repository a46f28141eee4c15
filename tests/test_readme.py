"""README.md documents what exists: every command, the two quick-start commands (the second one is what
CI runs), and every exit code of `wfm.errors`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import wfm.errors
from cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}[ \t]*\n(.*?)(?=^## |\Z)", README, re.MULTILINE | re.DOTALL)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def _commands() -> list[str]:
    names = [c.name or c.callback.__name__.removesuffix("_command").replace("_", "-") for c in app.registered_commands]
    names += [g.name for g in app.registered_groups]
    return sorted(names)


def test_the_app_registers_commands() -> None:
    assert {"schedule", "check", "run"} <= set(_commands())


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_in_the_readme(command: str) -> None:
    assert re.search(rf"`wfm {re.escape(command)}\b", README), f"`wfm {command}` is not in README.md"


def _quick_start_blocks() -> tuple[list[str], int]:
    """The fenced blocks of the Quick start section and the index of the output block (the first block
    whose preceding prose says what a command prints)."""
    text = _section("Quick start")
    blocks, output_at, last = [], None, 0
    for m in FENCE.finditer(text):
        prose = text[last : m.start()]
        if output_at is None and re.search(r"\bprints\b", prose):
            output_at = len(blocks)
        blocks.append(m.group(1).strip())
        last = m.end()
    assert output_at is not None, "Quick start shows no output block"
    return blocks, output_at


def test_quick_start_has_exactly_two_command_blocks_before_the_output() -> None:
    blocks, output_at = _quick_start_blocks()
    assert output_at == 2
    for block in blocks[:output_at]:
        assert block and "\n" not in block, f"not one command: {block!r}"
    assert "wfm run" in blocks[0]
    assert "pytest" in blocks[1]


def test_ci_runs_the_second_quick_start_command_verbatim() -> None:
    blocks, _ = _quick_start_blocks()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert blocks[1] in ci.splitlines()


def _exit_code_rows() -> set[int]:
    return {int(m) for m in re.findall(r"^\|\s*(\d+)\s*\|", _section("Exit codes"), re.MULTILINE)}


@pytest.mark.parametrize(("name", "code"), sorted((k, v) for k, v in vars(wfm.errors).items() if k.startswith("EXIT_")))
def test_every_exit_code_is_in_the_readme_table(name: str, code: int) -> None:
    assert code in _exit_code_rows(), f"{name} = {code} is missing from README's exit-code table"


@pytest.mark.parametrize(
    "error", [e for e in vars(wfm.errors).values() if isinstance(e, type) and issubclass(e, wfm.errors.WfmError)]
)
def test_every_error_class_exit_code_is_in_the_readme_table(error: type) -> None:
    assert error.exit_code in _exit_code_rows()
