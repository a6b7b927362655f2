"""The Kinesis adapter and reader against the local Kinesis emulator (scripts/kinesis.sh; KINESIS_ENDPOINT):
shard lineage through a split and a merge, closed shards' ends, the reader crossing from parents to
children, the reset point's exactness, AT_TIMESTAMP, the trim horizon, and the errors of bad inputs.

The stream every lineage test builds: two shards; shard 0 split into 2 and 3; then 3 merged with 1 into 4.

      0 ──┬── 2 (open)
          └── 3 ──┐
      1 ──────────┴── 4 (open)
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Mapping

import pytest

from streamvisor.domain.errors import FailedPrecondition, Unavailable
from streamvisor.domain.lineage import leasable, plan_reset_to_latest
from streamvisor.domain.ports import CheckpointOutOfRange, Record
from streamvisor.streams.kinesis.adapter import KinesisStreamAdapter
from streamvisor.streams.kinesis.reader import InvalidStart, KinesisReader

from kinesis_support import KEY_A, KEY_B, KEY_C, REGION, SPLIT_AT, Streams, write  # tests/ is on the path

pytestmark = pytest.mark.kinesis

@dataclass
class ReaderTaskValue:
    stream: str
    consumer_properties: Mapping[str, str]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    supervisor_id: str = "kinesis-test"


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
def adapter(props):
    a = KinesisStreamAdapter(props, timeout_s=5)
    yield a
    a.close()


@dataclass
class Resharded:
    name: str
    # (shard, sequence number, data) in the order written, per phase
    before_split: list[tuple[str, int, bytes]]
    after_split: list[tuple[str, int, bytes]]
    after_merge: list[tuple[str, int, bytes]]

    @property
    def all(self) -> list[tuple[str, int, bytes]]:
        return self.before_split + self.after_split + self.after_merge


@pytest.fixture
def resharded(streams) -> Resharded:
    name = streams.create(2)
    before = write(streams, name, "before")
    streams.split(name, "shardId-000000000000", SPLIT_AT)
    after_split = write(streams, name, "split")
    streams.merge(name, "shardId-000000000003", "shardId-000000000001")
    after_merge = write(streams, name, "merge")
    return Resharded(name, before, after_split, after_merge)


def read_until_finished(reader: KinesisReader, shards: set[str], timeout_s: float = 30) -> list[Record]:
    deadline = time.monotonic() + timeout_s
    records: list[Record] = []
    while not shards <= reader.finished():
        assert time.monotonic() < deadline, f"shards {shards - reader.finished()} not finished in {timeout_s}s"
        records.extend(reader.poll(0.5))
    return records


def read_for(reader: KinesisReader, seconds: float) -> list[Record]:
    deadline = time.monotonic() + seconds
    records: list[Record] = []
    while time.monotonic() < deadline:
        records.extend(reader.poll(0.3))
    return records


def test_lineage_through_a_split_and_a_merge(adapter, resharded):
    shards = adapter.shards(resharded.name)
    assert {s: (sh.parents, sh.closed) for s, sh in shards.items()} == {
        "shardId-000000000000": ((), True),
        "shardId-000000000001": ((), True),
        "shardId-000000000002": (("shardId-000000000000",), False),
        "shardId-000000000003": (("shardId-000000000000",), True),
        "shardId-000000000004": (("shardId-000000000003", "shardId-000000000001"), False),
    }
    # Sequence numbers are ints beyond int64 (56 digits here), never truncated.
    assert all(sh.start > 2 ** 64 for sh in shards.values())
    partitions = adapter.partitions(resharded.name)
    assert partitions.index("shardId-000000000000") < partitions.index("shardId-000000000003") \
        < partitions.index("shardId-000000000004")
    assert adapter.parents(resharded.name, partitions) == {
        "shardId-000000000002": ("shardId-000000000000",),
        "shardId-000000000003": ("shardId-000000000000",),
        "shardId-000000000004": ("shardId-000000000003", "shardId-000000000001"),
    }
    assert leasable(shards, finished=[]) == ["shardId-000000000000", "shardId-000000000001"]
    # Writes after the reshards went to the children, by hash key.
    assert {s for s, _, _ in resharded.after_split} == {"shardId-000000000001", "shardId-000000000002",
                                                        "shardId-000000000003"}
    assert {s for s, _, _ in resharded.after_merge} == {"shardId-000000000002", "shardId-000000000004"}


def test_extents_end_one_past_each_shards_last_record(adapter, resharded):
    lineage = adapter.lineage(resharded.name)
    last: dict[str, int] = {}
    for shard, seq, _ in resharded.all:
        last[shard] = max(last.get(shard, 0), seq)
    for s, shard in lineage.shards.items():
        extent = lineage.extents[s]
        # A fresh stream lost nothing to retention: its earliest offsets are the shards' starts.
        assert (extent.earliest, extent.expired) == (shard.start, False)
        assert extent.end == last[s] + 1, s
    watermarks = adapter.watermarks(resharded.name, ["shardId-000000000000", "shardId-000000000004"])
    assert watermarks.latest == {s: last[s] + 1 for s in ("shardId-000000000000", "shardId-000000000004")}
    assert all(type(v) is int for v in [*watermarks.earliest.values(), *watermarks.latest.values()])


def test_an_empty_shard_ends_at_its_start(adapter, streams):
    name = streams.create(1)
    lineage = adapter.lineage(name)
    (shard,) = lineage.shards.values()
    assert lineage.extents[shard.id].earliest == lineage.extents[shard.id].end == shard.start


def test_the_reader_crosses_from_parents_to_children_in_lineage_order(props, adapter, resharded):
    """A supervisor's read of the whole resharded stream: roots first, each child once all its parents are
    finished, positions at the shards' ends. Every record exactly once, per key in write order."""
    name = resharded.name
    lineage = adapter.lineage(name)
    finished: set[str] = set()
    positions: dict[str, int] = {}
    got: list[Record] = []
    rounds = 0
    while len(finished) < len([s for s in lineage.shards.values() if s.closed]):
        rounds += 1
        assert rounds < 10
        ready = [s for s in leasable(lineage.shards, finished) if lineage.shards[s].closed]
        assert ready, finished
        reader = KinesisReader(ReaderTaskValue(name, props), {s: lineage.shards[s].start for s in ready})
        try:
            got.extend(read_until_finished(reader, set(ready)))
            positions.update(reader.positions(ready))
            children = reader.children()
        finally:
            reader.close()
        finished |= set(ready)
        for s in ready:
            assert positions[s] == lineage.extents[s].end  # read to its end, exactly
            assert set(children[s]) == {c for c, sh in lineage.shards.items() if s in sh.parents}
    # The open shards, from their starts to their current ends (the bound makes the reader stop there).
    open_shards = lineage.open_shards
    assert leasable(lineage.shards, finished) == open_shards
    reader = KinesisReader(ReaderTaskValue(name, props), {s: lineage.shards[s].start for s in open_shards},
                           bounds={s: lineage.extents[s].end for s in open_shards})
    try:
        got.extend(read_until_finished(reader, set(open_shards)))
    finally:
        reader.close()
    assert sorted((r.partition, r.offset, r.value) for r in got) == sorted(resharded.all)
    for key in (KEY_A, KEY_B, KEY_C):
        values = [r.value for r in got if r.key == f"key-{key}".encode()]
        assert values == [d for _, _, d in resharded.all if d.split(b"-")[1] == str(key).encode()]


def test_the_reset_point_splits_an_open_shard_exactly(props, adapter, streams):
    """The reset point of an open shard is one past its newest record: what was written before the read is
    below it, what is written after is at or above it - a backfill bounded there and a live reader started
    there share no record and miss none."""
    name = streams.create(1)
    shard = "shardId-000000000000"
    before = [streams.put(name, KEY_A, f"b{i}".encode())[1] for i in range(7)]
    point = adapter.lineage(name).extents[shard].end
    after = [streams.put(name, KEY_A, f"a{i}".encode())[1] for i in range(5)]
    assert point == before[-1] + 1 and all(seq >= point for seq in after)
    start = adapter.shards(name)[shard].start

    backfill = KinesisReader(ReaderTaskValue(name, props), {shard: start}, bounds={shard: point})
    try:
        # Finished the moment the record just below the point is handed out: no wait for a later record.
        backfilled = read_until_finished(backfill, {shard}, timeout_s=10)
        assert backfill.positions([shard]) == {shard: point}
    finally:
        backfill.close()
    live = KinesisReader(ReaderTaskValue(name, props), {shard: point})
    try:
        deadline = time.monotonic() + 15
        live_records: list[Record] = []
        while len(live_records) < len(after) and time.monotonic() < deadline:
            live_records.extend(live.poll(0.5))
        assert shard not in live.finished()  # an open shard is never finished without a bound
    finally:
        live.close()
    assert [r.offset for r in backfilled] == before
    assert [r.offset for r in live_records] == after


def test_at_timestamp_finds_the_first_record_at_or_after_a_time(props, adapter, streams):
    name = streams.create(1)
    shard = "shardId-000000000000"
    early = [streams.put(name, KEY_A, b"early")[1] for _ in range(3)]
    time.sleep(1.2)
    late = [streams.put(name, KEY_A, b"late")[1] for _ in range(3)]
    # Times on Kinesis' clock, which need not be ours (the emulator's runs seconds behind this machine's):
    # the arrival times Kinesis stamped on the records.
    arrivals = {r["SequenceNumber"]: r["ApproximateArrivalTimestamp"] for r in streams.client.get_records(
        ShardIterator=streams.client.get_shard_iterator(StreamName=name, ShardId=shard,
                                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"])["Records"]}
    cut_ms = int(arrivals[str(late[0])].timestamp() * 1000)
    assert arrivals[str(early[-1])].timestamp() * 1000 < cut_ms - 500
    assert adapter.offsets_for_times(name, {shard: cut_ms}) == {shard: late[0]}
    assert adapter.offsets_for_times(name, {shard: cut_ms - 500}) == {shard: late[0]}
    # One millisecond after a record's arrival is past it, though boto3 sends whole seconds: exact to the ms.
    assert adapter.offsets_for_times(name, {shard: cut_ms + 1}) == {shard: late[1]} or \
        arrivals[str(late[1])] == arrivals[str(late[0])]
    assert adapter.offsets_for_times(name, {shard: int(arrivals[str(early[-1])].timestamp() * 1000) + 1}) == \
        {shard: late[0]}
    # Nothing yet at a future time: the shard's end, where the next record will be.
    assert adapter.offsets_for_times(name, {shard: cut_ms + 3_600_000}) == {shard: late[-1] + 1}
    # A checkpoint that is a record's own sequence number: the reader starts AT it.
    reader = KinesisReader(ReaderTaskValue(name, props), {shard: late[0]})
    try:
        got = []
        deadline = time.monotonic() + 10
        while len(got) < 3 and time.monotonic() < deadline:
            got.extend(reader.poll(0.5))
    finally:
        reader.close()
    assert [r.offset for r in got] == late and all(seq < late[0] for seq in early)


def test_the_trim_horizon_is_the_first_record_and_a_fresh_shard_loses_nothing(adapter, streams):
    from streamvisor.streams.kinesis import client as kinesis

    name = streams.create(1)
    shard = "shardId-000000000000"
    seqs = [streams.put(name, KEY_A, b"x")[1] for _ in range(4)]
    assert kinesis.first_retained(adapter._client, name, shard) == seqs[0]
    extent = adapter.lineage(name).extents[shard]
    assert extent.earliest == adapter.shards(name)[shard].start < seqs[0] and not extent.expired


def test_a_reset_plan_on_the_emulators_resharded_stream(adapter, resharded):
    """The reset-to-latest plan over real lineage: a supervisor that had read half of shard 0 and nothing of
    shard 1 backfills both parents to their ends, and all descendants from their starts."""
    lineage = adapter.lineage(resharded.name)
    s0 = [seq for s, seq, _ in resharded.all if s == "shardId-000000000000"]
    checkpoints = {"shardId-000000000000": s0[1] + 1,
                   "shardId-000000000001": lineage.shards["shardId-000000000001"].start}
    plan = plan_reset_to_latest(lineage.shards, lineage.extents, checkpoints)
    assert plan.restart == {s: lineage.extents[s].end for s in lineage.open_shards}
    assert [r.shard for r in plan.backfill][:2] == ["shardId-000000000000", "shardId-000000000001"]
    assert plan.backfill[0].start == s0[1] + 1 and plan.unrecoverable == ()
    assert {r.shard for r in plan.backfill} == set(lineage.shards)


# ------------------------------------------------------------------------------------------- bad inputs ----

def test_a_missing_stream_is_stream_not_found(adapter):
    for call in (lambda: adapter.partitions("no-such-stream-x"), lambda: adapter.lineage("no-such-stream-x"),
                 lambda: adapter.watermarks("no-such-stream-x", ["shardId-000000000000"])):
        with pytest.raises(FailedPrecondition) as e:
            call()
        assert e.value.reason == "STREAM_NOT_FOUND"


def test_an_unknown_shard_is_stream_not_found(adapter, streams):
    name = streams.create(1)
    for call in (lambda: adapter.watermarks(name, ["shardId-000000000042"]),
                 lambda: adapter.offsets_for_times(name, {"shardId-000000000042": 0})):
        with pytest.raises(FailedPrecondition) as e:
            call()
        assert e.value.reason == "STREAM_NOT_FOUND" and e.value.metadata["partition"] == "shardId-000000000042"


def test_an_endpoint_that_does_not_answer_is_stream_unreachable(props):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = KinesisStreamAdapter({**props, "kinesis.endpoint": f"http://127.0.0.1:{port}"}, timeout_s=1)
    try:
        with pytest.raises(Unavailable) as e:
            dead.partitions("anything")
        assert e.value.reason == "STREAM_UNREACHABLE" and str(port) in e.value.metadata["endpoint"]
    finally:
        dead.close()


def test_the_reader_refuses_a_start_beyond_the_end_or_in_no_place(props, adapter, streams):
    name = streams.create(1)
    shard = "shardId-000000000000"
    seqs = [streams.put(name, KEY_A, b"x")[1] for _ in range(2)]
    with pytest.raises(CheckpointOutOfRange) as e:
        KinesisReader(ReaderTaskValue(name, props), {shard: seqs[-1] + 2})
    assert e.value.reason.startswith("CHECKPOINT_BEYOND_LATEST")
    # Between two records but neither one nor one past one: no iterator can be placed there.
    with pytest.raises(InvalidStart):
        KinesisReader(ReaderTaskValue(name, props), {shard: seqs[0] + 2})
    with pytest.raises(CheckpointOutOfRange) as e:
        KinesisReader(ReaderTaskValue(name, props), {"shardId-000000000009": seqs[0]})
    assert e.value.reason.startswith("CHECKPOINT_BELOW_EARLIEST")


def test_a_reader_without_a_bound_keeps_an_open_shard_open(props, streams):
    name = streams.create(1)
    shard = "shardId-000000000000"
    seq = streams.put(name, KEY_A, b"x")[1]
    reader = KinesisReader(ReaderTaskValue(name, props), {shard: seq})
    try:
        got = read_for(reader, 1.5)
        assert [r.offset for r in got] == [seq] and reader.finished() == set()
        assert reader.positions([shard]) == {shard: seq + 1}
    finally:
        reader.close()


def test_an_open_shards_end_follows_new_records_from_the_last_one_seen(adapter, streams):
    """The adapter reads an open shard's tail again from the last record it saw: the end moves with every
    write, and stays where it was when nothing was written."""
    name = streams.create(1)
    shard = "shardId-000000000000"
    first = [streams.put(name, KEY_A, b"1")[1] for _ in range(2)]
    assert adapter.lineage(name).extents[shard].end == first[-1] + 1
    assert adapter.lineage(name).extents[shard].end == first[-1] + 1
    more = [streams.put(name, KEY_A, b"2")[1] for _ in range(3)]
    assert adapter.lineage(name).extents[shard].end == more[-1] + 1
    # A fresh adapter (no record seen yet) agrees.
    fresh = KinesisStreamAdapter({
        "kinesis.endpoint": adapter.connection.endpoint, "kinesis.region": REGION,
        "kinesis.access_key_id": "test", "kinesis.secret_access_key": "test"}, timeout_s=5)
    try:
        assert fresh.lineage(name).extents[shard].end == more[-1] + 1
    finally:
        fresh.close()


def test_a_bound_at_a_record_stops_before_it_with_the_position_at_the_bound(props, adapter, streams):
    """A bound that is a record's own sequence number (a range cut by time): the records below it, and the
    position moves to the bound once the next record is seen to be past it."""
    name = streams.create(1)
    shard = "shardId-000000000000"
    seqs = [streams.put(name, KEY_A, f"{i}".encode())[1] for i in range(5)]
    reader = KinesisReader(ReaderTaskValue(name, props), {shard: adapter.shards(name)[shard].start},
                           bounds={shard: seqs[3]})
    try:
        got = read_until_finished(reader, {shard}, timeout_s=10)
        assert [r.offset for r in got] == seqs[:3]
        assert reader.positions([shard]) == {shard: seqs[3]}
    finally:
        reader.close()
