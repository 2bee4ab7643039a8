"""What to run next, and what the runs taught: the queue, fresh vs mutated, feedback.

The coordinator's alone (one thread): no locks.  A run item names a fresh scenario by
(family, seed) only; the executor builds it, and the scheduler rebuilds it here when its
outcomes were new and it joins the queue.
"""

from __future__ import annotations

import random
from collections import Counter

from tandem.oracle import campaign_dir
from tandem.oracle.errors import TandemError
from tandem.oracle.model import Kind

from ..family import build
from ..mutate import mutate
from ..scenario import Capabilities, Scenario
from .state import PROGRAMS, CampaignConfig, CampaignState
from .work import RunItem, RunResult


class Scheduler:
    def __init__(self, config: CampaignConfig, state: CampaignState, budget_seed: int, caps: Capabilities):
        self.config, self.state = config, state
        self.budget_seed = budget_seed  # the seed where this session's --runs count starts
        self.caps = caps  # work.campaign_caps: what the executors build with
        self.queue: list[Scenario] = []
        self.teardowns = random.Random(f"{config.seed}:teardown")

    def load_queue(self) -> None:
        for path in sorted((self.config.out / campaign_dir.QUEUE).glob("*.json")):
            try:
                self.queue.append(Scenario.loads(path.read_text()))
            except TandemError:
                continue

    def mutation_share(self) -> float:
        """How much work goes to mutating queued scenarios: what pays, within [0.2, 0.8]."""
        if not self.queue:
            return 0.0
        fresh_yield = (self.state.fresh[1] + 1) / (self.state.fresh[0] + 2)
        mutated_yield = (self.state.mutated[1] + 1) / (self.state.mutated[0] + 2)
        return min(0.8, max(0.2, mutated_yield / (fresh_yield + mutated_yield)))

    def exhausted(self) -> bool:
        """--runs items are all handed out."""
        return self.config.runs is not None and self.state.next_seed - self.budget_seed >= self.config.runs

    def next_item(self, number: int) -> RunItem | None:
        if self.exhausted():
            return None
        config, programs = self.config, self.config.programs
        seed = self.state.next_seed
        self.state.next_seed += 1
        share = config.teardown_share
        teardown = share >= 1.0 or self.teardowns.random() < share  # drawn only when it can be False
        rng = random.Random(f"{config.seed}:{seed}")
        if programs and rng.random() < config.programs_share:
            program = programs[self.state.programs_run % len(programs)]  # in turn: each as often
            self.state.programs_run += 1
            return RunItem(number, PROGRAMS, family=PROGRAMS, seed=seed, program=program, teardown=teardown)
        if self.queue and rng.random() < self.mutation_share():
            parent, other = rng.choice(self.queue), rng.choice(self.queue)
            child = mutate(parent, rng, other)
            return RunItem(
                number, "mutated", family=child.family, seed=child.seed, scenario=child.dumps(), teardown=teardown
            )
        family = config.families[seed % len(config.families)]
        return RunItem(number, "fresh", family=family, seed=seed, teardown=teardown)

    def record(self, item: RunItem, result: RunResult) -> None:
        """Count one judged run and learn from it: a scenario that reached outcomes never
        seen before, with the pair agreeing, is queued for mutation (and written)."""
        state = self.state
        state.runs += 1
        state.without_teardown += result.without_teardown
        state.per_family[item.family] += 1
        state.verdicts[result.kind.value] += 1
        if item.program is not None:
            state.program_verdicts.setdefault(item.program.name, Counter())[result.kind.value] += 1
        novel = result.features - state.features
        state.features |= result.features
        state.specializations |= result.specializations
        state.known_races.update(result.known_races)  # kept out of the buckets, but counted
        counts = state.mutated if item.origin == "mutated" else state.fresh
        counts[0] += 1
        counts[1] += bool(novel)
        if novel and result.kind is Kind.AGREE and item.program is None:
            scenario = (
                Scenario.loads(item.scenario) if item.scenario is not None else build(item.family, item.seed, self.caps)
            )
            campaign_dir.write_queued(self.config.out, result.case_id, scenario.dumps())
            self.queue.append(scenario)
