"""`tandem bisect --source` on a real CPython git checkout, end to end.

    .venv/bin/python bench/bisect_checkout.py [--variant ft-debug] [--keep DIR]

Makes a git repository from the provisioned CPython source (the newest unpacked tree in
the cache) with a history of five commits after the import: harmless edits, one that
breaks `math.gcd` for one argument (a bug the case below sees as a result divergence
against the unmodified `ft` oracle), then more harmless edits, then the fix.
`tandem bisect` must name the breaking commit, and `tandem bisect --fixed` the fixing
one, building only the revisions the binary searches visit (each a real configure +
make of the chosen variant).  Prints the revisions built, the time per build and in
all, and whether the answers are right; exit status 0 only if both are.  The builds of
this throw-away history (about 500 MB each, in ~/.cache/tandem/bisect/) are removed at
the end unless --keep is given.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from tandem.oracle import interpreters as registry  # noqa: E402
from tandem.oracle import store  # noqa: E402
from tandem.oracle.model import Kind  # noqa: E402

PROGRAM = "import math\nemit('gcd', math.gcd(1234, 2))\n"
SIGNATURE = "result_divergence|target|result 'gcd'"
BUG = (
    "    if (nargs == 2 && PyLong_CheckExact(args[0]) && PyLong_CheckExact(args[1]))\n",
    "    if (nargs == 2 && PyLong_CheckExact(args[0]) && PyLong_AsLong(args[0]) == 1234) {\n"
    "        return PyLong_FromLong(7);  /* the bug bisection must find */\n"
    "    }\n"
    "    if (nargs == 2 && PyLong_CheckExact(args[0]) && PyLong_CheckExact(args[1]))\n",
)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=tandem", "-c", "user.email=tandem@localhost", "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def make_history(source: Path, repo: Path) -> tuple[list[str], str]:
    shutil.copytree(source, repo, ignore=shutil.ignore_patterns(".git"))
    git(repo, "init", "-q")
    revisions = [commit(repo, "import CPython source")]
    readme = repo / "README.rst"
    mathmodule = repo / "Modules" / "mathmodule.c"
    for index in range(5):
        if index == 2:
            text = mathmodule.read_text()
            assert BUG[0] in text, "the math_gcd fast path moved: update BUG"
            mathmodule.write_text(text.replace(BUG[0], BUG[1], 1))
            revisions.append(commit(repo, "math.gcd: break gcd(1234, n)"))
        else:
            readme.write_text(readme.read_text() + f"\nharmless edit {index}\n")
            revisions.append(commit(repo, f"README: harmless edit {index}"))
    mathmodule.write_text(mathmodule.read_text().replace(BUG[1], BUG[0], 1))
    revisions.append(commit(repo, "math.gcd: fix gcd(1234, n)"))
    return revisions, revisions[3]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variant", default="ft-debug")
    parser.add_argument(
        "--keep", help="keep the repository here, and its builds (default: a temporary directory, all removed)"
    )
    args = parser.parse_args()
    trees = sorted(p for p in (registry.cache_root() / "src").glob("Python-*") if (p / "configure").is_file())
    if not trees:
        print("no unpacked CPython source in the cache: run `tandem interpreters provision` first", file=sys.stderr)
        return 2
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="tandem-bisect-"))
    repo = work / "cpython"
    started = time.monotonic()
    revisions, culprit = make_history(trees[-1], repo)
    print(
        f"history: {len(revisions)} commits in {repo} ({time.monotonic() - started:.0f}s to make); "
        f"the breaking commit is {culprit[:12]}"
    )
    case = store.add_case(
        work / "case",
        PROGRAM,
        expect=store.Expectation(Kind.RESULT_DIVERGENCE),
        signature=SIGNATURE,
        origin="bench/bisect_checkout.py",
    )
    with contextlib.ExitStack() as cleanup:
        if not args.keep:
            cleanup.callback(remove_builds, revisions)
            cleanup.callback(shutil.rmtree, work, True)
        return bisect_both(case, repo, revisions, culprit, args.variant)


def remove_builds(revisions: list[str]) -> None:
    """The worktrees and interpreters `tandem bisect` made for these revisions."""
    builds = registry.cache_root() / "bisect"
    for revision in revisions:
        shutil.rmtree(builds / "trees" / revision[:12], ignore_errors=True)
        for build in (builds / "interpreters").glob(f"*-{revision[:12]}-*"):
            shutil.rmtree(build, ignore_errors=True)


def bisect_both(case, repo: Path, revisions: list[str], culprit: str, variant: str) -> int:
    fix = revisions[-1]
    searches = (
        ("appears", ["--good", revisions[0], "--bad", revisions[-2]], culprit, revisions[1:-1]),
        (
            "is gone again (fixed)",
            ["--fixed", "--bad", culprit, "--good", fix],
            fix,
            revisions[revisions.index(culprit) + 1 :],
        ),
    )
    all_right = True
    for label, range_args, answer, candidates in searches:
        command = [
            str(Path(sys.executable).with_name("tandem")),
            "bisect",
            str(case.path),
            "--source",
            str(repo),
            *range_args,
            "--variant",
            variant,
            "--oracle",
            "ft",
            "-n",
            "2",
        ]
        started = time.monotonic()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        elapsed = time.monotonic() - started
        print(f"$ tandem {' '.join(command[2:])}")
        print(done.stdout.rstrip())
        tested = [line for line in done.stderr.splitlines() if line.startswith("testing ")]
        builds = [line for line in done.stderr.splitlines() if ": configure (" in line]
        right = f"first build where it {label}: {answer}" in done.stdout
        all_right = all_right and right
        print(
            f"  exit {done.returncode}; {len(tested)} of {len(candidates)} candidate revisions tested, "
            f"{len(builds)} built now (others cached), {elapsed:.0f}s in all; answer "
            f"{'right' if right else 'WRONG'}"
        )
        if not right:
            print(done.stderr[-3000:])
    return 0 if all_right else 1


if __name__ == "__main__":
    sys.exit(main())
