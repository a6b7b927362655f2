"""The control plane's StreamAdapter[int, int] for Kinesis: KinesisStreamAdapter (shard ids, str) seen
through streams/kinesis/shards.py's exact mapping, so that the store, the task groups and coverage keep
partitions as ints like every kind. Lineage is mapped too (a shard's parents as numbers).

Also what only Kinesis needs: `lineage` (open and closed shards with parents, and the extents) for
GetOffsets, leasing and ResetToLatestAndBackfill, and `place_exists` for ResetOffsets by sequence number."""
from __future__ import annotations

from dataclasses import replace
from typing import Mapping, Sequence

from streamvisor.domain.lineage import Shard
from streamvisor.domain.ports import StreamAdapter, Watermarks
from streamvisor.streams.kinesis import client as kinesis
from streamvisor.streams.kinesis.adapter import KinesisStreamAdapter, Lineage
from streamvisor.streams.kinesis.shards import shard_id, shard_number


class KinesisPartitions(StreamAdapter[int, int]):
    has_lineage = True

    def __init__(self, consumer_properties: Mapping[str, str], timeout_s: float = 5.0):
        self.shard_adapter = KinesisStreamAdapter(consumer_properties, timeout_s)

    def _numbered(self, stream: str, shards: Mapping[str, Shard]) -> dict[int, Shard]:
        """Every listed shard by number; a shard id not of Kinesis' form refuses the whole listing
        (UNSUPPORTED_SHARD_ID) rather than leave one shard out. Parents are mapped the same way."""
        out = {}
        for sid, shard in shards.items():
            number = shard_number(sid, stream)
            out[number] = replace(shard, id=number, parents=tuple(shard_number(p, stream) for p in shard.parents))
        return out

    def shards(self, stream: str) -> dict[int, Shard]:
        return self._numbered(stream, self.shard_adapter.shards(stream))

    def partitions(self, stream: str) -> list[int]:
        """Every listed shard, open and closed, parents before children."""
        return [shard_number(s, stream) for s in self.shard_adapter.partitions(stream)]

    def identities(self, streams: Sequence[str]) -> dict[str, str]:
        return self.shard_adapter.identities(streams)

    def parents(self, stream: str, partitions: Sequence[int]) -> dict[int, tuple[int, ...]]:
        shards = self.shards(stream)
        return {p: shards[p].parents for p in partitions if p in shards and shards[p].parents}

    def lineage(self, stream: str, partitions: Sequence[int] | None = None) -> Lineage:
        found = self.shard_adapter.lineage(stream, None if partitions is None else [shard_id(p) for p in partitions])
        return Lineage(self._numbered(stream, found.shards),
                       {shard_number(s, stream): e for s, e in found.extents.items()}, found.read_at)

    def watermarks(self, stream: str, partitions: Sequence[int]) -> Watermarks[int, int]:
        marks = self.shard_adapter.watermarks(stream, [shard_id(p) for p in partitions])
        return Watermarks({shard_number(s): o for s, o in marks.earliest.items()},
                          {shard_number(s): o for s, o in marks.latest.items()})

    def offsets_for_times(self, stream: str, timestamps_ms: Mapping[int, int]) -> dict[int, int]:
        found = self.shard_adapter.offsets_for_times(stream, {shard_id(p): t for p, t in timestamps_ms.items()})
        return {shard_number(s): o for s, o in found.items()}

    def place_exists(self, stream: str, partition: int, offset: int, lineage: Lineage) -> bool:
        """Whether a reader can start `partition` at `offset`: the shard's start, its end (as just read), a
        record's sequence number (read AT it), or one past a record (a checkpoint shown before)."""
        shard, extent = lineage.shards[partition], lineage.extents[partition]
        if offset in (shard.start, extent.end):
            return True
        sid = shard_id(partition)
        adapter = self.shard_adapter
        return adapter._call(stream, lambda: kinesis.is_record(adapter._client, stream, sid, offset)
                             or kinesis.is_record(adapter._client, stream, sid, offset - 1))

    def close(self) -> None:
        self.shard_adapter.close()
