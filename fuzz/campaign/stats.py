"""The campaign's figures: the stats.jsonl record and the numbers of the live table."""

from __future__ import annotations

import time

STATS_EVERY = 5.0  # seconds between stats.jsonl records and state.json checkpoints


def stats_record(campaign) -> dict:
    """One line of stats.jsonl (and what the live table shows) for a Campaign."""
    state, elapsed = campaign.state, campaign.elapsed
    buckets = campaign.buckets
    return {
        "time": time.time(),
        "elapsed": round(elapsed, 2),
        "runs": state.runs,
        "runs_per_second": round(state.runs / max(elapsed, 1e-9), 3) if state.runs else 0.0,
        "per_family": dict(state.per_family),
        "verdicts": dict(state.verdicts),
        "findings": dict(state.findings),
        "buckets": len(buckets),
        "coverage": len(state.features),
        "specializations": len(state.specializations),
        "queue": len(campaign.queue),
        "flaky": sum(b.status == "flaky" for b in buckets.values()),
        "unconfirmed_buckets": len(campaign.unconfirmed),
        "mutated_share": round(campaign.scheduler.mutation_share(), 3),
        "confirmations": state.confirmations,
        "unconfirmed": state.unconfirmed,
        "without_teardown": state.without_teardown,
        "lost": state.lost,
        "in_flight": campaign.in_flight,
        "known_races": sum(state.known_races.values()),
        "slowdown": round(campaign.slowdown.ratio, 2),
        "slowdown_past_startup": round(campaign.slowdown.work_ratio, 2),
    }
