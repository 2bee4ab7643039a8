"""Where confirmed sightings become buckets: status, signature, keep, write.

A crash, assertion or fatal error is always a bucket in findings/ (flaky when no re-run
showed it again); a hang or divergence that showed again is a bucket there too; one that
did not is a bucket in unconfirmed/, counted in the summary and the exit status, never
dropped.  Buckets add up the runs and hits of every sighting.  Every write goes through
oracle/campaign_dir.py, atomically, the moment it is decided; only the coordinator
calls this (one thread: two executors on one bug make one bucket).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

from tandem.oracle import campaign_dir, store
from tandem.oracle.model import Bucket, Case, Finding, Signature, Verdict
from tandem.oracle.signature import sanitizer_report_of

from .state import ALWAYS_KEPT, PROGRAMS, CampaignState, Program


def status_of(verdict: Verdict) -> str:
    """A confirmed verdict's status: "confirmed" (a re-run showed it again, or a deadlock
    its stacks proved), "flaky" (a crash kind no re-run showed) or "unconfirmed"."""
    if verdict.reproductions > 1 or verdict.deadlock:
        return "confirmed"
    return "flaky" if verdict.kind in ALWAYS_KEPT else "unconfirmed"


@dataclasses.dataclass(frozen=True)
class Sighting:
    """A confirmed verdict on its way to a bucket, with where it came from."""

    case: Case
    verdict: Verdict
    family: str
    where: str  # "program NAME" or "FAMILY, seed N", for the case's origin
    backtrace: str = ""
    signature: str = ""  # set for the further sanitizer reports of one run (else: the verdict's)
    status: str = ""  # set with `signature` (else: status_of the verdict)


class FindingSink:
    def __init__(
        self, out: Path, state: CampaignState, signature: Callable[[Verdict], str], signature_id: Callable[[str], str]
    ):
        self.out, self.state = out, state
        self.signature, self.signature_id = signature, signature_id
        self.buckets: dict[str, Bucket] = {}  # findings/: confirmed and flaky
        self.unconfirmed: dict[str, Bucket] = {}  # unconfirmed/
        self.new_buckets: list[str] = []  # findings buckets this session made, in order

    def load(self) -> None:
        """The buckets of a resumed campaign."""
        for bucket in campaign_dir.load_buckets(self.out) if (self.out / campaign_dir.FINDINGS).is_dir() else ():
            kept = self.unconfirmed if bucket.status == "unconfirmed" else self.buckets
            kept[bucket.identifier] = bucket

    @staticmethod
    def origin(item) -> tuple[str, str]:
        """(family, where) of a run item's program, for buckets and case origins."""
        program: Program | None = item.program
        if program is not None:
            return PROGRAMS, f"program {program.name}"
        return item.family, f"{item.family}, seed {item.seed}"

    def keep(self, sighting: Sighting) -> Bucket:
        verdict = sighting.verdict
        status = sighting.status or status_of(verdict)
        finding = Finding(sighting.case, verdict, Signature(sighting.signature or self.signature(verdict)), status)
        case, text = finding.case, finding.signature.text
        identifier = self.signature_id(text)
        unconfirmed = status == "unconfirmed"
        directory = campaign_dir.bucket_dir(self.out, identifier, confirmed=not unconfirmed)
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        lines = case.source.count("\n")
        kept = self.unconfirmed if unconfirmed else self.buckets
        if unconfirmed:
            self.state.unconfirmed += 1
        else:
            self.state.hits[verdict.kind.value] += 1
        bucket = kept.get(identifier)
        if bucket is None:
            if not unconfirmed:
                self.state.findings[verdict.kind.value] += 1
                self.new_buckets.append(identifier)
            bucket = Bucket(
                identifier,
                text,
                verdict.kind.value,
                verdict.side.value,
                0,
                now,
                status=status,
                family=sighting.family,
                first_seen_run=self.state.runs,
                path=str(directory),
                campaign=str(self.out),
            )
        runs, hits = bucket.runs + verdict.runs, bucket.hits + verdict.reproductions
        if "confirmed" in (status, bucket.status) or (status == "flaky" and hits > 1):
            status = "confirmed"  # this or another sighting showed it again
        bucket = dataclasses.replace(bucket, count=bucket.count + 1, last_seen=now, runs=runs, hits=hits, status=status)
        if bucket.smallest_lines is None or lines < bucket.smallest_lines:
            previous = bucket.smallest
            expect = store.Expectation(verdict.kind, verdict.side, min_rate=0.0)
            stored = store.add_case(
                directory,
                case.source,
                expect=expect,
                signature=text,
                origin=f"tandem fuzz {self.out} ({sighting.where})",
                description=verdict.summary,
                tags=[sighting.family, verdict.kind.value],
                scenario=case.scenario,
            )
            campaign_dir.write_evidence(directory, verdict, sighting.backtrace)
            report = sanitizer_report_of(verdict, text)
            if report is not None:  # the racing stacks (or access, allocation and free)
                campaign_dir.write_sanitizer(directory, report.describe())
            if previous and previous != stored.id:
                store.remove_case(directory / f"{previous}.json")
            bucket = dataclasses.replace(bucket, smallest=stored.id, smallest_lines=lines)
        kept[identifier] = bucket
        campaign_dir.write_bucket(bucket)
        return bucket

    def replace(self, bucket: Bucket) -> None:
        """A findings bucket changed after the fact (minimized): kept and written."""
        self.buckets[bucket.identifier] = bucket
        campaign_dir.write_bucket(bucket)
