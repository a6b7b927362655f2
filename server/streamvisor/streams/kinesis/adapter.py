"""The control plane's StreamAdapter[str, int] for Amazon Kinesis, on boto3: partitions are shard ids,
offsets sequence numbers as Python ints. Where each value comes from, and why it is exact: the package
docstring (streams/kinesis/__init__.py) and docs/kinesis.md."""
from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Mapping, Sequence, TypeVar

from streamvisor import logs
from streamvisor.domain.errors import FailedPrecondition
from streamvisor.domain.lineage import Shard, ShardExtent, topological_order, untrimmed_shards
from streamvisor.domain.ports import StreamAdapter, Watermarks
from streamvisor.streams.kinesis import client as kinesis
from streamvisor.streams.kinesis.settings import Connection

log = logging.getLogger("streamvisor.streams.kinesis")

T = TypeVar("T")
# Per-shard reads run in parallel: a GetOffsets over 100 shards is ~3 calls per shard, each a round trip.
CONCURRENCY = 16


@dataclass(frozen=True)
class Lineage:
    """A stream's shards as listed (open and closed, with their parents) and, for the shards asked for,
    their extents: what GetOffsets shows for Kinesis, and what plan_reset_to_latest takes."""

    shards: dict[str, Shard]
    extents: dict[str, ShardExtent]
    read_at: datetime

    @property
    def open_shards(self) -> list[str]:
        return [s for s in topological_order(self.shards) if not self.shards[s].closed]


class KinesisStreamAdapter(StreamAdapter[str, int]):
    """Every call is bounded by `timeout_s` per Kinesis request (boto3's connect and read timeouts, with
    standard-mode retries); an endpoint that does not answer raises Unavailable (STREAM_UNREACHABLE), a
    missing stream FailedPrecondition (STREAM_NOT_FOUND)."""

    def __init__(self, consumer_properties: Mapping[str, str], timeout_s: float = 5.0):
        self.connection = Connection.of(consumer_properties)
        self.timeout_s = timeout_s
        self._client = kinesis.make_client(self.connection, timeout_s, pool=CONCURRENCY * 2)
        self._pool = ThreadPoolExecutor(CONCURRENCY, thread_name_prefix="kinesis-adapter")
        # A closed shard's last record never changes: its tail is read once per (stream, shard, start) - the
        # start tells a recreated stream's shard of the same id apart. An open shard's last record seen is
        # where the next read of its tail starts (client.tail).
        self._closed_tails: dict[tuple[str, str, int], kinesis.Tail] = {}
        self._open_tails: dict[tuple[str, str, int], kinesis.Tail] = {}
        self._lock = threading.Lock()

    def _call(self, stream: str, work: Callable[[], T]) -> T:
        with kinesis.translated(self.connection, self.timeout_s, stream):
            return work()

    def _each(self, stream: str, items: Sequence, work: Callable) -> list:
        futures = [self._pool.submit(self._call, stream, lambda item=item: work(item)) for item in items]
        return [f.result() for f in futures]

    def shards(self, stream: str) -> dict[str, Shard]:
        return self._call(stream, lambda: kinesis.list_shards(self._client, stream))

    def partitions(self, stream: str) -> list[str]:
        """Every listed shard, open and closed, parents before children."""
        return topological_order(self.shards(stream))

    def identities(self, streams: Sequence[str]) -> dict[str, str]:
        # Not yet: a recreated stream's shards start at shardId-000000000000 again (docs/api.md, "Stream
        # recreated").
        return {}

    def parents(self, stream: str, partitions: Sequence[str]) -> dict[str, tuple[str, ...]]:
        shards = self.shards(stream)
        return {s: shards[s].parents for s in partitions if s in shards and shards[s].parents}

    def _tail(self, stream: str, shard: Shard, now: datetime, retention) -> kinesis.Tail:
        key = (stream, shard.id, shard.start)
        with self._lock:
            cached = self._closed_tails.get(key)
        if cached is not None:
            return cached
        with self._lock:
            known = self._open_tails.get(key)
        found = kinesis.tail(self._client, stream, shard, now, retention, known)
        with self._lock:
            if shard.closed:
                self._closed_tails[key] = found
                self._open_tails.pop(key, None)
            elif found.last_sequence is not None:
                self._open_tails[key] = found
        return found

    def _require(self, stream: str, shards: Mapping[str, Shard], wanted: Sequence[str]) -> None:
        unknown = [s for s in wanted if s not in shards]
        if unknown:
            raise FailedPrecondition(
                "STREAM_NOT_FOUND", f"Kinesis stream {stream!r} lists no shard {unknown[0]} (it lists {len(shards)})",
                {"stream": stream, "endpoint": self.connection.redacted, "partition": unknown[0]})

    def lineage(self, stream: str, shard_ids: Sequence[str] | None = None) -> Lineage:
        """The shards with their parents, and the extents of `shard_ids` (all listed shards by default):
        one ListShards (paged) and one DescribeStreamSummary, then per shard its tail (cached once closed)
        and, only where retention may have removed records, its first retained record."""
        summary = self._pool.submit(self._call, stream, lambda: kinesis.stream_summary(self._client, stream))
        shards = self.shards(stream)
        created, retention = summary.result()
        wanted = list(shards) if shard_ids is None else list(dict.fromkeys(shard_ids))
        self._require(stream, shards, wanted)
        now = datetime.now(timezone.utc)
        # The tails of the wanted shards' parents tell whether retention can have touched the children.
        parents = {p for s in wanted for p in shards[s].parents if p in shards}
        to_read = list(dict.fromkeys([*wanted, *parents]))
        tails = dict(zip(to_read, self._each(stream, to_read, lambda s: self._tail(stream, shards[s], now, retention))))
        arrivals = {s: t.last_arrival for s, t in tails.items() if t.last_arrival is not None}
        untrimmed = untrimmed_shards(shards, created, arrivals, now, retention)
        maybe_trimmed = [s for s in wanted if s not in untrimmed]
        firsts = dict(zip(maybe_trimmed, self._each(
            stream, maybe_trimmed, lambda s: kinesis.first_retained(self._client, stream, s))))
        extents = {}
        for s in wanted:
            shard, last = shards[s], tails[s].last_sequence
            end = last + 1 if last is not None else shard.start
            if s in untrimmed:
                extents[s] = ShardExtent(earliest=shard.start, end=end)
            else:
                first = firsts[s]
                extents[s] = ShardExtent(earliest=first if first is not None else end, end=end, expired=True)
        logs.debug(log, "kinesis lineage read", stream=stream, shards=len(shards), extents=len(extents),
                   maybe_trimmed=len(maybe_trimmed))
        return Lineage(shards, extents, now)

    def watermarks(self, stream: str, partitions: Sequence[str]) -> Watermarks[str, int]:
        """Per shard: earliest = the first retained offset, latest = the end (for an open shard, the reset
        point as of this call)."""
        if not partitions:
            return Watermarks({}, {})
        extents = self.lineage(stream, partitions).extents
        return Watermarks({s: e.earliest for s, e in extents.items()}, {s: e.end for s, e in extents.items()})

    def offsets_for_times(self, stream: str, timestamps_ms: Mapping[str, int]) -> dict[str, int]:
        """Per shard, the first record that arrived at or after the time (AT_TIMESTAMP), as a checkpoint:
        its own sequence number, which iterator_at positions AT. If none arrived yet, the shard's end."""
        if not timestamps_ms:
            return {}
        wanted = list(timestamps_ms)
        self._require(stream, self.shards(stream), wanted)
        found = dict(zip(wanted, self._each(
            stream, wanted, lambda s: kinesis.first_at_time(self._client, stream, s, timestamps_ms[s]))))
        missing = [s for s, seq in found.items() if seq is None]
        ends = self.lineage(stream, missing).extents if missing else {}
        return {s: (seq if seq is not None else ends[s].end) for s, seq in found.items()}

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._client.close()
