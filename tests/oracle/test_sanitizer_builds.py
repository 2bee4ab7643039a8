"""The sanitizer variants on real builds: provisioned (or reused from the cache) from the
same sources as the other variants, clean on a trivial program, a real interpreter race
as `data_race` with a stable signature, a real use-after-free as `memory_error` with its
free stack, and a campaign against the release oracle with the race bucketed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tandem.oracle import interpreters as registry
from tandem.oracle import provision, sanitizers
from tandem.oracle.executor import run
from tandem.oracle.judge import judge_once
from tandem.oracle.model import Case, Interpreter, Kind, Limits
from tandem.oracle.normalize import observe
from tandem.oracle.signature import signature

ROOT = Path(__file__).resolve().parents[2]
TANDEM = str(Path(sys.executable).with_name("tandem"))
LIMITS = Limits(deadline=300.0)

# A real data race of 3.13.15's interpreter: a range iterator shared by two threads
# (rangeiter_next reads and writes its index without synchronization).
RANGE_RACE = """
shared = iter(range(10 ** 7))

def step():
    for _ in range(50000):   # enough overlap for TSan to see it on every run
        next(shared)

threads(step, step)
emit('raced', True)
"""

# A real use-after-free: freed heap memory read back through ctypes.
USE_AFTER_FREE = """
import ctypes
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
block = libc.malloc(64)
ctypes.memset(block, 7, 64)
libc.free(block)
emit('read back', ctypes.string_at(block, 16))
"""

TRIVIAL = """
import json, threading
def work():
    return sum(range(100))
print(json.dumps(threads(work, work)))
"""


def _provisioned(variant: str) -> Interpreter:
    try:
        provision.provision((variant,), progress=lambda message: print(message, file=sys.stderr))
        return registry.resolve(variant, registry.Config(interpreters={}))
    except Exception as exc:
        pytest.fail(f"the {variant} build could not be provisioned: {exc}")


@pytest.fixture(scope="module")
def ft_tsan() -> Interpreter:
    return _provisioned("ft-tsan")


@pytest.fixture(scope="module")
def ft_asan() -> Interpreter:
    return _provisioned("ft-asan")


@pytest.mark.parametrize("variant", ["ft-tsan", "ft-asan"])
def test_variant_is_built_from_the_same_source_and_runs_clean(variant, request, ft):
    interpreter = request.getfixturevalue(variant.replace("-", "_"))
    assert interpreter.sanitizer == sanitizers.SANITIZER_OF_VARIANT[variant]
    assert interpreter.free_threaded and not interpreter.debug
    assert interpreter.version == ft.version
    raw = run(Case(TRIVIAL), interpreter, Limits(deadline=120.0, address_space=1 << 30))  # limit dropped
    assert raw.returncode == 0, raw.stderr.text()[-2000:]
    assert raw.sanitizer_log == "", raw.sanitizer_log[:3000]
    assert "Sanitizer" not in raw.stderr.text()
    observation = observe(raw)
    assert observation.finished and observation.sanitizer_reports == ()
    assert observation.stdout.strip() == "[4950, 4950]"


def test_tsan_build_carries_cpythons_suppressions(ft_tsan):
    prefix = sanitizers.prefix_of(ft_tsan.path)
    suppressions = sanitizers.suppressions_file(prefix, "thread")
    assert suppressions is not None and "race_top:" in suppressions.read_text()
    env = sanitizers.run_environment("thread", ft_tsan.path, Path("/tmp/x"))
    assert f"suppressions={suppressions}" in env["TSAN_OPTIONS"] and "halt_on_error=0" in env["TSAN_OPTIONS"]


def test_real_interpreter_race_is_a_data_race_with_a_stable_signature(ft_tsan, ft):
    signatures = set()
    for _ in range(5):
        verdict = judge_once(Case(RANGE_RACE), ft_tsan, ft, LIMITS)
        assert verdict.kind is Kind.DATA_RACE, verdict.summary
        report = next(r for r in verdict.target.sanitizer_reports if len(r.racing) == 2)
        assert report.thread_creations and report.racing[0].frames
        signatures.add(signature(verdict))
    assert signatures == {"data_race|target|race rangeiter_next@rangeobject.c ~ rangeiter_next@rangeobject.c"}


def test_real_use_after_free_is_a_memory_error_with_its_free_stack(ft_asan, ft):
    verdict = judge_once(Case(USE_AFTER_FREE), ft_asan, ft, LIMITS)
    assert verdict.kind is Kind.MEMORY_ERROR, verdict.summary
    report = verdict.target.sanitizer_reports[0]
    assert report.type == "heap-use-after-free"
    assert report.free is not None and any(f.function.endswith("free") for f in report.free.frames)
    assert report.allocation is not None and any(f.function.endswith("malloc") for f in report.allocation.frames)
    assert signature(verdict).startswith("memory_error|target|heap-use-after-free ")
    assert verdict.oracle.sanitizer_reports == ()


def test_campaign_on_tsan_target_buckets_the_race_with_its_stacks(tmp_path, ft_tsan, ft):
    programs = tmp_path / "programs"
    programs.mkdir()
    (programs / "range_race.py").write_text(RANGE_RACE)
    out = tmp_path / "campaign"
    fuzz = subprocess.run(
        [
            TANDEM,
            "fuzz",
            "--out",
            str(out),
            "--runs",
            "2",
            "--target",
            "ft-tsan",
            "--oracle",
            "ft",
            "--families",
            "hierarchy",
            "--programs",
            str(programs),
            "--programs-share",
            "1",
            "--confirm",
            "2",
            "--jobs",
            "1",
            "--no-minimize",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1800,
    )
    assert fuzz.returncode != 2, fuzz.stderr[-2000:]
    stats = [json.loads(line) for line in (out / "stats.jsonl").read_text().splitlines()]
    assert stats[-1]["slowdown"] > 1.0  # measured at the start
    buckets = [json.loads(p.read_text()) for p in (out / "findings").glob("*/bucket.json")]
    races = [b for b in buckets if b["kind"] == "data_race"]
    assert any(
        b["signature"].endswith("race rangeiter_next@rangeobject.c ~ rangeiter_next@rangeobject.c") for b in races
    ), [b["signature"] for b in buckets]
    race_dir = next(
        p.parent
        for p in (out / "findings").glob("*/bucket.json")
        if "rangeiter_next@rangeobject.c ~ rangeiter_next" in p.read_text()
    )
    stacks = (race_dir / "sanitizer.txt").read_text()
    # the earlier access is a read or a write, whichever the threads' timing made it
    assert re.search(r"Previous (read|write) of size", stacks) and "created by main thread" in stacks
    assert "data_race" in fuzz.stdout and "rangeiter_next" in fuzz.stdout  # the closing table
    made = subprocess.run([TANDEM, "report", str(out), "--html"], capture_output=True, text=True, cwd=ROOT)
    assert made.returncode == 0, made.stderr
    page = (out / "report.html").read_text()
    assert 'id="sanitizer"' in page and re.search(r"Previous (read|write) of size", page)


# The runtime's own failures (golden tests on their saved output: test_sanitizer_runtime.py).
SEGFAULT = "import ctypes\nemit('before', 1)\nctypes.string_at(0)\n"
BAD_FREE = """
import ctypes
libc = ctypes.CDLL(None)
libc.free.argtypes = [ctypes.c_void_p]
buffer = ctypes.create_string_buffer(64)
libc.free(ctypes.addressof(buffer) + 16)   # not a pointer malloc returned
emit('after', 1)
"""


def test_deadly_signal_caught_by_tsan_is_a_crash_not_exit_status_zero(ft_tsan, ft):
    verdict = judge_once(Case(SEGFAULT), ft_tsan, ft, LIMITS)
    assert verdict.target.exit_code == 0  # TSan exited with the status it was given
    assert verdict.kind is Kind.CRASH and verdict.side.value == "both", verdict.summary
    assert verdict.target.crash.native_frames[0] == "string_at@_ctypes.c"
    assert signature(verdict) == "crash|both|SIGSEGV|string_at@_ctypes.c|_call_function_pointer@callproc.c"


def test_runtime_check_failed_by_the_program_is_an_assertion(ft_tsan):
    observation = observe(run(Case(BAD_FREE), ft_tsan, LIMITS))
    assert observation.crash is not None and observation.crash.kind is Kind.ASSERTION
    assert observation.crash.assertion[:2] == ("sanitizer_allocator_secondary.h", "ThreadSanitizer CHECK")


@pytest.mark.parametrize("variant", ["ft-tsan", "ft-asan"])
def test_runtime_that_cannot_start_is_an_interpreter_error(variant, request):
    from tandem.oracle.errors import InterpreterError

    interpreter = request.getfixturevalue(variant.replace("-", "_"))
    under_limit = ("sh", "-c", 'ulimit -v 4000000; exec "$@"', "sh")  # 4 GB: less than the shadow
    raw = run(Case("emit('x', 1)\n"), interpreter, LIMITS, wrapper=under_limit)
    with pytest.raises(InterpreterError, match=r"runtime failed at start-up.*ulimit -v"):
        observe(raw)


# `tandem export --standalone` of a case found on ft-tsan: the file names the command
# line tandem ran it with and, run bare on the build, sets the runtime's environment itself.
RACE_PRINTING_OPTIONS = "import os\nprint('options:', os.environ.get('TSAN_OPTIONS'))\n" + RANGE_RACE


def test_export_of_a_tsan_finding_reproduces_on_the_bare_build(tmp_path, ft_tsan, ft):
    import os
    import shlex

    from tandem.oracle import campaign_dir, store
    from tandem.oracle.model import Side

    campaign = tmp_path / "campaign"
    campaign_dir.write_info(
        campaign, campaign_dir.CampaignInfo("ft-tsan", ft_tsan.path, ft_tsan.version, "ft", ft.path, ft.version)
    )
    case = store.add_case(
        campaign / "findings" / "0123456789ab",
        RACE_PRINTING_OPTIONS,
        expect=store.Expectation(Kind.DATA_RACE, Side.TARGET),
        signature="data_race|target|race rangeiter_next@rangeobject.c ~ rangeiter_next@rangeobject.c",
    )
    reproducer = tmp_path / "race.py"
    made = subprocess.run(
        [TANDEM, "export", str(case.path), "--standalone", "--out", str(reproducer)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert made.returncode == 0, made.stderr
    text = reproducer.read_text()
    suppressions = sanitizers.suppressions_file(sanitizers.prefix_of(ft_tsan.path), "thread")
    command = next(line.strip("# ").strip() for line in text.splitlines() if line.startswith("#   TSAN_OPTIONS="))
    assert f"suppressions={suppressions}" in command and "halt_on_error=0" in command
    assert command.endswith(f"{ft_tsan.path} race.py")

    bare = {k: v for k, v in os.environ.items() if not k.endswith("SAN_OPTIONS")}
    for argv in ([ft_tsan.path, str(reproducer)], ["sh", "-c", command]):  # bare, then the header's command
        done = subprocess.run(argv, capture_output=True, text=True, env=bare, cwd=tmp_path, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        assert f"suppressions={suppressions}" in done.stdout and "halt_on_error=0" in done.stdout
        assert "WARNING: ThreadSanitizer: data race" in done.stderr and "rangeiter_next" in done.stderr
        assert "[tandem] emit raced = True" in done.stderr
    on_ft = subprocess.run([ft.path, str(reproducer)], capture_output=True, text=True, env=bare, timeout=600)
    assert on_ft.returncode == 0 and "options: None" in on_ft.stdout  # another build: nothing re-executed
    judged = subprocess.run(  # under tandem the file leaves the environment to the executor
        [TANDEM, "run", str(reproducer), "--target", "ft-tsan", "--oracle", "ft", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=1200,
    )
    (report,) = json.loads(judged.stdout)["runs"]
    assert report["verdict"]["kind"] == "data_race", shlex.join(judged.args) + "\n" + judged.stderr[-2000:]


def test_corpus_known_failure_names_the_tsan_build(tmp_path, ft_tsan, ft_debug, ft):
    from tandem.oracle import store
    from tandem.oracle.replay import replay

    known = store.KnownFailure(Kind.DATA_RACE, ("3.13",), True, "rangeiter_next races", sanitizer="thread")
    case = store.add_case(tmp_path, RANGE_RACE, known_failures=[known])
    (on_tsan,) = replay([case.path], [ft_tsan], ft, LIMITS)
    assert on_tsan.status == "known" and on_tsan.detail == "rangeiter_next races", on_tsan.detail
    (on_default,) = replay([case.path], [ft_debug], ft, LIMITS)
    assert on_default.status == "pass"  # the default pair does not see this race
