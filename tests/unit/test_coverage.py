"""Coverage, batch and maintained: the batch coverage() over every segment (what GetCoverage computed
before issue 13) and the same function over the rows that commits maintain with absorb() must agree on
everything the product promises: per partition the published union, the gaps, published_offsets, and the
overlaps - which offsets were published more than once, how many times and by whom. (Only how an overlap
is cut into rows may differ: the rows no longer know where segment boundaries fell inside a merged run.)"""
from __future__ import annotations

from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from streamvisor.domain.coverage import Overlap, absorb, absorb_into, coverage
from streamvisor.domain.model import OffsetRange

OWNERS = ("main", "main_backfill_a", "main_backfill_b")


def R(start: int, end: int, partition: int = 0) -> OffsetRange:
    return OffsetRange(partition, start, end)


def maintained(published: list[tuple[OffsetRange, str]]) -> list[tuple[OffsetRange, str]]:
    """What the commits maintain, in commit order, read back in row order as the store reads it."""
    rows: dict[tuple[str, int], list[OffsetRange]] = defaultdict(list)
    for r, owner in published:
        rows[(owner, r.partition)] = absorb_into(rows[(owner, r.partition)], r)
    return [(r, owner) for (owner, _), ranges in rows.items() for r in ranges]


def overlap_profile(overlaps: list[Overlap]) -> dict[int, tuple[int, frozenset[str]]]:
    """Per offset: in how many overlap rows it is (= times published - 1) and which supervisors they name."""
    count: dict[int, int] = defaultdict(int)
    names: dict[int, set[str]] = defaultdict(set)
    for o in overlaps:
        for offset in range(o.range.start, o.range.end):
            count[offset] += 1
            names[offset].update(o.supervisor_ids)
    return {offset: (count[offset], frozenset(names[offset])) for offset in count}


def assert_same_coverage(published: list[tuple[OffsetRange, str]]) -> None:
    batch, kept = coverage(published), coverage(maintained(published))
    assert [c.partition for c in kept] == [c.partition for c in batch]
    for b, k in zip(batch, kept):
        assert (k.published, k.gaps, k.published_offsets) == (b.published, b.gaps, b.published_offsets)
        assert sum(o.range.size for o in k.overlaps) == sum(o.range.size for o in b.overlaps)
        assert overlap_profile(k.overlaps) == overlap_profile(b.overlaps)
        if not b.overlaps:
            assert k.overlaps == []


# Examples ------------------------------------------------------------------------------------------------
def test_contiguous_commits_keep_one_row():
    rows: list[OffsetRange] = []
    for start in range(0, 1000, 10):
        rows = absorb_into(rows, R(start, start + 10))
    assert rows == [R(0, 1000)]


def test_a_range_filling_a_hole_joins_both_sides_into_one_row():
    rows = absorb_into(absorb_into([], R(0, 10)), R(20, 30))
    assert absorb_into(rows, R(10, 20)) == [R(0, 30)]


def test_an_overlapping_range_stays_a_row_of_its_own():
    rows = absorb_into([], R(0, 20))
    assert absorb_into(rows, R(5, 12)) == [R(0, 20), R(5, 12)]
    # ... and the run it starts grows on its own, still reported as an overlap.
    assert absorb_into(absorb_into(rows, R(5, 12)), R(12, 30)) == [R(0, 20), R(5, 30)]


def test_an_empty_range_lists_its_partition_once():
    rows = absorb_into([], R(5, 5))
    assert absorb_into(rows, R(5, 5)) == [R(5, 5)]
    assert absorb_into(rows, R(5, 9)) == [R(5, 9)]  # the empty row is merged away
    assert coverage([(R(5, 5), "main")])[0].published == []


def test_absorb_names_the_rows_to_change():
    change = absorb([("a", R(0, 10)), ("b", R(20, 30))], R(10, 20))
    assert (change.update, change.delete, change.insert) == (("a", R(0, 30)), "b", None)
    assert absorb([("b", R(20, 30))], R(10, 20)).update == ("b", R(10, 30))
    assert absorb([], R(10, 20)).insert == R(10, 20)
    assert absorb([("x", R(10, 20, partition=1))], R(0, 10)).insert == R(0, 10)  # another partition


def test_a_reset_to_latest_and_backfill_reads_as_one_gap_free_run():
    published = [(R(0, 40), "main"), (R(100, 150), "main"), (R(40, 70), "main_backfill_a"),
                 (R(70, 100), "main_backfill_a")]
    [c] = coverage(maintained(published))
    assert (c.published, c.gaps, c.overlaps, c.published_offsets) == ([R(0, 150)], [], [], 150)


def test_an_overlap_cut_at_a_segment_boundary_is_one_row_with_the_same_offsets():
    # main published [0,10) [10,20), was reset back to 5 and published [5,15) again.
    published = [(R(0, 10), "main"), (R(10, 20), "main"), (R(5, 15), "main")]
    assert coverage(published)[0].overlaps == [Overlap(R(5, 10), ("main", "main")),
                                               Overlap(R(10, 15), ("main", "main"))]
    assert coverage(maintained(published))[0].overlaps == [Overlap(R(5, 15), ("main", "main"))]
    assert_same_coverage(published)


# Properties ----------------------------------------------------------------------------------------------
ranges = st.builds(lambda p, start, size: OffsetRange(p, start, start + size),
                   st.integers(0, 2), st.integers(0, 60), st.integers(0, 12))
published_lists = st.lists(st.tuples(ranges, st.sampled_from(OWNERS)), max_size=40)


@settings(max_examples=400, deadline=None)
@given(published_lists)
def test_maintained_rows_give_the_batch_coverage_for_any_commits(published):
    """Any ranges, any owners, any order: overlaps, holes filled later, empty ranges, commits out of order."""
    assert_same_coverage(published)


@st.composite
def supervised_histories(draw):
    """What the CAS lets happen: each supervisor publishes consecutive ranges from its checkpoint; resets
    move a checkpoint anywhere (back: overlaps; forward: gaps); the supervisors' commits interleave."""
    checkpoints = {(o, p): draw(st.integers(0, 30)) for o in OWNERS for p in range(2)}
    published = []
    for _ in range(draw(st.integers(0, 60))):
        owner, partition = draw(st.sampled_from(OWNERS)), draw(st.integers(0, 1))
        if draw(st.integers(0, 9)) == 0:
            checkpoints[(owner, partition)] = draw(st.integers(0, 80))
        start = checkpoints[(owner, partition)]
        end = start + draw(st.integers(0, 10))
        published.append((OffsetRange(partition, start, end), owner))
        checkpoints[(owner, partition)] = end
    return published


@settings(max_examples=400, deadline=None)
@given(supervised_histories())
def test_maintained_rows_give_the_batch_coverage_for_cas_histories(published):
    assert_same_coverage(published)


@settings(max_examples=200, deadline=None)
@given(supervised_histories())
def test_rows_stay_few_without_resets(published):
    """One row per supervisor and partition, plus at most one per reset that moved its checkpoint: however
    many commits landed."""
    rows = maintained(published)
    runs = {(o, r.partition) for r, o in published}
    assert len(rows) <= len(runs) + _jumps(published)


def _jumps(published) -> int:
    """Commits that did not start where their supervisor's previous commit on that partition ended."""
    last: dict[tuple[str, int], int] = {}
    jumps = 0
    for r, owner in published:
        key = (owner, r.partition)
        if key in last and last[key] != r.start:
            jumps += 1
        last[key] = r.end
    return jumps
