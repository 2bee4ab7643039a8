"""The campaign directory on disk: one module owns its layout, typed and versioned.

  campaign.json    what was asked (CampaignInfo), written once
  state.json       counters to resume from (fuzz/campaign.py's CampaignState), atomic
  stats.jsonl      one record every few seconds (runs, rate, buckets, coverage)
  queue/           scenarios that reached a new outcome (mutated alongside fresh work)
  findings/<id>/   a bucket per signature id: bucket.json (Bucket), verdict.json, the
                   smallest reproducer as a corpus case, native.txt (gdb), and
                   minimized.py when the campaign minimized it, bisect.json when
                   `tandem bisect` ran on its case
  unconfirmed/<id>/  the same for divergences no re-run showed again
The campaign writes through this module; triage, report and the HTML page read through it.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from . import store
from .errors import CorpusError, TandemError
from .model import Bucket, Verdict, to_jsonable

LAYOUT_VERSION = 2  # 2: bucket runs/hits/status, unconfirmed/<id>/ buckets
FINDINGS = "findings"
UNCONFIRMED = "unconfirmed"
QUEUE = "queue"
MINIMIZED = "minimized.py"


@dataclasses.dataclass(frozen=True)
class CampaignInfo:
    """campaign.json: the interpreters a campaign ran (names, paths, versions) and what
    it was asked."""

    target: str
    target_path: str
    target_version: str
    oracle: str
    oracle_path: str
    oracle_version: str
    families: tuple[str, ...] = ()
    seed: int = 0
    target_description: str = ""
    oracle_description: str = ""
    layout: int = LAYOUT_VERSION

    def to_json(self) -> dict[str, Any]:
        return dict(dataclasses.asdict(self), families=list(self.families))

    @staticmethod
    def from_json(data: dict[str, Any], where: str = "campaign.json") -> CampaignInfo:
        if int(data.get("layout", 1)) > LAYOUT_VERSION:
            raise TandemError(
                f"{where}: campaign layout {data.get('layout')} is newer than this tandem "
                f"understands ({LAYOUT_VERSION})"
            )
        try:
            return CampaignInfo(
                target=data["target"],
                target_path=data.get("target_path", ""),
                target_version=data.get("target_version", ""),
                oracle=data["oracle"],
                oracle_path=data.get("oracle_path", ""),
                oracle_version=data.get("oracle_version", ""),
                families=tuple(data.get("families", ())),
                seed=int(data.get("seed", 0)),
                target_description=data.get("target_description", ""),
                oracle_description=data.get("oracle_description", ""),
                layout=int(data.get("layout", 1)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TandemError(f"{where}: malformed ({exc})") from None


def is_campaign(directory: Path) -> bool:
    return (Path(directory) / "campaign.json").is_file()


def read_info(campaign: Path) -> CampaignInfo:
    path = Path(campaign) / "campaign.json"
    try:
        return CampaignInfo.from_json(json.loads(path.read_text()), str(path))
    except FileNotFoundError:
        raise TandemError(f"{campaign} is not a campaign directory (no campaign.json)") from None
    except ValueError as exc:
        raise TandemError(f"{path}: not valid JSON ({exc})") from None


def write_info(campaign: Path, info: CampaignInfo) -> None:
    store.atomic_write_text(Path(campaign) / "campaign.json", json.dumps(info.to_json(), indent=2) + "\n")


def read_state(campaign: Path) -> dict[str, Any] | None:
    path = Path(campaign) / "state.json"
    return json.loads(path.read_text()) if path.exists() else None


def write_state(campaign: Path, data: dict[str, Any]) -> None:
    store.atomic_write_text(Path(campaign) / "state.json", json.dumps(data) + "\n")


def append_stats(campaign: Path, record: dict[str, Any]) -> None:
    with open(Path(campaign) / "stats.jsonl", "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")


def read_stats(campaign: Path) -> list[dict[str, Any]]:
    """The stats records; a line cut by a kill is skipped."""
    path = Path(campaign) / "stats.jsonl"
    records = []
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
    return records


def bucket_dir(campaign: Path, identifier: str, confirmed: bool = True) -> Path:
    return Path(campaign) / (FINDINGS if confirmed else UNCONFIRMED) / identifier


_BUCKET_FIELDS = {f.name for f in dataclasses.fields(Bucket)} - {"path", "campaign"}


def bucket_from_json(data: dict[str, Any], directory: Path, campaign: Path | None = None) -> Bucket:
    """A bucket.json of any layout: layout 1 had a rate and no runs/hits."""
    data = dict(data)
    if "runs" not in data:  # layout 1: the rate of the first confirmation, over an unknown count
        data["runs"], data["hits"] = 1, 1 if data.get("reproduction_rate", 0) else 0
    if "identifier" not in data:
        data["identifier"] = directory.name
    known = {k: v for k, v in data.items() if k in _BUCKET_FIELDS}
    return Bucket(**known, path=str(directory), campaign=str(campaign or directory.parent.parent))


def bucket_to_json(bucket: Bucket) -> dict[str, Any]:
    data = {k: v for k, v in dataclasses.asdict(bucket).items() if k in _BUCKET_FIELDS}
    data["reproduction_rate"] = bucket.reproduction_rate
    data["layout"] = LAYOUT_VERSION
    return data


def write_bucket(bucket: Bucket) -> None:
    store.atomic_write_text(Path(bucket.path) / "bucket.json", json.dumps(bucket_to_json(bucket), indent=2) + "\n")


def load_buckets(campaign: Path, unconfirmed: bool = True) -> list[Bucket]:
    """Every bucket of a campaign directory (findings/, and unconfirmed/ unless told
    not to), or of a findings/ directory given directly."""
    campaign = Path(campaign)
    roots = [campaign / FINDINGS] + ([campaign / UNCONFIRMED] if unconfirmed else [])
    if not (campaign / FINDINGS).is_dir():
        if not campaign.is_dir() or not any(campaign.glob("*/bucket.json")):
            raise CorpusError(f"{campaign}: no findings directory")
        roots, campaign = [campaign], campaign.parent
    buckets = []
    for root in roots:
        for meta in sorted(root.glob("*/bucket.json")):
            try:
                data = json.loads(meta.read_text())
                buckets.append(bucket_from_json(data, meta.parent, campaign))
            except (ValueError, TypeError) as exc:
                raise CorpusError(f"{meta}: not a bucket ({exc})") from None
    return buckets


def write_queued(campaign: Path, identifier: str, scenario_json: str) -> None:
    store.atomic_write_text(Path(campaign) / QUEUE / f"{identifier}.json", scenario_json + "\n")


def write_evidence(directory: Path, verdict: Verdict, backtrace: str = "") -> None:
    """A bucket's verdict.json (the verdict of its smallest reproducer) and native.txt
    (gdb's backtrace of the crashing thread), for the report."""
    store.atomic_write_text(Path(directory) / "verdict.json", json.dumps(to_jsonable(verdict), indent=1) + "\n")
    if backtrace:
        store.atomic_write_text(Path(directory) / "native.txt", backtrace + "\n")


def write_minimized(directory: Path, reproducer: str) -> str:
    """The bucket's minimized reproducer, next to its original case; its file name."""
    store.atomic_write_text(Path(directory) / MINIMIZED, reproducer)
    return MINIMIZED


def read_bucket(directory: Path) -> Bucket | None:
    """The bucket a directory holds (a finding's case lives in it), or None."""
    directory = Path(directory)
    try:
        data = json.loads((directory / "bucket.json").read_text())
    except (OSError, ValueError):
        return None
    return bucket_from_json(data, directory, directory.parent.parent)


def read_native(directory: Path) -> str:
    try:
        return (Path(directory) / "native.txt").read_text().strip()
    except OSError:
        return ""


SANITIZER = "sanitizer.txt"


def write_sanitizer(directory: Path, text: str) -> None:
    """A sanitizer bucket's report: its stacks (the two racing accesses, allocation and
    thread creations; or access, free and allocation), for the live table and the report."""
    store.atomic_write_text(Path(directory) / SANITIZER, text.rstrip("\n") + "\n")


def read_sanitizer(directory: Path) -> str:
    try:
        return (Path(directory) / SANITIZER).read_text().strip()
    except OSError:
        return ""


def read_verdict(directory: Path) -> dict[str, Any] | None:
    try:
        return json.loads((Path(directory) / "verdict.json").read_text())
    except (OSError, ValueError):
        return None


def write_bisect(directory: Path, result: dict[str, Any]) -> None:
    """What `tandem bisect` found for a bucket's case (first bad, first fixed, steps)."""
    store.atomic_write_text(Path(directory) / "bisect.json", json.dumps(result, indent=2) + "\n")


def read_bisect(directory: Path) -> dict[str, Any] | None:
    try:
        return json.loads((Path(directory) / "bisect.json").read_text())
    except (OSError, ValueError):
        return None
