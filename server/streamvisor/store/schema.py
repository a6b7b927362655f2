"""The metadata schema as SQLAlchemy Core tables. Alembic migrations create it; this module is the
single description the repositories query against (and that migrations are checked against in tests)."""
from __future__ import annotations

from sqlalchemy import (
    JSON, BigInteger, Column, DateTime, ForeignKey, Index, Integer, MetaData, String, Table, Text,
)

from streamvisor.store.offsets import OffsetType

metadata = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY (the rowid); PostgreSQL gets a BIGINT identity.
AutoId = BigInteger().with_variant(Integer(), "sqlite")
# Backfill ids append "_backfill_<8 hex>" to ids of up to 255 characters.
ID_LENGTH = 320

supervisors = Table(
    "supervisors", metadata,
    Column("id", String(ID_LENGTH), primary_key=True),
    Column("stream_type", String(32), nullable=False),
    Column("stream", String(255), nullable=False),
    Column("spec", JSON, nullable=False),
    Column("state", String(32), nullable=False),
    Column("state_detail", String(255), nullable=False, default=""),
    Column("generation", BigInteger, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("partitions", JSON, nullable=False),
    Column("backfill_of", String(ID_LENGTH), nullable=True),
    Column("create_time", DateTime(timezone=True), nullable=False),
    Column("update_time", DateTime(timezone=True), nullable=False),
    Index("ix_supervisors_backfill_of", "backfill_of"),
    # The scheduler re-checks UNHEALTHY supervisors on time without scanning the others.
    Index("ix_supervisors_state", "state"),
)

checkpoints = Table(
    "checkpoints", metadata,
    Column("supervisor_id", String(ID_LENGTH), ForeignKey("supervisors.id"), primary_key=True),
    Column("partition", Integer, primary_key=True),
    # The next offset to read. Offsets are of any size (store/offsets.py): NUMERIC, or sortable text on SQLite.
    Column("next_offset", OffsetType, nullable=False),
)

audit_events = Table(
    "audit_events", metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("supervisor_id", String(ID_LENGTH), nullable=False),
    Column("action", String(64), nullable=False),
    Column("actor", String(255), nullable=False),
    Column("request_id", String(255), nullable=False, default=""),
    Column("create_time", DateTime(timezone=True), nullable=False),
    # States, generations, offset changes and action details.
    Column("payload", JSON, nullable=False),
    Index("ix_audit_events_supervisor_id_id", "supervisor_id", "id"),
)

idempotency_keys = Table(
    "idempotency_keys", metadata,
    Column("request_id", String(255), primary_key=True),
    Column("method", String(128), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("response", JSON, nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False),
)

# One lease of a partition group at one generation (the data-plane issue fills these in).
tasks = Table(
    "tasks", metadata,
    Column("id", String(64), primary_key=True),
    Column("supervisor_id", String(ID_LENGTH), ForeignKey("supervisors.id"), nullable=False),
    Column("task_group", Integer, nullable=False),
    Column("generation", BigInteger, nullable=False),
    Column("state", String(32), nullable=False),
    Column("worker_id", String(255), nullable=True),
    Column("lease_expires_at", DateTime(timezone=True), nullable=True),
    Column("start_offsets", JSON, nullable=False),
    Column("end_offsets", JSON, nullable=True),
    Column("create_time", DateTime(timezone=True), nullable=False),
    Column("update_time", DateTime(timezone=True), nullable=False),
    Index("ix_tasks_supervisor_generation", "supervisor_id", "generation"),
    Index("ux_tasks_supervisor_generation_group", "supervisor_id", "generation", "task_group", unique=True),
    Index("ix_tasks_state", "state"),
    # Expired leases (state = LEASED and lease_expires_at <= now), found by the scheduler every pass.
    Index("ix_tasks_state_lease_expires_at", "state", "lease_expires_at"),
)

segments = Table(
    "segments", metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("supervisor_id", String(ID_LENGTH), ForeignKey("supervisors.id"), nullable=False),
    Column("task_id", String(64), nullable=False),
    Column("generation", BigInteger, nullable=False),
    Column("location", Text, nullable=False),
    Column("record_count", BigInteger, nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False),
    # (supervisor, id): a supervisor's segments in commit order, so a page of a segment listing is one
    # index range scan whatever the history (SQLite's rowid made the old (supervisor_id) index do that).
    Index("ix_segments_supervisor_id_id", "supervisor_id", "id"),
    Index("ix_segments_supervisor_location", "supervisor_id", "location"),
)

segment_ranges = Table(
    "segment_ranges", metadata,
    Column("segment_id", BigInteger, ForeignKey("segments.id"), primary_key=True),
    Column("partition", Integer, primary_key=True),
    Column("start_offset", OffsetType, nullable=False),
    Column("end_offset", OffsetType, nullable=False),
    # The segment's supervisor, repeated here (migration 0006) so that ListSegments filtered by partition is
    # one range scan of (supervisor_id, partition, segment_id) from the page cursor.
    Column("supervisor_id", String(ID_LENGTH), nullable=True),
    Index("ix_segment_ranges_partition_start", "partition", "start_offset"),
    Index("ix_segment_ranges_supervisor_partition_segment", "supervisor_id", "partition", "segment_id"),
)

# What coverage needs, maintained by every commit in its transaction (under the committing supervisor's row
# lock): per supervisor and partition, its published ranges with abutting ones merged (domain.coverage
# .absorb). A supervisor's rows are written only under its own lock, so a supervisor and its backfills
# committing at once never write the same row; GetCoverage reads the rows of the whole family.
published_ranges = Table(
    "published_ranges", metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("supervisor_id", String(ID_LENGTH), ForeignKey("supervisors.id"), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("start_offset", OffsetType, nullable=False),
    Column("end_offset", OffsetType, nullable=False),
    # A commit's neighbour lookup: rows ending where its range starts, rows starting where it ends.
    Index("ix_published_ranges_end", "supervisor_id", "partition", "end_offset"),
    Index("ix_published_ranges_start", "supervisor_id", "partition", "start_offset"),
)

# Ranges retention deleted before a backfill could read them, recorded by ResetToLatestAndBackfill in its
# own transaction: coverage reads these rows (never the audit trail's details, which are for people).
unrecoverable_ranges = Table(
    "unrecoverable_ranges", metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("supervisor_id", String(ID_LENGTH), ForeignKey("supervisors.id"), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("start_offset", OffsetType, nullable=False),
    Column("end_offset", OffsetType, nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False),
    Index("ix_unrecoverable_ranges_supervisor_id", "supervisor_id"),
)

# "This supervisor changed: schedule it." Every write of a supervisor row upserts its mark in the same
# transaction (create, update, suspend, resume, reset, health, completion, terminate), with a fresh token.
# The scheduler reads the marks - a small table, empty at rest - settles each supervisor, and deletes a
# mark only if its token is still the one it read, so a change that lands meanwhile is never lost.
scheduling_marks = Table(
    "scheduling_marks", metadata,
    Column("supervisor_id", String(ID_LENGTH), primary_key=True),
    Column("token", String(32), nullable=False),
    Column("marked_at", DateTime(timezone=True), nullable=False),
)

# What workers report about their tasks (Heartbeat) and the tasks' recent errors (FailTask), for
# GetSupervisorStats: apart from `tasks`, so the lease and commit paths never read or write it.
task_stats = Table(
    "task_stats", metadata,
    Column("task_id", String(64), primary_key=True),
    Column("supervisor_id", String(ID_LENGTH), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("update_time", DateTime(timezone=True), nullable=False),
    Index("ix_task_stats_supervisor_id", "supervisor_id"),
)

# Early handoffs an operator asked for (HandoffTaskGroups): the task's next heartbeat says publish_now;
# the row goes when the lease ends.
handoff_requests = Table(
    "handoff_requests", metadata,
    Column("task_id", String(64), primary_key=True),
    Column("supervisor_id", String(ID_LENGTH), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
)

# What tells the supervisor's stream from one created again under its name (Kafka's topic id): the stream its
# checkpoints are of. A different one now means they point into another stream (app/offsets.py,
# check_identities). No row: not known (yet); the scheduler's next look records what it finds.
stream_identities = Table(
    "stream_identities", metadata,
    Column("supervisor_id", String(ID_LENGTH), ForeignKey("supervisors.id"), primary_key=True),
    Column("identity", String(255), nullable=False),
    Column("observe_time", DateTime(timezone=True), nullable=False),
)

# Leader election among server replicas for the scheduler (a row with a holder and an expiry).
leases = Table(
    "leases", metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(255), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
