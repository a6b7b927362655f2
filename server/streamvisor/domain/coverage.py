"""Coverage: from published segments, per partition, what was ingested - with gaps and overlaps. Pure.

This is how "nothing lost, nothing twice" is checked by anyone at any time: it reads only the segment
records that commits wrote, never a worker's word.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Iterable, Sequence, TypeVar

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


# Maintained coverage ------------------------------------------------------------------------------------
# Coverage must not cost more as history grows (DESIGN.md, "Cost"), so commits maintain what it needs: per
# supervisor and partition, its published ranges with exactly abutting ranges merged into one row. Merging
# [a, b) and [b, c) of one supervisor into [a, c) keeps, for every offset, how many times and by whom it
# was published; an overlapping range (a reset back, a second publisher) stays a row of its own. Feeding
# the rows to partition_coverage() therefore gives the same published union, gaps, published_offsets and
# overlapped offsets (with their multiplicity and supervisors) as feeding it every segment. What it cannot
# keep is where segment boundaries fell inside a merged row, so an overlap that today is cut at such a
# boundary into [5,10)+[10,15) is reported as one [5,15) (same offsets, same total, same supervisors).

K = TypeVar("K")


@dataclass(frozen=True)
class IntervalChange(Generic[K]):
    """How one published range changes a supervisor's rows of one partition."""

    update: tuple[K, OffsetRange] | None = None  # an existing row becomes this range
    insert: OffsetRange | None = None  # a new row
    delete: K | None = None  # a row merged into `update`


def absorb(neighbours: Sequence[tuple[K, OffsetRange]], new: OffsetRange) -> IntervalChange[K]:
    """Merges `new` into one supervisor's rows of its partition.

    `neighbours`: that supervisor's rows of `new.partition` that end at `new.start` or start at `new.end`
    (others may be passed; they are ignored), in a stable order (the first of several candidates wins).
    Needs no other row: only exactly abutting rows are merged, so the work and the rows read per commit do
    not depend on how much was published before.
    """
    rows = [(k, r) for k, r in neighbours if r.partition == new.partition]
    if new.size == 0:
        # Published nothing, but the partition was published to: coverage lists it. One row is enough.
        touching = any(r.end == new.start or r.start == new.start for _, r in rows)
        return IntervalChange() if touching else IntervalChange(insert=new)
    left = next(((k, r) for k, r in rows if r.end == new.start), None)
    right = next(((k, r) for k, r in rows if r.start == new.end and (left is None or k != left[0])), None)
    start = left[1].start if left else new.start
    end = right[1].end if right else new.end
    merged = OffsetRange(new.partition, start, end)
    if left is not None:
        return IntervalChange(update=(left[0], merged), delete=right[0] if right else None)
    if right is not None:
        return IntervalChange(update=(right[0], merged))
    return IntervalChange(insert=merged)


def absorb_into(rows: list[OffsetRange], new: OffsetRange) -> list[OffsetRange]:
    """absorb() over an in-memory list of one supervisor's rows of one partition (keys: list positions).
    Returns the new list; the order of surviving rows is kept, a new row goes last."""
    change = absorb(list(enumerate(rows)), new)
    result = list(rows)
    if change.update is not None:
        result[change.update[0]] = change.update[1]
    if change.delete is not None:
        result[change.delete] = None  # type: ignore[call-overload]
    if change.insert is not None:
        result.append(change.insert)
    return [r for r in result if r is not None]
