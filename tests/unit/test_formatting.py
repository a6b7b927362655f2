"""The one spelling of offsets, ranges and changes (log lines, the CLI), for domain and protobuf objects alike."""
from streamvisor.domain import formatting as fmt
from streamvisor.domain.model import OffsetRange
from streamvisor.domain.offsets import OffsetChange
from streamvisor.v1 import supervisor_pb2 as pb


def test_ranges_text():
    assert fmt.ranges_text([OffsetRange(0, 10, 20), OffsetRange(3, 5, 9)]) == "0:[10,20) 3:[5,9)"
    assert fmt.ranges_text([]) == "-"
    proto = [pb.OffsetRange(partition=0, start_offset=10, end_offset=20), pb.OffsetRange(partition=3, end_offset=9)]
    assert fmt.ranges_text(proto) == "0:[10,20) 3:[0,9)"
    assert fmt.ranges_text(iter([OffsetRange(1, 0, 0)])) == "1:[0,0)"  # any iterable, empty ranges kept


def test_spans_text_leaves_the_partition_out():
    assert fmt.spans_text([OffsetRange(0, 10, 20), OffsetRange(0, 30, 40)]) == "[10,20) [30,40)"
    assert fmt.spans_text([pb.OffsetRange(partition=2, start_offset=1, end_offset=2)]) == "[1,2)"
    assert fmt.spans_text([]) == "-"
    assert fmt.span_text(5, 9) == "[5,9)"


def test_changes_text():
    changes = [OffsetChange(0, 10, 20), OffsetChange(1, None, 5), OffsetChange(2, 7, None)]
    assert fmt.changes_text(changes) == "0:10->20 1:-->5 2:7->-"
    assert fmt.changes_text([]) == "-"
    # Unset optional fields of the message are absent, not 0.
    proto = [pb.OffsetChange(partition=0, before=10, after=20), pb.OffsetChange(partition=1, after=5),
             pb.OffsetChange(partition=2, before=0)]
    assert fmt.changes_text(proto) == "0:10->20 1:-->5 2:0->-"


def test_offsets_text_sorts_by_partition():
    assert fmt.offsets_text({1: 20, 0: 10}) == "0:10,1:20"
    assert fmt.offsets_text({}) == "-"
    assert fmt.offsets_text(None) == "-"
    assert fmt.offset_text(None) == "-" and fmt.offset_text(0) == "0"


def test_the_text_the_app_formatters_wrote():
    """app/results.py had its own formatters; the log lines (and operators' greps) keep this exact text."""
    ranges = [OffsetRange(0, 10, 20), OffsetRange(3, 5, 9)]
    changes = [OffsetChange(0, 10, 20), OffsetChange(1, None, 5)]
    assert fmt.ranges_text(ranges) == "0:[10,20) 3:[5,9)" and fmt.ranges_text([]) == "-"
    assert fmt.changes_text(changes) == "0:10->20 1:-->5" and fmt.changes_text([]) == "-"
