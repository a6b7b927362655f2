"""Assembles the server: store, stream adapters, application service, servicers, health, reflection."""
from __future__ import annotations

import logging
import signal
import threading
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from streamvisor.api.supervisor_servicer import SupervisorServicer
from streamvisor.app.supervisors import SupervisorService
from streamvisor.config import ServerConfig
from streamvisor.store.engine import create_store_engine, migrate
from streamvisor.store.sql import SqlMetadataStore
from streamvisor.streams.registry import StreamAdapterRegistry
from streamvisor.v1 import supervisor_service_pb2, supervisor_service_pb2_grpc

log = logging.getLogger("streamvisor.server")

SERVICE_NAMES = (
    supervisor_service_pb2.DESCRIPTOR.services_by_name["SupervisorService"].full_name,
)


class StreamvisorServer:
    def __init__(self, config: ServerConfig):
        self.config = config
        self.engine = create_store_engine(config.database_url, pool_size=config.max_workers)
        migrate(self.engine)
        self.store = SqlMetadataStore(self.engine)
        self.streams = StreamAdapterRegistry(timeout_s=config.broker_timeout_s)
        self.service = SupervisorService(self.store, self.streams, config.default_consumer_properties)
        options = [
            ("grpc.max_receive_message_length", config.max_message_bytes),
            ("grpc.max_send_message_length", config.max_message_bytes),
            ("grpc.so_reuseport", 0),
        ]
        self.grpc_server = grpc.server(futures.ThreadPoolExecutor(max_workers=config.max_workers,
                                                                  thread_name_prefix="rpc"), options=options)
        supervisor_service_pb2_grpc.add_SupervisorServiceServicer_to_server(SupervisorServicer(self.service),
                                                                           self.grpc_server)
        self.health = health.HealthServicer(experimental_non_blocking=True)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.grpc_server)
        reflection.enable_server_reflection(
            SERVICE_NAMES + (health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME),
            self.grpc_server)
        self.port = 0
        self._stopped = threading.Event()

    def start(self) -> int:
        self.port = self.grpc_server.add_insecure_port(self.config.listen)
        if self.port == 0:
            raise RuntimeError(f"could not listen on {self.config.listen}")
        self.grpc_server.start()
        for name in ("",) + SERVICE_NAMES:
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        host = self.config.listen.rsplit(":", 1)[0]
        log.info("serving address=%s:%d database=%s default_bootstrap=%s", host, self.port,
                 self.engine.url.render_as_string(hide_password=True),
                 self.config.default_consumer_properties.get("bootstrap.servers", "-"))
        return self.port

    def stop(self, grace: float | None = None) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.health.enter_graceful_shutdown()
        self.grpc_server.stop(self.config.shutdown_grace_s if grace is None else grace).wait()
        self.streams.close()
        self.engine.dispose()
        log.info("stopped")


def serve(config: ServerConfig) -> None:
    server = StreamvisorServer(config)
    server.start()
    stop_requested = threading.Event()

    def _on_signal(signum, _frame):
        log.info("signal received signal=%s; shutting down gracefully (grace %.0fs)",
                 signal.Signals(signum).name, config.shutdown_grace_s)
        stop_requested.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    # The main thread does the stopping, so the process exits only after in-flight calls finished.
    stop_requested.wait()
    server.stop()
