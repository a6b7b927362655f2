"""RabbitMQ Streams' StreamKind: what the registry holds. rstream loads on first use, never before."""
from __future__ import annotations

import importlib.util
from typing import Hashable, Mapping

from streamvisor.domain.errors import Violations
from streamvisor.domain.model import StreamType, SupervisorSpec
from streamvisor.domain.ports import (
    NumberedPartitions,     Offset, Partition, ReaderTask, StreamAdapter, TaskReader, modulo_task_group,
)
from streamvisor.streams.rabbitmq import settings


class RabbitMQKind(NumberedPartitions):
    """StreamKind for RabbitMQ streams and super streams: partition i is a super stream's i-th partition
    stream in routing order (a single stream is partition 0), offsets the streams' own."""

    stream_type = StreamType.RABBITMQ_STREAM

    def validate_spec(self, spec: SupervisorSpec, violations: Violations, field_prefix: str = "spec") -> None:
        settings.validate_spec(spec, violations, field_prefix)

    def applicable_defaults(self, server_defaults: Mapping[str, str]) -> dict[str, str]:
        return settings.applicable_defaults(server_defaults)

    def connection_key(self, properties: Mapping[str, str]) -> Hashable:
        return settings.connection_key(properties)

    def adapter(self, properties: Mapping[str, str], timeout_s: float) -> StreamAdapter[int, int]:
        from streamvisor.streams.rabbitmq.adapter import RabbitMQStreamAdapter

        return RabbitMQStreamAdapter(properties, timeout_s)

    def task_group(self, partition: Partition, task_count: int) -> int:
        assert isinstance(partition, int), partition
        return modulo_task_group(partition, task_count)

    def reader_available(self) -> bool:
        # Asks the import system whether rstream is there without importing it.
        return importlib.util.find_spec("rstream") is not None

    def open_reader(self, task: ReaderTask, start: Mapping[Partition, Offset]) -> TaskReader:
        from streamvisor.streams.rabbitmq.reader import RabbitMQReader

        return RabbitMQReader(task, start)  # type: ignore[arg-type]  # RabbitMQ partitions are ints
