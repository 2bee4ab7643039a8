"""Each provisioned variant's slowdown against `ft` on the default mix, as a ratio.

    .venv/bin/python bench/sanitizer_slowdown.py [--per-family 2] [--runs 2] [--variant ft-tsan ...]

Builds `--per-family` programs of every family of the default mix (seeds 0, 1, ...),
runs each `--runs` times in fresh processes on the variant and on `ft`, and prints per
variant the median over the programs of (best variant time / best ft time), with the
summed seconds, and the same ratio past start-up and exit (each side's empty-program
time taken off).  The same measurement (oracle/slowdown.py) scales a campaign's
deadlines and program sizes for a sanitizer target.  Variants not provisioned are
listed as such.  Times on a shared machine vary: compare ratios from one run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tandem.fuzz.family import build, default_mix
from tandem.fuzz.render import render
from tandem.fuzz.scenario import Capabilities
from tandem.oracle.errors import InterpreterError
from tandem.oracle.interpreters import load_config, resolve
from tandem.oracle.model import Case
from tandem.oracle.slowdown import measure

ROOT = Path(__file__).resolve().parent.parent

VARIANTS = ("ft-debug", "ft-tsan", "ft-asan", "gil")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-family", type=int, default=2)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--variant", action="append", choices=VARIANTS)
    args = parser.parse_args()
    config = load_config()
    oracle = resolve("ft", config)
    print(f"oracle: ft = {oracle.description}")
    for variant in args.variant or VARIANTS:
        try:
            target = resolve(variant, config)
        except InterpreterError as exc:
            print(f"{variant:<9} not provisioned ({exc})")
            continue
        caps = Capabilities.common(target, oracle)
        families = default_mix(caps)
        cases = [
            Case(source=render(build(family, seed, caps)), name=f"{family}.py")
            for family in families
            for seed in range(args.per_family)
        ]
        result = measure(target, oracle, cases, runs=args.runs)
        print(
            f"{variant:<9} slowdown x{result.ratio:.2f} whole runs, x{result.work_ratio:.2f} past start-up "
            f"(medians over {result.cases} programs; {result.target_seconds:.1f}s vs {result.oracle_seconds:.1f}s "
            f"in all; size step {result.size_step}); families: {', '.join(families)}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
