"""The scheduler works on what changed: scheduling marks, and indexes for what it must check on time.

Before, every pass read every active supervisor's checkpoints and tasks and every open task's supervisor:
work proportional to partitions and supervisors at rest. Now every write of a supervisor row upserts a
row in `scheduling_marks` in the same transaction, and a pass settles only the marked supervisors, plus
expired leases (`ix_tasks_state_lease_expires_at`) and UNHEALTHY supervisors (`ix_supervisors_state`).
No marks are written for existing supervisors: a scheduler's first pass as leader is a full sweep.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = 320


def upgrade() -> None:
    op.create_table(
        "scheduling_marks",
        sa.Column("supervisor_id", sa.String(ID), primary_key=True),
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_tasks_state_lease_expires_at", "tasks", ["state", "lease_expires_at"])
    op.create_index("ix_supervisors_state", "supervisors", ["state"])


def downgrade() -> None:
    op.drop_index("ix_supervisors_state", "supervisors")
    op.drop_index("ix_tasks_state_lease_expires_at", "tasks")
    op.drop_table("scheduling_marks")
