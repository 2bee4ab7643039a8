"""The harness and the executor on real subprocesses (host interpreter: no build needed)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tandem.oracle import executor
from tandem.oracle.model import Case, Kind, Limits
from tandem.oracle.normalize import normalize_text, observe


def run(host, source, limits=Limits(deadline=20.0), **case):
    return executor.run(Case(source=textwrap.dedent(source), **case), host, limits)


def test_plain_program_runs_unchanged(host):
    raw = run(
        host,
        """
        import sys
        print("out")
        print("err", file=sys.stderr)
        sys.exit(3)
    """,
    )
    assert raw.returncode == 3 and raw.signal is None and not raw.timed_out
    assert raw.stdout.text() == "out\n"
    assert raw.stderr.text() == "err\n"
    kinds = [r["t"] for r in raw.records]
    assert kinds[0] == "start" and {"t": "exit", "code": 3} in raw.records and kinds[-1] == "end"


def test_api_records(host):
    raw = run(
        host,
        """
        emit("k", [1, 2])
        observe("o", 2, allowed={1, 2})
        observe("o", 2, allowed={1, 2})      # recorded once
        observe("bad", 5, allowed={1})
        for i in range(20):
            check(i < 10, "small", detail=i)
        emit("threads", threads(lambda: 1, lambda: 2))
    """,
    )
    records = raw.records
    assert {"t": "emit", "k": "k", "v": "[1, 2]"} in records
    assert sum(1 for r in records if r["t"] == "observe" and r["k"] == "o") == 1
    failures = [r for r in records if r["t"] == "check" and r["label"] == "small"]
    assert [f["detail"] for f in failures] == ["10", "11", "12", "13", "14"]  # bounded per label
    end = records[-1]
    assert end["t"] == "end" and end["checks"]["small"] == [10, 10]
    assert end["checks"]["observe bad"] == [0, 1]
    assert {"t": "emit", "k": "threads", "v": "[1, 2]"} in records


def test_unraisable_text_is_exactly_what_the_default_hook_prints(host, tmp_path):
    program = textwrap.dedent("""
        class C:
            def __del__(self):
                raise ValueError("from __del__")
        c = C()
        del c
    """)
    raw = run(host, program)
    (event,) = [r for r in raw.records if r["t"] == "unraisable"]
    assert event["exc_type"] == "ValueError" and event["exc_message"] == "from __del__"
    # Bare interpreter, same program, same path layout: the default hook's own output.
    path = tmp_path / "case.py"
    path.write_text(program)
    bare = subprocess.run([sys.executable, str(path)], capture_output=True, text=True)
    strip = lambda text: normalize_text(text, ((str(tmp_path), "<dir>"), (raw.workdir, "<dir>")))  # noqa: E731
    assert strip(event["text"]) == strip(bare.stderr)
    # and the harness still prints it to stderr like the default hook
    assert strip(raw.stderr.text()) == strip(bare.stderr)


def test_unraisable_fired_while_another_is_written_keeps_both_texts_whole(host, tmp_path):
    # The outer event's message is formatted by __str__, which drops the last reference to
    # an object whose __del__ raises: a second event fires inside the first one's hook.
    program = textwrap.dedent("""
        class Inner:
            def __del__(self):
                raise KeyError("inner")
        class Loud(Exception):
            def __str__(self):
                holder = [Inner()]
                holder.clear()
                return "outer message"
        class Outer:
            def __del__(self):
                raise Loud()
        o = Outer()
        del o
    """)
    raw = run(host, program)
    texts = [r["text"] for r in raw.records if r["t"] == "unraisable"]
    outer = [t for t in texts if "Outer.__del__" in t]
    inner = [t for t in texts if "Inner.__del__" in t]
    assert len(outer) == 1 and len(inner) + 1 == len(texts) and inner  # __str__ runs per format
    assert outer[0].endswith("Loud: outer message\n") and "KeyError" not in outer[0]
    assert all(t.endswith("KeyError: 'inner'\n") for t in inner)


def test_report_survives_a_crash(host):
    raw = run(
        host,
        """
        import os
        emit("before", 1)
        os.abort()
    """,
    )
    assert raw.signal == 6
    assert {"t": "emit", "k": "before", "v": "1"} in raw.records
    assert not any(r["t"] == "end" for r in raw.records)


def test_python_loop_hangs_with_stack_dump(host):
    raw = run(
        host,
        """
        def spin():
            while True:
                pass
        spin()
    """,
        Limits(deadline=1.5, grace=1.0),
    )
    assert raw.timed_out and raw.returncode is None
    observation = observe(raw)
    assert observation.crash.kind is Kind.HANG
    assert "spin" in raw.stderr.text()


def test_c_loop_hangs_and_is_killed(host):
    # catastrophic backtracking: the time goes inside C, not the eval loop
    raw = run(host, "import re\nre.match(r'(a+)+$', 'a' * 64 + 'b')\n", Limits(deadline=1.5, grace=0.5))
    assert raw.timed_out
    assert "Current thread" in raw.stderr.text() or "Thread 0x" in raw.stderr.text()


def test_output_is_bounded(host):
    raw = run(
        host,
        """
        import sys
        chunk = "x" * 1_000_000 + "\\n"
        for _ in range(60):
            sys.stdout.write(chunk)
        sys.stdout.write("THE END\\n")
    """,
        Limits(deadline=60.0, output_head=1000, output_tail=100),
    )
    assert raw.stdout.total == 60 * 1_000_001 + len("THE END\n")
    assert len(raw.stdout.head) == 1000 and raw.stdout.tail.endswith(b"THE END\n")
    assert raw.stdout.truncated and "bytes not kept" in raw.stdout.text()


def test_limits_apply_inside_the_run(host):
    raw = run(
        host,
        """
        import os, resource
        emit("core", resource.getrlimit(resource.RLIMIT_CORE)[0])
        try:
            bytearray(3 << 30)
            emit("big", "allocated")
        except MemoryError:
            emit("big", "MemoryError")
        try:
            with open("f", "wb") as f:
                f.write(b"x" * (3 << 20))
            emit("file", "written")
        except OSError as exc:
            emit("file", type(exc).__name__)
    """,
        Limits(deadline=20.0, address_space=1 << 30, file_size=1 << 20),
    )
    results = {r["k"]: r["v"] for r in raw.records if r["t"] == "emit"}
    assert results == {"core": "0", "big": "'MemoryError'", "file": "'OSError'"}


def test_environment_is_scrubbed_and_cwd_fresh(host, monkeypatch):
    monkeypatch.setenv("TANDEM_SECRET_FROM_HOST", "leak")
    raw = run(
        host,
        """
        import os
        emit("secret", os.environ.get("TANDEM_SECRET_FROM_HOST"))
        emit("seed", os.environ.get("PYTHONHASHSEED"))
        emit("cwd_empty", os.listdir("."))
        emit("extra", os.environ.get("EXTRA"))
    """,
        env=(("EXTRA", "yes"),),
    )
    results = {r["k"]: r["v"] for r in raw.records if r["t"] == "emit"}
    assert results == {"secret": "None", "seed": "'0'", "cwd_empty": "[]", "extra": "'yes'"}


def test_program_starts_inside_its_cgroup_and_never_sees_the_gate(host):
    """The host moves a fresh run into its cgroup while the interpreter starts; the
    harness holds the program back until the move is done (a program that forked
    before it would leave children outside the cgroup) and hides the variable."""
    from tandem.oracle.sandbox import cgroup_parent

    raw = run(
        host,
        """
        import os
        emit("gate", os.environ.get("TANDEM_CGROUP_GATE"))
        with open("/proc/self/cgroup") as handle:
            emit("inside", "/" + os.environ["TANDEM_RUN"] in handle.read())
    """,
    )
    results = {r["k"]: r["v"] for r in raw.records if r["t"] == "emit"}
    assert results["gate"] == "None"
    assert results["inside"] == str(cgroup_parent() is not None)


def test_the_gate_holds_the_program_until_the_move(host, tmp_path):
    """The move made half a second after the start (a slow kernel) still comes before
    the first line of the program."""
    from tandem.oracle.sandbox import Box, cgroup_parent

    if cgroup_parent() is None:
        pytest.skip("no pids cgroup on this machine")
    box = Box()
    program, report = tmp_path / "case.py", tmp_path / "report.jsonl"
    program.write_text(
        "import os\nwith open('/proc/self/cgroup') as handle:\n"
        "    emit('inside', '/' + os.environ['TANDEM_RUN'] in handle.read())\n"
    )
    env = {**executor.scrubbed_env(tmp_path), **box.env, executor.CGROUP_GATE: box.id}
    try:
        process = subprocess.Popen(
            executor.harness_argv(host, report, program), env=env, cwd=tmp_path, start_new_session=True
        )
        time.sleep(0.5)
        assert box.admit(process.pid)
        assert process.wait(timeout=30) == 0
    finally:
        box.close()
    records, _ = executor.read_report(report)
    assert {"t": "emit", "k": "inside", "v": "True"} in records


def _gone(pid: int, within: float = 3.0) -> bool:
    """The process no longer exists (or is a zombie waiting for init to reap it)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def test_no_stray_process_and_no_leftover_directory(host):
    raw = run(
        host,
        """
        import subprocess
        child = subprocess.Popen(["sleep", "300"])
        emit("child", child.pid)
    """,
    )
    pid = int(next(r["v"] for r in raw.records if r["t"] == "emit"))
    assert _gone(pid)
    assert not Path(raw.workdir).exists()


def test_damaged_report_lines_are_flagged_not_fatal(host):
    raw = run(
        host,
        """
        import os, glob
        with open(os.path.join(os.path.dirname(__file__), "report.jsonl"), "a") as f:
            f.write("garbage that is not json\\n")
        emit("after", 1)
    """,
    )
    assert raw.report_damaged
    assert {"t": "emit", "k": "after", "v": "1"} in raw.records


def test_syntax_error_is_recorded(host):
    raw = run(host, "def broken(:\n")
    (exc,) = [r for r in raw.records if r["t"] == "exception"]
    assert exc["type"] == "SyntaxError" and exc["phase"] == "compile"
    assert raw.returncode == 1
