"""A pool of autocommit psycopg connections for the PostgreSQL reads of store/pg.py.

Why: a GetSupervisor is one prepared SELECT, but checking a connection out of SQLAlchemy's pool and back
(events, the isolation level set and reset, the reset-on-return) cost about as much Python as the
statement itself - 15% of the server thread's time (py-spy). Reads need none of it: in autocommit every
statement is its own snapshot, as it is through SQLAlchemy's AUTOCOMMIT reader.

The same care as the SQLAlchemy pool (store/engine.py): a connection idle for IDLE_PING_S is pinged before
use and replaced if the ping fails; a broken connection or one left inside a transaction is never reused;
connections older than POOL_RECYCLE_S are retired. At most `size` are open at once: past that get()
returns None and the caller reads through SQLAlchemy as before, so a process never holds more than
`size` connections beyond its engine's pool.
"""
from __future__ import annotations

import logging
import threading
import time

import psycopg

from streamvisor import logs
from streamvisor.store.engine import IDLE_PING_S, POOL_RECYCLE_S
from streamvisor.store.offsets import register_integer_numeric

log = logging.getLogger(__name__)


class RawReadPool:
    def __init__(self, dsn: str, size: int):
        self.dsn, self.size = dsn, size
        self._idle: list[tuple[psycopg.Connection, float, float]] = []  # (connection, born, idle since)
        self._open = 0  # idle or lent
        self._lock = threading.Lock()

    def _connect(self) -> tuple[psycopg.Connection, float]:
        try:
            connection = psycopg.connect(self.dsn, autocommit=True)
            register_integer_numeric(connection)  # offsets are NUMERIC: ints, as on the engine's connections
            return connection, time.monotonic()
        except BaseException:
            self._discard(None)
            raise

    def _discard(self, connection: psycopg.Connection | None) -> None:
        if connection is not None:
            connection.close()
        with self._lock:
            self._open -= 1

    def get(self) -> tuple[psycopg.Connection, float] | None:
        """A connection and when it was opened (give both back to put()); None when `size` are lent."""
        while True:
            with self._lock:
                entry = self._idle.pop() if self._idle else None
                if entry is None:
                    if self._open >= self.size:
                        return None
                    self._open += 1
            if entry is None:
                return self._connect()
            connection, born, since = entry
            now = time.monotonic()
            if now - born >= POOL_RECYCLE_S or connection.closed:
                self._discard(connection)
                continue
            if now - since >= IDLE_PING_S:
                try:
                    connection.execute("SELECT 1")
                except psycopg.Error as e:
                    logs.info(log, "idle database connection dropped", error=type(e).__name__)
                    self._discard(connection)
                    continue
            return connection, born

    def put(self, connection: psycopg.Connection, born: float) -> None:
        reusable = (not connection.closed and not connection.broken
                    and connection.pgconn.transaction_status == psycopg.pq.TransactionStatus.IDLE)
        if reusable:
            with self._lock:
                self._idle.append((connection, born, time.monotonic()))
                return
        self._discard(connection)

    def close(self) -> None:
        """Closes the idle connections (the pool stays usable, like a disposed SQLAlchemy engine)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection, _born, _since in idle:
            self._discard(connection)
