"""Cases per second: fork servers against fresh processes and bare in-process execution.

    .venv/bin/python bench/campaign_speed.py [--count 60] [--jobs 2] [--short] [--skip-fuzz]
        [--target X --oracle Y]

The same generated programs (default family mix, or --short: the fast families with
their iterations cut to a tenth, where start-up dominates) are judged three ways, each
with --jobs workers, target and oracle from the config:
  forkserver  the campaign's path: one warm fork server per interpreter and worker
              (with the campaign's specialization feedback, as fresh below)
  no-teardown the same, children skipping the interpreter's teardown (tandem fuzz
              --teardown-share 0; ForkServer.run(teardown=False))
  fresh       one fresh subprocess per case per interpreter (oracle.executor.run)
  bare        the programs exec'd one after another inside one already-running target
              and one oracle interpreter (no isolation, no harness: the floor); a program
              that kills that interpreter (an interpreter bug) is left out, and the rest
              run in a new one
Rates are steady-state, as in a campaign that runs for hours: the fork servers are
started and warm before the clock starts, and bare counts the programs' own time (the
slowest worker's sum), not the start of its two interpreters.
It also runs `tandem fuzz --runs N` with --jobs 1 and 2 and prints the scaling, and
with --jobs 2 and --teardown-share 0.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from tandem.fuzz.family import FAMILIES, build  # noqa: E402
from tandem.fuzz.render import render  # noqa: E402
from tandem.fuzz.scenario import Capabilities  # noqa: E402
from tandem.oracle import interpreters as registry  # noqa: E402
from tandem.oracle.diff import compare  # noqa: E402
from tandem.oracle.executor import ForkServer, run  # noqa: E402
from tandem.oracle.model import Case, Limits  # noqa: E402
from tandem.oracle.normalize import observe  # noqa: E402

BARE_RUNNER = r"""
import sys, threading, time
def emit(k, v): pass
def observe(k, v, allowed=None): return True
def check(c, label, detail=None): return bool(c)
def threads(*fns, timeout=None, names=None):
    results = [None] * len(fns)
    barrier = threading.Barrier(len(fns))
    def go(i, f):
        barrier.wait()
        try:
            results[i] = f()
        except BaseException:
            pass
    ts = [threading.Thread(target=go, args=(i, f)) for i, f in enumerate(fns)]
    [t.start() for t in ts]; [t.join() for t in ts]
    return results
clock = getattr(time, sys.argv[1])
for path in sys.argv[2:]:
    started = clock()
    namespace = {"__name__": "__main__", "emit": emit, "observe": observe, "check": check, "threads": threads}
    try:
        exec(compile(open(path).read(), path, "exec"), namespace)
    except BaseException:
        pass
    print(clock() - started, flush=True)
"""


def bare_times(
    interpreter_path: str, paths: list[str], cwd: str, clock: str = "perf_counter"
) -> tuple[list[float], int]:
    """Seconds (by `clock`: perf_counter, or process_time for CPU) of each of `paths` run
    one after another in one interpreter, and how many programs killed it (an
    interpreter bug: left out, and the runner started again on the programs after it)."""
    times, crashed = [], 0
    while paths:
        out = subprocess.run(
            [interpreter_path, "-c", BARE_RUNNER, clock, *paths], capture_output=True, text=True, cwd=cwd
        )
        done = [float(line) for line in out.stdout.split()]
        times += done
        if len(done) >= len(paths):
            break
        crashed += 1
        paths = paths[len(done) + 1 :]
    return times, crashed


def write_programs(directory: str, sources: list[str]) -> list[str]:
    """The sources as files p0.py, p1.py, ... in `directory`; their paths."""
    paths = []
    for index, source in enumerate(sources):
        path = Path(directory) / f"p{index}.py"
        path.write_text(source)
        paths.append(str(path))
    return paths


def programs(count: int, caps: Capabilities, short: bool) -> list[str]:
    families = (
        ["hierarchy", "init_race", "type_mutation", "cold_start", "shared_containers", "unraisable", "hooks"]
        if short
        else sorted(FAMILIES)
    )
    sources = []
    for index in range(count):
        scenario = build(families[index % len(families)], index, caps)
        if short:
            for worker in scenario.workers:
                worker.iterations = max(5, worker.iterations // 10)
            for mutator in scenario.mutators:
                mutator.rounds = max(5, mutator.rounds // 10)
        sources.append(render(scenario))
    return sources


def timed(jobs: int, sources: list[str], judge) -> float:
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        list(pool.map(judge, range(len(sources))))
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--skip-fuzz", action="store_true", help="skip the tandem fuzz scaling runs")
    parser.add_argument("--target", help="interpreter name or path (default: the configured target)")
    parser.add_argument("--oracle", help="interpreter name or path (default: the configured oracle)")
    args = parser.parse_args()
    config = registry.load_config(ROOT)
    target = registry.resolve(args.target or config.target, config)
    oracle = registry.resolve(args.oracle or config.oracle, config)
    sources = programs(args.count, Capabilities.common(target, oracle), args.short)
    limits = Limits(deadline=120.0)
    servers = []

    def through_servers(teardown: bool):
        """A judge over one warm pair of fork servers per worker thread."""
        import queue
        import threading

        idle, mine = queue.Queue(), threading.local()
        for _ in range(args.jobs):
            pair = (ForkServer(target), ForkServer(oracle))
            for server in pair:
                server.run(Case("pass\n"), limits, True)  # started and warm before the clock starts
            servers.extend(pair)
            idle.put(pair)

        def judge(index: int):
            if not hasattr(mine, "pair"):
                mine.pair = idle.get_nowait()
            case = Case(sources[index])
            return compare(
                observe(mine.pair[0].run(case, limits, True, teardown=teardown)),
                observe(mine.pair[1].run(case, limits, True, teardown=teardown)),
            )

        return judge

    def fresh(index: int):
        case = Case(sources[index])
        return compare(
            observe(run(case, target, limits, feedback=True)), observe(run(case, oracle, limits, feedback=True))
        )

    forkserver_seconds = timed(args.jobs, sources, through_servers(True))
    quick_seconds = timed(args.jobs, sources, through_servers(False))
    for server in servers:
        server.close()
    fresh_seconds = timed(args.jobs, sources, fresh)
    with tempfile.TemporaryDirectory() as scratch:
        paths = write_programs(scratch, sources)
        chunks = [paths[k :: args.jobs] for k in range(args.jobs)]

        def bare(chunk):
            """The chunk's programs' own seconds on both interpreters, and the crashes."""
            measured = [bare_times(interpreter.path, chunk, scratch) for interpreter in (target, oracle)]
            return sum(sum(times) for times, _ in measured), sum(crashed for _, crashed in measured)

        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            per_worker = list(pool.map(bare, chunks))
        bare_seconds = max(seconds for seconds, _ in per_worker)
        bare_crashes = sum(crashed for _, crashed in per_worker)
    n = len(sources)
    print(
        f"{n} programs ({'short' if args.short else 'default mix'}), --jobs {args.jobs}, "
        f"target {target.name}, oracle {oracle.name}"
    )
    print(f"  forkserver  {n / forkserver_seconds:7.2f} cases/s  ({forkserver_seconds:6.1f}s)")
    print(f"  no-teardown {n / quick_seconds:7.2f} cases/s  ({quick_seconds:6.1f}s)")
    print(f"  fresh       {n / fresh_seconds:7.2f} cases/s  ({fresh_seconds:6.1f}s)")
    print(
        f"  bare        {n / bare_seconds:7.2f} cases/s  ({bare_seconds:6.1f}s, no isolation, no harness"
        + (f"; {bare_crashes} program(s) killed the runner and were left out" if bare_crashes else "")
        + ")"
    )
    for name, seconds in (("forkserver", forkserver_seconds), ("no-teardown", quick_seconds)):
        print(
            f"  {name} vs fresh: {fresh_seconds / seconds:.2f}x faster; vs bare: {seconds / bare_seconds:.2f}x the time"
        )
    if args.skip_fuzz:
        return
    tandem = str(Path(sys.executable).with_name("tandem"))
    rates = {}
    for jobs, share in ((1, "1"), (2, "1"), (2, "0")):
        with tempfile.TemporaryDirectory() as scratch:
            subprocess.run(
                [
                    tandem,
                    "fuzz",
                    "--out",
                    f"{scratch}/c",
                    "--runs",
                    str(args.count),
                    "--jobs",
                    str(jobs),
                    "--target",
                    target.path,
                    "--oracle",
                    oracle.path,
                    "--teardown-share",
                    share,
                ],
                cwd=ROOT,
                capture_output=True,
            )
            record = json.loads(Path(f"{scratch}/c/stats.jsonl").read_text().splitlines()[-1])
            rates[jobs, share] = record["runs_per_second"]
    print(
        f"  tandem fuzz --runs {args.count}: --jobs 1 {rates[1, '1']:.2f} runs/s, --jobs 2 {rates[2, '1']:.2f} "
        f"runs/s ({rates[2, '1'] / rates[1, '1']:.2f}x); --jobs 2 --teardown-share 0 {rates[2, '0']:.2f} runs/s"
    )


if __name__ == "__main__":
    main()
