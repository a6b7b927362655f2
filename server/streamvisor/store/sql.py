"""The MetadataStore port on SQLAlchemy Core, for SQLite and PostgreSQL alike."""
from __future__ import annotations

import dataclasses
import logging
import sys
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator, Mapping, Sequence

from sqlalchemy import Connection, Engine, and_, bindparam, delete, event, func, insert, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError

from streamvisor.domain.autoscaler import AutoscalerConfig
from streamvisor.domain.coverage import absorb
from streamvisor import logs
from streamvisor.domain.errors import AlreadyExists, FieldViolation, InvalidArgument, Unavailable
from streamvisor.domain.model import (
    IdleConfig, OffsetRange, StreamType, Supervisor, SupervisorSpec, SupervisorState,
)
from streamvisor.domain.offsets import OffsetChange
from streamvisor.domain.ports import (
    AuditEvent, CommitReads, NarrowTransactionExceeded, Segment, SegmentFilter, StoredRequest,
)
from streamvisor.domain.stats import TaskStats
from streamvisor.domain.stats import from_json as stats_from_json
from streamvisor.domain.stats import to_json as stats_to_json
from streamvisor.domain.tasks import TaskRecord, TaskState
from streamvisor.store import pg
from streamvisor.store import schema as t
from streamvisor.store.engine import WRITE_OPTION
from streamvisor.store.offsets import decode_sortable

_PG_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE, without importing psycopg where only SQLite is used

log = logging.getLogger(__name__)

STORE_UNAVAILABLE = "METADATA_STORE_UNAVAILABLE"


def _store_failure(error: BaseException) -> Unavailable | None:
    """The Unavailable a PostgreSQL failure becomes, or None for anything else.

    Why: the hot paths run raw psycopg statements (store/pg.py), whose errors SQLAlchemy never sees or
    wraps; one raised by the pipelined writes and COMMIT, or a dropped connection, left the servicer as a
    bare exception, i.e. INTERNAL. The failures that are the database's and may pass on retry say instead
    that the store did not take the transaction: UNAVAILABLE, retryable. From psycopg: OperationalError
    (connection refused or terminated, shutdown, deadlock, serialization, statement timeout), IntegrityError
    (a constraint failed, e.g. against a concurrent writer: the retry is judged afresh), InternalError,
    InterfaceError and InvalidSqlStatementName (the session lost the commit's prepared statements: they are
    prepared again on the retry, store/pg.py run_simple); from SQLAlchemy its OperationalError/InterfaceError
    and any invalidated connection. A DataError or ProgrammingError is a bug of ours, not the store's state,
    and stays INTERNAL (retrying would not help); so does SQLAlchemy's IntegrityError, which the store
    catches itself where expected."""
    psycopg = sys.modules.get("psycopg")  # not imported at all on SQLite
    if psycopg is not None and isinstance(error, (psycopg.OperationalError, psycopg.IntegrityError,
                                                  psycopg.InternalError, psycopg.InterfaceError,
                                                  psycopg.errors.InvalidSqlStatementName)):
        cause = error
    elif isinstance(error, DBAPIError) and (error.connection_invalidated
                                            or type(error).__name__ in ("OperationalError", "InterfaceError")):
        cause = error.orig
    else:
        return None
    sqlstate = getattr(cause, "sqlstate", None) or "none"
    return Unavailable(STORE_UNAVAILABLE,
                       "the metadata store did not take the transaction; retry (a CommitCheckpoint retry is "
                       "answered as the first attempt was, whether or not that one was committed)",
                       {"sqlstate": sqlstate, "error": type(cause).__name__})


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def spec_to_json(spec: SupervisorSpec) -> dict:
    return {
        "stream_type": spec.stream_type.value if spec.stream_type else None,
        "stream": spec.stream,
        "consumer_properties": dict(spec.consumer_properties),
        "task_count": spec.task_count,
        "use_earliest_offset": spec.use_earliest_offset,
        "context": dict(spec.context),
        "bounded_ranges": [[r.partition, r.start, r.end] for r in spec.bounded_ranges],
        # Only when set: specs written before the autoscaler existed read back the same.
        **({"autoscaler": dataclasses.asdict(spec.autoscaler)} if spec.autoscaler.enabled else {}),
        **({"idle": dataclasses.asdict(spec.idle)} if spec.idle.enabled else {}),
    }


def spec_from_json(data: Mapping) -> SupervisorSpec:
    return SupervisorSpec(
        stream_type=StreamType(data["stream_type"]) if data.get("stream_type") else None,
        stream=data["stream"],
        consumer_properties=dict(data.get("consumer_properties", {})),
        task_count=int(data["task_count"]),
        use_earliest_offset=bool(data.get("use_earliest_offset", False)),
        context=dict(data.get("context", {})),
        bounded_ranges=tuple(OffsetRange(int(p), int(s), int(e)) for p, s, e in data.get("bounded_ranges", [])),
        autoscaler=AutoscalerConfig(**data["autoscaler"]) if data.get("autoscaler") else AutoscalerConfig(),
        idle=IdleConfig(**data["idle"]) if data.get("idle") else IdleConfig(),
    )


def _supervisor_row(s: Supervisor) -> dict:
    return {
        "id": s.id,
        "stream_type": s.spec.stream_type.value if s.spec.stream_type else "",
        "stream": s.spec.stream,
        "spec": spec_to_json(s.spec),
        "state": s.state.value,
        "state_detail": s.state_detail,
        "generation": s.generation,
        "version": s.version,
        "partitions": list(s.partitions),
        "backfill_of": s.backfill_of,
        "create_time": s.create_time,
        "update_time": s.update_time,
    }


def _supervisor_from_row(row) -> Supervisor:
    return Supervisor(
        id=row.id,
        spec=spec_from_json(row.spec),
        state=SupervisorState(row.state),
        generation=row.generation,
        version=row.version,
        partitions=tuple(row.partitions),
        create_time=_utc(row.create_time),
        update_time=_utc(row.update_time),
        state_detail=row.state_detail or "",
        backfill_of=row.backfill_of,
    )


def _state_name(state: SupervisorState | None) -> str | None:
    return state.value if state else None


def _offsets_json(offsets) -> dict | None:
    return None if offsets is None else {str(p): o for p, o in offsets.items()}


def _offsets_from_json(data) -> dict[int, int] | None:
    return None if data is None else {int(p): int(o) for p, o in data.items()}


def _task_from_row(row) -> TaskRecord:
    return TaskRecord(
        id=row.id, supervisor_id=row.supervisor_id, task_group=row.task_group, generation=row.generation,
        state=TaskState(row.state), create_time=_utc(row.create_time), update_time=_utc(row.update_time),
        worker_id=row.worker_id,
        lease_expires_at=_utc(row.lease_expires_at) if row.lease_expires_at else None,
        start_offsets=_offsets_from_json(row.start_offsets) or {},
        end_offsets=_offsets_from_json(row.end_offsets),
    )


_SQLITE_CHECKPOINTS = pg.GET_CHECKPOINTS.replace("%s", "?")  # the same read, in sqlite3's placeholders


def _refuse_core_statement() -> Connection:
    raise NarrowTransactionExceeded("this statement needs a full transaction")


# Connection.info key of the SqlTransaction whose deferred writes must reach the database before the next
# SQLAlchemy statement on that connection (see SqlTaskStore._defer and SqlMetadataStore).
_DEFERRING = "streamvisor_deferring_transaction"


class SqlTaskStore:
    """Task rows and the scheduler's leader lease; mixed into SqlTransaction."""

    c: Connection
    dialect: str

    def _pg(self):
        """A psycopg cursor on this transaction's connection when on PostgreSQL (store/pg.py's hot path), else
        None (SQLite keeps the Core statements). The writes deferred so far are sent first, so what the
        caller reads next includes them."""
        if self.dialect != "postgresql":
            return None
        if self.ended:
            raise RuntimeError("write_commit ended this transaction")
        if self._deferred:
            self.flush()
        cursor = self._pg_cursor()
        if self._begin_pending:  # a narrow transaction's connection is in autocommit: open the transaction
            self._begin_pending = False
            cursor.execute("BEGIN")
        return cursor

    def _pg_cursor(self):
        if self._cursor is None:
            self._cursor = self.c.connection.driver_connection.cursor()
        return self._cursor

    def _defer(self, statement: tuple[str, tuple]) -> None:
        """Queues a PostgreSQL write whose result nobody reads; flush() sends the queue in one pipelined
        round trip. Why: a commit's writes (checkpoints, coverage rows, task renewal) were a round trip each,
        and every round trip also meant giving up and winning back the GIL among 16 busy threads while
        the supervisor's row lock was held. Statements still run in the order they were issued: the next
        raw read flushes (see _pg), the next SQLAlchemy statement on this connection flushes (an engine
        event, see SqlMetadataStore), and the transaction's end sends them with its COMMIT."""
        self._pg_cursor()
        if not self._deferred and self._c is not None:  # without a SQLAlchemy connection nothing can overtake
            self._c.info[_DEFERRING] = self
        self._deferred.append(statement)

    def flush(self, then: tuple[str, tuple] | None = None, commit: bool = False, simple: bool = False):
        """Sends the deferred writes, then `then` (a statement whose rows the caller fetches from the
        returned cursor) and/or COMMIT, all in one pipeline: one round trip. Returns the cursor of `then`.
        `simple`: all in one simple-query string instead, on pg.simple_cursor (`then` may be an EXECUTE of a
        statement prepared there)."""
        cursor = self._cursor
        pending, self._deferred = self._deferred, []
        if self._c is not None:
            self._c.info.pop(_DEFERRING, None)
        # A narrow transaction in which nothing ran yet opens here, if anything is to be sent.
        begin = self._begin_pending and bool(pending or then is not None)
        self._begin_pending = False
        if simple:
            return self._flush_simple(begin, pending, then, commit)
        if begin:
            pending.insert(0, ("BEGIN", ()))
        if then is not None and not pending and not commit:
            cursor.execute(*then)
            return cursor
        connection = cursor.connection
        if commit and connection.pgconn.transaction_status == _PG_IDLE and not begin:
            commit = False  # nothing ran: nothing to commit
        if not pending and not commit and then is None:
            return cursor
        with connection.pipeline():
            for statement in pending:
                cursor.execute(*statement)
            if then is not None:
                cursor.execute(*then)
            if commit:
                # psycopg's own commit() would wait for a round trip of its own. SQLAlchemy's commit after
                # this one finds the connection idle, where psycopg's commit() does nothing.
                connection.execute("COMMIT")
        return cursor

    def _flush_simple(self, begin: bool, pending: list[tuple[str, tuple]], then: tuple[str, tuple] | None,
                      commit: bool):
        connection = self._cursor.connection
        statements = (["BEGIN"] if begin else []) + [sql for sql, _ in pending] + ([then[0]] if then else [])
        parameters = [value for _, values in pending for value in values] + (list(then[1]) if then else [])
        if commit and (statements or connection.pgconn.transaction_status != _PG_IDLE):
            statements.append("COMMIT")
        if not statements:
            return pg.simple_cursor(connection)
        client = pg.run_simple(connection, "; ".join(statements), parameters)
        if then is not None:
            for _ in range(begin + len(pending)):  # to the results of `then`
                client.nextset()
        return client

    def _insert(self, table):
        """INSERT in this database's dialect: both PostgreSQL's and SQLite's carry ON CONFLICT."""
        return (postgresql if self.dialect == "postgresql" else sqlite).insert(table)

    def _upsert(self, table, key: str, **values) -> None:
        """Inserts the row, or on a conflict on `key` overwrites its other columns with `values`."""
        statement = self._insert(table).values(**values)
        self.c.execute(statement.on_conflict_do_update(
            index_elements=[table.c[key]], set_={c: statement.excluded[c] for c in values if c != key}))

    def ensure_task(self, task: TaskRecord) -> bool:
        """Inserts the task unless its (supervisor, generation, group) exists; True if inserted."""
        statement = self._insert(t.tasks).values(
            id=task.id, supervisor_id=task.supervisor_id, task_group=task.task_group, generation=task.generation,
            state=task.state.value, worker_id=None, lease_expires_at=None, start_offsets={}, end_offsets=None,
            create_time=task.create_time, update_time=task.update_time,
        ).on_conflict_do_nothing(index_elements=["supervisor_id", "generation", "task_group"])
        return self.c.execute(statement).rowcount == 1

    def get_task(self, task_id: str, *, lock: bool = False) -> TaskRecord | None:
        cursor = self._pg()
        if cursor is not None:
            return pg.get_task(cursor, task_id, lock)
        query = select(t.tasks).where(t.tasks.c.id == task_id)
        if lock:
            query = query.with_for_update()
        row = self.c.execute(query).first()
        return _task_from_row(row) if row else None

    def lock_task_and_supervisor(self, task_id: str) -> tuple[TaskRecord | None, Supervisor | None]:
        cursor = self._pg()
        if cursor is not None:
            return pg.lock_task_and_supervisor(cursor, task_id, spec_from_json)
        task = self.get_task(task_id, lock=True)
        return (None, None) if task is None else (task, self.get_supervisor(task.supervisor_id, lock=True))

    def read_commit(self, task_id: str, location: str, ranges: Sequence[OffsetRange]) -> CommitReads:
        begin = self._begin_pending  # sent with the reads (one round trip), not on its own by _pg
        self._begin_pending = False
        cursor = self._pg()
        if cursor is None:
            task, supervisor = self.lock_task_and_supervisor(task_id)
            if task is None or supervisor is None:
                return CommitReads(task, supervisor, None, {})
            return CommitReads(task, supervisor, *self.find_segment_and_checkpoints(supervisor.id, location))
        task, supervisor, replayed, checkpoints, neighbours = pg.read_commit(cursor, task_id, location, ranges,
                                                                             spec_from_json, begin)
        if supervisor is not None:
            self._neighbours = (supervisor.id, tuple(ranges), neighbours)
        return CommitReads(task, supervisor, replayed, checkpoints)

    def write_commit(self, segment: Segment, checkpoints: Mapping[int, int],
                     renew_task: tuple[str, datetime, datetime] | None = None) -> int:
        if self.dialect != "postgresql":
            self.set_checkpoints(segment.supervisor_id, checkpoints)
            segment_id = self.insert_segment(segment)
            self.add_published_ranges(segment.supervisor_id, segment.ranges)
            if renew_task is not None:
                task_id, lease_end, updated = renew_task
                self.c.execute(update(t.tasks).where(t.tasks.c.id == task_id).values(
                    lease_expires_at=lease_end, update_time=updated))
            return segment_id
        self._pg_cursor()
        known = self._neighbours
        if known is not None and known[0] == segment.supervisor_id and known[1] == tuple(segment.ranges):
            neighbours = known[2]
        else:  # not read by read_commit (Commits.commit_checkpoint): one more round trip
            rows = self.flush(then=pg.published_neighbours(segment.supervisor_id, segment.ranges)).fetchall()
            neighbours = [(row_id, OffsetRange(p, a, b)) for row_id, p, a, b in rows]
        coverage = [absorb(neighbours, r) for r in segment.ranges]
        cursor = self.flush(then=pg.write_commit(segment, checkpoints, coverage, renew_task), commit=True,
                            simple=True)
        self.ended = True
        return cursor.fetchone()[0]

    def list_tasks(self, supervisor_id: str | None = None,
                   states: frozenset[TaskState] = frozenset()) -> list[TaskRecord]:
        query = select(t.tasks).order_by(t.tasks.c.supervisor_id, t.tasks.c.generation, t.tasks.c.task_group)
        if supervisor_id is not None:
            query = query.where(t.tasks.c.supervisor_id == supervisor_id)
        if states:
            query = query.where(t.tasks.c.state.in_([s.value for s in states]))
        return [_task_from_row(r) for r in self.c.execute(query)]

    def get_task_stats(self, task_id: str) -> TaskStats | None:
        row = self.c.execute(select(t.task_stats.c.payload).where(t.task_stats.c.task_id == task_id)).first()
        return None if row is None else stats_from_json(row.payload)

    def put_task_stats(self, task_id: str, supervisor_id: str, stats: TaskStats, now: datetime) -> None:
        self._upsert(t.task_stats, "task_id", task_id=task_id, supervisor_id=supervisor_id,
                     payload=stats_to_json(stats), update_time=now)

    def list_task_stats(self, task_ids: Sequence[str]) -> dict[str, TaskStats]:
        if not task_ids:
            return {}
        rows = self.c.execute(select(t.task_stats.c.task_id, t.task_stats.c.payload)
                              .where(t.task_stats.c.task_id.in_(list(task_ids))))
        return {r.task_id: stats_from_json(r.payload) for r in rows}

    def request_handoff(self, task_id: str, supervisor_id: str, now: datetime) -> None:
        self.c.execute(self._insert(t.handoff_requests).values(
            task_id=task_id, supervisor_id=supervisor_id, requested_at=now).on_conflict_do_nothing())

    def handoff_requested(self, task_id: str) -> bool:
        return self.c.execute(select(t.handoff_requests.c.task_id)
                              .where(t.handoff_requests.c.task_id == task_id)).first() is not None

    def clear_handoff(self, task_id: str) -> None:
        self.c.execute(delete(t.handoff_requests).where(t.handoff_requests.c.task_id == task_id))

    def update_task(self, task: TaskRecord) -> None:
        if self.dialect == "postgresql":
            return self._defer(pg.update_task(task))
        self.c.execute(update(t.tasks).where(t.tasks.c.id == task.id).values(
            state=task.state.value, worker_id=task.worker_id, lease_expires_at=task.lease_expires_at,
            start_offsets=_offsets_json(task.start_offsets) or {}, end_offsets=_offsets_json(task.end_offsets),
            update_time=task.update_time))

    def leasable_tasks(self, now: datetime, stream_types: frozenset[StreamType], limit: int) -> list[TaskRecord]:
        """Tasks a worker may take now: pending, or leased with an expired lease, of a RUNNING supervisor at
        that supervisor's generation. Oldest first. On PostgreSQL rows other acquirers hold are skipped."""
        s = t.supervisors
        query = (
            select(t.tasks).join(s, s.c.id == t.tasks.c.supervisor_id)
            .where(s.c.state == SupervisorState.RUNNING.value, s.c.generation == t.tasks.c.generation)
            .where(or_(t.tasks.c.state == TaskState.PENDING.value,
                       and_(t.tasks.c.state == TaskState.LEASED.value, t.tasks.c.lease_expires_at <= now)))
            .order_by(t.tasks.c.update_time, t.tasks.c.id).limit(limit)
        )
        if stream_types:
            query = query.where(s.c.stream_type.in_([x.value for x in stream_types]))
        if self.dialect == "postgresql":
            query = query.with_for_update(of=t.tasks, skip_locked=True)
        return [_task_from_row(r) for r in self.c.execute(query)]

    def expired_leases(self, now: datetime, limit: int) -> list[TaskRecord]:
        """LEASED tasks whose lease ran out, oldest expiry first (ix_tasks_state_lease_expires_at)."""
        query = (select(t.tasks).where(t.tasks.c.state == TaskState.LEASED.value, t.tasks.c.lease_expires_at <= now)
                 .order_by(t.tasks.c.lease_expires_at, t.tasks.c.id).limit(limit))
        return [_task_from_row(r) for r in self.c.execute(query)]

    def stale_tasks(self, now: datetime, limit: int) -> list[TaskRecord]:
        """Open (PENDING/LEASED) tasks the scheduler must change: of a missing or finished supervisor or an
        older generation, leased while the supervisor is not RUNNING, or with an expired lease. One join,
        for the sweep; nothing is returned at rest."""
        s, k = t.supervisors, t.tasks
        terminal = [x.value for x in SupervisorState if x.is_terminal]
        query = (
            select(k).outerjoin(s, s.c.id == k.c.supervisor_id)
            .where(k.c.state.in_([TaskState.PENDING.value, TaskState.LEASED.value]))
            .where(or_(s.c.id.is_(None), s.c.state.in_(terminal), k.c.generation != s.c.generation,
                       and_(k.c.state == TaskState.LEASED.value,
                            or_(s.c.state != SupervisorState.RUNNING.value, k.c.lease_expires_at <= now))))
            .order_by(k.c.id).limit(limit))
        return [_task_from_row(r) for r in self.c.execute(query)]

    def scheduling_summary(self, states: frozenset[SupervisorState]) -> list[tuple[Supervisor, int, int]]:
        """Every supervisor in `states` with its number of checkpoints and of tasks at its generation: the
        sweep settles only those short of either, in one query instead of two per supervisor."""
        s = t.supervisors
        checkpoints = (select(t.checkpoints.c.supervisor_id.label("sid"), func.count().label("n"))
                       .group_by(t.checkpoints.c.supervisor_id).subquery())
        tasks = (select(t.tasks.c.supervisor_id.label("sid"), func.count().label("n"))
                 .join(s, and_(s.c.id == t.tasks.c.supervisor_id, s.c.generation == t.tasks.c.generation))
                 .group_by(t.tasks.c.supervisor_id).subquery())
        query = (select(s, func.coalesce(checkpoints.c.n, 0).label("checkpoint_count"),
                        func.coalesce(tasks.c.n, 0).label("task_count"))
                 .outerjoin(checkpoints, checkpoints.c.sid == s.c.id).outerjoin(tasks, tasks.c.sid == s.c.id)
                 .where(s.c.state.in_([x.value for x in states])).order_by(s.c.id))
        return [(_supervisor_from_row(r), r.checkpoint_count, r.task_count) for r in self.c.execute(query)]

    # Scheduling marks ------------------------------------------------------------------------------
    def mark_for_scheduling(self, supervisor_id: str, now: datetime) -> None:
        if self.dialect == "postgresql" and not self.ended:
            # Deferred to the commit's writes (no round trip of its own), and possible in a narrow transaction.
            self._defer(pg.mark_for_scheduling(supervisor_id, uuid.uuid4().hex, now))
            return
        self._mark(supervisor_id, now)

    def _mark(self, supervisor_id: str, now: datetime) -> None:
        """Marks the supervisor for the scheduler, in the caller's transaction, with a fresh token."""
        self._upsert(t.scheduling_marks, "supervisor_id", supervisor_id=supervisor_id, token=uuid.uuid4().hex,
                     marked_at=now)

    def list_scheduling_marks(self, limit: int) -> list[tuple[str, str]]:
        rows = self.c.execute(select(t.scheduling_marks.c.supervisor_id, t.scheduling_marks.c.token)
                              .order_by(t.scheduling_marks.c.marked_at, t.scheduling_marks.c.supervisor_id)
                              .limit(limit))
        return [(r.supervisor_id, r.token) for r in rows]

    def clear_scheduling_mark(self, supervisor_id: str, token: str) -> bool:
        return self.c.execute(delete(t.scheduling_marks).where(
            t.scheduling_marks.c.supervisor_id == supervisor_id, t.scheduling_marks.c.token == token)).rowcount == 1

    def hold_lease(self, name: str, holder: str, now: datetime, expires_at: datetime) -> bool:
        """Takes or renews a named lease (leader election); True if `holder` holds it afterwards."""
        taken = self.c.execute(update(t.leases).where(
            t.leases.c.name == name, or_(t.leases.c.holder == holder, t.leases.c.expires_at <= now),
        ).values(holder=holder, expires_at=expires_at)).rowcount
        if taken:
            return True
        try:
            with self.c.begin_nested():
                self.c.execute(insert(t.leases).values(name=name, holder=holder, expires_at=expires_at))
            return True
        except IntegrityError:
            return False

    def lease_holder(self, name: str) -> tuple[str, datetime] | None:
        row = self.c.execute(select(t.leases).where(t.leases.c.name == name)).first()
        return (row.holder, _utc(row.expires_at)) if row else None


class SqlTransaction(SqlTaskStore):
    """Implements domain.ports.Transaction on one connection inside one database transaction."""

    def __init__(self, connection: Connection | None, *, dialect: str = "", cursor=None, connect=None,
                 begin: bool = False):
        """On `connection`; or, for PostgreSQL reads, on the raw `cursor` with `connect` opening a SQLAlchemy
        connection only if a statement of the Core path is needed (the caller closes it: see `opened`).
        `begin`: the raw cursor's connection is in autocommit, and the first statement must open the
        transaction (a narrow transaction: SqlMetadataStore._narrow_transaction)."""
        self._c = connection
        self._begin_pending = begin
        self.dialect = connection.dialect.name if connection is not None else dialect
        self._cursor = cursor
        self._connect = connect
        self._deferred: list[tuple[str, tuple]] = []
        # read_commit's coverage rows for write_commit: (supervisor id, ranges, rows).
        self._neighbours: tuple[str, tuple[OffsetRange, ...], list[tuple[int, OffsetRange]]] | None = None
        self.ended = False  # write_commit sent COMMIT: nothing more may run in this transaction

    @property
    def c(self) -> Connection:
        if self.ended:
            raise RuntimeError("write_commit ended this transaction")
        if self._c is None:
            self._c = self._connect()
        return self._c

    @property
    def opened(self) -> Connection | None:
        """The SQLAlchemy connection, if one was opened."""
        return self._c

    # Supervisors ---------------------------------------------------------------------------------
    def get_supervisor(self, supervisor_id: str, *, lock: bool = False) -> Supervisor | None:
        cursor = self._pg()
        if cursor is not None:
            return pg.get_supervisor(cursor, supervisor_id, lock, spec_from_json)
        query = select(t.supervisors).where(t.supervisors.c.id == supervisor_id)
        if lock:
            # PostgreSQL: a row lock every checkpoint writer takes first. SQLite: a no-op, the whole
            # database is already write-locked by BEGIN IMMEDIATE.
            query = query.with_for_update()
        row = self.c.execute(query).first()
        return _supervisor_from_row(row) if row else None

    def insert_supervisor(self, supervisor: Supervisor) -> None:
        try:
            with self.c.begin_nested():
                self.c.execute(insert(t.supervisors).values(**_supervisor_row(supervisor)))
        except IntegrityError:
            raise AlreadyExists("SUPERVISOR_ALREADY_EXISTS", f"supervisor {supervisor.id!r} already exists",
                                {"supervisor_id": supervisor.id}) from None
        self._mark(supervisor.id, supervisor.update_time)

    def update_supervisor(self, supervisor: Supervisor) -> None:
        values = _supervisor_row(supervisor)
        values.pop("id")
        values.pop("create_time")
        self.c.execute(update(t.supervisors).where(t.supervisors.c.id == supervisor.id).values(**values))
        self._mark(supervisor.id, supervisor.update_time)

    def list_supervisors(self, after_id, limit, states, stream_types) -> list[Supervisor]:
        query = select(t.supervisors).order_by(t.supervisors.c.id).limit(limit)
        if after_id is not None:
            query = query.where(t.supervisors.c.id > after_id)
        if states:
            query = query.where(t.supervisors.c.state.in_([s.value for s in states]))
        if stream_types:
            query = query.where(t.supervisors.c.stream_type.in_([s.value for s in stream_types]))
        return [_supervisor_from_row(r) for r in self.c.execute(query)]

    def list_backfills(self, supervisor_id: str) -> list[Supervisor]:
        query = select(t.supervisors).where(t.supervisors.c.backfill_of == supervisor_id).order_by(
            t.supervisors.c.create_time, t.supervisors.c.id)
        return [_supervisor_from_row(r) for r in self.c.execute(query)]

    # Checkpoints ---------------------------------------------------------------------------------
    def get_checkpoints(self, supervisor_id: str) -> dict[int, int]:
        cursor = self._pg()
        if cursor is not None:
            return pg.get_checkpoints(cursor, supervisor_id)
        # SQLite: the statement as driver SQL, each offset decoded here. Why: at 1,000 partitions the Core
        # select's result processing (a Row and the offset TypeDecorator per row) was 8% of a GetOffsets
        # (3.3-3.8 ms against 1.5-2.0 for the same read, bench/README.md).
        rows = self.c.exec_driver_sql(_SQLITE_CHECKPOINTS, (supervisor_id,))
        return {partition: decode_sortable(offset) for partition, offset in rows}

    def set_checkpoints(self, supervisor_id: str, checkpoints: Mapping[int, int | None]) -> None:
        cleared = [p for p, o in checkpoints.items() if o is None]
        written = [{"supervisor_id": supervisor_id, "partition": p, "next_offset": o}
                   for p, o in checkpoints.items() if o is not None]
        if cleared:
            self.c.execute(delete(t.checkpoints).where(and_(
                t.checkpoints.c.supervisor_id == supervisor_id, t.checkpoints.c.partition.in_(cleared))))
        if written and self.dialect == "postgresql":
            self._defer(pg.upsert_checkpoints(supervisor_id, {p: o for p, o in checkpoints.items() if o is not None}))
        elif written:
            statement = self._insert(t.checkpoints)
            statement = statement.on_conflict_do_update(
                index_elements=[t.checkpoints.c.supervisor_id, t.checkpoints.c.partition],
                set_={"next_offset": statement.excluded.next_offset},
            )
            self.c.execute(statement, written)

    # Audit -----------------------------------------------------------------------------------------
    def add_audit_event(self, event: AuditEvent) -> None:
        payload = {
            "state_before": _state_name(event.state_before),
            "state_after": _state_name(event.state_after),
            "generation_before": event.generation_before,
            "generation_after": event.generation_after,
            "offset_changes": [[c.partition, c.before, c.after] for c in event.offset_changes],
            "details": dict(event.details),
        }
        self.c.execute(insert(t.audit_events).values(
            supervisor_id=event.supervisor_id, action=event.action, actor=event.actor,
            request_id=event.request_id, create_time=event.create_time, payload=payload))

    def list_audit_events(self, supervisor_id: str, before_id: int | None, limit: int) -> list[AuditEvent]:
        query = (select(t.audit_events).where(t.audit_events.c.supervisor_id == supervisor_id)
                 .order_by(t.audit_events.c.id.desc()).limit(limit))
        if before_id is not None:
            query = query.where(t.audit_events.c.id < before_id)
        events = []
        for r in self.c.execute(query):
            p = r.payload
            events.append(AuditEvent(
                id=r.id, supervisor_id=r.supervisor_id, action=r.action, actor=r.actor,
                request_id=r.request_id, create_time=_utc(r.create_time),
                state_before=SupervisorState(p["state_before"]) if p.get("state_before") else None,
                state_after=SupervisorState(p["state_after"]) if p.get("state_after") else None,
                generation_before=p.get("generation_before", 0), generation_after=p.get("generation_after", 0),
                offset_changes=tuple(OffsetChange(a, b, c) for a, b, c in p.get("offset_changes", [])),
                details=p.get("details", {}),
            ))
        return events

    # Idempotency -----------------------------------------------------------------------------------
    def get_request(self, request_id: str) -> StoredRequest | None:
        row = self.c.execute(select(t.idempotency_keys).where(t.idempotency_keys.c.request_id == request_id)).first()
        if row is None:
            return None
        return StoredRequest(row.request_id, row.method, row.fingerprint, row.response)

    def save_request(self, request: StoredRequest, now: datetime) -> None:
        try:
            with self.c.begin_nested():
                self.c.execute(insert(t.idempotency_keys).values(
                    request_id=request.request_id, method=request.method, fingerprint=request.fingerprint,
                    response=dict(request.response), create_time=now))
        except IntegrityError:
            # Another call (on another supervisor, so not serialised by our row lock) took this id first.
            raise InvalidArgument([FieldViolation("request_id", "was already used for a different request")],
                                  reason="REQUEST_ID_REUSED", metadata={"request_id": request.request_id}) from None

    # Segments --------------------------------------------------------------------------------------
    def insert_segment(self, segment: Segment) -> int:
        if self.dialect == "postgresql":
            self._pg_cursor()
            return self.flush(then=pg.insert_segment(segment)).fetchone()[0]
        result = self.c.execute(insert(t.segments).values(
            supervisor_id=segment.supervisor_id, task_id=segment.task_id, generation=segment.generation,
            location=segment.location, record_count=segment.record_count, create_time=segment.create_time,
        ).returning(t.segments.c.id))
        segment_id = result.scalar_one()
        self.c.execute(insert(t.segment_ranges), [
            {"segment_id": segment_id, "supervisor_id": segment.supervisor_id, "partition": r.partition,
             "start_offset": r.start, "end_offset": r.end}
            for r in segment.ranges])
        return segment_id

    def find_segment_and_checkpoints(self, supervisor_id: str,
                                     location: str) -> tuple[Segment | None, dict[int, int]]:
        cursor = self._pg()
        if cursor is None:
            return self.find_segment(supervisor_id, location), self.get_checkpoints(supervisor_id)
        return pg.find_segment_and_checkpoints(cursor, supervisor_id, location)

    def find_segment(self, supervisor_id: str, location: str) -> Segment | None:
        cursor = self._pg()
        if cursor is not None:
            return pg.find_segment(cursor, supervisor_id, location)
        first = (select(func.min(t.segments.c.id)).where(t.segments.c.supervisor_id == supervisor_id,
                                                        t.segments.c.location == location).scalar_subquery())
        rows = self.c.execute(
            select(t.segments, t.segment_ranges.c.partition, t.segment_ranges.c.start_offset,
                   t.segment_ranges.c.end_offset)
            .join(t.segment_ranges, t.segment_ranges.c.segment_id == t.segments.c.id)
            .where(t.segments.c.id == first)).all()
        if not rows:
            return None
        r = rows[0]
        return Segment(r.supervisor_id, r.task_id, r.generation,
                       tuple(OffsetRange(x.partition, x.start_offset, x.end_offset) for x in rows), r.location,
                       r.record_count, _utc(r.create_time), r.id)

    def list_segments(self, supervisor_ids: Sequence[str]) -> list[Segment]:
        rows = self.c.execute(
            select(t.segments, t.segment_ranges.c.partition, t.segment_ranges.c.start_offset,
                   t.segment_ranges.c.end_offset)
            .join(t.segment_ranges, t.segment_ranges.c.segment_id == t.segments.c.id)
            .where(t.segments.c.supervisor_id.in_(list(supervisor_ids)))
            .order_by(t.segments.c.id))
        by_id: dict[int, tuple] = {}
        for r in rows:
            entry = by_id.setdefault(r.id, (r, []))
            entry[1].append(OffsetRange(r.partition, r.start_offset, r.end_offset))
        return [Segment(r.supervisor_id, r.task_id, r.generation, tuple(ranges), r.location, r.record_count,
                        _utc(r.create_time), r.id) for r, ranges in by_id.values()]

    def list_segment_page(self, supervisor_ids: Sequence[str], after_id: int | None, limit: int,
                          filters: SegmentFilter) -> list[Segment]:
        """One page of published segments in id order. Each filter is an index seek: by location
        (supervisor_id, location); by partition (supervisor_id, partition, segment_id) of segment_ranges,
        from the cursor on; otherwise (supervisor_id, id). The offset range is checked on the rows found."""
        s, r = t.segments, t.segment_ranges
        ids = list(supervisor_ids)
        if filters.partition is not None or filters.start is not None or filters.end is not None:
            overlap = [r.c.end_offset > r.c.start_offset]  # an empty range overlaps nothing
            if filters.partition is not None:
                overlap.append(r.c.partition == filters.partition)
            if filters.start is not None:
                overlap.append(r.c.end_offset > filters.start)
            if filters.end is not None:
                overlap.append(r.c.start_offset < filters.end)
            query = (select(r.c.segment_id.label("id")).distinct().where(r.c.supervisor_id.in_(ids), *overlap)
                     .order_by(r.c.segment_id).limit(limit))
            if after_id is not None:
                query = query.where(r.c.segment_id > after_id)
            if filters.location:
                query = query.where(r.c.segment_id.in_(select(s.c.id).where(
                    s.c.supervisor_id.in_(ids), s.c.location == filters.location)))
        else:
            query = select(s.c.id).where(s.c.supervisor_id.in_(ids)).order_by(s.c.id).limit(limit)
            if after_id is not None:
                query = query.where(s.c.id > after_id)
            if filters.location:
                query = query.where(s.c.location == filters.location)
        page = [row.id for row in self.c.execute(query)]
        if not page:
            return []
        rows = self.c.execute(
            select(s, r.c.partition, r.c.start_offset, r.c.end_offset)
            .join(r, r.c.segment_id == s.c.id).where(s.c.id.in_(page)).order_by(s.c.id, r.c.partition))
        by_id: dict[int, tuple] = {}
        for row in rows:
            by_id.setdefault(row.id, (row, []))[1].append(OffsetRange(row.partition, row.start_offset,
                                                                      row.end_offset))
        return [Segment(row.supervisor_id, row.task_id, row.generation, tuple(ranges), row.location,
                        row.record_count, _utc(row.create_time), row.id) for row, ranges in by_id.values()]

    # Published ranges (maintained coverage) ----------------------------------------------------------
    def add_published_ranges(self, supervisor_id: str, ranges: Sequence[OffsetRange]) -> None:
        if self.dialect == "postgresql":
            return self._add_published_ranges_pg(supervisor_id, ranges)
        pr = t.published_ranges
        # Only the rows the new ranges abut are read: two index seeks per range, whatever was published.
        rows = self.c.execute(_NEIGHBOURS, {
            "supervisor_id": supervisor_id,
            "ends": [(r.partition, r.start) for r in ranges], "starts": [(r.partition, r.end) for r in ranges],
        }).all()
        neighbours = [(row.id, OffsetRange(row.partition, row.start_offset, row.end_offset)) for row in rows]
        updates, inserts, deletes = [], [], []
        for r in ranges:
            change = absorb(neighbours, r)
            if change.update is not None:
                row_id, merged = change.update
                updates.append({"row_id": row_id, "start": merged.start, "end": merged.end})
            if change.delete is not None:
                deletes.append(change.delete)
            if change.insert is not None:
                inserts.append({"supervisor_id": supervisor_id, "partition": change.insert.partition,
                                "start_offset": change.insert.start, "end_offset": change.insert.end})
        if updates:
            self.c.execute(_EXTEND, updates)
        if deletes:
            self.c.execute(delete(pr).where(pr.c.id.in_(deletes)))
        if inserts:
            self.c.execute(insert(pr), inserts)

    def _add_published_ranges_pg(self, supervisor_id: str, ranges: Sequence[OffsetRange]) -> None:
        """The same as the Core version below, as store/pg.py's fixed statements: one read (with the writes
        deferred before it), then the changes deferred."""
        self._pg_cursor()
        rows = self.flush(then=pg.published_neighbours(supervisor_id, ranges)).fetchall()
        neighbours = [(row_id, OffsetRange(p, a, b)) for row_id, p, a, b in rows]
        updates, inserts, deletes = [], [], []
        for r in ranges:
            change = absorb(neighbours, r)
            if change.update is not None:
                updates.append(change.update)
            if change.delete is not None:
                deletes.append(change.delete)
            if change.insert is not None:
                inserts.append(change.insert)
        if updates:
            self._defer(pg.extend_published(updates))
        if deletes:
            self._defer(pg.delete_published(deletes))
        if inserts:
            self._defer(pg.insert_published(supervisor_id, inserts))

    def list_published_ranges(self, supervisor_ids: Sequence[str]) -> list[tuple[OffsetRange, str]]:
        pr = t.published_ranges
        rows = self.c.execute(
            select(pr.c.supervisor_id, pr.c.partition, pr.c.start_offset, pr.c.end_offset)
            .where(pr.c.supervisor_id.in_(list(supervisor_ids))).order_by(pr.c.id))
        return [(OffsetRange(r.partition, r.start_offset, r.end_offset), r.supervisor_id) for r in rows]

    # Stream identities ---------------------------------------------------------------------------
    def get_stream_identities(self, supervisor_ids: Sequence[str]) -> dict[str, str]:
        if not supervisor_ids:
            return {}
        rows = self.c.execute(select(t.stream_identities.c.supervisor_id, t.stream_identities.c.identity)
                              .where(t.stream_identities.c.supervisor_id.in_(list(supervisor_ids))))
        return {r.supervisor_id: r.identity for r in rows}

    def set_stream_identity(self, supervisor_id: str, identity: str | None, now: datetime,
                            only_if_absent: bool = False) -> None:
        if identity is None:
            self.c.execute(delete(t.stream_identities).where(t.stream_identities.c.supervisor_id == supervisor_id))
        elif only_if_absent:
            self.c.execute(self._insert(t.stream_identities).values(
                supervisor_id=supervisor_id, identity=identity, observe_time=now).on_conflict_do_nothing(
                index_elements=["supervisor_id"]))
        else:
            self._upsert(t.stream_identities, "supervisor_id", supervisor_id=supervisor_id, identity=identity,
                         observe_time=now)

    # Unrecoverable ranges ------------------------------------------------------------------------
    def add_unrecoverable_ranges(self, supervisor_id: str, ranges: Sequence[OffsetRange], now: datetime) -> None:
        self.c.execute(insert(t.unrecoverable_ranges), [
            {"supervisor_id": supervisor_id, "partition": r.partition, "start_offset": r.start,
             "end_offset": r.end, "create_time": now} for r in ranges])

    def list_unrecoverable_ranges(self, supervisor_ids: Sequence[str]) -> list[OffsetRange]:
        rows = self.c.execute(
            select(t.unrecoverable_ranges.c.partition, t.unrecoverable_ranges.c.start_offset,
                   t.unrecoverable_ranges.c.end_offset)
            .where(t.unrecoverable_ranges.c.supervisor_id.in_(list(supervisor_ids)))
            .order_by(t.unrecoverable_ranges.c.id))
        return [OffsetRange(r.partition, r.start_offset, r.end_offset) for r in rows]


_published = t.published_ranges
# Built once: the commit path runs them on every commit.
_NEIGHBOURS = select(_published.c.id, _published.c.partition, _published.c.start_offset,
                     _published.c.end_offset).where(
    _published.c.supervisor_id == bindparam("supervisor_id"),
    or_(tuple_(_published.c.partition, _published.c.end_offset).in_(bindparam("ends", expanding=True)),
        tuple_(_published.c.partition, _published.c.start_offset).in_(bindparam("starts", expanding=True))),
).order_by(_published.c.id)
_EXTEND = update(_published).where(_published.c.id == bindparam("row_id")).values(
    start_offset=bindparam("start"), end_offset=bindparam("end"))


class PgCommitGroup:
    """Several commits' compare-and-swaps in one PostgreSQL transaction (domain/ports.py CommitGroup): one round
    trip for every member's row locks and reads (pg.read_commit_group), one for every member's writes and the
    COMMIT. A member is a GroupMember, which its commit's use case drives as it would a narrow transaction."""

    def __init__(self, raw):
        self._raw = raw
        self._members: list[GroupMember] = []

    def read_commits(self, requests: Sequence[tuple[str, str, Sequence[OffsetRange]]]) -> list["GroupMember"]:
        if self._members:
            raise RuntimeError("a commit group reads once")
        reads, segment_ids = pg.read_commit_group(self._raw, requests, spec_from_json)
        self._members = [GroupMember(task_id, CommitReads(task, supervisor, replayed, checkpoints), neighbours,
                                     segment_id)
                         for (task_id, _, _), (task, supervisor, replayed, checkpoints, neighbours), segment_id
                         in zip(requests, reads, segment_ids)]
        return self._members

    def commit(self) -> None:
        """Every member's writes (those not discarded), then COMMIT: one round trip."""
        pg.run_statements(self._raw, [w for member in self._members if not member.discarded for w in member.writes]
                          + [("COMMIT", ())])


class GroupMember:
    """One commit of a PgCommitGroup, as its use case sees its transaction: read_commit answers from the group's
    reads, write_commit and mark_for_scheduling queue their statements for the group's commit(), and anything
    else raises NarrowTransactionExceeded (the use case then discards the member and runs the commit on its
    own). write_commit returns the segment id the group took from the sequence for this member."""

    def __init__(self, task_id: str, reads: CommitReads, neighbours: list[tuple[int, OffsetRange]], segment_id: int):
        self.task_id = task_id
        self.reads = reads
        self._neighbours = neighbours
        self.segment_id = segment_id
        self.writes: list[tuple[str, tuple]] = []
        self.discarded = False

    def read_commit(self, task_id: str, location: str, ranges: Sequence[OffsetRange]) -> CommitReads:
        if task_id != self.task_id:
            raise NarrowTransactionExceeded("a group member reads only its own commit")
        return self.reads

    def write_commit(self, segment: Segment, checkpoints: Mapping[int, int],
                     renew_task: tuple[str, datetime, datetime] | None = None) -> int:
        coverage = [absorb(self._neighbours, r) for r in segment.ranges]
        self.writes.append(pg.write_commit_with_id(self.segment_id, segment, checkpoints, coverage, renew_task))
        return self.segment_id

    def mark_for_scheduling(self, supervisor_id: str, now: datetime) -> None:
        self.writes.append(pg.mark_for_scheduling(supervisor_id, uuid.uuid4().hex, now))

    def discard(self) -> None:
        """Nothing of this member is written."""
        self.discarded = True
        self.writes.clear()

    def __getattr__(self, name: str):
        raise NarrowTransactionExceeded(f"{name} needs a transaction of its own")


class SqlMetadataStore:
    """Implements domain.ports.MetadataStore."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._postgresql = engine.dialect.name == "postgresql"
        if engine.dialect.name == "postgresql":
            @event.listens_for(engine, "before_cursor_execute")
            def _flush_deferred(connection, _cursor, _statement, _parameters, _context, _executemany):
                deferring = connection.info.get(_DEFERRING)
                if deferring is not None:
                    deferring.flush()
        self._writer = engine.execution_options(**{WRITE_OPTION: True})
        # Concurrent commits share one transaction (PgCommitGroup) on PostgreSQL only: SQLite has one writer
        # at a time anyway, and keeps the Core statements.
        self.groups_commits = self._postgresql
        # PostgreSQL reads run in autocommit: at READ COMMITTED every statement takes its own snapshot anyway,
        # so a read transaction added nothing but a BEGIN and a ROLLBACK round trip (a third of a
        # GetSupervisor's server CPU). SQLite keeps a read transaction: there it is one snapshot (WAL).
        self._reader = (engine.execution_options(isolation_level="AUTOCOMMIT")
                        if engine.dialect.name == "postgresql" else engine)
        # PostgreSQL reads of store/pg.py's statements skip SQLAlchemy's pool (store/pgpool.py says why).
        self._raw_reads = None
        if engine.dialect.name == "postgresql":
            from streamvisor.store.pgpool import RawReadPool
            self._raw_reads = raw_reads = RawReadPool(
                engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
                max(2, engine.pool.size() // 2))
            event.listen(engine, "engine_disposed", lambda _engine: raw_reads.close())

    @contextmanager
    def transaction(self, *, narrow: bool = False) -> Iterator[SqlTransaction]:
        if narrow and self._postgresql:
            with self._narrow_transaction() as tx:
                yield tx
            return
        try:
            with self._writer.begin() as connection:
                tx = SqlTransaction(connection)
                try:
                    yield tx
                    if tx._cursor is not None and not tx.ended:
                        tx.flush(commit=True)  # the deferred writes and COMMIT: one round trip
                finally:
                    connection.info.pop(_DEFERRING, None)  # after a failure: the writes are dropped, rolled back
        except Exception as e:
            self._raise_store_failure(e, "transaction failed in the metadata store")
            raise

    @contextmanager
    def _narrow_transaction(self) -> Iterator[SqlTransaction]:
        """A transaction on a pooled connection's bare psycopg connection, without a SQLAlchemy Connection
        around it: only store/pg.py's statements (the commit path's) can run; any Core statement raises
        NarrowTransactionExceeded, and the transaction is rolled back.

        Why: around a CommitCheckpoint's two round trips, SQLAlchemy's Connection (its construction and event
        dispatch), begin, commit and close were 15-18% of the server's CPU (py-spy, 16 committers)."""
        with self._bare_connection() as raw:
            tx = SqlTransaction(None, dialect="postgresql", cursor=raw.cursor(), connect=_refuse_core_statement,
                                begin=True)
            yield tx
            if not tx.ended:
                tx.flush(commit=True)  # the deferred writes and COMMIT: one round trip

    @contextmanager
    def commit_group(self) -> Iterator["PgCommitGroup"]:
        """A CommitGroup (domain/ports.py) on PostgreSQL; rolled back unless its commit() ran."""
        with self._bare_connection() as raw:
            yield PgCommitGroup(raw)

    @contextmanager
    def _bare_connection(self) -> Iterator:
        """A pooled connection's psycopg connection, in autocommit so that psycopg sends no BEGIN of its own
        (a round trip): the caller's first statement carries it. Rolled back if the caller raises; a store
        failure raised as Unavailable. The connection comes from the same pool as every other (checkout
        events, idle ping, recycling and reset-on-return included), so the process opens no more
        connections than before."""
        try:
            pooled = self.engine.raw_connection()
        except Exception as e:
            self._raise_store_failure(e, "transaction failed in the metadata store")
            raise
        raw = pooled.driver_connection
        try:
            raw.autocommit = True
            try:
                yield raw
            except BaseException:
                if not raw.broken and not raw.closed:
                    try:
                        raw.rollback()
                    except Exception:  # the connection is unusable: the pool must not lend it again
                        pooled.invalidate()
                raise
            finally:
                if raw.broken or raw.closed:
                    pooled.invalidate()
                else:
                    raw.autocommit = False  # as the pool lends it (idle now: committed or rolled back)
        except NarrowTransactionExceeded:
            raise
        except Exception as e:
            self._raise_store_failure(e, "transaction failed in the metadata store")
            raise
        finally:
            pooled.close()  # back to the pool

    def _raise_store_failure(self, error: Exception, what: str) -> None:
        """Raises the Unavailable of a PostgreSQL failure (see _store_failure), logged once; returns otherwise."""
        failure = _store_failure(error) if self._postgresql else None
        if failure is None:
            return
        detail = str(error).splitlines()[0][:200] if str(error) else "-"
        logs.warning(log, what, error=failure.metadata["error"], sqlstate=failure.metadata["sqlstate"], detail=detail)
        raise failure from error

    @contextmanager
    def read(self) -> Iterator[SqlTransaction]:
        try:
            with self._read() as tx:
                yield tx
        except Exception as e:
            self._raise_store_failure(e, "read failed in the metadata store")
            raise

    @contextmanager
    def _read(self) -> Iterator[SqlTransaction]:
        lent = self._raw_reads.get() if self._raw_reads is not None else None
        if lent is None:
            # Autobegins on first use; closing the connection rolls back, so a read can never persist.
            with self._reader.connect() as connection:
                yield SqlTransaction(connection)
            return
        raw, born = lent
        tx = SqlTransaction(None, dialect="postgresql", cursor=raw.cursor(), connect=self._reader.connect)
        try:
            yield tx
        finally:
            if tx.opened is not None:
                tx.opened.close()
            self._raw_reads.put(raw, born)

    def dispose(self) -> None:
        if self._raw_reads is not None:
            self._raw_reads.close()
        self.engine.dispose()
