"""Continuous fuzzing: a coordinator that owns the campaign and executors that run work.

    coordinator.py  the loop: state, scheduling, buckets, every write (Campaign)
    scheduler.py    what to run next, feedback and the mutation queue
    work.py         executors: work item -> judged outcome (pure; own fork servers)
    backends.py     where executors run: a local process pool or Dask distributed
    sink.py         confirmed sightings -> buckets in findings/ and unconfirmed/
    minimizing.py   the new buckets minimized at the end, as work items
    state.py        configuration and the resumable state; stats.py its figures

The directory's layout is oracle/campaign_dir.py's (campaign.json, state.json,
stats.jsonl, queue/, findings/<id>/, unconfirmed/<id>/).
"""

from .coordinator import Campaign
from .state import (
    ALWAYS_KEPT,
    PROGRAMS,
    CampaignConfig,
    CampaignState,
    Program,
    load_programs,
)
from .work import features_of

__all__ = [
    "ALWAYS_KEPT",
    "PROGRAMS",
    "Campaign",
    "CampaignConfig",
    "CampaignState",
    "Program",
    "features_of",
    "load_programs",
]
