"""ListSegments over a real channel on SQLite and PostgreSQL: pages, the family, every filter, every bad
input; the family id a backfill's task carries; the indexes a filtered page uses."""
from __future__ import annotations

import grpc
import pytest
from sqlalchemy import create_engine, text

from helpers import expect_error, kafka_spec, snapshot
from streamvisor.app.scheduler import Scheduler
from streamvisor.client.tasks import TaskClient
from streamvisor.domain.model import OffsetRange

pytestmark = pytest.mark.kafka

INVALID, NOT_FOUND = grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND


def commit(server, supervisor_id: str, ranges: dict[int, tuple[int, int]], location: str) -> int:
    generation = server.service.get(supervisor_id).generation
    return server.service.commit_checkpoint(
        supervisor_id, "task-test", generation, [OffsetRange(p, a, b) for p, (a, b) in ranges.items()], location,
        sum(b - a for a, b in ranges.values()), task_starts={p: a for p, (a, _) in ranges.items()})


@pytest.fixture
def family(client, server, topics):
    """main: 6 segments on partitions 0 and 1 (partition 1 only every third); then a reset to latest and
    backfill, and 2 segments of the backfill."""
    name = topics.create(2)
    topics.produce(name, {0: 100, 1: 100})
    client.create_supervisor("main", kafka_spec(name, task_count=1, context={"useConcurrentLocks": "true"}))
    for i in range(6):
        ranges = {0: (i * 10, i * 10 + 10)}
        if i % 3 == 0:
            ranges[1] = (i * 5, i * 5 + 5) if i == 0 else (5, 20)
        commit(server, "main", ranges, f"file:///out/main/seg-{i}.jsonl")
    result = client.reset_to_latest_and_backfill("main")
    backfill = result.backfill_supervisor_id
    commit(server, backfill, {0: (60, 80)}, "file:///out/main/bf-0.jsonl")
    commit(server, backfill, {0: (80, 100), 1: (20, 30)}, "file:///out/main/bf-1.jsonl")  # not complete yet
    return backfill


def locations(segments) -> list[str]:
    return [s.location.rsplit("/", 1)[1] for s in segments]


def test_a_supervisor_and_its_family_in_commit_order(client, family):
    main = client.list_segments("main")
    assert locations(main.segments) == [f"seg-{i}.jsonl" for i in range(6)] and not main.next_page_token
    first = main.segments[0]
    assert (first.supervisor_id, first.task_id, first.generation, first.record_count) == ("main", "task-test", 1, 15)
    assert [(r.partition, r.start_offset, r.end_offset) for r in first.ranges] == [(0, 0, 10), (1, 0, 5)]
    assert first.publish_time.seconds > 0
    ids = [s.segment_id for s in main.segments]
    assert ids == sorted(ids)
    everything = list(client.iter_segments("main", include_backfills=True, page_size=3))
    assert locations(everything) == [f"seg-{i}.jsonl" for i in range(6)] + ["bf-0.jsonl", "bf-1.jsonl"]
    assert {s.supervisor_id for s in everything[6:]} == {family}
    assert locations(client.list_segments(family).segments) == ["bf-0.jsonl", "bf-1.jsonl"]


def test_pages_follow_one_another_and_a_token_belongs_to_its_query(client, family):
    page = client.list_segments("main", include_backfills=True, page_size=3)
    assert len(page.segments) == 3 and page.next_page_token
    second = client.list_segments("main", include_backfills=True, page_size=3, page_token=page.next_page_token)
    assert locations(second.segments) == ["seg-3.jsonl", "seg-4.jsonl", "seg-5.jsonl"]
    for other in ({"partition": 1}, {"include_backfills": False}, {"location": "x"}):
        expect_error(lambda: client.list_segments("main", **({"include_backfills": True} | other),
                                                  page_token=page.next_page_token), INVALID, "INVALID_PAGE_TOKEN")
    expect_error(lambda: client.list_segments("main", page_token="garbage!"), INVALID, "INVALID_PAGE_TOKEN")


def test_filters_by_partition_offset_range_and_location(client, family):
    def listed(**filters):
        return locations(client.iter_segments("main", include_backfills=True, page_size=2, **filters))
    assert listed(partition=1) == ["seg-0.jsonl", "seg-3.jsonl", "bf-1.jsonl"]
    assert listed(partition=7) == []
    # Overlapping [25, 41) of partition 0: [20,30) [30,40) [40,50); half-open at both ends.
    assert listed(partition=0, start_offset=25, end_offset=41) == ["seg-2.jsonl", "seg-3.jsonl", "seg-4.jsonl"]
    assert listed(partition=0, start_offset=30, end_offset=40) == ["seg-3.jsonl"]
    assert listed(partition=0, start_offset=30, end_offset=30) == []  # an empty range overlaps nothing
    assert listed(partition=0, start_offset=35, end_offset=35) == []  # not even a segment around it
    assert listed(start_offset=95) == ["bf-1.jsonl"]  # any partition
    assert listed(end_offset=5) == ["seg-0.jsonl"]
    assert listed(partition=1, start_offset=10, end_offset=15) == ["seg-3.jsonl"]
    assert listed(location="file:///out/main/bf-0.jsonl") == ["bf-0.jsonl"]
    assert listed(location="file:///out/main/bf-0.jsonl", partition=1) == []
    assert listed(location="file:///out/main/nowhere.jsonl") == []
    # Without the family, a backfill's location is not the supervisor's.
    assert locations(client.list_segments("main", location="file:///out/main/bf-0.jsonl").segments) == []


def test_every_bad_input_is_named_and_changes_nothing(client, family):
    before = snapshot(client)
    expect_error(lambda: client.list_segments("nope"), NOT_FOUND, "SUPERVISOR_NOT_FOUND")
    expect_error(lambda: client.list_segments(""), INVALID, "INVALID_ARGUMENT")
    error = expect_error(lambda: client.list_segments("main", partition=-1, start_offset=-2, end_offset=-3,
                                                      page_size=-1, location="x" * 2049), INVALID, "INVALID_ARGUMENT")
    assert {f for f, _ in error.field_violations} == {"partition", "start_offset", "end_offset", "page_size",
                                                      "location"}
    error = expect_error(lambda: client.list_segments("main", start_offset=10, end_offset=5), INVALID,
                         "INVALID_ARGUMENT")
    assert [f for f, _ in error.field_violations] == ["end_offset"]
    assert snapshot(client) == before


def test_a_backfill_task_carries_its_family(client, server, family):
    scheduler = Scheduler(server.store, server.streams, server.service)
    assert scheduler.run_once()
    with TaskClient(f"127.0.0.1:{server.port}", retry_for_s=0) as tasks:
        leased = [tasks.acquire(f"w{i}", 10) for i in range(3)]
    by_supervisor = {t.supervisor_id: t.family_id for t in leased if t is not None}
    assert by_supervisor == {"main": "main", family: "main"}


def test_a_filtered_page_seeks_an_index(sqlite_url, kafka_bootstrap):
    """The cost of a page must not grow with history: each filter's query is an index seek (SQLite's plan)."""
    from conftest import start_server
    server = start_server(sqlite_url, kafka_bootstrap)
    try:
        engine = create_engine(sqlite_url)
        with engine.connect() as c:
            def plan(sql: str) -> str:
                return " | ".join(row[-1] for row in c.execute(text("EXPLAIN QUERY PLAN " + sql)))
            by_partition = plan("SELECT DISTINCT segment_id FROM segment_ranges WHERE supervisor_id IN ('a', 'b') "
                                "AND partition = 3 AND segment_id > 100 AND end_offset > start_offset "
                                "ORDER BY segment_id LIMIT 51")
            assert "ix_segment_ranges_supervisor_partition_segment" in by_partition, by_partition
            by_location = plan("SELECT id FROM segments WHERE supervisor_id IN ('a') AND location = 'x' "
                               "ORDER BY id LIMIT 51")
            assert "ix_segments_supervisor_location" in by_location, by_location
            plain = plan("SELECT id FROM segments WHERE supervisor_id IN ('a') AND id > 5 ORDER BY id LIMIT 51")
            assert "ix_segments_supervisor_id_id" in plain, plain
        engine.dispose()
    finally:
        server.stop()
