"""Regression tests for issue 11 (an independent tester's findings), one named test per bug: request bodies
that do not parse, Timestamps outside protobuf's range, error trailers past gRPC's 8 KiB metadata limit,
and loosely spelled context settings. tests/test_fuzz.py looks for more of the same."""
from __future__ import annotations

import grpc
import pytest
from google.protobuf import timestamp_pb2
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection_pb2

from conftest import start_server
from helpers import expect_error, kafka_spec, snapshot
from streamvisor.client import StreamvisorClient
from streamvisor.v1 import supervisor_service_pb2 as svc
from streamvisor.v1 import task_service_pb2
from test_security import TOKENS, bearer, write_tokens_file
from wire import DEFAULT_MAX_METADATA_BYTES, parsed, raw_call, trailer_bytes

SERVICES = [
    svc.DESCRIPTOR.services_by_name["SupervisorService"],
    task_service_pb2.DESCRIPTOR.services_by_name["TaskService"],
    health_pb2.DESCRIPTOR.services_by_name["Health"],
    reflection_pb2.DESCRIPTOR.services_by_name["ServerReflection"],
]
METHODS = [m for s in SERVICES for m in s.methods]

# Bodies protobuf's parser (upb) refuses. The first needs field 1 to be a string field (else it is an
# unknown field, which parses); the others are broken for any type. The tests send each body only where
# protobuf itself refuses it.
GARBAGE = {
    "invalid UTF-8 in a string field": b"\x0a\x02\xff\xfe",
    "a huge length prefix": b"\x0a\xff\xff\xff\xff\x07abc",
    "a truncated varint": b"\x08\xff\xff",
    "random bytes": bytes.fromhex("ffffffffa0e3c1"),
}


def parses(method, body: bytes) -> bool:
    from google.protobuf import message_factory
    from google.protobuf.message import DecodeError

    try:
        message_factory.GetMessageClass(method.input_type).FromString(body)
        return True
    except DecodeError:
        return False


@pytest.fixture
def sv(sqlite_url, kafka_bootstrap):
    s = start_server(sqlite_url, kafka_bootstrap)
    yield s
    s.stop(0)


def test_the_garbage_is_garbage():
    for method in METHODS:
        for what, body in GARBAGE.items():
            field = method.input_type.fields_by_number.get(1)
            if what != "invalid UTF-8 in a string field" or (field and field.type == field.TYPE_STRING):
                assert not parses(method, body), (method.full_name, what)


def test_upb_refuses_invalid_utf8_in_a_proto3_string_field():
    from google.protobuf.message import DecodeError

    with pytest.raises(DecodeError, match="UTF-8"):
        svc.GetSupervisorRequest.FromString(GARBAGE["invalid UTF-8 in a string field"])


@pytest.mark.parametrize("what", GARBAGE)
def test_a_body_that_does_not_parse_is_malformed_request_on_every_method(sv, what):
    wrong = []
    with grpc.insecure_channel(f"127.0.0.1:{sv.port}") as channel:
        for method in [m for m in METHODS if not parses(m, GARBAGE[what])]:
            name = f"{method.containing_service.full_name}/{method.name}"
            error = raw_call(channel, method, GARBAGE[what], timeout=10)
            e = error and parsed(error)
            if e is None or (e.code, e.reason, e.domain, e.metadata) != (
                    grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_REQUEST", "streamvisor", {"method": name}):
                wrong.append(f"{name}: {e}")
    assert not wrong, "\n".join(wrong)


def test_a_body_that_does_not_parse_is_checked_after_authentication(sqlite_url, kafka_bootstrap, tmp_path):
    s = start_server(sqlite_url, kafka_bootstrap, tokens_file=str(write_tokens_file(tmp_path / "tokens.json")))
    body = GARBAGE["invalid UTF-8 in a string field"]
    commit = task_service_pb2.DESCRIPTOR.services_by_name["TaskService"].methods_by_name["CommitCheckpoint"]
    get = svc.DESCRIPTOR.services_by_name["SupervisorService"].methods_by_name["GetSupervisor"]
    try:
        with grpc.insecure_channel(f"127.0.0.1:{s.port}") as channel:
            for metadata, method, code, reason in (
                    ((), commit, grpc.StatusCode.UNAUTHENTICATED, "UNAUTHENTICATED"),
                    (bearer("not-a-token"), get, grpc.StatusCode.UNAUTHENTICATED, "UNAUTHENTICATED"),
                    (bearer(TOKENS["viewer"]), commit, grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"),
                    (bearer(TOKENS["worker"]), commit, grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_REQUEST"),
                    (bearer(TOKENS["viewer"]), get, grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_REQUEST"),
                    ((), health_pb2.DESCRIPTOR.services_by_name["Health"].methods_by_name["Check"],
                     grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_REQUEST")):  # health is open
                e = parsed(raw_call(channel, method, body, metadata=metadata))
                assert (e.code, e.reason, e.domain) == (code, reason, "streamvisor"), (method.name, metadata, e)
    finally:
        s.stop(0)


@pytest.mark.parametrize("seconds, nanos, field", [
    (253_402_300_800, 0, "targets[0].timestamp.seconds"),  # 10000-01-01
    (-62_135_596_801, 0, "targets[0].timestamp.seconds"),  # before 0001-01-01
    (-(2 ** 63), 0, "targets[0].timestamp.seconds"),
    (2 ** 63 - 1, 0, "targets[0].timestamp.seconds"),
    (0, -1, "targets[0].timestamp.nanos"),
    (0, 1_000_000_000, "targets[0].timestamp.nanos"),
])
def test_reset_offsets_with_a_timestamp_outside_protobufs_range_is_invalid_argument(sv, topics, seconds, nanos,
                                                                                    field):
    topic = topics.create(1)
    with StreamvisorClient(f"127.0.0.1:{sv.port}", retries=0) as client:
        client.create_supervisor("ts", kafka_spec(topic))
        before = snapshot(client)
        target = svc.PartitionResetTarget(partition=0, timestamp=timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos))
        error = expect_error(lambda: client.reset_offsets("ts", [target]), grpc.StatusCode.INVALID_ARGUMENT,
                             "INVALID_ARGUMENT")
        assert [f for f, _ in error.field_violations] == [field] and error.metadata["fields"] == field
        assert snapshot(client) == before


def test_list_supervisors_with_100_unknown_stream_types_fits_the_default_metadata_limit(sv):
    """The tester's 102-byte request: 14.8 KB of trailers, RESOURCE_EXHAUSTED on a default client."""
    request = svc.ListSupervisorsRequest(stream_types=[1000 + i for i in range(100)])
    assert len(request.SerializeToString()) < 400
    with grpc.insecure_channel(f"127.0.0.1:{sv.port}") as channel:  # default options: 8 KiB metadata limit
        stub = channel.unary_unary("/streamvisor.v1.SupervisorService/ListSupervisors",
                                   request_serializer=svc.ListSupervisorsRequest.SerializeToString)
        with pytest.raises(grpc.RpcError) as info:
            stub(request, timeout=10)
    e = parsed(info.value)
    assert (e.code, e.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert trailer_bytes(info.value) < DEFAULT_MAX_METADATA_BYTES * 3 // 4
    kept = len(e.field_violations)
    assert 10 <= kept < 100 and [f for f, _ in e.field_violations] == [f"stream_types[{i}]" for i in range(kept)]
    assert e.metadata["fields"] == ",".join(f"stream_types[{i}]" for i in range(kept))
    assert e.metadata["omitted_violations"] == str(100 - kept)
    assert f"and {100 - kept} more violations" in e.message


def test_huge_user_input_echoed_in_an_error_is_clipped(sv):
    """A 1 MB value is echoed in a violation's description (e.g. a RabbitMQ mode): trailers stay small."""
    spec = kafka_spec("t", consumer_properties={"rabbitmq.url": "x" * 1_000_000,
                                                "rabbitmq.super_stream": "é" * 500_000})
    spec.stream_type = 2  # STREAM_TYPE_RABBITMQ_STREAM: both properties are checked and echoed
    with grpc.insecure_channel(f"127.0.0.1:{sv.port}") as channel:
        stub = channel.unary_unary("/streamvisor.v1.SupervisorService/CreateSupervisor",
                                   request_serializer=svc.CreateSupervisorRequest.SerializeToString)
        with pytest.raises(grpc.RpcError) as info:
            stub(svc.CreateSupervisorRequest(supervisor_id="big", spec=spec), timeout=10)
    e = parsed(info.value)
    assert (e.code, e.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT"), e
    assert trailer_bytes(info.value) < DEFAULT_MAX_METADATA_BYTES * 3 // 4
    assert all(len(d.encode()) <= 256 for _, d in e.field_violations)


@pytest.mark.parametrize("context, field", [
    ({"taskLockType": "append"}, "spec.context.taskLockType"),
    ({"taskLockType": "Append"}, "spec.context.taskLockType"),
    ({"taskLockType": "APPEND "}, "spec.context.taskLockType"),
    ({"useConcurrentLocks": "yes"}, "spec.context.useConcurrentLocks"),
])
def test_context_lock_settings_must_be_spelled_as_documented(sv, topics, context, field):
    topic = topics.create(1)
    with StreamvisorClient(f"127.0.0.1:{sv.port}", retries=0) as client:
        error = expect_error(lambda: client.create_supervisor("locks", kafka_spec(topic, context=context)),
                             grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
        assert [f for f, _ in error.field_violations] == [field]
        assert snapshot(client) == []
        created = client.create_supervisor("locks", kafka_spec(topic, context={"taskLockType": "APPEND"}))
        before = snapshot(client)
        error = expect_error(lambda: client.update_supervisor("locks", kafka_spec(topic, context=context),
                                                              created.etag),
                             grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
        assert [f for f, _ in error.field_violations] == [field]
        assert snapshot(client) == before


def test_bounded_ranges_covering_more_than_int64_offsets_are_refused(sv, topics):
    """Two ranges of 2^63-1 offsets were accepted, and GetOffsets then failed INTERNAL (its totals are int64)."""
    from streamvisor.v1 import supervisor_pb2 as pb

    topic = topics.create(2)
    huge = [pb.OffsetRange(partition=p, start_offset=0, end_offset=2 ** 63 - 1) for p in (0, 1)]
    with StreamvisorClient(f"127.0.0.1:{sv.port}", retries=0) as client:
        error = expect_error(lambda: client.create_supervisor("huge", kafka_spec(topic, bounded_ranges=huge)),
                             grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
        assert [f for f, _ in error.field_violations] == ["spec.bounded_ranges"]
        assert snapshot(client) == []
        client.create_supervisor("one-huge", kafka_spec(topic, bounded_ranges=huge[:1]))
        assert client.get_offsets("one-huge").bounded_total == 2 ** 63 - 1


def test_health_list_answers_every_service(sv):
    from grpc_health.v1 import health_pb2_grpc

    with grpc.insecure_channel(f"127.0.0.1:{sv.port}") as channel:
        statuses = health_pb2_grpc.HealthStub(channel).List(health_pb2.HealthListRequest(), timeout=10).statuses
    assert {name: s.status for name, s in statuses.items()} == {
        name: health_pb2.HealthCheckResponse.SERVING
        for name in ("", "streamvisor.v1.SupervisorService", "streamvisor.v1.TaskService")}


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_nul_character_in_any_string_is_invalid_argument_on_both_databases(database, request, kafka_bootstrap,
                                                                             topics):
    """PostgreSQL's text cannot hold U+0000 (psycopg raises, which was INTERNAL) and librdkafka's C strings
    end at it: refused up front, naming the field, whatever the database."""
    url = request.getfixturevalue("sqlite_url" if database == "sqlite" else "postgres_url")
    server = start_server(url, kafka_bootstrap)
    try:
        with StreamvisorClient(f"127.0.0.1:{server.port}", timeout=30, retries=0) as client:
            topic = topics.create(1)
            client.create_supervisor("ok", kafka_spec(topic))
            before = snapshot(client)
            cases = [
                (lambda: client.create_supervisor("nul\x00id", kafka_spec(topic)), "supervisor_id"),
                (lambda: client.create_supervisor("ctx", kafka_spec(topic, context={"useConcurrentLocks": "true",
                                                                                    "note": "a\x00b"})),
                 "spec.context['note']"),
                (lambda: client.create_supervisor("props", kafka_spec(
                    topic, consumer_properties={"client.id": "x\x00"})), "spec.consumer_properties['client.id']"),
                (lambda: client.reset_offsets("ok", [svc.PartitionResetTarget(partition=0, offset=0)],
                                              request_id="r\x00"), "request_id"),
            ]
            for call, field in cases:
                error = expect_error(call, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
                assert [f for f, _ in error.field_violations] == [field]
            assert snapshot(client) == before
            from streamvisor.client.tasks import TaskClient

            with TaskClient(f"127.0.0.1:{server.port}", timeout=10, retry_for_s=0) as tasks:
                with pytest.raises(Exception) as info:
                    tasks.acquire("worker\x00", 10)
                assert getattr(info.value, "reason", None) == "INVALID_ARGUMENT"
    finally:
        server.stop(0)
