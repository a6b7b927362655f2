"""Assembles the server: store, stream adapters, application service, servicers, health, reflection."""
from __future__ import annotations

import logging
import os
import socket
import signal
import threading
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from streamvisor import logs
from streamvisor.api import tls
from streamvisor.api.auth import AuthPolicy
from streamvisor.api.interceptors import CallLimiter, ServerInterceptor
from streamvisor.api.metrics import Metrics
from streamvisor.api.supervisor_servicer import SupervisorServicer
from streamvisor.api.task_servicer import TaskServicer
from streamvisor.app.scheduler import Scheduler
from streamvisor.app.supervisors import SupervisorService
from streamvisor.app.tasks import TaskService
from streamvisor.config import ServerConfig
from streamvisor.store.engine import create_store_engine, migrate
from streamvisor.store.sql import SqlMetadataStore
from streamvisor.streams.registry import StreamAdapterRegistry
from streamvisor.v1 import supervisor_service_pb2, supervisor_service_pb2_grpc, task_service_pb2, task_service_pb2_grpc

log = logging.getLogger("streamvisor.server")

SERVICE_NAMES = (
    supervisor_service_pb2.DESCRIPTOR.services_by_name["SupervisorService"].full_name,
    task_service_pb2.DESCRIPTOR.services_by_name["TaskService"].full_name,
)


class HealthServicer(health.HealthServicer):
    """grpcio-health-checking's servicer, plus List.

    health.proto gained List after Check and Watch; the package (1.85) registers the method from the proto but
    its servicer does not implement it, so without this a List call fails UNKNOWN "Method not implemented!"
    (found by tests/test_fuzz.py). The statuses are the ones Check answers from (the base class's table)."""

    def List(self, request, context):
        with self._lock:
            statuses = dict(self._server_status)
        return health_pb2.HealthListResponse(
            statuses={name: health_pb2.HealthCheckResponse(status=status) for name, status in statuses.items()})


class StreamvisorServer:
    def __init__(self, config: ServerConfig):
        self.config = config
        self.engine = create_store_engine(config.database_url, pool_size=config.max_workers)
        migrate(self.engine)
        self.store = SqlMetadataStore(self.engine)
        self.streams = StreamAdapterRegistry(timeout_s=config.broker_timeout_s)
        # Metrics are always collected (cheap); only --metrics-listen serves them over HTTP.
        self.metrics = Metrics(self.store, self.streams)
        self.service = SupervisorService(self.store, self.streams, config.default_consumer_properties,
                                         observer=self.metrics)
        self.tasks = TaskService(self.store, self.service)
        self.scheduler = Scheduler(self.store, self.streams, self.service, interval_s=config.scheduler_interval_s,
                                   lease_ttl_s=config.scheduler_lease_ttl_s) if config.scheduler else None
        options = [
            ("grpc.max_receive_message_length", config.max_message_bytes),
            ("grpc.max_send_message_length", config.max_message_bytes),
            ("grpc.so_reuseport", 0),
        ]
        self.auth = AuthPolicy.from_file(config.tokens_file) if config.tokens_file else AuthPolicy.disabled()
        # Application calls never take the last reserved_workers threads: those answer health checks.
        self.limiter = CallLimiter(max(1, config.max_workers - config.reserved_workers))
        self.grpc_server = grpc.server(futures.ThreadPoolExecutor(max_workers=config.max_workers,
                                                                  thread_name_prefix="rpc"), options=options,
                                       interceptors=[ServerInterceptor(self.auth, self.metrics, self.limiter)])
        supervisor_service_pb2_grpc.add_SupervisorServiceServicer_to_server(SupervisorServicer(self.service),
                                                                           self.grpc_server)
        task_service_pb2_grpc.add_TaskServiceServicer_to_server(TaskServicer(self.tasks), self.grpc_server)
        self.health = HealthServicer(experimental_non_blocking=True)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.grpc_server)
        reflection.enable_server_reflection(
            SERVICE_NAMES + (health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME),
            self.grpc_server)
        self.port = 0
        self._stopped = threading.Event()

    def start(self) -> int:
        c = self.config
        if c.tls_cert_file or c.tls_key_file or c.tls_client_ca_file:
            credentials = tls.server_credentials(c.tls_cert_file, c.tls_key_file, c.tls_client_ca_file or None)
            self.port = self.grpc_server.add_secure_port(c.listen, credentials)
        else:
            self.port = self.grpc_server.add_insecure_port(c.listen)
        if self.port == 0:
            raise RuntimeError(f"could not listen on {self.config.listen}")
        if c.metrics_listen:
            self.metrics.start_http(c.metrics_listen)
            logs.info(log, "metrics endpoint",
                      url=f"http://{c.metrics_listen.rsplit(':', 1)[0] or '0.0.0.0'}:{self.metrics.port}/metrics")
        self.grpc_server.start()
        for name in ("",) + SERVICE_NAMES:
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        if self.scheduler is not None:
            self.scheduler.start()
        host = self.config.listen.rsplit(":", 1)[0]
        logs.info(log, "security", transport="tls" if c.tls_cert_file else "plaintext",
                  client_certificates="required" if c.tls_client_ca_file else "-",
                  authentication=f"tokens_file={c.tokens_file}" if self.auth.enabled else "off (every caller is admin)")
        logs.info(log, "serving", address=f"{host}:{self.port}",
                  database=self.engine.url.render_as_string(hide_password=True),
                  default_bootstrap=self.config.default_consumer_properties.get("bootstrap.servers", "-"))
        return self.port

    def stop(self, grace: float | None = None) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.health.enter_graceful_shutdown()
        if self.scheduler is not None:
            self.scheduler.stop()
        self.grpc_server.stop(self.config.shutdown_grace_s if grace is None else grace).wait()
        self.metrics.stop()
        self.streams.close()
        self.engine.dispose()
        logs.info(log, "stopped")


def start_embedded_workers(config: ServerConfig, port: int, stop: threading.Event) -> list[threading.Thread]:
    """Reference workers inside the server process, talking to it over loopback like any other worker."""
    if config.embedded_workers <= 0:
        return []
    if config.tls_cert_file:
        raise SystemExit("--embedded-workers needs a plaintext listener; run `streamvisor worker` with TLS instead")
    from streamvisor.client.tasks import TaskClient
    from streamvisor.worker.runner import Worker
    from streamvisor.worker.sink import FileSink, output_dir

    sink = FileSink(output_dir(config.output))
    threads = []
    for i in range(config.embedded_workers):
        client = TaskClient(f"127.0.0.1:{port}", token=os.environ.get("STREAMVISOR_WORKER_TOKEN"))
        worker = Worker(f"127.0.0.1:{port}", sink, f"{socket.gethostname()}-{os.getpid()}-embedded-{i}",
                        client=client)
        thread = threading.Thread(target=worker.run, args=(stop,), name=f"worker-{i}", daemon=True)
        thread.start()
        threads.append(thread)
    logs.info(log, "embedded workers started", count=len(threads), output=config.output)
    return threads


def serve(config: ServerConfig) -> None:
    server = StreamvisorServer(config)
    server.start()
    stop_requested = threading.Event()
    workers_stop = threading.Event()
    workers = start_embedded_workers(config, server.port, workers_stop)

    def _on_signal(signum, _frame):
        # Shutting down gracefully: in-flight calls get grace_s to finish.
        logs.info(log, "signal received", signal=signal.Signals(signum).name, grace_s=config.shutdown_grace_s)
        stop_requested.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    # The main thread does the stopping, so the process exits only after in-flight calls finished.
    stop_requested.wait()
    # Workers first: they publish what they hold and hand their tasks back while the server still answers.
    workers_stop.set()
    for thread in workers:
        thread.join(timeout=config.shutdown_grace_s)
    server.stop()
