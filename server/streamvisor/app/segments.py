"""ListSegments: the published segments of a supervisor or of its family, paginated and filtered. What a
reader of the destination may rely on is defined by this list: a segment is ingested if and only if it is
here (the sinks make the destination hold exactly these)."""
from __future__ import annotations

from streamvisor.app.core import Core
from streamvisor.domain import pagination
from streamvisor.domain.errors import FieldViolation, InvalidArgument, Violations
from streamvisor.domain.model import validate_supervisor_id
from streamvisor.domain.ports import Segment, SegmentFilter

# As CommitCheckpoint's location: a longer one cannot be a published segment's.
MAX_LOCATION_BYTES = 2048


def check_filter(filters: SegmentFilter, violations: Violations) -> None:
    if filters.partition is not None and filters.partition < 0:
        violations.add("partition", f"must be >= 0, got {filters.partition}")
    for field, value in (("start_offset", filters.start), ("end_offset", filters.end)):
        if value is not None and value < 0:
            violations.add(field, f"must be >= 0, got {value}")
    if filters.start is not None and filters.end is not None and filters.start > filters.end:
        violations.add("end_offset", f"must be >= start_offset ({filters.start}), got {filters.end}")
    if len(filters.location.encode()) > MAX_LOCATION_BYTES:
        violations.add("location", f"must be at most {MAX_LOCATION_BYTES} bytes in UTF-8, "
                                   f"got {len(filters.location.encode())}")


class Segments:
    def __init__(self, core: Core):
        self.core = core

    def list(self, supervisor_id: str, include_backfills: bool, page_size: int, page_token: str,
             filters: SegmentFilter | None = None) -> tuple[list[Segment], str]:
        """Keyset pagination on the segment id (never OFFSET): a page costs what it holds, not the history
        before it."""
        filters = filters or SegmentFilter()
        v = Violations()
        validate_supervisor_id(supervisor_id, "supervisor_id", v)
        check_filter(filters, v)
        if page_size < 0:
            v.add("page_size", f"must be >= 0, got {page_size}")
        v.raise_if_any()  # one response names every bad field
        size = pagination.page_size(page_size)
        query = {"segments": supervisor_id, "family": include_backfills, "partition": filters.partition,
                 "start": filters.start, "end": filters.end, "location": filters.location}
        after = pagination.decode_token(page_token, query)
        if after is not None and (not isinstance(after, int) or isinstance(after, bool)):
            raise InvalidArgument([FieldViolation("page_token", "is not a token this server issued")],
                                  reason="INVALID_PAGE_TOKEN", metadata={"page_token": page_token[:64]})
        with self.core.store.read() as tx:
            self.core.require(tx, supervisor_id)
            ids = self.core.family(tx, supervisor_id) if include_backfills else [supervisor_id]
            # An empty offset range overlaps nothing: no query.
            rows = [] if filters.empty_range else tx.list_segment_page(ids, after, size + 1, filters)
        page, more = rows[:size], len(rows) > size
        return page, pagination.encode_token(page[-1].id, query) if more else ""
