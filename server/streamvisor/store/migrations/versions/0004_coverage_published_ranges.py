"""Coverage is maintained as commits land: published_ranges, built here from the segments published so far.

Before, GetCoverage read every segment row of a supervisor family (1.8 s after 100k segments). From now on
every commit merges its ranges into its supervisor's rows (streamvisor.domain.coverage.absorb): exactly
abutting ranges of one supervisor become one row, an overlapping one stays a row of its own. This builds
the same rows from the existing segments, per supervisor and partition in offset order (the fold is
written out here, not imported, so that this migration keeps meaning what it means today).

Also indexes for a segment listing (paginated, by partition and offset range) that does not slow down with
history: segments (supervisor_id, id) replaces (supervisor_id), and segment_ranges (partition, start_offset).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

AutoId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ID = 320
BATCH = 10_000


def upgrade() -> None:
    table = op.create_table(
        "published_ranges",
        sa.Column("id", AutoId, primary_key=True, autoincrement=True),
        sa.Column("supervisor_id", sa.String(ID), sa.ForeignKey("supervisors.id"), nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("start_offset", sa.BigInteger, nullable=False),
        sa.Column("end_offset", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_published_ranges_end", "published_ranges", ["supervisor_id", "partition", "end_offset"])
    op.create_index("ix_published_ranges_start", "published_ranges",
                    ["supervisor_id", "partition", "start_offset"])
    op.create_index("ix_segments_supervisor_id_id", "segments", ["supervisor_id", "id"])
    op.drop_index("ix_segments_supervisor_id", "segments")
    op.create_index("ix_segment_ranges_partition_start", "segment_ranges", ["partition", "start_offset"])

    segments = sa.table("segments", sa.column("id", sa.BigInteger), sa.column("supervisor_id", sa.String))
    ranges = sa.table("segment_ranges", sa.column("segment_id", sa.BigInteger), sa.column("partition", sa.Integer),
                      sa.column("start_offset", sa.BigInteger), sa.column("end_offset", sa.BigInteger))
    connection = op.get_bind()
    # Streamed (the statement's option, not the connection's: the inserts below run on it too).
    rows = connection.execute(
        sa.select(segments.c.supervisor_id, ranges.c.partition, ranges.c.start_offset, ranges.c.end_offset)
        .join(segments, segments.c.id == ranges.c.segment_id)
        .order_by(segments.c.supervisor_id, ranges.c.partition, ranges.c.start_offset, ranges.c.end_offset,
                  segments.c.id)
        .execution_options(yield_per=BATCH))
    # In offset order a range can only extend a row that ends where it starts (every row so far starts at or
    # before it): one row per run of abutting ranges, an overlapping range starts a row of its own, and a
    # partition that only ever got empty ranges keeps one empty row, so that coverage still lists it.
    pending: list[dict] = []
    group, open_rows = None, []  # the current (supervisor, partition), its rows
    by_end: dict[int, list[int]] = {}  # end offset -> positions in open_rows

    def flush_group() -> None:
        if group is None:
            return
        kept = [r for r in open_rows if r[1] > r[0]] or open_rows[:1]
        pending.extend({"supervisor_id": group[0], "partition": group[1], "start_offset": s, "end_offset": e}
                       for s, e in kept)

    for supervisor_id, partition, start, end in rows:
        if (supervisor_id, partition) != group:
            flush_group()
            if len(pending) >= BATCH:
                op.bulk_insert(table, pending)
                pending.clear()
            group, open_rows, by_end = (supervisor_id, partition), [], {}
        if end == start:
            if not open_rows:
                open_rows.append([start, end])
                by_end.setdefault(end, []).append(0)
            continue
        left = by_end.get(start)
        if left:
            i = left.pop()
            open_rows[i][1] = end
        else:
            i = len(open_rows)
            open_rows.append([start, end])
        by_end.setdefault(end, []).append(i)
    flush_group()
    if pending:
        op.bulk_insert(table, pending)


def downgrade() -> None:
    op.drop_index("ix_segment_ranges_partition_start", "segment_ranges")
    op.create_index("ix_segments_supervisor_id", "segments", ["supervisor_id"])
    op.drop_index("ix_segments_supervisor_id_id", "segments")
    op.drop_index("ix_published_ranges_start", "published_ranges")
    op.drop_index("ix_published_ranges_end", "published_ranges")
    op.drop_table("published_ranges")
