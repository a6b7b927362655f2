"""Offset arithmetic: lag, the three reset plans and the checkpoint compare-and-swap rule. Pure.

Offsets here are always the *next* offset to read (Kafka's convention, and bytewax's snapshot rule):
a checkpoint of 10 means offsets 0..9 are published.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, NamedTuple

from streamvisor.domain.errors import (
    Conflict, FailedPrecondition, FieldViolation, InvalidArgument, OutOfRange, Violations,
)
from streamvisor.domain.model import OffsetRange, Supervisor, SupervisorSpec, SupervisorState


@dataclass(frozen=True)
class OffsetChange:
    partition: int
    before: int | None
    after: int | None


class PartitionView(NamedTuple):
    """One partition of GetOffsets. A NamedTuple (immutable, like the frozen dataclass it was): GetOffsets
    builds 1,000 of them per call, and a frozen dataclass's __init__ (object.__setattr__ per field) was
    most of offsets_view's 2 ms."""

    partition: int
    checkpoint: int | None
    earliest: int
    latest: int
    lag: int
    bound: OffsetRange | None
    # The checkpoint is past what the stream holds: the topic was recreated or truncated. A fault, not lag.
    beyond_latest: bool = False
    # Streams with lineage (Kinesis; domain.lineage.lineage_offsets_view): the shard's parents, whether it is
    # closed, whether retention may have taken records from it (or it left the listing), and whether
    # records are ahead of the checkpoint (lag is 0 there: a sequence-number distance counts no records).
    parents: tuple[int, ...] = ()
    closed: bool = False
    expired: bool = False
    behind: bool = False


@dataclass(frozen=True)
class OffsetsView:
    partitions: list[PartitionView]
    total_lag: int
    bounded_done: int
    bounded_total: int

    @property
    def faults(self) -> list["CheckpointFault"]:
        return [CheckpointFault(r.partition, r.checkpoint, r.latest) for r in self.partitions
                if r.beyond_latest and r.checkpoint is not None]


@dataclass(frozen=True, order=True)
class CheckpointFault:
    """A partition whose checkpoint is beyond the stream's latest offset.

    A checkpoint is the next offset after records that were published, so a stream that still holds them
    has latest >= checkpoint - provided the checkpoint was read *before* latest (a commit landing between
    the two reads could otherwise pass a latest read earlier). Anything else means the stream under the
    supervisor is not the one it ingested: deleted and recreated, or truncated. Reading on from the
    checkpoint would silently skip the new records below it; calling it lag 0 would hide that.
    """

    partition: int
    checkpoint: int
    latest: int


def checkpoint_faults(partitions, checkpoints: Mapping[int, int], latest: Mapping[int, int]) -> list[CheckpointFault]:
    """The partitions whose checkpoint (read before `latest`) is beyond `latest`."""
    return [CheckpointFault(p, checkpoints[p], latest[p]) for p in partitions
            if p in checkpoints and p in latest and checkpoints[p] > latest[p]]


CHECKPOINT_BEYOND_LATEST = "CHECKPOINT_BEYOND_LATEST"


def fault_detail(faults: list[CheckpointFault], limit: int = 5) -> str:
    """The UNHEALTHY state_detail: the reason first (machines match on it), then the partitions."""
    shown = ", ".join(f"partition {f.partition} checkpoint {f.checkpoint} > latest {f.latest}"
                      for f in sorted(faults)[:limit])
    more = f" and {len(faults) - limit} more" if len(faults) > limit else ""
    return f"{CHECKPOINT_BEYOND_LATEST}: {shown}{more}"


def checkpoint_beyond_latest_error(supervisor_id: str, faults: list[CheckpointFault]) -> FailedPrecondition:
    first = min(faults)
    return FailedPrecondition(
        CHECKPOINT_BEYOND_LATEST,
        f"supervisor {supervisor_id!r}: {fault_detail(faults)[len(CHECKPOINT_BEYOND_LATEST) + 2:]}; the stream "
        "was recreated or truncated under it. Nothing was changed: reset the named partitions with "
        "ResetOffsets (or ResetSupervisor) once you have decided where to read from",
        {"supervisor_id": supervisor_id, "partitions": ",".join(str(f.partition) for f in sorted(faults)[:100]),
         "partition": first.partition, "checkpoint": first.checkpoint, "latest": first.latest})


def offsets_view(
    supervisor: Supervisor,
    checkpoints: Mapping[int, int],
    earliest: Mapping[int, int],
    latest: Mapping[int, int],
) -> OffsetsView:
    rows = []
    done = total = 0
    spec = supervisor.spec
    bounded, from_earliest = spec.is_bounded, spec.use_earliest_offset
    for p in supervisor.partitions:
        cp = checkpoints.get(p)
        beyond = cp is not None and cp > latest[p]
        bound = spec.bound_of(p) if bounded else None
        if bound is not None:
            position = bound.start if cp is None else cp
            lag = max(0, bound.end - position)
            done += max(0, min(position, bound.end) - bound.start)
            total += bound.size
        else:
            if cp is not None:
                position = cp
            else:
                position = earliest[p] if from_earliest else latest[p]
            lag = max(0, latest[p] - position)
        rows.append(PartitionView(p, cp, earliest[p], latest[p], lag, bound, beyond))
    return OffsetsView(rows, sum(r.lag for r in rows), done, total)


@dataclass(frozen=True)
class ResetPlan:
    """Checkpoints to write (None = clear) and the table an operator sees."""

    new_checkpoints: dict[int, int | None]
    changes: list[OffsetChange]


def plan_hard_reset(supervisor: Supervisor, checkpoints: Mapping[int, int]) -> ResetPlan:
    """Clear every checkpoint; a bounded supervisor goes back to the start of its ranges."""
    new: dict[int, int | None] = {}
    for p in supervisor.partitions:
        bound = supervisor.spec.bound_of(p)
        new[p] = bound.start if bound is not None else None
    changes = [OffsetChange(p, checkpoints.get(p), new[p]) for p in supervisor.partitions
               if checkpoints.get(p) != new[p] or p in checkpoints]
    return ResetPlan(new, changes)


def plan_offset_reset(
    supervisor: Supervisor,
    checkpoints: Mapping[int, int],
    targets: Mapping[int, int],
    earliest: Mapping[int, int],
    latest: Mapping[int, int],
    target_fields: Mapping[int, str],
) -> ResetPlan:
    """Move the targeted partitions; reject any target outside what the stream (or the bound) holds."""
    violations = Violations()
    meta: dict[str, object] = {}
    only_ahead = True  # every bad target is past what the stream holds yet: waiting can fix the request
    for p, offset in sorted(targets.items()):
        low, high = earliest[p], latest[p]
        bound = supervisor.spec.bound_of(p)
        if bound is not None:
            low, high = max(low, bound.start), min(high, bound.end)
        if not low <= offset <= high:
            violations.add(
                target_fields[p],
                f"partition {p}: offset {offset} is outside [{low}, {high}]",
            )
            meta = meta or {"partition": p, "offset": offset, "earliest": low, "latest": high}
            only_ahead = only_ahead and offset > latest[p] and (bound is None or offset <= bound.end)
    if violations.items:
        error = OutOfRange if only_ahead else InvalidArgument
        raise error(violations.items, reason="OFFSET_OUT_OF_RANGE", metadata=meta)
    new = {p: targets[p] for p in sorted(targets)}
    return ResetPlan(dict(new), [OffsetChange(p, checkpoints.get(p), o) for p, o in new.items()])


@dataclass(frozen=True)
class BackfillPlan:
    """The outcome of ResetToLatestAndBackfill, computed from checkpoints read under the row lock."""

    backfill_ranges: list[OffsetRange]
    unrecoverable_ranges: list[OffsetRange]
    new_checkpoints: dict[int, int]
    changes: list[OffsetChange] = field(default_factory=list)


def plan_backfill(
    partitions: tuple[int, ...],
    checkpoints: Mapping[int, int],
    earliest: Mapping[int, int],
    latest: Mapping[int, int],
) -> BackfillPlan:
    """Per partition: backfill [checkpoint, latest), move the live supervisor to max(checkpoint, latest).

    - A checkpoint already at or past `latest` (a commit landed after latest was read) is kept: offsets
      never move backwards, and that partition gets no backfill range - so nothing is read twice.
    - A checkpoint below the earliest retained offset cannot be backfilled in full: [checkpoint,
      earliest) is reported as unrecoverable and the backfill starts at earliest - never silently.
    - A partition with no checkpoint was never leased, so nothing was promised for it: it starts at
      latest with no backfill.
    """
    ranges: list[OffsetRange] = []
    lost: list[OffsetRange] = []
    new: dict[int, int] = {}
    changes: list[OffsetChange] = []
    for p in partitions:
        cp = checkpoints.get(p)
        lat, ear = latest[p], earliest[p]
        if cp is None:
            new[p] = lat
        elif cp >= lat:
            new[p] = cp
        else:
            start = cp
            if cp < ear:
                lost.append(OffsetRange(p, cp, min(ear, lat)))
                start = min(ear, lat)
            if start < lat:
                ranges.append(OffsetRange(p, start, lat))
            new[p] = lat
        changes.append(OffsetChange(p, cp, new[p]))
    return BackfillPlan(ranges, lost, new, changes)


def range_shape_violations(ranges: list[OffsetRange], violations: Violations) -> None:
    """What is wrong with a commit's ranges on their own: empty, negative, reversed, repeated partitions."""
    if not ranges:
        violations.add("ranges", "must not be empty")
    seen: set[int] = set()
    for i, r in enumerate(ranges):
        if r.partition in seen:
            violations.add(f"ranges[{i}].partition", f"partition {r.partition} appears more than once")
        seen.add(r.partition)
        if r.start < 0:
            violations.add(f"ranges[{i}].start_offset", "must be >= 0")
        if r.end < r.start:
            violations.add(f"ranges[{i}].end_offset", f"must be >= start_offset ({r.start})")


def validate_commit(
    supervisor: Supervisor,
    task_generation: int,
    ranges: list[OffsetRange],
    checkpoints: Mapping[int, int],
    task_starts: Mapping[int, int] | None = None,
) -> dict[int, int]:
    """The compare-and-swap rule of CommitCheckpoint; returns the checkpoints to write.

    Accepts only if the task's generation is the supervisor's, every range starts exactly at the stored
    checkpoint (or, for a partition never checkpointed, at the start the task was leased with), and a
    bounded supervisor's ranges stay within their bound. Anything else rejects the whole commit.
    """
    shape = Violations()
    range_shape_violations(ranges, shape)
    readable = set(supervisor.partitions)
    for i, r in enumerate(ranges):
        if r.partition not in readable:
            shape.add(f"ranges[{i}].partition", f"partition {r.partition} is not read by {supervisor.id}")
    shape.raise_if_any()
    if task_generation != supervisor.generation:
        raise Conflict(
            "GENERATION_MISMATCH",
            f"task generation {task_generation} is not supervisor {supervisor.id!r}'s generation "
            f"{supervisor.generation}: the output was fenced by a reset or update",
            {"supervisor_id": supervisor.id, "task_generation": task_generation,
             "supervisor_generation": supervisor.generation},
        )
    if supervisor.state.is_terminal:
        raise FailedPrecondition(
            "INVALID_STATE", f"supervisor {supervisor.id!r} is {supervisor.state.value}; nothing more is published",
            {"supervisor_id": supervisor.id, "state": supervisor.state.value, "action": "COMMIT",
             "allowed_states": "PENDING,RUNNING,SUSPENDED,UNHEALTHY"},
        )
    for i, r in enumerate(ranges):
        bound = supervisor.spec.bound_of(r.partition)
        if bound is not None and r.end > bound.end:
            raise InvalidArgument(
                [FieldViolation(f"ranges[{i}].end_offset", f"{r.end} passes the bound {bound.end}")],
                reason="RANGE_PAST_BOUND",
                metadata={"partition": r.partition, "end_offset": r.end, "bound": bound.end},
            )
    for r in ranges:
        expected = checkpoints.get(r.partition)
        if expected is None and task_starts is not None:
            expected = task_starts.get(r.partition)
        if expected != r.start:
            raise Conflict(
                "CHECKPOINT_MISMATCH",
                f"partition {r.partition}: commit starts at {r.start} but the checkpoint is {expected}",
                {"supervisor_id": supervisor.id, "partition": r.partition, "start_offset": r.start,
                 "checkpoint": "none" if expected is None else expected},
            )
    return {r.partition: r.end for r in ranges}


@dataclass(frozen=True)
class ResetTarget:
    """One partition of a ResetOffsets request: exactly one of offset and timestamp_ms is set."""

    partition: int
    offset: int | None = None
    timestamp_ms: int | None = None
    field: str = "targets"
    # Set when the API layer could not convert the target (its violation is already recorded): the
    # "exactly one of offset and timestamp" rule must not blame it a second time.
    invalid: bool = False


def validate_reset_targets(targets: list[ResetTarget], violations: Violations) -> None:
    """The shape of ResetOffsets targets, before anything is read: each names one partition once, by
    exactly one of an offset (>= 0) and a time (not before 1970)."""
    if not targets:
        violations.add("targets", "must name at least one partition")
    seen: set[int] = set()
    for t in targets:
        if (t.offset is None) == (t.timestamp_ms is None) and not t.invalid:
            violations.add(t.field, "must set exactly one of offset and timestamp")
        if t.offset is not None and t.offset < 0:
            violations.add(f"{t.field}.offset", f"must be >= 0, got {t.offset}")
        if t.timestamp_ms is not None and t.timestamp_ms < 0:
            violations.add(f"{t.field}.timestamp", "must not be before 1970")
        if t.partition in seen:
            violations.add(f"{t.field}.partition", f"partition {t.partition} appears more than once")
        seen.add(t.partition)


def check_targets_known(supervisor: Supervisor, targets: list[ResetTarget]) -> None:
    unknown = [t for t in targets if t.partition not in supervisor.partitions]
    if unknown:
        raise InvalidArgument(
            [FieldViolation(f"{t.field}.partition", f"partition {t.partition} is not read by {supervisor.id}")
             for t in unknown],
            reason="UNKNOWN_PARTITION", metadata={"partition": unknown[0].partition})


def check_bounded_start_retained(spec: SupervisorSpec, earliest: Mapping[int, int]) -> None:
    """A bounded range starting below the retained offsets could never complete: refuse it up front."""
    violations = Violations()
    first: dict[str, object] = {}
    for i, r in enumerate(spec.bounded_ranges):
        if r.start < earliest[r.partition] and r.end > r.start:
            violations.add(f"spec.bounded_ranges[{i}].start_offset",
                           f"partition {r.partition}: {r.start} is below the earliest retained offset "
                           f"{earliest[r.partition]}")
            first = first or {"partition": r.partition, "offset": r.start, "earliest": earliest[r.partition]}
    violations.raise_if_any(reason="OFFSET_OUT_OF_RANGE", metadata=first)


def check_backfillable(supervisor: Supervisor) -> None:
    """ResetToLatestAndBackfill's guardrails, in the seed's order."""
    sid = {"supervisor_id": supervisor.id}
    if supervisor.spec.is_bounded:
        raise FailedPrecondition(
            "NOT_STREAMING_SUPERVISOR",
            f"supervisor {supervisor.id!r} is bounded, not a streaming supervisor; only a streaming "
            "supervisor can be reset to latest and backfilled", sid)
    if supervisor.spec.use_earliest_offset:
        raise FailedPrecondition(
            "USE_EARLIEST_OFFSET_ENABLED",
            "reset with skipped offsets is not supported when use_earliest_offset is true", sid)
    if not supervisor.spec.uses_concurrent_locks():
        raise FailedPrecondition(
            "CONCURRENT_LOCKS_DISABLED",
            "backfill tasks require context useConcurrentLocks=true (or taskLockType=APPEND) to write "
            "concurrently with the supervisor's own tasks",
            {**sid, "useConcurrentLocks": supervisor.spec.context.get("useConcurrentLocks", "(absent)"),
             "taskLockType": supervisor.spec.context.get("taskLockType", "(absent)")})
    if supervisor.state is not SupervisorState.RUNNING:
        raise FailedPrecondition(
            "INVALID_STATE",
            f"supervisor {supervisor.id!r} must be RUNNING to reset and backfill, is {supervisor.state.value}",
            {**sid, "state": supervisor.state.value, "action": "RESET_TO_LATEST_AND_BACKFILL",
             "allowed_states": "RUNNING"})


STREAM_RECREATED = "STREAM_RECREATED"


def stream_recreated_detail(stream: str, identity: str, recorded: str) -> str:
    """The UNHEALTHY state_detail when the stream is not the one the checkpoints were read from."""
    return (f"{STREAM_RECREATED}: {stream!r} was created again (identity {identity}, the checkpoints are of "
            f"{recorded}); reset the offsets to read it")[:255]


def stream_recreated_error(supervisor_id: str, stream: str, identity: str, recorded: str) -> FailedPrecondition:
    return FailedPrecondition(
        STREAM_RECREATED,
        f"supervisor {supervisor_id!r}: stream {stream!r} was deleted and created again under its name "
        f"(identity {identity}, the checkpoints were read from {recorded}), so its checkpoints point into "
        "another stream and reading on from them would skip the new stream's first records. Nothing was "
        "changed: decide where to read the new stream from with ResetOffsets (or ResetSupervisor)",
        {"supervisor_id": supervisor_id, "stream": stream, "identity": identity, "recorded_identity": recorded})


# UNHEALTHY details that only a look at the stream may clear (app/offsets.py set_health).
LATCHED_FAULTS = (CHECKPOINT_BEYOND_LATEST, STREAM_RECREATED)


def has_latched_fault(supervisor: Supervisor) -> bool:
    """UNHEALTHY for a fault that only a look at the stream (or a reset) clears, never reaching it again."""
    return supervisor.state is SupervisorState.UNHEALTHY and supervisor.state_detail.startswith(LATCHED_FAULTS)


def faulted_for_stream(supervisor: Supervisor) -> bool:
    """UNHEALTHY because its stream was recreated: only a reset clears it, never the stream growing."""
    return supervisor.state is SupervisorState.UNHEALTHY and supervisor.state_detail.startswith(STREAM_RECREATED)


def faulted_for_checkpoints(supervisor: Supervisor) -> bool:
    """UNHEALTHY because a checkpoint was found beyond the stream (only a re-check may clear it)."""
    return supervisor.state is SupervisorState.UNHEALTHY and supervisor.state_detail.startswith(
        CHECKPOINT_BEYOND_LATEST)


def bounded_progress(spec: SupervisorSpec, checkpoints: Mapping[int, int]) -> tuple[int, int]:
    """(offsets of the ranges read up to the checkpoints, total size of the ranges) of a bounded spec."""
    done = sum(max(0, min(checkpoints.get(r.partition, r.start), r.end) - r.start) for r in spec.bounded_ranges)
    return done, sum(r.size for r in spec.bounded_ranges)
