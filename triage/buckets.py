"""Buckets of findings: reading campaigns' buckets, merging several campaigns, and
grouping near duplicates.

Buckets are read through oracle/campaign_dir.py (findings/<id>/ and unconfirmed/<id>/).
`combined()` merges the buckets of several campaign directories (machines, nights) by
signature id: counts, runs and hits add up, the earliest sighting and the smallest
reproducer win, a confirmation anywhere confirms.  Two signatures are near duplicates
when kind and side agree (for a crash, assertion, fatal error, memory error or hang,
`both` agrees with either side) and their evidence is the same set of items in another order,
or one's evidence is a prefix of the other's (a deeper stack of the same crash), or they
differ only in that one has native frames (function@file, from gdb) and the other has
none (the crash did not reproduce under the debugger): `similar()` says so and
`merged()` groups them.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from tandem.oracle.campaign_dir import load_buckets as _load
from tandem.oracle.model import Bucket

STATUS_ORDER = ("confirmed", "flaky", "unconfirmed")


def load_buckets(*campaigns: Path) -> list[Bucket]:
    """Every bucket of the given campaign directories (or findings/ directories), the
    same signature in several of them merged into one."""
    return combined([bucket for campaign in campaigns for bucket in _load(Path(campaign))])


def combined(buckets: list[Bucket]) -> list[Bucket]:
    """One bucket per signature id (and status group: a divergence confirmed in one
    campaign and unconfirmed in another is listed as confirmed)."""
    by_id: dict[str, Bucket] = {}
    for bucket in sorted(buckets, key=lambda b: (b.first_seen, STATUS_ORDER.index(b.status))):
        seen = by_id.get(bucket.identifier)
        if seen is None:
            by_id[bucket.identifier] = bucket
            continue
        smaller = bucket.smallest_lines is not None and (
            seen.smallest_lines is None or bucket.smallest_lines < seen.smallest_lines
        )
        status = min(seen.status, bucket.status, key=STATUS_ORDER.index)
        if status == "flaky" and seen.hits + bucket.hits > 1:
            status = "confirmed"
        smallest = bucket if smaller else seen  # the smaller program is kept
        minimized = seen if seen.minimized is not None else bucket  # the first minimization is kept
        by_id[bucket.identifier] = dataclasses.replace(
            seen,
            count=seen.count + bucket.count,
            runs=seen.runs + bucket.runs,
            hits=seen.hits + bucket.hits,
            status=status,
            last_seen=max(seen.last_seen, bucket.last_seen),
            campaign=seen.campaign if seen.campaign == bucket.campaign else f"{seen.campaign}, {bucket.campaign}",
            smallest=smallest.smallest,
            smallest_lines=smallest.smallest_lines,
            path=smallest.path,
            minimized=minimized.minimized,
            minimized_lines=minimized.minimized_lines,
            minimized_rate=minimized.minimized_rate,
        )
    return list(by_id.values())


# kinds whose evidence names the bug itself: seen on one side in some runs and on both in
# others, it is the same bug (a flaky crash in both builds, a sweep that kills one first)
_SIDE_FREE = frozenset({"crash", "assertion", "fatal_error", "memory_error", "hang"})


def similar(a: str, b: str) -> bool:
    """Same kind and side (or, for a crash, assertion, fatal error, memory error or hang,
    one side `both` and the other target or oracle), and the same evidence up to order
    or depth."""
    left, right = a.split("|"), b.split("|")
    if left[0] != right[0]:
        return False
    sides = {left[1], right[1]} if len(left) > 1 and len(right) > 1 else set()
    if len(sides) > 1 and not (left[0] in _SIDE_FREE and "both" in sides):
        return False
    first, second = left[2:], right[2:]
    if not any("@" in item for item in first) or not any("@" in item for item in second):
        first = [item for item in first if "@" not in item]
        second = [item for item in second if "@" not in item]
    if sorted(first) == sorted(second):
        return True
    shorter, longer = sorted((first, second), key=len)
    return bool(shorter) and longer[: len(shorter)] == shorter


def merged(buckets: list[Bucket]) -> list[list[Bucket]]:
    """Groups of near-duplicate buckets, largest count first within and across groups."""
    groups: list[list[Bucket]] = []
    for bucket in sorted(buckets, key=lambda b: -b.count):
        for group in groups:
            if similar(group[0].signature, bucket.signature):
                group.append(bucket)
                break
        else:
            groups.append([bucket])
    return groups
