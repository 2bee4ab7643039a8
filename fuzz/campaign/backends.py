"""Two executor back-ends with one interface: a local process pool and Dask distributed.

    submit(items)          hand work items out (one batch)
    completed(timeout)     [(item, Outcome)] of whatever finished, as it finishes
    pending, slots         items in flight, and how many keep every executor busy
    close()

An executor that dies with an item is not a finding nor an infrastructure error: the
item runs again elsewhere (Dask reschedules it; the local pool once, in a new pool),
and is an Outcome with failure "lost" only when that fails too.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import multiprocessing
import os
import signal
import time
from concurrent.futures.process import BrokenProcessPool

from tandem.oracle.errors import TandemError

from .work import Outcome, Setup, WorkItem, execute, missing_interpreters

IN_FLIGHT_PER_EXECUTOR = 2  # one running, one waiting: no executor idles between items
SCHEDULER_PATIENCE = 20.0  # seconds without the Dask scheduler before the campaign stops


class SchedulerLost(TandemError):
    """The Dask scheduler went away: the campaign stops, its state saved."""


def _quiet_executor() -> None:
    """A local executor process: Ctrl-C is the coordinator's to handle (items in flight
    finish), and the process dies with the coordinator (no stray executors)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the coordinator died before prctl
        os._exit(1)


class LocalPool:
    """`--jobs N` executor processes on this machine (forked: no GIL shared with the
    coordinator, so N executors use N cores)."""

    def __init__(self, setup: Setup, jobs: int):
        missing = missing_interpreters(setup)
        if missing:
            raise TandemError(f"this machine has no {' and no '.join(missing)}")
        self.setup, self.jobs = setup, max(1, jobs)
        self.slots = self.jobs * IN_FLIGHT_PER_EXECUTOR
        self.futures: dict[concurrent.futures.Future, WorkItem] = {}
        self.retried: set[int] = set()
        self.pool = self._pool()

    def _pool(self) -> concurrent.futures.ProcessPoolExecutor:
        return concurrent.futures.ProcessPoolExecutor(
            self.jobs, mp_context=multiprocessing.get_context("fork"), initializer=_quiet_executor
        )

    @property
    def pending(self) -> int:
        return len(self.futures)

    def submit(self, items) -> None:
        for item in items:
            self.futures[self.pool.submit(execute, item, self.setup)] = item

    def completed(self, timeout: float) -> list:
        if not self.futures:
            return []
        done, _ = concurrent.futures.wait(self.futures, timeout, concurrent.futures.FIRST_COMPLETED)
        finished, again = [], []
        for future in done:
            item = self.futures.pop(future)
            try:
                finished.append((item, future.result()))
            except BrokenProcessPool:  # an executor process died (killed, out of memory)
                if item.number in self.retried:
                    finished.append(
                        (
                            item,
                            Outcome(
                                item.number, failure="lost", message="a local executor process died running it twice"
                            ),
                        )
                    )
                else:
                    self.retried.add(item.number)
                    again.append(item)
        if again:
            survivors = list(self.futures.values())
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.futures.clear()
            self.pool = self._pool()
            self.submit(again + survivors)
        return finished

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.futures.clear()


class DaskPool:
    """Executors on a Dask cluster: every worker thread is one executor.  Items go out
    in batches that top the cluster up to `slots` (two per worker thread, refreshed as
    workers come and go) and stream back as they complete."""

    def __init__(self, setup: Setup, address: str, connect_timeout: float = 30.0):
        try:
            from distributed import Client  # (imported before the loggers are quietened)
        except ImportError:
            raise TandemError("--scheduler needs Dask distributed: pip install 'tandem-fuzz[cluster]'") from None
        self.setup, self.address = setup, address
        # The client logs its reconnection attempts with tracebacks; what matters of them
        # (the scheduler is gone) is said once, by SchedulerLost.
        for name in ["distributed", *(n for n in logging.root.manager.loggerDict if n.startswith("distributed."))]:
            logging.getLogger(name).setLevel(logging.CRITICAL)
        try:
            self.client = Client(address, timeout=connect_timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise TandemError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self.futures: dict = {}
        self._slots, self._slots_at = 0, 0.0
        self._away_since: float | None = None
        try:
            self.client.wait_for_workers(1, timeout=connect_timeout)
        except TimeoutError:
            self.client.close()
            raise TandemError(
                f"the Dask scheduler at {address} has no workers: start some with "
                f"`dask worker {address} --nthreads 1 --nworkers N`"
            ) from None
        self.check_workers()

    def check_workers(self) -> None:
        """Every worker must run both interpreters: one that cannot is named, at once."""
        lacking = {
            worker: missing for worker, missing in self.client.run(missing_interpreters, self.setup).items() if missing
        }
        if lacking:
            named = "; ".join(f"{worker} has no {' and no '.join(missing)}" for worker, missing in lacking.items())
            self.close()
            raise TandemError(
                f"Dask workers lack the campaign's interpreters: {named}.  Run `tandem interpreters "
                "provision` on their hosts, or share the interpreter cache at the same path"
            )

    @property
    def slots(self) -> int:
        if time.monotonic() - self._slots_at > 2.0:
            self._slots_at = time.monotonic()
            with contextlib.suppress(Exception):
                self._slots = IN_FLIGHT_PER_EXECUTOR * sum(self.client.nthreads().values())
        return self._slots

    @property
    def pending(self) -> int:
        return len(self.futures)

    def submit(self, items) -> None:
        if not items:
            return
        try:
            futures = self.client.map(execute, items, setup=self.setup, pure=False)
        except Exception as exc:
            self._lost(exc)
        self.futures.update(zip(futures, items, strict=True))

    def _lost(self, exc: BaseException | None = None):
        raise SchedulerLost(
            f"lost the Dask scheduler at {self.address}"
            + (f" ({type(exc).__name__}: {exc})" if exc else "")
            + f"; {len(self.futures)} work item(s) in flight are lost"
        ) from None

    def completed(self, timeout: float) -> list:
        from distributed import wait
        from distributed.client import FutureCancelledError

        if self.client.status != "running":
            self._away_since = self._away_since or time.monotonic()
            if self.client.status in ("closed", "failed") or time.monotonic() - self._away_since > SCHEDULER_PATIENCE:
                self._lost()
        else:
            self._away_since = None
        if not self.futures:
            time.sleep(min(timeout, 0.5))
            return []
        try:
            with self.client.as_current():
                done, _ = wait(list(self.futures), timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            return []
        except Exception as exc:
            self._lost(exc)
        finished = []
        for future in done:
            item = self.futures.pop(future)
            if future.status == "finished":
                finished.append((item, future.result()))
                continue
            if future.status == "cancelled":  # the scheduler forgot it: gone with the scheduler
                self.futures[future] = item
                self._away_since = self._away_since or time.monotonic()
                continue
            try:
                error = future.exception()
            except FutureCancelledError:
                error = None
            name = type(error).__name__
            if name == "KilledWorker":  # its workers died, more than the scheduler allows
                finished.append((item, Outcome(item.number, failure="lost", message=str(error))))
            else:  # execute() never raises: this is the worker's environment (unpickling, imports)
                finished.append(
                    (
                        item,
                        Outcome(
                            item.number,
                            failure="infrastructure",
                            message=f"a Dask worker could not run a work item: {name}: {error}",
                        ),
                    )
                )
        return finished

    def close(self) -> None:
        try:
            if self.futures and self.client.status == "running":
                self.client.cancel(list(self.futures))
        finally:
            self.futures.clear()
            self.client.close()


def backend(setup: Setup, jobs: int, scheduler: str | None):
    """The executors of a campaign: on the Dask scheduler when one is named, else local."""
    return DaskPool(setup, scheduler) if scheduler else LocalPool(setup, jobs)


def call_once(pool, item) -> Outcome:
    """Run one item on `pool` and wait for it (minimizing a bucket)."""
    pool.submit([item])
    while True:
        for done_item, outcome in pool.completed(1.0):
            if done_item is item:
                return outcome
