"""RabbitMQ Streams' protocol logic on rstream (the RabbitMQ team's Python stream client), shared by the
control plane's adapter (adapter.py) and the worker's reader (reader.py).

Partitions and offsets
----------------------
A supervisor's `stream` names either a super stream or a single stream (consumer property
`rabbitmq.super_stream`, see settings.py: `auto`, the default, reads a super stream of that name if
one exists and the single stream otherwise; `true` or `false` insist). Partition i of a super stream is the i-th
partition stream in the super stream's routing order (the order SuperStreamPartitions returns, which
is the `x-stream-partition-order` of its bindings); a single stream is partition 0. Offsets are the
stream's own offsets. Partitions can be added to a super stream later (like Kafka partitions);
removing or reordering partitions under a live supervisor is not supported.

Earliest, latest and timestamps without StreamStats
---------------------------------------------------
RabbitMQ 3.10 (Debian 12's package) has no StreamStats command (3.11+), and rstream does not
implement it either, so nothing in the protocol reports a stream's first or committed offset. What
the protocol does offer, verified on 3.10.8 (tests/test_rabbitmq_adapter.py), is this:

* A subscription reads committed chunks only: osiris offset readers stop at the committed offset,
  and a publisher confirm is sent only once the chunk holding the message is committed.
* On Subscribe the node sends the response and then, in the same step, every chunk the new reader
  can already read, up to the credit given, before it handles the connection's next command. So a
  response to a command sent after the Subscribe arrives after those chunks: a barrier.
* Offset spec FIRST attaches at the first chunk of the log, LAST at the last *user* (message)
  chunk, TIMESTAMP t at the first chunk whose timestamp is >= t. Readers skip non-message chunks
  (offset-tracking and publisher-deduplication entries), which nevertheless occupy offsets.
* A Deliver frame carries the chunk's first offset, its number of records (= offsets it spans,
  sub-entry batches included) and its timestamp (the node's clock when the chunk was written).

So per partition, on the stream's leader (a replica learns of commits later, so it could be behind
a confirm), one connection, pipelined: Subscribe FIRST (credit 1), Subscribe LAST (credit 1),
Unsubscribe FIRST as the barrier. Then:

* If FIRST delivered a chunk before the barrier, the stream holds a committed message, and
  earliest = that chunk's first offset: the first retained message. LAST delivers the newest
  message chunk (at once if committed, else as soon as it commits; we wait, bounded), and
  latest = its first offset + its record count, i.e. one past the newest committed message. Every
  message confirmed before the call is in a chunk at or before that one, so latest covers it; and
  any message written later gets a larger offset, so a reader attached at `latest` reads exactly
  the messages written after it. The value is therefore exact for what a consumer can see.
* If FIRST delivered nothing before the barrier, no committed message existed when the node handled
  the Subscribe - so no publish had been confirmed either - and earliest = latest = 0, which is
  exact for a stream never written to.

Both values count messages only: an offset-tracking entry written after the newest message (a
consumer's StoreOffset) makes the log's next offset one more than `latest`, and a retention-deleted
log may start with a tracking snapshot one below `earliest`. Neither holds a message, so a consumer
attached at `latest` or `earliest` reads the same messages it would from the log's true ends, and
a range [checkpoint, latest) is complete. The limit: a stream whose every message was deleted by
retention while tracking entries remain reports 0, 0 (the protocol has no way to tell it from a
fresh stream); RabbitMQ's retention keeps the newest segment, so this needs a segment holding
only tracking entries.

A timestamp lookup attaches at TIMESTAMP t and returns the first offset of the first delivered
chunk whose timestamp is >= t (every message of a chunk has the chunk's timestamp, which is also
what the reference worker records), or `latest` if there is none below it.

Two more 3.10 facts shape the code: its Partitions and Route answers lack the response flag
(_accept_flagless_responses), and every Subscribe holds a file descriptor in the node until the
connection closes, Unsubscribe or not (RECYCLE_AFTER_SUBSCRIPTIONS).
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from dataclasses import dataclass
from typing import Any, Awaitable, Sequence, TypeVar

from rstream import constants, exceptions, schema
from rstream.client import Client

from streamvisor.domain.errors import FailedPrecondition, Unavailable
from streamvisor.streams.rabbitmq.settings import Endpoint

# Subscription ids are one byte per connection; rstream's own consumer stays below 200 too.
MAX_SUBSCRIPTIONS = 200
# RabbitMQ 3.10 keeps a file descriptor open for every Subscribe, Unsubscribe or not, until the connection
# closes (measured: +1 per Subscribe/Unsubscribe pair; the node dies with emfile at its limit). So a
# connection is replaced after this many subscriptions, and closed once no call uses it any more.
RECYCLE_AFTER_SUBSCRIPTIONS = 500
_OK, _STREAM_DOES_NOT_EXIST = 1, 2

T = TypeVar("T")


def _accept_flagless_responses() -> None:
    """RabbitMQ 3.10 answers the Partitions and Route commands without the response flag (0x8000) in
    the frame key; 3.11 fixed that. rstream decodes frames by (is_response, key), so on 3.10 it takes
    the answer for a request, fails to decode it and its connection's reader task dies. A client never
    receives those commands as requests, so decoding a flagless frame of those keys as the response is
    unambiguous, and a node that does set the flag still matches rstream's own entry."""
    schema.registry[(False, constants.Key.Partitions)] = schema.SuperStreamPartitionsResponse
    schema.registry[(False, constants.Key.Route)] = schema.SuperStreamRouteResponse


_accept_flagless_responses()


@dataclass(frozen=True)
class Chunk:
    """What a Deliver frame says about one chunk of messages."""

    first: int
    records: int
    timestamp_ms: int
    frame: Any = None  # the rstream Deliver frame (messages), for readers that want the data

    @property
    def end(self) -> int:
        return self.first + self.records

    @classmethod
    def of(cls, frame: schema.Deliver, keep_frame: bool = False) -> "Chunk":
        return cls(frame.chunk_first_offset, frame.num_records, frame.timestamp, frame if keep_frame else None)


class EventLoopThread:
    """An asyncio loop on its own daemon thread, reused across calls: rstream is asyncio-only and the
    server and worker are thread-based. `run` bounds every call."""

    def __init__(self, name: str):
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coroutine: Awaitable[T], timeout_s: float) -> T:
        """Runs `coroutine` on the loop; raises TimeoutError (and cancels it) after `timeout_s`."""
        future = asyncio.run_coroutine_threadsafe(asyncio.wait_for(coroutine, timeout_s), self.loop)
        try:
            return future.result(timeout_s + 1)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"no answer within {timeout_s:g}s") from None

    def submit(self, coroutine: Awaitable[T]) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def stop(self) -> None:
        """Cancels what still runs on the loop (background closes, rstream's reader tasks), then ends it."""
        if self.loop.is_closed():
            return

        async def cancel_the_rest() -> None:
            rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in rest:
                task.cancel()
            await asyncio.gather(*rest, return_exceptions=True)
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(cancel_the_rest(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self.loop.close()


def _ignore_deliver(_frame) -> None:
    """Registered so rstream queues Deliver frames; StreamConnection routes them itself."""


class StreamConnection:
    """One authenticated stream-protocol connection (an rstream Client) to one node. Lives on one event
    loop. Routes Deliver frames to a queue per subscription id, which it hands out from a pool."""

    def __init__(self, endpoint: Endpoint, host: str, port: int, name: str):
        self.endpoint, self.host, self.port, self.name = endpoint, host, port, name
        self.client: Client | None = None
        self.broken = False
        self._queues: dict[int, Any] = {}
        self._free: list[int] = []
        self._freed = asyncio.Event()
        self.users = 0  # calls holding this connection (RabbitMQStreams.using)
        self.subscribed = 0  # subscriptions made on it so far (see RECYCLE_AFTER_SUBSCRIPTIONS)
        self.retired = False
        self._closing = False
        self.metadata_updates: dict[str, int] = {}  # stream -> code of a MetadataUpdate (stream gone, leader moved)

    async def open(self) -> "StreamConnection":
        client = Client(self.host, self.port, frame_max=1 << 20, heartbeat=60, connection_name=self.name,
                        connection_closed_handler=self._closed)
        try:
            await client.start()
            await client.authenticate(self.endpoint.vhost, self.endpoint.username, self.endpoint.password)
        except BaseException:
            # In the background: when the call was cancelled (its time is up) it must end now, not in 2 s.
            asyncio.ensure_future(quietly(client.close(), 2))
            raise
        # rstream puts every Deliver frame into the queue of each registered Deliver handler's name and
        # runs one task per queue: one handler, "0", and we dispatch by subscription id ourselves.
        client.add_handler(schema.Deliver, _ignore_deliver, name="0")
        await client.run_queue_listener_task(0, self._dispatch)
        client.add_handler(schema.MetadataUpdate, self._metadata_update, name="streamvisor")
        self.client = client
        self._free = list(range(MAX_SUBSCRIPTIONS - 1, -1, -1))
        return self

    def _closed(self, _info) -> None:
        self.broken = True

    def _dispatch(self, frame: schema.Deliver) -> None:
        # Synchronous on purpose: a frame is in its subscription's queue before any coroutine waiting on a
        # later response frame of this connection resumes (see StreamConnection.barrier).
        queue = self._queues.get(frame.subscription_id)
        if queue is not None:
            queue.put_nowait(frame)

    def _metadata_update(self, frame: schema.MetadataUpdate) -> None:
        self.metadata_updates[frame.metadata_info.stream] = frame.metadata_info.code

    @property
    def alive(self) -> bool:
        return self.client is not None and not self.broken and self.client.is_connection_alive()

    @contextlib.asynccontextmanager
    async def subscriptions(self, count: int, queues: Sequence[Any] | None = None):
        """`count` subscription ids, each with an empty asyncio.Queue (or the given objects with put_nowait)
        for its Deliver frames, returned to the pool afterwards. All ids at once (no await between the check
        and the take, on one loop), so callers can never each hold part of a set."""
        while len(self._free) < count:
            self._freed.clear()
            await self._freed.wait()
        ids = [self._free.pop() for _ in range(count)]
        self.subscribed += count
        for i, sid in enumerate(ids):
            self._queues[sid] = asyncio.Queue() if queues is None else queues[i]
        try:
            yield ids
        finally:
            for sid in ids:
                self._queues.pop(sid, None)
            self._free.extend(ids)
            self._freed.set()
            self.close_if_idle()

    def retire(self) -> None:
        """No new calls get this connection; it closes as soon as none uses it."""
        self.retired = True
        self.close_if_idle()

    def close_if_idle(self) -> None:
        if self.retired and self.users == 0 and not self._queues and not self._closing:
            self._closing = True
            asyncio.ensure_future(self.close())

    def queue(self, sid: int) -> asyncio.Queue:
        return self._queues[sid]

    async def subscribe(self, stream: str, sid: int, offset_type: constants.OffsetType, offset: int | None = None,
                        credit: int = 1) -> None:
        assert self.client is not None
        await self.client.subscribe(stream, sid, schema.OffsetSpec.from_params(offset_type, offset),
                                    initial_credit=credit)

    async def unsubscribe(self, sid: int) -> None:
        assert self.client is not None
        await self.client.unsubscribe(sid)

    async def metadata(self, streams: Sequence[str]) -> schema.MetadataResponse:
        assert self.client is not None
        return await self.client.sync_request(
            schema.Metadata(self.client._corr_id_seq.next(), streams=list(streams)),
            resp_schema=schema.MetadataResponse, raise_exception=False)

    async def partitions(self, super_stream: str) -> tuple[int, list[str]]:
        """(response code, partition streams in routing order) of a super stream."""
        assert self.client is not None
        response = await self.client.sync_request(
            schema.SuperStreamPartitions(self.client._corr_id_seq.next(), super_stream=super_stream),
            resp_schema=schema.SuperStreamPartitionsResponse, raise_exception=False)
        return response.response_code, list(response.streams)

    @staticmethod
    async def barrier() -> None:
        """After awaiting the response to a command sent after a Subscribe, the Deliver frames the node sent
        for that Subscribe are already in their queues: rstream's reader task hands each frame to the
        dispatch task before it resolves the response of a later frame, and the dispatch task's wake-up is
        scheduled first. One more loop turn makes that independent of how many hops the waiter takes."""
        await asyncio.sleep(0)

    async def close(self) -> None:
        self.broken = True
        if self.client is not None:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(self.client.close(), 3)


def _chunk_or_none(queue: asyncio.Queue) -> schema.Deliver | None:
    return None if queue.empty() else queue.get_nowait()


async def quietly(awaitable: Awaitable[Any], timeout_s: float = 1.0) -> None:
    """Best-effort cleanup (an Unsubscribe), bounded: it also runs while a timed-out call is cancelled."""
    with contextlib.suppress(BaseException):
        await asyncio.wait_for(awaitable, timeout_s)


class RabbitMQStreams:
    """The protocol logic shared by the adapter and the worker's reader: connections per node (reused),
    partition discovery, leaders, and the bounds of a stream. Every method runs on the loop thread."""

    def __init__(self, endpoint: Endpoint, super_stream_mode: str = "auto", name: str = "streamvisor"):
        self.endpoint = endpoint
        self.mode = super_stream_mode
        self.name = name
        self._connections: dict[tuple[str, int], StreamConnection] = {}
        self._opening: dict[tuple[str, int], asyncio.Lock] = {}

    @contextlib.asynccontextmanager
    async def using(self, host: str | None = None, port: int | None = None):
        """A connection to (host, port) - the configured node by default - for the duration of a call: the
        open one, unless it is dead or worn (RECYCLE_AFTER_SUBSCRIPTIONS), then a new one."""
        address = (host or self.endpoint.host, port or self.endpoint.port)
        lock = self._opening.setdefault(address, asyncio.Lock())
        async with lock:
            connection = self._connections.get(address)
            if connection is None or not connection.alive or connection.subscribed >= RECYCLE_AFTER_SUBSCRIPTIONS:
                if connection is not None:
                    connection.retire()
                connection = await StreamConnection(self.endpoint, *address, name=self.name).open()
                self._connections[address] = connection
            connection.users += 1
        try:
            yield connection
        finally:
            connection.users -= 1
            connection.close_if_idle()

    async def discard(self) -> None:
        """Retires every connection, e.g. after a timeout: the next call opens fresh ones."""
        connections, self._connections = list(self._connections.values()), {}
        for connection in connections:
            connection.retire()

    def _missing(self, stream: str, detail: str = "", kind: str = "stream") -> FailedPrecondition:
        return FailedPrecondition(
            "STREAM_NOT_FOUND", f"{kind} {stream!r} does not exist on {self.endpoint.redacted}{detail}",
            {"stream": stream, "url": self.endpoint.redacted})

    async def partition_streams(self, stream: str) -> list[str]:
        """The streams behind partitions 0..n-1."""
        async with self.using() as connection:
            return await self._partition_streams(connection, stream)

    async def _partition_streams(self, connection: StreamConnection, stream: str) -> list[str]:
        if self.mode in ("auto", "true"):
            code, streams = await connection.partitions(stream)
            if code == _OK:
                if not streams:
                    # The super stream (its exchange) exists but has nothing to read: for the supervisor that
                    # is a stream that is not there yet - the same remedy (create its partitions) as a
                    # missing stream, and not a problem of the request itself (which INVALID_ARGUMENT means).
                    raise FailedPrecondition(
                        "STREAM_NOT_FOUND",
                        f"super stream {stream!r} on {self.endpoint.redacted} has no partitions",
                        {"stream": stream, "url": self.endpoint.redacted, "super_stream": "true",
                         "partitions": 0})
                return streams
            if code != _STREAM_DOES_NOT_EXIST:
                raise self._server_error(f"SuperStreamPartitions answered code {code}")
            if self.mode == "true":
                raise self._missing(stream, kind="super stream")
        response = await connection.metadata([stream])
        code = response.metadata[0].response_code if response.metadata else _STREAM_DOES_NOT_EXIST
        if code == _STREAM_DOES_NOT_EXIST:
            raise self._missing(stream, "" if self.mode == "false" else " (neither a super stream nor a stream)")
        if code != _OK:
            raise self._server_error(f"Metadata answered code {code} for {stream!r}")
        return [stream]

    def _server_error(self, detail: str) -> Unavailable:
        return Unavailable("STREAM_UNREACHABLE", f"RabbitMQ at {self.endpoint.redacted}: {detail}",
                           {"url": self.endpoint.redacted, "detail": detail[:200]})

    async def leaders(self, streams: Sequence[str]) -> dict[str, tuple[str, int]]:
        """The (host, port) each stream's leader advertises, from one Metadata request."""
        async with self.using() as connection:
            response = await connection.metadata(streams)
        brokers = {b.reference: (b.host, b.port) for b in response.brokers}
        leaders = {}
        for item in response.metadata:
            if item.response_code == _STREAM_DOES_NOT_EXIST:
                raise self._missing(item.name)
            if item.response_code != _OK or item.leader_ref not in brokers:
                raise self._server_error(f"stream {item.name!r} has no available leader (code {item.response_code})")
            leaders[item.name] = brokers[item.leader_ref]
        missing = [s for s in streams if s not in leaders]
        if missing:
            raise self._missing(missing[0])
        return leaders

    async def bounds(self, connection: StreamConnection, stream: str) -> tuple[int, int]:
        """(earliest, latest) message offsets of one stream, read on its leader. Why this is correct: see
        the module docstring."""
        while True:
            async with connection.subscriptions(2) as (first_sid, last_sid):
                first_q, last_q = connection.queue(first_sid), connection.queue(last_sid)
                # Three commands in flight, in this order (tasks start in creation order and each writes its
                # frame before its first suspension); the third one's response is the barrier.
                tasks = [asyncio.ensure_future(connection.subscribe(stream, first_sid, constants.OffsetType.FIRST)),
                         asyncio.ensure_future(connection.subscribe(stream, last_sid, constants.OffsetType.LAST)),
                         asyncio.ensure_future(connection.unsubscribe(first_sid))]
                results = await asyncio.gather(*tasks, return_exceptions=True)
                await connection.barrier()
                subscribed_last = not isinstance(results[1], BaseException)
                try:
                    for result in results[:2]:
                        if isinstance(result, exceptions.StreamDoesNotExist):
                            raise self._missing(stream)
                        if isinstance(result, BaseException):
                            raise result
                    first, last = _chunk_or_none(first_q), _chunk_or_none(last_q)
                    if first is None and last is None:
                        return 0, 0  # no committed message when the node handled the Subscribe
                    if first is None:
                        continue  # the first message was committed between the two Subscribes: look again
                    if last is None:
                        last = await last_q.get()  # the newest message chunk, once it is committed
                    return first.chunk_first_offset, max(first.chunk_first_offset,
                                                         last.chunk_first_offset + last.num_records)
                finally:
                    if subscribed_last:
                        await quietly(connection.unsubscribe(last_sid))

    async def offset_for_time(self, connection: StreamConnection, stream: str, timestamp_ms: int) -> int:
        """The first offset of the first chunk whose timestamp is >= timestamp_ms, or latest if none."""
        earliest, latest = await self.bounds(connection, stream)
        if latest <= earliest:
            return latest
        async with connection.subscriptions(1) as (sid,):
            queue = connection.queue(sid)
            tasks = [asyncio.ensure_future(connection.subscribe(stream, sid, constants.OffsetType.TIMESTAMP,
                                                                timestamp_ms, credit=4)),
                     asyncio.ensure_future(connection.metadata([stream]))]  # the barrier
            results = await asyncio.gather(*tasks, return_exceptions=True)
            if isinstance(results[0], exceptions.StreamDoesNotExist):
                raise self._missing(stream)
            if isinstance(results[0], BaseException):
                raise results[0]
            try:
                await connection.barrier()
                if queue.empty():
                    # Attached past every committed chunk: no message below `latest` is that recent.
                    return latest
                while True:
                    frame = await queue.get()
                    chunk = Chunk.of(frame)
                    if chunk.first >= latest:
                        return latest
                    if chunk.timestamp_ms >= timestamp_ms:
                        return chunk.first
                    if chunk.end >= latest:
                        return latest
                    await connection.client.credit(sid, 1)
            finally:
                await quietly(connection.unsubscribe(sid))

    async def close(self) -> None:
        connections, self._connections = list(self._connections.values()), {}
        for connection in connections:
            await connection.close()
