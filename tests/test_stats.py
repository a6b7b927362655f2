"""GetSupervisorStats over a real channel (SQLite and PostgreSQL, real Kafka): what workers report in their
heartbeats becomes per-task totals and moving averages, a new lease holder's counters count in full, FailTask
reasons are a task's recent errors, Prometheus counts the same, and bad reports change nothing."""
from __future__ import annotations

import time

import grpc
import pytest

from helpers import expect_error, kafka_spec
from streamvisor.app.scheduler import Scheduler
from streamvisor.v1 import supervisor_pb2 as pb
from streamvisor.v1 import task_service_pb2 as tasks

INVALID = grpc.StatusCode.INVALID_ARGUMENT


def report(processed=0, processed_bytes=0, unparseable=0, thrown_away=0, phase=pb.TASK_PHASE_READING):
    return tasks.TaskReport(counters=pb.IngestionCounters(processed=processed, processed_bytes=processed_bytes,
                                                          unparseable=unparseable, thrown_away=thrown_away),
                            phase=phase)


@pytest.fixture
def scheduled(server, client, topics):
    name = topics.create(2)
    client.create_supervisor("s", kafka_spec(name, task_count=2, use_earliest_offset=True))
    assert Scheduler(server.store, server.streams, server.service).run_once()
    return name


def test_reports_become_totals_and_moving_averages(client, task_client, scheduled):
    task = task_client.acquire("w1", lease_seconds=30)
    before = client.get_supervisor_stats("s")
    assert [t.task_group for t in before.tasks] == [0, 1] and before.totals.processed == 0
    mine = next(t for t in before.tasks if t.task_id == task.id)
    assert (mine.state, mine.worker_id) == ("LEASED", "w1") and not mine.HasField("last_report_time")

    task_client.heartbeat(task.id, "w1", 30, report(processed=100, processed_bytes=5000))
    time.sleep(1.0)
    task_client.heartbeat(task.id, "w1", 30, report(processed=300, processed_bytes=15000, unparseable=2,
                                                    thrown_away=1, phase=pb.TASK_PHASE_PUBLISHING))
    stats = client.get_supervisor_stats("s")
    mine = next(t for t in stats.tasks if t.task_id == task.id)
    assert (mine.totals.processed, mine.totals.processed_bytes, mine.totals.unparseable, mine.totals.thrown_away) \
        == (300, 15000, 2, 1)
    assert mine.phase == pb.TASK_PHASE_PUBLISHING and mine.HasField("last_report_time")
    # 200 records in about a second: the 1-minute average moved more than the 15-minute one, both up.
    one, fifteen = mine.moving_averages.one_minute.processed, mine.moving_averages.fifteen_minutes.processed
    assert 0 < fifteen < one < 200
    assert stats.totals.processed == 300 and stats.moving_averages.one_minute.processed == pytest.approx(one)
    assert stats.generation == client.get_supervisor("s").generation


def test_a_new_lease_holder_counts_from_zero_and_in_full(client, task_client, scheduled):
    task = task_client.acquire("w1", lease_seconds=1)
    task_client.heartbeat(task.id, "w1", 1, report(processed=500))
    time.sleep(1.5)  # the lease runs out; w2 takes both tasks (the other group is offered first)
    taken = {t.id for t in (task_client.acquire("w2", lease_seconds=30) for _ in range(2)) if t is not None}
    assert task.id in taken
    task_client.heartbeat(task.id, "w2", 30, report(processed=40))  # w2's own count, from zero
    mine = next(t for t in client.get_supervisor_stats("s").tasks if t.task_id == task.id)
    assert (mine.totals.processed, mine.worker_id) == (540, "w2")
    task_client.heartbeat(task.id, "w2", 30, report(processed=60))
    mine = next(t for t in client.get_supervisor_stats("s").tasks if t.task_id == task.id)
    assert mine.totals.processed == 560


def test_fail_reasons_are_recent_errors_five_at_most(client, task_client, scheduled):
    seen = []
    for i in range(7):
        task = task_client.acquire("w1", lease_seconds=30)
        while task is not None and task.task_group != 0:
            task_client.fail(task.id, "w1", "not this one")
            task = task_client.acquire("w1", lease_seconds=30)
        task_client.fail(task.id, "w1", f"boom {i}")
        seen.append(f"boom {i}")
    group0 = next(t for t in client.get_supervisor_stats("s").tasks if t.task_group == 0)
    assert [e.message for e in group0.recent_errors] == seen[-5:]
    assert group0.state == "PENDING"


@pytest.mark.parametrize("bad, field", [
    (report(processed=-1), "report.counters.processed"),
    (report(processed_bytes=-5), "report.counters.processed_bytes"),
    (report(unparseable=-1), "report.counters.unparseable"),
    (report(thrown_away=-1), "report.counters.thrown_away"),
    (report(phase=7), "report.phase"),
])
def test_bad_reports_are_refused_and_change_nothing(client, task_client, scheduled, bad, field):
    task = task_client.acquire("w1", lease_seconds=30)
    task_client.heartbeat(task.id, "w1", 30, report(processed=10))
    before = client.get_supervisor_stats("s")
    error = expect_error(lambda: task_client.heartbeat(task.id, "w1", 30, bad), INVALID, "INVALID_ARGUMENT")
    assert field in [f for f, _ in error.field_violations]
    after = client.get_supervisor_stats("s")
    assert [(t.task_id, t.totals, t.lease_expire_time) for t in after.tasks] == \
        [(t.task_id, t.totals, t.lease_expire_time) for t in before.tasks]


def test_stats_of_unknown_or_malformed_supervisors(client):
    expect_error(lambda: client.get_supervisor_stats("nobody"), grpc.StatusCode.NOT_FOUND, "SUPERVISOR_NOT_FOUND")
    expect_error(lambda: client.get_supervisor_stats("bad id"), INVALID, "INVALID_ARGUMENT")


def test_prometheus_counts_what_heartbeats_report(server, client, task_client, scheduled):
    def value(name):
        return server.metrics.registry.get_sample_value(name, {"supervisor_id": "s"}) or 0.0

    task = task_client.acquire("w1", lease_seconds=30)
    task_client.heartbeat(task.id, "w1", 30, report(processed=70, processed_bytes=700, unparseable=3))
    task_client.heartbeat(task.id, "w1", 30, report(processed=100, processed_bytes=1000, unparseable=3))
    assert value("streamvisor_records_processed_total") == 100
    assert value("streamvisor_processed_bytes_total") == 1000
    assert value("streamvisor_records_unparseable_total") == 3
