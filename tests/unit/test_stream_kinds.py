"""The registry of stream kinds: one place, kind rules reachable through it, adapters shared per
connection, optional client libraries loaded only when used. No broker."""
import subprocess
import sys

import pytest

from streamvisor.domain.errors import InvalidArgument
from streamvisor.domain.model import StreamType, SupervisorSpec
from streamvisor.domain.ports import CheckpointOutOfRange, modulo_task_group
from streamvisor.streams.registry import KINDS, StreamAdapterRegistry

RABBIT = {"rabbitmq.url": "rabbitmq-stream://h:5552/%2f"}


def fields(violations) -> list[str]:
    return [v.field for v in violations.items]


def test_every_stream_type_has_exactly_one_kind():
    assert sorted(k.stream_type.value for k in KINDS) == sorted(t.value for t in StreamType)
    registry = StreamAdapterRegistry()
    assert all(registry.kind(t).stream_type is t for t in StreamType)
    with pytest.raises(ValueError):
        registry.kind(None)


def test_kind_rules_are_checked_where_the_properties_are_and_only_for_their_kind():
    registry = StreamAdapterRegistry()
    kafka_without_servers = SupervisorSpec(StreamType.KAFKA, "", RABBIT, task_count=0)
    assert fields(registry.validate(kafka_without_servers)) == [
        "spec.stream", "spec.consumer_properties", "spec.task_count"]
    assert fields(kafka_without_servers.validate()) == ["spec.stream", "spec.task_count"]  # generic rules only
    assert fields(registry.validate(SupervisorSpec(StreamType.RABBITMQ_STREAM, "s", RABBIT))) == []
    assert fields(registry.validate(SupervisorSpec(StreamType.RABBITMQ_STREAM, "s", {"bootstrap.servers": "b"}),
                                    "x")) == ["x.consumer_properties"]
    assert fields(registry.validate(SupervisorSpec(None, "s", {}))) == ["spec.stream_type"]


def test_a_kind_the_server_does_not_run_is_named():
    registry = StreamAdapterRegistry(kinds=KINDS[:1])
    spec = SupervisorSpec(StreamType.RABBITMQ_STREAM, "s", RABBIT)
    (violation,) = registry.validate(spec).items
    assert violation.field == "spec.stream_type" and "not supported by this server yet" in violation.description
    assert registry.with_defaults(spec, {"rabbitmq.x": "1"}) is spec
    assert not registry.supports(StreamType.RABBITMQ_STREAM) and registry.readable_stream_types() == [StreamType.KAFKA]


def test_defaults_are_the_kinds_and_never_override_the_spec():
    registry = StreamAdapterRegistry()
    defaults = {"bootstrap.servers": "d:1", "client.id": "sv", "rabbitmq.super_stream": "true"}
    kafka = registry.with_defaults(SupervisorSpec(StreamType.KAFKA, "t", {"bootstrap.servers": "mine:1"}), defaults)
    assert kafka.consumer_properties == {"bootstrap.servers": "mine:1", "client.id": "sv",
                                         "rabbitmq.super_stream": "true"}
    rabbit = registry.with_defaults(SupervisorSpec(StreamType.RABBITMQ_STREAM, "s", RABBIT), defaults)
    assert rabbit.consumer_properties == {**RABBIT, "rabbitmq.super_stream": "true"}


def test_no_adapter_from_settings_the_kind_refuses():
    registry = StreamAdapterRegistry()
    with pytest.raises(InvalidArgument) as info:
        registry.for_spec(SupervisorSpec(StreamType.RABBITMQ_STREAM, "s", {"rabbitmq.url": "amqp://h"}))
    assert [v.field for v in info.value.violations] == ["spec.consumer_properties"]
    with pytest.raises(InvalidArgument):
        registry.for_spec(SupervisorSpec(StreamType.KAFKA, "t", {}))


def test_one_adapter_per_connection_not_per_spec():
    class Counting:
        def __init__(self, kind):
            self.kind, self.stream_type, self.made = kind, kind.stream_type, []

        def __getattr__(self, name):
            return getattr(self.kind, name)

        def adapter(self, properties, timeout_s):
            self.made.append(dict(properties))
            return object()

    kafka = Counting(KINDS[0])
    registry = StreamAdapterRegistry(kinds=(kafka,))
    a = registry.for_spec(SupervisorSpec(StreamType.KAFKA, "t", {"bootstrap.servers": "b", "group.id": "1"}))
    b = registry.for_spec(SupervisorSpec(StreamType.KAFKA, "u", {"bootstrap.servers": "b", "group.id": "2"}))
    c = registry.for_spec(SupervisorSpec(StreamType.KAFKA, "t", {"bootstrap.servers": "c"}))
    assert a is b and a is not c and len(kafka.made) == 2


def test_listing_the_kinds_loads_no_client_library():
    code = ("import sys; from streamvisor.streams.registry import StreamAdapterRegistry as R; "
            "import streamvisor.worker.runner; r = R(); r.readable_stream_types(); "
            "from streamvisor.domain.model import StreamType as T, SupervisorSpec as S; "
            "r.validate(S(T.RABBITMQ_STREAM, 's', {'rabbitmq.url': 'rabbitmq-stream://h'})); "
            "print(sorted(m for m in ('rstream', 'confluent_kafka') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_reader_start_outside_the_stream_is_named_by_its_side():
    assert CheckpointOutOfRange.check("s", 0, 5, 0, 10) is None
    assert CheckpointOutOfRange.check("s", 0, 10, 0, 10) is None
    assert CheckpointOutOfRange.check("s", 1, 11, 0, 10).reason == (
        "CHECKPOINT_BEYOND_LATEST partition=1 checkpoint=11 latest=10 stream=s")
    assert CheckpointOutOfRange.check("s", "shardId-000000000001", 3, 4, 10).reason.startswith(
        "CHECKPOINT_BELOW_EARLIEST partition=shardId-000000000001 checkpoint=3 earliest=4")
    big = 2 ** 127 + 1  # offsets are unbounded ints (Kinesis sequence numbers are up to 128 bits)
    assert CheckpointOutOfRange.check("s", 0, big, 0, big - 1) is not None


def test_kafka_and_rabbitmq_keep_partition_modulo_task_count():
    for kind in KINDS:
        assert [kind.task_group(p, 4) for p in range(9)] == [modulo_task_group(p, 4) for p in range(9)] == [
            p % 4 for p in range(9)]
