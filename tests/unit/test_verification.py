"""verify's comparison (pure) and ListSegments' filter definition (the in-memory store uses it)."""
from __future__ import annotations

from datetime import datetime, timezone

from streamvisor.domain.model import OffsetRange
from streamvisor.domain.ports import Segment, SegmentFilter
from streamvisor.domain.verification import PublishedSegment, verify


def seg(location: str, *ranges: tuple[int, int, int], count: int | None = None) -> PublishedSegment:
    return PublishedSegment(location, tuple(ranges), sum(b - a for _, a, b in ranges) if count is None else count)


def rows(location: str, partition: int, offsets) -> list[tuple[int, int, str]]:
    return [(partition, o, location) for o in offsets]


def by_partition(result):
    return {p.partition: (p.expected, p.found, p.missing, p.duplicated, p.unexpected) for p in result.partitions}


def test_exactly_the_published_offsets_once_is_ok():
    segments = [seg("a", (0, 0, 10), (1, 5, 8)), seg("b", (0, 10, 15))]
    found = rows("a", 0, range(10)) + rows("a", 1, range(5, 8)) + rows("b", 0, range(10, 15))
    result = verify(segments, reversed(found))  # order does not matter
    assert result.ok and by_partition(result) == {0: (15, 15, 0, 0, 0), 1: (3, 3, 0, 0, 0)}
    assert result.missing_segments == [] and result.unexpected_places == []


def test_a_duplicated_file_is_duplicates_and_an_unexpected_place():
    segments = [seg("a", (0, 0, 10))]
    result = verify(segments, rows("a", 0, range(10)) + rows("copy", 0, range(3, 10)))
    assert not result.ok and by_partition(result) == {0: (10, 17, 0, 7, 0)}
    assert result.unexpected_places == ["copy"]


def test_a_missing_file_is_missing_offsets_and_a_missing_segment():
    segments = [seg("a", (0, 0, 10)), seg("b", (0, 10, 20)), seg("empty", (1, 0, 0), count=0)]
    result = verify(segments, rows("a", 0, range(10)))
    assert not result.ok and by_partition(result) == {0: (20, 10, 10, 0, 0), 1: (0, 0, 0, 0, 0)}
    assert result.missing_segments == ["b"]  # an empty segment has no records to find


def test_records_outside_every_range_and_unparsed_lines_are_unexpected():
    segments = [seg("a", (0, 10, 20))]
    found = rows("a", 0, range(10, 20)) + rows("a", 0, [3, 25]) + [("?", -1, "stray"), (7, 0, "stray")]
    result = verify(segments, found)
    assert by_partition(result) == {0: (10, 12, 0, 0, 2), 7: (0, 1, 0, 0, 1), "?": (0, 1, 0, 0, 1)}
    assert [p.partition for p in result.partitions] == [0, 7, "?"] and result.unexpected_places == ["stray"]


def test_overlapping_published_ranges_expect_each_offset_once():
    segments = [seg("a", (0, 0, 10)), seg("b", (0, 5, 15))]  # a re-read after a reset backwards
    result = verify(segments, rows("a", 0, range(10)) + rows("b", 0, range(5, 15)))
    assert by_partition(result) == {0: (15, 20, 0, 5, 0)} and not result.ok


def checks(result):
    return {p.partition: (p.expected, p.found, p.missing, p.skipped) for p in result.partitions}


def test_offsets_the_writer_published_as_no_record_are_skipped_not_missing():
    # Kafka under read_committed: offset 4 is a commit marker, 7-9 an aborted transaction and its marker.
    segments = [seg("a", (0, 0, 10), count=6), seg("b", (0, 10, 12))]
    found = rows("a", 0, [0, 1, 2, 3, 5, 6]) + rows("b", 0, [10, 11])
    result = verify(segments, found)
    assert result.ok and checks(result) == {0: (8, 8, 0, 4)}


def test_a_lost_record_beside_skipped_offsets_is_still_missing():
    segments = [seg("a", (0, 0, 10), count=8)]  # two offsets held no record
    result = verify(segments, rows("a", 0, [0, 1, 3, 5, 6, 7, 8]))  # three holes: one is a lost record
    assert not result.ok and checks(result) == {0: (8, 7, 1, 2)}
    # An emptied file: every record is missing, only the writer's two offsets are skipped.
    assert checks(verify(segments, [])) == {0: (8, 0, 8, 2)}


def test_a_segment_allows_for_its_own_holes_only():
    # b's unused allowance does not cover a's lost record.
    segments = [seg("a", (0, 0, 5)), seg("b", (0, 5, 10), count=2)]
    result = verify(segments, rows("a", 0, [0, 1, 2, 3]) + rows("b", 0, [5, 9]))
    assert not result.ok and checks(result) == {0: (7, 6, 1, 3)}


def test_a_multi_partition_segment_s_allowance_is_taken_in_range_order():
    segments = [seg("a", (0, 0, 4), (1, 0, 4), count=6)]
    result = verify(segments, rows("a", 0, [0, 1, 2]) + rows("a", 1, [0, 1, 2]))  # 2 holes, 2 allowed
    assert result.ok and checks(result) == {0: (3, 3, 0, 1), 1: (3, 3, 0, 1)}
    result = verify(segments, rows("a", 0, [0, 1]) + rows("a", 1, [0, 1, 2]))  # 3 holes, 2 allowed
    assert not result.ok and sum(p.missing for p in result.partitions) == 1
    assert sum(p.skipped for p in result.partitions) == 2


def test_overlapping_segments_allow_for_one_hole_once():
    segments = [seg("a", (0, 0, 10), count=9), seg("b", (0, 5, 10), count=4)]  # offset 7 holds no record
    result = verify(segments, rows("a", 0, [o for o in range(10) if o != 7]) + rows("b", 0, [5, 6, 8, 9]))
    assert checks(result)[0] == (9, 13, 0, 1) and sum(p.duplicated for p in result.partitions) == 4


def test_a_spare_allowance_of_an_overlapping_segment_does_not_hide_a_lost_record():
    # a: offsets 5-9 an aborted transaction and its marker; b re-read 5-10 after a reset backwards (no record).
    segments = [seg("a", (0, 0, 10), count=5), seg("b", (0, 5, 10), count=0)]
    result = verify(segments, rows("a", 0, [0, 1, 3, 4]))  # record 2 lost
    assert not result.ok and checks(result)[0] == (5, 4, 1, 5)
    # The same with Kinesis-sized allowances: b, one zero-record segment over the shard, hides nothing.
    segments = [seg("a", (4, BIG, BIG + 10 ** 20), count=3), seg("b", (4, BIG, BIG + 10 ** 20), count=0)]
    result = verify(segments, rows("a", 4, [BIG, BIG + 7]))
    assert not result.ok and checks(result)[4][2] == 1


def test_more_records_than_the_writer_counted_are_no_difference_inside_the_ranges():
    result = verify([seg("a", (0, 0, 10), count=8)], rows("a", 0, range(10)))
    assert result.ok and checks(result) == {0: (10, 10, 0, 0)}


def test_nothing_published_nothing_found_is_ok():
    assert verify([], []).ok


def segment(*ranges: tuple[int, int, int], location: str = "x") -> Segment:
    return Segment("s", "t", 1, tuple(OffsetRange(*r) for r in ranges), location, 1, datetime.now(timezone.utc), 1)


def test_the_segment_filter():
    s = segment((0, 10, 20), (1, 5, 5))
    assert SegmentFilter().matches(s)
    assert SegmentFilter(partition=0).matches(s) and not SegmentFilter(partition=1).matches(s)  # empty range
    assert SegmentFilter(start=19).matches(s) and not SegmentFilter(start=20).matches(s)
    assert SegmentFilter(end=11).matches(s) and not SegmentFilter(end=10).matches(s)
    assert not SegmentFilter(partition=0, start=12, end=12).matches(s)
    assert SegmentFilter(location="x", partition=0).matches(s) and not SegmentFilter(location="y").matches(s)


BIG = 49680753293727183614358907412238618074341832428624019458  # a Kinesis sequence number


def test_sparse_offsets_are_counted_by_the_segment_s_record_count_not_as_end_minus_start():
    """Kinesis sequence numbers: a range of a million offsets holding three records is the same rule as
    Kafka's transaction markers, on a larger scale."""
    seqs = [BIG, BIG + 7, BIG + 1_000_003]
    segments = [PublishedSegment("f1", ((4, BIG, BIG + 1_000_004),), 3)]
    ok = verify(segments, [(4, s, "f1") for s in seqs])
    assert ok.ok and checks(ok) == {4: (3, 3, 0, 1_000_001)}
    short = verify(segments, [(4, s, "f1") for s in seqs[:2]])
    assert not short.ok and checks(short) == {4: (3, 2, 1, 1_000_001)}
    twice = verify(segments, [(4, s, "f1") for s in seqs + seqs[:1]])
    assert not twice.ok and twice.partitions[0].duplicated == 1


def test_a_kinesis_offset_is_a_json_string_and_reads_back_exactly():
    import json

    from streamvisor.domain.ports import Record
    from streamvisor.worker.sinks.files import record_line

    line = json.loads(record_line(Record(4, BIG, 1, b"k", b"v")))
    assert line["offset"] == str(BIG) and int(line["offset"]) == BIG
    assert json.loads(record_line(Record(0, 2 ** 53 - 1, 1, None, None)))["offset"] == 2 ** 53 - 1


def test_the_cli_reads_segment_ranges_exactly_not_through_the_int64_fields():
    """The Kinesis end-to-end proof found it: `streamvisor verify` took ranges from the int64 fields, 0 for a
    56-digit sequence number, and reported every record of a Kinesis family missing and unexpected."""
    from streamvisor.cli.dataplane import published_segment
    from streamvisor.client import offset_range
    from streamvisor.v1 import supervisor_service_pb2 as svc

    start, end = 49680758569905091625116097714790939162977631933541908483, 49680758569905091625116097718533773
    segment = svc.Segment(location="file:///s/a.jsonl", record_count=2,
                          ranges=[offset_range(0, start, start * 10), offset_range(3, 5, end)])
    assert segment.ranges[0].start_offset == 0  # the int64 field: the value does not fit
    assert published_segment(segment) == PublishedSegment("file:///s/a.jsonl", ((0, start, start * 10), (3, 5, end)), 2)
