"""The composition root: an Application is wired from a config without any gRPC, and the server is only
the gRPC front of one."""
from streamvisor.api.server import StreamvisorServer
from streamvisor.app.scheduler import Scheduler
from streamvisor.app.supervisors import SupervisorService
from streamvisor.app.tasks import TaskService
from streamvisor.bootstrap import build_application
from streamvisor.client import StreamvisorClient
from streamvisor.config import ServerConfig


def test_build_application_wires_the_parts_and_closes_once(sqlite_url):
    app = build_application(ServerConfig(database_url=sqlite_url, scheduler=False))
    try:
        assert isinstance(app.service, SupervisorService) and isinstance(app.tasks, TaskService)
        assert app.scheduler is None
        assert app.service.store is app.store and app.tasks.store is app.store
        with app.store.read() as tx:  # migrated
            assert tx.list_supervisors(None, 10, (), ()) == []
    finally:
        app.close()
        app.close()  # idempotent


def test_the_scheduler_is_built_when_configured(sqlite_url):
    app = build_application(ServerConfig(database_url=sqlite_url, scheduler_interval_s=0.25))
    try:
        assert isinstance(app.scheduler, Scheduler) and app.scheduler.interval_s == 0.25
    finally:
        app.close()


def test_the_server_fronts_a_given_application(sqlite_url):
    config = ServerConfig(listen="127.0.0.1:0", database_url=sqlite_url, scheduler=False, shutdown_grace_s=0)
    app = build_application(config)
    server = StreamvisorServer(config, app)
    try:
        assert (server.service, server.tasks, server.store, server.streams, server.metrics, server.engine,
                server.scheduler) == (app.service, app.tasks, app.store, app.streams, app.metrics, app.engine, None)
        port = server.start()
        with StreamvisorClient(f"127.0.0.1:{port}", retries=0) as client:
            assert list(client.iter_supervisors()) == []
    finally:
        server.stop(0)
    assert app._closed
