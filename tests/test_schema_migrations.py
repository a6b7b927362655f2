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


def _untyped(name: str, *columns: str):
    """A table of a database at an older revision, whose columns are as that revision made them: schema.py's
    types are head's (offsets as sortable text on SQLite since 0008), which an older database does not have."""
    import sqlalchemy as sa

    return sa.table(name, *(sa.column(c) for c in columns))


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
                connection.execute(insert(_untyped("segment_ranges", "segment_id", "partition", "start_offset",
                                                   "end_offset")), [
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


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_0008_widens_the_offsets_and_keeps_every_existing_row(backend, request):
    """A database at 0007 holds int64 offsets in every offset column; after 0008 they read back equal (as
    ints), compare and sort as numbers (9 < 10 < 2**63 - 1 < a 56-digit offset written afterwards), and a
    downgrade would find them where it left them."""
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
    big = 2 ** 63 - 1
    try:
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            if backend == "postgresql":
                command.downgrade(config, "0007")
            else:
                command.upgrade(config, "0007")
            connection.commit()
            now = datetime(2026, 12, 2, tzinfo=timezone.utc)
            connection.execute(insert(schema.supervisors).values(
                id="old", stream_type="KAFKA", stream="t", spec={}, state="RUNNING", state_detail="",
                generation=1, version=1, partitions=[0, 1, 2], backfill_of=None, create_time=now, update_time=now))
            connection.execute(insert(_untyped("checkpoints", "supervisor_id", "partition", "next_offset")), [
                {"supervisor_id": "old", "partition": p, "next_offset": o} for p, o in ((0, 9), (1, 10), (2, big))])
            segment_id = connection.execute(insert(schema.segments).values(
                supervisor_id="old", task_id="t", generation=1, location="file:///a", record_count=0,
                create_time=now).returning(schema.segments.c.id)).scalar_one()
            connection.execute(insert(_untyped("segment_ranges", "segment_id", "supervisor_id", "partition",
                                               "start_offset", "end_offset")), [
                {"segment_id": segment_id, "supervisor_id": "old", "partition": 0, "start_offset": 0,
                 "end_offset": 9},
                {"segment_id": segment_id, "supervisor_id": "old", "partition": 1, "start_offset": 9,
                 "end_offset": 10},
                {"segment_id": segment_id, "supervisor_id": "old", "partition": 2, "start_offset": 100,
                 "end_offset": big}])
            connection.execute(insert(_untyped("published_ranges", "supervisor_id", "partition", "start_offset",
                                               "end_offset")),
                               [{"supervisor_id": "old", "partition": 2, "start_offset": 100, "end_offset": big}])
            connection.execute(insert(_untyped("unrecoverable_ranges", "supervisor_id", "partition",
                                               "start_offset", "end_offset", "create_time")),
                               [{"supervisor_id": "old", "partition": 1, "start_offset": 0, "end_offset": 9,
                                 "create_time": now}])
            connection.commit()
        migrate(engine)
        from streamvisor.store.sql import SqlMetadataStore

        store = SqlMetadataStore(engine)
        huge = 10 ** 55 + 7
        with store.transaction() as tx:
            assert tx.get_checkpoints("old") == {0: 9, 1: 10, 2: big}
            assert all(type(o) is int for o in tx.get_checkpoints("old").values())
            tx.add_published_ranges("old", [OffsetRange_(2, big, huge)])
        with store.read() as tx:
            assert [(r.partition, r.start, r.end) for r, _ in tx.list_published_ranges(["old"])] == [(2, 100, huge)]
            assert [(r.partition, r.start, r.end) for r in tx.list_unrecoverable_ranges(["old"])] == [(1, 0, 9)]
            (segment,) = tx.list_segments(["old"])
            assert [(r.partition, r.start, r.end) for r in segment.ranges] == [(0, 0, 9), (1, 9, 10), (2, 100, big)]
        with engine.connect() as connection:
            ordered = connection.execute(select(schema.segment_ranges.c.end_offset)
                                         .order_by(schema.segment_ranges.c.end_offset)).scalars().all()
            assert ordered == [9, 10, big]
            # Numeric comparison in SQL, across lengths: 10 > 9 although "10" < "9" as plain text.
            above_nine = connection.execute(select(schema.checkpoints.c.partition)
                                            .where(schema.checkpoints.c.next_offset > 9)
                                            .order_by(schema.checkpoints.c.partition)).scalars().all()
            assert above_nine == [1, 2]
        # Downgrading to 0007 gives the int64 rows back (the huge range is removed first: it cannot be int64).
        with store.transaction() as tx:
            tx.c.execute(schema.published_ranges.delete())
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0007")
            connection.commit()
            rows = connection.execute(select(_untyped("checkpoints", "partition", "next_offset"))).all()
            assert sorted(tuple(r) for r in rows) == [(0, 9), (1, 10), (2, big)]
            command.upgrade(config, "head")
            connection.commit()
    finally:
        engine.dispose()


def OffsetRange_(partition, start, end):  # noqa: N802 - the domain value, imported late like the tests above
    from streamvisor.domain.model import OffsetRange

    return OffsetRange(partition, start, end)
