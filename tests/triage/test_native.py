"""Native frames from gdb: parsing saved real backtraces, and real runs under gdb."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tandem.fuzz.campaign import Campaign, CampaignConfig, Program
from tandem.oracle.model import Case, Kind, Limits
from tandem.oracle.signature import signature, signature_id
from tandem.triage.buckets import similar
from tandem.triage.native import native_trace, parse_backtrace

DATA = Path(__file__).resolve().parents[1] / "data" / "gdb"
SEGFAULT = "import ctypes\nctypes.string_at(0)\n"


def _gdb() -> None:
    if shutil.which("gdb") is None:
        pytest.fail("gdb is needed for this test: install Debian's `gdb` (ci/provision.sh does)")


def test_release_segfault_frames_skip_libc_and_inlined_duplicates():
    trace = parse_backtrace((DATA / "ctypes_segv_release.txt").read_text())
    assert trace.signal == "SIGSEGV"
    assert trace.frames[:3] == (
        "string_at@_ctypes.c",
        "_call_function_pointer@callproc.c",
        "_ctypes_callproc@callproc.c",
    )
    assert trace.backtrace.startswith("#0 ") and "__strlen" in trace.backtrace  # kept in the full text


def test_assertion_frames_start_at_the_failing_function():
    trace = parse_backtrace((DATA / "assert_debug.txt").read_text())
    assert trace.signal == "SIGABRT"
    assert trace.frames[0] == "PyErr_Occurred@errors.c"  # not raise/abort/__assert_fail


def test_thread_signal_line_and_no_crash():
    text = (
        '[New Thread 0x7ffff6e006c0 (LWP 9)]\nThread 3 "python3" received signal SIGSEGV, Segmentation fault.\n'
        "[Switching to Thread 0x7ffff6e006c0 (LWP 9)]\n"
        "0x000055555579e14b in initialize_locals (...) at Python/ceval.c:1456\n"
        "#0  initialize_locals (tstate=..., func=...) at Python/ceval.c:1456\n"
        "#1  0x00005555557aa001 in _PyEvalFramePushAndInit (tstate=...) at Python/ceval.c:1740\n"
    )
    trace = parse_backtrace(text)
    assert trace.signal == "SIGSEGV" and trace.frames == (
        "initialize_locals@ceval.c",
        "_PyEvalFramePushAndInit@ceval.c",
    )
    assert parse_backtrace("[Inferior 1 (process 12) exited normally]\nNo stack.\n") is None


def test_similar_merges_a_signature_with_and_without_native_frames():
    with_native = "crash|target|SIGSEGV|initialize_locals@ceval.c|_PyEvalFramePushAndInit@ceval.c|construct|run"
    assert similar(with_native, "crash|target|SIGSEGV|construct|run")
    assert not similar(with_native, "crash|target|SIGSEGV|other|run")
    assert not similar(with_native, "crash|target|SIGSEGV|string_at@_ctypes.c|construct|run")


def test_native_trace_of_a_real_crash(ft_debug):
    _gdb()
    trace = native_trace(Case(SEGFAULT), ft_debug, Limits(deadline=30.0))
    assert trace is not None and trace.signal == "SIGSEGV" and trace.frames[0] == "string_at@_ctypes.c"
    assert native_trace(Case("emit('fine', 1)\n"), ft_debug, Limits(deadline=30.0), tries=1) is None


def test_campaign_crash_buckets_carry_native_frames(tmp_path, ft_debug, ft):
    _gdb()
    source = "import sys\nif hasattr(sys, 'gettotalrefcount'):\n    " + SEGFAULT.replace("\n", "\n    ")
    config = CampaignConfig(
        out=tmp_path / "c",
        target=ft_debug,
        oracle=ft,
        families=("hierarchy",),
        jobs=1,
        runs=2,
        confirm=2,
        limits=Limits(deadline=30.0),
        programs=(Program("segv.py", source),),
        programs_share=1.0,
    )
    state = Campaign(config, signature, signature_id, native=native_trace).run()
    assert state.findings == {"crash": 1}
    (bucket_dir,) = (tmp_path / "c" / "findings").iterdir()
    bucket = json.loads((bucket_dir / "bucket.json").read_text())
    assert bucket["signature"].startswith("crash|target|SIGSEGV|string_at@_ctypes.c|"), bucket["signature"]
    assert "string_at" in (bucket_dir / "native.txt").read_text()
    verdict = json.loads((bucket_dir / "verdict.json").read_text())
    assert verdict["target"]["crash"]["native_frames"][0] == "string_at@_ctypes.c"
    assert Kind(verdict["kind"]) is Kind.CRASH


def test_reproduce_command_reports_rate_and_native_frames(tmp_path):
    import subprocess
    import sys

    _gdb()
    program = tmp_path / "segv.py"
    program.write_text("import sys\nif hasattr(sys, 'gettotalrefcount'):\n    import ctypes\n    ctypes.string_at(0)\n")
    tandem = str(Path(sys.executable).with_name("tandem"))
    done = subprocess.run(
        [tandem, "reproduce", str(program), "-n", "2", "--native", "--target", "ft-debug", "--oracle", "ft"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 1, done.stderr  # 1: it reproduced
    assert "crash" in done.stdout and "reproduced 2/2" in done.stdout
    assert "gdb: SIGSEGV, native frames: string_at@_ctypes.c" in done.stdout
