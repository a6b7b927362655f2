"""Ports: what the domain and the application need from the outside, as typed interfaces.

`streamvisor.store` implements MetadataStore on SQLAlchemy; `streamvisor.streams` implements
StreamKinds (one StreamKind per package under streams/, registered in streams/registry.py).
Nothing here imports either: the domain imports only the standard library.
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Hashable, Mapping, NamedTuple, Protocol, Sequence, TypeVar

from streamvisor.domain.errors import Violations
from streamvisor.domain.model import OffsetRange, StreamType, Supervisor, SupervisorSpec, SupervisorState
from streamvisor.domain.offsets import CHECKPOINT_BEYOND_LATEST, OffsetChange
from streamvisor.domain.stats import TaskStats
from streamvisor.domain.tasks import TaskRecord, TaskState

# A partition id: an int for Kafka and RabbitMQ Streams (a super stream's i-th partition), a string for
# streams that name their partitions (Kinesis: "shardId-000000000001").
Partition = int | str
# An offset is a Python int, unbounded: Kafka's and RabbitMQ's fit in 64 bits, Kinesis' sequence numbers
# (up to 129 decimal digits) do not, and ints hold both with the same arithmetic and ordering.
Offset = int
INT64_MAX = 2 ** 63 - 1
INT32_MAX = 2 ** 31 - 1

P = TypeVar("P", bound=Hashable)  # a partition id (see Partition)
OffsetT = TypeVar("OffsetT")  # an offset (see Offset)


@dataclass(frozen=True)
class Watermarks(Generic[P, OffsetT]):
    """Per partition: the earliest retained offset and the latest (next to be written) offset."""

    earliest: dict[P, OffsetT]
    latest: dict[P, OffsetT]


class StreamAdapter(Protocol[P, OffsetT]):
    """One stream technology's control-plane view of partitions and offsets.

    Implementations bound every call by a timeout and raise domain errors: FailedPrecondition
    (STREAM_NOT_FOUND) for a missing stream, Unavailable (STREAM_UNREACHABLE) when brokers do not answer.
    """

    def partitions(self, stream: str) -> list[P]: ...

    def watermarks(self, stream: str, partitions: Sequence[P]) -> Watermarks[P, OffsetT]:
        """Earliest and latest offsets for all `partitions` in one round of broker calls."""
        ...

    def offsets_for_times(self, stream: str, timestamps_ms: Mapping[P, int]) -> dict[P, OffsetT]:
        """Per partition, the earliest offset whose timestamp is >= the given time (latest if none)."""
        ...

    def parents(self, stream: str, partitions: Sequence[P]) -> dict[P, tuple[P, ...]]:
        """The lineage hook: per partition that has any, the partitions that must be read to their ends
        before it may be read (a Kinesis child shard's parents after a split or merge). Streams whose
        partitions are all independent (Kafka, RabbitMQ) answer {}: no call, every partition readable."""
        ...

    def identities(self, streams: Sequence[str]) -> dict[str, str]:
        """Per stream that exists now, what tells it from a stream created again under the same name (Kafka's
        topic id). A kind that has no such thing answers {}: recreation is then not detected (docs/api.md,
        "Stream recreated")."""
        ...

    def close(self) -> None: ...


class StreamAdapters(Protocol):
    """Hands out one adapter per distinct connection config, reused across calls."""

    def for_spec(self, spec: SupervisorSpec) -> StreamAdapter[int, int]: ...


class Record(NamedTuple):
    """One record a reader hands out: its partition, its offset, and what it carries."""

    partition: Partition
    offset: Offset
    timestamp_ms: int | None
    key: bytes | None
    value: bytes | None
    # (name, value) pairs in the order the producer sent them (Kafka record headers; a name may repeat).
    headers: tuple[tuple[str, bytes | None], ...] = ()


class TaskReader(Protocol):
    """The worker's reader of one task's partitions, opened at the task's start offsets. It hands back
    records in offset order per partition and never commits anything anywhere: the control plane owns the
    offsets (the worker publishes them with CommitCheckpoint)."""

    def poll(self, timeout_s: float) -> list[Record]:
        """The next records (possibly none after `timeout_s`); raises when reading failed."""
        ...

    def positions(self, partitions: list[Partition]) -> dict[Partition, Offset]:
        """Per partition (where known), an offset below which nothing more will be delivered, also past
        entries that are not records (Kafka transaction markers, RabbitMQ offset-tracking entries)."""
        ...

    def close(self) -> None: ...


class ReaderTask(Protocol):
    """What a reader needs to know of its task (the TaskService `Task` message has these fields)."""

    @property
    def id(self) -> str: ...

    @property
    def supervisor_id(self) -> str: ...

    @property
    def stream(self) -> str: ...

    @property
    def consumer_properties(self) -> Mapping[str, str]: ...


CHECKPOINT_BELOW_EARLIEST = "CHECKPOINT_BELOW_EARLIEST"


class CheckpointOutOfRange(RuntimeError):
    """A start offset the stream does not hold, raised by a reader - or a stream that is not the one the
    checkpoints are of any more (a Kafka topic recreated under the task, `check_stream`). The task must fail
    with `reason` (FailTask), never skip: above the latest offset the stream was recreated or truncated,
    and reading on from there would silently skip the new stream's first records; below the earliest,
    retention deleted them. The reason starts with a token the control plane recognises:
    CHECKPOINT_BEYOND_LATEST, CHECKPOINT_BELOW_EARLIEST or STREAM_RECREATED."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    @classmethod
    def check(cls, stream: str, partition: Partition, offset: Offset, earliest: Offset,
              latest: Offset) -> CheckpointOutOfRange | None:
        """The error for reading `partition` from `offset` when it holds [earliest, latest), or None."""
        if offset > latest:
            return cls(f"{CHECKPOINT_BEYOND_LATEST} partition={partition} checkpoint={offset} latest={latest} "
                       f"stream={stream}")
        if offset < earliest:
            return cls(f"{CHECKPOINT_BELOW_EARLIEST} partition={partition} checkpoint={offset} "
                       f"earliest={earliest} stream={stream}")
        return None


def modulo_task_group(partition: int, task_count: int) -> int:
    """Kafka's and RabbitMQ's task-group assignment, `partition % task_count` (domain.tasks computes the
    same): tasks already stored depend on it, so these kinds keep it for as long as they exist."""
    return partition % task_count


class StreamKind(Protocol):
    """Everything one kind of stream (Kafka, RabbitMQ Streams, later Kinesis) brings to streamvisor, in
    one package under streamvisor/streams/<kind>/ and registered once in streams/registry.py. Modelled
    on bytewax's partitioned sources: one type both lists the partitions (`adapter`) and reads them
    (`open_reader`), with the snapshot being the *next* offset to read.

    Why it has this shape - so that a third kind, Kinesis, fits without another rebuild:

    * Partitions are `Partition` (int | str). Kafka and RabbitMQ number theirs (a super stream's i-th
      partition stream is partition i); Kinesis names shards ("shardId-000000000001"), and a shard id
      is not an index: shards come and go, so it cannot be renumbered without changing meaning.
    * Offsets are Python ints, unbounded. Kinesis sequence numbers are decimal strings of up to 128
      bits; as ints they compare and subtract like Kafka offsets, so "[checkpoint, latest)" and "the
      next offset to read" keep their meaning. The contract carries them exactly (the `_decimal` fields)
      and the store too (NUMERIC / sortable text, store/offsets.py); `max_offset` says a kind's bound
      (int64 for Kafka and RabbitMQ, None for Kinesis), which validation applies.
    * Inside, partitions are ints (domain, store, task groups); `partition_name` / `parse_partition` map
      them to the names the contract shows in `partition_id` (Kinesis: shardId-000000000004 <-> 4).
    * Lineage is a hook on the adapter, `StreamAdapter.parents`: Kinesis resharding closes a parent
      shard and opens children, and a child may be read only after its parents are read to their ends,
      or per-key order breaks. Kinds without lineage answer {}, so nothing changes for them.
    * The task-group assignment belongs to the kind (`task_group`), and must be stable: the same
      partition lands in the same group on every replica and after every restart, or two tasks of one
      generation would read one partition. Kafka and RabbitMQ keep exactly `partition % task_count`
      (modulo_task_group) - existing tasks depend on it. A string-named kind needs a hash that is not
      salted per process (e.g. CRC-32 of the shard id, not Python's hash()), and may want a child shard
      in its parent's group so one task sees a key's records in order.
    * Kind rules stay out of the domain model: `validate_spec` adds the kind's violations (its
      connection properties) to the generic ones of SupervisorSpec.validate(); `applicable_defaults`
      picks which server-wide default consumer properties apply to this kind (the server's defaults
      are Kafka client properties today: a RabbitMQ spec takes only `rabbitmq.*` ones).
    * `connection_key` says which properties identify one reusable adapter (one client per distinct
      connection, not per call), so the registry can share adapters without knowing any property name.
    * Optional dependencies stay lazy: constructing the kind and calling its pure methods imports no
      client library; `adapter` and `open_reader` import theirs on first use, and `reader_available`
      says whether `open_reader` can work here without importing anything.
    """

    stream_type: StreamType

    def validate_spec(self, spec: SupervisorSpec, violations: Violations, field_prefix: str = "spec") -> None:
        """Adds this kind's violations of `spec` (after defaults were applied) to `violations`."""
        ...

    def applicable_defaults(self, server_defaults: Mapping[str, str]) -> dict[str, str]:
        """The server-wide default consumer properties that apply to specs of this kind."""
        ...

    def connection_key(self, properties: Mapping[str, str]) -> Hashable:
        """What identifies one reusable adapter: equal keys may share one connection."""
        ...

    def adapter(self, properties: Mapping[str, str], timeout_s: float) -> StreamAdapter:
        """A new control-plane adapter for these connection properties (the registry reuses it)."""
        ...

    def task_group(self, partition: Partition, task_count: int) -> int:
        """The task group (0 <= group < task_count) that reads `partition`; stable forever for a kind."""
        ...

    def reader_available(self) -> bool:
        """Whether this process can open readers of this kind (its client library is installed)."""
        ...

    def open_reader(self, task: ReaderTask, start: Mapping[Partition, Offset]) -> TaskReader:
        """The worker's reader of `task`'s stream at `start` (partition -> next offset to read)."""
        ...

    # The greatest offset of this kind, or None when unbounded (Kinesis' sequence numbers): spec and API
    # validation refuse an offset beyond it (Kafka's and RabbitMQ's are int64).
    max_offset: int | None

    def partition_name(self, partition: int) -> str:
        """The name the contract shows for a partition (`partition_id`): "3" for Kafka partition 3."""
        ...

    def parse_partition(self, name: str) -> int:
        """The partition a `partition_id` names; ValueError (its message says what is expected) otherwise."""
        ...


class NumberedPartitions:
    """The partition names of the kinds that number their partitions (Kafka, RabbitMQ): the number in
    decimal, and int64 offsets. A StreamKind mixin."""

    max_offset: int | None = INT64_MAX

    def partition_name(self, partition: int) -> str:
        return str(partition)

    def parse_partition(self, name: str) -> int:
        return parse_partition_number(name)


def parse_partition_number(name: str) -> int:
    """A partition number in canonical decimal ("0", "3"; no sign, no leading zeros), at most int32."""
    if not (name.isascii() and name.isdigit()) or (len(name) > 1 and name[0] == "0") or len(name) > 10 \
            or int(name) > INT32_MAX:
        raise ValueError(f"must be a partition number in decimal (0 to {INT32_MAX}, no sign or leading zeros), "
                         f"got {name[:64]!r}")
    return int(name)


class StreamKinds(StreamAdapters, Protocol):
    """The registry of stream kinds: StreamAdapters, plus the kind rules the app applies to a spec."""

    def kind(self, stream_type: StreamType) -> StreamKind:
        """The registered kind; ValueError for a type this server does not support."""
        ...

    def supports(self, stream_type: StreamType | None) -> bool: ...

    def has_lineage(self, stream_type: StreamType | None) -> bool:
        """Whether the kind's partitions split and merge (Kinesis): app/leasing.py applies."""
        ...

    def validate(self, spec: SupervisorSpec, field_prefix: str = "spec") -> Violations:
        """Every violation of `spec`: the generic rules (SupervisorSpec.validate) and its kind's."""
        ...

    def with_defaults(self, spec: SupervisorSpec, server_defaults: Mapping[str, str]) -> SupervisorSpec:
        """`spec` with the server defaults that apply to its kind, under the spec's own properties."""
        ...

    def readable_stream_types(self) -> list[StreamType]:
        """The kinds whose readers this process can open (what a worker asks AcquireTask for)."""
        ...

    def open_reader(self, stream_type: StreamType, task: ReaderTask,
                    start: Mapping[Partition, Offset]) -> TaskReader: ...

    def close(self) -> None: ...


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


@dataclass(frozen=True)
class CommitReads:
    """What a commit's compare-and-swap reads under the task's and its supervisor's row locks
    (TaskTransaction.read_commit). task is None without the task; supervisor None without the supervisor."""

    task: TaskRecord | None
    supervisor: Supervisor | None
    replayed: Segment | None  # the segment already published at the commit's location, if any
    checkpoints: dict[int, int]  # all of the supervisor's


@dataclass(frozen=True)
class SegmentFilter:
    """ListSegments' filters: a partition, an offset range [start, end) a segment's range must overlap (of
    that partition, or of any), an exact location. None (or "") filters nothing."""

    partition: int | None = None
    start: int | None = None
    end: int | None = None
    location: str = ""

    @property
    def empty_range(self) -> bool:
        """[start, start) overlaps nothing."""
        return self.start is not None and self.end is not None and self.start >= self.end

    def matches(self, segment: "Segment") -> bool:
        """The definition the stores implement in their queries (and the in-memory store with this)."""
        if self.location and segment.location != self.location:
            return False
        if self.partition is None and self.start is None and self.end is None:
            return True
        if self.empty_range:
            return False
        return any(r.end > r.start and (self.partition is None or r.partition == self.partition)
                   and (self.start is None or r.end > self.start) and (self.end is None or r.start < self.end)
                   for r in segment.ranges)


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

    def mark_for_scheduling(self, supervisor_id: str, now: datetime) -> None:
        """Marks the supervisor for the scheduler without writing it (a commit that may have finished a
        parent shard: app/leasing.py)."""
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

    def list_segment_page(self, supervisor_ids: Sequence[str], after_id: int | None, limit: int,
                          filters: SegmentFilter) -> list[Segment]:
        """Up to `limit` segments of these supervisors with id > after_id, in id order, matching `filters`."""
        ...

    def find_segment_and_checkpoints(self, supervisor_id: str,
                                     location: str) -> tuple[Segment | None, dict[int, int]]:
        """find_segment and get_checkpoints at once: a commit's two reads under the supervisor's row lock
        (one round trip on PostgreSQL)."""
        ...

    def add_published_ranges(self, supervisor_id: str, ranges: Sequence[OffsetRange]) -> None:
        """Merges a just-published segment's ranges into the supervisor's maintained coverage rows
        (domain.coverage.absorb). Called in the commit's transaction, under the supervisor's row lock; reads
        only the rows the ranges abut."""
        ...

    def list_published_ranges(self, supervisor_ids: Sequence[str]) -> list[tuple[OffsetRange, str]]:
        """The maintained coverage rows of these supervisors, as (range, supervisor id), in row order."""
        ...

    def add_unrecoverable_ranges(self, supervisor_id: str, ranges: Sequence[OffsetRange], now: datetime) -> None:
        """Records ranges retention deleted before a backfill of `supervisor_id` could read them."""
        ...

    def list_unrecoverable_ranges(self, supervisor_ids: Sequence[str]) -> list[OffsetRange]: ...

    def get_stream_identities(self, supervisor_ids: Sequence[str]) -> dict[str, str]:
        """The stream identity recorded per supervisor (StreamAdapter.identities); absent: none recorded."""
        ...

    def set_stream_identity(self, supervisor_id: str, identity: str | None, now: datetime,
                            only_if_absent: bool = False) -> None:
        """Records the identity of the stream the supervisor's checkpoints belong to; None forgets it.
        `only_if_absent`: leaves a recorded one as it is (two learners of one identity at once)."""
        ...


class TaskTransaction(Transaction, Protocol):
    """Task rows and named leases, in the same transaction as the supervisors they belong to."""

    def ensure_task(self, task: TaskRecord) -> bool:
        """Inserts unless (supervisor, generation, group) exists - the database enforces one task each."""
        ...

    def get_task(self, task_id: str, *, lock: bool = False) -> TaskRecord | None: ...

    def lock_task_and_supervisor(self, task_id: str) -> tuple[TaskRecord | None, Supervisor | None]:
        """The task and its supervisor, both row-locked (task first, as get_task(lock=True) then
        get_supervisor(lock=True) would): one statement where the database allows. (None, None) without
        the task."""
        ...

    def list_tasks(self, supervisor_id: str | None = None,
                   states: frozenset[TaskState] = frozenset()) -> list[TaskRecord]: ...

    def read_commit(self, task_id: str, location: str, ranges: Sequence[OffsetRange]) -> CommitReads:
        """lock_task_and_supervisor, then (after the locks are held) find_segment_and_checkpoints; on
        PostgreSQL one round trip with the transaction's BEGIN, which also reads the coverage rows `ranges`
        abut for write_commit."""
        ...

    def write_commit(self, segment: Segment, checkpoints: Mapping[int, int],
                     renew_task: tuple[str, datetime, datetime] | None = None) -> int:
        """A commit's writes, and the END of this transaction: set_checkpoints(checkpoints), insert_segment,
        add_published_ranges(segment.ranges) and, with `renew_task` (task id, lease end, update time), the
        task's lease renewed. Returns the segment id. On PostgreSQL one statement sent with COMMIT (one round
        trip), so nothing may be done in the transaction after it; a database error there is Unavailable
        (METADATA_STORE_UNAVAILABLE) and nothing was written."""
        ...

    def update_task(self, task: TaskRecord) -> None: ...

    def get_task_stats(self, task_id: str) -> TaskStats | None: ...

    def put_task_stats(self, task_id: str, supervisor_id: str, stats: TaskStats, now: datetime) -> None: ...

    def list_task_stats(self, task_ids: Sequence[str]) -> dict[str, TaskStats]: ...

    def request_handoff(self, task_id: str, supervisor_id: str, now: datetime) -> None: ...

    def handoff_requested(self, task_id: str) -> bool: ...

    def clear_handoff(self, task_id: str) -> None: ...

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


class CommitGroup(Protocol):
    """Several CommitCheckpoints' compare-and-swaps in one transaction (app/grouping.py says why): every
    member's row locks and reads at once, each member's checks on what it read, every member's writes at once.
    A store offers it with `groups_commits` true and `commit_group()`, a context manager that rolls the
    group back unless commit() ran (PostgreSQL: store/sql.py PgCommitGroup)."""

    def read_commits(self, requests: Sequence[tuple[str, str, Sequence[OffsetRange]]]) -> list["CommitGroupMember"]:
        """For each (task id, location, ranges), in order, its member: the row locks of every task, then of
        every supervisor (in id order: groups never deadlock), then each member's read_commit. Once."""
        ...

    def commit(self) -> None:
        """Every member's writes (those not discarded) and COMMIT."""
        ...


class CommitGroupMember(TaskTransaction, Protocol):
    """A member as its commit's use case sees its transaction: `reads` is its read_commit; write_commit and
    mark_for_scheduling queue for the group's commit (write_commit returns the segment id reserved for the
    member); anything else raises NarrowTransactionExceeded - the commit then runs on its own."""

    reads: CommitReads

    def discard(self) -> None:
        """Nothing of this member is written."""
        ...


class NarrowTransactionExceeded(Exception):
    """A narrow transaction (MetadataStore.transaction(narrow=True)) was asked for a statement it does not
    carry. It is rolled back: nothing of it is kept. The caller runs the same work again in a full
    transaction."""


class MetadataStore(Protocol):
    def transaction(self, *, narrow: bool = False) -> AbstractContextManager[TaskTransaction]:
        """A read-write transaction; commits on normal exit, rolls back on an exception.

        `narrow`: the caller expects to need only the commit path's statements (read_commit, write_commit,
        get_task, get_supervisor, get_checkpoints). A store may then run it on a leaner connection, and
        raise NarrowTransactionExceeded (after rolling back) when anything else is asked for."""
        ...

    def read(self) -> AbstractContextManager[TaskTransaction]:
        """A read-only snapshot; takes no write locks."""
        ...
