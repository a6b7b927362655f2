"""Engines for the two supported metadata databases, and schema migration on start.

SQLite (embedded default): WAL so readers never block the writer, a busy timeout so writers queue
instead of failing, and BEGIN IMMEDIATE for read-write transactions so the write lock is taken up front
(a deferred transaction that reads, then writes, can deadlock against another and fail with
SQLITE_BUSY). PostgreSQL: pooled connections; the row lock is SELECT ... FOR UPDATE.
"""
from __future__ import annotations

import logging
import time
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.engine import make_url

from streamvisor import logs
from streamvisor.store.offsets import register_integer_numeric
log = logging.getLogger(__name__)

WRITE_OPTION = "streamvisor_write"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# PostgreSQL advisory lock key held while migrating: replicas starting together upgrade one at a time.
MIGRATION_LOCK_KEY = 0x5354_5256  # "STRV"
# PostgreSQL: a pooled connection idle for longer than this is pinged before use; a busy one is not.
IDLE_PING_S = 10.0
POOL_RECYCLE_S = 1800


def create_store_engine(url: str, pool_size: int = 16) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            pool_size=pool_size,
            max_overflow=pool_size,
        )
        _configure_sqlite(engine)
        return engine
    engine = create_engine(parsed, pool_size=pool_size, max_overflow=pool_size, pool_recycle=POOL_RECYCLE_S)
    _ping_idle_connections(engine)
    _load_numeric_as_int(engine)
    return engine


def _load_numeric_as_int(engine: Engine) -> None:
    """Offset columns are NUMERIC (store/offsets.py): loaded as int on every connection, never Decimal, also
    for the hot statements of store/pg.py that run on the psycopg connection underneath."""
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        register_integer_numeric(dbapi_connection)
        # No automatic preparation on the engine's connections: after any rollback psycopg discards the
        # statements it prepared with DEALLOCATE ALL, which also drops the commit's own prepared statements
        # (store/pg.py simple_cursor); a commit then failed with "prepared statement ... does not exist".
        # The commit's statements are prepared explicitly; the rest of the write path is not hot.
        dbapi_connection.prepare_threshold = None


def _ping_idle_connections(engine: Engine, idle_s: float = IDLE_PING_S) -> None:
    """`pool_pre_ping`, but only for connections that sat idle in the pool for `idle_s` or more.

    pool_pre_ping costs a round trip (SELECT 1) on every checkout: 1 of the 12 a CommitCheckpoint made.
    A connection in steady use has just proven itself; one that sat idle may have been cut (a database
    restart, a proxy's idle timeout), and that is what the ping is for. A failed ping raises
    DisconnectionError, on which the pool throws the connection away and checks out another (SQLAlchemy's
    "pessimistic disconnect handling" recipe); pool_recycle retires old connections regardless.
    """
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        if record is not None:
            record.info["streamvisor_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        since = record.info.get("streamvisor_idle_since")
        if since is None or time.monotonic() - since < idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
            dbapi_connection.rollback()  # the ping must not open the caller's transaction
        except Exception as e:
            logs.info(log, "idle database connection dropped", error=type(e).__name__)
            raise exc.DisconnectionError(str(e)) from e


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's begin event decide how each transaction starts (pysqlite would otherwise
        # issue its own deferred BEGIN lazily, before the first write).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def migrate(engine: Engine) -> None:
    """Brings the schema to the newest Alembic revision (idempotent; runs on every server start).

    On PostgreSQL under a transaction-scoped advisory lock: replicas started at once on a fresh database
    would otherwise all run CREATE TABLE, and all but one fail. The next one in sees the schema at head."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("streamvisor.store") / "migrations"))
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()
    logs.info(log, "metadata schema at head", url=engine.url.render_as_string(hide_password=True))
