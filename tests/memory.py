"""In-memory implementations of the ports (domain/ports.py), so the use cases can be unit-tested in
milliseconds. Integration tests stay on the real parts (SQLite, PostgreSQL, Kafka, RabbitMQ); these fakes
exist only for tests of application logic, as cosmicpython's FakeUnitOfWork does.

Transactions are serialised by one lock and work on a copy of the state, which replaces the state on a
normal exit and is dropped on an exception: the same all-or-nothing a database transaction gives.
"""
from __future__ import annotations

import copy
import dataclasses
import itertools
import threading
import uuid
from contextlib import contextmanager
from datetime import datetime
from typing import Iterator, Mapping, Sequence

from streamvisor.domain.coverage import absorb_into
from streamvisor.domain.errors import AlreadyExists, FailedPrecondition, FieldViolation, InvalidArgument
from streamvisor.domain.model import OffsetRange, StreamType, Supervisor, SupervisorSpec, SupervisorState
from streamvisor.domain.ports import AuditEvent, CommitReads, Segment, SegmentFilter, StoredRequest, Watermarks
from streamvisor.streams.registry import StreamAdapterRegistry
from streamvisor.domain.tasks import TaskRecord, TaskState


@dataclasses.dataclass
class _State:
    supervisors: dict[str, Supervisor] = dataclasses.field(default_factory=dict)
    checkpoints: dict[str, dict[int, int]] = dataclasses.field(default_factory=dict)
    audit: list[AuditEvent] = dataclasses.field(default_factory=list)
    requests: dict[str, StoredRequest] = dataclasses.field(default_factory=dict)
    segments: list[Segment] = dataclasses.field(default_factory=list)
    unrecoverable: list[tuple[str, OffsetRange]] = dataclasses.field(default_factory=list)
    identities: dict[str, str] = dataclasses.field(default_factory=dict)
    published: dict[tuple[str, int], list[OffsetRange]] = dataclasses.field(default_factory=dict)
    tasks: dict[str, TaskRecord] = dataclasses.field(default_factory=dict)
    leases: dict[str, tuple[str, datetime]] = dataclasses.field(default_factory=dict)
    marks: dict[str, tuple[str, datetime]] = dataclasses.field(default_factory=dict)
    task_stats: dict = dataclasses.field(default_factory=dict)
    handoffs: set = dataclasses.field(default_factory=set)


class MemoryTransaction:
    """Implements domain.ports.TaskTransaction over a _State."""

    def __init__(self, state: _State, ids: Iterator[int]):
        self.s = state
        self._ids = ids

    # Supervisors -------------------------------------------------------------------------------
    def get_supervisor(self, supervisor_id: str, *, lock: bool = False) -> Supervisor | None:
        return self.s.supervisors.get(supervisor_id)

    def insert_supervisor(self, supervisor: Supervisor) -> None:
        if supervisor.id in self.s.supervisors:
            raise AlreadyExists("SUPERVISOR_ALREADY_EXISTS", f"supervisor {supervisor.id!r} already exists",
                                {"supervisor_id": supervisor.id})
        self.s.supervisors[supervisor.id] = supervisor
        self._mark(supervisor)

    def update_supervisor(self, supervisor: Supervisor) -> None:
        self.s.supervisors[supervisor.id] = supervisor
        self._mark(supervisor)

    def _mark(self, supervisor: Supervisor) -> None:
        self.s.marks[supervisor.id] = (uuid.uuid4().hex, supervisor.update_time)

    def mark_for_scheduling(self, supervisor_id: str, now: datetime) -> None:
        self.s.marks[supervisor_id] = (uuid.uuid4().hex, now)

    def list_supervisors(self, after_id, limit, states, stream_types) -> list[Supervisor]:
        rows = [s for i, s in sorted(self.s.supervisors.items()) if after_id is None or i > after_id]
        rows = [s for s in rows if (not states or s.state in states)
                and (not stream_types or s.spec.stream_type in stream_types)]
        return rows[:limit]

    def list_backfills(self, supervisor_id: str) -> list[Supervisor]:
        return sorted((s for s in self.s.supervisors.values() if s.backfill_of == supervisor_id),
                      key=lambda s: (s.create_time, s.id))

    # Checkpoints ---------------------------------------------------------------------------------
    def get_checkpoints(self, supervisor_id: str) -> dict[int, int]:
        return dict(self.s.checkpoints.get(supervisor_id, {}))

    def set_checkpoints(self, supervisor_id: str, checkpoints: Mapping[int, int | None]) -> None:
        stored = self.s.checkpoints.setdefault(supervisor_id, {})
        for partition, offset in checkpoints.items():
            if offset is None:
                stored.pop(partition, None)
            else:
                stored[partition] = offset

    # Audit, idempotency, segments ----------------------------------------------------------------
    def add_audit_event(self, event: AuditEvent) -> None:
        self.s.audit.append(dataclasses.replace(event, id=next(self._ids)))

    def list_audit_events(self, supervisor_id: str, before_id: int | None, limit: int) -> list[AuditEvent]:
        rows = [e for e in reversed(self.s.audit) if e.supervisor_id == supervisor_id
                and (before_id is None or e.id < before_id)]
        return rows[:limit]

    def get_request(self, request_id: str) -> StoredRequest | None:
        return self.s.requests.get(request_id)

    def save_request(self, request: StoredRequest, now: datetime) -> None:
        if request.request_id in self.s.requests:
            raise InvalidArgument([FieldViolation("request_id", "was already used for a different request")],
                                  reason="REQUEST_ID_REUSED", metadata={"request_id": request.request_id})
        self.s.requests[request.request_id] = request

    def insert_segment(self, segment: Segment) -> int:
        segment_id = next(self._ids)
        self.s.segments.append(dataclasses.replace(segment, id=segment_id))
        return segment_id

    def list_segments(self, supervisor_ids: Sequence[str]) -> list[Segment]:
        return [s for s in self.s.segments if s.supervisor_id in supervisor_ids]

    def list_segment_page(self, supervisor_ids: Sequence[str], after_id: int | None, limit: int,
                          filters: SegmentFilter) -> list[Segment]:
        return [s for s in self.s.segments if s.supervisor_id in supervisor_ids
                and (after_id is None or s.id > after_id) and filters.matches(s)][:limit]

    def find_segment(self, supervisor_id: str, location: str) -> Segment | None:
        return next((s for s in self.s.segments if s.supervisor_id == supervisor_id and s.location == location),
                    None)

    def find_segment_and_checkpoints(self, supervisor_id: str,
                                     location: str) -> tuple[Segment | None, dict[int, int]]:
        return self.find_segment(supervisor_id, location), self.get_checkpoints(supervisor_id)

    def add_published_ranges(self, supervisor_id: str, ranges: Sequence[OffsetRange]) -> None:
        for r in ranges:
            key = (supervisor_id, r.partition)
            self.s.published[key] = absorb_into(self.s.published.get(key, []), r)

    def list_published_ranges(self, supervisor_ids: Sequence[str]) -> list[tuple[OffsetRange, str]]:
        return [(r, sid) for (sid, _), rows in self.s.published.items() if sid in supervisor_ids for r in rows]

    def add_unrecoverable_ranges(self, supervisor_id: str, ranges: Sequence[OffsetRange], now: datetime) -> None:
        self.s.unrecoverable += [(supervisor_id, r) for r in ranges]

    def list_unrecoverable_ranges(self, supervisor_ids: Sequence[str]) -> list[OffsetRange]:
        return [r for sid, r in self.s.unrecoverable if sid in supervisor_ids]

    def get_stream_identities(self, supervisor_ids: Sequence[str]) -> dict[str, str]:
        return {sid: self.s.identities[sid] for sid in supervisor_ids if sid in self.s.identities}

    def set_stream_identity(self, supervisor_id: str, identity: str | None, now: datetime,
                            only_if_absent: bool = False) -> None:
        if identity is None:
            self.s.identities.pop(supervisor_id, None)
        elif not (only_if_absent and supervisor_id in self.s.identities):
            self.s.identities[supervisor_id] = identity

    # Tasks and leases ----------------------------------------------------------------------------
    def ensure_task(self, task: TaskRecord) -> bool:
        if any((t.supervisor_id, t.generation, t.task_group) == (task.supervisor_id, task.generation, task.task_group)
               for t in self.s.tasks.values()):
            return False
        self.s.tasks[task.id] = task
        return True

    def get_task(self, task_id: str, *, lock: bool = False) -> TaskRecord | None:
        return self.s.tasks.get(task_id)

    def lock_task_and_supervisor(self, task_id: str):
        task = self.s.tasks.get(task_id)
        return (None, None) if task is None else (task, self.s.supervisors.get(task.supervisor_id))

    def read_commit(self, task_id: str, location: str, ranges: Sequence[OffsetRange]) -> CommitReads:
        task, supervisor = self.lock_task_and_supervisor(task_id)
        if task is None or supervisor is None:
            return CommitReads(task, supervisor, None, {})
        return CommitReads(task, supervisor, *self.find_segment_and_checkpoints(supervisor.id, location))

    def write_commit(self, segment: Segment, checkpoints, renew_task=None) -> int:
        self.set_checkpoints(segment.supervisor_id, checkpoints)
        segment_id = self.insert_segment(segment)
        self.add_published_ranges(segment.supervisor_id, segment.ranges)
        if renew_task is not None:
            task_id, lease_end, updated = renew_task
            task = self.s.tasks[task_id]
            self.s.tasks[task_id] = dataclasses.replace(task, lease_expires_at=lease_end, update_time=updated)
        return segment_id

    def list_tasks(self, supervisor_id: str | None = None,
                   states: frozenset[TaskState] = frozenset()) -> list[TaskRecord]:
        rows = [t for t in self.s.tasks.values() if (supervisor_id is None or t.supervisor_id == supervisor_id)
                and (not states or t.state in states)]
        return sorted(rows, key=lambda t: (t.supervisor_id, t.generation, t.task_group))

    def update_task(self, task: TaskRecord) -> None:
        self.s.tasks[task.id] = task

    def get_task_stats(self, task_id: str):
        return self.s.task_stats.get(task_id)

    def put_task_stats(self, task_id: str, supervisor_id: str, stats, now) -> None:
        self.s.task_stats[task_id] = stats

    def request_handoff(self, task_id: str, supervisor_id: str, now) -> None:
        self.s.handoffs.add(task_id)

    def handoff_requested(self, task_id: str) -> bool:
        return task_id in self.s.handoffs

    def clear_handoff(self, task_id: str) -> None:
        self.s.handoffs.discard(task_id)

    def list_task_stats(self, task_ids):
        return {i: self.s.task_stats[i] for i in task_ids if i in self.s.task_stats}

    def leasable_tasks(self, now: datetime, stream_types: frozenset[StreamType], limit: int) -> list[TaskRecord]:
        def leasable(t: TaskRecord) -> bool:
            owner = self.s.supervisors.get(t.supervisor_id)
            return (owner is not None and owner.state is SupervisorState.RUNNING and owner.generation == t.generation
                    and (not stream_types or owner.spec.stream_type in stream_types)
                    and (t.state is TaskState.PENDING
                         or (t.state is TaskState.LEASED and t.lease_expires_at is not None
                             and t.lease_expires_at <= now)))
        return sorted(filter(leasable, self.s.tasks.values()), key=lambda t: (t.update_time, t.id))[:limit]

    def expired_leases(self, now: datetime, limit: int) -> list[TaskRecord]:
        rows = [t for t in self.s.tasks.values() if t.state is TaskState.LEASED and t.lease_expires_at is not None
                and t.lease_expires_at <= now]
        return sorted(rows, key=lambda t: (t.lease_expires_at, t.id))[:limit]

    def stale_tasks(self, now: datetime, limit: int) -> list[TaskRecord]:
        def stale(t: TaskRecord) -> bool:
            owner = self.s.supervisors.get(t.supervisor_id)
            if t.state not in (TaskState.PENDING, TaskState.LEASED):
                return False
            if owner is None or owner.state.is_terminal or owner.generation != t.generation:
                return True
            return t.state is TaskState.LEASED and (owner.state is not SupervisorState.RUNNING or (
                t.lease_expires_at is not None and t.lease_expires_at <= now))
        return sorted(filter(stale, self.s.tasks.values()), key=lambda t: t.id)[:limit]

    def scheduling_summary(self, states: frozenset[SupervisorState]) -> list[tuple[Supervisor, int, int]]:
        return [(s, len(self.s.checkpoints.get(i, {})),
                 sum(1 for t in self.s.tasks.values() if t.supervisor_id == i and t.generation == s.generation))
                for i, s in sorted(self.s.supervisors.items()) if s.state in states]

    def list_scheduling_marks(self, limit: int) -> list[tuple[str, str]]:
        ordered = sorted(self.s.marks.items(), key=lambda item: (item[1][1], item[0]))
        return [(sid, token) for sid, (token, _) in ordered[:limit]]

    def clear_scheduling_mark(self, supervisor_id: str, token: str) -> bool:
        if self.s.marks.get(supervisor_id, (None,))[0] != token:
            return False
        del self.s.marks[supervisor_id]
        return True

    def hold_lease(self, name: str, holder: str, now: datetime, expires_at: datetime) -> bool:
        current = self.s.leases.get(name)
        if current is None or current[0] == holder or current[1] <= now:
            self.s.leases[name] = (holder, expires_at)
            return True
        return False

    def lease_holder(self, name: str) -> tuple[str, datetime] | None:
        return self.s.leases.get(name)


class MemoryMetadataStore:
    """Implements domain.ports.MetadataStore in memory."""

    def __init__(self) -> None:
        self._state = _State()
        self._lock = threading.RLock()
        self._ids = itertools.count(1)

    @contextmanager
    def transaction(self, *, narrow: bool = False) -> Iterator[MemoryTransaction]:
        with self._lock:  # narrow or not: the same transaction (nothing to save in memory)
            working = copy.deepcopy(self._state)
            yield MemoryTransaction(working, self._ids)
            self._state = working  # reached only without an exception: all or nothing

    @contextmanager
    def read(self) -> Iterator[MemoryTransaction]:
        with self._lock:
            # A copy, so that a read can never persist anything, as with the SQL store.
            yield MemoryTransaction(copy.deepcopy(self._state), self._ids)


class FakeStream:
    """A StreamAdapter over offsets a test sets: partitions, earliest, latest, and per-time answers."""

    def __init__(self, partitions: int = 3, latest: int = 100) -> None:
        self.exists = True
        self.earliest = {p: 0 for p in range(partitions)}
        self.latest = {p: latest for p in range(partitions)}
        self.calls = 0
        self.identity: str | None = "topic-id-1"  # None: a kind without stream identities
        self.identity_calls = 0

    def _check(self, stream: str) -> None:
        self.calls += 1
        if not self.exists:
            raise FailedPrecondition("STREAM_NOT_FOUND", f"topic {stream!r} does not exist", {"stream": stream})

    def partitions(self, stream: str) -> list[int]:
        self._check(stream)
        return sorted(self.latest)

    def watermarks(self, stream: str, partitions) -> Watermarks[int, int]:
        self._check(stream)
        return Watermarks({p: self.earliest[p] for p in partitions}, {p: self.latest[p] for p in partitions})

    def offsets_for_times(self, stream: str, timestamps_ms: Mapping[int, int]) -> dict[int, int]:
        self._check(stream)
        return {p: self.latest[p] for p in timestamps_ms}

    def parents(self, stream: str, partitions) -> dict[int, tuple[int, ...]]:
        return {}

    def identities(self, streams) -> dict[str, str]:
        self.identity_calls += 1  # apart from `calls`: the tests that count broker calls count offset lookups
        return {s: self.identity for s in streams} if self.exists and self.identity is not None else {}

    def close(self) -> None:
        pass


class FakeStreams(StreamAdapterRegistry):
    """StreamKinds with the real kinds' spec rules (pure), handing out one FakeStream for every spec."""

    def __init__(self, stream: FakeStream) -> None:
        super().__init__()
        self.stream = stream

    def for_spec(self, spec: SupervisorSpec) -> FakeStream:
        return self.stream
