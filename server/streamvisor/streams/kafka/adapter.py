"""The control plane's StreamAdapter[int, int] for Apache Kafka, on confluent-kafka (librdkafka): an
AdminClient for topic metadata and a never-subscribed consumer handle for offset lookups."""
from __future__ import annotations

import contextlib
import logging
import threading
import time
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Callable, Iterator, Mapping, Sequence

from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, KafkaError, KafkaException, TopicCollection, \
    TopicPartition
from confluent_kafka.admin import AdminClient

from streamvisor import logs
from streamvisor.domain.errors import FailedPrecondition, Unavailable
from streamvisor.domain.ports import StreamAdapter, Watermarks
from streamvisor.streams.kafka.settings import BOOTSTRAP_SERVERS, admin_config, offsets_reader_config

log = logging.getLogger("streamvisor.streams.kafka")  # its name before the package existed

_CACHED_REQUESTS = 256  # (stream, partitions) pairs whose watermark requests are kept
# Threads that wait for offset lookups, per adapter, sized to the callers rather than to the work: every RPC
# thread (STREAMVISOR_MAX_WORKERS, 16 by default) with both of its lookups in flight, plus the scheduler's,
# so a broker that times out one topic's lookups cannot queue another topic's behind them. A thread is only
# started when a lookup finds none idle; the lookups themselves wait without the GIL.
_LOOKUP_THREADS = 40
_MISSING_TOPIC_CODES = {KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC, KafkaError._UNKNOWN_PARTITION}
_NO_IDENTITY_CODES = _MISSING_TOPIC_CODES | {KafkaError.TOPIC_AUTHORIZATION_FAILED}
# Stale leadership in librdkafka's metadata cache: refresh it and ask again once.
_STALE_LEADER_CODES = {KafkaError._NOENT, KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE,
                       KafkaError.FENCED_LEADER_EPOCH, KafkaError.UNKNOWN_LEADER_EPOCH}
# What the lookup handle answers from its own metadata cache when that cache does not know a partition's
# leader (a new topic before its leaders are elected, partitions added since the last refresh, a topic
# deleted): never taken as "missing" on its word; describe_topics decides that (_query).
_UNKNOWN_TO_THE_READER = _MISSING_TOPIC_CODES | _STALE_LEADER_CODES


class _StaleLeaders(Exception):
    pass


def topic_id_text(topic_id) -> str | None:
    """A topic id as the Kafka tools print it (base64), or None for none: a broker without topic ids (before
    2.8) answers all zeros, which is no identity at all."""
    if topic_id is None or (topic_id.get_most_significant_bits() == 0 and topic_id.get_least_significant_bits() == 0):
        return None
    return str(topic_id)


class KafkaStreamAdapter(StreamAdapter[int, int]):
    """Partitions are Kafka partition ids, offsets Kafka offsets.

    Offsets are looked up with the consumer's offsets_for_times, not AdminClient.list_offsets: both send the
    same ListOffsets request (a "timestamp" of -2 asks for the earliest offset, -1 for the latest, at the
    handle's isolation level), but list_offsets answers with a Future per partition, which at 1,000
    partitions cost more than the broker's round trip (bench/README.md, bench_get_offsets.py)."""

    def __init__(self, consumer_properties: Mapping[str, str], timeout_s: float = 5.0):
        self.bootstrap_servers = consumer_properties.get(BOOTSTRAP_SERVERS, "")
        self.timeout_s = timeout_s
        self._admin = AdminClient(admin_config(consumer_properties, timeout_s))
        self._reader = Consumer(offsets_reader_config(consumer_properties, timeout_s))
        self._lookups = ThreadPoolExecutor(_LOOKUP_THREADS, thread_name_prefix="kafka-offsets")
        # close() waits for the lookups inside the handle: destroying it under one is undefined behaviour.
        self._reader_state = threading.Condition()
        self._reader_calls = 0
        self._closed = False
        self._requests: dict[tuple[str, tuple[int, ...]], tuple[list, list]] = {}

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

    def identities(self, streams: Sequence[str]) -> dict[str, str]:
        return self.start_identities(streams)()

    def start_identities(self, streams: Sequence[str]) -> Callable[[], dict[str, str]]:
        """Kafka's topic ids (KIP-516): a topic deleted and created again under its name gets a new one. One
        DescribeTopics for every topic, sent now; the returned call waits for it. Left out of the answer: a
        topic that does not exist (now), one the broker refused to describe (authorization), and one without
        an id (brokers before 2.8 answer all zeros). Any other error is Unavailable (STREAM_UNREACHABLE)."""
        if not streams:
            return dict
        try:
            futures = self._admin.describe_topics(TopicCollection(sorted(set(streams))),
                                                  request_timeout=self.timeout_s)
        except KafkaException as e:
            raise self._unreachable(e.args[0] if e.args else e) from None

        def collect() -> dict[str, str]:
            found = {}
            for stream, future in futures.items():
                try:
                    description = future.result(timeout=self.timeout_s + 1)
                except FutureTimeout:
                    raise self._unreachable("describe_topics timed out") from None
                except KafkaException as e:
                    error = e.args[0] if e.args else None
                    # confluent-kafka marks no DescribeTopics error retriable, so the codes decide: a
                    # missing or forbidden topic has no identity to compare; anything else is no answer.
                    if isinstance(error, KafkaError) and error.code() in _NO_IDENTITY_CODES:
                        continue
                    raise self._unreachable(error or e) from None
                topic_id = topic_id_text(description.topic_id)
                if topic_id is not None:
                    found[stream] = topic_id
            return found
        return collect

    def _watermark_requests(self, stream: str, partitions: Sequence[int]) -> tuple[list, list]:
        """The earliest and latest lookups for these partitions, built once per (stream, partitions): 2,000
        TopicPartition objects per GetOffsets at 1,000 partitions were a measurable share of its cost over
        the bare call. (offsets_for_times copies them and leaves them as they are.)"""
        key = (stream, tuple(partitions))
        requests = self._requests.get(key)
        if requests is None:
            requests = ([TopicPartition(stream, p, OFFSET_BEGINNING) for p in partitions],
                        [TopicPartition(stream, p, OFFSET_END) for p in partitions])
            if len(self._requests) >= _CACHED_REQUESTS:
                self._requests.clear()  # many streams or partition sets: start over (rare)
            self._requests[key] = requests
        return requests

    def _error(self, error: object) -> Exception:
        code = error.code() if isinstance(error, KafkaError) else None
        return _StaleLeaders(error) if code in _UNKNOWN_TO_THE_READER else self._unreachable(error)

    @contextlib.contextmanager
    def _using_reader(self) -> Iterator[Consumer]:
        """The lookup handle, counted as in use until the block ends (close() waits for none to be); refused
        once close() began."""
        with self._reader_state:
            if self._closed:
                raise self._unreachable("the server is stopping")
            self._reader_calls += 1
        try:
            yield self._reader
        finally:
            with self._reader_state:
                self._reader_calls -= 1
                self._reader_state.notify_all()

    def _lookup(self, stream: str, request: list[TopicPartition]) -> dict[int, int]:
        """One ListOffsets round: each TopicPartition's offset field holds the timestamp asked for (-2
        earliest, -1 latest, else the first offset at or after that time, -1 in the answer if none)."""
        try:
            with self._using_reader() as reader:
                answers = reader.offsets_for_times(request, timeout=self.timeout_s)
        except KafkaException as e:  # the whole lookup: unreachable, timed out, or no leader known for any
            raise self._error(e.args[0] if e.args else e) from None
        offsets = {}
        for tp in answers:
            if tp.error is not None:
                raise self._error(tp.error)
            offsets[tp.partition] = tp.offset
        return offsets

    def _query(self, stream: str, request: list[TopicPartition]) -> dict[int, int]:
        """One lookup; when the handle knows no leader for a partition, find out whether the topic and its
        partitions exist, refresh the handle's metadata and try once more."""
        try:
            return self._lookup(stream, request)
        except _StaleLeaders as first:
            logs.info(log, "refreshing stale partition leaders", stream=stream, error=first)
            # describe_topics decides "missing" (STREAM_NOT_FOUND): the lookup says "unknown partition" for a
            # deleted topic and for a partition whose leader its cache does not know alike.
            present = set(self.partitions(stream))
            if any(tp.partition not in present for tp in request):
                raise self._missing(stream) from None
            self._refresh_reader(stream)
            try:
                return self._lookup(stream, request)
            except _StaleLeaders as again:
                raise self._unreachable(again.args[0]) from None

    def _refresh_reader(self, stream: str) -> None:
        # A metadata request for this topic, with auto-creation off (the handle's allow.auto.create.topics).
        try:
            with self._using_reader() as reader:
                reader.list_topics(stream, timeout=self.timeout_s)
        except KafkaException as e:
            raise self._unreachable(e.args[0] if e.args else e) from None

    def _submit(self, stream: str, request: list[TopicPartition]) -> tuple[Future, float]:
        """The query on the pool, and when to stop waiting for it: a query takes at most two lookups and
        two metadata requests, each bounded by the timeout, counted from now (not from when it is waited for)."""
        try:
            future = self._lookups.submit(self._query, stream, request)
        except RuntimeError:  # the pool was shut down: the server is stopping
            raise self._unreachable("the server is stopping") from None
        return future, time.monotonic() + 4 * self.timeout_s + 1

    def _answer(self, lookup: tuple[Future, float]) -> dict[int, int]:
        future, deadline = lookup
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            future.cancel()  # if it is still queued, it never runs
            raise self._unreachable("the offset lookup timed out") from None
        except CancelledError:
            raise self._unreachable("the server is stopping") from None

    def watermarks(self, stream: str, partitions: Sequence[int]) -> Watermarks[int, int]:
        return self.start_watermarks(stream, partitions)()

    def start_watermarks(self, stream: str, partitions: Sequence[int]) -> Callable[[], Watermarks[int, int]]:
        """Starts both lookups now and returns the function that waits for their answers: the caller can
        do other work (Offsets.positions reads the checkpoints) while they are in flight."""
        if not partitions:
            return lambda: Watermarks({}, {})
        # Both lookups are in flight at once: one round trip for any number of partitions.
        earliest_request, latest_request = self._watermark_requests(stream, partitions)
        earliest = self._submit(stream, earliest_request)
        latest = self._submit(stream, latest_request)
        return lambda: Watermarks(self._answer(earliest), self._answer(latest))

    def offsets_for_times(self, stream: str, timestamps_ms: Mapping[int, int]) -> dict[int, int]:
        if not timestamps_ms:
            return {}
        # Timestamps are >= 0 here (domain/offsets.py refuses others): none reads as -1 or -2 above.
        found = self._query(stream, [TopicPartition(stream, p, ms) for p, ms in timestamps_ms.items()])
        missing = [p for p, o in found.items() if o < 0]
        if missing:
            # No record at or after the time: the answer is "from now on", the latest offset.
            found.update(self._query(stream, [TopicPartition(stream, p, OFFSET_END) for p in missing]))
        return found

    def parents(self, stream: str, partitions: Sequence[int]) -> dict[int, tuple[int, ...]]:
        return {}  # Kafka partitions have no lineage: every one is readable from the start

    def close(self) -> None:
        # New lookups are refused; those inside the handle finish (each bounded by the timeout) before it is
        # closed. One still inside after that keeps the handle alive: better a leak at shutdown than a crash.
        with self._reader_state:
            self._closed = True
            idle = self._reader_state.wait_for(lambda: self._reader_calls == 0, timeout=self.timeout_s + 1)
        self._lookups.shutdown(wait=False, cancel_futures=True)
        if idle:
            self._reader.close()
        # AdminClient has no close(); dropping the reference lets librdkafka tear it down.
        self._admin = None
