"""`tandem fuzz --scheduler`: campaigns on a real Dask cluster on loopback (a `dask
scheduler` and two `dask worker --nthreads 1` processes, started and stopped here)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TANDEM = str(BIN / "tandem")
DASK = str(BIN / "dask")
# Aborts on the debug target only: a crash finding with a known side, planted as a program.
ABORTS = "import os, sys, time\ntime.sleep({pause})\nif hasattr(sys, 'gettotalrefcount'):\n    os.abort()\n"
FINE = "import time\ntime.sleep({pause})\nemit('x', sum(range(10)))\n"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _descendants(roots: set[int]) -> dict[int, str]:
    """Every live process under `roots` (and the roots), by pid, with its start time."""
    parents, starts = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
                starts[int(entry.name)] = fields[19]
    found, changed = set(roots) & set(parents), True
    while changed:
        more = {pid for pid, parent in parents.items() if parent in found} - found
        found |= more
        changed = bool(more)
    return {pid: starts[pid] for pid in found}


def _alive(processes: dict[int, str]) -> list[int]:
    """Those of `processes` still running (the same process: same start time, not a zombie)."""
    return [pid for pid, start in processes.items() if _descendants({pid}).get(pid) == start]


class Cluster:
    def __init__(self, tmp: Path, workers: int = 2):
        self.address = f"tcp://127.0.0.1:{_free_port()}"
        self.logs = tmp
        self.scheduler = self._start(
            "scheduler", "scheduler", "--host", "127.0.0.1", "--port", self.address.rsplit(":", 1)[1], "--no-dashboard"
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", int(self.address.rsplit(":", 1)[1])), 1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp / "scheduler.log").read_text()[-2000:]
                time.sleep(0.3)
        self.workers = [
            self._start(
                f"worker{i}", "worker", self.address, "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"
            )
            for i in range(workers)
        ]
        if workers:
            self.wait_for_workers(workers)

    def wait_for_workers(self, count: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(count, timeout=120)

    def _start(self, name: str, *argv: str, program: str = DASK) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 -- open for the process's life
        return subprocess.Popen(
            [program, *argv], stdout=log, stderr=subprocess.STDOUT, cwd=self.logs, start_new_session=True
        )

    def all_pids(self) -> dict[int, str]:
        return _descendants({p.pid for p in [self.scheduler, *self.workers]})

    def kill(self, process: subprocess.Popen, sig=signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            self.kill(process, signal.SIGTERM)
        for process in [*self.workers, self.scheduler]:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill(process)
                process.wait()


def _cluster(tmp_path: Path, workers: int):
    try:
        import distributed  # noqa: F401
    except ImportError:
        pytest.fail("Dask distributed is needed: pip install -e '.[cluster]' (ci/provision.sh does)")
    logs = tmp_path / "cluster"
    logs.mkdir()
    made = Cluster(logs, workers)
    yield made
    processes = made.all_pids()  # (workers a test started itself included)
    made.stop()
    deadline = time.monotonic() + 30
    while _alive(processes) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _alive(processes), "cluster processes left running"


@pytest.fixture
def cluster(tmp_path):
    yield from _cluster(tmp_path, 2)


@pytest.fixture
def bare_scheduler(tmp_path):
    """A Dask scheduler with no worker: the test brings its own (`tandem worker`)."""
    yield from _cluster(tmp_path, 0)


def _programs(tmp_path: Path, pause: float) -> Path:
    programs = tmp_path / "programs"
    (programs / "sub").mkdir(parents=True)
    (programs / "fine.py").write_text(FINE.format(pause=pause))
    (programs / "sub" / "aborts.py").write_text(ABORTS.format(pause=pause))
    return programs


def _fuzz(out: Path, programs: Path, *extra: str, runs: int = 10, share: str = "0.5") -> list[str]:
    return [
        TANDEM,
        "fuzz",
        "--out",
        str(out),
        "--runs",
        str(runs),
        "--target",
        "ft-debug",
        "--oracle",
        "ft",
        "--families",
        "hierarchy",
        "--programs",
        str(programs),
        "--programs-share",
        share,
        "--confirm",
        "2",
        "--no-minimize",
        "--no-gdb",
        *extra,
    ]


def _shape(out: Path) -> dict:
    """What a campaign directory holds, names and keys, without times and paths."""
    buckets = {}
    for bucket_dir in sorted((out / "findings").iterdir()):
        bucket = json.loads((bucket_dir / "bucket.json").read_text())
        buckets[bucket_dir.name] = {
            "keys": sorted(bucket),
            "signature": bucket["signature"],
            "kind": bucket["kind"],
            "count": bucket["count"],
            "status": bucket["status"],
            "files": sorted(p.suffix or p.name for p in bucket_dir.iterdir()),
        }
    state = json.loads((out / "state.json").read_text())
    return {
        "entries": sorted(p.name for p in out.iterdir()),
        "buckets": buckets,
        "state_keys": sorted(state),
        "per_family": state["per_family"],
        "program_verdicts": state["program_verdicts"],
        "runs": state["runs"],
        "stats_keys": sorted(json.loads((out / "stats.jsonl").read_text().splitlines()[-1])),
    }


def test_a_cluster_campaign_finds_what_the_local_pool_finds(tmp_path, cluster):
    programs = _programs(tmp_path, 0.0)
    local = subprocess.run(_fuzz(tmp_path / "local", programs, "--jobs", "2"), capture_output=True, text=True, cwd=ROOT)
    assert local.returncode == 1, local.stderr[-2000:]  # 1: findings
    remote = subprocess.run(
        _fuzz(tmp_path / "dask", programs, "--scheduler", cluster.address), capture_output=True, text=True, cwd=ROOT
    )
    assert remote.returncode == 1, remote.stderr[-2000:]
    shape = _shape(tmp_path / "dask")
    assert shape == _shape(tmp_path / "local")
    (bucket,) = shape["buckets"].values()
    assert bucket["kind"] == "crash" and bucket["status"] == "confirmed"
    assert shape["program_verdicts"]["sub/aborts.py"] == {"crash": bucket["count"]}
    listed = subprocess.run(
        [TANDEM, "triage", "--json", str(tmp_path / "local"), str(tmp_path / "dask")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert listed.returncode == 0, listed.stderr
    ((merged,),) = json.loads(listed.stdout)  # the two campaigns' buckets are one finding
    assert merged["signature"] == bucket["signature"] and merged["count"] == 2 * bucket["count"]
    assert merged["campaign"] == f"{tmp_path / 'local'}, {tmp_path / 'dask'}"


def test_killing_a_worker_mid_campaign_loses_no_finding_and_no_process(tmp_path, cluster):
    programs = _programs(tmp_path, 0.5)
    out = tmp_path / "campaign"
    runs = 24
    campaign = subprocess.Popen(
        _fuzz(out, programs, "--scheduler", cluster.address, runs=runs, share="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    victim = cluster.workers[0]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # until the victim runs programs: fork servers and their children
        if len(_descendants({victim.pid})) >= 4:
            break
        time.sleep(0.2)
    time.sleep(1.0)
    doomed = _descendants({victim.pid})
    assert len(doomed) >= 4, "the victim worker never ran anything"
    cluster.kill(victim)
    _, stderr = campaign.communicate(timeout=600)
    assert campaign.returncode == 1, stderr[-3000:]
    state = json.loads((out / "state.json").read_text())
    assert state["infrastructure_errors"] == 0 and "infrastructure error" not in stderr
    assert state["runs"] + state["lost"] == runs  # every item ran again elsewhere, or is counted as lost
    crashes = state["program_verdicts"]["sub/aborts.py"]["crash"]
    (bucket_dir,) = (out / "findings").iterdir()
    bucket = json.loads((bucket_dir / "bucket.json").read_text())
    assert bucket["kind"] == "crash" and bucket["count"] == crashes  # every sighting is in the bucket
    deadline = time.monotonic() + 30
    while _alive(doomed) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _alive(doomed), [Path(f"/proc/{pid}/cmdline").read_text() for pid in _alive(doomed)]


def test_a_lost_scheduler_stops_the_campaign_with_its_state_saved(tmp_path, cluster):
    programs = _programs(tmp_path, 0.5)
    out = tmp_path / "campaign"
    runs = 40
    campaign = subprocess.Popen(
        _fuzz(out, programs, "--scheduler", cluster.address, runs=runs, share="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # until some work is done and saved
        state = out / "state.json"
        if state.exists() and json.loads(state.read_text())["runs"] >= 2:
            break
        time.sleep(0.3)
    cluster.kill(cluster.scheduler)
    stdout, stderr = campaign.communicate(timeout=300)
    assert campaign.returncode == 2, stderr[-3000:]
    assert "lost the Dask scheduler" in stderr and "--resume" in stderr, stderr[-3000:]
    assert "Traceback" not in stderr
    assert "runs" in stdout  # the summary still printed
    saved = json.loads((out / "state.json").read_text())
    assert 2 <= saved["runs"] < runs
    (bucket_dir,) = (out / "findings").iterdir()  # what was found before is kept
    assert json.loads((bucket_dir / "bucket.json").read_text())["count"] >= 1
    resumed = subprocess.run(
        _fuzz(out, programs, "--resume", "--jobs", "2", runs=runs, share="1"), capture_output=True, text=True, cwd=ROOT
    )
    assert resumed.returncode == 1, resumed.stderr[-3000:]
    after = json.loads((out / "state.json").read_text())
    # the budget is the campaign's total; what was in flight when the scheduler went is lost
    assert after["next_seed"] == runs and saved["runs"] < after["runs"] <= runs


def test_new_buckets_are_minimized_on_the_cluster(tmp_path, cluster):
    """Minimization is a work item too: with --scheduler it runs on a worker (the
    minimizer travels there), and its reproducer is written by the coordinator."""
    filler = "".join(f"value_{i} = sum(range({i + 10}))\nprint(value_{i})\n" for i in range(6))
    program = "import sys\n" + filler + "emit('debug', hasattr(sys, 'gettotalrefcount'))\n"
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
            "--target",
            "ft-debug",
            "--oracle",
            "ft",
            "--programs",
            str(programs),
            "--programs-share",
            "1",
            "--no-gdb",
            "--confirm",
            "2",
            "--scheduler",
            cluster.address,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    (bucket_dir,) = (out / "findings").iterdir()
    bucket = json.loads((bucket_dir / "bucket.json").read_text())
    assert bucket["minimized_lines"] <= 3 and (bucket_dir / "minimized.py").exists()
    assert f"minimized {program.count(chr(10))} -> {bucket['minimized_lines']} lines" in done.stdout


def test_a_worker_without_the_interpreters_is_named(tmp_path, cluster, ft):
    """The coordinator need not have the interpreters; every worker must: one that lacks
    them is named before any work is handed out."""
    from tandem.fuzz.campaign import Campaign, CampaignConfig
    from tandem.oracle.errors import TandemError

    moved = dataclasses.replace(ft, name="moved", path=str(tmp_path / "elsewhere" / "python3.13t"))
    config = CampaignConfig(out=tmp_path / "c", target=moved, oracle=ft, runs=2, scheduler=cluster.address)
    with pytest.raises(TandemError) as raised:
        Campaign(config).run()
    message = str(raised.value)
    assert "has no moved" in message and str(tmp_path / "elsewhere") in message
    assert message.count("tcp://127.0.0.1:") == 2  # both workers, by address
    assert "tandem interpreters provision" in message
    assert not (tmp_path / "c" / "state.json").exists()  # nothing was handed out, nothing ran


def test_tandem_worker_serves_a_campaign(tmp_path, bare_scheduler):
    """`tandem worker` checks the interpreters, then becomes `dask worker --nworkers N`
    with the executor preloaded: a campaign over it finds the planted crash."""
    worker = bare_scheduler._start(
        "tandem-worker",
        "worker",
        bare_scheduler.address,
        "--nworkers",
        "2",
        "--target",
        "ft-debug",
        "--oracle",
        "ft",
        program=TANDEM,
    )
    bare_scheduler.workers.append(worker)  # stopped (and checked for strays) with the cluster
    bare_scheduler.wait_for_workers(2)
    log = (bare_scheduler.logs / "tandem-worker.log").read_text()
    assert "tandem worker: 2 executor(s) for ft-debug vs ft" in log and "tandem.fuzz.campaign.work" in log
    programs = _programs(tmp_path, 0.0)
    done = subprocess.run(
        _fuzz(tmp_path / "c", programs, "--scheduler", bare_scheduler.address),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    (bucket,) = _shape(tmp_path / "c")["buckets"].values()
    assert bucket["kind"] == "crash" and bucket["status"] == "confirmed"


def test_tandem_worker_without_the_interpreters_is_refused(tmp_path):
    missing = tmp_path / "nowhere" / "python3.13t"
    done = subprocess.run(
        [TANDEM, "worker", "tcp://127.0.0.1:9", "--target", str(missing), "--oracle", "ft"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "python3.13t" in done.stderr and "dask" not in done.stdout
