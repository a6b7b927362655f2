"""The gRPC server over an Application (see bootstrap.py, which wires the store, stream adapters and
services): interceptors, servicers, health, reflection, TLS; and `serve`, the process's main loop.

`start_embedded_workers` is importable from here as before; it lives in bootstrap.py."""
from __future__ import annotations

import logging
import signal
import threading
from concurrent import futures
from typing import Callable

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from streamvisor import logs
from streamvisor.api import tls
from streamvisor.api.auth import AuthPolicy
from streamvisor.api.interceptors import CallLimiter, ServerInterceptor
from streamvisor.api.supervisor_servicer import SupervisorServicer
from streamvisor.api.task_servicer import TaskServicer
from streamvisor.app.health import HEALTH_SERVICE_PREFIX
from streamvisor.app.supervisors import SupervisorService
from streamvisor.domain.errors import InvalidArgument, NotFound
from streamvisor.bootstrap import Application, build_application, start_embedded_workers
from streamvisor.config import ServerConfig
from streamvisor.v1 import supervisor_service_pb2, supervisor_service_pb2_grpc, task_service_pb2, task_service_pb2_grpc

log = logging.getLogger("streamvisor.server")

__all__ = ["HealthServicer", "StreamvisorServer", "serve", "start_embedded_workers"]

SERVICE_NAMES = (
    supervisor_service_pb2.DESCRIPTOR.services_by_name["SupervisorService"].full_name,
    task_service_pb2.DESCRIPTOR.services_by_name["TaskService"].full_name,
)


class HealthServicer(health.HealthServicer):
    """grpcio-health-checking's servicer, plus List, plus one service per supervisor.

    health.proto gained List after Check and Watch; the package (1.85) registers the method from the proto but
    its servicer does not implement it, so without this a List call fails UNKNOWN "Method not implemented!"
    (found by tests/test_fuzz.py). The statuses are the ones Check answers from (the base class's table).

    `streamvisor.supervisor/<id>` answers for one supervisor (SERVING unless it is UNHEALTHY or TERMINATED,
    NOT_FOUND / SERVICE_UNKNOWN for no such supervisor), so a standard gRPC probe can watch one pipeline.
    Check reads the store each time. Watch uses the base class's non-blocking watchers (no thread per
    watcher); a poller refreshes only the supervisors someone watches, and tells them only of changes,
    so the cost is proportional to what is watched, not to how many supervisors exist."""

    def __init__(self, supervisor_healthy: Callable[[str], bool | None] | None = None, poll_s: float = 1.0,
                 **kwargs):
        super().__init__(**kwargs)
        self._supervisor_healthy = supervisor_healthy
        self._poll_s = poll_s
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None

    def _supervisor_status(self, service: str):
        """The status of a supervisor service, or None when there is no such supervisor."""
        healthy = self._supervisor_healthy(service[len(HEALTH_SERVICE_PREFIX):])
        if healthy is None:
            return None
        return health_pb2.HealthCheckResponse.SERVING if healthy else health_pb2.HealthCheckResponse.NOT_SERVING

    def _is_supervisor(self, service: str) -> bool:
        return self._supervisor_healthy is not None and service.startswith(HEALTH_SERVICE_PREFIX)

    def Check(self, request, context):
        if not self._is_supervisor(request.service):
            return super().Check(request, context)
        try:
            status = self._supervisor_status(request.service)
        except Exception as e:  # the store is down: say so, not "unhealthy"
            logs.warning(log, "supervisor health unknown", service=request.service, error=type(e).__name__)
            context.abort(grpc.StatusCode.UNAVAILABLE, "the metadata store cannot be reached")
        if status is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"no supervisor for health service {request.service!r}")
        return health_pb2.HealthCheckResponse(status=status)

    def Watch(self, request, context, send_response_callback=None):
        if self._is_supervisor(request.service):
            self._refresh(request.service)
        return super().Watch(request, context, send_response_callback)

    def List(self, request, context):
        with self._lock:
            statuses = {name: status for name, status in self._server_status.items()
                        if not name.startswith(HEALTH_SERVICE_PREFIX)}
        return health_pb2.HealthListResponse(
            statuses={name: health_pb2.HealthCheckResponse(status=status) for name, status in statuses.items()})

    def _refresh(self, service: str) -> None:
        try:
            status = self._supervisor_status(service)
        except Exception:  # keep the last known status; the next poll tries again
            return
        if status is None:
            status = health_pb2.HealthCheckResponse.SERVICE_UNKNOWN
        with self._lock:
            changed = self._server_status.get(service) != status
        if changed:
            self.set(service, status)

    def _poll(self) -> None:
        while not self._stop.wait(self._poll_s):
            with self._lock:
                watched = [name for name, callbacks in self._send_response_callbacks.items()
                           if callbacks and name.startswith(HEALTH_SERVICE_PREFIX)]
                for name in [n for n in self._server_status if n.startswith(HEALTH_SERVICE_PREFIX)]:
                    if name not in watched:  # nobody watches it any more: forget it
                        del self._server_status[name]
            for name in watched:
                self._refresh(name)

    def start_polling(self) -> None:
        if self._supervisor_healthy is not None and self._poller is None:
            self._poller = threading.Thread(target=self._poll, name="supervisor-health", daemon=True)
            self._poller.start()

    def stop_polling(self) -> None:
        self._stop.set()
        if self._poller is not None:
            self._poller.join(timeout=5)


def _supervisor_healthy(service: SupervisorService) -> Callable[[str], bool | None]:
    def healthy(supervisor_id: str) -> bool | None:
        try:
            return service.health(supervisor_id).healthy
        except (NotFound, InvalidArgument):
            return None
    return healthy


class StreamvisorServer:
    """The gRPC server in front of an Application (bootstrap.py): interceptors (auth, metrics, call
    limit), servicers, health, reflection, TLS. Given only a config it builds the application itself;
    either way stop() closes it. The application's parts are readable here (server.service,
    server.store, ...) for tests and benchmarks."""

    def __init__(self, config: ServerConfig, application: Application | None = None):
        self.config = config
        self.application = application if application is not None else build_application(config)
        try:
            self._build_grpc(config)
        except BaseException:
            self.application.close()
            raise
        self.port = 0
        self.console = None
        self._stopped = threading.Event()

    def _build_grpc(self, config: ServerConfig) -> None:
        app = self.application
        options = [
            ("grpc.max_receive_message_length", config.max_message_bytes),
            ("grpc.max_send_message_length", config.max_message_bytes),
            # Off for a lone server: a second one started on its port by mistake must fail, not share it.
            # On in each process of a `serve --processes N` group (api/processes.py), which share the port.
            ("grpc.so_reuseport", 1 if config.reuse_port else 0),
        ]
        self.auth = AuthPolicy.from_file(config.tokens_file) if config.tokens_file else AuthPolicy.disabled()
        # Application calls never take the last reserved_workers threads: those answer health checks.
        self.limiter = CallLimiter(max(1, config.max_workers - config.reserved_workers))
        self.grpc_server = grpc.server(futures.ThreadPoolExecutor(max_workers=config.max_workers,
                                                                  thread_name_prefix="rpc"), options=options,
                                       interceptors=[ServerInterceptor(self.auth, app.metrics, self.limiter)])
        supervisor_service_pb2_grpc.add_SupervisorServiceServicer_to_server(SupervisorServicer(app.service),
                                                                           self.grpc_server)
        task_service_pb2_grpc.add_TaskServiceServicer_to_server(TaskServicer(app.tasks), self.grpc_server)
        self.health = HealthServicer(_supervisor_healthy(app.service), experimental_non_blocking=True)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.grpc_server)
        reflection.enable_server_reflection(
            SERVICE_NAMES + (health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME),
            self.grpc_server)

    # The application's parts, as tests and benchmarks reach them.
    engine = property(lambda self: self.application.engine)
    store = property(lambda self: self.application.store)
    streams = property(lambda self: self.application.streams)
    metrics = property(lambda self: self.application.metrics)
    service = property(lambda self: self.application.service)
    tasks = property(lambda self: self.application.tasks)
    scheduler = property(lambda self: self.application.scheduler)

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
        if c.console_listen:
            try:
                self._start_console(c)
            except BaseException:
                # Refuse to run half-configured: a server asked for a console it cannot serve stops.
                self.grpc_server.stop(0).wait()
                self.application.close()
                raise
        for name in ("",) + SERVICE_NAMES:
            self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        self.health.start_polling()
        self.application.start_background()
        host = self.config.listen.rsplit(":", 1)[0]
        logs.info(log, "security", transport="tls" if c.tls_cert_file else "plaintext",
                  client_certificates="required" if c.tls_client_ca_file else "-",
                  authentication=f"tokens_file={c.tokens_file}" if self.auth.enabled else "off (every caller is admin)")
        logs.info(log, "serving", address=f"{host}:{self.port}",
                  database=self.engine.url.render_as_string(hide_password=True),
                  default_bootstrap=self.config.default_consumer_properties.get("bootstrap.servers", "-"))
        return self.port

    def _start_console(self, c: ServerConfig) -> None:
        if c.tls_cert_file:
            raise RuntimeError("--console-listen needs a plaintext gRPC listener (its bridge calls it over loopback)")
        from streamvisor.console.app import ConsoleServer  # starlette and uvicorn only when the console is on

        host = c.listen.rsplit(":", 1)[0].strip("[]")
        target_host = "127.0.0.1" if host in ("", "0.0.0.0", "::", "localhost") else host
        self.console = ConsoleServer(c.console_listen, self.port, self.auth, target_host, c.console_allowed_hosts)
        self.console.start()

    def stop(self, grace: float | None = None) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self.console is not None:
            self.console.stop()
        self.health.enter_graceful_shutdown()
        self.health.stop_polling()
        self.application.stop_background()
        self.grpc_server.stop(self.config.shutdown_grace_s if grace is None else grace).wait()
        self.application.close()
        logs.info(log, "stopped")


def serve(config: ServerConfig) -> None:
    if config.console_listen and config.tls_cert_file:
        raise SystemExit("--console-listen needs a plaintext gRPC listener (its bridge calls it over loopback); "
                         "run the console on a plaintext server, or without TLS")
    if config.processes > 1:
        from streamvisor.api.processes import serve_processes

        raise SystemExit(serve_processes(config))
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
