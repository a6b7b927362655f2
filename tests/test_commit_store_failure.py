"""CommitCheckpoint when PostgreSQL fails the transaction: a statement of the pipelined writes fails, or the
server's connections are terminated. The worker gets UNAVAILABLE with METADATA_STORE_UNAVAILABLE (retryable),
never INTERNAL; nothing is written; the server's connections stay usable; the retry is answered as if the
failure never happened. Real PostgreSQL only: these failures are PostgreSQL's own (SQLite keeps the Core path)."""
from __future__ import annotations

import grpc
import psycopg
import pytest

from helpers import expect_error, kafka_spec, pb_range as r
from streamvisor.app.scheduler import Scheduler
from streamvisor.domain.errors import Unavailable

pytestmark = pytest.mark.kafka

UNAVAILABLE = grpc.StatusCode.UNAVAILABLE


@pytest.fixture
def database_url(postgres_url) -> str:
    return postgres_url


def _raw(url: str) -> psycopg.Connection:
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


@pytest.fixture
def leased(client, server, topics, task_client):
    """A RUNNING supervisor on 1 partition of 20 records, its one task leased by w1."""
    name = topics.create(1)
    topics.produce(name, {0: 20})
    client.create_supervisor("s", kafka_spec(name, task_count=1, use_earliest_offset=True))
    assert Scheduler(server.store, server.streams, server.service).run_once()
    return task_client.acquire("w1", lease_seconds=60)


def _state(server):
    with server.store.read() as tx:
        return (tx.get_checkpoints("s"), [(s.location, s.ranges) for s in tx.list_segments(["s"])],
                tx.list_published_ranges(["s"]), tx.get_task(tx.list_tasks("s")[0].id).lease_expires_at)


def test_a_failing_write_is_unavailable_and_writes_nothing(postgres_url, server, leased, task_client, caplog):
    before = _state(server)
    with _raw(postgres_url) as c:  # the segment insert of the pipelined write statement will violate it
        c.execute("ALTER TABLE segment_ranges ADD CONSTRAINT test_small_end CHECK (end_offset < 1000)")
    error = expect_error(lambda: task_client.commit(leased.id, "w1", [r(0, 0, 5000)], "mem://big", 5000),
                         UNAVAILABLE, "METADATA_STORE_UNAVAILABLE")
    assert error.metadata == {"sqlstate": "23514", "error": "CheckViolation"}
    assert _state(server) == before  # no checkpoint, segment, coverage row or lease renewal
    assert any(record.getMessage() == "transaction failed in the metadata store"
               and record.fields["sqlstate"] == "23514" for record in caplog.records)
    # The connection that failed went back to the pool rolled back: every later commit works, on any of them.
    for n in range(20):
        response = task_client.commit(leased.id, "w1", [r(0, n, n + 1)], f"mem://ok-{n}", 1)
        assert response.segment_id > 0
    assert _state(server)[0] == {0: 20}
    replay = task_client.commit(leased.id, "w1", [r(0, 19, 20)], "mem://ok-19", 1)
    assert replay.segment_id == response.segment_id


@pytest.mark.parametrize("grouped", [False, True], ids=["alone", "grouped"])
def test_terminated_connections_are_unavailable_then_the_retry_is_applied_once(postgres_url, server, leased,
                                                                               task_client, grouped, caplog):
    """Alone, each dead pooled connection fails one attempt. In a commit group (app/grouping.py) the group's
    transaction fails instead, and its commit runs again on its own at once, on another connection (or a new
    one): the caller may see fewer failures, but the failure happened, and the outcome is the same."""
    if not grouped:
        server.application.tasks.commit_queue = None
    first = task_client.commit(leased.id, "w1", [r(0, 0, 5)], "mem://a", 5)
    database = postgres_url.rsplit("/", 1)[1]
    with _raw(postgres_url) as c:  # every connection the server holds to its database
        terminated = c.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                               "WHERE datname = %s AND pid <> pg_backend_pid()", (database,)).fetchone()[0]
    assert terminated >= 1
    outcomes = []
    for _ in range(40):  # each dead pooled connection fails one attempt, then is thrown away
        try:
            outcomes.append(task_client.commit(leased.id, "w1", [r(0, 5, 9)], "mem://b", 4).segment_id)
            break
        except Exception as e:  # noqa: BLE001 - every failure must be the retryable one
            assert (e.code, e.reason) == (UNAVAILABLE, "METADATA_STORE_UNAVAILABLE"), str(e)
            assert e.metadata["sqlstate"] in ("57P01", "none", "08000", "08003", "08006"), e.metadata
            outcomes.append(e.metadata["error"])
    assert isinstance(outcomes[-1], int) and outcomes[-1] > first.segment_id, outcomes
    rolled_back = [m for m in caplog.messages if m.startswith("commit group rolled back")]
    failed = len(outcomes) - 1 + len(rolled_back)
    assert failed >= 1, "the terminated connection did not fail a commit: the test proved nothing"
    assert bool(rolled_back) == grouped
    again = task_client.commit(leased.id, "w1", [r(0, 5, 9)], "mem://b", 4)  # the retry of the retry
    assert again.segment_id == outcomes[-1]
    # Reads too (their own pool of connections, also terminated) fail as UNAVAILABLE, then recover.
    for _ in range(40):
        try:
            with server.store.read() as tx:
                checkpoints, segments = tx.get_checkpoints("s"), tx.list_segments(["s"])
            break
        except Unavailable as e:
            assert e.reason == "METADATA_STORE_UNAVAILABLE"
    assert checkpoints == {0: 9}
    assert [s.location for s in segments] == ["mem://a", "mem://b"]


def test_the_sdk_retries_through_terminated_connections(postgres_url, server, leased):
    from streamvisor.client.tasks import TaskClient
    database = postgres_url.rsplit("/", 1)[1]
    with TaskClient(f"127.0.0.1:{server.port}", retry_for_s=30) as worker:
        worker.commit(leased.id, "w1", [r(0, 0, 5)], "mem://a", 5)
        with _raw(postgres_url) as c:
            c.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = %s AND pid <> pg_backend_pid()", (database,))
        assert worker.commit(leased.id, "w1", [r(0, 5, 9)], "mem://b", 4).segment_id > 0
    for _ in range(40):  # another terminated pooled connection may still fail a read once
        try:
            with server.store.read() as tx:
                checkpoints = tx.get_checkpoints("s")
            break
        except Unavailable:
            pass
    assert checkpoints == {0: 9}
