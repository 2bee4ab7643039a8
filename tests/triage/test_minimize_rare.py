"""Minimizing what a campaign saw rarely: a finding seen once is re-run to measure its
rate before it is minimized, and one no re-run shows again comes back unchanged with
the re-runs counted (never dropped, never "minimized" against nothing)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tandem.oracle.model import Case, Limits
from tandem.oracle.reproduce import Pair, reproduce
from tandem.triage.minimize import FLAKY_RERUNS, Reproduces, budget, minimize_sighting

ROOT = Path(__file__).resolve().parents[2]
TANDEM = str(ROOT / ".venv" / "bin" / "tandem")
FILLER = "".join(f"value_{i} = sum(range({i + 10}))\n" for i in range(8))
# aborts on the debug target only, in about 2 runs of 5
RARE = (
    "import os, random, sys\n"
    + FILLER
    + "if hasattr(sys, 'gettotalrefcount') and random.random() < 0.4:\n    os.abort()\n"
)


def _signature(source: str, pair: Pair, runs: int = 30) -> str:
    seen = reproduce(
        Case(source), pair, runs, limits=Limits(deadline=30.0), stop_when=lambda hits, _runs, _last: hits > 0
    )
    assert seen.hits == 1, seen.kinds()
    return seen.signature


def test_a_finding_seen_once_is_re_run_then_minimized(ft_debug, ft):
    pair = Pair(ft_debug, ft)
    expected = _signature(RARE, pair)
    assert expected.startswith("crash|target|SIGABRT")
    result = minimize_sighting(
        RARE, None, None, pair, expected, hits=1, runs=1, seconds=120, limits=Limits(deadline=30.0)
    )
    assert result.rerun is not None and 1 <= result.rerun.hits <= 3 and result.rerun.runs <= FLAKY_RERUNS
    assert result.lines_after < result.lines_before and "value_3" not in result.source
    assert "os.abort()" in result.source and result.rate > 0


def test_a_finding_no_re_run_shows_comes_back_unchanged(tmp_path, ft_debug, ft):
    marker = tmp_path / "seen"
    once = (
        f"import os, pathlib, sys\nmarker = pathlib.Path({str(marker)!r})\n"
        + FILLER
        + "if hasattr(sys, 'gettotalrefcount') and not marker.exists():\n"
        "    marker.write_text('x')\n    os.abort()\n"
    )
    pair = Pair(ft_debug, ft)
    expected = _signature(once, pair, runs=1)
    result = minimize_sighting(
        once, None, None, pair, expected, hits=1, runs=1, seconds=60, limits=Limits(deadline=30.0)
    )
    assert result.rerun is not None and result.rerun.hits == 0 and result.rerun.runs == FLAKY_RERUNS
    assert result.source == once and result.lines_after == result.lines_before


def test_the_predicate_stops_at_the_first_reproduction_of_a_rare_finding(ft_debug, ft):
    always = "import os, sys\nif hasattr(sys, 'gettotalrefcount'):\n    os.abort()\n"
    pair = Pair(ft_debug, ft)
    predicate = Reproduces(pair, _signature(always, pair, runs=1), rate=0.1, limits=Limits(deadline=30.0))
    assert predicate.tries == 12 and predicate.needed == 1
    assert predicate(always) and predicate.calls == 1  # accepted at once, not after 12 runs
    assert not predicate("pass\n") and predicate.calls == 1 + 12


def test_a_rarer_finding_gets_more_time_up_to_four_times():
    assert budget(120, 1.0) == 120 and budget(120, 0.5) == 120
    assert budget(120, 0.25) == 240 and budget(120, 0.01) == 480


def test_a_campaign_reports_a_flaky_bucket_it_could_not_minimize(tmp_path):
    marker = tmp_path / "seen"
    programs = tmp_path / "programs"
    programs.mkdir()
    (programs / "once.py").write_text(
        f"import os, pathlib, sys\nmarker = pathlib.Path({str(marker)!r})\n"
        "if hasattr(sys, 'gettotalrefcount') and not marker.exists():\n    marker.write_text('x')\n    os.abort()\n"
    )
    out = tmp_path / "campaign"
    done = subprocess.run(
        [
            TANDEM,
            "fuzz",
            "--out",
            str(out),
            "--runs",
            "1",
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
            "--no-gdb",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    (bucket_dir,) = (out / "findings").iterdir()
    bucket = json.loads((bucket_dir / "bucket.json").read_text())
    assert bucket["status"] == "flaky" and bucket["hits"] == 1 and bucket["runs"] > FLAKY_RERUNS
    assert f"not minimized: seen once, then in none of {FLAKY_RERUNS} re-runs" in done.stdout
