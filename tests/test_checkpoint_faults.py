"""A checkpoint beyond the stream's latest offset - the topic was deleted and recreated, or truncated - is a
fault, never a lag of 0: GetOffsets marks the partition, the supervisor turns UNHEALTHY with a detail naming
it, ResetToLatestAndBackfill refuses with its own reason, a worker's report of it stops the task loop, the
metrics expose it, and resetting the partition (the documented remedy) makes the supervisor RUNNING again.
All on the real broker: the topic really is deleted and recreated."""
from __future__ import annotations

import re
import time
import urllib.request

import grpc
import pytest
from confluent_kafka.admin import NewTopic

from conftest import start_server
from streamvisor.app.scheduler import Scheduler
from helpers import expect_error, kafka_spec, snapshot
from streamvisor.client.tasks import TaskClient
from streamvisor.domain.model import OffsetRange
from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.v1 import supervisor_service_pb2 as svc

pytestmark = pytest.mark.kafka

PRECONDITION = grpc.StatusCode.FAILED_PRECONDITION


@pytest.fixture
def scheduler(server) -> Scheduler:
    """Driven by hand (run_once) so every step is deterministic."""
    return Scheduler(server.store, server.streams, server.service)


def commit(server, supervisor_id: str, partition: int, start: int, end: int) -> None:
    generation = server.service.get(supervisor_id).generation
    server.service.commit_checkpoint(supervisor_id, "task-test", generation, [OffsetRange(partition, start, end)],
                                     f"mem://{supervisor_id}/{partition}/{start}", end - start,
                                     task_starts={partition: start})


def recreate(topics, name: str, partitions: int, timeout_s: float = 60) -> None:
    """Deletes the topic and creates it again under the same name: its offsets start at 0 once more."""
    for f in topics.admin.delete_topics([name], operation_timeout=30).values():
        f.result(timeout=60)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            futures = topics.admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)],
                                                 operation_timeout=30)
            futures[name].result(timeout=60)
            break
        except Exception as e:  # the deletion is still being carried out ("marked for deletion")
            if time.monotonic() > deadline:
                raise AssertionError(f"could not recreate {name}: {e}") from e
            time.sleep(0.5)
    topics.wait_ready(name, partitions)


@pytest.fixture
def recreated(client, server, topics):
    """Supervisor 'main' checkpointed at 40/20 on a topic that is then recreated holding 3 and 30 records:
    partition 0 is beyond the stream (40 > 3), partition 1 is not (20 <= 30)."""
    name = topics.create(2)
    topics.produce(name, {0: 50, 1: 50})
    client.create_supervisor("main", kafka_spec(name))
    commit(server, "main", 0, 0, 40)
    commit(server, "main", 1, 0, 20)
    recreate(topics, name, 2)
    topics.produce(name, {0: 3, 1: 30})
    return name


def test_get_offsets_marks_the_partition_and_the_supervisor_turns_unhealthy(client, recreated):
    r = client.get_offsets("main")
    rows = {p.partition: (p.checkpoint, p.latest, p.lag, p.checkpoint_beyond_latest) for p in r.partitions}
    assert rows == {0: (40, 3, 0, True), 1: (20, 30, 10, False)}
    s = client.get_supervisor("main")
    assert s.state == pb.SUPERVISOR_STATE_UNHEALTHY
    assert s.state_detail.startswith("CHECKPOINT_BEYOND_LATEST")
    assert "partition 0 checkpoint 40 > latest 3" in s.state_detail and "partition 1" not in s.state_detail
    health = [e for e in client.iter_history("main") if e.action == "HEALTH"]
    assert len(health) == 1 and health[0].state_after == pb.SUPERVISOR_STATE_UNHEALTHY
    # Seen again: no second audit event for the same fault.
    client.get_offsets("main")
    assert len([e for e in client.iter_history("main") if e.action == "HEALTH"]) == 1


def test_reset_to_latest_and_backfill_refuses_with_its_own_reason_and_changes_no_offsets(client, recreated):
    client.get_offsets("main")  # the fault is recorded: what follows must change nothing more
    before = snapshot(client)
    for dry_run in (True, False):
        error = expect_error(lambda: client.reset_to_latest_and_backfill("main", dry_run=dry_run), PRECONDITION,
                             "CHECKPOINT_BEYOND_LATEST")
        assert error.metadata["partitions"] == "0"
        assert (error.metadata["partition"], error.metadata["checkpoint"], error.metadata["latest"]) == ("0", "40", "3")
        assert "ResetOffsets" in error.message
    assert snapshot(client) == before
    assert [s.id for s in client.iter_supervisors()] == ["main"]  # no backfill was created


def test_refused_on_a_running_supervisor_too_before_anyone_looked(client, recreated):
    """Without an earlier GetOffsets: the reset itself finds the fault, refuses, and records it."""
    assert client.get_supervisor("main").state == pb.SUPERVISOR_STATE_RUNNING
    expect_error(lambda: client.reset_to_latest_and_backfill("main"), PRECONDITION, "CHECKPOINT_BEYOND_LATEST")
    s = client.get_supervisor("main")
    assert s.generation == 1 and s.state == pb.SUPERVISOR_STATE_UNHEALTHY
    offsets = {p.partition: p.checkpoint for p in client.get_offsets("main").partitions}
    assert offsets == {0: 40, 1: 20}


def test_reset_offsets_is_the_remedy_and_the_scheduler_heals_the_supervisor(client, server, scheduler, recreated):
    client.get_offsets("main")
    r = client.reset_offsets("main", [svc.PartitionResetTarget(partition=0, offset=0)])
    assert {c.partition: (c.before, c.after) for c in r.changes} == {0: (40, 0)}
    assert client.get_supervisor("main").state == pb.SUPERVISOR_STATE_UNHEALTHY  # until it is checked again
    # No partition is beyond any more, but partition 1's checkpoint 20 is of the old topic (its id says so):
    # reading on from it would skip the new topic's 0-19. The fault becomes STREAM_RECREATED.
    assert scheduler.run_once()
    s = client.get_supervisor("main")
    assert s.state == pb.SUPERVISOR_STATE_UNHEALTHY and s.state_detail.startswith("STREAM_RECREATED"), s.state_detail
    expect_error(lambda: client.reset_offsets("main", [svc.PartitionResetTarget(partition=1, offset=0)]),
                 grpc.StatusCode.FAILED_PRECONDITION, "STREAM_RECREATED")  # every partition, or none
    client.reset_offsets("main", [svc.PartitionResetTarget(partition=0, offset=0),
                                  svc.PartitionResetTarget(partition=1, offset=0)])
    s = client.get_supervisor("main")
    assert (s.state, s.state_detail) == (pb.SUPERVISOR_STATE_RUNNING, "")  # in the reset's own transaction
    assert scheduler.run_once() and client.get_supervisor("main").state == pb.SUPERVISOR_STATE_RUNNING
    assert not any(p.checkpoint_beyond_latest for p in client.get_offsets("main").partitions)
    # Now the backfill works again and covers all the recreated topic holds past the operator's choice.
    r = client.reset_to_latest_and_backfill("main")
    assert sorted((x.partition, x.start_offset, x.end_offset) for x in r.backfill_ranges) == [(0, 0, 3), (1, 0, 30)]


def test_the_scheduler_keeps_it_unhealthy_while_the_fault_lasts(client, server, scheduler, recreated):
    client.get_offsets("main")
    for _ in range(2):
        assert scheduler.run_once()
        assert client.get_supervisor("main").state == pb.SUPERVISOR_STATE_UNHEALTHY
    # No task is offered for an UNHEALTHY supervisor: a worker cannot read on from 40 and skip 0..2.
    with TaskClient(f"127.0.0.1:{server.port}", timeout=10, retry_for_s=0) as tasks:
        assert tasks.acquire("w1", 10) is None


def test_a_workers_report_is_checked_against_the_stream(client, server, scheduler, topics):
    """FailTask with the CHECKPOINT_BEYOND_LATEST reason (what the reference worker sends) makes the server
    look for itself; a false report changes nothing. The topic is recreated after the tasks were scheduled
    and before any pass of the scheduler looked again: the lease is granted (the worker would refuse to read,
    its Task names the old topic id)."""
    name = topics.create(2)
    topics.produce(name, {0: 50, 1: 50})
    client.create_supervisor("main", kafka_spec(name))
    commit(server, "main", 0, 0, 40)
    commit(server, "main", 1, 0, 20)
    assert scheduler.run_once()  # schedules the tasks
    recreate(topics, name, 2)
    topics.produce(name, {0: 3, 1: 30})
    with TaskClient(f"127.0.0.1:{server.port}", timeout=10, retry_for_s=0) as tasks:
        task = tasks.acquire("w1", 10)
        assert task is not None and task.supervisor_id == "main"
        tasks.fail(task.id, "w1", "CHECKPOINT_BEYOND_LATEST partition=0 checkpoint=40 latest=3")
    s = client.get_supervisor("main")
    assert s.state == pb.SUPERVISOR_STATE_UNHEALTHY and s.state_detail.startswith("CHECKPOINT_BEYOND_LATEST")
    assert [e.actor for e in client.iter_history("main") if e.action == "HEALTH"] == ["worker:w1"]


def test_a_false_report_changes_nothing(client, server, scheduler, topics):
    name = topics.create(1)
    topics.produce(name, {0: 10})
    client.create_supervisor("fine", kafka_spec(name, task_count=1))
    commit(server, "fine", 0, 0, 5)
    assert scheduler.run_once()
    before = snapshot(client)
    with TaskClient(f"127.0.0.1:{server.port}", timeout=10, retry_for_s=0) as tasks:
        task = tasks.acquire("w1", 10)
        tasks.fail(task.id, "w1", "CHECKPOINT_BEYOND_LATEST partition=0 checkpoint=5 latest=0")
    assert snapshot(client) == before


def test_metrics_expose_the_fault(database_url, kafka_bootstrap, topics):
    server = start_server(database_url, kafka_bootstrap, metrics_listen="127.0.0.1:0")
    server.metrics.supervisors.cache_s = 0
    try:
        from streamvisor.client import StreamvisorClient

        with StreamvisorClient(f"127.0.0.1:{server.port}", timeout=30, retries=0) as client:
            recreated_topic = topics.create(2)
            topics.produce(recreated_topic, {0: 50, 1: 50})
            client.create_supervisor("main", kafka_spec(recreated_topic))
            commit(server, "main", 0, 0, 40)
            gauge = re.compile(r'^streamvisor_checkpoint_beyond_latest_partitions\{supervisor_id="main"\} (\S+)$',
                               re.M)

            def scraped() -> float:
                with urllib.request.urlopen(f"http://127.0.0.1:{server.metrics.port}/metrics", timeout=30) as r:
                    return float(gauge.search(r.read().decode()).group(1))

            assert scraped() == 0
            recreate(topics, recreated_topic, 2)
            assert scraped() == 1
    finally:
        server.stop(0)


def test_a_bounded_supervisor_whose_ranges_are_all_empty_is_completed_at_once(client, topics):
    name = topics.create(2)
    topics.produce(name, {0: 10, 1: 10})
    spec = kafka_spec(name, bounded_ranges=[pb.OffsetRange(partition=0, start_offset=5, end_offset=5),
                                            pb.OffsetRange(partition=1, start_offset=3, end_offset=3)])
    s = client.create_supervisor("empty", spec)
    assert s.state == pb.SUPERVISOR_STATE_COMPLETED
    assert client.get_supervisor("empty").state == pb.SUPERVISOR_STATE_COMPLETED
    # One non-empty range: RUNNING as before.
    spec.bounded_ranges[1].end_offset = 4
    assert client.create_supervisor("one", spec).state == pb.SUPERVISOR_STATE_RUNNING
