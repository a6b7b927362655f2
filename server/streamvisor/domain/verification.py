"""`streamvisor verify`: the destination as read against the published segments. Pure.

Exactly once for readers means: every offset of every published range is in the destination exactly
once, no record is outside them, every published segment's data is where its location says, and nothing
is there that is not a published segment."""
from __future__ import annotations

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
    expected: int = 0  # offsets in the union of published ranges
    found: int = 0  # records read
    missing: int = 0  # expected offsets not found
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


def verify(segments: Sequence[PublishedSegment], found: Iterable[tuple[Partition, int, str]],
           sparse: bool = False) -> Verification:
    """`sparse`: the stream's offsets are not one per record (Kinesis sequence numbers), so `end - start` of
    a range counts no records: each segment's records found at its location, within its ranges, are counted
    against its record_count instead, and a shortfall is missing (on the segment's first partition)."""
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
    for partition in sorted(set(published) | set(offsets), key=_order):
        ranges = _merged(published.get(partition, []))
        check = PartitionCheck(partition, expected=sum(b - a for a, b in ranges))
        values = sorted(offsets.get(partition, []))
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
        if sparse:
            check.expected, check.missing = covered_distinct, 0
        else:
            check.missing = check.expected - covered_distinct
        result.partitions.append(check)
    if sparse:
        _count_sparse(segments, found, {c.partition: c for c in result.partitions})
    locations = {s.location for s in segments}
    result.missing_segments = sorted(s.location for s in segments if s.record_count > 0 and s.location not in places)
    result.unexpected_places = sorted(places - locations)
    return result


def _count_sparse(segments: Sequence[PublishedSegment], found: list[tuple[Partition, int, str]],
                  checks: dict[Partition, PartitionCheck]) -> None:
    at: dict[str, set[tuple[Partition, int]]] = defaultdict(set)
    for partition, offset, where in found:
        at[where].add((partition, offset))
    for s in segments:
        if not s.ranges:
            continue
        inside = sum(1 for p, o in at.get(s.location, ()) if any(p == rp and a <= o < b for rp, a, b in s.ranges))
        if inside < s.record_count:
            check = checks[s.ranges[0][0]]
            check.missing += s.record_count - inside
            check.expected += s.record_count - inside
