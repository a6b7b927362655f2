"""Amazon Kinesis' StreamKind. boto3 loads on first use (adapter, open_reader), never before.

Partitions are ints inside, as for every kind: shard "shardId-000000000004" is partition 4 (shards.py; an
id of another form is refused with UNSUPPORTED_SHARD_ID, never mis-mapped). Offsets are sequence numbers,
Python ints of up to 129 decimal digits. The task group of a shard is its number modulo task_count: shards are
numbered as they are created, so the open shards after a resharding spread evenly, and per-key order does
not depend on groups - a child is leased only after its parents finished (domain.lineage, app/leasing.py).
"""
from __future__ import annotations

import importlib.util
from typing import Any, Hashable, Mapping

from streamvisor.domain.errors import Violations
from streamvisor.domain.model import StreamType, SupervisorSpec
from streamvisor.domain.ports import (
    Offset, Partition, ReaderTask, Record, StreamAdapter, TaskReader, modulo_task_group,
)
from streamvisor.streams.kinesis import settings
from streamvisor.streams.kinesis.shards import SHARD_ID_PATTERN, shard_id, shard_number

__all__ = ["KinesisKind", "NumberedReader", "SHARD_ID_PATTERN", "task_bounds"]


class KinesisKind:
    """StreamKind for Kinesis data streams: partitions are shard numbers, offsets sequence numbers (int, up
    to 129 decimal digits), lineage through the adapter's `lineage` (has_lineage)."""

    stream_type = StreamType.KINESIS
    # Shards split and merge: the scheduler leases only shards whose parents are finished (app/leasing.py).
    has_lineage = True

    def validate_spec(self, spec: SupervisorSpec, violations: Violations, field_prefix: str = "spec") -> None:
        settings.validate_spec(spec, violations, field_prefix)

    def applicable_defaults(self, server_defaults: Mapping[str, str]) -> dict[str, str]:
        return settings.applicable_defaults(server_defaults)

    def connection_key(self, properties: Mapping[str, str]) -> Hashable:
        return settings.connection_key(properties)

    def adapter(self, properties: Mapping[str, str], timeout_s: float) -> StreamAdapter[int, int]:
        from streamvisor.streams.kinesis.partitions import KinesisPartitions

        return KinesisPartitions(properties, timeout_s)

    def task_group(self, partition: Partition, task_count: int) -> int:
        assert isinstance(partition, int), partition
        return modulo_task_group(partition, task_count)

    # Sequence numbers are unbounded for the control plane (the API allows 129 digits; real ones have 56).
    max_offset: int | None = None

    def partition_name(self, partition: int) -> str:
        return shard_id(partition)

    def parse_partition(self, name: str) -> int:
        """A `partition_id` is a shard id (shardId-000000000004 -> 4); ValueError for anything else."""
        if SHARD_ID_PATTERN.match(name) is None:
            raise ValueError(f"must be a Kinesis shard id (shardId-<digits>), got {name[:64]!r}")
        return int(name.removeprefix("shardId-"))

    def reader_available(self) -> bool:
        return importlib.util.find_spec("boto3") is not None

    def open_reader(self, task: ReaderTask, start: Mapping[Partition, Offset]) -> TaskReader:
        from streamvisor.streams.kinesis.reader import KinesisReader

        return NumberedReader(KinesisReader(task, {shard_id(int(p)): o for p, o in start.items()}, task_bounds(task)))


def task_bounds(task: ReaderTask) -> dict[str, int]:
    """A bounded task's ends by shard id (TaskService's Task carries them), so that the reader stops at a
    backfill's bound. Exact: a sequence number does not fit the int64 `end_offset` (0 then), only its
    `end_offset_decimal` sibling - a bound of 0 would end every shard before its first record."""
    bounds = {}
    for p in getattr(task, "partitions", ()):
        if p.HasField("end_offset_decimal"):
            bounds[shard_id(p.partition)] = int(p.end_offset_decimal)
        elif p.HasField("end_offset"):  # a server older than the decimal fields
            bounds[shard_id(p.partition)] = p.end_offset
    return bounds


class NumberedReader(TaskReader):
    """A KinesisReader (shard ids) as the worker sees every reader: partitions are shard numbers."""

    def __init__(self, reader: Any):
        self.reader = reader

    def poll(self, timeout_s: float) -> list[Record]:
        return [r._replace(partition=shard_number(r.partition)) for r in self.reader.poll(timeout_s)]

    def positions(self, partitions: list[Partition]) -> dict[Partition, Offset]:
        found = self.reader.positions([shard_id(int(p)) for p in partitions])
        return {shard_number(s): o for s, o in found.items()}

    def finished(self) -> set[int]:
        """The shards read to their ends (closed) or to their bounds: the worker commits them promptly, so
        that their checkpoints reach their ends and their children become leasable."""
        return {shard_number(s) for s in self.reader.finished()}

    def children(self) -> dict[int, tuple[int, ...]]:
        return {shard_number(s): tuple(shard_number(c) for c in cs) for s, cs in self.reader.children().items()}

    def close(self) -> None:
        self.reader.close()
