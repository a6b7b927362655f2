"""streamvisor never creates, alters or deletes anything on a broker - checked on a broker that would let it.

With Kafka's default `auto.create.topics.enable=true` a metadata request naming a missing topic, sent with
auto-creation allowed (what an AdminClient and a producer do by default), creates the topic. So every path
that names a topic the broker does not have - each RPC, the scheduler, the metrics collector, the embedded
workers - runs here against such a broker, and the broker's topic list (listed without naming a topic,
which cannot create) must be the same afterwards. Each RPC must answer with its documented code and
ErrorInfo reason, never INTERNAL.

The broker is the one of scripts/kafka.sh (Kafka's defaults); the first check refuses to pass against a
broker that does not auto-create, and a positive control shows that a careless lookup would be seen.
"""
from __future__ import annotations

import threading
import time
import urllib.request
import uuid

import grpc
import pytest
from confluent_kafka.admin import AdminClient, ConfigResource, ResourceType

from conftest import start_server
from helpers import expect_error, kafka_spec
from streamvisor.api.server import start_embedded_workers
from streamvisor.client import StreamvisorClient
from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.v1 import supervisor_service_pb2 as svc

pytestmark = pytest.mark.kafka

PRECONDITION, INVALID = grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.INVALID_ARGUMENT
# Longer than the adapter's topic.metadata.refresh.interval.ms (10 s): librdkafka's periodic refresh of
# topics it once looked up is what used to recreate deleted topics with nobody calling.
BACKGROUND_S = 12


def topic_names(admin: AdminClient) -> set[str]:
    """Every topic, from a metadata request for all topics: it names none, so it cannot create one."""
    return set(admin.list_topics(timeout=10).topics)


def wait_until(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(0.2)


def delete_topics(admin: AdminClient, names: list[str]) -> None:
    for f in admin.delete_topics(names, operation_timeout=30).values():
        f.result(timeout=60)
    wait_until(lambda: not set(names) & topic_names(admin), 30, f"deletion of {names}")


@pytest.fixture(scope="module")
def auto_creating_broker(kafka_admin) -> None:
    """The broker must really auto-create topics, else every check below passes vacuously."""
    broker_id = next(iter(kafka_admin.list_topics(timeout=10).brokers))
    resource = ConfigResource(ResourceType.BROKER, str(broker_id))
    config = kafka_admin.describe_configs([resource])[resource].result(timeout=30)
    value = config["auto.create.topics.enable"].value
    assert value == "true", (
        f"the broker at KAFKA_BOOTSTRAP has auto.create.topics.enable={value}: these tests prove nothing "
        "there. Use a broker with Kafka's defaults (scripts/kafka.sh starts one; a broker started by an older "
        "kafka.sh keeps auto-creation off until it is restarted).")


@pytest.fixture
def run_prefix() -> str:
    # Every topic these tests name starts with it, so the check is exact even on a broker other test runs
    # share (their topics come and go; ours must not).
    return f"untouched-{uuid.uuid4().hex[:8]}"


def test_a_careless_lookup_would_be_seen(auto_creating_broker, kafka_admin, kafka_bootstrap, run_prefix):
    """Positive control: on this broker a default AdminClient's list_topics(topic) creates the topic."""
    canary = f"{run_prefix}-canary"
    careless = AdminClient({"bootstrap.servers": kafka_bootstrap})
    try:
        careless.list_topics(topic=canary, timeout=10)
        wait_until(lambda: canary in topic_names(kafka_admin), 15, "the canary topic to be auto-created")
    finally:
        del careless  # before the deletion: its periodic metadata refresh would create the topic again
        if canary in topic_names(kafka_admin):
            delete_topics(kafka_admin, [canary])


def test_nothing_streamvisor_does_creates_a_missing_topic(auto_creating_broker, kafka_admin, kafka_bootstrap, topics,
                                                          sqlite_url, tmp_path, run_prefix):
    server = start_server(sqlite_url, kafka_bootstrap, scheduler=True, scheduler_interval_s=0.2,
                          metrics_listen="127.0.0.1:0", output=str(tmp_path / "segments"), embedded_workers=2)
    workers_stop = threading.Event()
    workers = start_embedded_workers(server.config, server.port, workers_stop)
    try:
        with StreamvisorClient(f"127.0.0.1:{server.port}", timeout=30, retries=0) as client:
            _run(client, server, kafka_admin, topics, run_prefix)
    finally:
        workers_stop.set()
        for thread in workers:
            thread.join(timeout=30)
        server.stop(0)


def _run(client: StreamvisorClient, server, kafka_admin: AdminClient, topics, prefix: str) -> None:
    # Two supervisors the embedded workers ingest, so that every component has looked their topics up.
    # They read from latest (ResetToLatestAndBackfill requires it): produce once their start is resolved.
    live = topics.create(2, prefix=f"{prefix}-live")
    ended = topics.create(1, prefix=f"{prefix}-ended")
    client.create_supervisor("live", kafka_spec(live, task_count=2))
    client.create_supervisor("ended", kafka_spec(ended, task_count=1))

    def checkpointed(supervisor_id: str) -> int | None:
        partitions = client.get_offsets(supervisor_id).partitions
        return sum(p.checkpoint for p in partitions) if all(p.HasField("checkpoint") for p in partitions) else None
    wait_until(lambda: checkpointed("live") == 0 and checkpointed("ended") == 0, 30, "the start offsets")
    topics.produce(live, {0: 10, 1: 10})
    topics.produce(ended, {0: 5})
    wait_until(lambda: checkpointed("live") == 20 and checkpointed("ended") == 5, 60, "the workers to ingest")
    ended_etag = client.terminate_supervisor("ended").etag
    scrape(server)  # the metrics collector has read the live topic's offsets too

    delete_topics(kafka_admin, [live, ended])
    before = topic_names(kafka_admin)
    missing = f"{prefix}-never-created"
    named = {live, ended, missing}

    # CreateSupervisor, with and without validate_only.
    for validate_only in (True, False):
        error = expect_error(lambda v=validate_only: client.create_supervisor("new", kafka_spec(missing),
                                                                              validate_only=v),
                             PRECONDITION, "STREAM_NOT_FOUND")
        assert error.metadata["stream"] == missing
    # A bounded supervisor is checked against the stream's earliest offsets as well.
    bounded = kafka_spec(missing, bounded_ranges=[pb.OffsetRange(partition=0, start_offset=0, end_offset=5)])
    expect_error(lambda: client.create_supervisor("new-bounded", bounded), PRECONDITION, "STREAM_NOT_FOUND")

    # UpdateSupervisor: the stream cannot change; new settings for the deleted one must find it.
    current = client.get_supervisor("live")
    expect_error(lambda: client.update_supervisor("live", kafka_spec(missing, task_count=2), current.etag),
                 INVALID, "IMMUTABLE_FIELD")
    error = expect_error(lambda: client.update_supervisor("live", kafka_spec(live, task_count=3), current.etag),
                         PRECONDITION, "STREAM_NOT_FOUND")
    assert error.metadata["stream"] == live

    # Everything that reads the deleted topic's offsets.
    for supervisor_id, stream in (("live", live), ("ended", ended)):
        error = expect_error(lambda s=supervisor_id: client.get_offsets(s), PRECONDITION, "STREAM_NOT_FOUND")
        assert error.metadata["stream"] == stream
    expect_error(lambda: client.reset_offsets("live", [svc.PartitionResetTarget(partition=0, offset=3)]),
                 PRECONDITION, "STREAM_NOT_FOUND")
    at_time = svc.PartitionResetTarget(partition=1)
    at_time.timestamp.FromMilliseconds(int(time.time() * 1000) - 60_000)
    expect_error(lambda: client.reset_offsets("live", [at_time], dry_run=True), PRECONDITION, "STREAM_NOT_FOUND")
    for dry_run in (True, False):
        expect_error(lambda d=dry_run: client.reset_to_latest_and_backfill("live", dry_run=d),
                     PRECONDITION, "STREAM_NOT_FOUND")
    expect_error(lambda: client.reset_supervisor("ended"), PRECONDITION, "INVALID_STATE")
    expect_error(lambda: client.update_supervisor("ended", kafka_spec(ended, task_count=2), ended_etag),
                 PRECONDITION, "INVALID_STATE")

    # Coverage and the hard reset need no broker: they answer. After the reset the scheduler has to resolve
    # the live supervisor's start offsets again - against the deleted topic.
    coverage = client.get_coverage("live")
    assert sum(p.published_offsets for p in coverage.partitions) == 20
    assert client.get_coverage("ended").partitions
    client.reset_supervisor("live", dry_run=True)
    client.reset_supervisor("live")

    # Scheduler, metrics scrapes and the embedded workers (which still hold or re-lease the live supervisor's
    # tasks) run on beside a TERMINATED and a RUNNING supervisor of deleted topics.
    deadline = time.monotonic() + BACKGROUND_S
    while time.monotonic() < deadline:
        scrape(server)
        time.sleep(1)
    assert client.get_supervisor("live").state in (pb.SUPERVISOR_STATE_RUNNING, pb.SUPERVISOR_STATE_UNHEALTHY)

    after = topic_names(kafka_admin)
    assert not named & after, f"streamvisor created {sorted(named & after)}"
    ours_before, ours_after = ({t for t in names if t.startswith(prefix)} for names in (before, after))
    assert ours_after == ours_before == set(), f"before: {sorted(ours_before)}, after: {sorted(ours_after)}"
    internal = scrape(server)
    assert 'grpc_code="INTERNAL"' not in internal, "some RPC (a worker's included) answered INTERNAL"


def scrape(server) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.metrics.port}/metrics", timeout=10) as response:
        assert response.status == 200
        return response.read().decode()
