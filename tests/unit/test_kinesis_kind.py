"""Kinesis' pure parts: connection settings and spec rules, shard task groups, lazy boto3. No endpoint."""
import subprocess
import sys

import pytest

from streamvisor.domain.errors import Violations
from streamvisor.domain.model import StreamType, SupervisorSpec
from streamvisor.streams.kinesis import settings
from streamvisor.domain.errors import FailedPrecondition
from streamvisor.streams.kinesis.kind import KinesisKind
from streamvisor.streams.kinesis.shards import shard_id, shard_number
from streamvisor.streams.registry import StreamAdapterRegistry
from streamvisor.streams.kinesis.settings import Connection

GOOD = {"kinesis.region": "eu-central-1", "kinesis.endpoint": "http://127.0.0.1:14568",
        "kinesis.access_key_id": "AKIDEXAMPLE", "kinesis.secret_access_key": "s3cret"}


def problems(stream: str = "clicks", **props) -> list[tuple[str, str]]:
    v = Violations()
    settings.validate_spec(SupervisorSpec(StreamType.KINESIS, stream, props), v, "spec")
    return [(x.field, x.description) for x in v.items]


def test_a_complete_connection_is_parsed_and_redacted():
    c = Connection.of(GOOD)
    assert (c.region, c.endpoint, c.access_key_id, c.secret_access_key, c.session_token) == (
        "eu-central-1", "http://127.0.0.1:14568", "AKIDEXAMPLE", "s3cret", None)
    assert "s3cret" not in c.redacted and c.redacted == "http://127.0.0.1:14568 (eu-central-1)"
    assert Connection.of({"kinesis.region": " us-east-1 "}).redacted == "aws (us-east-1)"
    assert problems(**GOOD) == []


@pytest.mark.parametrize("props, expected", [
    ({}, "'kinesis.region' must be set"),
    ({"kinesis.region": "Frankfurt"}, "must be an AWS region name"),
    ({"kinesis.region": "us-east-1", "kinesis.endpoint": "ftp://h"}, "must be an http(s)://host[:port] URL"),
    ({"kinesis.region": "us-east-1", "kinesis.endpoint": "http://h:port"}, "must be an http(s)://host[:port] URL"),
    ({"kinesis.region": "us-east-1", "kinesis.endpoint": "http://h/path"}, "must be an http(s)://host[:port] URL"),
    ({"kinesis.region": "us-east-1", "kinesis.access_key_id": "k"}, "must be set together"),
    ({"kinesis.region": "us-east-1", "kinesis.secret_access_key": "s"}, "must be set together"),
    ({"kinesis.region": "us-east-1", "kinesis.session_token": "t"}, "'kinesis.session_token' needs"),
    ({"kinesis.region": "us-east-1", "kinesis.regoin": "x"}, "unknown Kinesis properties kinesis.regoin"),
])
def test_bad_connection_properties_are_refused_with_the_reason(props, expected):
    found = problems(**props)
    assert found and all(f == "spec.consumer_properties" for f, _ in found)
    assert any(expected in d for _, d in found), found
    with pytest.raises(ValueError):
        Connection.of(props)


def test_a_stream_name_longer_than_kinesis_allows_is_refused():
    assert problems("s" * 128, **GOOD) == []
    assert problems("s" * 129, **GOOD) == [("spec.stream", "a Kinesis stream name is at most 128 characters, got 129")]


def test_only_kinesis_properties_are_defaults_and_connection_keys():
    assert settings.applicable_defaults({"bootstrap.servers": "b", "kinesis.region": "us-east-1"}) == {
        "kinesis.region": "us-east-1"}
    a = settings.connection_key({**GOOD, "other": "1"})
    assert a == settings.connection_key({**GOOD, "other": "2", "kinesis.region": " eu-central-1"})
    assert a != settings.connection_key({**GOOD, "kinesis.region": "us-west-2"})


def test_shard_ids_map_to_partition_numbers_exactly_both_ways():
    assert [shard_id(i) for i in (0, 4, 123456789012)] == [
        "shardId-000000000000", "shardId-000000000004", "shardId-123456789012"]
    assert [shard_number(shard_id(i)) for i in (0, 4, 10 ** 15)] == [0, 4, 10 ** 15]
    assert KinesisKind().partition_name(9) == "shardId-000000000009"
    assert KinesisKind().task_group(9, 4) == 1  # the number modulo task_count, as for Kafka


@pytest.mark.parametrize("odd", ["odd-shard", "shardId-", "shardId-12a", "shardid-000000000001",
                                 "shardId-0000000000001234567890", " shardId-000000000001"])
def test_a_shard_id_of_another_form_is_refused_never_guessed(odd):
    with pytest.raises(FailedPrecondition) as info:
        shard_number(odd, "clicks")
    assert info.value.reason == "UNSUPPORTED_SHARD_ID"
    assert info.value.metadata == {"stream": "clicks", "shard_id": odd}


def test_the_kind_is_registered_with_lineage():
    registry = StreamAdapterRegistry()
    assert KinesisKind.stream_type is StreamType.KINESIS and registry.supports(StreamType.KINESIS)
    assert registry.has_lineage(StreamType.KINESIS) and not registry.has_lineage(StreamType.KAFKA)


def test_importing_the_kind_and_settings_loads_no_boto3():
    code = ("import sys; import streamvisor.streams.kinesis.kind, streamvisor.streams.kinesis.settings; "
            "print('boto3' in sys.modules or 'botocore' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_lag_based_autoscaler_is_refused_for_kinesis():
    from streamvisor.domain.autoscaler import AutoscalerConfig

    v = Violations()
    spec = SupervisorSpec(StreamType.KINESIS, "clicks", GOOD, task_count=2,
                          autoscaler=AutoscalerConfig(enabled=True, task_count_min=1, task_count_max=4))
    settings.validate_spec(spec, v, "spec")
    assert [(x.field, "sparse" in x.description) for x in v.items] == [("spec.autoscaler.enabled", True)]


def test_a_bounded_task_gives_the_reader_its_exact_56_digit_bounds_not_the_int64_fields():
    """The end-to-end proof found it: the int64 `end_offset` is 0 for a sequence number, and a bound of 0
    ended every backfill shard before its first record, so the backfill never completed."""
    from streamvisor.streams.kinesis.kind import task_bounds
    from streamvisor.v1 import task_service_pb2 as tasks

    end = 49680758569905091625116097718533773500504524408188043267
    task = tasks.Task(partitions=[
        tasks.TaskPartition(partition=0, start_offset=0, end_offset=0, end_offset_decimal=str(end)),
        tasks.TaskPartition(partition=4, start_offset=0, end_offset=17),  # a server before the decimal fields
        tasks.TaskPartition(partition=1, start_offset=0)])  # unbounded
    assert task_bounds(task) == {shard_id(0): end, shard_id(4): 17}
