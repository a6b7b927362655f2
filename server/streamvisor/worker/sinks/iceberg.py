"""An Apache Iceberg sink: one table per supervisor family, each published segment in it exactly once.

The two commits, in this order (see docs: "Iceberg sink"):

1. `stage()` writes the segment's Parquet file into the table's data directory. No table metadata names
   it, so no reader sees it. Beside it, a small marker under `_streamvisor_staging/<task>/` records the
   segment, so whoever takes the task over finds it (`staged()`).
2. The worker calls CommitCheckpoint. The server's compare-and-swap fences stale workers: a refused
   commit is followed by `discard()`, and the file never reaches the table.
3. Only after the server accepted it, `publish()` adds the file to the table (`add_files`, a fast or merge
   append of that one file) together with a table property `streamvisor.published.<task id>` = the
   segment id, in ONE Iceberg commit.

`publish()` is a conditional commit: the table is created with `commit.retry.num-retries=0`, so pyiceberg
never rebases our append onto a newer snapshot (with its default of 4 retries it does, and a second
publisher of the same segment would add the file twice). The commit asserts the parent snapshot and the
SQL catalog swaps the metadata location only if it is still the one we read. On a conflict we reload and
re-check the task's property: a task publishes its segments in segment-id order (the worker finishes the
staged ones before publishing newer ones), so "already there" is `published >= segment id`, one property
per task - a check that does not grow with the number of segments.
"""
from __future__ import annotations

import json
import logging
import os
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterator, Sequence
from urllib.parse import parse_qsl, urlsplit

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pyarrow import fs as pafs
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import (
    CommitFailedException,
    NamespaceAlreadyExistsError,
    NoSuchTableError,
    TableAlreadyExistsError,
)
from pyiceberg.io.pyarrow import PyArrowFileIO, schema_to_pyarrow
from pyiceberg.schema import Schema
from pyiceberg.table import Table, TableProperties
from pyiceberg.types import (
    BinaryType,
    ListType,
    LongType,
    NestedField,
    StringType,
    StructType,
    TimestamptzType,
)
from sqlalchemy.exc import OperationalError

from streamvisor import logs
from streamvisor.worker.sinks import ICEBERG_SCHEMES, Partition, Record, SegmentInfo, StagedSegment

log = logging.getLogger("streamvisor.worker.iceberg")

__all__ = ["ICEBERG_SCHEMES", "IcebergSink", "open_iceberg_sink", "parse_iceberg_url"]

# The table's columns. Field ids are assigned afresh by the catalog on creation; files are always written
# with the ids of the loaded table's schema.
TABLE_SCHEMA = Schema(
    # A string, so Kafka's integer partitions and RabbitMQ's (or Kinesis's) named ones share one type; the
    # table property PARTITION_KIND_PROPERTY says how to read it back.
    NestedField(1, "partition", StringType(), required=True),
    # 64 bits hold Kafka and RabbitMQ offsets. Kinesis sequence numbers do not: see WIDE_TABLE_SCHEMA.
    NestedField(2, "offset", LongType(), required=True),
    NestedField(3, "timestamp", TimestamptzType(), required=False),
    NestedField(4, "key", BinaryType(), required=False),
    NestedField(5, "value", BinaryType(), required=False),
    NestedField(6, "headers", ListType(
        element_id=7, element_required=True,
        element=StructType(NestedField(8, "key", StringType(), required=True),
                           NestedField(9, "value", BinaryType(), required=False))), required=False),
)

# Kinesis: a sequence number is a decimal string of up to 129 digits (the API's pattern 0|([1-9]\d{0,128});
# real ones have 56 digits, about 2**185) - more than a long, and more than decimal(38,0), Iceberg's widest
# decimal. So the offset column is a string, zero-padded to OFFSET_DIGITS so that string order, and with it
# the per-file min/max statistics that prune scans, is numeric order. Chosen when the table is created,
# from the first segment's ranges (offsets past 2**63 make it wide); a long table refuses such a segment.
OFFSET_DIGITS = 129
MAX_WIDE_OFFSET = 10 ** OFFSET_DIGITS - 1
WIDE_TABLE_SCHEMA = Schema(*[NestedField(f.field_id, f.name, StringType(), required=True) if f.name == "offset"
                             else f for f in TABLE_SCHEMA.fields])
OFFSET_KIND_PROPERTY = "streamvisor.offset-kind"         # "long" (absent: long) or "decimal-string"

PUBLISHED_PROPERTY_PREFIX = "streamvisor.published."     # + task id -> last published segment id
PARTITION_KIND_PROPERTY = "streamvisor.partition-kind"   # "int" (Kafka) or "str" (named partitions)
SEGMENT_FOOTER_KEY = b"streamvisor.segment"              # the SegmentInfo, JSON, in each file's footer
STAGING_DIR = "_streamvisor_staging"                     # cannot clash with a table: ids start alnum
TABLE_PROPERTIES = {
    # Never rebase a failed commit onto a newer snapshot: our own loop re-checks and retries instead.
    TableProperties.COMMIT_NUM_RETRIES: "0",
    # Merge manifests as appends accumulate (pyiceberg's default min-count-to-merge is 100), so the
    # manifest list each publish writes does not grow with every segment ever published.
    TableProperties.MANIFEST_MERGE_ENABLED: "true",
}

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")     # supervisor ids, task ids, segment names
NAMESPACE_PATTERN = re.compile(r"^[A-Za-z0-9_]+$")             # a dot would make it a nested namespace
MAX_NAME_LENGTH = 255
INT64_MAX = 2**63 - 1
MAX_TIMESTAMP_MS = INT64_MAX // 1000      # stored as microseconds
WAREHOUSE_SCHEMES = ("file", "s3", "s3a", "s3n")
INTEGER_OPTIONS = {"keep_snapshots": 0, "expire_every": 1}      # name -> smallest value allowed
FLOAT_OPTIONS = {"publish_timeout_s": 0.001}
KNOWN_OPTIONS = ("warehouse", "namespace", "catalog", *INTEGER_OPTIONS, *FLOAT_OPTIONS)
PASS_THROUGH_PREFIXES = ("s3.",)                                # FileIO properties of pyiceberg


@dataclass(frozen=True)
class IcebergConfig:
    catalog_uri: str                  # SQLAlchemy URL of the catalog database
    warehouse: str                    # file:///abs/dir or s3://bucket/prefix
    namespace: str = "streamvisor"
    catalog_name: str = "streamvisor"
    # Few: pyiceberg deep-copies the whole table metadata (every snapshot) on each of the ~20 looks an
    # append takes at it, so a publish costs time in proportion to the snapshots kept (bench/README.md).
    keep_snapshots: int = 10          # 0: never expire snapshots
    expire_every: int = 10            # expire once this many snapshots beyond keep_snapshots piled up
    publish_timeout_s: float = 120.0  # give up re-trying a contended publish after this long
    io_properties: dict[str, str] = field(default_factory=dict)


def parse_iceberg_url(url: str, **options: object) -> IcebergConfig:
    """`iceberg+sqlite:///abs/catalog.db?warehouse=file:///abs/wh&namespace=ns` (the warehouse defaults to
    a `warehouse` directory beside the catalog file) or `iceberg+postgresql://user@host:port/db?warehouse=...`
    (a warehouse is required). Options come from the query string or keyword arguments (these win):
    warehouse, namespace, catalog, keep_snapshots, expire_every, publish_timeout_s, and `s3.*` properties
    passed to pyiceberg's FileIO (e.g. s3.endpoint, s3.region, s3.access-key-id, s3.secret-access-key).
    Raises ValueError saying what is wrong."""
    if not isinstance(url, str) or not url:
        raise ValueError("Iceberg sink: the URL is empty; expected iceberg+sqlite:///path/catalog.db or "
                         "iceberg+postgresql://user@host:port/db?warehouse=...")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ICEBERG_SCHEMES:
        raise ValueError(f"Iceberg sink: unsupported scheme {parts.scheme!r} in {url!r}; "
                         f"use one of {', '.join(ICEBERG_SCHEMES)}")
    if parts.fragment:
        raise ValueError(f"Iceberg sink: a URL fragment (#{parts.fragment}) has no meaning here")
    given: dict[str, object] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True, strict_parsing=False):
        if name in given:
            raise ValueError(f"Iceberg sink: option {name!r} is given twice in the URL")
        given[name] = value
    given.update(options)
    for name in given:
        if name not in KNOWN_OPTIONS and not name.startswith(PASS_THROUGH_PREFIXES):
            raise ValueError(f"Iceberg sink: unknown option {name!r}; known: {', '.join(KNOWN_OPTIONS)}, "
                             f"and {'/'.join(p + '*' for p in PASS_THROUGH_PREFIXES)} FileIO properties")

    if scheme == "iceberg+sqlite":
        if parts.netloc:
            raise ValueError(f"Iceberg sink: {url!r} names a host ({parts.netloc!r}); a SQLite catalog is a "
                             "file: iceberg+sqlite:///absolute/path/catalog.db (three slashes)")
        if not parts.path or parts.path == "/" or parts.path.endswith("/"):
            raise ValueError(f"Iceberg sink: {url!r} names no catalog file; "
                             "use iceberg+sqlite:///absolute/path/catalog.db")
        path = _absolute(parts.path)
        catalog_uri = f"sqlite:///{path}"
        default_warehouse: str | None = "file://" + os.path.join(os.path.dirname(path), "warehouse")
    else:
        if not parts.hostname:
            raise ValueError(f"Iceberg sink: {url!r} names no database host; "
                             "use iceberg+postgresql://user@host:port/database?warehouse=...")
        database = parts.path.lstrip("/")
        if not database or "/" in database:
            raise ValueError(f"Iceberg sink: {url!r} names no database (or more than one path segment); "
                             "use iceberg+postgresql://user@host:port/database?warehouse=...")
        try:
            parts.port  # noqa: B018 - raises ValueError on a port that is not a number in range
        except ValueError as e:
            raise ValueError(f"Iceberg sink: bad port in {url!r}: {e}") from None
        # psycopg 3 (already the server's PostgreSQL driver), not pyiceberg's psycopg2 extra.
        catalog_uri = f"postgresql+psycopg://{parts.netloc}/{database}"
        default_warehouse = None

    warehouse = _warehouse(given.pop("warehouse", default_warehouse))
    namespace = str(given.pop("namespace", "streamvisor"))
    if not NAMESPACE_PATTERN.match(namespace):
        raise ValueError(f"Iceberg sink: namespace {namespace!r} must be letters, digits and underscores")
    catalog_name = str(given.pop("catalog", "streamvisor"))
    if not NAME_PATTERN.match(catalog_name):
        raise ValueError(f"Iceberg sink: catalog name {catalog_name!r} must be letters, digits, '.', '_', '-'")
    numbers: dict[str, object] = {}
    for name, smallest in INTEGER_OPTIONS.items():
        if name in given:
            numbers[name] = _number(name, given.pop(name), int, smallest)
    for name, smallest in FLOAT_OPTIONS.items():
        if name in given:
            numbers[name] = _number(name, given.pop(name), float, smallest)
    io_properties = {name: str(value) for name, value in given.items()}
    return IcebergConfig(catalog_uri=catalog_uri, warehouse=warehouse, namespace=namespace,
                         catalog_name=catalog_name, io_properties=io_properties, **numbers)  # type: ignore[arg-type]


def _warehouse(value: object) -> str:
    if value is None or value == "":
        raise ValueError("Iceberg sink: a PostgreSQL catalog needs a warehouse: add "
                         "?warehouse=file:///absolute/dir or ?warehouse=s3://bucket/prefix")
    text = str(value)
    parts = urlsplit(text)
    if not parts.scheme and text.startswith("/"):
        return "file://" + _absolute(text)
    if parts.scheme not in WAREHOUSE_SCHEMES:
        raise ValueError(f"Iceberg sink: warehouse {text!r}: use file:///absolute/dir, an absolute path, "
                         "or s3://bucket/prefix")
    if parts.scheme == "file":
        if parts.netloc or not parts.path.startswith("/"):
            raise ValueError(f"Iceberg sink: warehouse {text!r} must be file:///absolute/dir (three slashes)")
        return "file://" + _absolute(parts.path)
    if not parts.netloc:
        raise ValueError(f"Iceberg sink: warehouse {text!r} names no bucket")
    return text.rstrip("/")


def _absolute(path: str) -> str:
    # POSIX keeps a leading "//" as is: file:////x would then name a different-looking path than file:///x.
    return os.path.abspath("/" + path.lstrip("/"))


def _number(name: str, value: object, kind: type, smallest: float) -> int | float:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ValueError(f"Iceberg sink: option {name}={value!r} is not a {kind.__name__}") from None
    if number < smallest:
        raise ValueError(f"Iceberg sink: option {name}={value!r} must be at least {smallest}")
    return number


def open_iceberg_sink(url: str, **options: object) -> IcebergSink:
    """The sink for an `iceberg+...` output URL (see parse_iceberg_url); opens (and if needed creates) the
    catalog's tables and namespace. Raises ValueError on bad configuration or an unreachable catalog."""
    return IcebergSink(parse_iceberg_url(url, **options))


def ranges_text(ranges: Sequence[tuple[Partition, int, int]]) -> str:
    return ",".join(f"{p}:{start}-{end}" for p, start, end in ranges)


def _check_name(what: str, value: object) -> str:
    if not isinstance(value, str) or len(value) > MAX_NAME_LENGTH or not NAME_PATTERN.match(value):
        raise ValueError(f"Iceberg sink: {what} {value!r} must be 1-{MAX_NAME_LENGTH} letters, digits, '.', "
                         "'_', '-', starting with a letter or digit")
    return value


def _partition_kind(partitions: Sequence[Partition]) -> str:
    kinds = {"int" if isinstance(p, int) and not isinstance(p, bool) else
             "str" if isinstance(p, str) else "bad" for p in partitions}
    if "bad" in kinds or len(kinds) > 1:
        shown = sorted({repr(p) for p in partitions})[:5]
        raise ValueError(f"Iceberg sink: partitions must all be ints or all be strings, got {', '.join(shown)}")
    return kinds.pop() if kinds else "int"


def _valid_columns(r: Record) -> bool:
    return ((r.timestamp_ms is None or (isinstance(r.timestamp_ms, int) and abs(r.timestamp_ms) <= MAX_TIMESTAMP_MS))
            and (r.key is None or isinstance(r.key, bytes)) and (r.value is None or isinstance(r.value, bytes))
            and all(isinstance(h, tuple) and len(h) == 2 and isinstance(h[0], str)
                    and (h[1] is None or isinstance(h[1], bytes)) for h in r.headers))


def _info_to_json(info: SegmentInfo) -> dict:
    return {"family_id": info.family_id, "supervisor_id": info.supervisor_id, "task_id": info.task_id,
            "generation": info.generation, "name": info.name, "ranges": [list(r) for r in info.ranges]}


def _info_from_json(data: dict) -> SegmentInfo:
    return SegmentInfo(family_id=data["family_id"], supervisor_id=data["supervisor_id"], task_id=data["task_id"],
                       generation=int(data["generation"]), name=data["name"],
                       ranges=tuple((p, int(s), int(e)) for p, s, e in data["ranges"]))


class IcebergSink:
    def __init__(self, config: IcebergConfig):
        self.config = config
        properties = {"uri": config.catalog_uri, "warehouse": config.warehouse,
                      # pyarrow's FileIO for every scheme: the one whose filesystem staged() lists with.
                      "py-io-impl": "pyiceberg.io.pyarrow.PyArrowFileIO", **config.io_properties}
        if config.catalog_uri.startswith("sqlite:///"):
            directory = os.path.dirname(config.catalog_uri.removeprefix("sqlite:///"))
            try:
                os.makedirs(directory, exist_ok=True)   # like the file sink's output directory
            except OSError as e:
                raise ValueError(f"Iceberg sink: cannot create the catalog's directory {directory}: "
                                 f"{e.strerror}") from None
        try:
            self.catalog = SqlCatalog(config.catalog_name, **properties)
            self.catalog.create_namespace_if_not_exists(config.namespace)
        except NamespaceAlreadyExistsError:
            pass  # another process created it between the check and the insert
        except OperationalError as e:
            raise ValueError(f"Iceberg sink: cannot open the catalog database {config.catalog_uri}: "
                             f"{str(e.orig).strip()}") from None
        self.io = PyArrowFileIO(properties)
        scheme, netloc, root = PyArrowFileIO.parse_location(config.warehouse)
        self._fs: pafs.FileSystem = self.io.fs_by_scheme(scheme, netloc)
        self._staging_root = f"{root.rstrip('/')}/{config.namespace}/{STAGING_DIR}"
        self.on_before_commit = None   # test seam: called with the loaded table just before an append commits
        # The last table metadata seen per family, so a publish without contention reads the metadata once
        # (in the catalog's commit) instead of three times. A stale entry is harmless: the property only
        # grows ("published" read from it is true), and a commit built on it fails the compare-and-swap.
        self._tables: dict[str, Table] = {}
        self._tables_lock = threading.Lock()

    # Layout ---------------------------------------------------------------------------------------------
    def table_identifier(self, family_id: str) -> tuple[str, str]:
        """(namespace, family id): a tuple, because supervisor ids may contain dots."""
        return (self.config.namespace, _check_name("family id", family_id))

    def _marker_path(self, task_id: str, name: str) -> str:
        return f"{self._staging_root}/{task_id}/{name}.json"

    @staticmethod
    def _data_location(table: Table, task_id: str, name: str) -> str:
        return f"{table.location().rstrip('/')}/data/{task_id}/{name}.parquet"

    def _path_of(self, location: str) -> str:
        return PyArrowFileIO.parse_location(location)[2]

    @staticmethod
    def _task_and_name(location: str) -> tuple[str, str]:
        """A location this sink returned ends in /data/<task id>/<segment name>.parquet."""
        parts = location.rstrip("/").split("/")
        if len(parts) < 3 or parts[-3] != "data" or not parts[-1].endswith(".parquet"):
            raise ValueError(f"Iceberg sink: {location!r} is not a location this sink staged "
                             "(…/data/<task id>/<segment name>.parquet)")
        return _check_name("task id", parts[-2]), _check_name("segment name", parts[-1][: -len(".parquet")])

    # Tables ---------------------------------------------------------------------------------------------
    def _load_table(self, family_id: str) -> Table:
        return self._remember(family_id, self.catalog.load_table(self.table_identifier(family_id)))

    def _cached_table(self, family_id: str) -> Table | None:
        """A Table object of this caller's own (commits mutate theirs) over the last metadata seen."""
        with self._tables_lock:
            seen = self._tables.get(family_id)
        if seen is None:
            return None
        return Table(seen.name(), seen.metadata, seen.metadata_location, seen.io, seen.catalog)

    def _remember(self, family_id: str, table: Table) -> Table:
        with self._tables_lock:
            seen = self._tables.get(family_id)
            if seen is None or table.metadata.last_updated_ms >= seen.metadata.last_updated_ms:
                self._tables[family_id] = table
        return table

    def _table_for(self, family_id: str, partition_kind: str, offset_kind: str = "long") -> Table:
        """The family's table, created on first use; concurrent creators: one wins, the others load it."""
        identifier = self.table_identifier(family_id)
        cached = self._cached_table(family_id)
        if cached is not None:
            return cached
        try:
            return self._load_table(family_id)
        except NoSuchTableError:
            pass
        schema = WIDE_TABLE_SCHEMA if offset_kind == "decimal-string" else TABLE_SCHEMA
        properties = {**TABLE_PROPERTIES, PARTITION_KIND_PROPERTY: partition_kind, OFFSET_KIND_PROPERTY: offset_kind,
                      # add_files would otherwise add the name mapping in the first publish's commit.
                      TableProperties.DEFAULT_NAME_MAPPING: schema.name_mapping.model_dump_json()}
        try:
            # Unpartitioned: a segment spans several stream partitions and is one file (add_files needs one
            # partition value per file); per-file min/max of `partition` and `offset` still prune scans.
            table = self.catalog.create_table(identifier, schema, properties=properties)
            logs.info(log, "iceberg table created", supervisor_id=family_id, table=".".join(identifier),
                      location=table.location())
            return self._remember(family_id, table)
        except TableAlreadyExistsError:
            return self._load_table(family_id)

    # The sink -------------------------------------------------------------------------------------------
    def stage(self, info: SegmentInfo, records: Sequence[Record]) -> str:
        family_id = _check_name("family id", info.family_id)
        _check_name("supervisor id", info.supervisor_id)
        task_id = _check_name("task id", info.task_id)
        name = _check_name("segment name", info.name)
        kind = _partition_kind([p for p, _, _ in info.ranges] + [r.partition for r in records])
        ranges = {}
        wide = any(isinstance(end, int) and end > INT64_MAX + 1 for _, _, end in info.ranges)
        limit = MAX_WIDE_OFFSET + 1 if wide else INT64_MAX + 1
        for p, start, end in info.ranges:
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= limit):
                raise ValueError(f"Iceberg sink: range {p}:[{start!r}, {end!r}) is not 0 <= start <= end <= "
                                 f"{'10^129' if wide else '2^63'}")
            if p in ranges:
                raise ValueError(f"Iceberg sink: partition {p!r} appears twice in the ranges")
            ranges[p] = (start, end)
        for r in records:
            bounds = ranges.get(r.partition)
            if bounds is None or not (isinstance(r.offset, int) and bounds[0] <= r.offset < bounds[1]):
                raise ValueError(f"Iceberg sink: record {r.partition}:{r.offset!r} lies outside the segment's "
                                 f"ranges {ranges_text(info.ranges)}")
            if not _valid_columns(r):
                raise ValueError(f"Iceberg sink: record {r.partition}:{r.offset}: timestamp_ms must be an int "
                                 f"within +-{MAX_TIMESTAMP_MS} or None, key and value bytes or None, headers "
                                 "(str, bytes or None) pairs")
        table = self._table_for(family_id, kind, "decimal-string" if wide else "long")
        table_kind = table.properties.get(PARTITION_KIND_PROPERTY, kind)
        if table_kind != kind:
            raise ValueError(f"Iceberg sink: table {family_id} holds {table_kind} partitions; this segment has {kind}")
        wide_table = table.properties.get(OFFSET_KIND_PROPERTY, "long") == "decimal-string"
        if wide and not wide_table:
            raise ValueError(f"Iceberg sink: table {family_id} has a long offset column; this segment's offsets "
                             f"exceed it ({ranges_text(info.ranges)})")

        arrow_schema = schema_to_pyarrow(table.schema())
        batch = self._arrow_table(records, arrow_schema, wide_table)
        batch = batch.replace_schema_metadata({SEGMENT_FOOTER_KEY: json.dumps(_info_to_json(info)).encode()})
        location = self._data_location(table, task_id, name)
        # The marker first: whatever is written afterwards, whoever takes the task over finds it. A marker
        # whose file is missing or torn was never committed (stage() had not returned), so it is discarded.
        self._write_atomically(self._marker_path(task_id, name),
                               json.dumps({"location": location, "info": _info_to_json(info)}).encode())
        path = self._path_of(location)
        self._fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
        with self._fs.open_output_stream(path) as stream:
            pq.write_table(batch, stream, compression="zstd")
        self._sync(path)
        self._sync(path.rsplit("/", 1)[0])   # the new directory entry, too
        logs.info(log, "iceberg segment staged", supervisor_id=info.supervisor_id, task_id=task_id,
                  generation=info.generation, records=len(records), ranges=ranges_text(info.ranges),
                  location=location)
        return location

    @staticmethod
    def _arrow_table(records: Sequence[Record], schema: pa.Schema, wide: bool = False) -> pa.Table:
        timestamps = pa.array([r.timestamp_ms for r in records], pa.int64())
        offsets = pa.array([f"{r.offset:0{OFFSET_DIGITS}d}" for r in records], pa.string()) if wide else \
            pa.array([r.offset for r in records], pa.int64())
        columns = [
            pa.array([str(r.partition) for r in records], pa.string()),
            offsets,
            # milliseconds -> the microseconds of Iceberg's timestamptz
            pc.multiply(timestamps, 1000).cast(pa.timestamp("us", tz="UTC")),
            pa.array([r.key for r in records], pa.binary()),
            pa.array([r.value for r in records], pa.binary()),
            pa.array([[{"key": k, "value": v} for k, v in r.headers] for r in records],
                     schema.field("headers").type),
        ]
        return pa.Table.from_arrays(columns, schema=schema)

    def publish(self, location: str, segment_id: int, info: SegmentInfo) -> None:
        """Raises ValueError for a location or segment id that cannot be this segment's, TimeoutError when
        concurrent commits kept winning for publish_timeout_s (call again), and lets an
        unknown-outcome error of the catalog through (calling again is safe: the property decides)."""
        task_id, name = self._task_and_name(location)
        if task_id != info.task_id or name != info.name:
            raise ValueError(f"Iceberg sink: location {location!r} is not segment {info.name!r} "
                             f"of task {info.task_id!r}")
        if not isinstance(segment_id, int) or isinstance(segment_id, bool) or segment_id < 0:
            raise ValueError(f"Iceberg sink: segment id {segment_id!r} must be a non-negative integer")
        published_key = PUBLISHED_PROPERTY_PREFIX + task_id
        deadline = time.monotonic() + self.config.publish_timeout_s
        attempt = 0
        while True:
            table = (attempt == 0 and self._cached_table(info.family_id)) or self._load_table(info.family_id)
            published = int(table.properties.get(published_key, "-1"))
            if published >= segment_id:
                logs.info(log, "iceberg segment already published", supervisor_id=info.supervisor_id,
                          task_id=task_id, segment_id=segment_id, task_published_segment_id=published,
                          location=location)
                break
            if table.properties.get(TableProperties.COMMIT_NUM_RETRIES) != "0":
                # Someone changed it: restore it (a properties-only commit is never retried by pyiceberg).
                self._commit_quietly(table, lambda tx: tx.set_properties(TABLE_PROPERTIES))
                attempt += 1
                continue
            if self.on_before_commit is not None:
                self.on_before_commit(table)
            try:
                tx = table.transaction()
                # add_files first: a transaction re-applies its staged updates to a deep copy of the metadata
                # on every look at it, and add_files looks often (measured: most of a publish's CPU).
                tx.add_files([location], snapshot_properties=self._summary(segment_id, info),
                             check_duplicate_files=False)   # that check reads every manifest: our property suffices
                tx.set_properties({published_key: str(segment_id)})
                committed = tx.commit_transaction()
            except (CommitFailedException, OperationalError) as e:
                # Someone else committed first (maybe this very segment): reload and check again.
                attempt += 1
                if time.monotonic() > deadline:
                    raise TimeoutError(f"Iceberg sink: publishing {location} still conflicted after "
                                       f"{attempt} attempts: {e}") from e
                logs.debug(log, "iceberg publish conflict, re-checking", supervisor_id=info.supervisor_id,
                           task_id=task_id, segment_id=segment_id, attempt=attempt)
                time.sleep(random.uniform(0, min(0.5, 0.01 * 2 ** min(attempt, 6))))
                continue
            self._remember(info.family_id, committed)
            snapshot = committed.current_snapshot()
            logs.info(log, "iceberg segment published", supervisor_id=info.supervisor_id, task_id=task_id,
                      generation=info.generation, segment_id=segment_id, ranges=ranges_text(info.ranges),
                      location=location, snapshot_id=snapshot.snapshot_id if snapshot else None,
                      conflicts=attempt)
            self._expire_snapshots(committed, info)
            break
        self._remove(self._marker_path(task_id, name))

    @staticmethod
    def _summary(segment_id: int, info: SegmentInfo) -> dict[str, str]:
        return {"streamvisor.supervisor-id": info.supervisor_id, "streamvisor.family-id": info.family_id,
                "streamvisor.generation": str(info.generation), "streamvisor.task-id": info.task_id,
                "streamvisor.segment-id": str(segment_id), "streamvisor.segment-name": info.name,
                "streamvisor.ranges": ranges_text(info.ranges)}

    def _commit_quietly(self, table: Table, change) -> None:
        try:
            tx = table.transaction()
            change(tx)
            tx.commit_transaction()
        except (CommitFailedException, OperationalError):
            pass   # a concurrent commit won; the caller reloads and looks again

    def _expire_snapshots(self, table: Table, info: SegmentInfo) -> None:
        """One snapshot per segment: past keep_snapshots + expire_every, expire down to keep_snapshots (the
        data stays: every file of an append-only table is still in the current snapshot)."""
        keep = self.config.keep_snapshots
        snapshots = table.metadata.snapshots
        if keep == 0 or len(snapshots) < keep + self.config.expire_every:
            return
        # older_than, not by_ids: by_ids looks at (deep-copies) the whole metadata once per snapshot id.
        oldest_kept_ms = sorted(s.timestamp_ms for s in snapshots)[len(snapshots) - keep]
        try:
            table.maintenance.expire_snapshots().older_than(
                datetime.fromtimestamp(oldest_kept_ms / 1000, tz=timezone.utc)).commit()
        except (CommitFailedException, OperationalError, ValueError):
            return   # a concurrent commit (or expiry) won; the next publish tries again
        logs.info(log, "iceberg snapshots expired", supervisor_id=info.family_id,
                  expired=len(snapshots) - len(table.metadata.snapshots), kept=len(table.metadata.snapshots))

    def discard(self, location: str) -> None:
        task_id, name = self._task_and_name(location)
        # The data first: a crash in between leaves a marker that staged() reports again, and discarding
        # twice is harmless.
        self._remove(self._path_of(location))
        self._remove(self._marker_path(task_id, name))
        logs.info(log, "iceberg staged segment discarded", task_id=task_id, location=location)

    def staged(self, task_id: str) -> list[StagedSegment]:
        task_id = _check_name("task id", task_id)
        selector = pafs.FileSelector(f"{self._staging_root}/{task_id}", allow_not_found=True)
        found = []
        for entry in sorted(self._fs.get_file_info(selector), key=lambda e: e.path):
            if entry.type != pafs.FileType.File or not entry.path.endswith(".json"):
                continue   # a `.tmp` is a marker whose stage() never returned: it was never committed
            with self._fs.open_input_stream(entry.path) as stream:
                data = json.loads(stream.read())
            try:
                info = _info_from_json(data["info"])
            except (KeyError, TypeError, ValueError):
                info = None
            found.append(StagedSegment(location=data["location"], info=info))
        return found

    def staged_task_ids(self) -> list[str]:
        """Task ids with something in staging: how a worker finds what holders of *other* tasks left - a
        task fenced by a reset is never leased again, so only a sweep or a newer task's recovery publishes
        its accepted-but-unpublished segment (the end-to-end test with resets in flight found this)."""
        selector = pafs.FileSelector(self._staging_root, allow_not_found=True)
        return sorted(entry.base_name for entry in self._fs.get_file_info(selector)
                      if entry.type == pafs.FileType.Directory)

    def read_offsets(self, family_id: str) -> Iterator[tuple[Partition, int, str]]:
        try:
            table = self._load_table(family_id)
        except NoSuchTableError:
            return
        as_partition = int if table.properties.get(PARTITION_KIND_PROPERTY) == "int" else str
        for task in table.scan(selected_fields=("partition", "offset")).plan_files():
            if task.delete_files:   # never written by this sink; someone deleted rows: let pyiceberg apply them
                raise ValueError(f"Iceberg sink: table {family_id} has delete files; read it with a full scan")
            path = task.file.file_path
            with self.io.new_input(path).open() as stream:
                columns = pq.read_table(stream, columns=["partition", "offset"])
            for partition, offset in zip(columns.column("partition").to_pylist(),
                                         columns.column("offset").to_pylist()):
                yield as_partition(partition), int(offset), path  # a wide table's offsets are padded strings

    def close(self) -> None:
        self.catalog.engine.dispose()

    # Files ----------------------------------------------------------------------------------------------
    def _write_atomically(self, path: str, data: bytes) -> None:
        """Whole or absent: a temporary name, then a rename (an object store's PUT is atomic anyway)."""
        temporary = f"{path}.{uuid.uuid4().hex[:8]}.tmp"
        self._fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
        with self._fs.open_output_stream(temporary) as stream:
            stream.write(data)
        self._sync(temporary)
        self._fs.move(temporary, path)
        self._sync(path.rsplit("/", 1)[0])

    def _sync(self, path: str) -> None:
        """Durable before we return: pyarrow does not fsync local files (object stores are durable on close)."""
        if isinstance(self._fs, pafs.LocalFileSystem):
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def _remove(self, path: str) -> None:
        try:
            self._fs.delete_file(path)
        except FileNotFoundError:
            pass


def utc(timestamp_ms: int | None) -> datetime | None:
    """How a record's timestamp reads back from the table (a timezone-aware datetime)."""
    return None if timestamp_ms is None else datetime.fromtimestamp(timestamp_ms / 1000, tz=timezone.utc)
