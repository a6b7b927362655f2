"""Ports: what the domain and the application need from the outside, as typed interfaces.

`streamvisor.store` implements MetadataStore on SQLAlchemy; `streamvisor.streams` implements
StreamAdapter on confluent-kafka. Nothing here imports either.
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Hashable, Mapping, Protocol, Sequence, TypeVar

from streamvisor.domain.model import OffsetRange, StreamType, Supervisor, SupervisorSpec, SupervisorState
from streamvisor.domain.offsets import OffsetChange
from streamvisor.domain.tasks import TaskRecord, TaskState

P = TypeVar("P", bound=Hashable)  # a partition id: int for Kafka
O = TypeVar("O")  # an offset: int for Kafka


@dataclass(frozen=True)
class Watermarks(Generic[P, O]):
    """Per partition: the earliest retained offset and the latest (next to be written) offset."""

    earliest: dict[P, O]
    latest: dict[P, O]


class StreamAdapter(Protocol[P, O]):
    """One stream technology's view of partitions and offsets.

    Implementations bound every call by a timeout and raise domain errors: FailedPrecondition
    (STREAM_NOT_FOUND) for a missing stream, Unavailable (STREAM_UNREACHABLE) when brokers do not answer.
    """

    def partitions(self, stream: str) -> list[P]: ...

    def watermarks(self, stream: str, partitions: Sequence[P]) -> Watermarks[P, O]:
        """Earliest and latest offsets for all `partitions` in one round of broker calls."""
        ...

    def offsets_for_times(self, stream: str, timestamps_ms: Mapping[P, int]) -> dict[P, O]:
        """Per partition, the earliest offset whose timestamp is >= the given time (latest if none)."""
        ...

    def close(self) -> None: ...


class StreamAdapters(Protocol):
    """Hands out one adapter per distinct connection config, reused across calls."""

    def for_spec(self, spec: SupervisorSpec) -> StreamAdapter[int, int]: ...


@dataclass(frozen=True)
class AuditEvent:
    supervisor_id: str
    action: str
    actor: str
    create_time: datetime
    request_id: str = ""
    state_before: SupervisorState | None = None
    state_after: SupervisorState | None = None
    generation_before: int = 0
    generation_after: int = 0
    offset_changes: tuple[OffsetChange, ...] = ()
    details: Mapping[str, object] = field(default_factory=dict)
    id: int = 0


@dataclass(frozen=True)
class StoredRequest:
    """An idempotency record (AIP-155): the first response to a request_id, and what it was for."""

    request_id: str
    method: str
    fingerprint: str
    response: Mapping[str, object]


@dataclass(frozen=True)
class Segment:
    """A published unit of output. Only published segments count as ingested."""

    supervisor_id: str
    task_id: str
    generation: int
    ranges: tuple[OffsetRange, ...]
    location: str
    record_count: int
    create_time: datetime
    id: int = 0


class Transaction(Protocol):
    """One metadata transaction. Writes become visible together on commit, or not at all."""

    def get_supervisor(self, supervisor_id: str, *, lock: bool = False) -> Supervisor | None:
        """With lock=True, holds the supervisor's row lock until the transaction ends."""
        ...

    def insert_supervisor(self, supervisor: Supervisor) -> None:
        """Also marks the supervisor for the scheduler (see TaskTransaction.list_scheduling_marks)."""
        ...

    def update_supervisor(self, supervisor: Supervisor) -> None:
        """Also marks the supervisor for the scheduler, in this transaction, with a fresh token."""
        ...

    def list_supervisors(
        self, after_id: str | None, limit: int, states: frozenset[SupervisorState],
        stream_types: frozenset[StreamType],
    ) -> list[Supervisor]: ...

    def get_checkpoints(self, supervisor_id: str) -> dict[int, int]: ...

    def set_checkpoints(self, supervisor_id: str, checkpoints: Mapping[int, int | None]) -> None:
        """Writes the given partitions' checkpoints; None deletes one. Other partitions are untouched."""
        ...

    def add_audit_event(self, event: AuditEvent) -> None: ...

    def list_audit_events(self, supervisor_id: str, before_id: int | None, limit: int) -> list[AuditEvent]: ...

    def get_request(self, request_id: str) -> StoredRequest | None: ...

    def save_request(self, request: StoredRequest, now: datetime) -> None: ...

    def insert_segment(self, segment: Segment) -> int: ...

    def list_segments(self, supervisor_ids: Sequence[str]) -> list[Segment]: ...

    def find_segment(self, supervisor_id: str, location: str) -> Segment | None:
        """The segment published at `location`, if any (commit replay)."""
        ...

    def add_unrecoverable_ranges(self, supervisor_id: str, ranges: Sequence[OffsetRange], now: datetime) -> None:
        """Records ranges retention deleted before a backfill of `supervisor_id` could read them."""
        ...

    def list_unrecoverable_ranges(self, supervisor_ids: Sequence[str]) -> list[OffsetRange]: ...


class TaskTransaction(Transaction, Protocol):
    """Task rows and named leases, in the same transaction as the supervisors they belong to."""

    def ensure_task(self, task: TaskRecord) -> bool:
        """Inserts unless (supervisor, generation, group) exists - the database enforces one task each."""
        ...

    def get_task(self, task_id: str, *, lock: bool = False) -> TaskRecord | None: ...

    def list_tasks(self, supervisor_id: str | None = None,
                   states: frozenset[TaskState] = frozenset()) -> list[TaskRecord]: ...

    def update_task(self, task: TaskRecord) -> None: ...

    def leasable_tasks(self, now: datetime, stream_types: frozenset[StreamType], limit: int) -> list[TaskRecord]: ...

    def expired_leases(self, now: datetime, limit: int) -> list[TaskRecord]:
        """LEASED tasks with lease_expires_at <= now, oldest expiry first; index-backed."""
        ...

    def stale_tasks(self, now: datetime, limit: int) -> list[TaskRecord]:
        """PENDING/LEASED tasks the scheduler must change (owner missing or finished, older generation,
        leased while the owner is not RUNNING, lease expired), in one query."""
        ...

    def scheduling_summary(self, states: frozenset[SupervisorState]) -> list[tuple[Supervisor, int, int]]:
        """Each supervisor in `states`, its number of checkpoint rows, and its number of tasks at its
        current generation."""
        ...

    def list_scheduling_marks(self, limit: int) -> list[tuple[str, str]]:
        """(supervisor id, token) of supervisors written since the scheduler last settled them, oldest first.
        Every insert_supervisor/update_supervisor writes one, in its own transaction: the marks are the
        scheduler's change feed, and they live in the database, so any replica may act on them."""
        ...

    def clear_scheduling_mark(self, supervisor_id: str, token: str) -> bool:
        """Deletes the mark only if its token is still `token` (no newer write happened); True if deleted."""
        ...

    def hold_lease(self, name: str, holder: str, now: datetime, expires_at: datetime) -> bool: ...

    def lease_holder(self, name: str) -> tuple[str, datetime] | None: ...

    def list_backfills(self, supervisor_id: str) -> list[Supervisor]: ...


class MetadataStore(Protocol):
    def transaction(self) -> AbstractContextManager[TaskTransaction]:
        """A read-write transaction; commits on normal exit, rolls back on an exception."""
        ...

    def read(self) -> AbstractContextManager[TaskTransaction]:
        """A read-only snapshot; takes no write locks."""
        ...
