"""Issue 14, "nothing hidden": a crash seen once is a (flaky) bucket; a divergence no
re-run shows is unconfirmed, yet counted in the summary, listed by triage and the HTML
page, and the campaign exits 1.  Real campaigns through the `tandem` command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TANDEM = str(Path(sys.executable).with_name("tandem"))

# Programs that misbehave on the first run of the debug target only: the marker file
# (outside the run's own directory) remembers that it happened, so no re-run shows it
# again, as with a rare race.
ONCE = """import os, sys
MARK = {mark!r}
first = hasattr(sys, "gettotalrefcount") and not os.path.exists(MARK)
if first:
    open(MARK, "w").close()
"""


def _campaign(tmp_path: Path, body: str, runs: int = 1) -> tuple[subprocess.CompletedProcess, Path]:
    """A campaign over the program; without minimization, whose re-runs of a flaky bucket
    would add to its runs (tests/triage/test_minimize_rare.py covers those)."""
    programs = tmp_path / "programs"
    programs.mkdir(parents=True)
    (programs / "once.py").write_text(ONCE.format(mark=str(tmp_path / "seen")) + body)
    out = tmp_path / "campaign"
    done = subprocess.run(
        [
            TANDEM,
            "fuzz",
            "--out",
            str(out),
            "--runs",
            str(runs),
            "--jobs",
            "1",
            "--target",
            "ft-debug",
            "--oracle",
            "ft",
            "--programs",
            str(programs),
            "--programs-share",
            "1",
            "--confirm",
            "3",
            "--no-gdb",
            "--no-minimize",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return done, out


def test_a_crash_seen_once_is_a_flaky_bucket(tmp_path, ft_debug, ft):
    done, out = _campaign(tmp_path, "if first:\n    os.abort()\n")
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    assert "1 finding bucket(s) (1 flaky), 0 unconfirmed" in done.stdout
    (bucket_dir,) = (out / "findings").iterdir()
    bucket = json.loads((bucket_dir / "bucket.json").read_text())
    assert bucket["kind"] == "crash" and bucket["status"] == "flaky"
    # seen once, then three fresh re-runs and three through the fork servers did not show it
    assert (bucket["hits"], bucket["runs"]) == (1, 7)
    assert bucket["signature"] == "crash|target|SIGABRT"
    listed = subprocess.run([TANDEM, "triage", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert listed.returncode == 0 and "flaky" in listed.stdout and "1/7" in listed.stdout


def test_a_divergence_no_rerun_shows_is_unconfirmed_yet_reported_everywhere(tmp_path, ft_debug, ft):
    done, out = _campaign(tmp_path, "emit('value', 'first' if first else 'again')\n")
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    assert "0 finding bucket(s) (0 flaky), 1 unconfirmed" in done.stdout
    assert "unconfirmed" in done.stdout.split("0 finding bucket(s)")[0]  # the table's row and the bucket line
    assert not any((out / "findings").iterdir())
    (bucket_dir,) = (out / "unconfirmed").iterdir()
    bucket = json.loads((bucket_dir / "bucket.json").read_text())
    assert bucket["status"] == "unconfirmed" and bucket["signature"] == "result_divergence|target|result 'value'"
    listed = subprocess.run([TANDEM, "triage", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert listed.returncode == 0 and bucket["identifier"] in listed.stdout and "unconfirmed" in listed.stdout
    assert "1 unconfirmed" in listed.stdout
    as_json = json.loads(
        subprocess.run([TANDEM, "triage", str(out), "--json"], capture_output=True, text=True, cwd=ROOT).stdout
    )
    assert [[b["status"] for b in group] for group in as_json] == [["unconfirmed"]]
    page = subprocess.run([TANDEM, "report", str(out), "--html"], capture_output=True, text=True, cwd=ROOT)
    assert page.returncode == 0, page.stderr
    text = (out / "report.html").read_text()
    assert '<tr class="unconfirmed">' in text and "result_divergence|target|result &#x27;value&#x27;" in text
    assert "1 unconfirmed" in text


def test_triage_merges_several_campaigns_by_signature(tmp_path, ft_debug, ft):
    first, out_one = _campaign(tmp_path / "one", "if first:\n    os.abort()\n")
    second, out_two = _campaign(tmp_path / "two", "if first:\n    os.abort()\n")
    assert first.returncode == second.returncode == 1
    listed = json.loads(
        subprocess.run(
            [TANDEM, "triage", str(out_one), str(out_two), "--json"], capture_output=True, text=True, cwd=ROOT
        ).stdout
    )
    (group,) = listed
    (bucket,) = group
    # one signature in two campaigns: one bucket, sightings and runs added up; seen twice, not flaky
    assert bucket["count"] == 2 and (bucket["hits"], bucket["runs"]) == (2, 14) and bucket["status"] == "confirmed"
