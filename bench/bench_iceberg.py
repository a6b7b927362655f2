"""Iceberg sink throughput (stage + publish, 1,000-record segments) against a bare pyarrow table + pyiceberg
append of the same batches, interleaved in the same run; and publish cost against the number of snapshots
the table already has.

    python bench/bench_iceberg.py [--segments 100] [--records 1000] [--partitions 4] [--value-bytes 100]
                                  [--catalog sqlite|postgresql] [--growth 10,100,1000] [--growth-samples 10]

Setup: a temp dir holding the warehouse and (by default) a SQLite catalog file; with --catalog postgresql a
catalog database of its own next to --pg-url, dropped afterwards. The segments are built once, before any
timing: --records records each, over --partitions partitions, --value-bytes random bytes per value, a
16-byte key, one header, a timestamp.

Timed, one segment each per step and contender, the order rotated step by step:

  sink       IcebergSink.stage(info, records) (Records -> Arrow, Parquet zstd into the warehouse, fsync,
             the staging marker written by rename) + IcebergSink.publish(location, id, info) (check the
             task's property on the cached metadata, add_files + the property in one commit with retries
             off, remove the marker). Its own table; snapshots expired on the default cadence (10 kept).
  unexpired  The same with snapshot expiry off: its table grows one snapshot per segment, like the bare
             one's (a publish costs time in proportion to the snapshots in the table), so sink/bare for
             this one is the like-for-like ratio.
  bare       The baseline: the same Records -> pyarrow.Table (the same column building) and
             `table.append(arrow_table)` on a table of the same schema in the same catalog, pyiceberg's
             defaults (fast append, its own commit retry). No staging, marker, property, fsync, expiry.

Growth: a fresh sink table is filled with N one-record snapshots (untimed; appended 20 per commit;
snapshot expiry off, so the table really has N snapshots), then --growth-samples publishes of
--records-record segments are timed (stage excluded), for each N. The same at the largest N with the
default expiry (10 kept; the first timed publish pays for expiring the rest) shows what it buys.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from _common import DEFAULT_PG_URL, code_version, environment_line, print_table
from sqlalchemy import create_engine, text

from streamvisor.worker.sinks import Record, SegmentInfo
from pyiceberg.io.pyarrow import schema_to_pyarrow
from pyiceberg.table.metadata import TableMetadataV2

from streamvisor.worker.sinks.iceberg import TABLE_SCHEMA, IcebergConfig, IcebergSink, open_iceberg_sink


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--segments", type=int, default=100, help="segments per side (default 100)")
    p.add_argument("--records", type=int, default=1000, help="records per segment (default 1000)")
    p.add_argument("--partitions", type=int, default=4)
    p.add_argument("--value-bytes", type=int, default=100)
    p.add_argument("--catalog", default="sqlite", choices=("sqlite", "postgresql"))
    p.add_argument("--pg-url", default=DEFAULT_PG_URL, help="any database of the PostgreSQL server")
    p.add_argument("--growth", default="10,100,1000", help="snapshot counts for the growth table ('' to skip)")
    p.add_argument("--growth-samples", type=int, default=10)
    return p.parse_args()


@contextlib.contextmanager
def catalog_url(kind: str, pg_url: str, directory: Path, tag: str) -> Iterator[str]:
    warehouse = f"file://{directory}/warehouse-{tag}"
    if kind == "sqlite":
        yield f"iceberg+sqlite:///{directory}/catalog-{tag}.db?warehouse={warehouse}"
        return
    name = f"bench_ice_{os.getpid()}_{tag}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        server = pg_url.split("://", 1)[1].rsplit("/", 1)[0]
        yield f"iceberg+postgresql://{server}/{name}?warehouse={warehouse}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Segments:
    """Consecutive segments of one task: each continues where the last ended, partition by partition."""

    def __init__(self, family_id: str, task_id: str, partitions: int, value_bytes: int):
        self.family_id, self.task_id, self.partitions, self.value_bytes = family_id, task_id, partitions, value_bytes
        self.next_offset = dict.fromkeys(range(partitions), 0)
        self.sequence = 0
        self.random = random.Random(7)

    def make(self, records: int) -> tuple[SegmentInfo, list[Record]]:
        self.sequence += 1
        batch, ranges = [], []
        for p in range(self.partitions):
            count = records // self.partitions + (1 if p < records % self.partitions else 0)
            start = self.next_offset[p]
            for offset in range(start, start + count):
                batch.append(Record(p, offset, 1_764_633_600_000 + offset, self.random.randbytes(16),
                                    self.random.randbytes(self.value_bytes), (("source", b"bench"),)))
            if count:
                ranges.append((p, start, start + count))
            self.next_offset[p] = start + count
        info = SegmentInfo(self.family_id, self.family_id, self.task_id, 1,
                           f"{self.task_id}-g1-{self.sequence:06d}-{uuid.uuid4().hex[:8]}", tuple(ranges))
        return info, batch


def bare_table(sink: IcebergSink, name: str):
    """A table of the same schema in the same catalog, with pyiceberg's default properties."""
    return sink.catalog.create_table((sink.config.namespace, name), TABLE_SCHEMA)


def throughput(args, url: str) -> None:
    """Three contenders, one segment each per step, the order rotated step by step: the sink as configured
    by default (snapshots expired), the sink with expiry off (its table grows a snapshot per segment like
    the bare one's: the like-for-like ratio), and the bare append."""
    sink = open_iceberg_sink(url)
    unexpired = open_iceberg_sink(url, keep_snapshots=0)
    bare = bare_table(sink, "bare")
    arrow_schema = schema_to_pyarrow(bare.schema())
    sources = {"sink": Segments("sink", "task-sink", args.partitions, args.value_bytes),
               "unexpired": Segments("unexpired", "task-unexpired", args.partitions, args.value_bytes)}
    for family, source in sources.items():      # creates the sinks' tables and warms every path
        target = sink if family == "sink" else unexpired
        info, records = source.make(args.records)
        target.publish(target.stage(info, records), 0, info)
    bare.append(IcebergSink._arrow_table(sources["sink"].make(args.records)[1], arrow_schema))
    batches = {family: [source.make(args.records) for _ in range(args.segments)]
               for family, source in sources.items()}

    times: dict[str, list[float]] = {"sink": [], "unexpired": [], "bare": []}
    for step in range(args.segments):
        def run_sink(target, family, step=step):
            info, records = batches[family][step]
            start = time.perf_counter()
            target.publish(target.stage(info, records), step + 1, info)
            times[family].append(time.perf_counter() - start)

        def run_bare(step=step):
            records = batches["sink"][step][1]
            start = time.perf_counter()
            bare.append(IcebergSink._arrow_table(records, arrow_schema))
            times["bare"].append(time.perf_counter() - start)

        runs = [lambda: run_sink(sink, "sink"), lambda: run_sink(unexpired, "unexpired"), run_bare]
        for k in range(3):
            runs[(step + k) % 3]()

    expected = args.records * (args.segments + 1)
    counts = {family: sum(1 for _ in sink.read_offsets(family)) for family in sources}
    counts["bare"] = bare.refresh().scan(selected_fields=("offset",)).to_arrow().num_rows
    if set(counts.values()) != {expected}:
        raise SystemExit(f"row counts wrong: {counts}, expected {expected} each")

    labels = {"sink": f"sink (keeps {sink.config.keep_snapshots} snapshots)",
              "unexpired": "sink, no snapshot expiry", "bare": "bare arrow + table.append"}
    print_table(f"per segment: stage + publish, or the bare append ({args.records} records, {args.catalog})",
                [(labels[k], v) for k, v in times.items()])
    rates = {k: args.records * len(v) / sum(v) for k, v in times.items()}
    print()
    for k, v in times.items():
        print(f"  {labels[k]:<34} {rates[k]:10,.0f} records/s  {len(v) / sum(v):7.1f} segments/s")
    for k in ("sink", "unexpired"):
        print(f"  {labels[k]} / bare: throughput ratio {rates[k] / rates['bare']:.2f} "
              f"(p50 ratio {statistics.median(times['bare']) / statistics.median(times[k]):.2f})")
    for k in (sink, unexpired):
        k.close()


def fill(table, source: Segments, snapshots: int) -> None:
    """`snapshots` one-record appends, 20 per Iceberg commit (a transaction may add several snapshots):
    the snapshot count a long-lived table reaches, without paying a commit per snapshot to get there."""
    arrow_schema = schema_to_pyarrow(table.schema())
    # Untimed, and only here: every look at a transaction's metadata deep-copies it (all snapshots), which
    # makes filling a table quadratic (~30 min for 1,000 here). Nothing in the fill mutates the metadata,
    # so shallow copies give the same table.
    original = TableMetadataV2.model_copy
    TableMetadataV2.model_copy = lambda self, *, update=None, deep=False: original(self, update=update)
    try:
        while snapshots > 0:
            with table.transaction() as tx:
                for _ in range(min(20, snapshots)):
                    tx.append(IcebergSink._arrow_table(source.make(1)[1], arrow_schema))
                    snapshots -= 1
    finally:
        TableMetadataV2.model_copy = original


def growth(args, url_for) -> None:
    counts = [int(n) for n in args.growth.split(",") if n.strip()]
    if not counts:
        return
    rows = []
    cases = [(n, 0) for n in counts] + [(max(counts), IcebergConfig.keep_snapshots)]
    for existing, keep in cases:
        with url_for(f"g{existing}k{keep}") as url:
            sink = open_iceberg_sink(url, keep_snapshots=keep)
            source = Segments("grow", "task-grow", args.partitions, args.value_bytes)
            fill_start = time.perf_counter()
            info, records = source.make(1)
            sink.publish(sink.stage(info, records), 0, info)     # creates the table the sink's way
            fill(sink._load_table("grow"), source, existing - 1)
            fill_s = time.perf_counter() - fill_start
            samples = []
            for k in range(1, 1 + args.growth_samples):
                info, records = source.make(args.records)
                location = sink.stage(info, records)
                start = time.perf_counter()
                sink.publish(location, k, info)
                samples.append(time.perf_counter() - start)
            table = sink._load_table("grow")
            metadata_bytes = Path(table.metadata_location.removeprefix("file://")).stat().st_size
            label = f"{existing:>5} snapshots" + (f", expiry keeps {keep}" if keep else ", no expiry")
            rows.append((label, samples))
            print(f"  {label}: filled in {fill_s:.1f}s; after: {len(table.metadata.snapshots)} snapshots, "
                  f"{len(table.current_snapshot().manifests(table.io))} manifests, "
                  f"metadata.json {metadata_bytes / 1024:.0f} KiB", flush=True)
            sink.close()
    print_table(f"publish() of a {args.records}-record segment vs snapshots already in the table", rows)


def main() -> int:
    args = parse_args()
    print(f"bench_iceberg {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {environment_line()}; {code_version()}")
    print(f"segments {args.segments} x {args.records} records, {args.partitions} partitions, "
          f"{args.value_bytes}-byte values, catalog {args.catalog}")
    directory = Path(tempfile.mkdtemp(prefix="bench-iceberg-"))
    try:
        with catalog_url(args.catalog, args.pg_url, directory, "t") as url:
            throughput(args, url)
        print("\ngrowth:")
        growth(args, lambda tag: catalog_url(args.catalog, args.pg_url, directory, tag))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print(f"\n{environment_line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
