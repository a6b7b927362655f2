"""Kinesis' pure parts: connection settings and spec rules, shard task groups, lazy boto3. No endpoint."""
import subprocess
import sys

import pytest

from streamvisor.domain.errors import Violations
from streamvisor.domain.model import StreamType, SupervisorSpec
from streamvisor.streams.kinesis import settings
from streamvisor.streams.kinesis.kind import KinesisKind, shard_task_group
from streamvisor.streams.kinesis.settings import Connection

GOOD = {"kinesis.region": "eu-central-1", "kinesis.endpoint": "http://127.0.0.1:14568",
        "kinesis.access_key_id": "AKIDEXAMPLE", "kinesis.secret_access_key": "s3cret"}


def problems(stream: str = "clicks", **props) -> list[tuple[str, str]]:
    v = Violations()
    # The spec's type is not Kinesis yet (the contract has none): the kind's rules do not look at it.
    settings.validate_spec(SupervisorSpec(StreamType.KAFKA, stream, props), v, "spec")
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


def test_task_groups_are_stable_and_spread_the_shards_numbers():
    assert [shard_task_group(f"shardId-{i:012d}", 4) for i in range(8)] == [0, 1, 2, 3, 0, 1, 2, 3]
    # An id not in Kinesis' usual form: CRC-32, the same in every process (never the salted hash()).
    assert shard_task_group("odd-shard", 7) == 2879049813 % 7 == shard_task_group("odd-shard", 7)
    assert KinesisKind().task_group("shardId-000000000009", 4) == 1
    with pytest.raises(ValueError):
        shard_task_group("shardId-000000000001", 0)


def test_the_kind_is_not_a_registered_stream_type_yet():
    # Registered in streams/registry.py once the contract has STREAM_TYPE_KINESIS (issue 17, next round).
    assert KinesisKind.stream_type is None


def test_importing_the_kind_and_settings_loads_no_boto3():
    code = ("import sys; import streamvisor.streams.kinesis.kind, streamvisor.streams.kinesis.settings; "
            "print('boto3' in sys.modules or 'botocore' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
