"""Buckets of findings: reading a campaign's findings/ and merging near duplicates.

A bucket is a directory findings/<signature id>/ with bucket.json (see fuzz/campaign.py).
Two signatures are near duplicates when kind and side agree and their evidence is the
same set of items in another order, or one's evidence is a prefix of the other's (a
deeper stack of the same crash), or they differ only in that one has native frames
(function@file, from gdb) and the other has none (the crash did not reproduce under the
debugger): `similar()` says so and `merged()` groups them.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from oracle.errors import CorpusError


@dataclasses.dataclass(frozen=True)
class Bucket:
    identifier: str
    signature: str
    kind: str
    side: str
    count: int
    first_seen: str
    reproduction_rate: float
    smallest: str | None
    smallest_lines: int | None
    family: str
    path: Path

    @property
    def evidence(self) -> tuple[str, ...]:
        return tuple(self.signature.split("|")[2:])


def load_buckets(campaign: Path) -> list[Bucket]:
    """Every bucket of a campaign directory (or of a findings/ directory)."""
    root = campaign / "findings" if (campaign / "findings").is_dir() else campaign
    if not root.is_dir():
        raise CorpusError(f"{campaign}: no findings directory")
    buckets = []
    for meta in sorted(root.glob("*/bucket.json")):
        try:
            data = json.loads(meta.read_text())
        except ValueError as exc:
            raise CorpusError(f"{meta}: not valid JSON ({exc})") from None
        buckets.append(Bucket(meta.parent.name, data["signature"], data["kind"], data["side"], data["count"],
                              data["first_seen"], data.get("reproduction_rate", 0.0), data.get("smallest"),
                              data.get("smallest_lines"), data.get("family", ""), meta.parent))
    return buckets


def similar(a: str, b: str) -> bool:
    """Same kind and side, and the same evidence up to order or depth."""
    left, right = a.split("|"), b.split("|")
    if left[:2] != right[:2]:
        return False
    first, second = left[2:], right[2:]
    if not any("@" in item for item in first) or not any("@" in item for item in second):
        first = [item for item in first if "@" not in item]
        second = [item for item in second if "@" not in item]
    if sorted(first) == sorted(second):
        return True
    shorter, longer = sorted((first, second), key=len)
    return bool(shorter) and longer[:len(shorter)] == shorter


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
