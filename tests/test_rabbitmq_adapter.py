"""The RabbitMQ Streams adapter against the real node of scripts/rabbitmq.sh (Debian's 3.10): what the node
really does (no StreamStats), and earliest/latest/timestamp lookups that are exact right after
acknowledged publishes, on empty, tracked, retention-truncated and super streams; bad inputs."""
from __future__ import annotations

import asyncio
import os
import re
import struct
import subprocess
import threading
import time
from urllib.parse import urlsplit

import pytest
from rstream import constants, schema
from rstream.client import Client

from rabbitmq_support import (  # noqa: F401  (fixtures)
    SilentServer, closed_port, rabbit, rabbitmq_amqp_url, rabbitmq_url, url_with_port,
)
from streamvisor.domain.errors import FailedPrecondition, Unavailable
from streamvisor.domain.ports import CheckpointOutOfRange
from streamvisor.streams.rabbitmq.adapter import RabbitMQStreamAdapter
from streamvisor.streams.rabbitmq.client import RECYCLE_AFTER_SUBSCRIPTIONS
from streamvisor.streams.rabbitmq.reader import RabbitMQReader
from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.v1 import task_service_pb2 as tasks

pytestmark = pytest.mark.rabbitmq


@pytest.fixture
def adapter(rabbitmq_url):
    a = RabbitMQStreamAdapter({"rabbitmq.url": rabbitmq_url}, timeout_s=5)
    yield a
    a.close()


def values(start: int, count: int, prefix: str = "m") -> list[bytes]:
    return [f"{prefix}{i}".encode() for i in range(start, start + count)]


def read_all(url: str, stream: str, start: int, until: int, partition: int = 0, super_stream: str = "false"):
    """Every record from `start` up to offset `until`, through the worker's reader."""
    task = tasks.Task(id=f"read-{stream}", supervisor_id="test", stream=stream,
                      stream_type=pb.STREAM_TYPE_RABBITMQ_STREAM,
                      consumer_properties={"rabbitmq.url": url, "rabbitmq.super_stream": super_stream})
    reader = RabbitMQReader(task, {partition: start})
    records, deadline = [], time.monotonic() + 20
    try:
        while (not records or records[-1].offset < until - 1) and time.monotonic() < deadline:
            records += reader.poll(0.5)
    finally:
        reader.close()
    return records


# What the node and the client really do -----------------------------------------------------------------
def test_the_node_is_3_10_and_has_no_stream_stats_command(rabbitmq_url):
    async def probe():
        url = RabbitMQStreamAdapter({"rabbitmq.url": rabbitmq_url}).endpoint
        client = Client(url.host, url.port, frame_max=1 << 20, heartbeat=60)
        await client.start()
        await client.authenticate(url.vhost, url.username, url.password)
        version = client.server_properties["version"]
        closed = asyncio.get_running_loop().create_future()
        client.add_handler(schema.Close, lambda f: closed.done() or closed.set_result(f.reason), name="probe")
        # StreamStats is command 0x001c (correlation id, stream name); rstream has no frame class for it.
        body = struct.pack(">HHI", 28, 1, 1) + struct.pack(">h", 6) + b"absent"
        await client._conn._write_frame_raw(struct.pack(">I", len(body)) + body)
        return version, await asyncio.wait_for(closed, 5)

    version, reason = asyncio.run(probe())
    assert version.startswith("3.10."), version
    assert reason == "unknown frame"  # the node drops the connection: no StreamStats before 3.11
    assert 28 not in {k.value for k in constants.Key}  # and rstream does not implement it either


def node_descriptors(url: str) -> int | None:
    """Open file descriptors of the local node listening on the URL's port (None if it is not local)."""
    port = urlsplit(url).port
    try:
        out = subprocess.run(["ss", "-Htlnp", f"sport = :{port}"], capture_output=True, text=True, timeout=10).stdout
        pid = re.search(r"pid=(\d+)", out).group(1)
        return len(os.listdir(f"/proc/{pid}/fd"))
    except (OSError, AttributeError, subprocess.SubprocessError):
        return None


def test_3_10_keeps_a_descriptor_per_subscription_so_connections_are_recycled(adapter, rabbit, rabbitmq_url):
    """On 3.10 every Subscribe holds a file descriptor in the node until the client's connection closes
    (Unsubscribe does not release it): a long-lived connection would exhaust the node (emfile)."""
    stream = rabbit.create()
    rabbit.publish(stream, values(0, 10))
    before = node_descriptors(rabbitmq_url)
    if before is None:
        pytest.skip("the node is not local: its descriptors cannot be counted")
    calls = RECYCLE_AFTER_SUBSCRIPTIONS  # two subscriptions each: the connection is replaced about twice
    for _ in range(calls):
        assert adapter.watermarks(stream, [0]).latest == {0: 10}
    time.sleep(1)  # retired connections close in the background
    grown = node_descriptors(rabbitmq_url) - before
    assert grown < RECYCLE_AFTER_SUBSCRIPTIONS + 50, grown  # without recycling: ~2 per call, 1000 here


# Latest right after acknowledged publishes ----------------------------------------------------------------
def test_latest_is_exact_right_after_every_confirmed_publish(adapter, rabbit):
    stream = rabbit.create()
    assert adapter.partitions(stream) == [0]
    assert adapter.watermarks(stream, [0]) == adapter.watermarks(stream, [0])
    marks = adapter.watermarks(stream, [0])
    assert (marks.earliest, marks.latest) == ({0: 0}, {0: 0})  # empty: nothing was ever written
    total = 0
    for i in range(120):
        count = 1 + (i * 37) % 250
        rabbit.publish(stream, values(total, count), batch=1 + i % 97)
        total += count
        marks = adapter.watermarks(stream, [0])  # immediately after the last confirm
        assert (marks.earliest[0], marks.latest[0]) == (0, total), f"iteration {i}"


def test_latest_never_misses_a_confirmed_message_under_a_concurrent_publisher(adapter, rabbit):
    stream = rabbit.create()
    state = {"sent": 0, "confirmed": 0}
    stop = threading.Event()

    def produce():
        while not stop.is_set():
            state["sent"] += 50
            rabbit.publish(stream, values(state["confirmed"], 50), batch=10)
            state["confirmed"] += 50

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    try:
        for _ in range(150):
            confirmed_before = state["confirmed"]
            latest = adapter.watermarks(stream, [0]).latest[0]
            sent_after = state["sent"]
            assert confirmed_before <= latest <= sent_after
    finally:
        stop.set()
        producer.join(30)
    assert adapter.watermarks(stream, [0]).latest[0] == state["confirmed"]


# Entries that take an offset but are no message -----------------------------------------------------------
def test_offset_tracking_entries_count_as_no_message(adapter, rabbit, rabbitmq_url):
    stream = rabbit.create()
    rabbit.publish(stream, values(0, 10))
    rabbit.store_offset(stream, "some-consumer", 4)  # a tracking entry at offset 10
    assert adapter.watermarks(stream, [0]).latest[0] == 10  # one past the newest message
    rabbit.publish(stream, values(11, 5))  # so these take offsets 11..15
    marks = adapter.watermarks(stream, [0])
    assert (marks.earliest[0], marks.latest[0]) == (0, 16)
    # A reader attached at the old `latest` (10) gets exactly what was written after it.
    assert [(r.offset, r.value) for r in read_all(rabbitmq_url, stream, 10, 16)] == [
        (o, f"m{o}".encode()) for o in range(11, 16)]


# Earliest after retention ---------------------------------------------------------------------------------
def test_earliest_follows_retention_and_a_start_below_it_is_refused(adapter, rabbit, rabbitmq_url):
    stream = rabbit.create("ret", {"max-length-bytes": 20000, "stream-max-segment-size-bytes": 4000})
    total = 0
    for _ in range(40):  # many small chunks, so segments roll and old ones are deleted
        rabbit.publish(stream, values(total, 50))
        total += 50
    deadline = time.monotonic() + 20
    while adapter.watermarks(stream, [0]).earliest[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    marks = adapter.watermarks(stream, [0])
    earliest, latest = marks.earliest[0], marks.latest[0]
    assert 0 < earliest < latest == total  # really truncated, and latest still exact
    records = read_all(rabbitmq_url, stream, earliest, total)
    assert records[0].offset == earliest  # the first retained message is exactly `earliest`
    assert [r.value for r in records] == values(earliest, total - earliest)
    with pytest.raises(CheckpointOutOfRange) as refused:  # what retention deleted is reported, never skipped
        read_all(rabbitmq_url, stream, earliest - 1, total)
    assert refused.value.reason.startswith(
        f"CHECKPOINT_BELOW_EARLIEST partition=0 checkpoint={earliest - 1} earliest={earliest} ")


# Timestamps -----------------------------------------------------------------------------------------------
def test_timestamp_lookup_returns_the_first_offset_at_or_after_the_time(adapter, rabbit, rabbitmq_url):
    stream = rabbit.create()
    for batch in range(6):
        rabbit.publish(stream, values(batch * 20, 20), batch=20)
        time.sleep(0.03)
    records = read_all(rabbitmq_url, stream, 0, 120)
    stamps = sorted({r.timestamp_ms for r in records})
    assert len(stamps) >= 3

    def expected(ms: int) -> int:
        return min((r.offset for r in records if r.timestamp_ms >= ms), default=120)

    queries = [stamps[0] - 60_000, int(time.time() * 1000) + 3_600_000]
    queries += [t + d for t in stamps for d in (-1, 0, 1)]
    for ms in queries:
        assert adapter.offsets_for_times(stream, {0: ms}) == {0: expected(ms)}, ms


# Super streams --------------------------------------------------------------------------------------------
def test_a_super_streams_partitions_follow_routing_order(adapter, rabbit):
    # Streams <name>-0, -1, -2 bound with partition order 2, 0, 1: the routing order is -1, -2, -0.
    name = rabbit.create_super_stream(3, order=[2, 0, 1])
    for suffix, count in ((0, 5), (1, 7), (2, 9)):
        rabbit.publish(f"{name}-{suffix}", values(0, count))
    assert adapter.partitions(name) == [0, 1, 2]
    marks = adapter.watermarks(name, [0, 1, 2])
    assert marks.latest == {0: 7, 1: 9, 2: 5} and marks.earliest == {0: 0, 1: 0, 2: 0}
    assert adapter.watermarks(name, [2]).latest == {2: 5}


def test_concurrent_calls_share_the_adapter(adapter, rabbit):
    name = rabbit.create_super_stream(4)
    for p in range(4):
        rabbit.publish(f"{name}-{p}", values(0, 10 + p))
    want = {p: 10 + p for p in range(4)}
    seen, errors = [], []

    def call():
        try:
            for _ in range(15):
                seen.append(adapter.watermarks(name, [0, 1, 2, 3]).latest)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and len(seen) == 90 and all(s == want for s in seen)


# Bad inputs -----------------------------------------------------------------------------------------------
def test_missing_and_empty_streams_are_stream_not_found(adapter, rabbit, rabbitmq_url):
    with pytest.raises(FailedPrecondition) as missing:
        adapter.partitions("no-such-stream-anywhere")
    assert missing.value.reason == "STREAM_NOT_FOUND" and missing.value.metadata["stream"] == "no-such-stream-anywhere"
    assert "guest@" in missing.value.metadata["url"] and ":guest@" not in missing.value.metadata["url"]
    empty = rabbit.create_super_stream(0)  # the exchange exists, with no partition bound to it
    with pytest.raises(FailedPrecondition) as no_partitions:
        adapter.partitions(empty)
    assert no_partitions.value.reason == "STREAM_NOT_FOUND"
    assert no_partitions.value.metadata["partitions"] == "0" and "has no partitions" in no_partitions.value.message
    stream, super_stream = rabbit.create(), rabbit.create_super_stream(2)
    strict = RabbitMQStreamAdapter({"rabbitmq.url": rabbitmq_url, "rabbitmq.super_stream": "true"})
    single = RabbitMQStreamAdapter({"rabbitmq.url": rabbitmq_url, "rabbitmq.super_stream": "false"})
    try:
        with pytest.raises(FailedPrecondition, match="super stream"):
            strict.partitions(stream)
        assert strict.partitions(super_stream) == [0, 1]
        with pytest.raises(FailedPrecondition):
            single.partitions(super_stream)
        assert single.partitions(stream) == [0]
    finally:
        strict.close()
        single.close()
    with pytest.raises(FailedPrecondition):
        adapter.watermarks(super_stream, [0, 5])  # a partition the super stream does not have
    rabbit.delete(stream)
    with pytest.raises(FailedPrecondition):
        adapter.watermarks(stream, [0])  # deleted since


def test_an_unreachable_node_is_unavailable_within_the_timeout(rabbitmq_url):
    silent = SilentServer()
    try:
        for port in (closed_port(), silent.port):
            a = RabbitMQStreamAdapter({"rabbitmq.url": url_with_port(rabbitmq_url, port)}, timeout_s=1.0)
            try:
                started = time.monotonic()
                with pytest.raises(Unavailable) as unreachable:
                    a.watermarks("anything", [0])
                elapsed = time.monotonic() - started
                assert unreachable.value.reason == "STREAM_UNREACHABLE" and elapsed < 2.5, elapsed
                assert unreachable.value.metadata["timeout_ms"] == "1000"
            finally:
                a.close()
    finally:
        silent.close()
