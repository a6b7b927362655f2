"""Coverage: from published segments, per partition, what was ingested - with gaps and overlaps. Pure.

This is how "nothing lost, nothing twice" is checked by anyone at any time: it reads only the segment
records that commits wrote, never a worker's word.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from streamvisor.domain.model import OffsetRange


@dataclass(frozen=True)
class Overlap:
    range: OffsetRange
    supervisor_ids: tuple[str, ...]


@dataclass(frozen=True)
class PartitionCoverage:
    partition: int
    published: list[OffsetRange]
    gaps: list[OffsetRange]
    overlaps: list[Overlap]
    published_offsets: int


def partition_coverage(partition: int, ranges: Iterable[tuple[OffsetRange, str]]) -> PartitionCoverage:
    """`ranges`: every published (range, supervisor id) of one partition, in any order."""
    items = sorted(((r, s) for r, s in ranges if r.size > 0), key=lambda item: (item[0].start, item[0].end))
    merged: list[OffsetRange] = []
    gaps: list[OffsetRange] = []
    overlaps: list[Overlap] = []
    reach = None  # the furthest end so far, and who published it
    reach_owner = ""
    for r, owner in items:
        if reach is not None and r.start < reach:
            overlaps.append(Overlap(OffsetRange(partition, r.start, min(r.end, reach)), (reach_owner, owner)))
        if not merged or r.start > merged[-1].end:
            if merged:
                gaps.append(OffsetRange(partition, merged[-1].end, r.start))
            merged.append(OffsetRange(partition, r.start, r.end))
        elif r.end > merged[-1].end:
            merged[-1] = OffsetRange(partition, merged[-1].start, r.end)
        if reach is None or r.end > reach:
            reach, reach_owner = r.end, owner
    return PartitionCoverage(partition, merged, gaps, overlaps, sum(r.size for r, _ in items))


def coverage(ranges: Iterable[tuple[OffsetRange, str]]) -> list[PartitionCoverage]:
    by_partition: dict[int, list[tuple[OffsetRange, str]]] = {}
    for r, owner in ranges:
        by_partition.setdefault(r.partition, []).append((r, owner))
    return [partition_coverage(p, by_partition[p]) for p in sorted(by_partition)]
