"""The reference worker never skips: a checkpoint the stream does not hold fails the task, with a reason.

A topic deleted and recreated (or truncated) restarts its offsets at 0, so a checkpoint of 10 lies beyond
the new latest offset; reading on from 10 once the stream gets there would silently skip the new stream's
first records. Retention can also delete what a checkpoint points at. In both cases the worker must fail
the task (FailTask) with a reason whose first word the control plane recognises - CHECKPOINT_BEYOND_LATEST
or CHECKPOINT_BELOW_EARLIEST, then partition, checkpoint and the stream's bound - publish nothing, and
leave the checkpoint where it was. On the real Kafka broker and the real RabbitMQ node, with the real
reference worker.
"""
from __future__ import annotations

import contextlib
import logging
import threading
import time

import grpc
import pytest
from confluent_kafka.admin import NewTopic

from conftest import start_server
from helpers import expect_error, kafka_spec
from rabbitmq_support import RabbitStreams, rabbit, rabbitmq_amqp_url, rabbitmq_spec, rabbitmq_url  # noqa: F401
from streamvisor.client import StreamvisorClient
from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.v1 import supervisor_service_pb2 as svc
from streamvisor.worker.runner import Worker, WorkerSettings
from streamvisor.worker.sinks.files import FileSink

# After the failure, the worker keeps re-leasing and failing the task for this long: nothing may move.
WATCH_S = 4


def wait_until(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def sv_server(sqlite_url):
    # The Kafka tests name their broker in the spec (consumer_properties); no defaults needed.
    s = start_server(sqlite_url, None, scheduler=True, scheduler_interval_s=0.2)
    yield s
    s.stop(0)


@pytest.fixture
def sv_client(sv_server):
    with StreamvisorClient(f"127.0.0.1:{sv_server.port}", timeout=30, retries=0) as c:
        yield c


@contextlib.contextmanager
def running_worker(server, tmp_path, name: str):
    stop = threading.Event()
    settings = WorkerSettings(commit_seconds=0.2, lease_seconds=6, idle_seconds=0.1, max_tasks=2)
    worker = Worker(f"127.0.0.1:{server.port}", FileSink(tmp_path / "segments"), name, settings)
    thread = threading.Thread(target=worker.run, args=(stop,), name=name, daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        stop.set()
        thread.join(timeout=30)


def checkpoints(client: StreamvisorClient, supervisor_id: str) -> dict[int, int]:
    return {p.partition: p.checkpoint for p in client.get_offsets(supervisor_id).partitions if p.HasField("checkpoint")}


def published(client: StreamvisorClient, supervisor_id: str) -> dict[int, list[tuple[int, int]]]:
    return {p.partition: [(r.start_offset, r.end_offset) for r in p.published]
            for p in client.get_coverage(supervisor_id).partitions}


def fail_reasons(caplog, supervisor_id: str) -> list[str]:
    """The reasons of the FailTask calls for the supervisor, from the server's one line per release."""
    out = []
    for record in caplog.records:
        fields = getattr(record, "fields", None) or {}  # logs.event puts them on the record
        if (record.name == "streamvisor.tasks" and record.levelno == logging.WARNING and fields.get("how") == "fail"
                and fields.get("supervisor_id") == supervisor_id):
            out.append(str(fields["reason"]))
    return out


def wait_for_reason(caplog, supervisor_id: str, expected: str, timeout_s: float = 60) -> None:
    wait_until(lambda: any(r.startswith(expected) for r in fail_reasons(caplog, supervisor_id)), timeout_s,
               f"FailTask with reason {expected!r}; seen: {sorted(set(fail_reasons(caplog, supervisor_id)))}")


def assert_nothing_moves(client: StreamvisorClient, supervisor_id: str, offsets: dict, ranges: dict) -> None:
    deadline = time.monotonic() + WATCH_S
    while time.monotonic() < deadline:
        assert checkpoints(client, supervisor_id) == offsets
        assert published(client, supervisor_id) == ranges  # no segment past, none skipping
        time.sleep(0.5)


# Kafka -------------------------------------------------------------------------------------------------------
def supervised_topic(client: StreamvisorClient, topics, bootstrap: str, prefix: str) -> str:
    """A new one-partition topic holding 10 records, and supervisor "k" reading it from the earliest."""
    topic = topics.create(1, prefix=prefix)
    topics.produce(topic, {0: 10})
    client.create_supervisor("k", kafka_spec(topic, task_count=1, use_earliest_offset=True,
                                             consumer_properties={"bootstrap.servers": bootstrap}))
    return topic


@pytest.mark.kafka
def test_kafka_recreated_topic_fails_the_task_beyond_latest(sv_server, sv_client, topics, kafka_bootstrap,
                                                             tmp_path, caplog):
    caplog.set_level(logging.INFO)
    topic = supervised_topic(sv_client, topics, kafka_bootstrap, "recreated")
    with running_worker(sv_server, tmp_path, "w1"):
        wait_until(lambda: checkpoints(sv_client, "k") == {0: 10}, 60, "the worker to ingest 10 records")
        # The worker keeps its lease (at offset 10) while the topic is deleted and created again, smaller.
        recreate_topic(topics, topic)
        topics.produce(topic, {0: 3})
        wait_for_reason(caplog, "k", "CHECKPOINT_BEYOND_LATEST partition=0 checkpoint=10 latest=3")
        assert_nothing_moves(sv_client, "k", {0: 10}, {0: [(0, 10)]})
    offsets = sv_client.get_offsets("k").partitions[0]
    assert (offsets.checkpoint, offsets.earliest, offsets.latest) == (10, 0, 3)


def recreate_topic(topics, topic: str, partitions: int = 1) -> None:
    for f in topics.admin.delete_topics([topic], operation_timeout=30).values():
        f.result(timeout=60)
    wait_until(lambda: topic not in topics.admin.list_topics(timeout=10).topics, 30, "the deletion")
    topics.admin.create_topics([NewTopic(topic, partitions, 1)], operation_timeout=30)[topic].result(timeout=60)
    topics.wait_ready(topic, partitions)


@pytest.mark.kafka
def test_kafka_topic_recreated_and_grown_past_the_checkpoint_is_a_fault_until_a_reset(
        sv_server, sv_client, topics, kafka_bootstrap, tmp_path, caplog):
    """What Kafka's default auto.create.topics.enable=true makes likely: the topic comes back under its name
    and is past the checkpoint before a worker looks. The checkpoint is then "in range", and reading on
    from it would skip the new topic's first records; the topic id says it is another topic."""
    caplog.set_level(logging.INFO)
    topic = supervised_topic(sv_client, topics, kafka_bootstrap, "regrown")
    with running_worker(sv_server, tmp_path, "w1"):
        wait_until(lambda: checkpoints(sv_client, "k") == {0: 10}, 60, "the worker to ingest 10 records")
    recreate_topic(topics, topic)
    topics.produce(topic, {0: 30})  # offsets 0-29: past the checkpoint 10
    offsets = sv_client.get_offsets("k").partitions[0]
    assert (offsets.checkpoint, offsets.latest, offsets.checkpoint_beyond_latest) == (10, 30, False)
    with running_worker(sv_server, tmp_path, "w2"):
        # The worker's AcquireTask is where it is found (the scheduler's sweep would, within a minute).
        wait_until(lambda: sv_client.get_supervisor("k").state_detail.startswith("STREAM_RECREATED"), 30,
                   "the supervisor to be found reading a recreated topic")
        assert sv_client.get_supervisor("k").state == pb.SUPERVISOR_STATE_UNHEALTHY
        assert_nothing_moves(sv_client, "k", {0: 10}, {0: [(0, 10)]})
        error = expect_error(lambda: sv_client.reset_to_latest_and_backfill("k"), grpc.StatusCode.FAILED_PRECONDITION,
                             "STREAM_RECREATED")
        assert error.metadata["stream"] == topic and error.metadata["identity"] != error.metadata["recorded_identity"]
        assert sv_client.get_supervisor("k").generation == 1
        # The operator decides: all of the new topic, from its start.
        sv_client.reset_offsets("k", [svc.PartitionResetTarget(partition=0, offset=0)])
        wait_until(lambda: checkpoints(sv_client, "k") == {0: 30}, 60, "the new topic ingested from its start")
    assert sv_client.get_supervisor("k").state == pb.SUPERVISOR_STATE_RUNNING
    assert published(sv_client, "k") == {0: [(0, 30)]}  # the old topic's [0, 10) and the new one's [0, 30)


@pytest.mark.kafka
def test_kafka_topic_recreated_and_refilled_under_a_reading_worker_publishes_nothing_of_it(
        sv_server, sv_client, topics, kafka_bootstrap, tmp_path, caplog):
    """librdkafka hands a consumer at offset 10 the recreated topic's offsets 10-29 without an error (measured
    on 2.16). The reader checks the topic id before each segment is published: nothing of the new topic is
    published, the task fails with STREAM_RECREATED, and the server, checking for itself, agrees."""
    caplog.set_level(logging.INFO)
    topic = supervised_topic(sv_client, topics, kafka_bootstrap, "refilled")
    with running_worker(sv_server, tmp_path, "w1"):
        wait_until(lambda: checkpoints(sv_client, "k") == {0: 10}, 60, "the worker to ingest 10 records")
        recreate_topic(topics, topic)
        topics.produce(topic, {0: 30})
        wait_for_reason(caplog, "k", "STREAM_RECREATED")
        wait_until(lambda: sv_client.get_supervisor("k").state_detail.startswith("STREAM_RECREATED"), 30,
                   "the server to find the topic recreated")
        assert_nothing_moves(sv_client, "k", {0: 10}, {0: [(0, 10)]})


@pytest.mark.kafka
def test_kafka_checkpoint_below_earliest_fails_the_task(sv_server, sv_client, topics, kafka_bootstrap, tmp_path,
                                                        caplog):
    caplog.set_level(logging.INFO)
    topic = supervised_topic(sv_client, topics, kafka_bootstrap, "truncated")
    with running_worker(sv_server, tmp_path, "w1"):
        wait_until(lambda: checkpoints(sv_client, "k") == {0: 10}, 60, "the worker to ingest 10 records")
    # With no worker: ten more records, and "retention" deletes up to offset 15 - five never read.
    topics.produce(topic, {0: 10})
    topics.delete_up_to(topic, {0: 15})
    with running_worker(sv_server, tmp_path, "w2"):
        wait_for_reason(caplog, "k", "CHECKPOINT_BELOW_EARLIEST partition=0 checkpoint=10 earliest=15")
        assert_nothing_moves(sv_client, "k", {0: 10}, {0: [(0, 10)]})


# RabbitMQ Streams ----------------------------------------------------------------------------------------------
@pytest.mark.rabbitmq
def test_rabbitmq_redeclared_stream_fails_the_task_beyond_latest(sv_server, sv_client, rabbit, rabbitmq_url,
                                                                 rabbitmq_amqp_url, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    stream = rabbit.create("recreated")
    rabbit.publish(stream, [f"m{i}".encode() for i in range(10)])
    sv_client.create_supervisor("r", rabbitmq_spec(stream, rabbitmq_url, task_count=1, use_earliest_offset=True))
    # A second client for the stream's second life: the first one's publisher belongs to the deleted stream.
    again = RabbitStreams(rabbitmq_url, rabbitmq_amqp_url)
    try:
        with running_worker(sv_server, tmp_path, "w1"):
            wait_until(lambda: checkpoints(sv_client, "r") == {0: 10}, 60, "the worker to ingest 10 messages")
            rabbit.delete(stream)

            async def redeclare():
                await (await again._producer()).create_stream(stream)
            again.run(redeclare())
            again.streams.append(stream)
            again.publish(stream, [f"n{i}".encode() for i in range(3)])
            wait_for_reason(caplog, "r", "CHECKPOINT_BEYOND_LATEST partition=0 checkpoint=10 latest=3")
            assert_nothing_moves(sv_client, "r", {0: 10}, {0: [(0, 10)]})
    finally:
        again.cleanup()
