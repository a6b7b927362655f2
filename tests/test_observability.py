"""Seeing what it does: Prometheus metrics over HTTP, JSON logs with actor and request id, and limits
(a flood of slow calls does not make health checks time out)."""
from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import grpc

from streamvisor.client import StreamvisorError
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from conftest import start_server
from helpers import kafka_spec
from streamvisor.client import StreamvisorClient, StreamvisorError
from streamvisor.domain.errors import Conflict
from streamvisor.domain.model import OffsetRange, StreamType, Supervisor, SupervisorSpec, SupervisorState
from streamvisor.v1 import supervisor_service_pb2 as svc
from streamvisor.v1 import supervisor_service_pb2_grpc as svc_grpc

SUPERVISORS = "streamvisor.v1.SupervisorService"


def scrape(port: int) -> dict[tuple[str, frozenset], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as response:
        text = response.read().decode()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples, name: str, **labels) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def rpc(method: str, **labels) -> dict:
    return {"grpc_service": SUPERVISORS, "grpc_method": method, "grpc_type": "unary", **labels}


@pytest.fixture
def blackhole():
    """A 'broker' that accepts connections and never answers: every call to it runs into its timeout."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(512)
        yield f"127.0.0.1:{s.getsockname()[1]}"


def insert_unreachable_supervisor(server, supervisor_id: str, bootstrap: str) -> None:
    """Written straight to the store: the API would (rightly) refuse a spec whose broker never answers."""
    now = datetime.now(timezone.utc)
    spec = SupervisorSpec(stream_type=StreamType.KAFKA, stream="nowhere",
                          consumer_properties={"bootstrap.servers": bootstrap}, task_count=1,
                          context={"useConcurrentLocks": "true"})
    with server.store.transaction() as tx:
        tx.insert_supervisor(Supervisor(id=supervisor_id, spec=spec, state=SupervisorState.RUNNING, generation=1,
                                        version=1, partitions=(0, 1), create_time=now, update_time=now))


# Metrics ------------------------------------------------------------------------------------------

def test_metrics_over_http_count_rpcs_errors_latency_commits_lag_and_backfill_progress(database_url,
                                                                                     kafka_bootstrap, topics):
    server = start_server(database_url, kafka_bootstrap, metrics_listen="127.0.0.1:0")
    server.metrics.supervisors.cache_s = 0  # every scrape recomputes (the default caches for 5 s)
    try:
        assert server.metrics.port > 0
        topic = topics.create(2)
        topics.produce(topic, {0: 30, 1: 10})
        with StreamvisorClient(f"127.0.0.1:{server.port}", retries=0) as c:
            c.create_supervisor("live", kafka_spec(topic, use_earliest_offset=True))
            c.create_supervisor("clicks", kafka_spec(topic))
            with pytest.raises(StreamvisorError):
                c.get_supervisor("nope")
            # Commits reach the metrics through the application's observer hook.
            server.service.commit_checkpoint("clicks", "t", 1, [OffsetRange(0, 0, 8)], "mem://", 8,
                                             task_starts={0: 0})
            with pytest.raises(Conflict):
                server.service.commit_checkpoint("clicks", "t", 99, [OffsetRange(0, 8, 9)], "mem://", 1,
                                                 task_starts={0: 8})
            before = scrape(server.metrics.port)
            reset = c.reset_to_latest_and_backfill("clicks")
        backfill = reset.backfill_supervisor_id
        assert [(r.partition, r.start_offset, r.end_offset) for r in reset.backfill_ranges] == [(0, 8, 30)]
        server.metrics.lease_expired("clicks", "task-1")
        m = scrape(server.metrics.port)

        # RPC counts, errors by code, latency histograms per method.
        assert value(m, "grpc_server_started_total", **rpc("CreateSupervisor")) == 2
        assert value(m, "grpc_server_handled_total", **rpc("CreateSupervisor", grpc_code="OK")) == 2
        assert value(m, "grpc_server_handled_total", **rpc("GetSupervisor", grpc_code="NOT_FOUND")) == 1
        assert value(m, "grpc_server_handling_seconds_count", **rpc("CreateSupervisor")) == 2
        assert value(m, "grpc_server_handling_seconds_bucket", **rpc("CreateSupervisor", le="+Inf")) == 2
        assert value(m, "grpc_server_handling_seconds_sum", **rpc("CreateSupervisor")) > 0
        assert value(m, "streamvisor_rpc_in_flight") == 0
        # Supervisors by state.
        assert value(m, "streamvisor_supervisors", state="RUNNING") == 3
        assert value(m, "streamvisor_supervisors", state="TERMINATED") == 0
        # Lag: "live" reads from the earliest offset and has no checkpoint yet; "clicks" was at 8 of 30.
        assert value(before, "streamvisor_supervisor_lag", supervisor_id="live") == 40
        assert value(before, "streamvisor_supervisor_lag", supervisor_id="clicks") == 22
        assert value(m, "streamvisor_supervisor_lag", supervisor_id="clicks") == 0
        assert value(m, "streamvisor_supervisor_offsets_up", supervisor_id="clicks") == 1
        # The backfill: nothing of [8, 30) ingested yet.
        labels = {"supervisor_id": backfill, "backfill_of": "clicks"}
        assert value(m, "streamvisor_backfill_total_offsets", **labels) == 22
        assert value(m, "streamvisor_backfill_progress_ratio", **labels) == 0
        assert value(m, "streamvisor_supervisor_lag", supervisor_id=backfill) == 22
        # Commits accepted and rejected by reason; lease expiries.
        assert value(m, "streamvisor_commits_accepted_total", supervisor_id="clicks") == 1
        assert value(m, "streamvisor_commits_rejected_total", supervisor_id="clicks",
                     reason="GENERATION_MISMATCH") == 1
        assert value(m, "streamvisor_lease_expiries_total", supervisor_id="clicks") == 1

        server.service.commit_checkpoint(backfill, "b", 1, [OffsetRange(0, 8, 19)], "mem://", 11, task_starts={0: 8})
        m = scrape(server.metrics.port)
        assert value(m, "streamvisor_backfill_done_offsets", **labels) == 11
        assert value(m, "streamvisor_backfill_progress_ratio", **labels) == 0.5
        assert value(m, "streamvisor_commits_accepted_total", supervisor_id=backfill) == 1
        assert value(m, "process_resident_memory_bytes") > 0
    finally:
        server.stop(0)


def test_a_scrape_is_bounded_when_a_broker_does_not_answer_and_cached(database_url, blackhole):
    server = start_server(database_url, None, metrics_listen="127.0.0.1:0", broker_timeout_s=10)
    try:
        insert_unreachable_supervisor(server, "stuck", blackhole)
        started = time.monotonic()
        m = scrape(server.metrics.port)
        first = time.monotonic() - started
        # The scrape budget (2 s) bounds it, not the 10 s broker timeout; the lag is absent, not made up.
        assert first < 6, first
        assert value(m, "streamvisor_supervisors", state="RUNNING") == 1
        assert value(m, "streamvisor_supervisor_offsets_up", supervisor_id="stuck") == 0
        assert value(m, "streamvisor_supervisor_lag", supervisor_id="stuck") is None
        # Within the cache period a scrape asks neither the store nor the broker again.
        started = time.monotonic()
        assert value(scrape(server.metrics.port), "streamvisor_supervisor_offsets_up", supervisor_id="stuck") == 0
        assert time.monotonic() - started < 1
    finally:
        server.stop(0)


def test_without_metrics_listen_no_http_endpoint_is_opened(sqlite_url):
    server = start_server(sqlite_url, None)
    try:
        assert server.metrics.port == 0
    finally:
        server.stop(0)


# Limits -------------------------------------------------------------------------------------------

def test_health_checks_answer_in_time_while_slow_calls_flood_the_server(database_url, blackhole):
    """16 concurrent GetOffsets against a broker that never answers (each takes the 3 s broker timeout) on a
    server with 6 threads, 2 of them reserved: 4 run, 12 are refused at once with RESOURCE_EXHAUSTED, and
    health checks keep answering SERVING within their 1 s deadline throughout."""
    server = start_server(database_url, None, broker_timeout_s=3, max_workers=6, reserved_workers=2)
    flood = 16
    try:
        insert_unreachable_supervisor(server, "slow", blackhole)
        target = f"127.0.0.1:{server.port}"
        barrier = threading.Barrier(flood)

        def slow_call(_):
            with grpc.insecure_channel(target) as channel:
                stub = svc_grpc.SupervisorServiceStub(channel)
                grpc.channel_ready_future(channel).result(timeout=10)
                barrier.wait(timeout=10)
                started = time.monotonic()
                try:
                    stub.GetOffsets(svc.GetOffsetsRequest(supervisor_id="slow"), timeout=30)
                    return "OK", time.monotonic() - started
                except grpc.RpcError as e:
                    reason = StreamvisorError.from_rpc_error(e).reason
                    return f"{e.code().name}:{reason}", time.monotonic() - started

        health_latencies = []
        with ThreadPoolExecutor(flood) as pool, grpc.insecure_channel(target) as channel:
            results = pool.map(slow_call, range(flood))
            health = health_pb2_grpc.HealthStub(channel)
            time.sleep(0.3)  # the flood is in
            assert server.metrics.in_flight._value.get() >= 4
            deadline = time.monotonic() + 2.5
            while time.monotonic() < deadline:
                started = time.monotonic()
                status = health.Check(health_pb2.HealthCheckRequest(), timeout=1).status
                health_latencies.append(time.monotonic() - started)
                assert status == health_pb2.HealthCheckResponse.SERVING
                time.sleep(0.05)
            results = list(results)
        codes = [code for code, _ in results]
        assert codes.count("UNAVAILABLE:STREAM_UNREACHABLE") == 4, results  # after the broker timeout
        assert codes.count("RESOURCE_EXHAUSTED:SERVER_BUSY") == flood - 4, results
        # Counted, not logged one WARNING each (the log gets one line per window, with the count).
        assert server.limiter.refused == flood - 4
        assert server.metrics.refused.labels(SUPERVISORS, "GetOffsets", "SERVER_BUSY")._value.get() == flood - 4
        assert all(seconds < 1 for code, seconds in results if code.startswith("RESOURCE_EXHAUSTED")), results
        assert len(health_latencies) >= 10 and max(health_latencies) < 0.5, health_latencies
    finally:
        server.stop(0)


def test_health_watch_streams_do_not_hold_server_threads(sqlite_url):
    """More open Watch streams than the pool has threads (as many load balancers keep): Check still answers."""
    server = start_server(sqlite_url, None, max_workers=4)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            watches = [health.Watch(health_pb2.HealthCheckRequest(), timeout=30) for _ in range(10)]
            assert all(next(w).status == health_pb2.HealthCheckResponse.SERVING for w in watches)
            assert health.Check(health_pb2.HealthCheckRequest(), timeout=1).status == \
                health_pb2.HealthCheckResponse.SERVING
            with StreamvisorClient(channel=channel, retries=0, timeout=5) as c:
                assert c.list_supervisors().supervisors == []
            for w in watches:
                w.cancel()
        # Let the server see the cancellations before stopping: grpc_health's enter_graceful_shutdown can
        # deadlock with a Watch being closed at the same moment (a race inside grpcio-health-checking).
        deadline = time.monotonic() + 5
        while any(server.health._send_response_callbacks.values()) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.stop(0)


# JSON logs, through the real `streamvisor serve` ---------------------------------------------------

def test_json_logs_carry_actor_request_id_and_supervisor(database_url, kafka_bootstrap, topics, tmp_path):
    token = "alice-" + os.urandom(8).hex()
    tokens = tmp_path / "tokens.yaml"
    tokens.write_text(f"tokens:\n  - actor: alice\n    role: operator\n"
                      f"    sha256: {hashlib.sha256(token.encode()).hexdigest()}\n")
    env = {**os.environ, "STREAMVISOR_DATABASE_URL": database_url, "STREAMVISOR_TOKENS_FILE": str(tokens)}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamvisor", "serve", "--listen", "127.0.0.1:0", "--log-format", "json",
         "--metrics-listen", "127.0.0.1:0", "--kafka-bootstrap", kafka_bootstrap],
        env=env, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True).start()
    seen: list[dict] = []

    def wait_for(predicate, timeout=60) -> dict:
        for entry in seen:
            if predicate(entry):
                return entry
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            entry = json.loads(line)  # every line is one JSON object
            seen.append(entry)
            if predicate(entry):
                return entry
        raise AssertionError(f"no such log line; saw: {seen}")

    try:
        serving = wait_for(lambda e: e.get("event") == "serving")
        port = int(serving["address"].rsplit(":", 1)[1])
        metrics_port = int(re.search(r":(\d+)/metrics", wait_for(lambda e: e.get("event") == "metrics endpoint")
                                     ["url"]).group(1))
        topic = topics.create(1)
        topics.produce(topic, {0: 5})
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            grpc.channel_ready_future(channel).result(timeout=30)
            svc_grpc.SupervisorServiceStub(channel).CreateSupervisor(
                svc.CreateSupervisorRequest(supervisor_id="logged", spec=kafka_spec(topic)), timeout=30,
                metadata=(("authorization", f"Bearer {token}"), ("x-request-id", "req-create-1")))
        # The serve's scheduler stores the start offset (latest, 5) within a pass: wait for it, so that the
        # reset below always moves a stored checkpoint (5 -> 2), whatever the scheduler's speed.
        started = wait_for(lambda e: e.get("event") == "start offsets resolved" and e.get("supervisor_id") == "logged")
        assert started["offsets"] == "0:5"
        with StreamvisorClient(f"127.0.0.1:{port}", token=token, retries=0) as c:
            c.reset_offsets("logged", [svc.PartitionResetTarget(partition=0, offset=2)], request_id="incident-42")
        with StreamvisorClient(f"127.0.0.1:{port}", retries=0) as c:
            with pytest.raises(StreamvisorError):
                c.get_supervisor("logged")

        created = wait_for(lambda e: e.get("event") == "supervisor created")
        assert (created["actor"], created["request_id"], created["supervisor_id"]) == ("alice", "req-create-1",
                                                                                     "logged")
        assert created["method"] == f"{SUPERVISORS}/CreateSupervisor" and created["stream"] == topic
        reset = wait_for(lambda e: e.get("event") == "supervisor offsets reset")
        assert (reset["actor"], reset["request_id"], reset["supervisor_id"]) == ("alice", "incident-42", "logged")
        assert (reset["offsets"], reset["generation"]) == ("0:5->2", "1->2")  # partition:before->after
        refused = wait_for(lambda e: e.get("event") == "rpc refused")
        assert refused["reason"] == "UNAUTHENTICATED" and "actor" not in refused
        assert re.fullmatch(r"[0-9a-f]{16}", refused["request_id"])  # a fresh one when the caller sent none
        m = scrape(metrics_port)
        assert value(m, "grpc_server_handled_total", **rpc("CreateSupervisor", grpc_code="OK")) == 1
        assert value(m, "grpc_server_handled_total", **rpc("GetSupervisor", grpc_code="UNAUTHENTICATED")) == 1

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
