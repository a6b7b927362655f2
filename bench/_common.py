"""Shared plumbing for the benchmarks: topics on the real broker, the in-process server, statistics.

Not a benchmark itself; `python bench/bench_*.py` finds it because the script's directory is on sys.path.
"""
from __future__ import annotations

import logging
import math
import os
import platform
import statistics
import time
import uuid
from typing import Iterable, Sequence

from confluent_kafka import IsolationLevel, KafkaException, Producer, TopicPartition
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
    """The baseline: exactly the adapter's broker work (streams/kafka.py KafkaStreamAdapter.watermarks),
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


# Server ----------------------------------------------------------------------------------------------
def start_server(database_url: str, bootstrap: str) -> StreamvisorServer:
    config = ServerConfig(listen="127.0.0.1:0", database_url=database_url,
                          default_consumer_properties={"bootstrap.servers": bootstrap}, shutdown_grace_s=0)
    server = StreamvisorServer(config)
    server.start()
    return server


def kafka_spec(topic: str, task_count: int = 4) -> pb.SupervisorSpec:
    # useConcurrentLocks=true: ResetToLatestAndBackfill refuses supervisors without it.
    return pb.SupervisorSpec(stream_type=pb.STREAM_TYPE_KAFKA, stream=topic, task_count=task_count,
                             use_earliest_offset=False, context={"useConcurrentLocks": "true"})

