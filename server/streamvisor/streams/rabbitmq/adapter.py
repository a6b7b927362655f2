"""The control plane's StreamAdapter[int, int] for RabbitMQ Streams. How partitions and offsets are found
(and why the values are exact without StreamStats): client.py."""
from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Awaitable, Mapping, Sequence, TypeVar

from rstream import exceptions

from streamvisor.domain.errors import FailedPrecondition, Unavailable
from streamvisor.domain.ports import StreamAdapter, Watermarks
from streamvisor.streams.rabbitmq.client import EventLoopThread, RabbitMQStreams
from streamvisor.streams.rabbitmq.settings import Endpoint, super_stream_mode

T = TypeVar("T")


class RabbitMQStreamAdapter(StreamAdapter[int, int]):
    """RabbitMQ Streams: partitions are a super stream's partitions in routing
    order (or a single stream as partition 0), offsets the streams' offsets. Every call is bounded by
    `timeout_s`; an unreachable node raises Unavailable (STREAM_UNREACHABLE)."""

    def __init__(self, consumer_properties: Mapping[str, str], timeout_s: float = 5.0):
        self.endpoint = Endpoint.of(consumer_properties)
        self.timeout_s = timeout_s
        self._streams = RabbitMQStreams(self.endpoint, super_stream_mode(consumer_properties),
                                        name="streamvisor-adapter")
        self._loop = EventLoopThread(f"rabbitmq-{self.endpoint.host}:{self.endpoint.port}")

    def _unreachable(self, detail: object) -> Unavailable:
        return Unavailable(
            "STREAM_UNREACHABLE",
            f"RabbitMQ at {self.endpoint.redacted} did not answer within {self.timeout_s:g}s: {detail}",
            {"url": self.endpoint.redacted, "timeout_ms": int(self.timeout_s * 1000), "detail": str(detail)[:200]})

    def _call(self, coroutine: Awaitable[T]) -> T:
        try:
            return self._loop.run(coroutine, self.timeout_s)
        except (FailedPrecondition, Unavailable):
            raise
        except exceptions.StreamDoesNotExist as e:
            raise FailedPrecondition("STREAM_NOT_FOUND", f"a stream does not exist on {self.endpoint.redacted}: {e}",
                                     {"url": self.endpoint.redacted}) from None
        except (TimeoutError, asyncio.TimeoutError, OSError, exceptions.ServerError, exceptions.ClientError,
                ConnectionError) as e:
            # A timed-out or failed connection may be half-dead (rstream's reader task can die on a frame it
            # cannot decode): start over with fresh connections next time.
            self._loop.submit(self._streams.discard())
            raise self._unreachable(f"{type(e).__name__}: {e}" if str(e) else type(e).__name__) from None

    def partitions(self, stream: str) -> list[int]:
        return list(range(len(self._call(self._streams.partition_streams(stream)))))

    async def _per_partition(self, stream: str, partitions: Sequence[int], work) -> dict[int, Any]:
        names = await self._streams.partition_streams(stream)
        unknown = [p for p in partitions if not 0 <= p < len(names)]
        if unknown:
            raise FailedPrecondition(
                "STREAM_NOT_FOUND", f"stream {stream!r} has no partition {unknown[0]} (it has {len(names)})",
                {"stream": stream, "url": self.endpoint.redacted, "partition": unknown[0]})
        wanted = [names[p] for p in partitions]
        leaders = await self._streams.leaders(sorted(set(wanted)))
        async with contextlib.AsyncExitStack() as stack:
            connections = {address: await stack.enter_async_context(self._streams.using(*address))
                           for address in set(leaders.values())}
            results = await asyncio.gather(*(work(connections[leaders[names[p]]], names[p], p) for p in partitions))
        return dict(zip(partitions, results))

    def watermarks(self, stream: str, partitions: Sequence[int]) -> Watermarks[int, int]:
        if not partitions:
            return Watermarks({}, {})
        bounds = self._call(self._per_partition(
            stream, partitions, lambda connection, name, _p: self._streams.bounds(connection, name)))
        return Watermarks({p: b[0] for p, b in bounds.items()}, {p: b[1] for p, b in bounds.items()})

    def offsets_for_times(self, stream: str, timestamps_ms: Mapping[int, int]) -> dict[int, int]:
        if not timestamps_ms:
            return {}
        return self._call(self._per_partition(
            stream, list(timestamps_ms),
            lambda connection, name, p: self._streams.offset_for_time(connection, name, timestamps_ms[p])))

    def parents(self, stream: str, partitions: Sequence[int]) -> dict[int, tuple[int, ...]]:
        return {}  # a super stream's partitions are independent streams: no lineage

    def identities(self, streams: Sequence[str]) -> dict[str, str]:
        return {}  # RabbitMQ names no stream instance: a recreated super stream is not detected

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._loop.run(self._streams.close(), 5)
        self._loop.stop()
