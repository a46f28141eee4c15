"""Progress of a long solve, shown live (rich), as JSON lines, or not at all."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

from rich.console import Console

from wfm.schedule.options import Progress

Mode = Literal["live", "json", "quiet"]


def _line(event: Progress) -> str:
    parts = [f"{event.elapsed_s:6.1f}s", f"{event.stage:<9}"]
    if event.objective is not None:
        parts.append(f"objective {event.objective:,.2f}")
    if event.bound is not None:
        parts.append(f"bound {event.bound:,.2f}")
    if event.gap is not None:
        parts.append(f"gap {event.gap:.2%}")
    if event.message:
        parts.append(event.message)
    return "  ".join(parts)


@contextmanager
def progress_reporter(mode: Mode) -> Iterator[Callable[[Progress], None] | None]:
    """Yield the callback to pass to the solver: rich status on stderr, JSON lines on stdout, or None."""
    if mode == "quiet":
        yield None
        return
    if mode == "json":
        def emit_json(event: Progress) -> None:
            record = {"event": "progress", "stage": event.stage, "elapsed_s": round(event.elapsed_s, 3),
                      "objective": event.objective, "bound": event.bound, "gap": event.gap,
                      "message": event.message}
            sys.stdout.write(json.dumps(record) + "\n")
            sys.stdout.flush()

        yield emit_json
        return
    console = Console(stderr=True)
    with console.status("solving…") as status:
        def emit_live(event: Progress) -> None:
            text = _line(event)
            if event.stage != "assign":
                console.print(text, highlight=False)
            status.update(text)

        yield emit_live
