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
        """From the published-range rows every commit maintains and unrecoverable-range rows only: never
        from a worker's word, never from the audit trail (whose details are for people)."""
        require_valid_id(supervisor_id)
        with self.core.store.read() as tx:
            self.core.require(tx, supervisor_id)
            ids = self.core.family(tx, supervisor_id)
            # The rows commits maintain (DESIGN.md, "Cost"): as many as the family has runs of published
            # offsets, not as many as it has segments.
            published = tx.list_published_ranges(ids)
            lost = tx.list_unrecoverable_ranges(ids)
        return ids, coverage_of(published), sorted(lost)
