"""TaskService over a real channel: leases, heartbeats, the commit CAS, fencing, every bad input; and
scheduler leadership with two servers on one PostgreSQL."""
from __future__ import annotations

import time

import grpc
import pytest

from conftest import start_server
from helpers import expect_error, kafka_spec
from streamvisor.app.scheduler import Scheduler
from streamvisor.client import StreamvisorClient
from streamvisor.domain.tasks import TaskState
from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.v1 import supervisor_service_pb2 as svc
from streamvisor.v1 import task_service_pb2 as tasks

ABORTED, INVALID = grpc.StatusCode.ABORTED, grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND, PRECONDITION = grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION


@pytest.fixture
def scheduler(server) -> Scheduler:
    """Driven by hand (run_once) so every step of a test is deterministic."""
    return Scheduler(server.store, server.streams, server.service)


def r(partition, start, end):
    return pb.OffsetRange(partition=partition, start_offset=start, end_offset=end)


@pytest.fixture
def loaded(client, topics, scheduler):
    """A RUNNING supervisor reading from earliest on 4 partitions of 20 records, scheduled."""
    name = topics.create(4)
    topics.produce(name, {p: 20 for p in range(4)})
    client.create_supervisor("s", kafka_spec(name, task_count=2, use_earliest_offset=True))
    assert scheduler.run_once()
    return name


def test_scheduler_resolves_starts_and_creates_one_task_per_group(client, server, loaded, scheduler):
    assert [p.checkpoint for p in client.get_offsets("s").partitions] == [0, 0, 0, 0]
    with server.store.read() as tx:
        rows = tx.list_tasks("s")
    assert sorted(t.task_group for t in rows) == [0, 1] and all(t.state is TaskState.PENDING for t in rows)
    scheduler.run_once()  # idempotent
    with server.store.read() as tx:
        assert len(tx.list_tasks("s")) == 2


def test_lease_commit_heartbeat_complete(client, loaded, task_client):
    first = task_client.acquire("w1", lease_seconds=30)
    second = task_client.acquire("w2", lease_seconds=30)
    assert task_client.acquire("w3") is None  # both groups are leased
    by_group = {t.task_group: t for t in (first, second)}
    assert [(p.partition, p.start_offset, p.HasField("end_offset")) for p in by_group[0].partitions] == [
        (0, 0, False), (2, 0, False)]
    assert by_group[1].generation == 1 and by_group[1].stream == loaded
    assert by_group[1].consumer_properties["bootstrap.servers"]
    t = by_group[0]
    holder = "w1" if t.id == first.id else "w2"
    response = task_client.commit(t.id, holder, [r(0, 0, 12), r(2, 0, 5)], "mem://seg-1", 17)
    assert response.segment_id > 0 and not response.task_done
    assert [p.checkpoint for p in client.get_offsets("s").partitions][::2] == [12, 5]
    again = task_client.commit(t.id, holder, [r(0, 0, 12), r(2, 0, 5)], "mem://seg-1", 17)
    assert again.segment_id == response.segment_id  # a retried commit is recognised, not applied twice
    beat = task_client.heartbeat(t.id, holder)
    assert beat.directive == tasks.TASK_DIRECTIVE_CONTINUE and beat.lease_expire_time.seconds > 0
    task_client.fail(t.id, holder, "testing release")
    again = task_client.acquire("w3")
    assert again.id == t.id and [p.start_offset for p in again.partitions] == [12, 5]  # from the checkpoints


def test_a_reset_fences_leases(client, loaded, task_client, scheduler):
    t = task_client.acquire("w1")
    task_client.commit(t.id, "w1", [r(t.partitions[0].partition, 0, 3)], "mem://a", 3)
    client.reset_offsets("s", [svc.PartitionResetTarget(partition=1, offset=10)])
    error = expect_error(lambda: task_client.commit(t.id, "w1", [r(t.partitions[0].partition, 3, 6)], "mem://b", 3),
                         ABORTED, "GENERATION_MISMATCH")
    assert error.metadata["supervisor_generation"] == "2"
    beat = task_client.heartbeat(t.id, "w1")
    assert beat.directive == tasks.TASK_DIRECTIVE_STOP and beat.stop_reason == "FENCED"
    scheduler.run_once()
    expect_error(lambda: task_client.commit(t.id, "w1", [r(0, 3, 6)], "mem://c", 3), PRECONDITION, "TASK_ENDED")
    fresh = [task_client.acquire("w2"), task_client.acquire("w3")]
    assert {x.generation for x in fresh} == {2}
    starts = {p.partition: p.start_offset for x in fresh for p in x.partitions}
    assert starts[1] == 10


@pytest.mark.parametrize("action, reason", [("suspend_supervisor", "SUSPENDED"),
                                            ("terminate_supervisor", "TERMINATED")])
def test_heartbeat_tells_workers_to_stop(client, loaded, task_client, action, reason):
    t = task_client.acquire("w1")
    getattr(client, action)("s")
    beat = task_client.heartbeat(t.id, "w1")
    assert (beat.directive, beat.stop_reason) == (tasks.TASK_DIRECTIVE_STOP, reason)
    assert task_client.acquire("w2") is None


def test_suspend_resume_releases_and_reoffers(client, loaded, task_client, scheduler):
    t = task_client.acquire("w1")
    client.suspend_supervisor("s")
    scheduler.run_once()
    client.resume_supervisor("s")
    again = {task_client.acquire("w2").id, task_client.acquire("w3").id}
    assert t.id in again


def test_an_expired_lease_is_offered_again(client, loaded, task_client, server):
    t = task_client.acquire("w1", lease_seconds=1)
    task_client.acquire("w1b", lease_seconds=30)
    time.sleep(1.2)
    taken = task_client.acquire("w2")
    assert taken.id == t.id
    error = expect_error(lambda: task_client.commit(t.id, "w1", [r(t.partitions[0].partition, 0, 1)], "mem://x", 1),
                         ABORTED, "LEASE_LOST")
    assert error.metadata["holder"] == "w2"
    beat = task_client.heartbeat(t.id, "w1")
    assert (beat.directive, beat.stop_reason) == (tasks.TASK_DIRECTIVE_STOP, "LEASE_LOST")


def test_bounded_task_completes_its_supervisor(client, topics, scheduler, task_client):
    name = topics.create(2)
    topics.produce(name, {0: 10, 1: 10})
    spec = kafka_spec(name, task_count=1, bounded_ranges=[r(0, 2, 6), r(1, 0, 3)])
    client.create_supervisor("b", spec)
    scheduler.run_once()
    t = task_client.acquire("w")
    assert [(p.partition, p.start_offset, p.end_offset) for p in t.partitions] == [(0, 2, 6), (1, 0, 3)]
    expect_error(lambda: task_client.commit(t.id, "w", [r(0, 2, 7)], "mem://x", 5), INVALID, "RANGE_PAST_BOUND")
    assert not task_client.commit(t.id, "w", [r(0, 2, 6)], "mem://1", 4).task_done
    assert task_client.commit(t.id, "w", [r(1, 0, 3)], "mem://2", 3).task_done
    task_client.complete(t.id, "w")
    assert client.get_supervisor("b").state == pb.SUPERVISOR_STATE_COMPLETED
    scheduler.run_once()
    assert task_client.acquire("w2") is None


class TestBadInputs:
    @pytest.fixture
    def leased(self, loaded, task_client):
        return task_client.acquire("w1")

    def test_unknown_task(self, task_client, leased):
        for call in (lambda: task_client.heartbeat("nope", "w1"), lambda: task_client.commit("nope", "w1", [r(0, 0, 1)],
                                                                                             "mem://x", 1),
                     lambda: task_client.complete("nope", "w1"), lambda: task_client.fail("nope", "w1")):
            error = expect_error(call, NOT_FOUND, "TASK_NOT_FOUND")
            assert error.metadata["task_id"] == "nope"

    def test_another_workers_lease(self, task_client, leased):
        p = leased.partitions[0].partition
        for call in (lambda: task_client.commit(leased.id, "intruder", [r(p, 0, 1)], "mem://x", 1),
                     lambda: task_client.complete(leased.id, "intruder"),
                     lambda: task_client.fail(leased.id, "intruder")):
            expect_error(call, ABORTED, "LEASE_LOST")

    @pytest.mark.parametrize("ranges, reason, field", [
        ([], "INVALID_ARGUMENT", "ranges"),
        ([(None, 3, 9)], "CHECKPOINT_MISMATCH", None),
        ([(None, 0, -1)], "INVALID_ARGUMENT", "ranges[0].end_offset"),
        ([(None, 5, 2)], "INVALID_ARGUMENT", "ranges[0].end_offset"),
        ([(None, -2, 4)], "INVALID_ARGUMENT", "ranges[0].start_offset"),
        ([("other", 0, 1)], "INVALID_ARGUMENT", "ranges[0].partition"),
    ])
    def test_bad_ranges(self, client, task_client, leased, ranges, reason, field):
        mine = leased.partitions[0].partition
        other = ({0, 1, 2, 3} - {p.partition for p in leased.partitions}).pop()
        request = [r(mine if p is None else other, s, e) for p, s, e in ranges]
        before = [p.checkpoint for p in client.get_offsets("s").partitions]
        code = ABORTED if reason == "CHECKPOINT_MISMATCH" else INVALID
        error = expect_error(lambda: task_client.commit(leased.id, "w1", request, "mem://bad", 1), code, reason)
        if field:
            assert field in [f for f, _ in error.field_violations]
        assert [p.checkpoint for p in client.get_offsets("s").partitions] == before

    @pytest.mark.parametrize("location, count, field", [("", 1, "location"), ("mem://x", -1, "record_count"),
                                                        ("mem://x", 2, "record_count"),  # 2 records, 1 offset
                                                        ("x" * 5000, 1, "location"),
                                                        # 2,049 bytes in 684 characters: the limit is bytes
                                                        ("mem://" + "é" * 1021 + "abc", 1, "location")])
    def test_bad_segment_fields(self, task_client, leased, location, count, field):
        p = leased.partitions[0].partition
        error = expect_error(lambda: task_client.commit(leased.id, "w1", [r(p, 0, 1)], location, count), INVALID,
                             "INVALID_ARGUMENT")
        assert error.field_violations[0][0] == field

    def test_the_longest_location_commits_on_both_databases(self, client, task_client, leased):
        """2,048 bytes of incompressible text: the index entry PostgreSQL must hold (it refuses ~2.7 KB+)."""
        import random

        rng = random.Random(7)
        location = "mem://" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(2042))
        assert len(location.encode()) == 2048
        p = leased.partitions[0].partition
        start = leased.partitions[0].start_offset
        task_client.commit(leased.id, "w1", [r(p, start, start + 1)], location, 1)
        assert {x.partition: x.checkpoint for x in client.get_offsets("s").partitions}[p] == start + 1

    @pytest.mark.parametrize("worker_id, lease, field", [("", 0, "worker_id"), ("w" * 256, 0, "worker_id"),
                                                         ("w", -1, "lease_seconds"), ("w", 601, "lease_seconds")])
    def test_bad_acquire(self, task_client, loaded, worker_id, lease, field):
        error = expect_error(lambda: task_client.acquire(worker_id, lease), INVALID, "INVALID_ARGUMENT")
        assert error.field_violations[0][0] == field

    def test_bad_heartbeat_and_fail(self, task_client, leased):
        expect_error(lambda: task_client.heartbeat("", "w1"), INVALID, "INVALID_ARGUMENT")
        expect_error(lambda: task_client.heartbeat(leased.id, "w1", 9999), INVALID, "INVALID_ARGUMENT")
        expect_error(lambda: task_client.fail(leased.id, "w1", "x" * 2000), INVALID, "INVALID_ARGUMENT")

    def test_ended_task(self, task_client, leased, client, scheduler):
        client.terminate_supervisor("s")
        scheduler.run_once()
        expect_error(lambda: task_client.complete(leased.id, "w1"), PRECONDITION, "TASK_ENDED")


def test_two_replicas_on_one_postgresql_never_double_schedule(postgres_url, kafka_bootstrap, topics):
    """Both replicas run schedulers; one holds the lease; the other takes over when it stops."""
    name = topics.create(6)
    replicas = [start_server(postgres_url, kafka_bootstrap, scheduler=True, scheduler_interval_s=0.1,
                             scheduler_lease_ttl_s=1.0) for _ in range(2)]
    try:
        with StreamvisorClient(f"127.0.0.1:{replicas[0].port}", retries=0) as c:
            for i in range(5):
                c.create_supervisor(f"r{i}", kafka_spec(name, task_count=3))
        leaders_seen = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            leaders = [s.scheduler.is_leader for s in replicas]
            assert sum(leaders) <= 1
            leaders_seen.append(leaders.index(True) if any(leaders) else None)
            with replicas[0].store.read() as tx:
                if len(tx.list_tasks()) == 15:
                    break
            time.sleep(0.05)
        with replicas[1].store.read() as tx:
            rows = tx.list_tasks()
        expected = [(f"r{i}", g) for i in range(5) for g in range(3)]
        assert sorted((t.supervisor_id, t.task_group) for t in rows) == expected
        leader = next(i for i in leaders_seen if i is not None)
        assert replicas[leader].scheduler.passes > 0 and replicas[1 - leader].scheduler.passes == 0
        replicas[leader].stop(0)
        follower = replicas[1 - leader]
        deadline = time.monotonic() + 10
        while not follower.scheduler.is_leader and time.monotonic() < deadline:
            time.sleep(0.05)
        assert follower.scheduler.is_leader
        with StreamvisorClient(f"127.0.0.1:{follower.port}", retries=0) as c:
            c.reset_supervisor("r0")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # one pass creates generation 2's tasks, then fences generation 1's
            with follower.store.read() as tx:
                rows = tx.list_tasks("r0")
            if len([t for t in rows if t.generation == 2]) == 3 and all(
                    t.state is TaskState.FENCED for t in rows if t.generation == 1):
                break
            time.sleep(0.05)
        with follower.store.read() as tx:
            gen2 = [t for t in tx.list_tasks("r0") if t.generation == 2]
            fenced = [t for t in tx.list_tasks("r0") if t.generation == 1]
        assert len(gen2) == 3 and all(t.state is TaskState.FENCED for t in fenced)
    finally:
        for s in replicas:
            s.stop(0)


def test_an_unreachable_stream_makes_the_supervisor_unhealthy_until_it_answers(database_url, kafka_bootstrap, topics):
    import dataclasses

    name = topics.create(2)
    server = start_server(database_url, kafka_bootstrap, broker_timeout_s=1.0)
    try:
        scheduler = Scheduler(server.store, server.streams, server.service)
        with StreamvisorClient(f"127.0.0.1:{server.port}", retries=0) as c:
            c.create_supervisor("flaky", kafka_spec(name))

            def point_at(bootstrap: str) -> None:
                with server.store.transaction() as tx:
                    s = tx.get_supervisor("flaky", lock=True)
                    spec = dataclasses.replace(s.spec, consumer_properties={"bootstrap.servers": bootstrap})
                    tx.update_supervisor(dataclasses.replace(s, spec=spec))

            point_at("127.0.0.1:1")  # the cluster went away
            scheduler.run_once()
            s = c.get_supervisor("flaky")
            assert (s.state, s.state_detail) == (pb.SUPERVISOR_STATE_UNHEALTHY, "STREAM_UNREACHABLE")
            point_at(kafka_bootstrap)  # and came back
            scheduler.run_once()
            s = c.get_supervisor("flaky")
            assert (s.state, s.state_detail) == (pb.SUPERVISOR_STATE_RUNNING, "")
            health = [e for e in c.iter_history("flaky") if e.action == "HEALTH"]
            assert [(e.state_before, e.state_after) for e in health] == [
                (pb.SUPERVISOR_STATE_UNHEALTHY, pb.SUPERVISOR_STATE_RUNNING),
                (pb.SUPERVISOR_STATE_RUNNING, pb.SUPERVISOR_STATE_UNHEALTHY)]
            assert all(e.actor == "scheduler" for e in health)
    finally:
        server.stop(0)


def test_a_retried_commit_is_acknowledged_even_after_fencing(client, loaded, task_client, scheduler):
    """The first attempt was published but its response lost; the task is fenced before the retry. The
    retry must be acknowledged, or the worker would delete a published segment's file."""
    t = task_client.acquire("w1")
    p = t.partitions[0].partition
    first = task_client.commit(t.id, "w1", [r(p, 0, 4)], "mem://published", 4)
    client.reset_supervisor("s")
    scheduler.run_once()
    again = task_client.commit(t.id, "w1", [r(p, 0, 4)], "mem://published", 4)
    assert again.segment_id == first.segment_id
    error = expect_error(lambda: task_client.commit(t.id, "w1", [r(p, 0, 5)], "mem://published", 5), INVALID,
                         "INVALID_ARGUMENT")
    assert error.field_violations[0][0] == "location"


def test_stop_reasons_survive_the_schedulers_release(client, loaded, task_client, scheduler):
    t = task_client.acquire("w1")
    client.reset_supervisor("s")
    scheduler.run_once()  # fences the task and clears its holder
    assert task_client.heartbeat(t.id, "w1").stop_reason == "FENCED"
    u = task_client.acquire("w2")
    client.suspend_supervisor("s")
    scheduler.run_once()
    assert task_client.heartbeat(u.id, "w2").stop_reason == "SUSPENDED"


def test_completing_a_task_the_scheduler_already_finished_is_a_no_op(client, topics, scheduler, task_client):
    name = topics.create(1)
    topics.produce(name, {0: 5})
    client.create_supervisor("b1", kafka_spec(name, task_count=1, bounded_ranges=[r(0, 0, 5)]))
    scheduler.run_once()
    t = task_client.acquire("w")
    assert task_client.commit(t.id, "w", [r(0, 0, 5)], "mem://all", 5).task_done
    scheduler.run_once()  # the supervisor COMPLETED: the task is marked DONE before the worker says so
    task_client.complete(t.id, "w")
    assert client.get_supervisor("b1").state == pb.SUPERVISOR_STATE_COMPLETED


def test_range_errors_are_reported_before_lease_checks(task_client, loaded):
    error = expect_error(lambda: task_client.commit("no-such-task", "w", [], "mem://x", 0), INVALID,
                         "INVALID_ARGUMENT")
    assert [f for f, _ in error.field_violations] == ["ranges"]


def test_a_worker_backs_off_from_a_task_it_cannot_run(client, topics, server, scheduler, tmp_path):
    """A reader that cannot open (here librdkafka refuses the consumer config) fails the task; the worker must
    not take it straight back, dozens of times a second (found building the broker-outage end-to-end test:
    ~50 leases/s per worker, for as long as the cause lasted)."""
    import threading

    from streamvisor.worker.runner import Worker, WorkerSettings
    from streamvisor.worker.sinks.files import FileSink

    name = topics.create(1)
    client.create_supervisor("s", kafka_spec(name, task_count=1, use_earliest_offset=True,
                                             consumer_properties={"fetch.max.bytes": "1000"}))  # < message.max.bytes
    assert scheduler.run_once()
    worker = Worker(f"127.0.0.1:{server.port}", FileSink(tmp_path), settings=WorkerSettings(idle_seconds=0.05))
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    time.sleep(4)
    stop.set()
    thread.join(timeout=30)
    # Leases at 0, 0.5, 1.5, 3.5 s (backoff 0.5 s doubling): about 4, never hundreds.
    assert 2 <= worker.failures_in_a_row <= 5
