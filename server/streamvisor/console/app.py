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


def default_allowed_hosts(listen_host: str) -> frozenset[str]:
    """The names a browser uses for this console when nobody configured any: the loopback names, the host
    it listens on, and this machine's own names when it listens on every interface."""
    names = {"localhost", "127.0.0.1", "::1", listen_host.lower()}
    if listen_host in ("", "0.0.0.0", "::"):
        names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
    return frozenset(n for n in names if n)


def parse_allowed_hosts(text: str, listen_host: str) -> frozenset[str] | None:
    """STREAMVISOR_CONSOLE_ALLOWED_HOSTS -> the allowed host names; None means any ("*")."""
    names = {n.strip().lower().strip("[]") for n in text.split(",") if n.strip()}
    if "*" in names:
        return None
    return frozenset(names) if names else default_allowed_hosts(listen_host)


def _host_name(authority: str) -> str:
    """'Host' header or an origin's authority -> its lower-case host name, without port or IPv6 brackets."""
    authority = authority.strip().lower()
    if authority.startswith("["):
        return authority[1:].split("]", 1)[0]
    return authority.rsplit(":", 1)[0] if authority.count(":") == 1 else authority


class SameOriginGuard:
    """Refuses (403, a Connect error with ErrorInfo PERMISSION_DENIED) a request whose Host is not one of
    the console's names, and one whose Origin is another site's. Bearer tokens live in the page, not in
    cookies, so a foreign page cannot borrow them; but with authentication off, or through DNS rebinding
    (evil.example resolving to 127.0.0.1), a foreign page could otherwise call the bridge from its own
    origin. The Host check stops rebinding; the Origin check stops a cross-site request that needs no
    preflight."""

    def __init__(self, app, allowed_hosts: frozenset[str] | None):
        self.app = app
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        refusal = None
        if self.allowed_hosts is not None and _host_name(host) not in self.allowed_hosts:
            refusal = (f"the console does not answer to host {host!r}; allow it with "
                       "STREAMVISOR_CONSOLE_ALLOWED_HOSTS (or --console-allowed-hosts)", {"host": host[:200]})
        origin = headers.get("origin")
        if refusal is None and origin is not None and origin.split("://", 1)[-1].rstrip("/").lower() != host.lower():
            refusal = (f"a request from origin {origin!r} is not the console's own ({host!r})",
                       {"origin": origin[:200], "host": host[:200]})
        if refusal is None:
            return await self.app(scope, receive, send)
        message, metadata = refusal
        logs.warning(log, "console request refused", path=scope.get("path", ""), **metadata)
        response = connect_error("permission_denied", 403, message, [error_info_detail("PERMISSION_DENIED", metadata)])
        await response(scope, receive, send)


def build_app(grpc_target: str, auth: AuthPolicy, allowed_hosts: frozenset[str] | None = None) -> Starlette:
    """allowed_hosts: the Host names answered (None: any; SameOriginGuard)."""
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
    app.add_middleware(SameOriginGuard, allowed_hosts=allowed_hosts)
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

    def __init__(self, listen: str, grpc_port: int, auth: AuthPolicy, grpc_host: str = "127.0.0.1",
                 allowed_hosts: str = ""):
        host, _, port = listen.rpartition(":")
        self.host = host.strip("[]") or "127.0.0.1"
        self.requested_port = int(port)
        self.allowed_hosts = parse_allowed_hosts(allowed_hosts, self.host)
        self.app = build_app(f"{grpc_host}:{grpc_port}", auth, self.allowed_hosts)
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
