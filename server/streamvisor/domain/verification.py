"""`streamvisor verify`: the destination as read against the published segments. Pure.

Exactly once for readers means: every record of every published range is in the destination exactly
once, no record is outside them, every published segment's data is where its location says, and nothing
is there that is not a published segment.

Not every offset holds a record: under `read_committed` a Kafka transaction's marker, and every record of an
aborted transaction, take an offset that no reader is given (so do records a compacted topic's cleaner
removed, and RabbitMQ's offset-tracking entries). Only the writer saw which: it publishes a segment with
`record_count` below its ranges' size. Those offsets are counted as skipped, up to that difference, instead
of missing. A record lost from the destination still shows: its segment then holds fewer records than its
writer published."""
from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Sequence

Partition = int | str


@dataclass(frozen=True)
class PublishedSegment:
    location: str
    ranges: tuple[tuple[Partition, int, int], ...]  # (partition, start, end), half-open
    record_count: int


@dataclass
class PartitionCheck:
    partition: Partition
    expected: int = 0  # records published: offsets in the union of published ranges, less the skipped
    found: int = 0  # records read
    missing: int = 0  # expected offsets not found
    skipped: int = 0  # offsets their segment's writer published as holding no record (found nowhere either)
    duplicated: int = 0  # extra copies of offsets found more than once
    unexpected: int = 0  # records outside every published range

    @property
    def ok(self) -> bool:
        return not (self.missing or self.duplicated or self.unexpected)


@dataclass
class Verification:
    partitions: list[PartitionCheck] = field(default_factory=list)
    # Published segments with records whose location holds none of them (file missing, or emptied).
    missing_segments: list[str] = field(default_factory=list)
    # Places holding records that are no published segment's location (a stray file, a leftover).
    unexpected_places: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.partitions) and not self.missing_segments and not self.unexpected_places


def _merged(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for start, end in sorted(r for r in ranges if r[1] > r[0]):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(a, b) for a, b in out]


def _order(partition: Partition) -> tuple:
    return (0, partition, "") if isinstance(partition, int) else (1, 0, str(partition))


def verify(segments: Sequence[PublishedSegment], found: Iterable[tuple[Partition, int, str]]) -> Verification:
    """One rule for every kind: Kinesis sequence numbers are sparse (a range of a million offsets may hold
    three records), which is the skipped offsets of Kafka's transactions on a larger scale."""
    found = list(found)
    published: dict[Partition, list[tuple[int, int]]] = defaultdict(list)
    for s in segments:
        for partition, start, end in s.ranges:
            published[partition].append((start, end))
    offsets: dict[Partition, list[int]] = defaultdict(list)
    places: set[str] = set()
    for partition, offset, where in found:
        offsets[partition].append(offset)
        places.add(where)
    result = Verification()
    for values in offsets.values():
        values.sort()
    skipped = _skipped(segments, offsets)
    for partition in sorted(set(published) | set(offsets), key=_order):
        ranges = _merged(published.get(partition, []))
        check = PartitionCheck(partition, expected=sum(b - a for a, b in ranges))
        values = offsets.get(partition, [])
        check.found = len(values)
        i, covered_distinct = 0, 0
        for start, end in ranges:
            while i < len(values) and values[i] < start:
                check.unexpected += 1
                i += 1
            previous = None
            while i < len(values) and values[i] < end:
                if values[i] == previous:
                    check.duplicated += 1
                else:
                    covered_distinct += 1
                previous = values[i]
                i += 1
        check.unexpected += len(values) - i
        holes = check.expected - covered_distinct
        check.skipped = min(skipped.get(partition, 0), holes)  # claims do not overlap: a guard only
        check.expected -= check.skipped
        check.missing = holes - check.skipped
        result.partitions.append(check)
    locations = {s.location for s in segments}
    result.missing_segments = sorted(s.location for s in segments if s.record_count > 0 and s.location not in places)
    result.unexpected_places = sorted(places - locations)
    return result


def _distinct_within(values: list[int], start: int, end: int) -> int:
    """Distinct values of the sorted list in [start, end)."""
    return len(set(values[bisect_left(values, start):bisect_left(values, end)]))


def _claims(segments: Sequence[PublishedSegment]) -> list[list[tuple[Partition, int, int]]]:
    """Per segment, the parts of its ranges no other segment claimed first (by start, then publication
    order): where segments overlap (a re-read after a reset backwards), a hole is one segment's to allow
    for, or two allowances would cover one hole and the spare one hide a lost record elsewhere."""
    claims: list[list[tuple[Partition, int, int]]] = [[] for _ in segments]
    by_partition: dict[Partition, list[tuple[int, int, int]]] = defaultdict(list)
    for i, s in enumerate(segments):
        for partition, start, end in s.ranges:
            if end > start:
                by_partition[partition].append((start, i, end))
    for partition, ranges in by_partition.items():
        claimed_to = None
        for start, i, end in sorted(ranges):
            start = start if claimed_to is None else max(start, claimed_to)
            if end > start:
                claims[i].append((partition, start, end))
                claimed_to = end
    return claims


def _skipped(segments: Sequence[PublishedSegment], offsets: dict[Partition, list[int]]) -> dict[Partition, int]:
    """Per partition, the holes (offsets found nowhere) that writers published as holding no record: each
    segment allows `size - record_count` of them within what it claims, taken from its ranges in order -
    which of a multi-partition segment's holes is the record lost is not known, only how many are."""
    skipped: dict[Partition, int] = defaultdict(int)
    for s, claimed in zip(segments, _claims(segments)):
        allowance = sum(end - start for _, start, end in s.ranges if end > start) - s.record_count
        for partition, start, end in claimed:
            if allowance <= 0:
                break
            holes = (end - start) - _distinct_within(offsets.get(partition, []), start, end)
            taken = min(holes, allowance)
            skipped[partition] += taken
            allowance -= taken
    return skipped
