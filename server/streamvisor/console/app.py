"""The console's HTTP server: the pages, the Connect bridge (bridge.py) and the session probe, served by
uvicorn in a thread of the server process beside the gRPC server."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
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
    """uvicorn in a daemon thread, on a socket bound here first: a taken port fails `start` at once, with
    the OS's reason, and `:0` knows its port before any request."""

    def __init__(self, listen: str, grpc_port: int, auth: AuthPolicy, grpc_host: str = "127.0.0.1"):
        host, _, port = listen.rpartition(":")
        self.host = host.strip("[]") or "127.0.0.1"
        self.requested_port = int(port)
        self.app = build_app(f"{grpc_host}:{grpc_port}", auth)
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="on"))
        self.thread = threading.Thread(target=self._run, name="console", daemon=True)
        self.socket: socket.socket | None = None
        self.port = 0

    def _run(self) -> None:
        asyncio.run(self.server.serve(sockets=[self.socket]))

    def start(self, timeout_s: float = 10.0) -> int:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.socket.bind((self.host, self.requested_port))
        except OSError as e:
            self.socket.close()
            raise RuntimeError(f"the console cannot listen on {self.host}:{self.requested_port}: {e.strerror}") \
                from None
        self.port = self.socket.getsockname()[1]
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the console server did not start")
            time.sleep(0.01)
        logs.info(log, "console serving", url=f"http://{self.host}:{self.port}/")
        return self.port

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)
        if self.socket is not None:
            self.socket.close()
