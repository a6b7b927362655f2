"""The supervisor lifecycle over a real channel, on real Kafka, on SQLite and PostgreSQL."""
from __future__ import annotations

import time

import grpc
import pytest

from helpers import CONCURRENT, expect_error, kafka_spec, snapshot
from streamvisor.v1 import supervisor_pb2 as pb

INVALID, NOT_FOUND = grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND
PRECONDITION, ABORTED = grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ABORTED


@pytest.fixture
def topic(topics) -> str:
    return topics.create(4)


def test_create_records_partitions_and_fills_default_bootstrap(client, topic, kafka_bootstrap):
    s = client.create_supervisor("clicks", kafka_spec(topic))
    assert s.id == "clicks" and s.state == pb.SUPERVISOR_STATE_RUNNING
    assert list(s.partitions) == [0, 1, 2, 3]
    assert s.generation == 1 and s.etag
    assert s.spec.consumer_properties["bootstrap.servers"] == kafka_bootstrap
    assert client.get_supervisor("clicks") == s
    history = list(client.iter_history("clicks"))
    assert [e.action for e in history] == ["CREATE"]
    assert history[0].state_after == pb.SUPERVISOR_STATE_RUNNING


def test_validate_only_creates_nothing(client, topic):
    s = client.create_supervisor("dry", kafka_spec(topic), validate_only=True)
    assert list(s.partitions) == [0, 1, 2, 3]
    expect_error(lambda: client.get_supervisor("dry"), NOT_FOUND, "SUPERVISOR_NOT_FOUND")


def test_validate_only_sees_a_taken_id(client, topic):
    client.create_supervisor("taken", kafka_spec(topic))
    expect_error(lambda: client.create_supervisor("taken", kafka_spec(topic), validate_only=True),
                 grpc.StatusCode.ALREADY_EXISTS, "SUPERVISOR_ALREADY_EXISTS")


def test_bounded_supervisor_starts_at_its_range(client, topics):
    name = topics.create(2)
    topics.produce(name, {0: 30, 1: 30})
    spec = kafka_spec(name, bounded_ranges=[pb.OffsetRange(partition=1, start_offset=5, end_offset=25)])
    s = client.create_supervisor("bounded", spec)
    assert list(s.partitions) == [1]
    offsets = client.get_offsets("bounded")
    assert [(p.partition, p.checkpoint, p.lag) for p in offsets.partitions] == [(1, 5, 20)]
    assert (offsets.bounded_done, offsets.bounded_total) == (0, 20)


def test_bounded_start_below_retention_is_refused(client, topics):
    name = topics.create(1)
    topics.produce(name, {0: 30})
    topics.delete_up_to(name, {0: 10})
    spec = kafka_spec(name, bounded_ranges=[pb.OffsetRange(partition=0, start_offset=4, end_offset=20)])
    error = expect_error(lambda: client.create_supervisor("gone", spec), INVALID, "OFFSET_OUT_OF_RANGE")
    assert error.field_violations[0][0] == "spec.bounded_ranges[0].start_offset"
    assert (error.metadata["partition"], error.metadata["earliest"]) == ("0", "10")
    assert snapshot(client) == []


def test_lifecycle_transitions_and_history(client, topic):
    client.create_supervisor("life", kafka_spec(topic))
    assert client.suspend_supervisor("life").state == pb.SUPERVISOR_STATE_SUSPENDED
    assert client.resume_supervisor("life").state == pb.SUPERVISOR_STATE_RUNNING
    assert client.terminate_supervisor("life").state == pb.SUPERVISOR_STATE_TERMINATED
    events = list(client.iter_history("life"))
    assert [e.action for e in events] == ["TERMINATE", "RESUME", "SUSPEND", "CREATE"]  # newest first
    assert events[0].state_before == pb.SUPERVISOR_STATE_RUNNING
    assert all(e.actor == "anonymous" for e in events)


@pytest.mark.parametrize("first, second", [
    ("suspend_supervisor", "suspend_supervisor"),
    ("terminate_supervisor", "resume_supervisor"),
    ("terminate_supervisor", "suspend_supervisor"),
    ("terminate_supervisor", "terminate_supervisor"),
])
def test_wrong_state_is_failed_precondition_and_changes_nothing(client, topic, first, second):
    client.create_supervisor("st", kafka_spec(topic))
    getattr(client, first)("st")
    before = snapshot(client)
    error = expect_error(lambda: getattr(client, second)("st"), PRECONDITION, "INVALID_STATE")
    assert error.metadata["supervisor_id"] == "st" and error.metadata["state"]
    assert snapshot(client) == before


def test_resume_of_a_running_supervisor_is_rejected(client, topic):
    client.create_supervisor("run", kafka_spec(topic))
    error = expect_error(lambda: client.resume_supervisor("run"), PRECONDITION, "INVALID_STATE")
    assert error.metadata["allowed_states"] == "SUSPENDED"


def test_update_with_etag(client, topic):
    s = client.create_supervisor("up", kafka_spec(topic, task_count=2))
    updated = client.update_supervisor("up", kafka_spec(topic, task_count=3), s.etag)
    assert updated.spec.task_count == 3 and updated.generation == 2 and updated.etag != s.etag
    before = snapshot(client)
    error = expect_error(lambda: client.update_supervisor("up", kafka_spec(topic, task_count=4), s.etag),
                         ABORTED, "ETAG_MISMATCH")
    assert error.metadata["current_etag"] == updated.etag
    expect_error(lambda: client.update_supervisor("up", kafka_spec(topic), "not-an-etag"), INVALID, "INVALID_ETAG")
    expect_error(lambda: client.update_supervisor("up", kafka_spec(topic), ""), INVALID, "INVALID_ETAG")
    assert snapshot(client) == before


def test_update_cannot_change_the_stream(client, topics, topic):
    other = topics.create(1)
    s = client.create_supervisor("imm", kafka_spec(topic))
    error = expect_error(lambda: client.update_supervisor("imm", kafka_spec(other), s.etag), INVALID, "IMMUTABLE_FIELD")
    assert error.field_violations[0][0] == "spec.stream"


def test_stale_etag_on_transition(client, topic):
    s = client.create_supervisor("et", kafka_spec(topic))
    client.suspend_supervisor("et", s.etag)
    before = snapshot(client)
    expect_error(lambda: client.resume_supervisor("et", s.etag), ABORTED, "ETAG_MISMATCH")
    expect_error(lambda: client.resume_supervisor("et", "v"), INVALID, "INVALID_ETAG")
    assert snapshot(client) == before


def test_list_paginates_and_filters(client, topic):
    ids = [f"s{i:02d}" for i in range(7)]
    for i in ids:
        client.create_supervisor(i, kafka_spec(topic))
    client.suspend_supervisor("s03")
    page = client.list_supervisors(page_size=3)
    assert [s.id for s in page.supervisors] == ids[:3] and page.next_page_token
    assert [s.id for s in client.iter_supervisors(page_size=3)] == ids
    suspended = client.list_supervisors(states=[pb.SUPERVISOR_STATE_SUSPENDED])
    assert [s.id for s in suspended.supervisors] == ["s03"] and not suspended.next_page_token
    running = list(client.iter_supervisors(states=[pb.SUPERVISOR_STATE_RUNNING], page_size=2))
    assert [s.id for s in running] == [i for i in ids if i != "s03"]
    assert list(client.iter_supervisors(stream_types=[pb.STREAM_TYPE_RABBITMQ_STREAM])) == []


def test_page_token_errors(client, topic):
    for i in range(3):
        client.create_supervisor(f"p{i}", kafka_spec(topic))
    token = client.list_supervisors(page_size=1).next_page_token
    expect_error(lambda: client.list_supervisors(page_token="%%%"), INVALID, "INVALID_PAGE_TOKEN")
    expect_error(lambda: client.list_supervisors(page_token=token, states=[pb.SUPERVISOR_STATE_SUSPENDED]),
                 INVALID, "INVALID_PAGE_TOKEN")
    expect_error(lambda: client.list_supervisors(page_size=-1), INVALID, "INVALID_ARGUMENT")
    expect_error(lambda: client.list_history("p0", page_token=token), INVALID, "INVALID_PAGE_TOKEN")
    expect_error(lambda: client.list_history("p0", page_size=-5), INVALID, "INVALID_ARGUMENT")
    expect_error(lambda: client.list_supervisors(states=[99]), INVALID, "INVALID_ARGUMENT")


def test_history_paginates(client, topic):
    client.create_supervisor("h", kafka_spec(topic))
    for _ in range(3):
        client.suspend_supervisor("h")
        client.resume_supervisor("h")
    first = client.list_history("h", page_size=4)
    assert len(first.events) == 4 and first.next_page_token
    rest = client.list_history("h", page_size=4, page_token=first.next_page_token)
    assert [e.id for e in first.events] + [e.id for e in rest.events] == sorted(
        (e.id for e in client.iter_history("h")), reverse=True)
    assert len(rest.events) == 3 and not rest.next_page_token


@pytest.mark.parametrize("supervisor_id, field", [
    ("", "supervisor_id"), ("x" * 256, "supervisor_id"), ("bad id", "supervisor_id"), ("-x", "supervisor_id"),
])
def test_bad_ids_are_rejected_everywhere(client, topic, supervisor_id, field):
    for call in (lambda: client.create_supervisor(supervisor_id, kafka_spec(topic)),
                 lambda: client.get_supervisor(supervisor_id),
                 lambda: client.suspend_supervisor(supervisor_id),
                 lambda: client.list_history(supervisor_id),
                 lambda: client.get_offsets(supervisor_id)):
        error = expect_error(call, INVALID, "INVALID_ARGUMENT")
        assert error.field_violations[0][0] == field
    assert snapshot(client) == []


def test_a_255_character_id_is_fine(client, topic):
    assert client.create_supervisor("a" * 255, kafka_spec(topic)).id == "a" * 255


@pytest.mark.parametrize("spec_fields, field", [
    (dict(task_count=0), "spec.task_count"),
    (dict(task_count=-1), "spec.task_count"),
    (dict(task_count=1_000_000), "spec.task_count"),
    (dict(stream_type=pb.STREAM_TYPE_UNSPECIFIED), "spec.stream_type"),
    (dict(stream_type=42), "spec.stream_type"),
    (dict(stream=""), "spec.stream"),
    (dict(bounded_ranges=[pb.OffsetRange(partition=0, start_offset=5, end_offset=1)]),
     "spec.bounded_ranges[0].end_offset"),
])
def test_bad_specs_are_invalid_and_change_nothing(client, topic, spec_fields, field):
    spec = kafka_spec(topic)
    for k, v in spec_fields.items():
        if k == "bounded_ranges":
            spec.bounded_ranges.extend(v)
        else:
            setattr(spec, k, v)
    error = expect_error(lambda: client.create_supervisor("bad", spec), INVALID, "INVALID_ARGUMENT")
    assert field in [f for f, _ in error.field_violations]
    assert error.metadata["fields"]
    assert snapshot(client) == []


def test_missing_bootstrap_servers_without_a_server_default(database_url, topic):
    from conftest import start_server
    from streamvisor.client import StreamvisorClient

    bare = start_server(database_url, kafka_bootstrap=None)
    try:
        with StreamvisorClient(f"127.0.0.1:{bare.port}", retries=0) as c:
            error = expect_error(lambda: c.create_supervisor("nb", kafka_spec(topic)), INVALID, "INVALID_ARGUMENT")
            assert error.field_violations[0][0] == "spec.consumer_properties"
            assert "bootstrap.servers" in error.field_violations[0][1]
    finally:
        bare.stop(0)


def test_unknown_bounded_partition(client, topic):
    spec = kafka_spec(topic)
    spec.bounded_ranges.append(pb.OffsetRange(partition=9, start_offset=0, end_offset=1))
    error = expect_error(lambda: client.create_supervisor("ub", spec), INVALID, "UNKNOWN_PARTITION")
    assert error.field_violations[0][0] == "spec.bounded_ranges[0].partition"
    assert error.metadata["partition"] == "9"


def test_missing_topic_is_failed_precondition(client):
    error = expect_error(lambda: client.create_supervisor("nt", kafka_spec("no-such-topic-xyz")),
                         PRECONDITION, "STREAM_NOT_FOUND")
    assert error.metadata["stream"] == "no-such-topic-xyz"
    assert snapshot(client) == []


def test_unreachable_broker_is_unavailable_within_the_bound(client, topic):
    spec = kafka_spec(topic, consumer_properties={"bootstrap.servers": "127.0.0.1:1"})
    started = time.monotonic()
    error = expect_error(lambda: client.create_supervisor("ur", spec), grpc.StatusCode.UNAVAILABLE,
                         "STREAM_UNREACHABLE")
    assert time.monotonic() - started < 15
    assert error.metadata["bootstrap_servers"] == "127.0.0.1:1" and error.metadata["timeout_ms"] == "5000"
    assert snapshot(client) == []


def test_duplicate_id_is_already_exists(client, topic):
    client.create_supervisor("dup", kafka_spec(topic))
    before = snapshot(client)
    error = expect_error(lambda: client.create_supervisor("dup", kafka_spec(topic, task_count=3)),
                         grpc.StatusCode.ALREADY_EXISTS, "SUPERVISOR_ALREADY_EXISTS")
    assert error.metadata["supervisor_id"] == "dup"
    assert snapshot(client) == before


def test_unknown_supervisor_is_not_found_everywhere(client):
    for call in (lambda: client.get_supervisor("ghost"), lambda: client.suspend_supervisor("ghost"),
                 lambda: client.resume_supervisor("ghost"), lambda: client.terminate_supervisor("ghost"),
                 lambda: client.list_history("ghost"), lambda: client.get_offsets("ghost"),
                 lambda: client.reset_supervisor("ghost"),
                 lambda: client.reset_to_latest_and_backfill("ghost"),
                 lambda: client.update_supervisor("ghost", kafka_spec("t"), "v1")):
        error = expect_error(call, NOT_FOUND, "SUPERVISOR_NOT_FOUND")
        assert error.metadata["supervisor_id"] == "ghost"


def test_a_request_above_the_size_limit_is_refused(client, topic):
    spec = kafka_spec(topic, context={**CONCURRENT, "blob": "x" * (5 * 1024 * 1024)})
    with pytest.raises(Exception) as info:
        client.create_supervisor("big", spec)
    assert info.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert snapshot(client) == []
