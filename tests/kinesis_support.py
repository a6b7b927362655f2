"""The local Kinesis emulator from the tests' side (scripts/kinesis.sh; KINESIS_ENDPOINT): uniquely named
streams, writes to known shards by explicit hash key, splits and merges. Shared by the Kinesis tests."""
from __future__ import annotations

import time
import uuid

import boto3

REGION = "us-east-1"
# Explicit hash keys that land in known shards: A in 0 then 2, B in 0 then 3 then 4, C in 1 then 4.
KEY_A, KEY_B, KEY_C = 10, 2 ** 126 + 10, 2 ** 127 + 10
SPLIT_AT = 2 ** 126


class Streams:
    """Creates uniquely named streams on the emulator, writes records, reshards; deletes them afterwards."""

    def __init__(self, endpoint: str):
        self.client = boto3.client("kinesis", endpoint_url=endpoint, region_name=REGION,
                                   aws_access_key_id="test", aws_secret_access_key="test")
        self.created: list[str] = []

    def create(self, shards: int) -> str:
        name = f"kin-{uuid.uuid4().hex[:10]}"
        self.client.create_stream(StreamName=name, ShardCount=shards)
        self.created.append(name)
        self.wait_active(name)
        return name

    def wait_active(self, name: str, timeout_s: float = 30) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            summary = self.client.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
            if summary["StreamStatus"] == "ACTIVE":
                return
            time.sleep(0.1)
        raise AssertionError(f"stream {name} not ACTIVE within {timeout_s}s")

    def put(self, name: str, hash_key: int, data: bytes) -> tuple[str, int]:
        r = self.client.put_record(StreamName=name, Data=data, PartitionKey=f"key-{hash_key}",
                                   ExplicitHashKey=str(hash_key))
        return r["ShardId"], int(r["SequenceNumber"])

    def split(self, name: str, shard: str, at: int) -> None:
        self.client.split_shard(StreamName=name, ShardToSplit=shard, NewStartingHashKey=str(at))
        time.sleep(0.1)  # UPDATING starts with the call's answer on real Kinesis; the emulator flips a moment later
        self.wait_active(name)

    def merge(self, name: str, shard: str, adjacent: str) -> None:
        self.client.merge_shards(StreamName=name, ShardToMerge=shard, AdjacentShardToMerge=adjacent)
        time.sleep(0.1)
        self.wait_active(name)

    def close(self) -> None:
        for name in self.created:
            try:
                self.client.delete_stream(StreamName=name, EnforceConsumerDeletion=True)
            except Exception:  # noqa: BLE001 - cleanup of a test stream must not mask the test's result
                pass



def write(streams: Streams, name: str, phase: str, keys=(KEY_A, KEY_B, KEY_C), n: int = 3):
    out = []
    for i in range(n):
        for key in keys:
            data = f"{phase}-{key}-{i}".encode()
            shard, seq = streams.put(name, key, data)
            out.append((shard, seq, data))
    return out
