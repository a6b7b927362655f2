"""The maintained coverage rows on both databases: what commits write through the store equals what the
pure fold (domain.coverage.absorb_into) keeps, and GetCoverage's answer equals the batch coverage() over
every segment - for CAS-shaped histories with resets back and forth, multi-partition commits and a backfill
committing under its own row lock."""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timezone

from streamvisor.domain.coverage import absorb_into, coverage
from streamvisor.domain.model import OffsetRange, StreamType, Supervisor, SupervisorSpec, SupervisorState
from streamvisor.domain.ports import Segment
from streamvisor.store.engine import create_store_engine, migrate
from streamvisor.store.sql import SqlMetadataStore

NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)


def _supervisor(sid: str, parent: str | None) -> Supervisor:
    spec = SupervisorSpec(stream_type=StreamType.KAFKA, stream="t", consumer_properties={}, task_count=1)
    return Supervisor(id=sid, spec=spec, state=SupervisorState.RUNNING, generation=1, version=1,
                      partitions=(0, 1, 2), create_time=NOW, update_time=NOW, backfill_of=parent)


def test_rows_written_by_commits_match_the_fold_and_the_batch_coverage(database_url):
    engine = create_store_engine(database_url)
    migrate(engine)
    store = SqlMetadataStore(engine)
    owners = ["main", "main_backfill_a", "main_backfill_a_backfill_b"]
    with store.transaction() as tx:
        for sid, parent in zip(owners, [None] + owners[:-1]):
            tx.insert_supervisor(_supervisor(sid, parent))
    rng = random.Random(13)
    checkpoints = {(o, p): rng.randrange(0, 50) for o in owners for p in range(3)}
    folded: dict[tuple[str, int], list[OffsetRange]] = defaultdict(list)
    try:
        for n in range(300):
            owner = rng.choice(owners)
            ranges = []
            for p in rng.sample(range(3), rng.randint(1, 3)):
                if rng.random() < 0.08:  # a reset: back (an overlap) or forward (a gap)
                    checkpoints[(owner, p)] = rng.randrange(0, 400)
                start = checkpoints[(owner, p)]
                checkpoints[(owner, p)] = start + rng.randrange(0, 12)
                ranges.append(OffsetRange(p, start, checkpoints[(owner, p)]))
            with store.transaction() as tx:
                tx.get_supervisor(owner, lock=True)
                tx.insert_segment(Segment(owner, "t", 1, tuple(ranges), f"file:///{n}", 0, NOW))
                tx.add_published_ranges(owner, ranges)
            for r in ranges:
                folded[(owner, r.partition)] = absorb_into(folded[(owner, r.partition)], r)
        with store.read() as tx:
            rows = tx.list_published_ranges(owners)
            every = [(r, s.supervisor_id) for s in tx.list_segments(owners) for r in s.ranges]
        stored = defaultdict(list)
        for r, sid in rows:
            stored[(sid, r.partition)].append(r)
        assert {k: sorted(v) for k, v in stored.items()} == {k: sorted(v) for k, v in folded.items()}
        assert len(rows) < len(every) / 2  # the point: fewer rows than segments
        kept, batch = coverage(rows), coverage(every)
        assert [(c.partition, c.published, c.gaps, c.published_offsets) for c in kept] == [
            (c.partition, c.published, c.gaps, c.published_offsets) for c in batch]
        assert [sum(o.range.size for o in c.overlaps) for c in kept] == [
            sum(o.range.size for o in c.overlaps) for c in batch]
        assert any(c.overlaps for c in batch) and any(c.gaps for c in batch)  # the history exercised both
    finally:
        engine.dispose()
