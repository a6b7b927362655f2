"""Use cases of the operators' API. Orchestrates the ports; the rules themselves live in domain."""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Mapping, Sequence

from streamvisor.app.results import ResetResult, changes_text, ranges_json, ranges_text
from streamvisor.domain import pagination
from streamvisor.domain.errors import (
    AlreadyExists, Conflict, FailedPrecondition, FieldViolation, InvalidArgument, NotFound, Unavailable, Violations,
)
from streamvisor.domain.model import (
    MAX_TASK_COUNT, OffsetRange, StreamType, Supervisor, SupervisorSpec, SupervisorState,
    immutable_changes, parse_etag, require_partitions_exist, validate_supervisor_id,
)
from streamvisor.domain.offsets import (
    CHECKPOINT_BEYOND_LATEST, CheckpointFault, OffsetsView, ResetPlan, checkpoint_beyond_latest_error,
    checkpoint_faults, fault_detail, offsets_view, plan_backfill, plan_hard_reset, plan_offset_reset,
    validate_commit,
)
from streamvisor.domain.coverage import PartitionCoverage
from streamvisor.domain.coverage import coverage as coverage_of
from streamvisor.domain.ports import AuditEvent, MetadataStore, Segment, StoredRequest, StreamAdapters, Transaction

log = logging.getLogger("streamvisor.supervisors")

ANONYMOUS = "anonymous"
# States whose health the server watches (and may flip between them).
ACTIVE_STATES = frozenset({SupervisorState.RUNNING, SupervisorState.UNHEALTHY})
MAX_REQUEST_ID_LENGTH = 255


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


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


class Observer:
    """Hooks for counters (metrics) on events the application sees; the default does nothing.

    The metrics adapter subclasses it; the application never imports a metrics library.
    """

    def commit_accepted(self, supervisor_id: str) -> None: ...

    def commit_rejected(self, supervisor_id: str, reason: str) -> None: ...

    def lease_expired(self, supervisor_id: str, task_id: str) -> None: ...


def _fingerprint(method: str, args: Mapping[str, object]) -> str:
    return hashlib.sha256(json.dumps({"m": method, "a": args}, sort_keys=True).encode()).hexdigest()


def _validate_request_id(request_id: str, violations: Violations) -> None:
    if len(request_id) > MAX_REQUEST_ID_LENGTH:
        violations.add("request_id", f"must be at most {MAX_REQUEST_ID_LENGTH} characters")


class SupervisorService:
    def __init__(
        self,
        store: MetadataStore,
        streams: StreamAdapters,
        default_consumer_properties: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = utcnow,
        new_suffix: Callable[[], str] = lambda: secrets.token_hex(4),
        observer: "Observer | None" = None,
    ):
        self.store = store
        self.streams = streams
        self.defaults = dict(default_consumer_properties or {})
        self.clock = clock
        self.new_suffix = new_suffix
        self.observer = observer or Observer()

    # Helpers -------------------------------------------------------------------------------------------
    @staticmethod
    def _check_id(supervisor_id: str, field_name: str = "supervisor_id") -> None:
        v = Violations()
        validate_supervisor_id(supervisor_id, field_name, v)
        v.raise_if_any()

    @staticmethod
    def _require(tx: Transaction, supervisor_id: str, lock: bool = False) -> Supervisor:
        supervisor = tx.get_supervisor(supervisor_id, lock=lock)
        if supervisor is None:
            raise NotFound("SUPERVISOR_NOT_FOUND", f"supervisor {supervisor_id!r} not found",
                           {"supervisor_id": supervisor_id})
        return supervisor

    @staticmethod
    def _check_etag(supervisor: Supervisor, etag: str, required: bool) -> None:
        if not etag:
            if required:
                raise InvalidArgument([FieldViolation("etag", "is required; read the supervisor first")],
                                      reason="INVALID_ETAG", metadata={"etag": ""})
            return
        if parse_etag(etag) is None:
            raise InvalidArgument([FieldViolation("etag", "is not an etag this server issued")],
                                  reason="INVALID_ETAG", metadata={"etag": etag[:64]})
        if etag != supervisor.etag:
            raise Conflict("ETAG_MISMATCH",
                           f"supervisor {supervisor.id!r} changed since etag {etag} was read (now {supervisor.etag})",
                           {"supervisor_id": supervisor.id, "etag": etag, "current_etag": supervisor.etag})

    def _audit(self, tx: Transaction, before: Supervisor | None, after: Supervisor, action: str, actor: str,
               request_id: str = "", changes=(), details: Mapping[str, object] | None = None) -> None:
        tx.add_audit_event(AuditEvent(
            supervisor_id=after.id, action=action, actor=actor, create_time=self.clock(),
            request_id=request_id,
            state_before=before.state if before else None, state_after=after.state,
            generation_before=before.generation if before else 0, generation_after=after.generation,
            offset_changes=tuple(changes), details=details or {},
        ))

    @staticmethod
    def _replay(tx: Transaction, request_id: str, method: str, fingerprint: str) -> ResetResult | None:
        """The first response to `request_id`, or None if it is new. Reuse for another body is rejected."""
        if not request_id:
            return None
        stored = tx.get_request(request_id)
        if stored is None:
            return None
        if stored.method != method or stored.fingerprint != fingerprint:
            raise InvalidArgument(
                [FieldViolation("request_id", "was already used for a different request")],
                reason="REQUEST_ID_REUSED", metadata={"request_id": request_id})
        log.info("request replayed request_id=%s method=%s", request_id, method)
        return ResetResult.from_json(dict(stored.response))

    def _remember(self, tx: Transaction, request_id: str, method: str, fingerprint: str,
                  result: ResetResult) -> None:
        """Stores the response in the same transaction as the change, so a repeat can never act twice."""
        if request_id:
            tx.save_request(StoredRequest(request_id, method, fingerprint, result.to_json()), self.clock())

    def _apply_reset(self, tx: Transaction, before: Supervisor, plan: ResetPlan, action: str, actor: str,
                     request_id: str, method: str, fingerprint: str) -> tuple[Supervisor, ResetResult]:
        """Writes a reset plan's checkpoints and fences the supervisor, in the caller's transaction."""
        tx.set_checkpoints(before.id, plan.new_checkpoints)
        after = before.fenced(self.clock())
        tx.update_supervisor(after)
        self._audit(tx, before, after, action, actor, request_id, plan.changes)
        result = ResetResult(before.id, plan.changes, after.generation, False)
        self._remember(tx, request_id, method, fingerprint, result)
        return after, result

    # Lifecycle -----------------------------------------------------------------------------------------
    def create(self, supervisor_id: str, spec: SupervisorSpec, validate_only: bool = False,
               actor: str = ANONYMOUS) -> Supervisor:
        spec = spec.with_default_properties(self.defaults)
        violations = spec.validate()
        validate_supervisor_id(supervisor_id, "supervisor_id", violations)
        violations.raise_if_any()
        adapter = self.streams.for_spec(spec)
        partitions = tuple(adapter.partitions(spec.stream))
        violations = Violations()
        unknown = require_partitions_exist(spec.bounded_ranges, partitions, violations)
        violations.raise_if_any(reason="UNKNOWN_PARTITION", metadata={"partition": unknown[0]} if unknown else None)
        if spec.is_bounded:
            partitions = tuple(sorted(r.partition for r in spec.bounded_ranges))
            self._check_bounded_start_retained(spec, adapter.watermarks(spec.stream, partitions).earliest)
        now = self.clock()
        starts = {r.partition: r.start for r in spec.bounded_ranges}
        supervisor = Supervisor(
            id=supervisor_id, spec=spec,
            state=SupervisorState.COMPLETED if spec.is_complete(starts) else SupervisorState.RUNNING,
            generation=1, version=1, partitions=partitions, create_time=now, update_time=now)
        if validate_only:
            with self.store.read() as tx:
                if tx.get_supervisor(supervisor_id) is not None:
                    raise AlreadyExists("SUPERVISOR_ALREADY_EXISTS", f"supervisor {supervisor_id!r} already exists",
                                        {"supervisor_id": supervisor_id})
            return supervisor
        with self.store.transaction() as tx:
            tx.insert_supervisor(supervisor)
            if spec.is_bounded:
                tx.set_checkpoints(supervisor_id, starts)
            self._audit(tx, None, supervisor, "CREATE", actor,
                        details={"stream": spec.stream, "partitions": len(partitions),
                                 "bounded_ranges": ranges_json(list(spec.bounded_ranges))})
        log.info("supervisor created supervisor_id=%s stream=%s partitions=%d task_count=%d state=%s bounded=%s",
                 supervisor_id, spec.stream, len(partitions), spec.task_count, supervisor.state.value,
                 ranges_text(list(spec.bounded_ranges)))
        return supervisor

    @staticmethod
    def _check_bounded_start_retained(spec: SupervisorSpec, earliest: Mapping[int, int]) -> None:
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

    def get(self, supervisor_id: str) -> Supervisor:
        self._check_id(supervisor_id)
        with self.store.read() as tx:
            return self._require(tx, supervisor_id)

    def list(self, page_size: int, page_token: str, states: Sequence[SupervisorState],
             stream_types: Sequence[StreamType]) -> tuple[list[Supervisor], str]:
        size = pagination.page_size(page_size)
        query = {"states": sorted(s.value for s in states), "types": sorted(s.value for s in stream_types)}
        after = pagination.decode_token(page_token, query)
        if after is not None and not isinstance(after, str):
            raise InvalidArgument([FieldViolation("page_token", "is not a token this server issued")],
                                  reason="INVALID_PAGE_TOKEN", metadata={"page_token": page_token[:64]})
        with self.store.read() as tx:
            rows = tx.list_supervisors(after, size + 1, frozenset(states), frozenset(stream_types))
        page, more = rows[:size], len(rows) > size
        return page, pagination.encode_token(page[-1].id, query) if more else ""

    def update(self, supervisor_id: str, spec: SupervisorSpec, etag: str, actor: str = ANONYMOUS) -> Supervisor:
        self._check_id(supervisor_id)
        spec = spec.with_default_properties(self.defaults)
        spec.validate().raise_if_any()
        with self.store.read() as tx:
            current = self._require(tx, supervisor_id)
        self._check_etag(current, etag, required=True)
        self._check_immutable(current.spec, spec)
        current.require_mutable("UPDATE")
        # A new connection config must reach the stream before it replaces a working one.
        self.streams.for_spec(spec).partitions(spec.stream)
        with self.store.transaction() as tx:
            before = self._require(tx, supervisor_id, lock=True)
            self._check_etag(before, etag, required=True)
            after = before.with_spec(spec, self.clock())
            tx.update_supervisor(after)
            self._audit(tx, before, after, "UPDATE", actor,
                        details={"task_count_before": before.spec.task_count, "task_count_after": spec.task_count})
        log.info("supervisor updated supervisor_id=%s generation=%d->%d task_count=%d->%d", supervisor_id,
                 before.generation, after.generation, before.spec.task_count, spec.task_count)
        return after

    @staticmethod
    def _check_immutable(old: SupervisorSpec, new: SupervisorSpec) -> None:
        fields = immutable_changes(old, new)
        if old.bounded_ranges != new.bounded_ranges:
            fields.append("spec.bounded_ranges")
        if fields:
            raise InvalidArgument([FieldViolation(f, "cannot be changed after creation") for f in fields],
                                  reason="IMMUTABLE_FIELD", metadata={"field": ",".join(fields)})

    def _transition(self, supervisor_id: str, etag: str, action: str, actor: str,
                    apply: Callable[[Supervisor, datetime], Supervisor]) -> Supervisor:
        self._check_id(supervisor_id)
        with self.store.transaction() as tx:
            before = self._require(tx, supervisor_id, lock=True)
            self._check_etag(before, etag, required=False)
            after = apply(before, self.clock())
            tx.update_supervisor(after)
            self._audit(tx, before, after, action, actor)
        log.info("supervisor state changed supervisor_id=%s action=%s state=%s->%s generation=%d", supervisor_id,
                 action, before.state.value, after.state.value, after.generation)
        return after

    def suspend(self, supervisor_id: str, etag: str = "", actor: str = ANONYMOUS) -> Supervisor:
        return self._transition(supervisor_id, etag, "SUSPEND", actor, Supervisor.suspended)

    def resume(self, supervisor_id: str, etag: str = "", actor: str = ANONYMOUS) -> Supervisor:
        return self._transition(supervisor_id, etag, "RESUME", actor, Supervisor.resumed)

    def terminate(self, supervisor_id: str, etag: str = "", actor: str = ANONYMOUS) -> Supervisor:
        return self._transition(supervisor_id, etag, "TERMINATE", actor, Supervisor.terminated)

    def history(self, supervisor_id: str, page_size: int, page_token: str) -> tuple[list[AuditEvent], str]:
        self._check_id(supervisor_id)
        size = pagination.page_size(page_size)
        query = {"history": supervisor_id}
        before = pagination.decode_token(page_token, query)
        if before is not None and not isinstance(before, int):
            raise InvalidArgument([FieldViolation("page_token", "is not a token this server issued")],
                                  reason="INVALID_PAGE_TOKEN", metadata={"page_token": page_token[:64]})
        with self.store.read() as tx:
            self._require(tx, supervisor_id)
            events = tx.list_audit_events(supervisor_id, before, size + 1)
        page, more = events[:size], len(events) > size
        return page, pagination.encode_token(page[-1].id, query) if more else ""

    # Health ------------------------------------------------------------------------------------------
    def set_health(self, supervisor_id: str, healthy: bool, detail: str, actor: str = "scheduler") -> Supervisor | None:
        """RUNNING <-> UNHEALTHY(detail), with an audit event, for a supervisor that is still active.
        Returns the supervisor after the change, or None when there was nothing to change."""
        with self.store.transaction() as tx:
            current = tx.get_supervisor(supervisor_id, lock=True)
            if current is None or current.state not in ACTIVE_STATES:
                return None
            wanted = SupervisorState.RUNNING if healthy else SupervisorState.UNHEALTHY
            if current.state is wanted and current.state_detail == detail:
                return None
            after = current.changed(self.clock(), state=wanted, state_detail=detail)
            tx.update_supervisor(after)
            self._audit(tx, current, after, "HEALTH", actor, details={"detail": detail})
        log.warning("supervisor health changed supervisor_id=%s state=%s->%s detail=%s", supervisor_id,
                    current.state.value, wanted.value, detail or "-")
        return after

    def _report_faults(self, supervisor: Supervisor, faults: list[CheckpointFault], actor: str) -> None:
        """A checkpoint beyond the stream makes an active supervisor UNHEALTHY (its tasks stop being
        leased, so nothing is skipped); once no partition is beyond, that detail is cleared again."""
        if faults:
            log.warning("checkpoint beyond the stream's latest offset supervisor_id=%s stream=%s faults=%s",
                        supervisor.id, supervisor.spec.stream,
                        ",".join(f"{f.partition}:{f.checkpoint}>{f.latest}" for f in faults))
            self.set_health(supervisor.id, healthy=False, detail=fault_detail(faults), actor=actor)
        elif supervisor.state is SupervisorState.UNHEALTHY and supervisor.state_detail.startswith(
                CHECKPOINT_BEYOND_LATEST):
            self.set_health(supervisor.id, healthy=True, detail="", actor=actor)

    def check_checkpoints(self, supervisor_id: str, actor: str = "scheduler") -> list[CheckpointFault]:
        """Compares the checkpoints with the stream's latest offsets and updates the supervisor's health.
        Checkpoints are read first: a commit landing in between can then only make latest larger."""
        with self.store.read() as tx:
            supervisor = self._require(tx, supervisor_id)
            checkpoints = tx.get_checkpoints(supervisor_id)
        marks = self.streams.for_spec(supervisor.spec).watermarks(supervisor.spec.stream, supervisor.partitions)
        faults = checkpoint_faults(supervisor.partitions, checkpoints, marks.latest)
        self._report_faults(supervisor, faults, actor)
        return faults

    # Offsets -------------------------------------------------------------------------------------------
    def get_offsets(self, supervisor_id: str, actor: str = ANONYMOUS) -> tuple[Supervisor, OffsetsView, datetime]:
        self._check_id(supervisor_id)
        with self.store.read() as tx:
            supervisor = self._require(tx, supervisor_id)
            checkpoints = tx.get_checkpoints(supervisor_id)
        # Checkpoints before watermarks: see CheckpointFault.
        marks = self.streams.for_spec(supervisor.spec).watermarks(supervisor.spec.stream, supervisor.partitions)
        read_time = self.clock()
        view = offsets_view(supervisor, checkpoints, marks.earliest, marks.latest)
        if view.faults and supervisor.state in ACTIVE_STATES:
            self._report_faults(supervisor, view.faults, actor)
        return supervisor, view, read_time

    def reset(self, supervisor_id: str, request_id: str = "", dry_run: bool = False,
              actor: str = ANONYMOUS) -> ResetResult:
        v = Violations()
        validate_supervisor_id(supervisor_id, "supervisor_id", v)
        _validate_request_id(request_id, v)
        v.raise_if_any()
        method = "ResetSupervisor"
        fingerprint = _fingerprint(method, {"id": supervisor_id, "dry_run": dry_run})
        with self.store.transaction() as tx:
            # Under the row lock: a concurrent repeat waits here, then finds the first one's response.
            before = self._require(tx, supervisor_id, lock=True)
            replay = self._replay(tx, request_id, method, fingerprint)
            if replay is not None:
                return replay
            before.require_mutable("RESET")
            plan = plan_hard_reset(before, tx.get_checkpoints(supervisor_id))
            if dry_run:
                return ResetResult(supervisor_id, plan.changes, before.generation, True)
            after, result = self._apply_reset(tx, before, plan, "RESET", actor, request_id, method, fingerprint)
        log.info("supervisor reset supervisor_id=%s generation=%d->%d offsets=%s", supervisor_id,
                 before.generation, after.generation, changes_text(plan.changes))
        return result

    def reset_offsets(self, supervisor_id: str, targets: Sequence[ResetTarget], request_id: str = "",
                      dry_run: bool = False, actor: str = ANONYMOUS,
                      violations: Violations | None = None) -> ResetResult:
        """`violations`: what the caller already found converting the request, so one answer names every bad field."""
        v = violations if violations is not None else Violations()
        validate_supervisor_id(supervisor_id, "supervisor_id", v)
        _validate_request_id(request_id, v)
        if not targets:
            v.add("targets", "must name at least one partition")
        seen: set[int] = set()
        for t in targets:
            if (t.offset is None) == (t.timestamp_ms is None) and not t.invalid:
                v.add(t.field, "must set exactly one of offset and timestamp")
            if t.offset is not None and t.offset < 0:
                v.add(f"{t.field}.offset", f"must be >= 0, got {t.offset}")
            if t.timestamp_ms is not None and t.timestamp_ms < 0:
                v.add(f"{t.field}.timestamp", "must not be before 1970")
            if t.partition in seen:
                v.add(f"{t.field}.partition", f"partition {t.partition} appears more than once")
            seen.add(t.partition)
        v.raise_if_any()
        args = {"id": supervisor_id, "dry_run": dry_run,
                "targets": sorted([t.partition, t.offset, t.timestamp_ms] for t in targets)}
        method, fingerprint = "ResetOffsets", _fingerprint("ResetOffsets", args)
        with self.store.read() as tx:
            replay = self._replay(tx, request_id, method, fingerprint)
            if replay is not None:
                return replay
            current = self._require(tx, supervisor_id)
        current.require_mutable("RESET_OFFSETS")
        unknown = [t for t in targets if t.partition not in current.partitions]
        if unknown:
            raise InvalidArgument(
                [FieldViolation(f"{t.field}.partition", f"partition {t.partition} is not read by {supervisor_id}")
                 for t in unknown],
                reason="UNKNOWN_PARTITION", metadata={"partition": unknown[0].partition})
        adapter = self.streams.for_spec(current.spec)
        wanted = sorted(t.partition for t in targets)
        marks = adapter.watermarks(current.spec.stream, wanted)
        resolved = adapter.offsets_for_times(
            current.spec.stream, {t.partition: t.timestamp_ms for t in targets if t.timestamp_ms is not None})
        offsets = {t.partition: t.offset if t.offset is not None else resolved[t.partition] for t in targets}
        fields = {t.partition: f"{t.field}.offset" if t.offset is not None else f"{t.field}.timestamp"
                  for t in targets}
        with self.store.transaction() as tx:
            before = self._require(tx, supervisor_id, lock=True)
            replay = self._replay(tx, request_id, method, fingerprint)
            if replay is not None:
                return replay
            before.require_mutable("RESET_OFFSETS")
            plan = plan_offset_reset(before, tx.get_checkpoints(supervisor_id), offsets, marks.earliest,
                                     marks.latest, fields)
            if dry_run:
                return ResetResult(supervisor_id, plan.changes, before.generation, True)
            after, result = self._apply_reset(tx, before, plan, "RESET_OFFSETS", actor, request_id, method,
                                              fingerprint)
        log.info("supervisor offsets reset supervisor_id=%s generation=%d->%d offsets=%s", supervisor_id,
                 before.generation, after.generation, changes_text(plan.changes))
        return result

    @staticmethod
    def _check_backfillable(supervisor: Supervisor) -> None:
        """The seed's guardrails, in the seed's order."""
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

    def reset_to_latest_and_backfill(self, supervisor_id: str, backfill_task_count: int | None = None,
                                     request_id: str = "", dry_run: bool = False,
                                     actor: str = ANONYMOUS) -> ResetResult:
        v = Violations()
        validate_supervisor_id(supervisor_id, "supervisor_id", v)
        _validate_request_id(request_id, v)
        if backfill_task_count is not None and not 1 <= backfill_task_count <= MAX_TASK_COUNT:
            v.add("backfill_task_count", f"must be between 1 and {MAX_TASK_COUNT}, got {backfill_task_count}")
        v.raise_if_any()
        method = "ResetToLatestAndBackfill"
        fingerprint = _fingerprint(method, {"id": supervisor_id, "tasks": backfill_task_count, "dry_run": dry_run})
        with self.store.read() as tx:
            replay = self._replay(tx, request_id, method, fingerprint)
            if replay is not None:
                return replay
            current = self._require(tx, supervisor_id)
            # Read before the latest offsets, so that a checkpoint beyond them is a fault, not a race.
            checkpoints_before = tx.get_checkpoints(supervisor_id)
        # UNHEALTHY for a checkpoint beyond the stream: answer with that fault (or, if it was mended
        # meanwhile, heal and go on) rather than with the state it caused.
        beyond = current.state is SupervisorState.UNHEALTHY and current.state_detail.startswith(
            CHECKPOINT_BEYOND_LATEST)
        if not beyond:
            self._check_backfillable(current)

        # 1. Latest offsets from the stream, outside any lock (a broker call must not hold the row lock).
        log.info("capturing latest offsets supervisor_id=%s stream=%s partitions=%d", supervisor_id,
                 current.spec.stream, len(current.partitions))
        unavailable = {"supervisor_id": supervisor_id, "stream": current.spec.stream}
        try:
            marks = self.streams.for_spec(current.spec).watermarks(current.spec.stream, current.partitions)
        except Unavailable as e:
            # The seed's guardrail "failed to get latest offsets": its own reason, the cause in metadata.
            raise Unavailable("LATEST_OFFSETS_UNAVAILABLE",
                              f"skipping reset: could not read latest offsets for {supervisor_id!r}: {e.message}",
                              {**e.metadata, **unavailable, "cause": e.reason}) from None
        missing = [p for p in current.partitions if p not in marks.latest or marks.latest[p] < 0]
        if not marks.latest or missing:
            raise Unavailable("LATEST_OFFSETS_UNAVAILABLE",
                              f"skipping reset: the stream returned no latest offset for partitions {missing}",
                              {**unavailable, "cause": "MISSING_PARTITIONS"})
        # A checkpoint beyond the stream (topic recreated or truncated) means the skipped range is not
        # [checkpoint, latest) of this stream at all: refuse rather than guess, and say why.
        faults = checkpoint_faults(current.partitions, checkpoints_before, marks.latest)
        self._report_faults(current, faults, actor)
        if faults:
            raise checkpoint_beyond_latest_error(supervisor_id, faults)

        # 2. One transaction under the row lock: checkpoints, backfill, move, fence, audit. A commit that
        # landed since step 1 is seen here (no reset race); in-flight tasks are fenced by the new
        # generation (no backfill overlap).
        with self.store.transaction() as tx:
            before = self._require(tx, supervisor_id, lock=True)
            replay = self._replay(tx, request_id, method, fingerprint)
            if replay is not None:
                return replay
            self._check_backfillable(before)
            checkpoints = tx.get_checkpoints(supervisor_id)
            if not checkpoints:
                raise FailedPrecondition(
                    "NO_CHECKPOINTED_OFFSETS",
                    f"supervisor {supervisor_id!r} has no checkpointed offsets: nothing to backfill from",
                    {"supervisor_id": supervisor_id})
            plan = plan_backfill(before.partitions, checkpoints, marks.earliest, marks.latest)
            if dry_run:
                return ResetResult(supervisor_id, plan.changes, before.generation, True, "",
                                   plan.backfill_ranges, plan.unrecoverable_ranges)
            now = self.clock()
            backfill_id = ""
            if plan.backfill_ranges:
                backfill_id = f"{supervisor_id}_backfill_{self.new_suffix()}"
                backfill = Supervisor(
                    id=backfill_id, spec=before.spec.bounded_copy(plan.backfill_ranges, backfill_task_count),
                    state=SupervisorState.RUNNING, generation=1, version=1,
                    partitions=tuple(r.partition for r in plan.backfill_ranges),
                    create_time=now, update_time=now, backfill_of=supervisor_id)
                tx.insert_supervisor(backfill)
                tx.set_checkpoints(backfill_id, {r.partition: r.start for r in plan.backfill_ranges})
                self._audit(tx, None, backfill, "CREATE_BACKFILL", actor, request_id,
                            details={"backfill_of": supervisor_id,
                                     "bounded_ranges": ranges_json(plan.backfill_ranges)})
            tx.set_checkpoints(supervisor_id, plan.new_checkpoints)
            after = before.fenced(now)
            tx.update_supervisor(after)
            result = ResetResult(supervisor_id, plan.changes, after.generation, False, backfill_id,
                                 plan.backfill_ranges, plan.unrecoverable_ranges)
            self._audit(tx, before, after, "RESET_TO_LATEST_AND_BACKFILL", actor, request_id, plan.changes,
                        details={"backfill_supervisor_id": backfill_id,
                                 "backfill_ranges": ranges_json(plan.backfill_ranges),
                                 "unrecoverable_ranges": ranges_json(plan.unrecoverable_ranges),
                                 "latest_offsets": {str(p): o for p, o in sorted(marks.latest.items())}})
            self._remember(tx, request_id, method, fingerprint, result)
        log.info("supervisor reset to latest and backfilled supervisor_id=%s backfill_supervisor_id=%s "
                 "generation=%d->%d backfill_ranges=%s unrecoverable=%s offsets=%s", supervisor_id,
                 backfill_id or "-", before.generation, after.generation, ranges_text(plan.backfill_ranges),
                 ranges_text(plan.unrecoverable_ranges), changes_text(plan.changes))
        if plan.unrecoverable_ranges:
            log.warning("retention already deleted part of the skipped range supervisor_id=%s unrecoverable=%s",
                        supervisor_id, ranges_text(plan.unrecoverable_ranges))
        return result

    # Coverage ----------------------------------------------------------------------------------------
    def coverage(self, supervisor_id: str) -> tuple[list[str], list[PartitionCoverage], list[OffsetRange]]:
        """Per partition, what a supervisor and all its backfills (recursively) published - from segment
        rows only - with gaps, overlaps, and the ranges retention deleted before a backfill could read them."""
        self._check_id(supervisor_id)
        with self.store.read() as tx:
            self._require(tx, supervisor_id)
            ids, frontier = [supervisor_id], [supervisor_id]
            while frontier:
                children = [b.id for parent in frontier for b in tx.list_backfills(parent)]
                ids += children
                frontier = children
            segments = tx.list_segments(ids)
            lost: list[OffsetRange] = []
            for sid in ids:
                before = None
                while True:
                    events = tx.list_audit_events(sid, before, 500)
                    for e in events:
                        if e.action == "RESET_TO_LATEST_AND_BACKFILL":
                            lost += [OffsetRange(*r) for r in e.details.get("unrecoverable_ranges", [])]
                    if len(events) < 500:
                        break
                    before = events[-1].id
        published = [(r, s.supervisor_id) for s in segments for r in s.ranges]
        return ids, coverage_of(published), sorted(lost)

    # The workers' compare-and-swap (TaskService.CommitCheckpoint builds on it) ------------------------
    def commit_checkpoint(self, supervisor_id: str, task_id: str, generation: int, ranges: Sequence[OffsetRange],
                          location: str, record_count: int,
                          task_starts: Mapping[int, int] | None = None) -> int:
        """Publishes one segment and advances the checkpoints, atomically, or rejects all of it."""
        with self.store.transaction() as tx:
            supervisor = self._require(tx, supervisor_id, lock=True)
            segment_id, _ = self.publish(tx, supervisor, task_id, generation, ranges, location, record_count,
                                         task_starts)
        self.observer.commit_accepted(supervisor_id)
        return segment_id

    def publish(self, tx: Transaction, supervisor: Supervisor, task_id: str, generation: int,
                ranges: Sequence[OffsetRange], location: str, record_count: int,
                task_starts: Mapping[int, int] | None = None) -> tuple[int, dict[int, int]]:
        """The CAS inside the caller's transaction, which must hold `supervisor`'s row lock.

        Returns the segment id and the checkpoints after it. A bounded supervisor whose every range is
        now published becomes COMPLETED in the same transaction.
        """
        checkpoints = tx.get_checkpoints(supervisor.id)
        try:
            new = validate_commit(supervisor, generation, list(ranges), checkpoints, task_starts)
        except (Conflict, InvalidArgument, FailedPrecondition) as rejected:
            log.info("commit rejected supervisor_id=%s task_id=%s generation=%d reason=%s ranges=%s",
                     supervisor.id, task_id, generation, rejected.reason, ranges_text(list(ranges)))
            self.observer.commit_rejected(supervisor.id, rejected.reason)
            raise
        tx.set_checkpoints(supervisor.id, new)
        segment_id = tx.insert_segment(Segment(supervisor.id, task_id, generation, tuple(ranges), location,
                                               record_count, self.clock()))
        checkpoints.update(new)
        if supervisor.spec.is_complete(checkpoints):
            after = supervisor.changed(self.clock(), state=SupervisorState.COMPLETED, state_detail="")
            tx.update_supervisor(after)
            self._audit(tx, supervisor, after, "COMPLETE", "system")
            log.info("bounded supervisor completed supervisor_id=%s ranges=%s", supervisor.id,
                     ranges_text(list(supervisor.spec.bounded_ranges)))
        log.info("commit accepted supervisor_id=%s task_id=%s generation=%d segment_id=%d ranges=%s records=%d",
                 supervisor.id, task_id, generation, segment_id, ranges_text(list(ranges)), record_count)
        # Counted once the caller's transaction commits (see commit_checkpoint and TaskService.commit).
        return segment_id, checkpoints
