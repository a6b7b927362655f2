"""The use cases with offsets past int64 (in-memory ports): a kind without a bound (KafkaKind with max_offset
None, as Kinesis' is) is created, committed, reset and backfilled at 56-digit offsets exactly, and its audit
details keep them exact; a kind with int64 offsets still refuses them."""
from __future__ import annotations

import json

import pytest

from memory import FakeStream, FakeStreams, MemoryMetadataStore  # tests/memory.py (tests/ is on the path)
from streamvisor.app.supervisors import ResetTarget, SupervisorService
from streamvisor.domain.errors import InvalidArgument, OutOfRange
from streamvisor.domain.model import OffsetRange, StreamType, SupervisorSpec
from streamvisor.streams.kafka.kind import KafkaKind

INT64 = 2 ** 63 - 1
HUGE = 10 ** 55 + 7


def spec(**fields) -> SupervisorSpec:
    values = {"stream_type": StreamType.KAFKA, "stream": "clicks", "consumer_properties": {"bootstrap.servers": "b"},
              "task_count": 1, "context": {"useConcurrentLocks": "true"}}
    values.update(fields)
    return SupervisorSpec(**values)


@pytest.fixture
def stream() -> FakeStream:
    s = FakeStream(partitions=2, latest=0)
    s.earliest = {0: INT64, 1: 0}
    s.latest = {0: HUGE + 100, 1: HUGE}
    return s


@pytest.fixture
def service(stream) -> SupervisorService:
    return SupervisorService(MemoryMetadataStore(), FakeStreams(stream), new_suffix=lambda: "w1")


def test_an_unbounded_kind_resets_and_backfills_past_int64_exactly(service, monkeypatch):
    monkeypatch.setattr(KafkaKind, "max_offset", None)
    service.create("main", spec())
    generation = service.get("main").generation
    service.commit_checkpoint("main", "t", generation, [OffsetRange(0, INT64, HUGE), OffsetRange(1, 0, 10 ** 40)],
                              "mem://a", 2, task_starts={0: INT64, 1: 0})
    _, view, _ = service.get_offsets("main")
    assert [(r.checkpoint, r.lag) for r in view.partitions] == [(HUGE, 100), (10 ** 40, HUGE - 10 ** 40)]
    result = service.reset_to_latest_and_backfill("main")
    assert result.backfill_ranges == [OffsetRange(0, HUGE, HUGE + 100), OffsetRange(1, 10 ** 40, HUGE)]
    backfill = service.get(result.backfill_supervisor_id)
    assert backfill.spec.bounded_ranges == tuple(result.backfill_ranges)  # its spec validated without a bound
    _, bounded, _ = service.get_offsets(backfill.id)
    assert bounded.bounded_total == 100 + HUGE - 10 ** 40 and bounded.bounded_done == 0
    event = service.history("main", 10, "")[0][0]
    assert event.action == "RESET_TO_LATEST_AND_BACKFILL"
    details = json.loads(json.dumps(dict(event.details)))  # what details_json carries: numbers, exact
    assert str(HUGE + 100) in json.dumps(details)
    moved = service.reset_offsets("main", [ResetTarget(partition=0, offset=HUGE + 50)])
    assert [(c.partition, c.before, c.after) for c in moved.changes] == [(0, HUGE + 100, HUGE + 50)]


def test_a_kind_with_int64_offsets_still_refuses_them(service):
    with pytest.raises(InvalidArgument) as info:
        service.create("bounded", spec(bounded_ranges=(OffsetRange(0, INT64, INT64 + 1),)))
    assert [v.field for v in info.value.violations] == ["spec.bounded_ranges[0].end_offset"]
    service.create("main", spec())
    with pytest.raises(OutOfRange):  # an offset past latest stays OUT_OF_RANGE, whatever its size
        service.reset_offsets("main", [ResetTarget(partition=1, offset=HUGE + 1)])
