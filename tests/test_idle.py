"""IDLE on a real server, real Kafka and real reference workers (SQLite and PostgreSQL): a supervisor whose
stream has no new data goes IDLE (its workers told to stop), wakes by itself when records arrive, and every
record is ingested exactly once across the naps. Bad idle configurations are refused and change nothing."""
from __future__ import annotations

import threading
import time

import grpc
import pytest

from conftest import start_server
from helpers import expect_error, kafka_spec, snapshot, wait_until
from streamvisor.api.server import start_embedded_workers
from streamvisor.client import StreamvisorClient
from streamvisor.v1 import supervisor_pb2 as pb

IDLE, RUNNING = pb.SUPERVISOR_STATE_IDLE, pb.SUPERVISOR_STATE_RUNNING


@pytest.fixture
def idling_server(database_url, kafka_bootstrap, tmp_path):
    server = start_server(database_url, kafka_bootstrap, scheduler=True, scheduler_interval_s=0.2,
                          autoscaler_refresh_s=0.2, idle_check_s=0.2, output=str(tmp_path / "segments"),
                          embedded_workers=2)
    stop = threading.Event()
    workers = start_embedded_workers(server.config, server.port, stop)
    yield server
    stop.set()
    for thread in workers:
        thread.join(timeout=30)
    server.stop(0)


def test_goes_idle_wakes_on_new_data_and_loses_nothing(idling_server, topics):
    server = idling_server
    topic = topics.create(2)
    with StreamvisorClient(f"127.0.0.1:{server.port}", timeout=30, retries=0) as client:
        client.create_supervisor("napper", kafka_spec(topic, task_count=2, use_earliest_offset=True,
                                                      idle=pb.IdleConfig(enabled=True, inactive_after_seconds=2)))
        produced = {0: 0, 1: 0}
        for round_ in range(3):
            wait_until(lambda: client.get_supervisor("napper").state == IDLE, 30, f"IDLE (round {round_})")
            s = client.get_supervisor("napper")
            assert s.state_detail.startswith("no new data for ")
            assert client.get_supervisor_health("napper").healthy
            # While IDLE no task is leased.
            wait_until(lambda: all(t.state == "PENDING" for t in client.get_supervisor_stats("napper").tasks), 10,
                     "tasks released")
            topics.produce(topic, {0: 50, 1: 30})
            produced = {0: produced[0] + 50, 1: produced[1] + 30}
            wait_until(lambda: client.get_supervisor("napper").state == RUNNING, 10, f"woken (round {round_})")
            wait_until(lambda: [p.checkpoint for p in client.get_offsets("napper").partitions]
                     == [produced[0], produced[1]], 30, f"caught up (round {round_})")
        actions = [e.action for e in reversed(list(client.iter_history("napper")))]
        assert actions == ["CREATE", "IDLE", "WAKE", "IDLE", "WAKE", "IDLE", "WAKE"]
        coverage = client.get_coverage("napper")
        assert coverage.total_gaps == 0 and coverage.total_overlaps == 0
        assert [(c.partition, [(r.start_offset, r.end_offset) for r in c.published]) for c in coverage.partitions] \
            == [(0, [(0, produced[0])]), (1, [(0, produced[1])])]


def test_an_idle_supervisor_can_be_suspended_and_terminated_but_not_resumed(idling_server, topics):
    server = idling_server
    topic = topics.create(1)
    with StreamvisorClient(f"127.0.0.1:{server.port}", timeout=30, retries=0) as client:
        client.create_supervisor("quiet", kafka_spec(topic, task_count=1,
                                                     idle=pb.IdleConfig(enabled=True, inactive_after_seconds=1)))
        wait_until(lambda: client.get_supervisor("quiet").state == IDLE, 30, "IDLE")
        expect_error(lambda: client.resume_supervisor("quiet"), grpc.StatusCode.FAILED_PRECONDITION, "INVALID_STATE")
        expect_error(lambda: client.reset_to_latest_and_backfill("quiet"), grpc.StatusCode.FAILED_PRECONDITION,
                     "INVALID_STATE")
        listed = [s.id for s in client.iter_supervisors(states=[IDLE])]
        assert listed == ["quiet"]
        assert client.suspend_supervisor("quiet").state == pb.SUPERVISOR_STATE_SUSPENDED
        time.sleep(1.5)  # suspended stays suspended: idling watches RUNNING and IDLE only
        assert client.get_supervisor("quiet").state == pb.SUPERVISOR_STATE_SUSPENDED
        assert client.terminate_supervisor("quiet").state == pb.SUPERVISOR_STATE_TERMINATED


@pytest.mark.parametrize("idle, bounded, field", [
    (pb.IdleConfig(enabled=True, inactive_after_seconds=0), False, "spec.idle.inactive_after_seconds"),
    (pb.IdleConfig(enabled=True, inactive_after_seconds=-3), False, "spec.idle.inactive_after_seconds"),
    (pb.IdleConfig(enabled=True), True, "spec.idle.enabled"),
])
def test_bad_idle_configs_are_refused_and_change_nothing(client, topics, idle, bounded, field):
    topic = topics.create(1)
    topics.produce(topic, {0: 5})
    before = snapshot(client)
    extra = {"bounded_ranges": [pb.OffsetRange(partition=0, start_offset=0, end_offset=5)]} if bounded else {}
    error = expect_error(lambda: client.create_supervisor("bad", kafka_spec(topic, idle=idle, **extra)),
                         grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert field in [f for f, _ in error.field_violations]
    assert snapshot(client) == before
