"""Shared plumbing for the benchmarks: topics on the real broker, the in-process server, statistics.

Not a benchmark itself; `python bench/bench_*.py` finds it because the script's directory is on sys.path.
"""
from __future__ import annotations

import contextlib
import logging
import math
import os
import platform
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, IsolationLevel, KafkaException, Producer, \
    TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic, OffsetSpec

from streamvisor.api.server import StreamvisorServer
from streamvisor.config import ServerConfig
from streamvisor.v1 import supervisor_pb2 as pb

DEFAULT_BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:19092")
DEFAULT_PG_URL = os.environ.get("STREAMVISOR_TEST_PG_URL",
                                "postgresql+psycopg://postgres@127.0.0.1:15432/streamvisor")


# librdkafka logs every failed reconnect (dozens a second while a broker restarts). Our own clients send
# them here, silenced: a broker that stays away surfaces as an exception with a clear message instead.
KAFKA_LOGGER = logging.getLogger("bench.librdkafka")
KAFKA_LOGGER.setLevel(logging.CRITICAL)


def configure_logging(level: str) -> None:
    # The server's own configure() (text lines on stderr), so INFO shows exactly what a deployment writes.
    from streamvisor.logs import configure
    configure(level.upper())


# Statistics ------------------------------------------------------------------------------------------
def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation): with 200 samples, p99 is the 3rd-largest value."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(samples: Sequence[float]) -> dict[str, float]:
    return {"p50": percentile(samples, 50), "p99": percentile(samples, 99), "mean": statistics.fmean(samples),
            "min": min(samples), "max": max(samples)}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f}"


def print_table(title: str, rows: Iterable[tuple[str, Sequence[float]]]) -> None:
    print(f"\n{title}")
    print(f"  {'':<34} {'n':>4} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'min ms':>8} {'max ms':>8}")
    for name, samples in rows:
        s = summary(samples)
        print(f"  {name:<34} {len(samples):>4} {ms(s['p50'])} {ms(s['p99'])} {ms(s['mean'])} "
              f"{ms(s['min'])} {ms(s['max'])}")


def load_average() -> str:
    """Other work on a 2-core machine (a test suite, a broker restart) moves every figure: say so."""
    try:
        return "load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "load average ?"


def code_version() -> str:
    """The commit the server code was measured at, and whether server/ had uncommitted changes."""
    import subprocess
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "server"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "code ?"
    return f"code {head or '?'}" + (f" + {len(dirty.splitlines())} uncommitted file(s) in server/" if dirty else "")


def environment_line() -> str:
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"python {platform.python_version()}, {os.cpu_count()} cpus ({model}), {load_average()}"


# Kafka -----------------------------------------------------------------------------------------------
class Topic:
    """A uniquely named topic on the real broker, created ready to answer offset requests, and deleted."""

    def __init__(self, bootstrap: str, partitions: int, prefix: str):
        self.bootstrap = bootstrap
        self.partitions = partitions
        self.name = f"{prefix}-{uuid.uuid4().hex[:10]}"
        self.admin = AdminClient({"bootstrap.servers": bootstrap, "logger": KAFKA_LOGGER})
        self.producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "acks": "all",
                                  "logger": KAFKA_LOGGER})
        self._created = False

    def create(self, ready_timeout_s: float = 120.0) -> float:
        """Creates the topic and returns how long the broker took until every partition answered."""
        start = time.perf_counter()
        futures = self.admin.create_topics(
            [NewTopic(self.name, num_partitions=self.partitions, replication_factor=1)], operation_timeout=60)
        futures[self.name].result(timeout=90)
        self._created = True
        # create_topics returning does not mean the partitions have leaders yet: list_offsets answers
        # NOT_LEADER_OR_FOLLOWER (or unknown partition) for several seconds on a 1,000-partition topic.
        # Poll the very request the benchmark times until every partition answers it.
        deadline = start + ready_timeout_s
        while True:
            failed = self._unanswered()
            if not failed:
                return time.perf_counter() - start
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{failed} of {self.partitions} partitions of {self.name} still do not answer "
                                   f"list_offsets after {ready_timeout_s:.0f}s")
            time.sleep(0.5)

    def _unanswered(self) -> int:
        request = {TopicPartition(self.name, p): OffsetSpec.latest() for p in range(self.partitions)}
        futures = self.admin.list_offsets(request, isolation_level=IsolationLevel.READ_COMMITTED,
                                          request_timeout=10)
        failed = 0
        for f in futures.values():
            try:
                if f.result(timeout=15).offset < 0:
                    failed += 1
            except KafkaException:
                failed += 1
        return failed

    def produce(self, per_partition: int, value_size: int = 16) -> None:
        """Appends `per_partition` records to every partition and waits until all are acknowledged."""
        value = b"v" * value_size
        for i in range(per_partition):
            for p in range(self.partitions):
                self.producer.produce(self.name, value=value, key=f"{p}-{i}".encode(), partition=p)
            self.producer.poll(0)
        remaining = self.producer.flush(60)
        if remaining:
            raise RuntimeError(f"{remaining} records were not acknowledged")

    def produce_bulk(self, per_partition: int, value_size: int) -> float:
        """Like produce(), for hundreds of megabytes: its own batching producer, waiting out a full local
        queue (BufferError) instead of failing. Keys are "<partition>-<i>". Returns the seconds it took."""
        producer = Producer({"bootstrap.servers": self.bootstrap, "linger.ms": 20, "batch.size": 1_000_000,
                             "acks": "all", "queue.buffering.max.messages": 200_000,
                             "queue.buffering.max.kbytes": 512 * 1024, "logger": KAFKA_LOGGER})
        value = os.urandom(value_size)  # incompressible, though no compression is configured anyway
        failed: list[str] = []

        def delivered(err, _msg) -> None:
            if err is not None:
                failed.append(str(err))

        started = time.perf_counter()
        for i in range(per_partition):
            for p in range(self.partitions):
                while True:
                    try:
                        producer.produce(self.name, value=value, key=f"{p}-{i}".encode(), partition=p,
                                         on_delivery=delivered)
                        break
                    except BufferError:
                        producer.poll(0.05)
            if i % 64 == 0:
                producer.poll(0)
        remaining = producer.flush(120)
        if remaining or failed:
            raise RuntimeError(f"{remaining} records not acknowledged, {len(failed)} failed: {failed[:3]}")
        return time.perf_counter() - started

    def watermarks(self) -> tuple[dict[int, int], dict[int, int]]:
        """(earliest, latest) of every partition, read_committed, via the same two concurrent requests."""
        tps = [TopicPartition(self.name, p) for p in range(self.partitions)]
        earliest = self.admin.list_offsets({tp: OffsetSpec.earliest() for tp in tps},
                                           isolation_level=IsolationLevel.READ_COMMITTED, request_timeout=10)
        latest = self.admin.list_offsets({tp: OffsetSpec.latest() for tp in tps},
                                         isolation_level=IsolationLevel.READ_COMMITTED, request_timeout=10)
        return ({tp.partition: f.result(timeout=15).offset for tp, f in earliest.items()},
                {tp.partition: f.result(timeout=15).offset for tp, f in latest.items()})

    def delete(self) -> None:
        if not self._created:
            return
        self._created = False
        try:
            for f in self.admin.delete_topics([self.name], operation_timeout=60).values():
                f.result(timeout=90)
        except Exception as e:  # cleanup must not hide the figures already printed
            print(f"warning: could not delete topic {self.name}: {e}")


class BareWatermarks:
    """The baseline: exactly the adapter's broker work (streams/kafka/adapter.py KafkaStreamAdapter.watermarks),
    with nothing around it - one AdminClient, earliest and latest list_offsets in flight at once,
    read_committed, then wait for every future."""

    def __init__(self, bootstrap: str, topic: str, partitions: int):
        self.admin = AdminClient({"bootstrap.servers": bootstrap, "logger": KAFKA_LOGGER})
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        # Built once: the timed call measures the broker round trip and the futures, not dict building.
        # (The server builds its request dicts on every call: that cost is part of its overhead.)
        self.earliest = {tp: OffsetSpec.earliest() for tp in tps}
        self.latest = {tp: OffsetSpec.latest() for tp in tps}

    def __call__(self) -> None:
        # Both requests are issued before either is waited for: two calls in flight, as in the adapter.
        in_flight = [self.admin.list_offsets(request, isolation_level=IsolationLevel.READ_COMMITTED,
                                             request_timeout=5) for request in (self.earliest, self.latest)]
        for futures in in_flight:
            for f in futures.values():
                f.result()


class BareLookups:
    """The same broker work the way the adapter asks it since it left list_offsets (streams/kafka/adapter.py):
    one consumer handle, offsets_for_times with the earliest (-2) and latest (-1) "timestamps", both in
    flight at once on two threads, read_committed. The floor of the call the server now makes."""

    def __init__(self, bootstrap: str, topic: str, partitions: int):
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-bare-lookups",
                                  "enable.auto.commit": False, "isolation.level": "read_committed",
                                  "allow.auto.create.topics": False, "logger": KAFKA_LOGGER})
        self.earliest = [TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)]
        self.latest = [TopicPartition(topic, p, OFFSET_END) for p in range(partitions)]
        self.pool = ThreadPoolExecutor(2)

    def __call__(self) -> None:
        in_flight = [self.pool.submit(self.consumer.offsets_for_times, request, 5)
                     for request in (self.earliest, self.latest)]
        for lookup in in_flight:
            lookup.result()

    def close(self) -> None:
        self.pool.shutdown()
        self.consumer.close()


# Server ----------------------------------------------------------------------------------------------
def start_server(database_url: str, bootstrap: str, **overrides) -> StreamvisorServer:
    """An in-process server on a free loopback port. `overrides` are ServerConfig fields (scheduler,
    scheduler_interval_s, max_workers, ...); without them the ServerConfig defaults apply."""
    config = ServerConfig(listen="127.0.0.1:0", database_url=database_url,
                          default_consumer_properties={"bootstrap.servers": bootstrap}, shutdown_grace_s=0,
                          **overrides)
    server = StreamvisorServer(config)
    server.start()
    return server


def kafka_spec(topic: str, task_count: int = 4) -> pb.SupervisorSpec:
    # useConcurrentLocks=true: ResetToLatestAndBackfill refuses supervisors without it.
    return pb.SupervisorSpec(stream_type=pb.STREAM_TYPE_KAFKA, stream=topic, task_count=task_count,
                             use_earliest_offset=False, context={"useConcurrentLocks": "true"})



# Databases -------------------------------------------------------------------------------------------
class PostgresDatabase:
    """A database created for this run on the PostgreSQL server of `base_url`, dropped afterwards."""

    def __init__(self, base_url: str, prefix: str = "bench_reset"):
        from sqlalchemy import create_engine, text
        self._text = text
        self.admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
        self.name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        self.url = base_url.rsplit("/", 1)[0] + f"/{self.name}"
        with self.admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{self.name}"'))

    def drop(self) -> None:
        try:
            with self.admin.connect() as c:
                c.execute(self._text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        except Exception as e:  # cleanup must not hide the figures already printed
            print(f"warning: could not drop database {self.name}: {e}")
        self.admin.dispose()


@contextlib.contextmanager
def metadata_database(kind: str, pg_url: str, prefix: str) -> Iterator[str]:
    """Yields the URL of an empty metadata database of `kind` (sqlite: a file in a temp dir; postgresql:
    a database created next to `pg_url`), and removes it afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as tmp:
            yield f"sqlite:///{tmp}/streamvisor.db"
    elif kind == "postgresql":
        pg = PostgresDatabase(pg_url, prefix.replace("-", "_"))
        try:
            yield pg.url
        finally:
            pg.drop()
    else:
        raise ValueError(f"unknown database {kind!r}: sqlite or postgresql")


# Data plane ------------------------------------------------------------------------------------------
def wait_completed(server: StreamvisorServer, supervisor_id: str, timeout_s: float,
                   poll_s: float = 0.1) -> datetime:
    """Waits until the supervisor is COMPLETED and returns when it became so: its update_time, written
    (server clock) by the commit transaction that published its last range - so the polling interval
    does not blur the figure."""
    from streamvisor.domain.model import SupervisorState
    deadline = time.monotonic() + timeout_s
    while True:
        supervisor = server.service.get(supervisor_id)
        if supervisor.state is SupervisorState.COMPLETED:
            return supervisor.update_time
        if supervisor.state.is_terminal or time.monotonic() > deadline:
            raise RuntimeError(f"supervisor {supervisor_id} is {supervisor.state.value} after "
                               f"{timeout_s:.0f}s, not COMPLETED")
        time.sleep(poll_s)


def bounded_spec(topic: str, ends: dict[int, int], task_count: int, starts: dict[int, int] | None = None,
                 ) -> pb.SupervisorSpec:
    """A backfill's spec: what ResetToLatestAndBackfill creates (SupervisorSpec.bounded_copy of a live
    spec with useConcurrentLocks=true), one bounded range [start, end) per partition."""
    starts = starts or {p: 0 for p in ends}
    ranges = [pb.OffsetRange(partition=p, start_offset=starts[p], end_offset=ends[p]) for p in sorted(ends)]
    return pb.SupervisorSpec(stream_type=pb.STREAM_TYPE_KAFKA, stream=topic, task_count=task_count,
                             use_earliest_offset=False, context={"useConcurrentLocks": "true"},
                             bounded_ranges=ranges)


class BareFileWriter:
    """The baselines' segment writer: one JSON Lines file under a temporary name, fsync, rename - what a
    program that only wants its data on disk does (the reference worker's file sink before it staged
    segments; now it also stages, links into place after the commit and fsyncs the directories)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def write(self, directory: str, name: str, lines: list[str]) -> str:
        target = self.root / directory
        target.mkdir(parents=True, exist_ok=True)
        final, temporary = target / f"{name}.jsonl", target / f".{name}.jsonl.tmp"
        with open(temporary, "w") as f:
            f.write("".join(line + "\n" for line in lines))
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, final)
        return final.as_uri()


def bare_line(partition: int, offset: int, timestamp_ms, key, value, headers=()) -> str:
    """The reference worker's JSON Lines record (streamvisor.worker.sinks.files.record_line)."""
    from streamvisor.worker.sinks import Record
    from streamvisor.worker.sinks.files import record_line
    return record_line(Record(partition, offset, timestamp_ms, key, value, tuple(headers or ())))


def segment_stats(root: Path) -> tuple[int, int, int]:
    """(published segment files, lines, bytes) under `root`; also fails on a leftover temporary or staged
    file (everything published must have left staging)."""
    files = lines = size = 0
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        if path.name.endswith((".tmp", ".partial")) or (".streamvisor-staging" in path.parts
                                                          and path.name.endswith(".jsonl")):
            raise AssertionError(f"temporary or staged segment left behind: {path}")
        if ".streamvisor-staging" in path.parts:
            continue  # a task's task.json: not a segment
        files += 1
        size += path.stat().st_size
        with open(path, "rb") as f:
            lines += sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    return files, lines, size


def bare_ingest(bootstrap: str, topic: str, starts: dict[int, int], ends: dict[int, int], sink,
                commit_records: int, commit_seconds: float, directory: str) -> tuple[float, int, int]:
    """The data-plane baseline: what the reference worker does with the control plane taken out.

    One confluent-kafka consumer built like the worker's (streamvisor/streams/kafka/reader.py KafkaReader: the
    same overrides, assign() at the start offsets, no group commits), the same consume(500, 0.2) loop, the
    same JSON Lines record per record, and a segment through BareFileWriter.write() (tmp file, fsync,
    rename) every `commit_records` records or `commit_seconds` seconds. No lease, heartbeat, commit,
    scheduler - and no reader abstraction: the worker's KafkaReader also wraps each message in a Record
    tuple, a data-plane cost this baseline leaves out.
    Returns (seconds from consumer creation to the last segment written, records, segments).
    """
    from confluent_kafka import Consumer, KafkaError
    try:
        from streamvisor.streams.kafka.settings import CONSUMER_OVERRIDES
    except ImportError:  # a checkout from before the stream kinds were packages
        try:
            from streamvisor.worker.readers import _CONSUMER_OVERRIDES as CONSUMER_OVERRIDES
        except ImportError:  # before the readers module existed
            from streamvisor.worker.runner import _CONSUMER_OVERRIDES as CONSUMER_OVERRIDES

    started = time.perf_counter()
    consumer = Consumer({"bootstrap.servers": bootstrap, **CONSUMER_OVERRIDES,
                         "group.id": f"streamvisor-{directory}", "logger": KAFKA_LOGGER})
    position = dict(starts)
    consumer.assign([TopicPartition(topic, p, o) for p, o in position.items() if o < ends[p]])
    lines: list[str] = []
    sequence = records = 0
    last_flush = time.monotonic()
    try:
        while True:
            messages = consumer.consume(num_messages=500, timeout=0.2)
            for m in messages:
                if m.error():
                    if m.error().code() == KafkaError._PARTITION_EOF:
                        continue
                    raise RuntimeError(f"consume failed: {m.error()}")
                p, offset = m.partition(), m.offset()
                if offset >= ends[p]:
                    continue
                _, timestamp = m.timestamp()
                lines.append(bare_line(p, offset, timestamp, m.key(), m.value(), m.headers()))
                position[p] = offset + 1
            finished = all(position[p] >= ends[p] for p in position)
            due = lines and (len(lines) >= commit_records or time.monotonic() - last_flush >= commit_seconds)
            if due or (finished and lines):
                sequence += 1
                # The worker names segments <task>-g<generation>-<seq>-<random>; the length hardly matters.
                sink.write(directory, f"bare-g1-{sequence:06d}-{uuid.uuid4().hex[:8]}", lines)
                records += len(lines)
                lines = []
                last_flush = time.monotonic()
            if finished:
                return time.perf_counter() - started, records, sequence
    finally:
        consumer.close()


class CallTimer:
    """Wraps the worker's TaskClient methods (on the instance, nothing else changes) to split the worker's
    time: how long until the first task was leased, and how long the task threads spent waiting for
    CommitCheckpoint answers (the worker commits synchronously: it reads nothing while it waits)."""

    def __init__(self, client):
        self.client = client
        self.lock = threading.Lock()
        for name in ("acquire", "commit", "heartbeat", "complete"):
            setattr(client, name, self._wrap(name, getattr(client, name)))
        self.reset(time.perf_counter())

    def reset(self, started: float) -> None:
        self.started = started
        self.first_lease = float("nan")
        self.seconds = {"acquire": 0.0, "commit": 0.0, "heartbeat": 0.0, "complete": 0.0}
        self.count = dict.fromkeys(self.seconds, 0)
        self.longest = dict.fromkeys(self.seconds, 0.0)

    def _wrap(self, name, call):
        def timed(*a, **kw):
            t0 = time.perf_counter()
            result = call(*a, **kw)
            t1 = time.perf_counter()
            with self.lock:
                self.seconds[name] += t1 - t0
                self.count[name] += 1
                self.longest[name] = max(self.longest[name], t1 - t0)
                if name == "acquire" and result is not None and self.first_lease != self.first_lease:
                    self.first_lease = t1 - self.started
            return result
        return timed
