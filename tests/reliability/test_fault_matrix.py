"""The harness survives anything a program can do, classifies it, and leaves nothing.

One row per hostile behaviour, on real interpreters: the verdict kind is right (target =
ft-debug misbehaving, oracle = ft clean, so the side is known), the host keeps going, no
process of the run survives it, and its temporary directory is gone.  Every row runs in
fresh processes and through fork servers, with and without the interpreter's teardown.
"""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from tandem.oracle.diff import compare
from tandem.oracle.executor import ForkServer, run
from tandem.oracle.model import Case, Kind, Limits, Side
from tandem.oracle.normalize import observe

DEBUG_ONLY = "import sys\nif not hasattr(sys, 'gettotalrefcount'):\n    raise SystemExit(0)\n"
LIMITS = Limits(deadline=6.0, grace=1.5, file_size=64 << 20, output_head=1 << 16, output_tail=1 << 12)

ROWS = {
    # name: (program run on the target only, expected kind, extra check on the target observation)
    "segfault": ("import ctypes\nctypes.string_at(0)\n", Kind.CRASH, lambda o: o.signal == "SIGSEGV"),
    "abort": ("import os\nos.abort()\n", Kind.CRASH, lambda o: o.signal == "SIGABRT"),
    "c_assertion": ("import ctypes\nctypes.pythonapi.PyThreadState_Swap(None)\n", Kind.ASSERTION, None),
    "os_exit_mid_report": (
        "import os\nemit('a', 1)\nos._exit(3)\n",
        Kind.RESULT_DIVERGENCE,
        lambda o: o.exit_code == 3 and dict(o.results)["a"] == ("1",),
    ),
    "kills_own_group": (
        "import os, signal\nos.killpg(0, signal.SIGKILL)\n",
        Kind.CRASH,
        lambda o: o.signal == "SIGKILL",
    ),
    "ignores_sigterm_and_loops": (
        "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    pass\n",
        Kind.HANG,
        None,
    ),
    "c_loop": ("import re\nre.match(r'(a+)+$', 'a' * 64 + 'b')\n", Kind.HANG, None),
    "python_loop": (
        "def spin():\n    while True:\n        pass\nspin()\n",
        Kind.HANG,
        lambda o: any("spin" in f for f in o.crash.python_frames),
    ),
    "deadlock": (
        "import threading\na, b = threading.Lock(), threading.Lock()\nbar = threading.Barrier(2)\n"
        "def left():\n    with a:\n        bar.wait()\n        b.acquire()\n"
        "def right():\n    with b:\n        bar.wait()\n        a.acquire()\n"
        "threads(left, right)\n",
        Kind.HANG,
        None,
    ),
    "non_daemon_thread_at_exit": (
        "import threading, time\nthreading.Thread(target=lambda: time.sleep(3600)).start()\n",
        Kind.HANG,
        None,
    ),
    "address_space": (
        "import resource\nresource.setrlimit(resource.RLIMIT_AS, (1 << 30, resource.getrlimit(resource.RLIMIT_AS)[1]))\n"
        "x = []\nwhile True:\n    x.append(bytearray(1 << 24))\n",
        Kind.EXCEPTION_DIVERGENCE,
        lambda o: o.exception and o.exception[0] == "MemoryError",
    ),
    "prints_100mb": (
        "import sys\nchunk = 'x' * (1 << 20)\nfor _ in range(100):\n    sys.stdout.write(chunk)\n",
        Kind.RESULT_DIVERGENCE,
        lambda o: "bytes not kept" in o.stdout,
    ),
    "closes_stdout_stderr": (
        "import os\nemit('before', 1)\nos.close(1)\nos.close(2)\nemit('after', 2)\n",
        Kind.RESULT_DIVERGENCE,
        lambda o: dict(o.results)["after"] == ("2",),
    ),
    "writes_huge_file": (
        "with open('big', 'wb') as f:\n    for _ in range(640):  # 10 GB\n        f.write(b'x' * (16 << 20))\n",
        Kind.EXCEPTION_DIVERGENCE,
        lambda o: o.exception and o.exception[0] == "OSError",
    ),
    "deletes_its_files": (
        "import os, shutil\nhere = os.path.dirname(__file__)\nos.chdir('/')\n"
        "for name in os.listdir(here):\n    p = os.path.join(here, name)\n"
        "    shutil.rmtree(p) if os.path.isdir(p) else os.unlink(p)\n",
        Kind.AGREE,
        None,
    ),
    "replaces_hooks": (
        "import sys\nsys.unraisablehook = lambda u: None\nsys.excepthook = lambda *a: None\n"
        "class D:\n    def __del__(self):\n        raise ValueError\nD()\n",
        Kind.AGREE,
        None,
    ),
    "corrupts_report": (
        "import os\nwith open(os.path.join(os.path.dirname(__file__), 'report.jsonl'), 'ab') as f:\n"
        "    f.write(b'\\x00garbage{{{\\n')\nemit('after', 1)\n",
        Kind.RESULT_DIVERGENCE,
        lambda o: o.report_damaged,
    ),
    "c_stack_overflow": (
        "import sys\nsys.setrecursionlimit(10 ** 8)\nnested = []\nfor _ in range(10 ** 6):\n"
        "    nested = [nested]\nrepr(nested)\n",
        None,
        None,
    ),
    "forks_survivors": (
        "import os, subprocess\nsubprocess.Popen(['sleep', '600'])\n"
        "subprocess.Popen(['setsid', 'sleep', '600'])\nemit('started', True)\n",
        Kind.RESULT_DIVERGENCE,
        None,
    ),
}


FORK_BOMB = textwrap.dedent("""
    import os, time
    forked = 0
    for _ in range(3000):
        try:
            pid = os.fork()
        except OSError:
            continue
        if pid == 0:
            while True:
                time.sleep(1)
        forked += 1
    emit('capped', forked < 3000)
""")


def fault_source(row: str) -> tuple[str, Kind | None]:
    """The program of a row as it is run (bench/soak.py mixes these into a campaign) and
    the verdict kind expected with a debug target and a release oracle (None: a crash or
    a clean exception, never a hang).  Rows expected to agree run everywhere; the others
    misbehave on the debug target only."""
    program, expected, _ = ROWS[row]
    source = (DEBUG_ONLY if expected is not Kind.AGREE else "") + textwrap.dedent(program)
    if expected in (Kind.RESULT_DIVERGENCE, Kind.EXCEPTION_DIVERGENCE, Kind.AGREE):
        source += "emit('finished', True)\n" if row not in ("os_exit_mid_report",) else ""
    return source, expected


def _survivors(*raws) -> set[int]:
    """Live (non-zombie) processes that carry the containment marker of these runs."""
    markers = {f"TANDEM_RUN={raw.run_id}".encode() for raw in raws}
    alive = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if markers & set((entry / "environ").read_bytes().split(b"\0")):
                    state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                    if state != "Z":
                        alive.add(int(entry.name))
            except OSError:
                continue
    return alive


@pytest.fixture(scope="module")
def fork_servers(ft_debug, ft):
    servers = (ForkServer(ft_debug), ForkServer(ft))
    yield servers
    for server in servers:
        server.close()


def _left_in_server_cgroup(server: ForkServer) -> list[str]:
    """Processes in a fork server's cgroup other than the server (none after a run)."""
    cgroup = server.home.cgroup if server.home is not None else None
    if cgroup is None:
        return []
    return [pid for pid in (cgroup / "cgroup.procs").read_text().split() if pid != str(server.process.pid)]


@pytest.mark.parametrize("how", ["fresh", "forked", "forked-no-teardown"])
@pytest.mark.parametrize("row", sorted(ROWS), ids=str)
def test_fault_row(row, how, ft_debug, ft, request):
    source, expected = fault_source(row)
    extra = ROWS[row][2]
    started = time.monotonic()
    if how == "fresh":
        target_raw = run(Case(source), ft_debug, LIMITS)
        oracle_raw = run(Case(source), ft, LIMITS)
    else:
        servers = request.getfixturevalue("fork_servers")
        teardown = how == "forked"
        target_raw = servers[0].run(Case(source), LIMITS, False, teardown=teardown)
        oracle_raw = servers[1].run(Case(source), LIMITS, False, teardown=teardown)
    verdict = compare(observe(target_raw), observe(oracle_raw))
    assert time.monotonic() - started < 60
    if expected is None:  # a C stack overflow: a crash or a clean RecursionError/MemoryError, never a hang
        assert verdict.kind in (Kind.CRASH, Kind.EXCEPTION_DIVERGENCE, Kind.AGREE), verdict.summary
    else:
        assert verdict.kind is expected, verdict.summary
        if expected is not Kind.AGREE:
            assert verdict.side in (Side.TARGET,), verdict.side
    if extra is not None:
        assert extra(verdict.target), verdict.target
    time.sleep(0.2)
    assert target_raw.run_id and not _survivors(target_raw, oracle_raw), "processes of the run survived"
    if how != "fresh":  # a forked child's own environ is the server's: its cgroup tells
        assert not any(_left_in_server_cgroup(s) for s in servers), "processes of the run survived"
        assert all(s.process.poll() is None for s in servers), "a fork server died with its run"
    assert not Path(target_raw.workdir).exists() and not Path(oracle_raw.workdir).exists(), (
        "temporary space not reclaimed"
    )


def test_fork_bomb_is_capped_and_cleaned_up(ft_debug, ft):
    import os

    from tandem.oracle.sandbox import cgroup_parent

    if cgroup_parent() is None and os.geteuid() == 0:
        pytest.skip("no pids cgroup and running as root: RLIMIT_NPROC would not bind, a fork bomb is unsafe here")
    bomb = FORK_BOMB
    limits = Limits(deadline=30.0, grace=1.0, processes=64)
    target_raw, oracle_raw = run(Case(DEBUG_ONLY + bomb), ft_debug, limits), run(Case(bomb), ft, limits)
    verdict = compare(observe(target_raw), observe(oracle_raw))
    assert verdict.kind is Kind.AGREE or dict(verdict.target.results).get("capped") == ("True",), verdict.summary
    assert dict(verdict.oracle.results)["capped"] == ("True",)
    time.sleep(0.3)
    assert not _survivors(target_raw, oracle_raw)


def test_runs_left_behind_by_a_killed_host_are_swept():
    """A host killed mid-run leaves its run's cgroup (and whatever runs in it); the next
    tandem process kills those processes and removes the cgroup, and leaves the cgroups
    of live hosts alone."""
    import os
    import subprocess

    from tandem.oracle.sandbox import cgroup_parent, sweep_stale

    parent = cgroup_parent()
    if parent is None:
        pytest.skip("no pids cgroup on this machine")
    dead_owner = _dead_pid()
    stale = parent / f"{dead_owner:x}-feedfacecafe"
    live = parent / f"{os.getpid():x}-0123456789ab"
    stale.mkdir()
    live.mkdir()
    survivor = subprocess.Popen(["sleep", "600"])
    try:
        (stale / "cgroup.procs").write_text(str(survivor.pid))
        assert sweep_stale(parent) >= 1
        assert survivor.wait(timeout=5) == -9, "the stray of the dead host was not killed"
        assert not stale.exists() and live.exists()
    finally:
        survivor.kill()
        for directory in (stale, live):
            if directory.exists():
                directory.rmdir()


def _dead_pid() -> int:
    """A pid no process has (one that just exited and was reaped)."""
    import subprocess

    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_fork_server_runs_are_contained_and_the_server_is_spared(ft):
    """A fork server lives in its own cgroup and its children are born there (no
    migration per run).  What a run leaves behind dies after it, including processes
    that left its session, a fork bomb is capped, and the server itself survives."""
    import os

    from tandem.oracle.executor import ForkServer
    from tandem.oracle.sandbox import cgroup_parent

    server = ForkServer(ft)
    try:
        leaver, _, _ = ROWS["forks_survivors"]
        raw = server.run(Case(textwrap.dedent(leaver)), Limits(deadline=10.0, grace=1.0), False)
        time.sleep(0.2)
        assert dict(observe(raw).results)["started"] == ("True",)
        assert not _survivors(raw), "processes of the forked run survived"
        assert server.process.poll() is None, "the fork server was killed with its run"
        home = server.home.cgroup
        if cgroup_parent() is not None:
            assert home is not None and (home / "cgroup.procs").read_text().split() == [str(server.process.pid)]
            bomb = server.run(Case(FORK_BOMB), Limits(deadline=30.0, grace=1.0, processes=64), False)
            assert dict(observe(bomb).results)["capped"] == ("True",)
            time.sleep(0.3)
            assert not _survivors(bomb) and server.process.poll() is None
            assert (home / "pids.max").read_text().strip() == "65"  # the run's 64 and the server
            server.run(Case("pass\n"), Limits(deadline=10.0, processes=0), False)
            assert (home / "pids.max").read_text().strip() == "max"  # no limit: none left over
        elif os.geteuid() != 0:
            pass  # RLIMIT_NPROC binds; the bomb row of the fresh path covers it
        after = server.run(Case("emit('still', 1)\n"), Limits(deadline=10.0), False)
        assert dict(observe(after).results)["still"] == ("1",)
    finally:
        server.close()
    assert server.home is None and (home is None or not home.exists()), "the server's cgroup was left behind"
