"""How the reference worker reads one task's partitions, per stream type.

A reader is opened at the task's start offsets and hands back records in offset order per partition.
It never commits anything anywhere: the control plane owns the offsets (TaskRun publishes them with
CommitCheckpoint). Kafka's reader is here; RabbitMQ Streams' is in rabbitmq_reader.py and is loaded
only when `rstream` is installed.
"""
from __future__ import annotations

import logging
from typing import Mapping, NamedTuple, Protocol

from confluent_kafka import OFFSET_INVALID, Consumer, KafkaError, TopicPartition

from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.v1 import task_service_pb2 as tasks

# librdkafka consumer settings that only make sense for the control plane's own offset tracking.
_CONSUMER_OVERRIDES = {
    "enable.auto.commit": False,
    "enable.auto.offset.store": False,
    "enable.partition.eof": False,
    # Offsets come from the lease; an out-of-range start is an error to report, not a silent jump.
    "auto.offset.reset": "error",
    # Never create the topic: librdkafka's consumer default is false today, but on a broker with Kafka's
    # default auto.create.topics.enable=true a true here would bring a deleted topic back, empty.
    "allow.auto.create.topics": False,
}
_CONSUMER_KEYS = ("bootstrap.servers", "security.protocol", "sasl.", "ssl.", "client.id", "socket.",
                  "isolation.level", "fetch.", "max.partition.fetch.bytes", "queued.", "broker.address.")


class CheckpointOutOfRange(RuntimeError):
    """A start offset the stream does not hold. The task must fail with `reason` (FailTask), never skip:
    above the latest offset the stream was recreated or truncated, and reading on from there would
    silently skip the new stream's first records; below the earliest, retention deleted them. The reason
    starts with a token the control plane recognises: CHECKPOINT_BEYOND_LATEST or CHECKPOINT_BELOW_EARLIEST."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    @classmethod
    def check(cls, stream: str, partition: int, offset: int, earliest: int,
              latest: int) -> CheckpointOutOfRange | None:
        """The error for reading `partition` from `offset` when it holds [earliest, latest), or None."""
        if offset > latest:
            return cls(f"CHECKPOINT_BEYOND_LATEST partition={partition} checkpoint={offset} latest={latest} "
                       f"stream={stream}")
        if offset < earliest:
            return cls(f"CHECKPOINT_BELOW_EARLIEST partition={partition} checkpoint={offset} earliest={earliest} "
                       f"stream={stream}")
        return None


class Record(NamedTuple):
    partition: int
    offset: int
    timestamp_ms: int | None
    key: bytes | None
    value: bytes | None


class TaskReader(Protocol):
    def poll(self, timeout_s: float) -> list[Record]:
        """The next records (possibly none after `timeout_s`); raises when reading failed."""
        ...

    def positions(self, partitions: list[int]) -> dict[int, int]:
        """Per partition (where known), an offset below which nothing more will be delivered, also past
        entries that are not records (Kafka transaction markers, RabbitMQ offset-tracking entries)."""
        ...

    def close(self) -> None: ...


class KafkaReader:
    """Kafka with assign() (never subscribe(), never a consumer-group commit)."""

    def __init__(self, task: tasks.Task, start: Mapping[int, int]):
        self.stream = task.stream
        props = {k: v for k, v in task.consumer_properties.items() if k.startswith(_CONSUMER_KEYS)}
        self.consumer = Consumer({**props, **_CONSUMER_OVERRIDES, "group.id": f"streamvisor-{task.supervisor_id}",
                                  "logger": logging.getLogger("streamvisor.librdkafka")})
        if start:
            self.consumer.assign([TopicPartition(task.stream, p, o) for p, o in start.items()])

    def poll(self, timeout_s: float) -> list[Record]:
        records = []
        for m in self.consumer.consume(num_messages=500, timeout=timeout_s):
            if m.error():
                if m.error().code() == KafkaError._PARTITION_EOF:
                    continue
                if m.error().code() == KafkaError._AUTO_OFFSET_RESET:
                    # auto.offset.reset=error: the broker said OFFSET_OUT_OF_RANGE for the offset in `m`.
                    raise self._out_of_range(m.partition(), m.offset(), m.error())
                raise RuntimeError(f"consume failed: {m.error()}")
            _, timestamp = m.timestamp()
            records.append(Record(m.partition(), m.offset(), timestamp, m.key(), m.value()))
        return records

    def _out_of_range(self, partition: int, offset: int, error: KafkaError) -> RuntimeError:
        # Only now (an error, so rare) one more broker round, to tell which side of the stream the offset
        # is on - the token in the reason depends on it.
        try:
            earliest, latest = self.consumer.get_watermark_offsets(TopicPartition(self.stream, partition),
                                                                   timeout=10, cached=False)
        except Exception as e:  # noqa: BLE001  (the task fails either way; say what we know)
            return RuntimeError(f"consume failed: {error}; watermarks unknown: {e}")
        return (CheckpointOutOfRange.check(self.stream, partition, offset, earliest, latest)
                # In range by now (records arrived since the fetch): still fail, the lease starts over.
                or RuntimeError(f"consume failed: {error} (partition {partition} offset {offset}, now in "
                                f"[{earliest}, {latest}))"))

    def positions(self, partitions: list[int]) -> dict[int, int]:
        # Past transaction markers no record is delivered, but the consumer's position moves on.
        return {tp.partition: tp.offset
                for tp in self.consumer.position([TopicPartition(self.stream, p) for p in partitions])
                if tp.offset != OFFSET_INVALID}

    def close(self) -> None:
        self.consumer.close()


def _rabbitmq_reader():
    from streamvisor.worker.rabbitmq_reader import RabbitMQReader

    return RabbitMQReader


def readable_stream_types() -> list[int]:
    """The stream types this worker can read (what it asks AcquireTask for)."""
    types = [pb.STREAM_TYPE_KAFKA]
    try:
        import rstream  # noqa: F401
    except ImportError:
        return types
    return types + [pb.STREAM_TYPE_RABBITMQ_STREAM]


def open_reader(task: tasks.Task, start: Mapping[int, int]) -> TaskReader:
    """A reader of `task`'s stream at `start` (partition -> next offset to read)."""
    if task.stream_type == pb.STREAM_TYPE_RABBITMQ_STREAM:
        return _rabbitmq_reader()(task, start)
    if task.stream_type in (pb.STREAM_TYPE_KAFKA, pb.STREAM_TYPE_UNSPECIFIED):
        return KafkaReader(task, start)
    raise RuntimeError(f"this worker cannot read stream type {pb.StreamType.Name(task.stream_type)}")
