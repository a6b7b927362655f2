"""The reset family: ResetSupervisor (hard), ResetOffsets (to offsets or times), ResetToLatestAndBackfill.

Each is idempotent by request_id and fences in-flight work: the new checkpoints and the new generation are
written in one transaction under the supervisor's row lock. The plans themselves are pure (domain.offsets).

A dry run returns a plan token (domain.plans); a request carrying one is refused with PLAN_STALE if the
supervisor changed since that dry run. The token is checked twice: before any broker call (fail fast),
and again under the row lock, where it decides.
"""
from __future__ import annotations

import dataclasses
import logging
from typing import NamedTuple, Sequence

from streamvisor import logs
from streamvisor.app.core import ANONYMOUS, Core, fingerprint
from streamvisor.app.leasing import reading_set_of
from streamvisor.app.offsets import Offsets
from streamvisor.app.results import ResetResult, ranges_json
from streamvisor.domain.formatting import changes_text, ranges_text
from streamvisor.domain.errors import DomainError, FailedPrecondition, Unavailable, Violations
from streamvisor.domain.model import (
    MAX_TASK_COUNT, Supervisor, SupervisorState, validate_request_id, validate_supervisor_id,
)
from streamvisor.domain.lineage import lineage_backfill
from streamvisor.domain.offsets import (
    CheckpointFault, ResetPlan, ResetTarget, check_backfillable, check_targets_known, checkpoint_beyond_latest_error,
    checkpoint_faults, faulted_for_stream, has_latched_fault, plan_backfill, plan_hard_reset, plan_offset_reset,
    stream_recreated_error, validate_reset_targets,
)
from streamvisor.domain.plans import check_plan_token, issue_plan_token
from streamvisor.domain.ports import Transaction, Watermarks

log = logging.getLogger("streamvisor.supervisors")


class _Identity(NamedTuple):
    value: str | None  # None: it could not be read


class Resets:
    def __init__(self, core: Core, offsets: Offsets):
        self.core = core
        self.offsets = offsets

    def _apply(self, tx: Transaction, before: Supervisor, plan: ResetPlan, action: str, actor: str,
               request_id: str, method: str, request_fingerprint: str,
               partitions: tuple[int, ...] | None = None,
               identity: _Identity | None = None) -> tuple[Supervisor, ResetResult]:
        """Writes a reset plan's checkpoints and fences the supervisor, in the caller's transaction.
        `partitions`: the supervisor's new partitions, where a reset changes them (Kinesis' leasable set).
        `identity`: given when every partition was reset - the checkpoints are of the stream as it is now."""
        core = self.core
        tx.set_checkpoints(before.id, plan.new_checkpoints)
        after = before.fenced(core.clock())
        if identity is not None:
            # The stream's identity read before this transaction (unknown: forgotten, the scheduler learns it),
            # and a STREAM_RECREATED fault is over: every checkpoint is the operator's choice in this stream.
            tx.set_stream_identity(before.id, identity.value, core.clock())
            if faulted_for_stream(before):
                after = dataclasses.replace(after, state=SupervisorState.RUNNING, state_detail="")
        if partitions is not None and partitions != before.partitions:
            after = dataclasses.replace(after, partitions=partitions)
        tx.update_supervisor(after)
        core.audit(tx, before, after, action, actor, request_id, plan.changes)
        result = ResetResult(before.id, plan.changes, after.generation, False)
        core.remember(tx, request_id, method, request_fingerprint, result)
        return after, result

    def _identity(self, supervisor: Supervisor) -> _Identity:
        """The stream's identity for a reset of every partition, read outside the row lock."""
        try:
            return _Identity(self.core.streams.for_spec(supervisor.spec).identities([supervisor.spec.stream])
                             .get(supervisor.spec.stream))
        except DomainError as e:
            logs.info(log, "stream identity not read for the reset", supervisor_id=supervisor.id, reason=e.reason)
            return _Identity(None)

    def reset(self, supervisor_id: str, request_id: str = "", dry_run: bool = False,
              actor: str = ANONYMOUS, plan_token: str = "") -> ResetResult:
        core = self.core
        v = Violations()
        validate_supervisor_id(supervisor_id, "supervisor_id", v)
        validate_request_id(request_id, v)
        v.raise_if_any()
        method = "ResetSupervisor"
        request_fingerprint = fingerprint(method, _with_plan({"id": supervisor_id, "dry_run": dry_run}, plan_token))
        initial = None
        with core.store.read() as tx:
            current = core.require(tx, supervisor_id)
        if core.streams.has_lineage(current.spec.stream_type):
            # Kinesis: back to the shards a new supervisor would read (the roots from the earliest, the open
            # shards from the latest), read before the row lock is taken - a broker call never holds it.
            spec = current.spec
            initial = reading_set_of(core.streams.for_spec(spec), spec,
                                     {r.partition: r.start for r in spec.bounded_ranges}).partitions
        identity = None if dry_run else self._identity(current)
        with core.store.transaction() as tx:
            # Under the row lock: a concurrent repeat waits here, then finds the first one's response.
            before = core.require(tx, supervisor_id, lock=True)
            replay = core.replay(tx, request_id, method, request_fingerprint)
            if replay is not None:
                return replay
            check_plan_token(plan_token, method, before, {})
            before.require_mutable("RESET")
            checkpoints = tx.get_checkpoints(supervisor_id)
            if initial is None:
                plan = plan_hard_reset(before, checkpoints)
            else:  # every shard's checkpoint goes, the finished parents' too
                everything = tuple(sorted({*before.partitions, *checkpoints}))
                plan = plan_hard_reset(dataclasses.replace(before, partitions=everything), checkpoints)
            if dry_run:
                return ResetResult(supervisor_id, plan.changes, before.generation, True,
                                   plan_token=issue_plan_token(method, before, {}))
            after, result = self._apply(tx, before, plan, "RESET", actor, request_id, method, request_fingerprint,
                                        partitions=initial, identity=identity)
        logs.info(log, "supervisor reset", supervisor_id=supervisor_id,
                  generation=f"{before.generation}->{after.generation}", offsets=changes_text(plan.changes))
        return result

    def reset_offsets(self, supervisor_id: str, targets: Sequence[ResetTarget], request_id: str = "",
                      dry_run: bool = False, actor: str = ANONYMOUS,
                      violations: Violations | None = None, plan_token: str = "") -> ResetResult:
        """`violations`: what the caller already found converting the request, so one answer names every bad field."""
        core = self.core
        targets = list(targets)
        v = violations if violations is not None else Violations()
        validate_supervisor_id(supervisor_id, "supervisor_id", v)
        validate_request_id(request_id, v)
        validate_reset_targets(targets, v)
        v.raise_if_any()
        # The plan token binds the targets as asked (a time, not the offset it resolves to at run time).
        plan_args = {"targets": sorted([t.partition, t.offset, t.timestamp_ms] for t in targets)}
        args = {"id": supervisor_id, "dry_run": dry_run, **plan_args}
        method = "ResetOffsets"
        request_fingerprint = fingerprint(method, _with_plan(args, plan_token))
        with core.store.read() as tx:
            replay = core.replay(tx, request_id, method, request_fingerprint)
            if replay is not None:
                return replay
            current = core.require(tx, supervisor_id)
        check_plan_token(plan_token, method, current, plan_args)
        current.require_mutable("RESET_OFFSETS")
        check_targets_known(current, targets)
        every_partition = {t.partition for t in targets} >= set(current.partitions)
        if faulted_for_stream(current) and not every_partition:
            raise FailedPrecondition(
                "STREAM_RECREATED",
                f"supervisor {current.id!r}: its stream was created again, so every partition's checkpoint points "
                f"into the old one: reset every partition ({len(current.partitions)}), or use ResetSupervisor. "
                "Nothing was changed", {"supervisor_id": current.id, "stream": current.spec.stream,
                                        "partitions": ",".join(str(p) for p in current.partitions[:100])})
        identity = self._identity(current) if every_partition and not dry_run else None
        adapter = core.streams.for_spec(current.spec)
        lineage = None
        if core.streams.has_lineage(current.spec.stream_type):
            lineage = adapter.lineage(current.spec.stream, sorted(t.partition for t in targets))
            marks = Watermarks({s: e.earliest for s, e in lineage.extents.items()},
                               {s: e.end for s, e in lineage.extents.items()})
        else:
            marks = adapter.watermarks(current.spec.stream, sorted(t.partition for t in targets))
        resolved = adapter.offsets_for_times(
            current.spec.stream, {t.partition: t.timestamp_ms for t in targets if t.timestamp_ms is not None})
        offsets = {t.partition: t.offset if t.offset is not None else resolved[t.partition] for t in targets}
        fields = {t.partition: f"{t.field}.offset" if t.offset is not None else f"{t.field}.timestamp"
                  for t in targets}
        if lineage is not None:
            _require_places(adapter, current.spec.stream, lineage, targets, marks)
        with core.store.transaction() as tx:
            before = core.require(tx, supervisor_id, lock=True)
            replay = core.replay(tx, request_id, method, request_fingerprint)
            if replay is not None:
                return replay
            check_plan_token(plan_token, method, before, plan_args)
            before.require_mutable("RESET_OFFSETS")
            plan = plan_offset_reset(before, tx.get_checkpoints(supervisor_id), offsets, marks.earliest,
                                     marks.latest, fields)
            if dry_run:
                return ResetResult(supervisor_id, plan.changes, before.generation, True,
                                   plan_token=issue_plan_token(method, before, plan_args))
            after, result = self._apply(tx, before, plan, "RESET_OFFSETS", actor, request_id, method,
                                        request_fingerprint, identity=identity)
        logs.info(log, "supervisor offsets reset", supervisor_id=supervisor_id,
                  generation=f"{before.generation}->{after.generation}", offsets=changes_text(plan.changes))
        return result

    def reset_to_latest_and_backfill(self, supervisor_id: str, backfill_task_count: int | None = None,
                                     request_id: str = "", dry_run: bool = False,
                                     actor: str = ANONYMOUS, plan_token: str = "") -> ResetResult:
        core = self.core
        v = Violations()
        validate_supervisor_id(supervisor_id, "supervisor_id", v)
        validate_request_id(request_id, v)
        if backfill_task_count is not None and not 1 <= backfill_task_count <= MAX_TASK_COUNT:
            v.add("backfill_task_count", f"must be between 1 and {MAX_TASK_COUNT}, got {backfill_task_count}")
        v.raise_if_any()
        method = "ResetToLatestAndBackfill"
        plan_args = {"tasks": backfill_task_count}
        request_fingerprint = fingerprint(method, _with_plan({"id": supervisor_id, "tasks": backfill_task_count,
                                                              "dry_run": dry_run}, plan_token))
        with core.store.read() as tx:
            replay = core.replay(tx, request_id, method, request_fingerprint)
            if replay is not None:
                return replay
            current = core.require(tx, supervisor_id)
            check_plan_token(plan_token, method, current, plan_args)
            # Read before the latest offsets, so that a checkpoint beyond them is a fault, not a race.
            checkpoints_before = tx.get_checkpoints(supervisor_id)
        # UNHEALTHY for a checkpoint beyond the stream: answer with that fault (or, if it was mended
        # meanwhile, heal and go on) rather than with the state it caused.
        if not has_latched_fault(current):
            check_backfillable(current)

        # 1. Latest offsets from the stream, outside any lock (a broker call must not hold the row lock).
        logs.info(log, "capturing latest offsets", supervisor_id=supervisor_id, stream=current.spec.stream,
                  partitions=len(current.partitions))
        unavailable = {"supervisor_id": supervisor_id, "stream": current.spec.stream}
        lineage = None
        try:
            adapter = core.streams.for_spec(current.spec)
            if core.streams.has_lineage(current.spec.stream_type):
                # Every listed shard, open and closed, with its extent: the open shards' ends are the reset
                # points (domain.lineage.lineage_backfill says why they are exact).
                lineage = adapter.lineage(current.spec.stream)
                marks = Watermarks({s: e.earliest for s, e in lineage.extents.items()},
                                   {s: e.end for s, e in lineage.extents.items()})
            else:
                marks = adapter.watermarks(current.spec.stream, current.partitions)
        except Unavailable as e:
            # The seed's guardrail "failed to get latest offsets": its own reason, the cause in metadata.
            raise Unavailable("LATEST_OFFSETS_UNAVAILABLE",
                              f"skipping reset: could not read latest offsets for {supervisor_id!r}: {e.message}",
                              {**e.metadata, **unavailable, "cause": e.reason}) from None
        missing = [p for p in current.partitions if p not in marks.latest or marks.latest[p] < 0] \
            if lineage is None else []
        if not marks.latest or missing:
            raise Unavailable("LATEST_OFFSETS_UNAVAILABLE",
                              f"skipping reset: the stream returned no latest offset for partitions {missing}",
                              {**unavailable, "cause": "MISSING_PARTITIONS"})
        # A checkpoint beyond the stream (topic recreated or truncated) means the skipped range is not
        # [checkpoint, latest) of this stream at all: refuse rather than guess, and say why.
        faults = checkpoint_faults(current.partitions if lineage is None else sorted(marks.latest),
                                   checkpoints_before, marks.latest)
        if faults:
            self.offsets.confirm_stream_exists(current)
        self.offsets.report_faults(current, faults, actor)
        if faults:
            raise checkpoint_beyond_latest_error(supervisor_id, faults)
        # A topic recreated and grown past the checkpoints: [checkpoint, latest) is no range of it either.
        recreated = self.offsets.check_identities_quietly([current], actor).get(supervisor_id)
        if recreated is not None:
            raise stream_recreated_error(supervisor_id, current.spec.stream, *recreated)

        # 2. One transaction under the row lock: checkpoints, backfill, move, fence, audit. A commit that
        # landed since step 1 is seen here (no reset race); in-flight tasks are fenced by the new
        # generation (no backfill overlap).
        with core.store.transaction() as tx:
            before = core.require(tx, supervisor_id, lock=True)
            replay = core.replay(tx, request_id, method, request_fingerprint)
            if replay is not None:
                return replay
            reviewed = check_plan_token(plan_token, method, before, plan_args)
            check_backfillable(before)
            checkpoints = tx.get_checkpoints(supervisor_id)
            if not checkpoints:
                raise FailedPrecondition(
                    "NO_CHECKPOINTED_OFFSETS",
                    f"supervisor {supervisor_id!r} has no checkpointed offsets: nothing to backfill from",
                    {"supervisor_id": supervisor_id})
            live_partitions, backfill_partitions = before.partitions, None
            if lineage is None:
                plan = plan_backfill(before.partitions, checkpoints, marks.earliest, marks.latest)
            else:
                planned = lineage_backfill(lineage.shards, lineage.extents, checkpoints)
                if planned.beyond_end:
                    raise checkpoint_beyond_latest_error(supervisor_id, [
                        CheckpointFault(s, checkpoints[s], marks.latest[s]) for s in planned.beyond_end])
                plan, live_partitions = planned.plan, planned.live_partitions
                backfill_partitions = planned.backfill_partitions
            if dry_run:
                return ResetResult(supervisor_id, plan.changes, before.generation, True, "",
                                   plan.backfill_ranges, plan.unrecoverable_ranges,
                                   plan_token=issue_plan_token(method, before, plan_args, plan.backfill_ranges))
            # Checkpoints that advanced by ingestion since the review do not void it: the backfill starts
            # at the checkpoints read above, in this transaction. The response shows the previewed ranges.
            previewed = list(reviewed.backfill_ranges) if reviewed else []
            now = core.clock()
            backfill_id = ""
            if plan.backfill_ranges:
                backfill_id = f"{supervisor_id}_backfill_{core.new_suffix()}"
                backfill = Supervisor(
                    id=backfill_id, spec=before.spec.bounded_copy(plan.backfill_ranges, backfill_task_count),
                    state=SupervisorState.RUNNING, generation=1, version=1,
                    partitions=backfill_partitions if backfill_partitions is not None
                    else tuple(r.partition for r in plan.backfill_ranges),
                    create_time=now, update_time=now, backfill_of=supervisor_id)
                tx.insert_supervisor(backfill)
                identity = tx.get_stream_identities([supervisor_id]).get(supervisor_id)
                if identity is not None:  # the live supervisor's stream, the one just checked
                    tx.set_stream_identity(backfill_id, identity, now)
                tx.set_checkpoints(backfill_id, {r.partition: r.start for r in plan.backfill_ranges})
                core.audit(tx, None, backfill, "CREATE_BACKFILL", actor, request_id,
                           details={"backfill_of": supervisor_id,
                                    "bounded_ranges": ranges_json(plan.backfill_ranges)})
            tx.set_checkpoints(supervisor_id, plan.new_checkpoints)
            if plan.unrecoverable_ranges:
                # Rows of their own, in the reset's transaction: coverage reads them, not the audit trail.
                tx.add_unrecoverable_ranges(supervisor_id, plan.unrecoverable_ranges, now)
            after = before.fenced(now)
            if live_partitions != before.partitions:  # Kinesis: the live supervisor reads the open shards
                after = dataclasses.replace(after, partitions=live_partitions)
            tx.update_supervisor(after)
            result = ResetResult(supervisor_id, plan.changes, after.generation, False, backfill_id,
                                 plan.backfill_ranges, plan.unrecoverable_ranges,
                                 previewed_backfill_ranges=previewed)
            core.audit(tx, before, after, "RESET_TO_LATEST_AND_BACKFILL", actor, request_id, plan.changes,
                       details={"backfill_supervisor_id": backfill_id,
                                "backfill_ranges": ranges_json(plan.backfill_ranges),
                                "unrecoverable_ranges": ranges_json(plan.unrecoverable_ranges),
                                "latest_offsets": {str(p): o for p, o in sorted(marks.latest.items())}})
            core.remember(tx, request_id, method, request_fingerprint, result)
        logs.info(log, "supervisor reset to latest and backfilled", supervisor_id=supervisor_id,
                  backfill_supervisor_id=backfill_id or "-", generation=f"{before.generation}->{after.generation}",
                  backfill_ranges=ranges_text(plan.backfill_ranges),
                  unrecoverable=ranges_text(plan.unrecoverable_ranges), offsets=changes_text(plan.changes))
        if plan.unrecoverable_ranges:
            logs.warning(log, "retention already deleted part of the skipped range", supervisor_id=supervisor_id,
                         unrecoverable=ranges_text(plan.unrecoverable_ranges))
        return result


def _with_plan(args: dict, plan_token: str) -> dict:
    """A request_id is bound to its plan token too - but only when there is one, so that responses stored
    before plan tokens existed still replay."""
    return {**args, "plan": plan_token} if plan_token else args


def _require_places(adapter, stream: str, lineage, targets: Sequence[ResetTarget], marks: Watermarks) -> None:
    """Kinesis: a target sequence number must be a place a reader can start at - the shard's start, its
    end, a record (AT: that record is read next) or one past a record (a checkpoint shown before). Sequence
    numbers are sparse: any other number is no place in the shard, refused rather than rounded to the next
    record. Offsets outside [earliest, latest] are left to plan_offset_reset (OFFSET_OUT_OF_RANGE).
    Checked outside the row lock (broker calls); a time's offset is a record or the end by construction."""
    v = Violations()
    first = None
    for t in targets:
        if t.offset is None or not marks.earliest[t.partition] <= t.offset <= marks.latest[t.partition]:
            continue
        if not adapter.place_exists(stream, t.partition, t.offset, lineage):
            v.add(f"{t.field}.offset", f"{t.offset} is no place in shard {t.partition}: neither its start, nor a "
                                       "record's sequence number, nor one past one, nor its end")
            first = first or {"partition": t.partition, "offset": str(t.offset)}
    v.raise_if_any(reason="NOT_A_RECORD_OF_SHARD", metadata=first)
