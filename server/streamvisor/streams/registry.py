"""One adapter per distinct connection config, created on first use and reused (no client per call)."""
from __future__ import annotations

import threading

from streamvisor.domain.model import StreamType, SupervisorSpec
from streamvisor.domain.ports import StreamAdapter
from streamvisor.streams.kafka import KafkaStreamAdapter, _ADMIN_KEY_PREFIXES


def _rabbitmq_adapter(props, timeout_s: float) -> StreamAdapter[int, int]:
    # Imported on first use: a Kafka-only deployment never loads rstream.
    from streamvisor.streams.rabbitmq import RabbitMQStreamAdapter

    return RabbitMQStreamAdapter(props, timeout_s)


class StreamAdapterRegistry:
    """Implements domain.ports.StreamAdapters."""

    def __init__(self, timeout_s: float = 5.0):
        self.timeout_s = timeout_s
        self._adapters: dict[tuple, StreamAdapter[int, int]] = {}
        self._lock = threading.Lock()

    def for_spec(self, spec: SupervisorSpec) -> StreamAdapter[int, int]:
        props = spec.consumer_properties
        if spec.stream_type is StreamType.KAFKA:
            relevant = tuple(sorted((k, v) for k, v in props.items()
                                    if k.startswith(_ADMIN_KEY_PREFIXES) or k == "isolation.level"))
            create = KafkaStreamAdapter
        elif spec.stream_type is StreamType.RABBITMQ_STREAM:
            relevant = tuple(sorted((k, v) for k, v in props.items() if k.startswith("rabbitmq.")))
            create = _rabbitmq_adapter
        else:
            raise ValueError(f"no adapter for stream type {spec.stream_type}")
        key = (spec.stream_type, relevant)
        with self._lock:
            adapter = self._adapters.get(key)
            if adapter is None:
                adapter = create(props, self.timeout_s)
                self._adapters[key] = adapter
            return adapter

    def close(self) -> None:
        with self._lock:
            for adapter in self._adapters.values():
                adapter.close()
            self._adapters.clear()
