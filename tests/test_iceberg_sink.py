"""The Iceberg sink on real pyiceberg: a real SQLite catalog and a real PostgreSQL catalog (a database of
its own), local warehouse directories. Exactly once whatever crashes in which order, and whoever publishes
concurrently; bad configuration and bad input refused with a clear error."""
from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from iceberg_support import (  # noqa: F401 - fixtures
    iceberg_url,
    pg_iceberg_url,
    publish_in_child,
    segment,
    sqlite_iceberg_url,
    stage_then_die,
)
from pyiceberg.exceptions import CommitFailedException

from streamvisor.worker.sinks.iceberg import (
    ICEBERG_SCHEMES,
    PUBLISHED_PROPERTY_PREFIX,
    IcebergSink,
    open_iceberg_sink,
    parse_iceberg_url,
)

@pytest.fixture
def sink(iceberg_url):
    opened = open_iceberg_sink(iceberg_url)
    yield opened
    opened.close()


def table_rows(sink: IcebergSink, family_id: str) -> list[dict]:
    return sink._load_table(family_id).scan().to_arrow().to_pylist()


def offsets(sink: IcebergSink, family_id: str) -> Counter:
    return Counter((p, o) for p, o, _ in sink.read_offsets(family_id))


def expected(*ranges) -> Counter:
    return Counter((p, o) for p, start, end in ranges for o in range(start, end))


def segment_snapshots(sink: IcebergSink, family_id: str, segment_id: int) -> list:
    table = sink._load_table(family_id)
    return [s for s in table.metadata.snapshots
            if s.summary and s.summary.get("streamvisor.segment-id") == str(segment_id)]


def local_path(location: str) -> Path:
    return Path(urlsplit(location).path)


# Round trip -----------------------------------------------------------------------------------------------
def test_stage_publish_read_round_trip_with_every_column(sink):
    info, records = segment("orders", "task-a", 1, [(0, 0, 40), (3, 100, 130)], generation=4)
    location = sink.stage(info, records)

    # Staged: the file exists, no reader sees it, the next holder would find it.
    assert local_path(location).is_file()
    assert table_rows(sink, "orders") == []
    assert [(s.location, s.info) for s in sink.staged("task-a")] == [(location, info)]

    sink.publish(location, 17, info)

    rows = sorted(table_rows(sink, "orders"), key=lambda r: (r["partition"], r["offset"]))
    assert rows == [{
        "partition": str(r.partition), "offset": r.offset,
        "timestamp": None if r.timestamp_ms is None else datetime.fromtimestamp(r.timestamp_ms / 1000, timezone.utc),
        "key": r.key, "value": r.value,
        "headers": [{"key": k, "value": v} for k, v in r.headers],
    } for r in sorted(records, key=lambda r: (str(r.partition), r.offset))]
    assert any(r["headers"] for r in rows) and any(r["timestamp"] is None for r in rows)
    assert any(r["key"] is None for r in rows) and any(r["value"] == b"" for r in rows)

    (snapshot,) = sink._load_table("orders").metadata.snapshots
    summary = snapshot.summary
    assert (summary["streamvisor.supervisor-id"], summary["streamvisor.generation"], summary["streamvisor.task-id"],
            summary["streamvisor.segment-id"], summary["streamvisor.ranges"]) == ("orders", "4", "task-a", "17",
                                                                                 "0:0-40,3:100-130")
    assert summary["added-records"] == str(len(records))
    assert sink.staged("task-a") == []
    assert offsets(sink, "orders") == expected((0, 0, 40), (3, 100, 130))
    assert {where for _, _, where in sink.read_offsets("orders")} == {location}


def test_a_segment_of_markers_only_publishes_no_row(sink):
    """A live task past a transaction's last marker publishes a range that holds no record (record_count 0)."""
    info, records = segment("markers", "task-m", 1, [(0, 0, 40)])
    sink.publish(sink.stage(info, records), 1, info)
    empty, _ = segment("markers", "task-m", 2, [(0, 40, 41)])
    sink.publish(sink.stage(empty, []), 2, empty)
    assert offsets(sink, "markers") == expected((0, 0, 40)) and sink.staged("task-m") == []
    assert len(sink._load_table("markers").metadata.snapshots) == 2


def test_named_partitions_read_back_as_names(sink):
    info, records = segment("rabbit", "task-r", 1, [("orders-0", 0, 5), ("orders-1", 7, 9)])
    sink.publish(sink.stage(info, records), 1, info)
    assert offsets(sink, "rabbit") == expected(("orders-0", 0, 5), ("orders-1", 7, 9))


SEQ = 49680753293727183614358907412238618074341832428624019458  # a real 56-digit Kinesis sequence number


def test_kinesis_sequence_numbers_go_exactly_into_a_zero_padded_string_column(sink):
    from dataclasses import replace

    from streamvisor.worker.sinks.iceberg import OFFSET_DIGITS, OFFSET_KIND_PROPERTY

    # Sparse offsets: three records in a range of a million sequence numbers.
    info, records = segment("kin", "task-k", 1, [(4, SEQ, SEQ + 3)])
    records = [replace(r, offset=SEQ + i * 500_000, timestamp_ms=1_764_633_600_000 + i) for i, r in enumerate(records)]
    info = replace(info, ranges=((4, SEQ, SEQ + 1_000_001),))
    sink.publish(sink.stage(info, records), 1, info)
    table = sink._load_table("kin")
    assert table.properties[OFFSET_KIND_PROPERTY] == "decimal-string"
    assert sorted(r["offset"] for r in table_rows(sink, "kin")) == [
        f"{r.offset:0{OFFSET_DIGITS}d}" for r in records]  # string order is numeric order
    assert sorted(o for _, o, _ in sink.read_offsets("kin")) == [r.offset for r in records]

    # A family whose table was created with a long offset column refuses such a segment, naming why.
    small, small_records = segment("kafka-like", "task-s", 1, [(0, 0, 2)])
    sink.publish(sink.stage(small, small_records), 1, small)
    wide, wide_records = segment("kafka-like", "task-s", 2, [(0, 2, 2)])
    wide = replace(wide, ranges=((0, SEQ, SEQ + 1),))
    with pytest.raises(ValueError, match="long offset column"):
        sink.stage(wide, [replace(r, offset=SEQ, timestamp_ms=None) for r in small_records[:1]])


def test_read_offsets_of_a_family_that_never_published_is_empty(sink):
    assert list(sink.read_offsets("nobody-yet")) == []


def test_the_table_refuses_pyiceberg_rebasing_and_asserts_the_parent_snapshot(sink):
    """What publish() relies on, checked on the real catalog: no automatic retry, and a transaction built on
    an older snapshot is refused by the catalog's compare-and-swap."""
    info, records = segment("cas", "task-c", 1, [(0, 0, 3)])
    location = sink.stage(info, records)
    stale = sink._load_table("cas")
    assert stale.properties["commit.retry.num-retries"] == "0"
    sink.publish(location, 1, info)
    info2, records2 = segment("cas", "task-c", 2, [(0, 3, 6)])
    tx = stale.transaction()
    tx.add_files([sink.stage(info2, records2)], check_duplicate_files=False)
    with pytest.raises(CommitFailedException):
        tx.commit_transaction()
    assert offsets(sink, "cas") == expected((0, 0, 3))


# Once -------------------------------------------------------------------------------------------------
def test_publish_twice_is_once(sink):
    info, records = segment("twice.v1", "task-t", 1, [(0, 0, 25)])     # a dot: identifiers are tuples
    location = sink.stage(info, records)
    sink.publish(location, 5, info)
    sink.publish(location, 5, info)
    assert offsets(sink, "twice.v1") == expected((0, 0, 25))
    assert len(segment_snapshots(sink, "twice.v1", 5)) == 1
    assert sink.catalog.list_tables("streamvisor") == [("streamvisor", "twice.v1")]


def test_read_offsets_sees_what_a_user_deleted_from_the_table(sink):
    """verify reads the table as readers see it: rows deleted by someone else are missing there too."""
    info, records = segment("edited", "task-d", 1, [(0, 0, 10)])
    sink.publish(sink.stage(info, records), 1, info)
    sink._load_table("edited").delete("offset == 3")
    assert offsets(sink, "edited") == expected((0, 0, 3), (0, 4, 10))


def test_an_older_segment_of_the_task_published_late_is_not_added_again(sink):
    """The fenced-but-accepted holder finishing segment 5 after the new holder already published 5 and 6."""
    info5, records5 = segment("late", "task-l", 1, [(0, 0, 10)])
    info6, records6 = segment("late", "task-l", 2, [(0, 10, 20)])
    location5 = sink.stage(info5, records5)
    sink.publish(location5, 5, info5)
    sink.publish(sink.stage(info6, records6), 6, info6)
    sink.publish(location5, 5, info5)
    assert offsets(sink, "late") == expected((0, 0, 20))


def test_concurrent_publishers_in_threads_add_the_segment_once(iceberg_url):
    sinks = [open_iceberg_sink(iceberg_url) for _ in range(4)]
    info, records = segment("threads", "task-x", 1, [(0, 0, 50), (1, 0, 50)])
    location = sinks[0].stage(info, records)
    barrier = threading.Barrier(len(sinks))
    errors = []

    def publish(s):
        try:
            barrier.wait(timeout=30)
            s.publish(location, 9, info)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=publish, args=(s,)) for s in sinks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert offsets(sinks[0], "threads") == expected((0, 0, 50), (1, 0, 50))
    assert len(segment_snapshots(sinks[0], "threads", 9)) == 1
    for s in sinks:
        s.close()


def test_concurrent_publishers_in_processes_add_the_segment_once(iceberg_url):
    context = multiprocessing.get_context("spawn")
    sink = open_iceberg_sink(iceberg_url)
    info, records = segment("procs", "task-p", 1, [(0, 0, 30)])
    location = sink.stage(info, records)
    barrier = context.Barrier(3)
    children = [context.Process(target=publish_in_child, args=(iceberg_url, location, 3, info, barrier))
                for _ in range(3)]
    for child in children:
        child.start()
    for child in children:
        child.join(120)
    assert [c.exitcode for c in children] == [0, 0, 0]
    assert offsets(sink, "procs") == expected((0, 0, 30))
    assert len(segment_snapshots(sink, "procs", 3)) == 1
    sink.close()


def test_concurrent_tasks_of_one_family_all_land(iceberg_url):
    """Conflicts from *other* segments are retried (with the check redone), never given up or doubled."""
    sinks = [open_iceberg_sink(iceberg_url) for _ in range(3)]
    staged = []
    for n, s in enumerate(sinks):
        for k in range(3):
            info, records = segment("busy", f"task-{n}", k, [(n, k * 10, k * 10 + 10)])
            staged.append((s, s.stage(info, records), 100 * n + k, info))
    barrier = threading.Barrier(len(sinks))
    errors = []

    def publish_task(s):
        try:
            barrier.wait(timeout=30)
            for owner, location, segment_id, info in staged:
                if owner is s:
                    s.publish(location, segment_id, info)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=publish_task, args=(s,)) for s in sinks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert offsets(sinks[0], "busy") == expected(*[(n, 0, 30) for n in range(3)])
    for s in sinks:
        s.close()


def test_one_sink_shared_by_task_threads_publishes_each_segment_once(sink):
    """The worker shares one sink between its task threads: the cached metadata must not leak between them."""
    work = []
    for n in range(3):
        for k in range(3):
            info, records = segment("shared", f"task-{n}", k, [(n, k * 10, k * 10 + 10)])
            work.append((sink.stage(info, records), 10 * n + k, info))
    barrier = threading.Barrier(4)
    errors = []

    def publish_all(order):
        try:
            barrier.wait(timeout=30)
            for location, segment_id, info in order:
                sink.publish(location, segment_id, info)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    # Three threads each publish one task's segments; a fourth publishes everything again, concurrently.
    orders = [[w for w in work if w[2].task_id == f"task-{n}"] for n in range(3)] + [work]
    threads = [threading.Thread(target=publish_all, args=(order,)) for order in orders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert offsets(sink, "shared") == expected(*[(n, 0, 30) for n in range(3)])
    assert all(len(segment_snapshots(sink, "shared", segment_id)) == 1 for _, segment_id, _ in work)


def test_concurrent_first_stages_create_the_table_once(iceberg_url):
    sinks = [open_iceberg_sink(iceberg_url) for _ in range(3)]
    barrier = threading.Barrier(len(sinks))
    staged, errors = [], []

    def first_stage(s, n):
        try:
            info, records = segment("newborn", f"task-{n}", 1, [(n, 0, 5)])
            barrier.wait(timeout=30)
            staged.append((s, s.stage(info, records), n, info))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=first_stage, args=(s, n)) for n, s in enumerate(sinks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    for s, location, n, info in staged:
        s.publish(location, n, info)
    assert sinks[0].catalog.list_tables("streamvisor") == [("streamvisor", "newborn")]
    assert offsets(sinks[0], "newborn") == expected(*[(n, 0, 5) for n in range(3)])
    for s in sinks:
        s.close()


def test_a_stale_publisher_racing_a_newer_append_is_not_rebased(iceberg_url):
    """The old holder loads the table; meanwhile the new holder publishes the same segment and a newer one;
    the old holder's commit, built on the older snapshot, is refused, and the re-check finds its segment."""
    old, new = open_iceberg_sink(iceberg_url), open_iceberg_sink(iceberg_url)
    info6, records6 = segment("race", "task-r", 1, [(0, 0, 20)], generation=6)
    info7, records7 = segment("race", "task-r", 2, [(0, 20, 40)], generation=7)
    location6 = old.stage(info6, records6)
    location7 = new.stage(info7, records7)
    raced = []

    def newer_holder_goes_first(stale_table):
        if not raced:
            raced.append(stale_table.current_snapshot())
            new.publish(location6, 6, info6)
            new.publish(location7, 7, info7)

    old.on_before_commit = newer_holder_goes_first
    old.publish(location6, 6, info6)
    assert raced == [None]     # the old holder really had loaded the table before any append
    assert offsets(old, "race") == expected((0, 0, 40))
    assert len(old._load_table("race").metadata.snapshots) == 2
    old.close()
    new.close()


def test_a_user_restoring_pyiceberg_retries_does_not_bring_rebasing_back(iceberg_url):
    """With pyiceberg's default of 4 retries, the stale commit above would be rebased onto the newer
    snapshot (measured): publish() sets the property back to 0 before committing."""
    old, new = open_iceberg_sink(iceberg_url), open_iceberg_sink(iceberg_url)
    info1, records1 = segment("retries", "task-q", 1, [(0, 0, 5)])
    old.publish(old.stage(info1, records1), 1, info1)
    old._load_table("retries").transaction().set_properties({"commit.retry.num-retries": "4"}).commit_transaction()
    info2, records2 = segment("retries", "task-q", 2, [(0, 5, 10)])
    location2 = old.stage(info2, records2)
    raced = []

    def newer_holder_goes_first(_table):
        if not raced:
            raced.append(True)
            new.publish(location2, 2, info2)

    old.on_before_commit = newer_holder_goes_first
    old.publish(location2, 2, info2)
    assert raced == [True]
    assert old._load_table("retries").properties["commit.retry.num-retries"] == "0"
    assert offsets(old, "retries") == expected((0, 0, 10))
    old.close()
    new.close()


# Crashes ----------------------------------------------------------------------------------------------
def _killed_worker(url: str, info, records, die_in_publish_at=None, segment_id=0) -> str:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=stage_then_die, args=(url, info, records, die_in_publish_at, segment_id, queue))
    child.start()
    location = queue.get(timeout=120)
    child.join(120)
    assert child.exitcode == 9
    return location


def test_crash_after_stage_before_commit_is_found_and_discarded(iceberg_url):
    info, records = segment("crash1", "task-k", 1, [(0, 0, 12)])
    location = _killed_worker(iceberg_url, info, records)
    sink = open_iceberg_sink(iceberg_url)
    assert [(s.location, s.info) for s in sink.staged("task-k")] == [(location, info)]
    assert table_rows(sink, "crash1") == []
    sink.discard(location)
    assert not local_path(location).exists()
    assert sink.staged("task-k") == []
    sink.discard(location)     # twice: harmless
    assert table_rows(sink, "crash1") == []
    sink.close()


def test_crash_after_commit_before_publish_is_published_by_the_next_holder(iceberg_url):
    info, records = segment("crash2", "task-m", 1, [(0, 0, 12), (1, 4, 8)])
    location = _killed_worker(iceberg_url, info, records)
    # ... the server accepted the commit as segment 41; the next holder learns it and publishes:
    sink = open_iceberg_sink(iceberg_url)
    (found,) = sink.staged("task-m")
    assert (found.location, found.info) == (location, info)
    sink.publish(found.location, 41, found.info)
    assert offsets(sink, "crash2") == expected((0, 0, 12), (1, 4, 8))
    assert sink.staged("task-m") == []
    sink.close()


def test_staged_task_ids_lists_what_other_tasks_left_until_it_is_resolved(iceberg_url):
    # A task fenced by a reset is never leased again: workers find its leftovers through this listing.
    sink = open_iceberg_sink(iceberg_url)
    assert sink.staged_task_ids() == []
    kept, kept_records = segment("left", "task-fenced", 1, [(0, 0, 5)])
    dropped, dropped_records = segment("left", "task-other", 1, [(1, 0, 3)])
    kept_at = sink.stage(kept, kept_records)
    dropped_at = sink.stage(dropped, dropped_records)
    assert sink.staged_task_ids() == ["task-fenced", "task-other"]
    sink.publish(kept_at, 7, kept)
    sink.discard(dropped_at)
    assert all(sink.staged(task) == [] for task in sink.staged_task_ids())
    assert offsets(sink, "left") == expected((0, 0, 5))
    sink.close()


def test_crash_inside_publish_after_the_table_commit_is_finished_once(iceberg_url):
    info, records = segment("crash3", "task-n", 1, [(2, 0, 15)])
    location = _killed_worker(iceberg_url, info, records, die_in_publish_at="after_commit", segment_id=8)
    sink = open_iceberg_sink(iceberg_url)
    assert offsets(sink, "crash3") == expected((2, 0, 15))      # the commit landed ...
    (found,) = sink.staged("task-n")                             # ... the marker was left behind
    assert found.location == location
    sink.publish(found.location, 8, found.info)
    assert offsets(sink, "crash3") == expected((2, 0, 15))
    assert sink.staged("task-n") == []
    sink.close()


def test_a_torn_marker_of_a_stage_that_never_returned_is_ignored(sink, tmp_path):
    info, records = segment("torn", "task-o", 1, [(0, 0, 3)])
    location = sink.stage(info, records)
    marker_dir = Path(sink._staging_root) / "task-o"
    (marker_dir / "task-o-g1-000002-deadbeef.json.0123abcd.tmp").write_text('{"locat')
    assert [s.location for s in sink.staged("task-o")] == [location]


# Families ---------------------------------------------------------------------------------------------
def test_a_supervisor_and_its_backfill_append_to_the_same_table(sink):
    main_info, main_records = segment("clicks", "task-main", 1, [(0, 500, 520)], generation=2)
    backfill_info, backfill_records = segment("clicks", "task-bf", 1, [(0, 100, 500)],
                                              supervisor_id="clicks-backfill-1")
    sink.publish(sink.stage(main_info, main_records), 11, main_info)
    sink.publish(sink.stage(backfill_info, backfill_records), 12, backfill_info)
    assert offsets(sink, "clicks") == expected((0, 100, 520))
    table = sink._load_table("clicks")
    assert table.name() == ("streamvisor", "clicks")
    assert sorted(s.summary["streamvisor.supervisor-id"] for s in table.metadata.snapshots) == [
        "clicks", "clicks-backfill-1"]
    assert {k for k in table.properties if k.startswith(PUBLISHED_PROPERTY_PREFIX)} == {
        PUBLISHED_PROPERTY_PREFIX + "task-main", PUBLISHED_PROPERTY_PREFIX + "task-bf"}
    assert sink.catalog.list_tables("streamvisor") == [("streamvisor", "clicks")]


def test_snapshots_are_expired_on_a_cadence_and_the_data_stays(tmp_path):
    sink = open_iceberg_sink(sqlite_iceberg_url(tmp_path), keep_snapshots=5, expire_every=3)
    published = []
    for k in range(20):
        info, records = segment("expiring", "task-e", k, [(0, k * 4, k * 4 + 4)])
        location = sink.stage(info, records)
        sink.publish(location, k, info)
        published.append((location, k, info))
        assert len(sink._load_table("expiring").metadata.snapshots) < 5 + 3
    for location, k, info in published:        # still idempotent for segments whose snapshot expired
        sink.publish(location, k, info)
    assert offsets(sink, "expiring") == expected((0, 0, 80))
    sink.close()


# Bad configuration and bad input ---------------------------------------------------------------------
@pytest.mark.parametrize("url, options, message", [
    ("", {}, "URL is empty"),
    ("iceberg+mysql://h/db", {}, "unsupported scheme"),
    ("file:///tmp/x", {}, "unsupported scheme"),
    ("iceberg+sqlite://relative.db", {}, "names a host"),
    ("iceberg+sqlite:///", {}, "names no catalog file"),
    ("iceberg+sqlite:///tmp/dir/", {}, "names no catalog file"),
    ("iceberg+sqlite:///tmp/c.db?warehouse=relative/dir", {}, "warehouse 'relative/dir'"),
    ("iceberg+sqlite:///tmp/c.db?warehouse=file://host/dir", {}, "three slashes"),
    ("iceberg+sqlite:///tmp/c.db?warehouse=hdfs://nn/dir", {}, "warehouse 'hdfs://nn/dir'"),
    ("iceberg+sqlite:///tmp/c.db?warehouse=s3://", {}, "names no bucket"),
    ("iceberg+sqlite:///tmp/c.db?namespace=a.b", {}, "namespace 'a.b'"),
    ("iceberg+sqlite:///tmp/c.db?namespace=", {}, "namespace ''"),
    ("iceberg+sqlite:///tmp/c.db?colour=blue", {}, "unknown option 'colour'"),
    ("iceberg+sqlite:///tmp/c.db?namespace=a&namespace=b", {}, "given twice"),
    ("iceberg+sqlite:///tmp/c.db?keep_snapshots=many", {}, "keep_snapshots='many' is not a int"),
    ("iceberg+sqlite:///tmp/c.db", {"keep_snapshots": -1}, "must be at least 0"),
    ("iceberg+sqlite:///tmp/c.db?expire_every=0", {}, "must be at least 1"),
    ("iceberg+sqlite:///tmp/c.db?publish_timeout_s=0", {}, "must be at least"),
    ("iceberg+sqlite:///tmp/c.db#frag", {}, "fragment"),
    ("iceberg+postgresql:///db?warehouse=file:///tmp/w", {}, "names no database host"),
    ("iceberg+postgresql://u@h:5432/?warehouse=file:///tmp/w", {}, "names no database"),
    ("iceberg+postgresql://u@h:5432/a/b?warehouse=file:///tmp/w", {}, "more than one path segment"),
    ("iceberg+postgresql://u@h:99999/db?warehouse=file:///tmp/w", {}, "bad port"),
    ("iceberg+postgresql://u@h:5432/db", {}, "needs a warehouse"),
])
def test_bad_configuration_is_refused_with_the_reason(url, options, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("?", r"\?")):
        open_iceberg_sink(url, **options)


def test_an_unreachable_catalog_database_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="cannot open the catalog database"):
        open_iceberg_sink(f"iceberg+postgresql://postgres@127.0.0.1:1/nowhere?warehouse=file://{tmp_path}/w")


def test_missing_directories_are_created_and_unwritable_ones_are_a_clear_error(tmp_path):
    sink = open_iceberg_sink(f"iceberg+sqlite:///{tmp_path}/new/dirs/catalog.db")
    info, records = segment("fresh", "task-f", 1, [(0, 0, 2)])
    sink.publish(sink.stage(info, records), 1, info)
    assert (tmp_path / "new/dirs/catalog.db").is_file() and (tmp_path / "new/dirs/warehouse/streamvisor/fresh").is_dir()
    sink.close()
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="cannot create the catalog's directory"):
        open_iceberg_sink(f"iceberg+sqlite:///{tmp_path}/file/catalog.db")


def test_configuration_parses_every_documented_option(tmp_path):
    config = parse_iceberg_url(
        f"iceberg+sqlite:///{tmp_path}/c.db?namespace=raw&catalog=prod&keep_snapshots=0&expire_every=7"
        "&warehouse=s3://bucket/prefix/&s3.endpoint=http://127.0.0.1:9000&s3.region=eu-west-1",
        **{"s3.access-key-id": "id", "s3.secret-access-key": "secret", "publish_timeout_s": "2.5"})
    assert (config.catalog_uri, config.warehouse, config.namespace, config.catalog_name) == (
        f"sqlite:///{tmp_path}/c.db", "s3://bucket/prefix", "raw", "prod")
    assert (config.keep_snapshots, config.expire_every, config.publish_timeout_s) == (0, 7, 2.5)
    assert config.io_properties == {"s3.endpoint": "http://127.0.0.1:9000", "s3.region": "eu-west-1",
                                    "s3.access-key-id": "id", "s3.secret-access-key": "secret"}
    default = parse_iceberg_url(f"iceberg+sqlite:///{tmp_path}/sub/c.db")
    assert default.warehouse == f"file://{tmp_path}/sub/warehouse" and default.namespace == "streamvisor"
    pg = parse_iceberg_url("iceberg+postgresql://me:pw@db.example:6543/lake?warehouse=/data/wh")
    assert (pg.catalog_uri, pg.warehouse) == ("postgresql+psycopg://me:pw@db.example:6543/lake", "file:///data/wh")
    assert set(ICEBERG_SCHEMES) == {"iceberg+sqlite", "iceberg+postgresql", "iceberg+postgresql+psycopg"}


def _with(info, **changes):
    fields = {f: getattr(info, f) for f in info.__slots__}
    return type(info)(**{**fields, **changes})


def test_bad_segments_are_refused_and_stage_nothing(sink):
    info, records = segment("strict", "task-s", 1, [(0, 0, 5)])
    bad = [
        (_with(info, family_id="../escape"), records, "family id '../escape'"),
        (_with(info, task_id="a/b"), records, "task id 'a/b'"),
        (_with(info, name=""), records, "segment name ''"),
        (_with(info, supervisor_id="x" * 300), records, "supervisor id"),
        (info, records + [segment("strict", "task-s", 1, [(0, 5, 6)])[1][0]], "lies outside the segment's ranges"),
        (info, records + [segment("strict", "task-s", 1, [(1, 0, 1)])[1][0]], "lies outside the segment's ranges"),
        (_with(info, ranges=((0, 0, 5), ("1", 0, 1))), records, "all be ints or all be strings"),
        (_with(info, ranges=((0, 0, 5), (0, 5, 6))), records, "appears twice"),
        (_with(info, ranges=((0, 5, 0),)), [], "is not 0 <= start <= end"),
        (_with(info, ranges=((0, 0, 10**129 + 1),)), [], "is not 0 <= start <= end"),  # past any sequence number
    ]
    first = records[0]
    for column, value in [("timestamp_ms", 2**62), ("timestamp_ms", "now"), ("key", "text"), ("value", 3),
                          ("headers", (("k", "text"),)), ("headers", ((None, b"v"),)), ("headers", (("k",),))]:
        broken = _with(first, **{column: value})
        bad.append((info, [broken] + records[1:], "record 0:0: timestamp_ms must be"))
    for bad_info, bad_records, message in bad:
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
            sink.stage(bad_info, bad_records)
    assert sink.catalog.list_tables("streamvisor") == []
    assert sink.staged("task-s") == []


def test_publish_and_discard_refuse_what_this_sink_did_not_stage(sink):
    info, records = segment("strict2", "task-u", 1, [(0, 0, 5)])
    location = sink.stage(info, records)
    other, _ = segment("strict2", "task-u", 2, [(0, 5, 6)])
    with pytest.raises(ValueError, match="is not segment"):
        sink.publish(location, 1, other)
    with pytest.raises(ValueError, match="must be a non-negative integer"):
        sink.publish(location, -1, info)
    with pytest.raises(ValueError, match="is not a location this sink staged"):
        sink.discard("file:///etc/passwd")
    with pytest.raises(ValueError, match="is not a location this sink staged"):
        sink.publish("file:///tmp/data/x/y.jsonl", 1, info)
    with pytest.raises(ValueError, match="task id"):
        sink.staged("../..")
    assert table_rows(sink, "strict2") == []
    assert [s.location for s in sink.staged("task-u")] == [location]
