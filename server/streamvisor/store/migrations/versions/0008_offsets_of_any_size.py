"""Offsets of any size: every offset column is widened beyond int64 (Kinesis sequence numbers have up to 129
decimal digits), without losing a row.

PostgreSQL: BIGINT -> NUMERIC(1000, 0), converted in place (USING col::numeric); the indexes are rebuilt by
ALTER TABLE and keep their meaning. SQLite: INTEGER -> TEXT in the order-preserving encoding of
store/offsets.py (a 3-digit length, then the digits), so that text comparison is numeric comparison; the
table is rebuilt (batch mode) and every existing value re-encoded.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OFFSET_COLUMNS = {
    "checkpoints": ("next_offset",),
    "segment_ranges": ("start_offset", "end_offset"),
    "published_ranges": ("start_offset", "end_offset"),
    "unrecoverable_ranges": ("start_offset", "end_offset"),
}
PRECISION = 1000  # store/offsets.py PG_OFFSET_PRECISION; a migration keeps its own copy of what it wrote


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, columns in OFFSET_COLUMNS.items():
        if sqlite:
            with op.batch_alter_table(table) as batch:
                for column in columns:
                    batch.alter_column(column, type_=sa.Text(), existing_type=sa.BigInteger(),
                                       existing_nullable=False)
            # The copied values are the integers' digits (TEXT affinity); prefix each with its length.
            op.execute(f"UPDATE {table} SET " + ", ".join(
                f"{c} = printf('%03d', length(CAST({c} AS TEXT))) || CAST({c} AS TEXT)" for c in columns))
        else:
            for column in columns:
                op.alter_column(table, column, type_=sa.NUMERIC(PRECISION, 0), existing_type=sa.BigInteger(),
                                existing_nullable=False, postgresql_using=f"{column}::numeric")


def downgrade() -> None:
    """Back to int64: refused by the database (out of range) if an offset no longer fits."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, columns in OFFSET_COLUMNS.items():
        if sqlite:
            op.execute(f"UPDATE {table} SET " + ", ".join(f"{c} = CAST(substr({c}, 4) AS INTEGER)"
                                                           for c in columns))
            with op.batch_alter_table(table) as batch:
                for column in columns:
                    batch.alter_column(column, type_=sa.BigInteger(), existing_type=sa.Text(),
                                       existing_nullable=False)
        else:
            for column in columns:
                op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.NUMERIC(PRECISION, 0),
                                existing_nullable=False, postgresql_using=f"{column}::bigint")
