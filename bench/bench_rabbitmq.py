"""RabbitMQ Streams: GetOffsets on a super stream against the bare protocol calls, and reference-worker
throughput against a bare rstream consumer writing the same JSON Lines - each pair in the same run.

    python bench/bench_rabbitmq.py [--partitions 16] [--iterations 200] [--warmup 20]
                                   [--throughput-partitions 4] [--records 200000] [--value-bytes 100]
                                   [--rounds 2] [--only offsets|throughput]

Needs the node of scripts/rabbitmq.sh (`--url` defaults to $RABBITMQ_STREAM_URL, `--amqp-url` to
$RABBITMQ_AMQP_URL: super streams are declared over AMQP 0-9-1, as 3.10's stream protocol cannot).

GetOffsets (part 1). A super stream of --partitions partition streams, 1,000 messages each in 10
confirmed batches (so several chunks per stream); a supervisor on it through an in-process server
(SQLite, scheduler off) with a checkpoint committed halfway into every partition. Each iteration runs, in
rotated order:

  server   GetOffsets through the SDK over a real gRPC channel: servicer -> SupervisorService.get_offsets
           (one read transaction) -> RabbitMQStreamAdapter.watermarks -> lag arithmetic -> protobuf.
  service  SupervisorService.get_offsets in-process (no gRPC, no protobuf).
  bare     The baseline: exactly the adapter's protocol work with nothing around it, on one rstream Client
           kept open on a plain event loop: SuperStreamPartitions, Metadata (leaders), then per partition
           Subscribe FIRST + Subscribe LAST + Unsubscribe FIRST pipelined, the LAST chunk, Unsubscribe LAST
           - all partitions concurrently - and, like the adapter, a new connection after 500 subscriptions
           (RabbitMQ 3.10 keeps a file descriptor per subscription until its connection closes). No thread
           hop, no domain code.

Throughput (part 2). A super stream of --throughput-partitions partitions holding --records messages of
--value-bytes random bytes, published once (confirmed) and read by every pass, in alternating order:

  worker   CreateSupervisor of a bounded supervisor over [0, latest) of every partition (what
           ResetToLatestAndBackfill creates), one reference Worker (thread of this process, idle and
           polling before the clock starts), until COMPLETED (the update_time of the last commit).
  bare     rstream's own Consumer subscribed to every partition stream at offset 0, the same record line
           per message into BareFileWriter.write() (tmp file, fsync, rename) every --commit-records
           records or --commit-seconds seconds, until every partition is read. No lease, commit, server.

Both passes' segment files are counted (every record exactly once) and deleted.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pika
from rstream import Consumer, ConsumerOffsetSpecification, OffsetType, Producer, constants, schema
from rstream.client import Client

from _common import (
    BareFileWriter, bare_line,
    DEFAULT_BOOTSTRAP, configure_logging, environment_line, load_average, metadata_database, percentile,
    print_table, segment_stats, start_server, wait_completed,
)
from streamvisor.client import StreamvisorClient
from streamvisor.domain.model import OffsetRange
from streamvisor.streams.rabbitmq.client import RECYCLE_AFTER_SUBSCRIPTIONS
from streamvisor.streams.rabbitmq.settings import Endpoint
from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.worker.runner import Worker, WorkerSettings
from streamvisor.worker.sinks.files import FileSink

TARGET_OFFSETS_RATIO = 1.5
TARGET_THROUGHPUT_RATIO = 0.7


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default=os.environ.get("RABBITMQ_STREAM_URL",
                                                   "rabbitmq-stream://guest:guest@127.0.0.1:15552/%2f"))
    p.add_argument("--amqp-url", default=os.environ.get("RABBITMQ_AMQP_URL", "amqp://guest:guest@127.0.0.1:15673/%2f"))
    p.add_argument("--only", choices=("offsets", "throughput"), default=None)
    p.add_argument("--partitions", type=int, default=16, help="super stream partitions for GetOffsets")
    p.add_argument("--iterations", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--throughput-partitions", type=int, default=4)
    p.add_argument("--records", type=int, default=200_000, help="messages in all (split evenly)")
    p.add_argument("--value-bytes", type=int, default=100)
    p.add_argument("--rounds", type=int, default=2, help="passes of each kind (worker, bare), alternated")
    p.add_argument("--commit-records", type=int, default=1000)
    p.add_argument("--commit-seconds", type=float, default=1.0)
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--log-level", default="WARNING")
    return p.parse_args()


class Node:
    """Super streams on the node (AMQP 0-9-1 declares them; rstream publishes with confirms), all deleted
    at the end. Its own event loop thread for the producer."""

    def __init__(self, url: str, amqp_url: str):
        self.endpoint = Endpoint.parse(url)
        self.amqp_url = amqp_url
        self.streams: list[str] = []
        self.exchanges: list[str] = []
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        e = self.endpoint
        self.producer = Producer(e.host, e.port, vhost=e.vhost, username=e.username, password=e.password)
        self.run(self.producer.start())

    def run(self, coroutine, timeout: float = 600):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def super_stream(self, partitions: int, prefix: str) -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:8]}"
        connection = pika.BlockingConnection(pika.URLParameters(self.amqp_url))
        channel = connection.channel()
        channel.exchange_declare(name, "direct", durable=True, arguments={"x-super-stream": True})
        self.exchanges.append(name)
        for i in range(partitions):
            channel.queue_declare(f"{name}-{i}", durable=True, arguments={"x-queue-type": "stream"})
            self.streams.append(f"{name}-{i}")
            channel.queue_bind(f"{name}-{i}", name, routing_key=str(i), arguments={"x-stream-partition-order": i})
        connection.close()
        return name

    def publish(self, per_stream: dict[str, list[bytes]], batch: int = 1000) -> None:
        async def publish():
            done = asyncio.get_running_loop().create_future()
            pending = sum(len(v) for v in per_stream.values())

            def confirmed(status):
                nonlocal pending
                assert status.is_confirmed
                pending -= 1
                if pending == 0:
                    done.set_result(None)
            for stream, values in per_stream.items():
                for i in range(0, len(values), batch):
                    await self.producer.send_batch(stream, values[i:i + batch], on_publish_confirm=confirmed)
            await done
        self.run(publish())

    def cleanup(self) -> None:
        for stream in self.streams:
            with contextlib.suppress(Exception):
                self.run(self.producer.delete_stream(stream, missing_ok=True), 30)
        with contextlib.suppress(Exception):
            connection = pika.BlockingConnection(pika.URLParameters(self.amqp_url))
            channel = connection.channel()
            for exchange in self.exchanges:
                channel.exchange_delete(exchange)
            connection.close()
        with contextlib.suppress(Exception):
            self.run(self.producer.close(), 10)
        self.loop.call_soon_threadsafe(self.loop.stop)


def spec(url: str, stream: str, task_count: int = 4, ranges: dict[int, int] | None = None) -> pb.SupervisorSpec:
    bounded = [pb.OffsetRange(partition=p, start_offset=0, end_offset=e) for p, e in sorted((ranges or {}).items())]
    return pb.SupervisorSpec(stream_type=pb.STREAM_TYPE_RABBITMQ_STREAM, stream=stream, task_count=task_count,
                             consumer_properties={"rabbitmq.url": url}, context={"useConcurrentLocks": "true"},
                             bounded_ranges=bounded)


# Part 1: GetOffsets ----------------------------------------------------------------------------------
class BareOffsets:
    """The adapter's protocol work with nothing around it (see the module docstring)."""

    def __init__(self, endpoint: Endpoint, super_stream: str):
        self.endpoint, self.super_stream = endpoint, super_stream
        self.loop = asyncio.new_event_loop()
        self.queues: dict[int, asyncio.Queue] = {}
        self.subscribed = 0
        self.client = self.loop.run_until_complete(self._open())

    async def _open(self) -> Client:
        e = self.endpoint
        client = Client(e.host, e.port, frame_max=1 << 20, heartbeat=60, connection_name="bench-bare")
        await client.start()
        await client.authenticate(e.vhost, e.username, e.password)
        client.add_handler(schema.Deliver, lambda f: None, name="0")
        await client.run_queue_listener_task(0, lambda f: self.queues[f.subscription_id].put_nowait(f))
        return client

    async def _bounds(self, stream: str, first_sid: int, last_sid: int) -> tuple[int, int]:
        c = self.client
        self.queues[first_sid], self.queues[last_sid] = asyncio.Queue(), asyncio.Queue()
        spec_first = schema.OffsetSpec.from_params(constants.OffsetType.FIRST, None)
        spec_last = schema.OffsetSpec.from_params(constants.OffsetType.LAST, None)
        await asyncio.gather(c.subscribe(stream, first_sid, spec_first, initial_credit=1),
                             c.subscribe(stream, last_sid, spec_last, initial_credit=1),
                             c.unsubscribe(first_sid))
        await asyncio.sleep(0)
        first = self.queues[first_sid].get_nowait()
        last = await self.queues[last_sid].get()
        await c.unsubscribe(last_sid)
        return first.chunk_first_offset, last.chunk_first_offset + last.num_records

    async def _watermarks(self) -> dict[int, tuple[int, int]]:
        if self.subscribed >= RECYCLE_AFTER_SUBSCRIPTIONS:
            asyncio.ensure_future(self.client.close())  # in the background, as the adapter does
            self.client, self.subscribed = await self._open(), 0
        c = self.client
        partitions = await c.sync_request(schema.SuperStreamPartitions(c._corr_id_seq.next(),
                                                                       super_stream=self.super_stream),
                                          resp_schema=schema.SuperStreamPartitionsResponse)
        streams = list(partitions.streams)
        await c.sync_request(schema.Metadata(c._corr_id_seq.next(), streams=streams),
                             resp_schema=schema.MetadataResponse)
        results = await asyncio.gather(*(self._bounds(s, 2 * i, 2 * i + 1) for i, s in enumerate(streams)))
        self.subscribed += 2 * len(streams)
        return dict(enumerate(results))

    def __call__(self) -> dict[int, tuple[int, int]]:
        return self.loop.run_until_complete(self._watermarks())


def bench_offsets(args, node: Node) -> dict:
    name = node.super_stream(args.partitions, "bench-rmq-offsets")
    for _ in range(10):
        node.publish({f"{name}-{p}": [os.urandom(args.value_bytes) for _ in range(100)]
                      for p in range(args.partitions)})
    bare = BareOffsets(node.endpoint, name)
    with metadata_database("sqlite", "", "bench-rmq") as url, contextlib.ExitStack() as stack:
        server = start_server(url, DEFAULT_BOOTSTRAP, scheduler=False)
        stack.callback(server.stop, 0)
        client = StreamvisorClient(f"127.0.0.1:{server.port}", timeout=30, retries=0)
        stack.callback(client.close)
        client.create_supervisor("rmq", spec(args.url, name))
        for p in range(args.partitions):
            server.service.commit_checkpoint("rmq", "bench", 1, [OffsetRange(p, 0, 500)], "mem://bench", 500,
                                             task_starts={p: 0})
        response = client.get_offsets("rmq")
        want = {p: (0, 1000) for p in range(args.partitions)}
        assert {x.partition: (x.earliest, x.latest) for x in response.partitions} == want == bare(), response
        assert response.total_lag == 500 * args.partitions
        calls = {"server": lambda: client.get_offsets("rmq"), "service": lambda: server.service.get_offsets("rmq"),
                 "bare": bare}
        samples: dict[str, list[float]] = {k: [] for k in calls}
        names = list(calls)
        for i in range(args.warmup + args.iterations):
            order = names[i % 3:] + names[:i % 3]
            for kind in order:
                t0 = time.perf_counter()
                calls[kind]()
                if i >= args.warmup:
                    samples[kind].append(time.perf_counter() - t0)
    bare.loop.run_until_complete(bare.client.close())
    print_table(f"GetOffsets, super stream of {args.partitions} partitions, {args.iterations} iterations "
                f"(+{args.warmup} warm-up)", samples.items())
    ratio50 = percentile(samples["server"], 50) / percentile(samples["bare"], 50)
    ratio99 = percentile(samples["server"], 99) / percentile(samples["bare"], 99)
    print(f"  server/bare p50 {ratio50:.2f}, p99 {ratio99:.2f} (target <= {TARGET_OFFSETS_RATIO})")
    return {"samples": samples, "ratio50": ratio50, "ratio99": ratio99}


# Part 2: throughput ----------------------------------------------------------------------------------
def run_bare(args, node: Node, name: str, ends: dict[int, int], out: Path) -> dict:
    sink = BareFileWriter(out)
    e = node.endpoint
    total = sum(ends.values())

    async def consume() -> tuple[float, int, int]:
        started = time.perf_counter()
        consumer = Consumer(e.host, e.port, vhost=e.vhost, username=e.username, password=e.password)
        lines: list[str] = []
        state = {"records": 0, "segments": 0, "last_flush": time.monotonic()}
        done = asyncio.get_running_loop().create_future()

        def flush():
            state["segments"] += 1
            sink.write("bare", f"bare-{state['segments']:06d}", lines)
            lines.clear()
            state["last_flush"] = time.monotonic()

        def on_message(partition: int):
            def handle(message, context):
                lines.append(bare_line(partition, context.offset, context.timestamp, None, message))
                state["records"] += 1
                if len(lines) >= args.commit_records or time.monotonic() - state["last_flush"] >= args.commit_seconds:
                    flush()
                if state["records"] == total and not done.done():
                    done.set_result(None)
            return handle
        await consumer.start()
        for p in ends:
            await consumer.subscribe(f"{name}-{p}", on_message(p),
                                     offset_specification=ConsumerOffsetSpecification(OffsetType.OFFSET, 0))
        await asyncio.wait_for(done, args.timeout)
        if lines:
            flush()
        seconds = time.perf_counter() - started
        await consumer.close()
        return seconds, state["records"], state["segments"]

    seconds, records, segments = asyncio.run(consume())
    return {"seconds": seconds, "records": records, "segments": segments}


def run_worker(args, server, client: StreamvisorClient, name: str, ends: dict[int, int], out: Path, n: int) -> dict:
    settings = WorkerSettings(commit_records=args.commit_records, commit_seconds=args.commit_seconds)
    worker = Worker(f"127.0.0.1:{server.port}", FileSink(out), f"bench-rmq-worker-{n}", settings)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        time.sleep(1.0)  # the worker is polling AcquireTask before the clock starts, as in production
        supervisor_id = f"bench-rmq-{n}"
        started_wall = datetime.now(timezone.utc)
        started = time.perf_counter()
        client.create_supervisor(supervisor_id, spec(args.url, name, task_count=1, ranges=ends))
        completed_at = wait_completed(server, supervisor_id, args.timeout)
        seconds = (completed_at - started_wall).total_seconds()
        assert 0 < seconds <= time.perf_counter() - started + 0.1
        with server.store.read() as tx:
            segments = len(tx.list_segments([supervisor_id]))
        return {"seconds": seconds, "records": sum(ends.values()), "segments": segments}
    finally:
        stop.set()
        thread.join(30)


def bench_throughput(args, node: Node) -> dict:
    per_partition = args.records // args.throughput_partitions
    total = per_partition * args.throughput_partitions
    name = node.super_stream(args.throughput_partitions, "bench-rmq-worker")
    t0 = time.perf_counter()
    for start in range(0, per_partition, 10_000):
        count = min(10_000, per_partition - start)
        node.publish({f"{name}-{p}": [os.urandom(args.value_bytes) for _ in range(count)]
                      for p in range(args.throughput_partitions)})
    print(f"\nsuper stream {name}: published {total} messages of {args.value_bytes} B (confirmed) in "
          f"{time.perf_counter() - t0:.1f}s")
    ends = {p: per_partition for p in range(args.throughput_partitions)}
    results: dict[str, list[dict]] = {"worker": [], "bare": []}
    scratch = Path(tempfile.mkdtemp(prefix="bench-rmq-"))
    try:
        with metadata_database("sqlite", "", "bench-rmq-worker") as url, contextlib.ExitStack() as stack:
            server = start_server(url, DEFAULT_BOOTSTRAP, scheduler=True, scheduler_interval_s=0.2)
            stack.callback(server.stop, 0)
            client = StreamvisorClient(f"127.0.0.1:{server.port}", timeout=60, retries=0)
            stack.callback(client.close)
            n = 0
            for round_ in range(args.rounds):
                for kind in (("bare", "worker") if round_ % 2 == 0 else ("worker", "bare")):
                    n += 1
                    out = scratch / f"{n:02d}-{kind}"
                    out.mkdir()
                    r = run_bare(args, node, name, ends, out) if kind == "bare" else \
                        run_worker(args, server, client, name, ends, out, n)
                    files, lines, size = segment_stats(out)
                    if lines != total or r["records"] != total or files != r["segments"]:
                        raise AssertionError(f"{kind} pass wrote {lines} lines in {files} files, reported "
                                             f"{r['records']} records in {r['segments']} segments; expected {total}")
                    r.update(rate=total / r["seconds"], mb=size / 1e6)
                    results[kind].append(r)
                    print(f"  round {round_ + 1} {kind:<6} {r['seconds']:7.2f}s {r['rate']:9.0f} records/s "
                          f"{r['segments']:5d} segments {r['mb']:6.0f} MB written; {load_average()}")
                    shutil.rmtree(out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"\nthroughput, records/s, {args.throughput_partitions} partitions (target worker/bare >= "
          f"{TARGET_THROUGHPUT_RATIO})")
    print(f"  {'round':<6} {'worker':>10} {'bare':>10} {'worker/bare':>12}")
    for i, (w, b) in enumerate(zip(results["worker"], results["bare"])):
        print(f"  {i + 1:<6} {w['rate']:10.0f} {b['rate']:10.0f} {w['rate'] / b['rate']:12.2f}")
    w_mean = sum(r["rate"] for r in results["worker"]) / len(results["worker"])
    b_mean = sum(r["rate"] for r in results["bare"]) / len(results["bare"])
    print(f"  {'mean':<6} {w_mean:10.0f} {b_mean:10.0f} {w_mean / b_mean:12.2f}")
    return {"worker": w_mean, "bare": b_mean}


def main() -> int:
    args = parse_args()
    configure_logging(args.log_level)
    print(f"bench_rabbitmq: {args.url.split('@')[-1]}; {environment_line()}; {load_average()}")
    node = Node(args.url, args.amqp_url)
    try:
        if args.only in (None, "offsets"):
            bench_offsets(args, node)
        if args.only in (None, "throughput"):
            bench_throughput(args, node)
    finally:
        node.cleanup()
    print(f"\n{load_average()} at the end (2 cores: anything above ~1 means the figures shared the CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
