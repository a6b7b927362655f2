"""The console's HTTP server: the pages, the Connect bridge (bridge.py) and the session probe, served by
uvicorn in a thread of the server process beside the gRPC server."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from streamvisor import logs
from streamvisor.api.auth import AuthPolicy
from streamvisor.console.bridge import SERVICE, Bridge, connect_error, error_info_detail
from streamvisor.domain.errors import Unauthenticated

log = logging.getLogger("streamvisor.console")
STATIC = Path(__file__).parent / "static"


def build_app(grpc_target: str, auth: AuthPolicy) -> Starlette:
    bridge = Bridge(grpc_target)

    async def session(request: Request):
        """Who the token is, so the pages can hide what the role may not do (the server refuses it anyway)."""
        try:
            identity = auth.authenticate(request.headers.get("authorization"), None)
        except Unauthenticated as e:
            return connect_error("unauthenticated", 401, e.message, [error_info_detail(e.reason, e.metadata)])
        return JSONResponse({"actor": identity.actor, "role": identity.role, "authentication": auth.enabled})

    async def index(request: Request):
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-cache"})

    app = Starlette(routes=[
        Route(f"/{SERVICE.full_name}/{{method}}", bridge.handle, methods=["POST", "GET", "PUT", "DELETE"]),
        Route("/console/session", session),
        Mount("/static", StaticFiles(directory=STATIC)),
        Route("/", index),
    ], lifespan=_closing(bridge))
    return app


def _closing(bridge: Bridge):
    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        bridge.close()
    return lifespan


class ConsoleServer:
    """uvicorn in a daemon thread; `start` returns the bound port once it listens."""

    def __init__(self, listen: str, grpc_port: int, auth: AuthPolicy, grpc_host: str = "127.0.0.1"):
        host, _, port = listen.rpartition(":")
        self.host = host or "127.0.0.1"
        self.app = build_app(f"{grpc_host}:{grpc_port}", auth)
        self.server = uvicorn.Server(uvicorn.Config(self.app, host=self.host, port=int(port), log_level="warning",
                                                    access_log=False, lifespan="on"))
        self.thread = threading.Thread(target=self._run, name="console", daemon=True)
        self.port = 0

    def _run(self) -> None:
        asyncio.run(self.server.serve())

    def start(self, timeout_s: float = 10.0) -> int:
        self.thread.start()
        for _ in range(int(timeout_s * 100)):
            if self.server.started:
                break
            if not self.thread.is_alive():
                raise RuntimeError("the console server did not start (is its port taken?)")
            threading.Event().wait(0.01)
        else:
            raise RuntimeError("the console server did not start in time")
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        logs.info(log, "console serving", url=f"http://{self.host}:{self.port}/")
        return self.port

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
