"""The lag-based autoscaler on a real server, real Kafka and real reference workers (SQLite and PostgreSQL):
it scales out while lag is high, in once the workers have caught up, each change an AUTOSCALE audit event
at a new generation with the lag it saw - and the output is still every offset exactly once. A reset starts
its window afresh. Bad configurations are refused and change nothing."""
from __future__ import annotations

import json
import threading
import time

import grpc
import pytest

from conftest import start_server
from helpers import expect_error, kafka_spec, snapshot, wait_until
from streamvisor.api.server import start_embedded_workers
from streamvisor.client import StreamvisorClient
from streamvisor.v1 import supervisor_pb2 as pb

PARTITIONS = 4
RECORDS = 600  # per partition


def autoscaler(**overrides) -> pb.AutoscalerConfig:
    fields = dict(enabled=True, task_count_min=1, task_count_max=4, scale_out_lag=500, scale_in_lag=1,
                  scale_out_fraction=1.0, scale_in_fraction=1.0, sample_interval_seconds=1, window_seconds=2,
                  scale_out_step=2, scale_in_step=1, cooldown_seconds=0)
    return pb.AutoscalerConfig(**{**fields, **overrides})


def autoscale_events(client: StreamvisorClient, supervisor_id: str) -> list:
    return [e for e in reversed(list(client.iter_history(supervisor_id))) if e.action == "AUTOSCALE"]


@pytest.fixture
def scaling_server(database_url, kafka_bootstrap, tmp_path):
    server = start_server(database_url, kafka_bootstrap, scheduler=True, scheduler_interval_s=0.2,
                          autoscaler_refresh_s=0.2, output=str(tmp_path / "segments"), embedded_workers=2)
    yield server
    server.stop(0)


def test_scales_out_on_lag_then_in_once_caught_up_and_loses_nothing(scaling_server, topics):
    server = scaling_server
    topic = topics.create(PARTITIONS)
    topics.produce(topic, {p: RECORDS for p in range(PARTITIONS)})
    with StreamvisorClient(f"127.0.0.1:{server.port}", timeout=30, retries=0) as client:
        client.create_supervisor("scaled", kafka_spec(topic, task_count=1, use_earliest_offset=True,
                                                      autoscaler=autoscaler()))
        # No workers yet: the lag (2,400) stays above 500, so it scales out 1 -> 3 -> 4 (the max) and stops.
        wait_until(lambda: client.get_supervisor("scaled").spec.task_count == 4, 30, "scale-out to the max")
        out = autoscale_events(client, "scaled")
        assert [json.loads(e.details_json)["task_count_after"] for e in out] == [3, 4]
        for event in out:
            details = json.loads(event.details_json)
            assert event.actor == "autoscaler" and details["direction"] == "OUT"
            assert details["latest_lag"] == PARTITIONS * RECORDS and details["threshold"] == 500
            assert event.generation_after == event.generation_before + 1
        time.sleep(2.5)
        assert client.get_supervisor("scaled").spec.task_count == 4  # at the max: no more events
        assert len(autoscale_events(client, "scaled")) == 2

        stop = threading.Event()
        workers = start_embedded_workers(server.config, server.port, stop)
        try:
            # The workers catch up; with no lag left it scales in, one task at a time, down to the min.
            wait_until(lambda: client.get_supervisor("scaled").spec.task_count == 1, 90, "scale-in to the min")
        finally:
            stop.set()
            for thread in workers:
                thread.join(timeout=30)
        ins = [json.loads(e.details_json) for e in autoscale_events(client, "scaled")][2:]
        assert [(d["direction"], d["task_count_before"], d["task_count_after"]) for d in ins] == [
            ("IN", 4, 3), ("IN", 3, 2), ("IN", 2, 1)]
        assert all(d["latest_lag"] == 0 for d in ins)
        coverage = client.get_coverage("scaled")
        assert coverage.total_gaps == 0 and coverage.total_overlaps == 0
        assert [(c.partition, [(r.start_offset, r.end_offset) for r in c.published]) for c in coverage.partitions] \
            == [(p, [(0, RECORDS)]) for p in range(PARTITIONS)]


def test_a_reset_starts_the_window_afresh(scaling_server, topics):
    server = scaling_server
    topic = topics.create(2)
    with StreamvisorClient(f"127.0.0.1:{server.port}", timeout=30, retries=0) as client:
        # A long window: no decision in this test, only the samples.
        client.create_supervisor("windowed", kafka_spec(topic, task_count=1, autoscaler=autoscaler(
            window_seconds=60, cooldown_seconds=600)))
        scaler = server.scheduler.autoscaler
        wait_until(lambda: len(scaler.history("windowed")) >= 3, 30, "samples")
        generation = client.get_supervisor("windowed").generation
        wait_until(lambda: all(p.HasField("checkpoint") for p in client.get_offsets("windowed").partitions), 30,
                 "start offsets")
        topics.produce(topic, {0: 20, 1: 20})
        reset = client.reset_to_latest_and_backfill("windowed")
        assert reset.generation == generation + 1
        # The backfill inherited the autoscaler; the live supervisor's window was dropped with its generation.
        backfill = client.get_supervisor(reset.backfill_supervisor_id)
        assert backfill.spec.autoscaler.enabled and backfill.spec.autoscaler.task_count_max == 4
        wait_until(lambda: 1 <= len(scaler.history("windowed")) <= 2, 10, "a fresh window")
        assert scaler._history["windowed"].generation == reset.generation


BAD = [
    (dict(task_count_min=0), "spec.autoscaler.task_count_min"),
    (dict(task_count_min=3, task_count_max=2), "spec.autoscaler.task_count_max"),
    (dict(task_count_min=2, task_count_max=4), "spec.autoscaler.task_count_min"),  # task_count 1 is outside
    (dict(scale_out_lag=1, scale_in_lag=1), "spec.autoscaler.scale_out_lag"),
    (dict(scale_in_fraction=float("nan")), "spec.autoscaler.scale_in_fraction"),
    (dict(sample_interval_seconds=10, window_seconds=5), "spec.autoscaler.window_seconds"),
    (dict(cooldown_seconds=-1), "spec.autoscaler.cooldown_seconds"),
]


@pytest.mark.parametrize("change, field", BAD)
def test_bad_autoscaler_configs_are_refused_on_create_and_update(client, topics, change, field):
    topic = topics.create(1)
    client.create_supervisor("plain", kafka_spec(topic, task_count=1))
    before = snapshot(client)
    error = expect_error(lambda: client.create_supervisor("scaled", kafka_spec(
        topic, task_count=1, autoscaler=autoscaler(**change))), grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert field in [f for f, _ in error.field_violations]
    etag = client.get_supervisor("plain").etag
    expect_error(lambda: client.update_supervisor("plain", kafka_spec(topic, task_count=1,
                                                                      autoscaler=autoscaler(**change)), etag),
                 grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT")
    assert snapshot(client) == before


def test_an_autoscaler_round_trips_through_create_get_update(client, topics):
    topic = topics.create(1)
    created = client.create_supervisor("scaled", kafka_spec(topic, task_count=2, autoscaler=autoscaler()))
    assert created.spec.autoscaler == autoscaler() and client.get_supervisor("scaled").spec == created.spec
    off = client.update_supervisor("scaled", kafka_spec(topic, task_count=2), created.etag)
    assert not off.spec.HasField("autoscaler")
