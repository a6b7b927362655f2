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
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Mapping, Sequence

from psycopg.types.json import Json

from streamvisor.domain.model import OffsetRange, Supervisor, SupervisorState
from streamvisor.domain.ports import Segment
from streamvisor.domain.tasks import TaskRecord, TaskState

_TASK_COLUMNS = ("id, supervisor_id, task_group, generation, state, worker_id, lease_expires_at, start_offsets, "
                 "end_offsets, create_time, update_time")
_SUPERVISOR_COLUMNS = ("id, spec, state, generation, version, partitions, create_time, update_time, state_detail, "
                       "backfill_of")

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
UPDATE_TASK = ("UPDATE tasks SET state = %s, worker_id = %s, lease_expires_at = %s, start_offsets = %s, "
               "end_offsets = %s, update_time = %s WHERE id = %s")


def _int_array(values) -> str:
    """A PostgreSQL array literal of integers ("{1,2,3}"), for an `%s::integer[]`, `bigint[]` or `numeric[]`."""
    return "{" + ",".join(str(int(v)) for v in values) + "}"


def _offsets(data) -> dict[int, int] | None:
    return None if data is None else {int(p): int(o) for p, o in data.items()}


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
        lease_expires_at=_utc(expires) if expires else None, start_offsets=_offsets(starts) or {},
        end_offsets=_offsets(ends))


def get_supervisor(cursor, supervisor_id: str, lock: bool, spec_from_json) -> Supervisor | None:
    cursor.execute(LOCK_SUPERVISOR if lock else GET_SUPERVISOR, (supervisor_id,))
    row = cursor.fetchone()
    return None if row is None else _supervisor(row, spec_from_json)


def _supervisor(row, spec_from_json) -> Supervisor:
    id_, spec, state, generation, version, partitions, created, updated, detail, backfill_of = row
    return Supervisor(
        id=id_, spec=spec_from_json(spec), state=SupervisorState(state), generation=generation, version=version,
        partitions=tuple(partitions), create_time=_utc(created), update_time=_utc(updated),
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
