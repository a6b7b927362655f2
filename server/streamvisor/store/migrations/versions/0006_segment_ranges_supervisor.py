"""ListSegments filtered by partition seeks an index instead of walking the supervisor's history.

segment_ranges gets the supervisor id of its segment (written by every commit from now on, filled in here
for the existing rows) and an index (supervisor_id, partition, segment_id): a page of one partition's
segments in commit order is one index range scan from the page cursor, however many segments of other
partitions (or a sparse partition's neighbours) the supervisor published before.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = 320


def upgrade() -> None:
    with op.batch_alter_table("segment_ranges") as batch:
        batch.add_column(sa.Column("supervisor_id", sa.String(ID), nullable=True))
    op.execute("UPDATE segment_ranges SET supervisor_id = "
               "(SELECT segments.supervisor_id FROM segments WHERE segments.id = segment_ranges.segment_id)")
    op.create_index("ix_segment_ranges_supervisor_partition_segment", "segment_ranges",
                    ["supervisor_id", "partition", "segment_id"])


def downgrade() -> None:
    op.drop_index("ix_segment_ranges_supervisor_partition_segment", "segment_ranges")
    with op.batch_alter_table("segment_ranges") as batch:
        batch.drop_column("supervisor_id")
