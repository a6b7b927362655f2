"""The Kinesis calls the adapter and the reader share, on boto3: listing shards with their lineage,
positioning an iterator at a checkpoint, and the reads that find a shard's extent (its earliest retained
offset and its end). Why these reads give exact values: the package docstring (__init__.py).

Sequence numbers cross this module as decimal strings on the wire and Python ints inside: never floats,
never int64.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from streamvisor.domain.errors import FailedPrecondition, Unavailable
from streamvisor.domain.lineage import Shard
from streamvisor.streams.kinesis.settings import Connection

# Windows back from now in which the end of a shard is looked for, before the whole retained shard (see
# `tail`): a busy shard's last record is seconds old, a quiet one's may be days old.
TAIL_WINDOWS = (timedelta(seconds=30), timedelta(minutes=10), timedelta(hours=3), timedelta(days=1),
                timedelta(days=7))
# GetRecords returns at most 10,000 records or 10 MiB per call.
MAX_RECORDS_PER_CALL = 10_000


@dataclass(frozen=True)
class Tail:
    """The last record of a shard as read: its sequence number and arrival time, or both None."""

    last_sequence: int | None
    last_arrival: datetime | None


def make_client(connection: Connection, timeout_s: float, pool: int = 32) -> Any:
    credentials = {}
    if connection.access_key_id:
        credentials = {"aws_access_key_id": connection.access_key_id,
                       "aws_secret_access_key": connection.secret_access_key,
                       "aws_session_token": connection.session_token}
    config = Config(connect_timeout=timeout_s, read_timeout=timeout_s, max_pool_connections=pool,
                    # Standard mode retries throttling and transient errors a bounded number of times.
                    retries={"max_attempts": 3, "mode": "standard"})
    return boto3.session.Session().client("kinesis", region_name=connection.region,
                                          endpoint_url=connection.endpoint, config=config, **credentials)


@contextlib.contextmanager
def translated(connection: Connection, timeout_s: float, stream: str) -> Iterator[None]:
    """Kinesis' and botocore's errors as domain errors: a missing stream is STREAM_NOT_FOUND, everything
    else that keeps Kinesis from answering (connection, timeout, throttling, credentials) STREAM_UNREACHABLE."""
    try:
        yield
    except ClientError as e:
        code = e.response.get("Error", {}).get("Code", "")
        message = e.response.get("Error", {}).get("Message", "")
        if code == "ResourceNotFoundException":  # the stream, or a shard of it (a checkpoint's is handled
            # by iterator_at, which knows which it asked for)
            raise FailedPrecondition("STREAM_NOT_FOUND",
                                     f"Kinesis stream {stream!r} at {connection.redacted}: {message}",
                                     {"stream": stream, "endpoint": connection.redacted,
                                      "detail": message[:200]}) from None
        raise _unreachable(connection, timeout_s, f"{code}: {message}") from None
    except BotoCoreError as e:
        raise _unreachable(connection, timeout_s, f"{type(e).__name__}: {e}") from None


def _unreachable(connection: Connection, timeout_s: float, detail: str) -> Unavailable:
    return Unavailable("STREAM_UNREACHABLE",
                       f"Kinesis at {connection.redacted} did not answer within {timeout_s:g}s: {detail}",
                       {"endpoint": connection.redacted, "timeout_ms": int(timeout_s * 1000),
                        "detail": detail[:200]})


def list_shards(client: Any, stream: str) -> dict[str, Shard]:
    """Every shard the stream lists - open ones and closed ones still within the retention period - with
    its parents (parent, then adjacent parent for a merge). Pages through ListShards' NextToken."""
    shards: dict[str, Shard] = {}
    request: dict[str, Any] = {"StreamName": stream}
    while True:
        response = client.list_shards(**request)
        for raw in response["Shards"]:
            parents = tuple(p for p in (raw.get("ParentShardId"), raw.get("AdjacentParentShardId")) if p)
            numbers = raw["SequenceNumberRange"]
            # A closed shard has an EndingSequenceNumber. Its value is not used: real Kinesis reports one
            # at or above the last record; the emulator reports 2**63 - 1, below the shard's start.
            shards[raw["ShardId"]] = Shard(raw["ShardId"], parents, int(numbers["StartingSequenceNumber"]),
                                           closed="EndingSequenceNumber" in numbers)
        token = response.get("NextToken")
        if not token:
            return shards
        request = {"NextToken": token}  # with a token, ListShards refuses StreamName


def stream_summary(client: Any, stream: str) -> tuple[datetime, timedelta]:
    """The stream's creation time and retention period."""
    summary = client.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    return summary["StreamCreationTimestamp"], timedelta(hours=summary["RetentionPeriodHours"])


def iterator_at(client: Any, stream: str, shard: Shard, position: int) -> str | None:
    """An iterator whose first record is the first with a sequence number >= `position` (a checkpoint:
    the next offset to read), or None if `position` is not a place in this shard.

    Kinesis positions iterators at records, not at numbers: AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER
    take a record's sequence number (the emulator refuses any other number, real Kinesis may accept one).
    A checkpoint is one of: the shard's start (nothing read yet: AT_SEQUENCE_NUMBER of the starting
    sequence number, which both accept), one past a record read (AFTER_SEQUENCE_NUMBER of that record),
    or a record's own sequence number (a reset by time or to a given record: AT_SEQUENCE_NUMBER)."""
    attempts = [("AT_SEQUENCE_NUMBER", position)] if position == shard.start else \
        [("AFTER_SEQUENCE_NUMBER", position - 1), ("AT_SEQUENCE_NUMBER", position)]
    for kind, number in attempts:
        try:
            return client.get_shard_iterator(StreamName=stream, ShardId=shard.id, ShardIteratorType=kind,
                                             StartingSequenceNumber=str(number))["ShardIterator"]
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            message = e.response.get("Error", {}).get("Message", "").lower()
            not_a_record = (code == "ResourceNotFoundException" and "sequencenumber" in message) or \
                code == "InvalidArgumentException"
            if not not_a_record:
                raise
    return None


def iterator_of_type(client: Any, stream: str, shard_id: str, kind: str,
                     timestamp: datetime | None = None) -> str | None:
    """An iterator of `kind`; None for AT_TIMESTAMP at a time Kinesis' clock has not reached yet (Kinesis
    refuses one: "Timestamp cannot be in the future") - no record can be at or after it yet."""
    request: dict[str, Any] = {"StreamName": stream, "ShardId": shard_id, "ShardIteratorType": kind}
    if timestamp is not None:
        request["Timestamp"] = timestamp
    try:
        return client.get_shard_iterator(**request)["ShardIterator"]
    except ClientError as e:
        error = e.response.get("Error", {})
        if timestamp is not None and error.get("Code") == "InvalidArgumentException" \
                and "future" in error.get("Message", "").lower():
            return None
        raise


def _caught_up(response: dict, limit: int, closed: bool = False) -> bool:
    """Whether a GetRecords page asked with Limit `limit` reached the tip (read_to_tip says why)."""
    records = response["Records"]
    return response.get("MillisBehindLatest", 0) == 0 and (not records if closed else len(records) < limit)


def read_to_tip(client: Any, iterator: str | None, stop_at_first: bool = False,
                closed: bool = False) -> tuple[list[dict], bool]:
    """Reads from `iterator` until caught up, or to the end of a closed shard (no next iterator). Returns
    the records (only the last one and the first, to bound memory: callers need no others) and whether the
    shard's end was reached. `stop_at_first` returns as soon as one record was read.

    An open shard is caught up at a page that is not full while MillisBehindLatest is 0: its last record,
    if any, is the newest at that moment, and whatever follows belongs to later reads. Not "an empty page":
    a shard written steadily (250 records/s in the Kinesis end-to-end test) seldom gives one, and waiting
    for it chased the tip until the reset's deadline ran out. A `closed` shard takes no writes, so only an
    empty page at MillisBehindLatest 0 (or its iterator's end) is its end: a short page need not be (pages
    stop at 10 MiB, and kinesis-mock says 0 for every record of the last PutRecords batch), and a closed
    shard's end is cached for good."""
    first: dict | None = None
    last: dict | None = None
    limit = 1 if stop_at_first else MAX_RECORDS_PER_CALL
    while iterator is not None:
        response = client.get_records(ShardIterator=iterator, Limit=limit)
        records = response["Records"]
        if records:
            first = first or records[0]
            last = records[-1]
            if stop_at_first:
                return [first], False
        iterator = response.get("NextShardIterator")
        if _caught_up(response, limit, closed):
            break
    kept = [r for r in (first, last) if r is not None]
    if first is last and first is not None:
        kept = [first]
    return kept, iterator is None


def tail(client: Any, stream: str, shard: Shard, now: datetime, retention: timedelta,
         known: Tail | None = None) -> Tail:
    """The shard's last record (as of this read). With a record `known` from an earlier read, reads from
    AFTER_SEQUENCE_NUMBER of it to the tip: the last record seen, or `known` itself, is the newest (one
    iterator and one or two pages, whatever the clocks say). Otherwise, or if Kinesis no longer has that
    record, reads forward from AT_TIMESTAMP now - w for growing windows w until a window holds a record,
    then from TRIM_HORIZON: the first window that holds one is read to the tip, so its last record is the
    shard's newest. The clocks need not agree: a window that starts too late only holds no record, and the
    next one is tried."""
    if known is not None and known.last_sequence is not None:
        try:
            iterator = client.get_shard_iterator(StreamName=stream, ShardId=shard.id,
                                                 ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                                                 StartingSequenceNumber=str(known.last_sequence))["ShardIterator"]
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") not in ("ResourceNotFoundException", "InvalidArgumentException"):
                raise
            iterator = None  # the record expired: look for the end afresh
        if iterator is not None:
            records, _ = read_to_tip(client, iterator, closed=shard.closed)
            if not records:
                return known
            return Tail(int(records[-1]["SequenceNumber"]), _utc(records[-1]["ApproximateArrivalTimestamp"]))
    for window in TAIL_WINDOWS:
        if window >= retention:
            break
        records, _ = read_to_tip(client, iterator_of_type(client, stream, shard.id, "AT_TIMESTAMP", now - window),
                                 closed=shard.closed)
        if records:
            return Tail(int(records[-1]["SequenceNumber"]), _utc(records[-1]["ApproximateArrivalTimestamp"]))
    records, _ = read_to_tip(client, iterator_of_type(client, stream, shard.id, "TRIM_HORIZON"), closed=shard.closed)
    if records:
        return Tail(int(records[-1]["SequenceNumber"]), _utc(records[-1]["ApproximateArrivalTimestamp"]))
    return Tail(None, None)


def first_retained(client: Any, stream: str, shard_id: str) -> int | None:
    """The sequence number of the oldest record still retained (TRIM_HORIZON), or None if none is."""
    records, _ = read_to_tip(client, iterator_of_type(client, stream, shard_id, "TRIM_HORIZON"), stop_at_first=True)
    return int(records[0]["SequenceNumber"]) if records else None


def first_at_time(client: Any, stream: str, shard_id: str, timestamp_ms: int) -> int | None:
    """The sequence number of the first record that arrived at or after `timestamp_ms`, or None if there is
    none yet. boto3 sends AT_TIMESTAMP's Timestamp in whole seconds (botocore's default precision for JSON
    unix timestamps truncates), so the iterator may start up to a second early: records that arrived before
    `timestamp_ms` are skipped here, by their millisecond arrival times."""
    # Integer arithmetic: a float of the milliseconds would round far-future times.
    when = datetime.fromtimestamp(timestamp_ms // 1000, tz=timezone.utc) + timedelta(milliseconds=timestamp_ms % 1000)
    iterator = iterator_of_type(client, stream, shard_id, "AT_TIMESTAMP", when)
    while iterator is not None:
        response = client.get_records(ShardIterator=iterator, Limit=MAX_RECORDS_PER_CALL)
        for record in response["Records"]:
            if arrival_ms(record) >= timestamp_ms:
                return int(record["SequenceNumber"])
        iterator = response.get("NextShardIterator")
        if _caught_up(response, MAX_RECORDS_PER_CALL):
            break
    return None


def _utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc)


def arrival_ms(record: dict) -> int:
    return int(_utc(record["ApproximateArrivalTimestamp"]).timestamp() * 1000)


def is_record(client: Any, stream: str, shard_id: str, sequence: int) -> bool:
    """Whether `sequence` is the sequence number of a record the shard still holds: the first record read
    AT_SEQUENCE_NUMBER of it must carry exactly that number (the emulator refuses the iterator for any other
    number; real Kinesis may hand one out, positioned at the next record - hence the comparison)."""
    if sequence < 0:
        return False
    try:
        iterator = client.get_shard_iterator(StreamName=stream, ShardId=shard_id,
                                             ShardIteratorType="AT_SEQUENCE_NUMBER",
                                             StartingSequenceNumber=str(sequence))["ShardIterator"]
    except ClientError as e:
        code = e.response.get("Error", {}).get("Code", "")
        message = e.response.get("Error", {}).get("Message", "").lower()
        if (code == "ResourceNotFoundException" and "sequencenumber" in message) or code == "InvalidArgumentException":
            return False
        raise
    records, _ = read_to_tip(client, iterator, stop_at_first=True)
    return bool(records) and int(records[0]["SequenceNumber"]) == sequence
