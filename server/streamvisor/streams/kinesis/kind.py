"""Amazon Kinesis' StreamKind. boto3 loads on first use (adapter, open_reader), never before.

Not registered yet: the contract has no STREAM_TYPE_KINESIS and the store keeps offsets as int64, so a
Kinesis supervisor cannot be created or checkpointed until both carry 128-bit sequence numbers (next
round). `stream_type` is the domain's StreamType.KINESIS once that member exists, None until then; the
place to register the kind is marked in streams/registry.py.
"""
from __future__ import annotations

import importlib.util
import re
import zlib
from typing import Hashable, Mapping

from streamvisor.domain.errors import Violations
from streamvisor.domain.model import StreamType, SupervisorSpec
from streamvisor.domain.ports import Offset, Partition, ReaderTask, StreamAdapter, TaskReader
from streamvisor.streams.kinesis import settings

# Kinesis names shards shardId-<12 digits>, numbered in the order they were created.
SHARD_ID_PATTERN = re.compile(r"^shardId-(\d+)$")


def shard_task_group(shard_id: str, task_count: int) -> int:
    """A shard's task group, stable forever: its number modulo task_count (shards are numbered as they are
    created, so the open shards after a resharding spread evenly), or the CRC-32 of an id that is not in
    Kinesis' usual form (never Python's hash(), which is salted per process). Per-key order across a
    split or merge does not depend on groups: a child is leased only after its parents finished
    (domain.lineage.leasable)."""
    if task_count < 1:
        raise ValueError(f"task_count must be >= 1, got {task_count}")
    match = SHARD_ID_PATTERN.match(shard_id)
    number = int(match.group(1)) if match else zlib.crc32(shard_id.encode())
    return number % task_count


class KinesisKind:
    """StreamKind for Kinesis data streams: partitions are shard ids (str), offsets sequence numbers (int,
    up to 128 bits), lineage through `adapter(...).parents` and `lineage`."""

    stream_type: StreamType | None = StreamType.__members__.get("KINESIS")

    def validate_spec(self, spec: SupervisorSpec, violations: Violations, field_prefix: str = "spec") -> None:
        settings.validate_spec(spec, violations, field_prefix)

    def applicable_defaults(self, server_defaults: Mapping[str, str]) -> dict[str, str]:
        return settings.applicable_defaults(server_defaults)

    def connection_key(self, properties: Mapping[str, str]) -> Hashable:
        return settings.connection_key(properties)

    def adapter(self, properties: Mapping[str, str], timeout_s: float) -> StreamAdapter:
        from streamvisor.streams.kinesis.adapter import KinesisStreamAdapter

        return KinesisStreamAdapter(properties, timeout_s)

    def task_group(self, partition: Partition, task_count: int) -> int:
        assert isinstance(partition, str), partition
        return shard_task_group(partition, task_count)

    def reader_available(self) -> bool:
        return importlib.util.find_spec("boto3") is not None

    def open_reader(self, task: ReaderTask, start: Mapping[Partition, Offset]) -> TaskReader:
        from streamvisor.streams.kinesis.reader import KinesisReader

        return KinesisReader(task, start)  # type: ignore[arg-type]  # Kinesis partitions are shard ids
