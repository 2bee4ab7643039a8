"""Pure compare(target, oracle) -> Verdict, and the human-readable form of a verdict.

Precedence, most severe first: a process that did not finish on its own (assertion,
fatal error, crash, hang), a failed invariant, both sides rejecting the program the same
way (invalid case), then divergent exceptions, results and unraisable events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from . import sanitizer_report
from .model import Difference, Kind, Observation, Side, Unraisable, Verdict
from .rates import describe_rate

CLIP = 300


def _clip(text: str, limit: int = CLIP) -> str:
    text = str(text)
    return text if len(text) <= limit else text[:limit] + f"...[{len(text) - limit} more]"


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def same_minor(target: Observation, oracle: Observation) -> bool:
    return _minor(target.version) == _minor(oracle.version)


def _unraisable_key(event: Unraisable, exact: bool) -> tuple[str, ...]:
    if exact:
        return (event.exc_type, event.exc_message, event.text)
    return (event.exc_type, event.exc_message, event.canonical)


def _multiset_difference(target: Iterable, oracle: Iterable) -> tuple[Counter, Counter]:
    t, o = Counter(target), Counter(oracle)
    return t - o, o - t


def _describe_exception(exception: tuple[str, str] | None) -> str:
    return "none" if exception is None else _clip(f"{exception[0]}: {exception[1]}")


def _process_verdict(target: Observation, oracle: Observation) -> Verdict | None:
    crashes = [obs.crash for obs in (target, oracle) if obs.crash is not None]
    if not crashes:
        return None
    kind = min((crash.kind for crash in crashes), key=lambda k: k.severity)
    side = Side.of(target.crash is not None, oracle.crash is not None)
    headline = crashes[0].headline  # the target's, if it crashed
    differences = (Difference("process", _crash_text(target), _crash_text(oracle)),)
    return Verdict(kind, side, f"{kind.value} on {side.value}: {_clip(headline, 160)}", differences, target, oracle)


def _crash_text(observation: Observation) -> str:
    if observation.crash is None:
        return f"finished, exit status {observation.exit_code}"
    text = observation.crash.headline
    if observation.crash.native_frames:
        text += " | native: " + ", ".join(observation.crash.native_frames[:3])
    if observation.crash.python_frames:
        text += " | top frames: " + ", ".join(observation.crash.python_frames[:3])
    return text


def _sanitizer_verdict(target: Observation, oracle: Observation, kind: Kind) -> Verdict | None:
    """A memory error or a race not in the known-races list, on either side.  Every report
    of the run is listed in the differences, the first one heads the summary."""
    races = kind is Kind.DATA_RACE
    found_target = sanitizer_report.unknown(target.sanitizer_reports, races)
    found_oracle = sanitizer_report.unknown(oracle.sanitizer_reports, races)
    if not found_target and not found_oracle:
        return None
    side = Side.of(bool(found_target), bool(found_oracle))
    reports = found_target or found_oracle
    known = sum(1 for o in (target, oracle) for r in o.sanitizer_reports if r.known)
    more = f" (+{len(reports) - 1} more)" if len(reports) > 1 else ""
    summary = f"{kind.value} on {side.value}: {_clip(reports[0].identity(), 200)}{more}" + (
        f"; {known} known race(s) labelled" if known else ""
    )
    differences = tuple(
        Difference(
            f"{kind.value} {index + 1}/{len(reports)}: {_clip(report.identity(), 200)}",
            report.describe() if report in found_target else "not reported",
            report.describe() if report in found_oracle else "not reported",
        )
        for index, report in enumerate(found_target + [r for r in found_oracle if r not in found_target])
    )
    return Verdict(kind, side, summary, differences, target, oracle)


def compare(target: Observation, oracle: Observation) -> Verdict:
    """Judge one pair of observations of the same case."""
    verdict = _sanitizer_verdict(target, oracle, Kind.MEMORY_ERROR) or _process_verdict(target, oracle)
    if verdict is not None:
        return verdict
    verdict = _sanitizer_verdict(target, oracle, Kind.DATA_RACE)
    if verdict is not None:
        return verdict

    if target.violations or oracle.violations:
        side = Side.of(bool(target.violations), bool(oracle.violations))
        check_differences = tuple(
            Difference(f"check {label!r}", _violation_text(target, label), _violation_text(oracle, label))
            for label in sorted({v[0] for v in target.violations + oracle.violations})
        )
        first = (target.violations or oracle.violations)[0]
        return Verdict(
            Kind.INVARIANT_VIOLATION,
            side,
            f"invariant violated on {side.value}: {_clip(first[0], 120)} ({first[1]} failure(s))",
            check_differences,
            target,
            oracle,
        )

    if target.exception is not None and target.exception == oracle.exception:
        return Verdict(
            Kind.INVALID_CASE,
            Side.BOTH,
            f"both sides reject the program: {_describe_exception(target.exception)}",
            (),
            target,
            oracle,
        )

    differences = []
    if target.exception != oracle.exception:
        differences.append(
            Difference(
                "uncaught exception", _describe_exception(target.exception), _describe_exception(oracle.exception)
            )
        )
    only_target, only_oracle = _multiset_difference(target.thread_exceptions, oracle.thread_exceptions)
    if only_target or only_oracle:
        differences.append(
            Difference(
                "thread exceptions",
                _clip("; ".join(f"{n}x {t}: {m}" for (t, m), n in sorted(only_target.items())) or "none extra"),
                _clip("; ".join(f"{n}x {t}: {m}" for (t, m), n in sorted(only_oracle.items())) or "none extra"),
            )
        )
    if differences:
        target_extra = (target.exception is not None and oracle.exception is None) or bool(only_target)
        oracle_extra = (oracle.exception is not None and target.exception is None) or bool(only_oracle)
        side = Side.of(target_extra, oracle_extra) if (target_extra != oracle_extra) else Side.TARGET
        return Verdict(
            Kind.EXCEPTION_DIVERGENCE,
            side,
            f"exceptions differ: {differences[0].what}",
            tuple(differences),
            target,
            oracle,
        )

    differences = _result_differences(target, oracle)
    if differences:
        return Verdict(
            Kind.RESULT_DIVERGENCE,
            Side.TARGET,
            f"results differ: {', '.join(d.what for d in differences[:3])}",
            tuple(differences),
            target,
            oracle,
        )

    exact = same_minor(target, oracle)
    only_target, only_oracle = _multiset_difference(
        (_unraisable_key(e, exact) for e in target.unraisable), (_unraisable_key(e, exact) for e in oracle.unraisable)
    )
    if only_target or only_oracle:

        def show(counter: Counter) -> str:
            return _clip(" || ".join(f"{n}x {key[-1]}" for key, n in sorted(counter.items())) or "none extra", 600)

        rule = "exact text" if exact else "canonical wording (cross-version)"
        return Verdict(
            Kind.UNRAISABLE_DIVERGENCE,
            Side.TARGET,
            f"unraisable events differ ({rule})",
            (Difference("unraisable", show(only_target), show(only_oracle)),),
            target,
            oracle,
        )

    return Verdict(Kind.AGREE, Side.NONE, "agree", (), target, oracle)


def _violation_text(observation: Observation, label: str) -> str:
    for name, count, detail in observation.violations:
        if name == label:
            return _clip(f"{count} failure(s); first: {detail}" if detail else f"{count} failure(s)")
    return "held"


def _result_differences(target: Observation, oracle: Observation) -> list[Difference]:
    differences = []
    target_results, oracle_results = dict(target.results), dict(oracle.results)
    for key in sorted(set(target_results) | set(oracle_results)):
        t, o = target_results.get(key), oracle_results.get(key)
        if t != o:
            differences.append(Difference(f"result {key!r}", _show_values(t), _show_values(o)))
    if target.exit_code != oracle.exit_code:
        differences.append(Difference("exit status", str(target.exit_code), str(oracle.exit_code)))
    if target.stdout != oracle.stdout:
        differences.append(
            Difference(
                "stdout",
                _first_difference(target.stdout, oracle.stdout),
                _first_difference(oracle.stdout, target.stdout),
            )
        )
    return differences


def _show_values(values: tuple[str, ...] | None) -> str:
    if values is None:
        return "(not emitted)"
    return _clip(values[0] if len(values) == 1 else "[" + ", ".join(values) + "]")


def _first_difference(mine: str, theirs: str) -> str:
    """The region of `mine` around the first character where it departs from `theirs`."""
    index = next((i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b), min(len(mine), len(theirs)))
    start = max(0, index - 40)
    return f"@{index}: {mine[start : index + 80]!r}"


def format_verdict(verdict: Verdict, target_name: str = "target", oracle_name: str = "oracle") -> str:
    """The human-readable form: headline, then what each side did where they differ."""
    lines = [f"verdict: {verdict.kind.value} (side: {verdict.side.value})", f"  {verdict.summary}"]
    if verdict.runs > 1:
        lines.append(
            f"  reproduced {describe_rate(verdict.reproductions, verdict.runs)}"
            + (": flaky, no re-run showed it again" if verdict.flaky else "")
        )
    elif verdict.deadlock:
        lines.append("  confirmed by its stacks (every thread waiting), not re-run")
    width = max(len(target_name), len(oracle_name))
    for difference in verdict.differences:
        lines.append(f"  - {difference.what}")
        lines.append(f"      {target_name:<{width}}: {difference.target}")
        lines.append(f"      {oracle_name:<{width}}: {difference.oracle}")
    for label, observation in ((target_name, verdict.target), (oracle_name, verdict.oracle)):
        if observation is not None and observation.crash is not None and observation.stderr_tail:
            lines.append(f"  {label} stderr (tail):")
            lines.extend("    " + line for line in observation.stderr_tail.rstrip().splitlines()[-25:])
    return "\n".join(lines)
