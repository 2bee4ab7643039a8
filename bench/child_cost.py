"""CPU per case: what a fork-server child costs against the bare execution of the same
program, per interpreter.

    .venv/bin/python bench/child_cost.py [--count 60] [--empty 100] [--rounds 3]
        [--interpreters ft-debug,ft,gil]

For each interpreter, through the campaign's real fork server (oracle.executor.ForkServer):
  empty   CPU of one child running an empty program: the fixed cost of a case (fork,
          harness set-up, interpreter finalization, exit), user and system;
  short   CPU per child over the short programs of bench/campaign_speed.py --short;
  (both also with teardown=False: children that skip the interpreter's teardown, as
  tandem fuzz --teardown-share 0 runs them)
  bare    CPU per program of the same short programs exec'd one after another in one
          running interpreter (time.process_time around each);
and the ratio short / bare, each the median of --rounds rounds (threaded programs vary
from run to run, and a bare interpreter carries what earlier programs left running or
allocated).  Children's CPU is read from the server's cutime and cstime
in /proc (the server reaps every child, so they add up there), in clock ticks: use
enough runs.  Run on an idle machine; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from campaign_speed import bare_times, programs, write_programs  # noqa: E402

from tandem.fuzz.scenario import Capabilities  # noqa: E402
from tandem.oracle import interpreters as registry  # noqa: E402
from tandem.oracle.executor import ForkServer  # noqa: E402
from tandem.oracle.model import Case, Limits  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def children_cpu(pid: int) -> tuple[float, float]:
    """User and system seconds of the reaped children of `pid`."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[13]) / TICK, int(fields[14]) / TICK  # cutime, cstime (fields 16, 17)


def through_server(server: ForkServer, sources: list[str], teardown: bool = True) -> tuple[float, float]:
    """Mean user and system milliseconds per child over `sources`."""
    server.run(Case("pass\n"), Limits(deadline=60.0), True)  # started, warm
    user0, system0 = children_cpu(server.process.pid)
    for source in sources:
        server.run(Case(source), Limits(deadline=120.0), True, teardown=teardown)
    user1, system1 = children_cpu(server.process.pid)
    return (user1 - user0) * 1000 / len(sources), (system1 - system0) * 1000 / len(sources)


def bare_cpu(path: str, sources: list[str]) -> tuple[float, int]:
    """Mean CPU milliseconds per program exec'd in one interpreter, and how many killed
    it (left out, the runner restarted past them)."""
    with tempfile.TemporaryDirectory() as scratch:
        times, crashed = bare_times(path, write_programs(scratch, sources), scratch, clock="process_time")
    return sum(times) * 1000 / max(len(times), 1), crashed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=60, help="short programs")
    parser.add_argument("--empty", type=int, default=100, help="runs of the empty program")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--interpreters", default="ft-debug,ft,gil")
    args = parser.parse_args()
    config = registry.load_config(ROOT)
    chosen = [registry.resolve(name, config) for name in args.interpreters.split(",")]
    sources = programs(args.count, Capabilities.common(*chosen), short=True)
    print(
        f"CPU per case, ms (empty program x{args.empty}, {args.count} short programs, median of {args.rounds} rounds)"
    )
    print(
        f"  {'interpreter':12} {'teardown':>9} {'empty user+sys':>16} {'short child':>12} {'bare':>8} "
        f"{'short/bare':>11}"
    )
    for interpreter in chosen:
        rounds = []
        for _ in range(args.rounds):
            measured = []
            for teardown in (True, False):
                server = ForkServer(interpreter)
                try:
                    measured.append(
                        (
                            through_server(server, ["pass\n"] * args.empty, teardown),
                            sum(through_server(server, sources, teardown)),
                        )
                    )
                finally:
                    server.close()
            rounds.append((measured, *bare_cpu(interpreter.path, sources)))
        bare = statistics.median(r[1] for r in rounds)
        crashed = sum(r[2] for r in rounds)
        note = f"  ({crashed} program(s) killed the bare runner, left out)" if crashed else ""
        for which, label in ((0, "full"), (1, "skipped")):
            (empty_user, empty_system) = statistics.median_low(r[0][which][0] for r in rounds)
            short = statistics.median(r[0][which][1] for r in rounds)
            print(
                f"  {interpreter.name:12} {label:>9} {empty_user:7.1f}+{empty_system:<7.1f} {short:12.1f} "
                f"{bare:8.1f} {short / bare:10.2f}x{note if which else ''}"
            )


if __name__ == "__main__":
    main()
