"""Overhead of `tandem run` on a trivial program against two bare interpreter starts.

    .venv/bin/python bench/run_overhead.py [--repeat 15] [--target ft-debug] [--oracle ft]

Prints the median wall time of (a) the `tandem run` command (CLI start, probing, two
sandboxed runs, judging), (b) the judging pipeline alone inside this process
(oracle.judge.judge_once), and (c) `python -c pass` on the target plus on the oracle.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from tandem.oracle import interpreters as registry  # noqa: E402
from tandem.oracle.judge import judge_once  # noqa: E402
from tandem.oracle.model import Case  # noqa: E402


def median_seconds(action, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--target", default="ft-debug")
    parser.add_argument("--oracle", default="ft")
    args = parser.parse_args()
    config = registry.load_config(ROOT)
    target = registry.resolve(args.target, config)
    oracle = registry.resolve(args.oracle, config)
    tandem = str(Path(sys.executable).with_name("tandem"))
    with tempfile.TemporaryDirectory() as scratch:
        program = Path(scratch) / "trivial.py"
        program.write_text("emit('answer', 42)\n")
        case = Case(source=program.read_text(), name="trivial.py")

        def cli():
            subprocess.run(
                [tandem, "run", str(program), "--target", args.target, "--oracle", args.oracle],
                check=True,
                capture_output=True,
            )

        def bare():
            subprocess.run([target.path, "-c", "pass"], check=True)
            subprocess.run([oracle.path, "-c", "pass"], check=True)

        cli()  # warm the probe cache
        tandem_cli = median_seconds(cli, args.repeat)
        pipeline = median_seconds(lambda: judge_once(case, target, oracle), args.repeat)
        bare_pair = median_seconds(bare, args.repeat)
    print(f"target {target.name} ({target.description}), oracle {oracle.name} ({oracle.description})")
    print(f"repeat: {args.repeat}, medians:")
    print(f"  tandem run (whole command)     {tandem_cli * 1000:8.1f} ms")
    print(f"  judge_once (in-process)        {pipeline * 1000:8.1f} ms")
    print(f"  two bare `python -c pass`      {bare_pair * 1000:8.1f} ms")
    print(f"  overhead: command {tandem_cli / bare_pair:.2f}x, pipeline {pipeline / bare_pair:.2f}x of bare starts")


if __name__ == "__main__":
    main()
