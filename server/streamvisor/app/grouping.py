"""Group commit: concurrent calls share one round of work, led by one of their own threads.

Why: 16 committers on distinct supervisors each paid a transaction of their own (two round trips, a pooled
connection, BEGIN and COMMIT), and 16 committers on one supervisor queued on its row lock, one round trip plus
the Python between the two at a time (bench_commit.py's `groups` layout: half the rate of distinct
supervisors). Grouped, the commits waiting while one group runs are the next group: one transaction, one
lock wait, two round trips for all of them.

No thread of its own: a caller that finds fewer than `concurrency` groups running leads one, of everything
queued by then (its own call included); callers arriving meanwhile queue, and a leader hands the lead to the
first of them when it is done. So a lone call runs at once on its own thread. Two groups at a time, not
one: while one waits on the database the other's Python runs (one at a time left the machine idle a third
of the time; more than two made no difference within the noise: bench/README.md). Groups that share a row
wait for each other, but never deadlock: each locks every task, then every supervisor, in id order
(store/pg.py LOCK_TASKS).
"""
from __future__ import annotations

import threading
from typing import Callable, Generic, Sequence, TypeVar

R = TypeVar("R")  # a request
T = TypeVar("T")  # its result


class Pending(Generic[R, T]):
    """One call in a group: the group's runner sets exactly one of `result`, `error` or `alone` (run it on
    its own, outside any group)."""

    __slots__ = ("request", "result", "error", "alone", "_ready", "_leads")

    def __init__(self, request: R):
        self.request = request
        self.result: T | None = None
        self.error: BaseException | None = None
        self.alone = False
        self._ready = threading.Event()
        self._leads = False


class GroupQueue(Generic[R, T]):
    """Runs `run(group)` for groups of at most `max_group` pending calls, one group at a time."""

    def __init__(self, run: Callable[[Sequence[Pending[R, T]]], None], max_group: int = 32, concurrency: int = 2):
        self._run = run
        self.max_group = max_group
        self.concurrency = concurrency
        self._lock = threading.Lock()
        self._queue: list[Pending[R, T]] = []
        self._leaders = 0  # groups running, or whose leader is about to take the queue
        self.groups = 0  # how many groups ran, and how many calls they carried (for benchmarks and tests)
        self.grouped = 0

    def submit(self, request: R) -> Pending[R, T]:
        """The call, once its group ran: its result, error or `alone` is set."""
        me: Pending[R, T] = Pending(request)
        with self._lock:
            self._queue.append(me)
            lead = self._leaders < self.concurrency
            self._leaders += lead
        if not lead:
            me._ready.wait()
            if not me._leads:
                return me
        with self._lock:  # the leader's group: what is queued now, this call first
            group, self._queue = self._queue[:self.max_group], self._queue[self.max_group:]
            self.groups += 1
            self.grouped += len(group)
        try:
            self._run(group)
        except BaseException as e:  # the runner's own failure: every call of the group gets it
            for pending in group:
                if pending.result is None and pending.error is None and not pending.alone:
                    pending.error = e
        finally:
            with self._lock:
                if self._queue:
                    successor = self._queue[0]
                    successor._leads = True
                    successor._ready.set()
                else:
                    self._leaders -= 1
            for pending in group:
                if pending is not me:
                    pending._ready.set()
        return me
