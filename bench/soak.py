"""Soak run: `tandem fuzz --jobs 2` with the fault-matrix programs mixed into the work.

    .venv/bin/python bench/soak.py [--time 30m] [--share 0.15] [--timeout 10] [--keep DIR]
        [--teardown-share 1]

The programs of tests/reliability/test_fault_matrix.py (segfault, abort, C assertion,
os._exit mid-report, killpg, SIGTERM ignored, C and Python loops, deadlock, non-daemon
thread, address space, 100 MB of output, closed stdout/stderr, a 10 GB file, deleted
files, replaced hooks, a corrupted report, a C stack overflow, surviving children) and a
fork bomb are given to the campaign with --programs; each misbehaves on the debug target
only, so its verdict is known in advance.  Target ft-debug, oracle ft.

Printed afterwards:
  runs, runs/s, faults injected, faults classified as expected (per program),
  findings lost: first runs that gave a finding but were neither kept in a findings
    bucket nor in an unconfirmed/ one, plus bucket counts on disk that do not add up,
  stray processes: descendants of the campaign still alive after it exited (this
    script is a child subreaper, so orphans of any run are re-parented to it),
  leftover run directories (TMPDIR of the campaign) and pids cgroups,
  peak memory (VmHWM) of the `tandem fuzz` process.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the fault-matrix rows live in the test suite (tests.reliability)

from tandem.oracle import store  # noqa: E402
from tandem.oracle.model import Kind  # noqa: E402
from tests.reliability.test_fault_matrix import DEBUG_ONLY, FORK_BOMB, ROWS, fault_source  # noqa: E402

PR_SET_CHILD_SUBREAPER = 36
CGROUPS = Path("/sys/fs/cgroup/pids/tandem")


def write_programs(directory: Path) -> dict[str, set[str]]:
    """The fault programs, and for each the verdict kinds that classify it correctly."""
    expected = {}
    for row in sorted(ROWS):
        source, kind = fault_source(row)
        (directory / f"{row}.py").write_text(source)
        expected[f"{row}.py"] = (
            {Kind.CRASH.value, Kind.EXCEPTION_DIVERGENCE.value, Kind.AGREE.value} if kind is None else {kind.value}
        )
    (directory / "fork_bomb.py").write_text(DEBUG_ONLY + FORK_BOMB)
    expected["fork_bomb.py"] = {Kind.RESULT_DIVERGENCE.value}  # capped on the target, no result on the oracle
    return expected


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, state) of the processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append((int(entry.name), fields[0]))
    return found


def children_of(pid: int) -> list[int]:
    """The live (non-zombie) children of `pid`."""
    return [child for child, state in children(pid) if state != "Z"]


def reap(keep: int) -> None:
    """Processes of runs that outlived their parent are re-parented to this subreaper
    (a fork bomb's children, killed at the end of their run): wait for the dead ones,
    as init would, so they do not pile up as zombies.  `keep` (the campaign) is left to
    its Popen."""
    for child, state in children(os.getpid()):
        if state == "Z" and child != keep:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(child, os.WNOHANG)


def peak_rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cgroup_count() -> int:
    return sum(1 for entry in CGROUPS.iterdir() if entry.is_dir()) if CGROUPS.is_dir() else 0


def audit(out: Path, expected: dict[str, set[str]]) -> dict:
    """Every first-run finding verdict must be a sighting on disk: in a findings bucket
    (state hits) or an unconfirmed one (state unconfirmed), with bucket counts that add up."""
    from tandem.oracle import campaign_dir

    state = json.loads((out / "state.json").read_text())
    first_run_findings = sum(n for kind, n in state["verdicts"].items() if Kind(kind).is_finding)
    kept = sum(state["hits"].values()) + state["unconfirmed"]
    on_disk = {"findings": 0, "unconfirmed": 0}
    unreadable = []
    for bucket in campaign_dir.load_buckets(out):
        on_disk["unconfirmed" if bucket.status == "unconfirmed" else "findings"] += bucket.count
        try:
            store.load_case(Path(bucket.path) / f"{bucket.smallest}.json")
            json.loads((Path(bucket.path) / "verdict.json").read_text())
        except Exception as exc:
            unreadable.append(f"{bucket.identifier}: {exc}")
    per_program = state.get("program_verdicts", {})
    injected = sum(sum(kinds.values()) for kinds in per_program.values())
    correct = sum(n for name, kinds in per_program.items() for kind, n in kinds.items() if kind in expected[name])
    return {
        "state": state,
        "first_run_findings": first_run_findings,
        "kept": kept,
        "lost": max(0, first_run_findings - kept)
        + abs(on_disk["findings"] - sum(state["hits"].values()))
        + abs(on_disk["unconfirmed"] - state["unconfirmed"])
        + len(unreadable),
        "on_disk": on_disk,
        "unreadable": unreadable,
        "injected": injected,
        "correct": correct,
        "per_program": per_program,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--time", default="30m")
    parser.add_argument("--share", type=float, default=0.15, help="share of the work given to fault programs")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per run before it is a hang")
    parser.add_argument("--keep", help="campaign directory to keep (default: a temporary one)")
    parser.add_argument("--teardown-share", default="1", help="passed to tandem fuzz")
    args = parser.parse_args()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("cannot become a child subreaper: stray processes would escape the count", file=sys.stderr)
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="tandem-soak-"))
    programs, tmp = scratch / "faults", scratch / "tmp"
    programs.mkdir()
    tmp.mkdir()
    out = Path(args.keep) if args.keep else scratch / "campaign"
    expected = write_programs(programs)
    cgroups_before = cgroup_count()
    command = [
        str(Path(sys.executable).with_name("tandem")),
        "fuzz",
        "--out",
        str(out),
        "--time",
        args.time,
        "--jobs",
        "2",
        "--target",
        "ft-debug",
        "--oracle",
        "ft",
        "--timeout",
        str(args.timeout),
        "--programs",
        str(programs),
        "--programs-share",
        str(args.share),
        "--teardown-share",
        args.teardown_share,
    ]
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=dict(os.environ, TMPDIR=str(tmp)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, peak_rss(process.pid))
        reap(process.pid)
        time.sleep(1.0)
    output = process.stdout.read()
    elapsed = time.monotonic() - started
    time.sleep(1.0)
    strays = children_of(os.getpid())
    for pid in strays:  # count them, then do not leave them behind
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    leftover_dirs = sorted(p.name for p in tmp.iterdir())
    result = audit(out, expected)
    state = result["state"]
    print(f"soak: {' '.join(command[1:])}")
    print(f"  exit status {process.returncode} (1 = findings), wall {elapsed:.0f}s")
    print(
        f"  runs {state['runs']} ({state['runs'] / max(state['elapsed'], 1e-9):.2f}/s), "
        f"per family {dict(sorted(state['per_family'].items()))}"
    )
    print(f"  verdicts {dict(sorted(state['verdicts'].items()))}")
    print(
        f"  faults injected {result['injected']}, classified as expected {result['correct']} "
        f"({result['correct'] / max(result['injected'], 1):.1%})"
    )
    for name, kinds in sorted(result["per_program"].items()):
        wrong = {k: n for k, n in kinds.items() if k not in expected[name]}
        print(f"    {name:<32} {sum(kinds.values()):>4} runs  {'ok' if not wrong else 'UNEXPECTED ' + str(wrong)}")
    print(
        f"  findings: first-run findings {result['first_run_findings']}, kept in findings/ "
        f"{sum(state['hits'].values())} + unconfirmed {state['unconfirmed']}; bucket counts on disk {result['on_disk']}; "
        f"buckets {len(list((out / 'findings').glob('*/bucket.json')))}"
    )
    unreadable = f" (unreadable: {result['unreadable']})" if result["unreadable"] else ""
    print(f"  findings lost {result['lost']}{unreadable}")
    print(f"  stray processes after the campaign {len(strays)}")
    print(f"  leftover run directories {len(leftover_dirs)}, pids cgroups {cgroup_count() - cgroups_before:+d}")
    print(f"  peak memory of the tandem process {peak / 2**20:.0f} MiB")
    print(f"  infrastructure errors {state['infrastructure_errors']}")
    if process.returncode not in (0, 1):
        print(output[-3000:])
    return 0 if result["lost"] == 0 and not strays and process.returncode in (0, 1) else 1


if __name__ == "__main__":
    sys.exit(main())
