"""The end of a session: each new findings bucket minimized to the same signature at no
less than half its rate, as a work item where the interpreters are."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from tandem.oracle import campaign_dir, sanitizers, store
from tandem.oracle.errors import TandemError
from tandem.oracle.judge import adapted
from tandem.oracle.model import Bucket, Case
from tandem.oracle.rates import describe_rate
from tandem.oracle.signature import native_frames_named, telling_frames

from .backends import backend, call_once
from .work import CallItem


def _where_interpreters_are(campaign, function, *args):
    """`function(*args)` run as a work item where the interpreters are: on the cluster
    with --scheduler, else here (the minimizer runs its own candidates in parallel)."""
    if not campaign.config.scheduler:
        return function(*args)
    pool = backend(campaign.setup, campaign.config.jobs, campaign.config.scheduler)
    try:
        outcome = call_once(pool, CallItem(next(campaign._numbers), function, args))
    finally:
        pool.close()
    if outcome.failure:
        raise TandemError(f"{outcome.message} (on {outcome.where})")
    return outcome.result


def minimize_new_buckets(campaign, say: Callable[[str], None] = lambda _: None) -> list[str]:
    """Each findings bucket this session made, minimized to the same signature at no
    less than half its rate; the reproducer (bare-runnable) is kept as minimized.py
    next to the original case.  A bucket seen once (flaky) is re-run first to measure
    its rate (triage.minimize.minimize_sighting); those runs count in the bucket, and
    one that shows again becomes confirmed.  One line per bucket for the closing note."""
    notes: list[str] = []
    if campaign.minimizer is None:
        return notes
    for identifier in campaign.new_buckets:
        bucket = campaign.buckets[identifier]
        if not bucket.smallest:
            notes.append(f"{identifier}: not minimized: no case kept")
            continue
        case = store.load_case(Path(bucket.path) / f"{bucket.smallest}.json")
        original = describe_rate(bucket.hits, bucket.runs)
        say(
            f"minimizing {identifier} ({bucket.smallest_lines} lines, seen {original}, "
            f"from {campaign.config.minimize_seconds:.0f}s)"
        )
        # candidates run under a deadline adapted to the time the sighting took
        seen = [
            o.get("duration", 0.0)
            for o in ((campaign_dir.read_verdict(Path(bucket.path)) or {}).get(side) for side in ("target", "oracle"))
            if o and o.get("outcome") != "hang"
        ]
        limits = adapted(campaign.config.limits, max(seen) if seen else None, campaign.slowdown.ratio)
        try:
            result = _where_interpreters_are(
                campaign,
                campaign.minimizer,
                case.source,
                case.scenario,
                bucket.signature,
                bucket.hits,
                bucket.runs,
                campaign.config.minimize_seconds,
                limits,
            )
        except TandemError as exc:
            campaign.errors.append(f"minimizing {identifier}: {exc}")
            notes.append(f"{identifier}: not minimized: {exc}")
            continue
        if result.rerun is not None:
            bucket = campaign.buckets[identifier]
            hits, runs = bucket.hits + result.rerun.hits, bucket.runs + result.rerun.runs
            bucket = dataclasses.replace(
                bucket, hits=hits, runs=runs, status="confirmed" if hits > 1 else bucket.status
            )
            campaign.sink.replace(bucket)
            if not result.rerun.hits:
                notes.append(
                    f"{identifier}: not minimized: seen once, then in none of {result.rerun.runs} "
                    f"re-runs ({describe_rate(bucket.hits, bucket.runs)}); the original "
                    f"({result.lines_before} lines) is the reproducer"
                )
                continue
        rate = describe_rate(bucket.hits, bucket.runs)
        if result.source == case.source:
            notes.append(
                f"{identifier}: not minimized: no smaller program kept the signature at half the rate "
                f"({rate}) within {result.seconds:.0f}s ({result.predicate_calls} runs)"
            )
            continue
        header = (
            f"tandem minimized reproducer of bucket {identifier}\nsignature: {bucket.signature}\n"
            f"reproduction rate: {result.rate:.0%} on {campaign.config.target.name} vs "
            f"{campaign.config.oracle.name} (original {rate})\n"
            f"lines: {result.lines_before} -> {result.lines_after}"
        )
        target = campaign.config.target
        run = sanitizers.standalone_run(target.sanitizer, target.path) if target.sanitizer else None
        name = campaign_dir.write_minimized(
            Path(bucket.path), store.reproducer(result.source, header, campaign_dir.MINIMIZED, run)
        )
        bucket = dataclasses.replace(
            campaign.buckets[identifier], minimized=name, minimized_lines=result.lines_after, minimized_rate=result.rate
        )
        campaign.sink.replace(bucket)
        notes.append(
            f"{identifier}: minimized {result.lines_before} -> {result.lines_after} lines in "
            f"{result.seconds:.0f}s, rate {result.rate:.0%} (original {rate}): "
            f"{Path(bucket.path) / name}" + _other_c_frames(campaign, bucket, result.source)
        )
    return notes


def _other_c_frames(campaign, bucket: Bucket, source: str) -> str:
    """A crash bucket named by gdb's C frames was minimized against plain runs, which
    match on kind, side and signal (signature.matches): one gdb run of the result says
    whether it still crashes there.  '' when it does (or cannot be told)."""
    named = native_frames_named(bucket.signature)
    native = campaign.setup.native
    if not named or native is None:
        return ""
    interpreter = campaign.config.oracle if bucket.side == "oracle" else campaign.config.target
    try:
        trace = _where_interpreters_are(
            campaign, native, Case(source=source), interpreter, campaign.config.limits, campaign.config.native_tries
        )
    except TandemError as exc:
        return f" (gdb could not check its C frames: {exc})"
    frames = telling_frames(tuple(getattr(trace, "frames", None) or ()))[: len(named)]
    if not frames or frames == named:
        return ""
    return f" (gdb names other C frames for it: {'|'.join(frames)})"
