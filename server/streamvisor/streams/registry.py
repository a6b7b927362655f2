"""The stream kinds this server and its workers know, registered in ONE place (KINDS below), and the
registry that implements domain.ports.StreamKinds over them: the kind rules of a spec, one reusable
adapter per distinct connection (no client per call), and the worker's readers.

Adding a kind is its package under streams/ and one line in KINDS. The kinds' modules are pure until an
adapter or reader is asked for, so listing a kind here loads none of its client library."""
from __future__ import annotations

import threading
from typing import Hashable, Mapping

from streamvisor.domain.errors import FieldViolation, Violations
from streamvisor.domain.model import StreamType, SupervisorSpec
from streamvisor.domain.ports import Offset, Partition, ReaderTask, StreamAdapter, StreamKind, TaskReader
from streamvisor.streams.kafka.kind import KafkaKind
from streamvisor.streams.kinesis.kind import KinesisKind
from streamvisor.streams.rabbitmq.kind import RabbitMQKind

KINDS: tuple[StreamKind, ...] = (KafkaKind(), RabbitMQKind(), KinesisKind())


class StreamAdapterRegistry:
    """Implements domain.ports.StreamKinds (and so StreamAdapters, the name it had before kinds existed)."""

    def __init__(self, timeout_s: float = 5.0, kinds: tuple[StreamKind, ...] = KINDS):
        self.timeout_s = timeout_s
        self._kinds: dict[StreamType, StreamKind] = {k.stream_type: k for k in kinds}
        self._adapters: dict[tuple[StreamType, Hashable], StreamAdapter] = {}
        self._lock = threading.Lock()

    def kind(self, stream_type: StreamType | None) -> StreamKind:
        kind = self._kinds.get(stream_type) if stream_type is not None else None
        if kind is None:
            raise ValueError(f"no stream kind for stream type {stream_type}")
        return kind

    def kinds(self) -> list[StreamKind]:
        """Every registered kind."""
        return list(self._kinds.values())

    def supports(self, stream_type: StreamType | None) -> bool:
        return stream_type in self._kinds

    def has_lineage(self, stream_type: StreamType | None) -> bool:
        """Whether the kind's partitions split and merge (Kinesis): its supervisors lease only the partitions
        whose parents are finished, and its adapter has `lineage` (app/leasing.py)."""
        kind = self._kinds.get(stream_type) if stream_type is not None else None
        return bool(getattr(kind, "has_lineage", False))

    def validate(self, spec: SupervisorSpec, field_prefix: str = "spec") -> Violations:
        if spec.stream_type is None or self.supports(spec.stream_type):
            if spec.stream_type is None:
                return spec.validate(field_prefix)
            kind = self._kinds[spec.stream_type]
            return spec.validate(field_prefix, kind.validate_spec, kind.max_offset)
        violations = spec.validate(field_prefix)
        violations.items.insert(0, FieldViolation(f"{field_prefix}.stream_type",
                                                  f"{spec.stream_type.value} is not supported by this server yet"))
        return violations

    def with_defaults(self, spec: SupervisorSpec, server_defaults: Mapping[str, str]) -> SupervisorSpec:
        if not self.supports(spec.stream_type):
            return spec  # validate() names the stream type; no defaults belong to an unknown kind
        return spec.with_default_properties(self.kind(spec.stream_type).applicable_defaults(server_defaults))

    def for_spec(self, spec: SupervisorSpec) -> StreamAdapter[int, int]:
        kind = self.kind(spec.stream_type)
        props = spec.consumer_properties
        key = (kind.stream_type, kind.connection_key(props))
        with self._lock:
            adapter = self._adapters.get(key)
            if adapter is None:
                # Never a client from settings its kind refuses (an unparsable URL would otherwise surface
                # as an internal error): callers validate first, this only makes sure.
                violations = Violations()
                kind.validate_spec(spec, violations)
                violations.raise_if_any()
                adapter = kind.adapter(props, self.timeout_s)
                self._adapters[key] = adapter
            return adapter

    def readable_stream_types(self) -> list[StreamType]:
        return [t for t, k in self._kinds.items() if k.reader_available()]

    def open_reader(self, stream_type: StreamType, task: ReaderTask,
                    start: Mapping[Partition, Offset]) -> TaskReader:
        if stream_type not in self._kinds:
            raise RuntimeError(f"this worker cannot read stream type {stream_type.value}")
        return self._kinds[stream_type].open_reader(task, start)

    def close(self) -> None:
        with self._lock:
            for adapter in self._adapters.values():
                adapter.close()
            self._adapters.clear()
