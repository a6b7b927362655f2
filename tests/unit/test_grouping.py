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


def test_a_runner_failure_reaches_every_call_not_answered_and_the_queue_goes_on():
    calls = []

    def runner(group):
        calls.append(len(group))
        if len(calls) == 1:
            group[0].alone = True
            raise RuntimeError("boom")
        for p in group:
            p.result = "ok"

    queue = GroupQueue(runner)
    failed = queue.submit("a")
    assert failed.alone and failed.error is None  # what the runner set before failing stands
    queue2 = GroupQueue(lambda group: (_ for _ in ()).throw(ValueError("bad")))
    with pytest.raises(ValueError):
        raise queue2.submit("b").error
    assert queue.submit("c").result == "ok"  # the lead was given back
    assert queue._leaders == 0 and queue2._leaders == 0
