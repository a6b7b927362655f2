"""Coverage: per partition, what a supervisor and all its backfills published, with gaps, overlaps and the
ranges retention deleted before a backfill could read them - the "nothing lost, nothing twice" check."""
from __future__ import annotations

from streamvisor.app.core import Core
from streamvisor.domain.coverage import PartitionCoverage
from streamvisor.domain.coverage import coverage as coverage_of
from streamvisor.domain.model import OffsetRange, require_valid_id


class Coverage:
    def __init__(self, core: Core):
        self.core = core

    def coverage(self, supervisor_id: str) -> tuple[list[str], list[PartitionCoverage], list[OffsetRange]]:
        """From segment rows and unrecoverable-range rows only: never from a worker's word, never from the
        audit trail (whose details are for people)."""
        require_valid_id(supervisor_id)
        with self.core.store.read() as tx:
            self.core.require(tx, supervisor_id)
            ids, frontier = [supervisor_id], [supervisor_id]
            while frontier:
                children = [b.id for parent in frontier for b in tx.list_backfills(parent)]
                ids += children
                frontier = children
            segments = tx.list_segments(ids)
            lost = tx.list_unrecoverable_ranges(ids)
        published = [(r, s.supervisor_id) for s in segments for r in s.ranges]
        return ids, coverage_of(published), sorted(lost)
