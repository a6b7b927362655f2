"""Unrecoverable ranges get rows of their own; the ones recorded so far move out of the audit trail.

Coverage used to page every audit event of a supervisor family and parse `unrecoverable_ranges` back out
of RESET_TO_LATEST_AND_BACKFILL details: renaming a details key would have silently broken it. The audit
events keep their details (they are the record of what an operator did); coverage reads the new table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ID = 320


def upgrade() -> None:
    table = op.create_table(
        "unrecoverable_ranges",
        sa.Column("id", AutoId, primary_key=True, autoincrement=True),
        sa.Column("supervisor_id", sa.String(ID), sa.ForeignKey("supervisors.id"), nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("start_offset", sa.BigInteger, nullable=False),
        sa.Column("end_offset", sa.BigInteger, nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_unrecoverable_ranges_supervisor_id", "unrecoverable_ranges", ["supervisor_id"])
    # Typed, so each dialect hands back a datetime and the decoded JSON (SQLite stores both as text).
    events = sa.table("audit_events", sa.column("id", sa.BigInteger), sa.column("supervisor_id", sa.String),
                      sa.column("action", sa.String), sa.column("create_time", sa.DateTime(timezone=True)),
                      sa.column("payload", sa.JSON))
    connection = op.get_bind()
    rows = connection.execute(sa.select(events.c.supervisor_id, events.c.create_time, events.c.payload)
                              .where(events.c.action == "RESET_TO_LATEST_AND_BACKFILL").order_by(events.c.id))
    moved = []
    for supervisor_id, create_time, payload in rows:
        details = (json.loads(payload) if isinstance(payload, str) else payload or {}).get("details") or {}
        for partition, start, end in details.get("unrecoverable_ranges", []):
            moved.append({"supervisor_id": supervisor_id, "partition": partition, "start_offset": start,
                          "end_offset": end, "create_time": create_time})
    if moved:
        op.bulk_insert(table, moved)


def downgrade() -> None:
    op.drop_index("ix_unrecoverable_ranges_supervisor_id", "unrecoverable_ranges")
    op.drop_table("unrecoverable_ranges")
