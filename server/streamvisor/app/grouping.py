"""Group commit: concurrent calls share one round of work, led by one of their own threads.

Why: 16 committers on distinct supervisors each paid a transaction of their own (two round trips, a pooled
connection, BEGIN and COMMIT), and 16 committers on one supervisor queued on its row lock, one round trip plus
the Python between the two at a time (bench_commit.py's `groups` layout: half the rate of distinct
supervisors). Grouped, the commits waiting while one group runs are the next group: one transaction, one
lock wait, two round trips for all of them.

No thread of its own: a caller that finds fewer than `concurrency` groups running leads one, of everything
queued by then (its own call included); callers arriving meanwhile queue, and a leader hands the lead to the
first of them when it is done. So a lone call runs at once on its own thread. Two groups at a time: while
one waits on the database the other's Python can run (measured against one at a time and against 4 and 8,
no difference showed within this machine's noise: bench/README.md, fifth pass). Groups that share a row
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

    __slots__ = ("request", "result", "error", "alone", "_ready", "_group")

    def __init__(self, request: R):
        self.request = request
        self.result: T | None = None
        self.error: BaseException | None = None
        self.alone = False
        # A latch, released once: the call is answered, or it is handed a group to lead. A held Lock rather
        # than an Event: an Event builds a Condition per call, 5% of the server's GIL time under 16
        # committers (py-spy), and this one is waited for by one thread and released by one.
        self._ready = threading.Lock()
        self._ready.acquire()
        self._group: list[Pending[R, T]] | None = None  # the group handed to this call to lead (it is first)


class GroupQueue(Generic[R, T]):
    """Runs `run(group)` for groups of at most `max_group` pending calls, at most `concurrency` at a time.

    A group is taken from the queue in the same locked step that makes its leader one: a call either leads
    a group it holds, or waits in the queue until it is answered or handed the next group (taken out of
    the queue by the leader that hands it over). So no call is ever in two groups, and none is answered
    before its group ran."""

    def __init__(self, run: Callable[[Sequence[Pending[R, T]]], None], max_group: int = 32, concurrency: int = 2):
        self._run = run
        self.max_group = max_group
        self.concurrency = concurrency
        self._lock = threading.Lock()
        self._queue: list[Pending[R, T]] = []
        self._leaders = 0  # groups running (each has taken its calls out of the queue)
        self.groups = 0  # how many groups ran, and how many calls they carried (for benchmarks and tests)
        self.grouped = 0

    def _take(self) -> list[Pending[R, T]]:
        """The next group, out of the queue (under the lock)."""
        group, self._queue = self._queue[:self.max_group], self._queue[self.max_group:]
        self.groups += 1
        self.grouped += len(group)
        return group

    def submit(self, request: R) -> Pending[R, T]:
        """The call, once its group ran: its result, error or `alone` is set."""
        me: Pending[R, T] = Pending(request)
        with self._lock:
            self._queue.append(me)
            if self._leaders < self.concurrency:
                self._leaders += 1
                me._group = self._take()  # this call first: the queue is empty while a leader is free
        if me._group is None:
            me._ready.acquire()
            if me._group is None:
                return me  # answered by its group's leader
        group = me._group
        try:
            self._run(group)
        except BaseException:  # the runner's own failure: whatever it set, every call not refused runs alone
            for pending in group:
                if pending.error is None:
                    pending.result, pending.alone = None, True
        finally:
            with self._lock:
                if self._queue:  # hand the next group to its first call; this leader's slot passes to it
                    successor_group = self._take()
                    successor_group[0]._group = successor_group
                else:
                    successor_group = None
                    self._leaders -= 1
            if successor_group is not None:
                successor_group[0]._ready.release()
            for pending in group:
                if pending is not me:
                    pending._ready.release()
        return me
