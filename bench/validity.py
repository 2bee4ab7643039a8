"""Validity of generated programs: consecutive seeds run once on each interpreter.

    .venv/bin/python bench/validity.py [--count 1000] [--interpreters ft,ft-debug,gil]
        [--families a,b] [--jobs 2]

A program is valid on an interpreter when it finishes on its own with no failed check,
no uncaught exception (main thread or others) and no crash.  Prints, per family and
interpreter, the number of valid programs and the first invalid seeds with why.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from tandem.fuzz.family import FAMILIES, build  # noqa: E402
from tandem.fuzz.render import render  # noqa: E402
from tandem.fuzz.scenario import Capabilities  # noqa: E402
from tandem.oracle import interpreters as registry  # noqa: E402
from tandem.oracle.executor import run  # noqa: E402
from tandem.oracle.model import Case, Limits  # noqa: E402
from tandem.oracle.normalize import observe  # noqa: E402


def problem(observation) -> str | None:
    if observation.crash is not None:
        return f"{observation.crash.kind.value}: {observation.crash.headline}"
    if not observation.finished:
        return f"did not finish (exit {observation.exit_code})"
    if observation.exception:
        return "uncaught %s: %s" % observation.exception
    if observation.thread_exceptions:
        return "thread exception %s: %s" % observation.thread_exceptions[0]
    if observation.violations:
        label, count, detail = observation.violations[0]
        return f"check {label!r} failed {count}x: {detail}"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--interpreters", default="ft,ft-debug,gil")
    parser.add_argument("--families", default=",".join(sorted(FAMILIES)))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    config = registry.load_config(ROOT)
    interpreters = [registry.resolve(name, config) for name in args.interpreters.split(",")]
    jobs = [
        (family, interpreter, seed)
        for family in args.families.split(",")
        for interpreter in interpreters
        for seed in range(args.count)
    ]

    def one(job):
        family, interpreter, seed = job
        source = render(build(family, seed, Capabilities.of(interpreter)))
        return family, interpreter.name, seed, problem(observe(run(Case(source), interpreter, Limits(deadline=120))))

    started = time.monotonic()
    valid = collections.Counter()
    invalid = collections.defaultdict(list)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for family, name, seed, why in pool.map(one, jobs):
            if why is None:
                valid[family, name] += 1
            else:
                invalid[family, name].append((seed, why))
    elapsed = time.monotonic() - started
    print(f"{len(jobs)} runs in {elapsed:.0f}s ({len(jobs) / elapsed:.1f} runs/s, --jobs {args.jobs})")
    for family in args.families.split(","):
        for interpreter in interpreters:
            key = (family, interpreter.name)
            print(f"  {family:<18} {interpreter.name:<9} {valid[key]:>5}/{args.count} valid")
            for seed, why in invalid[key][:5]:
                print(f"      seed {seed}: {why[:200]}")
    print(f"invalid: {sum(map(len, invalid.values()))}")


if __name__ == "__main__":
    main()
