"""The control plane's StreamAdapter[int, int] for Apache Kafka, on confluent-kafka (librdkafka)'s AdminClient."""
from __future__ import annotations

import logging
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Callable, Mapping, Sequence

from confluent_kafka import IsolationLevel, KafkaError, KafkaException, TopicCollection, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

from streamvisor import logs
from streamvisor.domain.errors import FailedPrecondition, Unavailable
from streamvisor.domain.ports import StreamAdapter, Watermarks
from streamvisor.streams.kafka.settings import BOOTSTRAP_SERVERS, admin_config, reads_uncommitted

log = logging.getLogger("streamvisor.streams.kafka")  # its name before the package existed

_CACHED_REQUESTS = 256  # (stream, partitions) pairs whose watermark requests are kept
_MISSING_TOPIC_CODES = {KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC, KafkaError._UNKNOWN_PARTITION}
# Stale leadership in librdkafka's metadata cache: refresh it and ask again once.
_STALE_LEADER_CODES = {KafkaError._NOENT, KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE,
                       KafkaError.FENCED_LEADER_EPOCH, KafkaError.UNKNOWN_LEADER_EPOCH}


class _StaleLeaders(Exception):
    pass


class KafkaStreamAdapter(StreamAdapter[int, int]):
    """Partitions are Kafka partition ids, offsets Kafka offsets."""

    def __init__(self, consumer_properties: Mapping[str, str], timeout_s: float = 5.0):
        self.bootstrap_servers = consumer_properties.get(BOOTSTRAP_SERVERS, "")
        self.timeout_s = timeout_s
        self._isolation = (IsolationLevel.READ_UNCOMMITTED if reads_uncommitted(consumer_properties)
                           else IsolationLevel.READ_COMMITTED)
        self._admin = AdminClient(admin_config(consumer_properties, timeout_s))
        self._requests: dict[tuple[str, tuple[int, ...]], tuple[dict, dict]] = {}

    def _unreachable(self, detail: object) -> Unavailable:
        return Unavailable(
            "STREAM_UNREACHABLE",
            f"Kafka at {self.bootstrap_servers} did not answer within {self.timeout_s:g}s: {detail}",
            {"bootstrap_servers": self.bootstrap_servers, "timeout_ms": int(self.timeout_s * 1000),
             "detail": str(detail)[:200]},
        )

    def _missing(self, stream: str) -> FailedPrecondition:
        return FailedPrecondition(
            "STREAM_NOT_FOUND", f"topic {stream!r} does not exist on {self.bootstrap_servers}",
            {"stream": stream, "bootstrap_servers": self.bootstrap_servers})

    def partitions(self, stream: str) -> list[int]:
        # DescribeTopics: one metadata request for this topic only, sent with auto-creation off whatever
        # the client's settings (list_topics(topic) would create a missing topic on a default broker),
        # and it refreshes the client's metadata cache, so it also serves the stale-leader refresh below.
        try:
            future = self._admin.describe_topics(TopicCollection([stream]),
                                                 request_timeout=self.timeout_s)[stream]
            description = future.result(timeout=self.timeout_s + 1)
        except FutureTimeout:
            raise self._unreachable("describe_topics timed out") from None
        except KafkaException as e:
            error = e.args[0] if e.args else None
            if isinstance(error, KafkaError) and error.code() in _MISSING_TOPIC_CODES:
                raise self._missing(stream) from None
            raise self._unreachable(error or e) from None
        return sorted(p.id for p in description.partitions)

    def _watermark_requests(self, stream: str, partitions: Sequence[int]) -> tuple[dict, dict]:
        """The earliest and latest list_offsets requests for these partitions, built once per (stream,
        partitions): 2,000 TopicPartition and OffsetSpec objects per GetOffsets at 1,000 partitions were a
        measurable share of its cost over the bare call. (list_offsets only reads them.)"""
        key = (stream, tuple(partitions))
        requests = self._requests.get(key)
        if requests is None:
            earliest, latest = OffsetSpec.earliest(), OffsetSpec.latest()
            tps = [TopicPartition(stream, p) for p in partitions]
            requests = ({tp: earliest for tp in tps}, {tp: latest for tp in tps})
            if len(self._requests) >= _CACHED_REQUESTS:
                self._requests.clear()  # many streams or partition sets: start over (rare)
            self._requests[key] = requests
        return requests

    def _list_offsets(self, stream: str, specs: dict[int, OffsetSpec]) -> dict[TopicPartition, Future]:
        return self._send_list_offsets({TopicPartition(stream, p): spec for p, spec in specs.items()})

    def _send_list_offsets(self, request: dict) -> dict[TopicPartition, Future]:
        try:
            futures = self._admin.list_offsets(request, isolation_level=self._isolation,
                                               request_timeout=self.timeout_s)
        except KafkaException as e:
            raise self._unreachable(e.args[0] if e.args else e) from None
        return futures  # keyed by TopicPartition; _results reads the partitions (after both requests left)

    def _results(self, stream: str, futures: dict[TopicPartition, Future]) -> dict[int, int]:
        # One deadline for all futures, checked per result: cheaper than concurrent.futures.wait(),
        # which registers a waiter on every one of (up to thousands of) futures.
        deadline = time.monotonic() + self.timeout_s + 1
        offsets = {}
        for tp, future in futures.items():
            try:
                offsets[tp.partition] = future.result(timeout=max(0.0, deadline - time.monotonic())).offset
            except FutureTimeout:
                raise self._unreachable("list_offsets timed out") from None
            except KafkaException as e:
                error = e.args[0] if e.args else None
                if isinstance(error, KafkaError) and error.code() in _MISSING_TOPIC_CODES:
                    raise self._missing(stream) from None
                if isinstance(error, KafkaError) and error.code() in _STALE_LEADER_CODES:
                    raise _StaleLeaders(error) from None
                raise self._unreachable(error or e) from None
        return offsets

    def _query(self, stream: str, specs: dict[int, OffsetSpec]) -> dict[int, int]:
        """One list_offsets round; after a leadership change, refresh metadata and try once more."""
        try:
            return self._results(stream, self._list_offsets(stream, specs))
        except _StaleLeaders as first:
            logs.info(log, "refreshing stale partition leaders", stream=stream, error=first)
            # A metadata request for the topic updates the cache (and tells a deleted topic from a stale
            # leader: list_offsets says _NOENT "no leaders found" for both).
            self.partitions(stream)
            try:
                return self._results(stream, self._list_offsets(stream, specs))
            except _StaleLeaders as again:
                raise self._unreachable(again.args[0]) from None

    def watermarks(self, stream: str, partitions: Sequence[int]) -> Watermarks[int, int]:
        return self.start_watermarks(stream, partitions)()

    def start_watermarks(self, stream: str, partitions: Sequence[int]) -> Callable[[], Watermarks[int, int]]:
        """Sends both list_offsets requests now and returns the function that waits for their answers:
        the caller can do other work (Offsets.positions reads the checkpoints) while they are in flight."""
        if not partitions:
            return lambda: Watermarks({}, {})
        # Both requests are in flight at once: one round trip for any number of partitions.
        earliest_request, latest_request = self._watermark_requests(stream, partitions)
        earliest = self._send_list_offsets(earliest_request)
        latest = self._send_list_offsets(latest_request)

        def collect() -> Watermarks[int, int]:
            try:
                return Watermarks(self._results(stream, earliest), self._results(stream, latest))
            except _StaleLeaders as first:
                logs.info(log, "refreshing stale partition leaders", stream=stream, error=first)
                self.partitions(stream)
                return Watermarks(self._query(stream, {p: OffsetSpec.earliest() for p in partitions}),
                                  self._query(stream, {p: OffsetSpec.latest() for p in partitions}))
        return collect

    def offsets_for_times(self, stream: str, timestamps_ms: Mapping[int, int]) -> dict[int, int]:
        if not timestamps_ms:
            return {}
        found = self._query(stream, {p: OffsetSpec.for_timestamp(ms) for p, ms in timestamps_ms.items()})
        missing = [p for p, o in found.items() if o < 0]
        if missing:
            # No record at or after the time: the answer is "from now on", the latest offset.
            found.update(self._query(stream, {p: OffsetSpec.latest() for p in missing}))
        return found

    def parents(self, stream: str, partitions: Sequence[int]) -> dict[int, tuple[int, ...]]:
        return {}  # Kafka partitions have no lineage: every one is readable from the start

    def close(self) -> None:
        # AdminClient has no close(); dropping the reference lets librdkafka tear it down.
        self._admin = None
