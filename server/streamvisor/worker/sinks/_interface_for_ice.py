"""A verbatim copy of the sink interface that `sinks/__init__.py` defines (branch seg14), so the Iceberg sink
can be written and tested before both branches land; when merging, point `iceberg.py`'s import at
`streamvisor.worker.sinks` and delete this file."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Protocol, Sequence

Partition = int | str


@dataclass(frozen=True, slots=True)
class Record:
    partition: Partition
    offset: int
    timestamp_ms: int | None
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes | None], ...] = ()


@dataclass(frozen=True, slots=True)
class SegmentInfo:            # what the sink is told about a segment
    family_id: str            # root supervisor id of the family (a backfill's source, or itself)
    supervisor_id: str
    task_id: str
    generation: int
    name: str                 # unique per segment, chosen by the worker
    ranges: tuple[tuple[Partition, int, int], ...]   # (partition, start, end) half-open


@dataclass(frozen=True, slots=True)
class StagedSegment:          # a segment found in staging by staged()
    location: str
    info: SegmentInfo | None  # None when the sink cannot tell (then it is only ever deleted if unpublished)


class Sink(Protocol):
    def stage(self, info: SegmentInfo, records: Sequence[Record]) -> str:
        """Writes durably where readers do not look; returns the location to commit (unique per segment)."""

    def publish(self, location: str, segment_id: int, info: SegmentInfo) -> None:
        """After the server accepted the commit: make it visible to readers, exactly once. Idempotent and
        safe when two workers publish the same segment concurrently."""

    def discard(self, location: str) -> None:
        """The commit was definitely rejected: remove the staged data."""

    def staged(self, task_id: str) -> list[StagedSegment]:
        """What is left in staging for that task (for the lease holder to publish or discard)."""

    def read_offsets(self, family_id: str) -> Iterator[tuple[Partition, int, str]]:
        """For verify: every record present in the destination, as (partition, offset, where)."""

    def close(self) -> None: ...
