"""The whole promise, end to end, on real processes: a server, two reference workers, a producer
writing continuously to an 8-partition topic, lag, ResetToLatestAndBackfill, the backfill COMPLETED,
the live supervisor caught up - and then "nothing lost, nothing twice" checked twice over: by the
coverage RPC (segment records) and by reading every published segment file.

The chaos variant adds SIGKILLed workers, resets while commits are in flight, and a server restart.
"""
from __future__ import annotations

import base64
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from confluent_kafka import Producer

from helpers import kafka_spec
from streamvisor.client import StreamvisorClient
from streamvisor.store.engine import create_store_engine
from streamvisor.store.sql import SqlMetadataStore
from streamvisor.v1 import supervisor_pb2 as pb

PARTITIONS = 8
CLI = [sys.executable, "-m", "streamvisor"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A server process and worker processes, started, paused, killed and restarted like real ones."""

    def __init__(self, tmp: Path, database_url: str, bootstrap: str):
        self.tmp, self.database_url, self.bootstrap = tmp, database_url, bootstrap
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.output = tmp / "segments"
        self.server: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.logs = tmp / "logs"
        self.logs.mkdir()
        self._n = 0

    def _spawn(self, args: list[str], name: str) -> subprocess.Popen:
        self._n += 1
        log = open(self.logs / f"{self._n:02d}-{name}.log", "w")
        env = {**os.environ, "STREAMVISOR_SCHEDULER_INTERVAL_S": "0.2"}
        return subprocess.Popen(CLI + args, stdout=log, stderr=subprocess.STDOUT, env=env)

    def start_server(self) -> None:
        self.server = self._spawn(["serve", "--listen", self.address, "--database-url", self.database_url,
                                   "--kafka-bootstrap", self.bootstrap], "server")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with StreamvisorClient(self.address, retries=0, timeout=2) as c:
                    list(c.iter_supervisors())
                return
            except Exception:
                assert self.server.poll() is None, self.tail()
                time.sleep(0.2)
        raise AssertionError("server did not start\n" + self.tail())

    def kill_server(self) -> None:
        self.server.kill()
        self.server.wait()

    def start_worker(self) -> subprocess.Popen:
        worker = self._spawn(["--server", self.address, "worker", "--output", str(self.output), "--lease-seconds", "3",
                              "--commit-seconds", "0.3", "--commit-records", "400"], "worker")
        self.workers.append(worker)
        return worker

    def signal_workers(self, sig) -> None:
        for w in self.workers:
            if w.poll() is None:
                w.send_signal(sig)

    def stop(self) -> None:
        self.signal_workers(signal.SIGCONT)
        self.signal_workers(signal.SIGTERM)
        for w in self.workers:
            try:
                w.wait(timeout=30)
            except subprocess.TimeoutExpired:
                w.kill()
        if self.server and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()

    def tail(self) -> str:
        return "\n".join(f"== {p.name}\n" + p.read_text()[-3000:] for p in sorted(self.logs.iterdir()))


class ContinuousProducer(threading.Thread):
    """Writes records whose value names their own partition and sequence number, until stopped."""

    def __init__(self, bootstrap: str, topic: str, rate_per_s: int = 1500):
        super().__init__(daemon=True)
        self.topic, self.rate = topic, rate_per_s
        # No auto-creation: the broker has Kafka's defaults, and the topic is deleted after the test.
        self.producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 10, "enable.idempotence": True,
                                  "allow.auto.create.topics": False})
        self.sent = [0] * PARTITIONS
        self.failed: list[str] = []
        self.halt = threading.Event()

    def _delivered(self, err, msg) -> None:
        if err is not None:
            self.failed.append(str(err))

    def run(self) -> None:
        while not self.halt.is_set():
            started = time.monotonic()
            for _ in range(self.rate // 20):
                p = random.randrange(PARTITIONS)
                self.producer.produce(self.topic, key=f"k{self.sent[p]}".encode(),
                                      value=f"p{p}-n{self.sent[p]}".encode(), partition=p, on_delivery=self._delivered)
                self.sent[p] += 1
            self.producer.poll(0)
            self.halt.wait(max(0.0, 0.05 - (time.monotonic() - started)))

    def finish(self) -> list[int]:
        self.halt.set()
        self.join()
        assert self.producer.flush(60) == 0 and self.failed == []
        return list(self.sent)


def wait_for(predicate, timeout: float, what: str, cluster: Cluster):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}\n{cluster.tail()}")


def total_checkpointed(client: StreamvisorClient, supervisor_id: str) -> int:
    return sum(p.checkpoint for p in client.get_offsets(supervisor_id).partitions if p.HasField("checkpoint"))


def verify_nothing_lost_nothing_twice(client: StreamvisorClient, database_url: str, produced: list[int]) -> dict:
    """Coverage from segment records, then the segment files themselves."""
    cov = client.get_coverage("main")
    assert cov.total_gaps == 0 and cov.total_overlaps == 0, cov
    assert [(c.partition, [(r.start_offset, r.end_offset) for r in c.published]) for c in cov.partitions] == [
        (p, [(0, produced[p])]) for p in range(PARTITIONS)], cov
    assert len(cov.supervisor_ids) >= 2  # main and at least one backfill

    store = SqlMetadataStore(create_store_engine(database_url))
    with store.read() as tx:
        segments = tx.list_segments(list(cov.supervisor_ids))
    store.dispose()
    seen: dict[tuple[int, int], int] = {}
    for segment in segments:
        lines = Path(urlparse(segment.location).path).read_text().splitlines()
        assert len(lines) == segment.record_count
        for line in lines:
            record = json.loads(line)
            key = (record["partition"], record["offset"])
            seen[key] = seen.get(key, 0) + 1
            assert base64.b64decode(record["value"]).decode() == f"p{record['partition']}-n{record['offset']}"
        for rng in segment.ranges:  # the file holds exactly the range its commit claimed
            offsets = sorted(json.loads(line)["offset"] for line in lines if json.loads(line)["partition"] == rng.partition)
            assert offsets == list(range(rng.start, rng.end))
    expected = {(p, o) for p in range(PARTITIONS) for o in range(produced[p])}
    assert set(seen) == expected, f"missing {len(expected - set(seen))}, extra {len(set(seen) - expected)}"
    twice = {k: n for k, n in seen.items() if n != 1}
    assert twice == {}, f"{len(twice)} records ingested more than once"
    return {"segments": len(segments), "records": len(seen)}


@pytest.fixture
def cluster(tmp_path, postgres_url, kafka_bootstrap):
    c = Cluster(tmp_path, postgres_url, kafka_bootstrap)
    c.start_server()
    yield c
    c.stop()


def run_scenario(cluster: Cluster, topics, chaos: bool) -> dict:
    topic = topics.create(PARTITIONS, prefix="e2e")
    producer = ContinuousProducer(cluster.bootstrap, topic)
    with StreamvisorClient(cluster.address, retries=5, timeout=20) as client:
        # Reading from latest (ResetToLatestAndBackfill requires it) on an empty topic: every offset
        # from 0 on is promised once the scheduler has resolved the start offsets.
        client.create_supervisor("main", kafka_spec(topic, task_count=2))
        wait_for(lambda: all(p.HasField("checkpoint") for p in client.get_offsets("main").partitions), 30,
                 "start offsets resolved", cluster)
        producer.start()
        for _ in range(2):
            cluster.start_worker()
        wait_for(lambda: total_checkpointed(client, "main") > 2000, 90, "initial ingestion", cluster)

        # Lag builds while the workers are frozen mid-task (their leases, and in-flight output, go stale).
        cluster.signal_workers(signal.SIGSTOP)
        time.sleep(2.5)
        first = client.reset_to_latest_and_backfill("main", backfill_task_count=2, request_id="incident-1")
        assert first.backfill_supervisor_id and first.backfill_ranges
        cluster.signal_workers(signal.SIGCONT)

        if chaos:
            rng = random.Random(7)
            for round_ in range(3):
                time.sleep(rng.uniform(0.5, 2.0))
                victim = rng.choice([w for w in cluster.workers if w.poll() is None])
                victim.kill()  # SIGKILL mid-commit, mid-write, wherever it is
                victim.wait()
                cluster.start_worker()
                if round_ == 1:
                    # A reset while commits are in flight (no pause this time).
                    client.reset_to_latest_and_backfill("main", request_id="incident-2")
                if round_ == 2:
                    cluster.kill_server()  # and the control plane itself goes down and comes back
                    time.sleep(1)
                    cluster.start_server()

        backfills = [s.id for s in client.iter_supervisors() if s.backfill_of == "main"]
        assert len(backfills) == (2 if chaos else 1)
        wait_for(lambda: all(client.get_supervisor(b).state == pb.SUPERVISOR_STATE_COMPLETED for b in backfills),
                 180, "backfills COMPLETED", cluster)
        produced = producer.finish()
        wait_for(lambda: client.get_offsets("main").total_lag == 0, 180, "the live supervisor to catch up", cluster)
        assert [p.checkpoint for p in client.get_offsets("main").partitions] == produced
        watched = subprocess.run(CLI + ["--server", cluster.address, "backfill", "watch", "main", "--timeout", "10"],
                                 capture_output=True, text=True, timeout=60)
        assert watched.returncode == 0 and "all backfills COMPLETED" in watched.stdout, watched.stdout + watched.stderr
        summary = verify_nothing_lost_nothing_twice(client, cluster.database_url, produced)
        report = subprocess.run(CLI + ["--server", cluster.address, "coverage", "main"], capture_output=True,
                                text=True, timeout=60)
        assert "nothing lost, nothing twice" in report.stdout, report.stdout + report.stderr
        return {**summary, "produced": sum(produced)}


def test_lag_reset_backfill_catch_up_nothing_lost_nothing_twice(cluster, topics):
    summary = run_scenario(cluster, topics, chaos=False)
    assert summary["records"] == summary["produced"] > 5000


def test_the_same_with_killed_workers_resets_in_flight_and_a_server_restart(cluster, topics):
    summary = run_scenario(cluster, topics, chaos=True)
    assert summary["records"] == summary["produced"] > 5000
    logs = "".join(p.read_text() for p in cluster.logs.iterdir())
    assert "segment discarded" in logs  # fenced output really was thrown away, not published
