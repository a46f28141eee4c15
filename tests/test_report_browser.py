"""report.html in headless Chromium, offline: its content through the DOM (after the page's script ran),
sorting the month view by clicking, and one screenshot checked for its size and for blank areas.

Runs only where Debian's `chromium` is installed at /usr/bin/chromium (`apt-get install chromium`);
skipped otherwise. Network features are switched off, so a page that needed the network would
render without its charts and fail.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.report_fixture import make_schedule_output
from wfm.report import write_report
from wfm.report.svg import SCHEDULED

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (apt-get install chromium)")
WIDTH, HEIGHT = 1280, 2400


def chromium(page: Path, profile: Path, *args: str) -> str:
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
        f"--window-size={WIDTH},{HEIGHT}",
        *args,
        page.resolve().as_uri(),
    ]
    return subprocess.run(cmd, check=True, capture_output=True, timeout=180, text=True).stdout


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    folder = make_schedule_output(
        tmp_path_factory.mktemp("sched") / "out",
        summary={
            "campaign": {"name": "Campaña ES — junio 2027", "service_level_target": 0.8},
            "service_level_by_day": {"2026-03-02": 0.85, "2026-03-03": 0.72, "2026-03-04": 0.7},
        },
    )
    return write_report(folder).html


def test_dom_holds_the_content(report, tmp_path):
    dom = chromium(report, tmp_path / "profile", "--dump-dom")
    assert "<h1>Campaña ES — junio 2027</h1>" in dom
    assert "3–4 Mar 2026 at 70–72% service level (target 80%)." in dom
    assert len(re.findall(r'<svg class="chart ', dom)) == 8
    assert re.search(r'<line class="target" data-value="0.8"', dom)
    assert len(re.findall(r'<td class="name">Agent Name \d</td>', dom)) == 6


def test_month_view_sorts_by_a_clicked_column(report, tmp_path):
    clicked = tmp_path / "clicked.html"
    click = "<script>var th = document.querySelector('table.month th'); th.click(); th.click();</script>"
    clicked.write_text(report.read_text(encoding="utf-8").replace("</body>", click + "</body>"), encoding="utf-8")
    dom = chromium(clicked, tmp_path / "profile", "--dump-dom")
    names = re.findall(r'<td class="name">([^<]+)</td>', dom)
    assert names == [f"Agent Name {a}" for a in reversed(range(6))]  # the second click sorts descending


def test_screenshot_has_its_size_and_no_blank_area(report, tmp_path):
    shot = tmp_path / "shot.png"
    chromium(report, tmp_path / "profile", f"--screenshot={shot}")
    with Image.open(shot) as im:
        pixels = np.asarray(im.convert("RGB")).astype(int)
    assert pixels.shape[:2] == (HEIGHT, WIDTH)
    background = pixels[-1, -1]
    drawn = np.abs(pixels - background).sum(axis=2) > 30
    assert drawn.mean() > 0.05  # far from blank
    bands = drawn.reshape(HEIGHT // 150, 150, WIDTH).mean(axis=(1, 2))
    assert (bands > 0.01).all(), f"blank bands at {np.flatnonzero(bands <= 0.01) * 150} px"
    teal = np.array([int(SCHEDULED[i : i + 2], 16) for i in (1, 3, 5)])
    # the scheduled-agents colour fills the service-level bar above target and the hours bar: the SVG drew
    assert (np.abs(pixels - teal).sum(axis=2) < 12).sum() > 5_000
