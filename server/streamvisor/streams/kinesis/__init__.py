"""Amazon Kinesis as a stream kind: `settings` (pure: spec rules, the connection), `client` (the boto3 calls both
sides share), `adapter` (the control plane's view: shards with their lineage, extents), `reader` (the
worker's), `shards` (ids <-> partition numbers), `partitions` (the adapter by shard number) and `kind` (the
registered StreamKind). Importing this package, `settings` or `kind` never imports boto3.

Offsets. A shard's offsets are its records' sequence numbers (decimal strings of up to 129 digits on the wire
- the API's pattern; real ones have 56, about 2**185 - and Python ints here), and a checkpoint is the next
offset to read: the shard's StartingSequenceNumber before anything was read, one past the last record read
after. Sequence numbers are sparse - `n + 1` is almost never a record - so a range [a, b) counts the records
in it, not b - a.

Where "latest" is. No Kinesis API returns a shard's latest sequence number: GetShardIterator LATEST gives
an opaque iterator *after* the newest record but not its number; GetRecords' MillisBehindLatest says how
far (in time) an iterator is from the tip, not where the tip is; a closed shard's EndingSequenceNumber is
at or above its last record on real Kinesis (not necessarily a record), and the emulator reports 2**63-1
there. What does give it: reading. `client.tail` reads a shard forward from AT_TIMESTAMP now - w, for
growing windows w, until a window holds a record, and reads that window to the tip (a page with no record
while MillisBehindLatest is 0, or the end of a closed shard). The last record r seen is the newest at the
moment of the last read, so

    end = r + 1                       (the shard's start if it holds no record)

and every record written afterwards has a sequence number > r (they increase within a shard), i.e. >= end.
That is the reset point of an open shard. It is exact in both directions without a clock: records that
existed when the tail was read are < end, all later ones >= end; the window only bounds the cost (a busy
shard's last record is seconds old), and a window that starts too late (clock skew) holds no record and the
next one is tried. (Assumed: a shard's records become readable in sequence-number order, as Kinesis' per-shard
ordering implies; a record acknowledged but not yet readable at the read is then >= end, the live side's.)
For a closed shard the same read gives its final end, cached, as it never changes.

The backfill's bound is exact. A backfill of an open shard reads [checkpoint, end): `end - 1` is the
sequence number of a record that exists, so the reader is done the moment it hands that record out
(positions reach `end`), without waiting for a later record or for time to pass; the live supervisor
restarts at `end`, whose iterator is AFTER_SEQUENCE_NUMBER(end - 1): the first record it reads is the first
record after the reset point. Nothing is read twice and nothing falls between. A closed shard's range ends
at its end, reached when the reader hits the end of the shard.

Earliest, and what retention took. Kinesis removes records older than the retention period and does not
say what it removed; since sequence numbers are sparse, "the first retained record is above the shard's
start" proves nothing either way. So the earliest offset of a shard is its start when retention provably
removed nothing (domain.lineage.untrimmed_shards: the stream, or a parent's last record, is younger than
the retention period, so every record of the shard is), and otherwise the first retained record
(TRIM_HORIZON) - then a checkpoint below it is reported unrecoverable, [checkpoint, first retained), an
upper bound that may hold no record: reported, never silently skipped. A closed shard that is no longer
listed took everything from its checkpoint on.

Lineage. ListShards lists open and closed shards (the latter for the retention period) with
ParentShardId and AdjacentParentShardId; a child is read only after all its parents are read to their
ends (domain.lineage.leasable), as the KCL and Flink's Kinesis source do. docs/kinesis.md has the same
argument for operators.
"""
