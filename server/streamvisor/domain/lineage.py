"""Shard lineage: the rules for streams whose partitions split and merge (Kinesis). Pure: no I/O
(tests/unit/test_lineage.py).

A resharding closes a parent shard and opens children: a split closes one shard and opens two, a merge
closes two adjacent shards (the parent and the adjacent parent) and opens one. A key's records are in the
parent up to the close and in a child after it, so per-key order holds only if a child is read after all
its parents are read to their ends - the rule of the KCL's lease table (a child waits for its parents'
SHARD_END checkpoints) and of Flink's Kinesis source (its SplitTracker assigns a child only when all its
parents have finished).

Offsets are the streams' sequence numbers as Python ints (Kinesis': up to 128 bits), and a checkpoint is
the *next* offset to read, as for every kind. Sequence numbers are sparse: "offset + 1" is usually not a
record. The extents (ShardExtent) are what the adapter found by reading; why those values are exact is
argued in streamvisor/streams/kinesis/__init__.py and docs/kinesis.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable, Mapping

# Kinesis' clock and ours differ: a shard counts as younger than the retention period only with this
# much to spare (see untrimmed_shards).
CLOCK_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class Shard:
    """A shard as the stream lists it: its parents (after a split one, after a merge the parent and the
    adjacent parent), the first sequence number it can hold, and whether it is closed (resharded away:
    nothing more will ever be written to it)."""

    id: str
    parents: tuple[str, ...]
    start: int
    closed: bool


@dataclass(frozen=True)
class ShardExtent:
    """What reading a shard found.

    earliest: the first offset still retained - the shard's start when retention removed nothing from
        it, else the first retained record's sequence number (or `end` if no record is retained).
    end: one past the last record - for a closed shard its final end; for an open shard the reset point
        at the moment of the read (every record written afterwards has a sequence number >= end). `start`
        for a shard that holds no record.
    expired: whether retention may have removed records from the start of the shard (earliest > start
        then, unless nothing was retained at all)."""

    earliest: int
    end: int
    expired: bool = False


@dataclass(frozen=True)
class ShardRange:
    """[start, end) of one shard, to be read by a bounded supervisor (a backfill)."""

    shard: str
    start: int
    end: int


@dataclass(frozen=True)
class Unrecoverable:
    """A range that retention took before it was read: [start, end), end None when the whole shard left
    the stream's listing (everything from `start` to its unknown end is gone). Reported, never skipped.
    Because sequence numbers are sparse, the range is an upper bound: it may hold no record at all."""

    shard: str
    start: int
    end: int | None


@dataclass(frozen=True)
class ResetPlan:
    """What ResetToLatestAndBackfill does on a resharded stream.

    restart: the live supervisor's new checkpoints - every open shard at its reset point (never below a
        checkpoint it already has).
    backfill: the ranges the backfill reads, parents before children (topological order).
    backfill_parents: per backfill shard, its parents that are in the backfill too: it may be leased only
        once those are read to their ends. (Parents outside the backfill were already read.)
    unrecoverable: what retention took from the backfilled ranges.
    uncovered: open shards the supervisor never checkpointed and that descend from none of its
        checkpointed shards: the live supervisor starts them at the reset point, and nothing of their past
        is claimed by the backfill.
    beyond_end: checkpointed shards whose checkpoint is past the shard's end (the stream was recreated
        under the same name, or the checkpoint was set by hand): the caller refuses, as for other kinds."""

    restart: dict[str, int]
    backfill: tuple[ShardRange, ...]
    backfill_parents: dict[str, tuple[str, ...]]
    unrecoverable: tuple[Unrecoverable, ...] = ()
    uncovered: tuple[str, ...] = ()
    beyond_end: tuple[str, ...] = field(default_factory=tuple)


def topological_order(shards: Mapping[str, Shard]) -> list[str]:
    """Every listed shard, each after its listed parents; ties by shard id (stable across calls).
    Parents that are no longer listed (expired) impose nothing."""
    children: dict[str, list[str]] = {s: [] for s in shards}
    waiting = {}
    for shard in shards.values():
        listed = [p for p in shard.parents if p in shards]
        waiting[shard.id] = len(listed)
        for parent in listed:
            children[parent].append(shard.id)
    ready = sorted(s for s, n in waiting.items() if n == 0)
    order: list[str] = []
    while ready:
        current = ready.pop(0)
        order.append(current)
        for child in children[current]:
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
        ready.sort()
    if len(order) != len(shards):
        raise ValueError(f"shard lineage has a cycle among {sorted(set(shards) - set(order))}")
    return order


def descendants(shards: Mapping[str, Shard], roots: Iterable[str]) -> set[str]:
    """The listed shards that descend from any of `roots` (the roots themselves excluded)."""
    children: dict[str, list[str]] = {}
    for shard in shards.values():
        for parent in shard.parents:
            children.setdefault(parent, []).append(shard.id)
    found: set[str] = set()
    stack = list(roots)
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def finished_shards(shards: Mapping[str, Shard], extents: Mapping[str, ShardExtent],
                    checkpoints: Mapping[str, int]) -> set[str]:
    """Closed shards read to their ends: the checkpoint reached the end."""
    return {s for s, shard in shards.items()
            if shard.closed and s in checkpoints and s in extents and checkpoints[s] >= extents[s].end}


def leasable(shards: Mapping[str, Shard], finished: Iterable[str]) -> list[str]:
    """The shards that may be read now, in topological order: not finished, and every parent finished.
    A parent that is no longer listed expired out of the stream with whatever it held (retention), so it
    cannot block its children; what it took is reported by plan_reset_to_latest / the caller, never
    skipped silently."""
    done = set(finished)
    return [s for s in topological_order(shards)
            if s not in done and all(p in done or p not in shards for p in shards[s].parents)]


def untrimmed_shards(shards: Mapping[str, Shard], stream_created: datetime,
                     last_arrivals: Mapping[str, datetime], now: datetime, retention: timedelta) -> set[str]:
    """The shards from which retention cannot have removed anything.

    Kinesis removes records older than the retention period, and says nothing about what it removed; a
    shard's first record is not listed anywhere, and sequence numbers are sparse, so "the first retained
    record is above the shard's start" proves nothing. What does: a lower bound on the arrival time of the
    shard's first record that is younger than the retention period. Such a bound is the stream's creation
    time for any shard, and for a child the arrival of any record of its parents (a child's records all
    arrive after its parents closed), taken transitively. `last_arrivals` holds, per shard, the arrival
    time of its last record, where one was read."""
    cutoff = now - retention + CLOCK_MARGIN
    bound: dict[str, datetime] = {}
    for s in topological_order(shards):
        candidates = [stream_created]
        for parent in shards[s].parents:
            if parent in bound:
                candidates.append(bound[parent])
            if parent in last_arrivals:
                candidates.append(last_arrivals[parent])
        bound[s] = max(candidates)
    return {s for s, first_arrival_bound in bound.items() if first_arrival_bound > cutoff}


def plan_reset_to_latest(shards: Mapping[str, Shard], extents: Mapping[str, ShardExtent],
                         checkpoints: Mapping[str, int]) -> ResetPlan:
    """ResetToLatestAndBackfill on a (possibly) resharded stream: the live supervisor moves to the reset
    point of every open shard; the backfill reads each checkpointed shard from its checkpoint to its end
    (the reset point if it is still open) and every descendant of a checkpointed shard from its start,
    parents before children. What retention took is unrecoverable: reported, and the range starts after
    it. `extents` must hold every listed shard."""
    missing = [s for s in shards if s not in extents]
    if missing:
        raise ValueError(f"no extent for shards {missing}")
    covered = {s for s in checkpoints if s in shards} | descendants(shards, checkpoints)
    unrecoverable: list[Unrecoverable] = []
    beyond_end: list[str] = []
    for s, checkpoint in sorted(checkpoints.items()):
        if s not in shards:
            # The shard left the listing: retention took it whole, from the checkpoint on. (Kinesis lists
            # a closed shard for the retention period after it closed.)
            unrecoverable.append(Unrecoverable(s, checkpoint, None))

    ranges: list[ShardRange] = []
    for s in topological_order(shards):
        if s not in covered:
            continue
        extent = extents[s]
        start = checkpoints.get(s, shards[s].start)
        if start > extent.end:
            beyond_end.append(s)
            continue
        if start < extent.earliest:
            unrecoverable.append(Unrecoverable(s, start, extent.earliest))
            start = extent.earliest
        if start < extent.end:
            ranges.append(ShardRange(s, start, extent.end))

    in_backfill = {r.shard for r in ranges}
    backfill_parents = {r.shard: tuple(p for p in shards[r.shard].parents if p in in_backfill) for r in ranges}
    restart = {}
    uncovered = []
    for s, shard in shards.items():
        if shard.closed:
            continue
        restart[s] = max(checkpoints.get(s, extents[s].end), extents[s].end)
        if s not in covered:
            uncovered.append(s)
    return ResetPlan(restart=dict(sorted(restart.items())), backfill=tuple(ranges),
                     backfill_parents=backfill_parents, unrecoverable=tuple(unrecoverable),
                     uncovered=tuple(sorted(uncovered)), beyond_end=tuple(beyond_end))
