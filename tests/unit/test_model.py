"""Pure rules of specs and supervisors."""
from datetime import datetime, timezone

import pytest

from streamvisor.domain.errors import FailedPrecondition, Violations
from streamvisor.domain.model import (
    DEFAULT_USE_CONCURRENT_LOCKS, MAX_TASK_COUNT, OffsetRange, StreamType, Supervisor, SupervisorSpec,
    SupervisorState, format_etag, parse_etag, validate_supervisor_id,
)
from streamvisor.streams.registry import StreamAdapterRegistry

# The spec rules of every stream kind: SupervisorSpec.validate()'s generic ones plus the kind's own.
KINDS = StreamAdapterRegistry()

NOW = datetime(2026, 11, 24, tzinfo=timezone.utc)


def spec(**overrides) -> SupervisorSpec:
    base = dict(stream_type=StreamType.KAFKA, stream="clicks", consumer_properties={"bootstrap.servers": "b:9092"},
                task_count=2, context={"useConcurrentLocks": "true"})
    base.update(overrides)
    return SupervisorSpec(**base)


def supervisor(state=SupervisorState.RUNNING, **overrides) -> Supervisor:
    return Supervisor(id="s", spec=overrides.pop("spec", spec()), state=state, generation=3, version=7,
                      partitions=(0, 1, 2), create_time=NOW, update_time=NOW, **overrides)


def fields(violations: Violations) -> list[str]:
    return [v.field for v in violations.items]


def test_a_good_spec_has_no_violations():
    assert fields(spec().validate()) == []


@pytest.mark.parametrize("overrides, field", [
    (dict(stream_type=None), "spec.stream_type"),
    (dict(stream_type=StreamType.RABBITMQ_STREAM), "spec.consumer_properties"),  # no rabbitmq.url
    (dict(stream_type=StreamType.RABBITMQ_STREAM, consumer_properties={"rabbitmq.url": "amqp://h:5672"}),
     "spec.consumer_properties"),
    (dict(stream_type=StreamType.RABBITMQ_STREAM, consumer_properties={"rabbitmq.url": "rabbitmq-stream://h:x/"}),
     "spec.consumer_properties"),
    (dict(stream_type=StreamType.RABBITMQ_STREAM, consumer_properties={
        "rabbitmq.url": "rabbitmq-stream://h:5552/%2f", "rabbitmq.super_stream": "maybe"}), "spec.consumer_properties"),
    (dict(stream=""), "spec.stream"),
    (dict(stream="has space"), "spec.stream"),
    (dict(stream="x" * 250), "spec.stream"),
    (dict(consumer_properties={}), "spec.consumer_properties"),
    (dict(consumer_properties={"bootstrap.servers": "  "}), "spec.consumer_properties"),
    (dict(task_count=0), "spec.task_count"),
    (dict(task_count=-3), "spec.task_count"),
    (dict(task_count=MAX_TASK_COUNT + 1), "spec.task_count"),
    (dict(context={"": "x"}), "spec.context"),
    (dict(bounded_ranges=(OffsetRange(-1, 0, 1),)), "spec.bounded_ranges[0].partition"),
    (dict(bounded_ranges=(OffsetRange(0, 5, 4),)), "spec.bounded_ranges[0].end_offset"),
    (dict(bounded_ranges=(OffsetRange(0, -1, 4),)), "spec.bounded_ranges[0].start_offset"),
    (dict(bounded_ranges=(OffsetRange(0, 0, 4), OffsetRange(0, 4, 8))), "spec.bounded_ranges[1].partition"),
])
def test_each_bad_spec_field_is_named(overrides, field):
    assert field in fields(KINDS.validate(spec(**overrides)))


def test_a_rabbitmq_stream_spec_needs_its_url_not_bootstrap_servers_and_takes_only_rabbitmq_defaults():
    rabbit = spec(stream_type=StreamType.RABBITMQ_STREAM, consumer_properties={
        "rabbitmq.url": "rabbitmq-stream://guest:guest@127.0.0.1:5552/%2f", "rabbitmq.super_stream": "TRUE"})
    assert fields(KINDS.validate(rabbit)) == []
    merged = KINDS.with_defaults(rabbit, {"bootstrap.servers": "k:9092", "rabbitmq.url": "ignored"})
    assert dict(merged.consumer_properties) == dict(rabbit.consumer_properties)


def test_all_violations_are_reported_at_once():
    found = fields(KINDS.validate(spec(stream="", task_count=0, consumer_properties={})))
    assert found == ["spec.stream", "spec.consumer_properties", "spec.task_count"]


@pytest.mark.parametrize("value, ok", [
    ("a", True), ("clicks_v2.prod-1", True), ("9lives", True), ("x" * 255, True),
    ("", False), ("x" * 256, False), ("-leading", False), ("_x", False), ("sp ace", False), ("a/b", False),
    ("ünïcode", False),
])
def test_supervisor_ids(value, ok):
    v = Violations()
    validate_supervisor_id(value, "supervisor_id", v)
    assert (not v.items) == ok


@pytest.mark.parametrize("context, expected", [
    ({"useConcurrentLocks": "true"}, True),
    ({"useConcurrentLocks": "TRUE"}, True),
    ({"useConcurrentLocks": "false"}, False),
    ({"useConcurrentLocks": "yes"}, False),
    ({"taskLockType": "APPEND"}, True),
    ({"taskLockType": "append"}, False),  # not a lock type: validate() refuses it (see below)
    ({"taskLockType": "REPLACE"}, False),
    ({"taskLockType": "REPLACE", "useConcurrentLocks": "true"}, True),
    ({}, DEFAULT_USE_CONCURRENT_LOCKS),
])
def test_concurrent_locks_accepts_the_seeds_spellings(context, expected):
    assert spec(context=context).uses_concurrent_locks() is expected


@pytest.mark.parametrize("context, field", [
    ({"taskLockType": "append"}, "spec.context.taskLockType"),
    ({"taskLockType": " APPEND"}, "spec.context.taskLockType"),
    ({"taskLockType": ""}, "spec.context.taskLockType"),
    ({"taskLockType": "CONCURRENT"}, "spec.context.taskLockType"),
    ({"useConcurrentLocks": "yes"}, "spec.context.useConcurrentLocks"),
    ({"useConcurrentLocks": ""}, "spec.context.useConcurrentLocks"),
])
def test_context_lock_settings_are_validated_strictly(context, field):
    assert [v.field for v in spec(context=context).validate().items] == [field]


@pytest.mark.parametrize("context", [
    {"taskLockType": t} for t in ("APPEND", "REPLACE", "EXCLUSIVE", "SHARED")] + [
    {"useConcurrentLocks": b} for b in ("true", "false", "TRUE", "False")] + [{}])
def test_the_documented_context_lock_settings_are_accepted(context):
    assert spec(context=context).validate().items == []


def test_absent_concurrent_locks_falls_back_to_the_named_default(monkeypatch):
    import streamvisor.domain.model as model

    monkeypatch.setattr(model, "DEFAULT_USE_CONCURRENT_LOCKS", True)
    assert spec(context={}).uses_concurrent_locks() is True


def test_bounded_copy_keeps_everything_but_range_and_task_count():
    source = spec(use_earliest_offset=False, context={"useConcurrentLocks": "true", "k": "v"})
    copy = source.bounded_copy([OffsetRange(2, 5, 9), OffsetRange(0, 1, 3)], task_count=4)
    assert copy.bounded_ranges == (OffsetRange(0, 1, 3), OffsetRange(2, 5, 9))
    assert copy.task_count == 4
    assert (copy.stream, copy.consumer_properties, copy.context) == (source.stream, source.consumer_properties,
                                                                     source.context)
    assert source.bounded_ranges == () and source.bounded_copy([OffsetRange(0, 0, 1)]).task_count == 2


def test_server_defaults_never_override_the_spec():
    merged = spec(consumer_properties={"bootstrap.servers": "mine:1"}).with_default_properties(
        {"bootstrap.servers": "default:2", "client.id": "sv"})
    assert merged.consumer_properties == {"bootstrap.servers": "mine:1", "client.id": "sv"}


@pytest.mark.parametrize("state, action, result", [
    (SupervisorState.RUNNING, Supervisor.suspended, SupervisorState.SUSPENDED),
    (SupervisorState.UNHEALTHY, Supervisor.suspended, SupervisorState.SUSPENDED),
    (SupervisorState.SUSPENDED, Supervisor.resumed, SupervisorState.RUNNING),
    (SupervisorState.RUNNING, Supervisor.terminated, SupervisorState.TERMINATED),
    (SupervisorState.SUSPENDED, Supervisor.terminated, SupervisorState.TERMINATED),
])
def test_allowed_transitions_bump_the_version(state, action, result):
    after = action(supervisor(state), NOW)
    assert after.state is result and after.version == 8 and after.generation == 3


@pytest.mark.parametrize("state, action", [
    (SupervisorState.SUSPENDED, Supervisor.suspended),
    (SupervisorState.RUNNING, Supervisor.resumed),
    (SupervisorState.TERMINATED, Supervisor.resumed),
    (SupervisorState.TERMINATED, Supervisor.terminated),
    (SupervisorState.COMPLETED, Supervisor.terminated),
    (SupervisorState.COMPLETED, Supervisor.suspended),
])
def test_forbidden_transitions_name_state_and_action(state, action):
    with pytest.raises(FailedPrecondition) as e:
        action(supervisor(state), NOW)
    assert e.value.reason == "INVALID_STATE"
    assert e.value.metadata["state"] == state.value and e.value.metadata["supervisor_id"] == "s"


def test_spec_update_fences_in_flight_work():
    after = supervisor().with_spec(spec(task_count=5), NOW)
    assert after.generation == 4 and after.version == 8 and after.spec.task_count == 5


def test_etags_round_trip_and_reject_forgeries():
    assert parse_etag(format_etag(42)) == 42
    for bad in ("", "42", "v", "v0", "v-1", "v01", "w42", "v1 ", "v" + "9" * 30):
        assert parse_etag(bad) is None, bad


def test_the_worker_deletes_a_segment_only_on_a_verdict():
    import grpc

    from streamvisor.client import StreamvisorError
    from streamvisor.worker.runner import _definitely_rejected

    def e(code, reason="", fields=()):
        return StreamvisorError(code=code, message="", reason=reason, field_violations=list(fields))

    assert _definitely_rejected(e(grpc.StatusCode.ABORTED, "GENERATION_MISMATCH"))
    assert _definitely_rejected(e(grpc.StatusCode.FAILED_PRECONDITION, "TASK_ENDED"))
    assert not _definitely_rejected(e(grpc.StatusCode.UNAVAILABLE))  # no answer
    assert not _definitely_rejected(e(grpc.StatusCode.INTERNAL, "INTERNAL"))  # may have committed
    assert not _definitely_rejected(e(grpc.StatusCode.RESOURCE_EXHAUSTED, "SERVER_BUSY"))
    assert not _definitely_rejected(e(grpc.StatusCode.UNAUTHENTICATED, "UNAUTHENTICATED"))
    assert not _definitely_rejected(e(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT",
                                      [("location", "already holds another published segment")]))


def test_bounded_ranges_may_cover_at_most_int64_offsets_in_total():
    """GetOffsets sums the range sizes into one int64 (found by tests/test_fuzz.py: INTERNAL before)."""
    from streamvisor.domain.model import MAX_OFFSET, OffsetRange as R

    assert spec(bounded_ranges=(R(0, 0, MAX_OFFSET),)).validate().items == []
    problems = spec(bounded_ranges=(R(0, 0, MAX_OFFSET), R(1, 0, 1))).validate().items
    assert [p.field for p in problems] == ["spec.bounded_ranges"]
