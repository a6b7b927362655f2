"""Kinesis use cases end to end in one process: the application (SupervisorService, TaskService, Scheduler)
over the in-memory store (tests/memory.py: Python ints hold 128-bit sequence numbers) and the real stream
kind on the local Kinesis emulator (scripts/kinesis.sh; KINESIS_ENDPOINT). Each lease is read by the real
KinesisReader through the registry, as the reference worker does, and published with CommitCheckpoint.

Shown here: a child shard is leased only after its parents are read to their ends, through a split and a
merge; ResetToLatestAndBackfill over a resharded stream (the backfill covers each checkpointed shard to its
end and every descendant from its start, the live supervisor restarts on the open shards at their reset
points) with every record ingested exactly once; ResetOffsets by sequence number and by time; bad inputs
refused with their reason and field, changing nothing.

The stream: two shards; shard 0 split into 2 and 3; then 3 merged with 1 into 4.

      0 ──┬── 2 (open)
          └── 3 ──┐
      1 ──────────┴── 4 (open)
"""
from __future__ import annotations

import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Mapping

import pytest

from kinesis_support import KEY_A, REGION, SPLIT_AT, Streams, write  # tests/ is on the path
from memory import MemoryMetadataStore
from streamvisor.app.scheduler import Scheduler
from streamvisor.app.supervisors import ResetTarget, SupervisorService
from streamvisor.app.tasks import TaskService
from streamvisor.domain.errors import FailedPrecondition, InvalidArgument
from streamvisor.domain.model import OffsetRange, StreamType, SupervisorSpec, SupervisorState
from streamvisor.store.engine import create_store_engine, migrate
from streamvisor.store.sql import SqlMetadataStore
from streamvisor.streams.kinesis.shards import shard_number
from streamvisor.streams.registry import StreamAdapterRegistry

pytestmark = pytest.mark.kinesis

IDLE_S = 2.5  # a lease ends after this long without a record on an open shard


@dataclass
class ReaderTaskValue:
    id: str
    supervisor_id: str
    stream: str
    consumer_properties: Mapping[str, str]


@dataclass
class Published:
    """What the leases committed, in commit order: (supervisor, shard, sequence number, data)."""

    records: list[tuple[str, int, int, bytes]] = field(default_factory=list)
    # per shard, the commit index of its first and last record
    first_commit: dict[tuple[str, int], int] = field(default_factory=dict)
    last_commit: dict[tuple[str, int], int] = field(default_factory=dict)
    commits: int = 0


class App:
    def __init__(self, database_url: str | None = None) -> None:
        self.engine = None
        if database_url is None:
            self.store = MemoryMetadataStore()
        else:  # the real stores: sequence numbers in NUMERIC (PostgreSQL) or sortable text (SQLite)
            self.engine = create_store_engine(database_url)
            migrate(self.engine)
            self.store = SqlMetadataStore(self.engine)
        self.kinds = StreamAdapterRegistry(timeout_s=5)
        self.service = SupervisorService(self.store, self.kinds, new_suffix=lambda: uuid.uuid4().hex[:8])
        self.tasks = TaskService(self.store, self.service)
        self.scheduler = Scheduler(self.store, self.kinds, self.service)
        self.published = Published()

    def close(self) -> None:
        self.kinds.close()
        if self.engine is not None:
            self.engine.dispose()

    def lease_once(self, worker: str = "w1") -> bool:
        """One scheduler pass, then one lease read and published like the reference worker does: to the
        bound, to the end of every closed shard, or until the open shards are quiet. False: no task."""
        self.scheduler.run_once()
        got = self.tasks.acquire(worker, stream_types=[StreamType.KINESIS])
        if got is None:
            return False
        task, supervisor, _, _ = got
        ends = dict(task.end_offsets or {})
        position = dict(task.start_offsets)
        reader = self.kinds.open_reader(StreamType.KINESIS, ReaderTaskValue(
            task.id, supervisor.id, supervisor.spec.stream, supervisor.spec.consumer_properties), position)
        got_records: list = []
        try:
            quiet_since = time.monotonic()
            while True:
                records = reader.poll(0.3)
                for r in records:
                    if r.partition in ends and r.offset >= ends[r.partition]:
                        continue
                    got_records.append(r)
                    position[r.partition] = r.offset + 1
                    quiet_since = time.monotonic()
                done = {p for p in position if (p in ends and position[p] >= ends[p])} | reader.finished()
                if done >= set(position):
                    break
                if time.monotonic() - quiet_since > IDLE_S:
                    break
        finally:
            reader.close()
        ranges = [OffsetRange(p, task.start_offsets[p], position[p]) for p in sorted(position)
                  if position[p] > task.start_offsets[p]]
        if ranges:
            self.tasks.commit(task.id, worker, ranges, f"mem://{task.id}/{uuid.uuid4().hex}", len(got_records))
            n = self.published.commits = self.published.commits + 1
            for r in got_records:
                self.published.records.append((supervisor.id, r.partition, r.offset, r.value))
                self.published.first_commit.setdefault((supervisor.id, r.partition), n)
                self.published.last_commit[(supervisor.id, r.partition)] = n
        self.tasks.complete(task.id, worker)
        return True

    def behind(self, supervisor_id: str) -> list[int]:
        _, view, _ = self.service.get_offsets(supervisor_id)
        return [r.partition for r in view.partitions if r.behind]

    def drive(self, supervisor_ids: list[str], timeout_s: float = 120) -> None:
        """Leases until no supervisor has records ahead of its checkpoints (bounded ones: until COMPLETED)."""
        deadline = time.monotonic() + timeout_s
        while True:
            pending = [s for s in supervisor_ids if self.service.get(s).state is not SupervisorState.COMPLETED
                       and self.behind(s)]
            if not pending:
                return
            assert time.monotonic() < deadline, f"still behind: {[(s, self.behind(s)) for s in pending]}"
            self.lease_once()


@pytest.fixture
def streams(kinesis_endpoint):
    s = Streams(kinesis_endpoint)
    yield s
    s.close()


@pytest.fixture
def props(kinesis_endpoint) -> dict[str, str]:
    return {"kinesis.endpoint": kinesis_endpoint, "kinesis.region": REGION,
            "kinesis.access_key_id": "test", "kinesis.secret_access_key": "test"}


@pytest.fixture
def app():
    a = App()
    yield a
    a.close()


@pytest.fixture
def stored_app(database_url):
    a = App(database_url)
    yield a
    a.close()


def spec(stream: str, props: Mapping[str, str], **fields) -> SupervisorSpec:
    values = {"stream_type": StreamType.KINESIS, "stream": stream, "consumer_properties": dict(props),
              "task_count": 2, "context": {"useConcurrentLocks": "true"}}
    values.update(fields)
    return SupervisorSpec(**values)


def numbered(written: list[tuple[str, int, bytes]]) -> list[tuple[int, int, bytes]]:
    return [(shard_number(s), seq, data) for s, seq, data in written]


def exactly_once(published: Published, written: list[tuple[int, int, bytes]]) -> None:
    got = sorted((shard, seq, data) for _, shard, seq, data in published.records)
    assert len(got) == len(set(got)), "a record was published twice"
    assert got == sorted(written)


def key_order_holds(published: Published, supervisor_ids: set[str]) -> None:
    """A key's records were published in the order they were written: its records in a parent shard all
    in commits before any of its records in a child shard."""
    by_key = defaultdict(list)
    for i, (sid, _shard, _seq, data) in enumerate(published.records):
        if sid in supervisor_ids:
            key = data.decode().split("-")[1]
            by_key[key].append((i, data))
    for key, items in by_key.items():
        phases = [data.decode().split("-")[0] for _, data in sorted(items)]
        assert phases == sorted(phases, key=PHASES.index), (key, phases)


PHASES = ["p0", "p1", "p2", "p3", "p4", "p5"]


# ------------------------------------------------------------------------------------------- leasing -----

def test_children_are_leased_only_after_their_parents_are_read_to_their_ends(app, streams, props):
    name = streams.create(2)
    written = write(streams, name, "p0")
    streams.split(name, "shardId-000000000000", SPLIT_AT)
    written += write(streams, name, "p1")
    streams.merge(name, "shardId-000000000003", "shardId-000000000001")
    written += write(streams, name, "p2")

    created = app.service.create("kin-lease", spec(name, props, use_earliest_offset=True))
    assert created.partitions == (0, 1)  # from the earliest: the roots only; 2, 3 and 4 wait
    app.drive(["kin-lease"])

    exactly_once(app.published, numbered(written))
    first, last = app.published.first_commit, app.published.last_commit
    for child, parents in {2: (0,), 3: (0,), 4: (3, 1)}.items():
        for parent in parents:
            assert last[("kin-lease", parent)] < first[("kin-lease", child)], (parent, child)
    key_order_holds(app.published, {"kin-lease"})

    supervisor, view, _ = app.service.get_offsets("kin-lease")
    assert supervisor.partitions == (2, 4) and supervisor.generation > 1
    rows = {r.partition: r for r in view.partitions}
    assert sorted(rows) == [0, 1, 2, 3, 4]
    assert {p: r.parents for p, r in rows.items()} == {0: (), 1: (), 2: (0,), 3: (0,), 4: (3, 1)}
    assert {p for p, r in rows.items() if r.closed} == {0, 1, 3}
    assert all(r.checkpoint == r.latest and not r.behind and r.lag == 0 for r in rows.values())
    actions = [e.action for e in app.service.history("kin-lease", 100, "")[0]]
    assert "LEASE_CHILD_SHARDS" in actions


def test_from_the_latest_a_new_supervisor_reads_the_open_shards_from_their_ends(app, streams, props):
    name = streams.create(2)
    old = write(streams, name, "p0")
    streams.split(name, "shardId-000000000000", SPLIT_AT)
    old += write(streams, name, "p1")
    created = app.service.create("kin-latest", spec(name, props))
    assert created.partitions == (1, 2, 3)
    app.scheduler.run_once()  # resolves the start offsets: the open shards' ends
    new = write(streams, name, "p2")
    app.drive(["kin-latest"])
    exactly_once(app.published, numbered(new))


# ------------------------------------------------------------------------------------ reset and backfill --

def test_reset_to_latest_and_backfill_over_a_split_and_a_merge_loses_nothing_and_repeats_nothing(
        stored_app, streams, props):
    """On SQLite and PostgreSQL: 56-digit checkpoints, ranges and coverage rows stored exactly."""
    app = stored_app
    name = streams.create(2)
    write(streams, name, "p0")  # before the supervisor: not its records
    app.service.create("kin-live", spec(name, props))
    app.scheduler.run_once()
    written = write(streams, name, "p1")
    app.drive(["kin-live"])  # the live supervisor read p1: its checkpoints are in shards 0 and 1
    checkpoints_before = {r.partition: r.checkpoint for r in app.service.get_offsets("kin-live")[1].partitions}

    # It stops keeping up; meanwhile the stream is resharded twice.
    written += write(streams, name, "p2")
    streams.split(name, "shardId-000000000000", SPLIT_AT)
    written += write(streams, name, "p3")
    streams.merge(name, "shardId-000000000003", "shardId-000000000001")
    written += write(streams, name, "p4")

    dry = app.service.reset_to_latest_and_backfill("kin-live", dry_run=True)
    result = app.service.reset_to_latest_and_backfill("kin-live", plan_token=dry.plan_token)
    ranges = {r.partition: r for r in result.backfill_ranges}
    lineage = app.kinds.for_spec(app.service.get("kin-live").spec).lineage(name)
    assert sorted(ranges) == [0, 1, 2, 3, 4] and result.unrecoverable_ranges == []
    for p in (0, 1):  # checkpointed shards: from the checkpoint to the (final) end
        assert ranges[p] == OffsetRange(p, checkpoints_before[p], lineage.extents[p].end)
    for p in (2, 3, 4):  # descendants: from their start
        assert ranges[p].start == lineage.shards[p].start and ranges[p].end == lineage.extents[p].end
    live = app.service.get("kin-live")
    backfill = app.service.get(result.backfill_supervisor_id)
    assert live.partitions == (2, 4) and backfill.partitions == (0, 1)  # parents first
    live_checkpoints = {c.partition: c.after for c in result.changes}
    assert {p: live_checkpoints[p] for p in (2, 4)} == {2: lineage.extents[2].end, 4: lineage.extents[4].end}
    assert {p: live_checkpoints[p] for p in (0, 1, 3)} == {p: lineage.extents[p].end for p in (0, 1, 3)}

    written += write(streams, name, "p5")  # after the reset point: the live supervisor's
    app.drive(["kin-live", result.backfill_supervisor_id])
    assert app.service.get(result.backfill_supervisor_id).state is SupervisorState.COMPLETED

    exactly_once(app.published, numbered(written))
    by_supervisor = {sid for sid, *_ in app.published.records}
    assert by_supervisor == {"kin-live", result.backfill_supervisor_id}
    p5 = {(shard, seq) for shard, seq, data in numbered(written) if data.startswith(b"p5")}
    live_records = {(shard, seq) for sid, shard, seq, _ in app.published.records if sid == "kin-live"}
    assert p5 <= live_records  # and, by exactly_once, nothing of p5 in the backfill
    key_order_holds(app.published, {result.backfill_supervisor_id})
    _, partitions, unrecoverable = app.service.coverage("kin-live")
    assert unrecoverable == []
    assert partitions and all(not c.gaps and not c.overlaps for c in partitions)


# ----------------------------------------------------------------------------------- resets of offsets ----

def test_reset_offsets_by_sequence_number_and_by_time_start_at_that_record(app, streams, props):
    name = streams.create(1)
    first = write(streams, name, "p0", keys=(KEY_A,), n=4)
    app.service.create("kin-offsets", spec(name, props, use_earliest_offset=True, task_count=1))
    app.drive(["kin-offsets"])
    target = first[2][1]
    result = app.service.reset_offsets("kin-offsets", [ResetTarget(0, offset=target)])
    assert [(c.partition, c.after) for c in result.changes] == [(0, target)]
    app.drive(["kin-offsets"])
    again = [seq for sid, _, seq, _ in app.published.records if sid == "kin-offsets"][4:]
    assert again == [first[2][1], first[3][1]]  # AT: the record itself is read next

    time.sleep(1.2)
    since_ms = int(time.time() * 1000)
    time.sleep(0.2)
    later = write(streams, name, "p1", keys=(KEY_A,), n=2)
    by_time = app.service.reset_offsets("kin-offsets", [ResetTarget(0, timestamp_ms=since_ms - 25_000)])
    # The emulator's clock runs behind this machine's (docs/kinesis.md): a time well before the writes
    # finds a record of the shard; the reset is at that record's own sequence number.
    assert by_time.changes[0].after in {seq for _, seq, _ in first + later}


# ------------------------------------------------------------------------------------------- bad inputs ---

def state(app: App, supervisor_id: str):
    with app.store.read() as tx:
        return tx.get_supervisor(supervisor_id), tx.get_checkpoints(supervisor_id)


def test_a_sequence_number_that_is_no_record_is_refused_and_changes_nothing(app, streams, props):
    name = streams.create(1)
    records = write(streams, name, "p0", keys=(KEY_A,), n=3)
    app.service.create("kin-bad", spec(name, props, use_earliest_offset=True, task_count=1))
    app.drive(["kin-bad"])
    before = state(app, "kin-bad")
    not_a_place = records[1][1] + 2  # neither a record, nor one past one (sequence numbers are sparse)
    with pytest.raises(InvalidArgument) as info:
        app.service.reset_offsets("kin-bad", [ResetTarget(0, offset=not_a_place, field="targets[0]")])
    assert info.value.reason == "NOT_A_RECORD_OF_SHARD"
    assert [v.field for v in info.value.violations] == ["targets[0].offset"]
    assert info.value.metadata == {"fields": "targets[0].offset", "partition": "0", "offset": str(not_a_place)}
    assert state(app, "kin-bad") == before

    with pytest.raises(InvalidArgument) as info:  # a shard the supervisor does not read
        app.service.reset_offsets("kin-bad", [ResetTarget(7, offset=records[0][1], field="targets[0]")])
    assert info.value.reason == "UNKNOWN_PARTITION"
    assert [v.field for v in info.value.violations] == ["targets[0].partition"]
    assert state(app, "kin-bad") == before

    with pytest.raises(InvalidArgument) as info:  # beyond the shard's end
        app.service.reset_offsets("kin-bad", [ResetTarget(0, offset=records[-1][1] + 10, field="targets[0]")])
    assert info.value.reason == "OFFSET_OUT_OF_RANGE"
    assert state(app, "kin-bad") == before


def test_a_missing_stream_is_refused_and_nothing_is_created(app, props):
    with pytest.raises(FailedPrecondition) as info:
        app.service.create("kin-missing", spec(f"no-such-{uuid.uuid4().hex[:8]}", props))
    assert info.value.reason == "STREAM_NOT_FOUND"
    with app.store.read() as tx:
        assert tx.get_supervisor("kin-missing") is None


def test_an_unreachable_endpoint_is_unavailable(app):
    from streamvisor.domain.errors import Unavailable

    bad = {"kinesis.endpoint": "http://127.0.0.1:9", "kinesis.region": REGION,
           "kinesis.access_key_id": "test", "kinesis.secret_access_key": "test"}
    app.kinds.timeout_s = 1
    with pytest.raises(Unavailable) as info:
        app.service.create("kin-unreachable", spec("s", bad))
    assert info.value.reason == "STREAM_UNREACHABLE"
