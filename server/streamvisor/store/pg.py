"""The hot statements on PostgreSQL, as fixed SQL on the psycopg connection under SQLAlchemy's.

Why: a CommitCheckpoint on the SQLAlchemy Core path cost ~3-5 ms of server CPU, 40-65% of it building
`select()`/`insert()` objects, computing their cache keys and setting up result proxies; PostgreSQL itself
answers each statement in well under 0.1 ms. These statements are plain strings, so nothing is built per
call, and psycopg prepares them server-side after `prepare_threshold` (5) uses on a connection. They run
on the same connection and in the same transaction as everything else SqlTransaction does: the row locks
and the compare-and-swap are exactly those of the Core path, which SQLite keeps.

Column lists are spelled out, so a row is a tuple read by position (see the `_*_COLUMNS` strings).

Integer arrays travel as array literals (`_int_array`: "{1,2}" cast in the SQL): psycopg's list dumper
inspects every element of a Python list to choose a type, which was 7% of a commit's server CPU. Offset
arrays are cast to numeric[] (offsets are of any size, store/offsets.py), ids and partitions keep their types.

The writes whose result nobody reads (checkpoint upsert, coverage rows, task update) are returned as
(statement, parameters) for SqlTransaction to send later, together in one pipelined round trip.

CommitCheckpoint is two round trips and three statements: BEGIN + the row locks + COMMIT_READS in one
simple query, the domain's checks in Python, then WRITE_COMMIT + COMMIT in one simple query; the three are
prepared once per connection (simple_cursor says why not psycopg's pipeline). The supervisor's row lock is
held for the second round trip and the Python between the two. Most commits run in a narrow transaction
(store/sql.py `_narrow_transaction`): on the pooled psycopg connection without SQLAlchemy around it.

Concurrent commits run as a commit group (app/grouping.py, store/sql.py PgCommitGroup): the same two round
trips for all of them - BEGIN, LOCK_TASKS, LOCK_SUPERVISORS, SEGMENT_IDS and a COMMIT_READS per member, then
a WRITE_COMMIT_WITH_ID per member and COMMIT - each statement still prepared once per connection.
"""
from __future__ import annotations

import json
import weakref
from datetime import datetime, timezone
from typing import Mapping, Sequence

import psycopg
from psycopg.types.json import Json

from streamvisor.domain.coverage import IntervalChange
from streamvisor.domain.model import OffsetRange, Supervisor, SupervisorSpec, SupervisorState
from streamvisor.domain.ports import Segment
from streamvisor.domain.tasks import TaskRecord, TaskState

# The offsets (json columns) as their text, parsed once per distinct text (_offsets_text): psycopg's json
# loader was 5% of a commit's server CPU, and a task's offsets stay the same for its whole lease.
_TASK_COLUMNS = ("id, supervisor_id, task_group, generation, state, worker_id, lease_expires_at, "
                 "start_offsets::text, end_offsets::text, create_time, update_time")
# spec and partitions (json columns) as their text: psycopg's json loader and spec_from_json were a third of
# a GetSupervisor's time in the store; each text is parsed once while it stays the same (_spec, _partitions).
_SUPERVISOR_COLUMNS = ("id, spec::text, state, generation, version, partitions::text, create_time, update_time, "
                       "state_detail, backfill_of")

GET_TASK = f"SELECT {_TASK_COLUMNS} FROM tasks WHERE id = %s"
LOCK_TASK = GET_TASK + " FOR UPDATE"
GET_SUPERVISOR = f"SELECT {_SUPERVISOR_COLUMNS} FROM supervisors WHERE id = %s"
LOCK_SUPERVISOR = GET_SUPERVISOR + " FOR UPDATE"
_TASK_WIDTH = _TASK_COLUMNS.count(",") + 1
LOCK_TASK_AND_SUPERVISOR = (
    "SELECT " + ", ".join(f"t.{c.strip()}" for c in _TASK_COLUMNS.split(",")) + ", "
    + ", ".join(f"s.{c.strip()}" for c in _SUPERVISOR_COLUMNS.split(","))
    + " FROM tasks t JOIN supervisors s ON s.id = t.supervisor_id WHERE t.id = %s FOR UPDATE")
GET_CHECKPOINTS = "SELECT partition, next_offset FROM checkpoints WHERE supervisor_id = %s"
# One statement for any number of partitions.
UPSERT_CHECKPOINTS = (
    "INSERT INTO checkpoints (supervisor_id, partition, next_offset) "
    "SELECT %s, p, o FROM unnest(%s::integer[], %s::numeric[]) AS u(p, o) "
    "ON CONFLICT (supervisor_id, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset")
# The segment and its ranges in one round trip.
INSERT_SEGMENT = (
    "WITH s AS (INSERT INTO segments (supervisor_id, task_id, generation, location, record_count, create_time) "
    "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id), "
    "r AS (INSERT INTO segment_ranges (segment_id, supervisor_id, partition, start_offset, end_offset) "
    "SELECT s.id, %s, p, a, b FROM s, unnest(%s::integer[], %s::numeric[], %s::numeric[]) AS u(p, a, b)) "
    "SELECT id FROM s")
# The oldest segment published at `location`, with its ranges (a replay's lookup; index on (supervisor, location)).
FIND_SEGMENT = (
    "SELECT s.id, s.task_id, s.generation, s.record_count, s.create_time, r.partition, r.start_offset, "
    "r.end_offset FROM segments s JOIN segment_ranges r ON r.segment_id = s.id "
    "WHERE s.id = (SELECT min(id) FROM segments WHERE supervisor_id = %s AND location = %s)")
# Coverage (published_ranges, see domain/coverage.py): the rows a commit's ranges abut, i.e. those ending where
# a new range starts or starting where one ends. A nested loop of index seeks (ix_published_ranges_end /
# _start) per new range, whatever was published before; DISTINCT as a row between two new ranges matches twice.
PUBLISHED_NEIGHBOURS = (
    "SELECT DISTINCT p.id, p.partition, p.start_offset, p.end_offset "
    "FROM unnest(%s::integer[], %s::numeric[], %s::numeric[]) AS u(part, a, b) "
    "JOIN published_ranges p ON p.supervisor_id = %s AND p.partition = u.part "
    "AND (p.end_offset = u.a OR p.start_offset = u.b) ORDER BY p.id")
EXTEND_PUBLISHED = (
    "UPDATE published_ranges p SET start_offset = u.a, end_offset = u.b "
    "FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[]) AS u(id, a, b) WHERE p.id = u.id")
DELETE_PUBLISHED = "DELETE FROM published_ranges WHERE id = ANY(%s::bigint[])"
INSERT_PUBLISHED = (
    "INSERT INTO published_ranges (supervisor_id, partition, start_offset, end_offset) "
    "SELECT %s, p, a, b FROM unnest(%s::integer[], %s::numeric[], %s::numeric[]) AS u(p, a, b)")
# CommitCheckpoint's reads, sent right after LOCK_TASK_AND_SUPERVISOR in the same pipeline (one round trip):
# the replay lookup, every checkpoint of the supervisor, and the coverage rows the commit's ranges abut. It is
# a statement of its own, not a CTE of the lock statement, on purpose: PostgreSQL runs a pipeline's statements
# one after another, so this one takes its snapshot after the row locks were granted and sees what the
# previous lock holder committed. A sibling subquery of the locking SELECT would read the snapshot taken
# before the wait (only the locked rows are re-read at their newest version), i.e. stale checkpoints.
# The supervisor is found through the task (its supervisor_id never changes). Lists come back as one
# "a:b,c:d" text each (partition:offset, ...): no per-row or per-element work in psycopg, and no assumption
# that an offset fits in 64 bits (offsets are compared and written as numeric).
COMMIT_READS = (
    "WITH t AS (SELECT supervisor_id AS id FROM tasks WHERE id = %s), "
    "seg AS (SELECT id, task_id, generation, record_count, create_time FROM segments "
    "WHERE supervisor_id = (SELECT id FROM t) AND location = %s ORDER BY id LIMIT 1) "
    "SELECT (SELECT string_agg(c.partition || ':' || c.next_offset, ',') FROM checkpoints c "
    "WHERE c.supervisor_id = (SELECT id FROM t)), "
    "seg.id, seg.task_id, seg.generation, seg.record_count, seg.create_time, "
    "(SELECT string_agg(r.partition || ':' || r.start_offset || ':' || r.end_offset, ',') FROM segment_ranges r "
    "WHERE r.segment_id = seg.id), "
    "(SELECT string_agg(n.id || ':' || n.partition || ':' || n.start_offset || ':' || n.end_offset, ',' "
    "ORDER BY n.id) FROM (SELECT DISTINCT p.id, p.partition, p.start_offset, p.end_offset "
    "FROM unnest(%s::integer[], %s::numeric[], %s::numeric[]) AS u(part, a, b) "
    "JOIN published_ranges p ON p.supervisor_id = (SELECT id FROM t) AND p.partition = u.part "
    "AND (p.end_offset = u.a OR p.start_offset = u.b)) n) "
    "FROM (SELECT 1) AS one LEFT JOIN seg ON true")
# CommitCheckpoint's writes as one statement, sent with COMMIT in one pipeline: the segment and its ranges, the
# checkpoint upsert, the coverage rows (extended, merged away, new: always different rows, since a commit's
# ranges are of different partitions), the task's lease renewal (no row when the task id is NULL). The
# sub-statements share one snapshot and none reads another's rows, so their order does not matter.
# Offsets travel as numeric[] and are written by assignment cast, whatever the columns' integer width.
_WRITE_COMMIT_SEGMENT = (
    "WITH s AS (INSERT INTO segments (supervisor_id, task_id, generation, location, record_count, create_time) "
    "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id), ")
WRITE_COMMIT = _WRITE_COMMIT_SEGMENT + (
    "r AS (INSERT INTO segment_ranges (segment_id, supervisor_id, partition, start_offset, end_offset) "
    "SELECT s.id, %s, p, a, b FROM s, unnest(%s::integer[], %s::numeric[], %s::numeric[]) AS u(p, a, b)), "
    "c AS (INSERT INTO checkpoints (supervisor_id, partition, next_offset) "
    "SELECT %s, p, o FROM unnest(%s::integer[], %s::numeric[]) AS u(p, o) "
    "ON CONFLICT (supervisor_id, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset), "
    "e AS (UPDATE published_ranges p SET start_offset = u.a, end_offset = u.b "
    "FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[]) AS u(id, a, b) WHERE p.id = u.id), "
    "d AS (DELETE FROM published_ranges WHERE id = ANY(%s::bigint[])), "
    "i AS (INSERT INTO published_ranges (supervisor_id, partition, start_offset, end_offset) "
    "SELECT %s, p, a, b FROM unnest(%s::integer[], %s::numeric[], %s::numeric[]) AS u(p, a, b)), "
    "k AS (UPDATE tasks SET lease_expires_at = %s, update_time = %s WHERE id = %s) "
    "SELECT id FROM s")
# A commit group's (store/sql.py PgCommitGroup): the same writes with the segment id given, taken from the
# sequence with the group's reads (SEGMENT_IDS), so that each member knows its id before the group's one
# write round trip.
WRITE_COMMIT_WITH_ID = WRITE_COMMIT.replace(_WRITE_COMMIT_SEGMENT, (
    "WITH s AS (INSERT INTO segments (id, supervisor_id, task_id, generation, location, record_count, "
    "create_time) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id), "), 1)
SEGMENT_IDS = "SELECT nextval(pg_get_serial_sequence('segments', 'id')) FROM generate_series(1, %s)"
# A commit group's row locks: every task first, then every supervisor, each in id order - the order of the
# single commit (task, then supervisor) and of any other group, so groups and single commits cannot deadlock.
# ORDER BY under FOR UPDATE locks the rows in that order. A task's rows come back with the group's reads.
# A group holds several task locks while it waits for its supervisors' (and several supervisors' while it writes),
# where a single commit held one of each: a transaction that locks tasks or supervisors in another order (the
# scheduler's reconciles, AcquireTask's candidates) could now close a cycle with it, and a long holder of one
# supervisor's lock would stall the commits of the others in the group. So a group waits at most this long
# for a lock, then fails (LockNotAvailable) and its commits run one by one, as before groups, waiting as
# long as they must: the group is always the one that yields, well before PostgreSQL's deadlock_timeout (1 s).
GROUP_LOCK_TIMEOUT = "SET LOCAL lock_timeout = '250ms'"
LOCK_TASKS = f"SELECT {_TASK_COLUMNS} FROM tasks WHERE id = ANY(%s::text[]) ORDER BY id FOR UPDATE"
LOCK_SUPERVISORS = (f"SELECT {_SUPERVISOR_COLUMNS} FROM supervisors WHERE id IN "
                    "(SELECT supervisor_id FROM tasks WHERE id = ANY(%s::text[])) ORDER BY id FOR UPDATE")
# SqlTransaction._mark's upsert, for the commit path (a commit of a kind with lineage marks its supervisor).
MARK_FOR_SCHEDULING = (
    "INSERT INTO scheduling_marks (supervisor_id, token, marked_at) VALUES (%s, %s, %s) "
    "ON CONFLICT (supervisor_id) DO UPDATE SET token = EXCLUDED.token, marked_at = EXCLUDED.marked_at")
UPDATE_TASK = ("UPDATE tasks SET state = %s, worker_id = %s, lease_expires_at = %s, start_offsets = %s, "
               "end_offsets = %s, update_time = %s WHERE id = %s")


# The commit's three statements are prepared once per connection (PREPARE is per session and survives a
# rolled-back transaction) and sent as EXECUTEs in one simple-query string per round trip, through one
# client-side-binding cursor per connection (simple_cursor). Why: psycopg's pipeline mode, which sent them
# before, cost more Python than the statements' whole round trip - its per-statement bookkeeping, a new
# cursor (and its adapters map) per pipeline, the Sync handling: 40-45% of a commit's server CPU (py-spy,
# 16 committers). A simple query is one message out and one batch of results back, and an EXECUTE keeps
# the plan that psycopg's automatic preparation kept before. In READ COMMITTED each statement of the string
# still takes its own snapshot, so the reads after the lock statement see what the previous lock holder
# committed, exactly as in the pipeline.
_PREPARED = {"streamvisor_lock_commit": LOCK_TASK_AND_SUPERVISOR, "streamvisor_commit_reads": COMMIT_READS,
             "streamvisor_write_commit": WRITE_COMMIT, "streamvisor_write_commit_id": WRITE_COMMIT_WITH_ID,
             "streamvisor_segment_ids": SEGMENT_IDS, "streamvisor_lock_tasks": LOCK_TASKS,
             "streamvisor_lock_supervisors": LOCK_SUPERVISORS}


def _numbered(sql: str) -> str:
    """%s placeholders as $1, $2, ... (a PREPARE's)."""
    pieces = sql.split("%s")
    return pieces[0] + "".join(f"${i}{piece}" for i, piece in enumerate(pieces[1:], start=1))


def _execute(name: str) -> str:
    return f"EXECUTE {name}(" + ", ".join(["%s"] * _PREPARED[name].count("%s")) + ")"


_PREPARE_ALL = "; ".join(f"PREPARE {name} AS {_numbered(sql)}" for name, sql in _PREPARED.items())
# Each prepared statement's EXECUTE text, built once (they are sent on every commit).
_EXECUTE = {name: _execute(name) for name in _PREPARED}
READ_COMMIT_SQL = _EXECUTE["streamvisor_lock_commit"] + "; " + _EXECUTE["streamvisor_commit_reads"]
WRITE_COMMIT_SQL = _EXECUTE["streamvisor_write_commit"]
_simple_cursors: "weakref.WeakKeyDictionary[psycopg.Connection, psycopg.ClientCursor]" = weakref.WeakKeyDictionary()


def simple_cursor(connection: psycopg.Connection) -> psycopg.ClientCursor:
    """The connection's client-side-binding cursor, its commit statements prepared (the first time: one round
    trip, inside the caller's transaction if one is open; the statements outlive it either way). The
    connection must not prepare statements of its own (prepare_threshold None: store/engine.py says why)."""
    cursor = _simple_cursors.get(connection)
    if cursor is None:
        cursor = psycopg.ClientCursor(connection)
        cursor.execute(_PREPARE_ALL)
        _simple_cursors[connection] = cursor
    return cursor


def run_simple(connection: psycopg.Connection, sql: str, parameters) -> psycopg.ClientCursor:
    """`sql` on simple_cursor. Should the session have lost the prepared statements anyway (something ran
    DEALLOCATE), the connection prepares them again next time, and the error is the store's, retryable
    (store/sql.py _store_failure)."""
    return _send(connection, simple_cursor(connection), sql, parameters)


def _send(connection: psycopg.Connection, cursor: psycopg.ClientCursor, sql: str, parameters) -> psycopg.ClientCursor:
    try:
        cursor.execute(sql, parameters)
    except psycopg.errors.InvalidSqlStatementName:
        _simple_cursors.pop(connection, None)
        raise
    return cursor


def run_statements(connection: psycopg.Connection, statements: Sequence[tuple[str, Sequence]]) -> psycopg.ClientCursor:
    """Several statements as one simple query on simple_cursor: one round trip. Each is bound on its own
    (mogrify), and the joined text is sent without parameters. Why: psycopg caches the parsing of a query's
    placeholders only for queries of at most 50 parameters; a commit group's joined statements have a
    few per member, past that from two members on, and their parsing was 8% of the server's CPU (py-spy)."""
    cursor = simple_cursor(connection)
    text = "; ".join(cursor.mogrify(sql, parameters) if parameters else sql for sql, parameters in statements)
    return _send(connection, cursor, text, None)


def _int_array(values) -> str:
    """A PostgreSQL array literal of integers ("{1,2,3}"), for an `%s::integer[]`, `bigint[]` or `numeric[]`."""
    return "{" + ",".join(str(int(v)) for v in values) + "}"


_offset_texts: dict[str, tuple[tuple[int, int], ...] | None] = {}


def _offsets_text(text: str | None) -> dict[int, int] | None:
    """A task's offsets column (its json text: SQL NULL or JSON null for none) as {partition: offset}; a new
    dict each time (callers may change it), from pairs parsed once per distinct text."""
    if text is None:
        return None
    try:
        pairs = _offset_texts[text]
    except KeyError:
        data = json.loads(text)
        pairs = None if data is None else tuple((int(p), int(o)) for p, o in data.items())
        if len(_offset_texts) >= _CACHED_TEXTS * 16:
            _offset_texts.clear()  # more distinct offsets than that: start over
        _offset_texts[text] = pairs
    return None if pairs is None else dict(pairs)


def _offsets_json(offsets) -> dict | None:
    return None if offsets is None else {str(p): o for p, o in offsets.items()}


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is timezone.utc else value.astimezone(timezone.utc)


def get_task(cursor, task_id: str, lock: bool) -> TaskRecord | None:
    cursor.execute(LOCK_TASK if lock else GET_TASK, (task_id,))
    row = cursor.fetchone()
    return None if row is None else _task(row)


def _task(row) -> TaskRecord:
    (id_, supervisor_id, group, generation, state, worker_id, expires, starts, ends, created, updated) = row
    return TaskRecord(
        id=id_, supervisor_id=supervisor_id, task_group=group, generation=generation, state=TaskState(state),
        create_time=_utc(created), update_time=_utc(updated), worker_id=worker_id,
        lease_expires_at=_utc(expires) if expires else None, start_offsets=_offsets_text(starts) or {},
        end_offsets=_offsets_text(ends))


def get_supervisor(cursor, supervisor_id: str, lock: bool, spec_from_json) -> Supervisor | None:
    cursor.execute(LOCK_SUPERVISOR if lock else GET_SUPERVISOR, (supervisor_id,))
    row = cursor.fetchone()
    return None if row is None else _supervisor(row, spec_from_json)


_CACHED_TEXTS = 1024  # distinct specs, and distinct partition lists, kept parsed
_specs: dict[str, SupervisorSpec] = {}
_partition_lists: dict[str, tuple[int, ...]] = {}


def _spec(text: str, spec_from_json) -> SupervisorSpec:
    """The spec stored as `text` (jsonb's own rendering, so one spec is always the same text). Cached by that
    text: a SupervisorSpec is immutable, and the same spec object also lets a converter compare two reads
    of an unchanged supervisor without walking the spec (api/convert.py's SupervisorMessages)."""
    spec = _specs.get(text)
    if spec is None:
        spec = spec_from_json(json.loads(text))
        if len(_specs) >= _CACHED_TEXTS:
            _specs.clear()  # more distinct specs than that: start over (rare)
        _specs[text] = spec
    return spec


def _partitions(text: str) -> tuple[int, ...]:
    """The partition list stored as `text`; cached like _spec (5 kB of JSON at 1,000 partitions)."""
    partitions = _partition_lists.get(text)
    if partitions is None:
        partitions = tuple(json.loads(text))
        if len(_partition_lists) >= _CACHED_TEXTS:
            _partition_lists.clear()
        _partition_lists[text] = partitions
    return partitions


def _supervisor(row, spec_from_json) -> Supervisor:
    id_, spec, state, generation, version, partitions, created, updated, detail, backfill_of = row
    return Supervisor(
        id=id_, spec=_spec(spec, spec_from_json), state=SupervisorState(state), generation=generation, version=version,
        partitions=_partitions(partitions), create_time=_utc(created), update_time=_utc(updated),
        state_detail=detail or "", backfill_of=backfill_of)


def lock_task_and_supervisor(cursor, task_id: str, spec_from_json) -> tuple[TaskRecord | None, Supervisor | None]:
    """One round trip instead of two. FOR UPDATE without OF locks the row of each table the join returns,
    the task's first (range-table order), so the lock order is the two-statement one. Under READ COMMITTED a
    locked row is re-read at its newest version after any wait, so both come back as committed now."""
    cursor.execute(LOCK_TASK_AND_SUPERVISOR, (task_id,))
    row = cursor.fetchone()
    if row is None:
        return None, None
    return _task(row[:_TASK_WIDTH]), _supervisor(row[_TASK_WIDTH:], spec_from_json)


def get_checkpoints(cursor, supervisor_id: str) -> dict[int, int]:
    cursor.execute(GET_CHECKPOINTS, (supervisor_id,))
    return dict(cursor.fetchall())


def upsert_checkpoints(supervisor_id: str, offsets: Mapping[int, int]) -> tuple[str, tuple]:
    return UPSERT_CHECKPOINTS, (supervisor_id, _int_array(offsets), _int_array(offsets.values()))


def insert_segment(segment: Segment) -> tuple[str, tuple]:
    """The statement; its one row is the new segment's id."""
    ranges = segment.ranges
    return INSERT_SEGMENT, (
        segment.supervisor_id, segment.task_id, segment.generation, segment.location, segment.record_count,
        segment.create_time, segment.supervisor_id, _int_array(r.partition for r in ranges),
        _int_array(r.start for r in ranges), _int_array(r.end for r in ranges))


def published_neighbours(supervisor_id: str, ranges: Sequence[OffsetRange]) -> tuple[str, tuple]:
    """The statement; its rows are (id, partition, start_offset, end_offset)."""
    return PUBLISHED_NEIGHBOURS, (_int_array(r.partition for r in ranges), _int_array(r.start for r in ranges),
                                  _int_array(r.end for r in ranges), supervisor_id)


def extend_published(updates: Sequence[tuple[int, OffsetRange]]) -> tuple[str, tuple]:
    return EXTEND_PUBLISHED, (_int_array(i for i, _ in updates), _int_array(r.start for _, r in updates),
                              _int_array(r.end for _, r in updates))


def delete_published(row_ids: Sequence[int]) -> tuple[str, tuple]:
    return DELETE_PUBLISHED, (_int_array(row_ids),)


def insert_published(supervisor_id: str, ranges: Sequence[OffsetRange]) -> tuple[str, tuple]:
    return INSERT_PUBLISHED, (supervisor_id, _int_array(r.partition for r in ranges),
                              _int_array(r.start for r in ranges), _int_array(r.end for r in ranges))


def find_segment_and_checkpoints(cursor, supervisor_id: str,
                                 location: str) -> tuple[Segment | None, dict[int, int]]:
    """Both reads in one pipeline: one round trip. (Each statement still takes its own snapshot, after
    the row lock the caller holds.)"""
    connection = cursor.connection
    checkpoints_cursor = connection.cursor()
    with connection.pipeline():
        cursor.execute(FIND_SEGMENT, (supervisor_id, location))
        checkpoints_cursor.execute(GET_CHECKPOINTS, (supervisor_id,))
    return _segment(cursor.fetchall(), supervisor_id, location), dict(checkpoints_cursor.fetchall())


def find_segment(cursor, supervisor_id: str, location: str) -> Segment | None:
    cursor.execute(FIND_SEGMENT, (supervisor_id, location))
    return _segment(cursor.fetchall(), supervisor_id, location)


def _segment(rows, supervisor_id: str, location: str) -> Segment | None:
    if not rows:
        return None
    id_, task_id, generation, record_count, created = rows[0][:5]
    ranges: Sequence[OffsetRange] = tuple(OffsetRange(p, a, b) for *_, p, a, b in rows)
    return Segment(supervisor_id, task_id, generation, ranges, location, record_count, _utc(created), id_)


def update_task(task: TaskRecord) -> tuple[str, tuple]:
    return UPDATE_TASK, (
        task.state.value, task.worker_id, task.lease_expires_at, Json(_offsets_json(task.start_offsets) or {}),
        Json(_offsets_json(task.end_offsets)), task.update_time, task.id)


def _pairs(text: str | None) -> dict[int, int]:
    """"p:o,p:o" (COMMIT_READS) as {p: o}."""
    if not text:
        return {}
    return {int(p): int(o) for p, o in (item.split(":") for item in text.split(","))}


def _triples(text: str | None) -> list[tuple[int, int, int, int]] | list[tuple[int, int, int]]:
    """"a:b:c,..." (or 4 fields) as tuples of ints."""
    if not text:
        return []
    return [tuple(int(v) for v in item.split(":")) for item in text.split(",")]  # type: ignore[misc]


def read_commit(cursor, task_id: str, location: str, ranges: Sequence[OffsetRange], spec_from_json,
                begin: bool = False):
    """(task, supervisor, replayed segment, checkpoints, coverage neighbours as (row id, range)): the row locks
    and COMMIT_READS in one simple query, i.e. one round trip (`begin`: with the transaction's BEGIN, for a
    connection in autocommit). Without the task: (None, None, None, {}, [])."""
    client = run_simple(cursor.connection, ("BEGIN; " if begin else "") + READ_COMMIT_SQL,
                        (task_id,) + _commit_parameters(task_id, location, ranges))
    if begin:
        client.nextset()
    row = client.fetchone()
    client.nextset()
    reads = client.fetchone()
    if row is None:
        return None, None, None, {}, []
    return _commit_reads(_task(row[:_TASK_WIDTH]), _supervisor(row[_TASK_WIDTH:], spec_from_json), location, reads)


def _commit_parameters(task_id: str, location: str, ranges: Sequence[OffsetRange]) -> tuple:
    """COMMIT_READS' parameters."""
    return (task_id, location, _int_array(r.partition for r in ranges), _int_array(r.start for r in ranges),
            _int_array(r.end for r in ranges))


def read_commit_group(connection: psycopg.Connection, requests: Sequence[tuple[str, str, Sequence[OffsetRange]]],
                      spec_from_json) -> tuple[list[tuple], list[int]]:
    """A commit group's reads, with its BEGIN, in one simple query (one round trip): the row locks of every
    task and supervisor (LOCK_TASKS, LOCK_SUPERVISORS), a segment id per request (SEGMENT_IDS), then
    COMMIT_READS per request (task id, location, ranges), each after all the locks were granted. Returns
    read_commit's tuple per request, and the segment ids. The connection must be in autocommit."""
    task_ids = sorted({task_id for task_id, _, _ in requests})
    statements: list[tuple[str, Sequence]] = [
        ("BEGIN", ()), (GROUP_LOCK_TIMEOUT, ()), (_EXECUTE["streamvisor_lock_tasks"], (task_ids,)),
        (_EXECUTE["streamvisor_lock_supervisors"], (task_ids,)),
        (_EXECUTE["streamvisor_segment_ids"], (len(requests),))]
    statements.extend((_EXECUTE["streamvisor_commit_reads"], _commit_parameters(*request)) for request in requests)
    client = run_statements(connection, statements)
    client.nextset()  # past BEGIN
    client.nextset()  # and SET
    tasks = {row[0]: _task(row) for row in client.fetchall()}
    client.nextset()
    supervisors = {row[0]: _supervisor(row, spec_from_json) for row in client.fetchall()}
    client.nextset()
    segment_ids = [row[0] for row in client.fetchall()]
    results = []
    for task_id, location, _ranges in requests:
        client.nextset()
        reads = client.fetchone()
        task = tasks.get(task_id)
        supervisor = supervisors.get(task.supervisor_id) if task is not None else None
        results.append((task, supervisor, None, {}, []) if supervisor is None
                       else _commit_reads(task, supervisor, location, reads))
    return results, segment_ids


def _commit_reads(task: TaskRecord, supervisor: Supervisor, location: str, reads) -> tuple:
    """read_commit's tuple from COMMIT_READS' row."""
    checkpoints, seg_id, seg_task, seg_generation, seg_records, seg_created, seg_ranges, neighbours = reads
    replayed = None
    if seg_id is not None:
        replayed = Segment(supervisor.id, seg_task, seg_generation,
                           tuple(OffsetRange(p, a, b) for p, a, b in _triples(seg_ranges)), location, seg_records,
                           _utc(seg_created), seg_id)
    return (task, supervisor, replayed, _pairs(checkpoints),
            [(row_id, OffsetRange(p, a, b)) for row_id, p, a, b in _triples(neighbours)])


def write_commit(segment: Segment, checkpoints: Mapping[int, int], coverage: Sequence[IntervalChange[int]],
                 renew_task: tuple[str, datetime | None, datetime] | None) -> tuple[str, tuple]:
    """WRITE_COMMIT (as the EXECUTE of its prepared form: send it through simple_cursor) and its parameters;
    `renew_task`: (task id, new lease end, update time) or None."""
    ranges = segment.ranges
    updates = [c.update for c in coverage if c.update is not None]
    inserts = [c.insert for c in coverage if c.insert is not None]
    task_id, lease_end, updated = renew_task if renew_task is not None else (None, None, None)
    return WRITE_COMMIT_SQL, (
        segment.supervisor_id, segment.task_id, segment.generation, segment.location, segment.record_count,
        segment.create_time, segment.supervisor_id, _int_array(r.partition for r in ranges),
        _int_array(r.start for r in ranges), _int_array(r.end for r in ranges),
        segment.supervisor_id, _int_array(checkpoints), _int_array(checkpoints.values()),
        _int_array(i for i, _ in updates), _int_array(r.start for _, r in updates),
        _int_array(r.end for _, r in updates),
        _int_array(c.delete for c in coverage if c.delete is not None),
        segment.supervisor_id, _int_array(r.partition for r in inserts), _int_array(r.start for r in inserts),
        _int_array(r.end for r in inserts),
        lease_end, updated, task_id)


def write_commit_with_id(segment_id: int, segment: Segment, checkpoints: Mapping[int, int],
                         coverage: Sequence[IntervalChange[int]],
                         renew_task: tuple[str, datetime | None, datetime] | None) -> tuple[str, tuple]:
    """write_commit with the segment's id given (WRITE_COMMIT_WITH_ID, for a commit group)."""
    _, parameters = write_commit(segment, checkpoints, coverage, renew_task)
    return _EXECUTE["streamvisor_write_commit_id"], (segment_id,) + parameters


def mark_for_scheduling(supervisor_id: str, token: str, now: datetime) -> tuple[str, tuple]:
    return MARK_FOR_SCHEDULING, (supervisor_id, token, now)
