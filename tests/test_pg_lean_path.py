"""The lean PostgreSQL path on the real database: deferred writes (store/sql.py) keep their order against
SQLAlchemy statements, reach the database with the COMMIT and vanish with a rollback; the lean read
connections (store/pgpool.py) are bounded, never reused broken or inside a transaction, and reads fall back
to SQLAlchemy when all are lent."""
from __future__ import annotations

from datetime import datetime, timezone

import psycopg
import pytest

from streamvisor.domain.model import StreamType, Supervisor, SupervisorSpec, SupervisorState

from streamvisor.store.engine import create_store_engine, migrate
from streamvisor.store.pgpool import RawReadPool
from streamvisor.store.sql import SqlMetadataStore


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def test_pool_lends_at_most_size_and_reuses_what_comes_back(postgres_url):
    pool = RawReadPool(_dsn(postgres_url), 2)
    try:
        a, b = pool.get(), pool.get()
        assert a is not None and b is not None and a[0] is not b[0]
        assert pool.get() is None  # the third caller reads through SQLAlchemy instead
        pool.put(*a)
        again = pool.get()
        assert again is not None and again[0] is a[0]
        pool.put(*again)
        pool.put(*b)
    finally:
        pool.close()
    assert a[0].closed and b[0].closed


def test_broken_or_open_transaction_connections_are_not_reused(postgres_url):
    pool = RawReadPool(_dsn(postgres_url), 2)
    try:
        inside, born = pool.get()
        inside.autocommit = False
        inside.execute("SELECT 1")  # a transaction left open
        pool.put(inside, born)
        assert inside.closed
        closed, born = pool.get()
        closed.close()
        pool.put(closed, born)
        fresh = pool.get()
        assert fresh is not None and fresh[0] is not inside and fresh[0] is not closed
        assert fresh[0].execute("SELECT 2").fetchone() == (2,)
        assert pool.get() is not None  # two were discarded: the count of lent ones went back down
    finally:
        pool.close()


def test_reads_answer_when_every_lean_connection_is_lent(postgres_url):
    engine = create_store_engine(postgres_url, pool_size=4)
    migrate(engine)
    store = SqlMetadataStore(engine)
    try:
        held = [store._raw_reads.get() for _ in range(store._raw_reads.size)]
        assert all(h is not None for h in held)
        with store.read() as tx:  # through SQLAlchemy
            assert tx.get_supervisor("nobody") is None
        for h in held:
            store._raw_reads.put(*h)
        with store.read() as tx:  # lean again
            assert tx.get_supervisor("nobody") is None and tx.opened is None
            assert tx.get_checkpoints("nobody") == {}
    finally:
        store.dispose()
    assert all(h[0].closed for h in held)  # dispose drained them
    assert isinstance(held[0][0], psycopg.Connection)


NOW = datetime(2026, 12, 2, tzinfo=timezone.utc)


@pytest.fixture
def store(postgres_url):
    engine = create_store_engine(postgres_url, pool_size=4)
    migrate(engine)
    store = SqlMetadataStore(engine)
    spec = SupervisorSpec(stream_type=StreamType.KAFKA, stream="t", consumer_properties={}, task_count=1)
    with store.transaction() as tx:
        tx.insert_supervisor(Supervisor(id="lean", spec=spec, state=SupervisorState.RUNNING, generation=1,
                                        version=1, partitions=(0, 1), create_time=NOW, update_time=NOW))
    yield store
    store.dispose()


def test_a_deferred_write_runs_before_a_later_sqlalchemy_statement(store):
    with store.transaction() as tx:
        tx.set_checkpoints("lean", {0: 5, 1: 7})  # deferred upsert
        assert tx._deferred
        tx.set_checkpoints("lean", {0: None})  # a Core DELETE: the upsert must reach the database first
        assert not tx._deferred
        assert tx.get_checkpoints("lean") == {1: 7}
    with store.read() as tx:
        assert tx.get_checkpoints("lean") == {1: 7}


def test_deferred_writes_commit_with_the_transaction_and_vanish_with_a_rollback(store):
    with store.transaction() as tx:
        tx.set_checkpoints("lean", {0: 3})
    with store.read() as tx:
        assert tx.get_checkpoints("lean") == {0: 3}
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            tx.set_checkpoints("lean", {0: 99, 1: 99})
            raise RuntimeError("the use case failed after its writes were queued")
    with store.read() as tx:
        assert tx.get_checkpoints("lean") == {0: 3}
    with store.transaction() as tx:  # the connection is reusable afterwards, with nothing left queued
        assert tx.get_checkpoints("lean") == {0: 3}
