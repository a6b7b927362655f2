"""Offsets of any size and partition names through the gRPC API, the Python SDK and the CLI (issue 17).

Every response sets `partition_id` and the `_decimal` siblings, equal to the ints for a Kafka supervisor.
Offsets past int64 are carried exactly: a Kafka-like kind whose offsets are unbounded, as Kinesis' are
(KafkaKind with max_offset None, the one thing a Kinesis kind changes here), publishes 56-digit offsets
through the commit use case; ListSegments, GetCoverage, GetOffsets and the history then answer them exactly
(the int64 fields 0), and the SDK and the CLI read them exactly. Bad decimals and disagreeing pairs are
INVALID_ARGUMENT with their reason and field, and change nothing."""
from __future__ import annotations

import json

import grpc
import pytest
from click.testing import CliRunner

from helpers import expect_error, kafka_spec, snapshot
from streamvisor.cli.main import main as cli_main
from streamvisor.client import StreamvisorError, exact, offset_range, partition_name, reset_target
from streamvisor.client.tasks import TaskClient
from streamvisor.domain.model import OffsetRange
from streamvisor.streams.kafka.kind import KafkaKind
from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.v1 import supervisor_service_pb2 as svc
from streamvisor.v1 import task_service_pb2 as tasks

pytestmark = pytest.mark.kafka

INVALID = grpc.StatusCode.INVALID_ARGUMENT
INT64 = 2 ** 63 - 1
HUGE = 10 ** 55 + 7


def commit(server, supervisor_id: str, ranges: dict[int, tuple[int, int]], location: str) -> int:
    generation = server.service.get(supervisor_id).generation
    return server.service.commit_checkpoint(
        supervisor_id, "task-wide", generation, [OffsetRange(p, a, b) for p, (a, b) in ranges.items()], location,
        1, task_starts={p: a for p, (a, _) in ranges.items()})


def _agree(message, *fields: str) -> None:
    """Each int64 field equals its _decimal sibling (the Kafka case: every value fits)."""
    for f in fields:
        assert getattr(message, f"{f}_decimal") == str(getattr(message, f)), (f, message)


def test_kafka_responses_carry_partition_ids_and_decimals_equal_to_the_ints(client, server, topics):
    name = topics.create(2)
    topics.produce(name, {0: 30, 1: 12})
    created = client.create_supervisor("wide-k", kafka_spec(name, task_count=1))
    assert list(created.partitions) == [0, 1] and list(created.partition_ids) == ["0", "1"]
    commit(server, "wide-k", {0: (0, 10), 1: (0, 4)}, "file:///wide-k/0")
    offsets = client.get_offsets("wide-k")
    _agree(offsets, "total_lag", "bounded_done", "bounded_total")
    for row in offsets.partitions:
        assert row.partition_id == str(row.partition)
        _agree(row, "earliest", "latest", "lag", "checkpoint")
    assert [exact(r, "checkpoint") for r in offsets.partitions] == [10, 4]
    assert exact(offsets, "total_lag") == 20 + 8
    changes = client.reset_offsets("wide-k", [reset_target(0, offset=20), reset_target("1", offset=12)]).changes
    assert [(c.partition, c.partition_id, c.before_decimal, c.after_decimal) for c in changes] == [
        (0, "0", "10", "20"), (1, "1", "4", "12")]
    (segment,) = client.list_segments("wide-k").segments
    for r in segment.ranges:
        assert r.partition_id == str(r.partition)
        _agree(r, "start_offset", "end_offset")
    coverage = client.get_coverage("wide-k")
    _agree(coverage, "total_gaps", "total_overlaps")
    for c in coverage.partitions:
        assert c.partition_id == str(c.partition)
        _agree(c, "published_offsets")
    (reset_event,) = [e for e in client.iter_history("wide-k") if e.action == "RESET_OFFSETS"]
    assert [(c.partition_id, c.before_decimal, c.after_decimal) for c in reset_event.offset_changes] == [
        ("0", "10", "20"), ("1", "4", "12")]
    # A bounded spec's ranges, as read back, and an unset optional stays unset in both fields.
    bounded = client.create_supervisor("wide-kb", kafka_spec(name, task_count=1,
                                                             bounded_ranges=[offset_range(0, 2, 9)]))
    (r,) = bounded.spec.bounded_ranges
    assert (r.partition_id, r.start_offset_decimal, r.end_offset_decimal) == ("0", "2", "9")
    row = client.get_offsets("wide-kb").partitions[0]
    assert row.HasField("checkpoint") == row.HasField("checkpoint_decimal")


def test_offsets_past_int64_are_exact_through_the_api_the_sdk_and_the_cli(client, server, topics, monkeypatch):
    monkeypatch.setattr(KafkaKind, "max_offset", None)  # a kind whose offsets are unbounded, as Kinesis' are
    name = topics.create(2)
    topics.produce(name, {0: 5, 1: 5})
    client.create_supervisor("wide-u", kafka_spec(name, task_count=1))
    commit(server, "wide-u", {0: (0, 10), 1: (0, 5)}, "file:///wide-u/small")
    commit(server, "wide-u", {0: (10, HUGE)}, "file:///wide-u/huge")
    commit(server, "wide-u", {0: (HUGE, HUGE + 3)}, "file:///wide-u/huger")

    def found(**filters) -> list[str]:
        return [s.location.rsplit("/", 1)[1] for s in client.list_segments("wide-u", **filters).segments]

    assert found() == ["small", "huge", "huger"]
    assert found(start_offset=HUGE) == ["huger"]  # the SDK sends start_offset_decimal past int64
    assert found(start_offset=10, end_offset=HUGE) == ["huge"]
    assert found(start_offset=9, end_offset=11) == ["small", "huge"]  # 9 < 10 < 11 < HUGE: numbers, not text
    assert found(partition=0, start_offset=HUGE + 2, end_offset=HUGE + 3) == ["huger"]
    assert found(partition="0", end_offset=10) == ["small"]  # by partition name
    assert found(partition="1", start_offset=INT64) == []
    huge = client.list_segments("wide-u", start_offset=INT64 + 1, end_offset=HUGE).segments[0].ranges[0]
    assert (huge.start_offset, huge.end_offset) == (10, 0)  # the int64 field: 0 when it does not fit
    assert (exact(huge, "start_offset"), exact(huge, "end_offset")) == (10, HUGE)
    assert (huge.end_offset_decimal, partition_name(huge)) == (str(HUGE), "0")

    coverage = client.get_coverage("wide-u")
    p0 = coverage.partitions[0]
    assert [(exact(r, "start_offset"), exact(r, "end_offset")) for r in p0.published] == [(0, HUGE + 3)]
    assert (p0.published_offsets, exact(p0, "published_offsets")) == (0, HUGE + 3)
    assert (coverage.total_gaps, exact(coverage, "total_gaps")) == (0, 0)

    offsets = client.get_offsets("wide-u")
    row = offsets.partitions[0]
    assert (row.checkpoint, row.checkpoint_decimal, exact(row, "checkpoint")) == (0, str(HUGE + 3), HUGE + 3)
    assert row.checkpoint_beyond_latest  # far past what the topic holds: a fault, shown exactly

    runner = CliRunner()

    def cli(*args):
        result = runner.invoke(cli_main, ["--server", f"127.0.0.1:{server.port}", *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    table = cli("segments", "wide-u", "--from", str(HUGE))
    assert f"0:[{HUGE},{HUGE + 3})" in table and "small" not in table
    assert str(HUGE + 3) in cli("offsets", "wide-u")
    assert f"[0,{HUGE + 3})" in cli("coverage", "wide-u")
    as_json = json.loads(cli("--json", "segments", "wide-u", "--partition", "0", "--from", str(HUGE + 1)))
    (r,) = as_json["segments"][0]["ranges"]
    assert (r["partition_id"], r["start_offset_decimal"], r["end_offset_decimal"]) == ("0", str(HUGE), str(HUGE + 3))


BAD_DECIMALS = ["-1", "+1", "01", "00", "1.0", "1e3", "12a", " 1", "1 ", "\u0661", "\x00", "1\x00", "9" * 131, ""]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_bad_decimals_and_disagreeing_pairs_are_refused_and_change_nothing(client, server, topics):
    name = topics.create(2)
    topics.produce(name, {0: 10, 1: 10})
    client.create_supervisor("wide-bad", kafka_spec(name, task_count=1))
    before = snapshot(client)
    for text in BAD_DECIMALS:
        # U+0000 is refused in every string field before any field's own rule (api/interceptors.py).
        reason = "INVALID_ARGUMENT" if "\x00" in text else "MALFORMED_DECIMAL"
        for field in ("start_offset_decimal", "end_offset_decimal"):
            request = svc.ListSegmentsRequest(supervisor_id="wide-bad", **{field: text})
            error = expect_error(lambda: client._call("ListSegments", request), INVALID, reason)
            assert error.field_violations[0][0] == field and error.metadata["fields"] == field, text
        target = svc.PartitionResetTarget(partition=0, offset_decimal=text)
        error = expect_error(lambda: client.reset_offsets("wide-bad", [target]), INVALID, reason)
        assert error.field_violations[0][0] == "targets[0].offset_decimal"
        if text:  # an empty OffsetRange decimal means "not given"
            spec = kafka_spec(name, task_count=1, bounded_ranges=[pb.OffsetRange(end_offset_decimal=text)])
            error = expect_error(lambda: client.create_supervisor("wide-bad2", spec), INVALID, reason)
            assert error.field_violations[0][0] == "spec.bounded_ranges[0].end_offset_decimal"
    mismatches = [
        (svc.ListSegmentsRequest(supervisor_id="wide-bad", start_offset=5, start_offset_decimal="6"),
         "start_offset_decimal"),
        (svc.ListSegmentsRequest(supervisor_id="wide-bad", end_offset=5, end_offset_decimal=str(HUGE)),
         "end_offset_decimal"),
        (svc.ListSegmentsRequest(supervisor_id="wide-bad", partition=1, partition_id="0"), "partition_id"),
    ]
    for request, field in mismatches:
        error = expect_error(lambda: client._call("ListSegments", request), INVALID, "FIELD_MISMATCH")
        assert error.field_violations[0][0] == field
    error = expect_error(lambda: client.reset_offsets("wide-bad", [svc.PartitionResetTarget(
        partition=1, partition_id="0", offset=3)]), INVALID, "FIELD_MISMATCH")
    assert error.field_violations[0][0] == "targets[0].partition_id"
    spec = kafka_spec(name, task_count=1, bounded_ranges=[pb.OffsetRange(start_offset=1, start_offset_decimal="2",
                                                                         end_offset=5)])
    error = expect_error(lambda: client.create_supervisor("wide-bad2", spec), INVALID, "FIELD_MISMATCH")
    assert error.field_violations[0][0] == "spec.bounded_ranges[0].start_offset_decimal"
    for bad_name in ("x", "-1", "01", "shardId-000000000001", "99999999999"):
        request = svc.ListSegmentsRequest(supervisor_id="wide-bad", partition_id=bad_name)
        error = expect_error(lambda: client._call("ListSegments", request), INVALID, "INVALID_ARGUMENT")
        assert error.field_violations[0][0] == "partition_id"
    # Past int64 for a kind whose offsets are int64: refused as before the decimals existed.
    error = expect_error(lambda: client.reset_offsets("wide-bad", [reset_target(0, offset=HUGE)]),
                         grpc.StatusCode.OUT_OF_RANGE, "OFFSET_OUT_OF_RANGE")
    assert error.field_violations[0][0].startswith("targets[0]")
    spec = kafka_spec(name, task_count=1, bounded_ranges=[offset_range(0, 0, INT64 + 1)])
    error = expect_error(lambda: client.create_supervisor("wide-bad2", spec), INVALID, "INVALID_ARGUMENT")
    assert error.field_violations[0][0] == "spec.bounded_ranges[0].end_offset"
    # Agreeing pairs are fine: the same value twice.
    assert client._call("ListSegments", svc.ListSegmentsRequest(
        supervisor_id="wide-bad", partition=1, partition_id="1", start_offset=5, start_offset_decimal="5")) \
        == svc.ListSegmentsResponse()
    # The data plane: a commit's ranges are checked before anything is looked up.
    workers = TaskClient(f"127.0.0.1:{server.port}", retry_for_s=0)
    try:
        for ranges, reason, field in [
            ([pb.OffsetRange(partition=0, start_offset=0, end_offset=3, end_offset_decimal="4")], "FIELD_MISMATCH",
             "ranges[0].end_offset_decimal"),
            ([pb.OffsetRange(partition=0, start_offset_decimal="007", end_offset=3)], "MALFORMED_DECIMAL",
             "ranges[0].start_offset_decimal"),
        ]:
            request = tasks.CommitCheckpointRequest(task_id="t", worker_id="w", ranges=ranges, location="file:///x",
                                                    record_count=0)
            with pytest.raises(StreamvisorError) as info:
                workers._call("CommitCheckpoint", request, retry_for_s=0)
            error = info.value
            assert (error.code, error.reason, error.field_violations[0][0]) == (INVALID, reason, field)
    finally:
        workers.close()
    assert snapshot(client) == before
