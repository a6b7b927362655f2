"""RabbitMQ Streams supervisors over gRPC, on the real node of scripts/rabbitmq.sh: every RPC of the reset
family and coverage, the bad inputs specific to RabbitMQ, and the end-to-end proof of test_end_to_end.py
on an 8-partition super stream - a continuous publisher (every message confirmed), two reference workers,
lag, ResetToLatestAndBackfill, the backfill COMPLETED, the live supervisor caught up, and "nothing lost,
nothing twice" checked by coverage and by the segment files."""
from __future__ import annotations

import json
import random
import signal
import subprocess
import threading
import time

import grpc
import pytest

from conftest import start_server
from helpers import expect_error
from rabbitmq_support import (  # noqa: F401  (fixtures)
    RabbitStreams, SilentServer, closed_port, rabbit, rabbitmq_amqp_url, rabbitmq_spec, rabbitmq_url, url_with_port,
)
from streamvisor.client import StreamvisorClient
from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.v1 import supervisor_service_pb2 as svc
from test_end_to_end import CLI, PARTITIONS, Cluster, total_checkpointed, verify_nothing_lost_nothing_twice, wait_for

pytestmark = pytest.mark.rabbitmq

INVALID, PRECONDITION = grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION


def values(partition: int, start: int, count: int) -> list[bytes]:
    """Values naming their own partition and offset (a fresh stream's n-th message has offset n)."""
    return [f"p{partition}-n{i}".encode() for i in range(start, start + count)]


def changes(response) -> dict[int, tuple]:
    return {c.partition: (c.before if c.HasField("before") else None, c.after if c.HasField("after") else None)
            for c in response.changes}


@pytest.fixture
def rserver(sqlite_url):
    s = start_server(sqlite_url, None, broker_timeout_s=1.0)
    yield s
    s.stop(0)


@pytest.fixture
def rclient(rserver):
    with StreamvisorClient(f"127.0.0.1:{rserver.port}", timeout=30, retries=0) as c:
        yield c


# The reset family and coverage ----------------------------------------------------------------------------
def test_offsets_every_reset_and_coverage_on_a_super_stream(rclient, rserver, rabbit, rabbitmq_url):
    name = rabbit.create_super_stream(3)
    rabbit.publish_many({f"{name}-{p}": values(p, 0, n) for p, n in ((0, 10), (1, 20), (2, 30))})
    created = rclient.create_supervisor("rmq", rabbitmq_spec(name, rabbitmq_url))
    assert created.spec.stream_type == pb.STREAM_TYPE_RABBITMQ_STREAM
    assert "bootstrap.servers" not in created.spec.consumer_properties
    r = rclient.get_offsets("rmq")
    assert [(p.partition, p.earliest, p.latest, p.lag, p.HasField("checkpoint")) for p in r.partitions] == [
        (0, 0, 10, 0, False), (1, 0, 20, 0, False), (2, 0, 30, 0, False)]

    # ResetOffsets: to offsets, and to a time (the broker stamps chunks; records later than `t` start at 10).
    assert changes(rclient.reset_offsets("rmq", [svc.PartitionResetTarget(partition=0, offset=3),
                                                 svc.PartitionResetTarget(partition=1, offset=20)])) == {
        0: (None, 3), 1: (None, 20)}
    time.sleep(0.05)
    t = int(time.time() * 1000)
    time.sleep(0.05)
    rabbit.publish(f"{name}-2", values(2, 30, 5))
    target = svc.PartitionResetTarget(partition=2)
    target.timestamp.FromMilliseconds(t)
    assert changes(rclient.reset_offsets("rmq", [target])) == {2: (None, 30)}
    r = rclient.get_offsets("rmq")
    assert [(p.checkpoint, p.latest, p.lag) for p in r.partitions] == [(3, 10, 7), (20, 20, 0), (30, 35, 5)]
    assert r.total_lag == 12

    # ResetToLatestAndBackfill: dry run, then for real.
    dry = rclient.reset_to_latest_and_backfill("rmq", dry_run=True)
    assert dry.dry_run and [(b.partition, b.start_offset, b.end_offset) for b in dry.backfill_ranges] == [
        (0, 3, 10), (2, 30, 35)]
    done = rclient.reset_to_latest_and_backfill("rmq", backfill_task_count=1, request_id="rmq-incident")
    assert changes(done) == {0: (3, 10), 1: (20, 20), 2: (30, 35)} and done.backfill_supervisor_id
    again = rclient.reset_to_latest_and_backfill("rmq", backfill_task_count=1, request_id="rmq-incident")
    assert again.backfill_supervisor_id == done.backfill_supervisor_id  # idempotent
    backfill = rclient.get_supervisor(done.backfill_supervisor_id)
    assert backfill.spec.stream_type == pb.STREAM_TYPE_RABBITMQ_STREAM and backfill.backfill_of == "rmq"
    assert [(b.partition, b.start_offset, b.end_offset) for b in backfill.spec.bounded_ranges] == [
        (0, 3, 10), (2, 30, 35)]
    progress = rclient.get_offsets(done.backfill_supervisor_id)
    assert (progress.bounded_done, progress.bounded_total) == (0, 12)
    details = json.loads(next(rclient.iter_history("rmq")).details_json)
    assert details["latest_offsets"] == {"0": 10, "1": 20, "2": 35}

    # ResetSupervisor (hard): checkpoints cleared, the start rule applies again.
    hard = rclient.reset_supervisor("rmq")
    assert changes(hard) == {0: (10, None), 1: (20, None), 2: (35, None)}
    assert [p.HasField("checkpoint") for p in rclient.get_offsets("rmq").partitions] == [False] * 3

    # Coverage: nothing published yet by any worker.
    coverage = rclient.get_coverage("rmq")
    assert list(coverage.supervisor_ids) == ["rmq", done.backfill_supervisor_id]
    assert (coverage.total_gaps, coverage.total_overlaps, list(coverage.partitions)) == (0, 0, [])


def test_a_single_stream_is_partition_0(rclient, rabbit, rabbitmq_url):
    stream = rabbit.create()
    rabbit.publish(stream, values(0, 0, 4))
    rclient.create_supervisor("one", rabbitmq_spec(stream, rabbitmq_url, task_count=1, use_earliest_offset=True))
    r = rclient.get_offsets("one")
    assert [(p.partition, p.earliest, p.latest, p.lag) for p in r.partitions] == [(0, 0, 4, 4)]


# Bad inputs -----------------------------------------------------------------------------------------------
def test_bad_inputs_are_rejected_and_change_nothing(rclient, rabbit, rabbitmq_url):
    error = expect_error(lambda: rclient.create_supervisor("x", rabbitmq_spec("no-such-stream", rabbitmq_url)),
                         PRECONDITION, "STREAM_NOT_FOUND")
    assert error.metadata["stream"] == "no-such-stream"
    empty = rabbit.create_super_stream(0)
    error = expect_error(lambda: rclient.create_supervisor("x", rabbitmq_spec(empty, rabbitmq_url)),
                         PRECONDITION, "STREAM_NOT_FOUND")
    assert error.metadata["partitions"] == "0" and "no partitions" in error.message
    spec = rabbitmq_spec("whatever", rabbitmq_url)
    del spec.consumer_properties["rabbitmq.url"]
    error = expect_error(lambda: rclient.create_supervisor("x", spec), INVALID, "INVALID_ARGUMENT")
    assert [f for f, _ in error.field_violations] == ["spec.consumer_properties"]
    silent = SilentServer()
    try:
        for port in (closed_port(), silent.port):
            started = time.monotonic()
            expect_error(lambda: rclient.create_supervisor(
                "x", rabbitmq_spec("s", url_with_port(rabbitmq_url, port))), grpc.StatusCode.UNAVAILABLE,
                "STREAM_UNREACHABLE")
            assert time.monotonic() - started < 3  # the server's broker timeout is 1 s here
    finally:
        silent.close()
    assert list(rclient.iter_supervisors()) == []


def test_an_unreachable_node_fails_the_reset_with_unavailable(rclient, rabbit, rabbitmq_url):
    """The stream goes away under a live supervisor: GetOffsets and the reset say so and change nothing."""
    stream = rabbit.create()
    rclient.create_supervisor("gone", rabbitmq_spec(stream, rabbitmq_url, task_count=1))
    rclient.reset_offsets("gone", [svc.PartitionResetTarget(partition=0, offset=0)])
    rabbit.delete(stream)
    expect_error(lambda: rclient.get_offsets("gone"), PRECONDITION, "STREAM_NOT_FOUND")
    before = rclient.get_supervisor("gone")
    error = expect_error(lambda: rclient.reset_to_latest_and_backfill("gone"), PRECONDITION, "STREAM_NOT_FOUND")
    assert error.metadata["stream"] == stream
    assert rclient.get_supervisor("gone") == before


# End to end -----------------------------------------------------------------------------------------------
class ContinuousPublisher(threading.Thread):
    """Publishes messages naming their own partition and offset to the super stream's partitions, every one
    confirmed, until stopped."""

    def __init__(self, streams: RabbitStreams, super_stream: str, rate_per_s: int = 1500):
        super().__init__(daemon=True)
        self.streams, self.super_stream, self.rate = streams, super_stream, rate_per_s
        self.sent = [0] * PARTITIONS
        self.halt = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        rng = random.Random(11)
        try:
            while not self.halt.is_set():
                started = time.monotonic()
                counts = [0] * PARTITIONS
                for _ in range(self.rate // 20):
                    counts[rng.randrange(PARTITIONS)] += 1
                self.streams.publish_many({f"{self.super_stream}-{p}": values(p, self.sent[p], n)
                                           for p, n in enumerate(counts)})
                self.sent = [s + n for s, n in zip(self.sent, counts)]
                self.halt.wait(max(0.0, 0.05 - (time.monotonic() - started)))
        except BaseException as e:  # pragma: no cover - reported by finish()
            self.error = e

    def finish(self) -> list[int]:
        self.halt.set()
        self.join(60)
        assert self.error is None, self.error
        return list(self.sent)


@pytest.fixture
def rabbit_cluster(tmp_path, postgres_url, kafka_bootstrap):
    c = Cluster(tmp_path, postgres_url, kafka_bootstrap)
    c.start_server()
    yield c
    c.stop()


def run_scenario(cluster: Cluster, rabbit: RabbitStreams, url: str, chaos: bool) -> dict:
    name = rabbit.create_super_stream(PARTITIONS, prefix="e2e")
    publisher = ContinuousPublisher(rabbit, name)
    with StreamvisorClient(cluster.address, retries=5, timeout=20) as client:
        client.create_supervisor("main", rabbitmq_spec(name, url, task_count=2))
        wait_for(lambda: all(p.HasField("checkpoint") for p in client.get_offsets("main").partitions), 30,
                 "start offsets resolved", cluster)
        assert [p.checkpoint for p in client.get_offsets("main").partitions] == [0] * PARTITIONS
        publisher.start()
        for _ in range(2):
            cluster.start_worker()
        wait_for(lambda: total_checkpointed(client, "main") > 2000, 90, "initial ingestion", cluster)

        # Lag builds while the workers are frozen mid-task (their leases, and in-flight output, go stale).
        cluster.signal_workers(signal.SIGSTOP)
        time.sleep(2.5)
        lag = client.get_offsets("main").total_lag
        assert lag > 1000, lag
        reset = client.reset_to_latest_and_backfill("main", backfill_task_count=2, request_id="rmq-incident-1")
        assert reset.backfill_supervisor_id and reset.backfill_ranges and not reset.unrecoverable_ranges
        cluster.signal_workers(signal.SIGCONT)

        if chaos:
            rng = random.Random(5)
            for round_ in range(3):
                time.sleep(rng.uniform(0.5, 1.5))
                victim = rng.choice([w for w in cluster.workers if w.poll() is None])
                victim.kill()  # SIGKILL wherever it is: mid-read, mid-write, mid-commit
                victim.wait()
                cluster.start_worker()
                if round_ == 1:
                    client.reset_to_latest_and_backfill("main", request_id="rmq-incident-2")  # commits in flight
                if round_ == 2:
                    cluster.kill_server()
                    time.sleep(1)
                    cluster.start_server()

        backfills = [s.id for s in client.iter_supervisors() if s.backfill_of == "main"]
        assert len(backfills) == (2 if chaos else 1)
        wait_for(lambda: all(client.get_supervisor(b).state == pb.SUPERVISOR_STATE_COMPLETED for b in backfills),
                 120, "backfills COMPLETED", cluster)
        produced = publisher.finish()
        wait_for(lambda: client.get_offsets("main").total_lag == 0, 120, "the live supervisor to catch up", cluster)
        offsets = client.get_offsets("main")
        assert [p.checkpoint for p in offsets.partitions] == produced == [p.latest for p in offsets.partitions]
        # Every confirmed message, by partition and value (RabbitMQ messages carry no key).
        expected = {(p, None, f"p{p}-n{n}") for p in range(PARTITIONS) for n in range(produced[p])}
        summary = verify_nothing_lost_nothing_twice(client, cluster.database_url, produced, expected, cluster)
        report = subprocess.run(CLI + ["--server", cluster.address, "coverage", "main"], capture_output=True,
                                text=True, timeout=60)
        assert "nothing lost, nothing twice" in report.stdout, report.stdout + report.stderr
        return {**summary, "produced": sum(produced)}


# (`rabbit` before `rabbit_cluster`: its streams are deleted only after the cluster has stopped.)
def test_lag_reset_backfill_catch_up_nothing_lost_nothing_twice_on_rabbitmq(rabbit, rabbit_cluster, rabbitmq_url):
    summary = run_scenario(rabbit_cluster, rabbit, rabbitmq_url, chaos=False)
    assert summary["records"] == summary["produced"] > 5000
    logs = "".join(p.read_text() for p in rabbit_cluster.logs.iterdir())
    assert "rabbitmq reader open" in logs and "segment discarded" in logs  # fenced output was thrown away


def test_the_same_with_killed_workers_a_reset_in_flight_and_a_server_restart(rabbit, rabbit_cluster, rabbitmq_url):
    summary = run_scenario(rabbit_cluster, rabbit, rabbitmq_url, chaos=True)
    assert summary["records"] == summary["produced"] > 5000


def test_the_same_into_an_iceberg_table_on_rabbitmq(rabbit, rabbit_cluster, rabbitmq_url):
    # The Iceberg sink under the same chaos, on a RabbitMQ super stream: verify reads the table itself.
    rabbit_cluster.output_url = (f"iceberg+sqlite:///{rabbit_cluster.tmp}/catalog.db"
                                 f"?warehouse=file://{rabbit_cluster.tmp}/warehouse")
    summary = run_scenario(rabbit_cluster, rabbit, rabbitmq_url, chaos=True)
    assert summary["records"] == summary["produced"] > 5000
