"""Same-build false-positive rate of generated programs (must be zero).

    .venv/bin/python bench/false_positives.py [--count 2000] [--interpreter ft] [--jobs 2]
        [--families init_race,hierarchy,...] [--first-seed 0]

Generates `count` programs (families in turn), runs each with target = oracle = the
given interpreter, and prints the number of disagreements per family, the verdicts of
any disagreement, and the throughput.
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
from tandem.oracle.judge import judge_once  # noqa: E402
from tandem.oracle.model import Case, Kind, Limits  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--interpreter", default="ft")
    parser.add_argument("--oracle", help="default: the same interpreter (same-build run)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--families", default=",".join(sorted(FAMILIES)))
    parser.add_argument("--first-seed", type=int, default=0)
    args = parser.parse_args()
    config = registry.load_config(ROOT)
    target = registry.resolve(args.interpreter, config)
    oracle = registry.resolve(args.oracle, config) if args.oracle else target
    caps = Capabilities.common(target, oracle)
    families = args.families.split(",")
    jobs = [(families[k % len(families)], args.first_seed + k // len(families)) for k in range(args.count)]

    def one(job):
        family, seed = job
        case = Case(source=render(build(family, seed, caps)), name=f"{family}-{seed}.py")
        return family, seed, judge_once(case, target, oracle, Limits(deadline=120.0))

    started = time.monotonic()
    per_family = collections.Counter()
    bad = collections.defaultdict(list)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for done, (family, seed, verdict) in enumerate(pool.map(one, jobs), 1):
            per_family[family] += 1
            if verdict.kind is not Kind.AGREE:
                bad[family].append((seed, verdict.kind.value, verdict.summary))
            if done % 200 == 0:
                print(f"  {done}/{len(jobs)} programs, {sum(map(len, bad.values()))} disagreements", flush=True)
    elapsed = time.monotonic() - started
    print(f"target {target.name} ({target.description}) vs oracle {oracle.name} ({oracle.description})")
    print(f"{len(jobs)} programs in {elapsed:.0f}s ({len(jobs) / elapsed:.2f} programs/s, --jobs {args.jobs})")
    for family in families:
        print(f"  {family:<14} {per_family[family]:>5} programs  {len(bad[family]):>3} disagreements")
        for seed, kind, summary in bad[family][:10]:
            print(f"      seed {seed}: {kind}: {summary}")
    print(f"disagreements: {sum(map(len, bad.values()))}")


if __name__ == "__main__":
    main()
