"""Replay stored cases and check each against its expected verdict.

A case expecting `agree` passes when every run agrees; a case expecting a finding
passes when its signature (the one matching rule of oracle/reproduce.py; for a case
that records none, the first finding's, which must then be of the expected kind and
side) is reproduced at no less than its minimum rate.  On a target covered by one of the case's known failures, that failure's kind is
accepted too (reported as "known").  Cases run in parallel (threads driving
subprocesses), each on a fresh executor run.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from .diff import format_verdict
from .errors import CorpusError
from .model import Case, Interpreter, Kind, Limits
from .reproduce import Pair, reproduce
from .signature import signature
from .store import CorpusCase, iter_cases


@dataclasses.dataclass(frozen=True)
class ReplayResult:
    case_id: str
    path: str
    tags: tuple[str, ...]
    target: str
    expected: str
    status: str  # "pass", "known", "fail", "error"
    observed: str  # e.g. "agree 3/3", "crash (target) 2/3"
    seconds: float
    detail: str = ""  # the readable diff when it failed, or the error

    @property
    def ok(self) -> bool:
        return self.status in ("pass", "known")


def replay_case(case: CorpusCase, target: Interpreter, oracle: Interpreter, limits: Limits, runs: int) -> ReplayResult:
    import time

    started = time.monotonic()
    program = Case(source=case.source, name=f"{case.id}.py", scenario=case.scenario, meta=(("origin", case.origin),))
    expect = case.expect
    found = reproduce(
        program,
        Pair(target, oracle),
        runs,
        expected=case.signature or None if expect.kind is not Kind.AGREE else None,
        limits=limits,
    )
    verdicts = found.verdicts
    if expect.kind is Kind.AGREE:
        hits = sum(v.kind is Kind.AGREE for v in verdicts)
    else:
        wanted = f"{expect.kind.value}|" + (f"{expect.side.value}|" if expect.side else "")
        hits = found.hits if (found.signature + "|").startswith(wanted) else 0
    known = [
        k
        for k in case.known_failures
        if k.matches(target.version, target.free_threaded, target.debug, target.sanitizer)
    ]
    passed = hits == runs if expect.kind is Kind.AGREE else hits > 0 and hits / runs >= expect.min_rate
    status = "pass" if passed else "fail"
    if not passed and known:
        allowed = {Kind.AGREE if expect.kind is Kind.AGREE else expect.kind} | {k.kind for k in known}
        if all(v.kind in allowed for v in verdicts):
            status = "known"
    observed = ", ".join(f"{label} {count}/{runs}" for label, count in found.kinds().items())
    detail = ""
    if status == "fail":
        if expect.kind is Kind.AGREE:
            worst = next(v for v in verdicts if v.kind is not Kind.AGREE)
        else:
            worst = next((v for v in verdicts if signature(v) != found.signature), verdicts[0])
        detail = format_verdict(worst, target.name, oracle.name)
    elif status == "known":
        detail = "; ".join(k.note for k in known if k.note)
    expected = expect.kind.value + (f" ({expect.side.value})" if expect.side else "")
    return ReplayResult(
        case.id,
        str(case.path or case.origin),
        case.tags,
        target.name,
        expected,
        status,
        observed,
        time.monotonic() - started,
        detail,
    )


def replay(
    paths: Iterable[Path],
    targets: list[Interpreter],
    oracle: Interpreter,
    limits: Limits = Limits(),
    runs: int = 1,
    jobs: int = 2,
) -> list[ReplayResult]:
    """Every case under `paths` on every target; malformed files become error results."""
    loaded = list(iter_cases(paths))
    results: list[ReplayResult] = []
    work: list[tuple[CorpusCase, Interpreter]] = []
    for item in loaded:
        if isinstance(item, CorpusError):
            path = str(item).split(":", 1)[0]
            results.append(ReplayResult(Path(path).stem, path, (), "-", "-", "error", "-", 0.0, str(item)))
            continue
        work.extend((item, target) for target in targets)
    with concurrent.futures.ThreadPoolExecutor(max(1, jobs)) as pool:
        results.extend(pool.map(lambda job: replay_case(job[0], job[1], oracle, limits, runs), work))
    return results


def junit_xml(results: list[ReplayResult], name: str = "tandem-replay") -> str:
    failures = sum(r.status == "fail" for r in results)
    errors = sum(r.status == "error" for r in results)
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<testsuite name={quoteattr(name)} tests="{len(results)}" failures="{failures}" '
        f'errors="{errors}" time="{sum(r.seconds for r in results):.3f}">',
    ]
    for result in results:
        test_name = result.case_id + (f"[{','.join(result.tags)}]" if result.tags else "")
        lines.append(
            f"  <testcase classname={quoteattr('corpus.' + result.target)} name={quoteattr(test_name)} "
            f'time="{result.seconds:.3f}">'
        )
        if result.status == "fail":
            lines.append(
                f"    <failure message={quoteattr(f'expected {result.expected}, got {result.observed}')}>"
                f"{escape(result.detail)}</failure>"
            )
        elif result.status == "error":
            lines.append(f"    <error message={quoteattr(result.detail[:200])}>{escape(result.detail)}</error>")
        elif result.status == "known":
            lines.append(f"    <system-out>{escape('known failure: ' + result.detail)}</system-out>")
        lines.append("  </testcase>")
    lines.append("</testsuite>")
    return "\n".join(lines) + "\n"
