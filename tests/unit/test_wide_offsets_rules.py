"""Offsets of any size and partition names as pure logic: the wire's decimal and pair rules (api.convert),
the numbered kinds' partition names, the per-kind bound in spec validation, and the offset arithmetic
(lag, backfill plan, resets, the commit CAS) on offsets past int64."""
from datetime import datetime, timezone

import pytest

from streamvisor.api import convert
from streamvisor.domain.errors import Conflict
from streamvisor.domain.formatting import changes_text, ranges_text
from streamvisor.domain.model import OffsetRange, StreamType, Supervisor, SupervisorSpec, SupervisorState
from streamvisor.domain.offsets import (
    OffsetChange, bounded_progress, offsets_view, plan_backfill, plan_offset_reset, validate_commit,
)
from streamvisor.domain.ports import NumberedPartitions, parse_partition_number
from streamvisor.streams.kafka.kind import KafkaKind
from streamvisor.streams.rabbitmq.kind import RabbitMQKind
from streamvisor.v1 import supervisor_pb2 as pb

NOW = datetime(2026, 12, 2, tzinfo=timezone.utc)
INT64 = 2 ** 63 - 1
HUGE = 10 ** 55 + 7


def supervisor(bounded=()) -> Supervisor:
    spec = SupervisorSpec(StreamType.KAFKA, "t", {"bootstrap.servers": "b"}, 1, False, {}, tuple(bounded))
    return Supervisor("s", spec, SupervisorState.RUNNING, 1, 1, (0, 1), NOW, NOW)


@pytest.mark.parametrize("text", ["0", "7", "10", str(INT64), str(INT64 + 1), str(HUGE), "9" * 130])
def test_canonical_decimals_parse_exactly(text):
    v = convert.RequestViolations()
    assert convert.parse_decimal(text, "f", v) == int(text) and not v.items


@pytest.mark.parametrize("text", ["", "-1", "+1", "01", "00", "1.0", "1e3", " 1", "1 ", "\u0661", "\uff11", "0x1",
                                  "1_000", "9" * 131])
def test_malformed_decimals_are_refused_with_their_reason_and_field(text):
    v = convert.RequestViolations()
    assert convert.parse_decimal(text, "targets[0].offset_decimal", v) is None
    assert [x.field for x in v.items] == ["targets[0].offset_decimal"] and v.reason == "MALFORMED_DECIMAL"


def test_a_pair_given_twice_must_agree():
    v = convert.RequestViolations()
    assert convert.wide_offset(5, True, "5", True, "start_offset", "start_offset_decimal", v) == 5
    assert convert.wide_offset(0, False, str(HUGE), True, "a", "a_decimal", v) == HUGE
    assert convert.wide_offset(7, True, "", False, "a", "a_decimal", v) == 7
    assert convert.wide_offset(0, False, "", False, "a", "a_decimal", v) is None
    assert not v.items
    assert convert.wide_offset(5, True, "6", True, "start_offset", "start_offset_decimal", v) is None
    assert v.reason == "FIELD_MISMATCH" and [x.field for x in v.items] == ["start_offset_decimal"]
    v = convert.RequestViolations()
    assert convert.wide_partition(1, True, "0", True, "partition", "partition_id", convert.NUMBERED, v) is None
    assert v.reason == "FIELD_MISMATCH"
    v = convert.RequestViolations()
    assert convert.wide_partition(0, False, "x", True, "partition", "partition_id", convert.NUMBERED, v) is None
    assert v.reason == "INVALID_ARGUMENT" and v.items[0].field == "partition_id"


def test_a_range_from_the_wire_in_either_form():
    v = convert.RequestViolations()
    both = pb.OffsetRange(partition=1, partition_id="1", start_offset=3, start_offset_decimal="3",
                          end_offset_decimal=str(HUGE))
    assert convert.range_from_pb(both, "r", v) == OffsetRange(1, 3, HUGE) and not v.items
    # What the server writes for a range past int64 reads back as the same range.
    written = convert.range_to_pb(OffsetRange(0, INT64, HUGE))
    assert (written.start_offset, written.end_offset, written.partition_id) == (INT64, 0, "0")
    assert convert.range_from_pb(written, "r", v) == OffsetRange(0, INT64, HUGE) and not v.items


def test_fitting_and_the_changes_of_any_size():
    assert [convert.fitting(x) for x in (0, INT64, INT64 + 1, HUGE)] == [0, INT64, 0, 0]
    message = convert.change_to_pb(OffsetChange(2, None, HUGE))
    assert not message.HasField("before") and not message.HasField("before_decimal")
    assert (message.after, message.after_decimal, message.partition_id) == (0, str(HUGE), "2")
    assert changes_text([message]) == f"2:-->{HUGE}"
    assert ranges_text([convert.range_to_pb(OffsetRange(0, 10, HUGE))]) == f"0:[10,{HUGE})"


def test_numbered_kinds_name_their_partitions_in_decimal_and_bound_offsets_at_int64():
    for kind in (KafkaKind(), RabbitMQKind()):
        assert isinstance(kind, NumberedPartitions) and kind.max_offset == INT64
        assert kind.partition_name(3) == "3" and kind.parse_partition("3") == 3 and kind.parse_partition("0") == 0
    for bad in ("", "-1", "03", "3 ", "x", "shardId-000000000003", "\u0663", str(2 ** 31)):
        with pytest.raises(ValueError):
            parse_partition_number(bad)


def test_the_spec_bound_is_the_kinds():
    spec = SupervisorSpec(StreamType.KAFKA, "t", {}, 1, bounded_ranges=(OffsetRange(0, 0, INT64 + 1),))
    assert [v.field for v in spec.validate().items] == ["spec.bounded_ranges[0].end_offset", "spec.bounded_ranges"]
    assert spec.validate(max_offset=None).items == []  # a kind without a bound (Kinesis)
    wide = SupervisorSpec(StreamType.KAFKA, "t", {}, 1, bounded_ranges=(OffsetRange(0, HUGE, HUGE * 3),
                                                                         OffsetRange(1, 0, HUGE)))
    assert wide.validate(max_offset=None).items == []
    assert bounded_progress(wide, {0: HUGE * 2}) == (HUGE, HUGE * 3)


def test_offset_arithmetic_past_int64_is_exact():
    s = supervisor()
    view = offsets_view(s, {0: HUGE, 1: INT64}, {0: 0, 1: 0}, {0: HUGE + 10, 1: HUGE})
    assert [r.lag for r in view.partitions] == [10, HUGE - INT64] and view.total_lag == HUGE - INT64 + 10
    plan = plan_backfill((0, 1), {0: INT64, 1: 5}, {0: 0, 1: 10 ** 40}, {0: HUGE, 1: HUGE})
    assert plan.backfill_ranges == [OffsetRange(0, INT64, HUGE), OffsetRange(1, 10 ** 40, HUGE)]
    assert plan.unrecoverable_ranges == [OffsetRange(1, 5, 10 ** 40)]
    reset = plan_offset_reset(s, {0: 1}, {0: HUGE}, {0: 0, 1: 0}, {0: HUGE + 1, 1: 0}, {0: "targets[0]"})
    assert reset.new_checkpoints == {0: HUGE}
    assert validate_commit(s, 1, [OffsetRange(0, HUGE, HUGE + 5)], {0: HUGE}) == {0: HUGE + 5}
    with pytest.raises(Conflict):
        validate_commit(s, 1, [OffsetRange(0, HUGE + 1, HUGE + 5)], {0: HUGE})
