"""Task stats: what workers report in their heartbeats (counters, phase) and tasks' recent errors, for
GetSupervisorStats - a table of its own, so the lease and commit paths never read or write it; and the early
handoffs operators ask for (HandoffTaskGroups), read by heartbeats.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = 320


def upgrade() -> None:
    op.create_table(
        "task_stats",
        sa.Column("task_id", sa.String(64), primary_key=True),
        sa.Column("supervisor_id", sa.String(ID), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_task_stats_supervisor_id", "task_stats", ["supervisor_id"])
    op.create_table(
        "handoff_requests",
        sa.Column("task_id", sa.String(64), primary_key=True),
        sa.Column("supervisor_id", sa.String(ID), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("handoff_requests")
    op.drop_index("ix_task_stats_supervisor_id", "task_stats")
    op.drop_table("task_stats")
