"""app/grouping.py: who leads a group, what a group holds, what its callers get back."""
from __future__ import annotations

import threading
from typing import Callable

import pytest

from streamvisor.app.grouping import GroupQueue


class Recorder:
    """A runner that records each group's requests and answers each request doubled. `hold`: the first group
    waits for it to be set (so that later calls queue behind it)."""

    def __init__(self, hold: threading.Event | None = None):
        self.groups: list[list[int]] = []
        self.threads: list[str] = []
        self.hold = hold
        self.started = threading.Event()

    def __call__(self, group):
        self.groups.append([p.request for p in group])
        self.threads.append(threading.current_thread().name)
        self.started.set()
        if self.hold is not None and len(self.groups) == 1:
            assert self.hold.wait(10)
        for p in group:
            p.result = p.request * 2


def _submit_in_threads(queue, requests) -> tuple[list[threading.Thread], dict[int, object]]:
    answers: dict[int, object] = {}

    def call(n):
        answers[n] = queue.submit(n)

    threads = [threading.Thread(target=call, args=(n,), name=f"caller-{n}") for n in requests]
    for t in threads:
        t.start()
    return threads, answers


def _wait_queued(queue, n: int) -> None:
    for _ in range(1000):
        with queue._lock:
            if len(queue._queue) >= n:
                return
        threading.Event().wait(0.005)
    raise AssertionError(f"{n} calls never queued")


def _held_first_group(queue_kwargs: dict, later: list) -> tuple[Recorder, GroupQueue, dict, Callable[[], None]]:
    """A queue whose first group (request 0) is held while `later` are submitted and queued behind it;
    returns the runner, the queue, the answers, and release() (lets it go, waits for every caller)."""
    hold = threading.Event()
    runner = Recorder(hold)
    queue = GroupQueue(runner, **queue_kwargs)
    first, answers = _submit_in_threads(queue, [0])
    assert runner.started.wait(10)
    threads, more = _submit_in_threads(queue, later)
    _wait_queued(queue, len(later))

    def release():
        hold.set()
        for t in first + threads:
            t.join(10)
        answers.update(more)

    return runner, queue, answers, release


def test_a_lone_call_runs_at_once_on_its_own_thread():
    runner = Recorder()
    queue = GroupQueue(runner)
    done = queue.submit(21)
    assert (done.result, done.error, done.alone) == (42, None, False)
    assert runner.groups == [[21]] and runner.threads == [threading.current_thread().name]
    assert (queue.groups, queue.grouped) == (1, 1)


def test_calls_arriving_while_a_group_runs_are_the_next_group_led_by_the_first_of_them():
    runner, queue, answers, release = _held_first_group({"concurrency": 1}, [1, 2, 3, 4])
    assert runner.groups == [[0]]  # nothing else ran meanwhile
    release()
    assert runner.groups[0] == [0] and sorted(runner.groups[1]) == [1, 2, 3, 4] and len(runner.groups) == 2
    assert runner.threads[1] == f"caller-{runner.groups[1][0]}"  # led by one of its own callers
    assert {n: a.result for n, a in answers.items()} == {0: 0, 1: 2, 2: 4, 3: 6, 4: 8}
    assert (queue.groups, queue.grouped) == (2, 5)


def test_a_second_group_may_run_beside_the_first_up_to_the_concurrency():
    hold = threading.Event()
    runner = Recorder(hold)
    queue = GroupQueue(runner, concurrency=2)
    first, _ = _submit_in_threads(queue, [1])
    assert runner.started.wait(10)
    assert queue.submit(2).result == 4  # ran at once, beside the held group
    hold.set()
    for t in first:
        t.join(10)
    assert runner.groups == [[1], [2]]


def test_a_group_holds_at_most_max_group_calls():
    runner, queue, answers, release = _held_first_group({"max_group": 3, "concurrency": 1}, list(range(1, 8)))
    release()
    assert [len(g) for g in runner.groups] == [1, 3, 3, 1]
    assert sorted(n for g in runner.groups for n in g) == list(range(8))
    assert all(a.result == n * 2 for n, a in answers.items())


def test_a_runner_failure_runs_every_call_not_refused_alone_and_the_queue_goes_on():
    calls = []

    def runner(group):
        calls.append(len(group))
        if len(calls) == 1:
            group[0].result = "set before the failure"
            raise RuntimeError("boom")
        for p in group:
            p.result = "ok"

    queue = GroupQueue(runner)
    failed = queue.submit("a")
    # Whatever the runner set before failing is void: the call runs on its own (a commit's retry of itself).
    assert failed.alone and failed.result is None and failed.error is None
    assert queue.submit("c").result == "ok"  # the lead was given back
    assert queue._leaders == 0


@pytest.mark.parametrize("concurrency", [1, 2, 3])
def test_under_contention_every_call_is_answered_once_by_its_own_group_and_no_more_groups_run(concurrency):
    """Many callers at once (the race that made a caller lead an empty group and return unanswered, and the
    double hand-over that leaked a leader's slot): each call is in exactly one group, answered only after
    that group ran, and at most `concurrency` groups run at a time."""
    lock = threading.Lock()
    running, peak, seen = [0], [0], []

    def runner(group):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            seen.extend(p.request for p in group)
        threading.Event().wait(0.002)
        for p in group:
            p.result = p.request
        with lock:
            running[0] -= 1

    queue = GroupQueue(runner, max_group=4, concurrency=concurrency)
    answers: dict[int, object] = {}
    barrier = threading.Barrier(16)

    def caller(k):
        barrier.wait(10)
        for n in range(k * 100, k * 100 + 25):
            done = queue.submit(n)
            answers[n] = (done.result, done.error, done.alone)

    threads = [threading.Thread(target=caller, args=(k,)) for k in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    expected = [n for k in range(16) for n in range(k * 100, k * 100 + 25)]
    assert sorted(seen) == expected  # each call in exactly one group
    assert answers == {n: (n, None, False) for n in expected}  # and answered by it
    assert peak[0] <= concurrency and queue._leaders == 0 and queue._queue == []
    assert queue.grouped == len(expected) and queue.groups < len(expected)
