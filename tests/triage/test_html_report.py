"""The HTML campaign page: a real campaign, rendered, opened in headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TANDEM = str(Path(sys.executable).with_name("tandem"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.fail("headless Chromium is needed for this test: install Debian's `chromium` (ci/provision.sh does)")


def test_campaign_page_opens_offline_with_all_its_parts(tmp_path, ft):
    campaign = tmp_path / "campaign"
    fuzz = subprocess.run(
        [
            TANDEM,
            "fuzz",
            "--out",
            str(campaign),
            "--runs",
            "4",
            "--target",
            "ft",
            "--oracle",
            "ft",
            "--families",
            "hierarchy,init_race",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert fuzz.returncode == 0, fuzz.stderr[-1000:]
    made = subprocess.run([TANDEM, "report", str(campaign), "--html"], capture_output=True, text=True, cwd=ROOT)
    assert made.returncode == 0, made.stderr
    page = campaign / "report.html"
    assert "http" not in page.read_text().replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing fetched
    dom = subprocess.run(
        [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dom.returncode == 0, dom.stderr[-1000:]
    for part in (
        'id="summary"',
        'id="runs-chart"',
        'id="findings-chart"',
        'id="coverage-chart"',
        'id="buckets"',
        'id="families"',
        "<polyline",
        "4 runs",
    ):
        assert part in dom.stdout, part
    assert "<td>hierarchy</td>" in dom.stdout or "<td>init_race</td>" in dom.stdout
