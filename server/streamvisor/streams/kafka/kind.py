"""Kafka's StreamKind: what the registry holds. The client modules load on first use."""
from __future__ import annotations

from typing import Hashable, Mapping

from streamvisor.domain.errors import Violations
from streamvisor.domain.model import StreamType, SupervisorSpec
from streamvisor.domain.ports import (
    NumberedPartitions,     Offset, Partition, ReaderTask, StreamAdapter, TaskReader, modulo_task_group,
)
from streamvisor.streams.kafka import settings


class KafkaKind(NumberedPartitions):
    """StreamKind for Apache Kafka topics: partitions are partition ids, offsets Kafka offsets."""

    stream_type = StreamType.KAFKA

    def validate_spec(self, spec: SupervisorSpec, violations: Violations, field_prefix: str = "spec") -> None:
        settings.validate_spec(spec, violations, field_prefix)

    def applicable_defaults(self, server_defaults: Mapping[str, str]) -> dict[str, str]:
        return settings.applicable_defaults(server_defaults)

    def connection_key(self, properties: Mapping[str, str]) -> Hashable:
        return settings.connection_key(properties)

    def adapter(self, properties: Mapping[str, str], timeout_s: float) -> StreamAdapter[int, int]:
        from streamvisor.streams.kafka.adapter import KafkaStreamAdapter

        return KafkaStreamAdapter(properties, timeout_s)

    def task_group(self, partition: Partition, task_count: int) -> int:
        assert isinstance(partition, int), partition
        return modulo_task_group(partition, task_count)

    def reader_available(self) -> bool:
        return True  # confluent-kafka is a dependency of the server itself

    def open_reader(self, task: ReaderTask, start: Mapping[Partition, Offset]) -> TaskReader:
        from streamvisor.streams.kafka.reader import KafkaReader

        return KafkaReader(task, start)  # type: ignore[arg-type]  # Kafka partitions are ints
