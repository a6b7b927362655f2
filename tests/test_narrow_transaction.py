"""The narrow transaction of CommitCheckpoint on PostgreSQL (store/sql.py `_narrow_transaction`): a pooled
connection's bare psycopg connection, only store/pg.py's statements. Anything else is refused, the
transaction rolled back, and the commit runs again in a full transaction: the outcome is the same as the
full path's, once. Real PostgreSQL only: SQLite has no narrow transaction (it ignores `narrow`)."""
from __future__ import annotations

import grpc
import pytest

from helpers import expect_error, kafka_spec, pb_range as r
from streamvisor.app.scheduler import Scheduler
from streamvisor.client import StreamvisorError
from streamvisor.domain.ports import NarrowTransactionExceeded
from streamvisor.store import pg
from streamvisor.v1 import supervisor_pb2 as pb

pytestmark = pytest.mark.kafka


@pytest.fixture
def database_url(postgres_url) -> str:
    return postgres_url


def _marks(server) -> dict[str, str]:
    with server.store.read() as tx:
        return dict(tx.list_scheduling_marks(100))


def test_a_core_statement_is_refused_and_what_ran_before_is_rolled_back(server, client, topics):
    name = topics.create(1)
    client.create_supervisor("s", kafka_spec(name, task_count=1))
    assert Scheduler(server.store, server.streams, server.service).run_once()  # settles the creation's mark
    assert "s" not in _marks(server)
    pool = server.store.engine.pool
    with pytest.raises(NarrowTransactionExceeded):
        with server.store.transaction(narrow=True) as tx:
            supervisor = tx.get_supervisor("s", lock=True)
            tx.mark_for_scheduling("s", supervisor.update_time)  # a raw write, deferred...
            assert tx.get_checkpoints("s") == {0: 0}  # ...and sent now, before this read
            tx.update_supervisor(supervisor)  # a Core statement: refused
    assert "s" not in _marks(server)  # the mark was rolled back with the transaction
    assert pool.checkedout() == 0  # the connection went back to the pool
    with server.store.transaction(narrow=True) as tx:  # and it, or another, works
        tx.mark_for_scheduling("s", tx.get_supervisor("s").update_time)
    assert "s" in _marks(server)
    assert pool.checkedout() == 0


def test_deferred_writes_alone_open_and_commit_the_narrow_transaction(server, client, topics):
    name = topics.create(1)
    client.create_supervisor("s", kafka_spec(name, task_count=1))
    assert Scheduler(server.store, server.streams, server.service).run_once()
    with server.store.read() as tx:
        when = tx.get_supervisor("s").update_time
    with server.store.transaction(narrow=True) as tx:
        tx.mark_for_scheduling("s", when)  # nothing else: BEGIN, the write and COMMIT at the end
    token = _marks(server)["s"]
    with pytest.raises(RuntimeError, match="no"):
        with server.store.transaction(narrow=True) as tx:
            tx.mark_for_scheduling("s", when)
            tx.get_checkpoints("s")  # sent: inside the transaction, not autocommitted
            raise RuntimeError("no")
    assert _marks(server)["s"] == token  # the second mark (a new token) was rolled back
    assert server.store.engine.pool.checkedout() == 0


def test_a_commit_that_completes_its_supervisor_runs_in_full_once(server, client, topics, task_client):
    name = topics.create(1)
    topics.produce(name, {0: 10})
    client.create_supervisor("b", kafka_spec(name, task_count=1, bounded_ranges=[r(0, 0, 6)]))
    assert Scheduler(server.store, server.streams, server.service).run_once()
    task = task_client.acquire("w")
    assert not task_client.commit(task.id, "w", [r(0, 0, 4)], "mem://1", 4).task_done  # narrow
    assert task_client.commit(task.id, "w", [r(0, 4, 6)], "mem://2", 2).task_done  # needs the full path
    assert client.get_supervisor("b").state == pb.SUPERVISOR_STATE_COMPLETED
    assert [e.action for e in client.iter_history("b")].count("COMPLETE") == 1
    with server.store.read() as tx:
        assert [s.location for s in tx.list_segments(["b"])] == ["mem://1", "mem://2"]
        assert tx.get_checkpoints("b") == {0: 6}
    # The retry of the completing commit is answered as the first attempt was, from the narrow path.
    assert task_client.commit(task.id, "w", [r(0, 4, 6)], "mem://2", 2).task_done
    assert server.store.engine.pool.checkedout() == 0


def test_a_refused_commit_leaves_the_connection_usable(server, client, topics, task_client):
    name = topics.create(1)
    client.create_supervisor("s", kafka_spec(name, task_count=1))
    assert Scheduler(server.store, server.streams, server.service).run_once()
    task = task_client.acquire("w")
    for _ in range(3 * server.store.engine.pool.size()):  # more refusals than the pool has connections
        expect_error(lambda: task_client.commit(task.id, "intruder", [r(0, 0, 1)], "mem://x", 1),
                     grpc.StatusCode.ABORTED, "LEASE_LOST")
        expect_error(lambda: task_client.commit(task.id, "w", [r(0, 1, 2)], "mem://y", 1),
                     grpc.StatusCode.ABORTED, "CHECKPOINT_MISMATCH")
    assert server.store.engine.pool.checkedout() == 0
    assert task_client.commit(task.id, "w", [r(0, 0, 1)], "mem://z", 1).segment_id > 0
    with server.store.read() as tx:
        assert [s.location for s in tx.list_segments(["s"])] == ["mem://z"]


def _lose_prepared_statements(server) -> int:
    """DEALLOCATE ALL on every pooled connection, behind simple_cursor's cache; returns how many."""
    pool = server.store.engine.pool
    lent = [pool.connect() for _ in range(pool.checkedin() or 1)]  # every pooled connection there is
    for pooled in lent:
        raw = pooled.driver_connection
        pg.simple_cursor(raw)  # prepared, and known to be...
        raw.execute("DEALLOCATE ALL")  # ...but gone
        raw.commit()
    for pooled in lent:
        pooled.close()
    return len(lent)


@pytest.mark.parametrize("grouped", [False, True], ids=["alone", "grouped"])
def test_lost_prepared_statements_are_unavailable_once_then_prepared_again(server, client, topics, task_client,
                                                                          grouped, caplog):
    """The commit's statements are prepared once per session (store/pg.py simple_cursor). A session that lost
    them (DEALLOCATE ALL behind the cache's back) answers UNAVAILABLE, retryable, with nothing written; the
    retry on that connection prepares them again. In a commit group (app/grouping.py) the group's failure is
    the one the commit absorbs: it runs again on its own at once."""
    tasks = server.application.tasks
    if not grouped:
        tasks.commit_queue = None
    assert (tasks.commit_queue is not None) == grouped
    name = topics.create(1)
    client.create_supervisor("s", kafka_spec(name, task_count=1))
    assert Scheduler(server.store, server.streams, server.service).run_once()
    task = task_client.acquire("w")
    lost = _lose_prepared_statements(server)
    failures = 0
    while True:
        try:
            response = task_client.commit(task.id, "w", [r(0, 0, 3)], "mem://once", 3)
            break
        except StreamvisorError as e:
            assert (e.code, e.reason) == (grpc.StatusCode.UNAVAILABLE, "METADATA_STORE_UNAVAILABLE")
            failures += 1
            assert failures <= lost
            with server.store.read() as tx:
                assert tx.list_segments(["s"]) == [] and tx.get_checkpoints("s") == {0: 0}
    rolled_back = [m for m in caplog.messages if m.startswith("commit group rolled back")]
    if grouped:  # the group failed on a connection without its statements, the commit alone did not
        assert len(rolled_back) == 1 and failures < lost
    else:
        assert failures >= 1 and not rolled_back
    assert response.segment_id > 0
    with server.store.read() as tx:
        assert [s.location for s in tx.list_segments(["s"])] == ["mem://once"]
        assert tx.get_checkpoints("s") == {0: 3}
