"""Generated programs on real builds: valid everywhere, zero false positives, feedback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tandem.fuzz import atheris_target
from tandem.fuzz.family import FAMILIES, build
from tandem.fuzz.render import render
from tandem.fuzz.scenario import Capabilities
from tandem.oracle.executor import HARNESS, harness_argv, read_report, run, scrubbed_env
from tandem.oracle.judge import judge_once
from tandem.oracle.model import Case, Kind, Limits
from tandem.oracle.normalize import observe
from tests.conftest import known_upstream_crash

ROOT = Path(__file__).resolve().parents[2]
LIMITS = Limits(deadline=60.0)
# alloc_sweep programs exist to drive error paths that are broken on 3.13.15 (PyList_New
# under an allocation failure, a trampoline returning NULL without an exception): they
# cannot be clean.  tests/fuzz/test_family_alloc_sweep.py checks a clean sweep is.
CLEAN_FAMILIES = sorted(set(FAMILIES) - {"alloc_sweep"})


def _valid(observation) -> bool:
    if known_upstream_crash(observation):
        return True
    return (
        observation.finished
        and observation.crash is None
        and not observation.violations
        and observation.exception is None
        and not observation.thread_exceptions
    )


@pytest.mark.parametrize("name", ["ft", "ft-debug", "gil"])
def test_programs_are_valid_on_every_build(name, request):
    interpreter = request.getfixturevalue(name.replace("-", "_"))
    caps = Capabilities.of(interpreter)
    for family in CLEAN_FAMILIES:
        for seed in range(2 if family == "faults" else 4):
            observation = observe(run(Case(render(build(family, seed, caps))), interpreter, LIMITS))
            assert _valid(observation), (
                family,
                seed,
                observation.violations,
                observation.thread_exceptions,
                observation.exception,
                observation.crash,
            )


# faults programs run for seconds (they allocate up to a memory limit): fewer seeds.
SAME_BUILD_SEEDS = {"faults": 10}


@pytest.mark.slow
@pytest.mark.parametrize("family", CLEAN_FAMILIES)
def test_same_build_has_zero_false_positives(family, ft):
    caps = Capabilities.of(ft)
    disagreements = []
    for seed in range(SAME_BUILD_SEEDS.get(family, 50)):
        verdict = judge_once(Case(render(build(family, seed, caps))), ft, ft, LIMITS)
        if verdict.kind is not Kind.AGREE and not known_upstream_crash(verdict.target, verdict.oracle):
            disagreements.append((seed, verdict.summary))
    assert not disagreements


def test_gil_build_reaches_call_alloc_and_enter_init(gil):
    caps = Capabilities.of(gil)
    reached = set()
    for seed in range(12):
        observation = observe(run(Case(render(build("init_race", seed, caps))), gil, LIMITS, feedback=True))
        assert _valid(observation)
        reached.update(observation.specializations)
    assert "CALL_ALLOC_AND_ENTER_INIT" in reached


SCAN_AGAINST_DIS = """
import sys
sys.path.insert(0, sys.argv[1])
import _child

class Point:
    __slots__ = ("x", "y")
    def __init__(self, x, y):
        self.x, self.y = x, y

class Plain:
    def __init__(self):
        self.value = 1
    @property
    def double(self):
        return self.value * 2

def work():
    total, items = 0, []
    for i in range(4000):
        p, q = Point(i, 2.0), Plain()
        total += p.x + q.value + q.double + len(items)
        items.append(p.y * 1.5)
        items[-1] = str(i)[0:1]
    return total

work()
wanted, table = _child._specialization_tables()
codes = list(_child._code_objects({"work": work, "Point": Point, "Plain": Plain}))
scanned = [_child._specialized_by_scan(code, table) for code in codes]
read = [_child._specialized_by_dis(code, wanted) for code in codes]
print(len(codes), scanned == read, sorted(set().union(*read)))
"""


@pytest.mark.parametrize("name", ["gil", "host"])
def test_specializations_read_off_the_bytecode_match_dis(name, request, tmp_path):
    """The harness reads specialized instructions straight off the adaptive bytecode
    (instructions and their inline caches) instead of dis.get_instructions; on warm code
    of a specializing build both name the same instructions."""
    interpreter = request.getfixturevalue(name)
    proc = subprocess.run(
        [interpreter.path, "-c", SCAN_AGAINST_DIS, str(HARNESS.parent)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    count, same, names = proc.stdout.split(" ", 2)
    assert int(count) >= 4 and same == "True", proc.stdout
    assert "STORE_ATTR_SLOT" in names and "LOAD_ATTR_SLOT" in names, proc.stdout


def test_free_threaded_313_reports_no_specializations(ft, tmp_path):
    """3.13t does not specialize: its probe sees no specializer, so a feedback run does
    not look for specializations (dis over every code object, the cost of most of a
    short run) and reports none; asked directly, the harness finds none either."""
    if ft.version_info >= (3, 14):
        pytest.skip("3.14t specializes")
    assert not ft.features.specializer
    source = render(build("init_race", 0, Capabilities.of(ft)))
    observation = observe(run(Case(source), ft, LIMITS, feedback=True))
    assert observation.specializations == ()
    program, report = tmp_path / "case.py", tmp_path / "report.jsonl"
    program.write_text(source)
    env = dict(scrubbed_env(tmp_path), TANDEM_SPECIALIZATIONS="1")  # the harness asked directly
    direct = subprocess.run(
        harness_argv(ft, report, program), env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert direct.returncode == 0, direct.stderr[-2000:]
    end = [r for r in read_report(report)[0] if r["t"] == "end"]
    assert end and end[-1]["specializations"] == []


def test_byte_random_is_deterministic_and_local():
    data = bytes(range(200))
    a = atheris_target.scenario_for(data, Capabilities())
    b = atheris_target.scenario_for(data, Capabilities())
    assert a == b
    families = {atheris_target.scenario_for(bytes([k]) * 64, Capabilities()).family for k in range(16)}
    assert families == set(FAMILIES) - {"alloc_sweep"}  # a release pair: no sweeps
    debug = Capabilities(debug=True, testcapi=True)
    assert {atheris_target.scenario_for(bytes([k]) * 64, debug).family for k in range(32)} == set(FAMILIES)


def test_atheris_target_accepts_agreeing_inputs(monkeypatch, ft):
    monkeypatch.setenv("TANDEM_TARGET", "ft")
    monkeypatch.setenv("TANDEM_ORACLE", "ft")
    monkeypatch.setattr(atheris_target, "_pair", None)
    for k in range(3):
        atheris_target.TestOneInput(bytes([k * 37 % 256]) * 40)


def test_atheris_target_raises_on_a_finding(monkeypatch, ft, ft_debug):
    from tandem.fuzz import atheris_target as target_module

    monkeypatch.setattr(target_module, "_pair", None)
    monkeypatch.setenv("TANDEM_TARGET", "ft-debug")
    monkeypatch.setenv("TANDEM_ORACLE", "ft")
    # A render that diverges between debug and release builds stands in for a bug.
    monkeypatch.setattr(
        target_module, "render", lambda scenario: "import sys\nemit('debug', hasattr(sys, 'gettotalrefcount'))\n"
    )
    with pytest.raises(target_module.DifferentialFinding, match="result_divergence"):
        target_module.TestOneInput(b"\x00" * 16)


def test_atheris_target_skips_infrastructure_errors_and_stops_on_repeats(tmp_path, ft):
    """A run the host cannot make (here: its temporary directory is gone) is no finding:
    the input is skipped with a message, and repeated errors stop the fuzzer with
    status 2 instead of an exception libFuzzer would save as a crash."""
    driver = (
        "import tempfile\nfrom fuzz import atheris_target as t\nt._interpreters()\n"
        f"tempfile.tempdir = {str(tmp_path / 'gone')!r}\n"
        "for k in range(5):\n    t.TestOneInput(bytes([k]) * 16)\nprint('not stopped')\n"
    )
    env = dict(os.environ, TANDEM_TARGET="ft", TANDEM_ORACLE="ft")
    proc = subprocess.run(
        [sys.executable, "-c", driver], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "input skipped (1 in a row)" in proc.stderr and "input skipped (3 in a row)" in proc.stderr
    assert "giving up" in proc.stderr and "Traceback" not in proc.stderr and "not stopped" not in proc.stdout


def test_atheris_runs_under_libfuzzer(tmp_path, ft):
    pytest.importorskip("atheris")
    env = dict(os.environ, TANDEM_TARGET="ft", TANDEM_ORACLE="ft")
    proc = subprocess.run(
        [sys.executable, "-m", "tandem.fuzz.atheris_target", "-runs=4", f"-artifact_prefix={tmp_path}/"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Done 4 runs" in proc.stderr
    assert "cov: 0 " not in proc.stderr.split("Done")[0].splitlines()[-1]  # generator coverage guides it


def test_atheris_fork_mode(tmp_path, ft):
    pytest.importorskip("atheris")
    env = dict(os.environ, TANDEM_TARGET="ft", TANDEM_ORACLE="ft")
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("tandem-atheris")), "-fork=2", "-runs=4", f"-artifact_prefix={tmp_path}/"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "-fork=2: fuzzing in separate process(s)" in proc.stderr and "exiting: 0" in proc.stderr


def test_generate_command_writes_programs_and_scenarios(tmp_path):
    proc = subprocess.run(
        [
            str(Path(sys.executable).with_name("tandem")),
            "generate",
            "--family",
            "init_race",
            "--seed",
            "5",
            "--count",
            "2",
            "--out",
            str(tmp_path),
            "--target",
            "ft",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "init_race-5.json",
        "init_race-5.py",
        "init_race-6.json",
        "init_race-6.py",
    ]
    bad = subprocess.run(
        [str(Path(sys.executable).with_name("tandem")), "generate", "--family", "nope"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bad.returncode == 2 and "unknown family nope" in bad.stderr
