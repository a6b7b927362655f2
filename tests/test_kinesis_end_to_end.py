"""Kinesis, end to end, on real processes (issue 17's proof): a `streamvisor serve` process on PostgreSQL, two
reference `streamvisor worker` processes writing to a file output directory, a producer writing continuously
to a 2-shard stream on the local emulator (scripts/kinesis.sh; KINESIS_ENDPOINT), lag,
ResetToLatestAndBackfill - and, while the backfill is under way, a shard split and then a merge of two
adjacent open shards, a worker SIGKILLed (a new one started) and the server SIGKILLed and restarted on the
same database. Then, with the producer stopped, the backfill COMPLETED and the live supervisor caught up on
every shard, "nothing lost, nothing twice" is checked as a reader would: every acknowledged record (by shard,
sequence number and data) is in exactly one published segment file, the directory holds exactly the files
ListSegments names, coverage has no gap and no overlap, and `streamvisor verify` (the CLI) finds nothing
missing and nothing twice.

The harness (server and worker processes, signals, polling) is the Kafka end-to-end test's (test_end_to_end).

The stream: shards 0 and 1; after the reset, 0 is split into 2 and 3; then 3 is merged with 1 into 4.

      0 ──┬── 2 (open)
          └── 3 ──┐
      1 ──────────┴── 4 (open)
"""
from __future__ import annotations

import base64
import collections
import json
import random
import signal
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from kinesis_support import REGION, SPLIT_AT, Streams  # tests/ is on the path
from streamvisor.client import StreamvisorClient, exact
from streamvisor.store.engine import create_store_engine
from streamvisor.store.sql import SqlMetadataStore
from streamvisor.v1 import supervisor_pb2 as pb
from test_end_to_end import CLI, Cluster, note, verify_destination, wait_for

pytestmark = pytest.mark.kinesis

HASH_SPACE = 2 ** 128
BATCH = 25  # records per PutRecords call


class KinesisProducer(threading.Thread):
    """Writes records with unique data (`r<n>`) at random explicit hash keys, so every shard - the parents and,
    after the resharding, the children - gets its share, until stopped. Keeps what Kinesis acknowledged:
    (shard number, sequence number, data)."""

    def __init__(self, streams: Streams, stream: str, batches_per_s: float = 10):
        super().__init__(daemon=True)
        self.client, self.stream, self.interval = streams.client, stream, 1 / batches_per_s
        self.acknowledged: list[tuple[int, int, bytes]] = []
        self.failed: list[str] = []
        self.halt = threading.Event()
        self._burst = 0
        self._n = 0

    def burst(self, records: int) -> None:
        """Writes `records` more as fast as the emulator takes them: a backlog for the backfill."""
        self._burst += records

    def pending_burst(self) -> int:
        return self._burst

    def _put(self, count: int) -> None:
        batch = []
        for _ in range(count):
            batch.append({"Data": f"r{self._n}".encode(), "PartitionKey": f"k{self._n % 97}",
                          "ExplicitHashKey": str(random.randrange(HASH_SPACE))})
            self._n += 1
        while batch:
            # A failed call would leave it unknown whether its records were written: the test then fails
            # (a retry could write a record twice, and the proof would count the producer's duplicate).
            response = self.client.put_records(StreamName=self.stream, Records=batch)
            retry = []
            for entry, result in zip(batch, response["Records"]):
                if "SequenceNumber" in result:
                    shard = int(result["ShardId"].rsplit("-", 1)[1])
                    self.acknowledged.append((shard, int(result["SequenceNumber"]), entry["Data"]))
                else:  # refused (throughput exceeded): certainly not written, so written again
                    retry.append(entry)
            batch = retry

    def run(self) -> None:
        try:
            while not self.halt.is_set():
                started = time.monotonic()
                if self._burst:
                    n = min(self._burst, 500)
                    self._put(n)
                    self._burst -= n
                    continue
                self._put(BATCH)
                self.halt.wait(max(0.0, self.interval - (time.monotonic() - started)))
        except Exception as e:  # noqa: BLE001 - reported by finish(), on the test's thread
            self.failed.append(repr(e))

    def finish(self) -> list[tuple[int, int, bytes]]:
        self.halt.set()
        self.join(timeout=60)
        assert not self.is_alive() and self.failed == [], self.failed[:3]
        return list(self.acknowledged)


def kinesis_spec(stream: str, endpoint: str) -> pb.SupervisorSpec:
    """From the latest (ResetToLatestAndBackfill requires it), on a stream with no records yet: every record
    written after the start offsets are resolved is promised."""
    return pb.SupervisorSpec(
        stream_type=pb.STREAM_TYPE_KINESIS, stream=stream, task_count=2,
        consumer_properties={"kinesis.endpoint": endpoint, "kinesis.region": REGION,
                             "kinesis.access_key_id": "test", "kinesis.secret_access_key": "test"},
        context={"useConcurrentLocks": "true"})


def checkpoints_in_store(cluster: Cluster, supervisor_id: str) -> dict[int, int]:
    """Read from the metadata store, not over the RPC: fast enough to poll every few milliseconds."""
    store = SqlMetadataStore(create_store_engine(cluster.database_url))
    try:
        with store.read() as tx:
            return dict(tx.get_checkpoints(supervisor_id))
    finally:
        store.dispose()


def rows(client: StreamvisorClient, supervisor_id: str) -> dict[int, pb.PartitionOffsets]:
    return {r.partition: r for r in client.get_offsets(supervisor_id).partitions}


def caught_up(client: StreamvisorClient, supervisor_id: str, shards: set[int]) -> bool:
    """Every shard listed, none with records ahead of its checkpoint, each closed one checkpointed at its end."""
    offsets = rows(client, supervisor_id)
    return set(offsets) >= shards and all(
        r.HasField("checkpoint_decimal") and not r.behind
        and (not r.closed or exact(r, "checkpoint") == exact(r, "latest")) for r in offsets.values())


def read_published_files(client: StreamvisorClient) -> tuple[collections.Counter, int]:
    """Every record of every segment file ListSegments names for the family, as (shard, sequence, data); each
    file holds exactly its segment's record_count records, all inside the ranges its commit claimed."""
    found: collections.Counter = collections.Counter()
    segments = list(client.iter_segments("main", include_backfills=True, page_size=1000))
    for segment in segments:
        lines = [json.loads(line) for line in Path(urlparse(segment.location).path).read_text().splitlines()]
        assert len(lines) == segment.record_count, segment
        ranges = [(r.partition, exact(r, "start_offset"), exact(r, "end_offset")) for r in segment.ranges]
        for record in lines:
            shard, sequence = record["partition"], int(record["offset"])
            assert any(p == shard and a <= sequence < b for p, a, b in ranges), (record, ranges, segment.location)
            found[(shard, sequence, base64.b64decode(record["value"]))] += 1
    return found, len(segments)


def read_published_table(cluster: Cluster) -> tuple[collections.Counter, int]:
    """Every row of the family's Iceberg table as a reader scans it, as (shard, sequence, data): the offset
    column holds the sequence number as a zero-padded decimal string (a long cannot hold 56 digits)."""
    from streamvisor.worker.sinks import open_sink
    sink = open_sink(cluster.output_url)
    try:
        table = sink._load_table("main")
        rows = table.scan(selected_fields=("partition", "offset", "value")).to_arrow().to_pylist()
        snapshots = len(table.snapshots())
    finally:
        sink.close()
    found: collections.Counter = collections.Counter()
    for row in rows:
        found[(int(row["partition"]), int(row["offset"]), row["value"])] += 1
    return found, snapshots


def state_name(client: StreamvisorClient, supervisor_id: str) -> str:
    return pb.SupervisorState.Name(client.get_supervisor(supervisor_id).state)


def children_after_parents(client: StreamvisorClient, supervisor_id: str, parents: dict[int, tuple[int, ...]]) -> None:
    """In commit order (segment ids), a child shard's first published record comes after every record of its
    parents: no child was leased and read before its parents were read to their ends."""
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for segment in client.iter_segments(supervisor_id, include_backfills=False, page_size=1000):
        for r in segment.ranges:
            first.setdefault(r.partition, segment.segment_id)
            last[r.partition] = max(last.get(r.partition, 0), segment.segment_id)
    for child, of in parents.items():
        assert child in first, f"{supervisor_id} published nothing of shard {child}"
        for parent in of:
            assert last[parent] < first[child], \
                f"{supervisor_id}: shard {child}'s first segment {first[child]} is not after shard {parent}'s " \
                f"last {last[parent]}"


def reshard_kill_and_restart(cluster: Cluster, client: StreamvisorClient, streams: Streams, stream: str,
                             producer: KinesisProducer, backfill: str, started: dict[int, int]) -> None:
    """While the backfill is under way: freeze the workers the moment it has published part of its range, split
    shard 0 and merge 3 with 1 (ACTIVE between), let them run, SIGKILL one worker and start another, SIGKILL the
    server and restart it on the same database."""
    def under_way():
        now = checkpoints_in_store(cluster, backfill)
        return now if any(now[p] > started[p] for p in started) else None
    progress = wait_for(under_way, 90, f"{backfill} to publish part of its range", cluster, interval=0.01)
    cluster.signal_workers(signal.SIGSTOP)
    state = client.get_supervisor(backfill).state
    assert state != pb.SUPERVISOR_STATE_COMPLETED, \
        "the backfill finished before the resharding could land in it: give it a larger backlog"
    note(f"backfill under way supervisor_id={backfill} checkpoints="
         + " ".join(f"{p}:{o}" for p, o in sorted(progress.items())))
    streams.split(stream, "shardId-000000000000", SPLIT_AT)
    note(f"split stream={stream} shardId-000000000000 into 2 and 3")
    # Shard 3 is open only until the merge: let it take writes first, so the proof covers a shard that was
    # both a child (of 0) and a parent (of 4).
    wait_for(lambda: sum(shard == 3 for shard, _, _ in list(producer.acknowledged)) >= 10, 30,
             "shard 3 to take writes", cluster, interval=0.05)
    streams.merge(stream, "shardId-000000000003", "shardId-000000000001")
    note(f"merged stream={stream} shardId-000000000003 and shardId-000000000001 into 4")
    cluster.signal_workers(signal.SIGCONT)

    time.sleep(random.uniform(0.3, 1.0))
    victim = random.choice([w for w in cluster.workers if w.poll() is None])
    victim.kill()  # SIGKILL mid-read, mid-commit, wherever it is
    victim.wait()
    cluster.start_worker()
    note(f"worker pid={victim.pid} SIGKILLed, a new one started; backfill {state_name(client, backfill)}")

    time.sleep(random.uniform(0.3, 1.0))
    state = state_name(client, backfill)
    cluster.kill_server()
    note(f"server SIGKILLed; backfill {state}")
    time.sleep(1)
    cluster.start_server()
    note("server restarted on the same database")


@pytest.fixture
def streams(kinesis_endpoint):
    s = Streams(kinesis_endpoint)
    yield s
    s.close()


@pytest.fixture
def cluster(tmp_path, postgres_url, kafka_bootstrap):
    c = Cluster(tmp_path, postgres_url, kafka_bootstrap)
    c.start_server()
    yield c
    c.stop()


@pytest.mark.parametrize("sink", ["files", "iceberg"])
def test_a_split_and_a_merge_during_a_backfill_with_workers_and_the_server_killed_lose_nothing_repeat_nothing(
        cluster, streams, kinesis_endpoint, sink):
    began = time.monotonic()
    if sink == "iceberg":  # the workers write the family's Iceberg table instead of the directory
        cluster.output_url = f"iceberg+sqlite:///{cluster.tmp}/catalog.db?warehouse=file://{cluster.tmp}/warehouse"
    stream = streams.create(2)
    producer = KinesisProducer(streams, stream)
    with StreamvisorClient(cluster.address, retries=5, timeout=20) as client:
        client.create_supervisor("main", kinesis_spec(stream, kinesis_endpoint))
        wait_for(lambda: set(checkpoints_in_store(cluster, "main")) == {0, 1}, 30, "start offsets resolved", cluster)
        producer.start()
        for _ in range(2):
            cluster.start_worker()
        wait_for(lambda: len(list(client.iter_segments("main"))) >= 4, 90, "initial ingestion", cluster)
        note(f"ingesting supervisor_id=main records={len(producer.acknowledged)}")

        # Lag builds while the workers are frozen mid-task: a backlog of several pages per shard, so the
        # backfill takes a few rounds of GetRecords and the resharding lands in the middle of it.
        cluster.signal_workers(signal.SIGSTOP)
        producer.burst(6000)
        wait_for(lambda: producer.pending_burst() == 0, 60, "the backlog written", cluster, interval=0.1)
        reset = client.reset_to_latest_and_backfill("main", backfill_task_count=2, request_id="incident-1")
        backfill = reset.backfill_supervisor_id
        ranges = {r.partition: (exact(r, "start_offset"), exact(r, "end_offset")) for r in reset.backfill_ranges}
        assert sorted(ranges) == [0, 1] and reset.unrecoverable_ranges == [], reset
        note(f"reset supervisor_id=main backfill={backfill} ranges="
             + " ".join(f"{p}:[{a},{b})" for p, (a, b) in sorted(ranges.items())))
        cluster.signal_workers(signal.SIGCONT)

        starts = {p: a for p, (a, _) in ranges.items()}
        reshard_kill_and_restart(cluster, client, streams, stream, producer, backfill, starts)

        wait_for(lambda: client.get_supervisor(backfill).state == pb.SUPERVISOR_STATE_COMPLETED, 120,
                 f"{backfill} COMPLETED", cluster)
        note(f"backfill COMPLETED supervisor_id={backfill}")
        time.sleep(2)  # the children take writes for a while
        produced = producer.finish()
        note(f"producer stopped records={len(produced)}")
        wait_for(lambda: caught_up(client, "main", {0, 1, 2, 3, 4}), 120,
                 "the live supervisor caught up on every shard", cluster)
        offsets = rows(client, "main")
        note("caught up supervisor_id=main checkpoints="
             + " ".join(f"{p}:{exact(r, 'checkpoint')}" for p, r in sorted(offsets.items())))
        assert client.get_supervisor("main").state == pb.SUPERVISOR_STATE_RUNNING
        assert {p: list(r.parent_partition_ids) for p, r in offsets.items()} == {
            0: [], 1: [], 2: ["shardId-000000000000"], 3: ["shardId-000000000000"],
            4: ["shardId-000000000003", "shardId-000000000001"]}
        by_shard = collections.Counter(shard for shard, _, _ in produced)
        assert all(by_shard[s] > 0 for s in range(5)), f"every shard took writes: {by_shard}"

        children_after_parents(client, "main", {2: (0,), 3: (0,), 4: (3, 1)})

        # The reader's view: the files ListSegments names, every acknowledged record in exactly one of them.
        verify_destination(cluster, client)  # `streamvisor verify main --output URL` (and a directory's files)
        found, segments = read_published_files(client) if sink == "files" else read_published_table(cluster)
        expected = {(shard, sequence, data) for shard, sequence, data in produced}
        assert len(expected) == len(produced)
        missing, extra = expected - set(found), set(found) - expected
        assert not missing and not extra, \
            f"missing {len(missing)} (e.g. {sorted(missing)[:3]}), unexpected {len(extra)} (e.g. {sorted(extra)[:3]})"
        twice = {k: n for k, n in found.items() if n != 1}
        assert twice == {}, f"{len(twice)} records published more than once, e.g. {sorted(twice.items())[:3]}"

        coverage = client.get_coverage("main")
        assert coverage.total_gaps == 0 and coverage.total_overlaps == 0 and not coverage.unrecoverable_ranges, coverage
        assert set(coverage.supervisor_ids) == {"main", backfill}
        for partition in coverage.partitions:  # one contiguous published range per shard, up to its checkpoint
            published = [(exact(r, "start_offset"), exact(r, "end_offset")) for r in partition.published]
            assert len(published) == 1, (partition.partition, published)
            assert published[0][1] == exact(offsets[partition.partition], "checkpoint"), partition
        assert {p.partition for p in coverage.partitions} == {0, 1, 2, 3, 4}
        report = subprocess.run(CLI + ["--server", cluster.address, "coverage", "main"], capture_output=True,
                                text=True, timeout=60)
        assert "nothing lost, nothing twice" in report.stdout, report.stdout + report.stderr
        note(f"verified supervisor_id=main records={len(produced)} segments={segments} "
             f"seconds={time.monotonic() - began:.0f}")
    assert len(produced) > 6000
    logs = "".join(p.read_text() for p in cluster.logs.iterdir())
    assert "kinesis shard read to its end" in logs  # the split and the merge closed shards under the readers
