"""Shard lineage rules (domain.lineage): leasing order, reset-to-latest-and-backfill on a resharded
stream, what retention took. The stream below: shard 0 split into 2 and 3; 3 merged with 1 into 4.

      0 ──┬── 2 (open)
          └── 3 ──┐
      1 ──────────┴── 4 (open)
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from streamvisor.domain.lineage import (
    Shard, ShardExtent, ShardRange, Unrecoverable, descendants, finished_shards, leasable, plan_reset_to_latest,
    lineage_backfill, lineage_offsets_view, reading_set, topological_order, untrimmed_shards,
)

BIG = 49680753293727183614358907412238618074341832428624019458  # a real 56-digit sequence number


def stream() -> dict[str, Shard]:
    shards = [
        Shard("s0", (), BIG, closed=True),
        Shard("s1", (), BIG + 10_000, closed=True),
        Shard("s2", ("s0",), BIG + 20_000, closed=False),
        Shard("s3", ("s0",), BIG + 30_000, closed=True),
        Shard("s4", ("s3", "s1"), BIG + 40_000, closed=False),
    ]
    return {s.id: s for s in shards}


def extents(**overrides: ShardExtent) -> dict[str, ShardExtent]:
    shards = stream()
    # Each shard holds records up to start + 900; the open shards' reset points are their ends.
    base = {s: ShardExtent(earliest=shard.start, end=shard.start + 900) for s, shard in shards.items()}
    base.update(overrides)
    return base


def test_topological_order_puts_parents_first_and_is_stable():
    order = topological_order(stream())
    assert order == ["s0", "s1", "s2", "s3", "s4"]
    for s, shard in stream().items():
        assert all(order.index(p) < order.index(s) for p in shard.parents)


def test_a_cycle_is_refused():
    cyclic = {"a": Shard("a", ("b",), 0, True), "b": Shard("b", ("a",), 0, True)}
    with pytest.raises(ValueError, match="cycle"):
        topological_order(cyclic)


def test_descendants_follow_splits_and_merges():
    assert descendants(stream(), ["s0"]) == {"s2", "s3", "s4"}
    assert descendants(stream(), ["s1"]) == {"s4"}
    assert descendants(stream(), ["s2"]) == set()


def test_a_child_is_leasable_only_after_all_its_parents_finished():
    shards = stream()
    assert leasable(shards, finished=[]) == ["s0", "s1"]
    assert leasable(shards, finished=["s0"]) == ["s1", "s2", "s3"]
    # s4's parents are s3 and s1: one finished parent is not enough.
    assert "s4" not in leasable(shards, finished=["s0", "s3"])
    assert "s4" not in leasable(shards, finished=["s0", "s1"])
    assert leasable(shards, finished=["s0", "s1", "s3"]) == ["s2", "s4"]


def test_a_parent_that_left_the_listing_does_not_block_its_children():
    shards = stream()
    del shards["s0"]  # expired: Kinesis lists a closed shard only for the retention period
    assert leasable(shards, finished=[]) == ["s1", "s2", "s3"]


def test_finished_means_closed_and_read_to_the_end():
    shards, ext = stream(), extents()
    checkpoints = {"s0": ext["s0"].end, "s1": ext["s1"].end - 1, "s2": ext["s2"].end}
    # s2 is at its reset point but open: more may come, it is never finished.
    assert finished_shards(shards, ext, checkpoints) == {"s0"}


def test_reset_on_a_resharded_stream_backfills_checkpoints_to_ends_and_descendants_from_their_starts():
    shards, ext = stream(), extents()
    # The live supervisor was still in the parents: s0 at +100, s1 at +500 (nothing of the children read).
    checkpoints = {"s0": BIG + 100, "s1": BIG + 10_500}
    plan = plan_reset_to_latest(shards, ext, checkpoints)
    assert plan.restart == {"s2": ext["s2"].end, "s4": ext["s4"].end}
    assert plan.backfill == (
        ShardRange("s0", BIG + 100, ext["s0"].end),
        ShardRange("s1", BIG + 10_500, ext["s1"].end),
        ShardRange("s2", shards["s2"].start, ext["s2"].end),  # open: to the reset point, exactly
        ShardRange("s3", shards["s3"].start, ext["s3"].end),
        ShardRange("s4", shards["s4"].start, ext["s4"].end),
    )
    assert plan.backfill_parents == {"s0": (), "s1": (), "s2": ("s0",), "s3": ("s0",), "s4": ("s3", "s1")}
    assert plan.unrecoverable == () and plan.uncovered == () and plan.beyond_end == ()
    # Parents before children in the backfill, and the live supervisor starts exactly where it ends.
    order = [r.shard for r in plan.backfill]
    for r in plan.backfill:
        assert all(order.index(p) < order.index(r.shard) for p in plan.backfill_parents[r.shard])
    for s, point in plan.restart.items():
        assert next(r for r in plan.backfill if r.shard == s).end == point


def test_checkpoints_on_children_win_over_their_starts_and_finished_shards_add_nothing():
    shards, ext = stream(), extents()
    checkpoints = {"s0": ext["s0"].end, "s1": BIG + 10_200, "s2": BIG + 20_300, "s3": ext["s3"].end}
    plan = plan_reset_to_latest(shards, ext, checkpoints)
    assert plan.backfill == (
        ShardRange("s1", BIG + 10_200, ext["s1"].end),
        ShardRange("s2", BIG + 20_300, ext["s2"].end),
        ShardRange("s4", shards["s4"].start, ext["s4"].end),
    )
    # s3 is done: s4 waits only for s1 inside the backfill.
    assert plan.backfill_parents["s4"] == ("s1",)


def test_a_live_supervisor_ahead_of_the_reset_point_is_never_moved_back():
    shards, ext = stream(), extents()
    checkpoints = {"s2": ext["s2"].end + 5}
    plan = plan_reset_to_latest(shards, ext, checkpoints)
    assert plan.beyond_end == ("s2",)
    assert plan.restart["s2"] == ext["s2"].end + 5


def test_an_open_shard_outside_the_supervisors_lineage_is_reported_uncovered():
    shards, ext = stream(), extents()
    plan = plan_reset_to_latest(shards, ext, {"s1": BIG + 10_000})
    assert plan.uncovered == ("s2",)  # descends from s0, which the supervisor never checkpointed
    assert plan.restart == {"s2": ext["s2"].end, "s4": ext["s4"].end}
    assert [r.shard for r in plan.backfill] == ["s1", "s4"]


def test_what_retention_took_is_unrecoverable_and_the_range_starts_after_it():
    shards = stream()
    ext = extents(s0=ShardExtent(earliest=BIG + 400, end=BIG + 900, expired=True),
                  s3=ShardExtent(earliest=BIG + 30_050, end=BIG + 30_900, expired=True))
    plan = plan_reset_to_latest(shards, ext, {"s0": BIG + 100, "s1": BIG + 10_000})
    assert plan.unrecoverable == (Unrecoverable("s0", BIG + 100, BIG + 400),
                                  Unrecoverable("s3", BIG + 30_000, BIG + 30_050))
    assert ShardRange("s0", BIG + 400, BIG + 900) in plan.backfill
    assert ShardRange("s3", BIG + 30_050, BIG + 30_900) in plan.backfill


def test_a_checkpointed_shard_gone_from_the_listing_is_unrecoverable_from_its_checkpoint():
    shards = stream()
    del shards["s0"]
    ext = extents()
    del ext["s0"]
    plan = plan_reset_to_latest(shards, ext, {"s0": BIG + 100, "s1": BIG + 10_000})
    assert plan.unrecoverable == (Unrecoverable("s0", BIG + 100, None),)
    # Its children are still backfilled from their starts: they descend from a checkpointed shard.
    assert [r.shard for r in plan.backfill] == ["s1", "s2", "s3", "s4"]


def test_every_extent_is_needed():
    ext = extents()
    del ext["s4"]
    with pytest.raises(ValueError, match="s4"):
        plan_reset_to_latest(stream(), ext, {"s0": BIG})


def test_untrimmed_shards_by_stream_age_and_by_their_parents_records():
    now = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)
    retention = timedelta(hours=24)
    shards = stream()
    young_stream = now - timedelta(hours=2)
    assert untrimmed_shards(shards, young_stream, {}, now, retention) == set(shards)
    old_stream = now - timedelta(days=30)
    assert untrimmed_shards(shards, old_stream, {}, now, retention) == set()
    # s0's last record arrived an hour ago: its children's records are all younger, so nothing of s2 and
    # s3 expired, nor of s4 (a child of s3); s0 itself and s1 may have lost records.
    arrivals = {"s0": now - timedelta(hours=1)}
    assert untrimmed_shards(shards, old_stream, arrivals, now, retention) == {"s2", "s3", "s4"}
    # A parent's record that is itself almost as old as the retention period proves nothing.
    arrivals = {"s0": now - retention + timedelta(minutes=1)}
    assert untrimmed_shards(shards, old_stream, arrivals, now, retention) == set()


def numbered() -> dict[int, Shard]:
    """stream() as the control plane sees it: shard numbers (shardId-00000000000N is N)."""
    return {int(s[1:]): Shard(int(s[1:]), tuple(int(p[1:]) for p in shard.parents), shard.start, shard.closed)
            for s, shard in stream().items()}


ENDS = {n: shard.start + 900 for n, shard in numbered().items() if shard.closed}


def test_a_new_supervisor_from_the_latest_reads_the_open_shards_only():
    found = reading_set(numbered(), ENDS, {}, from_earliest=False)
    assert found.partitions == (2, 4) and found.starts == {}  # the scheduler resolves both at the latest


def test_a_new_supervisor_from_the_earliest_starts_at_the_roots():
    assert reading_set(numbered(), ENDS, {}, from_earliest=True).partitions == (0, 1)


def test_children_join_only_when_their_parents_checkpoints_reach_the_ends_and_start_at_their_start():
    shards = numbered()
    cps = {0: BIG + 500, 1: BIG + 10_000 + 900}  # 0 is half read, 1 is read to its end
    assert reading_set(shards, ENDS, cps, from_earliest=True).partitions == (0,)  # 4 waits for 3 too
    cps[0] = BIG + 900  # 0 finished: its children 2 and 3 join, from their starts
    found = reading_set(shards, ENDS, cps, from_earliest=False)
    assert found.partitions == (2, 3) and found.starts == {2: shards[2].start, 3: shards[3].start}
    cps.update({2: shards[2].start + 10, 3: shards[3].start + 900})  # 3 finished: the merge child joins
    found = reading_set(shards, ENDS, cps, from_earliest=False)
    assert found.partitions == (2, 4) and found.starts == {4: shards[4].start}


def test_a_closed_shard_that_is_half_read_blocks_its_children_even_from_the_latest():
    # From the latest, closed shards nobody checkpointed are skipped - but not a descendant of one that was.
    cps = {0: BIG + 500}
    assert reading_set(numbered(), ENDS, cps, from_earliest=False).partitions == (0,)


def test_an_expired_parent_does_not_block_and_is_reported():
    shards = {n: s for n, s in numbered().items() if n != 3}  # 3 left the listing, checkpointed
    found = reading_set(shards, ENDS, {1: BIG + 10_900, 3: BIG + 30_100, 2: BIG + 20_000}, from_earliest=False)
    assert 4 in found.partitions and found.expired_parents == (3,)


def test_a_backfill_reads_its_bounded_shards_parents_first():
    shards = numbered()
    bounds = {0: BIG + 900, 2: BIG + 20_400, 3: BIG + 30_900}
    cps = {0: BIG + 100, 2: shards[2].start, 3: shards[3].start}
    assert reading_set(shards, ENDS, cps, True, bounds).partitions == (0,)
    cps[0] = BIG + 900
    assert reading_set(shards, ENDS, cps, True, bounds).partitions == (2, 3)
    cps.update({2: BIG + 20_400, 3: BIG + 30_900})
    assert reading_set(shards, ENDS, cps, True, bounds).partitions == ()


def numbered_extents(**overrides: ShardExtent) -> dict[int, ShardExtent]:
    return {int(s[1:]): e for s, e in extents(**{f"s{k[1:]}": v for k, v in overrides.items()}).items()}


def test_reset_to_latest_hands_the_closed_shards_to_the_backfill_and_restarts_on_the_open_ones():
    shards, ext = numbered(), numbered_extents()
    planned = lineage_backfill(shards, ext, {0: BIG + 100, 1: BIG + 10_000})
    assert planned.live_partitions == (2, 4) and planned.backfill_partitions == (0, 1)
    assert planned.plan.new_checkpoints == {p: ext[p].end for p in range(5)}  # closed: finished for the live one
    assert [(r.partition, r.start, r.end) for r in planned.plan.backfill_ranges] == [
        (0, BIG + 100, ext[0].end), (1, BIG + 10_000, ext[1].end),
        *[(p, shards[p].start, ext[p].end) for p in (2, 3, 4)]]
    assert planned.plan.unrecoverable_ranges == [] and planned.gone == () and planned.beyond_end == ()


def test_a_checkpointed_shard_that_left_the_listing_is_unrecoverable_and_dropped():
    shards = {n: s for n, s in numbered().items() if n != 1}
    ext = {n: e for n, e in numbered_extents().items() if n != 1}
    planned = lineage_backfill(shards, ext, {0: BIG + 900, 1: BIG + 10_100})
    assert planned.gone == (1,) and planned.plan.new_checkpoints[1] is None
    assert [(r.partition, r.start, r.end) for r in planned.plan.unrecoverable_ranges] == [(1, BIG + 10_100,
                                                                                          BIG + 10_100)]


def test_a_checkpoint_past_a_shards_end_is_beyond_end():
    assert lineage_backfill(numbered(), numbered_extents(), {0: BIG + 5_000}).beyond_end == (0,)


def test_offsets_view_lists_every_shard_with_lineage_and_lag_zero():
    shards = {n: s for n, s in numbered().items() if n != 1}
    ext = {n: e for n, e in numbered_extents().items() if n != 1}
    ext[2] = ShardExtent(earliest=BIG + 20_500, end=BIG + 20_900, expired=True)
    view = lineage_offsets_view(None, False, {0: BIG + 900, 1: BIG + 10_100, 2: BIG + 20_600}, shards, ext)
    rows = {r.partition: r for r in view.partitions}
    assert sorted(rows) == [0, 1, 2, 3, 4] and view.total_lag == 0
    assert rows[1].expired and rows[1].closed and rows[1].earliest == rows[1].latest == BIG + 10_100
    assert rows[2].expired and rows[2].behind and rows[2].parents == (0,) and rows[2].lag == 0
    assert not rows[0].behind and rows[4].parents == (3, 1) and not rows[4].behind  # no checkpoint: from the end
