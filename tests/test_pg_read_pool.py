"""store/pgpool.py on the real PostgreSQL: the lean read connections are bounded, never reused broken or
inside a transaction, and reads fall back to SQLAlchemy when all are lent."""
from __future__ import annotations

import psycopg

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
