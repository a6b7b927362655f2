"""Where workers publish segments, exactly once for whoever reads the destination.

A sink's contract with the worker (worker/runner.py), in the order of the exactly-once protocol:

1. `stage(info, records)` writes the segment durably where readers do not look, and returns the location
   the worker commits (unique per segment: the place it will be visible at once published).
2. The worker calls CommitCheckpoint with that location. The control plane accepts it (the segment is
   ingested) or rejects it (it never will be: commits require the lease and the generation).
3. Accepted: `publish(location, segment_id, info)` makes it visible to readers, exactly once (idempotent,
   safe against a concurrent publisher). Rejected: `discard(location)`. No verdict (the server was
   unreachable): the staged data stays, and whoever holds the task next asks the server (ListSegments by
   location) for each of `staged(task_id)` and publishes or discards it.

`read_offsets(family_id)` lets `streamvisor verify` read the destination itself and check it against the
published segments. Sinks are chosen by URL scheme in `open_sink`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Protocol, Sequence
from urllib.parse import urlparse

Partition = int | str


@dataclass(frozen=True, slots=True)
class Record:
    partition: Partition
    offset: int
    timestamp_ms: int | None
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes | None], ...] = ()


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """What the sink is told about a segment."""

    family_id: str  # root supervisor id of the family (a backfill's source, or itself)
    supervisor_id: str
    task_id: str
    generation: int
    name: str  # unique per segment, chosen by the worker
    ranges: tuple[tuple[Partition, int, int], ...]  # (partition, start, end) half-open


@dataclass(frozen=True, slots=True)
class StagedSegment:
    """A segment found in staging by `Sink.staged`."""

    location: str
    info: SegmentInfo | None  # None when the sink cannot tell (then it is only ever deleted if unpublished)


class Sink(Protocol):
    def stage(self, info: SegmentInfo, records: Sequence[Record]) -> str:
        """Writes durably where readers do not look; returns the location to commit (unique per segment)."""
        ...

    def publish(self, location: str, segment_id: int, info: SegmentInfo) -> None:
        """After the server accepted the commit: make it visible to readers, exactly once. Idempotent and
        safe when two workers publish the same segment concurrently."""
        ...

    def discard(self, location: str) -> None:
        """The commit was definitely rejected: remove the staged data."""
        ...

    def staged(self, task_id: str) -> list[StagedSegment]:
        """What is left in staging for that task (for the lease holder to publish or discard)."""
        ...

    def read_offsets(self, family_id: str) -> Iterator[tuple[Partition, int, str]]:
        """For verify: every record present in the destination, as (partition, offset, where)."""
        ...

    def close(self) -> None: ...


def _open_file_sink(url: str, **options) -> Sink:
    from streamvisor.worker.sinks.files import FileSink, output_dir
    return FileSink(output_dir(url), **options)


# URL scheme -> factory(url, **options). "" (a plain path) and "file" are the file sink.
SINKS: dict[str, Callable[..., Sink]] = {"": _open_file_sink, "file": _open_file_sink}

def _open_iceberg_sink(url: str, **options) -> Sink:
    # Imported only when asked for: pyiceberg and pyarrow are heavy, and a file-sink worker needs neither.
    from streamvisor.worker.sinks.iceberg import open_iceberg_sink
    return open_iceberg_sink(url, **options)


# The Apache Iceberg sink (worker/sinks/iceberg.py): iceberg+sqlite://..., iceberg+postgresql://...
ICEBERG_SCHEMES = ("iceberg+sqlite", "iceberg+postgresql", "iceberg+postgresql+psycopg")
SINKS.update({scheme: _open_iceberg_sink for scheme in ICEBERG_SCHEMES})


def open_sink(url: str, **options) -> Sink:
    """The sink for `url`: a directory path or file:///dir (the file sink), or a registered scheme."""
    scheme = urlparse(url).scheme
    if len(scheme) == 1:  # a Windows drive letter is a path, not a scheme
        scheme = ""
    factory = SINKS.get(scheme)
    if factory is None:
        known = ", ".join(sorted(f"{s}://" for s in SINKS if s)) or "none"
        raise ValueError(f"unsupported output {url!r}: use a directory path or one of {known}")
    return factory(url, **options)
