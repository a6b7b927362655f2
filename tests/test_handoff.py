"""HandoffTaskGroups over a real channel (SQLite and PostgreSQL, real Kafka): the worker of a handed-off
group is told publish_now at its next heartbeat, publishes, completes, and its task is offered again from the
new checkpoint - nothing fenced, nothing lost. Bad requests are refused and change nothing."""
from __future__ import annotations

import grpc
import pytest

from helpers import expect_error, kafka_spec, snapshot
from streamvisor.app.scheduler import Scheduler
from streamvisor.v1 import supervisor_pb2 as pb

INVALID, PRECONDITION = grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION


@pytest.fixture
def scheduled(server, client, topics):
    name = topics.create(2)
    topics.produce(name, {0: 30, 1: 30})
    client.create_supervisor("s", kafka_spec(name, task_count=2, use_earliest_offset=True))
    assert Scheduler(server.store, server.streams, server.service).run_once()
    return name


def test_a_handed_off_task_publishes_completes_and_is_offered_again(client, task_client, scheduled):
    task = task_client.acquire("w1", lease_seconds=30)
    generation = client.get_supervisor("s").generation
    assert not task_client.heartbeat(task.id, "w1", 30).publish_now
    response = client.handoff_task_groups("s", [task.task_group, 1 - task.task_group])
    assert [(h.task_group, h.requested) for h in response.handoffs] == [(task.task_group, True),
                                                                        (1 - task.task_group, False)]
    assert task_client.heartbeat(task.id, "w1", 30).publish_now  # and again, until it is done
    assert task_client.heartbeat(task.id, "w1", 30).publish_now
    partition = task.partitions[0].partition
    task_client.commit(task.id, "w1", [pb.OffsetRange(partition=partition, start_offset=0, end_offset=30)],
                       f"file:///out/{task.id}-1", 30)
    task_client.complete(task.id, "w1")
    again = task_client.acquire("w2", lease_seconds=30)
    while again is not None and again.id != task.id:
        again = task_client.acquire("w2", lease_seconds=30)
    assert again is not None and again.generation == generation  # the same task, not fenced
    assert {p.partition: p.start_offset for p in again.partitions} == {partition: 30}
    assert not task_client.heartbeat(again.id, "w2", 30).publish_now  # the request ended with the lease
    events = [e for e in client.iter_history("s") if e.action == "HANDOFF"]
    assert len(events) == 1 and task.id in events[0].details_json
    assert client.get_supervisor("s").generation == generation


@pytest.mark.parametrize("groups, field", [([], "task_groups"), ([0, 0], "task_groups"), ([2], "task_groups[0]"),
                                           ([0, -1], "task_groups[1]")])
def test_bad_groups_are_refused_and_change_nothing(client, task_client, scheduled, groups, field):
    task = task_client.acquire("w1", lease_seconds=30)
    before = snapshot(client)
    error = expect_error(lambda: client.handoff_task_groups("s", groups), INVALID, "INVALID_ARGUMENT")
    assert field in [f for f, _ in error.field_violations]
    assert snapshot(client) == before and not task_client.heartbeat(task.id, "w1", 30).publish_now


def test_only_a_running_supervisor_hands_off(client, scheduled):
    client.suspend_supervisor("s")
    before = snapshot(client)
    expect_error(lambda: client.handoff_task_groups("s", [0]), PRECONDITION, "INVALID_STATE")
    expect_error(lambda: client.handoff_task_groups("nobody", [0]), grpc.StatusCode.NOT_FOUND, "SUPERVISOR_NOT_FOUND")
    expect_error(lambda: client.handoff_task_groups("bad id", [0]), INVALID, "INVALID_ARGUMENT")
    assert snapshot(client) == before


def test_a_reference_worker_hands_off_early_and_reports_what_it_did(server, client, topics, tmp_path):
    """A real worker holding records (it would commit only after a minute) is asked to hand off: it publishes
    them at once, completes, takes the task again from the new checkpoint; its reports are in the stats."""
    import threading
    import time

    from streamvisor.worker.runner import Worker, WorkerSettings
    from streamvisor.worker.sinks import open_sink

    name = topics.create(1)
    topics.produce(name, {0: 25})
    client.create_supervisor("held", kafka_spec(name, task_count=1, use_earliest_offset=True))
    Scheduler(server.store, server.streams, server.service).run_once()
    sink = open_sink(str(tmp_path / "out"))
    worker = Worker(f"127.0.0.1:{server.port}", sink, "holder",
                    WorkerSettings(commit_seconds=60, commit_records=10_000, lease_seconds=3, idle_seconds=0.05))
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        def deadline(seconds):
            end = time.monotonic() + seconds
            return lambda: time.monotonic() < end

        until = deadline(20)
        while until() and not client.get_supervisor_stats("held").tasks[0].worker_id:
            time.sleep(0.1)
        time.sleep(1.5)  # it has read the 25 records by now, and holds them
        assert client.get_offsets("held").partitions[0].checkpoint == 0
        assert client.handoff_task_groups("held", [0]).handoffs[0].requested
        until = deadline(20)
        while until() and client.get_offsets("held").partitions[0].checkpoint != 25:
            time.sleep(0.1)
        assert client.get_offsets("held").partitions[0].checkpoint == 25  # published early
        until = deadline(20)
        while until() and client.get_supervisor_stats("held").tasks[0].totals.processed != 25:
            time.sleep(0.2)
        stats = client.get_supervisor_stats("held")
        assert stats.tasks[0].totals.processed == 25 and stats.tasks[0].totals.processed_bytes > 0
        assert stats.generation == client.get_supervisor("held").generation  # nothing was fenced
        coverage = client.get_coverage("held")
        assert [(r.start_offset, r.end_offset) for r in coverage.partitions[0].published] == [(0, 25)]
    finally:
        stop.set()
        thread.join(timeout=30)
