"""Pure offset arithmetic: the backfill plan, the hard and targeted resets, the commit CAS, lag."""
from datetime import datetime, timezone

import pytest

from streamvisor.domain.errors import Conflict, FailedPrecondition, InvalidArgument
from streamvisor.domain.model import OffsetRange, StreamType, Supervisor, SupervisorSpec, SupervisorState
from streamvisor.domain.offsets import (
    OffsetChange, offsets_view, plan_backfill, plan_hard_reset, plan_offset_reset, validate_commit,
)

NOW = datetime(2026, 11, 24, tzinfo=timezone.utc)


def make(bounded=(), state=SupervisorState.RUNNING, partitions=(0, 1, 2), earliest=False) -> Supervisor:
    spec = SupervisorSpec(StreamType.KAFKA, "t", {"bootstrap.servers": "b"}, 1, earliest, {}, tuple(bounded))
    return Supervisor("s", spec, state, 5, 1, partitions, NOW, NOW)


class TestPlanBackfill:
    def test_backfills_exactly_the_skipped_range_and_moves_to_latest(self):
        plan = plan_backfill((0, 1), {0: 10, 1: 20}, {0: 0, 1: 0}, {0: 100, 1: 25})
        assert plan.backfill_ranges == [OffsetRange(0, 10, 100), OffsetRange(1, 20, 25)]
        assert plan.new_checkpoints == {0: 100, 1: 25}
        assert plan.unrecoverable_ranges == []
        assert plan.changes == [OffsetChange(0, 10, 100), OffsetChange(1, 20, 25)]

    def test_a_checkpoint_past_latest_never_moves_back_and_gets_no_range(self):
        # A commit landed between reading latest and taking the lock (the seed's "reset race").
        plan = plan_backfill((0,), {0: 130}, {0: 0}, {0: 120})
        assert plan.backfill_ranges == [] and plan.new_checkpoints == {0: 130}

    def test_a_caught_up_partition_is_left_out(self):
        plan = plan_backfill((0, 1), {0: 50, 1: 7}, {0: 0, 1: 0}, {0: 50, 1: 9})
        assert plan.backfill_ranges == [OffsetRange(1, 7, 9)]
        assert plan.new_checkpoints == {0: 50, 1: 9}

    def test_retention_loss_is_reported_and_the_backfill_is_clamped(self):
        plan = plan_backfill((0,), {0: 10}, {0: 40}, {0: 100})
        assert plan.unrecoverable_ranges == [OffsetRange(0, 10, 40)]
        assert plan.backfill_ranges == [OffsetRange(0, 40, 100)]

    def test_everything_retained_lost(self):
        plan = plan_backfill((0,), {0: 10}, {0: 100}, {0: 100})
        assert plan.unrecoverable_ranges == [OffsetRange(0, 10, 100)]
        assert plan.backfill_ranges == [] and plan.new_checkpoints == {0: 100}

    def test_a_never_leased_partition_starts_at_latest_without_backfill(self):
        plan = plan_backfill((0, 1), {0: 3}, {0: 0, 1: 0}, {0: 9, 1: 40})
        assert plan.backfill_ranges == [OffsetRange(0, 3, 9)]
        assert plan.new_checkpoints == {0: 9, 1: 40}
        assert OffsetChange(1, None, 40) in plan.changes

    def test_union_of_backfill_and_new_position_covers_every_offset_once(self):
        checkpoints, earliest, latest = {0: 5, 1: 90, 2: 0}, {0: 0, 1: 0, 2: 0}, {0: 60, 1: 80, 2: 33}
        plan = plan_backfill((0, 1, 2), checkpoints, earliest, latest)
        for p in (0, 1, 2):
            ranges = [r for r in plan.backfill_ranges if r.partition == p]
            covered = set().union(*(range(r.start, r.end) for r in ranges)) if ranges else set()
            # Published before (< checkpoint) + backfill + live from the new checkpoint = contiguous, no overlap.
            assert covered == set(range(checkpoints[p], max(checkpoints[p], latest[p])))
            assert plan.new_checkpoints[p] == max(checkpoints[p], latest[p])


class TestResets:
    def test_hard_reset_clears_unbounded_and_rewinds_bounded(self):
        plan = plan_hard_reset(make(), {0: 4, 2: 9})
        assert plan.new_checkpoints == {0: None, 1: None, 2: None}
        assert plan.changes == [OffsetChange(0, 4, None), OffsetChange(2, 9, None)]
        bounded = make(bounded=[OffsetRange(0, 3, 10)], partitions=(0,))
        assert plan_hard_reset(bounded, {0: 8}).new_checkpoints == {0: 3}

    def test_offset_reset_accepts_the_inclusive_bounds(self):
        plan = plan_offset_reset(make(), {0: 4}, {0: 0, 1: 100}, {0: 0, 1: 0}, {0: 50, 1: 100},
                                 {0: "targets[0].offset", 1: "targets[1].offset"})
        assert plan.new_checkpoints == {0: 0, 1: 100}
        assert plan.changes == [OffsetChange(0, 4, 0), OffsetChange(1, None, 100)]

    @pytest.mark.parametrize("offset", [-1, 4, 51])
    def test_offset_reset_outside_the_stream_is_rejected_naming_the_partition(self, offset):
        with pytest.raises(InvalidArgument) as e:
            plan_offset_reset(make(), {}, {1: offset}, {1: 5}, {1: 50}, {1: "targets[0].offset"})
        assert e.value.reason == "OFFSET_OUT_OF_RANGE"
        assert e.value.violations[0].field == "targets[0].offset"
        assert e.value.metadata["partition"] == "1"

    def test_offset_reset_of_a_bounded_supervisor_stays_inside_the_bound(self):
        bounded = make(bounded=[OffsetRange(0, 10, 20)], partitions=(0,))
        with pytest.raises(InvalidArgument):
            plan_offset_reset(bounded, {}, {0: 25}, {0: 0}, {0: 100}, {0: "f"})


class TestCommit:
    def test_accepts_a_range_from_the_checkpoint(self):
        assert validate_commit(make(), 5, [OffsetRange(0, 10, 20), OffsetRange(1, 0, 3)], {0: 10, 1: 0}) == {
            0: 20, 1: 3}

    def test_accepts_a_first_commit_from_the_leased_start(self):
        assert validate_commit(make(), 5, [OffsetRange(0, 7, 9)], {}, task_starts={0: 7}) == {0: 9}

    def test_rejects_another_generation(self):
        with pytest.raises(Conflict) as e:
            validate_commit(make(), 4, [OffsetRange(0, 10, 20)], {0: 10})
        assert e.value.reason == "GENERATION_MISMATCH" and e.value.metadata["supervisor_generation"] == "5"

    @pytest.mark.parametrize("start", [9, 11])
    def test_rejects_a_gap_or_an_overlap(self, start):
        with pytest.raises(Conflict) as e:
            validate_commit(make(), 5, [OffsetRange(0, start, 30)], {0: 10})
        assert e.value.reason == "CHECKPOINT_MISMATCH" and e.value.metadata["checkpoint"] == "10"

    def test_one_bad_partition_rejects_the_whole_commit(self):
        with pytest.raises(Conflict):
            validate_commit(make(), 5, [OffsetRange(0, 10, 20), OffsetRange(1, 4, 8)], {0: 10, 1: 5})

    def test_rejects_without_checkpoint_or_leased_start(self):
        with pytest.raises(Conflict):
            validate_commit(make(), 5, [OffsetRange(0, 0, 5)], {})

    def test_rejects_past_the_bound(self):
        bounded = make(bounded=[OffsetRange(0, 10, 20)], partitions=(0,))
        with pytest.raises(InvalidArgument) as e:
            validate_commit(bounded, 5, [OffsetRange(0, 10, 21)], {0: 10})
        assert e.value.reason == "RANGE_PAST_BOUND" and e.value.metadata["bound"] == "20"

    @pytest.mark.parametrize("ranges, field", [
        ([], "ranges"),
        ([OffsetRange(0, 10, 5)], "ranges[0].end_offset"),
        ([OffsetRange(0, -2, 5)], "ranges[0].start_offset"),
        ([OffsetRange(7, 0, 5)], "ranges[0].partition"),
        ([OffsetRange(0, 10, 12), OffsetRange(0, 12, 14)], "ranges[1].partition"),
    ])
    def test_rejects_malformed_ranges(self, ranges, field):
        with pytest.raises(InvalidArgument) as e:
            validate_commit(make(), 5, ranges, {0: 10})
        assert field in [v.field for v in e.value.violations]

    def test_rejects_commits_to_finished_supervisors(self):
        with pytest.raises(FailedPrecondition):
            validate_commit(make(state=SupervisorState.TERMINATED), 5, [OffsetRange(0, 10, 12)], {0: 10})


def test_lag_uses_the_start_rule_when_there_is_no_checkpoint():
    view = offsets_view(make(partitions=(0, 1)), {0: 40}, {0: 0, 1: 10}, {0: 100, 1: 30})
    assert [r.lag for r in view.partitions] == [60, 0]
    view = offsets_view(make(partitions=(0, 1), earliest=True), {0: 40}, {0: 0, 1: 10}, {0: 100, 1: 30})
    assert [r.lag for r in view.partitions] == [60, 20] and view.total_lag == 80


def test_bounded_progress():
    bounded = make(bounded=[OffsetRange(0, 10, 20), OffsetRange(1, 0, 5)], partitions=(0, 1))
    view = offsets_view(bounded, {0: 15, 1: 0}, {0: 0, 1: 0}, {0: 99, 1: 99})
    assert (view.bounded_done, view.bounded_total, view.total_lag) == (5, 15, 10)


class TestCheckpointFaults:
    """A checkpoint beyond latest (topic recreated or truncated) is a fault, never lag 0."""

    def test_only_checkpoints_past_latest_are_faults(self):
        from streamvisor.domain.offsets import CheckpointFault, checkpoint_faults

        faults = checkpoint_faults((0, 1, 2, 3), {0: 10, 1: 5, 2: 6}, {0: 3, 1: 5, 2: 9, 3: 0})
        assert faults == [CheckpointFault(0, 10, 3)]  # at latest is caught up; no checkpoint is no fault

    def test_offsets_view_flags_the_partition_and_counts_no_lag_for_it(self):
        view = offsets_view(make(), {0: 10, 1: 2}, {0: 0, 1: 0, 2: 0}, {0: 3, 1: 8, 2: 4})
        assert [(r.partition, r.lag, r.beyond_latest) for r in view.partitions] == [
            (0, 0, True), (1, 6, False), (2, 0, False)]
        assert [(f.partition, f.checkpoint, f.latest) for f in view.faults] == [(0, 10, 3)]

    def test_a_bounded_supervisor_past_latest_is_flagged_too(self):
        view = offsets_view(make(bounded=(OffsetRange(0, 0, 20),), partitions=(0,)), {0: 12}, {0: 0}, {0: 2})
        assert view.partitions[0].beyond_latest and view.faults

    def test_the_detail_names_the_partitions_and_stays_short(self):
        from streamvisor.domain.offsets import CheckpointFault, fault_detail

        detail = fault_detail([CheckpointFault(p, 100 + p, 0) for p in range(40)])
        assert detail.startswith("CHECKPOINT_BEYOND_LATEST: partition 0 checkpoint 100 > latest 0")
        assert detail.endswith("and 35 more") and len(detail) < 255  # state_detail is a VARCHAR(255)

    def test_the_error_carries_its_reason_and_the_first_partition(self):
        from streamvisor.domain.offsets import CheckpointFault, checkpoint_beyond_latest_error

        error = checkpoint_beyond_latest_error("s", [CheckpointFault(3, 9, 1), CheckpointFault(1, 7, 0)])
        assert isinstance(error, FailedPrecondition) and error.reason == "CHECKPOINT_BEYOND_LATEST"
        assert error.metadata == {"supervisor_id": "s", "partitions": "1,3", "partition": "1", "checkpoint": "7",
                                  "latest": "0"}


class TestOffsetResetCodes:
    """AIP-193: OUT_OF_RANGE when waiting can fix the request, INVALID_ARGUMENT when it cannot."""

    def test_past_latest_is_out_of_range(self):
        from streamvisor.domain.errors import OutOfRange

        with pytest.raises(OutOfRange) as info:
            plan_offset_reset(make(), {}, {0: 11}, {0: 0}, {0: 10}, {0: "targets[0].offset"})
        assert info.value.reason == "OFFSET_OUT_OF_RANGE"

    def test_below_earliest_is_invalid(self):
        from streamvisor.domain.errors import OutOfRange

        with pytest.raises(InvalidArgument) as info:
            plan_offset_reset(make(), {}, {0: 2, 1: 20}, {0: 5, 1: 0}, {0: 10, 1: 10},
                              {0: "targets[0].offset", 1: "targets[1].offset"})
        assert not isinstance(info.value, OutOfRange)  # one target waiting cannot fix: the whole is invalid

    def test_past_a_bound_is_invalid_even_when_past_latest(self):
        from streamvisor.domain.errors import OutOfRange

        with pytest.raises(InvalidArgument) as info:
            plan_offset_reset(make(bounded=(OffsetRange(0, 0, 5),), partitions=(0,)), {}, {0: 8}, {0: 0}, {0: 3},
                              {0: "targets[0].offset"})
        assert not isinstance(info.value, OutOfRange)


class TestBoundedCompletion:
    def test_all_empty_ranges_are_complete_at_their_starts(self):
        spec = make(bounded=(OffsetRange(0, 4, 4), OffsetRange(1, 0, 0))).spec
        assert spec.is_complete({0: 4, 1: 0})

    def test_a_range_left_to_read_is_not_complete(self):
        spec = make(bounded=(OffsetRange(0, 4, 4), OffsetRange(1, 0, 1))).spec
        assert not spec.is_complete({0: 4, 1: 0}) and spec.is_complete({0: 4, 1: 1})

    def test_an_unbounded_spec_is_never_complete(self):
        assert not make().spec.is_complete({})
