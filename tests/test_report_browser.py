"""report.html renders in headless Chromium, offline, with its charts drawn.

Runs only where Debian's `chromium` is installed at /usr/bin/chromium (`apt-get install chromium`);
skipped otherwise. Network features are switched off, so a page that needed the network would
render without its charts and fail.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.report_fixture import make_schedule_output
from wfm.report import write_report
from wfm.report.charts import SCHEDULED

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install chromium)"
)


def screenshot(page: Path, out: Path, profile: Path) -> np.ndarray:
    cmd = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--window-size=1280,4000",
        f"--screenshot={out}",
        page.resolve().as_uri(),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=180)
    with Image.open(out) as im:
        return np.asarray(im.convert("RGB")).astype(int)


def test_report_renders_with_its_charts(tmp_path):
    folder = make_schedule_output(tmp_path / "sched")
    files = write_report(folder)
    pixels = screenshot(files.html, tmp_path / "shot.png", tmp_path / "profile")
    assert pixels.shape[:2] == (4000, 1280)
    background = pixels[-1, -1]
    assert (np.abs(pixels - background).sum(axis=2) > 30).mean() > 0.05  # far from blank
    teal = np.array([int(SCHEDULED[i : i + 2], 16) for i in (1, 3, 5)])
    # the scheduled-agents colour fills the service-level bars: only the embedded PNGs draw it
    assert (np.abs(pixels - teal).sum(axis=2) < 12).sum() > 5_000
