"""Group commit on PostgreSQL (app/grouping.py, TaskService.run_commit_group, store/sql.py PgCommitGroup):
several CommitCheckpoints in one transaction give each caller exactly what its commit alone would have given -
nothing lost, nothing twice. A member that could read another's writes (same task, partition or location)
runs on its own afterwards; one that needs more than the commit path (completing a bounded supervisor, a
missing task) too; a rejected one is answered and writes nothing; a failed transaction runs every member on
its own. Groups are driven directly (run_commit_group) to decide what is in them, and through gRPC with
concurrent committers."""
from __future__ import annotations

import threading

import psycopg
import pytest

from helpers import kafka_spec, pb_range as r
from streamvisor.app.grouping import Pending
from streamvisor.app.scheduler import Scheduler
from streamvisor.app.tasks import CommitCall
from streamvisor.domain.errors import Conflict, InvalidArgument, NotFound, Unavailable
from streamvisor.domain.model import OffsetRange
from streamvisor.v1 import supervisor_pb2 as pb

pytestmark = pytest.mark.kafka


@pytest.fixture
def database_url(postgres_url) -> str:
    return postgres_url


def _leases(server, client, topics, partitions: int, supervisors=("s",), **spec) -> list:
    """Supervisors of `partitions` one-partition tasks each, every task leased, by worker w<partition>
    (in order: supervisor, then partition)."""
    for supervisor in supervisors:
        client.create_supervisor(supervisor, kafka_spec(topics.create(partitions), task_count=partitions, **spec))
    assert Scheduler(server.store, server.streams, server.service).run_once()
    from streamvisor.client.tasks import TaskClient
    leases = {}
    with TaskClient(f"127.0.0.1:{server.port}", retry_for_s=0) as task_client:
        for i in range(partitions * len(supervisors)):
            task = task_client.acquire(f"w{i}")
            leases[task.supervisor_id, task.partitions[0].partition] = task
    return [_held_by(server, leases[s, p], f"w{p}") for s in supervisors for p in range(partitions)]


def _held_by(server, task, worker: str):
    """The task's lease moved to `worker` (the test's naming), as a later AcquireTask could have."""
    import dataclasses
    with server.store.transaction() as tx:
        record = tx.get_task(task.id, lock=True)
        tx.update_task(dataclasses.replace(record, worker_id=worker))
    return task


def _call(task, partition, start, end, location, worker=None) -> CommitCall:
    return CommitCall(task.id, worker or f"w{partition}", (OffsetRange(partition, start, end),), location,
                      end - start)


def _group(server, *calls) -> list[Pending]:
    pending = [Pending(c) for c in calls]
    server.application.tasks.run_commit_group(pending)
    return pending


def _published(server, supervisor="s"):
    with server.store.read() as tx:
        return (tx.get_checkpoints(supervisor), sorted(s.location for s in tx.list_segments([supervisor])),
                sorted((p.partition, p.start, p.end) for p, _ in tx.list_published_ranges([supervisor])))


def test_a_group_publishes_every_independent_commit_in_one_transaction(server, client, topics):
    leases = _leases(server, client, topics, 4)
    calls = [_call(t, p, 0, 10 + p, f"mem://{p}") for p, t in enumerate(leases)]
    done = _group(server, *calls)
    assert [(d.error, d.alone) for d in done] == [(None, False)] * 4
    ids = [d.result[0] for d in done]
    assert len(set(ids)) == 4 and all(i > 0 for i in ids)
    assert _published(server) == ({0: 10, 1: 11, 2: 12, 3: 13}, ["mem://0", "mem://1", "mem://2", "mem://3"],
                                  [(0, 0, 10), (1, 0, 11), (2, 0, 12), (3, 0, 13)])
    with server.store.read() as tx:  # each segment under the id its caller was given
        assert {s.location: s.id for s in tx.list_segments(["s"])} == {f"mem://{p}": ids[p] for p in range(4)}
    # A retry of each is a replay, answered with the same id, grouped or not.
    again = _group(server, *calls)
    assert [d.result[0] for d in again] == ids
    assert server.store.engine.pool.checkedout() == 0


def test_members_that_could_read_each_other_run_on_their_own(server, client, topics):
    leases = _leases(server, client, topics, 2)
    first = _call(leases[0], 0, 0, 5, "mem://a")
    same_partition = _call(leases[0], 0, 5, 8, "mem://b")  # the same task and partition, after `first`
    same_location = _call(leases[1], 1, 0, 3, "mem://a")  # another partition, but the same location
    done = _group(server, first, same_partition, same_location)
    assert done[0].result is not None and not done[0].alone
    assert done[1].alone and done[1].result is None and done[1].error is None
    assert done[2].alone and done[2].result is None
    assert _published(server)[0] == {0: 5, 1: 0}  # only the first was written
    # Run on their own, they are judged on what the first wrote: the next range fits, the location is taken.
    tasks = server.application.tasks
    assert tasks.commit(first.task_id, first.worker_id, same_partition.ranges, same_partition.location, 3)[0] > 0
    with pytest.raises(InvalidArgument) as info:
        tasks.commit(same_location.task_id, same_location.worker_id, same_location.ranges, "mem://a", 3)
    assert info.value.metadata["fields"] == "location" and "already holds" in str(info.value)
    assert _published(server)[:2] == ({0: 8, 1: 0}, ["mem://a", "mem://b"])


def test_a_rejected_member_is_answered_and_writes_nothing_beside_an_accepted_one(server, client, topics):
    leases = _leases(server, client, topics, 3)
    good = _call(leases[0], 0, 0, 4, "mem://good")
    stranger = _call(leases[1], 1, 0, 4, "mem://stranger", worker="intruder")  # not the lease holder
    mismatch = _call(leases[2], 2, 7, 9, "mem://mismatch")  # does not start at the checkpoint (0)
    missing = CommitCall("no-such-task", "w9", (OffsetRange(0, 0, 1),), "mem://missing", 1)
    done = _group(server, good, stranger, mismatch, missing)
    assert done[0].result is not None
    assert isinstance(done[1].error, Conflict) and done[1].error.reason == "LEASE_LOST"
    assert isinstance(done[2].error, Conflict) and done[2].error.reason == "CHECKPOINT_MISMATCH"
    assert done[3].alone  # a missing task needs more than the commit path: answered on its own
    assert _published(server)[:2] == ({0: 4, 1: 0, 2: 0}, ["mem://good"])
    with pytest.raises(NotFound) as info:
        server.application.tasks.commit(missing.task_id, missing.worker_id, missing.ranges, missing.location, 1)
    assert info.value.reason == "TASK_NOT_FOUND"


def test_the_member_that_completes_a_bounded_supervisor_runs_alone_and_completes_it_once(server, client, topics):
    leases = _leases(server, client, topics, 2, ("b",), bounded_ranges=[r(0, 0, 6), r(1, 0, 4)])
    # Each alone would leave the other partition short of its bound; together they complete it. The second
    # member sees the first's checkpoint laid over its reads, so it knows: it needs the full path.
    done = _group(server, _call(leases[0], 0, 0, 6, "mem://p0"), _call(leases[1], 1, 0, 4, "mem://p1"))
    assert done[0].result is not None and done[0].result[1]  # its task's range is done
    assert done[1].alone
    assert client.get_supervisor("b").state == pb.SUPERVISOR_STATE_RUNNING
    segment_id, task_done = server.application.tasks.commit(leases[1].id, "w1", (OffsetRange(1, 0, 4),),
                                                             "mem://p1", 4)
    assert task_done and segment_id > done[0].result[0]
    assert client.get_supervisor("b").state == pb.SUPERVISOR_STATE_COMPLETED
    assert [e.action for e in client.iter_history("b")].count("COMPLETE") == 1
    assert _published(server, "b")[:2] == ({0: 6, 1: 4}, ["mem://p0", "mem://p1"])


def test_a_failed_group_transaction_runs_every_member_alone_and_keeps_nothing(postgres_url, server, client,
                                                                              topics, caplog):
    leases = _leases(server, client, topics, 2)
    with psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as c:
        c.execute("ALTER TABLE segment_ranges ADD CONSTRAINT test_small_end CHECK (end_offset < 1000)")
    done = _group(server, _call(leases[0], 0, 0, 5, "mem://fine"), _call(leases[1], 1, 0, 5000, "mem://big"))
    assert all(d.alone and d.result is None and d.error is None for d in done)
    assert _published(server)[:2] == ({0: 0, 1: 0}, [])
    assert any(m.startswith("commit group rolled back") for m in caplog.messages)
    assert server.store.engine.pool.checkedout() == 0
    # On their own: the fine one is published, the one the constraint refuses is UNAVAILABLE.
    tasks = server.application.tasks
    assert tasks.commit(leases[0].id, "w0", (OffsetRange(0, 0, 5),), "mem://fine", 5)[0] > 0
    with pytest.raises(Unavailable) as info:
        tasks.commit(leases[1].id, "w1", (OffsetRange(1, 0, 5000),), "mem://big", 5000)
    assert info.value.reason == "METADATA_STORE_UNAVAILABLE"
    assert _published(server)[:2] == ({0: 5, 1: 0}, ["mem://fine"])


def test_a_group_that_waits_too_long_for_a_lock_yields_and_its_commits_wait_alone(postgres_url, server, client,
                                                                                  topics, caplog):
    """A group waits at most pg.GROUP_LOCK_TIMEOUT for a row lock (another transaction - a reset, the
    scheduler - may hold it long, or lock in another order): then it rolls back, and each commit runs alone,
    waiting as a single commit always did, and is published once the lock is released."""
    leases = _leases(server, client, topics, 2)
    release = threading.Event()
    locked = threading.Event()

    def hold_supervisor_lock():
        with psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://")) as c:
            c.execute("SELECT 1 FROM supervisors WHERE id = 's' FOR UPDATE")
            locked.set()
            release.wait(30)
            c.rollback()

    holder = threading.Thread(target=hold_supervisor_lock)
    holder.start()
    try:
        assert locked.wait(10)
        calls = [_call(leases[0], 0, 0, 5, "mem://x"), _call(leases[1], 1, 0, 7, "mem://y")]
        done = _group(server, *calls)
        assert all(d.alone and d.result is None for d in done)
        assert any(m.startswith("commit group rolled back") for m in caplog.messages)
        threading.Timer(0.5, release.set).start()  # alone, the commit waits for the lock, then goes through
        tasks = server.application.tasks
        assert tasks.commit(calls[0].task_id, calls[0].worker_id, calls[0].ranges, calls[0].location, 5)[0] > 0
    finally:
        release.set()
        holder.join(10)
    assert tasks.commit(calls[1].task_id, calls[1].worker_id, calls[1].ranges, calls[1].location, 7)[0] > 0
    assert _published(server)[:2] == ({0: 5, 1: 7}, ["mem://x", "mem://y"])
    assert server.store.engine.pool.checkedout() == 0


@pytest.mark.parametrize("supervisors", [1, 4], ids=["one-supervisor", "four-supervisors"])
def test_concurrent_committers_over_grpc_lose_nothing_and_publish_nothing_twice(server, client, topics,
                                                                                 supervisors):
    """16 committers (a thread and a channel each) commit 25 ranges each, every commit sent twice (a retry
    after an answer lost): the checkpoints, segments and coverage are exactly the ranges, once; groups formed."""
    from streamvisor.client.tasks import TaskClient
    per = 16 // supervisors
    leases = _leases(server, client, topics, per, [f"s{s}" for s in range(supervisors)])
    queue = server.application.tasks.commit_queue
    groups0, grouped0 = queue.groups, queue.grouped
    errors: list[BaseException] = []
    ids: dict[str, int] = {}

    def commit_all(lease, n):
        partition = lease.partitions[0].partition
        with TaskClient(f"127.0.0.1:{server.port}", retry_for_s=30) as c:
            try:
                for k in range(25):
                    location = f"mem://{lease.supervisor_id}/{partition}/{k}"
                    first = c.commit(lease.id, f"w{partition}", [r(partition, k * 10, k * 10 + 10)], location, 10)
                    again = c.commit(lease.id, f"w{partition}", [r(partition, k * 10, k * 10 + 10)], location, 10)
                    assert first.segment_id == again.segment_id
                    ids[location] = first.segment_id
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

    threads = [threading.Thread(target=commit_all, args=(lease, n)) for n, lease in enumerate(leases)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:3]
    for s in range(supervisors):
        checkpoints, locations, coverage = _published(server, f"s{s}")
        assert checkpoints == {p: 250 for p in range(per)}
        assert locations == sorted(f"mem://s{s}/{p}/{k}" for p in range(per) for k in range(25))
        assert coverage == [(p, 0, 250) for p in range(per)]  # each partition's ranges merged into one row
    assert len(set(ids.values())) == 16 * 25
    assert queue.grouped - grouped0 >= 16 * 25 * 2  # every call went through the queue (a retry adds one)
    assert queue.groups - groups0 < queue.grouped - grouped0, "no two commits ever shared a transaction"
    assert server.store.engine.pool.checkedout() == 0
