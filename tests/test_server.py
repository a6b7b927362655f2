"""The process around the servicers: health, reflection, graceful shutdown, the `serve` command."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import grpc
from google.protobuf import descriptor_pool
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from streamvisor.client import StreamvisorClient


def test_health_reports_serving_for_the_server_and_the_service(server):
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for name in ("", "streamvisor.v1.SupervisorService"):
            assert stub.Check(health_pb2.HealthCheckRequest(service=name), timeout=5).status == \
                health_pb2.HealthCheckResponse.SERVING
        try:
            stub.Check(health_pb2.HealthCheckRequest(service="nope"), timeout=5)
            raise AssertionError("unknown service must be NOT_FOUND")
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.NOT_FOUND


def test_reflection_describes_the_service_without_proto_files(server):
    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        services = database.get_services()
        assert {"streamvisor.v1.SupervisorService", "grpc.health.v1.Health"} <= set(services)
        pool = descriptor_pool.DescriptorPool(database)
        service = pool.FindServiceByName("streamvisor.v1.SupervisorService")
        assert {"CreateSupervisor", "GetOffsets", "ResetToLatestAndBackfill", "ListSupervisorHistory"} <= {
            m.name for m in service.methods}
        request = pool.FindMessageTypeByName("streamvisor.v1.ResetToLatestAndBackfillRequest")
        assert "backfill_task_count" in request.fields_by_name


def test_serve_runs_and_stops_gracefully_on_sigterm(tmp_path, kafka_bootstrap):
    env = {**os.environ, "STREAMVISOR_DATABASE_URL": f"sqlite:///{tmp_path}/sv.db"}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamvisor", "serve", "--listen", "127.0.0.1:0",
         "--kafka-bootstrap", kafka_bootstrap],
        env=env, stderr=subprocess.PIPE, text=True)
    try:
        port = None
        deadline = time.monotonic() + 60
        lines = []
        while port is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            lines.append(line)
            match = re.search(r"serving address=127\.0\.0\.1:(\d+)", line)
            port = int(match.group(1)) if match else None
        assert port, "".join(lines)
        with StreamvisorClient(f"127.0.0.1:{port}", retries=0) as client:
            assert list(client.iter_supervisors()) == []
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        rest = process.stderr.read()
        assert "signal received signal=SIGTERM" in rest and "stopped" in rest
        assert (tmp_path / "sv.db").exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_migrations_are_idempotent_across_restarts(database_url, kafka_bootstrap, topics):
    from conftest import start_server
    from helpers import kafka_spec

    topic = topics.create(1)
    first = start_server(database_url, kafka_bootstrap)
    with StreamvisorClient(f"127.0.0.1:{first.port}", retries=0) as c:
        c.create_supervisor("keep", kafka_spec(topic))
    first.stop(0)
    second = start_server(database_url, kafka_bootstrap)
    try:
        with StreamvisorClient(f"127.0.0.1:{second.port}", retries=0) as c:
            assert c.get_supervisor("keep").spec.stream == topic
    finally:
        second.stop(0)
