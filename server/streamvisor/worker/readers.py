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
}
_CONSUMER_KEYS = ("bootstrap.servers", "security.protocol", "sasl.", "ssl.", "client.id", "socket.",
                  "isolation.level", "fetch.", "max.partition.fetch.bytes", "queued.", "broker.address.")


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
                raise RuntimeError(f"consume failed: {m.error()}")
            _, timestamp = m.timestamp()
            records.append(Record(m.partition(), m.offset(), timestamp, m.key(), m.value()))
        return records

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
