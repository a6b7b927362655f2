"""A pool of autocommit psycopg connections for the PostgreSQL reads of store/pg.py.

Why: a GetSupervisor is one prepared SELECT, but checking a connection out of SQLAlchemy's pool and back
(events, the isolation level set and reset, the reset-on-return) cost about as much Python as the
statement itself - 15% of the server thread's time (py-spy). Reads need none of it: in autocommit every
statement is its own snapshot, as it is through SQLAlchemy's AUTOCOMMIT reader.

The same care as the SQLAlchemy pool (store/engine.py): a connection idle for IDLE_PING_S is pinged before
use and replaced if the ping fails; a broken connection or one left inside a transaction is never reused;
connections older than POOL_RECYCLE_S are retired.
"""
from __future__ import annotations

import logging
import threading
import time

import psycopg

from streamvisor import logs
from streamvisor.store.engine import IDLE_PING_S, POOL_RECYCLE_S

log = logging.getLogger(__name__)


class RawReadPool:
    def __init__(self, dsn: str, size: int):
        self.dsn, self.size = dsn, size
        self._idle: list[tuple[psycopg.Connection, float, float]] = []  # (connection, born, idle since)
        self._lock = threading.Lock()

    def _connect(self) -> tuple[psycopg.Connection, float]:
        return psycopg.connect(self.dsn, autocommit=True), time.monotonic()

    def get(self) -> tuple[psycopg.Connection, float]:
        """A connection and when it was opened (give both back to put())."""
        while True:
            with self._lock:
                entry = self._idle.pop() if self._idle else None
            if entry is None:
                return self._connect()
            connection, born, since = entry
            now = time.monotonic()
            if now - born >= POOL_RECYCLE_S or connection.closed:
                connection.close()
                continue
            if now - since >= IDLE_PING_S:
                try:
                    connection.execute("SELECT 1")
                except psycopg.Error as e:
                    logs.info(log, "idle database connection dropped", error=type(e).__name__)
                    connection.close()
                    continue
            return connection, born

    def put(self, connection: psycopg.Connection, born: float) -> None:
        reusable = (not connection.closed and not connection.broken
                    and connection.pgconn.transaction_status == psycopg.pq.TransactionStatus.IDLE)
        if reusable:
            with self._lock:
                if len(self._idle) < self.size:
                    self._idle.append((connection, born, time.monotonic()))
                    return
        connection.close()

    def close(self) -> None:
        """Closes the idle connections (the pool stays usable, like a disposed SQLAlchemy engine)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection, _born, _since in idle:
            connection.close()
