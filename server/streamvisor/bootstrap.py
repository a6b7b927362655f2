"""The composition root: builds the application - metadata store (with migrations), stream adapters,
metrics, use-case services, scheduler - from a ServerConfig, and starts embedded workers. api/server.py
puts a gRPC server in front of an Application; tests and benchmarks may build one without it.

Everything that decides which concrete class plays which part is here and nowhere else."""
from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine

from streamvisor import logs
from streamvisor.api.metrics import Metrics
from streamvisor.app.autoscaler import Autoscaling
from streamvisor.app.idle import Idleness
from streamvisor.app.scheduler import Scheduler
from streamvisor.app.supervisors import SupervisorService
from streamvisor.app.tasks import TaskService
from streamvisor.config import ServerConfig
from streamvisor.store.engine import create_store_engine, migrate
from streamvisor.store.sql import SqlMetadataStore
from streamvisor.streams.registry import StreamAdapterRegistry

log = logging.getLogger("streamvisor.server")  # the lines it logs are the server's


@dataclass
class Application:
    """The wired objects of one server process. `start_background()` / `stop_background()` run what works
    on its own (the scheduler); `close()` stops that and releases the rest (metrics, broker connections,
    the database pool)."""

    config: ServerConfig
    engine: Engine
    store: SqlMetadataStore
    streams: StreamAdapterRegistry
    metrics: Metrics
    service: SupervisorService
    tasks: TaskService
    scheduler: Scheduler | None  # None when config.scheduler is off
    _closed: bool = field(default=False, repr=False)

    def start_background(self) -> None:
        if self.scheduler is not None:
            self.scheduler.start()

    def stop_background(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.stop_background()
        self.metrics.stop()
        self.streams.close()
        self.store.dispose()  # its own read connections, then the engine


def build_services(config: ServerConfig, store: SqlMetadataStore, streams: StreamAdapterRegistry,
                   observer: Metrics) -> tuple[SupervisorService, TaskService, Scheduler | None]:
    """The use-case services: (supervisors, tasks, scheduler or None). The one place that names them."""
    service = SupervisorService(store, streams, config.default_consumer_properties, observer=observer)
    tasks = TaskService(store, service, group_commits=config.group_commits)
    scheduler = Scheduler(store, streams, service, interval_s=config.scheduler_interval_s,
                          lease_ttl_s=config.scheduler_lease_ttl_s,
                          sweep_interval_s=config.scheduler_sweep_interval_s,
                          recheck_interval_s=config.scheduler_recheck_interval_s,
                          autoscaler=Autoscaling(service.offsets, refresh_s=config.autoscaler_refresh_s),
                          idleness=Idleness(service.offsets, refresh_s=config.autoscaler_refresh_s,
                                            check_s=config.idle_check_s),
                          ) if config.scheduler else None
    return service, tasks, scheduler


def build_application(config: ServerConfig) -> Application:
    engine = create_store_engine(config.database_url, pool_size=config.max_workers)
    try:
        migrate(engine)
        store = SqlMetadataStore(engine)
        streams = StreamAdapterRegistry(timeout_s=config.broker_timeout_s)
        # Metrics are always collected (cheap); only --metrics-listen serves them over HTTP.
        metrics = Metrics(store, streams)
        service, tasks, scheduler = build_services(config, store, streams, observer=metrics)
    except BaseException:
        engine.dispose()
        raise
    return Application(config, engine, store, streams, metrics, service, tasks, scheduler)


def start_embedded_workers(config: ServerConfig, port: int, stop: threading.Event) -> list[threading.Thread]:
    """Reference workers inside the server process, talking to it over loopback like any other worker."""
    if config.embedded_workers <= 0:
        return []
    if config.tls_cert_file:
        raise SystemExit("--embedded-workers needs a plaintext listener; run `streamvisor worker` with TLS instead")
    from streamvisor.client.tasks import TaskClient
    from streamvisor.worker.runner import Worker
    from streamvisor.worker.sinks import open_sink

    threads = []
    for i in range(config.embedded_workers):
        client = TaskClient(f"127.0.0.1:{port}", token=config.worker_token or None)
        # A sink per worker: each worker closes its own when it stops.
        worker = Worker(f"127.0.0.1:{port}", open_sink(config.output),
                        f"{socket.gethostname()}-{os.getpid()}-embedded-{i}", client=client)
        thread = threading.Thread(target=worker.run, args=(stop,), name=f"worker-{i}", daemon=True)
        thread.start()
        threads.append(thread)
    logs.info(log, "embedded workers started", count=len(threads), output=config.output)
    return threads
