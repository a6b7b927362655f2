"""The use cases over in-memory ports (tests/memory.py): the application's logic in milliseconds, without
a database or a broker. What they cannot show - locks, SQL, real offsets - the integration tests do."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from memory import FakeStream, FakeStreams, MemoryMetadataStore  # tests/memory.py (tests/ is on the path)
from streamvisor.app.scheduler import Scheduler
from streamvisor.app.supervisors import ResetTarget, SupervisorService
from streamvisor.app.tasks import TaskService
from streamvisor.domain.errors import Conflict, FailedPrecondition, NotFound
from streamvisor.domain.model import OffsetRange, StreamType, SupervisorSpec, SupervisorState

T0 = datetime(2026, 12, 1, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def stream() -> FakeStream:
    return FakeStream(partitions=2, latest=100)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(stream, clock):
    store = MemoryMetadataStore()
    service = SupervisorService(store, FakeStreams(stream), clock=clock, new_suffix=lambda: "x1")
    tasks = TaskService(store, service, clock=clock)
    scheduler = Scheduler(store, FakeStreams(stream), service, clock=clock)
    return service, tasks, scheduler


def spec(**fields) -> SupervisorSpec:
    values = {"stream_type": StreamType.KAFKA, "stream": "clicks", "consumer_properties": {"bootstrap.servers": "b"},
              "task_count": 1, "context": {"useConcurrentLocks": "true"}}
    values.update(fields)
    return SupervisorSpec(**values)


def commit(service: SupervisorService, supervisor_id: str, partition: int, start: int, end: int) -> int:
    generation = service.get(supervisor_id).generation
    return service.commit_checkpoint(supervisor_id, "task", generation, [OffsetRange(partition, start, end)],
                                     f"mem://{supervisor_id}/{partition}/{start}", end - start,
                                     task_starts={partition: start})


def test_reset_to_latest_and_backfill_plans_moves_fences_and_audits_in_one_step(app, stream):
    service, _, _ = app
    service.create("main", spec())
    commit(service, "main", 0, 0, 40)
    commit(service, "main", 1, 0, 90)
    result = service.reset_to_latest_and_backfill("main", request_id="r1")
    assert result.backfill_supervisor_id == "main_backfill_x1"
    assert result.backfill_ranges == [OffsetRange(0, 40, 100), OffsetRange(1, 90, 100)]
    assert service.get("main").generation == 2
    backfill = service.get("main_backfill_x1")
    assert backfill.backfill_of == "main" and backfill.spec.bounded_ranges == tuple(result.backfill_ranges)
    # The retry acts once: same answer, no second backfill, no second generation bump.
    again = service.reset_to_latest_and_backfill("main", request_id="r1")
    assert again.backfill_supervisor_id == "main_backfill_x1" and service.get("main").generation == 2
    actions = [e.action for e in service.history("main", 50, "")[0]]
    assert actions.count("RESET_TO_LATEST_AND_BACKFILL") == 1


def test_a_fenced_commit_is_rejected_and_changes_nothing(app):
    service, _, _ = app
    service.create("main", spec())
    commit(service, "main", 0, 0, 10)
    service.reset("main")
    with pytest.raises(Conflict) as info:
        service.commit_checkpoint("main", "task", 1, [OffsetRange(0, 10, 20)], "mem://late", 10)
    assert info.value.reason == "GENERATION_MISMATCH"


def test_a_checkpoint_beyond_the_stream_is_a_fault_until_it_is_reset(app, stream):
    service, _, scheduler = app
    service.create("main", spec())
    commit(service, "main", 0, 0, 40)
    stream.latest = {0: 3, 1: 100}  # the topic was recreated
    _, view, _ = service.get_offsets("main")
    assert [(r.partition, r.beyond_latest, r.lag) for r in view.partitions] == [(0, True, 0), (1, False, 0)]
    assert service.get("main").state is SupervisorState.UNHEALTHY
    with pytest.raises(FailedPrecondition) as info:
        service.reset_to_latest_and_backfill("main")
    assert info.value.reason == "CHECKPOINT_BEYOND_LATEST" and service.get("main").generation == 1
    assert scheduler.run_once() and service.get("main").state is SupervisorState.UNHEALTHY
    service.reset_offsets("main", [ResetTarget(0, offset=0)])
    assert scheduler.run_once()
    assert (service.get("main").state, service.get("main").state_detail) == (SupervisorState.RUNNING, "")


def test_the_stream_growing_past_the_checkpoint_heals_it_too(app, stream):
    service, _, scheduler = app
    service.create("main", spec())
    commit(service, "main", 0, 0, 40)
    stream.latest = {0: 3, 1: 100}
    service.get_offsets("main")
    stream.latest = {0: 41, 1: 100}
    assert scheduler.run_once() and service.get("main").state is SupervisorState.RUNNING


def test_a_recreated_stream_grown_past_the_checkpoint_is_a_fault_only_a_reset_clears(app, stream):
    """The auto.create.topics.enable=true case: the topic comes back under its name at once and is past the
    checkpoints before anyone looks. Its id says it is another topic."""
    service, tasks, scheduler = app
    service.create("main", spec())
    with service.store.read() as tx:
        assert tx.get_stream_identities(["main"]) == {"main": "topic-id-1"}  # recorded at creation
    commit(service, "main", 0, 0, 40)
    assert scheduler.run_once() and service.get("main").state is SupervisorState.RUNNING
    stream.identity = "topic-id-2"  # deleted and created again; latest is still 100, past the checkpoint
    scheduler._next_sweep = None
    assert scheduler.run_once()
    main = service.get("main")
    assert main.state is SupervisorState.UNHEALTHY and main.state_detail.startswith("STREAM_RECREATED")
    assert "topic-id-2" in main.state_detail and "topic-id-1" in main.state_detail
    assert tasks.acquire("w1") is None
    # Nothing heals it by itself: not a pass, not GetOffsets, not the stream growing.
    stream.latest = {0: 500, 1: 500}
    service.get_offsets("main")
    for _ in range(3):
        scheduler._next_sweep = None
        assert scheduler.run_once()
    assert service.get("main").state_detail.startswith("STREAM_RECREATED") and tasks.acquire("w1") is None
    with pytest.raises(FailedPrecondition) as info:
        service.reset_to_latest_and_backfill("main")
    assert info.value.reason == "STREAM_RECREATED" and service.get("main").generation == 1
    assert info.value.metadata["identity"] == "topic-id-2" and info.value.metadata["recorded_identity"] == "topic-id-1"
    # The operator decides: read the new topic from its start. The next pass records its identity.
    service.reset_offsets("main", [ResetTarget(0, offset=0), ResetTarget(1, offset=0)])
    assert scheduler.run_once()
    assert (service.get("main").state, service.get("main").state_detail) == (SupervisorState.RUNNING, "")
    with service.store.read() as tx:
        assert tx.get_stream_identities(["main"]) == {"main": "topic-id-2"}
    assert tasks.acquire("w1") is not None


def test_a_lease_names_the_stream_identity_for_the_worker_to_compare(app, stream):
    """The worker, not AcquireTask, compares it with the topic (no broker call holds a lease)."""
    service, tasks, scheduler = app
    service.create("main", spec())
    assert scheduler.run_once()
    task, _, family, identity = tasks.acquire("w1")
    assert (family, identity) == ("main", "topic-id-1")


def test_only_a_reset_of_every_partition_clears_a_recreated_stream(app, stream):
    service, tasks, scheduler = app
    service.create("main", spec())
    commit(service, "main", 0, 0, 40)
    stream.identity = "topic-id-2"
    scheduler._next_sweep = None
    assert scheduler.run_once() and service.get("main").state_detail.startswith("STREAM_RECREATED")
    # A broker answering the old id again (stale metadata) is no reason to trust the checkpoints.
    stream.identity = "topic-id-1"
    scheduler._next_sweep = None
    assert scheduler.run_once() and service.get("main").state_detail.startswith("STREAM_RECREATED")
    stream.identity = "topic-id-2"
    with pytest.raises(FailedPrecondition) as info:
        service.reset_offsets("main", [ResetTarget(0, offset=0)])  # partition 1 would read on from 0 anyway
    assert info.value.reason == "STREAM_RECREATED" and service.get("main").generation == 1
    service.reset("main")  # every partition: RUNNING at once, the new id recorded in the same transaction
    assert (service.get("main").state, service.get("main").state_detail) == (SupervisorState.RUNNING, "")
    with service.store.read() as tx:
        assert tx.get_stream_identities(["main"]) == {"main": "topic-id-2"}


def test_a_recreated_stream_is_found_when_a_checkpoint_fault_would_heal(app, stream):
    service, _, scheduler = app
    service.create("main", spec())
    commit(service, "main", 0, 0, 40)
    stream.latest = {0: 3, 1: 100}
    service.get_offsets("main")
    assert service.get("main").state_detail.startswith("CHECKPOINT_BEYOND_LATEST")
    stream.latest, stream.identity = {0: 41, 1: 100}, "topic-id-2"  # grown past it: but another topic
    assert scheduler.run_once()
    assert service.get("main").state_detail.startswith("STREAM_RECREATED")


def test_a_supervisor_without_a_recorded_identity_learns_it_and_a_kind_without_identities_is_left_alone(
        app, stream):
    service, _, scheduler = app
    service.create("old", spec())
    with service.store.transaction() as tx:
        tx.set_stream_identity("old", None, T0)  # created before identities were kept
    scheduler._next_sweep = None
    assert scheduler.run_once()
    with service.store.read() as tx:
        assert tx.get_stream_identities(["old"]) == {"old": "topic-id-1"}
    stream.identity = None  # a kind (or broker) that names no identity
    service.create("plain", spec(stream="other"))
    scheduler._next_sweep = None
    assert scheduler.run_once() and service.get("plain").state is SupervisorState.RUNNING
    with service.store.read() as tx:
        assert tx.get_stream_identities(["plain"]) == {}
    assert service.get("old").state is SupervisorState.RUNNING  # no identity now is no evidence


def test_a_backfill_keeps_the_live_supervisor_s_identity(app, stream):
    service, _, _ = app
    service.create("main", spec())
    commit(service, "main", 0, 0, 40)
    result = service.reset_to_latest_and_backfill("main")
    with service.store.read() as tx:
        assert tx.get_stream_identities(["main", result.backfill_supervisor_id]) == {
            "main": "topic-id-1", result.backfill_supervisor_id: "topic-id-1"}


def test_the_scheduler_leases_no_task_of_an_unhealthy_supervisor(app, stream):
    service, tasks, scheduler = app
    service.create("main", spec())
    assert scheduler.run_once()
    commit(service, "main", 0, 100, 100)  # a no-op range: checkpoints are already resolved
    stream.latest = {0: 3, 1: 100}
    service.get_offsets("main")
    assert scheduler.run_once()
    assert tasks.acquire("w1") is None


def test_a_bounded_supervisor_of_empty_ranges_is_completed_at_creation(app):
    service, _, _ = app
    s = service.create("empty", spec(bounded_ranges=(OffsetRange(0, 7, 7),)))
    assert s.state is SupervisorState.COMPLETED and service.get("empty").state is SupervisorState.COMPLETED


def test_lease_expiry_returns_the_task_to_the_pool(app, clock):
    service, tasks, scheduler = app
    service.create("main", spec())
    assert scheduler.run_once()
    leased = tasks.acquire("w1", lease_seconds=5)
    assert leased is not None
    assert tasks.acquire("w2", lease_seconds=5) is None
    clock.now += timedelta(seconds=6)
    assert tasks.acquire("w2", lease_seconds=5)[0].worker_id == "w2"


def test_a_failed_transaction_leaves_nothing_behind(app):
    service, _, _ = app
    service.create("main", spec())
    with pytest.raises(NotFound):
        with service.store.transaction() as tx:
            tx.set_checkpoints("main", {0: 99})
            service.core.require(tx, "nope")
    with service.store.read() as tx:
        assert tx.get_checkpoints("main") == {}


def test_coverage_reports_what_retention_took_from_its_own_rows(app, stream):
    service, _, _ = app
    service.create("main", spec())
    commit(service, "main", 0, 0, 10)
    commit(service, "main", 1, 0, 50)
    stream.earliest = {0: 30, 1: 0}
    result = service.reset_to_latest_and_backfill("main")
    assert result.unrecoverable_ranges == [OffsetRange(0, 10, 30)]
    ids, partitions, lost = service.coverage("main")
    assert ids == ["main", "main_backfill_x1"] and lost == [OffsetRange(0, 10, 30)]
    # The audit trail is for people: what coverage reports does not depend on it.
    with service.store.transaction() as tx:
        tx.s.audit.clear()
    assert service.coverage("main")[2] == [OffsetRange(0, 10, 30)]


class CountingStore:
    """The memory store, counting the per-supervisor reads a pass makes (what must not grow at rest)."""

    def __init__(self, store: MemoryMetadataStore) -> None:
        self.store, self.reads = store, 0

    def _counted(self, manager):
        import contextlib

        @contextlib.contextmanager
        def counted():
            with manager as tx:
                outer = self

                class Tx:
                    def __getattr__(self, name):
                        if name in ("get_checkpoints", "list_tasks"):
                            outer.reads += 1
                        return getattr(tx, name)
                yield Tx()
        return counted()

    def transaction(self, *, narrow: bool = False):
        return self._counted(self.store.transaction(narrow=narrow))

    def read(self):
        return self._counted(self.store.read())


@pytest.fixture
def counted(stream, clock):
    store = CountingStore(MemoryMetadataStore())
    service = SupervisorService(store, FakeStreams(stream), clock=clock, new_suffix=lambda: "x1")
    tasks = TaskService(store, service, clock=clock)
    return store, service, tasks, Scheduler(store, FakeStreams(stream), service, clock=clock)


def test_a_pass_reads_nothing_of_supervisors_at_rest(counted):
    store, service, tasks, scheduler = counted
    for i in range(20):
        service.create(f"s{i}", spec(task_count=2))
    assert scheduler.run_once()  # the first pass as leader: a full sweep
    assert scheduler.run_once()  # settles the marks its own writes left (none: tasks and checkpoints do not mark)
    tasks.acquire("w1")
    store.reads = 0
    for _ in range(5):
        assert scheduler.run_once()
    assert store.reads == 0 and scheduler.sweeps == 1


def test_a_change_is_settled_by_the_next_pass_without_a_sweep(counted):
    store, service, tasks, scheduler = counted
    service.create("old", spec())
    assert scheduler.run_once() and scheduler.sweeps == 1
    service.create("new", spec(task_count=2))
    store.reads = 0
    assert scheduler.run_once() and scheduler.sweeps == 1
    with store.read() as tx:
        assert sorted(t.task_group for t in tx.list_tasks("new")) == [0, 1]
        assert tx.list_scheduling_marks(10) == []
    assert store.reads <= 6  # the new supervisor's checkpoints and tasks, not the old one's
    service.reset("new")
    assert scheduler.run_once() and scheduler.sweeps == 1
    with store.read() as tx:
        rows = tx.list_tasks("new")
    assert sorted((t.generation, t.state.value) for t in rows) == [
        (1, "FENCED"), (1, "FENCED"), (2, "PENDING"), (2, "PENDING")]


def test_a_mark_rewritten_while_settling_survives(counted):
    store, service, _, scheduler = counted
    service.create("s", spec())
    with store.read() as tx:
        [(sid, token)] = tx.list_scheduling_marks(10)
    service.suspend("s")  # a newer write: a new token
    with store.transaction() as tx:
        assert not tx.clear_scheduling_mark(sid, token)
        assert tx.list_scheduling_marks(10)[0][1] != token


def test_an_expired_lease_is_found_without_a_sweep(counted, clock):
    store, service, tasks, scheduler = counted
    service.create("s", spec())
    assert scheduler.run_once()
    leased = tasks.acquire("w1", lease_seconds=5)[0]
    clock.now += timedelta(seconds=6)
    assert scheduler.run_once() and scheduler.sweeps == 1
    with store.read() as tx:
        task = tx.get_task(leased.id)
    assert task.state.value == "PENDING" and task.worker_id is None


def test_a_new_leader_sweeps_and_then_every_sweep_interval(counted):
    _, service, _, scheduler = counted
    scheduler.sweep_interval_s = 0.0
    service.create("s", spec())
    assert scheduler.run_once() and scheduler.run_once()
    assert scheduler.sweeps == 2
