"""Shard lineage: the rules for streams whose partitions split and merge (Kinesis). Pure: no I/O
(tests/unit/test_lineage.py).

A resharding closes a parent shard and opens children: a split closes one shard and opens two, a merge
closes two adjacent shards (the parent and the adjacent parent) and opens one. A key's records are in the
parent up to the close and in a child after it, so per-key order holds only if a child is read after all
its parents are read to their ends - the rule of the KCL's lease table (a child waits for its parents'
SHARD_END checkpoints) and of Flink's Kinesis source (its SplitTracker assigns a child only when all its
parents have finished).

Offsets are the streams' sequence numbers as Python ints (Kinesis': up to 129 decimal digits), and a checkpoint is
the *next* offset to read, as for every kind. Sequence numbers are sparse: "offset + 1" is usually not a
record. The extents (ShardExtent) are what the adapter found by reading; why those values are exact is
argued in streamvisor/streams/kinesis/__init__.py and docs/kinesis.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable, Mapping

from streamvisor.domain.model import OffsetRange
from streamvisor.domain.offsets import BackfillPlan, OffsetChange, OffsetsView, PartitionView

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


@dataclass(frozen=True)
class ReadingSet:
    """What a supervisor of a stream with lineage reads now (`reading_set`).

    partitions: the leasable shards, in topological order: not finished, every parent finished.
    starts: of those, the shards with no checkpoint that descend from a shard the supervisor checkpointed:
        they are read from their start (their records follow their parents' in key order), never from the
        latest - that would skip what was written to them since their parents closed.
    expired_parents: parents of leasable shards that the supervisor checkpointed and the stream no longer
        lists: retention took them, from their checkpoints on. Reported, never skipped silently."""

    partitions: tuple[int, ...]
    starts: dict[int, int]
    expired_parents: tuple[int, ...] = ()


def reading_set(shards: Mapping[int, Shard], closed_ends: Mapping[int, int], checkpoints: Mapping[int, int],
                from_earliest: bool, bounds: Mapping[int, int] | None = None) -> ReadingSet:
    """The leasing rule for one supervisor (the KCL's and Flink's): a shard may be leased once all its
    parents are finished.

    Unbounded supervisor. A closed shard is finished when its checkpoint reached its end (`closed_ends`:
    one past its last record). A closed shard the supervisor never checkpointed and that descends from
    none of its checkpointed shards is not its past when it starts at the latest offsets
    (from_earliest=False), so it counts as finished; from the earliest it is read like any other.
    Bounded supervisor (a backfill; `bounds`: shard -> end of its range): only the bounded shards are read;
    one is finished when its checkpoint reached its bound, and shards outside the bounds count as finished
    (they were read before the reset, or are the live supervisor's).
    A parent that is no longer listed expired with what it held: it does not block its children."""
    if bounds is not None:
        done = {s for s in shards if s not in bounds or checkpoints.get(s, shards[s].start) >= bounds[s]}
        order = [s for s in leasable(shards, done) if s in bounds]
        unlisted = sorted(s for s in bounds if s not in shards and checkpoints.get(s, 0) < bounds[s])
        return ReadingSet(tuple(order + unlisted), {})
    descending = descendants(shards, checkpoints)
    done = set()
    for s, shard in shards.items():
        if not shard.closed:
            continue
        if s in checkpoints:
            if s in closed_ends and checkpoints[s] >= closed_ends[s]:
                done.add(s)
        elif not from_earliest and s not in descending:
            done.add(s)
    order = leasable(shards, done)
    starts = {s: shards[s].start for s in order if s not in checkpoints and s in descending}
    expired = sorted({p for s in order for p in shards[s].parents if p not in shards and p in checkpoints})
    return ReadingSet(tuple(order), starts, tuple(expired))


def lineage_offsets_view(bounds: Mapping[int, OffsetRange] | None, from_earliest: bool,
                         checkpoints: Mapping[int, int], shards: Mapping[int, Shard],
                         extents: Mapping[int, ShardExtent]) -> OffsetsView:
    """GetOffsets of a supervisor of a stream with lineage: every listed shard, open and closed, with its
    parents, plus every checkpointed shard the stream no longer lists (expired: retention took it whole).

    Lag. Sequence numbers are sparse, so `latest - checkpoint` counts no records: lag is 0, and `behind`
    says whether records are ahead of the (effective) checkpoint - the position is below the shard's end.
    Counting them would mean reading them. Bounded progress counts shards likewise: done = the bounded
    shards read to their bounds, total = the bounded shards. `bounds`: a bounded supervisor's ranges."""
    rows = []
    for s in sorted(set(shards) | set(checkpoints)):
        cp = checkpoints.get(s)
        bound = bounds.get(s) if bounds is not None else None
        if s not in shards:
            # Left the listing: its records are gone from the checkpoint on (an upper bound, reported).
            rows.append(PartitionView(s, cp, cp or 0, cp or 0, 0, bound, False, (), True, True, False))
            continue
        shard, extent = shards[s], extents[s]
        if bound is not None:
            position = bound.start if cp is None else cp
            behind = position < bound.end
        else:
            position = cp if cp is not None else (extent.earliest if from_earliest else extent.end)
            behind = position < extent.end
        beyond = cp is not None and cp > extent.end
        rows.append(PartitionView(s, cp, extent.earliest, extent.end, 0, bound, beyond, shard.parents,
                                  shard.closed, extent.expired, behind and not beyond))
    done = total = 0
    if bounds is not None:
        total = len(bounds)
        done = sum(1 for s, r in bounds.items() if checkpoints.get(s, r.start) >= r.end)
    return OffsetsView(rows, 0, done, total)


@dataclass(frozen=True)
class LineageBackfill:
    """plan_reset_to_latest as ResetToLatestAndBackfill writes it (`lineage_backfill`).

    plan: the live supervisor's new checkpoints and changes, the backfill ranges, the unrecoverable ranges
        (a shard that left the listing is [checkpoint, checkpoint): its end is unknown - see `gone`).
    live_partitions: what the live supervisor reads afterwards: the open shards.
    backfill_partitions: what the backfill reads first: its shards with no parent inside it.
    gone: checkpointed shards the stream no longer lists (retention took them whole, from the checkpoint).
    beyond_end: checkpointed shards whose checkpoint is past the shard's end: the caller refuses."""

    plan: BackfillPlan
    live_partitions: tuple[int, ...]
    backfill_partitions: tuple[int, ...]
    gone: tuple[int, ...]
    beyond_end: tuple[int, ...]


def lineage_backfill(shards: Mapping[int, Shard], extents: Mapping[int, ShardExtent],
                     checkpoints: Mapping[int, int]) -> LineageBackfill:
    """ResetToLatestAndBackfill on a resharded stream.

    Where the reset point of an open shard is: `extents[s].end`, one past the newest record the adapter
    read when it read the shard to its tip (streams/kinesis/__init__.py, docs/kinesis.md). Every record
    that existed then is below it, and every later one at or above it, since sequence numbers increase
    within a shard. Why the backfill's bound is exact: `end - 1` is a record, so the backfill's reader is
    done the moment it hands that record out, and the live supervisor restarts AFTER_SEQUENCE_NUMBER(end
    - 1): the first record it reads is the first one after the reset point. Nothing twice, nothing between.

    The live supervisor moves to the reset point of every open shard (never backwards); its closed shards
    that the backfill takes over are set to their ends (finished for it), so its open shards are leasable
    at once; checkpointed shards that left the listing are dropped from it (reported unrecoverable)."""
    reset = plan_reset_to_latest(shards, extents, checkpoints)
    covered = set(checkpoints) | descendants(shards, checkpoints)
    new: dict[int, int | None] = dict(reset.restart)
    for s in covered:
        if s in shards and shards[s].closed:
            new[s] = max(checkpoints.get(s, extents[s].end), extents[s].end)
    gone = tuple(sorted(s for s in checkpoints if s not in shards))
    for s in gone:
        new[s] = None
    changes = [OffsetChange(s, checkpoints.get(s), new[s]) for s in sorted(new)
               if checkpoints.get(s) != new[s] or s in checkpoints]
    ranges = [OffsetRange(r.shard, r.start, r.end) for r in reset.backfill]
    lost = [OffsetRange(u.shard, u.start, u.end if u.end is not None else u.start) for u in reset.unrecoverable]
    plan = BackfillPlan(ranges, lost, new, changes)  # type: ignore[arg-type]  # None deletes a gone shard's row
    bounds = {r.partition: r.end for r in ranges}
    starts = {r.partition: r.start for r in ranges}
    backfill_first = reading_set(shards, {}, starts, True, bounds).partitions if ranges else ()
    live = tuple(sorted(s for s, shard in shards.items() if not shard.closed))
    return LineageBackfill(plan, live, backfill_first, gone, tuple(reset.beyond_end))
