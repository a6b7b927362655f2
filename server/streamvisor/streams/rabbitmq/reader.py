"""The reference worker's reader for RabbitMQ Streams (rstream, on its own event-loop thread).

Each partition (a super stream's partition stream, or the single stream) is read on its leader with a
subscription at the task's start offset and a bounded credit of chunks; nothing is stored on the broker
(no StoreOffset: the control plane owns the offsets). Records carry the stream offset, the chunk's
timestamp (the node's write time, what the adapter's timestamp lookups use), no key, and the message
exactly as stored (AMQP 1.0-encoded if the publisher sent AMQP messages, raw bytes otherwise).

Like the Kafka reader's `auto.offset.reset=error`, a start offset the stream no longer holds is an error
to report, never a silent jump: below the first retained message (retention deleted it), or above the
latest one (the stream was recreated).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import time
from typing import Any, Mapping

from rstream import constants

from streamvisor import logs
from streamvisor.domain.ports import CheckpointOutOfRange, ReaderTask, Record, TaskReader
from streamvisor.streams.rabbitmq.client import EventLoopThread, RabbitMQStreams, StreamConnection, quietly
from streamvisor.streams.rabbitmq.settings import Endpoint, super_stream_mode

log = logging.getLogger("streamvisor.worker.rabbitmq")

# Chunks in flight per partition: the node keeps sending while the worker writes and commits.
INITIAL_CREDIT = 8
OPEN_TIMEOUT_S = 15
MAX_BATCH_RECORDS = 500
# With no chunk for this long, ask the node something: a connection that died silently must fail the
# task (it is then leased again from the checkpoint), not leave it idle while its heartbeats go on.
LIVENESS_PROBE_S = 10


class OffsetOutOfRange(RuntimeError):
    pass


class _Subscription:
    """The queue object of one subscription: tags each Deliver frame with its partition."""

    __slots__ = ("out", "partition", "stream", "sid", "connection")

    def __init__(self, out: queue.SimpleQueue, partition: int, stream: str):
        self.out, self.partition, self.stream = out, partition, stream
        self.sid = -1
        self.connection: StreamConnection | None = None

    def put_nowait(self, frame) -> None:
        self.out.put((self, frame))


class RabbitMQReader(TaskReader):
    def __init__(self, task: ReaderTask, start: Mapping[int, int]):
        props = task.consumer_properties
        self.endpoint = Endpoint.of(props)
        self.streams = RabbitMQStreams(self.endpoint, super_stream_mode(props),
                                       name=f"streamvisor-worker-{task.supervisor_id}")
        self.loop = EventLoopThread(f"rabbitmq-reader-{task.id[:8]}")
        self.chunks: queue.SimpleQueue = queue.SimpleQueue()
        self.next_offset = dict(start)  # per partition: records below it were handed out or precede the start
        self.delivered: dict[int, int] = {}  # per partition: end of the last chunk handed out
        self.subscriptions: dict[int, _Subscription] = {}
        self._exit = contextlib.AsyncExitStack()
        self._last_chunk = time.monotonic()
        try:
            self.loop.run(self._open(task.stream, dict(start)), OPEN_TIMEOUT_S)
        except BaseException:
            self.close()
            raise

    async def _open(self, stream: str, start: dict[int, int]) -> None:
        if not start:
            return
        names = await self.streams.partition_streams(stream)
        unknown = [p for p in start if not 0 <= p < len(names)]
        if unknown:
            raise OffsetOutOfRange(f"{stream!r} has no partition {unknown[0]} (it has {len(names)})")
        leaders = await self.streams.leaders(sorted({names[p] for p in start}))
        for partition, offset in sorted(start.items()):
            name = names[partition]
            connection = await self._exit.enter_async_context(self.streams.using(*leaders[name]))
            # Checked here, because the node would not complain: a subscription at an offset past the end
            # waits there, and once the recreated stream reaches it, reads on - its first messages skipped.
            earliest, latest = await self.streams.bounds(connection, name)
            out_of_range = CheckpointOutOfRange.check(name, partition, offset, earliest, latest)
            if out_of_range is not None:
                logs.warning(log, "rabbitmq reader refuses start", stream=stream, reason=out_of_range.reason)
                raise out_of_range
            subscription = _Subscription(self.chunks, partition, name)
            (sid,) = await self._exit.enter_async_context(connection.subscriptions(1, [subscription]))
            subscription.sid, subscription.connection = sid, connection
            await connection.subscribe(name, sid, constants.OffsetType.OFFSET, offset, credit=INITIAL_CREDIT)
            self.subscriptions[partition] = subscription
        logs.info(log, "rabbitmq reader open", stream=stream,
                  partitions=",".join(f"{p}:{self.subscriptions[p].stream}@{o}" for p, o in sorted(start.items())),
                  url=self.endpoint.redacted)

    def poll(self, timeout_s: float) -> list[Record]:
        records: list[Record] = []
        try:
            item = self.chunks.get(timeout=timeout_s)
        except queue.Empty:
            self._check_alive()
            return records
        while True:
            self._take(*item, records)
            if len(records) >= MAX_BATCH_RECORDS:
                break
            try:
                item = self.chunks.get_nowait()
            except queue.Empty:
                break
        return records

    def _take(self, subscription: _Subscription, frame: Any, records: list[Record]) -> None:
        self._last_chunk = time.monotonic()
        partition = subscription.partition
        # One more chunk for this subscription: flow control follows what the worker has taken.
        asyncio.run_coroutine_threadsafe(quietly(subscription.connection.client.credit(subscription.sid, 1), 5),
                                         self.loop.loop)
        messages = frame.get_messages()
        if len(messages) != frame.num_records:
            raise RuntimeError(f"chunk at offset {frame.chunk_first_offset} of {subscription.stream!r} holds "
                               f"{len(messages)} messages but says {frame.num_records}")
        first, low = frame.chunk_first_offset, self.next_offset[partition]
        for i, message in enumerate(messages):
            if first + i >= low:  # a chunk may start before the start offset
                records.append(Record(partition, first + i, frame.timestamp, None, bytes(message)))
        end = first + frame.num_records
        self.next_offset[partition] = max(low, end)
        self.delivered[partition] = max(self.delivered.get(partition, 0), end)

    def _check_alive(self) -> None:
        for s in self.subscriptions.values():
            if s.connection.broken or not s.connection.alive:
                raise RuntimeError(f"connection to RabbitMQ at {self.endpoint.redacted} lost")
            code = s.connection.metadata_updates.get(s.stream)
            if code is not None:
                raise RuntimeError(f"stream {s.stream!r} was deleted or its leader moved (code {code})")
        if self.subscriptions and time.monotonic() - self._last_chunk > LIVENESS_PROBE_S:
            self._last_chunk = time.monotonic()
            any_subscription = next(iter(self.subscriptions.values()))
            self.loop.run(any_subscription.connection.metadata([any_subscription.stream]), 5)

    def positions(self, partitions: list[int]) -> dict[int, int]:
        return {p: self.delivered[p] for p in partitions if p in self.delivered}

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.loop.run(self._close(), 5)
        self.loop.stop()

    async def _close(self) -> None:
        for s in self.subscriptions.values():
            await quietly(s.connection.unsubscribe(s.sid))
        await quietly(self._exit.aclose())
        await self.streams.close()

