"""One task per supervisor, generation and task group: two schedulers can never double-schedule.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ux_tasks_supervisor_generation_group", "tasks", ["supervisor_id", "generation", "task_group"],
                    unique=True)
    op.create_index("ix_tasks_state", "tasks", ["state"])
    # A retried commit (its response was lost) is recognised by its segment's location.
    op.create_index("ix_segments_supervisor_location", "segments", ["supervisor_id", "location"])


def downgrade() -> None:
    op.drop_index("ix_segments_supervisor_location", "segments")
    op.drop_index("ix_tasks_state", "tasks")
    op.drop_index("ux_tasks_supervisor_generation_group", "tasks")
