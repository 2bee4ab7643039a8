"""`tandem report` on a campaign's finding: the builds the campaign ran (not the
defaults or the command line), the rate over every sighting, a reproducer with only what
the program uses, run on the target against the oracle while the report is written (until it shows, a few runs at most)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tandem.oracle import store

ROOT = Path(__file__).resolve().parents[2]
TANDEM = str(Path(sys.executable).with_name("tandem"))


def _campaign(tmp_path: Path, program: str) -> tuple[Path, str]:
    programs = tmp_path / "programs"
    programs.mkdir()
    (programs / "program.py").write_text(program)
    out = tmp_path / "campaign"
    done = subprocess.run(
        [
            TANDEM,
            "fuzz",
            "--out",
            str(out),
            "--runs",
            "2",
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
    return out, done.stdout


def test_report_names_the_campaign_builds_and_checks_its_reproducer(tmp_path, ft_debug, ft, gil):
    out, _ = _campaign(tmp_path, "import sys\nemit('debug', hasattr(sys, 'gettotalrefcount'))\n")
    (bucket_dir,) = (out / "findings").iterdir()
    bucket = json.loads((bucket_dir / "bucket.json").read_text())
    case = bucket_dir / f"{bucket['smallest']}.json"
    # gil on the command line: the report still names what the campaign ran
    made = subprocess.run(
        [TANDEM, "report", str(case), "--target", "gil", "--oracle", "gil"], capture_output=True, text=True, cwd=ROOT
    )
    assert made.returncode == 0, made.stderr
    text = made.stdout
    assert f"target `ft-debug`: CPython {ft_debug.version} --disable-gil --with-pydebug" in text
    assert f"oracle `ft`: CPython {ft.version} --disable-gil" in text and "`gil`" not in text
    assert f"Seen in the campaign in `{out}`" in text
    assert f"{bucket['hits']}/{bucket['runs']} (100%, 95% CI" in text
    assert "Checked: this reproducer, run once on `ft-debug vs ft`" in text and "it reproduced." in text
    assert "def emit(" in text and "def check(" not in text and "def threads(" not in text
    assert "reproduced" in made.stderr
    # two lines cannot be made smaller: no minimized reproducer, the original is printed
    assert bucket["minimized"] is None and not (bucket_dir / "minimized.py").exists()
    # bisect on the bucket's case is remembered next to it, and the report says it
    bisected = subprocess.run(
        [TANDEM, "bisect", str(case), "--interpreters", "ft", "ft-debug", "--oracle", "ft", "-n", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bisected.returncode == 0, bisected.stderr
    assert json.loads((bucket_dir / "bisect.json").read_text())["first_bad"] == "ft-debug"
    again = subprocess.run([TANDEM, "report", str(case), "--no-check"], capture_output=True, text=True, cwd=ROOT)
    assert "first build where it appears: ft-debug" in again.stdout and "Checked:" not in again.stdout


def test_a_reproducer_of_a_program_without_harness_calls_is_the_program(tmp_path, ft):
    crash = "import ctypes\n\ndef deref():\n    ctypes.string_at(0)\n\nderef()\n"
    text = store.reproducer(crash, "a crash", "crash.py")
    assert text.endswith(crash) and "def emit" not in text and "_harness" not in text
    assert text.count("\n") - crash.count("\n") <= 4  # the header only
    exported = tmp_path / "repro.py"
    exported.write_text(text)
    bare = subprocess.run([ft.path, str(exported)], capture_output=True, text=True, env={"PATH": os.environ["PATH"]})
    assert bare.returncode == -11  # SIGSEGV on a bare interpreter


def test_a_shim_reproducer_runs_bare_and_under_tandem_alike(tmp_path, ft):
    from tandem.oracle.executor import run
    from tandem.oracle.model import Case, Limits
    from tandem.oracle.normalize import observe

    program = "# tandem-env: PYTHONTANDEMDEMO=on\nimport os\nemit('demo', os.environ.get('PYTHONTANDEMDEMO'))\n"
    text = store.reproducer(program, "demo", "demo.py")
    exported = tmp_path / "repro.py"
    exported.write_text(text)
    bare = subprocess.run([ft.path, str(exported)], capture_output=True, text=True, env={"PATH": os.environ["PATH"]})
    assert bare.returncode == 0 and "[tandem] emit demo = 'on'" in bare.stderr
    under_tandem = observe(run(Case(store.with_shim(program)), ft, Limits(deadline=30.0)))
    assert under_tandem.results == (("demo", ("'on'",)),)  # the shim defers to the harness, env kept


@pytest.mark.slow
def test_each_new_bucket_is_minimized_at_the_end_of_the_campaign(tmp_path, ft_debug, ft):
    filler = "".join(f"value_{i} = sum(range({i + 10}))\nprint(value_{i})\n" for i in range(10))
    program = (
        "import sys\n" + filler + "for k in range(3):\n    print(k)\nemit('debug', hasattr(sys, 'gettotalrefcount'))\n"
    )
    out, stdout = _campaign(tmp_path, program)
    (bucket_dir,) = (out / "findings").iterdir()
    bucket = json.loads((bucket_dir / "bucket.json").read_text())
    assert bucket["smallest_lines"] == program.count("\n") and bucket["minimized_lines"] <= 3
    assert bucket["minimized_rate"] >= 0.5 * bucket["reproduction_rate"]
    assert f"minimized {program.count(chr(10))} -> {bucket['minimized_lines']} lines" in stdout
    original = store.load_case(bucket_dir / f"{bucket['smallest']}.json")
    assert original.source == program  # the original stays next to the minimized one
    text = (bucket_dir / "minimized.py").read_text()
    assert "emit('debug'" in text and "value_3" not in text and "def emit(" in text
    made = subprocess.run(
        [TANDEM, "report", str(bucket_dir / f"{bucket['smallest']}.json")], capture_output=True, text=True, cwd=ROOT
    )
    assert made.returncode == 0, made.stderr
    assert (
        f"Minimized by the campaign from {program.count(chr(10))} to {bucket['minimized_lines']} lines" in made.stdout
    )
    assert "value_3" not in made.stdout.split("## Reproducer")[1].split("## ")[0]  # the minimized one is printed
    assert "it reproduced." in made.stdout
