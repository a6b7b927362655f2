"""The SQLAlchemy schema (store/schema.py, what the code queries) and the Alembic migrations (what a
database really gets) agree, on both databases: a column or index added to one and not the other fails
here, not in production."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from streamvisor.store.engine import create_store_engine, migrate
from streamvisor.store.schema import metadata


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_migrated_database_matches_the_schema(backend, request):
    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "postgres_url")
    engine = create_store_engine(url)
    try:
        migrate(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                   "compare_server_default": False})
            diff = [d for d in compare_metadata(context, metadata) if not _is_alembic_bookkeeping(d)]
        assert diff == [], f"schema.py and the migrations differ: {diff}"
    finally:
        engine.dispose()


def _is_alembic_bookkeeping(diff) -> bool:
    # Alembic's own version table is in the database but, rightly, not in the application's schema.
    return isinstance(diff, tuple) and diff[0] == "remove_table" and diff[1].name == "alembic_version"


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_0003_moves_unrecoverable_ranges_out_of_the_audit_trail(backend, request):
    """Ranges recorded before 0003 lived only in RESET_TO_LATEST_AND_BACKFILL audit details; the migration
    copies them into their own rows, which coverage reads from then on."""
    from datetime import datetime, timezone
    from importlib import resources

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import insert, select

    from streamvisor.store import schema

    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "postgres_url")
    engine = create_store_engine(url)
    config = Config()
    config.set_main_option("script_location", str(resources.files("streamvisor.store") / "migrations"))
    try:
        with engine.connect() as connection:
            if backend == "postgresql":  # the template database is migrated to head already: start over
                config.attributes["connection"] = connection
                command.downgrade(config, "0002")
                connection.commit()
            else:
                config.attributes["connection"] = connection
                command.upgrade(config, "0002")
                connection.commit()
            now = datetime(2026, 11, 30, tzinfo=timezone.utc)
            connection.execute(insert(schema.supervisors).values(
                id="main", stream_type="KAFKA", stream="t", spec={}, state="RUNNING", state_detail="",
                generation=2, version=2, partitions=[0, 1], backfill_of=None, create_time=now, update_time=now))
            connection.execute(insert(schema.audit_events).values(
                supervisor_id="main", action="RESET_TO_LATEST_AND_BACKFILL", actor="alice", request_id="",
                create_time=now, payload={"details": {"unrecoverable_ranges": [[0, 10, 40], [1, 0, 5]]}}))
            connection.execute(insert(schema.audit_events).values(
                supervisor_id="main", action="RESET_TO_LATEST_AND_BACKFILL", actor="alice", request_id="",
                create_time=now, payload={"details": {"unrecoverable_ranges": []}}))
            connection.commit()
        migrate(engine)
        with engine.connect() as connection:
            rows = connection.execute(select(schema.unrecoverable_ranges.c.supervisor_id,
                                             schema.unrecoverable_ranges.c.partition,
                                             schema.unrecoverable_ranges.c.start_offset,
                                             schema.unrecoverable_ranges.c.end_offset)
                                      .order_by(schema.unrecoverable_ranges.c.id)).all()
        assert [tuple(r) for r in rows] == [("main", 0, 10, 40), ("main", 1, 0, 5)]
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_0004_builds_the_maintained_coverage_from_the_segments(backend, request):
    """Segments published before 0004 are folded into published_ranges: coverage over those rows is the
    coverage over every segment (abutting runs merged, an overlap kept, an empty-only partition listed)."""
    from datetime import datetime, timezone
    from importlib import resources

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import insert

    from streamvisor.domain.coverage import coverage
    from streamvisor.domain.model import OffsetRange
    from streamvisor.store import schema
    from streamvisor.store.sql import SqlMetadataStore

    url = request.getfixturevalue("sqlite_url" if backend == "sqlite" else "postgres_url")
    engine = create_store_engine(url)
    config = Config()
    config.set_main_option("script_location", str(resources.files("streamvisor.store") / "migrations"))
    # main: [0,10) [10,20) [30,40), reset back: [15,25); partition 1 only ever empty. A backfill: [20,30).
    published = [("main", [(0, 0, 10), (1, 3, 3)]), ("main", [(0, 10, 20)]), ("main", [(0, 30, 40)]),
                 ("main", [(0, 15, 25)]), ("main_backfill_a", [(0, 20, 30)])]
    try:
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            if backend == "postgresql":
                command.downgrade(config, "0003")
            else:
                command.upgrade(config, "0003")
            connection.commit()
            now = datetime(2026, 12, 1, tzinfo=timezone.utc)
            for sid, parent in (("main", None), ("main_backfill_a", "main")):
                connection.execute(insert(schema.supervisors).values(
                    id=sid, stream_type="KAFKA", stream="t", spec={}, state="RUNNING", state_detail="",
                    generation=1, version=1, partitions=[0, 1], backfill_of=parent, create_time=now,
                    update_time=now))
            for n, (sid, ranges) in enumerate(published):
                segment_id = connection.execute(insert(schema.segments).values(
                    supervisor_id=sid, task_id="t", generation=1, location=f"file:///{n}", record_count=0,
                    create_time=now).returning(schema.segments.c.id)).scalar_one()
                connection.execute(insert(schema.segment_ranges), [
                    {"segment_id": segment_id, "partition": p, "start_offset": s, "end_offset": e}
                    for p, s, e in ranges])
            connection.commit()
        migrate(engine)
        store = SqlMetadataStore(engine)
        with store.read() as tx:
            rows = tx.list_published_ranges(["main", "main_backfill_a"])
            batch = coverage([(r, s.supervisor_id) for s in tx.list_segments(["main", "main_backfill_a"])
                              for r in s.ranges])
        assert sorted((sid, r.partition, r.start, r.end) for r, sid in rows) == [
            ("main", 0, 0, 20), ("main", 0, 15, 25), ("main", 0, 30, 40), ("main", 1, 3, 3),
            ("main_backfill_a", 0, 20, 30)]
        kept = coverage(rows)
        assert [(c.partition, c.published, c.gaps, c.published_offsets) for c in kept] == [
            (c.partition, c.published, c.gaps, c.published_offsets) for c in batch]
        assert kept[0].published == [OffsetRange(0, 0, 40)] and kept[1].published == []
        assert sum(o.range.size for o in kept[0].overlaps) == sum(o.range.size for o in batch[0].overlaps) == 10
        # From here on the commits maintain the rows: the next one extends main's last run.
        with store.transaction() as tx:
            tx.add_published_ranges("main", [OffsetRange(0, 40, 50), OffsetRange(1, 3, 7)])
        with store.read() as tx:
            assert sorted((sid, r.partition, r.start, r.end) for r, sid in tx.list_published_ranges(["main"])) == [
                ("main", 0, 0, 20), ("main", 0, 15, 25), ("main", 0, 30, 50), ("main", 1, 3, 7)]
    finally:
        engine.dispose()
