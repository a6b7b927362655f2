"""Initial schema: supervisors, checkpoints, audit events, idempotency keys, tasks, segments, leases.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ID = 320


def upgrade() -> None:
    op.create_table(
        "supervisors",
        sa.Column("id", sa.String(ID), primary_key=True),
        sa.Column("stream_type", sa.String(32), nullable=False),
        sa.Column("stream", sa.String(255), nullable=False),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("state_detail", sa.String(255), nullable=False),
        sa.Column("generation", sa.BigInteger, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("partitions", sa.JSON, nullable=False),
        sa.Column("backfill_of", sa.String(ID), nullable=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_supervisors_backfill_of", "supervisors", ["backfill_of"])
    op.create_table(
        "checkpoints",
        sa.Column("supervisor_id", sa.String(ID), sa.ForeignKey("supervisors.id"), primary_key=True),
        sa.Column("partition", sa.Integer, primary_key=True),
        sa.Column("next_offset", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", AutoId, primary_key=True, autoincrement=True),
        sa.Column("supervisor_id", sa.String(ID), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("request_id", sa.String(255), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
    )
    op.create_index("ix_audit_events_supervisor_id_id", "audit_events", ["supervisor_id", "id"])
    op.create_table(
        "idempotency_keys",
        sa.Column("request_id", sa.String(255), primary_key=True),
        sa.Column("method", sa.String(128), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("response", sa.JSON, nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("supervisor_id", sa.String(ID), sa.ForeignKey("supervisors.id"), nullable=False),
        sa.Column("task_group", sa.Integer, nullable=False),
        sa.Column("generation", sa.BigInteger, nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("worker_id", sa.String(255), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("start_offsets", sa.JSON, nullable=False),
        sa.Column("end_offsets", sa.JSON, nullable=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_tasks_supervisor_generation", "tasks", ["supervisor_id", "generation"])
    op.create_table(
        "segments",
        sa.Column("id", AutoId, primary_key=True, autoincrement=True),
        sa.Column("supervisor_id", sa.String(ID), sa.ForeignKey("supervisors.id"), nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("generation", sa.BigInteger, nullable=False),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("record_count", sa.BigInteger, nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_segments_supervisor_id", "segments", ["supervisor_id"])
    op.create_table(
        "segment_ranges",
        sa.Column("segment_id", sa.BigInteger, sa.ForeignKey("segments.id"), primary_key=True),
        sa.Column("partition", sa.Integer, primary_key=True),
        sa.Column("start_offset", sa.BigInteger, nullable=False),
        sa.Column("end_offset", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("leases", "segment_ranges", "segments", "tasks", "idempotency_keys", "audit_events",
                  "checkpoints", "supervisors"):
        op.drop_table(table)
