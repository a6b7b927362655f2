"""Offsets of any size through the store, on SQLite (sortable text) and PostgreSQL (NUMERIC) alike: the
checkpoints, segments, maintained coverage and unrecoverable ranges read back exactly, as ints, and every
query that compares or orders offsets (ListSegments' overlap filters, the coverage neighbour lookup) gives
the right rows across lengths: 9 < 10 < 2**63 - 1 < 10**55 + 7 < 10**129."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from streamvisor.domain.model import OffsetRange, StreamType, Supervisor, SupervisorSpec, SupervisorState
from streamvisor.domain.ports import Segment, SegmentFilter
from streamvisor.store.engine import create_store_engine, migrate
from streamvisor.store.offsets import decode_sortable, encode_sortable
from streamvisor.store.sql import SqlMetadataStore

NOW = datetime(2026, 12, 2, tzinfo=timezone.utc)
INT64 = 2 ** 63 - 1
HUGE = 10 ** 55 + 7
WIDEST = 10 ** 129  # 130 digits: the longest decimal the API accepts


@pytest.fixture
def store(database_url):
    engine = create_store_engine(database_url)
    migrate(engine)
    store = SqlMetadataStore(engine)
    spec = SupervisorSpec(stream_type=StreamType.KAFKA, stream="t", consumer_properties={}, task_count=1)
    with store.transaction() as tx:
        tx.insert_supervisor(Supervisor(id="wide", spec=spec, state=SupervisorState.RUNNING, generation=1,
                                        version=1, partitions=(0, 1, 2), create_time=NOW, update_time=NOW))
    yield store
    store.dispose()


def test_checkpoints_of_any_size_round_trip_as_ints(store):
    offsets = {0: 9, 1: HUGE, 2: WIDEST}
    with store.transaction() as tx:
        tx.set_checkpoints("wide", offsets)
    with store.read() as tx:
        read = tx.get_checkpoints("wide")
    assert read == offsets and all(type(o) is int for o in read.values())
    with store.transaction() as tx:  # the commit path's upsert (PostgreSQL: one numeric[] statement)
        tx.set_checkpoints("wide", {1: HUGE + 1, 2: WIDEST - 1})
        assert tx.get_checkpoints("wide") == {0: 9, 1: HUGE + 1, 2: WIDEST - 1}


def _publish(store, n: int, ranges: list[OffsetRange]) -> int:
    with store.transaction() as tx:
        tx.get_supervisor("wide", lock=True)
        segment_id = tx.insert_segment(Segment("wide", "t", 1, tuple(ranges), f"file:///wide-{n}", len(ranges), NOW))
        tx.add_published_ranges("wide", ranges)
    return segment_id


def test_segments_and_their_filters_over_offsets_of_any_size(store):
    first = _publish(store, 0, [OffsetRange(0, 0, 9), OffsetRange(1, 9, 10)])
    second = _publish(store, 1, [OffsetRange(0, 9, 10), OffsetRange(1, 10, INT64)])
    third = _publish(store, 2, [OffsetRange(1, INT64, HUGE)])
    fourth = _publish(store, 3, [OffsetRange(1, HUGE, WIDEST), OffsetRange(2, HUGE, HUGE)])  # p2 empty

    def page(**filters) -> list[int]:
        with store.read() as tx:
            return [s.id for s in tx.list_segment_page(["wide"], None, 100, SegmentFilter(**filters))]

    with store.read() as tx:
        (found,) = [s for s in tx.list_segments(["wide"]) if s.id == fourth]
        assert [(r.partition, r.start, r.end) for r in found.ranges] == [(1, HUGE, WIDEST), (2, HUGE, HUGE)]
        replay = tx.find_segment("wide", "file:///wide-2")
        assert [(r.start, r.end) for r in replay.ranges] == [(INT64, HUGE)]
        assert all(type(x) is int for r in replay.ranges for x in (r.start, r.end))
    assert page() == [first, second, third, fourth]
    # Overlap with [start, end): numeric, not textual, comparisons ("10" < "9" as plain text).
    assert page(start=9, end=10) == [first, second]
    assert page(partition=0, start=9) == [second]
    assert page(partition=1, start=10 ** 20) == [third, fourth]
    assert page(partition=1, start=HUGE) == [fourth]
    assert page(partition=1, end=HUGE) == [first, second, third]
    assert page(start=HUGE + 1, end=HUGE + 2) == [fourth]
    assert page(partition=2) == []  # its one range is empty: it overlaps nothing
    assert page(start=WIDEST) == []


def test_maintained_coverage_merges_abutting_ranges_of_any_size(store):
    _publish(store, 0, [OffsetRange(0, 5, INT64)])
    _publish(store, 1, [OffsetRange(0, HUGE, WIDEST)])
    with store.read() as tx:
        assert sorted((r.partition, r.start, r.end) for r, _ in tx.list_published_ranges(["wide"])) == [
            (0, 5, INT64), (0, HUGE, WIDEST)]
    _publish(store, 2, [OffsetRange(0, INT64, HUGE)])  # abuts both: the three become one row
    with store.read() as tx:
        rows = tx.list_published_ranges(["wide"])
    assert [(r.partition, r.start, r.end) for r, _ in rows] == [(0, 5, WIDEST)]
    with store.transaction() as tx:
        tx.add_unrecoverable_ranges("wide", [OffsetRange(1, HUGE, HUGE + 10 ** 40)], NOW)
    with store.read() as tx:
        assert [(r.start, r.end) for r in tx.list_unrecoverable_ranges(["wide"])] == [(HUGE, HUGE + 10 ** 40)]


def test_the_sortable_encoding_orders_as_the_numbers_do():
    numbers = [0, 1, 9, 10, 99, 100, INT64, INT64 + 1, HUGE, WIDEST]
    encoded = [encode_sortable(n) for n in numbers]
    assert sorted(encoded) == encoded and [decode_sortable(e) for e in encoded] == numbers
    assert encode_sortable(9) == "0019" and encode_sortable(10) == "00210"
    with pytest.raises(ValueError):
        encode_sortable(-1)
