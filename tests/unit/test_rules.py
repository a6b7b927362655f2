"""The rules that moved out of the application layer into the domain: pure, tested without a database."""
from datetime import datetime, timezone

import pytest

from streamvisor.domain.errors import Conflict, FailedPrecondition, InvalidArgument, Violations
from streamvisor.domain.model import (
    OffsetRange, StreamType, Supervisor, SupervisorSpec, SupervisorState, check_etag, check_immutable,
    validate_request_id,
)
from streamvisor.domain.offsets import (
    ResetTarget, bounded_progress, check_backfillable, check_bounded_start_retained, check_targets_known,
    faulted_for_checkpoints, validate_reset_targets,
)
from streamvisor.domain.tasks import range_finished

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def spec(**fields) -> SupervisorSpec:
    values = {"stream_type": StreamType.KAFKA, "stream": "t", "consumer_properties": {"bootstrap.servers": "b"},
              "context": {"useConcurrentLocks": "true"}}
    values.update(fields)
    return SupervisorSpec(**values)


def supervisor(state=SupervisorState.RUNNING, detail="", **fields) -> Supervisor:
    return Supervisor("s", spec(**fields), state, 3, 7, (0, 1), NOW, NOW, state_detail=detail)


class TestEtag:
    def test_a_matching_etag_passes_and_none_is_fine_unless_required(self):
        check_etag(supervisor(), "v7", required=True)
        check_etag(supervisor(), "", required=False)

    @pytest.mark.parametrize("etag, required, error, reason", [
        ("", True, InvalidArgument, "INVALID_ETAG"),
        ("7", False, InvalidArgument, "INVALID_ETAG"),
        ("v6", False, Conflict, "ETAG_MISMATCH"),
    ])
    def test_refusals(self, etag, required, error, reason):
        with pytest.raises(error) as info:
            check_etag(supervisor(), etag, required)
        assert info.value.reason == reason


def test_the_stream_and_the_ranges_are_immutable():
    check_immutable(spec(), spec(task_count=4))
    with pytest.raises(InvalidArgument) as info:
        check_immutable(spec(), spec(stream="other", bounded_ranges=(OffsetRange(0, 0, 1),)))
    assert info.value.reason == "IMMUTABLE_FIELD"
    assert [v.field for v in info.value.violations] == ["spec.stream", "spec.bounded_ranges"]


def test_request_ids_are_bounded():
    v = Violations()
    validate_request_id("x" * 255, v)
    validate_request_id("x" * 256, v)
    assert [i.field for i in v.items] == ["request_id"]


def test_reset_targets_name_each_partition_once_by_offset_or_time():
    v = Violations()
    validate_reset_targets([ResetTarget(0, offset=1), ResetTarget(0, offset=2, field="targets[1]"),
                            ResetTarget(1, field="targets[2]"), ResetTarget(2, offset=-1, field="targets[3]"),
                            ResetTarget(3, timestamp_ms=-5, field="targets[4]")], v)
    assert [i.field for i in v.items] == ["targets[1].partition", "targets[2]", "targets[3].offset",
                                          "targets[4].timestamp"]
    v = Violations()
    validate_reset_targets([], v)
    assert [i.field for i in v.items] == ["targets"]
    with pytest.raises(InvalidArgument) as info:
        check_targets_known(supervisor(), [ResetTarget(5, offset=0, field="targets[0]")])
    assert info.value.reason == "UNKNOWN_PARTITION"


def test_a_bounded_start_below_retention_is_refused_unless_the_range_is_empty():
    check_bounded_start_retained(spec(bounded_ranges=(OffsetRange(0, 3, 3),)), {0: 10})
    with pytest.raises(InvalidArgument) as info:
        check_bounded_start_retained(spec(bounded_ranges=(OffsetRange(0, 3, 20),)), {0: 10})
    assert info.value.reason == "OFFSET_OUT_OF_RANGE" and info.value.metadata["earliest"] == "10"


@pytest.mark.parametrize("fields, state, reason", [
    ({"bounded_ranges": (OffsetRange(0, 0, 1),)}, SupervisorState.RUNNING, "NOT_STREAMING_SUPERVISOR"),
    ({"use_earliest_offset": True}, SupervisorState.RUNNING, "USE_EARLIEST_OFFSET_ENABLED"),
    ({"context": {}}, SupervisorState.RUNNING, "CONCURRENT_LOCKS_DISABLED"),
    ({}, SupervisorState.SUSPENDED, "INVALID_STATE"),
])
def test_the_backfill_guardrails_in_the_seeds_order(fields, state, reason):
    with pytest.raises(FailedPrecondition) as info:
        check_backfillable(supervisor(state, **fields))
    assert info.value.reason == reason
    check_backfillable(supervisor(context={"taskLockType": "APPEND"}))


def test_only_the_checkpoint_fault_is_recognised_as_one():
    assert faulted_for_checkpoints(supervisor(SupervisorState.UNHEALTHY, "CHECKPOINT_BEYOND_LATEST: partition 0"))
    assert not faulted_for_checkpoints(supervisor(SupervisorState.UNHEALTHY, "STREAM_UNREACHABLE"))
    assert not faulted_for_checkpoints(supervisor(SupervisorState.RUNNING))


def test_bounded_progress_counts_what_the_checkpoints_passed():
    s = spec(bounded_ranges=(OffsetRange(0, 10, 20), OffsetRange(1, 0, 5)))
    assert bounded_progress(s, {}) == (0, 15)
    assert bounded_progress(s, {0: 15, 1: 9}) == (10, 15)


def test_a_task_is_finished_when_every_end_is_reached():
    assert range_finished({0: 5, 1: 7}, {0: 5, 1: 8})
    assert not range_finished({0: 5, 1: 7}, {0: 5})
    assert not range_finished(None, {0: 100})
