"""Offsets.positions with an adapter that sends its watermark requests before the checkpoints are read
(Kafka's start_watermarks): a commit may then land after the broker answered, so a checkpoint above that
answer is asked about again, and only a checkpoint still beyond the stream is a fault."""
from __future__ import annotations

from datetime import datetime, timezone

from memory import FakeStream, FakeStreams, MemoryMetadataStore  # tests/memory.py (tests/ is on the path)
from streamvisor.app.supervisors import SupervisorService
from streamvisor.domain.model import StreamType, SupervisorSpec, SupervisorState
from streamvisor.domain.ports import Watermarks


class EarlyStream(FakeStream):
    """Answers start_watermarks from `sent` (what the broker said when the requests left, before a commit
    moved a checkpoint past it) and every later watermarks() from the current offsets."""

    def __init__(self) -> None:
        super().__init__(partitions=3, latest=100)
        self.sent: dict[int, int] = {}
        self.asked_again: list[list[int]] = []

    def start_watermarks(self, stream: str, partitions):
        self._check(stream)
        answer = Watermarks({p: self.earliest[p] for p in partitions},
                            {p: self.sent.get(p, self.latest[p]) for p in partitions})
        return lambda: answer

    def watermarks(self, stream: str, partitions):
        self.asked_again.append(sorted(partitions))
        return super().watermarks(stream, partitions)


def service_with(stream: EarlyStream) -> tuple[SupervisorService, MemoryMetadataStore]:
    store = MemoryMetadataStore()
    service = SupervisorService(store, FakeStreams(stream), clock=lambda: datetime(2026, 12, 2, tzinfo=timezone.utc))
    service.create("s", SupervisorSpec(stream_type=StreamType.KAFKA, stream="clicks",
                                       consumer_properties={"bootstrap.servers": "b"}, task_count=1))
    return service, store


def set_checkpoints(store: MemoryMetadataStore, offsets: dict[int, int]) -> None:
    with store.transaction() as tx:
        tx.set_checkpoints("s", offsets)


def test_a_checkpoint_past_an_early_answer_is_asked_again_and_is_no_fault():
    stream = EarlyStream()
    service, store = service_with(stream)
    set_checkpoints(store, {0: 50, 1: 105, 2: 100})
    stream.latest[1] = 110    # produced and committed up to 105 after the broker's first answer (100)
    stream.sent = {1: 100}
    _, view, _ = service.get_offsets("s")
    rows = {r.partition: r for r in view.partitions}
    assert stream.asked_again == [[1]]  # only the partition above the early answer
    assert (rows[1].latest, rows[1].lag, rows[1].beyond_latest) == (110, 5, False)
    assert (rows[0].latest, rows[2].latest) == (100, 100)
    assert not view.faults and service.get("s").state is SupervisorState.RUNNING


def test_a_checkpoint_still_beyond_after_asking_again_is_a_fault():
    stream = EarlyStream()
    service, store = service_with(stream)
    set_checkpoints(store, {0: 50, 1: 150, 2: 100})
    _, view, _ = service.get_offsets("s")
    assert stream.asked_again[0] == [1]
    assert [(f.partition, f.checkpoint, f.latest) for f in view.faults] == [(1, 150, 100)]
    assert service.get("s").state is SupervisorState.UNHEALTHY


def test_at_rest_nothing_is_asked_twice():
    stream = EarlyStream()
    service, store = service_with(stream)
    set_checkpoints(store, {0: 50, 1: 100, 2: 0})
    _, view, _ = service.get_offsets("s")
    assert stream.asked_again == [] and not view.faults
