"""The reference worker's reader for Amazon Kinesis: shards read with GetRecords from a checkpoint, to an
optional bound, through the end of a closed shard.

Each shard is read from its start offset (the next sequence number to read) by an iterator that
client.iterator_at positions exactly there: AT_SEQUENCE_NUMBER of the shard's start, AFTER_SEQUENCE_NUMBER
of the last record read (a checkpoint is one past it), or AT_SEQUENCE_NUMBER of a record chosen by a reset.
Records carry the sequence number as an int (up to 129 decimal digits), the arrival time, the partition key as the
key, and the data as sent.

A shard is *finished* when it is read to its end - a closed shard's reads end with no next iterator (and
name its child shards) - or to its bound (a backfill's end: the reset point, one past a record that exists,
so the bound is reached when that record is handed out, without waiting for a later one). The worker asks
`finished()` and `children()`: a child may be read only once all its parents are finished (domain.lineage).

Like the other kinds' readers, a start the shard no longer holds is an error to report, never a silent
jump: below the first retained offset (retention removed records, domain.lineage.untrimmed_shards says
when that is known not to have happened), or beyond the shard's end (the stream was recreated).
Nothing is written to Kinesis: the control plane owns the offsets.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Mapping

from botocore.exceptions import ClientError

from streamvisor import logs
from streamvisor.domain.lineage import Shard
from streamvisor.domain.ports import CheckpointOutOfRange, ReaderTask, Record, TaskReader
from streamvisor.streams.kinesis import client as kinesis
from streamvisor.streams.kinesis.adapter import KinesisStreamAdapter
from streamvisor.streams.kinesis.settings import Connection

log = logging.getLogger("streamvisor.worker.kinesis")

OPEN_TIMEOUT_S = 15
MAX_BATCH_RECORDS = 1000
# Kinesis allows 5 GetRecords per second per shard: after an empty page a shard waits this long.
IDLE_POLL_S = 1.0
MIN_POLL_INTERVAL_S = 0.2


class InvalidStart(RuntimeError):
    """A start offset that is no place in its shard: neither its start, nor a record, nor one past one."""


@dataclass
class _ShardState:
    shard: Shard
    next_offset: int
    bound: int | None
    iterator: str | None = None
    finished: bool = False
    children: tuple[str, ...] = ()
    next_call: float = 0.0


class KinesisReader(TaskReader):
    def __init__(self, task: ReaderTask, start: Mapping[str, int], bounds: Mapping[str, int] | None = None):
        self.stream = task.stream
        self.connection = Connection.of(task.consumer_properties)
        self.client = kinesis.make_client(self.connection, OPEN_TIMEOUT_S)
        self.states: dict[str, _ShardState] = {}
        bounds = dict(bounds or {})
        adapter = KinesisStreamAdapter(task.consumer_properties, OPEN_TIMEOUT_S)
        try:
            self._open(adapter, dict(start), bounds, task)
        finally:
            adapter.close()

    def _open(self, adapter: KinesisStreamAdapter, start: dict[str, int], bounds: dict[str, int],
              task: ReaderTask) -> None:
        if not start:
            return
        shards = adapter.shards(self.stream)
        gone = sorted(s for s in start if s not in shards)
        if gone:
            # Kinesis lists a closed shard for the retention period after it closed: one that is not listed
            # took everything from the checkpoint on with it.
            raise CheckpointOutOfRange(f"CHECKPOINT_BELOW_EARLIEST partition={gone[0]} checkpoint={start[gone[0]]} "
                                       f"earliest=expired stream={self.stream}")
        extents = adapter.lineage(self.stream, list(start)).extents
        for shard_id, offset in sorted(start.items()):
            extent = extents[shard_id]
            out_of_range = CheckpointOutOfRange.check(self.stream, shard_id, offset, extent.earliest, extent.end)
            if out_of_range is not None:
                logs.warning(log, "kinesis reader refuses start", supervisor_id=task.supervisor_id, task_id=task.id,
                             reason=out_of_range.reason)
                raise out_of_range
            state = _ShardState(shards[shard_id], offset, bounds.get(shard_id))
            if state.bound is not None and offset >= state.bound:
                state.finished = True
            else:
                with kinesis.translated(self.connection, OPEN_TIMEOUT_S, self.stream):
                    state.iterator = kinesis.iterator_at(self.client, self.stream, state.shard, offset)
                if state.iterator is None:
                    raise InvalidStart(f"{offset} is no place in shard {shard_id} of {self.stream!r}: neither its "
                                       f"start ({state.shard.start}), nor a record's sequence number, nor one past one")
            self.states[shard_id] = state
        logs.info(log, "kinesis reader open", supervisor_id=task.supervisor_id, task_id=task.id, stream=self.stream,
                  partitions=",".join(f"{s}@{o}" for s, o in sorted(start.items())),
                  bounds=",".join(f"{s}<{b}" for s, b in sorted(bounds.items())) or "-",
                  endpoint=self.connection.redacted)

    def poll(self, timeout_s: float) -> list[Record]:
        deadline = time.monotonic() + timeout_s
        records: list[Record] = []
        while True:
            active = [s for s in self.states.values() if not s.finished]
            if not active:
                return records
            now = time.monotonic()
            for state in sorted(active, key=lambda s: s.next_call):
                if state.next_call <= now and len(records) < MAX_BATCH_RECORDS:
                    self._read(state, records)
            pending = [s.next_call for s in self.states.values() if not s.finished]
            if records or not pending or time.monotonic() >= deadline:
                return records
            time.sleep(max(0.0, min(min(pending), deadline) - time.monotonic()))

    def _read(self, state: _ShardState, records: list[Record]) -> None:
        with kinesis.translated(self.connection, OPEN_TIMEOUT_S, self.stream):
            try:
                response = self.client.get_records(ShardIterator=state.iterator,
                                                   Limit=MAX_BATCH_RECORDS - len(records))
            except ClientError as e:
                if e.response.get("Error", {}).get("Code") != "ExpiredIteratorException":
                    raise
                # Iterators expire after 5 minutes: position a new one where this one was.
                state.iterator = kinesis.iterator_at(self.client, self.stream, state.shard, state.next_offset)
                if state.iterator is None:
                    raise InvalidStart(f"cannot reposition shard {state.shard.id} at {state.next_offset}") from None
                return
        raw = response["Records"]
        for record in raw:
            sequence = int(record["SequenceNumber"])
            if sequence < state.next_offset:
                continue  # never expected: the iterator starts at next_offset; guards a re-positioned one
            if state.bound is not None and sequence >= state.bound:
                # The shard's next record is past the bound: nothing is left below it.
                state.finished = True
                state.next_offset = max(state.next_offset, state.bound)
                break
            records.append(Record(state.shard.id, sequence, kinesis.arrival_ms(record),
                                  record["PartitionKey"].encode(), bytes(record["Data"])))
            state.next_offset = sequence + 1
        if state.bound is not None and state.next_offset >= state.bound:
            state.finished = True
        state.iterator = response.get("NextShardIterator")
        if state.iterator is None and not state.finished:
            # The end of a closed shard: its position stays one past its last record (its end).
            state.finished = True
            state.children = tuple(c["ShardId"] for c in response.get("ChildShards", ()))
            logs.info(log, "kinesis shard read to its end", stream=self.stream, partition=state.shard.id,
                      end=state.next_offset, children=",".join(state.children) or "-")
        state.next_call = time.monotonic() + (MIN_POLL_INTERVAL_S if raw else IDLE_POLL_S)

    def positions(self, partitions: list[Any]) -> dict[Any, int]:
        return {p: self.states[p].next_offset for p in partitions if p in self.states}

    def finished(self) -> set[str]:
        """The shards read to their ends (closed) or to their bounds."""
        return {s for s, state in self.states.items() if state.finished}

    def children(self) -> dict[str, tuple[str, ...]]:
        """Per closed shard read to its end, the child shards Kinesis named there."""
        return {s: state.children for s, state in self.states.items() if state.children}

    def close(self) -> None:
        self.client.close()
