"""Kinesis over the wire: a live server (SQLite and PostgreSQL) and the Python SDK against the local Kinesis
emulator (scripts/kinesis.sh; KINESIS_ENDPOINT). GetOffsets carries the shards with their shard ids, parents
and exact 56-digit sequence numbers; bad inputs are refused with their status, reason and field, and change
nothing; nothing is INTERNAL."""
from __future__ import annotations

import grpc
import pytest

from conftest import start_server
from kinesis_support import KEY_A, KEY_B, REGION, SPLIT_AT, Streams, write  # tests/ is on the path
from streamvisor.client import StreamvisorClient, StreamvisorError, exact
from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.v1 import supervisor_service_pb2 as svc

pytestmark = pytest.mark.kinesis


@pytest.fixture
def streams(kinesis_endpoint):
    s = Streams(kinesis_endpoint)
    yield s
    s.close()


@pytest.fixture
def client(database_url):
    server = start_server(database_url, None)
    with StreamvisorClient(f"127.0.0.1:{server.port}", timeout=30, retries=0) as c:
        yield c
    server.stop(0)


def kinesis_spec(stream: str, endpoint: str, **fields) -> pb.SupervisorSpec:
    return pb.SupervisorSpec(
        stream_type=pb.STREAM_TYPE_KINESIS, stream=stream, task_count=2, use_earliest_offset=True,
        consumer_properties={"kinesis.endpoint": endpoint, "kinesis.region": REGION,
                             "kinesis.access_key_id": "test", "kinesis.secret_access_key": "test"},
        context={"useConcurrentLocks": "true"}, **fields)


def test_get_offsets_shows_every_shard_with_its_id_parents_and_exact_sequence_numbers(client, streams,
                                                                                     kinesis_endpoint):
    name = streams.create(2)
    written = write(streams, name, "p0", keys=(KEY_A, KEY_B), n=2)
    streams.split(name, "shardId-000000000000", SPLIT_AT)
    created = client.create_supervisor("kin-api", kinesis_spec(name, kinesis_endpoint))
    assert created.spec.stream_type == pb.STREAM_TYPE_KINESIS

    offsets = client.get_offsets("kin-api")
    rows = {r.partition_id: r for r in offsets.partitions}
    assert sorted(rows) == [f"shardId-00000000000{i}" for i in range(4)]
    assert list(rows["shardId-000000000002"].parent_partition_ids) == ["shardId-000000000000"]
    assert rows["shardId-000000000000"].closed and not rows["shardId-000000000002"].closed
    last_of_0 = max(seq for shard, seq, _ in written if shard == "shardId-000000000000")
    assert exact(rows["shardId-000000000000"], "latest") == last_of_0 + 1  # all 56 digits
    assert rows["shardId-000000000000"].latest == 0  # the int64 field: the value does not fit
    assert rows["shardId-000000000000"].behind and offsets.total_lag == 0


def error(call) -> StreamvisorError:
    with pytest.raises(StreamvisorError) as info:
        call()
    return info.value


def test_bad_inputs_are_refused_with_reason_and_field_and_change_nothing(client, streams, kinesis_endpoint):
    name = streams.create(1)
    written = write(streams, name, "p0", keys=(KEY_A,), n=3)
    client.create_supervisor("kin-api-bad", kinesis_spec(name, kinesis_endpoint))
    before = client.get_supervisor("kin-api-bad")

    not_a_record = str(written[1][1] + 2)
    e = error(lambda: client.reset_offsets("kin-api-bad", [svc.PartitionResetTarget(
        partition_id="shardId-000000000000", offset_decimal=not_a_record)]))
    assert (e.code, e.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "NOT_A_RECORD_OF_SHARD")
    assert [f for f, _ in e.field_violations] == ["targets[0].offset"]
    assert e.metadata["offset"] == not_a_record and e.metadata["partition"] == "0"

    e = error(lambda: client.reset_offsets("kin-api-bad", [svc.PartitionResetTarget(
        partition_id="shardId-000000000007", offset_decimal=str(written[0][1]))]))
    assert e.code == grpc.StatusCode.INVALID_ARGUMENT and e.reason == "UNKNOWN_PARTITION"

    e = error(lambda: client.reset_offsets("kin-api-bad", [svc.PartitionResetTarget(
        partition_id="shard-7", offset_decimal=str(written[0][1]))]))
    assert e.code == grpc.StatusCode.INVALID_ARGUMENT and e.reason != "INTERNAL"

    e = error(lambda: client.create_supervisor("kin-api-missing", kinesis_spec("no-such-stream", kinesis_endpoint)))
    assert (e.code, e.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "STREAM_NOT_FOUND")

    spec = kinesis_spec(name, kinesis_endpoint)
    spec.autoscaler.enabled, spec.autoscaler.task_count_min, spec.autoscaler.task_count_max = True, 1, 4
    e = error(lambda: client.create_supervisor("kin-api-scaled", spec))
    assert e.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "spec.autoscaler.enabled" in [f for f, _ in e.field_violations]

    after = client.get_supervisor("kin-api-bad")
    assert (after.generation, after.etag) == (before.generation, before.etag)
    for missing in ("kin-api-missing", "kin-api-scaled"):
        assert error(lambda m=missing: client.get_supervisor(m)).reason == "SUPERVISOR_NOT_FOUND"
