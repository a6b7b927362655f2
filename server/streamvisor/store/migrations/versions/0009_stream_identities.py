"""Stream identities: per supervisor, what told its stream from one created again under the same name (Kafka's
topic id), so that a topic deleted and recreated under a supervisor is a fault instead of a silent skip of the
new topic's first records. Existing supervisors get no row: the scheduler records what it finds next.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = 320


def upgrade() -> None:
    op.create_table(
        "stream_identities",
        sa.Column("supervisor_id", sa.String(ID), sa.ForeignKey("supervisors.id"), primary_key=True),
        sa.Column("identity", sa.String(255), nullable=False),
        sa.Column("observe_time", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("stream_identities")
